"""The interview the main screen shows: opening one (the cached copy at once, then what is
missing or may have changed), showing it in the transcript, the outline and the review, and
going to one answer (a search hit, a compared answer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..api.models import TERMINAL_STATUSES, Interview, QuestionSet
from .widgets.transcript_doc import build_doc, cannot_show_text, message_doc

if TYPE_CHECKING:
    from .context import AppContext, Hooks, Reading
    from .evaluate import Evaluator
    from .fetching import Fetcher
    from .reviewing import Reviewing
    from .tracking import Tracking
    from .widgets.interview_list import InterviewList
    from .widgets.outline import QuestionOutline
    from .widgets.transcript import TranscriptPane


class Reader:
    """``after_refresh(callback, *args)``: call once the screen has drawn what is pending
    (scrolling to an answer needs the transcript laid out); ``cancel_load``: stop fetching the
    interview that was shown."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 interview_list: InterviewList, pane: TranscriptPane,
                 outline: QuestionOutline, evaluator: Evaluator, reviewing: Reviewing,
                 fetcher: Fetcher, tracking: Tracking,
                 after_refresh: Callable[..., object], cancel_load: Callable[[], object]) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self.pane = pane
        self.outline = outline
        self.evaluator = evaluator
        self.reviewing = reviewing
        self.fetcher = fetcher
        self.tracking = tracking
        self._after_refresh = after_refresh
        self._cancel_load = cancel_load

    def clear(self) -> None:
        """The list shows nothing: neither does the transcript."""
        reading = self.reading
        reading.id, reading.interview, reading.questions = None, None, None
        self._cancel_load()
        view = self.pane.view
        view.loading = False
        view.set_document(message_doc(
            "No interview selected", ["Nothing is shown in the list."], "empty"))
        self.outline.show_message("Select an interview.")
        self.reviewing.update()

    def open(self, interview_id: str, *, refresh: bool = False) -> None:
        """Show the cached copy at once, then fetch what is missing or may have changed. The
        find bar belongs to the interview it searched: another one closes it."""
        reading = self.reading
        if reading.id not in (None, interview_id):
            self.pane.clear_find()
        reading.id = interview_id
        store = self.ctx.store
        cached = store.get_interview(interview_id)
        questions = store.get_questions(interview_id)
        keep = refresh and reading.interview is not None \
            and reading.interview.id == interview_id
        reading.interview = cached
        reading.questions = questions
        view = self.pane.view
        if cached is not None:
            self.show(cached, questions, keep=keep)
        else:
            view.set_document(message_doc(
                "Loading…", [f"Fetching interview {interview_id}"], "loading",
                interview_id=interview_id))
            self.outline.show_message("Loading…", interview_id)
            self.reviewing.update()
        fetch = refresh or cached is None or cached.status not in TERMINAL_STATUSES
        view.loading = cached is None and self.ctx.service is not None
        self.fetcher.load_interview(interview_id, have_cached=cached is not None, fetch=fetch,
                                    refresh=refresh, fetch_questions=refresh or questions is None)

    def show(self, interview: Interview, questions: QuestionSet | None, *,
             keep: bool = False) -> None:
        """``keep``: the reader's scroll position stays (the same interview, updated).

        Any exception while drawing it is shown in the pane instead: one interview that cannot
        be drawn must not take the app (and every later start) down with it."""
        self.reading.interview = interview
        self.reading.questions = questions
        try:
            self._show(interview, questions, keep)
        except Exception as exc:  # noqa: BLE001 - anything: the rest of the app goes on
            self.cannot_show(interview.id, exc)

    def cannot_show(self, interview_id: str, exc: BaseException) -> None:
        why = cannot_show_text(exc)
        self.pane.view.set_document(message_doc(
            "⚠ Cannot show this interview", [why], "error", interview_id=interview_id,
            title_style="transcript--error"))
        self.outline.show_message(why, interview_id)

    def _show(self, interview: Interview, questions: QuestionSet | None, keep: bool) -> None:
        doc = build_doc(interview, questions, self.ctx.now(),
                        self.evaluator.evaluation(interview.id))
        self.pane.view.set_document(doc, keep_position=keep)
        self.evaluator.shown(interview)
        if questions is not None:
            self.outline.show_questions(questions, interview)
        else:
            self.outline.show_message(self.fetcher.questions_note(interview.id), interview.id)
        self.reviewing.update()

    def updated(self, interview_id: str) -> None:
        """The store has news about this interview (poller, bulk refresh, a rating): its row,
        and the transcript if it is the one shown (the reader's place stays)."""
        self.tracking.refresh_row(interview_id)
        if interview_id == self.reading.id:
            store = self.ctx.store
            cached = store.get_interview(interview_id)
            if cached is not None:
                self.show(cached, store.get_questions(interview_id), keep=True)

    def open_hit(self, interview_id: str, question_id: str, terms: Sequence[str] = ()) -> None:
        """Show ``interview_id`` (clearing list filters that hide it) at its answer to
        ``question_id``, with ``terms[0]`` found in the transcript (n/N for the next)."""
        if not self.list.show_id(interview_id):
            self.hooks.notify("That interview is no longer tracked.", severity="warning",
                              markup=False, timeout=4)
            return
        if self.reading.id != interview_id:
            self.open(interview_id)
        if self.reviewing.on:
            self.reviewing.set_mode(False)
        self._after_refresh(self._go_to_answer, interview_id, question_id, tuple(terms))

    def _go_to_answer(self, interview_id: str, question_id: str, terms: tuple[str, ...]) -> None:
        from ..answers.search import answer_index

        if self.reading.id != interview_id:
            return
        interview = self.reading.interview
        index = answer_index(interview, question_id) if interview is not None else None
        view = self.pane.view
        if index is not None:
            view.scroll_to_response(index)
        if terms:
            self.pane.find(terms[0], in_response=index)
        else:
            self.pane.clear_find()
            view.focus()
