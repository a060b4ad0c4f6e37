"""Item 4: capture dates are validated. A WARC or CDX capture dated outside 1991-01-01 …
now + 1 day is refused with the reason, counted, and nothing is written for it; an archive
that already holds one (written before this check existed) is damage to `verify`, and
`replay`, `import-warc`, `import-wayback` and `check` neither crash nor let it become the
latest version."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer
from test_wayback import FakeWayback

from hostile.helpers import one_error_line
from hostile.warcs import TARGET_URL, page_response, warcinfo, write_warc
from scraper.archive.store import Archive
from scraper.core.parse import parse
from scraper.core.parser_version import PARSER_VERSION
from scraper.core.records import CheckRecord, CheckStatus, Provenance, Source

TARGET = "rok"
PAGE = nato_page(load_content())
PAGE_EDITED = nato_page(edited(load_content(), replace_text={"steadfast": "long-standing"}))
NOW = datetime(2024, 7, 20, 12, 0, tzinfo=UTC)
ODD = (
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1990-12-31T23:59:59Z",
    "2024-07-22T00:00:00Z",
)


def configure(data_dir: Path, url: str = TARGET_URL) -> None:
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{TARGET}"\nurl = "{url}"\n', encoding="utf-8"
    )


def log_lines(data_dir: Path) -> list[dict]:
    path = data_dir / "snapshots" / TARGET / "checks.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_warc_captures_dated_out_of_range_are_refused_counted_and_not_written(
    run_cli: Callable[..., Result], data_dir: Path, tmp_path: Path
) -> None:
    configure(data_dir)
    records = [warcinfo(), page_response(PAGE.encode(), date="2024-07-16T08:30:00Z", n=2)]
    body = PAGE_EDITED.encode()
    records += [page_response(body, date=date, n=10 + k) for k, date in enumerate(ODD)]
    warc = write_warc(tmp_path / "odd.warc.gz", records)

    result = run_cli("import-warc", str(warc), now=lambda: NOW)

    assert result.exit_code == 0, result.stderr
    assert "4 refused" in result.stdout, result.stdout
    for reason in ("before 1991-01-01", "later than"):
        assert reason in result.stderr, result.stderr
    assert [line["at"] for line in log_lines(data_dir)] == ["2024-07-16T08:30:00Z"]
    assert len(list((data_dir / "snapshots" / TARGET / "raw").glob("*.html.gz"))) == 1
    assert run_cli("verify", now=lambda: NOW).exit_code == 0
    assert run_cli("replay", now=lambda: NOW).exit_code == 0


def test_cdx_captures_dated_out_of_range_are_refused(
    run_cli: Callable[..., Result], data_dir: Path, httpserver: HTTPServer
) -> None:
    fake = FakeWayback(httpserver)
    original = "http://www.nato.int/cps/en/natohq/topics_50098.htm"
    configure(data_dir, original)
    fake.add("20120510083000", original, PAGE)
    fake.add("99991231235959", original, PAGE_EDITED)
    fake.add("20240722000000", original, PAGE_EDITED)  # two days after the clock
    result = run_cli(
        "import-wayback", "--interval", "0", "--from", "2000",
        env={"NATO_WATCH_WAYBACK_URL": fake.base}, now=lambda: NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "2 refused" in result.stdout, result.stdout
    assert [line["at"] for line in log_lines(data_dir)] == ["2012-05-10T08:30:00Z"]
    assert not any("9999" in path for path in fake.fetched())


@pytest.fixture
def poisoned(data_dir: Path, site: Site) -> tuple[Path, str]:
    """An archive as the code before this check left it: a good capture, then one dated
    0001-01-01 (log line and snapshot) and one dated 9999-12-31 (log line, snapshot and the
    version replay made of it). Returns the data dir and the live page's URL."""
    url = site.put("/cps/en/natohq/topics_50098.htm", PAGE)
    configure(data_dir, url)
    archive = Archive(data_dir)
    for at, body in (
        (datetime(2024, 7, 16, 8, 30, tzinfo=UTC), PAGE),
        (datetime(1, 1, 1, tzinfo=UTC), PAGE_EDITED),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), PAGE_EDITED),
    ):
        raw = archive.put_raw(TARGET, body.encode())
        document = parse(body, url=url)
        archive.append_check(
            CheckRecord(
                target=TARGET, started_at=at, url=url, status=CheckStatus.IMPORTED,
                duration_ms=0, raw_sha256=raw, content_hash=document.content_hash,
                source=Source.WARC, content_type="text/html",
            )
        )  # fmt: skip
        if at.year != 1:
            provenance = Provenance(
                url=url, final_url=url, status=200, fetched_at=at, raw_sha256=raw,
                parser_version=PARSER_VERSION, source=Source.WARC, content_type="text/html",
            )  # fmt: skip
            archive.add_version(TARGET, document, provenance, captured_at=at)
    return data_dir, url


def test_verify_reports_out_of_range_capture_dates_as_damage(
    run_cli: Callable[..., Result], poisoned: tuple[Path, str]
) -> None:
    result = run_cli("verify", now=lambda: NOW)
    assert result.exit_code == 1, result.stdout
    damage = [line for line in result.stdout.splitlines() if line.startswith("DAMAGE")]
    assert any("0001-01-01" in line and "checks.jsonl" in line for line in damage), damage
    assert any("9999-12-31" in line and "checks.jsonl" in line for line in damage), damage
    assert any("9999-12-31" in line and "versions" in line for line in damage), damage


@pytest.mark.parametrize("command", ["replay", "import-warc", "import-wayback"])
def test_commands_that_rebuild_history_leave_out_bad_dates_with_one_line_each(
    run_cli: Callable[..., Result],
    poisoned: tuple[Path, str],
    tmp_path: Path,
    command: str,
) -> None:
    args: list[str] = [command]
    env = {}
    if command == "import-warc":
        args.append(str(write_warc(tmp_path / "none.warc.gz", [warcinfo()])))
    server = HTTPServer(host="127.0.0.1", port=0)  # `site` answers on the fixture's server
    if command == "import-wayback":
        server.start()
        fake = FakeWayback(server)
        args += ["--interval", "0", "--from", "2000"]
        env = {"NATO_WATCH_WAYBACK_URL": fake.base}
    try:
        result = run_cli(*args, env=env, now=lambda: NOW)
    finally:
        if server.is_running():
            server.stop()
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert "0001-01-01" in out and "9999-12-31" in out, out
    assert Archive(poisoned[0]).version_ids(TARGET) == ["2024-07-16T083000Z"]


def test_a_check_never_takes_a_future_version_for_the_latest(
    run_cli: Callable[..., Result], poisoned: tuple[Path, str]
) -> None:
    clock = Clock(NOW)
    result = run_cli("check", "--json", now=clock)
    line = one_error_line(result, 1)
    assert "9999-12-31" in line and "replay" in line, line
    assert json.loads(result.stdout)["status"] == "error"
    assert Archive(poisoned[0]).version_ids(TARGET)[-1] == "9999-12-31T235959Z"
    # replay leaves the bad capture out; then checks of the unchanged page are unchanged
    assert run_cli("replay", now=clock).exit_code == 0
    for _ in range(2):
        clock.advance(hours=6)
        result = run_cli("check", "--json", now=clock)
        assert json.loads(result.stdout)["status"] == "unchanged", result.stdout
