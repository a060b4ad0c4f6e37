"""The parser against hostile pages (issue 20, items 5 and 9): nesting past libxml2's depth
limit, terminal control characters in the text, and a page of 50,000 sections.
"""

from __future__ import annotations

import time

import pytest

from scraper.core.document import Document
from scraper.core.parse import parse
from scraper.errors import ParseError

CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
TITLE = "Relations with the Republic of Korea"


def article(first: str, second: str, between: str = "") -> str:
    return (
        f"<html><head><title>{TITLE}</title></head><body><main><h1>{TITLE}</h1>"
        f"<ul><li>Last updated: 16 Jul. 2024 10:28</li></ul>{first}{between}{second}"
        "</main></body></html>"
    )


FIRST = "".join(
    f"<p>First half, paragraph {i}: NATO and the Republic of Korea work together.</p>"
    for i in range(4)
)
SECOND = "<h2>Key areas of cooperation</h2>" + "".join(
    f"<p>Second half, paragraph {i}: <b>Cyber defence:</b> exercises and training.</p>"
    for i in range(4)
)


def texts(doc: Document) -> list[str]:
    return [b.full_text for _, b in doc.iter_blocks()]


@pytest.mark.parametrize("depth", [300, 5000])
def test_unclosed_inline_tags_lose_nothing(depth: int) -> None:
    """Past ~256 unclosed <span>s libxml2's own tree stops nesting and drops the rest; the
    parser keeps every word after them (the spans are flattened into their block)."""
    reference = parse(article(FIRST, SECOND), url=CANONICAL)
    doc = parse(article(FIRST, SECOND, between="<span class='x'>" * depth), url=CANONICAL)
    assert texts(doc) == texts(reference)
    assert [s.heading for s in doc.sections] == [None, "Key areas of cooperation"]


def test_unclosed_bold_and_fonts_deep_inside_keep_their_words() -> None:
    between = "<font size='2'>" * 400 + "<b>" * 10
    doc = parse(article(FIRST, SECOND, between=between), url=CANONICAL)
    assert "Second half, paragraph 3:" in " ".join(texts(doc))


def test_block_nesting_deeper_than_any_page_is_refused_not_truncated() -> None:
    html = article(FIRST, SECOND, between="<div>" * 5000)
    with pytest.raises(ParseError, match="nested more than"):
        parse(html, url=CANONICAL)


@pytest.mark.parametrize(
    "dirty",
    [
        "exercises\x1b]0;pwned title\x07 and training",
        "exercises\x1b[2J\x1b[H and training",
        "exercises&#27;[2J and training",
        "exercises\x85\x9b and\x00 training",
        "exercises\x07\x08 and training\x7f",
    ],
)
def test_control_characters_are_never_content(dirty: str) -> None:
    page = article(FIRST, SECOND.replace("exercises and training", dirty, 1))
    doc = parse(page, url=CANONICAL)
    assert texts(doc) == texts(parse(article(FIRST, SECOND), url=CANONICAL))
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in doc.to_json())


def test_control_characters_in_bytes_title_and_alt_are_stripped() -> None:
    page = article(FIRST + "<p><img src='/p.jpg' alt='Photo\x1b[31m red'></p>", SECOND).replace(
        f"<h1>{TITLE}</h1>", f"<h1>{TITLE}\x1b]0;x\x07</h1>"
    )
    doc = parse(page.encode("utf-8"), url=CANONICAL)
    assert doc.title == TITLE
    assert "\x1b" not in doc.to_json()


def test_a_page_of_50000_sections_parses_in_bounded_time() -> None:
    """50,000 sections (3.6 MB of HTML): every measure is one pass over the tree, so the
    cost is linear in the page; it once took minutes."""
    sections = "".join(
        f"<h2>Section {i}</h2><p>Paragraph {i}: cooperation in the area of cyber defence.</p>"
        for i in range(50_000)
    )
    html = article(FIRST, sections)
    assert len(html) > 3_500_000
    start = time.perf_counter()
    doc = parse(html, url=CANONICAL)
    elapsed = time.perf_counter() - start
    assert len(doc.sections) == 50_001
    assert elapsed < 15, f"{elapsed:.1f} s"
