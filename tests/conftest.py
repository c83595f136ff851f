"""Shared fixtures: a real demo server on loopback and a hermetic RZTUI_HOME."""

from __future__ import annotations

import pytest

from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.service import Service
from rztui.store import Store


@pytest.fixture
def demo():
    server = DemoServer(port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rz_home(tmp_path, monkeypatch):
    """Config, data and cache under tmp_path; no key from the developer's environment."""
    monkeypatch.setenv("RZTUI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROUNDZERO_API_KEY", raising=False)
    monkeypatch.delenv("ROUNDZERO_BASE_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture
def demo_env(demo, rz_home, monkeypatch):
    """The CLI pointed at the demo server through the environment, as a user would."""
    monkeypatch.setenv("ROUNDZERO_API_KEY", DEMO_KEY)
    monkeypatch.setenv("ROUNDZERO_BASE_URL", demo.base_url)
    return demo


@pytest.fixture
def store(tmp_path):
    """An empty store on a real SQLite file."""
    s = Store(tmp_path / "rz.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """Every demo interview, as fetched once the live ones are over, with its questions."""
    s = Store(tmp_path_factory.mktemp("demo") / "rz.db")
    s.track(ds.ALL_IDS)
    for iid in ds.ALL_IDS:
        s.save_interview(ds.snapshot(iid, ds.LIVE_END_SECONDS + 1))
        s.save_questions(iid, ds.questions_payload(iid))
    yield s
    s.close()


@pytest.fixture
async def svc(demo, tmp_path):
    """The service over a fresh store and the demo server, with fast retries."""
    s = Store(tmp_path / "rz.db")
    async with ApiClient(demo.base_url, DEMO_KEY, backoff_initial=0.01, backoff_max=0.05) as api:
        yield Service(s, api)
    s.close()
