"""How long `parse()` takes on the 2024 page: the median of many runs, printed. Not a test.

Run from the repository root: `python bench/bench_parse.py [--runs N]`.

Pages timed: the golden cases of the 2024 page (nato.int-like, table, modern and Wayback
templates) and the nato.int-like page with its navigation menu repeated 25 times (~50 KB of
HTML, mostly menu, as on a portal with a mega-menu), to show how cost follows page size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pages import load_content, nato_page

from scraper.core.parse import parse

CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
CASES = ROOT / "tests" / "cases"


def pages() -> list[tuple[str, str, str]]:
    """(name, html, url) of every page timed."""
    out = []
    for name in ("nato_2024", "table_2024", "modern_2024", "wayback_2024"):
        folder = CASES / name
        url_file = folder / "url.txt"
        url = url_file.read_text(encoding="utf-8").strip() if url_file.is_file() else CANONICAL
        out.append((name, (folder / "page.html").read_text(encoding="utf-8"), url))
    html = nato_page(load_content())
    start = html.index('<ul class="menu">')
    end = html.index("</ul></nav>") + len("</ul>")
    menu = html[start:end]
    out.append(("nato_2024, menu x25", html.replace(menu, menu * 25, 1), CANONICAL))
    return out


def time_parse(html: str, url: str, runs: int) -> list[float]:
    """Wall times of `runs` parses, in milliseconds, after a short warm-up."""
    for _ in range(5):
        parse(html, url=url)
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        parse(html, url=url)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def main() -> None:
    """Time every page and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="parses per page (default 300)")
    args = parser.parse_args()
    print(f"parse() timings, {args.runs} runs each (Python {sys.version.split()[0]})")
    print(f"{'page':28} {'HTML KB':>8} {'median ms':>10} {'p10 ms':>8} {'p90 ms':>8}")
    for name, html, url in pages():
        times = sorted(time_parse(html, url, args.runs))
        p10 = times[len(times) // 10]
        p90 = times[(len(times) * 9) // 10]
        size = len(html.encode("utf-8")) / 1024
        print(f"{name:28} {size:8.1f} {statistics.median(times):10.2f} {p10:8.2f} {p90:8.2f}")


if __name__ == "__main__":
    main()
