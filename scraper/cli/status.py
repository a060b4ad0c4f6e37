"""`status`: each target's health, for people and for monitors (exit 0 only when all are ok).

Imports nothing heavy (no parser, requests or Jinja2): a monitor calls it every minute.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from scraper.cli.app import Env, echo, errors_to_exit, target_option
from scraper.timespec import utc_iso

if TYPE_CHECKING:
    from scraper.run.status import TargetStatus


@click.command(name="status")
@target_option("Only this target (default: every configured target and every archived one).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per target.")
@click.pass_obj
def status_command(env: Env, target_name: str | None, as_json: bool) -> None:
    """Show each target's health: last check, failures in a row, latest version, the run.

    The verdict is ok, failing (the last [run] unhealthy_after checks failed) or stale (no
    check for longer than [run] stale_after). Exit status 0 when every target is ok, 1
    otherwise, so any monitor can call it.

    Example: nato-watch status --json
    """
    # lazy: the other commands start without the health model and the heartbeats
    from scraper.run.status import target_statuses

    with errors_to_exit():
        now = env.now()
        statuses = target_statuses(env.archive, env.config, now=now, target=target_name)
    if as_json:
        echo(json.dumps([s.to_dict() for s in statuses], ensure_ascii=False, indent=1))
    else:
        echo("\n\n".join(_describe(s, now) for s in statuses))
    if not all(s.ok for s in statuses):
        sys.exit(1)


def _describe(status: TargetStatus, now: datetime) -> str:
    """A target's status for people: the verdict, then one fact per line."""
    history, last = status.history, status.history.last
    lines = [f"{status.target}: {_verdict_line(status, now)}"]
    if last is not None:
        lines.append(_fact("last check", f"{_when(last.started_at, now)}, {last.status.value}"))
    if history.last_error:
        lines.append(_fact("last error", history.last_error))
    if history.last_success is not None:
        lines.append(_fact("last success", _when(history.last_success.started_at, now)))
    elif last is not None:
        lines.append(_fact("last success", "none: every check so far failed"))
    failures = f"{history.failures} in a row" if history.failures else "none"
    lines.append(_fact("failures", f"{failures} (failing after {status.unhealthy_after})"))
    if status.latest_version:
        stamp = status.last_updated.text if status.last_updated else "no stamp"
        lines.append(_fact("latest", f"version {status.latest_version}, last updated {stamp}"))
    else:
        lines.append(_fact("latest", "no version yet"))
    lines.append(_fact("runner", _runner_line(status, now)))
    if not status.configured:
        lines.append(
            _fact(
                "note",
                "not in the config: nothing checks it; "
                f"`nato-watch forget {status.target}` removes it",
            )
        )
    return "\n".join(lines)


def _verdict_line(status: TargetStatus, now: datetime) -> str:
    history = status.history
    if status.verdict == "ok":
        return "ok"
    if status.verdict == "failing":
        since = f", since {_stamp(history.since)}" if history.since else ""
        return f"FAILING: the last {history.failures} checks failed{since}"
    why = f"stale after {_span(status.stale_after)}: {status.stale_because}"
    if history.last is None:
        return f"STALE: never checked ({why})"
    return f"STALE: no check for {_span(now - history.last.started_at)} ({why})"


def _runner_line(status: TargetStatus, now: datetime) -> str:
    runner = status.runner
    if runner is None:
        return "no `nato-watch run` watches it (fine if cron runs `check`)"
    beat = runner.heartbeat
    state = "alive" if runner.alive else "DEAD (killed, or hung)"
    return (
        f"pid {beat.pid} on {beat.host}, {state}: {beat.schedule}, started "
        f"{_stamp(beat.started_at)}, last beat {_when(beat.beat_at, now)}"
    )


def _fact(label: str, text: str) -> str:
    return f"  {label + ':':<14}{text}"


def _when(moment: datetime, now: datetime) -> str:
    """`2026-11-28T02:36:01Z (3 min ago)`."""
    return f"{_stamp(moment)} ({_span(now - moment)} ago)"


def _stamp(moment: datetime) -> str:
    """A moment to the second, in UTC: `2026-11-28T02:36:01Z`."""
    return utc_iso(moment.replace(microsecond=0))


def _span(delta: timedelta) -> str:
    """A duration in the unit people use for it: 12 s, 3 min, 5 h, 2 days."""
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86400, " days"), (3600, " h"), (60, " min")):
        if seconds >= 2 * size or (size < 86400 and seconds >= size):
            return f"{seconds // size}{unit}"
    return f"{seconds} s"
