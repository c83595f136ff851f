"""Live watching in the TUI: the poller, the webhook receiver, and what they show.

:class:`WatchController` is the main screen's one way in to live watching. Once there is an
API client, a :class:`~rztui.live.poller.Poller` watching the tracked interviews that can still
change runs in an app worker on the UI's event loop; its events arrive at the main screen as
:class:`~rztui.tui.messages.PollerNews` and come here. Status badges and the open transcript
update in place (the screen does that); a status change the list sees, whoever fetched it,
raises a toast (and the bell, if configured), once per burst; the status line shows what is
watched and how much of the poll budget is used. A webhook receiver (``--webhook-listen``;
always in ``--demo``, where the demo server also sends the events) pokes the same poller.

What the screen calls: :meth:`~WatchController.start`, :meth:`~WatchController.change_ids`,
:meth:`~WatchController.check_now`, :meth:`~WatchController.reconcile`,
:meth:`~WatchController.announce`, :meth:`~WatchController.toggle`,
:meth:`~WatchController.refresh_stats`, and the hand-offs from messages and workers
(:meth:`~WatchController.poller_built`, :meth:`~WatchController.news`,
:meth:`~WatchController.load_finished`, :meth:`~WatchController.stopped`,
:meth:`~WatchController.close`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from ..api.errors import AuthError, RZError, SubscriptionInactive
from ..api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED, TERMINAL_STATUSES
from ..textsafe import clean_line
from .messages import PollerBuilt, PollerNews
from .widgets.status_line import WatchView
from .words import plural

if TYPE_CHECKING:  # the poller and webhooks are imported when watching starts
    from ..demo.server import DemoServer
    from ..demo.webhook_sender import DemoWebhookSender
    from ..live.events import Event, PollerStats
    from ..live.poller import Poller
    from ..service import Service
    from ..store import Store
    from ..webhooks.receiver import WebhookReceiver
    from .main_screen import MainScreen

PollerFactory = Callable[["Service", "Store", list[str]], "Poller"]  # (service, store, ids)

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
    """``enabled``: run the poller once there is a key (tests turn it off, or give a
    ``poller_factory`` with a fake clock). ``webhook_listen``: HOST:PORT for a receiver; with
    ``demo_server`` a loopback receiver always runs and the demo server sends it the events."""

    enabled: bool = True
    poller_factory: PollerFactory | None = None
    webhook_listen: str | None = None
    demo_server: DemoServer | None = None


class WatchController:
    """The poller and the webhook receiver of one main screen (their workers run on the app,
    so the app's one ``on_worker_state_changed`` sees their failures)."""

    def __init__(self, screen: MainScreen, options: WatchOptions) -> None:
        self.screen = screen
        self.options = options
        self.poller: Poller | None = None
        self.webhook_receiver: WebhookReceiver | None = None
        self._worker: Worker[None] | None = None
        self._building = False
        self._after_load = False  # start once the interview on screen has been fetched
        self._requests_seen = 0
        self._checking_at: int | None = None  # `r` handed to the poller: its request count
        self._paused_shown = False
        self._webhook_sender: DemoWebhookSender | None = None
        self._webhooks_started = False
        self._pending: list[StatusChange] = []
        self._changes_timer: Timer | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.poller is not None and self.poller.paused

    @property
    def running(self) -> bool:
        worker = self._worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def _watching_ok(self) -> bool:
        poller = self.poller
        return poller is not None and self.running and poller.stats().state == "ok"

    # -- the poller ------------------------------------------------------------------------

    def start(self) -> None:
        """Watch the tracked interviews that can still change (there is a client now).
        Idempotent: with a poller already there (a new key, or it stopped on a rejected key)
        it goes on with the new service; the first time it is built in a thread.

        The poller gets the ids to watch rather than following the store itself: following
        re-reads (parses) every tracked final interview every few seconds, on the UI's loop.
        The screen follows the store instead, from the rows it already has."""
        service = self.screen.rz.service
        if not self.options.enabled or service is None:
            return
        poller = self.poller
        if poller is None and self.screen.loading_current():
            # The interview on screen is being fetched: the poller would ask for it too.
            self._after_load = True
            return
        if poller is None:
            if not self._building:
                self._building = True
                self.screen.rz.run_worker(
                    partial(self._build, service, self.screen.watchable_ids()), thread=True,
                    exclusive=True, group="poller-setup", exit_on_error=False)
            return
        poller.service = service
        if poller.paused:
            self._show_stats(poller.stats())
        else:
            poller.resume()  # also clears the error that stopped it (the old key)
        if not self.running:
            self._run(poller)

    def _build(self, service: Service, ids: list[str]) -> None:
        """In a thread: building a poller reads the poll state of every id."""
        try:
            poller = self._make_poller(service, ids)
        finally:
            self._building = False
        self.screen.post_message(PollerBuilt(poller))

    def _make_poller(self, service: Service, ids: list[str]) -> Poller:
        store = self.screen.rz.store
        if self.options.poller_factory is not None:
            return self.options.poller_factory(service, store, ids)
        from ..live.poller import Poller

        budget = self.screen.rz.settings.poll_budget
        return Poller(service, store, budget_share=budget, ids=ids)

    def poller_built(self, poller: Poller) -> None:
        self.poller = poller
        poller.service = self.screen.rz.service or poller.service  # the key may have changed
        poller.add(self.screen.watchable_ids())  # tracked while it was being built
        poller.subscribe(lambda event: self.screen.post_message(PollerNews(event)))
        self._run(poller)
        self._start_webhooks()

    def _run(self, poller: Poller) -> None:
        self._worker = self.screen.rz.run_worker(
            poller.run(), group="poller", exit_on_error=False)  # until the app exits

    def load_finished(self) -> None:
        """A "load" worker finished: start watching if that was waiting for it."""
        if self._after_load:
            self._after_load = False
            self.screen.call_later(self.start)  # (again deferred if another load started)

    def stopped(self, error: RZError) -> None:
        """The poller stops on 401/403 (or no key): handled like any other auth failure."""
        line = self.screen.status_line
        view = line.state.watch or WatchView(state="stopped")
        line.set_state(replace(line.state, watch=replace(view, state="stopped",
                                                        error=short_error(error.message))))
        if isinstance(error, (AuthError, SubscriptionInactive)):
            self.screen.api_failed(error)
        else:
            self.screen.notify(f"Watching stopped: {error.message}", severity="error",
                               markup=False)

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
        self.screen.set_activity("checking now…")
        return True

    def poll_current(self) -> None:
        """An in-progress interview on screen: ask for it every FOCUS_POLL_SECONDS, so its
        answers appear as they are given (still within the poller's budget)."""
        interview = self.screen.current_interview
        if interview is None or interview.status != IN_PROGRESS \
                or self.screen.app.screen is not self.screen:
            return
        if self._watching_ok() and self.poller is not None:
            self.poller.poke(interview.id)

    def toggle(self) -> None:
        """`p`: pause or resume watching (webhooks that arrive meanwhile wait for resume)."""
        poller = self.poller
        screen = self.screen
        if poller is None:
            has_service = screen.rz.service is not None
            why = "no API key (ctrl+k)" if not has_service else "it is turned off"
            if self.options.enabled and has_service:
                why = "it is starting"
            screen.notify(f"Not watching: {why}.", severity="warning", markup=False, timeout=4)
            return
        if poller.paused:
            poller.resume()
            if not self.running:
                self._run(poller)
            screen.notify("Watching resumed.", markup=False, timeout=3)
        else:
            poller.pause()
            screen.notify("Watching paused: nothing is polled until you press p again "
                          "(r still fetches one interview).", markup=False, timeout=5)

    # -- what the poller says ---------------------------------------------------------------

    def news(self, event: Event) -> None:
        from ..live.events import Dropped, PollerStats, Transition, Updated

        screen = self.screen
        if isinstance(event, PollerStats):
            # A fresh snapshot: this one may be older than one shown since (messages queue).
            if self.poller is not None:
                self._show_stats(self.poller.stats())
        elif isinstance(event, (Transition, Updated)):
            # The row (and the open transcript) update; the screen announces a new status.
            screen.interview_updated(event.interview_id)
            line = screen.status_line
            line.set_state(replace(line.state, connection=replace(
                line.state.connection, online=True, offline_reason="",
                last_sync=screen.rz.now())))
        elif isinstance(event, Dropped) and event.interview_id in screen.interview_list.entries:
            screen.notify(f"No longer watched: {clean_line(event.message)}", severity="warning",
                          markup=False, timeout=8)

    def refresh_stats(self) -> None:
        """A fresh snapshot (the poller only reports when something happens)."""
        if self.poller is not None and self.running:
            self._show_stats(self.poller.stats())

    def _show_stats(self, st: PollerStats) -> None:
        line = self.screen.status_line
        next_at, held = st.next_poll_at, False
        if next_at is not None and self.poller is not None and st.state == "ok":
            # Due, but the budget (or other users of the key) holds it back: say until when.
            gate = self.poller.gate_at(st.at)
            if gate > max(next_at, st.at) + 2 * self.poller.spacing:
                next_at, held = gate, True
        view = WatchView(
            state=st.state, watched=st.watched, poll_requests=st.requests_in_window,
            poll_budget=st.budget, poll_window=st.window, poll_held=held,
            next_poll_in=None if next_at is None else next_at - st.at,
            resume_in=None if st.resume_at is None else st.resume_at - st.at,
            mono=time.monotonic(), error=short_error(st.last_error),
        )
        state = replace(line.state, watch=view)
        connection = state.connection
        if st.state == "offline":
            connection = replace(connection, online=False,
                                 offline_reason=short_error(st.last_error))
        elif st.requests_total > self._requests_seen and st.state in ("ok", "rate_limited"):
            api = self.screen.rz.api
            rate = api.rate if api is not None else None
            connection = replace(connection, online=True, offline_reason="",
                                 last_sync=self.screen.rz.now(),
                                 rate_limit=rate.limit if rate else None,
                                 rate_remaining=rate.remaining if rate else None)
        state = replace(state, connection=connection)
        self._requests_seen = st.requests_total
        if self._checking_at is not None and st.requests_total > self._checking_at:
            self._checking_at = None  # `r`: the poller has been
            state = replace(state, activity="")
        receiver = self.webhook_receiver
        if receiver is not None and receiver.stats.accepted:
            state = replace(state, webhooks=f"listening on {listen_label(receiver.address)} · "
                                            f"{plural(receiver.stats.accepted, 'event')}")
        line.set_state(state)
        if st.paused != self._paused_shown:
            self._paused_shown = st.paused
            self.screen.refresh_bindings()  # "Pause watch" / "Resume watch" in the footer

    # -- announcing status changes ---------------------------------------------------------

    def announce(self, change: StatusChange) -> None:
        """A status the list showed changed: a toast, batched with others seen meanwhile."""
        self._pending.append(change)
        if self._changes_timer is None:
            self._changes_timer = self.screen.set_timer(TOAST_BATCH_SECONDS, self._announce)

    def _announce(self) -> None:
        """A toast per change, or one for a burst; the bell once (if configured)."""
        self._changes_timer = None
        changes, self._pending = self._pending, []
        if not changes:
            return
        toasts = [change_words(c) for c in changes] if len(changes) <= TOASTS_PER_BATCH \
            else [batch_words(changes)]
        app = self.screen.rz
        for title, text, severity in toasts:
            app.notify(text, title=title, severity=severity, markup=False, timeout=10)
        if app.settings.bell:
            app.bell()

    # -- webhooks --------------------------------------------------------------------------

    def _start_webhooks(self) -> None:
        options = self.options
        if self._webhooks_started or (options.demo_server is None and not options.webhook_listen):
            return
        self._webhooks_started = True
        self.screen.rz.run_worker(self._run_webhooks(), group="webhooks", exit_on_error=False)

    async def _run_webhooks(self) -> None:
        """A webhook receiver wired to the poller, until the app exits. In demo mode the demo
        server plays the vendor and posts signed events to it. Any problem (no secret, port in
        use) is one clear notification: polling goes on without webhooks."""
        from ..api.errors import ConfigError
        from ..live.session import start_demo_webhooks, start_listener
        from ..webhooks import (
            ENV_SECRET,
            KEYRING_SERVICE,
            KEYRING_USERNAME,
            parse_listen,
            webhook_secret,
        )

        poller = self.poller
        if poller is None:
            return
        store = self.screen.rz.store
        listen = self.options.webhook_listen
        demo_server = self.options.demo_server
        line = self.screen.status_line
        try:
            if demo_server is not None:
                host, port = parse_listen(listen) if listen else ("127.0.0.1", 0)
                receiver, sender = await start_demo_webhooks(demo_server, poller, store,
                                                             host=host, port=port)
                self._webhook_sender = sender
                note = " (demo sender)"
            else:
                assert listen is not None
                parse_listen(listen)
                secret = await asyncio.to_thread(webhook_secret)  # keyring: off the loop
                if not secret:
                    raise ConfigError(
                        f"no webhook secret: set {ENV_SECRET} (or store it in the keyring as "
                        f"service '{KEYRING_SERVICE}', user '{KEYRING_USERNAME}')")
                receiver = await start_listener(
                    listen, poller, store, secret=secret,
                    seen_path=self.screen.rz.data_dir() / "webhook-events.json")
                note = ""
        except RZError as exc:
            line.set_state(replace(line.state, webhooks="off (see the notification)",
                                   webhooks_ok=False))
            self.screen.notify(f"{exc.message.rstrip('.')}.\nWatching goes on by polling only.",
                               title="Webhooks not started", severity="warning", markup=False,
                               timeout=15)
            return
        self.webhook_receiver = receiver
        line.set_state(replace(line.state, webhooks_ok=True,
                               webhooks=f"listening on {listen_label(receiver.address)}{note}"))
        try:
            await asyncio.Event().wait()  # until cancelled (the app exits)
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop the webhook receiver (and the demo sender); the poller's worker ends with the
        app."""
        sender, self._webhook_sender = self._webhook_sender, None
        receiver, self.webhook_receiver = self.webhook_receiver, None
        if sender is not None:
            await sender.stop()
        if receiver is not None:
            await receiver.close()
