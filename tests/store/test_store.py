"""The SQLite store on a real file: caching, permissions, recovery, crash safety, migrations."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from rztui.store import Store, StoreTooNew
from rztui.store.schema import SCHEMA_VERSION


def payload(iid: str, status: str = "completed", n: int = 2) -> dict:
    return {
        "id": iid,
        "status": status,
        "job": {"id": "j1", "title": "Backend Engineer"},
        "candidate": {"id": "c1", "name": f"Cand {iid}", "email": f"{iid}@example.com"},
        "created_at": "2024-01-15T10:30:00Z",
        "responses": [
            {
                "question_id": f"q{i}",
                "question_text": f"Q{i}",
                "transcript": "x" * 50,
                "duration_seconds": 10,
            }
            for i in range(n)
        ],
    }


def test_track_cache_and_list(tmp_path):
    s = Store(tmp_path / "d" / "rz.db")
    assert s.track(["a", "b", "a"]) == ["a", "b"]
    assert s.track(["b", "c"]) == ["c"]
    s.save_interview(payload("a"))
    rows = {r.id: r for r in s.iter_list_rows()}
    assert rows["a"].status == "completed" and rows["a"].answered == 2
    assert rows["a"].candidate_name == "Cand a" and rows["b"].status is None
    assert s.is_final("a") and not s.is_final("b")
    assert s.get_interview("a").raw == payload("a")
    assert s.untrack(["a"]) == 1
    assert s.get_interview("a") is None and s.tracked_ids() == ["b", "c"]


def test_files_are_private(tmp_path):
    s = Store(tmp_path / "data" / "rz.db")
    s.track(["a"])
    s.save_interview(payload("a"))
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    for suffix in ("", "-wal", "-shm"):
        p = tmp_path / "data" / f"rz.db{suffix}"
        if p.exists():
            assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, suffix


def test_wal_mode_and_schema_version(tmp_path):
    s = Store(tmp_path / "rz.db")
    s.close()
    conn = sqlite3.connect(tmp_path / "rz.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "rz.db"
    path.write_bytes(b"this is not a database at all " * 200)
    s = Store(path)
    assert s.warnings and "moved to" in s.warnings[0]
    assert s.track(["x"]) == ["x"]
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].read_bytes().startswith(b"this is not")


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "rz.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreTooNew, match="newer rztui") as err:
        Store(path)
    assert err.value.exit_code == 5 and str(path) in str(err.value)
    assert path.read_bytes() == before  # not moved aside, not migrated
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []


def test_purge(tmp_path):
    s = Store(tmp_path / "rz.db")
    s.track(["a", "b"])
    s.save_interview(payload("a"), fetched_at=time.time() - 40 * 86400)
    s.save_interview(payload("b"))
    assert s.purge(older_than_days=30) == 1
    assert s.get_interview("a") is None and s.get_interview("b") is not None
    assert s.tracked_ids() == ["a", "b"]  # tracking survives a purge
    assert s.purge(everything=True) == 1


def test_invalid_payload_is_not_stored(tmp_path):
    from rztui.api.errors import InvalidResponse

    s = Store(tmp_path / "rz.db")
    with pytest.raises(InvalidResponse):
        s.save_interview({"id": "x", "status": "completed", "responses": "no"})
    assert s.get_interview("x") is None


WRITER = textwrap.dedent(
    """
    import sys, json
    from rztui.store import Store
    s = Store(sys.argv[1])
    i = 0
    while True:
        iid = f"iv-{i:06d}"
        s.track([iid])
        s.save_interview({"id": iid, "status": "completed", "candidate": {"name": "n" * 300},
                          "responses": [{"transcript": "t" * 2000, "question_id": "q"}] * 5})
        print(iid, flush=True)
        i += 1
    """
)


def test_killed_mid_batch_keeps_every_committed_row(tmp_path):
    db = tmp_path / "rz.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    committed = []
    assert proc.stdout is not None
    for line in proc.stdout:
        committed.append(line.strip())
        if len(committed) >= 150:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    s = Store(db)
    assert not s.warnings
    for iid in committed:
        iv = s.get_interview(iid)
        assert (
            iv is not None and len(iv.responses) == 5 and iv.responses[0].transcript == "t" * 2000
        )
    # Whatever else landed is whole too: each cached row is a tracked, parseable interview.
    assert set(s.tracked_ids()) >= set(committed)
    for row in s.iter_list_rows():
        if row.status is not None:
            iv = s.get_interview(row.id)
            assert iv is not None and len(iv.responses) == 5
