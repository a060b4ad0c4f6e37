"""Writes that `run` coalesces: the site's health page is made from every target's check log,
so with hundreds of targets rewriting it after each check costs more than the check (300
targets: about a quarter of a round's CPU, `bench/bench_capacity.py`). In `run`, a check asks
for the page (`Coalesced.due`) and the page is written at most once a `every` seconds, the
last time no later than `every` after the last check that asked; a stop writes what is due
(`flush`). A one-shot `check` still writes it itself, after its check-log line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# How often `run` rewrites the health page at the most (seconds).
HEALTH_EVERY = 1.0


class Coalesced:
    """One write, made at most once every `every` seconds however often it is asked for."""

    def __init__(
        self,
        write: Callable[[], None],
        *,
        every: float = HEALTH_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._every = every
        self._clock = clock
        self._guard = threading.Lock()
        self._writing = threading.Lock()  # held while a write is made
        self._timer: threading.Timer | None = None
        self._last = float("-inf")  # when the last write started
        self._closed = False

    def due(self) -> None:
        """Ask for a write: now if none started in the last `every` seconds, else once that
        much time has passed (one pending write serves every request made meanwhile)."""
        with self._guard:
            if self._closed or self._timer is not None:
                return
            wait = max(0.0, self._last + self._every - self._clock())
            self._timer = threading.Timer(wait, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Write now if a write is pending, and take no more requests (the run is stopping)."""
        if self.close():
            with self._writing:
                self._write_now()

    def close(self) -> bool:
        """Take no more requests and drop the pending write; return whether one was pending.
        A write in progress ends first: the process may exit once this returns."""
        with self._guard:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        with self._writing:
            pass
        return timer is not None

    def _fire(self) -> None:
        with self._writing:
            with self._guard:
                if self._closed:  # closed (and flushed) meanwhile
                    return
                self._timer = None
            self._write_now()

    def _write_now(self) -> None:
        with self._guard:
            self._last = self._clock()
        self._write()
