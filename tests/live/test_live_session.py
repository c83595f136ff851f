"""LiveSession: the poller and the webhook receiver started and stopped together, against the
real demo server over loopback (real clock; the demo's sender plays the vendor)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from rztui.api.client import ApiClient
from rztui.api.errors import AuthError, ConfigError
from rztui.config import Settings
from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY
from rztui.live import (
    LiveSession,
    News,
    PollerStats,
    Transition,
    WatchStopped,
    WebhookReceived,
    WebhooksFailed,
    WebhooksListening,
)
from rztui.service import Service
from rztui.webhooks import NO_SECRET

LIVE = dataset.LIVE_IDS[0]  # Ava Thompson: starts 30 demo seconds in
SPEC = dataset.SPEC_INTERVIEW_ID


async def next_news(queue: asyncio.Queue[News], pred: Callable[[News], bool],
                    timeout: float = 10.0) -> News:
    """The first piece of news from the queue that ``pred`` accepts (others are skipped)."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError("the news did not come in time")
        news = await asyncio.wait_for(queue.get(), left)
        if pred(news):
            return news


def is_transition(iid: str, new: str) -> Callable[[News], bool]:
    return lambda n: (isinstance(n, Transition) and n.interview_id == iid
                      and n.new_status == new)


def pending_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if not t.done()}


async def test_demo_webhook_reaches_the_front_end_and_stop_leaves_nothing(demo, store,
                                                                          tmp_path):
    before = pending_tasks()
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        session = LiveSession(Service(store, api), Settings(), ids=[LIVE], demo_server=demo,
                              seen_path=tmp_path / "seen.json")
        news = session.news()
        await session.start()
        # The receiver (its seen-ids file opens in a thread) and the first poll race: either
        # may be news first.
        first = [await next_news(news, lambda n: isinstance(n, WebhooksListening)
                                 or is_transition(LIVE, "invited")(n)) for _ in range(2)]
        [listening] = [n for n in first if isinstance(n, WebhooksListening)]
        assert any(isinstance(n, Transition) for n in first)  # the first poll
        assert listening.demo and listening.path == "/webhooks/round0"
        assert listening.url.startswith("http://127.0.0.1:") and session.polling
        assert session.poller.stats().waiting is None

        demo.advance(30)  # Ava starts: the demo sender signs and posts interview_started
        got = await next_news(news, lambda n: isinstance(n, WebhookReceived)
                              and n.interview_id == LIVE)
        assert isinstance(got, WebhookReceived) and got.event_type == "interview_started"
        await next_news(news, is_transition(LIVE, "in_progress"))  # poked: no 5-minute wait
        rx = session.receiver
        assert rx is not None and rx.stats.accepted >= got.accepted >= 1
        assert not rx.stats.rejected  # signed with the session's secret: every one verified
        assert session.poller.webhooks_live  # listening, and an event arrived
        assert got.event_id in rx.seen  # the event id is remembered on disk:
        assert (tmp_path / "seen.db").exists() and rx.seen.persistent

        sender = session.demo_sender
        assert sender is not None
        host, port = listening.address
        await session.stop()
        assert session.receiver is None and session.demo_sender is None
        assert not session.polling and not session.poller.webhooks_live
        assert sender.sender._http is None  # the sender's HTTP client is closed
        with pytest.raises(OSError):  # nobody listens there any more
            await asyncio.open_connection(host, port)
        await session.stop()  # idempotent
    assert pending_tasks() == before
    assert demo.stats.per_path[f"/api/v1/interviews/{LIVE}"] == 2  # first poll + the poke


async def test_a_rejected_key_stops_polling_and_resume_restarts_it(demo, store):
    async with ApiClient(demo.base_url, "rz_live_wrongwrongwrong", max_attempts=1) as bad, \
            ApiClient(demo.base_url, DEMO_KEY) as good:
        session = LiveSession(Service(store, bad), ids=[SPEC])
        news = session.news()
        await session.start()  # no listen address, no demo server: polling only
        stopped = await next_news(news, lambda n: isinstance(n, WatchStopped))
        assert isinstance(stopped, WatchStopped) and isinstance(stopped.error, AuthError)
        assert "401" in stopped.message and not session.polling
        assert session.receiver is None
        with pytest.raises(AuthError):
            await session.wait()

        session.set_service(Service(store, good))  # a new key: the same poller goes on
        session.resume()
        assert session.polling
        await next_news(news, is_transition(SPEC, "completed"))
        await session.stop()


async def test_no_secret_leaves_polling_on_unless_webhooks_are_required(demo, store,
                                                                        monkeypatch):
    import keyring

    monkeypatch.delenv("ROUNDZERO_WEBHOOK_SECRET", raising=False)
    monkeypatch.setattr(keyring, "get_password", lambda service, user: None)
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        session = LiveSession(Service(store, api), ids=[SPEC], webhook_listen="127.0.0.1:0")
        news = session.news()
        await session.start()
        failed = await next_news(news, lambda n: isinstance(n, WebhooksFailed))
        assert isinstance(failed, WebhooksFailed) and failed.message == NO_SECRET
        assert session.webhook_error is failed.error and session.receiver is None
        await next_news(news, is_transition(SPEC, "completed"))  # polling goes on alone
        await session.stop()

        demo.reset_stats()
        strict = LiveSession(Service(store, api), ids=[LIVE], webhook_listen="127.0.0.1:0")
        with pytest.raises(ConfigError, match="ROUNDZERO_WEBHOOK_SECRET"):
            await strict.start(webhooks_required=True)
        assert not strict.polling and demo.stats.total_requests == 0  # nothing was polled
        await strict.stop()


async def test_until_terminal_returns_the_watch_result(demo, store):
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        async with LiveSession(Service(store, api), ids=[SPEC]) as session:
            seen: list[News] = []
            session.subscribe(seen.append)
            await session.start(until_terminal=[SPEC], timeout=30)
            result = await session.wait()
        assert result is not None and result.finished and result.statuses == {SPEC: "completed"}
        assert [n.new_status for n in seen if isinstance(n, Transition)] == ["completed"]
        assert any(isinstance(n, PollerStats) for n in seen)
        assert not session.polling
