"""The check log file (`snapshots/<target>/checks.jsonl`): appending a chained line, reading
lines back with their bytes.

A line is one canonical JSON object and a newline, written with one `write` and fsynced. Its
`prev` is the sha256 of the last line before it that reads as a check record (`core.chain`).
A torn last record (a kill mid-write) is taken back before the next append, so a torn line is
only ever the last one and the chain continues from the last complete line; a write that a
full disk cuts short is taken back too, and raised as a `StoreError` naming the file. The
caller holds the archive lock, so no two appends read the same last line. Only
`archive.store` calls this.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scraper.archive.files import disk_errors, make_dirs, untorn_size, write_or_take_back
from scraper.core.chain import GENESIS, Link, line_hash
from scraper.core.document import canonical_json
from scraper.core.records import CheckRecord

# How much of the log's end is read at a time when looking for its last whole line.
TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class LogLine:
    """One non-blank line of a check log: its 1-based number, its bytes as stored (without the
    newline), and the record it holds (None when it does not read as one)."""

    number: int
    data: bytes
    record: CheckRecord | None

    def link(self) -> Link:
        """The line as a link of the chain (only lines that hold a record are links)."""
        return Link(self.number, self.data, self.record.prev if self.record else None)


def append_line(path: Path, record: CheckRecord) -> CheckRecord:
    """Append `record` to the log at `path`, linked to the last line; return it as written
    (with its `prev`)."""
    make_dirs(path.parent)
    with disk_errors(path):
        # Mode 0666 less the umask, as for any new file (0644 under the usual 022).
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            size = untorn_size(fd, path)
            last, ends_line = _tail(fd, record.target)
            linked = replace(record, prev=line_hash(last) if last is not None else GENESIS)
            data = (canonical_json(linked.to_dict()) + "\n").encode("utf-8")
            # Text without its newline that is not a torn record must not swallow this line.
            if not ends_line:
                data = b"\n" + data
            write_or_take_back(fd, data, size=size, path=path)
        finally:
            os.close(fd)
    return linked


def read_lines(path: Path, target: str) -> Iterator[LogLine]:
    """Every non-blank line of the log at `path`, in file order (none when there is no log)."""
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            data = raw.removesuffix(b"\n")
            if data.strip():
                yield LogLine(number, data, read_record(data, target))


def read_record(data: bytes, target: str) -> CheckRecord | None:
    """The check record a line holds, or None when it holds none (torn, or not a record)."""
    try:
        return CheckRecord.from_dict(json.loads(data.decode("utf-8")), target=target)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _tail(fd: int, target: str) -> tuple[bytes | None, bool]:
    """The last line of the open log that reads as a record (None when there is none), and
    whether the file ends with a newline (an empty file does).

    Read backwards a chunk at a time, so an append costs the same on a log of any length.
    """
    end = os.lseek(fd, 0, os.SEEK_END)
    if end == 0:
        return None, True
    ends_line = os.pread(fd, 1, end - 1) == b"\n"
    pos, carry = end, b""
    while pos > 0:
        step = min(TAIL_CHUNK, pos)
        pos -= step
        pieces = (os.pread(fd, step, pos) + carry).split(b"\n")
        # The first piece may be the end of a line that starts in an earlier chunk.
        carry = pieces.pop(0) if pos > 0 else b""
        for data in reversed(pieces):
            if data.strip() and read_record(data, target) is not None:
                return data, ends_line
    return None, ends_line
