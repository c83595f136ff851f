"""Full-text search: the FTS5 index stays in step with the store, any query is safe, the TUI
search screen finds and opens hits. A real Store on a temp file, filled from the demo dataset."""

from __future__ import annotations

import json
import sqlite3

import pytest
from textual.app import App
from textual.widgets import Input, OptionList, Static

import rztui.store.fts as fts
from rztui.answers.search import (
    QueryError,
    SearchUnavailable,
    answer_index,
    literal_query,
    parse_marked,
    search,
    segment_query,
)
from rztui.api.errors import InvalidResponse
from rztui.demo import dataset as ds
from rztui.store import Store
from rztui.store.schema import MIGRATIONS, SCHEMA_VERSION
from rztui.tui.screens.search import SearchChoice, SearchScreen

CONTROL = set(map(chr, range(0x20))) - {"\n"} | set(map(chr, range(0x7F, 0xA0))) | {
    "\u202e", "\u2067", "\u2069",
}


def payload(iid: str, texts: list[str], *, name: str = "Cand", job: str = "Backend Engineer",
            qids: list[str] | None = None) -> dict:
    qids = qids or [f"q{i}" for i in range(len(texts))]
    return {
        "id": iid,
        "status": "completed",
        "job": {"id": "j1", "title": job},
        "candidate": {"id": f"c-{iid}", "name": name},
        "responses": [
            {"question_id": qid, "question_text": f"Question {qid}?", "transcript": text,
             "duration_seconds": 30 + i}
            for i, (qid, text) in enumerate(zip(qids, texts, strict=True))
        ],
    }


def ids(result) -> list[str]:
    return [h.interview_id for h in result.hits]


def fts_rows(store: Store) -> int:
    """Rows FTS5 itself holds (not the content table): must equal the answers indexed."""
    return store._query("SELECT count(*) FROM search_index_docsize")[0][0]


def index_matches_content(store: Store) -> bool:
    """Every (term, row, column, offset) FTS5 holds is what indexing the content view afresh
    gives: nothing stale left behind by a change, nothing missing."""
    def instances(conn, schema: str, table: str) -> list[tuple]:
        conn.execute(f"DROP TABLE IF EXISTS temp.v_{table}")
        conn.execute(f"CREATE VIRTUAL TABLE temp.v_{table} USING fts5vocab({schema}, {table}, "
                     "instance)")
        return sorted(tuple(r) for r in conn.execute(
            f"SELECT term, doc, col, offset FROM temp.v_{table}"))

    def go(conn) -> bool:
        conn.execute("DROP TABLE IF EXISTS temp.fresh")
        conn.execute(
            "CREATE VIRTUAL TABLE temp.fresh USING fts5(interview_id UNINDEXED, "
            "question_id UNINDEXED, candidate, job, question, transcript, content='', "
            f"tokenize='{fts.SEARCH_TOKENIZER}')")
        conn.execute(
            "INSERT INTO temp.fresh (rowid, interview_id, question_id, candidate, job, question, "
            "transcript) SELECT id, interview_id, question_id, candidate, job, question, "
            "transcript FROM main.search_content WHERE answered")
        return instances(conn, "main", "search_index") == instances(conn, "temp", "fresh")

    return store._run(go, write=False)


def doc_rows(store: Store, iid: str, answered: bool = True) -> int:
    return store._query(
        "SELECT count(*) FROM search_docs WHERE interview_id = ? AND answered = ?",
        (iid, int(answered)),
    )[0][0]


# --------------------------------------------------------------------------- the index


def test_a_fresh_store_has_an_fts5_index_over_the_payloads(store):
    assert SCHEMA_VERSION == len(MIGRATIONS)
    assert store.fts_available
    assert store._query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    sql = store._query("SELECT sql FROM sqlite_master WHERE name = 'search_index'")[0][0]
    assert "fts5" in sql and "remove_diacritics 2" in sql
    assert "content='search_content'" in sql
    # No second copy of the transcripts: the index reads them from the payloads.
    columns = {r[1] for r in store._query("PRAGMA table_info(search_docs)")}
    assert "transcript" not in columns and "question" not in columns


