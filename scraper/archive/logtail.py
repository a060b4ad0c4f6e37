"""Reading an append-only log from its end: the lines of a file, newest first, in blocks read
backwards, so a reader that needs only the last lines of a long check log (`status`, the health
page written after every check) never reads the whole file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Bytes read per step back: a few check-log lines (about 360 bytes each).
BLOCK = 8192


def lines_newest_first(path: Path, *, block: int = BLOCK) -> Iterator[bytes]:
    """The lines of the file at `path`, last first, without their newline; blank lines are
    skipped. A file that does not exist (or is not a file) has none."""
    if not path.is_file():
        return
    with path.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        rest = b""  # the start of a line whose beginning lies further back
        while position > 0:
            step = min(block, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + rest
            lines = data.split(b"\n")
            rest = lines[0]
            for line in reversed(lines[1:]):
                if line.strip():
                    yield line
        if rest.strip():
            yield rest
