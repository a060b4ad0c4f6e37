"""Storage growth and replay throughput of the archive: numbers printed, medians. Not a test.

Run from the repository root: `python bench/bench_store.py [--versions 500] [--profile]`.

1. Bytes added by an unchanged check (same bytes: one check-log line; other bytes, same page:
   the line plus a raw snapshot) — real checks through `check_target` against a local server.
2. Bytes added by a new version of the 2024 page: raw + version + 3 report files + growth of
   the index and the feed.
3. Replay throughput over a generated history: raw snapshots and check-log lines of N changed
   pages are stored (as checks or an import would), then `replay_target` builds every version
   and report from them ("cold"), and runs again over the finished archive ("warm").
"""

from __future__ import annotations

import argparse
import cProfile
import http.server
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pages import PageContent, edited, load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.records import CheckRecord, CheckStatus
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.run.pipeline import check_target
from scraper.sources.replay import replay_target

TARGET = "republic-of-korea"
URL_PATH = "/cps/en/natohq/topics_50098.htm"
CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
START = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
# Words that occur once on the page, in different sections: each version edits one of them,
# the way NATO edits a phrase here and there.
WORDS = ["strengthen", "reiterated", "flagship", "initiative", "detection", "verifiable",
         "stability", "training", "capacity", "vessels"]  # fmt: skip


# -- a local site ----------------------------------------------------------------------------


ETAG = '"v1"'


class _Page:
    """What the local site serves: `body`, and with `etag` an ETag and a 304 to it."""

    body = b""
    etag = False


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != URL_PATH:
            self.send_response(404)
            self.end_headers()
            return
        if _Page.etag and self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_Page.body)))
        if _Page.etag:
            self.send_header("ETag", ETAG)
        self.end_headers()
        self.wfile.write(_Page.body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def local_site() -> Iterator[str]:
    """Serve `_Page.body` at URL_PATH on 127.0.0.1; yield the URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{URL_PATH}"
    finally:
        server.shutdown()


class Clock:
    """A clock that moves six hours per check."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(hours=6)
        return current


# -- measuring -------------------------------------------------------------------------------


def sizes(root: Path) -> dict[str, int]:
    """Every file under `root` (relative path -> size), the lock file left out."""
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and p.name != ".nato-watch.lock"
    }


@dataclass
class Growth:
    """Bytes added by one check, by kind of file."""

    log: int = 0
    raw: int = 0
    version: int = 0
    reports: int = 0
    site: int = 0

    @property
    def total(self) -> int:
        return self.log + self.raw + self.version + self.reports + self.site


def growth(before: dict[str, int], after: dict[str, int]) -> Growth:
    out = Growth()
    for name, size in after.items():
        added = size - before.get(name, 0)
        if name.endswith("checks.jsonl"):
            out.log += added
        elif "/raw/" in name:
            out.raw += added
        elif "/versions/" in name:
            out.version += added
        elif name in ("reports/index.html", "reports/feed.atom"):
            out.site += added
        else:
            out.reports += added
    return out


def version_content(base: PageContent, n: int) -> PageContent:
    """The n-th version: the (n-1)-th with one phrase edited in one place, and a new stamp."""
    edits = {}
    for index, word in enumerate(WORDS):
        last = n - (n - index) % len(WORDS)  # the latest version <= n that edited this word
        if last > 0:
            edits[word] = f"{word} ({last})"
    stamp = (START + timedelta(days=n)).strftime("%d %b. %Y 10:28")
    return edited(base, stamp=stamp, replace_text=edits)


