"""Write the held-out pages (`tests/heldout/<name>/page.html`, and `url.txt` where the page is
fetched from another URL than the topic page) from the real text of the NATO page.

Run `python tests/heldout/build.py` to regenerate. The pages are committed. Each one renders the
SAME content as a reference page of `tests/cases/` (the 2024 text as in `nato_2024`, the 2016
opening as in `nato_2016_opening`): same title, stamp, headings, paragraphs, bullets with their
bold lead-ins, the same photo (same URL once resolved, same alt text and caption) and the same
link. Only the template and its noise change. The templates were written without looking at
the parser: they imitate what the CMSs of each era emit, not what the parser expects.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from pages import Item, PageContent, load_content  # noqa: E402

TOPIC = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
ITPP = "Individually Tailored Partnership Programme"
SID = "SID-7A1F0C22-3B9E44D1"  # a session of our own, not the fixtures' one
TITLE_2025_PATH = "/en/what-we-do/partnerships-and-cooperation/relations-with-the-republic-of-korea"

# --- text helpers ------------------------------------------------------------------------------

ENTITIES = {
    "utf8": {},
    "named": {"’": "&rsquo;", "“": "&ldquo;", "”": "&rdquo;"},
    "numeric": {"’": "&#8217;", "“": "&#8220;", "”": "&#8221;"},
}


def attr(text: str) -> str:
    """Text as an attribute value."""
    return html.escape(text, quote=True)


def txt(text: str, *, ents: str = "utf8", nbsp: bool = False, link: str | None = None) -> str:
    """Page text as HTML: escaped, its typographic quotes written the template's way, NBSPs
    where an editor typed them (before "Korea", years, "NATO"), and the ITPP link if given (a
    format string with `{text}`)."""
    out = html.escape(text, quote=False)
    if nbsp:
        out = re.sub(r" (Korea\b|NATO\b|\d{4}\b)", r"&nbsp;\1", out, count=3)
    for char, entity in ENTITIES[ents].items():
        out = out.replace(char, entity)
    if link and ITPP in out:
        out = out.replace(ITPP, link.format(text=ITPP), 1)
    return out


def runs(items: tuple[Item, ...]) -> list[list[Item]]:
    """Consecutive bullets grouped into one list; every other item alone."""
    out: list[list[Item]] = []
    for item in items:
        if item.kind == "li" and out and out[-1][0].kind == "li":
            out[-1].append(item)
        else:
            out.append([item])
    return out


def render_parts(
    content: PageContent,
    *,
    heading: Callable[[str], str],
    para: Callable[[Item], str],
    bullets: Callable[[list[Item]], str],
    figure: Callable[[Item], str],
    after_part: str = "",
    joiner: str = "\n",
) -> str:
    """The article body: each part's heading, then its paragraphs, bullet lists and photo."""
    chunks: list[str] = []
    for part in content.parts:
        if part.heading:
            chunks.append(heading(part.heading))
        for run in runs(part.items):
            if run[0].kind == "li":
                chunks.append(bullets(run))
            elif run[0].kind == "img":
                chunks.append(figure(run[0]))
            else:
                chunks.append(para(run[0]))
        if after_part:
            chunks.append(after_part)
    return joiner.join(chunks)


def absolute(src: str | None) -> str:
    """A root-relative fixture URL made absolute on www.nato.int."""
    return urljoin(TOPIC, src or "")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- CPS, about 2008: nested tables, <font>, spacer gifs, a left navigation column -----------------


def cps2008_page(content: PageContent) -> str:
    """natolive-era CPS: a 770px table; header and top-nav rows; a left nav column of nested
    tables; spacer gifs; the content cell with breadcrumb, "A A A" font tools, an <h1> in a
    <td class="pagetitle">, the stamp in a <td>, the text inside a <font> with named entities,
    <h3> headings, <li>s never closed, the photo as a small table (photo row, caption row: an
    empty &nbsp; cell when the photo has no caption), and the "Print | E-mail this page" bar
    after the text inside the same cell; then "Top of page" and a footer row."""
    link = f'<a href="/cps/en/{SID}/natohq/topics_50098.htm#itpp">{{text}}</a>'

    def li(item: Item) -> str:
        label = f"<b>{txt(item.label, ents='named')}:</b>&nbsp;" if item.label else ""
        return f"<li>{label}{txt(item.text, ents='named', link=link)}"

    def figure(item: Item) -> str:
        caption = txt(item.text, ents="named") if item.text else "&nbsp;"
        return (
            '<table width="252" border="0" cellspacing="0" cellpadding="0" align="right" class="photo">\n'
            f'<tr><td class="photoimg"><img src="{item.src}" width="250" height="167" border="1" '
            f'alt="{attr(item.alt or "")}" hspace="0" vspace="0"></td></tr>\n'
            '<tr><td><img src="/cps/images/spacer.gif" width="1" height="3" alt=""></td></tr>\n'
            f'<tr><td class="photocaption"><font size="1" color="#666666">{caption}</font></td></tr>\n'
            "</table>"
        )

    body = render_parts(
        content,
        heading=lambda h: f'<h3 class="subtitle">{txt(h, ents="named")}</h3>',
        para=lambda i: f"<p>{txt(i.text, ents='named', nbsp=True)}</p>",
        bullets=lambda run: '<ul class="bullet">\n' + "\n".join(li(i) for i in run) + "\n</ul>",
        figure=figure,
        after_part="<p>&nbsp;</p>",
    )
    leftnav = "\n".join(
        f'<tr><td class="leftnav"><img src="/cps/images/arrow_nav.gif" width="7" height="7" alt="">'
        f'&nbsp;<a href="/cps/en/{SID}/natohq/topics_{num}.htm" class="leftnavlink">{name}</a></td></tr>\n'
        '<tr><td><img src="/cps/images/spacer.gif" width="1" height="4" alt=""></td></tr>'
        for num, name in [
            ("49188", "Partners across the globe"),
            ("50336", "Relations with Japan"),
            ("48899", "Relations with Australia"),
            ("52347", "Relations with New Zealand"),
            ("50098", "Relations with the Republic of Korea"),
            ("51288", "Relations with Mongolia"),
        ]
    )
    topnav = '<td><img src="/cps/images/topnav_sep.gif" width="1" height="22" alt=""></td>\n'.join(
        f'<td class="topnavitem"><a href="/cps/en/{SID}/natohq/{href}">{name}</a></td>\n'
        for href, name in [
            ("index.htm", "Home"),
            ("news.htm", "News"),
            ("topics.htm", "Topics"),
            ("photos.htm", "Photos"),
            ("video.htm", "Video"),
            ("official_texts.htm", "Official texts"),
            ("publications.htm", "Publications"),
        ]
    )
    stamp = (
        f'<tr><td colspan="2" class="pagedate"><font size="1" color="#666666">Last updated: '
        f"{content.stamp}</font></td></tr>"
        if content.stamp
        else ""
    )
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
<title>NATO Topic: {txt(content.title)}</title>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<meta name="keywords" content="NATO, OTAN, Republic of Korea, partners across the globe, topics">
<meta name="description" content="NATO topic: {attr(content.title)}">
<link href="/cps/css/natolive.css" rel="stylesheet" type="text/css">
<link href="/cps/css/print.css" rel="stylesheet" type="text/css" media="print">
<script language="JavaScript" type="text/javascript" src="/cps/js/cps.js"></script>
<script language="JavaScript" type="text/javascript">
<!--
function MM_swapImgRestore() {{ var i,x,a=document.MM_sr; for(i=0;a&&i<a.length&&(x=a[i])&&x.oSrc;i++) x.src=x.oSrc; }}
function openPrint() {{ window.open('topics_50098.htm?mode=print','print','width=680,height=600,scrollbars=yes'); }}
function setFontSize(s) {{ document.getElementById('bodytext').style.fontSize = s + 'px'; }}
//-->
</script>
</head>
<body bgcolor="#FFFFFF" text="#000000" link="#003366" vlink="#336699" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0" onLoad="MM_preloadImages('/cps/images/topnav_on.gif')">
<a name="top"></a>
<table width="770" border="0" cellspacing="0" cellpadding="0" align="center">
  <tr>
    <td colspan="3" class="header"><a href="/cps/en/{SID}/natohq/index.htm"><img src="/cps/images/header_natolive.jpg" width="770" height="78" border="0" alt="NATO - North Atlantic Treaty Organization"></a></td>
  </tr>
  <tr>
    <td colspan="3" class="topnav" bgcolor="#003366">
      <table border="0" cellspacing="0" cellpadding="0"><tr>
{topnav}      </tr></table>
    </td>
  </tr>
  <tr>
    <td width="160" valign="top" class="leftcol" bgcolor="#E8EEF4">
      <table width="160" border="0" cellspacing="0" cellpadding="0">
        <tr><td><img src="/cps/images/spacer.gif" width="1" height="10" alt=""></td></tr>
        <tr><td class="leftnavtitle"><b>Topics</b></td></tr>
{leftnav}
      </table>
      <form name="search" action="/cps/en/{SID}/natohq/search.htm" method="get">
      <table width="160" border="0" cellspacing="0" cellpadding="4"><tr><td class="search">Search<br>
      <input type="text" name="q" size="14" class="searchbox"> <input type="image" src="/cps/images/btn_go.gif" alt="Go" border="0"></td></tr></table>
      </form>
    </td>
    <td width="12"><img src="/cps/images/spacer.gif" width="12" height="1" alt=""></td>
    <td width="598" valign="top" class="contentcol">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr>
          <td class="breadcrumb"><font size="1"><a href="/cps/en/{SID}/natohq/index.htm">Home</a> &gt; <a href="/cps/en/{SID}/natohq/topics.htm">Topics</a> &gt; {txt(content.title)}</font></td>
          <td class="fontsize" align="right" nowrap><font size="1">Text size:</font> <a href="javascript:setFontSize(11)"><font size="1">A</font></a> <a href="javascript:setFontSize(13)"><font size="2">A</font></a> <a href="javascript:setFontSize(15)"><font size="3">A</font></a></td>
        </tr>
        <tr><td colspan="2"><img src="/cps/images/spacer.gif" width="1" height="8" alt=""></td></tr>
        <tr><td colspan="2" class="pagetitle"><h1>{txt(content.title)}</h1></td></tr>
        {stamp}
        <tr><td colspan="2"><img src="/cps/images/spacer.gif" width="1" height="10" alt=""></td></tr>
        <tr>
          <td colspan="2" class="bodytext" id="bodytext" valign="top">
