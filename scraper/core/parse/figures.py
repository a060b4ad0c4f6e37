"""Figures in every common layout, each with the caption that belongs to its image.

Owns what is an image worth a figure (not a spacer, a tracking pixel or an icon), its real
URL (lazy-loading templates keep it in a `data-` attribute, AMP in `<amp-img src>`), and where
its caption is: a `<figcaption>`; an element after the image (past line breaks and spacers)
whose class says caption or legend, however deep in that element; or the other cells of a
small layout table holding the image (image row, caption row, spacer rows).
"""

from __future__ import annotations

import re
from typing import Final

from bs4 import Tag
from bs4.element import PageElement

from scraper.core.parse.measure import Measure
from scraper.core.parse.tags import BLOCKS, HEADINGS, IMAGES, child_tags, first_named, named
from scraper.core.parse.text import is_text

ICON_MAX: Final = 32
"""Pixels: an image this small in both dimensions is an icon or a spacer, not a figure."""
FIGURE_TABLE_MAX: Final = 400
"""Characters of text (spaces not counted) a table may hold besides its image to be a figure."""
_SOURCES: Final = ("data-src", "data-original", "data-lazy-src", "src")
_CAPTION_CLASS: Final = re.compile(r"caption|legend", re.I)
_NOT_IN_FIGURE_TABLE: Final = frozenset({"table", "ul", "ol", "dl", "form", *HEADINGS})
_NOT_IN_DATA_TABLE: Final = frozenset({"table", "p", "div", "ul", "ol", "dl", *IMAGES, *HEADINGS})
_CELLS: Final = frozenset({"td", "th", "caption"})
_HEADER: Final = frozenset({"th", "thead", "caption"})


def image_src(img: Tag) -> str | None:
    """The image's URL; lazy-loading templates keep the real one in a data- attribute."""
    for name in _SOURCES:
        value = img.get(name)
        if value and str(value).strip() and not str(value).strip().lower().startswith("data:"):
            return str(value)
    return None


def _pixels(img: Tag, name: str) -> int | None:
    value = str(img.get(name) or "").strip().removesuffix("px")
    return int(value) if value.isdigit() else None


def icon_reason(img: Tag) -> str | None:
    """Why an image is not a figure: a spacer or tracking pixel (1-2 px in one dimension), or
    an icon (at most `ICON_MAX` px both ways)."""
    width, height = _pixels(img, "width"), _pixels(img, "height")
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return "spacer image"
    if width is not None and height is not None and width <= ICON_MAX and height <= ICON_MAX:
        return "icon"
    return None


def is_figure_image(img: Tag) -> bool:
    """An image that is a figure: it has a URL and is neither a spacer nor an icon."""
    return image_src(img) is not None and icon_reason(img) is None


def has_caption_class(el: Tag) -> bool:
    """Whether the element says by its class that it is a caption (`caption`, `imgcaption`,
    `wp-caption-text`, `legend`, …), or wraps, alone, one that does (a table row whose one
    cell is the caption)."""
    node = el
    while True:
        if node.name == "figcaption" or _CAPTION_CLASS.search(str(node.get("class") or "")):
            return True
        children = [c for c in node.contents if isinstance(c, Tag)]
        if len(children) != 1 or any(is_text(c) and c.strip() for c in node.contents):
            return False
        node = children[0]


def find_caption(img: Tag, region: Tag, measure: Measure) -> Tag | None:
    """The caption next to an image: the first element with text after the image's wrapper
    (line breaks and spacers skipped), when it is a <figcaption> or its class says caption."""
    box: Tag = img
    while True:
        parent = box.parent
        if parent is None or parent is region or measure.mass(parent) > measure.mass(box):
            break
        box = parent
    sibling: PageElement | None = box.next_sibling
    while sibling is not None:
        if isinstance(sibling, Tag):
            if measure.mass(sibling):
                return sibling if has_caption_class(sibling) else None
            if (
                sibling.name not in ("br", "tr", "td", "p", "div", "span")
                and sibling.name in BLOCKS
            ):
                return None
        elif str(sibling).strip():
            return None
        sibling = sibling.next_sibling
    return None


def figure_table(table: Tag, measure: Measure) -> tuple[Tag, list[Tag]] | None:
    """A layout table holding one image and at most a short caption: the image and the
    cells that hold the caption (none when the table has no caption text)."""
    if measure.mass(table) > FIGURE_TABLE_MAX:
        return None
    images = [i for i in named(table, IMAGES) if is_figure_image(i)]
    if len(images) != 1 or first_named(table, _NOT_IN_FIGURE_TABLE) is not None:
        return None
    image = images[0]
    cells = [
        cell
        for cell in named(table, _CELLS)
        if measure.mass(cell)
        and all(i is not image for i in named(cell, IMAGES))
        and first_named(cell, _CELLS) is None
    ]
    return image, cells


def is_data_table(table: Tag) -> bool:
    """A table of data (rows of short cells, or header cells), not a layout: it holds no
    blocks, lists, images or tables of its own."""
    if str(table.get("role") or "").lower() in ("presentation", "none"):
        return False
    if first_named(table, _NOT_IN_DATA_TABLE):
        return False
    rows = table.find_all("tr")
    widths = [len(child_tags(r, _CELLS)) for r in rows]
    has_header = first_named(table, _HEADER) is not None
    return bool(rows) and (has_header or (len(rows) >= 2 and max(widths) >= 2))
