"""When a page rendered in Chromium may be read: the article is there and the DOM is quiet.

A page that builds its article with scripts is read only once the article is present (a CSS
selector matches, or an `<h1>` is followed by enough text) and the DOM has stopped changing,
then once the network is idle, so a half-rendered page never becomes a version (it would
differ from the next check's and fake a change).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scraper.errors import ConfigError
from scraper.fetching.chromium import playwright_ms
from scraper.fetching.failures import TryFailed, TryFailure

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

# By default the article is there when an <h1> is followed by this much text. A JS shell's
# navigation and footer come to less; a real topic page to several thousand characters.
DEFAULT_MIN_TEXT = 1000
# The DOM must then stay unchanged this long, so a half-rendered page is not taken (it would
# become a version that differs from the next check's and fake a change).
QUIET_MS = 500
POLL_MS = 100
NETWORK_IDLE_MAX = 5.0  # seconds: analytics and polling may keep the network busy forever
SETTLE_MAX = 2.0
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


class ArticleMissing(Exception):
    """Raised by `Readiness.wait` when the article never appeared (its cause: the timeout)."""


@dataclass(frozen=True)
class Readiness:
    """What marks the article as present: the CSS selector `wait_for`, else an `<h1>`
    followed by `min_text` characters of text. Invalid values raise `ConfigError`."""

    wait_for: str | None = None
    min_text: int = DEFAULT_MIN_TEXT

    def __post_init__(self) -> None:
        """Reject an empty selector and a minimum under one character."""
        if self.wait_for is not None and not self.wait_for.strip():
            raise ConfigError("wait_for must be a CSS selector, not empty")
        if self.min_text < 1:
            raise ConfigError("min_text must be at least 1 character")
        object.__setattr__(self, "wait_for", self.wait_for.strip() if self.wait_for else None)

    def watch(self, context: BrowserContext) -> None:
        """Make every document of `context` remember when its DOM last changed."""
        context.add_init_script(_QUIET_SCRIPT)

    def wait(self, page: Page, *, read_timeout: float, notes: list[str]) -> None:
        """Wait until the article is present and the DOM is quiet, then for network idle.

        A page still changing after `read_timeout` seconds is taken as it stands, and said so
        in `notes`. Raises `ArticleMissing` if the article never appeared, `TryFailed` if
        `wait_for` is not a valid selector.
        """
        # lazy: Playwright loads only for a browser fetch
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        arg = [self.min_text, self.wait_for, QUIET_MS]
        try:
            page.wait_for_function(
                _READY_SCRIPT, arg=arg, timeout=playwright_ms(read_timeout), polling=POLL_MS
            )
        except PlaywrightTimeoutError as err:
            if not self._present(page):
                raise ArticleMissing() from err
            notes.append(
                f"the page was still changing {read_timeout:g} s after it loaded; the DOM "
                "was taken as it stood"
            )
        except PlaywrightError as err:
            if "selector" in err.message.lower() and self.wait_for is not None:
                raise TryFailed(self._bad_selector()) from err
            raise
        try:
            page.wait_for_load_state("networkidle", timeout=playwright_ms(NETWORK_IDLE_MAX))
        except PlaywrightTimeoutError:
            notes.append(
                f"the network was still busy {NETWORK_IDLE_MAX:g} s after the article "
                "appeared; the DOM was taken then"
            )
        # Whatever arrived while the network settled must have been written, too.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(
                _READY_SCRIPT, arg=arg, timeout=playwright_ms(SETTLE_MAX), polling=POLL_MS
            )

    def missing(self, page: Page, read_timeout: float) -> TryFailure:
        """The failure of a page whose article never appeared within `read_timeout` s."""
        what = (
            f"the CSS selector {self.wait_for!r} (wait_for)"
            if self.wait_for
            else f"an <h1> followed by {self.min_text} characters of text"
        )
        return TryFailure(
            outcome="article never appeared",
            summary=f"rendered no article within {read_timeout:g} s (waited for {what})",
            advice="the page may be slow (raise read_timeout in the [fetch] config), or the "
            "article is marked differently (set the target's wait_for to a CSS selector)",
            final_url=page.url,
        )

    def _present(self, page: Page) -> bool:
        """Whether the article is there now, quiet or not."""
        # lazy: Playwright loads only for a browser fetch
        from playwright.sync_api import Error as PlaywrightError

        try:
            return bool(page.evaluate(_READY_SCRIPT, [self.min_text, self.wait_for, 0]))
        except PlaywrightError:
            return False

    def _bad_selector(self) -> TryFailure:
        """The failure of a `wait_for` that is not a CSS selector."""
        return TryFailure(
            outcome="bad wait_for",
            summary=f"could not be waited for: wait_for {self.wait_for!r} is not a valid CSS "
            "selector",
            advice="fix the target's wait_for",
        )
