"""The interview list (virtual table over the store's list index), driven with Pilot.

A real demo server on loopback and a real SQLite store; the big store is written straight into
SQLite (20,000 rows), as a long-lived user's would be.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input
from textual.worker import WorkerCancelled

from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer
from rztui.store import Store
from rztui.store.list_columns import SORTS
from rztui.tui.app import RZApp
from rztui.tui.widgets import interview_list as il
from rztui.tui.widgets.interview_list import InterviewList, InterviewTable
from rztui.tui.widgets.transcript import TranscriptView

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

NOW = datetime.fromtimestamp(ds.DEFAULT_EPOCH, UTC) + timedelta(minutes=5)
COMPLETED = [i for i, s in ds.INITIAL_STATUS.items()
             if s == "completed" and i not in ds.LIVE_IDS and i != ds.SPEC_INTERVIEW_ID]
STATUSES = ("completed", "in_progress", "invited", "expired")
BY_STATUS = {s: [i for i, v in ds.INITIAL_STATUS.items() if v == s and i not in ds.LIVE_IDS
                 and i != ds.LIVE_EXPIRING_ID] for s in STATUSES}


@pytest.fixture
def server():
    srv = DemoServer(port=0, rate_limit=1000).start()
    srv.epoch = ds.DEFAULT_EPOCH
    yield srv
    srv.stop()


def make(store: Store, server: DemoServer, ids: list[str], **kwargs) -> RZApp:
    """Every id tracked (in this order) and cached: nothing needs fetching."""
    for iid in ids:
        store.track([iid])
        payload = ds.snapshot(iid, 0.0)
        if payload is not None:
            store.save_interview(payload, fetched_at=NOW.timestamp())
    from rztui.api.client import ApiClient

    root = store.path.parent
    return RZApp(store=store, base_url=server.base_url, api_key=ds.DEMO_KEY,
                 client_factory=lambda _url, key: ApiClient(server.base_url, key, max_attempts=1),
                 clock=lambda: NOW, watch=False, data_dir=root / "data",
                 audio_dir=root / "audio", export_dir=root / "exports", **kwargs)


async def settle(pilot, rounds: int = 3) -> None:
    app = pilot.app
    for _ in range(rounds):
        busy = [w for w in app.workers if w.group not in ("poller", "webhooks")]
        if busy:
            try:
                await app.workers.wait_for_complete(busy)
            except WorkerCancelled:
                pass  # an older keystroke's rows: the latest request replaced them
        await pilot.pause()
    await until(pilot, lambda: not app.main.interview_list.busy)


async def until(pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await pilot.pause(0.01)


def shown_text(table: InterviewTable) -> list[str]:
    """The table's lines as drawn (header first)."""
    return [table.render_line(y).text for y in range(table.size.height)]


def tabs(app: RZApp) -> str:
    return "\n".join(str(app.main.query_one(line).render())
                     for line in ("#status-tabs", "#status-count"))


@pytest.fixture(autouse=True)
def hermetic(rz_home: Path) -> None:
    """RZTUI_HOME under tmp_path (conftest)."""


# -- sorting --------------------------------------------------------------------------------


async def test_sort_keys_header_clicks_and_arrows(store, server):
    ids = [*COMPLETED[:5], *BY_STATUS["invited"][:2], *BY_STATUS["in_progress"][:1]]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst, table = app.main.interview_list, app.main.interview_list.table
        assert list(table.visible_ids) == ids  # date added
        await pilot.press("s")  # -> candidate
        names = [lst.entries[i].name_key for i in table.visible_ids]
        assert names == sorted(names) and lst.sort_field == "candidate"
        assert "Candidate ▲" in shown_text(table)[0]
        await pilot.press("S")
        assert [lst.entries[i].name_key for i in table.visible_ids] == sorted(names,
                                                                               reverse=True)
        assert "Candidate ▼" in shown_text(table)[0]
        await pilot.press("s")  # -> job
        jobs = [lst.entries[i].job_key for i in table.visible_ids]
        assert jobs == sorted(jobs)
        await pilot.press("s")  # -> status: in progress, invited, completed
        statuses = [lst.entries[i].status for i in table.visible_ids]
        assert statuses == ["in_progress", "invited", "invited", *["completed"] * 5]
        # A click on a header sorts by it; a second click reverses.
        await pilot.click(InterviewTable, offset=(table.column_x("answered") + 2, 0))
        answered = [lst.entries[i].answered for i in table.visible_ids]
        assert lst.sort_field == "answered" and answered == sorted(answered)
        await pilot.click(InterviewTable, offset=(table.column_x("answered") + 2, 0))
        assert lst.sort_reverse
        assert [lst.entries[i].answered for i in table.visible_ids] == sorted(answered,
                                                                               reverse=True)


