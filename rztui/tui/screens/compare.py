"""``m``: every tracked candidate's answer to one question, stacked (see rztui.answers.compare).

``CompareScreen(store, question_id, question_text, job_title)``. The answers load in a thread
worker (each is a cached interview to parse). One answer per ``OptionList`` option: the list
only renders what is on screen, keeps a current answer for copying, and scrolls like a page.

Keys: ``s`` cycles the sort (candidate, duration, length, rating), ``S`` reverses it, ``1``-``5``
rate the current answer (``0`` clears; kept in the store only), ``c`` copies the current answer,
``C`` all of them, Enter opens the current answer's interview (the screen dismisses with a
:class:`CompareChoice`), Escape/``q`` closes (``None``).

Every string from the API is cleaned and shown as ``Content``: never parsed as markup.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from textual import events, on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...answers.compare import (
    SORT_KEYS,
    SORT_NAMES,
    Answer,
    Comparison,
    compare,
    format_answer,
    format_text,
)
from ...api.models import Interview, QuestionSet
from ...formats import NO_VALUE, plural
from ...store import Store
from ...store.listing import status_text
from ...textsafe import clean_line
from ..keys import COMPARE
from ..messages import ComparisonLoaded
from ..widgets.outline import QuestionOutline


class CompareChoice(NamedTuple):
    """Enter on an answer: open this interview at this answer."""

    interview_id: str
    question_id: str
    response_index: int


_ORDER_WORDS = {
    ("candidate", False): "A to Z",
    ("candidate", True): "Z to A",
    ("duration", False): "longest first",
    ("duration", True): "shortest first",
    ("length", False): "longest first",
    ("length", True): "shortest first",
    ("rating", False): "best first",
    ("rating", True): "worst first",
}


def answer_prompt(answer: Answer, *, show_job: bool) -> Content:
    """The candidate line, then the whole answer (cleaned, plain)."""
    head: list[Content | tuple[str, str] | str] = [
        ("▍", "$text-accent"), (answer.candidate or NO_VALUE, "bold"), "  ",
        (answer.summary(), "$text-muted"),
    ]
    if show_job and answer.job:
        head += [" · ", (answer.job, "$text-muted")]
    body = answer.text or "(no transcript)"
    return Content.assemble(*head, "\n", Content(body))


def question_to_compare(
    interview: Interview | None, questions: QuestionSet | None, outline: QuestionOutline,
    current_response: int | None,
) -> tuple[str, str | None, str | None] | None:
    """(question id, its text, the job) that `m` compares: the question highlighted in the
    outline when the outline has the focus, else the current answer's; None when neither."""
    question_id = question_text = None
    if outline.display and outline.options.has_focus:
        picked = outline.highlighted_question()
        if picked is not None and questions is not None:
            question_id = picked[0]
            question_text = next((q.question_text for q in questions.questions
                                  if q.id == question_id), None)
    if question_id is None and interview is not None and interview.responses:
        index = current_response
        if index is None or index >= len(interview.responses):
            index = 0
        response = interview.responses[index]
        question_id, question_text = response.question_id, response.question_text
    if question_id is None:
        return None
    return question_id, question_text, interview.job.title if interview is not None else None


class AnswerList(OptionList):
    """An OptionList where a click only makes an answer current (to copy it); a double click or
    Enter opens it. A stray click should not leave the comparison."""

    def on_click(self, event: events.Click) -> None:
        event.prevent_default()  # Textual would run OptionList's handler too (select on click)
        clicked = event.style.meta.get("option")
        if clicked is None or self.get_option_at_index(clicked).disabled:
            return
        self.highlighted = clicked
        if event.chain >= 2:
            self.action_select()


