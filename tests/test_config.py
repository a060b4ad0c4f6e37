"""The config file: good ones load, bad ones are refused with a message that says where and how."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from scraper.config import DEFAULT_TARGET, load_config, target_for_url
from scraper.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nato-watch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_default_target() -> None:
    config = load_config(None)
    assert config.targets == (DEFAULT_TARGET,)
    assert DEFAULT_TARGET.url == "https://www.nato.int/cps/en/natohq/topics_50098.htm"


def test_targets_and_fetch_settings_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[targets]]\nname = "korea"\nurl = "https://www.nato.int/cps/en/natohq/topics_50098.htm"\n'
        '[[targets]]\nname = "japan"\nurl = "https://www.nato.int/cps/en/natohq/topics_50336.htm"\n'
        '[fetch]\nuser_agent = "research-bot/1 (me@example.org)"\nread_timeout = 5\n'
        "[check]\nsuspect_confirmations = 3\n",
    )
    config = load_config(path)
    assert [t.name for t in config.targets] == ["korea", "japan"]
    assert config.fetch.user_agent == "research-bot/1 (me@example.org)"
    assert config.fetch.read_timeout == 5.0
    assert config.check.suspect_confirmations == 3
    assert config.target("japan").url.endswith("topics_50336.htm")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[targets]]\nname = "k"\nurl = "https://x.org/"\nurll = "y"\n', "unknown key 'urll'"),
        ('colour = "blue"\n', "unknown top-level key 'colour'"),
        (
            '[[targets]]\nname = "k"\nurl = "https://x.org/a"\n'
            '[[targets]]\nname = "k"\nurl = "https://x.org/b"\n',
            "duplicate target name 'k'",
        ),
        ('[[targets]]\nname = "Korea Page"\nurl = "https://x.org/"\n', "'korea-page'"),
        ('[[targets]]\nname = "k"\nurl = "ftp://x.org/"\n', "not an http(s) URL"),
        ('[[targets]]\nname = "k"\n', "missing url"),
        ('[fetch]\nread_timeout = "soon"\n', "read_timeout must be a float"),
        ("[fetch]\nspeed = 3\n", "unknown key 'speed'"),
        ("[[targets]\n", "invalid TOML"),
        ('[[targets]]\nname = "k"\nurl = "https://x.org/"\nfetch = "curl"\n', "fetch must be"),
        (
            '[[targets]]\nname = "k"\nurl = "https://x.org/"\nwait_for = "main"\n',
            'wait_for needs fetch = "browser"',
        ),
        ('[fetch]\nuser_agent = ""\n', "[fetch]: user_agent must be one non-empty line"),
    ],
)
def test_bad_config_names_file_key_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_a_target_can_ask_for_the_browser(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[targets]]\nname = "k"\nurl = "https://x.org/"\nfetch = "browser"\n'
        'wait_for = "main article"\n',
    )
    target = load_config(path).targets[0]
    assert (target.fetch, target.wait_for) == ("browser", "main article")


def test_bad_config_is_a_one_line_cli_error(run_cli: Callable[..., Result], data_dir: Path) -> None:
    (data_dir / "nato-watch.toml").write_text('[[targets]]\nname = "k"\nurl = "file:///etc"\n')
    result = run_cli("check")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "nato-watch.toml" in result.stderr and "not an http(s) URL" in result.stderr


def test_missing_config_option_file_is_an_error(run_cli: Callable[..., Result]) -> None:
    result = run_cli("--config", "/nonexistent/nato.toml", "log")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_target_for_url_prefers_a_configured_target() -> None:
    config = load_config(None)
    assert target_for_url(DEFAULT_TARGET.url, name=None, config=config) == DEFAULT_TARGET
    assert target_for_url("https://www.nato.int/x/topics_1.htm", name=None, config=config).name == (
        "nato-int-topics-1"
    )
    with pytest.raises(ConfigError):
        target_for_url("https://x.org/", name="Bad Name", config=config)


EN_PAGE = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
FR_PAGE = "https://www.nato.int/cps/fr/natohq/topics_50098.htm"


def test_a_target_names_the_page_it_translates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'[[targets]]\nname = "korea"\nurl = "{EN_PAGE}"\n'
        f'[[targets]]\nname = "korea-fr"\nurl = "{FR_PAGE}"\ntranslation_of = "korea"\n'
        '[[targets]]\nname = "korea-mirror"\nurl = "https://mirror.example.org/korea"\n'
        'translation_of = "korea"\nlang = "FR"\n',
    )
    config = load_config(path)
    assert config.target("korea-fr").translation_of == "korea"
    assert config.target("korea-mirror").lang == "fr"
    assert [(p.original, p.translation, p.original_lang, p.translation_lang) for p in
            config.pairs()] == [("korea", "korea-fr", None, None),
                                ("korea", "korea-mirror", None, "fr")]  # fmt: skip
    assert load_config(None).pairs() == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f'[[targets]]\nname = "k"\nurl = "{FR_PAGE}"\ntranslation_of = "k"\n',
            "'k' cannot be a translation of itself",
        ),
        (
            f'[[targets]]\nname = "k"\nurl = "{FR_PAGE}"\ntranslation_of = "korea"\n',
            "translation_of: no target named 'korea'; name one of the configured targets",
        ),
        (
            f'[[targets]]\nname = "en"\nurl = "{EN_PAGE}"\n'
            f'[[targets]]\nname = "fr"\nurl = "{FR_PAGE}"\ntranslation_of = "en"\n'
            f'[[targets]]\nname = "ru"\nurl = "{EN_PAGE}?selectedLocale=ru"\n'
            'translation_of = "fr"\n',
            "'fr' is itself a translation (of 'en'); name the original: translation_of = \"en\"",
        ),
        (
            f'[[targets]]\nname = "en"\nurl = "{EN_PAGE}"\n'
            f'[[targets]]\nname = "en2"\nurl = "{EN_PAGE}?x=1"\ntranslation_of = "en"\n',
            "'en2' and 'en' are both in language 'en'; set lang",
        ),
        (
            f'[[targets]]\nname = "fr"\nurl = "{FR_PAGE}"\ntranslation_of = 3\n',
            "translation_of must name another target",
        ),
        (
            f'[[targets]]\nname = "fr"\nurl = "{FR_PAGE}"\nlang = "french"\n',
            "lang must be a two-letter ISO 639-1 code",
        ),
    ],
)
def test_bad_translation_config_names_file_key_and_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
