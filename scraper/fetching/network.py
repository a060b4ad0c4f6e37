"""What a request that failed on the network means: requests' and urllib3's exceptions, each
turned into a `TryFailure` that says what happened and what to do.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from scraper.errors import one_line
from scraper.fetching.failures import (
    ConnectionTrouble,
    TryFailure,
    causes_of,
    failure_for_broken_connection,
    failure_for_connection,
    failure_unexplained,
)
from scraper.fetching.settings import FetchSettings


def network_failure(
    err: BaseException, url: str, settings: FetchSettings, *, during_body: bool
) -> TryFailure:
    """Describe a requests/urllib3 exception as a failure the user can act on."""
    host = urlsplit(url).netloc
    causes = list(causes_of(err))
    s = settings
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
        return failure_for_connection(ConnectionTrouble.TLS, url, one_line(err))
    if isinstance(err, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return TryFailure(
            outcome="invalid URL",
            summary=f"failed: the URL is not valid ({one_line(err)})",
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
        return failure_for_broken_connection(url, "connection broken", f"broke ({one_line(err)})")
    return failure_unexplained(type(err).__name__, f"failed: {one_line(err)}")
