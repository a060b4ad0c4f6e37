"""The Fetcher against real HTTP servers on 127.0.0.1.

pytest-httpserver (werkzeug) serves the well-formed cases; `RawServer`, a stdlib
ThreadingHTTPServer whose handlers write raw bytes, serves what werkzeug cannot: a
Content-Length larger than the body, a broken chunked stream, a slow or dripping server, a
response without a Content-Type. Timeouts and backoff are made short through `FetchSettings`.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from pages import load_content, nato_page
from pytest_httpserver import HTTPServer
from werkzeug import Request

from scraper.errors import BlockedError, ConfigError, FetchError
from scraper.fetching.http import (
    ROBOTS_MAX_BYTES,
    CharsetSource,
    ConnectionTrouble,
    Fetcher,
    FetchResult,
    RetryPolicy,
    RobotsPolicy,
    RobotsReply,
    RobotsUnreadable,
    TryFailed,
    TryFailure,
    Validators,
    decode_body,
    error_for,
    failure_for_connection,
    failure_for_status,
    fetch,
    is_bot_check,
    looks_like_html,
    parse_content_type,
    parse_retry_after,
    require_html,
    require_http_url,
)
from scraper.fetching.settings import DEFAULT_USER_AGENT, FetchSettings

PAGE = nato_page(load_content())
PAGE_BYTES = PAGE.encode("utf-8")
HTML = "text/html; charset=utf-8"

# A Cloudflare JS challenge as it is served (trimmed): a 403/503 with a "Just a moment..."
# title and the cf-chl markers.
CHALLENGE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head><body>
<div class="main-wrapper" role="main"><div class="main-content">
<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.nato.int",
cType: 'managed'};var a = document.createElement('script');
a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""

AKAMAI_DENIED = b"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;www&#46;nato&#46;int&#47;" on this server.<P>
Reference&#32;&#35;18&#46;5c1e1002&#46;1721118480&#46;1a2b3c4d
</BODY>
</HTML>"""


# -- servers and fixtures --------------------------------------------------------------------


Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    """A threading server that does not print a traceback when the client hangs up on it
    (the fetcher does that on purpose, e.g. past the size cap)."""

    daemon_threads = True  # slow handlers must not hold up the end of a test
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that went away; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class RawServer:
    """A stdlib HTTP/1.1 server on 127.0.0.1 whose handlers write whatever bytes they like."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        routes, hits = self.routes, self.hits

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                hits[path] = hits.get(path, 0) + 1
                handler = routes.get(path)
                if handler is None:
                    send(self, 404, b"not found", content_type="text/plain")
                    return
                handler(self)

        self.server = _QuietServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    *,
    content_type: str | None = HTML,
    headers: dict[str, str] | None = None,
    content_length: int | None = None,
) -> None:
    """Write a whole response; `content_length` may lie."""
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header(
        "Content-Length", str(len(body) if content_length is None else content_length)
    )
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    if content_length is not None and content_length != len(body):
        handler.close_connection = True


def send_chunked(
    handler: BaseHTTPRequestHandler, chunks: Iterator[bytes], *, finish: bool = True
) -> None:
    """Write a chunked 200 response; without `finish` the stream just stops mid-chunk."""
    handler.send_response(200)
    handler.send_header("Content-Type", HTML)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for chunk in chunks:
        handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        handler.wfile.flush()
    if finish:
        handler.wfile.write(b"0\r\n\r\n")
    else:
        handler.wfile.write(b"400\r\n<p>the connection dies here")
        handler.close_connection = True
    handler.wfile.flush()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    """A raw local server, stopped after the test."""
    server = RawServer()
    yield server
    server.close()


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
def log() -> list[str]:
    """The fetcher's log lines."""
    return []


@pytest.fixture
def fetcher(settings: FetchSettings, log: list[str]) -> Iterator[Fetcher]:
    """A Fetcher with the test settings, logging into `log`."""
    with Fetcher(settings, log=log.append) as f:
        yield f


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    """The requests `server` received for `path`."""
    return [request for request, _response in server.log if request.path == path]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- success ---------------------------------------------------------------------------------


def test_200_returns_the_page_with_honest_identity(
    httpserver: HTTPServer, fetcher: Fetcher, log: list[str]
) -> None:
    httpserver.expect_request("/cps/en/natohq/topics_50098.htm").respond_with_data(
        PAGE_BYTES,
        content_type=HTML,
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 16 Jul 2024 08:28:00 GMT"},
    )
    url = httpserver.url_for("/cps/en/natohq/topics_50098.htm")

    result = fetcher(url)

    assert result.status == 200
    assert result.body == PAGE_BYTES
    assert result.text == PAGE
    assert result.url == result.final_url == url
    assert result.redirects == ()
    assert result.attempts == 1
    assert result.not_modified is False
    assert result.encoding == "utf-8"
    assert result.charset_source is CharsetSource.HEADER
    assert result.content_type == HTML
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 16 Jul 2024 08:28:00 GMT"
    assert result.body_sha256 == hashlib.sha256(PAGE_BYTES).hexdigest()
    assert result.fetched_at.tzinfo is UTC
    assert abs(result.fetched_at - datetime.now(UTC)) < timedelta(seconds=10)
    (request,) = requests_to(httpserver, "/cps/en/natohq/topics_50098.htm")
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("nato-watch/")
    assert "gzip" in request.headers["Accept-Encoding"]
    assert "If-None-Match" not in request.headers
    assert log == [f"attempt 1/3: GET {url} -> HTTP 200, {len(PAGE_BYTES)} bytes"]


def test_configured_user_agent_is_sent(httpserver: HTTPServer, settings: FetchSettings) -> None:
    httpserver.expect_request(
        "/p", headers={"User-Agent": "my-watch/2.0 (ops@example.org)"}
    ).respond_with_data(PAGE_BYTES, content_type=HTML)
    custom = replace(settings, user_agent="my-watch/2.0 (ops@example.org)")

    result = fetch(httpserver.url_for("/p"), settings=custom)

    assert result.body == PAGE_BYTES