<font face="Arial, Helvetica, sans-serif" size="2">
{body}
</font>
<div class="printmail"><img src="/cps/images/ico_print.gif" width="16" height="16" alt="" align="absmiddle"> <a href="javascript:openPrint()">Print</a> | <img src="/cps/images/ico_mail.gif" width="16" height="16" alt="" align="absmiddle"> <a href="/cps/en/{SID}/natohq/sendmail.htm?url=topics_50098.htm">E-mail this page</a></div>
          </td>
        </tr>
        <tr><td colspan="2" align="right" class="totop"><a href="#top"><font size="1">Top of page</font></a> <img src="/cps/images/arrow_up.gif" width="7" height="7" alt=""></td></tr>
      </table>
    </td>
  </tr>
  <tr>
    <td colspan="3" class="footer" align="center"><img src="/cps/images/spacer.gif" width="1" height="10" alt=""><br>
    <font size="1" color="#666666">&copy; NATO/OTAN | <a href="/cps/en/{SID}/natohq/contact.htm">Contact</a> | <a href="/cps/en/{SID}/natohq/69880.htm">Legal notice</a> | <a href="/cps/en/{SID}/natohq/sitemap.htm">Sitemap</a></font></td>
  </tr>
</table>
<script type="text/javascript">
var gaJsHost = (("https:" == document.location.protocol) ? "https://ssl." : "http://www.");
document.write(unescape("%3Cscript src='" + gaJsHost + "google-analytics.com/ga.js' type='text/javascript'%3E%3C/script%3E"));
</script>
</body>
</html>
"""


# --- CPS, about 2012: a table layout with <div>s inside -----------------------------------------


def cps2012_page(content: PageContent) -> str:
    """2012 CPS: XHTML, a layout table whose cells hold <div>s; a left menu with <li>s never
    closed and a "NATO Review" teaser; in the main cell a breadcrumb, language links, "A A A"
    tools, a Facebook "Like" iframe, the text with numeric entities, <h2> headings, lead-ins
    bold with the colon and a space inside the <strong>, the photo as a small table (photo row,
    caption row only when there is a caption) floated right, and a "Print | E-mail this page"
    table after the text inside the content cell; a right column "Related articles" box with
    dates, inside the content table."""
    link = '<a href="/cps/en/natohq/topics_50098.htm?selectedLocale=en">{text}</a>'

    def li(item: Item) -> str:
        label = f"<strong>{txt(item.label, ents='numeric')}: </strong>" if item.label else ""
        return f"<li>{label}{txt(item.text, ents='numeric', link=link)}</li>"

    def figure(item: Item) -> str:
        caption = (
            f'<tr>\n<td class="caption"><span class="legend">{txt(item.text, ents="numeric")}</span></td>\n</tr>\n'
            if item.text
            else ""
        )
        return (
            '<table class="image-table" style="float: right; margin: 0 0 10px 10px;" border="0" '
            'cellpadding="0" cellspacing="0" width="260">\n<tbody>\n<tr>\n'
            f'<td class="image"><img src="https://www.nato.int{item.src}" alt="{attr(item.alt or "")}" '
            f'title="{attr(item.alt or "")}" width="260" height="173" /></td>\n</tr>\n'
            f"{caption}</tbody>\n</table>"
        )

    body = render_parts(
        content,
        heading=lambda h: f"<h2>{txt(h, ents='numeric')}</h2>",
        para=lambda i: f"<p>{txt(i.text, ents='numeric', nbsp=True)}</p>",
        bullets=lambda run: "<ul>\n" + "\n".join(li(i) for i in run) + "\n</ul>",
        figure=figure,
        after_part="<p>&#160;</p>",
    )
    stamp = f'<div class="date">Last updated: {content.stamp}</div>' if content.stamp else ""
    menu = "\n".join(
        f'<li><a href="/cps/en/natohq/topics_{num}.htm">{name}</a>'
        for num, name in [
            ("49188", "Partners across the globe"),
            ("50336", "Japan"),
            ("48899", "Australia"),
            ("52347", "New Zealand"),
            ("50098", "Republic of Korea"),
            ("51288", "Mongolia"),
            ("8182", "Afghanistan"),
            ("69366", "Iraq"),
        ]
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en" xmlns:fb="http://ogp.me/ns/fb#">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>NATO - Topic: {txt(content.title)}</title>
<meta property="og:title" content="{attr(content.title)}" />
<meta property="og:site_name" content="NATO" />
<link rel="stylesheet" type="text/css" href="/cps/css/2012/layout.css" />
<link rel="stylesheet" type="text/css" href="/cps/css/2012/content.css" />
<!--[if IE 7]><link rel="stylesheet" type="text/css" href="/cps/css/2012/ie7.css" /><![endif]-->
<script type="text/javascript" src="/cps/js/jquery-1.7.2.min.js"></script>
<script type="text/javascript" src="/cps/js/swfobject.js"></script>
<script type="text/javascript">
var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-1234567-1']);
_gaq.push(['_trackPageview']);
(function() {{
  var ga = document.createElement('script'); ga.type = 'text/javascript'; ga.async = true;
  ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';
  var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(ga, s);
}})();
</script>
</head>
<body>
<div id="fb-root"></div>
<div id="wrapper">
<table id="layout" width="980" border="0" cellpadding="0" cellspacing="0">
<tr>
<td id="header" colspan="2">
<div id="logo"><a href="/cps/en/natohq/index.htm"><img src="/cps/images/2012/logo_nato.png" alt="NATO OTAN" width="220" height="70" /></a></div>
<div id="topmenu"><ul>
<li><a href="/cps/en/natohq/index.htm">Home</a></li>
<li><a href="/cps/en/natohq/news.htm">News</a></li>
<li><a href="/cps/en/natohq/topics.htm">Topics</a></li>
<li><a href="/cps/en/natohq/multimedia.htm">Multimedia</a></li>
<li><a href="/cps/en/natohq/official_texts.htm">Official texts</a></li>
</ul></div>
<div id="search"><form action="/cps/en/natohq/search.htm" method="get"><input type="text" name="q" value="Search" onfocus="this.value=''" /><input type="submit" value="Go" /></form></div>
</td>
</tr>
<tr>
<td id="left" valign="top" width="190">
<div class="leftmenu">
<h4>Partners</h4>
<ul>
{menu}
</ul>
</div>
<div class="leftbox">
<h4>NATO Review</h4>
<p><a href="/docu/review/2012/Partnerships/EN/index.htm">Partnerships: a new approach</a></p>
<p class="small">How NATO works with countries around the world.</p>
</div>
</td>
<td id="main" valign="top">
<div class="breadcrumb"><a href="/cps/en/natohq/index.htm">Home</a> &#187; <a href="/cps/en/natohq/topics.htm">Topics</a> &#187; <span>{txt(content.title)}</span></div>
<div class="pagetools">
<div class="languages"><a href="/cps/en/natohq/topics_50098.htm?selectedLocale=en" class="active">English</a> | <a href="/cps/fr/natohq/topics_50098.htm?selectedLocale=fr">Fran&#231;ais</a> | <a href="/cps/ru/natohq/topics_50098.htm?selectedLocale=ru">&#1056;&#1091;&#1089;&#1089;&#1082;&#1080;&#1081;</a></div>
<div class="fontsize">Text size <a href="#" class="small" onclick="fontSize(0);return false;">A</a> <a href="#" class="medium" onclick="fontSize(1);return false;">A</a> <a href="#" class="large" onclick="fontSize(2);return false;">A</a></div>
</div>
<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr>
<td class="content" valign="top">
<div class="title"><h1>{txt(content.title)}</h1></div>
{stamp}
<div class="social"><iframe src="//www.facebook.com/plugins/like.php?href=http%3A%2F%2Fwww.nato.int%2Fcps%2Fen%2Fnatohq%2Ftopics_50098.htm&amp;send=false&amp;layout=button_count&amp;width=90&amp;show_faces=false&amp;height=21" scrolling="no" frameborder="0" style="border:none; overflow:hidden; width:90px; height:21px;" allowTransparency="true"></iframe></div>
<div class="text">
{body}
</div>
<table class="printmail" border="0" cellpadding="0" cellspacing="0">
<tr>
<td><img src="/cps/images/2012/ico_print.png" alt="" width="14" height="14" /> <a href="javascript:window.print();">Print</a></td>
<td class="sep">|</td>
<td><img src="/cps/images/2012/ico_mail.png" alt="" width="14" height="14" /> <a href="mailto:?subject={attr(content.title)}&amp;body={TOPIC}">E-mail this page</a></td>
</tr>
</table>
</td>
<td class="rightcol" valign="top" width="220">
<div class="box related">
<h3>Related articles</h3>
<ul>
<li><a href="/cps/en/natohq/news_108234.htm">NATO and the Republic of Korea sign agreement on airworthiness</a> <span class="date">11 Jul. 2024</span></li>
<li><a href="/cps/en/natohq/news_217564.htm">Secretary General meets President of the Republic of Korea</a> <span class="date">11 Jul. 2023</span></li>
<li><a href="/cps/en/natohq/news_92519.htm">NATO and Republic of Korea strengthen partnership</a> <span class="date">06 Oct. 2016</span></li>
</ul>
</div>
<div class="box">
<h3>Related topics</h3>
<ul>
<li><a href="/cps/en/natohq/topics_49188.htm">Partners across the globe</a></li>
<li><a href="/cps/en/natohq/topics_82388.htm">Partnership tools</a></li>
</ul>
</div>
</td>
</tr>
</table>
</td>
</tr>
<tr>
<td id="footer" colspan="2">
<div class="footerlinks"><a href="/cps/en/natohq/contact.htm">Contact us</a> | <a href="/cps/en/natohq/69880.htm">Legal notice</a> | <a href="/cps/en/natohq/sitemap.htm">Sitemap</a></div>
<div class="copyright">&#169; NATO/OTAN</div>
</td>
</tr>
</table>
</div>
<script type="text/javascript">(function(d, s, id) {{ var js, fjs = d.getElementsByTagName(s)[0]; if (d.getElementById(id)) return; js = d.createElement(s); js.id = id; js.src = "//connect.facebook.net/en_US/all.js#xfbml=1"; fjs.parentNode.insertBefore(js, fjs); }}(document, 'script', 'facebook-jssdk'));</script>
</body>
</html>
"""


