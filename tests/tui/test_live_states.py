"""What the TUI says when the API holds it back: a rate limit (counted down), a rejected key
(401), an inactive subscription (403), no connection, a bad base URL or key at start-up.

Pilot against the real demo server on loopback (its knobs: a low rate limit with a short window,
``INACTIVE_KEY`` for 403, any other wrong key for 401) and a real SQLite store. The poller, when
it runs, is on a :class:`ManualClock`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest
from textual.widgets import Input
from tui_conftest import (
    ManualClock,
    factory,
    ids_with,
    make_app,
    poller_idle,
    settle,
    start_server,
    wait_until,
)

from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo import server as server_mod
from rztui.demo.server import DemoServer
from rztui.tui.screens.error import ErrorScreen
from rztui.tui.screens.key_entry import KeyEntryScreen
from rztui.tui.widgets.status_line import TopBar

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

SPEC = ds.SPEC_INTERVIEW_ID
COMPLETED = [i for i in ids_with("completed") if i != SPEC]
INVITED = ids_with("invited")
POLL_GAP = 400.0


def status_text(app) -> str:
    return str(app.main.status_line.render())


def top_text(app) -> str:
    return str(app.main.query_one(TopBar).render())


def notes(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def meanwhile(pilot, condition, timeout: float = 10.0, what: str = "") -> None:
    """Until ``condition()``, without waiting for workers (``wait_until`` does: a worker that
    is waiting out a rate limit would be over before the condition is looked at)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause()
        await asyncio.sleep(0.02)


def seconds_left(text: str, words: str) -> int:
    found = re.search(re.escape(words) + r" (\d+) s", text)
    assert found, text
    return int(found.group(1))


async def counts_down(pilot, app, words: str, first: int, *, gone_ok: bool = False) -> None:
    """The countdown after ``words`` shows fewer seconds than ``first`` within 4 s, with no
    event but the clock (or, with ``gone_ok``, is over). Watched for a while, not looked at
    once a second later: on a loaded machine the first look can come late in a window, and a
    new window starts again from its full length."""
    seen: list[int] = []
    deadline = time.monotonic() + 4.0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        await pilot.pause()
        line = status_text(app)
        if words in line:
            seen.append(seconds_left(line, words))
            if seen[-1] < first:
                return
        elif gone_ok:
            return
    raise AssertionError(f"the countdown stayed at {first} s or more: {seen}")


# -- rate limits -------------------------------------------------------------------------------


async def test_rate_limited_fetching_counts_down_instead_of_a_stale_progress(store):
    """Two requests per 3 s window: fetching six new interviews draws 429s (Retry-After); the
    client waits them out and the status line counts the wait down, second by second."""
    server = start_server(rate_limit=2, rate_window=3.0)
    try:
        ids = COMPLETED[:6]
        app = make_app(store, server, ids,
                       client_factory=factory(server, max_attempts=6, concurrency=2))
        async with app.run_test(size=(100, 24)) as pilot:
            await meanwhile(pilot, lambda: "rate-limited · " in status_text(app),
                            what="the countdown")
            line = status_text(app)
            # The progress waits too: it is not shown meanwhile (it would not move).
            assert app.main.status_line.state.activity.startswith("fetching")
            assert "fetching" not in line, line
            words = "rate-limited · retrying in" if "retrying" in line else \
                "rate-limited · next request in"
            first = seconds_left(line, words)
            assert 1 <= first <= 5  # the window is 3 s; its reset is in whole seconds
            if first >= 2:  # the next seconds are drawn without any other event
                await counts_down(pilot, app, words, first)
            await wait_until(pilot, lambda: all(
                store.cached_status(i) == "completed" for i in ids), timeout=30,
                what="every interview fetched")
            await settle(pilot)
            await wait_until(pilot, lambda: "retrying in" not in status_text(app), timeout=5,
                             what="the countdown gone")
            assert "fetching" not in status_text(app)
            # Either the server said 429 (and Retry-After was counted down) or the client saw
            # the window used up in X-RateLimit-Remaining and paced itself (also counted down).
            assert server.stats.rate_limited >= 1 or words.endswith("next request in")
    finally:
        server.stop()


