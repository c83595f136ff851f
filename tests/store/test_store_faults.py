"""The store under real faults: concurrent processes, another process's lock, a damaged page
found by a query, a read-only folder, a full disk. Real SQLite files and real processes; the
CLI runs as a user runs it (a subprocess with RZTUI_HOME), except where a test needs a short
busy timeout (then in-process with CliRunner)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from disk_faults import fill_disk, read_only, tiny_disk

import rztui
import rztui.store.connection as connection
from rztui.cli import main
from rztui.store import Store, StoreBusy, StoreError, StoreFull, StoreReadOnly

REPO = Path(rztui.__file__).resolve().parents[1]
IDS = [f"{i:08d}-aaaa-4bbb-8ccc-dddddddddddd" for i in range(1, 7)]


def payload(iid: str, transcript: str = "x" * 50, n: int = 2) -> dict:
    return {
        "id": iid,
        "status": "completed",
        "job": {"id": "j1", "title": "Backend Engineer"},
        "candidate": {"id": "c1", "name": f"Cand {iid}"},
        "responses": [
            {"question_id": f"q{i}", "question_text": f"Q{i}", "transcript": transcript}
            for i in range(n)
        ],
    }


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ROUNDZERO_API_KEY", "ROUNDZERO_BASE_URL")}
    return {**env, "RZTUI_HOME": str(home), "PYTHONPATH": str(REPO)}


def rztui_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from rztui.cli import main; main()", *args]


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(rztui_cmd(*args), env=env_for(home), capture_output=True, text=True,
                          timeout=timeout)


def moved_aside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name)


def assert_one_line_error(stderr: str, *needles: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rztui: error: "), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# --------------------------------------------------------------------------- concurrency

OPENER = textwrap.dedent(
    """
    import os, sys, time
    from rztui.store import Store
    path, go, iid = sys.argv[1:4]
    while not os.path.exists(go):
        time.sleep(0.001)
    s = Store(path)
    s.track([iid])
    print("\\n".join(s.warnings))
    """
)


@pytest.mark.slow
def test_processes_opening_a_fresh_store_at_once_all_land(tmp_path):
    """Eight processes wait at a start line, then create, migrate and write one new store."""
    path, go = tmp_path / "data" / "rztui.db", tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", OPENER, str(path), str(go), f"id-{i}"],
                         env=env_for(tmp_path), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    time.sleep(1.0)  # let them all import and wait
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and not out.strip(), (out, err)
    s = Store(path)
    assert sorted(s.tracked_ids()) == [f"id-{i}" for i in range(8)]
    assert not s.warnings and moved_aside(path.parent) == []


@pytest.mark.slow
def test_six_cli_adds_at_once_on_a_fresh_home_keep_every_id(tmp_path):
    for trial in range(2):
        home = tmp_path / f"home{trial}"
        procs = [subprocess.Popen(rztui_cmd("add", "--no-fetch", iid), env=env_for(home),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for iid in IDS]
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0 and err == "", (out, err)
        listed = run_cli(home, "list", "--json")
        assert listed.returncode == 0 and listed.stderr == ""
        assert sorted(r["id"] for r in json.loads(listed.stdout)) == IDS
        assert moved_aside(home / "data") == []


# --------------------------------------------------------------------------- another's lock

HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    if sys.argv[2] == "exclusive":  # nobody may even read (as a rollback-journal writer would)
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
    else:  # an ordinary writer mid-transaction: readers go on, writers wait
        conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO tracked (id, added_at) VALUES ('uncommitted', 0)")
    print("held", flush=True)
    if float(sys.argv[3]) > 0:
        time.sleep(float(sys.argv[3]))
    else:
        sys.stdin.read()
    conn.execute("ROLLBACK")
    """
)


@contextlib.contextmanager
def lock_held(path: Path, mode: str, seconds: float = 0) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode, str(seconds)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)


@pytest.fixture
def filled(tmp_path) -> Path:
    path = tmp_path / "data" / "rztui.db"
    s = Store(path)
    s.track(IDS)
    s.save_interview(payload(IDS[0]))
    s.close()
    return path


@pytest.mark.slow
def test_an_exclusive_lock_makes_open_wait_then_fail_clearly_and_moves_nothing(filled):
    before = filled.read_bytes()
    with lock_held(filled, "exclusive"):
        t0 = time.monotonic()
        with pytest.raises(StoreBusy) as err:
            Store(filled, busy_timeout=1.0)
        waited = time.monotonic() - t0
    assert waited >= 0.9, waited
    message = str(err.value)
    assert str(filled) in message and "locked by another process" in message
    assert err.value.exit_code == 5
    assert moved_aside(filled.parent) == [] and filled.read_bytes() == before
    s = Store(filled)
    assert s.tracked_ids() == IDS and not s.warnings