# --- the 2014 responsive template ---------------------------------------------------------------

AFTER_JS_ADDTHIS = (
    '<a class="addthis_button_facebook at300b" title="Facebook" href="#"><span class="at-icon-wrapper" '
    'style="background-color: rgb(59, 89, 152); line-height: 20px; height: 20px; width: 20px;">'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" class="at-icon at-icon-facebook" '
    'style="width: 20px; height: 20px;"><g><path d="M22 5.16c-.406-.054-1.806-.16-3.43-.16-3.4 0-5.733 '
    "1.825-5.733 5.17v2.882H9v3.913h3.837V27h4.604V16.965h3.823l.587-3.913h-4.41v-2.5c0-1.123.347-1.903 "
    '1.962-1.903H22V5.16z" fill-rule="evenodd"></path></g></svg></span></a>'
    '<a class="addthis_button_twitter at300b" title="Tweet" href="#"><span class="at-icon-wrapper" '
    'style="background-color: rgb(29, 161, 242); line-height: 20px; height: 20px; width: 20px;">'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" class="at-icon at-icon-twitter" '
    'style="width: 20px; height: 20px;"><g><path d="M27.996 10.116c-.81.36-1.68.602-2.592.71a4.526 '
    '4.526 0 0 0 1.984-2.496"></path></g></svg></span></a>'
    '<a class="addthis_button_email at300b" title="Email" href="#"><span class="at-icon-wrapper" '
    'style="background-color: rgb(132, 132, 132); line-height: 20px; height: 20px; width: 20px;">'
    '</span></a><a class="addthis_counter addthis_pill_style" href="#"><a class="atc_s addthis_button_compact">'
    '<span></span></a><a class="addthis_button_expanded" title="View more services">12</a></a>'
    '<div class="atclear"></div>'
)


