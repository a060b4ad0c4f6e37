"""nato-watch side by side with urlwatch on the same work, on this machine (issue 8).

Owns: driving both tools as whole processes against one local copy of the page
(`bench/server.py`), measuring wall time, CPU (user + sys of the child, from `os.wait4`) and
peak RSS of every process, the archive each leaves behind, and nato-watch's in-process costs,
start-up and replay; then writing the table to stdout and to `bench/RESULTS.md`.

Method: the two tools run in alternation (which goes first flips every repetition) so that
the noise of a shared 2-core machine falls on both; every figure is a median of several runs
and each comparison is a ratio of medians, nato-watch / urlwatch (below 1: nato-watch is
cheaper). urlwatch runs from its own virtualenv (`/tmp/bench-venv`, never the project's
dependencies) with a filter equivalent to nato-watch's parser: a CSS selector on the article
then html2text; every one of its files is given on the command line (`--urls`, `--config`,
`--cache`, `--hooks`), and both tools get a HOME inside the bench's temp dir, so nothing of
either touches the real home.

    /tmp/venv/bin/python bench/compare_urlwatch.py            # full run, ~6-8 min
    /tmp/venv/bin/python bench/compare_urlwatch.py --quick    # smoke run, ~1 min
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import math
import os
import platform
import pstats
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.server import PageServer, PageVersion, build_versions

TARGET = "bench"
REAL_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

# The targets of issue 19 (whole processes against urlwatch's) and of issue 8.
TARGET_UNCHANGED_RATIO = 0.6  # a 304
TARGET_SAME_RATIO = 0.7  # a full 200 of the stored bytes: no parser loaded
TARGET_CHANGED_RATIO = 1.2  # with BeautifulSoup parsing
TARGET_PARSE_COMPARE_MS = 15.0
TARGET_HELP_MS = 120.0
TARGET_BYTES_PER_UNCHANGED = 400
TARGET_BYTES_PER_VERSION = 20 * 1024

# urlwatch's equivalent of nato-watch's parser: the article block (title, stamp and body, as
# `tests/pages.py` lays them out) as text. Colour off: escape codes are not a report.
URLWATCH_JOB = """\
name: {name}
url: {url}
filter:
  - css: "section.content > div.grid"
  - html2text
"""
URLWATCH_CONFIG = """\
display:
  new: true
  error: true
  unchanged: false
  empty-diff: true
report:
  stdout:
    enabled: true
    color: false
"""


@dataclass(frozen=True)
class Settings:
    """How much of each workload to run, and with which programs."""

    reps: int
    versions: int
    inproc_reps: int
    startup_reps: int
    replay_reps: int
    nato_watch: Path
    urlwatch: Path
    python: Path
    results: Path | None
    mode: str


@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: wall seconds, CPU seconds (user + sys), peak RSS in KiB."""

    wall: float
    cpu: float
    maxrss_kib: int
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Samples:
    """Repeated measurements of one quantity."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median (the figure every table shows)."""
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        """The smallest value."""
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        """The largest value."""
        return max(self.values) if self.values else float("nan")


def samples(values: Sequence[float]) -> Samples:
    """`values` as `Samples`."""
    return Samples(tuple(values))


@dataclass(frozen=True)
class ProcessStats:
    """Wall, CPU and peak RSS of a series of runs of one tool."""

    wall_ms: Samples
    cpu_ms: Samples
    rss_mib: Samples

    @classmethod
    def of(cls, runs: Sequence[ProcessRun]) -> ProcessStats:
        """Summarise `runs`."""
        return cls(
            wall_ms=samples([r.wall * 1000 for r in runs]),
            cpu_ms=samples([r.cpu * 1000 for r in runs]),
            rss_mib=samples([r.maxrss_kib / 1024 for r in runs]),
        )


@dataclass(frozen=True)
class Pair:
    """One workload measured for both tools."""

    label: str
    reps: int
    nato: ProcessStats
    urlwatch: ProcessStats


@dataclass(frozen=True)
class Size:
    """An archive's size: bytes of content and bytes on disk (`du`: whole blocks)."""

    apparent: int
    disk: int
    files: int


@dataclass(frozen=True)
class History:
    """The long workloads: N versions in sequence, then N unchanged checks."""

    versions: int
    nato_runs: tuple[ProcessRun, ...]
    urlwatch_runs: tuple[ProcessRun, ...]
    nato_after_versions: Size
    urlwatch_after_versions: Size
    nato_parts: dict[str, Size]
    unchanged_checks: int
    nato_unchanged_runs: tuple[ProcessRun, ...]
    urlwatch_unchanged_runs: tuple[ProcessRun, ...]
    nato_after_unchanged: Size
    urlwatch_after_unchanged: Size
    nato_data_dir: Path


@dataclass(frozen=True)
class InProcess:
    """nato-watch's costs measured inside one Python process (no start-up, no imports)."""

    page_bytes: int
    parse_ms: Samples
    diff_ms: Samples
    parse_compare_ms: Samples
    check_304_ms: Samples
    check_same_ms: Samples
    check_changed_ms: Samples
    rebuild_site_ms: Samples
    history_versions: int
    profile: tuple[str, ...]


@dataclass(frozen=True)
class Replay:
    """`nato-watch replay` over the history, and `verify` after it."""

    versions: int
    runs: tuple[ProcessRun, ...]
    verify_runs: tuple[ProcessRun, ...]
    identical: bool
    differing: tuple[str, ...]


@dataclass(frozen=True)
class Startup:
    """Start-up times of whole processes that do (almost) nothing."""

    nato_help: Samples
    urlwatch_help: Samples
    python_bare: Samples
    help_imports: tuple[str, ...]
    check_imports: tuple[str, ...]
    changed_imports: tuple[str, ...]


