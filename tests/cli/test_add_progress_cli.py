"""`rztui add` on bulk input: a progress bar on a terminal, a line when the API client waits
for the rate limit, and a one-line summary at the end (the demo server over loopback)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from rztui.api.client import ApiClient
from rztui.cli import main
from rztui.cli.interviews import AddProgress
from rztui.demo import dataset
from rztui.service import AddResult

SPEC_ID = dataset.SPEC_INTERVIEW_ID
INVITED = [i for i, s in dataset.INITIAL_STATUS.items() if s == "invited"][:3]


@pytest.fixture
def run(demo_env):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_add_ends_with_a_one_line_summary(run, demo_env):
    res = run("add", SPEC_ID, *INVITED, "no-such-interview", "bad/id")
    assert res.exit_code == 3, res.stderr
    assert res.stdout == f"tracking {len(INVITED) + 1} new interview(s), 0 already tracked\n"
    last = res.stderr.splitlines()[-1]
    assert last.startswith(f"rztui: fetched {len(INVITED) + 1} of {len(INVITED) + 2} "
                           "interview(s) in ")
    assert last.endswith("s; 1 not found, 1 invalid")
    assert "\r" not in res.stderr  # not a terminal: no progress bar


def test_no_fetch_has_no_summary(run):
    res = run("add", SPEC_ID, "--no-fetch")
    assert res.exit_code == 0 and res.stderr == ""


def test_progress_bar_on_a_terminal_and_erased_at_the_end():
    tty = Tty()
    clock = iter(float(x) for x in range(100))
    progress = AddProgress(3, stream=tty, clock=lambda: next(clock))
    progress.bar._last = -1.0  # draw at once
    progress.on_done("a", object())
    assert tty.getvalue().endswith("fetching 1/3 [########                ]")
    progress.on_done("b", object())
    progress.on_done("c", object())
    assert tty.getvalue().endswith("\r\x1b[2K")  # gone before anything else is printed


def test_rate_limit_waits_are_said_once_and_counted(capsys):
    now = [100.0]
    progress = AddProgress(40, stream=Tty(), clock=lambda: now[0])
    # Eight requests in flight each hear of the same 27 s wait: one line.
    for _ in range(8):
        progress.on_wait(27.0, "rate limited (429)")
    progress.on_wait(1.0, "retrying after a network error")  # short: counted, not said
    now[0] = 200.0
    progress.on_wait(12.0, "rate limit window reset")
    err = capsys.readouterr().err.splitlines()
    assert err == ["rztui: rate-limited · retrying in 27 s",
                   "rztui: rate-limited · retrying in 12 s"]
    result = AddResult(ids=["a", "b"], fetched={})
    now[0] = 212.0
    assert progress.summary(result) == ("fetched 0 of 2 interview(s) in 112.0 s; "
                                        "waited 39 s for the rate limit")


def test_the_client_wait_hook_is_used_when_the_client_has_one(run, demo_env, monkeypatch):
    """The API client's on_wait(seconds, reason) hook (when it has one) reaches the user."""

    class HookedClient(ApiClient):
        on_wait = None

        async def get_interview(self, interview_id: str):
            if self.on_wait is not None:
                self.on_wait(30.0, "rate limited (429): Retry-After 30")
            return await super().get_interview(interview_id)

    monkeypatch.setattr("rztui.api.client.ApiClient", HookedClient)
    res = run("add", *INVITED)
    assert res.exit_code == 0, res.stderr
    lines = res.stderr.splitlines()
    assert lines.count("rztui: rate-limited · retrying in 30 s") == 1
    assert lines[-1].endswith("waited 30 s for the rate limit")


def test_a_30_s_wait_is_said_as_30_s_at_any_clock(capsys):
    """``(now + 30.0) - now`` is 30.000000000000004 when the sum crosses a power of two (a
    monotonic clock just under 2**16 s): still 30 s, not 31 s."""
    now = 65533.73581582156
    assert (now + 30.0) - now > 30.0  # the float noise this is about
    progress = AddProgress(3, stream=Tty(), clock=lambda: now)
    progress.on_wait(30.0, "rate limited (429): Retry-After 30")
    assert capsys.readouterr().err == "rztui: rate-limited · retrying in 30 s\n"
    result = AddResult(ids=["a"], fetched={})
    assert progress.summary(result).endswith("waited 30 s for the rate limit")
