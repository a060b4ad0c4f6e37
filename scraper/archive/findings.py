"""What `verify` finds: each problem (`Problem`, how bad by `Severity`), the collector every
check of the walk adds to (`Findings`), and the result the CLI prints (`VerifyResult`), with
the head of each target's check-log hash chain (`ChainHead`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from scraper.archive.files import TMP_FILE
from scraper.archive.store import Archive
from scraper.core.chain import ChainReport
from scraper.errors import counted


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

    def to_dict(self) -> dict[str, str]:
        """The JSON object of this problem (`verify --json`)."""
        return {"severity": self.severity.value, "path": str(self.path), "message": self.message}


@dataclass(frozen=True)
class ChainHead:
    """Where a target's check-log hash chain ends: the sha256 of its last line, a value a
    user can publish or send as a commitment to the whole log up to that line."""

    target: str
    head: str | None  # None: the log is empty or missing
    line: int | None  # the number of that last line
    lines: int  # lines that read as check records
    legacy: int  # of them, lines written before the chain (no `prev`)
    intact: bool  # every link holds

    @classmethod
    def of(cls, target: str, report: ChainReport) -> ChainHead:
        """The head of one target's chain, from what `check_chain` found."""
        return cls(
            target=target,
            head=report.head,
            line=report.head_line,
            lines=report.links,
            legacy=report.legacy,
            intact=report.ok,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this chain head (`verify --json`)."""
        return {
            "target": self.target,
            "head": self.head,
            "line": self.line,
            "lines": self.lines,
            "legacy_lines": self.legacy,
            "intact": self.intact,
        }


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` checked and the problems it found."""

    problems: tuple[Problem, ...]
    targets: int
    raws: int
    versions: int
    reports: int
    checks: int
    chains: tuple[ChainHead, ...] = ()

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
            f"checked {counted(self.targets, 'target')}, {counted(self.raws, 'raw snapshot')}, "
            f"{counted(self.versions, 'version')}, {counted(self.reports, 'report')}, "
            f"{counted(self.checks, 'check-log line')}: {damage} damage, "
            f"{counted(notes, 'note')}" + ("" if damage else " — OK")
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `verify --json` prints: the verdict, the counts, every problem, and
        the head of each target's check-log chain."""
        return {
            "ok": self.ok,
            "targets": self.targets,
            "raw_snapshots": self.raws,
            "versions": self.versions,
            "reports": self.reports,
            "check_log_lines": self.checks,
            "damage": len(self.damage),
            "notes": len(self.notes),
            "problems": [problem.to_dict() for problem in self.problems],
            "chains": [chain.to_dict() for chain in self.chains],
        }


class Findings:
    """The problems and counts of one `verify` walk, in the order they were found."""

    def __init__(self, archive: Archive, *, now: datetime) -> None:
        self.archive = archive
        self.now = now  # the clock capture times are judged by
        self.problems: list[Problem] = []
        self.raws = self.versions = self.reports = self.checks = 0
        self.any_report = False
        self.chains: dict[str, ChainReport] = {}

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
            chains=tuple(ChainHead.of(t, report) for t, report in sorted(self.chains.items())),
        )
