"""`run`: the scheduled job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scraper.cli.app import (
    Env,
    errors_to_exit,
    open_fetcher,
    refuse_demo,
    say_once_without_contact,
    target_option,
)
from scraper.errors import ConfigError

# -- run: the scheduled job ------------------------------------------------------------------


@click.command()
@click.option("--every", metavar="DURATION", help="Interval: 30s, 30m, 6h, 1d (default: 6h).")
@click.option("--cron", metavar="EXPR", help='Five-field crontab times, e.g. "0 */6 * * *".')
@target_option("Run only this target (default: every configured target).")
@click.option("--jitter", metavar="DURATION", help="Delay each check by a random 0..DURATION.")
@click.option("--timezone", metavar="TZ", help="Zone of --cron times and log stamps (UTC).")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append the log lines to this file.",
)
@click.pass_obj
def run(
    env: Env,
    every: str | None,
    cron: str | None,
    target_name: str | None,
    jitter: str | None,
    timezone: str | None,
    log_file: Path | None,
) -> None:
    """Check the targets on a schedule, in the foreground, until SIGINT or SIGTERM.

    A target never checked, or last checked longer ago than its interval, is checked at once;
    otherwise its next check is its last one plus the interval. Each check logs one line on
    stderr. SIGINT/SIGTERM let the check in progress finish, then exit 0; a second one exits
    at once.

    Example: nato-watch run --every 6h --jitter 5m
    """
    import os

    # lazy: APScheduler, requests and the parser load only for run
    from scraper.run.launch import run_schedule

    with errors_to_exit():
        refuse_demo(env, "run")
        if every and cron:
            raise ConfigError("give --every or --cron, not both")
        outcome = run_schedule(
            env.config,
            archive=env.archive,
            make_fetcher=lambda stop, on_wait: _open_fetcher(env, stop, on_wait),
            target_name=target_name,
            every=every,
            cron=cron,
            timezone=timezone,
            jitter=jitter,
            log_file=log_file,
            log_level=logging.getLogger().level,
        )
    if not outcome.clean:
        # A check still runs in a worker thread and the interpreter would wait for it at
        # exit; the user asked not to wait. The store's writes are atomic.
        logging.shutdown()
        os._exit(128 + outcome.signal_number if outcome.forced and outcome.signal_number else 1)


def _open_fetcher(env: Env, stop: Any, on_wait: Callable[[Any], None] | None) -> Any:
    """The run's fetcher, opened once the options are known to be good; the first run of a
    data dir without a contact says so first. `on_wait` hears of each wait before a retry."""
    say_once_without_contact(env, env.config.fetch, [t.url for t in env.config.targets])
    return open_fetcher(env.config.targets, env.config.fetch, stop=stop, on_wait=on_wait)
