"""Webhook receiver benchmark: the cost of one event as the seen-ids history grows.

For each history size (0, 1k, 10k event ids already seen, loaded from a file as after a
restart) a receiver with a persisted seen set listens on loopback, and:

- ``sequential``: ``--events`` signed events are POSTed one after another over raw sockets
  (one connection each, as the receiver wants): the time per event as the sender sees it,
  median and p95;
- ``burst``: ``--burst`` events from ``--concurrency`` senders at once: events per second and
  the p99 time to an answer (the event loop must keep answering while ids are written).

The ratio of the 10k row to the 0 row is the figure to watch (flat: at most 1.5x).

    PYTHONPATH=. python benchmarks/webhooks.py [--events 300] [--burst 2000]

``RZTUI_CODE=/path/to/checkout`` measures another checkout's receiver the same way (its seen
set is filled from the same JSON file that older versions wrote).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("RZTUI_CODE") or str(Path(__file__).resolve().parents[1]))

from rztui.webhooks import SeenEvents, WebhookReceiver, make_event, sign  # noqa: E402

SECRET = "whsec_benchmark"


def request(body: bytes, path: str = "/webhooks/round0") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Webhook-Signature: "
            f"{sign(SECRET, body, time.time())}\r\nConnection: close\r\n\r\n")
    return head.encode("latin-1") + body


def event(n: int, tag: str) -> bytes:
    ev = make_event("interview_started", {"id": f"bench-{tag}-{n % 50}"},
                    event_id=f"evt_{tag}_{n:08d}")
    return json.dumps(ev).encode()


async def post(port: int, data: bytes) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {answer[:60]!r}")
    return time.perf_counter() - started


def seen_file(directory: Path, history: int) -> Path:
    """A seen-ids file as earlier versions wrote it (JSON: id -> time); newer ones import it."""
    path = directory / "webhook-events.json"
    now = time.time()
    path.write_text(json.dumps({f"evt_old_{i:08d}": now - 3600 + i * 0.001
                                for i in range(history)}))
    return path


async def one(history: int, events: int, burst: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = seen_file(Path(tmp), history)
        seen = SeenEvents(path, max_items=max(10_000, history + events + burst + 10))
        got = [0]

        def handler(_event: object) -> None:
            got[0] += 1

        rx = await WebhookReceiver(SECRET, handler, seen=seen).start("127.0.0.1", 0)
        try:
            for n in range(10):  # warm up (connections, the JIT-less interpreter's caches)
                await post(rx.port, request(event(n, f"warm{history}")))
            times = [await post(rx.port, request(event(n, f"seq{history}")))
                     for n in range(events)]
            bodies = [request(event(n, f"burst{history}")) for n in range(burst)]
            sem = asyncio.Semaphore(concurrency)
            latencies: list[float] = []

            async def send(data: bytes) -> None:
                async with sem:
                    latencies.append(await post(rx.port, data))

            started = time.perf_counter()
            await asyncio.gather(*(send(b) for b in bodies))
            took = time.perf_counter() - started
        finally:
            await rx.close()
        assert got[0] == 10 + events + burst, got[0]
    latencies.sort()
    return {"median": statistics.median(times) * 1000,
            "p95": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
            "rate": burst / took, "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="0,1000,10000", help="ids already seen")
    ap.add_argument("--events", type=int, default=300, help="sequential events per size")
    ap.add_argument("--burst", type=int, default=2000, help="events sent at once per size")
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"webhook receiver: {args.events} sequential events and a burst of {args.burst} "
          f"({args.concurrency} senders) per history size; loopback, persisted seen set")
    rows = [(n, asyncio.run(one(n, args.events, args.burst, args.concurrency)))
            for n in sizes]
    base = rows[0][1]["median"]
    print(f"\n{'seen ids':>9} {'per event':>10} {'p95':>8} {'vs 0':>6}   "
          f"{'burst ev/s':>10} {'burst p99':>10}")
    for n, r in rows:
        print(f"{n:>9} {r['median']:8.2f}ms {r['p95']:6.2f}ms {r['median'] / base:5.2f}x   "
              f"{r['rate']:10.0f} {r['p99']:8.1f}ms")


if __name__ == "__main__":
    main()
