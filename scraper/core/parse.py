"""Parse a NATO topic page into a `Document`: title, "Last updated" stamp, sections, blocks.

Owns: reading a page's HTML in any template (old table layouts, modern semantic ones, broken
markup, Wayback Machine copies), finding the article, dropping boilerplate by role, normalising
text and links, and refusing responses that are not the article (`ParseError`).

Pure: no I/O, no clock. lxml is used directly rather than through BeautifulSoup: it is the
same libxml2 parser, but builds the tree about twenty times faster, and `replay` re-parses
every stored snapshot.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link, Section
from scraper.core.pagekind import bot_check_evidence
from scraper.errors import ParseError
from scraper.urls import canonical_url, unwrap_wayback

# 2: links to nato.int's other URL shapes of a page (natolive, another locale prefix with
#    selectedLocale) are written in the one shape, /cps/<language>/natohq/.
# 3: links to bare nato.int are written as www.nato.int (one host, as page identity has it).
PARSER_VERSION: Final = "3"
"""Recorded in every version's provenance; bump it whenever the same HTML may parse differently."""

BRUSSELS: Final = ZoneInfo("Europe/Brussels")
"""NATO HQ's time zone: the page's stamp carries no offset and means Brussels time."""

MIN_ARTICLE_WORDS: Final = 20
"""Fewer words of content than this and the page is not an article (a shell, a stub)."""

# lxml ships no type stubs; element proxies are typed loosely on purpose.
_El = Any

# --- what is never content --------------------------------------------------------------------

# Elements that never carry article text, wherever they are (their content is raw text or
# nothing, so they cannot swallow an article however broken the markup).
_ALWAYS_DROP = (
    "script", "style", "noscript", "template", "iframe", "input", "select", "textarea", "link",
    "meta",
)  # fmt: skip
_ALWAYS_DROP_XPATH = "|".join(f"//{tag}" for tag in _ALWAYS_DROP)

# Elements that are page furniture by their role; kept only if they hold the title.
_ROLE_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "button", "dialog", "object", "embed", "svg",
     "math", "canvas", "video", "audio", "map"}
)  # fmt: skip
_ROLE_ATTRS = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
     "menu", "menubar", "toolbar"}
)  # fmt: skip
# Words in a class or id that name boilerplate (class values are split on -, _ and camelCase,
# so "share-this", "cookie_bar" and "relatedContent" all match without one exact class name).
_BOILER_WORDS = frozenset(
    {"nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "crumbs",
     "cookie", "cookies", "consent", "gdpr", "onetrust", "share", "sharing", "sharethis",
     "addthis", "social", "related", "sidebar", "footer", "skiplink", "toolbar", "newsletter",
     "subscribe", "pagination", "pager", "masthead", "logo", "search", "modal", "popup",
     "advert", "advertisement", "ads", "ipp", "donato"}
)  # fmt: skip
# Whole class values that hide an element from sighted readers (screen-reader-only text
# comes and goes with templates; it is not what the page shows).
_HIDDEN_CLASSES = frozenset(
    {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "hidden", "hide",
     "d-none", "element-invisible", "offscreen", "skip-link"}
)  # fmt: skip
_BOILER_XPATH = (
    ".//nav|.//header|.//footer|.//aside|.//form"
    "|.//*[@role or @hidden or @aria-hidden or @style or @class or @id]"
)
_WORD_SPLIT = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)
_WAYBACK_TOOLBAR = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?<!--\s*END WAYBACK TOOLBAR INSERT\s*-->",
    re.S | re.I,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)

# --- how the template is read -----------------------------------------------------------------

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
_BOLD_TAGS = frozenset({"b", "strong"})
# Elements that end a paragraph: what comes after them is a new block.
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "body", "header", "footer", "table", "tbody",
     "thead", "tfoot", "tr", "td", "th", "caption", "blockquote", "dl", "dt", "dd", "center",
     "address", "pre", "fieldset", "details", "summary", "figcaption", "hr", "hgroup", "li",
     "form", "aside", "nav"}
)  # fmt: skip
# Where a page without an <h1> may show its title (matched against the <title> text).
_TITLE_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "div", "td", "th", "span", "font", "b",
               "strong", "center", "big")  # fmt: skip
