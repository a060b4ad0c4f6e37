"""The scheduled job: the pure core (durations, cron, planning, health, log lines) and the real
scheduler running real checks against a local site, in a thread and as a subprocess."""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from conftest import Site
from diff_cases import document_from_content
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive.store import Archive
from scraper.config import RunSettings
from scraper.core.diff import diff
from scraper.core.health import Health, HealthChange, check_history
from scraper.core.records import CheckRecord, CheckStatus
from scraper.core.target import Target
from scraper.errors import ConfigError
from scraper.fetching.http import Fetcher
from scraper.reports.health_page import TargetHealth, render_health_page
from scraper.run.notify import Delivery, Notifier, NotifySettings
from scraper.run.pipeline import CheckResult
from scraper.run.runlog import IsoFormatter, format_check_line, run_log_level
from scraper.run.schedule import RunOutcome, RunPlan, ScheduledRun
from scraper.run.timing import (
    DEFAULT_EVERY,
    Schedule,
    first_run,
    next_slot,
    plan_schedule,
    upcoming,
)
from scraper.timespec import format_duration, parse_cron, parse_duration

T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)

REPO = Path(__file__).resolve().parent.parent


# -- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("30m", timedelta(minutes=30)),
        ("6h", timedelta(hours=6)),
        ("1d", timedelta(days=1)),
        ("1.5h", timedelta(minutes=90)),
        (" 2H ", timedelta(hours=2)),
        ("1s", timedelta(seconds=1)),
    ],
)
def test_durations_are_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6", "is not a duration; write a number and a unit s, m, h, d or w, e.g. 30m"),
        ("6 hours", "is not a duration"),
        ("-5m", "is not a duration"),
        ("1h30m", "is not a duration"),
        ("", "is not a duration"),
        ("0s", "is too short; the minimum is 1s"),
        ("0.5s", "is too short; the minimum is 1s"),
    ],
)
def test_bad_durations_say_what_to_write(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_duration(text, option="--every")
    assert str(caught.value).startswith(f"--every {text!r}")
    assert expected in str(caught.value)


def test_a_jitter_may_be_zero_but_not_negative() -> None:
    assert parse_duration("0", option="--jitter", minimum=timedelta(0)) == timedelta(0)
    assert parse_duration("0s", option="--jitter", minimum=timedelta(0)) == timedelta(0)
    with pytest.raises(ConfigError, match="--jitter '-1s' is not a duration"):
        parse_duration("-1s", option="--jitter", minimum=timedelta(0))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=6), "6h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(days=2), "2d"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_are_written_back_in_the_largest_exact_unit(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    if value:
        assert parse_duration(text) == value


# -- cron ------------------------------------------------------------------------------------


def test_cron_fields_are_read_as_cron_reads_them() -> None:
    spec = parse_cron("*/15 9-17/4 1,15 jan-mar mon-fri")
    assert spec.minutes == {0, 15, 30, 45}
    assert spec.hours == {9, 13, 17}
    assert spec.days == {1, 15}
    assert spec.months == {1, 2, 3}
    assert spec.weekdays == {1, 2, 3, 4, 5}
    assert spec.days_restricted and spec.weekdays_restricted


