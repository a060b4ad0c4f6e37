"""The failure model of a fetch and its wording, tested without a server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scraper.errors import BlockedError, FetchError
from scraper.fetching.failures import (
    ConnectionTrouble,
    TryFailed,
    TryFailure,
    error_for,
    failure_for_connection,
    failure_for_status,
    parse_retry_after,
    require_html,
    require_http_url,
)


def test_parse_retry_after() -> None:
    now = datetime(2024, 7, 16, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Tue, 16 Jul 2024 08:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Tue, 16 Jul 2024 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_error_for_builds_the_one_line_message() -> None:
    url = "https://www.nato.int/p.htm"
    failure = TryFailure(
        outcome="HTTP 503",
        summary="returned HTTP 503  Service\nUnavailable",
        advice="the site is having trouble",
        status=503,
        final_url=url,
        body_size=3,
        body_sha256="ab",
    )
    error = error_for(url, failure, 3)
    assert type(error) is FetchError
    assert str(error) == (
        f"GET {url} returned HTTP 503 Service Unavailable (3 tries); the site is having trouble"
    )
    assert (error.status, error.attempts, error.final_url) == (503, 3, url)
    assert (error.body_size, error.body_sha256) == (3, "ab")
    assert str(error_for(url, failure, 1, via="in Chromium")).startswith(
        f"GET {url} in Chromium returned HTTP 503 Service Unavailable; "
    )
    blocked = error_for(url, replace(failure, blocked=True), 1)
    assert isinstance(blocked, BlockedError)
    refused = error_for(url, replace(failure, message="robots.txt says no", tried=False), 1)
    assert str(refused) == "robots.txt says no" and refused.attempts == 0


@pytest.mark.parametrize(
    ("status", "reason", "summary", "retryable", "blocked"),
    [
        (403, "Forbidden", "returned HTTP 403: the site refused this client", False, True),
        (429, "", "returned HTTP 429 Too Many Requests: the site is rate-limiting", True, True),
        (503, "Service Unavailable", "returned HTTP 503 Service Unavailable", True, False),
        (501, "Not Implemented", "returned HTTP 501 Not Implemented", False, False),
        (404, "Not Found", "returned HTTP 404 Not Found: the page is not there", False, False),
        (407, "", "returned HTTP 407: the site (or a proxy) asks for a login", False, False),
        (418, "", "returned HTTP 418", False, False),
    ],
)
def test_failure_for_status(
    status: int, reason: str, summary: str, retryable: bool, blocked: bool
) -> None:
    base = TryFailure(outcome=f"HTTP {status}", summary="", status=status)
    failure = failure_for_status(base, status, reason, "7")
    assert failure.summary.startswith(summary)
    assert (failure.retryable, failure.blocked, failure.status) == (retryable, blocked, status)
    assert failure.advice
    # Retry-After counts only where the status means "come back later".
    assert failure.retry_after == (7.0 if status in (429, 503, 501) else None)


def test_connection_failures_and_html_types() -> None:
    url = "https://www.nato.int:8443/p.htm"
    dns = failure_for_connection(ConnectionTrouble.DNS, url)
    assert dns.summary == "failed: could not resolve the host name www.nato.int"
    assert dns.outcome == "DNS failure" and dns.retryable
    timeout = failure_for_connection(ConnectionTrouble.CONNECT_TIMEOUT, url, "after 5 s")
    assert timeout.summary == "failed: connecting to www.nato.int:8443 timed out after 5 s"
    bare = failure_for_connection(ConnectionTrouble.CONNECT_TIMEOUT, url)
    assert bare.summary == "failed: connecting to www.nato.int:8443 timed out"
    tls = failure_for_connection(ConnectionTrouble.TLS, url, "net::ERR_CERT_DATE_INVALID")
    assert tls.summary.endswith("could not be verified (net::ERR_CERT_DATE_INVALID)")
    assert not tls.retryable
    assert failure_for_connection(ConnectionTrouble.REFUSED, url).retryable

    base = TryFailure(outcome="HTTP 200", summary="", status=200)
    require_html(base, "text/html")
    require_html(base, None)  # undeclared: sniffed later, not refused here
    with pytest.raises(TryFailed) as caught:
        require_html(base, "application/pdf")
    assert caught.value.failure.outcome == "HTTP 200 application/pdf"

    require_http_url("http://127.0.0.1:8080/p")
    with pytest.raises(FetchError, match="only http:// and https://") as refused:
        require_http_url("ftp://www.nato.int/p")
    assert refused.value.attempts == 0
