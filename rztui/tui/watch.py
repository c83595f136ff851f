"""Live watching in the TUI: a LiveSession (poller + webhook receiver) and what it shows.

:class:`WatchController` is the main screen's one way in to live watching. Once there is an
API client, a :class:`~rztui.live.session.LiveSession` is built in a thread (it reads the poll
state of every watched id) and started on the UI's event loop: the same object ``rztui watch``
drives. It polls the tracked interviews that can still change and, with ``--webhook-listen``
(always in ``--demo``, where the demo server also sends the events), runs the webhook receiver.
Its news arrives at the main screen as :class:`~rztui.tui.messages.PollerNews` and comes here.
Status badges and the open transcript update in place (the screen does that); a status change
the list sees, whoever fetched it, raises a toast (and the bell, if configured), once per
burst; the status line shows what is watched and how much of the poll budget is used.

When the API refuses the key (401) or the subscription (403), the app holds polling
(:meth:`~WatchController.hold`) until the API answers again (:meth:`~WatchController.release`);
`p` pauses and resumes it by hand, separately.

What the screen calls: :meth:`~WatchController.start`, :meth:`~WatchController.change_ids`,
:meth:`~WatchController.check_now`, :meth:`~WatchController.reconcile`,
:meth:`~WatchController.announce`, :meth:`~WatchController.toggle`,
:meth:`~WatchController.refresh_stats`, :meth:`~WatchController.hold`,
:meth:`~WatchController.release`, and the hand-offs from messages and workers
(:meth:`~WatchController.live_built`, :meth:`~WatchController.news`,
:meth:`~WatchController.load_finished`, :meth:`~WatchController.close`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.timer import Timer

from ..api.errors import AuthError, RZError, SubscriptionInactive
from ..api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED, TERMINAL_STATUSES
from ..formats import plural
from ..textsafe import clean_line
from .messages import ApiFailed, InterviewChanged, LiveBuilt, PollerNews
from .widgets.status_line import WatchView

if TYPE_CHECKING:  # the poller and webhooks are imported when watching starts
    from ..demo.server import DemoServer
    from ..live.events import PollerStats
    from ..live.poller import Poller
    from ..live.session import LiveSession, News, PollerFactory
    from ..service import Service
    from ..webhooks.receiver import WebhookReceiver
    from .context import AppContext, Hooks, Reading
    from .widgets.interview_list import InterviewList
    from .widgets.status_line import StatusLine

# While an in-progress interview is on screen, ask the poller for it this often (its answers
# appear one by one); the poller still keeps every request within its budget.
FOCUS_POLL_SECONDS = 20.0
# Changes seen within this time share one toast when there are more than a few (start-up after
# a weekend: twenty interviews finished).
TOAST_BATCH_SECONDS = 0.25
TOASTS_PER_BATCH = 3


@dataclass(frozen=True)
class StatusChange:
    """A status the list showed changed: ``old`` is None for an interview it did not have."""

    interview_id: str
    old: str | None
    new: str
    candidate: str
    job: str

    @property
    def name(self) -> str:
        return (clean_line(self.candidate) or clean_line(self.interview_id))[:60]

    @property
    def job_title(self) -> str:
        return clean_line(self.job)[:60] or "no job title"


def change_words(change: StatusChange) -> tuple[str, str, SeverityLevel]:
    """(title, message, severity): ``Jane Smith finished: Senior Frontend Developer``."""
    name, job, status = change.name, change.job_title, change.new
    severity: SeverityLevel
    if status == COMPLETED:
        title, text, severity = "Interview completed", f"{name} finished: {job}", "information"
    elif status == IN_PROGRESS:
        title, text, severity = "Interview started", f"{name} started: {job}", "information"
    elif status == EXPIRED:
        title = "Invitation expired"
        text, severity = f"{name}'s invitation expired unanswered: {job}", "warning"
    elif status == INVITED:
        title, text, severity = "Interview invited", f"{name} is invited: {job}", "information"
    else:
        label = clean_line(status)[:30] or "unknown"
        title, text, severity = "Status changed", f"{name} is now {label}: {job}", "information"
    if change.old is None:
        title = "Now tracking"  # tracked elsewhere: a webhook, `rztui watch`
    return title, text, severity


_VERBS = {COMPLETED: "finished", IN_PROGRESS: "started", EXPIRED: "expired"}


def batch_words(changes: list[StatusChange]) -> tuple[str, str, SeverityLevel]:
    """One toast for many changes: counts, then the first few lines."""
    counts: dict[str, int] = {}
    for c in changes:
        verb = _VERBS.get(c.new, "changed")
        counts[verb] = counts.get(verb, 0) + 1
    title = f"{len(changes)} interviews changed: " + ", ".join(
        f"{n} {verb}" for verb, n in counts.items())
    lines = [change_words(c)[1] for c in changes[:5]]
    if len(changes) > 5:
        lines.append(f"… and {len(changes) - 5} more")
    severity: SeverityLevel = "information" if all(c.new != EXPIRED for c in changes) \
        else "warning"
    return title, "\n".join(lines), severity


_ABOUT_ONE = re.compile(r"^interview \S+: ")


def short_error(message: str | None, width: int = 60) -> str:
    """An error for the status line: one line, without the ``interview <id>:`` prefix."""
    text = _ABOUT_ONE.sub("", clean_line(message or ""))
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def listen_label(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class WatchOptions:
    """``enabled``: watch once there is a key (tests turn it off, or give a ``poller_factory``
    with a fake clock). ``webhook_listen``: HOST:PORT for a receiver; with ``demo_server`` a
    loopback receiver always runs and the demo server sends it the events."""

    enabled: bool = True
    poller_factory: PollerFactory | None = None
    webhook_listen: str | None = None
    demo_server: DemoServer | None = None


class WatchController:
    """The :class:`~rztui.live.session.LiveSession` of one main screen: built in a thread, then
    started on the UI's loop; its news arrives as :class:`PollerNews` messages."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks,
                 options: WatchOptions, *, interview_list: InterviewList,
                 status_line: StatusLine, loading_current: Callable[[], bool],
                 on_top: Callable[[], bool], bindings_changed: Callable[[], object],
                 bell: Callable[[], None]) -> None:
        """``loading_current``: the interview on screen is being fetched; ``on_top``: the
        screen is not under a dialog; ``bindings_changed``: the footer's pause/resume
        label needs a refresh."""
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self.status_line = status_line
        self._loading_current = loading_current
        self._on_top = on_top
        self._bindings_changed = bindings_changed
        self._bell = bell
        self.options = options
        self.live: LiveSession | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._building = False
        self._after_load = False  # start once the interview on screen has been fetched
        self._requests_seen = 0
        self._checking_at: int | None = None  # `r` handed to the poller: its request count
        self._paused_shown = False
        self._user_paused = False  # `p`: kept apart from a hold (the key, the subscription)
        self.held: str = ""  # why the app holds polling back ("" when it does not)
        self._webhooks = ""  # "listening on 127.0.0.1:8123"
        self._events = 0  # verified webhook events so far
        self._pending: list[StatusChange] = []
        self._changes_timer: Timer | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def poller(self) -> Poller | None:
        return self.live.poller if self.live is not None else None

    @property
    def webhook_receiver(self) -> WebhookReceiver | None:
        return self.live.receiver if self.live is not None else None

    @property
    def paused(self) -> bool:
        """Paused with `p` (a hold because the API refused the key is not a pause)."""
        return self.live is not None and self._user_paused

    @property
    def running(self) -> bool:
        return self.live is not None and self.live.polling

    def _watching_ok(self) -> bool:
        poller = self.poller
        return poller is not None and self.running and not self.held \
            and poller.stats().state == "ok"

    def watchable_ids(self) -> list[str]:
        """Tracked ids that can still change, from the list's rows (no parsing)."""
        return self.list.index.ids_with_status(TERMINAL_STATUSES, among=False)

    # -- the session -----------------------------------------------------------------------

    def start(self) -> None:
        """Watch the tracked interviews that can still change (there is a client now).
        Idempotent: the first time the session is built in a thread (it reads the poll state
        of every id); later calls only make sure polling runs with the current key.

        The poller gets the ids to watch rather than following the store itself: following
        re-reads (parses) every tracked final interview every few seconds, on the UI's loop.
        The screen follows the store instead, from the rows it already has."""
        service = self.ctx.service
        if not self.options.enabled or service is None:
            return
        live = self.live
        if live is None and self._loading_current():
            # The interview on screen is being fetched: the poller would ask for it too.
            self._after_load = True
            return
        if live is None:
            if not self._building:
                self._building = True
                self.hooks.run_worker(
                    partial(self._build, service, self.watchable_ids()), thread=True,
                    exclusive=True, group="live-setup", exit_on_error=False)
            return
        live.set_service(service)
        self._resume_unless_paused()

    def _build(self, service: Service, ids: list[str]) -> None:
        """In a thread: building the session reads the poll state of every id."""
        from ..live.session import LiveSession

        ctx = self.ctx
        options = self.options
        demo = options.demo_server is not None
        try:
            live = LiveSession(
                service, ctx.settings, ids=ids, webhook_listen=options.webhook_listen,
                seen_path=None if demo else ctx.data_dir() / "webhook-events.json",
                demo_server=options.demo_server, poller_factory=options.poller_factory)
        finally:
            self._building = False
        self.hooks.post(LiveBuilt(live))

    def live_built(self, live: LiveSession) -> None:
        """On the UI thread: subscribe, then start polling (and webhooks)."""
        self.live = live
        service = self.ctx.service
        if service is not None:  # the key may have changed meanwhile
            live.set_service(service)
        live.poller.add(self.watchable_ids())  # tracked while it was being built
        post = self.hooks.post
        self._unsubscribe = live.subscribe(lambda news: post(PollerNews(news)))
        if self.held or self._user_paused:
            live.pause()
        self.hooks.run_worker(live.start(), group="live-start", exit_on_error=False)

    def _resume_unless_paused(self) -> None:
        live = self.live
        if live is None or self.held:
            return
        if self._user_paused:
            self.refresh_stats()
        else:
            live.resume()  # also clears the error that stopped it, and restarts polling

    def load_finished(self) -> None:
        """A "load" worker finished: start watching if that was waiting for it."""
        if self._after_load:
            self._after_load = False
            self.hooks.call_later(self.start)  # (again deferred if another load started)

    def stopped(self, error: Exception) -> None:
        """Polling stopped: the key was rejected (401/403), there is none, or a bug."""
        if isinstance(error, (AuthError, SubscriptionInactive)):
            self.hooks.post(ApiFailed(error))  # the app holds polling until the API answers
            return
        message = error.message if isinstance(error, RZError) else \
            f"{type(error).__name__}: {error}"
        line = self.status_line
        view = line.state.watch or WatchView(state="stopped")
        line.update_state(watch=replace(view, state="stopped", error=short_error(message)))
        self.hooks.notify(f"Watching stopped: {message}", severity="error", markup=False)

    def hold(self, why: str) -> None:
        """The API refused the key (401/403): no polling until :meth:`release`."""
        self.held = why
        if self.live is not None:
            self.live.pause()
        self.refresh_stats()

    def release(self) -> None:
        """The API answers again (a new key, a renewed subscription): polling resumes (unless
        paused with `p`)."""
        if not self.held:
            return
        self.held = ""
        self._resume_unless_paused()
        self.refresh_stats()

    def api_answered(self) -> None:
        """The app's own request got an answer: if the poller is waiting out an outage, it
        ends now (the poller tries again at once) rather than at the end of its backoff."""
        poller = self.poller
        if poller is None or self.held or self._user_paused or not self.running:
            return
        if poller.stats().state in ("offline", "server_errors") and self.live is not None:
            self.live.resume()

    def change_ids(self, *, add: Iterable[str] = (), remove: Collection[str] = ()) -> None:
        """Tracked interviews came or went (only those that can still change are added)."""
        poller = self.poller
        if poller is None:
            return
        if remove:
            poller.remove(remove)
        poller.add(add)
        self.refresh_stats()

    def reconcile(self, interview_id: str, before: str | None, after: str) -> None:
        """The app's own fetch saw a status change: let the poller look now (a final status
        costs no request, it is read from the store), so its schedule follows the new status
        (in progress is polled more often; a final one is no longer watched)."""
        if self.poller is not None and before is not None and before != after:
            self.poller.poke(interview_id)

    def check_now(self, interview_id: str, status: str | None) -> bool:
        """`r` on one that can still change: hand it to the poller (fetched at once, within its
        budget) if watching runs and the budget lets a request go within a few seconds."""
        poller = self.poller
        if status is None or status in TERMINAL_STATUSES or poller is None \
                or not self._watching_ok():
            return False
        now = poller.stats().at
        if poller.gate_at(now) - now > 3 * poller.spacing or not poller.poke(interview_id):
            return False
        self._checking_at = poller.requests_total
        self.status_line.update_state(activity="checking now…")
        return True

    def poll_current(self) -> None:
        """An in-progress interview on screen: ask for it every FOCUS_POLL_SECONDS, so its
        answers appear as they are given (still within the poller's budget)."""
        interview = self.reading.interview
        if interview is None or interview.status != IN_PROGRESS or not self._on_top():
            return
        if self._watching_ok() and self.poller is not None:
            self.poller.poke(interview.id)

    def toggle(self) -> None:
        """`p`: pause or resume watching (webhooks that arrive meanwhile wait for resume)."""
        live = self.live
        notify = self.hooks.notify
        if live is None:
            has_service = self.ctx.service is not None
            why = "no API key (ctrl+k)" if not has_service else "it is turned off"
            if self.options.enabled and has_service:
                why = "it is starting"
            notify(f"Not watching: {why}.", severity="warning", markup=False, timeout=4)
            return
        if self._user_paused:
            self._user_paused = False
            if self.held:
                notify(f"Polling stays paused until the API accepts the key "
                       f"({self.held}).", severity="warning", markup=False, timeout=5)
            else:
                live.resume()
                notify("Watching resumed.", markup=False, timeout=3)
        else:
            self._user_paused = True
            live.pause()
            notify("Watching paused: nothing is polled until you press p again "
                   "(r still fetches one interview).", markup=False, timeout=5)
        self.refresh_stats()

    # -- what the session says --------------------------------------------------------------

    def news(self, news: News) -> None:
        from ..live.events import Dropped, PollerStats, Transition, Updated
        from ..live.session import (
            WatchStopped,
            WebhookReceived,
            WebhooksFailed,
            WebhooksListening,
        )

        line = self.status_line
        if isinstance(news, PollerStats):
            self._note_answers(news)
            # A fresh snapshot: this one may be older than one shown since (messages queue).
            self.refresh_stats()
        elif isinstance(news, (Transition, Updated)):
            # The row (and the open transcript) update; the screen announces a new status.
            self.hooks.post(InterviewChanged(news.interview_id))
            line.update_connection(online=True, offline_reason="", last_sync=self.ctx.now())
        elif isinstance(news, Dropped) and news.interview_id in self.list.entries:
            self.hooks.notify(f"No longer watched: {clean_line(news.message)}", severity="warning",
                          markup=False, timeout=8)
        elif isinstance(news, WatchStopped):
            self.stopped(news.error)
        elif isinstance(news, WebhooksListening):
            note = " (demo sender)" if news.demo else ""
            self._webhooks = f"listening on {listen_label(news.address)}{note}"
            line.update_state(webhooks_ok=True, webhooks=self._webhooks)
        elif isinstance(news, WebhooksFailed):
            line.update_state(webhooks="off (see the notification)", webhooks_ok=False)
            self.hooks.notify(f"{clean_line(news.message).rstrip('.')}.\nWatching goes on by "
                          f"polling only.", title="Webhooks not started", severity="warning",
                          markup=False, timeout=15)
        elif isinstance(news, WebhookReceived):
            self._events = news.accepted
            self.refresh_stats()

    def refresh_stats(self) -> None:
        """A fresh snapshot (the poller only reports when something happens)."""
        if self.poller is not None and (self.running or self.held):
            self._show_stats(self.poller.stats())

    def _note_answers(self, st: PollerStats) -> None:
        """A snapshot the poller sent after a request: it got an answer, unless the request
        put it offline (a snapshot taken mid-request, by the timer, would not know yet)."""
        if st.requests_total <= self._requests_seen:
            return
        self._requests_seen = st.requests_total
        if st.state not in ("ok", "rate_limited"):
            return
        api = self.ctx.api
        rate = api.rate if api is not None else None
        self.status_line.update_connection(
            online=True, offline_reason="", last_sync=self.ctx.now(),
            rate_limit=rate.limit if rate else None,
            rate_remaining=rate.remaining if rate else None)

    def _show_stats(self, st: PollerStats) -> None:
        line = self.status_line
        poller = self.poller
        next_at, held = st.next_poll_at, False
        if next_at is not None and poller is not None and st.state == "ok":
            # Due, but the budget (or other users of the key) holds it back: say until when.
            gate = poller.gate_at(st.at)
            if gate > max(next_at, st.at) + 2 * poller.spacing:
                next_at, held = gate, True
        view = WatchView(
            state="held" if self.held else st.state, watched=st.watched,
            poll_requests=st.requests_in_window, poll_budget=st.budget, poll_window=st.window,
            poll_held=held, next_poll_in=None if next_at is None else next_at - st.at,
            resume_in=None if st.resume_at is None else st.resume_at - st.at,
            mono=time.monotonic(), error=short_error(st.last_error),
        )
        state = replace(line.state, watch=view)
        if st.state == "offline":
            state = replace(state, connection=replace(
                state.connection, online=False, offline_reason=short_error(st.last_error)))
        if self._checking_at is not None and st.requests_total > self._checking_at:
            self._checking_at = None  # `r`: the poller has been
            state = replace(state, activity="")
        if self._webhooks and self._events:
            state = replace(state, webhooks=f"{self._webhooks} · "
                                            f"{plural(self._events, 'event')}")
        line.set_state(state)
        if self.paused != self._paused_shown:
            self._paused_shown = self.paused
            self._bindings_changed()  # "Pause watch" / "Resume watch" in the footer

    # -- announcing status changes ---------------------------------------------------------

    def announce(self, change: StatusChange) -> None:
        """A status the list showed changed: a toast, batched with others seen meanwhile."""
        self._pending.append(change)
        if self._changes_timer is None:
            self._changes_timer = self.hooks.set_timer(TOAST_BATCH_SECONDS, self._announce)

    def _announce(self) -> None:
        """A toast per change, or one for a burst; the bell once (if configured)."""
        self._changes_timer = None
        changes, self._pending = self._pending, []
        if not changes:
            return
        toasts = [change_words(c) for c in changes] if len(changes) <= TOASTS_PER_BATCH \
            else [batch_words(changes)]
        for title, text, severity in toasts:
            self.hooks.notify(text, title=title, severity=severity, markup=False, timeout=10)
        if self.ctx.settings.bell:
            self._bell()

    # -- closing ---------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop polling, the webhook receiver and the demo's sender (the app is exiting)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
        if self.live is not None:
            await self.live.stop()
