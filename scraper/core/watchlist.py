"""The watched terms of a target and the names found in a text. Owns `Watchlist`.

A watch list is resolved from a target's config entries against the word lists
(`scraper.core.words`): an entry naming a known actor or term watches it in all its variants,
any other entry is a term of its own. A `Watchlist` finds every known name and watched term in
a text (`mentions`) and caches compiled lookups and per-text results, since a run sees the same
paragraphs again and again. Pure: text in, data out.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, TypeVar

from scraper.core.document import Document
from scraper.core.text import WORD, PhraseIndex, Spelling, TextIndex, readable_text
from scraper.core.words import Group, GroupKind, Words, builtin_words

T = TypeVar("T")

# How many distinct texts a watchlist remembers the names of (pages repeat most blocks).
TEXT_CACHE_SIZE = 8192
_MEMO_LOCK = threading.Lock()


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


__all__ = [
    "TEXT_CACHE_SIZE",
    "Mention",
    "Term",
    "Watchlist",
    "default_watchlist",
    "resolve_watch",
    "watchlist_for",
]
