"""The app's live watching (poller, webhooks), search, compare, export, review and archive,
driven with Pilot against a real demo server on loopback and a real SQLite store.

The poller runs on a :class:`ManualClock`: a scheduled poll happens when a test advances the
clock, and the demo server's own clock is jumped with ``advance()``; nothing sleeps for seconds.
"""

from __future__ import annotations

import copy
import re
import socket
from dataclasses import replace
from types import SimpleNamespace

import pytest
from textual.widgets import Input, OptionList
from tui_conftest import (
    ManualClock,
    doc_text,
    ids_with,
    make_app,
    notes,
    poller_idle,
    settle,
    table_of,
    wait_until,
)

from rztui.answers.search import search
from rztui.api.client import ApiClient
from rztui.config import Settings
from rztui.demo import dataset as ds
from rztui.demo.webhook_sender import WebhookSender
from rztui.service import Service
from rztui.tui.screens.compare import CompareScreen
from rztui.tui.screens.export import ExportScreen
from rztui.tui.screens.help import HelpScreen
from rztui.tui.screens.search import SearchScreen
from rztui.tui.watch import StatusChange, batch_words, change_words
from rztui.tui.widgets.review_panel import ReviewPanel
from rztui.tui.widgets.transcript import TranscriptPane
from rztui.webhooks import make_event

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

SPEC = ds.SPEC_INTERVIEW_ID
LIVE = ds.LIVE_IDS[0]  # Ava Thompson, Senior Frontend Developer: starts at 8 s, 4 answers
COMPLETED = [i for i in ids_with("completed") if i != SPEC]
INVITED = ids_with("invited")
IN_PROGRESS = ids_with("in_progress")
FRONTEND = [i for i in COMPLETED if ds.snapshot(i, 0.0)["job"]["title"] == "Senior Frontend "
            "Developer"]
POLL_GAP = 400.0  # longer than any interval the poller picks for these interviews


@pytest.fixture
def server(live_server):
    """Dated from now: the poller's manual clock starts now too."""
    return live_server


def make(store, server, ids=(), **kwargs):
    kwargs.setdefault("epoch", server.epoch)  # cached copies dated like the server's
    return make_app(store, server, ids, **kwargs)


def status_text(app) -> str:
    return str(app.main.status_line.render())


def settings(**changes) -> Settings:
    return replace(Settings(), **changes)


async def next_poll(pilot, clock: ManualClock) -> None:
    clock.advance(POLL_GAP)
    await poller_idle(pilot, clock)


async def toast(pilot, text: str) -> None:
    """Status changes are announced after a short batching delay (a quarter second)."""
    await wait_until(pilot, lambda: any(text in n for n in notes(pilot.app)), what=text)


# -- the poller in the app ---------------------------------------------------------------------


async def test_transitions_update_badges_toast_and_ring(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC, LIVE], cache=False, poll_clock=clock,
                   settings=settings(bell=True))
    bells: list[int] = []
    async with app.run_test(size=(140, 40)) as pilot:
        app.bell = lambda: bells.append(1)
        await poller_idle(pilot, clock)
        assert app.main.watcher.poller.watched == [LIVE]  # SPEC is completed: never polled
        line = status_text(app)
        assert "watching 1" in line and "polls 0/50 per min" in line, line
        # One invited interview watched: the 30 s floor (with jitter), as the spec's own loop.
        assert re.search(r"next poll in (2\d|3[0-3])s", line), line
        assert not any("started" in n for n in notes(app))  # first sight is not a change

        server.advance(30)  # Ava started and gave one answer
        await next_poll(pilot, clock)
        assert "in progress" in str(table_of(app).get_cell(LIVE, "status"))
        await toast(pilot, "Ava Thompson started: Senior Frontend Developer")
        assert bells == [1]

        server.advance(ds.LIVE_END_SECONDS)
        await next_poll(pilot, clock)
        await toast(pilot, "Ava Thompson finished: Senior Frontend Developer")
        assert "completed" in str(table_of(app).get_cell(LIVE, "status"))
        assert store.get_questions(LIVE) is not None  # fetched once, for the completed view
        assert bells == [1, 1]
        assert app.main.watcher.poller.watched == []
        assert "nothing to watch" in status_text(app)
        assert app.is_running


