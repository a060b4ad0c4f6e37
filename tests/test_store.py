"""The archive on disk: content-addressed raw snapshots, atomic writes, path safety, the lock,
the check log's torn lines, and walking history (`resolve_version`, `version_at`)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scraper.archive.lock import LOCK_NAME
from scraper.archive.names import check_target_name
from scraper.archive.refs import resolve_version, version_at
from scraper.archive.store import Archive, TornLine, sha256_hex
from scraper.core.chain import check_chain
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Section
from scraper.core.records import CheckRecord, CheckStatus, Provenance
from scraper.errors import LockedError, NotFound, StoreError

TARGET = "republic-of-korea"
T0 = datetime(2024, 7, 16, 8, 30, 0, 250000, tzinfo=UTC)


def document(text: str) -> Document:
    """A small real document whose one paragraph is `text`."""
    stamp = LastUpdated(
        "16 Jul. 2024 10:28", datetime(2024, 7, 16, 10, 28, tzinfo=ZoneInfo("Europe/Brussels"))
    )
    lead = Section("lead", None, 1, (Block(BlockKind.PARAGRAPH, text),))
    return Document("Relations with the Republic of Korea", stamp, (lead,))


def add(archive: Archive, text: str, at: datetime) -> str:
    """Store a raw body and a version of it captured at `at`; return the version id."""
    body = f"<html><body><p>{text}</p></body></html>".encode()
    sha = archive.put_raw(TARGET, body)
    provenance = Provenance(
        url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        final_url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        status=200,
        fetched_at=at,
        raw_sha256=sha,
        parser_version="1",
    )
    return archive.add_version(TARGET, document(text), provenance, captured_at=at).id


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- raw snapshots ---------------------------------------------------------------------------


def test_the_same_body_is_stored_once_and_reads_back_byte_for_byte(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    body = "<html><body>Séoul – ‘NATO’\u00a0</body></html>".encode()

    first = archive.put_raw(TARGET, body)
    second = archive.put_raw(TARGET, body)

    assert first == second == sha256_hex(body)
    assert files_under(tmp_path) == [f"snapshots/{TARGET}/raw/{first}.html.gz"]
    assert archive.read_raw(TARGET, first, check=True) == body
    assert list(archive.iter_raw(TARGET)) == [first]


def test_raw_blobs_are_a_function_of_the_body_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Archive(tmp_path / "a"), Archive(tmp_path / "b")
    sha = a.put_raw(TARGET, b"<p>x</p>")
    # An hour later by the clock gzip would record as the mtime, were it recorded.
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    b.put_raw(TARGET, b"<p>x</p>")

    assert a.raw_path(TARGET, sha).read_bytes() == b.raw_path(TARGET, sha).read_bytes()


def test_a_tampered_raw_blob_is_refused_when_read_with_check(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha = archive.put_raw(TARGET, b"<p>original</p>")
    archive.raw_path(TARGET, sha).write_bytes(gzip.compress(b"<p>forged</p>"))

    with pytest.raises(StoreError, match="does not hash to its name"):
        archive.read_raw(TARGET, sha, check=True)


def test_a_raw_blob_that_is_not_gzip_is_a_store_error(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha = archive.put_raw(TARGET, b"<p>x</p>")
    archive.raw_path(TARGET, sha).write_bytes(b"not gzip at all")

    with pytest.raises(StoreError, match="unreadable"):
        archive.read_raw(TARGET, sha)


# -- atomic writes ---------------------------------------------------------------------------


def test_writes_leave_no_temp_files_and_identical_rewrites_are_skipped(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version_id = add(archive, "The Republic of Korea is a partner.", T0)
    version = archive.read_version(TARGET, version_id)
    path = archive.version_path(TARGET, version_id)
    inode = path.stat().st_ino

    archive.write_version(version)

    assert path.stat().st_ino == inode  # not replaced: the bytes were already there
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_readers_ignore_leftover_temp_files(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version_id = add(archive, "text", T0)
    sha = archive.read_version(TARGET, version_id).provenance.raw_sha256
    versions = archive.target_dir(TARGET) / "versions"
    (versions / f".{version_id}.json.k3j2.tmp").write_text('{"half": ')
    (versions.parent / "raw" / f".{sha}.html.gz.x1.tmp").write_bytes(b"\x1f")
    reports = tmp_path / "reports" / TARGET
    reports.mkdir(parents=True)
    (reports / f".{version_id}.json.q.tmp").write_text("{")

    assert archive.version_ids(TARGET) == [version_id]
    assert list(archive.iter_raw(TARGET)) == [sha]
    assert archive.site.report_ids(TARGET) == []
    assert [v.id for v in archive.iter_versions(TARGET)] == [version_id]


# -- path safety -----------------------------------------------------------------------------

BAD_TARGETS = ["../x", "..", "/tmp/evil", "a/b", "a\\b", "", "-x", "X", "x" * 101, "x\n", "ü"]


@pytest.mark.parametrize("name", BAD_TARGETS)
def test_target_names_that_are_not_slugs_are_refused(tmp_path: Path, name: str) -> None:
    archive = Archive(tmp_path / "data")

    with pytest.raises(StoreError, match="invalid target name"):
        check_target_name(name)
    for write in (
        lambda: archive.put_raw(name, b"<p>x</p>"),
        lambda: archive.append_check(
            CheckRecord(name, T0, "https://example.org/", CheckStatus.ERROR, 1)
        ),
        lambda: archive.site.write_report(name, "2024-07-16T083000Z", "md", "x"),
    ):
        with pytest.raises(StoreError):
            write()
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "version_id", ["../../etc/passwd", "/etc/passwd", "2024-07-16T083000Z/../../x", ""]
)
def test_version_ids_that_are_not_stamps_never_become_paths(
    tmp_path: Path, version_id: str
) -> None:
    archive = Archive(tmp_path / "data")
    add(archive, "text", T0)

    with pytest.raises(NotFound, match="invalid version id"):
        archive.version_path(TARGET, version_id)
    with pytest.raises(NotFound, match="invalid version id"):
        archive.read_version(TARGET, version_id)
    with pytest.raises(NotFound):
        archive.site.write_report(TARGET, version_id, "md", "x")
    with pytest.raises(NotFound):
        resolve_version(archive, TARGET, version_id)
    assert not (tmp_path / "etc").exists()
    assert all(p.startswith("data/") for p in files_under(tmp_path))


@pytest.mark.parametrize("name", ["../index.html", "/tmp/x", ".hidden", "a\\b"])
def test_site_file_names_are_plain_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="invalid site file name"):
        Archive(tmp_path / "data").site.write_site_file(name, "x")
    assert files_under(tmp_path) == []


def test_a_malformed_sha_never_becomes_a_path(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with pytest.raises(StoreError, match="invalid sha256"):
        archive.read_raw(TARGET, "../../" + "a" * 58)


# -- check log -------------------------------------------------------------------------------


def record(at: datetime, status: CheckStatus = CheckStatus.UNCHANGED) -> CheckRecord:
    url = "https://www.nato.int/x"
    return CheckRecord(TARGET, at, url, status, 120, final_url=url, http_status=200)


def test_a_torn_last_line_is_skipped_and_does_not_swallow_the_next_one(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.append_check(record(T0))
    path = archive.checks_path(TARGET)
    with path.open("ab") as handle:
        handle.write(b'{"at":"2024-07-16T09:00:00Z","target":"repub')  # a kill mid-append

    assert [r.started_at for r in archive.iter_checks(TARGET)] == [T0]
    assert isinstance(list(archive.iter_check_lines(TARGET))[1], TornLine)
    archive.append_check(record(T0 + timedelta(hours=1)))

    # The torn record is taken back before the append (a torn line is only ever the last
    # one: one in the middle is damage), and the new line is whole.
    lines = list(archive.iter_check_lines(TARGET))
    assert not any(isinstance(line, TornLine) for line in lines)
    assert [r.started_at for r in archive.iter_checks(TARGET)] == [T0, T0 + timedelta(hours=1)]
    last = archive.last_check(TARGET)
    assert last is not None and replace(last, prev=None) == record(T0 + timedelta(hours=1))
    # The chain passes over the torn line: the new line links to the last whole one.
    first = path.read_bytes().split(b"\n")[0]
    assert last.prev == hashlib.sha256(first).hexdigest()


def test_appends_from_many_threads_and_processes_keep_one_chain(tmp_path: Path) -> None:
    """Each append reads the last line and links to it under the archive lock, so writers
    racing each other never link two lines to the same one."""
    archive = Archive(tmp_path)
    script = textwrap.dedent(
        f"""
        from datetime import datetime, timedelta, UTC
        from scraper.archive.store import Archive
        from scraper.core.records import CheckRecord, CheckStatus
        archive = Archive({str(tmp_path)!r})
        start = datetime(2025, 1, 1, tzinfo=UTC)
        for k in range(20):
            archive.append_check(CheckRecord({TARGET!r}, start + timedelta(seconds=k),
                                             "https://www.nato.int/x", CheckStatus.UNCHANGED, 1))
        """
    )
    other = subprocess.Popen([sys.executable, "-c", script])

    def appender(offset: int) -> None:
        for k in range(20):
            archive.append_check(record(T0 + timedelta(minutes=offset, seconds=k)))

    threads = [threading.Thread(target=appender, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert other.wait(timeout=60) == 0

    lines = [line.link() for line in archive.iter_check_log(TARGET)]
    assert len(lines) == 80
    report = check_chain(lines)
    assert report.ok and report.legacy == 0


# -- versions and history --------------------------------------------------------------------


def history(archive: Archive) -> list[tuple[str, datetime]]:
    """Four versions: two in the same second (the second id is pushed), then a day later."""
    times = [
        T0,
        T0 + timedelta(microseconds=500000),
        T0 + timedelta(seconds=1, microseconds=100),
        T0 + timedelta(days=1),
    ]
    return [(add(archive, f"text {i}", at), at) for i, at in enumerate(times)]


def test_a_capture_in_a_taken_second_gets_the_next_free_id(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    ids = [i for i, _ in history(archive)]

    assert ids == [
        "2024-07-16T083000Z",
        "2024-07-16T083001Z",
        "2024-07-16T083002Z",
        "2024-07-17T083000Z",
    ]
    assert archive.version_ids(TARGET) == ids
    assert archive.read_version(TARGET, ids[1]).captured_at == T0 + timedelta(microseconds=500000)


def test_resolve_version_takes_ids_prefixes_latest_and_latest_n(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    ids = [i for i, _ in history(archive)]

    assert resolve_version(archive, TARGET, "latest") == ids[-1]
    for back in range(len(ids)):
        assert resolve_version(archive, TARGET, f"latest~{back}") == ids[-1 - back]
    assert resolve_version(archive, TARGET, ids[1]) == ids[1]
    assert resolve_version(archive, TARGET, "2024-07-17") == ids[3]
    with pytest.raises(NotFound, match=r"only 4 version\(s\); the oldest is latest~3"):
        resolve_version(archive, TARGET, "latest~4")
    with pytest.raises(NotFound, match="matches 3 versions"):
        resolve_version(archive, TARGET, "2024-07-16")


def test_an_unknown_id_lists_the_nearest_ids(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    ids = [i for i, _ in history(archive)]

    with pytest.raises(NotFound) as caught:
        resolve_version(archive, TARGET, "2024-07-17T090000Z")
    message = str(caught.value)
    assert "no version '2024-07-17T090000Z'" in message
    assert f"nearest: {ids[1]}, {ids[2]}, {ids[3]}" in message

    with pytest.raises(NotFound, match=f"nearest: {ids[1]}, {ids[2]}, {ids[3]}"):
        resolve_version(archive, TARGET, "not-an-id")


def test_resolve_version_on_an_empty_target_says_to_check_first(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no versions yet; run `nato-watch check` first"):
        resolve_version(Archive(tmp_path), TARGET, "latest")


def test_version_at_picks_the_version_in_force(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    made = history(archive)
    ids = [i for i, _ in made]

    # At each exact capture time: that version.
    for version_id, at in made:
        assert version_at(archive, TARGET, at) == version_id
    # A time given to the second covers the whole second, like the ids do.
    assert version_at(archive, TARGET, T0.replace(microsecond=0)) == ids[1]
    assert version_at(archive, TARGET, datetime(2024, 7, 16, 8, 30, 1, tzinfo=UTC)) == ids[2]
    assert version_at(archive, TARGET, datetime(2024, 7, 17, 8, 30, tzinfo=UTC)) == ids[3]
    # Just after each capture: still that version; just before the next: the one before.
    assert version_at(archive, TARGET, T0 + timedelta(milliseconds=1)) == ids[0]
    assert version_at(archive, TARGET, made[1][1] - timedelta(microseconds=1)) == ids[0]
    assert version_at(archive, TARGET, made[2][1] - timedelta(microseconds=1)) == ids[1]
    assert version_at(archive, TARGET, T0 + timedelta(hours=3)) == ids[2]
    assert version_at(archive, TARGET, made[3][1] - timedelta(microseconds=1)) == ids[2]
    assert version_at(archive, TARGET, T0 + timedelta(days=400)) == ids[3]
    # The same instant given in another zone.
    seoul = (T0 + timedelta(hours=3)).astimezone(ZoneInfo("Asia/Seoul"))
    assert version_at(archive, TARGET, seoul) == ids[2]


def test_version_at_before_the_first_version_is_a_clear_error(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    history(archive)

    with pytest.raises(NotFound) as caught:
        version_at(archive, TARGET, T0 - timedelta(seconds=1))
    assert str(caught.value) == (
        "target 'republic-of-korea' has no version at 2024-07-16T08:29:59.250000Z: the first "
        "(2024-07-16T083000Z) was captured at 2024-07-16T08:30:00.250000Z"
    )
    with pytest.raises(ValueError):
        version_at(archive, TARGET, datetime(2024, 7, 16))


def test_version_at_reads_only_the_head_of_at_most_a_few_version_files(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    ids = [add(archive, f"text {i}", start + timedelta(days=i)) for i in range(60)]
    # Cut every version file down to its head: a reader that parses documents would fail.
    for version_id in ids:
        path = archive.version_path(TARGET, version_id)
        path.write_bytes(path.read_bytes()[:120])

    assert version_at(archive, TARGET, start + timedelta(days=30, hours=5)) == ids[30]
    assert version_at(archive, TARGET, start + timedelta(days=59)) == ids[59]
    assert version_at(archive, TARGET, start) == ids[0]


# -- lock ------------------------------------------------------------------------------------

HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from scraper.archive.store import Archive
    with Archive(sys.argv[1]).lock(timeout=5):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_a_second_process_waits_then_fails_naming_the_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(LockedError) as caught, Archive(tmp_path).lock(timeout=0.5):
            pass
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert 0.5 <= waited < 3
    assert f"locked by process {holder.pid}" in str(caught.value)
    assert LOCK_NAME in str(caught.value)


def test_the_lock_is_free_again_once_the_holder_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "30"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()  # SIGKILL: no cleanup runs, the OS releases the lock
    holder.wait()

    with Archive(tmp_path).lock(timeout=2):
        text = (tmp_path / LOCK_NAME).read_text()
    assert text.startswith(f"pid={os.getpid()} ")


def test_a_waiting_process_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "0.6"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with Archive(tmp_path).lock(timeout=10):
            assert holder.poll() is not None or holder.wait(5) == 0
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_reentrant_in_a_thread_but_not_across_threads(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    outcome: list[str] = []

    def other_thread() -> None:
        try:
            with Archive(tmp_path).lock(timeout=0.2):
                outcome.append("got it")
        except LockedError:
            outcome.append("locked")

    with archive.lock(timeout=1), Archive(tmp_path).lock(timeout=0):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert outcome == ["locked"]
    with archive.lock(timeout=0):  # released for real at the end of the outer block
        pass
    assert (tmp_path / LOCK_NAME).read_text() == ""


def test_a_writer_that_died_holding_the_lock_has_its_temp_files_swept(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    add(archive, "text", T0)
    with archive.lock(timeout=1):  # a resident process: its first lock swept already
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "30"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    leftover = archive.target_dir(TARGET) / "versions" / ".2024-07-16T083000Z.json.k3.tmp"
    leftover.write_text('{"half": ')
    holder.kill()  # its line stays in the lock file
    holder.wait()
    with archive.lock(timeout=2):
        pass
    assert not leftover.exists()


def test_only_folders_changed_since_the_last_hold_are_listed_for_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(tmp_path)
    add(archive, "text", T0)
    with archive.lock(timeout=1):
        pass
    long_ago = time.time() - 3600
    for folder in archive._write_folders():
        if folder.exists():
            os.utime(folder, (long_ago, long_ago))
    let_go = long_ago + 60  # the last holder let go, after the folders' last change
    os.utime(tmp_path / LOCK_NAME, (let_go, let_go))
    leftover = archive.site.root / ".index.html.q1.tmp"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_text("<html")  # moves reports/'s mtime
    listed: list[str] = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(str(path)) or real(path))
    with Archive(tmp_path).lock(timeout=1):
        pass
    assert not leftover.exists()
    assert listed == [str(archive.site.root)]


def test_version_files_hold_canonical_json_with_the_capture_time_first(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version_id = add(archive, "text", T0)
    text = archive.version_path(TARGET, version_id).read_text(encoding="utf-8")

    assert text.startswith('{\n "captured_at": "2024-07-16T08:30:00.250000Z",')
    assert text.endswith("}\n")
    assert json.loads(text)["content_hash"] == document("text").content_hash
    assert archive.read_captured_at(TARGET, version_id) == T0


# -- batched writes --------------------------------------------------------------------------


def test_a_batch_puts_its_files_in_place_only_at_its_end(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version_id = add(archive, "before", T0)
    version = archive.read_version(TARGET, version_id)
    changed = replace(version, document=document("after"))

    with archive.batch():
        archive.write_version(changed)
        archive.site.write_report(TARGET, version_id, "md", "# report\n")
        archive.site.write_site_file("index.html", "<p>index</p>")
        # readers still see the old state; the new bytes wait in temp files
        assert archive.read_version(TARGET, version_id) == version
        assert not archive.site.has_report(TARGET, version_id, "md")
        assert len([p for p in tmp_path.rglob("*.tmp")]) == 3

    assert archive.read_version(TARGET, version_id).document == document("after")
    assert archive.site.read_report(TARGET, version_id, "md") == "# report\n"
    assert (tmp_path / "reports" / "index.html").read_text() == "<p>index</p>"
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_batch_changes_nothing(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version_id = add(archive, "before", T0)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    with pytest.raises(RuntimeError), archive.batch():
        archive.write_version(
            replace(archive.read_version(TARGET, version_id), document=document("x"))
        )
        archive.site.write_report(TARGET, version_id, "md", "# report\n")
        raise RuntimeError("a renderer bug")

    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_raw_snapshots_are_never_deferred(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with archive.batch():
        sha = archive.put_raw(TARGET, b"<p>evidence</p>")
        assert archive.read_raw(TARGET, sha) == b"<p>evidence</p>"
