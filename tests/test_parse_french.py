"""The French page, read fully: pages built from the stored French texts (openings cut
mid-word, see tests/fixtures/text/ and ../shared/nato/FACTS.md).

The French site shows the stamp as "Mis à jour le: 16 Aug. 2023 15:39" (the date still
written the English way; French month names are read too), writes « guillemets » with
non-breaking spaces inside and a (narrow) non-breaking space before ; : ! ?. Guillemets are
kept as written; every kind of non-breaking space reads as a space, so a template that
swaps one for another changes nothing.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scraper.core.document import BlockKind, Document, LastUpdated
from scraper.core.parse import parse

TEXT = Path(__file__).parent / "fixtures" / "text"
FR_URL = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"
BRUSSELS = ZoneInfo("Europe/Brussels")
NBSP, NNBSP = "\u00a0", "\u202f"


def stored(name: str) -> list[str]:
    """The stored text's lines after its two header lines (URL:, LAST-UPDATED:)."""
    lines = (TEXT / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("URL:") and lines[1].startswith("LAST-UPDATED:")
    return [line.strip() for line in lines[2:] if line.strip()]


def french_typography(text: str, space: str) -> str:
    """Text as the French site writes it: `space` before ; : ! ? and inside « »."""
    text = re.sub(r" ([;:!?])", space + r"\1", text)
    return text.replace("« ", "«" + space).replace(" »", space + "»")


def page_2023(space: str = NNBSP, stamp: str = "16 Aug. 2023 15:39") -> str:
    """The 2023-08-16 French opening in a nato.int-like template."""
    lines = stored("2023-08-16_fr_opening")
    title, intro, alt = lines[0], lines[2], lines[3]
    bullets = [line.removeprefix("• ") for line in lines[4:9]]
    heading, last = lines[9], lines[10]
    esc = lambda s: french_typography(html.escape(s, quote=False), space)  # noqa: E731
    items = "".join(f"<li>{esc(b)}</li>" for b in bullets)
    return (
        f'<!DOCTYPE html><html lang="fr"><head><title>OTAN - Thème: {esc(title)}</title></head>'
        "<body><nav><ul><li><a href='/cps/fr/natohq/index.htm'>Accueil</a></li></ul></nav>"
        f"<div class='content'><h1>{esc(title)}</h1>"
        f"<ul class='event-info'><li>Mis à jour le{space}: {stamp}</li></ul>"
        f"<p>{esc(intro)}</p>"
        f"<div class='image'><img src='/nato_static_fl2014/assets/pictures/rok.jpg' alt='{alt}'>"
        f"</div><p>{NBSP}</p><ul>{items}</ul>"
        f"<h3>{esc(heading)}</h3><p>{esc(last)}</p></div>"
        "<footer>© OTAN</footer></body></html>"
    )


def words(doc: Document) -> list[str]:
    out = [doc.title]
    for section in doc.sections:
        out += [section.heading] if section.heading else []
        out += [b.full_text for b in section.blocks if b.kind is not BlockKind.FIGURE]
    return " ".join(out).split()


def test_the_2023_french_opening_is_read_fully() -> None:
    doc = parse(page_2023(), url=FR_URL)
    assert doc.title == "Relations avec la République de Corée"
    assert doc.last_updated == LastUpdated(
        text="16 Aug. 2023 15:39", at=datetime(2023, 8, 16, 15, 39, tzinfo=BRUSSELS)
    )
    lines = stored("2023-08-16_fr_opening")
    expected = " ".join([lines[0], lines[2], *(b.removeprefix("• ") for b in lines[4:11])])
    assert words(doc) == expected.split()
    lead, cooperation = doc.sections
    assert [b.kind for b in lead.blocks] == [BlockKind.PARAGRAPH, BlockKind.FIGURE] + [
        BlockKind.BULLET
    ] * 5
    assert lead.blocks[1].alt == "NATO Relations with the Republic of Korea"
    assert cooperation.heading == "Principaux domaines de coopération"
    assert "domaines prioritaires : non-prolifération" in lead.blocks[5].text


@pytest.mark.parametrize("space", [NBSP, " ", "&nbsp;", "&#8239;"])
def test_any_space_before_french_punctuation_reads_the_same(space: str) -> None:
    reference = parse(page_2023(NNBSP), url=FR_URL)
    assert parse(page_2023(space), url=FR_URL).content_hash == reference.content_hash


@pytest.mark.parametrize(
    ("shown", "iso"),
    [
        ("16 Aug. 2023 15:39", "2023-08-16T15:39:00+02:00"),
        ("16 août 2023 15:39", "2023-08-16T15:39:00+02:00"),
        ("3 févr. 2024 09:05", "2024-02-03T09:05:00+01:00"),
        ("01 déc. 2015 08:00", "2015-12-01T08:00:00+01:00"),
        ("21 sept. 2022 14:05", "2022-09-21T14:05:00+02:00"),
        ("16 juillet 2024 10:28", "2024-07-16T10:28:00+02:00"),
    ],
)
def test_the_french_stamp_with_english_or_french_months(shown: str, iso: str) -> None:
    doc = parse(page_2023(stamp=shown), url=FR_URL)
    assert doc.last_updated is not None
    assert doc.last_updated.text == shown
    assert doc.last_updated.at.isoformat() == iso


def page_2012(space: str) -> str:
    """The 2012 French opening (no stamp shown; English alt text, French caption)."""
    lines = stored("2012-11-08_fr_opening")
    title, alt, caption, *paragraphs = lines[1:]
    esc = lambda s: french_typography(html.escape(s, quote=False), space)  # noqa: E731
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>NATO - {esc(title)}</title></head><body><table><tr>"
        "<td class='leftnav'><a href='/cps/fr/natolive/index.htm'>Accueil</a></td>"
        f"<td class='content'><h1>{esc(title)}</h1><table><tr><td><img src='/pics/yu.jpg' "
        f"alt='{html.escape(alt)}' width='250' height='167'></td></tr><tr><td>{esc(caption)}"
        f"</td></tr></table>{body}</td></tr></table></body></html>"
    )


