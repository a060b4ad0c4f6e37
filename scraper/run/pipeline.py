"""The one pass of a check: fetch → parse → compare with the latest version → hold a suspect page?
→ store raw, version → report → site → the check-log line.

`check_target` is called by the `check` command and by the scheduler alike, and reads as that
list of steps (the scheduler makes the fetch ahead, outside the archive lock, with
`fetch_ahead`, so that checks of different hosts fetch at once); every way a check ends is one
call of `_Check` (`failed`, `unchanged`, `stored`), which writes the check-log line last. The
clock, the fetcher and the archive come in as parameters. Writes happen in the order DESIGN.md
fixes — raw snapshot, version, report, index and feed, then the check-log line — so whatever a
kill interrupts, what exists is complete and what is missing can be rebuilt. After the line,
the site's health page is rewritten from the check logs (`reports.health_page`). Whether a page
is suspect, and what then, is `core.suspect`'s policy; the sentences about it are written here.

The check-log line of a check that stored a version is also the mark that the version was
announced (`run` notifies of every check that ends `new` or `changed`). A check that stopped
after storing its version — killed, or refused by a full disk — left a version without that
line (`archive.pending`); the next check first finishes it: the report, the site, the line
(at the capture time, noted as recorded late), and a `CheckResult` of its own (`late`) that
`check` prints and `run` notifies. A write the disk refuses ends the check as failed, with
one line that says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraper.archive.pending import unfinished_version
from scraper.archive.store import Archive, sha256_hex
from scraper.core.document import Document, LastUpdated
from scraper.core.health import DEFAULT_UNHEALTHY_AFTER
from scraper.core.parser_version import PARSER_VERSION
from scraper.core.records import CheckRecord, CheckStatus, Provenance, Source, Version
from scraper.core.suspect import SuspectDecision, Verdict, judge
from scraper.core.target import Target, TranslationPair
from scraper.errors import FetchError, NotFound, ParseError, ScraperError, StoreError
from scraper.fetching.http import FetchFunction, FetchResult, Validators
from scraper.reports.health_page import write_health_page
from scraper.timespec import capture_time_problem, utc_iso
from scraper.urls import redact_url

if TYPE_CHECKING:
    from scraper.core.change import Change
    from scraper.core.flags import Flag

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CheckOptions:
    """Per-run choices of a check."""

    accept: bool = False
    suspect_confirmations: int = 2
    # The config's translated pairs: a report of a target in one names its counterpart,
    # and the index shows each pair's lag.
    pairs: tuple[TranslationPair, ...] = ()
    # Failed checks in a row that the site's health page shows as failing.
    unhealthy_after: int = DEFAULT_UNHEALTHY_AFTER
    # Rewrite the health page after the check (`run` coalesces those writes: run.coalesce).
    health_page: bool = True


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
    # The change the check recorded (None: no report), for its one-line description.
    change: Change | None = None
    # A check that stopped after storing its version, finished (and so announced) by this one.
    late: CheckResult | None = None

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
            # Printed and sent to webhooks: without the URLs' credentials.
            "url": redact_url(self.record.url),
            "final_url": redact_url(self.record.final_url) if self.record.final_url else None,
            "http_status": self.record.http_status,
            "error": self.error,
            "note": self.note,
            "flags": [flag.to_dict(with_section=True) for flag in self.flags],
            "significant": self.significant,
            **({"late": self.late.to_dict()} if self.late is not None else {}),
        }


@dataclass(frozen=True)
class Fetched:
    """A check's fetch made ahead, outside the archive lock (`fetch_ahead`): when the check
    started, the latest version whose validators were sent (None: none), and the server's
    answer or the fetch's failure; None when the latest version could not be trusted (the
    check then fails as it would have, without a fetch)."""

    started_at: datetime
    clock_start: float  # `time.monotonic()` when the check started: its duration counts from it
    latest_id: str | None
    outcome: FetchResult | FetchError | None


def fetch_ahead(target: Target, *, archive: Archive, fetch: FetchFunction, now: Clock) -> Fetched:
    """The fetch of a check of `target`, made before its archive part and without the archive
    lock, so that `run` can fetch from several hosts at once (`check_target(fetched=…)` then
    finishes it under the lock). Reads the latest version for its validators; writes nothing."""
    started_at, clock_start = now(), time.monotonic()
    latest = _trusted_latest(archive, target.name, now=started_at)
    if isinstance(latest, str):
        return Fetched(started_at, clock_start, None, None)
    return Fetched(
        started_at, clock_start, latest.id if latest else None, _fetch(fetch, target, latest)
    )


def check_target(
    target: Target,
    *,
    archive: Archive,
    fetch: FetchFunction,
    now: Clock,
    options: CheckOptions | None = None,
    fetched: Fetched | None = None,
) -> CheckResult:
    """Check `target` once: finish what a check that stopped left, then fetch, parse, and
    store a new version if the document changed; then rewrite the site's health page from the
    check log it ends (unless `options.health_page` is off: `run` coalesces those writes).

    `fetched`: the check's fetch, made ahead (`fetch_ahead`). It is used when the latest
    version is still the one it was validated against; else (another writer stored a version
    in between) the page is fetched again.
    """
    options = options or CheckOptions()
    result = _check_once(
        target, archive=archive, fetch=fetch, now=now, options=options, fetched=fetched
    )
    if options.health_page:
        publish_health(archive, options)
    return result


def _check_once(
    target: Target,
    *,
    archive: Archive,
    fetch: FetchFunction,
    now: Clock,
    options: CheckOptions,
    fetched: Fetched | None,
) -> CheckResult:
    """The check itself, in DESIGN.md's order; its check-log line is its last write."""
    if fetched is None:
        check = _Check.start(target, archive, started_at=now())
    else:
        check = _Check.start(target, archive, started_at=fetched.started_at)
        check = replace(check, clock_start=fetched.clock_start)
    late = _finish_unfinished(check, options.pairs)
    if isinstance(late, str):
        return check.failed(late)
    result = _check_page(check, fetch, options, fetched)
    return replace(result, late=late) if late is not None else result


