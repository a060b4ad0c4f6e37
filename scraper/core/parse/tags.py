"""The kinds of element the parser tells apart, by tag name."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from bs4 import Tag

HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
"""Section headings."""
LISTS: Final = frozenset({"ul", "ol", "menu", "dir"})
"""Lists whose items are bullets."""
BOLD_TAGS: Final = frozenset({"b", "strong"})
"""Bold text: a bold lead-in is a bullet's label, a bold line may be a heading."""
IMAGES: Final = frozenset({"img", "amp-img"})
"""Images: `amp-img` is AMP's `img` (its `<noscript><img>` fallback is a copy)."""
BLOCKS: Final = frozenset(
    {"p", "div", "section", "article", "main", "body", "header", "footer", "table", "tbody",
     "thead", "tfoot", "tr", "td", "th", "caption", "blockquote", "dl", "dt", "dd", "center",
     "address", "pre", "fieldset", "details", "summary", "figcaption", "hr", "hgroup", "li",
     "form", "aside", "nav"}
)  # fmt: skip
"""Elements that end a paragraph: what comes after them is a new block."""
CONTENT_TAGS: Final = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "dl", "blockquote", "figure", "pre", "hr"}
)
"""What an article is made of, when deciding whether broken markup pushed some of it out."""


def named(root: Tag, names: Collection[str]) -> list[Tag]:
    """The elements under `root` with one of these tag names, in document order (a plain
    walk: BeautifulSoup's `find_all` with a list of names is several times slower)."""
    return [el for el in root.descendants if isinstance(el, Tag) and el.name in names]


def first_named(root: Tag, names: Collection[str]) -> Tag | None:
    """The first element under `root` with one of these tag names."""
    return next((el for el in root.descendants if isinstance(el, Tag) and el.name in names), None)


def child_tags(el: Tag, names: Collection[str]) -> list[Tag]:
    """The element's children with one of these tag names."""
    return [c for c in el.contents if isinstance(c, Tag) and c.name in names]
