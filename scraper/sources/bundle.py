"""Writing an evidence bundle (`nato-watch bundle`): one version of a page and its proof in a
zip an editor can check without nato-watch (`bundle_format` lists what it holds).

What saw the version: the captures and check-log lines from its capture up to (not
including) the next version's, that are not failures. A replay decides versions the same
way, so every such capture showed this version's content; choosing them by time, not by the
content hash their lines recorded, keeps the choice right after a parser upgrade. Their raw
responses go into the WARC through `warc_export.write_captures`, as `export-warc` writes
them, with record ids derived from what each record is.

The same archive gives the same bytes: members in a fixed order, each dated at the
version's capture time, the WARC's dates taken from the captures, no clock anywhere. (The
latest version's bundle grows with each unchanged check, as its log lines do.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from scraper import __version__
from scraper.archive.captures import Capture, captures_of
from scraper.archive.checklog import LogLine
from scraper.archive.files import atomic_stream
from scraper.archive.store import Archive
from scraper.core.records import CheckStatus, Version
from scraper.core.watchlist import Watchlist
from scraper.errors import NotFound, counted
from scraper.reports.cite import (
    Citation,
    citation_bibtex,
    citation_csl_json,
    citation_text,
)
from scraper.reports.markdown import render_markdown
from scraper.reports.model import build_report
from scraper.reports.site import render_html
from scraper.sources import bundle_format as fmt
from scraper.sources.bundle_format import BundleError
from scraper.sources.warc_export import WarcWritten, write_captures
from scraper.timespec import utc_iso

# Record ids are uuid5 names under this namespace: the same record, the same id.
RECORD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/nato-watch/bundle")
# Zip dates are DOS dates: none before 1980.
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
COPY_CHUNK = 1024 * 1024
# Step 3 of README.txt: the version's content hash recomputed with Python alone.
CONTENT_HASH_CHECK = (
    "python3 -c 'import hashlib, json; "
    f'v = json.load(open("{fmt.VERSION}", encoding="utf-8")); '
    'd = json.dumps(v["document"], ensure_ascii=False, sort_keys=True, separators=(",", ":")); '
    'print(hashlib.sha256(d.encode()).hexdigest(), v["content_hash"])\''
)
# README.txt, in plain words: what the bundle is, the citation, each file, and how to check
# it all by hand. Member names are `bundle_format`'s.
README_TEMPLATE = """\
Evidence bundle: "{title}"
as it stood at version {version_id} of the nato-watch target "{target}"
Made by nato-watch {tool_version}. Nothing here needs nato-watch to be checked.

CITE IT AS

  {citation}

  (The same in citation.bib for BibTeX/biblatex and in citation.csl.json for
  Zotero, pandoc and other CSL tools.)

WHAT IS IN THIS FOLDER

  README.txt
      This file.
  MANIFEST
      The sha256 of every other file, one line each, in the format `sha256sum` reads.
  citation.txt, citation.bib, citation.csl.json
      The citation above, as text, as a biblatex @online entry, and as CSL-JSON.
  version.json
      The page as nato-watch read it at {captured_at}: its title, its own
      "Last updated" stamp, its sections and paragraphs ("document"), and where and how it
      was fetched ("provenance": the URL, the HTTP status, the time, the sha256 of the raw
      response, the parser version). Byte for byte the file the archive keeps.
{report}  checks.jsonl
      The check-log lines that saw this content ({line_count}): the capture itself
      and every later check that found the page unchanged, until the next version.
      Exactly as stored: {numbers} of snapshots/{target}/checks.jsonl.
  capture.warc
      The raw HTTP response(s) of those captures, in WARC format (ISO 28500), the web
      archives' standard: open it with ReplayWeb.page, or read it with `warcio`. Bodies
      are kept as received (after HTTP content decoding).

HOW TO CHECK THIS YOURSELF

  1. Nothing was changed since the bundle was made. In this folder, run

        sha256sum -c MANIFEST           (macOS: shasum -a 256 -c MANIFEST)

     Every line must end in "OK".

  2. The raw response is the one the version was read from. The version's
     provenance.raw_sha256 is

        {raw}

     and the body of its response record in capture.warc hashes to it. With warcio
     (pip install warcio), each response body in the file:

