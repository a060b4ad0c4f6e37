"""Adding a target's past captures from a web archive (the Wayback Machine, WARC files) to the
archive, then rebuilding its versions and reports as `replay` does.

A source lists `ArchivedCapture`s and fetches their bodies; an `Importer` decides what each
capture is and records it in the target's check log, at the archive's capture time:

- already imported (its capture time and payload digest are in the log): nothing to do;
- a duplicate by digest (the same payload as a snapshot already stored, or already rejected):
  recorded without fetching it, so a page that went back to an older text still shows when;
- not an article (a redirect, an error, a bot check, a page that does not parse): recorded as a
  failed capture with the reason, never a snapshot, so the next run does not fetch it again;
- otherwise a new snapshot: the raw body is stored, then its check-log line.

A capture that could not be fetched is not recorded: the next run tries it again. Every
capture is written on its own, under the archive lock, raw snapshot first and its log line
last, so a kill at any instant leaves an archive `verify` accepts, and the next run resumes.
At the end `rebuild` calls `replay_target`, which orders every capture — imported or live —
by capture time, so history interleaves correctly whichever came first.

The log lines of imported captures say where they came from (`source`, the memento URL, the
archive's digest); their `url` is the target's URL, the URL the page is read as, so the same
page captured under another URL shape gives the same document (`parse`'s advice).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scraper.archive.store import Archive, sha256_hex
from scraper.core.document import Document
from scraper.core.parse import parse
from scraper.core.records import CheckRecord, CheckStatus, HttpExchange, Source
from scraper.core.target import Target, TranslationPair
from scraper.core.watchlist import Watchlist
from scraper.errors import ParseError, ScraperError, counted
from scraper.fetching.decoding import decode_body
from scraper.sources.replay import Progress, ReplayResult, replay_target
from scraper.timespec import capture_time_problem, stamp_of, utc_iso

SHA1_BASE32 = re.compile(r"^[A-Z2-7]{32}$")


class Outcome(StrEnum):
    """What an import did with one archived capture."""

    IMPORTED = "imported"  # a new snapshot stored
    DUPLICATE = "duplicate by digest"  # the same payload as one already known: not fetched
    ALREADY = "already imported"  # recorded by an earlier run
    NOT_ARTICLE = "not an article"  # recorded as a failed capture, with the reason
    FAILED = "failed to fetch"  # not recorded: the next run tries again
    LEFT = "left for the next run"  # over the run's fetch limit
    # A WARC revisit record whose original payload is neither in the files nor stored.
    NO_ORIGINAL = "revisit without its original"
    # Refused before it could do harm (a body past max_bytes, a capture date out of range):
    # counted, with the reason, and nothing written, so nothing of it can poison the archive.
    REFUSED = "refused"


@dataclass(frozen=True)
class ArchivedCapture:
    """One capture of a target held by a web archive, as the archive's index lists it."""

    captured_at: datetime  # UTC, to the second: the archive's capture time
    original_url: str  # the URL the archive captured (one of the page's URL shapes)
    locator: str  # where the archive serves it: the memento URL (or a WARC record)
    digest: str | None = None  # the archive's payload digest, as `payload_digest` writes it
    status: int | None = None  # the HTTP status the archive recorded (None: not known)
    mime: str | None = None  # the media type the archive recorded
    # The source a nato-watch WARC export says the capture first came from (`live` for a
    # check it made), carried into the version's provenance; None: the archive's own.
    origin: Source | None = None

    @property
    def key(self) -> tuple[datetime, str]:
        """What identifies the capture across runs: its time and its payload digest."""
        return (self.captured_at, self.digest or self.locator)


@dataclass(frozen=True)
class CaptureBody:
    """What the archive served for a capture."""

    body: bytes
    content_type: str | None
    http_status: int
    locator: str  # where it was served from in the end (after the archive's redirects)
    attempts: int = 1
    duration_ms: int = 0
    notes: tuple[str, ...] = ()
    # The HTTP heads the archive kept for the capture, stored beside the snapshot.
    exchange: HttpExchange | None = None
    # The digest of the payload as the archive holds it, when `body` is that payload after
    # content decoding (a WARC record of a gzipped response): the archive's digest is of it.
    archived_digest: str | None = None