# -- filtering and tabs ---------------------------------------------------------------------


async def test_the_transcript_follows_the_filter_once_typing_pauses(store, server,
                                                                     monkeypatch):
    ids = [*COMPLETED[:6], *BY_STATUS["in_progress"][:2]]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst, table = app.main.interview_list, app.main.interview_list.table
        opened: list[str] = []
        real = app.main.reader.open
        monkeypatch.setattr(app.main.reader, "open",
                            lambda iid, **kw: opened.append(iid) or real(iid, **kw))
        monkeypatch.setattr(InterviewList, "TYPING_PAUSE", 1.0)  # slower than the keys below
        await pilot.press("slash")
        for text in ("i", "in", "in ", "in p", "in pr"):  # rows change: first one, then another
            lst.filter_input.value = text
            await pilot.pause()
        assert opened == []  # nothing opened while typing
        await until(pilot, lambda: opened)
        assert opened == [table.visible_ids[0]] == [BY_STATUS["in_progress"][0]]
        assert app.main.reading.id == BY_STATUS["in_progress"][0]
        # Off the filter box, moving the cursor opens at once, as always.
        table.focus()
        await pilot.press("down")
        await until(pilot, lambda: len(opened) == 2)
        assert opened[-1] == table.current_id


async def test_a_keystroke_that_leaves_the_same_rows_draws_no_line_of_the_table(
        store, server, monkeypatch):
    ids = [*COMPLETED[:6], *BY_STATUS["in_progress"][:2]]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.main.interview_list.table
        await pilot.press("slash", *"in")
        await pilot.pause()
        shown = list(table.visible_ids)
        refreshed: list[tuple] = []
        real = table.refresh
        monkeypatch.setattr(table, "refresh",
                            lambda *a, **k: refreshed.append(a) or real(*a, **k))
        await pilot.press("space")  # "in ": the same words, the same rows
        await pilot.pause()
        assert list(table.visible_ids) == shown and refreshed == []
        await pilot.press(*"progress")  # "in progress": fewer rows: drawn again
        await pilot.pause()
        assert refreshed and table.row_count == 2 < len(shown)


async def test_filter_as_you_type_over_every_field(store, server):
    spec = ds.SPEC_INTERVIEW_ID
    ids = [*COMPLETED[:4], spec, *BY_STATUS["in_progress"][:2], *BY_STATUS["expired"][:1]]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst, table = app.main.interview_list, app.main.interview_list.table
        await pilot.press("slash", *"JANE")  # any case
        assert list(table.visible_ids) == [spec]
        assert "1 of 8" in tabs(app)
        for text, expected in (("jane@example.com", [spec]), (spec[:13], [spec]),
                               ("in progress", BY_STATUS["in_progress"][:2]),
                               ("in_progress", BY_STATUS["in_progress"][:2]),
                               ("expired", BY_STATUS["expired"][:1]),
                               ("frontend jane", [spec])):  # every word must match
            lst.filter_input.value = text
            await pilot.pause()
            assert list(table.visible_ids) == expected, text
        lst.filter_input.value = "zzzz"
        await pilot.pause()
        assert table.row_count == 0
        empty = app.main.query_one("#list-empty")
        assert empty.display and "Nothing matches" in str(empty.render())
        # Escape clears the filter and goes back to the list, on the row it was on.
        lst.filter_input.value = "frontend"
        await pilot.pause()
        second = table.visible_ids[1]
        table.move_cursor(row=1)
        await pilot.press("escape")
        assert lst.filter_input.value == "" and table.row_count == len(ids)
        assert table.current_id == second and isinstance(app.focused, InterviewTable)
        assert not empty.display
        # Enter in the filter opens the first match.
        await pilot.press("slash", *"expired", "enter")
        await settle(pilot)
        assert app.main.reading.id == BY_STATUS["expired"][0]
        assert isinstance(app.focused, TranscriptView)


