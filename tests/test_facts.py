"""The facts of a version that survive translation (scraper.core.facts), from the real text of
the English page and the stored openings of the French page."""

from __future__ import annotations

from dataclasses import replace

import pytest
from french_pages import french_page, load_french
from pages import Item, PageContent, load_content, nato_page

from scraper.core.document import Block, BlockKind, Document, Section
from scraper.core.facts import Fact, FactKind, compare_facts, page_facts
from scraper.core.parse import parse

EN_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
FR_URL = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"
AIRWORTHINESS_FR = (
    "En juillet 2024, l’OTAN et la République de Corée ont signé un accord de reconnaissance "
    "mutuelle de la certification de navigabilité militaire, qui garantit la sécurité et la "
    "navigabilité de tous les moyens aériens utilisés par les Alliés et les partenaires de "
    "l’OTAN. Il s’agit du premier accord de ce type conclu par l’OTAN avec un pays asiatique."
)


def english(name: str = "2024-07-16_en_full") -> tuple[Fact, ...]:
    return page_facts(parse(nato_page(load_content(name)), url=EN_URL), "en")


def french(content: PageContent) -> tuple[Fact, ...]:
    return page_facts(parse(french_page(content), url=FR_URL), "fr")


def doc(*sections: tuple[str | None, list[str]]) -> Document:
    return Document(
        title="t",
        last_updated=None,
        sections=tuple(
            Section(
                id=f"s{k}",
                heading=heading,
                level=2 if heading else 1,
                blocks=tuple(Block(kind=BlockKind.PARAGRAPH, text=t) for t in texts),
            )
            for k, (heading, texts) in enumerate(sections)
        ),
    )


def keys(facts: tuple[Fact, ...] | list[Fact]) -> set[str]:
    return {f.key for f in facts}


# -- the real pages ------------------------------------------------------------------------------


def test_the_2024_english_page_against_the_august_2023_french_page() -> None:
    compared = compare_facts(english(), french(load_french("2023-08-16_fr_opening")))
    missing = compared.missing_in_b
    airworthiness = [f for f in missing if "airworthiness" in f.sentence]
    assert [(f.kind, f.key, f.text) for f in airworthiness] == [
        (FactKind.DATE, "2024-07", "July 2024")
    ]
    assert airworthiness[0].sentence.startswith("In July 2024, NATO and the Republic of Korea")
    # Both pages carry these, however each writes them: no false "missing".
    carried = {"2005", "2012", "2022-11", "CBRN", "NATO", "Republic of Korea", "Indo-Pacific",
               "Australia", "Japan", "New Zealand"}  # fmt: skip
    assert not carried & keys(missing)
    # The ITPP's July 2023 is on both; the Vilnius summit's July 2023 only in English.
    july_2023 = [f for f in missing if f.key == "2023-07"]
    assert [f.sentence[:30] for f in july_2023] == ["In July 2023 at the Vilnius Su"]
    # Every fact the French opening covers is on the English page; only its length differs.
    assert [(f.kind, f.key) for f in compared.missing_in_a] == [(FactKind.SECTIONS, "2")]


def test_a_french_version_that_adds_the_missing_fact_clears_it() -> None:
    content = load_french("2023-08-16_fr_opening")
    lead = content.parts[0]
    caught_up = replace(
        content,
        stamp="18 Jul. 2024 09:00",
        parts=(
            replace(lead, items=(*lead.items, Item("li", AIRWORTHINESS_FR))),
            *content.parts[1:],
        ),
    )
    compared = compare_facts(english(), french(caught_up))
    assert not [f for f in compared.missing_in_b if "airworthiness" in f.sentence]
    # The other July 2024 (the Washington summit) is still not on the French page.
    assert [f.sentence[:26] for f in compared.missing_in_b if f.key == "2024-07"] == [
        "In July 2024, the Republic"
    ]
    assert "Asia" not in keys(compared.missing_in_b)  # "pays asiatique"


def test_the_2016_english_page_against_the_french_page_of_about_2013() -> None:
    compared = compare_facts(
        english("2016-10-06_en_opening"), french(load_french("c2013-2014_fr_opening"))
    )
    # Both open with dialogue since 2005 and the IPCP of September 2012 (twice), the 2010
    # Lisbon summit and Afghanistan; they differ in their photo and its caption.
    assert keys(compared.missing_in_b) == {
        "Jens Stoltenberg", "Yun Byung-se", "2016-10", "2010/2013", "2",
    }  # fmt: skip
    assert keys(compared.missing_in_a) == {
        "Anders Fogh Rasmussen", "Park Geun-hye", "Yu Myung-hwan", "2010-05", "1",
    }  # fmt: skip


# -- how facts are read --------------------------------------------------------------------------


