"""What live watching reports: the poller's events, and a small hub that hands them out.

A front end subscribes a callback or takes an :class:`asyncio.Queue` (:meth:`Hub.queue`); the
poller and :class:`~rztui.live.session.LiveSession` both publish through a :class:`Hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from ..api.models import TERMINAL_STATUSES, Interview

log = logging.getLogger(__name__)


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


WaitReason = Literal["rate_limited", "key_busy", "budget", "offline", "server_errors",
                     "paused", "retrying"]
RATE_LIMIT_WAITS: frozenset[str] = frozenset({"rate_limited", "key_busy"})


def _in(seconds: float) -> str:
    # Rounded to the millisecond before rounding up: ``(now + 30.0) - now`` can come out as
    # 30.000000000000004 (the sum loses a bit when it crosses a power of two), not 31 s.
    return f"{max(1, math.ceil(round(seconds, 3)))} s"


@dataclass(frozen=True, slots=True)
class Waiting:
    """Nothing is sent before ``until`` (clock time; ``inf`` while paused) because of
    ``reason``, so a front end can show a countdown:

    - ``rate_limited``: the API answered 429 (until ``Retry-After``, else the window's reset)
    - ``key_busy``: others using the key have left the poller none of its share of the limit
      (until ``X-RateLimit-Reset``)
    - ``budget``: the poller's own share is used up for now (more is due than it allows)
    - ``offline`` / ``server_errors``: an outage, waited out with growing pauses
    - ``paused``: the user paused watching
    - ``retrying``: the API client waits before retrying a request (its ``on_wait`` hook);
      ``detail`` is the client's reason
    """

    until: float
    reason: WaitReason
    detail: str = ""

    @classmethod
    def client(cls, until: float, reason: str) -> Waiting:
        """A wait the API client reported (``on_wait(seconds, reason)``): a rate-limit wait
        when its reason says so, else ``retrying``."""
        text = reason.lower()
        kind: WaitReason = "rate_limited" if "rate" in text or "429" in text else "retrying"
        return cls(until, kind, reason)

    def seconds(self, now: float) -> float:
        return max(0.0, self.until - now)

    @property
    def rate_limit(self) -> bool:
        """A wait imposed by the API's rate limit (what ``rztui watch`` reports)."""
        return self.reason in RATE_LIMIT_WAITS

    def describe(self, now: float) -> str:
        """One line for people: ``rate-limited · retrying in 27 s``."""
        left = self.seconds(now)
        if self.reason == "rate_limited":
            return f"rate-limited · retrying in {_in(left)}"
        if self.reason == "key_busy":
            return f"rate limit used by other clients of this key · next request in {_in(left)}"
        if self.reason == "budget":
            return f"poll budget used up · next request in {_in(left)}"
        if self.reason == "offline":
            return f"offline · retrying in {_in(left)}"
        if self.reason == "server_errors":
            return f"server errors · retrying in {_in(left)}"
        if self.reason == "paused":
            return "paused"
        return f"{self.detail or 'waiting'} · retrying in {_in(left)}"


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
    webhooks_live: bool = False  # a listener is up and verified webhooks arrive: relaxed
    waiting: Waiting | None = None  # why nothing is sent now, and until when

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


E = TypeVar("E")


class Hub(Generic[E]):
    """Hands every published item to subscribers. A subscriber that raises is logged and
    skipped (it must not stop the watching); one that returns an awaitable gets a task."""

    def __init__(self, is_snapshot: Callable[[E], bool] = lambda item: False) -> None:
        self._subscribers: list[Callable[[E], object]] = []
        self._is_snapshot = is_snapshot

    def subscribe(self, callback: Callable[[E], object]) -> Callable[[], None]:
        """Call ``callback(item)`` for every item; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def queue(self, maxsize: int = 0) -> asyncio.Queue[E]:
        """A queue receiving every item; when full, snapshots (stats) are the first to go."""
        q: asyncio.Queue[E] = asyncio.Queue(maxsize)

        def put(item: E) -> None:
            try:
                q.put_nowait(item)
            except asyncio.QueueFull:
                if self._is_snapshot(item):
                    return
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
                q.put_nowait(item)

        self.subscribe(put)
        return q

    def emit(self, item: E) -> None:
        for cb in list(self._subscribers):
            try:
                result = cb(item)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:  # a broken subscriber must not stop the watching
                log.exception("live subscriber failed")
