"""Bad base URLs, undecodable stdin and special export targets: one line and an exit code,
never a traceback, a Basic-auth request or a replaced device node."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.demo import dataset as ds

SPEC_ID = ds.SPEC_INTERVIEW_ID
ROOT = Path(__file__).resolve().parents[2]


def rz(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


# --------------------------------------------------------------------------- base URL


def bad_urls(port: int) -> list[tuple[str, str]]:
    return [
        ("http://[::1", "Invalid IPv6"),
        ("http://127.0.0.1:99999", "Port out of range"),
        (f"http://127.0.0.1:{port}\x07/x", "control character"),
        (f"http://127.0.0.1:{port}/\x1b[31m", "control character"),
        (f"http://user:pass@127.0.0.1:{port}", "user name or password"),
    ]


COMMANDS = [
    ("get", SPEC_ID),
    ("list",),
    ("add", SPEC_ID),
    ("export", SPEC_ID),
    ("watch", SPEC_ID, "--timeout", "1"),
    ("search", "hooks"),
    ("login", "--stdin"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_bad_base_url_from_the_flag_is_exit_2_before_any_request(demo_env, command):
    for url, words in bad_urls(demo_env.port):
        demo_env.reset_stats()
        res = rz("--base-url", url, *command, input=ds.DEMO_KEY + "\n")
        assert res.exit_code == 2, (url, res.stdout, res.stderr)
        assert res.stderr.count("\n") == 1 and words in res.stderr, res.stderr
        assert "(from --base-url)" in res.stderr
        assert "pass@" not in res.stderr and "\x1b" not in res.stderr and "\x07" not in res.stderr
        assert "Traceback" not in res.stderr and res.stdout == ""
        assert demo_env.stats.total_requests == 0  # nothing was sent, Basic auth least of all


def test_bad_base_url_from_the_environment_and_the_config_file(demo_env, rz_home):
    res = rz("get", SPEC_ID, env={"ROUNDZERO_BASE_URL": "http://u:p@127.0.0.1:1"})
    assert res.exit_code == 2 and "(from ROUNDZERO_BASE_URL)" in res.stderr
    (rz_home / "config").mkdir(parents=True)
    (rz_home / "config" / "config.toml").write_text('base_url = "http://[::1"\n')
    res = rz("list", env={"ROUNDZERO_BASE_URL": ""})
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "base_url in " in res.stderr and "config.toml" in res.stderr
    # The flag wins over the file, and a good final URL is all that counts.
    assert rz("--base-url", demo_env.base_url, "get", SPEC_ID,
              env={"ROUNDZERO_BASE_URL": ""}).exit_code == 0


def test_bare_rztui_checks_the_base_url_too(demo_env):
    res = rz("--base-url", "http://[::1")
    assert res.exit_code == 2 and "Invalid IPv6" in res.stderr


def test_commands_that_send_nothing_still_run_with_a_bad_base_url(demo_env):
    url = "http://user:secretpw@127.0.0.1:1"
    paths = rz("--base-url", url, "paths")
    assert paths.exit_code == 0 and "invalid: base URL must not contain" in paths.stdout
    assert "secretpw" not in paths.stdout
    assert rz("--base-url", url, "config", "--path").exit_code == 0
    assert rz("--base-url", url, "completion", "bash").exit_code == 0
    helped = rz("--base-url", url, "get", "--help")
    assert helped.exit_code == 0 and "Usage:" in helped.stdout


# --------------------------------------------------------------------------- stdin ids


def test_add_from_stdin_skips_a_line_that_is_not_utf8(demo_env):
    invited = ds.ALL_IDS[25]
    data = (f"\ufeff{SPEC_ID}\r\n".encode() + b"caf\xe9-\xff\xfe\n\n" + f"{invited}\n".encode())
    res = rz("add", "-", input=data)
    assert res.exit_code == 0, res.stderr
    lines = res.stderr.splitlines()
    assert lines[0] == "rztui: warning: stdin line 2 is not valid UTF-8: skipped"
    assert len(lines) == 2 and lines[1].startswith("rztui: fetched 2 of 2 interview(s) in ")
    assert res.stdout == "tracking 2 new interview(s), 0 already tracked\n"
    listed = [r["id"] for r in json.loads(rz("list", "--json").stdout)]
    assert listed == [SPEC_ID, invited]


def test_stdin_with_nothing_decodable_is_a_usage_error(demo_env):
    res = rz("add", "-", input=b"\xff\xfe\xfd\n\x80\n")
    assert res.exit_code == 2
    assert "stdin line 1 is not valid UTF-8" in res.stderr
    assert "stdin line 2 is not valid UTF-8" in res.stderr
    assert "no valid interview ids given" in res.stderr and "Traceback" not in res.stderr


def test_remove_and_export_read_stdin_the_same_way(demo_env):
    assert rz("add", SPEC_ID).exit_code == 0
    res = rz("export", "-", "-f", "jsonl", input=b"\xc3\x28\n" + SPEC_ID.encode() + b"\n")
    assert res.exit_code == 0 and json.loads(res.stdout)["id"] == SPEC_ID
    assert "stdin line 1 is not valid UTF-8: skipped" in res.stderr
    gone = rz("remove", "-", input=b"\xc3\x28\n" + SPEC_ID.encode() + b"\n")
    assert gone.exit_code == 0 and gone.stdout == "removed 1 interview(s)\n"


# --------------------------------------------------------------------------- export targets


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@needs_dev_full
def test_export_to_dev_full_is_disk_full_and_the_device_stays(demo_env):
    before = os.stat("/dev/full")
    res = rz("export", SPEC_ID, "-o", "/dev/full")
    assert res.exit_code == 5, res.stderr
    assert res.stderr.count("\n") == 1
    assert "cannot write /dev/full: disk full" in res.stderr
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino  # the same node, not a file renamed over it
    assert not [p for p in Path("/dev").glob(".full.*")]  # no temporary file left behind


@needs_dev_full
def test_export_stdout_to_dev_full_is_one_line_exit_5(demo_env):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "rztui", "export", SPEC_ID], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 5, proc.stderr
    assert proc.stderr == ("rztui: error: cannot write the export: disk full (no space left "
                           "on device)\n")


def test_export_to_dev_null_writes_into_it(demo_env):
    before = os.stat("/dev/null")
    res = rz("export", SPEC_ID, "-o", "/dev/null")
    assert res.exit_code == 0, res.stderr
    assert "to /dev/null" in res.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert os.stat("/dev/null").st_ino == before.st_ino


def test_export_to_a_fifo_streams_into_it_and_keeps_it(demo_env, tmp_path):
    (tmp_path / "out").mkdir()
    fifo = tmp_path / "out" / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        res = rz("export", SPEC_ID, "-f", "jsonl", "-o", str(fifo))
        out, _ = reader.communicate(timeout=30)
    finally:
        reader.kill()
    assert res.exit_code == 0, res.stderr
    assert json.loads(out)["id"] == SPEC_ID
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in fifo.parent.iterdir()) == ["pipe"]  # no temporary file


def test_export_to_a_symlink_to_a_device_writes_through_it(demo_env, tmp_path):
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/null")
    res = rz("export", SPEC_ID, "-o", str(link))
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and os.readlink(link) == "/dev/null"


def test_export_to_a_socket_is_refused_before_fetching(demo_env, tmp_path):
    import socket

    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        demo_env.reset_stats()
        res = rz("export", SPEC_ID, "-o", str(path))
    assert res.exit_code == 2 and "is a socket" in res.stderr
    assert demo_env.stats.total_requests == 0


def test_export_to_a_regular_file_is_still_atomic_and_private(demo_env, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    res = rz("export", SPEC_ID, "-o", str(out))
    assert res.exit_code == 0
    assert json.loads(out.read_text())[0]["id"] == SPEC_ID
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
