"""`run` coalesces the health page's writes (run.coalesce): at most one a period, the last one
after the last request, and none lost or left running when the run stops."""

from __future__ import annotations

import threading
import time

from scraper.run.coalesce import Coalesced

EVERY = 0.2  # seconds: short, so the tests wait little


class Writes:
    """A write that records when it ran; optionally blocks until released."""

    def __init__(self, *, block: bool = False) -> None:
        self.times: list[float] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not block:
            self.release.set()
        self.guard = threading.Lock()

    def __call__(self) -> None:
        with self.guard:
            self.times.append(time.monotonic())
        self.started.set()
        assert self.release.wait(10)


def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_requests_in_a_burst_give_one_write_now_and_one_after_the_period() -> None:
    writes = Writes()
    coalesced = Coalesced(writes, every=EVERY)
    first = time.monotonic()
    for _ in range(50):  # 50 checks ending at once
        coalesced.due()
    wait_for(lambda: len(writes.times) == 2)
    time.sleep(EVERY * 1.5)
    assert len(writes.times) == 2, "one write now, one for the rest of the burst"
    assert writes.times[0] - first < EVERY / 2  # the first without waiting
    assert writes.times[1] - writes.times[0] >= EVERY * 0.9  # the next a period later
    coalesced.close()


def test_a_request_after_the_last_write_is_never_lost() -> None:
    writes = Writes()
    coalesced = Coalesced(writes, every=EVERY)
    coalesced.due()
    wait_for(lambda: len(writes.times) == 1)
    coalesced.due()  # a check ending right after: written a period after the first write
    wait_for(lambda: len(writes.times) == 2)
    assert writes.times[1] - writes.times[0] >= EVERY * 0.9
    coalesced.close()


def test_flush_writes_what_is_pending_at_once_and_then_takes_no_more() -> None:
    writes = Writes()
    coalesced = Coalesced(writes, every=60.0)  # a pending write would wait a minute
    coalesced.due()
    wait_for(lambda: len(writes.times) == 1)
    coalesced.due()  # pending, for a minute from now
    started = time.monotonic()
    coalesced.flush()
    assert len(writes.times) == 2 and time.monotonic() - started < 1.0
    coalesced.due()  # after the stop: ignored
    time.sleep(0.05)
    assert len(writes.times) == 2


def test_flush_with_nothing_pending_writes_nothing() -> None:
    writes = Writes()
    coalesced = Coalesced(writes, every=EVERY)
    coalesced.due()
    wait_for(lambda: len(writes.times) == 1)
    coalesced.flush()
    assert len(writes.times) == 1


def test_close_waits_for_a_write_in_progress() -> None:
    # The process exits once the run's stop returns: a write cut short there would leave
    # the archive lock held by a dead process.
    writes = Writes(block=True)
    coalesced = Coalesced(writes, every=EVERY)
    coalesced.due()
    assert writes.started.wait(5)
    closed = threading.Event()
    closer = threading.Thread(target=lambda: (coalesced.close(), closed.set()))
    closer.start()
    assert not closed.wait(0.2), "close returned while the write was still running"
    writes.release.set()
    assert closed.wait(5)
    closer.join()
    assert len(writes.times) == 1
