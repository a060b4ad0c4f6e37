"""The demo's pages: the page's real public texts, read into structure and rendered as HTML in
the templates nato.int used in their day.

The texts in `demo_data/` are verbatim copies of the stored public copies of the page (the
English 2016 opening and 2024 full text, three French openings, 2012 to 2023): plain text in
the order a browser shows it. `read_page_text` reads one into a `PageText` (title, stamp,
sections of paragraphs, bullets with bold lead-ins, photos). What a line is (heading, photo,
bullet) is told by its shape and by the few headings and photo alt texts listed here. An
opening stops mid-word where the stored copy stops; it is cut back to its last whole sentence,
so the demo never shows a word the page did not have.

`table_page` renders a text in the table layout of the 2012-2014 CPS site, `cps_page` in the
2014 design the topic pages kept until 2025; both carry the noise of a real page (navigation,
session ids in links, a cookie notice, share bars, spacer paragraphs, scripts).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from importlib import resources

# Lines of a stored copy that are not the page's text: its provenance header, the site name.
HEADER = re.compile(r"^(?:URL|LAST-UPDATED): ")
SITE_NAME = "NATO - North Atlantic Treaty Organization"
STAMP_LINE = re.compile(r"^• (Last updated:|Mis à jour le:) (.+)$")
# A bold lead-in: "Cyber defence: …" (a few words, then a colon and a space).
LEAD_IN = re.compile(r"^([A-Z][^:]{2,60}): ")
LEAD_IN_MAX_WORDS = 6
SENTENCE_END = re.compile(r"[.!?…»”)](?=\s|$)")

# The section headings of the stored texts, in both languages.
HEADINGS = frozenset(
    {
        "Practical cooperation",
        "Political dialogue",
        "Key areas of cooperation",
        "Support for NATO-led operations and missions",
        "Principaux domaines de coopération",
    }
)
# Photo alt text -> whether the next line is its caption. The alt texts are the page's own
# (English even on the French page, as the stored copies show).
PHOTOS = {
    "From left to right: Yu Myung-hwan, Minister of Foreign Affairs and Trade of the Republic "
    "of Korea shaking hands with NATO Secretary General Anders Fogh Rasmussen.": True,
    "Left to right: NATO Secretary General Anders Fogh Rasmussen in bilateral discussion with "
    "President Park Geun-hye of the Republic of Korea": True,
    "NATO Secretary General Jens Stoltenberg and the Minister of Foreign Affairs of the "
    "Republic of Korea, Yun Byung-se": True,
    "NATO Relations with the Republic of Korea": False,
}


@dataclass(frozen=True)
class Block:
    """A paragraph (`p`), bullet (`li`) or photo (`img`: `alt`, `text` its caption or "")."""

    kind: str
    text: str
    label: str | None = None
    alt: str | None = None


@dataclass(frozen=True)
class Part:
    """A section: its heading (None for the lead) and its blocks."""

    heading: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PageText:
    """What one version of the page says, and in which language."""

    title: str
    stamp: str | None
    lang: str
    parts: tuple[Part, ...]

    def edited(
        self, *, stamp: str | None = None, replace_text: tuple[tuple[str, str], ...] = ()
    ) -> PageText:
        """This text with a new stamp and/or words replaced in every block."""
        parts = tuple(
            Part(
                part.heading,
                tuple(
                    replace(block, text=_replace_all(block.text, replace_text))
                    for block in part.blocks
                ),
            )
            for part in self.parts
        )
        return replace(self, stamp=stamp or self.stamp, parts=parts)


def _replace_all(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def read_page_text(name: str) -> PageText:
    """Read the stored copy `demo_data/<name>.txt` into a `PageText`."""
    raw = (resources.files("scraper.run") / "demo_data" / f"{name}.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in raw.splitlines()]
    lines = [line for line in lines if line and not HEADER.match(line) and line != SITE_NAME]
    title, stamp = lines[0], None
    parts: list[Part] = []
    heading: str | None = None
    blocks: list[Block] = []
    caption_next = False
    for line in lines[1:]:
        stamped = STAMP_LINE.match(line)
        if stamped:
            stamp = stamped.group(2)
        elif caption_next:
            blocks[-1] = replace(blocks[-1], text=line)
            caption_next = False
        elif line in HEADINGS:
            parts.append(Part(heading, tuple(blocks)))
            heading, blocks = line, []
        elif line in PHOTOS:
            blocks.append(Block("img", "", alt=line))
            caption_next = PHOTOS[line]
        elif line.startswith("• "):
            blocks.append(_bullet(line.removeprefix("• ")))
        else:
            blocks.append(Block("p", line))
    parts.append(Part(heading, tuple(blocks)))
    lang = "fr" if "_fr_" in name else "en"
    return PageText(title=title, stamp=stamp, lang=lang, parts=_cut_to_sentence(parts))


def _bullet(text: str) -> Block:
    match = LEAD_IN.match(text)
    if match and len(match.group(1).split()) <= LEAD_IN_MAX_WORDS:
        return Block("li", text[match.end() :], label=match.group(1))
    return Block("li", text)


def _cut_to_sentence(parts: list[Part]) -> tuple[Part, ...]:
    """The parts with a last block cut off mid-sentence (where a stored opening stops) cut
    back to its last whole sentence, or left out, and a heading left with nothing dropped."""
    *before, last = parts
    blocks = list(last.blocks)
    if blocks and blocks[-1].kind != "img":
        text = blocks[-1].text
        ends = [m.end() for m in SENTENCE_END.finditer(text)]
        if not ends:
            blocks.pop()
        elif ends[-1] < len(text):
            blocks[-1] = replace(blocks[-1], text=text[: ends[-1]])
    kept = [*before, Part(last.heading, tuple(blocks))]
    return tuple(p for p in kept if p.blocks)


# -- templates -------------------------------------------------------------------------------

# The words of the site around the article, per language.
CHROME = {
    "en": {
        "home": "Home",
        "topics": "Topics",
        "news": "News",
        "related": "Related",
        "share": "Share this",
        "print": "Print",
        "email": "E-mail this page",
        "cookies": "This website uses cookies to improve your experience.",
        "more": "Find out more",
        "contact": "Contact us",
        "privacy": "Privacy",
        "japan": "Relations with Japan",
        "australia": "Relations with Australia",
        "partners": "Relations with partners across the globe",
    },
    "fr": {
        "home": "Accueil",
        "topics": "Thèmes",
        "news": "Actualités",
        "related": "Voir aussi",
        "share": "Partager",
        "print": "Imprimer",
        "email": "Envoyer cette page",
        "cookies": "Ce site utilise des cookies pour améliorer votre expérience.",
        "more": "En savoir plus",
        "contact": "Nous contacter",
        "privacy": "Confidentialité",
        "japan": "Relations avec le Japon",
        "australia": "Relations avec l’Australie",
        "partners": "Relations avec les partenaires dans le monde",
    },
}
NAV_TOPICS = ("Afghanistan", "Arms control", "Cyber defence", "Partnerships", "Ukraine")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _runs(blocks: tuple[Block, ...]) -> list[list[Block]]:
    """Consecutive bullets grouped into one list; every other block alone."""
    out: list[list[Block]] = []
    for block in blocks:
        if block.kind == "li" and out and out[-1][0].kind == "li":
            out[-1].append(block)
        else:
            out.append([block])
    return out


def _photo_src(text: PageText, photo: Block) -> str:
    """A stable address per photo, on nato.int as the site wrote it, so that neither a new
    template nor the local server's port makes a new version."""
    number = sum(ord(c) for c in photo.alt or "") % 9000 + 1000
    return f"https://www.nato.int/nato_static/assets/pictures/{text.lang}-{number}.jpg"


