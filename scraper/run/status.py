"""`nato-watch status`: the health of each target, as a monitor reads it.

For every configured target and every target the archive holds: the last check and the last
success (read from the end of its check log), the failures in a row, the latest version and
its stamp, the run watching it (from the heartbeats), and the verdict of `core.health`:
`failing` when the last `unhealthy_after` checks failed, `stale` when no check happened for
longer than `stale_after`, else `ok`.

`stale_after` is `[run] stale_after` when set; else two intervals of the run watching the
target (its heartbeat says its schedule), else two of `[run] every` when set; else 48 hours.

Meant to be called every minute: it reads a few lines at the end of each check log, the latest
version file and the heartbeats, and imports neither the parser, requests nor Jinja2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scraper.archive.heartbeat import read_heartbeats
from scraper.archive.names import check_target_name
from scraper.archive.store import Archive
from scraper.config import Config
from scraper.core.document import LastUpdated
from scraper.core.health import (
    CheckHistory,
    Verdict,
    check_history,
    stale_after_for,
    verdict,
)
from scraper.errors import ConfigError, ScraperError
from scraper.run.runner import Runner, judge, runner_for
from scraper.timespec import format_duration, utc_iso


@dataclass(frozen=True)
class TargetStatus:
    """One target's health, as `status` prints it."""

    target: str
    verdict: Verdict
    history: CheckHistory
    latest_version: str | None
    last_updated: LastUpdated | None
    runner: Runner | None
    unhealthy_after: int
    stale_after: timedelta
    stale_because: str  # why `stale_after` is what it is, in a few words
    configured: bool

    @property
    def ok(self) -> bool:
        """Whether the verdict is `ok`."""
        return self.verdict is Verdict.OK

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `status --json` prints for this target."""
        history, last = self.history, self.history.last
        return {
            "target": self.target,
            "verdict": self.verdict.value,
            "last_check": utc_iso(last.started_at) if last else None,
            "last_result": last.status.value if last else None,
            "last_error": history.last_error,
            "last_success": (
                utc_iso(history.last_success.started_at) if history.last_success else None
            ),
            "consecutive_failures": history.failures,
            "failing_since": utc_iso(history.since) if history.since else None,
            "latest_version": self.latest_version,
            "last_updated": self.last_updated.at.isoformat() if self.last_updated else None,
            "last_updated_text": self.last_updated.text if self.last_updated else None,
            "runner": self.runner.to_dict() if self.runner else None,
            "unhealthy_after": self.unhealthy_after,
            "stale_after": format_duration(self.stale_after),
            "configured": self.configured,
        }


def target_statuses(
    archive: Archive, config: Config, *, now: datetime, target: str | None = None
) -> list[TargetStatus]:
    """The status of every configured target and every target the archive holds (or of the
    one named), configured ones first, in the config's order."""
    configured = [t.name for t in config.targets]
    names = configured + [n for n in archive.targets() if n not in configured]
    if target is not None:
        check_target_name(target)
        if target not in names:
            raise ConfigError(
                f"no target {target!r} in the configuration or the archive; targets: "
                f"{', '.join(names)}"
            )
        names = [target]
    runners = [judge(beat, now=now) for beat in read_heartbeats(archive.root)]
    return [
        _status_of(archive, config, name, now=now, runners=runners, configured=name in configured)
        for name in names
    ]


def _status_of(
    archive: Archive,
    config: Config,
    name: str,
    *,
    now: datetime,
    runners: list[Runner],
    configured: bool,
) -> TargetStatus:
    history = check_history(archive.iter_checks_newest_first(name))
    runner = runner_for(name, runners)
    stale_after, because = _stale_after(config, runner)
    latest_id, stamp = _latest(archive, name)
    return TargetStatus(
        target=name,
        verdict=verdict(
            history, now=now, unhealthy_after=config.run.unhealthy_after, stale_after=stale_after
        ),
        history=history,
        latest_version=latest_id,
        last_updated=stamp,
        runner=runner,
        unhealthy_after=config.run.unhealthy_after,
        stale_after=stale_after,
        stale_because=because,
        configured=configured,
    )


def _stale_after(config: Config, runner: Runner | None) -> tuple[timedelta, str]:
    """How long without a check makes the target stale, and why."""
    if config.run.stale_after is not None:
        return config.run.stale_after, "[run] stale_after"
    if runner is not None and runner.heartbeat.interval is not None:
        interval = runner.heartbeat.interval
        return stale_after_for(interval), f"twice the run's interval, {format_duration(interval)}"
    if config.run.every is not None:
        every = config.run.every
        return stale_after_for(every), f"twice [run] every, {format_duration(every)}"
    return stale_after_for(None), "no schedule known"


def _latest(archive: Archive, name: str) -> tuple[str | None, LastUpdated | None]:
    """The target's latest version id and its page stamp (None, None without one)."""
    ids = archive.version_ids(name)
    if not ids:
        return None, None
    try:
        return ids[-1], archive.read_version(name, ids[-1]).document.last_updated
    except ScraperError:
        return ids[-1], None  # `verify` says what is wrong with it
