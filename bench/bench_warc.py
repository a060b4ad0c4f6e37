"""WARC export and import over a long history: wall time of the real commands. Not a test.

Run from the repository root: `python bench/bench_warc.py [--versions 500] [--runs 3]`.

A history of N versions of the 2024 page (each edits a phrase, as in bench_store.py), each
followed by an unchanged capture of the same bytes, is stored as checks store it — raw snapshot
with its HTTP heads, check-log line — and `replay` builds its versions and reports. Then:

1. `nato-watch export-warc` as a whole process (start-up included), median of the runs: N
   responses, N revisits, 2N requests and 2N metadata records;
2. `nato-watch import-warc` of that file into an empty data dir, as a whole process, and a
   check that the round trip gave the same version ids and content hashes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pages import edited, load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.records import CheckRecord, CheckStatus, HttpExchange
from scraper.sources.replay import replay_target

TARGET = "republic-of-korea"
URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
START = datetime(2024, 7, 16, 8, 30, 0, 123456, tzinfo=UTC)
WORDS = ["strengthen", "reiterated", "flagship", "initiative", "detection", "verifiable",
         "stability", "training", "capacity", "vessels"]  # fmt: skip
CONFIG = f'[[targets]]\nname = "{TARGET}"\nurl = "{URL}"\n'


def history(root: Path, count: int) -> Archive:
    """`count` versions, each captured twice (changed, then unchanged), with their heads."""
    archive = Archive(root)
    base = load_content()
    for n in range(count):
        edits = {w: f"{w} ({n})" for i, w in enumerate(WORDS) if n and i == n % len(WORDS)}
        stamp = (START + timedelta(days=n)).strftime("%d %b. %Y 10:28")
        body = nato_page(edited(base, stamp=stamp, replace_text=edits)).encode("utf-8")
        for again in (False, True):
            at = START + timedelta(hours=12 * n + 6 * again)
            exchange = HttpExchange(
                status=200,
                reason="OK",
                headers=(
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", str(len(body) // 4)),
                    ("Set-Cookie", "JSESSIONID=1; Path=/"),
                ),
                request_headers=(("Host", "www.nato.int"), ("User-Agent", "nato-watch/bench")),
            )
            sha = archive.put_raw(TARGET, body, exchange=exchange, url=URL, captured_at=at)
            archive.append_check(
                CheckRecord(
                    target=TARGET,
                    started_at=at,
                    url=URL,
                    status=CheckStatus.UNCHANGED if again else CheckStatus.CHANGED,
                    duration_ms=400,
                    http_status=200,
                    attempts=1,
                    raw_sha256=sha,
                    body_size=len(body),
                    content_type="text/html; charset=utf-8",
                )
            )
    return archive


def run(*args: str) -> float:
    """Seconds one `nato-watch` process takes; it must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scraper", *args], capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"nato-watch {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=500, help="versions in the history")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median)")
    args = parser.parse_args()
    print(f"nato-watch WARC bench (Python {sys.version.split()[0]})\n")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        started = time.perf_counter()
        archive = history(data, args.versions)
        (data / "nato-watch.toml").write_text(CONFIG, encoding="utf-8")
        result = replay_target(archive, TARGET)
        assert len(result.versions) == args.versions, len(result.versions)
        print(
            f"history: {args.versions} versions, {2 * args.versions} captures, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        out = Path(tmp) / "export.warc.gz"
        exports = [run("--data-dir", str(data), "export-warc", str(out)) for _ in range(args.runs)]
        size = out.stat().st_size
        imports = []
        for n in range(args.runs):
            fresh = Path(tmp) / f"import-{n}"
            fresh.mkdir()
            (fresh / "nato-watch.toml").write_text(CONFIG, encoding="utf-8")
            imports.append(run("--data-dir", str(fresh), "import-warc", str(out)))
        back = Archive(Path(tmp) / "import-0")
        same = [(v.id, v.content_hash) for v in back.iter_versions(TARGET)] == [
            (v.id, v.content_hash) for v in archive.iter_versions(TARGET)
        ]
    export_s, import_s = statistics.median(exports), statistics.median(imports)
    print(
        f"export-warc: {export_s:6.2f} s  ({2 * args.versions / export_s:,.0f} captures/s, "
        f"median of {args.runs}; {size / 1e6:.1f} MB written; target: seconds, not minutes)"
    )
    print(
        f"import-warc: {import_s:6.2f} s  ({2 * args.versions / import_s:,.0f} captures/s "
        f"into an empty data dir, replay included, median of {args.runs})"
    )
    print(f"round trip: same version ids and content hashes: {same}")


if __name__ == "__main__":
    main()
