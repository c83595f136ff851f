"""Batch export (rztui.export) against the demo server: CSV, JSON, JSONL, partial failure."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Checkbox, Input, Select, Static

from rztui import export as export_mod
from rztui.api.errors import CredentialsError, InvalidId, NotFound
from rztui.demo.dataset import HOSTILE_CSV_ID, HOSTILE_IDS, SPEC_INTERVIEW_ID
from rztui.export import ExportError, export_interviews, write_interviews
from rztui.formats import CSV_COLUMNS, csv_rows
from rztui.service import Service
from rztui.tui.screens.export import ExportScreen

SPEC_ID = SPEC_INTERVIEW_ID
RISKY = ("\x1b", "\x9b", "\x07", "\x00", "\u202e", "\u2067")


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


async def test_csv_round_trips_hostile_text(svc, tmp_path):
    out = tmp_path / "out.csv"
    result = await export_interviews(svc, [SPEC_ID, *HOSTILE_IDS], "csv", out)
    assert result.ok and result.written and result.exported == [SPEC_ID, *HOSTILE_IDS]

    rows = read_csv(out)
    assert rows[0] == CSV_COLUMNS
    expected: list[list[str]] = []
    for iid in [SPEC_ID, *HOSTILE_IDS]:
        iv = svc.store.get_interview(iid)
        expected += csv_rows(iv, svc.store.get_questions(iid))
    # Every cell survives quoting exactly: commas, quotes, newlines, tabs, non-ASCII.
    assert rows[1:] == expected and result.rows == len(expected)
    text = out.read_text(encoding="utf-8")
    assert not any(ch in text for ch in RISKY)
    transcripts = [r[CSV_COLUMNS.index("transcript")] for r in rows[1:]]
    assert '"Quoted, with commas", and a\nnewline\nand CRLF; \t=1+1 after a tab' in transcripts


async def test_csv_neutralises_formulas(svc, tmp_path):
    out = tmp_path / "out.csv"
    await export_interviews(svc, [HOSTILE_CSV_ID], "csv", out)
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in read_csv(out)[1:]]
    transcripts = [r["transcript"] for r in rows]
    assert rows[0]["candidate_name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["candidate_email"] == "'=1+1@example.com"
    assert "'=HYPERLINK(\"http://x\",\"y\")" in transcripts
    assert "'@SUM(A1)" in transcripts and "'-1+2" in transcripts and "'-2+3" in transcripts
    assert "+1" in transcripts  # a plain number is data, not a formula
    for row in rows:
        for value in row.values():
            assert not value.lstrip().startswith(("=", "@")), value
            if value.lstrip().startswith(("+", "-")):
                float(value)  # only plain numbers may start with a sign


async def test_excel_bom_and_utf8(svc, tmp_path):
    out = tmp_path / "out.csv"
    await export_interviews(svc, [SPEC_ID], "csv", out, excel=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == CSV_COLUMNS


async def test_json_and_jsonl_are_the_raw_api_payloads(svc, tmp_path, demo):
    ids = [SPEC_ID, *HOSTILE_IDS]
    out = tmp_path / "out.json"
    await export_interviews(svc, ids, "json", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["id"] for d in data] == ids
    assert data == [svc.store.get_interview(i).raw for i in ids]
    assert data[0]["responses"][0]["audio_url"].startswith(demo.audio_base_url)

    out_l = tmp_path / "out.jsonl"
    await export_interviews(svc, ids, "jsonl", out_l)
    lines = out_l.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == data
    for text in (out.read_text(encoding="utf-8"), out_l.read_text(encoding="utf-8")):
        assert not any(ch in text for ch in RISKY)  # escaped as \uXXXX, same value


async def test_cached_completed_cost_no_request_and_progress(svc, tmp_path, demo):
    seen: list[tuple[int, int]] = []
    ids = [SPEC_ID, *HOSTILE_IDS]
    first = await export_interviews(
        svc, ids, "jsonl", tmp_path / "a.jsonl", lambda done, total: seen.append((done, total))
    )
    assert first.fetch.requests == 4 and seen[-1] == (4, 4) and len(seen) == 4
    demo.reset_stats()
    again = await export_interviews(svc, ids, "jsonl", tmp_path / "b.jsonl")
    assert again.fetch.cache_hits == 4 and demo.stats.total_requests == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


async def test_partial_failure_writes_the_rest(svc, tmp_path):
    out = tmp_path / "out.csv"
    ids = [SPEC_ID, "no-such-interview", "bad/id", HOSTILE_CSV_ID, SPEC_ID]
    result = await export_interviews(svc, ids, "csv", out)
    assert result.exported == [SPEC_ID, HOSTILE_CSV_ID]
    assert set(result.failures) == {"no-such-interview", "bad/id"}
    assert isinstance(result.failures["no-such-interview"], NotFound)
    assert isinstance(result.failures["bad/id"], InvalidId)
    assert result.exit_code == 3 and not result.ok  # the worst: not found (3) > bad id (2)
    ids_in_file = {r[0] for r in read_csv(out)[1:]}
    assert ids_in_file == {SPEC_ID, HOSTILE_CSV_ID}


async def test_all_failed_leaves_existing_file_alone(svc, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("precious")
    result = await export_interviews(svc, ["nope-1", "nope-2"], "csv", out)
    assert not result.written and result.exit_code == 3
    assert out.read_text() == "precious"


async def test_crash_mid_write_leaves_no_partial_file(svc, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("previous export")
    calls = {"n": 0}
    real = export_mod.csv_rows

    def exploding(iv, questions=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(iv, questions)

    monkeypatch.setattr(export_mod, "csv_rows", exploding)
    with pytest.raises(RuntimeError):
        await export_interviews(svc, [SPEC_ID, HOSTILE_CSV_ID], "csv", out)
    assert out.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "rz.db", "rz.db-shm",
                                                          "rz.db-wal"]


async def test_file_is_private_and_replaced_atomically(svc, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    await export_interviews(svc, [SPEC_ID], "csv", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert read_csv(out)[1][0] == SPEC_ID
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


async def test_bad_destination_fails_before_any_request(svc, tmp_path, demo):
    demo.reset_stats()
    for target in (tmp_path / "missing" / "out.csv", tmp_path):
        with pytest.raises(ExportError) as info:
            await export_interviews(svc, [SPEC_ID], "csv", target)
        assert info.value.exit_code == 2
    assert demo.stats.total_requests == 0


async def test_stream_output_and_empty_selection(svc):
    buf = io.StringIO()
    result = await export_interviews(svc, [], "csv", buf)
    assert result.written and result.rows == 0 and buf.getvalue().startswith("interview_id,")
    buf = io.StringIO()
    await export_interviews(svc, [], "json", buf)
    assert json.loads(buf.getvalue()) == []


async def test_offline_serves_cached_and_names_the_rest(svc, tmp_path):
    await svc.interview(SPEC_ID)
    offline = Service(svc.store, None)
    buf = io.StringIO()
    result = await export_interviews(offline, [SPEC_ID, HOSTILE_CSV_ID], "jsonl", buf)
    assert result.exported == [SPEC_ID]
    assert isinstance(result.failures[HOSTILE_CSV_ID], CredentialsError)
    assert result.exit_code == 4


async def test_csv_uses_cached_question_order(svc):
    await svc.interview(SPEC_ID)
    await svc.questions(SPEC_ID)
    buf = io.StringIO()
    write_interviews(buf, [svc.store.get_interview(SPEC_ID)], "csv", service=svc)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    order = CSV_COLUMNS.index("question_order")
    assert [r[order] for r in rows[1:]] == ["0", "1"]  # the API's `order`, not positions


# --------------------------------------------------------------------------- TUI pieces


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
    from rztui.review import review_interview
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
