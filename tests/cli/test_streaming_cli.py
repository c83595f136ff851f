"""`list` and `export` stream from the store a page at a time: the output is byte for byte what
building it all in memory gave (the page boundaries never show), in tracking order."""

from __future__ import annotations

import io
import json
import random
import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.cli.common import dump_json
from rztui.cli.interviews import LIST_COLUMNS, _iso_time
from rztui.demo import dataset as ds
from rztui.files.export_json import element_of, jsonl_of, with_evaluation
from rztui.formats import CsvRows, iso_utc, write_csv
from rztui.store import Store
from rztui.store.db import PAGE_SIZE
from rztui.textsafe import clean_line

N_BULK = PAGE_SIZE + 137


def reference_export(store, ids, fmt):
    """The export built in memory one interview at a time, with no pages and no workers (the
    oracle for the paged export)."""
    pairs = []
    for iid in ids:
        ev = store.evaluations([iid], decided=True).get(iid)
        pairs.append((store.get_interview(iid), ev if ev is not None and not ev.empty else None))
    buf = io.StringIO(newline="")
    if fmt == "csv":
        rows = CsvRows()
        write_csv(buf, (r for iv, ev in pairs for r in rows.of(iv, store.get_questions(iv.id), ev)))
    elif fmt == "jsonl":
        buf.write("".join(jsonl_of(iv, ev) + "\n" for iv, ev in pairs))
    else:  # json.dumps(list, indent=2), one element at a time
        elements = [element_of(iv.raw if ev is None else with_evaluation(iv.raw, ev))
                    for iv, ev in pairs]
        buf.write("[" + ",".join("\n  " + e for e in elements) + "\n]\n" if elements else "[]\n")
    return buf.getvalue()


