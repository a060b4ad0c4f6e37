"""The Wayback Machine as a source of a target's past: list its captures through the CDX API,
fetch each capture's original bytes, and hand them to `importing.Importer`.

Listing. One CDX query (`<base>/cdx/search/cdx`, `output=json`) covers every URL shape the page
was published under: for a nato.int topic page, a prefix query on the site's `/cps/` tree whose
`original` must end in the topic's file name (`natolive`/`natohq`, locale prefixes with
`?selectedLocale=en`, `SID-…` session segments and a bare trailing `?` all pass); for any other
URL, a prefix query on the URL itself. The archive's answer is read in pages (`limit` and a
resume key), and then `same_page` keeps only the captures of the target's own page: another
topic, or the same topic in another language, is not this page. Statuses are not filtered in
the query: a redirect or an error must be seen to be counted as skipped.

Fetching. Each capture is fetched in its `id_` form (`<base>/web/<timestamp>id_/<original>`):
the bytes the archive captured, without its toolbar or rewritten links. A capture the index
lists as a redirect, an error or a non-HTML type is not fetched; one whose fetch lands on
another capture or another page, or whose body is not the article, is skipped and counted.

Politeness: one `Fetcher` (robots.txt, retries with backoff, Retry-After) and at least
`interval` seconds between the starts of two requests (default 4 s: the archive allows about
15 captures a minute). A 429 that outlasts the retries stops the run's fetching.

EDGI's `wayback` package was considered and not used: its CDX and memento URLs are fixed to
web.archive.org (module constants and a memento-URL pattern), so it cannot be pointed at a
mirror or at a local stand-in for tests, and it would bring a second HTTP stack next to the
`Fetcher`'s guards.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

from scraper.archive.store import Archive
from scraper.core.records import Source
from scraper.core.target import Target, TranslationPair
from scraper.core.watchlist import Watchlist
from scraper.errors import BlockedError, ConfigError, FetchError, counted
from scraper.fetching.http import Fetcher, FetchResult, Validators
from scraper.fetching.settings import FetchSettings
from scraper.sources.importing import (
    ArchivedCapture,
    CaptureBody,
    Importer,
    ImportProgress,
    ImportResult,
    Outcome,
    Settled,
    Tally,
    out_of_time,
    payload_digest,
)
from scraper.sources.replay import Progress
from scraper.timespec import TimeSpan, utc_now
from scraper.urls import cps_file, host_key, redact_url, same_page

DEFAULT_WAYBACK_URL = "https://web.archive.org"
WAYBACK_URL_ENV = "NATO_WATCH_WAYBACK_URL"
DEFAULT_INTERVAL = 4.0
"""Seconds between the starts of two requests to the archive: 15 a minute."""
CDX_PAGE_SIZE = 1000
"""CDX rows asked for per request; the resume key fetches the next page."""
CDX_MAX_PAGES = 500
"""A guard against a server that keeps handing out resume keys: 500,000 rows at most."""
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest", "length")
# Longer than a page's: a filtered prefix query makes the CDX server read a large part of
# the site's index before it answers.
CDX_READ_TIMEOUT = 120.0
CDX_TOTAL_TIMEOUT = 600.0

HTML_MIMES = frozenset({"text/html", "application/xhtml+xml"})
# What the CDX says when it does not know the type (a revisit record points at an earlier
# capture of the same payload): the fetch decides.
UNKNOWN_MIMES = frozenset({"", "-", "unk", "warc/revisit"})
TIMESTAMP = re.compile(r"^\d{14}$")
MEMENTO = re.compile(r"/web/(\d{1,14})(?:[a-z]{2}_)?/+(https?:/.*)$", re.I)
# -- pure: URLs, pages and time spans --------------------------------------------------------


def resolve_wayback_url(option: str | None) -> str:
    """The archive's base URL: the option, else `NATO_WATCH_WAYBACK_URL`, else
    https://web.archive.org; `ConfigError` when it is not an http(s) URL."""
    value = (option or os.environ.get(WAYBACK_URL_ENV) or DEFAULT_WAYBACK_URL).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"--wayback-url {value!r} is not an http(s) base URL such as {DEFAULT_WAYBACK_URL}"
        )
    return value.rstrip("/")


