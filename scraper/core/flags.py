"""Significance flags: which wording changes matter to an analyst, and how much. Owns `Flag`.

A flag names one change of meaning in one block — "will" became "may", a "not" appeared, a
date or an amount moved, a country, a programme or a watched term entered or left the text,
"strongly condemn" became "condemn" — with the words involved, a weight (1–10) and a
one-line note. The rules are plain, explainable and deterministic; the word lists they use
are data files (`scraper/data/`) that a config can extend.

Two rules keep flags few and meaningful:
- what is compared is what the words *say*, never how they are written: modal verbs,
  negations, numbers, dates, names, programmes and intensity words are each counted as a
  multiset of normalised keys, so punctuation, whitespace, British/American spelling
  ("defence"/"defense"), "16 Jul. 2024"/"16 July 2024", a name's variants ("PRC"/"China") or
  the order of a list of countries change nothing;
- inside an edited block every difference counts; inside a block that is wholly new (or
  gone) only what is new to (or gone from) the whole page does, since every word of it is new.

Pure: text and documents in, flags out; no I/O, no clock.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from scraper.core.document import Document
from scraper.core.text import PhraseIndex, TextIndex, readable_text, sentence_at, sentence_spans
from scraper.core.watchlist import Watchlist
from scraper.core.words import GroupKind, ModalStrength

# At most this many flags per block, and in a report's top-level list (strongest first).
BLOCK_FLAGS = 5
REPORT_FLAGS = 12
# Flags weaker than this are not raised at all.
MIN_WEIGHT = 3
# A change with a flag at least this strong is significant (`notify_on = "significant"`).
SIGNIFICANT_WEIGHT = 5
# The most of a sentence a flag quotes as its context.
CONTEXT_CHARS = 280
# How many distinct texts a watchlist remembers the features of.
FEATURE_CACHE_SIZE = 8192
# Two sentences at least this similar (word sequences) are one sentence, edited.
SAME_SENTENCE_RATIO = 0.5

# -- weights: how much each kind of change usually matters -----------------------------------
W_NEGATION_FLIP = 9  # a "not" appeared in or vanished from a sentence that is still there
W_NEGATION_NEW = 6  # a negated sentence is new (or gone)
W_NEGATION_REWORD = 4  # one negation for another ("not" -> "never")
W_MODAL_PER_STEP = 1  # modality shift: 5 + one per step of strength (will -> may: 2 steps)
W_MODAL_BASE = 5
W_MODAL_SAME = 3  # a modal for another of the same strength ("can" -> "could")
W_MODAL_ALONE = 5  # a modal added where there was none, or dropped
W_TERM_NEW = 8  # a watched term appeared on, or disappeared from, the page
W_TERM_COUNT = 5  # a watched term's count on the page changed
W_TERM_MOVED = 3  # a watched term left one passage for another; the page's count is the same
W_ACTOR_PAGE = 7  # a country/organisation new to (gone from) the page, in an edited block
W_ACTOR_PAGE_BLOCK = 6  # … in a new (removed) block
W_ACTOR_HERE = 5  # named in this edited block now (no longer), but named elsewhere on the page
W_PROGRAMME = 7  # a programme or agreement new to (gone from) the page, or renamed
W_PROGRAMME_HERE = 4  # named here now (no longer), but named elsewhere on the page
W_DATE_CHANGED = 7  # a date replaced by another
W_DATE_ALONE = 5  # a full date or month added to (dropped from) an edited block
W_YEAR_ALONE = 4  # a bare year or month added or dropped
W_DATE_PAGE = 3  # a full date new to (gone from) the page, in a new (removed) block
W_AMOUNT_CHANGED = 7  # an amount or a percentage replaced by another
W_NUMBER_CHANGED = 6  # a count or an ordinal replaced by another
W_AMOUNT_ALONE = 5
W_NUMBER_ALONE = 3
W_AMOUNT_PAGE = 4  # an amount new to (gone from) the page, in a new (removed) block
W_WEAKER = 6  # an intensifier dropped, a hedge added, a step down a ladder
W_STRONGER = 5  # an intensifier added, a hedge dropped, a step up a ladder


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


# -- what a text says: its features ----------------------------------------------------------


class _Cat(StrEnum):
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
class _Item:
    """One feature of a text: what it is, the key compared across versions, the words as
    written, where, and a detail (a modal's strength, a ladder's step)."""

    cat: _Cat
    key: str
    text: str
    start: int
    detail: int = 0
    group: str = ""  # a ladder's name; a number's or a date's sort


@dataclass(frozen=True)
class _Features:
    text: str
    items: tuple[_Item, ...]
    spans: tuple[tuple[int, int], ...]

    def of(self, cat: _Cat) -> list[_Item]:
        return [item for item in self.items if item.cat is cat]

    def sentence(self, item: _Item) -> str:
        return sentence_at(self.text, item.start, self.spans)


_EMPTY = _Features("", (), ())

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
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_WORDS = frozenset(_MONTHS)
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
        index: PhraseIndex[tuple[_Cat, str, int]] = PhraseIndex(watch.spelling)
        for strength, phrases in words.modality:
            for phrase in phrases:
                index.add(phrase, (_Cat.MODAL, "", int(strength)))
        for phrase in words.negation:
            index.add(phrase, (_Cat.NEGATION, "", 0))
        for phrase in (*words.not_negation, *words.not_modal):
            index.add(phrase, (_Cat.IGNORE, "", 0))
        for phrase in words.stronger:
            index.add(phrase, (_Cat.STRONGER, "", 0))
        for phrase in words.hedges:
            index.add(phrase, (_Cat.HEDGE, "", 0))
        for ladder in words.ladders:
            for step, phrases in enumerate(ladder.steps):
                for phrase in phrases:
                    for form in sorted(_inflections(phrase)):
                        index.add(form, (_Cat.LADDER, ladder.name, step))
        for phrase in words.agreements:
            index.add(phrase, (_Cat.AGREEMENT, "", 0))
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


def features(text: str, watch: Watchlist) -> _Features:
    """What `text` says, as flag features (cached per text on the watchlist)."""
    return watch.cached(
        "flags.features", text, lambda t: _extract(t, watch), size=FEATURE_CACHE_SIZE
    )


def _extract(text: str, watch: Watchlist) -> _Features:
    lex = _lexicon(watch)
    index = watch.index(text)
    items: list[_Item] = []
    for match in lex.words.find(index):
        for cat, group, detail in match.values:
            if cat is _Cat.IGNORE:
                continue
            if cat is _Cat.MODAL and _is_month(index, match.first):
                continue
            if cat is _Cat.AGREEMENT:
                agreement = _agreement(index, match.first, match.last)
                if agreement is not None:
                    items.append(agreement)
                continue
            key = " ".join(index.folded[match.first : match.last + 1])
            if cat is _Cat.LADDER:
                # Inflected forms are one word: compare the ladder's step, not the form.
                key = f"{group}:{detail}"
            items.append(_Item(cat, key, text[match.start : match.end], match.start, detail, group))
    for mention in watch.mentions(text):
        if mention.term is not None:
            items.append(_Item(_Cat.TERM, mention.term, mention.text, mention.start))
        elif mention.kind is not GroupKind.TERM:
            items.append(_Item(_Cat.ACTOR, mention.name, mention.text, mention.start))
    items.extend(_programmes(index, lex))
    items.extend(_dates_and_numbers(text))
    items.sort(key=lambda item: item.start)
    return _Features(text, tuple(items), tuple(sentence_spans(text)))


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


def _agreement(index: TextIndex, first: int, last: int) -> _Item | None:
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
    return _Item(
        _Cat.PROGRAMME, key, index.text[index.starts[first] : index.ends[end]], index.starts[first]
    )


_ACRONYM_OPEN = re.compile(r"\s*\(\s*")
_ACRONYM_CLOSE = re.compile(r"\s*\)\s*")


def _programmes(index: TextIndex, lex: _Lexicon) -> list[_Item]:
    """Capitalised multi-word names holding a programme head word."""
    words, folded, joined, text = index.words, index.folded, index.joined, index.text
    n = len(words)
    out: list[_Item] = []
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
        out.append(_Item(_Cat.PROGRAMME, key, text[start:end], start))
    return out


# -- dates and numbers -----------------------------------------------------------------------

_MONTH_NUMBER = {
    **{name: k for k, name in enumerate(_MONTHS, start=1)},
    **{name[:3]: k for k, name in enumerate(_MONTHS, start=1)},
    "sept": 9,
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_YEAR = r"(?:1[89]|20)\d{2}"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "range",
        re.compile(
            rf"\b(?:[Ff]rom|[Bb]etween)\s+({_YEAR})\s+(?:to|until|till|through|and)\s+({_YEAR})\b"
            rf"|(?<![\w.,-])({_YEAR})\s*[-–—]\s*({_YEAR})\b"
        ),
    ),
    ("date", re.compile(rf"\b([0-3]?\d)\s+({_MONTH})\s*,?\s+({_YEAR})\b")),
    ("date", re.compile(rf"\b({_MONTH})\s+([0-3]?\d),\s+({_YEAR})\b")),
    ("month", re.compile(rf"\b({_MONTH})\s+({_YEAR})\b")),
    ("day", re.compile(rf"\b([0-3]?\d)\s+({_MONTH})(?!\w)")),
    (
        "month",
        re.compile(
            r"\b(January|February|March|April|June|July|August|September|October|November"
            r"|December)\b"
        ),
    ),
    ("year", re.compile(rf"(?<![\w.,$€£/-])({_YEAR})(?![\w%/]|[.,]\d)")),
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALES = {
    "thousand": Decimal(10**3),
    "million": Decimal(10**6),
    "m": Decimal(10**6),
    "billion": Decimal(10**9),
    "bn": Decimal(10**9),
    "trillion": Decimal(10**12),
}
_CURRENCIES = {
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
    "dollars": "USD",
    "eur": "EUR",
    "€": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "£": "GBP",
    "pounds": "GBP",
}
_AMOUNT = re.compile(
    rf"(?<![\w.])(USD|EUR|GBP|US\$|\$|€|£)\s?({_NUM})(?:\s?(million|billion|trillion|thousand|bn|m)\b)?"
    rf"|(?<![\w.,-])({_NUM})\s?(million|billion|trillion)\s+(?:US\s)?(dollars|euros|pounds|USD|EUR|GBP)\b"
)
_PERCENT = re.compile(rf"(?<![\w.,-])({_NUM})\s?(%|per\s?cent\b|percent\b)")
_SCALED = re.compile(rf"(?<![\w.,-])({_NUM})\s(million|billion|trillion|thousand)\b")
_PLAIN = re.compile(rf"(?<![\w.,/-])({_NUM})(?![\w%/-]|[.,]\d)")
_NUMBER_WORDS = {
    word: k
    for k, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if k >= 2  # "one" is mostly a pronoun ("one of the partners")
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12}
_ORDINAL_WORDS = {
    word: k
    for k, word in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
        ],
        start=1,
    )
}
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(sorted((*_NUMBER_WORDS, *_ORDINAL_WORDS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _dates_and_numbers(text: str) -> list[_Item]:
    """Dates first (so "2024" in "July 2024" is not also a year or a number), then amounts,
    percentages, scaled, plain and spelled-out numbers, each span taken once."""
    taken: list[tuple[int, int]] = []
    out: list[_Item] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for sort, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            key = _date_key(sort, [g for g in match.groups() if g is not None])
            if key is None:
                continue
            taken.append(match.span())
            out.append(_Item(_Cat.DATE, key, match.group(), match.start(), group=sort))
    for sort, pattern in (
        ("amount", _AMOUNT),
        ("percent", _PERCENT),
        ("count", _SCALED),
        ("count", _PLAIN),
        ("count", _WORD_NUMBER),
    ):
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            number_key = _number_key(sort, match)
            if number_key is None:
                continue
            real_sort, key = number_key
            taken.append(match.span())
            out.append(
                _Item(_Cat.NUMBER, key, match.group().strip(), match.start(), group=real_sort)
            )
    return out


def _date_key(sort: str, groups: list[str]) -> str | None:
    def month(name: str) -> int:
        return _MONTH_NUMBER[name.rstrip(".").lower()]

    if sort == "range":
        return f"{groups[0]}/{groups[1]}"
    if sort == "date":
        if groups[0].isdigit():
            day, mon, year = int(groups[0]), month(groups[1]), groups[2]
        else:
            mon, day, year = month(groups[0]), int(groups[1]), groups[2]
        return f"{year}-{mon:02d}-{day:02d}" if 1 <= day <= 31 else None
    if sort == "month" and len(groups) == 2:
        return f"{groups[1]}-{month(groups[0]):02d}"
    if sort == "month":
        return f"--{month(groups[0]):02d}"
    if sort == "day":
        day = int(groups[0])
        return f"--{month(groups[1]):02d}-{day:02d}" if 1 <= day <= 31 else None
    return groups[0]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _number_key(sort: str, match: re.Match[str]) -> tuple[str, str] | None:
    groups = match.groups()
    if sort == "amount":
        if groups[0] is not None:
            currency, number, scale = groups[0], groups[1], groups[2]
        else:
            number, scale, currency = groups[3], groups[4], groups[5]
        value = _decimal(number)
        if value is None:
            return None
        value *= _SCALES.get((scale or "").lower(), Decimal(1))
        return "amount", f"{_CURRENCIES[currency.lower()]} {_plain(value)}"
    if sort == "percent":
        value = _decimal(groups[0])
        return None if value is None else ("percent", f"{_plain(value)}%")
    word = match.group().strip().lower()
    if word in _ORDINAL_WORDS:
        return "ordinal", f"#{_ORDINAL_WORDS[word]}"
    if word in _NUMBER_WORDS:
        return "count", str(_NUMBER_WORDS[word])
    value = _decimal(groups[0])
    if value is None:
        return None
    if len(groups) > 1 and groups[1]:
        value *= _SCALES[groups[1].lower()]
    return "count", _plain(value)


# -- the page as a whole ---------------------------------------------------------------------


@dataclass(frozen=True)
class Census:
    """How often each actor, programme, amount, date and watched term occurs on a page."""

    counts: Mapping[tuple[_Cat, str], int] = field(default_factory=dict)

    def has(self, cat: _Cat, key: str) -> bool:
        """Whether the page names `key` (of kind `cat`) anywhere."""
        return self.counts.get((cat, key), 0) > 0

    def count(self, cat: _Cat, key: str) -> int:
        """How often the page names `key`."""
        return self.counts.get((cat, key), 0)


_CENSUS_CATS = frozenset({_Cat.ACTOR, _Cat.PROGRAMME, _Cat.NUMBER, _Cat.DATE, _Cat.TERM})


def census(document: Document, watch: Watchlist) -> Census:
    """Count what the whole page names, for "new to the page" and "gone from the page"."""
    counts: Counter[tuple[_Cat, str]] = Counter()
    for _, block in document.iter_blocks():
        for item in features(readable_text(block), watch).items:
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


def page_context(old: Document, new: Document, watch: Watchlist) -> PageContext:
    """The census of both pages."""
    return PageContext(watch, census(old, watch), census(new, watch))


# -- the flags of one block ------------------------------------------------------------------


def block_flags(
    old_text: str | None,
    new_text: str | None,
    *,
    page: PageContext,
    section: str | None = None,
    limit: int = BLOCK_FLAGS,
) -> tuple[Flag, ...]:
    """The flags of one block that was added (`old_text` None), removed (`new_text` None) or
    edited, strongest first, at most `limit`."""
    if old_text == new_text:  # unchanged, or flagged with a neighbour (both None)
        return ()
    old = features(old_text, page.watch) if old_text else _EMPTY
    new = features(new_text, page.watch) if new_text else _EMPTY
    if old_text is None or new_text is None:
        flags = _whole_block(old, new, page, added=old_text is None)
    else:
        flags = _edited_block(old, new, page)
    flags = [f for f in flags if f.weight >= MIN_WEIGHT]
    ordered = sorted(enumerate(flags), key=lambda pair: (-pair[1].weight, pair[0]))
    return tuple(
        Flag(f.kind, f.weight, f.old, f.new, f.note, f.context, section) for _, f in ordered[:limit]
    )


class _Side:
    """One side of an edited block, for picking which occurrence of a word changed."""

    def __init__(self, features: _Features, other: _Features) -> None:
        self.features = features
        self.other_sentences = {_norm_space(s) for s in _sentences_of(other)}

    def changed_first(self, items: list[_Item]) -> list[_Item]:
        """Occurrences in sentences the other side lacks come first: those are the edits."""
        return sorted(
            items,
            key=lambda i: (_norm_space(self.features.sentence(i)) in self.other_sentences, i.start),
        )


def _sentences_of(features: _Features) -> list[str]:
    return [features.text[a:b] for a, b in features.spans]


def _norm_space(text: str) -> str:
    return " ".join(text.split())


def _delta(old: _Features, new: _Features, cat: _Cat) -> tuple[list[_Item], list[_Item]]:
    """The items of `cat` only the old side has and only the new side has (by key, counted),
    each in text order."""
    old_items, new_items = old.of(cat), new.of(cat)
    old_count = Counter(i.key for i in old_items)
    new_count = Counter(i.key for i in new_items)
    removed = _pick(old_items, old_count - new_count, _Side(old, new))
    added = _pick(new_items, new_count - old_count, _Side(new, old))
    return removed, added


def _pick(items: list[_Item], wanted: Counter[str], side: _Side) -> list[_Item]:
    out: list[_Item] = []
    left = Counter(wanted)
    for item in side.changed_first(items):
        if left[item.key] > 0:
            left[item.key] -= 1
            out.append(item)
    return sorted(out, key=lambda i: i.start)


def _context(features: _Features, item: _Item) -> str:
    """The sentence the item is in; a long one cut at word boundaries around the item."""
    sentence = " ".join(features.sentence(item).split())
    if len(sentence) <= CONTEXT_CHARS:
        return sentence
    at = max(sentence.find(item.text), 0)
    start = max(0, min(at - CONTEXT_CHARS // 3, len(sentence) - CONTEXT_CHARS))
    end = start + CONTEXT_CHARS
    if start > 0:
        start = sentence.find(" ", start) + 1 or start
    if end < len(sentence):
        end = sentence.rfind(" ", start, end) if sentence.rfind(" ", start, end) > at else end
    piece = sentence[start:end].strip(" ,;:")
    return ("…" if start > 0 else "") + piece + ("…" if end < len(sentence) else "")


def _has_counterpart(sentence: str, other: _Features) -> bool:
    """Whether the other side has a sentence that is this one, edited."""
    words = sentence.casefold().split()
    for candidate in _sentences_of(other):
        matcher = difflib.SequenceMatcher(None, words, candidate.casefold().split(), autojunk=False)
        if (
            matcher.real_quick_ratio() >= SAME_SENTENCE_RATIO
            and matcher.ratio() >= SAME_SENTENCE_RATIO
        ):
            return True
    return False


def _edited_block(old: _Features, new: _Features, page: PageContext) -> list[Flag]:
    flags: list[Flag] = []
    flags += _modality(old, new)
    flags += _negation(old, new)
    flags += _dates(old, new)
    flags += _numbers(old, new)
    flags += _actors_edited(old, new, page)
    flags += _programmes_edited(old, new, page)
    flags += _intensity(old, new)
    flags += _terms(old, new, page)
    return flags


def _whole_block(old: _Features, new: _Features, page: PageContext, *, added: bool) -> list[Flag]:
    """A block that is all new (or all gone): only what is new to (gone from) the page."""
    side = new if added else old
    other_page = page.old if added else page.new
    flags: list[Flag] = []
    names = [i.key for i in side.of(_Cat.ACTOR) if not other_page.has(_Cat.ACTOR, i.key)]
    if names:
        first = next(i for i in side.of(_Cat.ACTOR) if i.key in names)
        flags.append(
            _actor_flag(_dedupe(names), side, first, added=added, page_level=True, whole=True)
        )
    for item in _first_each(side.of(_Cat.PROGRAMME)):
        if not other_page.has(_Cat.PROGRAMME, item.key):
            flags.append(_programme_flag(item, side, added=added, page_level=True))
    for item in _first_each(side.of(_Cat.NUMBER)):
        if item.group in ("amount", "percent") and not other_page.has(_Cat.NUMBER, item.key):
            flags.append(
                Flag(
                    FlagKind.NUMBER,
                    W_AMOUNT_PAGE,
                    None if added else item.text,
                    item.text if added else None,
                    f"{'a new' if added else 'an'} {_number_noun(item)} "
                    f"{'on the page' if added else 'no longer on the page'}",
                    _context(side, item),
                )
            )
    for item in _first_each(side.of(_Cat.DATE)):
        if item.group in ("date", "month", "range") and not other_page.has(_Cat.DATE, item.key):
            flags.append(
                Flag(
                    FlagKind.DATE,
                    W_DATE_PAGE,
                    None if added else item.text,
                    item.text if added else None,
                    "a date new to the page" if added else "a date no longer on the page",
                    _context(side, item),
                )
            )
    flags += _terms(old, new, page)
    return flags


def _first_each(items: Iterable[_Item]) -> list[_Item]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return out


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


_STRENGTH_WORD = {
    ModalStrength.OBLIGATION: "an obligation",
    ModalStrength.COMMITMENT: "a commitment",
    ModalStrength.INTENTION: "an intention",
    ModalStrength.POSSIBILITY: "a possibility",
}


def _modality(old: _Features, new: _Features) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.MODAL)
    flags = []
    for before, after in zip(removed, added, strict=False):
        a, b = ModalStrength(before.detail), ModalStrength(after.detail)
        steps = abs(int(a) - int(b))
        if steps == 0:
            weight = W_MODAL_SAME
            note = f"one modal for another of the same strength ({_STRENGTH_WORD[a][2:]})"
        else:
            weight = W_MODAL_BASE + W_MODAL_PER_STEP * steps
            direction = "weaker" if b < a else "stronger"
            note = f"{direction}: {_STRENGTH_WORD[a]} became {_STRENGTH_WORD[b]}"
        flags.append(
            Flag(FlagKind.MODALITY, weight, before.text, after.text, note, _context(new, after))
        )
    for item in removed[len(added) :]:
        flags.append(
            Flag(
                FlagKind.MODALITY,
                W_MODAL_ALONE,
                item.text,
                None,
                f"{_STRENGTH_WORD[ModalStrength(item.detail)]} dropped: the statement is now "
                "plainer (check whether it became a fact or lost its commitment)",
                _context(old, item),
            )
        )
    for item in added[len(removed) :]:
        flags.append(
            Flag(
                FlagKind.MODALITY,
                W_MODAL_ALONE,
                None,
                item.text,
                f"{_STRENGTH_WORD[ModalStrength(item.detail)]} added where the text stated plainly",
                _context(new, item),
            )
        )
    return flags


def _negation(old: _Features, new: _Features) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.NEGATION)
    flags = []
    for before, after in zip(removed, added, strict=False):
        flags.append(
            Flag(
                FlagKind.NEGATION,
                W_NEGATION_REWORD,
                before.text,
                after.text,
                "one negation for another",
                _context(new, after),
            )
        )
    # A negation gone from the old text, or new in the new one: the same rule, mirrored.
    unpaired = [(item, old, new, True) for item in removed[len(added) :]]
    unpaired += [(item, new, old, False) for item in added[len(removed) :]]
    for item, here, there, gone in unpaired:
        flip = _has_counterpart(here.sentence(item), there)
        if flip:
            note = (
                f"negation {'removed' if gone else 'added'}: the sentence may now say the opposite"
            )
        else:
            note = "a negative statement is gone" if gone else "a new negative statement"
        flags.append(
            Flag(
                FlagKind.NEGATION,
                W_NEGATION_FLIP if flip else W_NEGATION_NEW,
                item.text if gone else None,
                None if gone else item.text,
                note,
                _context(here, item),
            )
        )
    return flags


def _pairs_by_group(
    removed: list[_Item], added: list[_Item]
) -> tuple[list[tuple[_Item, _Item]], list[_Item], list[_Item]]:
    """Pair removed with added items of the same sort in order, then any sort in order."""
    pairs: list[tuple[_Item, _Item]] = []
    rest_old, rest_new = list(removed), list(added)
    for sort in dict.fromkeys(i.group for i in removed):
        olds = [i for i in rest_old if i.group == sort]
        news = [i for i in rest_new if i.group == sort]
        for a, b in zip(olds, news, strict=False):
            pairs.append((a, b))
            rest_old.remove(a)
            rest_new.remove(b)
    for a, b in zip(list(rest_old), list(rest_new), strict=False):
        pairs.append((a, b))
        rest_old.remove(a)
        rest_new.remove(b)
    return pairs, rest_old, rest_new


def _dates(old: _Features, new: _Features) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.DATE)
    pairs, gone, came = _pairs_by_group(removed, added)
    flags = [
        Flag(FlagKind.DATE, W_DATE_CHANGED, a.text, b.text, "a date changed", _context(new, b))
        for a, b in pairs
    ]
    for item, side, is_new in [(i, old, False) for i in gone] + [(i, new, True) for i in came]:
        weight = W_YEAR_ALONE if item.group in ("year", "month", "day") else W_DATE_ALONE
        flags.append(
            Flag(
                FlagKind.DATE,
                weight,
                None if is_new else item.text,
                item.text if is_new else None,
                "a date added" if is_new else "a date dropped",
                _context(side, item),
            )
        )
    return flags


def _number_noun(item: _Item) -> str:
    return {"amount": "amount", "percent": "percentage", "ordinal": "ordinal"}.get(
        item.group, "number"
    )


def _numbers(old: _Features, new: _Features) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.NUMBER)
    pairs, gone, came = _pairs_by_group(removed, added)
    flags = []
    for a, b in pairs:
        big = a.group in ("amount", "percent") or b.group in ("amount", "percent")
        flags.append(
            Flag(
                FlagKind.NUMBER,
                W_AMOUNT_CHANGED if big else W_NUMBER_CHANGED,
                a.text,
                b.text,
                f"{'an' if _number_noun(b)[0] in 'ao' else 'a'} {_number_noun(b)} changed",
                _context(new, b),
            )
        )
    for item, side, is_new in [(i, old, False) for i in gone] + [(i, new, True) for i in came]:
        big = item.group in ("amount", "percent")
        flags.append(
            Flag(
                FlagKind.NUMBER,
                W_AMOUNT_ALONE if big else W_NUMBER_ALONE,
                None if is_new else item.text,
                item.text if is_new else None,
                f"{'an' if _number_noun(item)[0] in 'ao' else 'a'} {_number_noun(item)} "
                f"{'added' if is_new else 'dropped'}",
                _context(side, item),
            )
        )
    return flags


def _actor_flag(
    names: list[str],
    side: _Features,
    first: _Item,
    *,
    added: bool,
    page_level: bool,
    whole: bool = False,
) -> Flag:
    listed = ", ".join(names)
    plural = len(names) > 1
    if page_level:
        weight = W_ACTOR_PAGE_BLOCK if whole else W_ACTOR_PAGE
        if added:
            note = f"{'new actors' if plural else 'a new actor'} on the page"
        else:
            note = f"{'actors' if plural else 'an actor'} no longer named anywhere on the page"
    else:
        weight = W_ACTOR_HERE
        note = (
            "now named in this passage (already named elsewhere on the page)"
            if added
            else "no longer named in this passage (still named elsewhere on the page)"
        )
    return Flag(
        FlagKind.ACTOR,
        weight,
        None if added else listed,
        listed if added else None,
        note,
        _context(side, first),
    )


def _actors_edited(old: _Features, new: _Features, page: PageContext) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.ACTOR)
    flags = []
    for items, side, is_added, other_page in (
        (added, new, True, page.old),
        (removed, old, False, page.new),
    ):
        page_level = [i for i in items if not other_page.has(_Cat.ACTOR, i.key)]
        here = [i for i in items if other_page.has(_Cat.ACTOR, i.key)]
        for group, level in ((page_level, True), (here, False)):
            if group:
                flags.append(
                    _actor_flag(
                        _dedupe(i.key for i in group),
                        side,
                        group[0],
                        added=is_added,
                        page_level=level,
                    )
                )
    return flags


def _programme_flag(item: _Item, side: _Features, *, added: bool, page_level: bool) -> Flag:
    if page_level:
        weight = W_PROGRAMME
        note = (
            "a programme or agreement new to the page"
            if added
            else "a programme or agreement no longer named on the page"
        )
    else:
        weight = W_PROGRAMME_HERE
        note = (
            "a programme or agreement now named here (already named elsewhere on the page)"
            if added
            else "a programme or agreement no longer named here (still named elsewhere)"
        )
    return Flag(
        FlagKind.PROGRAMME,
        weight,
        None if added else item.text,
        item.text if added else None,
        note,
        _context(side, item),
    )


def _programmes_edited(old: _Features, new: _Features, page: PageContext) -> list[Flag]:
    removed, added = _delta(old, new, _Cat.PROGRAMME)
    flags = []
    for a, b in zip(removed, added, strict=False):
        flags.append(
            Flag(
                FlagKind.PROGRAMME,
                W_PROGRAMME,
                a.text,
                b.text,
                "a programme or agreement renamed or replaced",
                _context(new, b),
            )
        )
    for item in removed[len(added) :]:
        flags.append(
            _programme_flag(
                item, old, added=False, page_level=not page.new.has(_Cat.PROGRAMME, item.key)
            )
        )
    for item in added[len(removed) :]:
        flags.append(
            _programme_flag(
                item, new, added=True, page_level=not page.old.has(_Cat.PROGRAMME, item.key)
            )
        )
    return flags


def _intensity(old: _Features, new: _Features) -> list[Flag]:
    flags: list[Flag] = []
    # One intensifier (or hedge) for another ("steadfast" -> "unwavering") is a synonym, not
    # a change of strength: only what one side has more of counts.
    dropped, gained = _surplus(*_delta(old, new, _Cat.STRONGER))
    hedged_before, hedged_now = _surplus(*_delta(old, new, _Cat.HEDGE))
    for items, side, is_new, weight, note in (
        (dropped, old, False, W_WEAKER, "weaker: intensifying wording dropped"),
        (gained, new, True, W_STRONGER, "stronger: intensifying wording added"),
        (hedged_now, new, True, W_WEAKER, "weaker: a hedge added"),
        (hedged_before, old, False, W_STRONGER, "stronger: a hedge dropped"),
    ):
        if items:
            words = ", ".join(_dedupe(i.text for i in items))
            flags.append(
                Flag(
                    FlagKind.INTENSITY,
                    weight,
                    None if is_new else words,
                    words if is_new else None,
                    note,
                    _context(side, items[0]),
                )
            )
    before, after = _delta(old, new, _Cat.LADDER)
    for ladder in dict.fromkeys(i.group for i in before):
        olds = [i for i in before if i.group == ladder]
        news = [i for i in after if i.group == ladder]
        for a, b in zip(olds, news, strict=False):
            if a.detail == b.detail:
                continue
            weaker = b.detail < a.detail
            flags.append(
                Flag(
                    FlagKind.INTENSITY,
                    W_WEAKER if weaker else W_STRONGER,
                    a.text,
                    b.text,
                    f"{'weaker' if weaker else 'stronger'} {ladder}: "
                    f"“{a.text}” is a {'stronger' if weaker else 'weaker'} step than “{b.text}”",
                    _context(new, b),
                )
            )
    return flags


def _surplus(removed: list[_Item], added: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """What is left of each side after pairing them off in text order."""
    paired = min(len(removed), len(added))
    return removed[paired:], added[paired:]


def _terms(old: _Features, new: _Features, page: PageContext) -> list[Flag]:
    old_count = Counter(i.key for i in old.of(_Cat.TERM))
    new_count = Counter(i.key for i in new.of(_Cat.TERM))
    flags = []
    for term in page.watch.names:
        here_old, here_new = old_count[term], new_count[term]
        if here_old == here_new:
            continue
        on_old = page.old.count(_Cat.TERM, term)
        on_new = page.new.count(_Cat.TERM, term)
        appeared = on_old == 0 and on_new > 0
        vanished = on_new == 0 and on_old > 0
        more = here_new > here_old
        side = new if more else old
        item = next(i for i in side.of(_Cat.TERM) if i.key == term)
        if appeared or vanished:
            weight = W_TERM_NEW
            where = "new to" if appeared else "gone from"
            note = f"watched term {where} the page (mentions: {on_old} → {on_new})"
        elif on_old != on_new:
            weight = W_TERM_COUNT
            note = (
                f"watched term named {'more' if on_new > on_old else 'less'} often "
                f"(mentions on the page: {on_old} → {on_new}; here: {here_old} → {here_new})"
            )
        else:
            weight = W_TERM_MOVED
            note = (
                f"watched term moved (mentions here: {here_old} → {here_new}; "
                f"on the page: still {on_new})"
            )
        flags.append(
            Flag(
                FlagKind.TERM,
                weight,
                None if more else term,
                term if more else None,
                note,
                _context(side, item),
            )
        )
    return flags


__all__ = [
    "BLOCK_FLAGS",
    "MIN_WEIGHT",
    "REPORT_FLAGS",
    "SIGNIFICANT_WEIGHT",
    "Census",
    "Flag",
    "FlagKind",
    "PageContext",
    "block_flags",
    "census",
    "features",
    "is_significant",
    "page_context",
    "rank_flags",
]
