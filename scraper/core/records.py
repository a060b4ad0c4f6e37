"""The archive's records: a version (document + provenance) and a check log line.

These are the typed records that cross module boundaries between the pipeline, the store,
replay and the CLI. JSON is made here, in one place, from the dataclasses. Every timestamp
is timezone-aware and stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from scraper.core.document import Document
from scraper.timespec import parse_utc, utc_iso


class CheckStatus(StrEnum):
    """The outcome of one check, as `check --json` and the check log report it."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"
    # A past capture added by an import (Wayback, WARC): `replay` decides whether it is a version.
    IMPORTED = "imported"


class Source(StrEnum):
    """Where a snapshot came from."""

    LIVE = "live"
    WAYBACK = "wayback"
    WARC = "warc"


@dataclass(frozen=True)
class Provenance:
    """Where and how a version's snapshot was captured."""

    url: str
    final_url: str
    status: int
    fetched_at: datetime
    raw_sha256: str
    parser_version: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    redirects: tuple[str, ...] = ()
    source: Source = Source.LIVE
    memento_url: str | None = None
    renderer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this provenance."""
        out: dict[str, Any] = {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "fetched_at": utc_iso(self.fetched_at),
            "raw_sha256": self.raw_sha256,
            "parser_version": self.parser_version,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "content_type": self.content_type,
            "redirects": list(self.redirects),
            "source": self.source.value,
        }
        if self.memento_url is not None:
            out["memento_url"] = self.memento_url
        if self.renderer is not None:
            out["renderer"] = self.renderer
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Rebuild a provenance from its JSON object."""
        return cls(
            url=data["url"],
            final_url=data["final_url"],
            status=int(data["status"]),
            fetched_at=parse_utc(data["fetched_at"]),
            raw_sha256=data["raw_sha256"],
            parser_version=data["parser_version"],
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            content_type=data.get("content_type"),
            redirects=tuple(data.get("redirects", ())),
            source=Source(data.get("source", "live")),
            memento_url=data.get("memento_url"),
            renderer=data.get("renderer"),
        )


Header = tuple[str, str]
"""One HTTP header field as sent or received: (name, value), the name's case kept."""


