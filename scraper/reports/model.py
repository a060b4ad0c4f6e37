"""What a report is made of: the two versions compared, the `Change`, and a report's summary.

`Report` is what every renderer formats; `ReportSummary` is the little of a report that the
index page and the Atom feed need, read back from a stored JSON report so the site can be
rebuilt without re-diffing, and `VersionInfo` what the site needs of a version. `log` reads
them back from the summary index, so this module loads neither the diff engine nor the
citation (imported where a report is built) nor the timeline's drawing.
`report_to_dict` is the one place the JSON report is made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scraper.core.change import (
    BlockChange,
    Change,
    SectionChange,
    StampStatus,
    Summary,
    section_name,
)
from scraper.core.document import LastUpdated
from scraper.core.flags import Flag, is_significant
from scraper.core.records import Source, Version
from scraper.reports.words import summary_line
from scraper.timespec import parse_utc, utc_iso
from scraper.urls import page_language

if TYPE_CHECKING:
    from scraper.core.terms import TermChange
    from scraper.core.translation import CounterpartCheck
    from scraper.core.watchlist import Watchlist
    from scraper.reports.cite import Citation

# The JSON report's format number; bumped only on an incompatible change of its schema.
REPORT_FORMAT = 1
# How many of a report's strongest flags the site names (the index, the feed, the timeline).
SITE_FLAGS = 3


@dataclass(frozen=True)
class VersionRef:
    """One side of a report: which version, when captured and fetched, and its page stamp."""

    id: str
    captured_at: datetime
    fetched_at: datetime
    last_updated: LastUpdated | None
    imported: bool = False

    def __post_init__(self) -> None:
        if self.captured_at.tzinfo is None or self.fetched_at.tzinfo is None:
            raise ValueError("VersionRef times must be timezone-aware")

    @classmethod
    def from_version(cls, version: Version) -> VersionRef:
        """The reference to a stored version (imported = not captured live by this tool)."""
        return cls(
            id=version.id,
            captured_at=version.captured_at,
            fetched_at=version.provenance.fetched_at,
            last_updated=version.document.last_updated,
            imported=version.provenance.source is not Source.LIVE,
        )

    def to_dict(self) -> dict[str, Any]:
        """The `old` / `new` JSON object of a report."""
        return {
            "id": self.id,
            "last_updated": self.last_updated.at.isoformat() if self.last_updated else None,
            "last_updated_text": self.last_updated.text if self.last_updated else None,
            "fetched_at": utc_iso(self.fetched_at),
            "captured_at": utc_iso(self.captured_at),
            "imported": self.imported,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VersionRef:
        """Rebuild a reference from its JSON object."""
        return cls(
            id=data["id"],
            captured_at=parse_utc(data["captured_at"]),
            fetched_at=parse_utc(data["fetched_at"]),
            last_updated=_stamp_from(data),
            imported=bool(data.get("imported", False)),
        )


@dataclass(frozen=True)
class VersionInfo:
    """What the site needs of a version without its document."""

    target: str
    id: str
    captured_at: datetime
    imported: bool = False
    last_updated: LastUpdated | None = None

    def __post_init__(self) -> None:
        if self.captured_at.tzinfo is None:
            raise ValueError("VersionInfo.captured_at must be timezone-aware")

    @classmethod
    def from_version(cls, version: Version) -> VersionInfo:
        """The site's view of a stored version."""
        ref = VersionRef.from_version(version)
        return cls(version.target, version.id, ref.captured_at, ref.imported, ref.last_updated)

    @classmethod
    def from_summary(cls, summary: ReportSummary) -> VersionInfo:
        """The new version of a report, as its summary describes it."""
        return cls(
            summary.target,
            summary.new_id,
            summary.captured_at,
            summary.imported,
            summary.last_updated,
        )


