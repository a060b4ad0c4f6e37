"""The English wording of a translated pair: `nato-watch lag`'s lines, the counterpart block of
a change report (Markdown and HTML), the index's pair rows and the feed's catch-up entries.

The data comes from `reports.translation` and `core.translation`; nothing here reads the
archive or prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scraper.core.facts import Fact, FactKind
from scraper.core.translation import CounterpartCheck, PairLag, PairSide, Role
from scraper.errors import counted
from scraper.reports.translation import CatchUp, PairStatus
from scraper.timespec import utc_iso

LANGUAGES = {
    "en": "English",
    "fr": "French",
    "ru": "Russian",
    "uk": "Ukrainian",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "ko": "Korean",
}
# How much of a long sentence a line of `nato-watch lag` shows (reports and JSON: all of it).
SENTENCE_CHARS = 220


def language_name(code: str | None) -> str:
    """`fr` -> "French"; an unknown code as written; None -> "other-language"."""
    if code is None:
        return "other-language"
    return LANGUAGES.get(code, code)


def page_name(lang: str | None, target: str) -> str:
    """ "the French page" (or "the page `target`" when its language is not known)."""
    return f"the {language_name(lang)} page" if lang else f"the page {target}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _code(side: PairSide) -> str:
    return (side.lang or side.target).upper()


def fact_label(fact: Fact) -> str:
    """A fact as a reader names it: the words as written; a page's sections counted."""
    if fact.kind is FactKind.SECTIONS:
        return f"{fact.key} section{'' if fact.key == '1' else 's'}"
    return fact.text


def _quoted(fact: Fact, limit: int | None = None) -> str:
    """The sentence a fact came from, in quotes (cut at `limit` characters); a sections fact's
    headings in brackets."""
    if fact.kind is FactKind.SECTIONS:
        return f"({fact.sentence})" if fact.sentence else ""
    text = " ".join(fact.sentence.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”"


def by_sentence(facts: Iterable[Fact], limit: int | None = None) -> list[tuple[str, str]]:
    """Facts grouped by the sentence they came from, in page order: (labels, quoted sentence,
    cut at `limit` characters)."""
    groups: dict[tuple[int, str], list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.block, fact.sentence), []).append(fact)
    return [
        (", ".join(dict.fromkeys(fact_label(f) for f in group)), _quoted(group[0], limit))
        for group in groups.values()
    ]


def _dated(side: PairSide) -> str:
    if side.stamp is not None:
        return f"since {side.stamp.text}"
    return f"captured {utc_iso(side.version.captured_at)} (its page shows no stamp)"


def _last(side: PairSide) -> str:
    if side.stamp is not None:
        return f"last updated {side.stamp.text}"
    return f"no stamp shown, captured {utc_iso(side.version.captured_at)}"


def lead_sentence(lag: PairLag) -> str:
    """Which side is newer and by how much, and what dates them."""
    basis = (
        "by the pages' stamps, in Brussels time"
        if lag.by_stamps
        else "a capture time stands in for a missing stamp, in Brussels time"
    )
    if lag.lead is None:
        return f"Both pages are dated the same moment ({basis})."
    side = lag.side(lag.lead)
    days = counted(lag.lag_days, "day")
    return f"{_capital(page_name(side.lang, side.target))} is newer, by {days} ({basis})."


def _missing_lines(having: PairSide, lacking: PairSide, facts: Sequence[Fact]) -> list[str]:
    lines = []
    if not facts:
        return [f"  {_code(having)}: every fact is on {page_name(lacking.lang, lacking.target)}."]
    count = counted(len(facts), "fact")
    lines.append(
        f"  {_code(having)} {_dated(having)}: {count} not on "
        f"{page_name(lacking.lang, lacking.target)}, {_last(lacking)}:"
    )
    for labels, quoted in by_sentence(facts, SENTENCE_CHARS):
        lines.append(f"    - {labels}" + (f": {quoted}" if quoted else ""))
    return lines


def lag_lines(status: PairStatus) -> list[str]:
    """What `nato-watch lag` prints for one pair."""
    pair, lag = status.pair, status.lag
    head = f"{pair.original} → {pair.translation} (translation)"
    if lag is None:
        missing = " and ".join(status.absent)
        verb = "has" if len(status.absent) == 1 else "have"
        return [
            head,
            f"  {missing} {verb} no version yet; run `nato-watch check` (or `nato-watch "
            "import-wayback`) first.",
        ]
    lines = [head]
    for side in (lag.original, lag.translation):
        name = _capital(page_name(side.lang, side.target).removeprefix("the "))
        lines.append(
            f"  {name} ({side.target}): {_last(side)}; version {side.version.id}, captured "
            f"{utc_iso(side.version.captured_at)}"
        )
    lines.append(f"  {lead_sentence(lag)}")
    lines += _missing_lines(lag.original, lag.translation, lag.missing_in_translation)
    lines += _missing_lines(lag.translation, lag.original, lag.missing_in_original)
    for mine, theirs in lag.facts.out_of_order:
        lines.append(
            f"  Sections in another order: {mine or 'Introduction'!r} on "
            f"{page_name(lag.original.lang, lag.original.target)} matches "
            f"{theirs or 'Introduction'!r}, which comes earlier on "
            f"{page_name(lag.translation.lang, lag.translation.target)}."
        )
    return lines


