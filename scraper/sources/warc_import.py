"""WARC import: captures that others made of the page, from WARC and ARC files
(`import-warc`).

`import_warc` reads WARC and ARC files, gzipped or not, and hands the captures of a target's
page to `scraper.sources.importing.Importer`, as `import-wayback` does: files are checked whole
(every record read, every digest verified) before anything is written, so a damaged file
imports nothing. A file nato-watch exported says, in its metadata records, where each capture
first came from; that origin is kept.

Memory is bounded whatever a file holds: a capture's body is read up to `max_bytes` (the
fetch cap), before and after undoing its Content-Encoding, and one past it is refused and
counted (nothing written); a warcinfo or metadata record is read up to
`METADATA_MAX_BYTES`, and one past it is refused (its fields ignored); a record's header
lines together may not pass `MAX_HEAD_BYTES`, or the file is refused as damaged. A gzip member
that decompresses to gigabytes is read through in bounded pieces.

The archive's files are written through `Importer` (and so `Archive`) only; `warcio` reads
the records.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraper.archive.store import Archive
from scraper.core.pagekind import is_bot_check
from scraper.core.records import Header, HttpExchange, Source
from scraper.core.target import Target, TranslationPair
from scraper.errors import ConfigError, counted, one_line
from scraper.fetching.decoding import HTML_TYPES, looks_like_html, parse_content_type
from scraper.fetching.settings import FetchSettings
from scraper.sources.importing import (
    ArchivedCapture,
    CaptureBody,
    Importer,
    ImportResult,
    Outcome,
    Settled,
    Tally,
    out_of_time,
    payload_digest,
    sha1_digest,
)
from scraper.sources.replay import Progress as ReplayProgress
from scraper.sources.warc import WarcError, by_nato_watch, parse_warc_fields
from scraper.timespec import utc_now
from scraper.urls import same_page

if TYPE_CHECKING:
    from scraper.core.watchlist import Watchlist

DEFAULT_MAX_BYTES = FetchSettings().max_bytes
ImportProgress = Callable[[str, int, int, Settled], None]
"""Called as `progress(target, done, total, settled)` after each capture is settled."""

# What a warcinfo or metadata record may hold: a few warc-fields lines, never megabytes.
METADATA_MAX_BYTES = 64 * 1024
# What the header lines of one record (its WARC header, and its HTTP head) may add up to.
MAX_HEAD_BYTES = 1024 * 1024
# Bodies are read in pieces of this size, so a cap is never passed by more than a piece.
READ_PIECE = 1 << 16
# What warcio raises on a damaged file besides its own ArchiveLoadFailed: a record without a
# target URI or with a digest that names no algorithm makes it fail on None (found by the
# fuzz test of tests/hostile).
WARCIO_CHOKES = (
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
)


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
    # Why records were refused while reading the file (too large to be what they claim).
    refused: list[str] = field(default_factory=list)


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
    pairs: Sequence[TranslationPair] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> list[ImportResult]:
    """Add the captures of `targets`' pages held in the WARC or ARC `files` to the archive,
    then rebuild each target's versions and reports in capture order; return what was done.

    Every file is read whole first, every record digest checked: a damaged or cut-short file
    raises `WarcError` before anything is written. Then each `response` record of a target's
    page (any of its URL shapes) is recorded as `import-wayback` records a capture — a new
    snapshot, or not an article (non-2xx, not HTML, a bot check, a page that does not parse),
    or a duplicate of a payload already stored — and each `revisit` record whose original
    payload is known; a revisit of a payload neither in the files nor stored is counted and
    skipped. A body larger than `max_bytes` (as stored, or once its Content-Encoding is
    undone) is refused and counted, and nothing is written for it; so is a capture dated
    before 1991 or later than the clock `now` plus a day. Re-running adds nothing; a killed
    run is completed by the next.
    """
    now = now or utc_now()
    if not targets:
        raise ConfigError("no target to import for; configure one or pass --target")
    scans = [_scan(Path(path), targets, notify) for path in files]
    importers = {
        t.name: Importer(archive, t, source=Source.WARC, lock_timeout=lock_timeout) for t in targets
    }
    tallies = {
        t.name: Tally(listed=sum(f.target == t.name for scan in scans for f in scan.found))
        for t in targets
    }
    for scan, found in _in_order(scans):
        capture = _capture(scan, found)
        settled = out_of_time(capture, now=now) or _import_record(
            importers[found.target], scan, found, max_bytes
        )
        tally = tallies[found.target]
        tally.add(settled)
        if progress is not None:
            progress(found.target, tally.done, tally.listed, settled)
    return [
        tallies[t.name].result(
            t.name,
            importers[t.name].rebuild(
                progress=replay_progress,
                watch=(watches or {}).get(t.name),
                pairs=pairs,
                now=now,
            ),
        )
        for t in targets
    ]


def _in_order(scans: list[_Scan]) -> Iterator[tuple[_Scan, _Found]]:
    """Every record found, the responses first, in file order, then the revisits, whose
    originals may come later."""
    for kind in ("response", "revisit"):
        for scan in scans:
            for found in scan.found:
                if found.kind == kind:
                    yield scan, found


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
    warned = _ReaderWarnings()
    try:
        with path.open("rb") as handle, contextlib.redirect_stderr(warned):
            records = _bounded(ArchiveIterator(handle, arc2warc=True, check_digests=True))
            for record in records:
                _scan_record(scan, records, record, targets)
    except WarcError:
        raise
    except (ArchiveLoadFailed, *WARCIO_CHOKES) as err:
        said = one_line(err)
        if isinstance(err, AttributeError | TypeError | KeyError | IndexError):
            said = f"the reader failed on it: {type(err).__name__}: {said}"
        raise WarcError(
            f"{path} is not a readable WARC or ARC file ({said}); nothing was imported from it"
        ) from err
    if scan.records == 0:
        raise WarcError(f"{path} holds no WARC or ARC record; nothing was imported from it")
    if notify is not None:
        per_target: dict[str, int] = {}
        for found in scan.found:
            per_target[found.target] = per_target.get(found.target, 0) + 1
        shown = ", ".join(f"{n} of {t}" for t, n in sorted(per_target.items())) or "none"
        notify(f"{path.name}: {counted(scan.records, 'record')} read, captures: {shown}")
        for reason in scan.refused:
            notify(f"{path.name}: refused {reason}")
        for line in warned.lines(path.name):
            notify(line)
    return scan


class _ReaderWarnings(io.TextIOBase):
    """What warcio writes to stderr while it reads (a record followed by more than its
    Content-Length, which it reads past): kept as the offsets it names, so that the user sees
    one line of ours instead of warcio's multi-line text. Bounded: a hostile file may warn at
    every record."""

    KEPT = 5

    def __init__(self) -> None:
        self.offsets: list[str] = []
        self.count = 0
        self._other = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if "Content-Length is invalid" in text:
            self.count += 1
            offset = text.partition("Offset: ")[2].split("\n", 1)[0].strip()
            if len(self.offsets) < self.KEPT and offset.isdigit():
                self.offsets.append(offset)
        elif text.strip():
            self._other = True
        return len(text)

    def lines(self, name: str) -> list[str]:
        """The notes for the file `name`."""
        out = []
        if self.count:
            where = ", ".join(f"byte {offset}" for offset in self.offsets)
            more = (
                f" and {self.count - len(self.offsets)} more"
                if self.count > len(self.offsets)
                else ""
            )
            out.append(
                f"{name}: {counted(self.count, 'record')} followed by more bytes than "
                f"{'its' if self.count == 1 else 'their'} Content-Length says (at {where}{more}): "
                "read on past the extra bytes"
            )
        if self._other:
            out.append(f"{name}: the WARC reader reported a problem it does not name; read on")
        return out


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
            f"{path} is damaged: its gzip data is cut short or corrupt ({one_line(err)}); "
            "nothing was imported from it — copy or download it again"
        ) from err


def _scan_record(scan: _Scan, records: Any, record: Any, targets: list[Target]) -> None:
    """Read one record whole, check it, and note what it says about the targets' pages."""
    assert scan.metadata is not None and scan.requests is not None
    scan.records += 1
    kind = record.rec_type
    headers = record.rec_headers
    data = b""
    if kind in ("warcinfo", "metadata"):
        data = _read_capped(record.raw_stream, METADATA_MAX_BYTES)
    _drain(record.raw_stream)
    offset = records.get_record_offset()
    _check_intact(scan.path, record, offset)
    if len(data) > METADATA_MAX_BYTES:
        scan.refused.append(
            f"the {kind} record at byte {offset}: it is larger than "
            f"{METADATA_MAX_BYTES // 1024} KB, which no {kind} record needs; its fields are "
            "ignored"
        )
        return
    if kind == "warcinfo":
        scan.by_nato_watch = scan.by_nato_watch or by_nato_watch(parse_warc_fields(data))
    elif kind == "metadata":
        fields = parse_warc_fields(data)
        about = headers.get_header("WARC-Refers-To") or headers.get_header("WARC-Concurrent-To")
        if about and by_nato_watch(fields):
            scan.metadata[about] = fields
    elif kind == "request" and record.http_headers is not None:
        about = headers.get_header("WARC-Concurrent-To")
        if about:
            head = record.http_headers
            scan.requests[about] = (str(head.protocol), tuple(head.headers))
    elif kind in ("response", "revisit"):
        try:
            found = _found(scan.path, offset, record, targets)
        except ValueError:  # its WARC-Date is no date at all
            date = headers.get_header("WARC-Date")
            scan.refused.append(
                f"the {kind} record at byte {offset}: its WARC-Date {date!r} is not a date"
            )
            return
        if found is not None:
            scan.found.append(found)


