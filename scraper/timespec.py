"""Time as users write it and as the archive stores it: the one parser every command uses.

Owns: capture times in UTC (`utc_iso`, `parse_utc`) and the archive's `<stamp>` names
(`stamp_of`, `parse_stamp`); durations (`6h`, `2w`); moments a user names on the command line
(`--at`, `--since`, `--from`, `--to`: ISO 8601, a year or month, a version id, or a duration
ago such as `1w`); crontab expressions read the way cron reads them; IANA time zones.

Pure: the current time comes in as a parameter (`now`); `utc_now` is the clock the edges pass.
Crontab parsing is our own, not APScheduler's `CronTrigger.from_crontab`, because that one
reads day-of-week numbers from Monday = 0 and combines day-of-month and day-of-week with AND,
where cron counts from Sunday = 0 and fires on either; `run.schedule` turns a `CronSpec` into
APScheduler triggers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.errors import ConfigError

DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MIN_EVERY = timedelta(seconds=1)
# The longest duration any option takes: an interval, a jitter or "a while ago" past this is
# a typo (and past ~10^9 days, more than a `timedelta` holds).
MAX_DURATION = timedelta(days=366)
# How far back "1w"-style moments may reach: the web is younger than this.
MAX_AGO = timedelta(days=100 * 366)
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
"""A version id: its capture second, `YYYY-MM-DDTHHMMSSZ` in UTC."""
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
# A version id with its tail missing (`2024-07-16T10`, `2024-07-16T1028`), as typed from `log`.
_COMPACT = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})?(\d{2})?Z?")
MOMENT_HELP = (
    "use ISO 8601 (2016, 2016-10, 2016-10-06, 2016-10-06T17:20:00+02:00; no offset means "
    "UTC), a version id (2016-10-06T152000Z) or a duration ago (6h, 3d, 1w)"
)


def utc_now() -> datetime:
    """The current time, aware, in UTC (the clock the command line passes in)."""
    return datetime.now(UTC)


# -- capture times and stamps -----------------------------------------------------------------


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the microsecond when there is one."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    """Read an ISO 8601 timestamp written by `utc_iso` (or any aware ISO form) as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stamp_of(moment: datetime) -> str:
    """The `<stamp>` of a capture time: `YYYY-MM-DDTHHMMSSZ` in UTC."""
    utc = moment.astimezone(UTC)
    # strftime's %Y does not pad years before 1000 on every platform.
    return f"{utc.year:04d}" + utc.strftime("-%m-%dT%H%M%SZ")


# No capture can be older than the web (its first page went public in 1991), nor later than
# the clock by more than a day (leeway for a WARC writer's clock, or a time zone mistaken).
EARLIEST_CAPTURE = datetime(1991, 1, 1, tzinfo=UTC)
CAPTURE_LEEWAY = timedelta(days=1)


def capture_time_problem(moment: datetime, *, now: datetime) -> str | None:
    """Why `moment` cannot be a capture time — before 1991-01-01, or later than `now` plus a
    day — or None when it can. Imports refuse such captures; `verify` calls them damage."""
    if moment < EARLIEST_CAPTURE:
        return f"is before {EARLIEST_CAPTURE.date().isoformat()}, older than the web"
    latest = now + CAPTURE_LEEWAY
    if moment > latest:
        return f"is later than {utc_iso(latest.replace(microsecond=0))} (now + 1 day)"
    return None


