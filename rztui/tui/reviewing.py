"""``v``: the review summary (durations, lengths, keywords, your ratings) in place of the
transcript. The list stays, so arrowing through it reviews one candidate after another. The
panel is mounted the first time it is asked for (start-up does not pay for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..store.listing import status_text
from ..textsafe import clean_line

if TYPE_CHECKING:
    from .main_screen import MainScreen
    from .widgets.review_panel import ReviewPanel


class Reviewing:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.on = False

    def _panel(self) -> ReviewPanel | None:
        from .widgets.review_panel import ReviewPanel

        panels = self.screen.query(ReviewPanel)
        return panels.first() if panels else None

    async def toggle(self) -> None:
        screen = self.screen
        if screen.app.screen is not screen:
            return
        await self.panel()
        self.set_mode(not self.on)

    async def panel(self) -> ReviewPanel:
        from .widgets.review_panel import ReviewPanel

        found = self._panel()
        if found is not None:
            return found
        panel = ReviewPanel(id="review")
        panel.display = False  # the screen's _apply_layout decides from here on
        await self.screen.query_one("#panes").mount(panel,
                                                    after=self.screen.query_one("#pane"))
        return panel

    def set_mode(self, on: bool) -> None:
        from .widgets.transcript import TranscriptPane

        screen = self.screen
        panel = self._panel()
        if panel is None:
            return
        pane = screen.query_one(TranscriptPane)
        focused = screen.app.focused
        had_focus = focused is not None and (
            pane in focused.ancestors_with_self or panel in focused.ancestors_with_self)
        self.on = on
        screen._apply_layout()
        if on:
            self.update()
            if had_focus or screen.narrow:  # narrow: `v` shows the review in the list's place
                panel.focus()
        elif had_focus:
            screen.transcript.focus()

    def update(self) -> None:
        """The panel shows the interview on screen (and the user's ratings of it)."""
        if not self.on:
            return
        from ..answers.review import keywords_for, review_interview

        panel = self._panel()
        if panel is None:
            return
        screen = self.screen
        interview = screen.current_interview
        if interview is None:
            panel.show(None,
                       message="Loading…" if screen.current_id else "No interview selected.")
            return
        if not interview.responses:
            name = clean_line(interview.candidate.name) or "The candidate"
            panel.show(None, message=f"Nothing to review yet: {name} has no answers "
                                     f"(status {status_text(interview.status)}).")
            return
        same = panel.review is not None and panel.review.interview_id == interview.id
        keywords = keywords_for(interview.job.title, screen.rz.settings.keywords)
        evaluation = screen.evaluator.evaluation(interview.id)
        panel.show(review_interview(interview, keywords, evaluation), keep_position=same)
