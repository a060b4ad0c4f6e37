"""Item 1: one deadline per try covers connecting, the status line and headers, and the body;
and one limit covers the whole fetch of a check (`check_timeout`), so a server that drips
its answer cannot hold a check, and the archive lock, for long."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import Result

from hostile.helpers import RawServer, drip, one_error_line, raw_server, read_request
from scraper.archive.store import Archive
from scraper.errors import FetchError
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings

TARGET = "republic-of-korea"
PAGE = b"<html><head><title>T</title></head><body><main><h1>T</h1><p>text</p></main></body></html>"
# A head of ~1 KB, dripped one byte every 50 ms: some 50 s to arrive in full.
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    + b"X-Padding: "
    + b"x" * 1000
    + b"\r\n"
    + f"Content-Length: {len(PAGE)}\r\n\r\n".encode()
)


def drip_head(server: RawServer, conn: socket.socket) -> None:
    read_request(conn)
    drip(server, conn, HEAD + PAGE, 0.05)


def drip_body(server: RawServer, conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(HEAD.replace(f"{len(PAGE)}".encode(), b"100000"))
    drip(server, conn, PAGE * 1000, 0.05)


def quick(**changes: float) -> FetchSettings:
    base = FetchSettings(
        connect_timeout=0.5,
        read_timeout=0.5,
        total_timeout=1.0,
        retries=1,
        backoff=0.01,
        max_backoff=0.05,
        respect_robots=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("handler", [drip_head, drip_body], ids=["head", "body"])
def test_a_dripping_server_is_cut_off_at_the_try_deadline(
    handler: Callable[[RawServer, socket.socket], None],
) -> None:
    with raw_server(handler) as server, Fetcher(quick()) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 1 s \(total_timeout\)"):
            fetcher(server.url("/page.htm"))
        took = time.monotonic() - started
    assert 0.9 <= took < 2.0, took


@pytest.mark.slow
def test_check_timeout_caps_every_try_and_wait_together() -> None:
    settings = quick(retries=20, check_timeout=2.5)
    with raw_server(drip_head) as server, Fetcher(settings) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"check_timeout") as caught:
            fetcher(server.url("/page.htm"))
        took = time.monotonic() - started
    assert took < 3.0, took
    assert 2 <= caught.value.attempts < 5


def test_a_dripping_check_ends_on_time_with_its_log_line_and_frees_the_lock(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text(
        "[fetch]\nconnect_timeout = 0.5\nread_timeout = 0.5\ntotal_timeout = 1\n"
        "check_timeout = 2\nretries = 4\nbackoff = 0.01\nrespect_robots = false\n"
    )
    archive = Archive(data_dir)
    got_lock: list[float] = []

    def wait_for_lock(started: float) -> None:
        time.sleep(0.3)  # let the check take it first
        with archive.lock(timeout=10):
            got_lock.append(time.monotonic() - started)

    with raw_server(drip_head) as server:
        started = time.monotonic()
        waiter = threading.Thread(target=wait_for_lock, args=(started,))
        waiter.start()
        result = run_cli("check", "--url", server.url("/page.htm"), "--target", TARGET)
        took = time.monotonic() - started
        waiter.join(15)
    assert took < 3.0, took
    assert got_lock and got_lock[0] < 3.0, got_lock
    line = one_error_line(result, 1)
    assert "check_timeout" in line or "total_timeout" in line
    log = (data_dir / "snapshots" / TARGET / "checks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["status"] == "error"
