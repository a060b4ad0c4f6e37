"""Configuration: the targets file, the data dir and the defaults.

The config is TOML: `[[targets]]` tables with `name` and `url`, an optional `[fetch]` table
whose keys are the fields of `fetch.FetchSettings`, and an optional `[check]` table. Anything
unknown or malformed is a `ConfigError` that names the file, the key and the fix.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scraper.errors import ConfigError
from scraper.fetch import FetchSettings

DEFAULT_TARGET_NAME = "republic-of-korea"
DEFAULT_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
CONFIG_NAME = "nato-watch.toml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Target:
    """One watched page: a slug name and a URL."""

    name: str
    url: str


@dataclass(frozen=True)
class CheckSettings:
    """How a check treats what it fetched."""

    # A page that no longer looks like the target becomes a version only after it has been
    # seen this many times in a row (or with `check --accept`).
    suspect_confirmations: int = 2
    lock_timeout: float = 60.0


@dataclass(frozen=True)
class Config:
    """The whole configuration: targets, fetch settings, check settings, and its source."""

    targets: tuple[Target, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    path: Path | None = None

    def target(self, name: str) -> Target:
        """The configured target called `name`; `ConfigError` listing the names otherwise."""
        for target in self.targets:
            if target.name == name:
                return target
        names = ", ".join(t.name for t in self.targets)
        raise ConfigError(f"no target named {name!r} in the configuration; targets: {names}")


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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the config file: {err}") from err
    return parse_config(data, source=str(path), path=path)


def parse_config(data: dict[str, Any], *, source: str, path: Path | None = None) -> Config:
    """Validate a parsed TOML table into a `Config`; `source` names it in messages."""
    _reject_unknown(data, {"targets", "fetch", "check"}, where=source, what="top-level key")
    targets = _parse_targets(data.get("targets"), source)
    fetch = _parse_dataclass(FetchSettings, data.get("fetch", {}), f"{source}: [fetch]")
    check = _parse_dataclass(CheckSettings, data.get("check", {}), f"{source}: [check]")
    if check.suspect_confirmations < 1:
        raise ConfigError(f"{source}: [check] suspect_confirmations must be at least 1")
    return Config(targets=targets, fetch=fetch, check=check, path=path)


def _parse_targets(raw: Any, source: str) -> tuple[Target, ...]:
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
        _reject_unknown(item, {"name", "url"}, where=where, what="key")
        for key in ("name", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError(f'{where}: missing {key} (add {key} = "…")')
        name, url = item["name"].strip(), item["url"].strip()
        if not SLUG.fullmatch(name):
            raise ConfigError(
                f"{where}: name {name!r} is not a slug; use lowercase letters, digits and '-' "
                f"(e.g. {slugify(name) or 'republic-of-korea'!r})"
            )
        check_url(url, where=f"{where}: url")
        if name in seen:
            raise ConfigError(f"{where}: duplicate target name {name!r}; names must be unique")
        seen.add(name)
        targets.append(Target(name, url))
    return tuple(targets)


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
    return dataclasses.replace(defaults, **values)


def _reject_unknown(table: dict[str, Any], allowed: set[str], *, where: str, what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown {what} {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )


def check_url(url: str, *, where: str = "URL") -> str:
    """Return `url` if it is an absolute http(s) URL, else raise `ConfigError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where} {url!r} is not an http(s) URL; write it as https://host/path")
    return url


def slugify(text: str) -> str:
    """A target-name slug made of `text`: lowercase, runs of other characters as '-'."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:80].strip("-")


def target_for_url(url: str, *, name: str | None, config: Config) -> Target:
    """The target for an ad-hoc `check --url`: named by `name`, a configured target with the
    same URL, or a name derived from the URL's host and path."""
    check_url(url, where="--url")
    if name:
        if not SLUG.fullmatch(name):
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
