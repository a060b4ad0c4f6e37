"""The page of one version, as it stood then: what `reports/<target>/pages/<id>.html` shows.

`version_page` turns a `Version` and the ids of its neighbours into a view: the document's
sections with stable anchors (one per section, one per block), bullets nested by depth,
figures with their captions, links placed on their words, and the provenance that makes the
page evidence. Pure: no file is read; the same version and neighbours give the same view.

Page text is untrusted. Only http(s) links become links (a `javascript:` href never does);
images are never loaded (the site has no external assets): a figure names its photo and links
to the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.core.change import section_name
from scraper.core.document import Block, BlockKind, Link, Section
from scraper.core.records import Source, Version
from scraper.timespec import utc_iso
from scraper.urls import redact_url

SAFE_SCHEMES = ("http://", "https://")
# Bullets nested deeper than this are shown at this depth (the page never goes near it; a
# hostile one must not make the renderer recurse without end).
MAX_DEPTH = 8
SOURCE_WORDS = {
    Source.LIVE: "a live check by nato-watch",
    Source.WAYBACK: "imported from the Wayback Machine",
    Source.WARC: "imported from a WARC file",
}


def safe_href(url: str | None) -> str | None:
    """`url` when it is an http(s) URL that may be a link; None for anything else."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES) and url == url.strip():
        return url
    return None


def section_anchor(section_id: str) -> str:
    """The anchor of a section on a version page (as in the reports: `section-<id>`)."""
    return f"section-{section_id}"


def block_anchor(section_id: str, index: int) -> str:
    """The anchor of the block at 0-based `index` of a section: `b-<section id>-<n>`."""
    return f"b-{section_id}-{index + 1}"


@dataclass(frozen=True)
class Segment:
    """A run of a block's text: plain, or the words of a link."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class BlockView:
    """A block ready to show: its anchor, its text cut into link and non-link runs, and the
    links whose words are not in its text (listed after it)."""

    block: Block
    anchor: str
    segments: tuple[Segment, ...]
    other_links: tuple[Segment, ...] = ()

    @property
    def src(self) -> str | None:
        """A figure's image URL, when it may be a link."""
        return safe_href(self.block.src)


@dataclass(frozen=True)
class ListItem:
    """A bullet and the bullets nested under it."""

    view: BlockView
    children: tuple[ListItem, ...] = ()


@dataclass(frozen=True)
class Node:
    """A paragraph, a figure, or a run of bullets (one list, nested by depth)."""

    kind: str  # "paragraph" | "figure" | "list"
    view: BlockView | None = None
    items: tuple[ListItem, ...] = ()


@dataclass(frozen=True)
class SectionView:
    """A section of the page: its anchor, its heading level and its blocks."""

    section: Section
    anchor: str
    name: str
    heading_level: int  # 2..6 (the page title is the h1)
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Fact:
    """One line of the provenance table."""

    label: str
    value: str
    href: str | None = None
    code: bool = False


@dataclass(frozen=True)
class VersionPage:
    """Everything the page of one version shows."""

    version: Version
    previous: str | None
    next: str | None
    sections: tuple[SectionView, ...]
    provenance: tuple[Fact, ...]

    @property
    def target(self) -> str:
        """The target the version belongs to."""
        return self.version.target

    @property
    def imported(self) -> bool:
        """Whether the snapshot was imported rather than captured by a live check."""
        return self.version.provenance.source is not Source.LIVE


def version_page(version: Version, *, previous: str | None, next: str | None) -> VersionPage:
    """The view of `version`, between the versions `previous` and `next` (None at the ends)."""
    sections = tuple(_section(sec) for sec in version.document.sections)
    return VersionPage(version, previous, next, sections, _provenance(version))


