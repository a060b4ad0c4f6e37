"""What kind of page a response is: a bot check or access-denied page, and what it says.

The one home of the patterns that tell a bot check (Cloudflare, Akamai, Incapsula, generic WAF
and CAPTCHA pages) from the article. They are read at two depths:

- `is_bot_check` looks at a response's raw bytes and status, before any parsing: the fetchers
  use it to call a response blocked, and the WARC import to refuse an archived challenge;
- `bot_check_evidence` looks at a parsed page's title, main heading and visible text: the
  parser uses it to refuse a page that arrived as a 2xx but is not the article.

`page_title` is what a bot check says about itself, quoted in the fetchers' messages.

Pure: bytes and text in, answers out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A <title> sits in the <head>, and real pages sometimes put a long <head> first.
TITLE_SCAN_BYTES = 8192
BOT_CHECK_SCAN_BYTES = 65536

TITLE = re.compile(rb"<title[^>]*>\s*([^<]{0,200}?)\s*</title", re.I)
# Markers of bot checks and JS challenges (Cloudflare, Akamai, generic WAFs), looked for in
# 403/429/503 bodies.
BOT_CHECK_MARKERS = re.compile(
    rb"just a moment\.\.\.|attention required!|access denied|cf-chl|_cf_chl_opt|cf_chl_"
    rb"|/cdn-cgi/challenge-platform/h/|checking your browser|enable javascript and cookies"
    rb"|ddos protection by|captcha",
    re.I,
)
# In a 2xx body only unmistakable challenge pages count: ordinary pages behind Cloudflare load
# scripts from /cdn-cgi/challenge-platform/ too, and an article may well say "access denied".
BOT_CHECK_TITLES = frozenset(
    {b"just a moment...", b"attention required! | cloudflare", b"access denied", b"captcha"}
)
BOT_CHECK_2XX_MARKERS = re.compile(rb"_cf_chl_opt|cf-chl-widget|cf_chl_jschl", re.I)

# What a parsed bot check or access-denied page says in its title, heading or text ...
BOT_PHRASES = re.compile(
    r"access denied|just a moment|request unsuccessful|attention required"
    r"|enable javascript and cookies|checking (?:if the site connection is secure|your browser)"
    r"|verify (?:that )?you are (?:a )?human|are you a robot|captcha|ddos protection"
    r"|incapsula incident|security check",
    re.I,
)
# ... and what its markup carries.
BOT_MARKUP = re.compile(
    r"cf-challenge|cf_chl_|challenge-platform|cf-browser-verification|_Incapsula_Resource"
    r"|px-captcha|g-recaptcha|h-captcha|captcha-delivery",
    re.I,
)
# A real article is longer; phrases in its text are then not evidence.
BOT_MAX_WORDS = 300


def page_title(body: bytes) -> str | None:
    """The `<title>` of an HTML body, for messages (ASCII-safe, short), or None."""
    match = TITLE.search(body[:TITLE_SCAN_BYTES])
    if not match:
        return None
    title = " ".join(match.group(1).decode("utf-8", errors="replace").split())
    return title.encode("ascii", errors="replace").decode("ascii")[:80] or None


def is_bot_check(status: int, body: bytes) -> bool:
    """Whether a response is a bot check / JS challenge rather than a page or a plain error."""
    head = body[:BOT_CHECK_SCAN_BYTES]
    if 200 <= status < 300:
        title = page_title(head)
        return bool(BOT_CHECK_2XX_MARKERS.search(head)) or (
            title is not None and title.lower().encode() in BOT_CHECK_TITLES
        )
    if status in (403, 429, 503):
        return bool(BOT_CHECK_MARKERS.search(head))
    return False


def bot_check_evidence(*, headlines: Iterable[str], visible: str, markup: str) -> str | None:
    """What shows a parsed page to be a bot check or access-denied page, or None if nothing.

    `headlines` are its `<title>` and main heading (a telling one is the evidence, whole),
    `visible` its visible text and `markup` its HTML; the text and the markup count only on a
    short page, since an article may well mention "access denied".
    """
    for line in headlines:
        if BOT_PHRASES.search(line):
            return line
    if len(visible.split()) < BOT_MAX_WORDS:
        match = BOT_PHRASES.search(visible) or BOT_MARKUP.search(markup)
        if match:
            return match.group(0)
    return None
