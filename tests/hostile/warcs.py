"""WARC files written byte by byte, for records no well-behaved writer makes: bombs (a
gzip member or an HTTP body that decompresses to gigabytes, written in bounded memory), odd
dates, damage."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

TARGET_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"


def zeros(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """`total` zero bytes, a chunk at a time."""
    left = total
    while left > 0:
        n = min(chunk, left)
        yield bytes(n)
        left -= n


def gzip_stream(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The gzip (one member) of the concatenated `pieces`, compressed as they come."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    for piece in pieces:
        out = compressor.compress(piece)
        if out:
            yield out
    yield compressor.flush()


def record_pieces(
    rec_type: str,
    block: Iterable[bytes],
    length: int,
    *,
    uri: str | None = None,
    date: str = "2024-07-16T08:30:00Z",
    headers: dict[str, str] | None = None,
    record_id: str = "<urn:uuid:00000000-0000-0000-0000-000000000001>",
) -> Iterator[bytes]:
    """A WARC/1.1 record: its header, `block` (`length` bytes in all) and its end."""
    lines = [
        "WARC/1.1",
        f"WARC-Type: {rec_type}",
        f"WARC-Record-ID: {record_id}",
        f"WARC-Date: {date}",
    ]
    if uri is not None:
        lines.append(f"WARC-Target-URI: {uri}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {length}")
    yield ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    yield from block
    yield b"\r\n\r\n"


def http_response(body: bytes, *, content_encoding: str | None = None) -> bytes:
    """An HTTP/1.1 200 response of an HTML page with `body` as it went over the wire."""
    head = ["HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8"]
    if content_encoding:
        head.append(f"Content-Encoding: {content_encoding}")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def write_warc(path: Path, records: Iterable[Iterable[bytes]], *, gzipped: bool = True) -> Path:
    """Write `records` (each an iterable of its bytes) to `path`, each its own gzip member."""
    with path.open("wb") as out:
        for pieces in records:
            _write(out, gzip_stream(pieces) if gzipped else pieces)
    return path


def _write(out: BinaryIO, pieces: Iterable[bytes]) -> None:
    for piece in pieces:
        out.write(piece)


def warcinfo() -> Iterator[bytes]:
    """A small warcinfo record."""
    block = b"software: hostile-test/1\r\nformat: WARC File Format 1.1\r\n"
    return record_pieces("warcinfo", [block], len(block))


def page_response(
    body: bytes, *, date: str = "2024-07-16T08:30:00Z", n: int = 2
) -> Iterator[bytes]:
    """A response record of the target's page."""
    payload = http_response(body)
    return record_pieces(
        "response",
        [payload],
        len(payload),
        uri=TARGET_URL,
        date=date,
        headers={"Content-Type": "application/http; msgtype=response"},
        record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
    )
