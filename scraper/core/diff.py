"""The change between two documents: structure first, then words. Owns `diff` and `Change`.

`diff(old, new)` is pure and deterministic: no I/O, no clock. It matches sections across the
two documents (by id, then heading, then by similarity of their text, so a renamed heading is
a rename), aligns the blocks inside matched sections, pairs what is left over by similarity
(an edit is `changed`, not removed + added; a block found elsewhere is `moved`), and diffs the
words inside every changed or moved block with diff-match-patch. It also classifies the page's
own "Last updated" stamp and says whether the change is a silent edit or a restamp. Last, it
flags the changes of meaning in each changed block (`scraper.core.flags`: modality, negation,
numbers, dates, actors, programmes, intensity, watched terms), ranks the strongest for the
report's summary, and counts the watched terms on both pages (`scraper.core.terms`).

Renderers (`scraper.render`) only format the `Change`; nothing is recomputed there.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum

from diff_match_patch import diff_match_patch

from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link, Section
from scraper.core.features import page_context
from scraper.core.flag_rules import block_flags
from scraper.core.flags import Flag, is_significant, rank_flags
from scraper.core.terms import TermChange, term_changes
from scraper.core.text import readable_text
from scraper.core.watchlist import Watchlist, default_watchlist

# Sections whose (heading + text) words are at least this similar are the same section.
SECTION_MATCH_RATIO = 0.5
# Leftover blocks in the same place whose words are at least this similar are one edited block.
EDIT_MATCH_RATIO = 0.5
# A block found elsewhere must be near-identical to count as moved rather than removed + added.
MOVE_MATCH_RATIO = 0.75
# dmp gives up refining after this many seconds and returns a coarser (still exact) diff.
# Page blocks are a few hundred words and diff in milliseconds; this only guards pathological
# input, so in practice the output does not depend on machine speed.
DIFF_TIMEOUT_SECONDS = 2.0
# Below this share of kept text a word diff reads as confetti: show it as a replacement.
REWRITE_KEEP_SHARE = 0.3
# Private Use code points in the Basic Multilingual Plane (U+E000–U+F8FF).
_BMP_PRIVATE = 0xF900 - 0xE000
# The display name of the text before the first heading.
LEAD_NAME = "Introduction"

# A word (letters/digits, keeping apostrophes, hyphens and digit groups such as "2,000"
# together), or one punctuation mark, each with its trailing whitespace; or leading whitespace.
WORD = re.compile(r"\w+(?:(?:['’\-]|[.,](?=\d))\w+)*\s*|[^\w\s]\s*|\s+")
# The words of a text for similarity scores: no whitespace, no case.
SIMILARITY_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")


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


# -- public helpers --------------------------------------------------------------------------


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


def tokenize(text: str) -> list[str]:
    """Split text into words, each with its trailing whitespace; joined they give `text`."""
    return WORD.findall(text)


def word_diff(old: str, new: str) -> tuple[DiffPart, ...]:
    """A word-level diff-match-patch diff of two texts, semantically cleaned up.

    Words are mapped to single characters (the dmp "line mode" trick applied to words), diffed,
    mapped back and cleaned up, so insertions and deletions fall on whole words. When so
    little is kept that the result would be confetti, the whole text is shown replaced.
    """
    if old == new:
        return (DiffPart(Op.EQUAL, old),) if old else ()
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    chars_old, chars_new, table = _words_to_chars(old, new)
    diffs = dmp.diff_main(chars_old, chars_new, False)
    # Cleaned up while still one character per word: on real characters dmp would factor
    # shared letters out of replaced words ("year|s." for "years." → "challenges.").
    dmp.diff_cleanupSemantic(diffs)
    dmp.diff_charsToLines(diffs, table)
    parts = tuple(DiffPart(Op(op), text) for op, text in diffs if text)
    kept = sum(len(p.text.strip()) for p in parts if p.op is Op.EQUAL)
    edits = sum(1 for p in parts if p.op is not Op.EQUAL)
    longest = max(len(old.strip()), len(new.strip()))
    if edits > 2 and kept < REWRITE_KEEP_SHARE * longest:
        return tuple(
            DiffPart(op, text) for op, text in ((Op.DELETE, old), (Op.INSERT, new)) if text
        )
    return parts


def diff_old_text(parts: Iterable[DiffPart]) -> str:
    """The old text a diff was made from (its equal and deleted parts)."""
    return "".join(p.text for p in parts if p.op is not Op.INSERT)


def diff_new_text(parts: Iterable[DiffPart]) -> str:
    """The new text a diff was made from (its equal and inserted parts)."""
    return "".join(p.text for p in parts if p.op is not Op.DELETE)


def classify_stamp(old: LastUpdated | None, new: LastUpdated | None) -> StampStatus:
    """Classify the page's "Last updated" stamp from `old` to `new`."""
    if new is None:
        return StampStatus.UNCHANGED if old is None else StampStatus.MISSING
    if old is None or new.at > old.at:
        return StampStatus.CHANGED
    if new.at < old.at:
        return StampStatus.BACKWARDS
    return StampStatus.UNCHANGED


