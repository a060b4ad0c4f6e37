"""The report site, rendered with Jinja2 (autoescape on): the HTML report (inline and side by
side), the page of each version, the index page with its timeline, and the Atom feed.

Page text is untrusted: it only ever reaches a template as a value, and autoescape turns any
markup in it into text. Characters that XML forbids (control characters) are dropped from
every value, so the HTML parses as XHTML and the feed as XML. Every page also carries a
Content-Security-Policy that lets only its own stylesheet (and on the index its own script,
by hash) run, so even markup that slipped through could not load or execute anything. Output
depends only on the input data (no clock, no locale), so rebuilding gives identical bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from markupsafe import Markup

from scraper.core.change import BlockChange, SectionChange, SectionStatus
from scraper.core.records import Version
from scraper.reports.assets import LINKED_CSP, asset, drop_xml_illegal, page_csp
from scraper.reports.cite import Citation, citation_parts
from scraper.reports.model import (
    PAGE_STYLESHEET,
    SITE_FLAGS,
    Report,
    ReportSummary,
    SinceLink,
    SiteLinks,
    VersionInfo,
)
from scraper.reports.side_by_side import side_by_side
from scraper.reports.timeline import build_timeline, legend
from scraper.reports.translation import CatchUp
from scraper.reports.translation_words import (
    PairRow,
    catch_up_summary,
    catch_up_title,
    counterpart_view,
)
from scraper.reports.version_page import version_page
from scraper.reports.words import (
    block_heading,
    change_sentences,
    describe_changes,
    flags_heading,
    since_label,
    stamp_label,
    stamp_sentences,
    term_phrase,
    terms_sentence,
)
from scraper.timespec import utc_iso

FEED_ID = "tag:nato-watch,2024:feed"
ENTRY_ID_PREFIX = "tag:nato-watch,2024:"
# An empty feed still needs an `updated`; the epoch says "nothing yet" and never changes.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return drop_xml_illegal(value)
    return value


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Jinja2's compiled templates, kept in the user's temp dir between processes.

    Compiling the templates costs ~60 ms, every changed check is a new process, and the
    cache is keyed by each template's source, so a stale entry is never used. Where no safe
    private temp dir can be had, templates are compiled in memory as before.
    """
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


_ENV = Environment(
    loader=PackageLoader("scraper.reports", "templates"),
    bytecode_cache=_bytecode_cache(),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=_xml_safe,
)
_ENV.filters["utc"] = utc_iso


def _when(moment: datetime) -> str:
    """A capture time for people: `2024-07-18 09:15 UTC` (the id and the table give seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _second(moment: datetime) -> str:
    """A capture time to the second, for the index's table: `2024-07-18 09:15:02` (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


_ENV.filters["when"] = _when
_ENV.filters["second"] = _second
_ENV.filters["since_label"] = since_label
_ENV.filters["block_heading"] = block_heading
_ENV.globals["term_phrase"] = term_phrase
_ENV.globals["citation_parts"] = citation_parts


# A page that stands alone (and the index) carries the stylesheet verbatim, so its hash names
# it in the page's Content-Security-Policy; reports and version pages in the site link the
# shared `reports/style.css` instead (`assets.LINKED_CSP`). No page has a script: everything
# works without JavaScript.
_CSS = Markup(asset("style.css"))
# The index alone draws the timeline (its hatches are `url(#…)` fills, its only url()s).
# (Joined as plain text: adding a str to a Markup would escape it, and a <style> element
# takes no entities.)
_INDEX_CSS = Markup(str(_CSS) + asset("timeline.css") + asset("index.css"))
# The index lists at most this many changes; older ones stay on the timeline, in the feed and
# in `nato-watch log` (the index of a 500-version history stays well under 1 MB).
INDEX_ROWS = 500
# The hatch patterns of imported marks: the fill colour of each kind.
HATCHES = (("change", "#0b4f9c"), ("silent-edit", "#9b1c1c"), ("first", "#444"))


def _csp(style: str = _CSS) -> str:
    """The pages' policy: nothing loads from anywhere, no script runs, only this style."""
    return page_csp(style)