def test_a_writer_holding_the_lock_blocks_writes_not_reads(filled):
    s = Store(filled, busy_timeout=0.5)
    with lock_held(filled, "immediate"):
        assert s.tracked_ids() == IDS  # WAL: readers never wait for a writer
        t0 = time.monotonic()
        with pytest.raises(StoreBusy, match="locked by another process"):
            s.track(["new"])
        assert time.monotonic() - t0 >= 0.4
    assert s.track(["new"]) == ["new"]  # the same store works once the lock is gone
    assert s.tracked_ids() == [*IDS, "new"]


@pytest.mark.slow
def test_the_cli_waits_for_a_short_lock_and_succeeds(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "add", "--no-fetch", IDS[0]).returncode == 0
    with lock_held(home / "data" / "rztui.db", "exclusive", seconds=1.5):
        t0 = time.monotonic()
        res = run_cli(home, "add", "--no-fetch", IDS[1])
        waited = time.monotonic() - t0
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert waited >= 1.0, waited  # it did wait (the lock was held for 1.5 s)
    assert "tracking 1 new" in res.stdout


def test_the_cli_says_which_store_is_locked_and_exits_5(filled, monkeypatch):
    monkeypatch.setenv("RZTUI_HOME", str(filled.parent.parent))
    monkeypatch.setattr(connection, "DEFAULT_BUSY_TIMEOUT", 0.5)
    with lock_held(filled, "exclusive"):
        res = CliRunner().invoke(main, ["list"])
    assert res.exit_code == 5, res.output
    assert_one_line_error(res.stderr, str(filled), "locked by another process")
    assert moved_aside(filled.parent) == []


# --------------------------------------------------------------------------- damage


