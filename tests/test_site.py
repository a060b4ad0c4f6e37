"""The report site: the timeline SVG, the index, the page of each version, the side-by-side
view of a report, the "since" reports, the site's place in the archive (checks, replay,
verify), `diff --since` through the CLI, and `serve`.

Every page must parse as XML (lxml.etree), carry no script, and keep hostile page text as
text. The archive-level tests build a history with the real pipeline (a local HTTP server and
`tests/pages.py` edits, including a silent edit and a restamp).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site, tree
from diff_cases import TARGET, build_cases, case_documents, case_report
from lxml import etree
from pages import edited, load_content, nato_page

from scraper.archive.findings import Severity
from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.core.diff import diff
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link, Section
from scraper.core.records import Provenance, Source, Version
from scraper.core.target import Target
from scraper.core.worddiff import diff_new_text, diff_old_text
from scraper.errors import NotFound
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.reports.model import (
    REPORT_LINKS,
    Report,
    ReportSummary,
    SinceLink,
    VersionInfo,
    VersionRef,
)
from scraper.reports.publish import SINCE_RECENT, since_bases
from scraper.reports.serve import SiteServer, serve_in_thread
from scraper.reports.site import render_html, render_index, render_version_page
from scraper.reports.timeline import (
    R_MAX,
    TICK_CHAR_PX,
    MarkKind,
    build_timeline,
    mark_radius,
)
from scraper.reports.words import since_label
from scraper.run.pipeline import check_target
from scraper.sources.replay import replay_target
from scraper.timespec import stamp_of

CASES = build_cases()
SVG = "{http://www.w3.org/2000/svg}"
XSS_SCRIPT = "<script>alert('pwned')</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'
PATH = "/cps/en/natohq/topics_50098.htm"
T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)


def xml(text: str) -> etree._Element:
    """Parse as strict XML: any unescaped markup or stray entity fails here."""
    return etree.fromstring(text.encode("utf-8"))


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def no_active_content(root: etree._Element) -> None:
    """No element that runs or loads anything: scripts, images, frames, objects."""
    names = {local(el) for el in root.iter()}
    assert not names & {"script", "img", "iframe", "object", "embed"}, names
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name in ("href", "src"):
                assert not value.strip().lower().startswith("javascript:"), value


def text_of(el: etree._Element) -> str:
    return "".join(el.itertext())


def csp_of(root: etree._Element) -> str:
    meta = root.find(".//meta[@http-equiv='Content-Security-Policy']")
    assert meta is not None
    return meta.get("content") or ""


def style_hash(root: etree._Element) -> str:
    style = root.find(".//style")
    assert style is not None and style.text
    return "sha256-" + base64.b64encode(hashlib.sha256(style.text.encode()).digest()).decode()


def summary(
    name: str, *, at: datetime, target: str = TARGET, imported: bool = False
) -> ReportSummary:
    """The summary of a golden case's report, as the change to a version captured at `at`."""
    base = ReportSummary.from_report(case_report(CASES[name]))
    return replace(base, target=target, new_id=stamp_of(at), captured_at=at, imported=imported)


def history(
    *names: str, target: str = TARGET, start: datetime = T0
) -> tuple[list[VersionInfo], list[ReportSummary]]:
    """A first version then one change per case name, a day apart."""
    infos = [VersionInfo(target, stamp_of(start), start)]
    summaries = []
    for k, name in enumerate(names, start=1):
        at = start + timedelta(days=k)
        s = summary(name, at=at, target=target)
        summaries.append(replace(s, old_id=infos[-1].id))
        infos.append(VersionInfo.from_summary(s))
    return infos, summaries


def marks_of(root: etree._Element) -> list[etree._Element]:
    """The timeline's marks (links), in document order (the legend draws none)."""
    return [a for a in root.iter(f"{SVG}a") if "mark" in (a.get("class") or "").split()]


def shape_of(mark: etree._Element) -> etree._Element:
    shapes = [el for el in mark if local(el) in ("circle", "rect", "polygon")]
    assert len(shapes) == 1
    return shapes[0]


def equivalent_radius(shape: etree._Element) -> float:
    """The radius of the circle with the shape's area (marks are drawn area-true)."""
    name = local(shape)
    if name == "circle":
        return float(shape.get("r") or 0)
    if name == "rect":
        return math.sqrt(float(shape.get("width") or 0) * float(shape.get("height") or 0) / math.pi)
    points = [tuple(map(float, p.split(","))) for p in (shape.get("points") or "").split()]
    area = (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
            )
        )
        / 2
    )
    return math.sqrt(area / math.pi)


# -- the timeline -------------------------------------------------------------------------------


