"""Where the article is: furniture dropped by rule, then the element that holds the article.

Owns `drop_furniture` (the boilerplate rules applied top-down, sparing what holds the title
or most of the page's prose, since an unclosed share bar or button swallows the article after
it) and `find_region` (the title's lowest ancestor holding half the page's prose, widened while
what follows it is plainly more article).
"""

from __future__ import annotations

from typing import Final

from bs4 import BeautifulSoup, Tag

from scraper.core.parse.boilerplate import (
    cookie_reason,
    may_be_furniture,
    related_reason,
    role_reason,
    strip_reason,
)
from scraper.core.parse.measure import Measure
from scraper.core.parse.tags import CONTENT_TAGS
from scraper.core.parse.text import is_text
from scraper.core.parse.trace import Recorder

# Elements a tool strip, a related box or a cookie notice can be.
_SHAPED: Final = frozenset(
    {"div", "p", "td", "tr", "table", "tbody", "ul", "ol", "li", "span", "section", "dl"}
)


def furniture_reason(el: Tag, measure: Measure, *, cookies: set[int] | None = None) -> str | None:
    """Why `el` is page furniture (by role, then by shape), or None. `cookies`: the elements
    whose text says "cookie" (only they can be a cookie notice; None: try every element)."""
    reason = role_reason(el) if may_be_furniture(el) else None
    if reason or el.name not in _SHAPED:
        return reason
    text_mass, link_mass = measure.mass(el), measure.link_mass(el)
    if (cookies is None or id(el) in cookies) and (reason := cookie_reason(el, text_mass)):
        return reason
    if not link_mass:
        return None  # every shape below is made of links
    return related_reason(el, text_mass, link_mass) or strip_reason(el, text_mass)


def drop_furniture(body: Tag, anchor: Tag | None, rec: Recorder | None) -> Measure:
    """Drop page furniture, except what holds the title or most of the page's prose; the
    measure of what is left."""
    keep = {id(a) for a in anchor.parents} | {id(anchor)} if anchor is not None else set()
    measure = Measure(body)
    cookies = _saying(body, "cookie")
    total = measure.prose(body)
    stack = [c for c in reversed(body.contents) if isinstance(c, Tag)]
    while stack:
        el = stack.pop()
        reason = None if id(el) in keep else furniture_reason(el, measure, cookies=cookies)
        # Raw size first: most furniture is far too small to hold the article.
        if reason and not (2 * measure.mass(el) >= total and 2 * measure.prose(el) >= total):
            if rec is not None:
                rec.drop(el, reason)
            measure.forget(el)
            el.decompose()
            continue
        stack.extend(c for c in reversed(el.contents) if isinstance(c, Tag))
    return measure


def _saying(root: Tag, word: str) -> set[int]:
    """The elements (by id) whose text holds `word`, in any case: one pass over the text."""
    found: set[int] = set()
    for node in root.descendants:
        if isinstance(node, str) and word in node.lower() and is_text(node):
            found.update(id(p) for p in node.parents)
    return found


def find_region(soup: BeautifulSoup, body: Tag, anchor: Tag | None, measure: Measure) -> Tag:
    """The element that holds the article.

    The title's lowest ancestor holding at least half the page's prose; then, because stray
    end tags can push the rest of an article out of its container, widened for as long as
    what follows the container is plainly more article (headings, paragraphs, lists).
    """
    total = measure.prose(body)
    if anchor is None:
        for candidate in soup.find_all(_is_main):
            if 2 * measure.prose(candidate) >= total:
                return candidate
        return body
    node = anchor.parent
    while node is not None and node is not body and 2 * measure.prose(node) < total:
        node = node.parent
    while node is not None and node is not body and _followed_by_content(node, measure):
        node = node.parent
    return node if isinstance(node, Tag) and not isinstance(node, BeautifulSoup) else body


def _is_main(el: Tag) -> bool:
    return el.name in ("main", "article") or el.get("role") == "main"


def _followed_by_content(node: Tag, measure: Measure) -> bool:
    """Whether everything after `node` in its parent is article-like (or nothing at all)."""
    text = links = 0
    for sibling in node.next_siblings:
        if not isinstance(sibling, Tag):
            continue
        size = measure.mass(sibling)
        if size and not _is_content_like(sibling, 2, measure):
            return False
        text += size
        links += measure.link_mass(sibling)
    return 2 * links <= text


def _is_content_like(el: Tag, depth: int, measure: Measure) -> bool:
    if el.name in CONTENT_TAGS:
        return True
    if el.name in ("div", "section", "article") and depth > 0:
        return all(
            _is_content_like(child, depth - 1, measure)
            for child in el.contents
            if isinstance(child, Tag) and measure.mass(child)
        )
    return False


def note_outside(region: Tag, body: Tag, rec: Recorder) -> None:
    """Trace what lies outside the article region (everything beside its ancestors)."""
    node: Tag = region
    while node is not body and node.parent is not None:
        for sibling in node.parent.contents:
            if isinstance(sibling, Tag) and sibling is not node and sibling.get_text().strip():
                rec.drop(sibling, "outside the article region")
        node = node.parent
