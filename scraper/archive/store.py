"""The archive on disk: check logs, raw snapshots, versions, and (as `Archive.site`, a
`site_store.SiteStore`) the report site. `Archive` is how every layer above reads and writes
them; its files are written through `archive.files`, their names checked by `archive.names`,
and its writer lock is `archive.lock`.

Layout (under the data dir; `reports/` is `site_store`'s):

    snapshots/<target>/checks.jsonl          append-only, one JSON line per check
    snapshots/<target>/raw/<sha256>.html.gz  every distinct response body, byte for byte
    snapshots/<target>/raw/<sha256>.http.json  the HTTP heads that delivered it (once kept)
    snapshots/<target>/versions/<stamp>.json one per version: document + provenance
    reports/                                 the report site, derived from the above

Every file write is atomic (temp file in the same directory, fsync, rename, fsync of the
directory); the check log is appended with one `write` and fsync, each line chained to the
one before it (`archive.checklog`, `core.chain`), and a torn last line is skipped on read.
Leftover `.*.tmp` files of a killed writer are ignored by every reader. One writer at a
time holds `<data-dir>/.nato-watch.lock`. `archive.verify` re-checks every hash and
reference and reports what it finds; nothing here repairs an archive behind the user's back.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from scraper.archive.checklog import LogLine, append_line, read_lines
from scraper.archive.files import StagedWrites, atomic_write, remove_files, remove_temp_files
from scraper.archive.listing import StampListing
from scraper.archive.lock import hold_lock
from scraper.archive.logtail import lines_newest_first
from scraper.archive.names import (
    SHA256,
    TARGET_NAME,
    check_target_name,
    valid_sha256,
    valid_version_id,
)
from scraper.archive.site_store import SiteStore
from scraper.core.document import Document, canonical_json
from scraper.core.records import (
    CheckRecord,
    HttpExchange,
    Provenance,
    SnapshotHeaders,
    Source,
    Version,
)
from scraper.errors import NotFound, StoreError
from scraper.timespec import parse_utc, stamp_of

# Beside `raw/<sha256>.html.gz`: the HTTP heads of the response that delivered those bytes.
HEADERS_SUFFIX = ".http.json"
# In the data dir of an archive made by `nato-watch demo`: what it is. Its presence marks the
# whole archive as demo data (the index says so; `check` and the imports refuse to add to it).
DEMO_MARKER = "DEMO.md"
# The config file a data dir may hold (`scraper.config` reads it; the demo writes one).
CONFIG_NAME = "nato-watch.toml"
# Version files are canonical JSON with sorted keys, so "captured_at" is the first key: a
# reader that needs only the capture time reads the head of the file, not the document.
CAPTURED_AT_HEAD = re.compile(rb'^\{\s*"captured_at":\s*"([^"]+)"')
R = TypeVar("R")


def sha256_hex(data: bytes) -> str:
    """The sha256 of `data`, as lowercase hex."""
    # lazy: loading OpenSSL's hashes costs ~4 ms of start-up that `log`, `show`, `status`
    # and `--help` never use
    import hashlib

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
        self._writes = StagedWrites()
        # The report site under `reports/`; its writes join this archive's `batch()`.
        self.site = SiteStore(self.root / "reports", self._writes)
        self._listing = StampListing()  # version ids, kept while their folder is unchanged
        # Whether this object swept the temp files of killed writers yet: at its first lock,
        # then whenever the lock's previous holder died holding it.
        self._swept = False

    # -- paths -------------------------------------------------------------------------------

    def target_dir(self, target: str) -> Path:
        """`snapshots/<target>`, after checking that `target` is a slug."""
        return self.snapshots / check_target_name(target)

    def raw_path(self, target: str, sha256: str) -> Path:
        """Where the raw body with this sha256 is (or would be) stored."""
        name = f"{valid_sha256(sha256)}.html.gz"
        return self.target_dir(target) / "raw" / name

    def version_path(self, target: str, version_id: str) -> Path:
        """Where version `version_id` of `target` is stored."""
        name = f"{valid_version_id(version_id)}.json"
        return self.target_dir(target) / "versions" / name

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
        can say which process to wait for. Taking it clears the temp files that killed
        writers left (none of a live writer can exist while it is held).
        """
        with hold_lock(self.root, timeout=timeout) as taken:
            if taken is not None and (not self._swept or taken.holder_died):
                self._swept = True
                remove_temp_files(self._write_folders(), changed_since=taken.last_written)
            yield

    def _write_folders(self) -> Iterator[Path]:
        """Every folder this archive writes files into (where a killed writer's temp files
        are): the targets' snapshot, raw and version folders, then the site's."""
        yield self.snapshots
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            for name in sorted(os.listdir(self.snapshots)):
                if TARGET_NAME.fullmatch(name):
                    yield self.snapshots / name
                    for sub in ("raw", "versions"):
                        yield self.snapshots / name / sub
        yield from self.site.write_folders()

    # -- batched writes ----------------------------------------------------------------------

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Make many writes durable with one sync instead of two fsyncs each.

        Inside the block, version, report and site files are written to temp files but not
        renamed into place (readers still see the old files); at its end, one `sync` puts
        every temp file on disk, then each is renamed, in the order written, and the folders
        are fsynced. A file is thus never in place before its bytes are durable, as with a
        single write. On an exception the temp files are removed and nothing changes. Replay
        uses it: thousands of files, where per-file fsyncs dominate the time.
        """
        return self._writes.batch()

    def _write(self, path: Path, data: bytes, *, skip_if_same: bool = False) -> None:
        """Write a file atomically, now or at the end of the current `batch()`."""
        self._writes.write(path, data, skip_if_same=skip_if_same)

    # -- what the data dir is ------------------------------------------------------------------

    def holds_archive(self) -> bool:
        """Whether anything is stored under `snapshots/` or `reports/`."""
        return any(
            folder.is_dir() and any(folder.iterdir()) for folder in (self.snapshots, self.site.root)
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

    def write_config(self, text: str) -> Path:
        """Write `<data-dir>/nato-watch.toml` (the demo's; a real one is the user's to write)."""
        path = self.root / CONFIG_NAME
        self._write(path, text.encode("utf-8"))
        return path

    def write_demo_marker(self, text: str) -> Path:
        """Write `DEMO.md`, which marks the data dir as demo data."""
        path = self.root / DEMO_MARKER
        self._write(path, text.encode("utf-8"))
        return path

    # -- targets -----------------------------------------------------------------------------

    def targets(self) -> list[str]:
        """Names of the targets the archive holds anything for, sorted."""
        try:
            with os.scandir(self.snapshots) as entries:
                # `is_dir` from the directory listing itself: no stat per target.
                names = [e.name for e in entries if TARGET_NAME.fullmatch(e.name) and e.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(names)

    # -- raw snapshots -----------------------------------------------------------------------

    def has_raw(self, target: str, sha256: str) -> bool:
        """Whether the raw body with this sha256 is stored."""
        return self.raw_path(target, sha256).is_file()

    def headers_path(self, target: str, sha256: str) -> Path:
        """Where the HTTP heads of the raw body with this sha256 are (or would be) kept."""
        name = f"{valid_sha256(sha256)}{HEADERS_SUFFIX}"
        return self.target_dir(target) / "raw" / name

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
            # lazy: only a command that stores or reads a raw body needs gzip
            import gzip

            # mtime=0 keeps the gzip bytes a function of the body alone.
            atomic_write(path, gzip.compress(body, compresslevel=9, mtime=0))
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
                atomic_write(headers_path, _sidecar_bytes(sidecar))
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
        sidecar = _parsed(SnapshotHeaders.from_dict, data, f"headers file {path}")
        if sidecar.sha256 != sha256:
            raise StoreError(f"headers file {path} names raw snapshot {sidecar.sha256[:16]}…")
        return sidecar

    def read_raw(self, target: str, sha256: str, *, check: bool = False) -> bytes:
        """The stored body with this sha256, byte for byte; with `check`, re-hash it first."""
        path = self.raw_path(target, sha256)
        # lazy: only a command that stores or reads a raw body needs gzip
        import gzip
        import zlib

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
        path = self.version_path(target, version_id)
        remove_files([path], path.parent)

    def version_ids(self, target: str) -> list[str]:
        """Ids of the target's versions, oldest first."""
        # Ids are `YYYY-MM-DDTHHMMSSZ`: their text order is their time order.
        return self._listing.stamps(self.target_dir(target) / "versions", ".json")

    def read_version(self, target: str, version_id: str, *, check: bool = False) -> Version:
        """Version `version_id` of `target`; with `check`, its document must still hash to
        the content_hash recorded with it (else `StoreError`: the file was edited)."""
        path = self.version_path(target, version_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _no_version(target, version_id) from None
        except (OSError, ValueError) as err:
            raise StoreError(f"version file {path} is unreadable: {err}") from err
        version = _parsed(Version.from_dict, data, f"version file {path}")
        if check and data.get("content_hash") != version.content_hash:
            raise StoreError(
                f"version file {path} is damaged: its document no longer hashes to its "
                "recorded content_hash (edited after it was stored?); run `nato-watch verify` "
                "and restore it from a backup, or `nato-watch replay` to rebuild it from its "
                "raw snapshot"
            )
        return version

    def read_version_bytes(self, target: str, version_id: str) -> bytes:
        """The version file of `version_id` exactly as stored (evidence handed on as is)."""
        path = self.version_path(target, version_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise _no_version(target, version_id) from None
        except OSError as err:
            raise StoreError(f"version file {path} is unreadable: {err}") from err

    def read_captured_at(self, target: str, version_id: str) -> datetime:
        """The capture time of a version, read from the head of its file (not the document)."""
        path = self.version_path(target, version_id)
        try:
            with path.open("rb") as handle:
                head = handle.read(256)
        except FileNotFoundError:
            raise _no_version(target, version_id) from None
        match = CAPTURED_AT_HEAD.match(head)
        if match:
            with contextlib.suppress(ValueError):
                return parse_utc(match.group(1).decode("ascii", errors="replace"))
        return self.read_version(target, version_id).captured_at

    def iter_versions(self, target: str) -> Iterator[Version]:
        """The target's versions, oldest first (by capture time)."""
        for version_id in self.version_ids(target):
            yield self.read_version(target, version_id)

    def latest_version(self, target: str, *, check: bool = False) -> Version | None:
        """The target's newest version, or None when it has none; with `check`, checked as
        `read_version` checks it."""
        ids = self.version_ids(target)
        return self.read_version(target, ids[-1], check=check) if ids else None

    # -- check log ---------------------------------------------------------------------------

    def append_check(self, record: CheckRecord) -> CheckRecord:
        """Append one line to the target's check log, chained to the line before it
        (`archive.checklog`), and fsync it; return the record as written (with its `prev`).

        Takes the archive lock (re-entrant: the check or import that calls this holds it
        already), so two writers never link to the same line.
        """
        path = self.checks_path(record.target)  # a bad target name fails before the lock
        with self.lock():
            return append_line(path, record)

    def iter_checks(self, target: str) -> Iterator[CheckRecord]:
        """The target's check log, oldest line first; unreadable lines are skipped."""
        for item in self.iter_check_lines(target):
            if isinstance(item, CheckRecord):
                yield item

    def iter_check_lines(self, target: str) -> Iterator[CheckRecord | TornLine]:
        """Every line of the check log, as a record or as a `TornLine` when unreadable."""
        for line in self.iter_check_log(target):
            if line.record is not None:
                yield line.record
            else:
                text = line.data.decode("utf-8", errors="replace").strip()
                yield TornLine(target=target, line_number=line.number, text=text[:200])

    def iter_check_log(self, target: str) -> Iterator[LogLine]:
        """Every non-blank line of the check log with its bytes as stored (for the chain)."""
        return read_lines(self.checks_path(target), target)

    def iter_checks_newest_first(self, target: str) -> Iterator[CheckRecord]:
        """The target's check log, newest line first, read from the end of the file (so a
        reader of its last checks never reads the whole log); unreadable lines are skipped."""
        for raw in lines_newest_first(self.checks_path(target)):
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                yield CheckRecord.from_dict(json.loads(raw.decode("utf-8")), target=target)

    def last_check(self, target: str) -> CheckRecord | None:
        """The target's most recent live check, or None.

        Lines of imported captures (`source` wayback or warc) are not checks this tool made:
        they are appended late, with their archive's capture times, so they never count here.
        """
        for record in self.iter_checks_newest_first(target):
            if record.source is Source.LIVE:
                return record
        return None


def _sidecar_bytes(sidecar: SnapshotHeaders) -> bytes:
    """The exact bytes of a `raw/<sha256>.http.json` file: canonical JSON, indented."""
    return (canonical_json(sidecar.to_dict(), indent=1) + "\n").encode("utf-8")


def version_bytes(version: Version) -> bytes:
    """The exact bytes of a version file: canonical JSON, indented, one trailing newline."""
    return (canonical_json(version.to_dict(), indent=1) + "\n").encode("utf-8")


def _no_version(target: str, version_id: str) -> NotFound:
    """The error of a version that is not stored."""
    return NotFound(f"no version {version_id} of target {target!r}")


def _parsed(from_dict: Callable[[Any], R], data: Any, what: str) -> R:
    """The record `from_dict` makes of a stored file's JSON; `StoreError` naming `what` (the
    file) when the JSON is not one."""
    try:
        return from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise StoreError(f"{what} is malformed: {err}") from err
