"""`import-wayback` against a local stand-in for the Wayback Machine on 127.0.0.1.

`FakeWayback` answers the CDX API (`/cdx/search/cdx`: prefix and exact matches on a SURT-like
key, `from`/`to`, `filter`, `fl`, `limit` with resume keys, `output=json`) and serves captures
in their `id_` form (`/web/<timestamp>id_/<original>`), from an index of realistic pages: the
2012, 2016, 2018, 2023 and 2024 texts of the page under its many URL shapes, duplicates by
digest, a redirect, a 404, an archived bot check, an archived error page, a capture the archive
serves from another timestamp, one it lost, and the French page the prefix query also returns.
Everything runs through the real CLI (or real processes, for the kill test).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import Clock, tree
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.config import DEFAULT_TARGET
from scraper.core.records import CheckStatus, Source
from scraper.core.target import Target
from scraper.errors import ConfigError, FetchError
from scraper.fetching.http import Fetcher, FetchResult, Validators
from scraper.fetching.settings import FetchSettings
from scraper.run.pipeline import check_target
from scraper.sources.importing import payload_digest, sha1_digest
from scraper.sources.wayback import (
    WaybackClient,
    cdx_query,
    index_verdict,
    parse_cdx_json,
    parse_memento_url,
)
from scraper.timespec import TimeSpan, parse_span
from scraper.urls import same_page

TARGET = "republic-of-korea"
URL = DEFAULT_TARGET.url  # https://www.nato.int/cps/en/natohq/topics_50098.htm
HOST = "http://www.nato.int"
FILE = "topics_50098.htm"

# -- the pages -----------------------------------------------------------------------------------

OPENING = load_content("2016-10-06_en_opening")
FULL = load_content()
PAGE_2012 = nato_page(
    edited(OPENING, stamp=None, title="NATO cooperation with the Republic of Korea")
)
PAGE_2016 = nato_page(OPENING)
PAGE_2018 = nato_page(
    edited(
        FULL,
        stamp="12 Sep. 2018 09:00",
        replace_text={"Key areas of cooperation": "Practical cooperation"},
    )
)
PAGE_2023 = nato_page(
    edited(FULL, stamp="20 Nov. 2023 11:00", replace_text={"steadfast": "long-standing"})
)
PAGE_2024 = nato_page(FULL)
PAGE_LIVE_2020 = nato_page(
    edited(
        FULL,
        stamp="02 Mar. 2020 15:00",
        replace_text={"Key areas of cooperation": "Areas of cooperation"},
    )
)


def wayback_copy(page: str, timestamp: str) -> str:
    """The page as the Wayback Machine's replay shows it: its toolbar, rewritten links."""
    toolbar = (
        "<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n<div id='wm-ipp'>Wayback Machine "
        "<a href='/web/'>Go</a> 214 captures</div>\n<!-- END WAYBACK TOOLBAR INSERT -->"
    )
    page = re.sub(r'(href|src)="/', rf'\1="/web/{timestamp}/https://www.nato.int/', page)
    return page.replace('<body class="topics">', '<body class="topics">\n' + toolbar, 1)


# A Cloudflare challenge as a crawler archived it, with 200.
BOT_CHECK = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>
<body><div class="main-wrapper" role="main"><noscript>Enable JavaScript and cookies to continue
</noscript></div><script>window._cf_chl_opt={cvId: '3',cZone: "www.nato.int"};</script>
</body></html>"""
ERROR_PAGE = """<!DOCTYPE html><html><head><title>NATO - Page not found</title></head>
<body><h1>Page not found</h1><p>The page you requested could not be found on this server.</p>
</body></html>"""
FRENCH = nato_page(edited(FULL, title="Relations avec la République de Corée"))


# -- the fake archive ----------------------------------------------------------------------------


def surt(url: str) -> str:
    """A SURT-like key, as the CDX sorts and matches on: no scheme, no www., no default
    port, lower case, no bare trailing '?'."""
    text = re.sub(r"^[a-z]+://", "", url.strip(), flags=re.I).lower()
    text = text.removeprefix("www.")
    text = re.sub(r"^([^/]+):(80|443)(?=/|$)", r"\1", text)
    return text.removesuffix("?")


def sha1_b32(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass
class ArchivedPage:
    """One capture in the fake archive's index (and what its `id_` URL serves)."""

    timestamp: str
    original: str
    body: bytes
    status: int = 200
    mime: str = "text/html"
    content_type: str = "text/html; charset=utf-8"
    redirect_to: str | None = None  # the `id_` URL answers 302 to this archive path
    gone: bool = False  # listed, but the `id_` URL answers 404
    listed: bool = True  # in the CDX index
    digest: str = ""
    cdx_status: str = ""  # what the CDX says (default: the status); "-" for a revisit record

    def __post_init__(self) -> None:
        self.digest = self.digest or sha1_b32(self.body)


