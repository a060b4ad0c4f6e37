"""`archive.memo.FileMemo`: a value made from a file is kept while the file is unchanged and
made again as soon as it changes (appended, rewritten, replaced, removed)."""

from __future__ import annotations

import os
from pathlib import Path

from scraper.archive.memo import FileMemo


def reader(path: Path, calls: list[str]) -> str:
    calls.append(path.name)
    return path.read_text(encoding="utf-8")


def test_a_value_is_made_once_while_its_file_is_unchanged(tmp_path: Path) -> None:
    path, calls = tmp_path / "log.jsonl", list[str]()
    path.write_text("one\n", encoding="utf-8")
    memo: FileMemo[str] = FileMemo()
    assert memo.get(path, lambda: reader(path, calls)) == "one\n"
    assert memo.get(path, lambda: reader(path, calls)) == "one\n"
    assert len(calls) == 1


def test_an_append_a_rewrite_or_a_replacement_is_read_again(tmp_path: Path) -> None:
    path, calls = tmp_path / "log.jsonl", list[str]()
    path.write_text("one\n", encoding="utf-8")
    memo: FileMemo[str] = FileMemo()
    memo.get(path, lambda: reader(path, calls))
    with path.open("a", encoding="utf-8") as f:
        f.write("two\n")
    assert memo.get(path, lambda: reader(path, calls)) == "one\ntwo\n"
    # Same size, same modification time: a new file put in its place (a new inode).
    info = path.stat()
    other = tmp_path / "new"
    other.write_text("ONE\nTWO\n", encoding="utf-8")
    os.utime(other, ns=(info.st_atime_ns, info.st_mtime_ns))
    other.replace(path)
    assert memo.get(path, lambda: reader(path, calls)) == "ONE\nTWO\n"
    assert len(calls) == 3


def test_a_missing_file_is_never_kept(tmp_path: Path) -> None:
    path, calls = tmp_path / "gone.jsonl", list[str]()
    memo: FileMemo[str | None] = FileMemo()
    for _ in range(2):
        assert memo.get(path, lambda: None if not path.exists() else reader(path, calls)) is None
    path.write_text("now\n", encoding="utf-8")
    assert memo.get(path, lambda: reader(path, calls)) == "now\n"


def test_what_a_writer_puts_is_what_the_next_reader_gets(tmp_path: Path) -> None:
    path, calls = tmp_path / "index.jsonl", list[str]()
    path.write_text("a\n", encoding="utf-8")
    memo: FileMemo[str] = FileMemo()
    with path.open("a", encoding="utf-8") as f:
        f.write("b\n")
    memo.put(path, "as written")
    assert memo.get(path, lambda: reader(path, calls)) == "as written"
    path.write_text("changed by another writer, longer\n", encoding="utf-8")
    assert memo.get(path, lambda: reader(path, calls)) == "changed by another writer, longer\n"


def test_past_its_limit_the_memo_starts_again(tmp_path: Path) -> None:
    memo: FileMemo[str] = FileMemo(limit=2)
    calls: list[str] = []
    paths = [tmp_path / f"{k}.txt" for k in range(3)]
    for path in paths:
        path.write_text(path.name, encoding="utf-8")
        memo.get(path, lambda: reader(path, calls))  # noqa: B023 (called at once)
    memo.get(paths[0], lambda: reader(paths[0], calls))
    assert calls == ["0.txt", "1.txt", "2.txt", "0.txt"]
