"""What every page of the report site carries alike: the stylesheet, read from the package,
and the Content-Security-Policy that lets only that stylesheet apply (by its hash). Shared by
the pages rendered with Jinja2 (`site`) and the health page, which is written after every
check without loading Jinja2 (`health_page`)."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

# The templates ship inside the package (where Jinja2's PackageLoader reads them too).
TEMPLATES = Path(__file__).parent / "templates"

# Code points XML 1.0 does not allow (C0 controls but tab/newline/return, surrogates, FFFE/F):
# dropped from every value, so every page parses as XHTML and the feed as XML.
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


@cache
def _xml_illegal() -> re.Pattern[str]:
    # Compiled on first need: the health page, written after every check, rarely needs it.
    return re.compile(_XML_ILLEGAL)


def drop_xml_illegal(text: str) -> str:
    """`text` without the code points XML 1.0 forbids."""
    return text if text.isprintable() else _xml_illegal().sub("", text)


# What `escape_html` replaces (as `html.escape` with quote=True, without loading `html`).
_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
)


def escape_html(text: str) -> str:
    """`text` as HTML text or attribute value, without the characters XML forbids."""
    return drop_xml_illegal(text).translate(_HTML_ESCAPES)


@cache
def asset(name: str) -> str:
    """The text of `scraper/reports/templates/<name>` (a stylesheet)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def source_hash(text: str) -> str:
    """`sha256-<base64>`: how a Content-Security-Policy names an inline style."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# The site's shared stylesheet: `reports/style.css`, linked by every report and version page
# (a page that stands alone — a report printed by `diff`, one in a bundle — carries it inline).
STYLESHEET = "style.css"
# What a page that links the shared stylesheet allows: that stylesheet and nothing else.
# `'self'` is the stylesheet beside the page when served (and, in Chromium, opened from disk);
# `file:` is it opened from disk in a browser whose `'self'` does not match file: URLs.
LINKED_CSP = (
    "default-src 'none'; style-src 'self' file:; script-src 'none'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def page_csp(style: str) -> str:
    """The pages' policy: nothing loads from anywhere, no script runs, only `style` applies."""
    return (
        f"default-src 'none'; style-src '{source_hash(style)}'; script-src 'none'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