@dataclass
class FakeWayback:
    """A Wayback Machine on 127.0.0.1: the CDX API and `id_` captures."""

    server: HTTPServer
    pages: list[ArchivedPage] = field(default_factory=list)
    log: list[tuple[float, str]] = field(default_factory=list)
    cdx_status: int = 200
    throttle: dict[str, list[int]] = field(default_factory=dict)  # timestamp -> statuses first
    live: dict[str, bytes] = field(default_factory=dict)  # path -> a page the same server serves

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base(self) -> str:
        return self.server.url_for("").rstrip("/")

    def add(self, timestamp: str, original: str, body: str | bytes, **kw: Any) -> ArchivedPage:
        data = body.encode("utf-8") if isinstance(body, str) else body
        page = ArchivedPage(timestamp, original, data, **kw)
        self.pages.append(page)
        return page

    def fetched(self) -> list[str]:
        """The `id_` paths requested, in order."""
        return [path for _, path in self.log if path.startswith("/web/")]

    def handle(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.full_path
        self.log.append((time.monotonic(), raw))
        if request.path == "/robots.txt":
            return Response("", status=404)
        if request.path == "/cdx/search/cdx":
            return self.cdx(request)
        if request.path in self.live:
            return Response(self.live[request.path], content_type="text/html; charset=utf-8")
        match = re.match(r"^/web/(\d{14})id_/(.+)$", raw)
        if match is None:
            return Response("not found", status=404, content_type="text/plain")
        timestamp, original = match.groups()
        for page in self.pages:
            if page.timestamp == timestamp and surt(page.original) == surt(original):
                return self.serve(page)
        return Response("Wayback Machine has not archived that URL.", status=404)

    def serve(self, page: ArchivedPage) -> Response:
        statuses = self.throttle.get(page.timestamp)
        if statuses:
            status = statuses.pop(0)
            return Response("slow down", status=status, headers={"Retry-After": "0"})
        if page.gone:
            return Response("Wayback Machine has not archived that URL.", status=404)
        if page.redirect_to:
            return Response("", status=302, headers={"Location": self.base + page.redirect_to})
        return Response(page.body, status=page.status, content_type=page.content_type)

    def cdx(self, request: Request) -> Response:
        if self.cdx_status != 200:
            return Response("CDX down", status=self.cdx_status, content_type="text/plain")
        args = request.args
        assert args.get("output") == "json"
        key = surt(args["url"])
        exact = args.get("matchType", "exact") == "exact"
        low = args.get("from", "").ljust(14, "0")
        high = args.get("to", "").ljust(14, "9")
        rows = sorted(
            (p for p in self.pages if p.listed),
            key=lambda p: (surt(p.original), p.timestamp),
        )
        chosen = [
            p
            for p in rows
            if (surt(p.original) == key if exact else surt(p.original).startswith(key))
            and low <= p.timestamp <= high
            and all(self._passes(p, f) for f in args.getlist("filter"))
        ]
        fields = args.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length")
        names = fields.split(",")
        start = int(args.get("resumeKey", "0"))
        limit = int(args.get("limit", "100000"))
        page = chosen[start : start + limit]
        out: list[list[str]] = [names, *[[self._field(p, n) for n in names] for p in page]]
        if start + limit < len(chosen) and args.get("showResumeKey") == "true":
            out += [[], [str(start + limit)]]
        if len(out) == 1:
            out = []  # the real API answers an empty array when nothing matches
        return Response(json.dumps(out), content_type="text/plain; charset=utf-8")

    def _field(self, page: ArchivedPage, name: str) -> str:
        return {
            "urlkey": surt(page.original),
            "timestamp": page.timestamp,
            "original": page.original,
            "mimetype": page.mime,
            "statuscode": page.cdx_status or str(page.status),
            "digest": page.digest,
            "length": str(len(page.body)),
        }[name]

    def _passes(self, page: ArchivedPage, spec: str) -> bool:
        negate = spec.startswith("!")
        name, _, pattern = spec.lstrip("!").partition(":")
        matched = re.fullmatch(pattern, self._field(page, name)) is not None
        return matched != negate


def archive_history(fake: FakeWayback) -> None:
    """The page's history as the fake archive holds it (see the module docstring)."""
    fake.add("20120510083000", f"{HOST}:80/cps/en/natolive/{FILE}", PAGE_2012)
    fake.add("20130201120000", f"{HOST}/cps/en/SID-4E37114D-E9973C8C/natolive/{FILE}", PAGE_2012)
    fake.add("20140301000000", f"{HOST}/cps/en/natohq/{FILE}", b"", status=301, mime="unk")
    fake.add("20150601000000", f"{HOST}/cps/en/natohq/{FILE}", b"Not Found", status=404)
    fake.add("20161007101500", f"{HOST}/cps/fr/natohq/{FILE}?selectedLocale=en", PAGE_2016)
    fake.add("20170115000000", f"https://www.nato.int/cps/en/natohq/{FILE}?",
             wayback_copy(PAGE_2016, "20170115000000"))  # fmt: skip
    fake.add("20180301000000", f"https://www.nato.int/cps/en/natohq/{FILE}", BOT_CHECK)
    fake.add("20180601000000", f"https://www.nato.int/cps/en/natohq/{FILE}", ERROR_PAGE)
    fake.add("20180912070000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2018)
    fake.add("20190101000000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2018 + " ",
             redirect_to=f"/web/20190102000000id_/https://www.nato.int/cps/en/natohq/{FILE}")  # fmt: skip
    fake.add("20190102000000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2018,
             listed=False)  # fmt: skip
    fake.add("20200101000000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2018 + "\n",
             gone=True)  # fmt: skip
    fake.add("20231120100000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2023)
    fake.add("20240717060000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2024)
    # A revisit record: the CDX gives no status or type, only the digest of the 2024 payload.
    fake.add("20240801000000", f"https://www.nato.int/cps/en/natohq/{FILE}?selectedLocale=en",
             PAGE_2024, cdx_status="-", mime="warc/revisit")  # fmt: skip
    fake.add("20240901000000", f"https://www.nato.int/cps/en/natohq/{FILE}", PAGE_2023)
    # The same topic in French: the prefix query returns it; it is not the target's page.
    fake.add("20240902000000", f"https://www.nato.int/cps/fr/natohq/{FILE}", FRENCH)
    # Another topic under /cps/: the query's filter leaves it out.
    fake.add("20240903000000", "https://www.nato.int/cps/en/natohq/topics_50336.htm", PAGE_2024)


EXPECTED_VERSIONS = [
    "2012-05-10T083000Z",
    "2016-10-07T101500Z",
    "2018-09-12T070000Z",
    "2023-11-20T100000Z",
    "2024-07-17T060000Z",
    "2024-09-01T000000Z",  # back to the 2023 text: a duplicate by digest, still a version
]
FIRST_SUMMARY = (
    "republic-of-korea: 15 captures listed, 6 new snapshots imported (3 duplicates by digest, "
    "5 not articles, 1 failed to fetch); 6 versions (6 imported); reports rebuilt"
)


@pytest.fixture
def fake(httpserver: HTTPServer) -> Iterator[FakeWayback]:
    wayback = FakeWayback(httpserver)
    archive_history(wayback)
    yield wayback


@pytest.fixture
def import_cli(run_cli: Callable[..., Result], fake: FakeWayback) -> Callable[..., Result]:
    """`nato-watch import-wayback` against the fake archive, with no wait between requests."""

    def run(*args: str) -> Result:
        return run_cli(
            "import-wayback", "--interval", "0", *args, env={"NATO_WATCH_WAYBACK_URL": fake.base}
        )

    return run


def invoke(data_dir: Path, *args: str) -> Result:
    """The real CLI on another data dir than `run_cli`'s."""
    from scraper.cli import cli

    env = {"NATO_WATCH_CONFIG": None, "NATO_WATCH_DATA_DIR": None, "NATO_WATCH_WAYBACK_URL": None}
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], env=env)


def versions(data_dir: Path) -> list[str]:
    return Archive(data_dir).version_ids(TARGET)


def check_lines(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "snapshots" / TARGET / "checks.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "http://www.nato.int/cps/en/natohq/topics_50098.htm",
        "https://nato.int/cps/en/natohq/topics_50098.htm",
        "http://www.nato.int:80/cps/en/natolive/topics_50098.htm",
        "http://www.nato.int/cps/en/SID-4E37114D-E9973C8C/natolive/topics_50098.htm",
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm?selectedLocale=en",
        "https://www.nato.int/cps/ru/natolive/topics_50098.htm?selectedLocale=en",
        "https://www.nato.int/cps/en/natohq/topics_50098.htm?",
        "https://WWW.NATO.INT/cps/en/natohq/Topics_50098.htm#itpp",
    ],
)
def test_same_page_accepts_every_url_shape_of_the_page(url: str) -> None:
    assert same_page(url, URL)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm",  # the French page
        "https://www.nato.int/cps/en/natohq/topics_50098.htm?selectedLocale=fr",
        "https://www.nato.int/cps/en/natohq/topics_50336.htm",  # Japan
        "https://www.nato.int/cps/en/natohq/topics_50098.htm?mode=print",
        "https://www.nato.int/cps/en/natohq/news_50098.htm",
        "https://www.otan.nato.int/cps/en/natohq/topics_50098.htm",
        "https://example.org/cps/en/natohq/topics_50098.htm",
        "mailto:press@hq.nato.int",
        "not a url",
    ],
)
def test_same_page_rejects_other_pages(url: str) -> None:
    assert not same_page(url, URL)


