"""The English wording of a change: the one-line summary (`summary_line`, as `log`, the index
and the feed show it), what changed counted (`describe_changes`), what the stamp did, the kind
of a change and its strongest flag in a few words (`change_tag`, as `check` and `run` print
it), and how a block is introduced.

Markdown, HTML and the feed say the same thing in the same words, so the wording lives here
once. Everything returns plain text; each renderer escapes it for its own format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scraper.core.change import BlockChange, BlockStatus, Change, SectionStatus, StampStatus
from scraper.core.document import LastUpdated
from scraper.core.flags import Flag
from scraper.errors import counted

if TYPE_CHECKING:
    from scraper.core.terms import TermChange

_STALE = "the page may have been restored from an older copy or served from a stale cache"


def stamp_sentences(
    stamp: StampStatus,
    *,
    silent_edit: bool,
    restamp: bool,
    content_changed: bool,
    old: LastUpdated | None,
    new: LastUpdated | None,
) -> tuple[str, ...]:
    """The report's opening: the headline sentence, then what the stamp says."""
    o = old.text if old else None
    n = new.text if new else None
    if restamp:
        if stamp is StampStatus.BACKWARDS:
            return (
                f"The 'Last updated' stamp went backwards, from {o} to {n}; the wording is "
                "identical (restamp).",
                f"An older date with the same words: {_STALE}.",
            )
        first = "Only the 'Last updated' stamp changed (restamp); the wording is identical."
        if stamp is StampStatus.MISSING:
            return (first, f"The stamp, which read {o}, is gone from the page.")
        if stamp is StampStatus.CHANGED and o is None:
            return (first, f"The page now shows a stamp, {n}, where it showed none.")
        if stamp is StampStatus.CHANGED:
            return (first, f"The stamp went from {o} to {n}.")
        return (first, f"The stamp names the same moment, written differently: {o} → {n}.")
    if not content_changed:
        return ("The two versions have the same wording and the same 'Last updated' stamp.",)
    if silent_edit and stamp is StampStatus.MISSING:
        return (
            "NATO changed the wording and removed the page's 'Last updated' stamp (silent edit).",
            f"The stamp read {o}; the page now shows none.",
        )
    if silent_edit and n is None:
        return (
            "NATO changed the wording; the page shows no 'Last updated' stamp, so the change "
            "is undated (silent edit).",
        )
    if silent_edit:
        return (
            "NATO changed the wording without updating the page's 'Last updated' stamp "
            "(silent edit).",
            f"The stamp still reads {n}.",
        )
    if stamp is StampStatus.BACKWARDS:
        return (
            f"The 'Last updated' stamp went backwards, from {o} to {n}, and the wording changed.",
            f"An older date over different words: {_STALE}.",
        )
    first = "NATO changed the wording and updated the page's 'Last updated' stamp."
    if o is None:
        return (first, f"The page now shows a stamp, {n}, where it showed none.")
    return (first, f"The stamp went from {o} to {n}.")


def change_sentences(change: Change) -> tuple[str, ...]:
    """`stamp_sentences` for a `Change`."""
    return stamp_sentences(
        change.stamp,
        silent_edit=change.silent_edit,
        restamp=change.restamp,
        content_changed=change.content_changed,
        old=change.old_stamp,
        new=change.new_stamp,
    )


def block_heading(item: BlockChange) -> str:
    """How a block change is introduced: "Changed bullet", "Moved from Introduction", …."""
    kind = item.kind.value
    if item.status is BlockStatus.MOVED:
        if item.moved_from is not None:
            return f"Moved {kind}, from {item.moved_from}"
        assert item.old_index is not None and item.new_index is not None
        was, now = item.old_index + 1, item.new_index + 1
        return f"Moved {kind}, within this section (was item {was}, now {now})"
    return f"{item.status.value.capitalize()} {kind}"


def stamp_label(stamp: StampStatus, *, silent_edit: bool, restamp: bool) -> str:
    """A short badge for the index and feed: "silent edit", "restamp", "stamp backwards", …."""
    if silent_edit and stamp is StampStatus.MISSING:
        return "silent edit, stamp removed"
    if silent_edit:
        return "silent edit"
    if restamp and stamp is StampStatus.BACKWARDS:
        return "restamp, backwards"
    if restamp:
        return "restamp"
    if stamp is StampStatus.BACKWARDS:
        return "stamp backwards"
    return "stamp updated" if stamp is StampStatus.CHANGED else "stamp unchanged"


