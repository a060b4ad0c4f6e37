"""Telling a bot check or access-denied page from the article, on bytes and on text."""

from __future__ import annotations

from test_fetch import AKAMAI_DENIED, CHALLENGE

from scraper.core.pagekind import bot_check_evidence, is_bot_check, page_title


def test_real_article_mentioning_access_denied_is_not_a_bot_check() -> None:
    article = b"<html><head><title>Relations with the Republic of Korea</title></head><body>" + (
        b"<p>Access denied to the DPRK's ballistic missile programmes ...</p>"
        b'<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>'
    )
    assert not is_bot_check(200, article)
    assert is_bot_check(403, CHALLENGE)
    assert not is_bot_check(404, CHALLENGE)


def test_page_title_is_short_and_ascii_safe() -> None:
    assert page_title(CHALLENGE) == "Just a moment..."
    assert page_title(AKAMAI_DENIED) == "Access Denied"
    assert page_title("<title> Caf\u00e9 \n   Korea </title>".encode()) == "Caf? Korea"
    assert page_title(b"<title>" + b"x" * 150 + b"</title>") == "x" * 80
    assert page_title(b"<p>no title</p>") is None


def test_bot_check_evidence_is_the_telling_headline_or_phrase() -> None:
    assert (
        bot_check_evidence(headlines=["Attention Required! | Cloudflare"], visible="", markup="")
        == "Attention Required! | Cloudflare"
    )
    short = "Please verify you are a human to continue."
    assert bot_check_evidence(headlines=[], visible=short, markup="") == "verify you are a human"
    assert (
        bot_check_evidence(headlines=[], visible="Loading", markup='<div class="g-recaptcha">')
        == "g-recaptcha"
    )
    # In a long article the same words are not evidence; only a headline would be.
    article = "Access denied to the programmes is discussed at length. " * 60
    assert (
        bot_check_evidence(headlines=["Relations with Korea"], visible=article, markup="") is None
    )
