"""How a fetch tries again: `RetryPolicy`, the one retry loop of every fetcher and the webhook.

A try that fails with a retryable `TryFailed` is tried again, up to `retries` tries, after
waiting what the site's Retry-After asks or exponential backoff with equal jitter, never over
`max_backoff`; a stop event (set by the scheduler on shutdown) cuts the wait short. Each try
is logged in one line; the last failure becomes the caller's `FetchError`. Before each wait,
`on_wait` (when given) hears of it as a `RetryWait`, so a command can tell its user why
nothing seems to happen.

All the tries of one fetch, and the waits between them, fit in `check_timeout`: a try gets
`total_timeout` or what is left of that, whichever is less (`budget`), and no try starts with
less than a second left. So the longest fetch of a check is `check_timeout`, whatever the
site does.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, Self, TypeVar

from scraper.fetching.failures import TryFailed, TryFailure, error_for
from scraper.fetching.settings import FetchSettings
from scraper.urls import redact_url


class Counted(Protocol):
    """What a try returns: a result that can say how many tries it took, and how long."""

    def counted(self, attempts: int, duration_ms: int) -> Self:
        """This result as the one try number `attempts` gave, `duration_ms` after the first
        began."""
        ...


CountedT = TypeVar("CountedT", bound=Counted)
# No try starts with less time than this left of `check_timeout` (nor than `total_timeout`).
MIN_TRY_SECONDS = 1.0


@dataclass(frozen=True)
class TryBudget:
    """How long the next try may take, and which setting says so: `total_timeout`, or
    `check_timeout` when less than a whole try is left of the fetch's limit."""

    seconds: float
    limit: str


@dataclass(frozen=True)
class RetryWait:
    """A wait before trying again: what failed, how long until the next try, which try."""

    url: str
    label: str  # "GET", "POST"
    outcome: str  # what the failed try met, in a few words ("HTTP 503", "connection refused")
    seconds: float
    next_try: int  # the number of the try that follows the wait, from 2
    tries: int  # how many tries there are in all

    def describe(self) -> str:
        """The wait in words: "GET https://… failed (connection refused); next try in 4 s (try
        2 of 4)"."""
        return (
            f"{self.label} {redact_url(self.url)} failed ({self.outcome}); next try in "
            f"{self.seconds:.0f} s "
            f"(try {self.next_try} of {self.tries})"
        )


class RetryPolicy:
    """How a request is tried again: up to `settings.retries` tries of a URL, waiting between
    them what Retry-After asks or exponential backoff with equal jitter, never over
    `max_backoff`.

    `stop`, when given, cuts a wait short (the scheduler sets it on shutdown); `on_wait` hears
    of each wait before it begins; `rng` makes the jitter repeatable in tests.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        log: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
        on_wait: Callable[[RetryWait], None] | None = None,
    ) -> None:
        self.settings = settings
        self._log = log or (lambda _line: None)
        self._stop = stop
        self._random = rng or random.Random()
        self._on_wait = on_wait
        # When the fetch running in this thread must end (time.monotonic()), for `budget`.
        self._ends = threading.local()

    def run(
        self,
        url: str,
        attempt_once: Callable[[int], CountedT],
        *,
        describe: Callable[[CountedT], str],
        label: str = "GET",
        via: str = "",
        give_up: Callable[[], bool] | None = None,
    ) -> CountedT:
        """Call `attempt_once(attempt)` until it returns, and return its result `counted`; or
        raise the last try's `FetchError`.

        A try fails by raising `TryFailed`; it is tried again while it is retryable, tries are
        left, `give_up()` (if given) is false and `stop` is not set. Each try is logged as
        "attempt N/T: <label> <url> -> ...", a success with `describe(result)`; `via` goes
        into the error message (see `error_for`). Any other exception passes straight out.
        """
        tries = self.settings.retries
        started = time.monotonic()
        self._ends.at = started + self.settings.check_timeout
        try:
            for attempt in range(1, tries + 1):
                prefix = f"attempt {attempt}/{tries}: {label} {redact_url(url)}"
                try:
                    result = attempt_once(attempt)
                except TryFailed as failed:
                    failure = failed.failure
                    wait = self.wait_seconds(attempt, failure.retry_after)
                    last = attempt == tries or (give_up is not None and give_up())
                    if failure.retryable and not last and not self._time_for_another(wait):
                        failure, last = self._spent(failure), True
                    if not failure.retryable or last:
                        self._log(f"{prefix} -> {failure.outcome}; giving up")
                        raise error_for(url, failure, attempt, via=via) from failed.__cause__
                    self._log(f"{prefix} -> {failure.outcome}; retrying in {wait:.1f} s")
                    if self._on_wait is not None:
                        self._on_wait(
                            RetryWait(url, label, failure.outcome, wait, attempt + 1, tries)
                        )
                    if self.pause(wait):
                        self._log(f"{prefix}: stopped while waiting to retry")
                        raise error_for(url, failure, attempt, via=via) from failed.__cause__
                    continue
                self._log(f"{prefix} -> {describe(result)}")
                return result.counted(attempt, int((time.monotonic() - started) * 1000))
        finally:
            self._ends.at = None
        raise AssertionError("unreachable: the last try returns or raises")

    def budget(self) -> TryBudget:
        """How long the try about to start may take: `total_timeout`, or what is left of
        `check_timeout` for the fetch running in this thread when that is less."""
        total = self.settings.total_timeout
        ends: float | None = getattr(self._ends, "at", None)
        if ends is None:
            return TryBudget(total, "total_timeout")
        left = ends - time.monotonic()
        if left >= total:
            return TryBudget(total, "total_timeout")
        return TryBudget(max(left, 0.001), "check_timeout")

    def _time_for_another(self, wait: float) -> bool:
        """Whether, after waiting `wait` seconds, enough of `check_timeout` is left for a try."""
        ends: float | None = getattr(self._ends, "at", None)
        if ends is None:
            return True
        needed = min(MIN_TRY_SECONDS, self.settings.total_timeout)
        return ends - time.monotonic() - wait >= needed

    def _spent(self, failure: TryFailure) -> TryFailure:
        """`failure`, saying that the fetch's time limit leaves no room for another try."""
        limit = self.settings.check_timeout
        return replace(
            failure,
            summary=f"{failure.summary}; no time was left for another try within the "
            f"check's limit of {limit:g} s (check_timeout)",
        )

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
