"""How often to poll an interview: every interval, as one :class:`PollPolicy`.

Seconds; every value is a :class:`PollPolicy` field, multiplied by ``PollPolicy.time_scale``,
which is 1.0 except in tests and benchmarks that run the demo faster:

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

When more is due than the budget allows, the most overdue go first, with in-progress
interviews favoured over invited ones (each class may lag the other by :data:`SLACK`) and
webhook pokes before everything.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from ..api.models import IN_PROGRESS, INVITED, Interview

FINAL_CHECK = "expiry check"  # the reason given for the checks around expires_at

# How long one class may wait behind another when more is due than the budget allows: an
# invited interview due at t competes like an in-progress one due at t + 120.
SLACK = {"poke": -86400.0, "final": 0.0, "in_progress": 0.0, "new": 0.0, "unknown": 30.0,
         "invited": 120.0, "questions": 60.0}


def estimate_from(data: object) -> float | None:
    """``estimated_duration_seconds`` from a payload (an interview, a webhook's
    ``data.interview``), if it is a usable number."""
    if isinstance(data, dict):
        value = data.get("estimated_duration_seconds")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
                and math.isfinite(value):
            return float(value)
    return None


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

