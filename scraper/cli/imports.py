"""Other archives: `import-wayback`, `export-warc`, `import-warc`."""

from __future__ import annotations

from pathlib import Path

import click

from scraper.cli.app import (
    Env,
    echo,
    errors_to_exit,
    import_progress,
    log,
    pick_target,
    refuse_demo,
    replay_progress,
    target_option,
)
from scraper.cli.translation import refresh_counterparts
from scraper.timespec import parse_span

# -- import-wayback: history from before the first check --------------------------------------


@click.command(name="import-wayback")
@target_option("Import only this target (default: every configured target).")
@click.option("--from", "start", metavar="DATE", help="Only captures from DATE (2016, 2016-10…).")
@click.option("--to", "end", metavar="DATE", help="Only captures up to DATE (all of that day).")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="Fetch at most N captures.")
@click.option(
    "--wayback-url",
    metavar="URL",
    help="Archive base URL (else $NATO_WATCH_WAYBACK_URL, else https://web.archive.org).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=4.0,
    show_default=True,
    metavar="SECONDS",
    help="Least time between two requests to the archive.",
)
@click.pass_obj
def import_wayback_command(
    env: Env,
    target_name: str | None,
    start: str | None,
    end: str | None,
    limit: int | None,
    wayback_url: str | None,
    interval: float,
) -> None:
    """Add the page's past captures from the Wayback Machine; rebuild versions and reports.

    Captures under the page's other URL shapes count; redirects, error pages and bot checks
    are skipped and counted; a re-run adds only what is new, and resumes an interrupted one.

    Example: nato-watch import-wayback --from 2012 --to 2024
    """
    # lazy: requests and the parser load only for imports
    from scraper.sources.wayback import import_wayback, open_client

    with errors_to_exit():
        refuse_demo(env, "import-wayback")
        span = parse_span(start, end, now=env.now())
        targets = [env.config.target(target_name)] if target_name else list(env.config.targets)
        client = open_client(
            env.config.fetch, base_url=wayback_url, interval=interval, log=log.info
        )
        with client:
            for target in targets:
                notify, progress = import_progress(target.name)
                result = import_wayback(
                    target,
                    archive=env.archive,
                    client=client,
                    span=span,
                    limit=limit,
                    lock_timeout=env.config.check.lock_timeout,
                    notify=notify,
                    progress=progress,
                    replay_progress=replay_progress,
                    watch=env.config.watchlist(target.name),
                    pairs=env.config.pairs(),
                    now=env.now(),
                )
                refresh_counterparts(env, target.name)
                for line in result.lines():
                    echo(line)
                if result.stopped:
                    echo(f"nato-watch: warning: {target.name}: {result.stopped}", err=True)


# -- WARC: export-warc, import-warc -----------------------------------------------------------

WARC_PROGRESS_EVERY = 50


def _export_progress(done: int, total: int) -> None:
    """A line on stderr every `WARC_PROGRESS_EVERY` captures of a long export."""
    if total > WARC_PROGRESS_EVERY and (done % WARC_PROGRESS_EVERY == 0 or done == total):
        echo(f"export-warc: {done}/{total} captures written", err=True)


@click.command(name="export-warc")
@click.argument("out", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@target_option("Export only this target (default: every target in the archive).")
@click.option("--from", "start", metavar="DATE", help="Only captures from DATE (2016, 2016-10…).")
@click.option("--to", "end", metavar="DATE", help="Only captures up to DATE (all of that day).")
@click.pass_obj
def export_warc_command(
    env: Env, out: Path, target_name: str | None, start: str | None, end: str | None
) -> None:
    """Write the archive's captures to a WARC file that any web-archive replay tool opens.

    Each capture: its response as received (or a revisit, for bytes already written), its
    request, and a metadata record with the version, content hash and report summary. OUT
    ending in .gz is gzipped record by record.

    Example: nato-watch export-warc nato-watch.warc.gz --from 2024
    """
    # lazy: warcio loads only for WARC commands
    from scraper.sources.warc_export import export_warc

    with errors_to_exit():
        span = parse_span(start, end, now=env.now())
        targets = [pick_target(env, target_name)] if target_name else env.archive.targets()
        if not targets:
            pick_target(env, None)  # says the archive is empty
        result = export_warc(
            env.archive,
            targets,
            out,
            start=span.start,
            end=span.end,
            now=env.now(),
            target_urls={t.name: t.url for t in env.config.targets},
            progress=_export_progress,
            lock_timeout=env.config.check.lock_timeout,
        )
    echo(result.summary_line())


@click.command(name="import-warc")
@click.argument(
    "files",
    metavar="FILE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@target_option("Import only this target (default: every configured target).")
@click.pass_obj
def import_warc_command(env: Env, files: tuple[Path, ...], target_name: str | None) -> None:
    """Add the page's captures from WARC or ARC files (gzipped or not); rebuild versions and
    reports.

    Response and revisit records of the page under any of its URL shapes count; error pages,
    other types and pages that are not the article are skipped and counted. A damaged file
    imports nothing; a re-run adds nothing and completes an interrupted one.

    Example: nato-watch import-warc crawl.warc.gz
    """
    # lazy: warcio and the parser load only for WARC commands
    from scraper.sources.warc_import import import_warc

    with errors_to_exit():
        refuse_demo(env, "import-warc")
        targets = [env.config.target(target_name)] if target_name else list(env.config.targets)
        shows = {t.name: import_progress(t.name)[1] for t in targets}
        results = import_warc(
            list(files),
            targets,
            archive=env.archive,
            lock_timeout=env.config.check.lock_timeout,
            notify=lambda line: echo(f"import-warc: {line}", err=True),
            progress=lambda target, done, total, settled: shows[target](done, total, settled),
            replay_progress=replay_progress,
            watches={t.name: env.config.watchlist(t.name) for t in targets},
            pairs=env.config.pairs(),
            max_bytes=env.config.fetch.max_bytes,
            now=env.now(),
        )
        for target in targets:
            refresh_counterparts(env, target.name)
    for result in results:
        for line in result.lines():
            echo(line)
