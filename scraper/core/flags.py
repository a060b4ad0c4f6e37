"""Significance flags: which wording changes matter to an analyst, and how much. Owns `Flag`.

A flag names one change of meaning in one block — "will" became "may", a "not" appeared, a
date or an amount moved, a country, a programme or a watched term entered or left the text,
"strongly condemn" became "condemn" — with the words involved, a weight (1–10) and a
one-line note. The rules are plain, explainable and deterministic; the word lists they use
are data files (`scraper/core/data/`) that a config can extend.

Two rules keep flags few and meaningful:
- what is compared is what the words *say*, never how they are written: modal verbs,
  negations, numbers, dates, names, programmes and intensity words are each counted as a
  multiset of normalised keys, so punctuation, whitespace, British/American spelling
  ("defence"/"defense"), "16 Jul. 2024"/"16 July 2024", a name's variants ("PRC"/"China") or
  the order of a list of countries change nothing;
- inside an edited block every difference counts; inside a block that is wholly new (or
  gone) only what is new to (or gone from) the whole page does, since every word of it is new.

This module holds the flag itself and the ranking of a report's flags. What a text says is
read in `scraper.core.features` (dates and numbers in `scraper.core.quantities`); the rules
that compare two readings and raise flags are in `scraper.core.flag_rules`. Pure: no I/O, no
clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# At most this many flags per block, and in a report's top-level list (strongest first).
BLOCK_FLAGS = 5
REPORT_FLAGS = 12
# Flags weaker than this are not raised at all.
MIN_WEIGHT = 3
# A change with a flag at least this strong is significant (`notify_on = "significant"`).
SIGNIFICANT_WEIGHT = 5


class FlagKind(StrEnum):
    """What a flag is about."""

    MODALITY = "modality"
    NEGATION = "negation"
    NUMBER = "number"
    DATE = "date"
    ACTOR = "actor"
    PROGRAMME = "programme"
    INTENSITY = "intensity"
    TERM = "term"


@dataclass(frozen=True)
class Flag:
    """One change of meaning: its kind, weight (1–10, higher matters more), the words
    involved on each side (None when there were or are none), a one-line note, the sentence
    it happened in, and the section (by display name)."""

    kind: FlagKind
    weight: int
    old: str | None
    new: str | None
    note: str
    context: str | None = None
    section: str | None = None

    @property
    def label(self) -> str:
        """The words involved, short: “will” → “may”, “not” added, “Russia” removed."""
        if self.old is not None and self.new is not None:
            return f"“{self.old}” → “{self.new}”"
        if self.new is not None:
            return f"“{self.new}” added"
        return f"“{self.old}” removed"

    @property
    def headline(self) -> str:
        """Kind and words: "modality: “will” → “may”"."""
        return f"{self.kind.value}: {self.label}"

    def to_dict(self, *, with_section: bool = False) -> dict[str, Any]:
        """The flag's JSON object (`section` only in a report's top-level list)."""
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "weight": self.weight,
            "old": self.old,
            "new": self.new,
            "note": self.note,
            "context": self.context,
        }
        if with_section:
            out["section"] = self.section
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        """Rebuild a flag from its JSON object."""
        return cls(
            kind=FlagKind(data["kind"]),
            weight=int(data["weight"]),
            old=data.get("old"),
            new=data.get("new"),
            note=str(data["note"]),
            context=data.get("context"),
            section=data.get("section"),
        )


def is_significant(flags: Iterable[Flag]) -> bool:
    """Whether any flag is at least `SIGNIFICANT_WEIGHT` strong."""
    return any(flag.weight >= SIGNIFICANT_WEIGHT for flag in flags)


def rank_flags(flags: Iterable[Flag], *, limit: int = REPORT_FLAGS) -> tuple[tuple[Flag, ...], int]:
    """The strongest `limit` distinct flags of a report, strongest first (page order among
    equals), and how many distinct flags there were. The same words flagged in several
    blocks ("Indo-Pacific" added) count once, at their strongest."""
    best: dict[tuple[str, str | None, str | None], tuple[int, Flag]] = {}
    for position, flag in enumerate(flags):
        key = (flag.kind.value, flag.old, flag.new)
        held = best.get(key)
        if held is None or flag.weight > held[1].weight:
            best[key] = (position if held is None else held[0], flag)
    ordered = sorted(best.values(), key=lambda item: (-item[1].weight, item[0]))
    return tuple(flag for _, flag in ordered[:limit]), len(ordered)


__all__ = [
    "BLOCK_FLAGS",
    "MIN_WEIGHT",
    "REPORT_FLAGS",
    "SIGNIFICANT_WEIGHT",
    "Flag",
    "FlagKind",
    "is_significant",
    "rank_flags",
]
