"""Start-up: the commands a user or a monitor runs often (`--help`, `log`, `status`, `show
latest`) load neither the parser, nor Jinja2, nor requests (what they cost is in
docs/benchmarks.md; a timing test would only measure the machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Site
from test_store import T0, add

from scraper.archive.store import Archive

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("requests", "urllib3", "jinja2", "bs4", "lxml", "scraper.core.parse", "apscheduler",
         "scraper.core.diff", "scraper.reports.site")  # fmt: skip
RUN = """\
import sys
from scraper.cli import main
sys.argv = ['nato-watch', *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code or 0
heavy = [m for m in {heavy!r} if m in sys.modules]
print('heavy modules loaded:', heavy, file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    archive = Archive(tmp_path)
    add(archive, "first", T0)
    add(archive, "second", T0.replace(day=17))
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (["--help"], 0),
        (["log"], 0),
        (["log", "--json"], 0),
        (["show", "latest"], 0),
        (["status"], 1),  # never checked: stale, which exits 1
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_a_frequent_command_loads_no_heavy_module(
    data_dir: Path, argv: list[str], exit_code: int
) -> None:
    args = argv if argv == ["--help"] else ["--data-dir", str(data_dir), *argv]
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(heavy=HEAVY), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == exit_code, done.stderr
    assert done.stdout.strip()
    assert done.stderr.splitlines()[-1] == "heavy modules loaded: []", done.stderr


def test_a_check_that_gets_the_latest_bytes_again_loads_no_parser(
    site: Site, tmp_path: Path, page_2024: str
) -> None:
    # The raw sha256 says "the same document" when the latest version was read from those
    # bytes by this parser version: no parser, no renderer, no Jinja2.
    url = site.put("/p.htm", page_2024)
    argv = ["--data-dir", str(tmp_path), "check", "--url", url, "--target", "rok"]
    heavy = ("bs4", "lxml", "scraper.core.parse", "jinja2", "scraper.reports.site")
    runs = [
        subprocess.run(
            [sys.executable, "-c", RUN.format(heavy=heavy), *argv],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout.startswith("rok: new") and runs[1].stdout.startswith("rok: unchanged")
    assert runs[0].stderr.splitlines()[-1] != "heavy modules loaded: []"  # the first parsed
    assert runs[1].stderr.splitlines()[-1] == "heavy modules loaded: []", runs[1].stderr
    last = json.loads((tmp_path / "snapshots/rok/checks.jsonl").read_text().splitlines()[-1])
    assert last["http"] == 200 and not last.get("not_modified")  # a full 200
