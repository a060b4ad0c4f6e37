"""Write the parser's golden input pages (`tests/cases/<name>/page.html`) from the real text.

Run `python tests/cases/build.py` after changing a template here or `tests/pages.py`, then
`NATO_WATCH_REGEN=1 pytest tests/test_parse.py` and review the diff of every `expected.json`
by eye. The pages are committed: they are the parser's fixed inputs, and this script only
documents (and reproduces) how each was made: the nato.int-like page from `tests/pages.py`,
the same content in three other templates a site like nato.int has used or could use, the
noise seen in real copies, and the non-article pages a watcher meets.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from pages import SID, Item, PageContent, edited, load_content, nato_page  # noqa: E402

CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
WAYBACK_TS = "20240717000000"
ITPP = "Individually Tailored Partnership Programme"


def esc(text: str) -> str:
    """Text as HTML."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Text as an attribute value."""
    return html.escape(text, quote=True)


def runs(items: tuple[Item, ...]) -> list[list[Item]]:
    """Consecutive bullets grouped into one list; every other item alone."""
    out: list[list[Item]] = []
    for item in items:
        if item.kind == "li" and out and out[-1][0].kind == "li":
            out[-1].append(item)
        else:
            out.append([item])
    return out


# --- an older table-based layout ---------------------------------------------------------------