{offsets}

  3. The version's content hash is the sha256 of its document written as compact JSON
     with sorted keys, UTF-8:

        {content_hash_check}

     prints the same hash twice.

  4. The check-log lines are a hash chain: each line's "prev" is the sha256 of the line
     before it, as stored, without its newline. For lines 1 and 2 of checks.jsonl:

        sed -n 1p checks.jsonl | tr -d '\\n' | sha256sum      # = the "prev" of line 2

     {first_prev}A line removed, added, edited or moved breaks the chain. The
     archive's owner can show that the full log still links up to these lines:
     `nato-watch verify --json` prints the log's current head.

  nato-watch does all of this in one command: nato-watch verify-bundle <this zip>
"""


@dataclass(frozen=True)
class BundleResult:
    """What `write_bundle` wrote."""

    path: Path
    target: str
    version_id: str
    previous_id: str | None
    members: tuple[str, ...]
    captures: int
    check_lines: int
    size: int

    def summary_line(self) -> str:
        """The one line `nato-watch bundle` prints."""
        against = f"report against {self.previous_id}" if self.previous_id else "first version"
        return (
            f"wrote {self.path}: version {self.version_id} of {self.target} "
            f"({counted(self.captures, 'capture')}, {counted(self.check_lines, 'check-log line')}"
            f", {against}), {self.size:,} bytes; check it with `nato-watch verify-bundle "
            f"{self.path}`, or unzip it and run `sha256sum -c MANIFEST` in its folder"
        )


@dataclass(frozen=True)
class _Seen:
    """A version and what saw it: its neighbours, its captures, its check-log lines."""

    version: Version
    version_bytes: bytes
    previous: Version | None
    captures: list[Capture]
    lines: list[LogLine]


def write_bundle(
    archive: Archive,
    target: str,
    version_id: str,
    out: Path,
    *,
    watch: Watchlist | None = None,
    lock_timeout: float = 60.0,
) -> BundleResult:
    """Write the evidence bundle of version `version_id` of `target` to the zip `out`.

    The archive lock is held while reading, so the version, its captures and its log lines
    agree. The zip is written beside `out` and renamed into place when whole. `watch` are
    the terms the report counts.
    """
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BundleError(f"cannot write {out}: the folder {folder} does not exist")
    with archive.lock(timeout=lock_timeout), tempfile.TemporaryFile() as warc:
        seen = _what_saw(archive, target, version_id)
        written = write_captures(
            warc,
            archive,
            [(target, seen.captures)],
            filename=fmt.WARC,
            description=f"nato-watch evidence bundle of version {version_id} of {target}.",
            date=seen.version.captured_at,
            record_ids=_record_id,
        )
        members = _members(seen, written, watch)
        warc.seek(0)
        try:
            with atomic_stream(out) as handle:
                names = _write_zip(handle, seen.version, members, warc)
        except OSError as err:
            raise BundleError(f"cannot write {out}: {err.strerror or err}") from None
    return BundleResult(
        path=out,
        target=target,
        version_id=version_id,
        previous_id=seen.previous.id if seen.previous else None,
        members=names,
        captures=written.captures,
        check_lines=len(seen.lines),
        size=out.stat().st_size,
    )


def _what_saw(archive: Archive, target: str, version_id: str) -> _Seen:
    """The version, the one before it, and the captures and log lines that saw it."""
    ids = archive.version_ids(target)
    if version_id not in ids:
        raise NotFound(f"no version {version_id} of target {target!r}")
    index = ids.index(version_id)
    version = archive.read_version(target, version_id)
    previous = archive.read_version(target, ids[index - 1]) if index else None
    start = version.captured_at
    end = archive.read_captured_at(target, ids[index + 1]) if index + 1 < len(ids) else None

    def within(at: datetime) -> bool:
        return at >= start and (end is None or at < end)

    lines = [
        line
        for line in archive.iter_check_log(target)
        if line.record is not None
        and line.record.status is not CheckStatus.ERROR
        and (line.record.raw_sha256 or line.record.not_modified)
        and within(line.record.started_at)
    ]
    return _Seen(
        version=version,
        version_bytes=archive.read_version_bytes(target, version_id),
        previous=previous,
        captures=[c for c in captures_of(archive, target) if within(c.at)],
        lines=lines,
    )


def _record_id(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, name)}>"


def _members(seen: _Seen, written: WarcWritten, watch: Watchlist | None) -> dict[str, bytes]:
    """Every member but the WARC and the MANIFEST, by name."""
    version = seen.version
    citation = Citation.of(version)
    members = {
        fmt.CITATION_TEXT: (citation_text(citation) + "\n").encode("utf-8"),
        fmt.CITATION_BIBTEX: citation_bibtex(citation).encode("utf-8"),
        fmt.CITATION_CSL: citation_csl_json(citation).encode("utf-8"),
        fmt.VERSION: seen.version_bytes,
        fmt.CHECKS: b"".join(line.data + b"\n" for line in seen.lines),
    }
    if seen.previous is not None:
        report = build_report(seen.previous, version, watch=watch)
        members[fmt.REPORT_MD] = render_markdown(report).encode("utf-8")
        members[fmt.REPORT_HTML] = render_html(report).encode("utf-8")
    members[fmt.README] = readme_text(seen, citation, written).encode("utf-8")
    return members


def _write_zip(
    handle: IO[bytes], version: Version, members: dict[str, bytes], warc: IO[bytes]
) -> tuple[str, ...]:
    """Write the zip: the members in `fmt.ORDER`, the MANIFEST listing every other one."""
    warc_size = warc.seek(0, os.SEEK_END)
    warc.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: warc.read(COPY_CHUNK), b""):
        digest.update(chunk)
    warc.seek(0)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    hashes[fmt.WARC] = digest.hexdigest()
    names = [name for name in fmt.ORDER if name in hashes or name == fmt.MANIFEST]
    members[fmt.MANIFEST] = fmt.manifest_text(
        [(name, hashes[name]) for name in names if name != fmt.MANIFEST]
    ).encode("utf-8")
    folder = fmt.folder_name(version.target, version.id)
    when = max(version.captured_at.astimezone(UTC), ZIP_EPOCH)
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in names:
            info = _zip_info(f"{folder}/{name}", when)
            if name == fmt.WARC:
                info.file_size = warc_size
                with zf.open(info, "w") as dest:
                    shutil.copyfileobj(warc, dest, COPY_CHUNK)
            else:
                zf.writestr(info, members[name])
    return tuple(names)


def _zip_info(name: str, when: datetime) -> zipfile.ZipInfo:
    """A member's header: fixed date, permissions and system, so the bytes never vary."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever system writes it
    info.external_attr = 0o100644 << 16
    return info


