"""What the parser kept and what it dropped, and why: the trace `nato-watch inspect` shows.

A trace names elements by their number in document order in the tree of `Trace.markup` (as
`markup.build_soup` builds it, before anything is dropped), so that a renderer can find them
again in a fresh parse of the same markup. Recording costs nothing when no trace is asked
for: `parse` passes no `Recorder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bs4 import BeautifulSoup, Tag

from scraper.core.document import Document, Link
from scraper.core.parse.text import clip, norm

_EXCERPT: Final = 120


@dataclass(frozen=True)
class Dropped:
    """A region of the page the parser left out, and the reason it gives."""

    reason: str
    node: int
    element: str
    text: str


@dataclass(frozen=True)
class Kept:
    """A piece of the document and the element it was read from (`node`, or None)."""

    kind: str  # title | stamp | heading | paragraph | bullet | figure
    text: str
    node: int | None
    section: str | None = None
    label: str | None = None
    depth: int = 0
    alt: str | None = None
    src: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Trace:
    """How one page was read: the markup parsed, the article region, what was kept and
    what was dropped (in document order)."""

    markup: str
    url: str
    region: int | None
    region_element: str
    kept: tuple[Kept, ...]
    dropped: tuple[Dropped, ...]


def describe(el: Tag) -> str:
    """An element as a reader of the source knows it: `div#main.content`."""
    ident = el.get("id")
    classes = str(el.get("class") or "").split()
    out = el.name + (f"#{ident}" if ident else "")
    return out + "".join(f".{c}" for c in classes[:3])


@dataclass
class Recorder:
    """Collects a trace during one parse: numbers every element once, up front."""

    soup: BeautifulSoup
    numbers: dict[int, int] = field(default_factory=dict)
    dropped: list[tuple[int, str, str, str]] = field(default_factory=list)
    sources: list[Tag | None] = field(default_factory=list)
    stamp_node: Tag | None = None
    title_node: Tag | None = None
    region: Tag | None = None
    _alive: list[Tag] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._alive = self.soup.find_all(True)
        self.numbers = {id(el): i for i, el in enumerate(self._alive)}

    def number(self, el: Tag | None) -> int | None:
        """The element's number in document order, or None."""
        return None if el is None else self.numbers.get(id(el))

    def drop(self, el: Tag, reason: str) -> None:
        """Note that `el` (and everything in it) is left out, and why."""
        node = self.number(el)
        if node is not None:
            self.dropped.append(
                (node, reason, describe(el), clip(norm(el.get_text(" ")), _EXCERPT))
            )

    def trace(self, doc: Document, markup: str, url: str) -> Trace:
        """The finished trace of `doc`."""
        kept = [Kept(kind="title", text=doc.title, node=self.number(self.title_node))]
        if doc.last_updated is not None:
            kept.append(
                Kept(kind="stamp", text=doc.last_updated.text, node=self.number(self.stamp_node))
            )
        sources = iter(self.sources)
        for section in doc.sections:
            if section.heading is not None:
                node = self.number(next(sources, None))
                kept.append(
                    Kept(
                        kind="heading",
                        text=section.heading,
                        node=node,
                        section=section.id,
                        depth=section.level,
                    )
                )
            for b in section.blocks:
                kept.append(
                    Kept(
                        kind=b.kind.value,
                        text=b.text,
                        node=self.number(next(sources, None)),
                        section=section.id,
                        label=b.label,
                        depth=b.depth,
                        alt=b.alt,
                        src=b.src,
                        links=b.links,
                    )
                )
        dropped = sorted(self.dropped)
        return Trace(
            markup=markup,
            url=url,
            region=self.number(self.region),
            region_element=describe(self.region) if self.region is not None else "",
            kept=tuple(kept),
            dropped=tuple(Dropped(reason=r, node=n, element=e, text=t) for n, r, e, t in dropped),
        )
