"""The captures of a target: every moment a raw snapshot was captured, read from the archive.

A capture is known from a version (its provenance), from a successful check-log line that
names a raw snapshot, or from both; the captures of a target are the union of the two, in
capture order. Replay re-reads them; WARC export writes them. Only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from scraper.archive.store import Archive
from scraper.core.records import CheckRecord, CheckStatus, Provenance, Version


@dataclass(frozen=True)
class Capture:
    """One moment a raw snapshot was captured, from a version, a log line, or both.

    What replay reads, and what WARC export writes: one capture per successful check (or
    imported capture) that names a raw snapshot, in capture order.
    """

    at: datetime
    raw: str
    provenance: Provenance | None = None  # of the existing version of this capture
    record: CheckRecord | None = None  # its check-log line
    version_id: str | None = None  # the existing version's id
    content_hash: str | None = None  # the existing version's document hash

    @property
    def content_type(self) -> str | None:
        """The Content-Type the body came with, from the version or the check-log line."""
        if self.provenance is not None and self.provenance.content_type:
            return self.provenance.content_type
        return self.record.content_type if self.record is not None else None

    @property
    def url(self) -> str:
        """The URL the page is read as: the final URL, as `check_target` reads it."""
        if self.provenance is not None:
            return self.provenance.final_url
        assert self.record is not None
        return self.record.final_url or self.record.url


def captures_of(
    archive: Archive, target: str, *, versions: list[Version] | None = None
) -> list[Capture]:
    """Every capture of `target`, in capture order: its versions ∪ its successful checks.

    `versions` are the target's versions when the caller has read them already (replay
    does, under the lock, so the captures agree with the versions it rewrites); without
    them they are read here, and the caller holds the lock if it needs that agreement.
    """
    if versions is None:
        versions = list(archive.iter_versions(target))
    found: dict[tuple[datetime, str], Capture] = {}
    for version in versions:
        key = (version.captured_at, version.provenance.raw_sha256)
        found[key] = Capture(
            at=version.captured_at,
            raw=version.provenance.raw_sha256,
            provenance=version.provenance,
            version_id=version.id,
            content_hash=version.content_hash,
        )
    for record in archive.iter_checks(target):
        if record.status is CheckStatus.ERROR or not record.raw_sha256 or record.not_modified:
            continue
        key = (record.started_at, record.raw_sha256)
        known = found.get(key)
        if known is None:
            found[key] = Capture(at=record.started_at, raw=record.raw_sha256, record=record)
        elif known.record is None:
            found[key] = replace(known, record=record)
    return [found[key] for key in sorted(found)]
