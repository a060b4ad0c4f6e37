"""`check_target`, the one pass: real local HTTP, a real archive in tmp_path, a fixed clock."""

from __future__ import annotations

import gzip

import pytest
from conftest import Clock, Site
from pages import edited, load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.records import CheckStatus
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.run import pipeline
from scraper.run.pipeline import CheckOptions, check_target


def maintenance_page() -> str:
    """The real template, the real title, but no stamp and one line of text: a soft outage."""
    content = load_content()
    html = nato_page(edited(content, stamp=None))
    start = html.index('<div class="rich">') + len('<div class="rich">')
    end = html.index("</div>", start)
    return html[:start] + "<p>This page is being updated. Please come back later.</p>" + html[end:]


def test_new_then_unchanged_then_changed(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock
) -> None:
    content = load_content()
    target = Target("rok", site.put("/p.htm", nato_page(content)))

    first = check_target(target, archive=archive, fetch=fetcher, now=clock)
    clock.advance(hours=6)
    second = check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", nato_page(edited(content, replace_text={"2005": "2006"})))
    clock.advance(hours=6)
    third = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert [r.status for r in (first, second, third)] == [
        CheckStatus.NEW,
        CheckStatus.UNCHANGED,
        CheckStatus.CHANGED,
    ]
    assert first.version == "2024-07-16T083000Z"
    assert second.version == first.version
    assert third.version == "2024-07-16T203000Z"
    assert third.report == archive.site.report_path("rok", third.version, "md")
    assert archive.version_ids("rok") == [first.version, third.version]
    statuses = [r.status for r in archive.iter_checks("rok")]
    assert statuses == [CheckStatus.NEW, CheckStatus.UNCHANGED, CheckStatus.CHANGED]


def test_same_document_in_new_bytes_keeps_the_bytes_but_makes_no_version(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    # A new session id in every link: different bytes, same document.
    site.put("/p.htm", page_2024.replace("SID-268C77FB-5154DB95", "SID-4E37114D-E9973C8C"))
    clock.advance(minutes=5)

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert result.status is CheckStatus.UNCHANGED
    assert len(archive.version_ids("rok")) == 1
    raws = list(archive.iter_raw("rok"))
    assert len(raws) == 2
    assert result.record.raw_sha256 in raws
    stored = gzip.decompress(archive.raw_path("rok", result.record.raw_sha256).read_bytes())
    assert b"SID-4E37114D-E9973C8C" in stored


def test_the_bytes_of_the_latest_version_are_not_parsed_again(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    clock: Clock,
    page_2024: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    first = check_target(target, archive=archive, fetch=fetcher, now=clock)
    monkeypatch.setattr(pipeline, "_read", lambda result: pytest.fail("parsed again"))
    clock.advance(hours=6)

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert result.status is CheckStatus.UNCHANGED and result.version == first.version
    assert result.record.raw_sha256 == first.record.raw_sha256
    assert result.last_updated == first.last_updated


def test_the_latest_bytes_are_read_again_by_another_parser_version(
    site: Site,
    archive: Archive,
    fetcher: Fetcher,
    clock: Clock,
    page_2024: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    monkeypatch.setattr(pipeline, "PARSER_VERSION", "9999")  # a parser that may read it anew
    read = []
    real = pipeline._read
    monkeypatch.setattr(pipeline, "_read", lambda result: read.append(1) or real(result))
    clock.advance(hours=6)

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert read == [1] and result.status is CheckStatus.UNCHANGED


def test_conditional_get_uses_the_latest_validators(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock, page_2024: str
) -> None:
    url = site.put("/p.htm", page_2024, headers={"ETag": '"v1"'})
    target = Target("rok", url)
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", b"", status=304, headers={"ETag": '"v1"'})

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert site.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert result.status is CheckStatus.UNCHANGED
    assert result.record.not_modified
    assert len(archive.version_ids("rok")) == 1


def test_suspect_page_is_held_until_seen_again(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", maintenance_page())
    options = CheckOptions(suspect_confirmations=2)

    clock.advance(hours=1)
    held = check_target(target, archive=archive, fetch=fetcher, now=clock, options=options)
    assert held.status is CheckStatus.ERROR
    assert held.error and "suspect page held (1 of 2" in held.error
    assert held.record.suspect
    assert len(archive.version_ids("rok")) == 1
    assert len(list(archive.iter_raw("rok"))) == 1

    clock.advance(hours=1)
    confirmed = check_target(target, archive=archive, fetch=fetcher, now=clock, options=options)
    assert confirmed.status is CheckStatus.CHANGED
    assert confirmed.note and "after seeing it 2 times" in confirmed.note
    assert len(archive.version_ids("rok")) == 2


def test_accept_takes_a_suspect_page_at_once(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock, page_2024: str
) -> None:
    target = Target("rok", site.put("/p.htm", page_2024))
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", maintenance_page())
    clock.advance(hours=1)

    result = check_target(
        target,
        archive=archive,
        fetch=fetcher,
        now=clock,
        options=CheckOptions(accept=True, suspect_confirmations=3),
    )

    assert result.status is CheckStatus.CHANGED
    assert result.note and result.note.startswith("accepted a suspect page (--accept)")


def test_a_real_rewrite_is_not_suspect(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock
) -> None:
    target = Target("rok", site.put("/p.htm", nato_page(load_content("2016-10-06_en_opening"))))
    check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", nato_page(load_content()))
    clock.advance(days=30)

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert result.status is CheckStatus.CHANGED


def test_non_article_is_an_error_that_stores_nothing(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock
) -> None:
    shell = (
        "<!DOCTYPE html><html><head><title>NATO</title>"
        '<script src="/static/js/main.4f2a.js"></script></head>'
        '<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.'
        "</noscript></body></html>"
    )
    target = Target("rok", site.put("/p.htm", shell))

    result = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert result.status is CheckStatus.ERROR
    assert result.error and "no article content" in result.error
    assert result.record.body_size == len(shell.encode())
    assert result.record.raw_sha256 is not None
    assert list(archive.iter_raw("rok")) == []
    assert archive.version_ids("rok") == []


def test_two_versions_in_the_same_second_get_distinct_ids(
    site: Site, archive: Archive, fetcher: Fetcher, clock: Clock
) -> None:
    content = load_content()
    target = Target("rok", site.put("/p.htm", nato_page(content)))
    first = check_target(target, archive=archive, fetch=fetcher, now=clock)
    site.put("/p.htm", nato_page(edited(content, replace_text={"2005": "2004"})))
    clock.advance(microseconds=300_000)

    second = check_target(target, archive=archive, fetch=fetcher, now=clock)

    assert first.version == "2024-07-16T083000Z"
    assert second.version == "2024-07-16T083001Z"
    version = archive.read_version("rok", second.version)
    assert version.provenance.fetched_at == clock.now
