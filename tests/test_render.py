"""Tests of scraper.render: golden Markdown and HTML, well-formed HTML, the index and the feed,
and that untrusted page text never becomes markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from diff_cases import TARGET, build_cases, case_dir, case_report
from golden import check_golden
from lxml import etree

from scraper.core.diff import diff
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Section
from scraper.core.records import Provenance, Source, Version
from scraper.reports.json_report import render_json
from scraper.reports.markdown import escape_markdown, render_markdown
from scraper.reports.model import Report, ReportSummary, VersionRef
from scraper.reports.site import FEED_ENTRIES, FEED_ID, render_feed, render_html, render_index

CASES = build_cases()
NAMES = sorted(CASES)
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
XSS_SCRIPT = "<script>alert('pwned')</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'


def xml(text: str) -> etree._Element:
    """Parse as strict XML: any unescaped markup or stray entity fails here."""
    return etree.fromstring(text.encode("utf-8"))


def all_text(root: etree._Element) -> str:
    return "".join(root.itertext())


# -- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_golden_markdown(name: str) -> None:
    check_golden(case_dir(name) / "expected.md", render_markdown(case_report(CASES[name])))


@pytest.mark.parametrize("name", NAMES)
def test_golden_html(name: str) -> None:
    check_golden(case_dir(name) / "expected.html", render_html(case_report(CASES[name])))


@pytest.mark.parametrize("name", NAMES)
def test_html_is_well_formed_and_standalone(name: str) -> None:
    page = render_html(case_report(CASES[name]))
    assert page.startswith("<!DOCTYPE html>\n")
    root = xml(page)
    assert root.tag == "html"
    head = root.find("head")
    assert head is not None
    assert head.find("meta[@name='viewport']") is not None
    # No external assets: no stylesheet links, scripts, images or remote URLs to load.
    assert root.find(".//script") is None and root.find(".//link") is None
    assert root.find(".//img") is None
    assert "url(" not in page and "@import" not in page


@pytest.mark.parametrize("name", NAMES)
def test_html_marks_every_edit_with_ins_and_del(name: str) -> None:
    report = case_report(CASES[name])
    root = xml(render_html(report))
    body = root.find("body")
    assert body is not None
    inserted = "".join("".join(e.itertext()) for e in body.iter("ins"))
    deleted = "".join("".join(e.itertext()) for e in body.iter("del"))
    for sec in report.change.sections:
        for item in sec.blocks:
            for part in item.diff:
                target = inserted if part.op == 1 else deleted if part.op == -1 else None
                if target is not None:
                    assert part.text in target


def test_html_styles_edits_without_relying_on_colour() -> None:
    page = render_html(case_report(CASES["one-word"]))
    assert re.search(r"ins \{[^}]*text-decoration: underline", page)
    assert re.search(r"del \{[^}]*text-decoration: line-through", page)
    assert "@media print" in page and "max-width" in page


def test_html_collapses_unchanged_context() -> None:
    root = xml(render_html(case_report(CASES["bullet-added"])))
    section = root.find(".//section[@id='section-political-dialogue']")
    assert section is not None
    runs = [(el.tag, el.findtext("summary")) for el in section if el.tag in ("details", "div")]
    # Context before and after the added bullet, collapsed; the change itself open.
    assert runs == [
        ("details", "3 unchanged blocks"),
        ("div", None),
        ("details", "1 unchanged block"),
    ]


def test_markdown_summary_comes_first_and_names_the_silent_edit() -> None:
    text = render_markdown(case_report(CASES["silent-edit"]))
    lines = text.splitlines()
    assert lines[0] == "# Change report: Relations with the Republic of Korea"
    assert lines[2].startswith(
        "**NATO changed the wording without updating the page's 'Last updated' stamp "
        "(silent edit).**"
    )
    assert "~~is interested in improving~~ **seeks to improve**" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("restamp", "Only the 'Last updated' stamp changed (restamp); the wording is identical."),
        (
            "stamp-backwards",
            "The 'Last updated' stamp went backwards, from 18 Jul. 2024 09:00 to 16 Jul. 2024 10:28",
        ),
        (
            "stamp-missing",
            "NATO changed the wording and removed the page's 'Last updated' stamp (silent edit).",
        ),
        ("one-word", "NATO changed the wording and updated the page's 'Last updated' stamp."),
    ],
)
def test_stamp_sentence_tops_every_format(name: str, sentence: str) -> None:
    report = case_report(CASES[name])
    assert sentence in render_markdown(report).splitlines()[2]
    root = xml(render_html(report))
    headline = root.find(".//p[@class='headline']")
    assert headline is not None and (headline.text or "").startswith(sentence)


def test_markdown_names_moves_and_renames() -> None:
    moved = render_markdown(case_report(CASES["bullet-moved"]))
    assert "*Moved bullet, from Introduction:*" in moved
    renamed = render_markdown(case_report(CASES["heading-renamed"]))
    assert "## Areas of practical cooperation — renamed (was “Key areas of cooperation”)" in renamed
    swapped = render_markdown(case_report(CASES["bullets-swapped"]))
    assert "*Moved bullet, within this section (was item 2, now 1):*" in swapped


# -- JSON and summaries ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_summary_from_json_equals_summary_from_report(name: str) -> None:
    report = case_report(CASES[name])
    assert ReportSummary.from_json(render_json(report)) == ReportSummary.from_report(report)


def test_json_versions_carry_offsets_and_utc_times() -> None:
    data = json.loads(render_json(case_report(CASES["rewrite-2016-2024"])))
    assert data["old"] == {
        "captured_at": "2016-10-07T08:15:02Z",
        "fetched_at": "2016-10-07T08:15:02Z",
        "id": "2016-10-07T081502Z",
        "imported": True,
        "last_updated": "2016-10-06T17:16:00+02:00",
        "last_updated_text": "06 Oct. 2016 17:16",
    }
    assert data["title"] is None and data["flags"] and data["significant"] is True
    assert data["terms"]["Indo-Pacific"]["old"] == 0 and data["terms"]["Indo-Pacific"]["new"] == 7
    text = render_json(case_report(CASES["title-changed"]))
    assert json.loads(text)["title"] == {
        "old": "Relations with the Republic of Korea",
        "new": "NATO cooperation with the Republic of Korea",
    }
    assert text.endswith("}\n") and '\n "flags"' in text  # indent 1, sorted keys


def test_version_ref_from_version_marks_imports() -> None:
    case = CASES["one-word"]
    report = case_report(case)
    doc = Document("T", report.old.last_updated)
    fetched = case.old_captured - timedelta(seconds=3)
    prov = Provenance(
        url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        final_url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        status=200,
        fetched_at=fetched,
        raw_sha256="0" * 64,
        parser_version="1",
    )
    live = Version(TARGET, case.old_id, case.old_captured, doc, prov)
    ref = VersionRef.from_version(live)
    assert (ref.id, ref.captured_at, ref.fetched_at, ref.imported) == (
        case.old_id,
        case.old_captured,
        fetched,
        False,
    )
    assert ref.last_updated == report.old.last_updated
    wayback = replace(live, provenance=replace(prov, source=Source.WAYBACK))
    assert VersionRef.from_version(wayback).imported


# -- index and feed --------------------------------------------------------------------------


def summaries() -> list[ReportSummary]:
    # One change per case, a day apart, handed over out of order; and a second target.
    out = []
    for k, name in enumerate(NAMES):
        summary = ReportSummary.from_report(case_report(CASES[name]))
        at = datetime(2024, 7, 1, 12, tzinfo=UTC) + timedelta(days=(k * 7) % len(NAMES))
        out.append(replace(summary, captured_at=at, new_id=at.strftime("%Y-%m-%dT%H%M%SZ")))
    japan = replace(
        out[0],
        target="japan",
        new_id="2024-07-19T000000Z",
        captured_at=datetime(2024, 7, 19, tzinfo=UTC),
    )
    return [*out, japan]


def test_index_lists_every_change_newest_first_with_links() -> None:
    items = summaries()
    page = render_index(items)
    root = xml(page)
    rows = root.findall(".//tbody/tr")
    assert len(rows) == len(items)
    captured = [row.findtext("td") for row in rows]
    assert captured == sorted(captured, reverse=True)  # ISO times sort as text
    first_links = [a.get("href") for a in rows[0].iter("a")]
    assert first_links == [
        "japan/2024-07-19T000000Z.html",
        "japan/2024-07-19T000000Z.md",
        "japan/2024-07-19T000000Z.json",
    ]
    assert "silent edit" in page and "stamp backwards" in page
    assert render_index(list(reversed(items))) == page  # input order does not matter


def test_index_without_changes() -> None:
    root = xml(render_index([]))
    assert "No change recorded yet." in all_text(root)


def test_feed_is_valid_atom_newest_first_with_stable_ids() -> None:
    items = summaries()
    text = render_feed(items)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    root = xml(text)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == FEED_ID
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(items)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "tag:nato-watch,2024:japan/2024-07-19T000000Z"
    assert all(i and i.startswith("tag:nato-watch,2024:") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert all(RFC3339.match(u) for u in updated)
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0]
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("rel") == "alternate"
        href = link.get("href") or ""
        assert re.fullmatch(r"[a-z0-9-]+/\d{4}-\d{2}-\d{2}T\d{6}Z\.html", href)
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    # Rebuilding gives the same bytes, whatever order the summaries come in.
    assert render_feed(list(reversed(items))) == text


def test_feed_carries_only_the_newest_changes() -> None:
    base = summaries()[0]
    many = [
        replace(
            base,
            new_id=f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}T000000Z",
            captured_at=datetime(2024, 1 + i // 28, 1 + i % 28, tzinfo=UTC),
        )
        for i in range(FEED_ENTRIES + 20)
    ]
    entries = xml(render_feed(many)).findall(f"{ATOM}entry")
    assert len(entries) == FEED_ENTRIES
    newest = max(many, key=lambda s: s.captured_at)
    assert entries[0].findtext(f"{ATOM}id", "").endswith(f"/{newest.new_id}")


def test_empty_feed_is_valid_and_stable() -> None:
    root = xml(render_feed([]))
    assert root.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"
    assert root.findall(f"{ATOM}entry") == []


# -- untrusted page text ---------------------------------------------------------------------


def hostile_report() -> Report:
    stamp = LastUpdated("16 Jul. 2024 10:28", datetime(2024, 7, 16, 8, 28, tzinfo=UTC))
    heading = f"Key areas {XSS_SCRIPT}"
    old = Document(
        "Relations & <b>friends</b>",
        stamp,
        (
            Section(
                "key",
                heading,
                2,
                (
                    Block(BlockKind.BULLET, "Cyber defence is *vital* & [growing]."),
                    Block(
                        BlockKind.FIGURE, "A caption", alt="Photo", src="https://www.nato.int/a.jpg"
                    ),
                ),
            ),
        ),
    )
    new = Document(
        f"Relations & <b>friends</b> {XSS_ATTR}",
        stamp,
        (
            Section(
                "key",
                heading,
                2,
                (
                    Block(BlockKind.BULLET, f"Cyber defence is *vital* & [growing]. {XSS_SCRIPT}"),
                    Block(
                        BlockKind.FIGURE,
                        f"A caption {XSS_ATTR}",
                        alt=XSS_ATTR,
                        src="https://www.nato.int/a.jpg",
                    ),
                    Block(
                        BlockKind.PARAGRAPH,
                        f"# not a heading {XSS_ATTR}\x0b with a control character",
                    ),
                ),
            ),
        ),
    )
    at = datetime(2024, 7, 18, 12, tzinfo=UTC)
    return Report(
        TARGET,
        VersionRef("2024-07-17T060000Z", at - timedelta(days=1), at - timedelta(days=1), stamp),
        VersionRef("2024-07-18T120000Z", at, at, stamp),
        diff(old, new),
    )


def test_page_markup_is_text_in_the_html_report() -> None:
    page = render_html(hostile_report())
    root = xml(page)  # well-formed despite the hostile text and the control character
    assert root.find(".//script") is None
    assert root.find(".//img") is None
    assert root.find(".//b") is None
    text = all_text(root)
    assert XSS_SCRIPT in text
    assert XSS_ATTR in text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_page_markup_is_text_in_the_feed_and_index() -> None:
    summary = ReportSummary.from_report(hostile_report())
    summary = replace(summary, summary_line=summary.summary_line + " " + XSS_SCRIPT)
    for text in (render_feed([summary]), render_index([summary])):
        root = xml(text)
        assert XSS_SCRIPT in all_text(root)
        assert not any(
            isinstance(el.tag, str) and etree.QName(el).localname == "script" for el in root.iter()
        )


def test_page_markup_is_literal_in_markdown() -> None:
    text = render_markdown(hostile_report())
    assert not re.search(r"(?<!\\)<(script|img|b)", text)
    assert "\\<script\\>" in text
    assert "\\*vital\\* \\& \\[growing\\]" in text
    assert "\n> **\\# not a heading" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words", "plain words"),
        ("a*b_c`d", "a\\*b\\_c\\`d"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("<b>&amp;</b>", "\\<b\\>\\&amp;\\</b\\>"),
        ("~~no~~ |pipe|", "\\~\\~no\\~\\~ \\|pipe\\|"),
        ("line\nbreak", "line break"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_rendering_is_deterministic() -> None:
    report = case_report(CASES["rewrite-2016-2024"])
    assert render_html(report) == render_html(case_report(CASES["rewrite-2016-2024"]))
    assert render_markdown(report) == render_markdown(report)
