"""Left alone for a year, through the real CLI: `status` (verdicts, JSON, exit status, the run
watching), the health page, failure notifications from `check`, quiet cron output and
`--exit-code`, retry waits on stderr, files that honour the umask, an ad-hoc URL that leaves
nothing behind, `forget`; and a real `run` process turning failing, recovering and killed."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import Clock, Site, tree
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer

PATH = "/cps/en/natohq/topics_50098.htm"
REPO = Path(__file__).resolve().parent.parent
BAD = "GET {url} returned HTTP 503"


def configure(data_dir: Path, url: str, *, target: str = "", run: str = "") -> None:
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "rok"\nurl = "{url}"\n{target}\n'
        f"[fetch]\nretries = 1\nbackoff = 0.01\nrespect_robots = false\n\n[run]\n{run}\n",
        encoding="utf-8",
    )


def status_json(run_cli: Callable[..., Result], *args: str, **kwargs: Any) -> list[dict]:
    result = run_cli("status", "--json", *args, **kwargs)
    assert result.exit_code in (0, 1), result.stderr
    rows: list[dict] = json.loads(result.stdout)
    return rows


def posted(server: HTTPServer, event: str) -> list[dict]:
    """The webhook payloads of `event` the local receiver got."""
    bodies = [json.loads(request.get_data()) for request, _ in server.log]
    return [body for body in bodies if body["event"] == event]


# -- status ----------------------------------------------------------------------------------


def test_a_target_never_checked_is_stale_and_status_exits_1(
    site: Site, data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    configure(data_dir, site.url(PATH))

    result = run_cli("status")

    assert result.exit_code == 1
    assert result.stdout.startswith("rok: STALE: never checked (stale after 2 days")
    (row,) = status_json(run_cli)
    assert row["verdict"] == "stale" and row["last_check"] is None and row["runner"] is None
    assert set(row) >= {
        "target",
        "verdict",
        "last_check",
        "last_result",
        "last_error",
        "last_success",
        "consecutive_failures",
        "latest_version",
        "last_updated",
        "runner",
    }


def test_status_is_ok_after_a_check_with_the_latest_version_and_its_stamp(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    assert run_cli("check", now=clock).exit_code == 0

    result = run_cli("status", now=clock)

    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("rok: ok\n")
    assert "last updated 16 Jul. 2024 10:28" in result.stdout
    (row,) = status_json(run_cli, now=clock)
    assert row["verdict"] == "ok" and row["last_result"] == "new"
    assert row["last_check"] == row["last_success"] == "2024-07-16T08:30:00Z"
    assert row["consecutive_failures"] == 0 and row["last_error"] is None
    assert row["latest_version"] == "2024-07-16T083000Z"
    assert row["last_updated"] == "2024-07-16T10:28:00+02:00"


def test_a_target_turning_failing_makes_status_exit_1_with_the_error_and_the_site_warn(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    url = site.put(PATH, page_2024)
    configure(data_dir, url, run="unhealthy_after = 2")
    assert run_cli("check", now=clock).exit_code == 0
    site.put(PATH, "busy", status=503)
    clock.advance(hours=1)
    assert run_cli("check", now=clock).exit_code == 1
    (row,) = status_json(run_cli, now=clock)
    assert row["verdict"] == "ok" and row["consecutive_failures"] == 1  # not yet failing
    clock.advance(hours=1)
    assert run_cli("check", now=clock).exit_code == 1

    result = run_cli("status", now=clock)

    assert result.exit_code == 1
    assert result.stdout.startswith(
        "rok: FAILING: the last 2 checks failed, since 2024-07-16T09:30:00Z"
    )
    assert BAD.format(url=url) in result.stdout
    (row,) = status_json(run_cli, now=clock)
    assert row["verdict"] == "failing" and row["last_result"] == "error"
    assert row["consecutive_failures"] == 2 and BAD.format(url=url) in row["last_error"]
    assert row["last_success"] == "2024-07-16T08:30:00Z"
    health = (data_dir / "reports" / "health.html").read_text(encoding="utf-8")
    assert "Failing: <code>rok</code>: the last 2 checks failed" in health
    assert BAD.format(url=url) in health and "As of 2024-07-16 10:30:00 UTC" in health
    assert 'href="health.html"' in (data_dir / "reports" / "index.html").read_text()


def test_no_check_for_longer_than_stale_after_makes_a_target_stale(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024), run='every = "6h"')
    assert run_cli("check", now=clock).exit_code == 0
    clock.advance(hours=11)
    assert run_cli("status", now=clock).exit_code == 0
    clock.advance(hours=2)

    result = run_cli("status", now=clock)

    assert result.exit_code == 1
    assert "STALE: no check for 13 h (stale after 12 h: twice [run] every, 6h)" in result.stdout
    configure(data_dir, site.url(PATH), run='stale_after = "1d"')
    assert run_cli("status", now=clock).exit_code == 0
    (row,) = status_json(run_cli, now=clock)
    assert row["stale_after"] == "1d"


def test_status_covers_the_archive_s_targets_not_in_the_config(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    other = site.put("/other.htm", page_2024)
    assert run_cli("check", "--url", other, "--target", "other", now=clock).exit_code == 0

    rows = status_json(run_cli, now=clock)
    assert [(r["target"], r["configured"]) for r in rows] == [("rok", True), ("other", False)]
    text = run_cli("status", "--target", "other", now=clock).stdout
    assert "not in the config: nothing checks it; `nato-watch forget other` removes it" in text
    refused = run_cli("status", "--target", "japan")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "nato-watch: error: no target 'japan' in the configuration or the archive; "
        "targets: rok, other\n"
    )


def test_status_starts_without_the_parser_requests_or_jinja2(data_dir: Path) -> None:
    code = (
        "import sys\n"
        "from scraper.cli import main\n"
        f"sys.argv = ['nato-watch', '--data-dir', {str(data_dir)!r}, 'status']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('requests', 'jinja2', 'lxml', 'bs4', 'scraper.core.parse',\n"
        "    'apscheduler', 'scraper.reports.model') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "STALE: never checked" in done.stdout


# -- cron: quiet, --exit-code, retries -------------------------------------------------------


def test_quiet_check_prints_nothing_unless_the_page_changed_or_the_check_failed(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock
) -> None:
    content = load_content()
    configure(data_dir, site.put(PATH, nato_page(content)))
    first = run_cli("-q", "check", now=clock)
    assert first.exit_code == 0 and first.stdout.startswith("rok: new — first version")

    clock.advance(hours=1)
    unchanged = run_cli("-q", "check", now=clock)
    assert unchanged.exit_code == 0
    assert (unchanged.stdout, unchanged.stderr) == ("", "")

    site.put(PATH, nato_page(edited(content, stamp="18 Jul. 2024 09:15")))
    clock.advance(hours=1)
    changed = run_cli("-q", "check", now=clock)
    assert changed.stdout.startswith("rok: changed — restamp — version") and changed.stderr == ""

    site.put(PATH, "busy", status=503)
    clock.advance(hours=1)
    failed = run_cli("-q", "check", now=clock)
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr.startswith("nato-watch: error: rok: GET ")
    assert len(failed.stderr.splitlines()) == 1


def test_exit_code_3_says_a_new_version_was_recorded(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock
) -> None:
    content = load_content()
    configure(data_dir, site.put(PATH, nato_page(content)))
    assert run_cli("check", "--exit-code", now=clock).exit_code == 3  # the first version
    clock.advance(hours=1)
    assert run_cli("check", "--exit-code", now=clock).exit_code == 0
    site.put(PATH, nato_page(edited(content, stamp="18 Jul. 2024 09:15")))
    clock.advance(hours=1)
    assert run_cli("check", now=clock).exit_code == 0  # without the flag, as before
    site.put(PATH, "busy", status=503)
    clock.advance(hours=1)
    assert run_cli("check", "--exit-code", now=clock).exit_code == 1  # a failure wins


def test_each_wait_before_a_retry_is_told_on_stderr_once(
    data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    configure(data_dir, url)
    text = (data_dir / "nato-watch.toml").read_text().replace("retries = 1", "retries = 3")
    (data_dir / "nato-watch.toml").write_text(text)

    result = run_cli("check", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "error"  # stdout: the JSON only
    waits = [line for line in result.stderr.splitlines() if "next try in" in line]
    assert waits == [
        f"nato-watch: GET {url} failed (connection refused); next try in 0 s (try 2 of 3)",
        f"nato-watch: GET {url} failed (connection refused); next try in 0 s (try 3 of 3)",
    ]
    quiet = run_cli("-q", "check")
    assert "next try" not in quiet.stderr and len(quiet.stderr.splitlines()) == 1


# -- the terminal names the change -----------------------------------------------------------


def test_check_and_log_name_a_silent_edit_and_its_strongest_flag(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock
) -> None:
    content = load_content()
    configure(data_dir, site.put(PATH, nato_page(content)))
    assert run_cli("check", now=clock).exit_code == 0
    negated = {"has been steadfast in supporting": "has not been steadfast in supporting"}
    site.put(PATH, nato_page(edited(content, replace_text=negated)))
    clock.advance(hours=1)

    result = run_cli("check", now=clock)

    assert "rok: changed — silent edit; strongest flag negation: “not” added — version " in (
        result.stdout
    )
    lines = run_cli("log").stdout.splitlines()
    assert lines[0].startswith("2024-07-16T083000Z   16 Jul. 2024 10:28")
    assert lines[1].startswith("2024-07-16T093000Z ! 16 Jul. 2024 10:28")
    assert lines[1].endswith("— strongest flag negation: “not” added")
    rows = json.loads(run_cli("log", "--json").stdout)
    assert rows[1]["silent_edit"] is True and rows[1]["top_flag"] == "negation: “not” added"


def test_log_of_a_target_whose_checks_all_failed_says_so(
    site: Site, data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    url = site.put(PATH, "busy", status=503)
    configure(data_dir, url)
    assert run_cli("check").exit_code == 1

    result = run_cli("log")

    assert result.exit_code == 0
    assert result.stdout.startswith("rok: no versions yet; its last 1 checks failed (the last: ")
    assert result.stdout.rstrip().endswith("see `nato-watch status`")


# -- notifications from check ----------------------------------------------------------------


def test_check_notifies_failing_once_then_recovered(
    site: Site,
    data_dir: Path,
    run_cli: Callable[..., Result],
    clock: Clock,
    page_2024: str,
    httpserver_ipv4: HTTPServer,
    tmp_path: Path,
) -> None:
    httpserver_ipv4.expect_request("/hook", method="POST").respond_with_data("ok")
    events = tmp_path / "events.txt"
    hook = httpserver_ipv4.url_for("/hook")
    command = f'echo "$NATO_WATCH_EVENT $NATO_WATCH_FAILURES" >> {events}'
    url = site.put(PATH, page_2024)
    configure(
        data_dir,
        url,
        target=f'webhook = "{hook}"\ncommand = \'{command}\'\nnotify_on = "failures"',
        run="unhealthy_after = 2",
    )
    assert run_cli("check", now=clock).exit_code == 0
    site.put(PATH, "busy", status=503)
    for _ in range(4):
        clock.advance(hours=1)
        assert run_cli("check", now=clock).exit_code == 1
    site.put(PATH, page_2024)
    clock.advance(hours=1)
    told = run_cli("check", now=clock)
    assert told.exit_code == 0
    assert told.stderr.splitlines() == [
        f"nato-watch: rok: told webhook http://127.0.0.1:{httpserver_ipv4.port}/… of recovered "
        "(HTTP 200)",
        "nato-watch: rok: told command echo of recovered (exit 0)",
    ]
    clock.advance(hours=1)
    assert run_cli("check", now=clock).exit_code == 0

    (failing,) = posted(httpserver_ipv4, "failing")
    (recovered,) = posted(httpserver_ipv4, "recovered")
    assert not posted(httpserver_ipv4, "change")  # notify_on = "failures" only
    assert failing["target"] == "rok" and failing["status"] == "error"
    assert failing["failures"] == 2 and failing["failing_since"] == "2024-07-16T09:30:00Z"
    assert BAD.format(url=url) in failing["last_error"]
    assert failing["text"].startswith("nato-watch: rok is failing: the last 2 checks failed")
    assert recovered["failures"] == 4 and recovered["status"] == "unchanged"
    assert recovered["text"].startswith(
        "nato-watch: rok recovered: the check works again after 4 failed checks"
    )
    assert events.read_text().splitlines() == ["failing 2", "recovered 4"]


def a_change_to_tell(
    site: Site,
    data_dir: Path,
    run_cli: Callable[..., Result],
    clock: Clock,
    httpserver: HTTPServer,
    hook: str,
) -> None:
    """A target with a webhook at `hook`, checked once without notifying, and its page
    changed since (a new stamp): the next check has a change to tell."""
    httpserver.expect_request(hook, method="POST").respond_with_data("ok")
    content = load_content()
    configure(
        data_dir,
        site.put(PATH, nato_page(content)),
        target=f'webhook = "{httpserver.url_for(hook)}"',
    )
    assert run_cli("check", "--no-notify", now=clock).exit_code == 0
    assert httpserver.log == []
    site.put(PATH, nato_page(edited(content, stamp="18 Jul. 2024 09:15")))
    clock.advance(hours=1)


def test_check_notifies_a_change_with_its_event_and_no_notify_sends_nothing(
    site: Site,
    data_dir: Path,
    run_cli: Callable[..., Result],
    clock: Clock,
    httpserver_ipv4: HTTPServer,
) -> None:
    a_change_to_tell(site, data_dir, run_cli, clock, httpserver_ipv4, "/hook")

    assert run_cli("-q", "check", now=clock).stderr == ""  # told: nothing to say under -q

    (change,) = posted(httpserver_ipv4, "change")
    assert change["status"] == "changed" and change["restamp"] is True


def test_vv_shows_urllib3_requests_but_not_a_webhooks_secret_path(
    site: Site,
    data_dir: Path,
    run_cli: Callable[..., Result],
    clock: Clock,
    httpserver_ipv4: HTTPServer,
) -> None:
    a_change_to_tell(site, data_dir, run_cli, clock, httpserver_ipv4, "/hooks/T0/B0/s3cr3t-t0ken")

    result = run_cli("-vv", "check", now=clock)

    assert result.exit_code == 0, result.stderr
    assert len(httpserver_ipv4.log) == 1  # the webhook was called, at its secret path
    assert f'"GET {PATH} HTTP/1.1" 200' in result.stderr  # -vv shows urllib3's request lines
    assert '"POST /… HTTP/1.1" 200' in result.stderr
    assert "s3cr3t" not in result.stderr


# -- an ad-hoc URL, and forget ----------------------------------------------------------------


def test_a_failed_ad_hoc_url_leaves_no_target_behind(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    assert run_cli("check", now=clock).exit_code == 0
    before = tree(data_dir)
    typo = site.url("/cps/en/natohq/topics_5009.htm")  # a 404

    result = run_cli("check", "--url", typo, now=clock)

    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr
    assert "never had a version and is not in the config: nothing of it was kept" in (result.stderr)
    assert tree(data_dir) == before, "the health page is as it was, too"
    assert run_cli("log").exit_code == 0  # still only one target: no --target needed


def test_an_ad_hoc_target_that_once_worked_keeps_its_failed_checks(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], page_2024: str
) -> None:
    url = site.put("/adhoc.htm", page_2024)
    assert run_cli("check", "--url", url, "--target", "adhoc").exit_code == 0
    site.put("/adhoc.htm", "gone", status=404)
    assert run_cli("check", "--url", url, "--target", "adhoc").exit_code == 1
    lines = (data_dir / "snapshots" / "adhoc" / "checks.jsonl").read_text().splitlines()
    assert [json.loads(x)["status"] for x in lines] == ["new", "error"]


def test_forget_removes_a_target_and_rebuilds_the_site_without_it(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], clock: Clock, page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    assert run_cli("check", now=clock).exit_code == 0
    other = site.put("/other.htm", page_2024)
    assert run_cli("check", "--url", other, "--target", "other", now=clock).exit_code == 0
    assert "<code>other</code>" in (data_dir / "reports" / "index.html").read_text()

    refused = run_cli("forget", "other")  # no terminal to ask on
    assert refused.exit_code == 2
    assert refused.stderr == (
        "nato-watch: error: forget other removes its whole history; confirm in a terminal, "
        "or pass --yes\n"
    )
    assert (data_dir / "snapshots" / "other").is_dir()

    result = run_cli("forget", "other", "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "other: removed 1 version, 1 check, 1 raw snapshot, 1 report file\n"
    assert not (data_dir / "snapshots" / "other").exists()
    assert not (data_dir / "reports" / "other").exists()
    site_files = {
        name: (data_dir / "reports" / name).read_text() for name in ("index.html", "health.html")
    }
    assert all("other" not in text for text in site_files.values())
    assert [r["target"] for r in status_json(run_cli, now=clock)] == ["rok"]
    assert run_cli("verify").exit_code == 0
    gone = run_cli("forget", "other", "--yes")
    assert gone.exit_code == 1
    assert gone.stderr == "nato-watch: error: the archive holds no target 'other'; it holds: rok\n"
    still = run_cli("forget", "rok", "--yes")
    assert "rok is still in the config: the next check starts it again" in still.stderr


# -- files honour the umask ------------------------------------------------------------------


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (relative path -> octal mode)."""
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode)) for p in root.rglob("*")}


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, "0o644", "0o755")])
def test_every_file_written_honours_the_umask(
    site: Site, data_dir: Path, page_2024: str, umask: int, file_mode: str, dir_mode: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    (data_dir / "nato-watch.toml").chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    base = [sys.executable, "-m", "scraper", "--data-dir", str(data_dir)]
    for args in (["check"], ["export-warc", str(data_dir / "out.warc.gz")]):
        done = subprocess.run(
            [*base, *args], cwd=REPO, env=env, capture_output=True, text=True, umask=umask
        )
        assert done.returncode == 0, done.stderr
    found = modes(data_dir)
    assert "reports/health.html" in found and "out.warc.gz" in found
    for name, mode in found.items():
        expected = dir_mode if (data_dir / name).is_dir() else file_mode
        assert mode == expected, f"{name} is {mode}, not {expected}"


def test_a_temp_file_is_private_until_it_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scraper.archive import files

    seen = []
    real = os.fchmod

    def spy(fd: int, mode: int) -> None:
        seen.append(oct(stat.S_IMODE(os.fstat(fd).st_mode)))
        real(fd, mode)

    monkeypatch.setattr(os, "fchmod", spy)
    files.atomic_write(tmp_path / "x.html", b"x")
    assert seen == ["0o600"]
    assert stat.S_IMODE((tmp_path / "x.html").stat().st_mode) == files.FILE_MODE


def test_verify_does_not_flag_files_written_0600_by_older_versions(
    site: Site, data_dir: Path, run_cli: Callable[..., Result], page_2024: str
) -> None:
    configure(data_dir, site.put(PATH, page_2024))
    assert run_cli("check").exit_code == 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            path.chmod(0o600)

    result = run_cli("verify")

    assert result.exit_code == 0
    assert "0 damage, 0 notes" in result.stdout


# -- a real run: failing, recovered, killed --------------------------------------------------


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_real_run_turns_failing_tells_once_recovers_and_is_seen_dead_when_killed(
    site: Site,
    data_dir: Path,
    run_cli: Callable[..., Result],
    page_2024: str,
    httpserver_ipv4: HTTPServer,
) -> None:
    httpserver_ipv4.expect_request("/hook", method="POST").respond_with_data("ok")
    url = site.put(PATH, page_2024)
    configure(
        data_dir,
        url,
        target=f'webhook = "{httpserver_ipv4.url_for("/hook")}"',
        run="unhealthy_after = 2",
    )
    (data_dir / "nato-watch.toml").chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    log = (data_dir.parent / "run.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "--data-dir", str(data_dir), "run", "--every", "1s"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
        umask=0o022,
    )

    def verdict() -> str:
        (row,) = status_json(run_cli)
        return str(row["verdict"])

    try:
        wait_for(lambda: bool(posted(httpserver_ipv4, "change")), 15, "the first version")
        site.put(PATH, "busy", status=503)
        wait_for(lambda: verdict() == "failing", 15, "status to say failing")
        failing = run_cli("status")
        assert failing.exit_code == 1
        assert failing.stdout.startswith("rok: FAILING: the last ")
        assert BAD.format(url=url) in failing.stdout
        wait_for(lambda: bool(posted(httpserver_ipv4, "failing")), 10, "the failing webhook")
        site.put(PATH, page_2024)
        wait_for(lambda: bool(posted(httpserver_ipv4, "recovered")), 15, "the recovery")
        assert run_cli("status").exit_code == 0
        (row,) = status_json(run_cli)
        runner = row["runner"]
        assert runner["pid"] == process.pid and runner["alive"] is True
        assert runner["schedule"] == "every 1s"
        time.sleep(2.5)  # a few more checks: no repeated events
        assert len(posted(httpserver_ipv4, "failing")) == 1
        assert len(posted(httpserver_ipv4, "recovered")) == 1
        (told,) = posted(httpserver_ipv4, "failing")
        assert told["failures"] == 2 and BAD.format(url=url) in told["last_error"]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        log.close()

    dead = run_cli("status")
    assert "DEAD (killed, or hung)" in dead.stdout
    (row,) = status_json(run_cli)
    assert row["runner"]["pid"] == process.pid and row["runner"]["alive"] is False
    found = modes(data_dir)
    assert any(name.startswith(".nato-watch.runs/") for name in found), "the heartbeat stays"
    for name, mode in found.items():
        expected = "0o755" if (data_dir / name).is_dir() else "0o644"
        assert mode == expected, f"{name} is {mode}, not {expected}"


def test_runs_log_lines_hide_a_webhooks_path_too() -> None:
    # `run -vv` logs through its own formatter (ISO times in the run's zone).
    from datetime import UTC

    from scraper.run.runlog import IsoFormatter

    request = logging.LogRecord(
        "urllib3.connectionpool", logging.DEBUG, __file__, 1, '%s://%s:%s "%s %s %s" %s %s',
        ("http", "hooks.example.org", 80, "POST", "/T0/B0/s3cr3t", "HTTP/1.1", 200, 2), None,
    )  # fmt: skip
    page = logging.LogRecord(
        "urllib3.connectionpool", logging.DEBUG, __file__, 1, '%s://%s:%s "%s %s %s" %s %s',
        ("https", "www.nato.int", 443, "GET", "/cps/en/natohq/topics_50098.htm", "HTTP/1.1",
         200, 2), None,
    )  # fmt: skip
    formatter = IsoFormatter(UTC)
    assert formatter.format(request).endswith(
        'http://hooks.example.org:80 "POST /… HTTP/1.1" 200 2'
    )
    assert formatter.format(page).endswith('"GET /cps/en/natohq/topics_50098.htm HTTP/1.1" 200 2')
    assert request.args is not None and "/T0/B0/s3cr3t" in request.args  # the record itself kept
