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
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.worker import WorkerState

from ..api.errors import ApiError, NetworkError, RZError
from ..api.models import COMPLETED, TERMINAL_STATUSES, Interview, QuestionSet
from ..credentials import mask_key
from ..formats import plural
from ..textsafe import clean_line
from .evaluate import Evaluator
from .fetching import SYNC_SECONDS, Fetcher
from .keys import MAIN_BINDINGS
from .messages import LiveBuilt, PollerNews, RowsLoaded, TrackedChanged
from .outputs import Outputs
from .playback import Listening
from .reviewing import Reviewing
from .watch import FOCUS_POLL_SECONDS, StatusChange, WatchController, WatchOptions
from .widgets.interview_list import InterviewList
from .widgets.outline import QuestionOutline
from .widgets.status_line import Connection, StatusLine, TopBar, host_of
from .widgets.transcript import (
    Document,
    TranscriptPane,
    TranscriptView,
    build_doc,
    message_doc,
)

if TYPE_CHECKING:
    from .app import RZApp
    from .screens.add import ParsedIds
    from .screens.compare import CompareChoice
    from .screens.search import SearchChoice

OUTLINE_MIN_WIDTH = 120  # below this the outline hides itself (`o` still shows it)
# Below this, one pane at a time: the list fills the screen, Enter opens the transcript in its
# place, Escape goes back (the screen has the class ``-narrow``; ``-detail`` while the
# transcript side is shown).
NARROW_WIDTH = 90
# From this width the transcript keeps a reading width (~100 columns of text) and the list
# takes the rest (the screen has the class ``-wide``): list 64 + transcript 96 + outline 30.
WIDE_WIDTH = 190


