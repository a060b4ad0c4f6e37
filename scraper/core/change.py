"""The change model: what `diff` computes and every renderer formats. Owns `Change`.

A `Change` holds the two pages' titles and stamps, how the stamp moved, the summary counts,
and the changed sections, each with its blocks (`BlockChange`: status, both sides, the word
diff as diff-match-patch parts, notes and flags). Frozen records, computed once
(`scraper.core.diff`) and only read afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from scraper.core.document import Block, BlockKind, LastUpdated
from scraper.core.flags import Flag, is_significant

if TYPE_CHECKING:
    from scraper.core.terms import TermChange

# The display name of the text before the first heading.
LEAD_NAME = "Introduction"


class StampStatus(StrEnum):
    """How the page's "Last updated" stamp moved between the two documents."""

    CHANGED = "changed"  # the new stamp is later (or appeared where there was none)
    UNCHANGED = "unchanged"  # the same moment
    BACKWARDS = "backwards"  # the new stamp is earlier than the old one
    MISSING = "missing"  # the old document had a stamp, the new one shows none


class SectionStatus(StrEnum):
    """What happened to a section."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    RENAMED = "renamed"


class BlockStatus(StrEnum):
    """What happened to a block; `unchanged` appears only as context, never in JSON."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"
    UNCHANGED = "unchanged"


class Op(IntEnum):
    """A diff-match-patch operation."""

    DELETE = -1
    EQUAL = 0
    INSERT = 1


@dataclass(frozen=True)
class DiffPart:
    """One diff-match-patch pair: an operation and its text."""

    op: Op
    text: str

    def to_pair(self) -> list[int | str]:
        """The `[op, text]` JSON pair."""
        return [int(self.op), self.text]


@dataclass(frozen=True)
class Summary:
    """The seven counts of a change (renamed sections count as changed)."""

    sections_added: int = 0
    sections_removed: int = 0
    sections_changed: int = 0
    blocks_added: int = 0
    blocks_removed: int = 0
    blocks_changed: int = 0
    blocks_moved: int = 0

    def to_dict(self) -> dict[str, int]:
        """The `summary` JSON object."""
        return {
            "sections_added": self.sections_added,
            "sections_removed": self.sections_removed,
            "sections_changed": self.sections_changed,
            "blocks_added": self.blocks_added,
            "blocks_removed": self.blocks_removed,
            "blocks_changed": self.blocks_changed,
            "blocks_moved": self.blocks_moved,
        }

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Summary:
        """Rebuild the counts from the `summary` JSON object."""
        return cls(**{name: int(data.get(name, 0)) for name in cls.__dataclass_fields__})

    @property
    def total(self) -> int:
        """All counts added up; zero when no section or block changed."""
        return sum(self.to_dict().values())


@dataclass(frozen=True)
class BlockChange:
    """One block of a changed section: its status, both sides and the word diff.

    `diff` is over `block_text` of each side, so the 0 and -1 parts give `old_text` and the 0
    and 1 parts give `new_text`. `old_index`/`new_index` are the block's 0-based positions in
    its old/new section. For a moved block, `old_section` is the id of the section it came
    from and `moved_from` that section's display name when it is another section (None when
    it moved within this one). `notes` name changes the words cannot show (links, nesting,
    kind); `flags` the changes of meaning in its words, strongest first.
    """

    status: BlockStatus
    old: Block | None
    new: Block | None
    diff: tuple[DiffPart, ...]
    old_index: int | None = None
    new_index: int | None = None
    old_section: str | None = None
    moved_from: str | None = None
    notes: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()

    @property
    def kind(self) -> BlockKind:
        """The block's kind on the new page (on the old one if removed)."""
        block = self.new or self.old
        assert block is not None
        return block.kind

    @property
    def label(self) -> str | None:
        """The block's label on the new page (on the old one if removed or dropped)."""
        if self.new is not None and self.new.label:
            return self.new.label
        return self.old.label if self.old is not None else None

    @property
    def old_text(self) -> str | None:
        """The old block as diffed (label and text), or None when the block is new."""
        return block_text(self.old) if self.old is not None else None

    @property
    def new_text(self) -> str | None:
        """The new block as diffed (label and text), or None when the block was removed."""
        return block_text(self.new) if self.new is not None else None

    @property
    def is_change(self) -> bool:
        """Whether this entry is a change (not unchanged context)."""
        return self.status is not BlockStatus.UNCHANGED


