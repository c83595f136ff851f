"""Shared set-up for the TUI tests: a real demo server on loopback and a real SQLite store.

Fixtures (``server``, ``live_server``, ``store``) reach the tests by name; the functions
(``make_app``, ``settle``, ``ManualClock``...) are imported with ``from tui_conftest import ...``.
pytest imports every conftest.py without a package as the module ``conftest``, so that name
means whichever folder's conftest was imported last (``pytest tests/tui/x.py tests/live`` would
give the tests here the other one): this module registers itself under a name of its own.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.notifications import Notify

from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer
from rztui.live.poller import Poller
from rztui.store import Store
from rztui.tui.app import RZApp
from rztui.tui.widgets.interview_list import InterviewTable

# Five minutes after the demo's fixed epoch: "now" for relative times in every TUI test.
FROZEN_NOW = datetime.fromtimestamp(ds.DEFAULT_EPOCH, UTC) + timedelta(minutes=5)
SHOWN_URL = "http://127.0.0.1:8765"  # what the top bar shows in snapshots (ports vary)

sys.modules.setdefault("tui_conftest", sys.modules[__name__])


def frozen_clock() -> datetime:
    return FROZEN_NOW


def start_server(**kwargs: Any) -> DemoServer:
    kwargs.setdefault("rate_limit", 1000)
    server = DemoServer(port=0, **kwargs).start()
    server.epoch = ds.DEFAULT_EPOCH  # relative demo timestamps stay the same on every run
    return server


@pytest.fixture
def server() -> Iterator[DemoServer]:
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def live_server() -> Iterator[DemoServer]:
    """A demo server dated from now (for the poller, whose clock starts now too)."""
    srv = DemoServer(port=0).start()  # the real API's limit: 100 a minute
    yield srv
    srv.stop()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("RZTUI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROUNDZERO_API_KEY", raising=False)
    st = Store(tmp_path / "rztui.db")
    yield st
    st.close()


def factory(server: DemoServer, **kwargs: Any):
    """Clients for the real demo server whatever base URL the app shows."""
    kwargs.setdefault("max_attempts", 1)

    def make(_base_url: str, key: str) -> ApiClient:
        return ApiClient(server.base_url, key, **kwargs)

    return make


class ManualClock:
    """The poller's time, moving only when a test calls :meth:`advance` (the app runs the
    poller forever: a clock that jumps on every sleep would spin it through the years).

    ``sleep`` waits until the clock has been advanced past its deadline, so a test decides
    when each scheduled poll happens; pokes and webhooks still wake the poller at once.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        if delay <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + delay, future)
        self._sleepers.append(entry)
        try:
            await future
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    def next_deadline(self) -> float | None:
        waiting = [t for t, f in self._sleepers if not f.done()]
        return min(waiting) if waiting else None

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, future in list(self._sleepers):
            if deadline <= self.now and not future.done():
                future.set_result(None)


class WatchedPoller(Poller):
    """A Poller that says when it is waiting (for its clock, a poke, or nothing at all)."""

    waiting = False

    async def _wait(self, delay: float) -> None:
        self.waiting = True
        try:
            await super()._wait(delay)
        finally:
            self.waiting = False


def manual_poller(clock: ManualClock, **kwargs: Any) -> Callable[[Any, Any, list[str]], Poller]:
    """A poller factory for the app: the test's clock, seeded jitter, the app's budget."""
    kwargs.setdefault("rng", random.Random(7))
    kwargs.setdefault("budget_share", 0.5)

    def make(service: Any, store: Any, ids: list[str]) -> Poller:
        return WatchedPoller(service, store, clock=clock, sleep=clock.sleep, ids=ids, **kwargs)

    return make


def make_app(store: Store, server: DemoServer | None, ids: Iterable[str] = (), *,
             api_key: str | None = ds.DEMO_KEY, cache: bool = False,
             epoch: float = ds.DEFAULT_EPOCH, fetched_at: float | None = None,
             poll_clock: ManualClock | None = None, **kwargs: Any) -> RZApp:
    """An app over ``store`` tracking ``ids`` (first id first in the list). ``cache`` saves the
    demo payloads (dated from ``epoch``, as fetched at ``fetched_at``, default now) in the
    store first, so nothing needs fetching.

    Watching is off unless ``poll_clock`` is given: then the poller runs on that manual clock
    (a real poller on real time would send requests whenever it liked, racing the assertions).
    Its time must agree with the data: the poller plans from ``fetched_at`` and the dates.
    """
    from rztui.tui.screens.search import SearchScreen

    SearchScreen.last_query = ""  # class-level memory of the last search: not across tests
    ids = list(ids)
    for iid in ids:  # one at a time: added_at order is the list order
        store.track([iid])
    if cache:
        for iid in ids:
            payload = ds.snapshot(iid, 0.0, epoch=epoch)
            questions = ds.questions_payload(iid)
            if payload is not None:
                store.save_interview(payload, fetched_at=fetched_at)
            if questions is not None:
                store.save_questions(iid, questions)
    if server is not None:
        kwargs.setdefault("client_factory", factory(server))
    kwargs.setdefault("clock", frozen_clock)
    if poll_clock is not None:
        kwargs.setdefault("poller_factory", manual_poller(poll_clock))
    kwargs.setdefault("watch", "poller_factory" in kwargs)
    root = store.path.parent
    kwargs.setdefault("data_dir", root / "data")
    kwargs.setdefault("audio_dir", root / "audio")
    kwargs.setdefault("export_dir", root / "exports")
    return RZApp(store=store, base_url=SHOWN_URL, api_key=api_key, **kwargs)


