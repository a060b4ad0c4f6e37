"""Soak run of the scheduled job (not a test): `nato-watch run --every 2s` for minutes on end.

Owns: driving the real command (`python -m scraper run`, a subprocess) against a local copy of
the page (`bench/server.py`) that gets a new version every 30 s, then checking what the run
recorded: every version served is a version in the archive, in order, once (none missed, none
doubled); no check failed; checks kept their rhythm; SIGTERM stopped the run with exit 0;
`verify` finds no damage. It prints the resident memory (RSS) of the run at the start and the
end (and the peak), so a leak over thousands of checks shows.

    python -m bench.soak                   # 10 minutes
    python -m bench.soak --minutes 3 --keep /tmp/soak-data
    python -m bench.soak --minutes 3 --no-conditional   # a full download and parse each check

Exit status 0 when every assertion held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.server import PageServer, build_versions
from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.core.records import CheckStatus

TARGET = "republic-of-korea"


@dataclass(frozen=True)
class Sample:
    """The run's resident memory at one moment since the start of the soak."""

    at: float
    rss_kib: int


def rss_kib(pid: int) -> int:
    """The resident set size of process `pid` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def wait_for_checks(archive: Archive, count: int, timeout: float) -> None:
    """Wait until the check log has `count` lines."""
    deadline = time.monotonic() + timeout
    while sum(1 for _ in archive.iter_checks(TARGET)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: no check within {timeout:g} s; see the run's log")
        time.sleep(0.1)


def soak(
    minutes: float, every: str, change_every: float, data: Path, *, conditional: bool = True
) -> int:
    """Run the soak in `data`; print the report; return the exit status.

    With `conditional=False` the server ignores validators, so every check downloads and
    parses the whole page (the heavier path) instead of getting a 304.
    """
    changes = int(minutes * 60 // change_every)
    versions = build_versions(changes + 1)
    config = data / "nato-watch.toml"
    log_path = data / "run.log"
    archive = Archive(data)
    failures: list[str] = []
    with PageServer(versions, conditional=conditional) as server:
        config.write_text(f'[[targets]]\nname = "{TARGET}"\nurl = "{server.url}"\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("NATO_WATCH_")}
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "scraper", "--data-dir", str(data), "--config",
                 str(config), "run", "--every", every],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        started = time.monotonic()
        try:
            wait_for_checks(archive, 1, 30)
            samples = [Sample(0.0, rss_kib(process.pid))]
            served = [versions[0].content.stamp]
            next_change = started + change_every
            end = started + minutes * 60
            while time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
                now = time.monotonic()
                if now >= next_change and len(served) < len(versions):
                    served.append(server.set_version(len(served)).content.stamp)
                    next_change += change_every
                if now - samples[-1].at - started >= 5:
                    samples.append(Sample(now - started, rss_kib(process.pid)))
                if process.poll() is not None:
                    failures.append(f"the run ended by itself (exit {process.returncode})")
                    break
            # Let the last version be seen: a few intervals after the last switch.
            time.sleep(6)
            samples.append(Sample(time.monotonic() - started, rss_kib(process.pid)))
            process.send_signal(signal.SIGTERM)
            stop_sent = time.monotonic()
            code = process.wait(timeout=90)
            stop_took = time.monotonic() - stop_sent
        finally:
            if process.poll() is None:
                process.kill()
        counts = server.counts()

    records = list(archive.iter_checks(TARGET))
    recorded = [v.document.last_updated.text if v.document.last_updated else None
                for v in archive.iter_versions(TARGET)]  # fmt: skip
    hashes = [v.content_hash for v in archive.iter_versions(TARGET)]
    by_status = {s.value: sum(1 for r in records if r.status is s) for s in CheckStatus}
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(records)]
    durations = sorted(r.duration_ms for r in records)
    log_lines = [line for line in log_path.read_text().splitlines() if " check target=" in line]
    problems = verify(archive)

    if code != 0:
        failures.append(f"SIGTERM: exit {code}, expected 0")
    if recorded != served:
        missed = [s for s in served if s not in recorded]
        doubled = sorted({s for s in recorded if recorded.count(s) > 1}, key=str)
        failures.append(
            f"versions recorded {len(recorded)} != served {len(served)}; "
            f"missed {missed}, doubled {doubled}"
        )
    if len(set(hashes)) != len(hashes):
        failures.append("two versions share a content hash")
    if by_status["error"]:
        errors = {r.error for r in records if r.error}
        failures.append(f"{by_status['error']} failed check(s): {sorted(errors)[:3]}")
    if len(log_lines) != len(records):
        failures.append(f"{len(log_lines)} check lines logged for {len(records)} checks")
    if not problems.ok:
        failures.append(f"verify: {problems.summary_line()}")

    rss_start, rss_end = samples[0].rss_kib, samples[-1].rss_kib
    report = {
        "minutes": minutes,
        "every": every,
        "change_every_s": change_every,
        "conditional": conditional,
        "checks": len(records),
        "by_status": by_status,
        "versions_served": len(served),
        "versions_recorded": len(recorded),
        "requests": {"pages": counts.pages, "not_modified": counts.not_modified},
        "interval_s": {
            "mean": round(statistics.fmean(gaps), 3) if gaps else None,
            "min": round(min(gaps), 3) if gaps else None,
            "max": round(max(gaps), 3) if gaps else None,
        },
        "check_ms": {
            "p50": durations[len(durations) // 2] if durations else None,
            "p95": durations[int(len(durations) * 0.95)] if durations else None,
            "max": durations[-1] if durations else None,
        },
        "rss_kib": {
            "start": rss_start,
            "end": rss_end,
            "peak": max(s.rss_kib for s in samples),
            "growth": rss_end - rss_start,
        },
        "stop_s": round(stop_took, 2),
        "exit": code,
        "verify": problems.summary_line(),
        "ok": not failures,
        "failures": failures,
    }
    print(json.dumps(report, indent=1))
    print(
        f"soak: {len(records)} checks in {minutes:g} min, {len(recorded)}/{len(served)} versions "
        f"recorded, RSS {rss_start} KiB at start -> {rss_end} KiB at end "
        f"(peak {report['rss_kib']['peak']} KiB); {'OK' if not failures else 'FAILED'}"
    )
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the soak in a temporary (or kept) data dir."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--every", default="2s", help="the run's interval (default 2s)")
    parser.add_argument(
        "--change-every", type=float, default=30.0, help="seconds between versions (default 30)"
    )
    parser.add_argument(
        "--no-conditional",
        action="store_true",
        help="the server ignores ETag/Last-Modified: every check fetches and parses the page",
    )
    parser.add_argument("--keep", type=Path, help="use (and keep) this data dir")
    args = parser.parse_args(argv)
    options = {"conditional": not args.no_conditional}
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return soak(args.minutes, args.every, args.change_every, args.keep, **options)
    with tempfile.TemporaryDirectory(prefix="nato-watch-soak-") as tmp:
        return soak(args.minutes, args.every, args.change_every, Path(tmp), **options)


if __name__ == "__main__":
    sys.exit(main())
