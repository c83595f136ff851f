"""The top bar (app, API host, masked key) and the status line (sync, rate limit, offline,
live watching, webhooks, waits the API client is sitting out)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from ...formats import relative_time
from ...textsafe import clean_line


def host_of(base_url: str) -> str:
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return clean_line(base_url)[:60]
    return clean_line(parts.netloc or base_url)[:60]


class TopBar(Static):
    """``rztui · <host> · <masked key> · demo``: never the key itself."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1 0 0;
    }
    """

    def show(self, *, base_url: str, masked_key: str, demo: bool, busy: str = "",
             key_problem: str = "") -> None:
        """``key_problem``: a lasting reason the key does not work (``rejected``)."""
        parts: list[tuple[str, str] | str] = [(" rztui ", "bold reverse"), "  ",
                                              (host_of(base_url), "bold")]
        parts += ["  ", ("key ", "dim"), masked_key]
        if key_problem:
            parts += [" ", (f"✗ {key_problem}", "bold $text-error")]
        if demo:
            parts += ["  ", (" DEMO ", "bold $warning-muted")]
        if busy:
            parts += ["  ", (busy, "italic $text-accent")]
        self.update(Content.assemble(*parts))


@dataclass(frozen=True)
class Connection:
    """What the last exchange with the API said."""

    has_key: bool = True
    online: bool | None = None  # None: nothing sent yet
    offline_reason: str = ""
    host: str = ""  # the API's host, named when it cannot be reached
    # A lasting reason the API is not used (the key rejected, the subscription inactive, a bad
    # base URL), and what to do about it: shown first, until the API answers again.
    problem: str = ""
    problem_hint: str = ""
    last_sync: datetime | None = None
    rate_limit: int | None = None
    rate_remaining: int | None = None


@dataclass(frozen=True)
class WatchView:
    """Live watching, from a PollerStats snapshot."""

    # ok, paused, rate_limited, offline, server_errors, stopped; held: the app holds polling
    # back (the key was rejected, the subscription is inactive)
    state: str
    watched: int = 0
    next_poll_in: float | None = None  # seconds from mono
    resume_in: float | None = None  # seconds from mono (429, offline)
    mono: float = 0.0  # time.monotonic() when the snapshot was taken
    poll_requests: int = 0  # sent by the poller in the current window
    poll_budget: int = 0
    poll_window: float = 60.0
    poll_held: bool = False  # the next poll waits for the rate limit, not for its schedule
    error: str = ""


MIN_WAIT_SHOWN = 1.0  # seconds: shorter waits would only flicker

WAIT_WORDS = {
    "retry_after": "rate-limited · retrying in",  # a 429 said how long
    "rate_limit": "rate-limited · next request in",  # the window is spent: pacing
    "backoff": "request failed · retrying in",  # a server error, a timeout, a lost connection
}


@dataclass(frozen=True)
class ApiWait:
    """The API client is sleeping until ``until`` (``time.monotonic()``) for ``reason``
    (``retry_after``, ``rate_limit`` or ``backoff``): every request waits meanwhile."""

    reason: str
    until: float

    def remaining(self, now: float | None = None) -> float:
        return self.until - (time.monotonic() if now is None else now)


@dataclass(frozen=True)
class StatusState:
    """Everything the status line shows; set as a whole with :meth:`StatusLine.set_state`."""

    connection: Connection = field(default_factory=Connection)
    activity: str = ""
    wait: ApiWait | None = None  # shown instead of the activity while it lasts
    watch: WatchView | None = None  # None while nothing is watched
    webhooks: str = ""  # "listening on 127.0.0.1:8123" or why not
    webhooks_ok: bool = True
    playing: str = ""  # "▶ Q2 of Jane Smith · mpv · P stops" while an answer plays
    new: int = 0  # tracked interviews that completed or gained answers since last opened


def in_seconds(seconds: float) -> str:
    """``now``, ``in 12s``, ``in 4m``, ``in 2h``: short enough for a status line."""
    if seconds < 1:
        return "now"
    if seconds < 60:
        return f"in {int(seconds)}s"
    if seconds < 3600:
        return f"in {int(seconds // 60)}m"
    return f"in {int(seconds // 3600)}h"


def countdown(seconds: float) -> str:
    """``27 s``, ``4 min 10 s``: a countdown that moves every second."""
    whole = max(0, math.ceil(round(seconds, 3)))  # float noise: 30.000000000000004 is 30 s
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _per(window: float) -> str:
    return "min" if abs(window - 60) < 1e-6 else f"{window:g}s"


Part = tuple[int, list[tuple[str, str] | str]]  # (priority: 0 = always shown, pieces)


class StatusLine(Static):
    """``online · synced 2m ago · 87/100 left · watching 3 · next poll in 4m · polls 2/50 per
    min``, and on the right ``webhooks: listening on …``. When the line is too narrow the
    least important parts go first (priority numbers below)."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self._clock = clock
        self.state = StatusState()
        self._ticker: Timer | None = None  # every second while a countdown is shown
        self._flash = ""  # a short message shown in place of the left part for a while
        self._flash_timer: Timer | None = None

    def on_mount(self) -> None:
        self.render_state()
        self.set_interval(5, self.render_state)  # "synced 2m ago", "next poll in 40s" move on

    def on_resize(self) -> None:
        self.render_state()

    def set_state(self, state: StatusState) -> None:
        self.state = state
        self.render_state()

    def update_state(self, **changes: Any) -> None:
        """Change some fields of the state (``activity="fetching 3/10"``)."""
        self.set_state(replace(self.state, **changes))

    def update_connection(self, **changes: Any) -> None:
        """Change some fields of the connection part (``online=True``)."""
        self.set_state(replace(self.state, connection=replace(self.state.connection,
                                                              **changes)))

    @property
    def flashed(self) -> str:
        """The message :meth:`flash` is showing now ("" when none)."""
        return self._flash

    def flash(self, text: str, seconds: float = 3.0) -> None:
        """Show ``text`` (API text allowed: it is never markup) in place of the left part for
        ``seconds``, then the line as it was. A new flash replaces the one shown."""
        if self._flash_timer is not None:
            self._flash_timer.stop()
            self._flash_timer = None
        self._flash = clean_line(text)
        if self.is_mounted and self._flash:
            self._flash_timer = self.set_timer(seconds, self.end_flash)
        self.render_state()

    def end_flash(self) -> None:
        """Show the line as it is again (the flash ends early)."""
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash = ""
        self._flash_timer = None
        self.render_state()

    def show_wait(self, seconds: float, reason: str, at: float | None = None) -> None:
        """The API client sleeps ``seconds`` from ``at`` (``time.monotonic()``): count down.
        Of overlapping waits (concurrent requests) the one that ends last is shown."""
        if seconds < MIN_WAIT_SHOWN:
            return
        start = time.monotonic() if at is None else at
        wait = ApiWait(reason, start + seconds)
        current = self.state.wait
        if current is not None and current.remaining() > 0 and current.until >= wait.until:
            return
        self.set_state(replace(self.state, wait=wait))

    def end_wait(self, reason: str) -> None:
        """A request failed for good: its backoff, if shown, is not being waited out."""
        wait = self.state.wait
        if wait is not None and wait.reason == reason:
            self.set_state(replace(self.state, wait=None))

    def _countdowns(self) -> bool:
        """Something on the line counts down (it is redrawn every second meanwhile)."""
        wait = self.state.wait
        if wait is not None and wait.remaining() > 0:
            return True
        st = self.state.watch
        return st is not None and st.resume_in is not None and st.state in (
            "rate_limited", "offline", "server_errors")

    def _sync_ticker(self) -> None:
        if not self.is_mounted:
            return
        ticking = self._countdowns()
        if ticking and self._ticker is None:
            self._ticker = self.set_interval(1, self.render_state)
        elif not ticking and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _left(self) -> list[Part]:
        if self._flash:
            return [(0, [(self._flash, "bold $text-success")])]
        st = self.state.connection
        parts: list[Part] = []
        if st.problem:
            hint = f" · {st.problem_hint}" if st.problem_hint else ""
            parts.append((0, [(f"{st.problem}{hint}", "bold $text-error")]))
        elif not st.has_key:
            parts.append((0, [("no API key: showing cached data (ctrl+k to enter one)",
                               "$text-warning")]))
        elif st.online is False:
            where = f"cannot reach {st.host}" if st.host else st.offline_reason
            parts.append((0, [(f"offline · {where}" if where else "offline", "$text-error")]))
            parts.append((5, [("showing cached data", "")]))
        elif st.online:
            parts.append((0, [("online", "$text-success")]))
        else:
            parts.append((0, [("not synced yet", "dim")]))
        if st.last_sync is not None:
            parts.append((5, [f"synced {relative_time(st.last_sync, self._clock())}"]))
        if st.rate_remaining is not None:
            limit = f"/{st.rate_limit}" if st.rate_limit is not None else ""
            style = "$text-warning" if st.rate_limit and st.rate_remaining < st.rate_limit * 0.1 \
                else ""
            parts.append((6, [(f"{st.rate_remaining}{limit} requests left", style)]))
        if self.state.playing:
            parts.append((1, [(self.state.playing, "bold $text-accent")]))
        parts.extend(self._watch_parts())
        if self.state.new:  # after the watching; it outlasts the webhook text (u acts on it)
            parts.append((4, [(f"{self.state.new} new (u)", "bold $text-accent")]))
        wait = self.state.wait
        left = wait.remaining() if wait is not None else 0.0
        if wait is not None and left > 0:  # every request waits: the activity is on hold
            words = WAIT_WORDS.get(wait.reason, "waiting")
            style = "$text-warning" if wait.reason != "backoff" else ""
            parts.append((0, [(f"{words} {countdown(left)}", f"bold {style}".strip())]))
        elif self.state.activity:
            parts.append((1, [(self.state.activity, "italic")]))
        return parts

    def _watch_parts(self) -> list[Part]:
        st = self.state.watch
        if st is None:
            return []
        # The poller's times are on its own clock: count from when the snapshot was taken.
        elapsed = max(0.0, time.monotonic() - st.mono) if st.mono else 0.0
        left = st.resume_in - elapsed if st.resume_in is not None else None
        resume = "" if left is None else f" in {countdown(left)}" if left >= 0.5 else " now"
        budget: Part = (3, [(f"polls {st.poll_requests}/{st.poll_budget} per "
                             f"{_per(st.poll_window)}", "")])
        if st.state == "held":  # the connection part says why (the key, the subscription)
            return [(1, [("polling paused", "$text-warning")])]
        if st.state == "paused":
            return [(1, [("watching paused (p resumes)", "bold $text-warning")])]
        if st.state == "stopped":
            why = f": {st.error}" if st.error else ""
            return [(0, [(f"watching stopped{why}", "$text-error")])]
        if st.state == "rate_limited":
            if self.state.wait is not None and self.state.wait.remaining() > 0:
                return [budget]  # the client's own countdown says it already
            return [(1, [(f"rate-limited · retrying{resume}", "bold $text-warning")]), budget]
        if st.state in ("offline", "server_errors"):
            what = "server errors: " if st.state == "server_errors" else ""
            return [(1, [(f"{what}polling retries{resume}", "$text-warning")]), budget]
        if st.watched == 0:
            return [(2, [("nothing to watch", "dim")])]
        parts: list[Part] = [(1, [f"watching {st.watched}"])]
        if st.next_poll_in is not None:
            held = " (rate limit)" if st.poll_held else ""
            parts.append((2, [f"next poll {in_seconds(st.next_poll_in - elapsed)}{held}"]))
        parts.append(budget)
        return parts

    def _right(self) -> list[Part]:
        st = self.state
        if not st.webhooks:
            return []
        style = "" if st.webhooks_ok else "$text-warning"
        return [(5, [(f"webhooks: {st.webhooks}", style)])]

    def render_state(self) -> None:
        self._sync_ticker()
        left, right = self._left(), self._right()
        width = self.content_region.width or self.size.width or 0
        sep = " · "

        def joined(parts: list[Part]) -> Content:
            pieces: list[tuple[str, str] | str] = []
            for i, (_prio, chunk) in enumerate(parts):
                if i:
                    pieces.append(sep)
                pieces.extend(chunk)
            return Content.assemble(*pieces)

        # Drop the least important parts until everything fits (never the first one).
        while True:
            lc, rc = joined(left), joined(right)
            need = lc.cell_length + (rc.cell_length + 3 if right else 0)
            if not width or need <= width:
                break
            candidates = [(prio, i, side) for side, parts in (("l", left), ("r", right))
                          for i, (prio, _c) in enumerate(parts) if prio > 0]
            if not candidates:
                break
            _prio, index, side = max(candidates)
            (left if side == "l" else right).pop(index)
        if right and width:
            gap = max(3, width - lc.cell_length - rc.cell_length)
            self.update(Content.assemble(lc, " " * gap, rc))
        elif right:
            self.update(Content.assemble(lc, sep, rc))
        else:
            self.update(lc)
