"""RZApp: the Textual front end over rztui.service.Service and the local store.

Data flows one way: workers call the service (API + store) and hand results to widgets; widgets
never touch the network. All network and keyring work happens in workers owned by the app, so
one ``on_worker_state_changed`` turns any failure into a notification. Store reads are local and
small (one row, one cached interview) and stay on the UI thread, except loading every tracked row
at start-up, which runs in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
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
from ..api.models import TERMINAL_STATUSES, Interview, QuestionSet
from ..credentials import mask_key
from ..store import Store
from ..textsafe import clean_line
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
    from ..service import Service

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

    BINDINGS = [
        Binding("slash", "app.focus_filter", "Filter", key_display="/"),
        Binding("a", "app.add", "Add"),
        Binding("d", "app.untrack", "Remove"),
        Binding("r", "app.refresh", "Refresh"),
        Binding("R", "app.refresh_all", "Refresh all", show=False),
        Binding("o", "app.toggle_outline", "Outline"),
        Binding("c", "app.copy_answer", "Copy answer"),
        Binding("C", "app.copy_interview", "Copy ATS", show=False),
        Binding("y", "app.copy_id", "Copy id", show=False),
        Binding("ctrl+f", "app.search", "Find", priority=True),
        Binding("question_mark", "app.help", "Help", key_display="?"),
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
        yield Lazy(Footer())

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
    ) -> None:
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

    def _start_background(self) -> None:
        """After the first frame: load the rows (thread) and set up the API client."""
        self.load_rows()
        if self._api_key:
            self._use_key(self._api_key, "given")
        else:
            self.status_line.update_state(has_key=False)
            self.look_up_key()

    async def on_unmount(self) -> None:
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
        rows = self.store.list_rows()
        entries = self.interview_list.build_entries(rows)
        self.call_from_thread(self._rows_loaded, entries)

    def _rows_loaded(self, entries: dict) -> None:
        self.interview_list.set_entries(entries)
        self._fetch_unfetched()

    def _fetch_unfetched(self) -> None:
        """Tracked but never fetched (added by the CLI offline, or a new demo store): fetch
        them once, in the background, when both the rows and a key are there."""
        if self._unfetched_done or self.service is None or not self.interview_list.loaded:
            return
        self._unfetched_done = True
        # The one on screen is being loaded already: don't ask for it twice.
        on_screen = {self.current_id, self.table.current_id}
        ids = [e.id for e in self.interview_list.entries.values()
               if e.row.status is None and e.id not in on_screen]
        if ids:
            self.fetch_new(ids, announce=False)

    def refresh_row(self, interview_id: str) -> None:
        self.interview_list.refresh_row(interview_id)

    def interview_updated(self, interview_id: str) -> None:
        """The store has news about this interview (poller, bulk refresh): update the row, and
        the transcript if it is the one on screen."""
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

    # -- worker failures: one place --------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
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
    async def fetch_new(self, ids: list[str], announce: bool = True) -> None:
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
                self.notify(f"Stopped tracking {iid}", markup=False)

        self.push_screen(ConfirmScreen("Remove interview", body, yes="Remove"), answer)

    def action_refresh(self) -> None:
        iid = self.table.current_id or self.current_id
        if iid is None:
            return
        if self.service is None:
            self.notify("No API key: press ctrl+k to enter one.", severity="warning",
                        markup=False)
            return
        self.open_interview(iid, refresh=True)

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

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal done_count
            done_count += 1
            if isinstance(result, RZError):
                failures.append(result)
            else:
                changed.append(iid)
                self.refresh_row(iid)
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
        self.outline.display = wide if self._outline_forced is None else self._outline_forced

    def action_toggle_outline(self) -> None:
        """`o`: show or hide the outline; sticks until the width crosses the threshold."""
        self._outline_forced = not self.outline.display
        self._outline_forced_when_wide = self.size.width >= OUTLINE_MIN_WIDTH
        self.outline.display = self._outline_forced

    def action_focus_filter(self) -> None:
        self.interview_list.action_focus_filter()

    def action_search(self) -> None:
        if self.screen is not self.main:
            return
        self.main.query_one(TranscriptPane).open_search()

    @on(QuestionOutline.Jump)
    def _jump(self, message: QuestionOutline.Jump) -> None:
        if message.response is None or not self.transcript.scroll_to_response(message.response):
            self.notify(f"Question {message.number} has not been answered.", markup=False,
                        timeout=3)

    def action_help(self) -> None:
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
            ],
        )
        self.push_screen(HelpScreen(content))

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