_MAIN_XPATH = "//main|//*[@role='main']|//article"
# What an article is made of, when deciding whether broken markup pushed some of it outside.
_CONTENT_TAGS = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "dl", "blockquote", "figure", "pre", "hr"}
)
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—•·]\s+")
_TITLE_PREFIX = re.compile(
    r"^(?:topic|topics|news|official text|opinion|event|sujet|thème|actualités)\s*:\s*", re.I
)
_SITE_NAMES = frozenset(
    {"nato", "otan", "nato - otan", "nato otan", "north atlantic treaty organization",
     "organisation du traité de l'atlantique nord", "nato.int"}
)  # fmt: skip
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# --- the stamp --------------------------------------------------------------------------------

# A label with a colon, or a label followed directly by a digit; "Last updated versions of…"
# is a sentence, not a stamp.
_STAMP_LABEL = re.compile(r"^(?:last updated|mis à jour le)\s*(?::\s*(.*)|\s(\d.*))$", re.I | re.S)
_STAMP_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})$")
_STAMP_MAX_REST = 40  # longer text after "Last updated:" is a sentence, not a date
_STAMP_WINDOW_BLOCKS = 3  # the stamp sits under the title, before the article proper
_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip

# --- what is not an article -------------------------------------------------------------------

_LONG_LINK = 300  # characters: more than any menu entry, less than an article
_LONG_LINK_XPATH = f".//a[string-length(normalize-space(.)) >= {_LONG_LINK}]"
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
_ERROR_MAX_WORDS = 150
_SHELL_MAX_WORDS = 100  # a JavaScript shell shows little text before its scripts run
_BROWSER_HINT = "no article content: the page may need a browser to render (try --browser)"


def parse(html: str | bytes, *, url: str) -> Document:
    """Read one page into a `Document`; raise `ParseError` when it is not the article.

    `url` is the address the page is read as: relative links and image sources are resolved
    against it. Pass the target's canonical URL (not the final URL of a redirect or a memento)
    so that the same page served under another URL shape gives the same document.
    """
    text = _decode(html) if isinstance(html, bytes) else html
    if not text.strip():
        raise ParseError("empty body: the response has no content")
    if "WAYBACK TOOLBAR" in text:
        text = _WAYBACK_TOOLBAR.sub("", text)
    text = _XML_DECL.sub("", text, count=1)
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, collect_ids=False
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ParseError(f"empty body: the response holds no HTML elements ({err})") from err

    scripts = root.xpath(_ALWAYS_DROP_XPATH)
    has_scripts = any(el.tag == "script" for el in scripts)
    head_title = _head_title(root)
    for el in scripts:
        el.drop_tree()
    body = root.find("body")
    visible = _norm(body.text_content()) if body is not None else ""
    anchor = _find_title_element(body, head_title) if body is not None else None
    heading = _title_text(anchor) if anchor is not None else ""
    _refuse_non_article(text, head_title, heading, visible)
    if body is None or not visible:
        if has_scripts:
            raise ParseError(_BROWSER_HINT)
        raise ParseError("empty body: the page has no visible text")

    base = _base_url(root, url)
    title = heading or (_title_core(head_title) if head_title else "")
    if not title:
        raise ParseError(
            "no title: the page has no <h1> heading and no <title>; it does not look like an "
            "article"
        )
    _drop_boilerplate(body, anchor)
    region = _find_region(root, body, anchor)

    walker = _Walker(base=base, anchor=anchor, region=region)
    if anchor is not None:
        walker.stamp = _stamp_before(anchor, walker.skip)
        walker.window_open = walker.stamp is None
    walker.run()
    sections = _build_sections(walker.items)
    words = sum(len(b.full_text.split()) for s in sections for b in s.blocks)
    if words < MIN_ARTICLE_WORDS:
        if has_scripts and len(visible.split()) < _SHELL_MAX_WORDS:
            raise ParseError(_BROWSER_HINT)
        raise ParseError(
            f"no article content: only {words} words follow the title {_clip(title)!r}; the "
            "page is a stub, or its template changed so that the article is no longer found"
        )
    return Document(title=title, last_updated=walker.stamp, sections=sections)