def test_one_mark_per_version_shaped_by_kind_not_colour_alone() -> None:
    infos, summaries = history("one-word", "silent-edit", "restamp", "bullet-added")
    # The third change was imported from an archive; one more version has lost its report.
    summaries[3] = replace(summaries[3], imported=True)
    infos[4] = replace(infos[4], imported=True)
    lost = VersionInfo(TARGET, stamp_of(T0 + timedelta(days=9)), T0 + timedelta(days=9))
    root = xml(render_index(summaries, versions=[*infos, lost]))

    marks = marks_of(root)
    assert len(marks) == len(infos) + 1
    kinds = [m.get("data-kind") for m in marks]
    assert kinds == ["first", "change", "silent-edit", "restamp", "change", "unreported"]
    shapes = [local(shape_of(m)) for m in marks]
    assert shapes == ["rect", "circle", "polygon", "circle", "circle", "rect"]
    classes = [set((m.get("class") or "").split()) for m in marks]
    assert "imported" in classes[4] and not any("imported" in c for c in classes[:4])
    # A restamp is a ring, an imported mark hatched and dashed: shapes and patterns, which
    # the stylesheet (not colour alone) tells apart.
    style = root.find(".//style")
    assert style is not None and style.text
    assert re.search(r"\.k-restamp \.s \{[^}]*fill: #fff", style.text)
    assert re.search(
        r"\.imported\.k-change \.s \{[^}]*fill: url\(#hatch-change\)[^}]*stroke-dasharray",
        style.text,
    )
    assert root.find(f".//{SVG}pattern[@id='hatch-change']") is not None
    # Each mark is a link: to its report, or (first version, lost report) to its page.
    hrefs = [m.get("href") for m in marks]
    assert hrefs[0] == f"{TARGET}/pages/{infos[0].id}.html"
    assert hrefs[1:5] == [f"{TARGET}/{i.id}.html" for i in infos[1:]]
    assert hrefs[5] == f"{TARGET}/pages/{lost.id}.html"
    # Its accessible name says what the shape shows.
    titles = [m.findtext(f"{SVG}title") or "" for m in marks]
    assert "silent edit" in titles[2] and "restamp" in titles[3] and "imported" in titles[4]
    assert "first version" in titles[0] and "report missing" in titles[5]
    # The legend names every shape in words.
    legend = root.find(".//ul[@class='marks-legend']")
    assert legend is not None
    words = text_of(legend)
    for phrase in ("silent edit", "restamp", "first version", "imported", "size: blocks touched"):
        assert phrase in words


def test_mark_sizes_follow_the_summaries() -> None:
    names = ["restamp", "one-word", "silent-edit", "section-added", "rewrite-2016-2024"]
    infos, summaries = history(*names)
    root = xml(render_index(summaries, versions=infos))
    marks = marks_of(root)[1:]  # the first version has no change to size
    touched = []
    for mark, s in zip(marks, summaries, strict=True):
        blocks = s.summary.blocks_changed + s.summary.blocks_added + s.summary.blocks_removed
        assert mark.get("data-blocks") == str(blocks)
        touched.append((blocks, equivalent_radius(shape_of(mark))))
    assert [b for b, _ in touched] == sorted(b for b, _ in touched)  # the cases grow
    assert touched[0][0] == 0 and touched[-1][0] > 20
    radii = [r for _, r in touched]
    for (b0, r0), (b1, r1) in itertools.pairwise(touched):
        assert r1 >= r0 - 0.02, (b0, r0, b1, r1)  # shapes are drawn to 0.01 px
        if b1 > b0 and r0 < R_MAX - 0.01:
            assert r1 > r0 + 0.1, (b0, r0, b1, r1)
    # Area-true across shapes: a silent edit's triangle is as big as a circle for as much.
    for kind in MarkKind:
        assert mark_radius(kind, 4) <= R_MAX
    assert abs(radii[2] - mark_radius(MarkKind.SILENT_EDIT, touched[2][0])) < 0.02


def test_the_timeline_is_deterministic_and_order_free() -> None:
    infos, summaries = history("one-word", "silent-edit", "restamp")
    page = render_index(summaries, versions=infos)
    assert render_index(summaries[::-1], versions=infos[::-1]) == page
    assert render_index(summaries, versions=infos) == page


def test_long_quiet_stretches_are_labelled_and_ticks_name_the_dates() -> None:
    start = datetime(2016, 10, 7, 8, 15, tzinfo=UTC)
    infos = [
        VersionInfo(TARGET, stamp_of(at), at, imported=True)
        for at in (start, start + timedelta(days=10), datetime(2020, 3, 1, tzinfo=UTC))
    ]
    timeline = build_timeline(infos, [])
    assert [g.label for g in timeline.gaps] == ["3 years"]
    assert [t.label for t in timeline.ticks] == ["2016", "2020"]
    xs = [m.x for m in timeline.marks]
    assert xs == sorted(xs) and xs[2] - xs[1] > xs[1] - xs[0]


def test_labels_of_long_gaps_in_a_row_do_not_run_into_each_other() -> None:
    """Versions years apart, one after the other (the demo's history): every gap's label,
    centred on it, keeps clear of the one before."""
    years = (2012, 2013, 2016, 2023, 2024)
    infos = [
        VersionInfo(TARGET, stamp_of(at), at)
        for at in (datetime(y, 1 + k, 1, tzinfo=UTC) for k, y in enumerate(years))
    ]
    gaps = build_timeline(infos, []).gaps
    assert [g.label for g in gaps] == ["1 year", "3 years", "7 years", "1 year"]
    for before, after in itertools.pairwise(gaps):
        half_widths = TICK_CHAR_PX * (len(before.label) + len(after.label)) / 2
        assert after.x - before.x >= half_widths, (before, after)


def test_ticks_name_each_year_and_the_months_that_fit() -> None:
    days = [0, 3, 20, 40, 41, 42, 75, 170, 171]  # from 2024-07-16: Jul, Aug, Sep, Jan 2025
    infos = [
        VersionInfo(TARGET, stamp_of(T0 + timedelta(days=d)), T0 + timedelta(days=d)) for d in days
    ]
    ticks = build_timeline(infos, []).ticks
    assert [(t.label, t.major) for t in ticks] == [
        ("2024", True),
        ("Aug", False),
        ("Sep", False),
        ("2025", True),
    ]
    # Crowded: a year's label pushes out the month label before it, never the other way.
    close = [
        VersionInfo(TARGET, stamp_of(at), at)
        for at in (
            datetime(2024, 11, 29, tzinfo=UTC),
            datetime(2024, 11, 30, tzinfo=UTC),
            datetime(2024, 12, 31, tzinfo=UTC),  # "Dec" fits here …
            datetime(2025, 1, 1, tzinfo=UTC),  # … until "2025" needs its room
        )
    ]
    assert [t.label for t in build_timeline(close, []).ticks] == ["2024", "2025"]


