"""The main screen: the interview list, the transcript (or the review), the question outline,
the status line, and everything done to them.

Data flows one way: workers call the service (API + store) and hand results back to the screen;
widgets never touch the network. The workers run on the app, so its one
``on_worker_state_changed`` turns any failure into a notification; thread workers post their
results here as messages. Store reads are local and small (one row, one cached interview) and
stay on the UI thread, except loading every tracked row at start-up. Live watching (poller,
webhooks, status-change toasts) is :class:`~rztui.tui.watch.WatchController`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.content import Content
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.worker import WorkerState

from ..api.errors import ApiError, NetworkError
from ..api.models import COMPLETED, TERMINAL_STATUSES, Interview, QuestionSet
from ..credentials import mask_key
from ..formats import plural
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
    InterviewLoaded,
    LiveBuilt,
    PollerNews,
    RowsLoaded,
    ScreenReady,
    TrackedChanged,
)
from .outputs import Outputs
from .playback import Listening
from .reviewing import Reviewing
from .watch import FOCUS_POLL_SECONDS, StatusChange, WatchController, WatchOptions
from .widgets.interview_list import InterviewList
from .widgets.outline import QuestionOutline
from .widgets.panes import NARROW_WIDTH, WIDE_WIDTH, Panes
from .widgets.status_line import StatusLine, TopBar, host_of
from .widgets.transcript import (
    Document,
    TranscriptPane,
    TranscriptView,
    build_doc,
    message_doc,
)

if TYPE_CHECKING:
    from .screens.add import ParsedIds
    from .screens.compare import CompareChoice
    from .screens.search import SearchChoice

class MainScreen(Screen[None]):
    """The three panes. Its bindings only apply here, not in modal dialogs.

    The app gives it the shared services (``ctx``); it composes the widgets, hands the helpers
    below it what each needs (never the screen itself), and handles what they post up."""

    BINDINGS = MAIN_BINDINGS

    def __init__(self, ctx: AppContext, watch: WatchOptions) -> None:
        super().__init__(id="main")
        self.ctx = ctx
        self.reading = Reading()
        self.interview_list = InterviewList(id="list", clock=ctx.now)
        self.outline = QuestionOutline(id="outline")
        self.status_line = StatusLine(id="status", clock=ctx.now)
        self._pane = TranscriptPane(id="pane", clock=ctx.now)
        self.panes = Panes(self.interview_list, self._pane, self.outline, id="panes")
        self._top_bar = TopBar(id="topbar", markup=False)
        self._key_problem = ""  # the top bar's note on the key ("rejected")
        hooks = Hooks(post=self.post_message,
                      run_worker=lambda *a, **k: self.app.run_worker(*a, **k),
                      notify=self.notify, set_timer=self.set_timer,
                      set_interval=self.set_interval, call_later=self.call_later,
                      push_screen=lambda *a, **k: self.app.push_screen(*a, **k))
        reading, lst, line = self.reading, self.interview_list, self.status_line

        def view() -> TranscriptView:
            return self._pane.view

        def focused() -> Widget | None:
            return self.app.focused

        self.watcher = WatchController(
            ctx, reading, hooks, watch, interview_list=lst, status_line=line,
            loading_current=self.loading_current, on_top=lambda: self.app.screen is self,
            bindings_changed=self.refresh_bindings, bell=lambda: self.app.bell())
        self.fetcher = Fetcher(ctx, reading, hooks, interview_list=lst, view=view,
                               outline=self.outline, status_line=line, watcher=self.watcher)
        self.outputs = Outputs(ctx, reading, hooks, interview_list=lst, view=view,
                               status_line=line, copy=self._copy_text)
        self.evaluator = Evaluator(ctx, reading, hooks, interview_list=lst, view=view,
                                   outline=self.outline, status_line=line, focused=focused)
        self.listening = Listening(ctx, reading, hooks, view=view, status_line=line)
        self.reviewing = Reviewing(ctx, reading, panes=self.panes,
                                   evaluation=self.evaluator.evaluation)

    def compose(self) -> ComposeResult:
        yield self._top_bar
        yield self.panes
        yield self.status_line
        # The footer (a widget per key) is mounted after the first frame: start-up time.
        yield Lazy(Footer(compact=True))

    @property
    def transcript(self) -> TranscriptView:
        return self._pane.view

    def _copy_text(self, text: str, what: str, report: Callable[[str], None]) -> None:
        from .clipboard import copy_text

        copy_text(self.app, text, what, report=report)

    def on_mount(self) -> None:
        """Composed: show it, then start loading (rows, key) after the first frame."""
        self.show_top_bar()
        self.transcript.set_document(message_doc(
            "No interview selected", ["Pick one on the left, or press a to add some."], "empty"))
        self.outline.show_message("Select an interview.")
        self.interview_list.table.focus()
        self.call_after_refresh(self._start_background)
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

    def _start_background(self) -> None:
        self.fetcher.load_rows()
        self.post_message(ScreenReady())  # the app looks for the key

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.set_class(width >= WIDE_WIDTH, "-wide")
        self.panes.resized(width)

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
            self.open_interview(self.reading.id)
        self.fetcher.fetch_unfetched()
        if self.watcher.live is not None:  # a new key: the same session goes on with it
            self.watcher.start()

    def on_api_waiting(self, message: ApiWaiting) -> None:
        self.status_line.show_wait(message.seconds, message.reason, message.at)

    # -- what the API said -----------------------------------------------------------------

    def _rate_fields(self) -> dict[str, int | None]:
        api = self.ctx.api
        rate = api.rate if api is not None else None
        return {"rate_limit": rate.limit if rate else None,
                "rate_remaining": rate.remaining if rate else None}

    def on_api_answered(self, _message: ApiAnswered | None = None) -> None:
        self.status_line.update_connection(online=True, offline_reason="",
                                           last_sync=self.ctx.now(), **self._rate_fields())
        self.post_message(ApiAccepted())  # whatever the API refused before is over
        self.watcher.api_answered()  # an outage the poller is waiting out is over too
        self.watcher.refresh_stats()  # the poll budget follows the server's rate limit

    def on_api_failed(self, message: ApiFailed) -> None:
        exc = message.error
        line = self.status_line
        if isinstance(exc, NetworkError):
            line.update_connection(online=False, offline_reason=exc.detail,
                                   **self._rate_fields())
        elif isinstance(exc, ApiError):  # the API answered: online (but nothing synced)
            line.update_connection(online=True, offline_reason="", **self._rate_fields())
        else:
            line.update_connection(**self._rate_fields())
        line.end_wait("backoff")  # no more retries for this one
        self.post_message(ApiRefused(exc))  # the app decides whether it is lasting

    # -- rows ------------------------------------------------------------------------------

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        import gc

        self.interview_list.set_entries(message.entries)
        gc.freeze()  # the index lives as long as the app: full collections need not walk it
        self.fetcher.fetch_unfetched()
        self.evaluator.update_count()

    async def on_unmount(self) -> None:
        self.listening.stop(wait=True)  # a player must not outlive the app
        await self.watcher.close()  # the live session: polling, webhooks

    def load_finished(self, *, failed: bool) -> None:
        """The worker loading the interview on screen is over (``failed``: with an error the
        app has reported): watching may start now."""
        self.watcher.load_finished()
        if failed and self.is_mounted:
            self.transcript.loading = False
    def refresh_row(self, interview_id: str) -> None:
        """Update one row from the store. A status the list showed that changed is announced
        here, whoever fetched it (poller, r, R, opening it): once, however many saw it."""
        lst = self.interview_list
        before = lst.entries.get(interview_id)
        old = before.row.status if before is not None else None
        lst.refresh_row(interview_id)
        after = lst.entries.get(interview_id)
        self.evaluator.update_count()
        if not lst.loaded or after is None or after.row.status in (None, old):
            return
        if before is not None and old is None:
            return  # fetched for the first time: nothing changed
        new = after.row.status
        self.watcher.announce(StatusChange(interview_id, old, new, after.row.candidate_name,
                                           after.row.job_title))
        if new == COMPLETED and old is not None and self.ctx.settings.auto_archive \
                and self.ctx.service is not None:
            self.outputs.archive_audio(interview_id, auto=True)

    def interview_updated(self, interview_id: str) -> None:
        """The store has news about this interview (poller, bulk refresh): update the row, and
        the transcript if it is the one on screen (the reader's scroll position stays)."""
        self.refresh_row(interview_id)
        if interview_id == self.reading.id:
            store = self.ctx.store
            cached = store.get_interview(interview_id)
            if cached is not None:
                self.show_interview(cached, store.get_questions(interview_id), keep=True)

    def on_interview_changed(self, message: InterviewChanged) -> None:
        if message.row_only:
            self.refresh_row(message.interview_id)
        else:
            self.interview_updated(message.interview_id)

    def on_interview_loaded(self, message: InterviewLoaded) -> None:
        if message.interview.id == self.reading.id:
            self.show_interview(message.interview, message.questions, keep=True)

    def on_tracked_changed(self, message: TrackedChanged) -> None:
        lst = self.interview_list
        gone = {i for i in message.gone if not self.ctx.store.is_tracked(i)}  # still so, here
        rows = [r for r in message.rows if r.id not in lst.entries]
        if gone:
            lst.remove_ids(gone)
        if rows:
            lst.add_rows(rows)
        self.watcher.change_ids(add=(r.id for r in rows if r.status not in TERMINAL_STATUSES),
                                remove=gone)

    # -- live watching: what arrives for the watcher ---------------------------------------

    def on_live_built(self, message: LiveBuilt) -> None:
        self.watcher.live_built(message.live)

    def on_poller_news(self, message: PollerNews) -> None:
        self.watcher.news(message.news)

    def action_pause_watch(self) -> None:
        self.watcher.toggle()

    def action_resume_watch(self) -> None:
        self.watcher.toggle()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pause_watch":
            return not self.watcher.paused
        if action == "resume_watch":
            return self.watcher.paused
        panes = self.panes
        return panes.narrow and panes.detail if parameters == ("narrow",) else True

    # -- showing an interview --------------------------------------------------------------

    @on(InterviewList.Highlighted)
    def _highlighted(self, message: InterviewList.Highlighted) -> None:
        if message.interview_id is None:
            self.reading.id = None
            self.reading.interview = None
            self.reading.questions = None
            self.app.workers.cancel_group(self.app, "load")
            self.transcript.loading = False
            self.transcript.set_document(message_doc(
                "No interview selected", ["Nothing is shown in the list."], "empty"))
            self.outline.show_message("Select an interview.")
            self.reviewing.update()
            return
        if message.interview_id != self.reading.id:
            self.open_interview(message.interview_id)

    @on(InterviewList.Opened)
    def _opened(self, message: InterviewList.Opened) -> None:
        if message.interview_id != self.reading.id:
            self.open_interview(message.interview_id)
        self.panes.focus_reading()

    def open_interview(self, interview_id: str, *, refresh: bool = False) -> None:
        """Show the cached copy at once, then fetch what is missing or may have changed."""
        reading = self.reading
        reading.id = interview_id
        store = self.ctx.store
        cached = store.get_interview(interview_id)
        questions = store.get_questions(interview_id)
        keep = refresh and reading.interview is not None \
            and reading.interview.id == interview_id
        reading.interview = cached
        reading.questions = questions
        if cached is not None:
            self.show_interview(cached, questions, keep=keep)
        else:
            self.transcript.set_document(message_doc(
                "Loading…", [f"Fetching interview {interview_id}"], "loading",
                interview_id=interview_id))
            self.outline.show_message("Loading…", interview_id)
            self.reviewing.update()
        fetch = refresh or cached is None or cached.status not in TERMINAL_STATUSES
        self.transcript.loading = cached is None and self.ctx.service is not None
        self.fetcher.load_interview(interview_id, have_cached=cached is not None, fetch=fetch,
                                    refresh=refresh, fetch_questions=refresh or questions is None)

    def loading_current(self) -> bool:
        """The interview on screen is being fetched (or about to be: the cursor has moved)."""
        if self.interview_list.table.current_id not in (None, self.reading.id):
            return True
        return any(w.group == "load" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.app.workers)

    def show_interview(self, interview: Interview, questions: QuestionSet | None, *,
                       keep: bool = False) -> None:
        self.reading.interview = interview
        self.reading.questions = questions
        doc: Document = build_doc(interview, questions, self.ctx.now(),
                                  self.evaluator.evaluation(interview.id))
        self.transcript.set_document(doc, keep_position=keep)
        self.evaluator.shown(interview)
        if questions is not None:
            self.outline.show_questions(questions, interview)
        else:
            self.outline.show_message(self.fetcher.questions_note(interview.id), interview.id)
        self.reviewing.update()

    # -- actions: list ---------------------------------------------------------------------

    def action_add(self) -> None:
        from .screens.add import AddScreen

        self.app.push_screen(AddScreen(), self._added)

    def _added(self, result: ParsedIds | None) -> None:
        """The dialog listed the tokens that are not valid ids: they are skipped (and said
        once more in the status line, with what is tracked)."""
        if result is None:
            return
        skipped = f"{plural(len(result.errors), 'token')} not valid, skipped" \
            if result.errors else ""
        if result.ids:
            self.track_ids(result.ids, also=skipped)
        elif skipped:
            self.status_line.flash(f"nothing added: {skipped}", seconds=5)

    def track_ids(self, ids: list[str], also: str = "") -> None:
        """Track ``ids`` and fetch the new ones; says so in the status line (``also``: more
        to say there). Ids the API does not know are dropped by the fetch, with a toast."""
        store = self.ctx.store
        new = store.track(ids)
        already = len(ids) - len(new)
        rows = [r for r in (store.row(i) for i in new) if r is not None]
        self.interview_list.add_rows(rows)
        note = f"tracking {plural(len(new), 'new interview')}"
        if already:
            note += f" ({already} already tracked)"
        if also:
            note += f" · {also}"
        self.status_line.flash(note, seconds=5)
        if new:
            self.fetcher.fetch_new(new)

    def action_untrack(self) -> None:
        from .screens.confirm import ConfirmScreen

        iid = self.interview_list.table.current_id
        if iid is None:
            return
        entry = self.interview_list.entries.get(iid)
        name = clean_line(entry.row.candidate_name if entry else "") or "this interview"
        body = Content.assemble(
            "Stop tracking ", (name, "bold"), f" ({clean_line(iid)})?\n",
            "Its cached transcript and questions are deleted from this computer.",
        )
        self.app.push_screen(ConfirmScreen("Remove interview", body, yes="Remove"),
                             partial(self._untrack_answered, iid))

    def _untrack_answered(self, iid: str, yes: bool | None) -> None:
        if yes:
            self.ctx.store.untrack([iid])
            self.interview_list.remove_ids([iid])
            self.watcher.change_ids(remove=[iid])
            self.notify(f"Stopped tracking {iid}", markup=False)

    def action_refresh(self) -> None:
        """`r`: fetch the selected interview again. One that can still change while watching
        is running is handed to the poller (fetched at once, within its budget), so a status
        change it finds is reported like any other; the rest are fetched here."""
        iid = self.interview_list.table.current_id or self.reading.id
        if iid is None:
            return
        if self.ctx.service is None:
            self.notify(self.ctx.why_no_api(), severity="warning", markup=False)
            return
        questions_missing = iid == self.reading.id and self.reading.questions is None
        if questions_missing or not self.watcher.check_now(iid,
                                                          self.ctx.store.cached_status(iid)):
            self.open_interview(iid, refresh=True)

    def action_refresh_all(self) -> None:
        if self.ctx.service is None:
            self.notify(self.ctx.why_no_api(), severity="warning", markup=False)
            return
        if self.ctx.refusal is not None:  # the key or subscription was refused: ask again
            self.fetcher.retry_refused(self.watcher.watchable_ids())
            return
        ids = self.watcher.watchable_ids()
        if not ids:
            self.notify("Every tracked interview is completed or expired: nothing to refresh.",
                        markup=False)
            return
        self.fetcher.refresh_many(ids)

    # -- actions: panes --------------------------------------------------------------------

    def action_toggle_outline(self) -> None:
        """`o`: show or hide the outline (while the review is shown: back to the transcript,
        which the outline goes with)."""
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        else:
            self.panes.toggle_outline(self.app.size.width)

    def action_focus_filter(self) -> None:
        focused = self.app.focused
        if isinstance(focused, Input):  # the filter or the find box: "/" is text there
            focused.insert_text_at_cursor("/")
            return
        self.interview_list.action_focus_filter()

    def action_pane(self, step: int) -> None:
        """Tab / shift+Tab: the next / previous pane on screen."""
        self.panes.cycle(step, self.app.focused)

    def action_list_status(self, which: str) -> None:
        lst = self.interview_list
        if which == "cycle":
            lst.action_cycle_status()
        else:
            lst.action_status_filter(int(which))

    def action_focus_list(self, _narrow: str = "") -> None:
        """Escape in the transcript, the review or the outline: back to the list."""
        self.interview_list.table.focus()

    def action_search(self) -> None:
        if self.app.screen is not self:
            return
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        self.query_one(TranscriptPane).open_search()

    @on(QuestionOutline.Jump)
    def _jump(self, message: QuestionOutline.Jump) -> None:
        if message.response is None or not self.transcript.scroll_to_response(message.response):
            self.notify(f"Question {message.number} has not been answered.", markup=False,
                        timeout=3)

    # -- actions: search all, compare -----------------------------------------------------

    def action_global_search(self) -> None:
        """ctrl+s: search every cached interview; a hit opens at its answer, terms found."""
        from .screens.search import SearchScreen

        if self.app.screen is not self:
            return
        self.app.push_screen(SearchScreen(self.ctx.store), self._search_chosen)

    def _search_chosen(self, choice: SearchChoice | None) -> None:
        if choice is not None:
            self.open_hit(choice.interview_id, choice.question_id, choice.terms)

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
        self.app.push_screen(CompareScreen(self.ctx.store, *target), self._compare_chosen)

    def _compare_chosen(self, choice: CompareChoice | None) -> None:
        if choice is not None:
            self.open_hit(choice.interview_id, choice.question_id)

    def open_hit(self, interview_id: str, question_id: str,
                 terms: Sequence[str] = ()) -> None:
        """Show ``interview_id`` (clearing list filters that hide it) at its answer to
        ``question_id``, with ``terms[0]`` found in the transcript (n/N for the next)."""
        if not self.interview_list.show_id(interview_id):
            self.notify("That interview is no longer tracked.", severity="warning",
                        markup=False, timeout=4)
            return
        if self.reading.id != interview_id:
            self.open_interview(interview_id)
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        self.call_after_refresh(self._go_to_answer, interview_id, question_id, tuple(terms))

    def _go_to_answer(self, interview_id: str, question_id: str, terms: tuple[str, ...]) -> None:
        from ..answers.search import answer_index

        if self.reading.id != interview_id:
            return
        interview = self.reading.interview
        index = answer_index(interview, question_id) if interview is not None else None
        view = self.transcript
        if index is not None:
            view.scroll_to_response(index)
        pane = self.query_one(TranscriptPane)
        if terms:
            pane.find(terms[0], in_response=index)
        else:
            pane.clear_find()
            view.focus()

    # -- actions: review (tui/reviewing.py) -------------------------------------------------

    async def action_toggle_review(self) -> None:
        await self.reviewing.toggle()

    # -- actions: copy, export, archive ----------------------------------------------------

    def action_copy(self, what: str) -> None:
        """`c`, `C`, `y`: the current answer, the interview (ATS format), its id."""
        self.outputs.copy(what)

    def action_export(self, which: str = "auto") -> None:
        """`e`: export the selected interview, or every shown one while a filter is on."""
        if self.app.screen is self:
            self.outputs.export(which)

    def action_rate(self) -> None:
        self.evaluator.rate()

    def action_note(self) -> None:
        self.evaluator.note()

    def action_shortlist(self) -> None:
        self.evaluator.toggle_shortlist()

    def action_next_new(self) -> None:
        self.evaluator.next_new()

    def action_play(self) -> None:
        self.listening.toggle()

    def action_archive_audio(self) -> None:
        if self.app.screen is self:
            self.outputs.archive_selected()

    # -- the command palette (commands.py makes its entries from the key table) -----------

    def action_list_sort(self, field: str) -> None:
        """The palette's "Sort by …": the list has no action of its own for one field."""
        self.interview_list.set_sort(field)

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
