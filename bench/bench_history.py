"""Does history slow a check? A check as `nato-watch run` makes it (in a long-lived process:
`check_target` with a real `Fetcher` against the local page server) and as a whole
`nato-watch check` process (as cron starts it), on an archive holding 20 versions and on one
holding 5,000. Numbers printed, medians. Not a test.

    python bench/bench_history.py [--sizes 20,5000] [--reps 30] [--process-reps 8]

Each archive's history is written through the real code (`Archive.add_version`,
`publish.write_report`, `publish.write_version_pages`, then a full `rebuild_site`): the 2024
page, one small edit per version; older versions two days apart, the newest dozen 40 days
apart, so that both histories give the "since" reports the same bases (the last three, a
week, a month, three months and a year before the latest, and the first) and a check of
either does the same work but for what grows with history. The histories end a few days ago;
then live checks go through the pipeline against `bench/server.py` (the page padded with
the real site's template noise, a new edit per version). The two archives alternate check by
check, so that the noise of a shared machine falls on both:

- in process: an unchanged check (the server answers 304 to the ETag), an unchanged check
  whose server ignores validators (a full 200 of the bytes stored), a changed check;
- whole processes: the same three, `nato-watch --data-dir D check --url URL --target bench`.

`compare_urlwatch.py` runs it too and writes its table into `RESULTS.md`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from diff_cases import document_from_content
from flag_cases import reworded
from pages import load_content
from server import PageServer, build_versions

from scraper.archive.store import Archive
from scraper.core.records import CheckStatus, Provenance, Source
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.reports.publish import rebuild_site, write_report, write_version_pages
from scraper.run.pipeline import check_target

TARGET = "bench"
# Words that occur once on the page, in different paragraphs: each version edits one.
WORDS = ["strengthen", "reiterated", "flagship", "initiative", "detection", "verifiable",
         "stability", "training", "capacity", "vessels"]  # fmt: skip
SPARSE_TAIL = 12  # the newest synthetic versions, 40 days apart
TAIL_GAP = timedelta(days=40)
DENSE_GAP = timedelta(days=2)


def history_times(count: int, end: datetime) -> list[datetime]:
    """Capture times of `count` versions ending at `end`: two days apart, then the newest
    `SPARSE_TAIL` 40 days apart."""
    times = []
    at = end
    for k in range(count):
        times.append(at)
        at -= TAIL_GAP if k < SPARSE_TAIL else DENSE_GAP
    return times[::-1]


def write_history(root: Path, count: int, *, url: str, end: datetime) -> Archive:
    """`count` versions of the page, written through the archive, reports and site."""
    archive = Archive(root)
    base = load_content()
    words: dict[str, str] = {}
    previous = None
    with archive.batch():
        written = []
        for n, at in enumerate(history_times(count, end)):
            k = n % len(WORDS)
            words[WORDS[k]] = f"{WORDS[k]} ({n})"
            stamp = at - timedelta(hours=3)
            content = reworded(base, words, stamp=f"{stamp:%d %b}. {stamp:%Y %H:%M}")
            provenance = Provenance(
                url=url,
                final_url=url,
                status=200,
                fetched_at=at,
                raw_sha256=f"{n:064x}",
                parser_version="bench",
                source=Source.LIVE,
            )
            version = archive.add_version(
                TARGET, document_from_content(content), provenance, captured_at=at
            )
            if previous is not None:
                write_report(archive, previous, version)
            written.append(version)
            previous = version
        write_version_pages(archive, written)
    rebuild_site(archive, target=TARGET)
    return archive


class Clock:
    """Capture times for in-process checks: one minute apart from `start`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@dataclass
class Sizes:
    """Milliseconds of each kind of check, by history size."""

    samples: dict[int, dict[str, list[float]]] = field(default_factory=dict)

    def add(self, size: int, kind: str, ms: float) -> None:
        """One measurement."""
        self.samples.setdefault(size, {}).setdefault(kind, []).append(ms)

    def median(self, size: int, kind: str) -> float:
        """The median of one kind of check at one size."""
        return statistics.median(self.samples[size][kind])

    def spread(self, size: int, kind: str) -> tuple[float, float]:
        """The fastest and slowest of one kind of check at one size."""
        values = self.samples[size][kind]
        return min(values), max(values)


@dataclass
class HistoryResult:
    """What the bench measured."""

    sizes: tuple[int, ...]
    in_process: Sizes
    processes: Sizes
    build_seconds: dict[int, float]
    since_reports: dict[int, int]


SETTLE = 3.0  # seconds between the changed checks and the unchanged ones


def alternate(rep: int, sizes: Sequence[int]) -> list[int]:
    """The sizes in the order of repetition `rep`: the first one flips every time."""
    return list(sizes) if rep % 2 == 0 else list(reversed(sizes))


KINDS = ("unchanged, 304", "unchanged, full 200 of the stored bytes", "changed")


