"""Configuration: the targets file, the data dir and the defaults.

The config is TOML: `[[targets]]` tables with `name` and `url` (and optional `webhook` and
`command` notifications, sent by `run` and `check`), an optional `[fetch]` table whose keys
are the fields of `fetch.FetchSettings`, an optional `[check]` table, and an optional `[run]`
table for the scheduled job and the health thresholds. A target may name its watched terms
(`watch = [...]`), choose what its notifications tell of (`notify_on`: changes, significant
ones, failures), and name the page it translates (`translation_of = "<target>"`, with an
optional `lang = "fr"`); a `[words]` table extends the word lists the flags use
(`scraper/core/data/`). Anything unknown or malformed is a `ConfigError` that names the file,
the key and the fix.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scraper.archive.names import TARGET_NAME
from scraper.archive.store import CONFIG_NAME
from scraper.core.target import (
    DEFAULT_NOTIFY_ON,
    FETCH_MODES,
    NOTIFY_ON_ALIASES,
    NotifyOn,
    Target,
    TranslationPair,
)
from scraper.errors import ConfigError, one_line
from scraper.fetching.settings import FetchSettings, check_at_most
from scraper.timespec import parse_cron, parse_duration, resolve_timezone

if TYPE_CHECKING:  # the word lists load only when a config uses them (start-up time)
    from scraper.core.watchlist import Watchlist
    from scraper.core.words import Words

DEFAULT_TARGET_NAME = "republic-of-korea"
DEFAULT_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WORDY = re.compile(r"[^\W_]")
_LANG = re.compile(r"^[a-z]{2}$")
# A config is a few hundred bytes; past this it is not one (and would be read whole).
MAX_CONFIG_BYTES = 1024 * 1024
# Whitespace and control characters never belong in a URL; requests would refuse it later.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class CheckSettings:
    """How a check treats what it fetched."""

    # A page that no longer looks like the target becomes a version only after it has been
    # seen this many times in a row (or with `check --accept`).
    suspect_confirmations: int = 2
    lock_timeout: float = 60.0


# The highest value each numeric [check] and [run] setting may take (the README lists them).
CHECK_MAXIMUMS: dict[str, float] = {"suspect_confirmations": 100, "lock_timeout": 3600.0}
RUN_MAXIMUMS: dict[str, float] = {
    "unhealthy_after": 10_000,
    "stop_timeout": 3600.0,
    "notify_timeout": 600.0,
    "notify_tries": 20,
}


@dataclass(frozen=True)
class RunSettings:
    """How `run` schedules checks (the `[run]` table); command-line options override it."""

    # At most one of `every` and `cron`; with neither, the default interval applies.
    every: timedelta | None = None
    cron: str | None = None
    timezone: str = "UTC"
    jitter: timedelta = timedelta(0)
    # Failed checks in a row that make a target failing: `run`'s UNHEALTHY line, the
    # `failing` notification, `status` and the health page. (Its old name, failure_threshold,
    # is still read.)
    unhealthy_after: int = 3
    # How long without a check makes `status` call a target stale; None: two intervals of
    # the schedule (`every`, `cron`, or a running `run`'s), else 48 hours.
    stale_after: timedelta | None = None
    # How long SIGINT/SIGTERM waits for the check in progress (and pending notifications).
    stop_timeout: float = 60.0
    notify_timeout: float = 10.0
    notify_tries: int = 3
    # Between the end of one request to a host and the start of the next (politeness:
    # checks of different hosts fetch at once, those of one host one at a time).
    host_interval: timedelta = timedelta(seconds=1)


@dataclass(frozen=True)
class Config:
    """The whole configuration: targets, fetch, check and run settings, and its source."""

    targets: tuple[Target, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    path: Path | None = None
    run: RunSettings = field(default_factory=RunSettings)
    # The word lists as the `[words]` table extends them (None: the built-in ones).
    words: Words | None = None

    def watchlist(self, name: str) -> Watchlist | None:
        """The watched terms of target `name`'s reports: its `watch`, else the default list
        over this config's word lists; None means the built-in default."""
        for target in self.targets:
            if target.name == name and target.watch is not None:
                return target.watch
        # lazy: the word lists load only when a config uses them
        from scraper.core.watchlist import watchlist_for

        return watchlist_for(None, self.words) if self.words is not None else None

    def target(self, name: str) -> Target:
        """The configured target called `name`; `ConfigError` listing the names otherwise."""
        for target in self.targets:
            if target.name == name:
                return target
        names = ", ".join(t.name for t in self.targets)
        raise ConfigError(f"no target named {name!r} in the configuration; targets: {names}")

    def pairs(self) -> tuple[TranslationPair, ...]:
        """Every translated pair (`translation_of`), in the order of the translations."""
        by_name = {t.name: t for t in self.targets}
        return tuple(
            TranslationPair(
                original=t.translation_of,
                translation=t.name,
                original_lang=by_name[t.translation_of].lang,
                translation_lang=t.lang,
            )
            for t in self.targets
            if t.translation_of is not None
        )

    def pairs_for(self, name: str | None) -> tuple[TranslationPair, ...]:
        """The translated pairs target `name` is a side of (every pair when None);
        `ConfigError` saying how to configure one, or listing the pairs, when there is none."""
        pairs = self.pairs()
        if not pairs:
            raise ConfigError(
                'no translated pair is configured; add translation_of = "<original target>" '
                "to the [[targets]] table of the translation (README: Following a translation)"
            )
        if name is None:
            return pairs
        self.target(name)
        mine = tuple(p for p in pairs if name in p.names())
        if not mine:
            listed = ", ".join(f"{p.original} → {p.translation}" for p in pairs)
            raise ConfigError(f"target {name!r} has no counterpart configured; pairs: {listed}")
        return mine


