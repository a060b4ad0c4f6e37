"""When the scheduled run checks: the schedule (`--every`/`--cron`, time zone, jitter), its
planning from the options and `[run]`, each target's first check, and the APScheduler triggers
that fire on it.

Pure and unit-tested but for the triggers: `plan_schedule`, `first_run`, `next_slot` and
`upcoming` take data and return data. APScheduler (its triggers here, its scheduler in
`run.schedule`) is imported inside the functions that build one, so the CLI starts fast.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from scraper.errors import ConfigError
from scraper.timespec import (
    DAY_NAMES,
    CronSpec,
    format_duration,
    parse_cron,
    parse_duration,
    resolve_timezone,
)

if TYPE_CHECKING:
    from scraper.config import RunSettings

DEFAULT_EVERY = timedelta(hours=6)

# -- the schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When checks happen: every `every`, or at the times of `cron` in `timezone`; each one
    delayed by up to `jitter` (the first check at start-up is not delayed)."""

    every: timedelta | None = DEFAULT_EVERY
    cron: CronSpec | None = None
    timezone: str = "UTC"
    jitter: timedelta = timedelta(0)

    @property
    def tz(self) -> tzinfo:
        """The time zone cron times and log timestamps are read in."""
        return resolve_timezone(self.timezone)

    def describe(self) -> str:
        """`every 6h` or `cron "0 */6 * * *" in Europe/Brussels`, with the jitter if any."""
        if self.cron is not None:
            text = f'cron "{self.cron.expression}" in {self.timezone}'
        else:
            text = f"every {format_duration(self.every or DEFAULT_EVERY)}"
        if self.jitter:
            text += f", jitter up to {format_duration(self.jitter)}"
        return text


def plan_schedule(
    settings: RunSettings,
    *,
    every: str | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    jitter: str | None = None,
) -> Schedule:
    """The schedule from command-line options over the `[run]` settings: a schedule given on
    the command line replaces the configured one; the default is every 6 hours."""
    if every and cron:
        raise ConfigError("give --every or --cron, not both")
    zone = timezone if timezone is not None else settings.timezone
    resolve_timezone(zone, option="--timezone" if timezone is not None else "[run] timezone")
    spread = (
        parse_duration(jitter, option="--jitter", minimum=timedelta(0))
        if jitter is not None
        else settings.jitter
    )
    if every:
        interval: timedelta | None = parse_duration(every, option="--every")
        spec = None
    elif cron:
        interval, spec = None, parse_cron(cron, option="--cron")
    elif settings.cron:
        interval, spec = None, parse_cron(settings.cron, option="[run] cron")
    else:
        interval, spec = settings.every or DEFAULT_EVERY, None
    if interval is not None and spread >= interval:
        raise ConfigError(
            f"the jitter ({format_duration(spread)}) must be shorter than the interval "
            f"({format_duration(interval)}); lower --jitter (or jitter in [run])"
        )
    return Schedule(every=interval, cron=spec, timezone=zone.strip(), jitter=spread)


def first_run(
    *, last_check: datetime | None, now: datetime, next_after: Callable[[datetime], datetime]
) -> datetime:
    """When a target's first check of this run is due: `now` when it was never checked or its
    next scheduled time after the last check has passed; otherwise that next time.

    `next_after(t)` is the schedule's first time after `t` (`t + interval` for an interval), so
    a restart neither resets the rhythm nor checks twice. A last check in the future (the
    clock went back) counts as a check now.
    """
    if last_check is None:
        return now
    due = next_after(min(last_check, now))
    return now if due <= now else due