def table_page(content: PageContent) -> str:
    """A 2000s-style layout: nested tables, <font> and <b>, no <h1>, <h3> section headings,
    left navigation and a right column in plain <td>s with no classes to tell them apart."""
    body: list[str] = []
    font = '<font face="Verdana, Arial, Helvetica" size="2">'
    for part in content.parts:
        if part.heading:
            body.append(f'<h3><font face="Verdana" color="#003366">{esc(part.heading)}</font></h3>')
        for run in runs(part.items):
            first = run[0]
            if first.kind == "li":
                lis = []
                for item in run:
                    label = f"<b>{esc(item.label)}:</b> " if item.label else ""
                    text = esc(item.text).replace(
                        ITPP, f'<a href="topics_50098.htm?selectedLocale=en">{ITPP}</a>', 1
                    )
                    lis.append(f"<li>{font}{label}{text}</font></li>")
                body.append('<ul type="square">\n' + "\n".join(lis) + "\n</ul>")
            elif first.kind == "img":
                src = "../../.." + (first.src or "")
                caption = (
                    f'<tr><td class="imgcaption"><font size="1">{esc(first.text)}</font></td></tr>'
                    if first.text
                    else ""
                )
                body.append(
                    '<table align="right" border="0" cellpadding="4" cellspacing="0" width="410">'
                    f'<tr><td><img src="{src}" alt="{attr(first.alt or "")}" width="400" '
                    f'height="267" border="0"></td></tr>{caption}</table>'
                )
            else:
                body.append(f"<p>{font}{esc(first.text)}</font></p>")
        body.append("<p>&nbsp;</p>")
    nav = "\n".join(
        f'<tr><td class="leftmenu"><a href="/cps/en/{SID}/natolive/topics_{50000 + i}.htm">'
        f'<font size="1" color="#FFFFFF">{esc(name)}</font></a></td></tr>'
        for i, name in enumerate(
            ["Afghanistan", "Arms control", "Cyber defence", "Partnerships", "Ukraine"]
        )
    )
    stamp = (
        f'<font face="Verdana" size="1" color="#666666">Last updated: {content.stamp}</font>'
        "<br><br>"
        if content.stamp
        else ""
    )
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<title>NATO - Topic: {esc(content.title)}</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<script language="JavaScript" type="text/javascript" src="/scripts/menu.js"></script>
<style type="text/css">td {{ font-family: Verdana, Arial }} .leftmenu {{ padding: 2px }}</style>
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0" onload="initMenu()">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td colspan="3" bgcolor="#003366"><a href="/cps/en/{SID}/natolive/index.htm"><img src="/images/nato_otan_logo.gif" alt="NATO OTAN" width="240" height="60" border="0"></a></td></tr>
<tr><td colspan="3" bgcolor="#E6ECF2"><font face="Verdana" size="1"><a href="/cps/en/{SID}/natolive/index.htm">Home</a> &gt; <a href="/cps/en/{SID}/natolive/topics.htm">Topics</a> &gt; {esc(content.title)}</font></td></tr>
<tr>
<td width="160" valign="top" bgcolor="#336699">
<table width="100%" border="0" cellspacing="0" cellpadding="2">
{nav}
</table>
<br><font size="1" color="#FFFFFF">&copy; NATO</font>
</td>
<td width="10"><img src="/images/spacer.gif" width="10" height="1" alt=""></td>
<td valign="top">
<font face="Verdana, Arial" size="5" color="#003366"><b>{esc(content.title)}</b></font><br>
{stamp}
{chr(10).join(body)}
</td>
<td width="180" valign="top" bgcolor="#F2F2F2">
<font face="Verdana" size="2"><b>Related links</b></font><br>
<a href="/cps/en/{SID}/natolive/topics_50336.htm"><font size="1">Relations with Japan</font></a><br>
<a href="/cps/en/{SID}/natolive/topics_48899.htm"><font size="1">Relations with Australia</font></a><br>
<a href="/cps/en/{SID}/natolive/topics_49188.htm"><font size="1">Partners across the globe</font></a>
</td>
</tr>
<tr><td colspan="4" align="center"><font face="Verdana" size="1">&copy; NATO/OTAN 2024 | <a href="/cps/en/{SID}/natolive/contact.htm">Contact</a> | <a href="/cps/en/{SID}/natolive/69880.htm">Privacy</a></font></td></tr>
</table>
</body>
</html>
"""


# --- a modern semantic layout ------------------------------------------------------------------


def modern_page(content: PageContent) -> str:
    """A 2020s layout: <main><article>, the title and stamp in the article's <header>, <h2>
    headings, <figure>, lazy-loaded images, bold lead-ins with the colon outside the <strong>,
    a consent manager, skip link, screen-reader-only text and a share footer."""
    body: list[str] = []
    for part in content.parts:
        if part.heading:
            slug = re.sub(r"[^a-z0-9]+", "-", part.heading.lower()).strip("-")
            body.append(f'<h2 id="{slug}" class="prose__heading">{esc(part.heading)}</h2>')
        for run in runs(part.items):
            first = run[0]
            if first.kind == "li":
                lis = []
                for item in run:
                    label = f"<strong>{esc(item.label)}</strong>: " if item.label else ""
                    text = esc(item.text).replace(
                        ITPP, f'<a href="{CANONICAL}#itpp" class="link">{ITPP}</a>', 1
                    )
                    lis.append(f"  <li>{label}{text}</li>")
                body.append('<ul class="prose__list">\n' + "\n".join(lis) + "\n</ul>")
            elif first.kind == "img":
                caption = f"<figcaption>{esc(first.text)}</figcaption>" if first.text else ""
                body.append(
                    '<figure class="media media--right">'
                    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
                    f'data-src="https://www.nato.int{first.src}" alt="{attr(first.alt or "")}" '
                    f'loading="lazy" width="800" height="534">{caption}</figure>'
                )
            else:
                body.append(f"<p>{esc(first.text)}</p>")
    stamp = (
        '<p class="topic-page__meta"><span class="topic-page__meta-label">Last updated:</span> '
        f'<time datetime="2024-07-16T10:28:00+02:00">{content.stamp}</time></p>'
        if content.stamp
        else ""
    )
    return f"""<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(content.title)} | NATO</title>
