"""Item 7: a full disk loses nothing. A check that the disk refuses mid-write ends with one
clear line (and its check-log line when there is room for it); the next check finishes what it
began — the report, the site, the check-log line that marks the version announced — and
announces the change (`check` prints it, `run` notifies it); `verify` notes the pending
version meanwhile. On a real small tmpfs where one can be mounted, and by refusing each write
of the archive in turn."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Clock, Site
from pages import edited, load_content, nato_page

import scraper.archive.files as files
import scraper.archive.store as store
from hostile.helpers import one_error_line, small_filesystem
from scraper.archive.store import Archive
from scraper.config import RunSettings
from scraper.core.target import Target
from scraper.fetching.http import Fetcher
from scraper.fetching.settings import FetchSettings
from scraper.run.notify import Delivery, Notifier, NotifySettings
from scraper.run.schedule import RunPlan, ScheduledRun
from scraper.run.timing import plan_schedule

TARGET = "rok"
CONTENT = load_content()
PAGE_A = nato_page(CONTENT)
PAGE_B = nato_page(edited(CONTENT, replace_text={"steadfast": "long-standing"}))
START = datetime(2024, 7, 16, 8, 30, tzinfo=UTC)
PAGE = 4096


def check(run_cli: Callable[..., Result], data_dir: Path, url: str, clock: Clock) -> Result:
    clock.advance(hours=6)
    return run_cli(
        "--data-dir", str(data_dir), "check", "--url", url, "--target", TARGET, now=clock
    )


def log_lines(data_dir: Path) -> list[dict]:
    path = data_dir / "snapshots" / TARGET / "checks.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def assert_finished(run_cli: Callable[..., Result], data_dir: Path, clock: Clock) -> str:
    """The change to page B is whole: one version, its report, its check-log line (changed),
    and `verify` clean; return that version's id."""
    archive = Archive(data_dir)
    ids = archive.version_ids(TARGET)
    assert len(ids) == 2, ids
    new = ids[-1]
    for fmt in ("md", "html", "json"):
        assert archive.site.has_report(TARGET, new, fmt), (new, fmt)
    assert new in (data_dir / "reports" / "index.html").read_text()
    changed = [line for line in log_lines(data_dir) if line["status"] == "changed"]
    assert [line["version"] for line in changed] == [new], changed
    verified = run_cli("--data-dir", str(data_dir), "verify", now=clock)
    assert verified.exit_code == 0, verified.stdout
    assert "0 damage, 0 notes" in verified.stdout, verified.stdout
    return new


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` to the brim, then free `leave` bytes (whole pages)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    written = 0
    try:
        for chunk in (1 << 16, PAGE, 1):
            while True:
                try:
                    n = os.write(fd, bytes(chunk))
                except OSError as err:
                    assert err.errno == errno.ENOSPC
                    break
                written += n
                if n < chunk:
                    break
    finally:
        os.close(fd)
    os.truncate(filler, max(0, (written // PAGE) * PAGE - leave))
    return filler


def test_a_real_full_disk_loses_no_change(
    site: Site, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    url = site.put("/cps/en/natohq/topics_50098.htm", PAGE_A)
    clock = Clock(START)
    with small_filesystem(tmp_path / "disk", "2m") as disk:
        data = disk / "data"
        assert check(run_cli, data, url, clock).exit_code == 0
        # What the change will write first (raw snapshot, its heads, the version), measured
        # on a copy elsewhere: the disk is left room for those and not for the report.
        scratch = tmp_path / "scratch"
        shutil.copytree(data, scratch)
        before = {p for p in scratch.rglob("*") if p.is_file()}
        site.put("/cps/en/natohq/topics_50098.htm", PAGE_B)
        assert check(run_cli, scratch, url, Clock(clock.now)).exit_code == 0
        new = [p for p in scratch.rglob("*") if p.is_file() and p not in before]
        first = [p for p in new if "snapshots" in p.parts and p.name != "checks.jsonl"]
        room = sum(-(-p.stat().st_size // PAGE) * PAGE for p in first) + PAGE
        assert sum(p.stat().st_size for p in new) > room + 2 * PAGE
        filler = fill(disk, room)

        failed = check(run_cli, data, url, clock)
        line = one_error_line(failed, 1)
        assert "No space left on device" in line, line
        ids = Archive(data).version_ids(TARGET)
        assert len(ids) == 2 and not Archive(data).site.has_report(TARGET, ids[-1]), ids
        noted = run_cli("--data-dir", str(data), "verify", now=clock)
        assert noted.exit_code == 0 and "the next check finishes" in noted.stdout, noted.stdout

        filler.unlink()
        finished = check(run_cli, data, url, clock)
        assert finished.exit_code == 0, finished.stderr
        version = assert_finished(run_cli, data, clock)
        late = finished.stdout.splitlines()[0]
        assert late.startswith(f"{TARGET}: changed — ") and f"version {version}" in late, late
        assert late.endswith("(recorded late)"), late
        assert f"{TARGET}: unchanged — latest version {version}" in finished.stdout


def announced(stdout: str, version: str) -> bool:
    """Whether `check` printed the change that made `version` (its line names the kind of
    change and its strongest flag between "changed —" and the version)."""
    return any(
        line.startswith(f"{TARGET}: changed — ") and f"version {version} " in line
        for line in stdout.splitlines()
    )


class Refusal:
    """A test double of the archive's write boundary: the `at`-th write (a file, or a line
    appended to the check log) fails with ENOSPC; `count` counts them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at: int | None = None
        self.count = 0
        self.paths: list[Path] = []
        self.refuse: Callable[[Path], bool] | None = None
        write_temp = files._write_temp

        def refusing_write_temp(path: Path, data: bytes, *, sync: bool) -> Path:
            self._step(path)
            return write_temp(path, data, sync=sync)

        monkeypatch.setattr(files, "_write_temp", refusing_write_temp)
        if hasattr(store, "append_line"):
            append_line = store.append_line

            def refusing_append_line(path: Path, line: bytes) -> None:
                self._step(path)
                append_line(path, line)

            monkeypatch.setattr(store, "append_line", refusing_append_line)
        else:  # the code before the fix appended in Archive.append_check itself
            append_check = store.Archive.append_check

            def refusing_append_check(archive: Archive, record: object) -> None:
                self._step(archive.checks_path(record.target))  # type: ignore[attr-defined]
                append_check(archive, record)  # type: ignore[arg-type]

            monkeypatch.setattr(store.Archive, "append_check", refusing_append_check)

    def _step(self, path: Path) -> None:
        self.count += 1
        self.paths.append(Path(path))
        hit = self.count == self.at
        if self.refuse is not None and self.refuse(Path(path)):
            hit, self.refuse = True, None
        if hit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    def arm(self, at: int | None) -> None:
        self.at, self.count, self.refuse, self.paths = at, 0, None, []

    def arm_first(self, refuse: Callable[[Path], bool]) -> None:
        """Refuse the first write whose path `refuse` picks."""
        self.at, self.count, self.refuse, self.paths = None, 0, refuse, []


@pytest.fixture
def refusal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Refusal]:
    yield Refusal(monkeypatch)


def test_a_refused_write_at_any_step_is_finished_by_the_next_check(
    site: Site, run_cli: Callable[..., Result], tmp_path: Path, refusal: Refusal
) -> None:
    url = site.put("/cps/en/natohq/topics_50098.htm", PAGE_A)
    clock = Clock(START)
    base = tmp_path / "base"
    assert check(run_cli, base, url, clock).exit_code == 0
    site.put("/cps/en/natohq/topics_50098.htm", PAGE_B)
    counting = tmp_path / "count"
    shutil.copytree(base, counting)
    refusal.arm(None)
    assert check(run_cli, counting, url, Clock(clock.now)).exit_code == 0
    # The check's writes up to its check-log line, its last durable one (the health page,
    # rewritten after it from the log, is rewritten by any next check).
    writes = [p.name for p in refusal.paths].index("checks.jsonl") + 1
    assert writes >= 8, writes  # raw, heads, version, 3 reports, pages, index, feed, the line
    for at in range(1, writes + 1):
        data = tmp_path / f"at-{at}"
        shutil.copytree(base, data)
        step_clock = Clock(clock.now)
        refusal.arm(at)
        failed = check(run_cli, data, url, step_clock)
        line = one_error_line(failed, 1)
        assert "No space left on device" in line, (at, line)
        refusal.arm(None)
        finished = check(run_cli, data, url, step_clock)
        assert finished.exit_code == 0, (at, finished.stderr)
        version = assert_finished(run_cli, data, step_clock)
        assert announced(finished.stdout, version), (at, finished.stdout)


def test_replay_writes_the_report_and_the_next_check_still_announces(
    site: Site, run_cli: Callable[..., Result], data_dir: Path, refusal: Refusal
) -> None:
    url = site.put("/cps/en/natohq/topics_50098.htm", PAGE_A)
    clock = Clock(START)
    assert check(run_cli, data_dir, url, clock).exit_code == 0
    site.put("/cps/en/natohq/topics_50098.htm", PAGE_B)
    refusal.arm(4)  # the first report file
    assert check(run_cli, data_dir, url, clock).exit_code == 1
    refusal.arm(None)
    assert run_cli("replay", now=clock).exit_code == 0
    new = Archive(data_dir).version_ids(TARGET)[-1]
    assert Archive(data_dir).site.has_report(TARGET, new)
    noted = run_cli("verify", now=clock)
    assert "its announcement" in noted.stdout, noted.stdout
    finished = check(run_cli, data_dir, url, clock)
    assert announced(finished.stdout, new), finished.stdout
    assert_finished(run_cli, data_dir, clock)


@pytest.mark.slow
def test_run_notifies_a_change_whose_check_the_disk_refused(
    site: Site, data_dir: Path, tmp_path: Path, refusal: Refusal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nato-watch.run")
    url = site.put("/p.htm", PAGE_A)
    told = tmp_path / "told.txt"
    target = Target(TARGET, url, command=f'echo "$NATO_WATCH_STATUS $NATO_WATCH_VERSION" >> {told}')
    archive = Archive(data_dir)
    deliveries: list[Delivery] = []
    notifier = Notifier(NotifySettings(timeout=5, tries=1), on_delivery=deliveries.append)
    plan = RunPlan(
        schedule=plan_schedule(RunSettings(), every="1s"), stop_timeout=10, lock_timeout=5
    )
    settings = FetchSettings(connect_timeout=1, read_timeout=1, retries=1, respect_robots=False)
    with Fetcher(settings) as fetcher:
        runner = ScheduledRun(
            [target], archive=archive, fetch=fetcher, plan=plan, notifier=notifier
        )
        import threading

        thread = threading.Thread(target=runner.run, kwargs={"handle_signals": False})
        try:
            wait = _waiter()
            refusal.arm(None)
            thread.start()
            wait(lambda: len(archive.version_ids(TARGET)) == 1, "the first version")
            # the changed check's first report file (a temp file beside reports/rok/<id>.*)
            refusal.arm_first(lambda path: path.parent.name == TARGET and "reports" in path.parts)
            site.put("/p.htm", PAGE_B)
            wait(
                lambda: any(r.status.value == "error" for r in archive.iter_checks(TARGET)),
                "the refused check",
            )
            refusal.arm(None)
            wait(
                lambda: any(r.status.value == "changed" for r in archive.iter_checks(TARGET)),
                "the late line",
            )
            notifier.drain(10)
        finally:
            runner.request_stop()
            thread.join(30)
            notifier.close()
    new = archive.version_ids(TARGET)[-1]
    lines = told.read_text().split("\n")
    assert f"changed {new}" in lines, lines
    assert "No space left on device" in caplog.text
    assert "Traceback" not in caplog.text


def _waiter() -> Callable[[Callable[[], bool], str], None]:
    import time

    def wait(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    return wait
