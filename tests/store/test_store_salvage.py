"""A damaged store is salvaged, not thrown away: garbage over real pages of a real SQLite file,
one table at a time; what SQLite can still read lands in the fresh store, the rest is counted,
the lost interviews are fetched again, and the damaged file stays aside, private."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import rztui
from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.server import DemoServer
from rztui.service import FetchStats, Service
from rztui.store import Store
from rztui.store.payload import encode_body

REPO = Path(rztui.__file__).resolve().parents[1]
N = 1200
IDS = [f"{i:08d}-aaaa-4bbb-8ccc-dddddddddddd" for i in range(N)]


def payload(iid: str) -> dict:
    return {
        "id": iid, "status": "completed",
        "job": {"id": "j1", "title": "Backend Engineer"},
        "candidate": {"id": f"c-{iid}", "name": f"Cand {iid[:8]}"},
        "responses": [{"question_id": "q0", "question_text": "Why?",
                       "transcript": f"answer of {iid[:8]} " * 20}],
    }


def fill(path: Path, ids: list[str], payloads: list[dict]) -> None:
    """Every table the user's data lives in, with rows on many pages."""
    s = Store(path)
    s.track(ids, label="batch")
    s.save_interviews(payloads)
    s.close()
    conn = sqlite3.connect(path)
    now = 1.7e9
    conn.executemany(
        "INSERT OR REPLACE INTO evaluation (interview_id, rating, note, shortlisted, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(iid, 1 + k % 5, f"note on {iid[:8]}: " + "careful, clear " * 3, k % 3 == 0, now)
         for k, iid in enumerate(ids)])
    conn.executemany(
        "INSERT INTO answer_rating (interview_id, question_id, rating, updated_at) "
        "VALUES (?, 'q0', ?, ?)", [(iid, 1 + k % 5, now) for k, iid in enumerate(ids)])
    conn.executemany(
        "INSERT INTO questions (interview_id, body, fetched_at) VALUES (?, ?, ?)",
        [(iid, encode_body({"questions": [{"id": "q0", "question_text": "Why?"}]}), now)
         for iid in ids])
    conn.executemany(
        "INSERT INTO poll_state (interview_id, next_poll_at, last_polled_at, last_status) "
        "VALUES (?, ?, ?, 'completed')", [(iid, now, now) for iid in ids])
    conn.executemany(
        "INSERT INTO archive (interview_id, question_id, path, sha256, size, archived_at) "
        "VALUES (?, 'q0', ?, ?, 1, ?)", [(iid, f"/a/{iid}.mp3", "0" * 64, now) for iid in ids])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


CONTENT = {
    "tracked": "SELECT id, label FROM tracked",
    "evaluation": "SELECT interview_id, rating, note, shortlisted FROM evaluation",
    "answer_rating": "SELECT interview_id, question_id, rating FROM answer_rating",
    "interviews": "SELECT id, body FROM interviews",
    "questions": "SELECT interview_id, body FROM questions",
    "poll_state": "SELECT interview_id, last_status FROM poll_state",
    "archive": "SELECT interview_id, question_id, path FROM archive",
}