@dataclass(frozen=True)
class Markup:
    """How a template writes the article's pieces (each a format string)."""

    heading: str  # {text}
    bullet: str  # {label}{text}: one <li>
    label: str  # {label}: a bold lead-in
    bullets: str  # {items}: the list around a run of bullets
    photo: str  # {src}{alt}{caption}
    caption: str  # {text}
    paragraph: str  # {text}
    part_end: str  # after each section: the CMS's spacer paragraph


FONT = '<font face="Verdana, Arial, Helvetica" size="2">'
TABLE_MARKUP = Markup(
    heading='<h3><font face="Verdana" color="#003366">{text}</font></h3>',
    bullet=f"<li>{FONT}{{label}}{{text}}</font></li>",
    label="<b>{label}:</b> ",
    bullets='<ul type="square">\n{items}\n</ul>',
    # By 2012 the CPS tables held <div>s: the photo box is one.
    photo='<div class="photo-right" style="float:right;width:410px"><div><img src="{src}" '
    'alt="{alt}" width="400" height="267" border="0"></div>{caption}</div>',
    caption='<p class="caption"><font size="1">{text}</font></p>',
    paragraph=f"<p>{FONT}{{text}}</font></p>",
    part_end="<p>&nbsp;</p>",
)
CPS_MARKUP = Markup(
    heading="<h2>{text}</h2>",
    bullet="<li>{label}{text}</li>",
    label="<strong>{label}:</strong> ",
    bullets="<ul>\n{items}\n</ul>",
    photo='<div class="image-right image-text"><div class="image"><img src="{src}" alt="{alt}" '
    'width="400" height="267"></div>{caption}</div>\n<p>&nbsp;</p>',
    caption='<p class="caption">{text}</p>',
    paragraph="<p>{text}</p>",
    part_end="<p> </p>",
)