def test_gzip_body_is_stored_decompressed(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data(
        gzip.compress(PAGE_BYTES), content_type=HTML, headers={"Content-Encoding": "gzip"}
    )

    result = fetcher(httpserver.url_for("/p"))

    assert result.body == PAGE_BYTES
    assert result.text == PAGE


def test_connection_and_robots_cache_are_reused_across_calls(
    httpserver: HTTPServer, settings: FetchSettings
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)
    polite = replace(settings, respect_robots=True)

    with Fetcher(polite) as fetcher:
        for _ in range(3):
            assert fetcher(httpserver.url_for("/p")).status == 200

    assert len(requests_to(httpserver, "/robots.txt")) == 1
    assert len(requests_to(httpserver, "/p")) == 3


def test_one_keep_alive_connection_serves_a_run(raw_server: RawServer, fetcher: Fetcher) -> None:
    ports: list[int] = []

    def page(h: BaseHTTPRequestHandler) -> None:
        ports.append(h.client_address[1])
        send(h, 200, PAGE_BYTES)

    def chunked(h: BaseHTTPRequestHandler) -> None:
        ports.append(h.client_address[1])
        send_chunked(h, iter([PAGE_BYTES[:5000], PAGE_BYTES[5000:]]))

    raw_server.routes.update({"/p": page, "/c": chunked})

    for path in ("/p", "/c", "/p", "/c"):
        assert fetcher(raw_server.url(path)).body == PAGE_BYTES

    assert len(ports) == 4
    assert len(set(ports)) == 1


# -- redirects -------------------------------------------------------------------------------


def test_redirect_chain_is_followed_and_recorded(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/cps/en/natolive/topics_50098.htm").respond_with_data(
        "", status=301, headers={"Location": "/cps/en/natohq/topics_50098.htm"}
    )
    httpserver.expect_request("/cps/en/natohq/topics_50098.htm").respond_with_data(
        "",
        status=302,
        headers={"Location": httpserver.url_for("/en/what-we-do/relations-with-korea")},
    )
    httpserver.expect_request("/en/what-we-do/relations-with-korea").respond_with_data(
        PAGE_BYTES, content_type=HTML
    )
    url = httpserver.url_for("/cps/en/natolive/topics_50098.htm")

    result = fetcher(url)

    assert result.status == 200
    assert result.url == url
    assert result.final_url == httpserver.url_for("/en/what-we-do/relations-with-korea")
    assert result.redirects == (url, httpserver.url_for("/cps/en/natohq/topics_50098.htm"))
    assert result.notes == ()
    assert result.body == PAGE_BYTES


def test_redirect_to_another_host_is_allowed_and_noted(
    httpserver: HTTPServer, raw_server: RawServer, fetcher: Fetcher
) -> None:
    raw_server.routes["/new"] = lambda h: send(h, 200, PAGE_BYTES)
    target = raw_server.url("/new")
    old_host = urlsplit(httpserver.url_for("/")).netloc
    new_host = urlsplit(target).netloc
    assert old_host != new_host
    httpserver.expect_request("/old").respond_with_data(
        "", status=308, headers={"Location": target}
    )

    result = fetcher(httpserver.url_for("/old"))

    assert result.final_url == target
    assert result.body == PAGE_BYTES
    assert len(result.notes) == 1
    assert result.notes[0] == f"redirected from host {old_host} to host {new_host} ({target})"
    assert result.redirect_hosts == (old_host, new_host)


def test_too_many_redirects_fail_without_retrying(
    httpserver: HTTPServer, settings: FetchSettings
) -> None:
    for n in range(4):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=302, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request("/r4").respond_with_data(PAGE_BYTES, content_type=HTML)
    strict = replace(settings, max_redirects=3)

    with pytest.raises(FetchError) as caught:
        fetch(httpserver.url_for("/r0"), settings=strict)

    err = caught.value
    assert not isinstance(err, BlockedError)
    assert str(err) == (
        f"GET {httpserver.url_for('/r0')} was redirected more than 3 times (the last to "
        f"{httpserver.url_for('/r4')}); raise max_redirects in the [fetch] config if the chain "
        "is legitimate, or watch the URL it ends at"
    )
    assert err.attempts == 1
    assert err.status == 302
    assert err.final_url == httpserver.url_for("/r3")
    assert requests_to(httpserver, "/r4") == []
    # Within the limit, the same chain works.
    assert fetch(httpserver.url_for("/r0"), settings=settings).final_url == httpserver.url_for(
        "/r4"
    )


def test_redirect_loop_is_named(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})

    with pytest.raises(FetchError, match=r"was redirected in a loop: .*/a -> .*/b -> .*/a;"):
        fetcher(httpserver.url_for("/a"))


# -- conditional GET -------------------------------------------------------------------------


def test_304_with_etag(httpserver: HTTPServer, fetcher: Fetcher, log: list[str]) -> None:
    httpserver.expect_request("/p", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/p").respond_with_data(
        PAGE_BYTES, content_type=HTML, headers={"ETag": '"v2"'}
    )
    url = httpserver.url_for("/p")

    result = fetcher(url, validators=Validators(etag='"v1"'))

    assert result.not_modified is True
    assert result.status == 304
    assert result.body == b""
    assert result.text == ""
    assert result.etag == '"v1"'
    assert log == [f"attempt 1/3: GET {url} -> HTTP 304 not modified"]
    # A stale validator gets the page.
    changed = fetcher(url, validators=Validators(etag='"v0"'))
    assert changed.not_modified is False
    assert changed.etag == '"v2"'


