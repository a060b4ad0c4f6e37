"""Golden files: the one way every golden test compares with, and regenerates, its stored
expectation. Regenerate with `NATO_WATCH_REGEN=1 python -m pytest -q`, then review `git diff`."""

from __future__ import annotations

import os
from pathlib import Path

REGEN = os.environ.get("NATO_WATCH_REGEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Assert `actual` equals the golden file `path` (written first when regenerating)."""
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with NATO_WATCH_REGEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; review, and regenerate with NATO_WATCH_REGEN=1"