<link rel="preload" href="/assets/fonts/inter.woff2" as="font" crossorigin>
<script type="module" src="/assets/app.3f9a1c.js"></script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"WebPage","name":"{esc(content.title)}"}}</script>
</head>
<body class="page page--topic">
<a class="skip-link" href="#main">Skip to main content</a>
<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner">
<p>We use cookies to give you the best experience on our website. <a href="/en/cookie-policy">Cookie policy</a></p>
<button id="onetrust-accept-btn-handler">Accept all cookies</button></div></div>
<header class="site-header">
<a class="site-logo" href="/en/"><img src="/assets/img/nato-logo.svg" alt="NATO"></a>
<nav class="site-nav" aria-label="Main"><ul>
<li><a href="/en/about-us">About us</a></li><li><a href="/en/what-we-do">What we do</a></li>
<li><a href="/en/news-and-events">News and events</a></li><li><a href="/en/multimedia">Multimedia</a></li>
</ul></nav>
<form class="site-search" role="search" action="/en/search"><label for="q">Search</label><input id="q" name="q"></form>
</header>
<main id="main">
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/en/">Home</a></li>
<li><a href="/en/what-we-do/partnerships-and-cooperation">Partnerships</a></li><li aria-current="page">{esc(content.title)}</li></ol></nav>
<article class="topic-page">
<header class="topic-page__header">
<h1 class="topic-page__title">{esc(content.title)}</h1>
{stamp}
</header>
<div class="topic-page__body prose">
{chr(10).join(body)}
</div>
<footer class="topic-page__footer">
<div class="share-buttons"><span class="sr-only">Share this page on</span>
<a href="https://www.linkedin.com/shareArticle?url={CANONICAL}">LinkedIn</a>
<a href="https://x.com/intent/post?url={CANONICAL}">X</a></div>
</footer>
</article>
<aside class="related-topics" aria-labelledby="related-title">
<h2 id="related-title">Related topics</h2>
<ul><li><a href="/en/what-we-do/partnerships-and-cooperation/relations-with-japan">Relations with Japan</a></li>
<li><a href="/en/what-we-do/partnerships-and-cooperation/relations-with-australia">Relations with Australia</a></li></ul>
</aside>
</main>
<footer class="site-footer"><p>&copy; North Atlantic Treaty Organization 2024</p>
<ul><li><a href="/en/contact">Contact</a></li><li><a href="/en/privacy">Privacy</a></li></ul></footer>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": "topic"}});</script>
</body>
</html>
"""


# --- a Wayback Machine copy --------------------------------------------------------------------

WAYBACK_HEAD = f"""<script src="//archive.org/includes/athena.js" type="text/javascript"></script>
<script type="text/javascript">window.addEventListener('DOMContentLoaded',function(){{var v=archive_analytics.values;v.service='wb';v.server_name='wwwb-app220.us.archive.org';v.server_ms=431;archive_analytics.send_pageview({{}});}});</script>
<script type="text/javascript" src="https://web-static.archive.org/_static/js/bundle-playback.js?v=1B2M2Y8A" charset="utf-8"></script>
<script type="text/javascript" src="https://web-static.archive.org/_static/js/wombat.js?v=1B2M2Y8A" charset="utf-8"></script>
<script>window.RufflePlayer=window.RufflePlayer||{{}};window.RufflePlayer.config={{"autoplay":"on","unmuteOverlay":"hidden"}};</script>
<script type="text/javascript">
  __wm.init("https://web.archive.org/web");
  __wm.wombat("{CANONICAL}","{WAYBACK_TS}","https://web.archive.org/","web","https://web-static.archive.org/_static/",
        "1721174400");
</script>
<link rel="stylesheet" type="text/css" href="https://web-static.archive.org/_static/css/banner-styles.css?v=S1zqJCYt" />
<link rel="stylesheet" type="text/css" href="https://web-static.archive.org/_static/css/iconochive.css?v=3PDvdIFv" />
<!-- End Wayback Rewrite JS Include -->
"""

WAYBACK_TOOLBAR = f"""<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<script>__wm.rw(0);</script>
<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;">
<div id="wm-ipp" style="position:fixed;left:0;top:0;right:0;">
<div id="wm-ipp-inside">
  <div id="wm-logo" style="position:absolute;top:0;left:0;"><a href="https://web.archive.org/web/" title="Wayback Machine home page"><img src="https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-200.png" srcset="https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-100.png, https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-150.png 1.5x" alt="Wayback Machine" style="width:100px" border="0" /></a></div>
  <div class="r"><form target="_top" method="get" action="https://web.archive.org/web/submit" name="wmtb" id="wmtb"><input type="text" name="url" id="wmtbURL" value="{CANONICAL}" /></form></div>
  <div id="wm-capinfo"><div id="wm-capinfo-captures"><a href="/web/20240717000000*/{CANONICAL}">1,412 captures</a><div class="c-nowrap">12 Oct 2012 - 17 Jul 2024</div></div></div>
