"""How often to poll an interview: a floor and a ceiling per state, and the budget in between.

Seconds; every value is a :class:`PollPolicy` field, multiplied by ``PollPolicy.time_scale``,
which is 1.0 except in tests and benchmarks that run the demo faster:

===============================================  ========  =========
state                                            floor     ceiling
===============================================  ========  =========
``invited``                                      30        300
``invited`` more than 2 days ago                 300       900
``in_progress``, no estimate known               30        180
``in_progress``, expected end more than 60 away  30        half the time left, 30..180
``in_progress``, from end - 60 to end + 300      10        30
``in_progress``, overrunning (to end + 1800)     30        90
``in_progress``, later than that (abandoned?)    30        300
unknown status (e.g. ``under_review``)           60        300
===============================================  ========  =========

The interval is the larger of the floor and what the budget allows for everything watched:
``max(floor, pace x ceiling)``, where :func:`plan_pace` picks the smallest ``pace`` (0..1) that
keeps the whole watched set within the poller's request rate (``poll_budget`` x the API's limit,
less some headroom for questions and webhook pokes). So with a few interviews watched each one
is polled at its floor (a start is seen within 30 s, an end within 10-30 s); with more they all
slow down together, in the same proportions as the ceilings. The ceilings are the most it
stretches: when even they do not fit (a couple of hundred interviews, many in progress), more
is due than the budget allows and the queue below decides, favouring in-progress interviews.

Other schedules:

===============================================  ==========================================
tracked, never fetched / poked by a webhook      now (still paced by the budget)
``invited``, expiry comes first                  ``expires_at`` + 30: the one final check
``invited`` after that final check               once more at ``expires_at`` + 600, then stop
``completed`` / ``expired``                      never (questions + result fetched once)
error for one interview (5xx, bad JSON)          30 x 2^(failures - 1), at most 3600
===============================================  ==========================================

While a webhook listener is up and verified events arrive (one in the last 6 hours), invited
interviews relax to their ceiling (300 s, 900 s for old invitations): the webhook reports a
start at once, and polling stays on as the safety net for lost deliveries. In-progress ones
keep their pace (an ``interview_ended`` can be lost too), and so do the expiry checks (no
webhook reports an expiry).

The expected end is ``started_at + estimated_duration_seconds``. The estimate comes from a
webhook's ``data.interview``, the interview payload, the cached ``/questions`` (fetched once
when an interview is first seen in progress: one request that also serves the completed view
later) or, failing that, the sum of the listed questions' time limits. Every interval gets
uniform jitter of +/-10% so many interviews added together do not stay in lock step.

When more is due than the budget allows, the most overdue go first, with in-progress
interviews favoured over invited ones (each class may lag the other by :data:`SLACK`) and
webhook pokes before everything.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..api.models import IN_PROGRESS, INVITED, Interview

FINAL_CHECK = "expiry check"  # the reason given for the checks around expires_at

# How long one class may wait behind another when more is due than the budget allows: an
# invited interview due at t competes like an in-progress one due at t + 120. Expiry checks
# (one or two per interview) go a minute ahead: the budget is meant to be used, so there is
# usually a queue.
SLACK = {"poke": -86400.0, "final": -60.0, "in_progress": 0.0, "new": 0.0, "unknown": 30.0,
         "invited": 120.0, "questions": 60.0}

HEADROOM = 0.95  # the share of the budget the schedule plans for: the rest absorbs the
#                  questions fetched once per interview and webhook pokes


def estimate_from(data: object) -> float | None:
    """``estimated_duration_seconds`` from a payload (an interview, a webhook's
    ``data.interview``), if it is a usable number."""
    if isinstance(data, dict):
        value = data.get("estimated_duration_seconds")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
                and math.isfinite(value):
            return float(value)
    return None


@dataclass(frozen=True, slots=True)
class Bounds:
    """The fastest (``floor``) and the unhurried (``ceiling``) interval for one interview's
    state, in seconds."""

    floor: float
    ceiling: float
    why: str

    def interval(self, pace: float) -> float:
        """The interval at ``pace`` (0: the floor, 1: the ceiling)."""
        return max(self.floor, pace * self.ceiling)


def _demand(groups: Counter[tuple[float, float]], k: float) -> float:
    return sum(n / max(floor, k * ceiling) for (floor, ceiling), n in groups.items())


def _stretch(groups: Counter[tuple[float, float]], rate: float) -> float:
    """The smallest k >= 0 with demand(k) <= rate (the demand falls as k grows)."""
    if not groups or _demand(groups, 0.0) <= rate:
        return 0.0
    if rate <= 0:
        return math.inf
    hi = 1.0
    while _demand(groups, hi) > rate:
        hi *= 2.0
        if hi > 1e9:
            return math.inf
    lo = 0.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if _demand(groups, mid) > rate:
            lo = mid
        else:
            hi = mid
    return hi


def plan_pace(demands: Iterable[tuple[float, float]], rate: float) -> float:
    """The pace (0..1, see :meth:`Bounds.interval`) for watched interviews given as
    ``(floor, ceiling)``, within ``rate`` requests per second (planned at :data:`HEADROOM`).
    1 when even the ceilings do not fit: then the budget's queue decides."""
    groups: Counter[tuple[float, float]] = Counter()
    for floor, ceiling in demands:
        # Rounded so that interviews in the same state share one term of the sum.
        groups[(round(floor, 3), round(max(floor, ceiling), 1))] += 1
    return min(1.0, _stretch(groups, rate * HEADROOM))


