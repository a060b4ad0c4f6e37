"""A target: one watched page, its name and URL, and how it is fetched, read and told about."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.core.watchlist import Watchlist


class NotifyOn(StrEnum):
    """What a target's notifications tell of (`notify_on`, one value or a list)."""

    CHANGES = "changes"  # every new version: the first, and each change
    SIGNIFICANT = "significant"  # the first version, and changes with a significant flag
    FAILURES = "failures"  # `failing` when checks start failing, `recovered` when they work again


# Old values of `notify_on` that still work: "any" was every new version.
NOTIFY_ON_ALIASES = {"any": NotifyOn.CHANGES}
# What a target tells of when its `notify_on` is not set.
DEFAULT_NOTIFY_ON = frozenset({NotifyOn.CHANGES, NotifyOn.FAILURES})


@dataclass(frozen=True)
class Target:
    """One watched page: a slug name and a URL, and how `run` tells about a new version."""

    name: str
    url: str
    # Notifications (from `run` and `check`): a URL that gets a JSON POST, and a shell
    # command run with NATO_WATCH_* variables in its environment.
    webhook: str | None = None
    command: str | None = None
    # How to fetch: "http" (default) or "browser" (headless Chromium, for pages whose HTML
    # is a JavaScript shell), and for the browser an optional CSS selector to wait for.
    fetch: str = "http"
    wait_for: str | None = None
    # The watched terms counted and flagged in this target's reports (None: the built-in
    # default list), and what its notifications tell of: every new version or only those
    # whose report carries a significant flag, and the failing / recovered events.
    watch: Watchlist | None = None
    notify_on: frozenset[NotifyOn] = DEFAULT_NOTIFY_ON
    # The target this page translates (its original, another configured target), and the
    # page's language (ISO 639-1) when the config gives it; else it is read from the URL.
    translation_of: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class TranslationPair:
    """A page and its translation: two configured targets, and the language of each as the
    config gives it (ISO 639-1; None: read from each version, its page or its URL)."""

    original: str
    translation: str
    original_lang: str | None = None
    translation_lang: str | None = None

    def names(self) -> tuple[str, str]:
        """The original's name, then the translation's."""
        return (self.original, self.translation)

    def other(self, name: str) -> str:
        """The counterpart of target `name` in this pair."""
        return self.translation if name == self.original else self.original


FETCH_MODES = ("http", "browser")
