"""Which section and which block of one document is which in the other. Owns `match_sections`.

Sections are matched by id, then by heading, then by the similarity of their text (so a
renamed heading is a rename). Blocks inside matched sections are aligned in order; what is left
over is paired in three passes — identical text elsewhere is `moved`, the most similar blocks
of one unaligned run are one block `changed`, near-identical text elsewhere is `moved` too —
and the rest is `added` or `removed`, shown where it stood. Each pair gets its word diff, and
notes for what words cannot show (links, nesting, kind, a split or merged paragraph, a section
that moved, a stretch too long to diff word by word). Pure and deterministic: sections in,
`SectionChange`s out.

Similarity is difflib's ratio, whose cost grows with the product of the two lengths (on
repeated words, its real worst case): past `RATIO_MAX_PAIRS` token pairs, the common start and
end count as matches and only the stretch between is compared, exactly while it is small,
else by its multiset bound (`quick_ratio`'s count). So no comparison costs more than a few
tens of milliseconds, however long a block or a section is.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from scraper.core.change import (
    BlockChange,
    BlockStatus,
    DiffPart,
    Op,
    SectionChange,
    SectionStatus,
    block_text,
    section_name,
)
from scraper.core.document import Block, BlockKind, Link, Section
from scraper.core.worddiff import common_ends, oversized_stretch, word_diff

# Sections whose (heading + text) words are at least this similar are the same section.
SECTION_MATCH_RATIO = 0.5
# Leftover blocks in the same place whose words are at least this similar are one edited block.
EDIT_MATCH_RATIO = 0.5
# A block found elsewhere must be near-identical to count as moved rather than removed + added.
MOVE_MATCH_RATIO = 0.75
# The words of a text for similarity scores: no whitespace, no case.
SIMILARITY_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")
# A leftover's region when its whole section was added or removed (no run to stay within).
_WHOLE_SECTION = -1
# The most token pairs (len(a) × len(b)) difflib compares as they are: ~0.05 s at worst.
RATIO_MAX_PAIRS = 1_000_000


def match_sections(old: Sequence[Section], new: Sequence[Section]) -> tuple[SectionChange, ...]:
    """Every changed section, in new-page order, removed ones where they stood."""
    old, new = list(old), list(new)
    match = _match_sections(old, new)
    placed = _BlockPairing(old, new, match).run()
    return _assemble(old, new, match, placed)


# -- similarity ------------------------------------------------------------------------------


def _similarity_tokens(text: str) -> tuple[str, ...]:
    return tuple(SIMILARITY_TOKEN.findall(text.casefold()))


def _ratio(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Word-sequence similarity in [0, 1] (difflib's ratio: twice the matches over the total),
    bounded in cost (`_matches`)."""
    if not a and not b:
        return 1.0
    return 2.0 * _matches(a, b) / (len(a) + len(b))


def _ratio_at_least(a: tuple[str, ...], b: tuple[str, ...], floor: float) -> float:
    """The ratio of `a` and `b` if it can reach `floor`, else 0 (skips the costly part)."""
    if not a and not b:
        return 1.0
    # Upper bounds first, each linear: the lengths alone, then the words as multisets.
    total = len(a) + len(b)
    if 2.0 * min(len(a), len(b)) / total < floor or 2.0 * _common_words(a, b) / total < floor:
        return 0.0
    ratio = 2.0 * _matches(a, b) / total
    return ratio if ratio >= floor else 0.0


