"""Notifications after a check: a webhook POST and/or a shell command.

A check that recorded a version is told about (`event` "change": `new` and `changed` checks),
with `notify_on = "significant"` only first versions and changes whose report carries a
significant flag (`scraper.core.flags`); a target turning failing or recovering is told about
by `run.alerts` (`event` "failing", "recovered"), through the same channels (`Notice`).
Deliveries run on the notifier's own thread, one after another, each bounded by a timeout
(the webhook also retries), so a slow or broken receiver never delays the next check; the
outcome of each delivery goes to `on_delivery` (the scheduler logs it) and a failure is never
raised. The shell command gets the facts in its environment (`NATO_WATCH_*`) and the JSON
payload on stdin, never spliced into its command line, so nothing the page says can inject
shell syntax.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from scraper.archive.store import Archive
from scraper.core.records import CheckStatus
from scraper.core.target import NotifyOn, Target
from scraper.errors import FetchError, ScraperError
from scraper.fetching.post import post_json
from scraper.reports.model import ReportSummary
from scraper.run.pipeline import CheckResult
from scraper.urls import redact_text, redact_url

NOTIFIED = frozenset({CheckStatus.NEW, CheckStatus.CHANGED})
# What a notification keeps of a command's output for the log line.
OUTPUT_TAIL = 300
# How many of a report's strongest flags the notification's text names.
TEXT_FLAGS = 3


@dataclass(frozen=True)
class NotifySettings:
    """Limits of every delivery: seconds per try, tries per webhook, first retry wait."""

    timeout: float = 10.0
    tries: int = 3
    backoff: float = 1.0


class Channel(StrEnum):
    """How a notification is delivered."""

    WEBHOOK = "webhook"
    COMMAND = "command"


class Notice(Protocol):
    """What a channel delivers: a new version (`Notification`), or a health event."""

    @property
    def target(self) -> str:
        """The target told about."""
        ...

    @property
    def event(self) -> str:
        """What it tells of: `change`, `failing`, `recovered`."""
        ...

    def wanted_by(self, target: Target) -> bool:
        """Whether `target`'s `notify_on` asks for it."""
        ...

    def payload(self) -> dict[str, Any]:
        """The JSON body of the webhook POST (and the command's stdin), with its `event`."""
        ...

    def environment(self) -> dict[str, str]:
        """The `NATO_WATCH_*` variables a notification command runs with."""
        ...