def _check_intact(path: Path, record: Any, offset: int) -> None:
    """Raise `WarcError` when the record just read has no valid length, is cut short or does
    not match its digest."""
    kind = record.rec_type
    declared = (record.rec_headers.get_header("Content-Length") or "").strip()
    if not declared.isdigit():
        raise WarcError(
            f"{path} is damaged: the record at byte {offset} ({kind}) has no valid length "
            f"({declared!r}); nothing was imported from it"
        )
    left = getattr(record.raw_stream, "limit", 0)
    if left:
        raise WarcError(
            f"{path} is cut short: the record at byte {offset} ({kind}) lacks its last "
            f"{left} bytes; nothing was imported from it"
        )
    if record.digest_checker.passed is False:
        problems = "; ".join(record.digest_checker.problems) or "digest mismatch"
        raise WarcError(
            f"{path} is damaged: the record at byte {offset} ({kind}) does not match its "
            f"digest ({problems}); nothing was imported from it"
        )


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


def _import_record(importer: Importer, scan: _Scan, found: _Found, max_bytes: int) -> Settled:
    """Record one response or revisit record of the target's page; say what it was."""
    if found.kind == "response":
        return _import_response(importer, scan, found, max_bytes)
    return _import_revisit(importer, scan, found)


def _import_response(importer: Importer, scan: _Scan, found: _Found, max_bytes: int) -> Settled:
    """A response record: its body is read unless it was recorded before; what the body is
    decides the rest."""
    capture = _capture(scan, found)
    settled = importer.already(capture)
    if settled is not None:
        return settled
    body = _read_body(scan, found, max_bytes)
    if isinstance(body, str):
        return Settled(capture, Outcome.REFUSED, body, fetched=True)
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
    """A revisit record: it has no body of its own, so its original payload must be known."""
    capture = _capture(scan, found)
    settled = importer.settle_without_body(capture, _verdict(found))
    if settled is not None:
        return settled
    return Settled(
        capture,
        Outcome.NO_ORIGINAL,
        f"its original ({found.digest or 'no payload digest'}) is neither in the files nor "
        "stored; import the WARC that holds it",
    )