def test_304_with_last_modified(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    stamp = "Tue, 16 Jul 2024 08:28:00 GMT"
    httpserver.expect_request("/p", headers={"If-Modified-Since": stamp}).respond_with_data(
        "", status=304, headers={"Last-Modified": stamp}
    )

    result = fetcher(httpserver.url_for("/p"), validators=Validators(last_modified=stamp))

    assert result.not_modified is True
    assert result.last_modified == stamp
    (request,) = requests_to(httpserver, "/p")
    assert "If-None-Match" not in request.headers


def test_304_to_an_unconditional_request_is_an_error(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    httpserver.expect_request("/p").respond_with_data("", status=304)

    with pytest.raises(
        FetchError, match="HTTP 304 Not Modified to a request that was not conditional"
    ) as caught:
        fetcher(httpserver.url_for("/p"))

    assert caught.value.attempts == 3


# -- refusals --------------------------------------------------------------------------------


def test_403_is_blocked_and_not_retried(
    httpserver: HTTPServer, fetcher: Fetcher, log: list[str]
) -> None:
    body = b"<html><body><h1>Forbidden</h1></body></html>"
    httpserver.expect_request("/p").respond_with_data(body, status=403, content_type=HTML)
    url = httpserver.url_for("/p")

    with pytest.raises(BlockedError) as caught:
        fetcher(url)

    err = caught.value
    assert str(err) == (
        f"GET {url} returned HTTP 403: the site refused this client; set another User-Agent "
        "with --user-agent or check less often"
    )
    assert err.status == 403
    assert err.attempts == 1
    assert err.body_size == len(body)
    assert err.body_sha256 == hashlib.sha256(body).hexdigest()
    assert len(requests_to(httpserver, "/p")) == 1
    assert log == [f"attempt 1/3: GET {url} -> HTTP 403; giving up"]


@pytest.mark.parametrize(
    ("status", "body", "title"),
    [
        (403, CHALLENGE, "Just a moment..."),
        (503, CHALLENGE, "Just a moment..."),
        (403, AKAMAI_DENIED, "Access Denied"),
    ],
)
def test_bot_check_is_blocked_and_says_so(
    httpserver: HTTPServer, fetcher: Fetcher, status: int, body: bytes, title: str
) -> None:
    httpserver.expect_request("/p").respond_with_data(body, status=status, content_type=HTML)
    url = httpserver.url_for("/p")

    with pytest.raises(BlockedError) as caught:
        fetcher(url)

    assert str(caught.value).startswith(
        f'GET {url} returned HTTP {status}: the site served a bot check ("{title}") instead of the page;'
    )
    assert caught.value.body_size == len(body)
    # A challenge answers the same way every time: retrying only annoys the site.
    assert len(requests_to(httpserver, "/p")) == 1


def test_bot_check_served_with_200_is_not_a_page(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data(CHALLENGE, status=200, content_type=HTML)

    with pytest.raises(BlockedError, match=r"returned HTTP 200: the site served a bot check"):
        fetcher(httpserver.url_for("/p"))


def test_404_is_not_retried_and_suggests_the_page_moved(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    httpserver.expect_request("/p").respond_with_data(
        "<h1>Page not found</h1>", status=404, content_type=HTML
    )
    url = httpserver.url_for("/p")

    with pytest.raises(FetchError) as caught:
        fetcher(url)

    err = caught.value
    assert not isinstance(err, BlockedError)
    assert str(err).startswith(
        f"GET {url} returned HTTP 404 NOT FOUND: the page is not there; it may have moved"
    )
    assert err.status == 404
    assert err.attempts == 1
    assert err.body_size == len("<h1>Page not found</h1>")


# -- retries ---------------------------------------------------------------------------------


def test_429_with_retry_after_seconds_then_200(
    httpserver: HTTPServer, settings: FetchSettings, log: list[str]
) -> None:
    httpserver.expect_oneshot_request("/p").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}, content_type="text/plain"
    )
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)
    patient = replace(settings, max_backoff=5.0)
    url = httpserver.url_for("/p")

    started = time.monotonic()
    with Fetcher(patient, log=log.append) as fetcher:
        result = fetcher(url)
    elapsed = time.monotonic() - started

    assert result.status == 200
    assert result.attempts == 2
    assert 1.0 <= elapsed < 3.0
    assert log == [
        f"attempt 1/3: GET {url} -> HTTP 429; retrying in 1.0 s",
        f"attempt 2/3: GET {url} -> HTTP 200, {len(PAGE_BYTES)} bytes",
    ]


def test_retry_after_http_date_is_capped_by_max_backoff(
    httpserver: HTTPServer, settings: FetchSettings, log: list[str]
) -> None:
    in_an_hour = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    httpserver.expect_oneshot_request("/p").respond_with_data(
        "", status=503, headers={"Retry-After": in_an_hour}
    )
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)
    capped = replace(settings, max_backoff=0.2)

    started = time.monotonic()
    with Fetcher(capped, log=log.append) as fetcher:
        result = fetcher(httpserver.url_for("/p"))

    assert result.attempts == 2
    assert 0.2 <= time.monotonic() - started < 2.0
    assert log[0].endswith("-> HTTP 503; retrying in 0.2 s")


def test_429_forever_is_blocked_after_all_tries(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data("", status=429)
    url = httpserver.url_for("/p")

    with pytest.raises(BlockedError) as caught:
        fetcher(url)

    assert str(caught.value).startswith(
        f"GET {url} returned HTTP 429 Too Many Requests: the site is rate-limiting this client (3 tries); "
        "check less often"
    )
    assert caught.value.attempts == 3
    assert len(requests_to(httpserver, "/p")) == 3


def test_500_twice_then_200(httpserver: HTTPServer, fetcher: Fetcher, log: list[str]) -> None:
    httpserver.expect_oneshot_request("/p").respond_with_data("oops", status=500)
    httpserver.expect_oneshot_request("/p").respond_with_data("oops", status=500)
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)
    url = httpserver.url_for("/p")

    result = fetcher(url)

    assert result.body == PAGE_BYTES
    assert result.attempts == 3
    assert [line.split(" -> ")[1].split(";")[0] for line in log] == [
        "HTTP 500",
        "HTTP 500",
        f"HTTP 200, {len(PAGE_BYTES)} bytes",
    ]
    assert all("retrying in" in line for line in log[:2])


