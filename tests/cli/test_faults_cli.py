"""The CLI under faults a user meets: a network failure during `add`, a 429 that asks for
minutes, a full disk, a read-only store, a server that breaks HTTP. A real server on loopback
(tests/api/faultserver.py), a real SQLite file, the exit codes of the README."""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the raw fault server
from disk_faults import fill_disk, read_only, tiny_disk  # noqa: E402
from faultserver import FaultServer, drop, reply, sequence  # noqa: E402

from rztui.cli import main  # noqa: E402
from rztui.demo import dataset  # noqa: E402

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"
KEY = "rz_test_faults_cli_0123456789"


def iid(n: int) -> str:
    return f"{n:08d}-aaaa-4bbb-8ccc-dddddddddddd"


def path(interview_id: str) -> str:
    return f"/api/v1/interviews/{interview_id}"


def interview(interview_id: str) -> dict[str, object]:
    body = dataset.snapshot(SPEC_ID, dataset.LIVE_END_SECONDS + 1)
    assert body is not None
    return {**body, "id": interview_id}


@pytest.fixture
def srv():
    with FaultServer() as server:
        yield server


@pytest.fixture
def run(srv, rz_home, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("ROUNDZERO_API_KEY", KEY)
    monkeypatch.setenv("ROUNDZERO_BASE_URL", srv.base_url)

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def write_config(home: Path, text: str) -> None:
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


# --------------------------------------------------------------------------- 429 far away


def limited(reset_in: float) -> object:
    """A 429 without Retry-After whose window resets ``reset_in`` seconds from now."""
    reset = int(time.time() + reset_in)
    return reply(429, {"error": {"type": "rate_limit_exceeded", "message": "slow down"}},
                 [("X-RateLimit-Limit", "60"), ("X-RateLimit-Remaining", "0"),
                  ("X-RateLimit-Reset", str(reset))])


def test_get_gives_up_on_a_429_reset_far_away_naming_when(run, srv):
    srv.route(path(iid(1)), limited(400))
    started = time.monotonic()
    res = run("get", iid(1))
    assert time.monotonic() - started < 10  # not 3 x 120 s
    assert res.exit_code == 5, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rztui: error: "), res.stderr
    assert "429" in lines[0] and " UTC" in lines[0] and "gave up" in lines[0], lines[0]
    assert time.strftime("%Y-%m-%d", time.gmtime()) in lines[0]
    assert srv.stats.count(path(iid(1))) == 1  # asked once, not four times


def test_the_longest_rate_limit_wait_is_configurable(run, srv, rz_home):
    write_config(rz_home, "max_rate_limit_wait = 5\n")
    srv.route(path(iid(1)), limited(30))
    res = run("get", iid(1))
    assert res.exit_code == 5 and "the 5 s rztui waits" in res.stderr, res.stderr
    assert srv.stats.count(path(iid(1))) == 1


@pytest.mark.slow
def test_a_rate_limit_wait_within_the_cap_is_said_on_stderr(run, srv):
    srv.route(path(iid(1)), sequence(limited(4), reply(200, interview(iid(1)))))
    res = run("get", iid(1), "--json")
    assert res.exit_code == 0, res.output
    assert "rate-limited" in res.stderr and "retrying in" in res.stderr, res.stderr
    assert srv.stats.count(path(iid(1))) == 2


def test_add_stops_asking_once_a_429_asks_for_too_long(run, srv):
    for n in range(1, 31):
        srv.route(path(iid(n)), limited(400))
    res = run("add", *(iid(n) for n in range(1, 31)))
    assert res.exit_code == 5, res.output
    sent = sum(srv.stats.count(path(iid(n))) for n in range(1, 31))
    assert sent <= 8, sent  # the requests already in flight, not one per id
    assert "tracking 30 new interview(s)" in res.stdout


# --------------------------------------------------------------------------- add, network


def test_add_exits_5_when_the_network_fails_and_keeps_the_ids(run, srv):
    srv.route(path(iid(1)), reply(200, interview(iid(1))))
    srv.route(path(iid(2)), drop())  # reached, then hung up without an answer
    res = run("add", iid(1), iid(2))
    assert res.exit_code == 5, res.output
    assert "tracking 2 new interview(s)" in res.stdout
    assert f"interview {iid(2)}" in res.stderr and "will fetch later" in res.stderr
    listed = run("list", "--json")
    assert listed.exit_code == 0 and sorted(r["id"] for r in json.loads(
        listed.stdout)) == [iid(1), iid(2)]


def test_add_exits_5_when_the_api_cannot_be_reached(run, rz_home, monkeypatch):
    monkeypatch.setenv("ROUNDZERO_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    res = run("add", iid(1))
    assert res.exit_code == 5, res.output
    assert "cannot reach the API" in res.stderr and "will fetch later" in res.stderr
    assert "tracking 1 new interview(s)" in res.stdout


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def tiny_fs(tmp_path) -> Iterator[Path]:
    with tiny_disk(tmp_path) as folder:
        yield folder


def bulky(interview_id: str, n: int) -> dict[str, object]:
    """An interview whose transcripts neither compress nor index small (~24 KB)."""
    body = interview(interview_id)
    rng = random.Random(n)
    words = " ".join(f"{rng.getrandbits(40):x}" for _ in range(2_000))
    body["responses"] = [{**r, "transcript": words} for r in body["responses"]]  # type: ignore
    return body


def test_add_on_a_full_disk_stops_at_the_first_failed_save(run, srv, tiny_fs, monkeypatch):
    home = tiny_fs / "home"
    monkeypatch.setenv("RZTUI_HOME", str(home))
    ids = [iid(n) for n in range(1, 61)]
    for n, i in enumerate(ids):
        srv.route(path(i), reply(200, bulky(i, n)))
    assert run("list").exit_code == 0  # the store exists
    filler = fill_disk(tiny_fs, 96 * 1024)  # room to track 60 ids, not to keep 60 interviews
    res = run("add", *ids)
    assert res.exit_code == 5, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rztui: error: "), res.stderr
    assert "disk is full" in lines[0] and "rztui.db" in lines[0]
    sent = sum(srv.stats.count(path(i)) for i in ids)
    assert sent < 20, sent  # the ones in flight when the disk filled, not all 60
    filler.unlink()
    listed = run("list", "--json")
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 60  # still tracked


# --------------------------------------------------------------------------- read-only store


def test_get_from_a_read_only_store_serves_the_answer_uncached(run, srv, rz_home):
    srv.route(path(iid(1)), reply(200, interview(iid(1))))
    assert run("add", "--no-fetch", iid(2)).exit_code == 0  # the store exists, with data
    with read_only(rz_home / "data") as reason:
        res = run("get", iid(1), "--json")
        again = run("get", iid(1), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"] == iid(1)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "not cached" in lines[0] and reason in lines[0], res.stderr
    assert again.exit_code == 0 and srv.stats.count(path(iid(1))) == 2  # asked again: not kept
    listed = run("list", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [iid(2)]
