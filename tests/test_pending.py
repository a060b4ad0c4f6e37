"""A version whose check stopped before its check-log line (`archive.pending`), found from the
end of the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_store import TARGET, add

from scraper.archive.pending import unfinished_version
from scraper.archive.store import Archive
from scraper.core.records import CheckRecord, CheckStatus, Source

T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"


def line(archive: Archive, at: datetime, status: CheckStatus, **fields: object) -> None:
    archive.append_check(
        CheckRecord(target=TARGET, started_at=at, url=URL, status=status, duration_ms=5, **fields)  # type: ignore[arg-type]
    )


def test_a_version_without_its_line_is_unfinished(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    first = add(archive, "first", T0)
    line(archive, T0, CheckStatus.NEW, version=first)
    second = add(archive, "second", T0 + timedelta(days=1))
    found = unfinished_version(archive, TARGET)
    assert found is not None and found.id == second


def test_a_version_with_its_line_under_years_of_later_checks_is_finished(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version = add(archive, "first", T0)
    line(archive, T0, CheckStatus.NEW, version=version)
    for k in range(1, 300):
        line(archive, T0 + timedelta(hours=6 * k), CheckStatus.UNCHANGED, version=version)
    assert unfinished_version(archive, TARGET) is None


def test_failed_checks_after_it_say_nothing(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version = add(archive, "first", T0)
    for k in range(1, 20):
        line(archive, T0 + timedelta(hours=k), CheckStatus.ERROR, error="HTTP 503")
    found = unfinished_version(archive, TARGET)
    assert found is not None and found.id == version
    line(archive, T0, CheckStatus.NEW, version=version)  # the late line of the check after
    line(archive, T0 + timedelta(hours=30), CheckStatus.ERROR, error="HTTP 503")
    assert unfinished_version(archive, TARGET) is None


def test_a_check_that_started_after_it_and_did_not_fail_finished_it(tmp_path: Path) -> None:
    # That check began by finishing the version (or failed); its own line settles it.
    archive = Archive(tmp_path)
    version = add(archive, "first", T0)
    line(archive, T0 + timedelta(hours=6), CheckStatus.UNCHANGED, version=version)
    assert unfinished_version(archive, TARGET) is None


def test_an_imported_line_after_it_does_not_finish_it(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    version = add(archive, "first", T0)
    line(archive, T0 + timedelta(days=2), CheckStatus.NEW, source=Source.WAYBACK)
    found = unfinished_version(archive, TARGET)
    assert found is not None and found.id == version
