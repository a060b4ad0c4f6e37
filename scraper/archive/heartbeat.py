"""The heartbeat a running `nato-watch run` leaves in its data dir, so that `status` can say
whether a run is watching, and notice one that died.

One file per run process, `<data-dir>/.nato-watch.runs/<host>-<pid>.json`, rewritten atomically
at every beat (several runs may share a data dir, e.g. one per target). It names the process,
when it started, its schedule and targets, when it last beat and how often it beats. A run
that stops removes its file; one that is killed leaves it behind, and the reader judges it
dead (`run.status`). Reading never fails: an unreadable file is skipped.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scraper.archive.files import atomic_write
from scraper.timespec import parse_utc, utc_iso

RUNS_DIR = ".nato-watch.runs"
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def this_host() -> str:
    """This machine's name, as heartbeat files name it."""
    # lazy: `status` of an archive without a run's heartbeat never asks (start-up)
    import socket

    return _UNSAFE.sub("-", socket.gethostname()).strip("-.") or "host"


@dataclass(frozen=True)
class RunHeartbeat:
    """What a running `run` says of itself: who, since when, on what schedule, last beat."""

    pid: int
    host: str
    started_at: datetime
    beat_at: datetime
    schedule: str  # as `run` describes it: "every 6h", 'cron "0 */6 * * *" in UTC'
    interval: timedelta | None  # the schedule's period (None: unknown)
    beat_every: timedelta  # how often it beats
    targets: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the heartbeat file."""
        return {
            "format": 1,
            "pid": self.pid,
            "host": self.host,
            "started_at": utc_iso(self.started_at),
            "beat_at": utc_iso(self.beat_at),
            "schedule": self.schedule,
            "interval_s": self.interval.total_seconds() if self.interval is not None else None,
            "beat_every_s": self.beat_every.total_seconds(),
            "targets": list(self.targets),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunHeartbeat:
        """Rebuild a heartbeat from its JSON object."""
        interval = data.get("interval_s")
        return cls(
            pid=int(data["pid"]),
            host=str(data["host"]),
            started_at=parse_utc(data["started_at"]),
            beat_at=parse_utc(data["beat_at"]),
            schedule=str(data["schedule"]),
            interval=timedelta(seconds=float(interval)) if interval is not None else None,
            beat_every=timedelta(seconds=float(data["beat_every_s"])),
            targets=tuple(str(t) for t in data["targets"]),
        )


def heartbeat_path(root: Path, *, host: str, pid: int) -> Path:
    """The heartbeat file of process `pid` on `host`."""
    return root / RUNS_DIR / f"{_UNSAFE.sub('-', host)}-{int(pid)}.json"


def write_heartbeat(root: Path, beat: RunHeartbeat) -> None:
    """Write (or rewrite) the heartbeat file of `beat`'s process atomically."""
    data = json.dumps(beat.to_dict(), indent=1, sort_keys=True) + "\n"
    atomic_write(heartbeat_path(root, host=beat.host, pid=beat.pid), data.encode("utf-8"))


def remove_heartbeat(root: Path, *, host: str, pid: int) -> None:
    """Remove the heartbeat file of process `pid` on `host`, if there is one."""
    with contextlib.suppress(FileNotFoundError):
        heartbeat_path(root, host=host, pid=pid).unlink()


def read_heartbeats(root: Path) -> list[RunHeartbeat]:
    """Every readable heartbeat file of the data dir `root`, newest beat first."""
    folder = root / RUNS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        try:
            found.append(RunHeartbeat.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a file being replaced, or not ours: the next read sees it whole
    return sorted(found, key=lambda beat: beat.beat_at, reverse=True)