# -- the counterpart block of a change report --------------------------------------------------


@dataclass(frozen=True)
class CounterpartView:
    """The counterpart block as a report shows it."""

    heading: str
    intro: str
    items: tuple[tuple[str, str, str], ...]  # labels, "on the … page" / "not on …", sentence
    gap: str
    caught_up: str | None


def counterpart_view(check: CounterpartCheck) -> CounterpartView:
    """The wording of one counterpart block."""
    own_lang = check.own_lang
    page = page_name(check.lang, check.counterpart)
    role = "Original" if check.role is Role.ORIGINAL else "Translation"
    heading = f"{role}: {page} ({check.counterpart})"
    if check.version is None:
        intro = f"No version of {check.counterpart} had been captured by then."
        return CounterpartView(heading, intro, (), "", None)
    stamp = check.version.document.last_updated
    shown = f"last updated {stamp.text}" if stamp else "no stamp shown"
    intro = f"Its version in force at this capture: {check.version.id} ({shown})."
    items = []
    for labels, quoted, carried in _new_fact_groups(check):
        items.append((labels, f"on {page}" if carried else f"not on {page}", quoted))
    if not items:
        intro += " This change brought no new fact (date, number, name or acronym)."
    original = language_name(own_lang if check.role is Role.TRANSLATION else check.lang)
    translation = language_name(check.lang if check.role is Role.TRANSLATION else own_lang)
    gap = (
        f"Facts of the {original} page not on the {translation} page: "
        f"{check.missing_before} before this change, {check.missing_after} after."
    )
    caught = None
    if check.caught_up:
        why = (
            "its stamp reached the original's"
            if check.stamp_reached
            else "it now carries every fact of the original"
        )
        caught = f"The {translation} page caught up with the {original} page: {why}."
    return CounterpartView(heading, intro, tuple(items), gap, caught)


def _new_fact_groups(check: CounterpartCheck) -> list[tuple[str, str, bool]]:
    """The new facts grouped by sentence and by whether the counterpart carries them."""
    groups: dict[tuple[int, str, bool], list[Fact]] = {}
    for fact, carried in check.new_facts:
        groups.setdefault((fact.block, fact.sentence, carried), []).append(fact)
    return [
        (", ".join(dict.fromkeys(fact_label(f) for f in facts)), _quoted(facts[0]), carried)
        for (_, _, carried), facts in groups.items()
    ]


def counterpart_markdown(views: Sequence[CounterpartView], esc: Callable[[str], str]) -> list[str]:
    """The counterpart blocks as Markdown lines (`esc`: the report's escaper of page text)."""
    lines: list[str] = []
    for view in views:
        lines += [f"## {esc(view.heading)}", "", esc(view.intro), ""]
        if view.items:
            lines.append("New facts of this change, and whether that page carries them:")
            lines.append("")
            for labels, where, quoted in view.items:
                tail = f": {esc(quoted)}" if quoted else ""
                lines.append(f"- **{esc(labels)}** — {esc(where)}{tail}")
            lines.append("")
        if view.gap:
            lines += [esc(view.gap), ""]
        if view.caught_up:
            lines += [f"**{esc(view.caught_up)}**", ""]
    return lines


# -- the site -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairRow:
    """One pair on the index page."""

    original: str
    translation: str
    sentence: str
    missing: str


def pair_row(status: PairStatus) -> PairRow:
    """How the index shows one pair's lag."""
    pair, lag = status.pair, status.lag
    if lag is None:
        return PairRow(
            pair.original, pair.translation, f"No version yet of {' and '.join(status.absent)}.", ""
        )
    sides = "; ".join(
        f"{language_name(side.lang) if side.lang else side.target}: {_last(side)}"
        for side in (lag.original, lag.translation)
    )
    missing = (
        f"{len(lag.missing_in_translation)} facts of {page_name(lag.original.lang, pair.original)} "
        f"not on {page_name(lag.translation.lang, pair.translation)}, "
        f"{len(lag.missing_in_original)} the other way"
    )
    return PairRow(pair.original, pair.translation, f"{lead_sentence(lag)} {sides}.", missing)


def catch_up_title(entry: CatchUp) -> str:
    """The feed entry's title."""
    return f"{entry.target} caught up with {entry.original}"


def catch_up_summary(entry: CatchUp) -> str:
    """The feed entry's summary."""
    mine = entry.last_updated or "no stamp shown"
    theirs = entry.original_last_updated or "no stamp shown"
    if entry.stamp_reached:
        why = f"its stamp ({mine}) reached that of {entry.original} ({theirs})"
    else:
        why = f"it now carries every fact of {entry.original} (last updated {theirs})"
    still = (
        f"; {entry.missing_after} facts of {entry.original} are still not on it"
        if entry.missing_after
        else ""
    )
    return (
        f"Version {entry.version_id} of {entry.target}: {why}{still}. Facts of "
        f"{entry.original} missing before: {entry.missing_before}, after: {entry.missing_after}."
    )