@dataclass(frozen=True)
class Notification:
    """What is told about one check that recorded a new version of a target."""

    result: CheckResult
    report_path: Path | None = None
    summary: ReportSummary | None = None

    @property
    def target(self) -> str:
        """The target told about."""
        return self.result.target

    @property
    def event(self) -> str:
        """What it tells of: a new version."""
        return "change"

    def text(self) -> str:
        """One or two human lines (the `text` a Slack-compatible webhook shows)."""
        result = self.result
        stamp = f"; page stamp {result.last_updated.text}" if result.last_updated else ""
        if result.status is CheckStatus.NEW:
            head = (
                f"nato-watch: first version of {result.target} recorded ({result.version}{stamp})"
            )
        else:
            what = self.summary.line if self.summary else "the page changed"
            head = f"nato-watch: {result.target} changed: {what} (version {result.version}{stamp})"
            if self.summary is not None and self.summary.silent_edit:
                head += ". Silent edit: the page's own 'Last updated' stamp did not move"
        lines = [head]
        flags = self.result.flags or (self.summary.flags if self.summary else ())
        if flags:
            lines.append("Flags: " + "; ".join(f.headline for f in flags[:TEXT_FLAGS]))
        if self.report_path is not None:
            lines.append(f"Report: {self.report_path}")
        lines.append(f"Page: {redact_url(result.record.url)}")
        return "\n".join(lines)

    def wanted_by(self, target: Target) -> bool:
        """Whether `target`'s `notify_on` asks for this: every new version (`changes`), or only
        a first version and a change whose report carries a significant flag (`significant`;
        an unreadable report is told about: better a notification too many than a change
        missed)."""
        if NotifyOn.CHANGES in target.notify_on:
            return True
        if NotifyOn.SIGNIFICANT not in target.notify_on:
            return False
        if self.result.status is not CheckStatus.CHANGED:
            return True
        if self.result.significant is not None:
            return self.result.significant
        return self.summary.significant if self.summary is not None else True

    def payload(self) -> dict[str, Any]:
        """The JSON body of the webhook POST (and the command's stdin): the check's JSON object,
        the report summary, and a Slack-compatible `text`."""
        out: dict[str, Any] = {"event": self.event, "text": self.text(), **self.result.to_dict()}
        out["report"] = str(self.report_path) if self.report_path else None
        summary = self.summary
        out["summary"] = summary.summary.to_dict() if summary else None
        out["summary_line"] = summary.line if summary else None
        out["stamp"] = summary.stamp.value if summary else None
        out["silent_edit"] = summary.silent_edit if summary else None
        out["restamp"] = summary.restamp if summary else None
        out["sections"] = list(summary.sections) if summary else []
        if not out["flags"] and summary is not None:  # a result rebuilt without its change
            out["flags"] = [f.to_dict(with_section=True) for f in summary.flags]
            out["significant"] = summary.significant
        return out

    def environment(self) -> dict[str, str]:
        """The `NATO_WATCH_*` variables a notification command runs with."""
        result = self.result
        return {
            "NATO_WATCH_EVENT": self.event,
            "NATO_WATCH_TARGET": result.target,
            "NATO_WATCH_STATUS": result.status.value,
            "NATO_WATCH_VERSION": result.version or "",
            "NATO_WATCH_REPORT": str(self.report_path) if self.report_path else "",
            "NATO_WATCH_URL": redact_url(result.record.url),
            "NATO_WATCH_LAST_UPDATED": result.last_updated.at.isoformat()
            if result.last_updated
            else "",
            "NATO_WATCH_SUMMARY": self.text().splitlines()[0],
        }


def notification_for(result: CheckResult, *, archive: Archive) -> Notification | None:
    """The notification for a check: None unless it recorded a new version; the report's
    summary when its JSON report can be read (a missing one is left out, not an error)."""
    if result.status not in NOTIFIED:
        return None
    report_path = result.report.resolve() if result.report else None
    summary = None
    if result.status is CheckStatus.CHANGED and result.version:
        try:
            text = archive.site.read_report(result.target, result.version, "json")
            summary = ReportSummary.from_json(text)
        except (ScraperError, ValueError, KeyError, TypeError):
            summary = None  # the report can be rebuilt by replay; the change is still news
    return Notification(result=result, report_path=report_path, summary=summary)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one delivery of one notification."""

    target: str
    channel: Channel
    destination: str  # without secrets: a webhook's scheme and host, a command's first word
    ok: bool
    detail: str
    duration: float
    event: str = "change"  # what was told: change, failing, recovered


def send_webhook(
    url: str,
    notification: Notice,
    *,
    settings: NotifySettings,
    stop: threading.Event | None = None,
) -> Delivery:
    """POST the notification's payload to `url` with timeout and retries."""
    started = time.monotonic()
    shown = redact_url(url, keep_path=False)
    try:
        status = post_json(
            url,
            notification.payload(),
            timeout=settings.timeout,
            tries=settings.tries,
            backoff=settings.backoff,
            stop=stop,
        )
    except FetchError as err:
        tries = f" after {err.attempts} tries" if err.attempts > 1 else ""
        ok, detail = False, f"{_hidden(str(err), url, shown)}{tries}"
    else:
        ok, detail = True, f"HTTP {status}"
    return Delivery(
        notification.target,
        Channel.WEBHOOK,
        shown,
        ok=ok,
        detail=detail,
        duration=time.monotonic() - started,
    )


def _hidden(text: str, url: str, shown: str) -> str:
    """`text` with the webhook's URL as `shown`, wherever it appears: whole, with its
    credentials already redacted, or only its path (a library's error names the path)."""
    for form in (url, redact_text(url)):
        text = text.replace(form, shown)
    path = urlsplit(url).path
    if len(path) > 1:
        text = text.replace(path, "/…")
    return text


