"""Watched terms and the word lists behind every flag. Owns `Words`, `Watchlist`, term counts.

The word lists ship as data files in `scraper/data/` (actors, terms, modality, intensity,
programmes, spelling) and a config can extend them (`[words]`, read by `scraper.config`).
Everything here is pure: text in, data out, no clock, no archive. Reading the shipped lists is
reading the package, like the renderers read their templates.

Matching is by whole words: text is cut into words, each word folded to one spelling (lower
case, British spelling: "defense" is "defence", "-ize" is "-ise"), and phrases are looked up
word by word, so "Indo-Pacific", "Indo Pacific" and "indo-pacific" are one phrase and
"People’s" matches "People's". A word a list writes in capitals ("UN", "PRC") matches only
capitals, so "us" is not the United States. Where two known names overlap, the longest wins:
"Democratic People's Republic of Korea" is the DPRK, not the Republic of Korea.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import threading
import tomllib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import cache, cached_property
from importlib import resources
from typing import Any, Generic, TypeVar

from scraper.core.document import Block, BlockKind, Document, LastUpdated
from scraper.core.records import Version
from scraper.errors import ConfigError
from scraper.timespec import utc_iso

T = TypeVar("T")

# A word: a run of letters or digits. Hyphens and apostrophes separate words, so phrase
# matching decides what may stand between two words of one phrase.
WORD = re.compile(r"[^\W_]+")
# What may stand between two words of one phrase: spaces, one hyphen or dash, one apostrophe.
SOFT_GAP = re.compile(r"\s*[-‐‑–’'‘]?\s*")
# American endings written the British way by rule ("standardization" -> "standardisation").
_IZE = re.compile(r"(?<=\w\w)iz(e|es|ed|ing|ation|ations|er|ers)$")
_YZE = re.compile(r"(?<=\w)yz(e|es|ed|ing)$")
# A sentence ends at . ! or ? (and any closing quote or bracket) before a space and a capital,
# digit or opening quote.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)$")
# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "no",
        "nos",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "vs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "adm",
        "amb",
        "prof",
        "approx",
        "para",
        "art",
    ]
)
# How many distinct texts a watchlist remembers the names of (pages repeat most blocks).
TEXT_CACHE_SIZE = 8192
_MEMO_LOCK = threading.Lock()
DATA_FILES = (
    "actors.toml",
    "terms.toml",
    "modality.toml",
    "intensity.toml",
    "programmes.toml",
    "spelling.toml",
)


# -- text ------------------------------------------------------------------------------------


class Spelling:
    """Folds a word to one spelling: lower case, and British where British and American
    differ (by the data file's pairs and the -ize/-yze rule)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._american = {us.casefold(): gb.casefold() for gb, us in pairs}
        self._seen: dict[str, str] = {}

    def fold(self, word: str) -> str:
        """The folded form of one word."""
        folded = self._seen.get(word)
        if folded is None:
            low = word.casefold()
            folded = self._american.get(low)
            if folded is None:
                folded = _YZE.sub(r"ys\1", _IZE.sub(r"is\1", low))
            if len(self._seen) < 200_000:  # the vocabulary of a site, not unbounded input
                self._seen[word] = folded
        return folded


class TextIndex:
    """A text cut into words: each word's text, folded form, offsets, and whether it may be
    followed by the next word inside one phrase."""

    __slots__ = ("ends", "folded", "joined", "starts", "text", "words")

    def __init__(self, text: str, spelling: Spelling) -> None:
        self.text = text
        self.words: list[str] = []
        self.folded: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        for match in WORD.finditer(text):
            self.words.append(match.group())
            self.folded.append(spelling.fold(match.group()))
            self.starts.append(match.start())
            self.ends.append(match.end())
        self.joined = [
            _soft_gap(text[self.ends[k] : self.starts[k + 1]], self.words[k])
            for k in range(len(self.words) - 1)
        ]


def _soft_gap(gap: str, before: str) -> bool:
    if SOFT_GAP.fullmatch(gap):
        return True
    # "U.S.", "D.C.": a full stop after a single letter joins an abbreviation.
    return len(before) == 1 and gap.strip() == "."


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of `text`; abbreviations do not end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        last = _LAST_WORD.search(text, start, match.start())
        if last:
            word = last.group(1).rstrip(".").casefold()
            if word in _ABBREVIATIONS or len(word) == 1 or "." in word:
                continue
        end = match.start() + len(match.group().rstrip())
        spans.append((start, end))
        start = match.end()
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of `text`, in order."""
    return [text[a:b] for a, b in sentence_spans(text)]


def sentence_at(text: str, offset: int, spans: Sequence[tuple[int, int]] | None = None) -> str:
    """The sentence of `text` holding character `offset`."""
    spans = spans if spans is not None else sentence_spans(text)
    if not spans:
        return text
    k = max(0, bisect.bisect_right([a for a, _ in spans], offset) - 1)
    a, b = spans[k]
    return text[a:b]


def readable_text(block: Block) -> str:
    """A block's words as a reader reads them: label, a figure's alt text, text; no URLs."""
    parts = [f"{block.label}:"] if block.label else []
    if block.kind is BlockKind.FIGURE and block.alt:
        parts.append(block.alt)
    if block.text:
        parts.append(block.text)
    return " ".join(parts)


# -- phrase lookup ---------------------------------------------------------------------------


class _Node(Generic[T]):
    __slots__ = ("children", "entries", "prefixes")

    def __init__(self) -> None:
        self.children: dict[str, _Node[T]] = {}
        # (which words must be in capitals, value)
        self.entries: list[tuple[tuple[bool, ...], T]] = []
        # a wildcard last word: (folded prefix, capitals, value)
        self.prefixes: list[tuple[str, tuple[bool, ...], T]] = []


@dataclass(frozen=True)
class Match(Generic[T]):
    """A phrase found in a text: its offsets, its words' indices and what it stands for."""

    start: int
    end: int
    first: int
    last: int
    values: tuple[T, ...]


class PhraseIndex(Generic[T]):
    """Phrases looked up word by word; `find` returns the longest match at each place,
    without overlaps. A phrase ending in `*` matches any ending of its last word."""

    def __init__(self, spelling: Spelling) -> None:
        self.spelling = spelling
        self._root: _Node[T] = _Node()

    def add(self, phrase: str, value: T) -> None:
        """Index `phrase` (whole words) as standing for `value`."""
        wildcard = phrase.rstrip().endswith("*")
        words = WORD.findall(phrase)
        if not words:
            raise ValueError(f"no words in phrase {phrase!r}")
        caps = tuple(_is_capitals(w) for w in words)
        node = self._root
        for word in words[:-1] if wildcard else words:
            node = node.children.setdefault(self.spelling.fold(word), _Node())
        if wildcard:
            node.prefixes.append((self.spelling.fold(words[-1]), caps, value))
        else:
            node.entries.append((caps, value))

    def find(self, index: TextIndex) -> list[Match[T]]:
        """Every phrase in the text, longest first at each place, left to right."""
        out: list[Match[T]] = []
        folded, words, joined = index.folded, index.words, index.joined
        n = len(folded)
        i = 0
        while i < n:
            best_end = -1
            best: list[T] = []
            node: _Node[T] | None = self._root
            j = i
            while node is not None and j < n:
                if j > i and not joined[j - 1]:
                    break
                word = folded[j]
                for prefix, caps, value in node.prefixes:
                    if word.startswith(prefix) and _caps_ok(caps, words, i):
                        if j > best_end:
                            best_end, best = j, []
                        best.append(value)
                node = node.children.get(word)
                if node is not None and node.entries:
                    values = [v for caps, v in node.entries if _caps_ok(caps, words, i)]
                    if values:
                        if j > best_end:
                            best_end, best = j, []
                        best.extend(values)
                j += 1
            if best_end < 0:
                i += 1
                continue
            out.append(Match(index.starts[i], index.ends[best_end], i, best_end, tuple(best)))
            i = best_end + 1
        return out


def _is_capitals(word: str) -> bool:
    return any(c.isalpha() for c in word) and word.isupper()


def _caps_ok(caps: tuple[bool, ...], words: list[str], first: int) -> bool:
    return all(not need or words[first + k].isupper() for k, need in enumerate(caps))


# -- the word lists --------------------------------------------------------------------------


class GroupKind(StrEnum):
    """What a named group is: a country, an organisation, or a term."""

    COUNTRY = "country"
    ORGANISATION = "organisation"
    TERM = "term"


class ModalStrength(IntEnum):
    """How firmly a modal commits, weakest first."""

    POSSIBILITY = 1
    INTENTION = 2
    COMMITMENT = 3
    OBLIGATION = 4


@dataclass(frozen=True)
class Group:
    """A named thing with the ways the page writes it ("China": "PRC", "People's Republic …")."""

    name: str
    kind: GroupKind
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Ladder:
    """Words for one kind of action, from the weakest step to the strongest."""

    name: str
    steps: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Words:
    """Every word list the flags and the term counts use (the data files, plus extensions)."""

    actors: tuple[Group, ...] = ()
    terms: tuple[Group, ...] = ()
    default_watch: tuple[str, ...] = ()
    modality: tuple[tuple[ModalStrength, tuple[str, ...]], ...] = ()
    not_modal: tuple[str, ...] = ()
    negation: tuple[str, ...] = ()
    not_negation: tuple[str, ...] = ()
    stronger: tuple[str, ...] = ()
    hedges: tuple[str, ...] = ()
    ladders: tuple[Ladder, ...] = ()
    programme_heads: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    name_stopwords: tuple[str, ...] = ()
    spelling: tuple[tuple[str, str], ...] = ()

    @property
    def groups(self) -> tuple[Group, ...]:
        """Actors, then terms."""
        return self.actors + self.terms


WORDS_KEYS = (
    "actors",
    "terms",
    "default_watch",
    "modality",
    "negation",
    "intensity",
    "programmes",
    "spelling",
)


@cache
def builtin_words() -> Words:
    """The word lists shipped in `scraper/data/`."""
    merged: dict[str, Any] = {}
    folder = resources.files("scraper.core") / "data"
    for name in DATA_FILES:
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        merged.update(data)
    return parse_words(merged, source="scraper/data")


def parse_words(table: Mapping[str, Any], *, source: str, base: Words | None = None) -> Words:
    """Validate a table of word lists (the data files' shape) into `Words`, extending `base`.

    Actors and terms with a name already known get the new variants; new ones are added.
    `default_watch` replaces the default list; a ladder with a known name replaces it; every
    other list is extended. Anything malformed is a `ConfigError` naming `source` and the key.
    """
    base = base or Words()
    unknown = sorted(set(table) - set(WORDS_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown word list {unknown[0]!r}; allowed: {', '.join(WORDS_KEYS)}"
        )
    where = f"{source}: "
    actors = _merge_groups(base.actors, table.get("actors"), f"{where}actors", actor=True)
    terms = _merge_groups(base.terms, table.get("terms"), f"{where}terms", actor=False)
    default_watch = base.default_watch
    if "default_watch" in table:
        default_watch = _strings(table["default_watch"], f"{where}default_watch")
    modality_table = table.get("modality")
    if isinstance(modality_table, dict):
        modality_table = dict(modality_table)
        not_modal = _strings(modality_table.pop("ignore", []), f"{where}modality.ignore")
    else:
        not_modal = ()
    modality = _merge_modality(base.modality, modality_table, f"{where}modality")
    negation = _table(table.get("negation"), f"{where}negation", ("words", "not_negation"))
    intensity = _table(
        table.get("intensity"), f"{where}intensity", ("stronger", "hedges", "ladders")
    )
    programmes = _table(
        table.get("programmes"),
        f"{where}programmes",
        ("programme_heads", "agreements", "name_stopwords"),
    )
    spelling = _table(table.get("spelling"), f"{where}spelling", ("pairs",))

    def more(old: tuple[str, ...], part: dict[str, Any], key: str, at: str) -> tuple[str, ...]:
        return _dedupe(old + _strings(part.get(key, []), f"{at}.{key}"))

    return Words(
        actors=actors,
        terms=terms,
        default_watch=default_watch,
        modality=modality,
        not_modal=_dedupe(base.not_modal + not_modal),
        negation=more(base.negation, negation, "words", f"{where}negation"),
        not_negation=more(base.not_negation, negation, "not_negation", f"{where}negation"),
        stronger=more(base.stronger, intensity, "stronger", f"{where}intensity"),
        hedges=more(base.hedges, intensity, "hedges", f"{where}intensity"),
        ladders=_merge_ladders(base.ladders, intensity.get("ladders"), f"{where}intensity"),
        programme_heads=more(
            base.programme_heads, programmes, "programme_heads", f"{where}programmes"
        ),
        agreements=more(base.agreements, programmes, "agreements", f"{where}programmes"),
        name_stopwords=more(
            base.name_stopwords, programmes, "name_stopwords", f"{where}programmes"
        ),
        spelling=base.spelling + _pairs(spelling.get("pairs", []), f"{where}spelling.pairs"),
    )


def _table(raw: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table with {', '.join(keys)}")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(keys)}")
    return raw


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and WORD.search(x) for x in raw):
        raise ConfigError(f'{where} must be a list of words or phrases, e.g. ["China", "PRC"]')
    return tuple(x.strip() for x in raw)


def _pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    ok = isinstance(raw, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(w, str) and w.strip() for w in p)
        for p in raw
    )
    if not ok:
        raise ConfigError(
            f'{where} must be a list of [British, American] pairs, e.g. [["defence", "defense"]]'
        )
    return tuple((p[0].strip(), p[1].strip()) for p in raw)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _merge_groups(
    base: tuple[Group, ...], raw: Any, where: str, *, actor: bool
) -> tuple[Group, ...]:
    if raw is None:
        return base
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be an array of tables with name and variants")
    groups = {g.name.casefold(): g for g in base}
    order = [g.name.casefold() for g in base]
    for number, item in enumerate(raw, start=1):
        at = f"{where} #{number}"
        allowed = {"name", "variants", "kind"} if actor else {"name", "variants"}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f'{at}: must be a table with name = "…" and variants = [...]')
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise ConfigError(
                f"{at}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
            )
        name = item["name"].strip()
        if not WORD.search(name):
            raise ConfigError(f"{at}: name must hold a word")
        variants = _strings(item.get("variants", [name]), f"{at}: variants")
        kind = GroupKind.TERM
        if actor:
            value = item.get("kind", "country")
            if value not in (GroupKind.COUNTRY.value, GroupKind.ORGANISATION.value):
                raise ConfigError(f'{at}: kind must be "country" or "organisation", not {value!r}')
            kind = GroupKind(value)
        key = name.casefold()
        old = groups.get(key)
        if old is None:
            order.append(key)
            groups[key] = Group(name, kind, _dedupe((name, *variants)))
        else:
            groups[key] = Group(old.name, old.kind, _dedupe((*old.variants, *variants)))
    return tuple(groups[key] for key in order)


