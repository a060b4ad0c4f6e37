"""End to end: the real `nato-watch check` against a local site, into a temp data dir."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import Site, tree
from pages import edited, load_content, nato_page

TARGET = "republic-of-korea"


def check_json(run_cli: Callable[..., Result], url: str, *extra: str) -> tuple[Result, dict]:
    result = run_cli("check", "--url", url, "--target", TARGET, "--json", *extra)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return result, json.loads(lines[0])


def test_first_check_is_new_and_stores_snapshot_and_version(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, page_2024: str
) -> None:
    url = site.put("/cps/en/natohq/topics_50098.htm", page_2024)

    result, out = check_json(run_cli, url)

    assert result.exit_code == 0, result.stderr
    assert out["target"] == TARGET
    assert out["status"] == "new"
    assert out["error"] is None
    assert out["report"] is None
    assert out["last_updated"] == "2024-07-16T10:28:00+02:00"
    version_file = data_dir / "snapshots" / TARGET / "versions" / f"{out['version']}.json"
    stored = json.loads(version_file.read_text(encoding="utf-8"))
    assert stored["document"]["title"] == "Relations with the Republic of Korea"
    assert stored["provenance"]["url"] == url
    assert stored["provenance"]["status"] == 200
    raws = list((data_dir / "snapshots" / TARGET / "raw").glob("*.html.gz"))
    assert [p.name for p in raws] == [f"{stored['provenance']['raw_sha256']}.html.gz"]
    log_lines = (data_dir / "snapshots" / TARGET / "checks.jsonl").read_text().splitlines()
    assert len(log_lines) == 1
    assert json.loads(log_lines[0])["status"] == "new"


def test_same_page_again_is_unchanged_and_writes_only_the_log_line_and_the_health_page(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, page_2024: str
) -> None:
    url = site.put("/page.htm", page_2024)
    check_json(run_cli, url)
    before = tree(data_dir)

    result, out = check_json(run_cli, url)

    assert result.exit_code == 0
    assert out["status"] == "unchanged"
    after = tree(data_dir)
    log_name = f"snapshots/{TARGET}/checks.jsonl"
    # The health page says when the page was last checked: the one site file a check rewrites.
    written = {log_name, "reports/health.html"}
    assert {k: v for k, v in after.items() if k not in written} == {
        k: v for k, v in before.items() if k not in written
    }
    assert b"<td>ok</td>" in after["reports/health.html"]
    assert after[log_name].startswith(before[log_name])
    added = after[log_name][len(before[log_name]) :].decode().splitlines()
    assert len(added) == 1 and json.loads(added[0])["status"] == "unchanged"


def test_edited_page_is_changed_with_a_report(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    content = load_content()
    url = site.put("/page.htm", nato_page(content))
    _, first = check_json(run_cli, url)
    site.put(
        "/page.htm",
        nato_page(
            edited(
                content,
                stamp="18 Jul. 2024 09:15",
                replace_text={"steadfast in supporting": "unwavering in its support for"},
            )
        ),
    )

    result, out = check_json(run_cli, url)

    assert result.exit_code == 0, result.stderr
    assert out["status"] == "changed"
    assert out["version"] != first["version"]
    assert out["last_updated"] == "2024-07-18T09:15:00+02:00"
    report_md = Path(out["report"])
    if not report_md.is_absolute():
        report_md = Path.cwd() / report_md
    assert report_md.is_file()
    for ext in ("md", "html", "json"):
        assert report_md.with_suffix(f".{ext}").is_file()
    report = json.loads(report_md.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["stamp"] == "changed"
    assert report["silent_edit"] is False
    assert report["summary"]["blocks_changed"] == 1
    assert "unwavering" in report_md.read_text(encoding="utf-8")
    assert (data_dir / "reports" / "index.html").is_file()
    assert (data_dir / "reports" / "feed.atom").is_file()


def test_failing_fetch_exits_non_zero_and_stores_only_the_log_line(
    site: Site, run_cli: Callable[..., Result], data_dir: Path
) -> None:
    url = site.put("/page.htm", "<html><body>Server error</body></html>", status=500)
    # Retries are not what this test is about: two quick tries instead of four with backoff.
    (data_dir / "nato-watch.toml").write_text("[fetch]\nretries = 2\nbackoff = 0.01\n")

    result = run_cli("check", "--url", url, "--target", TARGET, "--json")

    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["status"] == "error"
    assert "500" in out["error"]
    assert "Traceback" not in result.stderr
    error_lines = result.stderr.strip().splitlines()
    assert error_lines[-1].startswith("nato-watch: error: republic-of-korea: ")
    assert url in error_lines[-1]
    files = sorted(tree(data_dir))
    assert files == ["nato-watch.toml", f"snapshots/{TARGET}/checks.jsonl"]


def test_unreachable_host_fails_with_one_line_naming_the_url(
    run_cli: Callable[..., Result], data_dir: Path
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cps/en/natohq/topics_50098.htm"
    config = data_dir / "nato-watch.toml"
    config.write_text(
        f'[[targets]]\nname = "{TARGET}"\nurl = "{url}"\n\n[fetch]\nretries = 1\nbackoff = 0.01\n'
    )

    result = run_cli("check")

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert url in last
    assert sorted(tree(data_dir)) == ["nato-watch.toml", f"snapshots/{TARGET}/checks.jsonl"]


def test_check_without_url_checks_every_configured_target(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, page_2024: str
) -> None:
    first = site.put("/a.htm", page_2024)
    second = site.put("/b.htm", page_2024.replace("Republic of Korea", "Republic of Korea", 1))
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "one"\nurl = "{first}"\n\n[[targets]]\nname = "two"\nurl = "{second}"\n'
    )

    result = run_cli("check", "--json")

    assert result.exit_code == 0, result.stderr
    outs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["target"], o["status"]) for o in outs] == [("one", "new"), ("two", "new")]

    only = run_cli("check", "--json", "--target", "two")
    assert [json.loads(x)["target"] for x in only.stdout.splitlines()] == ["two"]


def test_url_without_target_derives_a_name(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, page_2024: str
) -> None:
    url = site.put("/cps/en/natohq/topics_50098.htm", page_2024)

    result = run_cli("check", "--url", url, "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["target"] == "127-0-0-1-topics-50098"


def test_human_output_names_version_and_stamp(
    site: Site, run_cli: Callable[..., Result], page_2024: str
) -> None:
    url = site.put("/p.htm", page_2024)
    result = run_cli("check", "--url", url, "--target", TARGET)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{TARGET}: new — first version ")
    assert "(last updated 16 Jul. 2024 10:28)" in result.stdout
