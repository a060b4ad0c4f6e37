"""From a response body to a tree: decoding, cleaning the markup, building the soup, and
bounding its depth.

Owns: bytes to text (`UnicodeDammit`, with the byte order mark first and a page labelled
Latin-1 read as Windows-1252, as browsers do), what is cut from the markup before parsing (the
Wayback Machine's toolbar, an XML declaration, control characters), the one way a page becomes
a tree (`build_soup`, BeautifulSoup with the lxml tree builder), and nesting: inline elements
nested deeper than `INLINE_DEPTH` (an unclosed `<span>` repeated hundreds of times) are
flattened into their block, so nothing after them is lost and the walk stays within Python's
recursion limit; block nesting deeper than `MAX_DEPTH` is refused with a `ParseError`
(no page nests blocks that deep; reading part of one would lose the rest silently).
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
"""Block nesting (inline elements not counted) deeper than this is refused."""

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
    """Refuse block nesting deeper than `MAX_DEPTH`; flatten inline elements nested deeper
    than `INLINE_DEPTH`."""
    deepest_block, deep = _depths(soup)
    if deepest_block > MAX_DEPTH:
        raise ParseError(
            f"unreadable page: its elements are nested more than {MAX_DEPTH} levels deep "
            "(a page of unclosed tags); refusing it rather than reading part of it"
        )
    for el in deep:
        _splice_inline(el)


def _depths(soup: BeautifulSoup) -> tuple[int, list[Tag]]:
    """The deepest nesting of non-inline elements, and the elements at depth `INLINE_DEPTH`
    that hold more elements (one pass, no recursion)."""
    deepest = 0
    deep: list[Tag] = []
    stack: list[tuple[Tag, int, int]] = [(soup, 0, 0)]
    while stack:
        el, depth, blocks = stack.pop()
        deepest = max(deepest, blocks)
        children = [c for c in el.contents if isinstance(c, Tag)]
        if children and depth == INLINE_DEPTH:
            deep.append(el)
        for child in children:
            stack.append((child, depth + 1, blocks + (child.name not in _INLINE)))
    return deepest, deep


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
