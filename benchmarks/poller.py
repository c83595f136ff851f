"""Poller benchmark: 200 watched interviews on the demo server, time-scaled.

The demo server runs ``--scale`` times faster than real life (default 60: one real second is
one demo minute); the poller's intervals, its budget window and the server's rate-limit window
are scaled by the same factor, so every figure below is in *demo* seconds and minutes, i.e. what
a user would see in real time.

The demo dataset has only 3 live interviews, so 200 synthetic ones are added by wrapping the
server's dataset (``server.dataset`` is swapped for :class:`SynthDataset`, which answers for
``synth-*`` ids and delegates everything else): invited for a while, then in progress for
0.6-1.3x their estimated duration, then completed; some expire without starting, a few never
finish. The truth (when each transition really happened) is known, so detection lag is exact.
The store starts in steady state: each interview cached as 'invited', fetched at a random time
within the last invited interval (as if the poller had been running before).

Two runs: polling only, then polling plus webhooks from :class:`DemoWebhookSender`. Printed:
requests per demo minute vs the budget (mean and max over any sliding minute), 429s, and the
median detection lag per transition vs the poll interval that applies to it.

    PYTHONPATH=. python benchmarks/poller.py [--minutes 40] [--scale 60] [--n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rztui.api.client import ApiClient  # noqa: E402
from rztui.demo.dataset import DEMO_KEY, iso  # noqa: E402
from rztui.demo.server import DemoServer  # noqa: E402
from rztui.demo.webhook_sender import DemoWebhookSender  # noqa: E402
from rztui.live import Poller, PollPolicy, Transition, poller_handler  # noqa: E402
from rztui.service import Service  # noqa: E402
from rztui.store import Store  # noqa: E402
from rztui.webhooks import WebhookReceiver  # noqa: E402

DAY = 86400.0


class SynthDataset:
    """The demo dataset plus ``n`` synthetic live interviews (times in demo seconds)."""

    def __init__(self, base: Any, n: int, minutes: float, seed: int = 0) -> None:
        self.base = base
        self.bulk_ids = base.bulk_ids
        rng = random.Random(seed)
        self.scripts: dict[str, dict[str, Any]] = {}
        span = minutes * 60
        for i in range(n):
            iid = f"synth-{i:04d}"
            limits = [rng.choice((120, 150, 180, 240)) for _ in range(rng.randint(3, 6))]
            est = sum(limits)
            kind = rng.random()
            s: dict[str, Any] = {"created": -rng.uniform(3600, 3 * DAY), "est": est,
                                 "limits": limits, "start": None, "end": None, "expire": None}
            if kind < 0.1:  # never starts; its link runs out during the run
                s["expire"] = rng.uniform(0.1, 0.8) * span
            else:
                s["start"] = rng.uniform(0.02, 0.55) * span
                if kind < 0.95:
                    s["end"] = s["start"] + est * rng.uniform(0.6, 1.3)
            if s["expire"] is None:
                s["expire"] = s["created"] + 7 * DAY
            self.scripts[iid] = s

    def truth(self) -> list[tuple[str, str, float]]:
        out = []
        for iid, s in self.scripts.items():
            if s["start"] is not None:
                out.append((iid, "in_progress", s["start"]))
                if s["end"] is not None:
                    out.append((iid, "completed", s["end"]))
            elif s["expire"] > 0:
                out.append((iid, "expired", s["expire"]))
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


class SynthView:
    """What DemoWebhookSender reads from a server, for the synthetic ids."""

    def __init__(self, server: DemoServer, ds: SynthDataset) -> None:
        self.server, self.dataset = server, ds

    def ids_with_status(self) -> list[tuple[str, str]]:
        t = self.server.elapsed
        return [(i, self.dataset.status_at(i, t) or "") for i in self.dataset.scripts]

    def snapshot(self, iid: str) -> dict[str, Any] | None:
        return self.dataset.snapshot(iid, self.server.elapsed, epoch=self.server.epoch,
                                     speed=self.server.speed)


class LoggingService(Service):
    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.times: list[float] = []

    async def interview(self, interview_id: str, *, refresh: bool = False):  # type: ignore[override]
        self.times.append(time.time())
        return await super().interview(interview_id, refresh=refresh)

    async def questions(self, interview_id: str, *, refresh: bool = False):  # type: ignore[override]
        if self.store.get_questions(interview_id) is None:
            self.times.append(time.time())
        return await super().questions(interview_id, refresh=refresh)


NOMINAL = {  # the interval that governs detecting each transition (PollPolicy defaults)
    "in_progress": ("invited interval", 300.0),
    "completed": ("near-end interval", 30.0),
    "expired": ("expiry grace (final check)", 30.0),
}


async def run_once(n: int, minutes: float, scale: float, webhooks: bool, seed: int) -> dict:
    secret = "whsec_benchmark"
    server = DemoServer(port=0, speed=scale, rate_limit=100, rate_window=60.0 / scale)
    ds = SynthDataset(server.dataset, n, minutes, seed)
    server.dataset = ds  # type: ignore[assignment]
    server.start()
    tmp = tempfile.TemporaryDirectory()
    store = Store(Path(tmp.name) / "bench.db")
    ids = list(ds.scripts)
    store.track(ids, source="benchmark")
    # Steady state, as after a restart of a poller that had been running: every interview was
    # fetched (as 'invited') at some point in the last invited interval.
    rng = random.Random(seed + 1)
    now = time.time()
    for iid in ids:
        fetched = now - rng.uniform(0, 300) / scale
        store.save_interview(ds.snapshot(iid, 0.0, epoch=server.epoch, speed=scale),
                             fetched_at=fetched)
    detected: dict[tuple[str, str], float] = {}
    receiver = sender = None
    try:
        async with ApiClient(server.base_url, DEMO_KEY, max_attempts=1) as api:
            svc = LoggingService(store, api)
            poller = Poller(svc, store, ids=ids, window=60.0 / scale, limit=100,
                            policy=PollPolicy().scaled(1.0 / scale), budget_share=0.5)

            def on_event(e: Any) -> None:
                if isinstance(e, Transition) and e.old_status is not None:
                    detected.setdefault((e.interview_id, e.new_status), e.at)

            poller.subscribe(on_event)
            sends: list[float] = []  # the poller's own accounting of every request it made
            record = poller.pacing.record

            def hook(now: float, n: int = 1) -> None:
                sends.extend([now] * n)
                record(now, n)

            poller.pacing.record = hook  # type: ignore[method-assign]
            if webhooks:
                receiver = await WebhookReceiver(secret, poller_handler(poller, store)).start()
                sender = DemoWebhookSender(SynthView(server, ds), receiver.url, secret,
                                           interval=0.02).start()
            epoch = server.epoch
            await poller.run_until_terminal(ids, timeout=minutes * 60 / scale)
            if sender is not None:
                await sender.stop()
            if receiver is not None:
                await receiver.close()
    finally:
        server.stop()
        store.close()
        tmp.cleanup()

    stats = server.stats
    # Requests per demo minute: sliding windows over the poller's request times.
    times = sorted((t - epoch) * scale for t in sends)
    per_min = [bisect.bisect_left(times, t + 60) - i for i, t in enumerate(times)]
    lags: dict[str, list[float]] = {}
    missed: dict[str, int] = {}
    horizon = minutes * 60
    for iid, kind, at in ds.truth():
        if at > horizon - 120:
            continue  # too close to the end of the run to judge
        got = detected.get((iid, kind))
        if got is None:
            missed[kind] = missed.get(kind, 0) + 1
            continue
        lags.setdefault(kind, []).append((got - epoch) * scale - at)
    return {"requests": len(times), "service_calls": len(svc.times),
            "server_requests": stats.total_requests,
            "r429": stats.rate_limited, "mean_per_min": len(times) / minutes,
            "max_per_min": max(per_min, default=0), "budget": poller.budget,
            "lags": lags, "missed": missed}


def report(title: str, r: dict) -> None:
    b = r["budget"]
    print(f"\n{title}")
    print(f"  requests   {r['requests']} (server saw {r['server_requests']}), "
          f"{r['mean_per_min']:.1f}/min mean, {r['max_per_min']} max in any minute; "
          f"budget {b}/min -> mean/budget {r['mean_per_min'] / b:.2f}, "
          f"max/budget {r['max_per_min'] / b:.2f}; 429s: {r['r429']}")
    for kind in ("in_progress", "completed", "expired"):
        values = r["lags"].get(kind, [])
        if not values:
            continue
        name, nominal = NOMINAL[kind]
        med = statistics.median(values)
        p90 = sorted(values)[int(0.9 * (len(values) - 1))]
        miss = r["missed"].get(kind, 0)
        print(f"  -> {kind:<11} n={len(values):>3}  median lag {med:6.1f}s  p90 {p90:6.1f}s  "
              f"vs {name} {nominal:g}s -> median/interval {med / nominal:.2f}"
              + (f"  (missed {miss})" if miss else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=40.0, help="demo minutes to run")
    ap.add_argument("--scale", type=float, default=60.0, help="demo seconds per real second")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-webhooks", action="store_true")
    args = ap.parse_args()
    real = args.minutes * 60 / args.scale
    print(f"rztui poller benchmark: {args.n} watched interviews, {args.minutes:g} demo minutes "
          f"at {args.scale:g}x ({real:.0f} s real per run); budget 50% of 100/min")
    started = time.monotonic()
    report("polling only", asyncio.run(run_once(args.n, args.minutes, args.scale, False,
                                                args.seed)))
    if not args.no_webhooks:
        report("polling + webhooks (DemoWebhookSender)",
               asyncio.run(run_once(args.n, args.minutes, args.scale, True, args.seed)))
    print(f"\n(wall time {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
