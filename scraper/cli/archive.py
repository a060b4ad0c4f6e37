"""The archive's own commands: `replay`, `verify`, `forget`."""

from __future__ import annotations

import json
import sys

import click

from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    pick_target,
    replay_progress,
    target_option,
)
from scraper.cli.translation import refresh_counterparts
from scraper.errors import ConfigError

# -- archive: replay, verify, forget ---------------------------------------------------------


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
            unhealthy_after=env.config.run.unhealthy_after,
            now=env.now(),
        )
        refresh_counterparts(env, target)
    for line in result.lines():
        echo(line)


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
    # lazy: `--help` lists this command without loading the archive's checks
    from scraper.archive.verify import verify

    with errors_to_exit():
        result = verify(env.archive, now=env.now())
    if as_json:
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        if not result.ok:
            sys.exit(1)
        return
    for problem in result.problems:
        echo(problem.line())
    echo(result.summary_line())
    if not result.ok:
        sys.exit(1)


@click.command(name="forget")
@click.argument("target", metavar="TARGET")
@click.option("--yes", is_flag=True, help="Remove without asking for confirmation.")
@click.pass_obj
def forget_command(env: Env, target: str, yes: bool) -> None:
    """Remove a target's snapshots and reports, then rebuild the site without it.

    Asks first (or --yes); without a terminal to ask on, refuses unless --yes is given.

    Example: nato-watch forget 127-0-0-1-topics-50098 --yes
    """
    # lazy: removing a target rebuilds the site (Jinja2)
    from scraper.archive.removal import holdings
    from scraper.run.forget import forget_target

    with errors_to_exit():
        target = pick_target(env, target)
        if not yes:
            if not sys.stdin.isatty():
                raise ConfigError(
                    f"forget {target} removes its whole history; confirm in a terminal, or "
                    "pass --yes"
                )
            held = holdings(env.archive, target).describe()
            if not click.confirm(f"Remove {target}: {held}? This cannot be undone", err=True):
                raise ConfigError("nothing removed")
        removed = forget_target(
            env.archive,
            target,
            lock_timeout=env.config.check.lock_timeout,
            unhealthy_after=env.config.run.unhealthy_after,
            pairs=env.config.pairs(),
        )
    echo(f"{target}: removed {removed.describe()}")
    if any(t.name == target for t in env.config.targets):
        echo(
            f"nato-watch: {target} is still in the config: the next check starts it again",
            err=True,
        )