def test_same_page_for_a_url_outside_the_cps_tree() -> None:
    target = "https://www.nato.int/en/what-we-do/partnerships/relations-with-korea"
    assert same_page(target.replace("https://www.", "http://") + "?", target)
    assert not same_page(target + "-and-japan", target)


def test_the_cdx_query_covers_the_site_tree_filtered_on_the_file_name() -> None:
    query = cdx_query(URL)
    assert query.url == "nato.int/cps/"
    assert query.filter is not None
    regex = query.filter.removeprefix("(?i)")
    for original in (
        "http://www.nato.int:80/cps/en/SID-1A-2B/natolive/topics_50098.htm",
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm?selectedLocale=en",
    ):
        assert re.fullmatch(regex, original, re.I)
    assert not re.fullmatch(regex, "https://www.nato.int/cps/en/natohq/topics_500981.htm", re.I)
    params = dict(query.params(span=parse_span("2016", "2018-06"), limit=50))
    assert params["from"] == "20160101000000"
    assert params["to"] == "20180630235959"
    assert params["matchType"] == "prefix" and params["output"] == "json"
    assert "statuscode" not in params.get("filter", "")  # redirects must be seen
    generic = cdx_query("https://example.org/page.htm")
    assert (generic.url, generic.filter) == ("example.org/page.htm", None)


