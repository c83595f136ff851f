"""rztui rate / note / shortlist: local decisions about candidates, offline, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.config import Paths
from rztui.store import Store

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"


@pytest.fixture
def run(demo_env, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

    def invoke(*args: str, input: str | bytes | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def tracked(run):
    res = run("add", SPEC_ID)
    assert res.exit_code == 0, res.output
    return SPEC_ID


def _store() -> Store:
    return Store(Paths.resolve().store_file)


def test_rate_and_clear(run, tracked):
    res = run("rate", tracked, "4")
    assert res.exit_code == 0 and "rated 4/5" in res.stdout
    s = _store()
    assert s.evaluation(tracked).rating == 4
    assert run("rate", tracked, "0").exit_code == 0
    assert s.evaluation(tracked).rating is None
    run("rate", tracked, "2")
    assert run("rate", tracked, "--clear").exit_code == 0
    assert s.evaluation(tracked).rating is None
    s.close()


@pytest.mark.parametrize("bad", ["6", "-1", "3.5", "five", " 4x", "99999999999999999999"])
def test_rate_out_of_range_is_usage(run, tracked, bad):
    res = run("rate", tracked, "--", bad) if bad.startswith("-") else run("rate", tracked, bad)
    assert res.exit_code == 2, res.output
    assert "whole number from 1 to 5" in res.stderr and "Traceback" not in res.output
    s = _store()
    assert s.evaluation(tracked).rating is None
    s.close()


def test_rate_needs_a_rating_or_clear(run, tracked):
    assert run("rate", tracked).exit_code == 2
    assert run("rate", tracked, "3", "--clear").exit_code == 2


def test_rate_an_answer_by_number_or_id(run, tracked):
    res = run("rate", tracked, "5", "--question", "Q2")
    assert res.exit_code == 0, res.output
    s = _store()
    interview = s.get_interview(tracked)
    assert interview is not None
    q1, q2 = (r.question_id for r in interview.responses)
    assert s.evaluation(tracked).answer_ratings == {q2: 5}
    assert run("rate", tracked, "3", "-q", q1).exit_code == 0
    assert s.evaluation(tracked).answer_ratings == {q1: 3, q2: 5}
    res = run("rate", tracked, "3", "-q", "Q9")
    assert res.exit_code == 2 and "Q1 to Q2" in res.stderr
    res = run("rate", tracked, "3", "-q", "nope")
    assert res.exit_code == 2 and "no answer to question 'nope'" in res.stderr
    s.close()


def test_untracked_is_not_found(run):
    res = run("rate", SPEC_ID, "3")
    assert res.exit_code == 3 and "rztui add" in res.stderr


def test_works_offline_without_a_key(run, tracked, monkeypatch):
    monkeypatch.delenv("ROUNDZERO_API_KEY")
    monkeypatch.setenv("ROUNDZERO_BASE_URL", "http://127.0.0.1:9")  # nothing listens
    assert run("rate", tracked, "3").exit_code == 0
    assert run("note", tracked, "fine").exit_code == 0
    assert run("shortlist", tracked).exit_code == 0


def test_note_from_stdin_keeps_lines(run, tracked):
    text = "Line one\n\n  indented: keep\n=HYPERLINK(\"x\")\n"
    res = run("note", tracked, "-", input=text)
    assert res.exit_code == 0 and "4 line(s)" in res.stdout
    res = run("note", tracked)
    assert res.stdout == text  # printed back exactly (echo adds the newline stdin had)
    assert run("note", tracked, "--clear").exit_code == 0
    assert run("note", tracked).stdout == ""


def test_note_refuses_bad_stdin_and_too_long(run, tracked):
    res = run("note", tracked, "-", input=b"caf\xe9")
    assert res.exit_code == 2 and "not valid UTF-8" in res.stderr
    res = run("note", tracked, "x" * 20_001)
    assert res.exit_code == 2 and "at most 20000" in res.stderr


def test_shortlist_add_list_remove(run, tracked):
    res = run("shortlist", tracked, tracked)
    assert res.exit_code == 0 and "1 interview(s) put on the shortlist" in res.stdout
    assert run("shortlist").stdout.split() == [tracked]
    res = run("shortlist", tracked, "--remove")
    assert res.exit_code == 0 and "taken off" in res.stdout
    assert run("shortlist").stdout == ""


def test_shortlist_skips_untracked_and_says_so(run, tracked):
    other = "770f9511-f30c-52e5-b827-557766552222"
    res = run("shortlist", tracked, other)
    assert res.exit_code == 3 and f"{other} is not tracked" in res.stderr
    assert run("shortlist").stdout.split() == [tracked]


def test_shortlist_reads_stdin(run, tracked):
    res = run("shortlist", "-", input=f"{tracked}\n")
    assert res.exit_code == 0 and run("shortlist").stdout.split() == [tracked]


def test_remove_forgets_the_decisions(run, tracked):
    run("rate", tracked, "5")
    run("note", tracked, "x")
    run("shortlist", tracked)
    assert run("remove", tracked).exit_code == 0
    s = _store()
    assert s.evaluation(tracked).empty
    s.close()


def test_purge_all_forgets_the_decisions(run, tracked):
    run("rate", tracked, "5")
    res = run("purge", "--all", "--yes")
    assert res.exit_code == 0 and "your ratings and notes of 1" in res.stdout
    s = _store()
    assert s.evaluation(tracked).rating is None
    s.close()


def test_list_shows_rating_and_shortlist(run, tracked):
    other = "a72m7b7b-cufd-4n13-bo4b-9f0edv2d1854"
    assert run("add", other).exit_code == 0
    run("rate", tracked, "4")
    run("shortlist", tracked)
    rows = {r["id"]: r for r in json.loads(run("list", "--json").stdout)}
    assert (rows[tracked]["rating"], rows[tracked]["shortlisted"]) == (4, True)
    assert (rows[other]["rating"], rows[other]["shortlisted"]) == (None, False)
    lines = run("list").stdout.splitlines()
    spec_line = next(ln for ln in lines if ln.startswith(tracked))
    assert spec_line.endswith("4/5    yes")
    assert run("list", "--shortlisted").stdout.splitlines() == [spec_line]
    assert [r["id"] for r in json.loads(run("list", "--json", "--shortlisted").stdout)] \
        == [tracked]


def test_review_shows_the_ratings(run, tracked):
    run("rate", tracked, "4")
    run("rate", tracked, "2", "-q", "Q1")
    res = run("review", tracked)
    assert res.exit_code == 0 and "Your rating:      4/5 · answers 2.0 on average" in res.stdout
    data = json.loads(run("review", tracked, "--json").stdout)[0]
    assert data["rating"] == 4 and data["average_answer_rating"] == 2.0
