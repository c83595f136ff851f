"""Poller benchmark: detection lag and request rate for 1, 10, 50 and 200 watched interviews.

Each run puts ``N`` synthetic live interviews on a demo server that runs ``--scale`` times faster
than real life (default 30: one real second is half a demo minute; at 60x a one-second stall of
a busy machine's event loop already shows as a minute of lag). The poller's intervals, its
budget window and the server's rate-limit window (100 requests per demo minute) are scaled by
the same factor, so every figure below is in *demo* seconds and minutes: what a user would see.

The synthetic interviews (``SynthDataset`` wraps the server's dataset and answers for
``synth-*`` ids) are invited for a while, then in progress for 0.6-1.3x their estimated
duration, then completed; some expire without starting, a few never finish. Most invitations
are recent; one in five was sent more than two days ago (polled more slowly). The truth (when
each transition really happened) is known, so detection lag is exact. The store starts in
steady state: each interview cached as 'invited', fetched within the last 5 minutes.

Small N gives few transitions, so a row runs several independent trials at once (each its own
server, store, poller and rate limit) until at least ``--min-interviews`` are watched.

Modes, per N:

- ``rztui``: the poller (``rztui.live.Poller``), 50% of the rate limit (``poll_budget``).
- ``spec``: the API reference's ``waitForCompletion`` loop, one per interview, a fixed
  ``--fixed`` seconds apart (default 30; the reference's own code waits 60), no pacing, no
  rate-limit handling: a 429 is just a wasted request.

Printed per N and mode: start lag (invited -> in_progress; recent invitations) and completion
lag (-> completed), median and p95; expiry lag; requests per demo minute while watching (mean,
and the most in any sliding minute) against the budget; 429s.

    PYTHONPATH=. python benchmarks/poller.py [--ns 1,10,50,200] [--minutes 40] [--scale 30]

``RZTUI_CODE=/path/to/checkout`` measures another checkout's poller with this same benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import math
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, os.environ.get("RZTUI_CODE") or str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from rztui.api.client import ApiClient  # noqa: E402
from rztui.demo.dataset import DEMO_KEY, iso  # noqa: E402
from rztui.demo.server import DemoServer  # noqa: E402
from rztui.live import Poller, PollPolicy, Transition  # noqa: E402
from rztui.service import Service  # noqa: E402
from rztui.store import Store  # noqa: E402

DAY = 86400.0
STALE = 2 * DAY  # invitations older than this are polled more slowly


class SynthDataset:
    """The demo dataset plus ``n`` synthetic live interviews (times in demo seconds)."""

    def __init__(self, base: Any, n: int, minutes: float, seed: int = 0) -> None:
        self.base = base
        self.bulk_ids = base.bulk_ids
        rng = random.Random(seed)
        self.scripts: dict[str, dict[str, Any]] = {}
        span = minutes * 60
        for i in range(n):
            iid = f"synth-{seed}-{i:04d}"
            limits = [rng.choice((120, 150, 180, 240)) for _ in range(rng.randint(3, 6))]
            est = sum(limits)
            kind = rng.random()
            created = (-rng.uniform(2.2 * DAY, 6 * DAY) if rng.random() < 0.2
                       else -rng.uniform(600, 1.5 * DAY))
            s: dict[str, Any] = {"created": created, "est": est, "limits": limits,
                                 "start": None, "end": None, "expire": None}
            if kind < 0.1:  # never starts; its link runs out during the run
                s["expire"] = rng.uniform(0.1, 0.8) * span
            else:
                s["start"] = rng.uniform(0.02, 0.55) * span
                if kind < 0.95:
                    s["end"] = s["start"] + est * rng.uniform(0.6, 1.3)
            if s["expire"] is None:
                s["expire"] = s["created"] + 7 * DAY
            self.scripts[iid] = s

    def truth(self) -> list[tuple[str, str, float, bool]]:
        """(id, new status, demo time, invitation older than 2 days)."""
        out = []
        for iid, s in self.scripts.items():
            stale = -s["created"] > STALE
            if s["start"] is not None:
                out.append((iid, "in_progress", s["start"], stale))
                if s["end"] is not None:
                    out.append((iid, "completed", s["end"], stale))
            elif s["expire"] > 0:
                out.append((iid, "expired", s["expire"], stale))
        return out

    def status_at(self, iid: str, t: float) -> str | None:
        s = self.scripts.get(iid)
        if s is None:
            return self.base.status_at(iid, t)
        if s["start"] is not None and t >= s["start"]:
            return "completed" if s["end"] is not None and t >= s["end"] else "in_progress"
        return "expired" if t >= s["expire"] else "invited"

    def snapshot(self, iid: str, elapsed: float = 0.0, *, epoch: float = 0.0,
                 speed: float = 1.0, audio_url: Any = None) -> dict[str, Any] | None:
        s = self.scripts.get(iid)
        if s is None:
            return self.base.snapshot(iid, elapsed, epoch=epoch, speed=speed,
                                      audio_url=audio_url)

        def stamp(x: float) -> str:
            return iso(epoch + x / speed)

        status = self.status_at(iid, elapsed)
        out: dict[str, Any] = {
            "id": iid, "status": status, "job": {"id": "job-synth", "title": "Engineer"},
            "candidate": {"id": f"cand-{iid}", "name": f"Candidate {iid[-4:]}",
                          "email": f"{iid}@example.com"},
            "created_at": stamp(s["created"]), "expires_at": stamp(s["expire"]),
        }
        if status in ("in_progress", "completed"):
            out["started_at"] = stamp(s["start"])
            end = s["end"] if s["end"] is not None else s["start"] + 10 * s["est"]
            n = len(s["limits"])
            done = n if status == "completed" else int(n * (elapsed - s["start"])
                                                       / (end - s["start"]))
            out["responses"] = [{"question_id": f"{iid}-q{k}", "question_text": f"Q{k}",
                                 "transcript": "An answer.", "duration_seconds": 60,
                                 "answered_at": stamp(s["start"] + (k + 1) * 60)}
                                for k in range(min(done, n))]
            if status == "completed":
                out["completed_at"] = stamp(s["end"])
        return out

    def questions_payload(self, iid: str) -> dict[str, Any] | None:
        s = self.scripts.get(iid)
        if s is None:
            return self.base.questions_payload(iid)
        return {"interview_id": iid, "total_questions": len(s["limits"]),
                "estimated_duration_seconds": s["est"],
                "questions": [{"id": f"{iid}-q{k}", "question_text": f"Q{k}",
                               "question_type": "technical", "time_limit_seconds": lim,
                               "order": k} for k, lim in enumerate(s["limits"])]}


@dataclass
class Trial:
    """One server + one watcher; times are real (time.time()) until converted."""

    server: DemoServer
    ds: SynthDataset
    sends: list[float] = field(default_factory=list)
    detected: dict[tuple[str, str], float] = field(default_factory=dict)
    ended: float = 0.0
    budget: int | None = None


def make_trial(n: int, minutes: float, scale: float, seed: int) -> Trial:
    server = DemoServer(port=0, speed=scale, rate_limit=100, rate_window=60.0 / scale)
    ds = SynthDataset(server.dataset, n, minutes, seed)
    server.dataset = ds  # type: ignore[assignment]
    server.start()
    return Trial(server, ds)


async def watch_rztui(trial: Trial, minutes: float, scale: float, tmp: Path) -> None:
    server, ds = trial.server, trial.ds
    store = Store(tmp / f"bench-{id(trial)}.db")
    ids = list(ds.scripts)
    store.track(ids, source="benchmark")
    rng = random.Random(hash(ids[0]) & 0xFFFF)
    now = time.time()
    for iid in ids:  # steady state: every one fetched as 'invited' in the last 5 minutes
        store.save_interview(ds.snapshot(iid, 0.0, epoch=server.epoch, speed=scale),
                             fetched_at=now - rng.uniform(0, 300) / scale)
    try:
        async with ApiClient(server.base_url, DEMO_KEY, max_attempts=1) as api:
            poller = Poller(Service(store, api), store, ids=ids, window=60.0 / scale,
                            limit=100, policy=PollPolicy().scaled(1.0 / scale),
                            budget_share=0.5)

            def on_event(e: Any) -> None:
                if isinstance(e, Transition) and e.old_status is not None:
                    trial.detected.setdefault((e.interview_id, e.new_status), e.at)

            poller.subscribe(on_event)
            record = poller.pacing.record

            def hook(at: float, k: int = 1) -> None:  # every request the poller makes
                trial.sends.extend([at] * k)
                record(at, k)

            poller.pacing.record = hook  # type: ignore[method-assign]
            await poller.run_until_terminal(ids, timeout=minutes * 60 / scale)
            trial.budget = poller.budget
    finally:
        trial.ended = time.time()
        store.close()


async def watch_spec(trial: Trial, minutes: float, scale: float, every: float) -> None:
    """The reference's waitForCompletion, one loop per interview, ``every`` demo seconds."""
    server, ds = trial.server, trial.ds
    deadline = time.time() + minutes * 60 / scale
    pause = every / scale

    async def loop(http: httpx.AsyncClient, iid: str, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, pause))  # loops started at different times
        last = "invited"
        while time.time() < deadline:
            trial.sends.append(time.time())
            try:
                r = await http.get(f"/api/v1/interviews/{iid}")
                status = r.json().get("status") if r.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                status = None
            if status and status != last:
                trial.detected.setdefault((iid, status), time.time())
                last = status
            if status in ("completed", "expired"):
                return
            await asyncio.sleep(pause)

    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=20,
                                 headers={"Authorization": f"Bearer {DEMO_KEY}"}) as http:
        rng = random.Random(7)
        await asyncio.gather(*(loop(http, iid, random.Random(rng.random()))
                               for iid in ds.scripts))
    trial.ended = time.time()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