def _ranges(numbers: list[int]) -> str:
    """Line numbers as runs: `lines 2–4, 7` (`no lines` for none)."""
    if not numbers:
        return "no lines"
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(parts)


def readme_text(seen: _Seen, citation: Citation, written: WarcWritten) -> str:
    """README.txt: what the bundle is, how to check it by hand, and the citation."""
    version = seen.version
    target = version.target
    raw = version.provenance.raw_sha256
    numbers = _ranges([line.number for line in seen.lines])
    offsets = "\n".join(
        f"        warcio extract --payload {fmt.WARC} {offset} | sha256sum    # {sha}"
        for sha, offset in written.offsets
    )
    report = (
        f"  {fmt.REPORT_MD}, {fmt.REPORT_HTML}\n"
        f"      What changed from the previous version, {seen.previous.id}, to this one.\n"
        if seen.previous is not None
        else "  (No change report: this is the first version nato-watch recorded.)\n"
    )
    first_prev = (
        'The first line\'s "prev" is the sha256 of the line before it in the full log\n'
        f"     (line {seen.lines[0].number - 1} there), which is not in this bundle.\n     "
        if seen.lines and seen.lines[0].number > 1
        else ""
    )
    return README_TEMPLATE.format(
        title=version.document.title,
        version_id=version.id,
        target=target,
        tool_version=__version__,
        citation=citation_text(citation),
        captured_at=utc_iso(version.captured_at),
        report=report,
        line_count=len(seen.lines),
        numbers=numbers,
        raw=raw,
        offsets=offsets,
        content_hash_check=CONTENT_HASH_CHECK,
        first_prev=first_prev,
    )
