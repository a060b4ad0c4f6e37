"""The page's title: the main heading in the body, else the element that shows the <title>.

Owns which `<h1>` is the page's (not a logo, not a hidden dialog's), the title's text (an
unclosed `<h1>` may hold the whole article), and the page's own name inside a `<title>`.
"""

from __future__ import annotations

import re
from typing import Final

from bs4 import BeautifulSoup, Tag
from bs4.element import PageElement

from scraper.core.parse.boilerplate import is_hidden, role_reason
from scraper.core.parse.pieces import element_text, inline_pieces, pieces_text
from scraper.core.parse.tags import BLOCKS, HEADINGS, LISTS, named
from scraper.core.parse.text import norm

TITLE_SEPARATOR: Final = re.compile(r"\s+[-|–—•·]\s+")
"""What separates the page's name from the site's in a <title>."""
_TITLE_PREFIX: Final = re.compile(
    r"^(?:topic|topics|news|official text|opinion|event|sujet|thème|actualités)\s*:\s*", re.I
)
_SITE_NAMES: Final = frozenset(
    {"nato", "otan", "nato - otan", "nato otan", "north atlantic treaty organization",
     "organisation du traité de l'atlantique nord", "nato.int"}
)  # fmt: skip
# Where a page without an <h1> may show its title (matched against the <title> text).
_TITLE_TAGS: Final = {"h2", "h3", "h4", "h5", "h6", "p", "div", "td", "th", "span", "font",
                      "b", "strong", "center", "big"}  # fmt: skip


def head_title(soup: BeautifulSoup) -> str:
    """The text of the page's <title> (the <head>'s own: an inline SVG icon has one too)."""
    head = soup.head
    title = head.find("title", recursive=False) if head is not None else None
    if title is None:
        title = next((t for t in soup.find_all("title") if t.find_parent("svg") is None), None)
    return norm(title.get_text()) if isinstance(title, Tag) else ""


def find_title_element(body: Tag, head: str) -> Tag | None:
    """The page's main heading: the best <h1>, else the element showing the <title> text."""
    best: tuple[int, Tag] | None = None
    for h1 in body.find_all("h1"):
        text = norm(h1.get_text())
        if not text or text.casefold() in _SITE_NAMES:
            continue  # a logo in an <h1>: an image, or just the site's name
        rank = _h1_rank(h1)
        if best is None or rank < best[0]:
            best = (rank, h1)
            if rank == 0:
                break
    if best is not None:
        return best[1]
    if not head:
        return None
    wanted = {title_core(head), head}
    longest = max(len(w) for w in wanted)
    for el in named(body, _TITLE_TAGS):
        if len(el.get_text()) > 4 * longest + 200:
            continue  # a container far bigger than a title: skip without normalising it
        if element_text(el) in wanted and not any(role_reason(a) for a in el.parents):
            return el
    return None


def _h1_rank(h1: Tag) -> int:
    """0: inside main/article; 1: plain; 2: inside a header; 3: inside other furniture (where
    an unclosed tag can nest a whole article); 4: hidden (a dialog), the last resort."""
    in_main = in_header = in_furniture = False
    for ancestor in h1.parents:
        if isinstance(ancestor, BeautifulSoup):
            break
        name = ancestor.name
        if is_hidden(ancestor):
            return 4
        if name in ("main", "article") or ancestor.get("role") == "main":
            in_main = True
        elif name == "header" or ancestor.get("role") == "banner":
            in_header = True
        elif role_reason(ancestor):
            in_furniture = True
    if in_furniture:
        return 3
    if in_main:
        return 0
    return 2 if in_header else 1


def title_core(title: str) -> str:
    """The page's own name inside a <title>: site names and "Topic:" prefixes removed."""
    parts = [p.strip() for p in TITLE_SEPARATOR.split(title) if p.strip()]
    parts = [_TITLE_PREFIX.sub("", p) for p in parts if p.casefold() not in _SITE_NAMES]
    parts = [p for p in parts if p]
    return max(parts, key=len) if parts else title


def title_text(anchor: Tag) -> str:
    """The title heading's text, up to its first block: an unclosed <h1> holds the article."""
    rest = after_title(anchor)
    if not rest:
        return element_text(anchor)
    first = rest[0]
    pieces, _ = inline_pieces(anchor, None, stop=first if isinstance(first, Tag) else None)
    return pieces_text(pieces)


def after_title(anchor: Tag) -> list[PageElement]:
    """The title heading's contents from its first block on (none when it is well formed)."""
    contents = anchor.contents
    for i, child in enumerate(contents):
        if isinstance(child, Tag) and (
            child.name in BLOCKS or child.name in LISTS or child.name in HEADINGS
        ):
            return contents[i:]
    return []