def next_slot(anchor: datetime, interval: timedelta, *, after: datetime) -> datetime:
    """The first of the times `anchor + k·interval` (k ≥ 0) that is later than `after`.

    Computing from the anchor, not from the previous (jittered) run, keeps the rhythm from
    drifting by the jitter each time.
    """
    if after < anchor:
        return anchor
    return anchor + ((after - anchor) // interval + 1) * interval


# -- triggers (APScheduler) ------------------------------------------------------------------


def nominal_next(schedule: Schedule) -> Callable[[datetime], datetime]:
    """The schedule's first nominal (unjittered) time after a moment."""
    if schedule.cron is None:
        interval = schedule.every or DEFAULT_EVERY
        return lambda moment: moment + interval
    trigger = _cron_trigger(schedule.cron, schedule.tz, jitter=timedelta(0))

    def after(moment: datetime) -> datetime:
        # +1µs: a check that started exactly on a firing time is not due again at that time.
        found = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
        return found.astimezone(UTC) if found else moment + timedelta(days=3650)

    return after


def upcoming(schedule: Schedule, *, after: datetime, count: int) -> list[datetime]:
    """The schedule's next `count` nominal times after `after` (without jitter), in UTC."""
    nominal = nominal_next(schedule)
    times: list[datetime] = []
    moment = after
    for _ in range(count):
        moment = nominal(moment)
        times.append(moment)
    return times


def period_of(schedule: Schedule, now: datetime) -> timedelta:
    """The schedule's period: its interval, or the gap between a cron's next two times."""
    if schedule.cron is None:
        return schedule.every or DEFAULT_EVERY
    nominal = nominal_next(schedule)
    first = nominal(now)
    return nominal(first) - first


def trigger_for(schedule: Schedule, *, anchor: datetime) -> Any:
    """The APScheduler trigger of a target's job: the cron's times, or the interval's slots
    from `anchor` (the target's first check), each with the schedule's jitter."""
    if schedule.cron is not None:
        return _cron_trigger(schedule.cron, schedule.tz, jitter=schedule.jitter)
    return _anchored_interval(anchor, schedule.every or DEFAULT_EVERY, schedule.jitter)


def _cron_trigger(spec: CronSpec, tz: tzinfo, *, jitter: timedelta) -> Any:
    """An APScheduler trigger firing as cron would for `spec`.

    Every field is given as an explicit list, and weekdays by name: APScheduler 3 numbers
    weekdays from Monday = 0 where crontab has Sunday = 0. Cron's rule that a restricted day
    of the month and a restricted day of the week fire on either is an `OrTrigger`.
    """
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    def listed(values: frozenset[int], full: int) -> str:
        return "*" if len(values) == full else ",".join(str(v) for v in sorted(values))

    common = {
        "minute": listed(spec.minutes, 60),
        "hour": listed(spec.hours, 24),
        "month": listed(spec.months, 12),
        "timezone": tz,
    }
    days = listed(spec.days, 31)
    weekdays = (
        "*" if len(spec.weekdays) == 7 else ",".join(DAY_NAMES[d] for d in sorted(spec.weekdays))
    )
    seconds = jitter.total_seconds() or None
    if spec.days_restricted and spec.weekdays_restricted:
        return OrTrigger(
            [
                CronTrigger(day=days, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=weekdays, **common),
            ],
            jitter=seconds,
        )
    return CronTrigger(day=days, day_of_week=weekdays, jitter=seconds, **common)


def _anchored_interval(anchor: datetime, interval: timedelta, jitter: timedelta) -> Any:
    """An interval trigger whose times are `anchor + k·interval`, each plus a fresh jitter.

    APScheduler's own `IntervalTrigger` adds the interval to the previous, already jittered,
    run time, so its jitter accumulates into drift; this one does not.
    """
    from apscheduler.triggers.base import BaseTrigger

    class AnchoredInterval(BaseTrigger):  # type: ignore[misc]
        """Fires at `anchor + k·interval` plus a fresh jitter each time."""

        def get_next_fire_time(
            self, previous_fire_time: datetime | None, now: datetime
        ) -> datetime:
            """The next slot after the previous run (or from `now`), plus jitter."""
            if previous_fire_time is None:
                nominal = anchor if now <= anchor else next_slot(anchor, interval, after=now)
            else:
                # The previous time is a slot plus less than one interval of jitter.
                nominal = next_slot(anchor, interval, after=previous_fire_time)
            spread = random.uniform(0, jitter.total_seconds()) if jitter else 0.0
            return nominal + timedelta(seconds=spread)

        def __str__(self) -> str:
            return f"every {format_duration(interval)} from {anchor.isoformat()}"

    return AnchoredInterval()
