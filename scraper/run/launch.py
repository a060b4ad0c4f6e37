"""`nato-watch run` set up from the config: the schedule planned, logging configured, the
notifier and the heartbeat started, and the run (`run.schedule.ScheduledRun`) in the
foreground until it stops. The scheduler itself is `run.schedule`; this is what the CLI
calls, importing it only for `run` (APScheduler loads with it), so the CLI starts fast.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.run.heartbeat import beating
from scraper.run.notify import Delivery, Notifier, NotifySettings
from scraper.run.pipeline import CheckOptions
from scraper.run.runlog import LOG, configure_logging, format_fields, retry_logger
from scraper.run.schedule import RunOutcome, RunPlan, ScheduledRun
from scraper.run.timing import Schedule, period_of, plan_schedule
from scraper.timespec import utc_now

if TYPE_CHECKING:
    from scraper.archive.store import Archive
    from scraper.config import Config
    from scraper.core.target import Target
    from scraper.fetching.http import FetchFunction
    from scraper.fetching.retry import RetryWait


def run_schedule(
    config: Config,
    *,
    archive: Archive,
    make_fetcher: Callable[
        [threading.Event, Callable[[RetryWait], None]], AbstractContextManager[FetchFunction]
    ],
    target_name: str | None = None,
    every: str | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    jitter: str | None = None,
    log_file: Path | None = None,
    log_level: int = logging.INFO,
) -> RunOutcome:
    """`nato-watch run`: plan the schedule, set up logging and notifications, and run in the
    foreground until SIGINT/SIGTERM, beating (`run.heartbeat`) all along. `make_fetcher(stop,
    on_wait)` opens the run's one fetcher; `stop` is set when the run stops, `on_wait` logs each
    wait before a retry."""
    schedule = plan_schedule(config.run, every=every, cron=cron, timezone=timezone, jitter=jitter)
    targets = [config.target(target_name)] if target_name else list(config.targets)
    configure_logging(level=log_level, log_file=log_file, tz=schedule.tz)
    plan = _run_plan(config, schedule)
    notifier = _notifier(config, targets)
    stop = threading.Event()
    options = _check_options(config)
    heartbeat = beating(
        archive.root,
        schedule=schedule.describe(),
        interval=period_of(schedule, utc_now()),
        targets=tuple(t.name for t in targets),
        now=utc_now,
    )
    try:
        with make_fetcher(stop, retry_logger(targets)) as fetch, heartbeat:
            runner = ScheduledRun(
                targets,
                archive=archive,
                fetch=fetch,
                plan=plan,
                options=options,
                notifier=notifier,
                stop=stop,
            )
            return runner.run(handle_signals=True)
    finally:
        if notifier is not None:
            notifier.close()


def _run_plan(config: Config, schedule: Schedule) -> RunPlan:
    """The run's plan: its schedule and the config's thresholds and timeouts."""
    return RunPlan(
        schedule=schedule,
        unhealthy_after=config.run.unhealthy_after,
        stop_timeout=config.run.stop_timeout,
        lock_timeout=config.check.lock_timeout,
        host_interval=config.run.host_interval.total_seconds(),
    )


def _check_options(config: Config) -> CheckOptions:
    """What every check of the run is told by the config."""
    return CheckOptions(
        suspect_confirmations=config.check.suspect_confirmations,
        unhealthy_after=config.run.unhealthy_after,
        pairs=config.pairs(),
    )


def _notifier(config: Config, targets: Sequence[Target]) -> Notifier | None:
    """The run's notifier, when a target has a webhook or a command to tell."""
    if not any(t.webhook or t.command for t in targets):
        return None
    return Notifier(
        NotifySettings(timeout=config.run.notify_timeout, tries=config.run.notify_tries),
        on_delivery=_log_delivery,
    )


def _log_delivery(delivery: Delivery) -> None:
    """The run's log line of one notification delivered, or not."""
    fields = format_fields(
        target=delivery.target,
        event=delivery.event,
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
