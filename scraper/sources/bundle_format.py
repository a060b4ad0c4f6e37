"""The evidence bundle's format, shared by the writer (`bundle`) and the checker
(`bundle_check`): its member names and order, the MANIFEST, the limits a checker holds a
bundle to, and the error both raise.

A bundle is a zip holding one folder, `<target>-<version id>/`, and in it:

    README.txt         how to check the bundle by hand, what each file is, the citation
    MANIFEST           `<sha256>  <name>` for every other file (`sha256sum -c MANIFEST`)
    citation.txt       the citation (plain text), citation.bib (biblatex), citation.csl.json
    version.json       the version file exactly as the archive stores it
    report.md          the change from the previous version (also report.html); none for a
                       target's first version
    checks.jsonl       the check-log lines that saw this version's content, as stored
    capture.warc       the raw HTTP response(s) of those captures (WARC 1.1, uncompressed)
"""

from __future__ import annotations

import re

from scraper.errors import ScraperError

README = "README.txt"
MANIFEST = "MANIFEST"
CITATION_TEXT = "citation.txt"
CITATION_BIBTEX = "citation.bib"
CITATION_CSL = "citation.csl.json"
VERSION = "version.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
CHECKS = "checks.jsonl"
WARC = "capture.warc"
ORDER = (
    README,
    MANIFEST,
    CITATION_TEXT,
    CITATION_BIBTEX,
    CITATION_CSL,
    VERSION,
    REPORT_MD,
    REPORT_HTML,
    CHECKS,
    WARC,
)
"""Every member a bundle may hold, in the order it holds them."""
REQUIRED = (README, MANIFEST, VERSION, CHECKS, WARC)
"""The members every bundle holds (a first version has no report)."""

# What a checker accepts at most, so that a hostile zip (a "zip bomb", thousands of members)
# costs bounded memory and time: member sizes are the zip's own claims, and reading a member
# stops at its claimed size.
MAX_MEMBERS = len(ORDER)
MAX_TOTAL_SIZE = 2 * 1024**3  # uncompressed bytes, all members together
MAX_SMALL_MEMBER = 64 * 1024**2  # a member read whole into memory (all but the WARC and log)
MAX_RATIO = 200  # uncompressed / compressed, for members over 1 MiB (HTML deflates ~5-10x)

_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9._-]+)$")


class BundleError(ScraperError):
    """Raised when an evidence bundle cannot be written, or a bundle does not check out
    (damaged, incomplete, not a bundle); the message names the member at fault."""


def folder_name(target: str, version_id: str) -> str:
    """The one folder a bundle's members live in: `<target>-<version id>`."""
    return f"{target}-{version_id}"


def file_name(target: str, version_id: str) -> str:
    """The bundle's default file name: `<target>-<version id>.zip`."""
    return f"{folder_name(target, version_id)}.zip"


def manifest_text(entries: list[tuple[str, str]]) -> str:
    """The MANIFEST of `(name, sha256)` pairs, as `sha256sum` writes and reads it."""
    return "".join(f"{digest}  {name}\n" for name, digest in entries)


def parse_manifest(text: str) -> dict[str, str]:
    """name -> sha256 of a MANIFEST; `BundleError` when a line is not `<sha256>  <name>` or
    a name is listed twice."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            raise BundleError(f"{MANIFEST} line {number} is not `<sha256>  <file name>`")
        digest, name = match.groups()
        if name in entries:
            raise BundleError(f"{MANIFEST} lists {name} twice")
        entries[name] = digest
    return entries
