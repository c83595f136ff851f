"""Bulk fetch: 200 completed interviews from the demo server at 25 ms latency.

Prints wall time, the ideal bound N x latency / concurrency, their ratio (bound / wall: 1.0 is
perfect), the sequential time, the speed-up over sequential, and a second pass that must make 0
requests (served from the store). Targets: >= 0.8 of the bound, >= 6x sequential.

    python benchmarks/bulk_fetch.py [--n 200] [--latency-ms 25] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

from rztui.api.client import ApiClient
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.service import FetchStats, Service
from rztui.store import Store


def serve(conn, latency_ms: float, n: int) -> None:
    """The demo server in its own process, like a remote API: its CPU is not the client's."""
    with DemoServer(port=0, latency_ms=latency_ms, rate_limit=10**9, extra_completed=n) as server:
        ids = [i for i, _ in server.ids_with_status() if i.startswith("bulk-")][:n]
        conn.send((server.base_url, ids))
        while True:
            msg = conn.recv()
            if msg == "stats":
                conn.send(server.stats.total_requests)
            elif msg == "reset":
                server.reset_stats()
                conn.send(None)
            else:
                return


async def fetch_all(
    base_url: str, store: Store, ids: list[str], concurrency: int
) -> tuple[FetchStats, float]:
    """Fetch through the service; the timed part excludes building the client (its TLS context
    alone costs ~35 ms here, paid once per process, not per interview)."""
    stats = FetchStats()
    async with ApiClient(base_url, DEMO_KEY, concurrency=concurrency) as api:
        t0 = time.perf_counter()
        await Service(store, api).interviews(ids, stats=stats)
        return stats, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--latency-ms", type=float, default=25.0)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    n, lat, conc = args.n, args.latency_ms / 1000, args.concurrency

    # A generous rate limit: this measures concurrency, not the vendor's 100/min window.
    parent, child = mp.Pipe()
    proc = mp.Process(target=serve, args=(child, args.latency_ms, n), daemon=True)
    proc.start()
    base_url, ids = parent.recv()
    assert len(ids) == n, f"demo server has {len(ids)} bulk interviews, wanted {n}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            seq_store = Store(Path(tmp) / "seq.db")
            _, sequential = asyncio.run(fetch_all(base_url, seq_store, ids, 1))

            store = Store(Path(tmp) / "rz.db")
            first, wall = asyncio.run(fetch_all(base_url, store, ids, conc))

            parent.send("reset")
            parent.recv()
            second, cached_wall = asyncio.run(fetch_all(base_url, store, ids, conc))
            parent.send("stats")
            second_requests = parent.recv()
    finally:
        parent.send("stop")
        proc.join(5)

    bound = n * lat / conc
    ratio = bound / wall
    speedup = sequential / wall
    print(f"interviews            {n} at {args.latency_ms:g} ms latency, concurrency {conc}")
    print(f"wall time             {wall:.3f} s  ({first.requests} requests, "
          f"{len(first.failures)} failures)")
    print(f"bound N*lat/conc      {bound:.3f} s")
    print(f"ratio bound/wall      {ratio:.2f}   (target >= 0.80)")
    print(f"sequential            {sequential:.3f} s")
    print(f"speed-up vs seq       {speedup:.1f}x  (target >= 6x)")
    print(f"second pass           {cached_wall * 1000:.1f} ms, {second.requests} client requests, "
          f"{second_requests} server requests, {second.cache_hits} cache hits")
    ok = ratio >= 0.8 and speedup >= 6 and second_requests == 0 and not first.failures
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
