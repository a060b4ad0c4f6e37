"""The config's watched terms (`watch`), notification filter (`notify_on`) and word-list
extensions (`[words]`): good ones load, bad ones are refused with where and how."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.config import DEFAULT_TARGET, load_config
from scraper.core.target import DEFAULT_NOTIFY_ON, NotifyOn
from scraper.core.watchlist import default_watchlist
from scraper.core.words import builtin_words
from scraper.errors import ConfigError

URL = "https://www.nato.int/cps/en/natohq/topics_50098.htm"


def config_file(tmp_path: Path, target_lines: str = "", rest: str = "") -> Path:
    path = tmp_path / "nato-watch.toml"
    # `rest` first: top-level keys and tables, before [[targets]] opens its table.
    path.write_text(
        f'{rest}\n[[targets]]\nname = "korea"\nurl = "{URL}"\n{target_lines}\n', encoding="utf-8"
    )
    return path


def test_a_config_without_the_new_keys_is_unchanged(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    (target,) = config.targets
    assert target.watch is None and target.notify_on == DEFAULT_NOTIFY_ON
    assert config.words is None and config.watchlist("korea") is None
    assert load_config(None).targets == (DEFAULT_TARGET,)


def test_watch_names_known_groups_by_any_variant_and_terms_of_ones_own(tmp_path: Path) -> None:
    config = load_config(
        config_file(
            tmp_path,
            'watch = ["PRC", "indo-pacific", "Arctic", ["Korean Peninsula", "Korea"], "cyber*"]',
        )
    )
    watch = config.target("korea").watch
    assert watch is not None and config.watchlist("korea") is watch
    assert watch.names == ("PRC", "indo-pacific", "Arctic", "Korean Peninsula", "cyber*")
    prc, indo, arctic, peninsula, cyber = watch.terms
    assert cyber.variants == ("cyber*",)
    assert prc.group == "China" and "People's Republic of China" in prc.variants
    assert indo.group == "Indo-Pacific"
    assert arctic.group is None and arctic.variants == ("Arctic",)
    assert peninsula.group is None and peninsula.variants == ("Korean Peninsula", "Korea")
    counts = watch.count(
        "China and the People’s Republic of China, the Indo Pacific, the Arctic, the Korean "
        "peninsula, cybersecurity and cyber defence."
    )
    assert counts == {"PRC": 2, "indo-pacific": 1, "Arctic": 1, "Korean Peninsula": 1, "cyber*": 2}


def test_an_empty_watch_list_watches_nothing(tmp_path: Path) -> None:
    watch = load_config(config_file(tmp_path, "watch = []")).target("korea").watch
    assert watch is not None and watch.terms == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('watch = "China"', "watch must be a list of terms"),
        ("watch = [1]", "watch entry 1 is not a term"),
        ('watch = ["  "]', "watch entry '  ' is not a term"),
        ('watch = [["China", 2]]', "is not a term"),
        ("watch = [[]]", "is not a term"),
        ('notify_on = "always"', 'notify_on takes "changes" (every new version)'),
        ("notify_on = true", 'notify_on takes "changes"'),
        ('notify_on = ["failures", "often"]', "not 'often'"),
        ('notify_on = ["changes", "significant"]', 'give "changes"'),
    ],
)
def test_bad_watch_and_notify_on_are_refused_naming_the_target(
    tmp_path: Path, line: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_file(tmp_path, line))
    assert "[[targets]] #1" in str(err.value) and message in str(err.value)


def test_notify_on_significant(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, 'notify_on = "significant"'))
    assert config.target("korea").notify_on == {NotifyOn.SIGNIFICANT}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('notify_on = "changes"', {NotifyOn.CHANGES}),
        ('notify_on = "any"', {NotifyOn.CHANGES}),  # the old name of "changes"
        ('notify_on = "failures"', {NotifyOn.FAILURES}),
        ('notify_on = ["significant", "failures"]', {NotifyOn.SIGNIFICANT, NotifyOn.FAILURES}),
        ('notify_on = ["any", "failures"]', {NotifyOn.CHANGES, NotifyOn.FAILURES}),
        ("notify_on = []", set()),
    ],
)
def test_notify_on_takes_one_value_or_a_list(
    tmp_path: Path, line: str, expected: set[NotifyOn]
) -> None:
    assert load_config(config_file(tmp_path, line)).target("korea").notify_on == expected


def test_words_extend_the_built_in_lists(tmp_path: Path) -> None:
    rest = """
