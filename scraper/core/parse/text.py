"""Text as the parser keeps it: whitespace collapsed, invisible and control characters gone.

Owns the one normalisation every piece of page text goes through (block text, labels,
captions, alt text, the title) and the small helpers that read an element's text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, TypeGuard

from bs4.element import NavigableString, PreformattedString

# Zero-width characters and the soft hyphen: invisible on the page, so never a change.
_INVISIBLE: Final = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`) and the C0/C1 control
# characters other than whitespace: a page may carry them, a reader never sees them, and a
# terminal that prints them obeys them. They are never content.
CONTROLS: Final = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)


def norm(text: str) -> str:
    """Collapse whitespace (NBSP and narrow NBSP included), drop zero-width and control
    characters, compose to NFC."""
    if CONTROLS.search(text):
        text = CONTROLS.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return " ".join(text.split())


def mass(text: str) -> int:
    """How much text a string holds, whitespace not counted."""
    return len("".join(text.split()))


def is_text(node: object) -> TypeGuard[NavigableString]:
    """Whether a node is page text (not a comment, a doctype or a processing instruction)."""
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def clip(text: str, limit: int = 80) -> str:
    """Text short enough to quote in a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