def _read_body(scan: _Scan, found: _Found, max_bytes: int) -> CaptureBody | str:
    """The record's payload, decoded as a browser would get it (chunks joined, gzip undone),
    with the HTTP heads the record kept; or why it is refused (larger than `max_bytes`, as
    stored or decoded: read no further than that)."""
    from warcio.archiveiterator import ArchiveIterator

    with found.path.open("rb") as handle:
        handle.seek(found.offset)
        record = next(iter(_bounded(ArchiveIterator(handle, arc2warc=True))))
        payload = _read_capped(record.raw_stream, max_bytes)
        if len(payload) > max_bytes:
            return _too_large(max_bytes, "as stored")
        head = record.http_headers
        notes: list[str] = []
        record.raw_stream = io.BytesIO(payload)
        try:
            body = _read_capped(record.content_stream(), max_bytes)
        except (OSError, EOFError, ValueError, zlib.error) as err:
            body = payload
            notes.append(f"the payload could not be decoded ({one_line(err)}); kept as stored")
        if len(body) > max_bytes:
            encoding = head.get_header("Content-Encoding") if head is not None else None
            return _too_large(max_bytes, f"once its {encoding or 'transfer'} encoding is undone")
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


def _too_large(max_bytes: int, how: str) -> str:
    """Why a capture whose body passes `max_bytes` is refused."""
    return (
        f"the archived body is larger than the cap of {max_bytes} bytes (max_bytes) {how}; "
        "not read further, nothing written"
    )


def _read_capped(stream: Any, cap: int) -> bytes:
    """At most `cap` + 1 bytes of `stream` (one more than `cap` says it holds more)."""
    chunks: list[bytes] = []
    total = 0
    while total <= cap:
        chunk = stream.read(min(READ_PIECE, cap + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _drain(stream: Any) -> None:
    """Read `stream` to its end in pieces (for the digests), keeping nothing."""
    while stream.read(READ_PIECE):
        pass


class _HeadTooLong(ValueError):
    """A record whose header lines add up to more than `MAX_HEAD_BYTES`."""


def _bounded(records: Any) -> Any:
    """`records` (a warcio `ArchiveIterator`, not yet started) reading header lines through
    `_BoundedLines`: warcio reads a header line whole, however long, so a file whose record
    head is one line of gigabytes would otherwise be read into memory."""
    from warcio.bufferedreaders import DecompressingBufferedReader

    class _BoundedLines(DecompressingBufferedReader):  # type: ignore[misc]
        """warcio's reader, with the header lines of a record limited to MAX_HEAD_BYTES
        together (a payload `read` starts the count again)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = 0

        def readline(self, length: int | None = None) -> bytes:
            room = MAX_HEAD_BYTES + 1 - self._in_head
            line: bytes = super().readline(room if length is None else min(length, room))
            self._in_head += len(line)
            if self._in_head > MAX_HEAD_BYTES:
                raise _HeadTooLong(
                    f"a record's header lines pass {MAX_HEAD_BYTES // 1024} KB, which no "
                    "record needs"
                )
            return line

        def read(self, length: int | None = None) -> bytes:
            self._in_head = 0
            data: bytes = super().read(length)
            return data

    records.reader = _BoundedLines(records.fh, block_size=records.reader.block_size)
    return records
