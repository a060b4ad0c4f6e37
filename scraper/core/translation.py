"""A page and its translation compared: which side is newer, by how many days, and which facts
each does not carry. Owns `PairLag` and `CounterpartCheck`.

- `compare_pair` compares the latest versions of both sides (`nato-watch lag`). A side is
  dated by its "Last updated" stamp, read in Europe/Brussels time (NATO HQ's); a side whose
  page shows no stamp is dated by its capture time instead, and the result says so. The lag is
  the number of calendar days between the two dates in Brussels.
- `check_counterpart` is what a change report of one side says of the other: whether the other
  side (its version in force when this version was captured) already carries the facts this
  change brought, how many of the original's facts the translation lacked before and after
  the change, and whether this change is the translation catching up.

Facts are those of `scraper.core.facts`. Pure: versions in, data out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scraper.core.document import LastUpdated
from scraper.core.facts import Fact, FactComparison, compare_facts, page_facts
from scraper.core.records import Version
from scraper.timespec import resolve_timezone
from scraper.urls import page_language

BRUSSELS = resolve_timezone("Europe/Brussels")


class Role(StrEnum):
    """Which side of a translated pair a target is."""

    ORIGINAL = "original"
    TRANSLATION = "translation"

    @property
    def other(self) -> Role:
        """The other side."""
        return Role.TRANSLATION if self is Role.ORIGINAL else Role.ORIGINAL


def version_lang(version: Version, configured: str | None = None) -> str | None:
    """The language a version is written in: the config's `lang`, else the page's own
    (`<html lang>`, when the parser records it on the document), else the language its URL
    asks for (`/cps/<lang>/`, `selectedLocale`); None when nothing tells."""
    if configured:
        return configured
    # The parser may carry the page's `<html lang>`; older documents have none.
    page = getattr(version.document, "lang", None)
    if isinstance(page, str) and page.strip():
        return page.strip().split("-")[0].lower()
    for url in (version.provenance.final_url, version.provenance.url):
        found = page_language(url) if url else None
        if found:
            return found
    return None


@dataclass(frozen=True)
class PairSide:
    """One side of a pair as compared: its target, language and version."""

    role: Role
    target: str
    lang: str | None
    version: Version

    @property
    def stamp(self) -> LastUpdated | None:
        """The version's "Last updated" stamp, if its page shows one."""
        return self.version.document.last_updated

    @property
    def moment(self) -> datetime:
        """When this side was last edited, as far as it is known: its stamp, else its capture
        time."""
        return self.stamp.at if self.stamp else self.version.captured_at

    @property
    def day(self) -> date:
        """The calendar day of `moment` in Brussels."""
        return self.moment.astimezone(BRUSSELS).date()

    def facts(self) -> tuple[Fact, ...]:
        """The facts of this side's version."""
        return page_facts(self.version.document, self.lang or "en")


@dataclass(frozen=True)
class PairLag:
    """The latest versions of a page and its translation compared."""

    original: PairSide
    translation: PairSide
    lead: Role | None  # the newer side; None when both are dated the same moment
    lag_days: int  # calendar days between the two sides' dates, in Brussels
    facts: FactComparison  # `a` is the original, `b` the translation

    @property
    def missing_in_translation(self) -> tuple[Fact, ...]:
        """Facts of the original that the translation does not carry."""
        return self.facts.missing_in_b

    @property
    def missing_in_original(self) -> tuple[Fact, ...]:
        """Facts of the translation that the original does not carry."""
        return self.facts.missing_in_a

    @property
    def by_stamps(self) -> bool:
        """Whether both sides are dated by their stamps (else a capture time stands in)."""
        return self.original.stamp is not None and self.translation.stamp is not None

    def side(self, role: Role) -> PairSide:
        """The side playing `role`."""
        return self.original if role is Role.ORIGINAL else self.translation


def compare_pair(original: PairSide, translation: PairSide) -> PairLag:
    """Which side is newer, by how many days, and the facts each lacks."""
    if original.moment == translation.moment:
        lead = None
    else:
        lead = Role.ORIGINAL if original.moment > translation.moment else Role.TRANSLATION
    return PairLag(
        original=original,
        translation=translation,
        lead=lead,
        lag_days=abs((original.day - translation.day).days),
        facts=compare_facts(original.facts(), translation.facts()),
    )


@dataclass(frozen=True)
class CounterpartCheck:
    """What a change report of one side of a pair says of the other side.

    `role` is the counterpart's role, `own_lang` the language of the report's target;
    `version` is the counterpart's version in force when the report's new version was
    captured (None: none yet). `new_facts` are the facts the change brought, each
    with whether the counterpart carries it. `missing_before` / `missing_after`: how many
    facts of the original the translation lacked before and after the change.
    `stamp_reached`: a translation's stamp went from before the original's to at or after
    it. `caught_up`: the change is the translation catching up (it lacked facts and lacks
    none now, or its stamp reached the original's).
    """

    counterpart: str
    role: Role
    lang: str | None
    version: Version | None
    new_facts: tuple[tuple[Fact, bool], ...]
    own_lang: str | None = None
    missing_before: int = 0
    missing_after: int = 0
    stamp_reached: bool = False

    @property
    def caught_up(self) -> bool:
        """Whether this change is the translation catching up with the original."""
        if self.role is not Role.ORIGINAL or self.version is None:
            return False
        return (self.missing_before > 0 and self.missing_after == 0) or self.stamp_reached


def check_counterpart(
    old: PairSide, new: PairSide, counterpart: PairSide | None, *, name: str
) -> CounterpartCheck:
    """The counterpart block of the report from `old` to `new` (one side of a pair); the
    counterpart named `name` is given by its version in force at `new`'s capture, if any."""
    role = new.role.other
    mine_old, mine_new = old.facts(), new.facts()
    brought = compare_facts(mine_old, mine_new).missing_in_a
    if counterpart is None:
        return CounterpartCheck(
            name, role, None, None, tuple((f, False) for f in brought), own_lang=new.lang
        )
    theirs = counterpart.facts()
    lacking = set(compare_facts(mine_new, theirs).missing_in_b)
    if new.role is Role.ORIGINAL:
        before = compare_facts(mine_old, theirs).missing_in_b
        after = compare_facts(mine_new, theirs).missing_in_b
    else:
        before = compare_facts(theirs, mine_old).missing_in_b
        after = compare_facts(theirs, mine_new).missing_in_b
    return CounterpartCheck(
        counterpart=name,
        role=role,
        lang=counterpart.lang,
        version=counterpart.version,
        new_facts=tuple((fact, fact not in lacking) for fact in brought),
        own_lang=new.lang,
        missing_before=len(before),
        missing_after=len(after),
        stamp_reached=new.role is Role.TRANSLATION and _reached(old, new, counterpart),
    )


def _reached(old: PairSide, new: PairSide, original: PairSide) -> bool:
    """Whether the translation's stamp went from before the original's to at or after it."""
    if old.stamp is None or new.stamp is None or original.stamp is None:
        return False
    return old.stamp.at < original.stamp.at <= new.stamp.at


__all__ = [
    "BRUSSELS",
    "CounterpartCheck",
    "PairLag",
    "PairSide",
    "Role",
    "check_counterpart",
    "compare_pair",
    "version_lang",
]
