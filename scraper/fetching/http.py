"""Fetching pages over HTTP: the only module that imports requests.

A `Fetcher` is built once per run. It owns one `requests.Session` (honest User-Agent,
gzip/deflate, connection reuse) and a robots.txt cache, and calling it GETs one URL:

- redirects are followed by hand, so every hop is checked against robots.txt, counted against
  `max_redirects`, and recorded (`FetchResult.redirects`); a hop to another host is noted;
- connection errors, timeouts, cut-off bodies, 429 and 5xx are retried with exponential
  backoff and jitter, honouring Retry-After, up to `retries` tries per check;
- the body is streamed and capped at `max_bytes`, must be HTML, must arrive whole, and is
  decoded with the charset from the header, then the page's own `<meta>`, then detection;
- a bot check, a 403 and a 429 that outlasts the retries raise `BlockedError`; every other
  failure raises `FetchError` with a one-line message that says what happened and what to do.

The retry loop (`RetryPolicy`), the robots.txt policy (`RobotsPolicy`, which reads through a
caller's `RobotsReader`) and the wording of failures (`TryFailure`, `error_for`,
`failure_for_status`, `failure_for_connection`) are plain Python and serve
`browser.BrowserFetcher` too, so both fetchers retry, obey robots.txt and explain themselves
alike.

`Fetcher.get_data` GETs data (the Wayback Machine's CDX JSON) with the same politeness and
retries, without the page guards. `decode_body` is public and pure so that replay and imports
decode stored bodies exactly as a live check did. `post_json` sends a notification webhook's
POST (for `run`), so that requests stays in this one module.
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import hashlib
import json
import random
import re
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, NoReturn, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import requests.compat
import urllib3.exceptions

from scraper.core.records import Header, HttpExchange
from scraper.errors import BlockedError, FetchError
from scraper.fetching.settings import DEFAULT_USER_AGENT, FetchSettings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# What `Fetcher.get_data` asks for: JSON first (the CDX API's output=json), then plain text.
DATA_ACCEPT = "application/json, text/plain;q=0.9, */*;q=0.1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# 501 and 505 say the server will never do this; retrying cannot help.
NOT_RETRIED_5XX = frozenset({501, 505})
CHUNK_SIZE = 64 * 1024
# RFC 9309: crawlers must parse at least 500 KiB of robots.txt and may cache it up to 24 h.
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_SECONDS = 24 * 3600
# An unreadable robots.txt is taken as "allow"; ask again sooner so a rule is not missed long.
ROBOTS_RETRY_SECONDS = 3600
ROBOTS_MAX_REDIRECTS = 5
# The HTML spec's prescan looks at 1024 bytes; real pages sometimes put a long <head> first.
META_SCAN_BYTES = 8192

META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9._:\-]+)""", re.I)
TITLE = re.compile(rb"<title[^>]*>\s*([^<]{0,200}?)\s*</title", re.I)
# Markers of bot checks and JS challenges (Cloudflare, Akamai, generic WAFs), looked for in
# 403/429/503 bodies.
BOT_CHECK_MARKERS = re.compile(
    rb"just a moment\.\.\.|attention required!|access denied|cf-chl|_cf_chl_opt|cf_chl_"
    rb"|/cdn-cgi/challenge-platform/h/|checking your browser|enable javascript and cookies"
    rb"|ddos protection by|captcha",
    re.I,
)
# In a 2xx body only unmistakable challenge pages count: ordinary pages behind Cloudflare load
# scripts from /cdn-cgi/challenge-platform/ too, and an article may well say "access denied".
BOT_CHECK_TITLES = frozenset(
    {b"just a moment...", b"attention required! | cloudflare", b"access denied", b"captcha"}
)
BOT_CHECK_2XX_MARKERS = re.compile(rb"_cf_chl_opt|cf-chl-widget|cf_chl_jschl", re.I)
# WHATWG: tags that make a body without a Content-Type HTML (mime sniffing, "text/html").
SNIFF_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
    b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--",
)  # fmt: skip
# The charset detector requests itself uses (charset_normalizer or chardet), if any.
DETECTOR = getattr(requests.compat, "chardet", None)
# WHATWG encoding labels that browsers read as another, wider encoding: a page declaring
# ISO-8859-1 with curly quotes in 0x80-0x9F means windows-1252.
BROWSER_CODECS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Validators:
    """Cache validators from the latest snapshot, sent as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


class CharsetSource(StrEnum):
    """Where the charset used to decode a body came from, most authoritative first."""

    BOM = "bom"
    HEADER = "header"
    META = "meta"
    UTF8 = "utf-8"  # no declaration, and the bytes are valid UTF-8
    DETECTED = "detected"
    DEFAULT = "default"


@dataclass(frozen=True)
class DecodedBody:
    """A body decoded to text, with the codec used and where it came from."""

    text: str
    encoding: str
    source: CharsetSource
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: a 2xx HTML body, or a 304 (`not_modified`, empty body).

    `redirects` lists every URL that answered with a redirect, in order (the URL asked
    first); `final_url` is the one that answered. `attempts` counts tries of this check.
    """

    url: str
    final_url: str
    status: int
    body: bytes
    text: str
    headers: dict[str, str]
    fetched_at: datetime
    duration_ms: int
    attempts: int = 1
    redirects: tuple[str, ...] = ()
    content_type: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    notes: tuple[str, ...] = field(default=())
    charset_source: CharsetSource | None = None
    # The request and response heads as sent and received (repeated headers kept), for the
    # raw snapshot's sidecar and WARC export; None where there are none (a browser's DOM).
    exchange: HttpExchange | None = None

    @property
    def body_sha256(self) -> str:
        """The sha256 of the body as received (decompressed), lowercase hex."""
        return hashlib.sha256(self.body).hexdigest()

    @property
    def redirect_hosts(self) -> tuple[str, ...]:
        """Every host the redirect chain passed through, the final one included, in order."""
        hosts: list[str] = []
        for url in (*self.redirects, self.final_url):
            host = urlsplit(url).netloc
            if host not in hosts:
                hosts.append(host)
        return tuple(hosts)


