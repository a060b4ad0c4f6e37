"""Reading history: `log`, `terms`, `show`, `diff`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from scraper.archive.refs import resolve_version
from scraper.archive.store import Archive
from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    format_option,
    note_demo,
    one_of,
    pick_target,
    target_option,
    version_in_force,
)
from scraper.core.records import Version
from scraper.errors import ConfigError, NotFound
from scraper.timespec import parse_moment, utc_iso

if TYPE_CHECKING:
    from scraper.reports.model import ReportSummary

# The page's "Last updated" stamp is NATO HQ's local time.

# -- history: log, show, diff ----------------------------------------------------------------


def _indexed_summaries(archive: Archive, target: str) -> dict[str, ReportSummary | None]:
    """What the site's summary index says of the report leading to each version, by id; empty
    when the target has no index or it cannot be trusted (then each report is read)."""
    # lazy: the report model loads only for `log`
    from scraper.reports import summaries

    return {entry.id: entry.summary for entry in summaries.load(archive, target) or ()}


def _summary_of(
    archive: Archive,
    version: Version,
    previous: Version | None,
    indexed: dict[str, ReportSummary | None],
) -> dict[str, Any]:
    """What `log` says of a version's change: its summary line, whether it was a silent edit,
    and its strongest flag (from the summary index, else from the stored JSON report)."""
    if previous is None:
        return {"summary": "first version", "silent_edit": None, "top_flag": None}
    # lazy: the report model loads only for `log`
    from scraper.reports.model import ReportSummary

    try:
        summary = indexed.get(version.id) or ReportSummary.from_json(
            archive.site.read_report(version.target, version.id, "json")
        )
    except NotFound:
        missing = "(report missing; `nato-watch replay` rebuilds it)"
        return {"summary": missing, "silent_edit": None, "top_flag": None}
    return {
        "summary": summary.line,
        "silent_edit": summary.silent_edit,
        "top_flag": summary.flags[0].headline if summary.flags else None,
    }


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
    note_demo(env)
    if term is not None:
        _log_term(env, target_name, term, as_json=as_json)
        return
    with errors_to_exit():
        since = parse_moment(since_text, option="--since", now=env.now()) if since_text else None
        target = pick_target(env, target_name)
        rows: list[dict[str, Any]] = []
        previous = None
        indexed = _indexed_summaries(env.archive, target)
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
                    **_summary_of(env.archive, version, previous, indexed),
                }
            )
            previous = version
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        when = f" captured since {utc_iso(since)}" if since is not None else " yet"
        echo(f"{target}: no versions{when}{_failed_checks_note(env, target, since)}")
    for row in rows:
        echo(_log_line(row))


def _log_line(row: dict[str, Any]) -> str:
    """A version as `log` prints it: id, stamp, hash, summary; a silent edit marked `!`, and
    the strongest flag."""
    shown = row["last_updated_text"] or "no stamp"
    source = "" if row["source"] == "live" else f" [{row['source']}]"
    mark = "!" if row["silent_edit"] else " "
    flag = f" — strongest flag {row['top_flag']}" if row["top_flag"] else ""
    return f"{row['id']} {mark} {shown:<20} {row['hash'][:12]}  {row['summary']}{flag}{source}"


def _failed_checks_note(env: Env, target: str, since: datetime | None) -> str:
    """For a target with no version: that its checks failed, and where to look."""
    if since is not None:
        return ""
    # lazy: only an empty history needs the health model
    from scraper.core.health import check_history

    history = check_history(env.archive.iter_checks_newest_first(target))
    if not history.failures:
        return ""
    return (
        f"; its last {history.failures} checks failed (the last: {history.last_error}); "
        "see `nato-watch status`"
    )


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
@click.argument("version_ref", metavar="[VERSION]", required=False)
@click.option("--at", "at_text", metavar="DATETIME", help="The version captured last at DATETIME.")
@click.option(
    "--at-stamp",
    "at_stamp_text",
    metavar="DATETIME",
    help="The version whose 'Last updated' stamp was in force at DATETIME (Brussels time).",
)
@target_option()
@format_option(["text", "markdown", "json"], "text")
@click.pass_obj
def show(
    env: Env,
    version_ref: str | None,
    at_text: str | None,
    at_stamp_text: str | None,
    target_name: str | None,
    fmt: str,
) -> None:
    """Print the page as it stood at a version (an id, `latest`, `latest~N`; default
    `latest`), or at a time: by capture time (--at) or by the page's own stamp (--at-stamp).

    Example: nato-watch show latest~1 --format markdown
    """
    with errors_to_exit():
        one_of(VERSION=version_ref, **{"--at": at_text, "--at-stamp": at_stamp_text})
        target = pick_target(env, target_name)
        version_id = version_in_force(
            env, target, ref=version_ref or "latest", at=at_text, stamp=at_stamp_text
        )
        document = env.archive.read_version(target, version_id).document
    if fmt == "json":
        echo(document.to_json(indent=1))
    elif fmt == "markdown":
        echo(document.to_markdown(), nl=False)
    else:
        echo(document.to_text(), nl=False)


@click.command(name="diff")
@click.argument("old_ref", metavar="[OLD", required=False)
@click.argument("new_ref", metavar="[NEW]]", required=False)
@click.option(
    "--since", "since_text", metavar="DATE", help="From the version captured last at DATE."
)
@click.option(
    "--since-stamp",
    "since_stamp_text",
    metavar="DATE",
    help="From the version whose 'Last updated' stamp was in force at DATE (Brussels time).",
)
@target_option()
@format_option(["markdown", "html", "json"], "markdown")
@click.pass_obj
def diff_command(
    env: Env,
    old_ref: str | None,
    new_ref: str | None,
    since_text: str | None,
    since_stamp_text: str | None,
    target_name: str | None,
    fmt: str,
) -> None:
    """Print the change between any two versions (NEW defaults to `latest`), or from a date to
    the latest: by capture time (--since) or by the page's own stamp (--since-stamp).

    Example: nato-watch diff latest~1 latest --format markdown
    """
    # lazy: the diff and the renderers (Jinja2) load only for diff
    from scraper.reports.json_report import render_json
    from scraper.reports.markdown import render_markdown
    from scraper.reports.model import build_report
    from scraper.reports.site import render_html

    with errors_to_exit():
        if not (old_ref or since_text or since_stamp_text):
            raise ConfigError(
                "give two versions (e.g. `diff latest~1 latest`), --since DATE or "
                "--since-stamp DATE"
            )
        one_of(**{"OLD [NEW]": old_ref, "--since": since_text, "--since-stamp": since_stamp_text})
        target = pick_target(env, target_name)
        old_id = version_in_force(
            env, target, ref=old_ref or "latest~1", at=since_text, stamp=since_stamp_text,
            option="--since",
        )  # fmt: skip
        new_id = resolve_version(env.archive, target, new_ref or "latest")
        old = env.archive.read_version(target, old_id)
        new = env.archive.read_version(target, new_id)
        report = build_report(old, new, watch=env.config.watchlist(target))
    renderers = {"markdown": render_markdown, "html": render_html, "json": render_json}
    echo(renderers[fmt](report), nl=False)
