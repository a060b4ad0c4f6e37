"""Item 2: the cost of a diff is bounded in the size of a block. Long paragraphs (20,000
words, repeated words) diff in well under a second; a changed stretch too long to diff word by
word is shown replaced whole, with a note the report shows; the golden cases do not move."""

from __future__ import annotations

import random
import time

from scraper.core.change import BlockStatus, Op
from scraper.core.diff import diff
from scraper.core.document import Block, BlockKind, Document, Section
from scraper.reports.markdown import render_markdown
from scraper.reports.model import Report, VersionRef
from scraper.timespec import parse_stamp

OLD_AT = parse_stamp("2024-07-16T083000Z")
NEW_AT = parse_stamp("2024-07-17T083000Z")


def page(*paragraphs: str) -> Document:
    blocks = tuple(Block(BlockKind.PARAGRAPH, text) for text in paragraphs)
    return Document("Relations", None, (Section("lead", None, 1, blocks),))


def repeated_words(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(["the", "NATO", "and", "Korea", "partners"]) for _ in range(n)]


def timed_diff(old: Document, new: Document) -> tuple[float, object]:
    started = time.perf_counter()
    change = diff(old, new)
    return time.perf_counter() - started, change


def test_one_word_edited_in_a_paragraph_of_20000_repeated_words_is_fast_and_exact() -> None:
    words = repeated_words(20_000)
    edited = list(words)
    edited[10_000] = "Ukraine"
    took, change = timed_diff(page(" ".join(words)), page(" ".join(edited)))
    assert took < 2.0, took
    block = change.sections[0].blocks[0]  # type: ignore[attr-defined]
    assert block.status is BlockStatus.CHANGED
    inserted = [p.text.strip() for p in block.diff if p.op is Op.INSERT]
    assert inserted == ["Ukraine"]
    assert not block.notes


def test_a_stretch_too_long_to_diff_word_by_word_is_replaced_whole_with_a_note() -> None:
    words = repeated_words(10_000)
    rng = random.Random(2)
    edited = list(words)
    for k in rng.sample(range(1000, 9000), 800):  # edits all over the middle
        edited[k] = "Ukraine"
    took, change = timed_diff(page(" ".join(words)), page(" ".join(edited)))
    assert took < 3.0, took
    block = change.sections[0].blocks[0]  # type: ignore[attr-defined]
    ops = [p.op for p in block.diff]
    assert ops == [Op.EQUAL, Op.DELETE, Op.INSERT, Op.EQUAL], ops
    assert any("too long to diff word by word" in note for note in block.notes), block.notes
    report = Report(
        target="t",
        old=VersionRef("2024-07-16T083000Z", OLD_AT, OLD_AT, None),
        new=VersionRef("2024-07-17T083000Z", NEW_AT, NEW_AT, None),
        change=change,  # type: ignore[arg-type]
    )
    assert "too long to diff word by word" in render_markdown(report)


def test_paragraphs_of_repeated_words_grow_linearly_not_quadratically() -> None:
    times = []
    for n in (5_000, 10_000, 20_000):
        words = repeated_words(n, seed=n)
        edited = list(words)
        edited[n // 3] = "Ukraine"
        edited[2 * n // 3] = "Japan"
        took, _ = timed_diff(page(" ".join(words)), page(" ".join(edited)))
        times.append(took)
    assert max(times) < 3.0, times
