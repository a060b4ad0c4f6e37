"""The report site's health page, `reports/health.html`: when each target was last checked,
with what result, its failures in a row and its last error, and a warning for each target
that is failing (the last `unhealthy_after` checks failed: `core.health`).

Rewritten after every check (the check log's new line is its source; `run` coalesces those
writes to one a second at most, `run.coalesce`), so it is small and
written without Jinja2: an unchanged check stays as cheap as before (`bench/bench_check.py`),
and the index, which links to it, is rewritten only when a version is added. It is derived
from the check logs alone and contains no wall-clock time but their check times, so it says
"as of" the newest of them, and `replay` rebuilds it byte for byte. Whether checks have
stopped (`stale`) needs the clock: `nato-watch status` says that. Page text is escaped, and
the page carries the site's stylesheet and Content-Security-Policy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scraper.archive.memo import FileMemo
from scraper.archive.site_store import HEALTH_PAGE
from scraper.archive.store import Archive
from scraper.core.health import CheckHistory, check_history
from scraper.reports.assets import asset, escape_html, page_csp

CHECK_LOG = "checks.jsonl"  # in `snapshots/<target>/`


@dataclass(frozen=True)
class TargetHealth:
    """One row of the health page: a target and what the end of its check log says."""

    target: str
    history: CheckHistory
    # Its table row, by `unhealthy_after` (a row is rendered once while its log is unchanged).
    _html: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def table_row(self, unhealthy_after: int) -> str:
        """The row of the health table."""
        html = self._html.get(unhealthy_after)
        if html is None:
            html = self._html[unhealthy_after] = _table_row(self, unhealthy_after)
        return html


def write_health_page(archive: Archive, *, unhealthy_after: int, if_missing: bool = False) -> None:
    """Rewrite `reports/health.html` from the end of every target's check log, once the
    report site exists (its first version wrote the index); left alone when unchanged.

    With `if_missing` (replay: it changes versions and reports, never a check log, so it has
    no reason to rewrite the page), only a missing page is written.
    """
    if not archive.site.has_site_file("index.html"):
        return
    if if_missing and archive.site.has_site_file(HEALTH_PAGE):
        return
    rows = [_row(archive, name) for name in archive.targets()]
    archive.site.write_site_file(
        HEALTH_PAGE, render_health_page(rows, unhealthy_after=unhealthy_after)
    )


# Each target's row, made again only when its check log changed: `run` rewrites the page
# after every check, and without this each check would read the end of every target's log, a
# cost growing with the number of targets (300 targets: 20 ms of a 29 ms page at each check,
# `bench/bench_capacity.py`).
_ROWS: FileMemo[TargetHealth] = FileMemo()


def _row(archive: Archive, target: str) -> TargetHealth:
    """The row of `target`, from its check log as it is now."""
    # A name `archive.targets()` listed: its path joined as a string, not validated again.
    return _ROWS.get(
        os.path.join(archive.snapshots, target, CHECK_LOG),
        lambda: TargetHealth(target, check_history(archive.iter_checks_newest_first(target))),
    )


def render_health_page(rows: Sequence[TargetHealth], *, unhealthy_after: int) -> str:
    """The health page of `rows`, in target-name order."""
    rows = sorted(rows, key=lambda row: row.target)
    failing = [row for row in rows if row.history.failing(unhealthy_after)]
    checked = [row.history.last.started_at for row in rows if row.history.last]
    as_of = _when(max(checked)) if checked else "no check yet"
    css = asset("style.css")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        f'<meta http-equiv="Content-Security-Policy" content="{page_csp(css)}"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        '<meta name="generator" content="nato-watch"/>',
        "<title>nato-watch: check health</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        '<header class="site"><nav aria-label="Site"><ul>'
        '<li><a href="index.html">All changes</a></li></ul></nav></header>',
        "<main>",
        "<h1>Check health</h1>",
        f'<p class="lede">As of {_e(as_of)}, the last check recorded. This page is rewritten '
        "after every check, from the check logs; if that time is old, nothing is checking any "
        "more: <code>nato-watch status</code> says so.</p>",
        *_warnings(failing, unhealthy_after),
        *_table(rows, unhealthy_after),
        *_errors(rows),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _warnings(failing: Sequence[TargetHealth], unhealthy_after: int) -> list[str]:
    if not failing:
        return []
    lines = ['<div class="summary alert">']
    for row in failing:
        history = row.history
        since = f" since {_when(history.since)}" if history.since else ""
        lines.append(
            f'<p class="headline">Failing: <code>{_e(row.target)}</code>: the last '
            f"{history.failures} checks failed{_e(since)} (failing after {unhealthy_after}).</p>"
        )
    lines.append("</div>")
    return lines


def _table(rows: Sequence[TargetHealth], unhealthy_after: int) -> list[str]:
    lines = [
        "<table>",
        "<thead><tr><th>Target</th><th>Last checked</th><th>Result</th>"
        "<th>Failures in a row</th><th>Last success</th></tr></thead>",
        "<tbody>",
    ]
    lines += [row.table_row(unhealthy_after) for row in rows]
    lines += ["</tbody>", "</table>"]
    return lines


def _table_row(row: TargetHealth, unhealthy_after: int) -> str:
    history, last = row.history, row.history.last
    # The check's health, not what it found: the index says which checks changed a page.
    result = "never checked" if last is None else "failed" if history.failures else "ok"
    if history.failing(unhealthy_after):
        result += ' <span class="badge alert">failing</span>'
    success = history.last_success
    return (
        f'<tr><td><a href="index.html#only-{_e(row.target)}"><code>{_e(row.target)}</code>'
        f"</a></td><td>{_e(_when(last.started_at)) if last else '–'}</td><td>{result}</td>"
        f"<td>{history.failures}</td>"
        f"<td>{_e(_when(success.started_at)) if success else 'none'}</td></tr>"
    )


def _errors(rows: Sequence[TargetHealth]) -> list[str]:
    lines = []
    for row in rows:
        if row.history.last_error:
            lines.append(
                f"<h2><code>{_e(row.target)}</code>: the last error</h2>"
                f"<p>{_e(row.history.last_error)}</p>"
            )
    return lines


def _when(moment: datetime) -> str:
    """A check time for people, to the second: `2026-11-28 02:36:01 UTC`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_e = escape_html
