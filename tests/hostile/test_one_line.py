"""Item 8: every bad value and unwritable path gives the one-line `nato-watch: error:` form
(exit 2 for configuration, 1 otherwise), never a traceback; every numeric setting has sane
bounds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import Site

from hostile.helpers import RawServer, one_error_line, raw_server, read_request, small_filesystem

TARGET = "republic-of-korea"


def config(data_dir: Path, text: str) -> Path:
    path = data_dir / "nato-watch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_url_that_urlsplit_refuses_is_a_usage_error(run_cli: Callable[..., Result]) -> None:
    result = run_cli("check", "--url", "http://[::1")
    line = one_error_line(result, 2)
    assert "--url" in line and "http://[::1" in line


@pytest.mark.parametrize("key", ["url", "webhook"])
def test_a_config_url_that_urlsplit_refuses_is_a_config_error(
    run_cli: Callable[..., Result], data_dir: Path, key: str
) -> None:
    url = "http://[::1" if key == "url" else "https://example.org/"
    hook = '\nwebhook = "http://[::1"' if key == "webhook" else ""
    config(data_dir, f'[[targets]]\nname = "k"\nurl = "{url}"{hook}\n')
    line = one_error_line(run_cli("log"), 2)
    assert key in line and "http://[::1" in line


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("fetch", "read_timeout", "inf"),
        ("fetch", "connect_timeout", "nan"),
        ("fetch", "total_timeout", "-inf"),
        ("fetch", "retries", "1000000000"),
        ("fetch", "max_bytes", "100000000000000"),
        ("fetch", "max_redirects", "100000"),
        ("fetch", "backoff", "1e300"),
        ("fetch", "max_backoff", "inf"),
        ("check", "lock_timeout", "inf"),
        ("check", "suspect_confirmations", "1000000000"),
        ("run", "stop_timeout", "nan"),
        ("run", "notify_timeout", "1e12"),
        ("run", "notify_tries", "1000000000"),
        ("run", "failure_threshold", "10000000000"),
        ("run", "every", '"100000000000d"'),
        ("run", "jitter", '"99999999999999h"'),
    ],
)
def test_absurd_numbers_are_refused_naming_the_key_and_the_bounds(
    run_cli: Callable[..., Result], data_dir: Path, table: str, key: str, value: str
) -> None:
    config(data_dir, f"[{table}]\n{key} = {value}\n")
    line = one_error_line(run_cli("log"), 2)
    assert key in line, line


def test_a_config_nested_too_deep_is_a_config_error(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    config(data_dir, "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    line = one_error_line(run_cli("log"), 2)
    assert "nato-watch.toml" in line


def test_a_huge_config_file_is_refused_without_reading_it_all(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    path = config(data_dir, "# " + "x" * (3 * 1024 * 1024) + "\n")
    line = one_error_line(run_cli("log"), 2)
    assert str(path.name) in line and "large" in line


def test_a_bad_redirect_location_fails_the_check_with_a_log_line(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    def redirect(server: RawServer, conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://[::1/x\r\nContent-Length: 0\r\n\r\n")

    with raw_server(redirect) as server:
        result = run_cli("check", "--url", server.url("/page.htm"), "--target", TARGET)
    line = one_error_line(result, 1)
    assert "redirected" in line and "http://[::1/x" in line
    log = (data_dir / "snapshots" / TARGET / "checks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["status"] == "error"


@pytest.fixture
def read_only_archive(tmp_path: Path, site: Site, page_2024: str) -> Iterator[tuple[Path, str]]:
    """A data dir holding an archive that nothing can be written to any more: a tmpfs
    remounted read-only as root, else chmod a-w; and the URL of its page."""
    from scraper.cli import cli

    folder = tmp_path / "ro"
    url = site.put("/page.htm", page_2024)

    def fill() -> None:
        CliRunner().invoke(
            cli,
            ["--data-dir", str(folder), "check", "--url", url, "--target", TARGET],
            catch_exceptions=False,
        )

    if os.geteuid() == 0:
        with small_filesystem(folder, "2m"):
            fill()
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield folder, url
        return
    folder.mkdir()
    fill()
    modes = {p: p.stat().st_mode for p in folder.rglob("*")}
    for p in [folder, *modes]:
        p.chmod(p.stat().st_mode & ~0o222)
    yield folder, url
    for p in [folder, *modes]:
        p.chmod(p.stat().st_mode | 0o200)


@pytest.mark.parametrize("command", ["check", "replay"])
def test_a_read_only_data_dir_is_one_line(
    run_cli: Callable[..., Result], read_only_archive: tuple[Path, str], command: str
) -> None:
    folder, url = read_only_archive
    args = ["--data-dir", str(folder), command]
    if command == "check":
        args += ["--url", url, "--target", TARGET]
    line = one_error_line(run_cli(*args), 1)
    assert str(folder) in line, line
