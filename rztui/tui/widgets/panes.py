"""The main screen's panes: the interview list, the transcript (or the review in its place) and
the question outline, side by side; below ``NARROW_WIDTH`` one at a time. Which panes show,
where Tab goes, and where the reading focus lands are decided here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.containers import Horizontal
from textual.widget import Widget

from .interview_list import InterviewList
from .outline import QuestionOutline
from .transcript import TranscriptPane

if TYPE_CHECKING:  # mounted the first time `v` asks for it: start-up does not import it
    from .review_panel import ReviewPanel

OUTLINE_MIN_WIDTH = 120  # below this the outline hides itself (`o` still shows it)
# Below this, one pane at a time: the list fills the screen, Enter opens the transcript in its
# place, Escape goes back (the screen has the class ``-narrow``; ``-detail`` while the
# transcript side is shown).
NARROW_WIDTH = 90
# From this width the transcript keeps a reading width (~100 columns of text) and the list
# takes the rest (the screen has the class ``-wide``): list 64 + transcript 96 + outline 30.
WIDE_WIDTH = 190


class Panes(Horizontal):
    """The list, the transcript pane, the outline, and the review panel once it is mounted."""

    def __init__(self, interview_list: InterviewList, pane: TranscriptPane,
                 outline: QuestionOutline, *, id: str | None = None) -> None:
        super().__init__(interview_list, pane, outline, id=id)
        self.list = interview_list
        self.pane = pane
        self.outline = outline
        self.narrow = False  # one pane at a time (below NARROW_WIDTH)
        self.detail = False  # narrow: the transcript (or review) side is shown, not the list
        self.review_mode = False  # the review is shown in the transcript's place
        self._outline_forced: bool | None = None  # None: automatic by width
        self._outline_forced_when_wide = True
        self._outline_wanted = True  # by width or `o`; shown only with the transcript
        self._review: ReviewPanel | None = None

    def review_panel(self) -> ReviewPanel | None:
        return self._review

    async def mount_review(self) -> ReviewPanel:
        """The review panel, mounted the first time it is asked for (start-up does not pay)."""
        if self._review is not None:
            return self._review
        from .review_panel import ReviewPanel

        panel = ReviewPanel(id="review")
        panel.display = False  # the layout decides from here on
        await self.mount(panel, after=self.pane)
        self._review = panel
        return panel

    def resized(self, width: int) -> None:
        """The screen is ``width`` columns wide now."""
        self.narrow = width < NARROW_WIDTH
        wide = width >= OUTLINE_MIN_WIDTH
        if self._outline_forced is not None and self._outline_forced_when_wide != wide:
            self._outline_forced = None  # crossing the threshold goes back to automatic
        self._outline_wanted = wide if self._outline_forced is None else self._outline_forced
        self.apply_layout()

    def apply_layout(self) -> None:
        """Which panes are shown: the list and the transcript (or the review) side by side,
        or, when narrow, one of them; the outline with the transcript when wanted."""
        both = not self.narrow
        show_list = both or not self.detail
        show_right = both or self.detail
        self.list.display = show_list
        self.pane.display = show_right and not self.review_mode
        if self._review is not None:
            self._review.display = show_right and self.review_mode
        # The review has a row per question already, and needs the width.
        self.outline.display = show_right and self._outline_wanted and not self.review_mode

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Narrow: the focus says which pane is shown (Enter, Tab, ctrl+f and opening a
        search hit focus the transcript side; Escape, `/` and Tab back focus the list)."""
        if self.narrow:
            detail = self.list not in event.widget.ancestors_with_self
            if self.detail != detail:
                self.detail = detail
                self.apply_layout()

    def toggle_outline(self, screen_width: int) -> None:
        """`o`: show or hide the outline; sticks until the width crosses the threshold."""
        self._outline_forced = not self._outline_wanted
        self._outline_forced_when_wide = screen_width >= OUTLINE_MIN_WIDTH
        self._outline_wanted = self._outline_forced
        if self.narrow and self._outline_wanted and not self.detail:
            self.pane.view.focus()  # the outline goes with the transcript
        self.apply_layout()

    def focus_reading(self) -> None:
        """The transcript, or the review while it is shown in its place."""
        panel = self.review_panel()
        if self.review_mode and panel is not None:
            panel.focus()
        else:
            self.pane.view.focus()

    def cycle(self, step: int, focused: Widget | None) -> None:
        """Tab (1) / shift+Tab (-1): the next pane on screen (never the filter box)."""
        panes: list[Widget] = [self.list.table]
        panel = self.review_panel()
        if self.review_mode and panel is not None:
            panes.append(panel)
        else:
            panes.append(self.pane.view)
        if self.outline.display:
            panes.append(self.outline.options)
        panes = [p for p in panes if p.display and p.can_focus]
        at = 0  # the filter box belongs to the list
        if focused is not None:
            for i, pane in enumerate(panes):
                if pane in focused.ancestors_with_self:
                    at = i
                    break
        panes[(at + step) % len(panes)].focus()
