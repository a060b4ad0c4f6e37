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
    refuse_demo,
    say_once_without_contact,
    say_retry,
    target_option,
)
from scraper.config import Config, target_for_url
from scraper.core.records import CheckStatus
from scraper.core.target import Target

# `check --exit-code`: the exit status when a check recorded a new version (and none failed).
EXIT_CHANGED = 3

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
@click.option(
    "--exit-code", is_flag=True, help="Exit 3 when a new version was recorded (as git diff)."
)
@click.option("--no-notify", is_flag=True, help="Send no webhook or command notification.")
@click.pass_obj
def check(
    env: Env,
    target_name: str | None,
    url: str | None,
    as_json: bool,
    accept: bool,
    user_agent: str | None,
    browser: bool,
    exit_code: bool,
    no_notify: bool,
) -> None:
    """Check each target once now; store a new version and its report if the page changed.

    Exit status 0 when every check did its job (changed or not), 1 when any failed; with
    --exit-code, 3 when a new version was recorded and none failed. With -q, nothing is
    printed for an unchanged page: a change on stdout, a failure on stderr (for cron).

    Example: nato-watch -q check --exit-code
    """
    # lazy: the pipeline brings requests; --help and usage errors do without it
    from scraper.run.once import check_now, deliver_all
    from scraper.run.pipeline import CheckOptions

    config = env.config
    with errors_to_exit():
        refuse_demo(env, "check")
        targets = _targets_to_check(config, target_name, url, target_for_url)
        settings = replace(config.fetch, user_agent=user_agent) if user_agent else config.fetch
        say_once_without_contact(env, settings, [t.url for t in targets])
        options = CheckOptions(
            accept=accept,
            suspect_confirmations=config.check.suspect_confirmations,
            unhealthy_after=config.run.unhealthy_after,
            pairs=config.pairs(),
        )
        retries = None if env.quiet else say_retry
        with open_fetcher(targets, settings, force_browser=browser, on_wait=retries) as fetcher:
            checked = check_now(
                targets,
                archive=env.archive,
                fetch=fetcher,
                now=env.now,
                options=options,
                lock_timeout=config.check.lock_timeout,
                configured=frozenset(t.name for t in config.targets),
                notify=not no_notify,
                on_checked=lambda done: _print_checked(env, done, as_json=as_json),
            )
        deliveries = deliver_all(
            checked, timeout=config.run.notify_timeout, tries=config.run.notify_tries
        )
        for delivery in deliveries:
            if not delivery.ok or not env.quiet:
                echo(_describe_delivery(delivery), err=True)
    results = [c.result for c in checked]
    if any(not r.ok for r in results):
        sys.exit(1)
    if exit_code and any(r.status in (CheckStatus.NEW, CheckStatus.CHANGED) for r in results):
        sys.exit(EXIT_CHANGED)


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


def _print_checked(env: Env, checked: Any, *, as_json: bool) -> None:
    """A check's line: on stdout (a failure's on stderr too; with -q, there only, and nothing
    for an unchanged page); its notes as warnings."""
    result = checked.result
    quiet = env.quiet
    if as_json:
        echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        if result.late is not None:  # a change a stopped check never announced
            echo(describe_check(result.late) + " (recorded late)")
        if not quiet or result.status in (CheckStatus.NEW, CheckStatus.CHANGED):
            echo(describe_check(result))
    for note in (*result.record.notes, result.note):
        if note:
            log.warning("%s: %s", result.target, note)
    if not result.ok:
        hint = _demo_hint(env, result)
        echo(f"nato-watch: error: {result.target}: {result.error}{hint}", err=True)
        if checked.dropped and not quiet:
            echo(
                f"nato-watch: {result.target} never had a version and is not in the config: "
                "nothing of it was kept",
                err=True,
            )


DEMO_HINT = (
    "; to see nato-watch work meanwhile, build an offline demo from the page's public history: "
    "nato-watch --data-dir /tmp/nato-watch-demo demo"
)


# How the fetchers word a request that reached no server (`fetching.http`: a DNS failure, a
# refused connection, a connect timeout, no route); a slow answer or an HTTP error did reach it.
UNREACHABLE = (
    "could not resolve the host name",
    "refused the connection",
    "failed: connecting to",
    "failed: could not connect to",
)


def _demo_hint(env: Env, result: Any) -> str:
    """The demo, offered when a target never checked before could not reach the site at all."""
    record = result.record
    unreachable = record.http_status is None and any(
        words in (record.error or "") for words in UNREACHABLE
    )
    if unreachable and env.archive.latest_version(result.target) is None:
        return DEMO_HINT
    return ""


def describe_check(result: Any) -> str:
    """The line `check` prints for one target's result."""
    stamp = f" (last updated {result.last_updated.text})" if result.last_updated else ""
    if result.status is CheckStatus.ERROR:
        return f"{result.target}: error"
    if result.status is CheckStatus.NEW:
        return f"{result.target}: new — first version {result.version}{stamp}"
    if result.status is CheckStatus.CHANGED:
        what = f"{_change_tag(result)} — " if result.change is not None else ""
        return (
            f"{result.target}: changed — {what}version {result.version}{stamp}; "
            f"report {result.report}"
        )
    return f"{result.target}: unchanged — latest version {result.version}{stamp}"


def _change_tag(result: Any) -> str:
    """What kind of change and its strongest flag (`reports.words.change_tag`)."""
    # lazy: the wording of changes loads only when there is a change to word
    from scraper.reports.words import change_tag

    change = result.change
    return change_tag(
        change.stamp, silent_edit=change.silent_edit, restamp=change.restamp, flags=change.flags
    )


def _describe_delivery(delivery: Any) -> str:
    """A notification's outcome: told, or a warning saying why not (the check still counts)."""
    where = f"{delivery.channel.value} {delivery.destination} of {delivery.event}"
    if delivery.ok:
        return f"nato-watch: {delivery.target}: told {where} ({delivery.detail})"
    return f"nato-watch: warning: {delivery.target}: could not tell {where}: {delivery.detail}"