def _filter_css(targets: Sequence[str]) -> str:
    """Show one target's lane, rows and links when its `#only-<target>` anchor is the URL's
    fragment: a filter that needs no script. Target names are slugs, safe in a selector."""
    rules = []
    for t in targets:
        rules.append(
            f'#only-{t}:target ~ * [data-target]:not([data-target="{t}"]) {{ display: none; }}\n'
            f'#only-{t}:target ~ .filter a[href="#only-{t}"] {{ font-weight: 700; }}\n'
        )
    return "".join(rules)


_ENV.globals["css"] = _CSS


@dataclass(frozen=True)
class _Run:
    """Consecutive blocks of a section shown together: changes, or collapsed context."""

    context: bool
    items: tuple[BlockChange, ...]


@dataclass(frozen=True)
class _SectionView:
    section: SectionChange
    runs: tuple[_Run, ...]
    unchanged: int


def _runs(section: SectionChange) -> tuple[_Run, ...]:
    runs: list[_Run] = []
    for item in section.items:
        context = not item.is_change
        if runs and runs[-1].context == context:
            runs[-1] = _Run(context, (*runs[-1].items, item))
        else:
            runs.append(_Run(context, (item,)))
    return tuple(runs)


def render_html(report: Report, *, links: SiteLinks | None = None, note: str | None = None) -> str:
    """The report as an HTML page (readable on a phone).

    Two views of the change, switchable in the page without JavaScript (CSS `:target`):
    inline (insertions and deletions in the running text) and side by side (old left, new
    right). `links` places the report in the site (links to the index, to the two version
    pages and to the shared stylesheet); without them the page stands alone, its stylesheet
    inline. `note` is a line under the title (what a combined report spans).
    """
    change = report.change
    views = tuple(
        _SectionView(sec, _runs(sec), sum(1 for i in sec.items if not i.is_change))
        for sec in change.sections
    )
    return _ENV.get_template("report.html").render(
        report=report,
        change=change,
        sentences=change_sentences(change),
        what=describe_changes(change),
        sections=views,
        sides=side_by_side(change, old_id=report.old.id, new_id=report.new.id, links=links),
        renamed=SectionStatus.RENAMED,
        flags_title=flags_heading(len(change.flags), change.flags_total),
        terms_line=terms_sentence(change.terms),
        moved_terms=[t for t in change.terms if t.added or t.removed],
        links=links,
        note=note,
        citation=report.citation,
        stylesheet=links.stylesheet if links is not None else None,
        csp=LINKED_CSP if links is not None else _csp(),
        counterparts=[counterpart_view(c) for c in report.counterparts],
    )


def render_version_page(version: Version, *, previous: str | None, next: str | None) -> str:
    """`reports/<target>/pages/<id>.html`: the page as it stood at `version`, with its
    provenance, anchors per section and block, and links to its neighbours and reports."""
    return _ENV.get_template("version.html").render(
        page=version_page(version, previous=previous, next=next),
        citation=Citation.of(version),
        stylesheet=PAGE_STYLESHEET,
        csp=LINKED_CSP,
    )


def _newest_first(summaries: Sequence[ReportSummary]) -> list[ReportSummary]:
    return sorted(
        summaries, key=lambda s: (s.captured_at, s.target, s.new_id, s.old_id), reverse=True
    )


def _summary_sentence(summary: ReportSummary) -> str:
    return stamp_sentences(
        summary.stamp,
        silent_edit=summary.silent_edit,
        restamp=summary.restamp,
        content_changed=not summary.restamp,
        old=summary.old_last_updated,
        new=summary.last_updated,
    )[0]


def _site_flags(summary: ReportSummary) -> str:
    """The strongest flags of a report, for a line of the index or the feed."""
    return "; ".join(flag.headline for flag in summary.flags[:SITE_FLAGS])


def _versions_of(summaries: Sequence[ReportSummary]) -> list[VersionInfo]:
    """The versions the reports name, when the caller has no version list: each report's
    new version, and the old version of each target's oldest report."""
    found = {(s.target, s.new_id): VersionInfo.from_summary(s) for s in summaries}
    oldest: dict[str, ReportSummary] = {}
    for s in sorted(summaries, key=lambda s: (s.captured_at, s.new_id)):
        oldest.setdefault(s.target, s)
    for s in oldest.values():
        if (s.target, s.old_id) not in found:
            # Its capture time is not in the summary; the id names its second.
            at = datetime.strptime(s.old_id, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)
            found[(s.target, s.old_id)] = VersionInfo(s.target, s.old_id, at, False, None)
    return list(found.values())


