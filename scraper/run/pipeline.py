"""The one pass of a check: fetch → parse → compare with the latest version → store → report.

`check_target` is called by the `check` command and by the scheduler alike. The clock, the
fetcher and the archive come in as parameters. Writes happen in the order DESIGN.md fixes —
raw snapshot, version, report, index and feed, then the check-log line — so whatever a kill
interrupts, what exists is complete and what is missing can be rebuilt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraper.archive.store import Archive, sha256_hex
from scraper.core.document import LastUpdated
from scraper.core.records import CheckRecord, CheckStatus, Provenance, Source, Version
from scraper.core.target import Target
from scraper.errors import FetchError, ParseError
from scraper.fetching.http import FetchFunction, FetchResult, Validators
from scraper.timespec import utc_iso

if TYPE_CHECKING:
    from scraper.core.diff import Change
    from scraper.core.flags import Flag

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CheckOptions:
    """Per-run choices of a check."""

    accept: bool = False
    suspect_confirmations: int = 2


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check of one target."""

    target: str
    status: CheckStatus
    version: str | None
    report: Path | None
    last_updated: LastUpdated | None
    error: str | None
    record: CheckRecord
    note: str | None = None
    # The report's strongest flags, and whether one is significant (None: no report).
    flags: tuple[Flag, ...] = ()
    significant: bool | None = None

    @property
    def ok(self) -> bool:
        """Whether the check did its job (whether or not the page changed)."""
        return self.status is not CheckStatus.ERROR

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `check --json` prints for this target."""
        return {
            "target": self.target,
            "status": self.status.value,
            "version": self.version,
            "report": str(self.report) if self.report else None,
            "last_updated": self.last_updated.at.isoformat() if self.last_updated else None,
            "last_updated_text": self.last_updated.text if self.last_updated else None,
            "checked_at": utc_iso(self.record.started_at),
            "url": self.record.url,
            "final_url": self.record.final_url,
            "http_status": self.record.http_status,
            "error": self.error,
            "note": self.note,
            "flags": [flag.to_dict(with_section=True) for flag in self.flags],
            "significant": self.significant,
        }


def check_target(
    target: Target,
    *,
    archive: Archive,
    fetch: FetchFunction,
    now: Clock,
    options: CheckOptions | None = None,
) -> CheckResult:
    """Check `target` once: fetch, parse, store a new version if the document changed."""
    options = options or CheckOptions()
    started_at = now()
    clock_start = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - clock_start) * 1000)

    latest = archive.latest_version(target.name)
    validators = _validators_for(latest, target)

    try:
        result = fetch(target.url, validators=validators)
    except FetchError as err:
        record = CheckRecord(
            target=target.name,
            started_at=started_at,
            url=target.url,
            status=CheckStatus.ERROR,
            duration_ms=elapsed_ms(),
            final_url=err.final_url,
            http_status=err.status,
            attempts=err.attempts,
            raw_sha256=err.body_sha256,
            body_size=err.body_size,
            error=str(err),
        )
        return _finish(archive, record, latest_version=None)

    base = CheckRecord(
        target=target.name,
        started_at=started_at,
        url=target.url,
        status=CheckStatus.ERROR,
        duration_ms=0,
        final_url=result.final_url,
        http_status=result.status,
        attempts=result.attempts,
        etag=result.etag,
        last_modified=result.last_modified,
        content_type=result.content_type,
        notes=result.notes,
    )
    if result.not_modified:
        record = replace(
            base,
            status=CheckStatus.UNCHANGED,
            duration_ms=elapsed_ms(),
            not_modified=True,
            content_hash=latest.content_hash if latest else None,
            version=latest.id if latest else None,
        )
        return _finish(archive, record, latest_version=latest)

    # lazy: a 304 needs no parser (lxml costs ~15 ms of start-up)
    from scraper.core.parse import PARSER_VERSION, assess, parse

    body_sha = sha256_hex(result.body)
    base = replace(base, raw_sha256=body_sha, body_size=len(result.body))
    try:
        document = parse(result.text, url=result.final_url)
    except ParseError as err:
        record = replace(
            base,
            status=CheckStatus.ERROR,
            duration_ms=elapsed_ms(),
            error=f"{result.final_url}: {err}",
        )
        return _finish(archive, record, latest_version=None)
    except Exception as err:  # a parser bug must not stop the watch, nor store anything
        record = replace(
            base,
            status=CheckStatus.ERROR,
            duration_ms=elapsed_ms(),
            error=f"internal parser error (please report it): {type(err).__name__}: {err}",
        )
        return _finish(archive, record, latest_version=None)

    content_hash = document.content_hash
    if latest is not None and content_hash == latest.content_hash:
        # Same document, maybe different bytes (a new session id): keep the bytes as evidence
        # so a better parser can re-read them, but no new version.
        _put_raw(archive, target.name, result, started_at)
        record = replace(
            base,
            status=CheckStatus.UNCHANGED,
            duration_ms=elapsed_ms(),
            content_hash=content_hash,
            version=latest.id,
        )
        return _finish(archive, record, latest_version=latest)

    note = None
    reason = assess(latest.document if latest else None, document)
    if reason is not None:
        seen = 1 + _times_held(archive, target.name, content_hash)
        if options.accept:
            note = f"accepted a suspect page (--accept): {reason}"
        elif seen >= options.suspect_confirmations:
            note = f"accepted a suspect page after seeing it {seen} times in a row: {reason}"
        else:
            record = replace(
                base,
                status=CheckStatus.ERROR,
                duration_ms=elapsed_ms(),
                content_hash=content_hash,
                suspect=True,
                error=(
                    f"suspect page held ({seen} of {options.suspect_confirmations} sightings): "
                    f"{reason}; it becomes a version if seen again, or run "
                    "`nato-watch check --accept`"
                ),
            )
            return _finish(archive, record, latest_version=None)

    # lazy: the renderers and Jinja2 load only when a check has a new version to publish
    from scraper.reports.publish import rebuild_site, write_report

    _put_raw(archive, target.name, result, started_at)
    provenance = Provenance(
        url=target.url,
        final_url=result.final_url,
        status=result.status,
        fetched_at=started_at,
        raw_sha256=body_sha,
        parser_version=PARSER_VERSION,
        etag=result.etag,
        last_modified=result.last_modified,
        content_type=result.content_type,
        redirects=result.redirects,
        source=Source.LIVE,
        renderer=result.renderer,
    )
    version = archive.add_version(target.name, document, provenance, captured_at=started_at)
    report, change = (
        write_report(archive, latest, version, watch=target.watch)
        if latest is not None
        else (None, None)
    )
    rebuild_site(archive, target=target.name, watch=target.watch)
    record = replace(
        base,
        status=CheckStatus.CHANGED if latest is not None else CheckStatus.NEW,
        duration_ms=elapsed_ms(),
        content_hash=content_hash,
        version=version.id,
        report=str(report) if report else None,
    )
    return _finish(archive, record, latest_version=version, report=report, note=note, change=change)


def _put_raw(archive: Archive, target: str, result: FetchResult, started_at: datetime) -> None:
    """Store the body, and beside it the HTTP heads that delivered it, at the check's time."""
    archive.put_raw(
        target,
        result.body,
        exchange=result.exchange,
        url=result.final_url,
        captured_at=started_at,
    )


