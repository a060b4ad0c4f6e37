"""Dates and numbers in a text, each with a key that says what it means. Owns `Quantity`.

"16 Jul. 2024" and "16 July 2024" are one date (key `2024-07-16`), "$1.5 billion" and
"USD 1,500 million" one amount (`USD 1500000000`), "12%" and "12 per cent" one percentage, so
a flag compares what the text says, not how it is written. Dates are read first, so "2024" in
"July 2024" is not also a year or a count; each span of text is read once. Pure: text in, data
out.
"""

from __future__ import annotations

import re
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


_MONTH_NUMBER = {
    **{name: k for k, name in enumerate(MONTHS, start=1)},
    **{name[:3]: k for k, name in enumerate(MONTHS, start=1)},
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


def dates_and_numbers(text: str) -> list[Quantity]:
    """Dates first (so "2024" in "July 2024" is not also a year or a number), then amounts,
    percentages, scaled, plain and spelled-out numbers, each span taken once."""
    taken: list[tuple[int, int]] = []
    out: list[Quantity] = []

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
            out.append(Quantity(sort, key, match.group(), match.start()))
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
            out.append(Quantity(real_sort, key, match.group().strip(), match.start()))
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


__all__ = ["DATE_SORTS", "MONTHS", "Quantity", "dates_and_numbers"]