# --- reading the bytes ------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Bytes to text: a BOM, else a <meta> charset, else UTF-8, else Windows-1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            encoding = "utf-8"
        # Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding).
        if encoding in ("latin-1", "iso8859-1", "ascii"):
            encoding = "cp1252"
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- text -------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Collapse whitespace (NBSP included), drop zero-width characters, compose to NFC."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return " ".join(text.split())


# --- links ------------------------------------------------------------------------------------


def _base_url(root: _El, url: str) -> str:
    """The page URL, or its `<base href>` resolved against it."""
    for base in root.iter("base"):
        href = base.get("href")
        if href and href.strip():
            return canonical_url(href, base=url)
    return unwrap_wayback(url.strip())


# --- non-articles -----------------------------------------------------------------------------


def _element_text(el: _El) -> str:
    """An element's text as read: a space wherever a line break or a block boundary is."""
    pieces, _ = _inline_pieces(el, None)
    return _norm("".join(p[0] for p in pieces))


def _title_text(anchor: _El) -> str:
    """The title heading's text, up to its first block: an unclosed <h1> holds the article."""
    rest = _after_title(anchor)
    if not rest:
        return _element_text(anchor)
    pieces, _ = _inline_pieces(anchor, None, stop=rest[0])
    return _norm("".join(p[0] for p in pieces))


def _after_title(anchor: _El) -> list[_El]:
    """The title heading's children from its first block on (none when it is well formed)."""
    children = list(anchor)
    for i, child in enumerate(children):
        if child.tag in _BLOCKS or child.tag in _LISTS or child.tag in _HEADINGS:
            return children[i:]
    return []


def _clip(text: str, limit: int = 80) -> str:
    """Text short enough to quote in a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _head_title(root: _El) -> str:
    # The <head>'s own <title> first: an inline SVG icon has a <title> too.
    title = root.find("head/title")
    if title is None:
        title = next(iter(root.xpath("//title[not(ancestor::svg)]")), None)
    return _norm(title.text_content()) if title is not None else ""


def _refuse_non_article(raw: str, head_title: str, heading: str, visible: str) -> None:
    """Raise `ParseError` for a bot check or an error page: both say so in their <title> or
    main heading, or (when the page is short) in their text."""
    words = len(visible.split())
    headlines = [t for t in (head_title, heading) if t]
    evidence = bot_check_evidence(headlines=headlines, visible=visible, markup=raw)
    if evidence is not None:
        raise ParseError(_bot_message(_clip(evidence)))
    for line in headlines:
        segments = [line, *(s.strip() for s in _TITLE_SEPARATOR.split(line))]
        if any(_ERROR_TITLE.match(s) for s in segments if s):
            raise ParseError(f"not the article: the server sent an error page ({_clip(line)!r})")
    if words < _ERROR_MAX_WORDS:
        match = _ERROR_TEXT.search(visible)
        if match:
            raise ParseError(f"not the article: the server sent an error page ({match.group(0)!r})")


def _bot_message(evidence: str) -> str:
    return (
        f"not the article: a bot check or access-denied page ({evidence!r}); the site may be "
        "refusing this client — try again later, or use --browser"
    )


# --- title, boilerplate, region ---------------------------------------------------------------


@lru_cache(maxsize=4096)
def _class_words(value: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD_SPLIT.split(value) if w)


def _is_hidden(el: _El) -> bool:
    """Hidden from sighted readers: the `hidden` attribute, aria-hidden, display:none, or a
    screen-reader-only class."""
    get = el.get
    if get("hidden") is not None or (get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = get("style")
    if style and _DISPLAY_NONE.search(style):
        return True
    classes = get("class")
    return bool(classes) and any(v.lower() in _HIDDEN_CLASSES for v in classes.split())


def _is_boilerplate(el: _El) -> bool:
    """Page furniture by its role: navigation, banners, share bars, cookie notices, …"""
    tag = el.tag
    if tag in _ROLE_TAGS:
        return True
    get = el.get
    role = get("role")
    if role and role.strip().lower() in _ROLE_ATTRS:
        return True
    if _is_hidden(el):
        return True
    ident = get("id")
    if ident and (ident.startswith(("wm-", "donato")) or _class_words(ident) & _BOILER_WORDS):
        return True
    classes = get("class")
    return bool(classes) and any(_class_words(v) & _BOILER_WORDS for v in classes.split())


def _find_title_element(body: _El, head_title: str) -> _El | None:
    """The page's main heading: the best <h1>, else the element showing the <title> text."""
    best: tuple[int, _El] | None = None
    for h1 in body.iter("h1"):
        text = _norm(h1.text_content())
        if not text or text.casefold() in _SITE_NAMES:
            continue  # a logo in an <h1>: an image, or just the site's name
        rank = _h1_rank(h1)
        if best is None or rank < best[0]:
            best = (rank, h1)
            if rank == 0:
                break
    if best is not None:
        return best[1]
    if not head_title:
        return None
    wanted = {_title_core(head_title), head_title}
    longest = max(len(w) for w in wanted)
    for el in body.iter(*_TITLE_TAGS):
        text = el.text_content()
        if len(text) > 4 * longest + 200:
            continue  # a container far bigger than a title: skip without normalising it
        if _element_text(el) in wanted and not any(_is_boilerplate(a) for a in el.iterancestors()):
            return el
    return None