def _check_page(
    check: _Check, fetch: FetchFunction, options: CheckOptions, fetched: Fetched | None
) -> CheckResult:
    """Fetch (or take the fetch made ahead), parse, compare with the latest version, and
    store a new one if it differs."""
    target, archive = check.target, check.archive
    latest = _trusted_latest(archive, target.name, now=check.started_at)
    if isinstance(latest, str):
        return check.failed(latest)
    outcome = fetched.outcome if fetched is not None else None
    if outcome is None or fetched is None or fetched.latest_id != (latest.id if latest else None):
        outcome = _fetch(fetch, target, latest)
    if isinstance(outcome, FetchError):
        err = outcome
        return check.failed(
            str(err),
            final_url=err.final_url,
            http_status=err.status,
            attempts=err.attempts,
            raw_sha256=err.body_sha256,
            body_size=err.body_size,
        )
    result = outcome
    check = check.heard(result)
    if result.not_modified:
        return check.unchanged(latest, not_modified=True)
    raw = sha256_hex(result.body)
    check = check.knowing(raw_sha256=raw, body_size=len(result.body))
    if latest is not None and _read_before(latest, result, raw):
        return _unchanged(check, result, latest)
    document = _read(result)
    if isinstance(document, str):
        return check.failed(document)
    if latest is not None and document.content_hash == latest.content_hash:
        # Same document, maybe different bytes (a new session id): keep the bytes as evidence
        # so a better parser can re-read them, but no new version.
        return _unchanged(check, result, latest)
    decision = judge(
        latest.document if latest else None,
        document,
        checks=archive.iter_checks(target.name),  # a generator: read only for a suspect page
        accept=options.accept,
        needed=options.suspect_confirmations,
    )
    if decision.held:
        return check.failed(_held_error(decision), content_hash=document.content_hash, suspect=True)
    try:
        return _store_version(
            check, result, document, latest, note=_accepted_note(decision), pairs=options.pairs
        )
    except StoreError as err:  # the raw snapshot or the version could not be written
        return check.failed(str(err))


