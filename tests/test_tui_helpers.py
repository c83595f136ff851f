"""Shared set-up for the TUI tests: a real demo server on loopback and a real SQLite store.

Not a test module itself (no tests); imported by tests/test_tui*.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer
from rztui.store import Store
from rztui.tui.app import RZApp

# Five minutes after the demo's fixed epoch: "now" for relative times in every TUI test.
FROZEN_NOW = datetime.fromtimestamp(ds.DEFAULT_EPOCH, UTC) + timedelta(minutes=5)
SHOWN_URL = "http://127.0.0.1:8765"  # what the top bar shows in snapshots (ports vary)


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


def make_app(store: Store, server: DemoServer | None, ids: Iterable[str] = (), *,
             api_key: str | None = ds.DEMO_KEY, cache: bool = False, **kwargs: Any) -> RZApp:
    """An app over ``store`` tracking ``ids`` (first id first in the list). ``cache`` saves the
    demo payloads (at the fixed epoch) in the store first, so nothing needs fetching."""
    ids = list(ids)
    for iid in ids:  # one at a time: added_at order is the list order
        store.track([iid])
    if cache:
        for iid in ids:
            payload = ds.snapshot(iid, 0.0, epoch=ds.DEFAULT_EPOCH)
            questions = ds.questions_payload(iid)
            if payload is not None:
                store.save_interview(payload)
            if questions is not None:
                store.save_questions(iid, questions)
    if server is not None:
        kwargs.setdefault("client_factory", factory(server))
    kwargs.setdefault("clock", frozen_clock)
    return RZApp(store=store, base_url=SHOWN_URL, api_key=api_key, **kwargs)


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def ids_with(status: str) -> list[str]:
    """Demo ids whose status is fixed (not the live ones) and equal to ``status``."""
    return [i for i, s in ds.INITIAL_STATUS.items()
            if s == status and i not in ds.LIVE_IDS and i != ds.LIVE_EXPIRING_ID]


def doc_text(app: RZApp) -> str:
    return "\n".join(b.text for b in app.transcript.doc.blocks)


def screen_text(app: RZApp) -> str:
    """What the transcript view shows right now, as plain text."""
    view = app.transcript
    return "\n".join(view.render_line(y).text for y in range(view.size.height))
