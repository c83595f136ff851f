"""Live status watching: an adaptive, budgeted poller over the service layer (pure asyncio).

The ROUND0 API allows 100 requests per minute and asks clients to prefer webhooks to polling.
The poller watches tracked interviews that can still change (``invited``, ``in_progress`` and
any status it does not know) and never polls ``completed`` or ``expired`` ones. Webhooks
(:mod:`rztui.webhooks`) call :meth:`Poller.poke` so a change is fetched at once; polling is the
safety net that still works without them.

Scheduling policy (seconds; every value is a :class:`PollPolicy` field, multiplied by
``PollPolicy.time_scale`` which is 1.0 except in tests and benchmarks that run the demo faster):

===============================================  ==========================================
state                                            next poll after
===============================================  ==========================================
tracked, never fetched / poked by a webhook      now (still paced by the budget)
``invited``                                      300 (900 once invited more than 2 days ago)
``invited``, expiry comes first                  ``expires_at`` + 30: the one final check
``invited`` after that final check               once more at ``expires_at`` + 600, then stop
``in_progress``, no estimate known               180
``in_progress``, expected end more than 60 away  half the time left, between 30 and 180
``in_progress``, from end - 60 to end + 300      30 (most often around the expected end)
``in_progress``, overrunning (to end + 1800)     90
``in_progress``, later than that (abandoned?)    300
unknown status (e.g. ``under_review``)           300
``completed`` / ``expired``                      never (questions + result fetched once)
error for one interview (5xx, bad JSON)          30 x 2^(failures - 1), at most 3600
===============================================  ==========================================

While verified webhooks are arriving (one in the last 6 hours), every interval above except the
expiry checks is stretched 4x (invited 20 min, around the expected end 2 min): the webhook
reports starts and ends at once, and polling stays on as the safety net for lost deliveries.

The expected end is ``started_at + estimated_duration_seconds``. The estimate comes from a
webhook's ``data.interview``, the interview payload, the cached ``/questions`` (fetched once
when an interview is first seen in progress: one request that also serves the completed view
later) or, failing that, the sum of the listed questions' time limits. Every interval gets
uniform jitter of +/-10% so many interviews added together do not stay in lock step.

Budget: the poller sends at most ``budget_share`` x ``X-RateLimit-Limit`` requests per
``window`` (default 0.5 x 100 per 60 s = 50/min; ``settings.poll_budget``). Requests are spaced
``window / (budget_share x limit)`` apart (1.2 s; a token bucket lets up to ``burst`` = 3 go at
once after a quiet spell, so one interview and its questions come without waiting) and a
sliding-window count never lets more than the budget through in any ``window``. It also
yields to everything else using the same key: while the server's ``X-RateLimit-Remaining`` is
at or below the part of the limit the poller may not use, it waits for ``X-RateLimit-Reset``.
When more is due than the budget allows, the most overdue go first, with in-progress
interviews favoured over invited ones (each class may lag the other by a bounded slack) and
webhook pokes before everything.

Failures: a 429 pauses every poll until ``Retry-After`` (else ``X-RateLimit-Reset``, else 30 s).
A network error means offline: everything waits 5, 10, 20 ... at most 300 s (jittered), then the
overdue interview is tried again; the first success ends the outage by itself. Three server
errors in a row from different interviews are treated the same way. A 401/403 (or no key) stops
the poller: :meth:`Poller.run` raises it. A 404 stops watching that interview (:class:`Dropped`).

Schedules live in the store (``poll_state``: next poll time, last poll, failures, last status),
so a restart resumes the same schedule, and the sliding window is seeded from the persisted
``last_polled_at`` times, so a restart does not burst either.

Events go to subscribers (callbacks, or an ``asyncio.Queue`` from :meth:`Poller.events`):
:class:`Transition`, :class:`Updated` (same status, new answers), :class:`Dropped` and
:class:`PollerStats` snapshots for a status line.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from .api.errors import (
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
from .api.ids import parse_id
from .api.models import COMPLETED, IN_PROGRESS, INVITED, TERMINAL_STATUSES, Interview

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 100  # the documented rate limit, used until a response tells us otherwise
FATAL_ERRORS = (AuthError, SubscriptionInactive, CredentialsError)

# How long one class may wait behind another when more is due than the budget allows: an
# invited interview due at t competes like an in-progress one due at t + 120.
_SLACK = {"poke": -86400.0, "final": 0.0, "in_progress": 0.0, "new": 0.0, "unknown": 30.0,
          "invited": 120.0, "questions": 60.0}


# ------------------------------------------------------------------------------------------
# Events
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transition:
    """The status changed; ``old_status`` is None the first time an interview is seen."""

    interview_id: str
    old_status: str | None
    new_status: str
    interview: Interview
    at: float


@dataclass(frozen=True, slots=True)
class Updated:
    """Same status, new content (e.g. answers arriving in an in-progress interview)."""

    interview_id: str
    interview: Interview
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Dropped:
    """The poller stopped watching a non-terminal interview (``not_found``, ``past_expiry``,
    ``invalid_id``). A webhook poke revives it."""

    interview_id: str
    reason: str
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class PollerStats:
    """A snapshot for a status line. ``state``: ok, paused, rate_limited, offline,
    server_errors or stopped (401/403/no key: see ``last_error``)."""

    at: float
    state: str
    watched: int  # interviews with a schedule
    dormant: int  # non-terminal but no longer polled (Dropped)
    due: int  # overdue right now (more than the budget allows, or waiting out a pause)
    next_poll_at: float | None
    requests_in_window: int  # sent by the poller in the last `window` seconds
    budget: int  # requests the poller may send per window
    window: float
    limit: int  # the API's limit per window (X-RateLimit-Limit)
    rate_remaining: int | None  # the server's X-RateLimit-Remaining, if recent
    resume_at: float | None  # when a 429 / offline / server-error pause ends
    requests_total: int
    last_error: str | None = None
    webhooks_live: bool = False  # verified webhooks arriving: polling is relaxed

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def offline(self) -> bool:
        return self.state == "offline"


Event = Transition | Updated | Dropped | PollerStats


@dataclass
class WatchResult:
    """What :meth:`Poller.run_until_terminal` saw: ``finished`` when every id is terminal."""

    statuses: dict[str, str | None]
    dropped: dict[str, str] = field(default_factory=dict)  # id -> reason
    timed_out: bool = False

    @property
    def finished(self) -> bool:
        return not self.timed_out and not self.dropped and all(
            s in TERMINAL_STATUSES for s in self.statuses.values())

    @property
    def pending(self) -> list[str]:
        return [i for i, s in self.statuses.items()
                if s not in TERMINAL_STATUSES and i not in self.dropped]


# ------------------------------------------------------------------------------------------
# Policy
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollPolicy:
    """Intervals in seconds (see the module docstring); ``time_scale`` multiplies all of them
    and the interviews' estimated durations (the demo server can run time faster)."""

    invited: float = 300.0
    invited_stale: float = 900.0
    invited_stale_after: float = 2 * 86400.0
    in_progress: float = 180.0
    near_end: float = 30.0
    near_end_before: float = 60.0
    near_end_after: float = 300.0
    overrun: float = 90.0
    overrun_until: float = 1800.0
    abandoned: float = 300.0
    unknown: float = 300.0
    expiry_grace: float = 30.0
    expiry_recheck: float = 600.0
    error_base: float = 30.0
    error_max: float = 3600.0
    offline_base: float = 5.0
    offline_max: float = 300.0
    rate_limited_default: float = 30.0
    server_error_streak: int = 3
    webhook_relax: float = 4.0  # intervals x this while webhooks are arriving...
    webhook_trust: float = 6 * 3600.0  # ...i.e. one was received less than this ago
    jitter: float = 0.1
    time_scale: float = 1.0

    def scaled(self, factor: float) -> PollPolicy:
        return replace(self, time_scale=self.time_scale * factor)

    def _jit(self, seconds: float, rng: random.Random) -> float:
        return seconds * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)

    def interval(self, iv: Interview, now: float, estimate: float | None) -> tuple[float, str]:
        """The nominal (un-jittered) interval for a non-terminal interview, and why."""
        s = self.time_scale
        if iv.status == INVITED:
            created = iv.created_at.timestamp() if iv.created_at else None
            if created is not None and now - created > self.invited_stale_after * s:
                return self.invited_stale * s, "invited (old invitation)"
            return self.invited * s, "invited"
        if iv.status == IN_PROGRESS:
            if iv.started_at is None or not estimate:
                return self.in_progress * s, "in progress"
            end = iv.started_at.timestamp() + estimate * s
            left = end - now
            if left > self.near_end_before * s:
                return (min(self.in_progress * s, max(self.near_end * s, left / 2)),
                        "in progress, approaching the expected end")
            if left > -self.near_end_after * s:
                return self.near_end * s, "in progress, around the expected end"
            if left > -self.overrun_until * s:
                return self.overrun * s, "in progress, overrunning"
            return self.abandoned * s, "in progress, long overdue"
        return self.unknown * s, f"status {iv.status!r}"

    def next_poll(self, iv: Interview, now: float, estimate: float | None,
                  rng: random.Random, *, relax: float = 1.0) -> tuple[float | None, str]:
        """When to poll next (None: stop) with jitter, honouring ``expires_at``.

        ``relax`` stretches the interval while webhooks are known to work; the expiry checks
        stay where they are (no webhook reports an expiry)."""
        s = self.time_scale
        base, why = self.interval(iv, now, estimate)
        if relax != 1.0:
            base, why = base * relax, f"{why}, relaxed: webhooks arrive"
        at = now + self._jit(base, rng)
        if iv.status == INVITED and iv.expires_at is not None:
            exp = iv.expires_at.timestamp()
            grace = exp + self.expiry_grace * s
            recheck = exp + self.expiry_recheck * s
            extra = rng.uniform(0, self.jitter) * self.expiry_grace * s
            if now < grace:
                if at > grace:
                    return grace + extra, f"{_FINAL_CHECK}: final check after expiry"
            elif now < recheck:
                return recheck + extra, f"{_FINAL_CHECK}: still 'invited' after expiry"
            else:
                return None, "past expiry"
        return at, why

    def error_backoff(self, failures: int, rng: random.Random) -> float:
        base = min(self.error_max, self.error_base * 2 ** max(0, failures - 1))
        return self._jit(base * self.time_scale, rng)

    def offline_backoff(self, failures: int, rng: random.Random) -> float:
        base = min(self.offline_max, self.offline_base * 2 ** max(0, failures - 1))
        return base * self.time_scale * rng.uniform(0.8, 1.2)


