"""Citing a version: what a reference to the page as it stood at one version says, and its
plain-text, BibTeX (biblatex `@online`) and CSL-JSON forms.

`Citation.of(version)` gathers the facts once: title, publisher, the page's URL (its
canonical form, never a session URL), the page's own "Last updated" stamp, the capture time
(UTC), the sha256 of the raw response, where an imported capture came from (the Wayback
Machine's memento URL, or the WARC record), and the tool and parser versions. The renderers
only format them: `citation_parts` is the reference-list entry as runs of text, links and
hashes, which plain text (`citation_text`), Markdown (`reports.markdown`) and HTML (the
`citation.html` template) each write in their own way.

Pure: a version in, text out; no clock (the capture time is the version's), so a report that
carries a citation is rebuilt byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scraper import __version__
from scraper.core.document import LastUpdated
from scraper.core.records import Source, Version
from scraper.urls import canonical_url, is_nato_host, redact_url

NATO = "North Atlantic Treaty Organization"
TOOL = "nato-watch"
STYLES = ("text", "markdown", "bibtex", "csl-json")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WAYBACK = "the Internet Archive's Wayback Machine"
# Characters with a meaning in a BibTeX value, and how to write them as text.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


@dataclass(frozen=True)
class Citation:
    """The facts a citation of one version gives."""

    target: str
    version_id: str
    title: str
    publisher: str
    url: str
    last_updated: LastUpdated | None
    captured_at: datetime
    raw_sha256: str
    content_hash: str
    source: Source
    memento_url: str | None  # the Wayback memento, or `<file>#<record id>` of a WARC import
    parser_version: str
    tool_version: str = __version__

    @classmethod
    def of(cls, version: Version) -> Citation:
        """The citation of `version`."""
        prov = version.provenance
        url = redact_url(canonical_url(prov.url, base=prov.url))
        return cls(
            target=version.target,
            version_id=version.id,
            title=version.document.title,
            publisher=publisher_of(url),
            url=url,
            last_updated=version.document.last_updated,
            captured_at=version.captured_at,
            raw_sha256=prov.raw_sha256,
            content_hash=version.content_hash,
            source=prov.source,
            memento_url=prov.memento_url,
            parser_version=prov.parser_version,
        )

    @property
    def key(self) -> str:
        """The citation key (BibTeX) and item id (CSL-JSON): target and version id."""
        return f"{self.target}-{self.version_id}"

    @property
    def bundle_command(self) -> str:
        """The command that writes this version's evidence bundle."""
        return f"{TOOL} bundle {self.version_id} --target {self.target}"

    @property
    def stamp_words(self) -> str | None:
        """The page's stamp for people: `16 July 2024, 10:28 CEST` (None when it has none)."""
        if self.last_updated is None:
            return None
        at = self.last_updated.at
        return f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at:%H:%M} {at.tzname()}"

    @property
    def captured_words(self) -> str:
        """The capture time for people: `2024-07-17 06:00:00 UTC`."""
        return self.captured_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    @property
    def reader(self) -> str:
        """The tool and parser that read the capture: `nato-watch 0.1.0 (parser 3)`."""
        return f"{TOOL} {self.tool_version} (parser {self.parser_version})"


def publisher_of(url: str) -> str:
    """Who publishes the page at `url`: NATO on nato.int, else the host as written."""
    host = (urlsplit(url).hostname or "").lower()
    if is_nato_host(host):
        return NATO
    return urlsplit(url).netloc or url


@dataclass(frozen=True)
class Part:
    """A run of a citation: plain words, a link (`href` set), or a hash (`code`)."""

    text: str
    href: str | None = None
    code: bool = False


