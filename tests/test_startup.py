"""Start-up: the commands a user or a monitor runs often (`--help`, `log`, `status`, `show
latest`, in each output form) load neither the parser, nor the differ, nor the report site,
nor Jinja2, nor requests, nor APScheduler (what they cost is measured by
bench/bench_startup.py and quoted in docs/benchmarks.md; a timing test would only measure the
machine).

Each command runs as the real `python -m scraper` in a subprocess, on an archive built by the
real `nato-watch demo`, under a probe: a `sys.meta_path` finder that notes, the first time a
forbidden module is looked up, the chain of frames that asked for it (module bodies and the
package's own functions), so a failure names who imported it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Site

REPO = Path(__file__).resolve().parent.parent
TARGET = "republic-of-korea"
# The modules a frequent command must not load, a package with all its submodules.
FORBIDDEN = (
    "bs4",
    "lxml",
    "soupsieve",
    "jinja2",
    "requests",
    "urllib3",
    "diff_match_patch",
    "apscheduler",
    "scraper.core.parse",
    "scraper.core.diff",
    "scraper.reports.site",
)
# Run as `python -c PROBE OUT MODULES ARGS…`: installs the finder, runs `python -m scraper
# ARGS…` (runpy, as `-m` does), and writes {module: [importer, …]} to OUT on the way out,
# whatever the exit status. A frame is `module:line (function)`, outermost first.
PROBE = """\
import json, runpy, sys

OUT, WATCHED, ARGS = sys.argv[1], tuple(sys.argv[2].split(",")), sys.argv[3:]
found = {}


def chain(frame):
    frames = []
    while frame is not None:
        code, spec = frame.f_code, frame.f_globals.get("__spec__")
        module = spec.name if spec is not None else frame.f_globals.get("__name__", "?")
        outside = code.co_filename.startswith("<")  # importlib's, runpy's, this probe
        if not outside and (code.co_name == "<module>" or module.startswith("scraper")):
            frames.append(f"{module}:{frame.f_lineno} ({code.co_name})")
        frame = frame.f_back
    return frames[::-1]


class Probe:
    def find_spec(self, name, path=None, target=None):
        for watched in WATCHED:
            if watched not in found and (name == watched or name.startswith(watched + ".")):
                found[watched] = [*chain(sys._getframe(1)), name]
        return None


for watched in WATCHED:
    if watched in sys.modules:
        found[watched] = ["(loaded before the probe)"]
sys.meta_path.insert(0, Probe())
sys.argv = ["nato-watch", *ARGS]
try:
    runpy.run_module("scraper", run_name="__main__", alter_sys=True)
finally:
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(found, handle)
"""


def run_probed(
    args: list[str], out: Path, watched: tuple[str, ...] = FORBIDDEN
) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    """`python -m scraper ARGS` under the probe: the finished process, and each watched module
    it imported with the chain of its importers."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), ",".join(watched), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = json.loads(out.read_text(encoding="utf-8"))
    return done, found


def who_imported(found: dict[str, list[str]]) -> str:
    """Each module found, with its chain of importers, one per line (a failure's message)."""
    return "\n".join(f"{module}: {' -> '.join(chain)}" for module, chain in found.items())


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real archive: `nato-watch demo` (two targets, reports, the summary index)."""
    data = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "scraper", "--data-dir", str(data), "demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (data / "reports" / TARGET / "summary.jsonl").is_file()
    return data


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (["--help"], 0),
        (["log", "--target", TARGET], 0),
        (["log", "--target", TARGET, "--json"], 0),
        (["status"], 1),  # the demo's targets are not checked live: stale, which exits 1
        (["status", "--json"], 1),
        (["show", "latest", "--target", TARGET], 0),
        (["show", "latest", "--target", TARGET, "--format", "markdown"], 0),
        (["show", "latest", "--target", TARGET, "--format", "json"], 0),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_a_frequent_command_loads_no_heavy_module(
    demo_dir: Path, tmp_path: Path, argv: list[str], exit_code: int
) -> None:
    done, found = run_probed(["--data-dir", str(demo_dir), *argv], tmp_path / "found.json")
    assert done.returncode == exit_code, done.stderr
    assert done.stdout.strip()
    assert found == {}, f"imported, with the chain of importers:\n{who_imported(found)}"


def test_the_probe_names_who_imports_a_heavy_module(demo_dir: Path, tmp_path: Path) -> None:
    # `inspect` parses the latest raw snapshot: the probe must catch the parser and say that
    # the command asked for it, or the test above could pass by seeing nothing.
    argv = ["--data-dir", str(demo_dir), "inspect", "latest", "--target", TARGET]
    done, found = run_probed(argv, tmp_path / "found.json")
    assert done.returncode == 0, done.stderr
    assert {"bs4", "lxml", "scraper.core.parse"} <= found.keys(), found
    chain = found["scraper.core.parse"]
    assert chain[0].startswith("scraper.__main__:"), chain
    assert any(frame.startswith("scraper.cli.inspecting:") for frame in chain), chain
    assert chain[-1].startswith("scraper.core.parse"), chain
    # bs4 is asked for by the parser's own module body.
    assert any(frame.startswith("scraper.core.parse") for frame in found["bs4"][:-1])


def test_a_check_that_gets_the_latest_bytes_again_loads_no_parser(
    site: Site, tmp_path: Path, page_2024: str
) -> None:
    # The raw sha256 says "the same document" when the latest version was read from those
    # bytes by this parser version: no parser, no renderer, no Jinja2.
    url = site.put("/p.htm", page_2024)
    argv = ["--data-dir", str(tmp_path / "data"), "check", "--url", url, "--target", "rok"]
    heavy = ("bs4", "lxml", "scraper.core.parse", "jinja2", "scraper.reports.site")
    runs = [run_probed(argv, tmp_path / f"found-{n}.json", heavy) for n in range(2)]
    (first, first_found), (second, second_found) = runs
    assert [first.returncode, second.returncode] == [0, 0], second.stderr
    assert first.stdout.startswith("rok: new") and second.stdout.startswith("rok: unchanged")
    assert {"bs4", "scraper.core.parse"} <= first_found.keys()  # the first parsed
    assert second_found == {}, f"imported:\n{who_imported(second_found)}"
    log = (tmp_path / "data/snapshots/rok/checks.jsonl").read_text().splitlines()
    last = json.loads(log[-1])
    assert last["http"] == 200 and not last.get("not_modified")  # a full 200
