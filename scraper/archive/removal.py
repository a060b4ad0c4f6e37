"""Removing a whole target from the archive: its `snapshots/<target>/` and
`reports/<target>/`, what `nato-watch forget` does and what a failed ad-hoc `check --url`
leaves behind.

A folder is first renamed aside (`.<target>.forget.tmp`, which readers ignore, as any
`.*.tmp`), then deleted, so no reader ever sees half a target; a kill in between leaves only
that folder, which `verify` notes as a leftover temp file. The caller holds the archive lock.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from scraper.archive.files import fsync_dir
from scraper.archive.names import check_target_name
from scraper.archive.site_store import SUMMARY_INDEX
from scraper.archive.store import Archive
from scraper.core.records import CheckStatus, Source
from scraper.errors import counted


@dataclass(frozen=True)
class Holdings:
    """What the archive holds for one target."""

    versions: int
    checks: int
    raws: int
    report_files: int

    def describe(self) -> str:
        """`3 versions, 120 checks, 4 raw snapshots, 41 report files`."""
        counts = (
            (self.versions, "version"),
            (self.checks, "check"),
            (self.raws, "raw snapshot"),
            (self.report_files, "report file"),
        )
        return ", ".join(counted(n, noun) for n, noun in counts)


def holdings(archive: Archive, target: str) -> Holdings:
    """Count what the archive holds for `target` (reads its whole check log)."""
    reports = archive.site.target_dir(target)
    return Holdings(
        versions=len(archive.version_ids(target)),
        checks=sum(1 for _ in archive.iter_checks(target)),
        raws=sum(1 for _ in archive.iter_raw(target)),
        report_files=_report_files(reports),
    )


def _report_files(folder: Path) -> int:
    """The reports and pages in a target's report folder (its summary index, an index of
    them, is not one)."""
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*") if p.is_file() and p != folder / SUMMARY_INDEX)


def holds_only_failed_checks(archive: Archive, target: str) -> bool:
    """Whether all the archive holds for `target` is a check log of failed live checks: no
    version, snapshot or report (a target that never worked)."""
    folder = archive.target_dir(target)
    if not folder.is_dir() or archive.site.target_dir(target).exists():
        return False
    if any(path.name != "checks.jsonl" for path in folder.iterdir()):
        return False
    return all(
        r.status is CheckStatus.ERROR and r.source is Source.LIVE
        for r in archive.iter_checks(target)
    )


def remove_target(archive: Archive, target: str) -> None:
    """Remove `snapshots/<target>/` and `reports/<target>/` (each renamed aside, then deleted)."""
    for parent in (archive.snapshots, archive.site.root):
        _remove_folder(parent, check_target_name(target))


def _remove_folder(parent: Path, name: str) -> None:
    folder = parent / name
    if not folder.is_dir():
        return
    aside = parent / f".{name}.forget.tmp"
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(aside)  # left by a removal killed half-way
    folder.rename(aside)
    fsync_dir(parent)
    shutil.rmtree(aside)