async def test_a_wait_reported_on_another_thread_reaches_the_status_line(store, server):
    """``on_wait`` is called wherever the client runs: from a thread it is posted to the UI."""
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        assert app.api.on_wait is not None
        caller = threading.Thread(target=app.api.on_wait, args=(30.0, "retry_after"))
        caller.start()
        caller.join()
        await meanwhile(pilot, lambda: "rate-limited · retrying in" in status_text(app),
                        what="the countdown")
        assert seconds_left(status_text(app), "rate-limited · retrying in") in (29, 30)
        app.api.on_wait(0.3, "backoff")  # too short to show: it would only flicker
        await pilot.pause()
        assert "request failed" not in status_text(app)


async def test_the_pollers_own_429_hold_is_counted_down(store):
    server = start_server(rate_window=3.0)
    try:
        clock = ManualClock()
        app = make_app(store, server, [SPEC, INVITED[0]], cache=True, epoch=server.epoch,
                       fetched_at=clock.now, poll_clock=clock)
        async with app.run_test(size=(120, 24)) as pilot:
            await poller_idle(pilot, clock)
            server.set_faults(rate_limit=0)  # every request is over the limit now
            app.main.watcher.poller.poke(INVITED[0])
            await wait_until(pilot, lambda: "rate-limited · retrying in" in status_text(app),
                             what="the poller's hold")
            assert app.main.watcher.poller.stats().state == "rate_limited"
            first = seconds_left(status_text(app), "rate-limited · retrying in")
            assert 1 <= first <= 4
            # No event: the status line moves on by itself.
            await counts_down(pilot, app, "rate-limited · retrying in", first, gone_ok=True)
            server.set_faults(rate_limit=1000)
            await asyncio.sleep(3.1)  # the client holds requests for the real Retry-After
            clock.advance(5)
            await poller_idle(pilot, clock)
            assert app.main.watcher.poller.stats().state == "ok"
            assert "rate-limited" not in status_text(app)
    finally:
        server.stop()


# -- 401 ---------------------------------------------------------------------------------------


async def test_rejected_key_is_a_lasting_state_that_holds_polling(store, server):
    clock = ManualClock(server.epoch + 300)
    app = make_app(store, server, [*INVITED[:2]], api_key="rz_live_wrongwrongwrong",
                   poll_clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen)
                         and bool(app.screen.query(".dialog-body")), what="the dialog")
        assert "401" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("escape")
        await settle(pilot)
        await wait_until(pilot, lambda: app.main.watcher.live is not None, what="the session")
        await settle(pilot)
        line = status_text(app)
        assert line.startswith("key rejected (401) · ctrl+k enters a new key"), line
        assert "polling paused" in line and "synced" not in line, line
        assert "✗ rejected" in top_text(app)
        sent = server.stats.total_requests
        clock.advance(3 * POLL_GAP)  # everything is due: nothing goes while the key is refused
        await settle(pilot)
        await asyncio.sleep(0.05)
        await settle(pilot)
        assert server.stats.total_requests == sent
        assert app.screen is app.main  # one dialog per key, not one per refusal
        palette = {c.title: c.help for c in app.get_system_commands(app.main)}
        assert "401" in palette["Enter API key"]

        await pilot.press("ctrl+k")
        assert isinstance(app.screen, KeyEntryScreen)
        app.screen.query_one("#key-input", Input).value = ds.DEMO_KEY
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.main, what="the key accepted")
        await poller_idle(pilot, clock)
        line = status_text(app)
        assert "key rejected" not in line and "watching 2" in line, line
        assert "rejected" not in top_text(app)
        assert app.main.watcher.poller.stats().state == "ok"


# -- 403 ---------------------------------------------------------------------------------------


