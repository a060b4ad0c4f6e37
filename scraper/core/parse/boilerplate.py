"""What is never content, by role and by shape, wherever it sits: each rule gives a reason.

Owns the rules that call an element page furniture. Each returns the reason a reader of any
CMS would give ("navigation", "cookie banner", "tool bar: link-only strip", …) or None; the
reason is what `nato-watch inspect` shows for the region it dropped. The rules look at an
element's tag, its ARIA role, whether it is hidden, the words of its class and id, and its
shape (a short strip of links, a box of links under a "Related" heading, a notice about
cookies). Which elements they are tried on, and what is kept whatever they say (the title,
most of the page's prose), is the caller's business (`region`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from bs4 import Tag

from scraper.core.parse.tags import BOLD_TAGS, first_named
from scraper.core.parse.text import is_text, mass, norm

# Elements that never carry article text, wherever they are (their content is raw text or
# nothing, so they cannot swallow an article however broken the markup).
ALWAYS_DROP: Final = {
    "script": "script", "style": "style sheet", "noscript": "no-script fallback",
    "template": "template", "iframe": "embedded frame", "input": "form field",
    "select": "form field", "textarea": "form field", "link": "link to a resource",
    "meta": "page metadata",
}  # fmt: skip
"""Tag -> reason, for elements dropped before anything else is read."""

_ROLE_TAGS: Final = {
    "nav": "navigation", "header": "page header", "footer": "page footer",
    "aside": "aside: related content", "form": "form", "button": "button",
    "dialog": "dialog", "object": "embedded object", "embed": "embedded object",
    "svg": "graphic", "math": "formula", "canvas": "graphic", "video": "video",
    "audio": "audio", "map": "image map", "amp-sidebar": "navigation",
    "amp-social-share": "share bar", "amp-analytics": "analytics",
}  # fmt: skip
_ROLE_ATTRS: Final = {
    "navigation": "navigation", "banner": "page header", "contentinfo": "page footer",
    "complementary": "aside: related content", "search": "search", "dialog": "dialog",
    "alertdialog": "dialog", "menu": "navigation", "menubar": "navigation",
    "toolbar": "tool bar",
}  # fmt: skip
# Words in a class or id that name boilerplate (class values are split on -, _ and camelCase,
# so "share-this", "cookie_bar" and "relatedContent" all match without one exact class name).
_BOILER_WORDS: Final = {
    **dict.fromkeys(("nav", "navbar", "navigation", "menu", "menubar"), "navigation"),
    **dict.fromkeys(("breadcrumb", "breadcrumbs", "crumbs"), "breadcrumbs"),
    **dict.fromkeys(("cookie", "cookies", "consent", "gdpr", "onetrust"), "cookie banner"),
    **dict.fromkeys(("share", "sharing", "sharethis", "addthis", "social"), "share bar"),
    "related": "related content", "sidebar": "sidebar", "footer": "page footer",
    "skiplink": "skip link", "toolbar": "tool bar",
    **dict.fromkeys(("newsletter", "subscribe"), "newsletter sign-up"),
    **dict.fromkeys(("pagination", "pager"), "pager"),
    **dict.fromkeys(("masthead", "logo"), "page header"), "search": "search",
    **dict.fromkeys(("modal", "popup"), "dialog"),
    **dict.fromkeys(("advert", "advertisement", "ads"), "advert"),
    **dict.fromkeys(("ipp", "donato"), "Wayback Machine toolbar"),
}  # fmt: skip
# Whole class values that hide an element from sighted readers (screen-reader-only text
# comes and goes with templates; it is not what the page shows).
_HIDDEN_CLASSES: Final = frozenset(
    {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "hidden", "hide",
     "d-none", "element-invisible", "offscreen", "skip-link"}
)  # fmt: skip
_WORD_SPLIT: Final = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_DISPLAY_NONE: Final = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# --- shapes -------------------------------------------------------------------------------------

STRIP_MAX: Final = 150
"""Characters (spaces not counted): a tool strip is shorter; a paragraph of links is not one."""
# What a tool's link or label says: print, e-mail, share, text size, back to top, pagers.
_TOOL_WORDS: Final = re.compile(
    r"\b(?:print|printer|e-?mail|mail|share|tweet|bookmark|top|back|close|font|text size"
    r"|taille|imprimer|envoyer|partager|haut|previous|next|prev|précédent|suivant|skip"
    r"|aller au contenu|rss)\b|^a$|^[a+-]+$",
    re.I,
)
# What separates the links of a strip.
_SEPARATORS: Final = re.compile(r"[\s|·•/\\:>»«<–—\-]+")
_RELATED_HEADING: Final = re.compile(
    r"^(?:related\b|latest news|more (?:on|news|about)|see also|further reading|read more"
    r"|also of interest|voir aussi|à lire aussi|articles? (?:liés|connexes)|dernières nouvelles"
    r"|actualités)",
    re.I,
)
_COOKIE_TEXT: Final = re.compile(
    r"\b(?:uses? cookies|use of cookies|cookie (?:policy|settings|preferences)|accept (?:all )?"
    r"cookies|utilise des cookies|utilisation (?:des|de) cookies)\b",
    re.I,
)
_COOKIE_MAX: Final = 600  # characters: a notice, not an article about cookies
_CLICKABLE: Final = frozenset({"a", "button", "input"})


@lru_cache(maxsize=4096)
def _class_words(value: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD_SPLIT.split(value) if w)


def is_hidden(el: Tag) -> bool:
    """Hidden from sighted readers: the `hidden` attribute, aria-hidden, display:none, or a
    screen-reader-only class."""
    get = el.get
    if get("hidden") is not None or str(get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = get("style")
    if style and _DISPLAY_NONE.search(str(style)):
        return True
    classes = get("class")
    return bool(classes) and any(v.lower() in _HIDDEN_CLASSES for v in str(classes).split())


def role_reason(el: Tag) -> str | None:
    """Page furniture by its role: its tag, ARIA role, hidden state or class and id words."""
    reason = _ROLE_TAGS.get(el.name)
    if reason:
        return reason
    get = el.get
    role = get("role")
    if role:
        reason = _ROLE_ATTRS.get(str(role).strip().lower())
        if reason:
            return reason
    if is_hidden(el):
        return "hidden from readers"
    ident = get("id")
    if ident:
        ident = str(ident)
        if ident.startswith(("wm-", "donato")):
            return "Wayback Machine toolbar"
        reason = _word_reason(ident)
        if reason:
            return reason
    classes = get("class")
    if classes:
        for value in str(classes).split():
            reason = _word_reason(value)
            if reason:
                return reason
    return None


def _word_reason(value: str) -> str | None:
    for word in _class_words(value):
        reason = _BOILER_WORDS.get(word)
        if reason:
            return reason
    return None


def may_be_furniture(el: Tag) -> bool:
    """Cheap pre-test: whether `role_reason` can say anything about this element."""
    attrs = el.attrs
    return el.name in _ROLE_TAGS or (bool(attrs) and not attrs.keys() <= {"href", "src", "alt"})


# --- rules by shape -------------------------------------------------------------------------------


def strip_reason(el: Tag, text_mass: int) -> str | None:
    """A tool bar or other link-only strip: a short element whose words are all links (and
    separators, icons, a short tool label) — "Print | E-mail this page", "Back to top",
    "Text size A A A", "Previous | Next", a skip link. One ordinary link alone is not a
    strip: it may be a sentence of the article."""
    if text_mass == 0 or text_mass > STRIP_MAX:
        return None
    links = [a for a in el.find_all("a") if a.get("href") is not None]
    if not links:
        return None
    outside = _text_outside_links(el)
    if outside and not _TOOL_WORDS.search(outside):
        return None
    texts = [norm(a.get_text()) for a in links]
    if len(links) >= 2:
        tool = outside or any(_TOOL_WORDS.search(t) for t in texts)
        return "tool bar: link-only strip" if tool else "link-only strip: navigation"
    href = str(links[0].get("href") or "").strip().lower()
    if href.startswith(("#", "javascript:", "mailto:")) or _TOOL_WORDS.search(texts[0]):
        if href in ("#top", "#") or "top" in texts[0].lower():
            return "back to top"
        if texts[0].lower().startswith(("skip", "aller")):
            return "skip link"
        return "tool bar: link-only strip"
    return None


def _text_outside_links(el: Tag) -> str:
    """The element's words that are not inside a link, separators removed."""
    parts = [str(s) for s in el.descendants if is_text(s) and not _in_link(s, el)]
    return _SEPARATORS.sub(" ", norm(" ".join(parts))).strip()


