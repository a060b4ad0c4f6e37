"""The report site on disk: every file under `reports/`, all of it derived from the versions
and the check logs. `SiteStore` is how the layers above read and write it, reached as
`Archive.site`; it shares the archive's writes, so a `batch()` holds both.

Layout (under the data dir):

    reports/<target>/<stamp>.{md,html,json}    change from the previous version to this one
    reports/<target>/pages/<stamp>.html        the page of each version, as it stood then
    reports/<target>/since/<stamp>.{html,json} change from that version to the latest
    reports/<target>/summary.jsonl             what the site shows of each version, oldest first
    reports/index.html, reports/feed.atom      every change of every target
    reports/style.css, reports/health.html     the shared stylesheet; each target's last checks

Files are written as `store` writes them (atomic, honouring the umask), and a site file that
already holds the same text is left alone, so a replay that changes nothing writes nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from scraper.archive.files import (
    StagedWrites,
    disk_errors,
    make_dirs,
    remove_files,
    write_or_take_back,
)
from scraper.archive.listing import list_stamps
from scraper.archive.names import TARGET_NAME, check_target_name, valid_version_id
from scraper.errors import NotFound, StoreError
from scraper.timespec import STAMP

REPORT_FORMATS = ("md", "html", "json")
SITE_FILES = ("index.html", "feed.atom", "style.css")
# The health page (`reports.health_page`): rewritten after every check, once the index exists.
HEALTH_PAGE = "health.html"
# Inside reports/<target>/: a page per version, and combined "since" reports (old id -> latest).
PAGES_DIR = "pages"
SINCE_DIR = "since"
SINCE_FORMATS = ("html", "json")
# Inside reports/<target>/: one line per version, what the site shows of it (`reports.summaries`).
SUMMARY_INDEX = "summary.jsonl"


class SiteStore:
    """The `reports/` folder of a data dir: reports, version pages, "since" reports, summary
    indexes, and the site's own files."""

    def __init__(self, root: Path, writes: StagedWrites) -> None:
        self.root = root
        self._writes = writes

    def _write_text(self, path: Path, text: str) -> Path:
        """Write a text file of the site (left alone when unchanged); return its path."""
        self._writes.write(path, text.encode("utf-8"), skip_if_same=True)
        return path

    # -- folders -------------------------------------------------------------------------------

    def target_dir(self, target: str) -> Path:
        """`reports/<target>`, after checking that `target` is a slug."""
        return self.root / check_target_name(target)

    def write_folders(self) -> Iterator[Path]:
        """Every folder the site writes files into (where a killed writer's temp files are)."""
        yield self.root
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            for name in sorted(os.listdir(self.root)):
                if TARGET_NAME.fullmatch(name):
                    yield self.root / name
                    for sub in (PAGES_DIR, SINCE_DIR):
                        yield self.root / name / sub

    # -- the site's own files ------------------------------------------------------------------

    def site_file_path(self, name: str) -> Path:
        """`reports/<name>`: a file of the whole site (index, feed, stylesheet, health page)."""
        if "/" in name or name.startswith(".") or "\\" in name:
            raise StoreError(f"invalid site file name {name!r}")
        return self.root / name

    def has_site_file(self, name: str) -> bool:
        """Whether the site file `name` exists (the index: whether the site was started)."""
        return self.site_file_path(name).is_file()

    def write_site_file(self, name: str, text: str) -> Path:
        """Write a file of the report site (`index.html`, `feed.atom`) atomically."""
        return self._write_text(self.site_file_path(name), text)

    # -- reports -------------------------------------------------------------------------------

    def report_path(self, target: str, version_id: str, fmt: str) -> Path:
        """Where the report leading to version `version_id` is stored in format `fmt`."""
        if fmt not in REPORT_FORMATS:
            raise StoreError(f"unknown report format {fmt!r}; one of {', '.join(REPORT_FORMATS)}")
        name = f"{valid_version_id(version_id)}.{fmt}"
        return self.target_dir(target) / name

    def write_report(self, target: str, version_id: str, fmt: str, text: str) -> Path:
        """Write one format of the report leading to `version_id`; return its path."""
        return self._write_text(self.report_path(target, version_id, fmt), text)

    def read_report(self, target: str, version_id: str, fmt: str) -> str:
        """One format of the report leading to `version_id`."""
        missing = f"no {fmt} report for version {version_id} of {target!r}"
        return _read_text(self.report_path(target, version_id, fmt), missing)

    def has_report(self, target: str, version_id: str, fmt: str = "json") -> bool:
        """Whether the report leading to `version_id` exists in format `fmt`."""
        return self.report_path(target, version_id, fmt).is_file()

    def delete_reports(self, target: str, version_id: str) -> None:
        """Remove every format of the report leading to `version_id`."""
        paths = [self.report_path(target, version_id, fmt) for fmt in REPORT_FORMATS]
        remove_files(paths, self.target_dir(target))

    def report_ids(self, target: str) -> list[str]:
        """Ids of the versions that have a JSON report, oldest first."""
        return sorted(
            i
            for i, formats in self.report_files(target).items()
            if "json" in formats and STAMP.fullmatch(i)
        )

    def report_files(self, target: str) -> dict[str, set[str]]:
        """Every stored report of `target`: version id -> the formats present."""
        return _formats_by_id(self.target_dir(target), REPORT_FORMATS)

    # -- version pages -------------------------------------------------------------------------

    def version_page_path(self, target: str, version_id: str) -> Path:
        """`reports/<target>/pages/<id>.html`: the page of one version, as it stood then."""
        page = f"{valid_version_id(version_id)}.html"
        return self.target_dir(target) / PAGES_DIR / page

    def write_version_page(self, target: str, version_id: str, text: str) -> Path:
        """Write the page of version `version_id` atomically (left alone when unchanged)."""
        return self._write_text(self.version_page_path(target, version_id), text)

    def version_page_ids(self, target: str) -> list[str]:
        """Ids of the versions of `target` that have a page, oldest first."""
        return list_stamps(self.target_dir(target) / PAGES_DIR, ".html")

    def delete_version_page(self, target: str, version_id: str) -> None:
        """Remove the page of a version that is gone."""
        path = self.version_page_path(target, version_id)
        remove_files([path], path.parent)

    # -- "since" reports -----------------------------------------------------------------------

    def since_path(self, target: str, version_id: str, fmt: str) -> Path:
        """`reports/<target>/since/<id>.<fmt>`: the change from version `version_id` to the
        target's latest version."""
        if fmt not in SINCE_FORMATS:
            raise StoreError(f"unknown since-report format {fmt!r}; one of html, json")
        name = f"{valid_version_id(version_id)}.{fmt}"
        return self.target_dir(target) / SINCE_DIR / name

    def write_since_report(self, target: str, version_id: str, fmt: str, text: str) -> Path:
        """Write one format of the combined report since `version_id` atomically."""
        return self._write_text(self.since_path(target, version_id, fmt), text)

    def read_since_report(self, target: str, version_id: str, fmt: str) -> str:
        """One format of the combined report since `version_id`."""
        missing = f"no {fmt} report since {version_id} of {target!r}"
        return _read_text(self.since_path(target, version_id, fmt), missing)

    def since_report_files(self, target: str) -> dict[str, set[str]]:
        """Every stored combined report of `target`: old version id -> the formats present."""
        return _formats_by_id(self.target_dir(target) / SINCE_DIR, SINCE_FORMATS)

    def delete_since_reports(self, target: str, version_id: str) -> None:
        """Remove every format of the combined report since `version_id`."""
        paths = [self.since_path(target, version_id, fmt) for fmt in SINCE_FORMATS]
        remove_files(paths, self.target_dir(target) / SINCE_DIR)

    # -- the summary index ---------------------------------------------------------------------

    def summary_index_path(self, target: str) -> Path:
        """`reports/<target>/summary.jsonl`: what the site shows of each version of `target`,
        one line each, oldest first (`reports.summaries`)."""
        return self.target_dir(target) / SUMMARY_INDEX

    def read_summary_index(self, target: str) -> bytes | None:
        """The summary index of `target` as stored, or None when there is none."""
        path = self.summary_index_path(target)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise StoreError(f"summary index {path} is unreadable: {err}") from err

    def write_summary_index(self, target: str, data: bytes) -> Path:
        """Write the whole summary index atomically (left alone when unchanged)."""
        path = self.summary_index_path(target)
        self._writes.write(path, data, skip_if_same=True)
        return path

    def append_summary_index(self, target: str, line: bytes) -> None:
        """Append one line (newline included) to the summary index with one write, and
        fsync it (at once, even inside a `batch()`); a write a full disk cuts short is taken
        back. A kill mid-write leaves a torn last line, which readers take as out of date."""
        path = self.summary_index_path(target)
        make_dirs(path.parent)
        with disk_errors(path):
            # Mode 0666 less the umask, as for any new file.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                write_or_take_back(fd, line, size=os.fstat(fd).st_size, path=path)
            finally:
                os.close(fd)


def _read_text(path: Path, missing: str) -> str:
    """The text of the file at `path`; `NotFound(missing)` when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(missing) from None


def _formats_by_id(folder: Path, formats: tuple[str, ...]) -> dict[str, set[str]]:
    """The `<id>.<fmt>` files in `folder`: version id -> the formats present."""
    found: dict[str, set[str]] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            stem, _, fmt = path.name.rpartition(".")
            if fmt in formats and STAMP.fullmatch(stem):
                found.setdefault(stem, set()).add(fmt)
    return found
