"""Politeness per host in `run` (`run.hosts`): hosts are fetched side by side, the requests of
one host one at a time and the configured interval apart — by the turns alone, and in a real
run against two local servers on two hosts (127.0.0.1 and 127.0.0.2)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import QUICK_FETCH
from pages import load_content, nato_page
from test_schedule import running, wait_for

from scraper.archive.store import Archive
from scraper.config import RunSettings
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.run.hosts import HostTurns, Stopped, host_of
from scraper.run.schedule import RunPlan, ScheduledRun
from scraper.run.timing import plan_schedule

PAGE = nato_page(load_content()).encode("utf-8")
SLOW = 0.3  # seconds each server takes to answer


def test_a_host_is_its_name_without_port_or_case() -> None:
    assert host_of("http://127.0.0.1:8001/a") == host_of("http://127.0.0.1:8002/b") == "127.0.0.1"
    assert host_of("https://WWW.nato.int/cps/en/natohq/topics_50098.htm") == "www.nato.int"


def test_turns_of_one_host_follow_each_other_the_interval_apart() -> None:
    turns = HostTurns(0.2, stop=threading.Event())
    spans: list[tuple[str, float, float]] = []

    def fetch(url: str) -> None:
        with turns.turn(url):
            start = time.monotonic()
            time.sleep(0.1)
            spans.append((host_of(url), start, time.monotonic()))

    threads = [
        threading.Thread(target=fetch, args=(url,))
        for url in ("http://a.example/1", "http://a.example/2", "http://b.example/1")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    a = sorted((s, e) for host, s, e in spans if host == "a.example")
    b = [(s, e) for host, s, e in spans if host == "b.example"]
    assert a[1][0] - a[0][1] >= 0.2 - 0.01  # one at a time, the interval apart
    assert b[0][0] < a[0][1] and a[0][0] < b[0][1]  # another host meanwhile


def test_a_stop_ends_the_wait_for_a_turn() -> None:
    stop = threading.Event()
    turns = HostTurns(60.0, stop=stop)
    with turns.turn("http://a.example/1"):
        pass  # the next turn of a.example is a minute away
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped), turns.turn("http://a.example/2"):
        pass
    assert time.monotonic() - started < 1


# -- a real run ------------------------------------------------------------------------------


@dataclass
class Served:
    """A slow local server on one host, and when each request it answered started and ended."""

    host: str
    server: ThreadingHTTPServer
    spans: list[tuple[float, float]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}{path}"


@contextmanager
def slow_server(host: str) -> Iterator[Served]:
    served: Served

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            start = time.monotonic()
            time.sleep(SLOW)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            served.spans.append((start, time.monotonic()))

        def log_message(self, format: str, *args: object) -> None:
            return

    try:
        server = ThreadingHTTPServer((host, 0), Handler)
    except OSError as err:
        pytest.skip(f"cannot listen on {host}: {err}")
    served = Served(host, server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def test_a_run_fetches_two_hosts_at_once_and_one_host_politely(tmp_path: Path) -> None:
    interval = 0.2
    with (
        slow_server("127.0.0.1") as one,
        slow_server("127.0.0.2") as two,
        Fetcher(QUICK_FETCH) as f,
    ):
        targets = [
            Target(f"{name}-{k}", served.url(f"/{k}.htm"))
            for name, served in (("one", one), ("two", two))
            for k in range(3)
        ]
        archive = Archive(tmp_path)
        plan = RunPlan(
            schedule=plan_schedule(RunSettings(), every="1d"),
            stop_timeout=10,
            lock_timeout=10,
            host_interval=interval,
        )
        runner = ScheduledRun(targets, archive=archive, fetch=f, plan=plan)
        with running(runner):
            wait_for(
                lambda: all(archive.last_check(t.name) for t in targets), 20, "every first check"
            )
    for served in (one, two):
        spans = sorted(served.spans)
        assert len(spans) == 3
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start - end >= interval - 0.02, spans  # one at a time, the interval apart
    overlapping = [(a, b) for a in one.spans for b in two.spans if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, (one.spans, two.spans)  # the two hosts side by side
    assert all(r.status.value == "new" for t in targets for r in [archive.last_check(t.name)] if r)
