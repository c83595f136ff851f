"""``v``: the review summary (durations, lengths, keywords, your ratings) in place of the
transcript. The list stays, so arrowing through it reviews one candidate after another. The
panel is mounted the first time it is asked for (start-up does not pay for it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..store.listing import status_text
from ..textsafe import clean_line

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..store.evaluations import Evaluation
    from .context import AppContext, Reading
    from .widgets.review_panel import ReviewPanel
    from .widgets.transcript import TranscriptPane


class Reviewing:
    """``panes``: the container the panel goes in, after ``pane`` (the transcript's);
    ``relayout``: the screen shows or hides its panes for the mode; ``narrow``: one pane at a
    time; ``focused``: the widget with the focus."""

    def __init__(self, ctx: AppContext, reading: Reading, *, panes: Widget,
                 pane: TranscriptPane, relayout: Callable[[], None],
                 narrow: Callable[[], bool], focused: Callable[[], Widget | None],
                 evaluation: Callable[[str], Evaluation | None]) -> None:
        self.ctx = ctx
        self.reading = reading
        self.panes = panes
        self.pane = pane
        self._relayout = relayout
        self._narrow = narrow
        self._focused = focused
        self._evaluation = evaluation
        self.on = False

    def _panel(self) -> ReviewPanel | None:
        from .widgets.review_panel import ReviewPanel

        panels = self.panes.query(ReviewPanel)
        return panels.first() if panels else None

    async def toggle(self) -> None:
        await self.panel()
        self.set_mode(not self.on)

    async def panel(self) -> ReviewPanel:
        from .widgets.review_panel import ReviewPanel

        found = self._panel()
        if found is not None:
            return found
        panel = ReviewPanel(id="review")
        panel.display = False  # the screen's layout decides from here on
        await self.panes.mount(panel, after=self.pane)
        return panel

    def set_mode(self, on: bool) -> None:
        panel = self._panel()
        if panel is None:
            return
        pane = self.pane
        focused = self._focused()
        had_focus = focused is not None and (
            pane in focused.ancestors_with_self or panel in focused.ancestors_with_self)
        self.on = on
        self._relayout()
        if on:
            self.update()
            if had_focus or self._narrow():  # narrow: `v` shows the review in the list's place
                panel.focus()
        elif had_focus:
            pane.view.focus()

    def update(self) -> None:
        """The panel shows the interview on screen (and the user's ratings of it)."""
        if not self.on:
            return
        from ..review import keywords_for, review_interview

        panel = self._panel()
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
        panel.show(review_interview(interview, keywords, evaluation), keep_position=same)
