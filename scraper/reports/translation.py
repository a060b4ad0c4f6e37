"""Translated pairs in the archive: the lag of each pair, the counterpart block of a change
report, and a translation catching up. Owns `PairStatus` and `CatchUp`.

A pair is two configured targets, a page and its translation (`translation_of` in the
config). What is compared is always stored versions, never the wall clock, so replaying the
archive gives the same reports and site:

- `pair_status`: the latest version of each side, compared (`nato-watch lag`, the index).
- `counterpart_checks`: for the report leading to a version of one side, the other side's
  version in force when that version was captured (the last one captured at or before it),
  compared with the change (`core.translation.check_counterpart`).
- `catch_up_of`: read back from a stored JSON report, whether that change was the translation
  catching up (the feed gives it an entry of its own).

`lag_to_dict` and `counterpart_to_dict` are the one place their JSON is made; the English
wording is in `reports.translation_words`.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scraper.archive.store import Archive
from scraper.core.document import LastUpdated
from scraper.core.records import Version
from scraper.core.target import TranslationPair
from scraper.core.translation import (
    CounterpartCheck,
    PairLag,
    PairSide,
    Role,
    check_counterpart,
    compare_pair,
    version_lang,
)
from scraper.errors import ScraperError
from scraper.timespec import parse_utc, utc_iso


@dataclass(frozen=True)
class PairStatus:
    """A pair as the archive holds it: its comparison, or the sides with no version yet."""

    pair: TranslationPair
    lag: PairLag | None
    absent: tuple[str, ...] = ()


def _side(pair: TranslationPair, role: Role, version: Version) -> PairSide:
    name, lang = (
        (pair.original, pair.original_lang)
        if role is Role.ORIGINAL
        else (pair.translation, pair.translation_lang)
    )
    return PairSide(role, name, version_lang(version, lang), version)


def pair_status(archive: Archive, pair: TranslationPair) -> PairStatus:
    """The latest versions of both sides of `pair`, compared."""
    original = archive.latest_version(pair.original)
    translation = archive.latest_version(pair.translation)
    if original is None or translation is None:
        absent = tuple(
            name for name, v in ((pair.original, original), (pair.translation, translation))
            if v is None
        )  # fmt: skip
        return PairStatus(pair, None, absent)
    lag = compare_pair(
        _side(pair, Role.ORIGINAL, original), _side(pair, Role.TRANSLATION, translation)
    )
    return PairStatus(pair, lag)


def version_in_force(archive: Archive, target: str, version_id: str) -> Version | None:
    """The version of `target` in force when version `version_id` (of any target) was
    captured: the last one captured at or before it (ids sort as capture times)."""
    ids = archive.version_ids(target)
    k = bisect.bisect_right(ids, version_id) - 1
    if k < 0:
        return None
    try:
        return archive.read_version(target, ids[k])
    except ScraperError:
        return None  # `verify` reports an unreadable version


def counterpart_checks(
    archive: Archive, old: Version, new: Version, pairs: Sequence[TranslationPair]
) -> tuple[CounterpartCheck, ...]:
    """The counterpart blocks of the report from `old` to `new`: one per pair `new`'s target
    is a side of (none for a target in no pair)."""
    checks = []
    for pair in pairs:
        if new.target not in pair.names():
            continue
        role = Role.ORIGINAL if new.target == pair.original else Role.TRANSLATION
        other = pair.other(new.target)
        found = version_in_force(archive, other, new.id)
        counterpart = _side(pair, role.other, found) if found is not None else None
        checks.append(
            check_counterpart(
                _side(pair, role, old), _side(pair, role, new), counterpart, name=other
            )
        )
    return tuple(checks)


# -- JSON ---------------------------------------------------------------------------------------


def _stamp(stamp: LastUpdated | None) -> dict[str, Any]:
    return {
        "last_updated": stamp.at.isoformat() if stamp else None,
        "last_updated_text": stamp.text if stamp else None,
    }


def _side_to_dict(side: PairSide) -> dict[str, Any]:
    return {
        "target": side.target,
        "lang": side.lang,
        "version": side.version.id,
        "captured_at": utc_iso(side.version.captured_at),
        **_stamp(side.stamp),
        "dated_by": "stamp" if side.stamp else "capture time",
        "date": side.day.isoformat(),
    }


def lag_to_dict(status: PairStatus) -> dict[str, Any]:
    """The JSON object `nato-watch lag --json` prints for one pair."""
    pair, lag = status.pair, status.lag
    out: dict[str, Any] = {
        "target": pair.original,
        "translation": pair.translation,
        "lead": None,
        "lead_target": None,
        "lag_days": None,
        "by_stamps": None,
        "missing_in_translation": [],
        "missing_in_original": [],
        "sections_out_of_order": [],
        "sides": None,
        "no_version_yet": list(status.absent),
    }
    if lag is None:
        return out
    out.update(
        lead=lag.lead.value if lag.lead else None,
        lead_target=lag.side(lag.lead).target if lag.lead else None,
        lag_days=lag.lag_days,
        by_stamps=lag.by_stamps,
        missing_in_translation=[f.to_dict() for f in lag.missing_in_translation],
        missing_in_original=[f.to_dict() for f in lag.missing_in_original],
        sections_out_of_order=[list(p) for p in lag.facts.out_of_order],
        sides={
            "original": _side_to_dict(lag.original),
            "translation": _side_to_dict(lag.translation),
        },
    )
    return out


def counterpart_to_dict(check: CounterpartCheck) -> dict[str, Any]:
    """One entry of a JSON report's `counterparts` list."""
    version = check.version
    return {
        "target": check.counterpart,
        "role": check.role.value,
        "lang": check.lang,
        "version": version.id if version else None,
        **_stamp(version.document.last_updated if version else None),
        "new_facts": [{**fact.to_dict(), "carried": carried} for fact, carried in check.new_facts],
        "missing_in_translation": {"before": check.missing_before, "after": check.missing_after},
        "stamp_reached": check.stamp_reached,
        "caught_up": check.caught_up,
    }


# -- catching up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatchUp:
    """A change of a translation that caught up with its original, as a stored JSON report
    tells it."""

    target: str
    original: str
    version_id: str
    captured_at: datetime
    last_updated: str | None
    original_version: str
    original_last_updated: str | None
    stamp_reached: bool
    missing_before: int
    missing_after: int

    def report_path(self, ext: str) -> str:
        """The report's path relative to `reports/`."""
        return f"{self.target}/{self.version_id}.{ext}"


def catch_up_of(text: str) -> CatchUp | None:
    """The catch-up a stored JSON report records, if it records one."""
    if '"caught_up": true' not in text:
        return None  # most reports: no need to parse them again
    data = json.loads(text)
    for entry in data.get("counterparts", ()):
        if entry.get("caught_up"):
            return CatchUp(
                target=data["target"],
                original=entry["target"],
                version_id=data["new"]["id"],
                captured_at=parse_utc(data["new"]["captured_at"]),
                last_updated=data["new"].get("last_updated_text"),
                original_version=entry["version"],
                original_last_updated=entry.get("last_updated_text"),
                stamp_reached=bool(entry["stamp_reached"]),
                missing_before=int(entry["missing_in_translation"]["before"]),
                missing_after=int(entry["missing_in_translation"]["after"]),
            )
    return None


__all__ = [
    "CatchUp",
    "PairStatus",
    "catch_up_of",
    "counterpart_checks",
    "counterpart_to_dict",
    "lag_to_dict",
    "pair_status",
    "version_in_force",
]