def test_transcripts_are_stored_once_and_compressed(store):
    store.track(["a"])
    store.save_interview(payload("a", ["zanzibar " * 200]))
    body = store._query("SELECT body FROM interviews WHERE id = 'a'")[0][0]
    assert isinstance(body, bytes) and b"zanzibar" not in body  # compressed
    assert len(body) < 1000
    for table in ("search_docs", "search_questions"):
        for row in store._query(f"SELECT * FROM {table}"):
            assert not any(isinstance(v, str) and "zanzibar" in v for v in tuple(row))
    hit = search(store, "zanzibar").hits[0]
    assert hit.snippet.startswith("zanzibar zanzibar") and hit.spans[0] == (0, 8)


def test_insert_refresh_untrack_purge_keep_the_index_in_step(store):
    store.track(["a", "b"])
    store.save_interview(payload("a", ["I love goroutines", "alpha answer"]))
    store.save_interview(payload("b", ["channels and mutexes"]))
    assert ids(search(store, "goroutines")) == ["a"]
    assert ids(search(store, "alpha")) == ["a"] and fts_rows(store) == 3

    # Refresh with a changed transcript: the old words are gone, the new ones are found.
    store.save_interview(payload("a", ["I love goroutines", "bravo answer", "charlie"]))
    assert search(store, "alpha").hits == []
    assert ids(search(store, "bravo")) == ["a"] and ids(search(store, "charlie")) == ["a"]
    assert doc_rows(store, "a") == 3 and fts_rows(store) == 4
    assert index_matches_content(store)

    # The same payload again (a poll with no news) neither duplicates nor drops anything.
    store.save_interview(payload("a", ["I love goroutines", "bravo answer", "charlie"]))
    assert doc_rows(store, "a") == 3 and fts_rows(store) == 4

    store.untrack(["a"])
    assert search(store, "goroutines").hits == [] and doc_rows(store, "a") == 0
    assert fts_rows(store) == 1 and index_matches_content(store)

    assert store.purge(everything=True) == 1
    assert search(store, "channels").hits == [] and fts_rows(store) == 0
    assert store._query("SELECT count(*) FROM search_questions")[0][0] == 0
    assert index_matches_content(store)
    assert store.tracked_ids() == ["b"]  # purge keeps tracking; fetching again re-indexes
    store.save_interview(payload("b", ["channels again"]))
    assert ids(search(store, "channels")) == ["b"]


def test_purge_by_age_drops_only_those_rows(store):
    import time

    store.track(["old", "new"])
    store.save_interview(payload("old", ["ancient words"]), fetched_at=time.time() - 40 * 86400)
    store.save_interview(payload("new", ["recent words"]))
    assert store.purge(older_than_days=30) == 1
    assert ids(search(store, "words")) == ["new"]


def test_questions_are_kept_for_compare_but_only_answers_are_searchable(store):
    store.track(["a"])
    store.save_interview(payload("a", ["an answer"], qids=["q0"]))
    store.save_questions("a", {"interview_id": "a", "questions": [
        {"id": "q0", "question_text": "Question q0?", "order": 0},
        {"id": "q1", "question_text": "Unanswered zebra question?", "order": 1},
    ]})
    assert doc_rows(store, "a", answered=True) == 1 and doc_rows(store, "a", answered=False) == 1
    assert search(store, "zebra").hits == []  # a question alone would outrank real answers
    # The payload changes (q1 answered now): the question row becomes an answer row.
    store.save_interview(payload("a", ["an answer", "zebra stripes"], qids=["q0", "q1"]))
    assert doc_rows(store, "a", answered=False) == 0
    assert [h.question_id for h in search(store, "zebra").hits] == ["q1"]
    assert index_matches_content(store)


def test_a_payload_cannot_change_under_its_index_rows(store):
    """FTS5 removes a row only given the text it indexed, read from the payload: a change that
    would strand index rows is refused by the store itself."""
    store.track(["a"])
    store.save_interview(payload("a", ["original words"]))
    for sql in ("UPDATE interviews SET body = x'00' WHERE id = 'a'",
                "DELETE FROM interviews WHERE id = 'a'"):
        with pytest.raises(sqlite3.IntegrityError, match="not removed first"):
            store._write(lambda conn, sql=sql: conn.execute(sql))
    assert ids(search(store, "original")) == ["a"] and index_matches_content(store)


