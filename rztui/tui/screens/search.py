"""ctrl+s: search every cached interview as you type (SQLite FTS5, see rztui.answers.search).

Typing waits ~150 ms for a pause, then runs the query in a thread worker (a newer query makes
older results stale: they are dropped). Enter or a click picks a hit and dismisses the screen
with a :class:`SearchChoice`, so the app can open that interview at the answer and highlight the
terms. Escape closes with ``None``.

Hits are API text: they are built as ``Content`` with the matches styled by span (from the
index's control-character markers, which cleaned API text cannot contain), never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...answers.search import QueryError, SearchHit, SearchResult, search
from ...api.errors import RZError
from ...formats import plural
from ...store import Store
from ..keys import SEARCH_ALL
from ..messages import SearchableCount, SearchDone

DEBOUNCE_SECONDS = 0.15
MATCH_STYLE = "bold reverse"


class SearchChoice(NamedTuple):
    """What picking a hit returns: open this interview at this question, highlight ``terms``."""

    interview_id: str
    question_id: str
    terms: tuple[str, ...]


def marked(text: str, spans: Sequence[tuple[int, int]], style: str = MATCH_STYLE) -> Content:
    """Plain ``text`` with ``spans`` styled: no markup is ever parsed."""
    content = Content(text)
    for start, end in spans:
        content = content.stylize(style, start, end)
    return content


def hit_prompt(hit: SearchHit) -> Content:
    """Three lines: who and for which job; the question; the answer around the matches."""
    head: list[Content | tuple[str, str] | str] = [
        marked(hit.candidate or "—", hit.candidate_spans).stylize_before("bold")
    ]
    if hit.job:
        head += [" · ", marked(hit.job, hit.job_spans).stylize_before("$text-muted")]
    if hit.status and hit.status != "completed":
        head += [" · ", (hit.status, "$text-warning")]
    if hit.folded:
        head.append((f"  +{plural(hit.folded, 'more answer')}", "dim"))
    return Content.assemble(
        *head, "\n",
        ("Q ", "$text-accent"), marked(hit.question or "—", hit.question_spans, "bold"), "\n",
        marked(hit.snippet, hit.spans),
    )


class SearchScreen(ModalScreen[SearchChoice | None]):
    """Search across all interviews. ``SearchScreen(store)``; result: SearchChoice or None."""

    DEFAULT_CSS = """
    SearchScreen {
        align: center middle;
        background: $background 60%;
    }
    SearchScreen #gs-dialog {
        width: 110;
        max-width: 96%;
        height: 90%;
        padding: 0 1;
        background: $panel;
        border: round $primary;
        border-title-style: bold;
    }
    SearchScreen #gs-input {
        margin: 1 0 0 0;
    }
    SearchScreen #gs-status {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    SearchScreen #gs-status.-error {
        color: $text-error;
    }
    SearchScreen #gs-hits {
        height: 1fr;
        border: none;
        padding: 0;
        background: $panel;
    }
    SearchScreen #gs-hits > .option-list--option {
        padding: 0 1;
    }
    SearchScreen #gs-hint {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    BINDINGS = SEARCH_ALL.bindings

    last_query: ClassVar[str] = ""  # reopening shows the previous search again

    def __init__(self, store: Store, *, query: str | None = None, limit: int = 50) -> None:
        super().__init__()
        self.store = store
        self.limit = limit
        self._initial = SearchScreen.last_query if query is None else query
        self._timer: Timer | None = None
        self._generation = 0
        self._pick_when_ready = False
        self._shown = 0  # the generation on screen
        self.result: SearchResult | None = None
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="gs-dialog") as dialog:
            dialog.border_title = "Search all interviews"
            yield Input(value=self._initial, placeholder="words, \"a phrase\", prefix*, "
                        "candidate:name …", id="gs-input", select_on_focus=False)
            yield Static(Content(""), id="gs-status", markup=False)
            yield OptionList(id="gs-hits", markup=False)
            yield Static(
                Content("Enter opens the hit · ↓ goes to the hits · Escape closes · "
                        "OR, NOT, NEAR(…), ^start, column:word work too"),
                id="gs-hint", markup=False,
            )

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        if self._initial.strip():
            field.select_all()  # the last search, ready to be typed over
            self._run(self._initial)
        else:
            self._show_idle()

    # -- typing ----------------------------------------------------------------------------

    @on(Input.Changed, "#gs-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        SearchScreen.last_query = event.value
        if self._timer is not None:
            self._timer.stop()
        self._generation += 1  # whatever is running now is stale
        if not event.value.strip():
            self._timer = None
            self._show_idle()
            return
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._run(event.value))

    @property
    def _searching(self) -> bool:
        return self._shown != self._generation

    def _run(self, query: str) -> None:
        self._timer = None
        self._generation += 1
        self._set_status("searching…")
        self.run_search(query, self._generation)

    @work(thread=True, exclusive=True, group="global-search", exit_on_error=False)
    def run_search(self, query: str, generation: int) -> None:
        worker = get_current_worker()
        try:
            result = search(self.store, query, limit=self.limit)
        except QueryError as exc:
            message, result = exc.message, None
        except RZError as exc:
            message, result = exc.message, None
        except Exception as exc:  # the store must never take the app down
            message, result = f"search failed ({type(exc).__name__}: {exc})", None
        else:
            message = ""
        if worker.is_cancelled:
            return
        self.post_message(SearchDone(generation, result, message))

    # -- showing ---------------------------------------------------------------------------

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#gs-status", Static)
        status.set_class(error, "-error")
        status.update(Content(text))

    def _show_idle(self) -> None:
        self._shown = self._generation
        self._pick_when_ready = False
        self.result = None
        self.hits = []
        self.query_one(OptionList).clear_options()
        self.show_count()

    @work(thread=True, exclusive=True, group="global-search-count", exit_on_error=False)
    def show_count(self) -> None:
        try:
            n = self.store.search_doc_count()
        except Exception:
            return
        self.post_message(SearchableCount(self._generation, n))

    def on_searchable_count(self, message: SearchableCount) -> None:
        if message.generation == self._generation and not self.query_one(Input).value.strip():
            self._set_status(f"type to search {plural(message.count, 'cached answer')}")

    def on_search_done(self, done: SearchDone) -> None:
        generation, result, message = done.generation, done.result, done.message
        if generation != self._generation:
            return  # the user typed on: a newer query is on its way
        self._shown = generation
        pick, self._pick_when_ready = self._pick_when_ready, False
        options = self.query_one(OptionList)
        options.clear_options()
        self.result = result
        self.hits = list(result.hits) if result else []
        if result is None:
            self._set_status(message, error=True)
            return
        if not self.hits:
            self._set_status(f"no matches for “{result.query}”")
            return
        items: list[Option | None] = []
        for hit in self.hits:
            items += [Option(hit_prompt(hit)), None]  # None: a divider line between hits
        options.add_options(items[:-1])
        options.highlighted = 0
        if pick:
            self._choose(0)
            return
        n = len(self.hits)
        text = plural(n, "hit")
        if result.more:  # "50+ hits"
            text = text.replace(" ", "+ ", 1)
        if result.more:
            text += f" (the best {n})"
        if result.literal:
            text += " · searched for the words as typed (not search syntax)"
        self._set_status(text)

    # -- choosing --------------------------------------------------------------------------

    def _choose(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.hits):
            self.app.bell()
            return
        hit = self.hits[index]
        self.dismiss(SearchChoice(hit.interview_id, hit.question_id, hit.terms))

    @on(Input.Submitted, "#gs-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None or self._pick_when_ready or self._searching:
            # Enter before the results are in: search now (if needed), open the best hit then
            if self._timer is not None:
                self._run(event.value)
            self._pick_when_ready = True
            return
        self._choose(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected, "#gs-hits")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def on_key(self, event: events.Key) -> None:
        """Typing while the hits have focus goes on refining the query."""
        field = self.query_one(Input)
        if event.is_printable and event.character and self.focused is not field:
            event.stop()
            field.focus()
            field.insert_text_at_cursor(event.character)

    def action_to_hits(self) -> None:
        options = self.query_one(OptionList)
        if self.hits and not options.has_focus:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    def action_close(self) -> None:
        self.dismiss(None)
