"""The report site: which of its files to (re)write from the archive, and when.

`reports/` is a static site that opens from disk or any static host:

    reports/index.html                         timeline of every version, "since" links, changes
    reports/feed.atom                          every change, newest first
    reports/<target>/<id>.{html,md,json}       the report leading to version <id>
    reports/<target>/pages/<id>.html           version <id> as it stood, with its provenance
    reports/<target>/since/<id>.{html,json}    what changed from version <id> to the latest
    reports/<target>/summary.jsonl             what the site shows of each version
    reports/style.css                          the stylesheet the reports and pages link

Everything here is derived from the versions and the JSON reports and contains no wall-clock
time other than capture times, so `replay` rebuilds it byte for byte.

- A check publishes its new version incrementally (`publish_version`): the report, the
  version's line in the summary index (`reports.summaries`), its page and its previous
  version's (whose "next" link changed), the target's "since" reports, then the index and
  the feed, built from the summary indexes. Nothing is re-read report by report, and other
  targets' files are only read.
- `rebuild_site` rebuilds from the evidence (replay, imports, `forget`): the summary index,
  the missing version pages (and their neighbours, whose links changed), the "since"
  reports; `write_version_pages` rewrites a whole history's pages (replay).
- Combined "since" reports go from a few earlier versions to the latest (`since_bases`): the
  last `SINCE_RECENT` versions before the latest, the versions in force a week, a month,
  three months and a year before the latest capture, and the first version. The version just
  before the latest needs none (its report is the latest report). The choice depends only on
  the version ids and capture times, so it is deterministic; anchoring the spans at the latest
  capture (not at "now") keeps the wall clock out of derived files. For any other date,
  `nato-watch diff --since DATE` computes one on demand.

The archive does the I/O (`archive.site`, a `SiteStore`, writes `reports/`); the renderers
format; nothing prints. `write_report` writes the report of one change in every format.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.archive.store import Archive
from scraper.core.records import Version
from scraper.errors import NotFound, ScraperError, counted
from scraper.reports import summaries
from scraper.reports.assets import STYLESHEET, asset
from scraper.reports.json_report import render_json
from scraper.reports.markdown import render_markdown
from scraper.reports.model import (
    REPORT_LINKS,
    SINCE_LINKS,
    Report,
    ReportSummary,
    SinceLink,
    build_report,
)
from scraper.reports.site import render_feed, render_html, render_index, render_version_page
from scraper.reports.summaries import SiteEntry
from scraper.reports.translation import counterpart_checks, pair_status
from scraper.reports.translation_words import pair_row
from scraper.reports.words import summary_line
from scraper.timespec import utc_iso

if TYPE_CHECKING:
    from scraper.core.change import Change
    from scraper.core.target import TranslationPair
    from scraper.core.watchlist import Watchlist

# How many versions before the latest (counting the one just before it) get a "since" link.
SINCE_RECENT = 3
# What `rebuild_site` does with a target's "since" reports.
_FORCE, _REPAIR, _READ = "force", "repair", "read"
SINCE_SPANS = (
    (timedelta(days=7), "a week"),
    (timedelta(days=30), "a month"),
    (timedelta(days=91), "three months"),
    (timedelta(days=365), "a year"),
)


def since_bases(history: Sequence[tuple[str, datetime]]) -> list[tuple[str, tuple[str, ...]]]:
    """The earlier versions worth a "since" report to the latest, oldest first, each with the
    reasons it was picked. `history`: (id, captured_at) of every version, oldest first."""
    if len(history) < 2:
        return []
    ids = [version_id for version_id, _ in history]
    times = [at for _, at in history]
    latest = len(history) - 1
    reasons: dict[int, list[str]] = {}
    for back in range(1, SINCE_RECENT + 1):
        k = latest - back
        if k < 0:
            break
        reasons.setdefault(k, []).append(
            "the version before the latest" if back == 1 else f"{back} versions before the latest"
        )
    for span, words in SINCE_SPANS:
        # The version in force then: the last one captured at or before that moment.
        k = bisect.bisect_right(times, times[latest] - span) - 1
        if 0 <= k < latest:
            reasons.setdefault(k, []).append(f"in force {words} before the latest")
    reasons.setdefault(0, []).append("the first version")
    return [(ids[k], tuple(reasons[k])) for k in sorted(reasons)]


def rebuild_site(
    archive: Archive,
    *,
    target: str | None = None,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
    entries: Sequence[SiteEntry] | None = None,
) -> None:
    """Rebuild the site from the evidence: the summary index, the missing version pages and
    the "since" reports, then `reports/index.html` and `reports/feed.atom`. `pairs`: every
    translated pair of the config, whose lag the index shows; `entries`: `target`'s entries
    when the caller just wrote its whole history (`write_history`), else they are read from
    its versions and reports.

    `target` names the target whose history just changed (a replay, an import): its summary
    index is rewritten from its versions and reports, its missing version pages are written
    and its "since" reports recomputed, with `watch` as the watched terms of their flags;
    other targets' files are only read, so a replay of one target never touches another's.
    Without `target`, every target's summary index is rewritten and its missing pages and
    missing or out-of-date "since" reports written (with the built-in watch list).
    """
    _write_stylesheet(archive)
    every: dict[str, list[SiteEntry]] = {}
    since: list[SinceLink] = []
    for name in archive.targets():
        if target is not None and name != target:
            every[name] = _entries_of(archive, name)
            since += _update_since(archive, name, every[name], mode=_READ, watch=None)
            continue
        if name == target and entries is not None:
            every[name] = list(entries)
            summaries.write(archive, name, every[name])
        else:
            every[name] = summaries.rebuild(archive, name)
        with archive.batch():
            _repair_pages(archive, name, archive.version_ids(name))
            since += _update_since(
                archive,
                name,
                every[name],
                mode=_FORCE if name == target else _REPAIR,
                watch=watch,
            )
    _write_index_and_feed(archive, every, since, pairs)


def publish_version(
    archive: Archive,
    version: Version,
    previous: Version | None,
    *,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
) -> tuple[Path | None, Change | None]:
    """Publish a version a check stored, after `previous` (None: the target's first): its
    report in every format, its line in the summary index, its page and its previous one's
    (whose "next" link changed), the target's "since" reports, then the index and the feed.
    Return the Markdown report's path and the change (None, None for a first version).

    What does not change with the new version is not rewritten, and other targets' files
    are only read: what a check costs does not grow with the history (`reports.summaries`).
    """
    target = version.target
    path, change = None, None
    _write_stylesheet(archive)  # before the first page that links it
    if previous is None:
        entry = SiteEntry.of_version(version)
    else:
        path, report, text = _write_report(archive, previous, version, watch=watch, pairs=pairs)
        entry, change = SiteEntry.of_report(report, text), report.change
    entries = {target: summaries.add(archive, target, entry, previous.id if previous else None)}
    _write_neighbour_pages(archive, version, previous, [e.id for e in entries[target]])
    since: list[SinceLink] = []
    for name in archive.targets():
        if name != target:
            entries[name] = _entries_of(archive, name)
        since += _update_since(
            archive,
            name,
            entries[name],
            mode=_FORCE if name == target else _READ,
            watch=watch,
            latest=version if name == target else None,
        )
    _write_index_and_feed(archive, entries, since, pairs)
    return path, change


def _write_stylesheet(archive: Archive) -> None:
    """Write `reports/style.css`, the stylesheet the reports and version pages link (left
    alone when it holds these bytes already)."""
    archive.site.write_site_file(STYLESHEET, asset(STYLESHEET))


def _entries_of(archive: Archive, target: str) -> list[SiteEntry]:
    """Another target's entries, from its summary index; made from its evidence, but not
    written, when it has none or it cannot be trusted (an archive from before the index: the
    target's own next check or replay writes it)."""
    entries = summaries.load(archive, target)
    return entries if entries is not None else summaries.from_evidence(archive, target)


def _write_index_and_feed(
    archive: Archive,
    entries: dict[str, list[SiteEntry]],
    since: Sequence[SinceLink],
    pairs: Sequence[TranslationPair],
) -> None:
    """Write `reports/index.html` and `reports/feed.atom` from every target's entries."""
    every = [entry for name in sorted(entries) for entry in entries[name]]
    reported = [entry.summary for entry in every if entry.summary is not None]
    rows = [pair_row(pair_status(archive, pair)) for pair in pairs]
    index = render_index(
        reported,
        versions=[entry.info for entry in every],
        since=since,
        pairs=rows,
        demo=archive.is_demo(),
    )
    archive.site.write_site_file("index.html", index)
    caught = [entry.caught for entry in every if entry.caught is not None]
    archive.site.write_site_file("feed.atom", render_feed(reported, caught))


def write_history(
    archive: Archive,
    versions: Sequence[Version],
    *,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
) -> list[SiteEntry]:
    """Write the report of every change of one target's whole history (oldest first) and the
    page of every version; return the history's entries for the summary index (`replay`
    hands them to `rebuild_site`, so the reports are not read back)."""
    entries = [SiteEntry.of_version(versions[0])] if versions else []
    for old, new in itertools.pairwise(versions):
        _, report, text = _write_report(archive, old, new, watch=watch, pairs=pairs)
        entries.append(SiteEntry.of_report(report, text))
    write_version_pages(archive, versions)
    return entries


def write_version_pages(archive: Archive, versions: Sequence[Version]) -> None:
    """Write the page of every version of one target's whole history (oldest first), each
    linked to its neighbours; pages of versions not in it are left to `rebuild_site`."""

    for k, version in enumerate(versions):
        previous = versions[k - 1].id if k else None
        following = versions[k + 1].id if k + 1 < len(versions) else None
        archive.site.write_version_page(
            version.target,
            version.id,
            render_version_page(version, previous=previous, next=following),
        )


def _write_neighbour_pages(
    archive: Archive, version: Version, previous: Version | None, ids: Sequence[str]
) -> None:
    """Write the page of `version` and rewrite its previous version's, whose link to the
    next version changed; `ids` are the target's versions as the site shows them."""
    at = ids.index(version.id)
    pages = [(version, at)] + ([(previous, at - 1)] if previous is not None and at else [])
    for shown, k in pages:
        page = render_version_page(
            shown,
            previous=ids[k - 1] if k else None,
            next=ids[k + 1] if k + 1 < len(ids) else None,
        )
        archive.site.write_version_page(shown.target, shown.id, page)


def _repair_pages(archive: Archive, target: str, ids: Sequence[str]) -> None:
    """Write the missing version pages and rewrite their neighbours' (whose links to the
    previous and next version changed); remove pages of versions that are gone."""

    pages = set(archive.site.version_page_ids(target))
    todo: set[int] = set()
    for stray in sorted(pages - set(ids)):
        archive.site.delete_version_page(target, stray)
        at = bisect.bisect_left(ids, stray)
        todo.update(k for k in (at - 1, at) if 0 <= k < len(ids))
    for k, version_id in enumerate(ids):
        if version_id not in pages:
            todo.update(j for j in (k - 1, k, k + 1) if 0 <= j < len(ids))
    for k in sorted(todo):
        try:
            version = archive.read_version(target, ids[k])
        except ScraperError:
            continue
        page = render_version_page(
            version,
            previous=ids[k - 1] if k else None,
            next=ids[k + 1] if k + 1 < len(ids) else None,
        )
        archive.site.write_version_page(target, ids[k], page)


def _update_since(
    archive: Archive,
    target: str,
    entries: Sequence[SiteEntry],
    *,
    mode: str,
    watch: Watchlist | None,
    latest: Version | None = None,
) -> list[SinceLink]:
    """Bring the target's "since" reports up to date (`_FORCE`: recompute them all;
    `_REPAIR`: write those missing or out of date; `_READ`: write nothing) and return the
    links the index shows. `entries`: the target's versions, oldest first; `latest`: the
    latest version when the caller holds it (a check), so it is not read again per report."""

    infos = [entry.info for entry in entries]
    if len(infos) < 2:
        if mode != _READ:
            for stale in archive.site.since_report_files(target):
                archive.site.delete_since_reports(target, stale)
        return []
    newest = infos[-1]
    position = {info.id: k for k, info in enumerate(infos)}
    bases = since_bases([(info.id, info.captured_at) for info in infos])
    links = []
    wanted = set()
    for base_id, reasons in bases:
        info = infos[position[base_id]]
        if position[base_id] == len(infos) - 1 - 1:
            # The version just before the latest: its combined report is the latest report.
            summary = entries[-1].summary
            if summary is None:
                continue
            href, line = summary.report_path("html"), summary.summary_line
        else:
            wanted.add(base_id)
            line_or_none = (
                None if mode == _FORCE else _current_since(archive, target, base_id, newest.id)
            )
            if line_or_none is None and mode != _READ:
                line_or_none = _write_since(
                    archive,
                    target,
                    base_id,
                    latest if latest is not None and latest.id == newest.id else newest.id,
                    len(infos) - 1 - position[base_id],
                    watch,
                )
            if line_or_none is None:
                continue
            href, line = f"{target}/since/{base_id}.html", line_or_none
        links.append(
            SinceLink(
                target=target,
                old_id=base_id,
                old_captured_at=info.captured_at,
                new_id=newest.id,
                reasons=reasons,
                summary_line=line,
                href=href,
            )
        )
    if mode != _READ:
        for stale in sorted(set(archive.site.since_report_files(target)) - wanted):
            archive.site.delete_since_reports(target, stale)
    return links


def _current_since(archive: Archive, target: str, base_id: str, latest_id: str) -> str | None:
    """The summary line of the stored "since" report, when both its formats are there and it
    ends at the latest version; else None (it must be written)."""

    formats = archive.site.since_report_files(target).get(base_id, set())
    if formats != {"html", "json"}:
        return None
    try:
        summary = ReportSummary.from_json(archive.site.read_since_report(target, base_id, "json"))
    except (ScraperError, ValueError, KeyError):
        return None
    if summary.old_id != base_id or summary.new_id != latest_id:
        return None
    return summary.summary_line


def _write_since(
    archive: Archive,
    target: str,
    base_id: str,
    latest: Version | str,
    steps: int,
    watch: Watchlist | None,
) -> str | None:
    """Compute and store the combined report from `base_id` to the latest version (given, or
    its id); its summary line."""

    try:
        old = archive.read_version(target, base_id)
        new = latest if isinstance(latest, Version) else archive.read_version(target, latest)
    except (NotFound, ScraperError):
        return None
    latest_id = new.id
    report = build_report(old, new, watch=watch)
    note = (
        f"Everything that changed since version {base_id} (captured "
        f"{utc_iso(old.captured_at)}), up to the latest version, {latest_id}: "
        f"{counted(steps, 'change')} in between, shown as one."
    )
    archive.site.write_since_report(target, base_id, "json", render_json(report))
    archive.site.write_since_report(
        target, base_id, "html", render_html(report, links=SINCE_LINKS, note=note)
    )
    return summary_line(report.change)


def write_report(
    archive: Archive,
    old: Version,
    new: Version,
    *,
    watch: Watchlist | None = None,
    pairs: Sequence[TranslationPair] = (),
) -> tuple[Path, Change]:
    """Compute the change from `old` to `new` and write its report in every format; return the
    Markdown report's path and the change. `watch`: the watched terms and word lists of its
    flags (default: the built-in ones); `pairs`: the translated pairs of the config, for the
    counterpart block of a target in one."""

    path, report, _ = _write_report(archive, old, new, watch=watch, pairs=pairs)
    return path, report.change


def _write_report(
    archive: Archive,
    old: Version,
    new: Version,
    *,
    watch: Watchlist | None,
    pairs: Sequence[TranslationPair],
) -> tuple[Path, Report, str]:
    """`write_report`, returning the report and its JSON text too."""
    report = build_report(old, new, watch=watch)
    if pairs:
        report = replace(report, counterparts=counterpart_checks(archive, old, new, pairs))
    text = render_json(report)
    archive.site.write_report(new.target, new.id, "json", text)
    archive.site.write_report(new.target, new.id, "html", render_html(report, links=REPORT_LINKS))
    path = archive.site.write_report(new.target, new.id, "md", render_markdown(report))
    return path, report, text


def refresh_counterparts(
    archive: Archive,
    target: str,
    *,
    pairs: Sequence[TranslationPair],
    watch_of: Callable[[str], Watchlist | None],
    lock_timeout: float = 60.0,
) -> tuple[str, ...]:
    """Rewrite the reports of the other side of each translated pair `target` is in, then the
    index and the feed; return the targets whose reports were rewritten.

    Their counterpart blocks name `target`'s version in force at each of their captures, which
    a replay or an import of `target` may have changed. `watch_of(name)`: a target's watched
    terms, so its reports keep their flags.
    """
    others = sorted({pair.other(target) for pair in pairs if target in pair.names()})
    if not others:
        return ()
    with archive.lock(timeout=lock_timeout):
        for other in others:
            versions = list(archive.iter_versions(other))
            with archive.batch():
                for old, new in itertools.pairwise(versions):
                    write_report(archive, old, new, watch=watch_of(other), pairs=pairs)
        rebuild_site(archive, pairs=pairs)
    return tuple(others)
