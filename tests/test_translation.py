"""Following a translation, end to end: the English page and the French page checked from a
local site (their real texts, tests/pages.py and tests/french_pages.py), `nato-watch lag`, the
counterpart block of the reports, the index and the feed, replay, and `import-wayback` of the
French page's past shapes.

The pure parts (core.translation) are tested here too: the lag in Brussels days.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import Clock, Site, tree
from french_pages import french_page, load_french
from lxml import etree
from pages import Item, PageContent, load_content, nato_page
from pytest_httpserver import HTTPServer
from test_wayback import FakeWayback

from scraper.archive.store import Archive
from scraper.core.document import Document
from scraper.core.parse import parse
from scraper.core.records import Provenance, Version
from scraper.core.translation import BRUSSELS, PairSide, Role, compare_pair, version_lang

EN = "republic-of-korea"
FR = "republic-of-korea-fr"
EN_PATH = "/cps/en/natohq/topics_50098.htm"
FR_PATH = "/cps/fr/natohq/topics_50098.htm"
AIRWORTHINESS_FR = (
    "En juillet 2024, l’OTAN et la République de Corée ont signé un accord de reconnaissance "
    "mutuelle de la certification de navigabilité militaire, qui garantit la sécurité et la "
    "navigabilité de tous les moyens aériens utilisés par les Alliés et les partenaires de "
    "l’OTAN. Il s’agit du premier accord de ce type conclu par l’OTAN avec un pays asiatique."
)

# The English page before and after the airworthiness agreement; the French page of August
# 2023 (its stored opening), and a French version that adds the agreement two days after the
# English page did.
FULL = load_content()
EN_2023 = replace(
    FULL,
    stamp="20 Nov. 2023 11:00",
    parts=(
        replace(
            FULL.parts[0],
            items=tuple(i for i in FULL.parts[0].items if "airworthiness" not in i.text),
        ),
        *FULL.parts[1:],
    ),
)
FR_2023 = load_french("2023-08-16_fr_opening")
FR_2024 = replace(
    FR_2023,
    stamp="18 Jul. 2024 09:00",
    parts=(
        replace(FR_2023.parts[0], items=(*FR_2023.parts[0].items, Item("li", AIRWORTHINESS_FR))),
        *FR_2023.parts[1:],
    ),
)


def configure(data_dir: Path, site: Site, *extra: str) -> None:
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{EN}"\nurl = "{site.url(EN_PATH)}"\n\n'
        f'[[targets]]\nname = "{FR}"\nurl = "{site.url(FR_PATH)}"\n'
        f'translation_of = "{EN}"\n' + "".join(extra),
        encoding="utf-8",
    )


def lag_json(run_cli: Callable[..., Result], *args: str) -> list[dict[str, Any]]:
    result = run_cli("lag", "--json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def report_json(data_dir: Path, target: str) -> dict[str, Any]:
    [path] = sorted((data_dir / "reports" / target).glob("*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def history(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, clock: Clock
) -> Iterator[Callable[[str], None]]:
    """Checks of both pages on a clock of the test's: `step("en-2024")` serves that page and
    checks both targets a day later."""
    configure(data_dir, site)
    pages = {
        "en-2023": (EN_PATH, nato_page(EN_2023)),
        "en-2024": (EN_PATH, nato_page(FULL)),
        "fr-2023": (FR_PATH, french_page(FR_2023)),
        "fr-2024": (FR_PATH, french_page(FR_2024)),
    }
    clock.now = datetime(2023, 11, 21, 8, 0, tzinfo=UTC)

    def step(*names: str) -> None:
        for name in names:
            site.put(*pages[name])
        clock.advance(days=1)
        result = run_cli("check", now=clock)
        assert result.exit_code == 0, result.stderr

    yield step


def test_lag_says_which_side_leads_and_what_the_french_page_lacks(
    history: Callable[..., None], run_cli: Callable[..., Result]
) -> None:
    history("en-2023", "fr-2023")
    history("en-2024")
    [pair] = lag_json(run_cli)
    assert (pair["target"], pair["translation"]) == (EN, FR)
    # 16 Jul. 2024 against 16 Aug. 2023, by the stamps, in Brussels days.
    assert (pair["lead"], pair["lead_target"], pair["lag_days"], pair["by_stamps"]) == (
        "original", EN, 335, True,
    )  # fmt: skip
    missing = pair["missing_in_translation"]
    airworthiness = [f for f in missing if "airworthiness" in f["sentence"]]
    assert [(f["kind"], f["key"], f["text"]) for f in airworthiness] == [
        ("date", "2024-07", "July 2024")
    ]
    # Both pages carry the Diplomatic Mission of November 2022 and dialogue since 2005.
    assert not {"2022-11", "2005"} & {f["key"] for f in missing}
    # Every fact of the French opening is on the English page; only its length differs.
    assert [f["kind"] for f in pair["missing_in_original"]] == ["sections"]
    sides = pair["sides"]
    assert sides["original"]["last_updated_text"] == "16 Jul. 2024 10:28"
    assert sides["translation"]["last_updated"] == "2023-08-16T15:39:00+02:00"
    assert (sides["original"]["lang"], sides["translation"]["lang"]) == ("en", "fr")
    assert sides["translation"]["dated_by"] == "stamp"

    text = run_cli("lag", "--target", FR).stdout
    assert f"{EN} → {FR} (translation)" in text
    assert "The English page is newer, by 335 days (by the pages' stamps, in Brussels time)." in (
        text
    )
    assert (
        "EN since 16 Jul. 2024 10:28: 36 facts not on the French page, last updated "
        "16 Aug. 2023 15:39:\n    - July 2024: “In July 2024, NATO and the Republic of Korea "
        "signed an agreement on mutual recognition for military airworthiness certification"
    ) in text
    assert "FR since 16 Aug. 2023 15:39: 1 fact not on the English page" in text


def test_reports_say_whether_the_counterpart_carries_the_new_facts(
    history: Callable[..., None], data_dir: Path
) -> None:
    history("en-2023", "fr-2023")
    history("en-2024")
    [block] = report_json(data_dir, EN)["counterparts"]
    assert (block["target"], block["role"], block["lang"]) == (FR, "translation", "fr")
    assert block["last_updated_text"] == "16 Aug. 2023 15:39"
    assert [(f["text"], f["carried"]) for f in block["new_facts"]] == [
        ("July 2024", False),
        ("Asian", False),
    ]
    assert block["missing_in_translation"] == {"before": 34, "after": 36}
    assert block["caught_up"] is False
    markdown = next((data_dir / "reports" / EN).glob("*.md")).read_text(encoding="utf-8")
    assert "## Translation: the French page (republic-of-korea-fr)" in markdown
    assert "- **July 2024** — not on the French page: “In July 2024, NATO and" in markdown
    html = next((data_dir / "reports" / EN).glob("*.html")).read_text(encoding="utf-8")
    root = etree.fromstring(html.encode("utf-8"))
    section = root.find(".//{*}section[@id='counterpart-1']")
    assert section is not None
    assert "not on the French page" in "".join(section.itertext())


def test_a_french_version_that_adds_the_facts_catches_up(
    history: Callable[..., None], run_cli: Callable[..., Result], data_dir: Path
) -> None:
    history("en-2023", "fr-2023")
    history("en-2024")
    history("fr-2024")
    [block] = report_json(data_dir, FR)["counterparts"]
    assert (block["target"], block["role"], block["version"]) == (
        EN, "original", Archive(data_dir).version_ids(EN)[-1],
    )  # fmt: skip
    assert [(f["text"], f["carried"]) for f in block["new_facts"]] == [
        ("juillet 2024", True),
        ("asiatique", True),
    ]
    assert block["stamp_reached"] is True and block["caught_up"] is True
    [pair] = lag_json(run_cli)
    assert (pair["lead"], pair["lag_days"]) == ("translation", 2)
    assert not [f for f in pair["missing_in_translation"] if "airworthiness" in f["sentence"]]
    # The feed has an entry for the catching up, the index the pair's lag.
    feed = etree.fromstring((data_dir / "reports" / "feed.atom").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text for t in feed.findall("a:entry/a:title", ns)]
    assert f"{FR} caught up with {EN}" in titles
    index = (data_dir / "reports" / "index.html").read_text(encoding="utf-8")
    etree.fromstring(index.encode("utf-8"))
    assert "The French page is newer, by 2 days" in index
    assert "34 facts of the English page not on the French page" in index


def test_replay_of_either_side_reproduces_the_archive(
    history: Callable[..., None], run_cli: Callable[..., Result], data_dir: Path
) -> None:
    history("en-2023", "fr-2023")
    history("en-2024")
    history("fr-2024")
    before = tree(data_dir)
    for target in (FR, EN):
        result = run_cli("replay", "--target", target)
        assert result.exit_code == 0, result.stderr
    assert tree(data_dir) == before


def test_targets_without_a_counterpart_keep_their_reports_as_they_were(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, clock: Clock
) -> None:
    site.put(EN_PATH, nato_page(EN_2023))
    assert run_cli("check", "--url", site.url(EN_PATH), "--target", EN, now=clock).exit_code == 0
    site.put(EN_PATH, nato_page(FULL))
    clock.advance(days=1)
    assert run_cli("check", "--url", site.url(EN_PATH), "--target", EN, now=clock).exit_code == 0
    assert "counterparts" not in report_json(data_dir, EN)
    index = (data_dir / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Translations" not in index and "caught-up" not in (
        data_dir / "reports" / "feed.atom"
    ).read_text(encoding="utf-8")


def test_lag_errors_are_one_line_and_say_what_to_do(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    result = run_cli("lag")
    assert result.exit_code == 2
    assert result.stderr.startswith("nato-watch: error: no translated pair is configured; add ")
    assert result.stderr.count("\n") == 1
    configure(data_dir, site, f'\n[[targets]]\nname = "japan"\nurl = "{site.url("/j.htm")}"\n')
    result = run_cli("lag", "--target", "japan")
    assert result.exit_code == 2
    assert result.stderr == (
        f"nato-watch: error: target 'japan' has no counterpart configured; pairs: {EN} → {FR}\n"
    )
    result = run_cli("lag", "--target", "nope")
    assert result.exit_code == 2 and "no target named 'nope'" in result.stderr
    # Configured, never checked: said plainly, and not a failure.
    result = run_cli("lag")
    assert result.exit_code == 0, result.stderr
    assert f"{EN} and {FR} have no version yet" in result.stdout
    [pair] = lag_json(run_cli)
    assert pair["no_version_yet"] == [EN, FR] and pair["lead"] is None


def test_a_side_without_a_stamp_is_dated_by_its_capture_and_it_is_said(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, clock: Clock
) -> None:
    configure(data_dir, site)
    site.put(EN_PATH, nato_page(FULL))
    site.put(FR_PATH, french_page(load_french("2012-11-08_fr_opening")))
    clock.now = datetime(2024, 7, 20, 12, 0, tzinfo=UTC)
    assert run_cli("check", now=clock).exit_code == 0
    [pair] = lag_json(run_cli)
    assert pair["by_stamps"] is False
    assert pair["sides"]["translation"]["dated_by"] == "capture time"
    # Captured 20 Jul. 2024 (Brussels) against the English stamp of 16 Jul. 2024.
    assert (pair["lead"], pair["lag_days"]) == ("translation", 4)
    text = run_cli("lag").stdout
    assert "a capture time stands in for a missing stamp" in text
    assert "no stamp shown, captured 2024-07-20T12:00:00Z" in text


# -- the pure part ---------------------------------------------------------------------------


def version_of(target: str, document: Document, captured: datetime, url: str) -> Version:
    provenance = Provenance(
        url=url, final_url=url, status=200, fetched_at=captured, raw_sha256="0" * 64,
        parser_version="test",
    )  # fmt: skip
    return Version(target, "2024-07-01T000000Z", captured, document, provenance)


def stamped(content: PageContent, stamp: str, url: str) -> Document:
    return parse(nato_page(replace(content, stamp=stamp)), url=url)


def test_the_lag_counts_calendar_days_in_brussels() -> None:
    # 00:30 on 1 July in Brussels is still 30 June in UTC: one day apart in Brussels, though
    # both stamps fall on 30 June in UTC and only an hour apart.
    en_url, fr_url = f"https://www.nato.int{EN_PATH}", f"https://www.nato.int{FR_PATH}"
    at = datetime(2024, 7, 2, tzinfo=UTC)
    en = version_of(EN, stamped(FULL, "01 Jul. 2024 00:30", en_url), at, en_url)
    fr = version_of(FR, stamped(FR_2023, "30 Jun. 2024 23:30", fr_url), at, fr_url)
    assert en.document.last_updated is not None and fr.document.last_updated is not None
    assert (
        en.document.last_updated.at.astimezone(UTC).date()
        == fr.document.last_updated.at.astimezone(UTC).date()
    )
    lag = compare_pair(
        PairSide(Role.ORIGINAL, EN, "en", en), PairSide(Role.TRANSLATION, FR, "fr", fr)
    )
    assert (lag.lead, lag.lag_days, lag.by_stamps) == (Role.ORIGINAL, 1, True)
    assert lag.original.day.isoformat() == "2024-07-01"
    assert lag.translation.day == fr.document.last_updated.at.astimezone(BRUSSELS).date()


# -- import-wayback of the French page -----------------------------------------------------------


@pytest.fixture
def fake_history(httpserver: HTTPServer) -> FakeWayback:
    """Both languages in one web archive, under the shapes FACTS.md lists."""
    fake = FakeWayback(httpserver)
    host = "http://www.nato.int"
    fake.add("20121108010300", f"{host}/cps/fr/natolive/topics_50098.htm",
             french_page(load_french("2012-11-08_fr_opening")))  # fmt: skip
    fake.add("20131010000000", f"{host}/cps/fr/SID-3EFCD6A2-89CF6E1E/natolive/topics_50098.htm",
             french_page(load_french("c2013-2014_fr_opening")))  # fmt: skip
    fake.add("20161007101500", f"{host}/cps/fr/natohq/topics_50098.htm?selectedLocale=en",
             nato_page(load_content("2016-10-06_en_opening")))  # fmt: skip
    fake.add("20230901000000", "https://www.nato.int/cps/fr/natohq/topics_50098.htm?",
             french_page(FR_2023))  # fmt: skip
    # The French page under the English prefix, the parameter choosing French: same bytes.
    fake.add("20230902000000",
             "https://www.nato.int/cps/en/natohq/topics_50098.htm?selectedLocale=fr",
             french_page(FR_2023))  # fmt: skip
    fake.add("20240717060000", "https://www.nato.int/cps/en/natohq/topics_50098.htm",
             nato_page(FULL))  # fmt: skip
    return fake


def test_import_wayback_of_the_french_page_keeps_the_languages_apart(
    fake_history: FakeWayback, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{EN}"\nurl = "https://www.nato.int{EN_PATH}"\n\n'
        f'[[targets]]\nname = "{FR}"\nurl = "https://www.nato.int{FR_PATH}"\n'
        f'translation_of = "{EN}"\n',
        encoding="utf-8",
    )
    env = {"NATO_WATCH_WAYBACK_URL": fake_history.base}
    result = run_cli("import-wayback", "--interval", "0", "--target", FR, env=env)
    assert result.exit_code == 0, result.stderr
    archive = Archive(data_dir)
    french = list(archive.iter_versions(FR))
    assert [v.id for v in french] == [
        "2012-11-08T010300Z", "2013-10-10T000000Z", "2023-09-01T000000Z",
    ]  # fmt: skip
    assert [v.document.title for v in french] == [
        "Coopération entre l’OTAN et la République de Corée",
        "Coopération entre l’OTAN et la République de Corée",
        "Relations avec la République de Corée",
    ]
    result = run_cli("import-wayback", "--interval", "0", "--target", EN, env=env)
    assert result.exit_code == 0, result.stderr
    english = list(archive.iter_versions(EN))
    assert [v.id for v in english] == ["2016-10-07T101500Z", "2024-07-17T060000Z"]
    assert all(v.document.title.startswith("Relations with") for v in english)
    # The French reports, written before the English history was there, were brought up to
    # date by the English import: the 2023 French version was compared with the 2016 page.
    [block] = json.loads(
        (data_dir / "reports" / FR / "2023-09-01T000000Z.json").read_text(encoding="utf-8")
    )["counterparts"]
    assert (block["version"], block["lang"]) == ("2016-10-07T101500Z", "en")
    [pair] = lag_json(run_cli)
    assert (pair["lead"], pair["lag_days"]) == ("original", 335)
    assert pair["sides"]["translation"]["lang"] == "fr"
    assert [f for f in pair["missing_in_translation"] if "airworthiness" in f["sentence"]]
    before = tree(data_dir)
    assert run_cli("replay", "--target", FR).exit_code == 0
    assert run_cli("replay", "--target", EN).exit_code == 0
    assert tree(data_dir) == before


def test_a_version_s_language_config_first_then_the_page_then_its_url() -> None:
    url = "https://www.nato.int/cps/en/natohq/topics_50098.htm?selectedLocale=fr"
    document = parse(nato_page(FULL), url=url)
    version = version_of(FR, document, datetime(2024, 7, 2, tzinfo=UTC), url)
    assert version_lang(version) == "fr"  # the parameter chooses the language
    assert version_lang(version, "de") == "de"
    object.__setattr__(document, "lang", "fr-BE")  # a parser that records <html lang>
    assert (
        version_lang(
            replace(version, provenance=replace(version.provenance, url="x", final_url="x"))
        )
        == "fr"
    )
    plain = version_of(
        FR,
        parse(nato_page(FULL), url="https://example.org/"),
        version.captured_at,
        "https://example.org/",
    )
    assert version_lang(plain) is None


def test_forgetting_another_target_keeps_the_pairs_lag_on_the_index(
    history: Callable[..., None],
    site: Site,
    run_cli: Callable[..., Result],
    data_dir: Path,
    clock: Clock,
) -> None:
    history("en-2024", "fr-2023")
    lag = "The English page is newer"
    assert lag in (data_dir / "reports" / "index.html").read_text(encoding="utf-8")
    extra = site.put("/cps/en/natohq/topics_50336.htm", nato_page(FULL))
    clock.advance(hours=1)
    assert run_cli("check", "--url", extra, "--target", "japan", now=clock).exit_code == 0
    result = run_cli("forget", "japan", "--yes")
    assert result.exit_code == 0, result.stderr
    assert lag in (data_dir / "reports" / "index.html").read_text(encoding="utf-8")
