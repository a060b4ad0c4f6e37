"""The annotated page of `nato-watch inspect --html` in a real browser (the system's headless
Chromium, driven by Playwright, as the report site is tested): it opens from disk, shows the
kept blocks outlined and every dropped region's reason, runs no script and loads nothing.

Skipped only when Playwright or Chromium is not installed; a browser is never downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from scraper.errors import ConfigError

try:
    from scraper.fetching.chromium import LAUNCH_FLAGS, find_chromium, playwright_version

    playwright_version()
    CHROMIUM = find_chromium()
except ConfigError as err:  # only a missing Playwright or Chromium skips this module
    pytest.skip(f"no browser to open the annotated page: {err}", allow_module_level=True)

from playwright.sync_api import Browser, sync_playwright

HELDOUT = Path(__file__).parent / "heldout"
TOPIC = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
# What a hostile or merely scripted page would run, were anything allowed to run.
SCRIPTS = (
    "<script>document.documentElement.setAttribute('data-ran', 'inline')</script>"
    "<img src='x.png' width='1' height='1' onerror=\"document.documentElement.setAttribute("
    "'data-ran', 'handler')\">"
    "<a id='js' href=\"javascript:document.documentElement.setAttribute('data-ran','link')\">x</a>"
    "<iframe src='https://example.org/frame'></iframe>"
    "<meta http-equiv='refresh' content='0; url=https://example.org/'>"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, chromium_sandbox=False,
            args=list(LAUNCH_FLAGS),
        )  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


def annotated(run_cli: Callable[..., Result], tmp_path: Path, template: str) -> Path:
    page = (HELDOUT / template / "page.html").read_bytes()
    source = tmp_path / "page.html"
    source.write_bytes(page.replace(b"</body>", SCRIPTS.encode("ascii") + b"</body>"))
    out = tmp_path / "annotated.html"
    result = run_cli("inspect", str(source), "--url", TOPIC, "--html", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("template", ["responsive_2014", "cps2008_tables", "component_2025"])
def test_the_annotated_page_opens_from_disk_inert_and_shows_the_reading(
    browser: Browser, run_cli: Callable[..., Result], tmp_path: Path, template: str
) -> None:
    out = annotated(run_cli, tmp_path, template)
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    try:
        page.goto(out.as_uri())
        page.wait_for_timeout(300)  # a refresh or a late script would have acted by now
        assert page.url == out.as_uri()
        assert page.evaluate("document.documentElement.getAttribute('data-ran')") is None
        # The policy blocks every load (images of nato.int included): only the file itself.
        assert loaded == [out.as_uri()], loaded
        # Kept blocks are outlined, the title among them.
        kept = page.locator(".nw-kept")
        assert kept.count() >= 10
        title = page.locator(".nw-kept-title")
        assert title.inner_text().strip() == "Relations with the Republic of Korea"
        style = kept.nth(2).evaluate("el => getComputedStyle(el).outlineStyle")
        assert style == "solid"
        # Every dropped region says why, in a label a reader sees.
        reasons = page.locator(".nw-reason").all_inner_texts()
        assert reasons and all(r.startswith("dropped: ") for r in reasons)
        assert any(page.locator(".nw-reason").nth(i).is_visible() for i in range(len(reasons)))
        page.screenshot(path=str(tmp_path / f"{template}.png"), full_page=True)
    finally:
        context.close()
