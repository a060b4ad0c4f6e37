"""Fetching pages with a headless Chromium, for pages whose HTML is a JavaScript shell.

Optional and never the default: it is heavy and slower than `fetch.Fetcher`. It owns the
browser's whole life. A `BrowserFetcher` is called like a `Fetcher` (`fetcher(url)`); every
try starts Playwright's driver, launches the system Chromium (never a downloaded one) with a
fresh temporary profile, loads the page, waits until the article is there, hands back the
rendered DOM as a `FetchResult` whose notes say "rendered by Chromium <version>", and stops
the browser and removes the profile. Nothing is kept between checks, so no cookie, cache or
idle browser outlives a check.

Politeness as in `fetch.py`: the configured User-Agent, robots.txt honoured for every page
the browser is sent to, images/fonts/media never downloaded, one page at a time.

The browser never outlives the check. Playwright launches Chromium in its own process group
from its driver process; the driver kills that group when our process goes away (its stdin
closes, so even on SIGKILL), and Chromium quits when the driver's pipe closes (so even when
both are killed). Here, a watchdog kills the browser's process group when a try exceeds
`total_timeout`, and every try ends by killing whatever still runs from its temporary
directory (profile, $HOME, caches) and removing it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import itertools
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scraper.errors import ConfigError, FetchError
from scraper.fetching.http import (
    ROBOTS_MAX_BYTES,
    ROBOTS_MAX_REDIRECTS,
    ConnectionTrouble,
    FetchResult,
    RetryPolicy,
    RobotsPolicy,
    RobotsReader,
    RobotsReply,
    RobotsUnreadable,
    TryFailed,
    TryFailure,
    Validators,
    failure_for_connection,
    failure_for_status,
    is_bot_check,
    page_title,
    parse_content_type,
    require_html,
    require_http_url,
)
from scraper.fetching.settings import FetchSettings

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright, Request, Response, Route

CHROMIUM_ENV = "NATO_WATCH_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FALLBACK = "/usr/bin/chromium"
INSTALL_PLAYWRIGHT = "pip install 'nato-watch[browser]'"
INSTALL_CHROMIUM = "apt-get install chromium"
# Playwright adds --headless, --no-sandbox (chromium_sandbox=False), --user-data-dir and its
# automation flags; these keep Chromium from phoning home and from trying what fails in
# containers (GPU, QUIC through middleboxes).
LAUNCH_FLAGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
# A fixed window, language and time zone: a page that lays out or formats dates on the client
# must render the same on every machine, or the watch would record the host, not the page.
VIEWPORT = {"width": 1280, "height": 800}
LOCALE = "en-GB"
TIMEZONE = "Europe/Brussels"  # NATO HQ, as in the document's stamps
# By default the article is there when an <h1> is followed by this much text. A JS shell's
# navigation and footer come to less; a real topic page to several thousand characters.
DEFAULT_MIN_TEXT = 1000
# The DOM must then stay unchanged this long, so a half-rendered page is not taken (it would
# become a version that differs from the next check's and fake a change).
QUIET_MS = 500
POLL_MS = 100
NETWORK_IDLE_MAX = 5.0  # seconds: analytics and polling may keep the network busy forever
SETTLE_MAX = 2.0
RENDERED_PREFIX = "rendered by "
PROFILE_PREFIX = "nato-watch-chromium-"
# A profile is left behind only when our process was killed; older than this and without a
# live owner, it is removed by the next BrowserFetcher.
STALE_PROFILE_SECONDS = 600.0
MUTATION_MARK = "__natoWatchMutatedAt"

# Runs in every document before its own scripts: remembers when the DOM last changed.
# Attribute changes are left out: spinners and carousels toggle classes forever.
_QUIET_SCRIPT = f"""(() => {{
  const mark = () => {{ window.{MUTATION_MARK} = performance.now(); }};
  mark();
  new MutationObserver(mark).observe(document, {{subtree: true, childList: true,
                                                 characterData: true}});
}})();"""

# True when the article is present (a CSS selector matches, or an <h1> is followed by at least
# minText characters of visible text) and the DOM has not changed for quietMs.
_READY_SCRIPT = f"""([minText, selector, quietMs]) => {{
  const present = () => {{
    if (selector) return document.querySelector(selector) !== null;
    const h1 = document.querySelector('h1');
    if (!h1 || !h1.textContent.trim() || !document.body) return false;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let count = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
      const parent = node.parentElement;
      if (!parent || parent.closest('script,style,noscript,template')) continue;
      if (!(h1.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      count += node.data.replace(/\\s+/g, ' ').trim().length;
      if (count >= minText) return true;
    }}
    return false;
  }};
  if (!present()) return false;
  const at = window.{MUTATION_MARK};
  return quietMs <= 0 || at === undefined || performance.now() - at >= quietMs;
}}"""


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium to drive: `explicit`, else $NATO_WATCH_CHROMIUM, else `chromium` /
    `chromium-browser` on PATH, else /usr/bin/chromium; raise `ConfigError` if none runs."""
    asked = explicit or os.environ.get(CHROMIUM_ENV) or None
    if asked is not None:
        found = shutil.which(asked) if os.sep not in asked else asked
        if found is None or not (os.path.isfile(found) and os.access(found, os.X_OK)):
            source = "chromium_path" if explicit else f"${CHROMIUM_ENV}"
            raise ConfigError(
                f"Chromium not found at {asked!r} ({source}): point it at the chromium "
                f"executable, or install Chromium with `{INSTALL_CHROMIUM}`"
            )
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    if os.access(CHROMIUM_FALLBACK, os.X_OK):
        return CHROMIUM_FALLBACK
    raise ConfigError(
        "Chromium is not installed (needed for --browser): install it with "
        f"`{INSTALL_CHROMIUM}`, or set ${CHROMIUM_ENV} to a Chromium executable"
    )


