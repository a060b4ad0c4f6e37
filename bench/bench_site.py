"""Benchmark: the report site over a long history. Numbers printed, medians.

A history of N versions (default 500) of the real 2024 page is written through the real code:
`Archive.add_version` for each version, `pipeline.write_report` for each change (JSON,
Markdown and HTML with its side-by-side view), `publish.write_version_pages` for the version
pages, then `pipeline.rebuild_site` for the index, the feed and the "since" reports. The
history mixes what the site must draw: the first 40 versions imported (as from the Wayback
Machine), then changes under a new stamp, every 5th a silent edit (same stamp), every 7th a
restamp (same words), and a few big rewrites. Then:

1. `render_index` alone, from the summaries in memory: the time and the size of the page
   (the budget: under a second and under 1 MB with every version on the timeline);
2. `rebuild_site` as a check runs it after a new version (reading every JSON report,
   recomputing the target's "since" reports, writing what changed), and as another target's
   check runs it (this target's "since" reports only read);
3. one version page and one report, rendered, and their sizes.

    /tmp/venv/bin/python bench/bench_site.py [--versions 500] [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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
from scraper.reports.model import ReportSummary
from scraper.reports.publish import rebuild_site, write_report, write_version_pages
from scraper.reports.site import render_index, render_version_page

TARGET = "republic-of-korea"
URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
START = datetime(2016, 10, 7, 8, 15, tzinfo=UTC)
IMPORTED = 40
# Words that occur once on the page, in different paragraphs: each version edits one.
WORDS = ["strengthen", "reiterated", "flagship", "initiative", "detection", "verifiable",
         "stability", "training", "capacity", "vessels"]  # fmt: skip


def write_history(root: Path, versions: int) -> Archive:
    """`versions` versions of the page written through the archive, reports and pages."""
    archive = Archive(root)
    base = load_content()
    stamp_at = START
    words: dict[str, str] = {}
    written = []
    with archive.batch():
        for n in range(versions):
            # Imported captures are months apart; live checks every few hours to days.
            at = START + timedelta(days=45 * min(n, IMPORTED) + 2 * max(0, n - IMPORTED))
            restamp = n % 7 == 6
            silent = n % 5 == 4 and not restamp
            if not silent:
                stamp_at = at - timedelta(hours=3)
            if not restamp:
                k = n % len(WORDS)
                count = 1 + (n % 9 == 0) * 12  # now and then a big rewrite
                for j in range(count):
                    word = WORDS[(k + j) % len(WORDS)]
                    words[word] = f"{word} ({n})"
            content = reworded(base, words, stamp=f"{stamp_at:%d %b}. {stamp_at:%Y %H:%M}")
            provenance = Provenance(
                url=URL,
                final_url=URL,
                status=200,
                fetched_at=at,
                raw_sha256=f"{n:064x}",
                parser_version="bench",
                source=Source.WAYBACK if n < IMPORTED else Source.LIVE,
            )
            written.append(
                archive.add_version(
                    TARGET, document_from_content(content), provenance, captured_at=at
                )
            )
            if len(written) > 1:
                write_report(archive, written[-2], written[-1])
        write_version_pages(archive, written)
    rebuild_site(archive, target=TARGET)
    return archive


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=500, help="versions in the history")
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each measurement")
    ap.add_argument("--keep", type=Path, help="also copy the archive's reports/ here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        started = time.perf_counter()
        archive = write_history(root, args.versions)
        print(
            f"history: {args.versions} versions written through the archive, reports, version "
            f"pages and rebuild_site in {time.perf_counter() - started:.1f} s"
        )
        summaries = [
            ReportSummary.from_json(archive.site.read_report(TARGET, i, "json"))
            for i in archive.site.report_ids(TARGET)
        ]
        from scraper.reports.publish import _version_infos

        by_version = {(s.target, s.new_id): s for s in summaries}
        infos = _version_infos(archive, TARGET, archive.version_ids(TARGET), by_version)

        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            page = render_index(summaries, versions=infos)
            times.append(time.perf_counter() - start)
        stored = (root / "reports" / "index.html").read_text(encoding="utf-8")
        svg = re.search(r"<svg .*?</svg>", stored, re.S)
        assert svg is not None
        marks = stored.count('<a class="mark ')
        assert marks == args.versions, (marks, args.versions)
        print(f"render_index ({len(summaries)} reports, {len(infos)} versions): {median_ms(times)}")
        print(
            f"index.html: {len(stored.encode()) / 1024:.0f} KiB ({len(stored.encode())} bytes), "
            f"timeline SVG {len(svg.group(0).encode()) / 1024:.0f} KiB, {marks} marks; "
            f"list rows {stored.count('<tr id=')}"
        )
        assert len(page) <= len(stored) + 10_000  # the stored one has the "since" links too

        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rebuild_site(archive, target=TARGET)
            times.append(time.perf_counter() - start)
        since = archive.site.since_report_files(TARGET)
        print(
            f"rebuild_site after a check (read {len(summaries)} JSON reports, recompute "
            f"{len(since)} since reports, write index + feed): {median_ms(times)}"
        )
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rebuild_site(archive)  # another target's check: this one's since reports are read
            times.append(time.perf_counter() - start)
        print(f"rebuild_site with the since reports up to date (read only): {median_ms(times)}")

        versions = list(archive.iter_versions(TARGET))
        middle = versions[len(versions) // 2]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            html = render_version_page(middle, previous=versions[0].id, next=versions[-1].id)
            times.append(time.perf_counter() - start)
        report = archive.site.read_report(TARGET, middle.id, "html")
        print(
            f"version page: {median_ms(times)} to render, {len(html.encode()) / 1024:.0f} KiB; "
            f"report HTML (inline + side by side) {len(report.encode()) / 1024:.0f} KiB"
        )
        times = []
        for _ in range(max(1, args.runs // 3)):
            start = time.perf_counter()
            write_version_pages(archive, [replace(v) for v in versions])
            times.append(time.perf_counter() - start)
        print(f"all {len(versions)} version pages (replay does this): {median_ms(times)}")
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(root / "reports", args.keep)
            print(f"reports/ copied to {args.keep}")


if __name__ == "__main__":
    main()