class CompareScreen(Screen[CompareChoice | None]):
    DEFAULT_CSS = """
    CompareScreen {
        background: $background;
    }
    CompareScreen #cmp-head {
        height: auto;
        max-height: 8;
        padding: 0 1;
        background: $panel;
    }
    CompareScreen #cmp-list {
        height: 1fr;
        border: none;
        padding: 0 1;
        background: $background;
        scrollbar-size-vertical: 1;
    }
    CompareScreen #cmp-list > .option-list--option-highlighted {
        background: $boost;
        color: $foreground;
        text-style: none;
    }
    CompareScreen #cmp-list:focus > .option-list--option-highlighted {
        background: $primary 15%;
        color: $foreground;
        text-style: none;
    }
    CompareScreen #cmp-list > .option-list--option-disabled {
        color: $text-muted;
    }
    """

    BINDINGS = COMPARE.bindings

    def __init__(
        self,
        store: Store,
        question_id: str | None,
        question_text: str | None,
        job_title: str | None,
        *,
        sort: str = "candidate",
        reverse: bool = False,
    ) -> None:
        super().__init__()
        self.store = store
        self.question_id = question_id
        self.question_text = question_text
        self.job_title = job_title
        self.sort_key = sort if sort in SORT_KEYS else "candidate"
        self.reverse = reverse
        self.comparison: Comparison | None = None
        self.answers: list[Answer] = []  # in the order shown

    def compose(self) -> ComposeResult:
        yield Static(self._head_content(), id="cmp-head", markup=False)
        yield AnswerList(id="cmp-list", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def load(self) -> None:
        try:
            result: Comparison | None = compare(
                self.store, question_id=self.question_id, question_text=self.question_text,
                job_title=self.job_title,
            )
            message = ""
        except Exception as exc:  # a store problem is shown, never a traceback
            result, message = None, f"Could not compare: {type(exc).__name__}: {exc}"
        self.post_message(ComparisonLoaded(result, message))

    def on_comparison_loaded(self, loaded: ComparisonLoaded) -> None:
        comparison, message = loaded.comparison, loaded.message
        if comparison is None:
            self.query_one("#cmp-head", Static).update(
                Content.assemble(self._head_content(), "\n", (message, "$text-error"))
            )
            return
        self.comparison = comparison
        self._render_answers(keep=None)

    # -- rendering -------------------------------------------------------------------------

    def _head_content(self) -> Content:
        c = self.comparison
        question = clean_line(c.question_text if c else self.question_text) or NO_VALUE
        job = clean_line(c.job_title if c else self.job_title) or NO_VALUE
        parts: list[Content | tuple[str, str] | str] = [("Compare answers", "bold $text-accent"),
                                                       "\n", ("Q ", "$text-accent"),
                                                       (question, "bold"), "\n",
                                                       ("Job ", "$text-accent"), job]
        if c is None:
            parts += ["\n", ("Loading…", "dim")]
            return Content.assemble(*parts)
        n = len(c.answers)
        facts = plural(n, "answer")
        if c.not_answered:
            facts += f" · {len(c.not_answered)} asked, no answer"
        order = _ORDER_WORDS[(self.sort_key, self.reverse)]
        facts += f" · sorted by {SORT_NAMES[self.sort_key]}, {order}"
        parts += ["\n", (facts, "$text-muted")]
        return Content.assemble(*parts)

    def _render_answers(self, keep: tuple[str, int] | None) -> None:
        c = self.comparison
        if c is None:
            return
        self.answers = c.sorted(self.sort_key, reverse=self.reverse)
        show_job = len({a.job for a in self.answers}) > 1
        options: list[Option | None] = []
        for a in self.answers:
            options += [Option(answer_prompt(a, show_job=show_job)), None]  # None: a divider
        if c.not_answered:
            names = ", ".join(f"{w.candidate} ({status_text(w.status)})"
                              for w in c.not_answered)
            options.append(Option(Content.assemble(("Asked, no answer (yet): ", "bold"), names),
                                  disabled=True))
        if options and options[-1] is None:
            options.pop()
        if not self.answers:
            options.insert(0, Option(Content("Nobody tracked has answered this question yet."),
                                     disabled=True))
        lst = self.query_one(OptionList)
        lst.clear_options()
        lst.add_options(options)
        self.query_one("#cmp-head", Static).update(self._head_content())
        if self.answers:
            index = 0
            if keep is not None:
                for i, a in enumerate(self.answers):
                    if (a.interview_id, a.response_index) == keep:
                        index = i
                        break
            lst.highlighted = index
            lst.scroll_to_highlight(top=True)

    @property
    def current(self) -> Answer | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.answers):
            return None
        return self.answers[index]

    def _resort(self) -> None:
        current = self.current
        keep = (current.interview_id, current.response_index) if current else None
        self._render_answers(keep)

    # -- actions ---------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self.reverse = False
        self._resort()

    def action_sort(self, key: str) -> None:
        if key in SORT_KEYS:
            self.sort_key = key
            self._resort()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._resort()

    def action_cursor(self, direction: str) -> None:
        lst = self.query_one(OptionList)
        if direction == "down":
            lst.action_cursor_down()
        else:
            lst.action_cursor_up()

    def _copy(self, text: str, what: str) -> None:
        from ..clipboard import copy_text

        copy_text(self.app, text, what)

    def action_copy_answer(self) -> None:
        answer = self.current
        if answer is None or self.comparison is None:
            self.notify("No answer to copy.", severity="warning", markup=False, timeout=3)
            return
        self._copy(format_answer(self.comparison, answer),
                   f"{answer.candidate}'s answer ({answer.chars:,} chars)")

    def action_copy_all(self) -> None:
        if self.comparison is None or not self.answers:
            self.notify("No answers to copy.", severity="warning", markup=False, timeout=3)
            return
        n = len(self.answers)
        self._copy(format_text(self.comparison, self.answers, safe=False),
                   f"all {plural(n, 'answer')} to this question")

    def action_rate(self, rating: int) -> None:
        answer = self.current
        if answer is None:
            self.notify("No answer to rate.", severity="warning", markup=False, timeout=3)
            return
        value = rating or None
        self._save_rating(answer, value)

    @work(thread=True, group="rate", exit_on_error=False)
    def _save_rating(self, answer: Answer, value: int | None) -> None:
        try:
            self.store.set_rating(answer.interview_id, value, question_id=answer.question_id)
        except Exception as exc:  # busy, read-only, full: said, never a traceback
            self.app.call_from_thread(
                self.notify, f"Rating not saved: {exc}", severity="error", markup=False)
            return
        self.app.call_from_thread(self._rated, answer, value)

    def _rated(self, answer: Answer, value: int | None) -> None:
        c = self.comparison
        if c is None:
            return
        key = (answer.interview_id, answer.response_index)
        c.answers = [replace(a, rating=value) if (a.interview_id, a.response_index) == key
                     else a for a in c.answers]
        self._render_answers(keep=key)

    def action_open(self) -> None:
        answer = self.current
        if answer is None:
            return
        self.dismiss(CompareChoice(answer.interview_id, answer.question_id, answer.response_index))

    @on(OptionList.OptionSelected, "#cmp-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_close(self) -> None:
        self.dismiss(None)
