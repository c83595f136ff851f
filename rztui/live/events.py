"""What live watching reports: the poller's events, and a small hub that hands them out.

A front end subscribes a callback or takes an :class:`asyncio.Queue` (:meth:`Hub.queue`); the
poller and :class:`~rztui.live.session.LiveSession` both publish through a :class:`Hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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
