"""The report site in a real browser: the system's headless Chromium, driven by Playwright,
browsing `nato-watch serve` (a subprocess on a free port) over an archive built with the
real pipeline (a local HTTP server and `tests/pages.py` edits: changes, a silent edit, a
restamp, two targets).

Skipped only when Playwright or Chromium is not installed (`pip install 'nato-watch[browser]'`,
`apt-get install chromium`); a browser is never downloaded. Screenshots are saved under the
test's tmp_path; with NATO_WATCH_DOCS_SCREENSHOTS=1 they are also written to docs/ (1000 px
wide) for the README.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock, Site
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer

from scraper.archive.store import Archive
from scraper.core.target import Target
from scraper.errors import ConfigError
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.run.pipeline import check_target

try:
    from scraper.fetching.chromium import LAUNCH_FLAGS, find_chromium, playwright_version

    playwright_version()
    CHROMIUM = find_chromium()
except ConfigError as err:  # only a missing Playwright or Chromium skips this module
    pytest.skip(f"the site cannot be browsed here: {err}", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
KOREA = "republic-of-korea"
JAPAN = "japan"
EDITS: list[tuple[dict[str, Any], str]] = [
    ({}, "first"),
    (
        {
            "stamp": "18 Jul. 2024 09:15",
            "replace_text": {"steadfast in supporting": "unwavering in its support for"},
        },
        "change",
    ),
    (
        {
            "replace_text": {
                "technology and hybrid challenges": "technology, hybrid challenges and space"
            }
        },
        "silent-edit",
    ),
    ({"stamp": "20 Jul. 2024 14:02"}, "restamp"),
    (
        {
            "stamp": "30 Jul. 2024 10:00",
            "replace_text": {"is interested in improving": "seeks to improve", "strong ": ""},
        },
        "change",
    ),
    ({"stamp": "05 Aug. 2024 16:40", "replace_text": {"Republic of Korea": "ROK"}}, "change"),
]
JAPAN_EDITS: list[tuple[dict[str, Any], str]] = [
    ({"title": "Relations with Japan"}, "first"),
    ({"stamp": "19 Jul. 2024 11:00", "replace_text": {"Republic of Korea": "Japan"}}, "change"),
]


@dataclass(frozen=True)
class Served:
    """The archive, its version ids per target, and the address `nato-watch serve` printed."""

    root: Path
    ids: dict[str, list[str]]
    url: str
    process: subprocess.Popen[str]


def build_archive(root: Path, site: Site) -> dict[str, list[str]]:
    """Two targets' histories through `check_target`, as `nato-watch check` runs it."""
    archive = Archive(root)
    clock = Clock(datetime(2024, 7, 16, 8, 30, tzinfo=UTC))
    histories = {
        KOREA: (EDITS, "/cps/en/natohq/topics_50098.htm"),
        JAPAN: (JAPAN_EDITS, "/cps/en/natohq/topics_50336.htm"),
    }
    contents = {name: load_content() for name in histories}
    steps = [
        (KOREA, 0),
        (KOREA, 1),
        (JAPAN, 0),
        (KOREA, 2),
        (JAPAN, 1),
        (KOREA, 3),
        (KOREA, 4),
        (KOREA, 5),
    ]
    with Fetcher(FetchSettings(retries=1)) as fetcher:
        for name, k in steps:
            edits, path = histories[name]
            contents[name] = edited(contents[name], **edits[k][0])
            site.put(path, nato_page(contents[name]))
            result = check_target(
                Target(name, site.url(path)), archive=archive, fetch=fetcher, now=clock
            )
            assert result.ok, result.error
            clock.advance(days=2, hours=5)
    return {name: archive.version_ids(name) for name in histories}


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line the process prints, within `timeout` seconds."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"nato-watch serve printed nothing in {timeout} s")
    return process.stdout.readline()


@pytest.fixture(scope="module")
def served(
    make_httpserver: HTTPServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The archive built once for the module, and `nato-watch serve --port 0` on it."""
    root = tmp_path_factory.mktemp("site") / "data"
    root.mkdir()
    make_httpserver.clear()
    try:
        ids = build_archive(root, Site(make_httpserver))
    finally:
        make_httpserver.clear()
    env = {**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "--data-dir", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        line = read_line(process, 15)
        match = re.fullmatch(r"serving (.+) at (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)\n", line)
        assert match, line
        assert Path(match.group(1)) == root / "reports"
        yield Served(root, ids, match.group(2), process)
        # Ctrl-C stops it, with exit status 0.
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium, headless; closed (and with it every page) after the module."""
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            chromium_sandbox=False,
            args=list(LAUNCH_FLAGS),
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def external_requests(page: Page, allowed: str) -> list[str]:
    """Start recording requests that leave `allowed` (the site's origin, or file://)."""
    seen: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(allowed) else seen.append(r.url))
    return seen