def render_index(
    summaries: Sequence[ReportSummary],
    *,
    versions: Sequence[VersionInfo] | None = None,
    since: Sequence[SinceLink] = (),
    demo: bool = False,
    pairs: Sequence[PairRow] = (),
) -> str:
    """`reports/index.html`: a timeline of every version (inline SVG, one mark each), what
    changed since earlier versions, and every change of every target, newest first.

    `versions` lists every version of every target (first versions have no report); left
    out, it is read off the summaries. `since` are the combined reports to offer; `pairs`
    the translated pairs and their lag. `demo` says, at the top, that the archive is demo
    data (`nato-watch demo`).
    """
    if versions is None:
        versions = _versions_of(summaries)
    newest = _newest_first(summaries)
    # Rows only for the changes shown: the older ones are counted, not rendered.
    rows = [
        {
            "s": s,
            "label": stamp_label(s.stamp, silent_edit=s.silent_edit, restamp=s.restamp),
            "alert": s.silent_edit or s.stamp.value in ("backwards", "missing"),
            "flags": _site_flags(s),
        }
        for s in newest[:INDEX_ROWS]
    ]
    reported = {(s.target, s.new_id) for s in summaries}
    firsts = sorted(
        (v for v in versions if (v.target, v.id) not in reported),
        key=lambda v: (v.target, v.captured_at, v.id),
    )
    first_ids: dict[str, str] = {}
    for v in sorted(versions, key=lambda v: (v.captured_at, v.id)):
        first_ids.setdefault(v.target, v.id)
    since_by_target: dict[str, list[SinceLink]] = {}
    for link in sorted(since, key=lambda k: (k.target, k.old_captured_at, k.old_id), reverse=True):
        since_by_target.setdefault(link.target, []).append(link)
    targets = sorted({s.target for s in summaries} | {v.target for v in versions})
    filters = targets if len(targets) > 1 else []
    style = Markup(str(_INDEX_CSS) + _filter_css(filters))
    return _ENV.get_template("index.html").render(
        rows=rows,
        older=max(0, len(newest) - INDEX_ROWS),
        targets=targets,
        filters=filters,
        timeline=build_timeline(versions, summaries) if versions else None,
        legend=legend(),
        hatches=HATCHES,
        firsts=firsts,
        first_ids=first_ids,
        since=sorted(since_by_target.items()),
        demo=demo,
        pairs=pairs,
        style=style,
        csp=_csp(style),
    )


FEED_ENTRIES = 100


def render_feed(summaries: Sequence[ReportSummary], catch_ups: Sequence[CatchUp] = ()) -> str:
    """`reports/feed.atom`: an Atom 1.0 feed with one entry per change, newest first, and one
    per translation catching up with its original (`catch_ups`).

    Only the newest `FEED_ENTRIES` changes are carried, as feeds do: a reader keeps what it
    has seen, and the index and `nato-watch log` hold the whole history.
    """
    ordered = _newest_first(summaries)[:FEED_ENTRIES]
    updated = ordered[0].captured_at if ordered else EMPTY_FEED_UPDATED
    caught = [
        {
            "c": c,
            "id": f"{ENTRY_ID_PREFIX}{c.target}/{c.version_id}/caught-up",
            "title": catch_up_title(c),
            "summary": catch_up_summary(c),
        }
        for c in sorted(catch_ups, key=lambda c: (c.captured_at, c.target), reverse=True)
    ][:FEED_ENTRIES]
    entries = [
        {
            "s": s,
            "id": f"{ENTRY_ID_PREFIX}{s.target}/{s.new_id}",
            "label": stamp_label(s.stamp, silent_edit=s.silent_edit, restamp=s.restamp),
            "sentence": _summary_sentence(s),
            "flags": _site_flags(s),
        }
        for s in ordered
    ]
    return _ENV.get_template("feed.atom").render(
        feed_id=FEED_ID, updated=updated, entries=entries, caught=caught
    )