def _h1_rank(h1: _El) -> int:
    """0: inside main/article; 1: plain; 2: inside a header; 3: inside other furniture (where
    an unclosed tag can nest a whole article); 4: hidden (a dialog), the last resort."""
    in_main = in_header = in_furniture = False
    for ancestor in h1.iterancestors():
        tag = ancestor.tag
        if _is_hidden(ancestor):
            return 4
        if tag in ("main", "article") or ancestor.get("role") == "main":
            in_main = True
        elif tag == "header" or ancestor.get("role") == "banner":
            in_header = True
        elif _is_boilerplate(ancestor):
            in_furniture = True
    if in_furniture:
        return 3
    if in_main:
        return 0
    return 2 if in_header else 1


def _title_core(title: str) -> str:
    """The page's own name inside a <title>: site names and "Topic:" prefixes removed."""
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(title) if p.strip()]
    parts = [_TITLE_PREFIX.sub("", p) for p in parts if p.casefold() not in _SITE_NAMES]
    parts = [p for p in parts if p]
    return max(parts, key=len) if parts else title


def _drop_boilerplate(body: _El, anchor: _El | None) -> None:
    """Drop page furniture, except what holds the title or most of the page's prose: an
    unclosed share bar or button swallows the article after it, and the article must stay."""
    keep = set(anchor.iterancestors()) if anchor is not None else set()
    if anchor is not None:
        keep.add(anchor)
    total = _prose(body)
    dropped: set[_El] = set()
    for el in body.xpath(_BOILER_XPATH):
        if el in keep or not _is_boilerplate(el):
            continue
        if any(a in dropped for a in el.iterancestors()):
            continue  # already gone with its container
        # Raw size first: most furniture is far too small to hold the article.
        if 2 * _mass(el) >= total and 2 * _prose(el) >= total:
            continue
        el.drop_tree()
        dropped.add(el)


def _mass(el: _El) -> int:
    """How much text an element holds (whitespace not counted)."""
    return len("".join(el.text_content().split()))


def _prose(el: _El) -> int:
    """How much text an element holds outside links: navigation columns are nearly all links,
    an article nearly none, so this tells them apart where the markup does not."""
    return _mass(el) - _link_mass(el)


def _link_mass(el: _El) -> int:
    """Text inside navigation-like links; a link holding paragraphs of text is an unclosed
    <a> swallowing the page, not navigation."""
    total = len("".join("".join(el.xpath(".//a//text()", smart_strings=False)).split()))
    for a in el.xpath(_LONG_LINK_XPATH):
        total -= _mass(a)
    return total


def _find_region(root: _El, body: _El, anchor: _El | None) -> _El:
    """The element that holds the article.

    The title's lowest ancestor holding at least half the page's prose; then, because stray
    end tags can push the rest of an article out of its container, widened for as long as
    what follows the container is plainly more article (headings, paragraphs, lists).
    """
    total = _prose(body)
    if anchor is None:
        for candidate in root.xpath(_MAIN_XPATH):
            if 2 * _prose(candidate) >= total:
                return candidate
        return body
    node = anchor.getparent()
    while node is not None and node is not body and 2 * _prose(node) < total:
        node = node.getparent()
    while node is not None and node is not body and _followed_by_content(node):
        node = node.getparent()
    return node if node is not None else body


