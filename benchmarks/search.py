"""Full-text search over 10,000 cached interviews (SQLite FTS5 through rztui.answers.search.search).

Builds a store with the demo dataset plus N synthetic completed interviews (make_bulk: composed
spoken-style transcripts, 3-4 answers each), inserted with Store.save_interviews (index kept in
step by triggers in the same transaction). Then runs a varied set of queries (single words,
phrases, prefix*, column filters, boolean, NEAR, literal fallback, CJK) several times each and
prints the median and p95 per query and overall. Target: overall median <= 50 ms.

Also times the v1 -> v2 migration: the same interviews in a v1 store (no index), opened once.

    python benchmarks/search.py [--n 10000] [--repeat 7] [--limit 20] [--no-migration]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rztui.answers.search import search
from rztui.demo.dataset import ALL_IDS, LIVE_END_SECONDS, Dataset
from rztui.store import Store
from rztui.store.schema import MIGRATIONS

QUERIES: list[tuple[str, str]] = [
    ("word", "goroutine"),
    ("word", "accessibility"),
    ("word", "renewal"),
    ("word (in most answers)", "the"),
    ("word, diacritics", "chloe"),
    ("two words", "churn model"),
    ("phrase", '"race condition"'),
    ("phrase", '"design system"'),
    ("phrase", '"error budget"'),
    ("prefix", "debug*"),
    ("prefix (short, broad)", "re*"),
    ("prefix phrase", '"thundering h"*'),
    ("column", "candidate:garcia"),
    ("column + word", "candidate:tanaka postmortem"),
    ("column", "question:incident"),
    ("columns", "{candidate job}:designer"),
    ("OR", "mutex OR channels"),
    ("NOT", "hooks NOT class"),
    ("NEAR", "NEAR(goroutine leak, 5)"),
    ("literal fallback", "node.js don't"),
    ("CJK", "前職"),
    ("no match", "xylophone"),
]


def payloads(n: int):
    data = Dataset(extra_completed=n)
    for iid in data.ids:
        yield data.snapshot(iid, LIVE_END_SECONDS + 1)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def breakdown(store: Store) -> str:
    """Where the bytes are (when SQLite has the dbstat table)."""
    try:
        rows = store._query("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
    except sqlite3.Error:
        return ""
    sizes = {name: size for name, size in rows}
    payloads = sizes.get("interviews", 0)
    docs = sum(v for k, v in sizes.items() if k.startswith("search_docs"))
    fts = sum(v for k, v in sizes.items() if k.startswith("search_index"))
    return (f" (payloads {payloads / 1e6:.1f} MB; search: text and keys {docs / 1e6:.1f} MB, "
            f"FTS5 index {fts / 1e6:.1f} MB)")


def build(path: Path, n: int) -> tuple[Store, float, int]:
    store = Store(path)
    t0 = time.perf_counter()
    count = store.save_interviews(payloads(n))
    return store, time.perf_counter() - t0, count


def migration(path: Path, n: int) -> tuple[float, int]:
    """A v1 store holding the same interviews, then the timed open that migrates it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("BEGIN")
    for body in payloads(n):
        conn.execute(
            "INSERT INTO interviews (id, status, body, fetched_at) VALUES (?,?,?,0)",
            (body["id"], body["status"], json.dumps(body, ensure_ascii=False)),
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    t0 = time.perf_counter()
    store = Store(path)
    elapsed = time.perf_counter() - t0
    docs = store.search_doc_count()
    store.close()
    return elapsed, docs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="synthetic interviews (plus the demo's)")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per query")
    ap.add_argument("--limit", type=int, default=20, help="hits per query (CLI default: 20)")
    ap.add_argument("--no-migration", action="store_true", help="skip the v1 -> v2 figure")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store, build_s, count = build(Path(tmp) / "rz.db", args.n)
        docs = store.search_doc_count()
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = (Path(tmp) / "rz.db").stat().st_size
        print(f"store: {count:,} interviews ({count - len(ALL_IDS):,} synthetic), "
              f"{docs:,} answers indexed, {size / 1e6:.1f} MB on disk{breakdown(store)}")
        print(f"insert with index (save_interviews, one transaction): {build_s:.2f} s "
              f"({build_s / count * 1e3:.2f} ms per interview)")

        all_times: list[float] = []
        print(f"\n{'query':<32} {'kind':<24} {'hits':>5} {'median':>9} {'p95':>9}")
        for kind, query in QUERIES:
            search(store, query, limit=args.limit)  # warm: page cache, statement cache
            times: list[float] = []
            hits = 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = search(store, query, limit=args.limit)
                times.append((time.perf_counter() - t0) * 1e3)
                hits = len(result.hits)
            all_times += times
            more = "+" if result.more else " "
            print(f"{query:<32} {kind:<24} {hits:>4}{more} {statistics.median(times):>7.2f}ms "
                  f"{pct(times, 0.95):>7.2f}ms")
        median = statistics.median(all_times)
        p95 = pct(all_times, 0.95)
        print(f"\nall {len(all_times)} runs: median {median:.2f} ms, p95 {p95:.2f} ms, "
              f"max {max(all_times):.2f} ms  (target: median <= 50 ms)")
        store.close()

        if not args.no_migration:
            mig_s, mig_docs = migration(Path(tmp) / "v1.db", args.n)
            print(f"v1 -> v2 migration (backfill {mig_docs:,} answers): {mig_s:.2f} s")
    return 0 if median <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
