"""Replay: re-reading every stored snapshot rebuilds versions and reports deterministically,
keeps what a kill left half-recorded, says how a newer parser reads history differently,
skips what no longer parses, and stops before writing anything when evidence is missing."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site, tree
from pages import edited, load_content, nato_page

from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.core.document import Block, BlockKind, Document
from scraper.core.parser_version import PARSER_VERSION
from scraper.core.records import Version
from scraper.core.target import Target
from scraper.errors import LockedError, StoreError
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.reports.publish import rebuild_site, write_report
from scraper.run.pipeline import check_target
from scraper.sources.replay import replay_target

TARGET = "republic-of-korea"
PATH = "/cps/en/natohq/topics_50098.htm"
EDITS = [
    {},
    {
        "stamp": "18 Jul. 2024 09:15",
        "replace_text": {"steadfast in supporting": "unwavering in its support for"},
    },
    {"stamp": "20 Jul. 2024 14:02", "replace_text": {"Republic of Korea": "ROK"}},
]


def check(archive: Archive, site: Site, clock: Clock, body: str, **page: object) -> str:
    """One real check of the local page at the clock's time (then the clock moves on)."""
    site.put(PATH, body, **page)
    with Fetcher(FetchSettings(retries=1)) as fetcher:
        result = check_target(
            Target(TARGET, site.url(PATH)), archive=archive, fetch=fetcher, now=clock
        )
    assert result.ok, result.error
    clock.advance(hours=6)
    return result.status.value


@pytest.fixture
def archive(site: Site, clock: Clock, data_dir: Path) -> Archive:
    """Three versions, then an unchanged check whose bytes differ (a fourth raw snapshot)."""
    archive = Archive(data_dir)
    content = load_content()
    for edit in EDITS:
        content = edited(content, **edit)
        check(archive, site, clock, nato_page(content))
    assert check(archive, site, clock, nato_page(content) + "<!-- node 2 -->\n") == "unchanged"
    return archive


def snapshot(root: Path) -> dict[str, bytes]:
    """The whole data dir, the lock file left out."""
    return tree(root)


def versions(archive: Archive) -> list[Version]:
    return list(archive.iter_versions(TARGET))


def test_replay_of_a_fresh_archive_changes_nothing_and_is_idempotent(
    archive: Archive, data_dir: Path
) -> None:
    before = snapshot(data_dir)

    first = replay_target(archive, TARGET)
    after_first = snapshot(data_dir)
    second = replay_target(archive, TARGET)

    assert after_first == before  # same parser: byte for byte what the checks wrote
    assert snapshot(data_dir) == before
    assert not first.changed and not second.changed
    assert first.captures == 4 and first.snapshots == 4
    assert first.versions == tuple(archive.version_ids(TARGET))
    assert first.lines() == [
        f"republic-of-korea: replayed 4 captures (4 distinct snapshots) with parser {PARSER_VERSION}: 3 versions",
        "no version changed; reports, index and feed rebuilt",
    ]


def test_deleted_reports_come_back_identical(archive: Archive, data_dir: Path) -> None:
    before = snapshot(data_dir)
    shutil.rmtree(data_dir / "reports")

    replay_target(archive, TARGET)

    assert snapshot(data_dir) == before


def test_the_check_log_is_never_rewritten(archive: Archive) -> None:
    log = archive.checks_path(TARGET).read_bytes()
    for version in versions(archive):  # as an older parser would have stored them
        archive.write_version(replace(version, document=_older_reading(version.document)))

    replay_target(archive, TARGET)

    assert archive.checks_path(TARGET).read_bytes() == log


def _older_reading(document: Document) -> Document:
    """How a parser that kept the share bar would have read the page."""
    share = Block(BlockKind.PARAGRAPH, "Share this Facebook Twitter E-mail Print")
    lead = document.sections[0]
    return replace(
        document, sections=(replace(lead, blocks=(share, *lead.blocks)), *document.sections[1:])
    )