@dataclass(frozen=True)
class HttpExchange:
    """The heads of the HTTP request and response that delivered a body, as sent and received.

    A web archive (WARC) needs them to replay a capture as it was served. `headers` are the
    response's fields in the order received, a repeated field (`Set-Cookie`) once per
    occurrence; they describe the body as it came over the wire, so `Content-Encoding` and
    `Content-Length` may not fit the stored body, which is kept after content decoding.
    """

    status: int
    reason: str = ""
    protocol: str = "HTTP/1.1"
    headers: tuple[Header, ...] = ()
    method: str = "GET"
    request_headers: tuple[Header, ...] = ()

    def header(self, name: str) -> str | None:
        """The first value of the response header `name` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of these heads."""
        return {
            "request": {
                "method": self.method,
                "headers": [list(pair) for pair in self.request_headers],
            },
            "response": {
                "protocol": self.protocol,
                "status": self.status,
                "reason": self.reason,
                "headers": [list(pair) for pair in self.headers],
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HttpExchange:
        """Rebuild the heads from their JSON object."""
        request, response = data["request"], data["response"]
        return cls(
            status=int(response["status"]),
            reason=str(response.get("reason", "")),
            protocol=str(response.get("protocol", "HTTP/1.1")),
            headers=_header_pairs(response.get("headers", ())),
            method=str(request.get("method", "GET")),
            request_headers=_header_pairs(request.get("headers", ())),
        )


def _header_pairs(items: Any) -> tuple[Header, ...]:
    pairs = []
    for item in items:
        name, value = item
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("a header must be a [name, value] pair of strings")
        pairs.append((name, value))
    return tuple(pairs)


@dataclass(frozen=True)
class SnapshotHeaders:
    """What the archive keeps beside a raw snapshot (`raw/<sha256>.http.json`): the HTTP heads
    of the response that delivered those bytes, where it came from and when.

    One per raw snapshot, written by the first capture that kept headers for those bytes; a
    later capture of the same bytes leaves it alone (its own check-log line keeps its status,
    type and validators). Archives made before headers were kept have none.
    """

    sha256: str
    url: str  # the URL that answered (the final URL after redirects)
    captured_at: datetime  # the capture's time, as its check-log line has it
    exchange: HttpExchange
    source: Source = Source.LIVE

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored as `raw/<sha256>.http.json`."""
        return {
            "format": 1,
            "sha256": self.sha256,
            "url": self.url,
            "captured_at": utc_iso(self.captured_at),
            "source": self.source.value,
            **self.exchange.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SnapshotHeaders:
        """Rebuild the sidecar from its JSON object."""
        if data.get("format") != 1:
            raise ValueError(f"unknown sidecar format {data.get('format')!r}")
        return cls(
            sha256=str(data["sha256"]),
            url=str(data["url"]),
            captured_at=parse_utc(data["captured_at"]),
            exchange=HttpExchange.from_dict(data),
            source=Source(data.get("source", "live")),
        )


@dataclass(frozen=True)
class Version:
    """A distinct document of a target, with its capture time and provenance.

    `id` is the `<stamp>` of `captured_at` (or the next free second after it).
    """

    target: str
    id: str
    captured_at: datetime
    document: Document
    provenance: Provenance

    @property
    def content_hash(self) -> str:
        """The document's content hash."""
        return self.document.content_hash

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored as `versions/<id>.json`."""
        return {
            "format": 1,
            "target": self.target,
            "id": self.id,
            "captured_at": utc_iso(self.captured_at),
            "content_hash": self.content_hash,
            "document": self.document.to_dict(),
            "provenance": self.provenance.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Version:
        """Rebuild a version from its stored JSON object (the hash is recomputed, not trusted)."""
        return cls(
            target=data["target"],
            id=data["id"],
            captured_at=parse_utc(data["captured_at"]),
            document=Document.from_dict(data["document"]),
            provenance=Provenance.from_dict(data["provenance"]),
        )


@dataclass(frozen=True)
class CheckRecord:
    """One line of a target's check log: every check, failed ones too."""

    target: str
    started_at: datetime
    url: str
    status: CheckStatus
    duration_ms: int
    final_url: str | None = None
    http_status: int | None = None
    attempts: int = 0
    raw_sha256: str | None = None
    body_size: int | None = None
    content_hash: str | None = None
    version: str | None = None
    report: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    not_modified: bool = False
    source: Source = Source.LIVE
    suspect: bool = False
    notes: tuple[str, ...] = ()
    error: str | None = None
    # Imported captures only: where the archive serves this capture (the memento URL), and the
    # archive's digest of its payload (e.g. `sha1:<base32>`), so a re-import skips it.
    memento_url: str | None = None
    digest: str | None = None
    # Imported from a nato-watch WARC export only: the source its metadata record gives for
    # the capture (`live`: a check nato-watch made), which the version's provenance keeps.
    origin: Source | None = None
    # The sha256 of the log line before this one (`core.chain`); set by the archive as it
    # appends the line, None on lines written before the log was chained.
    prev: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this log line; empty fields are left out to keep lines short.

        The target is not written: the log's own path (`snapshots/<target>/checks.jsonl`)
        names it, and an unchanged check should cost one short line.
        """
        out: dict[str, Any] = {
            "at": utc_iso(self.started_at),
            "url": self.url,
            "status": self.status.value,
            "ms": self.duration_ms,
        }
        optional: dict[str, Any] = {
            "final_url": self.final_url if self.final_url != self.url else None,
            "http": self.http_status,
            "attempts": self.attempts or None,
            "raw": self.raw_sha256,
            "size": self.body_size,
            "hash": self.content_hash,
            "version": self.version,
            "report": self.report,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "type": self.content_type,
            "not_modified": self.not_modified or None,
            "source": self.source.value if self.source is not Source.LIVE else None,
            "suspect": self.suspect or None,
            "notes": list(self.notes) or None,
            "error": self.error,
            "memento": self.memento_url,
            "digest": self.digest,
            "origin": self.origin.value if self.origin is not None else None,
            "prev": self.prev,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, target: str | None = None) -> CheckRecord:
        """Rebuild a log line from its JSON object; `target` is the log's own target."""
        return cls(
            target=data.get("target") or target or "",
            started_at=parse_utc(data["at"]),
            url=data["url"],
            status=CheckStatus(data["status"]),
            duration_ms=int(data.get("ms", 0)),
            final_url=data.get("final_url", data["url"]),
            http_status=data.get("http"),
            attempts=int(data.get("attempts", 0)),
            raw_sha256=data.get("raw"),
            body_size=data.get("size"),
            content_hash=data.get("hash"),
            version=data.get("version"),
            report=data.get("report"),
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            content_type=data.get("type"),
            not_modified=bool(data.get("not_modified", False)),
            source=Source(data.get("source", "live")),
            suspect=bool(data.get("suspect", False)),
            notes=tuple(data.get("notes", ())),
            error=data.get("error"),
            memento_url=data.get("memento"),
            digest=data.get("digest"),
            origin=Source(data["origin"]) if data.get("origin") else None,
            prev=_text_or_none(data.get("prev"), "prev"),
        )


def _text_or_none(value: Any, name: str) -> str | None:
    """`value` when it is a string or None; `TypeError` naming the field otherwise."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    return value
