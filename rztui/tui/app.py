"""RZApp: the Textual front end over rztui.service.Service and the local store.

Data flows one way: workers call the service (API + store) and hand results to widgets; widgets
never touch the network. All network and keyring work happens in workers owned by the app, so
one ``on_worker_state_changed`` turns any failure into a notification. Store reads are local and
small (one row, one cached interview) and stay on the UI thread, except loading every tracked row
at start-up, which runs in a thread.

Live watching: once there is an API client, a :class:`rztui.poller.Poller` watching the tracked
interviews that can still change runs in an async worker on the UI's event loop; its events
arrive as :class:`~rztui.tui.live.PollerNews` messages. Status badges and the open transcript
update in place; a status change the list sees (whoever fetched it) raises a toast (and the bell,
if configured); the status line shows what is watched and how much of the poll budget is used.
A webhook receiver (``--webhook-listen``; always in ``--demo``, where the demo server also sends
the events) pokes the same poller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.lazy import Lazy
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from ..api.errors import (
    ApiError,
    AuthError,
    NetworkError,
    NotFound,
    RZError,
    SubscriptionInactive,
)
from ..api.models import COMPLETED, IN_PROGRESS, TERMINAL_STATUSES, Interview, QuestionSet
from ..credentials import mask_key
from ..store import Store
from ..textsafe import clean_line
from .live import (
    FOCUS_POLL_SECONDS,
    SYNC_SECONDS,
    TOAST_BATCH_SECONDS,
    TOASTS_PER_BATCH,
    PollerFactory,
    PollerNews,
    StatusChange,
    batch_words,
    change_words,
    listen_label,
    short_error,
)
from .widgets.interview_list import (
    FILTER_NAMES,
    SORT_FIELDS,
    SORT_NAMES,
    STATUS_FILTERS,
    InterviewList,
    InterviewTable,
)
from .widgets.outline import QuestionOutline
from .widgets.status_line import StatusLine, TopBar, host_of
from .widgets.transcript import (
    Document,
    TranscriptPane,
    TranscriptView,
    build_doc,
    error_doc,
    message_doc,
)

OUTLINE_MIN_WIDTH = 120  # below this the outline hides itself (`o` still shows it)
KEY_CHECK_PATH = "/api/v1/interviews/rztui-key-check"
if TYPE_CHECKING:  # httpx is imported after the first frame: start-up time
    from ..api.client import ApiClient
    from ..export import ExportResult
    from ..poller import Poller, PollerStats
    from ..service import Service
    from ..store.listing import ListIndex
    from ..webhooks import DemoWebhookSender, WebhookReceiver
    from .widgets.review_panel import ReviewPanel

ClientFactory = Callable[[str, str], "ApiClient"]


def _now() -> datetime:
    return datetime.now(UTC)


class InterviewUpdated(Message):
    """Post this to the app (from any thread) when an interview changed in the store."""

    def __init__(self, interview_id: str) -> None:
        self.interview_id = interview_id
        super().__init__()


class MainScreen(Screen):
    """The three panes. Its bindings only apply here, not in modal dialogs."""

    # In footer order: the footer clips at 80 columns, so Help comes first.
    BINDINGS = [
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("slash", "app.focus_filter", "Filter", key_display="/"),
        Binding("a", "app.add", "Add"),
        Binding("d", "app.untrack", "Remove", show=False),
        Binding("r", "app.refresh", "Refresh", tooltip="fetch the selected interview now"),
        Binding("R", "app.refresh_all", "Refresh all", show=False,
                tooltip="every one that can still change"),
        Binding("ctrl+f", "app.search", "Find", priority=True, tooltip="in this transcript"),
        # priority: works from the filter box too (ctrl+s is not an editing key there)
        Binding("ctrl+s", "app.global_search", "Search all", priority=True,
                tooltip="across all transcripts; opens the hit"),
        Binding("m", "app.compare", "Compare",
                tooltip="everyone's answer to this question"),
        Binding("v", "app.toggle_review", "Review",
                tooltip="durations, lengths, keywords"),
        Binding("e", "app.export", "Export",
                tooltip="the selected one; all shown if filtered"),
        Binding("A", "app.archive_audio", "Archive audio", show=False,
                tooltip="download the selected one's recordings"),
        # check_action shows one of the two
        Binding("p", "app.pause_watch", "Pause watch",
                tooltip="polling for status changes"),
        Binding("p", "app.resume_watch", "Resume watch",
                tooltip="polling for status changes"),
        Binding("o", "app.toggle_outline", "Outline", show=False),
        Binding("c", "app.copy_answer", "Copy answer", show=False),
        Binding("C", "app.copy_interview", "Copy ATS", show=False),
        Binding("y", "app.copy_id", "Copy id", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__(id="main")
        self._clock = clock

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar", markup=False)
        with Horizontal(id="panes"):
            yield InterviewList(id="list", clock=self._clock)
            yield TranscriptPane(id="pane", clock=self._clock)
            yield QuestionOutline(id="outline")
        yield StatusLine(id="status", clock=self._clock)
        # The footer (a widget per key) is mounted after the first frame: start-up time.
        yield Lazy(Footer(compact=True))

    def on_mount(self) -> None:
        self.app.main_ready()  # type: ignore[attr-defined]

    def on_resize(self, event: events.Resize) -> None:
        self.app._apply_outline_visibility(event.size.width)  # type: ignore[attr-defined]


class RZApp(App[None]):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "rztui"
    BINDINGS = [
        Binding("ctrl+k", "enter_key", "API key", show=False),
    ]

    def __init__(
        self,
        *,
        store: Store,
        base_url: str,
        api_key: str | None = None,
        settings: Any = None,
        demo: bool = False,
        clock: Callable[[], datetime] | None = None,
        client_factory: ClientFactory | None = None,
        find_key: Callable[[], tuple[str | None, str]] | None = None,
        store_key: Callable[[str], None] | None = None,
        watch: bool = True,
        poller_factory: PollerFactory | None = None,
        webhook_listen: str | None = None,
        demo_server: Any = None,
        data_dir: Path | None = None,
        audio_dir: Path | None = None,
        export_dir: Path | None = None,
    ) -> None:
        """``watch``: run the status poller once there is a key (tests turn it off or give a
        ``poller_factory`` with a fake clock). ``webhook_listen``: HOST:PORT for a webhook
        receiver; with ``demo_server`` (``--demo``) a loopback receiver always runs and the
        demo server sends it the events. ``data_dir``/``audio_dir`` default to rztui's paths
        (webhook ids seen, archived audio); ``export_dir``, to the working directory."""
        super().__init__()
        self.store = store
        self.base_url = base_url
        self.settings = settings
        self.demo = demo
        self.now = clock or _now
        self._api_key = api_key
        self._client_factory = client_factory
        self._find_key = find_key
        self._store_key = store_key
        self.api: ApiClient | None = None
        self.service: Service | None = None
        self.key_source = "none"
        self.current_id: str | None = None
        self.current_interview: Interview | None = None
        self.current_questions: QuestionSet | None = None
        self._outline_forced: bool | None = None  # None: automatic by width
        self._outline_forced_when_wide = True
        self._auth_warned = False
        self._unfetched_done = False
        self._watch = watch
        self._poller_factory = poller_factory
        self._webhook_listen = webhook_listen
        self.demo_server = demo_server
        self._data_dir = data_dir
        self._audio_dir = audio_dir
        self.export_dir = export_dir
        self.poller: Poller | None = None
        self._poller_worker: Worker | None = None
        self._poller_building = False
        self._watch_after_load = False
        self._poll_requests_seen = 0
        self._checking_at: int | None = None  # `r` handed to the poller: its request count
        self._paused_shown = False
        self.webhook_receiver: WebhookReceiver | None = None
        self._webhook_sender: DemoWebhookSender | None = None
        self._webhooks_started = False
        self.review_mode = False
        self._pending_changes: list[StatusChange] = []
        self._changes_timer: Any = None
        self.main = MainScreen(self.now)

    # -- set-up ----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return self.main

    @property
    def interview_list(self) -> InterviewList:
        return self.main.query_one(InterviewList)

    @property
    def table(self) -> InterviewTable:
        return self.main.query_one(InterviewTable)

    @property
    def transcript(self) -> TranscriptView:
        return self.main.query_one(TranscriptView)

    @property
    def outline(self) -> QuestionOutline:
        return self.main.query_one(QuestionOutline)

    @property
    def status_line(self) -> StatusLine:
        return self.main.query_one(StatusLine)

    def main_ready(self) -> None:
        """The main screen is composed: show it, then start loading (rows, key)."""
        self._update_top_bar()
        self.transcript.set_document(message_doc(
            "No interview selected", ["Pick one on the left, or press a to add some."], "empty"))
        self.outline.show_message("Select an interview.")
        self.table.focus()
        self.call_after_refresh(self._start_background)
        for warning in getattr(self.store, "warnings", []):
            self.notify(warning, severity="warning", markup=False, timeout=10)
        self.set_interval(60, self._tick)
        self.set_interval(FOCUS_POLL_SECONDS, self._poll_current)
        self.set_interval(5, self._refresh_watch_stats)  # the sliding window moves on
        self.set_interval(SYNC_SECONDS, self._sync_tracked)

    def _start_background(self) -> None:
        """After the first frame: load the rows (thread) and set up the API client."""
        self.load_rows()
        if self._api_key:
            self._use_key(self._api_key, "given")
        else:
            self.status_line.update_state(has_key=False)
            self.look_up_key()

    async def on_unmount(self) -> None:
        await self._stop_webhooks()
        if self.api is not None:
            await self.api.aclose()

    def _tick(self) -> None:
        """Relative times ("3m ago") move on."""
        self.interview_list.redraw()

    def _update_top_bar(self, busy: str = "") -> None:
        self.main.query_one(TopBar).show(
            base_url=self.base_url, masked_key=mask_key(self._api_key), demo=self.demo,
            busy=busy,
        )

    # -- rows ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="rows", exit_on_error=False)
    def load_rows(self) -> None:
        entries = self.interview_list.load_index(self.store)
        self.call_from_thread(self._rows_loaded, entries)

    def _rows_loaded(self, entries: ListIndex) -> None:
        self.interview_list.set_entries(entries)
        self._fetch_unfetched()

    def _fetch_unfetched(self) -> None:
        """Tracked but never fetched (added by the CLI offline, or a new demo store): fetch
        them once, in the background, when both the rows and a key are there. Watching starts
        after that, so the poller does not ask for the same interviews a second time."""
        if self._unfetched_done or self.service is None or not self.interview_list.loaded:
            return
        self._unfetched_done = True
        # The one on screen is being loaded already: don't ask for it twice.
        on_screen = {self.current_id, self.table.current_id}
        ids = [e.id for e in self.interview_list.entries.values()
               if e.row.status is None and e.id not in on_screen]
        if ids:
            self.fetch_new(ids, announce=False, then_watch=True)
        else:
            self.start_watching()

    def refresh_row(self, interview_id: str) -> None:
        """Update one row from the store. A status the list showed that changed is announced
        here, whoever fetched it (poller, r, R, opening it): once, however many saw it."""
        lst = self.interview_list
        before = lst.entries.get(interview_id)
        old = before.row.status if before is not None else None
        lst.refresh_row(interview_id)
        after = lst.entries.get(interview_id)
        if not lst.loaded or after is None or after.row.status in (None, old):
            return
        if before is not None and old is None:
            return  # fetched for the first time: nothing changed
        self._status_changed(StatusChange(interview_id, old, after.row.status,
                                          after.row.candidate_name, after.row.job_title))

    def _status_changed(self, change: StatusChange) -> None:
        self._pending_changes.append(change)
        if self._changes_timer is None:
            self._changes_timer = self.set_timer(TOAST_BATCH_SECONDS, self._announce_changes)
        if change.new == COMPLETED and change.old is not None \
                and getattr(self.settings, "auto_archive", False) and self.service is not None:
            self.archive_audio(change.interview_id, auto=True)

    def _announce_changes(self) -> None:
        """A toast per change, or one for a burst; the bell once (if configured)."""
        self._changes_timer = None
        changes, self._pending_changes = self._pending_changes, []
        if not changes:
            return
        toasts = [change_words(c) for c in changes] if len(changes) <= TOASTS_PER_BATCH \
            else [batch_words(changes)]
        for title, text, severity in toasts:
            self.notify(text, title=title, severity=severity,  # type: ignore[arg-type]
                        markup=False, timeout=10)
        if getattr(self.settings, "bell", False):
            self.bell()

    def interview_updated(self, interview_id: str) -> None:
        """The store has news about this interview (poller, bulk refresh): update the row, and
        the transcript if it is the one on screen (the reader's scroll position stays)."""
        self.refresh_row(interview_id)
        if interview_id == self.current_id:
            cached = self.store.get_interview(interview_id)
            if cached is not None:
                self._show_interview(cached, self.store.get_questions(interview_id), keep=True)

    @on(InterviewUpdated)
    def _interview_updated_message(self, message: InterviewUpdated) -> None:
        self.interview_updated(message.interview_id)

    # -- keys ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="keyring", exit_on_error=False)
    def look_up_key(self) -> None:
        """keyring can be slow or hang at import: never on the UI thread."""
        finder = self._find_key
        if finder is None:
            from ..credentials import find_key as finder
        try:
            key, where = finder()
        except RZError as exc:
            self.call_from_thread(self._no_key, exc.message)
            return
        if key:
            self.call_from_thread(self._use_key, key, where)
        else:
            self.call_from_thread(self._no_key, "")

    def _no_key(self, reason: str) -> None:
        self.status_line.update_state(has_key=False)
        self.action_enter_key(reason)

    def _make_client(self, key: str) -> ApiClient:
        if self._client_factory is not None:
            return self._client_factory(self.base_url, key)
        from ..api.client import ApiClient

        concurrency = getattr(self.settings, "concurrency", 8)
        return ApiClient(self.base_url, key, concurrency=concurrency)

    def _use_key(self, key: str, source: str) -> None:
        old = self.api
        self._api_key = key
        self.key_source = source
        from ..service import Service

        self.api = self._make_client(key)
        self.service = Service(self.store, self.api)
        self._auth_warned = False
        if old is not None:
            self.run_worker(old.aclose(), group="close", exit_on_error=False)
        self._update_top_bar()
        self.status_line.update_state(has_key=True)
        if self.current_id is not None:
            self.open_interview(self.current_id)
        self._fetch_unfetched()
        if self.poller is not None:  # a new key: the same poller goes on with it
            self.start_watching()

    async def verify_key(self, key: str) -> None:
        """One request: 404 = the key works (the id is made up); 401/403 raise."""
        async with self._make_client(key) as api:
            api.max_attempts = 2
            try:
                await api.get_json(KEY_CHECK_PATH)
            except NotFound:
                return

    def action_enter_key(self, reason: str = "") -> None:
        from .screens.key_entry import KeyEntryScreen

        if isinstance(self.screen, KeyEntryScreen):
            return

        def done(key: str | None) -> None:
            if key:
                self._use_key(key, "session")
                self.save_key(key)
            elif self.api is None:
                self.notify("No API key: showing cached interviews only. ctrl+k enters a key.",
                            severity="warning", markup=False)

        self.push_screen(KeyEntryScreen(host_of(self.base_url), self.verify_key, reason=reason),
                         done)

    @work(thread=True, exclusive=True, group="keyring-save", exit_on_error=False)
    def save_key(self, key: str) -> None:
        saver = self._store_key
        if saver is None:
            from ..credentials import store_key as saver
        from ..credentials import ENV_KEY

        try:
            saver(key)
        except RZError as exc:
            message = (f"Key {mask_key(key)} accepted but not saved: {exc.message}. It is kept "
                       f"for this session only; set {ENV_KEY} to avoid typing it again.")
            self.call_from_thread(self.notify, message, title="No keyring",
                                  severity="warning", markup=False, timeout=12)
            return
        self.key_source = "keyring"
        self.call_from_thread(self.notify, f"Key {mask_key(key)} verified and saved in the "
                              "system keyring.", markup=False)

    # -- showing an interview --------------------------------------------------------------

    @on(InterviewList.Highlighted)
    def _highlighted(self, message: InterviewList.Highlighted) -> None:
        if message.interview_id is None:
            self.current_id = None
            self.current_interview = None
            self.current_questions = None
            self.workers.cancel_group(self, "load")
            self.transcript.loading = False
            self.transcript.set_document(message_doc(
                "No interview selected", ["Nothing is shown in the list."], "empty"))
            self.outline.show_message("Select an interview.")
            self._update_review()
            return
        if message.interview_id != self.current_id:
            self.open_interview(message.interview_id)

    @on(InterviewList.Opened)
    def _opened(self, message: InterviewList.Opened) -> None:
        if message.interview_id != self.current_id:
            self.open_interview(message.interview_id)
        self.transcript.focus()

    def open_interview(self, interview_id: str, *, refresh: bool = False) -> None:
        """Show the cached copy at once, then fetch what is missing or may have changed."""
        self.current_id = interview_id
        cached = self.store.get_interview(interview_id)
        questions = self.store.get_questions(interview_id)
        keep = refresh and self.current_interview is not None \
            and self.current_interview.id == interview_id
        self.current_interview = cached
        self.current_questions = questions
        if cached is not None:
            self._show_interview(cached, questions, keep=keep)
        else:
            self.transcript.set_document(message_doc(
                "Loading…", [f"Fetching interview {interview_id}"], "loading",
                interview_id=interview_id))
            self.outline.show_message("Loading…", interview_id)
            self._update_review()
        fetch = refresh or cached is None or cached.status not in TERMINAL_STATUSES
        self.transcript.loading = cached is None and self.service is not None
        self.load_interview(interview_id, cached is not None, fetch, refresh,
                            refresh or questions is None)

    def _show_interview(self, interview: Interview, questions: QuestionSet | None, *,
                 keep: bool = False) -> None:
        self.current_interview = interview
        self.current_questions = questions
        doc: Document = build_doc(interview, questions, self.now())
        self.transcript.set_document(doc, keep_position=keep)
        if questions is not None:
            self.outline.show_questions(questions, interview)
        else:
            self.outline.show_message("Loading…" if self.service else "Not cached.",
                                      interview.id)
        self._update_review()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_interview(self, interview_id: str, have_cached: bool, fetch: bool,
                             refresh: bool, fetch_questions: bool) -> None:
        service = self.service
        view = self.transcript
        if service is None:
            view.loading = False
            if not have_cached:
                view.set_document(message_doc(
                    "Not cached yet", ["This interview has not been fetched and there is no API "
                                       "key. Press ctrl+k to enter one."], "error",
                    interview_id=interview_id, title_style="transcript--warning"))
                self.outline.show_message("No API key.", interview_id)
            return
        if have_cached and not refresh:
            await asyncio.sleep(0.15)  # arrowing through the list: don't fetch every row
        interview = self.current_interview if have_cached else None
        if fetch:
            before = self.store.cached_status(interview_id)
            try:
                interview = await service.interview(interview_id, refresh=True)
            except RZError as exc:
                self._api_failed(exc)
                if self.current_id != interview_id:
                    return
                view.loading = False
                if not have_cached:
                    view.set_document(error_doc(interview_id, exc.message))
                    self.outline.show_message("Not available.", interview_id)
                else:
                    self.notify(f"Showing the cached copy: {exc.message}", severity="warning",
                                markup=False)
                return
            self._api_ok()
            self.refresh_row(interview_id)
            self._reconcile(interview_id, before, interview.status)
        questions = self.current_questions
        if fetch_questions or questions is None:
            try:
                questions = await service.questions(interview_id, refresh=refresh)
                self._api_ok()
            except RZError as exc:
                self._api_failed(exc)
                if self.current_id == interview_id:
                    self.outline.show_message(f"Questions not available: {exc.message}",
                                              interview_id)
                questions = None
        if self.current_id != interview_id:
            return
        view.loading = False
        if interview is not None:
            changed = (fetch or questions is not self.current_questions
                       or self.current_interview is None)
            if changed:
                self._show_interview(interview, questions, keep=True)

    def _api_ok(self) -> None:
        rate = self.api.rate if self.api is not None else None
        self.status_line.update_state(
            online=True, offline_reason="", last_sync=self.now(),
            rate_limit=rate.limit if rate else None,
            rate_remaining=rate.remaining if rate else None,
        )
        self._refresh_watch_stats()  # the poll budget follows the server's rate limit

    def _api_failed(self, exc: RZError) -> None:
        rate = self.api.rate if self.api is not None else None
        changes: dict[str, Any] = {
            "rate_limit": rate.limit if rate else None,
            "rate_remaining": rate.remaining if rate else None,
        }
        if isinstance(exc, NetworkError):
            changes.update(online=False, offline_reason=exc.detail)
        elif isinstance(exc, ApiError):  # the API answered: we are online
            changes.update(online=True, offline_reason="", last_sync=self.now())
        self.status_line.update_state(**changes)
        if isinstance(exc, (AuthError, SubscriptionInactive)) and not self._auth_warned:
            self._auth_warned = True
            self._key_rejected(exc)

    def _key_rejected(self, exc: RZError) -> None:
        from .screens.error import ErrorScreen

        def chosen(choice: str | None) -> None:
            if choice == "key":
                self.action_enter_key()

        self.push_screen(ErrorScreen("The API refused the key", exc.message,
                                     (("key", "Enter another key"),)), chosen)

    # -- live watching: the poller ---------------------------------------------------------

    def start_watching(self) -> None:
        """Watch the tracked interviews that can still change (there is a client now).
        Idempotent: with a poller already there (a new key, or it stopped on a rejected key)
        it goes on with the new service; the first time it is built in a thread.

        The poller gets the ids to watch rather than following the store itself: following
        re-reads (parses) every tracked final interview every few seconds, on the UI's loop.
        The app follows the store instead (``_sync_tracked``), from the rows it already has."""
        if not self._watch or self.service is None:
            return
        poller = self.poller
        if poller is None and self._loading():
            # The interview on screen is being fetched: the poller would ask for it too.
            self._watch_after_load = True
            return
        if poller is None:
            if not self._poller_building:
                self._poller_building = True
                self._build_poller(self.service, self._watch_ids())
            return
        poller.service = self.service
        if poller.paused:
            self._show_watch_stats(poller.stats())
        else:
            poller.resume()  # also clears the error that stopped it (the old key)
        if not self._poller_running():
            self._poller_worker = self.run_poller(poller)

    def _watch_ids(self) -> list[str]:
        """Tracked ids that can still change, from the list's rows (no parsing)."""
        return [e.id for e in self.interview_list.entries.values()
                if e.row.status not in TERMINAL_STATUSES]

    @work(thread=True, exclusive=True, group="poller-setup", exit_on_error=False)
    def _build_poller(self, service: Service, ids: list[str]) -> None:
        try:
            poller = self._make_poller(service, ids)
        finally:
            self._poller_building = False
        self.call_from_thread(self._poller_ready, poller)

    def _make_poller(self, service: Service, ids: list[str]) -> Poller:
        if self._poller_factory is not None:
            return self._poller_factory(service, self.store, ids)
        from ..poller import Poller

        budget = getattr(self.settings, "poll_budget", 0.5)
        return Poller(service, self.store, budget_share=budget, ids=ids)

    def _poller_ready(self, poller: Poller) -> None:
        self.poller = poller
        poller.service = self.service or poller.service  # the key may have changed meanwhile
        poller.add(self._watch_ids())  # tracked while it was being built
        poller.subscribe(lambda event: self.post_message(PollerNews(event)))
        self._poller_worker = self.run_poller(poller)
        self._start_webhooks()

    def _loading(self) -> bool:
        """The interview on screen is being fetched (or about to be: the cursor has moved)."""
        if self.table.current_id not in (None, self.current_id):
            return True
        return any(w.group == "load" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.workers)

    def _poller_running(self) -> bool:
        worker = self._poller_worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def _watching_ok(self) -> bool:
        poller = self.poller
        return poller is not None and self._poller_running() and poller.stats().state == "ok"

    @work(group="poller", exit_on_error=False)
    async def run_poller(self, poller: Poller) -> None:
        await poller.run()  # until the app exits; raises on a rejected key

    def _poller_stopped(self, error: RZError) -> None:
        """The poller stops on 401/403 (or no key): handled like any other auth failure."""
        self.status_line.update_state(watch="stopped", watch_error=short_error(error.message))
        if isinstance(error, (AuthError, SubscriptionInactive)):
            self._api_failed(error)
        else:
            self.notify(f"Watching stopped: {error.message}", severity="error", markup=False)

    @on(PollerNews)
    def _poller_news(self, message: PollerNews) -> None:
        from ..poller import Dropped, PollerStats, Transition, Updated

        event = message.event
        if isinstance(event, PollerStats):
            # A fresh snapshot: this one may be older than one shown since (messages queue).
            if self.poller is not None:
                self._show_watch_stats(self.poller.stats())
        elif isinstance(event, (Transition, Updated)):
            # The row (and the open transcript) update; refresh_row announces a new status.
            self.interview_updated(event.interview_id)
            self.status_line.update_state(online=True, offline_reason="",
                                          last_sync=self.now())
        elif isinstance(event, Dropped) and event.interview_id in self.interview_list.entries:
            self.notify(f"No longer watched: {clean_line(event.message)}", severity="warning",
                        markup=False, timeout=8)

    def _show_watch_stats(self, st: PollerStats) -> None:
        line = self.status_line
        next_at, held = st.next_poll_at, False
        if next_at is not None and self.poller is not None and st.state == "ok":
            # Due, but the budget (or other users of the key) holds it back: say until when.
            gate = self.poller.gate_at(st.at)
            if gate > max(next_at, st.at) + 2 * self.poller.spacing:
                next_at, held = gate, True
        changes: dict[str, Any] = dict(
            watch=st.state, watched=st.watched, poll_requests=st.requests_in_window,
            poll_budget=st.budget, poll_window=st.window, poll_held=held,
            next_poll_in=None if next_at is None else next_at - st.at,
            resume_in=None if st.resume_at is None else st.resume_at - st.at,
            watch_mono=time.monotonic(), watch_error=short_error(st.last_error),
        )
        if st.state == "offline":
            changes.update(online=False, offline_reason=short_error(st.last_error))
        elif st.requests_total > self._poll_requests_seen and st.state in ("ok", "rate_limited"):
            rate = self.api.rate if self.api is not None else None
            changes.update(online=True, offline_reason="", last_sync=self.now(),
                           rate_limit=rate.limit if rate else None,
                           rate_remaining=rate.remaining if rate else None)
        self._poll_requests_seen = st.requests_total
        if self._checking_at is not None and st.requests_total > self._checking_at:
            self._checking_at = None  # `r`: the poller has been
            changes["activity"] = ""
        receiver = self.webhook_receiver
        if receiver is not None and receiver.stats.accepted:
            n = receiver.stats.accepted
            changes["webhooks"] = (f"listening on {listen_label(receiver.address)} · "
                                   f"{n} event{'s' if n != 1 else ''}")
        line.update_state(**changes)
        if st.paused != self._paused_shown:
            self._paused_shown = st.paused
            self.refresh_bindings()  # "Pause watch" / "Resume watch" in the footer

    def _sync_tracked(self) -> None:
        if self.interview_list.loaded:
            self.sync_tracked(set(self.interview_list.entries))  # read on the UI thread

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def sync_tracked(self, known: set[str]) -> None:
        """Interviews tracked or removed by something else (``rztui add`` in another terminal,
        a webhook): one query for the ids, rows only for the new ones."""
        tracked = self.store.tracked_ids()
        new_rows = [r for r in (self.store.row(i) for i in tracked if i not in known) if r]
        gone = known - set(tracked)
        if new_rows or gone:
            self.call_from_thread(self._tracked_changed, new_rows, gone)

    def _tracked_changed(self, rows: list[Any], gone: set[str]) -> None:
        lst = self.interview_list
        gone = {i for i in gone if not self.store.is_tracked(i)}  # still so, on this thread
        rows = [r for r in rows if r.id not in lst.entries]
        if gone:
            lst.remove_ids(gone)
        if rows:
            lst.add_rows(rows)
        if self.poller is not None:
            if gone:
                self.poller.remove(gone)
            self.poller.add(r.id for r in rows if r.status not in TERMINAL_STATUSES)
            self._refresh_watch_stats()

    def _refresh_watch_stats(self) -> None:
        """A fresh snapshot (the poller only reports when something happens)."""
        if self.poller is not None and self._poller_running():
            self._show_watch_stats(self.poller.stats())

    def _reconcile(self, interview_id: str, before: str | None, after: str) -> None:
        """The app's own fetch saw a status change: let the poller look now (a final status
        costs no request, it is read from the store), so its schedule follows the new status
        (in progress is polled more often; a final one is no longer watched)."""
        if self.poller is not None and before is not None and before != after:
            self.poller.poke(interview_id)

    def _poll_current(self) -> None:
        """An in-progress interview on screen: ask for it every FOCUS_POLL_SECONDS, so its
        answers appear as they are given (still within the poller's budget)."""
        interview = self.current_interview
        if interview is None or interview.status != IN_PROGRESS or self.screen is not self.main:
            return
        if self._watching_ok() and self.poller is not None:
            self.poller.poke(interview.id)

    def action_toggle_watch(self) -> None:
        """`p`: pause or resume watching (webhooks that arrive meanwhile wait for resume)."""
        poller = self.poller
        if poller is None:
            why = "no API key (ctrl+k)" if self.service is None else "it is turned off"
            if self._watch and self.service is not None:
                why = "it is starting"
            self.notify(f"Not watching: {why}.", severity="warning", markup=False, timeout=4)
            return
        if poller.paused:
            poller.resume()
            if not self._poller_running():
                self._poller_worker = self.run_poller(poller)
            self.notify("Watching resumed.", markup=False, timeout=3)
        else:
            poller.pause()
            self.notify("Watching paused: nothing is polled until you press p again "
                        "(r still fetches one interview).", markup=False, timeout=5)

    def action_pause_watch(self) -> None:
        self.action_toggle_watch()

    def action_resume_watch(self) -> None:
        self.action_toggle_watch()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        paused = self.poller is not None and self.poller.paused
        if action == "pause_watch":
            return not paused
        if action == "resume_watch":
            return paused
        return True

    # -- live watching: webhooks -----------------------------------------------------------

    def _start_webhooks(self) -> None:
        if self._webhooks_started or (self.demo_server is None and not self._webhook_listen):
            return
        self._webhooks_started = True
        self.run_webhooks()

    @work(group="webhooks", exit_on_error=False)
    async def run_webhooks(self) -> None:
        """A webhook receiver wired to the poller, until the app exits. In demo mode the demo
        server plays the vendor and posts signed events to it. Any problem (no secret, port in
        use) is one clear notification: polling goes on without webhooks."""
        from ..api.errors import ConfigError
        from ..webhooks import (
            ENV_SECRET,
            KEYRING_SERVICE,
            KEYRING_USERNAME,
            parse_listen,
            start_demo_webhooks,
            start_listener,
            webhook_secret,
        )

        poller = self.poller
        if poller is None:
            return
        listen = self._webhook_listen
        try:
            if self.demo_server is not None:
                host, port = parse_listen(listen) if listen else ("127.0.0.1", 0)
                receiver, sender = await start_demo_webhooks(self.demo_server, poller,
                                                             self.store, host=host, port=port)
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
                receiver = await start_listener(listen, poller, self.store, secret=secret,
                                                seen_path=self._data_path() /
                                                "webhook-events.json")
                note = ""
        except RZError as exc:
            self.status_line.update_state(webhooks="off (see the notification)",
                                          webhooks_ok=False)
            self.notify(f"{exc.message.rstrip('.')}.\nWatching goes on by polling only.",
                        title="Webhooks not started", severity="warning", markup=False,
                        timeout=15)
            return
        self.webhook_receiver = receiver
        self.status_line.update_state(
            webhooks=f"listening on {listen_label(receiver.address)}{note}", webhooks_ok=True)
        try:
            await asyncio.Event().wait()  # until cancelled (the app exits)
        finally:
            await self._stop_webhooks()

    async def _stop_webhooks(self) -> None:
        sender, self._webhook_sender = self._webhook_sender, None
        receiver, self.webhook_receiver = self.webhook_receiver, None
        if sender is not None:
            await sender.stop()
        if receiver is not None:
            await receiver.close()

    def _data_path(self) -> Path:
        if self._data_dir is None:
            from ..config import Paths

            self._data_dir = Paths.resolve().data_dir
        return self._data_dir

    # -- worker failures: one place --------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "load" and self._watch_after_load and event.state in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._watch_after_load = False
            self.call_later(self.start_watching)  # (again deferred if another load started)
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "poller" and isinstance(error, RZError):
            self._poller_stopped(error)
            return
        if isinstance(error, RZError):
            message = error.message
        else:
            first = str(error).splitlines()[0] if str(error) else ""
            message = f"{type(error).__name__}: {first}"[:200] if first else type(error).__name__
        self.notify(message, title="Error", severity="error", markup=False)
        if event.worker.group == "load":
            self.transcript.loading = False

    # -- actions: list ---------------------------------------------------------------------

    def action_add(self) -> None:
        from .screens.add import AddScreen, ParsedIds

        def added(result: ParsedIds | None) -> None:
            if result is None:
                return
            if result.errors:
                shown = "\n".join(result.errors[:5])
                more = f"\n… and {len(result.errors) - 5} more" if len(result.errors) > 5 else ""
                self.notify(f"Not added (not valid ids):\n{shown}{more}", severity="warning",
                            markup=False, timeout=10)
            if result.ids:
                self.track_ids(result.ids)

        self.push_screen(AddScreen(), added)

    def track_ids(self, ids: list[str]) -> None:
        new = self.store.track(ids)
        already = len(ids) - len(new)
        rows = [r for r in (self.store.row(i) for i in new) if r is not None]
        self.interview_list.add_rows(rows)
        note = f"Tracking {len(new)} new interview{'s' if len(new) != 1 else ''}"
        if already:
            note += f" ({already} already tracked)"
        self.notify(note, markup=False)
        if new:
            self.fetch_new(new)

    @work(exclusive=False, group="add", exit_on_error=False)
    async def fetch_new(self, ids: list[str], announce: bool = True,
                        then_watch: bool = False) -> None:
        try:
            await self._fetch_new(ids, announce)
        finally:
            if then_watch:
                self.start_watching()
            elif self.poller is not None:  # fetched now: the poller takes it from here
                self.poller.add(i for i in ids if self.store.is_tracked(i))
                self._refresh_watch_stats()

    async def _fetch_new(self, ids: list[str], announce: bool) -> None:
        service = self.service
        if service is None:
            if announce:
                self.notify("No API key: the new interviews will be fetched once a key is "
                            "set.", severity="warning", markup=False)
            return
        missing: list[str] = []
        failed: list[RZError] = []
        progress = 0

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal progress
            progress += 1
            self._set_activity(f"fetching {progress}/{len(ids)}")
            if isinstance(result, NotFound):
                missing.append(iid)
            elif isinstance(result, RZError):
                failed.append(result)
            else:
                self.interview_updated(iid)

        self._set_activity(f"fetching 0/{len(ids)}")
        try:
            await service.interviews(ids, on_done=done)
        finally:
            self._set_activity("")
        if missing:
            self.store.untrack(missing)
            self.interview_list.remove_ids(missing)
            if self.poller is not None:
                self.poller.remove(missing)
                self._refresh_watch_stats()
            listed = ", ".join(missing[:3]) + ("…" if len(missing) > 3 else "")
            self.notify(f"Not found, so not tracked: {listed}", severity="warning",
                        markup=False, timeout=8)
        if failed:
            self._api_failed(failed[0])
            self.notify(f"{len(failed)} could not be fetched yet: {failed[0].message}",
                        severity="warning", markup=False)
        if len(failed) < len(ids):
            self._api_ok()

    def action_untrack(self) -> None:
        from .screens.confirm import ConfirmScreen

        iid = self.table.current_id
        if iid is None:
            return
        entry = self.interview_list.entries.get(iid)
        name = clean_line(entry.row.candidate_name if entry else "") or "this interview"
        body = Content.assemble(
            "Stop tracking ", (name, "bold"), f" ({clean_line(iid)})?\n",
            "Its cached transcript and questions are deleted from this computer.",
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.store.untrack([iid])
                self.interview_list.remove_ids([iid])
                if self.poller is not None:
                    self.poller.remove([iid])
                    self._refresh_watch_stats()
                self.notify(f"Stopped tracking {iid}", markup=False)

        self.push_screen(ConfirmScreen("Remove interview", body, yes="Remove"), answer)

    def action_refresh(self) -> None:
        """`r`: fetch the selected interview again. One that can still change while watching
        is running is handed to the poller (fetched at once, within its budget), so a status
        change it finds is reported like any other; the rest are fetched here."""
        iid = self.table.current_id or self.current_id
        if iid is None:
            return
        if self.service is None:
            self.notify("No API key: press ctrl+k to enter one.", severity="warning",
                        markup=False)
            return
        status = self.store.cached_status(iid)
        poller = self.poller
        if status is not None and status not in TERMINAL_STATUSES and self._can_poll_now() \
                and poller is not None and poller.poke(iid):
            self._checking_at = poller.requests_total
            self._set_activity("checking now…")
            return
        self.open_interview(iid, refresh=True)

    def _can_poll_now(self) -> bool:
        """Watching, and its budget lets a request go within a few seconds."""
        poller = self.poller
        if poller is None or not self._watching_ok():
            return False
        now = poller.stats().at
        return poller.gate_at(now) - now <= 3 * poller.spacing

    def action_refresh_all(self) -> None:
        if self.service is None:
            self.notify("No API key: press ctrl+k to enter one.", severity="warning",
                        markup=False)
            return
        ids = [e.id for e in self.interview_list.entries.values()
               if e.row.status not in TERMINAL_STATUSES]
        if not ids:
            self.notify("Every tracked interview is completed or expired: nothing to refresh.",
                        markup=False)
            return
        self.refresh_many(ids)

    @work(exclusive=True, group="refresh-all", exit_on_error=False)
    async def refresh_many(self, ids: list[str]) -> None:
        service = self.service
        if service is None:
            return
        total = len(ids)
        done_count = 0
        failures: list[RZError] = []
        changed: list[str] = []

        before = {iid: self.store.cached_status(iid) for iid in ids}

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal done_count
            done_count += 1
            if isinstance(result, RZError):
                failures.append(result)
            else:
                changed.append(iid)
                self.refresh_row(iid)
                self._reconcile(iid, before.get(iid), result.status)
            self._set_activity(f"refreshing {done_count}/{total}")

        self._set_activity(f"refreshing 0/{total}")
        try:
            await service.interviews(ids, refresh=True, on_done=done)
        finally:
            self._set_activity("")
        if failures:
            self._api_failed(failures[0])
        if len(failures) < total:
            self._api_ok()
        if self.current_id in changed:
            self.interview_updated(self.current_id)
        message = f"Refreshed {total - len(failures)} of {total} active interviews"
        if failures:
            message += f"; {len(failures)} failed: {failures[0].message}"
        self.notify(message, severity="warning" if failures else "information", markup=False)

    def _set_activity(self, text: str) -> None:
        self.status_line.update_state(activity=text)

    # -- actions: panes --------------------------------------------------------------------

    def _apply_outline_visibility(self, width: int) -> None:
        wide = width >= OUTLINE_MIN_WIDTH
        if self._outline_forced is not None and self._outline_forced_when_wide != wide:
            self._outline_forced = None  # crossing the threshold goes back to automatic
        shown = wide if self._outline_forced is None else self._outline_forced
        # The review has a row per question already, and needs the width.
        self.outline.display = shown and not self.review_mode

    def action_toggle_outline(self) -> None:
        """`o`: show or hide the outline; sticks until the width crosses the threshold."""
        if self.review_mode:  # the outline is hidden while the review is shown
            self._set_review_mode(False)
            return
        self._outline_forced = not self.outline.display
        self._outline_forced_when_wide = self.size.width >= OUTLINE_MIN_WIDTH
        self.outline.display = self._outline_forced

    def action_focus_filter(self) -> None:
        self.interview_list.action_focus_filter()

    def action_search(self) -> None:
        if self.screen is not self.main:
            return
        if self.review_mode:
            self._set_review_mode(False)
        self.main.query_one(TranscriptPane).open_search()

    @on(QuestionOutline.Jump)
    def _jump(self, message: QuestionOutline.Jump) -> None:
        if message.response is None or not self.transcript.scroll_to_response(message.response):
            self.notify(f"Question {message.number} has not been answered.", markup=False,
                        timeout=3)

    def action_help(self) -> None:
        from .screens.compare import CompareScreen
        from .screens.help import HelpScreen, help_content
        from .widgets.transcript import SearchBar

        content = help_content(
            [
                ("Everywhere", [*MainScreen.BINDINGS, *self.BINDINGS,
                                Binding("ctrl+p", "", "Command palette"),
                                Binding("tab", "", "Next pane"),
                                Binding("ctrl+q", "", "Quit")]),
                ("Interview list", [*InterviewList.BINDINGS, *InterviewTable.BINDINGS,
                                    Binding("enter", "", "Open the interview"),
                                    Binding("click header", "", "Sort by that column")]),
                ("Transcript", TranscriptView.BINDINGS),
                ("Find (ctrl+f)", [Binding("enter", "", "Next match and back to the text"),
                                   *SearchBar.BINDINGS]),
                ("Search all interviews (ctrl+s)", [
                    Binding("enter", "", "Open the hit: its answer, the words found (n/N)"),
                    Binding("down", "", "Go to the hits; typing goes on refining"),
                    Binding("escape", "", "Close")]),
                ("Compare answers (m)", [
                    Binding("m", "", "The current answer's question; the outline's "
                                     "highlighted one when the outline has the focus"),
                    *CompareScreen.BINDINGS]),
                ("Export dialog (e)", [Binding("ctrl+s", "", "Export"),
                                       Binding("escape", "", "Cancel")]),
            ],
        )
        self.push_screen(HelpScreen(content))

    # -- actions: search all, compare -----------------------------------------------------

    def action_global_search(self) -> None:
        """ctrl+s: search every cached interview; a hit opens at its answer, terms found."""
        from .screens.search import SearchChoice, SearchScreen

        if self.screen is not self.main:
            return

        def chosen(choice: SearchChoice | None) -> None:
            if choice is not None:
                self.open_hit(choice.interview_id, choice.question_id, choice.terms)

        self.push_screen(SearchScreen(self.store), chosen)

    def action_compare(self) -> None:
        """`m`: every tracked candidate's answer to one question: the question highlighted in
        the outline when the outline has the focus, else the current answer's."""
        from .screens.compare import CompareChoice, CompareScreen

        if self.screen is not self.main:
            return
        interview = self.current_interview
        question_id = question_text = None
        outline = self.outline
        if outline.display and outline.options.has_focus:
            picked = outline.highlighted_question()
            questions = self.current_questions
            if picked is not None and questions is not None:
                question_id = picked[0]
                question_text = next((q.question_text for q in questions.questions
                                      if q.id == question_id), None)
        if question_id is None and interview is not None and interview.responses:
            index = self.transcript.current_response
            if index is None or index >= len(interview.responses):
                index = 0
            response = interview.responses[index]
            question_id, question_text = response.question_id, response.question_text
        if question_id is None:
            self.notify("Nothing to compare: open an interview with answers (or pick a "
                        "question in the outline).", severity="warning", markup=False,
                        timeout=4)
            return

        def chosen(choice: CompareChoice | None) -> None:
            if choice is not None:
                self.open_hit(choice.interview_id, choice.question_id)

        job = interview.job.title if interview is not None else None
        self.push_screen(CompareScreen(self.store, question_id, question_text, job), chosen)

    def open_hit(self, interview_id: str, question_id: str,
                 terms: Sequence[str] = ()) -> None:
        """Show ``interview_id`` (clearing list filters that hide it) at its answer to
        ``question_id``, with ``terms[0]`` found in the transcript (n/N for the next)."""
        if not self.interview_list.show_id(interview_id):
            self.notify("That interview is no longer tracked.", severity="warning",
                        markup=False, timeout=4)
            return
        if self.current_id != interview_id:
            self.open_interview(interview_id)
        if self.review_mode:
            self._set_review_mode(False)
        self.call_after_refresh(self._go_to_answer, interview_id, question_id, tuple(terms))

    def _go_to_answer(self, interview_id: str, question_id: str, terms: tuple[str, ...]) -> None:
        from ..search import answer_index

        if self.current_id != interview_id:
            return
        interview = self.current_interview
        index = answer_index(interview, question_id) if interview is not None else None
        view = self.transcript
        if index is not None:
            view.scroll_to_response(index)
        pane = self.main.query_one(TranscriptPane)
        if terms:
            pane.find(terms[0], in_response=index)
        else:
            pane.clear_find()
            view.focus()

    # -- actions: export, review, archive --------------------------------------------------

    def export_targets(self) -> tuple[list[str], str]:
        """What `e` exports, and the dialog title: every row the list shows when a filter is
        on (the filter is how you pick a set), else the selected interview."""
        lst = self.interview_list
        if lst.filter_active:
            ids = list(self.table.visible_ids)
            n = len(ids)
            return ids, (f"Export {n} shown interview{'s' if n != 1 else ''} "
                         f"(filter: {lst.filter_description()})")
        iid = self.table.current_id or self.current_id
        if iid is None:
            return [], "Export: nothing selected"
        entry = lst.entries.get(iid)
        name = clean_line(entry.row.candidate_name if entry else "") or iid
        return [iid], f"Export 1 interview: {name}"

    def action_export(self, which: str = "auto") -> None:
        """`e`: export the selected interview, or every shown one while a filter is on.
        ``which``: "auto", "shown" (every row shown) or "all" (every tracked interview)."""
        from .screens.export import ExportScreen

        if self.screen is not self.main:
            return
        if which == "shown":
            ids = list(self.table.visible_ids)
            title = f"Export {len(ids)} shown interview{'s' if len(ids) != 1 else ''}"
        elif which == "all":
            ids = list(self.interview_list.entries)
            title = f"Export all {len(ids)} tracked interview{'s' if len(ids) != 1 else ''}"
        else:
            ids, title = self.export_targets()
        if not ids:
            self.notify("Nothing to export: the list is empty.", severity="warning",
                        markup=False, timeout=4)
            return
        self.push_screen(
            ExportScreen(ids, self._export_service, directory=self.export_dir or Path.cwd(),
                         title=title),
            self._export_done,
        )

    def _export_service(self) -> Service:
        if self.service is not None:
            return self.service
        from ..service import Service

        return Service(self.store, None)  # no key: cached interviews only

    def _export_done(self, result: ExportResult | None) -> None:
        if result is None:
            return
        if not result.written:
            self.notify("Nothing was exported: every interview failed.", severity="error",
                        markup=False)
            return
        self.notify(result.summary(), title="Exported",
                    severity="warning" if result.failures else "information", markup=False,
                    timeout=10)

    async def action_toggle_review(self) -> None:
        """`v`: the review summary (durations, lengths, keywords) in place of the transcript;
        the list stays, so arrowing through it reviews one candidate after another."""
        if self.screen is not self.main:
            return
        await self._review_panel()
        self._set_review_mode(not self.review_mode)

    async def _review_panel(self) -> ReviewPanel:
        from .widgets.review_panel import ReviewPanel

        found = self.main.query(ReviewPanel)
        if found:
            return found.first()
        panel = ReviewPanel(id="review")
        panel.display = False
        await self.main.query_one("#panes").mount(panel, after=self.main.query_one("#pane"))
        return panel

    def _set_review_mode(self, on: bool) -> None:
        from .widgets.review_panel import ReviewPanel

        panels = self.main.query(ReviewPanel)
        if not panels:
            return
        panel = panels.first()
        pane = self.main.query_one(TranscriptPane)
        had_focus = self.focused is not None and (
            pane in self.focused.ancestors_with_self or panel in self.focused.ancestors_with_self)
        self.review_mode = on
        pane.display = not on
        panel.display = on
        self._apply_outline_visibility(self.size.width)
        if on:
            self._update_review()
            if had_focus:
                panel.focus()
        elif had_focus:
            self.transcript.focus()

    def _update_review(self) -> None:
        if not self.review_mode:
            return
        from ..review import keywords_for, review_interview
        from .widgets.review_panel import ReviewPanel

        panels = self.main.query(ReviewPanel)
        if not panels:
            return
        panel = panels.first()
        interview = self.current_interview
        if interview is None:
            panel.show(None, message="Loading…" if self.current_id else "No interview selected.")
            return
        if not interview.responses:
            name = clean_line(interview.candidate.name) or "The candidate"
            status = clean_line(interview.status) or "unknown"
            panel.show(None, message=f"Nothing to review yet: {name} has no answers "
                                     f"(status {status}).")
            return
        same = panel.review is not None and panel.review.interview_id == interview.id
        keywords = keywords_for(interview.job.title, getattr(self.settings, "keywords", None))
        panel.show(review_interview(interview, keywords), keep_position=same)

    def action_archive_audio(self) -> None:
        """`A`: download the selected interview's recordings (before their URLs expire)."""
        iid = self.table.current_id or self.current_id
        if iid is None or self.screen is not self.main:
            return
        if self.service is None:
            self.notify("No API key: press ctrl+k to enter one (the audio URLs come with the "
                        "interview).", severity="warning", markup=False)
            return
        self.archive_audio(iid)

    def audio_dir(self) -> Path:
        if self._audio_dir is None:
            from ..config import Paths

            self._audio_dir = Paths.resolve().audio_dir
        return self._audio_dir

    @work(group="archive", exit_on_error=False)
    async def archive_audio(self, interview_id: str, auto: bool = False) -> None:
        from ..archive import ArchiveResult, archive_interviews

        service = self.service
        if service is None:
            return
        entry = self.interview_list.entries.get(interview_id)
        name = clean_line(entry.row.candidate_name if entry else "") or interview_id
        dest = self.audio_dir()
        if not auto:  # auto: the "finished" toast has just been shown
            self.notify(f"Archiving the audio of {name} to {dest}…", title="Audio archive",
                        markup=False, timeout=4)
        files = 0

        def on_file(_item: Any) -> None:
            nonlocal files
            files += 1
            self._set_activity(f"archiving {name}: {files} file{'s' if files != 1 else ''}")

        try:
            results = await archive_interviews(service, [interview_id], dest, on_file=on_file)
            outcome = results.get(interview_id)
            if isinstance(outcome, ArchiveResult) and outcome.failed and not outcome.refreshed \
                    and any(isinstance(f.error, NetworkError) for f in outcome.failed):
                # The audio host of an old copy's URLs may be gone (a new demo server, a moved
                # bucket): once more with the interview fetched again, for fresh URLs.
                files = 0
                results = await archive_interviews(service, [interview_id], dest, refresh=True,
                                                   on_file=on_file)
        finally:
            self._set_activity("")
        outcome = results.get(interview_id)
        if outcome is None or isinstance(outcome, RZError):
            message = outcome.message if outcome is not None else "nothing archived"
            self.notify(f"Audio of {name} not archived: {message}", title="Audio archive",
                        severity="error", markup=False, timeout=10)
            return
        failed = outcome.failed
        text = (f"{'Auto-archived ' if auto else ''}{name}: "
                f"{outcome.summary().split(': ', 1)[-1]}\nin {outcome.directory}")
        if failed and failed[0].error is not None:
            text += f"\n{failed[0].error.message}"
        self.notify(text, title="Audio archive", severity="warning" if failed else "information",
                    markup=False, timeout=6 if auto and not failed else 10)

    # -- actions: copy ---------------------------------------------------------------------

    def _copy(self, text: str, what: str) -> None:
        from ..clipboard import copy_text

        copy_text(self, text, what)

    def action_copy_answer(self) -> None:
        interview = self.current_interview
        if interview is None or not interview.responses:
            self.notify("No answer to copy.", severity="warning", markup=False, timeout=3)
            return
        index = self.transcript.current_response
        if index is None or index >= len(interview.responses):
            index = 0
        text = interview.responses[index].transcript
        self._copy(text, f"answer {index + 1} ({len(text):,} chars)")

    def action_copy_interview(self) -> None:
        from ..formats import format_ats

        interview = self.current_interview
        if interview is None or not interview.responses:
            self.notify("No answers to copy.", severity="warning", markup=False, timeout=3)
            return
        count = len(interview.responses)
        self._copy(format_ats(interview),
                   f"the interview in ATS format ({count} answer{'s' if count != 1 else ''})")

    def action_copy_id(self) -> None:
        iid = self.table.current_id or self.current_id
        if iid is None:
            return
        self._copy(iid, f"interview id {iid}")

    # -- command palette -------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is not self.main:
            return
        lst = self.interview_list
        yield SystemCommand("Add interviews", "Track interviews by id or pasted URL",
                            self.action_add)
        yield SystemCommand("Remove interview", "Stop tracking the selected interview",
                            self.action_untrack)
        yield SystemCommand("Refresh interview", "Fetch the selected interview again",
                            self.action_refresh)
        yield SystemCommand("Refresh all active", "Fetch every interview that is not "
                            "completed or expired", self.action_refresh_all)
        yield SystemCommand("Find in transcript", "Search the transcript (ctrl+f)",
                            self.action_search)
        yield SystemCommand("Search all interviews", "Full-text search over every cached "
                            "transcript (ctrl+s)", self.action_global_search)
        yield SystemCommand("Compare answers", "Every candidate's answer to the current "
                            "question (m)", self.action_compare)
        yield SystemCommand("Review summary", "Durations, lengths and keywords of the "
                            "current interview (v)", self.action_toggle_review)
        _ids, export_title = self.export_targets()
        yield SystemCommand("Export…", f"{export_title} (e)", self.action_export)
        yield SystemCommand("Export shown interviews", "Every interview the list shows",
                            lambda: self.action_export("shown"))
        yield SystemCommand("Export all tracked", "Every tracked interview",
                            lambda: self.action_export("all"))
        yield SystemCommand("Archive audio", "Download the selected interview's recordings (A)",
                            self.action_archive_audio)
        paused = self.poller is not None and self.poller.paused
        yield SystemCommand("Resume watching" if paused else "Pause watching",
                            "Polling for status changes (p)", self.action_toggle_watch)
        yield SystemCommand("Toggle question outline", "Show or hide the questions pane",
                            self.action_toggle_outline)
        yield SystemCommand("Copy answer", "Copy the current answer's transcript",
                            self.action_copy_answer)
        yield SystemCommand("Copy interview (ATS)", "Copy all answers in ATS format",
                            self.action_copy_interview)
        yield SystemCommand("Copy interview id", "Copy the selected interview's id",
                            self.action_copy_id)
        yield SystemCommand("Enter API key", "Paste and verify a ROUND0 API key",
                            self.action_enter_key)
        yield SystemCommand("Keys", "Show every key binding", self.action_help)
        for status in STATUS_FILTERS:
            yield SystemCommand(f"Show {FILTER_NAMES[status]}", "Filter the list by status",
                                lambda s=status: lst.set_status_filter(s))
        for field in SORT_FIELDS:
            yield SystemCommand(f"Sort by {SORT_NAMES[field]}", "Sort the interview list",
                                lambda f=field: lst.set_sort(f))
