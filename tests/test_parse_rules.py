"""The parser's rules one by one, each on a minimal page: what it drops (and the reason the
trace gives, which `inspect` shows), what it keeps, and how it reads figures and tables.

Each rule is written for a shape any CMS emits, not for one template; the held-out templates
(`test_heldout.py`) check the rules together on pages nobody tuned them on.
"""

from __future__ import annotations

import pytest

from scraper.core.document import Block, BlockKind, Document, Link
from scraper.core.parse import parse, parse_traced
from scraper.core.parse.trace import Trace

CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
TITLE = "Relations with the Republic of Korea"
STAMP = "Last updated: 16 Jul. 2024 10:28"
FILLER = (
    "<p>NATO and the Republic of Korea work together bilaterally on a number of shared "
    "cross-regional security challenges, which include cyber defence, arms control and "
    "non-proliferation, technology and counter-terrorism.</p>"
)
PHOTO = "https://www.nato.int/img/photo.jpg"


def page(body: str, *, after: str = "") -> str:
    """A small article: title, stamp, `body` in the article; `after` follows the article."""
    return (
        f"<html><head><title>NATO - {TITLE}</title></head><body><div class='content'>"
        f"<h1>{TITLE}</h1><p>{STAMP}</p>{FILLER}{body}</div>{after}</body></html>"
    )


def read(html: str) -> tuple[Document, Trace]:
    return parse_traced(html, url=CANONICAL)


def texts(doc: Document) -> list[str]:
    return [b.full_text for _, b in doc.iter_blocks()]


def reasons(trace: Trace) -> dict[str, str]:
    """Dropped text -> reason."""
    return {d.text: d.reason for d in trace.dropped}


def figures(doc: Document) -> list[Block]:
    return [b for _, b in doc.iter_blocks() if b.kind is BlockKind.FIGURE]


# --- boilerplate by shape -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strip", "reason"),
    [
        (
            "<div><img src='/i/print.gif' width='16' height='16' alt=''> "
            "<a href='javascript:print()'>Print</a> | <img src='/i/mail.gif' width='16' "
            "height='16' alt=''> <a href='/sendmail.htm'>E-mail this page</a></div>",
            "tool bar: link-only strip",
        ),
        ("<p><a href='#top'>Back to top</a></p>", "back to top"),
        ("<table><tr><td><a href='#top'>Top of page</a></td></tr></table>", "back to top"),
        (
            "<div>Text size <a href='#'>A</a> <a href='#'>A</a> <a href='#'>A</a></div>",
            "tool bar: link-only strip",
        ),
        (
            "<div><a href='/topics_50336.htm'>Previous</a> | <a href='/topics_48899.htm'>Next</a>"
            "</div>",
            "tool bar: link-only strip",
        ),
        ("<p><a href='#main'>Skip to content</a></p>", "skip link"),
    ],
)
def test_link_only_strips_are_tool_bars(strip: str, reason: str) -> None:
    doc, trace = read(page(strip + FILLER.replace("NATO and", "Also, NATO and")))
    assert texts(doc) == [texts(parse(page(""), url=CANONICAL))[0], texts(doc)[1]]
    assert not figures(doc), "an icon of the strip became a figure"
    assert reason in reasons(trace).values()


def test_a_paragraph_that_is_one_ordinary_link_is_content() -> None:
    doc, _ = read(page("<p><a href='/cps/en/natohq/topics_82388.htm'>Partnership tools</a></p>"))
    assert texts(doc)[-1] == "Partnership tools"


def test_a_sentence_with_links_is_content() -> None:
    body = "<p>See <a href='/a.htm'>Japan</a> and <a href='/b.htm'>Australia</a>.</p>"
    doc, _ = read(page(body))
    assert texts(doc)[-1] == "See Japan and Australia."


def test_related_box_is_dropped_by_its_heading() -> None:
    box = (
        "<div><h3>Related articles</h3><ul>"
        "<li><a href='/news_1.htm'>NATO and the Republic of Korea sign an agreement</a> 11 Jul.</li>"
        "<li><a href='/news_2.htm'>Secretary General meets the President</a> 11 Jul.</li></ul></div>"
    )
    doc, trace = read(page(FILLER + box))
    assert not any("Secretary General meets" in t for t in texts(doc))
    assert [s.heading for s in doc.sections] == [None]
    assert "related content box" in reasons(trace).values()