def test_503_forever_gives_up_after_retries_within_bounded_time(
    httpserver: HTTPServer, settings: FetchSettings, log: list[str]
) -> None:
    httpserver.expect_request("/p").respond_with_data(
        "maintenance", status=503, content_type="text/plain"
    )
    url = httpserver.url_for("/p")
    four = replace(settings, retries=4, backoff=0.05, max_backoff=0.08)

    started = time.monotonic()
    with Fetcher(four, log=log.append) as fetcher, pytest.raises(FetchError) as caught:
        fetcher(url)
    elapsed = time.monotonic() - started

    err = caught.value
    assert not isinstance(err, BlockedError)
    assert str(err) == (
        f"GET {url} returned HTTP 503 SERVICE UNAVAILABLE (4 tries); the site is having trouble; "
        "the next check will try again"
    )
    assert err.attempts == 4
    assert err.status == 503
    assert err.body_size == len("maintenance")
    assert len(requests_to(httpserver, "/p")) == 4
    assert len(log) == 4
    assert log[-1].endswith("giving up")
    # Waits of at least half of 0.05, 0.08, 0.08 (equal jitter, capped); never more than the caps.
    assert 0.1 <= elapsed < 1.5


def test_501_is_not_retried(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data("", status=501)

    with pytest.raises(FetchError) as caught:
        fetcher(httpserver.url_for("/p"))

    assert caught.value.attempts == 1


def test_stop_event_cuts_the_backoff_short(httpserver: HTTPServer, settings: FetchSettings) -> None:
    httpserver.expect_request("/p").respond_with_data("", status=503)
    stop = threading.Event()
    stop.set()
    slow = replace(settings, backoff=30.0, max_backoff=60.0)

    started = time.monotonic()
    with Fetcher(slow, stop=stop) as fetcher, pytest.raises(FetchError) as caught:
        fetcher(httpserver.url_for("/p"))

    assert time.monotonic() - started < 2.0
    assert caught.value.attempts == 1


# -- the network -----------------------------------------------------------------------------


def test_slow_server_past_the_read_timeout(raw_server: RawServer, settings: FetchSettings) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        time.sleep(1.0)
        send(h, 200, PAGE_BYTES)

    raw_server.routes["/p"] = slow
    quick = replace(settings, read_timeout=0.2, retries=2)
    url = raw_server.url("/p")

    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url, settings=quick)

    assert time.monotonic() - started < 1.5
    assert str(caught.value) == (
        f"GET {url} timed out after 0.2 s waiting for a response (2 tries); the site may be slow "
        "or unreachable; raise read_timeout in the [fetch] config if it is just slow"
    )
    assert caught.value.attempts == 2
    assert caught.value.status is None


