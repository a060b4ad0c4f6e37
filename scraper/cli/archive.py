"""The archive's own commands: `replay`, `verify`."""

from __future__ import annotations

import json
import sys

import click

from scraper.archive.verify import verify
from scraper.cli.app import (
    Env,
    errors_to_exit,
    pick_target,
    replay_progress,
    target_option,
)
from scraper.cli.translation import refresh_counterparts

# -- archive: replay, verify -----------------------------------------------------------------


@click.command()
@target_option()
@click.pass_obj
def replay(env: Env, target_name: str | None) -> None:
    """Re-read every stored snapshot with the current parser; rebuild versions and reports.

    Example: nato-watch replay --target republic-of-korea
    """
    # lazy: the parser and the renderers load only for replay
    from scraper.sources.replay import replay_target

    with errors_to_exit():
        target = pick_target(env, target_name)
        timeout = env.config.check.lock_timeout
        result = replay_target(
            env.archive,
            target,
            progress=replay_progress,
            lock_timeout=timeout,
            watch=env.config.watchlist(target),
            pairs=env.config.pairs(),
        )
        refresh_counterparts(env, target)
    for line in result.lines():
        click.echo(line)


@click.command(name="verify")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: the problems, the counts and each target's chain head.",
)
@click.pass_obj
def verify_command(env: Env, as_json: bool) -> None:
    """Check every hash and reference in the archive; exit 1 on damage (notes alone pass).

    The check log of each target is a hash chain; --json prints its head (the sha256 of the
    last line), which you can publish as a commitment to the log as it stands.

    Example: nato-watch verify --json
    """
    with errors_to_exit():
        result = verify(env.archive)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        if not result.ok:
            sys.exit(1)
        return
    for problem in result.problems:
        click.echo(problem.line())
    click.echo(result.summary_line())
    if not result.ok:
        sys.exit(1)
