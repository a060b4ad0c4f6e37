"""`nato-watch demo`: an offline sample archive built from the page's real public history.

The stored public copies of the page (`demo_pages`: the English 2016 and 2024 texts, three
French openings from 2012 to 2023) are rendered in the templates of their day and served
from a local HTTP server on 127.0.0.1 that the demo starts and stops itself; each is then
checked through the real pipeline (`check_target` with the real `Fetcher`, into the real
archive), with the clock set to the date the copy stands for. Nothing is written by hand
but the marker, `DEMO.md`, which says what every version is and is written first, so
whatever the demo leaves behind is marked; the index says "demo data" because of it.

Two steps are not the page's history but illustrations of what the tool reports, and
`DEMO.md` says so: a silent edit (a spelling fixed without a new stamp), a restamp, and a
bullet moved under a new stamp, all on the 2024 text.

The demo refuses a data dir that already holds anything under `snapshots/` or `reports/`:
it never writes into a real archive.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scraper.archive.store import Archive
from scraper.core.target import Target, TranslationPair
from scraper.errors import ConfigError
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.run.demo_pages import PageText, Part, cps_page, read_page_text, table_page
from scraper.run.pipeline import CheckOptions, CheckResult, check_target
from scraper.timespec import utc_iso

HOST = "127.0.0.1"
ENGLISH = "republic-of-korea"
FRENCH = "republic-of-korea-fr"
PATHS = {ENGLISH: "/cps/en/natohq/topics_50098.htm", FRENCH: "/cps/fr/natohq/topics_50098.htm"}
# The French page is followed as the English page's translation, as a user would configure it.
PAIRS = (TranslationPair(ENGLISH, FRENCH, "en", "fr"),)
# Written beside the demo archive, so that commands that read the config (`lag`) see the pair;
# the URLs are the real page's (the demo refuses to check them: it is demo data).
DEMO_CONFIG = f"""# Written by `nato-watch demo`: the demo archive's two targets, the French page
# followed as the English page's translation (`nato-watch lag`).
[[targets]]
name = "{ENGLISH}"
url = "https://www.nato.int{PATHS[ENGLISH]}"

