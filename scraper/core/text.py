"""The words of a text: folding, sentences, phrase lookup. Owns `TextIndex` and `PhraseIndex`.

Matching is by whole words: text is cut into words, each word folded to one spelling (lower
case, British spelling: "defense" is "defence", "-ize" is "-ise"), and phrases are looked up
word by word, so "Indo-Pacific", "Indo Pacific" and "indo-pacific" are one phrase and
"People’s" matches "People's". A word a list writes in capitals ("UN", "PRC") matches only
capitals, so "us" is not the United States. Where two known names overlap, the longest wins:
"Democratic People's Republic of Korea" is the DPRK, not the Republic of Korea.

Pure: text in, data out.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from scraper.core.document import Block, BlockKind

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


# -- words and sentences ---------------------------------------------------------------------


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


__all__ = [
    "WORD",
    "Match",
    "PhraseIndex",
    "Spelling",
    "TextIndex",
    "readable_text",
    "sentence_at",
    "sentence_spans",
    "sentences",
]
