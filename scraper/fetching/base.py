"""What every fetcher shares: its politeness and its shape.

`FetcherBase` holds what a plain GET (`http.Fetcher`) and a browser load
(`browser.BrowserFetcher`) set up alike: the `[fetch]` settings, the log, the retry policy and
the robots.txt policy built from them, and use in a `with` block. `note_hop` says alike what a
redirect hop changed (the host, https to plain http).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from scraper.fetching.retry import RetryPolicy, RetryWait
from scraper.fetching.robots import RobotsPolicy
from scraper.fetching.settings import FetchSettings
from scraper.urls import redact_url


class FetcherBase(ABC):
    """Settings, log, retries and robots.txt of one fetcher; closed at the end of a `with`.

    `stop`, when given, cuts a backoff wait short (the scheduler sets it on shutdown);
    `on_wait` hears of each wait before a retry; `name_agent` puts the User-Agent into the
    message of a URL robots.txt disallows.
    """

    def __init__(
        self,
        settings: FetchSettings | None,
        *,
        log: Callable[[str], None] | None,
        stop: threading.Event | None,
        name_agent: bool = False,
        on_wait: Callable[[RetryWait], None] | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._log = log or (lambda _line: None)
        self._retry = RetryPolicy(self.settings, log=self._log, stop=stop, on_wait=on_wait)
        self._robots = RobotsPolicy(self.settings, log=self._log, name_agent=name_agent)

    def __enter__(self) -> Self:
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

    @abstractmethod
    def close(self) -> None:
        """Release what the fetcher holds."""


def note_hop(old_url: str, new_url: str, notes: list[str]) -> None:
    """Note in `notes` what a redirect from `old_url` to `new_url` changed: the host, or the
    scheme from https down to plain http."""
    # Notes are logged and stored: the URLs in them without their credentials.
    old_url, new_url = redact_url(old_url), redact_url(new_url)
    old, new = urlsplit(old_url), urlsplit(new_url)
    if old.netloc != new.netloc:
        notes.append(f"redirected from host {old.netloc} to host {new.netloc} ({new_url})")
    if old.scheme == "https" and new.scheme == "http":
        notes.append(f"redirected from https to plain http ({new_url})")