async def run_mode(mode: str, n: int, trials: int, minutes: float, scale: float,
                   fixed: float, seed: int) -> dict[str, Any]:
    runs = [make_trial(n, minutes, scale, seed + k) for k in range(trials)]
    tmp = tempfile.TemporaryDirectory()
    try:
        if mode == "rztui":
            await asyncio.gather(*(watch_rztui(t, minutes, scale, Path(tmp.name))
                                   for t in runs))
        else:
            await asyncio.gather(*(watch_spec(t, minutes, scale, fixed) for t in runs))
    finally:
        for t in runs:
            t.server.stop()
        tmp.cleanup()
    horizon = minutes * 60
    lags: dict[str, list[float]] = {"start": [], "start_stale": [], "completed": [],
                                    "expired": []}
    missed: dict[str, int] = {}
    rates: list[float] = []
    peak = 0
    r429 = 0
    for t in runs:
        epoch = t.server.epoch
        r429 += t.server.stats.rate_limited
        for iid, kind, at, stale in t.ds.truth():
            if at > horizon - 300:
                continue  # too close to the end of the run to judge
            key = "start" if kind == "in_progress" else kind
            if key == "start" and stale:
                key = "start_stale"
            got = t.detected.get((iid, kind))
            if got is None:
                missed[key] = missed.get(key, 0) + 1
                continue
            lags[key].append((got - epoch) * scale - at)
        times = sorted((x - epoch) * scale for x in t.sends)
        active = max(60.0, (t.ended - epoch) * scale)
        rates.append(len(times) / (active / 60))
        peak = max(peak, max((bisect.bisect_left(times, x + 60) - i
                              for i, x in enumerate(times)), default=0))
    budget = next((t.budget for t in runs if t.budget), None)
    return {"mode": mode, "n": n, "trials": trials, "lags": lags, "missed": missed,
            "rate": statistics.mean(rates), "peak": peak, "budget": budget, "r429": r429}


