"""The question outline: the interview's questions in ``order``, with what was answered.

Selecting a question posts ``QuestionOutline.Jump``; the app scrolls the transcript to the
answer. Question text comes from the API, so every prompt is a ``Content`` (never markup).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...api.models import Interview, QuestionSet
from ...formats import human_duration
from ...textsafe import clean_line


def outline_title(questions: QuestionSet, answered: int | None) -> Content:
    listed = len(questions.questions)
    total = questions.total_questions if questions.total_questions is not None else listed
    count = f"{listed} listed of {total}" if total != listed else f"{listed} questions"
    parts: list[tuple[str, str] | str] = [("Questions", "bold"), "\n", count]
    parts.append(f" · est. {human_duration(questions.estimated_duration_seconds)}")
    if answered is not None:
        parts.append(f"\n{answered} of {total} answered")
    return Content.assemble(*parts)


class QuestionOutline(Vertical):
    DEFAULT_CSS = """
    QuestionOutline > #outline-title {
        height: auto;
        padding: 0 1;
    }
    QuestionOutline > #outline-list {
        height: 1fr;
        border: none;
        scrollbar-size-vertical: 1;
    }
    """

    class Jump(Message):
        """Show this question's answer (``response`` is None when it was not answered)."""

        def __init__(self, question_id: str, response: int | None, number: int) -> None:
            self.question_id = question_id
            self.response = response
            self.number = number
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._targets: list[tuple[str, int | None]] = []
        self.interview_id: str | None = None
        # Made with the outline, so news that arrives while the app closes still finds them.
        self._title = Static(Content.styled("Questions", "bold"), id="outline-title",
                             markup=False)
        self._options = OptionList(id="outline-list")

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._options

    @property
    def options(self) -> OptionList:
        return self._options

    def show_message(self, text: str, interview_id: str | None = None) -> None:
        self.interview_id = interview_id
        self._targets = []
        self._title.update(
            Content.assemble(("Questions", "bold"), "\n", (text, "dim"))
        )
        self.options.clear_options()

    def show_questions(self, questions: QuestionSet, interview: Interview | None) -> None:
        shown = questions.interview_id or (interview.id if interview else None)
        same = shown is not None and shown == self.interview_id
        self.interview_id = shown
        by_question: dict[str, int] = {}
        if interview is not None:
            for i, r in enumerate(interview.responses):
                by_question.setdefault(r.question_id, i)
        answered = None
        if interview is not None and interview.responses:
            answered = sum(1 for q in questions.questions if q.id in by_question)
        self._title.update(outline_title(questions, answered))
        options: list[Option] = []
        self._targets = []
        for n, q in enumerate(questions.questions, start=1):
            response = by_question.get(q.id)
            mark = ("✓", "$text-success") if response is not None else ("○", "$text-muted")
            head: list[tuple[str, str] | str] = [mark, f" {n} "]
            if q.question_type:
                head.append((clean_line(q.question_type), "$text-accent"))
            head.append(f" · {human_duration(q.time_limit_seconds)}")
            if q.is_custom:
                head.append((" ★ custom", "$text-warning"))
            if response is None and interview is not None and interview.responses:
                head.append((" unanswered", "dim"))
            prompt = Content.assemble(*head, "\n", clean_line(q.question_text) or "—")
            options.append(Option(prompt))
            self._targets.append((q.id, response))
        options_list = self.options
        keep = options_list.highlighted if same else None  # a live update: stay put
        options_list.clear_options()
        options_list.add_options(options)
        if keep is not None and keep < len(options):
            options_list.highlighted = keep

    def highlighted_question(self) -> tuple[str, int | None] | None:
        """(question id, answer index) of the highlighted question, if any."""
        index = self.options.highlighted
        if index is None or not 0 <= index < len(self._targets):
            return None
        return self._targets[index]

    @on(OptionList.OptionSelected, "#outline-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self._targets):
            qid, response = self._targets[index]
            self.post_message(self.Jump(qid, response, index + 1))
