"""`rztui watch` against the demo server: output, exit codes, zero-request exits, webhooks."""

from __future__ import annotations

import asyncio
import json
import math
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.cli.watch import WaitNotes
from rztui.demo import dataset
from rztui.demo.webhook_sender import WebhookSender
from rztui.live import PollerStats, Waiting
from rztui.webhooks import make_event

SPEC_ID = dataset.SPEC_INTERVIEW_ID
INVITED_ID = next(i for i, s in dataset.INITIAL_STATUS.items()
                  if s == "invited" and i not in dataset.LIVE_IDS
                  and i != dataset.LIVE_EXPIRING_ID)
SECRET = "whsec_cli_test_secret"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(demo_env, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("ROUNDZERO_WEBHOOK_SECRET", raising=False)

    def invoke(*args: str, env: dict | None = None, input: str | None = None):
        return CliRunner().invoke(main, list(args), env=env, input=input,
                                  catch_exceptions=False)

    return invoke


def test_already_final_exits_at_once_with_zero_requests(run, demo_env):
    assert run("get", SPEC_ID).exit_code == 0  # cached as completed
    demo_env.reset_stats()
    res = run("watch", SPEC_ID, env={"ROUNDZERO_API_KEY": ""})  # no key needed either
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "" and "already completed" in res.stderr
    assert demo_env.stats.total_requests == 0


def test_first_fetch_prints_json_lines_and_caches_questions(run, demo_env):
    res = run("watch", SPEC_ID, "--json")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["id"] == SPEC_ID and rec["old_status"] is None
    assert rec["new_status"] == "completed" and rec["candidate"] == "Jane Smith"
    assert rec["at"].endswith("Z")
    assert demo_env.stats.per_path[f"/api/v1/interviews/{SPEC_ID}/questions"] == 1
    listed = json.loads(run("list", "--json").stdout)
    assert [r["id"] for r in listed] == [SPEC_ID]  # tracked as a side effect


def test_text_line_is_terminal_safe(run, demo_env):
    res = run("watch", dataset.HOSTILE_TERMINAL_ID)
    assert res.exit_code == 0, res.stderr
    assert "\x1b" not in res.stdout and "\u202e" not in res.stdout
    assert f"{dataset.HOSTILE_TERMINAL_ID}  ? -> completed  " in res.stdout


def test_bad_key_exits_4(run):
    res = run("watch", INVITED_ID, env={"ROUNDZERO_API_KEY": "rz_live_wrongwrongwrong"})
    assert res.exit_code == 4, res.stderr
    assert "401" in res.stderr and "Traceback" not in res.stderr
    assert "rz_live_wrongwrongwrong" not in res.stderr


def test_missing_key_exits_4(run):
    res = run("watch", INVITED_ID, env={"ROUNDZERO_API_KEY": ""})
    assert res.exit_code == 4 and "no API key" in res.stderr


def test_timeout_exits_6(run, demo_env):
    started = time.monotonic()
    res = run("watch", INVITED_ID, "--timeout", "0.5")
    assert res.exit_code == 6, res.stderr
    assert "timed out" in res.stderr and INVITED_ID in res.stderr
    # One invited interview: checked every 30 s, and the watch says what that costs.
    assert "watching 1 interview(s); about 2 requests/min of a 50/min polling budget" \
        in res.stderr
    assert f"{INVITED_ID}  ? -> invited" in res.stdout
    assert time.monotonic() - started < 5
    assert demo_env.stats.total_requests == 1  # one poll, then it waits its turn


def test_not_found_exits_3_after_the_others(run):
    res = run("watch", "no-such-interview", SPEC_ID)
    assert res.exit_code == 3, res.stderr
    assert "not found" in res.stderr and "-> completed" in res.stdout


@pytest.mark.parametrize("args, words", [
    ((), "give interview ids"),
    (("bad/id",), "'/'"),
    ((INVITED_ID, "--webhook-listen", "127.0.0.1:0"), "ROUNDZERO_WEBHOOK_SECRET"),
    ((INVITED_ID, "--webhook-listen", "nonsense"), "HOST:PORT"),
    ((INVITED_ID, "--timeout", "-1"), "Invalid value"),
])
def test_usage_errors_exit_2(run, demo_env, args, words):
    res = run("watch", *args, env={"ROUNDZERO_WEBHOOK_SECRET": ""})
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert words in res.stderr
    assert demo_env.stats.total_requests == 0


@pytest.mark.slow
def test_a_rate_limit_wait_is_said_once_on_stderr(run, demo_env):
    """Other clients of the key used up its limit: the first poll gets a 429, and the watch
    says what it waits for instead of going quiet."""
    demo_env.set_faults(rate_limit=2, rate_window=60)
    for _ in range(2):
        httpx.get(f"{demo_env.base_url}/api/v1/interviews/{SPEC_ID}",
                  headers={"Authorization": f"Bearer {dataset.DEMO_KEY}"})
    res = run("watch", INVITED_ID, "--timeout", "1")
    assert res.exit_code == 6, res.stderr
    waits = [line for line in res.stderr.splitlines() if "rate-limited" in line]
    assert len(waits) == 1, res.stderr
    assert re.fullmatch(r"rztui: rate-limited · retrying in (5[0-9]|6[01]) s", waits[0])
    assert demo_env.stats.rate_limited == 1  # and it did not try again meanwhile


def _stats(at: float, waiting: Waiting | None) -> PollerStats:
    return PollerStats(at=at, state="ok", watched=1, dormant=0, due=1, next_poll_at=None,
                       requests_in_window=0, budget=50, window=60.0, limit=100,
                       rate_remaining=None, resume_at=None, requests_total=0,
                       waiting=waiting)


def test_wait_notes_say_each_rate_limit_wait_once():
    notes = WaitNotes()
    held = Waiting(1000.0, "rate_limited")
    assert notes.line(_stats(973.0, held)) == "rate-limited · retrying in 27 s"
    assert notes.line(_stats(980.0, held)) is None  # the same wait, another snapshot
    assert notes.line(_stats(999.0, Waiting(1000.4, "rate_limited"))) is None
    assert notes.line(_stats(1000.0, Waiting(1001.5, "rate_limited"))) is None  # 1.5 s: quiet
    assert notes.line(_stats(1000.0, Waiting(1040.0, "key_busy"))).startswith(
        "rate limit used by other clients of this key · next request in 40 s")
    assert notes.line(_stats(1000.0, Waiting(1030.0, "offline"))) is None  # not a rate limit
    assert notes.line(_stats(1000.0, Waiting(1030.0, "budget"))) is None
    assert notes.line(_stats(1000.0, Waiting(math.inf, "paused"))) is None
    assert notes.line(_stats(1100.0, Waiting(1130.0, "rate_limited"))) is not None  # anew


def test_all_watches_tracked(run, demo_env):
    run("add", SPEC_ID, "--no-fetch")
    res = run("watch", "--all", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout.splitlines()[0])["id"] == SPEC_ID


def _reader(stream, q: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        q.put(line)
    q.put(None)


def _expect(q: queue.Queue, words: str, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = q.get(timeout=max(0.01, end - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if words in line:
            return line
    raise AssertionError(f"{words!r} did not appear")


@pytest.mark.slow
def test_webhook_ends_a_running_watch(demo_env, rz_home):
    """A real process: first poll sees 'invited'; the webhook makes it finish at once."""
    demo = demo_env
    live = dataset.LIVE_IDS[0]
    env = {**os.environ, "ROUNDZERO_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = "from rztui.cli import main\nmain(prog_name='rztui')"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "watch", live, "--webhook-listen", "127.0.0.1:0/hooks/rz",
         "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    out_q: queue.Queue = queue.Queue()
    err_q: queue.Queue = queue.Queue()
    for stream, q in ((proc.stdout, out_q), (proc.stderr, err_q)):
        threading.Thread(target=_reader, args=(stream, q), daemon=True).start()
    try:
        url = _expect(err_q, "listening for webhooks on").rsplit(" ", 1)[1].strip()
        assert url.endswith("/hooks/rz")
        assert _expect(err_q, "register") == \
            "rztui: register https://<your public URL>/hooks/rz in ROUND0\n"
        assert _expect(out_q, "? -> invited")
        # The default path is not served here: 404, and one line saying which path is.
        wrong = httpx.post(url.replace("/hooks/rz", "/webhooks/round0"), content=b"{}")
        assert wrong.status_code == 404
        line = _expect(err_q, "refused")
        assert line.startswith("rztui: webhook request refused (404 not found)")
        assert "this listener serves /hooks/rz" in line
        demo.advance(dataset.LIVE_END_SECONDS + 5)  # the candidate finishes
        sent_at = time.monotonic()

        async def send() -> bool:
            sender = WebhookSender(url, SECRET)
            try:
                return await sender.send(make_event("interview_ended", {"id": live}))
            finally:
                await sender.aclose()

        assert asyncio.run(send())
        line = _expect(out_q, "invited -> completed")
        assert live in line and "Ava Thompson" in line
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - sent_at < 10  # not the ~5 minutes of the next poll
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert demo.stats.per_path[f"/api/v1/interviews/{live}"] == 2
