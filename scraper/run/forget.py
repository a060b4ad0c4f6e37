"""Removing a target: `nato-watch forget` (its snapshots and reports, then the site rebuilt
without it), and the ad-hoc target of a `check --url` that failed before it ever had a
version (nothing is kept of it, so a mistyped URL leaves no target behind)."""

from __future__ import annotations

from collections.abc import Sequence

from scraper.archive.removal import Holdings, holdings, holds_only_failed_checks, remove_target
from scraper.archive.store import Archive
from scraper.core.target import TranslationPair
from scraper.errors import NotFound
from scraper.reports.health_page import write_health_page


def forget_target(
    archive: Archive,
    target: str,
    *,
    lock_timeout: float,
    unhealthy_after: int,
    pairs: Sequence[TranslationPair] = (),
) -> Holdings:
    """Remove `target`'s snapshots and reports under the archive lock, then rebuild the
    site's index, feed and health page without it (`pairs`: the config's translated pairs,
    whose lag the index shows); return what was removed."""
    # lazy: the renderers (Jinja2) load only when the site is rebuilt
    from scraper.reports.publish import rebuild_site

    with archive.lock(timeout=lock_timeout):
        if target not in archive.targets():
            listed = ", ".join(archive.targets()) or "none"
            raise NotFound(f"the archive holds no target {target!r}; it holds: {listed}")
        removed = holdings(archive, target)
        remove_target(archive, target)
        if archive.site.has_site_file("index.html"):
            rebuild_site(archive, pairs=pairs)
            write_health_page(archive, unhealthy_after=unhealthy_after)
    return removed


def drop_if_unborn(archive: Archive, target: str, *, unhealthy_after: int) -> bool:
    """Remove `target` when all the archive holds of it is failed checks (an ad-hoc URL that
    never worked), and the health page's row of it; return whether it was removed. The
    caller holds the archive lock."""
    if not holds_only_failed_checks(archive, target):
        return False
    remove_target(archive, target)
    write_health_page(archive, unhealthy_after=unhealthy_after)
    return True