def _section(section: Section) -> SectionView:
    views = [_block(section.id, k, block) for k, block in enumerate(section.blocks)]
    nodes: list[Node] = []
    run: list[BlockView] = []
    for view in [*views, None]:
        if view is not None and view.block.kind is BlockKind.BULLET:
            run.append(view)
            continue
        if run:
            nodes.append(Node("list", items=_tree(run)))
            run = []
        if view is not None:
            kind = "figure" if view.block.kind is BlockKind.FIGURE else "paragraph"
            nodes.append(Node(kind, view=view))
    return SectionView(
        section=section,
        anchor=section_anchor(section.id),
        name=section_name(section.heading),
        heading_level=min(max(section.level, 2), 6),
        nodes=tuple(nodes),
    )


def _block(section_id: str, index: int, block: Block) -> BlockView:
    segments, others = _segments(block.text, block.links)
    return BlockView(block, block_anchor(section_id, index), segments, others)


def _segments(
    text: str, links: tuple[Link, ...]
) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Cut `text` at its links' words, in order; links whose words are not found come apart."""
    out: list[Segment] = []
    others: list[Segment] = []
    cursor = 0
    for link in links:
        href = safe_href(link.href)
        at = text.find(link.text, cursor) if link.text else -1
        if at < 0:
            others.append(Segment(link.text or link.href, href))
            continue
        if at > cursor:
            out.append(Segment(text[cursor:at]))
        out.append(Segment(link.text, href))
        cursor = at + len(link.text)
    if cursor < len(text) or not out:
        out.append(Segment(text[cursor:]))
    return tuple(out), tuple(others)


@dataclass
class _Open:
    """A bullet whose nested bullets are still being collected."""

    view: BlockView
    children: list[_Open] = field(default_factory=list)

    def freeze(self) -> ListItem:
        return ListItem(self.view, tuple(child.freeze() for child in self.children))


def _tree(views: list[BlockView]) -> tuple[ListItem, ...]:
    """Bullets nested by depth: a deeper bullet belongs to the last shallower one."""
    root: list[_Open] = []
    stack: list[tuple[int, list[_Open]]] = [(-1, root)]
    for view in views:
        depth = min(view.block.depth, MAX_DEPTH)
        while len(stack) > 1 and stack[-1][0] >= depth:
            stack.pop()
        item = _Open(view)
        stack[-1][1].append(item)
        stack.append((depth, item.children))
    return tuple(item.freeze() for item in root)


def _provenance(version: Version) -> tuple[Fact, ...]:
    prov = version.provenance
    # Published: the URLs without their credentials (a target's `user:password@`).
    url, final_url = redact_url(prov.url), redact_url(prov.final_url)
    facts = [
        Fact("Captured (UTC)", utc_iso(version.captured_at)),
        Fact("Fetched (UTC)", utc_iso(prov.fetched_at)),
        Fact("Source", SOURCE_WORDS.get(prov.source, prov.source.value)),
        Fact("URL asked", url, safe_href(url)),
        Fact("Final URL", final_url, safe_href(final_url)),
    ]
    hops = [redact_url(hop) for hop in prov.redirects]
    facts += [Fact("Redirected via", hop, safe_href(hop)) for hop in hops]
    if prov.memento_url:
        memento = redact_url(prov.memento_url)
        facts.append(Fact("Memento", memento, safe_href(memento)))
    facts.append(Fact("HTTP status", str(prov.status)))
    for label, value in (
        ("Content-Type", prov.content_type),
        ("ETag", prov.etag),
        ("Last-Modified", prov.last_modified),
    ):
        if value:
            facts.append(Fact(label, value, code=label == "ETag"))
    facts += [
        Fact("Raw snapshot (sha256 of the body)", prov.raw_sha256, code=True),
        Fact(
            "Stored as",
            f"snapshots/{version.target}/raw/{prov.raw_sha256}.html.gz",
            code=True,
        ),
        Fact("Parser version", prov.parser_version, code=True),
    ]
    if prov.renderer:
        facts.append(Fact("Renderer", prov.renderer))
    facts.append(Fact("Document hash (sha256)", version.content_hash, code=True))
    return tuple(facts)
