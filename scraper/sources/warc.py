"""WARC (ISO 28500) out and in: export a target's captures for any web-archive replay tool,
and import captures that others made of the page from WARC and ARC files.

Export (`export_warc`) writes, for every capture in capture order, what happened on the wire:

- a `response` record the first time a raw snapshot appears: the HTTP status line and headers
  as received (kept beside the snapshot since headers were kept, else rebuilt from the check
  log) and the body byte for byte, at `WARC-Target-URI` = the URL that answered (the final URL
  after redirects; the redirect hops are listed in the metadata record, not faked as records
  whose headers were never kept) and `WARC-Date` = the capture time, to the microsecond;
- a `revisit` record (profile identical-payload-digest) for each later capture of the same
  bytes, pointing at that response, as crawlers write a capture that did not change;
- a `request` record (the request as sent, where it was kept) and a `metadata` record that
  refers to the response or revisit: the target, the version the capture shows, its content
  hash, the parser version, the report summary, and how the headers were kept.

The stored body is the body after content decoding (requests undoes gzip), so an exported
response never claims `Content-Encoding`: that header and `Transfer-Encoding` are dropped,
`Content-Length` is set to the body's length, and the metadata record says what was rewritten
(the Internet Archive calls such a response "rewritten").

Import (`import_warc`) reads WARC and ARC files, gzipped or not, and hands the captures of a
target's page to `scraper.sources.importing.Importer`, as `import-wayback` does: files are checked
whole (every record read, every digest verified) before anything is written, so a damaged file
imports nothing.

Webrecorder's `warcio` reads and writes the records; this module decides what goes in them.
The archive's files are read and written through `Archive` only.
"""

from __future__ import annotations

import contextlib
import gzip
import http
import io
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scraper import __version__
from scraper.archive.store import Archive
from scraper.core.pagekind import is_bot_check
from scraper.core.records import (
    CheckRecord,
    Header,
    HttpExchange,
    Provenance,
    SnapshotHeaders,
    Source,
    Version,
)
from scraper.core.target import Target
from scraper.errors import ConfigError, NotFound, ScraperError, StoreError
from scraper.errors import one_line as _first_line
from scraper.fetching.decoding import HTML_TYPES, looks_like_html, parse_content_type
from scraper.reports.model import ReportSummary
from scraper.sources.importing import (
    ArchivedCapture,
    CaptureBody,
    Importer,
    ImportResult,
    Outcome,
    Settled,
    payload_digest,
    sha1_digest,
)
from scraper.sources.replay import Capture, captures_of
from scraper.sources.replay import Progress as ReplayProgress
from scraper.timespec import utc_iso
from scraper.urls import same_page

if TYPE_CHECKING:
    from scraper.core.terms import Watchlist

