"""Pacing: what the API's rate-limit headers say, and the waits they call for.

:class:`RateLimiter` holds requests back before the ``X-RateLimit`` window is spent, and holds
every request after a 429 until it may come back; every such sleep is reported to a
:class:`WaitCallback`. The header parsers here read ``X-RateLimit-*`` and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from .errors import RateLimited

WaitReason = Literal["rate_limit", "retry_after", "backoff"]
"""Why the client is about to sleep: ``rate_limit`` the X-RateLimit window is spent (pacing);
``retry_after`` the API answered 429 and said how long to wait; ``backoff`` before retrying after
a server error, a timeout or a lost connection."""


class WaitCallback(Protocol):
    """``on_wait(seconds, reason)``: called just before the client sleeps, so a front end can
    show it (e.g. a countdown). Called on the event loop; must return quickly. An exception
    raised here is ignored: showing a wait must never break the request."""

    def __call__(self, seconds: float, reason: WaitReason) -> None: ...


def notify_wait(callback: WaitCallback | None, seconds: float, reason: WaitReason) -> None:
    if callback is not None and seconds > 0:
        with contextlib.suppress(Exception):
            callback(seconds, reason)


@dataclass
class RateState:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # Unix seconds when the window resets
    updated: float | None = None


class RateLimiter:
    """Paces requests from the server's X-RateLimit headers.

    ``remaining`` counts down locally as requests are sent and is corrected by each response;
    when it reaches ``reserve`` the next request waits for the window to reset. After a 429 with
    ``Retry-After``, everybody waits exactly that long (:meth:`block_until`), not for the window.
    """

    def __init__(
        self,
        *,
        reserve: int = 0,
        clock: Callable[[], float] = time.time,
        on_wait: WaitCallback | None = None,
        max_block: float = math.inf,
    ) -> None:
        self.state = RateState()
        self.max_block = max_block
        self.reserve = reserve
        self.on_wait = on_wait
        self._clock = clock
        self._lock = asyncio.Lock()
        self._in_flight = 0
        self._block_reason: WaitReason | None = None  # set while a 429 holds everyone back
        self.waits = 0

    async def acquire(self) -> None:
        """Wait until a request may be sent; :class:`RateLimited` (not retryable) at once
        while a 429 holds every request for longer than ``max_block``."""
        async with self._lock:
            while True:
                st = self.state
                now = self._clock()
                if st.reset is not None and now >= st.reset and st.limit is not None:
                    st.remaining = st.limit  # a new window has started
                    st.reset = None
                if st.remaining is None or st.remaining > self.reserve:
                    break
                given_up = self.given_up()
                if given_up is not None:
                    raise given_up
                delay = min(max((st.reset or now + 1.0) - now, 0.05), 65.0)
                self.waits += 1
                notify_wait(self.on_wait, delay, self._block_reason or "rate_limit")
                await asyncio.sleep(delay + (0.0 if self._block_reason else 0.05))
                if st.reset is None or self._clock() >= st.reset:
                    st.remaining = st.limit
                    st.reset = None
                    self._block_reason = None
            if self.state.remaining is not None:
                self.state.remaining -= 1
            self._in_flight += 1

    def release(self, headers: httpx.Headers | None) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if headers is None:
            return
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _int_header(headers, "x-ratelimit-reset")
        st = self.state
        if limit is not None:
            st.limit = limit
        if self._block_reason is not None:
            return  # the 429 said when to come back; an answer sent before it changes nothing
        if remaining is not None:
            if reset is not None and (st.reset is None or reset > st.reset):
                # New window: the server's count, less what we have in flight already.
                st.remaining = max(0, remaining - self._in_flight)
            else:
                st.remaining = min(
                    st.remaining if st.remaining is not None else remaining, remaining
                )
        if reset is not None:
            st.reset = float(reset) if st.reset is None else max(st.reset, float(reset))
        st.updated = self._clock()

    def given_up(self) -> RateLimited | None:
        """The error for every request while a 429 holds them for longer than ``max_block``
        (naming when the limit resets), else None."""
        until = self.state.reset
        if self._block_reason is None or until is None:
            return None
        left = until - self._clock()
        if left <= self.max_block:
            return None
        at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until))
        err = RateLimited(
            f"rate limit exceeded (429); retry in {math.ceil(left)}s (at {at}): longer than "
            f"the {self.max_block:g} s rztui waits, so it gave up",
            retry_after=left, status=429,
        )
        err.retryable = False
        return err

    def block_until(self, when: float, reason: WaitReason = "retry_after") -> None:
        """After a 429: nobody sends until ``when``, exactly (not until the window resets)."""
        self.state.remaining = 0
        self.state.reset = when
        self._block_reason = reason


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def retry_after_header(headers: httpx.Headers, clock: Callable[[], float]) -> float | None:
    """``Retry-After`` in seconds (delay-seconds or HTTP-date form), None if absent or unusable."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - clock()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def wait_for_429(headers: httpx.Headers, clock: Callable[[], float]) -> float | None:
    """How long a 429 asks to wait: its ``Retry-After``, else until ``X-RateLimit-Reset``
    (not capped here: the client gives up on a wait longer than it allows)."""
    wait = retry_after_header(headers, clock)
    if wait is not None:
        return wait
    reset = _int_header(headers, "x-ratelimit-reset")
    if reset is not None:
        return max(0.0, float(reset) - clock())
    return None
