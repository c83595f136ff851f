"""The TUI survives one interview it cannot draw (issue 20, item 1): a payload cached before the
gate refused it, or any exception while rendering, shows "cannot show this interview: <reason>"
in the pane (as data, never markup) and the rest of the app keeps working; an exception nothing
handles ends the app with exit 1, not 0."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from textual.app import App
from tui_conftest import doc_text, make_app, settle, table_of

from rztui.api.models import Interview
from rztui.demo import dataset as ds
from rztui.tui import launch, reader, reviewing
from rztui.tui.widgets.review_panel import ReviewPanel

SPEC = "660f9511-f30c-52e5-b827-557766551111"
COMPLETED = [i for i in ds.ALL_IDS if i != SPEC and ds.snapshot(i, 0.0) is not None
             and ds.snapshot(i, 0.0)["status"] == "completed"]


def poison(store, iid: str) -> None:
    """Cache ``iid`` with a duration of 10**400, as a version before the gate did (the model
    built without its checks)."""
    payload = copy.deepcopy(ds.snapshot(iid, 0.0))
    payload["responses"][0]["duration_seconds"] = 10**400
    good = Interview.from_api(ds.snapshot(iid, 0.0))
    first = replace(good.responses[0], duration_seconds=10**400)
    store.save_interview(replace(good, responses=(first, *good.responses[1:]), raw=payload))


async def test_a_poisoned_first_row_does_not_stop_the_app(store):
    app = make_app(store, None, [SPEC, COMPLETED[0]], api_key=None, cache=True)
    poison(store, SPEC)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.reading.id == SPEC
        assert "Jane Smith" not in doc_text(app)  # refused by the gate, not drawn
        table_of(app).move_cursor(row=1)  # the next row: the app goes on
        await settle(pilot)
        assert app.main.reading.id == COMPLETED[0]
        assert app.main.transcript.doc.kind != "error"
    assert app.return_code in (0, None)


async def test_any_exception_while_drawing_is_shown_in_the_pane(store, monkeypatch):
    real = reader.build_doc

    def build_doc(interview, *args, **kwargs):
        if interview.id == SPEC:
            raise OverflowError("[bold red]int too large[/] to convert")
        return real(interview, *args, **kwargs)

    monkeypatch.setattr(reader, "build_doc", build_doc)
    app = make_app(store, None, [SPEC, COMPLETED[0]], api_key=None, cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.reading.id == SPEC
        assert app.main.transcript.doc.kind == "error"
        assert ("cannot show this interview: [bold red]int too large[/] to convert"
                in doc_text(app))  # literally: data, not markup
        table_of(app).move_cursor(row=1)  # the next row: the app goes on
        await settle(pilot)
        assert app.main.reading.id == COMPLETED[0]
        assert app.main.transcript.doc.kind != "error"
    assert app.return_code in (0, None)


async def test_an_exception_in_the_review_is_shown_in_the_panel(store, server, monkeypatch):
    def review_interview(*_args, **_kwargs):
        raise ValueError("[b]no[/b]")

    import rztui.answers.review as review_module

    monkeypatch.setattr(review_module, "review_interview", review_interview)
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        panel = app.main.query_one(ReviewPanel)
        assert "cannot show this interview: [b]no[/b]" in panel._message
    assert app.return_code in (0, None)
    assert reviewing  # the helper that catches it


class Crashing(App[None]):
    def on_mount(self) -> None:
        raise RuntimeError("boom")


def test_an_unhandled_exception_exits_1_with_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        launch.run_app(Crashing(), headless=True)
    assert info.value.code == 1
    assert "rztui: error: the app stopped on an unexpected error" in capsys.readouterr().err
