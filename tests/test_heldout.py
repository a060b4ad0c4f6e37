"""Held-out templates: the same real content in templates the parser was not written against.

Each folder of `tests/heldout/` (written by `tests/heldout/build.py`, see its README) holds a
page rendering one of the stored texts (`text.txt` names it) and, when it is fetched from
another URL than the topic page, `url.txt`. Parsed with that URL, it must give the same
document, hash for hash, as the reference rendering of the same text in `tests/cases/`.

Templates the parser misreads today are listed in MISREAD with what it gets wrong; they are
strict xfails, so an entry must go as soon as its template is read right.
"""

from __future__ import annotations

import difflib
import importlib.util
from functools import cache
from pathlib import Path

import pytest

from scraper.core.document import Document
from scraper.core.parse import parse

# Template -> what the current parser misreads on it. Remove an entry once it is fixed.
MISREAD: dict[str, str] = {}

TESTS = Path(__file__).parent
HELDOUT = TESTS / "heldout"
TOPIC = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
# Stored text -> the reference rendering of it (parsed with the topic URL).
REFERENCES = {
    "2024-07-16_en_full": TESTS / "cases" / "nato_2024" / "page.html",
    "2016-10-06_en_opening": TESTS / "cases" / "nato_2016_opening" / "page.html",
}


def template_names() -> list[str]:
    """Every held-out template: the folders of tests/heldout/ holding a page.html."""
    return sorted(p.parent.name for p in HELDOUT.glob("*/page.html"))


@cache
def reference(text: str) -> Document:
    """The reference document of a stored text."""
    return parse(REFERENCES[text].read_text(encoding="utf-8"), url=TOPIC)


def readable_diff(expected: Document, got: Document, name: str) -> str:
    """The two documents as indented canonical JSON, unified-diffed."""
    lines = difflib.unified_diff(
        expected.to_json(indent=1).splitlines(keepends=True),
        got.to_json(indent=1).splitlines(keepends=True),
        fromfile="reference document",
        tofile=f"{name} (parsed)",
        n=3,
    )
    return f"{name} is not read as the reference document:\n" + "".join(lines)


def _params() -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=MISREAD[name])] if name in MISREAD else [],
        )
        for name in template_names()
    ]


@pytest.mark.parametrize("name", _params())
def test_heldout_template_gives_the_reference_document(name: str) -> None:
    folder = HELDOUT / name
    text = (folder / "text.txt").read_text(encoding="utf-8").strip()
    url_file = folder / "url.txt"
    url = url_file.read_text(encoding="utf-8").strip() if url_file.exists() else TOPIC
    expected = reference(text)
    try:
        got = parse((folder / "page.html").read_bytes(), url=url)
    except Exception as exc:
        pytest.fail(f"{name}: parse failed: {type(exc).__name__}: {exc}")
    assert got.content_hash == expected.content_hash, readable_diff(expected, got, name)


def test_every_misread_entry_names_a_template() -> None:
    assert set(MISREAD) <= set(template_names())


def test_the_set_covers_both_texts() -> None:
    texts = [
        (HELDOUT / name / "text.txt").read_text(encoding="utf-8").strip()
        for name in template_names()
    ]
    assert len(texts) >= 14
    assert set(texts) == set(REFERENCES)
    assert texts.count("2016-10-06_en_opening") >= 3


def test_the_committed_pages_are_what_build_py_writes() -> None:
    spec = importlib.util.spec_from_file_location("heldout_build", HELDOUT / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    pages = build.heldout()
    assert sorted(pages) == template_names()
    for name, (text, page, url) in pages.items():
        folder = HELDOUT / name
        assert (folder / "page.html").read_bytes() == build.page_bytes(page), (
            f"{name}: run python tests/heldout/build.py"
        )
        assert (folder / "text.txt").read_text(encoding="utf-8").strip() == text
        url_file = folder / "url.txt"
        assert (url_file.read_text(encoding="utf-8").strip() if url_file.exists() else None) == url
