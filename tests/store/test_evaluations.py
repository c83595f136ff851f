"""Ratings, notes, the shortlist and "new since you looked", on a real SQLite store."""

from __future__ import annotations

import sqlite3
import time

import pytest

from rztui.demo import dataset as ds
from rztui.store import Store
from rztui.store.evaluations import (
    Evaluation,
    RatingOutOfRange,
    evaluation_from_json,
)


def new_ids(store: Store) -> list[str]:
    """What the list marks new (its rows' ``new``, NEW_SQL), in tracking order."""
    return [r.id for r in store.iter_list_rows() if r.new]


def is_new(status: str | None, answered: int, seen: tuple[str | None, int | None] | None) -> bool:
    """The rule NEW_SQL implements, in Python (its oracle): whether an interview completed or
    gained answers since it was last opened.

    ``seen``: (status, answers) when it was last opened; (None, None) for one tracked here and
    never opened (new once it has an answer or is complete); None for one with nothing to go by
    (imported, or tracked before this store knew about opening): never new.
    """
    if status is None or seen is None:
        return False
    seen_status, seen_answered = seen
    return answered > (seen_answered or 0) or (status == "completed"
                                               and seen_status != "completed")


def _completed(store: Store) -> str:
    iid = ds.ALL_IDS[0]
    store.track([iid])
    store.save_interview(ds.snapshot(iid, ds.LIVE_END_SECONDS + 1))
    return iid


def test_rating_note_and_shortlist_round_trip(store):
    iid = _completed(store)
    assert store.evaluation(iid) == Evaluation(iid)
    store.set_rating(iid, 4)
    store.set_rating(iid, 2, question_id="q-1")
    store.set_rating(iid, 5, question_id="q-2")
    store.set_note(iid, "Strong on SQL.\n\nAsk about the gap in 2021;  =cmd|' /C calc'!A0")
    assert store.set_shortlisted([iid, iid]) == 1
    assert store.set_shortlisted([iid]) == 0  # already on it: nothing changed
    ev = store.evaluation(iid)
    assert ev.rating == 4
    assert ev.answer_ratings == {"q-1": 2, "q-2": 5}
    assert ev.note.startswith("Strong on SQL.\n\nAsk") and ev.note.endswith("A0")
    assert ev.shortlisted and not ev.empty
    assert ev.average_answer_rating() == 3.5
    assert store.shortlisted_ids() == [iid]
    assert ev.as_json() == {"rating": 4, "note": ev.note, "shortlisted": True,
                            "answer_ratings": {"q-1": 2, "q-2": 5}}


def test_clearing(store):
    iid = _completed(store)
    store.set_rating(iid, 3)
    store.set_rating(iid, 3, question_id="q-1")
    store.set_note(iid, "x")
    store.set_shortlisted([iid])
    store.set_rating(iid, None)
    store.set_rating(iid, None, question_id="q-1")
    store.set_note(iid, "")
    assert store.set_shortlisted([iid], on=False) == 1
    ev = store.evaluation(iid)
    assert ev.rating is None and ev.note == "" and not ev.shortlisted and ev.answer_ratings == {}
    assert ev.empty


@pytest.mark.parametrize("bad", [0, 6, -1, 3.5, "4", True])
def test_rating_out_of_range_is_refused(store, bad):
    iid = _completed(store)
    with pytest.raises(RatingOutOfRange):
        store.set_rating(iid, bad)
    assert store.evaluation(iid).rating is None


def test_the_schema_refuses_a_bad_rating_written_behind_its_back(store):
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO evaluation (interview_id, rating, updated_at) "
                     "VALUES ('x', 9, 0)")
    conn.close()


def test_note_too_long_is_refused_not_cut(store):
    iid = _completed(store)
    with pytest.raises(ValueError, match="at most"):
        store.set_note(iid, "x" * 20_001)
    assert store.evaluation(iid).note == ""


def test_untrack_forgets_the_evaluation(store):
    iid = _completed(store)
    store.set_rating(iid, 5)
    store.set_rating(iid, 1, question_id="q-1")
    store.untrack([iid])
    assert store.evaluation(iid).empty
    assert store.evaluations([iid]) == {}


def test_purge_everything_and_by_age(store):
    old, fresh = ds.ALL_IDS[0], ds.ALL_IDS[1]
    store.track([old, fresh])
    store.set_rating(old, 2)
    store.set_rating(old, 2, question_id="q-1")
    store.set_note(fresh, "keep me")
    conn = sqlite3.connect(store.path)
    past = time.time() - 40 * 86400
    conn.execute("UPDATE evaluation SET updated_at = ? WHERE interview_id = ?", (past, old))
    conn.execute("UPDATE answer_rating SET updated_at = ? WHERE interview_id = ?", (past, old))
    conn.commit()
    conn.close()
    assert store.purge_evaluations(older_than_days=30) == 1
    assert store.evaluation(old).empty
    assert store.evaluation(fresh).note == "keep me"
    store.purge(everything=True)
    assert store.evaluation(fresh).empty


