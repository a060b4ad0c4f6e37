"""Decoding a body the way a browser would, and telling what a body is."""

from __future__ import annotations

from pages import load_content
from test_fetch import WIN1252_PAGE

from scraper.fetching.decoding import (
    CharsetSource,
    decode_body,
    looks_like_html,
    parse_content_type,
)


def test_iso_8859_1_label_is_read_as_windows_1252_like_browsers() -> None:
    body = WIN1252_PAGE.replace("windows-1252", "ISO-8859-1").encode("cp1252")

    decoded = decode_body(body, content_type="text/html; charset=ISO-8859-1")

    assert "\u201cglobal partners\u201d" in decoded.text
    assert decoded.source is CharsetSource.HEADER
    assert decoded.encoding == "cp1252"


def test_header_charset_beats_meta() -> None:
    body = WIN1252_PAGE.replace("windows-1252", "iso-8859-5").encode("utf-8")

    decoded = decode_body(body, content_type="text/html; charset=UTF-8")

    assert decoded.text == WIN1252_PAGE.replace("windows-1252", "iso-8859-5")
    assert decoded.source is CharsetSource.HEADER


def test_undeclared_charset_utf8_then_detection() -> None:
    text = (
        WIN1252_PAGE.replace(
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', ""
        )
        + load_content().all_text()[:1500]
    )

    as_utf8 = decode_body(text.encode("utf-8"), content_type="text/html")
    as_1252 = decode_body(text.encode("cp1252", errors="replace"), content_type=None)

    assert (as_utf8.source, as_utf8.encoding) == (CharsetSource.UTF8, "utf-8")
    assert as_utf8.text == text
    assert as_1252.source is CharsetSource.DETECTED
    assert "\u201cglobal partners\u201d" in as_1252.text
    assert "NATO\u00a0and" in as_1252.text


def test_bom_wins_and_is_dropped() -> None:
    decoded = decode_body(
        b"\xef\xbb\xbf<html>caf\xc3\xa9</html>", content_type="text/html; charset=windows-1252"
    )

    assert decoded.text == "<html>caf\u00e9</html>"
    assert decoded.source is CharsetSource.BOM


def test_invalid_bytes_are_replaced_and_noted() -> None:
    decoded = decode_body(b"<html>caf\xe9</html>", content_type="text/html; charset=utf-8")

    assert decoded.text == "<html>caf\ufffd</html>"
    assert decoded.notes and "not valid utf-8" in decoded.notes[0]


def test_content_type_and_sniffing_helpers() -> None:
    assert parse_content_type('text/HTML; Charset="windows-1252"') == ("text/html", "windows-1252")
    assert parse_content_type(None) == (None, None)
    assert looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>")
    assert looks_like_html(b"<html lang=en>")
    assert not looks_like_html(b'{"json": true}')
    assert not looks_like_html(b"<abbr>not sniffed</abbr>")
