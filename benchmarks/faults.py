"""Hostile API answers: peak memory and time to give up of a real `rztui get` process.

Each case runs `rztui get <id>` in a subprocess against a raw fault server on loopback
(tests/api/faultserver.py) with the client's default limits, and prints the child's peak RSS
(from wait4), that peak over the "idle" run (the same command served a normal interview), the
time until it gave up, its exit code and its one-line message. Target: <= 100 MB over idle, exit
5, no traceback. Two of the cases are valid JSON with an absurd value (a 400-digit duration: refused
at the gate, the field named) and a 429 whose reset is past the 120 s cap (given up at once,
naming when).

Then `rztui archive --all` over three interviews whose second has one hostile audio URL (CR/LF,
ESC, 100 KB): target exit 5, that answer named, every other recording archived.

Then a store of 1,200 rated and noted interviews with garbage over 3 pages of `interviews`:
`rztui list --json` right after; target exit 0, every tracked id listed, every rating and note
kept, only the interviews on those pages lost (fetched again at the next fetch).

    python benchmarks/faults.py            # gzip bomb (2 GiB from ~2 MB), endless body, 1 GiB body
    python benchmarks/faults.py --slow     # also a 1 byte / 5 s trickle and endless headers
                                           # (each gives up at the 60 s deadline)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "api"))
sys.path.insert(0, str(ROOT))

from faultserver import (  # noqa: E402
    FaultServer,
    GiB,
    endless_chunked,
    gzip_bomb,
    huge_body,
    reply,
    serve_interviews,
    trickle,
)

from rztui.demo import dataset  # noqa: E402

KEY = "rz_demo_benchmark_faults"
SPEC_ID = dataset.SPEC_INTERVIEW_ID


def run_get(base_url: str, iid: str, home: Path) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit code, last stderr line) of `rztui get iid`."""
    return run_rztui(base_url, home, "get", "--refresh", iid)


