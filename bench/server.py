"""A local copy of the watched page for benchmarks: N versions, switchable in-process.

Owns: generating a realistic version history of NATO's "Relations with the Republic of Korea"
page (the real 2024 text in the nato.int-like template of `tests/pages.py`, padded to about
40 KB with the template noise the real site carries — a mega-menu, footer link lists, inline
scripts), and serving it from a stdlib `ThreadingHTTPServer` on 127.0.0.1 the way a careful
web server does: ETag and Last-Modified on every page, 304 to a matching conditional request,
gzip when asked for, a robots.txt that allows everything.

Each version after the first makes one small edit a CMS editor would make — a word swapped,
a number changed, a bullet added or taken out again — and carries a new "Last updated" stamp,
so every version is a real change for any tool. The bench switches versions with
`PageServer.set_version(i)`: no sleeps, no restart, the next request sees the new page.

Other benches import it: `with PageServer(build_versions(200)) as server: server.url`.
Run alone (`python -m bench.server --versions 200`) it prints the page URL and switches
version on stdin lines `version N` (and `conditional on|off`), for trying tools by hand.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import random
import re
import sys
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

# The fixture pages live in tests/; the bench runs from a checkout, so the repo root is the
# import root (as it is for pytest).
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.pages import SID, Item, PageContent, Part, load_content, nato_page

PAGE_PATH = "/cps/en/natohq/topics_50098.htm"
"""The path the page is served under, the same as on nato.int."""

BRUSSELS = ZoneInfo("Europe/Brussels")
FIRST_STAMP = datetime(2024, 7, 16, 10, 28, tzinfo=BRUSSELS)
# Spacing between two versions' stamps: uneven, so hours, days and months all roll over.
STAMP_STEP = timedelta(days=2, hours=3, minutes=7)
MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May.", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.",
          "Nov.", "Dec.")  # fmt: skip
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"

# Wording swaps an editor makes on this kind of page; applied one occurrence at a time, in
# either direction, so a long history keeps finding words to change.
WORD_SWAPS = (
    ("committed to", "determined to"),
    ("important", "vital"),
    ("enhancing", "deepening"),
    ("regularly", "consistently"),
    ("steadfast", "unwavering"),
    ("strong condemnation", "strongest condemnation"),
    ("interested in", "committed to"),
    ("key", "essential"),
    ("dialogue", "consultations"),
    ("mutually beneficial", "of mutual benefit"),
    ("further enhanced", "further strengthened"),
    ("cooperate", "work together"),
)
NUMBER = re.compile(r"(?<![\d.,])\d{1,4}(?![\d.,]\d)")
# Bullets that come and go: the kind of news line the page gains after a summit or a visit.
NEW_BULLETS = (
    "In October 2024, the Republic of Korea hosted a NATO delegation in Seoul for staff talks "
    "on cyber defence and the protection of critical undersea infrastructure.",
    "The Republic of Korea contributed to the NATO Trust Fund for Ukraine’s Comprehensive "
    "Assistance Package, including non-lethal military equipment and medical supplies.",
    "In 2025, NATO and the Republic of Korea agreed to step up information sharing on the "
    "military cooperation between Russia and the Democratic People’s Republic of Korea.",
    "Korean defence officials took part in NATO’s Defence Innovation Accelerator for the "
    "North Atlantic (DIANA) partner workshops for the first time.",
    "The Republic of Korea joined NATO’s Coalition for Cyber Defence Capacity Building as an "
    "observer, offering training places at its national cyber academy.",
    "Military staff from the Republic of Korea attended the NATO Defense College’s senior "
    "course in Rome, strengthening people-to-people contacts with Allies.",
)


@dataclass(frozen=True)
class PageVersion:
    """One version of the page as served: its content, bytes and cache validators."""

    index: int
    content: PageContent
    edit: str
    html: str
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: str


def format_stamp(moment: datetime) -> str:
    """A "Last updated" stamp as nato.int writes it: `16 Jul. 2024 10:28` (dot after every
    month, 24-hour clock, Brussels time, no zone)."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"


