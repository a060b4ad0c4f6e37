"""`verify`: re-check every hash and reference in the archive; report, never repair.

This module walks the archive and checks the evidence of each target (raw snapshots and
their headers, versions, the check log); `verify_reports` checks what is derived from it
(reports, version pages, "since" reports, the site); `findings` collects what both find.
"""

from __future__ import annotations

import gzip
import json
import zlib
from datetime import datetime
from pathlib import Path

from scraper.archive.files import TMP_FILE
from scraper.archive.findings import Findings, VerifyResult
from scraper.archive.names import SHA256, TARGET_NAME
from scraper.archive.pending import unfinished_version
from scraper.archive.store import HEADERS_SUFFIX, Archive, sha256_hex
from scraper.archive.verify_reports import check_reports, check_site
from scraper.core.chain import Link, check_chain
from scraper.core.records import CheckStatus, Version
from scraper.errors import NotFound, StoreError, counted
from scraper.timespec import STAMP, capture_time_problem, parse_stamp, utc_iso, utc_now


def verify(archive: Archive, *, now: datetime | None = None) -> VerifyResult:
    """Re-check every hash and reference in the archive; report, never repair.

    Raw blobs must re-hash to their names; versions must re-hash to their recorded content
    hash, carry their own id and target, and point at a stored raw blob; reports must parse
    and name existing versions; the check log must parse (a torn line is a note), every
    successful check's raw blob must be stored, and every line must link to the one before
    it (`core.chain`; lines from before the chain are its start, a note); the site files
    must be there when reports are; a version page must be of an existing version, and a
    "since" report must parse.
    Leftover temp files, missing reports and pages, and out-of-date "since" reports are
    notes: an interrupted write leaves them and the next check or replay deals with them.
    A capture time where none can be (before 1991, or later than the clock `now` plus a day)
    in a version or a check-log line is damage: imported before dates were checked, it
    would sort before or after the whole history.
    """
    if not archive.root.is_dir():
        raise NotFound(f"no archive at {archive.root}: the directory does not exist")
    found = Findings(archive, now=now or utc_now())
    for target in archive.targets():
        _check_target(found, target)
    for name in _report_dirs(archive):
        if name not in archive.targets():
            check_reports(found, name, {})
    check_site(found)
    return found.result(targets=len(archive.targets()))


def _report_dirs(archive: Archive) -> list[str]:
    """The target folders under `reports/`, including those of targets with no snapshots."""
    if not archive.site.root.is_dir():
        return []
    return sorted(
        p.name for p in archive.site.root.iterdir() if p.is_dir() and TARGET_NAME.fullmatch(p.name)
    )


def _check_target(found: Findings, target: str) -> None:
    """Everything of one target: its evidence first, then the reports derived from it."""
    base = found.archive.target_dir(target)
    found.strays(base, allowed={"raw", "versions", "checks.jsonl"})
    raws = _raw_blobs(found, target)
    versions = _version_files(found, target, raws)
    _check_log(found, target, raws)
    _unfinished(found, target)
    check_reports(found, target, versions)


def _unfinished(found: Findings, target: str) -> None:
    """A note for a version whose check stopped before its check-log line (killed, or out of
    disk space): the next check finishes it, and announces it."""
    try:
        version = unfinished_version(found.archive, target)
    except (StoreError, NotFound):
        return  # an unreadable version is damage, reported with the versions
    if version is not None:
        found.note(
            found.archive.version_path(target, version.id),
            "stored by a check that stopped before its end (no check-log line at its capture "
            "time): its report and its announcement are pending; the next check finishes "
            "them (`nato-watch replay` writes the report)",
        )


def _raw_blobs(found: Findings, target: str) -> dict[str, bool]:
    """sha256 -> whether the blob is sound, for every raw blob of `target`."""
    folder = found.archive.target_dir(target) / "raw"
    found.strays(folder)
    sound: dict[str, bool] = {}
    if not folder.is_dir():
        return sound
    sidecars: list[Path] = []
    for path in sorted(folder.iterdir()):
        if TMP_FILE.fullmatch(path.name):
            continue
        if path.name.endswith(HEADERS_SUFFIX) and SHA256.fullmatch(
            path.name.removesuffix(HEADERS_SUFFIX)
        ):
            sidecars.append(path)
            continue
        name = path.name.removesuffix(".html.gz")
        if not path.name.endswith(".html.gz") or not SHA256.fullmatch(name):
            found.note(
                path,
                "unexpected file; raw snapshots are named <sha256>.html.gz, their headers "
                "<sha256>.http.json",
            )
            continue
        found.raws += 1
        sound[name] = _raw_blob(found, path, name)
    for path in sidecars:
        _headers_file(found, target, path, sound)
    return sound


def _raw_blob(found: Findings, path: Path, name: str) -> bool:
    """Whether the raw blob at `path` un-gzips and hashes to its `name`."""
    try:
        body = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        found.damage(path, f"unreadable gzip ({err})")
        return False
    actual = sha256_hex(body)
    if actual != name:
        found.damage(path, f"content hashes to {actual[:16]}…, not to its name")
    return actual == name


def _headers_file(found: Findings, target: str, path: Path, raws: dict[str, bool]) -> None:
    """A raw snapshot's headers must parse and name a stored body (a body without them
    is fine: archives made before headers were kept have none)."""
    sha = path.name.removesuffix(HEADERS_SUFFIX)
    try:
        found.archive.read_headers(target, sha)
    except StoreError as err:
        found.damage(path, f"unreadable headers file ({err})")
        return
    if sha not in raws:
        found.damage(path, f"keeps the headers of raw snapshot {sha[:16]}…, which is not stored")


