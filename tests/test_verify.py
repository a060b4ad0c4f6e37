"""`verify` through the real CLI: a sound archive passes; tampering, deletions and broken
references are damage (exit 1); what an interrupted write leaves is a note (exit 0)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Site
from pages import edited, load_content, nato_page

from scraper.archive.findings import Severity
from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.core.document import canonical_json

TARGET = "republic-of-korea"
PATH = "/cps/en/natohq/topics_50098.htm"


@pytest.fixture
def archive(site: Site, run_cli: Callable[..., Result], data_dir: Path) -> Archive:
    """Three versions and an unchanged check whose bytes differ (a second raw for version 3)."""
    content = load_content()
    url = site.url(PATH)
    edits = [
        {},
        {
            "stamp": "18 Jul. 2024 09:15",
            "replace_text": {"steadfast in supporting": "unwavering in its support for"},
        },
        {"stamp": "20 Jul. 2024 14:02", "replace_text": {"Republic of Korea": "ROK"}},
    ]
    for edit in edits:
        content = edited(content, **edit)
        site.put(PATH, nato_page(content))
        assert run_cli("check", "--url", url, "--target", TARGET).exit_code == 0
    site.put(PATH, nato_page(content) + "\n<!-- served by another node -->\n")
    result = run_cli("check", "--url", url, "--target", TARGET, "--json")
    assert json.loads(result.stdout)["status"] == "unchanged"
    archive = Archive(data_dir)
    assert len(list(archive.iter_raw(TARGET))) == 4
    assert len(archive.version_ids(TARGET)) == 3
    return archive


def run_verify(run_cli: Callable[..., Result]) -> tuple[int, list[str]]:
    result = run_cli("verify")
    return result.exit_code, result.stdout.splitlines()


def test_a_sound_archive_passes_with_nothing_to_say(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    code, lines = run_verify(run_cli)

    assert code == 0
    assert lines == [
        "checked 1 target, 4 raw snapshots, 3 versions, 2 reports, 4 check-log lines: "
        "0 damage, 0 notes — OK"
    ]


def test_a_tampered_raw_blob_is_damage(archive: Archive, run_cli: Callable[..., Result]) -> None:
    sha = archive.read_version(TARGET, archive.version_ids(TARGET)[1]).provenance.raw_sha256
    path = archive.raw_path(TARGET, sha)
    body = gzip.decompress(path.read_bytes()).replace(b"unwavering", b"unswerving")
    path.write_bytes(gzip.compress(body))

    code, lines = run_verify(run_cli)

    assert code == 1
    assert lines[0].startswith(f"DAMAGE snapshots/{TARGET}/raw/{sha}.html.gz: content hashes to ")
    assert lines[-1].endswith("1 damage, 0 notes")


def test_a_raw_blob_that_is_not_gzip_is_damage(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    sha = next(archive.iter_raw(TARGET))
    path = archive.raw_path(TARGET, sha)
    path.write_bytes(path.read_bytes()[:100])  # cut short

    code, lines = run_verify(run_cli)

    assert code == 1
    assert f"DAMAGE snapshots/{TARGET}/raw/{sha}.html.gz: unreadable gzip" in lines[0]


def test_a_deleted_version_breaks_the_reports_that_name_it(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    ids = archive.version_ids(TARGET)
    archive.version_path(TARGET, ids[1]).unlink()

    code, lines = run_verify(run_cli)

    assert code == 1
    assert (
        f"DAMAGE reports/{TARGET}/{ids[1]}.json: its new version {ids[1]} does not exist" in lines
    )
    assert (
        f"DAMAGE reports/{TARGET}/{ids[2]}.json: its old version {ids[1]} does not exist" in lines
    )


def test_an_edited_version_document_is_damage(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    version_id = archive.version_ids(TARGET)[0]
    path = archive.version_path(TARGET, version_id)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["document"]["title"] = "Relations with Japan"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    code, lines = run_verify(run_cli)

    assert code == 1
    assert lines[0].startswith(
        f"DAMAGE snapshots/{TARGET}/versions/{version_id}.json: document hashes to "
    )
    assert "not to its recorded content_hash" in lines[0]


def test_a_renamed_version_file_is_damage(archive: Archive, run_cli: Callable[..., Result]) -> None:
    version_id = archive.version_ids(TARGET)[0]
    path = archive.version_path(TARGET, version_id)
    path.rename(path.with_name("2019-01-01T000000Z.json"))

    code, lines = run_verify(run_cli)

    assert code == 1
    assert (
        f"DAMAGE snapshots/{TARGET}/versions/2019-01-01T000000Z.json: records id '{version_id}', not its file name"
        in lines
    )


def test_a_version_whose_raw_blob_is_gone_is_damage(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    version_id = archive.version_ids(TARGET)[0]
    sha = archive.read_version(TARGET, version_id).provenance.raw_sha256
    archive.raw_path(TARGET, sha).unlink()

    code, lines = run_verify(run_cli)

    assert code == 1
    assert (
        f"DAMAGE snapshots/{TARGET}/versions/{version_id}.json: points at raw snapshot {sha[:16]}…, which is not stored"
        in lines
    )
    assert any(
        line.startswith(f"DAMAGE snapshots/{TARGET}/checks.jsonl: check at ") for line in lines
    )


def test_a_truncated_last_log_line_is_a_note(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    path = archive.checks_path(TARGET)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 80])  # the last line cut mid-way

    code, lines = run_verify(run_cli)

    assert code == 0
    assert lines[0] == (
        f"note snapshots/{TARGET}/checks.jsonl: last line 4 is torn (a write cut short); readers skip it"
    )
    assert lines[-1].endswith("0 damage, 1 note — OK")
    # and the next check appends after it, with the torn line staying a note
    assert len(list(archive.iter_checks(TARGET))) == 3


def test_foreign_text_in_the_log_is_damage(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    path = archive.checks_path(TARGET)
    lines_before = path.read_text().splitlines()
    lines_before.insert(1, '{"note": "added by hand"}')
    path.write_text("\n".join(lines_before) + "\n")

    code, lines = run_verify(run_cli)

    assert code == 1
    assert lines[0] == f"DAMAGE snapshots/{TARGET}/checks.jsonl: line 2 is not a check record"


def test_what_an_interrupted_write_leaves_is_a_note(
    archive: Archive, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    ids = archive.version_ids(TARGET)
    # a kill after the version was written, before its report and the site
    for fmt in ("md", "html", "json"):
        archive.site.report_path(TARGET, ids[2], fmt).unlink()
    (data_dir / "reports" / "feed.atom").unlink()
    (archive.target_dir(TARGET) / "versions" / f".{ids[2]}.json.x8k2.tmp").write_text('{"capt')

    code, lines = run_verify(run_cli)

    assert code == 0, lines
    assert lines[:-1] == [
        f"note snapshots/{TARGET}/versions/.{ids[2]}.json.x8k2.tmp: leftover temp file of an interrupted write; safe to delete",
        f"note reports/{TARGET}/{ids[2]}.json: the report leading to this version is missing (an interrupted check?); `nato-watch replay` writes it",
        "note reports/feed.atom: missing (an interrupted write?); the next check writes it",
    ]
    # replay writes what was missing, and (holding the lock, so no live writer has a temp
    # file) removes the temp file the killed writer left
    assert run_cli("replay").exit_code == 0
    code, lines = run_verify(run_cli)
    assert code == 0 and len(lines) == 1 and lines[0].endswith("0 notes — OK"), lines


def test_a_damaged_report_is_damage(archive: Archive, run_cli: Callable[..., Result]) -> None:
    ids = archive.version_ids(TARGET)
    archive.site.report_path(TARGET, ids[1], "json").write_text(
        '{"target": "republic-of-korea", "old"'
    )
    archive.site.report_path(TARGET, ids[2], "html").write_bytes(b"\xff\xfe broken")

    code, lines = run_verify(run_cli)

    assert code == 1
    assert lines[0].startswith(f"DAMAGE reports/{TARGET}/{ids[1]}.json: unreadable JSON report")
    assert lines[1].startswith(f"DAMAGE reports/{TARGET}/{ids[2]}.html: unreadable html report")


def test_a_report_filed_under_the_wrong_version_is_damage(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    ids = archive.version_ids(TARGET)
    report = archive.site.report_path(TARGET, ids[2], "json").read_text()
    archive.site.report_path(TARGET, ids[1], "json").write_text(report)

    code, lines = run_verify(run_cli)

    assert code == 1
    assert (
        f"DAMAGE reports/{TARGET}/{ids[1]}.json: is the report of version '{ids[2]}', not of {ids[1]}"
        in lines
    )


def test_a_broken_feed_is_damage(
    archive: Archive, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    feed = data_dir / "reports" / "feed.atom"
    feed.write_text(feed.read_text()[:-40])

    code, lines = run_verify(run_cli)

    assert code == 1
    assert lines[0].startswith("DAMAGE reports/feed.atom: unreadable")


def test_verify_never_repairs(
    archive: Archive, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    ids = archive.version_ids(TARGET)
    archive.version_path(TARGET, ids[1]).unlink()
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}

    run_verify(run_cli)
    result = verify(archive)

    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before
    assert {p.severity for p in result.problems} == {Severity.DAMAGE}
    assert not result.ok


def test_verify_of_a_missing_data_dir_is_an_error(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    result = run_cli("--data-dir", str(tmp_path / "nowhere"), "verify")

    assert result.exit_code == 1
    assert "no archive at" in result.stderr


# -- the check log's hash chain ----------------------------------------------------------------


def log_lines(archive: Archive) -> list[bytes]:
    return archive.checks_path(TARGET).read_bytes().splitlines()


def write_log(archive: Archive, lines: list[bytes]) -> None:
    archive.checks_path(TARGET).write_bytes(b"".join(line + b"\n" for line in lines))


def test_every_line_links_to_the_one_before_and_json_gives_the_head(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    lines = log_lines(archive)
    prevs = [json.loads(line)["prev"] for line in lines]
    assert prevs == [hashlib.sha256(b"").hexdigest()] + [
        hashlib.sha256(line).hexdigest() for line in lines[:-1]
    ]

    result = run_cli("verify", "--json")

    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["ok"] is True and out["problems"] == [] and out["damage"] == 0
    assert out["chains"] == [
        {
            "target": TARGET,
            "head": hashlib.sha256(lines[-1]).hexdigest(),
            "line": 4,
            "lines": 4,
            "legacy_lines": 0,
            "intact": True,
        }
    ]


def test_a_deleted_log_line_breaks_the_chain(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    lines = log_lines(archive)
    write_log(archive, lines[:1] + lines[2:])

    code, out = run_verify(run_cli)

    assert code == 1
    assert out[0] == (
        f"DAMAGE snapshots/{TARGET}/checks.jsonl: hash chain broken: line 2 does not follow "
        "line 1: its `prev` is not the sha256 of line 1 (line 1 edited, or lines removed "
        "between them)"
    )
    assert out[-1].endswith("1 damage, 0 notes")


def test_an_edited_log_line_breaks_the_chain_after_it(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    lines = log_lines(archive)
    record = json.loads(lines[1])
    record["ms"] += 1  # still a valid check record: only the chain can tell
    lines[1] = canonical_json(record).encode()
    write_log(archive, lines)

    code, out = run_verify(run_cli)

    assert code == 1
    assert out[0].startswith(
        f"DAMAGE snapshots/{TARGET}/checks.jsonl: hash chain broken: line 3 does not follow line 2"
    )
    assert "(line 2 edited" in out[0]

    result = run_cli("verify", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["chains"][0]["intact"] is False
    assert report["problems"][0]["severity"] == "damage"
    assert report["problems"][0]["path"] == f"snapshots/{TARGET}/checks.jsonl"


def test_swapped_log_lines_break_the_chain(
    archive: Archive, run_cli: Callable[..., Result]
) -> None:
    lines = log_lines(archive)
    write_log(archive, [lines[0], lines[2], lines[1], lines[3]])

    code, out = run_verify(run_cli)

    assert code == 1
    assert out[0] == (
        f"DAMAGE snapshots/{TARGET}/checks.jsonl: hash chain broken: line 2 links to line 3, "
        "not to line 1 before it (lines reordered) (and 2 more broken links after it)"
    )


def test_a_log_from_before_the_chain_verifies_and_the_next_check_continues_it(
    archive: Archive, run_cli: Callable[..., Result], site: Site
) -> None:
    old = []
    for line in log_lines(archive):
        record = json.loads(line)
        del record["prev"]
        old.append(canonical_json(record).encode())
    write_log(archive, old)

    code, out = run_verify(run_cli)

    assert code == 0
    assert out == [
        f"note snapshots/{TARGET}/checks.jsonl: written before the check log was hash-chained "
        "(no line has `prev`); the next check starts the chain after line 4",
        "checked 1 target, 4 raw snapshots, 3 versions, 2 reports, 4 check-log lines: "
        "0 damage, 1 note — OK",
    ]

    assert run_cli("check", "--url", site.url(PATH), "--target", TARGET).exit_code == 0
    lines = log_lines(archive)
    assert lines[:4] == old
    assert json.loads(lines[4])["prev"] == hashlib.sha256(old[3]).hexdigest()
    code, out = run_verify(run_cli)
    assert code == 0
    assert out[0] == (
        f"note snapshots/{TARGET}/checks.jsonl: lines 1–4 were written before the check log "
        "was hash-chained (no `prev`): the chain starts after line 4 and covers only that line "
        "of them"
    )
    # Editing a line the chain covers is still found.
    write_log(archive, [*old[:3], old[3].replace(b'"ms":', b'"ms": '), lines[4]])
    code, out = run_verify(run_cli)
    assert code == 1 and "line 5 does not follow line 4" in out[0]


def test_after_a_torn_last_line_the_chain_continues_from_the_last_whole_line(
    archive: Archive, run_cli: Callable[..., Result], site: Site
) -> None:
    path = archive.checks_path(TARGET)
    whole = log_lines(archive)
    path.write_bytes(path.read_bytes() + whole[-1][:50])  # a kill mid-append
    code, out = run_verify(run_cli)
    assert code == 0
    assert out[0] == (
        f"note snapshots/{TARGET}/checks.jsonl: last line 5 is torn (a write cut short); "
        "readers skip it"
    )

    assert run_cli("check", "--url", site.url(PATH), "--target", TARGET).exit_code == 0

    # The next append takes the torn record back and links to the last whole line.
    lines = log_lines(archive)
    assert lines[:4] == whole and len(lines) == 5
    assert json.loads(lines[4])["prev"] == hashlib.sha256(whole[-1]).hexdigest()
    code, out = run_verify(run_cli)
    assert code == 0 and out[-1].endswith("0 damage, 0 notes — OK"), out
