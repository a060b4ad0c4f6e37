"""What a text says, read for the flags: its features. Owns `Features` and `Census`.

A feature is one thing a flag compares across versions — a modal verb, a negation, an
intensifier or hedge, a step on a ladder of actions, an agreement or programme, an actor, a
watched term, a date, a number — with a normalised key, so two texts that say the same in
other words have the same features. Features are read once per text and cached on the
watchlist; a page's census counts them over every block, so a rule can tell "new here" from
"new to the page". Pure: text and documents in, data out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from scraper.core.document import Document
from scraper.core.quantities import MONTHS, dates_and_numbers
from scraper.core.text import PhraseIndex, TextIndex, readable_text, sentence_at, sentence_spans
from scraper.core.watchlist import Watchlist
from scraper.core.words import GroupKind

# How many distinct texts a watchlist remembers the features of.
FEATURE_CACHE_SIZE = 8192


class FeatureKind(StrEnum):
    """What a feature is: the kind of words, or of thing named."""

    MODAL = "modal"
    NEGATION = "negation"
    IGNORE = "ignore"
    STRONGER = "stronger"
    HEDGE = "hedge"
    LADDER = "ladder"
    AGREEMENT = "agreement"
    PROGRAMME = "programme"
    ACTOR = "actor"
    TERM = "term"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Feature:
    """One feature of a text: what it is, the key compared across versions, the words as
    written, where, and a detail (a modal's strength, a ladder's step)."""

    cat: FeatureKind
    key: str
    text: str
    start: int
    detail: int = 0
    group: str = ""  # a ladder's name; a number's or a date's sort


@dataclass(frozen=True)
class Features:
    """A text's features in text order, and its sentences' offsets."""

    text: str
    items: tuple[Feature, ...]
    spans: tuple[tuple[int, int], ...]

    def of(self, cat: FeatureKind) -> list[Feature]:
        """The features of kind `cat`, in text order."""
        return [item for item in self.items if item.cat is cat]

    def sentence(self, item: Feature) -> str:
        """The sentence `item` is in."""
        return sentence_at(self.text, item.start, self.spans)


# What an added block had before, and a removed block has after.
NO_FEATURES = Features("", (), ())

# Lower-case words that may stand inside a capitalised name ("Centre of Excellence").
_CONNECTORS = frozenset({"of", "for", "and", "on", "the", "de"})
# Words that end an agreement's description ("agreement on X, which …").
_CLAUSE_STOPS = frozenset(
    [
        "which",
        "that",
        "who",
        "whose",
        "where",
        "when",
        "while",
        "was",
        "were",
        "is",
        "are",
        "has",
        "have",
        "had",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "can",
        "could",
        "and",
        "or",
        "but",
        "signed",
        "between",
        "in",
        "at",
        "by",
        "as",
        "from",
        "since",
    ]
)
_TRAILING = frozenset({"of", "for", "on", "with", "to", "the", "a", "an", "and", "or"})
_MONTH_WORDS = frozenset(MONTHS)
_IRREGULAR = {
    "build": ("built",),
    "keep": ("kept",),
    "take": ("took", "taken"),
    "hold": ("held",),
    "freeze": ("froze", "frozen"),
}


class _Lexicon:
    """The flag word lists of a watchlist, compiled."""

    def __init__(self, watch: Watchlist) -> None:
        words = watch.words
        fold = watch.spelling.fold
        index: PhraseIndex[tuple[FeatureKind, str, int]] = PhraseIndex(watch.spelling)
        for strength, phrases in words.modality:
            for phrase in phrases:
                index.add(phrase, (FeatureKind.MODAL, "", int(strength)))
        for phrase in words.negation:
            index.add(phrase, (FeatureKind.NEGATION, "", 0))
        for phrase in (*words.not_negation, *words.not_modal):
            index.add(phrase, (FeatureKind.IGNORE, "", 0))
        for phrase in words.stronger:
            index.add(phrase, (FeatureKind.STRONGER, "", 0))
        for phrase in words.hedges:
            index.add(phrase, (FeatureKind.HEDGE, "", 0))
        for ladder in words.ladders:
            for step, phrases in enumerate(ladder.steps):
                for phrase in phrases:
                    for form in sorted(_inflections(phrase)):
                        index.add(form, (FeatureKind.LADDER, ladder.name, step))
        for phrase in words.agreements:
            index.add(phrase, (FeatureKind.AGREEMENT, "", 0))
        self.words = index
        self.heads = frozenset(fold(w) for w in words.programme_heads)
        self.stopwords = frozenset(fold(w) for w in words.name_stopwords) | _MONTH_WORDS
        self.ladder_steps = {ladder.name: ladder.steps for ladder in words.ladders}


def _lexicon(watch: Watchlist) -> _Lexicon:
    return watch.memo("flags.lexicon", lambda: _Lexicon(watch))


def _inflections(phrase: str) -> set[str]:
    """A verb phrase with its first word inflected: -s, -ed, -ing (and a few irregulars)."""
    first, _, rest = phrase.partition(" ")
    low = first.lower()
    forms = {first}
    if low.endswith("e"):
        forms |= {first + "s", first + "d", first[:-1] + "ing"}
    elif low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        forms |= {first[:-1] + "ies", first[:-1] + "ied", first + "ing"}
    elif low.endswith(("s", "x", "ch", "sh")):
        forms |= {first + "es", first + "ed", first + "ing"}
    else:
        forms |= {first + "s", first + "ed", first + "ing"}
        if _short_cvc(low):
            forms |= {first + first[-1] + "ed", first + first[-1] + "ing"}
    forms |= set(_IRREGULAR.get(low, ()))
    return {f"{form} {rest}" if rest else form for form in forms}


def _short_cvc(word: str) -> bool:
    vowels = "aeiou"
    return (
        3 <= len(word) <= 4
        and word[-1] not in vowels + "wxy"
        and word[-2] in vowels
        and word[-3] not in vowels
    )


def features(text: str, watch: Watchlist, *, lang: str = "en") -> Features:
    """What `text` says, as flag features (cached per text on the watchlist).

    The word lists (modal verbs, negations, actors, programmes, intensity, watched terms) are
    English: a page in another language (`lang`, ISO 639-1) is read for what survives
    translation only, its dates and numbers, in its own language. Reading French with English
    word lists gave flags such as a "programme" made of the words of a French sentence.
    """
    if lang != "en":
        return watch.cached(
            f"flags.features.{lang}", text, lambda t: _quantities(t, lang), size=FEATURE_CACHE_SIZE
        )
    return watch.cached(
        "flags.features", text, lambda t: _extract(t, watch), size=FEATURE_CACHE_SIZE
    )


def _quantities(text: str, lang: str) -> Features:
    """The dates and numbers of `text` alone, read in `lang`."""
    return Features(text, tuple(_quantity_features(text, lang)), tuple(sentence_spans(text)))


def _quantity_features(text: str, lang: str) -> list[Feature]:
    return [
        Feature(
            FeatureKind.DATE if q.is_date else FeatureKind.NUMBER,
            q.key,
            q.text,
            q.start,
            group=q.sort,
        )
        for q in dates_and_numbers(text, lang=lang)
    ]


def _extract(text: str, watch: Watchlist) -> Features:
    lex = _lexicon(watch)
    index = watch.index(text)
    items: list[Feature] = []
    for match in lex.words.find(index):
        for cat, group, detail in match.values:
            if cat is FeatureKind.IGNORE:
                continue
            if cat is FeatureKind.MODAL and _is_month(index, match.first):
                continue
            if cat is FeatureKind.AGREEMENT:
                agreement = _agreement(index, match.first, match.last)
                if agreement is not None:
                    items.append(agreement)
                continue
            key = " ".join(index.folded[match.first : match.last + 1])
            if cat is FeatureKind.LADDER:
                # Inflected forms are one word: compare the ladder's step, not the form.
                key = f"{group}:{detail}"
            items.append(
                Feature(cat, key, text[match.start : match.end], match.start, detail, group)
            )
    for mention in watch.mentions(text):
        if mention.term is not None:
            items.append(Feature(FeatureKind.TERM, mention.term, mention.text, mention.start))
        elif mention.kind is not GroupKind.TERM:
            items.append(Feature(FeatureKind.ACTOR, mention.name, mention.text, mention.start))
    items.extend(_programmes(index, lex))
    items.extend(_quantity_features(text, "en"))
    items.sort(key=lambda item: item.start)
    return Features(text, tuple(items), tuple(sentence_spans(text)))


def _is_month(index: TextIndex, k: int) -> bool:
    """Whether "May" at word `k` is the month (next to a number, or capitalised mid-sentence)."""
    word = index.words[k]
    if word != "May":
        return False
    near = [index.words[j] for j in (k - 1, k + 1) if 0 <= j < len(index.words)]
    if any(w.isdigit() for w in near):
        return True
    before = index.text[: index.starts[k]].rstrip()
    return bool(before) and before[-1] not in ".!?\"“‘'("


def _agreement(index: TextIndex, first: int, last: int) -> Feature | None:
    """A lower-case agreement word and what follows it to the end of its clause."""
    words, folded = index.words, index.folded
    if not words[first][:1].islower():
        return None  # part of a capitalised name: the programme rule reads it
    end = last
    k = last + 1
    while k < len(words) and index.joined[k - 1] and k - last <= 10:
        if not words[k].islower() or folded[k] in _CLAUSE_STOPS:
            break
        end = k
        k += 1
    while end > last and folded[end] in _TRAILING:
        end -= 1
    key = " ".join(folded[first : end + 1])
    return Feature(
        FeatureKind.PROGRAMME,
        key,
        index.text[index.starts[first] : index.ends[end]],
        index.starts[first],
    )


_ACRONYM_OPEN = re.compile(r"\s*\(\s*")
_ACRONYM_CLOSE = re.compile(r"\s*\)\s*")


def _programmes(index: TextIndex, lex: _Lexicon) -> list[Feature]:
    """Capitalised multi-word names holding a programme head word."""
    words, folded, joined, text = index.words, index.folded, index.joined, index.text
    n = len(words)
    out: list[Feature] = []
    k = 0
    while k < n:
        if not words[k][:1].isupper():
            k += 1
            continue
        run = [k]
        j = k
        while j + 1 < n:
            gap = text[index.ends[j] : index.starts[j + 1]]
            nxt = words[j + 1]
            if joined[j] and (
                nxt[:1].isupper() or (nxt.islower() and folded[j + 1] in _CONNECTORS)
            ):
                run.append(j + 1)
                j += 1
                continue
            # "Science for Peace and Security (SPS) Programme": the acronym is not the name.
            if (
                j + 2 < n
                and _ACRONYM_OPEN.fullmatch(gap)
                and nxt.isupper()
                and _ACRONYM_CLOSE.fullmatch(text[index.ends[j + 1] : index.starts[j + 2]])
                and words[j + 2][:1].isupper()
            ):
                run.append(j + 2)
                j += 2
                continue
            break
        k = j + 1
        while run and (folded[run[0]] in lex.stopwords or folded[run[0]] in _CONNECTORS):
            run.pop(0)
        while run and folded[run[-1]] in _CONNECTORS:
            run.pop()
        capitals = [r for r in run if words[r][:1].isupper()]
        if len(capitals) < 2 or not any(folded[r] in lex.heads for r in capitals):
            continue
        key = " ".join(folded[r] for r in run)
        start, end = index.starts[run[0]], index.ends[run[-1]]
        out.append(Feature(FeatureKind.PROGRAMME, key, text[start:end], start))
    return out


# -- the page as a whole ---------------------------------------------------------------------


@dataclass(frozen=True)
class Census:
    """How often each actor, programme, amount, date and watched term occurs on a page."""

    counts: Mapping[tuple[FeatureKind, str], int] = field(default_factory=dict)

    def has(self, cat: FeatureKind, key: str) -> bool:
        """Whether the page names `key` (of kind `cat`) anywhere."""
        return self.counts.get((cat, key), 0) > 0

    def count(self, cat: FeatureKind, key: str) -> int:
        """How often the page names `key`."""
        return self.counts.get((cat, key), 0)


_CENSUS_CATS = frozenset(
    {
        FeatureKind.ACTOR,
        FeatureKind.PROGRAMME,
        FeatureKind.NUMBER,
        FeatureKind.DATE,
        FeatureKind.TERM,
    }
)


def census(document: Document, watch: Watchlist, *, lang: str = "en") -> Census:
    """Count what the whole page names, for "new to the page" and "gone from the page"."""
    counts: Counter[tuple[FeatureKind, str]] = Counter()
    for _, block in document.iter_blocks():
        for item in features(readable_text(block), watch, lang=lang).items:
            if item.cat in _CENSUS_CATS:
                counts[(item.cat, item.key)] += 1
    return Census(counts)


@dataclass(frozen=True)
class PageContext:
    """What both whole pages say, so a block's flags can tell "new here" from "new to the
    page"."""

    watch: Watchlist
    old: Census
    new: Census
    # The pages' language (ISO 639-1): what the word lists can read in them (`features`).
    lang: str = "en"


def page_context(
    old: Document, new: Document, watch: Watchlist, *, lang: str = "en"
) -> PageContext:
    """The census of both pages, read as `lang`."""
    return PageContext(
        watch, census(old, watch, lang=lang), census(new, watch, lang=lang), lang=lang
    )


__all__ = [
    "NO_FEATURES",
    "Census",
    "Feature",
    "FeatureKind",
    "Features",
    "PageContext",
    "census",
    "features",
    "page_context",
]
