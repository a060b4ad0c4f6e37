"""Shared fixtures: a local site on 127.0.0.1, a temp data dir, a fixed clock, the real CLI,
quick fetch settings."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

sys.path.insert(0, str(Path(__file__).parent))

from pages import load_content, nato_page

from scraper.archive.store import Archive
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings

# The local server's access log is not the CLI's output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Serve on 127.0.0.1 itself (not "localhost", which may resolve elsewhere)."""
    return ("127.0.0.1", 0)


@dataclass
class Page:
    """What the local site answers for one path."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"


class Site:
    """A local web site on 127.0.0.1 whose pages tests can change between requests."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.pages: dict[str, Page] = {}
        self.requests: list[Request] = []
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this site."""
        return self.server.url_for(path)

    def put(self, path: str, body: str | bytes, **kwargs: object) -> str:
        """Serve `body` at `path` from now on; return the URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Page(data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> int:
        """How many requests `path` has received."""
        return sum(1 for r in self.requests if r.path == path)

    def _handle(self, request: Request) -> Response:
        self.requests.append(request)
        page = self.pages.get(request.path)
        if page is None:
            return Response("not found", status=404, content_type="text/plain")
        return Response(
            page.body, status=page.status, headers=page.headers, content_type=page.content_type
        )


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[Site]:
    """A local site; nothing outside 127.0.0.1 is contacted."""
    yield Site(httpserver)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data dir."""
    path = tmp_path / "data"
    path.mkdir()
    return path


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path -> bytes), the lock file left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".nato-watch.lock"
    }


@pytest.fixture
def page_2024() -> str:
    """The 2024 page in the nato.int-like template."""
    return nato_page(load_content())


class Clock:
    """A fixed clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock fixed at 2024-07-16 08:30:00 UTC."""
    return Clock(datetime(2024, 7, 16, 8, 30, tzinfo=UTC))


def nato_watch(
    data_dir: Path,
    *args: str,
    env: dict[str, str | None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> Result:
    """Run the real `nato-watch` command with `--data-dir data_dir`; stdout and stderr apart.
    `now` gives the command a clock of the test's (no sleeping to reach the next second)."""
    from scraper.cli import cli
    from scraper.cli.app import Overrides

    return CliRunner().invoke(
        cli,
        ["--data-dir", str(data_dir), *args],
        env={"NATO_WATCH_CONFIG": None, "NATO_WATCH_DATA_DIR": None, **(env or {})},
        catch_exceptions=False,
        obj=Overrides(now=now) if now is not None else None,
    )


@pytest.fixture
def run_cli(data_dir: Path) -> Callable[..., Result]:
    """`nato_watch` with the test's data dir."""

    def run(
        *args: str,
        env: dict[str, str | None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> Result:
        return nato_watch(data_dir, *args, env=env, now=now)

    return run


# -- fetching --------------------------------------------------------------------------------


@pytest.fixture
def settings() -> FetchSettings:
    """Short timeouts and tiny backoff so failure cases run in well under a second."""
    return FetchSettings(
        connect_timeout=0.5,
        read_timeout=0.5,
        total_timeout=5.0,
        retries=3,
        backoff=0.01,
        max_backoff=0.05,
        respect_robots=False,
    )


@pytest.fixture
def polite(settings: FetchSettings) -> FetchSettings:
    """The test settings with robots.txt honoured (the default)."""
    return replace(settings, respect_robots=True)


# One try, no backoff, no robots.txt: for tests where fetching is not the subject.
QUICK_FETCH = FetchSettings(
    retries=1, backoff=0.0, respect_robots=False, connect_timeout=2.0, read_timeout=10.0
)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A real `Fetcher` with `QUICK_FETCH` settings."""
    with Fetcher(QUICK_FETCH) as fetch:
        yield fetch


@pytest.fixture
def archive(data_dir: Path) -> Archive:
    """An empty archive in the test's data dir."""
    return Archive(data_dir)
