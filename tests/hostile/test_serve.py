"""Item 6: `serve` answers with real files under `reports/` only — no symlink out of it, no
directory listing, no traceback on any request — and neither a slow client nor a crowd of
them can hold it: sockets time out, and the number of threads is bounded."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.reports.serve import SiteServer, serve_in_thread


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A small report site, with a secret beside it and symlinks pointing out of it."""
    folder = tmp_path / "reports"
    (folder / "rok" / "pages").mkdir(parents=True)
    (folder / "index.html").write_text("<html>index</html>")
    (folder / "rok" / "2024-07-16T083000Z.html").write_text("<html>report</html>")
    (tmp_path / "secret.txt").write_text("the webhook token")
    os.symlink("/etc/passwd", folder / "passwd")
    os.symlink(tmp_path / "secret.txt", folder / "rok" / "secret.html")
    os.symlink("/", folder / "root")
    os.symlink(folder / "rok" / "2024-07-16T083000Z.html", folder / "rok" / "latest.html")
    return folder


@contextlib.contextmanager
def running(reports: Path, **options: float) -> Iterator[SiteServer]:
    with SiteServer(reports, port=0, **options) as server:  # type: ignore[arg-type]
        thread = serve_in_thread(server)
        try:
            yield server
        finally:
            server.shutdown()
            thread.join(timeout=5)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return err.code


def raw_get(server: SiteServer, target: bytes) -> bytes:
    """Send a request line no URL library would send; the answer's bytes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := conn.recv(4096):
            data += chunk
    return data


def test_symlinks_out_of_the_site_are_not_followed(reports: Path) -> None:
    with running(reports) as server:
        for path in ("passwd", "rok/secret.html", "root/etc/passwd", "root/"):
            assert status_of(server.url + path) == 404, path
        assert status_of(server.url + "rok/latest.html") == 200  # a link inside stays fine


def test_directories_are_never_listed(reports: Path) -> None:
    with running(reports) as server:
        assert status_of(server.url + "rok/") == 404
        assert status_of(server.url + "rok/pages/") == 404
        assert status_of(server.url + "rok") in (301, 404)
        with urllib.request.urlopen(server.url, timeout=5) as answer:
            assert answer.read() == b"<html>index</html>"


def test_no_request_prints_a_traceback(reports: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with running(reports) as server:
        for target in (b"/%00", b"/rok/%00.html", b"/\x00", b"/%ff%fe", b"/" + b"a" * 5000):
            answer = raw_get(server, target)
            assert answer.startswith(b"HTTP/1."), answer[:80]
            assert b" 200 " not in answer.split(b"\r\n", 1)[0]
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_slow_clients_time_out_and_threads_are_bounded(reports: Path) -> None:
    before = threading.active_count()
    with running(reports, timeout=0.5, max_clients=4) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(40)]
        try:
            time.sleep(0.2)
            assert threading.active_count() - before <= 4 + 2, threading.active_count()
            answers = []
            for conn in idle:
                conn.settimeout(3)
                started = time.monotonic()
                answers.append((conn.recv(100), time.monotonic() - started))
            busy = [data for data, _ in answers if data.startswith(b"HTTP/1.0 503")]
            timed_out = [took for data, took in answers if data == b""]
            assert len(busy) >= 30 and len(timed_out) <= 4, answers
            assert all(took < 1.5 for took in timed_out), timed_out
            assert status_of(server.url + "index.html") == 200
        finally:
            for conn in idle:
                conn.close()
