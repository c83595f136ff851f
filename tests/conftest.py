"""Shared fixtures: a real demo server on loopback and a hermetic RZTUI_HOME; the Hypothesis
profiles."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
import pytest
from hypothesis import settings
from keyring.backend import KeyringBackend
from keyring.backends import fail as fail_backend

from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.service import Service
from rztui.store import Store

# Hypothesis: "bounded" (the default) tries 50 examples per property, enough for every run to
# exercise each one; HYPOTHESIS_PROFILE=full tries 400 (as many as any test ever asked for).
# No deadline in either: a loaded machine must not fail a test for being slow.
settings.register_profile("bounded", max_examples=50, deadline=None)
settings.register_profile("full", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))


@pytest.fixture(autouse=True, scope="session")
def demo_servers_stop_at_once():
    """``DemoServer.stop()`` shuts its two listeners down one after the other, and each one
    notices at its next poll (every 0.1 s): up to 0.2 s after every test that starts a demo
    server (about 260 of them). Here they poll every 10 ms; what they serve is the same."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DemoServer, "poll_interval", 0.01)
        yield


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


@pytest.fixture(scope="session")
def save_demo_data():
    """``save_demo_data(store)``: caches every demo interview, as fetched once the live ones
    are over, with its questions (tracking is the caller's)."""
    def save(s: Store) -> Store:
        for iid in ds.ALL_IDS:
            s.save_interview(ds.snapshot(iid, ds.LIVE_END_SECONDS + 1))
            s.save_questions(iid, ds.questions_payload(iid))
        return s
    return save


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, save_demo_data):
    """Every demo interview, tracked, as fetched once the live ones are over, with its
    questions."""
    s = Store(tmp_path_factory.mktemp("demo") / "rz.db")
    s.track(ds.ALL_IDS)
    save_demo_data(s)
    yield s
    s.close()


@pytest.fixture
async def svc(demo, tmp_path):
    """The service over a fresh store and the demo server, with fast retries."""
    s = Store(tmp_path / "rz.db")
    async with ApiClient(demo.base_url, DEMO_KEY, backoff_initial=0.01, backoff_max=0.05) as api:
        yield Service(s, api)
    s.close()


# --------------------------------------------------------------------------- keyring


class MemoryKeyring(KeyringBackend):
    """In-memory keyring. Priority below the fail backend, so defining it (which registers it
    with keyring) never makes it the automatic choice anywhere else."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError("not found")
        del self.passwords[(service, username)]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail_backend.Keyring())
    yield
    keyring.set_keyring(previous)


# --------------------------------------------------------------------------- audio player

FAKE_PLAYER = """#!/bin/sh
python3 - "$@" <<'END'
import json, os, sys
with open(os.environ["FAKE_PLAYER_LOG"], "a") as f:
    f.write(json.dumps({"argv": sys.argv[1:], "env": sorted(os.environ)}) + "\\n")
END
exec sleep 30
"""


@pytest.fixture
def fake_mpv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ``mpv`` first on PATH: it writes its argv and the names in its environment, a
    JSON line per run, to the file returned, then waits to be stopped."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "mpv"
    player.write_text(FAKE_PLAYER)
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "player.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PLAYER_LOG", str(log))
    return log