def test_search_covers_tracked_interviews_only(store):
    store.track(["t1", "t2"])
    store.save_interview(payload("t1", ["walrus one"]))
    for n in range(30):  # cached by `get`, never tracked: many, and better matches
        store.save_interview(payload(f"u{n}", ["walrus walrus walrus"]))
    store.save_interview(payload("t2", ["walrus two"]))
    result = search(store, "walrus", limit=2)
    assert sorted(ids(result)) == ["t1", "t2"] and not result.more
    assert store.search_doc_count() == 2
    store.untrack(["t2"])
    assert ids(search(store, "walrus")) == ["t1"] and store.search_doc_count() == 1


def test_the_index_survives_reopening(tmp_path):
    s = Store(tmp_path / "rz.db")
    s.track(["a"])
    s.save_interview(payload("a", ["persistent words"]))
    s.close()
    s = Store(tmp_path / "rz.db")
    assert ids(search(s, "persistent")) == ["a"] and fts_rows(s) == 1
    s.close()


def test_a_failed_batch_indexes_nothing(store):
    good = payload("good", ["unique kumquat"])
    bad = {"id": "bad", "status": "completed", "responses": "not a list"}
    with pytest.raises(InvalidResponse):
        store.save_interviews([good, bad])
    assert search(store, "kumquat").hits == [] and fts_rows(store) == 0