class FetchFunction(Protocol):
    """What the pipeline calls to fetch: a `Fetcher`, or anything with its call signature."""

    def __call__(self, url: str, *, validators: Validators | None = None) -> FetchResult:
        """GET `url`; return a `FetchResult` or raise `FetchError`."""
        ...


# -- pieces shared with the browser fetcher (plain Python: no requests in them) -----------


def require_http_url(url: str) -> None:
    """Raise `FetchError` (no try made) unless `url` is an http:// or https:// URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(
            f"cannot fetch {url!r}: only http:// and https:// URLs with a host are supported",
            url=url,
            attempts=0,
        )


@dataclass(frozen=True)
class TryFailure:
    """What went wrong in one try of a fetch; becomes the `FetchError` if it is the last."""

    outcome: str  # short, for the per-try log line
    summary: str  # follows "GET <url> " (or "GET <url> in Chromium ") in the message
    advice: str = ""
    retryable: bool = False
    blocked: bool = False
    status: int | None = None
    final_url: str | None = None
    body_size: int | None = None
    body_sha256: str | None = None
    retry_after: float | None = None
    message: str | None = None  # a whole message that does not start with "GET <url>"
    tried: bool = True  # False when refused before any request for the page was sent

    def with_body(self, body: bytes) -> TryFailure:
        """This failure with the size and sha256 of `body`, the bytes that did arrive."""
        return replace(self, body_size=len(body), body_sha256=hashlib.sha256(body).hexdigest())


class TryFailed(Exception):
    """Carries a `TryFailure` out of one try to the retry loop (never out of a fetcher)."""

    def __init__(self, failure: TryFailure) -> None:
        super().__init__(failure.summary)
        self.failure = failure


def error_for(url: str, failure: TryFailure, attempts: int, *, via: str = "") -> FetchError:
    """The `FetchError` (a `BlockedError` if `failure.blocked`) that the last failed try raises.

    The message reads "GET <url> <via> <summary> (N tries); <advice>", or is the failure's own
    `message`; `via` says how the page was fetched ("in Chromium"), empty for plain HTTP. A
    failure refused before its request was sent (`tried=False`) is not counted as a try.
    """
    if failure.message is not None:
        message = failure.message
    else:
        how = f" {via}" if via else ""
        tries = f" ({attempts} tries)" if attempts > 1 else ""
        advice = f"; {failure.advice}" if failure.advice else ""
        message = f"GET {url}{how} {failure.summary}{tries}{advice}"
    cls = BlockedError if failure.blocked else FetchError
    if not failure.tried:
        attempts -= 1
    return cls(
        " ".join(message.split()),
        url=url,
        status=failure.status,
        attempts=attempts,
        final_url=failure.final_url,
        body_size=failure.body_size,
        body_sha256=failure.body_sha256,
    )


def failure_for_status(
    base: TryFailure, status: int, reason: str, retry_after: str | None
) -> TryFailure:
    """What a non-2xx, non-redirect, non-304 answer that is not a bot check means.

    `reason` is the status line's text ("Not Found", may be empty) and `retry_after` the raw
    Retry-After header; 429 and most 5xx are retried, 403 and 429 count as blocked.
    """
    status_text = f"HTTP {status} {reason}".rstrip()
    if status == 403:
        return replace(
            base,
            summary="returned HTTP 403: the site refused this client",
            advice="set another User-Agent with --user-agent or check less often",
            blocked=True,
        )
    if status == 429:
        return replace(
            base,
            summary="returned HTTP 429 Too Many Requests: the site is rate-limiting this client",
            advice="check less often (the scheduler's --every), or raise backoff in the [fetch] "
            "config",
            retryable=True,
            blocked=True,
            retry_after=parse_retry_after(retry_after),
        )
    if 500 <= status < 600:
        return replace(
            base,
            summary=f"returned {status_text}",
            advice="the site is having trouble; the next check will try again",
            retryable=status not in NOT_RETRIED_5XX,
            retry_after=parse_retry_after(retry_after),
        )
    if status in (404, 410):
        return replace(
            base,
            summary=f"returned {status_text}: the page is not there",
            advice="it may have moved (nato.int changed its URLs in 2025); open the URL in a "
            "browser and update the target's url",
        )
    if status in (401, 407):
        return replace(
            base,
            summary=f"returned {status_text}: the site (or a proxy) asks for a login",
            advice="nato-watch does not log in; check the URL and any proxy settings",
        )
    return replace(
        base,
        summary=f"returned {status_text}",
        advice="open the URL in a browser to see what the site says",
    )


def require_html(base: TryFailure, mime: str | None) -> None:
    """Raise `TryFailed` if the declared media type `mime` (None: none declared) is not HTML."""
    if mime is not None and mime not in HTML_TYPES:
        raise TryFailed(
            replace(
                base,
                outcome=f"HTTP {base.status} {mime}",
                summary=f"returned {mime}, not an HTML page",
                advice="check that the target's URL is the page itself, not a download",
            )
        )


class ConnectionTrouble(StrEnum):
    """Why a request got no answer at all; the value is the per-try log's outcome."""

    DNS = "DNS failure"
    REFUSED = "connection refused"
    CONNECT_TIMEOUT = "connect timeout"
    TLS = "TLS error"


