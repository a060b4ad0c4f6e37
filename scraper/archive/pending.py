"""A version whose check did not finish: stored, but without its line in the check log.

A check writes its raw snapshot, its version, the report, the site, and last its line in the
check log (DESIGN's order). That line is the durable mark that the check finished — and,
because `run` notifies of every check that ends with a new version, that the version was
announced. So a live version whose capture time has no successful check-log line was left by
a check that stopped in between: killed, or refused by a full disk. The next check finishes
it (the report, the site, the line, and the announcement: `run.pipeline`), `replay` writes
its report, and `verify` notes it. Only the newest live version can be in that state: every
check finishes it before doing anything else.
"""

from __future__ import annotations

import json
from datetime import datetime

from scraper.archive.store import Archive
from scraper.core.records import CheckStatus, Source, Version
from scraper.timespec import utc_iso


def unfinished_version(archive: Archive, target: str) -> Version | None:
    """The target's newest live version when the check log holds no successful line at its
    capture time (its check stopped before its end); else None."""
    for version_id in reversed(archive.version_ids(target)):
        version = archive.read_version(target, version_id)
        if version.provenance.source is Source.LIVE:
            return None if _logged(archive, target, version.captured_at) else version
    return None


def _logged(archive: Archive, target: str, at: datetime) -> bool:
    """Whether a check-log line that did not fail has the capture time `at`.

    Lines are matched on their `"at"` field's text first (cheap on a log of years), then read.
    """
    path = archive.checks_path(target)
    if not path.is_file():
        return False
    needle = f'"at":"{utc_iso(at)}"'.encode()
    with path.open("rb") as handle:
        for raw in handle:
            if needle not in raw:
                continue
            try:
                status = json.loads(raw).get("status")
            except (ValueError, AttributeError):
                continue  # a torn line says nothing
            if status != CheckStatus.ERROR.value:
                return True
    return False
