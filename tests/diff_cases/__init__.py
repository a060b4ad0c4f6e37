"""Golden change-report cases built from the real page text, and the helpers that build them.

Each case is a pair of documents made from `tests/pages.py` content (the real 2016 and 2024
text of the NATO page, edited the way NATO edits it), stored canonically in
`tests/diff_cases/<name>/{old.json,new.json}` next to the expected reports
(`expected.json`, `expected.md`, `expected.html`). The stored files are regenerated only when
`NATO_WATCH_REGEN=1` is set; otherwise tests compare against them.

`document_from_content` turns a `PageContent` into a `Document` directly (no HTML, no parser),
so the diff and render tests do not depend on the parser's progress.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from golden import REGEN
from pages import Item, PageContent, Part, edited, load_content

from scraper.core.diff import diff
from scraper.core.document import Block, BlockKind, Document, LastUpdated, Link, Section
from scraper.core.records import Source
from scraper.reports.cite import NATO, Citation
from scraper.reports.model import Report, VersionRef
from scraper.timespec import stamp_of

CASES_DIR = Path(__file__).parent
TARGET = "republic-of-korea"
BASE = "https://www.nato.int"
PAGE_URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
ITPP = "Individually Tailored Partnership Programme"
BRUSSELS = ZoneInfo("Europe/Brussels")
_SLUG = re.compile(r"[^a-z0-9]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_text(text: str) -> str:
    """Whitespace as the parser leaves it: NBSP and runs collapsed, zero-width gone, trimmed."""
    return " ".join(_ZERO_WIDTH.sub("", text).split())


def parse_stamp_text(text: str) -> datetime:
    """'16 Jul. 2024 10:28' as an aware Europe/Brussels time (as the page writes it)."""
    return datetime.strptime(text.replace(".", ""), "%d %b %Y %H:%M").replace(tzinfo=BRUSSELS)


def document_from_content(content: PageContent) -> Document:
    """The document a correct parser makes of `nato_page(content)`, built without HTML."""
    sections = []
    seen: dict[str, int] = {}
    for part in content.parts:
        if part.heading is None:
            sid, level = "lead", 1
        else:
            sid, level = _SLUG.sub("-", part.heading.lower()).strip("-"), 2
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            sid = f"{sid}-{seen[sid]}"
        heading = normalize_text(part.heading) if part.heading else None
        sections.append(Section(sid, heading, level, tuple(_block(i) for i in part.items)))
    stamp = LastUpdated(content.stamp, parse_stamp_text(content.stamp)) if content.stamp else None
    return Document(title=content.title, last_updated=stamp, sections=tuple(sections))


def _block(item: Item) -> Block:
    text = normalize_text(item.text)
    if item.kind == "img":
        alt = normalize_text(item.alt) if item.alt else None
        return Block(BlockKind.FIGURE, text, alt=alt, src=BASE + (item.src or ""))
    kind = BlockKind.BULLET if item.kind == "li" else BlockKind.PARAGRAPH
    label = normalize_text(item.label) if item.label else None
    links: tuple[Link, ...] = ()
    if kind is BlockKind.BULLET and ITPP in text:
        # `nato_page` links this phrase with a session id, `selectedLocale` and a fragment;
        # the parser normalises all three away.
        links = (Link(ITPP, PAGE_URL),)
    return Block(kind, text, label=label, links=links)


# -- editing helpers (what NATO does to the page) --------------------------------------------


def _part_index(content: PageContent, heading: str | None) -> int:
    for k, part in enumerate(content.parts):
        if part.heading == heading:
            return k
    raise KeyError(heading)


def with_items(
    content: PageContent, heading: str | None, edit: Callable[[list[Item]], list[Item]]
) -> PageContent:
    """`content` with the items of the section `heading` replaced by `edit(items)`."""
    k = _part_index(content, heading)
    parts = list(content.parts)
    parts[k] = Part(parts[k].heading, tuple(edit(list(parts[k].items))))
    return replace(content, parts=tuple(parts))


def with_parts(content: PageContent, edit: Callable[[list[Part]], list[Part]]) -> PageContent:
    """`content` with its sections replaced by `edit(parts)`."""
    return replace(content, parts=tuple(edit(list(content.parts))))


def _starting(items: list[Item], prefix: str) -> int:
    for k, item in enumerate(items):
        if item.text.startswith(prefix):
            return k
    raise KeyError(prefix)


# -- the cases -------------------------------------------------------------------------------

STAMP_2024 = "16 Jul. 2024 10:28"
STAMP_NEXT = "18 Jul. 2024 09:00"


@dataclass(frozen=True)
class Case:
    """A golden case: two page contents and when each was captured."""

    name: str
    old: PageContent
    new: PageContent
    old_captured: datetime
    new_captured: datetime

    @property
    def old_id(self) -> str:
        """The old version's id."""
        return stamp_of(self.old_captured)

    @property
    def new_id(self) -> str:
        """The new version's id."""
        return stamp_of(self.new_captured)


