"""Reading history: `log`, `terms`, `show`, `diff`."""

from __future__ import annotations

import json
from typing import Any

import click

from scraper.archive.refs import resolve_version, version_at
from scraper.archive.store import Archive
from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    format_option,
    pick_target,
    target_option,
)
from scraper.core.records import Version
from scraper.errors import ConfigError, NotFound
from scraper.timespec import parse_moment, utc_iso

# -- history: log, show, diff ----------------------------------------------------------------


def _summary_of(archive: Archive, version: Version, previous: Version | None) -> str:
    if previous is None:
        return "first version"
    try:
        # lazy: the report model brings the diff and flag modules; log reads only summaries
        from scraper.reports.model import ReportSummary

        return ReportSummary.from_json(archive.read_report(version.target, version.id, "json")).line
    except NotFound:
        return "(report missing; `nato-watch replay` rebuilds it)"


@click.command(name="log")
@target_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of versions.")
@click.option(
    "--term", metavar="TERM", help="Only the versions where TERM's count changed, with counts."
)
@click.option(
    "--since", "since_text", metavar="DATE", help="Only versions captured at or after DATE."
)
@click.pass_obj
def log_command(
    env: Env, target_name: str | None, as_json: bool, term: str | None, since_text: str | None
) -> None:
    """List the versions of a target, oldest first, with a one-line summary of each change.

    With --term, only the versions where that term's count changed, with the count before and
    after; a known name counts in all its variants ("PRC" is China). --since takes the dates
    every command takes: 2024, 2024-07, 2024-07-16, ISO 8601, a version id, or 1w (a week ago).

    Example: nato-watch log --target republic-of-korea --since 1w
    """
    if term is not None:
        _log_term(env, target_name, term, as_json=as_json)
        return
    with errors_to_exit():
        since = parse_moment(since_text, option="--since", now=env.now()) if since_text else None
        target = pick_target(env, target_name)
        rows: list[dict[str, Any]] = []
        previous = None
        for version in env.archive.iter_versions(target):
            if since is not None and version.captured_at < since:
                previous = version
                continue
            stamp = version.document.last_updated
            rows.append(
                {
                    "id": version.id,
                    "captured_at": utc_iso(version.captured_at),
                    "last_updated": stamp.at.isoformat() if stamp else None,
                    "last_updated_text": stamp.text if stamp else None,
                    "hash": version.content_hash,
                    "source": version.provenance.source.value,
                    "summary": _summary_of(env.archive, version, previous),
                }
            )
            previous = version
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        when = f" captured since {utc_iso(since)}" if since is not None else " yet"
        echo(f"{target}: no versions{when}")
    for row in rows:
        shown = row["last_updated_text"] or "no stamp"
        source = "" if row["source"] == "live" else f" [{row['source']}]"
        echo(f"{row['id']}  {shown:<20} {row['hash'][:12]}  {row['summary']}{source}")


def _log_term(env: Env, target_name: str | None, entry: str, *, as_json: bool) -> None:
    """`log --term`: the versions where the term's count changed."""
    # lazy: the word lists load only when terms are counted
    from scraper.core.terms import term_table
    from scraper.core.watchlist import default_watchlist

    with errors_to_exit():
        if not entry.strip():
            raise ConfigError('--term needs a word or phrase, e.g. --term "Indo-Pacific"')
        target = pick_target(env, target_name)
        watch = (env.config.watchlist(target) or default_watchlist()).single(entry)
        steps = term_table(env.archive.iter_versions(target), watch).steps(watch.names[0])
    if as_json:
        echo(json.dumps([s.to_dict() for s in steps], ensure_ascii=False, indent=1))
        return
    if not steps:
        echo(f"{target}: no version names {watch.names[0]!r}")
    for step in steps:
        shown = step.last_updated.text if step.last_updated else "no stamp"
        counts = (
            f"{step.after} in the first version"
            if step.before is None
            else f"{step.before} → {step.after} ({step.status.value})"
        )
        echo(f"{step.version}  {shown:<20} {step.term}: {counts}")


@click.command(name="terms")
@target_option()
@format_option(["text", "csv"], "text")
@click.pass_obj
def terms_command(env: Env, target_name: str | None, fmt: str) -> None:
    """Print how often each watched term occurs in every version of a target, oldest first.

    The terms are the target's `watch` list in the config, else the default list.

    Example: nato-watch terms --format csv > terms.csv
    """
    # lazy: the word lists load only when terms are counted
    from scraper.core.terms import term_table
    from scraper.core.watchlist import default_watchlist

    with errors_to_exit():
        target = pick_target(env, target_name)
        watch = env.config.watchlist(target) or default_watchlist()
        table = term_table(env.archive.iter_versions(target), watch)
    echo(table.to_csv() if fmt == "csv" else table.to_text(), nl=False)


@click.command()
@click.argument("version_ref", metavar="VERSION", required=False)
@click.option("--at", "at_text", metavar="DATETIME", help="The version in force at this time.")
@target_option()
@format_option(["text", "markdown", "json"], "text")
@click.pass_obj
def show(
    env: Env, version_ref: str | None, at_text: str | None, target_name: str | None, fmt: str
) -> None:
    """Print the page as it stood at a version (an id, `latest`, `latest~N`) or a time.

    Example: nato-watch show latest~1 --format markdown
    """
    with errors_to_exit():
        if version_ref and at_text:
            raise ConfigError("give a VERSION or --at, not both")
        target = pick_target(env, target_name)
        if at_text:
            when = parse_moment(at_text, option="--at", now=env.now())
            version_id = version_at(env.archive, target, when)
        else:
            version_id = resolve_version(env.archive, target, version_ref or "latest")
        document = env.archive.read_version(target, version_id).document
    if fmt == "json":
        echo(document.to_json(indent=1))
    elif fmt == "markdown":
        echo(document.to_markdown(), nl=False)
    else:
        echo(document.to_text(), nl=False)


@click.command(name="diff")
@click.argument("old_ref", metavar="OLD", required=False)
@click.argument("new_ref", metavar="NEW", required=False)
@click.option("--since", "since_text", metavar="DATE", help="From the version in force at DATE.")
@target_option()
@format_option(["markdown", "html", "json"], "markdown")
@click.pass_obj
def diff_command(
    env: Env,
    old_ref: str | None,
    new_ref: str | None,
    since_text: str | None,
    target_name: str | None,
    fmt: str,
) -> None:
    """Print the change between any two versions (or since a date, to the latest).

    Example: nato-watch diff latest~1 latest --format markdown
    """
    # lazy: the diff and the renderers (Jinja2) load only for diff
    from scraper.reports.json_report import render_json
    from scraper.reports.markdown import render_markdown
    from scraper.reports.model import build_report
    from scraper.reports.site import render_html

    with errors_to_exit():
        if since_text and old_ref:
            raise ConfigError("give OLD [NEW] or --since, not both")
        if not since_text and not old_ref:
            raise ConfigError("give two versions (e.g. `diff latest~1 latest`) or --since DATE")
        target = pick_target(env, target_name)
        if since_text:
            when = parse_moment(since_text, option="--since", now=env.now())
            old_id = version_at(env.archive, target, when)
        else:
            old_id = resolve_version(env.archive, target, old_ref or "latest~1")
        new_id = resolve_version(env.archive, target, new_ref or "latest")
        old = env.archive.read_version(target, old_id)
        new = env.archive.read_version(target, new_id)
        report = build_report(old, new, watch=env.config.watchlist(target))
    renderers = {"markdown": render_markdown, "html": render_html, "json": render_json}
    echo(renderers[fmt](report), nl=False)