# -- diff ------------------------------------------------------------------------------------


def diff(old: Document, new: Document, *, watch: Watchlist | None = None) -> Change:
    """The change from `old` to `new`: pure, deterministic, computed once for every format.

    `watch` gives the watched terms and word lists of the flags (default: the built-in ones).
    """
    watch = watch if watch is not None else default_watchlist()
    sections = _SectionDiffer(old.sections, new.sections).run()
    sections, flags, flags_total = _flag_sections(sections, old, new, watch)
    content_changed = old.title != new.title or old.sections != new.sections
    stamp = classify_stamp(old.last_updated, new.last_updated)
    stamp_differs = old.last_updated != new.last_updated
    summary = _count(sections)
    return Change(
        old_title=old.title,
        new_title=new.title,
        old_stamp=old.last_updated,
        new_stamp=new.last_updated,
        stamp=stamp,
        content_changed=content_changed,
        silent_edit=content_changed and stamp in (StampStatus.UNCHANGED, StampStatus.MISSING),
        restamp=not content_changed and stamp_differs,
        summary=summary,
        sections=sections,
        title_diff=word_diff(old.title, new.title) if old.title != new.title else (),
        flags=flags,
        flags_total=flags_total,
        terms=term_changes(old, new, watch),
    )


def _flag_sections(
    sections: tuple[SectionChange, ...], old: Document, new: Document, watch: Watchlist
) -> tuple[tuple[SectionChange, ...], tuple[Flag, ...], int]:
    """Each changed block with its flags; the report's strongest flags and their number."""
    if not sections:
        return sections, (), 0
    page = page_context(old, new, watch)
    every: list[Flag] = []
    out = []
    for sec in sections:
        texts = _flag_texts(sec.items)
        items = []
        for item, (old_text, new_text) in zip(sec.items, texts, strict=True):
            if item.is_change:
                flags = block_flags(old_text, new_text, page=page, section=sec.name)
                if flags:
                    item = replace(item, flags=flags)
                    every.extend(flags)
            items.append(item)
        out.append(replace(sec, items=tuple(items)))
    top, total = rank_flags(every)
    return tuple(out), top, total


def _flag_texts(items: Sequence[BlockChange]) -> list[tuple[str | None, str | None]]:
    """The old and new words each block is flagged on. A paragraph split in two is flagged as
    one (the edited half with the split-off half), and so is a merge, so moving a sentence
    into a paragraph of its own raises nothing."""
    texts = [
        (
            readable_text(item.old) if item.old is not None else None,
            readable_text(item.new) if item.new is not None else None,
        )
        for item in items
    ]
    for k, item in enumerate(items):
        for note in item.notes:
            if not note.startswith(("split from the ", "merged into the ")):
                continue
            j = k + 1 if note.endswith("next block") else k - 1
            old_j, new_j = texts[j]
            own_old, own_new = texts[k]
            if item.status is BlockStatus.ADDED and own_new and new_j is not None:
                joined = (own_new, new_j) if j > k else (new_j, own_new)
                texts[j] = (old_j, " ".join(joined))
            elif item.status is BlockStatus.REMOVED and own_old and old_j is not None:
                joined = (own_old, old_j) if j > k else (old_j, own_old)
                texts[j] = (" ".join(joined), new_j)
            else:
                continue
            texts[k] = (None, None)  # flagged with its neighbour
    return texts


def _count(sections: Sequence[SectionChange]) -> Summary:
    counts = dict.fromkeys(Summary.__dataclass_fields__, 0)
    for sec in sections:
        if sec.status is SectionStatus.ADDED:
            counts["sections_added"] += 1
        elif sec.status is SectionStatus.REMOVED:
            counts["sections_removed"] += 1
        else:
            counts["sections_changed"] += 1
        for item in sec.blocks:
            counts[f"blocks_{item.status.value}"] += 1
    return Summary(**counts)


