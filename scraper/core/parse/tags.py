"""The kinds of element the parser tells apart, by tag name."""

from __future__ import annotations

from typing import Final

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
