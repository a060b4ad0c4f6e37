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

import contextlib
import json
from datetime import datetime

from scraper.archive.logtail import lines_newest_first
from scraper.archive.store import Archive
from scraper.core.records import CheckStatus, Source, Version
from scraper.timespec import parse_utc, utc_iso


def unfinished_version(archive: Archive, target: str) -> Version | None:
    """The target's newest live version when the check log holds no successful line at its
    capture time (its check stopped before its end); else None.

    A check runs this first, so it is kept cheap: a version's capture time is read from the
    head of its file, and the whole file only when the log has no line for it.
    """
    for version_id in reversed(archive.version_ids(target)):
        source = _logged_source(archive, target, archive.read_captured_at(target, version_id))
        if source == Source.LIVE.value:
            return None  # the newest live version, finished
        if source is not None:
            continue  # an imported version: the newest live one is further back
        version = archive.read_version(target, version_id)
        if version.provenance.source is Source.LIVE:
            return version
    return None


def _logged_source(archive: Archive, target: str, at: datetime) -> str | None:
    """The `source` of the check-log line that did not fail and has the capture time `at`
    (`live` for a check), or None when there is none.

    Read from the log's end, so a check pays for the lines since the newest version, not for
    years of log: a live check that did not fail and started after `at` ran after the check
    that stored the version at `at` (checks run one at a time, under the lock) and began by
    finishing that version, so the first such line settles it (`live`). Lines are matched on
    their `"at"` field's text first, then read.
    """
    needle = f'"at":"{utc_iso(at)}"'.encode()
    for raw in lines_newest_first(archive.checks_path(target)):
        try:
            line = json.loads(raw)
            status, source = line.get("status"), line.get("source", Source.LIVE.value)
            started = line.get("at")
        except (ValueError, AttributeError):
            continue  # a torn line says nothing
        if status == CheckStatus.ERROR.value:
            continue
        if needle in raw:
            return str(source)
        if source == Source.LIVE.value and isinstance(started, str):
            with contextlib.suppress(ValueError):
                if parse_utc(started) > at:
                    return str(source)
    return None
