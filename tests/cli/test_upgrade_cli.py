"""The CLI says when it upgrades the store (a line before, a line after) and nothing otherwise."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from rztui.cli import main
from rztui.demo import dataset as ds
from rztui.store.schema import MIGRATIONS


def v1_store(path, n: int) -> None:
    """A store as the first rztui left it (``tests/store/test_store_upgrade.py`` has more)."""
    data = ds.Dataset(extra_completed=n)
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")  # one transaction: one sync to disk, not one per row
    for statement in str(MIGRATIONS[0]).split(";"):
        conn.execute(statement)
    for iid in data.bulk_ids[:n]:
        conn.execute("INSERT INTO tracked (id, added_at) VALUES (?, 0)", (iid,))
        conn.execute("INSERT INTO interviews (id, status, body, fetched_at) "
                     "VALUES (?, 'completed', ?, 0)",
                     (iid, json.dumps(data.snapshot(iid, ds.LIVE_END_SECONDS + 1))))
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()


def test_the_cli_announces_a_one_time_upgrade(tmp_path, monkeypatch):
    monkeypatch.setenv("RZTUI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROUNDZERO_API_KEY", raising=False)
    path = tmp_path / "home" / "data" / "rztui.db"
    v1_store(path, 30)
    result = CliRunner().invoke(main, ["list"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0] == f"rztui: Upgrading the store at {path} (one time, 30 interviews)…"
    assert lines[1].startswith("rztui: store upgraded in ") and lines[1].endswith(" s")
    assert len(result.stdout.splitlines()) == 30
    again = CliRunner().invoke(main, ["list"], catch_exceptions=False)
    assert again.exit_code == 0 and again.stderr == ""