def test_body_that_stalls_midway_times_out_and_records_what_arrived(
    raw_server: RawServer, settings: FetchSettings
) -> None:
    def stall(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", HTML)
        h.send_header("Content-Length", str(len(PAGE_BYTES)))
        h.end_headers()
        h.wfile.write(PAGE_BYTES[:100])
        h.wfile.flush()
        time.sleep(1.0)

    raw_server.routes["/p"] = stall
    quick = replace(settings, read_timeout=0.2, retries=1)

    with pytest.raises(
        FetchError, match=r"timed out after 0\.2 s in the middle of the body"
    ) as caught:
        fetch(raw_server.url("/p"), settings=quick)

    assert caught.value.status == 200
    assert caught.value.body_size == 100
    assert caught.value.body_sha256 == hashlib.sha256(PAGE_BYTES[:100]).hexdigest()


def test_dripping_server_is_cut_off_by_total_timeout(
    raw_server: RawServer, settings: FetchSettings
) -> None:
    def drip(h: BaseHTTPRequestHandler) -> None:
        def chunks() -> Iterator[bytes]:
            for _ in range(40):
                time.sleep(0.05)
                yield b"<p>x</p>"

        send_chunked(h, chunks())

    raw_server.routes["/p"] = drip
    budget = replace(settings, total_timeout=0.3, retries=1)

    started = time.monotonic()
    with pytest.raises(
        FetchError, match=r"took longer than 0.3 s \(total_timeout\) to send the page"
    ):
        fetch(raw_server.url("/p"), settings=budget)
    assert time.monotonic() - started < 1.0


def test_connection_refused_is_retried_and_explained(
    settings: FetchSettings, log: list[str]
) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/cps/en/natohq/topics_50098.htm"

    with Fetcher(settings, log=log.append) as fetcher, pytest.raises(FetchError) as caught:
        fetcher(url)

    assert str(caught.value) == (
        f"GET {url} failed: 127.0.0.1:{port} refused the connection (3 tries); the site (or the "
        "network path to it) is down; the next check will try again"
    )
    assert caught.value.attempts == 3
    assert caught.value.body_size is None
    assert len(log) == 3


def test_connect_timeout_is_explained(settings: FetchSettings) -> None:
    # A listening socket whose accept queue is full: the kernel drops further SYNs, so a
    # connect hangs like one to a host that is unreachable.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.05)
        quick = replace(settings, connect_timeout=0.2, retries=2)
        try:
            with pytest.raises(FetchError) as caught:
                fetch(f"http://127.0.0.1:{port}/p", settings=quick)
        finally:
            for filler in fillers:
                filler.close()

    assert (
        f"failed: connecting to 127.0.0.1:{port} timed out after 0.2 s (2 tries); no network"
        in str(caught.value)
    )


def test_unsupported_url_is_refused_before_any_request(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="only http:// and https:// URLs") as caught:
        fetcher("file:///etc/passwd")
    assert caught.value.attempts == 0


# -- body guards -----------------------------------------------------------------------------


def test_body_larger_than_the_cap_is_refused_while_streaming(
    raw_server: RawServer, settings: FetchSettings
) -> None:
    raw_server.routes["/p"] = lambda h: send_chunked(h, iter([b"<html>" + b"x" * 4000] * 50))
    capped = replace(settings, max_bytes=10_000)

    with pytest.raises(FetchError) as caught:
        fetch(raw_server.url("/p"), settings=capped)

    err = caught.value
    assert (
        "returned a body larger than the cap of 10000 bytes (max_bytes = 10000; stopped after"
        in str(err)
    )
    assert "raise max_bytes in the [fetch] config" in str(err)
    assert err.attempts == 1
    # It stopped reading soon after the cap, not at the end of the 200 KB body.
    assert err.body_size is not None
    assert 10_000 < err.body_size < 10_000 + 70_000


def test_declared_content_length_over_the_cap_is_refused_unread(
    httpserver: HTTPServer, settings: FetchSettings
) -> None:
    httpserver.expect_request("/p").respond_with_data(b"<html>" + b"x" * 20_000, content_type=HTML)
    capped = replace(settings, max_bytes=10 * 1024)

    with pytest.raises(
        FetchError,
        match=r"larger than the cap of 10 KB \(max_bytes = 10240; 20006 bytes declared\)",
    ) as caught:
        fetch(httpserver.url_for("/p"), settings=capped)

    assert caught.value.body_size is None


def test_content_length_larger_than_the_body_is_cut_short(
    raw_server: RawServer, fetcher: Fetcher
) -> None:
    partial = PAGE_BYTES[:2000]
    raw_server.routes["/p"] = lambda h: send(h, 200, partial, content_length=len(PAGE_BYTES))
    url = raw_server.url("/p")

    with pytest.raises(FetchError) as caught:
        fetcher(url)

    err = caught.value
    assert str(err) == (
        f"GET {url} returned a body cut short (2000 of {len(PAGE_BYTES)} bytes arrived) (3 tries); "
        "the connection broke; the next check will try again"
    )
    assert err.status == 200
    assert err.attempts == 3
    assert err.body_size == 2000
    assert err.body_sha256 == hashlib.sha256(partial).hexdigest()
    assert raw_server.hits["/p"] == 3


def test_broken_chunked_stream_is_cut_short(raw_server: RawServer, fetcher: Fetcher) -> None:
    raw_server.routes["/p"] = lambda h: send_chunked(h, iter([PAGE_BYTES[:3000]]), finish=False)

    with pytest.raises(
        FetchError, match=r"returned a body cut short \(the stream broke after \d+ bytes\)"
    ) as caught:
        fetcher(raw_server.url("/p"))

    assert caught.value.body_size is not None
    assert caught.value.body_size >= 3000


def test_application_pdf_is_refused_by_type(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data(
        b"%PDF-1.7\n...", content_type="application/pdf"
    )
    url = httpserver.url_for("/p")

    with pytest.raises(FetchError) as caught:
        fetcher(url)

    assert str(caught.value) == (
        f"GET {url} returned application/pdf, not an HTML page; check that the target's URL is "
        "the page itself, not a download"
    )
    assert caught.value.attempts == 1
    assert caught.value.status == 200


def test_xhtml_is_html(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data(
        PAGE_BYTES, content_type="application/xhtml+xml; charset=utf-8"
    )

    assert fetcher(httpserver.url_for("/p")).text == PAGE


def test_missing_content_type_is_sniffed(raw_server: RawServer, fetcher: Fetcher) -> None:
    raw_server.routes["/page"] = lambda h: send(h, 200, PAGE_BYTES, content_type=None)
    raw_server.routes["/pdf"] = lambda h: send(h, 200, b"%PDF-1.7\n1 0 obj", content_type=None)

    page = fetcher(raw_server.url("/page"))
    assert page.text == PAGE
    assert page.content_type is None
    with pytest.raises(FetchError, match="without a Content-Type that does not look like HTML"):
        fetcher(raw_server.url("/pdf"))


def test_empty_200_is_an_error(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/p").respond_with_data(b"", content_type=HTML)

    with pytest.raises(FetchError, match="returned HTTP 200 with an empty body"):
        fetcher(httpserver.url_for("/p"))


# -- charsets --------------------------------------------------------------------------------

WIN1252_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    "<title>Relations with the Republic of Korea</title></head><body>"
    "<p>NATO\u00a0and the Republic of Korea \u2013 \u201cglobal partners\u201d since 2005; "
    "the Alliance\u2019s dialogue continues.</p></body></html>"
)


def test_windows_1252_declared_only_in_meta_is_decoded_right(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    body = WIN1252_PAGE.encode("cp1252")
    httpserver.expect_request("/p").respond_with_data(body, content_type="text/html")

    result = fetcher(httpserver.url_for("/p"))

    assert result.body == body
    assert result.text == WIN1252_PAGE
    assert "\u201cglobal partners\u201d" in result.text
    assert "NATO\u00a0and" in result.text
    assert result.encoding == "cp1252"
    assert result.charset_source is CharsetSource.META


def test_iso_8859_1_label_is_read_as_windows_1252_like_browsers() -> None:
    body = WIN1252_PAGE.replace("windows-1252", "ISO-8859-1").encode("cp1252")

    decoded = decode_body(body, content_type="text/html; charset=ISO-8859-1")

    assert "\u201cglobal partners\u201d" in decoded.text
    assert decoded.source is CharsetSource.HEADER
    assert decoded.encoding == "cp1252"


def test_header_charset_beats_meta() -> None:
    body = WIN1252_PAGE.replace("windows-1252", "iso-8859-5").encode("utf-8")

    decoded = decode_body(body, content_type="text/html; charset=UTF-8")

    assert decoded.text == WIN1252_PAGE.replace("windows-1252", "iso-8859-5")
    assert decoded.source is CharsetSource.HEADER


def test_undeclared_charset_utf8_then_detection() -> None:
    text = (
        WIN1252_PAGE.replace(
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', ""
        )
        + load_content().all_text()[:1500]
    )

    as_utf8 = decode_body(text.encode("utf-8"), content_type="text/html")
    as_1252 = decode_body(text.encode("cp1252", errors="replace"), content_type=None)

    assert (as_utf8.source, as_utf8.encoding) == (CharsetSource.UTF8, "utf-8")
    assert as_utf8.text == text
    assert as_1252.source is CharsetSource.DETECTED
    assert "\u201cglobal partners\u201d" in as_1252.text
    assert "NATO\u00a0and" in as_1252.text


def test_bom_wins_and_is_dropped() -> None:
    decoded = decode_body(
        b"\xef\xbb\xbf<html>caf\xc3\xa9</html>", content_type="text/html; charset=windows-1252"
    )

    assert decoded.text == "<html>caf\u00e9</html>"
    assert decoded.source is CharsetSource.BOM


def test_invalid_bytes_are_replaced_and_noted() -> None:
    decoded = decode_body(b"<html>caf\xe9</html>", content_type="text/html; charset=utf-8")

    assert decoded.text == "<html>caf\ufffd</html>"
    assert decoded.notes and "not valid utf-8" in decoded.notes[0]


# -- robots.txt ------------------------------------------------------------------------------


@pytest.fixture
def polite(settings: FetchSettings) -> FetchSettings:
    """The test settings with robots.txt honoured (the default)."""
    return replace(settings, respect_robots=True)


def test_robots_disallow_is_a_clear_error_and_the_page_is_never_requested(
    httpserver: HTTPServer, polite: FetchSettings
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /cps/\n", content_type="text/plain"
    )
    httpserver.expect_request("/cps/en/natohq/topics_50098.htm").respond_with_data(
        PAGE_BYTES, content_type=HTML
    )
    url = httpserver.url_for("/cps/en/natohq/topics_50098.htm")

    with Fetcher(polite) as fetcher:
        for _ in range(2):
            with pytest.raises(FetchError) as caught:
                fetcher(url)

    assert str(caught.value) == (
        f"robots.txt of {urlsplit(url).netloc} disallows {url} for this User-Agent; set "
        "respect_robots = false in the [fetch] config only if you have permission"
    )
    assert not isinstance(caught.value, BlockedError)
    assert caught.value.attempts == 0
    assert requests_to(httpserver, "/cps/en/natohq/topics_50098.htm") == []
    assert len(requests_to(httpserver, "/robots.txt")) == 1
    (robots_request,) = requests_to(httpserver, "/robots.txt")
    assert robots_request.headers["User-Agent"] == DEFAULT_USER_AGENT


def test_robots_rules_for_our_agent_only(httpserver: HTTPServer, polite: FetchSettings) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: nato-watch\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n",
        content_type="text/plain",
    )
    httpserver.expect_request("/public").respond_with_data(PAGE_BYTES, content_type=HTML)

    with Fetcher(polite) as fetcher:
        assert fetcher(httpserver.url_for("/public")).status == 200
        with pytest.raises(FetchError, match="disallows"):
            fetcher(httpserver.url_for("/private/p"))


def test_robots_is_checked_on_every_redirect_hop(
    httpserver: HTTPServer, polite: FetchSettings
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /new/\n", content_type="text/plain"
    )
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new/p"}
    )

    with pytest.raises(FetchError, match=r"disallows .*/new/p") as caught:
        fetch(httpserver.url_for("/old"), settings=polite)

    assert caught.value.attempts == 1
    assert requests_to(httpserver, "/new/p") == []


@pytest.mark.parametrize(("status", "noted"), [(404, False), (401, False), (500, True)])
def test_robots_missing_or_broken_allows(
    httpserver: HTTPServer, polite: FetchSettings, status: int, noted: bool
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /\n", status=status
    )
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)

    with Fetcher(polite) as fetcher:
        first = fetcher(httpserver.url_for("/p"))
        second = fetcher(httpserver.url_for("/p"))

    assert first.body == second.body == PAGE_BYTES
    assert len(requests_to(httpserver, "/robots.txt")) == 1
    if noted:
        assert first.notes == (
            f"robots.txt of {urlsplit(httpserver.url_for('/')).netloc} answered HTTP 500; "
            "proceeding as if allowed",
        )
    else:
        assert first.notes == ()


def test_robots_unreachable_allows_with_a_note(
    raw_server: RawServer, polite: FetchSettings
) -> None:
    def robots_drops(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True  # no response at all

    raw_server.routes["/robots.txt"] = robots_drops
    raw_server.routes["/p"] = lambda h: send(h, 200, PAGE_BYTES)

    result = fetch(raw_server.url("/p"), settings=polite)

    assert result.body == PAGE_BYTES
    assert len(result.notes) == 1
    assert result.notes[0].startswith(
        f"robots.txt of 127.0.0.1:{raw_server.server.server_port} could not be read"
    )


def test_respect_robots_false_never_asks(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    httpserver.expect_request("/p").respond_with_data(PAGE_BYTES, content_type=HTML)

    assert fetcher(httpserver.url_for("/p")).status == 200
    assert requests_to(httpserver, "/robots.txt") == []


# -- settings and helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retries": 0}, "retries is the most tries per check: it must be >= 1"),
        ({"read_timeout": 0}, "read_timeout must be more than 0 seconds"),
        ({"backoff": -1.0}, "backoff must not be negative"),
        ({"max_bytes": "5MB"}, "max_bytes must be an integer, got '5MB'"),
        ({"respect_robots": "no"}, "respect_robots must be true or false"),
        ({"user_agent": "a\r\nX-Evil: 1"}, "user_agent must be one non-empty line"),
    ],
)
def test_settings_reject_values_that_cannot_work(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        FetchSettings(**changes)  # type: ignore[arg-type]


def test_settings_accept_an_int_where_a_float_is_expected() -> None:
    assert FetchSettings(backoff=2, connect_timeout=5).backoff == 2


def test_parse_retry_after() -> None:
    now = datetime(2024, 7, 16, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Tue, 16 Jul 2024 08:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Tue, 16 Jul 2024 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_content_type_and_sniffing_helpers() -> None:
    assert parse_content_type('text/HTML; Charset="windows-1252"') == ("text/html", "windows-1252")
    assert parse_content_type(None) == (None, None)
    assert looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>")
    assert looks_like_html(b"<html lang=en>")
    assert not looks_like_html(b'{"json": true}')
    assert not looks_like_html(b"<abbr>not sniffed</abbr>")


def test_real_article_mentioning_access_denied_is_not_a_bot_check() -> None:
    article = b"<html><head><title>Relations with the Republic of Korea</title></head><body>" + (
        b"<p>Access denied to the DPRK's ballistic missile programmes ...</p>"
        b'<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>'
    )
    assert not is_bot_check(200, article)
    assert is_bot_check(403, CHALLENGE)
    assert not is_bot_check(404, CHALLENGE)


# -- the pieces both fetchers share (plain Python, tested without a server) -------------------


def _result(url: str = "https://www.nato.int/p.htm") -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        body=b"<html></html>",
        text="<html></html>",
        headers={},
        fetched_at=datetime(2024, 7, 16, 8, 0, tzinfo=UTC),
        duration_ms=0,
    )


def test_backoff_grows_with_equal_jitter_and_honours_retry_after(settings: FetchSettings) -> None:
    slow = replace(settings, backoff=2.0, max_backoff=10.0)
    policy = RetryPolicy(slow, rng=random.Random(7))
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)):
        waits = [policy.wait_seconds(attempt, None) for _ in range(200)]
        # Never less than half the backoff (waits grow), never more than it (or max_backoff).
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert len(set(waits)) > 100  # jittered, so cron-started watchers do not collide
    assert policy.wait_seconds(1, 3.5) == 3.5
    assert policy.wait_seconds(1, 3600.0) == 10.0  # capped by max_backoff
    assert policy.wait_seconds(1, -5.0) == 0.0
    same = RetryPolicy(slow, rng=random.Random(7)), RetryPolicy(slow, rng=random.Random(7))
    assert same[0].wait_seconds(2, None) == same[1].wait_seconds(2, None)