def test_numbers_and_dates_compare_across_languages_whatever_their_format() -> None:
    en = doc(
        (None, ["The Republic of Korea contributed a total of USD 319 million, 2.5% of it in "
                "2020, and sent some 1,500 troops (16 Jul. 2024)."]),
    )  # fmt: skip
    fr = doc(
        (None, ["La République de Corée a versé un total de 319 millions de dollars, dont "
                "2,5 % en 2020, et envoyé quelque 1 500 soldats (16 juillet 2024)."]),
    )  # fmt: skip
    compared = compare_facts(page_facts(en, "en"), page_facts(fr, "fr"))
    assert compared.missing_in_a == compared.missing_in_b == ()
    assert [f.key for f in page_facts(fr, "fr") if f.kind is FactKind.NUMBER] == [
        "USD 319000000", "2.5%", "1500",
    ]  # fmt: skip


def test_acronyms_pair_through_the_table_and_others_are_their_own_key() -> None:
    en = doc((None, ["NATO, the EU and the UN on CBRN agents; MISP and DEXTER; Phase II."]))
    fr = doc((None, ["L’OTAN, l’UE et l’ONU sur les agents NRBC ; MISP et DEXTER ; phase II."]))
    facts = page_facts(en, "en")
    assert [f.key for f in facts if f.kind is FactKind.ACRONYM] == [
        "NATO", "EU", "UN", "CBRN", "MISP", "DEXTER",
    ]  # fmt: skip
    compared = compare_facts(facts, page_facts(fr, "fr"))
    assert compared.missing_in_a == compared.missing_in_b == ()
    # A currency code is part of its amount, not an acronym.
    amount = page_facts(doc((None, ["USD 319 million"])), "en")
    assert [f.kind for f in amount] == [FactKind.NUMBER, FactKind.SECTIONS]


def test_the_longest_name_wins() -> None:
    facts = page_facts(
        doc((None, ["The Democratic People’s Republic of Korea’s tests; the Republic of Korea."])),
        "en",
    )
    assert [f.key for f in facts if f.kind is FactKind.NAME] == [
        "Democratic People's Republic of Korea", "Republic of Korea",
    ]  # fmt: skip


def test_numbers_written_as_words_are_not_facts() -> None:
    facts = page_facts(doc((None, ["The four partners met for the second time."])), "en")
    assert [f.kind for f in facts] == [FactKind.SECTIONS]


def test_a_repeated_fact_is_missing_where_its_company_is() -> None:
    en = doc(
        (None, ["In July 2024, NATO and the Republic of Korea signed an airworthiness deal.",
                "In July 2024, the Republic of Korea attended the summit in Washington."]),
    )  # fmt: skip
    fr = doc(
        (None, ["L’OTAN et la République de Corée coopèrent.",
                "En juillet 2024, la République de Corée était au sommet de Washington."]),
    )  # fmt: skip
    compared = compare_facts(page_facts(en, "en"), page_facts(fr, "fr"))
    assert [(f.key, f.sentence[:40]) for f in compared.missing_in_b] == [
        ("2024-07", "In July 2024, NATO and the Republic of K")
    ]
    assert compared.missing_in_a == ()


def test_years_names_and_acronyms_count_once_per_page() -> None:
    en = doc((None, ["NATO met in 2022.", "NATO met again in 2022."]))
    fr = doc((None, ["L’OTAN s’est réunie en 2022, puis de nouveau."]))
    assert compare_facts(page_facts(en, "en"), page_facts(fr, "fr")).missing_in_b == ()


def test_the_section_count_is_a_fact_and_sections_out_of_order_are_named() -> None:
    en = doc((None, ["Since 2005."]), ("A", ["In July 2023, one."]), ("B", ["In May 2010, two."]))
    fr = doc((None, ["Depuis 2005."]), ("B’", ["En mai 2010, deux."]), ("A’", ["En juillet 2023."]))
    compared = compare_facts(page_facts(en, "en"), page_facts(fr, "fr"))
    assert compared.missing_in_b == compared.missing_in_a == ()
    assert compared.out_of_order == (("B", "B’"),)
    shorter = doc((None, ["Depuis 2005."]), ("A’", ["En juillet 2023."]))
    compared = compare_facts(page_facts(en, "en"), page_facts(shorter, "fr"))
    assert [(f.kind, f.key, f.sentence) for f in compared.missing_in_b] == [
        (FactKind.DATE, "2010-05", "In May 2010, two."),
        (FactKind.SECTIONS, "3", "A · B"),
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_facts_are_deterministic_and_round_trip_through_json(lang: str) -> None:
    facts = french(load_french()) if lang == "fr" else english()
    assert facts == (french(load_french()) if lang == "fr" else english())
    for fact in facts:
        back = Fact.from_dict(fact.to_dict())
        assert (back.kind, back.key, back.text, back.sentence, back.heading) == (
            fact.kind, fact.key, fact.text, fact.sentence, fact.heading,
        )  # fmt: skip


def test_the_french_fixture_reads_the_stored_opening() -> None:
    content = load_french("2023-08-16_fr_opening")
    assert content.stamp == "16 Aug. 2023 15:39"
    assert [p.heading for p in content.parts] == [None, "Principaux domaines de coopération"]
    assert parse(french_page(content), url=FR_URL).last_updated is not None
