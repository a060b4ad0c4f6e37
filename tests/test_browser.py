"""The headless-Chromium fetcher against a local site whose article is rendered by JavaScript.

Skipped only when Playwright or Chromium is not installed (`pip install 'nato-watch[browser]'`,
`apt-get install chromium`). Every test checks that no browser it started survives.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Site
from pages import load_content, nato_page

from scraper.core.parse import parse
from scraper.errors import BlockedError, ConfigError, FetchError, ParseError
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings

try:
    from scraper.fetching.browser import BrowserFetcher
    from scraper.fetching.chromium import (
        PROFILE_PREFIX,
        find_chromium,
        playwright_version,
        remove_stale_profiles,
    )

    PLAYWRIGHT = playwright_version()
    CHROMIUM = find_chromium()
except ConfigError as err:  # only a missing Playwright or Chromium skips this module
    pytest.skip(f"the browser fetcher cannot run here: {err}", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
MARKER = f"{PROFILE_PREFIX}{os.getpid()}-"
STATIC = nato_page(load_content())
SECTION = re.compile(r'(<section class="content cf">)(.*?)(</section>)', re.S)
# Like a modern site: the article arrives from a JSON endpoint after the page has loaded, and
# is written in two steps (title and first half, then all of it): taking the DOM in between
# would store half an article as a version.
APP_SCRIPT = """<script>
setTimeout(function () {
  fetch('/api/article.json').then(function (r) { return r.json(); }).then(function (data) {
    var section = document.querySelector('section.content');
    section.innerHTML = data.html.slice(0, data.html.length / 2);
    setTimeout(function () { section.innerHTML = data.html; }, 300);
  });
}, 150);
</script>
</body>"""


def shell_page() -> tuple[str, str]:
    """The static page with its article section emptied and filled by a script, and the JSON
    the script fetches (that section's HTML)."""
    match = SECTION.search(STATIC)
    assert match is not None
    shell = STATIC[: match.start(2)] + STATIC[match.end(2) :]
    return shell.replace("</body>", APP_SCRIPT, 1), json.dumps({"html": match.group(2)})


def processes_with(marker: str) -> list[int]:
    """Live processes (zombies have no command line) whose command line contains `marker`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    """Poll `condition()` until true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@pytest.fixture(scope="module", autouse=True)
def no_orphans() -> Iterator[None]:
    """At the end: no Chromium started by these tests still runs, no profile is left."""
    yield
    assert wait_until(lambda: not processes_with(MARKER), 10), processes_with(MARKER)
    left = list(Path(tempfile.gettempdir()).glob(f"{MARKER}*"))
    assert left == []


def settings(**overrides: float) -> FetchSettings:
    """Fast settings for a local site: one try, short timeouts."""
    base: dict[str, float] = {"connect_timeout": 5, "read_timeout": 10, "retries": 1}
    base.update(overrides)
    return FetchSettings(**base)  # type: ignore[arg-type]


def serve_shell(site: Site) -> str:
    shell, data = shell_page()
    site.put("/api/article.json", data, content_type="application/json")
    return site.put("/cps/en/natohq/topics_50098.htm", shell)


def test_http_sees_a_shell_that_needs_a_browser(site: Site) -> None:
    url = serve_shell(site)
    with Fetcher(settings()) as fetcher:
        result = fetcher(url)
    assert result.renderer is None
    with pytest.raises(ParseError, match="no article content: the page may need a browser"):
        parse(result.text, url=url)


def test_browser_renders_the_same_document_as_the_static_page(site: Site) -> None:
    url = serve_shell(site)
    lines: list[str] = []
    with BrowserFetcher(settings(), log=lines.append) as fetcher:
        result = fetcher(url)

    rendered = parse(result.text, url=url)
    assert rendered.content_hash == parse(STATIC, url=url).content_hash
    assert rendered.title == "Relations with the Republic of Korea"
    assert result.status == 200 and result.final_url == url and result.redirects == ()
    assert result.body == result.text.encode("utf-8")
    assert result.content_type == "text/html; charset=utf-8"
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    renderer = result.renderer
    assert renderer is not None and renderer.startswith("Chromium ")
    assert f"Playwright {PLAYWRIGHT}" in renderer
    assert result.notes[0] == f"rendered by {renderer}"
    assert result.attempts == 1 and result.fetched_at.tzinfo is not None
    # Politeness: robots.txt asked once, our User-Agent, no images or fonts downloaded.
    assert site.hits("/robots.txt") == 1
    page_requests = [r for r in site.requests if r.path == "/cps/en/natohq/topics_50098.htm"]
    assert [r.headers["User-Agent"] for r in page_requests] == [fetcher.settings.user_agent]
    assert site.hits("/api/article.json") == 1
    assert not [r.path for r in site.requests if r.path.endswith((".png", ".jpg"))]
    assert any("Chromium GET" in line and "HTTP 200" in line for line in lines)


def test_a_page_that_never_renders_fails_fast(site: Site) -> None:
    url = site.put(
        "/spinner.htm",
        "<!DOCTYPE html><html><head><title>Loading</title></head><body><h1>Loading…</h1>"
        "<div id=app></div><script>window.tick = 0;</script></body></html>",
    )
    started = time.monotonic()
    with BrowserFetcher(settings(read_timeout=1.5)) as fetcher, pytest.raises(FetchError) as err:
        fetcher(url)
    assert time.monotonic() - started < 10
    message = str(err.value)
    assert "rendered no article within 1.5 s" in message
    assert "an <h1> followed by 1000 characters of text" in message
    assert "wait_for" in message and err.value.final_url == url


def test_a_script_navigation_records_the_final_url(site: Site) -> None:
    site.put("/new.htm", STATIC)
    old = site.put(
        "/old.htm",
        "<!DOCTYPE html><html><head><title>Moved</title>"
        "<script>location.replace('/new.htm');</script></head><body>Moved.</body></html>",
    )
    with BrowserFetcher(settings()) as fetcher:
        result = fetcher(old)
    assert result.final_url == site.url("/new.htm")
    assert result.redirects == (old,)
    assert f"the page's script navigated from {old} to {site.url('/new.htm')}" in result.notes
    assert parse(result.text, url=result.final_url).title == "Relations with the Republic of Korea"


def test_an_http_redirect_is_recorded_and_wait_for_is_honoured(site: Site) -> None:
    target = site.put(
        "/story.htm",
        "<!DOCTYPE html><html><head><title>Story</title></head><body><h1>Story</h1>"
        "<script>setTimeout(function () { var d = document.createElement('div'); d.id = 'story';"
        " d.textContent = 'Late but complete.'; document.body.appendChild(d); }, 300);</script>"
        "</body></html>",
    )
    start = site.put("/go", "", status=301, headers={"Location": "/story.htm"})
    with BrowserFetcher(settings(), wait_for="#story") as fetcher:
        result = fetcher(start)
    assert result.final_url == target and result.redirects == (start,)
    assert "Late but complete." in result.text


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (404, FetchError, "returned HTTP 404 NOT FOUND: the page is not there"),
        (403, BlockedError, "returned HTTP 403: the site refused this client"),
    ],
)
def test_a_non_2xx_page_is_an_error_like_http(
    site: Site, status: int, error: type[FetchError], words: str
) -> None:
    url = site.put("/err.htm", f"<html><body><h1>Error {status}</h1></body></html>", status=status)
    with BrowserFetcher(settings()) as fetcher, pytest.raises(error) as err:
        fetcher(url)
    assert type(err.value) is error
    assert err.value.status == status and words in str(err.value)
    assert str(err.value).startswith(f"GET {url} in Chromium ")


