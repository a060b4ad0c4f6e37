"""The report side of `verify`: a target's reports, its summary index (`verify_summary`),
version pages and "since" reports, and the site files (index, feed).

Reports are derived from versions, so a missing one is a note (the next check or replay
writes it); one that cannot be read, or names a version that does not exist, is damage.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from scraper.archive.files import TMP_FILE
from scraper.archive.findings import Findings
from scraper.archive.site_store import (
    PAGES_DIR,
    REPORT_FORMATS,
    SINCE_DIR,
    SINCE_FORMATS,
    SITE_FILES,
    SUMMARY_INDEX,
)
from scraper.archive.verify_summary import check_summary_index
from scraper.core.records import Version
from scraper.timespec import STAMP


def check_reports(found: Findings, target: str, versions: dict[str, Version]) -> None:
    """Every report of `target` is readable and names its versions; then its pages and since
    reports. `versions` are the target's readable versions (none for a reports-only folder)."""
    archive = found.archive
    folder = archive.site.root / target
    found.strays(folder)
    reports = archive.site.report_files(target)
    ordered = sorted(versions)
    previous = {new: old for old, new in itertools.pairwise(ordered)}
    for version_id in sorted(reports):
        found.reports += 1
        found.any_report = True
        formats = reports[version_id]
        _missing_formats(found, folder, version_id, formats, REPORT_FORMATS, "`nato-watch replay`")
        for fmt in sorted(formats - {"json"}):
            _site_text(found, folder / f"{version_id}.{fmt}", f"{fmt} report")
        if "json" in formats:
            _report_json(
                found, folder / f"{version_id}.json", target, version_id, versions, previous
            )
    for version_id in ordered[1:]:
        if version_id not in reports:
            found.note(
                folder / f"{version_id}.json",
                "the report leading to this version is missing (an interrupted check?); "
                "`nato-watch replay` writes it",
            )
    _unexpected(
        found,
        folder,
        REPORT_FORMATS,
        "reports",
        subfolders=(PAGES_DIR, SINCE_DIR),
        files=(SUMMARY_INDEX,),
    )
    check_summary_index(found, target, versions)
    _version_pages(found, target, versions)
    _since_reports(found, target, versions)


def check_site(found: Findings) -> None:
    """The index and the feed are there once there are reports, and they parse."""
    archive = found.archive
    found.strays(archive.site.root)
    for name in SITE_FILES:
        path = archive.site.root / name
        if not path.is_file():
            if found.any_report:
                found.note(path, "missing (an interrupted write?); the next check writes it")
            continue
        try:
            text = path.read_bytes().decode("utf-8")
            if name.endswith(".atom"):
                ElementTree.fromstring(text)
        except (OSError, UnicodeDecodeError, ElementTree.ParseError) as err:
            found.damage(path, f"unreadable ({err})")