def test_a_parser_upgrade_rereads_versions_and_says_so(archive: Archive, data_dir: Path) -> None:
    original = snapshot(data_dir)
    old = versions(archive)
    for version in old:
        older = replace(version.provenance, parser_version="0")
        archive.write_version(
            replace(version, document=_older_reading(version.document), provenance=older)
        )
    for a, b in itertools.pairwise(old):
        write_report(
            archive, archive.read_version(TARGET, a.id), archive.read_version(TARGET, b.id)
        )
    rebuild_site(archive)
    assert snapshot(data_dir) != original

    result = replay_target(archive, TARGET)

    ids = tuple(v.id for v in old)
    assert result.reread == ids and result.added == () and result.removed == ()
    assert (
        result.lines()[1]
        == f"3 versions re-read differently by parser {PARSER_VERSION}: {', '.join(ids)}"
    )
    # the archive is exactly what checks with the current parser would have written
    assert snapshot(data_dir) == original
    assert verify(archive).ok


def test_versions_an_older_parser_split_are_collapsed_with_their_reports(
    archive: Archive, data_dir: Path
) -> None:
    original = snapshot(data_dir)
    last_check = archive.last_check(TARGET)
    assert last_check is not None and last_check.raw_sha256 is not None
    v3 = versions(archive)[-1]
    # An older parser read the fourth capture (other bytes, same page) as a new version.
    split = archive.add_version(
        TARGET,
        _older_reading(v3.document),
        replace(v3.provenance, raw_sha256=last_check.raw_sha256, fetched_at=last_check.started_at),
        captured_at=last_check.started_at,
    )
    write_report(archive, v3, split)
    rebuild_site(archive)

    result = replay_target(archive, TARGET)

    assert result.removed == (split.id,)
    assert f"1 version no longer distinct, removed with its report: {split.id}" in result.lines()
    assert snapshot(data_dir) == original


def test_a_capture_an_older_parser_did_not_see_as_a_change_becomes_a_version(
    archive: Archive, data_dir: Path
) -> None:
    original = snapshot(data_dir)
    v1, v2, v3 = versions(archive)
    archive.site.delete_reports(TARGET, v2.id)
    archive.delete_version(TARGET, v2.id)
    write_report(archive, v1, v3)
    rebuild_site(archive)

    result = replay_target(archive, TARGET)

    assert result.added == (v2.id,)
    assert f"1 capture now read as a new version: {v2.id}" in result.lines()
    assert snapshot(data_dir) == original


def test_a_version_whose_log_line_a_kill_cut_off_is_kept(archive: Archive, data_dir: Path) -> None:
    # The check that wrote version 3 was killed before its log line (and the later one too).
    path = archive.checks_path(TARGET)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))
    before = snapshot(data_dir)

    result = replay_target(archive, TARGET)

    assert not result.changed and len(result.versions) == 3
    assert snapshot(data_dir) == before


def test_a_snapshot_that_no_longer_parses_is_skipped_and_reported(
    archive: Archive, data_dir: Path
) -> None:
    original = snapshot(data_dir)
    v1, v2, _ = versions(archive)
    # An older, laxer parser took a JavaScript shell for a version between v1 and v2.
    shell = b'<html><head><title>NATO</title><script src="/app.js"></script></head><body><div id="app"></div></body></html>'
    sha = archive.put_raw(TARGET, shell)
    at = v1.captured_at + timedelta(hours=1)
    bogus = archive.add_version(
        TARGET,
        _older_reading(v1.document),
        replace(v1.provenance, raw_sha256=sha, fetched_at=at),
        captured_at=at,
    )
    write_report(archive, v1, bogus)
    write_report(archive, bogus, v2)

    result = replay_target(archive, TARGET)

    assert [s.raw_sha256 for s in result.skipped] == [sha]
    assert result.removed == (bogus.id,)
    skipped_line = [line for line in result.lines() if line.startswith("skipped")]
    assert skipped_line == [
        f"skipped snapshot {sha[:12]} captured {bogus.id}: {result.skipped[0].reason}"
    ]
    assert "browser" in result.skipped[0].reason or "no article" in result.skipped[0].reason
    raw_name = f"snapshots/{TARGET}/raw/{sha}.html.gz"
    after = snapshot(data_dir)
    assert after.pop(raw_name) == gzip_of(archive, sha)  # the evidence stays
    assert after == original


def gzip_of(archive: Archive, sha: str) -> bytes:
    return archive.raw_path(TARGET, sha).read_bytes()