def test_purge_with_retention_goes_through_store_purge(store):
    iid = _completed(store)
    store.set_shortlisted([iid])
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE evaluation SET updated_at = 0")
    conn.commit()
    conn.close()
    store.purge(older_than_days=1)
    assert store.shortlisted_ids() == []


def test_new_since_opened(store):
    done = _completed(store)
    invited = next(i for i in ds.ALL_IDS if ds.snapshot(i, 0)["status"] == "invited")
    store.track([invited])
    store.save_interview(ds.snapshot(invited, 0))
    assert new_ids(store) == [done]  # never opened and complete; the invitation is not new
    answered = store.get_interview(done)
    assert answered is not None
    store.mark_opened(done, status="completed", answered=len(answered.responses))
    assert new_ids(store) == []
    # Opening is not a decision: the retention purge does not keep it alive, and it is no
    # "evaluation" to export.
    assert store.evaluation(done).empty and store.evaluation(done).opened_at is not None


def test_gaining_answers_or_completing_is_new_again():
    assert is_new("in_progress", 2, ("in_progress", 1))
    assert not is_new("in_progress", 1, ("in_progress", 1))
    assert is_new("completed", 3, ("in_progress", 3))
    assert not is_new("completed", 3, ("completed", 3))
    assert is_new("in_progress", 1, (None, None))  # tracked here, never opened
    assert not is_new("invited", 0, (None, None))
    assert not is_new("completed", 3, None)  # nothing to go by: imported, or an older store
    assert not is_new(None, 0, (None, None))  # not fetched


def test_imported_interviews_are_not_new(store):
    from rztui.api.models import Interview

    iv = Interview.from_api(ds.snapshot(ds.ALL_IDS[0], ds.LIVE_END_SECONDS + 1))
    store.import_interviews([iv])
    assert new_ids(store) == []
    assert store.row(iv.id).new is False or store.row(iv.id).new == 0


def test_the_sql_rule_is_the_python_rule(store):
    """NEW_SQL (the list, list rows) and is_new agree, state by state."""
    cases = [("invited", 0), ("in_progress", 1), ("in_progress", 2), ("completed", 2),
             ("expired", 1)]
    seen_cases = [None, (None, None), ("in_progress", 1), ("completed", 2), ("invited", 0)]
    conn = sqlite3.connect(store.path)
    n = 0
    for status, answered in cases:
        for seen in seen_cases:
            iid = f"custom-{n}"
            n += 1
            conn.execute("INSERT INTO tracked (id, added_at) VALUES (?, 0)", (iid,))
            conn.execute("INSERT INTO interviews (id, status, body, fetched_at, answered) "
                         "VALUES (?, ?, '{}', 0, ?)", (iid, status, answered))
            if seen is not None:
                conn.execute("INSERT INTO evaluation (interview_id, seen_status, seen_answered, "
                             "updated_at) VALUES (?, ?, ?, 0)", (iid, *seen))
            conn.commit()
            assert bool(store.row(iid).new) == is_new(status, answered, seen), (status, seen)
    conn.close()


def test_marking_opened_keeps_the_rating(store):
    iid = _completed(store)
    store.set_rating(iid, 3)
    store.mark_opened(iid, status="completed", answered=4)
    assert store.evaluation(iid).rating == 3


def test_evaluations_read_in_pages(store):
    ids = [f"custom-{n}" for n in range(1234)]
    store.track(ids)
    for iid in ids[::2]:
        store.set_rating(iid, 1 + len(iid) % 5)
    got = store.evaluations(ids)
    rated = {i for i, ev in got.items() if not ev.empty}
    assert rated == set(ids[::2]) and all(got[i].rating == 1 + len(i) % 5 for i in ids[::2])


def test_restore_from_an_export(store):
    iid = _completed(store)
    store.set_rating(iid, 1, question_id="stale")
    ev = evaluation_from_json(iid, {"rating": 5, "note": "n", "shortlisted": True,
                                    "answer_ratings": {"q-1": 4}})
    assert ev is not None
    store.restore_evaluation(ev)
    got = store.evaluation(iid)
    assert (got.rating, got.note, got.shortlisted, got.answer_ratings) == (5, "n", True,
                                                                           {"q-1": 4})


@pytest.mark.parametrize("bad", [
    {"rating": 7}, {"note": 3}, {"shortlisted": "yes"}, {"answer_ratings": []},
    {"answer_ratings": {"q": 0}}, {"answer_ratings": {"": 3}},
])
def test_restore_refuses_bad_fields(bad):
    with pytest.raises(ValueError):
        evaluation_from_json("x", bad)


def test_restore_ignores_a_non_object():
    assert evaluation_from_json("x", None) is None
    assert evaluation_from_json("x", [1]) is None


def test_an_old_store_gains_the_tables(tmp_path):
    path = tmp_path / "old.db"
    s = Store(path)
    s.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE evaluation")
    conn.execute("DROP TABLE answer_rating")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    s = Store(path)
    s.set_rating("custom-1", 3)
    assert s.evaluation("custom-1").rating == 3
    s.close()
