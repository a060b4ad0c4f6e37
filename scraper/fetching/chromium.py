"""Chromium on this machine: finding it and Playwright, launching it, and making sure that
nothing of it outlives a try.

Every try of `browser.BrowserFetcher` starts Playwright's driver (`start_driver`), launches
the system Chromium (never a downloaded one) with a fresh profile in a temporary directory of
its own (`new_profile_root`, `launch`), and ends by killing whatever still runs from that
directory and removing it (`discard_profile_root`).

Playwright launches Chromium in its own process group from its driver process; the driver
kills that group when our process goes away (its stdin closes, so even on SIGKILL), and
Chromium quits when the driver's pipe closes (so even when both are killed). Here, a
`Watchdog` kills the browser's processes when a try exceeds `total_timeout`, and
`remove_stale_profiles` removes what a killed run left behind.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.errors import ConfigError, one_line
from scraper.fetching.failures import TryFailed, TryFailure
from scraper.fetching.settings import FetchSettings

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright

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
# A fixed window, language and time zone: a page that lays out or formats dates on the client
# must render the same on every machine, or the watch would record the host, not the page.
VIEWPORT = {"width": 1280, "height": 800}
LOCALE = "en-GB"
TIMEZONE = "Europe/Brussels"  # NATO HQ, as in the document's stamps
PROFILE_PREFIX = "nato-watch-chromium-"
# A profile is left behind only when our process was killed; older than this and without a
# live owner, it is removed by the next BrowserFetcher.
STALE_PROFILE_SECONDS = 600.0


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


def start_driver() -> Playwright:
    """Start Playwright's driver; raise `TryFailed` (no try made) if it does not start."""
    # lazy: Playwright loads only for a browser fetch
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        return sync_playwright().start()
    except PlaywrightError as err:
        raise TryFailed(_driver_failure(err)) from err


def new_profile_root() -> Path:
    """A new temporary directory for one try's profile, $HOME and caches.

    The owner's pid in the name lets a later run tell a killed run's leftovers apart.
    """
    return Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))


def discard_profile_root(root: Path) -> None:
    """Kill whatever still runs from `root` and remove it: nothing may survive a try."""
    kill_processes_using(root)
    shutil.rmtree(root, ignore_errors=True)


def playwright_said(err: BaseException) -> str:
    """What a Playwright error says, on one line: its first (the rest is a call log)."""
    text = str(getattr(err, "message", err)).strip()
    return one_line(text.splitlines()[0] if text else "")


def playwright_ms(seconds: float) -> float:
    """Seconds as Playwright counts time: milliseconds."""
    return seconds * 1000.0


def launch(
    driver: Playwright, root: Path, *, chromium_path: str, settings: FetchSettings
) -> BrowserContext:
    """Chromium with a fresh profile under `root`, everything it writes kept there too."""
    # lazy: Playwright loads only for a browser fetch
    from playwright.sync_api import Error as PlaywrightError

    s = settings
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
            executable_path=chromium_path,
            headless=True,
            chromium_sandbox=False,
            args=list(LAUNCH_FLAGS),
            env=env,
            timeout=playwright_ms(s.connect_timeout + s.read_timeout),
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
                message=f"Chromium ({chromium_path}) could not be started: "
                f"{playwright_said(err)}; check that `{chromium_path} --headless "
                f"--no-sandbox --version` works, or reinstall it with `{INSTALL_CHROMIUM}`",
            )
        ) from err


def _driver_failure(err: Exception) -> TryFailure:
    """The failure of a Playwright driver that did not start (no try was made)."""
    text = playwright_said(err)
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


class Watchdog:
    """Kills a try's browser when the try outlasts its budget (a hung page or browser)."""

    def __init__(self, root: Path, seconds: float, *, limit: str = "total_timeout") -> None:
        self.root = root
        self.seconds = seconds
        self.limit = limit  # the setting that gave the budget, for the message
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
        """Time is up: kill the browser."""
        self.fired = True
        kill_processes_using(self.root)


def _alive(pid: int) -> bool:
    """Whether process `pid` exists (owned by anyone)."""
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
    """Where each occurrence of `needle` in `data` ends."""
    start = data.find(needle)
    while start != -1:
        yield start + len(needle)
        start = data.find(needle, start + 1)


def kill_processes_using(root: Path) -> int:
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