# -- words -----------------------------------------------------------------------------------


def _words_to_chars(old: str, new: str) -> tuple[str, str, dict[int, str]]:
    """Map each distinct word (with trailing space) to one character, as dmp's line mode does.

    The characters come from the Private Use Areas, so none of them is whitespace or
    punctuation to dmp's semantic scoring, which would otherwise slide edits around.
    """
    table: dict[int, str] = {}
    index: dict[str, int] = {}

    def encode(text: str) -> str:
        chars = []
        for token in tokenize(text):
            code = index.get(token)
            if code is None:
                code = _private_char(len(index))
                index[token] = code
                table[code] = token
            chars.append(chr(code))
        return "".join(chars)

    return encode(old), encode(new), table


def _private_char(n: int) -> int:
    """The n-th Private Use code point: U+E000–U+F8FF, then planes 15 and 16."""
    if n < _BMP_PRIVATE:
        return 0xE000 + n
    return 0xF0000 + n - _BMP_PRIVATE


def _similarity_tokens(text: str) -> tuple[str, ...]:
    return tuple(SIMILARITY_TOKEN.findall(text.casefold()))


def _ratio(a: Sequence[str], b: Sequence[str]) -> float:
    """Word-sequence similarity in [0, 1] (difflib's ratio: twice the matches over the total)."""
    if not a and not b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio()


def _ratio_at_least(a: Sequence[str], b: Sequence[str], floor: float) -> float:
    """The ratio of `a` and `b` if it can reach `floor`, else 0 (skips the costly part)."""
    if not a and not b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= floor else 0.0


# -- sections --------------------------------------------------------------------------------


@dataclass
class _Leftover:
    """A block not aligned in place: waiting to be paired, or reported added/removed."""

    section: int  # index of its section in its own document
    index: int  # position in that section
    block: Block
    region: int  # the unaligned run it belongs to (-1: a whole added/removed section)
    tokens: tuple[str, ...]
    paired: bool = False


@dataclass
class _Placed:
    """A block change with where it goes in the report."""

    change: BlockChange
    key: tuple[int, int, int]