def test_two_targets_get_two_lanes_and_a_filter_without_script() -> None:
    korea, korea_s = history("one-word", "silent-edit")
    japan, japan_s = history("restamp", target="japan", start=T0 + timedelta(hours=5))
    page = render_index([*korea_s, *japan_s], versions=[*korea, *japan])
    root = xml(page)
    lanes = root.findall(f".//{SVG}g[@class='lane']")
    assert [g.get("data-target") for g in lanes] == ["japan", TARGET]
    assert [len(marks_of(g)) for g in lanes] == [2, 3]
    # Marks share one axis in capture order, whatever their lane.
    xs = sorted(
        (float(shape_of(m).get("cx") or shape_of(m).get("x") or 0), m.get("data-version"))
        for m in marks_of(root)
    )
    assert len({x for x, _ in xs}) == 5
    nav = root.find(".//nav[@class='filter']")
    assert nav is not None
    assert [a.get("href") for a in nav.iter("a")] == ["#all", "#only-japan", f"#only-{TARGET}"]
    assert root.find(".//span[@id='only-japan']") is not None
    # Verbatim in the page: a <style> element takes no entities.
    assert (
        '#only-japan:target ~ * [data-target]:not([data-target="japan"]) { display: none; }' in page
    )
    assert "&#34;" not in page.split("</style>")[0]
    rows = root.findall(".//tbody/tr")
    assert sorted(r.get("data-target") or "" for r in rows) == ["japan", TARGET, TARGET]


def test_the_index_offers_since_reports() -> None:
    infos, summaries = history("one-word", "silent-edit", "restamp")
    links = [
        SinceLink(
            TARGET,
            infos[0].id,
            infos[0].captured_at,
            infos[-1].id,
            ("the first version",),
            "2 blocks changed",
            f"{TARGET}/since/{infos[0].id}.html",
        ),
        SinceLink(
            TARGET,
            infos[2].id,
            infos[2].captured_at,
            infos[-1].id,
            ("the version before the latest",),
            "restamp",
            f"{TARGET}/{infos[3].id}.html",
        ),
    ]
    root = xml(render_index(summaries, versions=infos, since=links))
    section = root.find(".//section[@class='since']")
    assert section is not None and section.get("data-target") == TARGET
    items = section.findall(".//li")
    assert [li.find("a").get("href") for li in items] == [
        links[1].href,
        links[0].href,
    ]  # newest first
    assert text_of(items[1]).startswith(
        "Since the first version (version 2024-07-16T083000Z, captured 2024-07-16 08:30 UTC): "
        "2 blocks changed"
    )
    # Each link says what it means, and no two read the same.
    labels = [text_of(li.find("a")) for li in items]
    assert labels == ["Since the version before the latest", "Since the first version"]


def test_since_links_never_share_a_label() -> None:
    """Versions captured within the same minute, and every reason a base is picked for."""
    start = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
    times = [start + timedelta(seconds=k) for k in range(4)]
    times += [start + timedelta(days=d) for d in (40, 100, 300, 400, 408, 409, 410)]
    history = [(f"v{k}", at) for k, at in enumerate(times)]
    labels = [since_label(reasons) for _, reasons in since_bases(history)]
    assert len(labels) == len(set(labels)) >= 6, labels
    assert "Since a week before the latest" in labels or "Since a month before the latest" in labels


def test_the_index_has_no_script_and_a_strict_policy() -> None:
    infos, summaries = history("one-word", "silent-edit")
    root = xml(render_index(summaries, versions=infos))
    no_active_content(root)
    csp = csp_of(root)
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    assert f"style-src '{style_hash(root)}'" in csp
    assert root.find(".//main") is not None and len(root.findall(".//h1")) == 1


def test_the_index_keeps_hostile_text_as_text() -> None:
    infos, summaries = history("one-word")
    summaries[0] = replace(summaries[0], summary_line=f"{XSS_SCRIPT} {XSS_ATTR}")
    page = render_index(summaries, versions=infos)
    root = xml(page)
    no_active_content(root)
    marks = marks_of(root)
    assert XSS_SCRIPT in (marks[1].findtext(f"{SVG}title") or "")
    assert XSS_ATTR in text_of(root.find(".//tbody"))
    assert "<script>" not in page and "<img" not in page


def test_a_long_list_of_changes_is_cut_but_the_timeline_keeps_every_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import scraper.reports.site

    monkeypatch.setattr(scraper.reports.site, "INDEX_ROWS", 2)
    infos, summaries = history("one-word", "silent-edit", "restamp", "bullet-added")
    root = xml(render_index(summaries, versions=infos))
    assert len(marks_of(root)) == 5
    rows = root.findall(".//tbody/tr")
    assert [r.get("id") for r in rows] == [f"change-{TARGET}-{i.id}" for i in infos[:2:-1]]
    assert "2 older changes are on the timeline above" in text_of(root)


def test_an_empty_index_is_well_formed() -> None:
    root = xml(render_index([], versions=[]))
    assert not marks_of(root)
    assert "No change recorded yet." in text_of(root)


# -- the page of a version ----------------------------------------------------------------------