async def test_status_tabs_count_and_filter(store, server):
    ids = [*COMPLETED[:3], *BY_STATUS["in_progress"][:2], *BY_STATUS["invited"][:2],
           *BY_STATUS["expired"][:1]]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        line = tabs(app)
        assert "1 all 8" in line and "2 ● 3" in line and "3 ◐ 2" in line
        assert "4 ○ 2" in line and "5 ✕ 1" in line and "8 of 8 · all · by date added ▲" in line
        await pilot.press("3")
        assert set(app.main.interview_list.table.visible_ids) == set(BY_STATUS["in_progress"][:2])
        assert "2 of 8 · in progress" in tabs(app)
        await pilot.press("slash", *"zzz")
        assert "0 of 8" in tabs(app)
        await pilot.press("escape", "f")  # in progress -> invited; Escape kept the tab
        assert set(app.main.interview_list.table.visible_ids) == set(BY_STATUS["invited"][:2])
        await pilot.press("1")
        assert app.main.interview_list.table.row_count == 8


# -- live updates ---------------------------------------------------------------------------


async def test_a_live_update_moves_the_row_to_its_place(store, server):
    ids = COMPLETED[:6]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst, table = app.main.interview_list, app.main.interview_list.table
        await pilot.press("s")  # by candidate
        before = list(table.visible_ids)
        moved = before[1]
        payload = ds.snapshot(moved, 0.0)
        payload["candidate"]["name"] = "Zzz Renamed"
        payload["status"] = "expired"
        store.save_interview(payload)
        table.move_cursor(row=3)
        app.main.reader.updated(moved)  # what the poller calls
        under_cursor = before[3]
        await settle(pilot)
        # The row moves to its sorted place; the cursor stays on the interview it was on.
        names = [lst.entries[i].name_key for i in table.visible_ids]
        assert names == sorted(names) and "zzz renamed" in names
        assert list(table.visible_ids) != before
        assert table.current_id == under_cursor
        assert table.get_cell(moved, "candidate").plain == "Zzz Renamed"
        assert "expired" in table.get_cell(moved, "status").plain
        assert any("Zzz Renamed" in line and "expired" in line for line in shown_text(table))
        assert "2 ● 5" in tabs(app) and "5 ✕ 1" in tabs(app)  # counts follow at once
        await pilot.press("S")  # the next sort puts it in its place
        names = [lst.entries[i].name_key for i in table.visible_ids]
        assert names == sorted(names, reverse=True) and "zzz renamed" in names
        assert table.visible_ids.index(moved) != 1
        # A new interview tracked elsewhere is sorted in; an untracked one goes.
        lst.add_rows([store.row(i) for i in store.track([COMPLETED[6]])])
        await settle(pilot)
        assert COMPLETED[6] in table.visible_ids and table.row_count == 7
        store.untrack([moved])
        lst.remove_ids([moved])
        await settle(pilot)
        assert moved not in table.visible_ids and table.row_count == 6
        assert moved not in lst.entries


# -- mouse and keys -------------------------------------------------------------------------


