"""The parser: golden documents for every template and kind of noise, and the rules one by one.

Golden cases live in `tests/cases/<name>/`: `page.html` (made by `tests/cases/build.py`), an
optional `url.txt` (the URL the page is read as), and either `expected.json` (the canonical
document) or `expected_error.txt` (a substring the `ParseError` must contain). Regenerate the
`expected.json` files with `NATO_WATCH_REGEN=1 pytest tests/test_parse.py`, then review the
diff by eye before committing it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cases.build import ITPP, wayback_copy, with_other_session
from golden import check_golden
from pages import edited, load_content, nato_page

from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link
from scraper.core.parse import parse
from scraper.core.parser_version import PARSER_VERSION
from scraper.errors import ParseError
from scraper.urls import canonical_url

CASES = Path(__file__).parent / "cases"
CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
BRUSSELS = ZoneInfo("Europe/Brussels")

ALL_CASES = sorted(p.name for p in CASES.iterdir() if (p / "page.html").is_file())
ERROR_CASES = [n for n in ALL_CASES if (CASES / n / "expected_error.txt").is_file()]
ARTICLE_CASES = [n for n in ALL_CASES if n not in ERROR_CASES]

# The 2024 page in other templates, archived, or with noise: all the same document.
SAME_AS_NATO_2024 = [
    "table_2024",
    "modern_2024",
    "wayback_2024",
    "noise_spacers",
    "noise_zero_width",
    "noise_other_session",
    "broken_unclosed_li",
    "broken_stray_div",
    "broken_no_body_end",
    "broken_unclosed_p",
    "stamp_french",
]

# Real sentences, so that small test pages are long enough to count as an article.
FILLER = (
    "<p>NATO and the Republic of Korea work together bilaterally on a number of shared "
    "cross-regional security challenges, which include cyber defence, arms control and "
    "non-proliferation, technology and counter-terrorism.</p>"
)
TITLE = "Relations with the Republic of Korea"
STAMP = "Last updated: 16 Jul. 2024 10:28"


def read_case(name: str) -> tuple[str, str]:
    folder = CASES / name
    url_file = folder / "url.txt"
    url = url_file.read_text(encoding="utf-8").strip() if url_file.is_file() else CANONICAL
    return (folder / "page.html").read_text(encoding="utf-8"), url


def parse_case(name: str) -> Document:
    page, url = read_case(name)
    return parse(page, url=url)


def page(body: str, *, meta: str = f"<ul class='event-info'><li>{STAMP}</li></ul>") -> str:
    """A small article page: title, stamp line, then `body`."""
    return (
        f"<!DOCTYPE html><html><head><title>NATO - Topic: {TITLE}</title></head><body>"
        f"<nav><ul><li><a href='/cps/en/natohq/index.htm'>Home</a></li></ul></nav>"
        f"<main><h1>{TITLE}</h1>{meta}{body}</main>"
        "<footer>&copy; NATO - OTAN 2024</footer></body></html>"
    )


def blocks(doc: Document) -> list[Block]:
    return [block for _, block in doc.iter_blocks()]


def texts(doc: Document) -> list[str]:
    return [block.text for block in blocks(doc)]


# --- golden cases ------------------------------------------------------------------------------


def test_every_case_says_what_it_expects() -> None:
    assert {"nato_2024", "table_2024", "modern_2024", "wayback_2024"} <= set(ARTICLE_CASES)
    assert {"js_shell", "empty_body", "no_title", "stamp_malformed"} <= set(ERROR_CASES)
    for name in ERROR_CASES:
        assert not (CASES / name / "expected.json").exists(), name


@pytest.mark.parametrize("name", ARTICLE_CASES)
def test_golden_document(name: str) -> None:
    doc = parse_case(name)
    check_golden(CASES / name / "expected.json", doc.to_json(indent=1) + "\n")


@pytest.mark.parametrize("name", ARTICLE_CASES)
def test_golden_document_round_trips(name: str) -> None:
    doc = parse_case(name)
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert again.content_hash == doc.content_hash


@pytest.mark.parametrize("name", ERROR_CASES)
def test_golden_non_article_is_refused(name: str) -> None:
    page_html, url = read_case(name)
    expected = (CASES / name / "expected_error.txt").read_text(encoding="utf-8").strip()
    with pytest.raises(ParseError) as info:
        parse(page_html, url=url)
    assert expected in str(info.value)


@pytest.mark.parametrize("name", SAME_AS_NATO_2024)
def test_same_content_gives_the_same_document(name: str) -> None:
    reference = parse_case("nato_2024")
    doc = parse_case(name)
    assert doc == reference
    assert doc.content_hash == reference.content_hash


def test_nato_2024_reads_the_whole_article() -> None:
    doc = parse_case("nato_2024")
    assert doc.title == TITLE
    assert doc.last_updated == LastUpdated(
        text="16 Jul. 2024 10:28", at=datetime(2024, 7, 16, 10, 28, tzinfo=BRUSSELS)
    )
    assert [(s.id, s.heading, s.level) for s in doc.sections] == [
        ("lead", None, 1),
        ("political-dialogue", "Political dialogue", 2),
        ("key-areas-of-cooperation", "Key areas of cooperation", 2),
        (
            "support-for-nato-led-operations-and-missions",
            "Support for NATO-led operations and missions",
            2,
        ),
    ]
    lead = doc.sections[0].blocks
    assert [b.kind for b in lead[:3]] == [BlockKind.PARAGRAPH, BlockKind.FIGURE, BlockKind.BULLET]
    assert lead[1].alt == "NATO Relations with the Republic of Korea"
    assert lead[1].src == (
        "https://www.nato.int/nato_static_fl2014/assets/pictures/images_mfu/2024/7/stock/240716-rok-1.jpg"
    )
    assert lead[4].links == (Link(text=ITPP, href=CANONICAL),)
    cyber = doc.sections[2].blocks[1]
    assert (cyber.kind, cyber.label) == (BlockKind.BULLET, "Cyber defence")
    assert cyber.text.startswith("Since 2021, the Republic of Korea has participated")
    # Every word of the real text is there, and nothing else.
    expected_words = load_content().all_text().split()
    labels = [f"{b.label}:" for b in blocks(doc) if b.label]
    got = " ".join([*labels, *(b.text for b in blocks(doc))]).split()
    assert sorted(got) == sorted(expected_words + [w for label in labels for w in label.split()])


def test_nato_2024_leaves_out_the_furniture() -> None:
    text = parse_case("nato_2024").to_json()
    for noise in (
        "cookies", "Find out more", "Share this", "Facebook", "Women, Peace and Security",
        "Multimedia", "Relations with Japan", "Contact us", "Privacy", "GoogleAnalyticsObject",
        "not content", "Home", "Topics", "SID-", "selectedLocale",
    ):  # fmt: skip
        assert noise not in text, noise


def test_2016_opening_keeps_its_photo_and_caption() -> None:
    doc = parse_case("nato_2016_opening")
    figure = doc.sections[0].blocks[1]
    assert figure.kind is BlockKind.FIGURE
    assert figure.alt.startswith("NATO Secretary General Jens Stoltenberg and the Minister")
    assert figure.text == (
        "NATO Secretary General Jens Stoltenberg and Foreign Minister Yun Byung-se of the "
        "Republic of Korea (October 2016)"
    )
    # The caption is the figure's text, not repeated as a paragraph.
    assert texts(doc).count(figure.text) == 1
    assert doc.sections[1].heading == "Practical cooperation"


def test_quoted_stamp_in_the_body_is_text_not_the_stamp() -> None:
    doc = parse_case("stamp_quoted_in_body")
    assert doc.last_updated is not None and doc.last_updated.text == "16 Jul. 2024 10:28"
    assert "Last updated: 01 Jan. 2020 10:00" in texts(doc)
    no_stamp = parse_case("stamp_quoted_no_stamp")
    assert no_stamp.last_updated is None
    assert "Last updated: 01 Jan. 2020 10:00" in texts(no_stamp)


# --- the stamp -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "iso"),
    [
        ("16 Jul. 2024 10:28", "2024-07-16T10:28:00+02:00"),
        ("15 Jan. 2024 16:40", "2024-01-15T16:40:00+01:00"),
        ("03 May. 2023 09:15", "2023-05-03T09:15:00+02:00"),
        ("21 Sep. 2022 14:05", "2022-09-21T14:05:00+02:00"),
        ("21 Sept. 2022 14:05", "2022-09-21T14:05:00+02:00"),
        ("6 Oct. 2016 17:16", "2016-10-06T17:16:00+02:00"),
        ("31 Mar. 2024 12:00", "2024-03-31T12:00:00+02:00"),
        ("27 Oct. 2024 12:00", "2024-10-27T12:00:00+01:00"),
        ("01 Dec. 2015 08:00", "2015-12-01T08:00:00+01:00"),
    ],
)
def test_stamp_is_brussels_time(shown: str, iso: str) -> None:
    doc = parse(page(FILLER, meta=f"<ul><li>Last updated: {shown}</li></ul>"), url=CANONICAL)
    assert doc.last_updated is not None
    assert doc.last_updated.text == shown
    assert doc.last_updated.at.isoformat() == iso
    assert doc.last_updated.at.tzinfo == BRUSSELS


@pytest.mark.parametrize(
    "meta",
    [
        f"<ul class='event-info'><li>{STAMP}</li></ul>",
        f"<p class='date'>{STAMP}</p>",
        f"<div><span class='meta'>{STAMP}</span></div>",
        "<p><strong>Last updated:</strong> <time datetime='2024-07-16'>16 Jul. 2024 10:28</time></p>",
        "<ul><li>Mis à jour le: 16 Jul. 2024 10:28</li></ul>",
        "<ul><li>Mis à jour le&nbsp;: 16&nbsp;Jul. 2024 10:28</li></ul>",
        "<p>Last updated 16 Jul. 2024 10:28</p>",
        "<ul><li>16 Jul. 2024</li><li>|</li><li>Last updated: 16 Jul. 2024 10:28</li></ul>",
        "<dl class='meta'><dt>Last updated:</dt><dd>16 Jul. 2024 10:28</dd></dl>",
        "<table><tr><td>Last updated:</td><td>16 Jul. 2024 10:28</td></tr></table>",
    ],
)
def test_stamp_wherever_the_template_puts_it(meta: str) -> None:
    doc = parse(page(FILLER, meta=meta), url=CANONICAL)
    assert doc.last_updated == LastUpdated(
        text="16 Jul. 2024 10:28", at=datetime(2024, 7, 16, 10, 28, tzinfo=BRUSSELS)
    )
    # The stamp line, and a news page's date and "|" beside it, are not content.
    assert texts(doc) == [texts(parse(page(FILLER, meta=""), url=CANONICAL))[0]]


@pytest.mark.parametrize(
    "above",
    [
        f"<p class='date'>{STAMP}</p>",
        f"<ul><li>16 Jul. 2024</li><li>|</li><li>{STAMP}</li></ul>",
    ],
)
def test_stamp_above_the_title(above: str) -> None:
    html = f"<html><body><article>{above}<h1>{TITLE}</h1>{FILLER}</article></body></html>"
    doc = parse(html, url=CANONICAL)
    assert doc.last_updated is not None and doc.last_updated.text == "16 Jul. 2024 10:28"
    assert len(blocks(doc)) == 1


@pytest.mark.parametrize(
    "stamp",
    [
        "Last updated: 16 Jly. 2024 10:28",
        "Last updated: 32 Jul. 2024 10:28",
        "Last updated: 16 Jul. 2024",
        "Last updated: 16/07/2024 10:28",
        "Last updated: 16 Jul. 2024 25:00",
        "Last updated:",
        "Mis à jour le: 16 juillet 2024 10h28",
    ],
)
def test_malformed_stamp_is_a_parse_error_naming_the_text(stamp: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(page(FILLER, meta=f"<ul><li>{stamp}</li></ul>"), url=CANONICAL)
    assert "malformed 'Last updated' stamp" in str(info.value)
    assert repr(stamp) in str(info.value)


def test_stamp_is_only_read_near_the_title() -> None:
    body = (
        f"{FILLER}<p>Second paragraph of the introduction.</p><p>Third one.</p>"
        f"<p>{STAMP}</p><h2>Political dialogue</h2><p>{STAMP}</p>"
    )
    doc = parse(page(body, meta=""), url=CANONICAL)
    assert doc.last_updated is None
    assert texts(doc).count(STAMP) == 2


def test_sentence_starting_like_a_stamp_is_text() -> None:
    body = "<p>Last updated versions of the Strategic Concept are published at each summit.</p>"
    doc = parse(page(body + FILLER, meta=""), url=CANONICAL)
    assert doc.last_updated is None
    assert texts(doc)[0].startswith("Last updated versions")


def test_page_without_stamp_has_none() -> None:
    doc = parse(nato_page(edited(load_content(), stamp=None)), url=CANONICAL)
    assert doc.last_updated is None
    assert blocks(doc) == blocks(parse_case("nato_2024"))


# --- sections and headings ---------------------------------------------------------------------


def test_heading_levels_are_relative() -> None:
    def article(top: str, sub: str) -> str:
        return page(
            f"{FILLER}<{top}>Political dialogue</{top}><p>One.</p>"
            f"<{sub}>Summits</{sub}><p>Two.</p><{top}>Key areas of cooperation</{top}><p>Three.</p>"
        )

    h2h3 = parse(article("h2", "h3"), url=CANONICAL)
    h3h4 = parse(article("h3", "h4"), url=CANONICAL)
    h2h5 = parse(article("h2", "h5"), url=CANONICAL)
    assert h2h3 == h3h4 == h2h5
    assert [(s.heading, s.level) for s in h2h3.sections] == [
        (None, 1),
        ("Political dialogue", 2),
        ("Summits", 3),
        ("Key areas of cooperation", 2),
    ]


def test_bold_paragraph_followed_by_content_is_a_heading() -> None:
    body = (
        f"{FILLER}<p><strong>Political dialogue</strong></p><p>One.</p>"
        "<h2>Key areas</h2><p><b>Cyber defence</b></p><ul><li>Two.</li></ul>"
        "<p><b>Closing bold line</b></p><h2>Last</h2><p>Three.</p><p><b>At the very end</b></p>"
    )
    doc = parse(page(body), url=CANONICAL)
    assert [(s.heading, s.level) for s in doc.sections] == [
        (None, 1),
        ("Political dialogue", 3),
        ("Key areas", 2),
        ("Cyber defence", 3),
        ("Last", 2),
    ]
    # Bold lines not followed by content stay paragraphs.
    assert doc.sections[3].blocks[-1] == Block(kind=BlockKind.PARAGRAPH, text="Closing bold line")
    assert doc.sections[4].blocks[-1] == Block(kind=BlockKind.PARAGRAPH, text="At the very end")


def test_bold_sentence_is_not_a_heading() -> None:
    body = f"<p><strong>NATO condemns the missile launch.</strong></p>{FILLER}"
    doc = parse(page(body), url=CANONICAL)
    assert [s.heading for s in doc.sections] == [None]
    assert texts(doc)[0] == "NATO condemns the missile launch."


def test_section_ids_are_stable_slugs() -> None:
    body = (
        f"{FILLER}<h2>Political dialogue</h2><p>a</p><h2>Political dialogue</h2><p>b</p>"
        "<h2>Political  dialogue</h2><p>c</p><h2>Lead</h2><p>d</p>"
        "<h2>Coopération pratique</h2><p>e</p><h2>한국</h2><p>f</p>"
    )
    doc = parse(page(body), url=CANONICAL)
    assert [s.id for s in doc.sections] == [
        "lead",
        "political-dialogue",
        "political-dialogue-2",
        "political-dialogue-3",
        "lead-2",
        "cooperation-pratique",
        "한국",
    ]


def test_no_lead_section_when_the_article_starts_with_a_heading() -> None:
    doc = parse(page(f"<h2>Political dialogue</h2>{FILLER}"), url=CANONICAL)
    assert [s.id for s in doc.sections] == ["political-dialogue"]


def test_heading_inside_an_unclosed_list_item_ends_the_list() -> None:
    body = (
        f"{FILLER}<ul><li>first<li>second<h2>Next</h2><p>para</p>"
        "<ul><li>after</li></ul><p>more</p></ul><h2>Then</h2><p>end</p>"
    )
    doc = parse(page(body), url=CANONICAL)
    assert [
        (s.heading, [(b.kind.value, b.text, b.depth) for b in s.blocks]) for s in doc.sections
    ] == [
        (None, [("paragraph", texts(doc)[0], 0), ("bullet", "first", 0), ("bullet", "second", 0)]),
        ("Next", [("paragraph", "para", 0), ("bullet", "after", 0), ("paragraph", "more", 0)]),
        ("Then", [("paragraph", "end", 0)]),
    ]


# --- blocks --------------------------------------------------------------------------------------


def test_bullets_nest_with_depth() -> None:
    body = (
        f"{FILLER}<ul><li>top<ul><li>inner<ul><li>deepest</li></ul></li>"
        "<li><p>in a</p><p>paragraph</p></li></ul></li><li>top again</li></ul><ol><li>numbered</li></ol>"
    )
    doc = parse(page(body), url=CANONICAL)
    got = [(b.text, b.depth) for b in blocks(doc) if b.kind is BlockKind.BULLET]
    assert got == [
        ("top", 0),
        ("inner", 1),
        ("deepest", 2),
        ("in a paragraph", 1),
        ("top again", 0),
        ("numbered", 0),
    ]


@pytest.mark.parametrize(
    ("html", "label", "text"),
    [
        ("<li><strong>Cyber defence:</strong> Since 2021.</li>", "Cyber defence", "Since 2021."),
        ("<li><b>Cyber defence</b>: Since 2021.</li>", "Cyber defence", "Since 2021."),
        ("<li><strong>Cyber defence: </strong>Since 2021.</li>", "Cyber defence", "Since 2021."),
        ("<li><b>Cyber</b> <b>defence:</b> Since 2021.</li>", "Cyber defence", "Since 2021."),
        ("<li><strong>Cyber défense :</strong> Depuis 2021.</li>", "Cyber défense", "Depuis 2021."),
        (
            "<li><span style='font-weight: bold'>Cyber defence:</span> Since 2021.</li>",
            "Cyber defence",
            "Since 2021.",
        ),
        (
            "<li><strong>Important</strong> news since 2021.</li>",
            None,
            "Important news since 2021.",
        ),
        (
            "<li><strong>Cyber defence: since 2021.</strong></li>",
            None,
            "Cyber defence: since 2021.",
        ),
        ("<li>Cyber defence: since 2021.</li>", None, "Cyber defence: since 2021."),
        ("<li>Since <b>2021</b>: exercises.</li>", None, "Since 2021: exercises."),
    ],
)
def test_bold_lead_in_becomes_the_label(html: str, label: str | None, text: str) -> None:
    doc = parse(page(f"{FILLER}<ul>{html}</ul>"), url=CANONICAL)
    bullet = blocks(doc)[1]
    assert (bullet.kind, bullet.label, bullet.text) == (BlockKind.BULLET, label, text)


def test_paragraph_with_bold_lead_in_gets_a_label() -> None:
    doc = parse(
        page(f"{FILLER}<p><strong>Note:</strong> Figures as of <a href='x.htm'>July</a>.</p>"),
        url=CANONICAL,
    )
    para = blocks(doc)[1]
    assert (para.kind, para.label, para.text) == (
        BlockKind.PARAGRAPH,
        "Note",
        "Figures as of July.",
    )
    assert para.links == (Link("July", "https://www.nato.int/cps/en/natohq/x.htm"),)


def test_links_are_normalised_and_kept_with_their_text() -> None:
    body = (
        f"{FILLER}<p>See <a href='/cps/en/SID-268C77FB-5154DB95/natohq/topics_50336.htm?selectedLocale=en'>"
        "Japan</a>, <a href='javascript:void(0)'>print</a>, "
        "<a href='mailto:media@hq.nato.int'>the press office</a> and "
        "<a href='https://www.nato.int/cps/en/natohq/topics_48899.htm#top'>Australia</a>.</p>"
    )
    para = blocks(parse(page(body), url=CANONICAL))[1]
    assert para.text == "See Japan, print, the press office and Australia."
    assert para.links == (
        Link("Japan", "https://www.nato.int/cps/en/natohq/topics_50336.htm"),
        Link("the press office", "mailto:media@hq.nato.int"),
        Link("Australia", "https://www.nato.int/cps/en/natohq/topics_48899.htm"),
    )


def test_figures() -> None:
    body = (
        f"{FILLER}"
        "<figure><img src='/img/a.jpg' alt='Signing ceremony'><figcaption>The agreement, "
        "<a href='/cps/en/natohq/news_1.htm'>signed</a> in July 2024</figcaption></figure>"
        "<p><a href='/img/b-large.jpg'><img src='/img/b.jpg' alt='Summit'></a></p>"
        "<div class='image-left'><div class='image'><img src='/img/c.jpg' alt=''></div>"
        "<div class='wp-caption-text'>A caption in a div</div></div>"
        "<p><img src='/img/pixel.gif' width='1' height='1' alt=''></p>"
        "<p><img src='data:image/gif;base64,R0lGOD' data-src='/img/d.jpg' alt='Lazy'></p>"
        "<p>Report <a href='/r.pdf'><img src='/img/pdf.gif' alt='PDF'> download</a> here.</p>"
        "<ul><li><img src='/img/flag.gif' alt='flag'> A bullet with a flag icon.</li></ul>"
    )
    doc = parse(page(body), url=CANONICAL)
    figures = [b for b in blocks(doc) if b.kind is BlockKind.FIGURE]
    assert figures == [
        Block(
            kind=BlockKind.FIGURE,
            text="The agreement, signed in July 2024",
            links=(Link("signed", "https://www.nato.int/cps/en/natohq/news_1.htm"),),
            alt="Signing ceremony",
            src="https://www.nato.int/img/a.jpg",
        ),
        Block(kind=BlockKind.FIGURE, text="", alt="Summit", src="https://www.nato.int/img/b.jpg"),
        Block(
            kind=BlockKind.FIGURE, text="A caption in a div", src="https://www.nato.int/img/c.jpg"
        ),
        Block(kind=BlockKind.FIGURE, text="", alt="Lazy", src="https://www.nato.int/img/d.jpg"),
    ]
    assert "A caption in a div" not in [
        b.text for b in blocks(doc) if b.kind is not BlockKind.FIGURE
    ]
    assert "Report download here." in texts(doc)
    assert "A bullet with a flag icon." in texts(doc)


def test_double_line_break_separates_paragraphs() -> None:
    body = f"{FILLER}<div>First part<br><br>\n<br>Second part<br>continued</div>"
    assert texts(parse(page(body), url=CANONICAL))[1:] == ["First part", "Second part continued"]


def test_text_is_normalised_but_kept_as_written() -> None:
    body = (
        "<p>NATO\u2019s \u201cpartners\u201d:&nbsp;&nbsp;Indo-\u2060Pacific\u200b, co\u00adoperation,"
        " Coope\u0301ration\ufeff,\n\t  end.</p>"
        + FILLER
        + "<p>&nbsp;</p><p> \u200b </p><p><br></p>"
    )
    doc = parse(page(body), url=CANONICAL)
    assert texts(doc) == [
        "NATO\u2019s \u201cpartners\u201d: Indo-Pacific, cooperation, Coopération, end.",
        texts(doc)[1],
    ]
    assert texts(doc)[0].count("\u00e9") == 1  # NFC: one code point


def test_a_changed_word_inside_a_bullet_changes_the_document() -> None:
    before = parse_case("nato_2024")
    after = parse(
        nato_page(edited(load_content(), replace_text={"steadfast": "unwavering"})), url=CANONICAL
    )
    assert after.content_hash != before.content_hash
    changed = [
        (a.text, b.text) for a, b in zip(blocks(before), blocks(after), strict=True) if a != b
    ]
    assert len(changed) == 1 and "unwavering" in changed[0][1]


def test_a_new_caption_or_photo_changes_the_document() -> None:
    html = nato_page(load_content("2016-10-06_en_opening"))
    before = parse(html, url=CANONICAL)
    recaptioned = parse(html.replace("(October 2016)", "(2016)"), url=CANONICAL)
    new_photo = parse(html.replace("240716-rok-1.jpg", "161006-rok.jpg"), url=CANONICAL)
    assert len({before.content_hash, recaptioned.content_hash, new_photo.content_hash}) == 3


def all_words(doc: Document) -> list[str]:
    return sorted(
        " ".join(f"{b.label}: {b.text}" if b.label else b.text for b in blocks(doc)).split()
    )


def test_unclosed_title_heading_still_gives_the_article() -> None:
    html = nato_page(load_content()).replace(f"{TITLE}</h1>", TITLE, 1)
    assert parse(html, url=CANONICAL) == parse_case("nato_2024")


def test_unclosed_share_bar_does_not_take_the_article_with_it() -> None:
    html = nato_page(load_content()).replace(
        '<a href="javascript:window.print()">Print</a></div>',
        '<a href="javascript:window.print()">Print</a>',
        1,
    )
    doc = parse(html, url=CANONICAL)
    reference = parse_case("nato_2024")
    assert doc.last_updated == reference.last_updated
    assert [s.heading for s in doc.sections] == [s.heading for s in reference.sections]
    # Every word of the article is kept; the swallowing bar's own words come along.
    assert set(all_words(reference)) <= set(all_words(doc))


@pytest.mark.parametrize(
    ("closing", "instead"),
    [
        ("Skip to main content</a>", "Skip to main content"),
        ("Accept all cookies</button>", "Accept all cookies"),
    ],
)
def test_unclosed_link_or_button_does_not_lose_the_article(closing: str, instead: str) -> None:
    html = read_case("modern_2024")[0].replace(closing, instead, 1)
    doc = parse(html, url=CANONICAL)
    assert doc.title == TITLE and doc.last_updated == parse_case("nato_2024").last_updated
    assert set(all_words(parse_case("nato_2024"))) <= set(all_words(doc))


def test_damaged_markup_never_crashes_the_parser() -> None:
    import random

    tags = [
        "<li>", "</li>", "<ul>", "</ul>", "<h1>", "</h1>", "<h2>", "</h2>", "<p>", "</div>",
        "<div>", "<b>", "</b>", "<table>", "<td>", "<br>", "<img src='x.jpg'>", "<figure>",
        "&nbsp;", "\u200b", "<!--", "<script>", '<a href="http://[::1">', '<a href="::x::">',
        "Last updated: ", "Last updated: 99 Jul. 2024 10:28", "\x00", "<?xml version='1.0'?>",
    ]  # fmt: skip
    sources = [
        read_case(name)[0] for name in ("nato_2024", "table_2024", "modern_2024", "wayback_2024")
    ]
    rng = random.Random(2024)
    outcomes = {"document": 0, "refused": 0}
    for _ in range(300):
        html = rng.choice(sources)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(html) + 1)
            if rng.random() < 0.3:
                html = html[:at] + html[at + rng.randint(1, 300) :]
            else:
                html = html[:at] + rng.choice(tags) + html[at:]
        try:
            parse(html, url=CANONICAL)
            outcomes["document"] += 1
        except ParseError:
            outcomes["refused"] += 1
    # Damage is either read through or refused with a reason; most pages survive it.
    assert outcomes["document"] > 200, outcomes


# --- title, region, boilerplate ------------------------------------------------------------------


def test_title_is_the_main_heading_not_the_title_tag() -> None:
    html = (
        "<html><head><title>NATO - Topic: Something else entirely</title></head><body>"
        "<header><h1 class='logo'><a href='/'><img src='/logo.png' alt='NATO'></a></h1>"
        "<h1>NATO</h1><nav><a href='/'>Home</a></nav></header>"
        f"<div id='content'><h1>{TITLE}</h1>{FILLER}</div></body></html>"
    )
    assert parse(html, url=CANONICAL).title == TITLE


def test_line_breaks_in_headings_read_as_spaces() -> None:
    html = page(f"{FILLER}<h2>Political<br>dialogue</h2><p>x</p>").replace(
        f"<h1>{TITLE}</h1>", "<h1>Relations with<br/>the Republic of Korea</h1>"
    )
    doc = parse(html, url=CANONICAL)
    assert doc.title == TITLE
    assert doc.sections[1].heading == "Political dialogue"


def test_hidden_error_dialog_does_not_sink_a_real_article() -> None:
    dialog = (
        '<div class="modal" hidden><h1>Error</h1><p>Your session has expired.</p></div>'
        '<div id="search-overlay" style="display: none"><h1>Page not found</h1></div>'
    )
    html = nato_page(load_content()).replace(
        '<body class="topics">', f'<body class="topics">{dialog}'
    )
    assert parse(html, url=CANONICAL) == parse_case("nato_2024")


def test_an_icon_title_is_not_the_page_title() -> None:
    html = (
        "<html><body><svg><title>Share on X</title><path d='M0'/></svg>"
        f"<div><title>NATO - Topic: {TITLE}</title><p>{TITLE}</p>{FILLER}</div></body></html>"
    )
    assert parse(html, url=CANONICAL).title == TITLE


def test_logo_heading_is_not_the_title() -> None:
    html = (
        f"<html><head><title>NATO - Topic: {TITLE}</title></head><body>"
        "<header><h1><a href='/'>NATO</a></h1></header>"
        f"<table><tr><td><font size='5'><b>{TITLE}</b></font><br>{FILLER}</td></tr></table>"
        "</body></html>"
    )
    doc = parse(html, url=CANONICAL)
    assert doc.title == TITLE
    assert len(blocks(doc)) == 1


@pytest.mark.parametrize(
    "title_tag",
    [f"NATO - Topic: {TITLE}", f"{TITLE} | NATO", f"NATO - OTAN - {TITLE}", TITLE],
)
def test_title_falls_back_to_the_title_tag(title_tag: str) -> None:
    html = f"<html><head><title>{title_tag}</title></head><body><div>{FILLER}</div></body></html>"
    assert parse(html, url=CANONICAL).title == TITLE


def test_big_navigation_column_does_not_displace_the_article() -> None:
    from cases.build import table_page

    menu = "\n".join(
        f'<tr><td><a href="/cps/en/natohq/topics_{n}.htm">Topic number {n} of the menu</a></td></tr>'
        for n in range(600)
    )
    html = table_page(load_content()).replace(
        'cellpadding="2">\n', f'cellpadding="2">\n{menu}\n', 1
    )
    assert menu[:40] in html
    assert parse(html, url=CANONICAL) == parse_case("nato_2024")


def test_wayback_copy_without_toolbar_markers_is_the_same_document() -> None:
    html = wayback_copy(nato_page(load_content()), toolbar_markers=False)
    assert "BEGIN WAYBACK TOOLBAR INSERT" not in html and 'id="wm-ipp-base"' in html
    memento = f"https://web.archive.org/web/20240717000000/{CANONICAL}"
    assert parse(html, url=memento) == parse_case("nato_2024")


def test_session_ids_differing_between_copies_give_the_same_hash() -> None:
    html = nato_page(load_content())
    other = with_other_session(html)
    assert "SID-4E37114D-E9973C8C" in other and other != html
    assert parse(other, url=CANONICAL).content_hash == parse(html, url=CANONICAL).content_hash


def test_bytes_are_decoded_like_a_browser() -> None:
    html = nato_page(load_content())
    assert parse(html.encode("utf-8"), url=CANONICAL) == parse(html, url=CANONICAL)
    legacy = page(FILLER.replace("NATO and", "NATO\u2019s partners and")).replace(
        "<head>", "<head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>"
    )
    doc = parse(legacy.encode("cp1252"), url=CANONICAL)
    assert texts(doc)[0].startswith("NATO\u2019s partners and")


def test_article_that_mentions_errors_is_still_an_article() -> None:
    content = edited(
        load_content(),
        replace_text={
            "threat-sharing defence initiative": "threat-sharing defence initiative "
            "(its alerts read “Access denied”, “Page not found” or “Error 404”)"
        },
    )
    doc = parse(nato_page(content), url=CANONICAL)
    assert any("Access denied" in t for t in texts(doc))


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("", "empty body"),
        ("  \n\t ", "empty body"),
        ("<!-- nothing -->", "empty body"),
        (
            "<html><head><title>NATO - Site under maintenance</title></head><body><h1>Site under maintenance</h1><p>Back soon.</p></body></html>",
            "error page",
        ),
        (
            "<html><body><h1>Relations with the Republic of Korea</h1><p>Coming soon.</p></body></html>",
            "no article content",
        ),
        (
            "<html><head><title>NATO</title></head><body><div id='root'></div><script src='/app.js'></script></body></html>",
            "may need a browser to render (try --browser)",
        ),
        (
            "<html><body><p>Please enable JavaScript and cookies to continue</p></body></html>",
            "bot check",
        ),
    ],
)
def test_non_articles_are_refused_with_a_reason(html: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(html, url=CANONICAL)
    assert message in str(info.value)


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        (
            "/cps/en/SID-268C77FB-5154DB95/natohq/topics_50336.htm",
            "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        ),
        (
            "/cps/en/natohq/topics_50336.htm?selectedLocale=en",
            "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        ),
        ("/cps/en/natohq/topics_50336.htm?", "https://www.nato.int/cps/en/natohq/topics_50336.htm"),
        (
            "/cps/en/natohq/news_1.htm?selectedLocale=fr&mode=pressrelease#top",
            "https://www.nato.int/cps/fr/natohq/news_1.htm?mode=pressrelease",
        ),
        (
            "/cps/en/natohq/news_1.htm?mode=a&SelectedLocale=en&x=1",
            "https://www.nato.int/cps/en/natohq/news_1.htm?mode=a&x=1",
        ),
        ("topics_48899.htm", "https://www.nato.int/cps/en/natohq/topics_48899.htm"),
        ("../../../nato_static_fl2014/a.jpg", "https://www.nato.int/nato_static_fl2014/a.jpg"),
        ("#itpp", CANONICAL),
        (
            "//www.nato.int/cps/en/natohq/topics_49188.htm",
            "https://www.nato.int/cps/en/natohq/topics_49188.htm",
        ),
        (
            "HTTPS://WWW.NATO.INT:443/cps/en/natohq/x.htm",
            "https://www.nato.int/cps/en/natohq/x.htm",
        ),
        ("  /cps/en/natohq/x.htm\n", "https://www.nato.int/cps/en/natohq/x.htm"),
        (
            "https://web.archive.org/web/20240717000000/https://www.nato.int/cps/en/natohq/x.htm",
            "https://www.nato.int/cps/en/natohq/x.htm",
        ),
        (
            "https://web.archive.org/web/20240717000000im_/https://www.nato.int/img/a.jpg",
            "https://www.nato.int/img/a.jpg",
        ),
        (
            "/web/20160101000000/http://www.nato.int/cps/en/SID-4E37114D-E9973C8C/natolive/x.htm?selectedLocale=en",
            "https://www.nato.int/cps/en/natohq/x.htm",
        ),
        ("https://web.archive.org/web/2016/http:/www.nato.int/x.htm", "https://www.nato.int/x.htm"),
        # nato.int's other shapes of one page: natolive, another locale prefix + selectedLocale
        (
            "/cps/en/natolive/topics_50336.htm",
            "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        ),
        (
            "/cps/fr/natohq/topics_50336.htm?selectedLocale=en",
            "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        ),
        (
            "http://www.nato.int/cps/ru/SID-1A-2B/natolive/topics_50336.htm?selectedLocale=en",
            "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        ),
        (
            "/cps/fr/natolive/topics_50336.htm",
            "https://www.nato.int/cps/fr/natohq/topics_50336.htm",
        ),
        ("https://example.org/cps/en/natolive/x.htm", "https://example.org/cps/en/natolive/x.htm"),
        ("mailto:media@hq.nato.int", "mailto:media@hq.nato.int"),
        ("https://twitter.com/NATO", "https://twitter.com/NATO"),
    ],
)
def test_canonical_url(href: str, expected: str) -> None:
    assert canonical_url(href, base=CANONICAL) == expected


def test_canonical_url_unwraps_a_memento_base_and_is_idempotent() -> None:
    memento = f"https://web.archive.org/web/20240717000000/{CANONICAL}"
    assert canonical_url("topics_50336.htm", base=memento) == (
        "https://www.nato.int/cps/en/natohq/topics_50336.htm"
    )
    once = canonical_url("/cps/en/SID-1-2/natohq/x.htm?selectedLocale=en&a=1#f", base=CANONICAL)
    assert canonical_url(once, base=CANONICAL) == once


def test_parser_version_is_recorded_as_text() -> None:
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION.isdigit()
