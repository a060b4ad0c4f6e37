"""What every command shares: the environment (archive, config, clock), the one-line
error form, the shared options, picking a target, the fetcher, progress lines."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click

from scraper.archive.names import check_target_name
from scraper.archive.refs import resolve_version, version_at, version_stamped_at
from scraper.archive.store import Archive
from scraper.config import Config
from scraper.core.target import Target
from scraper.errors import ConfigError, NotFound, ScraperError, one_line, without_post_path
from scraper.fetching.settings import FetchSettings
from scraper.timespec import parse_moment, utc_iso, utc_now

log = logging.getLogger("nato-watch")
# The page's "Last updated" stamp is NATO HQ's local time.
STAMP_ZONE = ZoneInfo("Europe/Brussels")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Env:
    """What every command gets: the data dir's archive, the configuration and the clock."""

    archive: Archive
    config: Config
    now: Callable[[], datetime] = utc_now
    # `-q`: only errors (and, for `check`, only changes and failures) are printed.
    quiet: bool = False


@dataclass(frozen=True)
class Overrides:
    """What a caller of the command line may set in place of the defaults, passed as click's
    `obj` (tests: a fixed clock, so histories need no sleeping between seconds)."""

    now: Callable[[], datetime] = utc_now


# Every control character but tab and newline, DEL, and the C1 controls, each shown as its
# visible picture (␛ for ESC) or U+FFFD: text stored from a page (before the parser dropped
# them) must not drive the terminal — retitle it, clear it, move the cursor.
_CONTROL_PICTURES = {
    **{code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
}
_LONE_CR = re.compile(r"\r(?!\n)")


def terminal_safe(text: str) -> str:
    """`text` with every character that could drive a terminal made visible and inert."""
    return _LONE_CR.sub("\u240d", text).translate(_CONTROL_PICTURES)


class SafeFormatter(logging.Formatter):
    """The command line's log lines, through the same filter as its output."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line no control character in it can turn against the terminal,
        and without the path of a webhook's POST (its secret token, usually) where `-vv`
        shows urllib3's request lines."""
        return terminal_safe(super().format(without_post_path(record)))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print `text` through the command line's one output filter (`terminal_safe`)."""
    click.echo(terminal_safe(text), err=err, nl=nl)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    echo(f"nato-watch: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn a `ScraperError` into a one-line message and an exit code (no traceback)."""
    try:
        yield
    except ScraperError as err:
        fail(str(err), err.exit_code)
    except OSError as err:
        # The archive turns a full disk or a refusal into a StoreError; anything else the
        # system says (an I/O error) still gets one line, not a traceback.
        where = f" ({err.filename})" if err.filename else ""
        fail(f"{err.strerror or one_line(err)}{where}")
    except KeyboardInterrupt:
        fail("interrupted", 130)


def refuse_demo(env: Env, command: str) -> None:
    """Refuse to add real captures to a demo archive (`nato-watch demo`'s data dir)."""
    if env.archive.is_demo():
        raise ConfigError(
            f"{env.archive.root.resolve()} holds demo data (DEMO.md), not a record of nato.int; "
            f"`{command}` would mix real captures into it: use another data dir (--data-dir DIR)"
        )


def note_demo(env: Env) -> None:
    """Say on stderr, once per command, that the archive read is demo data."""
    if env.archive.is_demo():
        echo(
            f"note: {env.archive.root.resolve()} holds demo data made by `nato-watch demo`, not a "
            "record of nato.int (see DEMO.md there)",
            err=True,
        )


# Hosts a check may reach without saying who runs it: the user's own machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
CONTACT_NOTICE = "no-contact-notice"


def contact_notice(settings: FetchSettings, urls: Sequence[str]) -> str | None:
    """What to tell a user whose checks reach a site without a contact in the User-Agent, or
    None (a contact or a User-Agent of their own is set, or only this machine is checked)."""
    if settings.identified:
        return None
    hosts = {(urlsplit(url).hostname or "").lower() for url in urls}
    if hosts <= LOCAL_HOSTS or all(h.startswith("127.") for h in hosts - LOCAL_HOSTS):
        return None
    return (
        f"note: checks identify themselves as {settings.user_agent!r}, with no way to reach "
        "you; sites that see an unknown client may block it. Add contact = "
        '"mailto:you@example.org" (or a web address) under [fetch] in nato-watch.toml. '
        "(Said once per data dir.)"
    )


def say_once_without_contact(env: Env, settings: FetchSettings, urls: Sequence[str]) -> None:
    """Print `contact_notice` on stderr the first time this data dir is checked without one."""
    notice = contact_notice(settings, urls)
    if notice is not None and env.archive.note_once(CONTACT_NOTICE):
        echo(notice, err=True)


def target_option(help_text: str = "Target name (default: the only target).") -> Callable[[F], F]:
    """The shared `--target NAME` option."""
    return click.option("--target", "target_name", metavar="NAME", help=help_text)


def at_option() -> Callable[[F], F]:
    """The shared `--at DATETIME` option: the version in force at a time."""
    return click.option(
        "--at", "at_text", metavar="DATETIME", help="The version in force at this time."
    )


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """The shared `--format` option."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def pick_target(env: Env, name: str | None) -> str:
    """The archive target a history command works on (`--target`, or the only one)."""
    held = env.archive.targets()
    if name:
        check_target_name(name)
        if name not in held:
            listed = ", ".join(held) or "none yet"
            raise NotFound(f"the archive holds no target {name!r}; it holds: {listed}")
        return name
    if len(held) == 1:
        return held[0]
    if not held:
        raise NotFound(
            f"the archive in {env.archive.root} is empty; run `nato-watch check` first "
            "(or pass --data-dir)"
        )
    raise ConfigError(
        f"the archive holds several targets; pick one with --target: {', '.join(held)}"
    )


def one_of(**given: str | None) -> None:
    """Refuse more than one of the ways to name a version."""
    named = [name for name, value in given.items() if value]
    if len(named) == 2:
        raise ConfigError(f"give {named[0]} or {named[1]}, not both")
    if len(named) > 2:
        raise ConfigError(f"give only one of {', '.join(named)}")


def version_in_force(
    env: Env, target: str, *, ref: str, at: str | None, stamp: str | None, option: str = "--at"
) -> str:
    """The version `ref` names, or the one in force at the capture time `at`, or the one
    whose page stamp was in force at `stamp` (Brussels time when no offset is given)."""
    if at:
        return version_at(env.archive, target, parse_moment(at, option=option, now=env.now()))
    if stamp:
        when = parse_moment(stamp, option=f"{option}-stamp", now=env.now(), zone=STAMP_ZONE)
        return version_stamped_at(env.archive, target, when)
    return resolve_version(env.archive, target, ref)


def pick_version(
    env: Env,
    target: str,
    ref: str | None,
    at_text: str | None,
    stamp_text: str | None = None,
) -> str:
    """The version id a command means: VERSION (an id, a unique prefix, `latest`, `latest~N`;
    `latest` when none is given), `--at DATETIME` (the version in force then, by capture
    time) or `--at-stamp DATE` (the version whose page stamp was in force then)."""
    one_of(VERSION=ref, **{"--at": at_text, "--at-stamp": stamp_text})
    return version_in_force(env, target, ref=ref or "latest", at=at_text, stamp=stamp_text)


def open_fetcher(
    targets: list[Target] | tuple[Target, ...],
    settings: Any,
    *,
    stop: Any = None,
    force_browser: bool = False,
    on_wait: Callable[[Any], None] | None = None,
) -> Any:
    """The fetcher of a command: each target by HTTP or in the browser; `on_wait` hears of
    each wait before a retry (a `fetching.retry.RetryWait`)."""
    # lazy: requests and the fetchers load only for the commands that fetch
    from scraper.fetching.router import TargetFetcher

    return TargetFetcher(
        targets,
        settings,
        log=lambda line: log.info("%s", line),
        stop=stop,
        force_browser=force_browser,
        on_wait=on_wait,
    )


def say_retry(wait: Any) -> None:
    """Tell the user on stderr why a fetch is waiting (a `fetching.retry.RetryWait`): what
    failed, the next try in N s, try k of n."""
    echo(f"nato-watch: {wait.describe()}", err=True)


REPLAY_PROGRESS_EVERY = 50


def replay_progress(done: int, total: int) -> None:
    """A line on stderr every `REPLAY_PROGRESS_EVERY` captures of a long replay."""
    if total > REPLAY_PROGRESS_EVERY and (done % REPLAY_PROGRESS_EVERY == 0 or done == total):
        echo(f"replay: {done}/{total} captures read", err=True)


IMPORT_PROGRESS_EVERY = 50


def import_progress(target: str) -> tuple[Callable[[str], None], Callable[[int, int, Any], None]]:
    """Lines on stderr: news of the listing, and one per capture fetched (and every
    `IMPORT_PROGRESS_EVERY` others)."""

    def notify(line: str) -> None:
        echo(f"{target}: {line}", err=True)

    def show(done: int, total: int, settled: Any) -> None:
        shown = settled.fetched or settled.outcome == "refused"
        if shown or done % IMPORT_PROGRESS_EVERY == 0 or done == total:
            stamp = utc_iso(settled.capture.captured_at)
            # Parse errors say "not the article: …"; the outcome says so already.
            reason = (settled.detail or "").removeprefix("not the article: ")
            detail = f": {reason}" if reason else ""
            notify(f"{done}/{total} {stamp} {settled.outcome}{detail}")

    return notify, show
