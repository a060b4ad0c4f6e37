"""Rendering change reports and the report site: JSON, Markdown, standalone HTML (inline and
side by side), the page of each version, the index page with its timeline, and the Atom feed.

Renderers only format a `Report` (two `VersionRef`s and the `Change` that `scraper.diff`
computed) or a `Version`; they never diff, read files or look at the clock, so the same inputs
always give the same bytes. The index and the feed are built from `ReportSummary`s, which can
be read back from stored JSON reports.
"""

from __future__ import annotations

from scraper.render.json_report import render_json
from scraper.render.markdown import escape_markdown, render_markdown
from scraper.render.model import (
    REPORT_LINKS,
    SINCE_LINKS,
    Report,
    ReportSummary,
    SinceLink,
    SiteLinks,
    VersionRef,
    report_to_dict,
)
from scraper.render.site import (
    FEED_ENTRIES,
    FEED_ID,
    render_feed,
    render_html,
    render_index,
    render_version_page,
)

__all__ = [
    "FEED_ENTRIES",
    "FEED_ID",
    "REPORT_LINKS",
    "SINCE_LINKS",
    "Report",
    "ReportSummary",
    "SinceLink",
    "SiteLinks",
    "VersionRef",
    "escape_markdown",
    "render_feed",
    "render_html",
    "render_index",
    "render_json",
    "render_markdown",
    "render_version_page",
    "report_to_dict",
]
