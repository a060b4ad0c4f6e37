"""Benchmark: what following a translation costs. Numbers printed, medians.

A history of N versions (default 40) of each side of the pair — the real 2024 English page
and the stored opening of the August 2023 French page, each version a small edit and a new
stamp — is written through the real code (`Archive.add_version`). Then:

1. the facts of one page (`core.facts`, uncached), English and French;
2. the reports of the English side written without and with the counterpart block
   (`publish.write_report`, `pairs=`): the block's cost per report;
3. `rebuild_site` without and with the pair's lag on the index;
4. the lag of the latest versions (`reports.translation.pair_status`), as `nato-watch lag`
   computes it.

    .venv/bin/python bench/bench_translation.py [--versions 40] [--runs 7]
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from french_pages import french_page, load_french
from pages import edited, load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.facts import _read_facts
from scraper.core.parse import parse
from scraper.core.records import Provenance, Source
from scraper.core.target import TranslationPair
from scraper.reports.publish import rebuild_site, write_report
from scraper.reports.translation import pair_status

EN_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
FR_URL = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def build(archive: Archive, versions: int) -> None:
    english, french = load_content(), load_french()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for k in range(versions):
        at = start + timedelta(days=k)
        day = f"{1 + k % 28:02d} Jan. 2024"
        sides = (
            ("en", EN_URL, nato_page(edited(english, stamp=f"{day} 10:00",
                                            replace_text={"steadfast": f"steadfast {k}"}))),
            ("fr", FR_URL, french_page(edited(french, stamp=f"{day} 11:00",
                                              replace_text={"travaillent": f"travaillent {k}"}))),
        )  # fmt: skip
        for target, url, html in sides:
            provenance = Provenance(
                url=url, final_url=url, status=200, fetched_at=at, raw_sha256="0" * 64,
                parser_version="bench", source=Source.LIVE,
            )  # fmt: skip
            archive.add_version(target, parse(html, url=url), provenance, captured_at=at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    en = parse(nato_page(load_content()), url=EN_URL)
    fr = parse(french_page(load_french()), url=FR_URL)
    print(f"facts of the 2024 English page: {median_ms(lambda: _read_facts(en, 'en'), 30):.1f} ms")
    print(
        f"facts of the 2023 French opening: {median_ms(lambda: _read_facts(fr, 'fr'), 30):.1f} ms"
    )

    root = Path(tempfile.mkdtemp(prefix="nato-watch-bench-"))
    try:
        archive = Archive(root)
        build(archive, args.versions)
        pairs = (TranslationPair("en", "fr"),)
        history = list(archive.iter_versions("en"))
        steps = len(history) - 1

        def reports(with_pairs: tuple[TranslationPair, ...]) -> None:
            for old, new in itertools.pairwise(history):
                write_report(archive, old, new, pairs=with_pairs)

        plain = median_ms(lambda: reports(()), 3) / steps
        paired = median_ms(lambda: reports(pairs), 3) / steps
        print(f"a report of the English side: {plain:.1f} ms, {paired:.1f} ms with the block")
        rebuild_site(archive)
        bare = median_ms(lambda: rebuild_site(archive), args.runs)
        lagged = median_ms(lambda: rebuild_site(archive, pairs=pairs), args.runs)
        print(f"rebuild_site, {args.versions} versions a side: {bare:.0f} ms, {lagged:.0f} ms "
              "with the pair's lag on the index")  # fmt: skip
        lag = median_ms(lambda: pair_status(archive, pairs[0]), args.runs)
        print(f"the lag of the latest versions (pair_status): {lag:.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