def failure_for_connection(trouble: ConnectionTrouble, url: str, detail: str = "") -> TryFailure:
    """The failure of a request to `url` that got no answer, worded alike for every fetcher.

    `detail` says more where there is more to say: the TLS error, or how long a connection
    was waited for ("after 10 s").
    """
    host = urlsplit(url).netloc
    if trouble is ConnectionTrouble.DNS:
        return TryFailure(
            outcome=trouble.value,
            summary=f"failed: could not resolve the host name {urlsplit(url).hostname}",
            advice="no network, or DNS is not working? Check the connection and the URL's "
            "host name",
            retryable=True,
        )
    if trouble is ConnectionTrouble.REFUSED:
        return TryFailure(
            outcome=trouble.value,
            summary=f"failed: {host} refused the connection",
            advice="the site (or the network path to it) is down; the next check will try again",
            retryable=True,
        )
    if trouble is ConnectionTrouble.CONNECT_TIMEOUT:
        return TryFailure(
            outcome=trouble.value,
            summary=f"failed: connecting to {host} timed out{f' {detail}' if detail else ''}",
            advice="no network, or the site is unreachable; the next check will try again",
            retryable=True,
        )
    return TryFailure(
        outcome=trouble.value,
        summary=f"failed: the TLS (https) connection to {host} could not be verified ({detail})",
        advice="check the system clock and CA certificates, and whether a proxy intercepts https",
    )


class RetryPolicy:
    """How a fetcher tries again: up to `settings.retries` tries of a URL, waiting between them
    what Retry-After asks or exponential backoff with equal jitter, never over `max_backoff`.

    `stop`, when given, cuts a wait short (the scheduler sets it on shutdown); `rng` makes the
    jitter repeatable in tests.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        log: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._log = log or (lambda _line: None)
        self._stop = stop
        self._random = rng or random.Random()

    def run(
        self,
        url: str,
        attempt_once: Callable[[int], FetchResult],
        *,
        describe: Callable[[FetchResult], str],
        label: str = "GET",
        via: str = "",
        give_up: Callable[[], bool] | None = None,
    ) -> FetchResult:
        """Call `attempt_once(attempt)` until it returns, or raise the last try's `FetchError`.

        A try fails by raising `TryFailed`; it is tried again while it is retryable, tries are
        left, `give_up()` (if given) is false and `stop` is not set. Each try is logged as
        "attempt N/T: <label> <url> -> ...", a success with `describe(result)`; `via` goes
        into the error message (see `error_for`). Any other exception passes straight out.
        """
        tries = self.settings.retries
        started = time.monotonic()
        for attempt in range(1, tries + 1):
            prefix = f"attempt {attempt}/{tries}: {label} {url}"
            try:
                result = attempt_once(attempt)
            except TryFailed as failed:
                failure = failed.failure
                if not failure.retryable or attempt == tries or (give_up and give_up()):
                    self._log(f"{prefix} -> {failure.outcome}; giving up")
                    raise error_for(url, failure, attempt, via=via) from failed.__cause__
                wait = self.wait_seconds(attempt, failure.retry_after)
                self._log(f"{prefix} -> {failure.outcome}; retrying in {wait:.1f} s")
                if self.pause(wait):
                    self._log(f"{prefix}: stopped while waiting to retry")
                    raise error_for(url, failure, attempt, via=via) from failed.__cause__
                continue
            self._log(f"{prefix} -> {describe(result)}")
            return replace(
                result, attempts=attempt, duration_ms=int((time.monotonic() - started) * 1000)
            )
        raise AssertionError("unreachable: the last try returns or raises")

    def wait_seconds(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number `attempt` (from 1): Retry-After if the site
        said (`retry_after`, in seconds), else exponential backoff with jitter; never more
        than `max_backoff`."""
        s = self.settings
        if retry_after is not None:
            return min(s.max_backoff, max(0.0, retry_after))
        ceiling = min(s.max_backoff, s.backoff * 2.0 ** (attempt - 1))
        # "Equal jitter": at least half the backoff, so waits still grow, but watchers started
        # together by cron do not hit the site in lockstep.
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def pause(self, seconds: float) -> bool:
        """Sleep `seconds`; True if `stop` was set meanwhile (then the wait ends at once)."""
        if self._stop is None:
            time.sleep(seconds)
            return False
        return self._stop.wait(seconds)


@dataclass(frozen=True)
class RobotsReply:
    """What an origin answered when asked for its robots.txt: the status, and for a 2xx the
    body (a reader may stop at `ROBOTS_MAX_BYTES`; more is never parsed)."""

    status: int
    body: bytes = b""


class RobotsUnreadable(Exception):
    """Raised by a robots.txt reader that got no answer at all; its text says why, briefly."""


# Reads one robots.txt: its URL in, the answer out, `RobotsUnreadable` if there was none.
# `Fetcher` reads through its requests session, `BrowserFetcher` through Playwright.
RobotsReader = Callable[[str], RobotsReply]


@dataclass(frozen=True)
class _Robots:
    """One origin's robots.txt as a `RobotsPolicy` last read it."""

    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything
    read_at: float
    note: str | None = None  # set when robots.txt could not be read

    def fresh(self, now: float) -> bool:
        """Whether this reading may still be used (RFC 9309 allows caching up to 24 h)."""
        ttl = ROBOTS_RETRY_SECONDS if self.note else ROBOTS_TTL_SECONDS
        return now - self.read_at < ttl

    def allows(self, user_agent: str, url: str) -> bool:
        """Whether these rules let `user_agent` fetch `url`."""
        return self.parser is None or self.parser.can_fetch(user_agent, url)


