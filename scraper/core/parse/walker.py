"""The walk: the article region in reading order, into headings, blocks and figures.

Owns how the template's elements become blocks: paragraphs end at block elements and at a
double line break, list items are bullets with a depth, a bold lead-in is a label, a short
bold line may be a heading, the stamp is read from the first blocks under the title (or from
a short list of page metadata there), images and layout tables become figures with their
captions, and a data table is read a row at a time.

Lists are tracked with a running depth rather than by ancestors, so that a heading found
inside an unclosed <li> ends the list and what follows it starts afresh.
"""

from __future__ import annotations

import re
from typing import Final

from bs4 import Tag
from bs4.element import PageElement

from scraper.core.document import Block, BlockKind, LastUpdated, Link
from scraper.core.parse.figures import (
    figure_table,
    find_caption,
    icon_reason,
    image_src,
    is_data_table,
)
from scraper.core.parse.measure import Measure
from scraper.core.parse.pieces import (
    Piece,
    all_bold,
    element_text,
    heading_like,
    inline_pieces,
    links_of,
    pieces_text,
    split_label,
)
from scraper.core.parse.sections import BoldLine, Heading, Item
from scraper.core.parse.stamp import match_stamp
from scraper.core.parse.tags import (
    BLOCKS,
    BOLD_TAGS,
    HEADINGS,
    IMAGES,
    LISTS,
    child_tags,
    named,
)
from scraper.core.parse.text import is_text, norm
from scraper.core.parse.title import after_title
from scraper.core.parse.trace import Recorder
from scraper.urls import canonical_url

_BOLD_STYLE: Final = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)
_STAMP_PARTS: Final = frozenset({"li", "span", "p", "div", "time", "dd"})
_STAMP_WINDOW_BLOCKS: Final = 3  # the stamp sits under the title, before the article proper


