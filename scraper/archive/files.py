"""Durable file writes: a reader sees the old file or the new one, never half, and what is
written survives a crash.

A file is written to a temp file `.<name>.<random>.tmp` in the same directory, fsynced,
renamed into place, and the directory fsynced; new directories are fsynced into their
parents. `StagedWrites` can also hold many writes back and make them durable with one sync.
Leftover temp files of a killed writer match `TMP_FILE`, and every reader ignores them.

Files honour the umask, like any file a program creates (0644 under the usual 022), so a web
server running as another user can serve the report site: a temp file is private (0600) while
it is written and takes the umask's mode once complete, just before its rename.
`atomic_stream` does the same for a file written piece by piece (a WARC export).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TMP_FILE = re.compile(r"^\..+\.tmp$")


def _read_umask() -> int:
    """The process's umask, read once: from /proc where it can be read without changing it
    (setting it, even back, races with threads creating files), else by setting it back."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()
# The mode of a file created the ordinary way (open with O_CREAT, mode 0666, less the umask).
FILE_MODE = 0o666 & ~UMASK


class StagedWrites:
    """Atomic writes, each made durable at once or, inside `batch()`, all with one sync."""

    def __init__(self) -> None:
        # Inside `batch()`: temp files written but not yet renamed into place, in order.
        self._pending: list[tuple[Path, Path]] | None = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the writes of the block as temp files, then sync once and rename them in order.

        A nested `batch()` joins the outer one. On an exception the temp files are removed
        and nothing changes.
        """
        if self._pending is not None:
            yield
            return
        self._pending = []
        try:
            yield
            pending, self._pending = self._pending, None
            _commit(pending)
        except BaseException:
            pending, self._pending = self._pending or [], None
            for tmp, _ in pending:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            raise

    def write(self, path: Path, data: bytes, *, skip_if_same: bool = False) -> None:
        """Write a file atomically, now or at the end of the current `batch()`."""
        if self._pending is None:
            atomic_write(path, data, skip_if_same=skip_if_same)
            return
        make_dirs(path.parent)
        if skip_if_same and _holds(path, data):
            return
        tmp = _write_temp(path, data, sync=False)
        self._pending.append((tmp, path))


def atomic_write(path: Path, data: bytes, *, skip_if_same: bool = False) -> bool:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    With `skip_if_same`, a file already holding exactly `data` is not rewritten. Returns
    whether the file was written.
    """
    make_dirs(path.parent)
    if skip_if_same and _holds(path, data):
        return False
    tmp = _write_temp(path, data, sync=True)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
    return True


def fsync_dir(folder: Path) -> None:
    """Make the entries of `folder` (a rename, a new or removed file) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(folder: Path) -> None:
    """Create `folder` and its parents, fsyncing each new entry so it survives a crash."""
    if folder.is_dir():
        return
    make_dirs(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
        fsync_dir(folder.parent)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _write_temp(path: Path, data: bytes, *, sync: bool) -> Path:
    """A new temp file `.<name>.<random>.tmp` beside `path` holding `data` (fsynced if asked),
    private while written, with the umask's mode once complete."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), FILE_MODE)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


@contextlib.contextmanager
def atomic_stream(path: Path) -> Iterator[IO[bytes]]:
    """A temp file beside `path` to write piece by piece (and read back); when the block ends
    without an error it is fsynced, given the umask's mode and renamed onto `path` (else
    removed). For what commands write outside the archive (a WARC export, an evidence
    bundle)."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def _commit(pending: list[tuple[Path, Path]]) -> None:
    """Make a batch's temp files durable with one sync, then rename them into place in order."""
    if not pending:
        return
    os.sync()
    folders: dict[Path, None] = {}
    for tmp, path in pending:
        os.replace(tmp, path)
        folders[path.parent] = None
    for folder in folders:
        fsync_dir(folder)
