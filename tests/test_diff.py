"""Tests of scraper.core.diff: structure matching, word diffs, stamp classification, summary lines.

Golden cases (tests/diff_cases/) are built from the real page text; the expected JSON report
of each is asserted exactly. Regenerate with NATO_WATCH_REGEN=1 and review the diff.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime

import pytest
from diff_cases import (
    BRUSSELS,
    PAGE_URL,
    build_cases,
    case_dir,
    case_documents,
    case_report,
    document_from_content,
)
from golden import check_golden
from pages import load_content, nato_page

from scraper.core.change import (
    BlockChange,
    BlockStatus,
    Change,
    DiffPart,
    Op,
    SectionStatus,
    StampStatus,
    block_text,
)
from scraper.core.diff import classify_stamp, diff
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link, Section
from scraper.core.parse import parse
from scraper.core.worddiff import diff_new_text, diff_old_text, tokenize, word_diff
from scraper.reports.json_report import render_json
from scraper.reports.words import summary_line

CASES = build_cases()
NAMES = sorted(CASES)


def stamp(text: str) -> LastUpdated:
    return LastUpdated(
        text, datetime.strptime(text.replace(".", ""), "%d %b %Y %H:%M").replace(tzinfo=BRUSSELS)
    )


def case_change(name: str) -> Change:
    old, new = case_documents(CASES[name])
    return diff(old, new)


def all_blocks(change: Change) -> list[BlockChange]:
    return [item for sec in change.sections for item in sec.items]


def assert_invariant(item: BlockChange) -> None:
    """The 0 and -1 parts give the old text; the 0 and 1 parts give the new text."""
    assert diff_old_text(item.diff) == (item.old_text or "")
    assert diff_new_text(item.diff) == (item.new_text or "")
    assert all(part.text for part in item.diff), "no empty parts"


# -- golden cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_golden_json_report(name: str) -> None:
    report = case_report(CASES[name])
    check_golden(case_dir(name) / "expected.json", render_json(report))


@pytest.mark.parametrize("name", NAMES)
def test_stored_documents_match_their_definitions(name: str) -> None:
    case = CASES[name]
    old, new = case_documents(case)
    assert old == document_from_content(case.old)
    assert new == document_from_content(case.new)


@pytest.mark.parametrize("name", NAMES)
def test_case_documents_are_what_the_parser_reads(name: str) -> None:
    # The cases are built without HTML so they do not move with the parser; this keeps them
    # honest: the real parser reads the same documents from the fixture pages.
    case = CASES[name]
    for content in (case.old, case.new):
        assert parse(nato_page(content), url=PAGE_URL) == document_from_content(content)


@pytest.mark.parametrize("name", NAMES)
def test_dmp_invariant_on_every_block_of_every_case(name: str) -> None:
    change = case_change(name)
    items = all_blocks(change)
    for item in items:
        assert_invariant(item)
    if change.title_changed:
        assert diff_old_text(change.title_diff) == change.old_title
        assert diff_new_text(change.title_diff) == change.new_title


@pytest.mark.parametrize("name", NAMES)
def test_every_content_change_is_reported(name: str) -> None:
    change = case_change(name)
    old, new = case_documents(CASES[name])
    assert change.content_changed == (old.title != new.title or old.sections != new.sections)
    if change.content_changed:
        assert change.sections or change.title_changed
    # The summary counts are the listed changes, blocks of added/removed sections included.
    statuses = [item.status for sec in change.sections for item in sec.blocks]
    assert change.summary.blocks_changed == statuses.count(BlockStatus.CHANGED)
    assert change.summary.blocks_added == statuses.count(BlockStatus.ADDED)
    assert change.summary.blocks_removed == statuses.count(BlockStatus.REMOVED)
    assert change.summary.blocks_moved == statuses.count(BlockStatus.MOVED)


@pytest.mark.parametrize("name", NAMES)
def test_diff_is_deterministic(name: str) -> None:
    first = render_json(case_report(CASES[name]))
    second = render_json(case_report(CASES[name]))
    assert first == second


def test_one_word_changed_in_a_bullet() -> None:
    change = case_change("one-word")
    assert change.stamp is StampStatus.CHANGED
    assert not change.silent_edit and not change.restamp
    (sec,) = change.sections
    assert sec.status is SectionStatus.CHANGED and sec.id == "lead"
    (item,) = sec.blocks
    assert item.status is BlockStatus.CHANGED and item.kind is BlockKind.BULLET
    edits = [(p.op, p.text) for p in item.diff if p.op is not Op.EQUAL]
    assert edits == [(Op.DELETE, "steadfast "), (Op.INSERT, "unwavering ")]
    assert summary_line(change) == (
        "Introduction: 1 block changed; stamp 16 Jul. 2024 10:28 → 18 Jul. 2024 09:00"
    )


def test_bullet_added() -> None:
    change = case_change("bullet-added")
    (sec,) = change.sections
    assert sec.heading == "Political dialogue"
    (item,) = sec.blocks
    assert item.status is BlockStatus.ADDED and item.old is None
    assert item.new_index == 3
    assert [p.op for p in item.diff] == [Op.INSERT]
    # Shown in place: after the third unchanged bullet, before the fourth.
    assert [i.status for i in sec.items] == [BlockStatus.UNCHANGED] * 3 + [
        BlockStatus.ADDED,
        BlockStatus.UNCHANGED,
    ]


def test_bullet_removed_is_shown_where_it_was() -> None:
    change = case_change("bullet-removed")
    (sec,) = change.sections
    (item,) = sec.blocks
    assert item.status is BlockStatus.REMOVED and item.new is None
    assert item.old_text is not None and item.old_text.startswith("In November 2022")
    position = [i.status for i in sec.items].index(BlockStatus.REMOVED)
    assert sec.items[position - 1].new is not None
    assert sec.items[position - 1].new.text.startswith("From 2012")  # type: ignore[union-attr]
    assert change.summary.blocks_removed == 1 and change.summary.blocks_added == 0


def test_bullet_moved_across_sections_is_one_move() -> None:
    change = case_change("bullet-moved")
    s = change.summary
    assert (s.blocks_moved, s.blocks_added, s.blocks_removed) == (1, 0, 0)
    (sec,) = change.sections
    assert sec.heading == "Political dialogue"
    (item,) = sec.blocks
    assert item.status is BlockStatus.MOVED
    assert item.moved_from == "Introduction" and item.old_section == "lead"
    assert [p.op for p in item.diff] == [Op.EQUAL]


def test_two_bullets_swapped_is_one_move_within_the_section() -> None:
    change = case_change("bullets-swapped")
    s = change.summary
    assert (s.blocks_moved, s.blocks_added, s.blocks_removed, s.blocks_changed) == (1, 0, 0, 0)
    (item,) = change.sections[0].blocks
    assert item.moved_from is None  # within its own section
    assert (item.old_index, item.new_index) == (1, 0)


def test_heading_renamed_is_a_rename_not_remove_and_add() -> None:
    change = case_change("heading-renamed")
    (sec,) = change.sections
    assert sec.status is SectionStatus.RENAMED
    assert (sec.old_heading, sec.heading) == (
        "Key areas of cooperation",
        "Areas of practical cooperation",
    )
    assert sec.blocks == ()
    assert change.summary.sections_changed == 1
    assert change.summary.sections_added == change.summary.sections_removed == 0


def test_section_added_counts_its_blocks() -> None:
    change = case_change("section-added")
    (sec,) = change.sections
    assert sec.status is SectionStatus.ADDED and sec.old_heading is None
    assert change.summary.sections_added == 1 and change.summary.blocks_added == 2
    assert [i.label for i in sec.blocks] == [None, "Flagship projects"]


def test_paragraph_split_in_two_is_an_edit_and_an_addition() -> None:
    change = case_change("paragraph-split")
    (sec,) = change.sections
    statuses = sorted(i.status.value for i in sec.blocks)
    assert statuses == ["added", "changed"]
    (changed,) = [i for i in sec.blocks if i.status is BlockStatus.CHANGED]
    (added,) = [i for i in sec.blocks if i.status is BlockStatus.ADDED]
    deleted = "".join(p.text for p in changed.diff if p.op is Op.DELETE).strip()
    # What left the paragraph is exactly the new paragraph: the split is visible.
    assert deleted == added.new_text
    assert not [p for p in changed.diff if p.op is Op.INSERT]


def test_label_change_shows_in_the_diff() -> None:
    change = case_change("label-changed")
    (item,) = change.sections[0].blocks
    assert item.label == "Cyber security"
    assert item.old is not None and item.old.label == "Cyber defence"
    edits = [(p.op, p.text) for p in item.diff if p.op is not Op.EQUAL]
    assert edits == [(Op.DELETE, "defence"), (Op.INSERT, "security")]
    assert item.new_text is not None and item.new_text.startswith("Cyber security: Since 2021")


def test_restamp_only() -> None:
    change = case_change("restamp")
    assert change.restamp and not change.silent_edit and not change.content_changed
    assert change.stamp is StampStatus.CHANGED
    assert change.sections == () and change.summary.total == 0
    assert not change.is_empty
    assert summary_line(change) == (
        "restamp: stamp 16 Jul. 2024 10:28 → 18 Jul. 2024 09:00; wording unchanged"
    )


def test_silent_edit() -> None:
    change = case_change("silent-edit")
    assert change.silent_edit and not change.restamp
    assert change.stamp is StampStatus.UNCHANGED
    assert summary_line(change) == "silent edit: 2 blocks changed in Key areas of cooperation"


def test_stamp_backwards() -> None:
    change = case_change("stamp-backwards")
    assert change.stamp is StampStatus.BACKWARDS
    assert not change.silent_edit and not change.restamp
    assert "stamp went backwards 18 Jul. 2024 09:00 → 16 Jul. 2024 10:28" in summary_line(change)


def test_stamp_missing_with_an_edit_is_a_silent_edit() -> None:
    change = case_change("stamp-missing")
    assert change.stamp is StampStatus.MISSING and change.new_stamp is None
    assert change.silent_edit
    assert summary_line(change) == (
        "silent edit: 1 block changed in Support for NATO-led operations and missions; "
        "stamp removed (was 16 Jul. 2024 10:28)"
    )


def test_title_change() -> None:
    change = case_change("title-changed")
    assert change.title_changed and change.content_changed and change.sections == ()
    assert summary_line(change).startswith("title changed; stamp ")


def test_rewrite_2016_to_2024_stays_readable() -> None:
    change = case_change("rewrite-2016-2024")
    for item in all_blocks(change):
        # A rewrite is shown as whole blocks or a few edits, never as confetti.
        edits = [p for p in item.diff if p.op is not Op.EQUAL]
        assert len(edits) <= 6, (item.status, len(edits))
    assert len(summary_line(change)) < 200
    names = [sec.name for sec in change.sections]
    assert names[0] == "Introduction"
    assert "Practical cooperation" in names  # gone in 2024
    assert change.summary.blocks_added >= 15


# -- word diff -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  leading space",
        "NATO’s 2,000 cross-regional (CBRN) agents… D.C.; end",
        "Line\nbreak\ttab",
        "<script>alert(1)</script>",
    ],
)
def test_tokenize_gives_back_the_text(text: str) -> None:
    assert "".join(tokenize(text)) == text


def test_tokenize_keeps_words_whole() -> None:
    assert tokenize("NATO’s cross-regional 2,000 troops.") == [
        "NATO’s ",
        "cross-regional ",
        "2,000 ",
        "troops",
        ".",
    ]


def test_word_diff_falls_on_word_boundaries() -> None:
    parts = word_diff(
        "The Allies strongly condemn the tests.", "The Allies condemn the missile tests."
    )
    assert [(p.op, p.text) for p in parts if p.op is not Op.EQUAL] == [
        (Op.DELETE, "strongly "),
        (Op.INSERT, "missile "),
    ]


def test_word_diff_of_unrelated_texts_is_a_replacement() -> None:
    old = "Stabilising Afghanistan has been an important focus of cooperation in recent years."
    new = "NATO and the Republic of Korea work together bilaterally on shared challenges."
    parts = word_diff(old, new)
    # Only the final full stop is common: one deletion, one insertion, no word confetti.
    assert [(p.op, p.text) for p in parts] == [
        (Op.DELETE, old[:-1]),
        (Op.INSERT, new[:-1]),
        (Op.EQUAL, "."),
    ]
    mixed = word_diff(
        "The Republic of Korea is a significant contributor to stabilisation efforts in Afghanistan.",
        "The Indo-Pacific is important for the Alliance, given developments in that region.",
    )
    # Semantic cleanup merges the small common words into one replacement.
    assert sum(1 for p in mixed if p.op is not Op.EQUAL) == 2


def test_word_diff_with_little_kept_is_shown_as_a_replacement() -> None:
    # Left alone, dmp would keep "Zealand the " between two pairs of edits: 4 fragments
    # for 12 kept characters out of 50. Whole replacement reads better.
    old = "NATO the Korea the Japan the Australia the New Zealand the partners"
    new = "EU the China the India the Canada the Old Zealand the allies"
    assert word_diff(old, new) == (DiffPart(Op.DELETE, old), DiffPart(Op.INSERT, new))


def test_word_diff_invariant_on_random_edits() -> None:
    words = load_content().all_text().split()
    rng = random.Random(20240716)
    for _ in range(300):
        start = rng.randrange(len(words) - 60)
        old_words = words[start : start + rng.randrange(1, 60)]
        new_words = list(old_words)
        for _ in range(rng.randrange(0, 6)):
            op = rng.choice(["insert", "delete", "replace", "punct"])
            k = rng.randrange(len(new_words) + 1)
            if op == "insert" or not new_words:
                new_words.insert(k, rng.choice(words))
            elif op == "delete":
                del new_words[min(k, len(new_words) - 1)]
            elif op == "replace":
                new_words[min(k, len(new_words) - 1)] = rng.choice(words)
            else:
                new_words[min(k, len(new_words) - 1)] += rng.choice([",", ".", ";"])
        old, new = " ".join(old_words), " ".join(new_words)
        parts = word_diff(old, new)
        assert diff_old_text(parts) == old
        assert diff_new_text(parts) == new
        if old == new:
            assert all(p.op is Op.EQUAL for p in parts)


def test_word_diff_of_empty_sides() -> None:
    assert word_diff("", "") == ()
    assert word_diff("", "new text") == (DiffPart(Op.INSERT, "new text"),)
    assert word_diff("old text", "") == (DiffPart(Op.DELETE, "old text"),)


# -- stamp -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("16 Jul. 2024 10:28", "18 Jul. 2024 09:00", StampStatus.CHANGED),
        ("16 Jul. 2024 10:28", "16 Jul. 2024 10:28", StampStatus.UNCHANGED),
        ("18 Jul. 2024 09:00", "16 Jul. 2024 10:28", StampStatus.BACKWARDS),
        ("16 Jul. 2024 10:28", None, StampStatus.MISSING),
        (None, "16 Jul. 2024 10:28", StampStatus.CHANGED),
        (None, None, StampStatus.UNCHANGED),
    ],
)
def test_classify_stamp(old: str | None, new: str | None, expected: StampStatus) -> None:
    assert classify_stamp(stamp(old) if old else None, stamp(new) if new else None) is expected


def test_same_moment_across_a_dst_offset_is_unchanged() -> None:
    # 10:28 in Brussels in July is 08:28 UTC: the same stamp, however its offset is written.
    old = stamp("16 Jul. 2024 10:28")
    same = LastUpdated("16 Jul. 2024 10:28", old.at.astimezone(BRUSSELS).replace())
    assert classify_stamp(old, same) is StampStatus.UNCHANGED


# -- structure edge cases --------------------------------------------------------------------


def doc(*sections: Section, title: str = "T", last: LastUpdated | None = None) -> Document:
    return Document(title=title, last_updated=last, sections=sections)


def para(text: str, **kwargs: object) -> Block:
    return Block(BlockKind.PARAGRAPH, text, **kwargs)  # type: ignore[arg-type]


def bullet(text: str, **kwargs: object) -> Block:
    return Block(BlockKind.BULLET, text, **kwargs)  # type: ignore[arg-type]


def test_equal_documents_are_an_empty_change() -> None:
    document = document_from_content(load_content())
    change = diff(document, document)
    assert change.is_empty and change.sections == () and summary_line(change) == "no change"
    assert not change.silent_edit and not change.restamp


def test_link_only_change_is_reported_with_a_note() -> None:
    text = "Cooperation is guided by an Individually Tailored Partnership Programme."
    old = doc(
        Section(
            "lead",
            None,
            1,
            (
                bullet(
                    text,
                    links=(
                        Link(
                            "Individually Tailored Partnership Programme", "https://www.nato.int/a"
                        ),
                    ),
                ),
            ),
        )
    )
    new = doc(
        Section(
            "lead",
            None,
            1,
            (
                bullet(
                    text,
                    links=(
                        Link(
                            "Individually Tailored Partnership Programme", "https://www.nato.int/b"
                        ),
                    ),
                ),
            ),
        )
    )
    change = diff(old, new)
    (item,) = change.sections[0].blocks
    assert item.status is BlockStatus.CHANGED
    assert item.notes == (
        'link "Individually Tailored Partnership Programme" now points to https://www.nato.int/b '
        "(was https://www.nato.int/a)",
    )
    assert change.silent_edit


def test_kind_and_depth_changes_are_noted() -> None:
    old = doc(
        Section(
            "lead", None, 1, (para("Alpha beta gamma delta."), bullet("One two three.", depth=1))
        )
    )
    new = doc(
        Section("lead", None, 1, (bullet("Alpha beta gamma delta."), bullet("One two three.")))
    )
    items = change_items(diff(old, new))
    assert [i.notes for i in items] == [
        ("was a paragraph, now a bullet",),
        ("nesting depth 1 → 0",),
    ]


def change_items(change: Change) -> list[BlockChange]:
    return [item for sec in change.sections for item in sec.blocks]


def test_sections_swapped_are_noted_as_moved() -> None:
    a = Section("a", "Alpha", 2, (para("Alpha text here."),))
    b = Section("b", "Beta", 2, (para("Beta text here."),))
    change = diff(doc(a, b), doc(b, a))
    assert len(change.sections) == 1
    (sec,) = change.sections
    assert sec.status is SectionStatus.CHANGED
    assert sec.notes[0].startswith("section moved: was section")
    assert summary_line(change) == "silent edit: 1 section reorganised in " + sec.name


def test_removed_section_stays_in_page_order() -> None:
    a = Section("a", "Alpha", 2, (para("Alpha text here."),))
    b = Section("b", "Beta", 2, (para("Beta text is different."),))
    c = Section("c", "Gamma", 2, (para("Gamma text here."),))
    change = diff(doc(a, b, c), doc(a, c))
    assert [(s.name, s.status) for s in change.sections] == [("Beta", SectionStatus.REMOVED)]
    change = diff(doc(a, c), doc(a, b, c))
    assert [(s.name, s.status) for s in change.sections] == [("Beta", SectionStatus.ADDED)]


def test_renamed_section_with_edits_is_renamed_and_changed() -> None:
    blocks = tuple(
        para(t) for t in ("The first paragraph is here.", "A second one follows.", "And a third.")
    )
    old = doc(Section("practical-cooperation", "Practical cooperation", 2, blocks))
    edited = (blocks[0], para("A second one follows, edited."), blocks[2])
    new = doc(Section("key-areas-of-cooperation", "Key areas of cooperation", 2, edited))
    (sec,) = diff(old, new).sections
    assert sec.status is SectionStatus.RENAMED
    assert [i.status for i in sec.blocks] == [BlockStatus.CHANGED]


def test_near_identical_block_moved_across_sections_is_moved_with_its_edit() -> None:
    moving = "In November 2022, the Republic of Korea established a Diplomatic Mission to NATO."
    a = Section("a", "Alpha", 2, (para("Alpha stays put."), bullet(moving)))
    b = Section("b", "Beta", 2, (para("Beta stays put."),))
    a2 = replace(a, blocks=a.blocks[:1])
    b2 = replace(b, blocks=(*b.blocks, bullet(moving.replace("November", "December"))))
    change = diff(doc(a, b), doc(a2, b2))
    (item,) = change_items(change)
    assert item.status is BlockStatus.MOVED and item.moved_from == "Alpha"
    assert [(p.op, p.text) for p in item.diff if p.op is not Op.EQUAL] == [
        (Op.DELETE, "November "),
        (Op.INSERT, "December "),
    ]


def test_duplicate_blocks_align_without_phantom_moves() -> None:
    same = para("Same words.")
    old = doc(Section("lead", None, 1, (same, para("Middle."), same)))
    new = doc(Section("lead", None, 1, (same, same)))
    items = change_items(diff(old, new))
    assert [(i.status, i.old_index) for i in items] == [(BlockStatus.REMOVED, 1)]


def test_figure_change_diffs_alt_caption_and_file() -> None:
    old_fig = Block(
        BlockKind.FIGURE, "Old caption (2016)", alt="Old photo", src="https://www.nato.int/a.jpg"
    )
    new_fig = Block(
        BlockKind.FIGURE, "Old caption (2016)", alt="Old photo", src="https://www.nato.int/b.jpg"
    )
    assert (
        block_text(old_fig) == "[Photo: Old photo] Old caption (2016) (https://www.nato.int/a.jpg)"
    )
    change = diff(
        doc(Section("lead", None, 1, (old_fig,))), doc(Section("lead", None, 1, (new_fig,)))
    )
    (item,) = change_items(change)
    assert item.status is BlockStatus.CHANGED and item.kind is BlockKind.FIGURE
    assert_invariant(item)


def test_report_json_keeps_block_order_and_schema() -> None:
    data = json.loads(render_json(case_report(CASES["paragraph-split"])))
    assert set(data) == {
        "format", "target", "old", "new", "stamp", "silent_edit", "restamp", "summary",
        "summary_line", "title", "sections", "flags", "flags_total", "significant", "terms",
    }  # fmt: skip
    block = data["sections"][0]["blocks"][0]
    assert {"status", "kind", "label", "old", "new", "diff", "flags"} <= set(block)
    for pair in block["diff"]:
        assert pair[0] in (-1, 0, 1) and isinstance(pair[1], str)


def test_split_and_merge_are_named() -> None:
    change = case_change("paragraph-split")
    (added,) = [i for i in change.sections[0].blocks if i.status is BlockStatus.ADDED]
    assert added.notes == ("split from the next block",)
    old, new = case_documents(CASES["paragraph-split"])
    merged = diff(new, old)
    (removed,) = [i for i in merged.sections[0].blocks if i.status is BlockStatus.REMOVED]
    assert removed.notes == ("merged into the next block",)


def test_level_and_id_changes_are_noted() -> None:
    blocks = (para("Text stays the same."),)
    old = doc(Section("dialogue", "Dialogue", 2, blocks))
    new = doc(Section("dialogue-2", "Dialogue", 3, blocks))
    (sec,) = diff(old, new).sections
    assert sec.status is SectionStatus.CHANGED
    assert sec.notes == ("heading level 2 → 3", "section id dialogue → dialogue-2")