def test_pause_ends_at_once_when_stop_is_set(settings: FetchSettings) -> None:
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert RetryPolicy(settings, stop=stop).pause(30.0) is True
    assert time.monotonic() - started < 1.0
    assert RetryPolicy(settings).pause(0.01) is False


def test_retry_policy_tries_again_then_returns_with_the_attempt_count(
    settings: FetchSettings,
) -> None:
    lines: list[str] = []
    seen: list[int] = []
    url = "https://www.nato.int/p.htm"

    def attempt_once(attempt: int) -> FetchResult:
        seen.append(attempt)
        if attempt < 3:
            raise TryFailed(TryFailure(outcome="HTTP 503", summary="returned 503", retryable=True))
        return _result(url)

    result = RetryPolicy(settings, log=lines.append).run(
        url, attempt_once, describe=lambda r: f"HTTP {r.status}", label="Chromium GET"
    )
    assert seen == [1, 2, 3]
    assert result.attempts == 3 and result.duration_ms >= 0
    assert lines[0].startswith(f"attempt 1/3: Chromium GET {url} -> HTTP 503; retrying in ")
    assert lines[-1] == f"attempt 3/3: Chromium GET {url} -> HTTP 200"


def test_retry_policy_gives_up_on_what_retrying_cannot_fix(settings: FetchSettings) -> None:
    lines: list[str] = []
    url = "https://www.nato.int/p.htm"
    tries: list[int] = []

    def not_found(attempt: int) -> FetchResult:
        tries.append(attempt)
        raise TryFailed(TryFailure(outcome="HTTP 404", summary="returned HTTP 404", status=404))

    policy = RetryPolicy(settings, log=lines.append)
    with pytest.raises(FetchError) as caught:
        policy.run(url, not_found, describe=str, via="in Chromium")
    assert tries == [1]
    assert str(caught.value) == f"GET {url} in Chromium returned HTTP 404"
    assert lines == [f"attempt 1/3: GET {url} -> HTTP 404; giving up"]

    # give_up() ends a retryable failure early (the browser fetcher is being closed).
    tries.clear()

    def busy(attempt: int) -> FetchResult:
        tries.append(attempt)
        raise TryFailed(TryFailure(outcome="HTTP 503", summary="returned 503", retryable=True))

    with pytest.raises(FetchError, match=r"returned 503$"):
        policy.run(url, busy, describe=str, give_up=lambda: True)
    assert tries == [1]

    # Any other exception passes straight out, untouched and not retried.
    def closed(attempt: int) -> FetchResult:
        raise FetchError("closed", url=url, attempts=attempt - 1)

    with pytest.raises(FetchError, match=r"^closed$"):
        policy.run(url, closed, describe=str)