def test_a_section_about_related_work_is_content() -> None:
    body = (
        "<h2>Related activities</h2><p>Beyond cyber defence, the Republic of Korea takes "
        "part in exercises, training and education, and civil preparedness work.</p>"
    )
    doc, _ = read(page(body))
    assert doc.sections[-1].heading == "Related activities"


def test_a_paragraph_about_cookies_is_content() -> None:
    body = "<p>The site uses cookies only to count visits; no data is shared with anyone.</p>"
    doc, _ = read(page(body))
    assert texts(doc)[-1].startswith("The site uses cookies only")


def test_cookie_notice_is_dropped_by_its_words() -> None:
    notice = (
        "<div><p>This website uses cookies to improve your experience.</p>"
        "<a href='/cookies.htm'>Find out more</a> <a href='#'>OK</a></div>"
    )
    doc, trace = read(page("").replace("<body>", "<body>" + notice))
    assert not any("cookies" in t for t in texts(doc))
    assert "cookie banner" in reasons(trace).values()


@pytest.mark.parametrize(
    ("furniture", "reason"),
    [
        ("<nav><a href='/'>Home</a> <a href='/topics.htm'>Topics</a></nav>", "navigation"),
        (
            "<div class='breadcrumb'><a href='/'>Home</a> &gt; <a href='/t.htm'>Topics</a></div>",
            "breadcrumbs",
        ),
        (
            "<div id='cookie-law'>We use small files. <a href='/c.htm'>More</a></div>",
            "cookie banner",
        ),
        ("<div class='share-tools'><a href='https://x.test/share'>Share</a></div>", "share bar"),
        ("<div class='pagination'><a href='?p=2'>2</a></div>", "pager"),
        ("<div style='display: none'>Hidden words of a template</div>", "hidden from readers"),
        ("<iframe src='https://www.youtube.com/embed/x'>NATO TV</iframe>", "embedded frame"),
        ("<div class='ad-slot advert'>Buy now</div>", "advert"),
    ],
)
def test_furniture_by_role_gives_its_reason(furniture: str, reason: str) -> None:
    doc, trace = read(page(furniture))
    assert len(texts(doc)) == 1
    assert reason in [d.reason for d in trace.dropped]


def test_what_precedes_the_title_and_lies_outside_the_article_is_traced() -> None:
    html = page("", after="<table><tr><td>Elsewhere on the site, a teaser.</td></tr></table>")
    html = html.replace(
        "<div class='content'>", "<p>A line above the title.</p><div class='content'>"
    )
    _, trace = read(html)
    assert reasons(trace)["Elsewhere on the site, a teaser."] == "outside the article region"
    assert reasons(trace)["A line above the title."] == "outside the article region"


# --- figures --------------------------------------------------------------------------------------


def figure(text: str = "", alt: str | None = "Signing") -> Block:
    return Block(kind=BlockKind.FIGURE, text=text, alt=alt, src=PHOTO)