def playwright_version() -> str:
    """The installed Playwright's version; raise `ConfigError` naming the install command."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        raise ConfigError(
            "Playwright is not installed (needed for --browser): install it with "
            f"`{INSTALL_PLAYWRIGHT}` (and Chromium with `{INSTALL_CHROMIUM}`; never "
            "`playwright install`, the system Chromium is used)"
        ) from err
    return importlib.metadata.version("playwright")


def renderer_of(result: FetchResult) -> str | None:
    """The browser that rendered a result ("Chromium 150.0… (headless, Playwright 1.65.2)"),
    or None for a plain HTTP fetch; for the provenance's `renderer`."""
    for note in result.notes:
        if note.startswith(RENDERED_PREFIX + "Chromium "):
            return note.removeprefix(RENDERED_PREFIX)
    return None


def remove_stale_profiles(*, older_than: float = STALE_PROFILE_SECONDS) -> tuple[Path, ...]:
    """Remove temporary browser profiles left by nato-watch processes that were killed.

    A profile is stale when the process named in it is gone, it is older than `older_than`
    seconds and no running process uses it. Returns the profiles removed.
    """
    removed: list[Path] = []
    now = time.time()
    for path in Path(tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*"):
        owner = path.name.removeprefix(PROFILE_PREFIX).split("-", 1)[0]
        if not owner.isdigit() or _alive(int(owner)) or not path.is_dir():
            continue
        try:
            if now - path.stat().st_mtime < older_than:
                continue
        except OSError:
            continue
        if _pids_using(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return tuple(removed)


class _Watchdog:
    """Kills a try's browser when the try outlasts its budget (a hung page or browser)."""

    def __init__(self, root: Path, seconds: float) -> None:
        self.root = root
        self.seconds = seconds
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        """Start counting."""
        self._timer.start()

    def cancel(self) -> None:
        """Stop counting; the try ended in time."""
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        _kill_processes_using(self.root)


class _Navigation:
    """The main frame's document requests and responses of one page load, in order."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[Request] = []
        self.responses: list[Response] = []
        self.refused: list[str] = []  # navigations aborted because robots.txt disallows them
        page.on("request", self._on_request)
        page.on("response", self._on_response)

    def is_main_navigation(self, request: Request) -> bool:
        """Whether `request` loads a document into the page's main frame."""
        return request.is_navigation_request() and request.frame == self.page.main_frame

    def _on_request(self, request: Request) -> None:
        if self.is_main_navigation(request):
            self.requests.append(request)

    def _on_response(self, response: Response) -> None:
        if self.is_main_navigation(response.request):
            self.responses.append(response)

    @property
    def document(self) -> Response | None:
        """The response whose document the page shows (the last non-redirect one)."""
        for response in reversed(self.responses):
            if not 300 <= response.status < 400:
                return response
        return self.responses[-1] if self.responses else None


class BrowserFetcher:
    """Loads pages in headless Chromium and returns the rendered DOM as a `FetchResult`.

    Use it like a `Fetcher`: `with BrowserFetcher(settings) as fetcher: fetcher(url)`.
    `wait_for` is a CSS selector that marks the article as present (default: an `<h1>`
    followed by `min_text` characters of text). `chromium_path` overrides $NATO_WATCH_CHROMIUM
    and the PATH lookup. Building one checks that Playwright and Chromium are installed
    (`ConfigError` otherwise) but starts nothing; each call runs its own browser.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        log: Callable[[str], None] | None = None,
        chromium_path: str | None = None,
        wait_for: str | None = None,
        min_text: int = DEFAULT_MIN_TEXT,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.playwright_version = playwright_version()
        self.chromium_path = find_chromium(chromium_path)
        if wait_for is not None and not wait_for.strip():
            raise ConfigError("wait_for must be a CSS selector, not empty")
        if min_text < 1:
            raise ConfigError("min_text must be at least 1 character")
        self.wait_for = wait_for.strip() if wait_for else None
        self.min_text = min_text
        self._log = log or (lambda _line: None)
        self._retry = RetryPolicy(self.settings, log=self._log, stop=stop)
        self._robots = RobotsPolicy(self.settings, log=self._log, name_agent=True)
        # One page at a time: calls from several threads queue here.
        self._lock = threading.Lock()
        self._closed = False
        self._swept = False
        self._watchdog: _Watchdog | None = None

    def __enter__(self) -> BrowserFetcher:
        """Use the fetcher in a `with` block; it is closed at its end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the fetcher."""
        self.close()

    def close(self) -> None:
        """Refuse further calls and kill the browser of a call in progress (from any thread)."""
        self._closed = True
        watchdog = self._watchdog
        if watchdog is not None:
            _kill_processes_using(watchdog.root)

    def __call__(self, url: str, *, validators: Validators | None = None) -> FetchResult:
        """Load `url` in Chromium with retries; return the rendered page or raise `FetchError`.

        `validators` are accepted for the `Fetcher` interface and ignored: a browser load is
        never conditional (the result is never `not_modified`).
        """
        require_http_url(url)
        with self._lock:
            if not self._swept:
                self._swept = True
                for path in remove_stale_profiles():
                    self._log(f"removed a browser profile left by a killed run: {path}")
            return self._call(url)

    def _call(self, url: str) -> FetchResult:
        def attempt_once(attempt: int) -> FetchResult:
            if self._closed:
                raise FetchError(
                    f"GET {url} in Chromium was not started: the browser fetcher is closed "
                    "(the run is shutting down)",
                    url=url,
                    attempts=attempt - 1,
                )
            return self._try(url)

        return self._retry.run(
            url,
            attempt_once,
            describe=_rendered_outcome,
            label="Chromium GET",
            via="in Chromium",
            give_up=lambda: self._closed,
        )

    # -- one try -----------------------------------------------------------------------------

    def _try(self, url: str) -> FetchResult:
        """One load of `url` in a fresh browser; raises `TryFailed`."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        fetched_at = datetime.now(UTC)
        notes: list[str] = []
        # The owner's pid in the name lets a later run tell a killed run's leftovers apart.
        root = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
        watchdog = _Watchdog(root, self.settings.total_timeout)
        self._watchdog = watchdog
        driver = None
        try:
            try:
                driver = sync_playwright().start()
            except PlaywrightError as err:
                raise TryFailed(self._driver_failure(err)) from err
            self._robots.check(url, self._robots_reader(driver), notes, first_hop=True)
            watchdog.start()
            try:
                return self._load(driver, url, root, notes, fetched_at)
            except PlaywrightError as err:
                raise TryFailed(self._browser_failure(err, url, watchdog)) from err
        finally:
            watchdog.cancel()
            if driver is not None:
                with contextlib.suppress(Exception):
                    driver.stop()
            # Belt and braces: nothing may survive the try, whatever happened above.
            _kill_processes_using(root)
            shutil.rmtree(root, ignore_errors=True)
            self._watchdog = None

    def _load(
        self, driver: Playwright, url: str, root: Path, notes: list[str], fetched_at: datetime
    ) -> FetchResult:
        """Launch Chromium, load `url`, wait for the article, read the DOM, close Chromium."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        s = self.settings
        context = self._launch(driver, root)
        try:
            if self._closed:  # close() came while Chromium was starting
                raise TryFailed(self._stopped())
            browser = context.browser
            version = browser.version if browser is not None else "(version unknown)"
            page = context.pages[0] if context.pages else context.new_page()
            nav = _Navigation(page)
            context.route("**/*", self._router(nav))
            context.add_init_script(_QUIET_SCRIPT)
            try:
                page.goto(
                    url,
                    wait_until="domcontentloaded",
                    timeout=_ms(s.connect_timeout + s.read_timeout),
                )
            except PlaywrightTimeoutError as err:
                raise TryFailed(
                    TryFailure(
                        outcome="timeout",
                        summary=f"timed out after {s.connect_timeout + s.read_timeout:g} s "
                        "waiting for the page",
                        advice="the site may be slow or unreachable; raise read_timeout in the "
                        "[fetch] config if it is just slow",
                        retryable=True,
                        final_url=page.url if page.url != "about:blank" else None,
                    )
                ) from err
            except PlaywrightError as err:
                # A script that navigates at once interrupts goto; the wait below follows it.
                if "interrupted by another navigation" not in err.message or not nav.responses:
                    raise
            self._refuse_bad_document(nav, url, allow_challenge=True)
            self._wait_ready(page, nav, url, notes)
            final = self._refuse_bad_document(nav, url, allow_challenge=False)
            self._check_hops(driver, nav, url, notes)
            html = page.content()
            final_url = page.url
            status = final.status
            headers = _headers(final)
            redirects = self._redirects(nav, final_url, notes)
        finally:
            with contextlib.suppress(PlaywrightError):
                context.close()

        body = html.encode("utf-8")
        size = len(body)
        base = TryFailure(
            outcome=f"HTTP {status}", summary="", status=status, final_url=final_url
        ).with_body(body)
        if size > s.max_bytes:
            raise TryFailed(
                replace(
                    base,
                    outcome=f"DOM over {s.max_bytes} bytes",
                    summary=f"rendered a page of {size} bytes, more than the cap of "
                    f"{s.max_bytes} bytes (max_bytes)",
                    advice="this is not the article page; if it really is, raise max_bytes in "
                    "the [fetch] config",
                )
            )
        if is_bot_check(status, body):
            raise TryFailed(_bot_failure(base, body))
        declared = _header(headers, "Content-Type")
        _mime, charset = parse_content_type(declared)
        if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            notes.append(f"the server declared {declared!r}; the rendered DOM is stored as UTF-8")
        playwright = f"Playwright {self.playwright_version}"
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            text=html,
            headers=headers,
            fetched_at=fetched_at,
            duration_ms=0,
            redirects=redirects,
            # The body is the DOM serialised as UTF-8, whatever the server sent: replay must
            # decode it as UTF-8, not with the server's charset.
            content_type="text/html; charset=utf-8",
            encoding="utf-8",
            etag=_header(headers, "ETag"),
            last_modified=_header(headers, "Last-Modified"),
            notes=(f"{RENDERED_PREFIX}Chromium {version} (headless, {playwright})", *notes),
        )

    def _launch(self, driver: Playwright, root: Path) -> BrowserContext:
        """Chromium with a fresh profile under `root`, everything it writes kept there too."""
        from playwright.sync_api import Error as PlaywrightError

        s = self.settings
        env: dict[str, str | float | bool] = dict(os.environ)
        # Chromium writes crash reports, an NSS database and caches under $HOME and XDG dirs;
        # keep them in the temporary root so a check leaves nothing behind.
        for name, sub in (
            ("HOME", "home"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
        ):
            env[name] = str(root / sub)
        try:
            return driver.chromium.launch_persistent_context(
                root / "profile",
                executable_path=self.chromium_path,
                headless=True,
                chromium_sandbox=False,
                args=list(LAUNCH_FLAGS),
                env=env,
                timeout=_ms(s.connect_timeout + s.read_timeout),
                user_agent=s.user_agent,
                locale=LOCALE,
                timezone_id=TIMEZONE,
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
                service_workers="block",  # a service worker would bypass the request routing
                accept_downloads=False,
                reduced_motion="reduce",
            )
        except PlaywrightError as err:
            raise TryFailed(
                TryFailure(
                    outcome="Chromium did not start",
                    summary="",
                    tried=False,
                    message=f"Chromium ({self.chromium_path}) could not be started: "
                    f"{_first_line(err.message)}; check that `{self.chromium_path} --headless "
                    f"--no-sandbox --version` works, or reinstall it with `{INSTALL_CHROMIUM}`",
                )
            ) from err

    def _router(self, nav: _Navigation) -> Callable[[Route], None]:
        """The request handler: no images, fonts or media; no page robots.txt disallows."""

        def route(route: Route) -> None:
            request = route.request
            if request.resource_type in BLOCKED_RESOURCE_TYPES:
                route.abort("blockedbyclient")
                return
            if nav.is_main_navigation(request) and self._robots.verdict(request.url) is False:
                nav.refused.append(request.url)
                route.abort("blockedbyclient")
                return
            route.continue_()

        return route

    def _refuse_bad_document(
        self, nav: _Navigation, url: str, *, allow_challenge: bool
    ) -> Response:
        """The page's document response, or raise `TryFailed` for a non-2xx or non-HTML one.

        With `allow_challenge`, a bot check is let through: in a browser its script may pass
        and move on to the page, which `_wait_ready` then waits for.
        """
        if nav.refused:
            raise TryFailed(self._robots.failure(nav.refused[-1]))
        final = nav.document
        if final is None:
            raise TryFailed(
                TryFailure(
                    outcome="no response",
                    summary="got no response for the page",
                    advice="open the URL in a browser to see what the site does",
                    retryable=True,
                )
            )
        status = final.status
        mime, _charset = parse_content_type(_header(_headers(final), "Content-Type"))
        base = TryFailure(outcome=f"HTTP {status}", summary="", status=status, final_url=final.url)
        if not 200 <= status < 300:
            body = _response_body(final)
            if body:
                base = base.with_body(body)
            if body and is_bot_check(status, body):
                if allow_challenge:
                    return final
                raise TryFailed(_bot_failure(base, body))
            retry_after = _header(_headers(final), "Retry-After")
            raise TryFailed(failure_for_status(base, status, final.status_text or "", retry_after))
        require_html(base, mime)
        return final

    def _wait_ready(self, page: Page, nav: _Navigation, url: str, notes: list[str]) -> None:
        """Wait until the article is present and the DOM is quiet, then for network idle."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        s = self.settings
        arg = [self.min_text, self.wait_for, QUIET_MS]
        try:
            page.wait_for_function(
                _READY_SCRIPT, arg=arg, timeout=_ms(s.read_timeout), polling=POLL_MS
            )
        except PlaywrightTimeoutError as err:
            try:
                present = bool(page.evaluate(_READY_SCRIPT, [self.min_text, self.wait_for, 0]))
            except PlaywrightError:
                present = False
            if not present:
                self._refuse_bad_document(nav, url, allow_challenge=False)
                raise TryFailed(self._not_rendered(page)) from err
            notes.append(
                f"the page was still changing {s.read_timeout:g} s after it loaded; the DOM "
                "was taken as it stood"
            )
        except PlaywrightError as err:
            if "selector" in err.message.lower() and self.wait_for is not None:
                raise TryFailed(
                    TryFailure(
                        outcome="bad wait_for",
                        summary=f"could not be waited for: wait_for {self.wait_for!r} is not a "
                        "valid CSS selector",
                        advice="fix the target's wait_for",
                    )
                ) from err
            raise
        try:
            page.wait_for_load_state("networkidle", timeout=_ms(NETWORK_IDLE_MAX))
        except PlaywrightTimeoutError:
            notes.append(
                f"the network was still busy {NETWORK_IDLE_MAX:g} s after the article "
                "appeared; the DOM was taken then"
            )
        # Whatever arrived while the network settled must have been written, too.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(_READY_SCRIPT, arg=arg, timeout=_ms(SETTLE_MAX), polling=POLL_MS)

    def _not_rendered(self, page: Page) -> TryFailure:
        """The failure of a page whose article never appeared."""
        what = (
            f"the CSS selector {self.wait_for!r} (wait_for)"
            if self.wait_for
            else f"an <h1> followed by {self.min_text} characters of text"
        )
        return TryFailure(
            outcome="article never appeared",
            summary=f"rendered no article within {self.settings.read_timeout:g} s (waited for "
            f"{what})",
            advice="the page may be slow (raise read_timeout in the [fetch] config), or the "
            "article is marked differently (set the target's wait_for to a CSS selector)",
            final_url=page.url,
        )

    def _redirects(self, nav: _Navigation, final_url: str, notes: list[str]) -> tuple[str, ...]:
        """Every URL the page was at before `final_url`, noting script navigations and hosts."""
        urls: list[str] = []
        for i, request in enumerate(nav.requests):
            if i > 0 and request.redirected_from is None and request.url != urls[-1]:
                notes.append(f"the page's script navigated from {urls[-1]} to {request.url}")
            if not urls or urls[-1] != request.url:
                urls.append(request.url)
        if urls and urls[-1] != final_url:
            if nav.document is not None and nav.document.url == urls[-1]:
                notes.append(f"the page changed its address from {urls[-1]} to {final_url}")
            urls.append(final_url)
        chain = urls[:-1]
        for old, new in itertools.pairwise(urls):
            a, b = urlsplit(old), urlsplit(new)
            if a.netloc != b.netloc:
                notes.append(f"redirected from host {a.netloc} to host {b.netloc} ({new})")
            if a.scheme == "https" and b.scheme == "http":
                notes.append(f"redirected from https to plain http ({new})")
        if len(chain) > self.settings.max_redirects:
            raise TryFailed(
                TryFailure(
                    outcome=f"more than {self.settings.max_redirects} redirects",
                    summary=f"was redirected more than {self.settings.max_redirects} times "
                    f"(ending at {final_url})",
                    advice="raise max_redirects in the [fetch] config if the chain is "
                    "legitimate, or watch the URL it ends at",
                    final_url=final_url,
                )
            )
        return tuple(chain)

    # -- failures ----------------------------------------------------------------------------

    def _driver_failure(self, err: Exception) -> TryFailure:
        text = _first_line(getattr(err, "message", str(err)))
        advice = ""
        if "asyncio loop" in text:
            advice = "; the browser fetcher cannot run inside an asyncio event loop"
        return TryFailure(
            outcome="Playwright did not start",
            summary="",
            tried=False,
            message=f"Playwright's driver could not be started: {text}{advice}; reinstall it "
            f"with `{INSTALL_PLAYWRIGHT}`",
        )

    def _browser_failure(self, err: Exception, url: str, watchdog: _Watchdog) -> TryFailure:
        """Describe a Playwright error of a page load as a failure the user can act on."""
        text = _first_line(getattr(err, "message", str(err)))
        host = urlsplit(url).netloc
        s = self.settings
        if watchdog.fired:
            return TryFailure(
                outcome="too slow",
                summary=f"took longer than {s.total_timeout:g} s (total_timeout); Chromium "
                "was stopped",
                advice="the site may be slow or the page never settles; raise total_timeout "
                "in the [fetch] config if it is just slow",
                retryable=True,
            )
        if self._closed:
            return self._stopped()
        closed = type(err).__name__ == "TargetClosedError" or any(
            marker in text
            for marker in ("Target crashed", "has been closed", "Browser closed", "crashed")
        )
        if closed:
            return TryFailure(
                outcome="Chromium crashed",
                summary=f"failed: Chromium crashed or exited while loading the page ({text})",
                advice="the next try starts a new browser; if it keeps happening, check free "
                "memory and that Chromium runs headless on this machine",
                retryable=True,
            )
        if "Download is starting" in text:
            return TryFailure(
                outcome="download",
                summary="started a download, not an HTML page",
                advice="check that the target's URL is the page itself, not a download",
            )
        code = next((w for w in text.replace(":", " ").split() if w.startswith("net::ERR_")), "")
        if code in ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_NAME_RESOLUTION_FAILED"):
            return failure_for_connection(ConnectionTrouble.DNS, url)
        if code == "net::ERR_CONNECTION_REFUSED":
            return failure_for_connection(ConnectionTrouble.REFUSED, url)
        if code in ("net::ERR_CONNECTION_TIMED_OUT", "net::ERR_TIMED_OUT"):
            return failure_for_connection(ConnectionTrouble.CONNECT_TIMEOUT, url)
        if code.startswith(("net::ERR_CERT_", "net::ERR_SSL_")):
            return failure_for_connection(ConnectionTrouble.TLS, url, code)
        if code:
            return TryFailure(
                outcome=code,
                summary=f"failed: the connection to {host} failed ({code})",
                advice="the network or the site is unstable; the next check will try again",
                retryable=True,
            )
        return TryFailure(
            outcome=type(err).__name__,
            summary=f"failed in Chromium: {text}",
            advice="open the URL in a browser to see what the site does",
        )

    def _stopped(self) -> TryFailure:
        return TryFailure(
            outcome="stopped",
            summary="was stopped: the browser fetcher was closed (the run is shutting down)",
        )

    # -- robots.txt --------------------------------------------------------------------------

    def _check_hops(self, driver: Playwright, nav: _Navigation, url: str, notes: list[str]) -> None:
        """Check every page the browser went to against robots.txt.

        Chromium follows redirects without asking the router, so a hop to a new origin is
        only known once it happened; a disallowed one still fails the check, so nothing a
        robots.txt forbids is ever stored.
        """
        read = self._robots_reader(driver)
        for request in nav.requests:
            if request.url != url:
                self._robots.check(request.url, read, notes, first_hop=False)

    def _robots_reader(self, driver: Playwright) -> RobotsReader:
        """Reads a robots.txt through Playwright's request client, for the `RobotsPolicy`."""
        from playwright.sync_api import Error as PlaywrightError

        s = self.settings

        def read(robots_url: str) -> RobotsReply:
            request = driver.request.new_context(user_agent=s.user_agent)
            try:
                response = request.get(
                    robots_url,
                    timeout=_ms(s.connect_timeout + s.read_timeout),
                    max_redirects=ROBOTS_MAX_REDIRECTS,
                    fail_on_status_code=False,
                )
                status = response.status
                data = response.body()[:ROBOTS_MAX_BYTES] if 200 <= status < 300 else b""
            except PlaywrightError as err:
                raise RobotsUnreadable(_first_line(err.message)) from err
            finally:
                with contextlib.suppress(PlaywrightError):
                    request.dispose()
            return RobotsReply(status, data)

        return read


# -- helpers ---------------------------------------------------------------------------------


def _bot_failure(base: TryFailure, body: bytes) -> TryFailure:
    """The failure of a bot check / JS challenge that the browser did not get past."""
    title = page_title(body)
    what = f' ("{title}")' if title else ""
    return replace(
        base,
        outcome=f"HTTP {base.status} bot check",
        summary=f"returned HTTP {base.status}: the site served a bot check{what} instead of "
        "the page, and it did not let the browser through",
        advice="try again later and check less often",
        retryable=False,
        blocked=True,
    )


def _rendered_outcome(result: FetchResult) -> str:
    """How a successful load is logged: its status, the DOM's size, and where it ended."""
    outcome = f"HTTP {result.status}, {len(result.body)} bytes rendered"
    if result.final_url != result.url:
        outcome += f" from {result.final_url}"
    return outcome


def _response_body(response: Response) -> bytes | None:
    """The body of a response, or None when the browser no longer has it."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return response.body()
    except PlaywrightError:
        return None


def _headers(response: Response) -> dict[str, str]:
    """A response's headers with their names as sent; repeated ones joined as HTTP allows."""
    out: dict[str, str] = {}
    for item in response.headers_array():
        name, value = item["name"], item["value"]
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _header(headers: dict[str, str], name: str) -> str | None:
    """A header by name, case-insensitively."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _first_line(text: str) -> str:
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    return line[:200] or "unknown error"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pids_using(path: Path) -> list[int]:
    """Live processes (not zombies) whose command line names `path`, e.g. as their profile.

    Chromium's helpers rewrite their command line into one space-joined string, so the path
    is looked for as a whole word rather than as an argument.
    """
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: Playwright's own clean-up is all there is
        return []
    needle = str(path).encode()
    pids: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        for end in _occurrence_ends(cmdline, needle):
            if end == len(cmdline) or cmdline[end : end + 1] in (b"\0", b" ", b"/"):
                pids.append(int(entry.name))
                break
    return pids


def _occurrence_ends(data: bytes, needle: bytes) -> Iterator[int]:
    start = data.find(needle)
    while start != -1:
        yield start + len(needle)
        start = data.find(needle, start + 1)


def _kill_processes_using(root: Path) -> int:
    """SIGKILL every process that names `root` (a try's temporary directory, holding the
    profile, $HOME and XDG dirs) in its command line; whole groups where one leads a group."""
    killed = 0
    for pid in _pids_using(root):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            # Chromium's browser process leads its own group (Playwright starts it detached);
            # killing the group takes the zygotes and renderers with it.
            if os.getpgid(pid) == pid and pid != os.getpgid(0):
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed
