"""The command line: the composition root. It builds the archive, the fetcher and the clock,
calls one function per command, and is the only module that prints or sets exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from scraper import __version__
from scraper.archive.store import Archive, resolve_version, version_at
from scraper.config import Config, find_config, load_config, resolve_data_dir
from scraper.core.records import CheckStatus, Version
from scraper.core.target import Target
from scraper.errors import ConfigError, NotFound, ScraperError
from scraper.timespec import parse_moment, parse_span, utc_iso

log = logging.getLogger("nato-watch")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Env:
    """What every command gets: the data dir's archive and the configuration."""

    archive: Archive
    config: Config


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    click.echo(f"nato-watch: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn a `ScraperError` into a one-line message and an exit code (no traceback)."""
    try:
        yield
    except ScraperError as err:
        fail(str(err), err.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)


def target_option(help_text: str = "Target name (default: the only target).") -> Callable[[F], F]:
    """The shared `--target NAME` option."""
    return click.option("--target", "target_name", metavar="NAME", help=help_text)


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """The shared `--format` option."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


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
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
        force=True,
    )
    with errors_to_exit():
        root = resolve_data_dir(data_dir)
        config = load_config(find_config(config_path, root))
    ctx.obj = Env(archive=Archive(root), config=config)


# -- check -----------------------------------------------------------------------------------


@cli.command()
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
    from scraper.config import target_for_url
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
        fetcher = _open_fetcher(targets, settings, force_browser=browser)
        with fetcher, env.archive.lock(timeout=env.config.check.lock_timeout):
            for target in targets:
                result = check_target(
                    target, archive=env.archive, fetch=fetcher, now=_now, options=options
                )
                if as_json:
                    click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
                else:
                    click.echo(_describe_check(result))
                for note in (*result.record.notes, result.note):
                    if note:
                        log.warning("%s: %s", target.name, note)
                if not result.ok:
                    failed += 1
                    click.echo(f"nato-watch: error: {target.name}: {result.error}", err=True)
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


def _open_fetcher(
    targets: list[Target] | tuple[Target, ...],
    settings: Any,
    *,
    stop: Any = None,
    force_browser: bool = False,
) -> Any:
    from scraper.run.pipeline import TargetFetcher

    return TargetFetcher(
        targets,
        settings,
        log=lambda line: log.info("%s", line),
        stop=stop,
        force_browser=force_browser,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _describe_check(result: Any) -> str:
    stamp = f" (last updated {result.last_updated.text})" if result.last_updated else ""
    if result.status is CheckStatus.ERROR:
        return f"{result.target}: error"
    if result.status is CheckStatus.NEW:
        return f"{result.target}: new — first version {result.version}{stamp}"
    if result.status is CheckStatus.CHANGED:
        return f"{result.target}: changed — version {result.version}{stamp}; report {result.report}"
    return f"{result.target}: unchanged — latest version {result.version}{stamp}"


# -- history: log, show, diff ----------------------------------------------------------------


def pick_target(env: Env, name: str | None) -> str:
    """The archive target a history command works on (`--target`, or the only one)."""
    from scraper.archive.store import check_target_name

    held = env.archive.targets()
    if name:
        check_target_name(name)
        if name not in held:
            listed = ", ".join(held) or "none yet"
            raise NotFound(f"the archive holds no target {name!r}; it holds: {listed}")
        return name
    if len(held) == 1:
        return held[0]
    if not held:
        raise NotFound(
            f"the archive in {env.archive.root} is empty; run `nato-watch check` first "
            "(or pass --data-dir)"
        )
    raise ConfigError(
        f"the archive holds several targets; pick one with --target: {', '.join(held)}"
    )


def _summary_of(archive: Archive, version: Version, previous: Version | None) -> str:
    if previous is None:
        return "first version"
    try:
        from scraper.reports.model import ReportSummary

        return ReportSummary.from_json(archive.read_report(version.target, version.id, "json")).line
    except NotFound:
        return "(report missing; `nato-watch replay` rebuilds it)"


@cli.command(name="log")
@target_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of versions.")
@click.option(
    "--term", metavar="TERM", help="Only the versions where TERM's count changed, with counts."
)
@click.pass_obj
def log_command(env: Env, target_name: str | None, as_json: bool, term: str | None) -> None:
    """List the versions of a target, oldest first, with a one-line summary of each change.

    With --term, only the versions where that term's count changed, with the count before and
    after; a known name counts in all its variants ("PRC" is China).

    Example: nato-watch log --target republic-of-korea
    """
    if term is not None:
        _log_term(env, target_name, term, as_json=as_json)
        return
    with errors_to_exit():
        target = pick_target(env, target_name)
        rows: list[dict[str, Any]] = []
        previous = None
        for version in env.archive.iter_versions(target):
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
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo(f"{target}: no versions yet")
    for row in rows:
        shown = row["last_updated_text"] or "no stamp"
        source = "" if row["source"] == "live" else f" [{row['source']}]"
        click.echo(f"{row['id']}  {shown:<20} {row['hash'][:12]}  {row['summary']}{source}")


def _log_term(env: Env, target_name: str | None, entry: str, *, as_json: bool) -> None:
    """`log --term`: the versions where the term's count changed."""
    from scraper.core.terms import default_watchlist, term_table

    with errors_to_exit():
        if not entry.strip():
            raise ConfigError('--term needs a word or phrase, e.g. --term "Indo-Pacific"')
        target = pick_target(env, target_name)
        watch = (env.config.watchlist(target) or default_watchlist()).single(entry)
        steps = term_table(env.archive.iter_versions(target), watch).steps(watch.names[0])
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in steps], ensure_ascii=False, indent=1))
        return
    if not steps:
        click.echo(f"{target}: no version names {watch.names[0]!r}")
    for step in steps:
        shown = step.last_updated.text if step.last_updated else "no stamp"
        counts = (
            f"{step.after} in the first version"
            if step.before is None
            else f"{step.before} → {step.after} ({step.status.value})"
        )
        click.echo(f"{step.version}  {shown:<20} {step.term}: {counts}")


@cli.command(name="terms")
@target_option()
@format_option(["text", "csv"], "text")
@click.pass_obj
def terms_command(env: Env, target_name: str | None, fmt: str) -> None:
    """Print how often each watched term occurs in every version of a target, oldest first.

    The terms are the target's `watch` list in the config, else the default list.

    Example: nato-watch terms --format csv > terms.csv
    """
    from scraper.core.terms import default_watchlist, term_table

    with errors_to_exit():
        target = pick_target(env, target_name)
        watch = env.config.watchlist(target) or default_watchlist()
        table = term_table(env.archive.iter_versions(target), watch)
    click.echo(table.to_csv() if fmt == "csv" else table.to_text(), nl=False)


@cli.command()
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
            when = parse_moment(at_text, option="--at", now=_now())
            version_id = version_at(env.archive, target, when)
        else:
            version_id = resolve_version(env.archive, target, version_ref or "latest")
        document = env.archive.read_version(target, version_id).document
    if fmt == "json":
        click.echo(document.to_json(indent=1))
    elif fmt == "markdown":
        click.echo(document.to_markdown(), nl=False)
    else:
        click.echo(document.to_text(), nl=False)


@cli.command(name="diff")
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
            when = parse_moment(since_text, option="--since", now=_now())
            old_id = version_at(env.archive, target, when)
        else:
            old_id = resolve_version(env.archive, target, old_ref or "latest~1")
        new_id = resolve_version(env.archive, target, new_ref or "latest")
        old = env.archive.read_version(target, old_id)
        new = env.archive.read_version(target, new_id)
        report = build_report(old, new, watch=env.config.watchlist(target))
    renderers = {"markdown": render_markdown, "html": render_html, "json": render_json}
    click.echo(renderers[fmt](report), nl=False)


# -- archive: replay, verify -----------------------------------------------------------------

REPLAY_PROGRESS_EVERY = 50


def _replay_progress(done: int, total: int) -> None:
    """A line on stderr every `REPLAY_PROGRESS_EVERY` captures of a long replay."""
    if total > REPLAY_PROGRESS_EVERY and (done % REPLAY_PROGRESS_EVERY == 0 or done == total):
        click.echo(f"replay: {done}/{total} captures read", err=True)


@cli.command()
@target_option()
@click.pass_obj
def replay(env: Env, target_name: str | None) -> None:
    """Re-read every stored snapshot with the current parser; rebuild versions and reports.

    Example: nato-watch replay --target republic-of-korea
    """
    from scraper.sources.replay import replay_target

    with errors_to_exit():
        target = pick_target(env, target_name)
        timeout = env.config.check.lock_timeout
        result = replay_target(
            env.archive,
            target,
            progress=_replay_progress,
            lock_timeout=timeout,
            watch=env.config.watchlist(target),
        )
    for line in result.lines():
        click.echo(line)


@cli.command(name="verify")
@click.pass_obj
def verify_command(env: Env) -> None:
    """Check every hash and reference in the archive; exit 1 on damage (notes alone pass).

    Example: nato-watch verify
    """
    from scraper.archive.store import verify

    with errors_to_exit():
        result = verify(env.archive)
    for problem in result.problems:
        click.echo(problem.line())
    click.echo(result.summary_line())
    if not result.ok:
        sys.exit(1)


# -- run: the scheduled job ------------------------------------------------------------------


@cli.command()
@click.option("--every", metavar="DURATION", help="Interval: 30s, 30m, 6h, 1d (default: 6h).")
@click.option("--cron", metavar="EXPR", help='Five-field crontab times, e.g. "0 */6 * * *".')
@target_option("Run only this target (default: every configured target).")
@click.option("--jitter", metavar="DURATION", help="Delay each check by a random 0..DURATION.")
@click.option("--timezone", metavar="TZ", help="Zone of --cron times and log stamps (UTC).")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append the log lines to this file.",
)
@click.pass_obj
def run(
    env: Env,
    every: str | None,
    cron: str | None,
    target_name: str | None,
    jitter: str | None,
    timezone: str | None,
    log_file: Path | None,
) -> None:
    """Check the targets on a schedule, in the foreground, until SIGINT or SIGTERM.

    A target never checked, or last checked longer ago than its interval, is checked at once;
    otherwise its next check is its last one plus the interval. Each check logs one line on
    stderr. SIGINT/SIGTERM let the check in progress finish, then exit 0; a second one exits
    at once.

    Example: nato-watch run --every 6h --jitter 5m
    """
    import os

    from scraper.run.schedule import run_schedule

    with errors_to_exit():
        if every and cron:
            raise ConfigError("give --every or --cron, not both")
        outcome = run_schedule(
            env.config,
            archive=env.archive,
            make_fetcher=lambda stop: _open_fetcher(
                env.config.targets, env.config.fetch, stop=stop
            ),
            target_name=target_name,
            every=every,
            cron=cron,
            timezone=timezone,
            jitter=jitter,
            log_file=log_file,
            log_level=logging.getLogger().level,
        )
    if not outcome.clean:
        # A check still runs in a worker thread and the interpreter would wait for it at
        # exit; the user asked not to wait. The store's writes are atomic.
        logging.shutdown()
        os._exit(128 + outcome.signal_number if outcome.forced and outcome.signal_number else 1)


# -- import-wayback: history from before the first check --------------------------------------

IMPORT_PROGRESS_EVERY = 50


def _import_progress(target: str) -> tuple[Callable[[str], None], Callable[[int, int, Any], None]]:
    """Lines on stderr: news of the listing, and one per capture fetched (and every
    `IMPORT_PROGRESS_EVERY` others)."""

    def notify(line: str) -> None:
        click.echo(f"{target}: {line}", err=True)

    def show(done: int, total: int, settled: Any) -> None:
        if settled.fetched or done % IMPORT_PROGRESS_EVERY == 0 or done == total:
            stamp = utc_iso(settled.capture.captured_at)
            # Parse errors say "not the article: …"; the outcome says so already.
            reason = (settled.detail or "").removeprefix("not the article: ")
            detail = f": {reason}" if reason else ""
            notify(f"{done}/{total} {stamp} {settled.outcome}{detail}")

    return notify, show