def version_with(document: Document, *, source: Source = Source.LIVE, **prov: object) -> Version:
    provenance = Provenance(
        url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        final_url="https://www.nato.int/cps/en/natohq/topics_50098.htm?",
        status=200,
        fetched_at=T0 + timedelta(seconds=2),
        raw_sha256="ab" * 32,
        parser_version="2",
        etag='"5f-abc"',
        content_type="text/html; charset=utf-8",
        redirects=("https://www.nato.int/cps/en/natolive/topics_50098.htm",),
        source=source,
        **prov,  # type: ignore[arg-type]
    )
    return Version(TARGET, stamp_of(T0), T0, document, provenance)


def rich_document(extra: str = "") -> Document:
    stamp = LastUpdated("16 Jul. 2024 10:28", datetime(2024, 7, 16, 8, 28, tzinfo=UTC))
    return Document(
        f"Relations with the Republic of Korea{extra}",
        stamp,
        (
            Section(
                "lead",
                None,
                1,
                (
                    Block(
                        BlockKind.PARAGRAPH,
                        f"NATO and the Republic of Korea work together.{extra}",
                        links=(Link("Republic of Korea", "https://www.nato.int/rok"),),
                    ),
                    Block(
                        BlockKind.FIGURE,
                        f"Foreign Minister Yun Byung-se (October 2016){extra}",
                        alt=f"NATO Secretary General{extra}",
                        src="https://www.nato.int/pictures/rok.jpg",
                    ),
                    Block(BlockKind.BULLET, "Partners since 2005."),
                    Block(BlockKind.BULLET, "A nested point.", depth=1),
                    Block(BlockKind.BULLET, "Back at the top."),
                ),
            ),
            Section(
                "key-areas-of-cooperation",
                f"Key areas of cooperation{extra}",
                2,
                (
                    Block(
                        BlockKind.BULLET,
                        f"The Republic of Korea joined exercise Locked Shields.{extra}",
                        label=f"Cyber defence{extra}",
                        links=(
                            Link("Locked Shields", "javascript:alert(1)"),
                            Link("not in the text", "https://ccdcoe.org/"),
                        ),
                    ),
                ),
            ),
            Section("sub", "A sub-heading", 3, (Block(BlockKind.PARAGRAPH, "Deeper."),)),
        ),
    )


def test_a_version_page_shows_the_page_as_it_stood_with_anchors() -> None:
    version = version_with(rich_document())
    root = xml(render_version_page(version, previous=None, next="2024-07-18T120000Z"))
    article = root.find(".//article")
    assert article is not None
    assert [s.get("id") for s in article.findall("section")] == [
        "section-lead",
        "section-key-areas-of-cooperation",
        "section-sub",
    ]
    assert root.findtext(".//h1") == "Relations with the Republic of Korea"
    assert [h.text for h in article.iter("h2", "h3")] == [
        "Key areas of cooperation",
        "A sub-heading",
    ]
    assert article.find(".//h3") is not None  # level 3 stays a level below
    # Blocks carry anchors; bullets nest by depth; labels are bold; links sit on their words.
    lead = article.find("section[@id='section-lead']")
    assert lead is not None
    top = lead.find("ul")
    assert top is not None
    assert [li.get("id") for li in top.findall("li")] == ["b-lead-3", "b-lead-5"]
    nested = top.find("li/ul/li")
    assert (
        nested is not None and nested.get("id") == "b-lead-4" and nested.text == "A nested point."
    )
    para = lead.find("p[@id='b-lead-1']")
    assert para is not None
    link = para.find("a")
    assert (
        link is not None
        and link.get("href") == "https://www.nato.int/rok"
        and link.text == "Republic of Korea"
    )
    assert text_of(para) == "NATO and the Republic of Korea work together."
    figure = lead.find("figure[@id='b-lead-2']")
    assert figure is not None
    assert "Photo: NATO Secretary General" in text_of(figure.find("p"))
    assert figure.findtext("figcaption") == "Foreign Minister Yun Byung-se (October 2016)"
    assert [a.get("href") for a in figure.iter("a")] == ["https://www.nato.int/pictures/rok.jpg"]
    bullet = article.find(".//li[@id='b-key-areas-of-cooperation-1']")
    assert bullet is not None and bullet.findtext("strong") == "Cyber defence:"
    # A javascript: link is shown as words, never as a link; a link whose words are not in
    # the text is listed after it.
    assert "Locked Shields" in text_of(bullet)
    assert [a.get("href") for a in bullet.iter("a")] == ["https://ccdcoe.org/"]
    contents = root.find(".//nav[@class='contents']")
    assert contents is not None
    assert [a.get("href") for a in contents.iter("a")] == [
        "#section-lead",
        "#section-key-areas-of-cooperation",
        "#section-sub",
    ]