def reference_iso_time(value):
    """How `list --json` wrote times before it streamed (the oracle for its fast paths)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return iso_utc(datetime.fromtimestamp(value, UTC))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso_utc(parsed)


def rz(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """More than a page of tracked interviews: the demo's (hostile text included), bulk ones,
    some tracked but never fetched, some tracked at the same second."""
    home = tmp_path_factory.mktemp("home")
    data = ds.Dataset(extra_completed=N_BULK)
    store = Store(home / "data" / "rztui.db")
    store.track(["never-fetched-1"])
    store.track(data.ids[:200])  # one added_at for all: the order falls back to rowid
    store.track(["never-fetched-2", *data.ids[200:]])
    final = [i for i in data.ids if data.status_at(i, ds.LIVE_END_SECONDS + 1) in (
        "completed", "expired")]
    store.save_interviews(data.snapshot(i, ds.LIVE_END_SECONDS + 1) for i in data.ids)
    for iid in ds.ALL_IDS:
        store.save_questions(iid, ds.questions_payload(iid))
    store.close()
    return home, final


@pytest.fixture
def env(home, monkeypatch):
    monkeypatch.setenv("RZTUI_HOME", str(home[0]))
    monkeypatch.delenv("ROUNDZERO_API_KEY", raising=False)
    monkeypatch.delenv("ROUNDZERO_BASE_URL", raising=False)
    store = Store(home[0] / "data" / "rztui.db")
    yield store, home[1]
    store.close()


def test_list_json_is_what_one_dump_gave(env):
    store, _ = env
    rows = list(store.iter_list_rows())
    assert len(rows) > PAGE_SIZE and rows[0].id == "never-fetched-1"
    assert [r.id for r in rows] == store.tracked_ids()
    expected = dump_json([
        {
            "id": r.id, "status": r.status, "candidate": r.candidate_name or None,
            "email": r.candidate_email or None, "job": r.job_title or None,
            "answered": r.answered, "created_at": reference_iso_time(r.created_at),
            "started_at": reference_iso_time(r.started_at),
            "completed_at": reference_iso_time(r.completed_at),
            "expires_at": reference_iso_time(r.expires_at),
            "added_at": reference_iso_time(r.added_at),
            "fetched_at": reference_iso_time(r.fetched_at),
            "rating": r.rating, "shortlisted": bool(r.shortlisted),
        }
        for r in rows
    ]) + "\n"
    assert rz("list", "--json").stdout == expected


def test_list_time_fast_paths_agree_with_datetime():
    rng = random.Random(7)
    values: list = [0, 0.0, 1.9999994, 1.9999996, 1_700_000_000.9999995, 253402300799.5, -1.5, 12,
                    None, "", "garbage", "2024-01-16T14:33:25Z",
                    "2024-01-16T14:33:25.5Z", "2024-01-16T16:33:25+02:00", "2024-02-30T00:00:00Z",
                    "2024-02-30T00:00:00+00:00", "2024-01-16T14:33:25.123456+00:00",
                    "2024-01-16T23:59:60+00:00", "2024-01-16T14:33:25.1234567Z",
                    "0999-01-01T00:00:00Z", "2024-01-16T14:33:25", "2024-01-16"]
    values += [datetime.fromtimestamp(rng.uniform(0, 4e9), UTC).isoformat()
               for _ in range(500)]
    values += [rng.uniform(0, 4e9) for _ in range(2000)]
    values += [rng.randrange(0, 4_000_000_000) + rng.choice([0.0, 0.999999, 0.9999999])
               for _ in range(500)]
    for value in values:
        assert _iso_time(value) == reference_iso_time(value), value


def test_list_lines_are_what_one_pass_gave(env):
    store, _ = env
    expected = "".join(
        f"{clean_line(r.id):<40} {clean_line(r.status or 'not fetched'):<12} "
        f"{clean_line(r.candidate_name)[:28]:<28} {clean_line(r.job_title)[:30]:<30} "
        f"{f'{r.rating}/5' if r.rating else '':<6} {'yes' if r.shortlisted else ''}".rstrip()
        + "\n"
        for r in store.iter_list_rows()
    )
    assert rz("list").stdout == expected
    assert LIST_COLUMNS[0][0] == "ID"


def test_an_empty_list(tmp_path, monkeypatch):
    monkeypatch.setenv("RZTUI_HOME", str(tmp_path))
    assert rz("list", "--json").stdout == "[]\n"
    assert rz("list").stdout == ""


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_export_all_is_what_writing_it_in_memory_gave(env, fmt, tmp_path):
    store, final = env
    res = rz("export", "-f", fmt, "--status", "completed", "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    completed = [r.id for r in store.iter_list_rows() if r.status == "completed"]
    assert len(completed) > PAGE_SIZE
    expected = reference_export(store, completed, fmt)
    assert (tmp_path / "out").read_bytes() == expected.encode("utf-8")
    if fmt == "jsonl":
        lines = (tmp_path / "out").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["id"] for line in lines] == completed


def test_export_all_offline_names_only_what_needs_a_fetch(env):
    store, final = env
    res = rz("export", "-f", "jsonl", "--all")
    assert res.exit_code == 4
    named = {line.split()[3].rstrip(":") for line in res.stderr.splitlines()
             if line.startswith("rztui: error: interview ")}
    tracked = set(store.tracked_ids())
    assert named == tracked - set(final)
    assert [json.loads(line)["id"] for line in res.stdout.splitlines()] == [
        i for i in store.tracked_ids() if i in set(final)]


def test_the_retention_purge_and_list_paging_use_an_index(env):
    store, _ = env
    plan = " ".join(r[3] for r in store._query(
        "EXPLAIN QUERY PLAN SELECT id FROM interviews WHERE fetched_at < ?", (time.time(),)))
    assert "interviews_fetched_at" in plan
    plan = " ".join(r[3] for r in store._query(
        "EXPLAIN QUERY PLAN SELECT t.id FROM tracked t WHERE (t.added_at, t.rowid) > (?, ?) "
        "ORDER BY t.added_at, t.rowid LIMIT 10", (0, 0)))
    assert "tracked_added_at" in plan and "TEMP B-TREE" not in plan
