"""The page's own "Last updated" stamp: recognising a stamp line and reading its date.

The label is localised ("Last updated:", "Mis à jour le :") but NATO writes the date the same
way on every language's page: `16 Aug. 2023 15:39`, 24-hour, Brussels time, no offset. French
month names (`16 août 2023 15:39`) are read too, should a template ever write them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from scraper.core.document import LastUpdated
from scraper.errors import ParseError

BRUSSELS: Final = ZoneInfo("Europe/Brussels")
"""NATO HQ's time zone: the page's stamp carries no offset and means Brussels time."""

# A label with a colon, or a label followed directly by a digit; "Last updated versions of…"
# is a sentence, not a stamp.
_STAMP_LABEL: Final = re.compile(
    r"^(?:last updated|mis [àa] jour le|derni[èe]re mise [àa] jour)"
    r"\s*(?::\s*(.*)|\s(\d.*))$",
    re.I | re.S,
)
_STAMP_DATE: Final = re.compile(r"^(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})$")
_STAMP_MAX_REST: Final = 40  # longer text after "Last updated:" is a sentence, not a date
_MONTH_NAMES: Final = (
    ("jan", "january", "janv", "janvier"),
    ("feb", "february", "fév", "févr", "février", "fev", "fevr", "fevrier"),
    ("mar", "march", "mars"),
    ("apr", "april", "avr", "avril"),
    ("may", "mai"),
    ("jun", "june", "juin"),
    ("jul", "july", "juil", "juillet"),
    ("aug", "august", "août", "aout"),
    ("sep", "sept", "september", "septembre"),
    ("oct", "october", "octobre"),
    ("nov", "november", "novembre"),
    ("dec", "december", "déc", "décembre", "decembre"),
)
MONTHS: Final = {name: n for n, names in enumerate(_MONTH_NAMES, start=1) for name in names}
"""Month names and abbreviations, English and French, lower case -> month number."""


def match_stamp(text: str) -> LastUpdated | None:
    """The stamp in `text` if `text` is a stamp line; `ParseError` if its date is malformed."""
    if len(text) > 80:
        return None
    match = _STAMP_LABEL.match(text)
    if not match:
        return None
    shown = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    if len(shown) > _STAMP_MAX_REST:
        return None
    date = _STAMP_DATE.match(shown)
    month = MONTHS.get(date.group(2).lower()) if date else None
    if date is None or month is None:
        raise ParseError(
            f"malformed 'Last updated' stamp {text!r}: expected a date like '16 Jul. 2024 10:28'"
        )
    day, year, hour, minute = (int(date.group(i)) for i in (1, 3, 4, 5))
    try:
        at = datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)
    except ValueError as err:
        raise ParseError(f"malformed 'Last updated' stamp {text!r}: {err}") from err
    return LastUpdated(text=shown, at=at)
