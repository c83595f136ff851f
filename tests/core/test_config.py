"""Settings parsed with their types, the example config, and saving one setting in place."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import tomllib
from pathlib import Path

import pytest

from rztui.answers.review import DEFAULT_KEYWORDS, keywords_for
from rztui.api.errors import ConfigError
from rztui.config import EXAMPLE_CONFIG, SETTING_KEYS, Settings, save_setting


def parsed(text: str) -> Settings:
    return Settings.from_toml(tomllib.loads(text), where="config.toml")


@pytest.mark.parametrize(
    "text, words",
    [
        ('bell = "no"', ["bell", "the string 'no'", "write false, without quotes"]),
        ('auto_archive = "false"', ["auto_archive", "write false"]),
        ('auto_archive = "yes"', ["auto_archive", "write true"]),
        ("bell = 1", ["bell", "expected true or false, got a number"]),
        ("poll_budget = 5", ["poll_budget", "5 is out of range", "using the default (0.5)"]),
        ("poll_budget = 0", ["poll_budget", "out of range"]),
        ("concurrency = 0", ["concurrency", "0 is out of range (1 to 64)", "(8)"]),
        ("concurrency = 65", ["concurrency", "out of range"]),
        ("concurrency = 2.5", ["concurrency", "whole number"]),
        ('concurrency = "8"', ["concurrency", "the string '8'"]),
        ("retention_days = -1", ["retention_days", "out of range", "(not set)"]),
        ("retention_days = true", ["retention_days", "a boolean"]),
        ("base_url = 3", ["base_url", "expected a URL"]),
        ("theme = 3", ["theme", "expected a theme name"]),
        ('theme = "a\\u0007b"', ["theme", "is not a theme name"]),
        ("conccurency = 3", ["unknown setting 'conccurency'", "did you mean 'concurrency'"]),
        ("thme = 'x'", ["unknown setting 'thme'", "did you mean 'theme'"]),
        ("colour = 'x'", ["unknown setting 'colour'"]),
        ("keywords = 3", ["keywords", "expected a table"]),
        ("[keywords]\nglob = ['x']", ["keywords.'glob'", "did you mean 'global'"]),
        ("[keywords]\nglobal = 3", ["keywords.global", "built-in keywords"]),
        ("[keywords.jobs]\nx = 3", ["keywords.jobs.'x'", "got a number"]),
    ],
)
def test_a_bad_value_is_named_once_and_the_default_is_used(text, words):
    s = parsed(text)
    assert len(s.warnings) == 1, s.warnings
    [line] = s.warnings
    assert line.startswith("config.toml: ") and "\n" not in line
    for word in words:
        assert word in line, line
    assert s == Settings()  # every rejected value left its default


def test_the_strings_that_used_to_be_true_are_false_now():
    s = parsed('bell = "no"\nauto_archive = "false"\n')
    assert s.bell is False and s.auto_archive is False and len(s.warnings) == 2


def test_good_values_are_taken_with_their_types():
    s = parsed(
        'base_url = " http://127.0.0.1:8765/api/v1 "\nconcurrency = 3\npoll_budget = 1\n'
        'retention_days = 30\nauto_archive = true\nbell = true\ntheme = "nord"\n'
        '[keywords]\nglobal = ["go", 1]\n[keywords.jobs]\n"Data" = "sql"\n'
    )
    assert (s.base_url, s.concurrency, s.poll_budget, s.retention_days) == (
        "http://127.0.0.1:8765/api/v1", 3, 1.0, 30.0)
    assert isinstance(s.poll_budget, float) and isinstance(s.concurrency, int)
    assert (s.auto_archive, s.bell, s.theme) == (True, True, "nord")
    # A lone string is one keyword (not its letters); a non-string item is dropped and named.
    assert s.keywords == {"global": ["go"], "jobs": {"Data": ["sql"]}}
    assert s.warnings == ["config.toml: keywords.global: 1 item(s) are not strings; ignored"]
    assert keywords_for("data", s.keywords) == ["go", "sql"]


def test_a_file_that_is_not_toml_is_still_an_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("concurrency = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="config.toml"):
        Settings.load(path)
    assert Settings.load(tmp_path / "missing.toml") == Settings()


# --------------------------------------------------------------------------- the example


def uncommented(text: str) -> str:
    """The example with its settings switched on: ``# key = value`` and ``# [table]`` lines."""
    return re.sub(r'(?m)^# (?=(?:\w+|"[^"]*") = |\[)', "", text)


