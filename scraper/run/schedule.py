"""The scheduled job (`nato-watch run`): triggers, start-time planning, health, logging, shutdown.

The core is pure and unit-tested: `parse_duration`, `parse_cron`, `plan_schedule`,
`first_run`, `next_slot`, `Health` and `format_check_line` take data and return data.
`ScheduledRun` wires them to APScheduler's `BlockingScheduler`: one job per target, each
calling `pipeline.check_target` under the archive lock taken for that check only. Only this
module imports APScheduler, and only inside functions, so the CLI starts fast.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from scraper.core.records import CheckStatus, Source
from scraper.errors import ConfigError, LockedError
from scraper.run.notify import Delivery, Notifier, NotifySettings
from scraper.run.pipeline import CheckOptions, CheckResult, check_target
from scraper.timespec import (
    DAY_NAMES,
    CronSpec,
    format_duration,
    parse_cron,
    parse_duration,
    resolve_timezone,
    utc_now,
)

if TYPE_CHECKING:
    from scraper.archive.store import Archive
    from scraper.config import Config, RunSettings
    from scraper.core.records import CheckRecord
    from scraper.core.target import Target
    from scraper.fetching.http import FetchFunction

LOG = logging.getLogger("nato-watch.run")

DEFAULT_EVERY = timedelta(hours=6)

Clock = Callable[[], datetime]


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


# -- health ----------------------------------------------------------------------------------


class HealthChange(StrEnum):
    """A change of a target's health worth a log line of its own."""

    UNHEALTHY = "unhealthy"
    RECOVERED = "recovered"


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


def health_from_checks(records: Iterable[CheckRecord]) -> Health:
    """The health the check log shows: the failed checks at its end, not yet reported.

    Imported captures (not live) are not checks of the site: an archived error page says
    nothing about the site's health today.
    """
    health = Health()
    for record in records:
        if record.source is not Source.LIVE:
            continue
        if record.status is CheckStatus.ERROR:
            health = Health(
                failures=health.failures + 1,
                since=health.since or record.started_at,
                last_error=record.error,
            )
        else:
            health = Health()
    return health


# -- log lines -------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_.:/+@~%-]+$")


def _kv(**fields: object) -> str:
    """`key=value` pairs; values with spaces or quotes are quoted, so lines stay greppable."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if not _BARE.fullmatch(text):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


def local_iso(moment: datetime, tz: tzinfo) -> str:
    """`moment` in `tz`, ISO 8601 to the second, with its offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def format_check_line(
    result: CheckResult, *, duration: float, next_run: datetime | None, tz: tzinfo
) -> str:
    """The one log line of a check: target, outcome, version, duration, next run, error."""
    return "check " + _kv(
        target=result.target,
        status=result.status.value,
        version=result.version or "-",
        duration=f"{duration:.2f}s",
        report=str(result.report) if result.report else None,
        next=local_iso(next_run, tz) if next_run else None,
        error=result.error,
    )


class IsoFormatter(logging.Formatter):
    """Log records with an ISO 8601 timestamp carrying its offset, in the run's time zone."""

    def __init__(self, tz: tzinfo) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's time in ISO 8601 with its offset, to the second."""
        return local_iso(datetime.fromtimestamp(record.created, UTC), self.tz)


def run_log_level(root_level: int) -> int:
    """The level of the run's own lines given the CLI's level: by default (WARNING) they show
    (INFO), one per check; `-q` (ERROR) keeps errors only; `-v`/`-vv` lower it further."""
    if root_level >= logging.ERROR:
        return logging.ERROR
    return min(root_level, logging.INFO)


def configure_logging(*, level: int, log_file: Path | None, tz: tzinfo) -> None:
    """Send log lines to stderr (and `log_file`, appended) with ISO timestamps in `tz`.

    `level` is the CLI's (`-q`, `-v`, `-vv`); the run's own lines get `run_log_level(level)`,
    so the default shows one line per check but not each HTTP attempt (that is `-v`).
    """
    formatter = IsoFormatter(tz)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as err:
            raise ConfigError(
                f"--log-file {log_file}: cannot open it for appending ({err.strerror}); "
                "check the path and its permissions"
            ) from err
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    LOG.setLevel(run_log_level(level))
    # APScheduler's own lines repeat ours (we log skipped and missed runs ourselves).
    logging.getLogger("apscheduler").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.ERROR
    )