def test_robots_txt_is_honoured_before_and_after_redirects(site: Site) -> None:
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.put("/private/page.htm", STATIC)
    with BrowserFetcher(settings()) as fetcher:
        with pytest.raises(FetchError, match=r"robots\.txt of .* disallows") as err:
            fetcher(site.url("/private/page.htm"))
        assert err.value.attempts == 0 and site.hits("/private/page.htm") == 0

        # Chromium follows a redirect without asking; landing on a disallowed page still fails.
        hop = site.put("/public.htm", "", status=302, headers={"Location": "/private/page.htm"})
        with pytest.raises(FetchError, match=r"disallows .*/private/page\.htm"):
            fetcher(hop)
    assert site.hits("/robots.txt") == 1  # read once per fetcher


def browser_of_this_process() -> list[int]:
    """The browser processes (not helpers) running with a profile of this test process."""
    return [
        pid
        for pid in processes_with(MARKER)
        if b"--type=" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def fetch_in_thread(fetcher: BrowserFetcher, url: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fetcher(url))
        except FetchError as err:
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_hung_page_is_stopped_by_total_timeout(site: Site) -> None:
    url = site.put("/hang.htm", "<html><body><h1>Never</h1></body></html>")
    started = time.monotonic()
    with (
        BrowserFetcher(settings(read_timeout=30, total_timeout=2)) as fetcher,
        pytest.raises(FetchError, match=r"took longer than 2 s \(total_timeout\)"),
    ):
        fetcher(url)
    assert time.monotonic() - started < 10
    assert not processes_with(MARKER)


def test_a_crash_and_a_close_are_clear_failures(site: Site) -> None:
    url = site.put("/slow.htm", "<html><body><h1>Slow</h1></body></html>")
    with BrowserFetcher(settings(read_timeout=30)) as fetcher:
        thread, outcome = fetch_in_thread(fetcher, url)
        assert wait_until(lambda: site.hits("/slow.htm") and browser_of_this_process(), 15)
        os.kill(browser_of_this_process()[0], signal.SIGKILL)
        thread.join(15)
        assert isinstance(outcome[0], FetchError)
        assert "Chromium crashed or exited while loading the page" in str(outcome[0])

        # close() from another thread (the scheduler shutting down) stops a load at once.
        thread, outcome = fetch_in_thread(fetcher, url)
        assert wait_until(lambda: site.hits("/slow.htm") == 2 and browser_of_this_process(), 15)
        fetcher.close()
        thread.join(15)
        assert isinstance(outcome[0], FetchError)
        assert "the browser fetcher was closed" in str(outcome[0])
    assert wait_until(lambda: not processes_with(MARKER), 5)


CHILD = """
import sys
from scraper.fetching.browser import BrowserFetcher
from scraper.fetching.settings import FetchSettings
with BrowserFetcher(FetchSettings(read_timeout=60, total_timeout=120, retries=1)) as fetcher:
    fetcher(sys.argv[1])
"""


@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGKILL, False), (signal.SIGTERM, False), (signal.SIGKILL, True)],
    ids=["SIGKILL", "SIGTERM", "SIGKILL-to-the-job's-process-group"],
)
def test_killing_the_process_mid_load_takes_the_browser_with_it(
    site: Site, sig: signal.Signals, group: bool
) -> None:
    """Killing our process, or its whole process group (Playwright's driver too: then
    Chromium goes because its pipe to the driver closes), leaves no Chromium behind."""
    url = site.put("/forever.htm", "<html><body><h1>Forever</h1></body></html>")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=group,
    )
    marker = f"{PROFILE_PREFIX}{child.pid}-"
    try:
        loading = wait_until(lambda: site.hits("/forever.htm") and processes_with(marker), 20)
        assert loading, child.stderr.read() if child.poll() is not None else "no browser"  # type: ignore[union-attr]
        assert len(processes_with(marker)) >= 3  # browser, zygotes, renderer: all to go
        if group:
            os.killpg(child.pid, sig)
        else:
            child.send_signal(sig)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()
    assert wait_until(lambda: not processes_with(marker), 10), processes_with(marker)

    # The killed run could not remove its profile; the next one does.
    left = list(Path(tempfile.gettempdir()).glob(f"{marker}*"))
    assert len(left) == 1
    assert left[0] in remove_stale_profiles(older_than=0)
    assert not left[0].exists()


def test_missing_chromium_or_playwright_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="apt-get install chromium"):
        BrowserFetcher(settings(), chromium_path=str(tmp_path / "no-chromium"))
    monkeypatch.setenv("NATO_WATCH_CHROMIUM", str(tmp_path / "nowhere" / "chromium"))
    with pytest.raises(ConfigError, match=r"\$NATO_WATCH_CHROMIUM.*apt-get install chromium"):
        BrowserFetcher(settings())
    monkeypatch.setenv("NATO_WATCH_CHROMIUM", CHROMIUM)
    assert BrowserFetcher(settings()).chromium_path == CHROMIUM
    # As if the extra were not installed: the import fails.
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(ConfigError, match=r"pip install 'nato-watch\[browser\]'"):
        BrowserFetcher(settings())


def test_a_profile_in_use_or_of_a_live_process_is_never_swept(tmp_path: Path) -> None:
    mine = Path(tempfile.mkdtemp(prefix=MARKER))
    try:
        assert mine not in remove_stale_profiles(older_than=0)
        assert mine.exists()
    finally:
        mine.rmdir()
