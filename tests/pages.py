"""Realistic fixture pages built from the real text of the NATO page (tests/fixtures/text/).

`load_content(name)` reads one of the stored texts into a `PageContent` (title, stamp,
sections of paragraphs, bullets with bold lead-ins, and the photo), and `nato_page(content)`
renders it the way nato.int's topic pages look: navigation with session-id links, a cookie
notice, a share bar, spacer paragraphs, NBSPs, a related-content box, scripts and a footer.
Tests and benchmarks edit a `PageContent` with `edited(...)` to make new versions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

TEXT_DIR = Path(__file__).parent / "fixtures" / "text"
SID = "SID-268C77FB-5154DB95"

# The headings and photos of the stored texts; everything else is told apart by its shape.
HEADINGS = {
    "Political dialogue",
    "Key areas of cooperation",
    "Support for NATO-led operations and missions",
    "Practical cooperation",
}
PHOTOS = {
    # alt text -> caption (None when the page shows none)
    "NATO Relations with the Republic of Korea": None,
    "NATO Secretary General Jens Stoltenberg and the Minister of Foreign Affairs of the "
    "Republic of Korea, Yun Byung-se": "NATO Secretary General Jens Stoltenberg and Foreign "
    "Minister Yun Byung-se of the Republic of Korea (October 2016)",
}
LABEL = re.compile(r"^([A-Z][^:]{2,60}): ")


@dataclass(frozen=True)
class Item:
    """One paragraph ("p"), bullet ("li") or photo ("img") of a fixture page."""

    kind: str
    text: str
    label: str | None = None
    alt: str | None = None
    src: str | None = None


@dataclass(frozen=True)
class Part:
    """A heading (None for the lead) and its items."""

    heading: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PageContent:
    """What a fixture page says: title, stamp ("16 Jul. 2024 10:28" or None) and parts."""

    title: str
    stamp: str | None
    parts: tuple[Part, ...] = field(default=())

    def all_text(self) -> str:
        """Every text of the page, joined; for assertions."""
        return "\n".join(i.text for p in self.parts for i in p.items)


def load_content(name: str = "2024-07-16_en_full") -> PageContent:
    """Read a stored text (`tests/fixtures/text/<name>.txt`) into a `PageContent`."""
    lines = (TEXT_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    title = lines[0].strip()
    stamp = None
    parts: list[Part] = []
    heading: str | None = None
    items: list[Item] = []
    photo_no = 0
    skip_caption: str | None = None
    for raw in lines[1:]:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("• Last updated:"):
            stamp = line.removeprefix("• Last updated:").strip()
            continue
        if skip_caption is not None and line == skip_caption:
            skip_caption = None
            continue
        if line in HEADINGS:
            parts.append(Part(heading, tuple(items)))
            heading, items = line, []
            continue
        if line in PHOTOS:
            photo_no += 1
            caption = PHOTOS[line]
            src = f"/nato_static_fl2014/assets/pictures/images_mfu/2024/7/stock/240716-rok-{photo_no}.jpg"
            items.append(Item("img", caption or "", alt=line, src=src))
            skip_caption = caption
            continue
        if line.startswith("• "):
            text = line.removeprefix("• ")
            match = LABEL.match(text)
            if match and len(match.group(1).split()) <= 6:
                items.append(Item("li", text[match.end() :], label=match.group(1)))
            else:
                items.append(Item("li", text))
            continue
        items.append(Item("p", line))
    parts.append(Part(heading, tuple(items)))
    return PageContent(
        title=title, stamp=stamp, parts=tuple(p for p in parts if p.items or p.heading)
    )


def edited(
    content: PageContent,
    *,
    stamp: str | object | None = ...,
    replace_text: dict[str, str] | None = None,
    title: str | None = None,
) -> PageContent:
    """A copy of `content` with a new stamp and/or words replaced in every text."""
    new = content
    if stamp is not ...:
        new = replace(new, stamp=stamp)  # type: ignore[arg-type]
    if title is not None:
        new = replace(new, title=title)
    for old, repl in (replace_text or {}).items():
        parts = []
        for part in new.parts:
            heading = part.heading.replace(old, repl) if part.heading else None
            items = tuple(
                replace(
                    i,
                    text=i.text.replace(old, repl),
                    label=i.label.replace(old, repl) if i.label else None,
                )
                for i in part.items
            )
            parts.append(Part(heading, items))
        new = replace(new, parts=tuple(parts))
    return new


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _nbsp(text: str) -> str:
    """Put NBSPs where a CMS would: after short words, as entities."""
    return re.sub(r"\b(NATO|of|the|in|a) ", lambda m: m.group(1) + "&nbsp;", _esc(text), count=2)


def _item_html(item: Item) -> str:
    if item.kind == "img":
        caption = f'<p class="caption">{_esc(item.text)}</p>' if item.text else ""
        return (
            '<div class="image-right image-text"><div class="image">'
            f'<img src="{item.src}" alt="{html.escape(item.alt or "")}" width="400" height="267">'
            f"</div>{caption}</div>\n<p>&nbsp;</p>"
        )
    if item.kind == "p":
        return f"<p>{_nbsp(item.text)}</p>"
    raise ValueError(item.kind)


def _bullets_html(items: list[Item]) -> str:
    lis = []
    for item in items:
        label = f"<strong>{_esc(item.label)}:</strong> " if item.label else ""
        text = _nbsp(item.text)
        # A session-id link inside a bullet, as the real CMS writes them.
        text = text.replace(
            "Individually Tailored Partnership Programme",
            f'<a href="/cps/en/{SID}/natohq/topics_50098.htm?selectedLocale=en#itpp">'
            "Individually Tailored Partnership Programme</a>",
            1,
        )
        lis.append(f"<li>{label}{text}</li>")
    return "<ul>\n" + "\n".join(lis) + "\n</ul>"


def _body_html(content: PageContent) -> str:
    chunks: list[str] = []
    for part in content.parts:
        if part.heading:
            chunks.append(f"<h2>{_esc(part.heading)}</h2>")
        run: list[Item] = []
        for item in [*part.items, Item("end", "")]:
            if item.kind == "li":
                run.append(item)
                continue
            if run:
                chunks.append(_bullets_html(run))
                run = []
            if item.kind != "end":
                chunks.append(_item_html(item))
        chunks.append("<p> </p>")
    return "\n".join(chunks)


NAV_TOPICS = [
    "Afghanistan", "Arms control", "Collective defence", "Crisis management", "Cyber defence",
    "Deterrence and defence", "Energy security", "Funding NATO", "Hybrid threats",
    "Member countries", "Partnerships", "Science for Peace and Security", "Ukraine",
    "Women, Peace and Security",
]  # fmt: skip


def _nav_html() -> str:
    links = "\n".join(
        f'<li><a href="/cps/en/{SID}/natohq/topics_{50000 + i}.htm">{_esc(t)}</a></li>'
        for i, t in enumerate(NAV_TOPICS)
    )
    return f"""<nav class="nav-main" role="navigation" aria-label="Main">