def _article(text: PageText, markup: Markup) -> str:
    """The article's HTML in a template's markup: headings, paragraphs, bullet lists, photos."""
    chunks: list[str] = []
    for part in text.parts:
        if part.heading:
            chunks.append(markup.heading.format(text=_esc(part.heading)))
        for run in _runs(part.blocks):
            first = run[0]
            if first.kind == "li":
                items = "\n".join(
                    markup.bullet.format(
                        label=markup.label.format(label=_esc(b.label)) if b.label else "",
                        # A CMS puts a no-break space after "NATO" now and then.
                        text=_esc(b.text).replace("NATO ", "NATO&nbsp;", 1),
                    )
                    for b in run
                )
                chunks.append(markup.bullets.format(items=items))
            elif first.kind == "img":
                caption = markup.caption.format(text=_esc(first.text)) if first.text else ""
                src, alt = _photo_src(text, first), _attr(first.alt or "")
                chunks.append(markup.photo.format(src=src, alt=alt, caption=caption))
            else:
                chunks.append(markup.paragraph.format(text=_esc(first.text)))
        chunks.append(markup.part_end)
    return "\n".join(chunks)


def table_page(text: PageText, *, year: int, sid: str, section: str = "natolive") -> str:
    """The page in the 2012-2014 CPS table layout: nested tables, `<font>`, no `<h1>`,
    `<h3>` headings, session ids in every link, a left navigation column."""
    words = CHROME[text.lang]
    base = f"/cps/{text.lang}/{sid}/{section}"
    body = _article(text, TABLE_MARKUP)
    nav = "\n".join(
        f'<tr><td class="leftmenu"><a href="{base}/topics_{50000 + i}.htm">'
        f'<font size="1" color="#FFFFFF">{_esc(name)}</font></a></td></tr>'
        for i, name in enumerate(NAV_TOPICS)
    )
    stamp = (
        f'<font face="Verdana" size="1" color="#666666">{_stamp_label(text)} {text.stamp}</font>'
        "<br><br>"
        if text.stamp
        else ""
    )
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html lang="{text.lang}">
<head>
<title>NATO - {_esc(text.title)}</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<script language="JavaScript" type="text/javascript" src="/scripts/menu.js"></script>
<style type="text/css">td {{ font-family: Verdana, Arial }} .leftmenu {{ padding: 2px }}</style>
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0" onload="initMenu()">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td colspan="3" bgcolor="#003366"><a href="{base}/index.htm">
<img src="/images/nato_otan_logo.gif" alt="{SITE_NAME}" width="240" height="60" border="0">
</a></td></tr>
<tr><td colspan="3" bgcolor="#E6ECF2"><font face="Verdana" size="1">
<a href="{base}/index.htm">{words["home"]}</a> &gt;
<a href="{base}/topics.htm">{words["topics"]}</a> &gt; {_esc(text.title)}</font></td></tr>
<tr>
<td width="160" valign="top" bgcolor="#336699">
<table width="100%" border="0" cellspacing="0" cellpadding="2">
{nav}
</table>
</td>
<td width="10"><img src="/images/spacer.gif" width="10" height="1" alt=""></td>
<td valign="top">
<font face="Verdana, Arial" size="5" color="#003366"><b>{_esc(text.title)}</b></font><br>
{stamp}
{body}
</td>
<td width="180" valign="top" bgcolor="#F2F2F2">
<font face="Verdana" size="2"><b>{words["related"]}</b></font><br>
<a href="{base}/topics_50336.htm"><font size="1">{words["japan"]}</font></a><br>
<a href="{base}/topics_48899.htm"><font size="1">{words["australia"]}</font></a><br>
<a href="{base}/topics_49188.htm"><font size="1">{words["partners"]}</font></a>
</td>
</tr>
<tr><td colspan="4" align="center"><font face="Verdana" size="1">&copy; NATO/OTAN {year} |
<a href="{base}/contact.htm">{words["contact"]}</a></font></td></tr>
</table>
</body>
</html>
"""


def _stamp_label(text: PageText) -> str:
    return "Last updated:" if text.lang == "en" else "Mis à jour le:"


def cps_page(text: PageText, *, year: int, sid: str) -> str:
    """The page in the CPS site's 2014 design, which topic pages kept until 2025: `<h1>`, the
    stamp in a list under it, a share bar, a related-content box, a cookie notice."""
    words = CHROME[text.lang]
    base = f"/cps/{text.lang}/{sid}/natohq"
    stamp = (
        f'<ul class="event-info fs-small"><li>{_stamp_label(text)} {text.stamp}</li></ul>'
        if text.stamp
        else ""
    )
    nav = "\n".join(
        f'<li><a href="{base}/topics_{50000 + i}.htm">{_esc(name)}</a></li>'
        for i, name in enumerate(NAV_TOPICS)
    )
    share = f"https://www.nato.int/cps/{text.lang}/natohq/topics_50098.htm"
    return f"""<!DOCTYPE html>