@dataclass(frozen=True)
class SectionChange:
    """A section that changed, with its blocks in new-page order (removed ones where they were).

    `heading` is the heading on the new page (the old one if removed; None for the lead);
    `old_heading` the heading on the old page (None when the section is new or is the lead).
    `items` holds every block of the section, unchanged ones too, so renderers can show
    context; `blocks` holds the changes only.
    """

    status: SectionStatus
    id: str
    heading: str | None
    old_heading: str | None
    level: int
    items: tuple[BlockChange, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def blocks(self) -> tuple[BlockChange, ...]:
        """The block changes of this section, without unchanged context."""
        return tuple(item for item in self.items if item.is_change)

    @property
    def name(self) -> str:
        """The section as a reader names it: its heading, or "Introduction" for the lead."""
        return section_name(self.heading)


@dataclass(frozen=True)
class Change:
    """Everything that changed from one document to another, computed once by `diff`.

    `sections` lists changed sections only, in new-page order with removed sections where
    they stood. `content_changed` covers the title and the sections; the stamp is classified
    on its own (`stamp`). A silent edit is a content change under an unchanged (or vanished)
    stamp; a restamp is a stamp change over identical content. `flags` are the report's
    strongest flags (at most `flags.REPORT_FLAGS`, strongest first) out of `flags_total`
    distinct ones; `terms` each watched term's count on both pages.
    """

    old_title: str
    new_title: str
    old_stamp: LastUpdated | None
    new_stamp: LastUpdated | None
    stamp: StampStatus
    content_changed: bool
    silent_edit: bool
    restamp: bool
    summary: Summary
    sections: tuple[SectionChange, ...] = ()
    title_diff: tuple[DiffPart, ...] = field(default=())
    flags: tuple[Flag, ...] = ()
    flags_total: int = 0
    terms: tuple[TermChange, ...] = ()

    @property
    def significant(self) -> bool:
        """Whether a flag is strong enough to notify on (`notify_on = "significant"`)."""
        return is_significant(self.flags)

    @property
    def is_empty(self) -> bool:
        """Whether the two documents are equal (same content, same stamp)."""
        return not self.content_changed and self.old_stamp == self.new_stamp

    @property
    def title_changed(self) -> bool:
        """Whether the page title changed."""
        return self.old_title != self.new_title


# -- how a block and a section are named -----------------------------------------------------


def block_text(block: Block) -> str:
    """A block's text as diffed and reported.

    "Label: text" for paragraphs and bullets, so a label change shows; for a figure
    "[Photo: alt] caption (src)" (as `Document.to_text` shows it, plus the file), so a new
    photo, alt text or caption shows.
    """
    if block.kind is BlockKind.FIGURE:
        parts = []
        if block.alt:
            parts.append(f"[Photo: {block.alt}]")
        if block.label:
            parts.append(f"{block.label}:")
        if block.text:
            parts.append(block.text)
        if block.src:
            parts.append(f"({block.src})")
        return " ".join(parts)
    return f"{block.label}: {block.text}" if block.label else block.text


def section_name(heading: str | None) -> str:
    """A section's display name: its heading, or "Introduction" for the lead section."""
    return heading if heading else LEAD_NAME


__all__ = [
    "LEAD_NAME",
    "BlockChange",
    "BlockStatus",
    "Change",
    "DiffPart",
    "Op",
    "SectionChange",
    "SectionStatus",
    "StampStatus",
    "Summary",
    "block_text",
    "section_name",
]