# ------------------------------------------------------------------------------------------
# The poller
# ------------------------------------------------------------------------------------------


class _ServiceLike(Protocol):  # rztui.service.Service, or a test double
    store: Any
    api: Any

    async def interview(self, interview_id: str, *, refresh: bool = False) -> Interview: ...

    async def questions(self, interview_id: str, *, refresh: bool = False) -> Any: ...


@dataclass
class _Entry:
    iid: str
    due: float | None  # None: dormant (dropped), only a poke revives it
    status: str | None  # last status the poller knows (None: never fetched)
    fingerprint: tuple | None = None
    failures: int = 0
    last_polled_at: float | None = None
    poked: bool = False
    reason: str = "new"  # why `due` is what it is (stats, benchmarks)

    @property
    def klass(self) -> str:
        if self.poked:
            return "poke"
        if self.reason.startswith(_FINAL_CHECK):
            return "final"
        if self.status is None:
            return "new"
        if self.status in (INVITED, IN_PROGRESS):
            return self.status
        return "unknown"


def _fingerprint(iv: Interview) -> tuple:
    return (iv.status, len(iv.responses), iv.started_at, iv.completed_at, iv.expires_at)


def _estimate_from(data: Any) -> float | None:
    if isinstance(data, dict):
        value = data.get("estimated_duration_seconds")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
                and math.isfinite(value):
            return float(value)
    return None