def _report_json(
    found: Findings,
    path: Path,
    target: str,
    version_id: str,
    versions: dict[str, Version],
    previous: dict[str, str],
) -> None:
    """A JSON report names its target and two existing versions, the old one the version
    before the new one."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        refs = _report_refs(data)
    except (OSError, ValueError, KeyError, TypeError) as err:
        found.damage(path, f"unreadable JSON report ({type(err).__name__}: {err})")
        return
    old_id, new_id, named_target = refs
    if named_target != target:
        found.damage(path, f"names target {named_target!r}, not {target!r}")
    if new_id != version_id:
        found.damage(path, f"is the report of version {new_id!r}, not of {version_id}")
    for role, ref in (("old", old_id), ("new", new_id)):
        if ref not in versions:
            found.damage(path, f"its {role} version {ref} does not exist")
    if new_id in versions and old_id in versions and previous.get(new_id) not in (None, old_id):
        found.note(
            path,
            f"compares with {old_id}, but the version before {new_id} is now "
            f"{previous[new_id]}; `nato-watch replay` rebuilds it",
        )


def _version_pages(found: Findings, target: str, versions: dict[str, Version]) -> None:
    """Every version has a readable page (a missing one is a note), and every page is of
    a version that exists (replay removes a version's page before the version)."""
    folder = found.archive.site.root / target / PAGES_DIR
    found.strays(folder)
    pages = set()
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if TMP_FILE.fullmatch(path.name):
            continue
        if path.suffix != ".html" or not STAMP.fullmatch(path.stem):
            found.note(path, "unexpected file; version pages are named YYYY-MM-DDTHHMMSSZ.html")
            continue
        pages.add(path.stem)
        _site_text(found, path, "version page")
        if path.stem not in versions:
            found.damage(path, f"is the page of version {path.stem}, which does not exist")
    for version_id in sorted(versions):
        if version_id not in pages:
            found.note(
                folder / f"{version_id}.html",
                "missing (an interrupted write?); the next check or `nato-watch replay` writes it",
            )


def _since_reports(found: Findings, target: str, versions: dict[str, Version]) -> None:
    """Combined "since" reports parse and compare an existing version with the latest.

    They are recomputed whenever the latest version changes, so one that is out of date
    or names a version that is gone is what an interrupted rebuild leaves: a note.
    """
    folder = found.archive.site.root / target / SINCE_DIR
    found.strays(folder)
    latest = max(versions) if versions else None
    stored = found.archive.site.since_report_files(target) if folder.is_dir() else {}
    _unexpected(found, folder, SINCE_FORMATS, "since")
    for version_id in sorted(stored):
        formats = stored[version_id]
        _missing_formats(
            found, folder, version_id, formats, SINCE_FORMATS, "the next check or replay"
        )
        if "html" in formats:
            _site_text(found, folder / f"{version_id}.html", "since report")
        if "json" in formats:
            _since_json(found, folder / f"{version_id}.json", target, version_id, versions, latest)


def _since_json(
    found: Findings,
    path: Path,
    target: str,
    version_id: str,
    versions: dict[str, Version],
    latest: str | None,
) -> None:
    """A JSON "since" report names its target, and compares its version with the latest."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        old_id, new_id, named_target = _report_refs(data)
    except (OSError, ValueError, KeyError, TypeError) as err:
        found.damage(path, f"unreadable JSON report ({type(err).__name__}: {err})")
        return
    if named_target != target:
        found.damage(path, f"names target {named_target!r}, not {target!r}")
    if old_id != version_id:
        found.damage(path, f"is the report since {old_id!r}, not since {version_id}")
    gone = [ref for ref in (old_id, new_id) if ref not in versions]
    if gone:
        found.note(
            path,
            f"names version {gone[0]}, which does not exist; the next check or "
            "`nato-watch replay` rebuilds it",
        )
    elif new_id != latest:
        found.note(
            path,
            f"compares with {new_id}, but the latest version is {latest}; the next "
            "check or `nato-watch replay` rebuilds it",
        )


def _missing_formats(
    found: Findings,
    folder: Path,
    version_id: str,
    present: set[str],
    formats: tuple[str, ...],
    writer: str,
) -> None:
    """A note for each of `formats` a report of `version_id` lacks, saying which `writer`
    writes it."""
    for fmt in formats:
        if fmt not in present:
            found.note(
                folder / f"{version_id}.{fmt}",
                f"missing (an interrupted write?); {writer} writes it",
            )


def _unexpected(
    found: Findings,
    folder: Path,
    formats: tuple[str, ...],
    name: str,
    *,
    subfolders: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
) -> None:
    """Notes for the files in `folder` that are neither `<id>.<fmt>`, one of `files`, nor a
    temp file."""
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if (path.name in subfolders and path.is_dir()) or path.name in files:
            continue
        stem, _, fmt = path.name.rpartition(".")
        if not TMP_FILE.fullmatch(path.name) and not (fmt in formats and STAMP.fullmatch(stem)):
            found.note(path, f"unexpected file in the {name} folder")


def _site_text(found: Findings, path: Path, what: str) -> None:
    """A report or a page of the site must be non-empty UTF-8."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        found.damage(path, f"unreadable {what} ({err})")
        return
    if not text.strip():
        found.damage(path, f"empty {what}")


def _report_refs(data: Any) -> tuple[str, str, str]:
    """The old and new version ids and the target a JSON report names."""
    old, new, target = data["old"]["id"], data["new"]["id"], data["target"]
    if not all(isinstance(x, str) for x in (old, new, target)):
        raise TypeError("old.id, new.id and target must be strings")
    return old, new, target