async def test_click_moves_the_cursor_then_opens(store, server):
    ids = COMPLETED[:5]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.main.interview_list.table
        await pilot.click(InterviewTable, offset=(20, 3))  # line 3: the third row
        await settle(pilot)
        assert table.cursor_row == 2 and app.main.reading.id == ids[2]
        assert isinstance(app.focused, InterviewTable)
        await pilot.click(InterviewTable, offset=(20, 3))  # again: open it
        await settle(pilot)
        assert isinstance(app.focused, TranscriptView)
        await pilot.hover(InterviewTable, offset=(20, 4))
        await pilot.pause()
        assert app.is_running


async def test_page_keys_and_ends(store, server):
    bulk = ds.Dataset(extra_completed=300)
    store.track(bulk.bulk_ids)
    store.save_interviews(bulk.snapshot(i) for i in bulk.bulk_ids)
    app = make(store, server, [])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.main.interview_list.table
        table.focus()
        page = table.scrollable_content_region.height - 1  # rows under the header
        await pilot.press("pagedown")
        assert table.cursor_row == page
        await pilot.press("pagedown", "pageup")
        assert table.cursor_row == page
        await pilot.press("end")
        assert table.cursor_row == 299 and table.scroll_y == table.max_scroll_y
        lines = shown_text(table)
        assert bulk.bulk_ids[299] == app.main.interview_list.table.current_id and lines[-1].strip()
        await pilot.press("g")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("G", "k", "k", "j")
        assert table.cursor_row == 298
        await pilot.press("home", "down", "down", "up")
        assert table.cursor_row == 1
        await settle(pilot)
        assert app.main.reading.id == bulk.bulk_ids[1]


# -- hostile data ---------------------------------------------------------------------------


async def test_hostile_rows_are_shown_as_data(store, server):
    ids = [ds.HOSTILE_MARKUP_ID, ds.HOSTILE_TERMINAL_ID, ds.SPEC_INTERVIEW_ID]
    app = make(store, server, ids)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lines = shown_text(app.main.interview_list.table)
        assert any("[@click=app" in line for line in lines)  # cut to the column's width
        assert app.main.interview_list.table.get_cell(ds.HOSTILE_MARKUP_ID, "candidate").plain == \
            "[@click=app.quit]Click me[/] [bold red]x[/]"
        assert any("Eve" in line and "Mallory" in line for line in lines)
        for line in lines:
            for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
                assert bad not in line
        await pilot.click(InterviewTable, offset=(30, 1))
        await pilot.click(InterviewTable, offset=(30, 1))
        await settle(pilot)
        assert app.is_running
        await pilot.press("slash", *"click=app")
        assert list(app.main.interview_list.table.visible_ids) == [ds.HOSTILE_MARKUP_ID]


# -- narrow pane, empty store ---------------------------------------------------------------


async def test_compact_at_narrow_widths_and_empty_states(store, server):
    app = make(store, server, [])
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        empty = app.main.query_one("#list-empty")
        assert empty.display and "No interviews tracked yet" in str(empty.render())
        assert "0 of 0" in tabs(app)
        app.main.tracking.add([ds.SPEC_INTERVIEW_ID, COMPLETED[0]])
        await settle(pilot)
        assert not empty.display and app.main.interview_list.table.row_count == 2
        lst = app.main.interview_list
        assert lst.compact
        header = shown_text(app.main.interview_list.table)[0]
        assert "Candidate" in header and "Status" not in header and "Job" not in header
        first = shown_text(app.main.interview_list.table)[1]
        assert first.lstrip().startswith("●") and "Jane Smith" in first
        assert "completed" not in first
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        assert not lst.compact
        assert "● completed" in shown_text(app.main.interview_list.table)[1]


# -- a large store --------------------------------------------------------------------------