def fmt_lag(values: list[float]) -> str:
    if not values:
        return f"{'-':>13}"
    return f"{statistics.median(values):5.1f} /{pct(values, 0.95):6.1f}"


def print_table(rows: list[dict[str, Any]], fixed: float) -> None:
    print(f"\n{'N':>4} {'mode':<9} {'start lag':>13} {'done lag':>13} {'expiry':>7} "
          f"{'req/min':>8} {'peak/min':>8} {'budget':>6} {'429s':>5}  samples")
    print(f"{'':>4} {'':<9} {'median/p95 s':>13} {'median/p95 s':>13} {'med s':>7}")
    for r in rows:
        lags = r["lags"]
        name = "rztui" if r["mode"] == "rztui" else f"spec {fixed:g}s"
        exp = f"{statistics.median(lags['expired']):7.1f}" if lags["expired"] else f"{'-':>7}"
        budget = str(r["budget"]) if r["budget"] else "none"
        samples = (f"{len(lags['start'])} starts, {len(lags['completed'])} ends, "
                   f"{r['trials']} trial(s)")
        miss = sum(r["missed"].values())
        stale = lags["start_stale"]
        extra = (f"; stale-invite start lag median {statistics.median(stale):.0f} s"
                 if stale else "")
        print(f"{r['n']:>4} {name:<9} {fmt_lag(lags['start'])} {fmt_lag(lags['completed'])} "
              f"{exp} {r['rate']:8.1f} {r['peak']:8d} {budget:>6} {r['r429']:>5}  "
              f"{samples}{extra}" + (f"; missed {miss}" if miss else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", default="1,10,50,200", help="watched interviews per run")
    ap.add_argument("--minutes", type=float, default=40.0, help="demo minutes per run")
    ap.add_argument("--scale", type=float, default=30.0, help="demo seconds per real second")
    ap.add_argument("--fixed", type=float, default=30.0, help="the spec loop's interval (s)")
    ap.add_argument("--modes", default="rztui,spec")
    ap.add_argument("--min-interviews", type=int, default=40,
                    help="run independent trials in parallel until this many are watched")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    ns = [int(x) for x in args.ns.split(",")]
    modes = args.modes.split(",")
    real = args.minutes * 60 / args.scale
    print(f"rztui poller benchmark: {args.minutes:g} demo minutes at {args.scale:g}x "
          f"({real:.0f} s real per run); rate limit 100/min, poll budget 50%")
    started = time.monotonic()
    rows = []
    for n in ns:
        trials = max(1, math.ceil(args.min_interviews / n))
        for mode in modes:
            rows.append(asyncio.run(run_mode(mode, n, trials, args.minutes, args.scale,
                                             args.fixed, args.seed)))
            print(f"  done: N={n} {mode}", file=sys.stderr, flush=True)
    print_table(rows, args.fixed)
    print(f"\n(wall time {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
