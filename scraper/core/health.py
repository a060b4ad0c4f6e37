"""A target's health, the one model that `run`, `status`, the report site and the failure
notifications share: its run of consecutive failed checks, when that makes it *failing*, when
it has *recovered*, and when no check for too long makes it *stale*.

- `check_history` reads what the end of a check log says (newest line first, so a reader of
  a long log stops early): the last check, the last success, the failures in a row.
- `verdict` judges it: `failing` when the last `unhealthy_after` checks failed, `stale` when
  the last check is older than `stale_after` (the watcher has stopped), else `ok`.
- `transition_at_last_check` says whether the newest check turned the target failing (the
  check that made the failures in a row reach `unhealthy_after`) or recovered (a working check
  after such a run): once per episode, decided from the check log alone, so a `check` run by
  cron and `run` tell of the same transitions.
- `Health` is the scheduled run's own tally, which also counts the checks it could not make
  (the archive locked): it drives `run`'s UNHEALTHY and `recovered` log lines.

Only checks nato-watch made count (live ones, and those a WARC import of a nato-watch export
carried over): other imported captures (Wayback, foreign WARCs) say nothing about how the
watch goes. Pure: data in, data out; the clock comes in as `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from scraper.core.records import CheckStatus, Source

if TYPE_CHECKING:
    from scraper.core.records import CheckRecord

# Failed checks in a row that make a target failing, unless `[run] unhealthy_after` says.
DEFAULT_UNHEALTHY_AFTER = 3
# How long without a check makes a target stale when no schedule says how often it is checked.
DEFAULT_STALE_AFTER = timedelta(hours=48)
# A schedule's target is stale after this many of its intervals without a check.
STALE_INTERVALS = 2


class HealthChange(StrEnum):
    """A change of a target's health worth a log line and a notification of its own."""

    UNHEALTHY = "unhealthy"
    RECOVERED = "recovered"


class Verdict(StrEnum):
    """What `status` says of a target."""

    OK = "ok"
    FAILING = "failing"
    STALE = "stale"


@dataclass(frozen=True)
class Health:
    """A target's run of consecutive failed checks, and whether it has been reported."""

    failures: int = 0
    since: datetime | None = None
    last_error: str | None = None
    reported: bool = False

    def after(
        self, *, ok: bool, at: datetime, error: str | None, threshold: int
    ) -> tuple[Health, HealthChange | None]:
        """The health after one more check; the change to report, once per episode."""
        if ok:
            change = HealthChange.RECOVERED if self.reported else None
            return Health(), change
        failures = self.failures + 1
        health = Health(
            failures=failures,
            since=self.since or at,
            last_error=error,
            reported=self.reported or failures >= threshold,
        )
        change = HealthChange.UNHEALTHY if health.reported and not self.reported else None
        return health, change


@dataclass(frozen=True)
class CheckHistory:
    """What the end of a target's check log says about its health."""

    last: CheckRecord | None = None  # the newest live check
    last_success: CheckRecord | None = None  # the newest live check that did its job
    failures: int = 0  # failed live checks in a row at the end of the log
    since: datetime | None = None  # when the first of those failures happened

    @property
    def last_error(self) -> str | None:
        """The error of the newest check, when it failed."""
        if self.last is None or self.last.status is not CheckStatus.ERROR:
            return None
        return self.last.error

    @property
    def health(self) -> Health:
        """The run of failures as the scheduled run tallies it (not yet reported)."""
        return Health(failures=self.failures, since=self.since, last_error=self.last_error)

    def failing(self, unhealthy_after: int) -> bool:
        """Whether the last `unhealthy_after` checks failed."""
        return self.failures >= unhealthy_after


def _live(records: Iterable[CheckRecord]) -> Iterator[CheckRecord]:
    """The checks nato-watch made: live lines, and those a WARC import carried over from a
    nato-watch export (their origin is live), so moving an archive keeps its history."""
    return (r for r in records if Source.LIVE in (r.source, r.origin))


def check_history(newest_first: Iterable[CheckRecord]) -> CheckHistory:
    """The health the check log shows, read from its newest line back to its newest success
    (the lines before that are never read)."""
    last = None
    failures = 0
    since = None
    for record in _live(newest_first):
        last = last or record
        if record.status is not CheckStatus.ERROR:
            return CheckHistory(last=last, last_success=record, failures=failures, since=since)
        failures += 1
        since = record.started_at
    return CheckHistory(last=last, failures=failures, since=since)


@dataclass(frozen=True)
class Transition:
    """A target turning failing, or recovering, at its newest check."""

    change: HealthChange
    failures: int  # the failed checks of the run that began (failing) or ended (recovered)
    since: datetime | None  # when that run began
    last_error: str | None  # the newest error of that run


def transition_at_last_check(
    newest_first: Iterable[CheckRecord], threshold: int
) -> Transition | None:
    """Whether the newest check turned the target failing (its failure made the failures in a
    row reach `threshold`) or recovered (it worked after `threshold` or more failures)."""
    records = _live(newest_first)
    newest = next(records, None)
    if newest is None:
        return None
    before = check_history(records)
    if newest.status is CheckStatus.ERROR:
        if before.failures + 1 != threshold:
            return None
        return Transition(
            HealthChange.UNHEALTHY,
            failures=threshold,
            since=before.since or newest.started_at,
            last_error=newest.error,
        )
    if before.failures < threshold:
        return None
    return Transition(
        HealthChange.RECOVERED,
        failures=before.failures,
        since=before.since,
        last_error=before.last_error,
    )


def stale_after_for(interval: timedelta | None) -> timedelta:
    """How long without a check makes a target stale: two of its schedule's intervals when
    the schedule is known, else `DEFAULT_STALE_AFTER`."""
    return interval * STALE_INTERVALS if interval is not None else DEFAULT_STALE_AFTER


def verdict(
    history: CheckHistory, *, now: datetime, unhealthy_after: int, stale_after: timedelta
) -> Verdict:
    """`stale` when no check happened for longer than `stale_after` (nothing is watching: it
    says more than failures that stopped), `failing` when the last `unhealthy_after` checks
    failed, else `ok`. A target never checked is stale."""
    if history.last is None or now - history.last.started_at > stale_after:
        return Verdict.STALE
    if history.failing(unhealthy_after):
        return Verdict.FAILING
    return Verdict.OK