def test_error_for_builds_the_one_line_message() -> None:
    url = "https://www.nato.int/p.htm"
    failure = TryFailure(
        outcome="HTTP 503",
        summary="returned HTTP 503  Service\nUnavailable",
        advice="the site is having trouble",
        status=503,
        final_url=url,
        body_size=3,
        body_sha256="ab",
    )
    error = error_for(url, failure, 3)
    assert type(error) is FetchError
    assert str(error) == (
        f"GET {url} returned HTTP 503 Service Unavailable (3 tries); the site is having trouble"
    )
    assert (error.status, error.attempts, error.final_url) == (503, 3, url)
    assert (error.body_size, error.body_sha256) == (3, "ab")
    assert str(error_for(url, failure, 1, via="in Chromium")).startswith(
        f"GET {url} in Chromium returned HTTP 503 Service Unavailable; "
    )
    blocked = error_for(url, replace(failure, blocked=True), 1)
    assert isinstance(blocked, BlockedError)
    refused = error_for(url, replace(failure, message="robots.txt says no", tried=False), 1)
    assert str(refused) == "robots.txt says no" and refused.attempts == 0


@pytest.mark.parametrize(
    ("status", "reason", "summary", "retryable", "blocked"),
    [
        (403, "Forbidden", "returned HTTP 403: the site refused this client", False, True),
        (429, "", "returned HTTP 429 Too Many Requests: the site is rate-limiting", True, True),
        (503, "Service Unavailable", "returned HTTP 503 Service Unavailable", True, False),
        (501, "Not Implemented", "returned HTTP 501 Not Implemented", False, False),
        (404, "Not Found", "returned HTTP 404 Not Found: the page is not there", False, False),
        (407, "", "returned HTTP 407: the site (or a proxy) asks for a login", False, False),
        (418, "", "returned HTTP 418", False, False),
    ],
)
def test_failure_for_status(
    status: int, reason: str, summary: str, retryable: bool, blocked: bool
) -> None:
    base = TryFailure(outcome=f"HTTP {status}", summary="", status=status)
    failure = failure_for_status(base, status, reason, "7")
    assert failure.summary.startswith(summary)
    assert (failure.retryable, failure.blocked, failure.status) == (retryable, blocked, status)
    assert failure.advice
    # Retry-After counts only where the status means "come back later".
    assert failure.retry_after == (7.0 if status in (429, 503, 501) else None)