def measure(
    sizes: Sequence[int],
    *,
    reps: int,
    process_reps: int,
    run_process: Callable[[list[str], Path], float] | None,
    workdir: Path,
    progress: Callable[[str], None] = lambda _text: None,
) -> HistoryResult:
    """Build one archive per size, then alternate the archives check by check.
    `run_process(argv, cwd)` runs a whole process and returns its wall time in ms (None: no
    process measurements)."""
    versions = build_versions(2 + reps + process_reps + 4)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    archives: dict[int, Archive] = {}
    built: dict[int, float] = {}
    with PageServer(versions) as server:
        for size in sizes:
            progress(f"history: writing {size} versions")
            started = time.perf_counter()
            archives[size] = write_history(workdir / f"h{size}", size - 1, url=server.url, end=end)
            built[size] = time.perf_counter() - started
        target = Target(TARGET, server.url)
        in_process = Sizes()
        clock = {size: Clock(end + timedelta(hours=1)) for size in sizes}
        next_version = 0
        with Fetcher(FetchSettings(retries=1, respect_robots=False)) as fetcher:

            def check(size: int, expect: CheckStatus) -> float:
                started = time.perf_counter()
                result = check_target(
                    target, archive=archives[size], fetch=fetcher, now=clock[size]
                )
                ms = (time.perf_counter() - started) * 1000
                assert result.status is expect, (size, expect, result.status, result.error)
                return ms

            # The first live check is a change (the server's page differs from the history's).
            for size in sizes:
                check(size, CheckStatus.CHANGED)
            progress("history: in-process checks")
            for rep in range(reps):
                next_version += 1
                server.set_version(next_version)
                for size in alternate(rep, sizes):
                    in_process.add(size, "changed", check(size, CheckStatus.CHANGED))
            # `run` checks minutes or hours apart: by the next check, the listing of the
            # versions a check wrote is settled (`archive.listing`), as it is here after a pause.
            time.sleep(SETTLE)
            for kind, conditional in ((KINDS[0], True), (KINDS[1], False)):
                server.conditional = conditional
                for rep in range(reps):
                    for size in alternate(rep, sizes):
                        in_process.add(size, kind, check(size, CheckStatus.UNCHANGED))
            server.conditional = True
        processes = Sizes()
        if run_process is not None:
            progress("history: whole processes")
            for rep in range(process_reps):
                order = alternate(rep, sizes)
                next_version += 1
                server.set_version(next_version)
                for kind, conditional in (("changed", True), (KINDS[0], True), (KINDS[1], False)):
                    server.conditional = conditional
                    for size in order:
                        argv = ["--data-dir", str(archives[size].root), "check", "--url",
                                server.url, "--target", TARGET]  # fmt: skip
                        processes.add(size, kind, run_process(argv, archives[size].root))
                server.conditional = True
    since = {size: len(archives[size].site.since_report_files(TARGET)) for size in sizes}
    return HistoryResult(tuple(sizes), in_process, processes, built, since)


def lines(result: HistoryResult) -> list[str]:
    """The result as a Markdown table, sizes side by side."""
    small, big = result.sizes[0], result.sizes[-1]
    out = [
        f"| check | {small} versions | {big} versions | ratio |",
        "|---|---|---|---|",
    ]
    for label, sizes in (("in process", result.in_process), ("whole process", result.processes)):
        if not sizes.samples:
            continue
        for kind in KINDS:
            a, b = sizes.median(small, kind), sizes.median(big, kind)
            lo_a, hi_a = sizes.spread(small, kind)
            lo_b, hi_b = sizes.spread(big, kind)
            out.append(
                f"| {label}: {kind} | {a:.1f} ms ({lo_a:.1f}–{hi_a:.1f}) | "
                f"{b:.1f} ms ({lo_b:.1f}–{hi_b:.1f}) | {b / a:.2f} |"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,5000", help="history sizes, comma-separated")
    parser.add_argument("--reps", type=int, default=30, help="in-process checks of each kind")
    parser.add_argument("--process-reps", type=int, default=8, help="whole processes of each kind")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    import os
    import subprocess

    exe = Path(sys.executable).with_name("nato-watch")
    # As installed: byte-code caches on (a dev shell's PYTHONDONTWRITEBYTECODE recompiles
    # every module of an editable install in every process).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NATO_WATCH_"))}

    def run_process(argv: list[str], cwd: Path) -> float:
        started = time.perf_counter()
        done = subprocess.run([str(exe), *argv], cwd=cwd, env=env, capture_output=True, check=False)
        ms = (time.perf_counter() - started) * 1000
        assert done.returncode == 0, done.stderr.decode()
        return ms

    with tempfile.TemporaryDirectory() as tmp:
        result = measure(
            sizes,
            reps=args.reps,
            process_reps=args.process_reps,
            run_process=run_process,
            workdir=Path(tmp),
            progress=lambda text: print(text, file=sys.stderr, flush=True),
        )
    for size in sizes:
        print(
            f"history of {size}: written in {result.build_seconds[size]:.1f} s; "
            f"{result.since_reports[size]} since reports"
        )
    print("\n".join(lines(result)))


if __name__ == "__main__":
    main()
