"""URL identity, in one place: the canonical form of a URL and which URLs name the same page.

- `canonical_url` is the one form links are compared and stored in (a document's links and
  image sources, so a session id or a host spelling never reads as a change).
- `page_identity` / `same_page` say whether two URLs show the same page (a Wayback capture or
  a WARC record of one of the page's published shapes belongs to the target).
- `page_language` is the language a CPS URL asks for (`selectedLocale`, else the locale
  prefix): what tells the English page from its French translation.
- `redact_url` is a URL as it may be logged or published: without credentials, and for a
  webhook without the path and query that usually carry its token; `redact_text` takes the
  credentials out of every URL inside a message.

nato.int publishes one page under many shapes (FACTS.md): `/cps/<lang>/natohq/…` and
`/cps/<lang>/natolive/…`, `SID-…` session segments, another locale prefix with
`?selectedLocale=<lang>` choosing the language, a bare trailing `?`, http or https, and the
host with or without `www.`. All of them are written in one shape: https, `www.nato.int`,
`/cps/<language>/natohq/<file>`, no session segment, no `selectedLocale`.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

SID_SEGMENT = re.compile(r"^SID-[0-9A-F]+(?:-[0-9A-F]+)*$", re.I)
# A nato.int CPS path once session segments are gone: /cps/<locale>/<natohq|natolive>/<rest>.
_NATO_CPS = re.compile(r"^/cps/(?P<lang>[A-Za-z]{2})/(?:natolive|natohq)/(?P<rest>.*)$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_WAYBACK_URL = re.compile(
    r"^(?:https?:)?(?://[^/?#]*)?/web/\d{1,14}(?:[a-z]{2}_)?/+(https?:/.*)$", re.I
)
_SCHEME_SLASHES = re.compile(r"^(https?):/+", re.I)
# The `user:password@` of a URL inside any text.
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/?#@]+@", re.I)
_NOT_WEB = ("mailto:", "tel:", "javascript:", "data:")
DEFAULT_PORTS = {"http": 80, "https": 443}
NATO_HOST = "www.nato.int"


def is_nato_host(host: str) -> bool:
    """Whether `host` (lower case, no port) is nato.int or one of its subdomains."""
    return host == "nato.int" or host.endswith(".nato.int")


def unwrap_wayback(url: str) -> str:
    """The original URL inside a Wayback Machine URL (on any host, so mirrors work too)."""
    for _ in range(2):  # a memento of a memento is unwrapped too
        match = _WAYBACK_URL.match(url)
        if not match:
            break
        url = _SCHEME_SLASHES.sub(lambda m: m.group(1).lower() + "://", match.group(1), count=1)
    return url


def canonical_url(href: str, *, base: str) -> str:
    """Resolve `href` against `base` into the one form URLs are compared and stored in.

    Absolute; a Wayback Machine rewrite (`https://web.archive.org/web/<ts>[im_]/<original>`)
    undone; `SID-…` session path segments, the `selectedLocale` query parameter, a bare
    trailing `?` and the fragment removed; scheme and host lower-cased, default ports dropped.
    On nato.int, the page's other shapes are written in one (see the module docstring).
    Non-web links (`mailto:`, `tel:`, `javascript:`, `data:`) and hrefs that are not URLs at
    all come back as written.
    """
    href = "".join(href.split()) if ("\n" in href or "\t" in href) else href.strip()
    if href[:11].lower().startswith(_NOT_WEB):
        return href
    try:
        # The page's own URL may carry credentials (a target's `user:password@`); its links
        # must not inherit them, or they would be stored and published with every version.
        page = _USERINFO.sub(r"\1", unwrap_wayback(base.strip()))
        split = _Split.of(unwrap_wayback(urljoin(page, href)))
    except ValueError:  # not a URL at all (a broken IPv6 host, …): keep what the page says
        return href
    scheme, netloc, path = split.scheme, split.netloc, split.path
    if is_nato_host(netloc):
        netloc = NATO_HOST if netloc == "nato.int" else netloc
        path = _nato_path(path, split.locale)
        scheme = "https" if scheme == "http" else scheme
    return urlunsplit((scheme, netloc, path, split.query, ""))


def page_identity(url: str) -> tuple[str, ...] | None:
    """What identifies the page `url` shows, or None when it is not an http(s) URL.

    What `canonical_url` keeps, further freed of what never tells two pages apart: the
    scheme, a leading `www.`, the order of query parameters, and the case of a CPS page's file
    name. The CPS shapes count on any host (a mirror, a local stand-in), not only nato.int.
    """
    try:
        split = _Split.of(unwrap_wayback(url.strip()))
        port = urlsplit(f"//{split.netloc}").port
    except ValueError:
        return None
    host = urlsplit(f"//{split.netloc}").hostname
    if split.scheme not in ("http", "https") or not host:
        return None
    host = host.removeprefix("www.") + (f":{port}" if port is not None else "")
    query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(split.query, True)))
    cps = _NATO_CPS.match(_nato_path(split.path, split.locale))
    if cps is not None:
        return ("cps", host, cps.group("lang").lower(), cps.group("rest").lower(), query)
    return ("url", host, split.path, split.locale or "", query)


def same_page(url: str, target_url: str) -> bool:
    """Whether `url` is one of the URL shapes `target_url`'s page is published under.

    `/cps/fr/natohq/topics_50098.htm?selectedLocale=en` is the English page,
    `/cps/fr/natohq/topics_50098.htm` the French one; any other query parameter (such as
    `?mode=print`) makes another page.
    """
    mine = page_identity(url)
    return mine is not None and mine == page_identity(target_url)


def page_language(url: str) -> str | None:
    """The language (ISO 639-1, lower case) a CPS page URL shows: its `selectedLocale`
    parameter when it names one, else its `/cps/<lang>/` prefix; None for any other URL."""
    try:
        split = _Split.of(unwrap_wayback(url.strip()))
    except ValueError:
        return None
    cps = _NATO_CPS.match(_nato_path(split.path, split.locale))
    return cps.group("lang").lower() if cps is not None else None


def cps_file(url: str) -> str | None:
    """The file name of a CPS page URL (`topics_50098.htm`), whatever its shape; else None."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    clean = "/".join(seg for seg in path.split("/") if not SID_SEGMENT.match(seg))
    match = _NATO_CPS.match(clean)
    return match.group("rest") if match and "/" not in match.group("rest") else None


