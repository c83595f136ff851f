"""Compare answers: the same question across tracked candidates, sorting, resolving the CLI's
argument, and the TUI compare screen (real Store on a temp file, demo dataset)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import OptionList, Static

import rztui.tui.clipboard
from rztui.answers.compare import (
    CompareError,
    QuestionNotFound,
    compare,
    format_text,
    resolve,
    sort_answers,
    to_json,
)
from rztui.demo import dataset as ds
from rztui.tui.screens.compare import CompareChoice, CompareScreen

HOOKS_QID = "880h1733-h52e-74g7-d049-779988773333"
HOOKS_TEXT = "Describe your experience with React hooks and when you would use them."
FRONTEND = "Senior Frontend Developer"


def interview(iid: str, name: str, job: str, answers: list[tuple[str, str, str, float | None]],
              status: str = "completed") -> dict:
    """answers: (question_id, question_text, transcript, duration)."""
    return {
        "id": iid, "status": status, "job": {"title": job},
        "candidate": {"name": name},
        "responses": [
            {"question_id": q, "question_text": t, "transcript": a, "duration_seconds": d}
            for q, t, a, d in answers
        ],
    }


def expected_hooks_answers() -> set[str]:
    out = set()
    for iid in ds.ALL_IDS:
        snap = ds.snapshot(iid, ds.LIVE_END_SECONDS + 1)
        if any(r["question_id"] == HOOKS_QID for r in snap.get("responses", [])):
            out.add(iid)
    return out


# --------------------------------------------------------------------------- finding answers


def test_compare_by_id_finds_every_tracked_answer(demo_store):
    c = compare(demo_store, question_id=HOOKS_QID)
    assert {a.interview_id for a in c.answers} == expected_hooks_answers()
    assert len(c.answers) >= 5
    assert c.question_text == HOOKS_TEXT and c.job_title == FRONTEND
    jane = next(a for a in c.answers if a.interview_id == ds.SPEC_INTERVIEW_ID)
    assert jane.candidate == "Jane Smith" and jane.duration_seconds == 145
    assert jane.transcript == ds.SPEC_INTERVIEW["responses"][0]["transcript"]
    assert jane.chars == len(jane.transcript) and jane.words == 83
    yamada = next(a for a in c.answers if a.candidate == "山田 花子")
    assert yamada.summary().endswith(" chars") and yamada.words >= yamada.chars * 0.8
    # invited / expired frontend candidates were asked (their question lists say so)
    assert c.not_answered and all(w.status in ("invited", "expired") for w in c.not_answered)


def test_same_text_within_the_same_job_matches_across_ids(store):
    store.track(["a", "b", "c", "d"])
    store.save_interview(interview("a", "Ann", "Go Dev", [("c-1", "Why us?", "Because A", 10)]))
    store.save_interview(interview("b", "Bob", "go  dev", [("c-2", "  WHY   us? ", "B!", 20)]))
    store.save_interview(interview("c", "Cy", "Designer", [("c-3", "Why us?", "Other job", 5)]))
    store.save_interview(interview("d", "Di", "Go Dev", [("c-4", "Why them?", "no", 5)]))
    c = compare(store, question_id="c-1", question_text="Why us?", job_title="Go Dev")
    assert sorted(a.interview_id for a in c.answers) == ["a", "b"]
    # Given only the id, the text and job come from the answers that carry it.
    assert sorted(a.interview_id for a in compare(store, question_id="c-2").answers) == ["a", "b"]
    # Untracked interviews take no part.
    store.untrack(["b"])
    assert [a.interview_id for a in compare(store, question_id="c-1").answers] == ["a"]


def test_sorting(store):
    store.track(["a", "b", "c"])
    store.save_interview(interview("a", "zoe", "J", [("q", "Q?", "x" * 50, 30)]))
    store.save_interview(interview("b", "Adam", "J", [("q", "Q?", "x" * 10, None)]))
    store.save_interview(interview("c", "Émile", "J", [("q", "Q?", "x" * 90, 60)]))
    answers = compare(store, question_id="q").answers

    def names(by, reverse=False):
        return [a.candidate for a in sort_answers(answers, by, reverse=reverse)]

    assert names("candidate") == ["Adam", "zoe", "Émile"]
    assert names("candidate", True) == ["Émile", "zoe", "Adam"]
    assert names("duration") == ["Émile", "zoe", "Adam"]  # longest first, no duration last
    assert names("duration", True) == ["zoe", "Émile", "Adam"]
    assert names("length") == ["Émile", "zoe", "Adam"]
    assert names("length", True) == ["Adam", "zoe", "Émile"]
    with pytest.raises(ValueError):
        sort_answers(answers, "rank")


def test_resolve_the_cli_argument(demo_store):
    assert resolve(demo_store, HOOKS_QID).question_text == HOOKS_TEXT
    assert resolve(demo_store, "  describe YOUR experience with react hooks and when you would "
                               "use them.  ").job_title == FRONTEND
    assert resolve(demo_store, "challenging bug").question_text.startswith("Tell me about a ch")
    with pytest.raises(CompareError) as info:
        resolve(demo_store, "bug")  # "challenging bug" and "debug a page"
    assert info.value.exit_code == 2 and len(info.value.choices) == 2
    with pytest.raises(CompareError, match="--job") as info:
        resolve(demo_store, "Why do you want to work at our company?")
    assert len({c.job for c in info.value.choices}) > 1
    c = resolve(demo_store, "Why do you want to work at our company?", job_contains="design")
    assert c.job_title == "Product Designer"
    with pytest.raises(QuestionNotFound) as missing:
        resolve(demo_store, "no such question anywhere")
    assert missing.value.exit_code == 3
    with pytest.raises(CompareError):
        resolve(demo_store, "   ")


def test_hostile_text_in_outputs(demo_store):
    c = resolve(demo_store, "Why us")  # the hostile custom question "[@click=app.quit]Why us?[/]"
    assert c.question_text.startswith("[@click=app.quit]")
    text = format_text(c)
    assert "[@click=app.quit]Why us?[/]" in text and "\x1b" not in text
    data = to_json(c)
    assert data["answers"][0]["transcript"] == c.answers[0].transcript
    term = compare(demo_store, question_id=ds.snapshot(ds.HOSTILE_TERMINAL_ID)["responses"][0][
        "question_id"])
    shown = format_text(term)
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
    assert any("\x1b" in a.transcript for a in term.answers)  # the data itself is kept


# --------------------------------------------------------------------------- the TUI screen


class Harness(App):
    def __init__(self, make) -> None:
        super().__init__()
        self.make = make
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


async def loaded(pilot) -> CompareScreen:
    for _ in range(100):
        screen = pilot.app.screen
        if isinstance(screen, CompareScreen) and screen.comparison is not None:
            return screen
        await pilot.pause(0.05)
    raise AssertionError("compare did not load")


@pytest.fixture
def no_system_clipboard(monkeypatch):
    monkeypatch.setattr(rztui.tui.clipboard, "system_copy", lambda text: (False, "test"))


@pytest.mark.slow
async def test_compare_screen_shows_every_candidate_and_sorts(demo_store, no_system_clipboard):
    app = Harness(lambda: CompareScreen(demo_store, HOOKS_QID, HOOKS_TEXT, FRONTEND))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        n = len(expected_hooks_answers())
        assert len(screen.answers) == n
        head = str(screen.query_one("#cmp-head", Static).render())
        assert f"{n} answers" in head and "sorted by candidate" in head
        by_name = [a.candidate for a in screen.answers]
        assert by_name == sorted(by_name, key=str.casefold)

        await pilot.press("s")  # duration, longest first
        durations = [a.duration_seconds for a in screen.answers]
        assert durations == sorted(durations, reverse=True)
        assert "sorted by duration" in str(screen.query_one("#cmp-head", Static).render())
        await pilot.press("s")  # length, longest first
        assert [a.chars for a in screen.answers] == sorted((a.chars for a in screen.answers),
                                                           reverse=True)
        await pilot.press("S")  # reverse, as in the interview list
        assert [a.chars for a in screen.answers] == sorted(a.chars for a in screen.answers)

        # The current answer stays current across a re-sort.
        await pilot.press("j", "j")
        current = screen.current
        await pilot.press("s")
        assert screen.current == current

        await pilot.press("c")
        await pilot.pause()
        assert current.transcript.strip() in app.clipboard
        assert app.clipboard.startswith(current.candidate)
        await pilot.press("C")
        await pilot.pause()
        assert all(a.transcript.strip() in app.clipboard for a in screen.answers)

        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [CompareChoice(current.interview_id, current.question_id,
                                         current.response_index)]


async def test_compare_screen_double_click_opens(demo_store):
    app = Harness(lambda: CompareScreen(demo_store, HOOKS_QID, HOOKS_TEXT, FRONTEND))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.click(OptionList, offset=(3, 0))
        await pilot.pause()
        assert app.results == [] and screen.current is screen.answers[0]
        await pilot.click(OptionList, offset=(3, 0), times=2)
        await pilot.pause()
    assert app.results and app.results[0].interview_id == screen.answers[0].interview_id


async def test_compare_screen_hostile_text_stays_literal(demo_store, no_system_clipboard):
    qid = next(r["question_id"] for r in ds.snapshot(ds.HOSTILE_MARKUP_ID)["responses"]
               if r["question_text"].startswith("[@click"))
    text = "[@click=app.quit]Why us?[/] [bold red]x[/]"
    app = Harness(lambda: CompareScreen(demo_store, qid, text, "Product Designer"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await loaded(pilot)
        head = str(screen.query_one("#cmp-head", Static).render())
        assert "[@click=app.quit]Why us?[/] [bold red]x[/]" in head
        prompt = screen.query_one(OptionList).get_option_at_index(0).prompt
        assert prompt.plain.startswith("▍[@click=app.quit]Click me[/] [bold red]x[/]")
        await pilot.click("#cmp-head", offset=(3, 1))  # where a [@click] would be live
        await pilot.click(OptionList, offset=(2, 0))  # a click makes it current, no more
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_compare_screen_escape_terminal_text_and_no_answers(store, no_system_clipboard):
    store.track(["t", "w"])
    store.save_interview(interview("t", "\x1b[31mEve\x1b[0m", "Ops",
                                   [("q", "Q\x1b]0;pwned\x07?", "a\x1b[2Jb\u202ec", 5)]))
    app = Harness(lambda: CompareScreen(store, "q", None, None))
    async with app.run_test() as pilot:
        screen = await loaded(pilot)
        plain = screen.query_one(OptionList).get_option_at_index(0).prompt.plain
        assert "Eve" in plain and "abc" in plain
        assert "\x1b" not in plain and "\u202e" not in plain
        await pilot.press("escape")
    app = Harness(lambda: CompareScreen(store, "nothing", "Nobody asked this?", "Ops"))
    async with app.run_test() as pilot:
        screen = await loaded(pilot)
        assert screen.answers == []
        assert "Nobody tracked" in screen.query_one(OptionList).get_option_at_index(0).prompt.plain
        await pilot.press("c", "C", "enter", "s")  # nothing to act on: no crash
        await pilot.pause()
        assert app.is_running


# --------------------------------------------------------------------------- ratings


@pytest.fixture
def rated_store(tmp_path):
    from rztui.store import Store

    s = Store(tmp_path / "rz.db")
    ids = sorted(expected_hooks_answers())
    s.track(ids)
    for iid in ids:
        s.save_interview(ds.snapshot(iid, ds.LIVE_END_SECONDS + 1))
    yield s
    s.close()


def test_answers_carry_the_users_rating_and_sort_by_it(rated_store):
    ids = sorted(expected_hooks_answers())
    rated_store.set_rating(ids[0], 2, question_id=HOOKS_QID)
    rated_store.set_rating(ids[1], 5, question_id=HOOKS_QID)
    rated_store.set_rating(ids[1], 1)  # the interview's own rating is not the answer's
    c = compare(rated_store, question_id=HOOKS_QID)
    by_id = {a.interview_id: a for a in c.answers}
    assert by_id[ids[0]].rating == 2 and by_id[ids[1]].rating == 5
    assert by_id[ids[2]].rating is None
    assert "rated 5/5" in by_id[ids[1]].summary()
    order = [a.rating for a in sort_answers(c.answers, "rating")]
    assert order[:2] == [5, 2] and set(order[2:]) == {None}
    order = [a.rating for a in sort_answers(c.answers, "rating", reverse=True)]
    assert order[:2] == [2, 5] and set(order[2:]) == {None}  # unrated stay last
    assert to_json(c)["answers"][0]["rating"] in (2, 5, None)


async def test_rate_answers_in_the_compare_screen(rated_store):
    app = Harness(lambda: CompareScreen(rated_store, HOOKS_QID, HOOKS_TEXT, FRONTEND))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("j")
        current = screen.current
        await pilot.press("4")
        for _ in range(50):
            if screen.current is not None and screen.current.rating == 4:
                break
            await pilot.pause(0.05)
        assert screen.current.interview_id == current.interview_id  # it stays current
        assert screen.current.rating == 4
        assert rated_store.evaluation(current.interview_id).answer_ratings == {HOOKS_QID: 4}
        assert "rated 4/5" in str(screen.query_one(OptionList).get_option_at_index(
            screen.query_one(OptionList).highlighted).prompt)
        await pilot.press("0")
        for _ in range(50):
            if screen.current.rating is None:
                break
            await pilot.pause(0.05)
        assert rated_store.evaluation(current.interview_id).answer_ratings == {}