@dataclass(frozen=True)
class Settled:
    """What happened to one capture: its outcome and, for a rejection or failure, why."""

    capture: ArchivedCapture
    outcome: Outcome
    detail: str | None = None
    fetched: bool = False  # whether a request was made for it


@dataclass(frozen=True)
class _Known:
    """A payload already seen: the snapshot it is, or why it is not an article."""

    raw: str | None
    size: int | None
    content_type: str | None
    content_hash: str | None
    http_status: int | None
    reason: str | None  # set when the payload is not an article
    at: datetime  # the capture it was first recorded with


def out_of_time(capture: ArchivedCapture, *, now: datetime) -> Settled | None:
    """`REFUSED`, with the reason, for a capture dated where no capture can be (before 1991,
    or later than `now` plus a day); None for any other. Such a date would sort before or
    after the whole history for good, so nothing of the capture is written."""
    problem = capture_time_problem(capture.captured_at, now=now)
    if problem is None:
        return None
    reason = f"its capture time {utc_iso(capture.captured_at)} {problem}; nothing written"
    return Settled(capture, Outcome.REFUSED, reason)


def payload_digest(digest: str | None) -> str | None:
    """An archive's payload digest in one form: `sha1:<BASE32>` for a CDX or WARC SHA-1
    digest (which CDX gives without its prefix), else the text as given; None for none."""
    if digest is None:
        return None
    text = digest.strip()
    if not text or text == "-":
        return None
    if SHA1_BASE32.fullmatch(text.upper()):
        return "sha1:" + text.upper()
    algorithm, sep, value = text.partition(":")
    if sep and algorithm.lower() == "sha1" and SHA1_BASE32.fullmatch(value.upper()):
        return "sha1:" + value.upper()
    return text


