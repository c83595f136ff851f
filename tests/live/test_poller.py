"""The poller: scheduling on a fake clock, budget, failures, restart; then end to end against the
demo server (real loopback HTTP, demo time driven by the same fake clock)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from rztui.api.client import ApiClient, RateState
from rztui.api.errors import AuthError, NetworkError, NotFound, RateLimited
from rztui.api.models import Interview
from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.live import (
    Dropped,
    Poller,
    PollerStats,
    PollPolicy,
    Transition,
    Updated,
    Waiting,
    plan_pace,
    wire_client_waits,
)
from rztui.service import Service
from rztui.store import Store

T0 = 1_750_000_000.0


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeClock:
    """Virtual time: sleeping advances it instantly (``on_advance`` can drive a demo server).

    ``at(when, fn)`` runs ``fn`` when virtual time reaches ``when``; a sleep that crosses it
    stops there and yields, so a poke/resume made by ``fn`` interrupts the sleeper like a real
    webhook arriving mid-sleep would.
    """

    def __init__(self, start: float = T0, on_advance: Callable[[float], None] | None = None):
        self.now = start
        self.on_advance = on_advance
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.now

    def at(self, when: float, fn: Callable[[], None]) -> None:
        self.timers.append((when, fn))
        self.timers.sort(key=lambda t: t[0])

    def _advance_to(self, target: float) -> None:
        dt = max(0.0, target - self.now)
        self.now = max(self.now, target)
        if self.on_advance and dt:
            self.on_advance(dt)

    async def sleep(self, dt: float) -> None:
        await asyncio.sleep(0)  # a cancelled sleep must not move time
        target = self.now + max(0.0, dt)
        while self.timers and self.timers[0][0] <= target:
            when, fn = self.timers.pop(0)
            self._advance_to(when)
            fn()
            for _ in range(5):  # let a woken waiter cancel this sleep
                await asyncio.sleep(0)
        self._advance_to(target)


@dataclass
class Script:
    """One fake interview: invited from `created`; starts, completes or expires at given times."""

    created: float = T0 - 3600
    start: float | None = None
    end: float | None = None
    expires: float | None = T0 + 7 * 86400
    expires_really: bool = True  # False: the server keeps saying 'invited' after expires_at
    estimate: float | None = 1200.0
    answers: int = 4
    status_override: str | None = None

    def payload(self, iid: str, now: float) -> dict:
        base = {"id": iid, "job": {"id": "j", "title": "Backend Engineer"},
                "candidate": {"id": "c", "name": f"Cand {iid}", "email": "c@example.com"},
                "created_at": iso(self.created)}
        if self.status_override:
            return {**base, "status": self.status_override}
        if self.start is None or now < self.start:
            expired = (self.expires is not None and now >= self.expires and self.expires_really)
            out = {**base, "status": "expired" if expired else "invited"}
            if self.expires is not None:
                out["expires_at"] = iso(self.expires)
            return out
        done = self.end is not None and now >= self.end
        span = (self.end or now + 1) - self.start
        n = self.answers if done else min(self.answers - 1,
                                          int((now - self.start) / span * self.answers))
        out = {**base, "status": "completed" if done else "in_progress",
               "started_at": iso(self.start),
               "responses": [{"question_id": f"q{i}", "question_text": f"Q{i}",
                              "transcript": "words " * 20, "duration_seconds": 30}
                             for i in range(n)]}
        if done:
            out["completed_at"] = iso(self.end)
        return out


class FakeApi:
    def __init__(self) -> None:
        self.rate = RateState(limit=100)
        self.requests_sent = 0
        self.max_attempts = 1


class FakeService:
    """Service-shaped double: the world is a dict of scripts, faults a callable."""

    def __init__(self, store: Store, clock: FakeClock, scripts: dict[str, Script]) -> None:
        self.store = store
        self.api = FakeApi()
        self.clock = clock
        self.scripts = scripts
        self.log: list[tuple[float, str, str]] = []
        self.fault: Callable[[float, str], Exception | None] | None = None

    def _request(self, kind: str, iid: str) -> float:
        now = self.clock()
        self.log.append((now, kind, iid))
        self.api.requests_sent += 1
        if self.fault is not None:
            exc = self.fault(now, iid)
            if exc is not None:
                raise exc
        if iid not in self.scripts:
            raise NotFound("not found (404)", status=404, interview_id=iid)
        return now

    async def interview(self, iid: str, *, refresh: bool = False) -> Interview:
        await asyncio.sleep(0)
        now = self._request("interview", iid)
        return self.store.save_interview(self.scripts[iid].payload(iid, now), fetched_at=now)

    async def questions(self, iid: str, *, refresh: bool = False):
        await asyncio.sleep(0)
        self._request("questions", iid)
        est = self.scripts[iid].estimate
        body = {"interview_id": iid, "questions": [
            {"id": f"q{i}", "question_text": f"Q{i}", "question_type": "technical",
             "time_limit_seconds": 300, "order": i} for i in range(4)],
            "total_questions": 4}
        if est is not None:
            body["estimated_duration_seconds"] = est
        return self.store.save_questions(iid, body)

    def polls(self, iid: str | None = None, kind: str = "interview") -> list[float]:
        return [t for t, k, i in self.log if k == kind and (iid is None or i == iid)]


@pytest.fixture
def world(tmp_path):
    def make(scripts: dict[str, Script], *, start: float = T0, seed: int = 1, **kw):
        clock = FakeClock(start)
        store = Store(tmp_path / "rz.db")
        store.track(scripts)
        svc = FakeService(store, clock, scripts)
        poller = Poller(svc, store, clock=clock, sleep=clock.sleep, rng=random.Random(seed), **kw)
        events: list = []
        poller.subscribe(events.append)
        return clock, store, svc, poller, events

    return make


async def poke_and_run(poller: Poller, svc: FakeService, iid: str) -> None:
    """What a webhook does: poke ``iid``, and the running poller fetches it (and saves and
    reports it); stops once that poll is over."""
    polls = len(svc.polls(iid))
    assert poller.poke(iid)
    task = asyncio.ensure_future(poller.run())
    while len(svc.polls(iid)) == polls and not task.done():
        await asyncio.sleep(0)
    for _ in range(20):  # the poll's processing after the fetch (save, events)
        await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def bucket_ok(times: list[float], burst: int = 3, spacing: float = 1.2) -> bool:
    """Token-bucket pacing: any n consecutive requests span at least (n - burst) spacings."""
    times = sorted(times)
    return all(times[j] - times[i] >= (j - i + 1 - burst) * spacing - 1e-6
               for i in range(len(times)) for j in range(i + burst, min(len(times), i + 60)))


def max_in_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


# ------------------------------------------------------------------------------------------
# Policy
# ------------------------------------------------------------------------------------------


def _iv(status: str, **kw) -> Interview:
    data = {"id": "x", "status": status, "job": {}, "candidate": {}, **kw}
    return Interview.from_api(data)


def test_policy_intervals_per_status():
    p = PollPolicy()
    assert p.interval(_iv("invited", created_at=iso(T0 - 3600)), T0, None)[0] == 300
    assert p.interval(_iv("invited", created_at=iso(T0 - 3 * 86400)), T0, None)[0] == 900
    assert p.interval(_iv("in_progress", started_at=iso(T0 - 60)), T0, None)[0] == 180
    assert p.interval(_iv("under_review"), T0, None)[0] == 300
    started = iso(T0 - 1000)  # estimate 1200 -> expected end at T0 + 200
    ip = _iv("in_progress", started_at=started)
    assert p.interval(ip, T0 - 2000, 1200)[0] == 180  # far away: the base interval
    assert p.interval(ip, T0, 1200)[0] == 100  # half the time left
    assert p.interval(ip, T0 + 150, 1200)[0] == 30  # around the end: most often
    assert p.interval(ip, T0 + 400, 1200)[0] == 30
    assert p.interval(ip, T0 + 700, 1200)[0] == 90  # overrunning
    assert p.interval(ip, T0 + 5000, 1200)[0] == 300  # long overdue
    assert p.scaled(0.1).interval(ip, T0 - 2000, 1200)[0] == pytest.approx(18)


def test_jitter_is_bounded_and_spreads():
    p = PollPolicy()
    rng = random.Random(7)
    iv = _iv("invited", created_at=iso(T0), expires_at=iso(T0 + 86400))
    samples = [p.next_poll(iv, T0, None, rng)[0] - T0 for _ in range(2000)]
    assert min(samples) >= 270 and max(samples) <= 330
    assert max(samples) - min(samples) > 50  # really jittered, not a constant


def test_invited_expiry_snaps_to_a_final_check():
    p = PollPolicy()
    rng = random.Random(1)
    iv = _iv("invited", created_at=iso(T0 - 3600), expires_at=iso(T0 + 100))
    at, why = p.next_poll(iv, T0, None, rng)
    assert T0 + 130 <= at <= T0 + 133 and "final check" in why
    at, _ = p.next_poll(iv, T0 + 131, None, rng)  # still 'invited' after expiry
    assert T0 + 700 <= at <= T0 + 703
    assert p.next_poll(iv, T0 + 701, None, rng)[0] is None  # then stop


# ------------------------------------------------------------------------------------------
# Scheduling on a fake clock
# ------------------------------------------------------------------------------------------


async def test_intervals_observed_per_status(world):
    scripts = {"inv": Script(), "prog": Script(start=T0 - 60, estimate=80_000),
               "odd": Script(status_override="under_review")}
    clock, store, svc, poller, events = world(scripts)
    res = await poller.run_until_terminal(scripts, timeout=3600)
    assert res.timed_out and res.pending == list(scripts)
    # Three watched: far within the budget, so each state is polled at its floor.
    for iid, lo, hi in (("inv", 27, 33), ("odd", 54, 66), ("prog", 27, 33)):
        g = gaps(svc.polls(iid))
        assert g and all(lo - 1.3 <= x <= hi + 1.3 for x in g), (iid, g)
    assert len(svc.polls("prog", "questions")) == 1  # estimate fetched once
    first = [e for e in events if isinstance(e, Transition)]
    assert {(e.interview_id, e.old_status, e.new_status) for e in first} == {
        ("inv", None, "invited"), ("prog", None, "in_progress"), ("odd", None, "under_review")}


async def test_tightens_around_expected_end_and_stops_when_done(world):
    s = Script(start=T0 + 100, end=T0 + 100 + 1330, estimate=1200)
    clock, store, svc, poller, events = world({"a": s})
    res = await poller.run_until_terminal(["a"], timeout=7200)
    assert res.finished and res.statuses == {"a": "completed"}
    polls = svc.polls("a")
    in_progress = [t for t in polls if s.start <= t]
    g = gaps(in_progress)
    end_expected = s.start + 1200
    near = [b - a for a, b in zip(in_progress, in_progress[1:], strict=False)
            if a >= end_expected - 60]
    far = [b - a for a, b in zip(in_progress, in_progress[1:], strict=False)
           if a < end_expected - 90]
    assert near and all(9 <= x <= 11 for x in near)  # most often around the expected end
    assert far and all(27 <= x <= 33 + 1.3 for x in far)  # the in-progress floor before it
    lag = polls[-1] - s.end
    assert 0 <= lag <= 11
    assert max(g) <= 34
    kinds = [(e.old_status, e.new_status) for e in events if isinstance(e, Transition)]
    assert kinds == [(None, "invited"), ("invited", "in_progress"), ("in_progress", "completed")]
    assert any(isinstance(e, Updated) for e in events)  # answers arrived while in progress
    # Completed: questions and result cached once, never polled again.
    assert len(svc.polls("a", "questions")) == 1
    assert store.get_interview("a").status == "completed" and store.get_questions("a")
    n = len(svc.log)
    assert (await poller.run_until_terminal(["a"], timeout=600)).finished
    assert len(svc.log) == n


async def test_expiry_one_final_check_then_stop(world):
    scripts = {"exp": Script(expires=T0 + 1000),
               "silent": Script(expires=T0 + 1000, expires_really=False)}
    clock, store, svc, poller, events = world(scripts)
    res = await poller.run_until_terminal(scripts, timeout=6 * 3600)
    assert not res.timed_out
    assert res.statuses == {"exp": "expired", "silent": "invited"}
    assert res.dropped == {"silent": "past_expiry"} and not res.finished
    exp = svc.polls("exp")
    assert T0 + 1000 <= exp[-1] <= T0 + 1034  # seen expired within one interval
    assert all(27 - 1.3 <= x <= 33 + 1.3 for x in gaps(exp))  # the invited floor
    silent = svc.polls("silent")
    assert T0 + 1030 <= silent[-2] <= T0 + 1034  # the final check found it still 'invited':
    assert T0 + 1600 <= silent[-1] <= T0 + 1604  # once more at expiry + 600, then no more
    n_silent = len(silent)
    assert any(isinstance(e, Dropped) and e.reason == "past_expiry" for e in events)
    assert store.poll_state("silent")["next_poll_at"] is None
    # A restarted poller does not resume polling the dormant one...
    p2 = Poller(svc, store, clock=clock, sleep=clock.sleep, rng=random.Random(2))
    assert p2.watched == []
    # ...but a webhook poke revives it for one check.
    await poke_and_run(p2, svc, "silent")
    assert len(svc.polls("silent")) == n_silent + 1


@pytest.mark.slow
async def test_budget_spreads_200_interviews(world):
    scripts = {f"i{n:03d}": Script() for n in range(100)}
    scripts.update({f"p{n:03d}": Script(start=T0 - 1100 + n, estimate=1200, end=T0 + 10**6)
                    for n in range(100)})  # all near their expected end: demand >> budget
    clock, store, svc, poller, events = world(scripts)
    assert poller.budget == 50 and poller.spacing == pytest.approx(1.2)
    res = await poller.run_until_terminal(scripts, timeout=15 * 60)
    assert res.timed_out
    times = [t for t, _, _ in svc.log]
    assert max_in_window(times) <= 50
    assert sum(1 for t in times if t < T0 + 1.2) <= 3  # a small burst at most, then spread
    assert bucket_ok(times)
    assert len(times) >= 0.9 * 15 * 50  # and it does use the budget it has
    assert all(svc.polls(i) for i in scripts)  # nobody starves
    # In progress near the end: polled far more often than invited ones.
    late = T0 + 5 * 60  # after the first round
    per = {k: statistics.mean(len([t for t in svc.polls(i) if t > late])
                              for i in scripts if i.startswith(k)) for k in "ip"}
    assert per["p"] > 2 * per["i"] >= 0.5, per
    stats = [e for e in events if isinstance(e, PollerStats)]
    assert max(s.requests_in_window for s in stats) <= 50


@pytest.mark.slow
async def test_restart_resumes_the_schedule_without_a_burst(world, tmp_path):
    scripts = {f"i{n:03d}": Script() for n in range(200)}
    clock, store, svc, poller, _ = world(scripts)
    await poller.run_until_terminal(scripts, timeout=10 * 60)
    before = list(svc.log)
    persisted = store.poll_states(list(scripts))
    assert len(persisted) == 200 and all(s["next_poll_at"] for s in persisted.values())
    # "Restart": a new poller over the same store, at once.
    p2 = Poller(svc, Store(tmp_path / "rz.db"), clock=clock, sleep=clock.sleep,
                rng=random.Random(9))
    recent = [t for t, _, _ in before if t > clock() - 60]
    assert recent and p2.requests_in_window() == len(recent)  # seeded from the last polls
    restart = clock()
    await p2.run_until_terminal(scripts, timeout=5 * 60)
    after = svc.log[len(before):]
    times = [t for t, _, _ in svc.log]
    assert max_in_window(times) <= 50  # across the restart too
    for t, _, iid in after[:50]:
        # Due by the persisted schedule, or brought forward to the current pace (never
        # sooner after its last poll than the floor).
        state = persisted[iid]
        assert t >= min(state["next_poll_at"], state["last_polled_at"] + 27) - 1e-6
    assert len([t for t, _, _ in after if t < restart + 6]) <= 5  # one per 1.2 s at most
    assert bucket_ok(times)  # no burst at start-up


async def test_429_pauses_everything_until_retry_after(world):
    scripts = {f"i{n}": Script() for n in range(10)}
    clock, store, svc, poller, events = world(scripts)
    calls = []

    def fault(now, iid):
        calls.append(now)
        if len(calls) == 4:
            return RateLimited("rate limit exceeded (429)", retry_after=30, status=429)
        return None

    svc.fault = fault
    await poller.run_until_terminal(scripts, timeout=120)
    times = [t for t, _, _ in svc.log]
    assert times[4] - times[3] >= 30
    assert any(isinstance(e, PollerStats) and e.state == "rate_limited" and e.resume_at
               for e in events)
    assert all(svc.polls(i) for i in scripts)  # the one that got the 429 is retried


async def test_offline_backs_off_then_resumes_by_itself(world):
    scripts = {f"i{n}": Script() for n in range(5)}
    clock, store, svc, poller, events = world(scripts)
    down = (T0 + 100, T0 + 700)
    svc.fault = lambda now, iid: (NetworkError("cannot reach the API (ConnectError)")
                                  if down[0] <= now < down[1] else None)
    await poller.run_until_terminal(scripts, timeout=1800)
    during = [t for t, _, _ in svc.log if down[0] <= t < down[1]]
    g = gaps(during)
    assert 4 <= len(during) <= 9  # 5, 10, 20, 40, 80, 160, 300 s apart: not hammering
    assert all(b >= a * 1.3 for a, b in zip(g, g[1:], strict=False) if a < 240)
    assert max(g) <= 300 * 1.2 + 1
    states = [e.state for e in events if isinstance(e, PollerStats)]
    assert "offline" in states and states[-1] == "ok"
    resumed = [t for t, _, _ in svc.log if t >= down[1]]
    assert resumed and resumed[0] - down[1] <= 300 * 1.2 + 1
    assert all(t >= down[1] for i in scripts for t in svc.polls(i)[-1:])


async def test_server_errors_back_off_per_interview(world):
    scripts = {"ok": Script(), "bad": Script()}
    clock, store, svc, poller, _ = world(scripts)
    from rztui.api.errors import ServerError

    svc.fault = lambda now, iid: ServerError("server error 500", status=500) \
        if iid == "bad" else None
    await poller.run_until_terminal(scripts, timeout=3 * 3600)
    g = gaps(svc.polls("bad"))
    assert 27 <= g[0] <= 33 and 54 <= g[1] <= 66 and max(g) <= 3960
    assert store.poll_state("bad")["failures"] >= 5
    assert len(svc.polls("ok")) >= 30  # the healthy one is unaffected


async def test_poke_fetches_now_and_ends_a_watch(world):
    s = Script(start=T0 + 10, end=T0 + 20, estimate=None)
    clock, store, svc, poller, events = world({"a": s})
    poked = []
    # The interview ends at T0 + 20; its webhook arrives at T0 + 24, mid-sleep (the next
    # poll is at least 27 s after the first).
    clock.at(T0 + 24, lambda: poked.append(
        poller.poke("a", hint={"estimated_duration_seconds": 600})))
    res = await poller.run_until_terminal(["a"], timeout=3600)
    assert poked == [True]
    assert res.finished and T0 + 24 <= clock() < T0 + 26
    assert len(svc.polls("a")) == 2 and len(svc.polls("a", "questions")) == 1


async def test_cached_final_ids_need_zero_requests(world):
    clock, store, svc, _, _ = world({"a": Script(start=T0 - 100, end=T0 - 10)})
    store.save_interview(svc.scripts["a"].payload("a", T0))
    poller = Poller(svc, store, clock=clock, sleep=clock.sleep)
    res = await poller.run_until_terminal(["a"], timeout=10)
    assert res.finished and svc.log == [] and poller.watched == []


async def test_auth_error_stops_the_poller(world):
    clock, store, svc, poller, events = world({"a": Script()})
    svc.fault = lambda now, iid: AuthError("API key rejected (401)", status=401)
    with pytest.raises(AuthError):
        await poller.run_until_terminal(["a"], timeout=60)
    assert len(svc.log) == 1
    assert [e.state for e in events if isinstance(e, PollerStats)][-1] == "stopped"


async def test_not_found_is_dropped_not_retried(world):
    clock, store, svc, poller, events = world({"a": Script()})
    store.track(["ghost"])
    res = await poller.run_until_terminal(["ghost"], timeout=3600)
    assert res.dropped == {"ghost": "not_found"} and len(svc.polls("ghost")) == 1


async def test_pause_and_resume(world):
    clock, store, svc, poller, events = world({"a": Script()})
    poller.pause()
    states = []
    clock.at(T0 + 50, lambda: (states.append(poller.stats().state), poller.resume()))
    res = await poller.run_until_terminal(["a"], timeout=100)
    assert states == ["paused"]
    assert res.timed_out and svc.polls("a")[0] == T0 + 50  # nothing before the resume


def test_yields_to_other_users_of_the_key(world):
    clock, store, svc, poller, _ = world({"a": Script()})
    svc.api.rate = RateState(limit=100, remaining=40, reset=T0 + 25)
    assert poller.gate_at(T0) == T0 + 25  # only 40 left: someone else is using the key
    svc.api.rate = RateState(limit=100, remaining=80, reset=T0 + 25)
    assert poller.gate_at(T0) == T0


async def test_follows_the_store_tracked_set(world):
    clock, store, svc, poller, _ = world({"a": Script(), "b": Script()})
    poller2 = Poller(svc, store, clock=clock, sleep=clock.sleep, sync_every=5)
    assert sorted(poller2.watched) == ["a", "b"]
    store.untrack(["b"])
    store.track(["c"])
    svc.scripts["c"] = Script()
    task = asyncio.ensure_future(poller2.run())
    while clock() < T0 + 30:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(poller2.watched) == ["a", "c"] and svc.polls("c")


async def test_event_queue_and_async_subscribers(world):
    clock, store, svc, poller, _ = world({"a": Script()})
    q = poller.events()
    seen = []

    async def acb(event):
        seen.append(event)

    poller.subscribe(acb)
    await poke_and_run(poller, svc, "a")
    await asyncio.sleep(0)
    items = [q.get_nowait() for _ in range(q.qsize())]
    assert any(isinstance(e, Transition) for e in items) and seen


# ------------------------------------------------------------------------------------------
# End to end against the demo server
# ------------------------------------------------------------------------------------------


@pytest.fixture
def fast_demo():
    server = DemoServer(port=0, rate_limit=10**6).start()
    try:
        yield server
    finally:
        server.stop()


async def test_demo_live_interviews_end_to_end(fast_demo, tmp_path):
    # Demo time follows the fake clock; the policy runs 10x faster than real life so the
    # demo's short live interviews (start 8-50 s, done by ~150 s) are seen in each state.
    demo = fast_demo
    clock = FakeClock(demo.epoch, on_advance=demo.advance)
    store = Store(tmp_path / "rz.db")
    ids = [*dataset.LIVE_IDS, dataset.LIVE_EXPIRING_ID]
    store.track(ids, source="watch")
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        poller = Poller(Service(store, api), store, clock=clock, sleep=clock.sleep,
                        policy=PollPolicy().scaled(0.1), limit=100, rng=random.Random(3))
        events: list = []
        poller.subscribe(events.append)
        demo.reset_stats()
        res = await poller.run_until_terminal(ids, timeout=600)
    assert res.finished, res
    seen: dict[str, list] = {}
    for e in events:
        if isinstance(e, Transition):
            seen.setdefault(e.interview_id, []).append((e.old_status, e.new_status))
    for iid in dataset.LIVE_IDS:
        assert seen[iid] == [(None, "invited"), ("invited", "in_progress"),
                             ("in_progress", "completed")], iid
    assert seen[dataset.LIVE_EXPIRING_ID] == [(None, "invited"), ("invited", "expired")]
    stats = demo.stats
    for iid in dataset.LIVE_IDS:  # questions fetched once; the completed result is cached
        assert stats.per_path[f"/api/v1/interviews/{iid}/questions"] == 1
        iv = store.get_interview(iid)
        assert iv.status == "completed" and len(iv.responses) == 4
        assert store.get_questions(iid) is not None
    assert stats.per_path.get(f"/api/v1/interviews/{dataset.LIVE_EXPIRING_ID}/questions") is None
    minutes = (clock() - demo.epoch) / 60
    assert stats.total_requests <= poller.budget * (minutes + 1)
    assert stats.total_requests == poller.requests_total
    # Nothing left to watch: a second watch costs nothing.
    demo.reset_stats()
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        again = Poller(Service(store, api), store, clock=clock, sleep=clock.sleep)
        assert (await again.run_until_terminal(ids, timeout=60)).finished
    assert demo.stats.total_requests == 0


class Listener:
    """A webhook receiver as the poller sees it."""

    listening = True


async def test_invited_relax_only_while_a_listener_is_up_and_events_arrive(world):
    scripts = {"inv": Script(expires=T0 + 3000), "prog": Script(start=T0 - 60, estimate=80_000)}
    clock, store, svc, poller, events = world(scripts)
    poller.note_webhook()
    assert not poller.stats().webhooks_live  # an event, but no listener attached: no relaxing
    listener = Listener()
    poller.attach_webhooks(listener)
    assert poller.stats().webhooks_live
    await poller.run_until_terminal(scripts, timeout=3 * 3600)
    inv = svc.polls("inv")
    assert all(270 <= x <= 330 for x in gaps(inv)[:-1])  # invited: the slow interval
    assert T0 + 3030 <= inv[-1] <= T0 + 3034  # the expiry check is not relaxed
    # In progress keeps its pace: a lost interview_ended must still be noticed soon.
    assert all(27 - 1.3 <= x <= 33 + 1.3 for x in gaps(svc.polls("prog")))
    listener.listening = False  # the listener went down: back to the fast floor at once
    assert not poller.stats().webhooks_live
    listener.listening = True
    clock.now += 7 * 3600  # no webhook for 7 hours: back to normal polling
    assert not poller.stats().webhooks_live


# ------------------------------------------------------------------------------------------
# Pace: floors when the budget allows, the budget when it does not
# ------------------------------------------------------------------------------------------


def test_plan_pace_uses_the_budget_between_floors_and_ceilings():
    rate = 50 / 60  # the default budget: 50 requests a minute
    invited = (30.0, 300.0)
    assert plan_pace([invited] * 10, rate) == 0.0  # 10 x 2/min: every one at its floor
    pace = plan_pace([invited] * 200, rate)  # 400/min at the floor: too many
    assert 0 < pace < 1
    per_minute = 60 * 200 / max(30.0, pace * 300.0)
    assert per_minute == pytest.approx(0.95 * 50, rel=1e-3)  # the budget, less headroom
    near_end, far = (10.0, 30.0), (30.0, 180.0)
    mixed = plan_pace([invited] * 40 + [near_end] * 5 + [far] * 10, rate)
    demand = 60 * (40 / max(30, mixed * 300) + 5 / max(10, mixed * 30)
                   + 10 / max(30, mixed * 180))
    assert demand == pytest.approx(0.95 * 50, rel=1e-3)
    assert max(10, mixed * 30) < max(30, mixed * 180) < max(30, mixed * 300)
    # More than even the ceilings allow: never slower than them (the queue decides).
    assert plan_pace([invited] * 1000, rate) == 1.0
    assert plan_pace([], rate) == 0.0


def test_policy_floors_per_state():
    p = PollPolicy()
    fresh = _iv("invited", created_at=iso(T0 - 3600))
    assert p.interval(fresh, T0, None, pace=0.0)[0] == 30
    assert p.interval(_iv("invited", created_at=iso(T0 - 3 * 86400)), T0, None, 0.0)[0] == 300
    assert p.interval(_iv("under_review"), T0, None, pace=0.0)[0] == 60
    ip = _iv("in_progress", started_at=iso(T0 - 1000))  # expected end at T0 + 200
    assert p.interval(ip, T0 - 2000, 1200, pace=0.0)[0] == 30
    assert p.interval(ip, T0 + 150, 1200, pace=0.0)[0] == 10  # around the expected end
    assert p.interval(ip, T0 + 700, 1200, pace=0.0)[0] == 30  # overrunning
    b = p.bounds(fresh, T0, None, webhooks=True)  # webhooks arrive: invited relaxes
    assert b.floor == b.ceiling == 300 and "webhooks" in b.why


@pytest.mark.slow
async def test_few_watched_get_their_floors_many_share_the_budget(world):
    few = {f"i{n}": Script() for n in range(10)}
    clock, store, svc, poller, _ = world(few)
    await poller.run_until_terminal(few, timeout=600)
    for iid in few:
        assert all(27 - 1.3 <= g <= 33 + 1.3 for g in gaps(svc.polls(iid)))
    many = {f"m{n:03d}": Script() for n in range(200)}
    svc.scripts.update(many)
    store.track(many)
    poller2 = Poller(svc, store, ids=many, clock=clock, sleep=clock.sleep,
                     rng=random.Random(5))
    start = clock()
    await poller2.run_until_terminal(many, timeout=30 * 60)
    times = [t for t, _, i in svc.log if t >= start]
    assert max_in_window(times) <= 50  # within the budget
    late = [t for t in times if t > start + 10 * 60]  # after the first rounds
    assert len(late) / 20 >= 0.85 * 50  # and using it: ~47 a minute
    expected = 200 / (0.95 * 50 / 60)  # ~253 s each: all 200 share the budget
    g = [x for i in many for x in gaps([t for t in svc.polls(i) if t > start + 10 * 60])]
    assert expected * 0.8 <= statistics.median(g) <= expected * 1.2


@pytest.mark.parametrize("cached", [False, True])
async def test_an_interview_over_in_six_seconds_is_seen_before_an_80_second_timeout(world,
                                                                                  cached):
    """The reported case: invited -> in_progress -> completed within 6 s of the start of the
    watch was still 'invited' when --timeout 80 ran out (polled every 300 s). Also when it
    was fetched (cached as invited) just before, as `rztui add` does."""
    s = Script(start=T0 + 2, end=T0 + 6, estimate=600)
    clock, store, svc, poller, events = world({"a": s})
    if cached:
        store.save_interview(s.payload("a", T0 - 5), fetched_at=T0 - 5)
        poller = Poller(svc, store, ids=["a"], clock=clock, sleep=clock.sleep,
                        rng=random.Random(3))
    res = await poller.run_until_terminal(["a"], timeout=80)
    assert res.finished and res.statuses == {"a": "completed"}
    assert clock() - T0 <= 34  # the second poll, one floor later


# ------------------------------------------------------------------------------------------
# Waiting: what a front end shows as "rate-limited · retrying in 27 s"
# ------------------------------------------------------------------------------------------


def waits(events: list) -> list[Waiting]:
    return [e.waiting for e in events if isinstance(e, PollerStats) and e.waiting]


async def test_a_429_is_a_rate_limited_wait_with_its_end(world):
    scripts = {f"i{n}": Script() for n in range(3)}
    clock, store, svc, poller, events = world(scripts)
    svc.fault = lambda now, iid: (RateLimited("rate limit exceeded (429)", retry_after=27,
                                              status=429) if len(svc.log) == 2 else None)
    await poller.run_until_terminal(scripts, timeout=120)
    [w] = {w for w in waits(events) if w.reason == "rate_limited"}
    assert w.rate_limit and T0 + 27 <= w.until <= T0 + 28
    assert w.describe(T0) == "rate-limited · retrying in 28 s"
    assert w.describe(w.until - 26.2) == "rate-limited · retrying in 27 s"
    assert svc.polls()[2] >= w.until  # and nothing was sent before it ended


async def test_a_key_used_by_others_is_a_wait_until_the_reset(world):
    clock, store, svc, poller, events = world({"a": Script()})
    svc.api.rate = RateState(limit=100, remaining=30, reset=T0 + 40)
    await poller.run_until_terminal(["a"], timeout=10)
    [w] = set(waits(events))
    assert w.reason == "key_busy" and w.until == T0 + 40 and w.rate_limit
    assert "other clients" in w.describe(T0) and svc.log == []


async def test_pause_and_outage_are_waits_too(world):
    clock, store, svc, poller, events = world({"a": Script()})
    poller.pause()
    w = poller.stats().waiting
    assert w is not None and w.reason == "paused" and not w.rate_limit
    poller.resume()
    svc.fault = lambda now, iid: NetworkError("cannot reach the API (ConnectError)")
    await poller.run_until_terminal(["a"], timeout=3)
    w = waits(events)[-1]
    assert w.reason == "offline" and w.until > clock() and w.describe(clock()).startswith(
        "offline · retrying in")


async def test_the_client_wait_hook_feeds_the_waiting_state(world):
    clock, store, svc, poller, events = world({"a": Script()})

    class HookedApi(FakeApi):
        on_wait = None

    svc.api = HookedApi()
    seen_by_the_app: list[tuple[float, str]] = []
    svc.api.on_wait = lambda s, r: seen_by_the_app.append((s, r))  # a hook already there
    wire_client_waits(svc, poller)
    inner = svc.interview

    async def interview(iid: str, *, refresh: bool = False):
        svc.api.on_wait(12.0, "rate limited (429): Retry-After 12")
        during.append(poller.stats().waiting)
        return await inner(iid, refresh=refresh)

    during: list = []
    svc.interview = interview
    await poke_and_run(poller, svc, "a")
    [w] = during
    assert w.reason == "rate_limited" and w.until == T0 + 12 and "Retry-After" in w.detail
    assert seen_by_the_app == [(12.0, "rate limited (429): Retry-After 12")]  # kept
    assert poller.stats().waiting is None  # the request went through: no longer waiting
    poller.on_client_wait(3.0, "retrying after a server error")
    assert poller.stats().waiting.reason == "retrying"


async def test_start_up_reads_only_the_interviews_that_may_change(world):
    # 3,000 completed interviews tracked and polled before, two that may still change: the
    # poller's start and its store syncs read the two, never a row per finished one.
    scripts = {"live-1": Script(), "live-2": Script()}
    clock, store, svc, poller, _ = world(scripts)
    done = [f"done-{n:04d}" for n in range(3000)]
    store.track(done)
    store.save_interviews({"id": iid, "status": "completed", "job": {"title": "J"},
                           "candidate": {"name": "C"}, "responses": []} for iid in done)
    for iid in done[:50]:
        store.set_poll_state(iid, next_poll_at=None, last_polled_at=clock() - 5,
                             last_status="completed")
    queries: list[str] = []
    real = store._query

    def counted(sql, params=()):
        queries.append(sql)
        return real(sql, params)

    store._query = counted
    p2 = Poller(svc, store, clock=clock, sleep=clock.sleep, rng=random.Random(3))
    assert sorted(p2.watched) == ["live-1", "live-2"]
    assert p2.requests_in_window() == 50  # paced by the recent polls of the finished ones
    assert len(queries) < 40, len(queries)
    queries.clear()
    clock.now += 60
    p2._maybe_sync(clock())
    assert sorted(p2.watched) == ["live-1", "live-2"] and len(queries) < 10
    store.untrack(["live-2"])
    store.track(["live-3"])
    p2._maybe_sync(clock() + 60)
    assert sorted(p2.watched) == ["live-1", "live-3"]