</div></div></div>
<div id="wm-ipp-print">The Wayback Machine - https://web.archive.org/web/{WAYBACK_TS}/{CANONICAL}</div>
<script type="text/javascript">//<![CDATA[
__wm.bt(700,27,25,2,"web","{CANONICAL}","{WAYBACK_TS}",1996,"https://web-static.archive.org/_static/",["https://web-static.archive.org/_static/css/banner-styles.css?v=S1zqJCYt","https://web-static.archive.org/_static/css/iconochive.css?v=3PDvdIFv"], false);
  __wm.rw(1);
//]]></script>
<!-- END WAYBACK TOOLBAR INSERT -->
"""

WAYBACK_TAIL = """<!--
     FILE ARCHIVED ON 00:00:00 Jul 17, 2024 AND RETRIEVED FROM THE
     INTERNET ARCHIVE ON 09:12:44 Nov 02, 2025.
     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.

     ALL OTHER CONTENT MAY ALSO BE PROTECTED BY COPYRIGHT (17 U.S.C.
     SECTION 108(a)(3)).
-->
<!--
playback timings (ms):
  captures_list: 0.614
  exclusion.robots: 0.022
  RedisCDXSource: 2.851
  load_resource: 118.335
-->"""


def wayback_copy(page: str, *, toolbar_markers: bool = True) -> str:
    """`page` as the Wayback Machine serves a capture: its scripts and toolbar injected, every
    link rewritten to a memento URL (absolute or root-relative) and images to `im_` URLs."""
    archive = f"https://web.archive.org/web/{WAYBACK_TS}"

    def link(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if value.startswith(("mailto:", "javascript:", "data:", "#")):
            return match.group(0)
        original = value if value.startswith("http") else "https://www.nato.int" + value
        if name == "src":
            return f'src="{archive}im_/{original}"'
        # Wayback writes most links root-relative on its own host, some absolute.
        if value.startswith("http"):
            return f'href="{archive}/{original}"'
        return f'href="/web/{WAYBACK_TS}/{original}"'

    out = re.sub(r'\b(href|src)="([^"]*)"', link, page)
    toolbar = WAYBACK_TOOLBAR
    if not toolbar_markers:
        toolbar = re.sub(r"<!--.*?-->\n", "", toolbar)
    out = out.replace("<head>\n", "<head>\n" + WAYBACK_HEAD, 1)
    out = re.sub(r"(<body[^>]*>\n)", lambda m: m.group(1) + toolbar, out, count=1)
    return out.replace("</html>\n", "</html>\n" + WAYBACK_TAIL + "\n", 1)


# --- noise and breakage on the nato.int-like page ----------------------------------------------


def with_spacers(page: str) -> str:
    """Every kind of empty spacer a CMS leaves, and NBSPs where spaces were."""
    spacers = (
        '<p>&nbsp;</p>\n<p>&#160;&#160;</p>\n<p><span style="font-size: 10px">&nbsp;</span></p>'
        "\n<p><br></p>\n<div>&nbsp;</div>\n<p>\u200b</p>\n<p><strong>&nbsp;</strong></p>"
    )
    page = page.replace("<p> </p>", spacers)
    page = page.replace(
        "shared cross-regional security", "shared&nbsp;cross-regional&#160;security"
    )
    return page.replace("<li>NATO", "<li>&nbsp; NATO")


def with_zero_width(page: str) -> str:
    """Invisible characters inside words, as pasted from word processors."""
    page = page.replace("Individual Partnership", "Indi\u00advidual Partner&shy;ship")
    page = page.replace("Indo-Pacific region", "Indo-\u2060Pacific\u200b region")
    page = page.replace("Locked Shields", "Locked\u200c Shields\ufeff")
    return page.replace("Diplomatic Mission", "Diplo\u200dmatic Mission")


def with_other_session(page: str) -> str:
    """The same page served in another session: another SID, and the link shapes vary."""
    page = page.replace(SID, "SID-4E37114D-E9973C8C")
    return page.replace("topics_50098.htm?selectedLocale=en#itpp", "topics_50098.htm?")


def with_unclosed_li(page: str) -> str:
    """The last highlight's <li> and its <ul> never closed: every later section nests in it."""
    head, sep, tail = page.partition("<h2>Political dialogue</h2>")
    cut = head.rindex("</li>\n</ul>")
    return head[:cut] + head[cut + len("</li>\n</ul>") :] + sep + tail