def build_cases() -> dict[str, Case]:
    """Every golden case, by name."""
    base = load_content("2024-07-16_en_full")
    nxt = edited(base, stamp=STAMP_NEXT)
    t0 = datetime(2024, 7, 17, 6, 0, tzinfo=UTC)
    t1 = datetime(2024, 7, 18, 12, 0, tzinfo=UTC)
    cases: list[tuple[str, PageContent, PageContent]] = []

    cases.append(("one-word", base, edited(nxt, replace_text={"steadfast": "unwavering"})))

    new_bullet = Item(
        "li",
        "In April 2024, the Republic of Korea took part for the first time in a meeting of "
        "the North Atlantic Council with partners in the Indo-Pacific on cyber security.",
    )
    cases.append(
        (
            "bullet-added",
            base,
            with_items(
                nxt, "Political dialogue", lambda items: [*items[:3], new_bullet, *items[3:]]
            ),
        )
    )

    def drop_diplomatic_mission(items: list[Item]) -> list[Item]:
        k = _starting(items, "In November 2022")
        return items[:k] + items[k + 1 :]

    cases.append(("bullet-removed", base, with_items(nxt, None, drop_diplomatic_mission)))

    def move_mission(parts: list[Part]) -> list[Part]:
        lead, dialogue = parts[0], parts[1]
        items = list(lead.items)
        k = _starting(items, "In November 2022")
        moved = items.pop(k)
        return [
            Part(lead.heading, tuple(items)),
            Part(dialogue.heading, (*dialogue.items, moved)),
            *parts[2:],
        ]

    cases.append(("bullet-moved", base, with_parts(nxt, move_mission)))

    cases.append(
        (
            "bullets-swapped",
            base,
            with_items(nxt, "Support for NATO-led operations and missions", lambda i: i[::-1]),
        )
    )

    cases.append(
        (
            "heading-renamed",
            base,
            edited(
                nxt, replace_text={"Key areas of cooperation": "Areas of practical cooperation"}
            ),
        )
    )

    def add_section(parts: list[Part]) -> list[Part]:
        section = Part(
            "Cooperation in the Indo-Pacific",
            (
                Item(
                    "p",
                    "The Republic of Korea is one of four partners in the Indo-Pacific "
                    "region, together with Australia, Japan and New Zealand.",
                ),
                Item(
                    "li",
                    "NATO and its Indo-Pacific partners launched four flagship projects in "
                    "July 2024.",
                    label="Flagship projects",
                ),
            ),
        )
        return [*parts[:3], section, *parts[3:]]

    cases.append(("section-added", base, with_parts(nxt, add_section)))

    def split_intro(items: list[Item]) -> list[Item]:
        first, rest = items[0].text.split(" They also cooperate", 1)
        return [Item("p", first), Item("p", "They also cooperate" + rest), *items[1:]]

    cases.append(("paragraph-split", base, with_items(nxt, None, split_intro)))

    cases.append(
        ("label-changed", base, edited(nxt, replace_text={"Cyber defence": "Cyber security"}))
    )
    cases.append(("restamp", base, nxt))
    cases.append(
        (
            "silent-edit",
            base,
            edited(
                base,
                replace_text={
                    "is interested in improving": "seeks to improve",
                    "strong condemnation": "condemnation",
                },
            ),
        )
    )
    changed = edited(nxt, replace_text={"steadfast": "unwavering"})
    # A stale cache or a restored copy: the older wording under the older stamp.
    cases.append(("stamp-backwards", changed, base))
    cases.append(
        (
            "stamp-missing",
            base,
            edited(base, stamp=None, replace_text={"some 470 personnel": "about 470 personnel"}),
        )
    )
    cases.append(
        (
            "title-changed",
            base,
            edited(nxt, title="NATO cooperation with the Republic of Korea"),
        )
    )
    cases.append(("rewrite-2016-2024", load_content("2016-10-06_en_opening"), base))

    out = {}
    for name, old, new in cases:
        old_t, new_t = t0, t1
        if name == "rewrite-2016-2024":
            old_t = datetime(2016, 10, 7, 8, 15, 2, tzinfo=UTC)
            new_t = datetime(2024, 7, 17, 6, 0, tzinfo=UTC)
        out[name] = Case(name, old, new, old_t, new_t)
    return out


def case_dir(name: str) -> Path:
    """The folder of a golden case."""
    return CASES_DIR / name


def case_documents(case: Case) -> tuple[Document, Document]:
    """The case's stored documents (`old.json`, `new.json`); rewritten first when regenerating."""
    folder = case_dir(case.name)
    if REGEN:
        folder.mkdir(exist_ok=True)
        for side, content in (("old", case.old), ("new", case.new)):
            text = document_from_content(content).to_json(indent=1) + "\n"
            (folder / f"{side}.json").write_text(text, encoding="utf-8")
    old = Document.from_json((folder / "old.json").read_text(encoding="utf-8"))
    new = Document.from_json((folder / "new.json").read_text(encoding="utf-8"))
    return old, new


def case_report(case: Case) -> Report:
    """The report of a case, from its stored documents."""
    old, new = case_documents(case)
    # The 2016 version comes from the Wayback Machine in real life: mark it imported.
    imported = case.old_captured.year < 2024
    return Report(
        target=TARGET,
        old=VersionRef(
            case.old_id, case.old_captured, case.old_captured, old.last_updated, imported
        ),
        new=VersionRef(case.new_id, case.new_captured, case.new_captured, new.last_updated),
        change=diff(old, new),
        citation=case_citation(case, new),
    )


def case_citation(case: Case, new: Document) -> Citation:
    """How a case's new version is cited: a live capture of the page, its raw response
    standing in by the hash of the stored document; tool and parser versions fixed, so a
    release does not change the golden reports."""
    return Citation(
        target=TARGET,
        version_id=case.new_id,
        title=new.title,
        publisher=NATO,
        url=PAGE_URL,
        last_updated=new.last_updated,
        captured_at=case.new_captured,
        raw_sha256=hashlib.sha256(new.to_json().encode("utf-8")).hexdigest(),
        content_hash=new.content_hash,
        source=Source.LIVE,
        memento_url=None,
        parser_version="3",
        tool_version="0.1.0",
    )