class _SectionDiffer:
    """Matches sections, aligns and pairs blocks, and builds the `SectionChange`s."""

    def __init__(self, old: Sequence[Section], new: Sequence[Section]) -> None:
        self.old = list(old)
        self.new = list(new)
        self.pairs: list[tuple[int, int]] = []  # (old index, new index)
        self.new_of_old: dict[int, int] = {}
        self.old_of_new: dict[int, int] = {}
        # Per new section (by index) / removed old section: the block changes placed there.
        self.placed_new: dict[int, list[_Placed]] = {}
        self.placed_old: dict[int, list[_Placed]] = {}
        self.old_leftovers: list[_Leftover] = []
        self.new_leftovers: list[_Leftover] = []
        # old (section, index) -> new (section, index) for blocks that stayed in their section.
        self.kept: dict[tuple[int, int], tuple[int, int]] = {}

    def run(self) -> tuple[SectionChange, ...]:
        """Every changed section, in new-page order, removed ones where they stood."""
        self._match_sections()
        for i, j in self.pairs:
            self._align(i, j)
        for i, sec in enumerate(self.old):
            if i not in self.new_of_old:
                self.old_leftovers.extend(self._leftovers(i, sec, -1))
        for j, sec in enumerate(self.new):
            if j not in self.old_of_new:
                self.new_leftovers.extend(self._leftovers(j, sec, -1))
        self._pair_identical_moves()
        self._pair_edits_in_place()
        self._pair_near_moves()
        self._place_unpaired()
        return self._build()

    # sections

    def _match_sections(self) -> None:
        def link(i: int, j: int) -> None:
            self.new_of_old[i] = j
            self.old_of_new[j] = i

        by_id = {sec.id: j for j, sec in enumerate(self.new)}
        for i, sec in enumerate(self.old):
            j = by_id.get(sec.id)
            if j is not None and j not in self.old_of_new:
                link(i, j)
        by_heading: dict[str, int] = {}
        for j, sec in enumerate(self.new):
            if j not in self.old_of_new and sec.heading is not None:
                by_heading.setdefault(sec.heading.casefold(), j)
        for i, sec in enumerate(self.old):
            if i in self.new_of_old or sec.heading is None:
                continue
            j = by_heading.pop(sec.heading.casefold(), -1)
            if j >= 0 and j not in self.old_of_new:
                link(i, j)
        free_old = [i for i in range(len(self.old)) if i not in self.new_of_old]
        free_new = [j for j in range(len(self.new)) if j not in self.old_of_new]
        old_tokens = {i: _similarity_tokens(_section_text(self.old[i])) for i in free_old}
        new_tokens = {j: _similarity_tokens(_section_text(self.new[j])) for j in free_new}
        scored = []
        for i in free_old:
            for j in free_new:
                ratio = _ratio_at_least(old_tokens[i], new_tokens[j], SECTION_MATCH_RATIO)
                if ratio:
                    scored.append((-ratio, i, j))
        for _, i, j in sorted(scored):
            if i not in self.new_of_old and j not in self.old_of_new:
                link(i, j)
        self.pairs = sorted(self.new_of_old.items(), key=lambda p: p[1])

    # blocks inside a matched pair of sections

    def _align(self, i: int, j: int) -> None:
        old_blocks, new_blocks = self.old[i].blocks, self.new[j].blocks
        matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                for a, b in zip(range(a0, a1), range(b0, b1), strict=True):
                    self.kept[(i, a)] = (j, b)
                    self._put_new(
                        j,
                        BlockChange(
                            BlockStatus.UNCHANGED,
                            old_blocks[a],
                            new_blocks[b],
                            word_diff(block_text(old_blocks[a]), block_text(new_blocks[b])),
                            old_index=a,
                            new_index=b,
                            old_section=self.old[i].id,
                        ),
                        b,
                    )
                continue
            # The region id is unique per unaligned run: its position in the new document.
            region = j * 100_000 + b0
            self.old_leftovers.extend(
                _Leftover(
                    i, a, old_blocks[a], region, _similarity_tokens(block_text(old_blocks[a]))
                )
                for a in range(a0, a1)
            )
            self.new_leftovers.extend(
                _Leftover(
                    j, b, new_blocks[b], region, _similarity_tokens(block_text(new_blocks[b]))
                )
                for b in range(b0, b1)
            )

    def _leftovers(self, s: int, sec: Section, region: int) -> list[_Leftover]:
        return [
            _Leftover(s, k, block, region, _similarity_tokens(block_text(block)))
            for k, block in enumerate(sec.blocks)
        ]

    def _pair_identical_moves(self) -> None:
        """Identical text in another place: moved (same-place twins are edits, paired later)."""
        waiting: dict[str, list[_Leftover]] = {}
        for left in self.old_leftovers:
            waiting.setdefault(block_text(left.block), []).append(left)
        for right in self.new_leftovers:
            candidates = waiting.get(block_text(right.block), [])
            for left in candidates:
                if left.paired or left.block.kind is not right.block.kind:
                    continue
                if left.region == right.region and left.region != -1:
                    continue
                self._pair(left, right, BlockStatus.MOVED)
                break

    def _pair_edits_in_place(self) -> None:
        """Within each unaligned run, pair the most similar blocks in order (difflib-style)."""
        regions: dict[int, tuple[list[_Leftover], list[_Leftover]]] = {}
        for left in self.old_leftovers:
            if left.region != -1 and not left.paired:
                regions.setdefault(left.region, ([], []))[0].append(left)
        for right in self.new_leftovers:
            if right.region != -1 and not right.paired:
                regions.setdefault(right.region, ([], []))[1].append(right)
        for region in sorted(regions):
            olds, news = regions[region]
            self._fancy_pair(olds, news)

    def _fancy_pair(self, olds: list[_Leftover], news: list[_Leftover]) -> None:
        # Pairs stay in order: take the most similar pair, then do the same before and after
        # it (a stack, not recursion, so a page of a thousand new bullets cannot overflow).
        stack = [(olds, news)]
        while stack:
            left_run, right_run = stack.pop()
            best: tuple[float, int, int] | None = None
            for a, left in enumerate(left_run):
                for b, right in enumerate(right_run):
                    score = _pair_score(left, right, EDIT_MATCH_RATIO)
                    if score and (best is None or score > best[0]):
                        best = (score, a, b)
            if best is None:
                continue
            _, a, b = best
            self._pair(left_run[a], right_run[b], BlockStatus.CHANGED)
            stack.append((left_run[a + 1 :], right_run[b + 1 :]))
            stack.append((left_run[:a], right_run[:b]))

    def _pair_near_moves(self) -> None:
        """Near-identical text in another place: moved, with its word diff."""
        olds = [left for left in self.old_leftovers if not left.paired]
        news = [right for right in self.new_leftovers if not right.paired]
        scored = []
        for a, left in enumerate(olds):
            for b, right in enumerate(news):
                score = _pair_score(left, right, MOVE_MATCH_RATIO)
                if score:
                    scored.append((-score, a, b))
        for _, a, b in sorted(scored):
            if not olds[a].paired and not news[b].paired:
                self._pair(olds[a], news[b], BlockStatus.MOVED)

    def _pair(self, left: _Leftover, right: _Leftover, status: BlockStatus) -> None:
        left.paired = right.paired = True
        old_sec = self.old[left.section]
        counterpart = self.new_of_old.get(left.section)
        if status is BlockStatus.CHANGED or counterpart == right.section:
            self.kept[(left.section, left.index)] = (right.section, right.index)
        across = counterpart != right.section
        change = BlockChange(
            status,
            left.block,
            right.block,
            word_diff(block_text(left.block), block_text(right.block)),
            old_index=left.index,
            new_index=right.index,
            old_section=old_sec.id,
            moved_from=section_name(old_sec.heading)
            if status is BlockStatus.MOVED and across
            else None,
            notes=_block_notes(left.block, right.block),
        )
        self._put_new(right.section, change, right.index)

    def _place_unpaired(self) -> None:
        for right in self.new_leftovers:
            if not right.paired:
                text = block_text(right.block)
                change = BlockChange(
                    BlockStatus.ADDED,
                    None,
                    right.block,
                    (DiffPart(Op.INSERT, text),) if text else (),
                    new_index=right.index,
                )
                self._put_new(right.section, change, right.index)
        for left in self.old_leftovers:
            if left.paired:
                continue
            text = block_text(left.block)
            change = BlockChange(
                BlockStatus.REMOVED,
                left.block,
                None,
                (DiffPart(Op.DELETE, text),) if text else (),
                old_index=left.index,
                old_section=self.old[left.section].id,
            )
            j = self.new_of_old.get(left.section)
            if j is None:
                self.placed_old.setdefault(left.section, []).append(
                    _Placed(change, (left.index, 0, 0))
                )
            else:
                # Shown after the nearest earlier block that stayed in this section.
                anchor = -1
                for k in range(left.index - 1, -1, -1):
                    if (left.section, k) in self.kept:
                        anchor = self.kept[(left.section, k)][1]
                        break
                self.placed_new.setdefault(j, []).append(_Placed(change, (anchor, 1, left.index)))

    def _put_new(self, j: int, change: BlockChange, b: int) -> None:
        self.placed_new.setdefault(j, []).append(_Placed(change, (b, 0, 0)))

    # assembly

    def _build(self) -> tuple[SectionChange, ...]:
        moved_sections = self._reordered_sections()
        entries: list[tuple[tuple[int, int, int], SectionChange]] = []
        for j, sec in enumerate(self.new):
            items = _ordered(self.placed_new.get(j, []))
            i = self.old_of_new.get(j)
            if i is None:
                entries.append(
                    (
                        (j, 0, 0),
                        SectionChange(
                            SectionStatus.ADDED, sec.id, sec.heading, None, sec.level, items
                        ),
                    )
                )
                continue
            old_sec = self.old[i]
            notes = []
            if i in moved_sections:
                notes.append(
                    f"section moved: was section {i + 1} of {len(self.old)}, "
                    f"now section {j + 1} of {len(self.new)}"
                )
            if old_sec.level != sec.level:
                notes.append(f"heading level {old_sec.level} → {sec.level}")
            renamed = old_sec.heading != sec.heading
            if old_sec.id != sec.id and not renamed:
                # Same heading, new anchor (e.g. a duplicate heading appeared above it).
                notes.append(f"section id {old_sec.id} → {sec.id}")
            if not renamed and not notes and not any(item.is_change for item in items):
                continue
            status = SectionStatus.RENAMED if renamed else SectionStatus.CHANGED
            entries.append(
                (
                    (j, 0, 0),
                    SectionChange(
                        status, sec.id, sec.heading, old_sec.heading, sec.level, items, tuple(notes)
                    ),
                )
            )
        for i, sec in enumerate(self.old):
            if i in self.new_of_old:
                continue
            anchor = -1
            for k in range(i - 1, -1, -1):
                if k in self.new_of_old:
                    anchor = self.new_of_old[k]
                    break
            items = _ordered(self.placed_old.get(i, []))
            entries.append(
                (
                    (anchor, 1, i),
                    SectionChange(
                        SectionStatus.REMOVED, sec.id, sec.heading, sec.heading, sec.level, items
                    ),
                )
            )
        return tuple(change for _, change in sorted(entries, key=lambda e: e[0]))

    def _reordered_sections(self) -> set[int]:
        """Old indices of matched sections that left the longest run kept in order."""
        olds = [i for i, _ in self.pairs]  # in new-page order
        keep = _longest_increasing(olds)
        return {i for i in olds if i not in keep}