def with_stray_div(page: str) -> str:
    """Stray closing tags: a </div> after the intro closes the article body early."""
    page = page.replace(
        "rules-based international order.</p>",
        "rules-based international order.</p>\n</div></span></font>",
        1,
    )
    return page.replace(
        "<h2>Key areas of cooperation</h2>", "</div>\n<h2>Key areas of cooperation</h2>"
    )


def without_body_end(page: str) -> str:
    """A body cut short of its end tags."""
    return page.replace("</body>\n</html>\n", "")


def without_p_ends(page: str) -> str:
    """Paragraphs never closed (legal HTML, common in hand-edited pages)."""
    return page.replace("</p>", "")


def french_label(page: str) -> str:
    """The French site's label on the same page."""
    page = page.replace('<html lang="en"', '<html lang="fr"')
    return page.replace("<li>Last updated: ", "<li>Mis à jour le: ")


def with_quoted_stamp(content: PageContent) -> PageContent:
    """Body text quoting a stamp: inside a sentence, and alone as a paragraph further down."""
    parts = list(content.parts)
    quote = Item(
        "p",
        "An earlier edition of this page, marked “Last updated: 01 Jan. 2020 10:00”, "
        "described the partnership before the 2022 Strategic Concept.",
    )
    alone = Item("p", "Last updated: 01 Jan. 2020 10:00")
    parts[2] = replace(parts[2], items=(parts[2].items[0], quote, *parts[2].items[1:]))
    parts[3] = replace(parts[3], items=(*parts[3].items, alone))
    return replace(content, parts=tuple(parts))


# --- pages that are not the article --------------------------------------------------------------

NATO_404 = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>NATO - Page not found</title>
<script src="/nato_static_fl2014/assets/js/vendor/modernizr.js"></script></head>
<body class="error">
<header class="header-main" role="banner"><nav><ul><li><a href="/cps/en/{SID}/natohq/index.htm">Home</a></li>
<li><a href="/cps/en/{SID}/natohq/topics.htm">Topics</a></li></ul></nav></header>
<div class="wrapper cf"><section class="content cf"><div class="grid">
<h1 class="fs-huge">Page not found</h1>
<p>The page you requested could not be found. It may have been moved or deleted.</p>
<p>Please use the search or go to the <a href="/cps/en/{SID}/natohq/index.htm">home page</a>.</p>
</div></section></div>
<footer class="footer-main" role="contentinfo"><ul><li>&copy; NATO - OTAN 2024</li></ul></footer>
</body>
</html>
"""

NGINX_404 = """<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""

GENERIC_ERROR = """<!DOCTYPE html>
<html><head><title>Error</title></head>
<body><h1>Error</h1>
<p>An error occurred while processing your request.</p>
<p>Reference: 0.8f3c1702.1721124512.1a2b3c</p>
</body></html>
"""

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"><style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15}</style><meta http-equiv="refresh" content="390"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content"><noscript><div id="challenge-error-title"><div class="h2"><span class="icon-wrapper"><div class="heading-icon warning-icon"></div></span><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></div></noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.nato.int",cType: 'managed',cNounce: '42131',cRay: '8a4f1e2b3c4d5e6f',cHash: 'a1b2c3d4e5f6a7b',cUPMDTk: "\\/cps\\/en\\/natohq\\/topics_50098.htm?__cf_chl_tk=abc",cFPWv: 'b',cTTimeMs: '1000',cMTimeMs: '390000',cTplV: 5,cTplB: 'cf',cK: "",fa: "\\/cps\\/en\\/natohq\\/topics_50098.htm?__cf_chl_f_tk=abc",md: "abc",cRq: {ru: 'aHR0cHM6Ly93d3cubmF0by5pbnQ=',ra: 'TW96aWxsYS81LjA=',}};var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8a4f1e2b3c4d5e6f';window._cf_chl_opt.cOgUHash = location.hash === '' && location.href.indexOf('#') !== -1 ? '#' : location.hash;document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>
"""

CLOUDFLARE_BLOCKED = """<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
  <div id="cf-wrapper">
    <div class="cf-alert cf-alert-error cf-cookie-error" id="cookie-alert" data-translate="enable_cookies">Please enable cookies.</div>
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> nato.int</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
        <p data-translate="blocked_why_detail">This website is using a security service to protect itself from online attacks. The action you just performed triggered the security solution.</p>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p><span>Cloudflare Ray ID: <strong class="font-semibold">8a4f1e2b3c4d5e6f</strong></span></p>
      </div>
    </div>
  </div>
