"""The names of the archive's files: what a target name, a version id and a raw snapshot's
sha256 may be. Every path `store` and `site_store` build goes through these checks first, so
no name from a user, a config or a file can reach outside its folder.
"""

from __future__ import annotations

import re

from scraper.errors import NotFound, StoreError
from scraper.timespec import STAMP

# A target's name is a slug: `snapshots/<target>/`, `reports/<target>/` (the config's rule too).
TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_target_name(name: str) -> str:
    """Return `name` if it is a valid target slug, else raise `StoreError` saying why."""
    if not TARGET_NAME.fullmatch(name) or len(name) > 100:
        raise StoreError(
            f"invalid target name {name!r}: use lowercase letters, digits and '-', "
            "starting with a letter or digit (e.g. 'republic-of-korea')"
        )
    return name


def valid_version_id(version_id: str) -> str:
    """`version_id` when it has the form of a version id; else `NotFound` saying the form."""
    if not STAMP.fullmatch(version_id):
        raise NotFound(f"invalid version id {version_id!r}: expected YYYY-MM-DDTHHMMSSZ")
    return version_id


def valid_sha256(sha256: str) -> str:
    """`sha256` when it is 64 lowercase hex digits; else `StoreError`."""
    if not SHA256.fullmatch(sha256):
        raise StoreError(f"invalid sha256 {sha256!r}")
    return sha256
