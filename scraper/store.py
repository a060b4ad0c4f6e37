"""The archive on disk: check logs, raw snapshots, versions, reports; the only module that
touches the archive's files.

Layout (under the data dir):

    snapshots/<target>/checks.jsonl          append-only, one JSON line per check
    snapshots/<target>/raw/<sha256>.html.gz  every distinct response body, byte for byte
    snapshots/<target>/versions/<stamp>.json one per version: document + provenance
    reports/<target>/<stamp>.{md,html,json}  change from the previous version to this one
    reports/index.html, reports/feed.atom    every change of every target

Every file write is atomic (temp file in the same directory, fsync, rename, fsync of the
directory); the check log is appended with one `write` and fsync, and a torn last line is
skipped on read. One writer at a time holds `<data-dir>/.nato-watch.lock`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from scraper.document import Document, canonical_json
from scraper.errors import LockedError, NotFound, StoreError
from scraper.records import CheckRecord, Provenance, Version, parse_stamp, stamp_of

TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
REPORT_FORMATS = ("md", "html", "json")
LOCK_NAME = ".nato-watch.lock"


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


class Archive:
    """A data dir holding snapshots and reports for any number of targets."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.snapshots = self.root / "snapshots"
        self.reports = self.root / "reports"

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

    # -- lock --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, *, timeout: float = 60.0) -> Iterator[None]:
        """Hold the data dir's writer lock; wait up to `timeout` seconds for it."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise StoreError(f"cannot lock {path}: {err.strerror}") from err
                    if time.monotonic() >= deadline:
                        holder = _read_lock_holder(path)
                        raise LockedError(
                            f"the archive {self.root} is locked by {holder}; wait for it to "
                            f"finish, or stop it (lock file {path})"
                        ) from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

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

    def put_raw(self, target: str, body: bytes) -> str:
        """Store a response body (once per distinct body); return its sha256."""
        digest = sha256_hex(body)
        path = self.raw_path(target, digest)
        if not path.is_file():
            # mtime=0 keeps the gzip bytes a function of the body alone.
            _atomic_write(path, gzip.compress(body, compresslevel=9, mtime=0))
        return digest

    def read_raw(self, target: str, sha256: str) -> bytes:
        """The stored body with this sha256, byte for byte."""
        path = self.raw_path(target, sha256)
        try:
            return gzip.decompress(path.read_bytes())
        except FileNotFoundError:
            raise NotFound(f"raw snapshot {sha256} of target {target!r} is not stored") from None
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            raise StoreError(f"raw snapshot {path} is unreadable: {err}") from err

    def iter_raw(self, target: str) -> Iterator[str]:
        """The sha256 of every stored raw body of `target`, sorted."""
        folder = self.target_dir(target) / "raw"
        if folder.is_dir():
            for path in sorted(folder.glob("*.html.gz")):
                yield path.name.removesuffix(".html.gz")

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
        """Write (or overwrite) a version file atomically; return its path."""
        path = self.version_path(version.target, version.id)
        _atomic_write(path, (canonical_json(version.to_dict(), indent=1) + "\n").encode())
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
        ids = [p.stem for p in folder.glob("*.json") if STAMP.fullmatch(p.stem)]
        return sorted(ids, key=parse_stamp)

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
        except (KeyError, TypeError, ValueError) as err:
            raise StoreError(f"version file {path} is malformed: {err}") from err

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
        _atomic_write(path, text.encode("utf-8"))
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
        for fmt in REPORT_FORMATS:
            with contextlib.suppress(FileNotFoundError):
                self.report_path(target, version_id, fmt).unlink()

    def report_ids(self, target: str) -> list[str]:
        """Ids of the versions that have a JSON report, oldest first."""
        folder = self.reports / check_target_name(target)
        if not folder.is_dir():
            return []
        ids = [p.stem for p in folder.glob("*.json") if STAMP.fullmatch(p.stem)]
        return sorted(ids, key=parse_stamp)

    def write_site_file(self, name: str, text: str) -> Path:
        """Write a file of the report site (`index.html`, `feed.atom`) atomically."""
        if "/" in name or name.startswith("."):
            raise StoreError(f"invalid site file name {name!r}")
        path = self.reports / name
        _atomic_write(path, text.encode("utf-8"))
        return path

    # -- check log ---------------------------------------------------------------------------

    def append_check(self, record: CheckRecord) -> None:
        """Append one line to the target's check log and fsync it."""
        path = self.checks_path(record.target)
        path.parent.mkdir(parents=True, exist_ok=True)
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
                    yield CheckRecord.from_dict(json.loads(text))
                except (ValueError, KeyError, TypeError):
                    yield TornLine(target=target, line_number=number, text=text[:200])

    def last_check(self, target: str) -> CheckRecord | None:
        """The target's most recent check, or None."""
        last = None
        for record in self.iter_checks(target):
            last = record
        return last


def _read_lock_holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid else "another process"


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


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


LATEST_REF = re.compile(r"^latest(?:~(\d+))?$")


def resolve_version(archive: Archive, target: str, ref: str) -> str:
    """The version id `ref` names: an id, a unique id prefix, `latest` or `latest~N`."""
    ids = archive.version_ids(target)
    if not ids:
        raise NotFound(f"target {target!r} has no versions yet; run `nato-watch check` first")
    match = LATEST_REF.fullmatch(ref)
    if match:
        back = int(match.group(1) or 0)
        if back >= len(ids):
            raise NotFound(
                f"{ref}: target {target!r} has only {len(ids)} version(s); "
                f"the oldest is latest~{len(ids) - 1}"
            )
        return ids[-1 - back]
    if ref in ids:
        return ref
    prefixed = [i for i in ids if i.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise NotFound(f"{ref!r} matches {len(prefixed)} versions: {', '.join(prefixed[:5])}")
    raise NotFound(f"no version {ref!r} of {target!r}; nearest: {', '.join(_nearest(ids, ref))}")


def version_at(archive: Archive, target: str, when: datetime) -> str:
    """The id of the version in force at `when`: the last one captured at or before it."""
    if when.tzinfo is None:
        raise ValueError("version_at needs an aware datetime")
    chosen = None
    for version_id in archive.version_ids(target):
        if archive.read_version(target, version_id).captured_at <= when:
            chosen = version_id
        else:
            break
    if chosen is None:
        ids = archive.version_ids(target)
        first = ids[0] if ids else "none"
        raise NotFound(
            f"target {target!r} has no version at {when.isoformat()}; the first is {first}"
        )
    return chosen


def _nearest(ids: list[str], ref: str) -> list[str]:
    """Up to three ids closest to `ref` in time when it reads as a time, else the newest."""
    try:
        when = parse_stamp(ref) if STAMP.fullmatch(ref) else _loose_time(ref)
    except ValueError:
        return ids[-3:]
    return sorted(ids, key=lambda i: abs((parse_stamp(i) - when).total_seconds()))[:3]


def _loose_time(text: str) -> datetime:
    from datetime import UTC

    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
