"""Shared fixtures: a real demo server on loopback and a hermetic RZTUI_HOME."""

from __future__ import annotations

import pytest

from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer


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
