"""The one-time upgrade of an existing store reports how it goes (``Store(on_migration=)``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rztui.demo import dataset as ds
from rztui.store import MigrationProgress, Store
from rztui.store.schema import MIGRATIONS, SCHEMA_VERSION


def v1_store(path: Path, n: int) -> list[str]:
    """A store as the first rztui left it: ``n`` cached interviews as JSON text."""
    data = ds.Dataset(extra_completed=n)
    ids = data.bulk_ids[:n]
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")  # one transaction: one sync to disk, not one per row
    for statement in str(MIGRATIONS[0]).split(";"):
        if statement.strip():
            conn.execute(statement)
    for iid in ids:
        conn.execute("INSERT INTO tracked (id, added_at) VALUES (?, 0)", (iid,))
        conn.execute(
            "INSERT INTO interviews (id, status, body, fetched_at) VALUES (?, 'completed', ?, 0)",
            (iid, json.dumps(data.snapshot(iid, ds.LIVE_END_SECONDS + 1))),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    return ids


@pytest.mark.slow
def test_an_upgrade_reports_its_start_its_progress_and_its_end(tmp_path):
    path = tmp_path / "rz.db"
    ids = v1_store(path, 1200)
    seen: list[MigrationProgress] = []
    s = Store(path, on_migration=seen.append)
    assert s._query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert s.get_interview(ids[-1]) is not None
    s.close()
    assert len(seen) >= 2
    first, last = seen[0], seen[-1]
    assert (first.path, first.interviews, first.fraction, first.finished) == (path, 1200, 0.0,
                                                                              False)
    assert last.finished and last.fraction == 1.0 and last.interviews == 1200
    assert [p.finished for p in seen].count(True) == 1
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)  # it only goes forward
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert last.seconds >= first.seconds >= 0.0
    # Opened again, nothing is left to upgrade: nothing is said.
    again: list[MigrationProgress] = []
    Store(path, on_migration=again.append).close()
    assert again == []


def test_a_new_store_reports_nothing(tmp_path):
    seen: list[MigrationProgress] = []
    Store(tmp_path / "new.db", on_migration=seen.append).close()
    assert seen == []
