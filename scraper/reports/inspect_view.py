"""How the parser read a page, for people: the text and JSON of `nato-watch inspect`, and the
annotated copy of the page (`--html`).

Renders a `Trace` (computed once by `core.parse.parse_traced`) three ways. The annotated page
is the page's own markup, parsed again the same way (so the trace's element numbers find their
elements), with kept blocks outlined and labelled, dropped regions greyed with their reason in
a visible label, and the article region framed. It is made inert: scripts, frames, objects,
event handlers, `javascript:` links, `<base>` and refresh tags are removed, and a
Content-Security-Policy forbids scripts and every load from anywhere, so the file can be
opened from disk and shows only what it holds.
"""

from __future__ import annotations

from typing import Any, Final

from bs4 import BeautifulSoup, Tag

from scraper.core.document import Document
from scraper.core.parse.markup import build_soup
from scraper.core.parse.trace import Trace

CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"
)
"""The annotated page's policy: no script runs and nothing loads from anywhere."""

_STYLE: Final = """
.nw-kept { outline: 2px solid #1a7f37 !important; outline-offset: 1px; }
.nw-kept-heading, .nw-kept-title { outline-color: #0b4f9c !important; }
.nw-kept-stamp { outline: 2px dashed #0b4f9c !important; }
.nw-region { box-shadow: 0 0 0 4px #f5c518 !important; }
.nw-dropped { opacity: .45; outline: 1px dashed #888 !important;
  background: repeating-linear-gradient(45deg, #eee 0 6px, #ddd 6px 12px) !important; }
.nw-reason { display: inline-block !important; visibility: visible !important;
  font: bold 11px/1.4 sans-serif !important; color: #fff !important;
  background: #9b1c1c !important; padding: 0 4px !important; margin: 1px !important; }
.nw-banner { font: 14px/1.5 sans-serif; background: #fffbe6; border-bottom: 2px solid #f5c518;
  padding: 6px 10px; }
"""
_INERT_TAGS: Final = ("script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "base", "link", "portal")  # fmt: skip
_TABLE_PARTS: Final = frozenset({"table", "tbody", "thead", "tfoot", "tr"})
_VOID: Final = frozenset({"img", "br", "hr", "input", "amp-img", "area", "wbr"})


def render_text(doc: Document, trace: Trace, *, source: str, parser_version: str) -> str:
    """What was kept, section by section, and every dropped region with its reason."""
    lines = [
        f"{source}: read by parser {parser_version} as {trace.url}",
        f"article region: {trace.region_element or '(the whole body)'}",
        f"title: {doc.title}",
        f"last updated: {doc.last_updated.text if doc.last_updated else '(no stamp)'}",
        "",
        f"kept: {len(doc.sections)} sections, {sum(len(s.blocks) for s in doc.sections)} blocks",
    ]
    if any(k.section == "lead" for k in trace.kept):
        lines.append("  (lead: the text before the first heading)")
    for kept in trace.kept:
        if kept.kind in ("title", "stamp"):
            continue
        if kept.kind == "heading":
            lines.append(f"  {'#' * kept.depth} {kept.text}")
            continue
        shown = kept.text
        if kept.kind == "figure":
            shown = f"[photo: {kept.alt or 'no alt text'}] {kept.text}".rstrip()
        elif kept.label:
            shown = f"{kept.label}: {kept.text}"
        indent = "  " * kept.depth
        lines.append(f"    {kept.kind:<9} {indent}{_clip(shown, 90)}")
    lines += ["", f"dropped: {len(trace.dropped)} regions"]
    width = max((len(d.reason) for d in trace.dropped), default=0)
    for d in trace.dropped:
        lines.append(f"  {d.reason:<{width}}  {_clip(d.element, 28):<28}  {_clip(d.text, 60)}")
    return "\n".join(lines) + "\n"


def render_json(doc: Document, trace: Trace, *, source: str, parser_version: str) -> dict[str, Any]:
    """The trace as one JSON object: `kept` and `dropped` lists, and what they belong to."""
    kept = []
    for k in trace.kept:
        item: dict[str, Any] = {"kind": k.kind, "text": k.text, "element": k.node}
        if k.kind not in ("title", "stamp"):
            item["section"] = k.section
        if k.kind == "heading":
            item["level"] = k.depth
        elif k.kind in ("paragraph", "bullet", "figure"):
            item.update(label=k.label, depth=k.depth, links=[link.to_dict() for link in k.links])
        if k.kind == "figure":
            item.update(alt=k.alt, src=k.src)
        kept.append(item)
    return {
        "source": source,
        "url": trace.url,
        "parser_version": parser_version,
        "title": doc.title,
        "last_updated": doc.last_updated.to_dict() if doc.last_updated else None,
        "content_hash": doc.content_hash,
        "region": {"element": trace.region, "description": trace.region_element},
        "kept": kept,
        "dropped": [
            {"reason": d.reason, "element": d.node, "description": d.element, "text": d.text}
            for d in trace.dropped
        ],
    }


def render_annotated(trace: Trace, *, source: str, parser_version: str) -> str:
    """The page with the parser's reading drawn on it, inert and self-contained."""
    soup = build_soup(trace.markup)
    elements = soup.find_all(True)  # numbered before anything is added: the trace's numbers
    if trace.region is not None:
        _add_class(elements[trace.region], "nw-region")
    for kept in trace.kept:
        if kept.node is not None:
            el = elements[kept.node]
            _add_class(el, "nw-kept", f"nw-kept-{kept.kind}")
            el["title"] = f"kept: {kept.kind}" + (f" ({kept.label})" if kept.label else "")
    for dropped in trace.dropped:
        el = elements[dropped.node]
        _add_class(el, "nw-dropped")
        el["data-nw-reason"] = dropped.reason
        _label(soup, el, f"dropped: {dropped.reason}")
    _make_inert(soup)
    _add_head(soup, source=source, parser_version=parser_version, trace=trace)
    return "<!DOCTYPE html>\n" + str(soup.html if soup.html is not None else soup)


def _add_class(el: Tag, *names: str) -> None:
    classes = str(el.get("class") or "").split()
    el["class"] = " ".join([*classes, *names])


def _label(soup: BeautifulSoup, el: Tag, text: str) -> None:
    """A visible label with the reason: inside the element, or in its first cell for table
    parts (a browser moves anything else out of a table), or before a void element."""
    label = soup.new_tag("span", attrs={"class": "nw-reason"})
    label.string = text
    if el.name in _VOID or el.name in ("html", "head", "body"):
        if el.name in _VOID:
            el.insert_before(label)
        return
    if el.name in _TABLE_PARTS:
        cell = el.find(["td", "th"])
        if cell is None:
            return
        el = cell
    el.insert(0, label)


def _make_inert(soup: BeautifulSoup) -> None:
    """No script, frame, object, base, refresh or policy of the page's own; no handlers."""
    for el in soup.find_all(list(_INERT_TAGS)):
        el.decompose()
    for meta in soup.find_all("meta"):
        equiv = str(meta.get("http-equiv") or "").lower()
        if equiv in ("refresh", "content-security-policy", "set-cookie"):
            meta.decompose()
    for el in soup.find_all(True):
        for name in [a for a in el.attrs if a.lower().startswith("on")]:
            del el[name]
        for name in ("href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"):
            value = str(el.get(name) or "").strip().lower()
            if name == "srcdoc" or value.startswith(("javascript:", "vbscript:", "data:text")):
                del el[name]


def _add_head(soup: BeautifulSoup, *, source: str, parser_version: str, trace: Trace) -> None:
    html = soup.html
    if html is None:
        return
    head = soup.head
    if head is None:
        head = soup.new_tag("head")
        html.insert(0, head)
    for attrs in ({"http-equiv": "Content-Security-Policy", "content": CSP}, {"charset": "utf-8"}):
        head.insert(0, soup.new_tag("meta", attrs=attrs))
    style = soup.new_tag("style")
    style.string = _STYLE
    head.append(style)
    body = soup.body
    if body is not None:
        banner = soup.new_tag("div", attrs={"class": "nw-banner"})
        banner.string = (
            f"nato-watch inspect: {source}, read by parser {parser_version} as {trace.url}. "
            f"Green outline: kept ({len(trace.kept)}); grey with a red label: dropped "
            f"({len(trace.dropped)}), with the reason; yellow frame: the article region."
        )
        body.insert(0, banner)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
