"""WARC (ISO 28500) in nato-watch: what export (`warc_export`) and import (`warc_import`) share.

The error both raise, the software name an export writes into its warcinfo and metadata
records and an import recognises there, and the `application/warc-fields` blocks those records
hold (written by one side, read by the other, so their format lives here once).

Webrecorder's `warcio` reads and writes the records; nato-watch decides what goes in them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scraper import __version__
from scraper.errors import ScraperError

SOFTWARE_NAME = "nato-watch"
SOFTWARE = f"{SOFTWARE_NAME}/{__version__}"
"""The `software` field of an export's warcinfo and metadata records."""


class WarcError(ScraperError):
    """Raised when a WARC or ARC file cannot be read or written (damaged, cut short, not a
    WARC); nothing is imported from a file that raised it."""


def by_nato_watch(fields: Mapping[str, str]) -> bool:
    """Whether warc-fields (of a warcinfo or metadata record) name nato-watch as their
    software: the record is an export's, and its fields can be trusted as ours."""
    return fields.get("software", "").startswith(f"{SOFTWARE_NAME}/")


def format_warc_fields(fields: Sequence[tuple[str, str]]) -> bytes:
    """An `application/warc-fields` block: one `name: value` line each, values on one line."""
    block = "".join(f"{name}: {' '.join(value.split())}\r\n" for name, value in fields)
    return block.encode("utf-8")


def parse_warc_fields(data: bytes) -> dict[str, str]:
    """The `name: value` lines of an application/warc-fields block (the first of a name)."""
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()] = value.strip()
    return fields