def _followed_by_content(node: _El) -> bool:
    """Whether everything after `node` in its parent is article-like (or nothing at all)."""
    text = links = 0
    for sibling in node.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        mass = _mass(sibling)
        if mass and not _is_content_like(sibling, 2):
            return False
        text += mass
        links += _link_mass(sibling)
    return 2 * links <= text


def _is_content_like(el: _El, depth: int) -> bool:
    tag = el.tag
    if tag in _CONTENT_TAGS:
        return True
    if tag in ("div", "section", "article") and depth > 0:
        return all(
            _is_content_like(child, depth - 1)
            for child in el
            if isinstance(child.tag, str) and _mass(child)
        )
    return False


# --- the stamp --------------------------------------------------------------------------------


def _match_stamp(text: str) -> LastUpdated | None:
    """The stamp in `text` if `text` is a stamp line; `ParseError` if its date is malformed."""
    if len(text) > 80:
        return None
    match = _STAMP_LABEL.match(text)
    if not match:
        return None
    shown = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    if len(shown) > _STAMP_MAX_REST:
        return None
    date = _STAMP_DATE.match(shown)
    month = _MONTHS.get(date.group(2).lower()) if date else None
    if date is None or month is None:
        raise ParseError(
            f"malformed 'Last updated' stamp {text!r}: expected a date like '16 Jul. 2024 10:28'"
        )
    day, year, hour, minute = (int(date.group(i)) for i in (1, 3, 4, 5))
    try:
        at = datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)
    except ValueError as err:
        raise ParseError(f"malformed 'Last updated' stamp {text!r}: {err}") from err
    return LastUpdated(text=shown, at=at)


def _stamp_before(anchor: _El, skip: set[_El]) -> LastUpdated | None:
    """A stamp shown just above the title (some templates put the date first)."""
    sibling = anchor.getprevious()
    for _ in range(2):
        if sibling is None:
            break
        # The sibling itself, or one of its items (a list holding a date, "|" and the stamp).
        for el in (sibling, *sibling.iter("li", "span", "p", "div", "time", "dd")):
            stamp = _match_stamp(_element_text(el))
            if stamp is not None:
                skip.add(sibling)
                return stamp
        sibling = sibling.getprevious()
    return None


# --- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    raw_level: int  # 1-6 for <h1>-<h6>; 7 for a bold paragraph that acts as a heading
    text: str


@dataclass(frozen=True)
class _BoldLine:
    """A paragraph that is only bold text: a heading if content follows, else a paragraph."""

    text: str
    links: tuple[Link, ...]


_Item = _Heading | _BoldLine | Block
_Piece = tuple[str, bool, int]  # text, bold, index into the walker's links (-1: none)