FIRST = ["Ada", "Bea", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"]
LAST = ["Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tran", "Ueda"]
JOBS = ["Backend Engineer", "Data Scientist", "Product Designer", "Support Lead"]
STATUSES = ["completed", "completed", "in_progress", "invited", "expired"]


async def test_the_cursor_row_stays_on_screen_after_a_resize(store, server):
    """Enter opens the row under the cursor: after the terminal shrinks, that row is one the
    user can see, not one scrolled off below the list."""
    bulk = ds.Dataset(extra_completed=120)
    store.track(bulk.bulk_ids)
    store.save_interviews(bulk.snapshot(i) for i in bulk.bulk_ids)
    app = make(store, server, [])
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        table = app.main.interview_list.table
        table.focus()
        table.move_cursor(row=40)  # on screen at 50 lines, under the fold at any size below
        await pilot.press("down", "up")
        await settle(pilot)
        assert table.cursor_row == 40
        for width, height in ((140, 20), (80, 14), (100, 30), (60, 12)):
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            rows_shown = table.scrollable_content_region.height - 1  # under the header
            top = int(table.scroll_y)
            assert top <= table.cursor_row < top + rows_shown, (width, height, top)
            name = app.main.interview_list.entries[table.current_id].candidate_name
            assert name[:8] in "\n".join(shown_text(table)), (width, height)


async def test_keys_typed_before_every_row_is_loaded_still_apply(tmp_path, server,
                                                                  monkeypatch):
    """`jjj Enter` typed while only the first page is there (the rest loads in a worker): the
    cursor moves on those rows, stays there when the rest arrives, and Enter opens that row."""
    rows = big_store(tmp_path / "big.db", 3_000)
    store = Store(tmp_path / "big.db")
    release = hold_index(monkeypatch)
    app = make(store, server, [])
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("j", "j", "j", "enter")
            await pilot.pause()
            table = app.main.interview_list.table
            assert not app.main.interview_list.loaded
            release.set()
            await until(pilot, lambda: app.main.interview_list.loaded)
            await settle(pilot)
            assert table.cursor_row == 3 and table.current_id == rows[3][0]
            assert app.main.reading.id == rows[3][0]
    finally:
        release.set()


def hold_index(monkeypatch) -> threading.Event:
    """Hold loading the list's whole index back until the event returned is set: until then
    what shows comes from the first-page query."""
    release = threading.Event()
    load = il.load_index

    def held(st: Store) -> il.ListIndex:
        assert release.wait(30)
        return load(st)

    monkeypatch.setattr(il, "load_index", held)
    return release


def big_store(path: Path, n: int) -> list[tuple[str, str, str, str]]:
    """``n`` tracked, cached interviews written straight into SQLite; (id, name, email, status)
    in the order tracked."""
    Store(path).close()  # the schema
    rows = []
    conn = sqlite3.connect(path)
    with conn:
        for i in range(n):
            iid = f"big-{i:06d}"
            name = f"{FIRST[i % 10]} {LAST[(i // 10) % 8]} {i}"
            email = f"person{i}@example.com"
            status = STATUSES[i % 5]
            job = JOBS[(i // 3) % 4]
            stamp = (NOW - timedelta(hours=i % 500)).isoformat()
            body = {"id": iid, "status": status, "candidate": {"name": name, "email": email},
                    "job": {"title": job}, "created_at": stamp, "responses": []}
            conn.execute("INSERT INTO tracked (id, added_at, label, source) VALUES (?,?,?,?)",
                         (iid, 1000.0 + i, None, "user"))
            conn.execute(
                "INSERT INTO interviews (id, status, body, fetched_at, candidate_name, "
                "candidate_email, job_title, created_at, answered) VALUES (?,?,?,?,?,?,?,?,?)",
                (iid, status, json.dumps(body), NOW.timestamp(), name, email, job, stamp,
                 i % 4))
            rows.append((iid, name, email, status))
    conn.close()
    return rows


async def test_a_large_store_shows_first_rows_at_once_then_sorts_and_filters(
        tmp_path, server, monkeypatch):
    rows = big_store(tmp_path / "big.db", 20_000)
    store = Store(tmp_path / "big.db")
    release = hold_index(monkeypatch)
    monkeypatch.setattr(InterviewList, "SYNC_ROWS", 1000)  # sort and filter in the worker
    app = make(store, server, [])
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            lst, table = app.main.interview_list, app.main.interview_list.table
            assert not lst.loaded
            assert list(table.visible_ids)[:5] == [r[0] for r in rows[:5]]
            assert any(rows[0][1][:10] in line for line in shown_text(table))
            assert "loading…" in tabs(app)
            release.set()
            await until(pilot, lambda: lst.loaded)
            await settle(pilot)
            assert table.row_count == 20_000 and "20,000 of 20,000" in tabs(app)
            assert "2 ● 8,000" in tabs(app) and "3 ◐ 4,000" in tabs(app)
            # Typing fast: the last keystroke wins, whatever the worker was doing.
            await pilot.press("slash", *"quinn 1")
            await settle(pilot)
            expected = [r[0] for r in rows if "quinn" in f"{r[1]} {r[2]}".lower()
                        and "1" in f"{r[1]} {r[2]} {r[0]}"]
            assert list(table.visible_ids) == expected
            assert f"{len(expected):,} of 20,000" in tabs(app)
            await pilot.press("enter")
            await settle(pilot)
            assert app.main.reading.id == expected[0]
            lst.set_status_filter("invited")  # a status tab and a word together
            lst.filter_input.value = "ada"
            await settle(pilot)
            expected = [r[0] for r in rows if r[3] == "invited" and "ada" in r[1].lower()]
            assert list(table.visible_ids) == expected
            lst.filter_input.value = ""
            lst.set_status_filter(None)
            lst.set_sort("candidate", reverse=True)
            await settle(pilot)
            names = [lst.entries[i].name_key for i in list(table.visible_ids)[:50]]
            assert names == sorted((r[1].casefold() for r in rows), reverse=True)[:50]
            table.focus()
            await pilot.press("end")
            assert table.cursor_row == 19_999
    finally:
        store.close()


async def test_a_filter_worked_out_in_a_worker_shows_with_its_text(tmp_path, server,
                                                                   monkeypatch):
    """The frame with the text typed waits for the worker's rows (at most HOLD_FRAME): the
    two show together. A worker that takes longer does not hold the screen back."""
    rows = big_store(tmp_path / "big.db", 3000)
    store = Store(tmp_path / "big.db")
    monkeypatch.setattr(InterviewList, "SYNC_ROWS", 1000)
    go = threading.Event()
    run = il.Plan.run

    def gated(plan, cancelled=lambda: False):
        if plan.terms:
            assert go.wait(30)
        return run(plan, cancelled)

    monkeypatch.setattr(il.Plan, "run", gated)
    monkeypatch.setattr(InterviewList, "HOLD_FRAME", 5.0)  # long enough to see it held
    app = make(store, server, [])
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            lst = app.main.interview_list
            await until(pilot, lambda: lst.loaded)
            await settle(pilot)
            await pilot.press("slash", "q")
            await until(pilot, lambda: lst.busy)
            assert lst._held is not None and app._batch_count == 1  # no frame yet
            go.set()
            await until(pilot, lambda: not lst.busy)
            assert lst._held is None and app._batch_count == 0  # released with the rows
            quinns = sum("q" in f"{r[1]} {r[2]} {r[0]} {r[3]}".lower() for r in rows)
            assert f"{quinns:,} of 3,000" in tabs(app)
            # A worker that is slow: the frame goes out after HOLD_FRAME all the same.
            go.clear()
            monkeypatch.setattr(InterviewList, "HOLD_FRAME", 0.05)
            lst.filter_input.value = "ada"
            await until(pilot, lambda: lst.busy)
            assert lst._held is not None
            await until(pilot, lambda: lst._held is None, timeout=2)
            assert app._batch_count == 0 and lst.busy
            go.set()
            await until(pilot, lambda: not lst.busy)
            # Leaving while held (the app quits mid-filter) lets go of the screen too.
            go.clear()
            monkeypatch.setattr(InterviewList, "HOLD_FRAME", 5.0)
            lst.filter_input.value = "ben"
            await until(pilot, lambda: lst._held is not None)
            lst.on_unmount()
            assert lst._held is None and app._batch_count == 0
            go.set()
    finally:
        go.set()
        store.close()


async def test_a_live_update_at_scale_moves_one_row_without_sorting_them_all(
        tmp_path, server, monkeypatch):
    """A poll or a "seen" mark changes one row of thousands: it moves to its place in the
    sort and the filter at once, with no worker and no new sort; the rest stay drawn."""
    rows = big_store(tmp_path / "big.db", 3000)
    store = Store(tmp_path / "big.db")
    monkeypatch.setattr(InterviewList, "SYNC_ROWS", 1000)  # a new sort would need a worker
    app = make(store, server, [])
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            lst, table = app.main.interview_list, app.main.interview_list.table
            await until(pilot, lambda: lst.loaded)
            await settle(pilot)
            lst.set_sort("candidate")
            await settle(pilot)
            lst.set_status_filter("completed")
            await settle(pilot)
            table.move_cursor(row=5)
            under_cursor = table.current_id
            shown = list(table.visible_ids)
            moved, gone = shown[1], shown[2]
            sorts = []
            order = il.ListIndex.order
            monkeypatch.setattr(il.ListIndex, "order",
                                lambda self, *a, **k: sorts.append(a) or order(self, *a, **k))
            with sqlite3.connect(tmp_path / "big.db") as conn:
                conn.execute("UPDATE interviews SET candidate_name = 'Aaa First' WHERE id = ?",
                             (moved,))
                conn.execute("UPDATE interviews SET status = 'expired' WHERE id = ?", (gone,))
            workers = len([w for w in app.workers if w.group == "interview-list"])
            app.main.reader.updated(moved)
            app.main.reader.updated(gone)
            assert not lst.busy and not sorts  # done in place, now
            assert len([w for w in app.workers if w.group == "interview-list"]) == workers
            index = lst.index
            expected = index.select(order(index, SORTS["candidate"].keys), "completed",
                                    []).rows
            assert table.rows == expected
            assert table.visible_ids[0] == moved and gone not in table.visible_ids
            assert table.current_id == under_cursor
            await pilot.pause()
            assert "Aaa First" in shown_text(table)[1]
            completed = sum(r[3] == "completed" for r in rows) - 1
            assert f"{completed:,} of 3,000" in tabs(app)
            # Many updates, each checked against sorting and filtering every row afresh; the
            # cursor stays on its interview while that one is shown.
            rng = random.Random(7)
            lst.set_sort("status", reverse=True)
            await settle(pilot)
            sorts.clear()
            for step in range(40):
                table.move_cursor(row=rng.randrange(min(60, table.row_count)))
                under_cursor = table.current_id
                iid = rng.choice([table.visible_ids[rng.randrange(30)],
                                  rows[rng.randrange(3000)][0]])
                with sqlite3.connect(tmp_path / "big.db") as conn:
                    conn.execute(
                        "UPDATE interviews SET candidate_name = ?, status = ? WHERE id = ?",
                        (rng.choice(["Aaron", "Zed", "Mia Zed", "Quinn"]),
                         rng.choice(["completed", "expired", "in_progress"]), iid))
                app.main.reader.updated(iid)
                index = lst.index
                fresh = index.select(order(index, SORTS["status"].keys, True), "completed", []).rows
                assert table.rows == fresh, step
                if under_cursor != iid or iid in table.visible_ids:
                    assert table.current_id == under_cursor, step
            assert not sorts and not lst.busy  # each one moved alone
            # Typing on still refines the moved rows right.
            lst.filter_input.value = "zed"
            await settle(pilot)
            index = lst.index
            assert table.rows == index.select(order(index, SORTS["status"].keys, True), "completed",
                                              ["zed"]).rows
            assert table.row_count
    finally:
        store.close()


async def test_the_filter_box_is_where_typing_goes(store, server):
    app = make(store, server, COMPLETED[:2])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"s1")  # "s" and "1" are list keys: here they are text
        assert app.main.interview_list.filter_input.value == "s1"
        assert app.main.interview_list.sort_field == "added"
