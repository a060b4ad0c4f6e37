"""What `verify` finds: each problem (`Problem`, how bad by `Severity`), the collector every
check of the walk adds to (`Findings`), and the result the CLI prints (`VerifyResult`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from scraper.archive.files import TMP_FILE
from scraper.archive.store import Archive


class Severity(StrEnum):
    """How bad a problem `verify` found is."""

    DAMAGE = "damage"  # evidence lost or untrustworthy: a hash mismatch, a broken reference
    NOTE = "note"  # left by an interrupted write; the next check or replay deals with it


@dataclass(frozen=True)
class Problem:
    """One thing `verify` found: how bad, where (relative to the data dir), and what."""

    severity: Severity
    path: Path
    message: str

    def line(self) -> str:
        """The one-line form the CLI prints: `DAMAGE path: message` or `note path: message`."""
        word = "DAMAGE" if self.severity is Severity.DAMAGE else "note"
        return f"{word} {self.path}: {self.message}"


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` checked and the problems it found."""

    problems: tuple[Problem, ...]
    targets: int
    raws: int
    versions: int
    reports: int
    checks: int

    @property
    def damage(self) -> tuple[Problem, ...]:
        """The problems that are damage."""
        return tuple(p for p in self.problems if p.severity is Severity.DAMAGE)

    @property
    def notes(self) -> tuple[Problem, ...]:
        """The problems that are only notes."""
        return tuple(p for p in self.problems if p.severity is Severity.NOTE)

    @property
    def ok(self) -> bool:
        """Whether the archive has no damage (notes alone are fine)."""
        return not self.damage

    def summary_line(self) -> str:
        """The final count line of `nato-watch verify`."""
        damage, notes = len(self.damage), len(self.notes)
        return (
            f"checked {_count(self.targets, 'target')}, {_count(self.raws, 'raw snapshot')}, "
            f"{_count(self.versions, 'version')}, {_count(self.reports, 'report')}, "
            f"{_count(self.checks, 'check-log line')}: {damage} damage, "
            f"{_count(notes, 'note')}" + ("" if damage else " — OK")
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class Findings:
    """The problems and counts of one `verify` walk, in the order they were found."""

    def __init__(self, archive: Archive, *, now: datetime) -> None:
        self.archive = archive
        self.now = now  # the clock capture times are judged by
        self.problems: list[Problem] = []
        self.raws = self.versions = self.reports = self.checks = 0
        self.any_report = False

    def damage(self, path: Path, message: str) -> None:
        """Record damage at `path`: evidence lost or untrustworthy."""
        self.problems.append(Problem(Severity.DAMAGE, self.archive.relative(path), message))

    def note(self, path: Path, message: str) -> None:
        """Record a note at `path`: what an interrupted write leaves."""
        self.problems.append(Problem(Severity.NOTE, self.archive.relative(path), message))

    def strays(self, folder: Path, *, allowed: set[str] | None = None) -> None:
        """Notes for leftover temp files (and, where a set is given, unexpected files)."""
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if TMP_FILE.fullmatch(path.name):
                self.note(path, "leftover temp file of an interrupted write; safe to delete")
            elif allowed is not None and path.name not in allowed:
                self.note(path, "unexpected file; nato-watch does not use it")

    def result(self, targets: int) -> VerifyResult:
        """What the walk found, over `targets` targets."""
        return VerifyResult(
            problems=tuple(self.problems),
            targets=targets,
            raws=self.raws,
            versions=self.versions,
            reports=self.reports,
            checks=self.checks,
        )
