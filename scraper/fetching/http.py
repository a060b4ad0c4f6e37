"""Fetching pages over HTTP: the client (`Fetcher`) and what a fetch gives (`FetchResult`).

A `Fetcher` is built once per run. It owns one `requests.Session` (honest User-Agent,
gzip/deflate, connection reuse) and a robots.txt cache, and calling it GETs one URL:

- redirects are followed by hand, so every hop is checked against robots.txt, counted against
  `max_redirects`, and recorded (`FetchResult.redirects`); a hop to another host is noted;
- connection errors, timeouts, cut-off bodies, 429 and 5xx are retried (`retry.RetryPolicy`:
  exponential backoff and jitter, honouring Retry-After, up to `retries` tries per check, all
  within `check_timeout`);
- each try, redirects and robots.txt included, ends at its deadline (`deadline.Deadline`:
  `total_timeout`), whether the server is slow to connect, to send its headers or its body;
- the body is streamed and capped at `max_bytes`, must be HTML, must arrive whole, and is
  decoded with the charset from the header, then the page's own `<meta>`, then detection
  (`decoding.decode_body`);
- a bot check, a 403 and a 429 that outlasts the retries raise `BlockedError`; every other
  failure raises `FetchError` with a one-line message that says what happened and what to do
  (worded in `failures`, alike for the browser fetcher).

`Fetcher.get_data` GETs data (the Wayback Machine's CDX JSON) with the same politeness and
retries, without the page guards. Only the fetching layer imports requests: this client,
reading a body (`body`), its network errors (`network`), the try's deadline (`deadline`) and
the webhook's POST (`post`).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol
from urllib.parse import urljoin, urlsplit

import requests

from scraper.core.pagekind import is_bot_check
from scraper.core.records import Header, HttpExchange
from scraper.errors import one_line
from scraper.fetching.base import FetcherBase, note_hop
from scraper.fetching.body import CHUNK_SIZE, check_declared_size, read_body, read_capped
from scraper.fetching.deadline import Deadline, WatchedAdapter
from scraper.fetching.decoding import (
    CharsetSource,
    codec_for,
    decode_body,
    looks_like_html,
    parse_content_type,
)
from scraper.fetching.failures import (
    TryFailed,
    TryFailure,
    failure_for_bot_check,
    failure_for_status,
    require_html,
    require_http_url,
    too_many_redirects,
    too_slow,
)
from scraper.fetching.network import network_failure
from scraper.fetching.retry import RetryWait
from scraper.fetching.robots import (
    ROBOTS_MAX_BYTES,
    ROBOTS_MAX_REDIRECTS,
    RobotsReply,
    RobotsUnreadable,
)
from scraper.fetching.settings import FetchSettings

# What `Fetcher.get_data` asks for: JSON first (the CDX API's output=json), then plain text.
DATA_ACCEPT = "application/json, text/plain;q=0.9, */*;q=0.1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Validators:
    """Cache validators from the latest snapshot, sent as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


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
    # What rendered the page: None for plain HTTP; for a browser load its name and version,
    # as in "Chromium 150.0… (headless, Playwright 1.65.2)" (the provenance's `renderer`).
    renderer: str | None = None

    def counted(self, attempts: int, duration_ms: int) -> FetchResult:
        """This result as try number `attempts` of a check that took `duration_ms` in all."""
        return replace(self, attempts=attempts, duration_ms=duration_ms)

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