def citation_parts(c: Citation) -> tuple[Part, ...]:
    """The citation as a reference-list entry, in runs that each renderer writes its way."""
    title = c.title.strip() or "(untitled page)"
    end = "" if title[-1] in ".?!" else "."
    parts = [Part(f"{c.publisher}. “{title}{end}” ")]
    stamp = c.stamp_words
    parts.append(Part(f"Last updated {stamp}. " if stamp else "No “Last updated” date shown. "))
    parts += [Part(c.url, href=c.url), Part(f". Captured {c.captured_words} ")]
    if c.source is Source.WAYBACK and c.memento_url:
        parts += [Part(f"by {WAYBACK}, "), Part(c.memento_url, href=c.memento_url)]
        parts.append(Part(f"; read by {c.reader}"))
    elif c.source is Source.WARC:
        where = f" ({c.memento_url})" if c.memento_url else ""
        parts.append(Part(f"from a WARC file{where}; read by {c.reader}"))
    else:
        parts.append(Part(f"by {c.reader}"))
    parts += [Part("; raw response sha256 "), Part(c.raw_sha256, code=True), Part(".")]
    return tuple(parts)


def citation_text(c: Citation) -> str:
    """The citation as one line of plain text, as a reference list has it."""
    return "".join(part.text for part in citation_parts(c))


def _note(c: Citation) -> str:
    """What a bibliography entry's note says: the stamp, the capture and its hash."""
    stamp = c.stamp_words
    words = [f"Last updated {stamp}." if stamp else "No “Last updated” date shown."]
    how = f"by {c.reader}"
    if c.source is Source.WAYBACK and c.memento_url:
        how = f"by {WAYBACK} ({c.memento_url}), read by {c.reader}"
    elif c.source is Source.WARC:
        how = f"from a WARC file, read by {c.reader}"
    words.append(f"Captured {c.captured_words} {how}.")
    words.append(f"Raw response sha256 {c.raw_sha256}.")
    return " ".join(words)


def citation_bibtex(c: Citation) -> str:
    """The citation as a biblatex `@online` entry (Zotero, pandoc, biber and BibTeX read it).

    The publisher is a corporate author, braced so it is not read as "family, given"; the
    title is braced so its capitals are kept; `date` is the page's stamp, `urldate` the
    capture day (UTC), and `note` holds the capture time and the raw response's sha256.
    """
    fields: list[tuple[str, str]] = [
        ("author", f"{{{_bibtex(c.publisher)}}}"),
        ("title", f"{{{_bibtex(c.title)}}}"),
        ("organization", f"{{{_bibtex(c.publisher)}}}"),
    ]
    if c.last_updated is not None:
        fields.append(("date", c.last_updated.at.date().isoformat()))
    fields += [
        ("url", _bibtex_url(c.url)),
        ("urldate", c.captured_at.astimezone(UTC).date().isoformat()),
        ("note", _bibtex(_note(c))),
    ]
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@online{{{c.key},\n{body}}}\n"


def _bibtex(text: str) -> str:
    """`text` as a BibTeX value: its special characters written as text, one line."""
    return "".join(_BIBTEX_ESCAPES.get(ch, ch) for ch in " ".join(text.split()))


def _bibtex_url(url: str) -> str:
    """A URL as a verbatim BibTeX value: only braces (which would unbalance it) and spaces
    are percent-encoded."""
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def citation_csl(c: Citation) -> dict[str, Any]:
    """The citation as one CSL-JSON item (`type` webpage): `issued` is the page's stamp,
    `accessed` the capture day (UTC), `note` holds the capture time, the raw sha256 and a
    Wayback capture's memento URL; `archive` names the Wayback Machine."""
    item: dict[str, Any] = {
        "id": c.key,
        "type": "webpage",
        "title": c.title,
        "author": [{"literal": c.publisher}],
        "publisher": c.publisher,
        "URL": c.url,
    }
    if c.last_updated is not None:
        item["issued"] = _date_parts(c.last_updated.at)
    item["accessed"] = _date_parts(c.captured_at.astimezone(UTC))
    if c.source is Source.WAYBACK and c.memento_url:
        # The memento goes in the note: styles print `archive_location` capitalised.
        item["archive"] = "Internet Archive Wayback Machine"
    item["note"] = _note(c)
    return item


def citation_csl_json(c: Citation) -> str:
    """The CSL-JSON document of the citation: an array of one item, as Zotero and pandoc
    read it, one variable a line."""
    fields = ",\n".join(
        f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in citation_csl(c).items()
    )
    return f"[\n  {{\n{fields}\n  }}\n]\n"


def _date_parts(moment: datetime) -> dict[str, Any]:
    return {"date-parts": [[moment.year, moment.month, moment.day]]}
