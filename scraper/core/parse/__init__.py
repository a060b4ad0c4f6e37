"""Parse a NATO topic page into a `Document`: title, "Last updated" stamp, sections, blocks.

Owns reading a page's HTML in any template (old table layouts, modern semantic ones, AMP,
print versions, broken markup, Wayback Machine copies, pages saved from a browser): the tree
is built by BeautifulSoup with the lxml tree builder (`markup`), furniture is dropped by rule
with a reason (`boilerplate`, `region`), the article region found (`region`), the region
walked into blocks and figures (`walker`, `figures`, `pieces`), the stamp read (`stamp`) and
the blocks grouped into sections (`sections`). Responses that are not the article raise
`ParseError` (`nonarticle`). `parse_traced` also returns how the page was read (`trace`), for
`nato-watch inspect`; `parse` records nothing.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from typing import Final

from bs4 import BeautifulSoup, Tag

from scraper.core.document import Document
from scraper.core.parse.boilerplate import ALWAYS_DROP
from scraper.core.parse.markup import build_soup, decode, prepare
from scraper.core.parse.nonarticle import BROWSER_HINT, SHELL_MAX_WORDS, refuse_non_article
from scraper.core.parse.region import drop_furniture, find_region, note_outside
from scraper.core.parse.sections import build_sections
from scraper.core.parse.tags import named
from scraper.core.parse.text import clip, norm
from scraper.core.parse.title import find_title_element, head_title, title_core, title_text
from scraper.core.parse.trace import Recorder, Trace
from scraper.core.parse.walker import Walker
from scraper.errors import ParseError
from scraper.urls import canonical_url, unwrap_wayback

MIN_ARTICLE_WORDS: Final = 20
"""Fewer words of content than this and the page is not an article (a shell, a stub)."""


def parse(html: str | bytes, *, url: str) -> Document:
    """Read one page into a `Document`; raise `ParseError` when it is not the article.

    `url` is the address the page is read as: relative links and image sources are resolved
    against it. Pass the target's canonical URL (not the final URL of a redirect or a memento)
    so that the same page served under another URL shape gives the same document.
    """
    doc, _ = _read(html, url=url, traced=False)
    return doc


def parse_traced(html: str | bytes, *, url: str) -> tuple[Document, Trace]:
    """`parse`, and how the page was read: what was kept, what was dropped and why."""
    doc, trace = _read(html, url=url, traced=True)
    assert trace is not None
    return doc, trace


def _read(html: str | bytes, *, url: str, traced: bool) -> tuple[Document, Trace | None]:
    text = decode(html) if isinstance(html, bytes) else html
    if not text.strip():
        raise ParseError("empty body: the response has no content")
    markup = prepare(text)
    soup = build_soup(markup)
    rec = Recorder(soup) if traced else None
    has_scripts = _drop_never_content(soup, rec)
    head = head_title(soup)
    body = soup.body
    visible = norm(body.get_text()) if body is not None else ""
    anchor = find_title_element(body, head) if body is not None else None
    heading = title_text(anchor) if anchor is not None else ""
    refuse_non_article(text, head, heading, visible)
    if body is None or not visible:
        if has_scripts:
            raise ParseError(BROWSER_HINT)
        raise ParseError("empty body: the page has no visible text")
    title = heading or (title_core(head) if head else "")
    if not title:
        raise ParseError(
            "no title: the page has no <h1> heading and no <title>; it does not look like an "
            "article"
        )
    measure = drop_furniture(body, anchor, rec)
    region = find_region(soup, body, anchor, measure)
    walker = Walker(
        base=_base_url(soup, url), anchor=anchor, region=region, measure=measure, rec=rec
    )
    walker.run()
    sections = build_sections(walker.items)
    words = sum(len(b.full_text.split()) for s in sections for b in s.blocks)
    if words < MIN_ARTICLE_WORDS:
        if has_scripts and len(visible.split()) < SHELL_MAX_WORDS:
            raise ParseError(BROWSER_HINT)
        raise ParseError(
            f"no article content: only {words} words follow the title {clip(title)!r}; the "
            "page is a stub, or its template changed so that the article is no longer found"
        )
    doc = Document(title=title, last_updated=walker.stamp, sections=sections)
    if rec is None:
        return doc, None
    rec.title_node, rec.region = anchor, region
    note_outside(region, body, rec)
    return doc, rec.trace(doc, markup, url)


def _drop_never_content(soup: BeautifulSoup, rec: Recorder | None) -> bool:
    """Drop scripts, styles, frames and the like; whether the page had a script."""
    has_scripts = False
    for el in named(soup, ALWAYS_DROP):
        if el.decomposed:
            continue  # already gone with an element that held it
        has_scripts = has_scripts or el.name == "script"
        if rec is not None and el.name in ("noscript", "template", "iframe"):
            rec.drop(el, ALWAYS_DROP[el.name])
        el.decompose()
    return has_scripts


def _base_url(soup: BeautifulSoup, url: str) -> str:
    """The page URL, or its `<base href>` resolved against it."""
    for base in soup.find_all("base"):
        href = base.get("href") if isinstance(base, Tag) else None
        if href and str(href).strip():
            return canonical_url(str(href), base=url)
    return unwrap_wayback(url.strip())
