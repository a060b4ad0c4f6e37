"""The summary index of the report site: `reports/<target>/summary.jsonl`, one line per
version of the target, oldest first, holding what the site shows of it — the version (id,
capture time, imported, its page's stamp) and, when a report led to it, the report's summary
(the stamp's verdict, the counts, the one-line summary, the sections touched, the strongest
flags) and whether it was a translation catching up with its original. Owns `SiteEntry`, the
line's JSON, and keeping the file in step with the versions and reports.

A check reads the index instead of every JSON report (the index page, the timeline, the feed
and the "since" reports are built from it), so a check's cost does not grow with the
reports' size; it appends its new version's line after the report and before the index
page, in DESIGN's write order. `rebuild` writes a target's index from the evidence (its
version files and JSON reports): replay and every full rebuild of the site do, and a check
does when the file is missing, torn or does not end where it should (an archive from before
the index, a kill mid-write, a replay of another version). A check's line (and a replay's) is
made from the report in memory, a rebuilt one from the stored JSON report; both carry exactly
what the JSON report says, so the file is the same byte for byte either way (tests hold them
to it) and `replay` reproduces it; `verify` compares it with the evidence
(`archive.verify_summary`).

Read from the index, a `ReportSummary` has the report's `SITE_FLAGS` strongest flags
(without their sentence) and no watched-term counts: what the site shows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scraper.archive.memo import FileMemo
from scraper.archive.store import Archive
from scraper.core.change import StampStatus, Summary
from scraper.core.document import LastUpdated, canonical_json
from scraper.core.flags import Flag, FlagKind
from scraper.core.records import Version
from scraper.errors import ScraperError
from scraper.reports.model import SITE_FLAGS, Report, ReportSummary, VersionInfo
from scraper.timespec import parse_utc, utc_iso

if TYPE_CHECKING:
    from scraper.reports.translation import CatchUp


@dataclass(frozen=True)
class SiteEntry:
    """One version as the site shows it: the version, the summary of the report that led to
    it (None for a first version, or a report that is missing), and its catch-up, if any."""

    info: VersionInfo
    summary: ReportSummary | None = None
    caught: CatchUp | None = None

    @property
    def id(self) -> str:
        """The version's id."""
        return self.info.id

    @classmethod
    def of_version(cls, version: Version) -> SiteEntry:
        """A version without a report (a target's first version)."""
        return cls(VersionInfo.from_version(version))

    @classmethod
    def of_report(cls, report: Report, text: str) -> SiteEntry:
        """The new version of a report just written, `text` its JSON: what `of_stored_report`
        reads back from that text, made from the report in memory (a catch-up, in a
        translated pair's reports only, is read from the text)."""
        # lazy: only a report of a translated pair records a catch-up; `log` reads lines
        from scraper.reports.translation import catch_up_of

        summary = ReportSummary.from_report(report)
        caught = catch_up_of(text) if report.counterparts else None
        return cls(VersionInfo.from_summary(summary), summary, caught)

    @classmethod
    def of_stored_report(cls, text: str) -> SiteEntry:
        """The new version of a stored JSON report (`render_json`'s text), as the report
        tells it."""
        # lazy: only a report of a translated pair records a catch-up; `log` reads lines
        from scraper.reports.translation import catch_up_of

        summary = ReportSummary.from_json(text)
        return cls(VersionInfo.from_summary(summary), summary, catch_up_of(text))

    def line(self) -> bytes:
        """The entry's line in the summary index: canonical JSON and a newline."""
        return (canonical_json(entry_to_dict(self)) + "\n").encode("utf-8")


# -- the line's JSON ------------------------------------------------------------------------


def _stamp(stamp: LastUpdated | None) -> dict[str, str] | None:
    return {"at": stamp.at.isoformat(), "text": stamp.text} if stamp else None


def _stamp_of(data: dict[str, str] | None) -> LastUpdated | None:
    # As a JSON report reads back (`model._stamp_from`): the offset as stored.
    return LastUpdated(data["text"], datetime.fromisoformat(data["at"])) if data else None


def entry_to_dict(entry: SiteEntry) -> dict[str, Any]:
    """The JSON object of an entry (the one place it is made)."""
    info, summary, caught = entry.info, entry.summary, entry.caught
    out: dict[str, Any] = {
        "id": info.id,
        "captured_at": utc_iso(info.captured_at),
        "imported": info.imported,
        "last_updated": _stamp(info.last_updated),
        "report": None,
        "caught_up": None,
    }
    if summary is not None:
        out["report"] = {
            "old_id": summary.old_id,
            "old_last_updated": _stamp(summary.old_last_updated),
            "stamp": summary.stamp.value,
            "silent_edit": summary.silent_edit,
            "restamp": summary.restamp,
            "summary": summary.summary.to_dict(),
            "summary_line": summary.summary_line,
            "sections": list(summary.sections),
            "flags": [_flag_to_dict(flag) for flag in summary.flags[:SITE_FLAGS]],
        }
    if caught is not None:
        out["caught_up"] = {
            "original": caught.original,
            "original_version": caught.original_version,
            "original_last_updated": caught.original_last_updated,
            "stamp_reached": caught.stamp_reached,
            "missing_before": caught.missing_before,
            "missing_after": caught.missing_after,
        }
    return out


def _flag_to_dict(flag: Flag) -> dict[str, Any]:
    return {
        "kind": flag.kind.value,
        "weight": flag.weight,
        "old": flag.old,
        "new": flag.new,
        "note": flag.note,
        "section": flag.section,
    }