def target_lang(target: Target) -> str | None:
    """A target's language: its config's `lang`, else what its URL asks for (`/cps/<lang>/`,
    `selectedLocale`); None when neither tells."""
    if target.lang:
        return target.lang
    # lazy: the URL rules load only for a translated pair (start-up of `log`, `status`)
    from scraper.urls import page_language

    return page_language(target.url)


DEFAULT_TARGET = Target(DEFAULT_TARGET_NAME, DEFAULT_URL)


def resolve_data_dir(option: str | os.PathLike[str] | None) -> Path:
    """The data dir: the option, else `NATO_WATCH_DATA_DIR`, else the current directory."""
    value = option or os.environ.get("NATO_WATCH_DATA_DIR") or "."
    return Path(value)


def find_config(option: str | os.PathLike[str] | None, data_dir: Path) -> Path | None:
    """The config file to read: the option, `NATO_WATCH_CONFIG`, or `<data-dir>/nato-watch.toml`."""
    value = option or os.environ.get("NATO_WATCH_CONFIG")
    if value:
        path = Path(value)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist; check the --config path")
        return path
    candidate = data_dir / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; with no file, the default target and settings."""
    if path is None:
        return Config(targets=(DEFAULT_TARGET,))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path}: the config file is too large (over {MAX_CONFIG_BYTES // 1024} KB); "
                "is --config the right file?"
            )
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the config file: {err}") from err
    return parse_config(data, source=str(path), path=path)


def parse_config(data: dict[str, Any], *, source: str, path: Path | None = None) -> Config:
    """Validate a parsed TOML table into a `Config`; `source` names it in messages."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the config must be a TOML table of keys and tables")
    _reject_unknown(
        data, {"targets", "fetch", "check", "run", "words"}, where=source, what="top-level key"
    )
    words = _parse_words(data.get("words"), f"{source}: [words]")
    targets = _parse_targets(data.get("targets"), source, words)
    fetch = _parse_dataclass(FetchSettings, data.get("fetch", {}), f"{source}: [fetch]")
    check = _parse_dataclass(CheckSettings, data.get("check", {}), f"{source}: [check]")
    if check.suspect_confirmations < 1:
        raise ConfigError(f"{source}: [check] suspect_confirmations must be at least 1")
    for name, maximum in CHECK_MAXIMUMS.items():
        check_at_most(f"{source}: [check]", name, getattr(check, name), maximum)
    run = _parse_run(data.get("run", {}), f"{source}: [run]")
    return Config(targets=targets, fetch=fetch, check=check, path=path, run=run, words=words)


