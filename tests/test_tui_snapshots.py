"""SVG snapshots of the main states (pytest-textual-snapshot; `--snapshot-update` regenerates).

Deterministic by construction: "now" is frozen, the demo server's epoch is fixed, the top bar
shows a fixed URL (the client is pointed at the real server's random port), every interview is
cached in the store first, and the one on screen is tracked first so it is selected at start
without moving the cursor (which would make the request count, shown in the status line, racy).
"""
# ruff: noqa: F811 - pytest fixtures imported from test_tui_helpers are used as arguments

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_tui_helpers import ids_with, make_app, settle, start_server, store  # noqa: F401
from textual.widgets import Input

from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer

OTHERS = [i for i in ids_with("completed") if i != ds.SPEC_INTERVIEW_ID][:8] + \
    ids_with("in_progress")[1:3] + ids_with("invited")[1:3] + ids_with("expired")[1:2]


@pytest.fixture
def fresh_server() -> Iterator[DemoServer]:
    """One server per snapshot: the "requests left" figure starts from the same count."""
    srv = start_server()
    yield srv
    srv.stop()


async def _settled(pilot) -> None:
    await settle(pilot, rounds=4)


def _app(store, server, first: str, **kwargs):
    ids = [first, *[i for i in OTHERS if i != first]]
    return make_app(store, server, ids, cache=True, **kwargs)


def test_completed(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_completed_80x24(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)


def test_in_progress_partial(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ids_with("in_progress")[0])
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_invited(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ids_with("invited")[0])
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_expired(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ids_with("expired")[0])
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_hostile(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.HOSTILE_MARKUP_ID)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_error_in_place(snap_compare, store, fresh_server):
    # Never fetched and the server always fails it: the error is shown where the text would be.
    store.track(["demo-internal-error"])
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)

    async def run_before(pilot) -> None:
        await _settled(pilot)
        pilot.app.clear_notifications()  # the background fetch's toast: not what this shows
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_first_run_key_entry(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID, api_key=None,
               find_key=lambda: (None, "none"))

    async def run_before(pilot) -> None:
        await _settled(pilot)
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)
