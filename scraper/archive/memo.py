"""What a process has read from a file, kept while the file is unchanged.

`run` stays resident and, after every check, reads the same files again: the end of every
target's check log for the health page, every target's summary index for the index page.
`FileMemo` keeps what was made of a file, keyed by the file's identity and state (inode,
size, modification time), so a file is read again only when it changed. The state is taken
*before* the file is read, so a change racing with the read makes the next look read again:
a memo can be stale by one read, never wrong for longer. Nothing here is needed for
correctness: an empty memo reads every file, as a one-shot process does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

# The state of a file: inode, size, modification time (ns); (0, -1, 0) when it is missing.
FileState = tuple[int, int, int]
MISSING: FileState = (0, -1, 0)


def file_state(path: str | Path) -> FileState:
    """The identity and state of the file at `path` now."""
    try:
        info = os.stat(path)
    except OSError:
        return MISSING
    return (info.st_ino, info.st_size, info.st_mtime_ns)


class FileMemo(Generic[T]):
    """Values made from files, each kept until its file changes (at most `limit` files; past
    it the memo starts again empty). Safe to share between threads."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._values: dict[str, tuple[FileState, T]] = {}
        self._guard = threading.Lock()

    def get(self, path: str | Path, make: Callable[[], T]) -> T:
        """The value of the file at `path`: the kept one when the file has not changed since
        it was made, else `make()` (which reads the file), kept for next time."""
        key = os.fspath(path)
        state = file_state(key)
        with self._guard:
            known = self._values.get(key)
        if known is not None and known[0] == state and state != MISSING:
            return known[1]
        value = make()
        self.put(key, value, state)
        return value

    def put(self, path: str | Path, value: T, state: FileState | None = None) -> None:
        """Keep `value` for the file at `path` as it is now (or as it was in `state`): for a
        writer that knows what it just wrote."""
        key = os.fspath(path)
        state = file_state(key) if state is None else state
        if state == MISSING:
            return
        with self._guard:
            if len(self._values) >= self._limit:
                self._values.clear()
            self._values[key] = (state, value)