def test_cron_sunday_is_0_and_7_and_nicknames_expand() -> None:
    assert parse_cron("0 0 * * 0").weekdays == {0}
    assert parse_cron("0 0 * * 7").weekdays == {0}
    assert parse_cron("0 0 * * 5-7").weekdays == {5, 6, 0}
    assert parse_cron("0 0 * * SUN").weekdays == {0}
    assert parse_cron("5/20 * * * *").minutes == {5, 25, 45}
    weekly = parse_cron("@weekly")
    assert (weekly.minutes, weekly.hours, weekly.weekdays) == ({0}, {0}, {0})
    assert parse_cron("@daily").expression == "@daily"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 */6 * *", "has 4 field(s), not 5; the five fields are minute hour day-of-month"),
        ("61 * * * *", "minute '61' has 61, outside 0-59"),
        ("0 24 * * *", "hour '24' has 24, outside 0-23"),
        ("0 0 0 * *", "day-of-month '0' has 0, outside 1-31"),
        ("0 0 * 13 *", "month '13' has 13, outside 1-12"),
        ("0 0 * * 8", "day-of-week '8' has 8, outside 0-7"),
        ("0 0 * * fri-mon", "runs backwards"),
        ("*/0 * * * *", "has step '0'"),
        ("1,,2 * * * *", "has an empty list item"),
        ("x * * * *", "has 'x', which is neither a number nor a name"),
        ("0 0 30 2 *", "never fires"),
        ("@reboot", "has 1 field(s), not 5"),
    ],
)
def test_bad_cron_expressions_name_the_field_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_cron(text)
    assert str(caught.value).startswith(f"--cron {text!r}")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("expression", "zone"),
    [
        ("0 */6 * * *", "UTC"),
        ("30 9 * * 1-5", "Europe/Brussels"),
        ("0 0 * * 0", "Asia/Seoul"),
        # Both day fields restricted: cron fires on the 1st of the month OR on Mondays.
        ("0 12 1 * mon", "UTC"),
        ("15 3 * * *", "Europe/Brussels"),  # across the spring DST change
    ],
)
def test_cron_schedules_fire_exactly_at_the_minutes_cron_would(expression: str, zone: str) -> None:
    spec = parse_cron(expression)
    tz = ZoneInfo(zone)
    start = datetime(2024, 3, 25, 0, 0, tzinfo=UTC)  # spans the end of March (DST in Europe)
    end = start + timedelta(days=9)
    fired = upcoming(Schedule(every=None, cron=spec, timezone=zone), after=start, count=60)
    fired = [t for t in fired if t < end]
    expected = []
    minute = start + timedelta(minutes=1)
    while minute < end:
        if spec.matches(minute.astimezone(tz)):
            expected.append(minute)
        minute += timedelta(minutes=1)
    assert fired == expected
    assert fired, "the window should hold some firing times"


def test_a_cron_time_skipped_by_the_dst_change_still_fires_that_day() -> None:
    # 02:15 does not exist in Brussels on 31 March 2024 (02:00 -> 03:00): cron runs such jobs
    # right after the change rather than skipping the day, and so does the schedule.
    schedule = Schedule(every=None, cron=parse_cron("15 2 * * *"), timezone="Europe/Brussels")
    fired = upcoming(schedule, after=datetime(2024, 3, 29, tzinfo=UTC), count=4)
    local = [t.astimezone(ZoneInfo("Europe/Brussels")) for t in fired]
    assert [t.day for t in local] == [29, 30, 31, 1]
    assert [t.strftime("%H:%M") for t in local] == ["02:15", "02:15", "03:15", "02:15"]


# -- planning --------------------------------------------------------------------------------


def test_the_default_schedule_is_every_six_hours_in_utc() -> None:
    schedule = plan_schedule(RunSettings())
    assert schedule == Schedule(every=DEFAULT_EVERY, cron=None, timezone="UTC")
    assert schedule.describe() == "every 6h"


