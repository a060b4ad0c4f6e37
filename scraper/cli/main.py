"""The command line: the composition root. It builds the archive, the fetcher and the clock,
calls one function per command, and is the only layer that prints or sets exit codes.

One module per group of verbs (`check`, `history`, `archive`, `schedule`, `imports`, `site`);
`app` holds what they share. Each command body is a few lines: validate, call one function,
print. Heavy modules (the parser, requests, Jinja2, APScheduler) are imported inside the
commands that need them, so `--help`, `log` and `show` start fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from scraper import __version__
from scraper.archive.store import Archive
from scraper.cli.app import Env, Overrides, SafeFormatter, errors_to_exit
from scraper.cli.archive import replay, verify_command
from scraper.cli.check import check
from scraper.cli.history import diff_command, log_command, show, terms_command
from scraper.cli.imports import export_warc_command, import_warc_command, import_wayback_command
from scraper.cli.schedule import run
from scraper.cli.site import serve
from scraper.config import find_config, load_config, resolve_data_dir


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    ctx.obj = Env(archive=Archive(root), config=config, now=overrides.now)


for _command in (
    check,
    log_command,
    terms_command,
    show,
    diff_command,
    replay,
    verify_command,
    run,
    import_wayback_command,
    serve,
    export_warc_command,
    import_warc_command,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `nato-watch` console script."""
    cli(prog_name="nato-watch")
