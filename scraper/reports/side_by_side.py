"""The side-by-side view of a change: the old page on the left, the new one on the right.

Each changed section becomes rows of two cells. A block kept in place (changed or not) is one
row, its old words on the left with deletions marked and its new words on the right with
insertions marked, so matched blocks line up. An added block leaves the left cell empty, a
removed one the right. A moved block shows its new words where it now stands; its old words
stand where they were, in a "moved away" row, and the two rows link to each other. When the
section it left is not part of the report (nothing else changed there), the moved row shows
the old words itself and links to that place on the old version's page.

Pure: a `Change` in, rows out; the HTML template only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass

from scraper.core.change import BlockChange, BlockStatus, Change, DiffPart, Op, SectionChange
from scraper.core.flags import Flag
from scraper.reports.model import SiteLinks
from scraper.reports.version_page import block_anchor

# A row's cell when the block is not on that side of the change.
NOT_ON_OLD = "Not on the old page."
NOT_ON_NEW = "Not on the new page."


@dataclass(frozen=True)
class SideCell:
    """One side of a row: the words shown (with their edits) and a note that may link."""

    parts: tuple[DiffPart, ...] = ()
    empty: str | None = None  # shown instead of words when the block is not on this side
    note: str | None = None
    href: str | None = None  # where the note links to (another row, or a version page)


@dataclass(frozen=True)
class SideRow:
    """Two cells side by side; `status` is the block's (or "moved-away" for an old place)."""

    id: str
    status: str
    heading: str
    old: SideCell
    new: SideCell
    notes: tuple[str, ...] = ()  # what the words cannot show (links, nesting, kind)
    flags: tuple[Flag, ...] = ()

    @property
    def context(self) -> bool:
        """Whether the row is an unchanged block shown for context."""
        return self.status == BlockStatus.UNCHANGED.value


@dataclass(frozen=True)
class SideRun:
    """Consecutive rows shown together: changes, or unchanged context to fold away."""

    context: bool
    rows: tuple[SideRow, ...]


@dataclass(frozen=True)
class SideSection:
    """A changed section in the side-by-side view."""

    section: SectionChange
    id: str
    runs: tuple[SideRun, ...]


def old_parts(item: BlockChange) -> tuple[DiffPart, ...]:
    """The old side of a block's word diff: kept and deleted words."""
    return tuple(p for p in item.diff if p.op is not Op.INSERT)


def new_parts(item: BlockChange) -> tuple[DiffPart, ...]:
    """The new side of a block's word diff: kept and inserted words."""
    return tuple(p for p in item.diff if p.op is not Op.DELETE)


def _old_section_id(section: SectionChange) -> str | None:
    """The id the section had on the old page (None when it is new)."""
    for item in section.items:
        if item.old_section is not None and item.moved_from is None:
            return item.old_section
    return None


def _kind_heading(item: BlockChange) -> str:
    kind = item.kind.value.capitalize()
    return f"{kind} ({item.label})" if item.label else kind


def _anchor(section_id: str, k: int) -> str:
    return f"sbs-{section_id}-{k}"


def side_by_side(
    change: Change,
    *,
    old_id: str,
    new_id: str,
    links: SiteLinks | None = None,
) -> tuple[SideSection, ...]:
    """The side-by-side rows of every changed section, in the order the report shows them."""
    anchors: dict[int, str] = {}  # id(BlockChange) of a moved block -> its row's anchor
    for sec in change.sections:
        for k, item in enumerate(sec.items, start=1):
            if item.status is BlockStatus.MOVED:
                anchors[id(item)] = _anchor(sec.id, k)

    # Where each moved block's old words go: the changed section it left, when it is shown.
    old_ids = {_old_section_id(sec): sec for sec in change.sections}
    away: dict[str, list[tuple[BlockChange, str, str]]] = {}  # section id -> (item, …)
    for sec in change.sections:
        for item in sec.items:
            if item.status is not BlockStatus.MOVED or item.old_section is None:
                continue
            home = old_ids.get(item.old_section)
            if home is not None:
                away.setdefault(home.id, []).append((item, anchors[id(item)], sec.name))
    placed = {id(item) for items in away.values() for item, _, _ in items}

    out = []
    for sec in change.sections:
        rows = _rows(sec, anchors, placed, old_id=old_id, links=links)
        shown = _insert_away(rows, sec, away.get(sec.id, []))
        out.append(SideSection(sec, f"sbs-{sec.id}", _group(shown)))
    return tuple(out)


def _rows(
    sec: SectionChange,
    anchors: dict[int, str],
    placed: set[int],
    *,
    old_id: str,
    links: SiteLinks | None,
) -> list[tuple[SideRow, BlockChange | None]]:
    rows: list[tuple[SideRow, BlockChange | None]] = []
    for k, item in enumerate(sec.items, start=1):
        anchor = _anchor(sec.id, k)
        status = item.status
        if status is BlockStatus.ADDED:
            old, new = SideCell(empty=NOT_ON_OLD), SideCell(new_parts(item))
        elif status is BlockStatus.REMOVED:
            old, new = SideCell(old_parts(item)), SideCell(empty=NOT_ON_NEW)
        elif status is BlockStatus.MOVED:
            assert item.old_index is not None
            where = (
                f"{item.moved_from}, item {item.old_index + 1}"
                if item.moved_from is not None
                else f"item {item.old_index + 1} of this section"
            )
            if id(item) in placed:
                old = SideCell(
                    empty=f"Moved here from {where}.",
                    note="See where it stood",
                    href=f"#{anchor}-was",
                )
            else:
                href = (
                    links.page(old_id, block_anchor(item.old_section, item.old_index))
                    if links is not None and item.old_section is not None
                    else None
                )
                old = SideCell(
                    old_parts(item),
                    note=f"On the old page: {where}",
                    href=href,
                )
            new = SideCell(new_parts(item), note="Moved here")
        else:
            old, new = SideCell(old_parts(item)), SideCell(new_parts(item))
        heading = _kind_heading(item)
        row = SideRow(anchor, status.value, heading, old, new, item.notes, item.flags)
        rows.append((row, item))
    return rows


def _insert_away(
    rows: list[tuple[SideRow, BlockChange | None]],
    sec: SectionChange,
    moved: list[tuple[BlockChange, str, str]],
) -> list[SideRow]:
    """Put a "moved away" row where each moved block stood in this (old) section: before the
    first block that stayed and stood after it."""
    out = list(rows)
    for item, anchor, now_in in sorted(moved, key=lambda m: m[0].old_index or 0):
        assert item.old_index is not None and item.new_index is not None
        where = (
            f"{now_in}, item {item.new_index + 1}"
            if item.moved_from is not None
            else f"item {item.new_index + 1} of this section"
        )
        row = SideRow(
            id=f"{anchor}-was",
            status="moved-away",
            heading=_kind_heading(item),
            old=SideCell(old_parts(item), note=f"Moved to {where}", href=f"#{anchor}"),
            new=SideCell(empty="Moved away (see its new place)."),
        )
        at = len(out)
        for k, (_, other) in enumerate(out):
            if (
                other is not None
                and other.status is not BlockStatus.MOVED
                and other.old_index is not None
                and other.old_index > item.old_index
            ):
                at = k
                break
        out.insert(at, (row, None))
    return [row for row, _ in out]


def _group(rows: list[SideRow]) -> tuple[SideRun, ...]:
    runs: list[SideRun] = []
    for row in rows:
        if runs and runs[-1].context == row.context:
            runs[-1] = SideRun(row.context, (*runs[-1].rows, row))
        else:
            runs.append(SideRun(row.context, (row,)))
    return tuple(runs)