Subscriber = Callable[[Event], Any]
_FINAL_CHECK = "expiry check"


class Poller:
    """Watch interviews until they finish, within a share of the API's rate budget.

    ``ids=None`` follows the store's tracked set (re-read every ``sync_every`` seconds, so ids
    tracked or removed elsewhere are picked up); a list watches just those plus :meth:`add`.
    Methods are not thread-safe: call them on the event loop's thread.
    """

    def __init__(
        self,
        service: _ServiceLike,
        store: Any | None = None,
        *,
        budget_share: float = 0.5,
        window: float = 60.0,
        limit: int | None = None,
        policy: PollPolicy | None = None,
        ids: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        sync_every: float = 10.0,
        burst: int = 3,
    ) -> None:
        self.service = service
        self.store = store if store is not None else service.store
        self.budget_share = max(0.001, min(1.0, budget_share))
        self.window = window
        self.policy = policy or PollPolicy()
        self._limit_override = limit
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._follow_store = ids is None
        self._sync_every = sync_every
        self._last_sync = clock()
        self._entries: dict[str, _Entry] = {}
        self._need_questions: dict[str, float] = {}  # completed, questions not cached yet
        self._estimates: dict[str, float] = {}
        self._dropped: dict[str, str] = {}
        self._sent: deque[float] = deque()
        self.burst = max(1, burst)
        self._tokens = float(self.burst)  # token bucket refilled at budget / window
        self._tokens_at = clock()
        self._paused = False
        self._hold_until: float | None = None  # 429
        self._outage_until: float | None = None  # offline or server errors
        self._outage_kind: str | None = None
        self._outage_failures = 0
        self._server_error_streak = 0
        self._fatal: RZError | None = None
        self._last_error: str | None = None
        self._webhook_at: float | None = None
        self._wake = asyncio.Event()
        self._subscribers: list[Subscriber] = []
        self._running = False
        self.requests_total = 0
        self._load(self.store.tracked_ids() if ids is None else ids)

    # -- watched set ------------------------------------------------------------------------

    def _load(self, ids: Iterable[str]) -> None:
        states = self.store.all_poll_states()
        now = self._clock()
        # Seed the sliding window with polls a previous run made recently: no burst on restart.
        recent = sorted(s["last_polled_at"] for s in states.values()
                        if s.get("last_polled_at") and now - self.window < s["last_polled_at"]
                        <= now)
        self._sent.extend(recent)
        if recent:
            self._tokens = 0.0
            self._tokens_at = recent[-1]
        for iid in ids:
            self._admit(iid, states.get(iid), now)

    def _admit(self, iid: str, state: dict[str, Any] | None, now: float) -> _Entry | None:
        if iid in self._entries:
            return self._entries[iid]
        try:
            iid = parse_id(iid)
        except InvalidId:
            return None
        if self.store.is_final(iid):
            return None  # checked on the status column: no JSON parsing for final interviews
        cached = self.store.get_interview(iid)
        entry = _Entry(iid, due=now, status=cached.status if cached else None,
                       fingerprint=_fingerprint(cached) if cached else None)
        if state:
            entry.failures = int(state.get("failures") or 0)
            entry.last_polled_at = state.get("last_polled_at")
            if state.get("next_poll_at") is not None:
                entry.due = float(state["next_poll_at"])
                entry.reason = "persisted schedule"
            elif entry.last_polled_at is not None:
                entry.due = None  # dropped by an earlier run
                entry.reason = "dormant"
        elif cached is not None:
            got = self.store.interview_json(iid)
            fetched = got[1] if got else now
            at, why = self.policy.next_poll(cached, fetched, self._estimate(iid, cached),
                                            self._rng)
            entry.due, entry.reason = (max(at, now) if at is not None else now), why
        self._entries[iid] = entry
        return entry

    def add(self, ids: Iterable[str]) -> list[str]:
        """Start watching these ids (cached terminal ones are skipped); returns those added."""
        now = self._clock()
        added: list[str] = []
        for iid in ids:
            if iid in self._entries:
                continue
            entry = self._admit(iid, self.store.poll_state(iid), now)
            if entry is not None:
                added.append(entry.iid)
        if added:
            self._wake.set()
        return added

    def remove(self, ids: Iterable[str]) -> None:
        for iid in ids:
            self._entries.pop(iid, None)
            self._need_questions.pop(iid, None)
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
        estimate = _estimate_from(hint)
        if estimate:
            self._estimates[iid] = estimate
        now = self._clock()
        entry = self._entries.get(iid) or self._admit(iid, None, now)
        if entry is None:
            return False
        entry.poked = True
        entry.due = now if entry.due is None else min(entry.due, now)
        entry.reason = "poked"
        self._dropped.pop(iid, None)
        self._wake.set()
        return True

    def _maybe_sync(self, now: float) -> None:
        if not self._follow_store or now - self._last_sync < self._sync_every:
            return
        self._last_sync = now
        tracked = self.store.tracked_ids()
        gone = set(self._entries) - set(tracked)
        if gone:
            self.remove(gone)
        self.add(i for i in tracked if i not in self._entries)

    @property
    def watched(self) -> list[str]:
        return [i for i, e in self._entries.items() if e.due is not None]

    def schedule(self) -> dict[str, tuple[float | None, str]]:
        """Each watched id's next poll time and the reason (for displays and tests)."""
        return {i: (e.due, e.reason) for i, e in self._entries.items()}

    def next_due(self) -> tuple[str, float] | None:
        """The interview polled next if nothing else happens, and when (ignores the budget)."""
        best: tuple[str, float] | None = None
        for e in self._entries.values():
            if e.due is not None and (best is None or e.due < best[1]):
                best = (e.iid, e.due)
        return best

    # -- control ----------------------------------------------------------------------------

    def pause(self) -> None:
        self._paused = True
        self._emit(self.stats())

    def resume(self) -> None:
        """Resume after pause(); also retries at once after an outage or a fatal error."""
        self._paused = False
        self._outage_until = None
        self._fatal = None
        self._wake.set()
        self._emit(self.stats())

    @property
    def paused(self) -> bool:
        return self._paused

    def note_webhook(self) -> None:
        """A verified webhook arrived: the pipeline works, so polling (the safety net) can
        relax by ``policy.webhook_relax`` for ``policy.webhook_trust`` seconds."""
        self._webhook_at = self._clock()

    def _relax(self, now: float) -> float:
        pol = self.policy
        if self._webhook_at is not None and now - self._webhook_at < pol.webhook_trust \
                * pol.time_scale:
            return pol.webhook_relax
        return 1.0

    @property
    def webhooks_live(self) -> bool:
        return self._relax(self._clock()) != 1.0

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (coroutines are scheduled as tasks)."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def events(self, maxsize: int = 0) -> asyncio.Queue[Event]:
        """A queue receiving every event (when full, the oldest stats snapshots make way)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

        def put(event: Event) -> None:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                if isinstance(event, PollerStats):
                    return
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(event)

        self.subscribe(put)
        return queue

    def _emit(self, event: Event) -> None:
        for cb in list(self._subscribers):
            try:
                result = cb(event)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:  # a broken subscriber must not stop the watching
                log.exception("poller subscriber failed")

    # -- budget -----------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        if self._limit_override:
            return self._limit_override
        rate = self._rate()
        return int(rate.limit) if rate is not None and rate.limit else DEFAULT_LIMIT

    @property
    def budget(self) -> int:
        return max(1, int(self.budget_share * self.limit))

    @property
    def spacing(self) -> float:
        return self.window / (self.budget_share * self.limit)

    def _rate(self) -> Any:
        api = getattr(self.service, "api", None)
        return getattr(api, "rate", None) if api is not None else None

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def requests_in_window(self, now: float | None = None) -> int:
        self._prune(self._clock() if now is None else now)
        return len(self._sent)

    def gate_at(self, now: float) -> float:
        """The earliest time the budget lets the next request go."""
        self._prune(now)
        at = now
        tokens = self._tokens_now(now)
        if tokens < 1.0:
            at = now + (1.0 - tokens) * self.spacing
        if len(self._sent) >= self.budget:
            at = max(at, self._sent[len(self._sent) - self.budget] + self.window)
        rate = self._rate()
        if rate is not None and self._limit_override is None and rate.limit \
                and rate.remaining is not None and rate.reset is not None and rate.reset > now:
            reserve = rate.limit - self.budget  # the share left for everyone else
            if rate.remaining <= reserve:
                at = max(at, float(rate.reset))
        return at

    def _tokens_now(self, now: float) -> float:
        elapsed = max(0.0, now - self._tokens_at)
        return min(float(self.burst), self._tokens + elapsed / self.spacing)

    def _record_send(self, now: float, n: int = 1) -> None:
        for _ in range(n):
            self._sent.append(now)
        self._tokens = self._tokens_now(now) - n
        self._tokens_at = now
        self.requests_total += n

    def _blocked_for(self, now: float) -> float | None:
        """Seconds until polling may go on (inf: until woken), or None if it may now."""
        if self._paused:
            return math.inf
        until = max(self._hold_until or 0.0, self._outage_until or 0.0)
        return until - now if until > now else None

    # -- stats ------------------------------------------------------------------------------

    def stats(self) -> PollerStats:
        now = self._clock()
        self._prune(now)
        if self._fatal is not None:
            state = "stopped"
        elif self._paused:
            state = "paused"
        elif self._hold_until and self._hold_until > now:
            state = "rate_limited"
        elif self._outage_until and self._outage_until > now:
            state = self._outage_kind or "offline"
        else:
            state = "ok"
        resume = max(self._hold_until or 0.0, self._outage_until or 0.0)
        nd = self.next_due()
        rate = self._rate()
        remaining = None
        if rate is not None and rate.remaining is not None and (rate.reset or 0) > now:
            remaining = int(rate.remaining)
        return PollerStats(
            at=now, state=state, watched=len(self.watched),
            dormant=sum(1 for e in self._entries.values() if e.due is None),
            due=sum(1 for e in self._entries.values() if e.due is not None and e.due <= now),
            next_poll_at=nd[1] if nd else None, requests_in_window=len(self._sent),
            budget=self.budget, window=self.window, limit=self.limit,
            rate_remaining=remaining, resume_at=resume if resume > now else None,
            requests_total=self.requests_total, last_error=self._last_error,
            webhooks_live=self._relax(now) != 1.0,
        )

    # -- the loop ---------------------------------------------------------------------------

    def _pick(self, now: float) -> tuple[str, str] | None:
        """(kind, id) of the most urgent due job: 'poll' or 'questions'."""
        best: tuple[float, str, str] | None = None
        for e in self._entries.values():
            if e.due is not None and e.due <= now:
                key = e.due + _SLACK[e.klass] * self.policy.time_scale
                if best is None or key < best[0]:
                    best = (key, "poll", e.iid)
        for iid, due in self._need_questions.items():
            if due <= now:
                key = due + _SLACK["questions"] * self.policy.time_scale
                if best is None or key < best[0]:
                    best = (key, "questions", iid)
        return (best[1], best[2]) if best else None

    def _earliest(self) -> float | None:
        times = [e.due for e in self._entries.values() if e.due is not None]
        times.extend(self._need_questions.values())
        return min(times) if times else None

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
        delay = self._blocked_for(now)
        if delay is None:
            job = self._pick(now)
            if job is None:
                nd = self._earliest()
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
        wanted = list(dict.fromkeys(parse_id(i) for i in ids))
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
            while not self._settled(wanted):
                if not await self._step(deadline):
                    timed_out = True
                    break
        finally:
            self._running = False
        statuses = {i: self.store.cached_status(i) for i in wanted}
        dropped = {i: self._dropped[i] for i in wanted if i in self._dropped}
        return WatchResult(statuses, dropped, timed_out)

    def _settled(self, ids: list[str]) -> bool:
        for iid in ids:
            e = self._entries.get(iid)
            if e is not None and (e.due is not None or e.poked):
                return False
        return True

    # -- one poll ---------------------------------------------------------------------------

    def _estimate(self, iid: str, iv: Interview | None) -> float | None:
        if iid in self._estimates:
            return self._estimates[iid]
        est = _estimate_from(iv.raw) if iv is not None else None
        if est is None:
            qs = self.store.get_questions(iid)
            if qs is not None:
                est = qs.estimated_duration_seconds or None
                if not est:
                    limits = [q.time_limit_seconds for q in qs.questions if q.time_limit_seconds]
                    est = float(sum(limits)) if limits else None
        if est:
            self._estimates[iid] = est
        return est

    async def poll_once(self, interview_id: str) -> Interview | None:
        """Fetch one interview now (waiting for the budget), process it like a scheduled poll
        and return what was fetched (None if it failed; errors are in stats/events)."""
        iid = parse_id(interview_id)
        entry = self._entries.get(iid) or self._admit(iid, None, self._clock())
        if entry is None:
            return self.store.get_interview(iid)
        while True:
            if self._fatal is not None:
                raise self._fatal
            now = self._clock()
            delay = self._blocked_for(now)
            if delay is None:
                delay = self.gate_at(now) - now
                if delay <= 0:
                    return await self._poll(entry)
            await self._wait(delay)

    def _used(self, before: int | None) -> int:
        api = getattr(self.service, "api", None)
        if before is None or api is None:
            return 1
        return max(1, min(getattr(api, "requests_sent", before) - before,
                          int(getattr(api, "max_attempts", 1) or 1)))

    def _requests_sent(self) -> int | None:
        api = getattr(self.service, "api", None)
        value = getattr(api, "requests_sent", None) if api is not None else None
        return value if isinstance(value, int) else None

    async def _poll(self, entry: _Entry) -> Interview | None:
        iid = entry.iid
        now = self._clock()
        entry.poked = False
        old = entry.status
        cached_status = self.store.cached_status(iid)
        if cached_status in TERMINAL_STATUSES and old not in TERMINAL_STATUSES:
            # Someone else (the TUI, another command) already fetched the final result.
            iv = self.store.get_interview(iid)
            if iv is not None:
                await self._apply(entry, iv, now)
                return iv
        before = self._requests_sent()
        self._record_send(now)
        try:
            iv = await self.service.interview(iid, refresh=True)
        except FATAL_ERRORS as exc:
            self._fatal = exc
            self._last_error = exc.message
            self._adjust_sent(now, before)
            self._emit(self.stats())
            return None
        except RZError as exc:
            self._adjust_sent(now, before)
            self._failed(entry, exc, self._clock())
            return None
        self._adjust_sent(now, before)
        self._recovered()
        await self._apply(entry, iv, self._clock())
        return iv

    def _adjust_sent(self, now: float, before: int | None) -> None:
        extra = self._used(before) - 1  # client-level retries count against the budget too
        if extra > 0:
            self._record_send(now, extra)

    def _recovered(self) -> None:
        if self._outage_until is not None or self._outage_failures or self._hold_until:
            self._outage_until = None
            self._outage_kind = None
            self._outage_failures = 0
            self._last_error = None
        self._server_error_streak = 0

    def _failed(self, entry: _Entry, exc: RZError, now: float) -> None:
        self._last_error = exc.message
        pol = self.policy
        if isinstance(exc, RateLimited):
            wait = exc.retry_after
            rate = self._rate()
            if wait is None and rate is not None and rate.reset and rate.reset > now:
                wait = rate.reset - now
            if wait is None:
                wait = pol.rate_limited_default * pol.time_scale
            self._hold_until = now + wait + self._rng.uniform(0, 0.5) * pol.time_scale
            entry.reason = "rate limited"
        elif isinstance(exc, NetworkError):
            self._outage_failures += 1
            self._outage_kind = "offline"
            self._outage_until = now + pol.offline_backoff(self._outage_failures, self._rng)
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
                self._server_error_streak += 1
                if self._server_error_streak >= pol.server_error_streak:
                    self._outage_failures += 1
                    self._outage_kind = "server_errors"
                    self._outage_until = now + pol.offline_backoff(self._outage_failures,
                                                                   self._rng)
            self._persist(entry, now)
        self._emit(self.stats())

    def _drop(self, entry: _Entry, reason: str, message: str, now: float) -> None:
        entry.due = None
        entry.reason = "dormant"
        entry.last_polled_at = now
        self._dropped[entry.iid] = reason
        self._persist(entry, now)
        self._emit(Dropped(entry.iid, reason, message, now))
        self._emit(self.stats())

    def _persist(self, entry: _Entry, now: float) -> None:
        try:
            self.store.set_poll_state(entry.iid, next_poll_at=entry.due,
                                      last_polled_at=entry.last_polled_at or now,
                                      failures=entry.failures, last_status=entry.status)
        except Exception:  # the schedule is an optimisation: never stop watching over it
            log.exception("cannot save the poll schedule")

    async def _apply(self, entry: _Entry, iv: Interview, now: float) -> None:
        iid = entry.iid
        old = entry.status
        entry.failures = 0
        entry.last_polled_at = now
        fp = _fingerprint(iv)
        changed = iv.status != old
        updated = not changed and fp != entry.fingerprint
        entry.status, entry.fingerprint = iv.status, fp
        if iv.is_terminal:
            self._entries.pop(iid, None)
            entry.due = None
            self._persist(entry, now)
            if iv.status == COMPLETED:
                await self._fetch_questions(iid, inline=True)
        else:
            est = self._estimate(iid, iv)
            if est is None and iv.status == IN_PROGRESS:
                # One /questions request buys a schedule that tightens around the expected
                # end, and the completed view needs the questions anyway.
                await self._fetch_questions(iid, inline=True)
                est = self._estimate(iid, iv)
            at, why = self.policy.next_poll(iv, now, est, self._rng, relax=self._relax(now))
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
                delay = self._blocked_for(now)
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
        self._record_send(now)
        try:
            await self.service.questions(iid)
        except FATAL_ERRORS as exc:
            self._fatal = exc
            self._last_error = exc.message
            self._need_questions[iid] = now
        except RZError as exc:
            self._adjust_sent(now, before)
            self._last_error = exc.message
            if isinstance(exc, (NotFound, InvalidId)):
                self._need_questions.pop(iid, None)
            else:
                self._need_questions[iid] = now + self.policy.error_backoff(1, self._rng)
                if isinstance(exc, RateLimited):
                    self._failed(_Entry(iid, None, None), exc, now)
                elif isinstance(exc, NetworkError):
                    self._failed(_Entry(iid, None, None), exc, now)
        else:
            self._adjust_sent(now, before)
            self._recovered()
            self._need_questions.pop(iid, None)