# -- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs besides its targets and side effects."""

    schedule: Schedule = field(default_factory=Schedule)
    failure_threshold: int = 3
    stop_timeout: float = 60.0
    lock_timeout: float = 60.0


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended."""

    checks: int
    failed: int
    signal_number: int | None = None
    # Targets whose check was still running when the bounded wait (or a second signal) ended.
    unfinished: tuple[str, ...] = ()
    forced: bool = False

    @property
    def clean(self) -> bool:
        """Whether every check in progress finished before the run returned."""
        return not self.unfinished and not self.forced


class _SignalStop(BaseException):
    """Raised in the main thread by the signal handler to leave the scheduler's loop."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


class _Skipped(Exception):
    """A check that did not happen (archive locked, run stopping)."""


class ScheduledRun:
    """A foreground scheduler checking each target on its schedule until stopped.

    One APScheduler job per target (`max_instances=1`, `coalesce=True`, a misfire grace time
    of one period), each taking the archive lock for its own check only. No exception in a
    check reaches the scheduler.
    """

    def __init__(
        self,
        targets: Sequence[Target],
        *,
        archive: Archive,
        fetch: FetchFunction,
        plan: RunPlan,
        options: CheckOptions | None = None,
        notifier: Notifier | None = None,
        stop: threading.Event | None = None,
        now: Clock = utc_now,
        log: logging.Logger = LOG,
    ) -> None:
        if not targets:
            raise ConfigError("no targets to run; add [[targets]] to the config")
        self.targets = tuple(targets)
        self.archive = archive
        # One fetcher for the whole run is safe: every fetch happens under the archive lock,
        # so no two checks of this process fetch at the same time.
        self.fetch = fetch
        self.plan = plan
        self.options = options
        self.notifier = notifier
        self.now = now
        self.log = log
        self.tz = plan.schedule.tz
        # Set on stop; the fetcher may share it to cut a retry wait short.
        self._stopping = stop or threading.Event()
        self._idle = threading.Condition()
        self._active: set[str] = set()
        self._health: dict[str, Health] = {}
        self._counts = {"checks": 0, "failed": 0}
        self._scheduler: Any = None

    # -- public ------------------------------------------------------------------------------

    def run(self, *, handle_signals: bool = True) -> RunOutcome:
        """Check on schedule until `request_stop()` or SIGINT/SIGTERM; then wait (bounded) for
        the check in progress. With `handle_signals`, a second signal ends the wait at once."""
        self._scheduler = self._build_scheduler()
        previous: dict[signal.Signals, Any] = {}
        received: int | None = None
        try:
            if handle_signals:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    previous[signum] = signal.signal(signum, self._on_signal)
            try:
                if not self._stopping.is_set():
                    self._scheduler.start()
            except _SignalStop as stop:
                received = stop.signal_number
            try:
                unfinished = self._stop(received)
            except _SignalStop as stop:
                # The exit reflects the signal that forced it, as if it had killed the process.
                received = stop.signal_number
                active = tuple(sorted(self._active))
                self.log.warning(
                    "stop: second signal (%s); exiting now%s (the archive stays valid: its "
                    "writes are atomic)",
                    _signal_name(received).removeprefix("received "),
                    f" without waiting for {', '.join(active)}" if active else "",
                )
                return self._outcome(received, unfinished=active, forced=True)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self._outcome(received, unfinished=unfinished)

    def request_stop(self) -> None:
        """Ask the run to stop (from any thread other than the one in `run`)."""
        self._stopping.set()
        self._shutdown_scheduler()

    def _shutdown_scheduler(self) -> None:
        # Called from request_stop() and from the scheduler's own start event, so a stop asked
        # for while the scheduler was starting is not lost.
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            with contextlib.suppress(Exception):  # already stopped by the other caller
                scheduler.shutdown(wait=False)

    def next_runs(self) -> dict[str, datetime]:
        """Each target's next planned check (empty before the run starts or after it ends)."""
        out: dict[str, datetime] = {}
        if self._scheduler is None:
            return out
        for job in self._scheduler.get_jobs():
            if job.next_run_time is not None:
                out[job.name] = job.next_run_time.astimezone(UTC)
        return out

    def health(self, target: str) -> Health:
        """A target's current run of failed checks."""
        return self._health.get(target, Health())

    # -- setting up --------------------------------------------------------------------------

    def _build_scheduler(self) -> Any:
        from apscheduler.events import (
            EVENT_JOB_ERROR,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
            EVENT_SCHEDULER_STARTED,
        )
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        schedule = self.plan.schedule
        scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=len(self.targets))},
        )
        scheduler.add_listener(
            self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED
        )
        scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        now = self.now()
        nominal = _nominal_next(schedule)
        period = _period(schedule, now)
        self.log.info(
            "run: %d target(s), %s; failure warning after %d in a row; stop with Ctrl-C or "
            "SIGTERM (waits up to %s for a check in progress)",
            len(self.targets),
            schedule.describe(),
            self.plan.failure_threshold,
            format_duration(timedelta(seconds=self.plan.stop_timeout)),
        )
        for target in self.targets:
            last = self.archive.last_check(target.name)
            last_at = last.started_at if last else None
            first = first_run(last_check=last_at, now=now, next_after=nominal)
            self._health[target.name] = health_from_checks(self.archive.iter_checks(target.name))
            scheduler.add_job(
                self._check,
                trigger=_trigger(schedule, anchor=first),
                args=(target,),
                id=f"check:{target.name}",
                name=target.name,
                max_instances=1,
                coalesce=True,
                # A late check still beats none: anything up to one period late runs once.
                misfire_grace_time=max(1, math.ceil(period.total_seconds())),
                next_run_time=first,
            )
            reason = (
                "never checked" if last_at is None else f"last check {local_iso(last_at, self.tz)}"
            )
            when = "now" if first <= now else local_iso(first, self.tz)
            self.log.info("plan %s", _kv(target=target.name, first=when, reason=reason))
            self._report_seeded_health(target.name)
        return scheduler

    def _report_seeded_health(self, name: str) -> None:
        health = self._health[name]
        if health.failures >= self.plan.failure_threshold:
            self._health[name] = replace(health, reported=True)
            self._warn_unhealthy(name, self._health[name])

    # -- one check ---------------------------------------------------------------------------

    def _check(self, target: Target) -> None:
        """The job: one check of `target`. Never raises: a failure is logged and counted."""
        if self._stopping.is_set():
            return
        with self._idle:
            self._active.add(target.name)
        started = time.monotonic()
        try:
            self._check_once(target, started)
        except Exception as err:  # a bug or a broken disk must not stop the other targets
            self.log.exception(
                "check %s",
                _kv(
                    target=target.name,
                    status="error",
                    duration=f"{time.monotonic() - started:.2f}s",
                    error=f"internal error (please report it): {type(err).__name__}: {err}",
                ),
            )
            self._count(target.name, ok=False, error=f"{type(err).__name__}: {err}")
        finally:
            with self._idle:
                self._active.discard(target.name)
                self._idle.notify_all()

    def _check_once(self, target: Target, started: float) -> None:
        try:
            with self._archive_lock():
                result = check_target(
                    target,
                    archive=self.archive,
                    fetch=self.fetch,
                    now=self.now,
                    options=self.options,
                )
        except _Skipped as skip:
            if self._stopping.is_set():
                self.log.info("skip %s", _kv(target=target.name, reason="stopping"))
                return
            self.log.warning("skip %s", _kv(target=target.name, reason=str(skip)))
            self._count(target.name, ok=False, error=f"skipped: {skip}")
            return
        duration = time.monotonic() - started
        line = format_check_line(
            result, duration=duration, next_run=self._next_run(target.name), tz=self.tz
        )
        if result.ok:
            self.log.info("%s", line)
        else:
            self.log.error("%s", line)
        for note in result.record.notes:  # what the fetch noticed (a redirect to another host…)
            self.log.info("note %s", _kv(target=target.name, note=note))
        if result.note:  # a suspect page accepted: worth a look
            self.log.warning("note %s", _kv(target=target.name, note=result.note))
        self._count(target.name, ok=result.ok, error=result.error)
        if self.notifier is not None:
            self.notifier.submit(target, result, archive=self.archive)

    @contextlib.contextmanager
    def _archive_lock(self) -> Iterator[None]:
        """The archive lock for one check: wait up to the lock timeout, in short steps so a
        stop request is not kept waiting."""
        deadline = time.monotonic() + self.plan.lock_timeout
        while True:
            if self._stopping.is_set():
                raise _Skipped("stopping")
            remaining = deadline - time.monotonic()
            try:
                with self.archive.lock(timeout=max(0.0, min(0.25, remaining))):
                    yield
                    return
            except LockedError as err:
                if time.monotonic() >= deadline:
                    raise _Skipped(str(err)) from err

    def _next_run(self, name: str) -> datetime | None:
        try:
            job = self._scheduler.get_job(f"check:{name}")
        except Exception:  # the scheduler may be shutting down; the time is only informative
            return None
        return job.next_run_time if job is not None else None

    def _count(self, name: str, *, ok: bool, error: str | None) -> None:
        with self._idle:
            self._counts["checks"] += 1
            self._counts["failed"] += 0 if ok else 1
            before = self._health.get(name, Health())
            health, change = before.after(
                ok=ok, at=self.now(), error=error, threshold=self.plan.failure_threshold
            )
            self._health[name] = health
        if change is HealthChange.UNHEALTHY:
            self._warn_unhealthy(name, health)
        elif change is HealthChange.RECOVERED:
            self.log.warning(
                "recovered %s",
                _kv(
                    target=name,
                    after_failures=before.failures,
                    failing_since=local_iso(before.since, self.tz) if before.since else None,
                    note="the check works again",
                ),
            )

    def _warn_unhealthy(self, name: str, health: Health) -> None:
        self.log.warning(
            "UNHEALTHY %s",
            _kv(
                target=name,
                failures=health.failures,
                since=local_iso(health.since, self.tz) if health.since else None,
                last_error=health.last_error,
                note=f"still retrying ({self.plan.schedule.describe()}); "
                "a line 'recovered' follows when a check works again",
            ),
        )

    def _on_started(self, event: Any) -> None:
        if self._stopping.is_set():
            self._shutdown_scheduler()

    def _on_event(self, event: Any) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        name = event.job_id.removeprefix("check:")
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.log.warning(
                "skip %s", _kv(target=name, reason="the previous check is still running")
            )
        elif event.code == EVENT_JOB_MISSED:
            self.log.warning(
                "skip %s",
                _kv(
                    target=name,
                    reason=f"missed its time {local_iso(event.scheduled_run_time, self.tz)}",
                ),
            )
        else:
            self.log.error(
                "job %s", _kv(target=name, error=repr(getattr(event, "exception", None)))
            )

    # -- stopping ----------------------------------------------------------------------------

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        # Only set a flag and unwind the main thread: taking locks in a handler can deadlock.
        self._stopping.set()
        raise _SignalStop(number)

    def _stop(self, received: int | None) -> tuple[str, ...]:
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        deadline = time.monotonic() + self.plan.stop_timeout
        with self._idle:
            if self._active:
                self.log.info(
                    "stop: %s; waiting up to %s for the check of %s",
                    _signal_name(received),
                    format_duration(timedelta(seconds=self.plan.stop_timeout)),
                    ", ".join(sorted(self._active)),
                )
            while self._active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._idle.wait(remaining)
            unfinished = tuple(sorted(self._active))
        if self.notifier is not None:
            self.notifier.drain(max(0.0, deadline - time.monotonic()))
        if unfinished:
            self.log.error(
                "stop: gave up waiting for %s after %s; exiting anyway (the archive stays "
                "valid: its writes are atomic)",
                ", ".join(unfinished),
                format_duration(timedelta(seconds=self.plan.stop_timeout)),
            )
        else:
            self.log.info("stop: %s; stopped cleanly", _signal_name(received))
        return unfinished

    def _outcome(
        self, received: int | None, *, unfinished: tuple[str, ...], forced: bool = False
    ) -> RunOutcome:
        with self._idle:
            return RunOutcome(
                checks=self._counts["checks"],
                failed=self._counts["failed"],
                signal_number=received,
                unfinished=unfinished,
                forced=forced,
            )