</body>
</html>
"""

AKAMAI_DENIED = """<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;www&#46;nato&#46;int&#47;cps&#47;en&#47;natohq&#47;topics&#95;50098&#46;htm" on this server.<P>
Reference&#32;&#35;18&#46;5e2f1002&#46;1721124512&#46;2a9c3e1
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5e2f1002&#46;1721124512&#46;2a9c3e1</P>
</BODY>
</HTML>
"""

INCAPSULA = """<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW"><meta name="format-detection" content="telephone=no"><meta name="viewport" content="initial-scale=1.0"><meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1"></head><body style="margin:0px;height:100%"><iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=8-41297813-0%200NNN%20RT%281721124512%2039%29&incident_id=1234000560012345678-123456789012345678&edet=12&cinfo=04000000&rpinfo=0&mth=GET" frameborder=0 width="100%" height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful. Incapsula incident ID: 1234000560012345678-123456789012345678</iframe></body></html>
"""

CAPTCHA = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>NATO</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
<body>
<div class="wrapper"><h2>Security check</h2>
<p>Please confirm that you are not a robot to continue to www.nato.int.</p>
<form action="/cps/en/natohq/verify" method="post"><div class="g-recaptcha" data-sitekey="6LdQ3wsUAAAAAP9Jj"></div>
<input type="hidden" name="return" value="{CANONICAL}"><button type="submit">Continue</button></form>
</div>
</body></html>
"""

JS_SHELL = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NATO</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/_next/static/css/7c2a1e0b9f4d.css">
<script src="/_next/static/chunks/webpack-3b8e0f6a1c2d.js" defer></script>
<script src="/_next/static/chunks/framework-0a1b2c3d4e5f.js" defer></script>
<script src="/_next/static/chunks/main-9f8e7d6c5b4a.js" defer></script>
<script src="/_next/static/chunks/pages/_app-1a2b3c4d5e6f.js" defer></script>
</head>
<body>
<div id="__next"><div class="app-loading" aria-busy="true"></div></div>
<noscript>You need to enable JavaScript to run this app.</noscript>
<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"slug":"relations-with-the-republic-of-korea","locale":"en"}},"page":"/[...slug]","query":{},"buildId":"aB3dE5fG7hI9","isFallback":false}</script>
</body>
</html>
"""

JS_SHELL_WITH_CHROME = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Relations with the Republic of Korea | NATO</title>
<script type="module" crossorigin src="/assets/index-4f2a9c1e.js"></script>
<link rel="stylesheet" href="/assets/index-9b1d3e7a.css"></head>
<body>
<header class="site-header"><a class="site-logo" href="/en/">NATO</a>
<nav aria-label="Main"><ul><li><a href="/en/about-us">About us</a></li><li><a href="/en/what-we-do">What we do</a></li></ul></nav></header>
<main id="app"><div class="spinner" role="progressbar">Loading…</div></main>
<footer class="site-footer"><p>&copy; North Atlantic Treaty Organization</p></footer>
</body>
</html>
"""

EMPTY_BODY = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>NATO - Topic: Relations with the Republic of Korea</title></head>
<body>
</body>
</html>
"""

NO_TITLE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"></head>
<body>
<div class="content">
<p>NATO and the Republic of Korea work together bilaterally on a number of shared cross-regional
security challenges, which include cyber defence, arms control and non-proliferation, technology
and counter-terrorism.</p>
<p>They also cooperate as part of NATO’s broader relations with its partners in the Indo-Pacific region.</p>
</div>
</body>
</html>
"""