def run_rztui(base_url: str, home: Path, *args: str,
              line_with: str = "") -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit code, last stderr line [with ``line_with``]) of
    `rztui args...`."""
    env = {**os.environ, "RZTUI_HOME": str(home), "ROUNDZERO_API_KEY": KEY,
           "ROUNDZERO_BASE_URL": base_url, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from rztui.cli import main; main()", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    lines = [line for line in lines if line_with in line]
    return usage.ru_maxrss / 1024, elapsed, proc.returncode, (lines[-1] if lines else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", action="store_true",
                        help="also the trickle and endless-header cases (60 s each)")
    args = parser.parse_args()

    cases: list[tuple[str, str]] = [
        ("gzip bomb: 2 GiB from ~2 MB", "bomb"),
        ("endless chunked body", "endless"),
        ("1 GiB body (Content-Length)", "huge"),
        ("1 GiB body (chunked, no length)", "huge-chunked"),
    ]
    # Valid JSON, absurd values: refused at the gate (exit 5, the field named), never a crash.
    cases += [
        ("duration_seconds of 10**400", "huge-int"),
        ("429, reset in 400 s (cap 120 s)", "far-reset"),
    ]
    if args.slow:
        cases += [("1 byte every 5 s", "trickle"), ("headers never end", "headers")]

    with FaultServer() as srv, tempfile.TemporaryDirectory() as tmp:
        body = dataset.snapshot(SPEC_ID, 0.0)
        srv.route(f"/api/v1/interviews/{SPEC_ID}", reply(200, body))
        bomb = gzip_bomb(2 * GiB, prefix=b'{"id": "bomb", "pad": "')
        srv.route("/api/v1/interviews/bomb", bomb)
        srv.route("/api/v1/interviews/endless", endless_chunked())
        srv.route("/api/v1/interviews/huge", huge_body(1 * GiB))
        srv.route("/api/v1/interviews/huge-chunked", endless_chunked())  # same shape, no end
        srv.route("/api/v1/interviews/trickle", trickle(json.dumps(body).encode(), 5.0))
        srv.route("/api/v1/interviews/headers", trickle(b"", 1.0, headers_too=True))
        huge_int = dataset.snapshot(SPEC_ID, 0.0)
        huge_int["id"] = "huge-int"
        # The first answer's duration gets 400 more digits: valid JSON, absurd value.
        text = json.dumps(huge_int).replace('"duration_seconds": ',
                                            '"duration_seconds": 1' + "0" * 400, 1)
        srv.route("/api/v1/interviews/huge-int", reply(200, text))
        srv.route("/api/v1/interviews/far-reset", reply(
            429, {"error": {"type": "rate_limit_exceeded",
                            "message": "Rate limit exceeded. Please retry after 400 seconds"}},
            [("Retry-After", "400"), ("X-RateLimit-Limit", "100"),
             ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(time.time()) + 400))]))

        idle_rss, idle_s, idle_code, _ = run_get(srv.base_url, SPEC_ID, Path(tmp) / "idle")
        print(f"gzip bomb body: {bomb.compressed_size / 1e6:.1f} MB inflating to 2 GiB")
        print(f"{'case':34} {'peak RSS':>9} {'over idle':>10} {'gave up':>8} {'exit':>5}  message")
        print(f"{'idle (a normal interview)':34} {idle_rss:8.1f}M {'':>10} {idle_s:7.2f}s "
              f"{idle_code:>5}")
        worst = 0.0
        for label, iid in cases:
            rss, secs, code, line = run_get(srv.base_url, iid, Path(tmp) / iid)
            worst = max(worst, rss - idle_rss)
            sent = srv.stats.bytes_sent.get(f"/api/v1/interviews/{iid}", 0)
            print(f"{label:34} {rss:8.1f}M {rss - idle_rss:+9.1f}M {secs:7.2f}s {code:>5}  "
                  f"{line[:90]}  [server sent {sent / 1e6:.1f} MB]")
        print(f"worst: {worst:+.1f} MB over idle (target <= 100 MB)")

    # One hostile audio URL among three interviews' answers: it fails alone (exit 5, named).
    print(f"{'archive --all, one audio URL with':34} {'peak RSS':>9} {'files':>10} {'took':>8} "
          f"{'exit':>5}  message")
    for kind in ("CR/LF", "ESC", "100 KB"):
        with FaultServer() as srv, tempfile.TemporaryDirectory() as tmp:
            payloads = [dataset.snapshot(i, dataset.LIVE_END_SECONDS + 1)
                        for i in dataset.ALL_IDS[:3]]
            ids = serve_interviews(srv, payloads, {(1, 1): kind})
            home, dest = Path(tmp) / "home", Path(tmp) / "audio"
            run_rztui(srv.base_url, home, "add", *ids)
            rss, secs, code, named = run_rztui(srv.base_url, home, "archive", "--all", "--dir",
                                               str(dest), line_with="error")
            files = sum(1 for p in dest.rglob("*") if p.is_file())
            total = sum(len(p["responses"]) for p in payloads)
            print(f"{kind:34} {rss:8.1f}M {f'{files}/{total}':>10} {secs:7.2f}s {code:>5}  "
                  f"{named[14:134]}")  # without "rztui: error: "

    # Damaged pages in the store: what `rztui list` shows right after (the store salvaged).
    print(f"{'store, 3 damaged pages in':34} {'peak RSS':>9} {'listed':>10} {'took':>8} "
          f"{'exit':>5}  ratings and notes kept, interviews cached")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        path = home / "data" / "rztui.db"
        ids = damaged_store(path, 1200)
        rss, secs, code, _ = run_rztui("http://127.0.0.1:9", home, "list", "--json")
        listed = len(run_list(home))
        conn = sqlite3.connect(path)
        notes = conn.execute("SELECT count(*) FROM evaluation WHERE note != ''").fetchone()[0]
        cached = conn.execute("SELECT count(*) FROM interviews").fetchone()[0]
        conn.close()
        print(f"{'interviews (1,200 tracked)':34} {rss:8.1f}M {f'{listed}/{len(ids)}':>10} "
              f"{secs:7.2f}s {code:>5}  {notes}/{len(ids)}, {cached}/{len(ids)}")


def damaged_store(path: Path, n: int) -> list[str]:
    """A store of ``n`` tracked, cached, rated and noted interviews, garbage over 3 pages of
    its ``interviews`` table."""
    from rztui.store import Store

    ids = [f"{i:08d}-aaaa-4bbb-8ccc-dddddddddddd" for i in range(n)]
    s = Store(path)
    s.track(ids)
    s.save_interviews([{
        "id": iid, "status": "completed", "job": {"id": "j", "title": "Engineer"},
        "candidate": {"id": "c", "name": f"Cand {k}"},
        "responses": [{"question_id": "q0", "question_text": "Why?",
                       "transcript": f"answer {k} " * 20}],
    } for k, iid in enumerate(ids)])
    s.close()
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO evaluation (interview_id, rating, note, updated_at) "
                     "VALUES (?, 4, 'a note', 0) ON CONFLICT DO UPDATE SET rating = 4, "
                     "note = 'a note'", [(iid,) for iid in ids])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'interviews' "
                                         "AND pagetype = 'leaf' ORDER BY pageno")]
    conn.close()
    rng = random.Random(4)
    with open(path, "r+b") as f:
        for page in leaves[len(leaves) // 4::len(leaves) // 4][:3]:
            f.seek((page - 1) * size)
            f.write(rng.randbytes(size))
    return ids


def run_list(home: Path) -> list[object]:
    env = {**os.environ, "RZTUI_HOME": str(home), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", "from rztui.cli import main; main()", "list",
                          "--json"], env=env, capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


if __name__ == "__main__":
    main()
