"""RobotsPolicy with a stand-in reader: read once per origin, cached, every URL checked.

How the fetchers read robots.txt over the network is tested in test_fetch and test_browser.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from scraper.fetching.failures import TryFailed
from scraper.fetching.robots import ROBOTS_MAX_BYTES, RobotsPolicy, RobotsReply, RobotsUnreadable
from scraper.fetching.settings import FetchSettings


class _Robots:
    """A robots.txt reader that answers from a dict and counts what it was asked."""

    def __init__(self, answers: dict[str, RobotsReply | str]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, robots_url: str) -> RobotsReply:
        self.asked.append(robots_url)
        answer = self.answers[robots_url]
        if isinstance(answer, str):
            raise RobotsUnreadable(answer)
        return answer


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_robots_policy_reads_once_and_checks_every_url(polite: FetchSettings) -> None:
    read = _Robots(
        {"https://a.example/robots.txt": RobotsReply(200, b"User-agent: *\nDisallow: /private/\n")}
    )
    lines: list[str] = []
    robots = RobotsPolicy(polite, log=lines.append)
    notes: list[str] = []
    assert robots.verdict("https://a.example/private/x") is None  # not read yet
    robots.check("https://a.example/public", read, notes, first_hop=True)
    with pytest.raises(TryFailed) as caught:
        robots.check("https://a.example/private/x", read, notes, first_hop=True)
    assert read.asked == ["https://a.example/robots.txt"]
    assert notes == []
    assert lines == ["robots.txt of a.example: HTTP 200, 34 bytes"]
    failure = caught.value.failure
    assert failure.tried is False  # refused before the page was asked for
    assert failure.message == (
        "robots.txt of a.example disallows https://a.example/private/x for this User-Agent; "
        "set respect_robots = false in the [fetch] config only if you have permission"
    )
    with pytest.raises(TryFailed) as hop:
        robots.check("https://a.example/private/y", read, notes, first_hop=False)
    assert hop.value.failure.tried is True  # a redirect hop: the first request was sent
    assert robots.verdict("https://a.example/private/x") is False
    assert robots.verdict("https://a.example/public") is True

    named = RobotsPolicy(polite, name_agent=True)
    assert f"for this User-Agent ({polite.user_agent}); set" in (
        named.failure("https://a.example/x").message or ""
    )


def test_robots_policy_allows_when_the_file_is_missing_broken_or_unreachable(
    polite: FetchSettings,
) -> None:
    read = _Robots(
        {
            "https://gone.example/robots.txt": RobotsReply(404),
            "https://down.example/robots.txt": RobotsReply(503),
            "https://off.example/robots.txt": "connection refused",
        }
    )
    clock = _Clock()
    robots = RobotsPolicy(polite, clock=clock)
    notes: list[str] = []
    for host in ("gone", "down", "off"):
        robots.check(f"https://{host}.example/p", read, notes, first_hop=True)
    assert notes == [
        "robots.txt of down.example answered HTTP 503; proceeding as if allowed",
        "robots.txt of off.example could not be read (connection refused); proceeding as if "
        "allowed",
    ]
    # A note is added once per try, however many URLs of the origin are checked.
    robots.check("https://off.example/q", read, notes, first_hop=False)
    assert len(notes) == 2
    assert len(read.asked) == 3

    # An unreadable file is asked for again after an hour; a missing one only after a day.
    clock.now += 3601
    for host in ("gone", "down", "off"):
        robots.check(f"https://{host}.example/p", read, [], first_hop=True)
    assert sorted(read.asked[3:]) == [
        "https://down.example/robots.txt",
        "https://off.example/robots.txt",
    ]
    clock.now += 24 * 3600
    robots.check("https://gone.example/p", read, [], first_hop=True)
    assert read.asked[-1] == "https://gone.example/robots.txt"


def test_robots_policy_parses_at_most_the_cap_and_can_be_switched_off(
    polite: FetchSettings,
) -> None:
    # Past the cap a rule would shut everything: it must never be read.
    rules = b"User-agent: *\nDisallow: /private/\n" + b"#" * ROBOTS_MAX_BYTES + b"\nDisallow: /\n"
    read = _Robots({"https://big.example/robots.txt": RobotsReply(200, rules)})
    robots = RobotsPolicy(polite)
    robots.check("https://big.example/p", read, [], first_hop=True)
    assert robots.verdict("https://big.example/private/p") is False
    off = RobotsPolicy(replace(polite, respect_robots=False))
    never = _Robots({})
    off.check("https://big.example/p", never, [], first_hop=True)
    assert never.asked == [] and off.verdict("https://big.example/p") is True
