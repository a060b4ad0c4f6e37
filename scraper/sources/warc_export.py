"""WARC export: a target's captures written for any web-archive replay tool (`export-warc`).

`export_warc` writes, for every capture in capture order, what happened on the wire:

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

The archive's files are read through `Archive` only; `warcio` writes the records.
"""

from __future__ import annotations

import http
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scraper.archive.captures import Capture, captures_of
from scraper.archive.files import atomic_stream
from scraper.archive.store import Archive
from scraper.core.records import (
    CheckRecord,
    Header,
    HttpExchange,
    Provenance,
    SnapshotHeaders,
    Source,
    Version,
)
from scraper.errors import NotFound, StoreError, counted
from scraper.reports.model import ReportSummary
from scraper.sources.warc import SOFTWARE, WarcError, format_warc_fields
from scraper.timespec import utc_iso

# Fields a stored body no longer fits: it is kept after transfer and content decoding.
DECODED_AWAY = ("content-encoding", "transfer-encoding")
WARC_VERSION = "1.1"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each capture is written."""


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
            f"wrote {self.path}: {counted(self.captures, 'capture')} of "
            f"{', '.join(self.targets) or 'no target'} ({counted(self.responses, 'response')}, "
            f"{counted(self.revisits, 'revisit')}, {counted(self.versions, 'version')}; "
            f"{self.reconstructed} with headers rebuilt from the check log), "
            f"{self.size:,} bytes"
        )


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
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise WarcError(f"cannot write {out}: the folder {folder} does not exist")
    span = f"captures from {utc_iso(start) if start else 'the first'} to "
    span += utc_iso(end) if end else "the last"
    with archive.lock(timeout=lock_timeout), atomic_stream(out) as handle:
        plans = [(t, _select(captures_of(archive, t), start, end)) for t in targets]
        written = write_captures(
            handle,
            archive,
            plans,
            filename=out.name,
            description=f"nato-watch export of {', '.join(targets) or 'no target'}: {span}.",
            date=now,
            gzipped=out.name.endswith(".gz"),
            target_urls=target_urls,
            progress=progress,
        )
    return ExportResult(
        path=out,
        targets=tuple(targets),
        captures=written.captures,
        responses=written.responses,
        revisits=written.revisits,
        versions=written.versions,
        reconstructed=written.rebuilt,
        size=out.stat().st_size,
    )


RecordIds = Callable[[str], str]
"""Gives the `WARC-Record-ID` (`<urn:uuid:…>`) of the record a stable name describes, for a
WARC whose bytes must not change from one writing to the next; without it, ids are random."""


@dataclass(frozen=True)
class WarcWritten:
    """What `write_captures` wrote: how many records of each kind, and where each body is."""

    captures: int
    responses: int
    revisits: int
    versions: int
    rebuilt: int  # captures whose HTTP headers were not kept and were rebuilt
    # (raw sha256, byte offset of its response record), in the order written.
    offsets: tuple[tuple[str, int], ...] = ()


def write_captures(
    handle: IO[bytes],
    archive: Archive,
    plans: Sequence[tuple[str, Sequence[Capture]]],
    *,
    filename: str,
    description: str,
    date: datetime,
    gzipped: bool = False,
    target_urls: dict[str, str] | None = None,
    progress: Progress | None = None,
    record_ids: RecordIds | None = None,
) -> WarcWritten:
    """Write a warcinfo record (`filename`, `description`, dated `date`), then the records
    of each target's chosen captures in the order given, to the open file `handle`.

    The caller holds the archive lock if the captures must agree with the versions.
    """
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(handle, gzip=gzipped, warc_version=WARC_VERSION)
    writer.write_record(_warcinfo(writer, filename, plans, description, date, record_ids))
    counts = {"captures": 0, "responses": 0, "revisits": 0, "versions": 0, "rebuilt": 0}
    offsets: list[tuple[str, int]] = []
    total = sum(len(selected) for _, selected in plans)
    done = 0
    for target, selected in plans:
        url = (target_urls or {}).get(target)
        exporter = _TargetExport(archive, target, writer, url, record_ids)
        for capture in selected:
            offset = handle.tell() if handle.seekable() else -1
            if exporter.write(capture, counts):
                offsets.append((capture.raw, offset))
            done += 1
            if progress is not None:
                progress(done, total)
    return WarcWritten(**counts, offsets=tuple(offsets))


def _select(captures: list[Capture], start: datetime | None, end: datetime | None) -> list[Capture]:
    return [
        c for c in captures if (start is None or c.at >= start) and (end is None or c.at <= end)
    ]


def _warcinfo(
    writer: Any,
    filename: str,
    plans: Sequence[tuple[str, Sequence[Capture]]],
    description: str,
    date: datetime,
    record_ids: RecordIds | None,
) -> Any:
    from importlib.metadata import version

    targets = [target for target, _ in plans]
    info = {
        "software": f"{SOFTWARE} (warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "description": (
            f"{description} Response bodies are stored after content decoding; "
            "Content-Encoding and Transfer-Encoding are removed and Content-Length set to "
            "match (see each metadata record)."
        ),
        "isPartOf": ", ".join(targets),
    }
    record = writer.create_warcinfo_record(filename, info)
    record.rec_headers.replace_header("WARC-Date", utc_iso(date))
    if record_ids is not None:
        record.rec_headers.replace_header("WARC-Record-ID", record_ids(f"warcinfo/{filename}"))
    return record


class _TargetExport:
    """Writes the records of one target's captures, remembering which bodies are written."""

    def __init__(
        self,
        archive: Archive,
        target: str,
        writer: Any,
        target_url: str | None,
        record_ids: RecordIds | None = None,
    ) -> None:
        self.archive = archive
        self.record_ids = record_ids
        self.target = target
        self.writer = writer
        self.target_url = target_url
        versions = list(archive.iter_versions(target))
        self.by_capture = {(v.captured_at, v.provenance.raw_sha256): v for v in versions}
        self.versions = versions
        self.written: dict[str, _Written] = {}

    def write(self, capture: Capture, counts: dict[str, int]) -> bool:
        """The response (or revisit), request and metadata records of one capture; whether
        its body was written (a response, not a revisit)."""
        version = self.by_capture.get((capture.at, capture.raw))
        uri = _target_uri(capture)
        date = utc_iso(capture.at)
        ids = self._ids(capture)
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
                warc_headers_dict={"WARC-Date": date, **ids("response")},
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
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Refers-To": earlier.record_id,
                    **ids("revisit"),
                },
            )
            counts["revisits"] += 1
        self.writer.write_record(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if earlier is None:
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            self.written[capture.raw] = _Written(record_id, uri, date, digest)
        if how.startswith("rebuilt"):
            counts["rebuilt"] += 1
        request = self._request(capture, sidecar, uri, date, record_id, ids("request"))
        self.writer.write_record(request)
        fields = _capture_fields(self.target, self.target_url, capture)
        fields.append(("http-headers", how))
        fields.extend(self._version_fields(capture, version))
        self.writer.write_record(self._metadata(uri, date, record_id, fields, ids("metadata")))
        counts["captures"] += 1
        if version is not None:
            counts["versions"] += 1
        return earlier is None

    def _ids(self, capture: Capture) -> Callable[[str], dict[str, str]]:
        """The `WARC-Record-ID` header of each record of `capture`, by kind, when ids are
        derived (none when warcio draws them at random)."""
        record_ids = self.record_ids
        name = f"{self.target}/{utc_iso(capture.at)}/{capture.raw}"

        def header(kind: str) -> dict[str, str]:
            if record_ids is None:
                return {}
            return {"WARC-Record-ID": record_ids(f"{name}/{kind}")}

        return header

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
        record_id: dict[str, str],
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
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": concurrent_to,
                **record_id,
            },
        )

    def _metadata(
        self,
        uri: str,
        date: str,
        refers_to: str,
        fields: list[Header],
        record_id: dict[str, str],
    ) -> Any:
        data = format_warc_fields(fields)
        return self.writer.create_warc_record(
            uri,
            "metadata",
            payload=io.BytesIO(data),
            length=len(data),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": refers_to, **record_id},
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
        if self.archive.site.has_report(self.target, version.id):
            text = self.archive.site.read_report(self.target, version.id, "json")
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