def _version_files(found: Findings, target: str, raws: dict[str, bool]) -> dict[str, Version]:
    """id -> version for every readable version of `target`."""
    folder = found.archive.target_dir(target) / "versions"
    found.strays(folder)
    versions: dict[str, Version] = {}
    if not folder.is_dir():
        return versions
    for path in sorted(folder.iterdir()):
        if TMP_FILE.fullmatch(path.name):
            continue
        if path.suffix != ".json" or not STAMP.fullmatch(path.stem):
            found.note(path, "unexpected file; versions are named YYYY-MM-DDTHHMMSSZ.json")
            continue
        found.versions += 1
        version = _version_file(found, target, path, raws)
        if version is not None:
            versions[path.stem] = version
    return versions


def _version_file(
    found: Findings, target: str, path: Path, raws: dict[str, bool]
) -> Version | None:
    """The version at `path`, checked against its name, its target, its recorded hash and
    its raw snapshot; None when it cannot be read."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        version = Version.from_dict(data)
        recorded = data["content_hash"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        found.damage(path, f"unreadable version file ({type(err).__name__}: {err})")
        return None
    if version.id != path.stem:
        found.damage(path, f"records id {version.id!r}, not its file name")
    if version.target != target:
        found.damage(path, f"records target {version.target!r}, not {target!r}")
    if version.content_hash != recorded:
        found.damage(
            path,
            f"document hashes to {version.content_hash[:16]}…, not to its recorded "
            f"content_hash {str(recorded)[:16]}… (edited after it was stored?)",
        )
    if STAMP.fullmatch(version.id) and parse_stamp(version.id) < version.captured_at.replace(
        microsecond=0
    ):
        found.damage(path, f"id is earlier than its capture time {utc_iso(version.captured_at)}")
    _capture_time(
        found, path, version.captured_at, "; `nato-watch replay` rebuilds the versions without it"
    )
    sha = version.provenance.raw_sha256
    if sha not in raws:
        found.damage(path, f"points at raw snapshot {sha[:16]}…, which is not stored")
    return version


def _capture_time(found: Findings, path: Path, at: datetime, then: str) -> None:
    """Damage at `path` when `at` is a time no capture can have (`timespec`), saying `then`
    what comes of it."""
    problem = capture_time_problem(at, now=found.now)
    if problem is not None:
        found.damage(path, f"capture time {utc_iso(at)} {problem}{then}")


def _check_log(found: Findings, target: str, raws: dict[str, bool]) -> None:
    """Every check-log line parses (a torn last one is a note, a torn one before it damage),
    every successful check's raw snapshot is stored, and the lines' hash chain holds."""
    path = found.archive.checks_path(target)
    if not path.is_file():
        return
    lines = list(found.archive.iter_check_log(target))
    for index, line in enumerate(lines):
        found.checks += 1
        item = line.record
        if item is None:
            text = line.data.decode("utf-8", errors="replace").strip()
            if _looks_torn(text) and index == len(lines) - 1:
                found.note(
                    path, f"last line {line.number} is torn (a write cut short); readers skip it"
                )
            elif _looks_torn(text):
                # Appends take a torn last line back first: one in the middle was not left by
                # a write of ours that was cut short, but by an edit or a lost block.
                found.damage(
                    path,
                    f"line {line.number} is torn, in the middle of the log (lines were "
                    "cut or edited after they were written)",
                )
            else:
                found.damage(path, f"line {line.number} is not a check record")
            continue
        _capture_time(
            found,
            path,
            item.started_at,
            " (an import before dates were checked?); replay leaves it out",
        )
        if (
            item.status is not CheckStatus.ERROR
            and item.raw_sha256
            and item.raw_sha256 not in raws
            and not item.not_modified
        ):
            found.damage(
                path,
                f"check at {utc_iso(item.started_at)} stored raw snapshot "
                f"{item.raw_sha256[:16]}…, which is missing",
            )
    _check_chain(found, target, path, [line.link() for line in lines if line.record])


def _check_chain(found: Findings, target: str, path: Path, links: list[Link]) -> None:
    """The first broken link of the log's hash chain is damage (the rest are counted in it);
    lines written before the chain existed are its start, said once as a note."""
    report = check_chain(links)
    found.chains[target] = report
    if report.breaks:
        first, more = report.breaks[0], len(report.breaks) - 1
        also = f" (and {counted(more, 'more broken link')} after it)" if more else ""
        found.damage(path, f"hash chain broken: {first.message}{also}")
    if report.legacy:
        last = links[report.legacy - 1].number
        if report.legacy == report.links:
            found.note(
                path,
                "written before the check log was hash-chained (no line has `prev`); the next "
                f"check starts the chain after line {last}",
            )
        else:
            found.note(
                path,
                f"lines 1–{last} were written before the check log was hash-chained (no "
                f"`prev`): the chain starts after line {last} and covers only that line of them",
            )


def _looks_torn(text: str) -> bool:
    """Whether an unreadable check-log line is a record cut short rather than foreign text.

    Lines are written by one `write` of `{…}\\n`; a cut leaves the start of an object with no
    closing brace. Anything else (a complete but wrong object, binary junk) is not a tear.
    """
    return text.startswith("{") and not text.rstrip().endswith("}")