def test_a_version_page_carries_its_provenance_and_neighbours() -> None:
    version = version_with(
        rich_document(),
        source=Source.WAYBACK,
        memento_url="https://web.archive.org/web/20240716083000id_/https://www.nato.int/x",
        renderer="rendered by Chromium 120 (headless, Playwright 1.45)",
    )
    page = render_version_page(version, previous="2024-07-10T080000Z", next="2024-07-18T120000Z")
    root = xml(page)
    facts = {
        (row.findtext("th") or ""): text_of(row.find("td"))
        for row in root.findall(".//section[@class='provenance']//tr")
    }
    assert facts["Captured (UTC)"] == "2024-07-16T08:30:00Z"
    assert facts["Fetched (UTC)"] == "2024-07-16T08:30:02Z"
    assert facts["Source"] == "imported from the Wayback Machine"
    assert facts["URL asked"] == version.provenance.url
    assert facts["Final URL"] == version.provenance.final_url
    assert facts["Redirected via"] == "https://www.nato.int/cps/en/natolive/topics_50098.htm"
    assert facts["Raw snapshot (sha256 of the body)"] == "ab" * 32
    assert facts["Parser version"] == "2"
    assert facts["Renderer"].startswith("rendered by Chromium")
    assert facts["Memento"].startswith("https://web.archive.org/web/")
    assert facts["Document hash (sha256)"] == version.content_hash
    assert facts["ETag"] == '"5f-abc"'
    assert "16 Jul. 2024 10:28" in (root.findtext(".//p[@class='stamp']") or "")
    nav = root.find(".//header/nav")
    assert nav is not None
    assert [a.get("href") for a in nav.iter("a")] == [
        "../../index.html",
        "2024-07-10T080000Z.html",
        f"../{version.id}.html",
        "2024-07-18T120000Z.html",
        "../2024-07-18T120000Z.html",
    ]
    assert "(imported)" in text_of(root.find(".//p[@class='kicker']"))
    no_active_content(root)
    # The site's shared stylesheet, and a policy that lets only it apply.
    link = root.find(".//link[@rel='stylesheet']")
    assert link is not None and link.get("href") == "../../style.css"
    assert root.find(".//style") is None
    assert "style-src 'self' file:;" in csp_of(root) and "script-src 'none'" in csp_of(root)
    # Landmarks: a header with navigation, the main part with the article, a footer.
    assert root.find("body/header/nav") is not None and root.find("body/main/article") is not None
    assert root.find("body/footer") is not None


def test_the_first_and_the_latest_version_say_so() -> None:
    root = xml(render_version_page(version_with(rich_document()), previous=None, next=None))
    nav = root.find(".//header/nav")
    assert nav is not None
    assert [a.get("href") for a in nav.iter("a")] == ["../../index.html"]
    words = text_of(nav)
    assert "The first version recorded" in words and "The latest version" in words


def test_a_version_page_keeps_hostile_text_as_text() -> None:
    hostile = rich_document(f" {XSS_SCRIPT} {XSS_ATTR}\x0b")
    page = render_version_page(version_with(hostile), previous=None, next=None)
    root = xml(page)  # well-formed despite the markup and the control character
    no_active_content(root)
    text = text_of(root)
    assert XSS_SCRIPT in text and XSS_ATTR in text
    assert "<script>" not in page and "<img" not in page


def test_a_version_without_stamp_or_sections_still_renders() -> None:
    root = xml(render_version_page(version_with(Document("Bare", None)), previous=None, next=None))
    assert "no 'Last updated' stamp" in (root.findtext(".//p[@class='stamp']") or "")
    assert root.find(".//nav[@class='contents']") is None


# -- the side-by-side view of a report ----------------------------------------------------------


def sbs(root: etree._Element) -> etree._Element:
    view = root.find(".//section[@id='side-by-side']")
    assert view is not None
    return view


def cell_words(cell: etree._Element) -> str:
    """The words of a cell's first paragraph, without the screen-reader labels."""
    p = cell.find("p")
    assert p is not None
    parts = [p.text or ""]
    for child in p:
        if child.tag in ("ins", "del"):
            label = child.find("span[@class='vh']")
            parts.append((label.tail if label is not None else child.text) or "")
        parts.append(child.tail or "")
    return "".join(parts)


def test_side_by_side_puts_the_old_words_left_and_the_new_right() -> None:
    report = case_report(CASES["one-word"])
    root = xml(render_html(report))
    view = sbs(root)
    rows = [r for r in view.iter("div") if "sbs-row" in (r.get("class") or "")]
    changed = [r for r in rows if "changed" in (r.get("class") or "").split()]
    item = report.change.sections[0].blocks[0]
    assert len(changed) == 1
    old, new = changed[0].findall("div")[:2]
    assert "old" in (old.get("class") or "") and "new" in (new.get("class") or "")
    assert old.find(".//ins") is None and new.find(".//del") is None
    assert cell_words(old) == diff_old_text(item.diff)
    assert cell_words(new) == diff_new_text(item.diff)
    assert (
        old.findtext(".//del/span") == "deleted: " and new.findtext(".//ins/span") == "inserted: "
    )
    # Unchanged context on both sides, folded.
    details = view.findall(".//details")
    assert details and all("unchanged block" in (d.findtext("summary") or "") for d in details)


def test_added_and_removed_blocks_leave_the_other_side_empty() -> None:
    for name, status, empty_side in (
        ("bullet-added", "added", "old"),
        ("bullet-removed", "removed", "new"),
    ):
        view = sbs(xml(render_html(case_report(CASES[name]))))
        rows = [
            r for r in view.iter("div") if (r.get("class") or "").split() == ["sbs-row", status]
        ]
        assert len(rows) == 1
        cell = rows[0].find(f"div[@class='cell {empty_side}']")
        assert cell is not None
        assert cell.findtext("p[@class='empty']", "").startswith("Not on the")


def test_a_block_moved_within_its_section_links_both_of_its_places() -> None:
    view = sbs(xml(render_html(case_report(CASES["bullets-swapped"]))))
    moved = [r for r in view.iter("div") if (r.get("class") or "").split() == ["sbs-row", "moved"]]
    away = [
        r for r in view.iter("div") if (r.get("class") or "").split() == ["sbs-row", "moved-away"]
    ]
    assert len(moved) == 1 and len(away) == 1
    row_id, away_id = moved[0].get("id"), away[0].get("id")
    assert away_id == f"{row_id}-was"
    assert [a.get("href") for a in moved[0].iter("a")] == [f"#{away_id}"]
    assert [a.get("href") for a in away[0].iter("a")] == [f"#{row_id}"]
    # The old words stand where they were; the new ones where they are now.
    old_words = cell_words(away[0].find("div[@class='cell old']"))
    new_words = cell_words(moved[0].find("div[@class='cell new']"))
    assert old_words.startswith("Cooperating with NATO in countering") and old_words == new_words


