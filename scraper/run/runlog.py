"""The scheduled run's log: `key=value` lines a user greps, ISO 8601 timestamps with their
offset in the run's time zone, and where the lines go (stderr, a log file) at which level.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.errors import ConfigError, without_post_path
from scraper.reports.words import stamp_label

if TYPE_CHECKING:
    from scraper.core.target import Target
    from scraper.fetching.retry import RetryWait
    from scraper.run.pipeline import CheckResult

LOG = logging.getLogger("nato-watch.run")
"""The run's own logger: one line per check, plans, skips, health, notifications, stops."""

_BARE = re.compile(r"^[A-Za-z0-9_.:/+@~%-]+$")
# Control characters (page text can hold them): written as \xNN, never raw into a log line.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def format_fields(**fields: object) -> str:
    """`key=value` pairs; values with spaces or quotes are quoted, so lines stay greppable."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if not _BARE.fullmatch(text):
            text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            text = '"' + _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


def local_iso(moment: datetime, tz: tzinfo) -> str:
    """`moment` in `tz`, ISO 8601 to the second, with its offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def format_check_line(
    result: CheckResult, *, duration: float, next_run: datetime | None, tz: tzinfo
) -> str:
    """The one log line of a check: target, outcome, version, the kind of change and its
    strongest flag, duration, next run, error."""
    change = result.change
    return "check " + format_fields(
        target=result.target,
        status=result.status.value,
        version=result.version or "-",
        change=stamp_label(change.stamp, silent_edit=change.silent_edit, restamp=change.restamp)
        if change is not None
        else None,
        flag=change.flags[0].headline if change is not None and change.flags else None,
        duration=f"{duration:.2f}s",
        report=str(result.report) if result.report else None,
        next=local_iso(next_run, tz) if next_run else None,
        error=result.error,
    )


def retry_logger(targets: Sequence[Target]) -> Callable[[RetryWait], None]:
    """What the run logs of each wait before a retry: one `retry` line (at the default level)
    naming the target, what failed and the next try."""
    names = {target.url: target.name for target in targets}

    def log_wait(wait: RetryWait) -> None:
        LOG.info(
            "retry %s",
            format_fields(
                target=names.get(wait.url),
                url=wait.url,
                failed=wait.outcome,
                next_try_in=f"{wait.seconds:.0f}s",
                attempt=f"{wait.next_try}/{wait.tries}",
            ),
        )

    return log_wait


class IsoFormatter(logging.Formatter):
    """Log records with an ISO 8601 timestamp carrying its offset, in the run's time zone."""

    def __init__(self, tz: tzinfo) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's time in ISO 8601 with its offset, to the second."""
        return local_iso(datetime.fromtimestamp(record.created, UTC), self.tz)

    def format(self, record: logging.LogRecord) -> str:
        """The line, without a webhook's secret path where `-vv` shows urllib3's requests."""
        return super().format(without_post_path(record))


def run_log_level(root_level: int) -> int:
    """The level of the run's own lines given the CLI's level: by default (WARNING) they show
    (INFO), one per check; `-q` (ERROR) keeps errors only; `-v`/`-vv` lower it further."""
    if root_level >= logging.ERROR:
        return logging.ERROR
    return min(root_level, logging.INFO)


def configure_logging(*, level: int, log_file: Path | None, tz: tzinfo) -> None:
    """Send log lines to stderr (and `log_file`, appended) with ISO timestamps in `tz`.

    `level` is the CLI's (`-q`, `-v`, `-vv`); the run's own lines get `run_log_level(level)`,
    so the default shows one line per check but not each HTTP attempt (that is `-v`).
    """
    formatter = IsoFormatter(tz)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as err:
            raise ConfigError(
                f"--log-file {log_file}: cannot open it for appending ({err.strerror}); "
                "check the path and its permissions"
            ) from err
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    LOG.setLevel(run_log_level(level))
    # APScheduler's own lines repeat ours (we log skipped and missed runs ourselves).
    logging.getLogger("apscheduler").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.ERROR
    )
