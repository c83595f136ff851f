"""The TUI's export dialog and review panel over rztui.files.export and rztui.answers.review
(demo server)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Checkbox, Input, Select, Static

from rztui.demo.dataset import HOSTILE_CSV_ID, HOSTILE_IDS, SPEC_INTERVIEW_ID
from rztui.tui.screens.export import ExportScreen

SPEC_ID = SPEC_INTERVIEW_ID
RISKY = ("\x1b", "\x9b", "\x07", "\x00", "\u202e", "\u2067")


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


class _Harness(App):
    """Pushes one screen and keeps what it was dismissed with."""

    def __init__(self, screen) -> None:
        super().__init__()
        self._screen = screen
        self.dismissed: list = []

    def on_mount(self) -> None:
        self.push_screen(self._screen, self.dismissed.append)


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_export_screen_writes_and_dismisses(svc, tmp_path):
    screen = ExportScreen([SPEC_ID, HOSTILE_CSV_ID], lambda: svc, directory=tmp_path)
    app = _Harness(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        path = Path(screen.query_one("#export-path", Input).value)
        assert path.parent == tmp_path and path.suffix == ".csv"
        screen.query_one("#export-format", Select).value = "jsonl"
        await pilot.pause()
        assert screen.query_one("#export-path", Input).value.endswith(".jsonl")
        assert screen.query_one("#export-excel", Checkbox).disabled
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    [result] = app.dismissed
    assert result.ok and result.path == path.with_suffix(".jsonl")
    ids = [json.loads(line)["id"] for line in result.path.read_text().splitlines()]
    assert ids == [SPEC_ID, HOSTILE_CSV_ID]


async def test_export_screen_lists_failures_and_guards_overwrite(svc, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    screen = ExportScreen([SPEC_ID, "no-such-interview"], lambda: svc, directory=tmp_path)
    app = _Harness(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        status = screen.query_one("#export-status", Static)
        assert "exists" in str(status.render()) and target.read_text() == "old"
        await pilot.press("ctrl+s")  # again: replace it
        await _settle(app, pilot)
        text = str(screen.query_one("#export-status", Static).render())
        assert "no-such-interview" in text and "not found" in text
        assert app.dismissed == []  # stays open so the failures can be read
        await pilot.press("ctrl+s")  # Close
        await pilot.pause()
    [result] = app.dismissed
    assert result.exported == [SPEC_ID] and set(result.failures) == {"no-such-interview"}
    assert read_csv(target)[1][0] == SPEC_ID


async def test_export_screen_bad_path_and_cancel(svc, tmp_path):
    screen = ExportScreen([SPEC_ID], lambda: svc, directory=tmp_path)
    app = _Harness(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        screen.query_one("#export-path", Input).value = str(tmp_path / "nope" / "x.csv")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "does not exist" in str(screen.query_one("#export-status", Static).render())
        await pilot.press("escape")
        await pilot.pause()
    assert app.dismissed == [None]


async def test_review_panel_renders_hostile_text_literally(svc):
    from rztui.answers.review import review_interview
    from rztui.tui.widgets.review_panel import ReviewPanel, review_content

    for iid in HOSTILE_IDS:
        iv = await svc.interview(iid)
        content = review_content(review_interview(iv, ["[bold]x[/]", "go"]))
        assert not any(ch in content.plain for ch in RISKY)
    markup = review_content(review_interview(await svc.interview(HOSTILE_IDS[0])))
    assert markup.plain.startswith("[@click=app.quit]Click me[/] [bold red]x[/]")

    panel = ReviewPanel()

    class PanelApp(App):
        def compose(self):
            yield panel

    app = PanelApp()
    async with app.run_test(size=(100, 40)) as pilot:
        body = panel.query_one("#review-body", Static)
        assert "No interview selected" in str(body.render())
        panel.show(review_interview(await svc.interview(HOSTILE_IDS[0])))
        await pilot.pause()
        shown = str(body.render())
        assert "[@click=app.quit]Click me[/]" in shown and "Keywords" in shown
        panel.show(None, message="Not completed yet.")
        await pilot.pause()
        assert "Not completed yet." in str(body.render())
    assert app.return_code in (None, 0)  # the markup in the name did not quit the app


async def test_export_screen_writes_into_a_stream_without_asking(svc, tmp_path):
    """/dev/null (or a FIFO) is written into, never "replaced": no "exists" question."""
    screen = ExportScreen([SPEC_ID], lambda: svc, directory=tmp_path)
    app = _Harness(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        screen.query_one("#export-path", Input).value = "/dev/null"
        await pilot.pause()
        assert "pipe or device" in str(screen.query_one("#export-target", Static).render())
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    [result] = app.dismissed
    assert result.ok and result.path == Path("/dev/null")


@pytest.mark.slow
async def test_export_enter_typed_ahead_waits_for_the_path(svc, tmp_path):
    """Enter right after the dialog opens does not export; the default folder is made 0700
    on the first export and the full path is shown."""
    folder = tmp_path / "data" / "exports"
    screen = ExportScreen([SPEC_ID], lambda: svc, directory=folder)
    app = _Harness(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.dismissed == [] and not folder.exists()
        assert "Check the path" in str(screen.query_one("#export-status", Static).render())
        path = Path(screen.query_one("#export-path", Input).value)
        assert str(path) in str(screen.query_one("#export-target", Static).render())
        await pilot.pause(0.5)
        await pilot.press("enter")
        await _settle(app, pilot)
    [result] = app.dismissed
    assert result.ok and result.path == path and path.parent == folder
    assert folder.stat().st_mode & 0o777 == 0o700