def test_command_line_options_override_the_run_table() -> None:
    settings = RunSettings(cron="0 * * * *", timezone="Asia/Seoul", jitter=timedelta(minutes=1))
    from_config = plan_schedule(settings)
    assert from_config.cron is not None and from_config.every is None
    assert from_config.describe() == 'cron "0 * * * *" in Asia/Seoul, jitter up to 1m'
    overridden = plan_schedule(settings, every="30m", jitter="0", timezone="UTC")
    assert (overridden.every, overridden.cron, overridden.jitter) == (
        timedelta(minutes=30),
        None,
        timedelta(0),
    )
    assert overridden.timezone == "UTC"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"every": "6h", "cron": "0 * * * *"}, "give --every or --cron, not both"),
        (
            {"every": "10m", "jitter": "10m"},
            "the jitter (10m) must be shorter than the interval (10m)",
        ),
        ({"timezone": "Europe/Atlantis"}, "--timezone 'Europe/Atlantis' is not a known time zone"),
        ({"jitter": "a bit"}, "--jitter 'a bit' is not a duration"),
    ],
)
def test_conflicting_or_bad_options_are_refused(kwargs: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        plan_schedule(RunSettings(), **kwargs)
    assert expected in str(caught.value)


def test_first_run_is_now_when_never_checked_or_overdue() -> None:
    six = timedelta(hours=6)

    def after(moment: datetime) -> datetime:
        return moment + six

    assert first_run(last_check=None, now=T0, next_after=after) == T0
    assert first_run(last_check=T0 - six, now=T0, next_after=after) == T0
    assert first_run(last_check=T0 - timedelta(days=3), now=T0, next_after=after) == T0


def test_first_run_after_a_recent_check_keeps_the_rhythm() -> None:
    six = timedelta(hours=6)
    last = T0 - timedelta(hours=1, seconds=30)
    assert first_run(last_check=last, now=T0, next_after=lambda m: m + six) == last + six


def test_first_run_with_a_last_check_in_the_future_waits_one_interval_from_now() -> None:
    six = timedelta(hours=6)
    future = T0 + timedelta(days=1)  # the clock went back
    assert first_run(last_check=future, now=T0, next_after=lambda m: m + six) == T0 + six


def test_first_run_for_cron_is_now_only_when_a_firing_time_was_missed() -> None:
    schedule = Schedule(every=None, cron=parse_cron("0 */6 * * *"))

    def after(moment: datetime) -> datetime:
        return upcoming(schedule, after=moment, count=1)[0]

    now = datetime(2024, 7, 16, 13, 0, tzinfo=UTC)
    checked_at_noon = datetime(2024, 7, 16, 12, 0, 0, 250_000, tzinfo=UTC)
    assert first_run(last_check=checked_at_noon, now=now, next_after=after) == datetime(
        2024, 7, 16, 18, tzinfo=UTC
    )
    checked_before_noon = datetime(2024, 7, 16, 11, 59, tzinfo=UTC)
    assert first_run(last_check=checked_before_noon, now=now, next_after=after) == now
    exactly_at_noon = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)
    assert after(exactly_at_noon) == datetime(2024, 7, 16, 18, tzinfo=UTC)


def test_slots_count_from_the_anchor_so_jitter_never_drifts() -> None:
    hour = timedelta(hours=1)
    assert next_slot(T0, hour, after=T0 - hour) == T0
    assert next_slot(T0, hour, after=T0) == T0 + hour
    jittered = T0 + 5 * hour + timedelta(minutes=59)  # slot 5 plus 59 minutes of jitter
    assert next_slot(T0, hour, after=jittered) == T0 + 6 * hour
    later = T0 + 1000 * hour + timedelta(seconds=1)
    assert next_slot(T0, hour, after=later) == T0 + 1001 * hour


# -- health ----------------------------------------------------------------------------------


def test_health_warns_once_at_the_threshold_and_reports_recovery_once() -> None:
    health = Health()
    changes = []
    for ok in (False, False, False, False, True, True, False):
        health, change = health.after(ok=ok, at=T0, error="HTTP 503", threshold=3)
        changes.append(change)
    assert changes == [None, None, HealthChange.UNHEALTHY, None, HealthChange.RECOVERED, None, None]
    assert health.failures == 1 and not health.reported


def test_health_remembers_when_the_failures_began_and_the_last_error() -> None:
    health, _ = Health().after(ok=False, at=T0, error="first", threshold=1)
    health, change = health.after(ok=False, at=T0 + timedelta(hours=6), error="second", threshold=1)
    assert (health.failures, health.since, health.last_error) == (2, T0, "second")
    assert change is None  # reported at the first failure already (threshold 1)