@dataclass
class _Try:
    """One try of a GET: what was asked, when, and the redirect chain so far."""

    url: str
    sent: dict[str, str]  # the headers this GET adds to the session's
    fetched_at: datetime
    deadline: Deadline  # when the whole try (every hop, robots.txt, the body) must be over
    redirects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Session(requests.Session):
    """requests' session, minus a crash: even with `allow_redirects=False` it parses a
    redirect's Location, and one it cannot split ("http://[::1/x") raised ValueError out of
    `get`. Such a redirect is left unfollowed here; `_redirect_target` refuses it by name."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """The Location to follow, or None when there is none or it is not a URL."""
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        try:
            urlsplit(urljoin(resp.url, target)).port  # noqa: B018 (parsing is the check)
        except ValueError:
            return None
        return target


class Fetcher(FetcherBase):
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
        on_wait: Callable[[RetryWait], None] | None = None,
    ) -> None:
        super().__init__(settings, log=log, stop=stop, on_wait=on_wait)
        self._session = _Session()
        # Connections a try's deadline can cut off, whatever they are waiting for.
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, WatchedAdapter())
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
        budget = self._retry.budget()
        with Deadline(budget.seconds, limit=budget.limit) as deadline:
            one = _Try(
                url=url,
                sent=_request_headers(validators, page=page),
                fetched_at=datetime.now(UTC),
                deadline=deadline,
            )
            current = url
            while True:
                first = not one.redirects
                self._robots.check(current, self._get_robots, one.notes, first_hop=first)
                response = self._get(current, one.sent, deadline)
                with contextlib.closing(response):
                    if response.status_code not in REDIRECT_STATUSES:
                        finish = self._finish if page else self._finish_data
                        return finish(one, current, response)
                    current = self._follow(current, response, one.redirects, one.notes)

    def _follow(
        self, current: str, response: requests.Response, redirects: list[str], notes: list[str]
    ) -> str:
        """The next URL of a redirect chain; records the hop or raises `TryFailed`."""
        status = response.status_code
        target = _redirect_target(current, response)
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
        limit = self.settings.max_redirects
        if len(redirects) > limit:
            raise TryFailed(
                too_many_redirects(limit, f"the last to {target}", final_url=current, status=status)
            )
        note_hop(current, target, notes)
        return target

    def _get(self, url: str, headers: dict[str, str], deadline: Deadline) -> requests.Response:
        """Send one GET (no redirects, body streamed); raises `TryFailed` on errors, and when
        the try's deadline passes before the status line and headers are in."""
        if deadline.expired:  # robots.txt or the hops before took the try's time
            raise TryFailed(_slow_head(deadline))
        try:
            response = self._session.get(
                url,
                headers=headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as err:
            if deadline.expired:  # the watchdog shut the socket
                raise TryFailed(_slow_head(deadline)) from err
            raise TryFailed(network_failure(err, url, self.settings, during_body=False)) from err
        if deadline.expired:
            # A head cut off by the watchdog can look whole (the headers just end): never
            # trust one that came in after the deadline.
            response.close()
            raise TryFailed(_slow_head(deadline))
        return response

    # -- the last answer of a chain ----------------------------------------------------------

    def _finish(self, one: _Try, final_url: str, response: requests.Response) -> FetchResult:
        """Turn the last response of a chain into a page or a 304, or raise `TryFailed`."""
        status = response.status_code
        mime, _charset = parse_content_type(response.headers.get("Content-Type"))
        base = TryFailure(outcome=f"HTTP {status}", summary="", status=status, final_url=final_url)
        if status == 304:
            return _not_modified(one, final_url, response, base)
        if not 200 <= status < 300:
            self._fail_status(response, base, one.deadline)
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
        check_declared_size(response, base, self.settings)
        body = read_body(response, base, settings=self.settings, deadline=one.deadline)
        _refuse_non_page(body, base.with_body(body), mime)
        return _page_result(one, final_url, response, body)

    def _finish_data(self, one: _Try, final_url: str, response: requests.Response) -> FetchResult:
        """Turn the last response of a data request into a result, or raise `TryFailed`."""
        status = response.status_code
        header_type = response.headers.get("Content-Type")
        base = TryFailure(outcome=f"HTTP {status}", summary="", status=status, final_url=final_url)
        if not 200 <= status < 300:
            self._fail_status(response, base, one.deadline)
        check_declared_size(response, base, self.settings)
        body = read_body(response, base, settings=self.settings, deadline=one.deadline)
        _mime, charset = parse_content_type(header_type)
        codec = (codec_for(charset) if charset else None) or "utf-8"
        return FetchResult(
            url=one.url,
            final_url=final_url,
            status=status,
            body=body,
            text=body.decode(codec, errors="replace"),
            headers=dict(response.headers),
            fetched_at=one.fetched_at,
            duration_ms=0,
            redirects=tuple(one.redirects),
            content_type=header_type,
            encoding=codec,
            notes=tuple(one.notes),
        )

    def _fail_status(
        self, response: requests.Response, base: TryFailure, deadline: Deadline
    ) -> NoReturn:
        """Raise the `TryFailed` a non-2xx, non-redirect, non-304 status deserves."""
        status = response.status_code
        reason = response.reason or ""
        body: bytes | None
        try:
            body = read_body(response, base, settings=self.settings, deadline=deadline)
        except TryFailed:
            # A broken error page must not hide the status it came with.
            body = None
        failure = base.with_body(body) if body else base
        if body and is_bot_check(status, body):
            raise TryFailed(failure_for_bot_check(failure, body, in_browser=False))
        retry_after = response.headers.get("Retry-After")
        raise TryFailed(failure_for_status(failure, status, reason, retry_after))

    # -- robots.txt ---------------------------------------------------------------------------

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
                    data = read_capped(response.iter_content(CHUNK_SIZE), ROBOTS_MAX_BYTES)
        except (requests.RequestException, ValueError) as err:
            # ValueError: requests follows a robots.txt redirect to a URL it cannot split.
            raise RobotsUnreadable(one_line(err)) from err
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


# -- the steps of a try, as plain functions ----------------------------------------------------


def _request_headers(validators: Validators | None, *, page: bool) -> dict[str, str]:
    """The headers a GET adds to the session's: Accept for data, the cache validators."""
    headers: dict[str, str] = {} if page else {"Accept": DATA_ACCEPT}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _redirect_target(current: str, response: requests.Response) -> str:
    """Where a redirect from `current` points; raise `TryFailed` if nowhere, or not http(s)."""
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
    try:
        target = urljoin(current, location)
        # A hostile Location ("http://[::1/x") must fail the try, not crash the check.
        parts = urlsplit(target)
        _port = parts.port  # raises ValueError when it is not a number in range
    except ValueError as err:
        raise TryFailed(
            TryFailure(
                outcome=f"HTTP {status} to an invalid URL",
                summary=f"was redirected to {location!r}, which is not a valid URL "
                f"({one_line(err)})",
                advice="the site is misconfigured; check the URL in a browser",
                status=status,
                final_url=current,
            )
        ) from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TryFailed(
            TryFailure(
                outcome=f"HTTP {status} to {target}",
                summary=f"was redirected to {target}, which is not an http(s) URL",
                advice="check the URL in a browser",
                status=status,
                final_url=current,
            )
        )
    return target


def _slow_head(deadline: Deadline) -> TryFailure:
    """The failure of a try whose deadline passed before an answer's head was in."""
    what = "to answer: its status line and headers had not all arrived"
    base = TryFailure(outcome="too slow", summary="")
    return too_slow(base, seconds=deadline.seconds, limit=deadline.limit, what=what)


def _not_modified(
    one: _Try, final_url: str, response: requests.Response, base: TryFailure
) -> FetchResult:
    """The result of a 304 to a conditional GET; raise `TryFailed` if the GET was not one."""
    if not one.sent:
        raise TryFailed(
            replace(
                base,
                summary="answered HTTP 304 Not Modified to a request that was not conditional",
                advice="the site or a proxy is misbehaving; try again later",
                retryable=True,
            )
        )
    return FetchResult(
        url=one.url,
        final_url=final_url,
        status=response.status_code,
        body=b"",
        text="",
        headers=dict(response.headers),
        fetched_at=one.fetched_at,
        duration_ms=0,
        redirects=tuple(one.redirects),
        content_type=response.headers.get("Content-Type"),
        # A 304 need not repeat the validators; keep the ones that matched.
        etag=response.headers.get("ETag") or one.sent.get("If-None-Match"),
        last_modified=response.headers.get("Last-Modified") or one.sent.get("If-Modified-Since"),
        not_modified=True,
        notes=tuple(one.notes),
    )


def _refuse_non_page(body: bytes, with_body: TryFailure, mime: str | None) -> None:
    """Raise `TryFailed` unless a 2xx `body` is a page: not empty, HTML when no type was
    declared, and no bot check (`with_body` is the failure base with the body's hash)."""
    status = with_body.status
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
    if status is not None and is_bot_check(status, body):
        raise TryFailed(failure_for_bot_check(with_body, body, in_browser=False))


def _page_result(
    one: _Try, final_url: str, response: requests.Response, body: bytes
) -> FetchResult:
    """The result of a page whose body passed every guard: decoded, with its exchange."""
    header_type = response.headers.get("Content-Type")
    decoded = decode_body(body, content_type=header_type)
    return FetchResult(
        url=one.url,
        final_url=final_url,
        status=response.status_code,
        body=body,
        text=decoded.text,
        headers=dict(response.headers),
        fetched_at=one.fetched_at,
        duration_ms=0,
        redirects=tuple(one.redirects),
        content_type=header_type,
        encoding=decoded.encoding,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        notes=(*one.notes, *decoded.notes),
        charset_source=decoded.source,
        exchange=exchange_of(response),
    )


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
