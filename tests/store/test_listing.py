"""The interview list's data: first page, compact index, sorting and filtering (no Textual)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from rztui.demo import dataset as ds
from rztui.store import Store
from rztui.store.list_columns import SORT_FIELDS, SORTS
from rztui.store.list_views import Entry
from rztui.store.listing import (
    DESC_SQL,
    LIST_SQL,
    LISTED,
    SHORTLIST,
    ListIndex,
    Listing,
    connect_readonly,
    first_page,
    listing_of,
    load_index,
    status_text,
)


def listed(iid: str, added: float, status: str | None, name: str, job: str | None = "Job", *,
           email: str = "", when: float | None = None, answered: int = 0, rating: int = 0,
           shortlisted: int = 0, new: int = 0, label: str | None = None) -> Listing:
    """A row as the list query gives it, by field name."""
    values = {"id": iid, "added_at": added, "label": label, "status": status,
              "candidate_name": name, "candidate_email": email, "job_title": job,
              "answered": answered, "rating": rating, "shortlisted": shortlisted, "new": new}
    return (*(values[name] for name in LISTED), when)


def order(index: ListIndex, field: str, reverse: bool = False) -> list[int]:
    return index.order(SORTS[field].keys, reverse)


def test_first_page_reads_by_date_added_through_indexes(demo_store: Store) -> None:
    rows = first_page(demo_store, 5)
    assert [r[0] for r in rows] == demo_store.tracked_ids()[:5]
    conn = connect_readonly(demo_store.path)
    for sql in (LIST_SQL, DESC_SQL):
        plan = " ".join(str(step[3]) for step in
                        conn.execute("EXPLAIN QUERY PLAN " + sql + " LIMIT 5"))
        # No scan of the interviews' JSON pages, no sort of every row: O(page), not O(rows).
        assert "USING INDEX tracked_added_at" in plan
        assert "COVERING INDEX interviews_listing" in plan
        assert "TEMP B-TREE" not in plan
    conn.close()


def test_the_query_and_a_store_row_agree_for_every_demo_interview(demo_store: Store) -> None:
    """The list reads rows in bulk from SQL and single rows (live updates) from Store.row:
    both must give the same cells (the When column's choice of date above all)."""
    index = load_index(demo_store)
    single = ListIndex()
    for iid in demo_store.tracked_ids():
        single.put(listing_of(demo_store.row(iid)))
    assert index.ids == single.ids and index.haystack == single.haystack
    assert index.names == single.names and index.jobs == single.jobs
    # SQLite reads dates to the millisecond: the same moment, give or take one.
    assert all(abs(a - b) < 1e-3 or (math.isnan(a) and math.isnan(b))
               for a, b in zip(index.moment, single.moment, strict=True))
    assert sum(not math.isnan(m) for m in index.moment) > 40
    assert index.counts == single.counts and len(index) == len(ds.ALL_IDS)


def test_rows_are_cleaned_and_unfetched_ones_named(store: Store) -> None:
    store.track(["never-fetched"], label="Interview from the ATS")
    store.track(["no-label"])
    store.save_interview(ds.snapshot(ds.HOSTILE_TERMINAL_ID))
    store.track([ds.HOSTILE_TERMINAL_ID])
    index = load_index(store)
    rows = {iid: index.pos[iid] for iid in index}
    assert index.names[rows["never-fetched"]] == "Interview from the ATS"
    assert index.names[rows["no-label"]] == "no-label"  # not fetched: the id
    assert Entry(index, rows["no-label"]).candidate_name == ""
    assert index.status[rows["no-label"]] is None
    assert "not fetched" in index.haystack[rows["no-label"]]
    hostile = rows[ds.HOSTILE_TERMINAL_ID]
    assert "\x1b" not in index.names[hostile] and "\u202e" not in index.names[hostile]
    assert "eve@example.com" in index.haystack[hostile]
    assert index.answered_text(rows["no-label"]) == "—"
    assert index.counts == {None: 2, "completed": 1}


def test_put_updates_in_place_and_remove_leaves_a_dead_row(store: Store) -> None:
    ids = [i for i, s in ds.INITIAL_STATUS.items() if s == "completed"][:3]
    store.track(ids)
    index = load_index(store)
    version = index.version
    payload = ds.snapshot(ids[1])
    payload["status"] = "expired"
    store.save_interview(payload)
    row = index.put(listing_of(store.row(ids[1])))
    assert row == 1 and index.version == version  # same row number: nothing moved
    assert index.status[1] == "expired" and index.counts == {None: 2, "expired": 1}
    assert index.remove(ids[0]) and not index.remove(ids[0])
    assert ids[0] not in index and len(index) == 2 and index.version == version + 1
    assert index.order() == [1, 2]
    assert index.counts[None] == 1
    # The watcher's and the fetcher's questions, without an object per row.
    assert index.ids_with_status([None]) == ids[2:]
    assert index.ids_with_status(["completed", "expired"], among=False) == ids[2:]
    assert index.ids_with_status(["expired"]) == [ids[1]]


def test_every_sort_is_a_total_order_so_reversing_reverses_it() -> None:
    index = ListIndex()
    for n, name in enumerate(["b", "a", "b", "a"]):
        index.put(listed(f"id{n}", 100.0, "completed", name))
    assert order(index, "candidate") == [1, 3, 0, 2]  # ties: by date added, then tracked
    assert order(index, "candidate", reverse=True) == [2, 0, 3, 1]
    assert order(index, "status") == [1, 3, 0, 2]  # same status and date: by name
    assert order(index, "added", reverse=True) == [3, 2, 1, 0]


row_data = st.tuples(
    st.sampled_from([100.0, 200.0]), st.sampled_from([None, "completed", "invited", "expired",
                                                      "in_progress", "odd"]),
    st.sampled_from(["", "Ana", "ana", "Bo", "Zoë"]), st.sampled_from([None, "Dev", "ops"]),
    st.sampled_from([None, 1000.0, 2000.0]), st.integers(0, 3), st.integers(0, 5),
    st.integers(0, 1))


@settings(deadline=None)
@given(rows=st.lists(row_data, min_size=1, max_size=25), dead=st.sets(st.integers(0, 24)),
       status=st.sampled_from([None, "completed", "invited", SHORTLIST]),
       terms=st.sampled_from([[], ["an"], ["a", "dev"], ["zz"], ["id-1"]]))
def test_one_rows_sort_key_and_match_agree_with_sorting_and_selecting_every_row(
        rows, dead, status, terms) -> None:
    """What lets one changed row move to its place: ``sort_key`` orders as ``order`` does
    (the row number breaks ties) and ``matches`` keeps what ``select`` keeps."""
    index = ListIndex()
    for n, (added, st_, name, job, when, answered, rating, on_list) in enumerate(rows):
        index.put(listed(f"id-{n}", added, st_, name, job, email=f"{name}@x", when=when,
                         answered=answered, rating=rating, shortlisted=on_list))
    for n in dead:
        if n < len(rows):
            index.remove(f"id-{n}")
    alive = [r for r in range(len(rows)) if index.alive[r]]
    for field in SORT_FIELDS:
        keys = SORTS[field].keys
        ascending = sorted(alive, key=lambda r, k=keys: index.sort_key(k, r))
        assert index.order(keys) == ascending, field
        assert index.order(keys, reverse=True) == ascending[::-1], field
    rows_added = index.order()
    assert index.select(rows_added, status, terms).rows == \
        [r for r in rows_added if index.matches(r, status, terms)]


def test_equal_keys_sort_the_same_in_the_first_page_and_the_index(store: Store) -> None:
    """A batch tracked at one moment ties on date added (and more): `S` must still reverse
    it, and the first page must show the rows the whole index puts first, for every sort."""
    completed = [i for i, s in ds.INITIAL_STATUS.items() if s == "completed"][:6]
    store.track([f"batch-{n:02}" for n in range(30)])  # one moment, never fetched
    store.track(completed)  # another moment: same status, some with the same job
    for iid in completed:
        store.save_interview(ds.snapshot(iid))
    index = load_index(store)
    assert len(set(index.added)) == 2
    for field in SORT_FIELDS:
        up = [index.ids[r] for r in order(index, field)]
        down = [index.ids[r] for r in order(index, field, reverse=True)]
        assert down == up[::-1], field
        for reverse, ids in ((False, up), (True, down)):
            for limit in (5, 31, 100):
                page = [row[0] for row in first_page(store, limit, SORTS[field].keys, reverse)]
                assert page == ids[:limit], (field, reverse, limit)
    # Date added: one indexed query either way, ties in the order tracked.
    assert [r[0] for r in first_page(store, 3)] == ["batch-00", "batch-01", "batch-02"]
    assert [r[0] for r in first_page(store, 2, reverse=True)] == completed[::-1][:2]


def test_status_words() -> None:
    assert status_text("in_progress") == "in progress"
    assert status_text(None) == "not fetched"
    assert status_text("under\x1b[2J_review") == "under_review"


NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Zoë Ødegaard", "李明", "Ana Ana"]


@settings(deadline=None)
@given(typed=st.text(alphabet="adnoer lgz李ø", min_size=1, max_size=8),
       status=st.sampled_from([None, "completed", "invited", SHORTLIST]))
def test_typing_on_refines_to_what_a_fresh_filter_finds(typed: str, status: str | None) -> None:
    index = ListIndex()
    for n in range(60):
        index.put(listed(f"id-{n}", float(n), ["completed", "invited", None][n % 3],
                         NAMES[n % len(NAMES)], ["Dev", "Ops"][n % 2],
                         email=f"p{n}@example.com", rating=n % 6, shortlisted=n % 2))
    by_name = order(index, "candidate")
    selection = packed = None
    for end in range(1, len(typed) + 1):
        selection = index.select(by_name, status, typed[:end].split(), selection, 1)
        # The same from a packed selection (as the list packs what it shows).
        packed = index.select(by_name, status, typed[:end].split(), packed, 1)
        fresh = index.select(by_name, status, typed[:end].split())
        assert selection.rows == fresh.rows == packed.rows, typed[:end]
        packed = packed.packed(index.haystack)


def test_a_packed_selection_finds_each_row_once_and_in_order() -> None:
    index = ListIndex()
    for n, name in enumerate(["ana ana", "anana", "bob", "", "xana", "ana"]):
        index.put(listed(f"id-{n}", float(n), "completed", name, "Dev"))
    by_added = index.order()
    everything = index.select(by_added, None, []).packed(index.haystack)
    assert everything.text is not None and everything.text.count("\x00") == 6
    assert everything.find("ana") == [0, 1, 4, 5]  # twice in a row: once; at the very end too
    assert everything.find("id-") == list(range(6))
    assert everything.find("ab") == [] and everything.find("bob") == [2]
    assert index.select(by_added, None, ["na", "an"], everything, 0).rows == [0, 1, 4, 5]


def test_rating_sort_and_the_shortlist_filter() -> None:
    index = ListIndex()
    ratings = [0, 5, 2, 0, 5, 3]
    for n, rating in enumerate(ratings):
        index.put(listed(f"id{n}", float(n), "completed", f"n{n}", rating=rating,
                         shortlisted=n % 2, new=1 if n == 4 else 0))
    # Best first, ties by name; not rated last. Reversed: the exact reverse.
    assert order(index, "rating") == [1, 4, 5, 2, 0, 3]
    assert order(index, "rating", reverse=True) == [3, 0, 2, 5, 4, 1]
    assert index.select(index.order(), SHORTLIST, []).rows == [1, 3, 5]
    assert index.shortlisted_count == 3 and index.new_count == 1
    index.put(listed("id1", 1.0, "completed", "n1", rating=4, new=1))
    assert index.shortlisted_count == 2 and index.new_count == 2
    index.remove("id4")
    assert index.new_count == 1 and index.counts["completed"] == 5
