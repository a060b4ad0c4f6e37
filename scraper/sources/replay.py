"""Replay: re-read every stored raw snapshot of a target with the current parser and rebuild
its versions and reports from them.

The raw snapshots are the evidence; versions and reports are derived from them. A better
parser therefore rewrites history's *reading*, never history: replay walks the captures in
capture order — every successful check-log line that names a raw snapshot, and every existing
version's provenance (so a kill between a version's write and its log line loses nothing) —
parses each distinct snapshot once, collapses consecutive equal documents into one version,
and rewrites versions, reports, the index and the feed. It says which versions the parser now
reads differently; it never records a change of the site. The check log is never rewritten.

Pure orchestration: the archive does the I/O, `parse` and `reports.publish` (`write_history`,
`rebuild_site`) do the work; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scraper.archive.captures import Capture, captures_of
from scraper.archive.store import Archive, version_bytes
from scraper.core.document import Document
from scraper.core.health import DEFAULT_UNHEALTHY_AFTER
from scraper.core.parse import parse
from scraper.core.parser_version import PARSER_VERSION
from scraper.core.records import Provenance, Version
from scraper.errors import NotFound, ParseError, ScraperError, StoreError, counted
from scraper.fetching.decoding import decode_body
from scraper.reports.health_page import write_health_page
from scraper.reports.publish import rebuild_site, write_history
from scraper.timespec import capture_time_problem, parse_stamp, stamp_of, utc_iso, utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scraper.core.target import TranslationPair
    from scraper.core.watchlist import Watchlist
    from scraper.reports.summaries import SiteEntry

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each capture is read."""


@dataclass(frozen=True)
class Skipped:
    """A capture whose raw snapshot the current parser does not accept as the article."""

    raw_sha256: str
    captured_at: datetime
    reason: str

    def line(self) -> str:
        """How a replay (or an import's rebuild) reports it, in one line."""
        return (
            f"skipped snapshot {self.raw_sha256[:12]} captured {stamp_of(self.captured_at)}: "
            f"{self.reason}"
        )


@dataclass(frozen=True)
class ReplayResult:
    """What a replay of one target did."""

    target: str
    parser_version: str
    captures: int  # captures read (check-log lines and versions, one per capture)
    snapshots: int  # distinct raw snapshots parsed
    versions: tuple[str, ...]  # the target's version ids after the replay, oldest first
    reread: tuple[str, ...]  # same capture, a different document than before
    added: tuple[str, ...]  # captures that are versions now and were not before
    removed: tuple[str, ...]  # version ids that are gone (their captures collapsed or skipped)
    rewritten: tuple[str, ...]  # version files whose bytes changed (reread, added, provenance)
    skipped: tuple[Skipped, ...]

    @property
    def changed(self) -> bool:
        """Whether the replay changed any version."""
        return bool(self.reread or self.added or self.removed or self.rewritten)

    def lines(self) -> list[str]:
        """What the replay did, in a few lines a user reads at a glance."""
        out = [
            f"{self.target}: replayed {counted(self.captures, 'capture')} "
            f"({counted(self.snapshots, 'distinct snapshot')}) with parser {self.parser_version}: "
            f"{counted(len(self.versions), 'version')}"
        ]
        if self.reread:
            out.append(
                f"{counted(len(self.reread), 'version')} re-read differently by parser "
                f"{self.parser_version}: {_ids(self.reread)}"
            )
        if self.added:
            out.append(
                f"{counted(len(self.added), 'capture')} now read as a new version: "
                f"{_ids(self.added)}"
            )
        if self.removed:
            out.append(
                f"{counted(len(self.removed), 'version')} no longer distinct, removed with "
                f"{'its report' if len(self.removed) == 1 else 'their reports'}: "
                f"{_ids(self.removed)}"
            )
        out.extend(item.line() for item in self.skipped)
        if not self.changed:
            out.append("no version changed; reports, index and feed rebuilt")
        elif not (self.reread or self.added or self.removed):
            out.append(
                f"{counted(len(self.rewritten), 'version file')} rewritten with the same "
                "documents (provenance updated)"
            )
        return out


def _ids(ids: tuple[str, ...], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", … ({len(ids) - limit} more)" if len(ids) > limit else "")