def test_example_config_lists_every_setting_with_its_default():
    names = {f.name for f in dataclasses.fields(Settings)} - {"warnings"}
    assert names == set(SETTING_KEYS)
    for key in SETTING_KEYS:
        if key == "keywords":
            assert "# [keywords]" in EXAMPLE_CONFIG
        else:
            assert re.search(rf"(?m)^# {key} = ", EXAMPLE_CONFIG), key
    # As given (all commented out) it is valid TOML meaning "all defaults".
    assert tomllib.loads(EXAMPLE_CONFIG) == {}
    # Switched on, it parses without a warning to exactly the defaults; retention_days (not
    # set by default) shows an example value, and the keywords are the built-in list.
    s = parsed(uncommented(EXAMPLE_CONFIG))
    assert s.warnings == []
    assert dataclasses.replace(s, retention_days=None, player=None, keywords={}) == Settings()
    assert s.retention_days == 90
    assert s.keywords.get("global") == DEFAULT_KEYWORDS
    assert keywords_for("Backend Engineer", s.keywords)[-3:] == ["go", "postgres", "kubernetes"]


# --------------------------------------------------------------------------- save_setting


USER_FILE = """\
# my settings
concurrency = 4   # the office network is slow

# theme = "textual-dark"
bell = true

[keywords]
global = ["go"]  # only this
"""


def test_save_setting_changes_one_line_and_keeps_the_rest(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    save_setting("concurrency", 12, path)
    save_setting("theme", 'gruvbox "dark" \\', path)
    save_setting("poll_budget", 0.25, path)
    text = path.read_text(encoding="utf-8")
    assert "concurrency = 12   # the office network is slow\n" in text
    assert '# theme = "textual-dark"\ntheme = "gruvbox \\"dark\\" \\\\"\n' in text
    assert "bell = true\npoll_budget = 0.25\n\n[keywords]" in text  # before the first table
    assert text.startswith("# my settings\n") and 'global = ["go"]  # only this' in text
    s = Settings.load(path)
    assert (s.concurrency, s.theme, s.poll_budget, s.bell) == (12, 'gruvbox "dark" \\', 0.25,
                                                              True)
    assert s.keywords == {"global": ["go"]} and s.warnings == []
    save_setting("concurrency", None, path)  # back to the default
    assert "concurrency" not in path.read_text(encoding="utf-8")
    assert Settings.load(path).concurrency == 8


def test_save_setting_creates_a_private_file(tmp_path):
    path = tmp_path / "new" / "config.toml"
    assert save_setting("theme", "nord", path) == path
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name != "config.toml"]  # no temp file


def test_save_setting_writes_through_a_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "rztui.toml"
    real.parent.mkdir()
    real.write_text("bell = true\n", encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_setting("theme", "nord", link)
    assert link.is_symlink() and Settings.load(real).theme == "nord"


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("colour", "x", "not a setting"),
        ("keywords", "x", "not a setting"),
        ("concurrency", 0, "out of range"),
        ("bell", "no", "expected true or false"),
        ("theme", "a\nb", "not a theme name"),
    ],
)
def test_save_setting_refuses_what_loading_would_ignore(tmp_path, key, value, words):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        save_setting(key, value, path)
    assert path.read_text(encoding="utf-8") == USER_FILE


def test_save_setting_leaves_a_broken_file_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("concurrency = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot save theme"):
        save_setting("theme", "nord", path)
    assert path.read_text(encoding="utf-8") == "concurrency = [\n"


def test_save_setting_defaults_to_the_config_file_of_rztui_home(rz_home):
    path = save_setting("theme", "nord")
    assert path == rz_home / "config" / "config.toml"
    assert Settings.load(Path(os.environ["RZTUI_HOME"]) / "config" / "config.toml").theme == "nord"


