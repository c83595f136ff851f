"""The TUI, driven with Pilot against a real demo server on loopback and a real SQLite store."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, TextArea
from tui_conftest import (
    doc_text,
    factory,
    ids_with,
    make_app,
    notes,
    screen_text,
    settle,
    start_server,
    table_of,
    wait_until,
)

from rztui.demo import dataset as ds
from rztui.formats import format_ats
from rztui.tui import clipboard
from rztui.tui.screens.add import AddScreen
from rztui.tui.screens.confirm import ConfirmScreen
from rztui.tui.screens.help import HelpScreen
from rztui.tui.screens.key_entry import KeyEntryScreen
from rztui.tui.widgets.interview_list import InterviewTable
from rztui.tui.widgets.transcript import TranscriptView

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

SPEC = ds.SPEC_INTERVIEW_ID
REAL_SYSTEM_COPY = clipboard.system_copy
COMPLETED = [i for i in ids_with("completed") if i != ds.SPEC_INTERVIEW_ID]
IN_PROGRESS = ids_with("in_progress")
INVITED = ids_with("invited")
EXPIRED = ids_with("expired")


@pytest.fixture(autouse=True)
def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """pyperclip must never touch the real clipboard in tests: record what it was given."""
    copied: list[str] = []
    monkeypatch.setattr(clipboard, "system_copy", lambda text: (copied.append(text), (True,
                                                                                     None))[1])
    return copied


# -- list, selection, transcript ---------------------------------------------------------------


async def test_opens_first_row_with_transcript_and_outline(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:3]])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert table_of(app).row_count == 4
        assert app.main.reading.id == SPEC
        text = doc_text(app)
        assert "Jane Smith" in text and "Describe your experience with React hooks" in text
        assert "useReducer" in text
        assert "completed" in text
        outline = app.main.outline
        assert len(outline.options.options) == 3
        title = str(outline.query_one("#outline-title").render())
        assert "3 listed of 11" in title
        # Every tracked row was fetched in the background (they were never fetched before).
        assert all(e.status == "completed" for e in app.main.interview_list.entries.values())


async def test_filter_typing_enter_and_escape(store, server):
    app = make_app(store, server, [*COMPLETED[:4], SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"jane")
        assert table_of(app).visible_ids == [SPEC]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, TranscriptView)
        assert app.main.reading.id == SPEC
        # "/" works from the transcript too, and selects the old text: typing replaces it.
        await pilot.press("slash", *"zzzz")
        assert app.main.interview_list.filter_input.value == "zzzz"
        assert table_of(app).row_count == 0
        assert app.main.query_one("#list-empty").display
        await pilot.press("escape")  # one Escape: cleared, back in the list
        await settle(pilot)
        assert app.main.interview_list.filter_input.value == ""
        assert table_of(app).row_count == 5
        assert isinstance(app.focused, InterviewTable)
        # The cursor is back on the interview that was open, which stays open.
        assert table_of(app).current_id == SPEC
        assert app.main.reading.id == SPEC
        # Escape in the transcript goes back to the list.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, TranscriptView)
        await pilot.press("escape")
        assert isinstance(app.focused, InterviewTable)
        # "/ eng Enter" then "/ chen": the filter is "chen", not "engchen".
        await pilot.press("slash", *"eng", "enter", "slash", *"chen")
        assert app.main.interview_list.filter_input.value == "chen"
        await pilot.press("escape")
        # Several words: all must match (email + job here).
        app.main.interview_list.set_filter_text("jane@example.com frontend")
        assert table_of(app).visible_ids == [SPEC]


async def test_sort_cycle_reverse_and_header_click(store, server):
    ids = [*COMPLETED[:5], *INVITED[:2]]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst = app.main.interview_list
        assert table_of(app).visible_ids == ids  # date added
        await pilot.press("s")
        assert lst.sort_field == "candidate"
        names = [lst.entries[i].name_key for i in table_of(app).visible_ids]
        assert names == sorted(names)
        await pilot.press("S")
        assert lst.sort_reverse
        assert [lst.entries[i].name_key for i in table_of(app).visible_ids] == sorted(names,
                                                                                   reverse=True)
        # Clicking the "Job" header sorts by job; clicking it again reverses.
        table = table_of(app)
        x = table.column_x("job") + 2
        await pilot.click(InterviewTable, offset=(x, 0))
        assert lst.sort_field == "job" and not lst.sort_reverse
        jobs = [lst.entries[i].job_key for i in table.visible_ids]
        assert jobs == sorted(jobs)
        await pilot.click(InterviewTable, offset=(x, 0))
        assert lst.sort_reverse
        assert "▼" in str(table.columns[2].label)


async def test_status_filter_keys(store, server):
    ids = [*COMPLETED[:3], *IN_PROGRESS[:2], *INVITED[:2], *EXPIRED[:1]]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert set(table_of(app).visible_ids) == set(COMPLETED[:3])
        await pilot.press("f")  # completed -> in progress
        assert set(table_of(app).visible_ids) == set(IN_PROGRESS[:2])
        await pilot.press("f", "f")  # invited, expired
        assert table_of(app).visible_ids == EXPIRED[:1]
        await pilot.press("4")
        assert set(table_of(app).visible_ids) == set(INVITED[:2])
        await pilot.press("1")
        assert table_of(app).row_count == len(ids)
        tabs = str(app.main.query_one("#status-count").render())
        assert "8 of 8" in tabs


async def test_unknown_status_shown_raw(store, server):
    app = make_app(store, server, [ds.UNKNOWN_STATUS_ID], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "under_review" in table_of(app).get_cell(ds.UNKNOWN_STATUS_ID, "status").plain
        assert "under_review" in doc_text(app)


# -- add, remove, refresh ----------------------------------------------------------------------


async def test_add_several_ids_and_urls_reports_bad_ones(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    url = f"https://rz-app-omega.vercel.app/api/v1/interviews/{COMPLETED[0]}"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AddScreen)
        area = app.screen.query_one(TextArea)
        area.insert(f"{url}\n{COMPLETED[1]}, {INVITED[0]} bad/id\nno-such-interview {SPEC}")
        await pilot.pause()
        summary = str(app.screen.query_one("#add-summary").render())
        assert "4 interview ids ready" in summary  # and one odd one, asked about
        assert "doesn't look like interview ids: no-such-interview" in summary
        assert "contains '/'" in summary
        await pilot.press("ctrl+s")  # first: asks about the odd one
        await pilot.pause()
        assert isinstance(app.screen, AddScreen)
        assert "Send them anyway?" in str(app.screen.query_one("#add-summary").render())
        await pilot.press("ctrl+s")  # again: sends it too
        await settle(pilot)
        tracked = store.tracked_ids()
        for iid in (COMPLETED[0], COMPLETED[1], INVITED[0]):
            assert iid in tracked
            assert iid in table_of(app).visible_ids
        assert "no-such-interview" not in tracked  # 404: not kept
        assert "no-such-interview" not in table_of(app).visible_ids
        assert store.row(COMPLETED[1]).status == "completed"
        messages = "\n".join(notes(app))
        assert "Not found, so not tracked: no-such-interview" in messages
        flashed = app.main.status_line.flashed
        assert "1 already tracked" in flashed and "1 token not valid, skipped" in flashed


async def test_untrack_asks_first(store, server):
    app = make_app(store, server, [SPEC, COMPLETED[0]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        store.set_rating(SPEC, 4)
        store.set_note(SPEC, "strong on hooks")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        said = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "rating, note and shortlist" in said, said  # what goes with it, said first
        await pilot.press("n")
        kept = store.evaluation(SPEC)
        assert store.is_tracked(SPEC) and kept is not None and kept.rating == 4
        await pilot.press("d", "y")
        await settle(pilot)
        assert not store.is_tracked(SPEC)
        gone = store.evaluation(SPEC)
        assert store.get_interview(SPEC) is None
        assert gone is None or (gone.rating is None and not gone.note)
        assert table_of(app).visible_ids == [COMPLETED[0]]
        assert app.main.reading.id == COMPLETED[0]


async def test_refresh_selected_and_all_active(store):
    srv = start_server()
    try:
        live = ds.LIVE_IDS
        app = make_app(store, srv, [*live, SPEC])
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            assert {store.row(i).status for i in live} == {"invited"}
            srv.advance(ds.LIVE_END_SECONDS + 5)
            await pilot.press("r")  # the selected (first) one only
            await settle(pilot)
            assert store.row(live[0]).status == "completed"
            assert app.main.interview_list.entries[live[0]].status == "completed"
            assert store.row(live[1]).status == "invited"
            assert "Q1" in doc_text(app)
            before = srv.stats.total_requests
            await pilot.press("R")
            await settle(pilot)
            assert {store.row(i).status for i in live} == {"completed"}
            # Only the non-terminal rows were asked for (not the completed spec interview).
            assert srv.stats.total_requests - before == len(live) - 1
            assert any("Refreshed 2 of 2 active interviews" in n for n in notes(app))
    finally:
        srv.stop()


async def test_refresh_row_updates_in_place(store, server):
    app = make_app(store, server, [COMPLETED[0], SPEC, COMPLETED[1]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        payload = ds.snapshot(SPEC, 0.0)
        payload["candidate"]["name"] = "Jane Renamed"
        store.save_interview(payload)
        app.main.reader.updated(SPEC)  # what the poller will call
        await pilot.pause()
        assert table_of(app).visible_ids == [COMPLETED[0], SPEC, COMPLETED[1]]
        assert str(table_of(app).get_cell(SPEC, "candidate")) == "Jane Renamed"


# -- panes -------------------------------------------------------------------------------------


async def test_outline_toggle_and_auto_hide(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.outline.display
        await pilot.press("o")
        assert not app.main.outline.display
        await pilot.press("o")
        assert app.main.outline.display
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not app.main.outline.display  # narrow: hidden automatically
        await pilot.press("o")
        assert app.main.outline.display  # ...but `o` still shows it
        await pilot.resize_terminal(92, 24)
        await pilot.pause()
        assert app.main.outline.display
        await pilot.resize_terminal(80, 24)  # one pane at a time: the list, then Enter
        await pilot.pause()
        assert not app.main.outline.display
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.outline.display  # with the transcript, as asked


async def test_outline_selection_scrolls_to_answer(store, server):
    iid = COMPLETED[0]
    app = make_app(store, server, [iid], cache=True)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        options = app.main.outline.query_one(OptionList)
        options.focus()
        options.highlighted = 3
        await pilot.press("enter")
        await pilot.pause()
        view = app.main.transcript
        assert view.current_response == 3
        assert view.scroll_y > 0
        question = app.main.reading.interview.responses[3].question_text
        assert question[:30] in screen_text(app)


async def test_search_highlights_and_n_N(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        assert app.focused.id == "search-input"
        await pilot.press(*"hooks")
        view = app.main.transcript
        assert len(view.matches) == 4  # question + answer, case-insensitive
        assert view.match_index == 0
        assert "1/4" in str(app.main.query_one("#search-count").render())
        await pilot.press("enter")
        assert app.focused is view
        await pilot.press("n")
        assert view.match_index == 2
        await pilot.press("N", "N")
        assert view.match_index == 0
        await pilot.press("N")
        assert view.match_index == 3  # wraps
        # The current match is drawn with its own style.
        assert any(
            seg.style and seg.style.bgcolor
            for y in range(view.size.height) for seg in view.render_line(y)
            if seg.text.lower() == "hooks"
        )


async def test_ctrl_c_quits_like_q(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_the_find_bar_closes_when_another_interview_is_shown(store, server):
    app = make_app(store, server, [SPEC, COMPLETED[0]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        first = app.main.reading.id
        await pilot.press("ctrl+f", *"the", "enter")
        view, bar = app.main.transcript, app.main.query_one("#search-bar")
        assert bar.display and view.search_term == "the" and view.matches
        app.main.interview_list.table.focus()
        await pilot.press("down")
        await settle(pilot)
        assert app.main.reading.id != first
        # Not "0 matches for 'the'" about an interview it never searched.
        assert not bar.display and view.search_term == "" and not view.matches


async def test_long_transcript_opens_and_searches(store, server):
    app = make_app(store, server, [ds.LONG_ID], cache=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.main.transcript
        assert view.line_count > 1000
        view.set_search("calibration")
        assert view.matches
        view.focus()
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y


# -- copy --------------------------------------------------------------------------------------


async def test_copy_answer_interview_and_id(store, server, no_system_clipboard):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        interview = app.main.reading.interview
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == interview.responses[0].transcript
        app.main.transcript.scroll_to_response(1)
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == interview.responses[1].transcript
        await pilot.press("C")
        await settle(pilot)
        assert app.clipboard == format_ats(interview)
        assert app.clipboard.startswith("Q1: Describe your experience")
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == SPEC
        assert no_system_clipboard[-1] == SPEC
        # Said in the status line, not in a toast per copy.
        assert "via OSC 52 + system clipboard" in app.main.status_line.flashed
        assert not any("copied" in n for n in notes(app))


async def test_copy_without_clipboard_tool_still_works(store, server, monkeypatch):
    import pyperclip

    def broken(_text: str) -> None:
        raise pyperclip.PyperclipException("no tool")

    monkeypatch.setattr(clipboard, "system_copy", REAL_SYSTEM_COPY)
    monkeypatch.setattr(pyperclip, "copy", broken)
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == SPEC
        assert "via OSC 52 (no system clipboard tool)" in app.main.status_line.flashed
        assert not any(n.severity == "error" for n in app._notifications)


# -- hostile data ------------------------------------------------------------------------------


async def test_hostile_markup_is_data(store, server):
    app = make_app(store, server, [ds.HOSTILE_MARKUP_ID, SPEC])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.is_running
        assert app.main.reading.id == ds.HOSTILE_MARKUP_ID
        cell = str(table_of(app).get_cell(ds.HOSTILE_MARKUP_ID, "candidate"))
        assert cell.startswith("[@click=app.quit]Click me[/]")
        # Click the name in the list, then the hostile text in the transcript.
        await pilot.click(InterviewTable, offset=(10, 1))
        await pilot.pause()
        assert app.is_running
        view = app.main.transcript
        hostile_line = next(y for y in range(view.size.height)
                            if "[@click=app.quit]" in view.render_line(y).text)
        for x in range(2, 40, 3):
            await pilot.click(TranscriptView, offset=(x, hostile_line))
        await pilot.pause()
        assert app.is_running
        assert "[@click=app.quit]Click me[/]" in screen_text(app)
        # The outline shows the hostile custom question literally too.
        prompts = [str(o.prompt) for o in app.main.outline.options.options]
        assert any("[@click=app.quit]Why us?[/]" in p for p in prompts)
        # Copy gives the raw text, exactly as the API sent it.
        app.main.transcript.scroll_to_response(0)
        await pilot.press("c")
        await settle(pilot)
        raw = app.main.reading.interview.responses[0].transcript
        assert app.clipboard == raw
        assert "[@click=app.quit]Click me[/]" in app.clipboard
        # A toast naming the hostile candidate is not markup either.
        await pilot.press("d")
        await pilot.click("#yes")
        await settle(pilot)
        assert app.is_running


async def test_hostile_terminal_controls_are_stripped(store, server):
    app = make_app(store, server, [ds.HOSTILE_TERMINAL_ID])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for column in ("status", "candidate", "job", "when", "answered"):
            cell = table_of(app).get_cell(ds.HOSTILE_TERMINAL_ID, column)
            assert "\x1b" not in str(cell) and "\u202e" not in str(cell)
        shown = screen_text(app) + doc_text(app)
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\x00", "\x08"):
            assert bad not in shown
        assert "Eve" in shown and "Mallory" in shown
        await pilot.press("c")
        await settle(pilot)
        assert "\x1b[2J" in app.clipboard  # raw data on request, never on screen


# -- errors and workers ------------------------------------------------------------------------


async def test_error_in_place_then_retry(store, server):
    app = make_app(store, server, ["demo-internal-error"])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.transcript.doc.kind == "error"
        text = doc_text(app)
        assert "Could not load this interview" in text and "Press r to retry" in text
        assert "server error 500" in text
        before = server.stats.total_requests
        await pilot.press("r")
        await settle(pilot)
        assert server.stats.total_requests > before
        assert app.main.transcript.doc.kind == "error"
        assert app.main.transcript.loading is False


async def test_offline_shows_cached_and_says_so(store):
    app = make_app(store, None, [SPEC, INVITED[0]], cache=True,
                   client_factory=lambda _u, key: __import__("rztui.api.client").api.client
                   .ApiClient("http://127.0.0.1:9", key, max_attempts=1))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "Jane Smith" in doc_text(app)  # cached, no request needed
        await pilot.press("down")
        await settle(pilot)
        status = app.main.status_line.state.connection
        assert status.online is False
        assert "cannot reach the API" in status.offline_reason
        assert "Noah" in doc_text(app) or "invited" in doc_text(app)  # cached copy stays
        assert "offline" in str(app.main.status_line.render())


async def test_worker_failure_becomes_one_notification(store, server, monkeypatch):
    app = make_app(store, server, [SPEC])

    async def boom(*_a, **_k):
        raise ValueError("boom\nsecond line")

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app.service, "interview", boom)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running
        assert "ValueError: boom" in notes(app)
        assert not app.main.transcript.loading


async def test_key_rejected_by_api_offers_new_key(store, server):
    app = make_app(store, server, [SPEC], api_key="rz_live_wrongwrongwrong")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        from rztui.tui.screens.error import ErrorScreen

        assert isinstance(app.screen, ErrorScreen)
        assert "401" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("enter")  # "Enter another key"
        await pilot.pause()
        assert isinstance(app.screen, KeyEntryScreen)


async def test_a_rejected_key_says_ctrl_k_not_retry_and_names_the_environment(store, server):
    """Retrying with a key the API rejects cannot work: the pane and the outline say ctrl+k,
    and that the key came from the environment (which overrides the keyring)."""
    app = make_app(store, server, [SPEC], api_key=None,
                   find_key=lambda: ("rz_live_wrongwrongwrong", "environment"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # the "key rejected" dialog
        await settle(pilot)
        text = doc_text(app)
        assert "Could not load this interview" in text and "401" in text, text
        assert "ctrl+k" in text and "ROUNDZERO_API_KEY" in text, text
        assert "r to retry" not in text


# -- keys --------------------------------------------------------------------------------------


async def _enter_key(pilot, key: str) -> None:
    field = pilot.app.screen.query_one("#key-input", Input)
    field.value = key
    await pilot.press("enter")
    await settle(pilot)


async def test_first_run_key_modal_verifies_and_stores(store, server, memory_keyring):
    app = make_app(store, server, [SPEC], api_key=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, KeyEntryScreen)
        assert app.screen.query_one("#key-input", Input).password is True
        before = server.stats.total_requests
        await _enter_key(pilot, "rz_live_not_the_right_key")
        assert isinstance(app.screen, KeyEntryScreen)
        assert "Rejected" in str(app.screen.query_one("#key-status").render())
        assert server.stats.total_requests == before + 1  # one request per check
        await _enter_key(pilot, ds.DEMO_KEY)
        assert not isinstance(app.screen, KeyEntryScreen)
        assert memory_keyring.passwords[("rztui", "api_key")] == ds.DEMO_KEY
        top = str(app.main.query_one("#topbar").render())
        assert "rz_demo_...8b5a" in top and ds.DEMO_KEY not in top
        assert app.service is not None
        assert any("saved in the system keyring" in n for n in notes(app))
        # The key is nowhere in the store.
        assert ds.DEMO_KEY.encode() not in store.path.read_bytes()


async def test_key_found_in_keyring_skips_modal(store, server, memory_keyring):
    memory_keyring.set_password("rztui", "api_key", ds.DEMO_KEY)
    app = make_app(store, server, [SPEC], api_key=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.screen is app.main
        assert app.key_source == "keyring"
        assert app.service is not None


async def test_no_keyring_backend_keeps_key_for_session(store, server, no_keyring):
    app = make_app(store, server, [SPEC], api_key=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, KeyEntryScreen)
        await _enter_key(pilot, ds.DEMO_KEY)
        assert app.service is not None  # usable for this session
        message = "\n".join(notes(app))
        assert "this session only" in message and "ROUNDZERO_API_KEY" in message
        assert ds.DEMO_KEY not in message


async def test_continue_offline_without_key(store, server, memory_keyring):
    app = make_app(store, server, [SPEC], api_key=None, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main
        assert "Jane Smith" in doc_text(app)  # cached data still browsable
        assert "no API key" in str(app.main.status_line.render())


# -- help, palette, themes ---------------------------------------------------------------------


async def test_help_lists_every_binding(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body").render())
        for words in ("Add", "Remove", "Refresh all", "Outline", "Find", "Copy answer",
                      "Copy ATS", "Copy id", "Filter", "Sort", "Next match", "Status filter",
                      "Clear filter", "Next answer"):
            assert words in text, words
        await pilot.press("escape")
        assert app.screen is app.main


async def test_command_palette_offers_main_actions(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.main)]
        for title in ("Add interviews", "Remove interview", "Refresh all active",
                      "Copy interview (ATS)", "Find in transcript", "Show completed",
                      "Sort by candidate", "Enter API key", "Theme"):
            assert title in titles
        command = next(c for c in app.get_system_commands(app.main)
                       if c.title == "Show invited")
        command.callback()
        await pilot.pause()
        assert app.main.interview_list.status_filter == "invited"


async def test_themes_switch(store, server):
    app = make_app(store, server, [SPEC, *INVITED[:1]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        before = table_of(app).get_cell(SPEC, "status").style
        app.theme = "textual-light"
        await pilot.pause()
        after = table_of(app).get_cell(SPEC, "status").style
        assert before != after
        assert app.is_running


async def test_usable_at_80x24(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:3]], cache=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # One pane at a time: the list has the whole width (with its Job column)...
        assert not app.main.outline.display
        assert not app.main.query_one("#pane").display
        assert app.main.interview_list.size.width == 80
        assert not app.main.interview_list.compact
        # ...and Enter gives it to the transcript.
        await pilot.press("enter")
        await pilot.pause()
        assert not app.main.interview_list.display
        assert app.main.transcript.size.width >= 76
        assert "Jane Smith" in screen_text(app)


async def test_many_rows_filter(store, server):
    from rztui.demo.dataset import Dataset

    data = Dataset(extra_completed=2000)
    store.track(data.bulk_ids)
    store.save_interviews(data.snapshot(i) for i in data.bulk_ids)
    app = make_app(store, server, [], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert table_of(app).row_count == 2000
        await pilot.press("slash", *"alex")
        expected = sum(1 for e in app.main.interview_list.entries.values() if "alex" in e.haystack)
        assert 0 < table_of(app).row_count == expected
        await pilot.press("escape", "end")
        assert table_of(app).cursor_row == 1999


def test_factory_helper_is_used(server):
    assert factory(server)("http://x", "k").base_url == server.base_url


# -- start-up: keys typed before the key prompt --------------------------------------------------


def _slow_finder(key: str | None):
    """A key look-up that answers when the test says so (a slow keyring)."""
    import threading

    go = threading.Event()

    def find() -> tuple[str | None, str]:
        go.wait(10)
        return key, "keyring" if key else ""

    return go, find


async def test_keys_typed_before_the_key_prompt_do_nothing(store, server, tmp_path,
                                                          monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    go, find = _slow_finder(None)
    app = make_app(store, server, [SPEC], api_key=None, cache=True, find_key=find)
    app.hold_keys_seconds = 60  # a loaded machine must not let them through
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v", "e", "enter")
        await pilot.pause()
        assert app.keys_held and not app.main.reviewing.on
        assert app.screen is app.main  # no export dialog either
        go.set()
        await wait_until(pilot, lambda: isinstance(app.screen, KeyEntryScreen),
                         what="the key prompt")
        assert not app.main.reviewing.on
        assert app.screen.query_one("#key-input", Input).value == ""
        assert list(cwd.iterdir()) == []
        assert not (store.path.parent / "exports").exists()


async def test_keys_typed_during_start_up_act_once_a_key_is_found(store, server):
    go, find = _slow_finder(ds.DEMO_KEY)
    app = make_app(store, server, [SPEC], api_key=None, cache=True, find_key=find)
    app.hold_keys_seconds = 60  # a loaded machine must not let them through
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert not app.main.reviewing.on
        go.set()
        await wait_until(pilot, lambda: app.main.reviewing.on, what="v after start-up")
        assert app.screen is app.main and not app.keys_held


async def test_export_defaults_to_the_data_folder(store, server, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    app = make_app(store, server, [SPEC], cache=True, export_dir=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        # Typed ahead (both keys in before the dialog is drawn): nothing is written.
        from textual import events

        app.post_message(events.Key("e", "e"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        from rztui.tui.screens.export import ExportScreen

        assert isinstance(app.screen, ExportScreen), notes(app)
        assert list(cwd.iterdir()) == []
        shown = str(app.screen.query_one("#export-target").render())
        assert str(app.data_dir() / "exports") in shown


async def test_tab_cycles_panes_and_status_keys_work_anywhere(store, server):
    ids = [SPEC, *COMPLETED[:2], *INVITED[:2]]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, InterviewTable)
        await pilot.press("tab")
        assert isinstance(app.focused, TranscriptView)
        await pilot.press("tab")
        assert isinstance(app.focused, OptionList)  # the outline
        await pilot.press("tab")
        assert isinstance(app.focused, InterviewTable)  # not the filter box
        await pilot.press("shift+tab")
        assert isinstance(app.focused, OptionList)
        await pilot.press("tab", "tab", "j")  # j scrolls the transcript, types nothing
        assert isinstance(app.focused, TranscriptView)
        assert app.main.interview_list.filter_input.value == ""
        await pilot.press("4")  # a status filter from the transcript
        assert app.main.interview_list.status_filter == "invited"
        assert table_of(app).row_count == 2
        await pilot.press("f", "1")
        assert table_of(app).row_count == 5
        # Typing digits in the filter box still types them.
        await pilot.press("slash", "3")
        assert app.main.interview_list.filter_input.value == "3"
        assert app.main.interview_list.status_filter is None


# -- sorting, statuses -------------------------------------------------------------------------


async def test_reverse_date_added_with_equal_times_and_ans_arrow(store, server):
    ids = [*COMPLETED[:3], *INVITED[:2]]
    store.track(ids)  # one batch: the same date added for all
    app = make_app(store, server, [], cache=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        before = list(table_of(app).visible_ids)
        assert len(before) == 5
        await pilot.press("S")
        assert list(table_of(app).visible_ids) == before[::-1]
        lst = app.main.interview_list
        lst.set_sort("answered")
        label = str(table_of(app).columns[4].label)
        assert "▲" in label and len(label) <= table_of(app).columns[4].width


async def test_live_update_moves_row_to_its_sorted_place(store, server):
    ids = [*COMPLETED[:3], SPEC]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.main.interview_list.set_sort("candidate")
        await settle(pilot)
        table = table_of(app)
        table.move_cursor(row=list(table.visible_ids).index(SPEC))
        payload = ds.snapshot(SPEC, 0.0)
        payload["candidate"]["name"] = "Aaron First"
        store.save_interview(payload)
        app.main.reader.updated(SPEC)
        await settle(pilot)
        assert table.visible_ids[0] == SPEC
        assert table.current_id == SPEC  # the cursor went with it


async def test_invited_past_expiry_label(store, server):
    from datetime import timedelta

    from tui_conftest import FROZEN_NOW

    [iid] = INVITED[:1]
    app = make_app(store, server, [iid], cache=True,
                   clock=lambda: FROZEN_NOW + timedelta(days=400))
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        assert "invited · past expiry" in str(table_of(app).get_cell(iid, "status"))
        assert "invited · past expiry" in doc_text(app)


async def test_filter_typed_during_start_up_lands_in_the_filter(store, server):
    go, find = _slow_finder(ds.DEMO_KEY)
    app = make_app(store, server, [SPEC, *COMPLETED[:3]], api_key=None, cache=True,
                   find_key=find)
    app.hold_keys_seconds = 60
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"jane", "enter")
        go.set()
        await wait_until(pilot, lambda: isinstance(app.focused, TranscriptView),
                         what="the filter's Enter")
        assert app.main.interview_list.filter_input.value == "jane"
        assert app.main.reading.id == SPEC and app.screen is app.main


async def test_filter_keys_in_one_burst(store, server):
    """"/eng" arriving at once (pasted, typed fast): all of "eng" lands in the filter."""
    from textual import events

    app = make_app(store, server, [SPEC, *COMPLETED[:3]], cache=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, char in (("slash", "/"), ("e", "e"), ("n", "n"), ("g", "g")):
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.screen is app.main  # e did not open the export dialog
        assert app.main.interview_list.filter_input.value == "eng"
        await pilot.press("slash")  # typed in the filter box: a character like any other
        assert app.main.interview_list.filter_input.value == "eng/"