def test_health_is_seeded_from_the_failed_checks_at_the_end_of_the_log() -> None:
    def record(minutes: int, status: CheckStatus) -> CheckRecord:
        return CheckRecord(
            target="t",
            started_at=T0 + timedelta(minutes=minutes),
            url="https://x.org/",
            status=status,
            duration_ms=1,
            error="boom" if status is CheckStatus.ERROR else None,
        )

    records = [
        record(0, CheckStatus.ERROR),
        record(1, CheckStatus.UNCHANGED),
        record(2, CheckStatus.ERROR),
        record(3, CheckStatus.ERROR),
    ]
    # The run reads the log from its end, newest line first.
    health = check_history(reversed(records)).health
    assert (health.failures, health.since, health.last_error, health.reported) == (
        2,
        T0 + timedelta(minutes=2),
        "boom",
        False,
    )
    assert check_history([]).health == Health()


# -- log lines -------------------------------------------------------------------------------


def test_log_levels_follow_the_global_verbosity_flags() -> None:
    assert run_log_level(logging.WARNING) == logging.INFO  # default: one line per check
    assert run_log_level(logging.INFO) == logging.INFO  # -v
    assert run_log_level(logging.DEBUG) == logging.DEBUG  # -vv
    assert run_log_level(logging.ERROR) == logging.ERROR  # -q


def test_a_check_line_names_target_outcome_version_duration_and_next_run() -> None:
    record = CheckRecord(
        target="rok",
        started_at=T0,
        url="https://x.org/p.htm",
        status=CheckStatus.ERROR,
        duration_ms=1234,
        error='GET https://x.org/p.htm returned HTTP 503 "busy"',
    )
    failed = CheckResult(
        target="rok",
        status=CheckStatus.ERROR,
        version=None,
        report=None,
        last_updated=None,
        error=record.error,
        record=record,
    )
    line = format_check_line(failed, duration=1.234, next_run=T0, tz=ZoneInfo("Asia/Seoul"))
    assert line == (
        "check target=rok status=error version=- duration=1.23s "
        "next=2024-07-16T17:30:00+09:00 "
        'error="GET https://x.org/p.htm returned HTTP 503 \\"busy\\""'
    )
    changed = CheckResult(
        target="rok",
        status=CheckStatus.CHANGED,
        version="2024-07-16T083000Z",
        report=Path("reports/rok/2024-07-16T083000Z.md"),
        last_updated=None,
        error=None,
        record=record,
    )
    assert format_check_line(changed, duration=0.5, next_run=None, tz=UTC) == (
        "check target=rok status=changed version=2024-07-16T083000Z duration=0.50s "
        "report=reports/rok/2024-07-16T083000Z.md"
    )


def test_a_change_s_line_names_its_kind_and_its_strongest_flag() -> None:
    content = load_content()
    negated = {"has been steadfast in supporting": "has not been steadfast in supporting"}
    change = diff(
        document_from_content(content),
        document_from_content(edited(content, replace_text=negated)),
    )
    record = CheckRecord(
        target="rok", started_at=T0, url="https://x.org/", status=CheckStatus.CHANGED, duration_ms=1
    )
    result = CheckResult(
        target="rok",
        status=CheckStatus.CHANGED,
        version="2024-07-16T083000Z",
        report=None,
        last_updated=None,
        error=None,
        record=replace(record, version="2024-07-16T083000Z"),
        change=change,
    )
    assert format_check_line(result, duration=0.5, next_run=None, tz=UTC) == (
        "check target=rok status=changed version=2024-07-16T083000Z "
        'change="silent edit" flag="negation: “not” added" duration=0.50s'
    )


def test_log_timestamps_are_iso_with_the_offset_of_the_run_time_zone() -> None:
    record = logging.LogRecord("nato-watch.run", logging.INFO, __file__, 1, "check x", None, None)
    record.created = datetime(2024, 7, 16, 8, 28, 5, 900_000, tzinfo=UTC).timestamp()
    line = IsoFormatter(ZoneInfo("Europe/Brussels")).format(record)
    assert line == "2024-07-16T10:28:05+02:00 INFO check x"
    assert IsoFormatter(UTC).format(record).startswith("2024-07-16T08:28:05+00:00 INFO")


