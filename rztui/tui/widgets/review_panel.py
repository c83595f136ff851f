"""The automated-review summary of one interview (``v`` in the app).

Renders a :class:`rztui.answers.review.Review` as Textual ``Content`` built from (text, style)
pieces: API text is never parsed as markup, and it goes through ``clean_line`` first so terminal
control characters can't reach the screen. Same numbers as ``rztui review`` (one implementation).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...answers.review import Review, rating_text
from ...formats import NO_VALUE, format_timestamp, human_duration
from ...store.listing import status_text
from ...textsafe import clean_line

BAR_WIDTH = 12
Piece = str | tuple[str, str]


def _rate(wpm: float | None) -> str:
    return NO_VALUE if wpm is None else f"{wpm:.0f} wpm"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


ROW_WIDTH = 54  # "  Q1   1m 20s   859 chars   151 words   113 wpm  " before the question
MIN_INLINE_QUESTION = 24


def review_content(review: Review, width: int | None = None) -> Content:
    """The whole review as one ``Content`` (what :class:`ReviewPanel` shows). ``width``: the
    space there is; each question is shortened to fit its row (or goes on a line of its own
    when the row would leave it too little), so no row wraps."""
    text_width = width  # (``width`` is reused below for the keyword column)
    name = clean_line(review.candidate) or "Unknown candidate"
    title = clean_line(review.job_title)
    parts: list[Piece] = [(name, "bold")]
    if title:
        parts += [("  ·  ", "dim"), title]
    parts += [
        "\n",
        (f"status {status_text(review.status)} · completed "
         f"{format_timestamp(review.completed_at)}", "dim"),
        "\n\n",
    ]
    avg = review.average_response_chars
    stats = [
        ("Responses", str(review.answered)),
        ("Total duration", human_duration(review.total_duration_seconds)),
        ("Average length", NO_VALUE if avg is None else f"{avg:.0f} chars"),
        ("Total words", str(review.total_words)),
        ("Speaking rate", _rate(review.words_per_minute)),
    ]
    rated = rating_text(review)
    if rated:
        stats.append(("Your rating", rated))
    for label, value in stats:
        parts += [(f"{label:<16}", "$text-muted"), (value, "bold"), "\n"]

    if review.keyword_matches:
        parts += ["\n", ("Keywords", "bold underline"),
                  ("  responses mentioning it · total mentions\n", "dim")]
        names = {k: clean_line(k) for k in review.keyword_matches}
        width = min(24, max(len(n) for n in names.values()))
        answered = max(review.answered, 1)
        for keyword, responses in review.keyword_matches.items():
            total = review.keyword_counts.get(keyword, 0)
            filled = round(BAR_WIDTH * responses / answered)
            style = "$text-success" if responses else "$text-muted"
            parts += [
                f"  {_shorten(names[keyword], width):<{width}}  ",
                ("█" * filled, style),
                ("░" * (BAR_WIDTH - filled), "dim"),
                f"  {responses}/{review.answered}",
                (f"  ({total})", "dim"),
                "\n",
            ]

    parts += ["\n", ("Per response", "bold underline"), "\n"]
    if not review.per_response:
        parts += [("No responses.", "italic dim"), "\n"]
    rating_width = 5 if review.rated_answers else 0  # "  4/5"
    room = 60 if text_width is None else text_width - ROW_WIDTH - rating_width
    for i, s in enumerate(review.per_response, start=1):
        question = clean_line(s.question_text)
        parts += [
            (f"  Q{i:<3}", "bold"),
            f"{human_duration(s.duration):>9}  {s.chars:>6} chars  {s.words:>5} words  "
            f"{_rate(s.wpm):>8}",
        ]
        if review.rated_answers:
            parts.append((f"  {f'{s.rating}/5' if s.rating is not None else '':>3}",
                          "bold $text-accent"))
        if room >= MIN_INLINE_QUESTION:
            parts += ["  ", (_shorten(question, room), "$text-muted"), "\n"]
        else:
            assert text_width is not None
            parts += ["\n", "      ",
                      (_shorten(question, max(8, text_width - 7)), "$text-muted"), "\n"]
    return Content.assemble(*parts)


class ReviewPanel(VerticalScroll):
    """A scrollable review summary; call :meth:`show` with a Review (or None and a message)."""

    DEFAULT_CSS = """
    ReviewPanel {
        height: 1fr;
        padding: 0 1 0 2;
        background: $surface;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 3%;
        }
    }
    ReviewPanel > #review-body {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, review: Review | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._review = review
        self._message = "No interview selected."

    def compose(self) -> ComposeResult:
        yield Static(self._content(), id="review-body", markup=False)

    @property
    def review(self) -> Review | None:
        return self._review

    def show(self, review: Review | None, *, message: str | None = None,
             keep_position: bool = False) -> None:
        """Show ``review``; with None, show ``message`` (e.g. "Not completed yet.").
        ``keep_position``: the same interview got new answers, don't scroll back up."""
        self._review = review
        if message is not None:
            self._message = message
        if self.is_mounted:
            self.query_one("#review-body", Static).update(self._content())
            if not keep_position:
                self.scroll_home(animate=False)

    def _content(self) -> Content:
        if self._review is None:
            return Content.assemble((clean_line(self._message), "italic dim"))
        width = self._text_width()
        return review_content(self._review, width if width > 20 else None)

    def _text_width(self) -> int:
        if not self.is_mounted or not self.size.width:
            return 0
        width = self.size.width - self.styles.gutter.width
        if self.show_vertical_scrollbar:
            width -= self.styles.scrollbar_size_vertical
        return width - 1

    def on_resize(self) -> None:
        self.query_one("#review-body", Static).update(self._content())
