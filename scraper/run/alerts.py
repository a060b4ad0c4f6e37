"""What a check tells its target's webhook and command: a target turning failing or
recovering (`HealthNotice`, events `failing` and `recovered`), and a new version
(`notify.Notification`, event `change`).

The health events are decided from the check log (`core.health.transition_at_last_check`),
once per episode: `failing` by the check whose failure makes the failures in a row reach
`[run] unhealthy_after`, `recovered` by the first check that works after such a run. So `run`
and a `check` started by cron tell of the same transitions, whichever made the check, and a
restart neither repeats nor loses one. `notices_for` is called under the archive lock, right
after the check, so the log's newest line is that check's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scraper.archive.store import Archive
from scraper.core.health import HealthChange, Transition, transition_at_last_check
from scraper.core.target import NotifyOn, Target
from scraper.run.notify import Notice, notification_for
from scraper.run.pipeline import CheckResult
from scraper.timespec import utc_iso


@dataclass(frozen=True)
class HealthNotice:
    """A target turning failing (`event` "failing") or recovering ("recovered") at a check."""

    result: CheckResult  # the check that turned it
    transition: Transition

    @property
    def target(self) -> str:
        """The target told about."""
        return self.result.target

    @property
    def event(self) -> str:
        """`failing` or `recovered`."""
        return "failing" if self.transition.change is HealthChange.UNHEALTHY else "recovered"

    def wanted_by(self, target: Target) -> bool:
        """Whether `target`'s `notify_on` asks for failures."""
        return NotifyOn.FAILURES in target.notify_on

    def text(self) -> str:
        """One or two human lines (the `text` a Slack-compatible webhook shows)."""
        turn, result = self.transition, self.result
        since = f" (since {_second(turn.since)})" if turn.since else ""
        if self.event == "failing":
            head = (
                f"nato-watch: {result.target} is failing: the last {turn.failures} checks "
                f"failed{since}. Last error: {turn.last_error}"
            )
        else:
            head = (
                f"nato-watch: {result.target} recovered: the check works again after "
                f"{turn.failures} failed checks (failing since {_second(turn.since)})"
                if turn.since
                else f"nato-watch: {result.target} recovered: the check works again"
            )
        return f"{head}\nPage: {result.record.url}"

    def payload(self) -> dict[str, Any]:
        """The check's JSON object, the event, its `text` and the run of failures."""
        turn = self.transition
        return {
            "event": self.event,
            "text": self.text(),
            **self.result.to_dict(),
            "failures": turn.failures,
            "failing_since": utc_iso(turn.since) if turn.since else None,
            "last_error": turn.last_error,
        }

    def environment(self) -> dict[str, str]:
        """The `NATO_WATCH_*` variables of a notification command."""
        turn, result = self.transition, self.result
        return {
            "NATO_WATCH_EVENT": self.event,
            "NATO_WATCH_TARGET": result.target,
            "NATO_WATCH_STATUS": result.status.value,
            "NATO_WATCH_VERSION": result.version or "",
            "NATO_WATCH_REPORT": "",
            "NATO_WATCH_URL": result.record.url,
            "NATO_WATCH_LAST_UPDATED": "",
            "NATO_WATCH_SUMMARY": self.text().splitlines()[0],
            "NATO_WATCH_ERROR": turn.last_error or "",
            "NATO_WATCH_FAILURES": str(turn.failures),
        }


def notices_for(
    target: Target, result: CheckResult, *, archive: Archive, unhealthy_after: int
) -> list[Notice]:
    """What `result`'s check tells `target`'s channels, in order: the version a check that
    stopped left unannounced (`result.late`), its health event, then its new version; only
    those `notify_on` asks for, and nothing without a webhook or command.
    Call it right after the check, under the archive lock."""
    if not (target.webhook or target.command):
        return []
    notices: list[Notice] = []
    if result.late is not None:  # a change a check that stopped never announced: now it is
        late = notification_for(result.late, archive=archive)
        if late is not None:
            notices.append(late)
    transition = transition_at_last_check(
        archive.iter_checks_newest_first(target.name), unhealthy_after
    )
    if transition is not None:
        notices.append(HealthNotice(result, transition))
    notification = notification_for(result, archive=archive)
    if notification is not None:
        notices.append(notification)
    return [notice for notice in notices if notice.wanted_by(target)]


def _second(moment: datetime) -> str:
    """A moment for people, to the second: `2026-11-28T02:36:01Z`."""
    return utc_iso(moment.replace(microsecond=0))
