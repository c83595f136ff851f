"""The main screen's decisions about candidates: rate (``*``), note (``w``), shortlist (``+``),
the next interview that is new since it was last opened (``u``), and marking an interview
opened when it is shown.

Writes go to the store in a thread (another process may hold it for a moment); reads are one
small query and stay on the UI thread, like the rest of the screen's store reads. Nothing here
is sent to the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from textual.timer import Timer

from ..api.models import Interview
from ..formats import plural
from ..store import StoreError
from ..store.evaluations import Evaluation
from ..textsafe import clean_line
from .messages import InterviewChanged

T = TypeVar("T")

if TYPE_CHECKING:
    from textual.widget import Widget

    from .context import AppContext, Hooks, Reading
    from .widgets.interview_list import InterviewList
    from .widgets.outline import QuestionOutline
    from .widgets.status_line import StatusLine
    from .widgets.transcript import TranscriptView


class Evaluator:
    #: Seconds an interview stays on screen before it counts as looked at (moving the cursor
    #: down the list shows each one for a moment: that is not reading it).
    LOOKED_SECONDS = 1.5

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 interview_list: InterviewList, view: Callable[[], TranscriptView],
                 outline: QuestionOutline, status_line: StatusLine,
                 focused: Callable[[], Widget | None]) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self._view = view
        self.outline = outline
        self.status_line = status_line
        self._focused = focused
        self._seen: dict[str, tuple[str, int]] = {}  # id -> (status, answers) marked opened
        self._look: Timer | None = None

    # -- reading -------------------------------------------------------------------------------

    def evaluation(self, iid: str) -> Evaluation | None:
        try:
            return self.ctx.store.evaluation(iid)
        except StoreError:
            return None  # the transcript shows without it; writing says what is wrong

    def _name(self, iid: str) -> str:
        interview = self.reading.interview
        if interview is not None and interview.id == iid:
            return clean_line(interview.candidate.name) or iid
        entry = self.list.entries.get(iid)
        return clean_line(entry.candidate_name if entry else "") or iid

    def _target(self) -> str | None:
        """The interview the keys act on: the one open when the transcript or the outline
        has the focus, else the one under the list's cursor."""
        current, focused = self.reading.id, self._focused()
        if current is not None and focused is not None and (
            focused is self._view() or self.outline in focused.ancestors
            or focused is self.outline
        ):
            return current
        return self.list.table.current_id or current

    def _current_answer(self) -> tuple[Interview, int] | None:
        """The answer the transcript marks as current, when the transcript has the focus."""
        interview = self.reading.interview
        view = self._view()
        if interview is None or not interview.responses or self._focused() is not view:
            return None
        index = view.current_response
        if index is None or index >= len(interview.responses):
            index = 0
        return interview, index

    def run(self, what: str) -> None:
        """The keys: ``rate`` (`*`), ``note`` (`w`), ``shortlist`` (`+`), ``next_new`` (`u`)."""
        {"rate": self.rate, "note": self.note, "shortlist": self.toggle_shortlist,
         "next_new": self.next_new}[what]()

    # -- writing -------------------------------------------------------------------------------

    def _save(self, write: Callable[[], T], done: Callable[[T], None]) -> None:
        """``write`` in a thread, then ``done(what it returned)``; a failure is said."""
        async def go() -> None:
            try:
                result = await asyncio.to_thread(write)
            except (StoreError, ValueError) as exc:
                message = exc.message if isinstance(exc, StoreError) else str(exc)
                self.hooks.notify(f"Not saved: {message}", severity="error", markup=False)
                return
            done(result)

        self.hooks.run_worker(go(), group="evaluate", exit_on_error=False)

    def _changed(self, iid: str, said: str) -> None:
        """Saved: the row, the transcript (if it is the one open) and the status line."""
        self.hooks.post(InterviewChanged(iid))
        self.status_line.flash(said)

    def rate(self) -> None:
        """``*``: rate the current answer (transcript focused) or the interview."""
        from .screens.evaluate import RateScreen

        answer = self._current_answer()
        if answer is not None:
            interview, index = answer
            qid = interview.responses[index].question_id
            current = self.evaluation(interview.id)
            now = current.answer_ratings.get(qid) if current else None
            what = f"Q{index + 1} of {self._name(interview.id)}"
            self.hooks.push_screen(RateScreen(what, now),
                                partial(self._rated, interview.id, qid, what))
            return
        iid = self._target()
        if iid is None:
            self.hooks.notify("No interview to rate.", severity="warning", markup=False,
                               timeout=3)
            return
        current = self.evaluation(iid)
        what = self._name(iid)
        self.hooks.push_screen(RateScreen(what, current.rating if current else None),
                            partial(self._rated, iid, None, what))

    def _rated(self, iid: str, qid: str | None, what: str, rating: int | None) -> None:
        if rating is None:
            return  # cancelled
        value = rating or None
        said = f"{what}: rating removed" if value is None else f"{what}: rated {value}/5"
        self._save(lambda: self.ctx.store.set_rating(iid, value, question_id=qid),
                   lambda _: self._changed(iid, said))

    def note(self) -> None:
        """``w``: write the interview's note."""
        from .screens.evaluate import NoteScreen

        iid = self._target()
        if iid is None:
            self.hooks.notify("No interview to write a note on.", severity="warning",
                               markup=False, timeout=3)
            return
        current = self.evaluation(iid)
        self.hooks.push_screen(NoteScreen(self._name(iid), current.note if current else ""),
                            partial(self._noted, iid))

    def _noted(self, iid: str, text: str | None) -> None:
        if text is None:
            return
        name = self._name(iid)
        said = f"note on {name} saved" if text else f"note on {name} removed"
        self._save(lambda: self.ctx.store.set_note(iid, text), lambda _: self._changed(iid, said))

    def toggle_shortlist(self) -> None:
        """``+``: put the interview on the shortlist, or take it off."""
        iid = self._target()
        if iid is None:
            return
        current = self.evaluation(iid)
        on = not (current is not None and current.shortlisted)
        name = self._name(iid)

        verb = "on the shortlist" if on else "off the shortlist"

        def write() -> int:
            self.ctx.store.set_shortlisted([iid], on=on)
            return len(self.ctx.store.shortlisted_ids())

        self._save(write, lambda count: self._changed(
            iid, f"{name} {verb} ({plural(count, 'interview')} on it)"))

    # -- new since opened ----------------------------------------------------------------------

    def shown(self, interview: Interview) -> None:
        """The interview is on screen: if it stays there, it was looked at."""
        if self._look is not None:
            self._look.stop()
        self._look = self.hooks.set_timer(self.LOOKED_SECONDS,
                                          partial(self._looked, interview.id))

    def _looked(self, iid: str) -> None:
        self._look = None
        interview = self.reading.interview
        if interview is not None and interview.id == iid:
            self.opened(interview)

    def opened(self, interview: Interview) -> None:
        """The interview was looked at: remember what was seen (once per change)."""
        seen = (interview.status, len(interview.responses))
        if self._seen.get(interview.id) == seen:
            return
        self._seen[interview.id] = seen
        iid = interview.id

        def write() -> None:
            self.ctx.store.mark_opened(iid, status=seen[0], answered=seen[1])

        async def go() -> None:
            try:
                await asyncio.to_thread(write)
            except StoreError:
                self._seen.pop(iid, None)  # not remembered: it stays new
                return
            self.hooks.post(InterviewChanged(iid, row_only=True))  # its "new" mark goes

        self.hooks.run_worker(go(), group="opened", exit_on_error=False)

    def update_count(self) -> None:
        """The status line's "N new" from the list's index (kept current by every row
        update)."""
        count = self.list.index.new_count
        if self.status_line.state.new != count:
            self.status_line.update_state(new=count)

    def next_new(self) -> None:
        """``u``: the next interview in the list's order that is new since last opened."""
        lst = self.list
        current = self.reading.id
        index = lst.index
        if not index.new_count:
            self.status_line.flash("nothing new since you last looked")
            return
        table = lst.table
        rows, new = table.rows, index.new
        start = table.cursor_row + 1 if rows else 0
        for r in (*rows[start:], *rows[:start]):
            if new[r] and index.ids[r] != current:
                lst.show_id(index.ids[r])
                return
        # The filter hides them: the first one in the order tracked (the filter is cleared).
        alive = index.alive
        for r in range(len(index.ids)):
            if new[r] and alive[r] and index.ids[r] != current:
                lst.show_id(index.ids[r])
                return
        self.status_line.flash("the one on screen is the only new one")
