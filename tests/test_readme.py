"""The README and docs/ stay honest: every command and option is documented in its command's
section, every command's help ends with an example, CI runs the README's test command, every
relative link resolves (anchors included), nothing points outside the repo, the config
examples load, and the example outputs are real: each one marked `<!-- example: KIND -->` is
re-run and compared with what the tool prints now.

Example kinds: `demo` runs the commands in a data dir made by `nato-watch demo` (the docs call
it /tmp/nato-watch-demo); `new` in a new, empty directory; `local` in a new data dir whose
config points the target `republic-of-korea` at a local copy of the 2024 page. `not checked
(why)` marks an example that cannot be re-run here, and says why. Outputs are compared line
by line after replacing the data dir by the path the docs show, a local port by PORT, every
hash by HASH and every run of digits by 0 (capture times, durations and sizes differ from run
to run, their shape does not). A line `…` in the docs stands for any number of lines, and a
line ending in `…` for any line that starts with what comes before it.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import Site
from pages import load_content, nato_page

from scraper.cli import cli
from scraper.config import load_config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
COMMANDS_MD = ROOT / "docs" / "commands.md"
# Every Markdown file a reader of the repository is sent to.
MARKDOWN = [ROOT / "README.md", *DOCS, ROOT / "snapshots" / "README.md",
            ROOT / "reports" / "README.md", ROOT / "bench" / "README.md"]  # fmt: skip
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
EXAMPLE = re.compile(r"^<!-- example: (.+?) -->\n```(\w+)\n(.*?)^```$", re.M | re.S)
DEMO_DIR = "/tmp/nato-watch-demo"
PAGE_PATH = "/cps/en/natohq/topics_50098.htm"


def _commands() -> dict[str, click.Command]:
    assert isinstance(cli, click.Group)
    return dict(cli.commands)


def _sections(text: str) -> dict[str, str]:
    """docs/commands.md cut at its `### \\`nato-watch <command>\\`` headings (and `## `)."""
    found: dict[str, str] = {}
    name = None
    for line in text.splitlines(keepends=True):
        heading = re.match(r"^### `nato-watch ([a-z-]+)`", line)
        if heading:
            name = heading.group(1)
            found[name] = ""
        elif line.startswith("## "):
            name = line[3:].strip()
            found[name] = ""
        if name is not None:
            found[name] += line
    return found


# -- commands and options --------------------------------------------------------------------


def test_every_command_has_a_section() -> None:
    sections = _sections(COMMANDS_MD.read_text(encoding="utf-8"))
    for name in _commands():
        assert name in sections, f"docs/commands.md has no section ### `nato-watch {name}`"


def test_every_option_is_documented_in_its_commands_section() -> None:
    sections = _sections(COMMANDS_MD.read_text(encoding="utf-8"))
    wanted = [("Conventions", cli)] + [(name, c) for name, c in _commands().items()]
    for section, command in wanted:
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            if not longs or longs[0] == "--help":
                continue
            assert re.search(rf"{re.escape(longs[0])}(?![\w-])", sections[section]), (
                f"docs/commands.md, section {section!r}, does not mention {longs[0]}"
            )


def test_every_command_help_ends_with_an_example() -> None:
    for name, command in {"nato-watch": cli, **_commands()}.items():
        paragraphs = inspect.cleandoc(command.help or "").split("\n\n")
        assert paragraphs[-1].startswith("Example: nato-watch"), name


def test_ci_runs_the_readme_test_command() -> None:
    match = re.search(r"<!-- test-command -->\s*```(?:sh|bash|console)?\n(.+?)\n```", README, re.S)
    assert match, "README must mark its test command with <!-- test-command -->"
    command = match.group(1).strip().removeprefix("$ ").strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines(), f"CI does not run the README's test command {command!r}"


def test_the_readme_stays_a_front_door() -> None:
    assert len(README.splitlines()) <= 300
    contents = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^## (.+)$", FENCE.sub("", README), re.M)
    for heading in headings:
        if heading != "Contents":
            assert f"(#{_slug(heading)})" in contents, f"the contents miss {heading!r}"


# -- links ---------------------------------------------------------------------------------------


def _slug(heading: str) -> str:
    """The anchor a code host gives a heading (GitHub's rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", FENCE.sub("", path.read_text("utf-8")), re.M):
        slug = _slug(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links(path: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    return LINK.findall(text)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    for link in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):
            continue  # https:, mailto:: not files
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        assert file.is_relative_to(ROOT), f"{path.name}: {link} leaves the repository"
        assert file.exists(), f"{path.name}: {link} does not exist"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{path.name}: {link}: no such heading"


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_to_files_outside_the_repo(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for outside in ("../shared", "DESIGN.md", "/work/", "STYLE.md"):
        assert outside not in text, f"{path.name} refers to {outside!r}, not in the repository"


def test_the_readme_config_example_loads(tmp_path: Path) -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", README, re.S)
    path = tmp_path / "nato-watch.toml"
    path.write_text(example, encoding="utf-8")
    config = load_config(path)
    assert [t.name for t in config.targets] == ["republic-of-korea", "republic-of-korea-fr"]
    assert config.fetch.user_agent.endswith("(+mailto:you@example.org)")
    tomllib.loads((ROOT / "docs" / "configuration.md").read_text("utf-8").split("```toml\n")[1]
                  .split("```")[0])  # fmt: skip


# -- the report's keys ---------------------------------------------------------------------------

# The levels of a JSON report, as reports/README.md heads their tables.
REPORT_LEVELS = {
    "The report": lambda r: [r],
    "`old`, `new`": lambda r: [r["old"], r["new"]],
    "`title`": lambda r: [r["title"]] if r["title"] else [],
    "`summary`": lambda r: [r["summary"]],
    "`sections[]`": lambda r: r["sections"],
    "`sections[].blocks[]`": lambda r: [b for s in r["sections"] for b in s["blocks"]],
    "`sections[].blocks[].flags[]`, `flags[]`": lambda r: [
        *(f for s in r["sections"] for b in s["blocks"] for f in b["flags"]),
        *r["flags"],
    ],
    "`terms.<term>`": lambda r: list(r["terms"].values()),
}


def test_reports_readme_lists_every_key_of_a_report(demo_dir: Path) -> None:
    """Every key real reports carry, at every level, is in reports/README.md, and nothing
    else is: the golden reports of tests/diff_cases and the demo's reports."""
    text = (ROOT / "reports" / "README.md").read_text(encoding="utf-8")
    tables = {
        heading: set(re.findall(r"^\| ((?:`[^`]+`(?:, )?)+) \|", body, re.M))
        for heading, body in re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", text, re.M | re.S)
    }
    documented = {
        heading: {key for cell in cells for key in re.findall(r"`([^`]+)`", cell)}
        for heading, cells in tables.items()
    }
    files = [*ROOT.glob("tests/diff_cases/*/expected.json"), *demo_dir.glob("reports/*/*.json")]
    files += demo_dir.glob("reports/*/since/*.json")
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    assert len(reports) > 20
    for heading, objects_of in REPORT_LEVELS.items():
        seen = {key for report in reports for obj in objects_of(report) for key in obj}
        assert seen, heading
        assert documented.get(heading) == seen, (heading, documented.get(heading), seen)


# -- example outputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One marked example block: where it is, its kind, and its commands with their output."""

    where: str
    kind: str
    steps: tuple[tuple[str, tuple[str, ...]], ...]


def _examples() -> list[Example]:
    found = []
    for path in [ROOT / "README.md", *DOCS]:
        text = path.read_text(encoding="utf-8")
        for match in EXAMPLE.finditer(text):
            kind, _language, body = match.groups()
            line = text[: match.start()].count("\n") + 1
            steps: list[tuple[str, list[str]]] = []
            for row in body.splitlines():
                if row.startswith("$ "):
                    steps.append((row[2:], []))
                elif steps:
                    steps[-1][1].append(row)
            found.append(
                Example(
                    f"{path.relative_to(ROOT)}:{line}",
                    kind,
                    tuple((cmd, tuple(out)) for cmd, out in steps),
                )
            )
    return found


def test_every_console_example_is_marked() -> None:
    for path in [ROOT / "README.md", *DOCS]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^```console$", text, re.M):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            assert before.startswith("<!-- example: "), (
                f"{path.name}:{text[: match.start()].count(chr(10)) + 1}: a console example "
                "must say whether it is checked: <!-- example: demo|new|local|not checked (why) -->"
            )
    kinds = {e.kind for e in _examples()}
    assert {"demo", "new", "local"} <= kinds
    assert all(
        k in ("demo", "new", "local") or re.fullmatch(r"not checked \(.+\)", k) for k in kinds
    )


CHECKED = [e for e in _examples() if not e.kind.startswith("not checked")]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir made by `nato-watch demo`, once for the module."""
    root = tmp_path_factory.mktemp("demo") / "nato-watch-demo"
    result = CliRunner().invoke(cli, ["--data-dir", str(root), "demo"], env=_ENV)
    assert result.exit_code == 0, result.output
    return root


_ENV: dict[str, str | None] = {"NATO_WATCH_CONFIG": None, "NATO_WATCH_DATA_DIR": None}


def _shape(text: str, dirs: dict[str, Path]) -> str:
    for shown, real in dirs.items():
        text = text.replace(str(real.resolve()), shown).replace(str(real), shown)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\b[0-9a-f]{12,64}\b", "HASH", text)
    return re.sub(r"\d+", "0", text)


def _matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    first, rest = expected[0], expected[1:]
    if first == "…":
        return any(_matches(rest, actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    same = actual[0].startswith(first[:-1]) if first.endswith("…") else actual[0] == first
    return same and _matches(rest, actual[1:])


def _run(command: str, cwd: Path, dirs: dict[str, Path]) -> str:
    """One `nato-watch …` line of an example, run in `cwd`; `| head -N` is honoured."""
    command = re.sub(r"\s{2,}#.*$", "", command)
    head = re.search(r"\s*\|\s*head -(\d+)$", command)
    if head:
        command = command[: head.start()]
    args = shlex.split(command)
    assert args[0] == "nato-watch", command
    args = [str(dirs[a]) if a in dirs else a for a in args[1:]]
    result = CliRunner().invoke(cli, args, env=_ENV)
    lines = result.output.splitlines()
    return "\n".join(lines[: int(head.group(1))] if head else lines)


@pytest.fixture
def in_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    yield monkeypatch.chdir


@pytest.mark.parametrize("example", CHECKED, ids=lambda e: e.where)
def test_example_outputs_are_real(
    example: Example,
    demo_dir: Path,
    tmp_path: Path,
    site: Site,
    in_dir: Callable[[Path], None],
) -> None:
    if example.kind == "demo":
        cwd, dirs = demo_dir, {DEMO_DIR: demo_dir}
    elif example.kind == "new":
        cwd, dirs = tmp_path, {DEMO_DIR: tmp_path / "nato-watch-demo"}
    else:
        cwd, dirs = tmp_path / "nato-data", {}
        cwd.mkdir()
        url = site.put(PAGE_PATH, nato_page(load_content()))
        (cwd / "nato-watch.toml").write_text(
            f'[[targets]]\nname = "republic-of-korea"\nurl = "{url}"\n\n[fetch]\nretries = 1\n',
            encoding="utf-8",
        )
    in_dir(cwd)
    for command, shown in example.steps:
        actual = _shape(_run(command, cwd, dirs), dirs).splitlines()
        expected = [_shape(line, {}) for line in shown]
        assert _matches(expected, actual), f"{example.where}: `{command}` printed:\n" + "\n".join(
            actual
        )