def replay_target(
    archive: Archive,
    target: str,
    *,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
    unhealthy_after: int = DEFAULT_UNHEALTHY_AFTER,
    now: datetime | None = None,
) -> ReplayResult:
    """Re-parse every stored raw snapshot of `target` in capture order and rebuild its
    versions, its reports, the index and the feed (and the health page, when missing); return
    what changed.

    Takes the archive lock. A raw snapshot that no longer parses is skipped and reported; one
    that is missing or damaged stops the replay before anything is written (run `verify`).
    A capture dated where none can be (before 1991, or later than the clock `now` plus a day:
    an import before dates were checked) is left out and reported, so it is neither the
    first nor the latest version for good. `watch` gives the reports' watched terms and word
    lists (default: the built-in ones);
    `pairs` the translated pairs of the config (the counterpart blocks and the index's lag);
    `unhealthy_after` the failures in a row the health page calls failing.
    """
    with archive.lock(timeout=lock_timeout):
        existing = list(archive.iter_versions(target))
        captures, skipped = _in_time(captures_of(archive, target, versions=existing), now)
        documents, unread = _read_all(archive, target, captures, progress)
        skipped += unread
        produced = _versions(target, captures, documents, PARSER_VERSION)
        rewritten = _rewritten(existing, produced)
        entries = _write_versions_and_reports(archive, produced, watch=watch, pairs=pairs)
        removed = _remove_gone(archive, target, existing, produced)
        rebuild_site(archive, target=target, watch=watch, pairs=pairs, entries=entries)
        write_health_page(archive, unhealthy_after=unhealthy_after, if_missing=True)
    reread, added = _compared(captures, produced)
    return ReplayResult(
        target=target,
        parser_version=PARSER_VERSION,
        captures=len(captures),
        snapshots=len({(c.raw, c.content_type, c.url) for c in captures}),
        versions=tuple(v.id for v in produced),
        reread=reread,
        added=added,
        removed=removed,
        rewritten=rewritten,
        skipped=tuple(skipped),
    )


def _rewritten(existing: list[Version], produced: list[Version]) -> tuple[str, ...]:
    """The ids of the produced versions whose file bytes differ from the stored ones."""
    before = {v.id: v for v in existing}
    return tuple(
        v.id
        for v in produced
        if v.id not in before or version_bytes(before[v.id]) != version_bytes(v)
    )


def _write_versions_and_reports(
    archive: Archive,
    produced: list[Version],
    *,
    watch: Watchlist | None,
    pairs: Sequence[TranslationPair],
) -> list[SiteEntry]:
    """Write the versions, then the reports that name them; return the site's entries.

    Versions first, then the reports, then (`_remove_gone`) what is gone: whatever a kill
    interrupts, every report names versions that exist. Each group is one batch: one sync
    for all its files instead of two fsyncs per file.
    """
    with archive.batch():
        for version in produced:
            archive.write_version(version)
    with archive.batch():
        return write_history(archive, produced, watch=watch, pairs=pairs)


def _remove_gone(
    archive: Archive, target: str, existing: list[Version], produced: list[Version]
) -> tuple[str, ...]:
    """Remove the reports of versions no longer produced (and of the first, which has none),
    then the versions that are gone and their pages; return the ids of those versions."""
    produced_ids = {v.id for v in produced}
    first = produced[0].id if produced else None
    for version_id in sorted(archive.site.report_files(target)):
        if version_id not in produced_ids or version_id == first:
            archive.site.delete_reports(target, version_id)
    removed = tuple(v.id for v in existing if v.id not in produced_ids)
    for version_id in removed:
        archive.site.delete_version_page(target, version_id)
        archive.delete_version(target, version_id)
    return removed