def memento_url(base_url: str, timestamp: str, original: str) -> str:
    """Where the archive serves the original bytes of a capture: `<base>/web/<ts>id_/<url>`."""
    return f"{base_url.rstrip('/')}/web/{timestamp}id_/{original}"


def parse_memento_url(url: str) -> tuple[str, str] | None:
    """The timestamp and original URL a memento URL names, or None if it names none."""
    match = MEMENTO.search(url)
    if match is None:
        return None
    original = re.sub(r"^(https?):/+", r"\1://", match.group(2), count=1, flags=re.I)
    return match.group(1), original


@dataclass(frozen=True)
class CdxQuery:
    """The CDX query that lists every capture of a target's page (and a few others)."""

    url: str  # the prefix, without scheme
    filter: str | None  # a regex the `original` URL must match (Java syntax, whole field)

    def params(
        self, *, span: TimeSpan, limit: int, resume_key: str | None = None
    ) -> list[tuple[str, str]]:
        """The query's parameters, for one page of `limit` rows."""
        params = [
            ("url", self.url),
            ("matchType", "prefix"),
            ("output", "json"),
            ("fl", ",".join(CDX_FIELDS)),
        ]
        if self.filter:
            params.append(("filter", f"original:{self.filter}"))
        if span.start is not None:
            params.append(("from", cdx_timestamp(span.start)))
        if span.end is not None:
            params.append(("to", cdx_timestamp(span.end)))
        params += [("limit", str(limit)), ("showResumeKey", "true")]
        if resume_key:
            params.append(("resumeKey", resume_key))
        return params


def cdx_query(target_url: str) -> CdxQuery:
    """The CDX query for `target_url`: the site's `/cps/` tree filtered on the file name for
    a nato.int CPS page (its other URL shapes share only that), else the URL as a prefix."""
    host = host_key(target_url)
    name = cps_file(target_url)
    if name is not None:
        return CdxQuery(url=f"{host}/cps/", filter=f"(?i).*/{re.escape(name)}([?#;].*)?")
    path = urlsplit(target_url).path or "/"
    return CdxQuery(url=f"{host}{path}", filter=None)


def cdx_timestamp(moment: datetime) -> str:
    """A time as the CDX API and memento URLs write it: `YYYYMMDDhhmmss` in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_cdx_timestamp(text: str) -> datetime:
    """The UTC second a 14-digit CDX timestamp names; `ValueError` if it is not one."""
    if not TIMESTAMP.fullmatch(text):
        raise ValueError(f"not a 14-digit timestamp: {text!r}")
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


# -- pure: the CDX answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class CdxRow:
    """One line of the CDX index: a capture as the archive recorded it."""

    timestamp: str
    original: str
    statuscode: str
    mimetype: str
    digest: str
    length: str = ""


@dataclass(frozen=True)
class CdxPage:
    """One answer of the CDX API: its rows and, when there are more, the key to resume."""

    rows: tuple[CdxRow, ...]
    resume_key: str | None


def parse_cdx_json(text: str) -> CdxPage:
    """Read a CDX `output=json` answer: a header row naming the fields, the rows, then, when
    the answer was cut by `limit`, an empty row and a row holding the resume key. An empty
    answer (no captures) is an empty page. `ValueError` for anything else."""
    if not text.strip():
        return CdxPage((), None)
    data = json.loads(text)
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise ValueError("expected a JSON array of arrays")
    if not data:
        return CdxPage((), None)
    header = [str(name) for name in data[0]]
    missing = {"timestamp", "original"} - set(header)
    if missing:
        raise ValueError(f"the header row lacks {', '.join(sorted(missing))}")
    rows: list[CdxRow] = []
    resume_key = None
    body = data[1:]
    for index, row in enumerate(body):
        if not row:
            tail = body[index + 1 :]
            if tail and tail[0]:
                resume_key = str(tail[0][0])
            break
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} fields, the header names {len(header)}")
        fields = dict(zip(header, (str(v) for v in row), strict=True))
        rows.append(
            CdxRow(
                timestamp=fields["timestamp"],
                original=fields["original"],
                statuscode=fields.get("statuscode", "-"),
                mimetype=fields.get("mimetype", ""),
                digest=fields.get("digest", "-"),
                length=fields.get("length", ""),
            )
        )
    return CdxPage(tuple(rows), resume_key)


@dataclass(frozen=True)
class Listing:
    """The captures of a target's page the archive lists, oldest first."""

    captures: tuple[ArchivedCapture, ...]
    rows: int  # CDX rows read
    other_pages: int  # rows of other pages (or unreadable) that were left out
    requests: int  # CDX requests made


