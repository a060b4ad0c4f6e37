"""Watched terms counted across versions. Owns `TermChange` and `TermTable`.

Between two versions, each watched term's count on both pages and the sentences naming it
that are new or gone (`term_changes`, part of every report); over a history, each version's
counts and the versions where a count moved (`term_table`, the `terms` and `log --term`
commands). Pure: documents and versions in, data out; no clock, no archive.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from scraper.core.document import Document, LastUpdated
from scraper.core.records import Version
from scraper.core.text import readable_text, sentence_at, sentence_spans
from scraper.core.watchlist import Watchlist
from scraper.timespec import utc_iso

# -- term changes between two versions -------------------------------------------------------


class TermStatus(StrEnum):
    """How a watched term's count moved between two versions."""

    APPEARED = "appeared"
    DISAPPEARED = "disappeared"
    MORE = "more"
    FEWER = "fewer"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TermChange:
    """A watched term's count on the old and the new page and, when the count changed, the
    sentences naming it that are new (`added`) or gone (`removed`)."""

    term: str
    old: int
    new: int
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def status(self) -> TermStatus:
        """Appeared, disappeared, more, fewer or unchanged."""
        if self.old == self.new:
            return TermStatus.UNCHANGED
        if self.old == 0:
            return TermStatus.APPEARED
        if self.new == 0:
            return TermStatus.DISAPPEARED
        return TermStatus.MORE if self.new > self.old else TermStatus.FEWER

    @property
    def changed(self) -> bool:
        """Whether the count changed."""
        return self.old != self.new

    def to_dict(self) -> dict[str, Any]:
        """The term's entry in a JSON report's `terms` object."""
        return {
            "old": self.old,
            "new": self.new,
            "status": self.status.value,
            "added": list(self.added),
            "removed": list(self.removed),
        }

    @classmethod
    def from_dict(cls, term: str, data: Mapping[str, Any]) -> TermChange:
        """Rebuild a term change from its JSON entry."""
        return cls(
            term,
            int(data["old"]),
            int(data["new"]),
            tuple(data.get("added", ())),
            tuple(data.get("removed", ())),
        )


def term_changes(old: Document, new: Document, watch: Watchlist) -> tuple[TermChange, ...]:
    """Each watched term's count on both pages, with the sentences naming it that changed."""
    old_counts, old_sentences = _term_census(old, watch)
    new_counts, new_sentences = _term_census(new, watch)
    out = []
    for name in watch.names:
        if old_counts[name] == new_counts[name]:
            # Same count: a sentence naming it was edited, which the report shows anyway.
            out.append(TermChange(name, old_counts[name], new_counts[name]))
            continue
        before = old_sentences.get(name, {})
        after = new_sentences.get(name, {})
        out.append(
            TermChange(
                name,
                old_counts[name],
                new_counts[name],
                added=tuple(s for s in after if s not in before),
                removed=tuple(s for s in before if s not in after),
            )
        )
    return tuple(out)


def _term_census(
    document: Document, watch: Watchlist
) -> tuple[Counter[str], dict[str, dict[str, None]]]:
    counts: Counter[str] = Counter()
    found: dict[str, dict[str, None]] = {}
    for _, block in document.iter_blocks():
        text = readable_text(block)
        mentions = [m for m in watch.mentions(text) if m.term is not None]
        if not mentions:
            continue
        spans = sentence_spans(text)
        for mention in mentions:
            assert mention.term is not None
            counts[mention.term] += 1
            found.setdefault(mention.term, {})[sentence_at(text, mention.start, spans)] = None
    return counts, found


# -- term counts over a history --------------------------------------------------------------


@dataclass(frozen=True)
class TermRow:
    """One version's counts of the watched terms, in the table's term order."""

    version: str
    captured_at: datetime
    last_updated: LastUpdated | None
    counts: tuple[int, ...]


@dataclass(frozen=True)
class TermStep:
    """A version where a term's count changed: the count before (None for the first version)
    and after."""

    version: str
    captured_at: datetime
    last_updated: LastUpdated | None
    term: str
    before: int | None
    after: int

    @property
    def status(self) -> TermStatus:
        """How the count moved (appeared for a first version that names the term)."""
        return TermChange(self.term, self.before or 0, self.after).status

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `log --term --json` prints."""
        return {
            "id": self.version,
            "captured_at": utc_iso(self.captured_at),
            "last_updated": self.last_updated.at.isoformat() if self.last_updated else None,
            "last_updated_text": self.last_updated.text if self.last_updated else None,
            "term": self.term,
            "before": self.before,
            "after": self.after,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class TermTable:
    """Watched-term counts for every version of a target, oldest first."""

    terms: tuple[str, ...]
    rows: tuple[TermRow, ...]

    def steps(self, term: str) -> tuple[TermStep, ...]:
        """The versions where `term`'s count changed (the first version when it names it)."""
        k = self.terms.index(term)
        out = []
        before: int | None = None
        for row in self.rows:
            after = row.counts[k]
            if after != (before or 0):
                out.append(
                    TermStep(row.version, row.captured_at, row.last_updated, term, before, after)
                )
            before = after
        return tuple(out)

    def to_text(self) -> str:
        """An aligned table: version, the page's stamp, one column per term."""
        widths = [max(len(name), 3) for name in self.terms]
        head = f"{'version':<18}  {'last updated':<18}"
        lines = [head + "".join(f"  {n:>{w}}" for n, w in zip(self.terms, widths, strict=True))]
        for row in self.rows:
            stamp = row.last_updated.text if row.last_updated else "(none)"
            cells = "".join(f"  {c:>{w}}" for c, w in zip(row.counts, widths, strict=True))
            lines.append(f"{row.version:<18}  {stamp:<18}{cells}")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """CSV: version, captured_at, last_updated (ISO 8601), then one column per term."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["version", "captured_at", "last_updated", *self.terms])
        for row in self.rows:
            stamp = row.last_updated.at.isoformat() if row.last_updated else ""
            writer.writerow([row.version, utc_iso(row.captured_at), stamp, *row.counts])
        return out.getvalue()


def term_table(versions: Iterable[Version], watch: Watchlist) -> TermTable:
    """Count the watched terms in every version (oldest first, as given)."""
    names = watch.names
    rows = []
    for version in versions:
        counts = watch.count_document(version.document)
        rows.append(
            TermRow(
                version.id,
                version.captured_at,
                version.document.last_updated,
                tuple(counts[name] for name in names),
            )
        )
    return TermTable(names, tuple(rows))


__all__ = [
    "TermChange",
    "TermRow",
    "TermStatus",
    "TermStep",
    "TermTable",
    "term_changes",
    "term_table",
]
