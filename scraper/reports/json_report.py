"""The JSON report: the machine-readable form, canonical so rebuilding it gives the same bytes."""

from __future__ import annotations

from scraper.core.document import canonical_json
from scraper.reports.model import Report, report_to_dict


def render_json(report: Report) -> str:
    """The report as canonical JSON: sorted keys, UTF-8, indent 1, one trailing newline."""
    return canonical_json(report_to_dict(report), indent=1) + "\n"