def test_player_setting():
    assert parsed('player = " mpv --no-video {} "').player == "mpv --no-video {}"
    for bad in ("3", '""', '"mpv\\u001b[2J"'):
        s = parsed(f"player = {bad}")
        assert s.player is None and len(s.warnings) == 1 and "player" in s.warnings[0]


# --------------------------------------------------------------------------- bounds (issue 20, 14)


def test_a_config_over_the_size_limit_is_refused_at_once(tmp_path):
    """The issue's file: 8.5 MB, 400,000 keyword entries. Refused before parsing, one message
    naming the limit (it cost 18.7 s and 400,000 warning lines)."""
    import time

    from rztui.config import MAX_CONFIG_BYTES

    path = tmp_path / "config.toml"
    path.write_text("[keywords]\n" + "".join(f'kw{i} = ["w{i}"]\n' for i in range(400_000)),
                    encoding="utf-8")
    assert path.stat().st_size > 8_000_000
    started = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        Settings.load(path)
    assert time.perf_counter() - started < 1.0
    assert f"{MAX_CONFIG_BYTES / 1e6:g} MB" in err.value.message
    assert "\n" not in err.value.message


def test_repeated_warnings_are_one_line_with_a_count(tmp_path):
    """Just under the size limit, as many bad entries as fit: a bounded number of lines, each
    kind once with how many more there were, in bounded time."""
    import time

    from rztui.config import MAX_CONFIG_BYTES

    lines = ["[keywords]"]
    lines += [f'k{i} = "x"' for i in range(40_000)]
    lines += ["[keywords.jobs]"] + [f'"J{i}" = 3' for i in range(900)]
    body = "\n".join(lines) + "\n"
    filler = "".join(f"u{i} = 1\n" for i in range(200_000))
    body = filler[: MAX_CONFIG_BYTES - len(body) - 20].rsplit("\n", 1)[0] + "\n" + body
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    assert MAX_CONFIG_BYTES * 0.9 < path.stat().st_size <= MAX_CONFIG_BYTES
    started = time.perf_counter()
    s = Settings.load(path)
    assert time.perf_counter() - started < 10  # parsing 1 MB of TOML is most of it
    assert len(s.warnings) == 3, s.warnings
    unknown, keyword, job = s.warnings
    assert "unknown setting 'u0'" in unknown and "more like it)" in unknown
    assert "unknown setting keywords.'k0'" in keyword and "(and 39,999 more like it)" in keyword
    assert "keywords.jobs.'J0'" in job and "(and 899 more like it)" in job


def test_too_many_keywords_or_job_titles_are_refused_by_name(tmp_path):
    from rztui.config import MAX_KEYWORD_JOBS, MAX_KEYWORDS

    words = ", ".join(f'"w{i}"' for i in range(MAX_KEYWORDS + 1))
    jobs = "".join(f'"J{i}" = ["x"]\n' for i in range(MAX_KEYWORD_JOBS + 1))
    path = tmp_path / "config.toml"
    path.write_text(f"[keywords]\nglobal = [{words}]\n[keywords.jobs]\n{jobs}", encoding="utf-8")
    s = Settings.load(path)
    assert s.keywords == {}
    assert len(s.warnings) == 2, s.warnings
    assert f"more than the {MAX_KEYWORDS:,}" in s.warnings[0]
    assert f"more than the {MAX_KEYWORD_JOBS:,}" in s.warnings[1]
    assert keywords_for("Data", s.keywords) == DEFAULT_KEYWORDS  # the built-in list stays


def test_a_big_config_costs_each_command_one_bounded_message(rz_home):
    """End to end: `rztui list` with the issue's 8.5 MB config says one line and exits 2."""
    from click.testing import CliRunner

    from rztui.cli import main

    config = rz_home / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        "[keywords]\n" + "".join(f'kw{i} = ["w{i}"]\n' for i in range(400_000)),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["list"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "1 MB" in result.stderr
