"""Time of an unchanged check, in process and as a whole `nato-watch check` process; and the
start-up of `nato-watch status`. Numbers printed, medians. Not a test.

Run from the repository root: `python bench/bench_check.py [--reps 200] [--log-lines 20000]`.

1. `check_target` of an unchanged page, in process against a local server with a real
   `Fetcher`: the server answering 304 to the ETag, and a full 200 of the same bytes. The
   archive holds one version and a check log of `--log-lines` lines (a few years of checks),
   so a reader of the log that reads it all would show.
2. The same as whole processes (`nato-watch check`, as cron starts it), fewer repetitions.
3. `nato-watch status` as a whole process (what a monitor calls every minute), when the
   command exists.
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import _Page, local_site
from pages import load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.document import canonical_json
from scraper.core.records import CheckRecord, CheckStatus
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.run.pipeline import check_target

TARGET = "republic-of-korea"
START = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)


class Clock:
    """A clock that moves one hour per call."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now


def grow_log(archive: Archive, url: str, lines: int, first: CheckRecord) -> datetime:
    """Give the check log `lines` unchanged lines after the first check; return the last time."""
    path = archive.checks_path(TARGET)
    at = first.started_at
    record = CheckRecord(
        target=TARGET,
        started_at=at,
        url=url,
        status=CheckStatus.UNCHANGED,
        duration_ms=40,
        http_status=304,
        attempts=1,
        content_hash=first.content_hash,
        version=first.version,
        not_modified=True,
    )
    chunks = []
    for _ in range(lines):
        at += timedelta(hours=6)
        item = CheckRecord(**{**record.__dict__, "started_at": at})
        chunks.append(canonical_json(item.to_dict()) + "\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(chunks))
    return at


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.2f} ms (min {min(values) * 1000:.2f})"


def in_process(reps: int, log_lines: int) -> None:
    _Page.body = nato_page(load_content()).encode("utf-8")
    _Page.etag = True  # the first version keeps the ETag the 304s answer to
    with tempfile.TemporaryDirectory() as tmp, local_site() as url:
        archive = Archive(Path(tmp))
        target = Target(TARGET, url)
        with Fetcher(FetchSettings(retries=1, respect_robots=False)) as fetcher:
            first = check_target(target, archive=archive, fetch=fetcher, now=Clock(START))
            assert first.ok, first.error
            last = grow_log(archive, url, log_lines, first.record)
            clock = Clock(last)
            for label, etag in (("304 (ETag)", True), ("full 200, same bytes", False)):
                _Page.etag = etag
                times = []
                for _ in range(reps):
                    started = time.perf_counter()
                    result = check_target(target, archive=archive, fetch=fetcher, now=clock)
                    times.append(time.perf_counter() - started)
                    assert result.status is CheckStatus.UNCHANGED, result.error
                print(f"  check_target, unchanged, {label:<22} {median_ms(times)}")
        _Page.etag = True
        processes(Path(tmp), url, max(5, reps // 20))


def processes(data: Path, url: str, reps: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
    base = [sys.executable, "-m", "scraper", "--data-dir", str(data)]
    check = [*base, "check", "--url", url, "--target", TARGET]
    runs = {"nato-watch check (304)": check, "nato-watch status": [*base, "status"]}
    for label, command in runs.items():
        times = []
        for _ in range(reps):
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode == 2 and b"No such command" in done.stderr:
                times = []
                break
        if times:
            print(f"  {label:<47} {median_ms(times)}  ({reps} processes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--log-lines", type=int, default=20000)
    args = parser.parse_args()
    print(f"Unchanged checks, medians of {args.reps} (check log of {args.log_lines:,} lines)")
    in_process(args.reps, args.log_lines)


if __name__ == "__main__":
    main()
