"""The poller: an adaptive, budgeted watch over the service layer (pure asyncio).

The ROUND0 API allows 100 requests per minute and asks clients to prefer webhooks to polling.
The poller watches tracked interviews that can still change (``invited``, ``in_progress`` and
any status it does not know) and never polls ``completed`` or ``expired`` ones. Webhooks
(:mod:`rztui.webhooks`, wired up by :class:`~rztui.live.session.LiveSession`) call
:meth:`Poller.poke` so a change is fetched at once; polling is the safety net that still works
without them. When to poll is :mod:`rztui.live.policy`; how many requests may go, and when none
may, is :mod:`rztui.live.budget`; the watched set is :mod:`rztui.live.watchlist`.

How often: each interview's interval is the larger of a floor for its state (30 s invited or
in progress, 10 s around the expected end) and what the budget allows for everything watched
(:func:`~rztui.live.policy.plan_pace`), never slower than the policy's ceilings: a few
interviews are polled at their floors, a few hundred share the budget.

Failures: a 429 pauses every poll until ``Retry-After`` (else ``X-RateLimit-Reset``, else 30 s).
A network error means offline: everything waits 5, 10, 20 ... at most 300 s (jittered), then the
overdue interview is tried again; the first success ends the outage by itself. Three server
errors in a row from different interviews are treated the same way. A 401/403 (or no key) stops
the poller: :meth:`Poller.run` raises it. A 404 stops watching that interview (:class:`Dropped`).

Schedules live in the store (``poll_state``: next poll time, last poll, failures, last status),
so a restart resumes the same schedule and does not burst either.

Events go to subscribers (callbacks, or an ``asyncio.Queue`` from :meth:`Poller.events`):
:class:`Transition`, :class:`Updated` (same status, new answers), :class:`Dropped` and
:class:`PollerStats` snapshots for a status line. A snapshot is also sent whenever the poller
starts waiting for something (``PollerStats.waiting``: a 429, the key's shared limit, an
outage, a pause, the API client's own retry wait via :meth:`Poller.on_client_wait`), so a
front end can show "rate-limited · retrying in 27 s" with a countdown.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..api.errors import (
    AuthError,
    CredentialsError,
    InvalidId,
    NetworkError,
    NotFound,
    RateLimited,
    RZError,
    ServerError,
    SubscriptionInactive,
)
from ..api.ids import parse_id
from ..api.models import COMPLETED, IN_PROGRESS, TERMINAL_STATUSES, Interview
from .budget import DEFAULT_LIMIT, Holds, RateInfo, RequestBudget
from .events import (
    Dropped,
    Event,
    Hub,
    PollerStats,
    Transition,
    Updated,
    Waiting,
    WaitReason,
    WatchResult,
)
from .policy import PollPolicy, estimate_from, plan_pace
from .protocols import ApiInfo, PollService, WebhookSource
from .watchlist import Entry, WatchList, fingerprint

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

FATAL_ERRORS = (AuthError, SubscriptionInactive, CredentialsError)
__all__ = ["DEFAULT_LIMIT", "FATAL_ERRORS", "ApiInfo", "PollService", "Poller", "WebhookSource"]

PACE_EVERY = 5.0  # seconds (x time_scale) between re-plans of the pace while nothing changes


Subscriber = Callable[[Event], object]


class Poller:
    """Watch interviews until they finish, within a share of the API's rate budget.

    ``ids=None`` follows the store's tracked set (re-read every ``sync_every`` seconds, so ids
    tracked or removed elsewhere are picked up); a list watches just those plus :meth:`add`.
    Methods are not thread-safe: call them on the event loop's thread.
    """

    def __init__(
        self,
        service: PollService,
        store: Store | None = None,
        *,
        budget_share: float = 0.5,
        window: float = 60.0,
        limit: int | None = None,
        policy: PollPolicy | None = None,
        ids: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
        sync_every: float = 10.0,
        burst: int = 3,
    ) -> None:
        self.service = service
        self.store: Store = store if store is not None else service.store
        self.policy = policy or PollPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.pacing = RequestBudget(share=budget_share, window=window, limit=limit, burst=burst,
                                    rate=self._rate, now=clock())
        self.holds = Holds()
        self.watch = WatchList(self.store, self.policy, self._rng)
        self._entries = self.watch.entries
        self._need_questions = self.watch.need_questions
        self._follow_store = ids is None
        self._sync_every = sync_every
        self._last_sync = clock()
        self._fatal: RZError | None = None
        self._last_error: str | None = None
        self._webhook_at: float | None = None
        self._webhooks: WebhookSource | None = None
        self._pace = 1.0  # see plan_pace: 0 every interview at its floor, 1 at its ceiling
        self._pace_at = -math.inf  # when the pace was last planned (-inf: plan again now)
        self._client_wait: Waiting | None = None
        self._wait_key: tuple[str, int] | None = None  # the waiting state last reported
        self._wake = asyncio.Event()
        self._hub: Hub[Event] = Hub(lambda e: isinstance(e, PollerStats))
        self._running = False
        # Following the store: only the interviews that may still change are read (a store of
        # 100,000 completed ones costs one indexed query, not a row each).
        self._load(self.store.unfinished_ids() if ids is None else ids)

    # -- watched set ------------------------------------------------------------------------

    def _load(self, ids: Iterable[str]) -> None:
        wanted = list(ids)
        states = self.store.poll_states(wanted)
        now = self._clock()
        # Seed the sliding window with polls a previous run made recently: no burst on restart.
        self.pacing.seed(self.store.polled_since(now - self.pacing.window), now)
        for iid in wanted:
            self.watch.admit(iid, states.get(iid), now)
        self.pace_now(now)
        self.watch.catch_up(list(self._entries))

    def add(self, ids: Iterable[str]) -> list[str]:
        """Start watching these ids (cached terminal ones are skipped); returns those added."""
        added = self.watch.add(ids, self._clock())
        if added:
            self._pace_at = -math.inf
            self.pace_now()
            self.watch.catch_up(added)
            self._wake.set()
        return added

    def remove(self, ids: Iterable[str]) -> None:
        self.watch.remove(ids)
        self._pace_at = -math.inf
        self._wake.set()

    def poke(self, interview_id: str, hint: dict[str, Any] | None = None) -> bool:
        """Fetch this interview as soon as the budget allows (a webhook said it changed).

        ``hint`` is the webhook's ``data.interview`` (its estimated duration saves a request).
        Returns False when there is nothing to do (invalid id, or cached as final).
        """
        try:
            iid = parse_id(interview_id)
        except InvalidId:
            return False
        estimate = estimate_from(hint)
        if estimate:
            self.watch.estimates[iid] = estimate
        now = self._clock()
        entry = self._entries.get(iid) or self.watch.admit(iid, None, now)
        if entry is None:
            return False
        entry.poked = True
        if entry.due is None:
            self._pace_at = -math.inf  # revived: it shares the budget again
        entry.due = now if entry.due is None else min(entry.due, now)
        entry.reason = "poked"
        self.watch.dropped.pop(iid, None)
        self._wake.set()
        return True

    def _maybe_sync(self, now: float) -> None:
        if not self._follow_store or now - self._last_sync < self._sync_every:
            return
        self._last_sync = now
        # Those watched and no longer tracked go; those tracked that may still change and are
        # not watched come (cached final ones never are): nothing read per finished interview.
        watched = list(self._entries)
        gone = set(watched) - self.store.tracked_among(watched)
        if gone:
            self.remove(gone)
        self.add(i for i in self.store.unfinished_ids() if i not in self._entries)

    @property
    def watched(self) -> list[str]:
        return self.watch.watched

    def schedule(self) -> dict[str, tuple[float | None, str]]:
        """Each watched id's next poll time and the reason (for displays and tests)."""
        return {i: (e.due, e.reason) for i, e in self._entries.items()}

    def next_due(self) -> tuple[str, float] | None:
        """The interview polled next if nothing else happens, and when (ignores the budget)."""
        return self.watch.next_due()

    # -- control ----------------------------------------------------------------------------

    def pause(self) -> None:
        self.holds.paused = True
        self._emit(self.stats())

    def resume(self) -> None:
        """Resume after pause(); also retries at once after an outage or a fatal error."""
        self.holds.paused = False
        self.holds.outage_until = None
        self._fatal = None
        self._wake.set()
        self._emit(self.stats())

    @property
    def paused(self) -> bool:
        return self.holds.paused

    def attach_webhooks(self, source: WebhookSource | None) -> None:
        """The webhook receiver feeding this poller (None: none). Polling relaxes only while
        it is listening *and* verified events arrive."""
        self._webhooks = source

    def note_webhook(self) -> None:
        """A verified webhook arrived: while the listener stays up, invited interviews relax
        to their slow interval for ``policy.webhook_trust`` seconds."""
        self._webhook_at = self._clock()

    def _webhooks_live(self, now: float) -> bool:
        pol = self.policy
        return (self._webhooks is not None and self._webhooks.listening
                and self._webhook_at is not None
                and now - self._webhook_at < pol.webhook_trust * pol.time_scale)

    @property
    def webhooks_live(self) -> bool:
        return self._webhooks_live(self._clock())

    # -- pace (rztui.live.policy.plan_pace) -------------------------------------------------

    def pace_now(self, now: float | None = None) -> float:
        """Where intervals sit between floors (0) and ceilings (1) now, re-planned every
        ``PACE_EVERY`` s and whenever the watched set changes."""
        now = self._clock() if now is None else now
        if now - self._pace_at >= PACE_EVERY * self.policy.time_scale:
            demands = self.watch.demands(now, webhooks=self._webhooks_live(now))
            self._pace = plan_pace(demands, self.pacing.per_second)
            self.watch.pace = self._pace
            self._pace_at = now
        return self._pace

    def planned_requests_per_minute(self) -> float:
        """What the current schedule asks of the budget, in requests per minute (no retries,
        questions or pokes)."""
        now = self._clock()
        pace = self.pace_now(now)
        demands = self.watch.demands(now, webhooks=self._webhooks_live(now))
        return 60.0 * sum(1.0 / max(f, pace * c) for f, c in demands)

    # -- waiting (what a front end shows as a countdown) ------------------------------------

    def on_client_wait(self, seconds: float, reason: str) -> None:
        """The API client's ``on_wait(seconds, reason)`` hook: it is about to wait before a
        request (a 429's ``Retry-After``, its own pacing, a retry backoff)."""
        self._client_wait = Waiting.client(self._clock() + max(0.0, seconds), reason)
        self._wait_key = None
        self._emit(self.stats())

    def current_wait(self, now: float | None = None) -> Waiting | None:
        """Why nothing is sent now and until when; None when a request may go (or nothing is
        due). Budget waits count only when longer than the usual spacing."""
        now = self._clock() if now is None else now
        if self._fatal is not None:
            return None
        cw = self._client_wait
        if cw is not None and cw.until > now:
            return cw
        holds = self.holds
        if holds.paused:
            return Waiting(math.inf, "paused")
        if holds.hold_until and holds.hold_until > now:
            return Waiting(holds.hold_until, "rate_limited")
        if holds.outage_until and holds.outage_until > now:
            kind: WaitReason = "server_errors" if holds.outage_kind == "server_errors" \
                else "offline"
            return Waiting(holds.outage_until, kind)
        if self.watch.pick(now) is None:
            return None
        gate, why = self.pacing.gate(now)
        if why == "key_busy" and gate > now:
            return Waiting(gate, "key_busy")
        if gate - now > 2 * self.spacing:
            return Waiting(gate, "budget")
        return None

    def _report_waiting(self, now: float) -> None:
        """Emit stats when the waiting state changes (a new reason, or a new end)."""
        w = self.current_wait(now)
        key = None if w is None else (w.reason, int(w.until) if math.isfinite(w.until) else -1)
        if key != self._wait_key:
            self._wait_key = key
            self._emit(self.stats())

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (coroutines are scheduled as tasks)."""
        return self._hub.subscribe(callback)

    def events(self, maxsize: int = 0) -> asyncio.Queue[Event]:
        """A queue receiving every event (when full, the oldest stats snapshots make way)."""
        return self._hub.queue(maxsize)

    def _emit(self, event: Event) -> None:
        self._hub.emit(event)

    # -- budget (rztui.live.budget) ---------------------------------------------------------

    def _rate(self) -> RateInfo | None:
        api = self.service.api
        return api.rate if api is not None else None

    @property
    def budget_share(self) -> float:
        return self.pacing.share

    @property
    def window(self) -> float:
        return self.pacing.window

    @property
    def burst(self) -> int:
        return self.pacing.burst

    @property
    def limit(self) -> int:
        return self.pacing.limit

    @property
    def budget(self) -> int:
        return self.pacing.budget

    @property
    def spacing(self) -> float:
        return self.pacing.spacing

    @property
    def requests_total(self) -> int:
        return self.pacing.requests_total

    def requests_in_window(self, now: float | None = None) -> int:
        return self.pacing.requests_in_window(self._clock() if now is None else now)

    def gate_at(self, now: float) -> float:
        """The earliest time the budget lets the next request go."""
        return self.pacing.gate_at(now)

    # -- stats ------------------------------------------------------------------------------

    def stats(self) -> PollerStats:
        now = self._clock()
        state = "stopped" if self._fatal is not None else self.holds.state(now)
        nd = self.next_due()
        return PollerStats(
            at=now, state=state, watched=len(self.watched),
            dormant=self.watch.dormant_count(), due=self.watch.due_count(now),
            next_poll_at=nd[1] if nd else None,
            requests_in_window=self.pacing.requests_in_window(now),
            budget=self.budget, window=self.window, limit=self.limit,
            rate_remaining=self.pacing.rate_remaining(now),
            resume_at=self.holds.resume_at(now),
            requests_total=self.requests_total, last_error=self._last_error,
            webhooks_live=self._webhooks_live(now), waiting=self.current_wait(now),
        )

    # -- the loop ---------------------------------------------------------------------------

    async def _wait(self, delay: float) -> None:
        """Sleep ``delay`` seconds (injected sleep) or until woken by poke/add/resume."""
        if delay <= 0:
            await asyncio.sleep(0)
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        tasks: set[asyncio.Future[Any]] = {waiter}
        if math.isfinite(delay):
            tasks.add(asyncio.ensure_future(self._sleep(delay)))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _step(self, deadline: float | None) -> bool:
        """Do one job, or wait for the next one. Returns False once ``deadline`` has passed."""
        if self._fatal is not None:
            raise self._fatal
        now = self._clock()
        if deadline is not None and now >= deadline:
            return False
        self._wake.clear()
        self._maybe_sync(now)
        delay = self.holds.blocked_for(now)
        if delay is None:
            job = self.watch.pick(now)
            if job is None:
                nd = self.watch.earliest()
                delay = math.inf if nd is None else nd - now
            else:
                gate = self.gate_at(now)
                if gate <= now:
                    kind, iid = job
                    if kind == "poll":
                        await self._poll(self._entries[iid])
                    else:
                        await self._fetch_questions(iid)
                    return True
                delay = gate - now
        self._report_waiting(now)
        if deadline is not None:
            delay = min(delay, deadline - now)
        if self._follow_store:  # ids tracked elsewhere are picked up within sync_every
            delay = min(delay, max(0.0, self._last_sync + self._sync_every - now))
        await self._wait(delay)
        return True

    async def run(self) -> None:
        """Watch until cancelled. Raises the error if the key is rejected (401/403/none)."""
        if self._running:
            raise RuntimeError("this poller is already running")
        self._running = True
        try:
            self._emit(self.stats())
            while True:
                await self._step(None)
        finally:
            self._running = False

    async def run_until_terminal(self, ids: Iterable[str],
                                 timeout: float | None = None) -> WatchResult:
        """Poll (and follow pokes) until every one of ``ids`` is completed or expired, or
        dropped (not found, silent past expiry), or ``timeout`` clock seconds pass."""
        if self._running:
            raise RuntimeError("this poller is already running")
        wanted: list[str] = list(dict.fromkeys(parse_id(i) for i in ids))
        self.add(wanted)
        for iid in wanted:  # asked for by name: check even those an earlier run gave up on
            e = self._entries.get(iid)
            if e is not None and e.due is None:
                self.poke(iid)
        deadline = None if timeout is None else self._clock() + timeout
        self._running = True
        timed_out = False
        try:
            self._emit(self.stats())
            while not self.watch.settled(wanted):
                if not await self._step(deadline):
                    timed_out = True
                    break
        finally:
            self._running = False
        statuses = {i: self.store.cached_status(i) for i in wanted}
        dropped = {i: self.watch.dropped[i] for i in wanted if i in self.watch.dropped}
        return WatchResult(statuses, dropped, timed_out)

    # -- one poll ---------------------------------------------------------------------------

    def _requests_sent(self) -> int | None:
        api = self.service.api
        value = api.requests_sent if api is not None else None
        return value if isinstance(value, int) else None

    def _adjust_sent(self, now: float, before: int | None) -> None:
        """Client-level retries count against the budget too."""
        api = self.service.api
        if before is None or api is None:
            return
        used = max(1, min(api.requests_sent - before, int(api.max_attempts or 1)))
        if used > 1:
            self.pacing.record(now, used - 1)

    async def _poll(self, entry: Entry) -> Interview | None:
        iid = entry.iid
        now = self._clock()
        entry.poked = False
        old = entry.status
        cached_status = self.store.cached_status(iid)
        if cached_status in TERMINAL_STATUSES and old not in TERMINAL_STATUSES:
            # Someone else (the TUI, another command) already fetched the final result.
            cached = self.store.get_interview(iid)
            if cached is not None:
                await self._apply(entry, cached, now)
                return cached
        before = self._requests_sent()
        self.pacing.record(now)
        try:
            iv = await self.service.interview(iid, refresh=True)
        except FATAL_ERRORS as exc:
            self._client_wait = None
            self._fatal = exc
            self._last_error = exc.message
            self._adjust_sent(now, before)
            self._emit(self.stats())
            return None
        except RZError as exc:
            self._client_wait = None
            self._adjust_sent(now, before)
            self._failed(entry, exc, self._clock())
            return None
        self._client_wait = None
        self._adjust_sent(now, before)
        self._recovered()
        await self._apply(entry, iv, self._clock())
        return iv

    def _recovered(self) -> None:
        if self.holds.recovered():
            self._last_error = None

    def _failed(self, entry: Entry, exc: RZError, now: float) -> None:
        self._last_error = exc.message
        pol, holds = self.policy, self.holds
        if isinstance(exc, RateLimited):
            wait = exc.retry_after
            rate = self._rate()
            if wait is None and rate is not None and rate.reset and rate.reset > now:
                wait = rate.reset - now
            if wait is None:
                wait = pol.rate_limited_default * pol.time_scale
            holds.hold_until = now + wait + self._rng.uniform(0, 0.5) * pol.time_scale
            entry.reason = "rate limited"
        elif isinstance(exc, NetworkError):
            holds.outage_failures += 1
            holds.outage("offline", now + pol.offline_backoff(holds.outage_failures, self._rng))
            entry.reason = "offline"
        elif isinstance(exc, (NotFound, InvalidId)):
            reason = "not_found" if isinstance(exc, NotFound) else "invalid_id"
            self._drop(entry, reason, exc.message, now)
            return
        else:  # server errors, invalid responses: this interview backs off
            entry.failures += 1
            entry.due = now + pol.error_backoff(entry.failures, self._rng)
            entry.reason = f"error x{entry.failures}"
            if isinstance(exc, ServerError):
                holds.server_error_streak += 1
                if holds.server_error_streak >= pol.server_error_streak:
                    holds.outage_failures += 1
                    holds.outage("server_errors", now + pol.offline_backoff(
                        holds.outage_failures, self._rng))
            self._persist(entry, now)
        self._emit(self.stats())

    def _drop(self, entry: Entry, reason: str, message: str, now: float) -> None:
        entry.due = None
        self._pace_at = -math.inf
        entry.reason = "dormant"
        entry.last_polled_at = now
        self.watch.dropped[entry.iid] = reason
        self._persist(entry, now)
        self._emit(Dropped(entry.iid, reason, message, now))
        self._emit(self.stats())

    def _persist(self, entry: Entry, now: float) -> None:
        try:
            self.store.set_poll_state(entry.iid, next_poll_at=entry.due,
                                      last_polled_at=entry.last_polled_at or now,
                                      failures=entry.failures, last_status=entry.status)
        except Exception:  # the schedule is an optimisation: never stop watching over it
            log.exception("cannot save the poll schedule")

    async def _apply(self, entry: Entry, iv: Interview, now: float) -> None:
        iid = entry.iid
        old = entry.status
        entry.failures = 0
        entry.last_polled_at = now
        fp = fingerprint(iv)
        changed = iv.status != old
        updated = not changed and fp != entry.fingerprint
        entry.status, entry.fingerprint = iv.status, fp
        entry.note(iv)
        if iv.is_terminal:
            self._entries.pop(iid, None)
            self._pace_at = -math.inf  # one less to share the budget with
            entry.due = None
            self._persist(entry, now)
            if iv.status == COMPLETED:
                await self._fetch_questions(iid, inline=True)
        else:
            est = self.watch.estimate(iid, iv)
            if est is None and iv.status == IN_PROGRESS:
                # One /questions request buys a schedule that tightens around the expected
                # end, and the completed view needs the questions anyway.
                await self._fetch_questions(iid, inline=True)
                est = self.watch.estimate(iid, iv)
            live = self._webhooks_live(now)
            at, why = self.policy.next_poll(iv, now, est, self._rng, pace=self.pace_now(now),
                                            webhooks=live)
            if at is None:
                entry.reason = "dormant"
                self._drop(entry, "past_expiry",
                           f"interview {iid}: still 'invited' after its expiry; no longer polled",
                           now)
            else:
                if not entry.poked:
                    entry.due, entry.reason = at, why
                self._persist(entry, now)
        if changed:
            self._emit(Transition(iid, old, iv.status, iv, now))
        elif updated:
            self._emit(Updated(iid, iv, now))
        self._emit(self.stats())

    async def _fetch_questions(self, iid: str, *, inline: bool = False) -> None:
        """Fetch and cache /questions once. Inline callers wait for the budget here."""
        if self.store.get_questions(iid) is not None:
            self._need_questions.pop(iid, None)
            return
        if inline:
            while True:
                now = self._clock()
                delay = self.holds.blocked_for(now)
                if delay is None:
                    delay = self.gate_at(now) - now
                    if delay <= 0:
                        break
                if self._fatal is not None or not math.isfinite(delay):
                    self._need_questions[iid] = now  # paused: do it later
                    return
                await self._wait(delay)
        now = self._clock()
        before = self._requests_sent()
        self.pacing.record(now)
        try:
            await self.service.questions(iid)
        except FATAL_ERRORS as exc:
            self._client_wait = None
            self._fatal = exc
            self._last_error = exc.message
            self._need_questions[iid] = now
        except RZError as exc:
            self._client_wait = None
            self._adjust_sent(now, before)
            self._last_error = exc.message
            if isinstance(exc, (NotFound, InvalidId)):
                self._need_questions.pop(iid, None)
            else:
                self._need_questions[iid] = now + self.policy.error_backoff(1, self._rng)
                if isinstance(exc, (RateLimited, NetworkError)):
                    self._failed(Entry(iid, None, None), exc, now)
        else:
            self._client_wait = None
            self._adjust_sent(now, before)
            self._recovered()
            self._need_questions.pop(iid, None)