def _v1_store(path, bodies: dict[str, dict], questions: dict[str, dict]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")  # one transaction: one sync to disk, not one per row
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    for iid, body in bodies.items():
        conn.execute("INSERT INTO tracked (id, added_at) VALUES (?, 0)", (iid,))
        conn.execute(
            "INSERT INTO interviews (id, status, body, fetched_at) VALUES (?, 'completed', ?, 0)",
            (iid, json.dumps(body)),
        )
    for iid, body in questions.items():
        conn.execute("INSERT INTO questions (interview_id, body, fetched_at) VALUES (?, ?, 0)",
                     (iid, json.dumps(body)))
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()


def test_migration_from_v1_backfills_the_cached_interviews(tmp_path):
    path = tmp_path / "rz.db"
    bodies = {iid: ds.snapshot(iid) for iid in (ds.SPEC_INTERVIEW_ID, *ds.HOSTILE_IDS)}
    bodies["broken"] = {"id": "broken", "status": "completed", "responses": "nope"}
    _v1_store(path, bodies, {ds.SPEC_INTERVIEW_ID: ds.SPEC_QUESTIONS,
                             "only-questions": {"questions": [{"id": "x", "question_text": "Y"}]}})
    s = Store(path)
    assert not s.warnings, s.warnings  # migrated, not moved aside
    assert s._query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    hits = search(s, '"race condition"').hits
    assert [h.interview_id for h in hits] == [ds.SPEC_INTERVIEW_ID]
    assert hits[0].question_id == "990i2844-i63f-85h8-e150-880099884444"
    assert doc_rows(s, ds.SPEC_INTERVIEW_ID, answered=False) == 1  # the custom question
    assert search(s, "pwned").hits == []  # escape-sequence payloads are not indexed
    assert doc_rows(s, "broken") == 0  # an unreadable row is skipped, not fatal
    s.close()


# The v2 search schema as shipped (the transcripts copied into search_docs), to migrate from.
V2_SEARCH_SQL = (
    """CREATE TABLE search_docs (id INTEGER PRIMARY KEY, interview_id TEXT NOT NULL,
       question_id TEXT NOT NULL, answered INTEGER NOT NULL, position INTEGER NOT NULL,
       candidate TEXT NOT NULL, job TEXT NOT NULL, question TEXT NOT NULL,
       transcript TEXT NOT NULL, question_key TEXT NOT NULL, job_key TEXT NOT NULL)""",
    "CREATE INDEX search_docs_interview ON search_docs (interview_id)",
    "CREATE INDEX search_docs_question ON search_docs (question_id)",
    "CREATE INDEX search_docs_question_key ON search_docs (question_key, job_key)",
    """CREATE VIRTUAL TABLE search_index USING fts5(interview_id UNINDEXED,
       question_id UNINDEXED, candidate, job, question, transcript, content='search_docs',
       content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN new.answered BEGIN
       INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question,
       transcript) VALUES (new.id, new.interview_id, new.question_id, new.candidate, new.job,
       new.question, new.transcript); END""",
    """CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs WHEN old.answered BEGIN
       INSERT INTO search_index (search_index, rowid, interview_id, question_id, candidate, job,
       question, transcript) VALUES ('delete', old.id, old.interview_id, old.question_id,
       old.candidate, old.job, old.question, old.transcript); END""",
)


def _v2_store(path, bodies: dict[str, dict], questions: dict[str, dict]) -> None:
    """A store as the v2 rztui left it: text payloads, transcripts copied into the index."""
    from rztui.api.models import Interview, QuestionSet

    _v1_store(path, bodies, questions)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")  # one transaction: one sync to disk, not one per row
    for statement in V2_SEARCH_SQL:
        conn.execute(statement)
    for iid in {*bodies, *questions}:
        try:
            interview = Interview.from_api(bodies[iid]) if iid in bodies else None
        except InvalidResponse:
            interview = None
        qs = QuestionSet.from_api(questions[iid]) if iid in questions else None
        conn.executemany("INSERT INTO search_docs (interview_id, question_id, answered, position, "
                         "candidate, job, question, transcript, question_key, job_key) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?)", fts.doc_rows(iid, interview, qs))
    conn.execute("PRAGMA user_version = 2")
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.slow
def test_migration_from_v2_compresses_payloads_and_rebuilds_a_lean_index(tmp_path):
    path = tmp_path / "rz.db"
    data = ds.Dataset(extra_completed=400)
    bodies = {iid: data.snapshot(iid, ds.LIVE_END_SECONDS + 1) for iid in data.ids}
    bodies["broken"] = {"id": "broken", "status": "completed", "responses": "nope"}
    _v2_store(path, bodies, {ds.SPEC_INTERVIEW_ID: ds.SPEC_QUESTIONS})
    before = path.stat().st_size
    s = Store(path)
    assert not s.warnings, s.warnings
    assert s._query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert s._query("PRAGMA freelist_count")[0][0] < 256  # compacted after rewriting
    assert path.stat().st_size < before / 1.5
    kinds = {r[0] for r in s._query("SELECT typeof(body) FROM interviews WHERE id != 'broken'")}
    assert kinds == {"blob"}
    assert s.get_interview(ds.SPEC_INTERVIEW_ID).raw == bodies[ds.SPEC_INTERVIEW_ID]
    assert s.get_questions(ds.SPEC_INTERVIEW_ID).raw == ds.SPEC_QUESTIONS
    # refused by the gate: dropped at the upgrade (v6), still tracked, fetched again
    assert s.interview_json("broken") is None
    assert ids(search(s, '"race condition"')) == [ds.SPEC_INTERVIEW_ID]
    assert doc_rows(s, ds.SPEC_INTERVIEW_ID, answered=False) == 1  # the custom question
    assert fts_rows(s) == s._query("SELECT count(*) FROM search_docs WHERE answered")[0][0]
    assert index_matches_content(s)
    s.close()


def test_without_fts5_the_store_works_and_search_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(fts, "create_search_index", lambda conn: False)
    s = Store(tmp_path / "rz.db")
    assert not s.fts_available and not s.warnings
    s.track(["a"])
    s.save_interview(payload("a", ["kept words"]))
    assert s.get_interview("a") is not None
    with pytest.raises(SearchUnavailable, match="FTS5"):
        search(s, "kept")
    s.close()
    monkeypatch.undo()
    s = Store(tmp_path / "rz.db")  # a Python with FTS5: the index is built from search_docs
    assert s.fts_available and ids(search(s, "kept")) == ["a"]
    s.close()


def test_cleaned_text_is_indexed_and_markers_cannot_be_forged(store):
    store.track(["x"])
    store.save_interview(payload("x", ["fake \x01marker\x02 and \x1b[31mred\x1b[0m \x03 split"]))
    hit = search(store, "marker").hits[0]
    assert hit.snippet == "fake marker and red  split"
    assert hit.spans == ((5, 11),)


# --------------------------------------------------------------------------- queries


def test_query_forms(demo_store):
    jane = ds.SPEC_INTERVIEW_ID
    assert ids(search(demo_store, "candidate:jane")) == [jane]
    assert search(demo_store, "candidate:jane").hits[0].folded == 1  # both answers, one hit
    assert ids(search(demo_store, '"race condition"')) == [jane]
    assert jane in ids(search(demo_store, "useRed*"))
    chloe = search(demo_store, "chloe dubois")  # diacritics do not count
    assert chloe.hits and chloe.hits[0].candidate == "Chloé Dubois"
    assert chloe.hits[0].candidate_spans == ((0, 5), (6, 12))
    assert search(demo_store, "NEAR(useState useEffect, 2)").hits
    assert not search(demo_store, "useState NOT useEffect").hits
    assert {h.job for h in search(demo_store, "job:frontend", limit=200).hits} == {
        "Senior Frontend Developer"}


def test_ranking_prefers_what_was_said(demo_store):
    hits = search(demo_store, "hooks").hits
    assert hits[0].interview_id == ds.SPEC_INTERVIEW_ID and hits[0].spans  # said "hooks"
    assert all(h.question_spans for h in hits[1:])  # the others only answered that question


def test_cjk_text_is_found_inside_longer_words(demo_store):
    hits = search(demo_store, "前職").hits  # "前職では三年間…": no spaces to split on
    assert hits and all("前職" in h.snippet for h in hits)
    assert all(h.snippet[s:e] == "前職" for h in hits for s, e in h.spans)
    assert ids(search(demo_store, "山田")) == ids(search(demo_store, "candidate:山田"))
    assert search(demo_store, "김민준").hits[0].candidate == "김민준"
    assert search(demo_store, '"フロントエンド"').hits


def test_limit_and_more(demo_store):
    result = search(demo_store, "the", limit=3)
    assert len(result.hits) == 3 and result.more
    assert [h.score for h in result.hits] == sorted(h.score for h in result.hits)
    everything = search(demo_store, "the", limit=10_000)
    assert not everything.more and len(everything.hits) > 3


HOSTILE_QUERIES = [
    '"', '"unclosed', "*", "a*", ":", "candidate:", "NEAR(", "NEAR(a b", "AND", "OR OR",
    "NOT", "-", "--", "^x", "^", "'; DROP TABLE interviews; --", "()", "(", ")", "{}",
    "candidate:{", "foo:bar", "interview_id:x", "x AND", "AND x", "a + b", "don't", "node.js",
    "C++", "50%", "e-mail", "jane@example.com", "\\", "\x00", "\x1b[31mred", "[@click=app.quit]",
    "$(rm -rf ~)", "😀", "zero\u200bwidth", "\u202eevil", "Ω≈ç√", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ﷺ", "a" * 500,
    "", "   ", "\n\t", "NEAR(a b, -1)", "NEAR(a b, 99999999999999999999)", '"a" "b" OR',
    "* OR *", "-candidate:jane", "{candidate job}:", "🌮*", "前*", '"前職',
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_query_is_searched_or_refused_clearly(demo_store, query):
    try:
        result = search(demo_store, query)
    except QueryError as exc:
        assert exc.exit_code == 2 and exc.message and "\n" not in exc.message
        return
    for hit in result.hits:
        for text in (hit.snippet, hit.question, hit.candidate, hit.job, *hit.terms):
            assert not set(text) & CONTROL, (query, text)
    # the store is untouched
    assert demo_store.counts()["interviews"] == len(ds.ALL_IDS)


@pytest.mark.parametrize("query", ["", "   ", "*", ":", "-", "()", '"', "^", "{}"])
def test_nothing_to_search_for_is_a_usage_error(demo_store, query):
    with pytest.raises(QueryError):
        search(demo_store, query)


def test_text_that_is_not_syntax_is_searched_literally(demo_store):
    result = search(demo_store, "'; DROP TABLE interviews; --")
    assert result.literal and "syntax error" in result.reason
    result = search(demo_store, "[@click=app.quit]Click me")
    assert result.literal and result.hits[0].interview_id == ds.HOSTILE_MARKUP_ID
    assert "[@click=app.quit]" in result.hits[0].candidate  # shown as the text it is
    with pytest.raises(QueryError, match="too long"):
        search(demo_store, "a" * 501)


def test_query_helpers():
    assert literal_query('say "hi" AND') == '"say" """hi""" "AND"'
    assert segment_query("前職") == '"前\x03職"'
    assert segment_query('"前職"') == '"\x03前\x03\x03職\x03"'
    assert segment_query('candidate:山田*') == 'candidate:"山\x03田"*'
    assert parse_marked("a\x01b\x02\x01c\x02 \x01d\x02\n") == ("abc d ", ((1, 3), (4, 5)))


def test_answer_index(demo_store):
    iv = demo_store.get_interview(ds.SPEC_INTERVIEW_ID)
    assert answer_index(iv, "990i2844-i63f-85h8-e150-880099884444") == 1
    assert answer_index(iv, "nope") is None


# --------------------------------------------------------------------------- the TUI screen


class Harness(App):
    def __init__(self, make) -> None:
        super().__init__()
        self.make = make
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


def status_text(app) -> str:
    return str(app.screen.query_one("#gs-status", Static).render())


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.slow
async def test_search_screen_type_see_hits_choose(demo_store):
    SearchScreen.last_query = ""
    app = Harness(lambda: SearchScreen(demo_store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "type to search" in status_text(app)
        await pilot.press(*"race condition")
        await wait_for(pilot, lambda: app.screen.hits)
        screen = app.screen
        assert [h.interview_id for h in screen.hits] == [ds.SPEC_INTERVIEW_ID]
        assert "1 hit" in status_text(app)
        options = screen.query_one(OptionList)
        assert "race condition" in options.get_option_at_index(0).prompt.plain
        await pilot.press("down")
        assert options.has_focus
        await pilot.press("x")  # typing on the hits refines the query
        assert screen.query_one(Input).has_focus
        assert screen.query_one(Input).value == "race conditionx"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.hits and "1 hit" in status_text(app))
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == [SearchChoice(ds.SPEC_INTERVIEW_ID,
                                        "990i2844-i63f-85h8-e150-880099884444",
                                        ("race", "condition"))]


@pytest.mark.slow
async def test_search_screen_enter_before_results_opens_the_best_hit(demo_store):
    app = Harness(lambda: SearchScreen(demo_store, query=""))
    async with app.run_test() as pilot:
        await pilot.press(*"candidate:jane", "enter")  # no pause: the debounce is pending
        await wait_for(pilot, lambda: app.results)
    assert app.results[0].interview_id == ds.SPEC_INTERVIEW_ID


async def test_search_screen_debounces_and_drops_stale_results(demo_store, monkeypatch):
    import rztui.tui.screens.search as screen_mod

    calls: list[str] = []

    def counting(store, query, **kw):
        calls.append(query)
        return search(store, query, **kw)

    monkeypatch.setattr(screen_mod, "search", counting)
    app = Harness(lambda: SearchScreen(demo_store, query=""))
    async with app.run_test() as pilot:
        # Typed in one go (as a fast typist or a paste does): pilot.press awaits each key, and
        # on a loaded machine two presses can be further apart than the debounce.
        box = app.screen.query_one("#gs-input", Input)
        for ch in "goroutine":
            box.insert_text_at_cursor(ch)
        await wait_for(pilot, lambda: app.screen.hits)
        assert calls == ["goroutine"]  # one query for nine keystrokes
        assert all("goroutine" in h.snippet.lower() + h.question.lower()
                   for h in app.screen.hits)


@pytest.mark.slow
async def test_search_screen_hostile_text_stays_literal(demo_store):
    app = Harness(lambda: SearchScreen(demo_store, query=""))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"[@click=app.quit]Click me[/]")
        await wait_for(pilot, lambda: app.screen.hits)
        prompts = [app.screen.query_one(OptionList).get_option_at_index(i).prompt.plain
                   for i in range(len(app.screen.hits))]
        assert any("[@click=app.quit]Click me[/]" in p for p in prompts)
        await pilot.click(OptionList, offset=(4, 0))  # clicking the literal text is harmless
        await pilot.pause()
        assert app.is_running


@pytest.mark.slow
async def test_search_screen_bad_query_message_and_escape(demo_store):
    app = Harness(lambda: SearchScreen(demo_store, query=""))
    async with app.run_test() as pilot:
        await pilot.press("*")
        await wait_for(pilot, lambda: "nothing to search for" in status_text(app))
        assert app.screen.query_one("#gs-status").has_class("-error")
        await pilot.press("backspace", *"zzzzqqq")
        await wait_for(pilot, lambda: "no matches" in status_text(app))
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    assert SearchScreen.last_query == "zzzzqqq"


async def test_search_screen_reopens_with_the_last_query(demo_store):
    SearchScreen.last_query = "goroutine"
    app = Harness(lambda: SearchScreen(demo_store))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.screen.hits)
        assert app.screen.query_one(Input).value == "goroutine"
        await pilot.press("m")  # the old query is selected: typing replaces it
        assert app.screen.query_one(Input).value == "m"
    SearchScreen.last_query = ""