@dataclass(frozen=True)
class SiteLinks:
    """Where a report finds the rest of the site, relative to itself.

    A report stored in the site links to the index and to the version pages of its two
    versions; one printed to stdout (`nato-watch diff`) has no site around it and gets none.
    """

    pages: str  # the folder of the target's version pages, ending in "/"
    index: str  # the site's index page
    stylesheet: str  # the site's shared stylesheet

    def page(self, version_id: str, anchor: str | None = None) -> str:
        """The version page of `version_id`, at `anchor` when given."""
        return f"{self.pages}{version_id}.html" + (f"#{anchor}" if anchor else "")


# A report at reports/<target>/<id>.html, and a combined one at reports/<target>/since/<id>.html.
REPORT_LINKS = SiteLinks(pages="pages/", index="../index.html", stylesheet="../style.css")
SINCE_LINKS = SiteLinks(pages="../pages/", index="../../index.html", stylesheet="../../style.css")
# Where a version page, at reports/<target>/pages/<id>.html, finds the shared stylesheet.
PAGE_STYLESHEET = "../../style.css"


@dataclass(frozen=True)
class SinceLink:
    """A combined report the index offers: what changed from an earlier version to the latest.

    `href` is relative to `reports/`; `reasons` say why this version was picked ("3 versions
    before the latest", "in force 1 month before the latest").
    """

    target: str
    old_id: str
    old_captured_at: datetime
    new_id: str
    reasons: tuple[str, ...]
    summary_line: str
    href: str


@dataclass(frozen=True)
class Report:
    """The change from one version of a target to another, ready to render."""

    target: str
    old: VersionRef
    new: VersionRef
    change: Change
    # The other side of each translated pair the target is in (`reports.translation`).
    counterparts: tuple[CounterpartCheck, ...] = ()
    # How to cite the new version (shown at the end of the Markdown and HTML reports).
    citation: Citation | None = None