def sha1_digest(body: bytes) -> str:
    """The payload digest web archives record for `body`: `sha1:` and its base32 SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


class Importer:
    """Records archived captures of one target as snapshots and check-log lines.

    Build one per run: it reads what the check log already holds (captures imported before,
    payload digests known) once, then keeps track of what this run adds.
    """

    def __init__(
        self,
        archive: Archive,
        target: Target,
        *,
        source: Source,
        lock_timeout: float = 60.0,
    ) -> None:
        if source is Source.LIVE:
            raise ValueError("an import's source is an archive, not a live check")
        self.archive = archive
        self.target = target
        self.source = source
        self.lock_timeout = lock_timeout
        self._before: set[tuple[datetime, str]] = set()
        self._this_run: set[tuple[datetime, str]] = set()
        self._digests: dict[str, _Known] = {}
        self._by_raw: dict[str, _Known] = {}
        self._raw_digests_read = False
        self.recorded = 0  # check-log lines this run wrote
        for record in archive.iter_checks(target.name):
            self._learn(record)

    # -- what is known ------------------------------------------------------------------------

    def _learn(self, record: CheckRecord) -> None:
        if record.source is self.source:
            # Known by its digest, and by its memento URL for an archive that gives no digest.
            for name in (record.digest, record.memento_url):
                if name:
                    self._before.add((record.started_at, name))
        known = _known_from(record)
        if known is None:
            return
        if record.digest and record.digest not in self._digests:
            self._digests[record.digest] = known
        if known.raw and known.reason is None and known.raw not in self._by_raw:
            self._by_raw[known.raw] = known

    def already(self, capture: ArchivedCapture) -> Settled | None:
        """`ALREADY` when an earlier run recorded this capture; `DUPLICATE` when this run
        did (the index listed it twice, e.g. under http and https in the same second)."""
        if capture.key in self._before:
            return Settled(capture, Outcome.ALREADY)
        if capture.key in self._this_run:
            return Settled(capture, Outcome.DUPLICATE)
        return None

    def settle_without_body(self, capture: ArchivedCapture, verdict: str | None) -> Settled | None:
        """What a capture is when its body need not be read: recorded before (`already`), not
        the article by `verdict` (what the archive's index or record head alone shows), or a
        payload already known; None when the body must be read."""
        settled = self.already(capture)
        if settled is not None:
            return settled
        if verdict is not None:
            return self.reject(capture, verdict)
        return self.known_payload(capture)

    def known_payload(self, capture: ArchivedCapture) -> Settled | None:
        """Record a capture whose payload digest is already known without fetching it; None
        when it must be fetched."""
        if capture.digest is None:
            return None
        known = self._digests.get(capture.digest) or self._stored_payload(capture.digest)
        if known is None:
            return None
        note = f"not fetched: the same payload digest as the capture of {stamp_of(known.at)}"
        if known.reason is not None:
            line = _rejected_line(
                self, capture, known.reason, payload=_payload(known), notes=(note,)
            )
            self._write(capture, line)
            return Settled(capture, Outcome.DUPLICATE, known.reason)
        assert known.raw is not None
        record = _line(
            self,
            capture,
            CheckStatus.IMPORTED,
            duration_ms=0,
            http_status=known.http_status,
            raw_sha256=known.raw,
            body_size=known.size,
            content_hash=known.content_hash,
            content_type=known.content_type,
            notes=(note,),
            digest=capture.digest,
            origin=capture.origin,
        )
        self._write(capture, record)
        return Settled(capture, Outcome.DUPLICATE)

    def _stored_payload(self, digest: str) -> _Known | None:
        """A snapshot already stored (by a live check, say) whose SHA-1 is `digest`.

        Stored raw bodies are named by sha256; archives name payloads by SHA-1. The SHA-1 of
        every stored body the check log vouches for is computed once, on the first digest
        the log does not know.
        """
        if not self._raw_digests_read:
            self._raw_digests_read = True
            for raw in self.archive.iter_raw(self.target.name):
                known = self._by_raw.get(raw)
                if known is None:
                    continue  # a body a killed run stored without its line: fetch it again
                body = self.archive.read_raw(self.target.name, raw)
                self._digests.setdefault(sha1_digest(body), known)
        return self._digests.get(digest)

    # -- recording ----------------------------------------------------------------------------

    def reject(
        self,
        capture: ArchivedCapture,
        reason: str,
        *,
        body: CaptureBody | None = None,
        payload: tuple[str, int] | None = None,
        fetched: bool = False,
    ) -> Settled:
        """Record a capture that is not the article (a redirect, an error page, …) as a failed
        capture with `reason`, so later runs skip it; no snapshot is stored.

        When the verdict is about the bytes — `body` was read, or `payload` gives the sha256
        and size of a body the fetcher refused (a bot check) — the line keeps their sha256, and
        other captures with the same digest share the verdict without being fetched. A verdict
        about the capture alone (the index says redirect, the archive served another capture)
        keeps none.
        """
        if body is not None and body.body:
            payload = (sha256_hex(body.body), len(body.body))
        record = _rejected_line(self, capture, reason, body=body, payload=payload)
        self._write(capture, record)
        known = _known_from(record)
        if capture.digest and known is not None:
            self._digests.setdefault(capture.digest, known)
        return Settled(capture, Outcome.NOT_ARTICLE, reason, fetched=fetched or body is not None)

    def add(self, capture: ArchivedCapture, body: CaptureBody) -> Settled:
        """Read a fetched capture; store it as a new snapshot when it is the article, else
        record it as not an article. A parser crash stops the import (nothing is written)."""
        document = self._read(capture, body)
        if isinstance(document, str):
            return self.reject(capture, document, body=body)
        own = sha1_digest(body.body)
        notes = list(body.notes)
        if (
            capture.digest
            and capture.digest.startswith("sha1:")
            and capture.digest not in (own, body.archived_digest)
        ):
            notes.append(
                f"the body's digest {own} differs from the archive's {capture.digest}: the "
                "archive served other bytes than it indexed"
            )
        if body.locator != capture.locator:
            notes.append(f"served from {body.locator}")
        raw = sha256_hex(body.body)
        record = _line(
            self,
            capture,
            CheckStatus.IMPORTED,
            duration_ms=body.duration_ms,
            http_status=body.http_status,
            attempts=body.attempts,
            raw_sha256=raw,
            body_size=len(body.body),
            content_hash=document.content_hash,
            content_type=body.content_type,
            notes=tuple(notes),
            digest=capture.digest or own,
            origin=capture.origin,
        )
        self._write(capture, record, body=body.body, exchange=body.exchange)
        known = _known_from(record)
        assert known is not None
        for digest in {capture.digest, own} - {None}:
            assert digest is not None
            self._digests.setdefault(digest, known)
        self._by_raw.setdefault(raw, known)
        return Settled(capture, Outcome.IMPORTED, fetched=True)

    def _read(self, capture: ArchivedCapture, body: CaptureBody) -> Document | str:
        """The capture's document, or why it is not the article."""
        text = decode_body(body.body, content_type=body.content_type).text
        try:
            return parse(text, url=self.target.url)
        except ParseError as err:
            return str(err)
        except Exception as err:
            # A parser bug is not "not an article": recording it so would hide the capture.
            raise ScraperError(
                f"the parser failed on the capture of {stamp_of(capture.captured_at)} "
                f"({capture.locator}): {type(err).__name__}: {err}; please report it — the "
                "captures before it are kept, and the next run resumes here"
            ) from err

    def _write(
        self,
        capture: ArchivedCapture,
        record: CheckRecord,
        *,
        body: bytes = b"",
        exchange: HttpExchange | None = None,
    ) -> None:
        """Raw snapshot first, then the log line, under the lock: a kill in between leaves a
        stored body without a line, which the next run fetches and records again. The lock is
        held per capture, not per run, so a scheduled check is not kept waiting by an import."""
        with self.archive.lock(timeout=self.lock_timeout):
            if body:
                self.archive.put_raw(
                    self.target.name,
                    body,
                    exchange=exchange,
                    url=capture.original_url,
                    captured_at=capture.captured_at,
                    source=self.source,
                )
            self.archive.append_check(record)
        self._this_run.add(capture.key)
        self.recorded += 1

    # -- the end --------------------------------------------------------------------------------

    def rebuild(
        self,
        *,
        progress: Progress | None = None,
        watch: Watchlist | None = None,
        pairs: Sequence[TranslationPair] = (),
        now: datetime | None = None,
    ) -> Rebuilt:
        """Rebuild the target's versions, reports, index and feed from every capture, in
        capture order (`replay_target`, reports counting the `watch` terms, `pairs` the
        translated pairs, captures dated out of range by the clock `now` left out); say how
        many versions there are and how many of them were imported."""
        if not self.archive.checks_path(self.target.name).is_file():
            return Rebuilt(versions=0, imported=0, replay=None)
        result = replay_target(
            self.archive,
            self.target.name,
            progress=progress,
            lock_timeout=self.lock_timeout,
            watch=watch,
            pairs=pairs,
            now=now,
        )
        imported = sum(
            1
            for version in self.archive.iter_versions(self.target.name)
            if version.provenance.source is not Source.LIVE
        )
        return Rebuilt(versions=len(result.versions), imported=imported, replay=result)


def _rejected_line(
    importer: Importer,
    capture: ArchivedCapture,
    reason: str,
    *,
    body: CaptureBody | None = None,
    payload: tuple[str, int] | None = None,
    notes: tuple[str, ...] = (),
) -> CheckRecord:
    """The failed-capture line of a capture that is not the article."""
    return _line(
        importer,
        capture,
        CheckStatus.ERROR,
        duration_ms=body.duration_ms if body else 0,
        http_status=body.http_status if body else capture.status,
        attempts=body.attempts if body else 0,
        # As a live check does: the sha256 and size of a rejected body, which is not stored.
        raw_sha256=payload[0] if payload else None,
        body_size=payload[1] if payload else None,
        content_type=body.content_type if body else capture.mime,
        notes=(*(body.notes if body else ()), *notes),
        error=reason,
        digest=capture.digest,
    )


def _line(
    importer: Importer, capture: ArchivedCapture, status: CheckStatus, **fields: Any
) -> CheckRecord:
    """A check-log line of an archived capture: at its capture time, read as the target's URL,
    from the import's source, naming where the archive serves it."""
    return CheckRecord(
        target=importer.target.name,
        started_at=capture.captured_at,
        url=importer.target.url,
        status=status,
        source=importer.source,
        memento_url=capture.locator,
        **fields,
    )


def _payload(known: _Known) -> tuple[str, int] | None:
    return (known.raw, known.size or 0) if known.raw else None


def _known_from(record: CheckRecord) -> _Known | None:
    """What a check-log line says about its payload, if anything."""
    if record.not_modified or not record.raw_sha256:
        return None
    if record.status is CheckStatus.ERROR:
        # A live failure says nothing about an archived payload; an imported one says the
        # payload is not an article only when it names the body it judged.
        if record.source is Source.LIVE or not record.error:
            return None
        reason: str | None = record.error
    else:
        reason = None
    return _Known(
        raw=record.raw_sha256,
        size=record.body_size,
        content_type=record.content_type,
        content_hash=record.content_hash,
        http_status=record.http_status,
        reason=reason,
        at=record.started_at,
    )


@dataclass(frozen=True)
class Rebuilt:
    """The target's history after an import: its versions, and how many were imported."""

    versions: int
    imported: int
    replay: ReplayResult | None  # None when the target has no captures at all


@dataclass(frozen=True)
class ImportResult:
    """What one import run did for one target."""

    target: str
    listed: int  # captures of the target's page the archive listed (in the time span)
    counts: Mapping[Outcome, int]
    rebuilt: Rebuilt
    stopped: str | None = None  # why fetching stopped early (the archive rate-limiting us)

    def count(self, outcome: Outcome) -> int:
        """How many captures ended with `outcome`."""
        return self.counts.get(outcome, 0)

    def lines(self) -> list[str]:
        """What a run prints: its summary line, then each snapshot the rebuild left out."""
        skipped = self.rebuilt.replay.skipped if self.rebuilt.replay is not None else ()
        return [self.summary_line(), *(f"{self.target}: {item.line()}" for item in skipped)]

    def summary_line(self) -> str:
        """The one line a run prints, e.g. `republic-of-korea: 214 captures listed, 37 new
        snapshots imported (152 duplicates by digest, 18 not articles, 7 failed to fetch);
        9 versions (5 imported); reports rebuilt`."""
        parts = []
        for outcome, singular, plural in _SUMMARY_WORDS:
            n = self.count(outcome)
            if n:
                parts.append(f"{n} {singular if n == 1 else plural}")
        details = f" ({', '.join(parts)})" if parts else ""
        imported = self.count(Outcome.IMPORTED)
        line = (
            f"{self.target}: {counted(self.listed, 'capture')} listed, "
            f"{counted(imported, 'new snapshot')} imported{details}; "
        )
        if self.rebuilt.replay is None:
            return line + "no versions"
        return (
            line + f"{counted(self.rebuilt.versions, 'version')} "
            f"({self.rebuilt.imported} imported); reports rebuilt"
        )


@dataclass
class Tally:
    """One target's import as it goes: the captures listed, and how many settled so far with
    each outcome."""

    listed: int
    counts: dict[Outcome, int] = field(default_factory=dict)
    done: int = 0

    def add(self, settled: Settled) -> None:
        """Count one more settled capture."""
        self.counts[settled.outcome] = self.counts.get(settled.outcome, 0) + 1
        self.done += 1

    def result(self, target: str, rebuilt: Rebuilt, *, stopped: str | None = None) -> ImportResult:
        """What the import did for `target`, once its history is rebuilt."""
        return ImportResult(
            target=target, listed=self.listed, counts=self.counts, rebuilt=rebuilt, stopped=stopped
        )


_SUMMARY_WORDS = (
    (Outcome.ALREADY, "already imported", "already imported"),
    (Outcome.DUPLICATE, "duplicate by digest", "duplicates by digest"),
    (Outcome.NOT_ARTICLE, "not an article", "not articles"),
    (Outcome.FAILED, "failed to fetch", "failed to fetch"),
    (Outcome.LEFT, "left for the next run", "left for the next run"),
    (Outcome.NO_ORIGINAL, "revisit without its original", "revisits without their original"),
    (Outcome.REFUSED, "refused", "refused"),
)


ImportProgress = Callable[[int, int, Settled], None]
"""Called as `progress(done, total, settled)` after each capture is settled."""
