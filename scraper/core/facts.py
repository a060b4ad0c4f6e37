"""The facts of a version that survive translation, and two versions compared on them. Owns
`Fact`.

Two versions of a page in different languages share few words but many facts: the dates
("juillet 2024" is July 2024), the numbers and amounts ("319 millions USD" is USD 319 million),
the acronyms ("OTAN" is NATO) and the names of a small table (`data/translations.toml`), and how
many sections the page has. `page_facts` reads them from a document, each with the sentence it
came from; `compare_facts` says which facts of one version the other does not carry. Dates and
numbers are read by `scraper.core.quantities` (the reader the change flags use), in the page's
language.

How facts are counted:
- A date with a month or a day, an amount, a percentage and a count count every time they are
  written: the English page naming July 2024 twice (an airworthiness agreement and the
  Washington summit) holds two facts, and a French page naming it once lacks one. Which one it
  lacks is told by the company each keeps: the other facts of its sentence, a rare one
  ("Washington") weighing more than one on every line ("NATO").
- A bare year, an acronym and a name count once per page: a translation that writes
  "l'Alliance" where the original repeats "NATO", or drops a repeated year, lacks nothing.
- A number written as a word ("four partners", "quatre") is not a fact: translations spell
  numbers freely. Neither is the page's title.
- The section count is one fact. Sections are also matched across the two versions by the
  dates and numbers they share; sections that match out of order are listed.

Pure: documents in, data out.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from scraper.core.document import Document
from scraper.core.quantities import dates_and_numbers
from scraper.core.text import readable_text, sentence_at, sentence_spans

NAMES_FILE = "translations.toml"
# Any word of two or more capitals (and digits) is an acronym, but a Roman numeral is not.
_ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?!\w)")
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "‐": "-", "‑": "-"})
# How many documents' facts are remembered (content hash and language -> facts).
FACTS_CACHE_SIZE = 64
_CACHE: dict[tuple[str, str], tuple[Fact, ...]] = {}
_CACHE_LOCK = threading.Lock()


class FactKind(StrEnum):
    """What a fact is."""

    DATE = "date"
    NUMBER = "number"
    ACRONYM = "acronym"
    NAME = "name"
    SECTIONS = "sections"


@dataclass(frozen=True)
class Fact:
    """One fact of a version: its kind, the key compared across languages, the words as
    written, the sentence it came from, and where (section index and heading, block index in
    page order, offset in the block's text). `once`: it counts once per page."""

    kind: FactKind
    key: str
    text: str
    sentence: str
    section: int
    heading: str | None
    block: int
    start: int = 0
    once: bool = False

    @property
    def ident(self) -> tuple[FactKind, str]:
        """What two facts share when they are the same fact."""
        return (self.kind, self.key)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this fact (`section`: its heading, null for the lead)."""
        return {
            "kind": self.kind.value,
            "key": self.key,
            "text": self.text,
            "sentence": self.sentence,
            "section": self.heading,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        """Rebuild a fact from its JSON object (where it stood is not kept)."""
        return cls(
            kind=FactKind(data["kind"]),
            key=data["key"],
            text=data["text"],
            sentence=data["sentence"],
            section=-1,
            heading=data.get("section"),
            block=-1,
        )


@dataclass(frozen=True)
class FactComparison:
    """Two versions compared on their facts: the facts of `a` that `b` does not carry, those
    of `b` that `a` does not carry (each in page order), and sections that match out of order
    (heading on `a`, heading on `b`; None is the lead)."""

    missing_in_b: tuple[Fact, ...]
    missing_in_a: tuple[Fact, ...]
    out_of_order: tuple[tuple[str | None, str | None], ...] = ()


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """The table of names and acronyms, compiled: one pattern and each variant's fact."""

    pattern: re.Pattern[str]
    facts: dict[str, tuple[FactKind, str]]


def _fold(text: str, kind: FactKind) -> str:
    """A variant as looked up: one apostrophe, one hyphen, single spaces, and for a name the
    first letter in lower case."""
    text = " ".join(text.translate(_APOSTROPHES).split())
    return text if kind is FactKind.ACRONYM else text[:1].lower() + text[1:]


def _variant_regex(variant: str, kind: FactKind) -> str:
    parts = []
    for k, char in enumerate(variant):
        if char == "'":
            parts.append("['’‘]")
        elif char == "-":
            parts.append("[-‐‑]")
        elif char == " ":
            parts.append(r"\s+")
        elif k == 0 and kind is FactKind.NAME and char.lower() != char.upper():
            parts.append(f"[{char.lower()}{char.upper()}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


@cache
def _names() -> _Names:
    """The shipped table (`scraper/core/data/translations.toml`), compiled once."""
    folder = resources.files("scraper.core") / "data"
    data = tomllib.loads((folder / NAMES_FILE).read_text(encoding="utf-8"))
    facts: dict[str, tuple[FactKind, str]] = {}
    regexes: dict[str, str] = {}
    for entry in data["names"]:
        kind = FactKind(entry["kind"])
        for lang, variants in entry.items():
            if lang in ("key", "kind"):
                continue
            for variant in variants:
                facts[_fold(variant, kind)] = (kind, entry["key"])
                regexes[variant] = _variant_regex(variant, kind)
    # The longest variant first, so "Democratic People's Republic of Korea" wins over
    # "Republic of Korea".
    ordered = sorted(regexes, key=lambda v: (-len(v), v))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(regexes[v] for v in ordered) + r")(?!\w)")
    return _Names(pattern, facts)


def _lookup(text: str) -> tuple[FactKind, str] | None:
    table = _names().facts
    return table.get(_fold(text, FactKind.ACRONYM)) or table.get(_fold(text, FactKind.NAME))


def page_facts(document: Document, lang: str) -> tuple[Fact, ...]:
    """The facts of `document`, written in language `lang` (ISO 639-1), in page order
    (remembered for the last `FACTS_CACHE_SIZE` documents: a replay reads each twice)."""
    key = (document.content_hash, lang)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    facts = _read_facts(document, lang)
    with _CACHE_LOCK:
        if len(_CACHE) >= FACTS_CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = facts
    return facts


def _read_facts(document: Document, lang: str) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    block_no = 0
    for s_index, section in enumerate(document.sections):
        for block in section.blocks:
            where = (s_index, section.heading, block_no)
            facts.extend(_text_facts(readable_text(block), lang, where))
            block_no += 1
    headings = " · ".join(s.heading for s in document.sections if s.heading)
    count = str(len(document.sections))
    facts.append(Fact(FactKind.SECTIONS, count, count, headings, -1, None, block_no, once=True))
    return tuple(facts)


def _text_facts(text: str, lang: str, where: tuple[int, str | None, int]) -> list[Fact]:
    """The facts of one block's text: the table's names and acronyms, dates and numbers, then
    other acronyms ("USD" of "USD 319 million" is the amount's); each span of text read once."""
    section, heading, block = where
    found: list[tuple[FactKind, str, str, int, bool]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for match in _names().pattern.finditer(text):
        hit = _lookup(match.group())
        if hit is not None:
            found.append((hit[0], hit[1], match.group(), match.start(), True))
            taken.append(match.span())
    for q in dates_and_numbers(text, lang=lang):
        if not free(q.start, q.start + len(q.text)) or not any(c.isdigit() for c in q.text):
            continue  # a number written as a word is not a fact
        kind = FactKind.DATE if q.is_date else FactKind.NUMBER
        found.append((kind, q.key, q.text, q.start, q.sort == "year"))
        taken.append((q.start, q.start + len(q.text)))
    for match in _ACRONYM.finditer(text):
        if free(*match.span()) and not _ROMAN.match(match.group()):
            found.append((FactKind.ACRONYM, match.group(), match.group(), match.start(), True))
    found.sort(key=lambda item: item[3])
    spans = sentence_spans(text)
    return [
        Fact(kind, key, written, sentence_at(text, at, spans), section, heading, block, at, once)
        for kind, key, written, at, once in found
    ]


# -- comparing ------------------------------------------------------------------------------


def compare_facts(a: Sequence[Fact], b: Sequence[Fact]) -> FactComparison:
    """Which facts of `a` are not in `b`, and which of `b` are not in `a` (see the module
    docstring for how facts are counted and paired)."""
    groups_a, groups_b = _groups(a), _groups(b)
    context_a, context_b = _contexts(a), _contexts(b)
    # A rare fact says more about where it stands than one on every line ("NATO").
    weight = {
        ident: 1 / (len(groups_a.get(ident, ())) + len(groups_b.get(ident, ())))
        for ident in set(groups_a) | set(groups_b)
    }
    missing_in_b: list[Fact] = []
    missing_in_a: list[Fact] = []
    for ident in sorted(set(groups_a) | set(groups_b)):
        mine, theirs = groups_a.get(ident, []), groups_b.get(ident, [])
        once = (a[mine[0]] if mine else b[theirs[0]]).once
        if once:
            if mine and not theirs:
                missing_in_b.append(a[mine[0]])
            if theirs and not mine:
                missing_in_a.append(b[theirs[0]])
            continue
        left, right = _pair_up(
            mine, theirs, lambda i, j: sum(weight[k] for k in context_a[i] & context_b[j])
        )
        missing_in_b += [a[i] for i in left]
        missing_in_a += [b[j] for j in right]
    return FactComparison(
        missing_in_b=tuple(sorted(missing_in_b, key=_position)),
        missing_in_a=tuple(sorted(missing_in_a, key=_position)),
        out_of_order=_out_of_order(a, b),
    )


def _position(fact: Fact) -> tuple[int, int]:
    return (fact.block, fact.start)


def _groups(facts: Sequence[Fact]) -> dict[tuple[FactKind, str], list[int]]:
    groups: dict[tuple[FactKind, str], list[int]] = defaultdict(list)
    for k, fact in enumerate(facts):
        groups[fact.ident].append(k)
    return groups


def _contexts(facts: Sequence[Fact]) -> list[frozenset[tuple[FactKind, str]]]:
    """Each fact's company: the other facts of its sentence."""
    by_sentence: dict[tuple[int, str], set[tuple[FactKind, str]]] = defaultdict(set)
    for fact in facts:
        by_sentence[(fact.block, fact.sentence)].add(fact.ident)
    return [frozenset(by_sentence[(f.block, f.sentence)] - {f.ident}) for f in facts]


def _pair_up(
    mine: list[int], theirs: list[int], similarity: Callable[[int, int], float]
) -> tuple[list[int], list[int]]:
    """Pair the occurrences of one fact on both sides, those in the most similar company
    first (then in page order); return the unpaired ones of each side."""
    candidates = sorted((-similarity(i, j), i, j) for i in mine for j in theirs)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return [i for i in mine if i not in used_a], [j for j in theirs if j not in used_b]


def _out_of_order(
    a: Sequence[Fact], b: Sequence[Fact]
) -> tuple[tuple[str | None, str | None], ...]:
    """Sections of `a` whose best match on `b` (most shared dates and numbers) comes before
    the match of an earlier section of `a`."""
    sections_a, sections_b = _section_keys(a), _section_keys(b)
    out: list[tuple[str | None, str | None]] = []
    furthest = -1
    for index in sorted(sections_a):
        keys, heading = sections_a[index]
        best = max(
            sections_b.items(),
            key=lambda item: (len(keys & item[1][0]), -item[0]),
            default=None,
        )
        if best is None or not keys & best[1][0]:
            continue
        if best[0] < furthest:
            out.append((heading, best[1][1]))
        furthest = max(furthest, best[0])
    return tuple(out)


def _section_keys(
    facts: Sequence[Fact],
) -> dict[int, tuple[frozenset[tuple[FactKind, str]], str | None]]:
    keys: dict[int, set[tuple[FactKind, str]]] = defaultdict(set)
    headings: dict[int, str | None] = {}
    for fact in facts:
        if fact.kind in (FactKind.DATE, FactKind.NUMBER):
            keys[fact.section].add(fact.ident)
            headings[fact.section] = fact.heading
    return {k: (frozenset(v), headings[k]) for k, v in keys.items()}


__all__ = ["Fact", "FactComparison", "FactKind", "compare_facts", "page_facts"]
