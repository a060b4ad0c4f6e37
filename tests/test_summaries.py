"""The site's summary index (`reports/<target>/summary.jsonl`): what a check appends is what
the evidence gives, a check reads it instead of every report, and `verify` knows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Clock, Site
from pages import edited, load_content, nato_page
from test_site import EDITS, PATH, TARGET, make_history

from scraper.archive.findings import Severity
from scraper.archive.site_store import SiteStore
from scraper.archive.store import Archive
from scraper.archive.verify import verify
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.reports import summaries
from scraper.reports.model import SITE_FLAGS, ReportSummary
from scraper.run.pipeline import check_target


@pytest.fixture
def built(site: Site, clock: Clock, data_dir: Path) -> tuple[Archive, list[str]]:
    archive = Archive(data_dir)
    return archive, make_history(archive, site, clock)


def index_bytes(archive: Archive) -> bytes:
    data = archive.site.read_summary_index(TARGET)
    assert data is not None
    return data


def check_once_more(archive: Archive, site: Site, clock: Clock, words: str) -> None:
    content = edited(load_content(), stamp="02 Aug. 2024 10:00", replace_text={"Korea": words})
    site.put(PATH, nato_page(content))
    with Fetcher(FetchSettings(retries=1)) as fetcher:
        result = check_target(
            Target(TARGET, site.url(PATH)), archive=archive, fetch=fetcher, now=clock
        )
    assert result.ok, result.error


def test_the_lines_checks_append_are_what_the_evidence_gives(
    built: tuple[Archive, list[str]],
) -> None:
    archive, ids = built
    appended = index_bytes(archive)
    assert [json.loads(line)["id"] for line in appended.splitlines()] == ids
    assert appended == b"".join(e.line() for e in summaries.from_evidence(archive, TARGET))


def test_an_entry_says_what_the_report_says(built: tuple[Archive, list[str]]) -> None:
    archive, ids = built
    entries = summaries.load(archive, TARGET)
    assert entries is not None and entries[0].summary is None
    for entry in entries[1:]:
        stored = ReportSummary.from_json(archive.site.read_report(TARGET, entry.id, "json"))
        assert entry.summary is not None
        assert entry.summary.line == stored.line and entry.summary.old_id == stored.old_id
        assert [f.headline for f in entry.summary.flags] == [
            f.headline for f in stored.flags[:SITE_FLAGS]
        ]
        assert entry.summary.significant == stored.significant
    assert [e.id for e in entries] == ids and len(EDITS) == len(entries)


def test_a_check_reads_no_report_of_the_history(
    built: tuple[Archive, list[str]], site: Site, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, _ = built
    read = []
    real = SiteStore.read_report
    monkeypatch.setattr(SiteStore, "read_report", lambda self, *a: read.append(a) or real(self, *a))
    check_once_more(archive, site, clock, "ROK")
    assert read == []
    assert index_bytes(archive) == b"".join(
        e.line() for e in summaries.from_evidence(archive, TARGET)
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-7], id="torn last line"),
        pytest.param(lambda data: b"".join(data.splitlines(keepends=True)[:-2]), id="behind"),
        pytest.param(lambda data: b"", id="emptied"),
        pytest.param(lambda data: b"{not json\n" + data, id="unreadable"),
        pytest.param(None, id="missing"),
    ],
)
def test_an_index_out_of_step_is_rebuilt_by_the_next_check(
    built: tuple[Archive, list[str]], site: Site, clock: Clock, damage: object
) -> None:
    archive, _ = built
    path = archive.site.summary_index_path(TARGET)
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    check_once_more(archive, site, clock, "ROK")
    assert index_bytes(archive) == b"".join(
        e.line() for e in summaries.from_evidence(archive, TARGET)
    )
    assert verify(archive).problems == ()


def test_verify_compares_the_index_with_the_versions_and_reports(
    built: tuple[Archive, list[str]],
) -> None:
    archive, ids = built
    path = archive.site.summary_index_path(TARGET)
    rel = f"reports/{TARGET}/summary.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)

    line = json.loads(lines[2])
    line["report"]["summary_line"] = "nothing to see"
    path.write_bytes(b"".join([*lines[:2], (json.dumps(line) + "\n").encode(), *lines[3:]]))
    problems = {(p.severity, str(p.path)): p.message for p in verify(archive).problems}
    assert problems == {
        (Severity.NOTE, rel): f"line 3 (version {ids[2]}) is out of step with its report; "
        "`nato-watch replay` rewrites it"
    }

    path.write_bytes(b"".join(lines[:3] + lines[4:]))
    messages = [p.message for p in verify(archive).problems]
    assert messages == [f"does not list version {ids[3]}; `nato-watch replay` rewrites it"]

    gone = json.loads(lines[-1])
    gone["id"] = "2030-01-01T000000Z"
    path.write_bytes(b"".join([*lines, (json.dumps(gone) + "\n").encode()]))
    (found,) = verify(archive).problems
    assert found.severity is Severity.DAMAGE
    assert found.message == "line 6 names version 2030-01-01T000000Z, which does not exist"

    path.write_bytes(b"".join(lines)[:-3])
    (found,) = verify(archive).problems
    assert found.severity is Severity.NOTE and found.message.startswith("its last line is torn")

    path.unlink()
    (found,) = verify(archive).problems
    assert found.severity is Severity.NOTE and found.message.startswith("missing")
