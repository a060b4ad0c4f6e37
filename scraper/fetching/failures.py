"""The failure model of a fetch and its wording, alike for every fetcher.

A try of a fetch fails by raising `TryFailed`, which carries a `TryFailure`: what went wrong,
in words for the per-try log line and for the message, whether trying again can help, and
what the site said (status, Retry-After, the body's size and sha256). The retry loop turns the
last one into the `FetchError` (or `BlockedError`) the caller sees, with `error_for`.

The wording of failures both fetchers meet lives here, so a plain GET and a browser load
explain themselves alike: an HTTP status (`failure_for_status`), no connection at all
(`failure_for_connection`), a connection that broke (`failure_for_broken_connection`), an
error nothing explains (`failure_unexplained`), a bot check (`failure_for_bot_check`), too many
redirects, a body that is not HTML. Plain Python: no requests, no Playwright.
"""

from __future__ import annotations

import email.utils
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from scraper.core.pagekind import page_title
from scraper.errors import BlockedError, FetchError
from scraper.fetching.decoding import HTML_TYPES
from scraper.urls import redact_text

# 501 and 505 say the server will never do this; retrying cannot help.
NOT_RETRIED_5XX = frozenset({501, 505})
# The advice of a failure no rule explains.
SEE_IN_A_BROWSER = "open the URL in a browser to see what the site does"


def require_http_url(url: str) -> None:
    """Raise `FetchError` (no try made) unless `url` is an http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _port = parts.port  # raises ValueError when it is not a number in range
    except ValueError:
        valid = False
    if not valid:
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
        # The message is logged, stored and shown: no URL in it keeps its credentials.
        redact_text(" ".join(message.split())),
        url=url,
        status=failure.status,
        attempts=attempts,
        final_url=failure.final_url,
        body_size=failure.body_size,
        body_sha256=failure.body_sha256,
    )


def too_slow(base: TryFailure, *, seconds: float, limit: str, what: str) -> TryFailure:
    """The failure of a try that ran out of time: it took longer than `seconds`, the value of
    the setting `limit` (`total_timeout` or `check_timeout`); `what` says what was under way
    ("to send the page; 300 bytes arrived")."""
    return replace(
        base,
        outcome="too slow",
        summary=f"took longer than {seconds:g} s ({limit}) {what}",
        advice=f"the site may be slow or unreachable; raise {limit} in the [fetch] config if "
        "it is just slow",
        retryable=True,
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


def failure_for_broken_connection(url: str, outcome: str, what: str) -> TryFailure:
    """The failure of a connection to `url` that failed once made (`what`: "broke (…)"),
    worded alike for every fetcher."""
    return TryFailure(
        outcome=outcome,
        summary=f"failed: the connection to {urlsplit(url).netloc} {what}",
        advice="the network or the site is unstable; the next check will try again",
        retryable=True,
    )


def failure_unexplained(outcome: str, summary: str) -> TryFailure:
    """The failure of an error no rule explains: what it said, and where to look."""
    return TryFailure(outcome=outcome, summary=summary, advice=SEE_IN_A_BROWSER)


def failure_for_bot_check(base: TryFailure, body: bytes, *, in_browser: bool) -> TryFailure:
    """The failure of a bot check / JS challenge page that `body` is (see `is_bot_check`).

    `in_browser` says the page was loaded in Chromium, whose scripts did not get past it.
    """
    title = page_title(body)
    what = f' ("{title}")' if title else ""
    summary = f"returned HTTP {base.status}: the site served a bot check{what} instead of the page"
    if in_browser:
        summary += ", and it did not let the browser through"
        advice = "try again later and check less often"
    else:
        advice = (
            "try again later and check less often; if it persists, the page needs a browser "
            "(or set another User-Agent with --user-agent)"
        )
    return replace(
        base,
        outcome=f"HTTP {base.status} bot check",
        summary=summary,
        advice=advice,
        retryable=False,
        blocked=True,
        retry_after=None,
    )


def too_many_redirects(
    limit: int, where: str, *, final_url: str, status: int | None = None
) -> TryFailure:
    """The failure of a redirect chain longer than `limit` (`max_redirects`); `where` says
    where it went ("the last to <url>")."""
    return TryFailure(
        outcome=f"more than {limit} redirects",
        summary=f"was redirected more than {limit} times ({where})",
        advice="raise max_redirects in the [fetch] config if the chain is legitimate, or watch "
        "the URL it ends at",
        status=status,
        final_url=final_url,
    )


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


def causes_of(err: BaseException) -> Iterator[BaseException]:
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
