"""`nato-watch lag`: translated pairs, which side leads, by how many days, and the facts each
side's latest version has that the other's does not."""

from __future__ import annotations

import json

import click

from scraper.cli.app import Env, echo, errors_to_exit, target_option


@click.command(name="lag")
@target_option("Only the pair this target is a side of (default: every pair).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per pair.")
@click.pass_obj
def lag_command(env: Env, target_name: str | None, as_json: bool) -> None:
    """Show how far each translation lags its original, and the facts either side lacks.

    A pair is a target with `translation_of` in the config and the target it names. Each side
    is dated by its latest version's "Last updated" stamp (Brussels time; the capture time when
    its page shows none); the two are compared on dates, numbers, names and acronyms, not words.

    Example: nato-watch lag --target republic-of-korea-fr
    """
    # lazy: the parser's reading of facts and the renderers load only for this command
    from scraper.reports.translation import lag_to_dict, pair_status
    from scraper.reports.translation_words import lag_lines

    with errors_to_exit():
        statuses = [pair_status(env.archive, p) for p in env.config.pairs_for(target_name)]
    if as_json:
        echo(json.dumps([lag_to_dict(s) for s in statuses], ensure_ascii=False, indent=1))
        return
    for k, status in enumerate(statuses):
        if k:
            echo("")
        for line in lag_lines(status):
            echo(line)


def refresh_counterparts(env: Env, target: str) -> None:
    """After a replay or an import of `target`, rewrite the reports of the other side of each
    translated pair it is in (their counterpart blocks name `target`'s versions)."""
    pairs = env.config.pairs()
    if not any(target in pair.names() for pair in pairs):
        return
    # lazy: the renderers load only for the commands that write reports
    from scraper.reports.publish import refresh_counterparts as rewrite

    rewrite(
        env.archive,
        target,
        pairs=pairs,
        watch_of=env.config.watchlist,
        lock_timeout=env.config.check.lock_timeout,
    )
