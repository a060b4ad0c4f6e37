"""Dates and numbers in English and French text (scraper.core.quantities): one key for one
meaning, however the language writes it."""

from __future__ import annotations

import pytest

from scraper.core.quantities import dates_and_numbers


def keys(text: str, lang: str = "en") -> list[tuple[str, str]]:
    return [(q.sort, q.key) for q in dates_and_numbers(text, lang=lang)]


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("In July 2024, NATO", "En juillet 2024, l’OTAN"),
        ("on 16 Jul. 2024", "le 16 juillet 2024"),
        ("on 16 July 2024", "le 16 juil. 2024"),
        ("on 1 August 2023", "le 1er août 2023"),
        ("in September 2012", "en septembre 2012"),
        ("in December 2020", "en décembre 2020"),
        ("in February 2013", "en fevrier 2013"),
        ("since 2005", "depuis 2005"),
        ("From 2010 to 2013", "De 2010 à 2013"),
        ("between 2010 and 2013", "entre 2010 et 2013"),
        ("a total of USD 319 million", "un total de 319 millions USD"),
        ("a total of USD 319 million", "un total de USD 319 millions"),
        ("a total of USD 319 million", "un total de 319 millions de dollars"),
        ("$1.5 billion", "1,5 milliard de dollars américains"),
        ("EUR 2.5 million", "2,5 millions d’euros"),
        ("EUR 2.5 million", "2,5 M€"),
        ("some 470 personnel", "quelque 470 personnes"),
        ("1,500 troops", "1 500 soldats"),
        ("1,500 troops", "1\u00a0500 soldats"),
        ("1,500 troops", "1\u202f500 soldats"),
        ("12,000 troops", "12 000 soldats"),
        ("2.5% of GDP", "2,5 % du PIB"),
        ("2.5 per cent of GDP", "2,5 pour cent du PIB"),
    ],
)
def test_french_is_read_to_the_keys_of_the_english(english: str, french: str) -> None:
    assert keys(french, "fr") == keys(english, "en")
    assert keys(french, "fr")  # something was read


def test_the_same_digits_mean_what_each_language_means() -> None:
    assert keys("1,5", "fr") == [("count", "1.5")]
    assert keys("1,500") == [("count", "1500")]
    # A French stamp keeps its English month abbreviation; it is still a date.
    assert keys("Mis à jour le: 16 Aug. 2023 15:39", "fr")[0] == ("date", "2023-08-16")


def test_french_numbers_written_as_words_are_not_read() -> None:
    assert keys("les quatre partenaires et deux pays", "fr") == []
    # English keeps reading them (the flags rely on it).
    assert keys("the four partners") == [("count", "4")]


def test_any_other_language_is_read_as_english() -> None:
    assert keys("In July 2024, 1,500", "ru") == keys("In July 2024, 1,500")