def run_command(command: str, notification: Notice, *, settings: NotifySettings) -> Delivery:
    """Run `command` with `/bin/sh`, the `NATO_WATCH_*` variables in its environment and the
    JSON payload on stdin; kill it (and its children) after the timeout."""
    started = time.monotonic()
    shown = command.split()[0] if command.split() else command
    target = notification.target

    def done(ok: bool, detail: str) -> Delivery:
        return Delivery(target, Channel.COMMAND, shown, ok, detail, time.monotonic() - started)

    stdin = json.dumps(notification.payload(), ensure_ascii=False).encode("utf-8")
    try:
        process = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **notification.environment()},
            # Its own process group, so a timeout kills what the shell started too.
            start_new_session=True,
        )
    except OSError as err:
        return done(False, f"could not start the command: {err.strerror or err}")
    try:
        out, err_out = process.communicate(stdin, timeout=settings.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return done(False, f"killed after the {settings.timeout:g} s timeout")
    said = _tail(err_out) or _tail(out)
    if process.returncode != 0:
        reason = f"exited with status {process.returncode}"
        if process.returncode < 0:
            reason = f"was killed by signal {-process.returncode}"
        return done(False, f"{reason}{f': {said}' if said else ''}")
    return done(True, f"exit 0{f': {said}' if said else ''}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended just before the kill
        os.killpg(process.pid, signal.SIGKILL)


def _tail(data: bytes | None) -> str:
    text = " ".join((data or b"").decode("utf-8", errors="replace").split())
    return text[-OUTPUT_TAIL:]


def deliver(
    target: Target,
    notification: Notice,
    *,
    settings: NotifySettings,
    stop: threading.Event | None = None,
) -> list[Delivery]:
    """Deliver one notification on every channel the target has (webhook first)."""
    deliveries = []
    if target.webhook:
        deliveries.append(send_webhook(target.webhook, notification, settings=settings, stop=stop))
    if target.command:
        deliveries.append(run_command(target.command, notification, settings=settings))
    return [replace(d, event=notification.event) for d in deliveries]


class Notifier:
    """Delivers notifications on a thread of its own, in the order they were submitted."""

    def __init__(
        self, settings: NotifySettings, *, on_delivery: Callable[[Delivery], None]
    ) -> None:
        self.settings = settings
        self.on_delivery = on_delivery
        self._queue: queue.Queue[tuple[Target, Notice] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._stop = threading.Event()
        # A daemon thread: a receiver that hangs past every timeout must not keep the
        # process alive after the run has stopped.
        self._thread = threading.Thread(target=self._work, name="nato-watch-notify", daemon=True)
        self._thread.start()

    def submit(self, target: Target, result: CheckResult, *, archive: Archive) -> bool:
        """Queue the notification of `result` if it recorded a version that `target`'s
        `notify_on` asks for and `target` has a webhook or command; return whether one was
        queued. Never blocks on delivery."""
        notification = notification_for(result, archive=archive)
        return notification is not None and self.submit_notice(target, notification)

    def submit_notice(self, target: Target, notice: Notice) -> bool:
        """Queue `notice` if `target` has a webhook or command and its `notify_on` asks for
        it; return whether it was queued. Never blocks on delivery."""
        if not (target.webhook or target.command) or not notice.wanted_by(target):
            return False
        with self._idle:
            self._pending += 1
        self._queue.put((target, notice))
        return True

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every queued notification to be delivered."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        """Stop taking notifications; cut short any retry wait; let the thread end."""
        self._stop.set()
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            target, notification = item
            try:
                deliveries = deliver(target, notification, settings=self.settings, stop=self._stop)
                for delivery in deliveries:
                    self.on_delivery(delivery)
            except Exception as err:  # a notifier bug must not end notifications for good
                self.on_delivery(
                    Delivery(
                        target.name,
                        Channel.COMMAND if target.command else Channel.WEBHOOK,
                        "-",
                        ok=False,
                        detail=f"internal error: {type(err).__name__}: {err}",
                        duration=0.0,
                    )
                )
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
