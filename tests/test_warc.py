"""WARC export and import through the real CLI, against pages served on 127.0.0.1.

Archives are built with real `check`s of the local site (realistic nato.int-like pages from
`tests/pages.py`); exports are read back with warcio's own reader and checked with its
`warcio check`; third-party WARCs are made the way others make them (`warcio.capture_http`
around `requests.get`, in a separate process) or record by record with warcio's writer.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import Clock, Site, nato_watch, tree
from pages import edited, load_content, nato_page
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive.store import Archive, sha256_hex
from scraper.archive.verify import verify
from scraper.core.records import HttpExchange, Source
from scraper.sources.importing import sha1_digest

TARGET = "rok"
PATH = "/cps/en/natohq/topics_50098.htm"
FULL = load_content()
OPENING = load_content("2016-10-06_en_opening")
PAGE_2016 = nato_page(OPENING)
PAGE_2024 = nato_page(FULL)
PAGE_EDITED = nato_page(
    edited(FULL, stamp="17 Jul. 2024 10:00", replace_text={"steadfast": "long-standing"})
)


# -- helpers ---------------------------------------------------------------------------------


def cli(data_dir: Path, *args: str, now: Callable[[], datetime] | None = None) -> Result:
    """Run the real `nato-watch` with `--data-dir data_dir`; stdout and stderr apart; `now`
    the command's clock (default: the real one)."""
    return nato_watch(data_dir, *args, now=now)


def configure(data_dir: Path, url: str, name: str = TARGET) -> None:
    """A config naming one target at `url`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "{name}"\nurl = "{url}"\n', encoding="utf-8"
    )


def check(data_dir: Path, url: str, *, now: Callable[[], datetime] | None = None) -> dict[str, Any]:
    """One real `check` of `url` as the target; its JSON line."""
    result = cli(data_dir, "check", "--url", url, "--target", TARGET, "--json", now=now)
    assert result.exit_code == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC as a dict: type, WARC headers, HTTP head, and content."""
    out = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            head = record.http_headers
            out.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "status": head.get_statuscode()
                    if head and record.rec_type != "request"
                    else None,
                    "http": list(head.headers) if head else [],
                    "statusline": f"{head.protocol} {head.statusline}" if head else None,
                    "content": record.content_stream().read(),
                }
            )
    return out