def storage(checks: int) -> None:
    """Sections 1 and 2: storage growth per unchanged check and per new version."""
    base = load_content()
    with tempfile.TemporaryDirectory() as tmp, local_site() as url:
        archive = Archive(Path(tmp))
        clock = Clock()
        target = Target(TARGET, url)
        with Fetcher(FetchSettings(retries=1, respect_robots=False)) as fetcher:

            def check(body: str) -> Growth:
                _Page.body = body.encode("utf-8")
                before = sizes(archive.root)
                result = check_target(target, archive=archive, fetch=fetcher, now=clock)
                assert result.ok, result.error
                return growth(before, sizes(archive.root))

            check(nato_page(version_content(base, 0)))
            versions = [check(nato_page(version_content(base, n))) for n in range(1, checks + 1)]
            same = [check(nato_page(version_content(base, checks))) for _ in range(checks)]
            other = [
                check(nato_page(version_content(base, checks)) + f"<!-- node {n} -->")
                for n in range(checks)
            ]
            page_bytes = len(nato_page(version_content(base, checks)).encode("utf-8"))

    def med(values: list[int]) -> str:
        return f"{statistics.median(values):,.0f}"

    print(f"Storage growth, medians of {checks} checks each (page: {page_bytes:,} bytes of HTML)")
    print(
        f"  unchanged check, same bytes:        {med([g.total for g in same]):>8} B"
        f"   (log line {med([g.log for g in same])} B; target < 400 B)"
    )
    print(
        f"  unchanged check, other bytes:       {med([g.total for g in other]):>8} B"
        f"   (log line {med([g.log for g in other])} B + raw {med([g.raw for g in other])} B)"
    )
    print(
        f"  new version of the 2024 page:       {med([g.total for g in versions]):>8} B"
        f"   (target < 20,000 B)"
    )
    print(f"    raw snapshot (gzip -9)            {med([g.raw for g in versions]):>8} B")
    print(f"    version file                      {med([g.version for g in versions]):>8} B")
    print(f"    3 report files (md, html, json)   {med([g.reports for g in versions]):>8} B")
    print(f"    index.html + feed.atom growth     {med([g.site for g in versions]):>8} B")
    print(f"    check-log line                    {med([g.log for g in versions]):>8} B")


# -- replay throughput ---------------------------------------------------------------------


def generated_history(root: Path, count: int) -> Archive:
    """Raw snapshots and check-log lines of `count` changed pages, as checks would store them."""
    archive = Archive(root)
    base = load_content()
    for n in range(count):
        body = nato_page(version_content(base, n)).encode("utf-8")
        sha = archive.put_raw(TARGET, body)
        archive.append_check(
            CheckRecord(
                target=TARGET,
                started_at=START + timedelta(hours=6 * n),
                url=CANONICAL,
                status=CheckStatus.CHANGED if n else CheckStatus.NEW,
                duration_ms=400,
                final_url=CANONICAL,
                http_status=200,
                attempts=1,
                raw_sha256=sha,
                body_size=len(body),
                content_type="text/html; charset=utf-8",
            )
        )
    return archive


def throughput(count: int, runs: int, profile: bool) -> None:
    """Section 3: replay versions/s over a generated history, cold and warm."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        archive = generated_history(Path(tmp), count)
        print(
            f"\nReplay throughput: {count} versions generated in {time.perf_counter() - started:.1f} s"
        )
        cold, warm = [], []
        for run in range(runs):
            shutil.rmtree(archive.target_dir(TARGET) / "versions", ignore_errors=True)
            shutil.rmtree(archive.site.root, ignore_errors=True)
            profiler = cProfile.Profile() if profile and run == 0 else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = replay_target(archive, TARGET)
            if profiler:
                profiler.disable()
            cold.append(time.perf_counter() - started)
            assert len(result.versions) == count, len(result.versions)
            started = time.perf_counter()
            again = replay_target(archive, TARGET)
            warm.append(time.perf_counter() - started)
            assert not again.changed
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    print(
        f"  cold (versions and reports built):  {count / cold_s:8.1f} versions/s"
        f"   ({cold_s:.2f} s, median of {runs}; target >= 50/s)"
    )
    print(
        f"  warm (rerun, nothing to change):    {count / warm_s:8.1f} versions/s"
        f"   ({warm_s:.2f} s, median of {runs})"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=500, help="history size for replay")
    parser.add_argument("--checks", type=int, default=15, help="checks per storage figure")
    parser.add_argument("--runs", type=int, default=3, help="replay runs (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first cold replay")
    args = parser.parse_args()
    print(f"nato-watch archive bench (Python {sys.version.split()[0]})\n")
    storage(args.checks)
    throughput(args.versions, args.runs, args.profile)


if __name__ == "__main__":
    main()
