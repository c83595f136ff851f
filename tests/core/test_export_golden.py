"""The CSV, JSON and JSON Lines exports of the demo data, byte for byte.

``golden/demo-export.csv`` and the digests below were taken from the export before its fast
paths: any change to what an export writes (quoting, cleaning, formula guards, number and time
forms, escapes) shows here. After an intended change, regenerate the CSV with
``RZTUI_REGENERATE_GOLDEN=1`` and update the digests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rztui.demo import dataset as ds
from rztui.files.export import write_from_store
from rztui.files.export_json import _indented, reindent
from rztui.formats import _PLAIN_NUMBER, csv_line, neutralise_formula
from rztui.store import Store
from rztui.store.payload import compact_json
from rztui.textsafe import clean, json_safe

GOLDEN_CSV = Path(__file__).parent / "golden" / "demo-export.csv"
DIGESTS = {
    "json": "957190f88cddef0f2888e55b30c537df384724da090226d2524d3af41105c15e",
    "jsonl": "8f63cb7f4ae386f5f266da5e11fe63512ba10a21f72802c4a9fb09dc07074123",
}


def _export(store, fmt: str, *, excel: bool = False) -> bytes:
    stream = io.StringIO(newline="")
    _, written = write_from_store(stream, store, ds.ALL_IDS, fmt, excel=excel)
    assert written == ds.ALL_IDS
    return stream.getvalue().encode("utf-8", "surrogatepass")


def test_csv_export_of_the_demo_data_is_unchanged(demo_store):
    data = _export(demo_store, "csv")
    if os.environ.get("RZTUI_REGENERATE_GOLDEN"):
        GOLDEN_CSV.write_bytes(data)
    assert data == GOLDEN_CSV.read_bytes()
    assert _export(demo_store, "csv", excel=True) == "\ufeff".encode() + data


def test_json_exports_of_the_demo_data_are_unchanged(demo_store):
    for fmt, digest in DIGESTS.items():
        assert hashlib.sha256(_export(demo_store, fmt)).hexdigest() == digest, fmt


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(deadline=None)
@given(json_values, st.sampled_from(["\n", "\n  ", "\n    "]))
def test_the_json_export_indents_like_json_dumps(value, pad):
    expected = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", pad)
    assert _indented(value, pad) == expected
    odd = {1: "a key that is not text"}  # not from JSON text: json.dumps does it
    assert _indented(odd, pad) == json.dumps(odd, ensure_ascii=False, indent=2).replace(
        "\n", pad)


# --------------------------------------------------------------------------- with evaluations

NOTE = "=looks strong\nsecond line, \"quoted\"\u2028and a separator"


@pytest.fixture(scope="module")
def evaluated_store(tmp_path_factory, save_demo_data):
    """The demo data with ratings, notes and the shortlist on a few interviews."""
    s = Store(tmp_path_factory.mktemp("evaluated") / "rz.db")
    s.track(ds.ALL_IDS)
    save_demo_data(s)
    spec = ds.SPEC_INTERVIEW_ID
    qid = ds.snapshot(spec)["responses"][1]["question_id"]
    s.set_rating(spec, 4)
    s.set_rating(spec, 2, question_id=qid)
    s.set_note(spec, NOTE)
    s.set_shortlisted([ds.HOSTILE_CSV_ID])
    s.mark_opened(ds.ALL_IDS[-1], status="completed", answered=1)  # not an evaluation
    yield s
    s.close()


def _evaluated(store) -> dict[str, dict]:
    return {iid: ev.as_json() for iid, ev in store.evaluations(ds.ALL_IDS).items()
            if not ev.empty}


def test_csv_export_with_evaluations(evaluated_store):
    spec, hostile = ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID
    qid = ds.snapshot(spec)["responses"][1]["question_id"]
    data = _export(evaluated_store, "csv")
    assert _export(evaluated_store, "csv", excel=True) == "\ufeff".encode() + data
    golden = list(csv.reader(io.StringIO(GOLDEN_CSV.read_text("utf-8"), newline="")))
    got = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert got[0] == golden[0] and len(got) == len(golden)
    cols = golden[0]
    at = {name: cols.index(name) for name in ("rating", "answer_rating", "note", "shortlisted")}
    for old, new in zip(golden[1:], got[1:], strict=True):
        assert new[:at["rating"]] == old[:at["rating"]]  # the API's cells as they were
        iid = new[0]
        if iid == spec:
            answer = "2" if new[cols.index("question_id")] == qid else ""
            # formula-safe like every cell; lines kept; the separator cleaned like elsewhere
            assert new[at["rating"]:] == ["4", answer, "'" + clean(NOTE), "false"]
        elif iid == hostile:
            assert new[at["rating"]:] == ["", "", "", "true"]
        else:
            assert new == old


def test_json_exports_with_evaluations(evaluated_store, demo_store):
    evaluations = _evaluated(evaluated_store)
    assert set(evaluations) == {ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID}
    values = []
    for iid in ds.ALL_IDS:
        raw = evaluated_store.interview_json(iid)[0]
        values.append({**raw, "rztui": evaluations[iid]} if iid in evaluations else raw)
    jsonl = "".join(json_safe(json.dumps(v, ensure_ascii=False, separators=(",", ":"))) + "\n"
                    for v in values)
    assert _export(evaluated_store, "jsonl").decode() == jsonl
    assert _export(evaluated_store, "json").decode() == json_safe(
        json.dumps(values, ensure_ascii=False, indent=2)) + "\n"
    # The interviews without an evaluation: the same bytes as a store that has none.
    plain = _export(demo_store, "jsonl").decode().splitlines()
    for i, line in enumerate(jsonl.splitlines()):
        assert (line == plain[i]) == (ds.ALL_IDS[i] not in evaluations)


@settings(deadline=None)
@given(st.lists(st.text(), min_size=2, max_size=6))
def test_csv_lines_are_written_as_the_csv_module_writes_them(row):
    expected = io.StringIO(newline="")
    csv.writer(expected, quoting=csv.QUOTE_MINIMAL).writerow(row)
    assert csv_line(row) == expected.getvalue()


@settings(deadline=None)
@given(st.text(max_size=12))
def test_the_formula_guard_decides_as_before(cell):
    slow = cell
    if cell and (cell.startswith(("\t", "\r")) or cell.lstrip().startswith(
            ("=", "+", "-", "@", "\t", "\r"))):
        slow = cell if _PLAIN_NUMBER.fullmatch(cell.strip()) else "'" + cell
    assert neutralise_formula(cell) == slow


@settings(deadline=None)
@given(json_values, st.sampled_from(["\n", "\n  ", "\n    "]))
def test_compact_text_is_reindented_like_json_dumps(value, pad):
    expected = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", pad)
    assert reindent(compact_json(value), pad) == expected


def test_reindent_keeps_strings_with_backslashes_and_quotes():
    value = {"a\\": ["\\", "\"", "\\\"", "x\\\\", {}, [], {"\\\\\"k": [1.5, None, True]}],
             "": "}],{[:"}
    assert reindent(compact_json(value), "\n  ") == json.dumps(
        value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