def _merge_modality(
    base: tuple[tuple[ModalStrength, tuple[str, ...]], ...], raw: Any, where: str
) -> tuple[tuple[ModalStrength, tuple[str, ...]], ...]:
    names = tuple(s.name.lower() for s in ModalStrength)
    part = _table(raw, where, (*names, "ignore"))
    merged = {strength: list(phrases) for strength, phrases in base}
    for key, value in part.items():
        strength = ModalStrength[key.upper()]
        merged.setdefault(strength, []).extend(_strings(value, f"{where}.{key}"))
    return tuple(
        (strength, _dedupe(merged[strength])) for strength in ModalStrength if strength in merged
    )


def _merge_ladders(base: tuple[Ladder, ...], raw: Any, where: str) -> tuple[Ladder, ...]:
    if raw is None:
        return base
    if not isinstance(raw, list):
        raise ConfigError(f"{where}.ladders must be an array of tables with name and steps")
    ladders = {ladder.name: ladder for ladder in base}
    for number, item in enumerate(raw, start=1):
        at = f"{where}.ladders #{number}"
        if not isinstance(item, dict) or set(item) != {"name", "steps"}:
            raise ConfigError(f'{at}: must be a table with name = "…" and steps = [[…], […]]')
        steps = item["steps"]
        if not isinstance(item["name"], str) or not isinstance(steps, list) or len(steps) < 2:
            raise ConfigError(f"{at}: needs a name and at least two steps, weakest first")
        ladders[item["name"]] = Ladder(
            item["name"], tuple(_strings(step, f"{at}: steps") for step in steps)
        )
    return tuple(ladders.values())


