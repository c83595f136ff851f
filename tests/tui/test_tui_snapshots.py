"""SVG snapshots of the main states (pytest-textual-snapshot; `--snapshot-update` regenerates).

Deterministic by construction: "now" is frozen, the demo server's epoch is fixed, the top bar
shows a fixed URL (the client is pointed at the real server's random port), every interview is
cached in the store first (as fetched at the frozen "now"), and the one on screen is tracked
first so it is selected at start without moving the cursor (which would make the request count,
shown in the status line, racy). The poller watches on a manual clock at the frozen "now" with
seeded jitter, so "watching 5 · next poll in 27s" is the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input
from tui_conftest import (
    FROZEN_NOW,
    ManualClock,
    evaluate_demo,
    ids_with,
    make_app,
    poller_idle,
    settle,
    start_server,
    wait_until,
)

from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer
from rztui.tui.evaluate import Evaluator

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

OTHERS = [i for i in ids_with("completed") if i != ds.SPEC_INTERVIEW_ID][:8] + \
    ids_with("in_progress")[1:3] + ids_with("invited")[1:3] + ids_with("expired")[1:2]


@pytest.fixture(autouse=True)
def nothing_read_while_shooting(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interview counts as read after a moment on screen: not during a snapshot, whatever
    the machine's speed (the "new" marks would depend on it)."""
    monkeypatch.setattr(Evaluator, "LOOKED_SECONDS", 3600.0)


@pytest.fixture
def fresh_server() -> Iterator[DemoServer]:
    """One server per snapshot: the "requests left" figure starts from the same count."""
    srv = start_server()
    yield srv
    srv.stop()


async def _settled(pilot) -> None:
    await settle(pilot, rounds=4)
    app = pilot.app
    if app.service is not None:
        await poller_idle(pilot, app.snapshot_clock)
    app.clear_notifications()


def _app(store, server, first: str, **kwargs):
    ids = [first, *[i for i in OTHERS if i != first]]
    clock = ManualClock(FROZEN_NOW.timestamp())
    app = make_app(store, server, ids, cache=True, fetched_at=FROZEN_NOW.timestamp(),
                   poll_clock=clock, **kwargs)
    app.snapshot_clock = clock
    return app


def test_completed(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)


def test_completed_80x24(snap_compare, store, fresh_server):
    # Below 90 columns, one pane at a time: the list first...
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)


def test_completed_80x24_opened(snap_compare, store, fresh_server):
    # ...and Enter shows the transcript in its place, full width.
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)

    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


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
        await _settled(pilot)  # clears the background fetch's toast: not what this shows
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_first_run_key_entry(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID, api_key=None,
               find_key=lambda: (None, "none"))

    async def run_before(pilot) -> None:
        await _settled(pilot)
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_search_all(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)

    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press("ctrl+s", *"hooks")
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.hits, what="hits")
        screen.query_one(Input).cursor_blink = False
        await pilot.press("down")  # to the hits (the focus moves on the next tick)...
        hits = screen.query_one("#gs-hits")
        await wait_until(pilot, lambda: hits.has_focus, what="the hits")
        await pilot.press("down")  # ...then the second hit

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_compare(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)

    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press("m")
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.comparison is not None, what="answers")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_review(snap_compare, store, fresh_server):
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)

    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press("down", "v")  # Marcus Chen: six answers
        await settle(pilot)

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def test_evaluated(snap_compare, store, fresh_server):
    """Your rating, each answer's, the note, the shortlist and what is new, in the list and
    the transcript."""
    app = _app(store, fresh_server, ds.SPEC_INTERVIEW_ID)
    evaluate_demo(store, ds.SPEC_INTERVIEW_ID, OTHERS)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_settled)