def entry_from_dict(target: str, data: dict[str, Any]) -> SiteEntry:
    """Rebuild an entry of `target` from its JSON object."""
    at = parse_utc(data["captured_at"])
    last_updated = _stamp_of(data["last_updated"])
    info = VersionInfo(target, data["id"], at, bool(data["imported"]), last_updated)
    report, caught = data.get("report"), data.get("caught_up")
    summary = None
    if report is not None:
        summary = ReportSummary(
            target=target,
            old_id=report["old_id"],
            new_id=info.id,
            captured_at=at,
            old_last_updated=_stamp_of(report["old_last_updated"]),
            last_updated=last_updated,
            stamp=StampStatus(report["stamp"]),
            silent_edit=bool(report["silent_edit"]),
            restamp=bool(report["restamp"]),
            summary=Summary.from_dict(report["summary"]),
            summary_line=report["summary_line"],
            sections=tuple(report["sections"]),
            imported=info.imported,
            flags=tuple(
                Flag(
                    FlagKind(f["kind"]),
                    int(f["weight"]),
                    f["old"],
                    f["new"],
                    f["note"],
                    section=f["section"],
                )
                for f in report["flags"]
            ),
        )
    return SiteEntry(info, summary, _caught_of(info, caught) if caught is not None else None)


def _caught_of(info: VersionInfo, data: dict[str, Any]) -> CatchUp:
    # lazy: only a line of a translated pair records a catch-up
    from scraper.reports.translation import CatchUp

    return CatchUp(
        target=info.target,
        original=data["original"],
        version_id=info.id,
        captured_at=info.captured_at,
        last_updated=info.last_updated.text if info.last_updated else None,
        original_version=data["original_version"],
        original_last_updated=data["original_last_updated"],
        stamp_reached=bool(data["stamp_reached"]),
        missing_before=int(data["missing_before"]),
        missing_after=int(data["missing_after"]),
    )


def parse_index(target: str, data: bytes) -> list[SiteEntry] | None:
    """The entries of a stored summary index, oldest first; None when it cannot be trusted:
    a torn last line (a kill mid-append), a line that does not read, ids out of order."""
    if not data:
        return []
    if not data.endswith(b"\n"):
        return None
    try:
        # One parse for the whole file: each line is one JSON object.
        items = json.loads(b"[" + data.rstrip(b"\n").replace(b"\n", b",") + b"]")
        entries = [entry_from_dict(target, item) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    ids = [entry.id for entry in entries]
    if ids != sorted(set(ids)):
        return None
    return entries


# -- keeping it in step --------------------------------------------------------------------------


def load(archive: Archive, target: str) -> list[SiteEntry] | None:
    """The target's entries as its summary index holds them; None when it has none or it
    cannot be trusted (see `parse_index`)."""
    entries = _LOADED.get(archive.site.summary_index_path(target), lambda: _read(archive, target))
    # A copy: the kept list is never changed by a caller.
    return list(entries) if entries is not None else None


def _read(archive: Archive, target: str) -> list[SiteEntry] | None:
    try:
        data = archive.site.read_summary_index(target)
    except ScraperError:
        return None
    return parse_index(target, data) if data is not None else None


# Each target's entries, read again only when its index changed: a check reads every
# target's index for the index page, and `run` keeps what it read (5,000 versions: 190 ms a
# check to parse; the append of a check is kept as it is written, `add`).
_LOADED: FileMemo[list[SiteEntry] | None] = FileMemo()


def from_evidence(archive: Archive, target: str) -> list[SiteEntry]:
    """The target's entries made from its version files and JSON reports: a version with a
    readable report as the report tells it, any other from its version file (one that cannot
    be read is left out: `verify` reports it)."""
    entries = []
    reported = set(archive.site.report_ids(target))
    for version_id in archive.version_ids(target):
        if version_id in reported:
            try:
                text = archive.site.read_report(target, version_id, "json")
                entries.append(SiteEntry.of_stored_report(text))
                continue
            except (ScraperError, ValueError, KeyError, TypeError):
                pass  # a damaged report: the version file says what the site can show
        try:
            entries.append(SiteEntry.of_version(archive.read_version(target, version_id)))
        except ScraperError:
            continue
    return entries


def rebuild(archive: Archive, target: str) -> list[SiteEntry]:
    """Write the target's summary index from the evidence; return its entries."""
    entries = from_evidence(archive, target)
    write(archive, target, entries)
    return entries


def write(archive: Archive, target: str, entries: Sequence[SiteEntry]) -> None:
    """Write the whole summary index of `target` (left alone when unchanged)."""
    archive.site.write_summary_index(target, b"".join(entry.line() for entry in entries))


def add(archive: Archive, target: str, entry: SiteEntry, previous: str | None) -> list[SiteEntry]:
    """Add the entry of a new latest version, whose previous version is `previous` (None for
    a first version), and return the target's entries.

    Appended when the index ends at `previous` (the usual check); a version whose line is
    there already (a check finished late) gets it rewritten; anything else — no index, a
    torn one, one that ends elsewhere — is rebuilt from the evidence, which holds the new
    version and its report by now.
    """
    entries = load(archive, target)
    if entries is None:
        return rebuild(archive, target)
    finished_late = bool(entries) and entries[-1].id == entry.id
    kept = entries[:-1] if finished_late else entries
    last = kept[-1].id if kept else None
    if last != previous or (previous is not None and entry.id <= previous):
        return rebuild(archive, target)
    if finished_late:
        write(archive, target, [*kept, entry])
    else:
        archive.site.append_summary_index(target, entry.line())
    entries = [*kept, entry]
    # Kept as written (under the archive lock: no other writer), so the next check does not
    # parse the whole index again.
    _LOADED.put(archive.site.summary_index_path(target), list(entries))
    return entries