<html lang="{text.lang}" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NATO - Topic: {_esc(text.title)}</title>
<link rel="stylesheet" href="/nato_static_fl2014/assets/css/main.css">
<script>document.documentElement.className = "js"; var sid = "{sid}";</script>
</head>
<body class="topics">
<div id="cookie-bar" class="cookie-notice">{words["cookies"]}
<a href="{base}/cookies.htm">{words["more"]}</a> <button>OK</button></div>
<header class="header-main" role="banner">
<div class="logo"><a href="{base}/index.htm">
<img src="/nato_static_fl2014/assets/img/logo.png" alt="{SITE_NAME}"></a></div>
<nav class="nav-main" role="navigation"><ul class="menu">
<li><a href="{base}/index.htm">{words["home"]}</a></li>
<li class="has-sub"><a href="{base}/topics.htm">{words["topics"]}</a><ul class="sub">
{nav}
</ul></li>
<li><a href="{base}/news.htm">{words["news"]}</a></li>
</ul></nav>
</header>
<div class="wrapper cf">
<section class="content cf">
<div class="grid">
<h1 class="fs-huge">{_esc(text.title)}</h1>
{stamp}
<div class="share-this"><span>{words["share"]}</span>
<a href="https://www.facebook.com/sharer.php?u={share}">Facebook</a>
<a href="https://twitter.com/share?url={share}">Twitter</a>
<a href="javascript:window.print()">{words["print"]}</a></div>
<div class="rich">
{_article(text, CPS_MARKUP)}
</div>
</div>
<aside class="related-content"><h3>{words["related"]}</h3><ul>
<li><a href="{base}/topics_50336.htm">{words["japan"]}</a></li>
<li><a href="{base}/topics_48899.htm">{words["australia"]}</a></li>
<li><a href="{base}/topics_49188.htm">{words["partners"]}</a></li>
</ul></aside>
</section>
</div>
<footer class="footer-main" role="contentinfo">
<ul><li><a href="{base}/contact.htm">{words["contact"]}</a></li>
<li><a href="{base}/69880.htm">{words["privacy"]}</a></li><li>&copy; NATO - OTAN {year}</li></ul>
</footer>
<script>if (document.querySelector('.share-this')) {{ console.log("<p>not content</p>"); }}</script>
</body>
</html>
"""