async def test_open_in_progress_transcript_grows_without_moving(store, server):
    clock = ManualClock()
    app = make(store, server, [LIVE], poll_clock=clock)
    server.advance(70)  # in progress, three answers so far
    async with app.run_test(size=(110, 22)) as pilot:
        await poller_idle(pilot, clock)
        view = app.main.transcript
        assert app.main.reading.interview.status == "in_progress"
        assert len(app.main.reading.interview.responses) == 3
        assert view.max_scroll_y > 10
        view.focus()
        reading = view._response_first_line[1] + 3  # into the second answer
        view.scroll_to(y=reading, animate=False, immediate=True)
        await pilot.pause()
        lines_before = view.line_count
        top_text = view.render_line(0).text

        server.advance(20)  # the fourth answer arrives
        app.main.watcher.poll_current()  # what the on-screen timer does every FOCUS_POLL_SECONDS
        await poller_idle(pilot, clock)
        assert len(app.main.reading.interview.responses) == 4
        assert "Q4" in doc_text(app)
        assert view.line_count > lines_before
        assert view.scroll_y == reading  # the reader stays where they were
        assert view.render_line(0).text == top_text
        assert "Ava Thompson started" not in "\n".join(notes(app))  # same status: no toast

        # Completed: the header above the answers changes size (the in-progress note goes);
        # the text at the top of the view stays the same.
        server.advance(20)
        app.main.watcher.poll_current()
        await poller_idle(pilot, clock)
        assert app.main.reading.interview.status == "completed"
        assert view.render_line(0).text == top_text


async def test_pause_and_resume_with_p(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC, *INVITED[:2]], cache=True, poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        assert app.main.active_bindings["p"].binding.description == "Pause watch"
        await pilot.press("p")
        await settle(pilot)
        assert app.main.watcher.poller.paused
        assert "watching paused (p resumes)" in status_text(app)
        assert app.main.active_bindings["p"].binding.description == "Resume watch"
        before = server.stats.total_requests
        server.advance(10)
        clock.advance(3 * POLL_GAP)  # everything is due: nothing is sent while paused
        await settle(pilot)
        assert server.stats.total_requests == before
        await pilot.press("p")
        await poller_idle(pilot, clock)
        assert not app.main.watcher.poller.paused
        assert server.stats.total_requests == before + 2
        assert "watching 2" in status_text(app)


async def test_status_line_says_when_the_rate_limit_holds_polls_back(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC, INVITED[0]], cache=True, poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        # Other users of the key have used more than the poller may leave them: it waits for
        # the window to reset rather than take their share.
        app.api.rate.limit, app.api.rate.remaining, app.api.rate.reset = 100, 20, clock.now + 40
        sent = server.stats.total_requests
        app.main.watcher.poller.poke(INVITED[0])
        await settle(pilot)
        app.main.watcher.refresh_stats()
        await pilot.pause()
        assert "next poll in 40s (rate limit)" in status_text(app) or \
            "next poll in 39s (rate limit)" in status_text(app), status_text(app)
        assert server.stats.total_requests == sent
        # `r` is asked for now: it does not wait for the poller's share, it fetches itself.
        table_of(app).move_cursor(row=1)
        await settle(pilot)
        sent = server.stats.total_requests
        await pilot.press("r")
        await settle(pilot)
        assert server.stats.total_requests == sent + 1
        assert "checking now" not in status_text(app)
        clock.advance(41)
        await poller_idle(pilot, clock)
        assert "(rate limit)" not in status_text(app)


