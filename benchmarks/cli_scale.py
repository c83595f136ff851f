"""The CLI at any size of history: export, list and import of N tracked interviews.

For each N, builds a store of N completed interviews in a temporary RZTUI_HOME (the demo
dataset's bulk shapes: 3-4 spoken-style answers each, with the demo interviews too), written
straight into SQLite through the Store API, then runs each command as its own process and
measures its wall time and peak RSS (os.wait4):

    export -f jsonl --all     export -f csv --all     export -f json --all
    list --json               list
    search (one word)         import of the JSONL export into a fresh home

and the store's size on disk against the JSONL export of the same data. One table, a column per
N, and the ratio of the largest N to the smallest (flat memory reads ~1.0x).

Targets at 100,000: export --all and list --json peak RSS <= 100 MB, export <= 10 s, store
<= 1.5x the JSONL, import <= 60 s.

    python benchmarks/cli_scale.py --rows 2000 --rows 100000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import rztui
from rztui.demo.dataset import LIVE_END_SECONDS, Dataset
from rztui.store import Store

BATCH = 1000


@dataclass
class Run:
    seconds: float
    peak_mb: float
    exit_code: int
    cpu_seconds: float


@dataclass
class Measured:
    rows: int
    build_s: float = 0.0
    runs: dict[str, Run] = field(default_factory=dict)
    store_mb: float = 0.0
    jsonl_mb: float = 0.0
    imported_store_mb: float = 0.0


def build(home: Path, n: int) -> float:
    """N completed interviews (bulk shapes), tracked and cached, a batch per transaction."""
    data = Dataset(extra_completed=n)
    store = Store(home / "data" / "rztui.db")
    t0 = time.perf_counter()
    ids = data.bulk_ids
    for start in range(0, n, BATCH):
        chunk = ids[start:start + BATCH]
        store.track(chunk)
        store.save_interviews(data.snapshot(i, LIVE_END_SECONDS + 1) for i in chunk)
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def store_mb(home: Path) -> float:
    """The store file once its WAL is checkpointed into it."""
    path = home / "data" / "rztui.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in path.parent.glob("rztui.db*")) / 1e6


# Runs one command and reports on it. A child's peak RSS counts the memory of whatever it was
# forked from (until exec), so the command is started from this small process, not from the
# benchmark, which holds the dataset: the floor is this launcher's few MB, not ours.
LAUNCHER = r"""
import json, os, sys, time
args, result = json.loads(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
pid = os.posix_spawn(sys.executable, [sys.executable, "-m", "rztui", *args], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(result, "w") as f:
    json.dump({"seconds": time.perf_counter() - t0, "peak_kb": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime,
               "exit": os.waitstatus_to_exitcode(status)}, f)
"""


def run(args: list[str], home: Path, stdout: Path | None = None,
        stdin: Path | None = None) -> Run:
    """``rztui ARGS`` as its own process: wall time, CPU time, peak RSS, exit code."""
    env = {**os.environ, "RZTUI_HOME": str(home)}
    env.pop("ROUNDZERO_API_KEY", None)  # nothing here may need the network
    # The commands run the rztui this benchmark built the store with, wherever it is.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(rztui.__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    result = home.parent / ".run.json"
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    inp = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, json.dumps(args), str(result)],
            env=env, stdout=out, stdin=inp, stderr=subprocess.PIPE, check=False,
        )
    finally:
        for f in (out, inp):
            if not isinstance(f, int):
                f.close()
    got = json.loads(result.read_text())
    if got["exit"]:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        print(f"  ({' '.join(args)}: exit {got['exit']}: {tail[0][:100]})", file=sys.stderr)
    return Run(got["seconds"], got["peak_kb"] / 1024, got["exit"], got["cpu"])


def measure(n: int, root: Path) -> Measured:
    m = Measured(rows=n)
    home = root / f"home-{n}"
    print(f"building a store of {n:,} interviews ...", file=sys.stderr, flush=True)
    m.build_s = build(home, n)
    m.store_mb = store_mb(home)
    jsonl = root / f"all-{n}.jsonl"
    commands: list[tuple[str, list[str], Path | None]] = [
        ("export -f jsonl --all", ["export", "-f", "jsonl", "--all", "-o", str(jsonl)], None),
        ("export -f csv --all",
         ["export", "-f", "csv", "--all", "-o", str(root / f"all-{n}.csv")], None),
        ("export -f json --all",
         ["export", "-f", "json", "--all", "-o", str(root / f"all-{n}.json")], None),
        ("list --json", ["list", "--json"], root / "list.json"),
        ("list", ["list"], root / "list.txt"),
        ("search goroutine", ["search", "goroutine"], root / "search.txt"),
    ]
    for name, args, out in commands:
        print(f"  {name}", file=sys.stderr, flush=True)
        m.runs[name] = run(args, home, stdout=out)
    m.jsonl_mb = jsonl.stat().st_size / 1e6 if jsonl.exists() else 0.0
    fresh = root / f"imported-{n}"
    print("  import", file=sys.stderr, flush=True)
    m.runs["import (jsonl, fresh home)"] = run(["import", str(jsonl)], fresh)
    if (fresh / "data" / "rztui.db").exists():
        m.imported_store_mb = store_mb(fresh)
    return m


def table(results: list[Measured]) -> str:
    width = 28
    lines = []
    head = f"{'':<{width}}" + "".join(
        f"{f'N = {m.rows:,}: wall    cpu    peak':>32}" for m in results)
    ratio = len(results) > 1
    if ratio:
        head += f"{'peak ratio':>12}"
    lines.append(head)
    lines.append("-" * len(head))
    names = list(results[0].runs)
    for name in names:
        row = f"{name:<{width}}"
        for m in results:
            r = m.runs[name]
            flag = "" if r.exit_code == 0 else f" [exit {r.exit_code}]"
            row += f"{f'{r.seconds:6.1f} s {r.cpu_seconds:6.1f} s {r.peak_mb:6.1f} MB{flag}':>32}"
        if ratio:
            a, b = results[0].runs[name], results[-1].runs[name]
            row += f"{f'{b.peak_mb / a.peak_mb:.2f}x':>12}"
        lines.append(row)
    for label, get in (
        ("store on disk", lambda m: f"{m.store_mb:9.1f} MB"),
        ("JSONL export", lambda m: f"{m.jsonl_mb:9.1f} MB"),
        ("store / JSONL", lambda m: f"{m.store_mb / m.jsonl_mb:9.2f}x" if m.jsonl_mb else "-"),
        ("imported store / JSONL",
         lambda m: f"{m.imported_store_mb / m.jsonl_mb:9.2f}x" if m.jsonl_mb else "-"),
        ("build (Store API)", lambda m: f"{m.build_s:9.1f} s"),
    ):
        lines.append(f"{label:<{width}}" + "".join(f"{get(m):>32}" for m in results))
    return "\n".join(lines)


def targets(m: Measured) -> list[str]:
    checks = [
        ("export -f jsonl --all peak RSS <= 100 MB",
         m.runs["export -f jsonl --all"].peak_mb <= 100),
        ("list --json peak RSS <= 100 MB", m.runs["list --json"].peak_mb <= 100),
        ("export -f jsonl --all <= 10 s", m.runs["export -f jsonl --all"].seconds <= 10),
        ("export -f csv --all <= 10 s", m.runs["export -f csv --all"].seconds <= 10),
        ("export -f json --all <= 10 s", m.runs["export -f json --all"].seconds <= 10),
        ("store <= 1.5x the JSONL", bool(m.jsonl_mb) and m.store_mb <= 1.5 * m.jsonl_mb),
        ("import <= 60 s", m.runs["import (jsonl, fresh home)"].seconds <= 60),
    ]
    return [f"  {'ok  ' if ok else 'MISS'} {text}" for text, ok in checks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="interviews in the store (repeat for several sizes; default 2000)")
    parser.add_argument("--keep", type=Path, help="build in DIR and keep it (default: a temp dir)")
    args = parser.parse_args()
    sizes = sorted(set(args.rows or [2000]))
    root = args.keep or Path(tempfile.mkdtemp(prefix="rztui-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    try:
        results = [measure(n, root) for n in sizes]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(table(results))
    fmt_load = "/".join(f"{x:.2f}" for x in load_before)
    print(f"\nload average (1/5/15 min) at the start: {fmt_load}; at the end: "
          + "/".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)")
    print(f"\ntargets at N = {results[-1].rows:,}:")
    print("\n".join(targets(results[-1])))


if __name__ == "__main__":
    main()