def test_parse_cdx_json_reads_rows_and_the_resume_key() -> None:
    text = json.dumps(
        [
            ["timestamp", "original", "statuscode", "mimetype", "digest", "length"],
            ["20160101000000", "http://www.nato.int/a.htm", "200", "text/html", "ABC", "10"],
            ["20160102000000", "http://www.nato.int/a.htm", "-", "warc/revisit", "ABC", "5"],
            [],
            ["int,nato)/a.htm 20160102000000"],
        ]
    )
    page = parse_cdx_json(text)
    assert [r.timestamp for r in page.rows] == ["20160101000000", "20160102000000"]
    assert page.rows[1].statuscode == "-"
    assert page.resume_key == "int,nato)/a.htm 20160102000000"
    assert parse_cdx_json("").rows == () and parse_cdx_json("[]").resume_key is None
    for bad in ('{"a": 1}', '[["timestamp"], ["1", "2"]]', "[[1, 2], [3, 4]]", "<html>"):
        with pytest.raises(ValueError):
            parse_cdx_json(bad)


def test_parse_span_covers_whole_periods_and_rejects_nonsense() -> None:
    span = parse_span("2016-10", "2016")
    assert span.start == datetime(2016, 10, 1, tzinfo=UTC)
    assert span.end == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC) in span
    assert parse_span(None, "2016-02").end == datetime(2016, 2, 29, 23, 59, 59, tzinfo=UTC)
    assert parse_span("2016-10-06T19:16:00+02:00", None).start == datetime(
        2016, 10, 6, 17, 16, tzinfo=UTC
    )
    for start, end in (("yesterday", None), ("2016-13", None), ("2018", "2016")):
        with pytest.raises(ConfigError):
            parse_span(start, end)


