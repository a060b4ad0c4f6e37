"""RetryPolicy: backoff with equal jitter, Retry-After, the stop event, and the try loop."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scraper.errors import FetchError
from scraper.fetching.failures import TryFailed, TryFailure
from scraper.fetching.http import FetchResult
from scraper.fetching.retry import RetryPolicy
from scraper.fetching.settings import FetchSettings


def _result(url: str = "https://www.nato.int/p.htm") -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        body=b"<html></html>",
        text="<html></html>",
        headers={},
        fetched_at=datetime(2024, 7, 16, 8, 0, tzinfo=UTC),
        duration_ms=0,
    )


def test_backoff_grows_with_equal_jitter_and_honours_retry_after(settings: FetchSettings) -> None:
    slow = replace(settings, backoff=2.0, max_backoff=10.0)
    policy = RetryPolicy(slow, rng=random.Random(7))
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)):
        waits = [policy.wait_seconds(attempt, None) for _ in range(200)]
        # Never less than half the backoff (waits grow), never more than it (or max_backoff).
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert len(set(waits)) > 100  # jittered, so cron-started watchers do not collide
    assert policy.wait_seconds(1, 3.5) == 3.5
    assert policy.wait_seconds(1, 3600.0) == 10.0  # capped by max_backoff
    assert policy.wait_seconds(1, -5.0) == 0.0
    same = RetryPolicy(slow, rng=random.Random(7)), RetryPolicy(slow, rng=random.Random(7))
    assert same[0].wait_seconds(2, None) == same[1].wait_seconds(2, None)


def test_pause_ends_at_once_when_stop_is_set(settings: FetchSettings) -> None:
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert RetryPolicy(settings, stop=stop).pause(30.0) is True
    assert time.monotonic() - started < 1.0
    assert RetryPolicy(settings).pause(0.01) is False


def test_retry_policy_tries_again_then_returns_with_the_attempt_count(
    settings: FetchSettings,
) -> None:
    lines: list[str] = []
    seen: list[int] = []
    url = "https://www.nato.int/p.htm"

    def attempt_once(attempt: int) -> FetchResult:
        seen.append(attempt)
        if attempt < 3:
            raise TryFailed(TryFailure(outcome="HTTP 503", summary="returned 503", retryable=True))
        return _result(url)

    result = RetryPolicy(settings, log=lines.append).run(
        url, attempt_once, describe=lambda r: f"HTTP {r.status}", label="Chromium GET"
    )
    assert seen == [1, 2, 3]
    assert result.attempts == 3 and result.duration_ms >= 0
    assert lines[0].startswith(f"attempt 1/3: Chromium GET {url} -> HTTP 503; retrying in ")
    assert lines[-1] == f"attempt 3/3: Chromium GET {url} -> HTTP 200"


def test_retry_policy_gives_up_on_what_retrying_cannot_fix(settings: FetchSettings) -> None:
    lines: list[str] = []
    url = "https://www.nato.int/p.htm"
    tries: list[int] = []

    def not_found(attempt: int) -> FetchResult:
        tries.append(attempt)
        raise TryFailed(TryFailure(outcome="HTTP 404", summary="returned HTTP 404", status=404))

    policy = RetryPolicy(settings, log=lines.append)
    with pytest.raises(FetchError) as caught:
        policy.run(url, not_found, describe=str, via="in Chromium")
    assert tries == [1]
    assert str(caught.value) == f"GET {url} in Chromium returned HTTP 404"
    assert lines == [f"attempt 1/3: GET {url} -> HTTP 404; giving up"]

    # give_up() ends a retryable failure early (the browser fetcher is being closed).
    tries.clear()

    def busy(attempt: int) -> FetchResult:
        tries.append(attempt)
        raise TryFailed(TryFailure(outcome="HTTP 503", summary="returned 503", retryable=True))

    with pytest.raises(FetchError, match=r"returned 503$"):
        policy.run(url, busy, describe=str, give_up=lambda: True)
    assert tries == [1]

    # Any other exception passes straight out, untouched and not retried.
    def closed(attempt: int) -> FetchResult:
        raise FetchError("closed", url=url, attempts=attempt - 1)

    with pytest.raises(FetchError, match=r"^closed$"):
        policy.run(url, closed, describe=str)
