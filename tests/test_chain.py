"""Tests of scraper.core.chain: a chain of check-log lines holds, and every way of breaking it
(a line deleted, edited, reordered, added without a link) is found at the right line."""

from __future__ import annotations

import hashlib
import json

from scraper.core.chain import GENESIS, Link, check_chain, line_hash


def chained(n: int, *, start: str = GENESIS, first: int = 1) -> list[Link]:
    """`n` lines as nato-watch writes them, each linked to the one before."""
    links: list[Link] = []
    prev = start
    for k in range(n):
        data = json.dumps({"at": f"2024-07-{k + 10}T06:00:00Z", "prev": prev}).encode()
        links.append(Link(first + k, data, prev))
        prev = line_hash(data)
    return links


def renumbered(links: list[Link]) -> list[Link]:
    return [Link(k + 1, link.data, link.prev) for k, link in enumerate(links)]


def test_the_link_is_the_sha256_of_the_line_without_its_newline() -> None:
    assert line_hash(b'{"a":1}\n') == hashlib.sha256(b'{"a":1}').hexdigest()
    assert line_hash(b'{"a":1}') == hashlib.sha256(b'{"a":1}').hexdigest()
    assert hashlib.sha256(b"").hexdigest() == GENESIS


def test_an_intact_chain_holds_and_names_its_head() -> None:
    links = chained(5)
    report = check_chain(links)
    assert report.ok and report.links == 5 and report.legacy == 0
    assert report.head == line_hash(links[-1].data) and report.head_line == 5


def test_an_empty_log_has_no_head() -> None:
    report = check_chain([])
    assert report.ok and report.head is None and report.head_line is None


def test_a_deleted_line_breaks_the_link_after_it() -> None:
    links = chained(5)
    report = check_chain(renumbered(links[:2] + links[3:]))
    assert [b.line for b in report.breaks] == [3]
    assert "line 3 does not follow line 2" in report.breaks[0].message


def test_an_edited_line_breaks_the_link_after_it() -> None:
    links = chained(5)
    edited = Link(2, links[1].data.replace(b"07-11", b"07-12"), links[1].prev)
    report = check_chain([links[0], edited, *links[2:]])
    assert [b.line for b in report.breaks] == [3]
    assert "line 2 edited" in report.breaks[0].message


def test_swapped_lines_are_named_as_reordered() -> None:
    links = chained(5)
    report = check_chain(renumbered([links[0], links[2], links[1], *links[3:]]))
    assert report.breaks[0].line == 2
    assert report.breaks[0].message.startswith("line 2 links to line 3, not to line 1")
    assert "reordered" in report.breaks[0].message


def test_deleting_the_first_line_is_found() -> None:
    report = check_chain(renumbered(chained(3)[1:]))
    assert [b.line for b in report.breaks] == [1]
    assert "first line but links to a line before it" in report.breaks[0].message


def test_lines_from_before_the_chain_start_it() -> None:
    legacy = [Link(k, f'{{"n":{k}}}'.encode(), None) for k in (1, 2, 3)]
    report = check_chain(legacy)
    assert report.ok and report.legacy == 3 and report.head == line_hash(legacy[-1].data)

    after = chained(2, start=line_hash(legacy[-1].data), first=4)
    report = check_chain(legacy + after)
    assert report.ok and report.legacy == 3 and report.head_line == 5


def test_a_line_without_prev_after_the_chain_began_is_a_break() -> None:
    links = chained(3)
    intruder = Link(3, b'{"at":"2024-07-11T07:00:00Z"}', None)
    report = check_chain([*links[:2], intruder, Link(4, links[2].data, links[2].prev)])
    assert [b.line for b in report.breaks] == [3, 4]
    assert "line 3 has no `prev` after line 2" in report.breaks[0].message


def test_an_excerpt_takes_its_first_link_on_trust() -> None:
    links = chained(6)[3:]
    assert not check_chain(links).ok  # as a whole log, its start is missing
    assert check_chain(links, start=None).ok
    assert not check_chain([links[0], links[2]], start=None).ok
