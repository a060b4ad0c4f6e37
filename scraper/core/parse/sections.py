"""From the walk's items to sections: bold lines resolved, heading levels made relative,
stable ids.

The walk emits headings, bold lines and blocks in reading order; a bold line is a heading
when content follows it, else a paragraph. Levels are normalised (the highest heading level
used is 2, the next 3, …) and each section gets a slug id, unique in the document.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from scraper.core.document import Block, BlockKind, Link, Section


@dataclass(frozen=True)
class Heading:
    """A heading of the walk: 1-6 for <h1>-<h6>; 7 for a bold paragraph acting as one."""

    raw_level: int
    text: str


@dataclass(frozen=True)
class BoldLine:
    """A paragraph that is only bold text: a heading if content follows, else a paragraph."""

    text: str
    links: tuple[Link, ...]


Item = Heading | BoldLine | Block
"""What the walk emits, in reading order."""


def build_sections(items: list[Item]) -> tuple[Section, ...]:
    """Group the walk's items into sections with relative levels and stable ids."""
    resolved: list[Heading | Block] = []
    for i, item in enumerate(items):
        if isinstance(item, BoldLine):
            following = items[i + 1] if i + 1 < len(items) else None
            if isinstance(following, Block):
                resolved.append(Heading(7, item.text))
            else:
                resolved.append(Block(kind=BlockKind.PARAGRAPH, text=item.text, links=item.links))
        else:
            resolved.append(item)

    ranks = {
        level: rank + 2
        for rank, level in enumerate(
            sorted({i.raw_level for i in resolved if isinstance(i, Heading)})
        )
    }
    used = {"lead"}
    groups: list[tuple[str, str | None, int, list[Block]]] = [("lead", None, 1, [])]
    for item in resolved:
        if isinstance(item, Heading):
            groups.append((_unique_slug(item.text, used), item.text, ranks[item.raw_level], []))
        else:
            groups[-1][3].append(item)
    if not groups[0][3]:
        groups.pop(0)
    return tuple(
        Section(id=ident, heading=heading, level=level, blocks=tuple(blocks))
        for ident, heading, level, blocks in groups
    )


def _unique_slug(text: str, used: set[str]) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:  # a heading in a non-Latin script
        slug = re.sub(r"[^\w]+", "-", text.casefold()).strip("-") or "section"
    if len(slug) > 80:
        slug = slug[:80].rsplit("-", 1)[0]
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate
