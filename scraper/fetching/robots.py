"""robots.txt: each origin's file read once and kept, and every URL checked against it.

`RobotsPolicy` is plain Python and serves both fetchers: how a robots.txt is fetched is the
caller's (`Fetcher` reads through its requests session, `BrowserFetcher` through Playwright),
given as a `RobotsReader`. RFC 9309 rules: at least 500 KiB parsed, cached up to 24 h, a 4xx
allows everything; a 5xx or no answer allows too, with a note, so the watcher does not stop
for it.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from scraper.fetching.failures import TryFailed, TryFailure
from scraper.fetching.settings import FetchSettings
from scraper.urls import redact_url

# RFC 9309: crawlers must parse at least 500 KiB of robots.txt and may cache it up to 24 h.
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_SECONDS = 24 * 3600
# An unreadable robots.txt is taken as "allow"; ask again sooner so a rule is not missed long.
ROBOTS_RETRY_SECONDS = 3600
ROBOTS_MAX_REDIRECTS = 5


@dataclass(frozen=True)
class RobotsReply:
    """What an origin answered when asked for its robots.txt: the status, and for a 2xx the
    body (a reader may stop at `ROBOTS_MAX_BYTES`; more is never parsed)."""

    status: int
    body: bytes = b""


class RobotsUnreadable(Exception):
    """Raised by a robots.txt reader that got no answer at all; its text says why, briefly."""


# Reads one robots.txt: its URL in, the answer out, `RobotsUnreadable` if there was none.
# `Fetcher` reads through its requests session, `BrowserFetcher` through Playwright.
RobotsReader = Callable[[str], RobotsReply]


@dataclass(frozen=True)
class _Robots:
    """One origin's robots.txt as a `RobotsPolicy` last read it."""

    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything
    read_at: float
    note: str | None = None  # set when robots.txt could not be read

    def fresh(self, now: float) -> bool:
        """Whether this reading may still be used (RFC 9309 allows caching up to 24 h)."""
        ttl = ROBOTS_RETRY_SECONDS if self.note else ROBOTS_TTL_SECONDS
        return now - self.read_at < ttl

    def allows(self, user_agent: str, url: str) -> bool:
        """Whether these rules let `user_agent` fetch `url`."""
        return self.parser is None or self.parser.can_fetch(user_agent, url)


class RobotsPolicy:
    """robots.txt for one fetcher: each origin's file read once, kept 24 h (1 h when it could
    not be read), and every URL checked against it for the configured User-Agent.

    How a robots.txt is fetched is the caller's: `check` takes a `RobotsReader`. A 2xx gives
    the rules; a 4xx allows everything (RFC 9309); a 5xx or no answer allows, with a note, so
    the watcher does not stop for it. `name_agent` puts the User-Agent into the "disallowed"
    message; `clock` (monotonic seconds) is for tests.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        log: Callable[[str], None] | None = None,
        name_agent: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._log = log or (lambda _line: None)
        self._name_agent = name_agent
        self._clock = clock
        self._cache: dict[str, _Robots] = {}

    def check(self, url: str, read: RobotsReader, notes: list[str], *, first_hop: bool) -> None:
        """Raise `TryFailed` if robots.txt of `url`'s origin disallows it for our agent.

        The file is read with `read` unless a fresh reading is cached; a note about an
        unreadable file is added to `notes` once. `first_hop` says that `url` is the one asked
        for, so a refusal there means no request was sent (the try does not count).
        """
        if not self.settings.respect_robots:
            return
        robots = self._robots_for(url, read)
        if robots.note and robots.note not in notes:
            notes.append(robots.note)
        if robots.allows(self.settings.user_agent, url):
            return
        raise TryFailed(replace(self.failure(url), tried=not first_hop))

    def verdict(self, url: str) -> bool | None:
        """Whether robots.txt allows `url`, from what was read already (None: not read yet)."""
        if not self.settings.respect_robots:
            return True
        cached = self._cache.get(_origin(url))
        if cached is None:
            return None
        return cached.allows(self.settings.user_agent, url)

    def failure(self, url: str) -> TryFailure:
        """The failure of a URL that robots.txt disallows."""
        host = urlsplit(redact_url(url)).netloc  # logged: no credentials
        agent = f" ({self.settings.user_agent})" if self._name_agent else ""
        return TryFailure(
            outcome="disallowed by robots.txt",
            summary="",
            final_url=url,
            message=f"robots.txt of {host} disallows {url} for this User-Agent{agent}; set "
            "respect_robots = false in the [fetch] config only if you have permission",
        )

    def _robots_for(self, url: str, read: RobotsReader) -> _Robots:
        """The robots.txt of `url`'s origin, read once per origin (again after 24 h, or after
        1 h if it could not be read)."""
        origin = _origin(url)
        cached = self._cache.get(origin)
        if cached is not None and cached.fresh(self._clock()):
            return cached
        robots = self._read(origin, read)
        self._cache[origin] = robots
        return robots

    def _read(self, origin: str, read: RobotsReader) -> _Robots:
        """Read `<origin>/robots.txt` once and say what it allows."""
        robots_url = f"{origin}/robots.txt"
        host = urlsplit(redact_url(origin)).netloc  # logged: no credentials
        now = self._clock()
        try:
            reply = read(robots_url)
        except RobotsUnreadable as err:
            note = f"robots.txt of {host} could not be read ({err}); proceeding as if allowed"
            self._log(note)
            return _Robots(parser=None, read_at=now, note=note)
        status = reply.status
        if 200 <= status < 300:
            data = reply.body[:ROBOTS_MAX_BYTES]
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(data.decode("utf-8", errors="replace").splitlines())
            # can_fetch answers False until the parser believes it has read the file.
            parser.modified()
            self._log(f"robots.txt of {host}: HTTP {status}, {len(data)} bytes")
            return _Robots(parser=parser, read_at=now)
        if 400 <= status < 500:
            self._log(f"robots.txt of {host}: HTTP {status}, no rules")
            return _Robots(parser=None, read_at=now)
        note = f"robots.txt of {host} answered HTTP {status}; proceeding as if allowed"
        self._log(note)
        return _Robots(parser=None, read_at=now, note=note)


def _origin(url: str) -> str:
    """The scheme and host (with port) of `url`, as in "https://www.nato.int"."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