def _ordered(placed: list[_Placed]) -> tuple[BlockChange, ...]:
    return _note_splits(tuple(p.change for p in sorted(placed, key=lambda p: p.key)))


def _note_splits(items: tuple[BlockChange, ...]) -> tuple[BlockChange, ...]:
    """Name a split (or merge): an added (removed) block that is exactly what its neighbour
    lost (gained), so the reader sees one paragraph became two, not an unrelated addition."""
    out = list(items)
    for k, item in enumerate(items):
        if item.status is BlockStatus.ADDED:
            own, lost_op, verb = item.new_text, Op.DELETE, "split from"
        elif item.status is BlockStatus.REMOVED:
            own, lost_op, verb = item.old_text, Op.INSERT, "merged into"
        else:
            continue
        for step, where in ((1, "next"), (-1, "previous")):
            if not 0 <= k + step < len(items):
                continue
            neighbour = items[k + step]
            if neighbour.status is not BlockStatus.CHANGED:
                continue
            moved_words = " ".join(p.text.strip() for p in neighbour.diff if p.op is lost_op)
            if own and moved_words == own.strip():
                out[k] = replace(item, notes=(*item.notes, f"{verb} the {where} block"))
                break
    return tuple(out)


def _pair_score(left: _Leftover, right: _Leftover, floor: float) -> float:
    """How well two leftover blocks pair (0 = not at all); figures pair only with figures."""
    old_figure = left.block.kind is BlockKind.FIGURE
    if old_figure != (right.block.kind is BlockKind.FIGURE):
        return 0.0
    if old_figure and floor == EDIT_MATCH_RATIO:
        # A photo in the same place with a new file or caption is that photo, changed.
        return max(_ratio(left.tokens, right.tokens), 0.01)
    return _ratio_at_least(left.tokens, right.tokens, floor)


