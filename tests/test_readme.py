"""The README stays honest: every command and option is documented, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

import click

from scraper.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, click.Command]:
    assert isinstance(cli, click.Group)
    return dict(cli.commands)


def test_every_command_has_a_section() -> None:
    for name in _commands():
        assert re.search(rf"^#+ `nato-watch {re.escape(name)}\b", README, re.M), (
            f"README has no section for `nato-watch {name}`"
        )


def test_every_option_is_documented() -> None:
    params = list(cli.params)
    for command in _commands().values():
        params += command.params
    for param in params:
        if not isinstance(param, click.Option):
            continue
        longs = [o for o in param.opts if o.startswith("--")]
        if not longs or longs[0] in ("--help", "--version"):
            continue
        assert longs[0] in README, f"README does not mention {longs[0]}"


def test_every_command_help_ends_with_an_example() -> None:
    for name, command in _commands().items():
        assert command.help and "Example: nato-watch" in command.help, name


def test_ci_runs_the_readme_test_command() -> None:
    match = re.search(r"<!-- test-command -->\s*```(?:sh|bash|console)?\n(.+?)\n```", README, re.S)
    assert match, "README must mark its test command with <!-- test-command -->"
    command = match.group(1).strip().removeprefix("$ ").strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines(), f"CI does not run the README's test command {command!r}"
