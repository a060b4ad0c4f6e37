"""Listing a folder of `<stamp>.<ext>` files (a target's versions, its version pages) in
order, and keeping the list while the folder is unchanged.

A check needs the newest version id of its target, and a long history is thousands of files:
listing them costs milliseconds each time, more than the rest of an unchanged check. A
resident process (`nato-watch run`) therefore keeps each list with the folder's identity and
modification time, and lists again only when they change: adding, renaming or removing an
entry (this process's writes, or any other writer's) moves the folder's mtime.

Only a list taken well after the folder's last change is kept (the rule git uses for its
"racy" index): a change in the same tick of the file system's clock as the one before it
would leave the mtime as it was, so a list is trusted only once that tick is long past.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from scraper.timespec import STAMP

# How long after a folder's last change its list can be kept: well past the coarsest
# timestamp granularity of a local file system (FAT's 2 s; ext4 and xfs tick in ms).
RACY_NS = 2_500_000_000
# `YYYY-MM-DDTHHMMSSZ`: the length of a stamp, to skip other names before the pattern.
STAMP_LENGTH = 18


class StampListing:
    """The sorted stamps of `<stamp><suffix>` files in folders, kept while each folder is
    unchanged."""

    def __init__(self) -> None:
        self._kept: dict[tuple[Path, str], tuple[tuple[int, int, int], tuple[str, ...]]] = {}

    def stamps(self, folder: Path, suffix: str) -> list[str]:
        """The stamps of the `<stamp><suffix>` files in `folder`, oldest first (a stamp's
        text order is its time order); none when the folder does not exist."""
        try:
            st = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            return []
        key = (st.st_dev, st.st_ino, st.st_mtime_ns)
        kept = self._kept.get((folder, suffix))
        if kept is not None and kept[0] == key:
            return list(kept[1])
        # Listed after the stat: a change in between shows in the list now and moves the
        # mtime past the key, so the next call lists again.
        stamps = list_stamps(folder, suffix)
        if time.time_ns() - st.st_mtime_ns >= RACY_NS:
            self._kept[(folder, suffix)] = (key, tuple(stamps))
        else:
            self._kept.pop((folder, suffix), None)
        return stamps


def list_stamps(folder: Path, suffix: str) -> list[str]:
    """The stamps of the `<stamp><suffix>` files in `folder`, sorted, read from disk."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    length = STAMP_LENGTH + len(suffix)
    return sorted(
        name[:STAMP_LENGTH]
        for name in names
        if len(name) == length and name.endswith(suffix) and STAMP.fullmatch(name[:STAMP_LENGTH])
    )
