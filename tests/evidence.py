"""The archives the evidence tests (cite, bundle) work on, built through the real CLI: one by
live checks of a local site, one imported from a stand-in Wayback Machine on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

from click.testing import Result
from conftest import Clock, Site
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TARGET = "republic-of-korea"
PATH = "/cps/en/natohq/topics_50098.htm"
NATO_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
START = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
EDIT = {
    "stamp": "18 Jul. 2024 09:15",
    "replace_text": {"steadfast in supporting": "unwavering in its support for"},
}
LATER_EDIT = {"stamp": "20 Jul. 2024 14:02", "replace_text": {"Republic of Korea": "ROK"}}


def live_history(site: Site, run_cli: Callable[..., Result], clock: Clock) -> str:
    """Three versions by live checks; the second also seen by two unchanged checks (one with
    other bytes, one with the same bytes again). Returns the URL checked.

    2024-07-16 08:30  version 1
    2024-07-17 08:30  version 2 (new stamp, one edit)
    2024-07-17 14:30  unchanged, other bytes (a comment another server node adds)
    2024-07-17 20:30  unchanged, the same bytes as 14:30
    2024-07-18 08:30  version 3
    """
    clock.now = START
    url = site.url(PATH)
    content = load_content()
    second = edited(content, **EDIT)
    steps = [
        (0, nato_page(content)),
        (24, nato_page(second)),
        (6, nato_page(second) + "\n<!-- served by node 2 -->\n"),
        (6, nato_page(second) + "\n<!-- served by node 2 -->\n"),
        (12, nato_page(edited(second, **LATER_EDIT))),
    ]
    for hours, page in steps:
        clock.advance(hours=hours)
        site.put(PATH, page)
        result = run_cli("check", "--url", url, "--target", TARGET, now=clock)
        assert result.exit_code == 0, result.output
    return url


class FakeWayback:
    """A Wayback Machine on 127.0.0.1: a CDX listing and the `id_` captures of the page."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.captures: dict[str, bytes] = {}
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def base(self) -> str:
        """The stand-in's base URL (what `--wayback-url` takes)."""
        return self.server.url_for("").rstrip("/")

    def memento(self, timestamp: str) -> str:
        """Where the stand-in serves the capture of `timestamp`."""
        return f"{self.base}/web/{timestamp}id_/{NATO_URL}"

    def _handle(self, request: Request) -> Response:
        if request.path == "/cdx/search/cdx":
            fields = request.args["fl"].split(",")
            rows = [fields]
            for timestamp, body in sorted(self.captures.items()):
                row = {
                    "timestamp": timestamp,
                    "original": NATO_URL,
                    "statuscode": "200",
                    "mimetype": "text/html",
                    "digest": "",
                    "length": str(len(body)),
                }
                rows.append([row[name] for name in fields])
            return Response(json.dumps(rows), content_type="text/plain")
        match = re.fullmatch(r"/web/(\d{14})id_/.*", request.path)
        if match and match.group(1) in self.captures:
            body = self.captures[match.group(1)]
            return Response(body, content_type="text/html; charset=utf-8")
        return Response("not found", status=404)


def wayback_history(fake: FakeWayback, run_cli: Callable[..., Result]) -> None:
    """Two versions imported from the stand-in: 2024-07-17 06:00 and 2024-08-01 00:00 UTC."""
    content = load_content()
    fake.captures["20240717060000"] = nato_page(content).encode("utf-8")
    fake.captures["20240801000000"] = nato_page(edited(content, **EDIT)).encode("utf-8")
    result = run_cli("import-wayback", "--interval", "0", env={"NATO_WATCH_WAYBACK_URL": fake.base})
    assert result.exit_code == 0, result.output