def responsive2014_page(content: PageContent, *, after_js: bool = False) -> str:
    """The 2014 responsive redesign: Bootstrap 3 grid (`container`/`row`/`col-md-8`/`col-md-4`),
    a skip link, a dismissible cookie alert, a navbar with dropdown menus and language switch,
    breadcrumbs, the title in a `page-header` with the stamp in a `list-inline`, an AddThis
    share toolbox, the text with <h3> headings, the photo floated right and lazy-loaded with
    lazysizes (a grey placeholder gif in `src`, the picture in a protocol-relative `data-src`,
    a <noscript><img> fallback, the caption in a <p> under it), "Back to top", a sidebar of
    panels ("Related", an embedded NATO TV video) and a four-column footer.

    With `after_js`, the DOM as a browser holds it once the scripts have run (what "Save page
    as" writes): Modernizr's classes on <html>, the cookie alert hidden, lazysizes' swap done,
    AddThis' buttons filled in, the Analytics script injected."""
    link = '<a href="//www.nato.int/cps/en/natohq/topics_50098.htm?selectedLocale=en">{text}</a>'

    def li(item: Item) -> str:
        label = f"<strong>{txt(item.label)}:</strong> " if item.label else ""
        return f"<li>{label}{txt(item.text, link=link)}</li>"

    def figure(item: Item) -> str:
        real = "//www.nato.int" + (item.src or "")
        if after_js:
            img = (
                f'<img class="img-responsive lazyloaded" src="{real}" data-src="{real}" '
                f'alt="{attr(item.alt or "")}" width="400" height="267">'
            )
        else:
            img = (
                '<img class="img-responsive lazyload" src="/nato_static_fl2014/assets/img/grey.gif" '
                f'data-src="{real}" alt="{attr(item.alt or "")}" width="400" height="267">'
            )
        noscript = (
            f'<noscript><img class="img-responsive" src="{real}" alt="{attr(item.alt or "")}" '
            'width="400" height="267"></noscript>'
        )
        caption = f'<p class="img-caption small">{txt(item.text)}</p>' if item.text else ""
        return f'<div class="img-box pull-right">{img}{noscript}{caption}</div>'

    body = render_parts(
        content,
        heading=lambda h: f"<h3>{txt(h)}</h3>",
        para=lambda i: f"<p>{txt(i.text, nbsp=True)}</p>",
        bullets=lambda run: "<ul>\n" + "\n".join(li(i) for i in run) + "\n</ul>",
        figure=figure,
    )
    stamp = (
        f'<ul class="list-inline text-muted small"><li>Last updated: {content.stamp}</li></ul>'
        if content.stamp
        else ""
    )
    html_class = (
        "js flexbox canvas canvastext webgl no-touch geolocation postmessage websqldatabase "
        "indexeddb hashchange history draganddrop websockets rgba hsla multiplebgs "
        "backgroundsize borderimage borderradius boxshadow textshadow opacity cssanimations "
        "csscolumns cssgradients cssreflections csstransforms csstransforms3d csstransitions "
        "fontface generatedcontent video audio localstorage sessionstorage webworkers "
        "applicationcache svg inlinesvg smil svgclippaths"
        if after_js
        else "no-js"
    )
    cookie_style = ' style="display: none;"' if after_js else ""
    ga_injected = (
        '<script async="" src="//www.google-analytics.com/analytics.js"></script>'
        if after_js
        else ""
    )
    addthis = (
        AFTER_JS_ADDTHIS
        if after_js
        else (
            '<a class="addthis_button_facebook"></a><a class="addthis_button_twitter"></a>'
            '<a class="addthis_button_email"></a><a class="addthis_counter addthis_pill_style"></a>'
        )
    )
    top_style = ' style="display: block;"' if after_js else ""
    menus = {
        "About us": [("structure.htm", "Structure"), ("what_is_nato.htm", "What is NATO?")],
        "Topics": [("topics.htm", "All topics"), ("topics_51288.htm", "Partnerships")],
        "News": [("news.htm", "Latest news"), ("press_releases.htm", "Press releases")],
        "Multimedia": [("photos.htm", "Photos"), ("video.htm", "Video")],
    }
    nav = "\n".join(
        f'<li class="dropdown"><a href="#" class="dropdown-toggle" data-toggle="dropdown" role="button" '
        f'aria-expanded="false">{name} <span class="caret"></span></a>\n<ul class="dropdown-menu" role="menu">'
        + "".join(f'<li><a href="/cps/en/natohq/{href}">{label}</a></li>' for href, label in items)
        + "</ul></li>"
        for name, items in menus.items()
    )
    return f"""<!DOCTYPE html>
<!--[if lt IE 9]><html class="no-js lt-ie9" lang="en"><![endif]-->
<!--[if gt IE 8]><!--><html class="{html_class}" lang="en"><!--<![endif]-->
<head>{ga_injected}
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NATO - Topic: {txt(content.title)}</title>
<meta name="description" content="NATO topic page: {attr(content.title)}">
<meta property="og:title" content="{attr(content.title)}">
<meta property="og:url" content="{TOPIC}">
<meta name="twitter:card" content="summary_large_image">
<link href="/nato_static_fl2014/assets/css/bootstrap.min.css" rel="stylesheet">
<link href="/nato_static_fl2014/assets/css/nato-2014.css" rel="stylesheet">
<link rel="shortcut icon" href="/nato_static_fl2014/assets/img/favicon.ico">
<!--[if lt IE 9]>
<script src="/nato_static_fl2014/assets/js/html5shiv.min.js"></script>
<script src="/nato_static_fl2014/assets/js/respond.min.js"></script>
<![endif]-->
<script src="/nato_static_fl2014/assets/js/modernizr-2.8.3.min.js"></script>
</head>
<body id="top" class="topic-page">
<a class="sr-only sr-only-focusable" href="#content">Skip to main content</a>
<div id="cookie-law" class="alert alert-info alert-dismissible" role="alert"{cookie_style}>
<button type="button" class="close" data-dismiss="alert" aria-label="Close"><span aria-hidden="true">&times;</span></button>
This website uses cookies. By continuing to browse the site you are agreeing to our use of cookies. <a href="/cps/en/natohq/69880.htm" class="alert-link">Find out more</a>
</div>
<header class="navbar navbar-default navbar-static-top" role="banner">
<div class="container">
<div class="navbar-header">
<button type="button" class="navbar-toggle collapsed" data-toggle="collapse" data-target="#nato-navbar">
<span class="sr-only">Toggle navigation</span><span class="icon-bar"></span><span class="icon-bar"></span><span class="icon-bar"></span>
</button>
<a class="navbar-brand" href="/cps/en/natohq/index.htm"><img src="/nato_static_fl2014/assets/img/logo-nato-otan.png" alt="NATO OTAN" width="170" height="48"></a>
</div>
<nav id="nato-navbar" class="collapse navbar-collapse" role="navigation">
<ul class="nav navbar-nav">
{nav}
</ul>
<form class="navbar-form navbar-right" role="search" action="/cps/en/natohq/search.htm">
<div class="form-group"><input type="text" class="form-control" name="q" placeholder="Search"></div>
<button type="submit" class="btn btn-default"><span class="glyphicon glyphicon-search"></span><span class="sr-only">Search</span></button>
</form>
<ul class="nav navbar-nav navbar-right lang-switch">
<li class="active"><a href="/cps/en/natohq/topics_50098.htm">EN</a></li>
<li><a href="/cps/fr/natohq/topics_50098.htm">FR</a></li>
<li><a href="/cps/ru/natohq/topics_50098.htm?selectedLocale=ru">RU</a></li>
<li><a href="/cps/uk/natohq/topics_50098.htm?selectedLocale=uk">UK</a></li>
</ul>
</nav>
</div>
</header>
<div class="container" id="content">
<ol class="breadcrumb">
<li><a href="/cps/en/natohq/index.htm">Home</a></li>
<li><a href="/cps/en/natohq/topics.htm">Topics</a></li>
<li class="active">{txt(content.title)}</li>
</ol>
<div class="row">
<div class="col-md-8 col-sm-12" role="main">
<div class="page-header">
<h1>{txt(content.title)}</h1>
{stamp}
</div>
<div class="share-tools addthis_toolbox addthis_default_style addthis_20x20_style">{addthis}</div>
<div class="text-content">
{body}
</div>
<p class="text-right"><a href="#top" class="back-to-top"{top_style}><span class="glyphicon glyphicon-chevron-up" aria-hidden="true"></span> Back to top</a></p>
</div>
<div class="col-md-4 col-sm-12 sidebar" role="complementary">
<div class="panel panel-default related">
<div class="panel-heading"><h4 class="panel-title">Related</h4></div>
<div class="list-group">
<a class="list-group-item" href="/cps/en/natohq/topics_49188.htm">Relations with partners across the globe</a>
<a class="list-group-item" href="/cps/en/natohq/topics_50336.htm">Relations with Japan</a>
<a class="list-group-item" href="/cps/en/natohq/topics_48899.htm">Relations with Australia</a>
<a class="list-group-item" href="/cps/en/natohq/topics_52347.htm">Relations with New Zealand</a>
</div>
</div>
<div class="panel panel-default">
<div class="panel-heading"><h4 class="panel-title">NATO TV</h4></div>
<div class="panel-body">
<div class="embed-responsive embed-responsive-16by9"><iframe class="embed-responsive-item" src="https://www.youtube.com/embed/videoseries?list=PL2E6C3D0B6D1A1F0A" allowfullscreen></iframe></div>
<p class="small text-muted">NATO and its partners across the globe</p>
</div>
</div>
</div>
</div>
</div>
<footer class="footer" role="contentinfo">
<div class="container">
<div class="row">
<div class="col-sm-3"><h4>About NATO</h4><ul class="list-unstyled"><li><a href="/cps/en/natohq/structure.htm">Structure</a></li><li><a href="/cps/en/natohq/what_is_nato.htm">What is NATO?</a></li></ul></div>
<div class="col-sm-3"><h4>Multimedia</h4><ul class="list-unstyled"><li><a href="/cps/en/natohq/photos.htm">Photos</a></li><li><a href="/cps/en/natohq/video.htm">Video</a></li></ul></div>
<div class="col-sm-3"><h4>Follow us</h4><ul class="list-unstyled"><li><a href="https://twitter.com/NATO">Twitter</a></li><li><a href="https://www.facebook.com/NATO">Facebook</a></li></ul></div>
<div class="col-sm-3"><h4>Contact</h4><p>NATO, Boulevard L&eacute;opold III, 1110 Brussels, Belgium</p></div>
</div>
<p class="copyright">&copy; NATO - OTAN 2014 | <a href="/cps/en/natohq/69880.htm">Legal notice</a></p>
</div>
</footer>
<script src="//ajax.googleapis.com/ajax/libs/jquery/1.11.1/jquery.min.js"></script>
<script src="/nato_static_fl2014/assets/js/bootstrap.min.js"></script>
<script src="/nato_static_fl2014/assets/js/lazysizes.min.js" async></script>
<script src="//s7.addthis.com/js/300/addthis_widget.js#pubid=ra-52a0b1c3d4e5f6a7"></script>
<script>
(function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){{(i[r].q=i[r].q||[]).push(arguments)}},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)}})(window,document,'script','//www.google-analytics.com/analytics.js','ga');
ga('create', 'UA-1234567-1', 'auto'); ga('send', 'pageview');
$('#cookie-law .close').on('click', function () {{ document.cookie = 'cookielaw=1; path=/'; }});
</script>
</body>
</html>
"""


# --- a 2025 component site ---------------------------------------------------------------------


