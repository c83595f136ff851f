"""Deciding about candidates in the app: rate (*), note (w), shortlist (+), what is new since
you looked (u), and listening to an answer (P). Pilot over the real demo server and a real
SQLite store; a fake player on PATH records what it is given."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from textual.widgets import TextArea
from tui_conftest import doc_text, ids_with, make_app, settle, table_of, wait_until

from rztui.demo import dataset as ds
from rztui.tui import clipboard
from rztui.tui.evaluate import Evaluator
from rztui.tui.screens.evaluate import NoteScreen, RateScreen
from rztui.tui.widgets.transcript import TranscriptView

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

SPEC = ds.SPEC_INTERVIEW_ID
COMPLETED = [i for i in ids_with("completed") if i != SPEC]


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard, "system_copy", lambda _text: (True, None))
    monkeypatch.setattr(Evaluator, "LOOKED_SECONDS", 0.2)


def status_text(app) -> str:
    return str(app.main.status_line.render())


async def test_rate_the_interview_from_the_list(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:2]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("asterisk")
        await settle(pilot)
        assert isinstance(app.screen, RateScreen)
        assert "Rate Jane Smith" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("4")
        await wait_until(pilot, lambda: store.evaluation(SPEC).rating == 4)
        await settle(pilot)
        assert "★★★★☆ 4/5" in doc_text(app)
        assert "Jane Smith: rated 4/5" in status_text(app)
        # Escape cancels: nothing changes.
        await pilot.press("asterisk")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert store.evaluation(SPEC).rating == 4
        # 0 removes it.
        await pilot.press("asterisk", "0")
        await wait_until(pilot, lambda: store.evaluation(SPEC).rating is None)
        await settle(pilot)
        assert "4/5" not in doc_text(app)


async def test_rate_the_current_answer_from_the_transcript(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the transcript has the focus
        await settle(pilot)
        assert isinstance(app.focused, TranscriptView)
        await pilot.press("right_square_bracket")  # the second answer
        await settle(pilot)
        assert app.main.transcript.current_response == 1
        await pilot.press("asterisk")
        await settle(pilot)
        assert "Rate Q2 of Jane Smith" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("5")
        q2 = app.main.reading.interview.responses[1].question_id
        await wait_until(pilot, lambda: store.evaluation(SPEC).answer_ratings == {q2: 5})
        await settle(pilot)
        assert store.evaluation(SPEC).rating is None  # the answer, not the interview
        assert "★★★★★ 5/5" in doc_text(app)
        assert "answers 5.0 on average (1 rated)" in doc_text(app)


async def test_note_kept_as_written_and_shown_as_text(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        area = app.screen.query_one(TextArea)
        area.insert("Strong on [bold]hooks[/bold].\nAsk about testing.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: store.evaluation(SPEC).note != "")
        await settle(pilot)
        assert store.evaluation(SPEC).note == "Strong on [bold]hooks[/bold].\nAsk about testing."
        text = doc_text(app)
        assert "Strong on [bold]hooks[/bold]." in text and "Ask about testing." in text
        # Editing starts from the note; emptying it removes it.
        await pilot.press("w")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text.startswith("Strong on")
        app.screen.query_one(TextArea).clear()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: store.evaluation(SPEC).note == "")


async def test_shortlist_on_and_off(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:2]], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await wait_until(pilot, lambda: store.shortlisted_ids() == [SPEC])
        await settle(pilot)
        assert "shortlisted" in doc_text(app)
        assert "on the shortlist (1 interview on it)" in status_text(app)
        await pilot.press("plus")
        await wait_until(pilot, lambda: store.shortlisted_ids() == [])


async def test_new_since_you_looked(store, server):
    ids = [SPEC, *COMPLETED[:3]]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        # Every completed one is new until looked at; the first is on screen: it counts once
        # it has been there for a moment.
        await wait_until(pilot, lambda: "3 new (u)" in status_text(app), what="3 new")
        index = app.main.interview_list.index
        assert not index.new[index.pos[SPEC]] and index.new_count == 3
        await pilot.press("u")
        await settle(pilot)
        assert table_of(app).current_id == ids[1]
        await wait_until(pilot, lambda: "2 new (u)" in status_text(app), what="2 new")
        assert store.evaluation(ids[1]).opened_at is not None
        await pilot.press("u")
        await wait_until(pilot, lambda: "1 new (u)" in status_text(app), what="1 new")
        assert [i for i in ids if index.new[index.pos[i]]] == [ids[3]]
        await pilot.press("u")
        await wait_until(pilot, lambda: index.new_count == 0, what="none new")
        await settle(pilot)
        assert "new (u)" not in status_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert "nothing new since you last looked" in status_text(app)


async def test_moving_down_the_list_is_not_reading(store, server, monkeypatch):
    monkeypatch.setattr(Evaluator, "LOOKED_SECONDS", 5.0)
    ids = [SPEC, *COMPLETED[:3]]
    app = make_app(store, server, ids, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert all(store.evaluation(i).opened_at is None for i in ids)


@pytest.fixture
def player_log(fake_mpv: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROUNDZERO_API_KEY", ds.DEMO_KEY)  # the player must not see it
    return fake_mpv


async def test_p_plays_the_current_answer_and_p_stops(store, server, player_log):
    app = make_app(store, server, [SPEC])  # fetched from the server: fresh audio URLs
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.reading.interview is not None)
        await pilot.press("enter", "right_square_bracket")
        await settle(pilot)
        await pilot.press("P")
        await wait_until(pilot, lambda: app.main.listening.playing, what="playing")
        deadline = time.monotonic() + 10
        while not player_log.exists() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        seen = json.loads(player_log.read_text().splitlines()[0])
        url = app.main.reading.interview.responses[1].audio_url
        assert seen["argv"][-2:] == ["--", url]
        assert "ROUNDZERO_API_KEY" not in seen["env"]
        assert "▶ Q2 of Jane Smith · mpv · P stops" in status_text(app)
        playback = app.main.listening.playback
        await pilot.press("P")
        await wait_until(pilot, lambda: not playback.running(), what="stopped")
        await settle(pilot)
        assert "▶" not in status_text(app)


async def test_p_without_a_player_says_what_to_install(store, server, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run
    app = make_app(store, server, [SPEC])
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.main.reading.interview is not None)
        await pilot.press("P")
        await settle(pilot)
        assert not app.main.listening.playing
        messages = [str(n.message) for n in app._notifications]
        assert any("no audio player found" in m and "mpv" in m for m in messages), messages


async def test_help_lists_the_new_keys(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = " ".join(str(w.render()) for w in app.screen.query("*"))
        for words in ("Rate", "Note", "Shortlist", "Next new", "Play answer"):
            assert words in text, words


async def test_review_shows_your_rating_and_the_answers_average(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    q1 = ds.SPEC_INTERVIEW["responses"][0]["question_id"]
    store.set_rating(SPEC, 3)
    store.set_rating(SPEC, 5, question_id=q1)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        from rztui.tui.widgets.review_panel import ReviewPanel

        panel = app.main.query_one(ReviewPanel)
        assert panel.review is not None and panel.review.rating == 3
        text = " ".join(str(w.render()) for w in panel.query("*"))
        assert "Your rating" in text and "answers 5.0 on average (1 of 2 rated)" in text
        # Rating from the review updates it.
        await pilot.press("asterisk", "5")
        await wait_until(pilot, lambda: panel.review.rating == 5, what="the review updated")