@dataclass(frozen=True)
class ReportSummary:
    """What the index page and the feed show of one report."""

    target: str
    old_id: str
    new_id: str
    captured_at: datetime
    old_last_updated: LastUpdated | None
    last_updated: LastUpdated | None
    stamp: StampStatus
    silent_edit: bool
    restamp: bool
    summary: Summary
    summary_line: str
    sections: tuple[str, ...] = ()
    imported: bool = False
    # The report's strongest flags, strongest first, and its watched terms by name.
    flags: tuple[Flag, ...] = ()
    terms: tuple[TermChange, ...] = ()

    @property
    def significant(self) -> bool:
        """Whether a flag is strong enough to notify on (`notify_on = "significant"`)."""
        return is_significant(self.flags)

    @classmethod
    def from_report(cls, report: Report) -> ReportSummary:
        """The summary of a report in memory."""
        change = report.change
        return cls(
            target=report.target,
            old_id=report.old.id,
            new_id=report.new.id,
            captured_at=report.new.captured_at,
            old_last_updated=report.old.last_updated,
            last_updated=report.new.last_updated,
            stamp=change.stamp,
            silent_edit=change.silent_edit,
            restamp=change.restamp,
            summary=change.summary,
            summary_line=summary_line(change),
            sections=tuple(sec.name for sec in change.sections),
            imported=report.new.imported,
            flags=change.flags,
            # In name order, as a JSON report (sorted keys) gives them back.
            terms=tuple(sorted(change.terms, key=lambda term: term.term)),
        )

    @classmethod
    def from_json(cls, text: str) -> ReportSummary:
        """The summary of a stored JSON report (as `render_json` wrote it)."""
        # lazy: a report read back (log, the site) needs no term counting
        from scraper.core.terms import TermChange

        data = json.loads(text)
        old = VersionRef.from_dict(data["old"])
        new = VersionRef.from_dict(data["new"])
        return cls(
            target=data["target"],
            old_id=old.id,
            new_id=new.id,
            captured_at=new.captured_at,
            old_last_updated=old.last_updated,
            last_updated=new.last_updated,
            stamp=StampStatus(data["stamp"]),
            silent_edit=bool(data["silent_edit"]),
            restamp=bool(data["restamp"]),
            summary=Summary.from_dict(data["summary"]),
            summary_line=data["summary_line"],
            sections=tuple(section_name(sec["heading"]) for sec in data.get("sections", ())),
            imported=new.imported,
            # Reports written before flags existed have none.
            flags=tuple(Flag.from_dict(f) for f in data.get("flags", ())),
            terms=tuple(TermChange.from_dict(k, v) for k, v in data.get("terms", {}).items()),
        )

    @property
    def line(self) -> str:
        """The one-line summary (`summary_line`), as `log` prints it."""
        return self.summary_line

    def report_path(self, ext: str) -> str:
        """The report's path relative to `reports/`: `<target>/<new id>.<ext>`."""
        return f"{self.target}/{self.new_id}.{ext}"


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON report (DESIGN.md "The report"): sections and blocks list changes only; a
    target in a translated pair adds `counterparts`."""
    out = _report_dict(report)
    if report.counterparts:
        # lazy: only a target in a translated pair has counterparts to write
        from scraper.reports.translation import counterpart_to_dict

        out["counterparts"] = [counterpart_to_dict(c) for c in report.counterparts]
    return out


def _report_dict(report: Report) -> dict[str, Any]:
    change = report.change
    title = {"old": change.old_title, "new": change.new_title} if change.title_changed else None
    return {
        "format": REPORT_FORMAT,
        "target": report.target,
        "old": report.old.to_dict(),
        "new": report.new.to_dict(),
        "stamp": change.stamp.value,
        "silent_edit": change.silent_edit,
        "restamp": change.restamp,
        "summary": change.summary.to_dict(),
        "summary_line": summary_line(change),
        "title": title,
        "sections": [_section_to_dict(sec) for sec in change.sections],
        "flags": [flag.to_dict(with_section=True) for flag in change.flags],
        "flags_total": change.flags_total,
        "significant": change.significant,
        "terms": {term.term: term.to_dict() for term in change.terms},
    }


def _section_to_dict(sec: SectionChange) -> dict[str, Any]:
    return {
        "id": sec.id,
        "heading": sec.heading,
        "old_heading": sec.old_heading,
        "status": sec.status.value,
        "level": sec.level,
        "notes": list(sec.notes),
        "blocks": [_block_to_dict(item) for item in sec.blocks],
    }


def _block_to_dict(item: BlockChange) -> dict[str, Any]:
    return {
        "status": item.status.value,
        "kind": item.kind.value,
        "label": item.label,
        "old": item.old_text,
        "new": item.new_text,
        "diff": [part.to_pair() for part in item.diff],
        "old_index": item.old_index,
        "new_index": item.new_index,
        "old_section": item.old_section,
        "notes": list(item.notes),
        "flags": [flag.to_dict() for flag in item.flags],
    }


def _stamp_from(data: dict[str, Any]) -> LastUpdated | None:
    at, text = data.get("last_updated"), data.get("last_updated_text")
    if at is None or text is None:
        return None
    return LastUpdated(text=text, at=datetime.fromisoformat(at))


def build_report(old: Version, new: Version, *, watch: Watchlist | None = None) -> Report:
    """The report of the change from version `old` to version `new` (pure: nothing is
    written). `watch`: the watched terms of its flags (default: the built-in ones). The flags
    read the page in the language its URL shows (`/cps/fr/…` is French)."""
    # Reading reports back (log, the site's summary index) needs neither of these.
    # lazy: the diff engine and the citation load only to build a report
    from scraper.core.diff import diff
    from scraper.reports.cite import Citation

    return Report(
        target=new.target,
        old=VersionRef.from_version(old),
        new=VersionRef.from_version(new),
        change=diff(
            old.document, new.document, watch=watch, lang=page_language(new.provenance.url)
        ),
        citation=Citation.of(new),
    )
