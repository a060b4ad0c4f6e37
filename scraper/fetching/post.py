"""The notification webhook's POST (for `run`), so that requests stays in the fetching layer."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from scraper.errors import FetchError, one_line
from scraper.fetching.failures import causes_of
from scraper.fetching.settings import DEFAULT_USER_AGENT


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