def parse_stamp(stamp: str) -> datetime:
    """The UTC second a `<stamp>` names."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)


# -- moments users name ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSpan:
    """The capture times a command covers (`--from`, `--to`); both ends included, None for
    open."""

    start: datetime | None = None
    end: datetime | None = None

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, datetime):
            return False
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment <= self.end
        )


def parse_moment(
    text: str,
    *,
    option: str,
    now: datetime | None = None,
    end: bool = False,
    zone: tzinfo = UTC,
) -> datetime:
    """The moment `text` names, aware.

    Accepted: ISO 8601 (a time without an offset is in `zone`, UTC unless said otherwise); a
    year, month or day (`2016`, `2016-10`, `2016-10-06`), which means its first second, or
    its last one with `end` (so `--to 2016` ends on 2016-12-31T23:59:59); a version id
    (`2016-10-06T152000Z`) or one with its tail missing (`2016-10-06T15`); a duration ago
    (`6h`, `3d`, `1w`: `now` minus it). `ConfigError` naming `option` otherwise.
    """
    cleaned = text.strip()
    try:
        if DURATION.fullmatch(cleaned.lower()):
            if now is None:
                raise ValueError("no clock to count back from")
            return now - parse_duration(
                cleaned, option=option, minimum=timedelta(0), maximum=MAX_AGO
            )
        if STAMP.fullmatch(cleaned):
            return parse_stamp(cleaned)
        partial = _PARTIAL_DATE.fullmatch(cleaned)
        if partial:
            return _period_bound(partial, end=end, zone=zone)
        compact = _COMPACT.fullmatch(cleaned)
        if compact:
            day, hour, minute, second = compact.groups()
            cleaned = f"{day}T{hour}:{minute or '00'}:{second or '00'}" + (
                "Z" if text.strip().endswith("Z") else ""
            )
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise ConfigError(
            f"cannot read {option} {text!r} as a date or time; {MOMENT_HELP}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _period_bound(match: re.Match[str], *, end: bool, zone: tzinfo) -> datetime:
    """The first second of the year, month or day `match` names, or with `end` its last."""
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    first = datetime(year, month or 1, day or 1, tzinfo=zone)
    if not end:
        return first
    if day is not None:
        after = first + timedelta(days=1)
    elif month is not None:
        after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    else:
        after = datetime(year + 1, 1, 1, tzinfo=zone)
    return after - timedelta(seconds=1)


def parse_span(
    start: str | None,
    end: str | None,
    *,
    now: datetime | None = None,
    options: tuple[str, str] = ("--from", "--to"),
) -> TimeSpan:
    """The span `--from START --to END` names, each end read by `parse_moment` (a date part
    covers all of it), to the second, in UTC."""
    span = TimeSpan(
        _second(parse_moment(start, option=options[0], now=now)) if start else None,
        _second(parse_moment(end, option=options[1], now=now, end=True)) if end else None,
    )
    if span.start and span.end and span.start > span.end:
        raise ConfigError(f"{options[0]} {start} is after {options[1]} {end}; the span is empty")
    return span


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


# -- durations -------------------------------------------------------------------------------


def parse_duration(
    text: str,
    *,
    option: str = "--every",
    minimum: timedelta = MIN_EVERY,
    maximum: timedelta = MAX_DURATION,
) -> timedelta:
    """A duration written as a number and a unit `s`, `m`, `h`, `d` or `w` (`30s`, `6h`,
    `1.5d`, `2w`); `ConfigError` naming `option` when it is malformed, shorter than
    `minimum` or longer than `maximum`."""
    cleaned = text.strip().lower()
    match = DURATION.fullmatch(cleaned)
    if match is None and cleaned == "0" and minimum <= timedelta(0):
        return timedelta(0)
    if match is None:
        raise ConfigError(
            f"{option} {text!r} is not a duration; write a number and a unit s, m, h, d or w, "
            "e.g. 30m, 6h, 1d or 2w"
        )
    seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds > maximum.total_seconds():
        raise ConfigError(
            f"{option} {text!r} is too long; the maximum is {format_duration(maximum)}"
        )
    value = timedelta(seconds=seconds)
    if value < minimum:
        raise ConfigError(
            f"{option} {text!r} is too short; the minimum is {format_duration(minimum)}"
        )
    return value


def format_duration(value: timedelta) -> str:
    """A duration in the largest unit that writes it exactly: `6h`, `90m`, `1.5s`, `0s`."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m"):
        size = UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# -- cron ------------------------------------------------------------------------------------

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# The longest each month can be (February in a leap year), to refuse dates that never come.
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
CRON_NICKNAMES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
CRON_HELP = (
    "the five fields are minute hour day-of-month month day-of-week, "
    'e.g. "0 */6 * * *" (every 6 hours on the hour)'
)


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    first_name_value: int = 0


