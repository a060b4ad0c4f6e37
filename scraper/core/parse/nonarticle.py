"""Responses that are not the article: bot checks, access-denied and error pages.

`refuse_non_article` raises `ParseError` with a reason a user can act on. What gives a bot
check away lives in `scraper.core.pagekind`, shared with the fetchers; the error-page
patterns (a 404 or maintenance page served with 200) are the parser's own.
"""

from __future__ import annotations

import re
from typing import Final

from scraper.core.pagekind import bot_check_evidence
from scraper.core.parse.text import clip
from scraper.core.parse.title import TITLE_SEPARATOR
from scraper.errors import ParseError

_ERROR_TITLE = re.compile(
    r"^(?:(?:http\s+)?(?:error|erreur)\b.*"
    r"|(?:http\s+)?[45]\d\d\b(?:\s*[-:|–—]\s*|\s+)?(?:$|.*\b(?:error|not found|forbidden"
    r"|gone|unavailable|gateway|denied)\b.*)"
    r"|.*\b(?:page|file|document|resource)\s+(?:was\s+)?not\s+found\b.*|not found"
    r"|.*\bpage introuvable\b.*|(?:internal\s+)?server error.*"
    r"|service (?:temporarily )?unavailable.*"
    r"|.*\bunder maintenance\b.*|(?:site\s+)?maintenance|.*\berror\s+[45]\d\d\b.*)$",
    re.I,
)
_ERROR_TEXT = re.compile(r"\b(?:page (?:was )?not found|404 not found|page introuvable)\b", re.I)
_ERROR_MAX_WORDS: Final = 150
SHELL_MAX_WORDS: Final = 100
"""A JavaScript shell shows fewer words than this before its scripts run."""
BROWSER_HINT: Final = "no article content: the page may need a browser to render (try --browser)"
"""The reason given for a page whose article only a browser would render."""


def refuse_non_article(raw: str, head_title: str, heading: str, visible: str) -> None:
    """Raise `ParseError` for a bot check or an error page: both say so in their <title> or
    main heading, or (when the page is short) in their text."""
    words = len(visible.split())
    headlines = [t for t in (head_title, heading) if t]
    evidence = bot_check_evidence(headlines=headlines, visible=visible, markup=raw)
    if evidence is not None:
        raise ParseError(bot_message(clip(evidence)))
    for line in headlines:
        segments = [line, *(s.strip() for s in TITLE_SEPARATOR.split(line))]
        if any(_ERROR_TITLE.match(s) for s in segments if s):
            raise ParseError(f"not the article: the server sent an error page ({clip(line)!r})")
    if words < _ERROR_MAX_WORDS:
        match = _ERROR_TEXT.search(visible)
        if match:
            raise ParseError(f"not the article: the server sent an error page ({match.group(0)!r})")


def bot_message(evidence: str) -> str:
    """The reason given for a bot check or an access-denied page."""
    return (
        f"not the article: a bot check or access-denied page ({evidence!r}); the site may be "
        "refusing this client — try again later, or use --browser"
    )
