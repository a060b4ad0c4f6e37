"""Item 9: the weaker ones. Terminal control characters stored from page text never reach the
terminal; credentials in a target URL are never published or logged; a tampered latest version
stops a check instead of becoming a fake change; a torn line in the middle of the check log is
damage (a torn last line a note, and our own appends never leave one in the middle); leftover
temp files of dead writers are cleaned under the lock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import Result
from conftest import Clock, Site
from pages import edited, load_content, nato_page

from hostile.helpers import one_error_line
from scraper.archive.store import Archive
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Section
from scraper.core.records import CheckRecord, CheckStatus, Provenance
from scraper.reports.publish import rebuild_site, write_report
from scraper.run.notify import notification_for

TARGET = "rok"
CONTENT = load_content()
PAGE_A = nato_page(CONTENT)
PAGE_B = nato_page(edited(CONTENT, replace_text={"steadfast": "long-standing"}))
T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
CONTROLS = ("\x1b", "\x07", "\x9b", "\x08", "\x7f")
EVIL = "Relations \x1b]0;pwned\x07 with \x1b[2J the\x9b31m Republic\x08\x7f of Korea"


# -- control characters ----------------------------------------------------------------------


def evil_document(extra: str) -> Document:
    stamp = LastUpdated(text="16 Jul.\x1b[5m 2024", at=T0)
    block = Block(BlockKind.PARAGRAPH, f"{EVIL} {extra}")
    return Document(f"Title\x1b]0;x\x07 {extra}", stamp, (Section("lead", None, 1, (block,)),))


def add_version(archive: Archive, document: Document, at: datetime) -> object:
    sha = archive.put_raw(TARGET, f"<p>{at}</p>".encode())
    provenance = Provenance(
        url="https://www.nato.int/p", final_url="https://www.nato.int/p", status=200,
        fetched_at=at, raw_sha256=sha, parser_version="1",
    )  # fmt: skip
    version = archive.add_version(TARGET, document, provenance, captured_at=at)
    archive.append_check(
        CheckRecord(TARGET, at, "https://www.nato.int/p", CheckStatus.CHANGED, 1, raw_sha256=sha,
                    version=version.id, content_hash=version.content_hash)
    )  # fmt: skip
    return version


def test_stored_control_characters_never_reach_the_terminal(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    archive = Archive(data_dir)
    old = add_version(archive, evil_document("one"), T0)
    new = add_version(archive, evil_document("two"), T0 + timedelta(days=1))
    write_report(archive, old, new)  # type: ignore[arg-type]
    rebuild_site(archive, target=TARGET)
    outputs = []
    for args in (
        ["log"], ["log", "--json"], ["show", "latest"], ["show", "latest", "--format", "markdown"],
        ["show", "latest", "--format", "json"], ["diff", "latest~1", "latest"],
        ["diff", "latest~1", "latest", "--format", "json"],
        ["diff", "latest~1", "latest", "--format", "html"], ["terms"],
    ):  # fmt: skip
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append((args, result.stdout + result.stderr))
    assert any("pwned" in out for _, out in outputs)  # the text is shown, made harmless
    for args, out in outputs:
        for char in CONTROLS:
            assert char not in out, (args, repr(char))


# -- credentials in URLs ---------------------------------------------------------------------


def test_credentials_in_a_target_url_are_never_published_nor_logged(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    url = site.put("/page.htm", PAGE_A).replace("http://", "http://reader:s3cret@")
    clock = Clock(T0)
    first = run_cli("check", "--url", url, "--target", TARGET, "--json", now=clock)
    assert first.exit_code == 0, first.stderr
    site.put("/page.htm", PAGE_B)
    clock.advance(hours=6)
    second = run_cli("-v", "check", "--url", url, "--target", TARGET, "--json", now=clock)
    assert second.exit_code == 0, second.stderr
    missing = url.replace("/page.htm", "/gone.htm")
    clock.advance(hours=6)
    failed = run_cli("-v", "check", "--url", missing, "--target", TARGET, now=clock)
    assert "returned HTTP 404" in one_error_line(failed, 1)
    for result in (first, second, failed):
        assert "s3cret" not in result.stdout + result.stderr
    for path in (data_dir / "reports").rglob("*"):
        if path.is_file():
            assert "s3cret" not in path.read_text(encoding="utf-8"), path
    result = json.loads(second.stdout)
    archive = Archive(data_dir)
    record = next(r for r in archive.iter_checks(TARGET) if r.version == result["version"])
    from scraper.run.pipeline import CheckResult

    told = notification_for(
        CheckResult(TARGET, record.status, record.version, None, None, None, record),
        archive=archive,
    )
    assert told is not None
    said = told.text() + json.dumps(told.payload()) + json.dumps(told.environment())
    assert "s3cret" not in said


# -- a tampered latest version ----------------------------------------------------------------


def test_a_tampered_latest_version_stops_the_check_instead_of_a_fake_change(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    url = site.put("/page.htm", PAGE_A)
    clock = Clock(T0)
    assert run_cli("check", "--url", url, "--target", TARGET, now=clock).exit_code == 0
    archive = Archive(data_dir)
    path = archive.version_path(TARGET, archive.version_ids(TARGET)[-1])
    path.write_text(path.read_text().replace("steadfast", "wavering"))  # its hash left as it was
    clock.advance(hours=6)
    result = run_cli("check", "--url", url, "--target", TARGET, now=clock)
    line = one_error_line(result, 1)
    assert "damaged" in line and "verify" in line, line
    assert len(archive.version_ids(TARGET)) == 1
    assert list(archive.iter_checks(TARGET))[-1].status is CheckStatus.ERROR


# -- torn lines in the check log ---------------------------------------------------------------


def checked_twice(site: Site, run_cli: Callable[..., Result]) -> Clock:
    url = site.put("/page.htm", PAGE_A)
    clock = Clock(T0)
    for _ in range(2):
        assert run_cli("check", "--url", url, "--target", TARGET, now=clock).exit_code == 0
        clock.advance(hours=6)
    return clock


def test_a_torn_line_in_the_middle_of_the_check_log_is_damage(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    checked_twice(site, run_cli)
    path = Archive(data_dir).checks_path(TARGET)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0][:60] + b"\n" + lines[1])  # the first line cut, the second kept
    result = run_cli("verify")
    assert result.exit_code == 1, result.stdout
    assert "DAMAGE snapshots/rok/checks.jsonl: line 1 is torn" in result.stdout, result.stdout


def test_a_torn_last_line_is_a_note_and_the_next_append_takes_it_back(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    clock = checked_twice(site, run_cli)
    path = Archive(data_dir).checks_path(TARGET)
    with path.open("ab") as handle:
        handle.write(b'{"at":"2024-07-16T21:00:00Z","target":"ro')  # a kill mid-append
    noted = run_cli("verify")
    assert noted.exit_code == 0 and "last line 3 is torn" in noted.stdout, noted.stdout
    url = site.url("/page.htm")
    assert run_cli("check", "--url", url, "--target", TARGET, now=clock).exit_code == 0
    after = run_cli("verify")
    assert after.exit_code == 0 and "torn" not in after.stdout, after.stdout
    assert len(path.read_bytes().splitlines()) == 3


# -- temp files of dead writers ------------------------------------------------------------------


def test_temp_files_of_dead_writers_are_cleaned_at_the_next_write(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    clock = checked_twice(site, run_cli)
    archive = Archive(data_dir)
    leftovers = []
    for folder in (
        archive.target_dir(TARGET) / "versions", archive.target_dir(TARGET) / "raw",
        data_dir / "reports", data_dir / "reports" / TARGET / "pages",
    ):  # fmt: skip
        for n in range(3):
            leftover = folder / f".2024-07-16T083000Z.json.{n}abc.tmp"
            leftover.write_bytes(b"half a file")
            leftovers.append(leftover)
    noted = run_cli("verify")
    assert noted.stdout.count("leftover temp file") == len(leftovers), noted.stdout
    url = site.url("/page.htm")
    assert run_cli("check", "--url", url, "--target", TARGET, now=clock).exit_code == 0
    assert not [p for p in leftovers if p.exists()]
    assert "leftover" not in run_cli("verify").stdout


def test_a_webhook_failure_never_logs_the_webhook_secret(tmp_path: Path) -> None:
    import socket

    from hostile.helpers import RawServer, raw_server, read_request
    from scraper.core.records import CheckRecord as Record
    from scraper.run.notify import Notification, NotifySettings, send_webhook
    from scraper.run.pipeline import CheckResult

    def refuse(server: RawServer, conn: socket.socket) -> None:
        request = read_request(conn)
        path = request.split(b" ")[1]
        body = b"unknown token in " + path  # receivers do echo the path
        conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    record = Record(
        TARGET, T0, "https://www.nato.int/p", CheckStatus.NEW, 1, version="2024-07-16T083000Z"
    )
    told = Notification(
        CheckResult(TARGET, CheckStatus.NEW, record.version, None, None, None, record)
    )
    with raw_server(refuse) as server:
        url = server.url("/hooks/T0/tok3n").replace("http://", "http://bot:s3cret@")
        delivery = send_webhook(url, told, settings=NotifySettings(timeout=2, tries=1))
    assert not delivery.ok and "HTTP 500" in delivery.detail, delivery
    for secret in ("s3cret", "tok3n"):
        assert secret not in delivery.detail + delivery.destination, delivery
