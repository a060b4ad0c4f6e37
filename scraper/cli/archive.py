"""The archive's own commands: `replay`, `verify`."""

from __future__ import annotations

import sys

import click

from scraper.archive.verify import verify
from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    pick_target,
    replay_progress,
    target_option,
)

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
            now=env.now(),
        )
    for line in result.lines():
        echo(line)


@click.command(name="verify")
@click.pass_obj
def verify_command(env: Env) -> None:
    """Check every hash and reference in the archive; exit 1 on damage (notes alone pass).

    Example: nato-watch verify
    """
    with errors_to_exit():
        result = verify(env.archive, now=env.now())
    for problem in result.problems:
        echo(problem.line())
    echo(result.summary_line())
    if not result.ok:
        sys.exit(1)
