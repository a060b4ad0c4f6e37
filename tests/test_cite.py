"""`nato-watch cite` through the real CLI, for a live and a Wayback version, field by field:
the text a reference list takes, BibTeX read by a real parser (bibtexparser) and, where
pandoc is installed, by pandoc's citation engine, and CSL-JSON validated against a schema of
CSL's input format. Also the formatter alone (`scraper.reports.cite`) on a nato.int version.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from click.testing import Result
from conftest import Clock, Site
from evidence import NATO_URL, TARGET, FakeWayback, live_history, wayback_history
from pytest_httpserver import HTTPServer

from scraper import __version__
from scraper.archive.store import Archive
from scraper.core.parser_version import PARSER_VERSION
from scraper.core.records import Version
from scraper.reports.cite import Citation, citation_text

CSL_SCHEMA = json.loads((Path(__file__).parent / "csl" / "csl-data.schema.json").read_text())


@pytest.fixture
def live(site: Site, run_cli: Callable[..., Result], clock: Clock, data_dir: Path) -> Version:
    """The second version of a live history."""
    live_history(site, run_cli, clock)
    archive = Archive(data_dir)
    return archive.read_version(TARGET, archive.version_ids(TARGET)[1])


@pytest.fixture
def wayback(httpserver: HTTPServer, run_cli: Callable[..., Result], data_dir: Path) -> FakeWayback:
    fake = FakeWayback(httpserver)
    wayback_history(fake, run_cli)
    return fake


def cite(run_cli: Callable[..., Result], *args: str) -> str:
    result = run_cli("cite", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


# -- a live version --------------------------------------------------------------------------


def test_text_of_a_live_version_reads_like_a_reference(
    live: Version, run_cli: Callable[..., Result], site: Site
) -> None:
    raw = live.provenance.raw_sha256
    host = site.url("/").split("//")[1].rstrip("/")
    assert cite(run_cli, "latest~1") == (
        f"{host}. “Relations with the Republic of Korea.” Last updated 18 July 2024, 09:15 "
        f"CEST. {site.url('/cps/en/natohq/topics_50098.htm')}. Captured 2024-07-17 08:30:00 "
        f"UTC by nato-watch {__version__} (parser {PARSER_VERSION}); raw response sha256 "
        f"{raw}.\n"
    )
    # The same version by id, by prefix, and by --at a time it was in force.
    assert cite(run_cli, live.id) == cite(run_cli, live.id[:13]) == cite(run_cli, "latest~1")
    assert cite(run_cli, "--at", "2024-07-18T00:00:00Z") == cite(run_cli, live.id)


def test_bibtex_of_a_live_version_parses_field_by_field(
    live: Version, run_cli: Callable[..., Result], site: Site
) -> None:
    text = cite(run_cli, live.id, "--style", "bibtex")

    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "online"
    assert entry.key == f"{TARGET}-{live.id}"
    fields = {f.key: f.value for f in entry.fields}
    assert fields["title"] == "{Relations with the Republic of Korea}"
    assert fields["url"] == site.url("/cps/en/natohq/topics_50098.htm")
    assert fields["date"] == "2024-07-18"
    assert fields["urldate"] == "2024-07-17"
    assert live.provenance.raw_sha256 in fields["note"]
    assert "Captured 2024-07-17 08:30:00 UTC" in fields["note"]
    assert f"parser {PARSER_VERSION}" in fields["note"]


def test_csl_json_of_a_live_version_is_valid_field_by_field(
    live: Version, run_cli: Callable[..., Result], site: Site
) -> None:
    items = json.loads(cite(run_cli, live.id, "--style", "csl-json"))

    jsonschema.validate(items, CSL_SCHEMA)
    (item,) = items
    assert item["type"] == "webpage"
    assert item["id"] == f"{TARGET}-{live.id}"
    assert item["title"] == "Relations with the Republic of Korea"
    assert item["URL"] == site.url("/cps/en/natohq/topics_50098.htm")
    assert item["issued"] == {"date-parts": [[2024, 7, 18]]}
    assert item["accessed"] == {"date-parts": [[2024, 7, 17]]}
    assert live.provenance.raw_sha256 in item["note"]
    assert "archive" not in item  # a live capture was archived by no one else


def test_markdown_style_escapes_the_title_and_links_the_url(
    live: Version, run_cli: Callable[..., Result], site: Site
) -> None:
    out = cite(run_cli, live.id, "--style", "markdown")
    assert f"<{site.url('/cps/en/natohq/topics_50098.htm')}>" in out
    assert f"`{live.provenance.raw_sha256}`" in out


# -- a version imported from the Wayback Machine ---------------------------------------------


def test_a_wayback_version_cites_nato_and_the_memento(
    wayback: FakeWayback, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    archive = Archive(data_dir)
    version = archive.read_version(TARGET, "2024-07-17T060000Z")
    raw = version.provenance.raw_sha256
    memento = wayback.memento("20240717060000")

    assert cite(run_cli, "2024-07-17T060000Z") == (
        "North Atlantic Treaty Organization. “Relations with the Republic of Korea.” Last "
        f"updated 16 July 2024, 10:28 CEST. {NATO_URL}. Captured 2024-07-17 06:00:00 UTC by "
        f"the Internet Archive's Wayback Machine, {memento}; read by nato-watch {__version__} "
        f"(parser {PARSER_VERSION}); raw response sha256 {raw}.\n"
    )

    (entry,) = bibtexparser.parse_string(cite(run_cli, "latest~1", "--style", "bibtex")).entries
    fields = {f.key: f.value for f in entry.fields}
    assert fields["author"] == fields["organization"] == "{North Atlantic Treaty Organization}"
    assert fields["url"] == NATO_URL
    assert fields["date"] == "2024-07-16" and fields["urldate"] == "2024-07-17"
    # BibTeX writes the memento's `id_` as `id\_` (LaTeX prints it back as `id_`).
    assert memento.replace("_", r"\_") in fields["note"] and raw in fields["note"]

    items = json.loads(cite(run_cli, "latest~1", "--style", "csl-json"))
    jsonschema.validate(items, CSL_SCHEMA)
    (item,) = items
    assert item["author"] == [{"literal": "North Atlantic Treaty Organization"}]
    assert item["publisher"] == "North Atlantic Treaty Organization"
    assert item["URL"] == NATO_URL
    assert item["archive"] == "Internet Archive Wayback Machine"
    assert memento in item["note"] and raw in item["note"]
    assert item["issued"] == {"date-parts": [[2024, 7, 16]]}


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_reads_the_bibtex_and_the_csl_json_without_edits(
    wayback: FakeWayback, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    key = f"{TARGET}-2024-07-17T060000Z"
    for style, name in (("bibtex", "refs.bib"), ("csl-json", "refs.json")):
        (tmp_path / name).write_text(cite(run_cli, "latest~1", "--style", style))
        done = subprocess.run(
            ["pandoc", "--citeproc", "--bibliography", name, "-t", "plain", "--wrap=none"],
            input=f"As NATO wrote [@{key}].\n",
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        assert not done.stderr, done.stderr
        assert "North Atlantic Treaty Organization" in done.stdout, done.stdout
        assert "Relations with the Republic of Korea" in done.stdout
        assert NATO_URL in done.stdout


# -- the formatter alone ---------------------------------------------------------------------


def test_a_title_with_markup_characters_stays_valid_bibtex(live: Version) -> None:
    from dataclasses import replace

    from scraper.reports.cite import citation_bibtex

    citation = replace(Citation.of(live), title="R&D {50%} of $cost #1_a ~b^c \\d")
    (entry,) = bibtexparser.parse_string(citation_bibtex(citation)).entries
    title = {f.key: f.value for f in entry.fields}["title"]
    assert (
        title
        == r"{R\&D \{50\%\} of \$cost \#1\_a \textasciitilde{}b\textasciicircum{}c \textbackslash{}d}"
    )
    assert citation_text(citation).startswith("127.0.0.1")


def test_cite_errors_are_one_line(run_cli: Callable[..., Result], live: Version) -> None:
    for args, words in (
        (("nope",), "no version 'nope'"),
        (("latest", "--at", "2024"), "give VERSION or --at, not both"),
        (("latest~9",), "has only 3 version(s)"),
    ):
        result = run_cli("cite", *args)
        assert result.exit_code != 0
        assert result.stderr.startswith("nato-watch: error: ") and words in result.stderr
        assert result.stderr.count("\n") == 1