# Remembered across diffs: a check's "since" reports compare the same blocks with the latest
# version again and again (and `replay` the same pairs of a long history).
@functools.lru_cache(maxsize=8192)
def _matches(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many tokens of `a` and `b` match, as difflib counts them; for long sequences, the
    common start and end plus the stretch between, compared exactly while it is small enough,
    else counted as multisets (an upper bound)."""
    if len(a) * len(b) <= RATIO_MAX_PAIRS:
        return _difflib_matches(a, b)
    head, tail = common_ends(a, b)
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(mid_a) * len(mid_b) <= RATIO_MAX_PAIRS:
        return head + tail + _difflib_matches(mid_a, mid_b)
    return head + tail + _common_words(mid_a, mid_b)


def _difflib_matches(a: Sequence[str], b: Sequence[str]) -> int:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _common_words(a: Sequence[str], b: Sequence[str]) -> int:
    """How many tokens `a` and `b` share as multisets (an upper bound of their matches)."""
    return sum((Counter(a) & Counter(b)).values())


def _section_text(section: Section) -> str:
    return "\n".join([section.heading or "", *(block_text(b) for b in section.blocks)])


# -- sections --------------------------------------------------------------------------------


@dataclass
class _SectionMatch:
    """Which old section is which new one (by index), both ways."""

    new_of_old: dict[int, int] = field(default_factory=dict)
    old_of_new: dict[int, int] = field(default_factory=dict)

    def link(self, i: int, j: int) -> None:
        """Old section `i` is new section `j`."""
        self.new_of_old[i] = j
        self.old_of_new[j] = i

    def pairs(self) -> list[tuple[int, int]]:
        """The (old, new) pairs in new-page order."""
        return sorted(self.new_of_old.items(), key=lambda p: p[1])


def _match_sections(old: list[Section], new: list[Section]) -> _SectionMatch:
    """Match by id, then by heading (any case), then by similarity, best first."""
    match = _SectionMatch()
    by_id = {sec.id: j for j, sec in enumerate(new)}
    for i, sec in enumerate(old):
        j = by_id.get(sec.id)
        if j is not None and j not in match.old_of_new:
            match.link(i, j)
    by_heading: dict[str, int] = {}
    for j, sec in enumerate(new):
        if j not in match.old_of_new and sec.heading is not None:
            by_heading.setdefault(sec.heading.casefold(), j)
    for i, sec in enumerate(old):
        if i in match.new_of_old or sec.heading is None:
            continue
        j = by_heading.pop(sec.heading.casefold(), -1)
        if j >= 0 and j not in match.old_of_new:
            match.link(i, j)
    _match_similar_sections(old, new, match)
    return match


def _match_similar_sections(old: list[Section], new: list[Section], match: _SectionMatch) -> None:
    free_old = [i for i in range(len(old)) if i not in match.new_of_old]
    free_new = [j for j in range(len(new)) if j not in match.old_of_new]
    old_tokens = {i: _similarity_tokens(_section_text(old[i])) for i in free_old}
    new_tokens = {j: _similarity_tokens(_section_text(new[j])) for j in free_new}
    scored = []
    for i in free_old:
        for j in free_new:
            ratio = _ratio_at_least(old_tokens[i], new_tokens[j], SECTION_MATCH_RATIO)
            if ratio:
                scored.append((-ratio, i, j))
    for _, i, j in sorted(scored):
        if i not in match.new_of_old and j not in match.old_of_new:
            match.link(i, j)


def _reordered_sections(match: _SectionMatch) -> set[int]:
    """Old indices of matched sections that left the longest run kept in order."""
    olds = [i for i, _ in match.pairs()]  # in new-page order
    keep = _longest_increasing(olds)
    return {i for i in olds if i not in keep}


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


def _after_nearest(index: int, now_at: Mapping[int, int]) -> int:
    """Where the nearest earlier thing that stayed now stands (-1 when none did): something
    removed is shown right after it."""
    for k in range(index - 1, -1, -1):
        if k in now_at:
            return now_at[k]
    return -1


# -- blocks ----------------------------------------------------------------------------------


@dataclass
class _Leftover:
    """A block not aligned in place: waiting to be paired, or reported added/removed."""

    section: int  # index of its section in its own document
    index: int  # position in that section
    block: Block
    region: int  # the unaligned run it belongs to (_WHOLE_SECTION: an added/removed section)
    tokens: tuple[str, ...]
    paired: bool = False


@dataclass
class _Placed:
    """A block change with where it goes in the report."""

    change: BlockChange
    key: tuple[int, int, int]


@dataclass
class _Placement:
    """The block changes of each new section, and of each removed old section, by index."""

    new: dict[int, list[_Placed]] = field(default_factory=dict)
    old: dict[int, list[_Placed]] = field(default_factory=dict)

    def put_new(self, j: int, change: BlockChange, b: int) -> None:
        """`change` at block `b` of new section `j`."""
        self.new.setdefault(j, []).append(_Placed(change, (b, 0, 0)))


def _leftovers(s: int, sec: Section, region: int) -> list[_Leftover]:
    return [
        _Leftover(s, k, block, region, _similarity_tokens(block_text(block)))
        for k, block in enumerate(sec.blocks)
    ]


class _BlockPairing:
    """Aligns the blocks of matched sections, pairs what is left over, places the rest."""

    def __init__(self, old: list[Section], new: list[Section], match: _SectionMatch) -> None:
        self.old = old
        self.new = new
        self.match = match
        self.placed = _Placement()
        self.old_leftovers: list[_Leftover] = []
        self.new_leftovers: list[_Leftover] = []
        # Per old section: old block index -> new block index, for blocks that stayed in it.
        self.kept: dict[int, dict[int, int]] = {}

    def run(self) -> _Placement:
        """Every block change, placed."""
        for i, j in self.match.pairs():
            self._align(i, j)
        for i, sec in enumerate(self.old):
            if i not in self.match.new_of_old:
                self.old_leftovers.extend(_leftovers(i, sec, _WHOLE_SECTION))
        for j, sec in enumerate(self.new):
            if j not in self.match.old_of_new:
                self.new_leftovers.extend(_leftovers(j, sec, _WHOLE_SECTION))
        self._pair_identical_moves()
        self._pair_edits_in_place()
        self._pair_near_moves()
        self._place_added()
        self._place_removed()
        return self.placed

    def _align(self, i: int, j: int) -> None:
        """Blocks equal and in order stay; each unaligned run is a region of leftovers."""
        old_blocks, new_blocks = self.old[i].blocks, self.new[j].blocks
        matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                for a, b in zip(range(a0, a1), range(b0, b1), strict=True):
                    self._keep(i, a, j, b)
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

    def _keep(self, i: int, a: int, j: int, b: int) -> None:
        old_block, new_block = self.old[i].blocks[a], self.new[j].blocks[b]
        self.kept.setdefault(i, {})[a] = b
        change = BlockChange(
            BlockStatus.UNCHANGED,
            old_block,
            new_block,
            word_diff(block_text(old_block), block_text(new_block)),
            old_index=a,
            new_index=b,
            old_section=self.old[i].id,
        )
        self.placed.put_new(j, change, b)

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
                if left.region == right.region and left.region != _WHOLE_SECTION:
                    continue
                self._pair(left, right, BlockStatus.MOVED)
                break

    def _pair_edits_in_place(self) -> None:
        """Within each unaligned run, pair the most similar blocks in order (difflib-style)."""
        regions: dict[int, tuple[list[_Leftover], list[_Leftover]]] = {}
        for left in self.old_leftovers:
            if left.region != _WHOLE_SECTION and not left.paired:
                regions.setdefault(left.region, ([], []))[0].append(left)
        for right in self.new_leftovers:
            if right.region != _WHOLE_SECTION and not right.paired:
                regions.setdefault(right.region, ([], []))[1].append(right)
        for region in sorted(regions):
            olds, news = regions[region]
            self._pair_in_order(olds, news)

    def _pair_in_order(self, olds: list[_Leftover], news: list[_Leftover]) -> None:
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
        counterpart = self.match.new_of_old.get(left.section)
        if status is BlockStatus.CHANGED or counterpart == right.section:
            self.kept.setdefault(left.section, {})[left.index] = right.index
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
        self.placed.put_new(right.section, change, right.index)

    def _place_added(self) -> None:
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
                self.placed.put_new(right.section, change, right.index)

    def _place_removed(self) -> None:
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
            j = self.match.new_of_old.get(left.section)
            if j is None:
                self.placed.old.setdefault(left.section, []).append(
                    _Placed(change, (left.index, 0, 0))
                )
            else:
                # Shown after the nearest earlier block that stayed in this section.
                anchor = _after_nearest(left.index, self.kept.get(left.section, {}))
                self.placed.new.setdefault(j, []).append(_Placed(change, (anchor, 1, left.index)))


def _pair_score(left: _Leftover, right: _Leftover, floor: float) -> float:
    """How well two leftover blocks pair (0 = not at all); figures pair only with figures."""
    old_figure = left.block.kind is BlockKind.FIGURE
    if old_figure != (right.block.kind is BlockKind.FIGURE):
        return 0.0
    if old_figure and floor == EDIT_MATCH_RATIO:
        # A photo in the same place with a new file or caption is that photo, changed.
        return max(_ratio(left.tokens, right.tokens), 0.01)
    return _ratio_at_least(left.tokens, right.tokens, floor)


# -- assembly --------------------------------------------------------------------------------


def _assemble(
    old: list[Section], new: list[Section], match: _SectionMatch, placed: _Placement
) -> tuple[SectionChange, ...]:
    """The changed sections in new-page order; a removed one after the nearest earlier
    section that stayed."""
    moved = _reordered_sections(match)
    entries: list[tuple[tuple[int, int, int], SectionChange]] = []
    for j, sec in enumerate(new):
        items = _ordered(placed.new.get(j, []))
        i = match.old_of_new.get(j)
        if i is None:
            added = SectionChange(SectionStatus.ADDED, sec.id, sec.heading, None, sec.level, items)
            entries.append(((j, 0, 0), added))
            continue
        notes = _section_notes(old, new, i, j, moved=i in moved)
        kept = _kept_section(old[i], sec, items, notes)
        if kept is not None:
            entries.append(((j, 0, 0), kept))
    for i, sec in enumerate(old):
        if i in match.new_of_old:
            continue
        anchor = _after_nearest(i, match.new_of_old)
        items = _ordered(placed.old.get(i, []))
        removed = SectionChange(
            SectionStatus.REMOVED, sec.id, sec.heading, sec.heading, sec.level, items
        )
        entries.append(((anchor, 1, i), removed))
    return tuple(change for _, change in sorted(entries, key=lambda e: e[0]))


def _kept_section(
    old_sec: Section, sec: Section, items: tuple[BlockChange, ...], notes: list[str]
) -> SectionChange | None:
    """A matched section's change: renamed, or changed; None when nothing about it changed."""
    renamed = old_sec.heading != sec.heading
    if old_sec.id != sec.id and not renamed:
        # Same heading, new anchor (e.g. a duplicate heading appeared above it).
        notes = [*notes, f"section id {old_sec.id} → {sec.id}"]
    if not renamed and not notes and not any(item.is_change for item in items):
        return None
    status = SectionStatus.RENAMED if renamed else SectionStatus.CHANGED
    return SectionChange(
        status, sec.id, sec.heading, old_sec.heading, sec.level, items, tuple(notes)
    )


def _section_notes(
    old: list[Section], new: list[Section], i: int, j: int, *, moved: bool
) -> list[str]:
    """What changed about a matched section besides its blocks and heading: place, level."""
    notes = []
    if moved:
        notes.append(
            f"section moved: was section {i + 1} of {len(old)}, now section {j + 1} of {len(new)}"
        )
    if old[i].level != new[j].level:
        notes.append(f"heading level {old[i].level} → {new[j].level}")
    return notes


def _ordered(placed: list[_Placed]) -> tuple[BlockChange, ...]:
    return _note_splits(tuple(p.change for p in sorted(placed, key=lambda p: p.key)))


# -- notes -----------------------------------------------------------------------------------


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


def _block_notes(old: Block, new: Block) -> tuple[str, ...]:
    """What changed in a block beyond its words (kind, nesting, links), and what its word
    diff cannot show (a changed stretch too long to diff word by word)."""
    notes = []
    stretch = oversized_stretch(block_text(old), block_text(new))
    if stretch:
        notes.append(
            f"too long to diff word by word: its changed stretch of {stretch} words and "
            "marks is shown replaced whole"
        )
    if old.kind is not new.kind:
        notes.append(f"was a {old.kind.value}, now a {new.kind.value}")
    if old.depth != new.depth:
        notes.append(f"nesting depth {old.depth} → {new.depth}")
    if old.links != new.links:
        notes.extend(_link_notes(old.links, new.links))
    return tuple(notes)


def _link_notes(old: Sequence[Link], new: Sequence[Link]) -> list[str]:
    notes = []
    old_by_text = _hrefs_by_text(old)
    new_by_text = _hrefs_by_text(new)
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


def _hrefs_by_text(links: Sequence[Link]) -> dict[str, list[str]]:
    by_text: dict[str, list[str]] = {}
    for link in links:
        by_text.setdefault(link.text, []).append(link.href)
    return by_text


__all__ = ["EDIT_MATCH_RATIO", "MOVE_MATCH_RATIO", "SECTION_MATCH_RATIO", "match_sections"]
