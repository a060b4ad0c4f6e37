"""Turning a response body into text, and telling what it is: HTML or not, which charset.

`decode_body` decodes an HTML body the way a browser would (a BOM, the Content-Type charset,
the page's own `<meta>`, UTF-8, detection, windows-1252). It is public and pure so that replay
and imports decode stored bodies exactly as a live check did. `parse_content_type` and
`looks_like_html` tell whether a body is a page at all.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass
from enum import StrEnum

import requests.compat

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# The HTML spec's prescan looks at 1024 bytes; real pages sometimes put a long <head> first.
META_SCAN_BYTES = 8192

META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9._:\-]+)""", re.I)
# WHATWG: tags that make a body without a Content-Type HTML (mime sniffing, "text/html").
SNIFF_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
    b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--",
)  # fmt: skip
# The charset detector requests itself uses (charset_normalizer or chardet), if any.
DETECTOR = getattr(requests.compat, "chardet", None)
# WHATWG encoding labels that browsers read as another, wider encoding: a page declaring
# ISO-8859-1 with curly quotes in 0x80-0x9F means windows-1252.
BROWSER_CODECS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CharsetSource(StrEnum):
    """Where the charset used to decode a body came from, most authoritative first."""

    BOM = "bom"
    HEADER = "header"
    META = "meta"
    UTF8 = "utf-8"  # no declaration, and the bytes are valid UTF-8
    DETECTED = "detected"
    DEFAULT = "default"


@dataclass(frozen=True)
class DecodedBody:
    """A body decoded to text, with the codec used and where it came from."""

    text: str
    encoding: str
    source: CharsetSource
    notes: tuple[str, ...] = ()


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """The lowercased media type and charset of a Content-Type header (None when absent)."""
    if not value or not value.strip():
        return None, None
    head, *params = value.split(";")
    mime = head.strip().lower() or None
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").strip() or None
    return mime, charset


def looks_like_html(body: bytes) -> bool:
    """Sniff a body that came without a Content-Type, the way browsers do (WHATWG)."""
    for bom, _codec in BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    head = body[:1024].lstrip().lower()
    if head.startswith(b"<?xml"):
        return b"<html" in head
    for tag in SNIFF_TAGS:
        if head.startswith(tag):
            rest = head[len(tag) : len(tag) + 1]
            if tag == b"<!--" or rest in (b" ", b">", b"\t", b"\n", b"\r", b"\f"):
                return True
    return False


def codec_for(label: str) -> str | None:
    """The Python codec a browser would use for a charset label, or None if unknown."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return BROWSER_CODECS.get(name, name)


def decode_body(body: bytes, *, content_type: str | None) -> DecodedBody:
    """Decode an HTML body the way a browser would.

    A BOM wins; then the charset of the Content-Type header; then the page's own
    `<meta charset>` / `http-equiv`; then UTF-8 if the bytes are valid UTF-8; then detection
    (charset_normalizer, via requests); then windows-1252. Labels are read as browsers read
    them (ISO-8859-1 means windows-1252), so curly quotes and NBSPs are never mojibake.
    """
    notes: list[str] = []
    for bom, bom_codec in BOMS:
        if body.startswith(bom):
            return _decode(body, bom_codec, CharsetSource.BOM, notes)
    _mime, header_charset = parse_content_type(content_type)
    if header_charset:
        header_codec = codec_for(header_charset)
        if header_codec is not None:
            return _decode(body, header_codec, CharsetSource.HEADER, notes)
        notes.append(f"unknown charset {header_charset!r} in the Content-Type header; ignored")
    match = META_CHARSET.search(body[:META_SCAN_BYTES])
    if match:
        label = match.group(1).decode("ascii", errors="replace")
        meta_codec = codec_for(label)
        # A page that can be read this far as ASCII is not UTF-16, whatever its meta says.
        if meta_codec is not None and meta_codec.startswith("utf-16"):
            meta_codec = "utf-8"
        if meta_codec is not None:
            return _decode(body, meta_codec, CharsetSource.META, notes)
        notes.append(f"unknown charset {label!r} in the page's <meta>; ignored")
    try:
        return DecodedBody(body.decode("utf-8"), "utf-8", CharsetSource.UTF8, tuple(notes))
    except UnicodeDecodeError:
        pass
    guess = _detect(body)
    if guess is not None:
        return _decode(body, guess, CharsetSource.DETECTED, notes)
    return _decode(body, "cp1252", CharsetSource.DEFAULT, notes)


def _detect(body: bytes) -> str | None:
    """charset_normalizer's guess, or None when it has none worth trusting."""
    if DETECTOR is None:
        return None
    label = DETECTOR.detect(body).get("encoding")
    codec = codec_for(label) if isinstance(label, str) else None
    if codec is None or codec.startswith(("utf-16", "utf-32")):
        # Without a BOM an HTML page in UTF-16/32 is implausible: the guess is noise.
        return None
    if codec != "cp1252":
        # Single-byte guesses often differ from windows-1252 only in bytes the page does not
        # use; then say windows-1252, the encoding browsers assume for Western pages.
        with contextlib.suppress(UnicodeDecodeError):
            if body.decode(codec) == body.decode("cp1252"):
                return "cp1252"
    return codec


def _decode(body: bytes, codec: str, source: CharsetSource, notes: list[str]) -> DecodedBody:
    """`body` decoded with `codec`, bad bytes replaced and said so in the notes."""
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as err:
        text = body.decode(codec, errors="replace")
        notes.append(
            f"the body is not valid {codec} (from {source.value}) at byte {err.start}; "
            "bad bytes were replaced with U+FFFD"
        )
    return DecodedBody(text, codec, source, tuple(notes))