# -- the real scheduler ----------------------------------------------------------------------


def checks(archive: Archive, target: str) -> list[CheckRecord]:
    return list(archive.iter_checks(target))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextmanager
def running(runner: ScheduledRun) -> Iterator[list[RunOutcome]]:
    """Run the scheduler in a thread; stop it (and wait for it) when the block ends."""
    outcomes: list[RunOutcome] = []
    thread = threading.Thread(target=lambda: outcomes.append(runner.run(handle_signals=False)))
    thread.start()
    try:
        yield outcomes
    finally:
        runner.request_stop()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the run did not stop"


def make_run(
    archive: Archive,
    fetcher: Fetcher,
    targets: list[Target],
    *,
    every: str = "1s",
    threshold: int = 3,
    notifier: Notifier | None = None,
) -> ScheduledRun:
    plan = RunPlan(
        schedule=plan_schedule(RunSettings(), every=every),
        unhealthy_after=threshold,
        stop_timeout=10,
        lock_timeout=5,
    )
    return ScheduledRun(targets, archive=archive, fetch=fetcher, plan=plan, notifier=notifier)


@pytest.mark.slow
def test_checks_keep_their_rhythm(
    site: Site, archive: Archive, fetcher: Fetcher, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    runner = make_run(archive, fetcher, [target], every="1s")
    started = datetime.now(UTC)
    with running(runner):
        wait_for(lambda: len(checks(archive, "rok")) >= 4, 10, "four checks")
    times = [r.started_at for r in checks(archive, "rok")]
    assert (times[0] - started).total_seconds() < 0.5, "a never-checked target is checked at once"
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(0.8 <= gap <= 1.2 for gap in gaps), gaps
    # The slots are counted from the first check: no drift accumulates.
    drift = (times[3] - times[0]).total_seconds() - 3
    assert abs(drift) < 0.2, times
    assert [r.status for r in checks(archive, "rok")][:2] == [
        CheckStatus.NEW,
        CheckStatus.UNCHANGED,
    ]


@pytest.mark.slow
def test_the_run_keeps_the_health_page_and_its_stop_writes_what_is_due(
    site: Site, archive: Archive, fetcher: Fetcher, page_2024: str
) -> None:
    # The run rewrites the page at most once a second (run.coalesce), not after each check.
    names = ("a", "b", "c")
    targets = [Target(name, site.put(f"/{name}.htm", page_2024)) for name in names]
    runner = make_run(archive, fetcher, targets, every="1s")
    page = archive.site.root / "health.html"

    def from_the_logs() -> str:
        rows = [TargetHealth(n, check_history(archive.iter_checks_newest_first(n))) for n in names]
        return render_health_page(rows, unhealthy_after=3)

    with running(runner):
        wait_for(lambda: all(len(checks(archive, n)) >= 3 for n in names), 10, "three checks each")
        assert page.is_file() and all(f"<code>{n}</code>" in page.read_text() for n in names)

    assert page.read_text(encoding="utf-8") == from_the_logs()  # the last checks included


@pytest.mark.slow
def test_a_change_mid_run_is_recorded_and_notified(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    httpserver_ipv4: HTTPServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="nato-watch.run")
    httpserver_ipv4.expect_request("/hook", method="POST").respond_with_data("ok")
    env_file = tmp_path / "env.txt"
    content = load_content()
    url = site.put("/p.htm", nato_page(content))
    target = Target(
        "rok",
        url,
        webhook=httpserver_ipv4.url_for("/hook"),
        command=f"env | grep ^NATO_WATCH_ >> {env_file}; echo --- >> {env_file}",
    )
    deliveries: list[Delivery] = []
    notifier = Notifier(NotifySettings(timeout=5, tries=1), on_delivery=deliveries.append)
    runner = make_run(archive, fetcher, [target], every="1s", notifier=notifier)
    try:
        with running(runner):
            wait_for(lambda: len(checks(archive, "rok")) >= 2, 10, "two checks")
            changed = edited(
                content,
                stamp="17 Jul. 2024 09:00",
                replace_text={"Republic of Korea": "Republic of Korea (ROK)"},
            )
            site.put("/p.htm", nato_page(changed))
            wait_for(
                lambda: any(r.status is CheckStatus.CHANGED for r in checks(archive, "rok")),
                10,
                "the changed check",
            )
            wait_for(lambda: len(deliveries) >= 4, 10, "four deliveries")
    finally:
        notifier.close()

    statuses = [r.status for r in checks(archive, "rok")]
    assert statuses.count(CheckStatus.NEW) == 1 and statuses.count(CheckStatus.CHANGED) == 1
    assert len(archive.version_ids("rok")) == 2
    # Only the new and changed checks are notified, each on both channels.
    assert all(d.ok for d in deliveries), deliveries
    posts = [request.get_json() for request, _ in httpserver_ipv4.log if request.path == "/hook"]
    assert [p["status"] for p in posts] == ["new", "changed"]
    new_version, changed_version = archive.version_ids("rok")
    assert posts[1]["version"] == changed_version
    assert posts[1]["target"] == "rok"
    assert posts[1]["summary"]["blocks_changed"] >= 1
    assert posts[1]["last_updated"] == "2024-07-17T09:00:00+02:00"
    assert "rok changed" in posts[1]["text"] and changed_version in posts[1]["text"]
    assert posts[1]["report"].endswith(f"reports/rok/{changed_version}.md")
    blocks = env_file.read_text().split("---\n")
    assert f"NATO_WATCH_VERSION={new_version}" in blocks[0]
    assert "NATO_WATCH_STATUS=new" in blocks[0] and "NATO_WATCH_REPORT=\n" in blocks[0]
    assert "NATO_WATCH_STATUS=changed" in blocks[1]
    assert (
        f"NATO_WATCH_REPORT={archive.root.resolve()}/reports/rok/{changed_version}.md"
        in (blocks[1])
    )
    check_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("check ")]
    assert any(
        f"target=rok status=changed version={changed_version}" in line for line in check_lines
    )
    assert all(" duration=" in line and " next=" in line for line in check_lines), check_lines