def test_a_block_moved_from_a_section_not_shown_links_to_the_old_version_page() -> None:
    case = CASES["bullet-moved"]
    report = case_report(case)
    view = sbs(xml(render_html(report, links=REPORT_LINKS)))
    moved = [r for r in view.iter("div") if (r.get("class") or "").split() == ["sbs-row", "moved"]]
    assert len(moved) == 1
    hrefs = [a.get("href") for a in moved[0].iter("a")]
    assert len(hrefs) == 1 and hrefs[0].startswith(f"pages/{case.old_id}.html#b-lead-")
    # That anchor is the block on the old version's page.
    old_doc, _ = case_documents(case)
    page = xml(render_version_page(version_with(old_doc), previous=None, next=None))
    anchor = hrefs[0].split("#", 1)[1]
    target = page.find(f".//*[@id='{anchor}']")
    assert target is not None and text_of(target).startswith("In November 2022")


def test_a_report_links_to_its_two_version_pages_and_the_index() -> None:
    case = CASES["silent-edit"]
    root = xml(render_html(case_report(case), links=REPORT_LINKS))
    nav = root.find("body/header/nav")
    assert nav is not None
    assert [a.get("href") for a in nav.iter("a")] == [
        "../index.html",
        f"pages/{case.old_id}.html",
        f"pages/{case.new_id}.html",
    ]
    # Printed to stdout (`nato-watch diff`), a report has no site to link to.
    bare = xml(render_html(case_report(case)))
    assert bare.find("body/header") is None
    assert not [a for a in bare.iter("a") if "pages/" in (a.get("href") or "")]


def test_the_two_views_switch_without_script() -> None:
    root = xml(render_html(case_report(CASES["heading-renamed"])))
    tabs = root.find(".//nav[@class='views']")
    assert tabs is not None
    assert [a.get("href") for a in tabs.iter("a")] == ["#inline", "#side-by-side"]
    assert root.find(".//*[@id='inline']") is not None
    css = root.findtext(".//style") or ""
    assert "#side-by-side { display: none; }" in css
    assert "#side-by-side:target { display: block; }" in css
    assert "#side-by-side:target ~ #inline { display: none; }" in css
    # The side-by-side panel comes first, so the `~` rule can hide the inline one.
    ids = [
        el.get("id") for el in root.find("body/main") if el.get("id") in ("inline", "side-by-side")
    ]
    assert ids == ["side-by-side", "inline"]
    no_active_content(root)
    assert "script-src 'none'" in csp_of(root)
    # A renamed heading shows old left, new right.
    renamed = sbs(root).find(".//div[@class='sbs-row renamed']")
    assert renamed is not None
    assert renamed.findtext("div[@class='cell old']/p/del/span") == "deleted: "


def test_every_insertion_and_deletion_says_so_to_a_screen_reader() -> None:
    for name in ("rewrite-2016-2024", "title-changed", "bullet-added", "bullet-removed"):
        root = xml(render_html(case_report(CASES[name])))
        body = root.find("body")
        assert body is not None
        marked = list(body.iter("ins", "del"))
        assert marked
        legend = {id(el) for el in body.findall(".//p[@class='legend']/*")}
        for el in marked:
            if id(el) in legend:
                continue
            label = el.find("span[@class='vh']")
            assert label is not None, etree.tostring(el)
            assert label.text == ("inserted: " if el.tag == "ins" else "deleted: ")
    css = render_html(case_report(CASES["one-word"]))
    assert re.search(r"\.vh \{[^}]*clip", css)


def test_side_by_side_keeps_hostile_text_as_text() -> None:
    stamp = LastUpdated("16 Jul. 2024 10:28", datetime(2024, 7, 16, 8, 28, tzinfo=UTC))
    old = rich_document()
    new = rich_document(f" {XSS_SCRIPT} {XSS_ATTR}\x0b")
    report = Report(
        TARGET,
        VersionRef("2024-07-17T060000Z", T0, T0, stamp),
        VersionRef("2024-07-18T120000Z", T0 + timedelta(days=1), T0 + timedelta(days=1), stamp),
        diff(old, new),
    )
    page = render_html(report, links=REPORT_LINKS)
    root = xml(page)
    no_active_content(root)
    assert XSS_SCRIPT in text_of(sbs(root)) and XSS_ATTR in text_of(sbs(root))
    assert "<script>" not in page and "<img" not in page


# -- choosing the "since" reports ---------------------------------------------------------------


def test_since_bases_need_two_versions() -> None:
    assert since_bases([]) == []
    assert since_bases([("a", T0)]) == []
    assert since_bases([("a", T0), ("b", T0 + timedelta(days=1))]) == [
        ("a", ("the version before the latest", "the first version"))
    ]


def test_since_bases_are_the_last_few_versions_the_spans_and_the_first() -> None:
    # Two years of versions, one every 10 days.
    history_ = [(f"v{k:03d}", T0 + timedelta(days=10 * k)) for k in range(73)]
    latest_at = history_[-1][1]
    bases = dict(since_bases(history_))
    recent = [history_[-1 - back][0] for back in range(1, SINCE_RECENT + 1)]
    assert set(recent) <= set(bases)
    # Ten days apart, the version in force a week before the latest is the one before it.
    assert bases[recent[0]] == (
        "the version before the latest",
        "in force a week before the latest",
    )
    assert bases[recent[1]] == ("2 versions before the latest",)

    def in_force(days: int) -> str:
        return [vid for vid, at in history_ if at <= latest_at - timedelta(days=days)][-1]

    assert "in force a month before the latest" in bases[in_force(30)]
    assert "in force three months before the latest" in bases[in_force(91)]
    assert "in force a year before the latest" in bases[in_force(365)]
    assert bases["v000"] == ("the first version",)
    assert set(bases) == {*recent, *(in_force(d) for d in (7, 30, 91, 365)), "v000"}
    assert list(bases) == sorted(bases)  # oldest first
    assert history_[-1][0] not in bases