def _validators_for(latest: Version | None, target: Target) -> Validators | None:
    if latest is None or latest.provenance.source is not Source.LIVE:
        return None
    if latest.provenance.url != target.url:
        return None
    if not (latest.provenance.etag or latest.provenance.last_modified):
        return None
    return Validators(etag=latest.provenance.etag, last_modified=latest.provenance.last_modified)


def _times_held(archive: Archive, target: str, content_hash: str) -> int:
    """How many of the latest checks in a row held this same suspect document."""
    run = 0
    for record in archive.iter_checks(target):
        if record.suspect and record.content_hash == content_hash:
            run += 1
        elif record.status is not CheckStatus.ERROR or record.suspect:
            run = 0
        # other failed checks (a timeout between two sightings) neither count nor reset
    return run


def _finish(
    archive: Archive,
    record: CheckRecord,
    *,
    latest_version: Version | None,
    report: Path | None = None,
    note: str | None = None,
    change: Change | None = None,
) -> CheckResult:
    archive.append_check(record)
    return CheckResult(
        target=record.target,
        status=record.status,
        version=record.version,
        report=report,
        last_updated=latest_version.document.last_updated if latest_version else None,
        error=record.error,
        record=record,
        note=note,
        flags=change.flags if change is not None else (),
        significant=change.significant if change is not None else None,
    )
