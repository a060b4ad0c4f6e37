"""Walking history through the real CLI: `log`, `show VERSION | --at`, `diff`, and the refusal
of names and ids that could lead outside the data dir."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from conftest import Clock, Site, nato_watch
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer

from scraper.timespec import parse_utc

TARGET = "republic-of-korea"
PATH = "/cps/en/natohq/topics_50098.htm"
EDITS = [
    {},
    {
        "stamp": "18 Jul. 2024 09:15",
        "replace_text": {"steadfast in supporting": "unwavering in its support for"},
    },
    {"stamp": "20 Jul. 2024 14:02", "replace_text": {"Republic of Korea": "ROK"}},
]


def make_history(site: Site, run_cli: Callable[..., Result]) -> list[dict]:
    """Three versions of the 2024 page, each edited from the one before, checked a few
    minutes apart by the test's clock; returns `log --json`."""
    content = load_content()
    url = site.url(PATH)
    clock = Clock(datetime(2024, 7, 20, 9, 0, 0, 250_000, tzinfo=UTC))
    for edit in EDITS:
        content = edited(content, **edit)
        site.put(PATH, nato_page(content))
        result = run_cli("check", "--url", url, "--target", TARGET, now=clock)
        assert result.exit_code == 0, result.stderr
        clock.advance(minutes=7, seconds=13)
    result = run_cli("log", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    return rows


@pytest.fixture(scope="module")
def built_history(
    make_httpserver: HTTPServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict]]:
    """One archive with three versions, built once for this module (checks take seconds)."""

    root = tmp_path_factory.mktemp("history") / "data"
    root.mkdir()

    def run(*args: str, now: Callable[[], datetime] | None = None) -> Result:
        return nato_watch(root, *args, now=now)

    make_httpserver.clear()  # handlers another module's last test left on the shared server
    try:
        rows = make_history(Site(make_httpserver), run)
    finally:
        make_httpserver.clear()
    return root, rows


@pytest.fixture
def history(built_history: tuple[Path, list[dict]], data_dir: Path) -> list[dict]:
    """A copy of the module's three-version archive in this test's data dir."""
    root, rows = built_history
    shutil.copytree(root, data_dir, dirs_exist_ok=True)
    return rows


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def failed(result: Result) -> str:
    """The one-line error of a failed command."""
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nato-watch: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_log_lists_versions_oldest_first(
    history: list[dict], run_cli: Callable[..., Result]
) -> None:
    ids = [row["id"] for row in history]
    assert ids == sorted(ids)
    assert [row["last_updated"] for row in history] == [
        "2024-07-16T10:28:00+02:00",
        "2024-07-18T09:15:00+02:00",
        "2024-07-20T14:02:00+02:00",
    ]
    for row in history:
        assert set(row) >= {"id", "captured_at", "last_updated", "hash"}
        assert len(row["hash"]) == 64
        assert parse_utc(row["captured_at"]).replace(microsecond=0) == datetime.strptime(
            row["id"], "%Y-%m-%dT%H%M%SZ"
        ).replace(tzinfo=ZoneInfo("UTC"))
    text = ok(run_cli("log")).splitlines()
    assert [line.split()[0] for line in text] == ids
    assert "first version" in text[0]
    assert "16 Jul. 2024 10:28" in text[0] and history[0]["hash"][:12] in text[0]


def test_show_takes_ids_prefixes_latest_and_latest_n(
    history: list[dict], run_cli: Callable[..., Result]
) -> None:
    ids = [row["id"] for row in history]
    pages = {i: ok(run_cli("show", i)) for i in ids}

    assert "Last updated: 20 Jul. 2024 14:02" in pages[ids[2]]
    assert "ROK" in pages[ids[2]] and "ROK" not in pages[ids[1]]
    assert ok(run_cli("show")) == pages[ids[2]]
    assert ok(run_cli("show", "latest")) == pages[ids[2]]
    assert ok(run_cli("show", "latest~1")) == pages[ids[1]]
    assert ok(run_cli("show", "latest~2")) == pages[ids[0]]
    assert ok(run_cli("show", ids[1][:-1])) == pages[ids[1]]  # a unique prefix
    shown = json.loads(ok(run_cli("show", "latest~1", "--format", "json")))
    assert shown["last_updated"]["text"] == "18 Jul. 2024 09:15"


