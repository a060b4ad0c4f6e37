"""The timeline of the index page: one mark per version of every target, drawn as inline SVG.

Versions of all targets share one axis, oldest on the left, one column each, so every mark
stays visible and clickable however close in time two captures are; a quiet stretch of more
than `GAP_DAYS` leaves a wider gap (labelled with its length beyond `LABEL_GAP_DAYS`), and
month or year ticks name the dates. Each target has a lane.

What a mark says, never by colour alone:
- size: how much the change touched, blocks changed + added + removed (area grows with it);
- shape: a circle for a change under an updated stamp, a triangle for a silent edit, a ring
  for a restamp (same words, new stamp), a square for a target's first version, a hollow
  square for a version whose report is missing;
- pattern: a hatched fill and a dashed outline for a version imported from an archive
  (Wayback Machine, WARC) rather than captured live.

Pure: the marks are computed from `VersionInfo`s and `ReportSummary`s; the template draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from scraper.reports.model import SITE_FLAGS, ReportSummary, VersionInfo
from scraper.timespec import utc_iso

STEP = 22  # px between two columns
LEFT = 14
RIGHT = 14
TOP = 22  # room for the tick labels
LANE = 52  # px per target lane: its name, then its marks
MARK_Y = 34  # the marks' centre line, below the lane's top
BOTTOM = 14  # room for the gap labels
R_MIN = 4.0  # a change that touched no block (a restamp)
R_MAX = 10.0
R_STEP = 1.5  # r = R_MIN + R_STEP * sqrt(blocks), at most R_MAX
R_FIRST = 6.5
GAP_DAYS = 30  # a longer quiet stretch between two versions gets extra room …
GAP = 18
LABEL_GAP_DAYS = 180  # … and a longer one a dashed line and its length in words
TICK_CHAR_PX = 7  # about the width of a character of a 12 px tick label …
TICK_PAD_PX = 8  # … and the room left after one
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class MarkKind(StrEnum):
    """What a version on the timeline is: which shape it gets."""

    FIRST = "first"  # a target's first version: nothing to compare with
    CHANGE = "change"  # the wording changed and the stamp moved with it
    SILENT_EDIT = "silent-edit"  # the wording changed, the stamp did not
    RESTAMP = "restamp"  # the stamp changed, the wording did not
    UNREPORTED = "unreported"  # its report is missing (an interrupted write)


KIND_WORDS = {
    MarkKind.FIRST: "first version",
    MarkKind.CHANGE: "change, stamp updated",
    MarkKind.SILENT_EDIT: "silent edit (wording changed, stamp did not)",
    MarkKind.RESTAMP: "restamp (stamp changed, wording did not)",
    MarkKind.UNREPORTED: "report missing",
}


def mark_kind(summary: ReportSummary | None, *, first: bool) -> MarkKind:
    """The kind of a version's mark, from the report that led to it."""
    if summary is None:
        return MarkKind.FIRST if first else MarkKind.UNREPORTED
    if summary.restamp:
        return MarkKind.RESTAMP
    if summary.silent_edit:
        return MarkKind.SILENT_EDIT
    return MarkKind.CHANGE


def blocks_touched(summary: ReportSummary | None) -> int:
    """How many blocks a change touched: changed + added + removed (what a mark's size shows)."""
    if summary is None:
        return 0
    s = summary.summary
    return s.blocks_changed + s.blocks_added + s.blocks_removed


def mark_radius(kind: MarkKind, blocks: int) -> float:
    """A mark's radius: fixed for a first version, else growing with the blocks touched (its
    area with their square root, so one big rewrite does not swamp the rest)."""
    if kind in (MarkKind.FIRST, MarkKind.UNREPORTED):
        return R_FIRST
    return min(R_MAX, R_MIN + R_STEP * math.sqrt(blocks))


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag and attributes, in a fixed order."""

    tag: str
    attrs: tuple[tuple[str, str], ...]


def _num(value: float) -> str:
    """Coordinates as short, stable text: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def mark_shape(kind: MarkKind, x: float, y: float, r: float) -> Shape:
    """The element that draws a mark of `kind` centred at (x, y) with size `r`."""
    if kind is MarkKind.SILENT_EDIT:
        # A triangle with the area of the circle of radius r, pointing up (a warning sign).
        side = r * math.sqrt(4 * math.pi / math.sqrt(3))
        h = side * math.sqrt(3) / 2
        top, base = y - 2 * h / 3, y + h / 3
        corners = ((x, top), (x + side / 2, base), (x - side / 2, base))
        points = " ".join(f"{_num(cx)},{_num(cy)}" for cx, cy in corners)
        return Shape("polygon", (("class", "s"), ("points", points)))
    if kind in (MarkKind.FIRST, MarkKind.UNREPORTED):
        side = r * math.sqrt(math.pi)  # the area of the circle of radius r
        return Shape(
            "rect",
            (
                ("class", "s"),
                ("x", _num(x - side / 2)),
                ("y", _num(y - side / 2)),
                ("width", _num(side)),
                ("height", _num(side)),
            ),
        )
    return Shape("circle", (("class", "s"), ("cx", _num(x)), ("cy", _num(y)), ("r", _num(r))))