[[targets]]
name = "{FRENCH}"
url = "https://www.nato.int{PATHS[FRENCH]}"
translation_of = "{ENGLISH}"
"""
# Session ids as the site put them in every link of the day (the 2013-14 one is the stored
# copy's own).
SID_2012 = "SID-1F4A2C3B-77E0D915"
SID_2014 = "SID-3EFCD6A2-89CF6E1E"
SID_2016 = "SID-5C20B9E1-0A6D3F42"
SID_2024 = "SID-268C77FB-5154DB95"
SID_2024_LATER = "SID-8D1E44A0-C3B29F17"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _fix_spelling(text: PageText) -> PageText:
    return text.edited(replace_text=(("standardization", "standardisation"),))


def _restamp(text: PageText) -> PageText:
    return _fix_spelling(text).edited(stamp="03 Sep. 2024 09:12")


def _move_bullet(text: PageText) -> PageText:
    """The Ukraine highlight moved up to second place, under a new stamp."""
    moved = _restamp(text).edited(stamp="15 Oct. 2024 16:05")
    lead, *rest = moved.parts
    blocks = list(lead.blocks)
    ukraine = next(k for k, b in enumerate(blocks) if "Ukraine’s right" in b.text)
    first = next(k for k, b in enumerate(blocks) if b.kind == "li")
    blocks.insert(first + 1, blocks.pop(ukraine))
    return replace(moved, parts=(Part(lead.heading, tuple(blocks)), *rest))


@dataclass(frozen=True)
class Step:
    """One check of the demo: which copy is served, how, and the date it stands for."""

    target: str
    at: datetime
    text: str
    template: str  # "table" (2012-2014) or "cps" (2016-2024)
    sid: str
    what: str  # for DEMO.md
    edit: Callable[[PageText], PageText] | None = None

    def page(self) -> str:
        """The HTML the local server answers with at this step."""
        text = read_page_text(self.text)
        if self.edit is not None:
            text = self.edit(text)
        render = table_page if self.template == "table" else cps_page
        return render(text, year=self.at.year, sid=self.sid)


HISTORY = (
    Step(
        FRENCH,
        _at("2012-11-08T01:03:00"),
        "2012-11-08_fr_opening",
        "table",
        SID_2012,
        "real text: a web-archive capture of the French page, under its old title "
        "« Coopération entre l’OTAN et la République de Corée », no stamp shown",
    ),
    Step(
        FRENCH,
        _at("2014-01-15T06:00:00"),
        "c2013-2014_fr_opening",
        "table",
        SID_2014,
        "real text: an undated copy of c. 2013-14 (the date is a guess): the introduction "
        "rewritten after the 2012 partnership programme, a new photo",
    ),
    Step(
        ENGLISH,
        _at("2016-10-07T06:00:00"),
        "2016-10-06_en_opening",
        "cps",
        SID_2016,
        "real text: the English page as of « Last updated: 06 Oct. 2016 17:16 » (only its "
        "opening is known; it ends at the last whole sentence of the stored copy)",
    ),
    Step(
        FRENCH,
        _at("2023-08-17T06:00:00"),
        "2023-08-16_fr_opening",
        "cps",
        SID_2024,
        "real text: the French page as of « Mis à jour le: 16 Aug. 2023 15:39 », retitled "
        "« Relations avec la République de Corée »; a new title makes the page suspect, so "
        "this first sighting is held (a failed check)",
    ),
    Step(
        FRENCH,
        _at("2023-08-18T06:00:00"),
        "2023-08-16_fr_opening",
        "cps",
        SID_2024,
        "the same page seen again the next day: accepted as a version",
    ),
    Step(
        ENGLISH,
        _at("2024-07-17T06:00:00"),
        "2024-07-16_en_full",
        "cps",
        SID_2024,
        "real text: the English page as of « Last updated: 16 Jul. 2024 10:28 », the whole "
        "page: the 2016 → 2024 rewrite",
    ),
    Step(
        ENGLISH,
        _at("2024-07-18T06:00:00"),
        "2024-07-16_en_full",
        "cps",
        SID_2024_LATER,
        "the same page the next day, with new session ids in its links: unchanged, no version",
    ),
    Step(
        ENGLISH,
        _at("2024-08-20T06:00:00"),
        "2024-07-16_en_full",
        "cps",
        SID_2024_LATER,
        "ILLUSTRATION, not the page's history: « standardization » spelt « standardisation » "
        "without a new stamp (a silent edit)",
        _fix_spelling,
    ),
    Step(
        ENGLISH,
        _at("2024-09-03T06:00:00"),
        "2024-07-16_en_full",
        "cps",
        SID_2024_LATER,
        "ILLUSTRATION: a new stamp, « 03 Sep. 2024 09:12 », on the same words (a restamp)",
        _restamp,
    ),
    Step(
        ENGLISH,
        _at("2024-10-15T06:00:00"),
        "2024-07-16_en_full",
        "cps",
        SID_2024_LATER,
        "ILLUSTRATION: the Ukraine highlight moved up to second place under a new stamp, "
        "« 15 Oct. 2024 16:05 » (a moved block)",
        _move_bullet,
    ),
)


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: each check's result, in the order run, and how long it took."""

    results: tuple[CheckResult, ...]
    seconds: float

    @property
    def versions(self) -> int:
        """How many versions the demo archive holds."""
        return sum(1 for r in self.results if r.status.value in ("new", "changed"))

    @property
    def reports(self) -> int:
        """How many change reports it wrote."""
        return sum(1 for r in self.results if r.report is not None)