def host_key(url: str) -> str:
    """The host of `url` as page identity sees it: lower case, no `www.`, a port only when it
    is not the scheme's default."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return host


def redact_url(url: str, *, keep_path: bool = True) -> str:
    """`url` as it may be logged or published: any `user:password@` replaced by `…@`, and
    with `keep_path=False` (a webhook, whose path and query usually hold its secret token)
    the path and query replaced by `…`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    if keep_path:
        return redact_text(url)  # the URL as written, but for its credentials
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "…@" + netloc.rpartition("@")[2]
    if parts.path not in ("", "/"):
        return f"{parts.scheme}://{netloc}/…"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """`text` (a message, a log line) with the `user:password@` of every URL in it replaced
    by `…@`."""
    return _USERINFO.sub(r"\1…@", text)


@dataclass(frozen=True)
class _Split:
    """An absolute URL's parts once what never names a page is gone: the fragment, `SID-…`
    path segments, a bare `?`, default ports; `selectedLocale` apart from the query."""

    scheme: str
    netloc: str
    path: str
    locale: str | None
    query: str

    @classmethod
    def of(cls, url: str) -> _Split:
        """Split `url`; `ValueError` when it is not a URL at all."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        netloc = _normal_netloc(parts.netloc, scheme)
        path = "/".join(seg for seg in parts.path.split("/") if not SID_SEGMENT.match(seg))
        if netloc and not path:
            path = "/"
        pairs = [pair for pair in parts.query.split("&") if pair]
        locale = next(
            (p.split("=", 1)[1] for p in pairs if p.lower().startswith("selectedlocale=")), None
        )
        query = "&".join(p for p in pairs if p.split("=", 1)[0].lower() != "selectedlocale")
        return cls(scheme, netloc, path, locale, query)


def _nato_path(path: str, locale: str | None) -> str:
    """One shape for nato.int's CMS paths: `natohq` for `natolive`, the language the
    `selectedLocale` parameter picks for the locale prefix."""
    match = _NATO_CPS.match(path)
    if not match:
        return path
    language = (locale or match.group("lang")).lower()
    if not _LANGUAGE.fullmatch(language):
        language = match.group("lang").lower()
    return f"/cps/{language}/natohq/{match.group('rest')}"


def _normal_netloc(netloc: str, scheme: str) -> str:
    if not netloc:
        return netloc
    userinfo, _, hostport = netloc.rpartition("@")
    host, sep, port = hostport.rpartition(":") if not hostport.endswith("]") else ("", "", "")
    if not sep or not port.isdigit():
        host, port = hostport, ""
    host = host.lower()
    if port and DEFAULT_PORTS.get(scheme) == int(port):
        port = ""
    out = f"{host}:{port}" if port else host
    return f"{userinfo}@{out}" if userinfo else out