# -- the site in a real archive -----------------------------------------------------------------

EDITS = [
    ({}, "first"),
    (
        {
            "stamp": "18 Jul. 2024 09:15",
            "replace_text": {"steadfast in supporting": "unwavering in its support for"},
        },
        "change",
    ),
    (
        {
            "replace_text": {
                "technology and hybrid challenges": "technology, hybrid challenges and space"
            }
        },
        "silent-edit",
    ),
    ({"stamp": "20 Jul. 2024 14:02"}, "restamp"),
    ({"stamp": "30 Jul. 2024 10:00", "replace_text": {"Republic of Korea": "ROK"}}, "change"),
]


def make_history(archive: Archive, site: Site, clock: Clock, target: str = TARGET) -> list[str]:
    """Five versions through the real pipeline: a change, a silent edit, a restamp, a big change."""
    content = load_content()
    with Fetcher(FetchSettings(retries=1)) as fetcher:
        for edit, _ in EDITS:
            content = edited(content, **edit)  # type: ignore[arg-type]
            site.put(PATH, nato_page(content))
            result = check_target(
                Target(target, site.url(PATH)), archive=archive, fetch=fetcher, now=clock
            )
            assert result.ok, result.error
            clock.advance(days=3)
    ids = archive.version_ids(target)
    assert len(ids) == len(EDITS)
    return ids


@pytest.fixture
def built(site: Site, clock: Clock, data_dir: Path) -> tuple[Archive, list[str]]:
    archive = Archive(data_dir)
    return archive, make_history(archive, site, clock)


