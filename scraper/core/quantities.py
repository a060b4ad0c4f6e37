"""Dates and numbers in a text, each with a key that says what it means. Owns `Quantity`.

"16 Jul. 2024" and "16 July 2024" are one date (key `2024-07-16`), "$1.5 billion" and
"USD 1,500 million" one amount (`USD 1500000000`), "12%" and "12 per cent" one percentage, so
a flag compares what the text says, not how it is written. Dates are read first, so "2024" in
"July 2024" is not also a year or a count; each span of text is read once. Pure: text in, data
out.

French text (`lang="fr"`) is read with French month names ("juillet 2024", "1er août"),
ranges ("de 2010 à 2013"), amounts ("319 millions USD", "1,5 milliard d'euros"), the decimal
comma and space-separated thousands ("1 500", with a space, NBSP or thin space), and no
spelled-out numbers; its keys are the English ones, so "juillet 2024" and "July 2024" are
both `2024-07`. Any other language is read as English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

DATE_SORTS = frozenset({"range", "date", "month", "day", "year"})
MONTHS = (
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


@dataclass(frozen=True)
class Quantity:
    """A date or a number in a text: its sort (a date's "range", "date", "month", "day" or
    "year"; a number's "amount", "percent", "count" or "ordinal"), the key compared across
    versions, the words as written, and where they start."""

    sort: str
    key: str
    text: str
    start: int

    @property
    def is_date(self) -> bool:
        """Whether this is a date (else a number)."""
        return self.sort in DATE_SORTS


# French month names as written (with and without accents), and their abbreviations.
FRENCH_MONTHS = (
    ("janvier",),
    ("février", "fevrier"),
    ("mars",),
    ("avril",),
    ("mai",),
    ("juin",),
    ("juillet",),
    ("août", "aout"),
    ("septembre",),
    ("octobre",),
    ("novembre",),
    ("décembre", "decembre"),
)
_FRENCH_ABBREVIATIONS = {
    "janv": 1,
    "févr": 2,
    "fevr": 2,
    "fév": 2,
    "avr": 4,
    "juil": 7,
    "oct": 10,
    "nov": 11,
    "déc": 12,
    "dec": 12,
}
_MONTH_NUMBER = {
    **{name: k for k, name in enumerate(MONTHS, start=1)},
    **{name[:3]: k for k, name in enumerate(MONTHS, start=1)},
    "sept": 9,
    **{name: k for k, names in enumerate(FRENCH_MONTHS, start=1) for name in names},
    **_FRENCH_ABBREVIATIONS,
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_YEAR = r"(?:1[89]|20)\d{2}"
# What English and French share: "2010-2013", "16 Jul. 2024", "July 2024", a year alone.
_DASH_RANGE = rf"(?<![\w.,-])({_YEAR})\s*[-–—]\s*({_YEAR})\b"
_DAY_MONTH_YEAR = re.compile(rf"\b([0-3]?\d)\s+({_MONTH})\s*,?\s+({_YEAR})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+({_YEAR})\b")
_YEAR_ALONE = re.compile(rf"(?<![\w.,$€£/-])({_YEAR})(?![\w%/]|[.,]\d)")
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "range",
        re.compile(
            rf"\b(?:[Ff]rom|[Bb]etween)\s+({_YEAR})\s+(?:to|until|till|through|and)\s+({_YEAR})\b"
            rf"|{_DASH_RANGE}"
        ),
    ),
    ("date", _DAY_MONTH_YEAR),
    ("date", re.compile(rf"\b({_MONTH})\s+([0-3]?\d),\s+({_YEAR})\b")),
    ("month", _MONTH_YEAR),
    ("day", re.compile(rf"\b([0-3]?\d)\s+({_MONTH})(?!\w)")),
    (
        "month",
        re.compile(
            r"\b(January|February|March|April|June|July|August|September|October|November"
            r"|December)\b"
        ),
    ),
    ("year", _YEAR_ALONE),
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


# -- French ----------------------------------------------------------------------------------
# Full names before abbreviations ("juillet" before "juil."), longest first.
_FR_MONTH = (
    "(?i:"
    + "|".join(sorted((n for names in FRENCH_MONTHS for n in names), key=len, reverse=True))
    + "|(?:"
    + "|".join(sorted(_FRENCH_ABBREVIATIONS, key=len, reverse=True))
    + r"|sept)\.)"
)
_FR_DAY = r"(1er|[0-3]?\d)"
_FR_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "range",
        re.compile(rf"\b(?:[Dd]e|[Ee]ntre)\s+({_YEAR})\s+(?:à|et|au)\s+({_YEAR})\b|{_DASH_RANGE}"),
    ),
    ("date", re.compile(rf"\b{_FR_DAY}\s+({_FR_MONTH})\s+({_YEAR})\b")),
    ("date", _DAY_MONTH_YEAR),
    ("month", re.compile(rf"\b({_FR_MONTH})\s+({_YEAR})\b")),
    ("month", _MONTH_YEAR),
    ("day", re.compile(rf"\b{_FR_DAY}\s+({_FR_MONTH})(?!\w)")),
    ("year", _YEAR_ALONE),
)
# A French number: the decimal comma; thousands apart by a space, NBSP or (narrow) thin space.
_FR_NUM = r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_FR_SCALE = r"millions?|milliards?|billions?|mille|k|M|Md|Mds"
_FR_SCALES = {
    "mille": Decimal(10**3),
    "k": Decimal(10**3),
    "million": Decimal(10**6),
    "m": Decimal(10**6),
    "milliard": Decimal(10**9),
    "md": Decimal(10**9),
    "billion": Decimal(10**12),  # a French "billion" is 10^12
}
_FR_CURRENCIES = {
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
    "dollar": "USD",
    "eur": "EUR",
    "€": "EUR",
    "euro": "EUR",
    "gbp": "GBP",
    "£": "GBP",
    "livre": "GBP",
}
_FR_CURRENCY = (
    r"USD|EUR|GBP|US\$|\$|€|£|dollars?(?:\s+(?:américains|US))?|euros?|livres(?:\s+sterling)?"
)
_FR_NUMBER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            rf"(?<![\w.])(?P<cur>USD|EUR|GBP|US\$|\$|€|£)\s?(?P<num>{_FR_NUM})"
            rf"(?:\s?(?P<scale>{_FR_SCALE})\b)?"
        ),
    ),
    (
        "amount",
        re.compile(
            rf"(?<![\w.,-])(?P<num>{_FR_NUM})\s?(?:(?P<scale>{_FR_SCALE})\s*)?"
            rf"(?:de\s+|d['’]\s?)?(?P<cur>{_FR_CURRENCY})(?!\w)"
        ),
    ),
    ("percent", re.compile(rf"(?<![\w.,-])(?P<num>{_FR_NUM})\s?(?:%|pour\s?cent\b)")),
    (
        "count",
        re.compile(rf"(?<![\w.,-])(?P<num>{_FR_NUM})\s(?P<scale>millions?|milliards?|mille)\b"),
    ),
    ("count", re.compile(rf"(?<![\w.,/-])(?P<num>{_FR_NUM})(?![\w%/-]|[.,]\d)")),
)


def dates_and_numbers(text: str, *, lang: str = "en") -> list[Quantity]:
    """Dates first (so "2024" in "July 2024" is not also a year or a number), then amounts,
    percentages, scaled, plain and spelled-out numbers, each span taken once. `lang="fr"`
    reads French (see the module docstring); any other language is read as English."""
    if lang == "fr":
        return _read(text, _FRENCH_PASSES)
    return _read(text, _ENGLISH_PASSES)


KeyOf = Callable[[str, re.Match[str]], tuple[str, str] | None]
"""What a match means: its sort and key, or None when it means nothing after all."""


def _read(text: str, passes: Sequence[tuple[str, re.Pattern[str], KeyOf]]) -> list[Quantity]:
    """Run the patterns in order; each span of text is read by the first that means it."""
    taken: list[tuple[int, int]] = []
    out: list[Quantity] = []
    for sort, pattern, key_of in passes:
        for match in pattern.finditer(text):
            if not all(match.end() <= x or match.start() >= y for x, y in taken):
                continue
            found = key_of(sort, match)
            if found is None:
                continue
            taken.append(match.span())
            out.append(Quantity(found[0], found[1], match.group().strip(), match.start()))
    return out


def _date_of(sort: str, match: re.Match[str]) -> tuple[str, str] | None:
    # "1er août" is the first of August.
    groups = ["1" if g == "1er" else g for g in match.groups() if g is not None]
    key = _date_key(sort, groups)
    return None if key is None else (sort, key)


def _french_number_of(sort: str, match: re.Match[str]) -> tuple[str, str] | None:
    parts = match.groupdict()
    value = _french_decimal(parts["num"])
    if value is None:
        return None
    # "millions" -> "million", "Mds" -> "md", "dollars américains" -> "dollar"
    value *= _FR_SCALES.get((parts.get("scale") or "").lower().rstrip("s"), Decimal(1))
    if sort == "amount":
        currency = parts["cur"].lower().split()[0].rstrip("s")
        return sort, f"{_FR_CURRENCIES[currency]} {_plain(value)}"
    if sort == "percent":
        return sort, f"{_plain(value)}%"
    return sort, _plain(value)


def _french_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(re.sub(r"[ \u00a0\u202f\u2009]", "", text).replace(",", "."))
    except InvalidOperation:
        return None


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


_ENGLISH_PASSES: tuple[tuple[str, re.Pattern[str], KeyOf], ...] = (
    *((sort, pattern, _date_of) for sort, pattern in _DATE_PATTERNS),
    ("amount", _AMOUNT, _number_key),
    ("percent", _PERCENT, _number_key),
    ("count", _SCALED, _number_key),
    ("count", _PLAIN, _number_key),
    ("count", _WORD_NUMBER, _number_key),
)
_FRENCH_PASSES: tuple[tuple[str, re.Pattern[str], KeyOf], ...] = (
    *((sort, pattern, _date_of) for sort, pattern in _FR_DATE_PATTERNS),
    *((sort, pattern, _french_number_of) for sort, pattern in _FR_NUMBER_PATTERNS),
)


__all__ = ["DATE_SORTS", "FRENCH_MONTHS", "MONTHS", "Quantity", "dates_and_numbers"]