def _parse_words(raw: Any, where: str) -> Words | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table of word lists (see the README)")
    # lazy: the word lists load only when a config uses them
    from scraper.core.words import builtin_words, parse_words

    return parse_words(raw, source=where, base=builtin_words())


def _parse_targets(raw: Any, source: str, words: Words | None = None) -> tuple[Target, ...]:
    if raw is None:
        return (DEFAULT_TARGET,)
    if not isinstance(raw, list) or not raw:
        raise ConfigError(
            f"{source}: 'targets' must be a non-empty array of tables, written as "
            '[[targets]] with name = "…" and url = "…"'
        )
    targets: list[Target] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        where = f"{source}: [[targets]] #{index}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: must be a table with name and url")
        _reject_unknown(
            item,
            {
                "name",
                "url",
                "webhook",
                "command",
                "fetch",
                "wait_for",
                "watch",
                "notify_on",
                "translation_of",
                "lang",
            },
            where=where,
            what="key",
        )
        for key in ("name", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError(f'{where}: missing {key} (add {key} = "…")')
        name, url = item["name"].strip(), item["url"].strip()
        if not TARGET_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: name {name!r} is not a slug; use lowercase letters, digits and '-' "
                f"(e.g. {slugify(name) or 'republic-of-korea'!r})"
            )
        check_url(url, where=f"{where}: url")
        if name in seen:
            raise ConfigError(f"{where}: duplicate target name {name!r}; names must be unique")
        seen.add(name)
        webhook, command = _parse_notifications(item, where)
        mode, wait_for = _parse_fetch_mode(item, where)
        targets.append(
            Target(
                name,
                url,
                webhook=webhook,
                command=command,
                fetch=mode,
                wait_for=wait_for,
                watch=_parse_watch(item, where, words),
                notify_on=_parse_notify_on(item, where),
                **_parse_translation(item, where),
            )
        )
    _check_translations(targets, source)
    return tuple(targets)


def _parse_translation(item: dict[str, Any], where: str) -> dict[str, str | None]:
    """`translation_of` (a target name) and `lang` (ISO 639-1), each checked for its shape."""
    out: dict[str, str | None] = {"translation_of": None, "lang": None}
    of = item.get("translation_of")
    if of is not None:
        if not isinstance(of, str) or not TARGET_NAME.fullmatch(of.strip()):
            raise ConfigError(
                f"{where}: translation_of must name another target "
                f'(e.g. translation_of = "republic-of-korea"), not {of!r}'
            )
        out["translation_of"] = of.strip()
    lang = item.get("lang")
    if lang is not None:
        if not isinstance(lang, str) or not _LANG.fullmatch(lang.strip().lower()):
            raise ConfigError(
                f'{where}: lang must be a two-letter ISO 639-1 code (e.g. lang = "fr"), '
                f"not {lang!r}"
            )
        out["lang"] = lang.strip().lower()
    return out


def _check_translations(targets: list[Target], source: str) -> None:
    """Each `translation_of` names another configured target that is not itself a
    translation, in another language."""
    by_name = {t.name: t for t in targets}
    for index, target in enumerate(targets, start=1):
        of = target.translation_of
        if of is None:
            continue
        where = f"{source}: [[targets]] #{index}: translation_of"
        if of == target.name:
            raise ConfigError(
                f"{where}: {target.name!r} cannot be a translation of itself; name the "
                "target of the page in the original language"
            )
        original = by_name.get(of)
        if original is None:
            names = ", ".join(t.name for t in targets if t.name != target.name) or "none"
            raise ConfigError(
                f"{where}: no target named {of!r}; name one of the configured targets: {names}"
            )
        if original.translation_of is not None:
            raise ConfigError(
                f"{where}: {of!r} is itself a translation (of {original.translation_of!r}); "
                f'name the original: translation_of = "{original.translation_of}"'
            )
        mine, theirs = target_lang(target), target_lang(original)
        if mine is not None and mine == theirs:
            raise ConfigError(
                f"{where}: {target.name!r} and {of!r} are both in language {mine!r}; set "
                f'lang = "…" on the translation if its URL does not say its language'
            )