@pytest.mark.parametrize(
    "html",
    [
        # image row, spacer row, caption row (a natolive-era photo table)
        "<table align='right'><tr><td><img src='/img/photo.jpg' width='250' height='167' "
        "alt='Signing'></td></tr><tr><td><img src='/i/spacer.gif' width='1' height='3' alt=''>"
        "</td></tr><tr><td class='photocaption'><font size='1'>The signing (July 2024)</font>"
        "</td></tr></table>",
        # the same table without any class: the table is the figure, its text the caption
        "<table><tr><td><img src='/img/photo.jpg' alt='Signing'></td></tr>"
        "<tr><td>The signing (July 2024)</td></tr></table>",
        # caption in a span after a line break, in the image's own div
        "<div class='photo'><img src='/img/photo.jpg' alt='Signing'><br>"
        "<span class='caption'>The signing (July 2024)</span></div>",
        # caption paragraph after the image's wrapper
        "<div><div class='img'><img src='/img/photo.jpg' alt='Signing'></div>"
        "<p class='img-caption'>The signing (July 2024)</p></div>",
        # figure and figcaption, the image an AMP image with its no-script copy inside
        "<figure><amp-img src='/img/photo.jpg' width='400' height='267' alt='Signing'>"
        "<noscript><img src='/img/photo.jpg' alt='Signing'></noscript></amp-img>"
        "<figcaption>The signing (July 2024)</figcaption></figure>",
        # a lazy-loaded image: a placeholder in src, the photo in data-src, a noscript copy
        "<div class='box'><img class='lazyload' src='/i/grey.gif' data-src='//www.nato.int/img/"
        "photo.jpg' alt='Signing'><noscript><img src='/img/photo.jpg' alt='Signing'></noscript>"
        "<p class='caption'>The signing (July 2024)</p></div>",
    ],
)
def test_a_figure_with_its_caption_in_every_common_layout(html: str) -> None:
    doc, _ = read(page(html + FILLER))
    assert figures(doc) == [figure("The signing (July 2024)")]
    assert texts(doc).count("The signing (July 2024)") == 1


@pytest.mark.parametrize(
    "html",
    [
        "<table><tr><td><img src='/img/photo.jpg' alt='Signing'></td></tr>"
        "<tr><td>&nbsp;</td></tr></table>",
        "<table style='float:right'><tbody><tr><td class='image'><img src='/img/photo.jpg' "
        "alt='Signing' width='260' height='173'></td></tr></tbody></table>",
        "<p><a href='/img/photo-large.jpg'><img src='/img/photo.jpg' alt='Signing'></a></p>",
    ],
)
def test_a_figure_without_caption(html: str) -> None:
    doc, _ = read(page(html + FILLER))
    assert figures(doc) == [figure()]


def test_icons_are_not_figures() -> None:
    body = "<p><img src='/i/arrow.gif' width='7' height='7' alt=''></p>" + FILLER
    doc, trace = read(page(body))
    assert not figures(doc)
    assert "icon" in [d.reason for d in trace.dropped]


def test_a_caption_class_far_below_is_not_the_next_images_caption() -> None:
    body = (
        "<p><img src='/img/a.jpg' alt='A'></p><div><div><img src='/img/b.jpg' alt='B'></div>"
        "<div class='caption'>Caption of B</div></div>"
    )
    doc, _ = read(page(body))
    assert [(f.alt, f.text) for f in figures(doc)] == [("A", ""), ("B", "Caption of B")]


# --- tables ---------------------------------------------------------------------------------------


def test_a_data_table_is_read_a_row_at_a_time() -> None:
    table = (
        "<table><tr><th>Year</th><th>Event</th></tr>"
        "<tr><td>2005</td><td>Dialogue begins</td></tr>"
        "<tr><td>2012</td><td>Individual Partnership and Cooperation Programme</td></tr></table>"
    )
    doc, _ = read(page(table))
    assert texts(doc)[1:] == [
        "Year | Event",
        "2005 | Dialogue begins",
        "2012 | Individual Partnership and Cooperation Programme",
    ]


def test_a_layout_table_is_read_as_layout() -> None:
    table = (
        "<table><tr><td><p>First paragraph in a cell, with enough words to read as text.</p>"
        "<p>Second paragraph of the same cell.</p></td></tr></table>"
    )
    doc, _ = read(page(table))
    assert texts(doc)[1:] == [
        "First paragraph in a cell, with enough words to read as text.",
        "Second paragraph of the same cell.",
    ]


def test_links_in_a_figure_caption_are_kept() -> None:
    body = (
        "<table><tr><td><img src='/img/photo.jpg' alt='Signing'></td></tr>"
        "<tr><td>The <a href='/cps/en/natohq/news_1.htm'>signing</a></td></tr></table>"
    )
    doc, _ = read(page(body + FILLER))
    assert figures(doc)[0].links == (
        Link("signing", "https://www.nato.int/cps/en/natohq/news_1.htm"),
    )