@dataclass(frozen=True)
class Mark:
    """One version on the timeline."""

    target: str
    version_id: str
    captured_at: datetime
    kind: MarkKind
    imported: bool
    blocks: int
    column: int
    x: float
    y: float
    r: float
    href: str
    label: str  # the mark's accessible name and tooltip
    shape: Shape

    @property
    def css_class(self) -> str:
        """`mark k-<kind>`, plus `imported` for an imported version."""
        return f"mark k-{self.kind.value}" + (" imported" if self.imported else "")


@dataclass(frozen=True)
class Lane:
    """A target's row: its name and the span of its marks."""

    target: str
    y: int  # top of the lane
    label_y: int
    mark_y: int
    x0: float
    x1: float
    marks: tuple[Mark, ...]

    @property
    def end_label_x(self) -> float:
        """Where the lane's name is repeated after its newest mark (the timeline may open
        scrolled to that end, the name at the start out of view)."""
        return self.x1 + R_MAX + 6


@dataclass(frozen=True)
class Tick:
    """A date label on the axis, at the first column of its month, or of its year (major)."""

    x: float
    label: str
    major: bool = False


@dataclass(frozen=True)
class Gap:
    """A long quiet stretch between two columns, and its length in words."""

    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    """The whole drawing: size, lanes with their marks, ticks and gaps."""

    width: int
    height: int
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    gaps: tuple[Gap, ...]

    @property
    def marks(self) -> tuple[Mark, ...]:
        """Every mark, lane by lane, oldest first within a lane."""
        return tuple(m for lane in self.lanes for m in lane.marks)


def _gap_words(delta: timedelta) -> str:
    days = delta.days
    if days >= 730:
        return f"{days // 365} years"
    if days >= 365:
        return "1 year"
    if days >= 60:
        return f"{days // 30} months"
    return f"{days} days"


def _mark_label(info: VersionInfo, kind: MarkKind, summary: ReportSummary | None) -> str:
    when = utc_iso(info.captured_at.replace(microsecond=0)).replace("T", " ").replace("Z", " UTC")
    parts = [f"{info.target}, {when}", KIND_WORDS[kind]]
    if info.imported:
        parts.append("imported")
    if summary is not None:
        parts.append(summary.summary_line)
        if summary.flags:
            parts.append("flags: " + "; ".join(f.headline for f in summary.flags[:SITE_FLAGS]))
    elif info.last_updated is not None:
        parts.append(f"'Last updated' {info.last_updated.text}")
    return " — ".join(parts)