def _parse_watch(item: dict[str, Any], where: str, words: Words | None) -> Watchlist | None:
    """`watch = ["China", "Indo-Pacific", ["Korean Peninsula", "Korea"]]`: each string names
    a known actor or term (any variant) or is a term of its own; a list of strings is a term
    of its own with its variants, the first its name."""
    raw = item.get("watch")
    if raw is None and words is None:
        return None  # the built-in default, without loading the word lists
    # lazy: the word lists load only when a config uses them
    from scraper.core.watchlist import watchlist_for

    if raw is None:
        return watchlist_for(None, words)
    example = 'e.g. watch = ["China", "Indo-Pacific", ["Korean Peninsula", "Korea"]]'
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: watch must be a list of terms ({example})")
    entries: list[str | list[str]] = []
    for entry in raw:
        if isinstance(entry, str) and entry.strip() and _WORDY.search(entry):
            entries.append(entry.strip())
        elif (
            isinstance(entry, list)
            and entry
            and all(isinstance(e, str) and _WORDY.search(e) for e in entry)
        ):
            entries.append([e.strip() for e in entry])
        else:
            raise ConfigError(
                f"{where}: watch entry {entry!r} is not a term; write a word or phrase, or a "
                f"list of variants ({example})"
            )
    return watchlist_for(entries, words)


def _parse_notify_on(item: dict[str, Any], where: str) -> frozenset[NotifyOn]:
    """`notify_on`: one value or a list of `changes`, `significant`, `failures` (and the old
    `any`, read as `changes`); left out, changes and failures."""
    raw = item.get("notify_on")
    if raw is None:
        return DEFAULT_NOTIFY_ON
    values = raw if isinstance(raw, list) else [raw]
    chosen = set()
    for value in values:
        if isinstance(value, str) and value in NOTIFY_ON_ALIASES:
            chosen.add(NOTIFY_ON_ALIASES[value])
            continue
        try:
            chosen.add(NotifyOn(value))
        except ValueError:
            raise ConfigError(
                f'{where}: notify_on takes "changes" (every new version), "significant" (only '
                'changes with a significant flag) and "failures" (failing and recovered), one '
                f'or a list (e.g. notify_on = ["significant", "failures"]), not {value!r}'
            ) from None
    if {NotifyOn.CHANGES, NotifyOn.SIGNIFICANT} <= chosen:
        raise ConfigError(
            f'{where}: notify_on: give "changes" (every new version) or "significant" (some), '
            "not both"
        )
    return frozenset(chosen)


def _parse_fetch_mode(item: dict[str, Any], where: str) -> tuple[str, str | None]:
    mode = item.get("fetch", "http")
    if mode not in FETCH_MODES:
        raise ConfigError(f'{where}: fetch must be "http" or "browser", not {mode!r}')
    wait_for = item.get("wait_for")
    if wait_for is not None:
        if not isinstance(wait_for, str) or not wait_for.strip():
            raise ConfigError(
                f'{where}: wait_for must be a CSS selector (e.g. wait_for = "main article")'
            )
        if mode != "browser":
            raise ConfigError(f'{where}: wait_for needs fetch = "browser"')
        wait_for = wait_for.strip()
    return mode, wait_for