# -- watched terms ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One watched term: the name reports use, its variants, and the known group it is
    (None for a term of the user's own, matched on its own words)."""

    name: str
    variants: tuple[str, ...]
    group: str | None = None


@dataclass(frozen=True)
class Mention:
    """A known name (actor or term) or a watched term found in a text: the group's (or own
    term's) name, its kind, where, the words, and the watched term it counts for (if any)."""

    name: str
    kind: GroupKind
    start: int
    end: int
    text: str
    term: str | None = None


@dataclass(frozen=True)
class Watchlist:
    """The watched terms of a target and the word lists they are resolved against.

    Compiled lookups and per-text results are cached on the instance: a watchlist lives for a
    run and sees the same paragraphs again and again.
    """

    terms: tuple[Term, ...]
    words: Words
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The watched terms' names, in the configured order."""
        return tuple(term.name for term in self.terms)

    @cached_property
    def spelling(self) -> Spelling:
        """The spelling folder of these word lists."""
        return Spelling(self.words.spelling)

    @cached_property
    def _known(self) -> PhraseIndex[Group]:
        index: PhraseIndex[Group] = PhraseIndex(self.spelling)
        for group in self.words.groups:
            for variant in group.variants:
                index.add(variant, group)
        return index

    @cached_property
    def _own(self) -> PhraseIndex[Term]:
        index: PhraseIndex[Term] = PhraseIndex(self.spelling)
        for term in self.terms:
            if term.group is None:
                for variant in term.variants:
                    index.add(variant, term)
        return index

    @cached_property
    def _watched_groups(self) -> dict[str, str]:
        return {term.group: term.name for term in self.terms if term.group is not None}

    def single(self, entry: str) -> Watchlist:
        """A watchlist of one term: the watched term named `entry` (in any case), else
        `entry` resolved against these word lists (a known name in all its variants)."""
        for term in self.terms:
            if term.name.casefold() == entry.strip().casefold():
                return Watchlist((term,), self.words)
        return resolve_watch([entry], self.words)

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """A value compiled from these word lists once (other modules' lookups)."""
        with _MEMO_LOCK:
            if key not in self._memo:
                self._memo[key] = make()
            value: T = self._memo[key]
        return value

    def cached(self, key: str, text: str, compute: Callable[[str], T], *, size: int) -> T:
        """`compute(text)`, remembered for the last `size` texts under `key`. Thread-safe:
        the scheduler's checks may share a watchlist."""
        cache: OrderedDict[str, T] = self.memo(key, OrderedDict)
        with _MEMO_LOCK:
            if text in cache:
                cache.move_to_end(text)
                return cache[text]
        value = compute(text)
        with _MEMO_LOCK:
            cache[text] = value
            while len(cache) > size:
                cache.popitem(last=False)
        return value

    def index(self, text: str) -> TextIndex:
        """`text` cut into words, folded with these word lists' spelling."""
        return TextIndex(text, self.spelling)

    def mentions(self, text: str) -> tuple[Mention, ...]:
        """Every known name and every watched term of one's own in `text`, in order (cached
        per text); `Mention.term` says which watched term each counts for."""
        return self.cached("mentions", text, self._find_mentions, size=TEXT_CACHE_SIZE)

    def _find_mentions(self, text: str) -> tuple[Mention, ...]:
        index = self.index(text)
        watched = self._watched_groups
        out: list[Mention] = []
        for match in self._known.find(index):
            group = match.values[0]
            out.append(
                Mention(
                    group.name,
                    group.kind,
                    match.start,
                    match.end,
                    text[match.start : match.end],
                    watched.get(group.name),
                )
            )
        for own in self._own.find(index):
            for term in own.values:
                out.append(
                    Mention(
                        term.name,
                        GroupKind.TERM,
                        own.start,
                        own.end,
                        text[own.start : own.end],
                        term.name,
                    )
                )
        return _drop_glosses(sorted(out, key=lambda m: (m.start, m.end)), text)

    def count(self, text: str) -> Counter[str]:
        """How many times each watched term occurs in `text`."""
        return Counter(m.term for m in self.mentions(text) if m.term is not None)

    def count_document(self, document: Document) -> Counter[str]:
        """How many times each watched term occurs on the page."""
        total: Counter[str] = Counter()
        for _, block in document.iter_blocks():
            total.update(self.count(readable_text(block)))
        return total


# Between a name and its abbreviation in brackets: "People's Republic of China’s (PRC)".
_GLOSS_GAP = re.compile(r"(?:['’]s)?\s*\(\s*")
_GLOSS_END = re.compile(r"\s*\)")


def _drop_glosses(mentions: list[Mention], text: str) -> tuple[Mention, ...]:
    """One mention for a name followed by its abbreviation in brackets, not two."""
    out: list[Mention] = []
    for mention in mentions:
        previous = out[-1] if out else None
        if (
            previous is not None
            and (previous.name, previous.term) == (mention.name, mention.term)
            and _GLOSS_GAP.fullmatch(text, previous.end, mention.start)
            and _GLOSS_END.match(text, mention.end)
        ):
            continue
        out.append(mention)
    return tuple(out)


def resolve_watch(entries: Sequence[str | Sequence[str]], words: Words) -> Watchlist:
    """The watchlist for config entries: a string naming a known actor or term (by its name or
    any variant) watches that group; any other string is a term of its own; a list of strings
    is a term of its own whose first string is its name and all are its variants."""
    spelling = Spelling(words.spelling)
    known: dict[str, Group] = {}
    for group in words.groups:
        for variant in (group.name, *group.variants):
            known.setdefault(_phrase_key(variant, spelling), group)
    terms: list[Term] = []
    seen: set[str] = set()
    for entry in entries:
        if isinstance(entry, str):
            found = known.get(_phrase_key(entry, spelling))
            if found is not None:
                term = Term(entry.strip(), found.variants, group=found.name)
            else:
                term = Term(entry.strip(), (entry.strip(),))
        else:
            names = [e.strip() for e in entry]
            term = Term(names[0], tuple(names))
        key = term.group or term.name.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return Watchlist(tuple(terms), words)


def _phrase_key(phrase: str, spelling: Spelling) -> str:
    return " ".join(spelling.fold(w) for w in WORD.findall(phrase))


@cache
def default_watchlist() -> Watchlist:
    """The built-in watched terms over the built-in word lists."""
    words = builtin_words()
    return resolve_watch(words.default_watch, words)


def watchlist_for(entries: Sequence[str | Sequence[str]] | None, words: Words | None) -> Watchlist:
    """The watchlist of a target: its entries (or the default list) over `words` (or the
    built-in lists)."""
    if entries is None and words is None:
        return default_watchlist()
    words = words or builtin_words()
    return resolve_watch(words.default_watch if entries is None else entries, words)


# -- term changes between two versions -------------------------------------------------------


class TermStatus(StrEnum):
    """How a watched term's count moved between two versions."""

    APPEARED = "appeared"
    DISAPPEARED = "disappeared"
    MORE = "more"
    FEWER = "fewer"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TermChange:
    """A watched term's count on the old and the new page and, when the count changed, the
    sentences naming it that are new (`added`) or gone (`removed`)."""

    term: str
    old: int
    new: int
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def status(self) -> TermStatus:
        """Appeared, disappeared, more, fewer or unchanged."""
        if self.old == self.new:
            return TermStatus.UNCHANGED
        if self.old == 0:
            return TermStatus.APPEARED
        if self.new == 0:
            return TermStatus.DISAPPEARED
        return TermStatus.MORE if self.new > self.old else TermStatus.FEWER

    @property
    def changed(self) -> bool:
        """Whether the count changed."""
        return self.old != self.new

    def to_dict(self) -> dict[str, Any]:
        """The term's entry in a JSON report's `terms` object."""
        return {
            "old": self.old,
            "new": self.new,
            "status": self.status.value,
            "added": list(self.added),
            "removed": list(self.removed),
        }

    @classmethod
    def from_dict(cls, term: str, data: Mapping[str, Any]) -> TermChange:
        """Rebuild a term change from its JSON entry."""
        return cls(
            term,
            int(data["old"]),
            int(data["new"]),
            tuple(data.get("added", ())),
            tuple(data.get("removed", ())),
        )


def term_changes(old: Document, new: Document, watch: Watchlist) -> tuple[TermChange, ...]:
    """Each watched term's count on both pages, with the sentences naming it that changed."""
    old_counts, old_sentences = _term_census(old, watch)
    new_counts, new_sentences = _term_census(new, watch)
    out = []
    for name in watch.names:
        if old_counts[name] == new_counts[name]:
            # Same count: a sentence naming it was edited, which the report shows anyway.
            out.append(TermChange(name, old_counts[name], new_counts[name]))
            continue
        before = old_sentences.get(name, {})
        after = new_sentences.get(name, {})
        out.append(
            TermChange(
                name,
                old_counts[name],
                new_counts[name],
                added=tuple(s for s in after if s not in before),
                removed=tuple(s for s in before if s not in after),
            )
        )
    return tuple(out)


def _term_census(
    document: Document, watch: Watchlist
) -> tuple[Counter[str], dict[str, dict[str, None]]]:
    counts: Counter[str] = Counter()
    found: dict[str, dict[str, None]] = {}
    for _, block in document.iter_blocks():
        text = readable_text(block)
        mentions = [m for m in watch.mentions(text) if m.term is not None]
        if not mentions:
            continue
        spans = sentence_spans(text)
        for mention in mentions:
            assert mention.term is not None
            counts[mention.term] += 1
            found.setdefault(mention.term, {})[sentence_at(text, mention.start, spans)] = None
    return counts, found


# -- term counts over a history --------------------------------------------------------------


@dataclass(frozen=True)
class TermRow:
    """One version's counts of the watched terms, in the table's term order."""

    version: str
    captured_at: datetime
    last_updated: LastUpdated | None
    counts: tuple[int, ...]


@dataclass(frozen=True)
class TermStep:
    """A version where a term's count changed: the count before (None for the first version)
    and after."""

    version: str
    captured_at: datetime
    last_updated: LastUpdated | None
    term: str
    before: int | None
    after: int

    @property
    def status(self) -> TermStatus:
        """How the count moved (appeared for a first version that names the term)."""
        return TermChange(self.term, self.before or 0, self.after).status

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `log --term --json` prints."""
        return {
            "id": self.version,
            "captured_at": utc_iso(self.captured_at),
            "last_updated": self.last_updated.at.isoformat() if self.last_updated else None,
            "last_updated_text": self.last_updated.text if self.last_updated else None,
            "term": self.term,
            "before": self.before,
            "after": self.after,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class TermTable:
    """Watched-term counts for every version of a target, oldest first."""

    terms: tuple[str, ...]
    rows: tuple[TermRow, ...]

    def steps(self, term: str) -> tuple[TermStep, ...]:
        """The versions where `term`'s count changed (the first version when it names it)."""
        k = self.terms.index(term)
        out = []
        before: int | None = None
        for row in self.rows:
            after = row.counts[k]
            if after != (before or 0):
                out.append(
                    TermStep(row.version, row.captured_at, row.last_updated, term, before, after)
                )
            before = after
        return tuple(out)

    def to_text(self) -> str:
        """An aligned table: version, the page's stamp, one column per term."""
        widths = [max(len(name), 3) for name in self.terms]
        head = f"{'version':<18}  {'last updated':<18}"
        lines = [head + "".join(f"  {n:>{w}}" for n, w in zip(self.terms, widths, strict=True))]
        for row in self.rows:
            stamp = row.last_updated.text if row.last_updated else "(none)"
            cells = "".join(f"  {c:>{w}}" for c, w in zip(row.counts, widths, strict=True))
            lines.append(f"{row.version:<18}  {stamp:<18}{cells}")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """CSV: version, captured_at, last_updated (ISO 8601), then one column per term."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["version", "captured_at", "last_updated", *self.terms])
        for row in self.rows:
            stamp = row.last_updated.at.isoformat() if row.last_updated else ""
            writer.writerow([row.version, utc_iso(row.captured_at), stamp, *row.counts])
        return out.getvalue()


def term_table(versions: Iterable[Version], watch: Watchlist) -> TermTable:
    """Count the watched terms in every version (oldest first, as given)."""
    names = watch.names
    rows = []
    for version in versions:
        counts = watch.count_document(version.document)
        rows.append(
            TermRow(
                version.id,
                version.captured_at,
                version.document.last_updated,
                tuple(counts[name] for name in names),
            )
        )
    return TermTable(names, tuple(rows))


__all__ = [
    "DATA_FILES",
    "Group",
    "GroupKind",
    "Ladder",
    "Match",
    "Mention",
    "ModalStrength",
    "PhraseIndex",
    "Spelling",
    "Term",
    "TermChange",
    "TermRow",
    "TermStatus",
    "TermStep",
    "TermTable",
    "TextIndex",
    "Watchlist",
    "Words",
    "builtin_words",
    "default_watchlist",
    "parse_words",
    "readable_text",
    "resolve_watch",
    "sentence_at",
    "sentence_spans",
    "sentences",
    "term_changes",
    "term_table",
    "watchlist_for",
]
