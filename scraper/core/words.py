"""The word lists behind every flag and watched term. Owns `Words`.

The lists ship as data files in `scraper/core/data/` (actors, terms, modality, intensity,
programmes, spelling) and a config can extend them (`[words]`, read by `scraper.config`):
`parse_words` validates such a table and merges it into the lists it extends. Pure: reading
the shipped lists is reading the package, like the renderers read their templates.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cache
from importlib import resources
from typing import Any

from scraper.core.text import WORD
from scraper.errors import ConfigError

# The shipped word lists (in `scraper/core/data/`), read in this order.
DATA_FILES = (
    "actors.toml",
    "terms.toml",
    "modality.toml",
    "intensity.toml",
    "programmes.toml",
    "spelling.toml",
)


class GroupKind(StrEnum):
    """What a named group is: a country, an organisation, or a term."""

    COUNTRY = "country"
    ORGANISATION = "organisation"
    TERM = "term"


class ModalStrength(IntEnum):
    """How firmly a modal commits, weakest first."""

    POSSIBILITY = 1
    INTENTION = 2
    COMMITMENT = 3
    OBLIGATION = 4


@dataclass(frozen=True)
class Group:
    """A named thing with the ways the page writes it ("China": "PRC", "People's Republic …")."""

    name: str
    kind: GroupKind
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Ladder:
    """Words for one kind of action, from the weakest step to the strongest."""

    name: str
    steps: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Words:
    """Every word list the flags and the term counts use (the data files, plus extensions)."""

    actors: tuple[Group, ...] = ()
    terms: tuple[Group, ...] = ()
    default_watch: tuple[str, ...] = ()
    modality: tuple[tuple[ModalStrength, tuple[str, ...]], ...] = ()
    not_modal: tuple[str, ...] = ()
    negation: tuple[str, ...] = ()
    not_negation: tuple[str, ...] = ()
    stronger: tuple[str, ...] = ()
    hedges: tuple[str, ...] = ()
    ladders: tuple[Ladder, ...] = ()
    programme_heads: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    name_stopwords: tuple[str, ...] = ()
    spelling: tuple[tuple[str, str], ...] = ()

    @property
    def groups(self) -> tuple[Group, ...]:
        """Actors, then terms."""
        return self.actors + self.terms


WORDS_KEYS = (
    "actors",
    "terms",
    "default_watch",
    "modality",
    "negation",
    "intensity",
    "programmes",
    "spelling",
)


@cache
def builtin_words() -> Words:
    """The word lists shipped in `scraper/core/data/`."""
    merged: dict[str, Any] = {}
    folder = resources.files("scraper.core") / "data"
    for name in DATA_FILES:
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        merged.update(data)
    return parse_words(merged, source="scraper/data")


def parse_words(table: Mapping[str, Any], *, source: str, base: Words | None = None) -> Words:
    """Validate a table of word lists (the data files' shape) into `Words`, extending `base`.

    Actors and terms with a name already known get the new variants; new ones are added.
    `default_watch` replaces the default list; a ladder with a known name replaces it; every
    other list is extended. Anything malformed is a `ConfigError` naming `source` and the key.
    """
    base = base or Words()
    unknown = sorted(set(table) - set(WORDS_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown word list {unknown[0]!r}; allowed: {', '.join(WORDS_KEYS)}"
        )
    where = f"{source}: "
    actors = _merge_groups(base.actors, table.get("actors"), f"{where}actors", actor=True)
    terms = _merge_groups(base.terms, table.get("terms"), f"{where}terms", actor=False)
    default_watch = base.default_watch
    if "default_watch" in table:
        default_watch = _strings(table["default_watch"], f"{where}default_watch")
    modality_table = table.get("modality")
    if isinstance(modality_table, dict):
        modality_table = dict(modality_table)
        not_modal = _strings(modality_table.pop("ignore", []), f"{where}modality.ignore")
    else:
        not_modal = ()
    modality = _merge_modality(base.modality, modality_table, f"{where}modality")
    negation = _table(table.get("negation"), f"{where}negation", ("words", "not_negation"))
    intensity = _table(
        table.get("intensity"), f"{where}intensity", ("stronger", "hedges", "ladders")
    )
    programmes = _table(
        table.get("programmes"),
        f"{where}programmes",
        ("programme_heads", "agreements", "name_stopwords"),
    )
    spelling = _table(table.get("spelling"), f"{where}spelling", ("pairs",))

    def more(old: tuple[str, ...], part: dict[str, Any], key: str, at: str) -> tuple[str, ...]:
        return _dedupe(old + _strings(part.get(key, []), f"{at}.{key}"))

    return Words(
        actors=actors,
        terms=terms,
        default_watch=default_watch,
        modality=modality,
        not_modal=_dedupe(base.not_modal + not_modal),
        negation=more(base.negation, negation, "words", f"{where}negation"),
        not_negation=more(base.not_negation, negation, "not_negation", f"{where}negation"),
        stronger=more(base.stronger, intensity, "stronger", f"{where}intensity"),
        hedges=more(base.hedges, intensity, "hedges", f"{where}intensity"),
        ladders=_merge_ladders(base.ladders, intensity.get("ladders"), f"{where}intensity"),
        programme_heads=more(
            base.programme_heads, programmes, "programme_heads", f"{where}programmes"
        ),
        agreements=more(base.agreements, programmes, "agreements", f"{where}programmes"),
        name_stopwords=more(
            base.name_stopwords, programmes, "name_stopwords", f"{where}programmes"
        ),
        spelling=base.spelling + _pairs(spelling.get("pairs", []), f"{where}spelling.pairs"),
    )


def _table(raw: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table with {', '.join(keys)}")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(keys)}")
    return raw


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and WORD.search(x) for x in raw):
        raise ConfigError(f'{where} must be a list of words or phrases, e.g. ["China", "PRC"]')
    return tuple(x.strip() for x in raw)


def _pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    ok = isinstance(raw, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(w, str) and w.strip() for w in p)
        for p in raw
    )
    if not ok:
        raise ConfigError(
            f'{where} must be a list of [British, American] pairs, e.g. [["defence", "defense"]]'
        )
    return tuple((p[0].strip(), p[1].strip()) for p in raw)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _merge_groups(
    base: tuple[Group, ...], raw: Any, where: str, *, actor: bool
) -> tuple[Group, ...]:
    if raw is None:
        return base
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be an array of tables with name and variants")
    groups = {g.name.casefold(): g for g in base}
    order = [g.name.casefold() for g in base]
    for number, item in enumerate(raw, start=1):
        at = f"{where} #{number}"
        allowed = {"name", "variants", "kind"} if actor else {"name", "variants"}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f'{at}: must be a table with name = "…" and variants = [...]')
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise ConfigError(
                f"{at}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
            )
        name = item["name"].strip()
        if not WORD.search(name):
            raise ConfigError(f"{at}: name must hold a word")
        variants = _strings(item.get("variants", [name]), f"{at}: variants")
        kind = GroupKind.TERM
        if actor:
            value = item.get("kind", "country")
            if value not in (GroupKind.COUNTRY.value, GroupKind.ORGANISATION.value):
                raise ConfigError(f'{at}: kind must be "country" or "organisation", not {value!r}')
            kind = GroupKind(value)
        key = name.casefold()
        old = groups.get(key)
        if old is None:
            order.append(key)
            groups[key] = Group(name, kind, _dedupe((name, *variants)))
        else:
            groups[key] = Group(old.name, old.kind, _dedupe((*old.variants, *variants)))
    return tuple(groups[key] for key in order)


def _merge_modality(
    base: tuple[tuple[ModalStrength, tuple[str, ...]], ...], raw: Any, where: str
) -> tuple[tuple[ModalStrength, tuple[str, ...]], ...]:
    names = tuple(s.name.lower() for s in ModalStrength)
    part = _table(raw, where, (*names, "ignore"))
    merged = {strength: list(phrases) for strength, phrases in base}
    for key, value in part.items():
        strength = ModalStrength[key.upper()]
        merged.setdefault(strength, []).extend(_strings(value, f"{where}.{key}"))
    return tuple(
        (strength, _dedupe(merged[strength])) for strength in ModalStrength if strength in merged
    )


def _merge_ladders(base: tuple[Ladder, ...], raw: Any, where: str) -> tuple[Ladder, ...]:
    if raw is None:
        return base
    if not isinstance(raw, list):
        raise ConfigError(f"{where}.ladders must be an array of tables with name and steps")
    ladders = {ladder.name: ladder for ladder in base}
    for number, item in enumerate(raw, start=1):
        at = f"{where}.ladders #{number}"
        if not isinstance(item, dict) or set(item) != {"name", "steps"}:
            raise ConfigError(f'{at}: must be a table with name = "…" and steps = [[…], […]]')
        steps = item["steps"]
        if not isinstance(item["name"], str) or not isinstance(steps, list) or len(steps) < 2:
            raise ConfigError(f"{at}: needs a name and at least two steps, weakest first")
        ladders[item["name"]] = Ladder(
            item["name"], tuple(_strings(step, f"{at}: steps") for step in steps)
        )
    return tuple(ladders.values())


__all__ = [
    "DATA_FILES",
    "WORDS_KEYS",
    "Group",
    "GroupKind",
    "Ladder",
    "ModalStrength",
    "Words",
    "builtin_words",
    "parse_words",
]