async def test_add_and_remove_change_what_is_watched(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC], cache=True, poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        assert app.main.watcher.poller.watched == []
        app.main.tracking.add([INVITED[0], COMPLETED[0]])
        # Tracked (in the add worker, before any request), said for a few seconds.
        await wait_until(pilot, lambda: "tracking 2 new interviews" in status_text(app))
        app.main.status_line.end_flash()
        await settle(pilot)
        await poller_idle(pilot, clock)
        # The completed one needs no watching.
        assert app.main.watcher.poller.watched == [INVITED[0]]
        assert "watching 1" in status_text(app)
        table_of(app).move_cursor(row=table_of(app).visible_ids.index(INVITED[0]))
        await pilot.pause()
        await pilot.press("d", "y")
        await settle(pilot)
        assert app.main.watcher.poller.watched == []


async def test_follows_interviews_tracked_elsewhere(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC], cache=True, poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        store.track([LIVE], source="cli")  # `rztui add` in another terminal
        app.main.fetcher.sync_tracked()  # what the app does every SYNC_SECONDS
        await settle(pilot)
        await poller_idle(pilot, clock)
        assert LIVE in table_of(app).visible_ids
        assert app.main.watcher.poller.watched == [LIVE]
        assert app.main.interview_list.entries[LIVE].status == "invited"  # fetched by it
        store.untrack([SPEC])
        app.main.fetcher.sync_tracked()
        await settle(pilot)
        assert table_of(app).visible_ids == [LIVE]


async def test_r_hands_a_live_interview_to_the_poller(store, server):
    clock = ManualClock()
    app = make(store, server, [LIVE], poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        assert app.main.reading.interview.status == "invited"
        server.advance(30)
        sent = app.main.watcher.poller.requests_total
        await pilot.press("r")  # ("checking now…" until the poller has been: not for long)
        await poller_idle(pilot, clock)
        assert app.main.watcher.poller.requests_total > sent  # the poller fetched it, at once
        await toast(pilot, "Ava Thompson started: Senior Frontend Developer")
        assert app.main.reading.interview.status == "in_progress"
        assert "checking now" not in status_text(app)


async def test_poller_rejected_key_is_handled_like_any_auth_failure(store, server):
    from rztui.tui.screens.error import ErrorScreen
    from rztui.tui.screens.key_entry import KeyEntryScreen

    clock = ManualClock()
    app = make(store, server, [SPEC, INVITED[0]], cache=True, poll_clock=clock,
                   api_key="rz_live_wrongwrongwrong")
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        assert app.screen is app.main  # nothing was due: no request yet
        app.main.watcher.poller.poke(INVITED[0])
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen), what="error")
        assert "401" in str(app.screen.query_one(".dialog-body").render())
        assert status_text(app).startswith("key rejected (401) · ctrl+k enters a new key")
        assert "polling paused" in status_text(app)
        assert not any(n.title == "Error" for n in app._notifications)  # one message, not two
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KeyEntryScreen)
        app.screen.query_one("#key-input", Input).value = ds.DEMO_KEY
        await pilot.press("enter")
        await settle(pilot)
        await poller_idle(pilot, clock)
        assert app.screen is app.main
        assert "watching 1" in status_text(app)  # the same poller, with the new key
        assert "key rejected" not in status_text(app)


def test_change_words_and_hostile_names():
    hostile = "\x1b[2J[@click=app.quit]Eve[/]"
    title, text, severity = change_words(StatusChange("x", "invited", "expired", hostile,
                                                      "Ops\u202e"))
    assert text == "[@click=app.quit]Eve[/]'s invitation expired unanswered: Ops"
    assert (title, severity) == ("Invitation expired", "warning")
    done = StatusChange("x", "in_progress", "completed", hostile, "Ops")
    assert change_words(done)[1].endswith("Eve[/] finished: Ops")
    assert change_words(StatusChange("y", None, "in_progress", "", ""))[:2] == (
        "Now tracking", "y started: no job title")
    many = [StatusChange(f"i{n}", "in_progress", "completed", f"C{n}", "Job")
            for n in range(7)] + [StatusChange("z", "invited", "in_progress", "Z", "Job")]
    title, text, _ = batch_words(many)
    assert title == "8 interviews changed: 7 finished, 1 started"
    assert text.splitlines()[0] == "C0 finished: Job" and text.endswith("… and 3 more")


