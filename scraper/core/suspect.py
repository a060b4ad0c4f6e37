"""The suspect-page policy: when a new document no longer looks like the page it would replace
(a maintenance page, a soft 404 served with 200, another page), and what a check does then.

`assess` says why a document is suspect; `times_held` counts the sightings in a row the check
log shows; `judge` decides: keep the document (not suspect), accept it (with `--accept`, or
once seen `needed` times in a row), or hold it back as a failed check until it is seen again.

Pure: data in, data out. The check log comes in as an iterable of records, read only when the
page is suspect. The sentences a user reads about a decision are the pipeline's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from scraper.core.document import Document
from scraper.core.records import CheckRecord, CheckStatus

SUSPECT_WORD_LOSS: Final = 0.6
"""`assess` calls a page suspect when more than this share of the previous words is gone."""


class Verdict(StrEnum):
    """What becomes of a new document."""

    KEEP = "keep"  # not suspect
    ACCEPTED = "accepted"  # suspect, taken at once (`--accept`)
    CONFIRMED = "confirmed"  # suspect, seen the needed number of times in a row
    HELD = "held"  # suspect, not stored: a failed check until it is seen again


@dataclass(frozen=True)
class SuspectDecision:
    """The verdict on a new document, why it is suspect, and how often it has been seen."""

    verdict: Verdict
    reason: str | None = None  # `assess`'s reason; None when the page is not suspect
    seen: int = 0  # sightings in a row, this one included (0 when not suspect)
    needed: int = 0  # sightings that make a suspect page a version

    @property
    def held(self) -> bool:
        """Whether the document is held back instead of stored."""
        return self.verdict is Verdict.HELD


def assess(previous: Document | None, new: Document) -> str | None:
    """A one-line reason why `new` no longer looks like the page `previous` was, else None.

    Suspect: the stamp gone while the previous version had one, the title changed, or more
    than 60% of the words gone at once (a maintenance page or a soft 404 served with 200).
    A real rewrite keeps its title and stamp and is not suspect, however different its text.
    """
    if previous is None:
        return None
    if previous.last_updated is not None and new.last_updated is None:
        return (
            "the 'Last updated' stamp is gone (the previous version showed "
            f"{previous.last_updated.text})"
        )
    if previous.title != new.title:
        return f"the title changed from {previous.title!r} to {new.title!r}"
    old_words, new_words = _word_count(previous), _word_count(new)
    if old_words and new_words < old_words * (1 - SUSPECT_WORD_LOSS):
        lost = round(100 * (old_words - new_words) / old_words)
        return (
            f"most of the content is gone: {new_words} words, down from {old_words} ({lost}% fewer)"
        )
    return None


def times_held(checks: Iterable[CheckRecord], content_hash: str) -> int:
    """How many of the latest checks in a row held this same suspect document."""
    run = 0
    for record in checks:
        if record.suspect and record.content_hash == content_hash:
            run += 1
        elif record.status is not CheckStatus.ERROR or record.suspect:
            run = 0
        # other failed checks (a timeout between two sightings) neither count nor reset
    return run


def judge(
    previous: Document | None,
    new: Document,
    *,
    checks: Iterable[CheckRecord],
    accept: bool,
    needed: int,
) -> SuspectDecision:
    """What becomes of `new`, which would replace `previous`: kept when it is not suspect;
    accepted with `accept` or once seen `needed` times in a row (this sighting included,
    earlier ones counted in `checks`, the target's check log, oldest first); else held."""
    reason = assess(previous, new)
    if reason is None:
        return SuspectDecision(Verdict.KEEP)
    seen = 1 + times_held(checks, new.content_hash)
    if accept:
        verdict = Verdict.ACCEPTED
    elif seen >= needed:
        verdict = Verdict.CONFIRMED
    else:
        verdict = Verdict.HELD
    return SuspectDecision(verdict, reason=reason, seen=seen, needed=needed)


def _word_count(doc: Document) -> int:
    words = 0
    for section in doc.sections:
        words += len(section.heading.split()) if section.heading else 0
        words += sum(len(block.full_text.split()) for block in section.blocks)
    return words