def test_connection_failures_and_html_types() -> None:
    url = "https://www.nato.int:8443/p.htm"
    dns = failure_for_connection(ConnectionTrouble.DNS, url)
    assert dns.summary == "failed: could not resolve the host name www.nato.int"
    assert dns.outcome == "DNS failure" and dns.retryable
    timeout = failure_for_connection(ConnectionTrouble.CONNECT_TIMEOUT, url, "after 5 s")
    assert timeout.summary == "failed: connecting to www.nato.int:8443 timed out after 5 s"
    bare = failure_for_connection(ConnectionTrouble.CONNECT_TIMEOUT, url)
    assert bare.summary == "failed: connecting to www.nato.int:8443 timed out"
    tls = failure_for_connection(ConnectionTrouble.TLS, url, "net::ERR_CERT_DATE_INVALID")
    assert tls.summary.endswith("could not be verified (net::ERR_CERT_DATE_INVALID)")
    assert not tls.retryable
    assert failure_for_connection(ConnectionTrouble.REFUSED, url).retryable

    base = TryFailure(outcome="HTTP 200", summary="", status=200)
    require_html(base, "text/html")
    require_html(base, None)  # undeclared: sniffed later, not refused here
    with pytest.raises(TryFailed) as caught:
        require_html(base, "application/pdf")
    assert caught.value.failure.outcome == "HTTP 200 application/pdf"

    require_http_url("http://127.0.0.1:8080/p")
    with pytest.raises(FetchError, match="only http:// and https://") as refused:
        require_http_url("ftp://www.nato.int/p")
    assert refused.value.attempts == 0


class _Robots:
    """A robots.txt reader that answers from a dict and counts what it was asked."""

    def __init__(self, answers: dict[str, RobotsReply | str]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, robots_url: str) -> RobotsReply:
        self.asked.append(robots_url)
        answer = self.answers[robots_url]
        if isinstance(answer, str):
            raise RobotsUnreadable(answer)
        return answer


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_robots_policy_reads_once_and_checks_every_url(polite: FetchSettings) -> None:
    read = _Robots(
        {"https://a.example/robots.txt": RobotsReply(200, b"User-agent: *\nDisallow: /private/\n")}
    )
    lines: list[str] = []
    robots = RobotsPolicy(polite, log=lines.append)
    notes: list[str] = []
    assert robots.verdict("https://a.example/private/x") is None  # not read yet
    robots.check("https://a.example/public", read, notes, first_hop=True)
    with pytest.raises(TryFailed) as caught:
        robots.check("https://a.example/private/x", read, notes, first_hop=True)
    assert read.asked == ["https://a.example/robots.txt"]
    assert notes == []
    assert lines == ["robots.txt of a.example: HTTP 200, 34 bytes"]
    failure = caught.value.failure
    assert failure.tried is False  # refused before the page was asked for
    assert failure.message == (
        "robots.txt of a.example disallows https://a.example/private/x for this User-Agent; "
        "set respect_robots = false in the [fetch] config only if you have permission"
    )
    with pytest.raises(TryFailed) as hop:
        robots.check("https://a.example/private/y", read, notes, first_hop=False)
    assert hop.value.failure.tried is True  # a redirect hop: the first request was sent
    assert robots.verdict("https://a.example/private/x") is False
    assert robots.verdict("https://a.example/public") is True

    named = RobotsPolicy(polite, name_agent=True)
    assert f"for this User-Agent ({polite.user_agent}); set" in (
        named.failure("https://a.example/x").message or ""
    )


def test_robots_policy_allows_when_the_file_is_missing_broken_or_unreachable(
    polite: FetchSettings,
) -> None:
    read = _Robots(
        {
            "https://gone.example/robots.txt": RobotsReply(404),
            "https://down.example/robots.txt": RobotsReply(503),
            "https://off.example/robots.txt": "connection refused",
        }
    )
    clock = _Clock()
    robots = RobotsPolicy(polite, clock=clock)
    notes: list[str] = []
    for host in ("gone", "down", "off"):
        robots.check(f"https://{host}.example/p", read, notes, first_hop=True)
    assert notes == [
        "robots.txt of down.example answered HTTP 503; proceeding as if allowed",
        "robots.txt of off.example could not be read (connection refused); proceeding as if "
        "allowed",
    ]
    # A note is added once per try, however many URLs of the origin are checked.
    robots.check("https://off.example/q", read, notes, first_hop=False)
    assert len(notes) == 2
    assert len(read.asked) == 3

    # An unreadable file is asked for again after an hour; a missing one only after a day.
    clock.now += 3601
    for host in ("gone", "down", "off"):
        robots.check(f"https://{host}.example/p", read, [], first_hop=True)
    assert sorted(read.asked[3:]) == [
        "https://down.example/robots.txt",
        "https://off.example/robots.txt",
    ]
    clock.now += 24 * 3600
    robots.check("https://gone.example/p", read, [], first_hop=True)
    assert read.asked[-1] == "https://gone.example/robots.txt"


def test_robots_policy_parses_at_most_the_cap_and_can_be_switched_off(
    polite: FetchSettings,
) -> None:
    # Past the cap a rule would shut everything: it must never be read.
    rules = b"User-agent: *\nDisallow: /private/\n" + b"#" * ROBOTS_MAX_BYTES + b"\nDisallow: /\n"
    read = _Robots({"https://big.example/robots.txt": RobotsReply(200, rules)})
    robots = RobotsPolicy(polite)
    robots.check("https://big.example/p", read, [], first_hop=True)
    assert robots.verdict("https://big.example/private/p") is False
    off = RobotsPolicy(replace(polite, respect_robots=False))
    never = _Robots({})
    off.check("https://big.example/p", never, [], first_hop=True)
    assert never.asked == [] and off.verdict("https://big.example/p") is True