@dataclass(frozen=True)
class _Check:
    """One check in progress: its check-log line as far as it is known, and the ways it ends.

    Every end sets the line's status and duration, appends it to the check log (the last
    write of a check) and returns the `CheckResult`.
    """

    target: Target
    archive: Archive
    line: CheckRecord  # status and duration are set when the check ends
    clock_start: float

    @classmethod
    def start(cls, target: Target, archive: Archive, *, started_at: datetime) -> _Check:
        """A check of `target` that started at `started_at` (the duration counts from now)."""
        line = CheckRecord(
            target=target.name,
            started_at=started_at,
            url=target.url,
            status=CheckStatus.ERROR,
            duration_ms=0,
        )
        return cls(target, archive, line, time.monotonic())

    @property
    def started_at(self) -> datetime:
        """When the check started: the capture time of what it stores."""
        return self.line.started_at

    def knowing(self, **fields: Any) -> _Check:
        """The check with more of its log line known."""
        return replace(self, line=replace(self.line, **fields))

    def heard(self, result: FetchResult) -> _Check:
        """The check with what the server answered."""
        return self.knowing(
            final_url=result.final_url,
            http_status=result.status,
            attempts=result.attempts,
            etag=result.etag,
            last_modified=result.last_modified,
            content_type=result.content_type,
            notes=result.notes,
        )

    def failed(self, error: str, **fields: Any) -> CheckResult:
        """End as a failed check: the log line says why; no version is shown."""
        return self._end(CheckStatus.ERROR, shows=None, error=error, **fields)

    def unchanged(self, latest: Version | None, **fields: Any) -> CheckResult:
        """End with the latest version still the page's."""
        return self._end(
            CheckStatus.UNCHANGED,
            shows=latest,
            content_hash=latest.content_hash if latest else None,
            version=latest.id if latest else None,
            **fields,
        )

    def stored(
        self,
        version: Version,
        *,
        first: bool,
        report: Path | None,
        change: Change | None,
        note: str | None,
    ) -> CheckResult:
        """End with `version` stored (the target's first, or a change with its report)."""
        return self._end(
            CheckStatus.NEW if first else CheckStatus.CHANGED,
            shows=version,
            report=report,
            change=change,
            note=note,
            content_hash=version.content_hash,
            version=version.id,
        )

    def _end(
        self,
        status: CheckStatus,
        *,
        shows: Version | None,
        report: Path | None = None,
        change: Change | None = None,
        note: str | None = None,
        **fields: Any,
    ) -> CheckResult:
        record = replace(
            self.line,
            status=status,
            duration_ms=int((time.monotonic() - self.clock_start) * 1000),
            report=str(report) if report else None,
            **fields,
        )
        self.archive.append_check(record)
        return CheckResult(
            target=record.target,
            status=record.status,
            version=record.version,
            report=report,
            last_updated=shows.document.last_updated if shows else None,
            error=record.error,
            record=record,
            note=note,
            flags=change.flags if change is not None else (),
            significant=change.significant if change is not None else None,
            change=change,
        )


def _fetch(
    fetch: FetchFunction, target: Target, latest: Version | None
) -> FetchResult | FetchError:
    """The page, asked for with the latest version's validators; or why it could not be had."""
    try:
        return fetch(target.url, validators=_validators_for(latest, target))
    except FetchError as err:
        return err


def _trusted_latest(archive: Archive, target: str, *, now: datetime) -> Version | str | None:
    """The latest version, to compare the page with; or why it cannot be trusted (the check's
    error): a document edited after it was stored, or a capture time where none can be (an
    import before dates were checked). Comparing with either would record a fake change."""
    try:
        latest = archive.latest_version(target, check=True)
    except StoreError as err:
        return f"cannot compare with the latest version: {err}"
    if latest is not None:
        problem = capture_time_problem(latest.captured_at, now=now)
        if problem is not None:
            return (
                f"cannot compare with the latest version {latest.id}: its capture time "
                f"{utc_iso(latest.captured_at)} {problem}; run `nato-watch replay` to rebuild "
                "the versions without it, and `nato-watch verify`"
            )
    return latest


def _read_before(latest: Version, result: FetchResult, raw: str) -> bool:
    """Whether the latest version is this response read already: the same bytes, from the
    same URL, under the same content type (the charset that decodes them), read by this
    parser version — so the document is the latest's, without loading the parser."""
    origin = latest.provenance
    return (
        origin.raw_sha256 == raw
        and origin.parser_version == PARSER_VERSION
        and origin.final_url == result.final_url
        and origin.content_type == result.content_type
        and origin.renderer == result.renderer
    )


def _unchanged(check: _Check, result: FetchResult, latest: Version) -> CheckResult:
    """End with the page's document the latest version's: the bytes are kept (once) as
    evidence, so a better parser can re-read them; no new version."""
    try:
        _put_raw(check.archive, check.target.name, result, check.started_at)
    except StoreError as err:
        return check.failed(str(err))
    return check.unchanged(latest)


def _read(result: FetchResult) -> Document | str:
    """The fetched page's document, or why it could not be read (the check's error)."""
    # lazy: a 304 needs no parser (lxml costs ~15 ms of start-up)
    from scraper.core.parse import parse

    try:
        return parse(result.text, url=result.final_url)
    except ParseError as err:
        return f"{redact_url(result.final_url)}: {err}"
    except Exception as err:  # a parser bug must not stop the watch, nor store anything
        return f"internal parser error (please report it): {type(err).__name__}: {err}"


def _held_error(decision: SuspectDecision) -> str:
    """The failed check's error when a suspect page is held back."""
    return (
        f"suspect page held ({decision.seen} of {decision.needed} sightings): "
        f"{decision.reason}; it becomes a version if seen again, or run "
        "`nato-watch check --accept`"
    )