@dataclass
class Findings:
    """Things that went wrong in a tool under the bench, said precisely."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        """Record one finding (each is printed once)."""
        if line not in self.lines:
            self.lines.append(line)
            print(f"  ! {line}", file=sys.stderr)


# -- running processes ---------------------------------------------------------------------------


# The process that starts every measured child. It is started first, while the bench is
# small, and stays small: Linux carries the parent's peak RSS over into a forked child's
# `ru_maxrss` (exec records the old memory map's high-water mark), so children forked from
# the bench itself — which holds hundreds of pages and documents — would all report the
# bench's size. The spawner's own ~10 MB is the floor of what it can report.
SPAWNER = r"""
import json, os, subprocess, sys, tempfile, time
for line in sys.stdin:
    job = json.loads(line)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(job["argv"], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=job["env"], cwd=job["cwd"])
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        reply = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                 "maxrss_kib": usage.ru_maxrss, "code": proc.returncode,
                 "stdout": out.read().decode("utf-8", "replace"),
                 "stderr": err.read().decode("utf-8", "replace")}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


class Spawner:
    """A small helper process that runs children and measures them with `os.wait4`."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def run(self, argv: Sequence[str], *, env: dict[str, str], cwd: Path) -> ProcessRun:
        """Run `argv` to its end; wall time, CPU (user + sys) and peak RSS of that child."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        job = {"argv": list(argv), "env": env, "cwd": str(cwd)}
        self._proc.stdin.write(json.dumps(job) + "\n")
        self._proc.stdin.flush()
        reply = self._proc.stdout.readline()
        if not reply:
            raise SystemExit("bench: the spawner process died")
        data = json.loads(reply)
        return ProcessRun(
            wall=float(data["wall"]),
            cpu=float(data["cpu"]),
            maxrss_kib=int(data["maxrss_kib"]),
            code=int(data["code"]),
            stdout=str(data["stdout"]),
            stderr=str(data["stderr"]),
        )

    def close(self) -> None:
        """End the helper (it exits when its stdin closes)."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


_spawner: Spawner | None = None


def run_process(argv: Sequence[str], *, env: dict[str, str], cwd: Path) -> ProcessRun:
    """Run `argv` to its end through the spawner; measure wall time, and CPU and peak RSS
    from `os.wait4`, which gives the rusage of exactly that child (and what it waited for),
    so the bench's own threads — the page server among them — are not counted."""
    global _spawner
    if _spawner is None:
        _spawner = Spawner()
    return _spawner.run(argv, env=env, cwd=cwd)


def child_env(root: Path) -> dict[str, str]:
    """The environment both tools run in: a private HOME, no proxies, no nato-watch settings,
    and byte-code caching on (in a private dir).

    Python's own variables are dropped: a PYTHONDONTWRITEBYTECODE inherited from a dev shell
    would make every process recompile the modules of an editable install from source (tens
    of ms) — a cost no installed user pays. PYTHONPYCACHEPREFIX keeps the .pyc files of both
    tools in the bench's temp dir rather than in the working tree.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NATO_WATCH_", "PYTHON"))
        and k.lower() not in ("http_proxy", "https_proxy")
    }
    home = root / "home"
    home.mkdir(exist_ok=True)
    env.update(
        PYTHONPYCACHEPREFIX=str(root / "pycache"),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        NO_PROXY="127.0.0.1,localhost",
        LC_ALL="C.UTF-8",
    )
    return env


class Tool(Protocol):
    """What the bench needs of a watcher: how to run one check and how big its archive is."""

    name: str

    def check(self, *, saving: bool = False) -> ProcessRun:
        """Run one check process (`saving`: one that will store a new version)."""
        ...

    def expect(self, run: ProcessRun, status: str, findings: Findings) -> None:
        """Record a finding if `run` did not report `status` (new, changed or unchanged)."""
        ...

    def size(self) -> Size:
        """The archive's size now."""
        ...

    def command(self) -> str:
        """The check command, as a user would type it (paths shortened)."""
        ...


class NatoWatch:
    """nato-watch's console script, one data dir."""

    name = "nato-watch"

    def __init__(self, exe: Path, data_dir: Path, url: str, env: dict[str, str]) -> None:
        self.exe, self.data_dir, self.url, self.env = exe, data_dir, url, env
        data_dir.mkdir(parents=True, exist_ok=True)

    def argv(self) -> list[str]:
        """`nato-watch --data-dir D check --url URL --target bench`."""
        return [str(self.exe), "--data-dir", str(self.data_dir), "check", "--url", self.url,
                "--target", TARGET]  # fmt: skip

    def check(self, *, saving: bool = False) -> ProcessRun:
        """Run one `nato-watch check` process (two versions in one second need no care:
        nato-watch gives the second one the next free second)."""
        return run_process(self.argv(), env=self.env, cwd=self.data_dir)

    def expect(self, run: ProcessRun, status: str, findings: Findings) -> None:
        """nato-watch says `bench: new|changed|unchanged — …` on stdout and exits 0."""
        if run.code != 0 or not run.stdout.startswith(f"{TARGET}: {status}"):
            findings.add(
                f"nato-watch check: expected {status!r}, got exit {run.code}, stdout "
                f"{run.stdout.strip()[:200]!r}, stderr {run.stderr.strip()[-300:]!r}"
            )

    def size(self) -> Size:
        """Every file of the data dir."""
        return tree_size(self.data_dir)

    def parts(self) -> dict[str, Size]:
        """The data dir by kind of file: raw snapshots, versions, reports, site, check log."""
        snap = self.data_dir / "snapshots" / TARGET
        reports = self.data_dir / "reports"
        return {
            "raw snapshots": tree_size(snap / "raw"),
            "versions": tree_size(snap / "versions"),
            "reports (md, html, json)": tree_size(reports / TARGET),
            "index.html + feed.atom": files_size([reports / "index.html", reports / "feed.atom"]),
            "checks.jsonl": files_size([snap / "checks.jsonl"]),
        }

    def command(self) -> str:
        """The check command line."""
        return (
            f"{self.exe} --data-dir $DATA check --url http://127.0.0.1:$PORT"
            f"/cps/en/natohq/topics_50098.htm --target {TARGET}"
        )


