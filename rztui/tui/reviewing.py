"""``v``: the review summary (durations, lengths, keywords, your ratings) in place of the
transcript. The list stays, so arrowing through it reviews one candidate after another. The
panel is mounted the first time it is asked for (start-up does not pay for it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..store.listing import status_text
from ..textsafe import clean_line
from .widgets.transcript_doc import cannot_show_text

if TYPE_CHECKING:
    from ..store.evaluations import Evaluation
    from .context import AppContext, Reading
    from .widgets.panes import Panes


class Reviewing:
    """``panes``: where the panel goes and which panes show; ``evaluation``: the user's
    ratings of an interview."""

    def __init__(self, ctx: AppContext, reading: Reading, *, panes: Panes,
                 evaluation: Callable[[str], Evaluation | None]) -> None:
        self.ctx = ctx
        self.reading = reading
        self.panes = panes
        self._evaluation = evaluation

    @property
    def on(self) -> bool:
        return self.panes.review_mode

    async def toggle(self) -> None:
        await self.panes.mount_review()
        self.set_mode(not self.on)

    def set_mode(self, on: bool) -> None:
        panes = self.panes
        panel = panes.review_panel()
        if panel is None:
            return
        pane = panes.pane
        focused = panes.app.focused
        had_focus = focused is not None and (
            pane in focused.ancestors_with_self or panel in focused.ancestors_with_self)
        panes.review_mode = on
        panes.apply_layout()
        if on:
            self.update()
            if had_focus or panes.narrow:  # narrow: `v` shows the review in the list's place
                panel.focus()
        elif had_focus:
            pane.view.focus()

    def update(self) -> None:
        """The panel shows the interview on screen (and the user's ratings of it)."""
        if not self.on:
            return
        from ..answers.review import keywords_for, review_interview

        panel = self.panes.review_panel()
        if panel is None:
            return
        interview = self.reading.interview
        if interview is None:
            panel.show(None,
                       message="Loading…" if self.reading.id else "No interview selected.")
            return
        if not interview.responses:
            name = clean_line(interview.candidate.name) or "The candidate"
            panel.show(None, message=f"Nothing to review yet: {name} has no answers "
                                     f"(status {status_text(interview.status)}).")
            return
        same = panel.review is not None and panel.review.interview_id == interview.id
        keywords = keywords_for(interview.job.title, self.ctx.settings.keywords)
        evaluation = self._evaluation(interview.id)
        try:
            review = review_interview(interview, keywords, evaluation)
        except Exception as exc:  # noqa: BLE001 - one interview must not take the app down
            panel.show(None, message=cannot_show_text(exc))
            return
        panel.show(review, keep_position=same)
