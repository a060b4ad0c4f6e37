"""The command line: the composition root. It builds the archive, the fetcher and the clock,
calls one function per command, and is the only layer that prints or sets exit codes.

One module per group of verbs (`check`, `history`, `archive`, `schedule`, `imports`, `site`,
`inspecting`, `demo`, `translation`, `evidence`, `status`); `app` holds what they share,
`manpage` renders the man page. Click's own usage errors are told in the tool's one-line form
(`Group`, `UsageError`). Each command body is a few lines: validate, call one function,
print. Heavy modules (the parser, requests, Jinja2, APScheduler) are imported inside the
commands that need them, so `--help`, `log`, `show` and `status` start fast.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import IO, Any

import click

from scraper import __version__
from scraper.archive.store import Archive
from scraper.cli.app import Env, Overrides, SafeFormatter, errors_to_exit, terminal_safe
from scraper.config import find_config, load_config, resolve_data_dir

# Every command: its name, and the module of its group of verbs that defines it (and the
# function's name there). A command's module loads when that command is looked up, so a
# command pays only for its own imports; `--help` and the man page load them all.
COMMANDS = {
    "check": ("check", "check"),
    "log": ("history", "log_command"),
    "terms": ("history", "terms_command"),
    "show": ("history", "show"),
    "diff": ("history", "diff_command"),
    "replay": ("archive", "replay"),
    "verify": ("archive", "verify_command"),
    "run": ("schedule", "run"),
    "import-wayback": ("imports", "import_wayback_command"),
    "serve": ("site", "serve"),
    "export-warc": ("imports", "export_warc_command"),
    "import-warc": ("imports", "import_warc_command"),
    "inspect": ("inspecting", "inspect_command"),
    "demo": ("demo", "demo"),
    "lag": ("translation", "lag_command"),
    "cite": ("evidence", "cite_command"),
    "bundle": ("evidence", "bundle_command"),
    "verify-bundle": ("evidence", "verify_bundle_command"),
    "status": ("status", "status_command"),
    "forget": ("archive", "forget_command"),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name (click's `Group.commands`), each loaded from its module
    on first use (`COMMANDS`)."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attr = COMMANDS[name]  # KeyError: no such command
            # lazy: each command's module loads when that command is looked up (start-up)
            command = getattr(importlib.import_module(f"scraper.cli.{module}"), attr)
            assert command.name == name, (command.name, name)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of nato-watch are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(COMMANDS.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())


class UsageError(click.UsageError):
    """A usage error (unknown option or command, missing argument, bad value) told in the
    tool's one-line form, with the command's usage: `nato-watch: error: …`, exit status 2."""

    @classmethod
    def of(cls, err: click.UsageError, fallback: click.Context | None = None) -> UsageError:
        """The same error, with its context (or `fallback` when click gave it none)."""
        return cls(err.format_message(), err.ctx or fallback)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one line on stderr."""
        message = " ".join(self.format_message().split()).rstrip(".")
        if message[:1].isupper() and message[1:2].islower():
            message = message[0].lower() + message[1:]
        hint = ""
        if self.ctx is not None:
            usage = " ".join(self.ctx.get_usage().split()).removeprefix("Usage: ")
            hint = f" (usage: {usage}; see `{self.ctx.command_path} --help`)"
        click.echo(terminal_safe(f"nato-watch: error: {message}{hint}"), file=file or sys.stderr)


class Group(click.Group):
    """The `nato-watch` group: click's own usage errors, its own and its commands', are told
    in the tool's one-line form (`UsageError`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the group's own options; a usage error becomes a `UsageError`."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `nato-watch` alone shows the help
        except click.UsageError as err:
            raise UsageError.of(err, click.Context(self, info_name=info_name)) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a usage error (no such command, a bad option of the command)
        becomes a `UsageError`."""
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as err:
            name = ctx.invoked_subcommand
            command = self.get_command(ctx, name) if name else None
            # click leaves some parse errors of a command (an option missing its value)
            # without a context: the command's own gives its usage.
            own = click.Context(command, info_name=name, parent=ctx) if command else None
            raise UsageError.of(err, own) from None


@click.group(
    name="nato-watch",
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where snapshots/ and reports/ live (else $NATO_WATCH_DATA_DIR, else the current dir).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config (else $NATO_WATCH_CONFIG, else <data-dir>/nato-watch.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors in the log output.")
@click.version_option(__version__, prog_name="nato-watch")
@click.pass_context
def cli(
    ctx: click.Context, data_dir: Path | None, config_path: Path | None, verbose: int, quiet: bool
) -> None:
    """Watch NATO's "Relations with the Republic of Korea" page and record every wording change.

    Example: nato-watch check
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    if not verbose and not quiet:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        SafeFormatter("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z")
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # A server's malformed headers make urllib3 log a warning with a traceback; the check's
    # own one-line failure says what matters (-vv shows urllib3's view too).
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose > 1 else logging.ERROR)
    with errors_to_exit():
        root = resolve_data_dir(data_dir)
        config = load_config(find_config(config_path, root))
    overrides = ctx.obj if isinstance(ctx.obj, Overrides) else Overrides()
    ctx.obj = Env(archive=Archive(root), config=config, now=overrides.now, quiet=quiet)


cli.commands = LazyCommands()  # a mapping, which is all click reads of it


def main() -> None:
    """Entry point of the `nato-watch` console script."""
    try:
        cli(prog_name="nato-watch")
    finally:
        # The process is about to end: what it made is left to the OS instead of to a last
        # sweep of the cyclic collector over every module, function and class loaded (about
        # 10 ms, a tenth of `log` or `status`). Nothing relies on it: files are written and
        # closed by the commands themselves, and standard streams are flushed all the same.
        gc.freeze()
