"""The poller's share of the API's rate limit, and the holds that stop all polling for a while.

The ROUND0 API allows 100 requests per minute per key. :class:`RequestBudget` lets the poller
send at most ``share`` x ``X-RateLimit-Limit`` requests per ``window`` (default 0.5 x 100 per
60 s = 50/min; ``settings.poll_budget``). Requests are spaced ``window / (share x limit)`` apart
(1.2 s; a token bucket lets up to ``burst`` = 3 go at once after a quiet spell, so one interview
and its questions come without waiting) and a sliding-window count never lets more than the
budget through in any ``window``. It also yields to everything else using the same key: while
the server's ``X-RateLimit-Remaining`` is at or below the part of the limit the poller may not
use, it waits for ``X-RateLimit-Reset``. The window is seeded from the persisted
``last_polled_at`` times (:meth:`RequestBudget.seed`), so a restart does not burst.

:class:`Holds` is what stops every request at once: the user's pause, a 429 (until
``Retry-After``, else ``X-RateLimit-Reset``, else 30 s) and an outage (offline, or three server
errors in a row from different interviews), which waits 5, 10, 20 ... at most 300 s.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

DEFAULT_LIMIT = 100  # the documented rate limit, used until a response tells us otherwise


class RateInfo(Protocol):
    """What the server said about the rate limit (:class:`rztui.api.client.RateState`)."""

    @property
    def limit(self) -> int | None: ...

    @property
    def remaining(self) -> int | None: ...

    @property
    def reset(self) -> float | None: ...


class RequestBudget:
    """A sliding-window count plus a token bucket, over requests the poller records."""

    def __init__(self, *, share: float = 0.5, window: float = 60.0, limit: int | None = None,
                 burst: int = 3, rate: Callable[[], RateInfo | None] = lambda: None,
                 now: float = 0.0) -> None:
        self.share = max(0.001, min(1.0, share))
        self.window = window
        self.limit_override = limit
        self.burst = max(1, burst)
        self._rate = rate
        self._sent: deque[float] = deque()
        self._tokens = float(self.burst)  # refilled at budget / window
        self._tokens_at = now
        self.requests_total = 0

    @property
    def rate(self) -> RateInfo | None:
        return self._rate()

    @property
    def limit(self) -> int:
        if self.limit_override:
            return self.limit_override
        rate = self._rate()
        return int(rate.limit) if rate is not None and rate.limit else DEFAULT_LIMIT

    @property
    def budget(self) -> int:
        return max(1, int(self.share * self.limit))

    @property
    def spacing(self) -> float:
        return self.window / (self.share * self.limit)

    def seed(self, sent_at: Iterable[float], now: float) -> None:
        """Requests a previous run sent (its persisted poll times): no burst on restart."""
        recent = sorted(t for t in sent_at if now - self.window < t <= now)
        self._sent.extend(recent)
        if recent:
            self._tokens = 0.0
            self._tokens_at = recent[-1]

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def requests_in_window(self, now: float) -> int:
        self._prune(now)
        return len(self._sent)

    @property
    def per_second(self) -> float:
        """The budget as a steady rate: requests per second."""
        return self.budget / self.window

    def gate_at(self, now: float) -> float:
        """The earliest time the budget lets the next request go."""
        return self.gate(now)[0]

    def gate(self, now: float) -> tuple[float, str]:
        """The earliest time the budget lets the next request go, and what holds it back:
        ``"budget"`` (the poller's own share) or ``"key_busy"`` (the server says others using
        the key have left no more than their part of the limit: wait for its reset)."""
        self._prune(now)
        at, why = now, "budget"
        tokens = self._tokens_now(now)
        if tokens < 1.0:
            at = now + (1.0 - tokens) * self.spacing
        if len(self._sent) >= self.budget:
            at = max(at, self._sent[len(self._sent) - self.budget] + self.window)
        rate = self._rate()
        if rate is not None and self.limit_override is None and rate.limit \
                and rate.remaining is not None and rate.reset is not None and rate.reset > now:
            reserve = rate.limit - self.budget  # the share left for everyone else
            if rate.remaining <= reserve and float(rate.reset) > at:
                at, why = float(rate.reset), "key_busy"
        return at, why

    def _tokens_now(self, now: float) -> float:
        elapsed = max(0.0, now - self._tokens_at)
        return min(float(self.burst), self._tokens + elapsed / self.spacing)

    def record(self, now: float, n: int = 1) -> None:
        """``n`` requests went out at ``now``."""
        for _ in range(n):
            self._sent.append(now)
        self._tokens = self._tokens_now(now) - n
        self._tokens_at = now
        self.requests_total += n

    def rate_remaining(self, now: float) -> int | None:
        """The server's ``X-RateLimit-Remaining``, while its window lasts."""
        rate = self._rate()
        if rate is not None and rate.remaining is not None and (rate.reset or 0) > now:
            return int(rate.remaining)
        return None


@dataclass
class Holds:
    """Why nothing may be sent now: paused, rate limited (429) or an outage."""

    paused: bool = False
    hold_until: float | None = None  # 429
    outage_until: float | None = None  # offline or server errors
    outage_kind: str | None = None  # "offline" or "server_errors"
    outage_failures: int = 0
    server_error_streak: int = 0

    def blocked_for(self, now: float) -> float | None:
        """Seconds until polling may go on (inf: until woken), or None if it may now."""
        if self.paused:
            return math.inf
        until = max(self.hold_until or 0.0, self.outage_until or 0.0)
        return until - now if until > now else None

    def resume_at(self, now: float) -> float | None:
        until = max(self.hold_until or 0.0, self.outage_until or 0.0)
        return until if until > now else None

    def state(self, now: float) -> str:
        """``paused``, ``rate_limited``, ``offline``, ``server_errors`` or ``ok``."""
        if self.paused:
            return "paused"
        if self.hold_until and self.hold_until > now:
            return "rate_limited"
        if self.outage_until and self.outage_until > now:
            return self.outage_kind or "offline"
        return "ok"

    def outage(self, kind: str, until: float) -> None:
        self.outage_kind = kind
        self.outage_until = until

    def recovered(self) -> bool:
        """A request succeeded: the outage (if any) is over. True if one was on."""
        was_on = bool(self.outage_until is not None or self.outage_failures or self.hold_until)
        if was_on:
            self.outage_until = None
            self.outage_kind = None
            self.outage_failures = 0
        self.server_error_streak = 0
        return was_on