def test_index_verdicts_digests_and_memento_urls() -> None:
    from scraper.sources.importing import ArchivedCapture

    def capture(status: int | None, mime: str | None) -> ArchivedCapture:
        return ArchivedCapture(datetime(2016, 1, 1, tzinfo=UTC), URL, "x", None, status, mime)

    assert "redirect (HTTP 302)" in (index_verdict(capture(302, "text/html")) or "")
    assert "error (HTTP 404)" in (index_verdict(capture(404, "text/html")) or "")
    assert "application/pdf" in (index_verdict(capture(200, "application/pdf")) or "")
    assert index_verdict(capture(200, "text/html")) is None
    assert index_verdict(capture(None, "warc/revisit")) is None
    assert payload_digest("mgigf4grggf5gkv6vncbaxoe3or5btzc") == (
        "sha1:MGIGF4GRGGF5GKV6VNCBAXOE3OR5BTZC"
    )
    assert payload_digest("-") is None
    assert sha1_digest(b"abc") == "sha1:" + sha1_b32(b"abc")
    assert parse_memento_url(
        "http://127.0.0.1:5/web/20160101000000id_/http:/www.nato.int/a.htm?selectedLocale=en"
    ) == ("20160101000000", "http://www.nato.int/a.htm?selectedLocale=en")
    assert parse_memento_url("https://www.nato.int/cps/en/natohq/topics_50098.htm") is None


# -- the client ----------------------------------------------------------------------------------


def quick_fetcher(**kw: Any) -> Fetcher:
    return Fetcher(FetchSettings(retries=kw.pop("retries", 2), backoff=0.0, **kw))


def test_the_client_pages_through_the_cdx_and_keeps_only_the_page(fake: FakeWayback) -> None:
    with WaybackClient(quick_fetcher(), base_url=fake.base, interval=0, page_size=5) as client:
        listing = client.list_captures(URL, span=TimeSpan())
    assert listing.requests == 4  # 16 rows pass the query's filter, 5 a page
    assert listing.rows == 16 and listing.other_pages == 1  # the French page
    stamps = [c.captured_at.strftime("%Y%m%d%H%M%S") for c in listing.captures]
    assert stamps == sorted(stamps) and len(stamps) == 15
    assert "20240902000000" not in stamps and "20190102000000" not in stamps
    first = listing.captures[0]
    assert first.locator == f"{fake.base}/web/20120510083000id_/{HOST}:80/cps/en/natolive/{FILE}"
    assert first.digest == "sha1:" + sha1_b32(PAGE_2012.encode())
    with WaybackClient(quick_fetcher(), base_url=fake.base, interval=0) as client:
        spanned = client.list_captures(URL, span=parse_span("2018", "2018"))
    assert [c.captured_at.year for c in spanned.captures] == [2018, 2018, 2018]


def test_the_client_waits_the_interval_between_requests(fake: FakeWayback) -> None:
    interval = 0.15
    with WaybackClient(quick_fetcher(), base_url=fake.base, interval=interval) as client:
        listing = client.list_captures(URL, span=parse_span("2018", "2018"))
        for capture in listing.captures:
            with contextlib.suppress(FetchError):  # the archived bot check is refused
                client.fetch_capture(capture)
    starts = [t for t, path in fake.log if path != "/robots.txt"]
    assert len(starts) >= 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Seen from the server, a request that arrives late shortens the gap after it: on a busy
    # machine one gap may look short, but together they cannot be shorter than the intervals.
    assert sum(gaps) >= len(gaps) * interval - 0.05, gaps
    assert min(gaps) >= interval * 0.5, gaps


# -- the import, end to end ----------------------------------------------------------------------


