"""Politeness per host in `run`: checks of different hosts fetch at the same time; the
requests of one host go one at a time, the next starting no sooner than the configured
interval after the previous one ended (`[run] host_interval`).

A host is the URL's host name (case-insensitive, without the port): two ports of one machine
are one server to be polite to. `HostTurns.turn(url)` is the one place a fetch of `run`
waits for its host; a stop request ends the wait (`Skipped`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

# How often a waiting fetch looks at the stop request (seconds).
STOP_POLL = 0.25


class Stopped(Exception):
    """The run is stopping: the fetch waiting for its host's turn will not happen."""


def host_of(url: str) -> str:
    """The host a URL's requests go to, for politeness: its host name, lowercase."""
    return (urlsplit(url).hostname or "").lower()


class HostTurns:
    """One request at a time per host, `interval` seconds apart (end to start)."""

    def __init__(
        self,
        interval: float,
        *,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._stop = stop
        self._clock = clock
        self._lock = threading.Lock()
        # One condition per host, all on one lock: a turn's end wakes one fetch waiting for
        # that host, not every waiting fetch of the run (300 targets on one host: 300 wake-ups
        # per check, most of a round's CPU, before).
        self._turn_free: dict[str, threading.Condition] = {}
        self._busy: set[str] = set()
        self._free_at: dict[str, float] = {}  # host -> when its next request may start

    @contextlib.contextmanager
    def turn(self, url: str) -> Iterator[None]:
        """Hold the turn of `url`'s host for the block: wait until no request of that host is
        in flight and its interval has passed; raise `Stopped` if the run stops meanwhile."""
        host = host_of(url)
        with self._lock:
            free = self._turn_free.setdefault(host, threading.Condition(self._lock))
            while True:
                if self._stop.is_set():
                    free.notify()  # the turn this fetch gives up goes to the next one
                    raise Stopped(host)
                wait = self._free_at.get(host, 0.0) - self._clock()
                if host not in self._busy and wait <= 0:
                    break
                free.wait(STOP_POLL if wait <= 0 else min(wait, STOP_POLL))
            self._busy.add(host)
        try:
            yield
        finally:
            with self._lock:
                self._busy.discard(host)
                self._free_at[host] = self._clock() + self.interval
                free.notify()
