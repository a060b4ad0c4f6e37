"""What every command shares: the environment (archive, config, clock), the one-line
error form, the shared options, picking a target, the fetcher, progress lines."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, TypeVar

import click

from scraper.archive.store import Archive, check_target_name
from scraper.config import Config
from scraper.core.target import Target
from scraper.errors import ConfigError, NotFound, ScraperError, one_line
from scraper.timespec import utc_iso, utc_now

log = logging.getLogger("nato-watch")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Env:
    """What every command gets: the data dir's archive, the configuration and the clock."""

    archive: Archive
    config: Config
    now: Callable[[], datetime] = utc_now


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
        """The record as a line no control character in it can turn against the terminal."""
        return terminal_safe(super().format(record))


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


def target_option(help_text: str = "Target name (default: the only target).") -> Callable[[F], F]:
    """The shared `--target NAME` option."""
    return click.option("--target", "target_name", metavar="NAME", help=help_text)


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


def open_fetcher(
    targets: list[Target] | tuple[Target, ...],
    settings: Any,
    *,
    stop: Any = None,
    force_browser: bool = False,
) -> Any:
    # lazy: requests and the fetchers load only for the commands that fetch
    from scraper.fetching.router import TargetFetcher

    return TargetFetcher(
        targets,
        settings,
        log=lambda line: log.info("%s", line),
        stop=stop,
        force_browser=force_browser,
    )


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