def test_guillemets_are_kept_as_written_and_the_old_title_read() -> None:
    doc = parse(page_2012(NBSP), url=FR_URL)
    assert doc.title == "Coopération entre l’OTAN et la République de Corée"
    assert doc.last_updated is None
    paragraphs = [b.text for b in doc.sections[0].blocks if b.kind is BlockKind.PARAGRAPH]
    assert "Ces « partenaires du monde entier », parmi lesquels" in paragraphs[0]
    assert "existants¹, l’OTAN" in paragraphs[0]
    figure = doc.sections[0].blocks[0]
    assert figure.kind is BlockKind.FIGURE
    assert figure.alt is not None and figure.alt.startswith("From left to right: Yu Myung-hwan")
    assert figure.text.startswith("L’ancien ministre sud-coréen des Affaires étrangères")
    assert parse(page_2012(NNBSP), url=FR_URL).content_hash == doc.content_hash


def test_a_french_bold_lead_in_with_a_space_before_its_colon_is_a_label() -> None:
    page = page_2023().replace(
        "<li>L’OTAN et la République de Corée entretiennent",
        f"<li><strong>Dialogue{NNBSP}:</strong> L’OTAN et la République de Corée entretiennent",
    )
    bullet = parse(page, url=FR_URL).sections[0].blocks[2]
    assert bullet.label == "Dialogue"
    assert bullet.text.startswith("L’OTAN et la République de Corée entretiennent")


def test_the_2013_opening_keeps_its_non_breaking_hyphen() -> None:
    lines = stored("c2013-2014_fr_opening")
    title, alt, caption, *paragraphs = lines[1:]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        f"<html><head><title>{title}</title></head><body><div id='content'><h1>{title}</h1>"
        f"<figure><img src='/pics/park.jpg' alt='{html.escape(alt)}'><figcaption>"
        f"{html.escape(caption)}</figcaption></figure>{body}</div></body></html>"
    )
    url = "http://www.nato.int/cps/fr/SID-3EFCD6A2-89CF6E1E/natolive/topics_50098.htm"
    doc = parse(page, url=url)
    assert doc.title == "Coopération entre l’OTAN et la République de Corée"
    assert "région euro\u2011atlantique" in doc.sections[0].blocks[2].text
    assert doc.sections[0].blocks[0].text.endswith("Anders Fogh Rasmussen (mai 2010)")
