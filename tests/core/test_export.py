"""Batch export (rztui.files.export) against the demo server: CSV, JSON, JSONL, partial failure."""

from __future__ import annotations

import csv
import io
import json
import os
import stat

import pytest

from rztui.api.errors import CredentialsError, InvalidId, NotFound
from rztui.demo.dataset import HOSTILE_CSV_ID, HOSTILE_IDS, SPEC_INTERVIEW_ID
from rztui.files import export as export_mod
from rztui.files.export import ExportError, export_interviews
from rztui.formats import CSV_COLUMNS, CsvRows, csv_rows
from rztui.service import Service

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
    real = CsvRows.text_of_fields

    def exploding(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CsvRows, "text_of_fields", exploding)
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
    await export_interviews(svc, [SPEC_ID], "csv", buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    order = CSV_COLUMNS.index("question_order")
    assert [r[order] for r in rows[1:]] == ["0", "1"]  # the API's `order`, not positions


def test_csv_of_a_payload_off_the_fast_path_is_the_same_rows(tmp_path):
    """Text fields that are numbers, a duration in a form the model checks one field at a
    time: the export takes the model's slow path and writes what csv_rows gives."""
    from rztui.api.models import Interview
    from rztui.store import Store

    odd = {
        "id": "odd-1", "status": "completed", "candidate": {"name": 42, "email": None},
        "job": {"title": 7.5}, "completed_at": " 2024-01-16T14:52:00+01:00 ",
        "responses": [{"question_id": 3, "question_text": "=Why?", "transcript": "a, \"b\"",
                       "duration_seconds": 12.0}],
    }
    store = Store(tmp_path / "rz.db")
    store.save_interview(odd)
    buf = io.StringIO(newline="")
    rows, written = export_mod.write_from_store(buf, store, ["odd-1"], "csv")
    assert written == ["odd-1"] and rows == 1
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert back == [CSV_COLUMNS, *csv_rows(Interview.from_api(odd))]
    store.close()


@pytest.mark.parametrize("raw", [
    "770g0622-g41d-63f6-c938-668877662222", "custom-abc_1", " custom-abc", "custom-" + "a" * 300,
    "https://x.example/interviews/custom-a", "..", "", "a/b", "CUSTOM-X",
])
def test_the_quick_id_check_agrees_with_parse_id(raw):
    from rztui.api.ids import parse_id

    try:
        expected: object = parse_id(raw)
    except InvalidId as exc:
        expected = str(exc)
    try:
        got: object = export_mod._parse(raw)
    except InvalidId as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("when", [
    "2024-01-16T14:52:00Z", "2024-01-16T14:52:00.250Z", "2024-01-16T14:52:00+02:00",
    "1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z",
])
def test_csv_completed_at_is_written_as_before(tmp_path, when):
    from rztui.api.models import Interview
    from rztui.store import Store

    payload = {"id": "custom-t", "status": "completed", "completed_at": when,
               "candidate": {"name": "A"}, "job": {"title": "B"}}
    store = Store(tmp_path / "rz.db")
    store.save_interview(payload)
    buf = io.StringIO(newline="")
    export_mod.write_from_store(buf, store, ["custom-t"], "csv")
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert back[1] == csv_rows(Interview.from_api(payload))[0]
    store.close()
