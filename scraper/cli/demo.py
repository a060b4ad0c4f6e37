"""`demo`: an offline sample archive from the page's real public history, and what to open."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

import click

from scraper.cli.app import Env, echo, errors_to_exit
from scraper.cli.check import describe_check

if TYPE_CHECKING:
    from scraper.run.pipeline import CheckResult


@click.command()
@click.pass_obj
def demo(env: Env) -> None:
    """Build an offline demo archive in the data dir from the page's real public history.

    The English page of 2016 and 2024 and the French page of 2012 to 2023 (copies shipped
    with nato-watch) are served from a local server on 127.0.0.1 and checked with the real
    pipeline, each at the date it stands for; three illustrative edits add a silent edit, a
    restamp and a moved bullet. Takes a few seconds, needs no network, and writes DEMO.md,
    which marks everything as demo data. Refuses a data dir that holds an archive.

    Example: nato-watch --data-dir /tmp/nato-watch-demo demo
    """
    # lazy: the pipeline, requests and the parser load only for the commands that check
    from scraper.run.demo import ENGLISH, build_demo

    with errors_to_exit():
        result = build_demo(env.archive, progress=_progress)
    root = env.archive.root.resolve()
    data_dir = shlex.quote(str(root))
    echo(
        f"demo: {result.versions} versions and {result.reports} change reports of 2 targets "
        f"in {result.seconds:.1f} s — demo data, not a record of nato.int "
        f"(see {root / 'DEMO.md'})"
    )
    echo("Open the report site:")
    echo(f"  {root / 'reports' / 'index.html'}")
    echo(f"  nato-watch --data-dir {data_dir} serve")
    echo("List the versions:")
    echo(f"  nato-watch --data-dir {data_dir} log --target {ENGLISH}")


def _progress(result: CheckResult) -> None:
    line = describe_check(result)
    echo(f"{line} — {result.error}" if result.error else line)
