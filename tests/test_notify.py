"""Notifications: the webhook POST (through fetching.post) and the shell command, each bounded
by a timeout, never raising, never holding up the caller; told only about new versions."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Clock, Site
from pages import edited, load_content, nato_page
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive.store import Archive
from scraper.core.records import CheckStatus
from scraper.core.target import Target
from scraper.errors import FetchError
from scraper.fetching.http import Fetcher
from scraper.fetching.post import post_json
from scraper.fetching.settings import FetchSettings
from scraper.run.notify import (
    Channel,
    Delivery,
    Notification,
    Notifier,
    NotifySettings,
    notification_for,
    run_command,
    send_webhook,
)
from scraper.run.pipeline import CheckResult, check_target
from scraper.urls import redact_url

FAST = NotifySettings(timeout=3, tries=3, backoff=0.05)


@dataclass
class Checked:
    """Three real checks of one target: the first (new), a changed page, the same again."""

    archive: Archive
    new: CheckResult
    changed: CheckResult
    unchanged: CheckResult


@pytest.fixture
def checked(site: Site, data_dir: Path, clock: Clock) -> Checked:
    archive = Archive(data_dir)
    content = load_content()
    target = Target("rok", site.put("/p.htm", nato_page(content)))
    settings = FetchSettings(retries=1, respect_robots=False)
    with Fetcher(settings) as fetch:
        new = check_target(target, archive=archive, fetch=fetch, now=clock)
        changed_content = edited(
            content, replace_text={"Republic of Korea": "Republic of Korea (ROK)"}
        )
        site.put("/p.htm", nato_page(changed_content))
        clock.advance(hours=6)
        changed = check_target(target, archive=archive, fetch=fetch, now=clock)
        clock.advance(hours=6)
        unchanged = check_target(target, archive=archive, fetch=fetch, now=clock)
    assert (new.status, changed.status, unchanged.status) == (
        CheckStatus.NEW,
        CheckStatus.CHANGED,
        CheckStatus.UNCHANGED,
    )
    return Checked(archive, new, changed, unchanged)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- post_json -------------------------------------------------------------------------------


def test_post_json_retries_a_busy_receiver_then_succeeds(httpserver_ipv4: HTTPServer) -> None:
    httpserver_ipv4.expect_ordered_request("/hook", method="POST").respond_with_data(
        "busy", status=503
    )
    httpserver_ipv4.expect_ordered_request("/hook", method="POST").respond_with_data("ok")
    status = post_json(
        httpserver_ipv4.url_for("/hook"), {"text": "Korea – NATO"}, timeout=3, backoff=0.05
    )
    assert status == 200
    bodies = [request.get_data() for request, _ in httpserver_ipv4.log if request.path == "/hook"]
    assert len(bodies) == 2
    assert json.loads(bodies[1]) == {"text": "Korea – NATO"}
    posted = [request for request, _ in httpserver_ipv4.log if request.path == "/hook"]
    assert posted[1].headers["Content-Type"] == "application/json; charset=utf-8"


def test_post_json_waits_what_retry_after_asks(httpserver_ipv4: HTTPServer) -> None:
    arrived: list[float] = []

    def answer(status: int, **headers: str) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            arrived.append(time.monotonic())
            return Response("slow down" if status == 429 else "ok", status=status, headers=headers)

        return handle

    hook = httpserver_ipv4.url_for("/hook")
    httpserver_ipv4.expect_ordered_request("/hook", method="POST").respond_with_handler(
        answer(429, **{"Retry-After": "1"})
    )
    httpserver_ipv4.expect_ordered_request("/hook", method="POST").respond_with_handler(answer(200))
    assert post_json(hook, {"text": "Korea"}, timeout=3, tries=3, backoff=0.05) == 200
    assert len(arrived) == 2
    # The receiver's Retry-After (1 s), not the 0.05 s backoff, set the wait.
    assert 0.95 <= arrived[1] - arrived[0] < 2.0


def test_post_json_does_not_retry_a_refusal(httpserver_ipv4: HTTPServer) -> None:
    httpserver_ipv4.expect_request("/hook", method="POST").respond_with_data(
        "invalid_payload", status=400
    )
    with pytest.raises(FetchError) as caught:
        post_json(httpserver_ipv4.url_for("/hook"), {}, timeout=3, tries=3, backoff=0.05)
    assert caught.value.status == 400 and caught.value.attempts == 1
    assert "returned HTTP 400 (invalid_payload)" in str(caught.value)
    assert sum(1 for request, _ in httpserver_ipv4.log if request.path == "/hook") == 1


def test_post_json_gives_up_after_its_tries_when_nothing_listens() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    with pytest.raises(FetchError) as caught:
        post_json(url, {}, timeout=1, tries=2, backoff=0.05)
    assert caught.value.attempts == 2
    assert "connection refused" in str(caught.value)


def test_post_json_times_out(httpserver_ipv4: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    httpserver_ipv4.expect_request("/hook", method="POST").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        post_json(httpserver_ipv4.url_for("/hook"), {}, timeout=0.3, tries=1)
    assert time.monotonic() - started < 0.9


def test_post_json_stops_retrying_when_told_to_stop() -> None:
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    with pytest.raises(FetchError):
        post_json(f"http://127.0.0.1:{free_port()}/", {}, timeout=1, tries=5, backoff=10, stop=stop)
    assert time.monotonic() - started < 2


# -- what is told ----------------------------------------------------------------------------


def test_only_new_and_changed_checks_are_told(checked: Checked) -> None:
    assert notification_for(checked.unchanged, archive=checked.archive) is None
    assert notification_for(checked.new, archive=checked.archive) is not None
    assert notification_for(checked.changed, archive=checked.archive) is not None


def test_a_change_is_told_with_its_report_summary(checked: Checked) -> None:
    notification = notification_for(checked.changed, archive=checked.archive)
    assert notification is not None
    payload = notification.payload()
    version = checked.changed.version
    assert payload["target"] == "rok" and payload["status"] == "changed"
    assert payload["version"] == version
    assert payload["summary"]["blocks_changed"] >= 1
    assert payload["summary_line"] and payload["summary_line"] in payload["text"]
    assert payload["stamp"] == "unchanged" and payload["silent_edit"] is True
    assert "Silent edit" in payload["text"]
    report = checked.archive.root.resolve() / "reports" / "rok" / f"{version}.md"
    assert payload["report"] == str(report) and report.is_file()
    assert payload["text"].startswith("nato-watch: rok changed: ")
    assert f"Report: {report}" in payload["text"]
    json.dumps(payload)  # all of it is JSON


def test_a_first_version_is_told_without_a_report(checked: Checked) -> None:
    notification = notification_for(checked.new, archive=checked.archive)
    assert notification is not None
    assert notification.text().startswith(
        f"nato-watch: first version of rok recorded ({checked.new.version}; page stamp "
        "16 Jul. 2024 10:28)"
    )
    payload = notification.payload()
    assert payload["report"] is None and payload["summary"] is None
    env = notification.environment()
    assert env["NATO_WATCH_STATUS"] == "new"
    assert env["NATO_WATCH_REPORT"] == ""
    assert env["NATO_WATCH_VERSION"] == checked.new.version
    assert env["NATO_WATCH_LAST_UPDATED"] == "2024-07-16T10:28:00+02:00"


def test_a_missing_report_still_tells_of_the_change(checked: Checked) -> None:
    version = checked.changed.version
    assert version is not None
    (checked.archive.root / "reports" / "rok" / f"{version}.json").unlink()
    notification = notification_for(checked.changed, archive=checked.archive)
    assert notification is not None and notification.summary is None
    assert "rok changed: the page changed" in notification.text()


# -- delivering ------------------------------------------------------------------------------


def test_the_command_gets_the_facts_in_its_environment_and_the_payload_on_stdin(
    checked: Checked, tmp_path: Path
) -> None:
    notification = notification_for(checked.changed, archive=checked.archive)
    assert notification is not None
    out = tmp_path / "out"
    command = (
        f'printf "%s|%s|%s|%s" "$NATO_WATCH_TARGET" "$NATO_WATCH_STATUS" "$NATO_WATCH_VERSION" '
        f'"$NATO_WATCH_REPORT" > {out}.env; cat > {out}.json'
    )
    delivery = run_command(command, notification, settings=FAST)
    assert delivery.ok, delivery.detail
    assert (delivery.channel, delivery.destination, delivery.target) == (
        Channel.COMMAND,
        "printf",
        "rok",
    )
    target, status, version, report = Path(f"{out}.env").read_text().split("|")
    assert (target, status, version) == ("rok", "changed", checked.changed.version)
    assert report == str(notification.report_path) and Path(report).is_file()
    assert json.loads(Path(f"{out}.json").read_text())["version"] == checked.changed.version


def test_a_failing_command_is_reported_with_its_status_and_message(checked: Checked) -> None:
    notification = notification_for(checked.new, archive=checked.archive)
    assert notification is not None
    delivery = run_command("echo 'no mail server' >&2; exit 3", notification, settings=FAST)
    assert not delivery.ok
    assert delivery.detail == "exited with status 3: no mail server"


def test_a_hanging_command_and_its_children_are_killed_at_the_timeout(
    checked: Checked, tmp_path: Path
) -> None:
    notification = notification_for(checked.new, archive=checked.archive)
    assert notification is not None
    pid_file = tmp_path / "child.pid"
    settings = NotifySettings(timeout=0.5)
    started = time.monotonic()
    delivery = run_command(
        f"sleep 30 & echo $! > {pid_file}; wait", notification, settings=settings
    )
    assert time.monotonic() - started < 3
    assert not delivery.ok and delivery.detail == "killed after the 0.5 s timeout"
    child = int(pid_file.read_text())
    stat = Path(f"/proc/{child}/stat")
    # Gone, or a zombie waiting for init to reap it: not sleeping on.
    deadline = time.monotonic() + 2
    while stat.exists() and stat.read_text().split()[2] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_a_webhook_failure_is_reported_without_the_secret_part_of_its_url(
    checked: Checked, httpserver_ipv4: HTTPServer
) -> None:
    httpserver_ipv4.expect_request("/services/T0/SECRET", method="POST").respond_with_data(
        "no_service", status=404
    )
    notification = notification_for(checked.new, archive=checked.archive)
    assert notification is not None
    url = httpserver_ipv4.url_for("/services/T0/SECRET")
    delivery = send_webhook(url, notification, settings=FAST)
    assert not delivery.ok
    assert "SECRET" not in delivery.detail and "SECRET" not in delivery.destination
    assert delivery.destination == redact_url(url, keep_path=False)
    assert "returned HTTP 404 (no_service)" in delivery.detail


def test_urls_are_redacted_to_scheme_and_host() -> None:
    assert (
        redact_url("https://hooks.slack.com/services/T0/B0/xyz", keep_path=False)
        == "https://hooks.slack.com/…"
    )
    assert redact_url("http://127.0.0.1:8080/", keep_path=False) == "http://127.0.0.1:8080/"


@pytest.fixture
def notifier() -> Iterator[tuple[Notifier, list[Delivery]]]:
    deliveries: list[Delivery] = []
    notifier = Notifier(FAST, on_delivery=deliveries.append)
    yield notifier, deliveries
    notifier.close()


def test_the_notifier_never_holds_up_the_check(
    checked: Checked, notifier: tuple[Notifier, list[Delivery]]
) -> None:
    queue, deliveries = notifier
    target = Target(
        "rok",
        "https://x.org/",
        webhook=f"http://127.0.0.1:{free_port()}/hook",  # nothing listens: a failure
        command="sleep 1",
    )
    started = time.monotonic()
    assert queue.submit(target, checked.changed, archive=checked.archive)
    assert time.monotonic() - started < 0.5, "submit must not wait for the delivery"
    assert queue.drain(10)
    webhook, command = deliveries
    assert webhook.channel is Channel.WEBHOOK and not webhook.ok
    assert "connection refused" in webhook.detail and "after 3 tries" in webhook.detail
    assert command.channel is Channel.COMMAND and command.ok and command.duration >= 1


def test_the_notifier_skips_unchanged_checks_and_targets_without_channels(
    checked: Checked, notifier: tuple[Notifier, list[Delivery]]
) -> None:
    queue, deliveries = notifier
    told = Target("rok", "https://x.org/", command="true")
    silent = Target("rok", "https://x.org/")
    assert not queue.submit(told, checked.unchanged, archive=checked.archive)
    assert not queue.submit(silent, checked.changed, archive=checked.archive)
    assert queue.submit(told, checked.new, archive=checked.archive)
    assert queue.drain(5)
    assert [(d.target, d.ok) for d in deliveries] == [("rok", True)]


def test_drain_gives_up_at_its_timeout(
    checked: Checked, notifier: tuple[Notifier, list[Delivery]]
) -> None:
    queue, _ = notifier
    queue.submit(
        Target("rok", "https://x.org/", command="sleep 2"), checked.new, archive=checked.archive
    )
    started = time.monotonic()
    assert not queue.drain(0.2)
    assert time.monotonic() - started < 1


def test_a_notification_dataclass_round_trips_its_text(checked: Checked) -> None:
    notification = Notification(result=checked.new)
    assert notification.environment()["NATO_WATCH_SUMMARY"] == notification.text().splitlines()[0]