# Workers that run until the app exits: nothing to wait for.
FOREVER = frozenset({"poller", "webhooks"})


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and the screen catch up (the poller and webhooks run on)."""
    for _ in range(rounds):
        workers = [w for w in pilot.app.workers if w.group not in FOREVER]
        if workers:  # wait_for_complete([]) would wait for every worker
            await pilot.app.workers.wait_for_complete(workers)
        await pilot.pause()


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 15.0,
                     what: str = "") -> None:
    """Pause until ``condition()`` is true (real HTTP to the demo server takes a few ms)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await settle(pilot, rounds=1)
        await asyncio.sleep(0.01)


BUDGET_GATE = 2.0  # the poller waits ~1.2 s between requests once its burst is spent


async def poller_idle(pilot, clock: ManualClock, timeout: float = 20.0) -> None:
    """Until the poller has done everything due now and waits (for its next poll, or for
    nothing). A short sleep is the budget's pacing: the clock is moved past it."""
    app = pilot.app
    await wait_until(pilot, lambda: app.main.watcher.poller is not None, what="the poller")
    poller = app.main.watcher.poller
    deadline = time.monotonic() + timeout
    while True:
        await settle(pilot, rounds=1)
        await asyncio.sleep(0.005)
        if poller.waiting:
            now = clock.now
            wake = clock.next_deadline()
            if wake is not None and wake - now <= BUDGET_GATE:
                clock.advance(wake - now)  # the budget's pacing, not a schedule
            elif poller.stats().due == 0 and not any(
                    t <= now for t in poller._need_questions.values()):
                break
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the poller to go idle")
    await settle(pilot, rounds=2)


def ids_with(status: str) -> list[str]:
    """Demo ids whose status is fixed (not the live ones) and equal to ``status``."""
    return [i for i, s in ds.INITIAL_STATUS.items()
            if s == status and i not in ds.LIVE_IDS and i != ds.LIVE_EXPIRING_ID]


def table_of(app: RZApp) -> InterviewTable:
    """The interview list's table (rows, cursor, cells)."""
    return app.main.interview_list.table


def doc_text(app: RZApp) -> str:
    return "\n".join(b.text for b in app.main.transcript.doc.blocks)


def screen_text(app: RZApp) -> str:
    """What the transcript view shows right now, as plain text."""
    view = app.main.transcript
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


def evaluate_demo(store: Store, first: str, others: list[str]) -> None:
    """A rated, noted, shortlisted interview (``first``, the spec's), two others rated (one
    shortlisted), and a few already read (the rest stay new)."""
    q1, q2 = (r["question_id"] for r in ds.SPEC_INTERVIEW["responses"])
    store.set_rating(first, 4)
    store.set_rating(first, 5, question_id=q1)
    store.set_rating(first, 3, question_id=q2)
    store.set_note(first, "Strong React depth; ask about her testing strategy onsite.\n"
                          "Salary expectations fit the band.")
    store.set_shortlisted([first, others[1]])
    store.set_rating(others[1], 5)
    store.set_rating(others[2], 2)
    for iid in (first, *others[2:6]):
        row = store.row(iid)
        if row is not None:
            store.mark_opened(iid, status=row.status, answered=row.answered)


@pytest.fixture(autouse=True)
def toast_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every toast raised, in ``app.toast_log``: at most two are on screen at once, so a
    burst pushes the older ones out before a test can look."""
    shown = RZApp.on_notify

    def logged(app: RZApp, event: Notify) -> None:
        app.__dict__.setdefault("toast_log", []).append(event.notification)
        shown(app, event)

    monkeypatch.setattr(RZApp, "on_notify", logged)


def notes(app: RZApp) -> list[str]:
    """Every toast's message so far (not only the ones still on screen)."""
    return [str(n.message) for n in app.__dict__.get("toast_log", [])]
