"""The notification webhook's POST (for `run`), so that requests stays in the fetching layer.

`post_json` sends one JSON payload and retries the way every fetch does (`retry.RetryPolicy`):
connection errors, timeouts, 429 and 5xx are tried again after what Retry-After asks or
exponential backoff with jitter, and a stop event cuts the wait short. Each try ends within
its timeout as a whole (`deadline.Deadline`), however slowly the receiver answers.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from scraper.errors import one_line
from scraper.fetching.deadline import Deadline, WatchedAdapter
from scraper.fetching.failures import TryFailed, TryFailure, causes_of, parse_retry_after
from scraper.fetching.retry import RetryPolicy
from scraper.fetching.settings import DEFAULT_USER_AGENT, FetchSettings


@dataclass(frozen=True)
class _Posted:
    """A POST the receiver accepted: its 2xx status."""

    status: int

    def counted(self, attempts: int, duration_ms: int) -> _Posted:
        """The same answer: a delivery does not record its tries."""
        return self


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
    waiting what Retry-After asks (at most 120 s), else `backoff`, then about twice as long,
    and so on, with jitter (cut short when `stop` is set). Anything else, or the last
    failure, raises `FetchError`. Redirects are not followed: a webhook that moved should be
    configured with its new URL.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": user_agent}
    # Only the retry fields count here; a Retry-After is honoured up to `max_backoff`.
    retry = RetryPolicy(FetchSettings(retries=tries, backoff=backoff), stop=stop)
    with requests.Session() as session:
        for prefix in ("http://", "https://"):
            session.mount(prefix, WatchedAdapter())

        def attempt_once(_attempt: int) -> _Posted:
            # `timeout` bounds each wait (connecting, then the answer); the try as a whole
            # gets both, so a receiver that drips its answer is cut off too.
            with Deadline(2 * timeout) as deadline:
                return _post_once(session, url, body, headers, timeout, deadline)

        posted = retry.run(url, attempt_once, describe=lambda p: f"HTTP {p.status}", label="POST")
    return posted.status


def _post_once(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    deadline: Deadline,
) -> _Posted:
    """One POST within `deadline`; raises `TryFailed` unless the receiver answers 2xx."""
    try:
        # Streamed: only the start of the receiver's answer is ever read.
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as err:
        reason = _post_failure(err, url, timeout)
        if deadline.expired and not isinstance(err, requests.Timeout):
            reason = f"took longer than {deadline.seconds:g} s"  # the watchdog cut it off
        raise TryFailed(
            TryFailure(
                outcome=reason,
                summary="",
                message=f"POST {url} failed ({reason}); check that the webhook URL is reachable",
                retryable=True,
            )
        ) from err
    with contextlib.closing(response):
        status = response.status_code
        if 200 <= status < 300:
            return _Posted(status)
        said = _start_of(response)
        retry_after = response.headers.get("Retry-After")
    raise TryFailed(
        TryFailure(
            outcome=f"HTTP {status}",
            summary="",
            message=f"POST {url} returned HTTP {status}{f' ({said})' if said else ''}; "
            "check the webhook URL and what the receiver accepts",
            retryable=status == 429 or status >= 500,
            status=status,
            retry_after=parse_retry_after(retry_after),
        )
    )


def _start_of(response: requests.Response) -> str:
    """The first words of a receiver's answer, for the message (never the whole of it)."""
    try:
        start = next(response.iter_content(200), b"")
    except (requests.RequestException, OSError):
        return ""
    text = start.decode(response.encoding or "utf-8", errors="replace")
    return " ".join(text[:200].split())


def _post_failure(err: requests.RequestException, url: str, timeout: float) -> str:
    """What went wrong with a POST, in a few words."""
    causes = list(causes_of(err))
    if isinstance(err, requests.Timeout):
        return f"timed out after {timeout:g} s"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in causes):
        return f"could not resolve the host name {urlsplit(url).hostname}"
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return one_line(err)