def captures_of(
    rows: Iterable[CdxRow], *, target_url: str, base_url: str, span: TimeSpan
) -> tuple[tuple[ArchivedCapture, ...], int]:
    """The captures of `target_url`'s page among CDX rows, oldest first, each listed once;
    and how many rows were of other pages (or unreadable)."""
    found: dict[tuple[str, str, str], ArchivedCapture] = {}
    other = 0
    for row in rows:
        try:
            at = parse_cdx_timestamp(row.timestamp)
        except ValueError:
            other += 1
            continue
        if not same_page(row.original, target_url):
            other += 1
            continue
        if at not in span:
            continue
        key = (row.timestamp, row.original, row.digest)
        if key in found:
            continue  # the same index line from two of the archive's index shards
        found[key] = ArchivedCapture(
            captured_at=at,
            original_url=row.original,
            locator=memento_url(base_url, row.timestamp, row.original),
            digest=payload_digest(row.digest),
            status=int(row.statuscode) if row.statuscode.isdigit() else None,
            mime=row.mimetype.strip().lower() or None,
        )
    ordered = sorted(found.values(), key=lambda c: (c.captured_at, c.original_url))
    return tuple(ordered), other


def index_verdict(capture: ArchivedCapture) -> str | None:
    """Why the index alone shows a capture is not the article (a redirect, an error, another
    type), or None when only fetching it can tell."""
    status = capture.status
    if status is not None and 300 <= status < 400:
        return f"the archive captured a redirect (HTTP {status}), not the page"
    if status is not None and not 200 <= status < 300:
        return f"the archive captured an error (HTTP {status}), not the page"
    mime = capture.mime or ""
    if mime not in HTML_MIMES and mime not in UNKNOWN_MIMES:
        return f"the archive captured {mime}, not an HTML page"
    return None


# -- the client -------------------------------------------------------------------------------


class ArchiveFetcher(Protocol):
    """What the client needs of a fetcher: pages (`__call__`), data (`get_data`), `close`."""

    def __call__(self, url: str, *, validators: Validators | None = None) -> FetchResult:
        """GET a page."""
        ...

    def get_data(self, url: str) -> FetchResult:
        """GET data (JSON)."""
        ...

    def close(self) -> None:
        """Release the connections."""
        ...


