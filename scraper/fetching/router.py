"""The target router: one run's fetchers, and which one fetches each target.

Plain HTTP for most targets; headless Chromium for those configured with `fetch = "browser"`
(or all of them, with `check --browser`). `check_target` and the scheduler call the router like
a single fetcher and never know which one a target uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scraper.core.target import Target
from scraper.fetching.http import Fetcher, FetchResult, Validators
from scraper.fetching.retry import RetryWait


class TargetFetcher:
    """One run's fetchers: plain HTTP for most targets, headless Chromium for the targets
    configured with `fetch = "browser"` (or all, with `check --browser`).

    Callable like a single fetcher, routing by URL, so `check_target` and the scheduler need
    not know which one a target uses. Browser fetchers are built only when a browser target
    is fetched; `close()` (or leaving the `with` block) closes every fetcher opened.
    """

    def __init__(
        self,
        targets: tuple[Target, ...] | list[Target],
        settings: Any,
        *,
        log: Callable[[str], None] | None = None,
        stop: Any = None,
        force_browser: bool = False,
        on_wait: Callable[[RetryWait], None] | None = None,
    ) -> None:
        self._settings = settings
        self._log = log
        self._stop = stop
        self._on_wait = on_wait
        self._browser_targets = {t.url: t for t in targets if force_browser or t.fetch == "browser"}
        self._http = Fetcher(settings, log=log, stop=stop, on_wait=on_wait)
        self._browsers: dict[str, Any] = {}
        if self._browser_targets:
            # Fail at once, with the install command, when the browser extra is missing.
            self._browser_for(next(iter(self._browser_targets.values())))

    def _browser_for(self, target: Target) -> Any:
        # lazy: Playwright loads only when a target is fetched with the browser
        from scraper.fetching.browser import BrowserFetcher

        if target.url not in self._browsers:
            self._browsers[target.url] = BrowserFetcher(
                self._settings,
                log=self._log,
                wait_for=target.wait_for,
                stop=self._stop,
                on_wait=self._on_wait,
            )
        return self._browsers[target.url]

    def __call__(self, url: str, *, validators: Validators | None = None) -> FetchResult:
        target = self._browser_targets.get(url)
        fetcher = self._browser_for(target) if target else self._http
        result: FetchResult = fetcher(url, validators=validators)
        return result

    def close(self) -> None:
        """Close every fetcher this run opened."""
        for browser in self._browsers.values():
            browser.close()
        self._http.close()

    def __enter__(self) -> TargetFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