class _Walker:
    """Walks the article region in reading order and emits headings and blocks.

    Lists are tracked with a running depth rather than by ancestors, so that a heading found
    inside an unclosed <li> ends the list and what follows it starts afresh.
    """

    def __init__(self, *, base: str, anchor: _El | None, region: _El) -> None:
        self.base = base
        self.anchor = anchor
        self.region = region
        self.started = anchor is None
        self.skip: set[_El] = set()
        self.items: list[_Item] = []
        self.pieces: list[_Piece] = []
        self.hrefs: list[str] = []
        self.breaks = 0
        self.list_level = 0
        self.list_base = 0
        self.bullet_depth: int | None = None
        self.text_link = False
        self.stamp: LastUpdated | None = None
        self.window_open = True
        self.blocks_seen = 0

    def run(self) -> None:
        self._walk(self.region, False, -1)
        self._flush()

    # text runs

    def _add(self, text: str, bold: bool, link: int) -> None:
        if not self.started:
            return
        self.pieces.append((text, bold, link))
        if not text.isspace():
            self.breaks = 0

    def _walk(self, el: _El, bold: bool, link: int) -> None:
        if el.text:
            self._add(el.text, bold, link)
        for child in el:
            self._visit(child, bold, link)
            if child.tail:
                self._add(child.tail, bold, link)

    def _visit(self, el: _El, bold: bool, link: int) -> None:
        tag = el.tag
        if not isinstance(tag, str) or el in self.skip:
            return
        if el is self.anchor:
            self.started = True
            # An unclosed title heading holds the article: read what follows its title text.
            for child in _after_title(el):
                self._visit(child, bold, link)
                if child.tail:
                    self._add(child.tail, bold, link)
            return
        if not self.started and self.anchor is not None and not _contains(el, self.anchor):
            return
        if self.window_open and self.started and tag in _BLOCKS and self._stamp_container(el):
            return
        bold = bold or tag in _BOLD_TAGS or _BOLD_STYLE.search(el.get("style") or "") is not None
        if tag == "br":
            self._line_break()
        elif tag in _HEADINGS:
            self._heading(el)
        elif tag in _LISTS:
            self._list(el, bold, link)
        elif tag == "li":
            self._item(el, bold, link)
        elif tag == "figure":
            self._figure(el, bold, link)
        elif tag == "img":
            self._image(el)
        elif tag == "a":
            self._link(el, bold, link)
        elif tag in _BLOCKS:
            if self.bullet_depth is not None:
                # Paragraphs inside a list item are one bullet: read them as one line.
                self._add(" ", bold, link)
                self._walk(el, bold, link)
                self._add(" ", bold, link)
            else:
                self._flush()
                self._walk(el, bold, link)
                self._flush()
        else:
            self._walk(el, bold, link)

    def _stamp_container(self, el: _El) -> bool:
        """A small block whose whole text is the stamp, even split over children
        (`<dl><dt>Last updated:</dt><dd>16 Jul. 2024 10:28</dd></dl>`, table cells)."""
        if self.stamp is not None:
            return False
        raw = el.text_content()
        if len(raw) > 400:
            return False
        stamp = _match_stamp(_element_text(el))
        if stamp is None:
            return False
        self._flush()
        self.stamp = stamp
        self.window_open = False
        return True

    def _line_break(self) -> None:
        if not self.started:
            return
        self.breaks += 1
        if self.breaks >= 2 and self.bullet_depth is None:
            self._flush()  # <br><br> separates paragraphs in old layouts
        else:
            self.pieces.append((" ", False, -1))

    def _link(self, el: _El, bold: bool, link: int) -> None:
        href = el.get("href")
        if href is None or href.strip().lower().startswith("javascript:"):
            self._walk(el, bold, link)
            return
        self.hrefs.append(canonical_url(href, base=self.base))
        outer = self.text_link
        self.text_link = bool(el.text_content().strip())
        self._walk(el, bold, len(self.hrefs) - 1)
        self.text_link = outer

    # structure

    def _heading(self, el: _El) -> None:
        if not self.started:
            return
        self._flush()
        text = _element_text(el)
        if not text:
            return
        if self.window_open and self.stamp is None:
            self.stamp = _match_stamp(text)
            if self.stamp is not None:
                self.window_open = False
                return
        self.window_open = False
        if self.list_level:
            # A heading inside a list (an unclosed <li>) ends the list.
            self.bullet_depth = None
            self.list_base = self.list_level
        self.items.append(_Heading(int(el.tag[1]), text))

    def _list(self, el: _El, bold: bool, link: int) -> None:
        if self.started and self.window_open and self.stamp is None and self._meta_list(el):
            return
        self._flush()
        self.list_level += 1
        self._walk(el, bold, link)
        self._flush()
        self.list_level -= 1
        self.list_base = min(self.list_base, self.list_level)

    def _meta_list(self, el: _El) -> bool:
        """A short list under the title holding the stamp (with the date and "|" on news
        pages): the whole list is page metadata, not content."""
        items = el.findall("li")
        if not 1 <= len(items) <= 6:
            return False
        texts = [_norm(li.text_content()) for li in items]
        if any(len(t) > 80 for t in texts):
            return False
        for text in texts:
            stamp = _match_stamp(text)
            if stamp is not None:
                self.stamp = stamp
                self.window_open = False
                return True
        return False

    def _item(self, el: _El, bold: bool, link: int) -> None:
        self._flush()
        outer = self.bullet_depth
        self.bullet_depth = max(0, self.list_level - 1 - self.list_base)
        self._walk(el, bold, link)
        self._flush()
        self.bullet_depth = outer

    def _figure(self, el: _El, bold: bool, link: int) -> None:
        img = next(el.iter("img"), None)
        if img is None or not self.started or self.bullet_depth is not None:
            self._visit_children_as_block(el, bold, link)
            return
        caption = next(el.iter("figcaption"), None)
        self._flush()
        self._emit_figure(img, caption)

    def _visit_children_as_block(self, el: _El, bold: bool, link: int) -> None:
        self._flush()
        self._walk(el, bold, link)
        self._flush()

    def _image(self, el: _El) -> None:
        if not self.started or self.bullet_depth is not None or self.text_link:
            return  # an icon inside a bullet or a text link is decoration
        if any(not text.isspace() for text, _, _ in self.pieces):
            return  # an image inside a line of text is decoration
        if _image_src(el) is None or _is_tiny(el):
            return
        self._flush()
        caption = _find_caption(el, self.region)
        if caption is not None:
            self.skip.add(caption)
        self._emit_figure(el, caption)

    def _emit_figure(self, img: _El, caption: _El | None) -> None:
        src = _image_src(img)
        if src is None:
            return
        alt = _norm(img.get("alt") or "") or None
        text = ""
        links: tuple[Link, ...] = ()
        if caption is not None:
            pieces, hrefs = _inline_pieces(caption, self.base)
            text = _norm("".join(p[0] for p in pieces))
            links = _links(pieces, hrefs)
        self.items.append(
            Block(
                kind=BlockKind.FIGURE,
                text=text,
                links=links,
                alt=alt,
                src=canonical_url(src, base=self.base),
            )
        )
        self._count_block()

    # blocks

    def _flush(self) -> None:
        pieces, self.pieces, self.breaks = self.pieces, [], 0
        if not pieces:
            return
        text = _norm("".join(p[0] for p in pieces))
        if not text:
            return  # spacer paragraphs: &nbsp;, <br>, zero-width characters
        if self.window_open and self.stamp is None:
            self.stamp = _match_stamp(text)
            if self.stamp is not None:
                self.window_open = False
                return
        links = _links(pieces, self.hrefs)
        if self.bullet_depth is None and _all_bold(pieces) and _heading_like(text):
            self.items.append(_BoldLine(text, links))
            self._count_block()
            return
        label, body = _split_label(pieces)
        kind = BlockKind.PARAGRAPH if self.bullet_depth is None else BlockKind.BULLET
        self.items.append(
            Block(
                kind=kind,
                text=body if label else text,
                label=label,
                depth=self.bullet_depth or 0,
                links=links,
            )
        )
        self._count_block()

    def _count_block(self) -> None:
        self.blocks_seen += 1
        if self.blocks_seen >= _STAMP_WINDOW_BLOCKS:
            self.window_open = False


