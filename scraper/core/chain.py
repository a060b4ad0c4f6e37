"""The check log's hash chain: what a link is, and where a chain of lines is broken.

Each line of `snapshots/<target>/checks.jsonl` carries `prev`: the sha256 (lowercase hex) of
the previous line, taken over that line's exact bytes as stored, without its newline. The
first line of a log links to nothing: its `prev` is the sha256 of no bytes at all
(`GENESIS`). Only lines that read as check records are links: a torn line (a write cut short)
and blank lines are passed over, so the line after a torn one links to the last whole line.

Logs written before the chain existed have lines without `prev`; those lines are the chain's
start (the first chained line links to the last of them), and only the last of them is
covered by it. After the first chained line, a line without `prev` is a break.

Pure: bytes in, findings out. The archive reads the file; `verify` and `verify-bundle` call
`check_chain`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
"""The `prev` of a log's first line: the sha256 of no bytes (nothing comes before it)."""


def line_hash(line: bytes) -> str:
    """The sha256 of one check-log line as stored, without its newline: what the next line's
    `prev` holds."""
    # lazy: loading OpenSSL's hashes costs ~4 ms of start-up that readers of the log skip
    import hashlib

    return hashlib.sha256(line.removesuffix(b"\n")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One check-log line as the chain sees it: its 1-based number in the file, its bytes as
    stored (without the newline), and its `prev` (None when the line has none)."""

    number: int
    data: bytes
    prev: str | None

    @property
    def hash(self) -> str:
        """The sha256 the line after this one must carry as its `prev`."""
        return line_hash(self.data)


@dataclass(frozen=True)
class ChainBreak:
    """A place where the chain does not hold: the line whose `prev` is wrong (or missing), and
    what is wrong, in words."""

    line: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    """What `check_chain` found in one log."""

    links: int  # lines that read as check records
    legacy: int  # lines before the chain began (no `prev`), the chain's start
    breaks: tuple[ChainBreak, ...]
    head: str | None  # the sha256 of the last line (None for an empty log)
    head_line: int | None  # that line's number

    @property
    def ok(self) -> bool:
        """Whether every link holds."""
        return not self.breaks


def check_chain(links: Iterable[Link], *, start: str | None = GENESIS) -> ChainReport:
    """Follow the links of one log in file order and say where the chain breaks.

    `start` is what the first line's `prev` must be: `GENESIS` for a whole log; for an
    excerpt (a bundle holds a version's lines only) the first line's own `prev`, given as
    None, is taken on trust and only the links among the lines are checked.
    """
    links = list(links)
    # Every line's hash -> its number, to tell a reordering from an edit.
    where: dict[str, int] = {}
    for link in reversed(links):
        where[link.hash] = link.number
    previous: Link | None = None
    legacy = count = 0
    chained = False
    breaks: list[ChainBreak] = []
    for link in links:
        count += 1
        if link.prev is None:
            if chained:
                breaks.append(ChainBreak(link.number, _unlinked(link, previous)))
            else:
                legacy += 1
        else:
            # An excerpt's first line links to a line the excerpt does not hold.
            expected = previous.hash if previous is not None else start
            if expected is not None and link.prev != expected:
                breaks.append(ChainBreak(link.number, _mismatch(link, previous, where)))
            chained = True
        previous = link
    return ChainReport(
        links=count,
        legacy=legacy,
        breaks=tuple(breaks),
        head=previous.hash if previous is not None else None,
        head_line=previous.number if previous is not None else None,
    )


def _unlinked(link: Link, previous: Link | None) -> str:
    after = f" after line {previous.number}" if previous is not None else ""
    return (
        f"line {link.number} has no `prev`{after}, where the chain had begun: a line added "
        "by hand or by a program other than nato-watch, or by a nato-watch older than the chain"
    )


def _mismatch(link: Link, previous: Link | None, where: dict[str, int]) -> str:
    """Why `link.prev` is wrong, as precisely as the log allows."""
    if previous is None:
        return (
            f"line {link.number} is the first line but links to a line before it "
            "(lines removed from the start of the log?)"
        )
    if link.prev == GENESIS:
        return (
            f"line {link.number} starts a new chain after line {previous.number} "
            "(the lines before it were replaced?)"
        )
    other = where.get(link.prev or "")
    if other is not None and other != previous.number:
        return (
            f"line {link.number} links to line {other}, not to line {previous.number} "
            "before it (lines reordered)"
        )
    return (
        f"line {link.number} does not follow line {previous.number}: its `prev` is not the "
        f"sha256 of line {previous.number} (line {previous.number} edited, or lines removed "
        "between them)"
    )