def test_a_missing_raw_snapshot_stops_replay_before_any_write(
    archive: Archive, data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    v2 = versions(archive)[1]
    archive.raw_path(TARGET, v2.provenance.raw_sha256).unlink()
    for version in versions(archive):
        archive.write_version(replace(version, document=_older_reading(version.document)))
    before = snapshot(data_dir)

    result = run_cli("replay")

    assert result.exit_code == 1
    sha = v2.provenance.raw_sha256
    assert result.stderr == (
        f"nato-watch: error: cannot replay 'republic-of-korea', nothing was changed: the raw "
        f"snapshot {sha[:12]}… captured at {v2.id} is not stored — run `nato-watch verify`\n"
    )
    assert snapshot(data_dir) == before
    with pytest.raises(StoreError):
        replay_target(archive, TARGET)


def test_replay_decodes_a_snapshot_as_its_check_did(
    site: Site, clock: Clock, data_dir: Path
) -> None:
    archive = Archive(data_dir)
    # UTF-8 bytes served as Latin-1: the check read what the server declared, and so must
    # replay, from the content type the check log and provenance recorded.
    page = nato_page(load_content()).replace('<meta charset="utf-8">', "")
    check(archive, site, clock, page, content_type="text/html; charset=iso-8859-1")
    check(archive, site, clock, page + "<!-- 2 -->", content_type="text/html; charset=iso-8859-1")
    version = versions(archive)[0]
    assert "â€" in version.document.to_text()  # what the server's label made of the bytes
    before = snapshot(data_dir)

    result = replay_target(archive, TARGET)

    assert not result.changed and result.captures == 2
    assert snapshot(data_dir) == before


def test_progress_is_reported_for_every_capture(archive: Archive) -> None:
    calls: list[tuple[int, int]] = []

    replay_target(archive, TARGET, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


HOLD_LOCK = """
import sys, time
from scraper.archive.store import Archive
with Archive(sys.argv[1]).lock(timeout=5):
    print("locked", flush=True)
    time.sleep(30)
"""


def test_replay_takes_the_archive_lock(archive: Archive, data_dir: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(data_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"locked by process {holder.pid}"):
            replay_target(archive, TARGET, lock_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()


def test_replay_leaves_other_targets_alone(
    archive: Archive, site: Site, clock: Clock, data_dir: Path
) -> None:
    other = data_dir / "snapshots" / "japan"
    shutil.copytree(archive.target_dir(TARGET), other)
    # japan's versions name their target; rewrite them as japan's own
    for path in (other / "versions").glob("*.json"):
        data = json.loads(path.read_text())
        data["target"] = "japan"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    before = {k: v for k, v in snapshot(data_dir).items() if "/japan/" in k}

    replay_target(archive, TARGET)

    assert {k: v for k, v in snapshot(data_dir).items() if "/japan/" in k} == before


def test_replay_through_the_cli_prints_progress_on_long_histories(
    site: Site, clock: Clock, data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    archive = Archive(data_dir)
    page = nato_page(load_content())
    for n in range(52):  # other bytes each time, the same page: 52 captures, one version
        check(archive, site, clock, page + f"<!-- {n} -->")

    result = run_cli("replay")

    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "replay: 50/52 captures read",
        "replay: 52/52 captures read",
    ]
    assert result.stdout.splitlines() == [
        f"republic-of-korea: replayed 52 captures (52 distinct snapshots) with parser {PARSER_VERSION}: 1 version",
        "no version changed; reports, index and feed rebuilt",
    ]


def test_a_tampered_raw_snapshot_stops_replay_before_any_write(
    archive: Archive, data_dir: Path
) -> None:
    sha = versions(archive)[0].provenance.raw_sha256
    path = archive.raw_path(TARGET, sha)
    path.write_bytes(
        gzip.compress(gzip.decompress(path.read_bytes()).replace(b"Korea", b"Corea", 1))
    )
    before = snapshot(data_dir)

    with pytest.raises(StoreError) as caught:
        replay_target(archive, TARGET)

    assert str(caught.value).startswith("cannot replay 'republic-of-korea', nothing was changed: ")
    assert "does not hash to its name (damaged)" in str(caught.value)
    assert snapshot(data_dir) == before