def _contains(el: _El, node: _El) -> bool:
    return any(a is el for a in node.iterancestors())


def _inline_pieces(
    el: _El, base: str | None, *, stop: _El | None = None
) -> tuple[list[_Piece], list[str]]:
    """An element's text as one line of pieces, with its links resolved against `base` (none
    are collected when `base` is None); `stop` is a child of `el` where reading ends."""
    pieces: list[_Piece] = []
    hrefs: list[str] = []

    def walk(node: _El, bold: bool, link: int) -> None:
        if node.text:
            pieces.append((node.text, bold, link))
        for child in node:
            if child is stop:
                return
            if isinstance(child.tag, str):
                inner_bold = bold or child.tag in _BOLD_TAGS
                inner_link = link
                href = child.get("href") if child.tag == "a" else None
                if (
                    base is not None
                    and href is not None
                    and not href.strip().lower().startswith("javascript:")
                ):
                    hrefs.append(canonical_url(href, base=base))
                    inner_link = len(hrefs) - 1
                if child.tag == "br" or child.tag in _BLOCKS:
                    pieces.append((" ", bold, link))
                walk(child, inner_bold, inner_link)
                if child.tag in _BLOCKS:
                    pieces.append((" ", bold, link))
            if child.tail:
                pieces.append((child.tail, bold, link))

    walk(el, False, -1)
    return pieces, hrefs


