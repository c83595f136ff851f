"""Reading an export back (rztui.files.importing): JSON Lines and JSON arrays as streams, every bad
item named by its line, batches, a real store."""

from __future__ import annotations

import io
import json

import pytest

from rztui.answers.search import search
from rztui.demo import dataset as ds
from rztui.files import importing
from rztui.files.importing import BadItem, import_stream, read_items
from rztui.store import Store


def interview(iid: str, words: str = "plain words") -> dict:
    return {
        "id": iid, "status": "completed",
        "candidate": {"name": f"Cand {iid}"}, "job": {"title": "Engineer"},
        "responses": [{"question_id": "q1", "question_text": "Why?", "transcript": words}],
    }


def run(store: Store, data: bytes, **kw) -> tuple[importing.ImportResult, list[BadItem]]:
    bad: list[BadItem] = []
    return import_stream(store, io.BytesIO(data), on_bad=bad.append, **kw), bad


def texts(data: bytes) -> list[tuple[int, str]]:
    items, _ = read_items(io.BytesIO(data))
    return [(line, item if isinstance(item, str) else item.decode() if isinstance(item, bytes)
             else f"BAD {item.reason}") for line, item in items]


@pytest.fixture(params=[7, 1 << 16], ids=["tiny-chunks", "default-chunks"])
def chunk(request, monkeypatch):
    """Reading a few bytes at a time puts every element across chunk boundaries."""
    monkeypatch.setattr(importing, "CHUNK", request.param)
    return request.param


def test_an_array_is_read_element_by_element_across_chunks(chunk):
    data = b'\xef\xbb\xbf \n[\n  {"a": "x\\"]}"},\n  12345,\n\n  [1, [2]]  ,"s"\n]\n'
    assert texts(data) == [(3, '{"a": "x\\"]}"}'), (4, "12345"), (6, "[1, [2]]"), (6, '"s"')]
    assert texts(b"[]") == [] and texts(b"  [ ]  \n") == []


@pytest.mark.parametrize(("data", "line", "reason"), [
    (b'[{"a": 1},\n{"a": }]', 2, "not JSON (Expecting value)"),
    (b'[{"a": 1}\n{"b": 2}]', 2, "expected ',' or ']'"),
    (b'[{"a": 1},\n', 2, "not JSON"),
    (b'[{"a": 1}]\n\nextra', 3, "text after the end of the array"),
    (b'[{"a": "\xff"}]', 1, "not UTF-8"),
])
def test_a_broken_array_names_the_line_and_stops(chunk, data, line, reason):
    *_, (got_line, bad) = list(read_items(io.BytesIO(data))[0])
    assert isinstance(bad, BadItem) and bad.fatal
    assert got_line == line and reason in bad.reason


def test_json_lines_skip_blank_lines_and_count_every_line(chunk):
    data = b'\xef\xbb\xbf{"a": 1}\n\n   \n{"b": 2}\r\n{"c": 3}'
    assert [(n, t.strip()) for n, t in texts(data)] == [(1, '{"a": 1}'), (4, '{"b": 2}'),
                                                       (5, '{"c": 3}')]


def test_a_line_over_the_cap_is_skipped_without_holding_it(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ITEM_BYTES", 1000)
    data = b'{"a": 1}\n' + b"x" * 50_000 + b'\n{"b": 2}\n'
    got = texts(data)
    assert got[0][0] == 1 and got[1][0] == 2 and got[1][1].startswith("BAD larger than")
    assert got[2] == (3, '{"b": 2}\n')


def test_good_items_land_in_batches_bad_ones_are_named(store, chunk):
    lines = [json.dumps(interview(f"i{n}")) for n in range(10)]
    lines[3] = "{not json"
    lines[5] = json.dumps({"id": "no-status"})
    lines[7] = json.dumps(interview("bad/id"))
    lines[8] = json.dumps({**interview("nan"), "score": float("nan")})  # NaN: not JSON
    result, bad = run(store, "\n".join(lines).encode(), batch=3)
    assert [b.line for b in bad] == [4, 6, 8, 9]
    assert "not JSON" in bad[0].reason and "not an interview" in bad[1].reason
    assert "interview id" in bad[2].reason and "NaN" in bad[3].reason
    assert (result.imported, result.new, result.updated, result.bad) == (6, 6, 0, 4)
    assert store.tracked_ids() == ["i0", "i1", "i2", "i4", "i6", "i9"]
    assert store.get_interview("i9").raw == interview("i9")


def test_importing_again_updates_and_reindexes(store):
    run(store, json.dumps(interview("a", "first walrus")).encode())
    store.track(["b"], label="kept")
    data = "\n".join(json.dumps(interview(i, "second narwhal")) for i in ("a", "b", "a"))
    result, bad = run(store, data.encode())
    assert not bad and (result.imported, result.new, result.updated) == (3, 1, 2)
    assert store.tracked_ids() == ["a", "b"] and store.row("b").label == "kept"
    assert search(store, "walrus").hits == []
    assert sorted(h.interview_id for h in search(store, "narwhal").hits) == ["a", "b"]


def test_an_array_of_the_demo_interviews_round_trips(store, chunk):
    payloads = [ds.snapshot(i, ds.LIVE_END_SECONDS + 1) for i in ds.ALL_IDS]
    data = json.dumps(payloads, ensure_ascii=False, indent=2).encode()
    result, bad = run(store, data)
    assert not bad and result.imported == len(payloads)
    assert [store.get_interview(i).raw for i in ds.ALL_IDS] == payloads


def test_the_bulk_settings_are_put_back_after_an_import(tmp_path):
    store = Store(tmp_path / "rz.db")

    def settings() -> list[int]:
        return [store._run(lambda c, n=name: c.execute(f"PRAGMA {n}").fetchone()[0],
                           write=False) for name, _ in store.BULK_PRAGMAS]

    before = settings()
    seen: list[list[int]] = []
    lines = b"\n".join(json.dumps(interview(f"custom-{i}")).encode() for i in range(5))
    result, bad = run(store, lines, on_progress=lambda _n: seen.append(settings()), batch=2)
    assert result.imported == 5 and not bad
    assert seen and seen[0] == [value for _, value in store.BULK_PRAGMAS]
    assert settings() == before
    assert store._run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0],
                      write=False) == "wal"
    assert store._run(lambda c: c.execute("PRAGMA synchronous").fetchone()[0],
                      write=False) == 1  # NORMAL, as always
    store.close()
