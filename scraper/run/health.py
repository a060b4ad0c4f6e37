"""A target's health in the scheduled run: its run of consecutive failed checks, when that
is worth a warning (once per episode) and when it has recovered.

Pure: data in, data out. `health_from_checks` seeds it from the check log at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from scraper.core.records import CheckStatus, Source

if TYPE_CHECKING:
    from scraper.core.records import CheckRecord


class HealthChange(StrEnum):
    """A change of a target's health worth a log line of its own."""

    UNHEALTHY = "unhealthy"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Health:
    """A target's run of consecutive failed checks, and whether it has been reported."""

    failures: int = 0
    since: datetime | None = None
    last_error: str | None = None
    reported: bool = False

    def after(
        self, *, ok: bool, at: datetime, error: str | None, threshold: int
    ) -> tuple[Health, HealthChange | None]:
        """The health after one more check; the change to report, once per episode."""
        if ok:
            change = HealthChange.RECOVERED if self.reported else None
            return Health(), change
        failures = self.failures + 1
        health = Health(
            failures=failures,
            since=self.since or at,
            last_error=error,
            reported=self.reported or failures >= threshold,
        )
        change = HealthChange.UNHEALTHY if health.reported and not self.reported else None
        return health, change


def health_from_checks(records: Iterable[CheckRecord]) -> Health:
    """The health the check log shows: the failed checks at its end, not yet reported.

    Imported captures (not live) are not checks of the site: an archived error page says
    nothing about the site's health today.
    """
    health = Health()
    for record in records:
        if record.source is not Source.LIVE:
            continue
        if record.status is CheckStatus.ERROR:
            health = Health(
                failures=health.failures + 1,
                since=health.since or record.started_at,
                last_error=record.error,
            )
        else:
            health = Health()
    return health
