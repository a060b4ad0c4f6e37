"""Whether a `nato-watch run` is watching a target: the heartbeats in the data dir, judged.

A run is *alive* when its process exists on this host (a zombie does not count) and its last
beat is no older than `STALE_BEATS` beats; a heartbeat from another host is judged by its age
alone. A dead run is detected, not assumed alive: a process killed with SIGKILL leaves its
file behind, and its pid is gone; a process that hangs, or a pid reused by another program,
stops beating. For each target the alive run covering it is shown, else the one that beat
last.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scraper.archive.heartbeat import RunHeartbeat, this_host
from scraper.timespec import utc_iso

# A run whose last beat is older than this many of its beats is dead (90 s at one beat in 30).
STALE_BEATS = 3


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, as another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc to ask (not Linux): it exists
    # "pid (comm) state …": the command may hold spaces and parentheses, so read past the last.
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


@dataclass(frozen=True)
class Runner:
    """A run as `status` shows it: its heartbeat, and whether it is alive."""

    heartbeat: RunHeartbeat
    alive: bool

    def to_dict(self) -> dict[str, Any]:
        """The `runner` object of `status --json`."""
        beat = self.heartbeat
        return {
            "pid": beat.pid,
            "alive": self.alive,
            "heartbeat_at": utc_iso(beat.beat_at),
            "schedule": beat.schedule,
            "started_at": utc_iso(beat.started_at),
            "host": beat.host,
        }


def judge(heartbeat: RunHeartbeat, *, now: datetime, host: str | None = None) -> Runner:
    """The run of `heartbeat`, alive or dead as of `now`."""
    fresh = now - heartbeat.beat_at <= heartbeat.beat_every * STALE_BEATS
    local = heartbeat.host == (host or this_host())
    alive = fresh and (process_alive(heartbeat.pid) if local else True)
    return Runner(heartbeat=heartbeat, alive=alive)


def runner_for(target: str, runners: Sequence[Runner]) -> Runner | None:
    """The run that watches `target`: an alive one, else the one that beat last; None when no
    run ever left a heartbeat for it. `runners` are newest beat first."""
    covering = [r for r in runners if target in r.heartbeat.targets]
    alive = [r for r in covering if r.alive]
    chosen = alive or covering
    return chosen[0] if chosen else None