def test_every_version_gets_a_page_linked_to_its_neighbours(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    archive, ids = built
    pages = data_dir / "reports" / TARGET / "pages"
    assert sorted(p.stem for p in pages.glob("*.html")) == ids
    for k, version_id in enumerate(ids):
        root = xml((pages / f"{version_id}.html").read_text(encoding="utf-8"))
        hrefs = [a.get("href") for a in root.find(".//header/nav").iter("a")]
        expected = ["../../index.html"]
        if k:
            expected += [f"{ids[k - 1]}.html", f"../{version_id}.html"]
        if k + 1 < len(ids):
            expected += [f"{ids[k + 1]}.html", f"../{ids[k + 1]}.html"]
        assert hrefs == expected
        # Every link of the site resolves to a file in reports/.
        for href in expected:
            assert (pages / href).resolve().is_file(), href
        version = archive.read_version(TARGET, version_id)
        assert root.findtext(".//h1") == version.document.title
        assert version.provenance.raw_sha256 in text_of(root)


def test_the_index_draws_every_version_of_the_history(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    _, ids = built
    root = xml((data_dir / "reports" / "index.html").read_text(encoding="utf-8"))
    marks = marks_of(root)
    assert [m.get("data-version") for m in marks] == ids
    assert [m.get("data-kind") for m in marks] == [kind for _, kind in EDITS]
    for mark in marks:
        assert (data_dir / "reports" / (mark.get("href") or "")).is_file()
    no_active_content(root)


def test_since_reports_go_from_earlier_versions_to_the_latest(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    _, ids = built
    folder = data_dir / "reports" / TARGET / "since"
    # The last six before the latest, but the one just before it (its report is the latest).
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{i}.{ext}" for i in ids[:-2] for ext in ("html", "json")
    )
    for base in ids[:-2]:
        data = json.loads((folder / f"{base}.json").read_text(encoding="utf-8"))
        assert (data["old"]["id"], data["new"]["id"]) == (base, ids[-1])
        page = xml((folder / f"{base}.html").read_text(encoding="utf-8"))
        links = {a.get("href") for a in page.iter("a")}
        assert {"../../index.html", f"../pages/{base}.html", f"../pages/{ids[-1]}.html"} <= links
        assert f"since version {base}" in (page.findtext(".//p[@class='lede']") or "")
    # Combined: the first version to the latest holds every wording change of the history.
    first = json.loads((folder / f"{ids[0]}.json").read_text(encoding="utf-8"))
    assert first["summary"]["blocks_changed"] > 3 and first["stamp"] == "changed"
    index = xml((data_dir / "reports" / "index.html").read_text(encoding="utf-8"))
    hrefs = [a.get("href") for a in index.find(".//section[@class='since']").iter("a")]
    assert hrefs == [
        f"{TARGET}/{ids[-1]}.html",
        *(f"{TARGET}/since/{i}.html" for i in reversed(ids[:-2])),
    ]


def test_replay_rebuilds_the_site_byte_for_byte(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    archive, _ = built
    before = tree(data_dir)
    replay_target(archive, TARGET)
    assert tree(data_dir) == before
    replay_target(archive, TARGET)
    assert tree(data_dir) == before
    shutil.rmtree(data_dir / "reports")
    replay_target(archive, TARGET)
    assert tree(data_dir) == before


def test_verify_knows_the_site_files(built: tuple[Archive, list[str]], data_dir: Path) -> None:
    archive, ids = built
    assert verify(archive).problems == ()
    pages = data_dir / "reports" / TARGET / "pages"
    since = data_dir / "reports" / TARGET / "since"

    (pages / f"{ids[1]}.html").unlink()
    shutil.copy(pages / f"{ids[0]}.html", pages / "2030-01-01T000000Z.html")
    stale = json.loads((since / f"{ids[1]}.json").read_text(encoding="utf-8"))
    stale["new"]["id"] = ids[-2]
    (since / f"{ids[1]}.json").write_text(json.dumps(stale), encoding="utf-8")
    (since / f"{ids[0]}.json").write_text("{not json", encoding="utf-8")
    (since / f"{ids[0]}.html").write_text("", encoding="utf-8")

    problems = {(p.severity, str(p.path)): p.message for p in verify(archive).problems}
    rel = f"reports/{TARGET}"
    assert problems[(Severity.NOTE, f"{rel}/pages/{ids[1]}.html")].startswith("missing")
    assert "does not exist" in problems[(Severity.DAMAGE, f"{rel}/pages/2030-01-01T000000Z.html")]
    assert "latest version is" in problems[(Severity.NOTE, f"{rel}/since/{ids[1]}.json")]
    assert "unreadable JSON" in problems[(Severity.DAMAGE, f"{rel}/since/{ids[0]}.json")]
    assert "empty" in problems[(Severity.DAMAGE, f"{rel}/since/{ids[0]}.html")]
    assert len(problems) == 5

    # The next check (or a replay) puts it all right.
    replay_target(archive, TARGET)
    assert verify(archive).problems == ()


def test_a_check_of_one_target_leaves_another_targets_site_files_alone(
    site: Site, clock: Clock, data_dir: Path
) -> None:
    archive = Archive(data_dir)
    make_history(archive, site, clock, target="japan")
    japan = {k: v for k, v in tree(data_dir).items() if k.startswith("reports/japan/")}
    make_history(archive, site, clock, target=TARGET)
    assert {k: v for k, v in tree(data_dir).items() if k.startswith("reports/japan/")} == japan
    root = xml((data_dir / "reports" / "index.html").read_text(encoding="utf-8"))
    assert len(marks_of(root)) == 2 * len(EDITS)
    # Both targets' "since" links are offered, though only one was just checked.
    assert sorted(
        s.get("data-target") for s in root.iter("section") if s.get("class") == "since"
    ) == ["japan", TARGET]


# -- the command line: diff --since, serve ------------------------------------------------------


def test_diff_since_a_date_combines_every_change_from_the_version_in_force(
    built: tuple[Archive, list[str]], run_cli: Callable[..., Result]
) -> None:
    archive, ids = built
    day_after_second = (
        (datetime.strptime(ids[1], "%Y-%m-%dT%H%M%SZ") + timedelta(days=1)).date().isoformat()
    )
    result = run_cli("diff", "--since", day_after_second, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["old"]["id"], data["new"]["id"]) == (ids[1], ids[-1])
    # The same as the stored combined report since that version.
    assert data == json.loads(archive.site.read_since_report(TARGET, ids[1], "json"))
    html = run_cli("diff", "--since", ids[1], "--format", "html")
    assert html.exit_code == 0
    root = xml(html.stdout)
    assert root.find(".//section[@id='side-by-side']") is not None


def test_diff_since_before_the_first_version_says_so(
    built: tuple[Archive, list[str]], run_cli: Callable[..., Result]
) -> None:
    result = run_cli("diff", "--since", "2020-01-01")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "nato-watch: error: target 'republic-of-korea' has no version at 2020-01-01"
    )
    both = run_cli("diff", "latest~1", "--since", "2024-07-20")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_serve_answers_on_loopback_with_the_site_only(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    _, ids = built
    with SiteServer(data_dir / "reports", port=0) as server:
        thread = serve_in_thread(server)
        try:
            assert server.url == f"http://127.0.0.1:{server.port}/"
            with urllib.request.urlopen(server.url + "index.html", timeout=5) as answer:
                assert answer.status == 200
                assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
                assert answer.read() == (data_dir / "reports" / "index.html").read_bytes()
            with urllib.request.urlopen(
                f"{server.url}{TARGET}/pages/{ids[0]}.html", timeout=5
            ) as answer:
                assert answer.status == 200
            for outside in (
                "../snapshots/",
                "%2e%2e/snapshots/",
                f"{TARGET}/../../snapshots/{TARGET}/checks.jsonl",
            ):
                with pytest.raises(urllib.error.HTTPError) as err:
                    urllib.request.urlopen(server.url + outside, timeout=5)
                assert err.value.code == 404
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_serve_prints_the_address_of_a_target_and_stops_on_sigterm(
    built: tuple[Archive, list[str]], data_dir: Path
) -> None:
    env = {**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""}
    command = [sys.executable, "-m", "scraper", "--data-dir", str(data_dir), "serve"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--target", TARGET],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert re.fullmatch(
            rf"serving .+ at http://127\.0\.0\.1:\d+/index\.html#only-{TARGET} \(Ctrl-C stops\)\n",
            line,
        ), line
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0 and out == "stopped\n", err
    unknown = subprocess.run(
        [*command, "--target", "nowhere"], capture_output=True, text=True, env=env, timeout=30
    )
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        f"nato-watch: error: the archive holds no target 'nowhere'; it holds: {TARGET}"
    )


def test_serve_without_a_site_says_what_to_do(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    with pytest.raises(NotFound, match="run `nato-watch check` first"):
        SiteServer(tmp_path / "reports")
    result = run_cli("serve", "--port", "0")
    assert result.exit_code == 1
    assert "no report site in" in result.stderr
