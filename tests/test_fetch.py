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
from scraper.fetching.decoding import CharsetSource
from scraper.fetching.http import Fetcher, Validators, fetch
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


# -- robots.txt ------------------------------------------------------------------------------


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