class RobotsPolicy:
    """robots.txt for one fetcher: each origin's file read once, kept 24 h (1 h when it could
    not be read), and every URL checked against it for the configured User-Agent.

    How a robots.txt is fetched is the caller's: `check` takes a `RobotsReader`. A 2xx gives
    the rules; a 4xx allows everything (RFC 9309); a 5xx or no answer allows, with a note, so
    the watcher does not stop for it. `name_agent` puts the User-Agent into the "disallowed"
    message; `clock` (monotonic seconds) is for tests.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        log: Callable[[str], None] | None = None,
        name_agent: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._log = log or (lambda _line: None)
        self._name_agent = name_agent
        self._clock = clock
        self._cache: dict[str, _Robots] = {}

    def check(self, url: str, read: RobotsReader, notes: list[str], *, first_hop: bool) -> None:
        """Raise `TryFailed` if robots.txt of `url`'s origin disallows it for our agent.

        The file is read with `read` unless a fresh reading is cached; a note about an
        unreadable file is added to `notes` once. `first_hop` says that `url` is the one asked
        for, so a refusal there means no request was sent (the try does not count).
        """
        if not self.settings.respect_robots:
            return
        robots = self._robots_for(url, read)
        if robots.note and robots.note not in notes:
            notes.append(robots.note)
        if robots.allows(self.settings.user_agent, url):
            return
        raise TryFailed(replace(self.failure(url), tried=not first_hop))

    def verdict(self, url: str) -> bool | None:
        """Whether robots.txt allows `url`, from what was read already (None: not read yet)."""
        if not self.settings.respect_robots:
            return True
        cached = self._cache.get(_origin(url))
        if cached is None:
            return None
        return cached.allows(self.settings.user_agent, url)

    def failure(self, url: str) -> TryFailure:
        """The failure of a URL that robots.txt disallows."""
        host = urlsplit(url).netloc
        agent = f" ({self.settings.user_agent})" if self._name_agent else ""
        return TryFailure(
            outcome="disallowed by robots.txt",
            summary="",
            final_url=url,
            message=f"robots.txt of {host} disallows {url} for this User-Agent{agent}; set "
            "respect_robots = false in the [fetch] config only if you have permission",
        )

    def _robots_for(self, url: str, read: RobotsReader) -> _Robots:
        """The robots.txt of `url`'s origin, read once per origin (again after 24 h, or after
        1 h if it could not be read)."""
        origin = _origin(url)
        cached = self._cache.get(origin)
        if cached is not None and cached.fresh(self._clock()):
            return cached
        robots = self._read(origin, read)
        self._cache[origin] = robots
        return robots

    def _read(self, origin: str, read: RobotsReader) -> _Robots:
        """Read `<origin>/robots.txt` once and say what it allows."""
        robots_url = f"{origin}/robots.txt"
        host = urlsplit(origin).netloc
        now = self._clock()
        try:
            reply = read(robots_url)
        except RobotsUnreadable as err:
            note = f"robots.txt of {host} could not be read ({err}); proceeding as if allowed"
            self._log(note)
            return _Robots(parser=None, read_at=now, note=note)
        status = reply.status
        if 200 <= status < 300:
            data = reply.body[:ROBOTS_MAX_BYTES]
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(data.decode("utf-8", errors="replace").splitlines())
            # can_fetch answers False until the parser believes it has read the file.
            parser.modified()
            self._log(f"robots.txt of {host}: HTTP {status}, {len(data)} bytes")
            return _Robots(parser=parser, read_at=now)
        if 400 <= status < 500:
            self._log(f"robots.txt of {host}: HTTP {status}, no rules")
            return _Robots(parser=None, read_at=now)
        note = f"robots.txt of {host} answered HTTP {status}; proceeding as if allowed"
        self._log(note)
        return _Robots(parser=None, read_at=now, note=note)


class Fetcher:
    """GETs pages with one session, retries, redirects, robots.txt and body guards.

    Build one per run: `with Fetcher(settings, log=print) as fetcher: fetcher(url)`.
    `stop`, when given, cuts a backoff wait short (the scheduler sets it on shutdown).
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        log: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._log = log or (lambda _line: None)
        self._retry = RetryPolicy(self.settings, log=self._log, stop=stop)
        self._robots = RobotsPolicy(self.settings, log=self._log)
        self._session = requests.Session()
        self._session.headers.update(
            {
                "User-Agent": self.settings.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                "Accept-Encoding": "gzip, deflate",
                "Accept-Language": "en",
            }
        )
        # Only robots.txt uses requests' own redirect handling; page redirects are manual.
        self._session.max_redirects = ROBOTS_MAX_REDIRECTS

    def __enter__(self) -> Fetcher:
        """Use the fetcher in a `with` block; the session is closed at its end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session."""
        self.close()

    def close(self) -> None:
        """Close the session and its pooled connections."""
        self._session.close()

    def __call__(self, url: str, *, validators: Validators | None = None) -> FetchResult:
        """GET `url` with retries; return the page or a 304, else raise `FetchError`."""
        return self._fetch(url, validators, page=True)

    def get_data(self, url: str) -> FetchResult:
        """GET `url` for data (JSON, plain text), not for a page; raise `FetchError` on failure.

        The same session, robots.txt, redirects, retries, backoff, Retry-After, size cap and
        failure messages as a page, but any 2xx body is taken as it comes: any content type, an
        empty body too, no bot-check sniffing; `text` is the body decoded with the header's
        charset, else UTF-8. Used for the Wayback Machine's CDX API.
        """
        return self._fetch(url, None, page=False)

    def _fetch(self, url: str, validators: Validators | None, *, page: bool) -> FetchResult:
        """GET `url` with retries: a page (`page`, all the page guards) or data."""
        require_http_url(url)
        return self._retry.run(
            url, lambda _attempt: self._try(url, validators, page=page), describe=_http_outcome
        )

    # -- one try -----------------------------------------------------------------------------

    def _try(self, url: str, validators: Validators | None, *, page: bool = True) -> FetchResult:
        """One GET of `url`, following redirects by hand; raises `TryFailed`."""
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        headers: dict[str, str] = {} if page else {"Accept": DATA_ACCEPT}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        current = url
        redirects: list[str] = []
        notes: list[str] = []
        while True:
            self._robots.check(current, self._get_robots, notes, first_hop=not redirects)
            response = self._get(current, headers)
            with contextlib.closing(response):
                if response.status_code not in REDIRECT_STATUSES:
                    finish = self._finish if page else self._finish_data
                    return finish(
                        url=url,
                        final_url=current,
                        response=response,
                        redirects=tuple(redirects),
                        notes=notes,
                        sent=headers,
                        fetched_at=fetched_at,
                        started=started,
                    )
                current = self._follow(url, current, response, redirects, notes)

    def _follow(
        self,
        url: str,
        current: str,
        response: requests.Response,
        redirects: list[str],
        notes: list[str],
    ) -> str:
        """The next URL of a redirect chain; records the hop or raises `TryFailed`."""
        status = response.status_code
        location = response.headers.get("Location", "").strip()
        if not location:
            raise TryFailed(
                TryFailure(
                    outcome=f"HTTP {status} without Location",
                    summary=f"was redirected (HTTP {status} from {current}) to nowhere: "
                    "the response has no Location header",
                    advice="the site is misconfigured; try again later",
                    retryable=True,
                    status=status,
                    final_url=current,
                )
            )
        target = urljoin(current, location)
        if urlsplit(target).scheme not in ("http", "https"):
            raise TryFailed(
                TryFailure(
                    outcome=f"HTTP {status} to {target}",
                    summary=f"was redirected to {target}, which is not an http(s) URL",
                    advice="check the URL in a browser",
                    status=status,
                    final_url=current,
                )
            )
        redirects.append(current)
        if target in redirects:
            chain = " -> ".join([*redirects, target])
            raise TryFailed(
                TryFailure(
                    outcome="redirect loop",
                    summary=f"was redirected in a loop: {chain}",
                    advice="the site is misconfigured; check the URL in a browser",
                    status=status,
                    final_url=current,
                )
            )
        if len(redirects) > self.settings.max_redirects:
            raise TryFailed(
                TryFailure(
                    outcome=f"more than {self.settings.max_redirects} redirects",
                    summary=f"was redirected more than {self.settings.max_redirects} times "
                    f"(the last to {target})",
                    advice="raise max_redirects in the [fetch] config if the chain is "
                    "legitimate, or watch the URL it ends at",
                    status=status,
                    final_url=current,
                )
            )
        old, new = urlsplit(current), urlsplit(target)
        if old.netloc != new.netloc:
            notes.append(f"redirected from host {old.netloc} to host {new.netloc} ({target})")
        if old.scheme == "https" and new.scheme == "http":
            notes.append(f"redirected from https to plain http ({target})")
        return target

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        """Send one GET (no redirects, body streamed); raises `TryFailed` on errors."""
        try:
            return self._session.get(
                url,
                headers=headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as err:
            raise TryFailed(self._network_failure(err, url, during_body=False)) from err

    def _finish(
        self,
        *,
        url: str,
        final_url: str,
        response: requests.Response,
        redirects: tuple[str, ...],
        notes: list[str],
        sent: dict[str, str],
        fetched_at: datetime,
        started: float,
    ) -> FetchResult:
        """Turn the last response of a chain into a result, or raise `TryFailed`."""
        status = response.status_code
        header_type = response.headers.get("Content-Type")
        mime, _charset = parse_content_type(header_type)
        base = TryFailure(outcome=f"HTTP {status}", summary="", status=status, final_url=final_url)

        if status == 304:
            if not sent:
                raise TryFailed(
                    replace(
                        base,
                        summary="answered HTTP 304 Not Modified to a request that was "
                        "not conditional",
                        advice="the site or a proxy is misbehaving; try again later",
                        retryable=True,
                    )
                )
            return FetchResult(
                url=url,
                final_url=final_url,
                status=status,
                body=b"",
                text="",
                headers=dict(response.headers),
                fetched_at=fetched_at,
                duration_ms=0,
                redirects=redirects,
                content_type=header_type,
                # A 304 need not repeat the validators; keep the ones that matched.
                etag=response.headers.get("ETag") or sent.get("If-None-Match"),
                last_modified=response.headers.get("Last-Modified")
                or sent.get("If-Modified-Since"),
                not_modified=True,
                notes=tuple(notes),
            )

        if not 200 <= status < 300:
            self._fail_status(response, base, started)

        if status == 206:
            raise TryFailed(
                replace(
                    base,
                    summary="answered HTTP 206 Partial Content to a request for the whole page",
                    advice="a proxy or the site is misbehaving; try again later",
                    retryable=True,
                )
            )
        # Refuse a declared non-HTML type before downloading it: a PDF can be large.
        require_html(base, mime)
        self._check_declared_size(response, base)
        body = self._read_body(response, base, started)
        with_body = base.with_body(body)
        if not body:
            raise TryFailed(
                replace(
                    with_body,
                    outcome=f"HTTP {status}, empty body",
                    summary=f"returned HTTP {status} with an empty body",
                    advice="the site may be in trouble; the next check will try again",
                    retryable=True,
                )
            )
        if mime is None and not looks_like_html(body):
            raise TryFailed(
                replace(
                    with_body,
                    outcome=f"HTTP {status}, no Content-Type, not HTML",
                    summary="returned a body without a Content-Type that does not look like HTML",
                    advice="check that the target's URL is the page itself",
                )
            )
        if is_bot_check(status, body):
            raise TryFailed(self._bot_failure(with_body, body))
        decoded = decode_body(body, content_type=header_type)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            text=decoded.text,
            headers=dict(response.headers),
            fetched_at=fetched_at,
            duration_ms=0,
            redirects=redirects,
            content_type=header_type,
            encoding=decoded.encoding,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            notes=(*notes, *decoded.notes),
            charset_source=decoded.source,
            exchange=exchange_of(response),
        )

    def _finish_data(
        self,
        *,
        url: str,
        final_url: str,
        response: requests.Response,
        redirects: tuple[str, ...],
        notes: list[str],
        sent: dict[str, str],
        fetched_at: datetime,
        started: float,
    ) -> FetchResult:
        """Turn the last response of a data request into a result, or raise `TryFailed`."""
        status = response.status_code
        header_type = response.headers.get("Content-Type")
        base = TryFailure(outcome=f"HTTP {status}", summary="", status=status, final_url=final_url)
        if not 200 <= status < 300:
            self._fail_status(response, base, started)
        self._check_declared_size(response, base)
        body = self._read_body(response, base, started)
        _mime, charset = parse_content_type(header_type)
        codec = (codec_for(charset) if charset else None) or "utf-8"
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            text=body.decode(codec, errors="replace"),
            headers=dict(response.headers),
            fetched_at=fetched_at,
            duration_ms=0,
            redirects=redirects,
            content_type=header_type,
            encoding=codec,
            notes=tuple(notes),
        )

    def _fail_status(
        self, response: requests.Response, base: TryFailure, started: float
    ) -> NoReturn:
        """Raise the `TryFailed` a non-2xx, non-redirect, non-304 status deserves."""
        status = response.status_code
        reason = response.reason or ""
        body: bytes | None
        try:
            body = self._read_body(response, base, started)
        except TryFailed:
            # A broken error page must not hide the status it came with.
            body = None
        failure = base.with_body(body) if body else base
        if body and is_bot_check(status, body):
            raise TryFailed(self._bot_failure(failure, body))
        retry_after = response.headers.get("Retry-After")
        raise TryFailed(failure_for_status(failure, status, reason, retry_after))

    def _bot_failure(self, failure: TryFailure, body: bytes) -> TryFailure:
        """The failure of a bot check / JS challenge page."""
        title = page_title(body)
        what = f' ("{title}")' if title else ""
        return replace(
            failure,
            outcome=f"HTTP {failure.status} bot check",
            summary=f"returned HTTP {failure.status}: the site served a bot check{what} "
            "instead of the page",
            advice="try again later and check less often; if it persists, the page needs a "
            "browser (or set another User-Agent with --user-agent)",
            retryable=False,
            blocked=True,
            retry_after=None,
        )

    def _check_declared_size(self, response: requests.Response, base: TryFailure) -> None:
        """Refuse a body whose Content-Length already says it is over the cap."""
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > self.settings.max_bytes:
            raise TryFailed(self._too_large(base, f"{int(declared)} bytes declared"))

    def _too_large(self, base: TryFailure, seen: str) -> TryFailure:
        cap = self.settings.max_bytes
        return replace(
            base,
            outcome=f"body over {cap} bytes",
            summary=f"returned a body larger than the cap of {_size(cap)} "
            f"(max_bytes = {cap}; {seen})",
            advice="this is not the article page; if it really is, raise max_bytes in the "
            "[fetch] config",
        )

    def _read_body(self, response: requests.Response, base: TryFailure, started: float) -> bytes:
        """Stream the (decompressed) body, enforcing the size cap, the try's time budget and
        completeness; raises `TryFailed` with the size and sha256 of what did arrive."""
        cap = self.settings.max_bytes
        chunks: list[bytes] = []
        total = 0

        def partial(failure: TryFailure) -> TryFailure:
            data = b"".join(chunks)
            return replace(
                failure,
                body_size=len(data) if data else None,
                body_sha256=hashlib.sha256(data).hexdigest() if data else None,
            )

        def cut_short(seen: str) -> TryFailure:
            return partial(
                replace(
                    base,
                    outcome="body cut short",
                    summary=f"returned a body cut short ({seen})",
                    advice="the connection broke; the next check will try again",
                    retryable=True,
                )
            )

        declared = response.headers.get("Content-Length", "").strip()
        encoded = response.headers.get("Content-Encoding", "").strip().lower()
        # Only an unencoded body can be compared with Content-Length (which counts wire bytes).
        expected = int(declared) if declared.isdigit() and encoded in ("", "identity") else None
        try:
            for chunk in _body_chunks(response):
                chunks.append(chunk)
                total += len(chunk)
                if total > cap:
                    raise TryFailed(partial(self._too_large(base, f"stopped after {total}")))
                if time.monotonic() - started > self.settings.total_timeout:
                    raise TryFailed(
                        partial(
                            replace(
                                base,
                                outcome="too slow",
                                summary=f"took longer than {self.settings.total_timeout:g} s "
                                f"(total_timeout) to send the page; {total} bytes arrived",
                                advice="the site may be slow or unreachable; raise "
                                "total_timeout in the [fetch] config if it is just slow",
                                retryable=True,
                            )
                        )
                    )
        except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError) as err:
            if expected is not None:
                raise TryFailed(cut_short(f"{total} of {expected} bytes arrived")) from err
            raise TryFailed(cut_short(f"the stream broke after {total} bytes")) from err
        except (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError) as err:
            failure = replace(
                base,
                outcome="undecodable body",
                summary=f"returned a {encoded or '?'}-compressed body that could not be "
                f"decompressed ({total} bytes decoded)",
                advice="the body was damaged on the way; the next check will try again",
                retryable=True,
            )
            raise TryFailed(partial(failure)) from err
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
            failure = self._network_failure(err, response.url, during_body=True)
            raise TryFailed(
                partial(replace(failure, status=base.status, final_url=base.final_url))
            ) from err
        # urllib3 1.x does not enforce Content-Length by default: check it here as well.
        if expected is not None and total < expected:
            raise TryFailed(cut_short(f"{total} of {expected} bytes arrived"))
        return b"".join(chunks)

    def _network_failure(self, err: BaseException, url: str, *, during_body: bool) -> TryFailure:
        """Describe a requests/urllib3 exception as a failure the user can act on."""
        host = urlsplit(url).netloc
        causes = list(_causes(err))
        s = self.settings
        # requests raises ConnectTimeout only for a real connect timeout: urllib3's
        # NewConnectionError (a refused connection) subclasses ConnectTimeoutError.
        if isinstance(err, requests.exceptions.ConnectTimeout):
            return failure_for_connection(
                ConnectionTrouble.CONNECT_TIMEOUT, url, f"after {s.connect_timeout:g} s"
            )
        if isinstance(err, requests.exceptions.ReadTimeout) or any(
            isinstance(c, urllib3.exceptions.ReadTimeoutError | TimeoutError) for c in causes
        ):
            where = "in the middle of the body" if during_body else "waiting for a response"
            return TryFailure(
                outcome="read timeout",
                summary=f"timed out after {s.read_timeout:g} s {where}",
                advice="the site may be slow or unreachable; raise read_timeout in the [fetch] "
                "config if it is just slow",
                retryable=True,
            )
        if isinstance(err, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
            return failure_for_connection(ConnectionTrouble.TLS, url, _first_line(err))
        if isinstance(err, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
            return TryFailure(
                outcome="invalid URL",
                summary=f"failed: the URL is not valid ({_first_line(err)})",
                advice="fix the target's url",
            )
        # socket.gaierror: what urllib3 1.x wraps, and the cause of 2.x's NameResolutionError.
        if any(isinstance(c, socket.gaierror) for c in causes):
            return failure_for_connection(ConnectionTrouble.DNS, url)
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return failure_for_connection(ConnectionTrouble.REFUSED, url)
        if any(isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
            return TryFailure(
                outcome="could not connect",
                summary=f"failed: could not connect to {host}",
                advice="no network or DNS? The next check will try again",
                retryable=True,
            )
        if isinstance(err, requests.exceptions.ConnectionError | urllib3.exceptions.HTTPError):
            return TryFailure(
                outcome="connection broken",
                summary=f"failed: the connection to {host} broke ({_first_line(err)})",
                advice="the network or the site is unstable; the next check will try again",
                retryable=True,
            )
        return TryFailure(
            outcome=type(err).__name__,
            summary=f"failed: {_first_line(err)}",
            advice="open the URL in a browser to see what the site does",
        )

    # -- robots.txt --------------------------------------------------------------------------

    def _get_robots(self, robots_url: str) -> RobotsReply:
        """GET a robots.txt for the `RobotsPolicy` (redirects followed, a 2xx body capped)."""
        try:
            with self._session.get(
                robots_url,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                stream=True,
            ) as response:
                status = response.status_code
                data = b""
                if 200 <= status < 300:
                    data = _read_capped(response.iter_content(CHUNK_SIZE), ROBOTS_MAX_BYTES)
        except requests.RequestException as err:
            raise RobotsUnreadable(_first_line(err)) from err
        return RobotsReply(status, data)


def fetch(
    url: str,
    *,
    validators: Validators | None = None,
    settings: FetchSettings | None = None,
    log: Callable[[str], None] | None = None,
) -> FetchResult:
    """GET `url` once with a throwaway `Fetcher` (for one-off use; a run builds one Fetcher)."""
    with Fetcher(settings, log=log) as fetcher:
        return fetcher(url, validators=validators)


# -- pure helpers ----------------------------------------------------------------------------

HTTP_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2", 30: "HTTP/3"}


def exchange_of(response: requests.Response) -> HttpExchange:
    """The request and response heads of `response` as sent and received.

    The response's fields come from urllib3's own header dict, which keeps a repeated field
    once per occurrence (requests' `headers` joins them with commas); http.client adds `Host`
    to what requests sent, so it is put first, as on the wire.
    """
    raw_headers: Any = getattr(response.raw, "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "items"):
        received: tuple[Header, ...] = tuple((str(k), str(v)) for k, v in raw_headers.items())
    else:
        received = tuple(response.headers.items())
    request = response.request
    sent: list[Header] = [(str(k), str(v)) for k, v in request.headers.items()]
    if not any(name.lower() == "host" for name, _ in sent):
        host = urlsplit(request.url or response.url).netloc
        sent.insert(0, ("Host", host))
    version = getattr(response.raw, "version", None)
    return HttpExchange(
        status=response.status_code,
        reason=response.reason or "",
        protocol=HTTP_VERSIONS.get(version, "HTTP/1.1") if isinstance(version, int) else "HTTP/1.1",
        headers=received,
        method=request.method or "GET",
        request_headers=tuple(sent),
    )


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """The lowercased media type and charset of a Content-Type header (None when absent)."""
    if not value or not value.strip():
        return None, None
    head, *params = value.split(";")
    mime = head.strip().lower() or None
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").strip() or None
    return mime, charset


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def looks_like_html(body: bytes) -> bool:
    """Sniff a body that came without a Content-Type, the way browsers do (WHATWG)."""
    for bom, _codec in BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    head = body[:1024].lstrip().lower()
    if head.startswith(b"<?xml"):
        return b"<html" in head
    for tag in SNIFF_TAGS:
        if head.startswith(tag):
            rest = head[len(tag) : len(tag) + 1]
            if tag == b"<!--" or rest in (b" ", b">", b"\t", b"\n", b"\r", b"\f"):
                return True
    return False


def page_title(body: bytes) -> str | None:
    """The `<title>` of an HTML body, for messages (ASCII-safe, short), or None."""
    match = TITLE.search(body[:META_SCAN_BYTES])
    if not match:
        return None
    title = " ".join(match.group(1).decode("utf-8", errors="replace").split())
    return title.encode("ascii", errors="replace").decode("ascii")[:80] or None


def is_bot_check(status: int, body: bytes) -> bool:
    """Whether a response is a bot check / JS challenge rather than a page or a plain error."""
    head = body[:65536]
    if 200 <= status < 300:
        title = page_title(head)
        return bool(BOT_CHECK_2XX_MARKERS.search(head)) or (
            title is not None and title.lower().encode() in BOT_CHECK_TITLES
        )
    if status in (403, 429, 503):
        return bool(BOT_CHECK_MARKERS.search(head))
    return False


def codec_for(label: str) -> str | None:
    """The Python codec a browser would use for a charset label, or None if unknown."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return BROWSER_CODECS.get(name, name)


def decode_body(body: bytes, *, content_type: str | None) -> DecodedBody:
    """Decode an HTML body the way a browser would.

    A BOM wins; then the charset of the Content-Type header; then the page's own
    `<meta charset>` / `http-equiv`; then UTF-8 if the bytes are valid UTF-8; then detection
    (charset_normalizer, via requests); then windows-1252. Labels are read as browsers read
    them (ISO-8859-1 means windows-1252), so curly quotes and NBSPs are never mojibake.
    """
    notes: list[str] = []
    for bom, bom_codec in BOMS:
        if body.startswith(bom):
            return _decode(body, bom_codec, CharsetSource.BOM, notes)
    _mime, header_charset = parse_content_type(content_type)
    if header_charset:
        header_codec = codec_for(header_charset)
        if header_codec is not None:
            return _decode(body, header_codec, CharsetSource.HEADER, notes)
        notes.append(f"unknown charset {header_charset!r} in the Content-Type header; ignored")
    match = META_CHARSET.search(body[:META_SCAN_BYTES])
    if match:
        label = match.group(1).decode("ascii", errors="replace")
        meta_codec = codec_for(label)
        # A page that can be read this far as ASCII is not UTF-16, whatever its meta says.
        if meta_codec is not None and meta_codec.startswith("utf-16"):
            meta_codec = "utf-8"
        if meta_codec is not None:
            return _decode(body, meta_codec, CharsetSource.META, notes)
        notes.append(f"unknown charset {label!r} in the page's <meta>; ignored")
    try:
        return DecodedBody(body.decode("utf-8"), "utf-8", CharsetSource.UTF8, tuple(notes))
    except UnicodeDecodeError:
        pass
    guess = _detect(body)
    if guess is not None:
        return _decode(body, guess, CharsetSource.DETECTED, notes)
    return _decode(body, "cp1252", CharsetSource.DEFAULT, notes)


def _detect(body: bytes) -> str | None:
    """charset_normalizer's guess, or None when it has none worth trusting."""
    if DETECTOR is None:
        return None
    label = DETECTOR.detect(body).get("encoding")
    codec = codec_for(label) if isinstance(label, str) else None
    if codec is None or codec.startswith(("utf-16", "utf-32")):
        # Without a BOM an HTML page in UTF-16/32 is implausible: the guess is noise.
        return None
    if codec != "cp1252":
        # Single-byte guesses often differ from windows-1252 only in bytes the page does not
        # use; then say windows-1252, the encoding browsers assume for Western pages.
        with contextlib.suppress(UnicodeDecodeError):
            if body.decode(codec) == body.decode("cp1252"):
                return "cp1252"
    return codec


def _decode(body: bytes, codec: str, source: CharsetSource, notes: list[str]) -> DecodedBody:
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as err:
        text = body.decode(codec, errors="replace")
        notes.append(
            f"the body is not valid {codec} (from {source.value}) at byte {err.start}; "
            "bad bytes were replaced with U+FFFD"
        )
    return DecodedBody(text, codec, source, tuple(notes))


def _http_outcome(result: FetchResult) -> str:
    """How a successful GET is logged: its status, size, and where a redirect ended."""
    outcome = (
        f"HTTP {result.status} not modified"
        if result.not_modified
        else f"HTTP {result.status}, {len(result.body)} bytes"
    )
    if result.redirects:
        outcome += f" from {result.final_url}"
    return outcome


def _origin(url: str) -> str:
    """The scheme and host (with port) of `url`, as in "https://www.nato.int"."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The decompressed body as it arrives.

    `read1` hands over whatever bytes are there, so when the connection breaks the bytes that
    did arrive are kept (iter_content's buffered reads would drop up to a chunk of them).
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 before 2.3
        yield from response.iter_content(CHUNK_SIZE)
        return
    while True:
        chunk = read1(CHUNK_SIZE, decode_content=True)
        if not chunk:
            return
        yield chunk


def _read_capped(chunks: Iterator[bytes], cap: int) -> bytes:
    """Read at most `cap` bytes from a chunk iterator; the rest is ignored."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) >= cap:
            break
    return bytes(out[:cap])


def _causes(err: BaseException) -> Iterator[BaseException]:
    """`err` and every exception it wraps (causes, contexts, args, urllib3 `reason`s)."""
    seen: set[int] = set()
    stack: list[BaseException] = [err]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += list(current.args)
        stack.extend(x for x in linked if isinstance(x, BaseException))


def _first_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:200] or type(err).__name__


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"


# -- notifications ---------------------------------------------------------------------------


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    tries: int = 3,
    backoff: float = 1.0,
    user_agent: str = DEFAULT_USER_AGENT,
    stop: threading.Event | None = None,
) -> int:
    """POST `payload` as JSON to `url` (a notification webhook) and return the 2xx status.

    Connection errors, timeouts, 429 and 5xx are tried again, up to `tries` times in all,
    waiting `backoff`, then twice as long, and so on (cut short when `stop` is set). Anything
    else, or the last failure, raises `FetchError`. Redirects are not followed: a webhook
    that moved should be configured with its new URL.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": user_agent}
    with requests.Session() as session:
        for attempt in range(1, tries + 1):
            try:
                response = session.post(
                    url,
                    data=body,
                    headers=headers,
                    timeout=(timeout, timeout),
                    allow_redirects=False,
                )
            except requests.RequestException as err:
                reason = _post_failure(err, url, timeout)
                error = FetchError(
                    f"POST {url} failed ({reason}); check that the webhook URL is reachable",
                    url=url,
                    attempts=attempt,
                )
                retryable = True
            else:
                with contextlib.closing(response):
                    status = response.status_code
                    if 200 <= status < 300:
                        return status
                    said = " ".join(response.text[:200].split())
                error = FetchError(
                    f"POST {url} returned HTTP {status}{f' ({said})' if said else ''}; "
                    "check the webhook URL and what the receiver accepts",
                    url=url,
                    status=status,
                    attempts=attempt,
                )
                retryable = status == 429 or status >= 500
            if not retryable or attempt == tries:
                raise error
            wait = backoff * 2 ** (attempt - 1)
            if stop is not None and stop.wait(wait):
                raise error
            if stop is None:
                time.sleep(wait)
    raise AssertionError("unreachable: the last try returns or raises")


def _post_failure(err: requests.RequestException, url: str, timeout: float) -> str:
    """What went wrong with a POST, in a few words."""
    causes = list(_causes(err))
    if isinstance(err, requests.Timeout):
        return f"timed out after {timeout:g} s"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in causes):
        return f"could not resolve the host name {urlsplit(url).hostname}"
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return _first_line(err)