def _parse_notifications(item: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    values: dict[str, str | None] = {"webhook": None, "command": None}
    for key in values:
        if key not in item:
            continue
        value = item[key]
        if not isinstance(value, str) or not value.strip():
            example = "https://hooks.example.org/…" if key == "webhook" else "notify-send …"
            raise ConfigError(
                f'{where}: {key} must be a non-empty string (e.g. {key} = "{example}"), '
                f"not {value!r}"
            )
        values[key] = value.strip()
    if values["webhook"] is not None:
        check_url(values["webhook"], where=f"{where}: webhook")
    return values["webhook"], values["command"]


# Keys of the [run] table that were renamed: old name -> new name (the old one still works).
RENAMED_RUN_KEYS: dict[str, str] = {"failure_threshold": "unhealthy_after"}


def _parse_run(raw: Any, where: str) -> RunSettings:
    """Validate the `[run]` table: durations, cron, time zone and limits, each named on error."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    if not raw:
        return RunSettings()

    _check_renamed_run_keys(raw, where)
    names: dict[str, str] = {key: RENAMED_RUN_KEYS.get(key) or key for key in raw}
    allowed = {f.name for f in dataclasses.fields(RunSettings)}
    _reject_unknown(dict.fromkeys(names.values()), allowed, where=where, what="key")
    if "every" in raw and "cron" in raw:
        raise ConfigError(f"{where}: give every or cron, not both")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        # Messages name the key as written; the value goes under its current name.
        name = names[key]
        if name in ("every", "cron", "timezone", "jitter", "stale_after", "host_interval"):
            if not isinstance(value, str):
                raise ConfigError(
                    f'{where}: {key} must be a string (e.g. every = "6h"), not {value!r}'
                )
            option = f"{where}: {key}"
            if name in ("every", "stale_after"):
                values[name] = parse_duration(value, option=option)
            elif name in ("jitter", "host_interval"):
                values[name] = parse_duration(value, option=option, minimum=timedelta(0))
            elif name == "cron":
                values[name] = parse_cron(value, option=option).expression
            else:
                resolve_timezone(value, option=option)
                values[name] = value.strip()
            continue
        expected = type(getattr(RunSettings(), name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(
                f"{where}: {key} must be a number ({expected.__name__}), not {value!r}"
            )
        if expected is int and value < 1:
            raise ConfigError(f"{where}: {key} must be at least 1 ({value!r})")
        if expected is float and value <= 0:
            raise ConfigError(f"{where}: {key} must be more than 0 seconds ({value!r})")
        check_at_most(f"{where}:", key, value, RUN_MAXIMUMS[name])
        values[name] = value
    return RunSettings(**values)


def _check_renamed_run_keys(raw: dict[str, Any], where: str) -> None:
    """Refuse a [run] table that gives a renamed key under both its names."""
    for old, new in RENAMED_RUN_KEYS.items():
        if old in raw and new in raw:
            raise ConfigError(f"{where}: give {new} or its old name {old}, not both")


def _parse_dataclass(cls: Any, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _reject_unknown(raw, set(fields), where=where, what="key")
    values: dict[str, Any] = {}
    defaults = cls()
    for key, value in raw.items():
        expected = type(getattr(defaults, key))
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ConfigError(
                f"{where}: {key} must be a {expected.__name__}, not {type(value).__name__} "
                f"({value!r})"
            )
        if expected in (int, float) and value < 0:
            raise ConfigError(f"{where}: {key} must not be negative ({value!r})")
        values[key] = value
    try:
        return dataclasses.replace(defaults, **values)
    except ConfigError as err:  # a settings class's own check, e.g. FetchSettings
        table = where.rsplit(": ", 1)[-1]
        raise ConfigError(f"{where}: {str(err).removeprefix(table).lstrip()}") from err


def _reject_unknown(table: dict[str, Any], allowed: set[str], *, where: str, what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown {what} {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )


def check_url(url: str, *, where: str = "URL") -> str:
    """Return `url` if it is an absolute http(s) URL with a readable host and port, else
    raise `ConfigError`."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # both raise ValueError when unreadable
    except ValueError as err:
        problem: str | None = one_line(err)
    else:
        if parts.scheme not in ("http", "https") or not host:
            raise ConfigError(
                f"{where} {url!r} is not an http(s) URL; write it as https://host/path"
            )
        problem = "it holds spaces or control characters" if _URL_JUNK.search(url) else None
    if problem is not None:
        raise ConfigError(
            f"{where} {url!r} is not a valid URL ({problem}); write it as https://host/path"
        )
    return url


def slugify(text: str) -> str:
    """A target-name slug made of `text`: lowercase, runs of other characters as '-'."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:80].strip("-")


def target_for_url(url: str, *, name: str | None, config: Config) -> Target:
    """The target for an ad-hoc `check --url`: named by `name`, a configured target with the
    same URL, or a name derived from the URL's host and path."""
    check_url(url, where="--url")
    if name:
        if not TARGET_NAME.fullmatch(name):
            raise ConfigError(f"--target {name!r} is not a slug; e.g. {slugify(name)!r}")
        return Target(name, url)
    for target in config.targets:
        if target.url == url:
            return target
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    stem = parts.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    derived = slugify(f"{host} {stem}") or "page"
    return Target(derived, url)