@pytest.mark.slow
def test_a_failing_target_does_not_stop_a_healthy_one(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    page_2024: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="nato-watch.run")
    good = Target("good", site.put("/good.htm", page_2024))
    missing = Target("missing", site.url("/gone.htm"))  # 404: a failed check, logged
    broken = Target("broken", site.put("/broken.htm", page_2024))
    # The check log of "broken" is a directory: writing it raises an unexpected OSError.
    archive.checks_path("broken").mkdir(parents=True)
    runner = make_run(archive, fetcher, [missing, broken, good], every="1s", threshold=100)
    with running(runner) as outcomes:
        wait_for(lambda: len(checks(archive, "good")) >= 3, 10, "three checks of the good target")
        wait_for(lambda: len(checks(archive, "missing")) >= 3, 10, "three failed checks")
    assert [r.status for r in checks(archive, "good")][:3] == [
        CheckStatus.NEW,
        CheckStatus.UNCHANGED,
        CheckStatus.UNCHANGED,
    ]
    assert {r.status for r in checks(archive, "missing")} == {CheckStatus.ERROR}
    assert "HTTP 404" in (checks(archive, "missing")[0].error or "")
    internal = [
        r
        for r in caplog.records
        if "target=broken" in r.getMessage() and "internal error" in r.getMessage()
    ]
    assert len(internal) >= 2, "the broken target is tried again on schedule"
    assert internal[0].exc_info is not None, "an unexpected error is logged with its traceback"
    outcome = outcomes[0]
    assert outcome.clean and outcome.failed >= 5 and outcome.checks > outcome.failed