def _compared(
    captures: list[Capture], produced: list[Version]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The produced versions re-read differently from their capture's old version, and
    those whose capture was no version before."""
    old_by_capture = {(c.at, c.raw): c for c in captures if c.version_id is not None}
    reread: list[str] = []
    added: list[str] = []
    for version in produced:
        capture = old_by_capture.get((version.captured_at, version.provenance.raw_sha256))
        if capture is None:
            added.append(version.id)
        elif capture.content_hash != version.content_hash:
            reread.append(version.id)
    return tuple(reread), tuple(added)


def _in_time(captures: list[Capture], now: datetime | None) -> tuple[list[Capture], list[Skipped]]:
    """The captures dated where a capture can be, and the others as skipped."""
    moment = now or utc_now()
    kept: list[Capture] = []
    left_out: list[Skipped] = []
    for capture in captures:
        problem = capture_time_problem(capture.at, now=moment)
        if problem is None:
            kept.append(capture)
            continue
        reason = (
            f"its capture time {utc_iso(capture.at)} {problem}; left out (`nato-watch verify` "
            "reports it)"
        )
        left_out.append(Skipped(capture.raw, capture.at, reason))
    return kept, left_out


def _read_all(
    archive: Archive,
    target: str,
    captures: list[Capture],
    progress: Progress | None,
) -> tuple[dict[int, Document], list[Skipped]]:
    """Parse each distinct snapshot once: capture index -> document, and what was skipped.

    Every raw blob is read and re-hashed before anything is written, so a damaged archive
    stops the replay instead of losing versions.
    """
    cache: dict[tuple[str, str | None, str], Document | str] = {}
    documents: dict[int, Document] = {}
    skipped: list[Skipped] = []
    for index, capture in enumerate(captures):
        key = (capture.raw, capture.content_type, capture.url)
        if key not in cache:
            try:
                body = archive.read_raw(target, capture.raw, check=True)
            except NotFound:
                raise StoreError(
                    f"cannot replay {target!r}, nothing was changed: the raw snapshot "
                    f"{capture.raw[:12]}… captured at {stamp_of(capture.at)} is not stored — "
                    "run `nato-watch verify`"
                ) from None
            except StoreError as err:
                raise StoreError(f"cannot replay {target!r}, nothing was changed: {err}") from err
            text = decode_body(body, content_type=capture.content_type).text
            try:
                cache[key] = parse(text, url=capture.url)
            except ParseError as err:
                cache[key] = str(err)
            except Exception as err:
                # A parser bug is not "no longer parses": skipping would drop the version.
                raise ScraperError(
                    f"cannot replay {target!r}, nothing was changed: the parser failed on the "
                    f"snapshot captured at {stamp_of(capture.at)} ({type(err).__name__}: {err}); "
                    "please report it"
                ) from err
        outcome = cache[key]
        if isinstance(outcome, Document):
            documents[index] = outcome
        else:
            skipped.append(Skipped(capture.raw, capture.at, outcome))
        if progress is not None:
            progress(index + 1, len(captures))
    return documents, skipped


def _versions(
    target: str,
    captures: list[Capture],
    documents: dict[int, Document],
    parser_version: str,
) -> list[Version]:
    """The versions the captures make: consecutive equal documents collapse into the first."""
    produced: list[Version] = []
    last_id: str | None = None
    last_hash: str | None = None
    for index, capture in enumerate(captures):
        document = documents.get(index)
        if document is None or document.content_hash == last_hash:
            continue
        version_id = _version_id(capture, last_id)
        produced.append(
            Version(
                target=target,
                id=version_id,
                captured_at=capture.at,
                document=document,
                provenance=_provenance(capture, parser_version),
            )
        )
        last_id, last_hash = version_id, document.content_hash
    return produced


def _version_id(capture: Capture, last_id: str | None) -> str:
    """The capture's existing id when it still fits, else its second or the next free one.

    Ids rise with capture time and are never earlier than the capture's second.
    """
    floor = capture.at.replace(microsecond=0)
    if last_id is not None:
        floor = max(floor, parse_stamp(last_id) + timedelta(seconds=1))
    if capture.version_id is not None and parse_stamp(capture.version_id) >= floor:
        return capture.version_id
    return stamp_of(floor)


def _provenance(capture: Capture, parser_version: str) -> Provenance:
    """The existing version's provenance when there is one, else one built from the log."""
    if capture.provenance is not None:
        return replace(capture.provenance, parser_version=parser_version)
    record = capture.record
    assert record is not None
    return Provenance(
        url=record.url,
        final_url=record.final_url or record.url,
        status=record.http_status or 200,
        fetched_at=record.started_at,
        raw_sha256=capture.raw,
        parser_version=parser_version,
        etag=record.etag,
        last_modified=record.last_modified,
        content_type=record.content_type,
        # A capture imported from nato-watch's own WARC export keeps the source it was
        # captured by (a live check stays live); the log line says it came through a WARC.
        source=record.origin or record.source,
        memento_url=record.memento_url,
    )