def damage_a_middle_page(path: Path) -> int:
    """Garbage over one page of the ``interviews`` table near the middle of the file (not the
    pages open reads); returns the page number."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [n for (n,) in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'interviews' ORDER BY pageno")]
    total = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    page = min(pages, key=lambda n: abs(n - total // 2))
    rng = random.Random(7)
    with open(path, "r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(bytes(rng.randrange(256) for _ in range(page_size)))
    return page


@pytest.fixture
def damaged(tmp_path) -> Path:
    path = tmp_path / "data" / "rztui.db"
    s = Store(path)
    ids = [f"iv-{i:03d}" for i in range(60)]
    s.track(ids)
    s.save_interviews([payload(iid, transcript=f"words {iid} " * 300) for iid in ids])
    s.close()
    assert not (path.parent / "rztui.db-wal").exists()  # all of it is in the main file
    damage_a_middle_page(path)
    return path


def test_damage_found_by_a_read_moves_the_store_aside_and_salvages_the_rest(damaged):
    bad = damaged.read_bytes()
    told: list[str] = []
    s = Store(damaged, on_warning=told.append)
    ids = s.tracked_ids()
    assert told == [] and len(ids) == 60  # open did not read that page
    cached = s.cached_payloads(ids)  # the read hit the page: a fresh store, what was readable
    assert 0 < len(cached) < 60
    assert len(told) == 1 and s.warnings == told
    aside = moved_aside(damaged.parent)
    assert aside and str(damaged.parent / aside[0]) in told[0] and "damaged" in told[0]
    assert f"{len(cached)} of 60 cached interviews" in told[0]
    assert (damaged.parent / aside[0]).read_bytes() == bad  # kept as it was, for recovery
    assert s.track(["after"]) == ["after"] and s.tracked_ids() == [*ids, "after"]
    s.close()
    again = Store(damaged)
    assert again.tracked_ids() == [*ids, "after"] and not again.warnings


def test_damage_found_by_a_write_lands_the_write_in_the_fresh_store(damaged):
    s = Store(damaged, on_warning=lambda _: None)
    ids = s.tracked_ids()
    for iid in ids:  # rewriting every payload reads each old one: one of them is damaged
        s.save_interview(payload(iid, transcript="new text"))
        if s.warnings:
            break
    assert len(s.warnings) == 1 and "moved to" in s.warnings[0]
    assert s.get_interview(iid) is not None  # the write that met the damage was not lost
    assert s.cached_status(iid) == "completed"


def test_the_cli_warns_where_the_damaged_store_went_at_open(tmp_path):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "rztui.db").write_bytes(b"not a database, not at all " * 100)
    res = run_cli(home, "list")
    assert res.returncode == 0
    aside = moved_aside(home / "data")
    assert aside and "warning" in res.stderr and aside[0] in res.stderr


def test_a_cli_command_that_finds_damage_goes_on_with_what_was_salvaged(damaged):
    res = run_cli(damaged.parent.parent, "list", "--json")
    assert res.returncode == 0, res.stderr
    assert [r["id"] for r in json.loads(res.stdout)] == [f"iv-{i:03d}" for i in range(60)]
    assert [n for n in moved_aside(damaged.parent) if not n.endswith(("-wal", "-shm"))]
    assert run_cli(damaged.parent.parent, "add", "--no-fetch", IDS[0]).returncode == 0


def test_the_cli_says_where_the_store_went_when_a_query_finds_damage(damaged):
    res = run_cli(damaged.parent.parent, "list")
    aside = moved_aside(damaged.parent)
    assert res.returncode == 0 and aside and aside[0] in res.stderr


def test_a_database_that_is_not_a_store_is_refused_not_moved(tmp_path):
    path = tmp_path / "rz.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 2")  # claims to be a store, has none of its tables
    conn.execute("CREATE TABLE other (x)")
    conn.close()
    with pytest.raises(StoreError, match="no such table"):
        Store(path)
    assert moved_aside(tmp_path) == []


# --------------------------------------------------------------------------- read-only


def test_a_read_only_folder_reads_and_refuses_writes(filled):
    s = Store(filled)
    s.save_questions(IDS[0], {"questions": [{"id": "q0", "question_text": "Q0"}]})
    s.close()
    with read_only(filled.parent) as reason:
        s = Store(filled)
        try:
            assert s.read_only and s.read_only_reason == reason
            assert s.tracked_ids() == IDS and s.get_interview(IDS[0]) is not None
            assert s.fts_available and s.search_doc_count() == 2
            with pytest.raises(StoreReadOnly) as err:
                s.track(["new"])
            assert str(filled) in str(err.value) and reason in str(err.value)
            assert err.value.exit_code == 5
        finally:
            s.close()
        assert moved_aside(filled.parent) == []


def test_a_damaged_store_in_a_read_only_folder_is_reported_not_moved(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "rztui.db").write_bytes(b"not a database, not at all " * 100)
    with read_only(folder) as reason:
        with pytest.raises(StoreReadOnly) as err:
            Store(folder / "rztui.db")
    assert "damaged" in str(err.value) and "could not be moved aside" in str(err.value)
    assert reason in str(err.value) and moved_aside(folder) == []


def test_the_cli_in_a_read_only_home_lists_and_refuses_to_add(filled):
    home = filled.parent.parent
    with read_only(filled.parent) as reason:
        listed = run_cli(home, "list", "--json")
        added = run_cli(home, "add", "--no-fetch", "99999999-aaaa-4bbb-8ccc-dddddddddddd")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == IDS
    assert added.returncode == 5
    assert_one_line_error(added.stderr, str(filled), reason)
    assert moved_aside(filled.parent) == [] and Store(filled).tracked_ids() == IDS


def test_a_read_only_home_without_a_store_reads_as_empty(tmp_path):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    with read_only(home / "data") as reason:
        listed = run_cli(home, "list", "--json")
        added = run_cli(home, "add", "--no-fetch", IDS[0])
    assert listed.returncode == 0 and listed.stdout.strip() == "[]", listed.stderr
    assert added.returncode == 5
    assert_one_line_error(added.stderr, "rztui.db", reason)
    assert list((home / "data").iterdir()) == []


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def tiny_fs(tmp_path) -> Iterator[Path]:
    with tiny_disk(tmp_path) as folder:
        yield folder


def test_a_full_disk_fails_the_write_clearly_and_keeps_the_store(tiny_fs):
    path = tiny_fs / "data" / "rztui.db"
    s = Store(path)
    s.track(["a", "b"])
    s.save_interview(payload("a"))
    filler = fill_disk(tiny_fs)
    with pytest.raises(StoreFull) as err:
        s.save_interview(payload("b", transcript="big " * 8_000))
    assert str(path) in str(err.value) and "disk is full" in str(err.value)
    assert err.value.exit_code == 5
    assert s.get_interview("a") is not None and s.get_interview("b") is None  # reads still work
    filler.unlink()
    s.save_interview(payload("b", transcript="big " * 8_000))  # room again: it works
    s.close()
    again = Store(path)
    assert again.get_interview("b") is not None and again.tracked_ids() == ["a", "b"]
    assert not again.warnings and moved_aside(path.parent) == []


def test_the_cli_on_a_full_disk_exits_5_with_the_reason(tiny_fs):
    home = tiny_fs / "home"
    (home / "data").mkdir(parents=True)
    fill_disk(tiny_fs)
    res = run_cli(home, "add", "--no-fetch", IDS[0])
    assert res.returncode == 5, res.stderr
    assert_one_line_error(res.stderr, "rztui.db", "disk is full")
    assert moved_aside(home / "data") == []


def test_a_store_moved_aside_by_another_process_is_followed(tmp_path):
    """Another process found the file damaged and moved it aside: the next write here goes to
    the file now at that path, not to the old one (SQLite would not notice, in WAL mode)."""
    path = tmp_path / "rztui.db"
    s = Store(path)
    s.track(["a"])
    for suffix in ("", "-wal", "-shm"):
        os.replace(f"{path}{suffix}", f"{path}.corrupt-1{suffix}")
    other = Store(path)  # the other process starts afresh, and is writing
    other.track(["c"])
    assert s.track(["b"]) == ["b"]
    assert not s.warnings and s.tracked_ids() == ["c", "b"]
    s.close()  # SQLite does not checkpoint a moved file on close: the new WAL stays
    assert other.tracked_ids() == ["c", "b"] and Store(path).tracked_ids() == ["c", "b"]