@pytest.mark.slow
def test_consecutive_failures_warn_once_and_recovery_is_logged(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    page_2024: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="nato-watch.run")
    target = Target("rok", site.url("/p.htm"))  # not served yet: 404
    runner = make_run(archive, fetcher, [target], every="1s", threshold=2)
    with running(runner):
        # The health follows the check-log line of each check: wait on it, not on the log.
        wait_for(lambda: runner.health("rok").failures >= 3, 10, "three failed checks")
        assert len(checks(archive, "rok")) >= 3
        site.put("/p.htm", page_2024)
        wait_for(
            lambda: checks(archive, "rok")[-1].status is CheckStatus.NEW, 10, "a working check"
        )
        wait_for(lambda: any("recovered" in r.getMessage() for r in caplog.records), 5, "recovery")
    warnings = [r for r in caplog.records if r.getMessage().startswith("UNHEALTHY")]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert warnings[0].levelno == logging.WARNING
    assert "target=rok failures=2" in warnings[0].getMessage()
    assert "HTTP 404" in warnings[0].getMessage()
    recovered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("recovered")]
    assert len(recovered) == 1 and "target=rok" in recovered[0]
    assert runner.health("rok") == Health()


def test_a_restart_neither_checks_again_nor_resets_the_rhythm(
    site: Site, archive: Archive, fetcher: Fetcher, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    with running(make_run(archive, fetcher, [target], every="1d")):
        wait_for(lambda: len(checks(archive, "rok")) == 1, 10, "the first check")
    last = checks(archive, "rok")[0].started_at

    restarted = make_run(archive, fetcher, [target], every="1d")
    with running(restarted):
        wait_for(lambda: "rok" in restarted.next_runs(), 5, "the plan")
        time.sleep(0.5)
        planned = restarted.next_runs()["rok"]
    assert len(checks(archive, "rok")) == 1, "a restart must not check again"
    assert abs((planned - (last + timedelta(days=1))).total_seconds()) < 0.001


def test_a_cron_run_checks_a_new_target_at_once_then_waits_for_the_next_cron_time(
    site: Site, archive: Archive, fetcher: Fetcher, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    plan = RunPlan(
        schedule=plan_schedule(RunSettings(), cron="30 9 1 1 *", timezone="Asia/Seoul"),
        lock_timeout=5,
    )
    runner = ScheduledRun([target], archive=archive, fetch=fetcher, plan=plan)
    with running(runner):
        wait_for(lambda: len(checks(archive, "rok")) == 1, 10, "the check at start-up")
        wait_for(lambda: "rok" in runner.next_runs(), 5, "the plan")
        planned = runner.next_runs()["rok"]
    seoul = planned.astimezone(ZoneInfo("Asia/Seoul"))
    assert (seoul.month, seoul.day, seoul.hour, seoul.minute) == (1, 1, 9, 30)
    assert planned > datetime.now(UTC)
    assert len(checks(archive, "rok")) == 1


def test_a_check_that_cannot_get_the_lock_is_skipped_and_logged(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    page_2024: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="nato-watch.run")
    target = Target("rok", site.put("/p.htm", page_2024))
    plan = RunPlan(schedule=plan_schedule(RunSettings(), every="1d"), lock_timeout=0.3)
    runner = ScheduledRun([target], archive=archive, fetch=fetcher, plan=plan)
    held = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:  # another writer, e.g. a manual `check` or `replay`
        with archive.lock(timeout=1):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    try:
        with running(runner):
            wait_for(
                lambda: any(r.getMessage().startswith("skip ") for r in caplog.records),
                5,
                "the skip line",
            )
    finally:
        release.set()
        holder.join()
    skip = next(r for r in caplog.records if r.getMessage().startswith("skip "))
    assert skip.levelno == logging.WARNING
    assert "target=rok" in skip.getMessage() and "locked" in skip.getMessage()
    assert checks(archive, "rok") == []
    assert runner.health("rok").failures == 1


# -- the command -----------------------------------------------------------------------------


def write_config(data_dir: Path, url: str, extra: str = "") -> Path:
    path = data_dir / "nato-watch.toml"
    path.write_text(
        f'[[targets]]\nname = "rok"\nurl = "{url}"\n{extra}'
        "[fetch]\nretries = 1\nrespect_robots = false\n",
        encoding="utf-8",
    )
    return path


def start_run(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "--data-dir", str(data_dir), "run", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def slow_site(httpserver_ipv4: HTTPServer, page_2024: str) -> Iterator[tuple[str, threading.Event]]:
    """A page that takes 1.5 s to answer; the event is set when a request arrives."""
    arrived = threading.Event()
    answering = threading.Semaphore()

    def slow(request: Request) -> Response:
        with answering:
            arrived.set()
            time.sleep(1.5)
            return Response(page_2024, content_type="text/html; charset=utf-8")

    httpserver_ipv4.expect_request("/slow.htm").respond_with_handler(slow)
    yield httpserver_ipv4.url_for("/slow.htm"), arrived
    # The server is shared by later tests: let an answer cut off by a killed run end here.
    with answering:
        pass


@pytest.mark.slow
def test_sigterm_during_a_slow_fetch_finishes_the_check_and_exits_0(
    data_dir: Path, slow_site: tuple[str, threading.Event], run_cli: Callable[..., Result]
) -> None:
    url, arrived = slow_site
    write_config(data_dir, url, "[run]\nstop_timeout = 20\n")
    log_file = data_dir.parent / "logs" / "run.log"
    process = start_run(data_dir, "--every", "1s", "--log-file", str(log_file))
    try:
        assert arrived.wait(15), "the first check should start at once"
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    waited = time.monotonic() - sent
    assert process.returncode == 0, stderr
    assert waited < 5, f"stopping took {waited:.1f} s"
    assert "stop: received SIGTERM; waiting up to 20s for the check of rok" in stderr
    assert "stopped cleanly" in stderr
    logged = log_file.read_text()
    assert "INFO check target=rok status=new version=" in logged
    assert logged.splitlines()[-1].endswith("INFO stop: received SIGTERM; stopped cleanly")
    lines = (data_dir / "snapshots" / "rok" / "checks.jsonl").read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["new"]
    assert not (data_dir / ".nato-watch.lock").read_text().strip(), "the lock is released"
    verified = run_cli("verify")
    assert verified.exit_code == 0, verified.stdout
    assert "0 damage" in verified.stdout


@pytest.mark.slow
def test_a_second_signal_exits_at_once_leaving_a_valid_archive(
    data_dir: Path, slow_site: tuple[str, threading.Event], run_cli: Callable[..., Result]
) -> None:
    url, arrived = slow_site
    write_config(data_dir, url)
    process = start_run(data_dir, "--every", "1s")
    try:
        assert arrived.wait(15)
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert time.monotonic() - sent < 1.0
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "second signal (SIGTERM); exiting now without waiting for rok" in stderr
    verified = run_cli("verify")
    assert verified.exit_code == 0, verified.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--every", "6h", "--cron", "0 * * * *"], "give --every or --cron, not both"),
        (["--every", "6"], "--every '6' is not a duration"),
        (["--cron", "0 25 * * *"], "hour '25' has 25, outside 0-23"),
        (["--every", "5m", "--timezone", "Korea/Seoul"], "not a known time zone"),
        (["--target", "japan"], "no target named 'japan'"),
        (["--every", "1m", "--jitter", "2m"], "must be shorter than the interval"),
    ],
)
def test_run_refuses_bad_options_before_starting(
    run_cli: Callable[..., Result], args: list[str], expected: str
) -> None:
    result = run_cli("run", *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stderr.startswith("nato-watch: error:")
    assert "Traceback" not in result.stderr


def test_the_cli_starts_without_importing_the_scheduler() -> None:
    code = (
        "import sys\n"
        "from scraper.cli import main\n"
        "sys.argv = ['nato-watch', 'run', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'apscheduler' not in sys.modules, 'apscheduler imported'\n"
        "assert 'scraper.run.schedule' not in sys.modules\n"
        "assert 'scraper.run.launch' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "Example: nato-watch run --every 6h" in done.stdout
    for option in ("--every", "--cron", "--target", "--jitter", "--timezone", "--log-file"):
        assert option in done.stdout