class Walker:
    """Walks the article region in reading order and emits headings and blocks."""

    def __init__(
        self, *, base: str, anchor: Tag | None, region: Tag, measure: Measure,
        rec: Recorder | None = None,
    ) -> None:  # fmt: skip
        self.base = base
        self.anchor = anchor
        self.region = region
        self.measure = measure
        self.rec = rec
        self.started = anchor is None
        self.skip: set[int] = set()
        self.items: list[Item] = []
        self.pieces: list[Piece] = []
        self.hrefs: list[str] = []
        self.breaks = 0
        self.list_level = 0
        self.list_base = 0
        self.bullet_depth: int | None = None
        self.text_link = False
        self.stamp: LastUpdated | None = None
        self.window_open = True
        self.blocks_seen = 0
        self.block_el: Tag = region  # the element the current block is read from

    def run(self) -> None:
        """Walk the region; the result is in `items` and `stamp`."""
        if self.anchor is not None:
            self.stamp = self._stamp_before(self.anchor)
            self.window_open = self.stamp is None
        self._walk(self.region, False, -1)
        self._flush()

    # text runs

    def _add(self, text: str, bold: bool, link: int) -> None:
        if not self.started:
            return
        self.pieces.append((text, bold, link))
        if not text.isspace():
            self.breaks = 0

    def _walk(self, el: Tag, bold: bool, link: int) -> None:
        self._walk_nodes(el.contents, bold, link)

    def _walk_nodes(self, nodes: list[PageElement], bold: bool, link: int) -> None:
        for child in nodes:
            if isinstance(child, Tag):
                self._visit(child, bold, link)
            elif is_text(child):
                self._add(str(child), bold, link)

    def _visit(self, el: Tag, bold: bool, link: int) -> None:
        if id(el) in self.skip:
            return
        if el is self.anchor:
            self.started = True
            # An unclosed title heading holds the article: read what follows its title text.
            self._walk_nodes(after_title(el), bold, link)
            return
        if not self.started and self.anchor is not None and not _contains(el, self.anchor):
            if self.rec is not None and el.get_text().strip():
                self.rec.drop(el, "before the title")
            return
        name = el.name
        if self.window_open and self.started and name in BLOCKS and self._stamp_container(el):
            return
        bold = (
            bold or name in BOLD_TAGS or _BOLD_STYLE.search(str(el.get("style") or "")) is not None
        )
        if name == "br":
            self._line_break()
        elif name in HEADINGS:
            self._heading(el)
        elif name in LISTS:
            self._list(el, bold, link)
        elif name == "li":
            self._item(el, bold, link)
        elif name == "figure":
            self._figure(el, bold, link)
        elif name in IMAGES:
            self._image(el)
        elif name == "a":
            self._link(el, bold, link)
        elif name == "table" and self.started and self._table(el, bold, link):
            return
        elif name in BLOCKS:
            self._block(el, bold, link)
        else:
            self._walk(el, bold, link)

    def _block(self, el: Tag, bold: bool, link: int) -> None:
        if self.bullet_depth is not None:
            # Paragraphs inside a list item are one bullet: read them as one line.
            self._add(" ", bold, link)
            self._walk(el, bold, link)
            self._add(" ", bold, link)
            return
        self._flush()
        outer, self.block_el = self.block_el, el
        self._walk(el, bold, link)
        self._flush()
        self.block_el = outer

    def _stamp_container(self, el: Tag) -> bool:
        """A small block whose whole text is the stamp, even split over children
        (`<dl><dt>Last updated:</dt><dd>16 Jul. 2024 10:28</dd></dl>`, table cells)."""
        if self.stamp is not None or self.measure.mass(el) > 400:
            return False
        stamp = match_stamp(element_text(el))
        if stamp is None:
            return False
        self._flush()
        self._set_stamp(stamp, el)
        return True

    def _set_stamp(self, stamp: LastUpdated, el: Tag | None) -> None:
        self.stamp = stamp
        self.window_open = False
        if self.rec is not None:
            self.rec.stamp_node = el

    def _stamp_before(self, anchor: Tag) -> LastUpdated | None:
        """A stamp shown just above the title (some templates put the date first)."""
        sibling = anchor.find_previous_sibling()
        for _ in range(2):
            if sibling is None:
                break
            # The sibling itself, or one of its items (a list holding a date, "|" and the stamp).
            for el in (sibling, *named(sibling, _STAMP_PARTS)):
                stamp = match_stamp(element_text(el))
                if stamp is not None:
                    self.skip.add(id(sibling))
                    if self.rec is not None:
                        self.rec.stamp_node = sibling
                    return stamp
            sibling = sibling.find_previous_sibling()
        return None

    def _line_break(self) -> None:
        if not self.started:
            return
        self.breaks += 1
        if self.breaks >= 2 and self.bullet_depth is None:
            self._flush()  # <br><br> separates paragraphs in old layouts
        else:
            self.pieces.append((" ", False, -1))

    def _link(self, el: Tag, bold: bool, link: int) -> None:
        href = el.get("href")
        if href is None or str(href).strip().lower().startswith("javascript:"):
            self._walk(el, bold, link)
            return
        self.hrefs.append(canonical_url(str(href), base=self.base))
        outer = self.text_link
        self.text_link = self.measure.mass(el) > 0
        self._walk(el, bold, len(self.hrefs) - 1)
        self.text_link = outer

    # structure

    def _heading(self, el: Tag) -> None:
        if not self.started:
            return
        self._flush()
        text = element_text(el)
        if not text:
            return
        if self.window_open and self.stamp is None:
            stamp = match_stamp(text)
            if stamp is not None:
                self._set_stamp(stamp, el)
                return
        self.window_open = False
        if self.list_level:
            # A heading inside a list (an unclosed <li>) ends the list.
            self.bullet_depth = None
            self.list_base = self.list_level
        self._emit(Heading(int(el.name[1]), text), el)

    def _list(self, el: Tag, bold: bool, link: int) -> None:
        if self.started and self.window_open and self.stamp is None and self._meta_list(el):
            return
        self._flush()
        self.list_level += 1
        self._walk(el, bold, link)
        self._flush()
        self.list_level -= 1
        self.list_base = min(self.list_base, self.list_level)

    def _meta_list(self, el: Tag) -> bool:
        """A short list under the title holding the stamp (with the date and "|" on news
        pages): the whole list is page metadata, not content."""
        items = child_tags(el, ("li",))
        if not 1 <= len(items) <= 6:
            return False
        texts = [norm(li.get_text()) for li in items]
        if any(len(t) > 80 for t in texts):
            return False
        for text in texts:
            stamp = match_stamp(text)
            if stamp is not None:
                self._set_stamp(stamp, el)
                return True
        return False

    def _item(self, el: Tag, bold: bool, link: int) -> None:
        self._flush()
        outer, self.bullet_depth = self.bullet_depth, max(0, self.list_level - 1 - self.list_base)
        outer_el, self.block_el = self.block_el, el
        self._walk(el, bold, link)
        self._flush()
        self.bullet_depth, self.block_el = outer, outer_el

    # figures and tables

    def _figure(self, el: Tag, bold: bool, link: int) -> None:
        img = next((i for i in named(el, IMAGES) if image_src(i) is not None), None)
        if img is None or not self.started or self.bullet_depth is not None:
            self._block(el, bold, link)
            return
        caption = el.find("figcaption")
        self._flush()
        self._emit_figure(img, [caption] if caption is not None else [], el)

    def _image(self, el: Tag) -> None:
        if not self.started or self.bullet_depth is not None or self.text_link:
            return  # an icon inside a bullet or a text link is decoration
        if any(not text.isspace() for text, _, _ in self.pieces):
            return  # an image inside a line of text is decoration
        if image_src(el) is None:
            return
        reason = icon_reason(el)
        if reason is not None:
            if self.rec is not None:
                self.rec.drop(el, reason)
            return
        self._flush()
        caption = find_caption(el, self.region, self.measure)
        if caption is not None:
            self.skip.add(id(caption))
        self._emit_figure(el, [caption] if caption is not None else [], el)

    def _table(self, el: Tag, bold: bool, link: int) -> bool:
        """A layout table holding a photo and its caption is a figure; a data table is read
        a row at a time, its cells joined by " | ". False: an ordinary layout table."""
        if self.bullet_depth is None:
            found = figure_table(el, self.measure)
            if found is not None:
                self._flush()
                self._emit_figure(found[0], found[1], el)
                return True
        if not is_data_table(el):
            return False
        self._flush()
        for row in el.find_all("tr"):
            cells = child_tags(row, ("td", "th"))
            outer, self.block_el = self.block_el, row
            for i, cell in enumerate(cells):
                if i:
                    self._add(" | ", bold, link)
                self._walk(cell, bold, link)
            self._flush()
            self.block_el = outer
        return True

    def _emit_figure(self, img: Tag, captions: list[Tag], source: Tag) -> None:
        src = image_src(img)
        if src is None:
            return
        alt = norm(str(img.get("alt") or "")) or None
        pieces: list[Piece] = []
        hrefs: list[str] = []
        for caption in captions:
            more, more_hrefs = inline_pieces(caption, self.base)
            pieces += [(" ", False, -1)] + [(t, b, -1 if k < 0 else k + len(hrefs))
                                             for t, b, k in more]  # fmt: skip
            hrefs += more_hrefs
        block = Block(
            kind=BlockKind.FIGURE,
            text=pieces_text(pieces),
            links=links_of(pieces, hrefs),
            alt=alt,
            src=canonical_url(src, base=self.base),
        )
        self._emit(block, source)
        self._count_block()

    # blocks

    def _emit(self, item: Item, source: Tag | None) -> None:
        self.items.append(item)
        if self.rec is not None:
            self.rec.sources.append(source)

    def _flush(self) -> None:
        pieces, self.pieces, self.breaks = self.pieces, [], 0
        if not pieces:
            return
        text = pieces_text(pieces)
        if not text:
            return  # spacer paragraphs: &nbsp;, <br>, zero-width characters
        if self.window_open and self.stamp is None:
            stamp = match_stamp(text)
            if stamp is not None:
                self._set_stamp(stamp, self.block_el)
                return
        links = links_of(pieces, self.hrefs)
        if self.bullet_depth is None and all_bold(pieces) and heading_like(text):
            self._emit(BoldLine(text, links), self.block_el)
            self._count_block()
            return
        self._emit(_block_of(pieces, text, links, self.bullet_depth), self.block_el)
        self._count_block()

    def _count_block(self) -> None:
        self.blocks_seen += 1
        if self.blocks_seen >= _STAMP_WINDOW_BLOCKS:
            self.window_open = False


def _block_of(
    pieces: list[Piece], text: str, links: tuple[Link, ...], bullet_depth: int | None
) -> Block:
    """A paragraph or a bullet, its bold lead-in split off as the label."""
    label, body = split_label(pieces)
    return Block(
        kind=BlockKind.PARAGRAPH if bullet_depth is None else BlockKind.BULLET,
        text=body if label else text,
        label=label,
        depth=bullet_depth or 0,
        links=links,
    )


def _bold_style(el: Tag) -> bool:
    style = el.get("style")
    return bool(style) and _BOLD_STYLE.search(str(style)) is not None


def _contains(el: Tag, node: Tag) -> bool:
    return any(a is el for a in node.parents)
