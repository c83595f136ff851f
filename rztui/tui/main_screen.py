"""The main screen: the interview list, the transcript (or the review), the question outline,
the status line, and the keys that act on them.

Data flows one way: the screen composes the widgets and builds its helpers, handing each what
it needs (the app's context, the widgets it acts on, :class:`~rztui.tui.context.Hooks`), never
itself; the helpers' workers call the service (API + store) and send results up as messages
(:mod:`rztui.tui.messages`), which the handlers here pass down to the helper they concern. The
workers run on the app, so its one ``on_worker_state_changed`` turns any failure into a
notification. Widgets never touch the network.

Who does what: :class:`~rztui.tui.reader.Reader` (the interview shown),
:class:`~rztui.tui.tracking.Tracking` (add, remove, rows), :class:`~rztui.tui.fetching.Fetcher`
(loading and refreshing), :class:`~rztui.tui.watch.WatchController` (live watching),
:class:`~rztui.tui.evaluate.Evaluator` (rate, note, shortlist, new),
:class:`~rztui.tui.outputs.Outputs` (copy, export, archive),
:class:`~rztui.tui.playback.Listening` (`P`), :class:`~rztui.tui.reviewing.Reviewing` (`v`),
and :class:`~rztui.tui.widgets.panes.Panes` (which panes show, Tab).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import WorkerState

from ..api.errors import ApiError, NetworkError
from ..credentials import mask_key
from ..textsafe import clean_line
from .commands import PaletteState
from .context import AppContext, Hooks, Reading
from .evaluate import Evaluator
from .fetching import SYNC_SECONDS, Fetcher
from .keys import MAIN_BINDINGS
from .messages import (
    ApiAccepted,
    ApiAnswered,
    ApiFailed,
    ApiRefused,
    ApiWaiting,
    InterviewChanged,
    RowsLoaded,
    ScreenReady,
    TrackedChanged,
)
from .outputs import Outputs
from .playback import Listening
from .reader import Reader
from .reviewing import Reviewing
from .tracking import Tracking
from .watch import FOCUS_POLL_SECONDS, WatchController, WatchOptions
from .widgets.footer import FittingFooter
from .widgets.interview_list import InterviewList
from .widgets.outline import QuestionOutline
from .widgets.panes import NARROW_WIDTH, WIDE_WIDTH, Panes
from .widgets.status_line import StatusLine, TopBar, host_of
from .widgets.transcript import TranscriptPane, TranscriptView, message_doc

if TYPE_CHECKING:
    from .screens.compare import CompareChoice
    from .screens.search import SearchChoice


class MainScreen(Screen[None]):
    """The three panes. Its bindings only apply here, not in modal dialogs.

    The app gives it the shared services (``ctx``); the app calls :meth:`show_key`,
    :meth:`show_refusal` and :meth:`load_finished`, and posts it :class:`ApiWaiting`."""

    BINDINGS = MAIN_BINDINGS

    def __init__(self, ctx: AppContext, watch: WatchOptions) -> None:
        super().__init__(id="main")
        self.ctx = ctx
        self.reading = reading = Reading()
        self.interview_list = lst = InterviewList(id="list", clock=ctx.now,
                                                         store=ctx.store)
        self.outline = QuestionOutline(id="outline")
        self.status_line = line = StatusLine(id="status", clock=ctx.now)
        pane = TranscriptPane(id="pane", clock=ctx.now)
        self.panes = Panes(lst, pane, self.outline, id="panes")
        self._top_bar = TopBar(id="topbar", markup=False)
        self._key_problem = ""  # the top bar's note on the key ("rejected")
        hooks = Hooks(post=self.post_message,
                      run_worker=lambda *a, **k: self.app.run_worker(*a, **k),
                      notify=self.notify, set_timer=self.set_timer,
                      set_interval=self.set_interval, call_later=self.call_later,
                      push_screen=lambda *a, **k: self.app.push_screen(*a, **k))

        def view() -> TranscriptView:
            return pane.view

        def focused() -> Widget | None:
            return self.app.focused

        def loading_current() -> bool:
            """The interview on screen is being fetched (or about to be: the cursor moved)."""
            if lst.table.current_id not in (None, reading.id):
                return True
            return any(w.group == "load" and w.state in (WorkerState.PENDING,
                                                         WorkerState.RUNNING)
                       for w in self.app.workers)

        def copy(text: str, what: str, report: Callable[[str], None]) -> None:
            from .clipboard import copy_text

            copy_text(self.app, text, what, report=report)

        self.watcher = WatchController(
            ctx, reading, hooks, watch, interview_list=lst, status_line=line,
            loading_current=loading_current, on_top=lambda: self.app.screen is self,
            bindings_changed=self.refresh_bindings, bell=lambda: self.app.bell())
        self.fetcher = Fetcher(ctx, reading, hooks, interview_list=lst, view=view,
                               outline=self.outline, status_line=line, watcher=self.watcher)
        self.outputs = Outputs(ctx, reading, hooks, interview_list=lst, view=view,
                               status_line=line, copy=copy)
        self.evaluator = Evaluator(ctx, reading, hooks, interview_list=lst, view=view,
                                   outline=self.outline, status_line=line, focused=focused)
        self.listening = Listening(ctx, reading, hooks, view=view, status_line=line)
        self.reviewing = Reviewing(ctx, reading, panes=self.panes,
                                   evaluation=self.evaluator.evaluation)
        self.tracking = Tracking(ctx, reading, hooks, interview_list=lst, status_line=line,
                                 watcher=self.watcher, evaluator=self.evaluator,
                                 outputs=self.outputs)
        self.reader = Reader(ctx, reading, hooks, interview_list=lst, pane=pane,
                             outline=self.outline, evaluator=self.evaluator,
                             reviewing=self.reviewing, fetcher=self.fetcher,
                             tracking=self.tracking, after_refresh=self.call_after_refresh,
                             cancel_load=lambda: self.app.workers.cancel_group(self.app, "load"))

    def compose(self) -> ComposeResult:
        yield self._top_bar
        yield self.panes
        yield self.status_line
        # The footer (a widget per key) is mounted after the first frame: start-up time.
        yield Lazy(FittingFooter(compact=True))

    @property
    def transcript(self) -> TranscriptView:
        return self.panes.pane.view

    def on_mount(self) -> None:
        """Composed: show it, then start loading (rows, key) after the first frame."""
        self.show_top_bar()
        self.transcript.set_document(message_doc(
            "No interview selected", ["Pick one on the left, or press a to add some."], "empty"))
        self.outline.show_message("Select an interview.")
        self.interview_list.table.focus()
        self.call_after_refresh(self.fetcher.load_rows)
        self.call_after_refresh(self.post_message, ScreenReady())  # the app looks for the key
        # Once each, as one toast: the store's and the config file's (the CLI printed those
        # on stderr too, but the full screen hides them).
        if self.ctx.store.warnings:
            self.notify("\n".join(self.ctx.store.warnings), severity="warning", markup=False,
                        timeout=10)
        problems = self.ctx.settings_problems
        if problems:
            self.notify("\n".join(clean_line(p) for p in problems), title="Settings ignored",
                        severity="warning", markup=False, timeout=15)
        self.set_interval(60, self.interview_list.redraw)  # "3m ago" moves on
        self.set_interval(FOCUS_POLL_SECONDS, self.watcher.poll_current)
        self.set_interval(5, self.watcher.refresh_stats)  # the sliding window moves on
        self.set_interval(SYNC_SECONDS, self.fetcher.sync_tracked)

    async def on_unmount(self) -> None:
        self.listening.stop(wait=True)  # a player must not outlive the app
        await self.watcher.close()  # the live session: polling, webhooks

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.set_class(width >= WIDE_WIDTH, "-wide")
        self.panes.resized(width)

    # -- what the app tells it -------------------------------------------------------------

    def show_top_bar(self) -> None:
        ctx = self.ctx
        self._top_bar.show(base_url=ctx.base_url, masked_key=mask_key(ctx.api_key),
                           demo=ctx.demo, key_problem=self._key_problem)
        self.status_line.update_connection(host=host_of(ctx.base_url))

    def show_refusal(self, problem: str, hint: str, key_problem: str, *,
                     hold: bool = False) -> None:
        """A lasting reason the API is not used ("key rejected (401)"; ``hold``: polling is
        held until the API answers again), or none (""): polling goes on."""
        self._key_problem = key_problem
        self.show_top_bar()
        self.status_line.update_connection(problem=problem, problem_hint=hint)
        if problem and hold:
            self.watcher.hold(problem)
        elif not problem:
            self.watcher.release()

    def show_key(self, has_key: bool) -> None:
        """Whether there is a usable key; a new one is used at once (fetch, watch)."""
        self.show_top_bar()
        self.status_line.update_connection(has_key=has_key)
        if not has_key:
            return
        if self.reading.id is not None:
            self.reader.open(self.reading.id)
        self.tracking.fetch_unfetched()
        if self.watcher.live is not None:  # a new key: the same session goes on with it
            self.watcher.start()

    def load_finished(self, *, failed: bool) -> None:
        """The worker loading the interview on screen is over (``failed``: with an error the
        app has reported): watching may start now."""
        self.watcher.load_finished()
        if failed and self.is_mounted:
            self.transcript.loading = False

    def on_api_waiting(self, message: ApiWaiting) -> None:
        self.status_line.show_wait(message.seconds, message.reason, message.at)

    # -- what the helpers send up ----------------------------------------------------------

    def on_api_answered(self, _message: ApiAnswered) -> None:
        api = self.ctx.api
        rate = api.rate if api is not None else None
        self.status_line.update_connection(
            online=True, offline_reason="", last_sync=self.ctx.now(),
            rate_limit=rate.limit if rate else None,
            rate_remaining=rate.remaining if rate else None)
        self.post_message(ApiAccepted())  # whatever the API refused before is over
        self.watcher.api_answered()  # an outage the poller is waiting out is over too
        self.watcher.refresh_stats()  # the poll budget follows the server's rate limit

    def on_api_failed(self, message: ApiFailed) -> None:
        exc = message.error
        api = self.ctx.api
        rate = api.rate if api is not None else None
        line = self.status_line
        line.update_connection(rate_limit=rate.limit if rate else None,
                               rate_remaining=rate.remaining if rate else None)
        if isinstance(exc, NetworkError):
            line.update_connection(online=False, offline_reason=exc.detail)
        elif isinstance(exc, ApiError):  # the API answered: online (but nothing synced)
            line.update_connection(online=True, offline_reason="")
        line.end_wait("backoff")  # no more retries for this one
        self.post_message(ApiRefused(exc))  # the app decides whether it is lasting

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        import gc

        self.interview_list.set_entries(message.entries)
        gc.freeze()  # the index lives as long as the app: full collections need not walk it
        self.tracking.fetch_unfetched()
        self.evaluator.update_count()

    def on_tracked_changed(self, message: TrackedChanged) -> None:
        self.tracking.changed_elsewhere(message.rows, message.gone)

    def on_interview_changed(self, message: InterviewChanged) -> None:
        """News about one interview: a loaded copy to show if it is still the one picked,
        else its row (and the transcript, unless ``row_only``) from the store."""
        if message.interview is not None:
            if message.interview.id == self.reading.id:
                self.reader.show(message.interview, message.questions, keep=True)
        elif message.row_only:
            self.tracking.refresh_row(message.interview_id)
        else:
            self.reader.updated(message.interview_id)

    # -- what the widgets send up ----------------------------------------------------------

    @on(InterviewList.Highlighted)
    def _highlighted(self, message: InterviewList.Highlighted) -> None:
        if message.interview_id is None:
            self.reader.clear()
        elif message.interview_id != self.reading.id:
            self.reader.open(message.interview_id)

    @on(InterviewList.Opened)
    def _opened(self, message: InterviewList.Opened) -> None:
        if message.interview_id != self.reading.id:
            self.reader.open(message.interview_id)
        self.panes.focus_reading()

    @on(QuestionOutline.Jump)
    def _jump(self, message: QuestionOutline.Jump) -> None:
        if message.response is None or not self.transcript.scroll_to_response(message.response):
            self.notify(f"Question {message.number} has not been answered.", markup=False,
                        timeout=3)

    # -- the keys (keys.MAIN) ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "watch":  # the footer shows Pause or Resume
            return self.watcher.paused == (parameters == ("resume",))
        panes = self.panes
        return panes.narrow and panes.detail if parameters[-1:] == ("narrow",) else True

    def action_go_to(self, target: str, _when: str = "") -> None:
        """`/`: the filter box (typed as text in a text box); Escape: back to the list."""
        focused = self.app.focused
        if target == "list":
            self.interview_list.table.focus()
        elif isinstance(focused, Input):  # the filter or the find box: "/" is text there
            focused.insert_text_at_cursor("/")
        else:
            self.interview_list.action_focus_filter()

    def action_pane(self, step: int) -> None:
        """Tab / shift+Tab: the next / previous pane on screen."""
        self.panes.cycle(step, self.app.focused)

    def action_toggle_outline(self) -> None:
        """`o`: show or hide the outline (while the review is shown: back to the transcript,
        which the outline goes with)."""
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        else:
            self.panes.toggle_outline(self.app.size.width)

    def action_list_status(self, which: str) -> None:
        lst = self.interview_list
        if which == "cycle":
            lst.action_cycle_status()
        else:
            lst.action_status_filter(int(which))

    def action_list_sort(self, field: str) -> None:
        """The palette's "Sort by …": the list has no action of its own for one field."""
        self.interview_list.set_sort(field)

    def action_add(self) -> None:
        self.tracking.ask()

    def action_untrack(self) -> None:
        self.tracking.ask_untrack()

    def action_refresh(self, which: str = "one") -> None:
        """`r`: fetch the selected interview again; `R`: every one that can still change (or,
        while the API refuses the key, ask it again). One that can still change while watching
        runs is handed to the poller (at once, within its budget), so a status change it finds
        is reported like any other."""
        if self.ctx.service is None:
            self.notify(self.ctx.why_no_api(), severity="warning", markup=False)
            return
        if which == "all":
            ids = self.watcher.watchable_ids()
            if self.ctx.refusal is not None:  # the key or subscription was refused
                self.fetcher.retry_refused(ids)
            elif ids:
                self.fetcher.refresh_many(ids)
            else:
                self.notify("Every tracked interview is completed or expired: nothing to "
                            "refresh.", markup=False)
            return
        iid = self.interview_list.table.current_id or self.reading.id
        if iid is None:
            return
        questions_missing = iid == self.reading.id and self.reading.questions is None
        if questions_missing or not self.watcher.check_now(iid,
                                                          self.ctx.store.cached_status(iid)):
            self.reader.open(iid, refresh=True)

    def action_search(self, where: str = "transcript") -> None:
        """ctrl+f: find in this transcript; ctrl+s: search every cached interview (a hit opens
        at its answer, the terms found)."""
        from .screens.search import SearchScreen

        if self.app.screen is not self:
            return
        if where == "all":
            self.app.push_screen(SearchScreen(self.ctx.store), self._chosen)
            return
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        self.panes.pane.open_search()

    def action_compare(self) -> None:
        """`m`: every tracked candidate's answer to one question: the question highlighted in
        the outline when the outline has the focus, else the current answer's."""
        from .screens.compare import CompareScreen, question_to_compare

        if self.app.screen is not self:
            return
        target = question_to_compare(self.reading.interview, self.reading.questions,
                                     self.outline, self.transcript.current_response)
        if target is None:
            self.notify("Nothing to compare: open an interview with answers (or pick a "
                        "question in the outline).", severity="warning", markup=False,
                        timeout=4)
            return
        self.app.push_screen(CompareScreen(self.ctx.store, *target), self._chosen)

    def _chosen(self, choice: SearchChoice | CompareChoice | None) -> None:
        """A search hit or a compared answer: open it there."""
        if choice is not None:
            self.reader.open_hit(choice.interview_id, choice.question_id,
                                 getattr(choice, "terms", ()))

    async def action_toggle_review(self) -> None:
        await self.reviewing.toggle()

    def action_evaluate(self, what: str) -> None:
        """`*` rate, `w` note, `+` shortlist, `u` the next new one."""
        self.evaluator.run(what)

    def action_watch(self, _which: str) -> None:
        """`p`: pause or resume watching (the footer names which)."""
        self.watcher.toggle()

    def action_copy(self, what: str) -> None:
        """`c`, `C`, `y`: the current answer, the interview (ATS format), its id."""
        self.outputs.copy(what)

    def action_export(self, which: str = "auto") -> None:
        """`e`: export the selected interview, or every shown one while a filter is on."""
        if self.app.screen is self:
            self.outputs.export(which)

    def action_archive_audio(self) -> None:
        if self.app.screen is self:
            self.outputs.archive_selected()

    def action_play(self) -> None:
        self.listening.toggle()

    # -- the command palette (commands.py makes its entries from the key table) -----------

    def palette_state(self) -> PaletteState:
        """What the command palette offers now."""
        from .widgets.interview_list import FILTER_NAMES, SORT_FIELDS, SORT_NAMES, STATUS_FILTERS

        _ids, export_title = self.outputs.export_targets()
        refusal = self.ctx.refusal
        return PaletteState(
            paused=self.watcher.paused, playing=self.listening.playing,
            export_title=export_title,
            refusal_detail=None if refusal is None else refusal.detail,
            has_service=self.ctx.service is not None,
            status_filters=tuple(FILTER_NAMES[s] for s in STATUS_FILTERS),
            sort_fields=tuple((f, SORT_NAMES[f]) for f in SORT_FIELDS))
