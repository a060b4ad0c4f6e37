"""Checking an evidence bundle (`nato-watch verify-bundle`), without trusting it and without
writing anything to disk: every member is read from the zip as a stream.

In order: the zip's own structure (its end record, then every member's two headers, which
must agree with each other and be laid out end to end, so that no byte of the file goes
unchecked); every member against MANIFEST; the version's recorded content hash against its
document; the WARC's record digests, and the version's raw sha256 against the body of a
response in it; the hash chain among the check-log lines. The first problem found is raised
as a `BundleError` naming the member.

A hostile file costs bounded time and memory: the end record is read first and a zip that
claims too many members, too many bytes, or an unlikely compression ratio (a "zip bomb") is
refused before anything is inflated; small members are read whole up to a limit, the WARC
and the log are streamed; member names are only compared, never used as paths.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from scraper.core.chain import Link, check_chain
from scraper.core.records import CheckRecord, Version
from scraper.errors import counted
from scraper.sources import bundle_format as fmt
from scraper.sources.bundle_format import BundleError

_END = struct.Struct("<4s4H2LH")  # the end of central directory record
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a member's local header
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a member's entry in the central directory
_FOLDER = re.compile(r"^[a-z0-9][a-z0-9-]*-(\d{4}-\d{2}-\d{2}T\d{6}Z)$")
# What nato-watch writes into every member's headers (`bundle._zip_info`).
_UNIX = 3
_ZIP_VERSION = 20
_FILE_MODE = 0o100644 << 16
# What zipfile raises on a damaged zip: a flipped byte may make a header claim a compression
# method or zip version it does not know, a length past the end, a name that is not UTF-8.
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    struct.error,
)
CHUNK = 1024 * 1024
MAX_LOG_LINE = 1024 * 1024


@dataclass(frozen=True)
class BundleCheck:
    """What `check_bundle` found good."""

    path: Path
    target: str
    version_id: str
    members: int
    records: int
    raw_sha256: str
    check_lines: int

    def summary_line(self) -> str:
        """The one line `nato-watch verify-bundle` prints."""
        return (
            f"bundle OK: {self.path}: version {self.version_id} of {self.target}; "
            f"{counted(self.members, 'file')} match MANIFEST; content hash matches the "
            f"document; {fmt.WARC}: {counted(self.records, 'record')}, digests OK, the raw "
            f"response {self.raw_sha256[:12]}… is in it; "
            f"{counted(self.check_lines, 'check-log line')}, chain intact"
        )


def check_bundle(path: Path) -> BundleCheck:
    """Check the bundle at `path`; `BundleError` naming the first problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as err:
        raise BundleError(f"cannot read {path}: {err.strerror or err}") from None
    with handle:
        entries = _end_record(handle, size, path)
        try:
            zf = zipfile.ZipFile(handle)
        except _UNREADABLE as err:
            raise BundleError(f"{path} is not a readable zip file ({err})") from None
        with zf:
            folder, infos = _members(zf, entries, path)
            _headers(handle, zf, infos, size)
        return _contents(handle, folder, infos, path)


def _end_record(handle: IO[bytes], size: int, path: Path) -> int:
    """The number of members the zip's end record claims, after checking that the record
    ends the file (no comment, nothing appended) and the claim is within the limits."""
    if size > fmt.MAX_TOTAL_SIZE + 1024**2:
        raise BundleError(f"{path} is {size:,} bytes, larger than any bundle nato-watch writes")
    if size < _END.size:
        raise BundleError(f"{path} is not a zip file (too short)")
    handle.seek(size - _END.size)
    sig, disk, cd_disk, here, entries, cd_size, cd_offset, comment = _END.unpack(
        handle.read(_END.size)
    )
    if sig != b"PK\x05\x06":
        raise BundleError(
            f"{path} is not a zip file nato-watch wrote (no end record at its end: not a zip, "
            "or bytes added after it)"
        )
    if (disk, cd_disk, comment) != (0, 0, 0) or here != entries:
        raise BundleError(f"{path}: the zip's end record is damaged")
    if entries > fmt.MAX_MEMBERS + 1 or cd_offset + cd_size + _END.size != size:
        raise BundleError(
            f"{path}: the zip's end record claims {entries} members in {cd_size:,} bytes at "
            f"{cd_offset:,}, which does not fit a bundle (damaged, or not a bundle)"
        )
    return int(entries)


