"""The config keys of the scheduled job: `[run]` and per-target notifications, strictly checked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scraper.config import RunSettings, load_config
from scraper.errors import ConfigError

TARGET = (
    '[[targets]]\nname = "korea"\nurl = "https://www.nato.int/cps/en/natohq/topics_50098.htm"\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nato-watch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_run_table_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TARGET))
    assert config.run == RunSettings()
    assert config.run.every is None and config.run.cron is None
    assert config.run.unhealthy_after == 3 and config.run.stale_after is None
    assert config.targets[0].webhook is None and config.targets[0].command is None


def test_run_table_loads_every_key(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            TARGET + '[run]\nevery = "30m"\njitter = "2m"\ntimezone = "Europe/Brussels"\n'
            "failure_threshold = 5\nstop_timeout = 12\nnotify_timeout = 2.5\nnotify_tries = 4\n",
        )
    )
    assert config.run == RunSettings(
        every=timedelta(minutes=30),
        jitter=timedelta(minutes=2),
        timezone="Europe/Brussels",
        unhealthy_after=5,
        stop_timeout=12.0,
        notify_timeout=2.5,
        notify_tries=4,
    )


def test_run_cron_is_kept_as_written_once_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TARGET + '[run]\ncron = "0  */6 * * *"\n'))
    assert config.run.cron == "0 */6 * * *"
    assert config.run.every is None


def test_targets_take_a_webhook_and_a_command(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            TARGET + 'webhook = "https://hooks.example.org/services/T0/B0/XYZ"\n'
            'command = "notify-send \\"NATO page changed\\""\n',
        )
    )
    target = config.target("korea")
    assert target.webhook == "https://hooks.example.org/services/T0/B0/XYZ"
    assert target.command == 'notify-send "NATO page changed"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[run]\nevery = "6h"\ncron = "0 * * * *"\n', "[run]: give every or cron, not both"),
        (
            '[run]\nevery = "6x"\n',
            "[run]: every '6x' is not a duration; write a number and a unit s, m, h, d or w",
        ),
        ('[run]\nevery = "0s"\n', "the minimum is 1s"),
        ("[run]\nevery = 30\n", 'every must be a string (e.g. every = "6h")'),
        ('[run]\njitter = "soon"\n', "[run]: jitter 'soon' is not a duration"),
        (
            '[run]\ntimezone = "Mars/Olympus"\n',
            "[run]: timezone 'Mars/Olympus' is not a known time zone",
        ),
        ('[run]\ncron = "61 * * * *"\n', "minute '61' has 61, outside 0-59"),
        ('[run]\ncron = "0 * * *"\n', "has 4 field(s), not 5"),
        ("[run]\nfailure_threshold = 0\n", "failure_threshold must be at least 1"),
        ("[run]\nfailure_threshold = true\n", "failure_threshold must be a number"),
        ("[run]\nfailure_threshold = 2.5\n", "failure_threshold must be a number (int)"),
        ("[run]\nstop_timeout = 0\n", "stop_timeout must be more than 0 seconds"),
        ('[run]\nnotify_tries = "3"\n', "notify_tries must be a number"),
        (
            '[run]\nevry = "6h"\n',
            "[run]: unknown key 'evry'; allowed: cron, every, host_interval, jitter, notify_timeout,",
        ),
        (
            'webhook = "ftp://hooks.example.org/x"\n',
            "webhook 'ftp://hooks.example.org/x' is not an http(s) URL",
        ),
        ('command = ""\n', "command must be a non-empty string"),
        ("webhook = 3\n", "webhook must be a non-empty string"),
        (
            'hook = "https://x.org/"\n',
            "unknown key 'hook'; allowed: command, fetch, lang, name, notify_on, translation_of, "
            "url, wait_for, watch, webhook",
        ),
    ],
)
def test_bad_run_settings_are_refused_with_file_key_and_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    # Target keys follow the target table; [run] tables follow it too.
    path = write(tmp_path, TARGET + text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message


def test_a_run_key_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'run = "6h"\n' + TARGET)
    with pytest.raises(ConfigError, match=r"\[run\] must be a table"):
        load_config(path)


def test_unhealthy_after_and_stale_after_are_read_and_the_old_name_still_works(
    tmp_path: Path,
) -> None:
    config = load_config(
        write(tmp_path, TARGET + '[run]\nunhealthy_after = 5\nstale_after = "12h"\n')
    )
    assert config.run.unhealthy_after == 5
    assert config.run.stale_after == timedelta(hours=12)
    old = load_config(write(tmp_path, TARGET + "[run]\nfailure_threshold = 4\n"))
    assert old.run.unhealthy_after == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[run]\nunhealthy_after = 2\nfailure_threshold = 3\n",
            "give unhealthy_after or its old name failure_threshold, not both",
        ),
        ("[run]\nunhealthy_after = 0\n", "unhealthy_after must be at least 1"),
        ('[run]\nstale_after = "soon"\n', "stale_after 'soon' is not a duration"),
        ("[run]\nstale_after = 3600\n", "stale_after must be a string"),
    ],
)
def test_bad_health_settings_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, TARGET + text))
    assert expected in str(caught.value)
