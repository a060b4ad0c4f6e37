"""From a response body to a tree: decoding, cleaning the markup, building the soup, and
bounding its depth.

Owns: bytes to text (`UnicodeDammit`, with the byte order mark first and a page labelled
Latin-1 read as Windows-1252, as browsers do), what is cut from the markup before parsing (the
Wayback Machine's toolbar, an XML declaration, control characters), the one way a page becomes
a tree (`build_soup`, BeautifulSoup with the lxml tree builder), and nesting: inline elements
nested deeper than `INLINE_DEPTH` (an unclosed `<span>` repeated hundreds of times) are
flattened into their block, so nothing after them is lost and the walk stays within Python's
recursion limit; block nesting deeper than `MAX_DEPTH` is refused with a `ParseError`.
"""

from __future__ import annotations

import re
import warnings
from typing import Final

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector, UnicodeDammit

from scraper.core.parse.text import CONTROLS
from scraper.errors import ParseError

INLINE_DEPTH: Final = 100
"""Inline elements deeper than this are unwrapped into the block that holds them."""
MAX_DEPTH: Final = 200
"""Deeper block nesting than this, once inline elements are flattened, is refused."""

_WAYBACK_TOOLBAR: Final = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?<!--\s*END WAYBACK TOOLBAR INSERT\s*-->",
    re.S | re.I,
)
_XML_DECL: Final = re.compile(r"^\s*<\?xml[^>]*\?>")
# Elements that only style a run of text: flattening them keeps every word in its block.
_INLINE: Final = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i",
     "ins", "del", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
     "sup", "time", "tt", "u", "var", "nobr", "blink", "label"}
)  # fmt: skip
# Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding).
_WHATWG_ALIASES: Final = {"iso-8859-1": "windows-1252", "latin-1": "windows-1252",
                          "latin1": "windows-1252", "ascii": "windows-1252",
                          "us-ascii": "windows-1252", "iso8859-1": "windows-1252"}  # fmt: skip


def decode(data: bytes) -> str:
    """Bytes to text as a browser reads them: a byte order mark, else the page's declared
    charset, else UTF-8, else Windows-1252."""
    _, bom = EncodingDetector.strip_byte_order_mark(data)
    definite = [bom] if bom else []
    if not bom:
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        if declared:
            definite.append(_WHATWG_ALIASES.get(declared.lower(), declared))
    dammit = UnicodeDammit(
        data,
        known_definite_encodings=definite,
        user_encodings=["utf-8", "windows-1252"],
        is_html=True,
    )
    return dammit.unicode_markup or data.decode("utf-8", errors="replace")


def prepare(text: str) -> str:
    """The markup as it is parsed: the Wayback toolbar, an XML declaration and control
    characters cut out."""
    if "WAYBACK TOOLBAR" in text:
        text = _WAYBACK_TOOLBAR.sub("", text)
    text = _XML_DECL.sub("", text, count=1)
    if CONTROLS.search(text):
        text = CONTROLS.sub("", text)
    return text


def build_soup(markup: str) -> BeautifulSoup:
    """The tree of prepared markup (BeautifulSoup, lxml builder), nesting bounded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "lxml", multi_valued_attributes=None)
    _bound_depth(soup)
    return soup


def _bound_depth(soup: BeautifulSoup) -> None:
    """Flatten inline elements nested deeper than `INLINE_DEPTH`; refuse deeper blocks."""
    deep = _first_too_deep(soup, INLINE_DEPTH)
    if deep is None:
        return
    for el in deep:
        _splice_inline(el)
    if _first_too_deep(soup, MAX_DEPTH):
        raise ParseError(
            f"unreadable page: its elements are nested more than {MAX_DEPTH} levels deep "
            "(a page of unclosed tags); refusing it rather than reading part of it"
        )


def _first_too_deep(soup: BeautifulSoup, limit: int) -> list[Tag] | None:
    """The elements at depth `limit` that have child elements, or None when none is that
    deep (one pass, no recursion)."""
    found: list[Tag] = []
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        el, depth = stack.pop()
        children = [c for c in el.contents if isinstance(c, Tag)]
        if not children:
            continue
        if depth >= limit:
            found.append(el)
            continue
        stack.extend((c, depth + 1) for c in children)
    return found or None


def _splice_inline(el: Tag) -> None:
    """Replace every inline element under `el` by its contents, keeping blocks (and their
    own inline elements, spliced the same way) in document order."""
    pending = [el]
    while pending:
        block = pending.pop()
        flat: list[object] = []
        stack = list(reversed(block.contents))
        while stack:
            node = stack.pop()
            if isinstance(node, Tag) and node.name in _INLINE:
                stack.extend(reversed(node.contents))
                continue
            flat.append(node)
            if isinstance(node, Tag):
                pending.append(node)
        _replace_contents(block, flat)


def _replace_contents(block: Tag, nodes: list[object]) -> None:
    """Make `nodes` (the block's descendants, in document order) its children."""
    block.clear()
    for node in nodes:
        block.append(node)  # type: ignore[arg-type]
