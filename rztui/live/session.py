"""LiveSession: the poller and the webhook receiver, started and stopped together.

``rztui watch`` and the TUI drive it the same way::

    session = LiveSession(service, settings, ids=ids, webhook_listen="127.0.0.1:8123")
    session.subscribe(on_news)      # or: queue = session.news()
    await session.start()           # the receiver (+ the demo's sender) and the polling loop
    ...                             # news: see `News`
    await session.stop()            # no task, socket or client left behind

``start(until_terminal=ids, timeout=...)`` polls until those ids are final instead of for
ever; :meth:`LiveSession.wait` returns the :class:`~rztui.live.events.WatchResult`.

Webhooks run when a listen address is given (``HOST:PORT[/PATH]``; the path defaults to
``webhook_path``, ``/webhooks/round0``), and always with ``demo_server`` (loopback, port
chosen by the system unless given), where a :class:`~rztui.demo.webhook_sender.DemoWebhookSender`
plays the vendor with a throwaway secret. Without ``webhook_secret`` the secret is looked up
(``ROUNDZERO_WEBHOOK_SECRET``, else the keyring) in a thread. If webhooks cannot start (no
secret, address in use) the session says so with :class:`WebhooksFailed` and polls alone;
``start(webhooks_required=True)`` raises the error instead, before anything is polled.

A valid event tracks an interview it did not know (``source='webhook'``), tells the poller
webhooks work (while the receiver listens, invited interviews are polled at the slow interval)
and pokes it, so the change is fetched at once. An id tracked that way that the API does not
know (404) is untracked again.

Waits: when the API client has an ``on_wait(seconds, reason)`` hook, the session points it at
:meth:`Poller.on_client_wait` (keeping any hook already set), so ``PollerStats.waiting`` covers
the client's own waits too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from ..api.errors import RZError
from ..webhooks.events import WebhookEvent
from ..webhooks.receiver import DEFAULT_PATH, WebhookReceiver, parse_listen_address
from ..webhooks.seen import SeenEvents
from ..webhooks.signature import require_secret
from .events import Dropped, Event, Hub, PollerStats, Transition, WatchResult
from .poller import Poller, PollService

if TYPE_CHECKING:  # the demo (and its dataset) is imported only in demo mode
    from ..demo.webhook_sender import DemoSource, DemoWebhookSender
    from ..store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhooksListening:
    """The receiver is up at ``url``; ``demo``: the demo server sends it the events.
    ``path`` is the URL path to register in ROUND0 after your public address."""

    url: str
    address: tuple[str, int]
    demo: bool
    at: float
    path: str = DEFAULT_PATH


@dataclass(frozen=True, slots=True)
class WebhooksFailed:
    """Webhooks could not start (no secret, bad or busy address): polling goes on alone."""

    error: RZError
    at: float

    @property
    def message(self) -> str:
        return self.error.message


@dataclass(frozen=True, slots=True)
class WebhookReceived:
    """A verified event reached the poller; ``accepted``: how many so far."""

    event_id: str
    event_type: str
    interview_id: str
    accepted: int
    at: float


@dataclass(frozen=True, slots=True)
class WatchStopped:
    """Polling stopped: the key was rejected (401/403), there is none, or a bug.
    :meth:`LiveSession.resume` starts it again (after :meth:`LiveSession.set_service`)."""

    error: Exception
    at: float

    @property
    def message(self) -> str:
        return self.error.message if isinstance(self.error, RZError) else str(self.error)


News = Event | WebhooksListening | WebhooksFailed | WebhookReceived | WatchStopped


class LiveSettings(Protocol):
    """The settings live watching reads (:class:`rztui.config.Settings`)."""

    @property
    def poll_budget(self) -> float: ...


PollerFactory = Callable[[PollService, "Store", "list[str] | None"], Poller]


def poller_handler(poller: Poller, store: Store) -> Callable[[WebhookEvent], None]:
    """What a valid event does: track a new id (source 'webhook') and poke the poller. An id
    tracked this way that the API answers 404 for is untracked again (a signed event about an
    interview this key cannot see must not stay in the list)."""
    introduced: set[str] = set()  # tracked by an event, not fetched yet

    def on_poller_event(event: Event) -> None:
        if isinstance(event, Dropped) and event.interview_id in introduced:
            introduced.discard(event.interview_id)
            if event.reason == "not_found":
                poller.remove([event.interview_id])
                store.untrack([event.interview_id])
                log.warning("webhook for interview %r: not found by the API; not tracked",
                            event.interview_id[:100])
        elif isinstance(event, Transition):
            introduced.discard(event.interview_id)  # it exists: it stays

    poller.subscribe(on_poller_event)

    def handle(event: WebhookEvent) -> None:
        if not store.is_tracked(event.interview_id):
            store.track([event.interview_id], source="webhook")
            introduced.add(event.interview_id)
        poller.note_webhook()
        poller.poke(event.interview_id, hint=event.interview)

    return handle


WaitHook = Callable[[float, str], None]


class _WaitHookHolder(Protocol):
    """An API client with the ``on_wait`` hook (:class:`rztui.api.client.ApiClient`)."""

    on_wait: WaitHook | None


def wire_client_waits(service: PollService, poller: Poller) -> None:
    """Point the API client's ``on_wait(seconds, reason)`` hook (if it has one) at
    :meth:`Poller.on_client_wait`, keeping a hook that is already there."""
    if service.api is None or not hasattr(service.api, "on_wait"):
        return
    api = cast(_WaitHookHolder, service.api)
    mine: WaitHook = poller.on_client_wait
    previous = api.on_wait
    if previous is None or previous == mine:
        api.on_wait = mine
        return

    def both(seconds: float, reason: str) -> None:
        previous(seconds, reason)
        mine(seconds, reason)

    api.on_wait = both


class LiveSession:
    """One poller and (optionally) one webhook receiver wired to it, for one front end.

    ``ids=None`` follows the store's tracked set; ``poller_factory(service, store, ids)``
    builds a custom poller (tests: a manual clock). Building reads the store: a front end with
    a UI thread builds the session in a worker thread, then calls :meth:`start` on its loop.
    ``clock`` times the poller and the news; signatures are always checked on the real clock.
    """

    def __init__(
        self,
        service: PollService,
        settings: LiveSettings | None = None,
        *,
        ids: Iterable[str] | None = None,
        webhook_listen: str | None = None,
        webhook_secret: str | None = None,
        webhook_path: str = DEFAULT_PATH,
        seen_path: str | os.PathLike[str] | None = None,
        demo_server: DemoSource | None = None,
        clock: Callable[[], float] = time.time,
        poller_factory: PollerFactory | None = None,
    ) -> None:
        self.store = service.store
        watch = None if ids is None else list(ids)
        if poller_factory is not None:
            self.poller = poller_factory(service, self.store, watch)
        else:
            budget = settings.poll_budget if settings is not None else 0.5
            self.poller = Poller(service, self.store, budget_share=budget, ids=watch,
                                 clock=clock)
        self.webhook_listen = webhook_listen
        self._secret = webhook_secret
        self._path = webhook_path
        if webhook_listen:
            try:  # a bad address is reported when webhooks start (WebhooksFailed)
                self._path = parse_listen_address(webhook_listen).path or webhook_path
            except RZError:
                pass
        self._seen_path = seen_path
        self.demo_server = demo_server
        self._clock = clock
        self.receiver: WebhookReceiver | None = None
        self.demo_sender: DemoWebhookSender | None = None
        self.webhook_error: RZError | None = None
        self._hub: Hub[News] = Hub(lambda n: isinstance(n, PollerStats))
        self.poller.subscribe(self._hub.emit)
        self._handle = poller_handler(self.poller, self.store)
        wire_client_waits(service, self.poller)
        self._task: asyncio.Task[WatchResult | None] | None = None
        self._until: tuple[list[str], float | None] | None = None
        self._started = False

    # -- news -------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[News], object]) -> Callable[[], None]:
        """Call ``callback(news)`` for every piece of news; returns an unsubscribe function."""
        return self._hub.subscribe(callback)

    def news(self, maxsize: int = 0) -> asyncio.Queue[News]:
        """A queue receiving every piece of news (when full, stats snapshots make way)."""
        return self._hub.queue(maxsize)

    # -- start / stop -----------------------------------------------------------------------

    @property
    def webhooks_wanted(self) -> bool:
        return self.demo_server is not None or bool(self.webhook_listen)

    async def start(self, *, until_terminal: Iterable[str] | None = None,
                    timeout: float | None = None, webhooks_required: bool = False) -> None:
        """Start the receiver (if wanted) and the polling loop. ``until_terminal``: poll until
        those ids are final (or ``timeout`` clock seconds pass), not for ever."""
        if self._started:
            raise RuntimeError("this live session has already started")
        self._started = True
        if until_terminal is not None:
            self._until = (list(until_terminal), timeout)
        if webhooks_required:  # a usage error costs no request
            await self._start_webhooks(raise_errors=True)
            self._start_polling()
        else:  # polling does not wait for the keyring
            self._start_polling()
            await self._start_webhooks(raise_errors=False)

    async def stop(self) -> None:
        """Stop polling, the demo's sender and the receiver; idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        sender, self.demo_sender = self.demo_sender, None
        if sender is not None:
            await sender.stop()
        receiver, self.receiver = self.receiver, None
        if receiver is not None:
            self.poller.attach_webhooks(None)
            await receiver.close()

    async def __aenter__(self) -> LiveSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait(self) -> WatchResult | None:
        """Until polling ends: the :class:`WatchResult` of ``until_terminal``; raises what
        stopped it (401/403, no key)."""
        if self._task is None:
            raise RuntimeError("this live session is not polling")
        return await asyncio.shield(self._task)

    # -- polling ----------------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        """The polling loop is running (it ends on a rejected key, or with until_terminal)."""
        return self._task is not None and not self._task.done()

    def ensure_polling(self) -> None:
        """Start the polling loop again if it ended (after a rejected key, say)."""
        if self._started and not self.polling and self._until is None:
            self._start_polling()

    def _start_polling(self) -> None:
        if self._until is not None:
            ids, timeout = self._until
            self._task = asyncio.ensure_future(self.poller.run_until_terminal(ids, timeout))
        else:
            self._task = asyncio.ensure_future(self._poll_forever())
        self._task.add_done_callback(self._polling_ended)

    async def _poll_forever(self) -> None:
        await self.poller.run()

    def _polling_ended(self, task: asyncio.Task[WatchResult | None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, Exception):
            if not isinstance(exc, RZError):
                log.error("live polling failed", exc_info=exc)
            self._hub.emit(WatchStopped(exc, self._clock()))

    def set_service(self, service: PollService) -> None:
        """A new key: the same poller goes on with this service."""
        self.poller.service = service
        wire_client_waits(service, self.poller)

    def pause(self) -> None:
        self.poller.pause()

    def resume(self) -> None:
        """Resume after pause(); also retries at once after an outage or a rejected key."""
        self.poller.resume()
        self.ensure_polling()

    @property
    def paused(self) -> bool:
        return self.poller.paused

    # -- webhooks ---------------------------------------------------------------------------

    async def _start_webhooks(self, *, raise_errors: bool) -> None:
        if not self.webhooks_wanted or self.receiver is not None:
            return
        demo = self.demo_server is not None
        try:
            host, port, _ = (parse_listen_address(self.webhook_listen) if self.webhook_listen
                             else ("127.0.0.1", 0, None))
            secret: str
            if self._secret:
                secret = self._secret
            elif demo:  # the demo plays both sides: a throwaway secret will do
                secret = secrets.token_hex(32)
            else:  # the keyring can be slow (or hang): off the loop
                secret = await asyncio.to_thread(require_secret)
            seen = await asyncio.to_thread(SeenEvents, self._seen_path)  # opens a file
            receiver = WebhookReceiver(secret, self._on_webhook, path=self._path, seen=seen)
            try:
                await receiver.start(host, port)
            except RZError:
                await asyncio.to_thread(seen.close)
                raise
        except RZError as exc:
            self.webhook_error = exc
            self._hub.emit(WebhooksFailed(exc, self._clock()))
            if raise_errors:
                raise
            return
        self.receiver = receiver
        self.poller.attach_webhooks(receiver)
        if self.demo_server is not None:
            from ..demo.webhook_sender import DemoWebhookSender

            self.demo_sender = DemoWebhookSender(self.demo_server, receiver.url, secret).start()
        self._hub.emit(WebhooksListening(receiver.url, receiver.address, demo, self._clock(),
                                         receiver.path))

    def _on_webhook(self, event: WebhookEvent) -> None:
        self._handle(event)
        accepted = self.receiver.stats.accepted if self.receiver is not None else 0
        self._hub.emit(WebhookReceived(event.id, event.type, event.interview_id, accepted,
                                       self._clock()))
