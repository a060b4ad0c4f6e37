"""The capacity of one machine: `nato-watch run` over many targets (300) served locally from
several hosts, one full round of checks timed, with its CPU and peak memory. Numbers printed,
and written to bench/CAPACITY.md. Not a test.

    python bench/bench_capacity.py [--targets 300] [--hosts 1,10] [--changed 0.05]

For each host count, a fresh data dir and a `run` process (the console script next to this
Python, `--every 60s`, `[run] host_interval = "0s"`: the bench measures nato-watch, not the
politeness pause). The targets are spread over the hosts 127.0.0.1 … 127.0.0.H (Linux routes
all of 127/8 to the loopback), each host one server, serving the padded 2024 page of
`bench/server.py` with an ETag (304 to a matching If-None-Match) and a robots.txt:

- round 1, at start: every target's first check (a new version each);
- then the share `--changed` of the targets gets the next version of the page;
- round 2, a minute later: one full round of the scheduled job, unchanged checks (304) and
  the changed ones (a version, its report, the site) — what a round costs day after day.

A round is timed from its first request to the last target's check-log line (polled every
20 ms); CPU (user + sys) and the peak RSS are read from /proc for the `run` process.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from server import ROBOTS_TXT, PageVersion, build_versions, not_modified

RESULTS = Path(__file__).resolve().parent / "CAPACITY.md"
EVERY = 60  # seconds between rounds


@dataclass
class Host:
    """One local server: its address and which version each of its paths serves."""

    address: str
    server: ThreadingHTTPServer
    serving: dict[str, int]
    first_request: float | None = None

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.server.server_address[1]}{path}"


def start_host(address: str, versions: tuple[PageVersion, ...]) -> Host:
    """Serve `versions` by path on `address` (every path starts at version 0)."""
    host: Host

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if host.first_request is None:
                host.first_request = time.monotonic()
            if self.path == "/robots.txt":
                self._send(200, ROBOTS_TXT, {"Content-Type": "text/plain"})
                return
            index = host.serving.get(self.path)
            if index is None:
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            version = versions[index]
            validators = {"ETag": version.etag, "Last-Modified": version.last_modified}
            if not_modified(
                version, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            ):
                self._send(304, b"", validators)
                return
            self._send(
                200, version.body, {**validators, "Content-Type": "text/html; charset=UTF-8"}
            )

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    host = Host(address, server, {})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return host


@dataclass(frozen=True)
class Round:
    """One round of checks: how long it took, and what the run process spent on it."""

    seconds: float
    cpu: float
    checks: int


@dataclass(frozen=True)
class Measured:
    """One bench run: the host count, the two rounds, the peak RSS, the archive's size."""

    hosts: int
    targets: int
    changed: int
    first: Round
    steady: Round
    peak_rss_mib: float
    archive_mib: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory of process `pid` (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def lines_in_logs(data: Path, names: list[str]) -> list[int]:
    """How many lines each target's check log holds."""
    counts = []
    for name in names:
        try:
            counts.append((data / "snapshots" / name / "checks.jsonl").read_bytes().count(b"\n"))
        except FileNotFoundError:
            counts.append(0)
    return counts


def wait_round(data: Path, names: list[str], lines: int, pid: int, timeout: float) -> float:
    """Wait until every target's log holds `lines` lines; return when (monotonic)."""
    deadline = time.monotonic() + timeout
    while min(lines_in_logs(data, names)) < lines:
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: round {lines} did not finish in {timeout:.0f} s")
        time.sleep(0.02)
    return time.monotonic()


def measure(count: int, hosts: int, changed: float, workdir: Path) -> Measured:
    """One `run` over `count` targets on `hosts` hosts; two rounds timed."""
    versions = build_versions(2)
    served = [start_host(f"127.0.0.{k + 1}", versions) for k in range(hosts)]
    names = [f"t{k:03d}" for k in range(count)]
    where = {name: served[k % hosts] for k, name in enumerate(names)}
    for name in names:
        where[name].serving[f"/{name}.htm"] = 0
    data = workdir / f"data-{hosts}"
    data.mkdir()
    config = [
        "[run]",
        'host_interval = "0s"',
        "[fetch]",
        'contact = "bench@example.org"',
        "retries = 1",
    ]
    for name in names:
        config += ["[[targets]]", f'name = "{name}"', f'url = "{where[name].url(f"/{name}.htm")}"']
    (data / "nato-watch.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NATO_WATCH_"))}
    exe = Path(sys.executable).with_name("nato-watch")
    log = (workdir / f"run-{hosts}.log").open("w")
    process = subprocess.Popen(
        [str(exe), "--data-dir", str(data), "run", "--every", f"{EVERY}s"],
        stdout=log,
        stderr=log,
        env=env,
        cwd=data,
    )
    try:
        while all(h.first_request is None for h in served):
            time.sleep(0.005)
        start, cpu0 = time.monotonic(), cpu_seconds(process.pid)
        end = wait_round(data, names, 1, process.pid, EVERY - 5)
        first = Round(end - start, cpu_seconds(process.pid) - cpu0, count)
        to_change = names[: round(count * changed)]
        for name in to_change:
            where[name].serving[f"/{name}.htm"] = 1
        for h in served:
            h.first_request = None
        while all(h.first_request is None for h in served):
            time.sleep(0.005)
        start, cpu0 = time.monotonic(), cpu_seconds(process.pid)
        end = wait_round(data, names, 2, process.pid, EVERY)
        steady = Round(end - start, cpu_seconds(process.pid) - cpu0, count)
        peak = peak_rss_mib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        log.close()
        for h in served:
            h.server.shutdown()
            h.server.server_close()
    size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) / 2**20
    return Measured(hosts, count, len(to_change), first, steady, peak, size)


def table(results: list[Measured]) -> list[str]:
    """The results as Markdown rows."""
    out = [
        "| hosts | targets | round 1 (first checks): time, CPU | round 2 (unchanged, "
        "changed): time, CPU | checks/s in round 2 | peak RSS | archive |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in results:
        out.append(
            f"| {m.hosts} | {m.targets} | {m.first.seconds:.1f} s, {m.first.cpu:.1f} s | "
            f"{m.steady.seconds:.2f} s, {m.steady.cpu:.2f} s ({m.targets - m.changed} "
            f"unchanged, {m.changed} changed) | {m.targets / m.steady.seconds:.0f} | "
            f"{m.peak_rss_mib:.0f} MiB | {m.archive_mib:.0f} MiB |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=300)
    parser.add_argument("--hosts", default="1,10", help="host counts to try, comma-separated")
    parser.add_argument("--changed", type=float, default=0.05, help="share changed in round 2")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for hosts in (int(h) for h in args.hosts.split(",")):
            print(f"bench: {args.targets} targets on {hosts} host(s)…", file=sys.stderr)
            results.append(measure(args.targets, hosts, args.changed, Path(tmp)))
    lines = [
        "# nato-watch: the capacity of one machine",
        "",
        "Generated by `bench/bench_capacity.py`; rerun it to refresh this file. Do not edit by "
        "hand.",
        "",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average at the "
        f"start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        f"`nato-watch run --every {EVERY}s` over {args.targets} targets served on 127.0.0.x, "
        '`[run] host_interval = "0s"`; the padded 2024 page (40 KB), 304s to its ETag. Round 1: '
        "every target's first check; round 2: one scheduled round, "
        f"{args.changed:.0%} of the pages changed. Time from the round's first request to the "
        "last check-log line; CPU and peak RSS of the `run` process.",
        "",
        *table(results),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
