"""What people expect of a command-line tool: usage errors in one line with the command's
usage and exit 2, `--version`, shell completion for bash, zsh and fish, a man page, and an
honest User-Agent that says once when it carries no contact."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import Result
from conftest import Clock, Site
from pages import edited, load_content, nato_page

from scraper import __version__
from scraper.archive.store import Archive
from scraper.cli import cli
from scraper.cli.app import contact_notice
from scraper.cli.manpage import render_manpage, roff
from scraper.errors import ConfigError
from scraper.fetching.settings import DEFAULT_USER_AGENT, FetchSettings

ROOT = Path(__file__).resolve().parent.parent
USAGE_ERROR = re.compile(
    r"nato-watch: error: (?P<message>.+) \(usage: (?P<usage>.+); see `(?P<help>.+) --help`\)"
)


def one_usage_error(result: Result) -> re.Match[str]:
    """The one stderr line of a usage error, exit status 2, nothing on stdout."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    match = USAGE_ERROR.fullmatch(line)
    assert match, line
    return match


@pytest.mark.parametrize(
    ("args", "message", "usage"),
    [
        (["-V"], "no such option '-V'", "nato-watch [OPTIONS] COMMAND [ARGS]..."),
        (["--data-dir"], "option '--data-dir' requires an argument", "nato-watch [OPTIONS] COMMAND [ARGS]..."),
        (["verfy"], "no such command 'verfy'. Did you mean 'verify'?", "nato-watch [OPTIONS] COMMAND [ARGS]..."),
        (["log", "--tagret", "x"], "no such option '--tagret'. Did you mean '--target'?", "nato-watch log [OPTIONS]"),
        (["export-warc"], "missing argument 'OUT'", "nato-watch export-warc [OPTIONS] OUT"),
        (["diff", "--format", "pdf"], "invalid value for '--format': 'pdf' is not one of 'markdown', 'html', 'json'", "nato-watch diff [OPTIONS] [OLD [NEW]]"),
        (["serve", "--port", "70000"], "invalid value for '--port': 70000 is not in the range 0<=x<=65535", "nato-watch serve [OPTIONS]"),
        (["show", "--at"], "option '--at' requires an argument", "nato-watch show [OPTIONS] [VERSION]"),
        (["check", "extra"], "got unexpected extra argument (extra)", "nato-watch check [OPTIONS]"),
    ],
    ids=["unknown-option", "option-without-value", "no-such-command", "unknown-command-option",
         "missing-argument", "bad-choice", "out-of-range", "command-option-without-value",
         "extra-argument"],
)  # fmt: skip
def test_usage_errors_are_one_line_with_the_usage(
    run_cli: Callable[..., Result], args: list[str], message: str, usage: str
) -> None:
    # run_cli puts --data-dir first, as a user would; the group's own errors come after it.
    match = one_usage_error(run_cli(*args))
    assert match["message"] == message
    assert match["usage"] == usage
    assert match["help"] == usage.split(" [")[0].removesuffix(" OUT")