def _in_link(node: object, top: Tag) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None and parent is not top:
        if parent.name == "a":
            return True
        parent = parent.parent
    return False


def related_reason(el: Tag, text_mass: int, link_mass: int) -> str | None:
    """A "Related"/"Latest news"/"See also" box: a container that opens with such a heading
    and is mostly links (teasers: titles linked, dates and summaries short)."""
    first = next((c for c in el.children if isinstance(c, Tag) or (is_text(c) and c.strip())), None)
    if not isinstance(first, Tag) or first.name not in ("h2", "h3", "h4", "h5", "h6", "p", "div"):
        return None
    if first.name in ("p", "div") and first_named(first, BOLD_TAGS) is None:
        return None
    heading = norm(first.get_text())
    if len(heading) > 60 or not _RELATED_HEADING.match(heading):
        return None
    rest = text_mass - mass(heading)
    if rest > 0 and 3 * link_mass < rest:
        return None
    return "related content box"


def cookie_reason(el: Tag, text_mass: int) -> str | None:
    """A cookie or consent notice: a short block that says the site uses cookies and offers
    something to click (accept, close, find out more). A paragraph of an article about
    cookies offers nothing to click and stays."""
    if text_mass > _COOKIE_MAX or first_named(el, _CLICKABLE) is None:
        return None
    return "cookie banner" if _COOKIE_TEXT.search(norm(el.get_text())) else None