def _accepted_note(decision: SuspectDecision) -> str | None:
    """The check's note when a suspect page is accepted; None when the page is not suspect."""
    if decision.verdict is Verdict.ACCEPTED:
        return f"accepted a suspect page (--accept): {decision.reason}"
    if decision.verdict is Verdict.CONFIRMED:
        return (
            f"accepted a suspect page after seeing it {decision.seen} times in a row: "
            f"{decision.reason}"
        )
    return None


def _store_version(
    check: _Check,
    result: FetchResult,
    document: Document,
    latest: Version | None,
    *,
    note: str | None,
    pairs: tuple[TranslationPair, ...] = (),
) -> CheckResult:
    """Store the new document in DESIGN.md's order (raw snapshot, version, report, index and
    feed), then end the check; a report or site the disk refuses fails it, the version kept
    for the next check to finish."""
    target, archive = check.target, check.archive
    raw = _put_raw(archive, target.name, result, check.started_at)
    provenance = Provenance(
        url=target.url,
        final_url=result.final_url,
        status=result.status,
        fetched_at=check.started_at,
        raw_sha256=raw,
        parser_version=PARSER_VERSION,
        etag=result.etag,
        last_modified=result.last_modified,
        content_type=result.content_type,
        redirects=result.redirects,
        source=Source.LIVE,
        renderer=result.renderer,
    )
    version = archive.add_version(target.name, document, provenance, captured_at=check.started_at)
    try:
        return _publish(check, version, latest, note=note, pairs=pairs)
    except StoreError as err:
        return check.failed(
            f"version {version.id} is stored, but {err}",
            version=version.id,
            content_hash=version.content_hash,
        )


def _publish(
    check: _Check,
    version: Version,
    previous: Version | None,
    *,
    note: str | None,
    pairs: tuple[TranslationPair, ...] = (),
) -> CheckResult:
    """Write the report from `previous` to `version` and the site, then end the check as
    having stored `version`."""
    # lazy: the renderers and Jinja2 load only when a check has a new version to publish
    from scraper.reports.publish import publish_version

    target, archive = check.target, check.archive
    report, change = publish_version(archive, version, previous, watch=target.watch, pairs=pairs)
    return check.stored(version, first=previous is None, report=report, change=change, note=note)


def _finish_unfinished(
    check: _Check, pairs: tuple[TranslationPair, ...] = ()
) -> CheckResult | str | None:
    """Finish the version a check that stopped left without its check-log line (killed, or
    refused by a full disk): its report, the site, and its line, at its capture time; the
    result of that check, now whole; None when there is nothing to finish; or why it cannot
    be finished (the check's error)."""
    target, archive = check.target, check.archive
    try:
        version = unfinished_version(archive, target.name)
        if version is None:
            return None
        ids = archive.version_ids(target.name)
        position = ids.index(version.id)
        previous = archive.read_version(target.name, ids[position - 1]) if position else None
    except (StoreError, NotFound) as err:
        return f"cannot read the latest version to finish it: {err}"
    origin = version.provenance
    late = _Check.start(target, archive, started_at=version.captured_at).knowing(
        url=origin.url,
        final_url=origin.final_url,
        http_status=origin.status,
        raw_sha256=origin.raw_sha256,
        etag=origin.etag,
        last_modified=origin.last_modified,
        content_type=origin.content_type,
    )
    note = (
        f"recorded late, by the check of {utc_iso(check.started_at)}: the check that stored "
        "this version stopped before its report and its check-log line"
    )
    try:
        return _publish(late.knowing(notes=(note,)), version, previous, note=note, pairs=pairs)
    except StoreError as err:
        return f"cannot finish version {version.id}, stored by a check that stopped: {err}"


def _put_raw(archive: Archive, target: str, result: FetchResult, started_at: datetime) -> str:
    """Store the body, and beside it the HTTP heads that delivered it, at the check's time;
    return its sha256."""
    return archive.put_raw(
        target,
        result.body,
        exchange=result.exchange,
        url=result.final_url,
        captured_at=started_at,
    )


def publish_health(archive: Archive, options: CheckOptions) -> None:
    """Rewrite the health page after the check-log line; a failure to write it is logged, not
    the check's: the line is written, and the next check rewrites the page."""
    try:
        write_health_page(archive, unhealthy_after=options.unhealthy_after)
    except (OSError, ScraperError) as err:
        logging.getLogger("nato-watch").warning("cannot rewrite the health page: %s", err)


def _validators_for(latest: Version | None, target: Target) -> Validators | None:
    if latest is None or latest.provenance.source is not Source.LIVE:
        return None
    if latest.provenance.url != target.url:
        return None
    if not (latest.provenance.etag or latest.provenance.last_modified):
        return None
    return Validators(etag=latest.provenance.etag, last_modified=latest.provenance.last_modified)
