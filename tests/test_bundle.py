"""`nato-watch bundle` and `verify-bundle` through the real CLI: the zip holds what saw the
version, byte for byte; it checks out with `verify-bundle`, with the real `sha256sum` on its
MANIFEST, and by every hand step its README gives; warcio reads its WARC; the same version
gives the same bytes; a flipped byte anywhere, and every kind of bad input, is refused in one
line."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site
from evidence import TARGET, FakeWayback, live_history, wayback_history
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from scraper.archive.store import Archive
from scraper.sources.bundle_check import check_bundle
from scraper.sources.bundle_format import MAX_RATIO, BundleError

SECOND = "2024-07-17T083000Z"  # the live history's second version
FOLDER = f"{TARGET}-{SECOND}"
MEMBERS = [
    "README.txt",
    "MANIFEST",
    "citation.txt",
    "citation.bib",
    "citation.csl.json",
    "version.json",
    "report.md",
    "report.html",
    "checks.jsonl",
    "capture.warc",
]


@pytest.fixture
def archive(site: Site, run_cli: Callable[..., Result], clock: Clock, data_dir: Path) -> Archive:
    live_history(site, run_cli, clock)
    return Archive(data_dir)


@pytest.fixture
def bundle(archive: Archive, run_cli: Callable[..., Result], tmp_path: Path) -> Path:
    """The bundle of the second version."""
    out = tmp_path / "second.zip"
    result = run_cli("bundle", SECOND, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename.split("/", 1)[1]: zf.read(info) for info in zf.infolist()}


def verify_bundle(run_cli: Callable[..., Result], path: Path) -> Result:
    return run_cli("verify-bundle", str(path))


def unzipped(path: Path, into: Path) -> Path:
    """The bundle unpacked by the system's way (Python's zipfile) into `into`."""
    with zipfile.ZipFile(path) as zf:
        zf.extractall(into)
    return into / FOLDER


# -- what a bundle holds ---------------------------------------------------------------------


def test_a_bundle_holds_the_version_its_log_lines_and_its_report(
    bundle: Path, archive: Archive, run_cli: Callable[..., Result]
) -> None:
    with zipfile.ZipFile(bundle) as zf:
        assert [i.filename for i in zf.infolist()] == [f"{FOLDER}/{m}" for m in MEMBERS]
    files = members(bundle)
    assert files["version.json"] == archive.version_path(TARGET, SECOND).read_bytes()
    log = archive.checks_path(TARGET).read_bytes().splitlines(keepends=True)
    assert files["checks.jsonl"] == b"".join(log[1:4])  # the capture and two unchanged checks
    assert [json.loads(line)["status"] for line in log[1:4]] == [
        "changed",
        "unchanged",
        "unchanged",
    ]
    first = archive.version_ids(TARGET)[0]
    diff = run_cli("diff", first, SECOND, "--format", "markdown").stdout
    assert files["report.md"].decode() == diff
    assert "<del>" in files["report.html"].decode() and "<ins>" in files["report.html"].decode()
    assert files["citation.txt"].decode() == run_cli("cite", SECOND).stdout
    assert files["citation.bib"].decode() == run_cli("cite", SECOND, "--style", "bibtex").stdout
    manifest = files["MANIFEST"].decode().splitlines()
    assert manifest == [
        f"{hashlib.sha256(files[name]).hexdigest()}  {name}"
        for name in MEMBERS
        if name != "MANIFEST"
    ]


def test_the_warc_inside_is_read_by_warcio(bundle: Path, archive: Archive) -> None:
    version = archive.read_version(TARGET, SECOND)
    records = []
    for record in ArchiveIterator(io.BytesIO(members(bundle)["capture.warc"]), check_digests=True):
        body = record.raw_stream.read()
        assert not record.digest_checker.problems
        records.append((record.rec_type, record.rec_headers.get_header("WARC-Date"), body))
    kinds = [kind for kind, _, _ in records]
    assert kinds == ["warcinfo"] + ["response", "request", "metadata"] * 2 + [
        "revisit",
        "request",
        "metadata",
    ]
    responses = [(date, body) for kind, date, body in records if kind == "response"]
    assert responses[0][0] == "2024-07-17T08:30:00Z"
    assert hashlib.sha256(responses[0][1]).hexdigest() == version.provenance.raw_sha256
    assert archive.read_raw(TARGET, version.provenance.raw_sha256) == responses[0][1]
    assert b"served by node 2" in responses[1][1]
    assert records[0][1] == "2024-07-17T08:30:00Z"  # the warcinfo is dated by the capture


def test_the_same_version_gives_the_same_bytes(
    bundle: Path, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    again = tmp_path / "again.zip"
    assert run_cli("bundle", "--at", "2024-07-17T20:00:00Z", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == bundle.read_bytes()


def test_the_default_name_and_a_first_version_without_report(
    archive: Archive,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    first = archive.version_ids(TARGET)[0]
    result = run_cli("bundle", "latest~2")
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{TARGET}-{first}.zip"
    assert result.stdout.startswith(f"wrote {path.name}: version {first} of {TARGET} ")
    assert "first version" in result.stdout
    names = list(members(path))
    assert "report.md" not in names and "report.html" not in names
    assert verify_bundle(run_cli, path).exit_code == 0


# -- checking it -----------------------------------------------------------------------------


def test_verify_bundle_passes_in_one_line(bundle: Path, run_cli: Callable[..., Result]) -> None:
    result = verify_bundle(run_cli, bundle)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith(f"bundle OK: {bundle}: version {SECOND} of {TARGET}; ")
    assert "9 files match MANIFEST" in result.stdout
    assert "3 check-log lines, chain intact" in result.stdout


def test_sha256sum_checks_the_manifest_of_the_unpacked_bundle(bundle: Path, tmp_path: Path) -> None:
    folder = unzipped(bundle, tmp_path / "out")
    done = subprocess.run(
        ["sha256sum", "-c", "MANIFEST"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"{name}: OK" for name in MEMBERS if name != "MANIFEST"]

    (folder / "version.json").write_bytes((folder / "version.json").read_bytes() + b" ")
    done = subprocess.run(
        ["sha256sum", "-c", "MANIFEST"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "version.json: FAILED" in done.stdout


def test_every_hand_step_of_the_readme_works(
    bundle: Path, archive: Archive, tmp_path: Path
) -> None:
    folder = unzipped(bundle, tmp_path / "out")
    readme = (folder / "README.txt").read_text()
    version = archive.read_version(TARGET, SECOND)
    assert (folder / "citation.txt").read_text().strip() in readme

    # 2. each response body, extracted by warcio's own command, hashes as the README says
    steps = re.findall(
        r"^ +(warcio extract --payload \S+ \d+) \| sha256sum +# ([0-9a-f]{64})$", readme, re.M
    )
    assert len(steps) == 2 and steps[0][1] == version.provenance.raw_sha256
    warcio = str(Path(sys.executable).with_name("warcio"))
    for command, digest in steps:
        args = command.split()
        out = subprocess.run([warcio, *args[1:]], cwd=folder, capture_output=True, check=True)
        assert hashlib.sha256(out.stdout).hexdigest() == digest

    # 3. the content hash, with Python alone
    (command,) = re.findall(r"^ +(python3 -c .+)$", readme, re.M)
    out = subprocess.run(
        ["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [version.content_hash, version.content_hash]

    # 4. the chain, with sed and sha256sum
    (command,) = re.findall(r"^ +(sed -n 1p .+ \| sha256sum)", readme, re.M)
    out = subprocess.run(
        ["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=True
    )
    second_line = (folder / "checks.jsonl").read_text().splitlines()[1]
    assert out.stdout.split()[0] == json.loads(second_line)["prev"]


def test_a_bundle_of_a_wayback_version_checks_out(
    httpserver: HTTPServer, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    fake = FakeWayback(httpserver)
    wayback_history(fake, run_cli)
    out = tmp_path / "wayback.zip"
    assert run_cli("bundle", "latest~1", "-o", str(out)).exit_code == 0

    result = verify_bundle(run_cli, out)
    assert result.exit_code == 0, result.output
    files = members(out)
    assert fake.memento("20240717060000").encode() in files["citation.txt"]
    assert json.loads(files["checks.jsonl"])["source"] == "wayback"


def test_a_bundle_from_a_log_older_than_the_chain_checks_out(
    archive: Archive, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = archive.checks_path(TARGET)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text(
        "".join(json.dumps({k: v for k, v in d.items() if k != "prev"}) + "\n" for d in lines)
    )
    out = tmp_path / "old.zip"
    assert run_cli("bundle", SECOND, "-o", str(out)).exit_code == 0
    assert verify_bundle(run_cli, out).exit_code == 0


# -- refusing ----------------------------------------------------------------------------------


def test_one_flipped_byte_in_a_member_is_refused_naming_it(
    bundle: Path, run_cli: Callable[..., Result]
) -> None:
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo(f"{FOLDER}/version.json")
    start = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[start] ^= 0xFF
    bundle.write_bytes(bytes(data))

    result = verify_bundle(run_cli, bundle)

    assert result.exit_code == 1
    assert result.stderr.startswith("nato-watch: error: member version.json ")
    assert result.stderr.count("\n") == 1


def test_a_flipped_byte_anywhere_is_refused(
    bundle: Path, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """Every byte of the zip's structure (each member's local header and name, the
    directory, the end record), and bytes spread over the whole file."""
    original = bundle.read_bytes()
    with zipfile.ZipFile(bundle) as zf:
        infos = zf.infolist()
        start_dir = zf.start_dir
    structure = [
        offset
        for info in infos
        for offset in range(info.header_offset, info.header_offset + 30 + len(info.filename))
    ]
    structure += range(start_dir, len(original))
    spread = range(0, len(original), max(1, len(original) // 97))
    copy = tmp_path / "flipped.zip"
    for position in sorted({*structure, *spread}):
        data = bytearray(original)
        data[position] ^= 0xFF
        copy.write_bytes(bytes(data))
        with pytest.raises(BundleError):
            check_bundle(copy)
    # and through the CLI, one line
    data = bytearray(original)
    data[len(original) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    result = verify_bundle(run_cli, copy)
    assert result.exit_code == 1
    assert result.stderr.startswith("nato-watch: error: ") and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_every_single_flipped_byte_of_a_bundle_is_refused(
    archive: Archive, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """All of them, one at a time, in the smallest bundle (a first version's): ~10 s."""
    path = tmp_path / "first.zip"
    assert run_cli("bundle", "latest~2", "-o", str(path)).exit_code == 0
    original = path.read_bytes()
    copy = tmp_path / "flipped.zip"
    missed = []
    for position in range(len(original)):
        data = bytearray(original)
        data[position] ^= 0xFF
        copy.write_bytes(bytes(data))
        try:
            check_bundle(copy)
        except BundleError:
            continue
        missed.append(position)
    assert missed == []


def test_an_edited_and_rehashed_member_is_still_caught_by_its_own_checks(
    bundle: Path, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """Someone who edits a log line and rewrites MANIFEST to match: the chain tells."""
    files = members(bundle)
    lines = files["checks.jsonl"].splitlines(keepends=True)
    record = json.loads(lines[1])
    record["ms"] += 1
    lines[1] = (
        json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
        + b"\n"
    )
    files["checks.jsonl"] = b"".join(lines)
    forged = tmp_path / "forged.zip"
    _rezip(forged, files)

    result = verify_bundle(run_cli, forged)

    assert result.exit_code == 1
    assert result.stderr == (
        "nato-watch: error: member checks.jsonl: hash chain broken: line 3 does not follow "
        "line 2: its `prev` is not the sha256 of line 2 (line 2 edited, or lines removed "
        "between them)\n"
    )


def _rezip(path: Path, files: dict[str, bytes], *, folder: str = FOLDER) -> None:
    """A bundle as nato-watch writes one, from `files`, with a MANIFEST made to match."""
    names = [n for n in MEMBERS if n in files and n != "MANIFEST"]
    files["MANIFEST"] = "".join(
        f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in names
    ).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in [n for n in MEMBERS if n in files]:
            zf.writestr(_info(name, folder=folder), files[name])


def _info(name: str, *, folder: str = FOLDER) -> zipfile.ZipInfo:
    """A member header as nato-watch writes one."""
    info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2024, 7, 17, 8, 30, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda p: p.write_text("This is a letter, not a zip file at all.\n"),
            "is not a zip file nato-watch wrote",
        ),
        (lambda p: p.write_bytes(b""), "is not a zip file (too short)"),
        (lambda p: _plain_zip(p, {"../x": b"boo"}), "is not a nato-watch bundle"),
        (
            lambda p: _plain_zip(p, {f"{FOLDER}/../../x": b"boo", f"{FOLDER}/MANIFEST": b""}),
            "member 'republic-of-korea-2024-07-17T083000Z/../../x' is not one a bundle holds",
        ),
        (lambda p: _plain_zip(p, {"/etc/passwd": b"boo"}), "is not a nato-watch bundle"),
    ],
)
def test_bad_input_is_one_clear_line(
    make: Callable[[Path], None], words: str, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "bad.zip"
    make(path)
    result = verify_bundle(run_cli, path)
    assert result.exit_code == 1
    assert result.stderr.startswith("nato-watch: error: ") and words in result.stderr
    assert result.stderr.count("\n") == 1
    # Nothing was extracted anywhere: not beside the zip, not above it, not in the data dir.
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["bad.zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "in"]
    assert list((tmp_path / "data").iterdir()) == []


def _plain_zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def test_missing_members_are_named(
    bundle: Path, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    files = members(bundle)
    del files["capture.warc"]
    path = tmp_path / "partial.zip"
    _rezip(path, files)
    result = verify_bundle(run_cli, path)
    assert result.exit_code == 1
    assert result.stderr == "nato-watch: error: " + f"{path}: the bundle has no capture.warc\n"

    assert verify_bundle(run_cli, tmp_path / "nowhere.zip").stderr.startswith(
        f"nato-watch: error: cannot read {tmp_path / 'nowhere.zip'}: "
    )


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    bundle: Path, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    files = members(bundle)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in MEMBERS:
            info = _info(name)
            if name != "capture.warc":
                zf.writestr(info, files[name])
                continue
            info.file_size = 300 * 1024 * 1024  # of zeros: about 300 KB deflated
            with zf.open(info, "w") as dest:
                for _ in range(300):
                    dest.write(bytes(1024 * 1024))
    with zipfile.ZipFile(path) as zf:
        warc = zf.getinfo(f"{FOLDER}/capture.warc")
        assert warc.file_size / warc.compress_size > MAX_RATIO

    started = time.monotonic()
    result = verify_bundle(run_cli, path)

    assert time.monotonic() - started < 2
    assert result.exit_code == 1
    assert "member capture.warc claims 314,572,800 bytes from" in result.stderr
    assert "(a zip bomb?); refused" in result.stderr


def test_bundle_to_a_missing_folder_is_one_line(
    archive: Archive, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    result = run_cli("bundle", "latest", "-o", str(tmp_path / "no" / "such" / "x.zip"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"nato-watch: error: cannot write {tmp_path / 'no' / 'such' / 'x.zip'}: the folder "
        f"{tmp_path / 'no' / 'such'} does not exist\n"
    )
