"""Item 3: WARC import has a memory bound. A record that decompresses to hundreds of
megabytes — an HTTP body with Content-Encoding: gzip, or a gzip member of the WARC itself — is
refused with the reason and counted, nothing is written for it, and the import's peak memory
stays small (measured in a child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pages import load_content, nato_page

from hostile.warcs import (
    TARGET_URL,
    gzip_stream,
    page_response,
    record_pieces,
    warcinfo,
    write_warc,
    zeros,
)

BOMB = 384 * 1024 * 1024  # decompressed; about 370 KB on disk
RSS_LIMIT_MB = 200  # the import of a small WARC needs well under this
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr)\n"
    "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def import_warc(data_dir: Path, warc: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """`nato-watch import-warc` in a child process; its result and peak RSS in MB."""
    data_dir.mkdir(exist_ok=True)
    (data_dir / "nato-watch.toml").write_text(
        f'[[targets]]\nname = "rok"\nurl = "{TARGET_URL}"\n', encoding="utf-8"
    )
    command = [
        sys.executable,
        "-m",
        "scraper",
        "--data-dir",
        str(data_dir),
        "import-warc",
        str(warc),
    ]
    env = {**os.environ, "NATO_WATCH_CONFIG": "", "NATO_WATCH_DATA_DIR": ""}
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    peak = int(done.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0]) // 1024
    return done, peak


def content_encoding_bomb() -> list[bytes]:
    """A response record whose HTTP body is gzip of BOMB zero bytes."""
    body = b"".join(gzip_stream(zeros(BOMB)))
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    payload = head + body
    return list(
        record_pieces(
            "response",
            [payload],
            len(payload),
            uri=TARGET_URL,
            date="2024-07-17T08:30:00Z",
            headers={"Content-Type": "application/http; msgtype=response"},
            record_id="<urn:uuid:00000000-0000-0000-0000-0000000000bb>",
        )
    )


def metadata_bomb() -> object:
    """A metadata record (about the page's record) of BOMB zero bytes, in one gzip member."""
    return record_pieces(
        "metadata",
        zeros(BOMB),
        BOMB,
        uri=TARGET_URL,
        headers={
            "Content-Type": "application/warc-fields",
            "WARC-Refers-To": "<urn:uuid:00000000-0000-0000-0000-000000000002>",
        },
        record_id="<urn:uuid:00000000-0000-0000-0000-0000000000cc>",
    )


def nothing_written_for(data_dir: Path, stamp: str) -> None:
    log = data_dir / "snapshots" / "rok" / "checks.jsonl"
    lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert not any(line["at"].startswith(stamp) for line in lines), lines


@pytest.mark.slow
def test_a_content_encoding_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    page = nato_page(load_content()).encode("utf-8")
    warc = write_warc(
        tmp_path / "bomb.warc.gz", [warcinfo(), page_response(page), content_encoding_bomb()]
    )
    assert warc.stat().st_size < 2 * 1024 * 1024
    done, peak = import_warc(tmp_path / "data", warc)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert peak < RSS_LIMIT_MB, peak
    assert "refused" in done.stdout and "max_bytes" in done.stderr, (done.stdout, done.stderr)
    assert "1 new snapshot imported" in done.stdout
    nothing_written_for(tmp_path / "data", "2024-07-17")
    raws = list((tmp_path / "data" / "snapshots" / "rok" / "raw").glob("*.html.gz"))
    assert len(raws) == 1


@pytest.mark.slow
def test_a_metadata_member_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    page = nato_page(load_content()).encode("utf-8")
    warc = write_warc(tmp_path / "meta.warc.gz", [warcinfo(), page_response(page), metadata_bomb()])
    done, peak = import_warc(tmp_path / "data", warc)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert peak < RSS_LIMIT_MB, peak
    assert "metadata record" in done.stderr and "refused" in done.stderr, done.stderr
    assert "1 new snapshot imported" in done.stdout


def header_line_bomb() -> object:
    """A response record whose HTTP head holds one header line of BOMB bytes."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Junk: "
    size = len(head) + BOMB + 4

    def block() -> object:
        yield head
        yield from (b"a" * len(piece) for piece in zeros(BOMB))
        yield b"\r\n\r\n"

    return record_pieces(
        "response",
        block(),  # type: ignore[arg-type]
        size,
        uri=TARGET_URL,
        headers={"Content-Type": "application/http; msgtype=response"},
    )


@pytest.mark.slow
def test_a_header_line_of_hundreds_of_megabytes_refuses_the_file_in_bounded_memory(
    tmp_path: Path,
) -> None:
    warc = write_warc(tmp_path / "line.warc.gz", [warcinfo(), header_line_bomb()])
    done, peak = import_warc(tmp_path / "data", warc)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert peak < RSS_LIMIT_MB, peak
    errors = [line for line in done.stderr.splitlines() if line.startswith("nato-watch: error:")]
    assert len(errors) == 1 and "header lines pass" in errors[0], done.stderr
    assert not (tmp_path / "data" / "snapshots").exists()
