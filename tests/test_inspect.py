"""`nato-watch inspect` through the real CLI: a URL served by the local test server, a saved
file and a stored version; the text, the JSON (`kept` and `dropped`) and the annotated page.

The annotated page in a real browser is tested in `test_inspect_browser.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result
from conftest import Clock, Site
from pages import load_content, nato_page

from scraper.core.parse import parse, parse_traced
from scraper.core.parser_version import PARSER_VERSION

TESTS = Path(__file__).parent
TOPIC = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
PATH = "/cps/en/natohq/topics_50098.htm"
HELDOUT = TESTS / "heldout"


def test_inspect_a_url_served_locally(site: Site, run_cli: Callable[..., Result]) -> None:
    url = site.put(PATH, nato_page(load_content()), content_type="text/html; charset=utf-8")
    result = run_cli("inspect", url)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"{url}: read by parser {PARSER_VERSION} as {url}\n")
    assert "title: Relations with the Republic of Korea\n" in out
    assert "last updated: 16 Jul. 2024 10:28\n" in out
    assert "  ## Key areas of cooperation\n" in out
    assert "    bullet    Cyber defence: Since 2021" in out
    for reason in ("page header", "cookie banner", "breadcrumbs", "share bar", "page footer"):
        assert f"  {reason} " in out, reason


def test_inspect_a_saved_file_as_json(data_dir: Path, run_cli: Callable[..., Result]) -> None:
    page = HELDOUT / "cps2012_tables" / "page.html"
    result = run_cli("inspect", str(page), "--url", TOPIC, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    expected = parse(page.read_text(encoding="utf-8"), url=TOPIC)
    assert out["content_hash"] == expected.content_hash
    assert out["title"] == expected.title
    assert out["parser_version"] == PARSER_VERSION
    kinds = [k["kind"] for k in out["kept"]]
    assert kinds[:2] == ["title", "stamp"]
    assert kinds.count("figure") == 1
    assert sum(k in ("paragraph", "bullet", "figure") for k in kinds) == sum(
        len(s.blocks) for s in expected.sections
    )
    dropped = {d["text"]: d["reason"] for d in out["dropped"]}
    assert dropped["Print | E-mail this page"] == "tool bar: link-only strip"
    assert all(isinstance(d["element"], int) for d in out["dropped"])


def test_a_file_is_read_as_the_only_targets_url(
    data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    page = HELDOUT / "responsive_2014" / "page.html"
    result = run_cli("inspect", str(page))
    assert result.exit_code == 0, result.output
    assert f"read by parser {PARSER_VERSION} as {TOPIC}\n" in result.stdout
    assert "  back to top " in result.stdout


def test_inspect_a_stored_version_and_write_the_annotated_page(
    site: Site, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    clock = Clock(datetime(2024, 7, 16, 8, 30, tzinfo=UTC))
    page = nato_page(load_content())
    url = site.put(PATH, page.encode("cp1252", errors="xmlcharrefreplace"),
                   content_type="text/html; charset=windows-1252")  # fmt: skip
    assert run_cli("check", "--url", url, "--target", "korea", now=clock).exit_code == 0
    out = tmp_path / "latest.html"
    result = run_cli("inspect", "latest", "--target", "korea", "--html", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"korea 2024-07-16T083000Z: read by parser {PARSER_VERSION}")
    assert f"annotated page written to {out}" in result.stderr
    annotated = out.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in annotated and "script-src 'none'" in annotated
    assert "<script" not in annotated.lower()
    assert "nw-kept" in annotated and "dropped: page header" in annotated
    # The stored version is read as replay reads it: the same document.
    shown = json.loads(run_cli("inspect", "latest", "--target", "korea", "--json").stdout)
    stored = json.loads(run_cli("log", "--json").stdout)
    assert shown["content_hash"] == stored[-1]["hash"]


def test_inspect_says_what_is_wrong_in_one_line(
    data_dir: Path, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("inspect")
    assert result.exit_code != 0
    assert result.stderr.startswith("nato-watch: error:")
    assert len(result.stderr.strip().splitlines()) == 1
    bad = run_cli("inspect", "latest", "--url", TOPIC)
    assert bad.exit_code != 0 and "--url applies to a FILE only" in bad.stderr


def test_parse_traced_gives_the_same_document_as_parse() -> None:
    for folder in sorted(HELDOUT.glob("*/page.html")):
        html = folder.read_bytes()
        doc, trace = parse_traced(html, url=TOPIC)
        assert doc == parse(html, url=TOPIC), folder.parent.name
        blocks = [k for k in trace.kept if k.kind in ("paragraph", "bullet", "figure")]
        assert len(blocks) == sum(len(s.blocks) for s in doc.sections)
        assert all(k.node is not None for k in blocks), folder.parent.name
