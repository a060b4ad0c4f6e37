"""The real `nato-watch check` against a misbehaving local site: what the user sees and what
is stored.

For every failure: exit code 1, one line on stderr naming the target and saying what
happened (after one line per wait before a retry), one line in `snapshots/<target>/checks.jsonl` with the HTTP status, tries and the
size and sha256 of any body received, nothing else written (no raw snapshot, no version) —
and `nato-watch verify` still passes. The successful cases (200, a redirect chain, a 304, a
retried 429 or 500, a windows-1252 page) store what they should.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import Site, tree
from pages import load_content, nato_page
from pytest_httpserver import HTTPServer
from test_fetch import CHALLENGE, RawServer, send, send_chunked

from scraper.cli.check import DEMO_HINT
from scraper.fetching.settings import DEFAULT_USER_AGENT

TARGET = "republic-of-korea"
PATH = "/cps/en/natohq/topics_50098.htm"
PAGE_BYTES = nato_page(load_content()).encode("utf-8")
HTML = "text/html; charset=utf-8"
LOG = f"snapshots/{TARGET}/checks.jsonl"

FAST = {
    "connect_timeout": 0.5,
    "read_timeout": 0.5,
    "total_timeout": 5.0,
    "retries": 3,
    "backoff": 0.01,
    "max_backoff": 0.05,
    "respect_robots": False,
}


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    """A raw local server for what werkzeug cannot send."""
    server = RawServer()
    yield server
    server.close()


@pytest.fixture
def check(
    run_cli: Callable[..., Result], tmp_path: Path
) -> Iterator[Callable[..., tuple[Result, dict[str, Any]]]]:
    """Run `nato-watch --config C check --url URL --target T --json`; `fetch` overrides the
    fast `[fetch]` settings. Returns the result and the one JSON object printed."""
    # The local server's werkzeug logs each request at INFO into the CLI's stderr handler;
    # only the CLI's own lines are under test.
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)

    def run(url: str, *extra: str, **fetch: object) -> tuple[Result, dict[str, Any]]:
        config = tmp_path / "nato-watch.toml"
        table = {**FAST, **fetch}
        lines = ["[fetch]"] + [f"{key} = {json.dumps(value)}" for key, value in table.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = run_cli(
            "--config", str(config), "check", "--url", url, "--target", TARGET, "--json", *extra
        )
        printed = [line for line in result.stdout.splitlines() if line.strip()]
        assert len(printed) == 1, (result.stdout, result.stderr)
        return result, json.loads(printed[0])

    yield run
    werkzeug_log.setLevel(level)


def log_lines(data_dir: Path) -> list[dict[str, Any]]:
    """The check log of the target."""
    text = (data_dir / LOG).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def assert_failed_check(
    result: Result,
    out: dict[str, Any],
    data_dir: Path,
    run_cli: Callable[..., Result],
    *,
    message: str | re.Pattern[str],
    http: int | None,
    attempts: int | None,
    body: bytes | None = None,
    some_body: bool = False,
    advice: str = "",
) -> dict[str, Any]:
    """The common shape of a failed check; returns its check-log line. `message` may be a
    pattern; `some_body` accepts any body size (where the cut-off point depends on timing);
    `advice` is what the command adds to the message on stderr only."""
    assert result.exit_code == 1
    if isinstance(message, str):
        message = re.compile(re.escape(message))
    # Each wait before a retry is told on stderr too, once; then the one error line.
    waits = [line for line in result.stderr.splitlines() if " next try in " in line]
    if attempts is not None:
        assert len(waits) == attempts - 1, result.stderr
    (stderr_line,) = [line for line in result.stderr.splitlines() if line not in waits]
    assert stderr_line.startswith(f"nato-watch: error: {TARGET}: ")
    assert stderr_line.endswith(advice)
    shown = stderr_line.removeprefix(f"nato-watch: error: {TARGET}: ")
    assert message.fullmatch(shown[: len(shown) - len(advice)])
    assert "Traceback" not in result.stdout + result.stderr
    assert out["status"] == "error"
    assert message.fullmatch(out["error"])
    assert out["version"] is None
    assert out["report"] is None
    assert out["http_status"] == http
    # Only the check log: no raw snapshot, no version, no report.
    assert sorted(tree(data_dir)) == [LOG]
    (line,) = log_lines(data_dir)
    assert line["status"] == "error"
    assert line["error"] == out["error"]
    assert line.get("http") == http
    assert line.get("attempts") == attempts
    if some_body:
        assert line["size"] > 0
        assert re.fullmatch("[0-9a-f]{64}", line["raw"])
    elif body is None:
        assert "size" not in line
        assert "raw" not in line
    else:
        assert line["size"] == len(body)
        assert line["raw"] == hashlib.sha256(body).hexdigest()
    assert "version" not in line
    verified = run_cli("verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    return line


def requests_to(server: HTTPServer, path: str) -> int:
    """How many requests `server` received for `path`."""
    return sum(1 for request, _response in server.log if request.path == path)


# -- checks that succeed ---------------------------------------------------------------------


def test_200_stores_snapshot_version_and_log_line(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:  # fmt: skip
    httpserver.expect_request(PATH).respond_with_data(PAGE_BYTES, content_type=HTML)
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert out["status"] == "new"
    sha = hashlib.sha256(PAGE_BYTES).hexdigest()
    assert sorted(tree(data_dir)) == [
        "reports/feed.atom",
        "reports/health.html",
        "reports/index.html",
        f"reports/{TARGET}/pages/{out['version']}.html",
        f"reports/{TARGET}/summary.jsonl",
        "reports/style.css",
        LOG,
        f"snapshots/{TARGET}/raw/{sha}.html.gz",
        # The response's status line and headers, kept beside the body (for WARC export).
        f"snapshots/{TARGET}/raw/{sha}.http.json",
        f"snapshots/{TARGET}/versions/{out['version']}.json",
    ]
    (line,) = log_lines(data_dir)
    assert (line["status"], line["http"], line["attempts"], line["size"], line["raw"]) == (
        "new", 200, 1, len(PAGE_BYTES), sha,
    )  # fmt: skip
    assert run_cli("verify").exit_code == 0


def test_user_agent_option_is_sent(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]]
) -> None:
    httpserver.expect_request(PATH).respond_with_data(PAGE_BYTES, content_type=HTML)

    result, _out = check(
        httpserver.url_for(PATH), "--user-agent", "research-bot/1.0 (me@example.org)"
    )
    default, _out = check(httpserver.url_for(PATH))

    assert result.exit_code == default.exit_code == 0
    agents = [request.headers["User-Agent"] for request, _response in httpserver.log]
    assert agents == ["research-bot/1.0 (me@example.org)", DEFAULT_USER_AGENT]


def test_redirect_chain_is_recorded_in_the_version(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path
) -> None:
    final = "/en/what-we-do/partnerships-and-cooperation/relations-with-the-republic-of-korea"
    httpserver.expect_request(PATH).respond_with_data(
        "", status=301, headers={"Location": "/cps/en/natolive/topics_50098.htm"}
    )
    httpserver.expect_request("/cps/en/natolive/topics_50098.htm").respond_with_data(
        "", status=302, headers={"Location": final}
    )
    httpserver.expect_request(final).respond_with_data(PAGE_BYTES, content_type=HTML)
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert result.exit_code == 0, result.stderr
    assert out["final_url"] == httpserver.url_for(final)
    version = json.loads(
        (data_dir / "snapshots" / TARGET / "versions" / f"{out['version']}.json").read_text()
    )
    assert version["provenance"]["url"] == url
    assert version["provenance"]["final_url"] == httpserver.url_for(final)
    assert version["provenance"]["redirects"] == [
        url,
        httpserver.url_for("/cps/en/natolive/topics_50098.htm"),
    ]
    (line,) = log_lines(data_dir)
    assert line["final_url"] == httpserver.url_for(final)


def test_304_is_unchanged_and_writes_only_the_log_line_and_the_health_page(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:  # fmt: skip
    httpserver.expect_request(PATH, headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request(PATH).respond_with_data(
        PAGE_BYTES, content_type=HTML, headers={"ETag": '"v1"'}
    )
    url = httpserver.url_for(PATH)
    _first, first = check(url)
    before = tree(data_dir)

    result, out = check(url)

    assert result.exit_code == 0, result.stderr
    assert out["status"] == "unchanged"
    assert out["version"] == first["version"]
    after = tree(data_dir)
    # The health page says when the page was last checked: the one site file a check rewrites.
    written = {LOG, "reports/health.html"}
    assert {k: v for k, v in after.items() if k not in written} == {
        k: v for k, v in before.items() if k not in written
    }
    line = log_lines(data_dir)[-1]
    assert line["not_modified"] is True
    assert line["http"] == 304
    assert line["etag"] == '"v1"'
    assert run_cli("verify").exit_code == 0


def test_429_with_retry_after_then_200_is_a_new_version(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_request(PATH).respond_with_data(PAGE_BYTES, content_type=HTML)

    result, out = check(httpserver.url_for(PATH))

    assert result.exit_code == 0, result.stderr
    assert out["status"] == "new"
    assert log_lines(data_dir)[0]["attempts"] == 2


def test_500_twice_then_200_is_a_new_version(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("oops", status=500)
    httpserver.expect_oneshot_request(PATH).respond_with_data("oops", status=500)
    httpserver.expect_request(PATH).respond_with_data(PAGE_BYTES, content_type=HTML)

    result, out = check(httpserver.url_for(PATH))

    assert result.exit_code == 0, result.stderr
    assert out["status"] == "new"
    assert log_lines(data_dir)[0]["attempts"] == 3


def test_windows_1252_page_is_stored_without_mojibake(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path
) -> None:
    page = (
        nato_page(load_content())
        .replace(
            '<meta charset="utf-8">',
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
        )
        .replace(
            "Relations with the Republic of Korea</h1>",
            "Relations with the \u201cRepublic of Korea\u201d</h1>",
        )
    )
    body = page.encode("cp1252")
    httpserver.expect_request(PATH).respond_with_data(body, content_type="text/html")

    result, out = check(httpserver.url_for(PATH))

    assert result.exit_code == 0, result.stderr
    version = json.loads(
        (data_dir / "snapshots" / TARGET / "versions" / f"{out['version']}.json").read_text(
            encoding="utf-8"
        )
    )
    assert version["document"]["title"] == "Relations with the \u201cRepublic of Korea\u201d"
    assert version["provenance"]["raw_sha256"] == hashlib.sha256(body).hexdigest()


# -- checks that fail ------------------------------------------------------------------------


def test_403(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    body = b"<html><body>Forbidden</body></html>"
    httpserver.expect_request(PATH).respond_with_data(body, status=403, content_type=HTML)
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=403, attempts=1, body=body,
        message=f"GET {url} returned HTTP 403: the site refused this client; set another "
        "User-Agent with --user-agent or check less often",
    )  # fmt: skip
    assert requests_to(httpserver, PATH) == 1


def test_bot_check(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    httpserver.expect_request(PATH).respond_with_data(CHALLENGE, status=503, content_type=HTML)
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=503, attempts=1, body=CHALLENGE,
        message=f'GET {url} returned HTTP 503: the site served a bot check ("Just a moment...") '
        "instead of the page; try again later and check less often; if it persists, the page "
        "needs a browser (or set another User-Agent with --user-agent)",
    )  # fmt: skip


def test_404(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    body = b"<html><body><h1>Page not found</h1></body></html>"
    httpserver.expect_request(PATH).respond_with_data(body, status=404, content_type=HTML)
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=404, attempts=1, body=body,
        message=f"GET {url} returned HTTP 404 NOT FOUND: the page is not there; it may have "
        "moved (nato.int changed its URLs in 2025); open the URL in a browser and update the "
        "target's url",
    )  # fmt: skip


def test_429_forever(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    httpserver.expect_request(PATH).respond_with_data("", status=429, headers={"Retry-After": "0"})
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=429, attempts=3,
        message=f"GET {url} returned HTTP 429 Too Many Requests: the site is rate-limiting this "
        "client (3 tries); check less often (the scheduler's --every), or raise backoff in the "
        "[fetch] config",
    )  # fmt: skip


def test_503_forever_gives_up_in_bounded_time(
    httpserver: HTTPServer, check: Callable[..., tuple[Result, dict[str, Any]]], data_dir: Path, run_cli: Callable[..., Result]
) -> None:  # fmt: skip
    httpserver.expect_request(PATH).respond_with_data(
        b"down for maintenance", status=503, content_type="text/plain"
    )
    url = httpserver.url_for(PATH)

    started = time.monotonic()
    result, out = check(url, retries=4)
    elapsed = time.monotonic() - started

    assert_failed_check(
        result, out, data_dir, run_cli, http=503, attempts=4, body=b"down for maintenance",
        message=f"GET {url} returned HTTP 503 SERVICE UNAVAILABLE (4 tries); the site is having "
        "trouble; the next check will try again",
    )  # fmt: skip
    assert requests_to(httpserver, PATH) == 4
    assert elapsed < 3.0


def test_slow_server(
    raw_server: RawServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    def slow(h: Any) -> None:
        time.sleep(1.0)
        send(h, 200, PAGE_BYTES)

    raw_server.routes[PATH] = slow
    url = raw_server.url(PATH)

    result, out = check(url, read_timeout=0.2, retries=2)

    assert_failed_check(
        result, out, data_dir, run_cli, http=None, attempts=2,
        message=f"GET {url} timed out after 0.2 s waiting for a response (2 tries); the site "
        "may be slow or unreachable; raise read_timeout in the [fetch] config if it is just slow",
    )  # fmt: skip


def test_no_network(
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}{PATH}"

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=None, attempts=3,
        message=f"GET {url} failed: 127.0.0.1:{port} refused the connection (3 tries); the site "
        "(or the network path to it) is down; the next check will try again",
        advice=DEMO_HINT,  # the first check of a target reached no server: try the demo
    )  # fmt: skip
    assert "nato-watch --data-dir /tmp/nato-watch-demo demo" in DEMO_HINT


def test_no_network_after_a_first_version_offers_no_demo(
    site: Site, check: Callable[..., tuple[Result, dict[str, Any]]]
) -> None:
    result, out = check(site.put(PATH, nato_page(load_content())))
    assert out["status"] == "new", result.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    result, out = check(f"http://127.0.0.1:{port}{PATH}")

    assert out["status"] == "error" and "refused the connection" in out["error"]
    assert result.stderr.strip().endswith("the next check will try again")


def test_too_large(
    raw_server: RawServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    raw_server.routes[PATH] = lambda h: send_chunked(h, iter([b"<html>" + b"x" * 4090] * 10))
    url = raw_server.url(PATH)

    result, out = check(url, max_bytes=8192)

    line = assert_failed_check(
        result, out, data_dir, run_cli, http=200, attempts=1, some_body=True,
        message=re.compile(
            re.escape(f"GET {url} returned a body larger than the cap of 8 KB (max_bytes = 8192; ")
            + r"stopped after (\d+)\); this is not the article page; if it really is, raise "
            r"max_bytes in the \[fetch\] config"
        ),
    )  # fmt: skip
    # Reading stopped at the first chunk past the cap, not at the end of the 40 KB body.
    assert 8192 < line["size"] <= 8192 + 4096


def test_truncated_body(
    raw_server: RawServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    partial = PAGE_BYTES[:5000]
    raw_server.routes[PATH] = lambda h: send(h, 200, partial, content_length=len(PAGE_BYTES))
    url = raw_server.url(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=200, attempts=3, body=partial,
        message=f"GET {url} returned a body cut short (5000 of {len(PAGE_BYTES)} bytes arrived) "
        "(3 tries); the connection broke; the next check will try again",
    )  # fmt: skip
    assert raw_server.hits[PATH] == 3


def test_broken_chunked_stream(
    raw_server: RawServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    raw_server.routes[PATH] = lambda h: send_chunked(h, iter([PAGE_BYTES[:3000]]), finish=False)
    url = raw_server.url(PATH)

    result, out = check(url, retries=1)

    received = PAGE_BYTES[:3000] + b"<p>the connection dies here"
    assert_failed_check(
        result, out, data_dir, run_cli, http=200, attempts=1, body=received,
        message=f"GET {url} returned a body cut short (the stream broke after {len(received)} "
        "bytes); the connection broke; the next check will try again",
    )  # fmt: skip


def test_not_html(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    httpserver.expect_request(PATH).respond_with_data(b"%PDF-1.7\n", content_type="application/pdf")
    url = httpserver.url_for(PATH)

    result, out = check(url)

    assert_failed_check(
        result, out, data_dir, run_cli, http=200, attempts=1,
        message=f"GET {url} returned application/pdf, not an HTML page; check that the target's "
        "URL is the page itself, not a download",
    )  # fmt: skip


def test_robots_disallow(
    httpserver: HTTPServer,
    check: Callable[..., tuple[Result, dict[str, Any]]],
    data_dir: Path,
    run_cli: Callable[..., Result],
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /cps/\n", content_type="text/plain"
    )
    httpserver.expect_request(PATH).respond_with_data(PAGE_BYTES, content_type=HTML)
    url = httpserver.url_for(PATH)
    host = url.split("/")[2]

    result, out = check(url, respect_robots=True)

    assert_failed_check(
        result, out, data_dir, run_cli, http=None, attempts=None,
        message=f"robots.txt of {host} disallows {url} for this User-Agent; set respect_robots "
        "= false in the [fetch] config only if you have permission",
    )  # fmt: skip
    assert requests_to(httpserver, PATH) == 0
    # With permission, the same page is fetched.
    allowed, out = check(url, respect_robots=False)
    assert allowed.exit_code == 0, allowed.stderr
    assert out["status"] == "new"