def test_show_refuses_unknown_versions_listing_the_nearest(
    history: list[dict], run_cli: Callable[..., Result]
) -> None:
    ids = [row["id"] for row in history]

    line = failed(run_cli("show", "latest~3"))
    assert "only 3 version(s); the oldest is latest~2" in line
    line = failed(run_cli("show", "2019-01-01T000000Z"))
    assert "no version '2019-01-01T000000Z'" in line
    assert f"nearest: {ids[0]}, {ids[1]}, {ids[2]}" in line
    line = failed(run_cli("show", "latest~1", "--at", "2024-07-16"))
    assert "not both" in line


def test_show_at_picks_the_version_in_force_at_before_and_after_each(
    history: list[dict], run_cli: Callable[..., Result]
) -> None:
    ids = [row["id"] for row in history]
    pages = {i: ok(run_cli("show", i)) for i in ids}
    captured = [parse_utc(row["captured_at"]) for row in history]

    def at(moment: datetime) -> Result:
        return run_cli("show", "--at", moment.isoformat())

    for index, (version_id, moment) in enumerate(zip(ids, captured, strict=True)):
        assert ok(at(moment)) == pages[version_id], f"at {version_id}"
        # the id itself, as a user types it: the second it names
        second = moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert ok(run_cli("show", "--at", second)) == pages[version_id]
        # just after: still this one
        assert ok(at(moment + timedelta(milliseconds=1))) == pages[version_id]
        # just before: the one before, or a clear error before the first
        before = at(moment - timedelta(microseconds=1))
        if index == 0:
            line = failed(before)
            assert (
                f"has no version at {(moment - timedelta(microseconds=1)).isoformat().replace('+00:00', 'Z')}"
                in line
            )
            assert f"the first ({ids[0]}) was captured at {history[0]['captured_at']}" in line
        else:
            assert ok(before) == pages[ids[index - 1]]
    # long after the last: the last; a time with an offset and one without (= UTC)
    assert ok(at(captured[-1] + timedelta(days=3650))) == pages[ids[2]]
    seoul = captured[1].astimezone(ZoneInfo("Asia/Seoul"))
    assert ok(run_cli("show", "--at", seoul.isoformat())) == pages[ids[1]]
    naive = captured[1].replace(tzinfo=None).isoformat()
    assert ok(run_cli("show", "--at", naive)) == pages[ids[1]]
    assert "cannot read --at 'yesterday'" in failed(run_cli("show", "--at", "yesterday"))


def test_diff_between_any_two_versions(history: list[dict], run_cli: Callable[..., Result]) -> None:
    ids = [row["id"] for row in history]

    markdown = ok(run_cli("diff", "latest~2", "latest"))
    assert "unwavering" in markdown and "ROK" in markdown
    report = json.loads(ok(run_cli("diff", ids[0], ids[1], "--format", "json")))
    assert report["old"]["id"] == ids[0] and report["new"]["id"] == ids[1]
    assert report["summary"]["blocks_changed"] == 1
    since = json.loads(
        ok(run_cli("diff", "--since", history[1]["captured_at"], "--format", "json"))
    )
    assert since["old"]["id"] == ids[1] and since["new"]["id"] == ids[2]
    line = failed(run_cli("diff", "latest~7", "latest"))
    assert "only 3 version(s)" in line
    line = failed(run_cli("diff", "../../etc/passwd", "latest"))
    assert "no version '../../etc/passwd'" in line and ids[2] in line


def test_the_stored_report_matches_the_diff_command(
    history: list[dict], run_cli: Callable[..., Result], data_dir: Path
) -> None:
    ids = [row["id"] for row in history]
    stored = (data_dir / "reports" / TARGET / f"{ids[2]}.md").read_text(encoding="utf-8")

    assert ok(run_cli("diff", "latest~1", "latest")) == stored


def test_history_commands_on_an_empty_archive_say_what_to_do(
    run_cli: Callable[..., Result],
) -> None:
    for args in (["log"], ["show"], ["diff", "latest~1", "latest"], ["replay"]):
        assert "run `nato-watch check` first" in failed(run_cli(*args))