def content(path: Path) -> dict[str, set[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {t: {tuple(r) for r in conn.execute(sql)} for t, sql in CONTENT.items()}
    finally:
        conn.close()


def damage(path: Path, name: str, count: int) -> int:
    """Garbage over ``count`` leaf pages of ``name`` (a table or an index) spread through its
    middle; returns how many rows (cells) those pages held."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = conn.execute("SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = "
                          "'leaf' ORDER BY pageno", (name,)).fetchall()
    conn.close()
    assert len(leaves) > count * 3, (name, len(leaves))  # a real table, over many pages
    step = len(leaves) // (count + 1)
    chosen = [leaves[step * (k + 1)] for k in range(count)]
    rng = random.Random(20)
    with open(path, "r+b") as f:
        for page, _ in chosen:
            f.seek((page - 1) * page_size)
            f.write(bytes(rng.randrange(256) for _ in range(page_size)))
    return sum(ncell for _, ncell in chosen)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, dict[str, set[tuple]]]:
    path = tmp_path_factory.mktemp("pristine") / "rztui.db"
    fill(path, IDS, [payload(iid) for iid in IDS])
    return path, content(path)


def damaged_copy(pristine, tmp_path: Path, name: str, pages: int) -> tuple[Path, int]:
    src, _ = pristine
    path = tmp_path / "data" / "rztui.db"
    path.parent.mkdir(mode=0o700)
    shutil.copy(src, path)
    return path, damage(path, name, pages)


def aside(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".corrupt-" in p.name and not p.name.endswith(
        ("-wal", "-shm"))]


@pytest.mark.parametrize("table", list(CONTENT))
def test_damage_to_one_table_loses_only_the_rows_on_its_damaged_pages(pristine, tmp_path,
                                                                      table):
    path, on_pages = damaged_copy(pristine, tmp_path, table, 3)
    bad = path.read_bytes()
    told: list[str] = []
    s = Store(path, on_warning=told.append)
    s._query(f"SELECT * FROM {table}")  # meets the damage (or open did)
    assert len(told) == 1 and s.warnings == told, told
    [moved] = aside(path.parent)
    assert moved.read_bytes() == bad and moved.stat().st_mode & 0o777 == 0o600
    assert str(moved) in told[0] and "salvaged" in told[0]
    s.close()

    before, after = pristine[1], content(path)
    for other, rows in before.items():
        if other == table or (table == "interviews" and other == "poll_state"):
            continue
        assert after[other] == rows, other  # every other table whole
    kept = after[table]
    assert {r for r in kept if r[-1] is not None} <= before[table]  # nothing made up
    if table == "tracked":
        # Ids on damaged pages come back from the table's indexes: no id is lost, only labels.
        assert {iid for iid, _ in kept} == {iid for iid, _ in before[table]}
        assert len(before[table]) - sum(1 for _, label in kept if label) == on_pages
    else:
        lost = len(before[table]) - len(kept)
        assert lost == on_pages, (lost, on_pages)  # exactly the rows on those pages
        assert f"{len(kept):,} of {len(before[table]):,}" in told[0]
        assert f"lost {lost:,}" in told[0]
    if table == "interviews":  # their poll states go too, so they are fetched at once
        cached = {iid for iid, _ in kept}
        assert {r[0] for r in after["poll_state"]} == cached
    again = Store(path)
    assert not again.warnings and len(again.tracked_ids()) == N


def test_damage_to_an_index_loses_no_row(pristine, tmp_path):
    path, _ = damaged_copy(pristine, tmp_path, "interviews_listing", 2)
    s = Store(path, on_warning=lambda _: None)
    s._query("SELECT id, status FROM interviews INDEXED BY interviews_listing")
    assert len(s.warnings) == 1 and aside(path.parent)
    s.close()
    assert content(path) == pristine[1]


def test_the_search_index_holds_the_salvaged_interviews(pristine, tmp_path):
    path, on_pages = damaged_copy(pristine, tmp_path, "interviews", 3)
    s = Store(path, on_warning=lambda _: None)
    s._query("SELECT * FROM interviews")
    assert s.search_doc_count() == N - on_pages  # one answer each, indexed again


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ROUNDZERO_API_KEY", "ROUNDZERO_BASE_URL")}
    env.update(RZTUI_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", "from rztui.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_list_right_after_damage_to_interviews_shows_every_salvaged_row_and_says_so(
        pristine, tmp_path):
    path, on_pages = damaged_copy(pristine, tmp_path, "interviews", 3)
    res = run_cli(tmp_path, "list", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["id"] for r in rows] == IDS  # every tracked id, in order
    named = [r for r in rows if r["candidate"]]
    assert len(named) == N - on_pages  # the salvaged interviews, with their fields
    warning = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and f"{N - on_pages:,} of {N:,} cached interviews" in warning[0]
    assert f"{N:,} of {N:,} ratings" in warning[0], warning
    again = run_cli(tmp_path, "list", "--json")  # said once: the next command is quiet
    assert again.returncode == 0 and again.stderr == ""
    assert len(json.loads(again.stdout)) == N


def test_every_rating_and_note_survives_damage_to_interviews_and_the_lost_are_fetched_again(
        tmp_path):
    data = ds.Dataset(extra_completed=400)
    ids = data.bulk_ids
    path = tmp_path / "rztui.db"
    fill(path, ids, [data.snapshot(iid, 10**7) for iid in ids])
    before = content(path)
    on_pages = damage(path, "interviews", 3)
    s = Store(path, on_warning=lambda _: None)
    cached = s.cached_payloads(ids)  # meets the damage
    assert len(s.warnings) == 1 and len(cached) == len(ids) - on_pages
    evaluations = s.evaluations(ids)
    assert {(e.interview_id, e.rating, e.note, int(e.shortlisted))
            for e in evaluations.values()} == before["evaluation"]

    async def fetch_all() -> FetchStats:
        server = DemoServer(port=0, extra_completed=400, rate_limit=10_000).start()
        try:
            async with ApiClient(server.base_url, ds.DEMO_KEY) as api:
                stats = FetchStats()
                results = await Service(s, api).interviews(ids, stats=stats)
                assert all(not isinstance(v, Exception) for v in results.values())
                return stats
        finally:
            server.stop()

    stats = asyncio.run(fetch_all())
    assert stats.requests == on_pages and stats.cache_hits == len(ids) - on_pages
    assert len(s.cached_payloads(ids)) == len(ids)
