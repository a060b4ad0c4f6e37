"""Fetching pages with a headless Chromium, for pages whose HTML is a JavaScript shell.

Optional and never the default: it is heavy and slower than `http.Fetcher`. A
`BrowserFetcher` is called like a `Fetcher` (`fetcher(url)`); every try starts Playwright's
driver, launches the system Chromium with a fresh temporary profile (`chromium`), loads the
page, waits until the article is there and the DOM is quiet, hands back the rendered DOM as a
`FetchResult` whose `renderer` names the browser, and stops the browser and removes the
profile. Nothing is kept between checks, so no cookie, cache or idle browser outlives a check.

Politeness as in `http`: the configured User-Agent, robots.txt honoured for every page the
browser is sent to, images/fonts/media never downloaded, one page at a time; retries and the
wording of failures are the same (`retry`, `failures`).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.core.pagekind import is_bot_check
from scraper.errors import FetchError
from scraper.fetching.base import FetcherBase, note_hop
from scraper.fetching.chromium import (
    Watchdog,
    discard_profile_root,
    find_chromium,
    kill_processes_using,
    launch,
    new_profile_root,
    playwright_ms,
    playwright_said,
    playwright_version,
    remove_stale_profiles,
    start_driver,
)
from scraper.fetching.decoding import parse_content_type
from scraper.fetching.failures import (
    SEE_IN_A_BROWSER,
    ConnectionTrouble,
    TryFailed,
    TryFailure,
    failure_for_bot_check,
    failure_for_broken_connection,
    failure_for_connection,
    failure_for_status,
    failure_unexplained,
    require_html,
    require_http_url,
    too_many_redirects,
)
from scraper.fetching.http import FetchResult, Validators
from scraper.fetching.readiness import DEFAULT_MIN_TEXT, ArticleMissing, Readiness
from scraper.fetching.retry import RetryWait
from scraper.fetching.robots import (
    ROBOTS_MAX_BYTES,
    ROBOTS_MAX_REDIRECTS,
    RobotsReader,
    RobotsReply,
    RobotsUnreadable,
)
from scraper.fetching.settings import FetchSettings

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright, Request, Response, Route


BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
# The first note of a rendered page says what rendered it (as `FetchResult.renderer` does).
RENDERED_PREFIX = "rendered by "


@dataclass(frozen=True)
class _Rendered:
    """What a page load read before Chromium was closed."""

    html: str
    final_url: str
    status: int
    headers: dict[str, str]
    redirects: tuple[str, ...]
    renderer: str  # "Chromium <version> (headless, Playwright <version>)"


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


class BrowserFetcher(FetcherBase):
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
        on_wait: Callable[[RetryWait], None] | None = None,
    ) -> None:
        super().__init__(settings, log=log, stop=stop, name_agent=True, on_wait=on_wait)
        self.playwright_version = playwright_version()
        self.chromium_path = find_chromium(chromium_path)
        self._ready = Readiness(wait_for, min_text)
        # One page at a time: calls from several threads queue here.
        self._lock = threading.Lock()
        self._closed = False
        self._swept = False
        self._watchdog: Watchdog | None = None

    def close(self) -> None:
        """Refuse further calls and kill the browser of a call in progress (from any thread)."""
        self._closed = True
        watchdog = self._watchdog
        if watchdog is not None:
            kill_processes_using(watchdog.root)

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
        """Load `url` with retries, unless the fetcher is closed before a try starts."""

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
        # lazy: Playwright loads only for a browser fetch
        from playwright.sync_api import Error as PlaywrightError

        fetched_at = datetime.now(UTC)
        notes: list[str] = []
        root = new_profile_root()
        budget = self._retry.budget()
        watchdog = Watchdog(root, budget.seconds, limit=budget.limit)
        self._watchdog = watchdog
        driver = None
        try:
            driver = start_driver()
            self._robots.check(url, self._robots_reader(driver), notes, first_hop=True)
            watchdog.start()
            try:
                rendered = self._load(driver, url, root, notes)
            except PlaywrightError as err:
                raise TryFailed(self._browser_failure(err, url, watchdog)) from err
            return self._result(url, rendered, notes, fetched_at)
        finally:
            watchdog.cancel()
            if driver is not None:
                with contextlib.suppress(Exception):
                    driver.stop()
            # Belt and braces: nothing may survive the try, whatever happened above.
            discard_profile_root(root)
            self._watchdog = None

    def _load(self, driver: Playwright, url: str, root: Path, notes: list[str]) -> _Rendered:
        """Launch Chromium, load `url`, wait for the article, read the DOM, close Chromium."""
        # lazy: Playwright loads only for a browser fetch
        from playwright.sync_api import Error as PlaywrightError

        context = launch(driver, root, chromium_path=self.chromium_path, settings=self.settings)
        try:
            if self._closed:  # close() came while Chromium was starting
                raise TryFailed(self._stopped())
            return self._render(driver, context, url, notes)
        finally:
            with contextlib.suppress(PlaywrightError):
                context.close()

    def _render(
        self, driver: Playwright, context: BrowserContext, url: str, notes: list[str]
    ) -> _Rendered:
        """Load `url` in the launched browser and read the page once the article is there."""
        browser = context.browser
        version = browser.version if browser is not None else "(version unknown)"
        page = context.pages[0] if context.pages else context.new_page()
        nav = _Navigation(page)
        context.route("**/*", self._router(nav))
        self._ready.watch(context)
        self._open(page, nav, url)
        self._refuse_bad_document(nav, url, allow_challenge=True)
        try:
            self._ready.wait(page, read_timeout=self.settings.read_timeout, notes=notes)
        except ArticleMissing as missing:
            # An error page or a challenge says more than "no article".
            self._refuse_bad_document(nav, url, allow_challenge=False)
            failure = self._ready.missing(page, self.settings.read_timeout)
            raise TryFailed(failure) from missing.__cause__
        final = self._refuse_bad_document(nav, url, allow_challenge=False)
        self._check_hops(driver, nav, url, notes)
        html = page.content()
        final_url = page.url
        return _Rendered(
            html=html,
            final_url=final_url,
            status=final.status,
            headers=_headers(final),
            redirects=self._redirects(nav, final_url, notes),
            renderer=f"Chromium {version} (headless, Playwright {self.playwright_version})",
        )

    def _open(self, page: Page, nav: _Navigation, url: str) -> None:
        """Send the page to `url` and wait for its DOM; a timeout fails the try."""
        # lazy: Playwright loads only for a browser fetch
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        s = self.settings
        try:
            page.goto(
                url,
                wait_until="domcontentloaded",
                timeout=playwright_ms(s.connect_timeout + s.read_timeout),
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

    def _result(
        self, url: str, rendered: _Rendered, notes: list[str], fetched_at: datetime
    ) -> FetchResult:
        """The rendered DOM as a `FetchResult`, or raise `TryFailed` if it is too large or a
        bot check."""
        s = self.settings
        body = rendered.html.encode("utf-8")
        size = len(body)
        status = rendered.status
        base = TryFailure(
            outcome=f"HTTP {status}", summary="", status=status, final_url=rendered.final_url
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
            raise TryFailed(failure_for_bot_check(base, body, in_browser=True))
        headers = rendered.headers
        declared = _header(headers, "Content-Type")
        _mime, charset = parse_content_type(declared)
        if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            notes.append(f"the server declared {declared!r}; the rendered DOM is stored as UTF-8")
        return FetchResult(
            url=url,
            final_url=rendered.final_url,
            status=status,
            body=body,
            text=rendered.html,
            headers=headers,
            fetched_at=fetched_at,
            duration_ms=0,
            redirects=rendered.redirects,
            # The body is the DOM serialised as UTF-8, whatever the server sent: replay must
            # decode it as UTF-8, not with the server's charset.
            content_type="text/html; charset=utf-8",
            encoding="utf-8",
            etag=_header(headers, "ETag"),
            last_modified=_header(headers, "Last-Modified"),
            notes=(f"{RENDERED_PREFIX}{rendered.renderer}", *notes),
            renderer=rendered.renderer,
        )

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
                    advice=SEE_IN_A_BROWSER,
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
                raise TryFailed(failure_for_bot_check(base, body, in_browser=True))
            retry_after = _header(_headers(final), "Retry-After")
            raise TryFailed(failure_for_status(base, status, final.status_text or "", retry_after))
        require_html(base, mime)
        return final

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
            note_hop(old, new, notes)
        limit = self.settings.max_redirects
        if len(chain) > limit:
            raise TryFailed(
                too_many_redirects(limit, f"ending at {final_url}", final_url=final_url)
            )
        return tuple(chain)

    # -- failures ----------------------------------------------------------------------------
    def _browser_failure(self, err: Exception, url: str, watchdog: Watchdog) -> TryFailure:
        """Describe a Playwright error of a page load as a failure the user can act on."""
        text = playwright_said(err)
        if watchdog.fired:
            return TryFailure(
                outcome="too slow",
                summary=f"took longer than {watchdog.seconds:g} s ({watchdog.limit}); "
                "Chromium was stopped",
                advice=f"the site may be slow or the page never settles; raise "
                f"{watchdog.limit} in the [fetch] config if it is just slow",
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
            return failure_for_broken_connection(url, code, f"failed ({code})")
        return failure_unexplained(type(err).__name__, f"failed in Chromium: {text}")

    def _stopped(self) -> TryFailure:
        """The failure of a try cut short by `close`."""
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
                    timeout=playwright_ms(s.connect_timeout + s.read_timeout),
                    max_redirects=ROBOTS_MAX_REDIRECTS,
                    fail_on_status_code=False,
                )
                status = response.status
                data = response.body()[:ROBOTS_MAX_BYTES] if 200 <= status < 300 else b""
            except PlaywrightError as err:
                raise RobotsUnreadable(playwright_said(err)) from err
            finally:
                with contextlib.suppress(PlaywrightError):
                    request.dispose()
            return RobotsReply(status, data)

        return read


# -- helpers ---------------------------------------------------------------------------------


# -- helpers ---------------------------------------------------------------------------------


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
