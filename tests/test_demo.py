"""`nato-watch demo`: the offline sample archive a new user builds in their first minute.

The demo runs once per module through the real command line, in a subprocess whose sockets
may reach 127.0.0.1 only (a `sitecustomize` refuses every other address and every name
lookup), into an empty data dir. The tests then read what it made: the versions and reports
of both targets, the marker, the refusals, and the site in the system's Chromium.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import tree

from scraper.archive.store import Archive
from scraper.core.parse import parse
from scraper.errors import ConfigError
from scraper.run.demo import ENGLISH, FRENCH, HISTORY, PATHS
from scraper.run.demo_pages import cps_page, read_page_text, table_page

ROOT = Path(__file__).resolve().parent.parent
# Loaded by the demo's interpreter before anything else: no name lookup, no connection to any
# address but the loopback one, so a demo that reached for the network would fail loudly.
LOOPBACK_ONLY = """
import socket

_connect = socket.socket.connect

def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "::1"):
        raise OSError(f"test: connection to {address!r} refused: loopback only")
    return _connect(self, address)

def _no_lookup(host, *args, **kwargs):
    if host not in ("127.0.0.1", "::1", None):
        raise socket.gaierror(f"test: no name lookups ({host!r})")
    return _getaddrinfo(host, *args, **kwargs)

_getaddrinfo = socket.getaddrinfo
socket.socket.connect = _loopback_only
socket.getaddrinfo = _no_lookup
"""


@dataclass(frozen=True)
class Demo:
    """The data dir the demo made, what it printed, and how long it took."""

    root: Path
    process: subprocess.CompletedProcess[str]
    seconds: float


def nato_watch(*args: str, sandbox: Path) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess that can reach 127.0.0.1 only."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(sandbox), str(ROOT)]),
        "NATO_WATCH_CONFIG": "",
        "NATO_WATCH_DATA_DIR": "",
        # A proxy that would take any request the demo sent elsewhere (and fail).
        "http_proxy": "http://192.0.2.1:9",
        "https_proxy": "http://192.0.2.1:9",
    }
    return subprocess.run(
        [sys.executable, "-m", "scraper", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`nato-watch --data-dir <new dir> demo`, run once for the module."""
    sandbox = tmp_path_factory.mktemp("sandbox")
    (sandbox / "sitecustomize.py").write_text(LOOPBACK_ONLY, encoding="utf-8")
    root = tmp_path_factory.mktemp("demo") / "data"  # not there yet: the demo makes it
    started = time.monotonic()
    process = nato_watch("--data-dir", str(root), "demo", sandbox=sandbox)
    return Demo(root, process, time.monotonic() - started)


def test_the_demo_builds_a_history_offline_in_a_few_seconds(demo: Demo) -> None:
    assert demo.process.returncode == 0, demo.process.stderr
    assert demo.process.stderr == ""
    assert demo.seconds < 15, demo.seconds  # about 1.5 s on a quiet machine
    archive = Archive(demo.root)
    assert archive.targets() == [ENGLISH, FRENCH]
    english = archive.version_ids(ENGLISH)
    assert len(english) >= 4
    assert len(archive.version_ids(FRENCH)) == 3
    # Each version is dated by the copy it stands for, not by today.
    assert english[0] == "2016-10-07T060000Z" and english[1] == "2024-07-17T060000Z"
    assert archive.version_ids(FRENCH)[0] == "2012-11-08T010300Z"
    # The check log holds every check, the held suspect page and the unchanged check too.
    statuses = [r.status.value for r in archive.iter_checks(ENGLISH)]
    assert statuses.count("unchanged") == 1
    assert [r.suspect for r in archive.iter_checks(FRENCH)].count(True) == 1


def test_the_demo_prints_each_check_and_what_to_open(demo: Demo) -> None:
    lines = demo.process.stdout.splitlines()
    assert lines[0] == f"{FRENCH}: new — first version 2012-11-08T010300Z"
    assert any(line.startswith(f"{FRENCH}: error — suspect page held") for line in lines)
    index = demo.root.resolve() / "reports" / "index.html"
    assert f"  {index}" in lines
    assert f"  nato-watch --data-dir {demo.root.resolve()} serve" in lines
    assert f"  nato-watch --data-dir {demo.root.resolve()} log --target {ENGLISH}" in lines
    summary = next(line for line in lines if line.startswith("demo: "))
    assert re.match(r"demo: 8 versions and 6 change reports of 2 targets in \d+\.\d s", summary)
    assert "demo data, not a record of nato.int" in summary