def cases() -> dict[str, tuple[str, str | None]]:
    """Every case: name -> (page HTML, page URL if not the canonical one)."""
    content = load_content()
    nato = nato_page(content)
    return {
        "nato_2024": (nato, None),
        "table_2024": (table_page(content), None),
        "modern_2024": (modern_page(content), None),
        "wayback_2024": (
            wayback_copy(nato),
            f"https://web.archive.org/web/{WAYBACK_TS}/{CANONICAL}",
        ),
        "nato_2016_opening": (nato_page(load_content("2016-10-06_en_opening")), None),
        "noise_spacers": (with_spacers(nato), None),
        "noise_zero_width": (with_zero_width(nato), None),
        "noise_other_session": (with_other_session(nato), None),
        "broken_unclosed_li": (with_unclosed_li(nato), None),
        "broken_stray_div": (with_stray_div(nato), None),
        "broken_no_body_end": (without_body_end(nato), None),
        "broken_unclosed_p": (without_p_ends(nato), None),
        "stamp_french": (french_label(nato), None),
        "stamp_may": (nato_page(edited(content, stamp="03 May. 2023 09:15")), None),
        "stamp_sep": (nato_page(edited(content, stamp="21 Sep. 2022 14:05")), None),
        "stamp_january": (nato_page(edited(content, stamp="15 Jan. 2024 16:40")), None),
        "stamp_quoted_in_body": (nato_page(with_quoted_stamp(content)), None),
        "stamp_quoted_no_stamp": (
            nato_page(with_quoted_stamp(edited(content, stamp=None))),
            None,
        ),
        "stamp_malformed": (nato_page(edited(content, stamp="16 Jly. 2024 10:28")), None),
        "stamp_impossible_date": (nato_page(edited(content, stamp="31 Jun. 2024 10:28")), None),
        "error_404_nato": (NATO_404, None),
        "error_404_nginx": (NGINX_404, None),
        "error_generic": (GENERIC_ERROR, None),
        "bot_cloudflare_challenge": (CLOUDFLARE_CHALLENGE, None),
        "bot_cloudflare_blocked": (CLOUDFLARE_BLOCKED, None),
        "bot_akamai_denied": (AKAMAI_DENIED, None),
        "bot_incapsula": (INCAPSULA, None),
        "bot_captcha": (CAPTCHA, None),
        "js_shell": (JS_SHELL, None),
        "js_shell_with_chrome": (JS_SHELL_WITH_CHROME, None),
        "empty_body": (EMPTY_BODY, None),
        "no_title": (NO_TITLE, None),
    }


# Non-article cases: the substring their ParseError must contain.
ERRORS = {
    "stamp_malformed": "malformed 'Last updated' stamp 'Last updated: 16 Jly. 2024 10:28'",
    "stamp_impossible_date": "malformed 'Last updated' stamp 'Last updated: 31 Jun. 2024 10:28'",
    "error_404_nato": "error page ('NATO - Page not found')",
    "error_404_nginx": "error page ('404 Not Found')",
    "error_generic": "error page ('Error')",
    "bot_cloudflare_challenge": "bot check",
    "bot_cloudflare_blocked": "bot check",
    "bot_akamai_denied": "bot check or access-denied page ('Access Denied')",
    "bot_incapsula": "bot check",
    "bot_captcha": "bot check",
    "js_shell": "no article content: the page may need a browser to render (try --browser)",
    "js_shell_with_chrome": "no article content: the page may need a browser to render (try --browser)",
    "empty_body": "empty body",
    "no_title": "no title",
}


def main() -> None:
    """Write every case's page.html (and url.txt / expected_error.txt where they apply)."""
    for name, (page, url) in cases().items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        (folder / "page.html").write_text(page, encoding="utf-8")
        if url:
            (folder / "url.txt").write_text(url + "\n", encoding="utf-8")
        if name in ERRORS:
            (folder / "expected_error.txt").write_text(ERRORS[name] + "\n", encoding="utf-8")
    print(f"wrote {len(cases())} cases under {HERE}")


if __name__ == "__main__":
    main()