<ul class="menu">
<li><a href="/cps/en/{SID}/natohq/index.htm">Home</a></li>
<li class="has-sub"><a href="/cps/en/{SID}/natohq/topics.htm">Topics</a><ul class="sub">
{links}
</ul></li>
<li><a href="/cps/en/{SID}/natohq/news.htm">News</a></li>
<li><a href="/cps/en/{SID}/natohq/multimedia.htm">Multimedia</a></li>
</ul></nav>"""


def nato_page(content: PageContent) -> str:
    """The page as nato.int's topic template renders it, noise included."""
    stamp = (
        f'<ul class="event-info fs-small"><li>Last updated: {content.stamp}</li></ul>'
        if content.stamp
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NATO - Topic: {_esc(content.title)}</title>
<link rel="stylesheet" href="/nato_static_fl2014/assets/css/main.css">
<script>document.documentElement.className = "js"; var sid = "{SID}";</script>
<script src="/nato_static_fl2014/assets/js/vendor/modernizr.js"></script>
</head>
<body class="topics">
<div id="cookie-bar" class="cookie-notice">This website uses cookies to improve your experience.
<a href="/cps/en/{SID}/natohq/cookies.htm">Find out more</a> <button>Accept</button></div>
<header class="header-main" role="banner">
<div class="logo"><a href="/cps/en/{SID}/natohq/index.htm"><img src="/nato_static_fl2014/assets/img/logo.png" alt="NATO - North Atlantic Treaty Organization"></a></div>
<form class="search" action="/cps/en/{SID}/natohq/search.htm"><input type="text" name="q" placeholder="Search"><button>Search</button></form>
{_nav_html()}
</header>
<div class="breadcrumb"><ul><li><a href="/cps/en/{SID}/natohq/index.htm">Home</a></li>
<li><a href="/cps/en/{SID}/natohq/topics.htm">Topics</a></li><li>{_esc(content.title)}</li></ul></div>
<div class="wrapper cf">
<section class="content cf">
<div class="grid">
<h1 class="fs-huge">{_esc(content.title)}</h1>
{stamp}
<div class="share-this"><span>Share this</span>
<a href="https://www.facebook.com/sharer.php?u=https://www.nato.int/cps/en/natohq/topics_50098.htm">Facebook</a>
<a href="https://twitter.com/share?url=https://www.nato.int/cps/en/natohq/topics_50098.htm">Twitter</a>
<a href="mailto:?subject={_esc(content.title)}">E-mail</a><a href="javascript:window.print()">Print</a></div>
<div class="rich">
{_body_html(content)}
</div>
</div>
<aside class="related-content"><h3>Related</h3><ul>
<li><a href="/cps/en/{SID}/natohq/topics_50336.htm">Relations with Japan</a></li>
<li><a href="/cps/en/{SID}/natohq/topics_48899.htm">Relations with Australia</a></li>
<li><a href="/cps/en/{SID}/natohq/topics_52347.htm">Relations with New Zealand</a></li>
<li><a href="/cps/en/{SID}/natohq/topics_49188.htm">Relations with partners across the globe</a></li>
</ul></aside>
</section>
</div>
<footer class="footer-main" role="contentinfo">
<ul><li><a href="/cps/en/{SID}/natohq/contact.htm">Contact us</a></li>
<li><a href="/cps/en/{SID}/natohq/69880.htm">Privacy</a></li><li>&copy; NATO - OTAN 2024</li></ul>
</footer>
<script>
(function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;}})(window,document,'script','/ga.js','ga');
if (document.querySelector('.share-this')) {{ console.log("<p>not content</p>"); }}
</script>
</body>
</html>
"""