async def test_inactive_subscription_has_its_own_words_and_R_retries(store, server,
                                                                      monkeypatch):
    clock = ManualClock(server.epoch + 300)
    app = make_app(store, server, [SPEC, INVITED[0]], cache=True, fetched_at=clock.now,
                   api_key=ds.INACTIVE_KEY, poll_clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await poller_idle(pilot, clock)
        app.main.watcher.poller.poke(INVITED[0])
        await wait_until(pilot, lambda: "inactive" in status_text(app), what="the 403")
        await settle(pilot)
        line = status_text(app)
        assert line.startswith("API subscription inactive (403) · R retries"), line
        assert "polling paused" in line
        assert "✗ subscription inactive" in top_text(app)
        assert app.screen is app.main  # no dialog about the key: another key would not help
        assert any(n.startswith("API subscription inactive:") for n in notes(app))
        assert not any("refused the key" in n for n in notes(app))
        sent = server.stats.total_requests
        clock.advance(3 * POLL_GAP)
        await settle(pilot)
        assert server.stats.total_requests == sent  # held

        await pilot.press("R")  # still inactive: one request, one message
        await settle(pilot)
        assert server.stats.total_requests == sent + 1
        await wait_until(pilot, lambda: any("Still refused" in n for n in notes(app)),
                         what="still refused")
        assert status_text(app).startswith("API subscription inactive (403)")

        # The subscription is renewed (the server now accepts that key).
        monkeypatch.setattr(server_mod, "INACTIVE_KEY", "rz_demo_nobody")
        server.api_key = ds.INACTIVE_KEY
        await pilot.press("R")
        await wait_until(pilot, lambda: any("accepts the key again" in n for n in notes(app)),
                         what="accepted")
        await poller_idle(pilot, clock)
        line = status_text(app)
        assert "inactive" not in line and "watching 1" in line, line
        assert app.main.watcher.poller.stats().state == "ok"


# -- offline -----------------------------------------------------------------------------------


async def test_offline_names_the_host_and_the_outline_says_why(store):
    # Cached without its questions; the API is not there.
    gone = start_server()
    url = gone.base_url
    port = int(url.rsplit(":", 1)[1])
    gone.stop()
    store.track([COMPLETED[0]])
    store.save_interview(ds.snapshot(COMPLETED[0], 0.0, epoch=ds.DEFAULT_EPOCH))
    app = make_app(store, None, [],
                   client_factory=lambda _url, key: ApiClient(url, key, max_attempts=1))
    app.ctx.base_url = url
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "offline" in status_text(app), what="offline")
        line = status_text(app)
        assert line.startswith(f"offline · cannot reach 127.0.0.1:{port}"), line
        title = str(app.main.outline.query_one("#outline-title").render())
        assert "Loading" not in title
        assert "Not available: cannot reach the API" in title and "r to retry" in title

        back = DemoServer(port=port).start()  # the API is back
        back.epoch = ds.DEFAULT_EPOCH
        try:
            await pilot.press("r")
            await settle(pilot)
            await wait_until(pilot, lambda: app.main.reading.questions is not None,
                             what="the questions")
            assert app.main.outline.options.option_count > 0
            assert "offline" not in status_text(app)
        finally:
            back.stop()


# -- start-up ----------------------------------------------------------------------------------


async def test_bad_base_url_is_one_clear_message_not_a_crash(store):
    app = make_app(store, None, [SPEC], cache=True)
    app.ctx.base_url = "ftp://api.example.com"
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.is_running and app.api is None
        [note] = list(app._notifications)
        assert note.title == "Cannot use the API" and note.severity == "error"
        assert "http:// or https://" in note.message and "--base-url" in note.message
        assert status_text(app).startswith("bad base URL")
        assert app.main.reading.interview is not None  # the cached copy is shown


@pytest.mark.parametrize("key", ["rz_live_caf\u00e9", "rz_live_a\x07b"])
async def test_malformed_key_asks_for_another(store, key):
    app = make_app(store, None, [SPEC], cache=True, api_key=key)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.is_running and app.api is None
        assert isinstance(app.screen, KeyEntryScreen)
        body = str(app.screen.query_one(".dialog-body").render())
        assert "cannot be used" in body and "not pasted correctly" in body
        assert key not in body
