"""Tests of scraper.core.flags: every flag kind on hand-made edits of the real page, edits that must
raise nothing, the 2016 -> 2024 rewrite's top flags, ranking and caps, and the rules one by one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site
from diff_cases import PAGE_URL, document_from_content
from flag_cases import build_cases, check_flags_golden, report_flags, reworded
from french_pages import french_page, load_french
from pages import load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.diff import diff
from scraper.core.document import Block, BlockKind, Document, Section
from scraper.core.features import page_context
from scraper.core.flag_rules import block_flags
from scraper.core.flags import (
    BLOCK_FLAGS,
    REPORT_FLAGS,
    SIGNIFICANT_WEIGHT,
    Flag,
    FlagKind,
    is_significant,
    rank_flags,
)
from scraper.core.parse import parse
from scraper.core.records import Provenance, Version
from scraper.core.target import NotifyOn, Target
from scraper.core.watchlist import default_watchlist, resolve_watch
from scraper.core.words import builtin_words, parse_words
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.reports.json_report import render_json
from scraper.reports.model import Report, ReportSummary, VersionRef, build_report
from scraper.reports.site import render_feed, render_index
from scraper.run.notify import Delivery, Notifier, NotifySettings
from scraper.run.pipeline import check_target
from scraper.timespec import stamp_of

CASES = build_cases()
NAMES = sorted(CASES)


def raised(name: str) -> set[tuple[str, str | None, str | None]]:
    change = CASES[name].change()
    return {
        (flag.kind.value, flag.old, flag.new)
        for sec in change.sections
        for item in sec.blocks
        for flag in item.flags
    }


def flags_between(old: str, new: str, **kwargs: object) -> tuple[Flag, ...]:
    """The flags of one edited paragraph, on a page that holds only it."""
    watch = kwargs.pop("watch", default_watchlist())
    page = page_context(doc(old), doc(new), watch)  # type: ignore[arg-type]
    return block_flags(old, new, page=page, **kwargs)  # type: ignore[arg-type]


def doc(*texts: str) -> Document:
    blocks = tuple(Block(BlockKind.PARAGRAPH, text) for text in texts)
    return Document(
        "Relations with the Republic of Korea", None, (Section("lead", None, 1, blocks),)
    )


def kinds(flags: tuple[Flag, ...]) -> list[tuple[str, str | None, str | None]]:
    return [(f.kind.value, f.old, f.new) for f in flags]


# -- golden cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_edit_raises_exactly_its_flags(name: str) -> None:
    case = CASES[name]
    assert raised(name) == case.expect, case.why


@pytest.mark.parametrize("name", NAMES)
def test_golden_flags(name: str) -> None:
    check_flags_golden(name, report_flags(CASES[name].change()))


@pytest.mark.parametrize("name", NAMES)
def test_cases_are_what_the_parser_reads(name: str) -> None:
    # The flags are tested on documents built without HTML; the parser must read the same.
    case = CASES[name]
    for content in (case.old, case.new):
        assert parse(nato_page(content), url=PAGE_URL) == document_from_content(content)


@pytest.mark.parametrize("name", NAMES)
def test_an_edit_that_means_something_is_significant_and_noise_is_not(name: str) -> None:
    change = CASES[name].change()
    assert change.significant == bool(CASES[name].expect)
    if not CASES[name].expect:
        assert change.flags == () and change.flags_total == 0


def test_weights_follow_how_much_the_meaning_moved() -> None:
    def weight(name: str) -> int:
        (flag,) = CASES[name].change().flags
        return flag.weight

    # A reversed statement outranks a weaker commitment, which outranks a synonym-level shift.
    assert weight("negation-added") == 9
    assert weight("modality-weaker") == 7  # commitment -> possibility: two steps
    assert weight("modality-stronger") == 7
    assert weight("term-gone") == 8 > weight("term-fewer") == 5
    assert weight("actor-added") == 7 > weight("actor-named-here") == 5
    assert weight("date-month") == 7 and weight("number-amount") == 7
    assert weight("number-count") == 6 and weight("intensity-dropped") == 6


def test_flags_name_the_sentence_and_the_section() -> None:
    (flag,) = CASES["negation-added"].change().flags
    assert flag.section == "Introduction"
    assert flag.context is not None and "has not been steadfast" in flag.context
    assert flag.note == "negation added: the sentence may now say the opposite"
    (flag,) = CASES["modality-weaker"].change().flags
    assert flag.note == "weaker: a commitment became a possibility"


# -- the 2016 -> 2024 rewrite ----------------------------------------------------------------


def rewrite() -> tuple[Flag, ...]:
    old = document_from_content(load_content("2016-10-06_en_opening"))
    new = document_from_content(load_content())
    change = diff(old, new)
    assert len(change.flags) == REPORT_FLAGS < change.flags_total <= 40
    return change.flags


def test_rewrite_top_flags_are_the_new_framing_and_the_new_instruments() -> None:
    top = rewrite()
    said = {(f.kind, f.new) for f in top}
    assert (FlagKind.TERM, "Indo-Pacific") in said
    assert (FlagKind.TERM, "China") in said
    assert (FlagKind.PROGRAMME, "Individually Tailored Partnership Programme") in said
    mission = next(f for f in top if f.new == "Diplomatic Mission")
    assert mission.kind is FlagKind.PROGRAMME and "November 2022" in (mission.context or "")
    agreement = next(f for f in top if f.new and "airworthiness" in f.new)
    assert agreement.kind is FlagKind.PROGRAMME and "July 2024" in (agreement.context or "")
    # The strongest come first: the watched terms the page now names.
    assert top[0] == next(f for f in top if f.new == "Indo-Pacific")
    assert [f.kind for f in top[:5]] == [FlagKind.TERM] * 5


def test_rewrite_top_flags_are_not_a_flood_of_dates_and_numbers() -> None:
    top = rewrite()
    assert all(f.weight >= 7 for f in top)
    assert not [f for f in top if f.kind in (FlagKind.DATE, FlagKind.NUMBER)]
    assert len({(f.kind, f.old, f.new) for f in top}) == len(top)  # each said once


# -- ranking and caps ------------------------------------------------------------------------


def flag(kind: FlagKind, weight: int, new: str, section: str = "Introduction") -> Flag:
    return Flag(kind, weight, None, new, "note", None, section)


def test_rank_keeps_the_strongest_of_the_same_words_once_in_page_order() -> None:
    flags = [
        flag(FlagKind.DATE, 3, "July 2024"),
        flag(FlagKind.TERM, 5, "China", "Political dialogue"),
        flag(FlagKind.TERM, 8, "China", "Key areas"),
        flag(FlagKind.ACTOR, 7, "Japan"),
        flag(FlagKind.PROGRAMME, 7, "Diplomatic Mission"),
    ]
    top, total = rank_flags(flags)
    assert total == 4
    assert [(f.new, f.weight) for f in top] == [
        ("China", 8),
        ("Japan", 7),
        ("Diplomatic Mission", 7),
        ("July 2024", 3),
    ]
    assert top[0].section == "Key areas"


def test_rank_caps_the_list() -> None:
    flags = [flag(FlagKind.DATE, 3 + k % 5, f"{2000 + k}") for k in range(40)]
    top, total = rank_flags(flags, limit=REPORT_FLAGS)
    assert len(top) == REPORT_FLAGS and total == 40
    assert [f.weight for f in top] == sorted((f.weight for f in top), reverse=True)


def test_a_block_carries_at_most_its_strongest_flags() -> None:
    old = (
        "In July 2023, NATO will strongly support 3 projects with USD 5 million, and Japan "
        "must fully deepen its cooperation in 2021."
    )
    new = (
        "In June 2024, NATO may not support 4 projects with USD 6 million, and Australia "
        "could maintain its cooperation in 2022."
    )
    flags = flags_between(old, new)
    assert len(flags) == BLOCK_FLAGS
    assert flags[0].kind is FlagKind.NEGATION
    assert [f.weight for f in flags] == sorted((f.weight for f in flags), reverse=True)


def test_significance_threshold() -> None:
    assert is_significant([flag(FlagKind.DATE, SIGNIFICANT_WEIGHT, "2024")])
    assert not is_significant([flag(FlagKind.DATE, SIGNIFICANT_WEIGHT - 1, "2024")])
    assert not is_significant([])


def test_flag_json_round_trip_and_labels() -> None:
    shift = Flag(FlagKind.MODALITY, 7, "will", "may", "weaker", "NATO may act.", "Introduction")
    assert Flag.from_dict(shift.to_dict(with_section=True)) == shift
    assert "section" not in shift.to_dict()
    assert shift.label == "“will” → “may”"
    assert shift.headline == "modality: “will” → “may”"
    assert Flag(FlagKind.NEGATION, 9, None, "not", "n").label == "“not” added"
    assert Flag(FlagKind.ACTOR, 7, "Estonia", None, "n").label == "“Estonia” removed"


# -- the rules, one by one -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("NATO and  the Republic of Korea", "NATO and the\u00a0Republic of Korea"),
        ("The meeting was on 16 Jul. 2024.", "The meeting was on 16 July 2024."),
        ("It gave USD 319 million.", "It gave USD 319m."),
        ("It gave USD 319 million.", "It gave $319 million."),
        ("Over 1,500 troops served.", "Over 1500 troops served."),
        ("The four partners met.", "The 4 partners met."),
        (
            "The Science for Peace and Security (SPS) Programme",
            "The Science for Peace and Security Programme",
        ),
        ("They cooperate not only on cyber defence but also on space.", "They cooperate on space."),
        ("NATO’s defence centre", "NATO's defense center"),
        ("Russia, China and the DPRK", "the DPRK, Russia and China"),
        ("The People’s Republic of China (PRC) and North Korea", "China and the DPRK"),
    ],
)
def test_how_it_is_written_raises_nothing(old: str, new: str) -> None:
    assert flags_between(old, new) == ()


def test_may_the_month_is_a_date_and_may_the_verb_a_modal() -> None:
    assert kinds(flags_between("They met in May 2024.", "They met in June 2024.")) == [
        ("date", "May 2024", "June 2024")
    ]
    assert kinds(flags_between("Allies will decide.", "Allies may decide.")) == [
        ("modality", "will", "may")
    ]
    assert kinds(flags_between("May Allies decide?", "Can Allies decide?")) == [
        ("modality", "May", "Can")
    ]


def test_words_that_only_look_modal_or_negative_are_neither() -> None:
    assert flags_between("Allies showed resolve.", "Allies showed political will.") == ()
    assert flags_between("It covers cyber defence.", "It covers not only cyber defence.") == ()
    assert kinds(flags_between("Allies act.", "Allies will act.")) == [("modality", None, "will")]


def test_full_dates_and_ranges() -> None:
    assert kinds(flags_between("Signed on 16 July 2024.", "Signed on 17 July 2024.")) == [
        ("date", "16 July 2024", "17 July 2024")
    ]
    assert kinds(flags_between("It ran 2010–2013.", "It ran 2010–2014.")) == [
        ("date", "2010–2013", "2010–2014")
    ]


def test_numbers_inside_names_are_not_numbers() -> None:
    assert flags_between("It flies the F-35 and fights COVID-19.", "It flies the F-16.") == ()


def test_a_new_negative_sentence_weighs_less_than_a_reversed_one() -> None:
    reversed_ = flags_between("NATO supports the plan.", "NATO does not support the plan.")
    assert kinds(reversed_) == [("negation", None, "not")] and reversed_[0].weight == 9
    added = flags_between(
        "NATO supports the plan.", "NATO supports the plan. Some Allies have never joined it."
    )
    assert ("negation", None, "never") in kinds(added)
    assert next(f for f in added if f.kind is FlagKind.NEGATION).weight == 6


def test_ladders_read_inflected_forms() -> None:
    flags = flags_between(
        "Cooperation was deepened in 2023.", "Cooperation was maintained in 2023."
    )
    assert kinds(flags) == [("intensity", "deepened", "maintained")]
    assert flags[0].note.startswith("weaker engagement")
    assert kinds(flags_between("Allies noted the tests.", "Allies condemned the tests.")) == [
        ("intensity", "noted", "condemned")
    ]


def test_a_watched_actor_is_a_term_and_an_unwatched_one_an_actor() -> None:
    old, new = "Allies met Japan and China.", "Allies met Japan."
    assert kinds(flags_between(old, new)) == [("term", "China", None)]
    words = builtin_words()
    watch = resolve_watch(["Japan"], words)
    assert kinds(flags_between(old, new, watch=watch)) == [("actor", "China", None)]


def test_extended_word_lists_raise_flags_the_built_in_ones_do_not() -> None:
    old, new = "Allies give stalwart support.", "Allies give support."
    assert flags_between(old, new) == ()
    words = parse_words(
        {"intensity": {"stronger": ["stalwart"]}}, source="test", base=builtin_words()
    )
    watch = resolve_watch(words.default_watch, words)
    assert kinds(flags_between(old, new, watch=watch)) == [("intensity", "stalwart", None)]


def test_a_whole_new_block_flags_only_what_is_new_to_the_page() -> None:
    watch = default_watchlist()
    old = doc("Japan and NATO cooperate since 2005.")
    new = doc(
        "Japan and NATO cooperate since 2005.",
        "Japan and Mongolia signed a Framework Agreement in March 2025 worth USD 2 million.",
    )
    change = diff(old, new, watch=watch)
    (item,) = change.sections[0].blocks
    assert sorted(kinds(item.flags)) == [
        ("actor", None, "Mongolia"),
        ("date", None, "March 2025"),
        ("number", None, "USD 2 million"),
        ("programme", None, "Framework Agreement"),
    ]


def test_flags_are_deterministic() -> None:
    first = report_flags(CASES["section-about-china"].change())
    again = report_flags(CASES["section-about-china"].change())
    assert first == again


# -- check results and notifications ---------------------------------------------------------

PATH = "/cps/en/natohq/topics_50098.htm"
NEGATED = {"has been steadfast in supporting": "has not been steadfast in supporting"}
PUNCTUATED = {"rural development and governance": "rural development, and governance"}


def test_check_json_carries_the_report_s_flags(site: Site, run_cli: Callable[..., Result]) -> None:
    content = load_content()
    url = site.put(PATH, nato_page(content))

    def check() -> dict[str, object]:
        result = run_cli("check", "--url", url, "--target", "rok", "--json")
        assert result.exit_code == 0, result.stderr
        out: dict[str, object] = json.loads(result.stdout)
        return out

    first = check()
    assert first["status"] == "new" and first["flags"] == [] and first["significant"] is None
    site.put(PATH, nato_page(reworded(content, NEGATED)))
    negated = check()
    assert negated["status"] == "changed" and negated["significant"] is True
    (flag,) = negated["flags"]  # type: ignore[misc]
    assert flag["kind"] == "negation" and flag["new"] == "not" and flag["weight"] == 9
    assert flag["section"] == "Introduction" and "has not been steadfast" in flag["context"]
    site.put(PATH, nato_page(reworded(reworded(content, NEGATED), PUNCTUATED)))
    comma = check()
    assert comma["status"] == "changed" and comma["flags"] == [] and comma["significant"] is False


@pytest.mark.parametrize("notify_on", [NotifyOn.CHANGES, NotifyOn.SIGNIFICANT])
def test_notify_on_significant_tells_only_of_changes_that_matter(
    site: Site, data_dir: Path, clock: Clock, tmp_path: Path, notify_on: NotifyOn
) -> None:
    content = load_content()
    out = tmp_path / "told.jsonl"
    target = Target(
        "rok",
        site.put(PATH, nato_page(content)),
        command=f"cat >> {out}; echo >> {out}",
        notify_on=frozenset({notify_on}),
    )
    archive = Archive(data_dir)
    deliveries: list[Delivery] = []
    notifier = Notifier(NotifySettings(timeout=5), on_delivery=deliveries.append)
    queued = []
    try:
        with Fetcher(FetchSettings(retries=1, respect_robots=False)) as fetch:
            for words in ({}, PUNCTUATED, {**PUNCTUATED, **NEGATED}):
                site.put(PATH, nato_page(reworded(content, words)))
                clock.advance(hours=6)
                result = check_target(target, archive=archive, fetch=fetch, now=clock)
                queued.append(notifier.submit(target, result, archive=archive))
        assert notifier.drain(10)
    finally:
        notifier.close()
    told = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    if notify_on is NotifyOn.CHANGES:
        assert queued == [True, True, True] and len(told) == 3
    else:
        # The first version, and the "not": the serial comma is not worth a message.
        assert queued == [True, False, True] and len(told) == 2
    assert all(d.ok for d in deliveries)
    last = told[-1]
    assert last["significant"] is True and last["flags"][0]["kind"] == "negation"
    assert "Flags: negation: “not” added" in last["text"]


def test_index_and_feed_lead_with_the_strongest_flags() -> None:
    old, new = CASES["negation-added"].documents()
    at = datetime(2024, 7, 18, 12, 0, tzinfo=UTC)
    report = Report(
        "rok",
        VersionRef("2024-07-17T060000Z", at, at, old.last_updated),
        VersionRef("2024-07-18T120000Z", at, at, new.last_updated),
        diff(old, new),
    )
    summary = ReportSummary.from_json(render_json(report))
    assert summary.flags == report.change.flags and summary.significant
    index = render_index([summary])
    assert "Flags:</span> negation: “not” added<br/>" in index
    feed = render_feed([summary])
    assert '<summary type="text">Flags: negation: “not” added. NATO changed' in feed


# -- a page in another language ------------------------------------------------------------------

FR_URL = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"


def test_a_french_page_is_flagged_on_its_dates_and_numbers_read_in_french() -> None:
    # The real French openings of c. 2013-14 and August 2023. Read with the English word lists
    # the rewrite flags a bare "2010" and an "actor" and misses every French date; read as
    # French, it flags the dates it dropped and added, and nothing the word lists cannot read.
    old = parse(french_page(load_french("c2013-2014_fr_opening")), url=FR_URL)
    new = parse(french_page(load_french("2023-08-16_fr_opening")), url=FR_URL)
    as_english = {(f.kind.value, f.old, f.new) for f in diff(old, new).flags}
    as_french = {(f.kind.value, f.old, f.new) for f in diff(old, new, lang="fr").flags}
    assert ("date", None, "juillet 2023") in as_french
    assert ("date", None, "novembre 2022") in as_french
    assert ("date", "mai 2010", None) in as_french
    assert {kind for kind, _, _ in as_french} == {"date"}
    assert ("date", None, "juillet 2023") not in as_english


def test_a_french_target_s_report_reads_its_url_s_language() -> None:
    def version(name: str, at: datetime) -> Version:
        document = parse(french_page(load_french(name)), url=FR_URL)
        provenance = Provenance(
            url=FR_URL, final_url=FR_URL, status=200, fetched_at=at, raw_sha256="0" * 64,
            parser_version="4",
        )  # fmt: skip
        return Version("fr", stamp_of(at), at, document, provenance)

    old = version("c2013-2014_fr_opening", datetime(2014, 1, 15, tzinfo=UTC))
    new = version("2023-08-16_fr_opening", datetime(2023, 8, 18, tzinfo=UTC))
    kinds = {f.kind.value for f in build_report(old, new).change.flags}
    assert kinds == {"date"}