class Urlwatch:
    """urlwatch from its own virtualenv, one job, every file given on the command line."""

    name = "urlwatch"

    def __init__(self, exe: Path, folder: Path, url: str, env: dict[str, str]) -> None:
        self.exe, self.folder, self.url, self.env = exe, folder, url, env
        folder.mkdir(parents=True, exist_ok=True)
        self.urls = folder / "urls.yaml"
        self.config = folder / "urlwatch.yaml"
        self.cache = folder / "cache.db"
        self.hooks = folder / "hooks.py"  # never written: urlwatch loads hooks only if present
        self.last_end = 0.0
        self.urls.write_text(URLWATCH_JOB.format(name=TARGET, url=url), encoding="utf-8")
        self.config.write_text(URLWATCH_CONFIG, encoding="utf-8")

    def argv(self) -> list[str]:
        """`urlwatch --urls … --config … --cache … --hooks …` (runs every job)."""
        return [str(self.exe), "--urls", str(self.urls), "--config", str(self.config),
                "--cache", str(self.cache), "--hooks", str(self.hooks)]  # fmt: skip

    def check(self, *, saving: bool = False) -> ProcessRun:
        """Run one urlwatch process.

        urlwatch's cache stamps entries in whole seconds and loads the newest by that stamp:
        two saves within one second tie, and it may then diff against (and send the ETag of)
        the older one. No real watch checks twice a second, so a saving check waits,
        untimed, until the clock has left the second of the previous run.
        """
        if saving:
            wait = math.floor(self.last_end) + 1 - time.time()
            if wait > 0:
                time.sleep(wait + 0.005)
        run = run_process(self.argv(), env=self.env, cwd=self.folder)
        self.last_end = time.time()
        return run

    def expect(self, run: ProcessRun, status: str, findings: Findings) -> None:
        """urlwatch prints `NEW: bench` / `CHANGED: bench`, and nothing when unchanged."""
        ok = run.code == 0 and (
            run.stdout.strip() == ""
            if status == "unchanged"
            else f"{status.upper()}: {TARGET}" in run.stdout
        )
        if not ok:
            findings.add(
                f"urlwatch: expected {status!r}, got exit {run.code}, stdout "
                f"{run.stdout.strip()[:200]!r}, stderr {run.stderr.strip()[-300:]!r}"
            )

    def size(self) -> Size:
        """The cache database (and its journal, if SQLite left one)."""
        return files_size(
            [self.cache, self.folder / "cache.db-journal", self.folder / "cache.db-wal"]
        )

    def command(self) -> str:
        """The check command line."""
        return (
            f"{self.exe} --urls $U/urls.yaml --config $U/urlwatch.yaml --cache $U/cache.db "
            "--hooks $U/hooks.py"
        )


def tree_size(folder: Path) -> Size:
    """Apparent and on-disk bytes of every file under `folder`."""
    return files_size([p for p in folder.rglob("*") if p.is_file()] if folder.exists() else [])


def files_size(paths: Sequence[Path]) -> Size:
    """Apparent and on-disk bytes of the files in `paths` that exist."""
    apparent = disk = count = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            st = path.stat()
            apparent += st.st_size
            disk += st.st_blocks * 512
            count += 1
    return Size(apparent, disk, count)


def alternate(rep: int, tools: Sequence[Tool]) -> Sequence[Tool]:
    """The two tools in the order of repetition `rep`: the first one flips every time."""
    return tools if rep % 2 == 0 else list(reversed(tools))


