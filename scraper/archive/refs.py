"""Version references: which version a user means by an id, an id prefix, `latest~N`, or a
moment (`--at`).

Only reads: the version ids of a target and, where a second holds more than one capture, the
capture time at the head of a version file. Times are parsed by `scraper.timespec`.
"""

from __future__ import annotations

import bisect
import re
from datetime import UTC, datetime, timedelta

from scraper.archive.store import Archive
from scraper.core.document import LastUpdated
from scraper.errors import ConfigError, NotFound
from scraper.timespec import parse_moment, parse_stamp, stamp_of, utc_iso

LATEST_REF = re.compile(r"^latest(?:~(\d+))?$")


def resolve_version(archive: Archive, target: str, ref: str) -> str:
    """The version id `ref` names: an id, a unique id prefix, `latest` or `latest~N`."""
    ids = archive.version_ids(target)
    if not ids:
        raise NotFound(f"target {target!r} has no versions yet; run `nato-watch check` first")
    ref = ref.strip()
    match = LATEST_REF.fullmatch(ref)
    if match:
        back = int(match.group(1) or 0)
        if back >= len(ids):
            raise NotFound(
                f"{ref}: target {target!r} has only {len(ids)} version(s); "
                f"the oldest is latest~{len(ids) - 1} ({ids[0]})"
            )
        return ids[-1 - back]
    if ref in ids:
        return ref
    prefixed = [i for i in ids if ref and i.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        shown = ", ".join(prefixed[:5]) + (", …" if len(prefixed) > 5 else "")
        raise NotFound(
            f"{ref!r} matches {len(prefixed)} versions of {target!r}: {shown}; give more of the id"
        )
    raise NotFound(
        f"no version {ref!r} of {target!r}; nearest: {', '.join(_nearest(ids, ref))} "
        "(see `nato-watch log`; `latest` and `latest~N` work too)"
    )


def version_at(archive: Archive, target: str, when: datetime) -> str:
    """The id of the version in force at `when`: the last one captured at or before it.

    A time given to the second covers that whole second (as version ids do), so `--at <id>`
    names that version; a time with a fraction is compared exactly. Ids are capture seconds,
    so a bisection over the ids decides almost every case without opening a file; only the
    versions in `when`'s own second or pushed past their capture second (two captures in one
    second) need their capture time read, from the head of their file.
    """
    if when.tzinfo is None:
        raise ValueError("version_at needs an aware datetime")
    ids = archive.version_ids(target)
    if not ids:
        raise NotFound(f"target {target!r} has no versions yet; run `nato-watch check` first")
    limit = when if when.microsecond else when + timedelta(seconds=1, microseconds=-1)
    # An id is never earlier than its capture second, and a capture is never later than the
    # end of its id's second: ids before `when`'s second are in force, the rest need a look.
    if when.microsecond:
        index = bisect.bisect_left(ids, stamp_of(when))
    else:
        index = bisect.bisect_right(ids, stamp_of(when))
    while index < len(ids) and archive.read_captured_at(target, ids[index]) <= limit:
        index += 1
    if index == 0:
        first = archive.read_captured_at(target, ids[0])
        raise NotFound(
            f"target {target!r} has no version at {utc_iso(when.astimezone(UTC))}: the first "
            f"({ids[0]}) was captured at {utc_iso(first)}"
        )
    return ids[index - 1]


def _nearest(ids: list[str], ref: str) -> list[str]:
    """Up to three ids closest to `ref` in time when it reads as a time, else the newest."""
    try:
        when = parse_moment(ref, option="VERSION")
    except ConfigError:
        return ids[-3:]
    ranked = sorted(ids, key=lambda i: abs((parse_stamp(i) - when).total_seconds()))[:3]
    return sorted(ranked)


def version_stamped_at(archive: Archive, target: str, when: datetime) -> str:
    """The id of the version whose page stamp ("Last updated") was in force at `when`: of the
    versions showing the latest stamp at or before `when`, the first captured, which is what
    the page said when that stamp was set (a silent edit under the same stamp came later).
    Versions that show no stamp are passed over."""
    if when.tzinfo is None:
        raise ValueError("version_stamped_at needs an aware datetime")
    found: tuple[datetime, str] | None = None
    earliest: LastUpdated | None = None
    for version in archive.iter_versions(target):
        stamp = version.document.last_updated
        if stamp is None:
            continue
        if earliest is None or stamp.at < earliest.at:
            earliest = stamp
        if stamp.at <= when and (found is None or stamp.at > found[0]):
            found = (stamp.at, version.id)
    if found is not None:
        return found[1]
    if earliest is None:
        raise NotFound(f"no version of {target!r} shows a 'Last updated' stamp")
    raise NotFound(
        f"no version of {target!r} was stamped at or before "
        f"{when.isoformat(timespec='minutes')}: the earliest stamp is {earliest.text}"
    )
