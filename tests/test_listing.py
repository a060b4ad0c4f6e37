"""Listing a target's versions: kept while the folder is unchanged, never stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.archive import listing
from scraper.archive.listing import StampListing, list_stamps

OLD = 1_600_000_000  # a folder last changed long ago (seconds)


def touch_old(folder: Path) -> None:
    os.utime(folder, (OLD, OLD))


def test_only_stamped_files_of_the_suffix_are_listed_in_order(tmp_path: Path) -> None:
    for name in ("2024-07-16T083000Z.json", "2016-10-07T081500Z.json", ".2024-07-16T083000Z.json.tmp",
                 "2024-07-16T083000Z.html", "notes.json", "2024-07-16T0830Z.json"):  # fmt: skip
        (tmp_path / name).write_text("{}")
    assert list_stamps(tmp_path, ".json") == ["2016-10-07T081500Z", "2024-07-16T083000Z"]
    assert list_stamps(tmp_path / "missing", ".json") == []
    assert StampListing().stamps(tmp_path / "missing", ".json") == []


def test_a_list_is_kept_while_the_folder_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "2024-07-16T083000Z.json").write_text("{}")
    touch_old(tmp_path)
    kept = StampListing()
    assert kept.stamps(tmp_path, ".json") == ["2024-07-16T083000Z"]
    calls = []
    monkeypatch.setattr(listing, "list_stamps", lambda *a: calls.append(a) or [])
    assert kept.stamps(tmp_path, ".json") == ["2024-07-16T083000Z"]
    assert calls == []


def test_any_change_of_the_folder_lists_again(tmp_path: Path) -> None:
    (tmp_path / "2024-07-16T083000Z.json").write_text("{}")
    touch_old(tmp_path)
    kept = StampListing()
    assert kept.stamps(tmp_path, ".json") == ["2024-07-16T083000Z"]
    (tmp_path / "2024-07-17T083000Z.json").write_text("{}")  # another writer, or this one
    assert kept.stamps(tmp_path, ".json") == ["2024-07-16T083000Z", "2024-07-17T083000Z"]
    (tmp_path / "2024-07-16T083000Z.json").unlink()
    assert kept.stamps(tmp_path, ".json") == ["2024-07-17T083000Z"]


def test_a_list_taken_right_after_a_change_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second change in the same tick of the file system's clock would not move the mtime.
    (tmp_path / "2024-07-16T083000Z.json").write_text("{}")
    kept = StampListing()
    kept.stamps(tmp_path, ".json")
    calls = []
    real = listing.list_stamps
    monkeypatch.setattr(listing, "list_stamps", lambda *a: calls.append(a) or real(*a))
    kept.stamps(tmp_path, ".json")
    assert len(calls) == 1