async def test_a_burst_of_changes_is_one_toast_and_one_bell(store, server):
    ids = ids_with("in_progress")[:2] + INVITED[:3]
    app = make(store, server, [SPEC, *ids], cache=True, settings=settings(bell=True))
    bells: list[int] = []
    async with app.run_test(size=(140, 40)) as pilot:
        app.bell = lambda: bells.append(1)
        await settle(pilot)
        for n, iid in enumerate(ids):  # what a poll after a long weekend looks like
            payload = ds.snapshot(iid, 0.0, epoch=server.epoch)
            payload["status"] = "expired" if n == 0 else "completed"
            store.save_interview(payload)
            app.main.reader.updated(iid)
        await wait_until(pilot, lambda: app._notifications, what="the toast")
        await settle(pilot)
        [note] = list(app._notifications)
        assert note.title == "5 interviews changed: 1 expired, 4 finished"
        assert "finished" in note.message and note.severity == "warning"
        assert bells == [1]


async def test_hostile_name_in_a_toast_is_not_markup(store, server):
    app = make(store, server, [ds.HOSTILE_MARKUP_ID, SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        payload = ds.snapshot(ds.HOSTILE_MARKUP_ID, 0.0, epoch=server.epoch)
        payload["status"] = "expired"
        store.save_interview(payload)
        app.main.reader.updated(ds.HOSTILE_MARKUP_ID)
        await toast(pilot, "[@click=app.quit]Click me[/]")
        assert app.is_running


# -- webhooks ----------------------------------------------------------------------------------


async def test_webhook_listener_pokes_the_poller(store, server, monkeypatch):
    monkeypatch.setenv("ROUNDZERO_WEBHOOK_SECRET", "s3cret-for-tests")
    clock = ManualClock()
    app = make(store, server, [SPEC, LIVE], poll_clock=clock, webhook_listen="127.0.0.1:0")
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        await wait_until(pilot, lambda: app.main.watcher.webhook_receiver is not None,
                         what="receiver")
        host, port = app.main.watcher.webhook_receiver.address
        assert f"webhooks: listening on 127.0.0.1:{port}" in status_text(app)
        server.advance(30)
        sender = WebhookSender(app.main.watcher.webhook_receiver.url, "s3cret-for-tests",
                               max_attempts=1)
        try:
            assert await sender.send(make_event("interview_started", {"id": LIVE}))
        finally:
            await sender.aclose()
        # No clock advance: the poke alone makes the poller fetch it.
        await toast(pilot, "Ava Thompson started")
        assert app.main.watcher.poller.webhooks_live
        await wait_until(pilot, lambda: "1 event" in status_text(app), what="event count")
    assert app.main.watcher.webhook_receiver is None  # closed with the app


async def test_webhook_errors_leave_polling_on(store, server, monkeypatch):
    monkeypatch.delenv("ROUNDZERO_WEBHOOK_SECRET", raising=False)
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    clock = ManualClock()
    try:
        app = make(store, server, [SPEC, INVITED[0]], cache=True, poll_clock=clock,
                       webhook_listen="127.0.0.1:0")
        async with app.run_test(size=(140, 40)) as pilot:
            await poller_idle(pilot, clock)
            await wait_until(pilot, lambda: any("no webhook secret" in n for n in notes(app)),
                             what="the notification")
            assert "ROUNDZERO_WEBHOOK_SECRET" in "\n".join(notes(app))
            assert "polling only" in "\n".join(notes(app))
            assert "webhooks: off" in status_text(app)
            assert app.main.watcher.running and "watching 1" in status_text(app)
    finally:
        keyring.set_keyring(previous)

    monkeypatch.setenv("ROUNDZERO_WEBHOOK_SECRET", "s3cret-for-tests")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        clock = ManualClock()
        app = make(store, server, [], poll_clock=clock, webhook_listen=f"127.0.0.1:{port}")
        async with app.run_test(size=(140, 40)) as pilot:
            await poller_idle(pilot, clock)
            await wait_until(pilot, lambda: any("cannot listen" in n for n in notes(app)),
                             what="the notification")
            assert app.is_running and app.main.watcher.running


async def test_demo_mode_runs_the_whole_webhook_loop(store, server):
    clock = ManualClock()
    app = make(store, server, [LIVE, SPEC], poll_clock=clock, demo=True, demo_server=server)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        await wait_until(pilot, lambda: app.main.watcher.webhook_receiver is not None,
                         what="receiver")
        assert "(demo sender)" in status_text(app)
        server.advance(30)  # the demo sender sees Ava start and posts a signed event
        await toast(pilot, "Ava Thompson started")
        assert app.main.reading.interview.status == "in_progress"


# -- search all, compare -----------------------------------------------------------------------


async def test_ctrl_s_from_the_filter_opens_the_hit_with_terms_found(store, server):
    ids = [COMPLETED[0], *FRONTEND[:3], SPEC]
    app = make(store, server, list(dict.fromkeys(ids)), cache=True)
    hit = search(store, "useReducer").hits[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.reading.id != hit.interview_id
        await pilot.press("slash", *"zzz")  # a filter that hides the hit's interview
        assert table_of(app).row_count == 0
        await pilot.press("ctrl+s")  # priority binding: works from the filter box
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"useReducer")
        await wait_until(pilot, lambda: app.screen.hits, what="hits")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main
        assert app.main.reading.id == hit.interview_id
        assert app.main.interview_list.filter_text == ""  # cleared so the row can be shown
        assert table_of(app).current_id == hit.interview_id
        view = app.main.transcript
        assert view.current_response == hit.response_index
        assert view.search_term == hit.terms[0]
        bi = view.matches[view.match_index][0]
        assert view.doc.blocks[bi].response == hit.response_index
        assert app.focused is view  # n / N go on from here
        assert "useReducer".lower() in view.render_line(
            next(y for y in range(view.size.height)
                 if "usereducer" in view.render_line(y).text.lower())).text.lower()


async def test_m_compares_the_current_answer_and_opens_the_choice(store, server):
    app = make(store, server, [SPEC, *FRONTEND[:3]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.main.transcript.focus()
        await pilot.press("right_square_bracket")  # answer 2 of Jane Smith
        qid = app.main.reading.interview.responses[app.main.transcript.current_response].question_id
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.question_id == qid
        await wait_until(pilot, lambda: screen.comparison is not None, what="answers")
        assert len(screen.answers) >= 2
        other = next(i for i, a in enumerate(screen.answers) if a.interview_id != SPEC)
        screen.query_one(OptionList).highlighted = other
        chosen = screen.answers[other]
        app.main.query_one(TranscriptPane).find("zzz-not-there")  # an earlier find...
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main
        assert app.main.reading.id == chosen.interview_id
        assert app.main.transcript.current_response == chosen.response_index
        assert app.main.transcript.search_term == ""  # ...is closed, not "no matches" here
        assert not app.main.query_one("#search-bar").display


async def test_m_from_the_outline_compares_the_highlighted_question(store, server):
    app = make(store, server, [SPEC, *FRONTEND[:2]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        options = app.main.outline.options
        options.focus()
        options.highlighted = 2  # the custom question
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.question_id == app.main.reading.questions.questions[2].id
        await pilot.press("escape")
        assert app.screen is app.main


# -- export, review, archive -------------------------------------------------------------------


async def test_e_exports_the_selected_one_or_the_filtered_ones(store, server):
    app = make(store, server, [SPEC, *FRONTEND[:2], *COMPLETED[-2:]], cache=True)
    out = store.path.parent / "out"
    out.mkdir()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.ids == [SPEC]
        assert "Export 1 interview: Jane Smith" in str(screen.query_one(".dialog-title").render())
        screen.query_one("#export-path", Input).value = str(out / "one.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.main
        assert (out / "one.csv").read_text(encoding="utf-8").count("Jane Smith") == 2
        assert any("exported 2 row(s) from 1 interview(s)" in n for n in notes(app))

        app.main.interview_list.set_filter_text("frontend")
        await pilot.pause()
        shown = list(table_of(app).visible_ids)
        assert len(shown) == 3
        table_of(app).focus()
        await pilot.press("e")
        screen = app.screen
        assert screen.ids == shown
        title = str(screen.query_one(".dialog-title").render())
        assert "Export 3 shown interviews (filter: “frontend”)" in title
        await pilot.press("escape")
        assert app.screen is app.main


async def test_v_shows_the_review_in_place_of_the_transcript(store, server):
    app = make(store, server, [SPEC, COMPLETED[0], INVITED[0]], cache=True,
                   settings=settings(keywords={"global": ["hooks", "useReducer"]}))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.main.transcript.focus()
        await pilot.press("v")
        await pilot.pause()
        panel = app.main.query_one(ReviewPanel)
        assert panel.display and not app.main.query_one(TranscriptPane).display
        assert not app.main.outline.display  # the review needs the width
        assert app.focused is panel
        body = str(panel.query_one("#review-body").render())
        assert "Jane Smith" in body and "Responses" in body and "useReducer" in body
        table_of(app).focus()
        await pilot.press("down")  # the review follows the list
        await settle(pilot)
        assert panel.review.interview_id == COMPLETED[0]
        await pilot.press("down")
        await settle(pilot)
        assert "Nothing to review yet" in str(panel.query_one("#review-body").render())
        await pilot.press("v")
        await pilot.pause()
        assert not panel.display and app.main.query_one(TranscriptPane).display
        assert app.main.outline.display


async def test_A_archives_the_selected_interviews_audio(store, server):
    app = make(store, server, [COMPLETED[0]])  # fetched: the audio URLs are signed
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        n = len(app.main.reading.interview.responses)
        await pilot.press("A")
        await settle(pilot)
        folder = app.audio_dir() / COMPLETED[0]
        assert len(list(folder.glob("*.wav"))) == n
        assert any(f"{n} downloaded" in m for m in notes(app))
        assert server.stats.audio_with_authorization == 0


async def test_A_renews_urls_whose_audio_host_is_gone(store, server):
    # Cached by an earlier run whose audio host is no longer there (a new demo server).
    payload = ds.snapshot(COMPLETED[0], 0.0, epoch=server.epoch,
                          audio_url=lambda i, q: f"http://127.0.0.1:9/audio/{i}/{q}.wav")
    store.track([COMPLETED[0]])
    store.save_interview(payload)
    app = make(store, server, [COMPLETED[0]])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        n = len(app.main.reading.interview.responses)
        await pilot.press("A")
        await settle(pilot)
        assert len(list((app.audio_dir() / COMPLETED[0]).glob("*.wav"))) == n
        assert any(f"{n} downloaded" in m for m in notes(app))


async def test_A_reports_a_hostile_audio_url_and_archives_the_rest(store, server):
    # One answer's audio URL carries CR/LF; before, the worker died on httpx's InvalidURL and
    # the toast said nothing of the other answers (none were archived after it).
    iid = COMPLETED[0]
    async with ApiClient(server.base_url, ds.DEMO_KEY) as api:
        raw = copy.deepcopy((await Service(store, api).interview(iid)).raw)
    raw["responses"][0]["audio_url"] += "\r\nX-Injected: 1"
    store.save_interview(raw)
    app = make(store, server, [iid])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        n = len(app.main.reading.interview.responses)
        await pilot.press("A")
        await settle(pilot)
        assert len(list((app.audio_dir() / iid).glob("*.wav"))) == n - 1
        toast_text = next(m for m in notes(app) if "downloaded" in m)
        assert f"{n - 1} downloaded" in toast_text and "1 failed" in toast_text
        assert "Q1: audio URL" in toast_text
        assert app.is_running and app.screen is app.main


async def test_auto_archive_when_the_poller_sees_completion(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC, LIVE], poll_clock=clock,
                   settings=settings(auto_archive=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        server.advance(ds.LIVE_END_SECONDS + 5)
        await next_poll(pilot, clock)
        folder = app.audio_dir() / LIVE
        await wait_until(pilot, lambda: len(list(folder.glob("*.wav"))) == 4, what="audio")
        await toast(pilot, "Auto-archived Ava Thompson: 4 downloaded")


# -- help, footer, palette, CLI ----------------------------------------------------------------


async def test_help_footer_and_palette_have_the_new_actions(store, server):
    clock = ManualClock()
    app = make(store, server, [SPEC], cache=True, poll_clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await poller_idle(pilot, clock)
        shown = {b.binding.description for b in app.main.active_bindings.values()
                 if b.binding.show}
        for words in ("Search all", "Compare", "Review", "Export", "Pause watch"):
            assert words in shown, words
        titles = [c.title for c in app.get_system_commands(app.main)]
        for title in ("Search all interviews", "Compare answers", "Review summary", "Export…",
                      "Export shown interviews", "Archive audio", "Pause watching"):
            assert title in titles, title
        command = next(c for c in app.get_system_commands(app.main)
                       if c.title == "Pause watching")
        command.callback()
        await settle(pilot)
        assert app.main.watcher.poller.paused
        assert "Resume watching" in [c.title for c in app.get_system_commands(app.main)]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body").render())
        for words in ("Search all", "Compare", "Review", "Export", "Archive audio",
                      "Pause watch / Resume watch", "Copy all", "all shown if filtered"):
            assert words in text, words


def test_cli_webhook_listen_reaches_the_app(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from rztui import cli
    from rztui.cli import group
    from rztui.tui import launch as launch_mod

    seen: list = []
    monkeypatch.setenv("RZTUI_HOME", str(tmp_path))
    monkeypatch.setattr(launch_mod, "launch", lambda ctx: seen.append(ctx.webhook_listen))
    # CliRunner's streams are not terminals; off a terminal bare `rztui` lists instead.
    monkeypatch.setattr(group, "isatty", lambda stream: True)
    runner = CliRunner()
    assert runner.invoke(cli.main, ["--webhook-listen", "127.0.0.1:8123"]).exit_code == 0
    assert seen == ["127.0.0.1:8123"]
    bad = runner.invoke(cli.main, ["--webhook-listen", "nonsense"])
    assert bad.exit_code == 2 and "HOST:PORT" in bad.output
    assert seen == ["127.0.0.1:8123"]


def test_demo_launch_gives_the_app_its_server(monkeypatch, tmp_path, store):
    from rztui.config import Paths
    from rztui.tui import app as app_mod
    from rztui.tui.launch import launch

    got: dict = {}

    def fake_run(self):
        got.update(server=self.demo_server, listen=self.main.watcher.options.webhook_listen,
                   audio=self.audio_dir(), base=self.base_url,
                   server_url=self.demo_server.base_url)

    monkeypatch.setattr(app_mod.RZApp, "run", fake_run)
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "k")
    ctx = SimpleNamespace(demo=True, store=store, settings=Settings(), paths=paths,
                          webhook_listen=None, base_url="unused",
                          audio_dir=paths.data_dir / "demo-audio")
    launch(ctx)
    assert got["server"] is not None and got["base"] == got["server_url"]
    assert got["audio"] == tmp_path / "d" / "demo-audio"  # the context's choice is used
    assert got["server"]._api is None  # stopped when the app returned
    assert set(ds.ALL_IDS) <= set(store.tracked_ids())


@pytest.mark.parametrize("width", [60, 140])
async def test_status_line_drops_the_least_important_parts_to_fit(store, server, width):
    clock = ManualClock()
    app = make(store, server, [SPEC, *INVITED[:2]], cache=True, poll_clock=clock)
    async with app.run_test(size=(width, 24)) as pilot:
        await poller_idle(pilot, clock)
        line = status_text(app).rstrip()
        assert len(line) <= width - 2
        assert line.startswith("not synced yet · watching 2 · next poll in ")
        assert ("polls 0/50 per min" in line) == (width == 140)