def component2025_page(content: PageContent) -> str:
    """A 2025 headless-CMS front end (Next.js-like): a skip link, a consent dialog, a mega menu
    whose panels hold headings, link lists and teaser paragraphs, breadcrumbs, deeply nested
    BEM `div`s (`o-grid__item`, `c-article__body`, `c-block--rich-text`, `c-rich-text`), the
    stamp as a label span and a <time>, a share strip, the body as a series of CMS blocks (rich
    text and an image block), a "Previous | Next" partner pager, a "Latest news" teaser box,
    and the same content again in two JSON islands: `application/ld+json` (an Article with its
    plain-text `articleBody`) and `__NEXT_DATA__` (the blocks, their HTML with `<` escaped as
    \\u003c as Next.js writes it). Fetched from the 2025 URL scheme; images and the ITPP link
    still point at the old paths."""
    link = '<a href="/cps/en/natohq/topics_50098.htm?selectedLocale=en" class="c-rich-text__link">{text}</a>'

    def li(item: Item) -> str:
        label = f"<strong>{txt(item.label)}:</strong> " if item.label else ""
        return f"<li>{label}{txt(item.text, link=link)}</li>"

    # The body as the CMS stores it: rich-text blocks and image blocks, in order.
    blocks: list[dict[str, object]] = []
    rich: list[str] = []

    def flush() -> None:
        if rich:
            blocks.append({"__typename": "RichTextBlock", "html": "".join(rich)})
            rich.clear()

    for part in content.parts:
        if part.heading:
            rich.append(f'<h2 id="{slug(part.heading)}">{txt(part.heading)}</h2>')
        for run in runs(part.items):
            first = run[0]
            if first.kind == "li":
                rich.append("<ul>" + "".join(li(i) for i in run) + "</ul>")
            elif first.kind == "img":
                flush()
                blocks.append(
                    {
                        "__typename": "ImageBlock",
                        "src": absolute(first.src),
                        "alt": first.alt,
                        "caption": first.text or None,
                        "width": 1200,
                        "height": 801,
                    }
                )
            else:
                rich.append(f"<p>{txt(first.text)}</p>")
    flush()

    rendered: list[str] = []
    for block in blocks:
        if block["__typename"] == "RichTextBlock":
            rendered.append(
                '<div class="c-block c-block--rich-text"><div class="c-block__inner">'
                '<div class="c-rich-text c-rich-text--article">'
                f"{block['html']}</div></div></div>"
            )
        else:
            caption = (
                f'<figcaption class="c-media__caption">{txt(str(block["caption"]))}</figcaption>'
                if block["caption"]
                else ""
            )
            rendered.append(
                '<div class="c-block c-block--image"><div class="c-block__inner">'
                '<figure class="c-media c-media--inline"><div class="c-media__frame" '
                'style="aspect-ratio:1200/801">'
                f'<img class="c-media__img" src="{block["src"]}" alt="{attr(str(block["alt"]))}" '
                'width="1200" height="801" loading="lazy" decoding="async"></div>'
                f"{caption}</figure></div></div>"
            )
    body = "\n".join(rendered)

    plain = "\n\n".join(
        "\n\n".join(
            ([part.heading] if part.heading else [])
            + [(f"{i.label}: " if i.label else "") + i.text for i in part.items if i.kind != "img"]
        )
        for part in content.parts
    )
    ld = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": content.title,
        "dateModified": "2024-07-16T10:28:00+02:00",
        "inLanguage": "en",
        "mainEntityOfPage": "https://www.nato.int" + TITLE_2025_PATH,
        "publisher": {
            "@type": "Organization",
            "name": "NATO",
            "logo": "https://www.nato.int/assets/img/nato-logo.svg",
        },
        "image": [b["src"] for b in blocks if b["__typename"] == "ImageBlock"],
        "articleBody": plain,
    }
    latest = [
        ("/en/news-and-events/articles/2025/09/18/nato-and-partners-meet-in-tokyo", "18 Sep. 2025",
         "NATO and Indo-Pacific partners meet in Tokyo",
         "Senior officials discussed cyber defence and support to Ukraine."),
        ("/en/news-and-events/articles/2025/09/10/secretary-general-visits-seoul", "10 Sep. 2025",
         "Secretary General visits Seoul",
         "The visit focused on defence industrial cooperation."),
        ("/en/news-and-events/articles/2025/07/02/summit-declaration", "02 Jul. 2025",
         "Summit declaration issued",
         "Allies agreed on the next steps for the Alliance."),
    ]  # fmt: skip
    next_data = {
        "props": {
            "pageProps": {
                "page": {
                    "id": "50098",
                    "slug": TITLE_2025_PATH.rsplit("/", 1)[1],
                    "title": content.title,
                    "lastUpdated": "2024-07-16T10:28:00+02:00",
                    "lastUpdatedDisplay": content.stamp,
                    "blocks": blocks,
                    "breadcrumbs": [
                        {"label": "Home", "href": "/en/"},
                        {"label": "What we do", "href": "/en/what-we-do"},
                        {
                            "label": "Partnerships and cooperation",
                            "href": "/en/what-we-do/partnerships-and-cooperation",
                        },
                    ],
                },
                "latestNews": [
                    {"href": h, "date": d, "title": t, "summary": s} for h, d, t, s in latest
                ],
            },
            "__N_SSG": True,
        },
        "page": "/[...slug]",
        "query": {"slug": TITLE_2025_PATH.strip("/").split("/")},
        "buildId": "k3Jd9sQm1xYvT7pLw2ZcA",
        "isFallback": False,
        "gsp": True,
        "locale": "en",
        "locales": ["en", "fr"],
        "scriptLoader": [],
    }
    next_json = (
        json.dumps(next_data, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    ld_json = json.dumps(ld, ensure_ascii=False, indent=2)
    teasers = "\n".join(
        f'<li class="c-teaser-list__item"><article class="c-teaser">'
        f'<a class="c-teaser__link" href="{h}"><h3 class="c-teaser__title">{t}</h3></a>'
        f'<p class="c-teaser__summary">{s}</p>'
        f'<time class="c-teaser__date" datetime="{d}">{d}</time></article></li>'
        for h, d, t, s in latest
    )
    mega = []
    for name, groups in [
        ("About us", [("Organization", ["Structure", "Member countries", "Secretary General"]),
                      ("History", ["Founding treaty", "Enlargement"])]),
        ("What we do", [("Partnerships and cooperation", ["Relations with Japan",
                         "Relations with Australia", "Relations with New Zealand",
                         "Relations with the Republic of Korea"]),
                        ("Deterrence and defence", ["Cyber defence", "Arms control"])]),
        ("News and events", [("Latest", ["Articles", "Press releases", "Speeches"])]),
    ]:  # fmt: skip
        cols = "".join(
            f'<div class="o-grid__item o-grid__item--4"><h2 class="c-mega-menu__heading">{g}</h2>'
            '<ul class="c-mega-menu__links">'
            + "".join(
                f'<li><a class="c-mega-menu__link" href="/en/{slug(name)}/{slug(g)}/{slug(x)}">{x}</a></li>'
                for x in xs
            )
            + "</ul></div>"
            for g, xs in groups
        )
        mega.append(
            f'<li class="c-mega-menu__item"><button class="c-mega-menu__toggle" aria-expanded="false" '
            f'aria-controls="mm-{slug(name)}">{name}</button>'
            f'<div class="c-mega-menu__panel" id="mm-{slug(name)}" hidden><div class="o-container">'
            f'<p class="c-mega-menu__intro">Explore {name.lower()} at NATO.</p>'
            f'<div class="o-grid">{cols}</div></div></div></li>'
        )
    mega_html = "\n".join(mega)
    stamp = (
        '<div class="c-article__meta"><span class="c-article__meta-label">Last updated:</span> '
        f'<time class="c-article__meta-value" datetime="2024-07-16T10:28:00+02:00">{content.stamp}</time></div>'
        if content.stamp
        else ""
    )
    share = "".join(
        f'<li class="c-share__item"><a class="c-share__link c-share__link--{k}" href="{h}" target="_blank" '
        f'rel="noopener"><svg class="c-icon" aria-hidden="true" focusable="false"><use href="/assets/icons.svg#{k}"></use></svg>'
        f'<span class="u-visually-hidden">Share on {n}</span></a></li>'
        for k, n, h in [
            (
                "x",
                "X",
                f"https://x.com/intent/post?url=https%3A%2F%2Fwww.nato.int{TITLE_2025_PATH.replace('/', '%2F')}",
            ),
            (
                "linkedin",
                "LinkedIn",
                f"https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fwww.nato.int{TITLE_2025_PATH.replace('/', '%2F')}",
            ),
            (
                "facebook",
                "Facebook",
                f"https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fwww.nato.int{TITLE_2025_PATH.replace('/', '%2F')}",
            ),
        ]
    )
    return f"""<!DOCTYPE html><html lang="en" dir="ltr" class="t-light"><head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>{txt(content.title)} | NATO</title><meta name="description" content="NATO and the Republic of Korea work together on shared cross-regional security challenges."/><link rel="canonical" href="https://www.nato.int{TITLE_2025_PATH}"/><link rel="alternate" hrefLang="fr" href="https://www.nato.int/fr/ce-que-nous-faisons/partenariats-et-cooperation/relations-avec-la-republique-de-coree"/><meta property="og:type" content="article"/><meta property="og:image" content="{ld["image"][0] if ld["image"] else ""}"/><link rel="preload" href="/_next/static/media/inter-latin.p.woff2" as="font" type="font/woff2" crossorigin="anonymous"/><link rel="stylesheet" href="/_next/static/css/4e1c9a7b2d3f.css" data-precedence="next"/><script src="/_next/static/chunks/webpack-8d2e4f1a9b7c.js" defer=""></script><script src="/_next/static/chunks/framework-6c1b3a2e.js" defer=""></script><script src="/_next/static/chunks/main-3f7e9d1c.js" defer=""></script><script src="/_next/static/chunks/pages/%5B...slug%5D-a1c9e2.js" defer=""></script>
<script type="application/ld+json">{ld_json}</script>
</head><body class="u-no-js"><div id="__next"><a class="c-skip-link" href="#main-content">Skip to main content</a>
<div class="c-consent" role="dialog" aria-modal="true" aria-labelledby="consent-title"><div class="c-consent__inner"><h2 id="consent-title" class="c-consent__title">Your privacy on nato.int</h2><p class="c-consent__text">We use cookies to measure how the site is used and to improve it. You can accept all cookies, reject those that are not strictly necessary, or choose which ones to allow.</p><div class="c-consent__actions"><button class="c-button c-button--primary" type="button">Accept all</button><button class="c-button" type="button">Reject all</button><button class="c-button c-button--link" type="button">Customise</button></div></div></div>
<header class="c-site-header"><div class="o-container c-site-header__inner"><a class="c-site-header__logo" href="/en/"><img src="/assets/img/nato-logo.svg" alt="NATO OTAN" width="140" height="40"/></a>
<nav class="c-mega-menu" aria-label="Main"><ul class="c-mega-menu__list">
{mega_html}
</ul></nav>
<div class="c-site-header__tools"><a class="c-lang-switch" href="/fr/ce-que-nous-faisons/partenariats-et-cooperation/relations-avec-la-republique-de-coree" hrefLang="fr" lang="fr">Français</a><form class="c-search" role="search" action="/en/search"><label class="u-visually-hidden" for="site-search">Search nato.int</label><input id="site-search" name="q" type="search" placeholder="Search"/></form></div></div></header>
<main id="main-content" class="c-main"><div class="o-container"><nav class="c-breadcrumbs" aria-label="Breadcrumb"><ol class="c-breadcrumbs__list"><li class="c-breadcrumbs__item"><a class="c-breadcrumbs__link" href="/en/">Home</a></li><li class="c-breadcrumbs__item"><a class="c-breadcrumbs__link" href="/en/what-we-do">What we do</a></li><li class="c-breadcrumbs__item"><a class="c-breadcrumbs__link" href="/en/what-we-do/partnerships-and-cooperation">Partnerships and cooperation</a></li><li class="c-breadcrumbs__item" aria-current="page"><span>{txt(content.title)}</span></li></ol></nav>
<div class="o-grid o-grid--gutter-l"><div class="o-grid__item o-grid__item--8"><div class="o-stack o-stack--m"><article class="c-article"><div class="c-article__header"><div class="c-article__header-inner"><p class="c-article__eyebrow">Topic</p><h1 class="c-article__title">{txt(content.title)}</h1>{stamp}</div></div>
<div class="c-share"><span class="c-share__label">Share</span><ul class="c-share__list">{share}</ul></div>
<div class="c-article__body"><div class="c-article__blocks">
{body}
</div></div>
<nav class="c-pager" aria-label="More partners"><a class="c-pager__link c-pager__link--prev" href="/en/what-we-do/partnerships-and-cooperation/relations-with-new-zealand"><span class="c-pager__label">Previous</span> <span class="c-pager__title">Relations with New Zealand</span></a> <a class="c-pager__link c-pager__link--next" href="/en/what-we-do/partnerships-and-cooperation/relations-with-japan"><span class="c-pager__label">Next</span> <span class="c-pager__title">Relations with Japan</span></a></nav>
</article></div></div>
<aside class="o-grid__item o-grid__item--4"><section class="c-teaser-box" aria-labelledby="latest-news-title"><h2 id="latest-news-title" class="c-teaser-box__title">Latest news</h2><ul class="c-teaser-list">
{teasers}
</ul><a class="c-teaser-box__more" href="/en/news-and-events">All news</a></section></aside></div></div></main>
<footer class="c-site-footer"><div class="o-container"><div class="o-grid"><div class="o-grid__item o-grid__item--4"><p class="c-site-footer__title">North Atlantic Treaty Organization</p><p>Boulevard Léopold III, 1110 Brussels, Belgium</p></div><div class="o-grid__item o-grid__item--4"><ul class="c-site-footer__links"><li><a href="/en/contact">Contact</a></li><li><a href="/en/privacy">Privacy</a></li><li><a href="/en/cookies">Cookies</a></li><li><a href="/en/accessibility">Accessibility</a></li></ul></div><div class="o-grid__item o-grid__item--4"><form class="c-newsletter" action="/en/newsletter"><label for="nl-email">Subscribe to the newsletter</label><input id="nl-email" type="email" name="email"/><button type="submit">Subscribe</button></form></div></div><p class="c-site-footer__copy">© NATO 2025</p></div></footer></div>
<script id="__NEXT_DATA__" type="application/json">{next_json}</script>
</body></html>
"""


# --- the print version ------------------------------------------------------------------------


def print_page(content: PageContent) -> str:
    """The print version (`?mode=print`): no navigation; a logo and "Printed from nato.int",
    "Print this page | Close window" tools, an <hr>, the title and stamp, the text with <h2>
    headings and <b> lead-ins, the photo in a plain <div> with a caption, an <hr>, and a footer
    giving the page's URL, the print time (in the same date format as the stamp) and the
    copyright."""
    link = '<a href="/cps/en/natohq/topics_50098.htm?selectedLocale=en#itpp">{text}</a>'

    def li(item: Item) -> str:
        label = f"<b>{txt(item.label)}:</b> " if item.label else ""
        return f"<li>{label}{txt(item.text, link=link)}</li>"

    def figure(item: Item) -> str:
        caption = f'<br><span class="caption">{txt(item.text)}</span>' if item.text else ""
        return (
            f'<div class="print-image"><img src="{item.src}" alt="{attr(item.alt or "")}" '
            f'width="300" height="200">{caption}</div>'
        )

    body = render_parts(
        content,
        heading=lambda h: f"<h2>{txt(h)}</h2>",
        para=lambda i: f"<p>{txt(i.text, nbsp=True)}</p>",
        bullets=lambda run: "<ul>\n" + "\n".join(li(i) for i in run) + "\n</ul>",
        figure=figure,
    )
    stamp = (
        f'<ul class="event-info"><li>Last updated: {content.stamp}</li></ul>'
        if content.stamp
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>NATO - Topic: {txt(content.title)}</title>
<meta name="robots" content="noindex, nofollow">
<link rel="stylesheet" href="/nato_static_fl2014/assets/css/print.css" media="all">
<style>body {{ font-family: Georgia, serif; margin: 2em; }} .print-tools {{ float: right; }} @media print {{ .print-tools {{ display: none; }} }}</style>
</head>
<body class="print" onload="window.print();">
<div class="print-header">
<p class="print-tools"><a href="javascript:window.print()">Print this page</a> | <a href="javascript:window.close()">Close window</a></p>
<img src="/nato_static_fl2014/assets/img/logo-print.png" alt="NATO OTAN" width="160" height="44">
<p class="print-source">Printed from nato.int &ndash; North Atlantic Treaty Organization</p>
</div>
<hr>
<h1>{txt(content.title)}</h1>
{stamp}
<div class="print-content">
{body}
</div>
<hr>
<div class="print-footer">
<p>URL: {TOPIC}</p>
<p>Printed on: 02 Nov. 2025 09:12</p>
<p>&copy; NATO/OTAN</p>
</div>
</body>
</html>
"""


# --- AMP -------------------------------------------------------------------------------------

AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;-ms-animation:-amp-start 8s "
    "steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}"
    "@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}</style>"
    "<noscript><style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;"
    "-ms-animation:none;animation:none}</style></noscript>"
)
AMP_CUSTOM = (
    "<style amp-custom>body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:0}"
    ".amp-header{background:#004990;padding:8px 16px;display:flex;align-items:center}"
    ".amp-article{padding:0 16px}.amp-meta{list-style:none;padding:0;color:#666;font-size:13px}"
    ".amp-figure{margin:16px 0}.amp-footer{padding:16px;background:#f2f2f2;font-size:13px}</style>"
)


def amp_page(content: PageContent) -> str:
    """An AMP / reader version: `<html amp>`, the AMP runtime and extensions, the boilerplate
    styles, a canonical link, ld+json metadata, an amp-analytics element with a JSON config,
    an amp-sidebar menu, amp-social-share buttons, the photo as <amp-img> with a
    <noscript><img> fallback inside, absolute URLs everywhere, "View full version" and "Back to
    top" in the footer."""
    link = f'<a href="{TOPIC}?selectedLocale=en#itpp">{{text}}</a>'

    def li(item: Item) -> str:
        label = f"<strong>{txt(item.label)}:</strong> " if item.label else ""
        return f"<li>{label}{txt(item.text, link=link)}</li>"

    def figure(item: Item) -> str:
        src = absolute(item.src)
        caption = f"<figcaption>{txt(item.text)}</figcaption>" if item.text else ""
        return (
            f'<figure class="amp-figure"><amp-img src="{src}" width="400" height="267" '
            f'layout="responsive" alt="{attr(item.alt or "")}"><noscript><img src="{src}" '
            f'width="400" height="267" alt="{attr(item.alt or "")}"></noscript></amp-img>{caption}</figure>'
        )

    body = render_parts(
        content,
        heading=lambda h: f"<h2>{txt(h)}</h2>",
        para=lambda i: f"<p>{txt(i.text)}</p>",
        bullets=lambda run: "<ul>\n" + "\n".join(li(i) for i in run) + "\n</ul>",
        figure=figure,
    )
    images = [absolute(i.src) for p in content.parts for i in p.items if i.kind == "img"]
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": content.title,
            "url": TOPIC,
            "image": images,
            "publisher": {"@type": "Organization", "name": "NATO"},
        },
        ensure_ascii=False,
    )
    stamp = (
        f'<ul class="amp-meta"><li>Last updated: {content.stamp}</li></ul>' if content.stamp else ""
    )
    return f"""<!doctype html>
<html amp lang="en">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-analytics" src="https://cdn.ampproject.org/v0/amp-analytics-0.1.js"></script>
<script async custom-element="amp-sidebar" src="https://cdn.ampproject.org/v0/amp-sidebar-0.1.js"></script>
<script async custom-element="amp-social-share" src="https://cdn.ampproject.org/v0/amp-social-share-0.1.js"></script>
<title>{txt(content.title)} | NATO</title>
<link rel="canonical" href="{TOPIC}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<script type="application/ld+json">{ld}</script>
{AMP_BOILERPLATE}
{AMP_CUSTOM}
</head>
<body>
<amp-analytics type="gtag" data-credentials="include"><script type="application/json">{{"vars":{{"gtag_id":"G-NATO12345","config":{{"G-NATO12345":{{"groups":"default"}}}}}}}}</script></amp-analytics>
<header class="amp-header" id="top">
<button class="amp-menu-button" on="tap:sidebar.toggle" aria-label="Menu">&#9776;</button>
<a href="https://www.nato.int/cps/en/natohq/index.htm"><amp-img src="https://www.nato.int/nato_static_fl2014/assets/img/logo-nato-white.png" width="120" height="34" alt="NATO OTAN"></amp-img></a>
</header>
<amp-sidebar id="sidebar" layout="nodisplay" side="left">
<nav><ul>
<li><a href="https://www.nato.int/cps/en/natohq/index.htm">Home</a></li>
<li><a href="https://www.nato.int/cps/en/natohq/topics.htm">Topics</a></li>
<li><a href="https://www.nato.int/cps/en/natohq/news.htm">News</a></li>
<li><a href="https://www.nato.int/cps/en/natohq/topics_49188.htm">Partners across the globe</a></li>
</ul></nav>
</amp-sidebar>
<article class="amp-article">
<h1 class="amp-title">{txt(content.title)}</h1>
{stamp}
<div class="amp-share">
<amp-social-share type="twitter" width="32" height="32" data-param-url="{TOPIC}"></amp-social-share>
<amp-social-share type="facebook" width="32" height="32" data-param-app_id="254325784911610"></amp-social-share>
<amp-social-share type="email" width="32" height="32"></amp-social-share>
</div>
<div class="amp-body">
{body}
</div>
</article>
<footer class="amp-footer">
<p><a href="{TOPIC}">View full version</a> | <a href="#top">Back to top</a></p>
<p>&copy; NATO - OTAN</p>
</footer>
</body>
</html>
"""


# --- Wayback Machine captures -------------------------------------------------------------------

ARCHIVE = "https://web.archive.org/web"


def epoch(ts: str) -> int:
    """A 14-digit Wayback timestamp as Unix time."""
    return int(datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp())


def wayback_head(ts: str, original: str) -> str:
    """What the Wayback Machine injects at the start of <head>."""
    return f"""<script type="text/javascript" src="https://web-static.archive.org/_static/js/bundle-playback.js?v=t1Bf4PY_" charset="utf-8"></script>
<script type="text/javascript" src="https://web-static.archive.org/_static/js/wombat.js?v=txqj7nKC" charset="utf-8"></script>
<script>window.RufflePlayer=window.RufflePlayer||{{}};window.RufflePlayer.config={{"autoplay":"on","unmuteOverlay":"hidden","showSwfDownload":true}};</script>
<script type="text/javascript" src="https://web-static.archive.org/_static/js/ruffle/ruffle.js"></script>
<script type="text/javascript">
    __wm.init("https://web.archive.org/web");
  __wm.wombat("{original}","{ts}","https://web.archive.org/","web","https://web-static.archive.org/_static/",
\t      "{epoch(ts)}");
</script>
<link rel="stylesheet" type="text/css" href="https://web-static.archive.org/_static/css/banner-styles.css?v=p7PEIJWi" />
<link rel="stylesheet" type="text/css" href="https://web-static.archive.org/_static/css/iconochive.css?v=3PDvdIFv" />
<!-- End Wayback Rewrite JS Include -->
"""


def wayback_toolbar(ts: str, original: str, captures: str, span: str) -> str:
    """The toolbar the Wayback Machine injects at the start of <body>."""
    day = f"{ts[6:8]} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][int(ts[4:6]) - 1]} {ts[:4]}"
    return f"""<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<script>__wm.rw(0);</script>
<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;" toolbar-mode="auto">
<div id="wm-ipp" style="position:fixed;left:0;top:0;right:0;">
<div id="donato" style="position:relative;width:100%;">
  <div id="donato-base">
    <iframe id="donato-if" src="https://archive.org/includes/donate.php?as_page=1&amp;platform=wb&amp;referer=https%3A//web.archive.org/web/{ts}/{original}"
\t    scrolling="no" frameborder="0" style="width:100%; height:100%"></iframe>
  </div>
</div><div id="wm-ipp-inside">
  <div id="wm-toolbar" style="position:relative;display:flex;flex-flow:row nowrap;justify-content:space-between;">
    <div id="wm-logo" style="/*width:110px;*/padding-top:12px;">
      <a href="/web/" title="Wayback Machine home page"><img src="https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-200.png" srcset="https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-100.png, https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-150.png 1.5x, https://web-static.archive.org/_static/images/toolbar/wayback-toolbar-logo-200.png 2x" alt="Wayback Machine" style="width:100px" border="0" /></a>
    </div>
    <div class="c" style="display:flex;flex-flow:column nowrap;justify-content:space-between;flex:1;">
      <form class="u" style="display:flex;flex-direction:row;flex-wrap:nowrap;" target="_top" method="get" action="/web/submit" name="wmtb" id="wmtb"><input type="text" name="url" id="wmtbURL" value="{original}" onfocus="this.focus();this.select();" style="flex:1;"/><input type="hidden" name="type" value="replay" /><input type="hidden" name="date" value="{ts}" /><input type="submit" value="Go" /></form>
      <div style="display:flex;flex-flow:row nowrap;align-items:flex-end;">
        <div class="s" id="wm-nav-captures" style="flex:1;">
\t  <a class="t" href="/web/{ts}*/{original}" title="See a list of every capture for this URL">{captures} captures</a>
\t  <div class="r" title="Timespan for captures of this URL">{span}</div>
\t</div>
\t<div class="k">
\t  <a href="" id="wm-graph-anchor"><div id="wm-ipp-sparkline" title="Explore captures for this URL" style="position: relative"><canvas id="wm-sparkline-canvas" width="725" height="27" border="0"></canvas></div></a>
\t</div>
      </div>
    </div>
    <div class="n">
      <table><tbody>
\t<tr class="y"><td class="b" nowrap="nowrap"><a href="/web/{ts}/{original}" title="{day}">{day}</a></td></tr>
      </tbody></table>
    </div>
    <div class="r" style="display:flex;flex-flow:column nowrap;align-items:flex-end;justify-content:space-between;">
      <div id="wm-btns" style="white-space:nowrap;">
\t<a href="#close" onclick="__wm.h(event);return false;" style="display:block;" title="Close the toolbar">Close</a>
\t<a href="#help" title="Get some help using the Wayback Machine">Help</a>
      </div>
      <div id="wm-share" style="display: flex;">
\t<a href="/web/{ts}/http://web.archive.org/screenshot/{original}" id="wm-screenshot" title="screenshot"><span class="wm-icon-screen-shot"></span></a>
\t<a href="#" id="wm-video" title="video"><span class="iconochive-movies"></span></a>
\t<a id="wm-share-facebook" href="#" data-url="https://web.archive.org/web/{ts}/{original}" title="Share on Facebook"><span class="iconochive-facebook"></span></a>
\t<a id="wm-share-twitter" href="#" data-url="https://web.archive.org/web/{ts}/{original}" title="Share on Twitter"><span class="iconochive-twitter"></span></a>
      </div>
    </div>
  </div>
</div>
<div id="wm-ipp-print">The Wayback Machine - https://web.archive.org/web/{ts}/{original}</div>
<script type="text/javascript">//<![CDATA[
__wm.bt(750,27,25,2,"web","{original}","{ts}",1996,"https://web-static.archive.org/_static/",["https://web-static.archive.org/_static/css/banner-styles.css?v=p7PEIJWi","https://web-static.archive.org/_static/css/iconochive.css?v=3PDvdIFv"], false);
  __wm.rw(1);
//]]></script>
</div></div>
<!-- END WAYBACK TOOLBAR INSERT -->
"""


def wayback_tail(ts: str) -> str:
    """The comment the Wayback Machine appends after </html>."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    when = f"{ts[8:10]}:{ts[10:12]}:{ts[12:14]} {months[int(ts[4:6]) - 1]} {ts[6:8]}, {ts[:4]}"
    return f"""<!--
     FILE ARCHIVED ON {when} AND RETRIEVED FROM THE
     INTERNET ARCHIVE ON 14:03:19 Nov 03, 2025.
     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.

     ALL OTHER CONTENT MAY ALSO BE PROTECTED BY COPYRIGHT (17 U.S.C.
     SECTION 108(a)(3)).
-->
<!--
playback timings (ms):
  captures_list: 0.521
  exclusion.robots: 0.031
  exclusion.robots.policy: 0.02
  esindex: 0.011
  cdx.remote: 7.906
  LoadShardBlock: 147.27 (3)
  PetaboxLoader3.datanode: 171.563 (4)
  load_resource: 92.414
  PetaboxLoader3.resolve: 58.337
-->"""


TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^<>]*)?>")
URL_ATTR = re.compile(r"(\s)(href|src|action|background)=([\"'])(.*?)\3", re.IGNORECASE)


def rewrite_urls(page: str, rewrite: Callable[[str, str, str, str], str | None]) -> str:
    """Every href/src/action/background attribute of every tag passed through
    `rewrite(tag, attrs, name, value)` (None keeps it)."""

    def tag_sub(match: re.Match[str]) -> str:
        tag, attrs = match.group(1).lower(), match.group(2) or ""

        def attr_sub(am: re.Match[str]) -> str:
            new = rewrite(tag, attrs, am.group(2).lower(), am.group(4))
            if new is None:
                return am.group(0)
            return f"{am.group(1)}{am.group(2)}={am.group(3)}{new}{am.group(3)}"

        return f"<{match.group(1)}{URL_ATTR.sub(attr_sub, attrs)}>"

    return TAG.sub(tag_sub, page)


def wayback_copy(page: str, *, ts: str, original: str, captures: str, span: str) -> str:
    """`page` as the Wayback Machine replays a capture of `original` taken at `ts`: its scripts
    in <head>, its toolbar at the top of <body>, its comment after </html>, and every URL in
    an attribute rewritten to an absolute memento URL (`im_` for images, `js_` for scripts,
    `cs_` for stylesheets, `if_` for frames); `data-*` attributes and JSON left as they were."""

    def rewrite(tag: str, attrs: str, name: str, value: str) -> str | None:
        if not value or value.startswith(("mailto:", "javascript:", "data:", "#")):
            return None
        target = urljoin(original, value)
        if tag in ("img", "input", "amp-img") or name == "background":
            mod = "im_"
        elif tag == "script":
            mod = "js_"
        elif tag == "link" and "stylesheet" in attrs:
            mod = "cs_"
        elif tag in ("iframe", "frame"):
            mod = "if_"
        else:
            mod = ""
        return f"{ARCHIVE}/{ts}{mod}/{target}"

    out = rewrite_urls(page, rewrite)
    out = re.sub(
        r"(<head[^>]*>)", lambda m: m.group(1) + "\n" + wayback_head(ts, original), out, count=1
    )
    out = re.sub(
        r"(<body[^>]*>)",
        lambda m: m.group(1) + "\n" + wayback_toolbar(ts, original, captures, span),
        out,
        count=1,
    )
    return out.replace("</html>\n", "</html>\n" + wayback_tail(ts) + "\n", 1)


# --- a page saved from a browser ----------------------------------------------------------------

FILES = "./Relations with the Republic of Korea_files"


def saved_copy(page: str, *, url: str = TOPIC) -> str:
    """`page` (the DOM after its scripts ran) as Chrome's "Save page as…, Webpage, complete"
    writes it: the "saved from url" comment after the doctype, a Content-Type <meta> first in
    <head>, stylesheets, scripts (".js.download"), images and frames pointed at the
    `_files` folder, every other link made absolute; <noscript> contents are text in the DOM
    and comments are comments, so both are written back untouched."""
    seen: dict[str, int] = {}

    def local(value: str, suffix: str = "") -> str:
        name = urlsplit(urljoin(url, value)).path.rsplit("/", 1)[-1] or "saved_resource"
        count = seen.get(name, 0)
        seen[name] = count + 1
        if count:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}({count}).{ext}" if dot else f"{name}({count})"
        return f"{FILES}/{name}{suffix}"

    def rewrite(tag: str, attrs: str, name: str, value: str) -> str | None:
        if not value or value.startswith(("javascript:", "mailto:", "data:")):
            return None
        if tag == "img" and name == "src":
            return local(value)
        if tag == "script":
            return local(value, ".download")
        if tag == "link" and ("stylesheet" in attrs or "icon" in attrs):
            return local(value)
        if tag == "iframe":
            return f"{FILES}/saved_resource.html"
        return urljoin(url, value)

    pieces = re.split(r"(<noscript>.*?</noscript>|<!--.*?-->)", page, flags=re.DOTALL)
    out = "".join(
        p if p.startswith(("<noscript>", "<!--")) else rewrite_urls(p, rewrite) for p in pieces
    )
    out = out.replace(
        "<!DOCTYPE html>\n", f"<!DOCTYPE html>\n<!-- saved from url=({len(url):04d}){url} -->\n", 1
    )
    return re.sub(
        r"<head>",
        '<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
        out,
        count=1,
    )


# --- the set -------------------------------------------------------------------------------------

CONTENT_2024 = "2024-07-16_en_full"
CONTENT_2016 = "2016-10-06_en_opening"


def heldout() -> dict[str, tuple[str, str, str | None]]:
    """Every held-out page: name -> (text it renders, page HTML, URL if not the topic URL)."""
    c24 = load_content(CONTENT_2024)
    c16 = load_content(CONTENT_2016)
    print_url = f"{TOPIC}?selectedLocale=en&mode=print"
    new_url = "https://www.nato.int" + TITLE_2025_PATH
    ts_2008, ts_2014 = "20240720054712", "20240802131544"
    ts_2016, ts_2025 = "20161019143210", "20250918074211"
    return {
        "cps2008_tables": (CONTENT_2024, cps2008_page(c24), None),
        "cps2008_tables_2016": (CONTENT_2016, cps2008_page(c16), None),
        "cps2012_tables": (CONTENT_2024, cps2012_page(c24), None),
        "cps2012_tables_2016": (CONTENT_2016, cps2012_page(c16), None),
        "responsive_2014": (CONTENT_2024, responsive2014_page(c24), None),
        "responsive_2014_2016": (CONTENT_2016, responsive2014_page(c16), None),
        "component_2025": (CONTENT_2024, component2025_page(c24), new_url),
        "print_2024": (CONTENT_2024, print_page(c24), print_url),
        "print_2016": (CONTENT_2016, print_page(c16), print_url),
        "amp_2024": (CONTENT_2024, amp_page(c24), f"{TOPIC}?amp=1"),
        "amp_2016": (CONTENT_2016, amp_page(c16), f"{TOPIC}?amp=1"),
        "saved_browser_2014": (
            CONTENT_2024,
            saved_copy(responsive2014_page(c24, after_js=True)),
            None,
        ),
        "wayback_cps2012_2016": (
            CONTENT_2016,
            wayback_copy(
                cps2012_page(c16), ts=ts_2016, original=TOPIC, captures="212",
                span="12 Oct 2012 - 19 Oct 2016",
            ),
            f"{ARCHIVE}/{ts_2016}/{TOPIC}",
        ),
        "wayback_cps2008_tables": (
            CONTENT_2024,
            wayback_copy(
                cps2008_page(c24), ts=ts_2008, original=TOPIC, captures="1,431",
                span="12 Oct 2012 - 20 Jul 2024",
            ),
            f"{ARCHIVE}/{ts_2008}/{TOPIC}",
        ),
        "wayback_responsive_2014": (
            CONTENT_2024,
            wayback_copy(
                responsive2014_page(c24), ts=ts_2014, original=TOPIC, captures="1,436",
                span="12 Oct 2012 - 02 Aug 2024",
            ),
            f"{ARCHIVE}/{ts_2014}/{TOPIC}",
        ),
        "wayback_component_2025": (
            CONTENT_2024,
            wayback_copy(
                component2025_page(c24), ts=ts_2025, original=new_url, captures="37",
                span="21 Mar 2025 - 18 Sep 2025",
            ),
            f"{ARCHIVE}/{ts_2025}/{new_url}",
        ),
    }  # fmt: skip


def page_bytes(page: str) -> bytes:
    """The page as its server sends it: in the charset it declares. A page that says
    iso-8859-1 is written as old CMSes did, as Windows-1252 (curly quotes as bytes 0x91-0x94,
    which browsers read as such), characters beyond it as numeric references."""
    declared = re.search(r"charset=([\w-]+)", page[:2048], re.I)
    if declared and declared.group(1).lower() in ("iso-8859-1", "latin-1", "windows-1252"):
        return page.encode("cp1252", errors="xmlcharrefreplace")
    return page.encode("utf-8")


def main() -> None:
    """Write every page.html (and url.txt, text.txt) under tests/heldout/."""
    pages = heldout()
    for name, (text, page, url) in pages.items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        (folder / "page.html").write_bytes(page_bytes(page))
        (folder / "text.txt").write_text(text + "\n", encoding="utf-8")
        url_file = folder / "url.txt"
        if url:
            url_file.write_text(url + "\n", encoding="utf-8")
        elif url_file.exists():
            url_file.unlink()
    print(f"wrote {len(pages)} held-out pages under {HERE}")


if __name__ == "__main__":
    main()