@cli.command(name="import-wayback")
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
    from scraper.sources.wayback import import_wayback, open_client

    with errors_to_exit():
        span = parse_span(start, end, now=_now())
        targets = [env.config.target(target_name)] if target_name else list(env.config.targets)
        client = open_client(
            env.config.fetch, base_url=wayback_url, interval=interval, log=log.info
        )
        with client:
            for target in targets:
                notify, progress = _import_progress(target.name)
                result = import_wayback(
                    target,
                    archive=env.archive,
                    client=client,
                    span=span,
                    limit=limit,
                    lock_timeout=env.config.check.lock_timeout,
                    notify=notify,
                    progress=progress,
                    replay_progress=_replay_progress,
                    watch=env.config.watchlist(target.name),
                )
                click.echo(result.summary_line())
                if result.stopped:
                    click.echo(f"nato-watch: warning: {target.name}: {result.stopped}", err=True)


# -- serve: browse the report site ----------------------------------------------------------


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@target_option("Print the address of this target's part of the site.")
@click.pass_obj
def serve(env: Env, port: int, target_name: str | None) -> None:
    """Serve the report site (the data dir's reports/) on 127.0.0.1 until Ctrl-C.

    Prints the address to open. Only this machine can connect; nothing is written.

    Example: nato-watch serve --port 8000
    """
    import signal

    from scraper.reports.serve import SiteServer

    with errors_to_exit():
        target = pick_target(env, target_name) if target_name else None
        server = SiteServer(env.archive.reports, port=port)
    # Ctrl-C, and SIGTERM (a service manager, `kill`), stop it cleanly, even when started in
    # the background by a shell that ignores SIGINT for its background jobs.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with server:
        address = server.url + (f"index.html#only-{target}" if target else "")
        try:
            # Inside the `try`: a Ctrl-C right after the address is printed stops it cleanly too.
            click.echo(f"serving {server.reports} at {address} (Ctrl-C stops)")
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# -- WARC: export-warc, import-warc -----------------------------------------------------------

WARC_PROGRESS_EVERY = 50


def _export_progress(done: int, total: int) -> None:
    """A line on stderr every `WARC_PROGRESS_EVERY` captures of a long export."""
    if total > WARC_PROGRESS_EVERY and (done % WARC_PROGRESS_EVERY == 0 or done == total):
        click.echo(f"export-warc: {done}/{total} captures written", err=True)


@cli.command(name="export-warc")
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
    from scraper.sources.warc import export_warc

    with errors_to_exit():
        span = parse_span(start, end, now=_now())
        targets = [pick_target(env, target_name)] if target_name else env.archive.targets()
        if not targets:
            pick_target(env, None)  # says the archive is empty
        result = export_warc(
            env.archive,
            targets,
            out,
            start=span.start,
            end=span.end,
            now=_now(),
            target_urls={t.name: t.url for t in env.config.targets},
            progress=_export_progress,
            lock_timeout=env.config.check.lock_timeout,
        )
    click.echo(result.summary_line())


@cli.command(name="import-warc")
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
    from scraper.sources.warc import import_warc

    with errors_to_exit():
        targets = [env.config.target(target_name)] if target_name else list(env.config.targets)
        shows = {t.name: _import_progress(t.name)[1] for t in targets}
        results = import_warc(
            list(files),
            targets,
            archive=env.archive,
            lock_timeout=env.config.check.lock_timeout,
            notify=lambda line: click.echo(f"import-warc: {line}", err=True),
            progress=lambda target, done, total, settled: shows[target](done, total, settled),
            replay_progress=_replay_progress,
            watches={t.name: env.config.watchlist(t.name) for t in targets},
        )
    for result in results:
        click.echo(result.summary_line())


def main() -> None:
    """Entry point of the `nato-watch` console script."""
    cli(prog_name="nato-watch")