def test_the_reports_show_a_silent_edit_a_restamp_and_the_rewrite(demo: Demo) -> None:
    archive = Archive(demo.root)
    english = archive.version_ids(ENGLISH)
    reports = [json.loads(archive.site.read_report(ENGLISH, v, "json")) for v in english[1:]]
    rewrite, silent, restamp, moved = reports
    assert rewrite["stamp"] == "changed" and rewrite["summary"]["sections_added"] >= 3
    assert silent["silent_edit"] is True and silent["stamp"] == "unchanged"
    assert restamp["restamp"] is True and restamp["sections"] == []
    assert moved["summary"]["blocks_moved"] == 1
    french = json.loads(archive.site.read_report(FRENCH, archive.version_ids(FRENCH)[-1], "json"))
    assert french["new"]["last_updated_text"] == "16 Aug. 2023 15:39"
    # The provenance is honest: the pages came from this machine.
    first = archive.read_version(ENGLISH, english[0])
    assert first.provenance.url.startswith("http://127.0.0.1:")
    assert first.provenance.url.endswith(PATHS[ENGLISH])


def test_everything_is_marked_as_demo_data(demo: Demo, tmp_path: Path) -> None:
    marker = (demo.root / "DEMO.md").read_text(encoding="utf-8")
    assert marker.startswith("# Demo data")
    assert "**not a record of nato.int**" in marker
    assert len(re.findall(r"^\| .* \| ILLUSTRATION", marker, re.M)) == 3
    index = (demo.root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "<title>nato-watch: changes (demo data)</title>" in index
    assert "Demo data, not a record of nato.int." in index
    assert 'href="../DEMO.md"' in index
    sandbox = tmp_path
    (sandbox / "sitecustomize.py").write_text(LOOPBACK_ONLY, encoding="utf-8")
    log = nato_watch("--data-dir", str(demo.root), "log", "--target", ENGLISH, sandbox=sandbox)
    assert log.returncode == 0
    assert "holds demo data made by `nato-watch demo`" in log.stderr
    assert len(log.stdout.splitlines()) == 5


def test_real_checks_never_go_into_the_demo_archive(demo: Demo, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(LOOPBACK_ONLY, encoding="utf-8")
    before = tree(demo.root)
    for command in (["check"], ["run", "--every", "1h"], ["import-wayback"]):
        result = nato_watch("--data-dir", str(demo.root), *command, sandbox=tmp_path)
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith("nato-watch: error: ") and "holds demo data" in line
    assert tree(demo.root) == before


def test_the_demo_refuses_a_data_dir_that_holds_an_archive(demo: Demo, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(LOOPBACK_ONLY, encoding="utf-8")
    before = tree(demo.root)
    again = nato_watch("--data-dir", str(demo.root), "demo", sandbox=tmp_path)
    assert again.returncode == 2
    (line,) = again.stderr.splitlines()
    assert line == (
        f"nato-watch: error: {demo.root} already holds an archive (snapshots/ or reports/ are "
        "not empty); the demo never writes into one: give it a new directory, e.g. "
        "`nato-watch --data-dir /tmp/nato-watch-demo demo`"
    )
    assert tree(demo.root) == before
    # Any content at all under reports/ (a real archive's site) is an archive.
    other = tmp_path / "other"
    (other / "reports").mkdir(parents=True)
    (other / "reports" / "index.html").write_text("mine", encoding="utf-8")
    assert nato_watch("--data-dir", str(other), "demo", sandbox=tmp_path).returncode == 2
    assert sorted(p.name for p in other.rglob("*")) == ["index.html", "reports"]


def test_replay_of_the_demo_rewrites_nothing(demo: Demo, run_cli_at: Any) -> None:
    before = tree(demo.root)
    for target in (ENGLISH, FRENCH):
        result: Result = run_cli_at(demo.root, "replay", "--target", target)
        assert result.exit_code == 0, result.stderr
        assert "no version changed" in result.stdout
    assert tree(demo.root) == before


@pytest.fixture
def run_cli_at() -> Any:
    """The real command line in this process, on a given data dir."""
    from click.testing import CliRunner

    from scraper.cli import cli

    def run(root: Path, *args: str) -> Result:
        env = {"NATO_WATCH_CONFIG": None, "NATO_WATCH_DATA_DIR": None}
        return CliRunner().invoke(cli, ["--data-dir", str(root), *args], env=env)

    return run


@pytest.mark.parametrize("step", HISTORY, ids=lambda s: f"{s.target}-{s.at:%Y-%m-%d}")
def test_each_demo_page_reads_as_the_text_it_renders(step: Any) -> None:
    """The period templates carry the text whole: the parser reads back every block."""
    text = read_page_text(step.text)
    if step.edit is not None:
        text = step.edit(text)
    document = parse(step.page(), url="http://127.0.0.1:8000" + PATHS[step.target])
    assert document.title == text.title
    assert (document.last_updated.text if document.last_updated else None) == text.stamp
    expected = [
        (block.label, block.alt, " ".join(block.text.split()))
        for part in text.parts
        for block in part.blocks
    ]
    got = [(b.label, b.alt, b.text) for s in document.sections for b in s.blocks]
    assert got == expected
    assert [s.heading for s in document.sections] == [p.heading for p in text.parts]


def test_the_templates_alone_make_no_new_version() -> None:
    """The same text in the 2012 table layout and the CPS template: one document."""
    text = read_page_text("c2013-2014_fr_opening")
    url = "http://127.0.0.1:8000" + PATHS[FRENCH]
    old = parse(table_page(text, year=2013, sid="SID-1"), url=url)
    new = parse(cps_page(text, year=2024, sid="SID-2"), url=url)
    assert old.content_hash == new.content_hash


def test_openings_stop_at_their_last_whole_sentence() -> None:
    text = read_page_text("2016-10-06_en_opening")
    last = text.parts[-1]
    assert last.heading == "Practical cooperation"
    assert [b.text for b in last.blocks] == [
        "The Republic of Korea is a significant contributor to stabilisation efforts in "
        "Afghanistan."
    ]
    # An opening whose last paragraph has no whole sentence loses that paragraph.
    french = read_page_text("2012-11-08_fr_opening")
    assert not french.parts[-1].blocks[-1].text.startswith("La République de Corée souhaite")
    assert all(b.text.rstrip()[-1] in ".)»" for p in french.parts for b in p.blocks if b.text)


def test_the_demo_texts_are_the_stored_public_copies() -> None:
    """Shipped verbatim: the fixtures the tests read are the same bytes."""
    shipped = ROOT / "scraper" / "run" / "demo_data"
    for name in ("2016-10-06_en_opening.txt", "2024-07-16_en_full.txt"):
        fixture = ROOT / "tests" / "fixtures" / "text" / name
        assert (shipped / name).read_bytes() == fixture.read_bytes()
    assert len(list(shipped.glob("*.txt"))) == 5


def test_build_demo_refuses_before_writing(tmp_path: Path) -> None:
    from scraper.run.demo import build_demo

    (tmp_path / "snapshots" / "x").mkdir(parents=True)
    with pytest.raises(ConfigError, match="already holds an archive"):
        build_demo(Archive(tmp_path), progress=lambda _r: None)
    assert not (tmp_path / "DEMO.md").exists()


# -- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_page() -> Iterator[Any]:
    """A page of the system's headless Chromium (skipped without Playwright or Chromium)."""
    try:
        from scraper.fetching.chromium import LAUNCH_FLAGS, find_chromium, playwright_version

        playwright_version()
        executable = find_chromium()
    except ConfigError as err:
        pytest.skip(f"no browser here: {err}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=executable, headless=True, args=list(LAUNCH_FLAGS)
        )
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def test_the_demo_site_opens_from_disk_in_a_browser(demo: Demo, chromium_page: Any) -> None:
    page = chromium_page
    leaving: list[str] = []
    page.on("request", lambda r: None if r.url.startswith("file://") else leaving.append(r.url))
    page.goto((demo.root / "reports" / "index.html").resolve().as_uri())
    assert "demo data" in page.title()
    assert page.locator(".demo").inner_text().startswith("Demo data, not a record of nato.int.")
    # The history: one mark per version on the timeline, a row per change.
    assert page.locator(".timeline svg a").count() == 8
    rows = page.locator("table.changes tbody tr")
    assert rows.count() == 6
    assert "silent edit" in rows.nth(2).inner_text()
    # A change report, reached from its row.
    rows.nth(3).get_by_role("link", name="HTML").click()
    page.wait_for_load_state()
    assert "Change report" in page.title() or "Relations with the Republic of Korea" in (
        page.locator("h1").inner_text()
    )
    body = page.locator("body").inner_text()
    assert "16 Jul. 2024 10:28" in body and "06 Oct. 2016 17:16" in body
    assert page.locator("ins").count() > 0
    assert leaving == []


# How the index lays out a change's capture time and target, at one width: the lines each
# capture-time cell takes, and the line boxes of each target name (1: not broken).
LAYOUT = """() => [...document.querySelectorAll('table.changes tbody tr')].map(row => {
  const when = row.querySelector('td.when time');
  const line = parseFloat(getComputedStyle(when).lineHeight);
  return {
    when: Math.round(when.getBoundingClientRect().height / line),
    target: row.querySelector('td.target code').getClientRects().length,
    text: when.textContent,
  };
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_demo_index_reads_at_1280_px_and_on_a_phone_in_a_browser(
    demo: Demo, chromium_page: Any, width: int
) -> None:
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((demo.root / "reports" / "index.html").resolve().as_uri())
    rows = page.evaluate(LAYOUT)
    assert len(rows) == 6
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["text"]), row  # no microseconds
        assert row["when"] <= (1 if width == 390 else 2), row
        assert row["target"] == 1, row  # a target name is never broken
    # Nothing wider than the screen but the timeline, which scrolls in its own frame.
    overflow = page.evaluate(
        "() => document.querySelector('main').scrollWidth <= document.documentElement.clientWidth"
    )
    assert overflow
