"""The health model (`core.health`), read from the end of a check log (`archive.logtail`), the
runs' heartbeats judged (`run.runner`), and the site's health page (`reports.health_page`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scraper.archive.heartbeat import RunHeartbeat, read_heartbeats, write_heartbeat
from scraper.archive.logtail import lines_newest_first
from scraper.archive.store import Archive
from scraper.core.health import (
    DEFAULT_STALE_AFTER,
    CheckHistory,
    HealthChange,
    Verdict,
    check_history,
    stale_after_for,
    transition_at_last_check,
    verdict,
)
from scraper.core.records import CheckRecord, CheckStatus, Source
from scraper.reports.health_page import TargetHealth, render_health_page
from scraper.run.runner import judge, process_alive, runner_for

T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
OK, ERR = CheckStatus.UNCHANGED, CheckStatus.ERROR


def line(k: int, status: CheckStatus, *, source: Source = Source.LIVE) -> CheckRecord:
    return CheckRecord(
        target="rok",
        started_at=T0 + timedelta(hours=k),
        url="https://www.nato.int/p.htm",
        status=status,
        duration_ms=10,
        source=source,
        error=f"HTTP 503 at check {k}" if status is ERR else None,
    )


def newest_first(*statuses: CheckStatus) -> list[CheckRecord]:
    """Check-log lines, oldest given first, returned newest first."""
    return [line(k, s) for k, s in enumerate(statuses)][::-1]


# -- the model -------------------------------------------------------------------------------


def test_the_history_counts_the_failures_at_the_end_and_finds_the_last_success() -> None:
    history = check_history(newest_first(OK, ERR, OK, ERR, ERR, ERR))
    assert history.failures == 3
    assert history.since == T0 + timedelta(hours=3)
    assert history.last is not None and history.last.started_at == T0 + timedelta(hours=5)
    assert history.last_success is not None
    assert history.last_success.started_at == T0 + timedelta(hours=2)
    assert history.last_error == "HTTP 503 at check 5"
    assert history.failing(3) and not history.failing(4)


def test_the_history_stops_reading_at_the_newest_success() -> None:
    def lines() -> object:
        yield line(3, OK)
        raise AssertionError("read past the newest success")

    assert check_history(lines()).failures == 0  # type: ignore[arg-type]


def test_imported_captures_are_not_checks_but_a_nato_watch_export_s_are() -> None:
    wayback = line(9, CheckStatus.IMPORTED, source=Source.WAYBACK)
    history = check_history([wayback, *newest_first(OK, ERR)])
    assert history.failures == 1 and history.last is not None and history.last.status is ERR
    carried = CheckRecord(**{**wayback.__dict__, "source": Source.WARC, "origin": Source.LIVE})
    assert check_history([carried, *newest_first(OK, ERR)]).failures == 0


def test_the_verdict_is_stale_before_failing_and_failing_before_ok() -> None:
    failing = check_history(newest_first(OK, ERR, ERR, ERR))
    assert failing.last is not None
    now = failing.last.started_at + timedelta(hours=1)
    judged = {"now": now, "unhealthy_after": 3, "stale_after": timedelta(hours=12)}
    assert verdict(failing, **judged) is Verdict.FAILING  # type: ignore[arg-type]
    assert verdict(check_history(newest_first(ERR, OK)), **judged) is Verdict.OK  # type: ignore[arg-type]
    later = {**judged, "now": now + timedelta(days=1)}
    assert verdict(failing, **later) is Verdict.STALE  # type: ignore[arg-type]
    assert verdict(CheckHistory(), **judged) is Verdict.STALE  # type: ignore[arg-type]


def test_stale_after_is_two_intervals_or_48_hours() -> None:
    assert stale_after_for(timedelta(hours=6)) == timedelta(hours=12)
    assert stale_after_for(None) == DEFAULT_STALE_AFTER == timedelta(hours=48)


def test_a_target_turns_failing_once_and_recovers_once() -> None:
    changes = []
    statuses = [OK, ERR, ERR, ERR, ERR, ERR, OK, OK, ERR, OK]
    for k in range(len(statuses)):
        turn = transition_at_last_check(newest_first(*statuses[: k + 1]), 3)
        changes.append(turn.change if turn else None)
    failing_at, recovered_at = HealthChange.UNHEALTHY, HealthChange.RECOVERED
    assert changes == [None, None, None, failing_at, None, None, recovered_at, None, None, None]
    failing = transition_at_last_check(newest_first(*statuses[:4]), 3)
    assert failing is not None and failing.failures == 3
    assert failing.since == T0 + timedelta(hours=1)
    assert failing.last_error == "HTTP 503 at check 3"
    recovered = transition_at_last_check(newest_first(*statuses[:7]), 3)
    assert recovered is not None and recovered.failures == 5
    assert recovered.last_error == "HTTP 503 at check 5"


# -- reading a log from its end --------------------------------------------------------------


def test_lines_come_newest_first_across_blocks_without_blank_or_torn_newlines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.jsonl"
    lines = [f"line {k} " + "x" * (k % 7) * 5 for k in range(200)]
    path.write_bytes(("\n".join(lines) + "\n\n").encode())
    assert [b.decode() for b in lines_newest_first(path, block=16)] == lines[::-1]
    path.write_bytes(b"first\nsecond\ntorn, no newline")
    assert list(lines_newest_first(path, block=4)) == [b"torn, no newline", b"second", b"first"]
    assert list(lines_newest_first(tmp_path / "missing")) == []
    assert list(lines_newest_first(tmp_path)) == []  # a folder is no log


def test_the_archive_reads_its_check_log_newest_first_skipping_a_torn_line(
    tmp_path: Path,
) -> None:
    archive = Archive(tmp_path)
    for k, status in enumerate([OK, ERR, OK]):
        archive.append_check(line(k, status))
    with archive.checks_path("rok").open("ab") as handle:
        handle.write(b'{"at": "2024-07-1')  # a kill mid-append
    records = list(archive.iter_checks_newest_first("rok"))
    assert [r.started_at for r in records] == [T0 + timedelta(hours=k) for k in (2, 1, 0)]
    assert archive.last_check("rok") == records[0]


# -- runs ------------------------------------------------------------------------------------


def heartbeat(pid: int, *, beat_at: datetime, host: str | None = None) -> RunHeartbeat:
    from scraper.archive.heartbeat import this_host

    return RunHeartbeat(
        pid=pid,
        host=host or this_host(),
        started_at=beat_at - timedelta(hours=1),
        beat_at=beat_at,
        schedule="every 6h",
        interval=timedelta(hours=6),
        beat_every=timedelta(seconds=30),
        targets=("rok",),
    )


def test_a_run_is_alive_while_its_process_exists_and_it_beats() -> None:
    now = datetime.now(UTC)
    assert judge(heartbeat(os.getpid(), beat_at=now), now=now).alive
    # Hung (or a pid reused by another program): no beat for over three beats.
    assert not judge(heartbeat(os.getpid(), beat_at=now - timedelta(seconds=91)), now=now).alive
    # Another host's run can only be judged by its beats.
    assert judge(heartbeat(4_000_000, beat_at=now, host="elsewhere"), now=now).alive


def test_a_killed_run_is_dead_even_with_a_fresh_heartbeat() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    now = datetime.now(UTC)
    assert not process_alive(child.pid)
    assert not judge(heartbeat(child.pid, beat_at=now), now=now).alive


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        stat = Path(f"/proc/{child.pid}/stat")
        while stat.read_text().rpartition(")")[2].split()[0] != "Z":
            assert datetime.now(UTC) < deadline, "the child did not exit"
        assert not process_alive(child.pid)
    finally:
        child.wait()


def test_the_alive_run_covering_a_target_wins_else_the_latest(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    write_heartbeat(tmp_path, heartbeat(4_000_001, beat_at=now, host="gone"))
    write_heartbeat(tmp_path, heartbeat(os.getpid(), beat_at=now - timedelta(seconds=5)))
    runners = [judge(beat, now=now) for beat in read_heartbeats(tmp_path)]
    assert [r.heartbeat.pid for r in runners] == [4_000_001, os.getpid()]
    chosen = runner_for("rok", runners)
    assert chosen is not None and chosen.heartbeat.pid in (4_000_001, os.getpid())
    assert runner_for("japan", runners) is None
    dead_only = [judge(heartbeat(4_000_002, beat_at=now - timedelta(hours=1)), now=now)]
    picked = runner_for("rok", dead_only)
    assert picked is not None and not picked.alive


def test_a_run_beats_while_it_runs_removes_its_file_and_those_of_dead_runs(
    tmp_path: Path,
) -> None:
    from scraper.run.heartbeat import beating

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = datetime.now(UTC)
    write_heartbeat(tmp_path, heartbeat(dead.pid, beat_at=now))
    write_heartbeat(tmp_path, heartbeat(4_000_003, beat_at=now, host="elsewhere"))
    with beating(
        tmp_path,
        schedule="every 1s",
        interval=timedelta(seconds=1),
        targets=("rok",),
        now=lambda: datetime.now(UTC),
        every=timedelta(seconds=0.05),
    ):
        first = {b.pid: b for b in read_heartbeats(tmp_path)}
        time.sleep(0.3)
        second = {b.pid: b for b in read_heartbeats(tmp_path)}
    assert set(first) == {os.getpid(), 4_000_003}, "the dead run of this host is cleared"
    assert second[os.getpid()].beat_at > first[os.getpid()].beat_at
    assert [b.pid for b in read_heartbeats(tmp_path)] == [4_000_003]


# -- the health page -------------------------------------------------------------------------


def test_the_health_page_warns_of_a_failing_target_and_escapes_its_error() -> None:
    failing = check_history(
        [
            CheckRecord(**{**line(3, ERR).__dict__, "error": "HTTP 503 <b>busy</b> \x07"}),
            *newest_first(OK, ERR, ERR),
        ]
    )
    page = render_health_page(
        [TargetHealth("rok", failing), TargetHealth("japan", check_history(newest_first(OK)))],
        unhealthy_after=3,
    )
    assert "Failing: <code>rok</code>: the last 3 checks failed" in page
    assert "As of 2024-07-16 11:30:00 UTC" in page
    assert "HTTP 503 &lt;b&gt;busy&lt;/b&gt; " in page and "\x07" not in page
    assert page.index("japan") < page.index("<code>rok</code></a>")
    assert "<td>ok</td>" in page and 'failed <span class="badge alert">failing</span>' in page
    quiet = render_health_page([TargetHealth("japan", CheckHistory())], unhealthy_after=3)
    assert "Failing" not in quiet and "never checked" in quiet


@pytest.mark.parametrize("rows", [0, 1])
def test_the_health_page_parses_as_xml(rows: int) -> None:
    from xml.etree import ElementTree

    page = render_health_page(
        [TargetHealth("rok", check_history(newest_first(ERR)))][:rows], unhealthy_after=1
    )
    ElementTree.fromstring(page.removeprefix("<!DOCTYPE html>\n"))