def save(page: Page, tmp_path: Path, name: str, **options: Any) -> Path:
    """A screenshot under tmp_path; and in docs/ when asked for (NATO_WATCH_DOCS_SCREENSHOTS)."""
    path = tmp_path / name
    page.screenshot(path=str(path), **options)
    assert path.stat().st_size > 10_000
    if os.environ.get("NATO_WATCH_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / name), **options)
    return path


def test_from_a_timeline_mark_to_its_report_side_by_side_and_a_version_page(
    served: Served, page: Page, tmp_path: Path
) -> None:
    leaving = external_requests(page, served.url)
    page.goto(served.url + "index.html")

    marks = page.locator("svg a.mark")
    total = sum(len(ids) for ids in served.ids.values())
    assert marks.count() == total == 8
    for k in range(total):
        box = marks.nth(k).bounding_box()
        assert box is not None and box.get("width", 0) > 4
    kinds = page.locator(f"svg g.lane[data-target='{KOREA}'] a.mark")
    assert [kinds.nth(k).get_attribute("data-kind") for k in range(kinds.count())] == [
        kind for _, kind in EDITS
    ]
    save(page, tmp_path, "index.png", clip={"x": 0, "y": 0, "width": 1000, "height": 760})

    silent = page.locator("svg a.mark[data-kind='silent-edit']")
    silent.scroll_into_view_if_needed()
    silent.click()
    page.wait_for_load_state()
    silent_id = served.ids[KOREA][2]
    assert page.url == f"{served.url}{KOREA}/{silent_id}.html"
    assert "(silent edit)" in page.locator("p.headline").inner_text()

    # Inline first; the tab switches to side by side in the page (a fragment, no reload).
    inline, sbs = page.locator("#inline"), page.locator("#side-by-side")
    assert inline.is_visible() and not sbs.is_visible()
    page.get_by_role("link", name="Side by side").click()
    assert page.url.endswith("#side-by-side")
    assert sbs.is_visible() and not inline.is_visible()
    row = sbs.locator(".sbs-row.changed").first
    old, new = row.locator(".cell.old"), row.locator(".cell.new")
    assert "hybrid challenges" in old.locator("del").first.inner_text()
    assert "space" in new.locator("ins").first.inner_text()
    old_box, new_box = old.bounding_box(), new.bounding_box()
    assert old_box and new_box and old_box["x"] < new_box["x"]  # old left, new right
    assert abs(old_box["y"] - new_box["y"]) < 2  # aligned
    page.get_by_role("link", name="Inline").click()
    assert inline.is_visible() and not sbs.is_visible()

    # The picture for the README: a change with edits in two bullets, side by side.
    page.goto(f"{served.url}{KOREA}/{served.ids[KOREA][4]}.html#side-by-side")
    assert page.locator("#side-by-side .sbs-row.changed").count() == 2
    top = page.evaluate(
        "document.querySelector('nav.views').getBoundingClientRect().top + window.scrollY"
    )
    save(
        page,
        tmp_path,
        "side-by-side.png",
        full_page=True,
        clip={"x": 0, "y": max(0, top - 12), "width": 1000, "height": 760},
    )
    page.goto(f"{served.url}{KOREA}/{silent_id}.html")
    page.get_by_role("link", name="Inline").click()
    assert inline.is_visible() and not sbs.is_visible()

    # The report leads to the version page, which leads to its neighbours.
    page.get_by_role("link", name=f"The new version, {silent_id}").click()
    page.wait_for_load_state()
    assert page.url == f"{served.url}{KOREA}/pages/{silent_id}.html"
    assert page.locator("h1").inner_text() == "Relations with the Republic of Korea"
    assert "technology, hybrid challenges and space" in page.locator("article").inner_text()
    provenance = page.locator("section.provenance").inner_text()
    assert "Raw snapshot (sha256 of the body)" in provenance and "Parser version" in provenance
    page.get_by_role("link", name=re.compile("^← Previous version")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/pages/{served.ids[KOREA][1]}.html")
    assert "unwavering in its support for" in page.locator("article").inner_text()
    page.get_by_role("link", name="Political dialogue").click()
    assert page.url.endswith("#section-political-dialogue")
    assert page.locator("#section-political-dialogue h2").is_visible()
    assert leaving == []  # nothing loaded from anywhere else


def test_the_keyboard_reaches_every_mark_in_order(served: Served, page: Page) -> None:
    page.goto(served.url + "index.html")
    page.locator("svg a.mark").first.focus()
    seen = []
    for _ in range(8):
        seen.append(page.evaluate("document.activeElement.getAttribute('data-version')"))
        page.keyboard.press("Tab")
    assert seen == [*served.ids[JAPAN], *served.ids[KOREA]]  # lane by lane, oldest first
    page.locator("svg a.mark").last.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{served.url}{KOREA}/{served.ids[KOREA][-1]}.html"


def test_the_site_works_without_javascript(served: Served, browser: Browser) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1000, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(served.url + "index.html")
        korea_lane = page.locator(f"svg g.lane[data-target='{KOREA}']")
        japan_lane = page.locator(f"svg g.lane[data-target='{JAPAN}']")
        assert korea_lane.is_visible() and japan_lane.is_visible()
        page.get_by_role("link", name=f"only {JAPAN}").click()
        assert japan_lane.is_visible() and not korea_lane.is_visible()
        rows = page.locator("tbody tr")
        visible = [rows.nth(k).is_visible() for k in range(rows.count())]
        assert visible.count(True) == len(served.ids[JAPAN]) - 1
        page.get_by_role("link", name="every target").click()
        assert korea_lane.is_visible()
        page.locator(f"svg a.mark[data-version='{served.ids[KOREA][1]}']").click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Side by side").click()
        assert page.locator("#side-by-side").is_visible()
        assert not page.locator("#inline").is_visible()
    finally:
        context.close()


def test_the_site_opens_from_disk(served: Served, page: Page) -> None:
    leaving = external_requests(page, "file://")
    page.goto((served.root / "reports" / "index.html").as_uri())
    assert page.locator("svg a.mark").count() == 8
    page.locator("svg a.mark[data-kind='first']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/pages/{served.ids[JAPAN][0]}.html")
    assert page.locator("h1").inner_text() == "Relations with Japan"
    page.get_by_role("link", name="All changes").click()
    page.wait_for_load_state()
    assert page.url.endswith("/reports/index.html")
    assert leaving == []


def test_reports_and_version_pages_opened_from_disk_are_styled(served: Served, page: Page) -> None:
    # They link the shared reports/style.css; their policy must let Chromium apply it from a
    # file:// URL, and nothing else.
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    reports = served.root / "reports"
    korea = served.ids[KOREA]
    for path in (
        reports / KOREA / f"{korea[1]}.html",
        reports / KOREA / "since" / f"{korea[0]}.html",
        reports / KOREA / "pages" / f"{korea[-1]}.html",
    ):
        assert '<link rel="stylesheet"' in path.read_text(encoding="utf-8")
        page.goto(path.as_uri())
        # style.css: a 48rem column, links in #0b4f9c.
        assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "768px"
        assert page.evaluate("getComputedStyle(document.querySelector('a')).color") == (
            "rgb(11, 79, 156)"
        )
    assert refused == []


def test_a_phone_stacks_the_two_sides_and_scrolls_only_the_timeline(
    served: Served, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{served.url}{KOREA}/{served.ids[KOREA][2]}.html#side-by-side")
        row = page.locator("#side-by-side .sbs-row.changed").first
        old_box = row.locator(".cell.old").bounding_box()
        new_box = row.locator(".cell.new").bounding_box()
        assert old_box and new_box
        assert new_box["y"] >= old_box["y"] + old_box["height"] - 1  # new below old
        assert row.locator(".cell.new .side-label").is_visible()  # says which is which
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        page.goto(served.url + "index.html")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_print_leaves_out_the_tabs(served: Served, page: Page) -> None:
    page.goto(f"{served.url}{KOREA}/{served.ids[KOREA][1]}.html")
    page.emulate_media(media="print")
    assert not page.locator("nav.views").is_visible()
    assert page.locator("#inline").is_visible()


def test_serve_stops_on_ctrl_c_with_exit_0(served: Served, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "--data-dir", str(served.root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""},
        cwd=ROOT,
    )
    try:
        assert read_line(process, 15).startswith("serving ")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out == "stopped\n" and "Traceback" not in err