class WaybackClient:
    """Lists and fetches a page's captures from a Wayback Machine, politely.

    At least `interval` seconds pass between the starts of two requests (retries inside the
    fetcher wait their own backoff); `clock` and `sleep` come in so tests need not wait.
    """

    def __init__(
        self,
        fetcher: ArchiveFetcher,
        *,
        base_url: str = DEFAULT_WAYBACK_URL,
        interval: float = DEFAULT_INTERVAL,
        page_size: int = CDX_PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ConfigError("the interval between requests must not be negative")
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.interval = interval
        self.page_size = page_size
        self._clock = clock
        self._sleep = sleep
        self._last_start: float | None = None

    def close(self) -> None:
        """Close the fetcher's connections."""
        self.fetcher.close()

    def __enter__(self) -> WaybackClient:
        """Use the client in a `with` block; its connections are closed at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connections."""
        self.close()

    @property
    def cdx_url(self) -> str:
        """The CDX search endpoint."""
        return f"{self.base_url}/cdx/search/cdx"

    def _pace(self) -> None:
        """Wait until `interval` has passed since the last request started."""
        now = self._clock()
        if self._last_start is not None:
            wait = self._last_start + self.interval - now
            if wait > 0:
                self._sleep(wait)
                now = self._clock()
        self._last_start = now

    def list_captures(
        self,
        target_url: str,
        *,
        span: TimeSpan,
        notify: Callable[[str], None] | None = None,
    ) -> Listing:
        """Every capture of `target_url`'s page in `span`, oldest first; `FetchError` when
        the CDX API cannot be reached or does not answer CDX JSON."""
        query = cdx_query(target_url)
        rows: list[CdxRow] = []
        resume_key: str | None = None
        seen_keys: set[str] = set()
        requests = 0
        while True:
            url = f"{self.cdx_url}?" + urlencode(
                query.params(span=span, limit=self.page_size, resume_key=resume_key)
            )
            self._pace()
            requests += 1
            try:
                result = self.fetcher.get_data(url)
            except FetchError as err:
                raise FetchError(
                    f"cannot list the captures of {redact_url(target_url)}: the CDX API at "
                    f"{self.cdx_url} "
                    f"could not be read; check --wayback-url and the network ({err})",
                    url=url,
                    status=err.status,
                    attempts=err.attempts,
                ) from err
            try:
                page = parse_cdx_json(result.text)
            except ValueError as err:
                raise FetchError(
                    f"the CDX API at {self.cdx_url} answered something that is not CDX JSON "
                    f"({err}); check --wayback-url",
                    url=url,
                    status=result.status,
                ) from err
            rows.extend(page.rows)
            if notify is not None:
                notify(f"CDX request {requests}: {len(page.rows)} rows")
            if not page.resume_key or page.resume_key in seen_keys:
                break
            if requests >= CDX_MAX_PAGES:
                raise FetchError(
                    f"the CDX API at {self.cdx_url} is still paging after {requests} requests "
                    f"of {self.page_size} rows; narrow the import with --from and --to",
                    url=url,
                )
            seen_keys.add(page.resume_key)
            resume_key = page.resume_key
        captures, other = captures_of(
            rows, target_url=target_url, base_url=self.base_url, span=span
        )
        return Listing(captures=captures, rows=len(rows), other_pages=other, requests=requests)

    def fetch_capture(self, capture: ArchivedCapture) -> FetchResult:
        """GET a capture's original bytes (its `id_` memento); `FetchError` on failure."""
        self._pace()
        return self.fetcher(capture.locator)


def open_client(
    settings: FetchSettings,
    *,
    base_url: str | None = None,
    interval: float = DEFAULT_INTERVAL,
    log: Callable[[str], None] | None = None,
) -> WaybackClient:
    """A client for the archive at `base_url` (else `NATO_WATCH_WAYBACK_URL`, else
    web.archive.org) with one `Fetcher` of these settings, given time for slow CDX answers."""
    patient = replace(
        settings,
        read_timeout=max(settings.read_timeout, CDX_READ_TIMEOUT),
        total_timeout=max(settings.total_timeout, CDX_TOTAL_TIMEOUT),
        check_timeout=max(settings.check_timeout, 2 * CDX_TOTAL_TIMEOUT),
    )
    return WaybackClient(
        Fetcher(patient, log=log), base_url=resolve_wayback_url(base_url), interval=interval
    )


# -- the import -------------------------------------------------------------------------------


def import_wayback(
    target: Target,
    *,
    archive: Archive,
    client: WaybackClient,
    span: TimeSpan | None = None,
    limit: int | None = None,
    lock_timeout: float = 60.0,
    notify: Callable[[str], None] | None = None,
    progress: ImportProgress | None = None,
    replay_progress: Progress | None = None,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
    now: datetime | None = None,
) -> ImportResult:
    """Add `target`'s past captures from the Wayback Machine to the archive, then rebuild its
    versions and reports in capture order; return what was done.

    At most `limit` captures are fetched (the rest are left for the next run). `notify`
    gets one-line news of the listing; `progress` each settled capture; the rebuilt reports
    count the `watch` terms (None: the default list) and name the counterpart of a target
    in one of the translated `pairs`. A capture dated before 1991 or later than the clock
    `now` plus a day is refused, counted, and neither fetched nor written.
    """
    now = now or utc_now()
    span = span or TimeSpan()
    if limit is not None and limit < 0:
        raise ConfigError("--limit must be 0 or more")
    listing = client.list_captures(target.url, span=span, notify=notify)
    if notify is not None:
        notify(
            f"{len(listing.captures)} captures of {redact_url(target.url)} listed "
            f"({counted(listing.other_pages, 'row')} of other pages left out)"
        )
    importer = Importer(archive, target, source=Source.WAYBACK, lock_timeout=lock_timeout)
    budget = _Budget(limit)
    tally = Tally(listed=len(listing.captures))
    for capture in listing.captures:
        settled = out_of_time(capture, now=now) or _settle(
            importer, client, target, capture, budget
        )
        tally.add(settled)
        if progress is not None:
            progress(tally.done, tally.listed, settled)
    rebuilt = importer.rebuild(progress=replay_progress, watch=watch, pairs=pairs, now=now)
    return tally.result(target.name, rebuilt, stopped=budget.stopped)


@dataclass
class _Budget:
    """The run's fetches: how many were made, at most `limit`, and why fetching stopped."""

    limit: int | None
    fetched: int = 0
    stopped: str | None = None  # the archive is rate-limiting us: nothing more is fetched


def _settle(
    importer: Importer,
    client: WaybackClient,
    target: Target,
    capture: ArchivedCapture,
    budget: _Budget,
) -> Settled:
    """What one listed capture is, fetching it only when nothing else tells: imported
    before, not the article by the index alone, a payload already known, left for the next
    run (over the limit, or the archive is rate-limiting), or fetched and read."""
    settled = importer.settle_without_body(capture, index_verdict(capture))
    if settled is not None:
        return settled
    if budget.stopped or (budget.limit is not None and budget.fetched >= budget.limit):
        return Settled(capture, Outcome.LEFT, budget.stopped)
    budget.fetched += 1
    settled, rate_limited = _fetch_and_add(importer, client, target, capture)
    if rate_limited:
        budget.stopped = "the archive is rate-limiting this client (HTTP 429); run again later"
    return settled


def _fetch_and_add(
    importer: Importer, client: WaybackClient, target: Target, capture: ArchivedCapture
) -> tuple[Settled, bool]:
    """Fetch one capture and record what it is; and whether the archive is rate-limiting."""
    try:
        result = client.fetch_capture(capture)
    except BlockedError as err:
        if err.status is not None and 200 <= err.status < 300:
            # The archive served, as captured, a bot check or challenge page.
            payload = (err.body_sha256, err.body_size or 0) if err.body_sha256 else None
            reason = "the archived copy is a bot check or challenge page, not the page"
            return importer.reject(capture, reason, payload=payload, fetched=True), False
        return Settled(capture, Outcome.FAILED, _failure(err), fetched=True), err.status == 429
    except FetchError as err:
        return Settled(capture, Outcome.FAILED, _failure(err), fetched=True), False
    landed = parse_memento_url(result.final_url)
    wanted = parse_memento_url(capture.locator)
    if landed is None or wanted is None or landed[0] != wanted[0]:
        reason = f"the archive served {result.final_url} instead of this capture"
        return importer.reject(capture, reason, fetched=True), False
    if not same_page(landed[1], target.url):
        reason = f"the archive redirected to another page: {landed[1]}"
        return importer.reject(capture, reason, fetched=True), False
    body = CaptureBody(
        body=result.body,
        content_type=result.content_type,
        http_status=result.status,
        locator=result.final_url,
        attempts=result.attempts,
        duration_ms=result.duration_ms,
        notes=result.notes,
    )
    return importer.add(capture, body), False


def _failure(err: FetchError) -> str:
    """Why a capture could not be fetched, in the archive's terms (the fetcher's advice is
    about watching a live page)."""
    if err.status is not None:
        tries = f" after {err.attempts} tries" if err.attempts > 1 else ""
        return f"the archive answered HTTP {err.status}{tries}; the next run tries again"
    return f"{err}; the next run tries again"