def test_several_targets_need_target_and_the_error_lists_them(
    site: Site, run_cli: Callable[..., Result]
) -> None:
    url = site.put(PATH, nato_page(load_content()))
    for name in ("korea", "japan"):
        ok(run_cli("check", "--url", url, "--target", name))

    line = failed(run_cli("log"))
    assert "pick one with --target: japan, korea" in line
    assert len(json.loads(ok(run_cli("log", "--target", "japan", "--json")))) == 1
    assert "holds no target 'australia'; it holds: japan, korea" in failed(
        run_cli("show", "--target", "australia")
    )


@pytest.mark.parametrize("name", ["../x", "../../tmp/evil", "/tmp/evil", "a/b", ".", "..", "X"])
def test_no_target_name_leads_outside_the_data_dir(
    site: Site, run_cli: Callable[..., Result], tmp_path: Path, data_dir: Path, name: str
) -> None:
    url = site.put(PATH, nato_page(load_content()))
    ok(run_cli("check", "--url", url, "--target", "korea"))
    outside_before = sorted(
        p for p in tmp_path.rglob("*") if data_dir not in p.parents and p != data_dir
    )

    for args in (
        ["check", "--url", url, "--target", name],
        ["log", "--target", name],
        ["show", "--target", name],
        ["diff", "latest", "latest", "--target", name],
        ["replay", "--target", name],
    ):
        line = failed(run_cli(*args))
        assert "slug" in line or "invalid target name" in line, line

    outside_after = sorted(
        p for p in tmp_path.rglob("*") if data_dir not in p.parents and p != data_dir
    )
    assert outside_after == outside_before
    assert sorted(p.name for p in (data_dir / "snapshots").iterdir()) == ["korea"]
    assert not Path("/tmp/evil").exists()


def test_a_config_cannot_name_a_target_outside_the_data_dir(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text(
        '[[targets]]\nname = "../escape"\nurl = "https://www.nato.int/cps/en/natohq/topics_50098.htm"\n'
    )

    line = failed(run_cli("check"))
    assert "is not a slug" in line
    assert sorted(p.name for p in data_dir.iterdir()) == ["nato-watch.toml"]


def test_every_command_reads_the_same_date_forms(
    history: list[dict], run_cli: Callable[..., Result], data_dir: Path, tmp_path: Path
) -> None:
    # The history was checked at 09:00:00.25, 09:07:13.25 and 09:14:26.25 on 2024-07-20.
    ids = [row["id"] for row in history]
    after = Clock(datetime(2024, 7, 20, 9, 20, tzinfo=UTC))

    def logged(*args: str) -> list[str]:
        return [row["id"] for row in json.loads(ok(run_cli("log", "--json", *args, now=after)))]

    assert logged("--since", "2024-07") == ids
    assert logged("--since", "2024-07-20T0905") == ids[1:]  # a version id's head
    assert logged("--since", "15m") == ids[1:]  # a quarter of an hour before 09:20
    assert logged("--since", ids[2]) == ids[2:]
    assert logged("--since", "1w") == ids
    assert logged("--since", "2025") == []
    assert "no versions captured since 2025-01-01T00:00:00Z" in ok(
        run_cli("log", "--since", "2025", now=after)
    )

    def shown(*args: str) -> str:
        return ok(run_cli("show", *args, now=after))

    assert shown("--at", "10m") == shown(ids[1])  # in force at 09:10
    assert shown("--at", "2024-07-20T09:07:13.300") == shown(ids[1])

    def since(text: str) -> dict:
        out = ok(run_cli("diff", "--since", text, "--format", "json", now=after))
        return json.loads(out)

    assert since("10m")["old"]["id"] == ids[1]
    assert since("2024-07-20T0905")["old"]["id"] == ids[0]  # in force at 09:05
    assert "no version at" in failed(run_cli("diff", "--since", "2024-07", now=after))

    out = tmp_path / "span.warc"
    assert ": 2 captures of" in ok(run_cli("export-warc", str(out), "--from", "15m", now=after))
    for command in (("log", "--since"), ("show", "--at"), ("diff", "--since")):
        line = failed(run_cli(*command, "last tuesday", now=after))
        assert "use ISO 8601 (2016, 2016-10" in line and "a duration ago (6h, 3d, 1w)" in line
    line = failed(run_cli("export-warc", str(out), "--from", "last tuesday", now=after))
    assert "a duration ago (6h, 3d, 1w)" in line
