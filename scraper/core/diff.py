"""The change between two documents: structure first, then words. Owns `diff`.

`diff(old, new)` is pure and deterministic: no I/O, no clock. It matches sections across the
two documents and pairs their blocks (`scraper.core.matching`: a renamed heading is a rename,
an edit is `changed`, not removed + added, a block found elsewhere is `moved`), with the words
of every changed or moved block diffed by diff-match-patch (`scraper.core.worddiff`). It also
classifies the page's own "Last updated" stamp and says whether the change is a silent edit or
a restamp. Last, it flags the changes of meaning in each changed block
(`scraper.core.flag_rules`: modality, negation, numbers, dates, actors, programmes, intensity,
watched terms), ranks the strongest for the report's summary, and counts the watched terms on
both pages (`scraper.core.terms`). The result is a `Change` (`scraper.core.change`).

Renderers (`scraper.reports`) only format the `Change`; nothing is recomputed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scraper.core.change import (
    BlockChange,
    BlockStatus,
    Change,
    SectionChange,
    SectionStatus,
    StampStatus,
    Summary,
)
from scraper.core.document import Document, LastUpdated
from scraper.core.features import page_context
from scraper.core.flag_rules import block_flags
from scraper.core.flags import Flag, rank_flags
from scraper.core.matching import match_sections
from scraper.core.terms import term_changes
from scraper.core.text import readable_text
from scraper.core.watchlist import Watchlist, default_watchlist
from scraper.core.worddiff import word_diff


def diff(
    old: Document, new: Document, *, watch: Watchlist | None = None, lang: str | None = None
) -> Change:
    """The change from `old` to `new`: pure, deterministic, computed once for every format.

    `watch` gives the watched terms and word lists of the flags (default: the built-in ones);
    `lang` the pages' language (ISO 639-1; None: English): the word lists read English only, so
    in another language only dates and numbers are flagged.
    """
    watch = watch if watch is not None else default_watchlist()
    sections = match_sections(old.sections, new.sections)
    sections, flags, flags_total = _flag_sections(sections, old, new, watch, lang or "en")
    content_changed = old.title != new.title or old.sections != new.sections
    stamp = classify_stamp(old.last_updated, new.last_updated)
    stamp_differs = old.last_updated != new.last_updated
    summary = _count(sections)
    return Change(
        old_title=old.title,
        new_title=new.title,
        old_stamp=old.last_updated,
        new_stamp=new.last_updated,
        stamp=stamp,
        content_changed=content_changed,
        silent_edit=content_changed and stamp in (StampStatus.UNCHANGED, StampStatus.MISSING),
        restamp=not content_changed and stamp_differs,
        summary=summary,
        sections=sections,
        title_diff=word_diff(old.title, new.title) if old.title != new.title else (),
        flags=flags,
        flags_total=flags_total,
        terms=term_changes(old, new, watch),
    )


def _flag_sections(
    sections: tuple[SectionChange, ...], old: Document, new: Document, watch: Watchlist, lang: str
) -> tuple[tuple[SectionChange, ...], tuple[Flag, ...], int]:
    """Each changed block with its flags; the report's strongest flags and their number."""
    if not sections:
        return sections, (), 0
    page = page_context(old, new, watch, lang=lang)
    every: list[Flag] = []
    out = []
    for sec in sections:
        texts = _flag_texts(sec.items)
        items = []
        for item, (old_text, new_text) in zip(sec.items, texts, strict=True):
            if item.is_change:
                flags = block_flags(old_text, new_text, page=page, section=sec.name)
                if flags:
                    item = replace(item, flags=flags)
                    every.extend(flags)
            items.append(item)
        out.append(replace(sec, items=tuple(items)))
    top, total = rank_flags(every)
    return tuple(out), top, total


def _flag_texts(items: Sequence[BlockChange]) -> list[tuple[str | None, str | None]]:
    """The old and new words each block is flagged on. A paragraph split in two is flagged as
    one (the edited half with the split-off half), and so is a merge, so moving a sentence
    into a paragraph of its own raises nothing."""
    texts = [
        (
            readable_text(item.old) if item.old is not None else None,
            readable_text(item.new) if item.new is not None else None,
        )
        for item in items
    ]
    for k, item in enumerate(items):
        for note in item.notes:
            if not note.startswith(("split from the ", "merged into the ")):
                continue
            j = k + 1 if note.endswith("next block") else k - 1
            old_j, new_j = texts[j]
            own_old, own_new = texts[k]
            if item.status is BlockStatus.ADDED and own_new and new_j is not None:
                joined = (own_new, new_j) if j > k else (new_j, own_new)
                texts[j] = (old_j, " ".join(joined))
            elif item.status is BlockStatus.REMOVED and own_old and old_j is not None:
                joined = (own_old, old_j) if j > k else (old_j, own_old)
                texts[j] = (" ".join(joined), new_j)
            else:
                continue
            texts[k] = (None, None)  # flagged with its neighbour
    return texts


def _count(sections: Sequence[SectionChange]) -> Summary:
    counts = dict.fromkeys(Summary.__dataclass_fields__, 0)
    for sec in sections:
        if sec.status is SectionStatus.ADDED:
            counts["sections_added"] += 1
        elif sec.status is SectionStatus.REMOVED:
            counts["sections_removed"] += 1
        else:
            counts["sections_changed"] += 1
        for item in sec.blocks:
            counts[f"blocks_{item.status.value}"] += 1
    return Summary(**counts)


def classify_stamp(old: LastUpdated | None, new: LastUpdated | None) -> StampStatus:
    """Classify the page's "Last updated" stamp from `old` to `new`."""
    if new is None:
        return StampStatus.UNCHANGED if old is None else StampStatus.MISSING
    if old is None or new.at > old.at:
        return StampStatus.CHANGED
    if new.at < old.at:
        return StampStatus.BACKWARDS
    return StampStatus.UNCHANGED


__all__ = ["classify_stamp", "diff"]