def _links(pieces: list[_Piece], hrefs: list[str]) -> tuple[Link, ...]:
    """The links of a run of pieces, in order of appearance; a link with no text (an image
    link, an anchor) is left out."""
    texts: dict[int, list[str]] = {}
    for text, _, link in pieces:
        if link >= 0:
            texts.setdefault(link, []).append(text)
    out = []
    for link, parts in texts.items():
        text = _norm("".join(parts))
        if text:
            out.append(Link(text=text, href=hrefs[link]))
    return tuple(out)


def _all_bold(pieces: list[_Piece]) -> bool:
    return all(bold for text, bold, _ in pieces if _norm(text))


def _heading_like(text: str) -> bool:
    return len(text.split()) <= 15 and not text.endswith((".", "!", "?", ";", ","))


def _split_label(pieces: list[_Piece]) -> tuple[str | None, str]:
    """A bold lead-in ending in a colon ("Cyber defence: Since…") and the text after it."""
    start = next((i for i, p in enumerate(pieces) if _norm(p[0])), None)
    if start is None or not pieces[start][1]:
        return None, ""
    end = start
    while end < len(pieces) and (pieces[end][1] or not _norm(pieces[end][0])):
        end += 1
    lead = _norm("".join(p[0] for p in pieces[start:end]))
    rest = _norm("".join(p[0] for p in pieces[end:]))
    if lead.endswith(":"):
        label, text = lead[:-1].rstrip(), rest
    elif rest.startswith(":"):
        label, text = lead, rest[1:].lstrip()
    else:
        return None, ""
    if not label or not text or len(label.split()) > 12 or len(label) > 120:
        return None, ""
    return label, text


def _image_src(img: _El) -> str | None:
    """The image's URL; lazy-loading templates keep the real one in a data- attribute."""
    for name in ("data-src", "data-original", "data-lazy-src", "src"):
        value = img.get(name)
        if value and value.strip() and not value.strip().lower().startswith("data:"):
            return str(value)
    return None


def _is_tiny(img: _El) -> bool:
    """Tracking pixels and spacer images are not figures."""
    for name in ("width", "height"):
        value = (img.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= 2:
            return True
    return False


def _find_caption(img: _El, region: _El) -> _El | None:
    """The caption next to an image: the element right after the image's wrapper whose
    class says caption (`<p class="caption">`, `wp-caption-text`, …) or a <figcaption>."""
    box = img
    while True:
        parent = box.getparent()
        if parent is None or parent is region or _mass(parent) > _mass(box):
            break
        box = parent
    sibling = box.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if sibling is None:
        return None
    if sibling.tag == "figcaption" or "caption" in (sibling.get("class") or "").lower():
        return sibling
    return None


# --- sections ---------------------------------------------------------------------------------


def _build_sections(items: list[_Item]) -> tuple[Section, ...]:
    """Group the walk's items into sections with relative levels and stable ids."""
    resolved: list[_Heading | Block] = []
    for i, item in enumerate(items):
        if isinstance(item, _BoldLine):
            following = items[i + 1] if i + 1 < len(items) else None
            if isinstance(following, Block):
                resolved.append(_Heading(7, item.text))
            else:
                resolved.append(Block(kind=BlockKind.PARAGRAPH, text=item.text, links=item.links))
        else:
            resolved.append(item)

    ranks = {
        level: rank + 2
        for rank, level in enumerate(
            sorted({i.raw_level for i in resolved if isinstance(i, _Heading)})
        )
    }
    used = {"lead"}
    groups: list[tuple[str, str | None, int, list[Block]]] = [("lead", None, 1, [])]
    for item in resolved:
        if isinstance(item, _Heading):
            groups.append((_unique_slug(item.text, used), item.text, ranks[item.raw_level], []))
        else:
            groups[-1][3].append(item)
    if not groups[0][3]:
        groups.pop(0)
    return tuple(
        Section(id=ident, heading=heading, level=level, blocks=tuple(blocks))
        for ident, heading, level, blocks in groups
    )


def _unique_slug(text: str, used: set[str]) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:  # a heading in a non-Latin script
        slug = re.sub(r"[^\w]+", "-", text.casefold()).strip("-") or "section"
    if len(slug) > 80:
        slug = slug[:80].rsplit("-", 1)[0]
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate
