"""The archive on disk: check logs, raw snapshots, versions, reports; the only module that
touches the archive's files.

Layout (under the data dir):

    snapshots/<target>/checks.jsonl          append-only, one JSON line per check
    snapshots/<target>/raw/<sha256>.html.gz  every distinct response body, byte for byte
    snapshots/<target>/raw/<sha256>.http.json  the HTTP heads that delivered it (once kept)
    snapshots/<target>/versions/<stamp>.json one per version: document + provenance
    reports/<target>/<stamp>.{md,html,json}  change from the previous version to this one
    reports/<target>/pages/<stamp>.html      the page of each version, as it stood then
    reports/<target>/since/<stamp>.{html,json} change from that version to the latest
    reports/index.html, reports/feed.atom    every change of every target

Every file write is atomic (temp file in the same directory, fsync, rename, fsync of the
directory); the check log is appended with one `write` and fsync, and a torn last line is
skipped on read. Leftover `.*.tmp` files of a killed writer are ignored by every reader.
One writer at a time holds `<data-dir>/.nato-watch.lock`. `verify` re-checks every hash and
reference and reports what it finds; nothing here repairs an archive behind the user's back.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import fcntl
import gzip
import hashlib
import itertools
import json
import os
import re
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from scraper.core.document import Document, LastUpdated, canonical_json
from scraper.core.records import (
    CheckRecord,
    CheckStatus,
    HttpExchange,
    Provenance,
    SnapshotHeaders,
    Source,
    Version,
)
from scraper.errors import ConfigError, LockedError, NotFound, StoreError
from scraper.timespec import STAMP, parse_moment, parse_stamp, parse_utc, stamp_of, utc_iso

TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
REPORT_FORMATS = ("md", "html", "json")
SITE_FILES = ("index.html", "feed.atom")
# Inside reports/<target>/: a page per version, and combined "since" reports (old id -> latest).
PAGES_DIR = "pages"
SINCE_DIR = "since"
SINCE_FORMATS = ("html", "json")
# Beside `raw/<sha256>.html.gz`: the HTTP heads of the response that delivered those bytes.
HEADERS_SUFFIX = ".http.json"
LOCK_NAME = ".nato-watch.lock"
# In the data dir of an archive made by `nato-watch demo`: what it is. Its presence marks the
# whole archive as demo data (the index says so; `check` and the imports refuse to add to it).
DEMO_MARKER = "DEMO.md"
TMP_FILE = re.compile(r"^\..+\.tmp$")
# Version files are canonical JSON with sorted keys, so "captured_at" is the first key: a
# reader that needs only the capture time reads the head of the file, not the document.
CAPTURED_AT_HEAD = re.compile(rb'^\{\s*"captured_at":\s*"([^"]+)"')


def check_target_name(name: str) -> str:
    """Return `name` if it is a valid target slug, else raise `StoreError` saying why."""
    if not TARGET_NAME.fullmatch(name) or len(name) > 100:
        raise StoreError(
            f"invalid target name {name!r}: use lowercase letters, digits and '-', "
            "starting with a letter or digit (e.g. 'republic-of-korea')"
        )
    return name


def sha256_hex(data: bytes) -> str:
    """The sha256 of `data`, as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class TornLine:
    """A check-log line that could not be read (a write cut short)."""

    target: str
    line_number: int
    text: str


# The archive lock is re-entrant within one thread (replay takes it, and so may a command that
# calls replay while holding it); other threads and processes wait on the OS lock.
_HELD_LOCKS: dict[tuple[str, int], int] = {}
_HELD_LOCKS_GUARD = threading.Lock()


class Archive:
    """A data dir holding snapshots and reports for any number of targets."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.snapshots = self.root / "snapshots"
        self.reports = self.root / "reports"
        # Inside `batch()`: temp files written but not yet renamed into place, in order.
        self._pending: list[tuple[Path, Path]] | None = None

    # -- paths -------------------------------------------------------------------------------

    def target_dir(self, target: str) -> Path:
        """`snapshots/<target>`, after checking that `target` is a slug."""
        return self.snapshots / check_target_name(target)

    def raw_path(self, target: str, sha256: str) -> Path:
        """Where the raw body with this sha256 is (or would be) stored."""
        if not SHA256.fullmatch(sha256):
            raise StoreError(f"invalid sha256 {sha256!r}")
        return self.target_dir(target) / "raw" / f"{sha256}.html.gz"

    def version_path(self, target: str, version_id: str) -> Path:
        """Where version `version_id` of `target` is stored."""
        if not STAMP.fullmatch(version_id):
            raise NotFound(f"invalid version id {version_id!r}: expected YYYY-MM-DDTHHMMSSZ")
        return self.target_dir(target) / "versions" / f"{version_id}.json"

    def report_path(self, target: str, version_id: str, fmt: str) -> Path:
        """Where the report leading to version `version_id` is stored in format `fmt`."""
        if fmt not in REPORT_FORMATS:
            raise StoreError(f"unknown report format {fmt!r}; one of {', '.join(REPORT_FORMATS)}")
        if not STAMP.fullmatch(version_id):
            raise NotFound(f"invalid version id {version_id!r}: expected YYYY-MM-DDTHHMMSSZ")
        return self.reports / check_target_name(target) / f"{version_id}.{fmt}"

    def checks_path(self, target: str) -> Path:
        """The target's append-only check log."""
        return self.target_dir(target) / "checks.jsonl"

    def relative(self, path: Path) -> Path:
        """`path` relative to the data dir (for messages), or as given when outside it."""
        try:
            return path.relative_to(self.root)
        except ValueError:
            return path

    # -- lock --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, *, timeout: float = 60.0) -> Iterator[None]:
        """Hold the data dir's writer lock; wait up to `timeout` seconds for it.

        Re-entrant within a thread: a function that takes the lock (replay) may be called by
        one that already holds it. The lock file names the holder, so a waiter that gives up
        can say which process to wait for.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        key = (os.path.realpath(self.root), threading.get_ident())
        with _HELD_LOCKS_GUARD:
            depth = _HELD_LOCKS.get(key, 0)
            if depth:
                _HELD_LOCKS[key] = depth + 1
        if depth:
            try:
                yield
            finally:
                with _HELD_LOCKS_GUARD:
                    _HELD_LOCKS[key] -= 1
            return
        path = self.root / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, path, self.root, timeout)
            os.ftruncate(fd, 0)
            os.write(fd, _holder_line().encode("utf-8"))
            with _HELD_LOCKS_GUARD:
                _HELD_LOCKS[key] = 1
            try:
                yield
            finally:
                with _HELD_LOCKS_GUARD:
                    del _HELD_LOCKS[key]
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- batched writes ----------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make many writes durable with one sync instead of two fsyncs each.

        Inside the block, version, report and site files are written to temp files but not
        renamed into place (readers still see the old files); at its end, one `sync` puts
        every temp file on disk, then each is renamed, in the order written, and the folders
        are fsynced. A file is thus never in place before its bytes are durable, as with a
        single write. On an exception the temp files are removed and nothing changes. Replay
        uses it: thousands of files, where per-file fsyncs dominate the time.
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

    def _write(self, path: Path, data: bytes, *, skip_if_same: bool = False) -> None:
        """Write a file atomically, now or at the end of the current `batch()`."""
        if self._pending is None:
            _atomic_write(path, data, skip_if_same=skip_if_same)
            return
        _make_dirs(path.parent)
        if skip_if_same and _holds(path, data):
            return
        tmp = _write_temp(path, data, sync=False)
        self._pending.append((tmp, path))

    # -- what the data dir is ------------------------------------------------------------------

    def holds_archive(self) -> bool:
        """Whether anything is stored under `snapshots/` or `reports/`."""
        return any(
            folder.is_dir() and any(folder.iterdir()) for folder in (self.snapshots, self.reports)
        )

    def is_demo(self) -> bool:
        """Whether this is a demo archive (`DEMO.md` in the data dir), not a record of checks."""
        return (self.root / DEMO_MARKER).is_file()

    def note_once(self, name: str) -> bool:
        """True the first time the one-time notice `name` is asked about in this data dir,
        which is then remembered (`.nato-watch.<name>`); False ever after."""
        if not TARGET_NAME.fullmatch(name):
            raise StoreError(f"invalid notice name {name!r}")
        path = self.root / f".nato-watch.{name}"
        if path.exists():
            return False
        self._write(path, b"")
        return True

    def write_demo_marker(self, text: str) -> Path:
        """Write `DEMO.md`, which marks the data dir as demo data."""
        path = self.root / DEMO_MARKER
        self._write(path, text.encode("utf-8"))
        return path

    # -- targets -----------------------------------------------------------------------------

    def targets(self) -> list[str]:
        """Names of the targets the archive holds anything for, sorted."""
        if not self.snapshots.is_dir():
            return []
        return sorted(
            p.name for p in self.snapshots.iterdir() if p.is_dir() and TARGET_NAME.fullmatch(p.name)
        )

    # -- raw snapshots -----------------------------------------------------------------------

    def has_raw(self, target: str, sha256: str) -> bool:
        """Whether the raw body with this sha256 is stored."""
        return self.raw_path(target, sha256).is_file()

    def headers_path(self, target: str, sha256: str) -> Path:
        """Where the HTTP heads of the raw body with this sha256 are (or would be) kept."""
        if not SHA256.fullmatch(sha256):
            raise StoreError(f"invalid sha256 {sha256!r}")
        return self.target_dir(target) / "raw" / f"{sha256}{HEADERS_SUFFIX}"

    def put_raw(
        self,
        target: str,
        body: bytes,
        *,
        exchange: HttpExchange | None = None,
        url: str | None = None,
        captured_at: datetime | None = None,
        source: Source = Source.LIVE,
    ) -> str:
        """Store a response body (once per distinct body); return its sha256.

        With `exchange` (and the `url` that answered and the capture time), the HTTP heads
        are kept beside the body in `raw/<sha256>.http.json`, once: the body first, then its
        headers, as everything here is written before what refers to it. A body stored
        without them (before headers were kept, or by a write cut short in between) gets them
        from the next capture of the same bytes.
        """
        digest = sha256_hex(body)
        path = self.raw_path(target, digest)
        if not path.is_file():
            # mtime=0 keeps the gzip bytes a function of the body alone.
            _atomic_write(path, gzip.compress(body, compresslevel=9, mtime=0))
        if exchange is not None and url is not None and captured_at is not None:
            headers_path = self.headers_path(target, digest)
            if not headers_path.is_file():
                sidecar = SnapshotHeaders(
                    sha256=digest,
                    url=url,
                    captured_at=captured_at,
                    exchange=exchange,
                    source=source,
                )
                _atomic_write(headers_path, _sidecar_bytes(sidecar))
        return digest

    def read_headers(self, target: str, sha256: str) -> SnapshotHeaders | None:
        """The kept HTTP heads of the raw body with this sha256, or None when there are none
        (archives made before headers were kept). A sidecar that cannot be read, or that names
        another body, raises `StoreError`."""
        path = self.headers_path(target, sha256)
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise StoreError(f"headers file {path} is unreadable: {err}") from err
        try:
            sidecar = SnapshotHeaders.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise StoreError(f"headers file {path} is malformed: {err}") from err
        if sidecar.sha256 != sha256:
            raise StoreError(f"headers file {path} names raw snapshot {sidecar.sha256[:16]}…")
        return sidecar

    def read_raw(self, target: str, sha256: str, *, check: bool = False) -> bytes:
        """The stored body with this sha256, byte for byte; with `check`, re-hash it first."""
        path = self.raw_path(target, sha256)
        try:
            body = gzip.decompress(path.read_bytes())
        except FileNotFoundError:
            raise NotFound(f"raw snapshot {sha256} of target {target!r} is not stored") from None
        except (OSError, EOFError, zlib.error) as err:
            raise StoreError(f"raw snapshot {path} is unreadable: {err}") from err
        if check and sha256_hex(body) != sha256:
            raise StoreError(
                f"raw snapshot {path} does not hash to its name (damaged); "
                "run `nato-watch verify` and restore it from a backup"
            )
        return body

    def iter_raw(self, target: str) -> Iterator[str]:
        """The sha256 of every stored raw body of `target`, sorted."""
        folder = self.target_dir(target) / "raw"
        if folder.is_dir():
            for path in sorted(folder.glob("*.html.gz")):
                name = path.name.removesuffix(".html.gz")
                if SHA256.fullmatch(name):
                    yield name

    # -- versions ----------------------------------------------------------------------------

    def free_version_id(self, target: str, captured_at: datetime) -> str:
        """The `<stamp>` for a capture at `captured_at`: that second, or the next free one."""
        moment = captured_at.replace(microsecond=0)
        while True:
            candidate = stamp_of(moment)
            if not self.version_path(target, candidate).exists():
                return candidate
            moment += timedelta(seconds=1)

    def add_version(
        self, target: str, document: Document, provenance: Provenance, *, captured_at: datetime
    ) -> Version:
        """Store a new version captured at `captured_at` and return it."""
        version = Version(
            target=target,
            id=self.free_version_id(target, captured_at),
            captured_at=captured_at,
            document=document,
            provenance=provenance,
        )
        self.write_version(version)
        return version

    def write_version(self, version: Version) -> Path:
        """Write (or overwrite) a version file atomically; return its path.

        A file that already holds exactly these bytes is left alone, so a replay that changes
        nothing writes nothing.
        """
        path = self.version_path(version.target, version.id)
        self._write(path, version_bytes(version), skip_if_same=True)
        return path

    def delete_version(self, target: str, version_id: str) -> None:
        """Remove a version file (used by replay when a parser no longer sees it)."""
        with contextlib.suppress(FileNotFoundError):
            self.version_path(target, version_id).unlink()
            _fsync_dir(self.target_dir(target) / "versions")

    def version_ids(self, target: str) -> list[str]:
        """Ids of the target's versions, oldest first."""
        folder = self.target_dir(target) / "versions"
        if not folder.is_dir():
            return []
        # Ids are `YYYY-MM-DDTHHMMSSZ`: their text order is their time order.
        return sorted(p.stem for p in folder.glob("*.json") if STAMP.fullmatch(p.stem))

    def read_version(self, target: str, version_id: str) -> Version:
        """Version `version_id` of `target`."""
        path = self.version_path(target, version_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no version {version_id} of target {target!r}") from None
        except (OSError, ValueError) as err:
            raise StoreError(f"version file {path} is unreadable: {err}") from err
        try:
            return Version.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise StoreError(f"version file {path} is malformed: {err}") from err

    def read_captured_at(self, target: str, version_id: str) -> datetime:
        """The capture time of a version, read from the head of its file (not the document)."""
        path = self.version_path(target, version_id)
        try:
            with path.open("rb") as handle:
                head = handle.read(256)
        except FileNotFoundError:
            raise NotFound(f"no version {version_id} of target {target!r}") from None
        match = CAPTURED_AT_HEAD.match(head)
        if match:
            with contextlib.suppress(ValueError):
                return parse_utc(match.group(1).decode("ascii", errors="replace"))
        return self.read_version(target, version_id).captured_at

    def iter_versions(self, target: str) -> Iterator[Version]:
        """The target's versions, oldest first (by capture time)."""
        for version_id in self.version_ids(target):
            yield self.read_version(target, version_id)

    def latest_version(self, target: str) -> Version | None:
        """The target's newest version, or None when it has none."""
        ids = self.version_ids(target)
        return self.read_version(target, ids[-1]) if ids else None

    # -- reports -----------------------------------------------------------------------------

    def write_report(self, target: str, version_id: str, fmt: str, text: str) -> Path:
        """Write one format of the report leading to `version_id`; return its path."""
        path = self.report_path(target, version_id, fmt)
        self._write(path, text.encode("utf-8"), skip_if_same=True)
        return path

    def read_report(self, target: str, version_id: str, fmt: str) -> str:
        """One format of the report leading to `version_id`."""
        path = self.report_path(target, version_id, fmt)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"no {fmt} report for version {version_id} of {target!r}") from None

    def has_report(self, target: str, version_id: str, fmt: str = "json") -> bool:
        """Whether the report leading to `version_id` exists in format `fmt`."""
        return self.report_path(target, version_id, fmt).is_file()

    def delete_reports(self, target: str, version_id: str) -> None:
        """Remove every format of the report leading to `version_id`."""
        removed = False
        for fmt in REPORT_FORMATS:
            with contextlib.suppress(FileNotFoundError):
                self.report_path(target, version_id, fmt).unlink()
                removed = True
        if removed:
            _fsync_dir(self.reports / check_target_name(target))

    def report_ids(self, target: str) -> list[str]:
        """Ids of the versions that have a JSON report, oldest first."""
        return sorted(
            i
            for i, formats in self.report_files(target).items()
            if "json" in formats and STAMP.fullmatch(i)
        )

    def report_files(self, target: str) -> dict[str, set[str]]:
        """Every stored report of `target`: version id -> the formats present."""
        folder = self.reports / check_target_name(target)
        found: dict[str, set[str]] = {}
        if folder.is_dir():
            for path in folder.iterdir():
                stem, _, fmt = path.name.rpartition(".")
                if fmt in REPORT_FORMATS and STAMP.fullmatch(stem):
                    found.setdefault(stem, set()).add(fmt)
        return found

    def write_site_file(self, name: str, text: str) -> Path:
        """Write a file of the report site (`index.html`, `feed.atom`) atomically."""
        if "/" in name or name.startswith(".") or "\\" in name:
            raise StoreError(f"invalid site file name {name!r}")
        path = self.reports / name
        self._write(path, text.encode("utf-8"), skip_if_same=True)
        return path

    # -- version pages and "since" reports (the report site) ----------------------------------

    def version_page_path(self, target: str, version_id: str) -> Path:
        """`reports/<target>/pages/<id>.html`: the page of one version, as it stood then."""
        if not STAMP.fullmatch(version_id):
            raise NotFound(f"invalid version id {version_id!r}: expected YYYY-MM-DDTHHMMSSZ")
        return self.reports / check_target_name(target) / PAGES_DIR / f"{version_id}.html"

    def write_version_page(self, target: str, version_id: str, text: str) -> Path:
        """Write the page of version `version_id` atomically (left alone when unchanged)."""
        path = self.version_page_path(target, version_id)
        self._write(path, text.encode("utf-8"), skip_if_same=True)
        return path

    def version_page_ids(self, target: str) -> list[str]:
        """Ids of the versions of `target` that have a page, oldest first."""
        folder = self.reports / check_target_name(target) / PAGES_DIR
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.html") if STAMP.fullmatch(p.stem))

    def delete_version_page(self, target: str, version_id: str) -> None:
        """Remove the page of a version that is gone."""
        path = self.version_page_path(target, version_id)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            _fsync_dir(path.parent)

    def since_path(self, target: str, version_id: str, fmt: str) -> Path:
        """`reports/<target>/since/<id>.<fmt>`: the change from version `version_id` to the
        target's latest version."""
        if fmt not in SINCE_FORMATS:
            raise StoreError(f"unknown since-report format {fmt!r}; one of html, json")
        if not STAMP.fullmatch(version_id):
            raise NotFound(f"invalid version id {version_id!r}: expected YYYY-MM-DDTHHMMSSZ")
        return self.reports / check_target_name(target) / SINCE_DIR / f"{version_id}.{fmt}"

    def write_since_report(self, target: str, version_id: str, fmt: str, text: str) -> Path:
        """Write one format of the combined report since `version_id` atomically."""
        path = self.since_path(target, version_id, fmt)
        self._write(path, text.encode("utf-8"), skip_if_same=True)
        return path

    def read_since_report(self, target: str, version_id: str, fmt: str) -> str:
        """One format of the combined report since `version_id`."""
        path = self.since_path(target, version_id, fmt)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"no {fmt} report since {version_id} of {target!r}") from None

    def since_report_files(self, target: str) -> dict[str, set[str]]:
        """Every stored combined report of `target`: old version id -> the formats present."""
        folder = self.reports / check_target_name(target) / SINCE_DIR
        found: dict[str, set[str]] = {}
        if folder.is_dir():
            for path in folder.iterdir():
                stem, _, fmt = path.name.rpartition(".")
                if fmt in SINCE_FORMATS and STAMP.fullmatch(stem):
                    found.setdefault(stem, set()).add(fmt)
        return found

    def delete_since_reports(self, target: str, version_id: str) -> None:
        """Remove every format of the combined report since `version_id`."""
        removed = False
        for fmt in SINCE_FORMATS:
            with contextlib.suppress(FileNotFoundError):
                self.since_path(target, version_id, fmt).unlink()
                removed = True
        if removed:
            _fsync_dir(self.reports / check_target_name(target) / SINCE_DIR)

    # -- check log ---------------------------------------------------------------------------

    def append_check(self, record: CheckRecord) -> None:
        """Append one line to the target's check log and fsync it."""
        path = self.checks_path(record.target)
        _make_dirs(path.parent)
        line = (canonical_json(record.to_dict()) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # A torn last line (a kill mid-append) must not swallow this one.
            size = os.fstat(fd).st_size
            if size and _last_byte(path) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def iter_checks(self, target: str) -> Iterator[CheckRecord]:
        """The target's check log, oldest line first; unreadable lines are skipped."""
        for item in self.iter_check_lines(target):
            if isinstance(item, CheckRecord):
                yield item

    def iter_check_lines(self, target: str) -> Iterator[CheckRecord | TornLine]:
        """Every line of the check log, as a record or as a `TornLine` when unreadable."""
        path = self.checks_path(target)
        if not path.is_file():
            return
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.decode("utf-8", errors="replace").strip()
                if not text:
                    continue
                try:
                    yield CheckRecord.from_dict(json.loads(text), target=target)
                except (ValueError, KeyError, TypeError, AttributeError):
                    yield TornLine(target=target, line_number=number, text=text[:200])

    def last_check(self, target: str) -> CheckRecord | None:
        """The target's most recent live check, or None.

        Lines of imported captures (`source` wayback or warc) are not checks this tool made:
        they are appended late, with their archive's capture times, so they never count here.
        """
        last = None
        for record in self.iter_checks(target):
            if record.source is Source.LIVE:
                last = record
        return last


def _sidecar_bytes(sidecar: SnapshotHeaders) -> bytes:
    """The exact bytes of a `raw/<sha256>.http.json` file: canonical JSON, indented."""
    return (canonical_json(sidecar.to_dict(), indent=1) + "\n").encode("utf-8")


def version_bytes(version: Version) -> bytes:
    """The exact bytes of a version file: canonical JSON, indented, one trailing newline."""
    return (canonical_json(version.to_dict(), indent=1) + "\n").encode("utf-8")


# -- locking and atomic writes ---------------------------------------------------------------


def _acquire(fd: int, path: Path, root: Path, timeout: float) -> None:
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
    command = " ".join([program, *sys.argv[1:]])[:160]
    since = utc_iso(datetime.now(UTC).replace(microsecond=0))
    return f"pid={os.getpid()} since={since} cmd={command}\n"


def _read_lock_holder(path: Path) -> str:
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


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(folder: Path) -> None:
    """Create `folder` and its parents, fsyncing each new entry so it survives a crash."""
    if folder.is_dir():
        return
    _make_dirs(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
        _fsync_dir(folder.parent)


def _atomic_write(path: Path, data: bytes, *, skip_if_same: bool = False) -> bool:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    With `skip_if_same`, a file already holding exactly `data` is not rewritten. Returns
    whether the file was written.
    """
    _make_dirs(path.parent)
    if skip_if_same and _holds(path, data):
        return False
    tmp = _write_temp(path, data, sync=True)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return True


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _write_temp(path: Path, data: bytes, *, sync: bool) -> Path:
    """A new temp file `.<name>.<random>.tmp` beside `path` holding `data` (fsynced if asked)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


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
        _fsync_dir(folder)


# -- walking history: version references and times ------------------------------------------

LATEST_REF = re.compile(r"^latest(?:~(\d+))?$")


def resolve_version(archive: Archive, target: str, ref: str) -> str:
    """The version id `ref` names: an id, a unique id prefix, `latest` or `latest~N`."""
    ids = archive.version_ids(target)
    if not ids:
        raise NotFound(f"target {target!r} has no versions yet; run `nato-watch check` first")
    ref = ref.strip()
    match = LATEST_REF.fullmatch(ref)
    if match:
        back = int(match.group(1) or 0)
        if back >= len(ids):
            raise NotFound(
                f"{ref}: target {target!r} has only {len(ids)} version(s); "
                f"the oldest is latest~{len(ids) - 1} ({ids[0]})"
            )
        return ids[-1 - back]
    if ref in ids:
        return ref
    prefixed = [i for i in ids if ref and i.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        shown = ", ".join(prefixed[:5]) + (", …" if len(prefixed) > 5 else "")
        raise NotFound(
            f"{ref!r} matches {len(prefixed)} versions of {target!r}: {shown}; give more of the id"
        )
    raise NotFound(
        f"no version {ref!r} of {target!r}; nearest: {', '.join(_nearest(ids, ref))} "
        "(see `nato-watch log`; `latest` and `latest~N` work too)"
    )


def version_at(archive: Archive, target: str, when: datetime) -> str:
    """The id of the version in force at `when`: the last one captured at or before it.

    A time given to the second covers that whole second (as version ids do), so `--at <id>`
    names that version; a time with a fraction is compared exactly. Ids are capture seconds,
    so a bisection over the ids decides almost every case without opening a file; only the
    versions in `when`'s own second or pushed past their capture second (two captures in one
    second) need their capture time read, from the head of their file.
    """
    if when.tzinfo is None:
        raise ValueError("version_at needs an aware datetime")
    ids = archive.version_ids(target)
    if not ids:
        raise NotFound(f"target {target!r} has no versions yet; run `nato-watch check` first")
    limit = when if when.microsecond else when + timedelta(seconds=1, microseconds=-1)
    # An id is never earlier than its capture second, and a capture is never later than the
    # end of its id's second: ids before `when`'s second are in force, the rest need a look.
    if when.microsecond:
        index = bisect.bisect_left(ids, stamp_of(when))
    else:
        index = bisect.bisect_right(ids, stamp_of(when))
    while index < len(ids) and archive.read_captured_at(target, ids[index]) <= limit:
        index += 1
    if index == 0:
        first = archive.read_captured_at(target, ids[0])
        raise NotFound(
            f"target {target!r} has no version at {utc_iso(when.astimezone(UTC))}: the first "
            f"({ids[0]}) was captured at {utc_iso(first)}"
        )
    return ids[index - 1]


def version_stamped_at(archive: Archive, target: str, when: datetime) -> str:
    """The id of the version whose page stamp ("Last updated") was in force at `when`: of the
    versions showing the latest stamp at or before `when`, the first captured, which is what
    the page said when that stamp was set (a silent edit under the same stamp came later).
    Versions that show no stamp are passed over."""
    if when.tzinfo is None:
        raise ValueError("version_stamped_at needs an aware datetime")
    found: tuple[datetime, str] | None = None
    earliest: LastUpdated | None = None
    for version in archive.iter_versions(target):
        stamp = version.document.last_updated
        if stamp is None:
            continue
        if earliest is None or stamp.at < earliest.at:
            earliest = stamp
        if stamp.at <= when and (found is None or stamp.at > found[0]):
            found = (stamp.at, version.id)
    if found is not None:
        return found[1]
    if earliest is None:
        raise NotFound(f"no version of {target!r} shows a 'Last updated' stamp")
    raise NotFound(
        f"no version of {target!r} was stamped at or before "
        f"{when.isoformat(timespec='minutes')}: the earliest stamp is {earliest.text}"
    )


def _nearest(ids: list[str], ref: str) -> list[str]:
    """Up to three ids closest to `ref` in time when it reads as a time, else the newest."""
    try:
        when = parse_moment(ref, option="VERSION")
    except ConfigError:
        return ids[-3:]
    ranked = sorted(ids, key=lambda i: abs((parse_stamp(i) - when).total_seconds()))[:3]
    return sorted(ranked)


# -- verify ----------------------------------------------------------------------------------


class Severity(StrEnum):
    """How bad a problem `verify` found is."""

    DAMAGE = "damage"  # evidence lost or untrustworthy: a hash mismatch, a broken reference
    NOTE = "note"  # left by an interrupted write; the next check or replay deals with it


@dataclass(frozen=True)
class Problem:
    """One thing `verify` found: how bad, where (relative to the data dir), and what."""

    severity: Severity
    path: Path
    message: str

    def line(self) -> str:
        """The one-line form the CLI prints: `DAMAGE path: message` or `note path: message`."""
        word = "DAMAGE" if self.severity is Severity.DAMAGE else "note"
        return f"{word} {self.path}: {self.message}"


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` checked and the problems it found."""

    problems: tuple[Problem, ...]
    targets: int
    raws: int
    versions: int
    reports: int
    checks: int

    @property
    def damage(self) -> tuple[Problem, ...]:
        """The problems that are damage."""
        return tuple(p for p in self.problems if p.severity is Severity.DAMAGE)

    @property
    def notes(self) -> tuple[Problem, ...]:
        """The problems that are only notes."""
        return tuple(p for p in self.problems if p.severity is Severity.NOTE)

    @property
    def ok(self) -> bool:
        """Whether the archive has no damage (notes alone are fine)."""
        return not self.damage

    def summary_line(self) -> str:
        """The final count line of `nato-watch verify`."""
        damage, notes = len(self.damage), len(self.notes)
        return (
            f"checked {_count(self.targets, 'target')}, {_count(self.raws, 'raw snapshot')}, "
            f"{_count(self.versions, 'version')}, {_count(self.reports, 'report')}, "
            f"{_count(self.checks, 'check-log line')}: {damage} damage, "
            f"{_count(notes, 'note')}" + ("" if damage else " — OK")
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def verify(archive: Archive) -> VerifyResult:
    """Re-check every hash and reference in the archive; report, never repair.

    Raw blobs must re-hash to their names; versions must re-hash to their recorded content
    hash, carry their own id and target, and point at a stored raw blob; reports must parse
    and name existing versions; the check log must parse (a torn line is a note) and every
    successful check's raw blob must be stored; the site files must be there when reports
    are; a version page must be of an existing version, and a "since" report must parse.
    Leftover temp files, missing reports and pages, and out-of-date "since" reports are
    notes: an interrupted write leaves them and the next check or replay deals with them.
    """
    if not archive.root.is_dir():
        raise NotFound(f"no archive at {archive.root}: the directory does not exist")
    checker = _Verifier(archive)
    for target in archive.targets():
        checker.target(target)
    for name in _report_dirs(archive):
        if name not in archive.targets():
            checker.reports_only(name)
    checker.site()
    return VerifyResult(
        problems=tuple(checker.problems),
        targets=len(archive.targets()),
        raws=checker.raws,
        versions=checker.versions,
        reports=checker.reports,
        checks=checker.checks,
    )


def _report_dirs(archive: Archive) -> list[str]:
    if not archive.reports.is_dir():
        return []
    return sorted(
        p.name for p in archive.reports.iterdir() if p.is_dir() and TARGET_NAME.fullmatch(p.name)
    )


class _Verifier:
    """The walk behind `verify`: collects problems and counts as it goes."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.problems: list[Problem] = []
        self.raws = self.versions = self.reports = self.checks = 0
        self.any_report = False

    def damage(self, path: Path, message: str) -> None:
        self.problems.append(Problem(Severity.DAMAGE, self.archive.relative(path), message))

    def note(self, path: Path, message: str) -> None:
        self.problems.append(Problem(Severity.NOTE, self.archive.relative(path), message))

    def target(self, target: str) -> None:
        base = self.archive.target_dir(target)
        self.strays(base, allowed={"raw", "versions", "checks.jsonl"})
        raws = self.raw_blobs(target)
        versions = self.version_files(target, raws)
        self.check_log(target, raws)
        self.report_files(target, versions)

    def reports_only(self, target: str) -> None:
        self.report_files(target, {})

    def strays(self, folder: Path, *, allowed: set[str] | None = None) -> None:
        """Notes for leftover temp files (and, where a set is given, unexpected files)."""
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if TMP_FILE.fullmatch(path.name):
                self.note(path, "leftover temp file of an interrupted write; safe to delete")
            elif allowed is not None and path.name not in allowed:
                self.note(path, "unexpected file; nato-watch does not use it")

    def raw_blobs(self, target: str) -> dict[str, bool]:
        """sha256 -> whether the blob is sound, for every raw blob of `target`."""
        folder = self.archive.target_dir(target) / "raw"
        self.strays(folder)
        sound: dict[str, bool] = {}
        if not folder.is_dir():
            return sound
        sidecars: list[Path] = []
        for path in sorted(folder.iterdir()):
            if TMP_FILE.fullmatch(path.name):
                continue
            if path.name.endswith(HEADERS_SUFFIX) and SHA256.fullmatch(
                path.name.removesuffix(HEADERS_SUFFIX)
            ):
                sidecars.append(path)
                continue
            name = path.name.removesuffix(".html.gz")
            if not path.name.endswith(".html.gz") or not SHA256.fullmatch(name):
                self.note(
                    path,
                    "unexpected file; raw snapshots are named <sha256>.html.gz, their headers "
                    "<sha256>.http.json",
                )
                continue
            self.raws += 1
            try:
                body = gzip.decompress(path.read_bytes())
            except (OSError, EOFError, zlib.error) as err:
                self.damage(path, f"unreadable gzip ({err})")
                sound[name] = False
                continue
            actual = sha256_hex(body)
            if actual != name:
                self.damage(path, f"content hashes to {actual[:16]}…, not to its name")
            sound[name] = actual == name
        for path in sidecars:
            self.headers_file(target, path, sound)
        return sound

    def headers_file(self, target: str, path: Path, raws: dict[str, bool]) -> None:
        """A raw snapshot's headers must parse and name a stored body (a body without them
        is fine: archives made before headers were kept have none)."""
        sha = path.name.removesuffix(HEADERS_SUFFIX)
        try:
            self.archive.read_headers(target, sha)
        except StoreError as err:
            self.damage(path, f"unreadable headers file ({err})")
            return
        if sha not in raws:
            self.damage(path, f"keeps the headers of raw snapshot {sha[:16]}…, which is not stored")

    def version_files(self, target: str, raws: dict[str, bool]) -> dict[str, Version]:
        """id -> version for every readable version of `target`."""
        folder = self.archive.target_dir(target) / "versions"
        self.strays(folder)
        found: dict[str, Version] = {}
        if not folder.is_dir():
            return found
        for path in sorted(folder.iterdir()):
            if TMP_FILE.fullmatch(path.name):
                continue
            if path.suffix != ".json" or not STAMP.fullmatch(path.stem):
                self.note(path, "unexpected file; versions are named YYYY-MM-DDTHHMMSSZ.json")
                continue
            self.versions += 1
            version = self.version_file(target, path, raws)
            if version is not None:
                found[path.stem] = version
        return found

    def version_file(self, target: str, path: Path, raws: dict[str, bool]) -> Version | None:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
            version = Version.from_dict(data)
            recorded = data["content_hash"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            self.damage(path, f"unreadable version file ({type(err).__name__}: {err})")
            return None
        if version.id != path.stem:
            self.damage(path, f"records id {version.id!r}, not its file name")
        if version.target != target:
            self.damage(path, f"records target {version.target!r}, not {target!r}")
        if version.content_hash != recorded:
            self.damage(
                path,
                f"document hashes to {version.content_hash[:16]}…, not to its recorded "
                f"content_hash {str(recorded)[:16]}… (edited after it was stored?)",
            )
        if STAMP.fullmatch(version.id) and parse_stamp(version.id) < version.captured_at.replace(
            microsecond=0
        ):
            self.damage(path, f"id is earlier than its capture time {utc_iso(version.captured_at)}")
        sha = version.provenance.raw_sha256
        if sha not in raws:
            self.damage(path, f"points at raw snapshot {sha[:16]}…, which is not stored")
        return version

    def check_log(self, target: str, raws: dict[str, bool]) -> None:
        path = self.archive.checks_path(target)
        if not path.is_file():
            return
        lines = list(self.archive.iter_check_lines(target))
        for index, item in enumerate(lines):
            self.checks += 1
            if isinstance(item, TornLine):
                if _looks_torn(item.text):
                    where = "last line" if index == len(lines) - 1 else "line"
                    self.note(
                        path,
                        f"{where} {item.line_number} is torn (a write cut short); readers skip it",
                    )
                else:
                    self.damage(path, f"line {item.line_number} is not a check record")
                continue
            if (
                item.status is not CheckStatus.ERROR
                and item.raw_sha256
                and item.raw_sha256 not in raws
                and not item.not_modified
            ):
                self.damage(
                    path,
                    f"check at {utc_iso(item.started_at)} stored raw snapshot "
                    f"{item.raw_sha256[:16]}…, which is missing",
                )

    def report_files(self, target: str, versions: dict[str, Version]) -> None:
        folder = self.archive.reports / target
        self.strays(folder)
        reports = self.archive.report_files(target)
        ordered = sorted(versions)
        previous = {new: old for old, new in itertools.pairwise(ordered)}
        for version_id in sorted(reports):
            self.reports += 1
            self.any_report = True
            formats = reports[version_id]
            for fmt in REPORT_FORMATS:
                if fmt not in formats:
                    self.note(
                        folder / f"{version_id}.{fmt}",
                        "missing (an interrupted write?); `nato-watch replay` writes it",
                    )
            for fmt in sorted(formats - {"json"}):
                self.report_text(folder / f"{version_id}.{fmt}", fmt)
            if "json" in formats:
                self.report_json(
                    folder / f"{version_id}.json", target, version_id, versions, previous
                )
        for version_id in ordered[1:]:
            if version_id not in reports:
                self.note(
                    folder / f"{version_id}.json",
                    "the report leading to this version is missing (an interrupted check?); "
                    "`nato-watch replay` writes it",
                )
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            stem, _, fmt = path.name.rpartition(".")
            if path.name in (PAGES_DIR, SINCE_DIR) and path.is_dir():
                continue
            if not TMP_FILE.fullmatch(path.name) and not (
                fmt in REPORT_FORMATS and STAMP.fullmatch(stem)
            ):
                self.note(path, "unexpected file in the reports folder")
        self.version_pages(target, versions)
        self.since_reports(target, versions)

    def version_pages(self, target: str, versions: dict[str, Version]) -> None:
        """Every version has a readable page (a missing one is a note), and every page is of
        a version that exists (replay removes a version's page before the version)."""
        folder = self.archive.reports / target / PAGES_DIR
        self.strays(folder)
        pages = set()
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if TMP_FILE.fullmatch(path.name):
                continue
            if path.suffix != ".html" or not STAMP.fullmatch(path.stem):
                self.note(path, "unexpected file; version pages are named YYYY-MM-DDTHHMMSSZ.html")
                continue
            pages.add(path.stem)
            self.site_text(path, "version page")
            if path.stem not in versions:
                self.damage(path, f"is the page of version {path.stem}, which does not exist")
        for version_id in sorted(versions):
            if version_id not in pages:
                self.note(
                    folder / f"{version_id}.html",
                    "missing (an interrupted write?); the next check or `nato-watch replay` "
                    "writes it",
                )

    def since_reports(self, target: str, versions: dict[str, Version]) -> None:
        """Combined "since" reports parse and compare an existing version with the latest.

        They are recomputed whenever the latest version changes, so one that is out of date
        or names a version that is gone is what an interrupted rebuild leaves: a note.
        """
        folder = self.archive.reports / target / SINCE_DIR
        self.strays(folder)
        latest = max(versions) if versions else None
        found = self.archive.since_report_files(target) if folder.is_dir() else {}
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            stem, _, fmt = path.name.rpartition(".")
            if not TMP_FILE.fullmatch(path.name) and not (
                fmt in SINCE_FORMATS and STAMP.fullmatch(stem)
            ):
                self.note(path, "unexpected file in the since folder")
        for version_id in sorted(found):
            formats = found[version_id]
            for fmt in SINCE_FORMATS:
                if fmt not in formats:
                    self.note(
                        folder / f"{version_id}.{fmt}",
                        "missing (an interrupted write?); the next check or replay writes it",
                    )
            if "html" in formats:
                self.site_text(folder / f"{version_id}.html", "since report")
            if "json" not in formats:
                continue
            path = folder / f"{version_id}.json"
            try:
                data = json.loads(path.read_bytes().decode("utf-8"))
                old_id, new_id, named_target = _report_refs(data)
            except (OSError, ValueError, KeyError, TypeError) as err:
                self.damage(path, f"unreadable JSON report ({type(err).__name__}: {err})")
                continue
            if named_target != target:
                self.damage(path, f"names target {named_target!r}, not {target!r}")
            if old_id != version_id:
                self.damage(path, f"is the report since {old_id!r}, not since {version_id}")
            gone = [ref for ref in (old_id, new_id) if ref not in versions]
            if gone:
                self.note(
                    path,
                    f"names version {gone[0]}, which does not exist; the next check or "
                    "`nato-watch replay` rebuilds it",
                )
            elif new_id != latest:
                self.note(
                    path,
                    f"compares with {new_id}, but the latest version is {latest}; the next "
                    "check or `nato-watch replay` rebuilds it",
                )

    def report_text(self, path: Path, fmt: str) -> None:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.damage(path, f"unreadable {fmt} report ({err})")
            return
        if not text.strip():
            self.damage(path, f"empty {fmt} report")

    def site_text(self, path: Path, what: str) -> None:
        """A page of the site must be non-empty UTF-8."""
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.damage(path, f"unreadable {what} ({err})")
            return
        if not text.strip():
            self.damage(path, f"empty {what}")

    def report_json(
        self,
        path: Path,
        target: str,
        version_id: str,
        versions: dict[str, Version],
        previous: dict[str, str],
    ) -> None:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
            refs = _report_refs(data)
        except (OSError, ValueError, KeyError, TypeError) as err:
            self.damage(path, f"unreadable JSON report ({type(err).__name__}: {err})")
            return
        old_id, new_id, named_target = refs
        if named_target != target:
            self.damage(path, f"names target {named_target!r}, not {target!r}")
        if new_id != version_id:
            self.damage(path, f"is the report of version {new_id!r}, not of {version_id}")
        for role, ref in (("old", old_id), ("new", new_id)):
            if ref not in versions:
                self.damage(path, f"its {role} version {ref} does not exist")
        if new_id in versions and old_id in versions and previous.get(new_id) not in (None, old_id):
            self.note(
                path,
                f"compares with {old_id}, but the version before {new_id} is now "
                f"{previous[new_id]}; `nato-watch replay` rebuilds it",
            )

    def site(self) -> None:
        self.strays(self.archive.reports)
        for name in SITE_FILES:
            path = self.archive.reports / name
            if not path.is_file():
                if self.any_report:
                    self.note(path, "missing (an interrupted write?); the next check writes it")
                continue
            try:
                text = path.read_bytes().decode("utf-8")
                if name.endswith(".atom"):
                    ElementTree.fromstring(text)
            except (OSError, UnicodeDecodeError, ElementTree.ParseError) as err:
                self.damage(path, f"unreadable ({err})")


def _report_refs(data: Any) -> tuple[str, str, str]:
    """The old and new version ids and the target a JSON report names."""
    old, new, target = data["old"]["id"], data["new"]["id"], data["target"]
    if not all(isinstance(x, str) for x in (old, new, target)):
        raise TypeError("old.id, new.id and target must be strings")
    return old, new, target


def _looks_torn(text: str) -> bool:
    """Whether an unreadable check-log line is a record cut short rather than foreign text.

    Lines are written by one `write` of `{…}\\n`; a cut leaves the start of an object with no
    closing brace. Anything else (a complete but wrong object, binary junk) is not a tear.
    """
    return text.startswith("{") and not text.rstrip().endswith("}")
