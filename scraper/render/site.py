"""The HTML report, the index page and the Atom feed, rendered with Jinja2 (autoescape on).

Page text is untrusted: it only ever reaches a template as a value, and autoescape turns any
markup in it into text. Characters that XML forbids (control characters) are dropped from
every value, so the HTML parses as XHTML and the feed as XML. Output depends only on the
input data (no clock, no locale), so rebuilding gives identical bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from scraper.diff import BlockChange, SectionChange, SectionStatus, describe_changes
from scraper.records import utc_iso
from scraper.render.model import Report, ReportSummary
from scraper.render.words import (
    block_heading,
    change_sentences,
    flags_heading,
    stamp_label,
    stamp_sentences,
    term_phrase,
    terms_sentence,
)

FEED_ID = "tag:nato-watch,2024:feed"
# How many of a report's strongest flags the index and the feed name.
SITE_FLAGS = 3
ENTRY_ID_PREFIX = "tag:nato-watch,2024:"
# An empty feed still needs an `updated`; the epoch says "nothing yet" and never changes.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
# Code points XML 1.0 does not allow (C0 controls but tab/newline/return, surrogates, FFFE/F).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return _XML_ILLEGAL.sub("", value)
    return value


_ENV = Environment(
    loader=PackageLoader("scraper.render", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=_xml_safe,
)
_ENV.filters["utc"] = utc_iso
_ENV.filters["block_heading"] = block_heading
_ENV.globals["term_phrase"] = term_phrase


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


def render_html(report: Report) -> str:
    """The report as a standalone HTML page (no external assets; readable on a phone)."""
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
        renamed=SectionStatus.RENAMED,
        flags_title=flags_heading(len(change.flags), change.flags_total),
        terms_line=terms_sentence(change.terms),
        moved_terms=[t for t in change.terms if t.added or t.removed],
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


def render_index(summaries: Sequence[ReportSummary]) -> str:
    """`reports/index.html`: every change of every target, newest first, with links."""
    rows = [
        {
            "s": s,
            "label": stamp_label(s.stamp, silent_edit=s.silent_edit, restamp=s.restamp),
            "alert": s.silent_edit or s.stamp.value in ("backwards", "missing"),
            "flags": _site_flags(s),
        }
        for s in _newest_first(summaries)
    ]
    return _ENV.get_template("index.html").render(
        rows=rows, targets=sorted({s.target for s in summaries})
    )


def render_feed(summaries: Sequence[ReportSummary]) -> str:
    """`reports/feed.atom`: an Atom 1.0 feed with one entry per change, newest first."""
    ordered = _newest_first(summaries)
    updated = ordered[0].captured_at if ordered else EMPTY_FEED_UPDATED
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
    return _ENV.get_template("feed.atom").render(feed_id=FEED_ID, updated=updated, entries=entries)
