"""Golden flag cases: the real page text, edited by hand the way NATO edits it, with the flags
each edit must raise — exactly those, no more.

A case is an old and a new page content (from `tests/pages.py`), a hand-written set of the
flags it must raise (`expect`: kind, old words, new words), and a stored golden file
`tests/flag_cases/<name>.json` with everything the report says about them (every block's
flags with weights, notes and sentences, the top-level list, the watched terms). The golden
files are rewritten only when `NATO_WATCH_REGEN=1` is set; review their diff.

Edits are applied to the text as the parser leaves it (NBSPs folded to spaces), so an edit
names the words a reader sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from diff_cases import document_from_content, normalize_text, with_items, with_parts
from golden import check_golden
from pages import Item, PageContent, Part, load_content

from scraper.core.change import Change
from scraper.core.diff import diff
from scraper.core.document import Document, canonical_json

CASES_DIR = Path(__file__).parent
STAMP_NEXT = "18 Jul. 2024 09:00"

# (kind, old words, new words), as the flag names them.
Expected = frozenset[tuple[str, str | None, str | None]]


@dataclass(frozen=True)
class FlagCase:
    """Two versions of the page and the flags the change between them must raise."""

    name: str
    old: PageContent
    new: PageContent
    expect: Expected
    why: str

    def documents(self) -> tuple[Document, Document]:
        """The two versions as the parser would read them."""
        return document_from_content(self.old), document_from_content(self.new)

    def change(self) -> Change:
        """The change, with the built-in watchlist."""
        old, new = self.documents()
        return diff(old, new)


def reworded(
    content: PageContent, words: dict[str, str], *, stamp: str = STAMP_NEXT
) -> PageContent:
    """`content` with each phrase replaced (in text and labels, whitespace as a reader sees
    it), under a new stamp. Every phrase must occur, so a case cannot silently test nothing."""
    parts = []
    found = dict.fromkeys(words, False)
    for part in content.parts:
        items = []
        for item in part.items:
            text = normalize_text(item.text)
            label = normalize_text(item.label) if item.label else None
            for old, new in words.items():
                if old in text or (label and old in label):
                    found[old] = True
                text = text.replace(old, new)
                label = label.replace(old, new) if label else None
            items.append(replace(item, text=text, label=label))
        parts.append(Part(part.heading, tuple(items)))
    missing = [old for old, seen in found.items() if not seen]
    if missing:
        raise KeyError(f"phrase not on the page: {missing[0]!r}")
    return replace(content, stamp=stamp, parts=tuple(parts))


def _case(
    name: str, words: dict[str, str], expect: set[tuple[str, str | None, str | None]], why: str
) -> FlagCase:
    base = load_content()
    return FlagCase(name, base, reworded(base, words), frozenset(expect), why)


def _edited(
    name: str,
    edit: Callable[[PageContent], PageContent],
    expect: set[tuple[str, str | None, str | None]],
    why: str,
) -> FlagCase:
    base = load_content()
    return FlagCase(name, base, edit(replace(base, stamp=STAMP_NEXT)), frozenset(expect), why)


def build_cases() -> dict[str, FlagCase]:
    """Every flag case, by name."""
    cases = [
        # -- modality --------------------------------------------------------------------
        _case(
            "modality-weaker",
            {"NATO are committed to enhancing": "NATO may consider enhancing"},
            {("modality", "committed to", "may")},
            "a commitment became a possibility",
        ),
        _case(
            "modality-stronger",
            {"can directly affect": "will directly affect"},
            {("modality", "can", "will")},
            "a possibility became a commitment",
        ),
        _case(
            "modality-added",
            {"in this region is key to": "in this region will be key to"},
            {("modality", None, "will")},
            "a plain statement became a promise",
        ),
        # -- negation --------------------------------------------------------------------
        _case(
            "negation-added",
            {"has been steadfast in supporting": "has not been steadfast in supporting"},
            {("negation", None, "not")},
            "the sentence now says the opposite",
        ),
        _case(
            "negation-removed",
            {"without disrupting the flow": "while disrupting the flow"},
            {("negation", "without", None)},
            "a limit was lifted",
        ),
        # -- numbers ---------------------------------------------------------------------
        _case(
            "number-count",
            {"some 470 personnel": "some 500 personnel"},
            {("number", "470", "500")},
            "a head count changed",
        ),
        _case(
            "number-amount",
            {"USD 319 million": "USD 391 million"},
            {("number", "USD 319 million", "USD 391 million")},
            "an amount changed",
        ),
        _case(
            "number-words",
            {"the four partners in the Indo-Pacific": "the five partners in the Indo-Pacific"},
            {("number", "four", "five")},
            "a number written in words changed",
        ),
        _case(
            "number-percent",
            {
                "a total of USD 319 million to the": "a total of USD 319 million, 12% of its "
                "budget, to the"
            },
            {("number", None, "12%")},
            "a percentage appeared",
        ),
        # -- dates -----------------------------------------------------------------------
        _case(
            "date-month",
            {"agreed in July 2023": "agreed in June 2023"},
            {("date", "July 2023", "June 2023")},
            "the date of an agreement moved",
        ),
        _case(
            "date-range",
            {"From 2010 to 2013": "From 2010 to 2014"},
            {("date", "From 2010 to 2013", "From 2010 to 2014")},
            "a date range was extended",
        ),
        _case(
            "date-year",
            {"cooperation since 2005": "cooperation since 2006"},
            {("date", "2005", "2006")},
            "a year changed",
        ),
        # -- actors ----------------------------------------------------------------------
        _case(
            "actor-added",
            {
                "together with Australia, Japan and New Zealand.": "together with Australia, "
                "Japan, New Zealand and the Philippines."
            },
            {("actor", None, "Philippines")},
            "a country new to the page",
        ),
        _case(
            "actor-removed",
            {"in Tallinn, Estonia and is": "in Tallinn and is"},
            {("actor", "Estonia", None)},
            "a country gone from the page",
        ),
        _case(
            "actor-named-here",
            {
                "the Republic of Korea, together with other partners": "the Republic of Korea, "
                "together with Japan and other partners"
            },
            {("actor", None, "Japan")},
            "a country the page names elsewhere, now named in this passage",
        ),
        # -- programmes and agreements -----------------------------------------------------
        _case(
            "programme-renamed",
            {
                "an Individually Tailored Partnership Programme": "a Partnership "
                "Interoperability Initiative"
            },
            {
                (
                    "programme",
                    "Individually Tailored Partnership Programme",
                    "Partnership Interoperability Initiative",
                )
            },
            "the framework of cooperation was replaced",
        ),
        _case(
            "agreement-added",
            {
                "political dialogue with the Alliance.": "political dialogue with the Alliance, "
                "under a memorandum of understanding on information exchange."
            },
            {("programme", None, "memorandum of understanding on information exchange")},
            "a new agreement",
        ),
        # -- intensity -------------------------------------------------------------------
        _case(
            "intensity-dropped",
            {"their strong condemnation": "their condemnation"},
            {("intensity", "strong", None)},
            "'strong condemnation' became 'condemnation'",
        ),
        _case(
            "intensity-ladder",
            {"are enhancing their cooperation": "are maintaining their cooperation"},
            {("intensity", "enhancing", "maintaining")},
            "'enhancing' became 'maintaining'",
        ),
        _case(
            "intensity-hedged",
            {
                "The Allies fully support the goal": "The Allies support, where appropriate, the goal"
            },
            {("intensity", "fully", None), ("intensity", None, "where appropriate")},
            "a full commitment became a hedged one",
        ),
        # -- watched terms ---------------------------------------------------------------
        _case(
            "term-fewer",
            {"The Indo-Pacific is important": "The region is important"},
            {("term", "Indo-Pacific", None)},
            "a watched term is named less often",
        ),
        _case(
            "term-gone",
            {
                "condemnation of the Democratic People’s Republic of Korea’s (DPRK) provocative "
                "rhetoric": "condemnation of provocative rhetoric"
            },
            {("term", "DPRK", None)},
            "a watched term is no longer on the page",
        ),
        # -- edits that must raise no flag ---------------------------------------------------
        _case(
            "none-punctuation",
            {
                "cyber defence, arms control and non-proliferation, technology and "
                "counter-terrorism": "cyber defence; arms control and non-proliferation; "
                "technology; and counter-terrorism",
                "health, education, rural development and governance": "health, education, "
                "rural development, and governance",
                "NATO’s first such deal": "NATO's first such deal",
            },
            set(),
            "punctuation, serial commas and straight quotes",
        ),
        _case(
            "none-spelling",
            {
                "defence": "defense",
                "standardization": "standardisation",
                "Centre": "Center",
                "Programme": "Program",
                "characterisation": "characterization",
            },
            set(),
            "British and American spelling",
        ),
        _case(
            "none-reordered-countries",
            {"Australia, Japan and New Zealand": "Japan, New Zealand and Australia"},
            set(),
            "the same countries in another order",
        ),
        _case(
            "none-name-variants",
            {
                "between the PRC and Russia": "between the People’s Republic of China and Russia",
                "Indo-Pacific region, together": "Indo Pacific region, together",
            },
            set(),
            "one name for another of the same actor or term",
        ),
        _case(
            "none-date-format",
            {
                "agreed in July 2023": "agreed in Jul. 2023",
                "some 470 personnel": "about 470 personnel",
            },
            set(),
            "a date abbreviated, an approximation reworded",
        ),
        _case(
            "none-synonym",
            {
                "has been steadfast in": "has been unwavering in",
                "further enhancing": "further deepening",
            },
            set(),
            "one intensifier or growth verb for another of the same strength",
        ),
        _edited(
            "none-moved-bullets",
            lambda c: with_items(
                c, "Support for NATO-led operations and missions", lambda i: i[::-1]
            ),
            set(),
            "bullets swapped",
        ),
        _edited(
            "none-split-paragraph",
            lambda c: with_items(c, None, _split_intro),
            set(),
            "a paragraph split in two",
        ),
        _edited(
            "section-about-china",
            lambda c: with_parts(c, _china_section),
            {
                ("term", None, "China"),
                ("term", None, "Indo-Pacific"),
                ("date", None, "March 2025"),
                ("programme", None, "Indo-Pacific Partnership Framework"),
            },
            "a new section: watched terms named more often, a new dated framework",
        ),
    ]
    return {case.name: case for case in cases}


def _split_intro(items: list[Item]) -> list[Item]:
    text = normalize_text(items[0].text)
    first, rest = text.split(" They also cooperate", 1)
    return [Item("p", first), Item("p", "They also cooperate" + rest), *items[1:]]


def _china_section(parts: list[Part]) -> list[Part]:
    section = Part(
        "Security challenges in the Indo-Pacific",
        (
            Item(
                "p",
                "In March 2025, NATO and its partners in the Indo-Pacific adopted an Indo-Pacific "
                "Partnership Framework to address the challenges that the People’s Republic of "
                "China poses to Euro-Atlantic security.",
            ),
        ),
    )
    return [*parts[:3], section, *parts[3:]]


def report_flags(change: Change) -> dict[str, object]:
    """What a report says about flags and terms, as stored in the golden files."""
    blocks = []
    for sec in change.sections:
        for item in sec.blocks:
            if item.flags:
                blocks.append(
                    {
                        "section": sec.name,
                        "status": item.status.value,
                        "flags": [flag.to_dict() for flag in item.flags],
                    }
                )
    return {
        "blocks": blocks,
        "flags": [flag.to_dict(with_section=True) for flag in change.flags],
        "flags_total": change.flags_total,
        "significant": change.significant,
        "terms": {t.term: t.to_dict() for t in change.terms},
    }


def check_flags_golden(name: str, actual: dict[str, object]) -> None:
    """Assert the case's flags equal its golden file (written first when regenerating)."""
    check_golden(CASES_DIR / f"{name}.json", canonical_json(actual, indent=1) + "\n")