def pad_page(page: str) -> str:
    """`page` with the template noise of the real site added: a mega-menu, footer link
    lists and inline scripts (about 40 KB in all), none of it article content."""
    page = page.replace("</head>", _head_scripts() + "</head>", 1)
    page = page.replace("</header>", _mega_menu() + "\n</header>", 1)
    page = page.replace("</footer>", _footer_lists() + "\n</footer>", 1)
    return page.replace("</body>", _body_scripts() + "</body>", 1)


def build_versions(count: int, *, seed: int = 2024) -> tuple[PageVersion, ...]:
    """`count` versions of the page: the real 2024 text first, then one small edit each.

    Deterministic for a given `seed`, so two runs of a bench serve the same history.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    rng = random.Random(seed)
    content = load_content()
    added: list[Item] = []
    versions = [_version(0, content, "the real page of 16 Jul. 2024", FIRST_STAMP)]
    for index in range(1, count):
        content, edit = _edit(content, index, rng, added)
        stamped = FIRST_STAMP + index * STAMP_STEP
        content = replace(content, stamp=format_stamp(stamped))
        versions.append(_version(index, content, edit, stamped))
    return tuple(versions)


def _version(index: int, content: PageContent, edit: str, stamped: datetime) -> PageVersion:
    html = pad_page(nato_page(content))
    body = html.encode("utf-8")
    return PageVersion(
        index=index,
        content=content,
        edit=edit,
        html=html,
        body=body,
        # mtime=0: the same version always compresses to the same bytes.
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        # The server says the page changed when its stamp says so, as a CMS would.
        last_modified=email.utils.format_datetime(stamped.astimezone(UTC), usegmt=True),
    )


def _edit(
    content: PageContent, index: int, rng: random.Random, added: list[Item]
) -> tuple[PageContent, str]:
    """One editor's change, cycling word → number → new bullet → bullet taken out."""
    kind = index % 4
    if kind == 3 and added:
        gone = added.pop()
        # Found by its mark, not its text: a later word edit may have changed the text.
        parts = tuple(
            Part(p.heading, tuple(i for i in p.items if i.src != gone.src)) for p in content.parts
        )
        return replace(content, parts=parts), f"bullet removed: {gone.text[:50]}…"
    if kind == 2 or kind == 3:
        # `src` is unused for bullets; it marks the bullet so it can be taken out again.
        item = Item("li", NEW_BULLETS[(index // 4) % len(NEW_BULLETS)], src=f"bench-{index}")
        # Into a section that already has bullets, at a random place among them.
        candidates = [
            n for n, p in enumerate(content.parts) if any(i.kind == "li" for i in p.items)
        ]
        part_no = rng.choice(candidates)
        part = content.parts[part_no]
        bullets = [n for n, i in enumerate(part.items) if i.kind == "li"]
        at = rng.choice(bullets) + 1
        items = (*part.items[:at], item, *part.items[at:])
        added.append(item)
        return _with_part(content, part_no, Part(part.heading, items)), (
            f"bullet added in {part.heading or 'the lead'}: {item.text[:50]}…"
        )
    blocks = [
        (p, n) for p, part in enumerate(content.parts) for n, i in enumerate(part.items)
        if i.kind in ("p", "li")
    ]  # fmt: skip
    rng.shuffle(blocks)
    for part_no, item_no in blocks:
        item = content.parts[part_no].items[item_no]
        if kind == 0:
            swaps = [(a, b) for a, b in WORD_SWAPS if re.search(rf"\b{a}\b", item.text)]
            swaps += [(b, a) for a, b in WORD_SWAPS if re.search(rf"\b{b}\b", item.text)]
            if not swaps:
                continue
            old, new = rng.choice(swaps)
            text = re.sub(rf"\b{old}\b", new, item.text, count=1)
            what = f"word: {old!r} -> {new!r}"
        else:
            numbers = list(NUMBER.finditer(item.text))
            if not numbers:
                continue
            match = rng.choice(numbers)
            number = str(int(match.group()) + 1)
            text = item.text[: match.start()] + number + item.text[match.end() :]
            what = f"number: {match.group()} -> {number}"
        part = content.parts[part_no]
        items = (*part.items[:item_no], replace(item, text=text), *part.items[item_no + 1 :])
        return _with_part(content, part_no, Part(part.heading, items)), (
            f"{what} in {part.heading or 'the lead'}"
        )
    raise AssertionError("the page has no word or number left to edit")


def _with_part(content: PageContent, part_no: int, part: Part) -> PageContent:
    parts = (*content.parts[:part_no], part, *content.parts[part_no + 1 :])
    return replace(content, parts=parts)


# -- template noise ------------------------------------------------------------------------------

MENU = {
    "Who we are": [
        "What is NATO?", "NATO member countries", "Organization", "Structures",
        "Secretary General", "Deputy Secretary General", "Chair of the Military Committee",
        "North Atlantic Council", "Military Committee", "NATO Parliamentary Assembly",
        "Allied Command Operations", "Allied Command Transformation", "NATO Agencies",
        "History", "Founding treaty", "Emblem", "Declassified archives", "Jobs at NATO",
    ],
    "What we do": [
        "Deterrence and defence", "Crisis prevention and management", "Cooperative security",
        "Operations and missions", "Defence expenditures", "Nuclear deterrence",
        "Integrated Air and Missile Defence", "Cyber defence", "Counter-terrorism",
        "Emerging and disruptive technologies", "Energy security", "Climate change and security",
        "Human security", "Women, Peace and Security", "Arms control", "Maritime security",
        "Space", "Resilience", "Standardization", "Logistics",
    ],
    "Partnerships": [
        "Partnerships: projecting stability", "Euro-Atlantic Partnership Council",
        "Mediterranean Dialogue", "Istanbul Cooperation Initiative", "Partners across the globe",
        "Relations with Australia", "Relations with Japan", "Relations with New Zealand",
        "Relations with the Republic of Korea", "Relations with the European Union",
        "Relations with the United Nations", "Relations with Ukraine", "Relations with Georgia",
        "Relations with the Republic of Moldova", "Relations with Bosnia and Herzegovina",
        "Defence and Related Security Capacity Building", "Partnership Interoperability Initiative",
    ],
    "News and media": [
        "News", "Press releases", "Speeches and transcripts", "Photo gallery", "Videos",
        "Audio", "Podcasts", "NATO Review", "Publications", "Official texts", "Events",
        "Media accreditation", "Newsroom", "NATO channel",
    ],
    "Summits and ministerials": [
        "Washington Summit 2024", "Vilnius Summit 2023", "Madrid Summit 2022",
        "Brussels Summit 2021", "Meetings of Foreign Ministers", "Meetings of Defence Ministers",
        "Summit declarations", "Strategic Concept 2022", "Ministerial communiqués",
    ],
    "Contact and visit": [
        "Contact us", "Visit NATO HQ", "Information offices", "Public diplomacy",
        "Library", "Archives", "Frequently asked questions", "Accessibility", "Sitemap",
    ],
}  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _mega_menu() -> str:
    columns = []
    for n, (heading, links) in enumerate(MENU.items()):
        items = "\n".join(
            f'<li class="mega-item"><a href="/cps/en/{SID}/natohq/topics_{51000 + 37 * n + k}.htm" '
            f'data-track="menu-{_slug(link)}">{link}</a></li>'
            for k, link in enumerate(links)
        )
        columns.append(
            f'<div class="mega-col mega-col-{n + 1}"><h3 class="mega-heading">{heading}</h3>\n'
            f'<ul class="mega-list">\n{items}\n</ul></div>'
        )
    return (
        '<div class="mega-menu" id="mega-menu" role="menu" aria-hidden="true">\n'
        + "\n".join(columns)
        + "\n</div>"
    )


FOOTER = {
    "About NATO": ["What is NATO?", "NATO member countries", "Structures", "History", "Jobs"],
    "Media": ["Newsroom", "Press releases", "Photos", "Videos", "Media accreditation"],
    "Resources": ["Official texts", "Publications", "NATO Review", "Library", "Archives"],
    "Follow us": ["Facebook", "X", "Instagram", "YouTube", "LinkedIn", "Flickr", "RSS"],
    "Legal": ["Privacy", "Cookies", "Terms of use", "Accessibility statement", "Sitemap"],
}


def _footer_lists() -> str:
    cols = []
    for heading, links in FOOTER.items():
        items = "\n".join(
            f'<li><a href="/cps/en/{SID}/natohq/{_slug(link)}.htm" data-track="footer-{_slug(link)}">'
            f"{link}</a></li>"
            for link in links
        )
        cols.append(
            f'<div class="footer-col"><h4>{heading}</h4><ul class="footer-links">\n{items}\n</ul></div>'
        )
    return (
        '<div class="footer-columns">\n' + "\n".join(cols) + "\n</div>\n"
        '<p class="footer-legal">NATO - North Atlantic Treaty Organization, Boulevard Leopold III, '
        "1110 Brussels, Belgium. The contents of this website are protected by copyright.</p>"
    )


def _head_scripts() -> str:
    crumbs = ",".join(
        f'{{"@type":"ListItem","position":{n},"name":"{name}","item":"https://www.nato.int/cps/en/natohq/{path}"}}'
        for n, (name, path) in enumerate(
            [("Home", "index.htm"), ("Topics", "topics.htm"), ("Partners", "topics_49188.htm"),
             ("Relations with the Republic of Korea", "topics_50098.htm")],
            start=1,
        )
    )  # fmt: skip
    return (
        '<script type="application/ld+json">{"@context":"https://schema.org",'
        f'"@type":"BreadcrumbList","itemListElement":[{crumbs}]}}</script>\n'
        '<link rel="preload" href="/nato_static_fl2014/assets/fonts/roboto-regular.woff2" as="font" '
        'type="font/woff2" crossorigin>\n'
        '<link rel="alternate" hreflang="fr" href="https://www.nato.int/cps/fr/natohq/topics_50098.htm">\n'
        '<link rel="alternate" hreflang="ru" href="https://www.nato.int/cps/ru/natohq/topics_50098.htm">\n'
    )


def _body_scripts() -> str:
    # The site ships its UI strings inline: several KB of script on every page.
    words = [link for links in MENU.values() for link in links]
    translations = ",\n".join(f'  "{_slug(w)}": {{"en": "{w}", "fr": "{w} (FR)"}}' for w in words)
    return f"""<script>
window.naTranslations = {{
{translations}
}};
</script>
<script>
(function () {{
  var menu = document.getElementById("mega-menu");
  document.querySelectorAll(".has-sub > a").forEach(function (link) {{
    link.addEventListener("click", function (event) {{
      event.preventDefault();
      var open = menu.getAttribute("aria-hidden") === "false";
      menu.setAttribute("aria-hidden", open ? "true" : "false");
    }});
  }});
  var bar = document.getElementById("cookie-bar");
  if (bar && document.cookie.indexOf("nato_cookie_ok=1") !== -1) {{ bar.style.display = "none"; }}
  var tracked = document.querySelectorAll("[data-track]");
  for (var i = 0; i < tracked.length; i++) {{
    tracked[i].addEventListener("click", function () {{
      var key = this.getAttribute("data-track");
      if (window.ga) {{ window.ga("send", "event", "nav", key, window.location.pathname); }}
    }});
  }}
}})();
</script>
"""


# -- serving -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedCounts:
    """What the server answered so far: full pages, 304s, robots.txt and anything else."""

    pages: int
    not_modified: int
    robots: int
    other: int


class PageServer:
    """Serves one version of the page at a time on 127.0.0.1; the bench switches versions.

    `conditional=False` makes it ignore validators (always a full 200), like a server that
    sends ETags but never answers 304; `gzip=False` never compresses.
    """

    def __init__(
        self, versions: tuple[PageVersion, ...], *, conditional: bool = True, gzip: bool = True
    ) -> None:
        if not versions:
            raise ValueError("at least one version is needed")
        self.versions = versions
        self.conditional = conditional
        self.gzip = gzip
        self._current = versions[0]
        self._lock = threading.Lock()
        self._counts = {"pages": 0, "not_modified": 0, "robots": 0, "other": 0}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the OS gave the server."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The page's URL on this server."""
        return f"http://127.0.0.1:{self.port}{PAGE_PATH}"

    @property
    def current(self) -> PageVersion:
        """The version being served now."""
        return self._current

    def set_version(self, index: int) -> PageVersion:
        """Serve version `index` from the next request on; return it."""
        self._current = self.versions[index]
        return self._current

    def counts(self) -> ServedCounts:
        """How many answers of each kind the server gave since it started."""
        with self._lock:
            return ServedCounts(**self._counts)

    def count(self, kind: str) -> None:
        """Count one answer of `kind` (called by the request handler)."""
        with self._lock:
            self._counts[kind] += 1

    def start(self) -> int:
        """Serve in a background thread; return the port."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> PageServer:
        """Start serving for the length of a `with` block."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()


def not_modified(
    version: PageVersion, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether a conditional GET may be answered 304 (RFC 9110 §13.2.2: If-None-Match, when
    sent, decides alone, by weak comparison; else If-Modified-Since against Last-Modified)."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return version.etag.removeprefix("W/") in wanted
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return email.utils.parsedate_to_datetime(version.last_modified) <= since
    return False


def _handler_for(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server
        # TCP_NODELAY, as nginx and Apache set it: headers and body go out as two writes, and
        # with Nagle on the body waits for the client's delayed ACK (~40 ms a response).
        disable_nagle_algorithm = True
        server_version = "Apache"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                server.count("robots")
                self._send(200, ROBOTS_TXT, {"Content-Type": "text/plain"}, send_body)
                return
            if path != PAGE_PATH:
                server.count("other")
                self._send(404, b"not found\n", {"Content-Type": "text/plain"}, send_body)
                return
            version = server.current
            validators = {"ETag": version.etag, "Last-Modified": version.last_modified}
            if server.conditional and not_modified(
                version, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            ):
                server.count("not_modified")
                self._send(304, b"", validators, False)
                return
            server.count("pages")
            headers = {
                **validators,
                "Content-Type": "text/html; charset=UTF-8",
                "Cache-Control": "max-age=0, must-revalidate",
                "Vary": "Accept-Encoding",
            }
            body = version.body
            if server.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = version.gzipped
                headers["Content-Encoding"] = "gzip"
            self._send(200, body, headers, send_body)

        def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the bench counts answers; a line per request would only slow it down

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve N versions; print the URL; switch on stdin (`version N`, `conditional on|off`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--versions", type=int, default=200, help="how many versions (200)")
    parser.add_argument("--no-gzip", action="store_true", help="never compress")
    args = parser.parse_args(argv)
    versions = build_versions(args.versions)
    with PageServer(versions, gzip=not args.no_gzip) as server:
        sys.stdout.write(f"{server.url}\n")
        sys.stdout.write(f"serving version 0 of {len(versions)} ({len(versions[0].body)} bytes)\n")
        sys.stdout.flush()
        for line in sys.stdin:
            words = line.split()
            if len(words) == 2 and words[0] == "version" and words[1].isdigit():
                version = server.set_version(int(words[1]))
                sys.stdout.write(f"serving version {version.index}: {version.edit}\n")
            elif len(words) == 2 and words[0] == "conditional":
                server.conditional = words[1] == "on"
                sys.stdout.write(f"conditional requests {'on' if server.conditional else 'off'}\n")
            else:
                sys.stdout.write("commands: version N | conditional on|off\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