def build_demo(archive: Archive, *, progress: Callable[[CheckResult], None]) -> DemoResult:
    """Build the demo archive in `archive`'s data dir (which must hold no archive), calling
    `progress` after each check."""
    if archive.holds_archive():
        raise ConfigError(
            f"{archive.root} already holds an archive (snapshots/ or reports/ are not empty); "
            "the demo never writes into one: give it a new directory, e.g. "
            "`nato-watch --data-dir /tmp/nato-watch-demo demo`"
        )
    started = time.monotonic()
    results = []
    with archive.lock(timeout=0), _DemoServer() as server, _loopback_without_proxy():
        archive.write_demo_marker(demo_note(server.origin))
        archive.write_config(DEMO_CONFIG)
        settings = FetchSettings(retries=1, connect_timeout=5, read_timeout=5)
        with Fetcher(settings) as fetcher:
            for step in sorted(HISTORY, key=lambda s: s.at):
                server.serve(PATHS[step.target], step.page(), at=step.at)
                results.append(_check(step, archive, fetcher, origin=server.origin))
                progress(results[-1])
    return DemoResult(results=tuple(results), seconds=time.monotonic() - started)


def _check(step: Step, archive: Archive, fetcher: Fetcher, *, origin: str) -> CheckResult:
    """The real check of one step, its clock stopped at the date the step stands for."""
    target = Target(step.target, origin + PATHS[step.target])
    return check_target(
        target,
        archive=archive,
        fetch=fetcher,
        now=lambda: step.at,
        options=CheckOptions(suspect_confirmations=2, pairs=PAIRS),
    )


def demo_note(origin: str) -> str:
    """The text of `DEMO.md`: what this data dir is, and what each version stands for."""
    rows = "\n".join(
        f"| {utc_iso(step.at)} | `{step.target}` | {step.what} |"
        for step in sorted(HISTORY, key=lambda s: s.at)
    )
    return f"""# Demo data

This data dir was made by `nato-watch demo`. It is **not a record of nato.int**: no check here
contacted NATO's site. The page's public history as stored in copies (the English texts of
2016 and 2024, the French openings of 2012, c. 2013-14 and 2023, shipped with nato-watch)
was rendered in the page templates of its day, served from a local server at {origin}
(stopped since), and checked with nato-watch's real pipeline. Each check was given the date
the copy stands for as its capture time, so the timeline reads like the page's own.

Three steps are illustrations of what the tool reports, **not** the page's history: they are
marked ILLUSTRATION below. The openings stop where the stored copies stop, at their last
whole sentence.

| capture time (UTC) | target | what it is |
|---|---|---|
{rows}

To watch the real page, use another data dir: `nato-watch --data-dir DIR check`. `check`,
`run` and the imports refuse this one. Delete this folder when you are done with it.
"""


class _DemoServer:
    """A local HTTP server on 127.0.0.1 answering one page per path, which the demo changes
    between checks; its `Date` header is the capture time the check stands for."""

    def __init__(self) -> None:
        self._pages: dict[str, bytes] = {}
        self._at = datetime.now(UTC)
        demo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = demo._pages.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                kind = "text/html; charset=utf-8" if body is not None else "text/plain"
                self.send_header("Content-Type", kind)
                data = body if body is not None else b"not found"
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def date_time_string(self, timestamp: float | None = None) -> str:
                return format_datetime(demo._at, usegmt=True)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo reports its checks, not the server's requests

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://{HOST}:{self._server.server_address[1]}"

    def serve(self, path: str, page: str, *, at: datetime) -> None:
        """Answer `page` at `path` from now on, dated `at`."""
        self._pages[path] = page.encode("utf-8")
        self._at = at

    def __enter__(self) -> _DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def _loopback_without_proxy() -> Iterator[None]:
    """Keep a configured HTTP proxy (http_proxy and the like) out of the demo's requests to
    127.0.0.1, which a proxy could not reach."""
    saved = {name: os.environ.get(name) for name in ("no_proxy", "NO_PROXY")}
    for name, value in saved.items():
        os.environ[name] = ",".join(filter(None, [value, HOST]))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
