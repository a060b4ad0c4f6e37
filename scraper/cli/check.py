"""`check`: one check of each target now."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    log,
    open_fetcher,
    target_option,
)
from scraper.config import Config, target_for_url
from scraper.core.records import CheckStatus
from scraper.core.target import Target

# -- check -----------------------------------------------------------------------------------


@click.command()
@target_option("Check only this target (or, with --url, store the URL under this name).")
@click.option("--url", metavar="URL", help="Check this URL instead of the configured targets.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per target.")
@click.option("--accept", is_flag=True, help="Accept a page held as suspect as a new version.")
@click.option("--user-agent", metavar="UA", help="User-Agent header to send.")
@click.option(
    "--browser", is_flag=True, help="Load the page in headless Chromium (needs the extra)."
)
@click.pass_obj
def check(
    env: Env,
    target_name: str | None,
    url: str | None,
    as_json: bool,
    accept: bool,
    user_agent: str | None,
    browser: bool,
) -> None:
    """Check each target once now; store a new version and its report if the page changed.

    Exit status 0 when every check did its job (changed or not), 1 when any failed.

    Example: nato-watch check --json
    """
    # lazy: the pipeline brings requests; --help and usage errors do without it
    from scraper.run.pipeline import CheckOptions, check_target

    with errors_to_exit():
        targets = _targets_to_check(env.config, target_name, url, target_for_url)
        settings = env.config.fetch
        if user_agent:
            settings = replace(settings, user_agent=user_agent)
        options = CheckOptions(
            accept=accept, suspect_confirmations=env.config.check.suspect_confirmations
        )
        failed = 0
        fetcher = open_fetcher(targets, settings, force_browser=browser)
        with fetcher, env.archive.lock(timeout=env.config.check.lock_timeout):
            for target in targets:
                result = check_target(
                    target, archive=env.archive, fetch=fetcher, now=env.now, options=options
                )
                if as_json:
                    echo(json.dumps(result.to_dict(), ensure_ascii=False))
                else:
                    if result.late is not None:  # a change a stopped check never announced
                        echo(_describe_check(result.late) + " (recorded late)")
                    echo(_describe_check(result))
                for note in (*result.record.notes, result.note):
                    if note:
                        log.warning("%s: %s", target.name, note)
                if not result.ok:
                    failed += 1
                    echo(f"nato-watch: error: {target.name}: {result.error}", err=True)
    if failed:
        sys.exit(1)


def _targets_to_check(
    config: Config,
    name: str | None,
    url: str | None,
    target_for_url: Callable[..., Target],
) -> list[Target]:
    if url:
        return [target_for_url(url, name=name, config=config)]
    if name:
        return [config.target(name)]
    return list(config.targets)


def _describe_check(result: Any) -> str:
    stamp = f" (last updated {result.last_updated.text})" if result.last_updated else ""
    if result.status is CheckStatus.ERROR:
        return f"{result.target}: error"
    if result.status is CheckStatus.NEW:
        return f"{result.target}: new — first version {result.version}{stamp}"
    if result.status is CheckStatus.CHANGED:
        return f"{result.target}: changed — version {result.version}{stamp}; report {result.report}"
    return f"{result.target}: unchanged — latest version {result.version}{stamp}"