def progress(text: str) -> None:
    """One line on stderr, so a long run shows it is alive."""
    print(f"[{datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


# -- whole-process workloads -----------------------------------------------------------------------


def measure_pair(
    label: str,
    tools: Sequence[Tool],
    reps: int,
    status: str,
    findings: Findings,
    before: Callable[[int], None] = lambda _rep: None,
) -> Pair:
    """Run one check of each tool `reps` times, in alternation; `before(rep)` sets the page."""
    runs: dict[str, list[ProcessRun]] = {t.name: [] for t in tools}
    for rep in range(reps):
        before(rep)
        for tool in alternate(rep, tools):
            run = tool.check(saving=status != "unchanged")
            tool.expect(run, status, findings)
            runs[tool.name].append(run)
    return Pair(label, reps, ProcessStats.of(runs["nato-watch"]), ProcessStats.of(runs["urlwatch"]))


def preflight(server: PageServer, versions: tuple[PageVersion, ...]) -> None:
    """Fail fast unless the page server behaves as the bench assumes: a 200 with validators,
    a 304 for a matching ETag or a later If-Modified-Since, a 200 once the version changes;
    and unless the template noise is noise to nato-watch's parser (same document with and
    without it), so that both tools are really compared on the article."""
    import urllib.error
    import urllib.request

    from scraper.core.parse import parse
    from tests.pages import nato_page

    def get(headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        request = urllib.request.Request(server.url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers)

    server.set_version(0)
    status, headers = get({})
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    problems = []
    if status != 200 or not etag or not modified:
        problems.append(f"plain GET: {status}, ETag {etag}, Last-Modified {modified}")
    if get({"If-None-Match": etag or ""})[0] != 304:
        problems.append("matching If-None-Match did not get 304")
    if get({"If-Modified-Since": modified or ""})[0] != 304:
        problems.append("If-Modified-Since = Last-Modified did not get 304")
    server.set_version(1)
    if get({"If-None-Match": etag or ""})[0] != 200:
        problems.append("a new version did not get 200 for the old ETag")
    server.set_version(0)
    for version in versions[:3]:
        padded = parse(version.html, url=REAL_URL)
        plain = parse(nato_page(version.content), url=REAL_URL)
        if padded.content_hash != plain.content_hash:
            problems.append(f"version {version.index}: the template noise changes the document")
    if problems:
        raise SystemExit(
            "bench: the page server is not fit to measure with: " + "; ".join(problems)
        )


def warm_up(
    settings: Settings, server: PageServer, root: Path, env: dict[str, str], findings: Findings
) -> None:
    """Run every code path once, untimed, in throwaway archives, so that each tool's modules
    are byte-compiled and its files are in the page cache before anything is measured."""
    tools: list[Tool] = [
        NatoWatch(settings.nato_watch, root / "warm-nato", server.url, env),
        Urlwatch(settings.urlwatch, root / "warm-urlwatch", server.url, env),
    ]
    for index, status in ((0, "new"), (1, "changed"), (1, "unchanged")):
        server.set_version(index)
        for tool in tools:
            tool.expect(tool.check(saving=status != "unchanged"), status, findings)
    for exe in (settings.nato_watch, settings.urlwatch):
        run_process([str(exe), "--help"], env=env, cwd=root)
    server.set_version(0)


def run_history(
    settings: Settings, server: PageServer, root: Path, env: dict[str, str], findings: Findings
) -> History:
    """N versions in sequence into fresh archives, then N unchanged checks; sizes after each."""
    nato = NatoWatch(settings.nato_watch, root / "history-nato", server.url, env)
    uw = Urlwatch(settings.urlwatch, root / "history-urlwatch", server.url, env)
    tools: list[Tool] = [nato, uw]
    runs: dict[str, list[ProcessRun]] = {"nato-watch": [], "urlwatch": []}
    server.conditional = True
    for index in range(settings.versions):
        server.set_version(index)
        for tool in alternate(index, tools):
            run = tool.check(saving=True)
            tool.expect(run, "new" if index == 0 else "changed", findings)
            runs[tool.name].append(run)
        if (index + 1) % 50 == 0:
            progress(f"history: {index + 1}/{settings.versions} versions")
    nato_after, uw_after, parts = nato.size(), uw.size(), nato.parts()
    same: dict[str, list[ProcessRun]] = {"nato-watch": [], "urlwatch": []}
    for rep in range(settings.versions):
        for tool in alternate(rep, tools):
            run = tool.check()
            tool.expect(run, "unchanged", findings)
            same[tool.name].append(run)
        if (rep + 1) % 50 == 0:
            progress(f"history: {rep + 1}/{settings.versions} unchanged checks")
    return History(
        versions=settings.versions,
        nato_runs=tuple(runs["nato-watch"]),
        urlwatch_runs=tuple(runs["urlwatch"]),
        nato_after_versions=nato_after,
        urlwatch_after_versions=uw_after,
        nato_parts=parts,
        unchanged_checks=settings.versions,
        nato_unchanged_runs=tuple(same["nato-watch"]),
        urlwatch_unchanged_runs=tuple(same["urlwatch"]),
        nato_after_unchanged=nato.size(),
        urlwatch_after_unchanged=uw.size(),
        nato_data_dir=nato.data_dir,
    )


def run_replay(
    settings: Settings, history: History, root: Path, env: dict[str, str], findings: Findings
) -> Replay:
    """`nato-watch replay` on copies of the history's archive; `verify` after each; whether
    the derived files came out byte for byte the same (DESIGN.md promises they do)."""
    runs, verifies = [], []
    differing: set[str] = set()
    for rep in range(settings.replay_reps):
        copy = root / f"replay-{rep}"
        shutil.copytree(history.nato_data_dir, copy)
        run = run_process(
            [str(settings.nato_watch), "--data-dir", str(copy), "replay", "--target", TARGET],
            env=env,
            cwd=copy,
        )
        if run.code != 0:
            findings.add(f"nato-watch replay: exit {run.code}: {run.stderr.strip()[-300:]!r}")
        runs.append(run)
        check = run_process(
            [str(settings.nato_watch), "--data-dir", str(copy), "verify"], env=env, cwd=copy
        )
        if check.code != 0:
            findings.add(
                f"nato-watch verify after replay: exit {check.code}: {check.stdout.strip()[-300:]!r}"
            )
        verifies.append(check)
        differing |= set(tree_differences(history.nato_data_dir, copy))
        shutil.rmtree(copy)
    if differing:
        findings.add(
            f"replay with the same parser did not reproduce {len(differing)} derived file(s) "
            f"byte for byte, e.g. {sorted(differing)[:3]}"
        )
    return Replay(
        history.versions, tuple(runs), tuple(verifies), not differing, tuple(sorted(differing))
    )


def tree_differences(a: Path, b: Path) -> list[str]:
    """Files (relative paths) of versions/ and reports/ that differ between two data dirs."""
    out = []
    for sub in (Path("snapshots") / TARGET / "versions", Path("reports")):
        names = {p.relative_to(a) for p in (a / sub).rglob("*") if p.is_file()}
        names |= {p.relative_to(b) for p in (b / sub).rglob("*") if p.is_file()}
        for name in sorted(names):
            pa, pb = a / name, b / name
            if not (pa.is_file() and pb.is_file()) or pa.read_bytes() != pb.read_bytes():
                out.append(str(name))
    return out


def run_startup(settings: Settings, root: Path, env: dict[str, str], server: PageServer) -> Startup:
    """`--help` of both tools and a bare interpreter, alternating; where the imports of
    nato-watch's start-up, of an unchanged check and of a changed check go
    (`python -X importtime`)."""
    commands = {
        "nato": [str(settings.nato_watch), "--help"],
        "urlwatch": [str(settings.urlwatch), "--help"],
        "python": [str(settings.python), "-c", "pass"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for rep in range(settings.startup_reps):
        order = list(commands) if rep % 2 == 0 else list(reversed(commands))
        for key in order:
            times[key].append(run_process(commands[key], env=env, cwd=root).wall * 1000)
    help_imports = import_profile(
        [str(settings.python), "-X", "importtime", "-m", "scraper", "--help"], env, root
    )
    data = root / "importtime-check"
    data.mkdir()
    check = [str(settings.python), "-X", "importtime", "-m", "scraper", "--data-dir", str(data),
             "check", "--url", server.url, "--target", TARGET]  # fmt: skip
    server.set_version(0)
    run_process(check, env=env, cwd=root)  # first check: a version exists, the next is 304
    check_imports = import_profile(check, env, root)
    server.set_version(1)
    changed_imports = import_profile(check, env, root)
    return Startup(
        nato_help=samples(times["nato"]),
        urlwatch_help=samples(times["urlwatch"]),
        python_bare=samples(times["python"]),
        help_imports=help_imports,
        check_imports=check_imports,
        changed_imports=changed_imports,
    )


IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


@dataclass(frozen=True)
class ImportNode:
    """One module of `-X importtime`'s tree: cumulative microseconds and what it imported."""

    name: str
    cumulative_us: int
    children: tuple[ImportNode, ...]


def import_tree(stderr: str) -> tuple[ImportNode, ...]:
    """The import tree of `python -X importtime` output (it lists children before parents,
    two spaces of indent per level)."""
    pending: dict[int, list[ImportNode]] = {}
    for line in stderr.splitlines():
        match = IMPORTTIME.match(line)
        if not match:
            continue
        depth = len(match.group(3)) // 2
        node = ImportNode(match.group(4), int(match.group(2)), tuple(pending.pop(depth + 1, [])))
        pending.setdefault(depth, []).append(node)
    return tuple(pending.get(0, []))


def import_profile(
    argv: list[str], env: dict[str, str], cwd: Path, *, floor_ms: float = 8.0, depth: int = 4
) -> tuple[str, ...]:
    """A process's imports as an indented tree: every module that took at least `floor_ms`
    (cumulative), down to `depth` levels, heaviest first."""
    run = run_process(argv, env=env, cwd=cwd)
    roots = import_tree(run.stderr)
    total = sum(n.cumulative_us for n in roots) / 1000
    lines = [f"all imports: {total:.0f} ms of a {run.wall * 1000:.0f} ms process"]

    def walk(nodes: Sequence[ImportNode], level: int) -> None:
        for node in sorted(nodes, key=lambda n: -n.cumulative_us):
            if node.cumulative_us / 1000 < floor_ms or level >= depth:
                continue
            lines.append(f"{'  ' * level}- {node.name}: {node.cumulative_us / 1000:.0f} ms")
            walk(node.children, level + 1)

    walk(roots, 0)
    return tuple(lines)


# -- in-process ----------------------------------------------------------------------------------


def run_in_process(
    settings: Settings,
    server: PageServer,
    versions: tuple[PageVersion, ...],
    root: Path,
    history: History,
) -> InProcess:
    """Parse, compare and the whole `check_target` inside this process, medians of many;
    and `rebuild_site` (which every changed check runs) on the history's full archive."""
    from scraper.archive.store import Archive
    from scraper.core.diff import diff
    from scraper.core.parse import parse
    from scraper.core.target import Target
    from scraper.fetching.http import Fetcher
    from scraper.fetching.settings import FetchSettings
    from scraper.reports.publish import rebuild_site
    from scraper.run.pipeline import check_target

    reps = settings.inproc_reps
    html = versions[0].html
    parse_ms = [timed(lambda: parse(html, url=REAL_URL)) for _ in range(reps)]
    pairs = min(len(versions) - 1, reps)
    docs = [parse(v.html, url=REAL_URL) for v in versions[: pairs + 1]]
    diff_ms = [timed(functools.partial(diff, docs[i - 1], docs[i])) for i in range(1, pairs + 1)]

    def parse_compare(i: int) -> None:
        new = parse(versions[i].html, url=REAL_URL)
        if new.content_hash != docs[i - 1].content_hash:
            diff(docs[i - 1], new)

    compare_ms = [timed(functools.partial(parse_compare, i)) for i in range(1, pairs + 1)]

    def now() -> datetime:
        return datetime.now(UTC)

    target = Target(name=TARGET, url=server.url)
    with Fetcher(FetchSettings()) as fetcher:
        archive = Archive(root / "inprocess")
        server.conditional = True
        server.set_version(0)
        check_target(target, archive=archive, fetch=fetcher, now=now)
        check_304 = [timed(lambda: check_target(target, archive=archive, fetch=fetcher, now=now))
                     for _ in range(reps)]  # fmt: skip
        server.conditional = False
        check_same = [timed(lambda: check_target(target, archive=archive, fetch=fetcher, now=now))
                      for _ in range(reps)]  # fmt: skip
        server.conditional = True
        changed = []
        for i in range(1, pairs + 1):
            server.set_version(i)
            changed.append(
                timed(lambda: check_target(target, archive=archive, fetch=fetcher, now=now))
            )
        # Where a changed check's time goes: a profile of more changed checks, fresh archive.
        archive = Archive(root / "inprocess-profile")
        server.set_version(0)
        check_target(target, archive=archive, fetch=fetcher, now=now)
        profiled = min(30, len(versions) - 1)
        profiler = cProfile.Profile()
        for i in range(1, profiled + 1):
            server.set_version(i)
            profiler.enable()
            check_target(target, archive=archive, fetch=fetcher, now=now)
            profiler.disable()
    # Identical output is not rewritten, so this leaves the history's archive as it was.
    full = Archive(history.nato_data_dir)
    rebuild = [timed(functools.partial(rebuild_site, full)) for _ in range(5)]
    return InProcess(
        page_bytes=len(versions[0].body),
        rebuild_site_ms=samples(rebuild),
        history_versions=history.versions,
        parse_ms=samples(parse_ms),
        diff_ms=samples(diff_ms),
        parse_compare_ms=samples(compare_ms),
        check_304_ms=samples(check_304),
        check_same_ms=samples(check_same),
        check_changed_ms=samples(changed),
        profile=profile_lines(profiler, profiled),
    )


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call of `fn` takes."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


# The functions whose cumulative time says where a check goes.
PROFILED = (
    ("pipeline.py", "check_target"),
    ("fetch.py", "__call__"),
    ("parse.py", "parse"),
    ("suspect.py", "assess"),
    ("diff.py", "diff"),
    ("pipeline.py", "write_report"),
    ("json_report.py", "render_json"),
    ("markdown.py", "render_markdown"),
    ("site.py", "render_html"),
    ("pipeline.py", "rebuild_site"),
    ("site.py", "render_index"),
    ("site.py", "render_feed"),
    ("store.py", "latest_version"),
    ("store.py", "put_raw"),
    ("store.py", "add_version"),
    ("store.py", "append_check"),
    ("suspect.py", "times_held"),
    ("document.py", "content_hash"),
    ("files.py", "atomic_write"),
)


def profile_lines(profiler: cProfile.Profile, checks: int) -> tuple[str, ...]:
    """Cumulative time per check of the pipeline's stages, from a profile of `checks` checks."""
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(v[2] for v in table.values())
    lines = [
        f"profiled: {checks} changed checks, {total * 1000 / checks:.1f} ms each under cProfile"
    ]
    for file_end, name in PROFILED:
        found = [
            (v[1], v[3]) for (path, _line, fn), v in table.items()
            if fn == name and path.endswith(file_end)
        ]  # fmt: skip
        if found:
            calls = sum(c for c, _ in found)
            cumulative = max(t for _, t in found)  # recursion counts once
            lines.append(
                f"{file_end}:{name}: {cumulative * 1000 / checks:.2f} ms/check "
                f"({calls / checks:.1f} calls/check)"
            )
    return tuple(lines)


# -- report --------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    """a / b (nan when b is 0)."""
    return a / b if b else float("nan")


def verdict(value: float, target: float) -> str:
    """`met` or `missed by N%` (for an upper bound)."""
    if value != value:  # nan
        return "n/a"
    if value <= target:
        return "met"
    return f"missed: {value / target:.2f}× the target"


def kib(n: float) -> str:
    """Bytes as KiB with one decimal."""
    return f"{n / 1024:.1f} KiB"


def machine() -> list[str]:
    """nproc, CPU model, memory, kernel, Python, load."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPU: {model}, nproc {os.cpu_count()}; memory {mem}",
        f"- OS: {platform.system()} {platform.release()}; load average at the start {load}",
        f"- Python {platform.python_version()} ({sys.executable})",
    ]


def tool_versions(settings: Settings, env: dict[str, str]) -> list[str]:
    """Versions of both tools (and nato-watch's commit)."""
    nw = run_process([str(settings.nato_watch), "--version"], env=env, cwd=REPO_ROOT).stdout.strip()
    uw = run_process([str(settings.urlwatch), "--version"], env=env, cwd=REPO_ROOT).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "log", "-1", "--format=%h %cI"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "scraper"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    uw_python = Path(settings.urlwatch).parent / "python"
    uw_py = run_process([str(uw_python), "-V"], env=env, cwd=REPO_ROOT).stdout.strip()
    return [
        f"- {nw} (commit {commit}{', scraper/ has uncommitted changes' if dirty else ''}), "
        f"run as {settings.nato_watch}",
        f"- {uw} ({uw_py}, its own virtualenv), run as {settings.urlwatch}",
    ]


def pair_rows(pair: Pair, target_ratio: float | None) -> list[str]:
    """Three table rows (wall, CPU, peak RSS) of one workload."""
    rows = []
    for what, nw, uw, unit in (
        ("wall", pair.nato.wall_ms, pair.urlwatch.wall_ms, "ms"),
        ("CPU", pair.nato.cpu_ms, pair.urlwatch.cpu_ms, "ms"),
        ("peak RSS", pair.nato.rss_mib, pair.urlwatch.rss_mib, "MiB"),
    ):
        r = ratio(nw.median, uw.median)
        target = ""
        if what == "wall" and target_ratio is not None:
            target = f"≤ {target_ratio} — {verdict(r, target_ratio)}"
        rows.append(
            f"| {pair.label}: {what} | {nw.median:.1f} {unit} ({nw.low:.0f}–{nw.high:.0f}) | "
            f"{uw.median:.1f} {unit} ({uw.low:.0f}–{uw.high:.0f}) | {r:.2f} | {target} |"
        )
    return rows


def render(
    settings: Settings,
    header: list[str],
    pairs: list[tuple[Pair, float | None]],
    history: History,
    inproc: InProcess,
    replay: Replay,
    startup: Startup,
    findings: Findings,
    served: str,
    elapsed: float,
    commands: list[str],
) -> str:
    """RESULTS.md."""
    h = history
    n = h.versions
    nw_hist, uw_hist = ProcessStats.of(h.nato_runs), ProcessStats.of(h.urlwatch_runs)
    nw_total_wall = sum(r.wall for r in h.nato_runs)
    uw_total_wall = sum(r.wall for r in h.urlwatch_runs)
    nw_total_cpu = sum(r.cpu for r in h.nato_runs)
    uw_total_cpu = sum(r.cpu for r in h.urlwatch_runs)
    window = max(1, min(20, n // 4))
    nw_first = statistics.median(r.wall * 1000 for r in h.nato_runs[1 : 1 + window])
    nw_last = statistics.median(r.wall * 1000 for r in h.nato_runs[-window:])
    uw_first = statistics.median(r.wall * 1000 for r in h.urlwatch_runs[1 : 1 + window])
    uw_last = statistics.median(r.wall * 1000 for r in h.urlwatch_runs[-window:])
    per_version_nw = h.nato_after_versions.apparent / n
    per_version_uw = h.urlwatch_after_versions.apparent / n
    per_same_nw = (
        h.nato_after_unchanged.apparent - h.nato_after_versions.apparent
    ) / h.unchanged_checks
    per_same_uw = (
        h.urlwatch_after_unchanged.apparent - h.urlwatch_after_versions.apparent
    ) / h.unchanged_checks
    same_nw, same_uw = (
        ProcessStats.of(h.nato_unchanged_runs),
        ProcessStats.of(h.urlwatch_unchanged_runs),
    )
    replay_wall = samples([r.wall for r in replay.runs])
    replay_cpu = samples([r.cpu for r in replay.runs])
    verify_wall = samples([r.wall * 1000 for r in replay.verify_runs])

    out = [
        "# nato-watch vs urlwatch — benchmark results",
        "",
        "Generated by `bench/compare_urlwatch.py` (issue 8); rerun it to refresh this file "
        "(see `bench/README.md`). Do not edit by hand.",
        "",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, mode `{settings.mode}`, "
        f"{elapsed / 60:.1f} min in all.",
        "",
        "## Machine and tools",
        "",
        *header,
        "",
        "## Method",
        "",
        f"- The page: the real 2024 text in the nato.int-like template, padded with template "
        f"noise to {inproc.page_bytes / 1024:.1f} KiB (gzip on the wire), served by "
        "`bench/server.py` on 127.0.0.1 with ETag/Last-Modified and 304s; "
        f"{n} generated versions, each one small edit (a word, a number, a bullet added or "
        'removed) and a new "Last updated" stamp.',
        "- Every figure is a whole process, started the way a user or cron starts it; the two "
        "tools alternate (the first one flips each repetition). Cells give the median and "
        "(min–max); ratio = nato-watch median / urlwatch median (< 1: nato-watch is cheaper).",
        "- CPU = user + sys of the child, peak RSS = its `ru_maxrss`, both from `os.wait4`.",
        f"- Repetitions: {settings.reps} per single-check workload; {n} versions then {n} "
        f"unchanged checks for the history; {settings.inproc_reps} in-process repetitions; "
        f"{settings.startup_reps} start-ups; {settings.replay_reps} replay(s).",
        "- nato-watch does more per check than urlwatch: it keeps the raw body, a structured "
        "version, three report formats, an index and a feed, and logs every check; urlwatch "
        "keeps the filtered text and prints a unified diff.",
        "",
        "Commands (`$DATA`, `$U`, `$PORT` are the bench's temp dirs and the server's port):",
        "",
        "```",
        *commands,
        "```",
        "",
        "## Whole processes, side by side",
        "",
        "| workload | nato-watch | urlwatch | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for pair, target_ratio in pairs:
        out += pair_rows(pair, target_ratio)
    out += [
        f"| {n} versions in sequence: total wall | {nw_total_wall:.1f} s | {uw_total_wall:.1f} s "
        f"| {ratio(nw_total_wall, uw_total_wall):.2f} | |",
        f"| {n} versions in sequence: total CPU | {nw_total_cpu:.1f} s | {uw_total_cpu:.1f} s "
        f"| {ratio(nw_total_cpu, uw_total_cpu):.2f} | |",
        f"| {n} versions: median check wall | {nw_hist.wall_ms.median:.0f} ms | "
        f"{uw_hist.wall_ms.median:.0f} ms | {ratio(nw_hist.wall_ms.median, uw_hist.wall_ms.median):.2f} | |",
        f"| {n} versions: median check, first {window} → last {window} | "
        f"{nw_first:.0f} → {nw_last:.0f} ms | {uw_first:.0f} → {uw_last:.0f} ms | | |",
        f"| {n} unchanged checks after that: median wall | {same_nw.wall_ms.median:.0f} ms | "
        f"{same_uw.wall_ms.median:.0f} ms | {ratio(same_nw.wall_ms.median, same_uw.wall_ms.median):.2f} | "
        f"≤ {TARGET_UNCHANGED_RATIO} — {verdict(ratio(same_nw.wall_ms.median, same_uw.wall_ms.median), TARGET_UNCHANGED_RATIO)} |",
        f"| archive after {n} versions (bytes; `du`) | {kib(h.nato_after_versions.apparent)}; "
        f"{kib(h.nato_after_versions.disk)} in {h.nato_after_versions.files} files | "
        f"{kib(h.urlwatch_after_versions.apparent)}; {kib(h.urlwatch_after_versions.disk)} | "
        f"{ratio(h.nato_after_versions.apparent, h.urlwatch_after_versions.apparent):.2f} | |",
        f"| archive bytes per version | {kib(per_version_nw)} | {kib(per_version_uw)} | "
        f"{ratio(per_version_nw, per_version_uw):.2f} | ≤ 20 KiB — "
        f"{verdict(per_version_nw, TARGET_BYTES_PER_VERSION)} |",
        f"| archive after {h.unchanged_checks} more unchanged checks | "
        f"{kib(h.nato_after_unchanged.apparent)}; {kib(h.nato_after_unchanged.disk)} | "
        f"{kib(h.urlwatch_after_unchanged.apparent)}; {kib(h.urlwatch_after_unchanged.disk)} | | |",
        f"| archive bytes per unchanged check | {per_same_nw:.0f} B | {per_same_uw:.0f} B | | "
        f"≤ {TARGET_BYTES_PER_UNCHANGED} B — {verdict(per_same_nw, TARGET_BYTES_PER_UNCHANGED)} |",
        "",
        f"nato-watch's archive after {n} versions, by kind (bytes; on disk):",
        "",
        "| part | bytes | per version | on disk | files |",
        "|---|---|---|---|---|",
    ]
    for part, size in h.nato_parts.items():
        out.append(
            f"| {part} | {kib(size.apparent)} | {size.apparent / n / 1024:.2f} KiB | "
            f"{kib(size.disk)} | {size.files} |"
        )
    out += [
        "",
        "## nato-watch alone",
        "",
        "| measure | median (min–max) | target |",
        "|---|---|---|",
        f"| parse the {inproc.page_bytes / 1024:.0f} KiB page (in process) | "
        f"{fmt_ms(inproc.parse_ms)} | |",
        f"| diff two consecutive versions (in process) | {fmt_ms(inproc.diff_ms)} | |",
        f"| parse + compare (parse, hash, diff against the previous version) | "
        f"{fmt_ms(inproc.parse_compare_ms)} | ≤ {TARGET_PARSE_COMPARE_MS:.0f} ms — "
        f"{verdict(inproc.parse_compare_ms.median, TARGET_PARSE_COMPARE_MS)} |",
        f"| `check_target`, unchanged, 304 (real Fetcher, local server) | {fmt_ms(inproc.check_304_ms)} | |",
        f"| `check_target`, unchanged, full 200 (same bytes) | {fmt_ms(inproc.check_same_ms)} | |",
        f"| `check_target`, changed (parse, compare, store, 3 reports, index, feed) | "
        f"{fmt_ms(inproc.check_changed_ms)} | |",
        f"| `rebuild_site` (index + feed from every JSON report) with {inproc.history_versions} "
        f"versions stored; every changed check runs it | {fmt_ms(inproc.rebuild_site_ms)} | |",
        f"| `nato-watch replay` of {replay.versions} versions: wall | {replay_wall.median:.2f} s "
        f"({replay_wall.low:.2f}–{replay_wall.high:.2f}) = "
        f"{replay.versions / replay_wall.median:.0f} versions/s | |",
        f"| `nato-watch replay`: CPU | {replay_cpu.median:.2f} s | |",
        f"| `nato-watch verify` of that archive | {fmt_ms(verify_wall)} | |",
        f"| replay reproduced versions and reports byte for byte | "
        f"{'yes' if replay.identical else 'no: ' + ', '.join(replay.differing[:3])} | |",
        f"| `nato-watch --help` start-up | {fmt_ms(startup.nato_help)} | ≤ {TARGET_HELP_MS:.0f} ms — "
        f"{verdict(startup.nato_help.median, TARGET_HELP_MS)} |",
        f"| `urlwatch --help` start-up (for scale) | {fmt_ms(startup.urlwatch_help)} | |",
        f"| bare `python -c pass` of the venv (the floor) | {fmt_ms(startup.python_bare)} | |",
        "",
        "## Where the time goes",
        "",
        "Imports (`python -X importtime`, cumulative, modules of 8 ms or more; one run "
        "each, so noisy):",
        "",
        f"`nato-watch --help` — {startup.help_imports[0]}:",
        "",
        *startup.help_imports[1:],
        "",
        f"`nato-watch check`, unchanged page (304) — {startup.check_imports[0]}:",
        "",
        *startup.check_imports[1:],
        "",
        f"`nato-watch check`, changed page — {startup.changed_imports[0]}:",
        "",
        *startup.changed_imports[1:],
        "",
        "cProfile of in-process changed checks (cumulative per check; profiler overhead "
        "inflates absolute numbers):",
        "",
        *[f"- {line}" for line in inproc.profile],
        "",
        "## Sanity",
        "",
        f"- The page server answered: {served}.",
        f"- Load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(1 / 5 / 15 min; the machine has 2 cores and other work ran beside the bench).",
        "- Every check's output was checked (nato-watch: `bench: new|changed|unchanged`; "
        "urlwatch: `NEW`/`CHANGED`, silence when unchanged).",
    ]
    if findings.lines:
        out += ["", "## Findings (something failed under the bench)", ""]
        out += [f"- {line}" for line in findings.lines]
    else:
        out.append("- No check failed and no output was unexpected.")
    return "\n".join(out) + "\n"


def fmt_ms(s: Samples) -> str:
    """`median ms (min–max)`."""
    return f"{s.median:.1f} ms ({s.low:.1f}–{s.high:.1f})"


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Settings:
    """Command-line options → `Settings`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: ~1 min, fewer reps")
    parser.add_argument("--reps", type=int, help="repetitions per single-check workload")
    parser.add_argument("--versions", type=int, help="length of the version history")
    parser.add_argument(
        "--nato-watch",
        type=Path,
        default=Path(sys.prefix) / "bin" / "nato-watch",
        help="nato-watch's console script (default: next to this Python)",
    )
    parser.add_argument(
        "--urlwatch",
        type=Path,
        default=Path("/tmp/bench-venv/bin/urlwatch"),
        help="urlwatch, installed in a virtualenv of its own (default: /tmp/bench-venv)",
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="where to write the Markdown (default: "
        "bench/RESULTS.md; full runs only unless given)",
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    quick = args.quick
    results: Path | None = None if args.no_write else args.results
    if quick and "--results" not in (argv if argv is not None else sys.argv):
        results = None  # a smoke run must not overwrite the committed full results
    for exe in (args.nato_watch, args.urlwatch):
        if not exe.exists():
            parser.error(
                f"{exe} does not exist; install urlwatch with "
                "`python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install urlwatch "
                "cssselect html2text`, or pass --nato-watch / --urlwatch"
            )
    return Settings(
        reps=args.reps or (4 if quick else 15),
        versions=args.versions or (20 if quick else 200),
        inproc_reps=20 if quick else 100,
        startup_reps=20 if quick else 25,
        replay_reps=1 if quick else 3,
        nato_watch=args.nato_watch,
        urlwatch=args.urlwatch,
        python=Path(sys.executable),
        results=results,
        mode="quick" if quick else "full",
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run every workload, print the table, write RESULTS.md."""
    settings = parse_args(argv)
    global _spawner
    _spawner = Spawner()  # first, while this process is small (see SPAWNER)
    started = time.perf_counter()
    findings = Findings()
    count = max(settings.versions, settings.reps + 1, settings.inproc_reps + 1)
    progress(f"building {count} versions of the page")
    versions = build_versions(count)
    with (
        tempfile.TemporaryDirectory(prefix="nato-watch-bench-") as tmp,
        PageServer(versions) as server,
    ):
        root = Path(tmp)
        env = child_env(root)
        header = machine() + tool_versions(settings, env)

        preflight(server, versions)
        progress("warming up (byte-code caches, page cache)")
        warm_up(settings, server, root, env, findings)
        nato = NatoWatch(settings.nato_watch, root / "nato", server.url, env)
        uw = Urlwatch(settings.urlwatch, root / "urlwatch", server.url, env)
        tools: list[Tool] = [nato, uw]
        for tool in tools:
            tool.expect(tool.check(saving=True), "new", findings)
        progress("unchanged page (304)")
        unchanged = measure_pair("unchanged page, 304", tools, settings.reps, "unchanged", findings)
        progress("unchanged page, server ignoring validators")
        server.conditional = False
        same = measure_pair("unchanged page, full 200", tools, settings.reps, "unchanged", findings)
        server.conditional = True
        progress("changed page")

        def next_version(rep: int) -> None:
            server.set_version(rep + 1)

        changed = measure_pair(
            "changed page", tools, settings.reps, "changed", findings, before=next_version
        )
        progress(f"history of {settings.versions} versions")
        history = run_history(settings, server, root, env, findings)
        progress("replay")
        replay = run_replay(settings, history, root, env, findings)
        progress("in-process costs")
        inproc = run_in_process(settings, server, versions, root, history)
        progress("start-up")
        startup = run_startup(settings, root, env, server)
        counts = server.counts()
        served = (
            f"{counts.pages} full pages, {counts.not_modified} × 304, {counts.robots} robots.txt, "
            f"{counts.other} other"
        )
        commands = [
            f"{shlex.quote(sys.executable)} bench/compare_urlwatch.py"
            + (" --quick" if settings.mode == "quick" else ""),
            nato.command(),
            uw.command(),
            "# urls.yaml:",
            *[
                f"#   {line}"
                for line in URLWATCH_JOB.format(
                    name=TARGET, url="http://127.0.0.1:$PORT/cps/en/natohq/topics_50098.htm"
                ).splitlines()
            ],
            "# urlwatch.yaml (merged over urlwatch's defaults):",
            *[f"#   {line}" for line in URLWATCH_CONFIG.splitlines()],
        ]
        text = render(
            settings,
            header,
            [
                (unchanged, TARGET_UNCHANGED_RATIO),
                (same, TARGET_SAME_RATIO),
                (changed, TARGET_CHANGED_RATIO),
            ],
            history,
            inproc,
            replay,
            startup,
            findings,
            served,
            time.perf_counter() - started,
            commands,
        )
    _spawner.close()
    print(text)
    if settings.results is not None:
        settings.results.write_text(text, encoding="utf-8")
        progress(f"wrote {settings.results}")


if __name__ == "__main__":
    main()
