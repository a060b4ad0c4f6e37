"""Word-level diffs of two texts, with diff-match-patch. Owns `word_diff`.

Words are mapped to single characters (the dmp "line mode" trick applied to words), diffed,
cleaned up semantically and mapped back, so insertions and deletions fall on whole words; a
text so rewritten that little is kept is shown replaced whole. Pure: strings in, parts out.

The cost is bounded in the size of a block: dmp's cost grows with the square of the stretch
between the texts' common start and end, so a stretch longer than `WORD_DIFF_MAX_TOKENS` is
not diffed word by word but shown replaced whole between the unchanged start and end
(`oversized_stretch` says so, for the block's note). The bound is on the input, not on a
clock, so the output never depends on the machine's speed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from diff_match_patch import diff_match_patch

from scraper.core.change import DiffPart, Op

# dmp gives up refining after this many seconds and returns a coarser (still exact) diff.
# Page blocks are a few hundred words and diff in milliseconds; this only guards pathological
# input, so in practice the output does not depend on machine speed.
DIFF_TIMEOUT_SECONDS = 2.0
# Below this share of kept text a word diff reads as confetti: show it as a replacement.
REWRITE_KEEP_SHARE = 0.3
# The most tokens (words and marks, both texts together) of the changed stretch that are
# diffed word by word: a few hundred milliseconds of dmp at worst. A page's paragraphs are a
# few hundred tokens; a stretch past this is shown replaced whole, with a note.
WORD_DIFF_MAX_TOKENS = 3000
# Private Use code points in the Basic Multilingual Plane (U+E000–U+F8FF).
_BMP_PRIVATE = 0xF900 - 0xE000

# A word (letters/digits, keeping apostrophes, hyphens and digit groups such as "2,000"
# together), or one punctuation mark, each with its trailing whitespace; or leading whitespace.
WORD = re.compile(r"\w+(?:(?:['’\-]|[.,](?=\d))\w+)*\s*|[^\w\s]\s*|\s+")


def tokenize(text: str) -> list[str]:
    """Split text into words, each with its trailing whitespace; joined they give `text`."""
    return WORD.findall(text)


# Remembered across diffs: a check's "since" reports diff the same edited blocks against the
# latest version again and again. A result is a tuple of frozen parts: safe to share.
@functools.lru_cache(maxsize=4096)
def word_diff(old: str, new: str) -> tuple[DiffPart, ...]:
    """A word-level diff-match-patch diff of two texts, semantically cleaned up.

    Words are mapped to single characters (the dmp "line mode" trick applied to words), diffed,
    mapped back and cleaned up, so insertions and deletions fall on whole words. When so
    little is kept that the result would be confetti, the whole text is shown replaced.
    """
    if old == new:
        return (DiffPart(Op.EQUAL, old),) if old else ()
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    head, tail = common_ends(old_tokens, new_tokens)
    if len(old_tokens) + len(new_tokens) - 2 * (head + tail) > WORD_DIFF_MAX_TOKENS:
        return _stretch_replaced(old_tokens, new_tokens, head, tail)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    chars_old, chars_new, table = _words_to_chars(old_tokens, new_tokens)
    diffs = dmp.diff_main(chars_old, chars_new, False)
    # Cleaned up while still one character per word: on real characters dmp would factor
    # shared letters out of replaced words ("year|s." for "years." → "challenges.").
    dmp.diff_cleanupSemantic(diffs)
    dmp.diff_charsToLines(diffs, table)
    parts = tuple(DiffPart(Op(op), text) for op, text in diffs if text)
    kept = sum(len(p.text.strip()) for p in parts if p.op is Op.EQUAL)
    edits = sum(1 for p in parts if p.op is not Op.EQUAL)
    longest = max(len(old.strip()), len(new.strip()))
    if edits > 2 and kept < REWRITE_KEEP_SHARE * longest:
        return tuple(
            DiffPart(op, text) for op, text in ((Op.DELETE, old), (Op.INSERT, new)) if text
        )
    return parts


def oversized_stretch(old: str, new: str) -> int:
    """How many tokens the changed stretch of `old` → `new` holds when it is too long to diff
    word by word (`word_diff` shows it replaced whole); 0 when it is diffed as usual."""
    if old == new:
        return 0
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    head, tail = common_ends(old_tokens, new_tokens)
    stretch = len(old_tokens) + len(new_tokens) - 2 * (head + tail)
    return stretch if stretch > WORD_DIFF_MAX_TOKENS else 0


def common_ends(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """How many items the two sequences share at their start, and then (not overlapping
    it) at their end: what any diff keeps unchanged, found in linear time."""
    most = min(len(old), len(new))
    head = 0
    while head < most and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < most - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def _stretch_replaced(old: list[str], new: list[str], head: int, tail: int) -> tuple[DiffPart, ...]:
    """The common start, the old stretch deleted, the new one inserted, the common end."""
    parts = (
        (Op.EQUAL, old[:head]),
        (Op.DELETE, old[head : len(old) - tail]),
        (Op.INSERT, new[head : len(new) - tail]),
        (Op.EQUAL, old[len(old) - tail :]),
    )
    return tuple(DiffPart(op, "".join(tokens)) for op, tokens in parts if tokens)


def diff_old_text(parts: Iterable[DiffPart]) -> str:
    """The old text a diff was made from (its equal and deleted parts)."""
    return "".join(p.text for p in parts if p.op is not Op.INSERT)


def diff_new_text(parts: Iterable[DiffPart]) -> str:
    """The new text a diff was made from (its equal and inserted parts)."""
    return "".join(p.text for p in parts if p.op is not Op.DELETE)


def _words_to_chars(old: list[str], new: list[str]) -> tuple[str, str, dict[int, str]]:
    """Map each distinct word (with trailing space) to one character, as dmp's line mode does.

    The characters come from the Private Use Areas, so none of them is whitespace or
    punctuation to dmp's semantic scoring, which would otherwise slide edits around.
    """
    table: dict[int, str] = {}
    index: dict[str, int] = {}

    def encode(tokens: list[str]) -> str:
        chars = []
        for token in tokens:
            code = index.get(token)
            if code is None:
                code = _private_char(len(index))
                index[token] = code
                table[code] = token
            chars.append(chr(code))
        return "".join(chars)

    return encode(old), encode(new), table


def _private_char(n: int) -> int:
    """The n-th Private Use code point: U+E000–U+F8FF, then planes 15 and 16."""
    if n < _BMP_PRIVATE:
        return 0xE000 + n
    return 0xF0000 + n - _BMP_PRIVATE


__all__ = [
    "DIFF_TIMEOUT_SECONDS",
    "WORD",
    "WORD_DIFF_MAX_TOKENS",
    "common_ends",
    "diff_new_text",
    "diff_old_text",
    "oversized_stretch",
    "tokenize",
    "word_diff",
]