@dataclass(frozen=True)
class PollPolicy:
    """Intervals in seconds (see the module docstring); ``time_scale`` multiplies all of them
    and the interviews' estimated durations (the demo server can run time faster)."""

    # floors: the fastest each state is polled, when the budget allows
    invited_floor: float = 30.0
    invited_stale_floor: float = 300.0
    in_progress_floor: float = 30.0
    near_end_floor: float = 10.0
    unknown_floor: float = 60.0
    # ceilings: the unhurried schedule, stretched past only when the budget is short
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
    webhook_trust: float = 6 * 3600.0  # webhooks count as arriving for this long after one
    jitter: float = 0.1
    time_scale: float = 1.0

    def scaled(self, factor: float) -> PollPolicy:
        return replace(self, time_scale=self.time_scale * factor)

    def _jit(self, seconds: float, rng: random.Random) -> float:
        return seconds * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)

    def bounds(self, iv: Interview | None, now: float, estimate: float | None, *,
               webhooks: bool = False) -> Bounds:
        """Floor and ceiling for a non-terminal interview (None: never fetched yet).
        ``webhooks``: verified webhooks arrive, so invited interviews relax to the ceiling."""
        if iv is None:
            return self.bounds_of(None, None, None, now, estimate, webhooks=webhooks)
        return self.bounds_of(iv.status, iv.created_at.timestamp() if iv.created_at else None,
                              iv.started_at.timestamp() if iv.started_at else None, now,
                              estimate, webhooks=webhooks)

    def bounds_of(self, status: str | None, created_at: float | None,
                  started_at: float | None, now: float, estimate: float | None, *,
                  webhooks: bool = False) -> Bounds:
        """:meth:`bounds` from the few fields it reads (Unix times; status None: never
        fetched), so the poller can re-plan without keeping whole interviews."""
        s = self.time_scale
        if status is None or status == INVITED:
            if created_at is not None and now - created_at > self.invited_stale_after * s:
                floor, ceiling, why = (self.invited_stale_floor, self.invited_stale,
                                       "invited (old invitation)")
            else:
                floor, ceiling, why = self.invited_floor, self.invited, "invited"
            if webhooks:
                floor, why = ceiling, f"{why}, relaxed: webhooks arrive"
            return Bounds(floor * s, ceiling * s, why)
        if status == IN_PROGRESS:
            fl = self.in_progress_floor * s
            if started_at is None or not estimate:
                return Bounds(fl, self.in_progress * s, "in progress")
            left = started_at + estimate * s - now  # until the expected end
            if left > self.near_end_before * s:
                ceiling = min(self.in_progress * s, max(self.near_end * s, left / 2))
                return Bounds(fl, ceiling, "in progress, approaching the expected end")
            if left > -self.near_end_after * s:
                return Bounds(self.near_end_floor * s, self.near_end * s,
                              "in progress, around the expected end")
            if left > -self.overrun_until * s:
                return Bounds(fl, self.overrun * s, "in progress, overrunning")
            return Bounds(fl, self.abandoned * s, "in progress, long overdue")
        return Bounds(self.unknown_floor * s, self.unknown * s, f"status {status!r}")

    def interval(self, iv: Interview, now: float, estimate: float | None,
                 pace: float = 1.0) -> tuple[float, str]:
        """The nominal (un-jittered) interval for a non-terminal interview, and why.
        ``pace`` 1: the ceiling (the schedule with no budget to spare)."""
        b = self.bounds(iv, now, estimate)
        return b.interval(pace), b.why

    def next_poll(self, iv: Interview, now: float, estimate: float | None,
                  rng: random.Random, *, pace: float = 1.0,
                  webhooks: bool = False) -> tuple[float | None, str]:
        """When to poll next (None: stop) with jitter, honouring ``expires_at``.

        ``pace``: from :func:`plan_pace` (1: the ceilings). ``webhooks``: verified webhooks
        arrive, so invited interviews relax; the expiry checks stay where they are (no webhook
        reports an expiry)."""
        s = self.time_scale
        b = self.bounds(iv, now, estimate, webhooks=webhooks)
        base = b.interval(pace)
        why = f"{b.why}, paced to the budget" if base > b.floor * 1.001 else b.why
        at = now + self._jit(base, rng)
        if iv.status == INVITED and iv.expires_at is not None:
            exp = iv.expires_at.timestamp()
            grace = exp + self.expiry_grace * s
            recheck = exp + self.expiry_recheck * s
            extra = rng.uniform(0, self.jitter) * self.expiry_grace * s
            if now < grace:
                if at > grace:
                    return grace + extra, f"{FINAL_CHECK}: final check after expiry"
            elif now < recheck:
                return recheck + extra, f"{FINAL_CHECK}: still 'invited' after expiry"
            else:
                return None, "past expiry"
        return at, why

    def error_backoff(self, failures: int, rng: random.Random) -> float:
        base = min(self.error_max, self.error_base * float(2 ** max(0, failures - 1)))
        return self._jit(base * self.time_scale, rng)

    def offline_backoff(self, failures: int, rng: random.Random) -> float:
        base = min(self.offline_max, self.offline_base * float(2 ** max(0, failures - 1)))
        return base * self.time_scale * rng.uniform(0.8, 1.2)