def fields(content: bytes) -> dict[str, list[str]]:
    """The `name: value` lines of a warc-fields block, every value of a name."""
    out: dict[str, list[str]] = {}
    for line in content.decode("utf-8").splitlines():
        name, _, value = line.partition(": ")
        out.setdefault(name, []).append(value)
    return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    """`warcio check -v PATH`, warcio's own digest checker, as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from warcio.cli import main; main()",
            "check",
            "-v",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


@pytest.fixture
def archive_a(site: Site, data_dir: Path) -> Iterator[tuple[Path, str]]:
    """An archive of three real checks: a gzipped page with repeated Set-Cookie headers, the
    same bytes again (an unchanged check), then an edited page."""
    url = site.put(
        PATH,
        gzipped(PAGE_2024),
        headers=[  # type: ignore[arg-type]
            ("Content-Encoding", "gzip"),
            ("ETag", '"v1"'),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
        ],
    )
    configure(data_dir, url)
    assert check(data_dir, url)["status"] == "new"
    assert check(data_dir, url)["status"] == "unchanged"
    site.put(PATH, PAGE_EDITED, headers={"ETag": '"v2"'})
    assert check(data_dir, url)["status"] == "changed"
    yield data_dir, url


# -- the sidecar: status line and headers kept beside each raw snapshot -------------------------


def test_a_check_keeps_the_response_heads_beside_the_snapshot(archive_a: tuple[Path, str]) -> None:
    data_dir, url = archive_a
    archive = Archive(data_dir)
    first = archive.read_version(TARGET, archive.version_ids(TARGET)[0])
    sidecar = archive.read_headers(TARGET, first.provenance.raw_sha256)
    assert sidecar is not None
    assert sidecar.captured_at == first.captured_at  # the capture time, to the microsecond
    assert sidecar.url == url
    exchange = sidecar.exchange
    assert (exchange.status, exchange.reason) == (200, "OK")
    received = [(k.lower(), v) for k, v in exchange.headers]
    # Repeated headers are kept once per occurrence, as received (requests would join them).
    assert ("set-cookie", "a=1; Path=/") in received and ("set-cookie", "b=2; Path=/") in received
    assert ("content-encoding", "gzip") in received
    assert exchange.header("Content-Length") == str(len(gzipped(PAGE_2024)))
    sent = dict((k.lower(), v) for k, v in exchange.request_headers)
    assert sent["host"] == url.split("/")[2]
    assert sent["user-agent"].startswith("nato-watch/")
    # The stored body is the decoded page; the sidecar is written once per body.
    assert archive.read_raw(TARGET, first.provenance.raw_sha256) == PAGE_2024.encode("utf-8")
    raw_files = sorted(p.name for p in (data_dir / "snapshots" / TARGET / "raw").iterdir())
    assert len([n for n in raw_files if n.endswith(".http.json")]) == 2
    assert cli(data_dir, "verify").exit_code == 0


def test_verify_judges_sidecars(archive_a: tuple[Path, str]) -> None:
    data_dir, _url = archive_a
    raw = data_dir / "snapshots" / TARGET / "raw"
    first, second = sorted(raw.glob("*.http.json"))
    kept = second.read_bytes()
    # A body without its headers is what an archive made before headers were kept holds: fine.
    first.unlink()
    result = cli(data_dir, "verify")
    assert result.exit_code == 0, result.stdout
    # A sidecar that does not parse is damage.
    second.write_text("{not json", encoding="utf-8")
    result = cli(data_dir, "verify")
    assert result.exit_code == 1
    assert f"DAMAGE snapshots/{TARGET}/raw/{second.name}: unreadable headers file" in result.stdout
    # So is one whose body is gone.
    second.write_bytes(kept)
    assert cli(data_dir, "verify").exit_code == 0
    (raw / second.name.replace(".http.json", ".html.gz")).unlink()
    result = cli(data_dir, "verify")
    assert result.exit_code == 1
    assert f"DAMAGE snapshots/{TARGET}/raw/{second.name}: keeps the headers of raw snapshot" in (
        result.stdout
    )


# -- export -------------------------------------------------------------------------------------


def test_export_writes_a_valid_warc_of_every_capture(
    archive_a: tuple[Path, str], tmp_path: Path
) -> None:
    data_dir, url = archive_a
    archive = Archive(data_dir)
    versions = list(archive.iter_versions(TARGET))
    out = tmp_path / "nato.warc.gz"

    result = cli(data_dir, "export-warc", str(out))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        f"wrote {out}: 3 captures of {TARGET} (2 responses, 1 revisit, 2 versions"
    )
    checked = warcio_check(out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout and "digest failed" not in checked.stdout
    found = records(out)
    assert [r["type"] for r in found] == [
        "warcinfo",
        "response", "request", "metadata",
        "revisit", "request", "metadata",
        "response", "request", "metadata",
    ]  # fmt: skip
    info = fields(found[0]["content"])
    assert info["software"][0].startswith("nato-watch/") and "warcio/" in info["software"][0]
    assert info["format"] == ["WARC File Format 1.1"]

    first, revisit, second = found[1], found[4], found[7]
    # WARC-Date is the capture time, microseconds kept; the target URI is the URL that answered.
    assert first["warc"]["WARC-Date"] == versions[0].captured_at.isoformat().replace("+00:00", "Z")
    assert second["warc"]["WARC-Date"] == versions[1].captured_at.isoformat().replace("+00:00", "Z")
    assert first["warc"]["WARC-Target-URI"] == url
    # The body is exactly the stored snapshot; the head is as received, less what no longer fits.
    assert first["content"] == PAGE_2024.encode("utf-8")
    head = [(k.lower(), v) for k, v in first["http"]]
    assert ("set-cookie", "a=1; Path=/") in head and ("set-cookie", "b=2; Path=/") in head
    assert not any(k == "content-encoding" for k, _ in head)
    assert ("content-length", str(len(PAGE_2024.encode("utf-8")))) in head
    assert ("etag", '"v1"') in head
    assert first["warc"]["WARC-Payload-Digest"] == sha1_digest(PAGE_2024.encode("utf-8"))
    # The unchanged check is a revisit of the first response.
    assert revisit["warc"]["WARC-Refers-To"] == first["warc"]["WARC-Record-ID"]
    assert revisit["warc"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert revisit["warc"]["WARC-Payload-Digest"] == first["warc"]["WARC-Payload-Digest"]
    # Requests are the ones sent, concurrent to their response.
    request = found[2]
    assert request["warc"]["WARC-Concurrent-To"] == first["warc"]["WARC-Record-ID"]
    assert request["statusline"] == f"GET {PATH} HTTP/1.1"
    assert any(
        k.lower() == "user-agent" and v.startswith("nato-watch/") for k, v in request["http"]
    )

    meta = fields(found[3]["content"])
    assert found[3]["warc"]["WARC-Refers-To"] == first["warc"]["WARC-Record-ID"]
    assert meta["version"] == [versions[0].id]
    assert meta["content-hash"] == [versions[0].content_hash]
    assert meta["source"] == ["live"]
    assert meta["report-summary"] == ["first version"]
    assert meta["http-headers"][0].startswith("as received; rewritten for the decoded body: ")
    assert "Content-Encoding: gzip removed" in meta["http-headers"][0]
    meta2 = fields(found[9]["content"])
    assert meta2["version"] == [versions[1].id]
    assert meta2["previous-version"] == [versions[0].id]
    assert meta2["parser-version"] == [versions[1].provenance.parser_version]
    assert "1 block changed" in meta2["report-summary"][0]
    assert fields(found[6]["content"])["version-in-force"] == [versions[0].id]


def test_export_of_an_archive_from_before_headers_were_kept(
    archive_a: tuple[Path, str], tmp_path: Path
) -> None:
    data_dir, _url = archive_a
    for sidecar in (data_dir / "snapshots" / TARGET / "raw").glob("*.http.json"):
        sidecar.unlink()
    out = tmp_path / "old.warc"  # not gzipped

    result = cli(data_dir, "export-warc", str(out), "--target", TARGET)

    assert result.exit_code == 0, result.stderr
    assert "3 with headers rebuilt from the check log" in result.stdout
    assert out.read_bytes().startswith(b"WARC/1.1\r\n")
    assert warcio_check(out).returncode == 0
    response = next(r for r in records(out) if r["type"] == "response")
    assert response["statusline"] == "HTTP/1.1 200 OK"
    assert dict(response["http"])["Content-Type"] == "text/html; charset=utf-8"
    meta = fields(next(r for r in records(out) if r["type"] == "metadata")["content"])
    assert meta["http-headers"][0].startswith("rebuilt from the check log")


def test_export_takes_a_time_span(site: Site, data_dir: Path, tmp_path: Path) -> None:
    url = site.put(PATH, PAGE_2024)
    clock = Clock(datetime(2024, 7, 17, 6, 0, 0, 400_000, tzinfo=UTC))
    check(data_dir, url, now=clock)
    # The next capture in a later second: --from and --to are read to the second.
    clock.advance(seconds=1)
    site.put(PATH, PAGE_EDITED)
    check(data_dir, url, now=clock)
    archive = Archive(data_dir)
    last = archive.read_version(TARGET, archive.version_ids(TARGET)[-1])
    out = tmp_path / "span.warc.gz"

    result = cli(data_dir, "export-warc", str(out), "--from", last.id)

    assert result.exit_code == 0, result.stderr
    kinds = [r["type"] for r in records(out)]
    assert kinds == ["warcinfo", "response", "request", "metadata"]
    assert records(out)[1]["content"] == PAGE_EDITED.encode("utf-8")
    result = cli(data_dir, "export-warc", str(out), "--to", "2001")
    assert result.exit_code == 0
    assert [r["type"] for r in records(out)] == ["warcinfo"]


# -- import ---------------------------------------------------------------------------------------


def capture_with_warcio(path: Path, *urls: str) -> None:
    """Make a WARC the way third parties do: `warcio.capture_http` around `requests.get`, in a
    process of its own (capture_http must patch http.client before requests is imported)."""
    script = (
        "import sys\n"
        "from warcio.capture_http import capture_http\n"
        "import requests\n"
        "with capture_http(sys.argv[1], gzip=True):\n"
        "    for url in sys.argv[2:]:\n"
        "        requests.get(url, timeout=10)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), *urls], check=True, timeout=60)


def test_a_warc_made_by_another_tool_is_imported(
    site: Site, data_dir: Path, tmp_path: Path
) -> None:
    # The page under another URL shape (natolive, a session id, another locale prefix with
    # selectedLocale=en), gzipped on the wire; and a page of another target, left out.
    shape = "/cps/fr/SID-4E37114D-E9973C8C/natolive/topics_50098.htm"
    url = site.put(PATH, PAGE_2016)
    other = site.put(shape, gzipped(PAGE_2024), headers={"Content-Encoding": "gzip"})
    japan = site.put("/cps/en/natohq/topics_50336.htm", PAGE_2024)
    warc = tmp_path / "crawl.warc.gz"
    capture_with_warcio(warc, url, other + "?selectedLocale=en", japan)
    configure(data_dir, url)

    result = cli(data_dir, "import-warc", str(warc))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"{TARGET}: 2 captures listed, 2 new snapshots imported; 2 versions (2 imported); "
        "reports rebuilt\n"
    )
    assert "crawl.warc.gz: 6 records read, captures: 2 of rok" in result.stderr
    archive = Archive(data_dir)
    versions = list(archive.iter_versions(TARGET))
    assert [v.provenance.source for v in versions] == [Source.WARC, Source.WARC]
    # capture_http writes WARC/1.0: both captures fall in one second (ids: it and the next).
    stamps = {v.document.last_updated.text: v for v in versions if v.document.last_updated}
    assert sorted(stamps) == ["06 Oct. 2016 17:16", "16 Jul. 2024 10:28"]
    # The gzipped payload is kept decoded, as a live check keeps it, with its heads beside it.
    raw = stamps["16 Jul. 2024 10:28"].provenance.raw_sha256
    assert archive.read_raw(TARGET, raw) == PAGE_2024.encode("utf-8")
    sidecar = archive.read_headers(TARGET, raw)
    assert sidecar is not None and sidecar.source is Source.WARC
    assert sidecar.exchange.header("Content-Encoding") == "gzip"
    assert any(k == "User-Agent" for k, _ in sidecar.exchange.request_headers)
    lines = [json.loads(x) for x in archive.checks_path(TARGET).read_text().splitlines()]
    assert all(
        line["source"] == "warc" and line["memento"].startswith("crawl.warc.gz#<urn:uuid:")
        for line in lines
    )
    # No false alarm: the record's digest is of the gzipped payload, which it matches.
    assert not any(
        "differs from the archive's" in n for line in lines for n in line.get("notes", [])
    )
    assert any("kept decoded" in " ".join(line.get("notes", [])) for line in lines)
    assert cli(data_dir, "verify").exit_code == 0
    assert "[warc]" in cli(data_dir, "log").stdout

    again = cli(data_dir, "import-warc", str(warc))

    assert again.exit_code == 0
    assert "0 new snapshots imported (2 already imported)" in again.stdout
    assert len(archive.checks_path(TARGET).read_text().splitlines()) == 2


def write_warc(path: Path, build: Callable[[WARCWriter], None]) -> None:
    with path.open("wb") as handle:
        build(WARCWriter(handle, gzip=path.name.endswith(".gz"), warc_version="1.1"))


def response(writer: WARCWriter, url: str, date: str, body: bytes, *, status: str = "200 OK",
             content_type: str = "text/html; charset=utf-8") -> Any:  # fmt: skip
    head = StatusAndHeaders(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body)))], "HTTP/1.1"
    )
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=head,
        warc_headers_dict={"WARC-Date": date},
    )  # fmt: skip
    writer.write_record(record)
    return record


def revisit(
    writer: WARCWriter, url: str, date: str, of: Any | None, digest: str | None = None
) -> None:
    head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
    record = writer.create_revisit_record(
        url,
        digest=digest or of.rec_headers.get_header("WARC-Payload-Digest"),
        refers_to_uri=url,
        refers_to_date=of.rec_headers.get_header("WARC-Date") if of else "2010-01-01T00:00:00Z",
        http_headers=head,
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)


MAINTENANCE = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><p>We will be back soon.</p></body></html>"
ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>"


def test_revisits_errors_other_types_and_non_articles(data_dir: Path, tmp_path: Path) -> None:
    url = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
    shape = "http://www.nato.int/cps/en/natolive/topics_50098.htm?"

    def build(writer: WARCWriter) -> None:
        first = response(writer, url, "2016-10-07T09:00:00.250000Z", PAGE_2016.encode())
        # The revisit comes before its original in the file: it is read after all responses.
        revisit(writer, shape, "2018-01-02T00:00:00Z", first)
        response(writer, url, "2017-01-01T00:00:00Z", ERROR_PAGE, status="404 Not Found")
        response(writer, url, "2017-02-01T00:00:00Z", b"%PDF-1.4", content_type="application/pdf")
        response(writer, url, "2017-03-01T00:00:00Z", MAINTENANCE)  # 200, but not the article
        revisit(writer, url, "2019-01-01T00:00:00Z", None, digest=sha1_digest(b"lost"))
        response(writer, "https://www.nato.int/cps/en/natohq/topics_49188.htm",
                 "2017-04-01T00:00:00Z", PAGE_2024.encode())  # fmt: skip
        response(writer, url, "2024-07-16T08:30:00.000001Z", PAGE_2024.encode())

    warc = tmp_path / "mixed.warc"
    write_warc(warc, build)
    configure(data_dir, url)

    result = cli(data_dir, "import-warc", str(warc), "--target", TARGET)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"{TARGET}: 7 captures listed, 2 new snapshots imported (1 duplicate by digest, "
        "3 not articles, 1 revisit without its original); 2 versions (2 imported); "
        "reports rebuilt\n"
    )
    archive = Archive(data_dir)
    versions = list(archive.iter_versions(TARGET))
    assert [v.captured_at for v in versions] == [
        datetime(2016, 10, 7, 9, 0, 0, 250000, tzinfo=UTC),
        datetime(2024, 7, 16, 8, 30, 0, 1, tzinfo=UTC),
    ]
    lines = [json.loads(x) for x in archive.checks_path(TARGET).read_text().splitlines()]
    errors = {line["at"][:7]: line["error"] for line in lines if line["status"] == "error"}
    assert errors == {
        "2017-01": "the archived response is HTTP 404, not the page",
        "2017-02": "the archived response is application/pdf, not an HTML page",
        "2017-03": "not the article: the server sent an error page ('Maintenance')",
    }
    assert any(
        line["status"] == "imported" and line["at"] == "2018-01-02T00:00:00Z" for line in lines
    )
    assert cli(data_dir, "verify").exit_code == 0


def test_bytes_past_a_records_length_are_one_line_of_ours_not_the_readers(
    data_dir: Path, tmp_path: Path
) -> None:
    # A record followed by more than its Content-Length says (a tool that got the length
    # wrong): warcio reads on and writes a multi-line WARNING to stderr; the user sees one line.
    url = "https://www.nato.int/cps/en/natohq/topics_50098.htm"

    def build(writer: WARCWriter) -> None:
        response(writer, url, "2016-10-07T09:00:00Z", PAGE_2016.encode())
        response(writer, url, "2024-07-16T08:30:00Z", PAGE_2024.encode())

    whole = tmp_path / "whole.warc"
    write_warc(whole, build)
    data = whole.read_bytes()
    second = data.index(b"\r\n\r\nWARC/1.1", data.index(b"WARC/1.1") + 1)
    warc = tmp_path / "long.warc"
    warc.write_bytes(data[:second] + b"stray bytes after the block\r\n" + data[second:])
    configure(data_dir, url)

    result = cli(data_dir, "import-warc", str(warc), "--target", TARGET)

    assert result.exit_code == 0, result.stderr
    assert "WARNING" not in result.stderr and "Remainder" not in result.stderr
    notes = [line for line in result.stderr.splitlines() if "Content-Length" in line]
    assert notes == [
        f"import-warc: long.warc: 1 record followed by more bytes than its Content-Length says "
        f"(at byte {second}): read on past the extra bytes"
    ], result.stderr
    assert len(Archive(data_dir).version_ids(TARGET)) == 2
    assert cli(data_dir, "verify").exit_code == 0


def test_a_file_wrong_at_every_record_gives_one_bounded_line(
    data_dir: Path, tmp_path: Path
) -> None:
    url = "https://www.nato.int/cps/en/natohq/topics_50098.htm"

    def build(writer: WARCWriter) -> None:
        for day in range(1, 9):
            response(writer, url, f"2024-07-{day:02d}T08:30:00Z", PAGE_2024.encode())

    whole = tmp_path / "whole.warc"
    write_warc(whole, build)
    warc = tmp_path / "long.warc"
    warc.write_bytes(whole.read_bytes().replace(b"\r\n\r\nWARC/1.1", b"junk\r\n\r\n\r\nWARC/1.1"))
    configure(data_dir, url)

    result = cli(data_dir, "import-warc", str(warc), "--target", TARGET)

    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "Content-Length" in line]
    assert len(notes) == 1 and "7 records followed by" in notes[0], result.stderr
    assert notes[0].count("byte ") == 5 and "and 2 more): read on" in notes[0]


def test_a_truncated_gzip_member_imports_nothing(
    archive_a: tuple[Path, str], tmp_path: Path
) -> None:
    data_dir, url = archive_a
    warc = tmp_path / "whole.warc.gz"
    assert cli(data_dir, "export-warc", str(warc)).exit_code == 0
    empty = tmp_path / "empty"
    configure(empty, url)
    whole = warc.read_bytes()
    middle = len(whole) // 2
    if whole[middle : middle + 2] == b"\x1f\x8b":
        # Exactly between two gzip members the file is a whole, shorter WARC, not a cut one
        # (the export is symmetric enough for the middle to land there now and then).
        middle += 5
    for cut in (len(whole) - 10, middle):
        broken = tmp_path / "broken.warc.gz"
        broken.write_bytes(whole[:cut])

        result = cli(empty, "import-warc", str(broken))

        assert result.exit_code == 1
        assert result.stderr.startswith(
            f"nato-watch: error: {broken} is damaged: its gzip data is cut short"
        )
        assert "nothing was imported" in result.stderr
        assert sorted(tree(empty)) == ["nato-watch.toml"]


def test_a_record_cut_short_in_an_uncompressed_warc_imports_nothing(
    archive_a: tuple[Path, str], tmp_path: Path
) -> None:
    data_dir, url = archive_a
    warc = tmp_path / "whole.warc"
    assert cli(data_dir, "export-warc", str(warc)).exit_code == 0
    broken = tmp_path / "broken.warc"
    broken.write_bytes(warc.read_bytes()[:-2000])
    empty = tmp_path / "empty"
    configure(empty, url)

    result = cli(empty, "import-warc", str(broken))

    assert result.exit_code == 1
    assert "is cut short: the record at byte" in result.stderr
    assert sorted(tree(empty)) == ["nato-watch.toml"]


def test_round_trip_gives_the_same_versions_and_byte_identical_reports(
    site: Site, data_dir: Path, tmp_path: Path
) -> None:
    url = site.put(PATH, PAGE_2016)
    configure(data_dir, url)
    check(data_dir, url)
    site.put(PATH, PAGE_2024, headers=[("Set-Cookie", "x=1"), ("Set-Cookie", "y=2")])  # type: ignore[arg-type]
    check(data_dir, url)
    check(data_dir, url)  # unchanged: a revisit
    site.put(PATH, PAGE_EDITED)
    check(data_dir, url)
    site.put(PATH, PAGE_2024)  # back to an earlier text: a new version with old bytes
    check(data_dir, url)
    warc = tmp_path / "a.warc.gz"
    assert cli(data_dir, "export-warc", str(warc)).exit_code == 0
    b_dir = tmp_path / "b"
    configure(b_dir, url)

    result = cli(b_dir, "import-warc", str(warc))

    assert result.exit_code == 0, result.stderr
    a, b = Archive(data_dir), Archive(b_dir)
    a_versions, b_versions = list(a.iter_versions(TARGET)), list(b.iter_versions(TARGET))
    assert len(a_versions) == 4
    assert [(v.id, v.captured_at, v.content_hash) for v in b_versions] == [
        (v.id, v.captured_at, v.content_hash) for v in a_versions
    ]
    # Live checks stay live: the export's metadata says so; the log says they came by WARC.
    assert all(v.provenance.source is Source.LIVE for v in b_versions)
    assert all(v.provenance.memento_url.startswith("a.warc.gz#") for v in b_versions)  # type: ignore[union-attr]
    reports_a = {k: v for k, v in tree(data_dir).items() if k.startswith("reports/")}
    reports_b = {k: v for k, v in tree(b_dir).items() if k.startswith("reports/")}
    assert len(reports_a) > 9 and sorted(reports_b) == sorted(reports_a)
    pages = {k for k in reports_a if f"/{TARGET}/pages/" in k}
    # Reports, index, feed: byte for byte the same.
    assert {k: v for k, v in reports_b.items() if k not in pages} == {
        k: v for k, v in reports_a.items() if k not in pages
    }
    # A version's page shows its provenance: the same, plus the WARC record it came from.
    for name in pages:
        lines_b = reports_b[name].decode("utf-8").splitlines(keepends=True)
        trail = [x for x in lines_b if '<th scope="row">Memento</th><td>a.warc.gz#' in x]
        assert len(trail) == 1, name
        assert "".join(x for x in lines_b if x not in trail).encode("utf-8") == reports_a[name]
    # Every snapshot, its headers included, came across.
    raw_a = {k: v for k, v in tree(data_dir).items() if "/raw/" in k and k.endswith(".html.gz")}
    raw_b = {k: v for k, v in tree(b_dir).items() if "/raw/" in k and k.endswith(".html.gz")}
    assert raw_b == raw_a
    for name in raw_a:
        sha = Path(name).name.removesuffix(".html.gz")
        kept_a, kept_b = a.read_headers(TARGET, sha), b.read_headers(TARGET, sha)
        assert kept_a is not None and kept_b is not None
        assert kept_b.exchange.request_headers == kept_a.exchange.request_headers
        assert kept_b.captured_at == kept_a.captured_at
    assert cli(b_dir, "verify").exit_code == 0
    # Re-importing adds nothing and changes nothing.
    before = tree(b_dir)
    again = cli(b_dir, "import-warc", str(warc))
    assert again.exit_code == 0
    assert "0 new snapshots imported (5 already imported)" in again.stdout
    assert tree(b_dir) == before


def many_pages_warc(path: Path, count: int) -> None:
    """A WARC of `count` captures of the page, each a distinct text, a day apart."""
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def build(writer: WARCWriter) -> None:
        for n in range(count):
            day = start + timedelta(days=n, microseconds=n)
            page = nato_page(edited(FULL, stamp=day.strftime("%d %b. %Y 10:00")))
            date = day.isoformat().replace("+00:00", "Z")
            response(
                writer, "https://www.nato.int/cps/en/natohq/topics_50098.htm", date, page.encode()
            )

    write_warc(path, build)


def test_a_killed_import_leaves_a_valid_archive_and_the_next_run_completes(tmp_path: Path) -> None:
    url = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
    warc = tmp_path / "many.warc.gz"
    many_pages_warc(warc, 60)
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    configure(killed, url)
    configure(whole, url)
    command = [sys.executable, "-m", "scraper", "--data-dir", str(killed), "import-warc", str(warc)]
    env = {**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""}
    env.pop("NATO_WATCH_CONFIG")
    env.pop("NATO_WATCH_DATA_DIR")
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    assert process.stderr is not None
    seen = 0
    for line in process.stderr:
        if b" imported" in line:
            seen += 1
        if seen == 8:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    lines = Archive(killed).checks_path("rok").read_text().splitlines()
    assert 8 <= len(lines) < 60

    assert cli(killed, "verify").exit_code == 0
    result = cli(killed, "import-warc", str(warc))
    assert result.exit_code == 0, result.stderr
    assert cli(whole, "import-warc", str(warc)).exit_code == 0

    assert len(Archive(killed).checks_path("rok").read_text().splitlines()) == 60
    assert Archive(killed).version_ids("rok") == Archive(whole).version_ids("rok")
    reports = {k: v for k, v in tree(whole).items() if k.startswith("reports/")}
    assert {k: v for k, v in tree(killed).items() if k.startswith("reports/")} == reports
    assert cli(killed, "verify").exit_code == 0


def test_an_arc_file_is_read_too(data_dir: Path, tmp_path: Path) -> None:
    url = "http://www.nato.int/cps/en/natolive/topics_50098.htm"
    body = PAGE_2016.encode("utf-8")
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    version_block = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    header = f"filedesc://test.arc 0.0.0.0 20161007090000 text/plain {len(version_block)}\n"
    first = header.encode() + version_block + b"\n"
    record = f"{url} 127.0.0.1 20161007090000 text/html {len(http)}\n".encode() + http + b"\n"
    path = tmp_path / "old.arc.gz"
    # One gzip member per record, as ARC and WARC files are compressed.
    path.write_bytes(gzip.compress(first, mtime=0) + gzip.compress(record, mtime=0))
    configure(data_dir, "https://www.nato.int/cps/en/natohq/topics_50098.htm")

    result = cli(data_dir, "import-warc", str(path))

    assert result.exit_code == 0, result.stderr
    assert "1 new snapshot imported" in result.stdout
    (version,) = Archive(data_dir).iter_versions(TARGET)
    assert version.captured_at == datetime(2016, 10, 7, 9, 0, tzinfo=UTC)
    assert sha256_hex(body) == version.provenance.raw_sha256


def test_import_warc_needs_readable_files(data_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc"
    junk.write_bytes(ERROR_PAGE)  # an HTML page saved by mistake
    configure(data_dir, "https://www.nato.int/cps/en/natohq/topics_50098.htm")

    result = cli(data_dir, "import-warc", str(junk))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"nato-watch: error: {junk} is not a readable WARC or ARC file")
    assert "Traceback" not in result.stderr


def test_a_body_stored_without_heads_gets_them_from_its_next_capture(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    body = PAGE_2024.encode("utf-8")
    first = HttpExchange(status=200, reason="OK", headers=(("Server", "first"),))
    later = HttpExchange(status=200, reason="OK", headers=(("Server", "later"),))
    at = datetime(2024, 7, 16, 8, 30, 0, 5, tzinfo=UTC)
    # As a kill between the body and its heads (or an archive from before heads were kept).
    sha = archive.put_raw(TARGET, body)
    assert archive.read_headers(TARGET, sha) is None

    archive.put_raw(TARGET, body, exchange=first, url="https://x.test/", captured_at=at)
    archive.put_raw(TARGET, body, exchange=later, url="https://x.test/", captured_at=at)

    kept = archive.read_headers(TARGET, sha)
    assert kept is not None
    assert (kept.exchange, kept.captured_at, kept.url) == (first, at, "https://x.test/")
    assert verify(archive).ok