def since_label(reasons: Sequence[str]) -> str:
    """The text of a "since" link on the index, from the reasons its version was picked ("in
    force a week before the latest" reads "Since a week before the latest"). Each reason names
    one version only, so two links never read the same."""
    return "Since " + reasons[0].removeprefix("in force ")


def change_tag(
    stamp: StampStatus, *, silent_edit: bool, restamp: bool, flags: Sequence[Flag]
) -> str:
    """What kind of change it was and its strongest flag, in a few words, as `check`, `run`'s
    log and `log` print it: "silent edit; strongest flag modality: “will” → “may”"."""
    label = stamp_label(stamp, silent_edit=silent_edit, restamp=restamp)
    return f"{label}; strongest flag {flags[0].headline}" if flags else label


def flag_sentence(flag: Flag) -> str:
    """A flag in words: "modality “will” → “may”: weaker: a commitment became a possibility"."""
    return f"{flag.kind.value} {flag.label}: {flag.note}"


def flags_heading(shown: int, total: int) -> str:
    """The title of a report's flag list: "Strongest flags (12 of 30)", or "Flags (3)"."""
    if total > shown:
        return f"Strongest flags ({shown} of {total}, strongest first)"
    return f"Flags ({shown}, strongest first)"


def term_phrase(term: TermChange) -> str:
    """A watched term's counts: "China 0 → 3 (appeared)", "Russia 3 (unchanged)"."""
    # lazy: `log` reads report summaries through this module and counts no terms
    from scraper.core.terms import TermStatus

    if term.status is TermStatus.UNCHANGED:
        return f"{term.term} {term.new} (unchanged)"
    return f"{term.term} {term.old} → {term.new} ({term.status.value})"


def terms_sentence(terms: Sequence[TermChange]) -> str:
    """One line on the watched terms: those whose count changed first, then the others."""
    changed = [term_phrase(t) for t in terms if t.changed]
    same = [f"{t.term} {t.new}" for t in terms if not t.changed]
    parts = []
    if changed:
        parts.append(", ".join(changed))
    if same:
        parts.append(("unchanged: " if changed else "all unchanged: ") + ", ".join(same))
    return "; ".join(parts)


def summary_line(change: Change) -> str:
    """The one-line summary that `log`, the index and the feed show."""
    if change.is_empty:
        return "no change"
    stamp = _stamp_phrase(change)
    if not change.content_changed:
        return f"restamp: {stamp}; wording unchanged" if stamp else "no change in wording"
    what = describe_changes(change)
    where = _where_phrase(change)
    if change.silent_edit:
        line = f"silent edit: {what}" + (f" in {where}" if where else "")
        return f"{line}; {stamp}" if change.stamp is StampStatus.MISSING else line
    line = f"{where}: {what}" if where else what
    return f"{line}; {stamp}" if stamp else line


def _stamp_phrase(change: Change) -> str:
    old, new = change.old_stamp, change.new_stamp
    if change.stamp is StampStatus.MISSING:
        assert old is not None
        return f"stamp removed (was {old.text})"
    if change.stamp is StampStatus.BACKWARDS:
        assert old is not None and new is not None
        return f"stamp went backwards {old.text} → {new.text}"
    if change.stamp is StampStatus.CHANGED:
        assert new is not None
        return f"stamp {old.text if old else 'none'} → {new.text}"
    if old is not None and new is not None and old.text != new.text:
        # Same moment written differently: not a new stamp, but not identical either.
        return f"stamp text {old.text} → {new.text}"
    return ""


def _plural(count: int, noun: str, verb: str) -> str:
    return f"{counted(count, noun)} {verb}"


def describe_changes(change: Change) -> str:
    """What changed, counted: "title changed, 1 section renamed, 2 blocks changed"."""
    s = change.summary
    renamed = sum(1 for sec in change.sections if sec.status is SectionStatus.RENAMED)
    parts = ["title changed"] if change.title_changed else []
    for count, noun, verb in (
        (s.sections_added, "section", "added"),
        (s.sections_removed, "section", "removed"),
        (renamed, "section", "renamed"),
        (s.blocks_changed, "block", "changed"),
        (s.blocks_added, "block", "added"),
        (s.blocks_removed, "block", "removed"),
        (s.blocks_moved, "block", "moved"),
    ):
        if count:
            parts.append(_plural(count, noun, verb))
    if not parts and change.sections:
        # Sections reordered or re-levelled: their notes say how.
        parts.append(_plural(len(change.sections), "section", "reorganised"))
    return ", ".join(parts) if parts else "no change in wording"


def _where_phrase(change: Change) -> str:
    names = [sec.name for sec in change.sections]
    if len(names) > 3:
        return f"{len(names)} sections"
    return ", ".join(names)
