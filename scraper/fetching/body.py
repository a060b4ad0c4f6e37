"""Reading a response body over HTTP: streamed, capped at `max_bytes`, within the try's
deadline (`deadline.Deadline`: `total_timeout`, or what is left of `check_timeout`), and whole.

A body that breaks off, cannot be decompressed, grows past the cap or arrives too slowly fails
the try with a `TryFailure` that carries the size and sha256 of what did arrive, so the check
log can say what the site sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import requests
import urllib3.exceptions

from scraper.fetching.deadline import Deadline
from scraper.fetching.failures import TryFailed, TryFailure, too_slow
from scraper.fetching.network import network_failure
from scraper.fetching.settings import FetchSettings

CHUNK_SIZE = 64 * 1024


def check_declared_size(
    response: requests.Response, base: TryFailure, settings: FetchSettings
) -> None:
    """Refuse a body whose Content-Length already says it is over the cap."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise TryFailed(_too_large(base, f"{int(declared)} bytes declared", settings))


def _too_large(base: TryFailure, seen: str, settings: FetchSettings) -> TryFailure:
    """The failure of a body over `max_bytes`; `seen` says how that is known."""
    cap = settings.max_bytes
    return replace(
        base,
        outcome=f"body over {cap} bytes",
        summary=f"returned a body larger than the cap of {_size(cap)} (max_bytes = {cap}; {seen})",
        advice="this is not the article page; if it really is, raise max_bytes in the "
        "[fetch] config",
    )


def read_body(
    response: requests.Response, base: TryFailure, *, settings: FetchSettings, deadline: Deadline
) -> bytes:
    """Stream the (decompressed) body, enforcing the size cap, the try's deadline and
    completeness; raises `TryFailed` with the size and sha256 of what did arrive."""
    chunks: list[bytes] = []
    declared = response.headers.get("Content-Length", "").strip()
    encoded = response.headers.get("Content-Encoding", "").strip().lower()
    # Only an unencoded body can be compared with Content-Length (which counts wire bytes).
    expected = int(declared) if declared.isdigit() and encoded in ("", "identity") else None
    try:
        _stream(response, base, settings, deadline, chunks)
    except TryFailed:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
        # The watchdog shuts the socket at the deadline: whatever broke, that is why.
        failure = _body_failure(err, response, base, settings, expected, encoded, chunks)
        if deadline.expired:
            failure = _slow_body(base, deadline, chunks)
        raise TryFailed(failure) from err
    if deadline.expired:
        # A socket shut by the watchdog reads as the end of a body without a length.
        raise TryFailed(_slow_body(base, deadline, chunks))
    # urllib3 1.x does not enforce Content-Length by default: check it here as well.
    total = sum(map(len, chunks))
    if expected is not None and total < expected:
        raise TryFailed(_cut_short(base, f"{total} of {expected} bytes arrived", chunks))
    return b"".join(chunks)


def _body_failure(
    err: BaseException,
    response: requests.Response,
    base: TryFailure,
    settings: FetchSettings,
    expected: int | None,
    encoded: str,
    chunks: list[bytes],
) -> TryFailure:
    """What a library error while reading the body means."""
    total = sum(map(len, chunks))
    if isinstance(err, requests.exceptions.ChunkedEncodingError | urllib3.exceptions.ProtocolError):
        if expected is not None:
            seen = f"{total} of {expected} bytes arrived"
        else:
            seen = f"the stream broke after {total} bytes"
        return _cut_short(base, seen, chunks)
    if isinstance(err, requests.exceptions.ContentDecodingError | urllib3.exceptions.DecodeError):
        failure = replace(
            base,
            outcome="undecodable body",
            summary=f"returned a {encoded or '?'}-compressed body that could not be "
            f"decompressed ({total} bytes decoded)",
            advice="the body was damaged on the way; the next check will try again",
            retryable=True,
        )
        return _partial(failure, chunks)
    failure = network_failure(err, response.url, settings, during_body=True)
    failure = replace(failure, status=base.status, final_url=base.final_url)
    return _partial(failure, chunks)


def _slow_body(base: TryFailure, deadline: Deadline, chunks: list[bytes]) -> TryFailure:
    """The failure of a body still arriving when the try's deadline passed."""
    arrived = sum(map(len, chunks))
    what = f"to send the page; {arrived} bytes arrived"
    failure = too_slow(base, seconds=deadline.seconds, limit=deadline.limit, what=what)
    return _partial(failure, chunks)


def _stream(
    response: requests.Response,
    base: TryFailure,
    settings: FetchSettings,
    deadline: Deadline,
    chunks: list[bytes],
) -> None:
    """Append the body's chunks to `chunks` as they arrive; raise `TryFailed` when they
    pass the size cap or the try's deadline (the library's own errors pass out)."""
    s = settings
    total = 0
    for chunk in _body_chunks(response):
        chunks.append(chunk)
        total += len(chunk)
        if total > s.max_bytes:
            raise TryFailed(_partial(_too_large(base, f"stopped after {total}", s), chunks))
        if deadline.expired:
            raise TryFailed(_slow_body(base, deadline, chunks))


def read_capped(chunks: Iterator[bytes], cap: int) -> bytes:
    """Read at most `cap` bytes from a chunk iterator; the rest is ignored."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) >= cap:
            break
    return bytes(out[:cap])


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The decompressed body as it arrives.

    `read1` hands over whatever bytes are there, so when the connection breaks the bytes that
    did arrive are kept (iter_content's buffered reads would drop up to a chunk of them).
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 before 2.3
        yield from response.iter_content(CHUNK_SIZE)
        return
    while True:
        chunk = read1(CHUNK_SIZE, decode_content=True)
        if not chunk:
            return
        yield chunk


def _partial(failure: TryFailure, chunks: list[bytes]) -> TryFailure:
    """`failure` with the size and sha256 of the part of the body that did arrive, if any."""
    data = b"".join(chunks)
    return replace(
        failure,
        body_size=len(data) if data else None,
        body_sha256=hashlib.sha256(data).hexdigest() if data else None,
    )


def _cut_short(base: TryFailure, seen: str, chunks: list[bytes]) -> TryFailure:
    """The failure of a body that stopped before its end; `seen` says how much arrived."""
    failure = replace(
        base,
        outcome="body cut short",
        summary=f"returned a body cut short ({seen})",
        advice="the connection broke; the next check will try again",
        retryable=True,
    )
    return _partial(failure, chunks)


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"