def test_no_arguments_shows_the_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scraper"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode in (0, 2)  # click's choice; the help is what matters
    assert "Usage: nato-watch [OPTIONS] COMMAND [ARGS]..." in result.stdout + result.stderr
    assert "nato-watch: error" not in result.stderr


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scraper", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert result.stdout == f"nato-watch, version {__version__}\n"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _nato_watch_completion nato-watch"),
        ("zsh", "#compdef nato-watch"),
        ("fish", "complete --no-files --command nato-watch"),
    ],
)
def test_shell_completion_prints_a_script(shell: str, marker: str) -> None:
    """The lines docs/commands.md tells users to put in their shell's rc file."""
    nato_watch = shutil.which("nato-watch", path=str(Path(sys.executable).parent))
    assert nato_watch, "the nato-watch script is installed beside the interpreter"
    env = {**os.environ, "_NATO_WATCH_COMPLETE": f"{shell}_source"}
    result = subprocess.run([nato_watch], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_NATO_WATCH_COMPLETE" in result.stdout
    docs = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert f"_NATO_WATCH_COMPLETE={shell}_source nato-watch" in docs


def test_completion_completes_commands_and_options() -> None:
    nato_watch = shutil.which("nato-watch", path=str(Path(sys.executable).parent))
    assert nato_watch
    env = {
        **os.environ,
        "_NATO_WATCH_COMPLETE": "bash_complete",
        "COMP_WORDS": "nato-watch diff --si",
        "COMP_CWORD": "2",
    }
    result = subprocess.run([nato_watch], capture_output=True, text=True, env=env, timeout=30)
    assert result.stdout.split() == ["plain,--since", "plain,--since-stamp"]


def test_the_man_page_has_every_command_and_option() -> None:
    page = render_manpage()
    assert page.startswith('.TH NATO\\-WATCH 1 "" "nato\\-watch ')
    assert isinstance(cli, click.Group)
    for option in cli.params:
        for name in option.opts:
            assert roff(name) in page, name
    for name, command in cli.commands.items():
        assert f'.SS "nato\\-watch {roff(name)} ' in page, name
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    assert roff(opt) in page, (name, opt)
    assert render_manpage() == page  # no date: the same bytes every time


@pytest.mark.skipif(shutil.which("man") is None, reason="no man here")
def test_the_man_page_renders_with_man(tmp_path: Path) -> None:
    path = tmp_path / "nato-watch.1"
    result = subprocess.run(
        [sys.executable, "-m", "scraper.cli.manpage"], capture_output=True, cwd=ROOT, check=True
    )
    path.write_bytes(result.stdout)
    shown = subprocess.run(
        ["man", "-l", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "0"},
        timeout=30,
    )
    assert shown.returncode == 0
    assert "warning" not in shown.stderr
    text = re.sub(".\b", "", shown.stdout)
    assert "nato-watch diff [OPTIONS] [OLD [NEW]]" in text
    assert "--since-stamp DATE" in text
    assert "nato-watch demo [OPTIONS]" in text


def test_show_help_does_not_claim_version_is_required(run_cli: Callable[..., Result]) -> None:
    result = run_cli("show", "--help")
    assert "Usage: nato-watch show [OPTIONS] [VERSION]" in result.stdout
    assert "default `latest`" in " ".join(result.stdout.split())


# -- the page's own stamp ------------------------------------------------------------------------


def test_show_and_diff_by_the_pages_own_stamp(
    site: Site, run_cli: Callable[..., Result], clock: Clock
) -> None:
    """Captured on 17, 18 and 20 July; stamped 16 July 10:28, the same (a silent edit), and
    18 July 09:15. By stamp, 17 July is the first version: what the page said under the stamp
    of 16 July; by capture time it would be none (nothing was captured by then)."""
    content = load_content()
    url = site.put("/p", nato_page(content))
    steps = [
        (datetime(2024, 7, 17, 6, tzinfo=UTC), content),
        (datetime(2024, 7, 18, 6, tzinfo=UTC), edited(content, replace_text={"strong ": ""})),
        (
            datetime(2024, 7, 20, 6, tzinfo=UTC),
            edited(content, stamp="18 Jul. 2024 09:15", replace_text={"strong ": ""}),
        ),
    ]
    for at, page in steps:
        site.put("/p", nato_page(page))
        clock.now = at
        assert run_cli("check", "--url", url, now=clock).exit_code == 0
    ids = ["2024-07-17T060000Z", "2024-07-18T060000Z", "2024-07-20T060000Z"]

    def shown(*args: str) -> str:
        result = run_cli("show", *args, "--format", "json", now=clock)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    assert shown("--at-stamp", "2024-07-17") == shown(ids[0])
    # A time without an offset is Brussels time, the stamp's own: 10:28 there is 08:28 UTC.
    assert shown("--at-stamp", "2024-07-16T10:28") == shown(ids[0])
    assert shown("--at-stamp", "2024-07-18T09:15") == shown(ids[2])
    early = run_cli("show", "--at-stamp", "2024-07-16T10:27", now=clock)
    assert early.exit_code == 1
    assert early.stderr == (
        "nato-watch: error: no version of '127-0-0-1-p' was stamped at or before 2024-07-16T10:27+02:00: "
        "the earliest stamp is 16 Jul. 2024 10:28\n"
    )
    capture = run_cli("show", "--at", "2024-07-17", now=clock)
    assert capture.exit_code == 1  # by capture time, nothing yet

    diff = run_cli("diff", "--since-stamp", "2024-07-17", "--format", "json", now=clock)
    assert diff.exit_code == 0, diff.stderr
    assert '"id": "2024-07-17T060000Z"' in diff.stdout  # from the first under that stamp
    both = run_cli("diff", "--since", "1d", "--since-stamp", "2024-07-17", now=clock)
    assert both.exit_code == 2
    assert both.stderr == "nato-watch: error: give --since or --since-stamp, not both\n"


# -- an honest User-Agent --------------------------------------------------------------------------


def test_the_default_user_agent_names_the_tool_and_no_invented_address() -> None:
    assert f"nato-watch/{__version__}" == DEFAULT_USER_AGENT
    assert FetchSettings().user_agent == DEFAULT_USER_AGENT


@pytest.mark.parametrize(
    ("contact", "agent"),
    [
        ("mailto:you@example.org", "(+mailto:you@example.org)"),
        ("you@example.org", "(+mailto:you@example.org)"),
        ("https://example.org/about-our-watch", "(+https://example.org/about-our-watch)"),
    ],
)
def test_a_contact_is_added_to_the_user_agent(contact: str, agent: str) -> None:
    settings = FetchSettings(contact=contact)
    assert settings.user_agent == f"{DEFAULT_USER_AGENT} {agent}"
    assert settings.identified
    # A User-Agent of the user's own is used as given.
    assert FetchSettings(contact=contact, user_agent="lab-bot/2").user_agent == "lab-bot/2"


@pytest.mark.parametrize("contact", ["me", "http://localhost", "ftp://example.org", "a b@c.de"])
def test_a_contact_that_is_no_address_is_refused(contact: str) -> None:
    with pytest.raises(ConfigError, match=r"\[fetch\] contact must be an e-mail address"):
        FetchSettings(contact=contact)


def test_the_contact_comes_from_the_config(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text(
        '[fetch]\ncontact = "you@example.org"\nretries = 1\n', encoding="utf-8"
    )
    url = site.put("/p", nato_page(load_content()))
    assert run_cli("check", "--url", url).exit_code == 0
    assert site.requests[-1].headers["User-Agent"] == (
        f"nato-watch/{__version__} (+mailto:you@example.org)"
    )


def test_the_missing_contact_is_told_once_per_data_dir(tmp_path: Path) -> None:
    nato = ["https://www.nato.int/cps/en/natohq/topics_50098.htm"]
    notice = contact_notice(FetchSettings(), nato)
    assert notice is not None and 'contact = "mailto:you@example.org"' in notice
    # Not when the user said who they are, nor when only this machine is checked.
    assert contact_notice(FetchSettings(contact="you@example.org"), nato) is None
    assert contact_notice(FetchSettings(user_agent="lab-bot/2 (ops@example.org)"), nato) is None
    assert contact_notice(FetchSettings(), ["http://127.0.0.1:8000/p", "http://localhost/"]) is None
    # The data dir remembers that it was said.
    archive = Archive(tmp_path)
    assert archive.note_once("no-contact-notice") is True
    assert archive.note_once("no-contact-notice") is False
    assert (tmp_path / ".nato-watch.no-contact-notice").is_file()