def _members(zf: zipfile.ZipFile, entries: int, path: Path) -> tuple[str, list[zipfile.ZipInfo]]:
    """The bundle's folder and its members in file order, after checking their names,
    their claimed sizes and what the central directory says of each."""
    infos = sorted(zf.infolist(), key=lambda info: info.header_offset)
    if len(infos) != entries:
        raise BundleError(f"{path}: the zip's directory lists {len(infos)} members, not {entries}")
    folders = {info.filename.partition("/")[0] for info in infos}
    if len(folders) != 1 or not _FOLDER.fullmatch(next(iter(folders))):
        shown = ", ".join(sorted(info.filename for info in infos)[:3])
        raise BundleError(
            f"{path} is not a nato-watch bundle: its files ({shown}…) are not all in one "
            "folder named <target>-<version id>"
        )
    folder = folders.pop()
    total = 0
    for info in infos:
        name = info.filename.removeprefix(f"{folder}/")
        if info.filename != f"{folder}/{name}" or name not in fmt.ORDER:
            raise BundleError(f"{path}: member {info.filename!r} is not one a bundle holds")
        total += info.file_size
        big = info.file_size > CHUNK
        if total > fmt.MAX_TOTAL_SIZE or (
            big and info.file_size > fmt.MAX_RATIO * max(info.compress_size, 1)
        ):
            raise BundleError(
                f"{path}: member {name} claims {info.file_size:,} bytes from "
                f"{info.compress_size:,} (a zip bomb?); refused"
            )
        _central_entry(info, infos[0], name, path)
    names = [info.filename.removeprefix(f"{folder}/") for info in infos]
    if len(set(names)) != len(names):
        raise BundleError(f"{path}: a member is in the zip twice")
    return folder, infos


def _central_entry(info: zipfile.ZipInfo, first: zipfile.ZipInfo, name: str, path: Path) -> None:
    """A central directory entry holds what nato-watch writes there, and nothing else."""
    expected: dict[str, Any] = {
        "create_system": _UNIX,
        "create_version": _ZIP_VERSION,
        "extract_version": _ZIP_VERSION,
        "reserved": 0,
        "flag_bits": 0,
        "compress_type": zipfile.ZIP_DEFLATED,
        "extra": b"",
        "comment": b"",
        "volume": 0,
        "internal_attr": 0,
        "external_attr": _FILE_MODE,
        "date_time": first.date_time,
    }
    for field, value in expected.items():
        if getattr(info, field) != value:
            raise BundleError(
                f"{path}: member {name}: its directory entry is damaged ({field} is "
                f"{getattr(info, field)!r}, not {value!r})"
            )


def _headers(
    handle: IO[bytes], zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int
) -> None:
    """Each member's local header agrees with its directory entry, and the members, the
    directory and the end record follow each other with no byte between them."""
    offset = 0
    for info in infos:
        name = info.filename.partition("/")[2]
        if info.header_offset != offset:
            raise BundleError(f"member {name}: there are bytes before it that no member holds")
        handle.seek(offset)
        head = handle.read(_LOCAL.size)
        if len(head) != _LOCAL.size:
            raise BundleError(f"member {name}: its header is cut short")
        name_bytes = info.filename.encode("utf-8")
        expected = _LOCAL.pack(b"PK\x03\x04", info.extract_version, 0, *_shared(info))
        if head + handle.read(len(name_bytes)) != expected + name_bytes:
            raise BundleError(f"member {name}: its header does not match the zip's directory")
        offset += _LOCAL.size + len(name_bytes) + info.compress_size
    if zf.start_dir != offset:
        raise BundleError("there are bytes after the last member that no member holds")
    # The directory, byte for byte as its entries say it must be (a length field whose change
    # zipfile would not notice included).
    handle.seek(offset)
    for info in zf.infolist():
        expected_entry = _central_bytes(info)
        if handle.read(len(expected_entry)) != expected_entry:
            name = info.filename.partition("/")[2]
            raise BundleError(f"member {name}: its entry in the zip's directory is damaged")
    if handle.tell() + _END.size != size:
        raise BundleError("the zip's directory is damaged")


