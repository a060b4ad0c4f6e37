"""How to fetch: identity, timeouts, retries and guards (the `[fetch]` table of the config).

A module of its own, apart from the HTTP client, so that reading the config (every command,
`--help` included) does not import requests.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from scraper import __version__
from scraper.errors import ConfigError

# The tool and its version, and no address: the project has no public home to point at. Who
# runs it says how to reach them with `contact`, which is added as "(+contact)".
DEFAULT_USER_AGENT = f"nato-watch/{__version__}"
EMAIL = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+$")
WEB_ADDRESS = re.compile(r"^https?://[^/\s<>()]+\.[^/\s<>()]+(?:/[^\s<>()]*)?$", re.I)


def contact_address(text: str) -> str:
    """`text` as a contact for the User-Agent: `mailto:<address>` or an http(s) URL. A bare
    e-mail address gets `mailto:`; anything else is a `ConfigError`."""
    value = text.strip()
    address = value.removeprefix("mailto:")
    if EMAIL.fullmatch(address):
        return f"mailto:{address}"
    if WEB_ADDRESS.fullmatch(value):
        return value
    raise ConfigError(
        f"[fetch] contact must be an e-mail address (mailto:you@example.org) or a web address "
        f"(https://example.org/about), got {text!r}"
    )


# The highest value each numeric setting may take (the README's configuration section lists
# them). Past these a value is a typo, not a preference: it would hold a check (and the
# archive lock) for hours, or fill the memory.
FETCH_MAXIMUMS: dict[str, float] = {
    "connect_timeout": 300.0,
    "read_timeout": 600.0,
    "total_timeout": 3600.0,
    "check_timeout": 3600.0,
    "retries": 20,
    "backoff": 600.0,
    "max_backoff": 3600.0,
    "max_redirects": 50,
    "max_bytes": 256 * 1024 * 1024,
}


def check_at_most(where: str, name: str, value: float, maximum: float) -> None:
    """Raise `ConfigError` unless `value` is a finite number no higher than `maximum`;
    `where` names the table (`[fetch]`), `name` the key."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} {name} must be a finite number, not {value!r}")
    if value > maximum:
        raise ConfigError(f"{where} {name} must be at most {maximum:g}, not {value!r}")


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch: identity, timeouts, retries and guards.

    The field names are the keys of the `[fetch]` table of the config file.
    """

    user_agent: str = DEFAULT_USER_AGENT
    # How the site can reach whoever runs this: added to the default User-Agent as (+contact).
    contact: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # One try, from connecting to the last byte of the body (status line and headers
    # included): a server that drips one byte per read_timeout would otherwise hold it forever.
    total_timeout: float = 120.0
    # The whole fetch of a check, every try and every wait between tries included.
    check_timeout: float = 300.0
    retries: int = 4
    backoff: float = 2.0
    max_backoff: float = 120.0
    max_redirects: int = 10
    max_bytes: int = 5 * 1024 * 1024
    respect_robots: bool = True

    @property
    def identified(self) -> bool:
        """Whether the User-Agent tells the site how to reach whoever runs this: a contact, or
        a User-Agent of the user's own."""
        return bool(self.contact) or self.user_agent != DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        """Reject values that cannot work, naming the config key."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            ok = {
                "str": isinstance(value, str),
                "bool": isinstance(value, bool),
                "int": isinstance(value, int) and not isinstance(value, bool),
                "float": isinstance(value, int | float) and not isinstance(value, bool),
            }[kind]
            if not ok:
                wanted = {"str": "a string", "bool": "true or false", "int": "an integer"}
                raise ConfigError(
                    f"[fetch] {f.name} must be {wanted.get(kind, 'a number')}, got {value!r}"
                )
        for name, maximum in FETCH_MAXIMUMS.items():
            check_at_most("[fetch]", name, getattr(self, name), maximum)
        if not self.user_agent.strip() or any(c in self.user_agent for c in "\r\n"):
            raise ConfigError("[fetch] user_agent must be one non-empty line")
        if self.contact:
            contact = contact_address(self.contact)
            # Frozen: the normalised contact, and the User-Agent that carries it, are set once.
            object.__setattr__(self, "contact", contact)
            if self.user_agent == DEFAULT_USER_AGENT:
                object.__setattr__(self, "user_agent", f"{DEFAULT_USER_AGENT} (+{contact})")
        for name in ("connect_timeout", "read_timeout", "total_timeout", "check_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"[fetch] {name} must be more than 0 seconds")
        for name in ("backoff", "max_backoff", "max_redirects"):
            if getattr(self, name) < 0:
                raise ConfigError(f"[fetch] {name} must not be negative")
        if self.retries < 1:
            raise ConfigError("[fetch] retries is the most tries per check: it must be >= 1")
        if self.max_bytes < 1:
            raise ConfigError("[fetch] max_bytes must be >= 1")
