"""The CLI core against the demo server: output, caching, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.demo import dataset

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(demo_env, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

    def invoke(*args: str, input: str | None = None, env: dict | None = None):
        return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


def test_get_json_is_the_api_payload(run, demo_env):
    res = run("get", SPEC_ID, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["candidate"]["name"] == "Jane Smith" and len(data["responses"]) == 2


@pytest.mark.slow
def test_get_text_then_offline_from_cache(run, demo_env):
    res = run("get", SPEC_ID)
    assert res.exit_code == 0 and "Jane Smith" in res.stdout
    assert "Describe your experience with React hooks" in res.stdout
    demo_env.reset_stats()
    offline = run("get", SPEC_ID, env={"ROUNDZERO_BASE_URL": "http://127.0.0.1:9"})
    assert offline.exit_code == 0 and "Jane Smith" in offline.stdout
    assert demo_env.stats.total_requests == 0
    refresh = run("get", SPEC_ID, "--refresh", env={"ROUNDZERO_BASE_URL": "http://127.0.0.1:9"})
    assert refresh.exit_code == 5 and refresh.stderr.count("\n") == 1
    assert "Traceback" not in refresh.stderr


@pytest.mark.parametrize(
    "args, env, code, words",
    [
        (("get", "no-such-id"), {}, 3, "not found"),
        (("get", "a/b"), {}, 2, "'/'"),
        (("get", "  "), {}, 2, "empty"),
        (("get", SPEC_ID), {"ROUNDZERO_API_KEY": "rz_live_wrongwrongwrong"}, 4, "401"),
        (("get", SPEC_ID), {"ROUNDZERO_API_KEY": "rz_demo_inactive"}, 4, "403"),
        (("get", SPEC_ID), {"ROUNDZERO_API_KEY": ""}, 4, "no API key"),
        (("get", "demo-bad-json"), {}, 5, "not JSON"),
        (("get", SPEC_ID, "--bogus"), {}, 2, "No such option"),
    ],
)
def test_exit_codes_and_one_line_errors(run, args, env, code, words):
    res = run(*args, env=env)
    assert res.exit_code == code, (res.stdout, res.stderr)
    assert words in res.stderr and "Traceback" not in res.stderr
    assert "rz_live_wrongwrongwrong" not in res.stderr
    if code != 2:
        assert res.stderr.count("\n") == 1


def test_questions_text_and_json(run):
    res = run("questions", SPEC_ID)
    assert res.exit_code == 0
    assert "3 listed of 11" in res.stdout and "custom" in res.stdout
    assert "Why do you want to work at our company?" in res.stdout
    data = json.loads(run("questions", SPEC_ID, "--json").stdout)
    assert data["total_questions"] == 11


def test_add_list_remove(run):
    url = f"https://rz-app-omega.vercel.app/api/v1/interviews/{SPEC_ID}"
    invited = next(i for i, s in dataset_statuses() if s == "invited")
    res = run("add", url, "-", input=f"{invited}\n\nbad/id\nno-such-id\n")
    assert res.exit_code == 3  # the worst: one id does not exist
    assert "bad/id" in res.stderr and "no-such-id" in res.stderr
    assert res.stdout == "tracking 2 new interview(s), 0 already tracked\n"
    again = run("add", SPEC_ID, "--no-fetch")
    assert again.exit_code == 0
    assert again.stdout == "tracking 0 new interview(s), 1 already tracked\n"
    listed = json.loads(run("list", "--json").stdout)
    assert {r["id"] for r in listed} == {SPEC_ID, invited}
    spec = next(r for r in listed if r["id"] == SPEC_ID)
    assert spec["status"] == "completed" and spec["candidate"] == "Jane Smith"
    text = run("list").stdout
    assert "Jane Smith" in text and "invited" in text
    assert run("remove", SPEC_ID).exit_code == 0
    assert [r["id"] for r in json.loads(run("list", "--json").stdout)] == [invited]


def test_add_without_a_key_tracks_then_says_so(run):
    res = run("add", SPEC_ID, env={"ROUNDZERO_API_KEY": ""})
    assert res.exit_code == 4 and "no API key" in res.stderr and res.stderr.count("\n") == 1
    [row] = json.loads(run("list", "--json").stdout)
    assert row["id"] == SPEC_ID and row["status"] is None  # fetched once there is a key


def dataset_statuses():
    return [(i, dataset.snapshot(i, 0.0)["status"]) for i in dataset.ALL_IDS
            if dataset.snapshot(i, 0.0)]


def test_hostile_text_never_reaches_the_terminal_raw(run):
    for iid in dataset.HOSTILE_IDS:
        res = run("get", iid)
        assert res.exit_code == 0
        assert "\x1b" not in res.stdout and "\x9b" not in res.stdout
        assert "\u202e" not in res.stdout
        as_json = run("get", iid, "--json").stdout
        assert "\x1b" not in as_json and "\u202e" not in as_json
        json.loads(as_json)  # escaped, not lost


def test_paths(run, rz_home):
    res = run("paths")
    assert res.exit_code == 0 and str(rz_home) in res.stdout and "config.toml" in res.stdout


def test_bad_config_is_a_clear_usage_error(run, rz_home):
    (rz_home / "config").mkdir(parents=True)
    (rz_home / "config" / "config.toml").write_text("concurrency = [", encoding="utf-8")
    res = run("list")
    assert res.exit_code == 2 and "config.toml" in res.stderr


def test_demo_audio_never_goes_to_the_real_archive(rz_home):
    from rztui.cli.common import AppContext

    real, demo = AppContext(None, demo=False), AppContext(None, demo=True)
    assert demo.audio_dir == demo.paths.data_dir / "demo-audio"
    assert real.audio_dir == real.paths.audio_dir != demo.audio_dir


def test_every_command_loads_under_its_name():
    from rztui.cli import COMMANDS

    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert main.get_command(ctx, "no-such-command") is None


def test_opening_the_app_imports_no_command_module():
    code = (
        "import sys, rztui.cli\n"
        "from rztui.cli.common import AppContext, open_tui\n"
        "assert 'click' not in sys.modules  # `rztui` alone opens the app without it\n"
        "rztui.cli.main\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('rztui.cli'))\n"
        "assert loaded == ['rztui.cli', 'rztui.cli.common', 'rztui.cli.group'], loaded\n"
        "assert 'rztui.service' not in sys.modules and 'httpx' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    # No import cycle through the package: a command module can be imported first.
    subprocess.run([sys.executable, "-c", "import rztui.cli.watch, rztui.cli.export"],
                   check=True, cwd=ROOT)