def build_timeline(versions: Sequence[VersionInfo], summaries: Sequence[ReportSummary]) -> Timeline:
    """Lay out every version of every target: one column per version, in capture order."""
    by_new = {(s.target, s.new_id): s for s in summaries}
    ordered = sorted(versions, key=lambda v: (v.captured_at, v.target, v.id))
    targets = sorted({v.target for v in ordered})
    lane_of = {t: k for k, t in enumerate(targets)}
    firsts: dict[str, str] = {}
    for info in ordered:
        firsts.setdefault(info.target, info.id)

    xs, gaps = _columns(ordered)

    lane_marks: dict[str, list[Mark]] = {t: [] for t in targets}
    for k, info in enumerate(ordered):
        summary = by_new.get((info.target, info.id))
        kind = mark_kind(summary, first=firsts[info.target] == info.id)
        blocks = blocks_touched(summary)
        r = mark_radius(kind, blocks)
        y = float(TOP + lane_of[info.target] * LANE + MARK_Y)
        href = (
            f"{info.target}/{info.id}.html"
            if summary is not None
            else f"{info.target}/pages/{info.id}.html"
        )
        lane_marks[info.target].append(
            Mark(
                target=info.target,
                version_id=info.id,
                captured_at=info.captured_at,
                kind=kind,
                imported=info.imported,
                blocks=blocks,
                column=k,
                x=xs[k],
                y=y,
                r=r,
                href=href,
                label=_mark_label(info, kind, summary),
                shape=mark_shape(kind, xs[k], y, r),
            )
        )

    lanes = []
    for t in targets:
        top = TOP + lane_of[t] * LANE
        marks = tuple(lane_marks[t])
        lanes.append(Lane(t, top, top + 14, top + MARK_Y, marks[0].x, marks[-1].x, marks))
    width = math.ceil(
        max(
            [(xs[-1] if xs else LEFT) + R_MAX + RIGHT]
            + [lane.end_label_x + TICK_CHAR_PX * len(lane.target) + RIGHT for lane in lanes]
        )
    )
    return Timeline(
        width=width,
        height=TOP + LANE * len(targets) + BOTTOM,
        lanes=tuple(lanes),
        ticks=_ticks(ordered, xs),
        gaps=tuple(gaps),
    )


def _columns(ordered: Sequence[VersionInfo]) -> tuple[list[float], list[Gap]]:
    """The x of each version's column, and the labelled gaps between them. A labelled gap is
    widened when its label would run into the one before (several long gaps in a row)."""
    xs: list[float] = []
    gaps: list[Gap] = []
    x = float(LEFT + R_MAX)
    for k, info in enumerate(ordered):
        if k:
            delta = info.captured_at - ordered[k - 1].captured_at
            if delta > timedelta(days=GAP_DAYS):
                extra = float(GAP)
                if delta > timedelta(days=LABEL_GAP_DAYS):
                    words = _gap_words(delta)
                    centre = x + (extra + STEP) / 2
                    if gaps:
                        room = TICK_CHAR_PX * (len(gaps[-1].label) + len(words)) / 2 + TICK_PAD_PX
                        shift = max(0.0, gaps[-1].x + room - centre)
                        centre += shift
                        extra += 2 * shift
                    gaps.append(Gap(centre, words))
                x += extra
            x += STEP
        xs.append(x)
    return xs, gaps


def _fits(ticks: list[Tick], x: float) -> bool:
    """Whether a label at `x` leaves room for the last one."""
    return not ticks or x - ticks[-1].x >= TICK_CHAR_PX * len(ticks[-1].label) + TICK_PAD_PX


def _ticks(ordered: Sequence[VersionInfo], xs: Sequence[float]) -> tuple[Tick, ...]:
    """A tick at the first version of each year ("2024") and of each month ("Mar") where
    its label fits; a year's tick wins over the month tick it would run into."""
    ticks: list[Tick] = []
    previous: tuple[int, int] | None = None
    for info, x in zip(ordered, xs, strict=True):
        at = info.captured_at.astimezone(UTC)
        if (at.year, at.month) == previous:
            continue
        new_year = previous is None or at.year != previous[0]
        previous = (at.year, at.month)
        if new_year:
            while ticks and not _fits(ticks, x) and not ticks[-1].major:
                ticks.pop()
            if _fits(ticks, x):
                ticks.append(Tick(x, str(at.year), major=True))
        elif _fits(ticks, x):
            ticks.append(Tick(x, MONTHS[at.month - 1]))
    return tuple(ticks)


def legend() -> tuple[tuple[MarkKind, bool, Shape, str], ...]:
    """The legend's entries: kind, imported, the shape drawn in a 24 px box, and its words."""
    entries = []
    for kind, imported in (
        (MarkKind.CHANGE, False),
        (MarkKind.SILENT_EDIT, False),
        (MarkKind.RESTAMP, False),
        (MarkKind.FIRST, False),
        (MarkKind.CHANGE, True),
    ):
        words = "imported from an archive (hatched, dashed)" if imported else KIND_WORDS[kind]
        r = R_FIRST if kind is MarkKind.FIRST else 7.0
        entries.append((kind, imported, mark_shape(kind, 12, 12, r), words))
    return tuple(entries)


__all__ = [
    "KIND_WORDS",
    "Lane",
    "Mark",
    "MarkKind",
    "Shape",
    "Timeline",
    "blocks_touched",
    "build_timeline",
    "legend",
    "mark_kind",
    "mark_radius",
    "mark_shape",
]