def _central_bytes(info: zipfile.ZipInfo) -> bytes:
    """A member's directory entry as nato-watch writes it (`_central_entry` checked that the
    fields zipfile read are nato-watch's)."""
    return _CENTRAL.pack(
        b"PK\x01\x02",
        info.create_version,
        info.create_system,
        info.extract_version,
        info.reserved,
        *_shared(info),
        0,  # comment length
        0,  # disk number
        info.internal_attr,
        info.external_attr,
        info.header_offset,
    ) + info.filename.encode("utf-8")


def _shared(info: zipfile.ZipInfo) -> tuple[int, ...]:
    """What a member's local header and its directory entry both say, in their order: flags,
    method, time, date, CRC, sizes, name length, extra length (nato-watch writes no extra)."""
    return (
        info.flag_bits,
        info.compress_type,
        _dos_time(info),
        _dos_date(info),
        info.CRC,
        info.compress_size,
        info.file_size,
        len(info.filename.encode("utf-8")),
        0,
    )


def _dos_time(info: zipfile.ZipInfo) -> int:
    hour, minute, second = info.date_time[3:6]
    return (hour << 11) | (minute << 5) | (second // 2)


def _dos_date(info: zipfile.ZipInfo) -> int:
    year, month, day = info.date_time[0:3]
    return ((year - 1980) << 9) | (month << 5) | day


def _contents(
    handle: IO[bytes], folder: str, infos: list[zipfile.ZipInfo], path: Path
) -> BundleCheck:
    """The members against MANIFEST, then the version, the WARC and the log lines."""
    by_name = {info.filename.partition("/")[2]: info for info in infos}
    missing = [name for name in fmt.REQUIRED if name not in by_name]
    if missing:
        raise BundleError(f"{path}: the bundle has no {', '.join(missing)}")
    manifest = fmt.parse_manifest(_read_text(handle, by_name[fmt.MANIFEST], fmt.MANIFEST))
    listed = set(manifest) | {fmt.MANIFEST}
    for name in by_name:
        if name not in listed:
            raise BundleError(f"member {name} is not listed in {fmt.MANIFEST}")
    for name, digest in manifest.items():
        if name not in by_name:
            raise BundleError(f"{fmt.MANIFEST} lists {name}, which the bundle does not hold")
        actual = _sha256(handle, by_name[name], name)
        if actual != digest:
            raise BundleError(
                f"member {name} does not match {fmt.MANIFEST}: it hashes to {actual[:16]}…, "
                f"not {digest[:16]}… (changed or damaged)"
            )
    version = _version(handle, by_name[fmt.VERSION], folder)
    payloads, records = _warc(handle, by_name[fmt.WARC])
    raw = version.provenance.raw_sha256
    if raw not in payloads:
        raise BundleError(
            f"member {fmt.WARC} holds no response whose body hashes to the version's raw "
            f"sha256 {raw[:16]}…"
        )
    lines = _check_lines(handle, by_name[fmt.CHECKS], payloads)
    return BundleCheck(
        path=path,
        target=version.target,
        version_id=version.id,
        members=len(manifest),
        records=records,
        raw_sha256=raw,
        check_lines=lines,
    )


def _stream(handle: IO[bytes], info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The member's bytes, a chunk at a time, inflated here rather than by zipfile so that
    every compressed byte is accounted for: the deflate stream must end exactly at the
    member's end, give exactly the size it claims, and match its CRC. Damage is a
    `BundleError` naming the member."""
    position = info.header_offset + _LOCAL.size + len(info.filename.encode("utf-8"))
    left = info.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = crc = 0
    data = b""
    try:
        while not inflater.eof:
            if not data:
                handle.seek(position)
                data = handle.read(min(CHUNK, left))
                if not data:
                    raise BundleError(f"member {name} is damaged: its data is cut short")
                position += len(data)
                left -= len(data)
            out = inflater.decompress(data, CHUNK)
            data = inflater.unconsumed_tail
            size += len(out)
            if size > info.file_size:
                raise BundleError(
                    f"member {name} inflates past its claimed {info.file_size:,} bytes"
                )
            crc = zlib.crc32(out, crc)
            if out:
                yield out
    except zlib.error as err:
        raise BundleError(f"member {name} is damaged: {err}") from None
    if left or data or inflater.unused_data:
        raise BundleError(f"member {name} is damaged: bytes after the end of its data")
    if size != info.file_size or crc != info.CRC:
        raise BundleError(f"member {name} is damaged: its size or CRC-32 does not match")


class _Reader(io.RawIOBase):
    """A member's stream as a file, for warcio."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _sha256(handle: IO[bytes], info: zipfile.ZipInfo, name: str) -> str:
    digest = hashlib.sha256()
    for chunk in _stream(handle, info, name):
        digest.update(chunk)
    return digest.hexdigest()


def _read_text(handle: IO[bytes], info: zipfile.ZipInfo, name: str) -> str:
    """A small member, whole, as UTF-8 text."""
    if info.file_size > fmt.MAX_SMALL_MEMBER:
        raise BundleError(f"member {name} is {info.file_size:,} bytes, too large to be one")
    data = b"".join(_stream(handle, info, name))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(f"member {name} is not UTF-8 text") from None


def _version(handle: IO[bytes], info: zipfile.ZipInfo, folder: str) -> Version:
    """The version, whose document must hash to its recorded content hash, and whose target
    and id must be the bundle's."""
    try:
        data = json.loads(_read_text(handle, info, fmt.VERSION))
        version = Version.from_dict(data)
        recorded = data["content_hash"]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise BundleError(f"member {fmt.VERSION} is not a version file ({err})") from None
    if version.content_hash != recorded:
        raise BundleError(
            f"member {fmt.VERSION}: the document hashes to {version.content_hash[:16]}…, not "
            f"to its recorded content_hash {str(recorded)[:16]}… (edited?)"
        )
    if fmt.folder_name(version.target, version.id) != folder:
        raise BundleError(
            f"member {fmt.VERSION} is version {version.id} of {version.target!r}, not the "
            f"bundle's {folder}"
        )
    return version


def _warc(handle: IO[bytes], info: zipfile.ZipInfo) -> tuple[set[str], int]:
    """The sha256 of every response body in the WARC, and its number of records, after
    checking every record's digests."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    payloads: set[str] = set()
    count = 0
    try:
        with io.BufferedReader(_Reader(_stream(handle, info, fmt.WARC)), CHUNK) as member:
            for record in ArchiveIterator(member, check_digests=True):
                count += 1
                digest = hashlib.sha256()
                while chunk := record.raw_stream.read(CHUNK):
                    digest.update(chunk)
                problems = record.digest_checker.problems
                if problems:
                    kind = record.rec_type
                    raise BundleError(f"member {fmt.WARC}: record {count} ({kind}): {problems[0]}")
                if record.rec_type == "response":
                    payloads.add(digest.hexdigest())
    except (ArchiveLoadFailed, zipfile.BadZipFile, zlib.error, EOFError, ValueError) as err:
        raise BundleError(f"member {fmt.WARC} is not a readable WARC: {err}") from None
    return payloads, count


def _check_lines(handle: IO[bytes], info: zipfile.ZipInfo, payloads: set[str]) -> int:
    """The log lines read as check records, link to each other, and name raw responses the
    WARC holds; their number."""
    links: list[Link] = []
    for number, data in enumerate(_lines(handle, info), start=1):
        try:
            record = CheckRecord.from_dict(json.loads(data.decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BundleError(f"member {fmt.CHECKS}: line {number} is not a check record") from None
        if record.raw_sha256 and record.raw_sha256 not in payloads:
            raise BundleError(
                f"member {fmt.CHECKS}: line {number} names raw response "
                f"{record.raw_sha256[:16]}…, which {fmt.WARC} does not hold"
            )
        links.append(Link(number, data, record.prev))
    report = check_chain(links, start=None)
    if report.breaks:
        raise BundleError(f"member {fmt.CHECKS}: hash chain broken: {report.breaks[0].message}")
    return len(links)


def _lines(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's lines without their newlines, none longer than `MAX_LOG_LINE`."""
    pending = b""
    for chunk in _stream(handle, info, fmt.CHECKS):
        pending += chunk
        *whole, pending = pending.split(b"\n")
        yield from whole
        if len(pending) > MAX_LOG_LINE:
            raise BundleError(f"member {fmt.CHECKS} has a line over {MAX_LOG_LINE:,} bytes")
    if pending:
        raise BundleError(f"member {fmt.CHECKS} does not end with a newline (cut short?)")
