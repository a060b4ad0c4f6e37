"""Fetching pages over HTTP: the only module that imports requests.

`fetch(url, *, validators, settings, session)` returns a `FetchResult` for a 2xx HTML body or
a 304, and raises `FetchError` / `BlockedError` for everything else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from scraper import __version__
from scraper.errors import BlockedError, FetchError

PROJECT_URL = "https://github.com/nato-watch/nato-watch"
DEFAULT_USER_AGENT = f"nato-watch/{__version__} (+{PROJECT_URL})"


@dataclass(frozen=True)
class Validators:
    """Cache validators from the latest snapshot, sent as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch: identity, timeouts, retries and guards."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 5 * 1024 * 1024


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: a 2xx body, or a 304 (`not_modified`, empty body)."""

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


def new_session(settings: FetchSettings) -> requests.Session:
    """A session with the honest User-Agent and compressed transfer accepted."""
    session = requests.Session()
    session.headers["User-Agent"] = settings.user_agent
    session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
    session.headers["Accept-Encoding"] = "gzip, deflate"
    return session


def fetch(
    url: str,
    *,
    validators: Validators | None = None,
    settings: FetchSettings | None = None,
    session: requests.Session | None = None,
) -> FetchResult:
    """GET `url` and return its body, or raise `FetchError` / `BlockedError` saying why."""
    settings = settings or FetchSettings()
    session = session or new_session(settings)
    headers: dict[str, str] = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    started = time.monotonic()
    fetched_at = datetime.now(UTC)
    try:
        response = session.get(
            url,
            headers=headers,
            timeout=(settings.connect_timeout, settings.read_timeout),
            allow_redirects=True,
        )
    except requests.RequestException as err:
        raise FetchError(f"GET {url} failed: {_describe(err)}", url=url) from err
    duration_ms = int((time.monotonic() - started) * 1000)
    status = response.status_code
    final_url = response.url
    redirects = tuple(r.url for r in response.history)
    if status == 304:
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=b"",
            text="",
            headers=dict(response.headers),
            fetched_at=fetched_at,
            duration_ms=duration_ms,
            redirects=redirects,
            etag=validators.etag if validators else None,
            last_modified=validators.last_modified if validators else None,
            not_modified=True,
        )
    body = response.content
    if status == 403:
        raise BlockedError(
            f"GET {url} returned HTTP 403: the site refused this client; "
            "set another User-Agent with --user-agent or check less often",
            url=url,
            status=status,
            final_url=final_url,
        )
    if not 200 <= status < 300:
        raise FetchError(
            f"GET {url} returned HTTP {status}", url=url, status=status, final_url=final_url
        )
    content_type = response.headers.get("Content-Type", "")
    if content_type and "html" not in content_type.lower():
        raise FetchError(
            f"GET {url} returned {content_type.split(';')[0]}, not an HTML page",
            url=url,
            status=status,
            final_url=final_url,
        )
    encoding = response.encoding if "charset" in content_type.lower() else None
    encoding = encoding or response.apparent_encoding or "utf-8"
    return FetchResult(
        url=url,
        final_url=final_url,
        status=status,
        body=body,
        text=body.decode(encoding, errors="replace"),
        headers=dict(response.headers),
        fetched_at=fetched_at,
        duration_ms=duration_ms,
        redirects=redirects,
        content_type=content_type or None,
        encoding=encoding,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _describe(err: Any) -> str:
    if isinstance(err, requests.Timeout):
        return "timed out"
    if isinstance(err, requests.ConnectionError):
        return "could not connect (no network, or the host is down)"
    return str(err)
