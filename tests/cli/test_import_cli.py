"""`rztui import`: an export read back into a fresh home, offline; bad lines, duplicates, stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.demo import dataset as ds
from rztui.store import Store


def rz(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def fill(home: Path, n_bulk: int = 0) -> list[str]:
    """A home holding the demo's final interviews (and ``n_bulk`` more), with questions."""
    data = ds.Dataset(extra_completed=n_bulk)
    store = Store(home / "data" / "rztui.db")
    final = [i for i in data.ids if data.status_at(i, ds.LIVE_END_SECONDS + 1) in (
        "completed", "expired")]
    store.track(final)
    store.save_interviews(data.snapshot(i, ds.LIVE_END_SECONDS + 1) for i in final)
    for iid in ds.ALL_IDS[:3]:
        store.save_questions(iid, ds.questions_payload(iid))
    store.close()
    return final


@pytest.fixture
def two_homes(tmp_path, monkeypatch):
    monkeypatch.delenv("ROUNDZERO_API_KEY", raising=False)
    monkeypatch.delenv("ROUNDZERO_BASE_URL", raising=False)

    def use(name: str) -> Path:
        monkeypatch.setenv("RZTUI_HOME", str(tmp_path / name))
        return tmp_path / name

    return use


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_an_export_imports_into_a_fresh_home_offline(two_homes, tmp_path, fmt):
    ids = fill(two_homes("a"), n_bulk=620)  # more than a page of the store
    out = tmp_path / f"all.{fmt}"
    assert rz("export", "-f", fmt, "--all", "-o", str(out)).exit_code == 0
    listed = json.loads(rz("list", "--json").stdout)

    two_homes("b")  # no key, no server: nothing may be fetched
    res = rz("import", str(out))
    assert res.exit_code == 0, res.stderr
    assert res.stderr == f"rztui: imported {len(ids)} interview(s) from {out} ({len(ids)} new, " \
                         "0 updated)\n"
    again = tmp_path / f"again.{fmt}"
    assert rz("export", "-f", fmt, "--all", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    mine = json.loads(rz("list", "--json").stdout)
    drop = ("added_at", "fetched_at")
    assert [{k: v for k, v in r.items() if k not in drop} for r in mine] == [
        {k: v for k, v in r.items() if k not in drop} for r in listed]
    assert rz("search", "--json", "race condition").stdout.count(ds.SPEC_INTERVIEW_ID)


def test_stdin_bad_lines_and_duplicates(two_homes):
    two_homes("a")
    good = ds.snapshot(ds.SPEC_INTERVIEW_ID)
    changed = json.loads(json.dumps(good))
    changed["responses"][0]["transcript"] = "a completely new answer about zeppelins"
    lines = [
        json.dumps(good),
        "",
        "{\"id\": \"x\", truncated",
        json.dumps({"id": "no-status"}),
        json.dumps(changed),  # the same id again: this copy wins
        "[1, 2]",
    ]
    res = rz("import", "-", input="\n".join(lines) + "\n")
    assert res.exit_code == 5
    assert res.stderr.splitlines() == [
        "rztui: error: stdin line 3: not JSON (Expecting property name enclosed in double "
        "quotes); skipped",
        "rztui: error: stdin line 4: not an interview (interview has no 'status'); skipped",
        "rztui: error: stdin line 6: not an interview (interview is not an object); skipped",
        "rztui: imported 2 interview(s) from stdin (1 new, 1 updated); 3 bad line(s) skipped",
    ]
    assert [r["id"] for r in json.loads(rz("list", "--json").stdout)] == [ds.SPEC_INTERVIEW_ID]
    assert "zeppelins" in rz("transcript", ds.SPEC_INTERVIEW_ID).stdout
    assert rz("search", "zeppelins").stdout.startswith(ds.SPEC_INTERVIEW_ID)

    res = rz("import", "-", input=json.dumps(good))  # and once more: updated back
    assert res.exit_code == 0 and "(0 new, 1 updated)" in res.stderr
    assert rz("search", "zeppelins").stdout == ""


def test_a_broken_array_keeps_what_came_before(two_homes):
    two_homes("a")
    first, second = (ds.snapshot(i) for i in (ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID))
    text = "[\n" + json.dumps(first) + ",\n" + json.dumps(second)[:-30] + "\n"
    res = rz("import", "-", input=text)
    assert res.exit_code == 5
    assert res.stderr.splitlines()[0].startswith("rztui: error: stdin line 3: not JSON")
    assert res.stderr.splitlines()[0].endswith("; the rest cannot be read")
    assert [r["id"] for r in json.loads(rz("list", "--json").stdout)] == [ds.SPEC_INTERVIEW_ID]


def test_a_missing_file_is_a_usage_error(two_homes, tmp_path):
    two_homes("a")
    res = rz("import", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2 and "cannot read" in res.stderr and "No such file" in res.stderr
    res = rz("import", str(tmp_path))
    assert res.exit_code == 2 and "cannot read" in res.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    res = rz("import", str(empty))
    assert res.exit_code == 0 and "imported 0 interview(s)" in res.stderr


def evaluate(home: Path) -> dict[str, object]:
    """Ratings, notes and the shortlist on a few of the home's interviews; returns them."""
    store = Store(home / "data" / "rztui.db")
    spec, hostile = ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID
    qid = ds.snapshot(spec)["responses"][1]["question_id"]
    store.set_rating(spec, 4)
    store.set_rating(spec, 5, question_id=qid)
    store.set_note(spec, "=strong on hooks\nsecond line, \"quoted\"")
    store.set_shortlisted([spec, hostile])
    store.set_note(hostile, "ünïcode\u2028and a separator")
    store.mark_opened(ds.ALL_IDS[2], status="completed", answered=1)  # opened is no decision
    found = {iid: ev for iid, ev in store.evaluations(ds.ALL_IDS).items() if not ev.empty}
    payloads = {iid: store.interview_json(iid)[0] for iid in ds.ALL_IDS
                if store.interview_json(iid)}
    store.close()
    assert set(found) == {spec, hostile}
    return {"evaluations": {k: v.as_json() for k, v in found.items()}, "payloads": payloads}


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_ratings_notes_and_the_shortlist_travel_with_an_export(two_homes, tmp_path, fmt):
    home = two_homes("a")
    fill(home)
    before = evaluate(home)
    out = tmp_path / f"all.{fmt}"
    assert rz("export", "-f", fmt, "--all", "-o", str(out)).exit_code == 0
    items = ([json.loads(line) for line in out.read_text().splitlines()] if fmt == "jsonl"
             else json.loads(out.read_text()))
    for item in items:  # the API's payload as it was, the evaluation under its own key, last
        api_keys = list(before["payloads"][item["id"]])
        assert list(item) == api_keys + (["rztui"] if "rztui" in item else [])
        ev = item.pop("rztui", None)
        assert ev == before["evaluations"].get(item["id"])
        assert item == before["payloads"][item["id"]]

    fresh = two_homes("b")
    res = rz("import", str(out))
    assert res.exit_code == 0, res.stderr
    assert "2 with ratings or notes" in res.stderr
    store = Store(fresh / "data" / "rztui.db")
    got = {iid: ev.as_json() for iid, ev in store.evaluations(ds.ALL_IDS).items()}
    assert got == before["evaluations"]
    for iid, payload in before["payloads"].items():
        assert store.interview_json(iid)[0] == payload  # stored as the API sent it
    store.close()
    again = tmp_path / f"again.{fmt}"
    assert rz("export", "-f", fmt, "--all", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_a_bad_evaluation_is_named_and_the_interview_still_imported(two_homes):
    home = two_homes("a")
    good = ds.snapshot(ds.SPEC_INTERVIEW_ID)
    other = ds.snapshot(ds.HOSTILE_CSV_ID)
    lines = [
        json.dumps({**good, "rztui": {"rating": 9, "note": "x"}}),
        json.dumps({**other, "rztui": "not an object"}),
    ]
    res = rz("import", "-", input="\n".join(lines) + "\n")
    assert res.exit_code == 5
    err = res.stderr.splitlines()
    assert err[0].startswith('rztui: error: stdin line 1: its "rztui" value is not valid (')
    assert err[0].endswith("; the interview was imported without it")
    assert err[1] == ('rztui: error: stdin line 2: its "rztui" value is not valid (rztui is not '
                      "an object); the interview was imported without it")
    assert err[2] == ("rztui: imported 2 interview(s) from stdin (2 new, 0 updated); 2 "
                      'imported without their "rztui" value (not valid)')
    store = Store(home / "data" / "rztui.db")
    assert store.interview_json(ds.SPEC_INTERVIEW_ID)[0] == good
    assert store.evaluations([ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID]) == {}
    store.close()


def test_answer_ratings_for_questions_the_interview_lacks_are_refused_by_line(two_homes):
    home = two_homes("a")
    one = {**ds.snapshot(ds.SPEC_INTERVIEW_ID)}
    one["responses"] = one["responses"][:1]  # a 1-question interview
    qid = one["responses"][0]["question_id"]
    other = ds.snapshot(ds.HOSTILE_CSV_ID)
    lines = [
        json.dumps({**one, "rztui": {"rating": 4, "note": "keep me", "shortlisted": True,
                                     "answer_ratings": {qid: 4, "q_not_there": 5}}}),
        json.dumps({**other, "rztui": {"answer_ratings": {"q_nope": 2}}}),
    ]
    res = rz("import", "-", input="\n".join(lines) + "\n")
    assert res.exit_code == 5, res.stderr
    err = res.stderr.splitlines()
    assert err[0] == ("rztui: error: stdin line 1: its \"rztui\" value rates 1 question the "
                      "interview does not have ('q_not_there'); imported without that rating")
    assert err[1] == ("rztui: error: stdin line 2: its \"rztui\" value rates 1 question the "
                      "interview does not have ('q_nope'); imported without that rating")
    assert err[2] == ("rztui: imported 2 interview(s) from stdin (2 new, 0 updated, 1 with "
                      "ratings or notes); 2 answer rating(s) for questions the interview did "
                      "not have left out")
    store = Store(home / "data" / "rztui.db")
    got = store.evaluations([ds.SPEC_INTERVIEW_ID, ds.HOSTILE_CSV_ID])
    store.close()
    assert set(got) == {ds.SPEC_INTERVIEW_ID}  # nothing else was decided about the other
    ev = got[ds.SPEC_INTERVIEW_ID]
    assert ev.answer_ratings == {qid: 4} and ev.average_answer_rating() == 4.0
    assert (ev.rating, ev.note, ev.shortlisted) == (4, "keep me", True)  # the rest is kept
