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

A line is appended (`archive.checklog`) with one write and an fsync; one that a full disk
cuts short is taken back (`write_or_take_back`), and a torn last record left by a kill is
taken back before the next (`untorn_size`), so the file never keeps half a line of ours.

A write that the OS refuses for want of room or rights (a full disk or quota, a read-only
file system, permissions) raises `StoreError` naming the file and what to do: what was
written before is complete, and the next check or replay finishes the rest. Other `OSError`s
(an I/O error, a directory where a file should be) pass as they are: they are not a state
of the disk a user fixes by freeing space, and `run` logs them with their traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from scraper.errors import StoreError

TMP_FILE = re.compile(r"^\..+\.tmp$")
_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextlib.contextmanager
def disk_errors(path: Path) -> Iterator[None]:
    """Turn a full disk or a refusal (`OSError` ENOSPC, EDQUOT, EROFS, EACCES, EPERM) while
    writing `path` into a `StoreError` that names it and the fix."""
    try:
        yield
    except OSError as err:
        if err.errno not in (*_FULL, *_DENIED):
            raise
        raise StoreError(_write_failure(path, err)) from err


def _write_failure(path: Path, err: OSError) -> str:
    said = err.strerror or str(err)
    if err.errno in _FULL:
        fix = (
            "free some space: what was written is complete, and the next check (or "
            "`nato-watch replay`) finishes the rest"
        )
    else:
        fix = "check the data dir's permissions, or pass another --data-dir"
    return f"cannot write {path}: {said}; {fix}"


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

        A nested `batch()` joins the outer one. On an exception the temp files not yet
        renamed are removed (a commit cut short by a full disk included): none is left behind.
        """
        if self._pending is not None:
            yield
            return
        pending: list[tuple[Path, Path]] = []
        self._pending = pending
        try:
            yield
            self._pending = None
            _commit(pending)
        except BaseException:
            self._pending = None
            for tmp, _ in pending:
                with contextlib.suppress(FileNotFoundError):  # renamed into place already
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
        with disk_errors(path):
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
    with disk_errors(path):
        tmp = _write_temp(path, data, sync=True)
        try:
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        fsync_dir(path.parent)
    return True


def write_or_take_back(fd: int, data: bytes, *, size: int, path: Path) -> None:
    """Append `data` to the file open as `fd` (of `size` bytes) with one write and fsync it;
    a write cut short (a full disk) is taken back, then raised as ENOSPC for `disk_errors`."""
    written = os.write(fd, data)
    if written < len(data):
        os.ftruncate(fd, size)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    os.fsync(fd)


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
    with contextlib.suppress(FileExistsError), disk_errors(folder):
        folder.mkdir()
        fsync_dir(folder.parent)


def remove_files(paths: Iterable[Path], folder: Path) -> None:
    """Remove those of `paths` that exist; fsync their `folder` when any did."""
    removed = False
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed = True
    if removed:
        fsync_dir(folder)


def remove_temp_files(folders: Iterable[Path], *, changed_since: float) -> int:
    """Remove every temp file (`TMP_FILE`) in those of `folders` (not below them) changed at
    or after `changed_since` (a file time: seconds since the epoch); return how many.
    Creating a file moves its folder's mtime, and file times tick on one clock (coarsely:
    hence "at or after"), so a folder whose mtime is older holds no temp file made since and
    is not listed. Call it only holding the writer lock: then no live writer has a temp file,
    and these are left by writers that were killed (an interrupted replay can leave
    hundreds)."""
    removed = 0
    for folder in folders:
        try:
            if os.stat(folder).st_mtime < changed_since:
                continue
            with os.scandir(folder) as entries:
                leftovers = [
                    entry.path
                    for entry in entries
                    if TMP_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
                ]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for path in leftovers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed += 1
    return removed


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _write_temp(path: Path, data: bytes, *, sync: bool) -> Path:
    """A new temp file `.<name>.<random>.tmp` beside `path` holding `data` (fsynced if asked),
    private while written, with the umask's mode once complete."""
    # lazy: commands that only read the archive (`log`, `show`, `status`) never write
    import tempfile

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
    bundle); a path the system refuses (no room, no rights) is a `StoreError` naming it."""
    # lazy: as in `_write_temp`, only a command that writes pays for tempfile
    import tempfile

    folder = path.parent
    with disk_errors(path):
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


# How far back a torn last line is looked for: a check-log line is well under this.
_TORN_TAIL_MAX = 64 * 1024


def untorn_size(fd: int, path: Path) -> int:
    """The size of the file open as `fd` once a torn last record (`{…` without its end and
    newline) is cut off; the file is truncated to it."""
    size = os.fstat(fd).st_size
    if not size or _last_byte(path) == b"\n":
        return size
    with path.open("rb") as handle:
        start = max(0, size - _TORN_TAIL_MAX)
        handle.seek(start)
        tail = handle.read()
    cut = tail.rfind(b"\n") + 1
    fragment = tail[cut:]
    if (cut or start == 0) and fragment.startswith(b"{") and not fragment.rstrip().endswith(b"}"):
        os.ftruncate(fd, start + cut)
        return start + cut
    return size


def _last_byte(path: Path) -> bytes:
    """The last byte of the (non-empty) file at `path`."""
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _commit(pending: list[tuple[Path, Path]]) -> None:
    """Make a batch's temp files durable with one sync, then rename them into place in order."""
    if not pending:
        return
    os.sync()
    folders: dict[Path, None] = {}
    for tmp, path in pending:
        with disk_errors(path):
            os.replace(tmp, path)
        folders[path.parent] = None
    for folder in folders:
        with disk_errors(folder):
            fsync_dir(folder)
