"""Runs of inline text: pieces with their bold state and link, and what is read from them.

A block is built from pieces `(text, bold, link)`: `link` indexes a list of resolved hrefs
(-1 for none). From a run of pieces come the block's text, its links, its bold lead-in label
("Cyber defence: …") and whether it is a bold line that may stand for a heading.
"""

from __future__ import annotations

from bs4 import Tag

from scraper.core.document import Link
from scraper.core.parse.tags import BLOCKS, BOLD_TAGS
from scraper.core.parse.text import is_text, norm
from scraper.urls import canonical_url

Piece = tuple[str, bool, int]
"""Text, bold, index into the run's resolved hrefs (-1: none)."""


def inline_pieces(
    el: Tag, base: str | None, *, stop: Tag | None = None
) -> tuple[list[Piece], list[str]]:
    """An element's text as one line of pieces, with its links resolved against `base` (none
    are collected when `base` is None); `stop` is a child of `el` where reading ends."""
    pieces: list[Piece] = []
    hrefs: list[str] = []

    def walk(node: Tag, bold: bool, link: int) -> None:
        for child in node.contents:
            if child is stop:
                return
            if not isinstance(child, Tag):
                if is_text(child):
                    pieces.append((str(child), bold, link))
                continue
            name = child.name
            inner_bold = bold or name in BOLD_TAGS
            inner_link = link
            href = child.get("href") if name == "a" else None
            if base is not None and href is not None and not _is_script(str(href)):
                hrefs.append(canonical_url(str(href), base=base))
                inner_link = len(hrefs) - 1
            if name == "br" or name in BLOCKS:
                pieces.append((" ", bold, link))
            walk(child, inner_bold, inner_link)
            if name in BLOCKS:
                pieces.append((" ", bold, link))

    walk(el, False, -1)
    return pieces, hrefs


def _is_script(href: str) -> bool:
    return href.strip().lower().startswith("javascript:")


def element_text(el: Tag) -> str:
    """An element's text as read: a space wherever a line break or a block boundary is."""
    pieces, _ = inline_pieces(el, None)
    return norm("".join(p[0] for p in pieces))


def pieces_text(pieces: list[Piece]) -> str:
    """The normalised text of a run of pieces."""
    return norm("".join(p[0] for p in pieces))


def links_of(pieces: list[Piece], hrefs: list[str]) -> tuple[Link, ...]:
    """The links of a run of pieces, in order of appearance; a link with no text (an image
    link, an anchor) is left out."""
    texts: dict[int, list[str]] = {}
    for text, _, link in pieces:
        if link >= 0:
            texts.setdefault(link, []).append(text)
    out = []
    for link, parts in texts.items():
        text = norm("".join(parts))
        if text:
            out.append(Link(text=text, href=hrefs[link]))
    return tuple(out)


def all_bold(pieces: list[Piece]) -> bool:
    """Whether every visible piece of the run is bold."""
    return all(bold for text, bold, _ in pieces if norm(text))


def heading_like(text: str) -> bool:
    """Short and not ending like a sentence: a bold line that may stand for a heading."""
    return len(text.split()) <= 15 and not text.endswith((".", "!", "?", ";", ","))


def split_label(pieces: list[Piece]) -> tuple[str | None, str]:
    """A bold lead-in ending in a colon ("Cyber defence: Since…") and the text after it."""
    start = next((i for i, p in enumerate(pieces) if norm(p[0])), None)
    if start is None or not pieces[start][1]:
        return None, ""
    end = start
    while end < len(pieces) and (pieces[end][1] or not norm(pieces[end][0])):
        end += 1
    lead = norm("".join(p[0] for p in pieces[start:end]))
    rest = norm("".join(p[0] for p in pieces[end:]))
    if lead.endswith(":"):
        label, text = lead[:-1].rstrip(), rest
    elif rest.startswith(":"):
        label, text = lead, rest[1:].lstrip()
    else:
        return None, ""
    if not label or not text or len(label.split()) > 12 or len(label) > 120:
        return None, ""
    return label, text
