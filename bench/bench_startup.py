"""Start-up of the commands a user or a monitor runs often, as whole processes: `--help`,
`log`, `status` and `show latest` (each of its output forms), next to a bare `python -c
pass`. Prints a Markdown table of the medians (min–max) of their wall time. Not a test:
tests/test_startup.py checks what these commands import, this script what they cost.

Run from the repository root: `python bench/bench_startup.py [--runs 30] [--before DIR]`.

The archive is the offline demo (`nato-watch demo`: two targets, a few versions each) in a
temp dir. Each round runs every command once, in an order that rotates from round to round,
so a burst of load from a neighbour on this shared machine falls on all of them alike. A
warm-up round first compiles every module: the `.pyc` files go to a cache in the temp dir
(`PYTHONPYCACHEPREFIX`), and Python's and nato-watch's variables are dropped from the
children's environment (an inherited `PYTHONDONTWRITEBYTECODE=1` would make every process
compile from source, a cost no installed user pays). The children are started as
`python -m scraper`, what `nato-watch` runs less the console script's own few imports.

`--before DIR` runs each command also from another checkout of the repository (e.g. `git
worktree add /tmp/before <commit>`), right before or after this one's (alternating), on the
same archive, and puts its figures beside: a before/after that one noisy minute cannot tilt.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = "republic-of-korea"
SHOW = ["-m", "scraper", "show", "latest", "--target", TARGET]
# Each command's argv (after `python`) and its exit status on the demo archive: `status`
# judges targets that no live check has seen, which exits 1 (`stale`).
COMMANDS: dict[str, tuple[list[str], int]] = {
    "python -c pass": (["-c", "pass"], 0),
    "nato-watch --help": (["-m", "scraper", "--help"], 0),
    "nato-watch log": (["-m", "scraper", "log", "--target", TARGET], 0),
    "nato-watch log --json": (["-m", "scraper", "log", "--target", TARGET, "--json"], 0),
    "nato-watch status": (["-m", "scraper", "status"], 1),
    "nato-watch status --json": (["-m", "scraper", "status", "--json"], 1),
    "nato-watch show latest": (SHOW, 0),
    "nato-watch show latest --format markdown": ([*SHOW, "--format", "markdown"], 0),
    "nato-watch show latest --format json": ([*SHOW, "--format", "json"], 0),
}


def child_env(tmp: Path) -> dict[str, str]:
    """The environment of every child: no PYTHON* or NATO_WATCH_* variables, the data dir
    and the bytecode cache inside `tmp`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "NATO_WATCH_"))
    }
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["NATO_WATCH_DATA_DIR"] = str(tmp / "data")
    return env


def run_once(tree: Path, name: str, env: dict[str, str]) -> float:
    """Seconds command `name` took run from checkout `tree`, start to exit; its exit status
    and output checked."""
    argv, expected = COMMANDS[name]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True)
    took = time.perf_counter() - started
    if done.returncode != expected or (name != "python -c pass" and not done.stdout.strip()):
        sys.exit(
            f"{name} (in {tree}) exited {done.returncode}, expected {expected}: "
            f"{done.stderr.decode(errors='replace')[-2000:]}"
        )
    return took


def measure(
    runs: int, trees: list[Path], env: dict[str, str]
) -> dict[Path, dict[str, list[float]]]:
    """`runs` timings of every command from each checkout, the commands rotating from round
    to round and the checkouts alternating."""
    names = list(COMMANDS)
    times: dict[Path, dict[str, list[float]]] = {tree: {n: [] for n in names} for tree in trees}
    for tree in trees:
        for name in names:  # warm-up: compile, fill the page cache; untimed
            run_once(tree, name, env)
    for round_ in range(runs):
        shift = round_ % len(names)
        order = trees if round_ % 2 == 0 else trees[::-1]
        for name in names[shift:] + names[:shift]:
            for tree in order:
                times[tree][name].append(run_once(tree, name, env))
    return times


def _cells(timings: list[float], floor: float | None) -> list[str]:
    walls = [wall * 1000 for wall in timings]
    median = statistics.median(walls)
    above = "—" if floor is None else f"{median - floor:.1f} ms"
    return [f"{median:.1f} ms ({min(walls):.1f}–{max(walls):.1f})", above]


def table(times: dict[Path, dict[str, list[float]]]) -> str:
    """A Markdown table: per command (and checkout), the wall time's median (min–max), and
    that median less `python -c pass`'s."""
    trees = list(times)
    head = ["command"]
    for tree in trees:
        tag = f" ({tree.name})" if len(trees) > 1 else ""
        head += [f"median (min–max){tag}", f"above `python -c pass`{tag}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in COMMANDS:
        row = [f"`{name}`"]
        for tree in trees:
            floor = None
            if name != "python -c pass":
                floor = statistics.median(times[tree]["python -c pass"]) * 1000
            row += _cells(times[tree][name], floor)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each (at least 20)")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="another checkout to run each command from too, alternating with this one",
    )
    args = parser.parse_args()
    if args.runs < 20:
        parser.error("--runs: at least 20")
    trees = [ROOT]
    if args.before is not None:
        if not (args.before / "scraper" / "__main__.py").is_file():
            parser.error(f"--before: {args.before} is not a checkout of nato-watch")
        trees = [args.before.resolve(), ROOT]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as name:
        tmp = Path(name)
        env = child_env(tmp)
        demo = [sys.executable, "-m", "scraper", "demo"]
        subprocess.run(demo, cwd=ROOT, env=env, capture_output=True, check=True)
        load = os.getloadavg()[0]
        times = measure(args.runs, trees, env)
        after = os.getloadavg()[0]
    print(
        f"Start-up as whole processes, {args.runs} runs each, rotating; load average "
        f"{load:.2f} before, {after:.2f} after ({os.cpu_count()} cores)"
    )
    print(table(times))


if __name__ == "__main__":
    main()
