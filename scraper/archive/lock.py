"""The writer lock of a data dir: `<data-dir>/.nato-watch.lock`, held with `flock`.

One writer at a time holds it. The lock file names its holder (`pid=… since=… cmd=…`), so a
waiter that gives up can say which process to wait for. Within one thread the lock is
re-entrant (replay takes it, and so may a command that calls replay while holding it); other
threads and processes wait on the OS lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scraper.errors import LockedError, StoreError
from scraper.timespec import utc_iso

LOCK_NAME = ".nato-watch.lock"

# (real path of the data dir, thread id) -> how deeply that thread holds the lock.
_HELD_LOCKS: dict[tuple[str, int], int] = {}
_HELD_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class Taken:
    """How a hold found the lock file: when it was last written (the previous holder took or
    released the lock then; 0 for a new file), and whether that holder's line was still in
    it (it died holding the lock: a clean release empties the file)."""

    last_written: float
    holder_died: bool


@contextlib.contextmanager
def hold_lock(root: Path, *, timeout: float) -> Iterator[Taken | None]:
    """Hold the writer lock of the data dir `root`; wait up to `timeout` seconds for it.
    Yields how this call found the lock file when it took the OS lock (`Taken`), or None for
    a re-entry of this thread's hold."""
    key = (os.path.realpath(root), threading.get_ident())
    with _HELD_LOCKS_GUARD:
        depth = _HELD_LOCKS.get(key, 0)
        if depth:
            _HELD_LOCKS[key] = depth + 1
    if depth:
        try:
            yield None
        finally:
            with _HELD_LOCKS_GUARD:
                _HELD_LOCKS[key] -= 1
        return
    path = root / LOCK_NAME
    existed = path.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # less the umask
    except OSError as err:
        # A read-only or foreign data dir: say which, in one line, instead of a traceback.
        raise StoreError(
            f"cannot write to the data dir {root}: {err.strerror or err} (lock file {path}); "
            "check its permissions and free space, or pass another --data-dir"
        ) from err
    try:
        _acquire(fd, path, root, timeout)
        found = os.fstat(fd)
        taken = Taken(
            last_written=found.st_mtime if existed else 0.0, holder_died=found.st_size > 0
        )
        # Naming the holder is a courtesy to waiters: a full disk must not stop the writer.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, _holder_line().encode("utf-8"))
        with _HELD_LOCKS_GUARD:
            _HELD_LOCKS[key] = 1
        try:
            yield taken
        finally:
            with _HELD_LOCKS_GUARD:
                del _HELD_LOCKS[key]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, root: Path, timeout: float) -> None:
    """Take the OS lock on `fd`, polling until `timeout`; then say who holds it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise StoreError(f"cannot lock {path}: {err.strerror}") from err
        if time.monotonic() >= deadline:
            raise LockedError(
                f"the archive {root} is locked by {_read_lock_holder(path)}; waited "
                f"{timeout:g}s — wait for it to finish, or stop it (lock file {path})"
            )
        time.sleep(0.05)


def _holder_line() -> str:
    """`pid=… since=… cmd=…`: what a waiter that gives up tells the user about the holder."""
    program = Path(sys.argv[0]).name if sys.argv else "python"
    if program in ("__main__.py", "-m", "-c"):
        program = "nato-watch"
    # lazy: the URL rules load only for a command that takes the lock (start-up of readers)
    from scraper.urls import redact_text

    # Shown to any waiter: a `--url` with credentials must not be.
    command = redact_text(" ".join([program, *sys.argv[1:]]))[:160]
    since = utc_iso(datetime.now(UTC).replace(microsecond=0))
    return f"pid={os.getpid()} since={since} cmd={command}\n"


def _read_lock_holder(path: Path) -> str:
    """How a waiter that gives up names the holder written in the lock file at `path`."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    fields = dict(part.split("=", 1) for part in text.split(" ", 2) if "=" in part)
    pid = fields.get("pid") or (text if text.isdigit() else "")
    if not pid:
        return "another process"
    extra = []
    if fields.get("cmd"):
        extra.append(f"`{fields['cmd']}`")
    if fields.get("since"):
        extra.append(f"since {fields['since']}")
    return f"process {pid}" + (f" ({', '.join(extra)})" if extra else "")
