"""The suspect-page policy: `assess` (is a new document still the page?), the sightings in a
row the check log shows, and `judge`'s decision (keep, accept, hold)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pages import edited, load_content, nato_page

from scraper.core.document import Document, Section
from scraper.core.parse import parse
from scraper.core.records import CheckRecord, CheckStatus
from scraper.core.suspect import SuspectDecision, Verdict, assess, judge, times_held

CASES = Path(__file__).parent / "cases"
CANONICAL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
T0 = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)


def parse_case(name: str) -> Document:
    folder = CASES / name
    url_file = folder / "url.txt"
    url = url_file.read_text(encoding="utf-8").strip() if url_file.is_file() else CANONICAL
    return parse((folder / "page.html").read_text(encoding="utf-8"), url=url)


# --- assess: does the new document still look like the page? ---------------------------------


def test_assess_accepts_an_ordinary_edit_and_a_first_version() -> None:
    doc = parse_case("nato_2024")
    edited_doc = parse(
        nato_page(
            edited(load_content(), stamp="18 Jul. 2024 09:00", replace_text={"2005": "2006"})
        ),
        url=CANONICAL,
    )
    assert assess(None, doc) is None
    assert assess(doc, doc) is None
    assert assess(doc, edited_doc) is None


def test_assess_accepts_the_2016_to_2024_rewrite() -> None:
    assert assess(parse_case("nato_2016_opening"), parse_case("nato_2024")) is None


def test_assess_flags_a_lost_stamp() -> None:
    doc = parse_case("nato_2024")
    reason = assess(doc, parse(nato_page(edited(load_content(), stamp=None)), url=CANONICAL))
    assert reason is not None and "stamp is gone" in reason and "16 Jul. 2024 10:28" in reason
    # A page that never had a stamp is not suspect for lacking one.
    stampless = parse(nato_page(edited(load_content(), stamp=None)), url=CANONICAL)
    assert assess(stampless, stampless) is None


def test_assess_flags_a_new_title() -> None:
    doc = parse_case("nato_2024")
    other = parse(nato_page(edited(load_content(), title="Relations with Japan")), url=CANONICAL)
    reason = assess(doc, other)
    assert reason is not None and "'Relations with Japan'" in reason


def test_assess_flags_most_of_the_content_gone() -> None:
    doc = parse_case("nato_2024")
    soft_404 = Document(
        title=doc.title,
        last_updated=doc.last_updated,
        sections=(Section(id="lead", heading=None, level=1, blocks=doc.sections[0].blocks[:2]),),
    )
    reason = assess(doc, soft_404)
    assert reason is not None and reason.startswith("most of the content is gone")
    # Losing one section of four is an edit, not a suspect page.
    shorter = Document(title=doc.title, last_updated=doc.last_updated, sections=doc.sections[:3])
    assert assess(doc, shorter) is None


# --- the sightings in a row -------------------------------------------------------------------


def line(
    minutes: int,
    status: CheckStatus,
    *,
    content_hash: str | None = None,
    suspect: bool = False,
) -> CheckRecord:
    return CheckRecord(
        target="rok",
        started_at=T0 + timedelta(minutes=minutes),
        url=CANONICAL,
        status=status,
        duration_ms=1,
        content_hash=content_hash,
        suspect=suspect,
    )


def held(minutes: int, content_hash: str = "h1") -> CheckRecord:
    return line(minutes, CheckStatus.ERROR, content_hash=content_hash, suspect=True)


def test_times_held_counts_the_latest_sightings_of_the_same_document() -> None:
    assert times_held([], "h1") == 0
    assert times_held([held(0), held(1)], "h1") == 2
    # A good check, or another suspect document, starts the count again.
    assert times_held([held(0), line(1, CheckStatus.UNCHANGED), held(2)], "h1") == 1
    assert times_held([held(0), held(1, "h2")], "h1") == 0
    # Another failed check (a timeout between two sightings) neither counts nor resets.
    assert times_held([held(0), line(1, CheckStatus.ERROR), held(2)], "h1") == 2


# --- judge: keep, accept or hold ------------------------------------------------------------


def test_judge_keeps_a_page_that_is_not_suspect_without_reading_the_log() -> None:
    doc = parse_case("nato_2024")

    def unread() -> Iterator[CheckRecord]:
        raise AssertionError("the check log was read for a page that is not suspect")
        yield  # a generator, as `Archive.iter_checks` is: nothing is read until iterated

    decision = judge(doc, doc, checks=unread(), accept=False, needed=2)
    assert decision == SuspectDecision(Verdict.KEEP)
    assert not decision.held


def test_judge_holds_a_suspect_page_until_seen_the_needed_times() -> None:
    doc = parse_case("nato_2024")
    stub = parse(nato_page(edited(load_content(), title="Relations with Japan")), url=CANONICAL)
    first = judge(doc, stub, checks=[], accept=False, needed=2)
    assert first.verdict is Verdict.HELD and first.held
    assert (first.seen, first.needed) == (1, 2)
    assert first.reason is not None and "'Relations with Japan'" in first.reason
    again = judge(doc, stub, checks=[held(0, stub.content_hash)], accept=False, needed=2)
    assert again.verdict is Verdict.CONFIRMED and not again.held
    assert again.seen == 2
    accepted = judge(doc, stub, checks=[], accept=True, needed=3)
    assert accepted.verdict is Verdict.ACCEPTED and not accepted.held
