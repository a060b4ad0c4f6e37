"""What the browser costs: one Chromium fetch+parse vs one HTTP fetch+parse of the same page.

Serves the realistic fixture page (tests/pages.py) from a local server on 127.0.0.1, twice:
as static HTML, and as a JavaScript shell whose article arrives from a JSON endpoint. Times
`Fetcher` + `parse` on the static page and `BrowserFetcher` + `parse` on both, `--runs` times
each, and prints the medians and the ratio. Needs Playwright and Chromium (the `browser`
extra and `apt-get install chromium`).

    python bench/bench_browser.py --runs 7
"""

from __future__ import annotations

import argparse
import http.server
import json
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pages import load_content, nato_page

from scraper.core.parse import parse
from scraper.fetching.browser import BrowserFetcher
from scraper.fetching.http import Fetcher, FetchResult
from scraper.fetching.settings import FetchSettings

SECTION = re.compile(r'(<section class="content cf">)(.*?)(</section>)', re.S)
APP_SCRIPT = """<script>
fetch('/api/article.json').then(function (r) { return r.json(); }).then(function (data) {
  document.querySelector('section.content').innerHTML = data.html;
});
</script>
</body>"""


def site_pages() -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type) of the local site."""
    static = nato_page(load_content())
    match = SECTION.search(static)
    assert match is not None
    shell = (static[: match.start(2)] + static[match.end(2) :]).replace("</body>", APP_SCRIPT)
    html = "text/html; charset=utf-8"
    return {
        "/static.htm": (static.encode(), html),
        "/shell.htm": (shell.encode(), html),
        "/api/article.json": (json.dumps({"html": match.group(2)}).encode(), "application/json"),
    }


def serve(pages: dict[str, tuple[bytes, str]]) -> http.server.ThreadingHTTPServer:
    """A local server for `pages` (404 for anything else), running in a thread."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = pages.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed(runs: int, fetch: Callable[[str], FetchResult], url: str) -> tuple[list[float], str]:
    """Seconds of `runs` fetch+parse rounds of `url`, and the document's content hash."""
    times: list[float] = []
    digest = ""
    for _ in range(runs):
        started = time.perf_counter()
        result = fetch(url)
        digest = parse(result.text, url=url).content_hash
        times.append(time.perf_counter() - started)
    return times, digest


def main() -> None:
    """Run the benchmark and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="rounds per case (default 7)")
    args = ap.parse_args()

    server = serve(site_pages())
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = FetchSettings(retries=1)
    with Fetcher(settings) as http, BrowserFetcher(settings) as browser:
        renderer = browser(f"{base}/static.htm").renderer  # warm the OS caches once
        http(f"{base}/static.htm")
        http_times, http_hash = timed(args.runs, http, f"{base}/static.htm")
        static_times, static_hash = timed(args.runs, browser, f"{base}/static.htm")
        shell_times, shell_hash = timed(args.runs, browser, f"{base}/shell.htm")
    server.shutdown()

    assert http_hash == static_hash == shell_hash, "the three ways must give the same document"
    http_median = statistics.median(http_times)
    print(f"renderer: {renderer}; {args.runs} runs each; medians (min-max) of fetch+parse")
    for name, times in (
        ("HTTP fetch+parse, static page", http_times),
        ("Chromium fetch+parse, static page", static_times),
        ("Chromium fetch+parse, JS-rendered page", shell_times),
    ):
        median = statistics.median(times)
        print(
            f"  {name:40} {median * 1000:8.1f} ms  ({min(times) * 1000:.0f}-"
            f"{max(times) * 1000:.0f} ms)  x{median / http_median:.0f} of HTTP"
        )


if __name__ == "__main__":
    main()