[words]
default_watch = ["China", "Mongolia", "Arctic"]

[[words.actors]]
name = "Mongolia"
variants = ["Mongolian"]

[[words.actors]]
name = "Quad"
kind = "organisation"
variants = ["Quadrilateral Security Dialogue"]

[[words.terms]]
name = "Arctic"
variants = ["Arctic", "High North"]

[words.modality]
commitment = ["undertake to"]
ignore = ["will power"]

[words.intensity]
stronger = ["stalwart"]

[[words.intensity.ladders]]
name = "presence"
steps = [["visit"], ["station"]]

[words.programmes]
programme_heads = ["Exercise"]

[words.spelling]
pairs = [["organisation", "organization"]]
"""
    config = load_config(config_file(tmp_path, rest=rest))
    words = config.words
    builtin = builtin_words()
    assert words is not None and words != builtin
    mongolia = next(g for g in words.actors if g.name == "Mongolia")
    assert mongolia.variants == ("Mongolia", "Mongolian")  # extended, not replaced
    quad = next(g for g in words.actors if g.name == "Quad")
    assert quad.kind.value == "organisation"
    assert "High North" in next(g for g in words.terms if g.name == "Arctic").variants
    assert "undertake to" in dict(words.modality)[3]  # commitment
    assert words.not_modal[-1] == "will power" and "political will" in words.not_modal
    assert "stalwart" in words.stronger and "strongly" in words.stronger
    assert words.ladders[-1].name == "presence"
    assert "Exercise" in words.programme_heads
    assert ("organisation", "organization") in words.spelling
    # No `watch`: the target watches the new default list, over the extended words.
    watch = config.target("korea").watch
    assert watch is not None and watch.names == ("China", "Mongolia", "Arctic")
    assert watch.count("Mongolian herders in the High North") == {"Mongolia": 1, "Arctic": 1}
    # A target the config does not name gets the same default.
    other = config.watchlist("japan")
    assert other is not None and other.names == ("China", "Mongolia", "Arctic")


def test_the_built_in_default_watchlist() -> None:
    watch = default_watchlist()
    assert watch.names == ("China", "Russia", "DPRK", "Ukraine", "Indo-Pacific")


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ('words = "x"', "[words] must be a table"),
        ("[words]\nverbs = []", "unknown word list 'verbs'"),
        ('[words]\ndefault_watch = "China"', "default_watch must be a list"),
        ("[[words.actors]]\nvariants = []", "must be a table with name"),
        ('[[words.actors]]\nname = "X"\nkind = "city"', 'kind must be "country" or "organisation"'),
        ('[[words.actors]]\nname = "X"\ncolour = "red"', "unknown key 'colour'"),
        ('[[words.terms]]\nname = "X"\nkind = "country"', "unknown key 'kind'"),
        ('[words.modality]\ncertain = ["surely"]', "unknown key 'certain'"),
        ("[words.modality]\ncommitment = [1]", "commitment must be a list of words"),
        ('[words.intensity]\nstronger = ["", "x"]', "stronger must be a list of words"),
        ('[[words.intensity.ladders]]\nname = "x"\nsteps = [["a"]]', "at least two steps"),
        ('[words.spelling]\npairs = [["colour"]]', "[British, American] pairs"),
    ],
)
def test_bad_word_lists_are_refused_naming_the_key(tmp_path: Path, rest: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_file(tmp_path, rest=rest))
    assert "[words]" in str(err.value) and message in str(err.value)
