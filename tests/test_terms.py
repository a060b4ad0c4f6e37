"""Tests of scraper.core.terms (word matching, watched terms, counts, term changes, history tables),
the shipped word lists, and the `terms` and `log --term` commands through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Site
from diff_cases import document_from_content
from flag_cases import reworded
from pages import load_content, nato_page

from scraper.archive.store import Archive
from scraper.core.document import Document
from scraper.core.records import Provenance, Source, Version
from scraper.core.terms import TermStatus, term_changes, term_table
from scraper.core.text import PhraseIndex, Spelling, readable_text, sentences
from scraper.core.watchlist import default_watchlist, resolve_watch
from scraper.core.words import DATA_FILES, GroupKind, builtin_words, parse_words

TARGET = "republic-of-korea"
T0 = datetime(2024, 7, 17, 6, 0, tzinfo=UTC)


def page_2024() -> Document:
    return document_from_content(load_content())


def page_2016() -> Document:
    return document_from_content(load_content("2016-10-06_en_opening"))


# -- words and phrases -----------------------------------------------------------------------


def test_spelling_folds_case_and_american_spelling() -> None:
    fold = Spelling(builtin_words().spelling).fold
    assert fold("Defense") == fold("defence") == "defence"
    assert fold("standardization") == fold("standardisation")
    assert fold("Organized") == "organised" and fold("analyze") == "analyse"
    assert fold("Center") == "centre" and fold("Program") == "programme"
    assert fold("size") == "size"  # too short for the -ize rule


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = (
        "It met in Washington, D.C., with the U.S. delegation. On 16 Jul. 2024 it ended. "
        "See e.g. the list. Done!"
    )
    assert sentences(text) == [
        "It met in Washington, D.C., with the U.S. delegation.",
        "On 16 Jul. 2024 it ended.",
        "See e.g. the list.",
        "Done!",
    ]


def find(index: PhraseIndex[str], text: str) -> list[tuple[str, str]]:
    watch = default_watchlist()
    found = index.find(watch.index(text))
    return [(text[m.start : m.end], "+".join(m.values)) for m in found]


def test_phrases_match_whole_words_longest_first() -> None:
    index: PhraseIndex[str] = PhraseIndex(Spelling(()))
    index.add("Republic of Korea", "ROK")
    index.add("Democratic People's Republic of Korea", "DPRK")
    index.add("Korea", "Korea")
    text = "The Democratic People’s Republic of Korea, the Republic of Korea and Korea; Koreans."
    assert find(index, text) == [
        ("Democratic People’s Republic of Korea", "DPRK"),
        ("Republic of Korea", "ROK"),
        ("Korea", "Korea"),
    ]


def test_capitals_only_match_capitals_and_hyphens_match_spaces() -> None:
    index: PhraseIndex[str] = PhraseIndex(Spelling(()))
    index.add("US", "US")
    index.add("U.S.", "US")
    index.add("Indo-Pacific", "IP")
    text = (
        "Let us ask the US and the U.S. about the Indo Pacific, the indo-pacific and Indo–Pacific."
    )
    assert find(index, text) == [
        ("US", "US"),
        ("U.S", "US"),
        ("Indo Pacific", "IP"),
        ("indo-pacific", "IP"),
        ("Indo–Pacific", "IP"),
    ]
    # Words of one phrase do not join across a sentence or a comma.
    assert find(index, "It is Indo. Pacific is it, or Indo, Pacific.") == []


def test_a_trailing_star_matches_any_ending() -> None:
    index: PhraseIndex[str] = PhraseIndex(Spelling(()))
    index.add("cyber*", "cyber")
    index.add("hybrid threat*", "hybrid")
    text = "cyber defence, cybersecurity, Cyberspace and hybrid threats; cyborgs."
    assert find(index, text) == [
        ("cyber", "cyber"),
        ("cybersecurity", "cyber"),
        ("Cyberspace", "cyber"),
        ("hybrid threats", "hybrid"),
    ]


# -- the shipped word lists ------------------------------------------------------------------


def test_every_data_file_is_valid_toml_in_the_words_schema() -> None:
    folder = resources.files("scraper.core") / "data"
    for name in DATA_FILES:
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        parse_words(data, source=name)  # raises on anything malformed


def test_no_variant_belongs_to_two_known_names() -> None:
    words = builtin_words()
    fold = Spelling(words.spelling).fold
    owner: dict[str, str] = {}
    for group in words.groups:
        for variant in group.variants:
            key = " ".join(fold(w) for w in variant.replace("’", "'").split())
            assert owner.setdefault(key, group.name) == group.name, (variant, group.name)


def test_the_lists_hold_the_allies_partners_and_the_page_s_names() -> None:
    words = builtin_words()
    actors = {g.name: g for g in words.actors}
    assert len([g for g in words.actors if g.kind is GroupKind.COUNTRY]) >= 60
    for name in ("United States", "Türkiye", "Japan", "Republic of Korea", "Ukraine", "China",
                 "DPRK", "Russia", "European Union", "United Nations"):  # fmt: skip
        assert name in actors
    assert {"PRC", "People's Republic of China"} <= set(actors["China"].variants)
    assert dict(words.modality)[1][:2] == ("may", "might")  # possibility, weakest
    assert "not" in words.negation and "not only" in words.not_negation


# -- watched terms ---------------------------------------------------------------------------


def test_default_watchlist_counts_the_2024_page_by_hand() -> None:
    # Counted by reading the page: "People’s Republic of China’s (PRC)" is one mention.
    assert default_watchlist().count_document(page_2024()) == {
        "China": 2,
        "Russia": 3,
        "DPRK": 1,
        "Ukraine": 4,
        "Indo-Pacific": 7,
    }


def test_the_republic_of_korea_is_not_counted_inside_the_dprk_s_name() -> None:
    page = page_2024()
    text = "\n".join(readable_text(block) for _, block in page.iter_blocks())
    expected = text.count("Republic of Korea") - text.count("Democratic People’s Republic of Korea")
    watch = resolve_watch(["ROK"], builtin_words())
    assert watch.count_document(page) == {"ROK": expected} and expected > 20


def test_resolve_watch_merges_variants_of_one_known_name() -> None:
    watch = resolve_watch(
        ["China", "PRC", "people's republic of china", "Arctic", "arctic"], builtin_words()
    )
    assert watch.names == ("China", "Arctic")
    assert watch.single("arctic").names == ("Arctic",)
    assert watch.single("North Korea").terms[0].group == "DPRK"


def test_term_changes_2016_to_2024_with_sentences() -> None:
    changes = {t.term: t for t in term_changes(page_2016(), page_2024(), default_watchlist())}
    assert {name: (t.old, t.new, t.status) for name, t in changes.items()} == {
        "China": (0, 2, TermStatus.APPEARED),
        "Russia": (0, 3, TermStatus.APPEARED),
        "DPRK": (0, 1, TermStatus.APPEARED),
        "Ukraine": (0, 4, TermStatus.APPEARED),
        "Indo-Pacific": (0, 7, TermStatus.APPEARED),
    }
    assert changes["Indo-Pacific"].added[0] == (
        "They also cooperate as part of NATO’s broader relations with its partners in the "
        "Indo-Pacific region."
    )
    # Seven mentions, each in a sentence of its own.
    assert len(changes["Indo-Pacific"].added) == 7 and changes["Indo-Pacific"].removed == ()
    back = {t.term: t for t in term_changes(page_2024(), page_2016(), default_watchlist())}
    assert back["China"].status is TermStatus.DISAPPEARED and back["China"].removed


def test_term_changes_say_more_and_fewer_and_leave_unchanged_alone() -> None:
    old = page_2024()
    new = document_from_content(
        reworded(
            load_content(),
            {
                "The Indo-Pacific is important": "The region is important",
                "the PRC and Russia": "the PRC and the Russian Federation",
            },
        )
    )
    changes = {t.term: t for t in term_changes(old, new, default_watchlist())}
    assert changes["Indo-Pacific"].status is TermStatus.FEWER
    assert changes["Indo-Pacific"].removed and not changes["Indo-Pacific"].added
    # "Russia" -> "Russian Federation": one name, same count, no sentences listed.
    assert changes["Russia"].status is TermStatus.UNCHANGED and not changes["Russia"].added
    more = {t.term: t for t in term_changes(new, old, default_watchlist())}
    assert more["Indo-Pacific"].status is TermStatus.MORE


# -- term counts over a history ---------------------------------------------------------------


def provenance(at: datetime) -> Provenance:
    return Provenance(
        url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        final_url="https://www.nato.int/cps/en/natohq/topics_50098.htm",
        status=200,
        fetched_at=at,
        raw_sha256="0" * 64,
        parser_version="test",
        source=Source.LIVE,
    )


def history() -> list[tuple[Document, datetime]]:
    """The 2016 opening, the 2024 page, then the Indo-Pacific dropped from one sentence."""
    fewer = reworded(load_content(), {"The Indo-Pacific is important": "The region is important"})
    return [
        (page_2016(), datetime(2016, 10, 7, 8, 15, tzinfo=UTC)),
        (page_2024(), T0),
        (document_from_content(fewer), T0 + timedelta(days=2)),
    ]


def versions() -> list[Version]:
    return [
        Version(TARGET, at.strftime("%Y-%m-%dT%H%M%SZ"), at, document, provenance(at))
        for document, at in history()
    ]


def test_term_table_rows_steps_text_and_csv() -> None:
    table = term_table(versions(), default_watchlist())
    assert table.terms == ("China", "Russia", "DPRK", "Ukraine", "Indo-Pacific")
    assert [row.counts for row in table.rows] == [(0, 0, 0, 0, 0), (2, 3, 1, 4, 7), (2, 3, 1, 4, 6)]
    steps = table.steps("Indo-Pacific")
    assert [(s.version, s.before, s.after, s.status) for s in steps] == [
        ("2024-07-17T060000Z", 0, 7, TermStatus.APPEARED),
        ("2024-07-19T060000Z", 7, 6, TermStatus.FEWER),
    ]
    text = table.to_text().splitlines()
    assert text[0].split() == [
        "version",
        "last",
        "updated",
        "China",
        "Russia",
        "DPRK",
        "Ukraine",
        "Indo-Pacific",
    ]
    assert text[2].split()[-5:] == ["2", "3", "1", "4", "7"]
    assert text[2].startswith("2024-07-17T060000Z  16 Jul. 2024 10:28")
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert rows[0] == [
        "version",
        "captured_at",
        "last_updated",
        "China",
        "Russia",
        "DPRK",
        "Ukraine",
        "Indo-Pacific",
    ]
    assert rows[1] == [
        "2016-10-07T081500Z",
        "2016-10-07T08:15:00Z",
        "2016-10-06T17:16:00+02:00",
        "0",
        "0",
        "0",
        "0",
        "0",
    ]


def test_a_term_named_in_the_first_version_starts_there() -> None:
    table = term_table(versions()[1:], default_watchlist())
    (first,) = table.steps("China")
    assert (first.before, first.after, first.status) == (None, 2, TermStatus.APPEARED)
    assert first.to_dict()["before"] is None and first.to_dict()["id"] == "2024-07-17T060000Z"


# -- the commands ----------------------------------------------------------------------------


@pytest.fixture
def archive_with_history(data_dir: Path) -> Archive:
    archive = Archive(data_dir)
    for document, at in history():
        archive.add_version(TARGET, document, provenance(at), captured_at=at)
    return archive


def test_terms_command_prints_the_table(
    archive_with_history: Archive, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("terms")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[-5:] == ["China", "Russia", "DPRK", "Ukraine", "Indo-Pacific"]
    assert [line.split()[-1] for line in lines[1:]] == ["0", "7", "6"]
    result = run_cli("terms", "--target", TARGET, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["Indo-Pacific"] for row in rows] == ["0", "7", "6"]
    assert [row["version"] for row in rows] == [
        "2016-10-07T081500Z",
        "2024-07-17T060000Z",
        "2024-07-19T060000Z",
    ]


def test_terms_command_uses_the_target_s_watch_list(
    archive_with_history: Archive, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{TARGET}"\nurl = "https://www.nato.int/cps/en/natohq/topics_50098.htm"\n'
        'watch = ["North Korea", "Afghanistan", ["flagship projects", "flagship project"]]\n',
        encoding="utf-8",
    )
    result = run_cli("terms", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["North Korea"], r["Afghanistan"], r["flagship projects"]) for r in rows] == [
        ("0", "2", "0"),  # "Stabilising Afghanistan", "efforts in Afghanistan"
        ("1", "2", "1"),  # "… Force in Afghanistan", "Afghan National Army"
        ("1", "2", "1"),
    ]


def test_log_term_lists_the_versions_where_the_count_changed(
    archive_with_history: Archive, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("log", "--term", "indo-pacific")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-07-17T060000Z  16 Jul. 2024 10:28   Indo-Pacific: 0 → 7 (appeared)",
        "2024-07-19T060000Z  18 Jul. 2024 09:00   Indo-Pacific: 7 → 6 (fewer)",
    ]
    result = run_cli("log", "--term", "PRC", "--json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row == {
        "id": "2024-07-17T060000Z",
        "captured_at": "2024-07-17T06:00:00Z",
        "last_updated": "2024-07-16T10:28:00+02:00",
        "last_updated_text": "16 Jul. 2024 10:28",
        "term": "PRC",
        "before": 0,
        "after": 2,
        "status": "appeared",
    }


def test_log_term_for_a_term_never_named(
    archive_with_history: Archive, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("log", "--term", "Arctic")
    assert result.exit_code == 0 and result.stdout == f"{TARGET}: no version names 'Arctic'\n"
    result = run_cli("log", "--term", "  ")
    assert result.exit_code != 0 and "--term needs a word" in result.stderr


def test_terms_command_on_an_empty_archive_fails_with_one_line(
    run_cli: Callable[..., Result],
) -> None:
    result = run_cli("terms")
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1 and "run `nato-watch check` first" in result.stderr


def test_reports_replayed_and_diffed_count_the_configured_terms(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    content = load_content()
    url = site.put("/p.htm", nato_page(content))
    assert run_cli("check", "--url", url, "--target", TARGET).exit_code == 0
    site.put(
        "/p.htm",
        nato_page(
            reworded(content, {"cyber defence exercise": "cyber defence and Arctic exercise"})
        ),
    )
    assert run_cli("check", "--url", url, "--target", TARGET).exit_code == 0
    (report,) = (data_dir / "reports" / TARGET).glob("*.json")
    assert set(json.loads(report.read_text())["terms"]) == {
        "China",
        "Russia",
        "DPRK",
        "Ukraine",
        "Indo-Pacific",
    }
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{TARGET}"\nurl = "{url}"\nwatch = ["Arctic", "cyber*"]\n',
        encoding="utf-8",
    )
    result = run_cli("replay")
    assert result.exit_code == 0, result.stderr
    terms = json.loads(report.read_text())["terms"]
    assert {name: (t["old"], t["new"]) for name, t in terms.items()} == {
        "Arctic": (0, 1),
        "cyber*": (7, 7),
    }
    result = run_cli("diff", "latest~1", "latest", "--format", "json")
    assert result.exit_code == 0, result.stderr
    diffed = json.loads(result.stdout)
    assert diffed["terms"] == terms
    assert diffed["flags"][0]["kind"] == "term" and diffed["flags"][0]["new"] == "Arctic"
