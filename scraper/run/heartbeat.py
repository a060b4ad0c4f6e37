"""The scheduled run's heartbeat: a thread of its own rewrites the run's heartbeat file
(`archive.heartbeat`) every `BEAT_EVERY`, from start to stop, so `status` can tell a watching
run from a dead one. A stopped run removes its file; a killed one leaves it, with its last
beat, for `status` to judge. At start, files left by runs of this host that are gone are
removed (their process no longer exists).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from scraper.archive.heartbeat import (
    RunHeartbeat,
    read_heartbeats,
    remove_heartbeat,
    this_host,
    write_heartbeat,
)
from scraper.run.runner import process_alive

# How often a run beats. `status` calls a run whose last beat is older than three beats dead
# (`run.runner.STALE_BEATS`), even if a process with its pid exists.
BEAT_EVERY = timedelta(seconds=30)

log = logging.getLogger("nato-watch.run")


@contextlib.contextmanager
def beating(
    root: Path,
    *,
    schedule: str,
    interval: timedelta | None,
    targets: tuple[str, ...],
    now: Callable[[], datetime],
    every: timedelta = BEAT_EVERY,
) -> Iterator[None]:
    """Beat for the run in the block (the file written at once, then every `every`); remove
    the file when the block ends."""
    host, pid = this_host(), os.getpid()
    _remove_dead(root, host)
    started = now()
    stop = threading.Event()

    def beat() -> None:
        heartbeat = RunHeartbeat(
            pid=pid,
            host=host,
            started_at=started,
            beat_at=now(),
            schedule=schedule,
            interval=interval,
            beat_every=every,
            targets=targets,
        )
        try:
            write_heartbeat(root, heartbeat)
        except OSError as err:  # a full disk must not stop the checks; status will say stale
            log.warning("heartbeat: cannot write it (%s)", err.strerror or err)

    def loop() -> None:
        while not stop.wait(every.total_seconds()):
            beat()

    beat()
    thread = threading.Thread(target=loop, name="nato-watch-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        remove_heartbeat(root, host=host, pid=pid)


def _remove_dead(root: Path, host: str) -> None:
    """Remove the heartbeat files of this host's runs whose process is gone."""
    for heartbeat in read_heartbeats(root):
        if heartbeat.host == host and not process_alive(heartbeat.pid):
            remove_heartbeat(root, host=host, pid=heartbeat.pid)
