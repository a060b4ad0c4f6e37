"""`nato-watch check`: one check of each target now, under the archive lock, and what each
check tells its target's channels.

Notifications (`run.alerts`: a new version, a target turning failing or recovering) are
decided under the lock, right after each check, and delivered after the lock is released,
one after another, each bounded by its timeout, so a slow receiver never holds the archive.
An ad-hoc target (`check --url`, a name not in the config) whose check failed before it ever
had a version is removed again (`run.forget.drop_if_unborn`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scraper.archive.store import Archive
from scraper.core.target import Target
from scraper.fetching.http import FetchFunction
from scraper.run.pipeline import CheckOptions, CheckResult, Clock, check_target

if TYPE_CHECKING:
    from scraper.run.notify import Delivery, Notice


@dataclass(frozen=True)
class Checked:
    """One target checked: the result, what it tells the target's channels, and whether an
    ad-hoc target was dropped again (it failed before it ever had a version)."""

    target: Target
    result: CheckResult
    notices: tuple[Notice, ...] = ()
    dropped: bool = False


def check_now(
    targets: Sequence[Target],
    *,
    archive: Archive,
    fetch: FetchFunction,
    now: Clock,
    options: CheckOptions,
    lock_timeout: float,
    configured: frozenset[str],
    notify: bool = True,
    on_checked: Callable[[Checked], None] = lambda _checked: None,
) -> list[Checked]:
    """Check each target once, in order, under the archive lock; `on_checked` hears of each
    as soon as it is done. Targets not named in `configured` are ad hoc."""
    done = []
    with archive.lock(timeout=lock_timeout):
        for target in targets:
            result = check_target(target, archive=archive, fetch=fetch, now=now, options=options)
            threshold = options.unhealthy_after
            notices = _notices(target, result, archive, threshold) if notify else []
            dropped = (
                not result.ok
                and target.name not in configured
                and _drop_if_unborn(archive, target.name, threshold)
            )
            checked = Checked(target, result, tuple(notices), dropped)
            on_checked(checked)
            done.append(checked)
    return done


def _notices(target: Target, result: CheckResult, archive: Archive, threshold: int) -> list[Notice]:
    if not (target.webhook or target.command):
        return []
    # lazy: notifications bring the report model; a target without a channel needs none
    from scraper.run.alerts import notices_for

    return notices_for(target, result, archive=archive, unhealthy_after=threshold)


def _drop_if_unborn(archive: Archive, target: str, threshold: int) -> bool:
    # lazy: removing a target is rare; a check does without its module
    from scraper.run.forget import drop_if_unborn

    return drop_if_unborn(archive, target, unhealthy_after=threshold)


def deliver_all(checked: Sequence[Checked], *, timeout: float, tries: int) -> list[Delivery]:
    """Deliver every notice of `checked`, in order, on each channel of its target; each try
    bounded by `timeout` seconds, a webhook tried up to `tries` times."""
    if not any(item.notices for item in checked):
        return []
    # lazy: the webhook's POST and the command runner load only when there is news
    from scraper.run.notify import NotifySettings, deliver

    settings = NotifySettings(timeout=timeout, tries=tries)

    deliveries: list[Delivery] = []
    for item in checked:
        for notice in item.notices:
            deliveries += deliver(item.target, notice, settings=settings)
    return deliveries