# Fields a stored body no longer fits: it is kept after transfer and content decoding.
DECODED_AWAY = ("content-encoding", "transfer-encoding")
WARC_VERSION = "1.1"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
SOFTWARE = f"nato-watch/{__version__}"

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each capture is written."""


class WarcError(ScraperError):
    """Raised when a WARC or ARC file cannot be read or written (damaged, cut short, not a
    WARC); nothing is imported from a file that raised it."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    targets: tuple[str, ...]
    captures: int  # captures exported (one response or revisit each)
    responses: int  # captures written with their body
    revisits: int  # later captures of bytes already written
    versions: int  # captures that are versions
    reconstructed: int  # captures whose HTTP headers were not kept and were rebuilt
    size: int  # bytes of the file

    def summary_line(self) -> str:
        """The one line `export-warc` prints."""
        return (
            f"wrote {self.path}: {_count(self.captures, 'capture')} of "
            f"{', '.join(self.targets) or 'no target'} ({_count(self.responses, 'response')}, "
            f"{_count(self.revisits, 'revisit')}, {_count(self.versions, 'version')}; "
            f"{self.reconstructed} with headers rebuilt from the check log), "
            f"{self.size:,} bytes"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# -- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Written:
    """The response record a later capture of the same bytes refers to."""

    record_id: str
    uri: str
    date: str
    payload_digest: str


def export_warc(
    archive: Archive,
    targets: list[str],
    out: Path,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
    target_urls: dict[str, str] | None = None,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
) -> ExportResult:
    """Write every capture of `targets` taken from `start` to `end` (both included, None for
    open) to the WARC file `out` (gzipped per record when its name ends in `.gz`); return
    what was written.

    The file is written beside `out` and renamed into place when whole, so a killed export
    leaves no half file. The archive lock is held while reading, so the captures, versions
    and reports agree. `now` is the warcinfo record's date; `target_urls` names each
    target's configured URL in the metadata.
    """
    from warcio.warcwriter import WARCWriter

    out = Path(out)
    gzipped = out.name.endswith(".gz")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise WarcError(f"cannot write {out}: the folder {folder} does not exist")
    counts = {"captures": 0, "responses": 0, "revisits": 0, "versions": 0, "rebuilt": 0}
    with archive.lock(timeout=lock_timeout), _atomic_file(out) as handle:
        writer = WARCWriter(handle, gzip=gzipped, warc_version=WARC_VERSION)
        plans = [(t, _select(captures_of(archive, t), start, end)) for t in targets]
        total = sum(len(selected) for _, selected in plans)
        writer.write_record(_warcinfo(writer, out.name, targets, start, end, now))
        done = 0
        for target, selected in plans:
            exporter = _TargetExport(archive, target, writer, (target_urls or {}).get(target))
            for capture in selected:
                exporter.write(capture, counts)
                done += 1
                if progress is not None:
                    progress(done, total)
    return ExportResult(
        path=out,
        targets=tuple(targets),
        captures=counts["captures"],
        responses=counts["responses"],
        revisits=counts["revisits"],
        versions=counts["versions"],
        reconstructed=counts["rebuilt"],
        size=out.stat().st_size,
    )


def _select(captures: list[Capture], start: datetime | None, end: datetime | None) -> list[Capture]:
    return [
        c for c in captures if (start is None or c.at >= start) and (end is None or c.at <= end)
    ]


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A temp file beside `path`, renamed onto it when the block ends without an error."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _warcinfo(
    writer: Any,
    filename: str,
    targets: list[str],
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> Any:
    from importlib.metadata import version

    span = f"captures from {utc_iso(start) if start else 'the first'} to "
    span += utc_iso(end) if end else "the last"
    info = {
        "software": f"{SOFTWARE} (warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "description": (
            f"nato-watch export of {', '.join(targets) or 'no target'}: {span}. Response bodies "
            "are stored after content decoding; Content-Encoding and Transfer-Encoding are "
            "removed and Content-Length set to match (see each metadata record)."
        ),
        "isPartOf": ", ".join(targets),
    }
    record = writer.create_warcinfo_record(filename, info)
    record.rec_headers.replace_header("WARC-Date", utc_iso(now))
    return record