def test_import_builds_the_history_from_the_archive(
    import_cli: Callable[..., Result],
    fake: FakeWayback,
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    result = import_cli()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == FIRST_SUMMARY
    assert versions(data_dir) == EXPECTED_VERSIONS

    archive = Archive(data_dir)
    history = list(archive.iter_versions(TARGET))
    assert [v.document.title for v in history][:2] == [
        "NATO cooperation with the Republic of Korea",
        "Relations with the Republic of Korea",
    ]
    assert history[0].document.last_updated is None
    assert [v.document.last_updated.text for v in history[1:] if v.document.last_updated] == [
        "06 Oct. 2016 17:16",
        "12 Sep. 2018 09:00",
        "20 Nov. 2023 11:00",
        "16 Jul. 2024 10:28",
        "20 Nov. 2023 11:00",
    ]
    for version in history:
        assert version.provenance.source is Source.WAYBACK
        assert version.captured_at == version.provenance.fetched_at
        assert version.id == version.captured_at.strftime("%Y-%m-%dT%H%M%SZ")
        memento = version.provenance.memento_url or ""
        assert memento.startswith(fake.base + "/web/" + version.captured_at.strftime("%Y%m%d"))
        assert "id_/" in memento and version.provenance.url == URL
    # The 2016 page came from the fr locale URL; the Wayback-style copy of it read the same.
    assert "selectedLocale=en" in (history[1].provenance.memento_url or "")

    # Every listed capture has one line; what was not fetched was never requested.
    lines = check_lines(data_dir)
    assert len(lines) == 14  # 15 listed, less the one that could not be fetched
    assert all(line["source"] == "wayback" and line["memento"] for line in lines)
    errors = {line["at"]: line["error"] for line in lines if line["status"] == "error"}
    assert "redirect (HTTP 301)" in errors["2014-03-01T00:00:00Z"]
    assert "error (HTTP 404)" in errors["2015-06-01T00:00:00Z"]
    assert "bot check" in errors["2018-03-01T00:00:00Z"]
    assert "error page" in errors["2018-06-01T00:00:00Z"]
    assert "instead of this capture" in errors["2019-01-01T00:00:00Z"]
    fetched = fake.fetched()
    for stamp in ("20130201120000", "20140301000000", "20150601000000", "20240801000000",
                  "20240901000000", "20240902000000"):  # fmt: skip
        assert not any(f"/web/{stamp}" in path for path in fetched), stamp
    assert "failed to fetch" in result.stderr and "20200101" not in json.dumps(lines)

    # Reports are marked imported; `log` marks the versions; verify passes.
    report = json.loads(archive.site.read_report(TARGET, EXPECTED_VERSIONS[2], "json"))
    assert report["old"]["imported"] and report["new"]["imported"]
    log = run_cli("log")
    assert log.exit_code == 0
    assert log.stdout.count("[wayback]") == len(EXPECTED_VERSIONS)
    assert run_cli("verify").exit_code == 0


def test_a_rerun_adds_nothing_and_retries_only_what_failed(
    import_cli: Callable[..., Result], fake: FakeWayback, data_dir: Path
) -> None:
    assert import_cli().exit_code == 0
    before = tree(data_dir)
    fake.log.clear()
    again = import_cli()
    assert again.exit_code == 0, again.stderr
    assert again.stdout.strip() == (
        "republic-of-korea: 15 captures listed, 0 new snapshots imported (14 already imported, "
        "1 failed to fetch); 6 versions (6 imported); reports rebuilt"
    )
    assert fake.fetched() == [f"/web/20200101000000id_/https://www.nato.int/cps/en/natohq/{FILE}"]
    assert tree(data_dir) == before

    # The archive comes back: the lost capture is its own digest, same document, no version.
    for page in fake.pages:
        page.gone = False
    third = import_cli()
    assert "1 new snapshot imported (14 already imported)" in third.stdout
    assert versions(data_dir) == EXPECTED_VERSIONS


def test_the_archive_after_an_import_replays_byte_identically(
    import_cli: Callable[..., Result], data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    assert import_cli().exit_code == 0
    before = tree(data_dir)
    replay = run_cli("replay")
    assert replay.exit_code == 0, replay.stderr
    assert "no version changed" in replay.stdout
    assert tree(data_dir) == before


def test_limit_and_span_import_in_bites_that_add_up_to_the_whole(
    import_cli: Callable[..., Result], fake: FakeWayback, data_dir: Path, tmp_path: Path
) -> None:
    first = import_cli("--limit", "2", "--to", "2018")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip() == (
        "republic-of-korea: 9 captures listed, 2 new snapshots imported (1 duplicate by digest, "
        "2 not articles, 4 left for the next run); 2 versions (2 imported); reports rebuilt"
    )
    assert versions(data_dir) == EXPECTED_VERSIONS[:2]
    second = import_cli("--from", "2013")
    assert second.exit_code == 0, second.stderr
    assert versions(data_dir) == EXPECTED_VERSIONS
    assert "(4 already imported, " in second.stdout  # 2013 to 2016, settled by the first

    whole = tmp_path / "whole"
    whole_run = invoke(whole, "import-wayback", "--interval", "0", "--wayback-url", fake.base)
    assert whole_run.exit_code == 0, whole_run.stderr
    assert whole_run.stdout.strip() == FIRST_SUMMARY
    assert _history(whole) == _history(data_dir)


def _history(data_dir: Path) -> dict[str, bytes]:
    """Versions, reports and the site: what an import must make the same however it ran."""
    return {k: v for k, v in tree(data_dir).items() if not k.endswith("checks.jsonl")}


def test_imported_history_interleaves_with_a_live_check_made_before(
    import_cli: Callable[..., Result],
    fake: FakeWayback,
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    # A live check in March 2020 saw a text the Wayback Machine never captured (served by the
    # same local server: one server per test).
    fake.live[f"/cps/en/natohq/{FILE}"] = PAGE_LIVE_2020.encode("utf-8")
    url = f"{fake.base}/cps/en/natohq/{FILE}"
    archive = Archive(data_dir)
    with Fetcher(FetchSettings(retries=1)) as fetcher:
        live = check_target(
            Target(TARGET, url),
            archive=archive,
            fetch=fetcher,
            now=Clock(datetime(2020, 3, 2, 16, 0, tzinfo=UTC)),
        )
    assert live.status is CheckStatus.NEW and live.version == "2020-03-02T160000Z"

    result = import_cli()
    assert result.exit_code == 0, result.stderr
    assert "7 versions (6 imported)" in result.stdout
    ids = versions(data_dir)
    assert ids == [*EXPECTED_VERSIONS[:3], "2020-03-02T160000Z", *EXPECTED_VERSIONS[3:]]
    kept = archive.read_version(TARGET, "2020-03-02T160000Z")
    assert kept.provenance.source is Source.LIVE and kept.provenance.memento_url is None
    into = json.loads(archive.site.read_report(TARGET, "2020-03-02T160000Z", "json"))
    out = json.loads(archive.site.read_report(TARGET, "2023-11-20T100000Z", "json"))
    assert (into["old"]["id"], into["old"]["imported"], into["new"]["imported"]) == (
        "2018-09-12T070000Z",
        True,
        False,
    )
    assert (out["old"]["id"], out["old"]["imported"]) == ("2020-03-02T160000Z", False)
    log = run_cli("log").stdout.splitlines()
    assert [("[wayback]" in line) for line in log] == [True, True, True, False, True, True, True]
    # The live check stays the last check `run` goes by, and the archive is sound.
    assert archive.last_check(TARGET).started_at == datetime(2020, 3, 2, 16, 0, tzinfo=UTC)
    assert run_cli("verify").exit_code == 0


def test_a_capture_whose_bytes_a_live_check_already_stored_is_not_fetched(
    import_cli: Callable[..., Result], fake: FakeWayback, data_dir: Path
) -> None:
    # A live check on 20 July 2024 stored the very bytes the archive captured on 17 July.
    fake.live[f"/cps/en/natohq/{FILE}"] = PAGE_2024.encode("utf-8")
    archive = Archive(data_dir)
    with Fetcher(FetchSettings(retries=1)) as fetcher:

        def via_local_server(url: str, *, validators: Validators | None = None) -> FetchResult:
            # The real fetcher, routed to 127.0.0.1 in place of www.nato.int: the check reads
            # the page as the target's URL, exactly as a check of the real site does.
            local = url.replace("https://www.nato.int", fake.base)
            result = fetcher(local, validators=validators)
            return replace(result, url=url, final_url=url)

        check_target(
            DEFAULT_TARGET,
            archive=archive,
            fetch=via_local_server,
            now=Clock(datetime(2024, 7, 20, 9, 0, tzinfo=UTC)),
        )
    live_raw = archive.read_version(TARGET, "2024-07-20T090000Z").provenance.raw_sha256
    result = import_cli()
    assert result.exit_code == 0, result.stderr
    assert not any("/web/20240717060000id_/" in path for path in fake.fetched())
    assert "5 new snapshots imported (4 duplicates by digest" in result.stdout
    # The page was first seen on the 17th: that capture is the version now, with the bytes
    # the live check stored; the live check's capture of the same document folds into it.
    first_seen = archive.read_version(TARGET, "2024-07-17T060000Z")
    assert first_seen.provenance.raw_sha256 == live_raw
    assert first_seen.provenance.source is Source.WAYBACK
    assert "2024-07-20T090000Z" not in versions(data_dir)
    assert verify(archive).ok


def test_a_persistent_429_stops_fetching_and_leaves_the_rest(
    import_cli: Callable[..., Result], fake: FakeWayback, data_dir: Path
) -> None:
    fake.throttle["20161007101500"] = [429] * 10  # more than the fetcher's tries
    fake.throttle["20120510083000"] = [429]  # once: Retry-After 0, then served
    result = import_cli()
    assert result.exit_code == 0, result.stderr
    assert "rate-limiting" in result.stderr
    assert "1 new snapshot imported" in result.stdout
    assert "1 failed to fetch" in result.stdout and "left for the next run" in result.stdout
    assert versions(data_dir) == EXPECTED_VERSIONS[:1]
    fake.throttle.clear()
    assert import_cli().exit_code == 0
    assert versions(data_dir) == EXPECTED_VERSIONS


def test_an_unreachable_cdx_is_a_one_line_error(
    run_cli: Callable[..., Result], fake: FakeWayback, data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text("[fetch]\nretries = 1\n", encoding="utf-8")
    fake.cdx_status = 503
    result = run_cli("import-wayback", "--interval", "0", "--wayback-url", fake.base)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nato-watch: error: cannot list the captures")
    assert "503" in lines[0]
    assert not (data_dir / "snapshots").exists()

    refused = run_cli("import-wayback", "--wayback-url", "http://127.0.0.1:9", "--interval", "0")
    assert refused.exit_code == 1 and "refused" in refused.stderr
    bad = run_cli("import-wayback", "--wayback-url", "ftp://example.org")
    assert bad.exit_code == 2 and "not an http(s) base URL" in bad.stderr
    when = run_cli("import-wayback", "--wayback-url", fake.base, "--from", "last year")
    assert when.exit_code == 2 and "cannot read --from 'last year'" in when.stderr


# -- kill safety ---------------------------------------------------------------------------------


def _command(data_dir: Path, base: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "--data-dir", str(data_dir), "import-wayback",
            "--wayback-url", base, *args]  # fmt: skip


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_a_killed_import_leaves_a_valid_archive_and_the_next_run_resumes(
    fake: FakeWayback, tmp_path: Path
) -> None:
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen(
        _command(killed, fake.base, "--interval", "0.3"),
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = 0
    for line in proc.stderr:
        if re.search(r": \d+/15 \S+ imported$", line.strip()):
            seen += 1
            if seen == 3:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert seen == 3, "the import ended before it could be killed"
    partial = Archive(killed)
    assert verify(partial).ok
    assert len(partial.version_ids(TARGET)) < len(EXPECTED_VERSIONS)

    resumed = subprocess.run(
        _command(killed, fake.base, "--interval", "0"),
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "already imported" in resumed.stdout
    uninterrupted = subprocess.run(
        _command(whole, fake.base, "--interval", "0"),
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert uninterrupted.stdout.strip() == FIRST_SUMMARY
    assert _history(killed) == _history(whole)

    def settled(data_dir: Path) -> list[dict[str, Any]]:
        # `prev` hashes the line before, `ms` and all, so it differs wherever `ms` does.
        return [
            {k: v for k, v in line.items() if k not in ("ms", "prev")}
            for line in check_lines(data_dir)
        ]

    assert settled(killed) == settled(whole)
    assert verify(Archive(killed)).ok