_CRON_FIELDS = (
    _CronField("minute", 0, 59),
    _CronField("hour", 0, 23),
    _CronField("day-of-month", 1, 31),
    _CronField("month", 1, 12, MONTH_NAMES, 1),
    _CronField("day-of-week", 0, 7, DAY_NAMES, 0),
)


@dataclass(frozen=True)
class CronSpec:
    """A five-field crontab expression, read the way cron reads it.

    `weekdays` counts from Sunday = 0, as crontab does. As in cron, when both the day of the
    month and the day of the week are restricted (neither starts with `*`), a day matching
    either one fires.
    """

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    def matches(self, moment: datetime) -> bool:
        """Whether the wall-clock minute of `moment` (in its own time zone) is a firing time."""
        weekday = (moment.weekday() + 1) % 7  # Python: Monday = 0; cron: Sunday = 0
        day_ok = moment.day in self.days
        weekday_ok = weekday in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            date_ok = day_ok or weekday_ok
        else:
            date_ok = day_ok and weekday_ok
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and date_ok
        )


def parse_cron(text: str, *, option: str = "--cron") -> CronSpec:
    """Read a five-field crontab expression (or `@daily`, `@hourly`, …) into a `CronSpec`;
    `ConfigError` naming `option`, the field and the fix when it is malformed."""
    expression = " ".join(text.split())
    fields = CRON_NICKNAMES.get(expression.lower(), expression).split()
    if len(fields) != 5:
        raise ConfigError(f"{option} {text!r} has {len(fields)} field(s), not 5; {CRON_HELP}")
    sets = [
        _parse_cron_field(raw, spec, option=option, text=text)
        for raw, spec in zip(fields, _CRON_FIELDS, strict=True)
    ]
    weekdays = frozenset(day % 7 for day in sets[4])  # 7 is Sunday too
    spec = CronSpec(
        expression=expression,
        minutes=sets[0],
        hours=sets[1],
        days=sets[2],
        months=sets[3],
        weekdays=weekdays,
        days_restricted=not fields[2].startswith("*"),
        weekdays_restricted=not fields[4].startswith("*"),
    )
    if spec.days_restricted and not spec.weekdays_restricted:
        possible = any(day <= MONTH_DAYS[month - 1] for day in spec.days for month in spec.months)
        if not possible:
            raise ConfigError(
                f"{option} {text!r} never fires: no chosen month has the chosen day of the month"
            )
    return spec


def _parse_cron_field(raw: str, spec: _CronField, *, option: str, text: str) -> frozenset[int]:
    def bad(reason: str) -> ConfigError:
        return ConfigError(f"{option} {text!r}: {spec.name} {raw!r} {reason}; {CRON_HELP}")

    def value(token: str) -> int:
        lowered = token.lower()
        if spec.names and lowered in spec.names:
            return spec.names.index(lowered) + spec.first_name_value
        if not token.isdigit():
            raise bad(f"has {token!r}, which is neither a number nor a name")
        number = int(token)
        if not spec.low <= number <= spec.high:
            raise bad(f"has {number}, outside {spec.low}-{spec.high}")
        return number

    values: set[int] = set()
    for part in raw.split(","):
        base, slash, step_text = part.partition("/")
        if not base:
            raise bad("has an empty list item")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise bad(f"has step {step_text!r}; a step is a whole number of at least 1")
            step = int(step_text)
        if base == "*":
            first, last = spec.low, spec.high
        elif "-" in base:
            start_text, _, end_text = base.partition("-")
            first, last = value(start_text), value(end_text)
            if first > last:
                raise bad(f"has the range {base!r}, which runs backwards")
        else:
            first = value(base)
            last = spec.high if slash else first  # `5/15` means from 5 to the end, every 15
        values.update(range(first, last + 1, step))
    return frozenset(values)


def resolve_timezone(name: str, *, option: str = "--timezone") -> tzinfo:
    """The time zone called `name` (IANA, e.g. `Europe/Brussels`, or `UTC`)."""
    cleaned = name.strip()
    if cleaned.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{option} {name!r} is not a known time zone; use an IANA name such as UTC, "
            "Europe/Brussels or Asia/Seoul"
        ) from None
