"""The summary index side of `verify`: `reports/<target>/summary.jsonl`, the site's line per
version (`reports.summaries` writes it), against the versions and the JSON reports.

Derived like every report: missing, torn or out of step is a note (`nato-watch replay`
rewrites it); a line that does not read, or that names a version that does not exist, is
damage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scraper.archive.findings import Findings
from scraper.core.records import Version

REPLAY = "`nato-watch replay` rewrites it"


def check_summary_index(found: Findings, target: str, versions: dict[str, Version]) -> None:
    """The target's summary index reads, lists every version once, in order, and says of each
    what its JSON report says (the previous version, the stamp, the summary line)."""
    archive = found.archive
    path = archive.site.summary_index_path(target)
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except FileNotFoundError:
        if versions:
            found.note(path, f"missing (an archive from before it?); the next check or {REPLAY}")
        return
    except (OSError, UnicodeDecodeError) as err:
        found.damage(path, f"unreadable summary index ({err})")
        return
    lines = data.split(b"\n")
    if lines[-1]:
        torn = "its last line is torn (an interrupted write)"
        found.note(path, f"{torn}; the next check or {REPLAY}")
    ids: list[str] = []
    for number, line in enumerate(lines[:-1], start=1):
        try:
            item = json.loads(line)
            version_id, report = item["id"], item["report"]
            if not isinstance(version_id, str) or not isinstance(report, dict | None):
                raise TypeError("id must be a string and report an object or null")
        except (ValueError, KeyError, TypeError) as err:
            found.damage(path, f"line {number} does not read ({type(err).__name__}: {err})")
            return
        if version_id not in versions:
            found.damage(path, f"line {number} names version {version_id}, which does not exist")
        ids.append(version_id)
        _against_report(found, path, target, number, version_id, report)
    if ids != sorted(set(ids)):
        found.damage(path, "its versions are not in capture order, or not each once")
    # A version whose report is missing too is what a kill leaves before both (noted with the
    # reports); the first version has no report.
    first = min(versions, default=None)
    missing = [
        version_id
        for version_id in sorted(set(versions) - set(ids))
        if version_id == first or (archive.site.root / target / f"{version_id}.json").exists()
    ]
    if missing and not lines[-1]:  # a torn line's version is the one missing: noted above
        found.note(path, f"does not list version {missing[0]}; {REPLAY}")


def _against_report(
    found: Findings,
    path: Path,
    target: str,
    number: int,
    version_id: str,
    line: dict[str, Any] | None,
) -> None:
    """A line says of its version what the JSON report leading to it says, or that there is
    none; else a note (out of step)."""
    report_path = found.archive.site.root / target / f"{version_id}.json"
    try:
        report = json.loads(report_path.read_bytes())
        stored = (report["old"]["id"], report["stamp"], report["summary_line"])
    except FileNotFoundError:
        if line is not None:
            return  # the report is missing: noted with the reports
        stored = None
    except (OSError, ValueError, KeyError, TypeError):
        return  # the report itself is damage, reported with the reports
    said = (line["old_id"], line["stamp"], line["summary_line"]) if line is not None else None
    if said != stored:
        out_of_step = f"line {number} (version {version_id}) is out of step with its report"
        found.note(path, f"{out_of_step}; {REPLAY}")
