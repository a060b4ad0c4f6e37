"""URL identity (scraper.urls): one canonical form and one notion of "the same page"."""

from __future__ import annotations

import pytest

from scraper.urls import (
    canonical_url,
    cps_file,
    page_identity,
    page_language,
    redact_url,
    same_page,
)

PAGE = "https://www.nato.int/cps/en/natohq/topics_50098.htm"


@pytest.mark.parametrize(
    "shape",
    [
        "https://nato.int/cps/en/natohq/topics_50098.htm",
        "http://nato.int/cps/en/natolive/topics_50098.htm",
        "http://www.nato.int:80/cps/en/SID-4E37114D-E9973C8C/natolive/topics_50098.htm?",
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm?selectedLocale=en#top",
    ],
)
def test_a_host_switch_is_neither_a_link_change_nor_another_page(shape: str) -> None:
    assert canonical_url(shape, base=PAGE) == PAGE
    assert same_page(shape, PAGE)
    assert page_identity(shape) == page_identity(PAGE)


def test_canonical_and_identity_agree_on_what_is_another_page() -> None:
    for other in (
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm",
        "https://www.nato.int/cps/en/natohq/topics_50336.htm",
        "https://www.nato.int/cps/en/natohq/topics_50098.htm?mode=print",
        "https://otan.nato.int/cps/en/natohq/topics_50098.htm",
    ):
        assert canonical_url(other, base=PAGE) != PAGE
        assert not same_page(other, PAGE)


def test_the_cps_shapes_count_on_a_stand_in_host_for_identity_only() -> None:
    local = "http://127.0.0.1:8080/cps/en/natohq/topics_50098.htm"
    shape = "http://127.0.0.1:8080/cps/fr/SID-1A-2B/natolive/topics_50098.htm?selectedLocale=en"
    assert same_page(shape, local)
    # Links on other hosts are stored as written but for the session id and the locale switch.
    assert (
        canonical_url(shape, base=local) == "http://127.0.0.1:8080/cps/fr/natolive/topics_50098.htm"
    )


FRENCH = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"


@pytest.mark.parametrize(
    "shape",
    [
        # The shapes the stored French copies were published under (FACTS.md).
        "https://www.nato.int/cps/fr/natohq/topics_50098.htm?",
        "http://www.nato.int/cps/fr/SID-3EFCD6A2-89CF6E1E/natolive/topics_50098.htm",
        "http://www.nato.int/cps/fr/natolive/topics_50098.htm",
        "https://webarchive.library.unt.edu/web/20121108010300/http://www.nato.int/cps/fr/natolive/topics_50098.htm",
        # Another locale prefix, the parameter choosing French.
        "https://www.nato.int/cps/en/natohq/topics_50098.htm?selectedLocale=fr",
        "https://nato.int/cps/ru/natolive/topics_50098.htm?selectedLocale=fr",
    ],
)
def test_the_french_page_has_its_own_shapes_and_never_mixes_with_the_english(shape: str) -> None:
    assert same_page(shape, FRENCH)
    assert not same_page(shape, PAGE)
    assert page_language(shape) == "fr"


def test_a_french_prefix_choosing_english_is_the_english_page() -> None:
    shape = "https://www.nato.int/cps/fr/SID-1A-2B/natolive/topics_50098.htm?selectedLocale=en"
    assert same_page(shape, PAGE) and not same_page(shape, FRENCH)
    assert page_language(shape) == "en"
    assert page_language("https://www.nato.int/en/what-we-do/relations-with-korea") is None


def test_cps_file_names_the_page_file_in_any_shape() -> None:
    assert cps_file("http://nato.int/cps/ru/SID-1-2/natolive/topics_50098.htm?x=1") == (
        "topics_50098.htm"
    )
    assert cps_file("https://www.nato.int/en/what-we-do/relations-with-korea") is None


@pytest.mark.parametrize(
    ("url", "keep_path", "shown"),
    [
        ("https://user:secret@example.org/a?b=1", True, "https://…@example.org/a?b=1"),
        ("https://hooks.example.org/services/T0/B0/xyz", False, "https://hooks.example.org/…"),
        ("https://u:p@hooks.example.org/t/abc", False, "https://…@hooks.example.org/…"),
        ("http://127.0.0.1:8080/", False, "http://127.0.0.1:8080/"),
        ("http://[::1", True, "(unreadable URL)"),
    ],
)
def test_redact_url_hides_credentials_and_webhook_tokens(
    url: str, keep_path: bool, shown: str
) -> None:
    assert redact_url(url, keep_path=keep_path) == shown
    assert "secret" not in redact_url(url, keep_path=keep_path)
