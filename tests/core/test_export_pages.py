"""A big export in worker processes: the same bytes and the same failures as in one process (CSV,
JSON Lines and JSON), and a worker that cannot help costs nothing but time.

The worker processes here are real (spawned Pythons reading the same SQLite file); the page size
and the threshold are lowered so that the demo data spans many pages.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from rztui.demo import dataset as ds
from rztui.files import export_pages
from rztui.files.export import write_from_store
from rztui.store import Store
from rztui.store.errors import StoreCorrupt, StoreReadOnly

MISSING_ID = "0b7c1f0e-0000-4000-8000-00000000dead"  # tracked, never fetched
DAMAGED_ID = "0b7c1f0e-0000-4000-8000-0000000bad00"  # cached, its payload damaged
IDS = [*ds.ALL_IDS[:7], DAMAGED_ID, *ds.ALL_IDS[7:], MISSING_ID]


@pytest.fixture
def store(tmp_path, save_demo_data):
    """The demo data, rated and noted here and there, one payload damaged, one id not cached."""
    s = Store(tmp_path / "rz.db")
    s.track(IDS)
    save_demo_data(s)
    s.set_rating(ds.ALL_IDS[0], 4)
    s.set_note(ds.ALL_IDS[3], '=HYPERLINK("x")\nsecond line')
    s.set_shortlisted([ds.ALL_IDS[5]])
    with sqlite3.connect(s.path) as raw:
        raw.execute("INSERT INTO interviews (id, status, body, fetched_at) "
                    "VALUES (?, 'completed', x'789c00', 0)", (DAMAGED_ID,))
    yield s
    s.close()


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(export_pages, "EXPORT_PAGE", 4)
    monkeypatch.setattr(export_pages, "PARALLEL_MIN", 1)


FORMATS = ["csv", "jsonl", "json"]


def _export(store: Store, ids: list[str], workers: int, fmt: str = "csv"):
    stream = io.StringIO(newline="")
    failures: dict = {}
    ticked: list[str] = []
    rows, written = write_from_store(stream, store, ids, fmt, failures=failures,
                                     workers=workers, on_written=ticked.append)
    return stream.getvalue(), rows, written, {k: v.detail for k, v in failures.items()}, ticked


@pytest.mark.parametrize("fmt", FORMATS)
def test_workers_write_the_same_bytes_and_failures_as_one_process(store, small_pages,
                                                                  monkeypatch, fmt):
    ids = IDS
    one = _export(store, ids, 1, fmt)
    here = []  # pages made in this process (the workers are other processes)
    real = export_pages.PageMaker.make
    monkeypatch.setattr(export_pages.PageMaker, "make",
                        lambda self, *a: here.append(a) or real(self, *a))
    two = _export(store, ids, 2, fmt)
    assert here == []  # every page came from a worker
    assert two == one
    text, counted, written, failures, ticked = two
    assert written == list(ds.ALL_IDS)
    assert counted > len(ds.ALL_IDS) if fmt == "csv" else counted == len(ds.ALL_IDS)
    assert set(failures) == {DAMAGED_ID, MISSING_ID}
    assert "cannot be read" in failures[DAMAGED_ID]
    assert "no longer in the local store" in failures[MISSING_ID]
    assert ticked == ids  # every id reported once, in order
    if fmt == "csv":
        assert "'=HYPERLINK" in text  # the formula guard, in the workers too
    elif fmt == "jsonl":
        assert [json.loads(line)["id"] for line in text.splitlines()] == list(ds.ALL_IDS)
    else:
        parsed = json.loads(text)
        assert [i["id"] for i in parsed] == list(ds.ALL_IDS)
        assert parsed[3]["rztui"]["note"].startswith("=HYPERLINK")


def test_below_the_threshold_no_worker_starts(store, monkeypatch):
    started = []
    monkeypatch.setattr(export_pages, "_in_workers", lambda *a: started.append(a) or iter(()))
    _export(store, list(ds.ALL_IDS), workers=4)
    assert started == []  # the demo's few dozen interviews: under PARALLEL_MIN


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["create", "submit", "result"])
def test_a_broken_pool_costs_only_time(store, small_pages, monkeypatch, how, fmt):
    """No pool to be had, or a worker that dies (the pool breaks): faults a real export cannot
    be made to show on demand, injected at the pool. This process then makes those pages."""
    ids = IDS
    expected = _export(store, ids, 1, fmt)
    real_submit = ProcessPoolExecutor.submit
    calls = []

    def submit(self, fn, /, *args, **kwargs):
        calls.append(args)
        if len(calls) % 3 == 0:
            if how == "submit":
                raise BrokenProcessPool("a worker died")
            broken: Future = Future()
            broken.set_exception(BrokenProcessPool("a worker died"))
            return broken
        return real_submit(self, fn, *args, **kwargs)

    def no_pool(self, *args, **kwargs):
        raise OSError(38, "Function not implemented")  # no sem_open here, say

    if how == "create":
        monkeypatch.setattr(ProcessPoolExecutor, "__init__", no_pool)
    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    assert _export(store, ids, 2, fmt) == expected
    assert bool(calls) == (how != "create")


def test_a_reader_store_reads_and_never_writes(store, tmp_path):
    reader = Store(store.path, reader=True)
    try:
        assert set(reader.cached_payloads(ds.ALL_IDS[:3])) == set(ds.ALL_IDS[:3])
        with pytest.raises(StoreReadOnly):
            reader.set_rating(ds.ALL_IDS[0], 2)
    finally:
        reader.close()
    assert store.evaluations([ds.ALL_IDS[0]])[ds.ALL_IDS[0]].rating == 4


def test_a_reader_leaves_a_damaged_store_where_it_is(tmp_path):
    path = tmp_path / "damaged.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreCorrupt):
        Store(path, reader=True)
    assert sorted(os.listdir(tmp_path)) == ["damaged.db"]  # nothing moved aside or created
