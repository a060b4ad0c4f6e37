"""Benchmark: `nato-watch terms` and `log --term` over a long history. Numbers printed, medians.

A history of N versions (default 500) of the real 2024 page is written through
`scraper.archive.store.Archive`, each version one editor's edit of the one before: a word changed in
one paragraph, and every 7th version a watched term added to or taken out of a sentence, so
counts move the way they do on the real page. Then:

1. `nato-watch terms` as a user runs it: a fresh process (`python -m scraper`), start-up,
   config, reading every version file, counting, printing — the number the 1-second budget is
   about;
2. the same work in-process (`term_table` over `Archive.iter_versions`), cold (a new
   watchlist, nothing cached) and split into reading the versions and counting;
3. `nato-watch log --term China` in a fresh process.

    /tmp/venv/bin/python bench/bench_terms.py [--versions 500] [--runs 7]
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

from diff_cases import document_from_content
from flag_cases import reworded
from pages import load_content

from scraper.archive.store import Archive
from scraper.core.records import Provenance, Source
from scraper.core.terms import term_table
from scraper.core.watchlist import resolve_watch
from scraper.core.words import builtin_words

TARGET = "republic-of-korea"
URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
START = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
# Words that occur once on the page, in different paragraphs: each version edits one.
WORDS = ["strengthen", "reiterated", "flagship", "initiative", "detection", "verifiable",
         "stability", "training", "capacity", "vessels"]  # fmt: skip
# Every 7th version says (or stops saying) that China is concerned, too.
TERM_EDIT = (
    "the security situation on the Korean Peninsula",
    "the security situation on the Korean Peninsula and in China",
)


def write_history(root: Path, versions: int) -> None:
    """`versions` versions of the page, each one edit away from the one before."""
    archive = Archive(root)
    base = load_content()
    with archive.batch():
        for n in range(versions):
            words = {WORDS[k % len(WORDS)]: f"{WORDS[k % len(WORDS)]} ({k})" for k in range(n % 40)}
            if (n // 7) % 2:
                words[TERM_EDIT[0]] = TERM_EDIT[1]
            stamp_at = START + timedelta(hours=6 * n)
            content = reworded(base, words, stamp=f"{stamp_at:%d %b}. {stamp_at:%Y %H:%M}")
            provenance = Provenance(
                url=URL,
                final_url=URL,
                status=200,
                fetched_at=stamp_at,
                raw_sha256=f"{n:064x}",
                parser_version="bench",
                source=Source.LIVE,
            )
            archive.add_version(
                TARGET, document_from_content(content), provenance, captured_at=stamp_at
            )


def timed_process(root: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scraper", "--data-dir", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start, done.stdout


def in_process(root: Path) -> tuple[float, float, float]:
    """(read versions, count terms, total) seconds, with a fresh watchlist."""
    words = builtin_words()
    watch = resolve_watch(words.default_watch, words)  # new: nothing cached yet
    archive = Archive(root)
    start = time.perf_counter()
    versions = list(archive.iter_versions(TARGET))
    read = time.perf_counter()
    term_table(versions, watch)
    counted = time.perf_counter()
    return read - start, counted - read, counted - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=500, help="versions in the history")
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each measurement")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        started = time.perf_counter()
        write_history(root, args.versions)
        size = sum(p.stat().st_size for p in root.rglob("*.json"))
        print(
            f"history: {args.versions} versions, {size / 1e6:.1f} MB of version files, "
            f"written in {time.perf_counter() - started:.1f} s"
        )

        walls = []
        for _ in range(args.runs):
            wall, out = timed_process(root, "terms")
            walls.append(wall)
        rows = out.splitlines()
        assert len(rows) == args.versions + 1, "one line per version and a header"
        print(
            f"`nato-watch terms` (fresh process):        median {statistics.median(walls):.3f} s, max {max(walls):.3f} s"
        )
        walls = [timed_process(root, "terms", "--format", "csv")[0] for _ in range(args.runs)]
        print(f"`nato-watch terms --format csv`:           median {statistics.median(walls):.3f} s")
        walls = []
        for _ in range(args.runs):
            wall, out = timed_process(root, "log", "--term", "China")
            walls.append(wall)
        print(
            f"`nato-watch log --term China`:             median {statistics.median(walls):.3f} s "
            f"({len(out.splitlines())} versions listed)"
        )
        walls = [timed_process(root, "--help")[0] for _ in range(args.runs)]
        print(f"`nato-watch --help` (start-up alone):      median {statistics.median(walls):.3f} s")
        parts = [in_process(root) for _ in range(args.runs)]
        read, count, total = (statistics.median(p[k] for p in parts) for k in range(3))
        print(
            f"in-process term_table, cold watchlist:    median {total:.3f} s "
            f"(read versions {read:.3f} s, count {count:.3f} s)"
        )


if __name__ == "__main__":
    main()
