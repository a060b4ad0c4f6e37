"""Benchmark: the 2016 -> 2024 report (diff + JSON + Markdown + HTML), median of many runs.

The two documents are parsed from the realistic fixture pages (tests/pages.py) built from the
real text of NATO's page, so the work is what `check` does when the page is rewritten.

    /tmp/venv/bin/python bench/bench_diff.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pages import load_content, nato_page

from scraper.core.diff import diff
from scraper.core.parse import parse
from scraper.reports.json_report import render_json
from scraper.reports.markdown import render_markdown
from scraper.reports.model import Report, VersionRef
from scraper.reports.site import render_html

URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="timed runs (after 5 warm-ups)")
    args = ap.parse_args()

    old = parse(nato_page(load_content("2016-10-06_en_opening")), url=URL)
    new = parse(nato_page(load_content("2024-07-16_en_full")), url=URL)
    t_old = datetime(2016, 10, 7, 8, 15, 2, tzinfo=UTC)
    t_new = datetime(2024, 7, 17, 6, 0, tzinfo=UTC)
    ref_old = VersionRef("2016-10-07T081502Z", t_old, t_old, old.last_updated, True)
    ref_new = VersionRef("2024-07-17T060000Z", t_new, t_new, new.last_updated)

    def once() -> tuple[float, float, int]:
        start = time.perf_counter()
        change = diff(old, new)
        mid = time.perf_counter()
        report = Report("republic-of-korea", ref_old, ref_new, change)
        size = sum(len(f(report)) for f in (render_json, render_markdown, render_html))
        end = time.perf_counter()
        return mid - start, end - mid, size

    for _ in range(5):
        once()
    diffs, renders, totals = [], [], []
    size = 0
    for _ in range(args.runs):
        d, r, size = once()
        diffs.append(d)
        renders.append(r)
        totals.append(d + r)

    def ms(values: list[float]) -> str:
        q = statistics.quantiles(values, n=10)
        return f"median {statistics.median(values) * 1000:7.2f} ms   p90 {q[-1] * 1000:7.2f} ms"

    change = diff(old, new)
    blocks = sum(len(s.blocks) for s in old.sections) + sum(len(s.blocks) for s in new.sections)
    print(
        f"2016 -> 2024 report: {blocks} blocks in, {change.summary.total} changes, "
        f"{size:,} characters out; {args.runs} runs"
    )
    print(f"  diff          {ms(diffs)}")
    print(f"  render x3     {ms(renders)}")
    print(f"  total         {ms(totals)}")


if __name__ == "__main__":
    main()