class _TargetExport:
    """Writes the records of one target's captures, remembering which bodies are written."""

    def __init__(self, archive: Archive, target: str, writer: Any, target_url: str | None) -> None:
        self.archive = archive
        self.target = target
        self.writer = writer
        self.target_url = target_url
        versions = list(archive.iter_versions(target))
        self.by_capture = {(v.captured_at, v.provenance.raw_sha256): v for v in versions}
        self.versions = versions
        self.written: dict[str, _Written] = {}

    def write(self, capture: Capture, counts: dict[str, int]) -> None:
        """The response (or revisit), request and metadata records of one capture."""
        version = self.by_capture.get((capture.at, capture.raw))
        uri = _target_uri(capture)
        date = utc_iso(capture.at)
        sidecar = self.archive.read_headers(self.target, capture.raw)
        earlier = self.written.get(capture.raw)
        if earlier is None:
            body = self._body(capture)
            head, how = _response_head(capture, sidecar, len(body))
            record = self.writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=_status_and_headers(head),
                warc_headers_dict={"WARC-Date": date},
            )
            counts["responses"] += 1
        else:
            # A revisit's headers are this capture's; only what its check-log line kept.
            head, how = _response_head(capture, None, None)
            record = self.writer.create_revisit_record(
                uri,
                digest=earlier.payload_digest,
                refers_to_uri=earlier.uri,
                refers_to_date=earlier.date,
                http_headers=_status_and_headers(head),
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": earlier.record_id},
            )
            counts["revisits"] += 1
        self.writer.write_record(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if earlier is None:
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            self.written[capture.raw] = _Written(record_id, uri, date, digest)
        if how.startswith("rebuilt"):
            counts["rebuilt"] += 1
        self.writer.write_record(self._request(capture, sidecar, uri, date, record_id))
        fields = _capture_fields(self.target, self.target_url, capture)
        fields.append(("http-headers", how))
        fields.extend(self._version_fields(capture, version))
        self.writer.write_record(self._metadata(uri, date, record_id, fields))
        counts["captures"] += 1
        if version is not None:
            counts["versions"] += 1

    def _body(self, capture: Capture) -> bytes:
        try:
            return self.archive.read_raw(self.target, capture.raw, check=True)
        except NotFound:
            raise StoreError(
                f"cannot export {self.target!r}: the raw snapshot {capture.raw[:12]}… captured "
                f"at {utc_iso(capture.at)} is not stored — run `nato-watch verify`"
            ) from None

    def _request(
        self,
        capture: Capture,
        sidecar: SnapshotHeaders | None,
        uri: str,
        date: str,
        concurrent_to: str,
    ) -> Any:
        """The request as sent when it was kept (this capture's own sidecar), else its line
        and Host only."""
        from warcio.statusandheaders import StatusAndHeaders

        parts = urlsplit(uri)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if sidecar is not None and sidecar.captured_at == capture.at:
            method, headers = sidecar.exchange.method, list(sidecar.exchange.request_headers)
        else:
            method, headers = "GET", [("Host", parts.netloc)]
        head = StatusAndHeaders(f"{method} {target} HTTP/1.1", headers, is_http_request=True)
        return self.writer.create_warc_record(
            uri,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=head,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
        )

    def _metadata(self, uri: str, date: str, refers_to: str, fields: list[Header]) -> Any:
        block = "".join(f"{name}: {_one_line(value)}\r\n" for name, value in fields)
        data = block.encode("utf-8")
        return self.writer.create_warc_record(
            uri,
            "metadata",
            payload=io.BytesIO(data),
            length=len(data),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": refers_to},
        )

    def _version_fields(self, capture: Capture, version: Version | None) -> list[Header]:
        """What the capture is in the archive's history: the version it starts or shows."""
        if version is None:
            shown = _in_force(self.versions, capture.at)
            out: list[Header] = []
            if shown is not None:
                out.append(("version-in-force", shown.id))
            if capture.record is not None and capture.record.content_hash:
                out.append(("content-hash", capture.record.content_hash))
            return out
        out = [
            ("version", version.id),
            ("content-hash", version.content_hash),
            ("parser-version", version.provenance.parser_version),
        ]
        stamp = version.document.last_updated
        if stamp is not None:
            out.append(("last-updated", stamp.text))
        if self.archive.has_report(self.target, version.id):
            text = self.archive.read_report(self.target, version.id, "json")
            summary = ReportSummary.from_json(text)
            out.append(("previous-version", summary.old_id))
            out.append(("report", f"reports/{self.target}/{version.id}.json"))
            out.append(("report-summary", summary.summary_line))
        elif version is self.versions[0]:
            out.append(("report-summary", "first version"))
        return out


def _in_force(versions: list[Version], at: datetime) -> Version | None:
    shown = None
    for version in versions:
        if version.captured_at > at:
            break
        shown = version
    return shown


def _target_uri(capture: Capture) -> str:
    """The URL that answered: the final URL after redirects."""
    return capture.url


def _status_and_headers(head: HttpExchange) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    status_line = f"{head.status} {head.reason}".rstrip()
    return StatusAndHeaders(status_line, list(head.headers), protocol=head.protocol)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _capture_fields(target: str, target_url: str | None, capture: Capture) -> list[Header]:
    """Where the capture came from, as the archive recorded it."""
    provenance: Provenance | None = capture.provenance
    record: CheckRecord | None = capture.record
    source = provenance.source if provenance else (record.source if record else Source.LIVE)
    fields: list[Header] = [("software", SOFTWARE), ("target", target)]
    if target_url:
        fields.append(("target-url", target_url))
    fields.append(("source", source.value))
    fields.append(("captured-at", utc_iso(capture.at)))
    asked = provenance.url if provenance else (record.url if record else capture.url)
    fields.append(("url", asked))
    for hop in provenance.redirects if provenance else ():
        fields.append(("redirect", hop))
    memento = provenance.memento_url if provenance else (record.memento_url if record else None)
    if memento:
        fields.append(("memento-url", memento))
    fields.append(("raw-sha256", capture.raw))
    return fields


def _response_head(
    capture: Capture, sidecar: SnapshotHeaders | None, body_length: int | None
) -> tuple[HttpExchange, str]:
    """The response's status line and headers for the WARC, and how they were kept.

    The capture's own kept headers when there are some, with what no longer fits the stored
    (decoded) body taken out; else a head rebuilt from the version or check-log line: status,
    Content-Type, ETag, Last-Modified.
    """
    if sidecar is not None and sidecar.captured_at == capture.at:
        exchange = sidecar.exchange
        kept: list[Header] = []
        changes: list[str] = []
        length_seen = False
        for name, value in exchange.headers:
            lower = name.lower()
            if lower in DECODED_AWAY and value.strip().lower() != "identity":
                changes.append(f"{name}: {value} removed")
                continue
            if lower == "content-length" and body_length is not None:
                length_seen = True
                if value.strip() != str(body_length):
                    changes.append(f"{name}: {value} -> {body_length}")
                    value = str(body_length)
            kept.append((name, value))
        if body_length is not None and not length_seen:
            kept.append(("Content-Length", str(body_length)))
            changes.append(f"Content-Length: {body_length} added")
        how = "as received"
        if changes:
            how += "; rewritten for the decoded body: " + ", ".join(changes)
        return _with_headers(exchange, tuple(kept)), how
    provenance, record = capture.provenance, capture.record
    known = provenance.status if provenance else (record.http_status if record else None)
    status = known or 200
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    rebuilt: list[Header] = []
    content_type = capture.content_type
    etag = provenance.etag if provenance else (record.etag if record else None)
    modified = (
        provenance.last_modified if provenance else (record.last_modified if record else None)
    )
    for field_name, known_value in (
        ("Content-Type", content_type),
        ("ETag", etag),
        ("Last-Modified", modified),
        ("Content-Length", str(body_length) if body_length is not None else None),
    ):
        if known_value:
            rebuilt.append((field_name, known_value))
    how = "rebuilt from the check log (this capture's headers were not kept)"
    return HttpExchange(status=status, reason=reason, headers=tuple(rebuilt)), how


def _with_headers(exchange: HttpExchange, headers: tuple[Header, ...]) -> HttpExchange:
    return replace(exchange, headers=headers)


# -- import -----------------------------------------------------------------------------------

ImportProgress = Callable[[str, int, int, Settled], None]
"""Called as `progress(target, done, total, settled)` after each capture is settled."""


@dataclass(frozen=True)
class _Found:
    """A response or revisit record of a target's page, as the scan of a file found it."""

    path: Path
    offset: int
    kind: str  # "response" or "revisit"
    target: str
    uri: str
    captured_at: datetime
    record_id: str
    digest: str | None  # the record's payload digest, as `payload_digest` writes it
    status: int | None  # None: a revisit without HTTP headers
    mime: str | None
    content_type: str | None


@dataclass
class _Scan:
    """What one file holds for the targets: found records, and what other records say."""

    path: Path
    found: list[_Found]
    records: int = 0
    by_nato_watch: bool = False  # its warcinfo names nato-watch as the software
    # record id -> the metadata fields of the nato-watch metadata record that refers to it
    metadata: dict[str, dict[str, str]] | None = None
    # response record id -> (method, headers) of the request record concurrent to it
    requests: dict[str, tuple[str, tuple[Header, ...]]] | None = None


def import_warc(
    files: list[Path],
    targets: list[Target],
    *,
    archive: Archive,
    lock_timeout: float = 60.0,
    notify: Callable[[str], None] | None = None,
    progress: ImportProgress | None = None,
    replay_progress: ReplayProgress | None = None,
    watches: dict[str, Watchlist | None] | None = None,
) -> list[ImportResult]:
    """Add the captures of `targets`' pages held in the WARC or ARC `files` to the archive,
    then rebuild each target's versions and reports in capture order; return what was done.

    Every file is read whole first, every record digest checked: a damaged or cut-short file
    raises `WarcError` before anything is written. Then each `response` record of a target's
    page (any of its URL shapes) is recorded as `import-wayback` records a capture — a new
    snapshot, or not an article (non-2xx, not HTML, a bot check, a page that does not parse),
    or a duplicate of a payload already stored — and each `revisit` record whose original
    payload is known; a revisit of a payload neither in the files nor stored is counted and
    skipped. Re-running adds nothing; a killed run is completed by the next.
    """
    if not targets:
        raise ConfigError("no target to import for; configure one or pass --target")
    scans = [_scan(Path(path), targets, notify) for path in files]
    importers = {
        t.name: Importer(archive, t, source=Source.WARC, lock_timeout=lock_timeout) for t in targets
    }
    counts: dict[str, dict[Outcome, int]] = {t.name: {} for t in targets}
    listed = {t.name: 0 for t in targets}
    for scan in scans:
        for found in scan.found:
            listed[found.target] += 1
    done = dict.fromkeys(listed, 0)

    def settle(found: _Found, settled: Settled) -> None:
        tally = counts[found.target]
        tally[settled.outcome] = tally.get(settled.outcome, 0) + 1
        done[found.target] += 1
        if progress is not None:
            progress(found.target, done[found.target], listed[found.target], settled)

    # Responses first, in file order, then the revisits, whose originals may come later.
    for scan in scans:
        for found in scan.found:
            if found.kind == "response":
                settle(found, _import_response(importers[found.target], scan, found))
    for scan in scans:
        for found in scan.found:
            if found.kind == "revisit":
                settle(found, _import_revisit(importers[found.target], scan, found))
    results = []
    for target in targets:
        importer = importers[target.name]
        watch = (watches or {}).get(target.name)
        rebuilt = importer.rebuild(progress=replay_progress, watch=watch)
        results.append(
            ImportResult(
                target=target.name,
                listed=listed[target.name],
                counts=counts[target.name],
                rebuilt=rebuilt,
            )
        )
    return results


def _scan(path: Path, targets: list[Target], notify: Callable[[str], None] | None) -> _Scan:
    """Read every record of `path`, check its digests and length, and list the records of
    the targets' pages; raise `WarcError` on any damage."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with path.open("rb") as handle:
            head = handle.read(2)
    except OSError as err:
        raise WarcError(f"cannot read {path}: {err.strerror or err}") from err
    if head == b"\x1f\x8b":
        _check_gzip(path)
    start = _first_bytes(path, gzipped=head == b"\x1f\x8b")
    # warcio reads almost any text as an ARC header line; a real file starts as one does.
    if not start.startswith((b"WARC/", b"filedesc://")):
        shown = start[:20].decode("ascii", errors="replace")
        raise WarcError(
            f"{path} is not a readable WARC or ARC file (it begins with {shown!r}, not "
            "'WARC/' or 'filedesc://'); nothing was imported from it"
        )
    scan = _Scan(path=path, found=[], metadata={}, requests={})
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle, arc2warc=True, check_digests=True)
            for record in records:
                _scan_record(scan, records, record, targets)
    except WarcError:
        raise
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as err:
        raise WarcError(
            f"{path} is not a readable WARC or ARC file ({_first_line(err)}); nothing was "
            "imported from it"
        ) from err
    if scan.records == 0:
        raise WarcError(f"{path} holds no WARC or ARC record; nothing was imported from it")
    if notify is not None:
        per_target: dict[str, int] = {}
        for found in scan.found:
            per_target[found.target] = per_target.get(found.target, 0) + 1
        shown = ", ".join(f"{n} of {t}" for t, n in sorted(per_target.items())) or "none"
        notify(f"{path.name}: {_count(scan.records, 'record')} read, captures: {shown}")
    return scan


def _first_bytes(path: Path, *, gzipped: bool) -> bytes:
    """The first bytes of the file's content (decompressed when gzipped)."""
    if gzipped:
        with gzip.open(path, "rb") as unzipped:
            start = unzipped.read(32)
    else:
        with path.open("rb") as handle:
            start = handle.read(32)
    return start.lstrip(b"\r\n")


def _check_gzip(path: Path) -> None:
    """Decompress every gzip member of `path` to its end: a member cut short or damaged
    raises `WarcError` (the WARC reader alone stops quietly at a cut)."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as err:
        raise WarcError(
            f"{path} is damaged: its gzip data is cut short or corrupt ({_first_line(err)}); "
            "nothing was imported from it — copy or download it again"
        ) from err


def _scan_record(scan: _Scan, records: Any, record: Any, targets: list[Target]) -> None:
    assert scan.metadata is not None and scan.requests is not None
    scan.records += 1
    kind = record.rec_type
    headers = record.rec_headers
    data = b""
    if kind in ("warcinfo", "metadata"):
        data = _read_all(record.raw_stream)
    else:
        while record.raw_stream.read(1 << 16):
            pass
    offset = records.get_record_offset()
    declared = (headers.get_header("Content-Length") or "").strip()
    if not declared.isdigit():
        raise WarcError(
            f"{scan.path} is damaged: the record at byte {offset} ({kind}) has no valid length "
            f"({declared!r}); nothing was imported from it"
        )
    left = getattr(record.raw_stream, "limit", 0)
    if left:
        raise WarcError(
            f"{scan.path} is cut short: the record at byte {offset} ({kind}) lacks its last "
            f"{left} bytes; nothing was imported from it"
        )
    if record.digest_checker.passed is False:
        problems = "; ".join(record.digest_checker.problems) or "digest mismatch"
        raise WarcError(
            f"{scan.path} is damaged: the record at byte {offset} ({kind}) does not match its "
            f"digest ({problems}); nothing was imported from it"
        )
    if kind == "warcinfo":
        fields = _warc_fields(data)
        scan.by_nato_watch = scan.by_nato_watch or fields.get("software", "").startswith(
            "nato-watch/"
        )
    elif kind == "metadata":
        fields = _warc_fields(data)
        about = headers.get_header("WARC-Refers-To") or headers.get_header("WARC-Concurrent-To")
        if about and fields.get("software", "").startswith("nato-watch/"):
            scan.metadata[about] = fields
    elif kind == "request" and record.http_headers is not None:
        about = headers.get_header("WARC-Concurrent-To")
        if about:
            head = record.http_headers
            scan.requests[about] = (str(head.protocol), tuple(head.headers))
    elif kind in ("response", "revisit"):
        found = _found(scan.path, offset, record, targets)
        if found is not None:
            scan.found.append(found)


def _found(path: Path, offset: int, record: Any, targets: list[Target]) -> _Found | None:
    """The record as a capture of one of `targets`' pages, or None when it is of no target."""
    from warcio.timeutils import iso_date_to_datetime

    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI") or ""
    target = next((t for t in targets if same_page(uri, t.url)), None)
    date = headers.get_header("WARC-Date")
    if target is None or not date:
        return None
    http_head = record.http_headers
    status = None
    content_type = None
    if http_head is not None and http_head.statusline:
        with contextlib.suppress(ValueError):
            status = int(http_head.get_statuscode())
        content_type = http_head.get_header("Content-Type")
    mime, _charset = parse_content_type(content_type)
    return _Found(
        path=path,
        offset=offset,
        kind=record.rec_type,
        target=target.name,
        uri=uri,
        captured_at=iso_date_to_datetime(date, tz_aware=True),
        record_id=headers.get_header("WARC-Record-ID") or f"{path.name}@{offset}",
        digest=payload_digest(headers.get_header("WARC-Payload-Digest")),
        status=status,
        mime=mime,
        content_type=content_type,
    )


def _capture(scan: _Scan, found: _Found) -> ArchivedCapture:
    """The record as an archived capture; a nato-watch export's metadata gives its origin."""
    origin = None
    fields = (scan.metadata or {}).get(found.record_id) if scan.by_nato_watch else None
    if fields is not None:
        with contextlib.suppress(ValueError):
            origin = Source(fields.get("source", ""))
    return ArchivedCapture(
        captured_at=found.captured_at,
        original_url=found.uri,
        locator=f"{found.path.name}#{found.record_id}",
        digest=found.digest,
        status=found.status,
        mime=found.mime,
        origin=origin,
    )


def _verdict(found: _Found) -> str | None:
    """Why a record is not the article, from its status line and type alone; None if it may
    be."""
    if found.status is not None and not 200 <= found.status < 300:
        return f"the archived response is HTTP {found.status}, not the page"
    if found.mime is not None and found.mime not in HTML_TYPES:
        return f"the archived response is {found.mime}, not an HTML page"
    return None


def _import_response(importer: Importer, scan: _Scan, found: _Found) -> Settled:
    capture = _capture(scan, found)
    settled = importer.already(capture)
    if settled is not None:
        return settled
    body = _read_body(scan, found)
    verdict = _verdict(found)
    if verdict is None and not body.body:
        verdict = "the archived response has an empty body"
    if verdict is None and found.mime is None and not looks_like_html(body.body):
        verdict = "the archived response has no Content-Type and does not look like HTML"
    if verdict is None and is_bot_check(body.http_status, body.body):
        verdict = "the archived copy is a bot check or challenge page, not the page"
    if verdict is not None:
        return importer.reject(capture, verdict, body=body)
    if capture.digest is None:
        capture = replace(capture, digest=sha1_digest(body.body))
    return importer.known_payload(capture) or importer.add(capture, body)


def _import_revisit(importer: Importer, scan: _Scan, found: _Found) -> Settled:
    capture = _capture(scan, found)
    settled = importer.already(capture)
    if settled is not None:
        return settled
    verdict = _verdict(found)
    if verdict is not None:
        return importer.reject(capture, verdict)
    settled = importer.known_payload(capture)
    if settled is not None:
        return settled
    return Settled(
        capture,
        Outcome.NO_ORIGINAL,
        f"its original ({found.digest or 'no payload digest'}) is neither in the files nor "
        "stored; import the WARC that holds it",
    )


def _read_body(scan: _Scan, found: _Found) -> CaptureBody:
    """The record's payload, decoded as a browser would get it (chunks joined, gzip undone),
    with the HTTP heads the record kept."""
    from warcio.archiveiterator import ArchiveIterator

    with found.path.open("rb") as handle:
        handle.seek(found.offset)
        record = next(iter(ArchiveIterator(handle, arc2warc=True)))
        payload = _read_all(record.raw_stream)
        head = record.http_headers
        notes: list[str] = []
        record.raw_stream = io.BytesIO(payload)
        try:
            body = _read_all(record.content_stream())
        except (OSError, EOFError, ValueError, zlib.error) as err:
            body = payload
            notes.append(f"the payload could not be decoded ({_first_line(err)}); kept as stored")
    encoding = head.get_header("Content-Encoding") if head is not None else None
    if body != payload:
        notes.append(
            f"the archived payload ({encoding or 'chunked'}) is kept decoded, as a live check "
            "keeps it"
        )
    status = found.status if found.status is not None else 200
    exchange = None
    if head is not None:
        method, request_headers = (scan.requests or {}).get(found.record_id, ("GET", ()))
        reason = head.statusline.partition(" ")[2]
        exchange = HttpExchange(
            status=status,
            reason=reason,
            protocol=str(head.protocol or "HTTP/1.1"),
            headers=tuple(head.headers),
            method=method,
            request_headers=request_headers,
        )
    return CaptureBody(
        body=body,
        content_type=found.content_type,
        http_status=status,
        locator=f"{found.path.name}#{found.record_id}",
        notes=tuple(notes),
        exchange=exchange,
        archived_digest=sha1_digest(payload) if body != payload else None,
    )


def _read_all(stream: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _warc_fields(data: bytes) -> dict[str, str]:
    """The `name: value` lines of an application/warc-fields block (the first of a name)."""
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()] = value.strip()
    return fields
