"""The scheduled job (`nato-watch run`): one APScheduler job per target, each fetching its
page when its host's turn comes (`run.hosts`: hosts side by side, one request at a time per
host) and then calling `pipeline.check_target` under the archive lock taken for that check
only; health warnings, notifications, and a clean stop on SIGINT/SIGTERM.

When checks happen is `run.timing`, a target's health `core.health`, the log lines
`run.runlog`, the heartbeat `run.heartbeat`; `run.launch` sets a run up from the config.
Only this module and `run.timing` (the triggers) import APScheduler, and only inside
functions, so the CLI starts fast.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from scraper.core.health import Health, HealthChange, check_history
from scraper.errors import ConfigError, LockedError, ScraperError
from scraper.run.alerts import notices_for
from scraper.run.coalesce import Coalesced
from scraper.run.hosts import HostTurns, Stopped
from scraper.run.notify import Notice, Notifier
from scraper.run.pipeline import (
    CheckOptions,
    CheckResult,
    Fetched,
    check_target,
    fetch_ahead,
    publish_health,
)
from scraper.run.runlog import LOG, format_check_line, format_fields, local_iso
from scraper.run.timing import Schedule, first_run, nominal_next, period_of, trigger_for
from scraper.timespec import format_duration, utc_now

if TYPE_CHECKING:
    from scraper.archive.store import Archive
    from scraper.core.target import Target
    from scraper.fetching.http import FetchFunction

Clock = Callable[[], datetime]


# -- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs besides its targets and side effects."""

    schedule: Schedule = field(default_factory=Schedule)
    unhealthy_after: int = 3
    stop_timeout: float = 60.0
    lock_timeout: float = 60.0
    # Seconds between the end of one request to a host and the start of the next (the
    # config's `[run] host_interval`, 1 s unless set).
    host_interval: float = 0.0


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
        # One fetcher for the whole run, shared by checks of different hosts that fetch at
        # once: the HTTP fetcher's connection pools are thread-safe, and the browser fetcher
        # loads one page at a time.
        self.fetch = fetch
        self.plan = plan
        # The health page is rewritten by the run, at most once a second (`run.coalesce`),
        # not by each check: made from every target's log, it would cost more than the check.
        self.options = replace(options or CheckOptions(), health_page=False)
        self._health_page = Coalesced(self._write_health_page)
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
        self._turns = HostTurns(plan.host_interval, stop=self._stopping)
        # This process's checks queue here for the archive lock, instead of each polling it.
        self._writer = threading.Lock()

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
        nominal = nominal_next(schedule)
        period = period_of(schedule, now)
        self.log.info(
            "run: %d target(s), %s; failure warning after %d in a row; stop with Ctrl-C or "
            "SIGTERM (waits up to %s for a check in progress)",
            len(self.targets),
            schedule.describe(),
            self.plan.unhealthy_after,
            format_duration(timedelta(seconds=self.plan.stop_timeout)),
        )
        for target in self.targets:
            last = self.archive.last_check(target.name)
            last_at = last.started_at if last else None
            first = first_run(last_check=last_at, now=now, next_after=nominal)
            history = check_history(self.archive.iter_checks_newest_first(target.name))
            self._health[target.name] = history.health
            scheduler.add_job(
                self._check,
                trigger=trigger_for(schedule, anchor=first),
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
            self.log.info("plan %s", format_fields(target=target.name, first=when, reason=reason))
            self._report_seeded_health(target.name)
        return scheduler

    def _report_seeded_health(self, name: str) -> None:
        health = self._health[name]
        if health.failures >= self.plan.unhealthy_after:
            self._health[name] = replace(health, reported=True)
            self._warn_health(HealthChange.UNHEALTHY, name, self._health[name])

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
        except ScraperError as err:  # the archive cannot be written (a full disk): one line
            self._failed(self.log.error, target, started, shown=str(err), error=str(err))
        except Exception as err:  # a bug or a broken disk must not stop the other targets
            error = f"{type(err).__name__}: {err}"
            shown = f"internal error (please report it): {error}"
            self._failed(self.log.exception, target, started, shown=shown, error=error)
        finally:
            self._health_page.due()
            with self._idle:
                self._active.discard(target.name)
                self._idle.notify_all()

    def _failed(
        self, log: Callable[..., None], target: Target, started: float, *, shown: str, error: str
    ) -> None:
        """A check that raised: its line (`shown` as its error) through `log`, and its count
        (`error` in the health)."""
        duration = f"{time.monotonic() - started:.2f}s"
        fields = format_fields(target=target.name, status="error", duration=duration, error=shown)
        log("check %s", fields)
        self._count(target.name, ok=False, error=error)

    def _check_once(self, target: Target, started: float) -> None:
        try:
            fetched = self._fetch_ahead(target)
            # Fetched: the check is in progress, and a stop waits for it (bounded).
            with self._archive_lock(stoppable=False):
                result = check_target(
                    target,
                    archive=self.archive,
                    fetch=self.fetch,
                    now=self.now,
                    options=self.options,
                    fetched=fetched,
                )
                # Decided while the check's line is the log's newest: `run.alerts`.
                notices = notices_for(
                    target, result, archive=self.archive, unhealthy_after=self.plan.unhealthy_after
                )
        except _Skipped as skip:
            if self._stopping.is_set():
                self.log.info("skip %s", format_fields(target=target.name, reason="stopping"))
                return
            self.log.warning("skip %s", format_fields(target=target.name, reason=str(skip)))
            self._count(target.name, ok=False, error=f"skipped: {skip}")
            return
        if result.late is not None:  # a change a stopped check never announced: now it is
            self._report(target, result.late, duration=0.0, notices=(), counted=False)
        self._report(target, result, duration=time.monotonic() - started, notices=notices)

    def _report(
        self,
        target: Target,
        result: CheckResult,
        *,
        duration: float,
        notices: Sequence[Notice],
        counted: bool = True,
    ) -> None:
        """Log one check's line and notes, count it (unless it is a late one, counted when it
        ran), and hand its notices to the notifier (a late change's goes with the check that
        found it: `run.alerts`)."""
        line = format_check_line(
            result, duration=duration, next_run=self._next_run(target.name), tz=self.tz
        )
        if result.ok:
            self.log.info("%s", line)
        else:
            self.log.error("%s", line)
        for note in result.record.notes:  # what the fetch noticed (a redirect to another host…)
            self.log.info("note %s", format_fields(target=target.name, note=note))
        if result.note:  # a suspect page accepted: worth a look
            self.log.warning("note %s", format_fields(target=target.name, note=result.note))
        if counted:
            self._count(target.name, ok=result.ok, error=result.error, at=result.record.started_at)
        if self.notifier is not None:
            for notice in notices:
                self.notifier.submit_notice(target, notice)

    def _write_health_page(self) -> None:
        """Rewrite the site's health page from the check logs, under the archive lock."""
        try:
            with self._archive_lock(stoppable=False):
                publish_health(self.archive, self.options)
        except _Skipped as skip:
            self.log.warning("health page: not rewritten: %s", skip)
        except Exception as err:  # a bug must not end the writer's thread with a traceback
            self.log.error(
                "health page: not rewritten: internal error (please report it): %s: %s",
                type(err).__name__,
                err,
            )

    def _fetch_ahead(self, target: Target) -> Fetched:
        """The check's fetch, outside the archive lock, when its host's turn comes."""
        try:
            with self._turns.turn(target.url):
                return fetch_ahead(target, archive=self.archive, fetch=self.fetch, now=self.now)
        except Stopped:
            raise _Skipped("stopping") from None

    @contextlib.contextmanager
    def _archive_lock(self, *, stoppable: bool = True) -> Iterator[None]:
        """The archive lock for one check: this process's turn first, then the data dir's
        lock; wait up to the lock timeout, in short steps so a stop request (when
        `stoppable`) is not kept waiting."""
        deadline = time.monotonic() + self.plan.lock_timeout
        while not self._writer.acquire(timeout=0.25):
            if stoppable and self._stopping.is_set():
                raise _Skipped("stopping")
            if time.monotonic() >= deadline:
                raise _Skipped(f"waited {self.plan.lock_timeout:g}s for this run's other checks")
        try:
            with self._held_archive_lock(deadline, stoppable=stoppable):
                yield
        finally:
            self._writer.release()

    @contextlib.contextmanager
    def _held_archive_lock(self, deadline: float, *, stoppable: bool) -> Iterator[None]:
        """The data dir's lock, waited for until `deadline` in short steps."""
        while True:
            if stoppable and self._stopping.is_set():
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

    def _count(self, name: str, *, ok: bool, error: str | None, at: datetime | None = None) -> None:
        """Count a check (made at `at`, as its log line says; else now) into the health."""
        with self._idle:
            self._counts["checks"] += 1
            self._counts["failed"] += 0 if ok else 1
            before = self._health.get(name, Health())
            health, change = before.after(
                ok=ok, at=at or self.now(), error=error, threshold=self.plan.unhealthy_after
            )
            self._health[name] = health
        if change is not None:
            self._warn_health(change, name, health if change is HealthChange.UNHEALTHY else before)

    def _warn_health(self, change: HealthChange, name: str, episode: Health) -> None:
        """The warning line of a health change; `episode` is the run of failures it starts
        (unhealthy) or ends (recovered)."""
        since = local_iso(episode.since, self.tz) if episode.since else None
        if change is HealthChange.UNHEALTHY:
            note = (
                f"still retrying ({self.plan.schedule.describe()}); "
                "a line 'recovered' follows when a check works again"
            )
            fields = format_fields(
                target=name,
                failures=episode.failures,
                since=since,
                last_error=episode.last_error,
                note=note,
            )
            self.log.warning("UNHEALTHY %s", fields)
        else:
            fields = format_fields(
                target=name,
                after_failures=episode.failures,
                failing_since=since,
                note="the check works again",
            )
            self.log.warning("recovered %s", fields)

    def _on_started(self, event: Any) -> None:
        if self._stopping.is_set():
            self._shutdown_scheduler()

    def _on_event(self, event: Any) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        name = event.job_id.removeprefix("check:")
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.log.warning(
                "skip %s", format_fields(target=name, reason="the previous check is still running")
            )
        elif event.code == EVENT_JOB_MISSED:
            self.log.warning(
                "skip %s",
                format_fields(
                    target=name,
                    reason=f"missed its time {local_iso(event.scheduled_run_time, self.tz)}",
                ),
            )
        else:
            self.log.error(
                "job %s", format_fields(target=name, error=repr(getattr(event, "exception", None)))
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
        if unfinished:  # a check stuck holding the archive lock would hold the stop too
            self._health_page.close()
        else:
            self._health_page.flush()
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