def _section_text(section: Section) -> str:
    return "\n".join([section.heading or "", *(block_text(b) for b in section.blocks)])


def _block_notes(old: Block, new: Block) -> tuple[str, ...]:
    """What changed in a block beyond its words: kind, nesting, links."""
    notes = []
    if old.kind is not new.kind:
        notes.append(f"was a {old.kind.value}, now a {new.kind.value}")
    if old.depth != new.depth:
        notes.append(f"nesting depth {old.depth} → {new.depth}")
    if old.links != new.links:
        notes.extend(_link_notes(old.links, new.links))
    return tuple(notes)


def _link_notes(old: Sequence[Link], new: Sequence[Link]) -> list[str]:
    notes = []
    old_by_text: dict[str, list[str]] = {}
    for link in old:
        old_by_text.setdefault(link.text, []).append(link.href)
    new_by_text: dict[str, list[str]] = {}
    for link in new:
        new_by_text.setdefault(link.text, []).append(link.href)
    for text in sorted(set(old_by_text) | set(new_by_text)):
        before, after = old_by_text.get(text, []), new_by_text.get(text, [])
        if before == after:
            continue
        if before and after:
            notes.append(
                f'link "{text}" now points to {", ".join(after)} (was {", ".join(before)})'
            )
        elif after:
            notes.append(f'link added: "{text}" → {", ".join(after)}')
        else:
            notes.append(f'link removed: "{text}" → {", ".join(before)}')
    if not notes:
        notes.append("links reordered")
    return notes


def _longest_increasing(values: Sequence[int]) -> set[int]:
    """The values of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    parent: list[int] = [-1] * len(values)
    for pos, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(pos)
        else:
            tails[k] = value
            tail_at[k] = pos
        parent[pos] = tail_at[k - 1] if k else -1
    out: set[int] = set()
    pos = tail_at[-1] if tail_at else -1
    while pos != -1:
        out.add(values[pos])
        pos = parent[pos]
    return out


__all__ = [
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
    "classify_stamp",
    "diff",
    "diff_new_text",
    "diff_old_text",
    "section_name",
    "tokenize",
    "word_diff",
]