def _signal_name(number: int | None) -> str:
    if number is None:
        return "stop requested"
    try:
        return f"received {signal.Signals(number).name}"
    except ValueError:
        return f"received signal {number}"


# -- triggers (APScheduler) ------------------------------------------------------------------


def _nominal_next(schedule: Schedule) -> Callable[[datetime], datetime]:
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
    nominal = _nominal_next(schedule)
    times: list[datetime] = []
    moment = after
    for _ in range(count):
        moment = nominal(moment)
        times.append(moment)
    return times


def _period(schedule: Schedule, now: datetime) -> timedelta:
    """The schedule's period: its interval, or the gap between a cron's next two times."""
    if schedule.cron is None:
        return schedule.every or DEFAULT_EVERY
    nominal = _nominal_next(schedule)
    first = nominal(now)
    return nominal(first) - first


def _trigger(schedule: Schedule, *, anchor: datetime) -> Any:
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


# -- the command -----------------------------------------------------------------------------


def run_schedule(
    config: Config,
    *,
    archive: Archive,
    make_fetcher: Callable[[threading.Event], AbstractContextManager[FetchFunction]],
    target_name: str | None = None,
    every: str | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    jitter: str | None = None,
    log_file: Path | None = None,
    log_level: int = logging.INFO,
) -> RunOutcome:
    """`nato-watch run`: plan the schedule, set up logging and notifications, and run in the
    foreground until SIGINT/SIGTERM. `make_fetcher(stop)` opens the run's one fetcher; `stop`
    is set when the run stops."""
    schedule = plan_schedule(config.run, every=every, cron=cron, timezone=timezone, jitter=jitter)
    targets = [config.target(target_name)] if target_name else list(config.targets)
    configure_logging(level=log_level, log_file=log_file, tz=schedule.tz)
    plan = RunPlan(
        schedule=schedule,
        failure_threshold=config.run.failure_threshold,
        stop_timeout=config.run.stop_timeout,
        lock_timeout=config.check.lock_timeout,
    )
    notifier = None
    if any(t.webhook or t.command for t in targets):
        notifier = Notifier(
            NotifySettings(timeout=config.run.notify_timeout, tries=config.run.notify_tries),
            on_delivery=_log_delivery,
        )
    stop = threading.Event()
    try:
        with make_fetcher(stop) as fetch:
            runner = ScheduledRun(
                targets,
                archive=archive,
                fetch=fetch,
                plan=plan,
                options=CheckOptions(suspect_confirmations=config.check.suspect_confirmations),
                notifier=notifier,
                stop=stop,
            )
            return runner.run(handle_signals=True)
    finally:
        if notifier is not None:
            notifier.close()


def _log_delivery(delivery: Delivery) -> None:
    fields = _kv(
        target=delivery.target,
        channel=delivery.channel.value,
        to=delivery.destination,
        ok="yes" if delivery.ok else "no",
        duration=f"{delivery.duration:.2f}s",
        detail=delivery.detail,
    )
    if delivery.ok:
        LOG.info("notify %s", fields)
    else:
        LOG.warning("notify %s", fields)