class MainScreen(Screen[None]):
    """The three panes. Its bindings only apply here, not in modal dialogs."""

    BINDINGS = MAIN_BINDINGS

    def __init__(self, clock: Callable[[], datetime], watch: WatchOptions) -> None:
        super().__init__(id="main")
        self._clock = clock
        self.watcher = WatchController(self, watch)
        self.fetcher = Fetcher(self)
        self.outputs = Outputs(self)
        self.evaluator = Evaluator(self)
        self.listening = Listening(self)
        self.current_id: str | None = None
        self.current_interview: Interview | None = None
        self.current_questions: QuestionSet | None = None
        self.reviewing = Reviewing(self)
        self._outline_forced: bool | None = None  # None: automatic by width
        self._outline_forced_when_wide = True
        self._outline_wanted = True  # by width or `o`; shown only with the transcript
        self.narrow = False  # one pane at a time (below NARROW_WIDTH)
        self.detail = False  # narrow: the transcript (or review) side is shown, not the list
        self._key_problem = ""  # the top bar's note on the key ("rejected")

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar", markup=False)
        with Horizontal(id="panes"):
            yield InterviewList(id="list", clock=self._clock)
            yield TranscriptPane(id="pane", clock=self._clock)
            yield QuestionOutline(id="outline")
        yield StatusLine(id="status", clock=self._clock)
        # The footer (a widget per key) is mounted after the first frame: start-up time.
        yield Lazy(Footer(compact=True))

    @property
    def rz(self) -> RZApp:
        return cast("RZApp", self.app)

    @property
    def interview_list(self) -> InterviewList:
        return self.query_one(InterviewList)

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def outline(self) -> QuestionOutline:
        return self.query_one(QuestionOutline)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one(StatusLine)

    def cursor_id(self) -> str | None:
        """The interview under the list's cursor (it may not be open yet)."""
        return self.interview_list.table.current_id

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
        if self.rz.store.warnings:
            self.notify("\n".join(self.rz.store.warnings), severity="warning", markup=False,
                        timeout=10)
        problems = self.rz.settings_problems()
        if problems:
            self.notify("\n".join(clean_line(p) for p in problems), title="Settings ignored",
                        severity="warning", markup=False, timeout=15)
        self.set_interval(60, self.interview_list.redraw)  # "3m ago" moves on
        self.set_interval(FOCUS_POLL_SECONDS, self.watcher.poll_current)
        self.set_interval(5, self.watcher.refresh_stats)  # the sliding window moves on
        self.set_interval(SYNC_SECONDS, self.fetcher.sync_tracked)

    def _start_background(self) -> None:
        self.fetcher.load_rows()
        self.rz.start_key()

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.narrow = width < NARROW_WIDTH
        self.set_class(self.narrow, "-narrow")
        self.set_class(width >= WIDE_WIDTH, "-wide")
        self._apply_outline_visibility(width)

    def show_top_bar(self) -> None:
        app = self.rz
        self.query_one(TopBar).show(base_url=app.base_url, masked_key=mask_key(app.api_key),
                                    demo=app.demo, key_problem=self._key_problem)
        self.set_connection(replace(self.status_line.state.connection,
                                    host=host_of(app.base_url)))

    def show_refusal(self, problem: str, hint: str, key_problem: str) -> None:
        """A lasting reason the API is not used ("key rejected (401)"), or none ("")."""
        self._key_problem = key_problem
        self.show_top_bar()
        self.set_connection(replace(self.status_line.state.connection, problem=problem,
                                    problem_hint=hint))

    def show_no_key(self) -> None:
        self.set_connection(replace(self.status_line.state.connection, has_key=False))

    def key_changed(self) -> None:
        """The app has a client for a new key: show it, and fetch with it."""
        self.show_top_bar()
        self.set_connection(replace(self.status_line.state.connection, has_key=True))
        if self.current_id is not None:
            self.open_interview(self.current_id)
        self.fetcher.fetch_unfetched()
        if self.watcher.live is not None:  # a new key: the same session goes on with it
            self.watcher.start()

    # -- status line -----------------------------------------------------------------------

    def set_connection(self, connection: Connection) -> None:
        line = self.status_line
        line.set_state(replace(line.state, connection=connection))

    def set_activity(self, text: str) -> None:
        line = self.status_line
        line.set_state(replace(line.state, activity=text))

    def api_ok(self) -> None:
        api = self.rz.api
        rate = api.rate if api is not None else None
        self.set_connection(replace(
            self.status_line.state.connection, online=True, offline_reason="",
            last_sync=self.rz.now(), rate_limit=rate.limit if rate else None,
            rate_remaining=rate.remaining if rate else None))
        self.rz.key_works()  # whatever the API refused before is over
        self.watcher.api_answered()  # an outage the poller is waiting out is over too
        self.watcher.refresh_stats()  # the poll budget follows the server's rate limit

    def api_failed(self, exc: RZError) -> None:
        api = self.rz.api
        rate = api.rate if api is not None else None
        connection = replace(self.status_line.state.connection,
                             rate_limit=rate.limit if rate else None,
                             rate_remaining=rate.remaining if rate else None)
        if isinstance(exc, NetworkError):
            connection = replace(connection, online=False, offline_reason=exc.detail)
        elif isinstance(exc, ApiError):  # the API answered: online (but nothing synced)
            connection = replace(connection, online=True, offline_reason="")
        self.set_connection(connection)
        self.status_line.end_wait("backoff")  # no more retries for this one
        self.rz.key_refused(exc)

    # -- rows ------------------------------------------------------------------------------

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        import gc

        self.interview_list.set_entries(message.entries)
        gc.freeze()  # the index lives as long as the app: full collections need not walk it
        self.fetcher.fetch_unfetched()
        self.evaluator.update_count()

    def on_unmount(self) -> None:
        self.listening.stop(wait=True)  # a player must not outlive the app

    def show_playing(self, text: str | None) -> None:
        line = self.status_line
        line.set_state(replace(line.state, playing=text or ""))

    def show_new_count(self, count: int) -> None:
        line = self.status_line
        if line.state.new != count:
            line.set_state(replace(line.state, new=count))

    def watchable_ids(self) -> list[str]:
        """Tracked ids that can still change, from the list's rows (no parsing)."""
        return self.interview_list.index.ids_with_status(TERMINAL_STATUSES, among=False)

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
        if new == COMPLETED and old is not None and self.rz.settings.auto_archive \
                and self.rz.service is not None:
            self.outputs.archive_audio(interview_id, auto=True)

    def interview_updated(self, interview_id: str) -> None:
        """The store has news about this interview (poller, bulk refresh): update the row, and
        the transcript if it is the one on screen (the reader's scroll position stays)."""
        self.refresh_row(interview_id)
        if interview_id == self.current_id:
            store = self.rz.store
            cached = store.get_interview(interview_id)
            if cached is not None:
                self.show_interview(cached, store.get_questions(interview_id), keep=True)

    def on_tracked_changed(self, message: TrackedChanged) -> None:
        lst = self.interview_list
        gone = {i for i in message.gone if not self.rz.store.is_tracked(i)}  # still so, here
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
        return self.narrow and self.detail if parameters == ("narrow",) else True

    # -- showing an interview --------------------------------------------------------------

    @on(InterviewList.Highlighted)
    def _highlighted(self, message: InterviewList.Highlighted) -> None:
        if message.interview_id is None:
            self.current_id = None
            self.current_interview = None
            self.current_questions = None
            self.rz.workers.cancel_group(self.rz, "load")
            self.transcript.loading = False
            self.transcript.set_document(message_doc(
                "No interview selected", ["Nothing is shown in the list."], "empty"))
            self.outline.show_message("Select an interview.")
            self.reviewing.update()
            return
        if message.interview_id != self.current_id:
            self.open_interview(message.interview_id)

    @on(InterviewList.Opened)
    def _opened(self, message: InterviewList.Opened) -> None:
        if message.interview_id != self.current_id:
            self.open_interview(message.interview_id)
        self._focus_reading()

    def _focus_reading(self) -> None:
        """The transcript, or the review while it is shown in its place."""
        from .widgets.review_panel import ReviewPanel

        panels = self.query(ReviewPanel)
        if self.review_mode and panels:
            panels.first().focus()
        else:
            self.transcript.focus()

    def open_interview(self, interview_id: str, *, refresh: bool = False) -> None:
        """Show the cached copy at once, then fetch what is missing or may have changed."""
        self.current_id = interview_id
        store = self.rz.store
        cached = store.get_interview(interview_id)
        questions = store.get_questions(interview_id)
        keep = refresh and self.current_interview is not None \
            and self.current_interview.id == interview_id
        self.current_interview = cached
        self.current_questions = questions
        if cached is not None:
            self.show_interview(cached, questions, keep=keep)
        else:
            self.transcript.set_document(message_doc(
                "Loading…", [f"Fetching interview {interview_id}"], "loading",
                interview_id=interview_id))
            self.outline.show_message("Loading…", interview_id)
            self.reviewing.update()
        fetch = refresh or cached is None or cached.status not in TERMINAL_STATUSES
        self.transcript.loading = cached is None and self.rz.service is not None
        self.fetcher.load_interview(interview_id, have_cached=cached is not None, fetch=fetch,
                                    refresh=refresh, fetch_questions=refresh or questions is None)

    def loading_current(self) -> bool:
        """The interview on screen is being fetched (or about to be: the cursor has moved)."""
        if self.cursor_id() not in (None, self.current_id):
            return True
        return any(w.group == "load" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.rz.workers)

    def show_interview(self, interview: Interview, questions: QuestionSet | None, *,
                       keep: bool = False) -> None:
        self.current_interview = interview
        self.current_questions = questions
        doc: Document = build_doc(interview, questions, self.rz.now(),
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
        store = self.rz.store
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

        iid = self.cursor_id()
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
            self.rz.store.untrack([iid])
            self.interview_list.remove_ids([iid])
            self.watcher.change_ids(remove=[iid])
            self.notify(f"Stopped tracking {iid}", markup=False)

    def action_refresh(self) -> None:
        """`r`: fetch the selected interview again. One that can still change while watching
        is running is handed to the poller (fetched at once, within its budget), so a status
        change it finds is reported like any other; the rest are fetched here."""
        iid = self.cursor_id() or self.current_id
        if iid is None:
            return
        if self.rz.service is None:
            self.notify(self.rz.why_no_api(), severity="warning", markup=False)
            return
        questions_missing = iid == self.current_id and self.current_questions is None
        if questions_missing or not self.watcher.check_now(iid,
                                                          self.rz.store.cached_status(iid)):
            self.open_interview(iid, refresh=True)

    def action_refresh_all(self) -> None:
        if self.rz.service is None:
            self.notify(self.rz.why_no_api(), severity="warning", markup=False)
            return
        if self.rz.refusal is not None:  # the key or subscription was refused: ask again
            self.fetcher.retry_refused(self.watchable_ids())
            return
        ids = self.watchable_ids()
        if not ids:
            self.notify("Every tracked interview is completed or expired: nothing to refresh.",
                        markup=False)
            return
        self.fetcher.refresh_many(ids)

    # -- actions: panes --------------------------------------------------------------------

    def _apply_outline_visibility(self, width: int) -> None:
        wide = width >= OUTLINE_MIN_WIDTH
        if self._outline_forced is not None and self._outline_forced_when_wide != wide:
            self._outline_forced = None  # crossing the threshold goes back to automatic
        self._outline_wanted = wide if self._outline_forced is None else self._outline_forced
        self._apply_layout()

    def _apply_layout(self) -> None:
        """Which panes are shown: the list and the transcript (or the review) side by side,
        or, when narrow, one of them; the outline with the transcript when wanted."""
        from .widgets.review_panel import ReviewPanel

        both = not self.narrow
        show_list = both or not self.detail
        show_right = both or self.detail
        self.interview_list.display = show_list
        self.query_one(TranscriptPane).display = show_right and not self.review_mode
        for panel in self.query(ReviewPanel):
            panel.display = show_right and self.review_mode
        # The review has a row per question already, and needs the width.
        self.outline.display = show_right and self._outline_wanted and not self.review_mode

    def _show_detail(self, on: bool) -> None:
        if self.detail != on:
            self.detail = on
            self._apply_layout()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Narrow: the focus says which pane is shown (Enter, Tab, ctrl+f and opening a
        search hit focus the transcript side; Escape, `/` and Tab back focus the list)."""
        if self.narrow:
            self._show_detail(self.interview_list not in event.widget.ancestors_with_self)

    def action_toggle_outline(self) -> None:
        """`o`: show or hide the outline; sticks until the width crosses the threshold."""
        if self.review_mode:  # the outline is hidden while the review is shown
            self.reviewing.set_mode(False)
            return
        self._outline_forced = not self._outline_wanted
        self._outline_forced_when_wide = self.app.size.width >= OUTLINE_MIN_WIDTH
        self._outline_wanted = self._outline_forced
        if self.narrow and self._outline_wanted and not self.detail:
            self.transcript.focus()  # the outline goes with the transcript
        self._apply_layout()

    def action_focus_filter(self) -> None:
        focused = self.app.focused
        if isinstance(focused, Input):  # the filter or the find box: "/" is text there
            focused.insert_text_at_cursor("/")
            return
        self.interview_list.action_focus_filter()

    def _panes(self) -> list[Widget]:
        """The focus targets Tab cycles through, in order: the ones on screen."""
        from .widgets.review_panel import ReviewPanel

        panes: list[Widget] = [self.interview_list.table]
        if self.review_mode:
            panes.extend(self.query(ReviewPanel))
        else:
            panes.append(self.transcript)
        if self.outline.display:
            panes.append(self.outline.options)
        return [p for p in panes if p.display and p.can_focus]

    def _cycle_pane(self, step: int) -> None:
        panes = self._panes()
        focused = self.app.focused
        at = 0
        if focused is not None:
            for i, pane in enumerate(panes):
                if pane in focused.ancestors_with_self:
                    at = i
                    break
            else:  # the filter box belongs to the list
                if self.interview_list in focused.ancestors_with_self:
                    at = 0
        panes[(at + step) % len(panes)].focus()

    def action_next_pane(self) -> None:
        self._cycle_pane(1)

    def action_previous_pane(self) -> None:
        self._cycle_pane(-1)

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
        if self.review_mode:
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
        self.app.push_screen(SearchScreen(self.rz.store), self._search_chosen)

    def _search_chosen(self, choice: SearchChoice | None) -> None:
        if choice is not None:
            self.open_hit(choice.interview_id, choice.question_id, choice.terms)

    def action_compare(self) -> None:
        """`m`: every tracked candidate's answer to one question: the question highlighted in
        the outline when the outline has the focus, else the current answer's."""
        from .screens.compare import CompareScreen, question_to_compare

        if self.app.screen is not self:
            return
        target = question_to_compare(self.current_interview, self.current_questions,
                                     self.outline, self.transcript.current_response)
        if target is None:
            self.notify("Nothing to compare: open an interview with answers (or pick a "
                        "question in the outline).", severity="warning", markup=False,
                        timeout=4)
            return
        self.app.push_screen(CompareScreen(self.rz.store, *target), self._compare_chosen)

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
        if self.current_id != interview_id:
            self.open_interview(interview_id)
        if self.review_mode:
            self.reviewing.set_mode(False)
        self.call_after_refresh(self._go_to_answer, interview_id, question_id, tuple(terms))

    def _go_to_answer(self, interview_id: str, question_id: str, terms: tuple[str, ...]) -> None:
        from ..answers.search import answer_index

        if self.current_id != interview_id:
            return
        interview = self.current_interview
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

    @property
    def review_mode(self) -> bool:
        return self.reviewing.on

    async def action_toggle_review(self) -> None:
        await self.reviewing.toggle()

    # -- actions: copy, export, archive ----------------------------------------------------

    def shown_ids(self) -> list[str]:
        """The ids the list shows, in its order."""
        return list(self.interview_list.table.visible_ids)

    def action_copy_answer(self) -> None:
        self.outputs.copy_answer()

    def action_copy_interview(self) -> None:
        self.outputs.copy_interview()

    def action_copy_id(self) -> None:
        self.outputs.copy_id()

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
