"""`rztui search` and `rztui compare` end to end through click, over a store filled from the demo
dataset (both read only the local store: no key, no server)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

import rztui.cli.search
from rztui.cli import main
from rztui.demo import dataset as ds
from rztui.store import Store

HOOKS_QID = "880h1733-h52e-74g7-d049-779988773333"
RISKY = ("\x1b", "\x9b", "\x9d", "\x07", "\x00", "\u202e", "\u2067", "\x08", "\x01", "\x02",
         "\x03")


def rz(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def filled(rz_home, demo_store):
    (rz_home / "data").mkdir(parents=True, mode=0o700)
    with closing(sqlite3.connect(demo_store.path)) as source, \
            closing(sqlite3.connect(rz_home / "data" / "rztui.db")) as copy:
        source.backup(copy)
    return rz_home


# --------------------------------------------------------------------------- search


def test_search_piped_is_one_tab_separated_line_per_hit(filled):
    result = rz("search", "race", "condition")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    iid, candidate, job, question, snippet = lines[0].split("\t")
    assert (iid, candidate, job) == (ds.SPEC_INTERVIEW_ID, "Jane Smith",
                                      "Senior Frontend Developer")
    assert question == "Tell me about a challenging bug you fixed recently."
    assert "intermittent «race» «condition» that" in snippet
    assert result.stderr == ""


def test_search_on_a_terminal_highlights_with_bold_reverse(filled, monkeypatch):
    monkeypatch.setattr(rztui.cli.search, "isatty", lambda stream: True)
    result = CliRunner().invoke(main, ["search", "useReducer"], color=True)
    assert result.exit_code == 0
    assert "\x1b[1m\x1b[7museReducer\x1b[0m" in result.stdout
    assert "«" not in result.stdout


def test_search_json(filled):
    result = rz("search", "--json", "--limit", "2", "hooks")
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["interview_id"] == ds.SPEC_INTERVIEW_ID
    first = hits[0]
    assert first["question_id"] == HOOKS_QID and first["response_index"] == 0
    for s, e in first["highlights"]["snippet"]:
        assert first["snippet"][s:e].lower() == "hooks"
    assert first["terms"] == ["hooks"]
    assert "--limit N shows more" in result.stderr


def test_search_column_filter_and_folding(filled, monkeypatch):
    result = rz("search", "candidate:jane")
    assert result.stdout.count("\n") == 1 and result.stdout.startswith(ds.SPEC_INTERVIEW_ID)
    monkeypatch.setattr(rztui.cli.search, "isatty", lambda stream: True)
    assert "(+1 more answer)" in rz("search", "candidate:jane").stdout


def test_search_hostile_data_is_shown_as_text(filled):
    result = rz("search", "evil.example")
    assert result.exit_code == 0 and result.stdout
    assert not any(ch in result.stdout for ch in RISKY)
    assert "[link=https://«evil.example»]this link[/link]" in result.stdout
    for line in result.stdout.splitlines():
        assert line.count("\t") == 4  # no tab or newline from the data breaks the columns


QUERIES = [
    '"', '"unclosed', "*", "a*", ":", "candidate:", "NEAR(", "AND", "OR OR", "-", "^x",
    "'; DROP TABLE interviews; --", "()", "über", "日本語", "😀", "", " ", "C++", "x:y:z",
    "NEAR(a b, 5)", "{candidate", "\x1b]0;x\x07", "a" * 600, "%", "_", "\\",
]


@pytest.mark.parametrize("query", QUERIES)
def test_search_any_query_exits_0_or_2_with_one_line(filled, query):
    result = rz("search", "--", query)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stdout == ""
        assert result.stderr.startswith("rztui: error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert not any(ch in result.stderr for ch in RISKY)
    store = Store(filled / "data" / "rztui.db")
    assert store.counts()["interviews"] == len(ds.ALL_IDS)  # nothing was dropped
    store.close()


@pytest.mark.parametrize("query", ["", "*", "-", "()", '"', ":"])
def test_search_nothing_searchable_is_exit_2(filled, query):
    result = rz("search", "--", query)
    assert result.exit_code == 2 and "rztui: error:" in result.stderr


def test_search_literal_fallback_note_and_usage_errors(filled):
    result = rz("search", "don't", "stop")
    assert result.exit_code == 0 and "literally" in result.stderr
    assert rz("search").exit_code == 2  # no query
    assert rz("search", "--limit", "0", "x").exit_code == 2


def test_search_empty_store_says_so(rz_home):
    result = rz("search", "anything")
    assert result.exit_code == 0 and result.stdout == ""
    assert "nothing is cached yet" in result.stderr


# --------------------------------------------------------------------------- compare


def test_compare_text_output(filled):
    result = rz("compare", HOOKS_QID, "--sort", "duration")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Q: Describe your experience with React hooks")
    assert "Job: Senior Frontend Developer · " in out
    assert "Jane Smith · completed · 2m 25s · 561 chars, 83 words" in out
    assert "interview " + ds.SPEC_INTERVIEW_ID in out
    assert "Asked, no answer (yet):" in out
    durations = [line.split(" · ")[2] for line in out.splitlines()
                 if " · completed · " in line]
    assert durations[0] == "2m 25s"  # Jane's is the longest


def test_compare_json_and_sort(filled):
    data = json.loads(rz("compare", "--json", "--sort", "length", "react hooks").stdout)
    assert data["question"]["question_ids"] == [HOOKS_QID] and data["sort"] == "length"
    chars = [a["chars"] for a in data["answers"]]
    assert chars == sorted(chars, reverse=True) and len(chars) >= 5
    jane = next(a for a in data["answers"] if a["interview_id"] == ds.SPEC_INTERVIEW_ID)
    assert jane["transcript"] == ds.SPEC_INTERVIEW["responses"][0]["transcript"]
    reverse = json.loads(rz("compare", "--json", "--sort", "length", "--reverse",
                            "react hooks").stdout)
    assert [a["chars"] for a in reverse["answers"]] == sorted(chars)


def test_compare_ambiguous_missing_and_job(filled):
    result = rz("compare", "bug")
    assert result.exit_code == 2 and result.stdout == ""
    assert "2 questions match" in result.stderr and "challenging bug" in result.stderr
    result = rz("compare", "Why do you want to work at our company?")
    assert result.exit_code == 2 and "--job" in result.stderr
    result = rz("compare", "--job", "designer", "Why do you want to work at our company?")
    assert result.exit_code == 0 and "Job: Product Designer" in result.stdout
    result = rz("compare", "no such question")
    assert result.exit_code == 3 and "rztui: error:" in result.stderr
    assert rz("compare", "--sort", "rank", "x").exit_code == 2


def test_compare_hostile_text_never_reaches_the_terminal(filled):
    qid = ds.snapshot(ds.HOSTILE_TERMINAL_ID)["responses"][0]["question_id"]
    result = rz("compare", qid)
    assert result.exit_code == 0
    assert not any(ch in result.stdout for ch in RISKY)
    data = json.loads(rz("compare", "--json", qid).stdout)
    raw = next(a for a in data["answers"] if a["interview_id"] == ds.HOSTILE_TERMINAL_ID)
    assert "\x1b[2J" in raw["transcript"]  # JSON keeps the data (escaped in the output)
