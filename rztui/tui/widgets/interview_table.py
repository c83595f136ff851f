"""The interview list's table: its columns, how a status looks, read-only views over the list's
compact index (``Entry``, ``Entries``, ``ShownIds``) and the virtual table that draws the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence, ValuesView
from datetime import datetime
from typing import overload

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.color import Color

from ...api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED
from ...formats import relative_time
from ...store.listing import (
    NO_VALUE,
    SHORTLIST,
    ListIndex,
)
from ...textsafe import clean_line
from .virtual_table import Cell, VirtualTable

# status -> (symbol, label, theme colour variable). The label makes it readable without colour.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    COMPLETED: ("●", "completed", "text-success"),
    IN_PROGRESS: ("◐", "in progress", "text-warning"),
    INVITED: ("○", "invited", "text-primary"),
    EXPIRED: ("✕", "expired", "text-error"),
}
UNKNOWN_LOOK = ("?", "", "text-secondary")
UNFETCHED_LOOK = ("·", "not fetched", "foreground-muted")

# Quick status filters, in the order `f` cycles them and `1`..`6` pick them (the last: the
# shortlist, whatever the status).
STATUS_FILTERS: tuple[str | None, ...] = (None, COMPLETED, IN_PROGRESS, INVITED, EXPIRED,
                                          SHORTLIST)
FILTER_NAMES = {None: "all", COMPLETED: "completed", IN_PROGRESS: "in progress",
                INVITED: "invited", EXPIRED: "expired", SHORTLIST: "the shortlist"}
SHORTLIST_MARK = "✓"
NEW_MARK = "•"  # completed or answered since last opened (and the name is bold)

# Sort fields, in the order `s` cycles them. "added" is the order they were tracked in.
SORT_NAMES = {"added": "date added", "candidate": "candidate", "job": "job", "status": "status",
              "when": "date", "answered": "answers", "rating": "your rating"}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("candidate", "Candidate"),
    ("job", "Job"),
    ("when", "When"),
    ("answered", "Ans"),
    ("rating", "★"),  # • new, ✓ shortlisted, then your rating
)


PAST_EXPIRY_LOOK = ("◌", "invited · past expiry", "text-warning")


def status_look(status: str | None, past_expiry: bool = False) -> tuple[str, str, str]:
    """(symbol, label, colour) for a status; ``past_expiry``: still "invited" after its
    ``expires_at`` (the API has not said "expired" yet)."""
    if status is None:
        return UNFETCHED_LOOK
    if past_expiry and status == INVITED:
        return PAST_EXPIRY_LOOK
    look = STATUS_LOOK.get(status)
    if look is not None:
        return look
    return UNKNOWN_LOOK[0], clean_line(status)[:24] or "unknown", UNKNOWN_LOOK[2]


def _short(count: int) -> str:
    """A count in at most 5 characters: 999, 9,999, 12k, 123k, 1.2M."""
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


_BOLD = Style(bold=True)  # a Style, not "bold": the table's fast path draws such cells




class Entry:
    """One tracked interview as the list has it (``InterviewList.entries[id]``).

    Read from the index when asked: no object per row is kept. ``row`` is the entry itself: it
    has the fields the app reads from a store row (``status``, ``candidate_name``, ...).
    """

    __slots__ = ("_index", "_row")

    def __init__(self, index: ListIndex, row: int) -> None:
        self._index = index
        self._row = row

    @property
    def id(self) -> str:
        return self._index.ids[self._row]

    @property
    def row(self) -> Entry:
        return self

    @property
    def status(self) -> str | None:
        return self._index.status[self._row]

    @property
    def candidate_name(self) -> str:
        return self._index.view(self._row).candidate_name

    @property
    def job_title(self) -> str:
        return self._index.view(self._row).job_title

    @property
    def answered(self) -> int:
        return self._index.answered[self._row]

    @property
    def added_at(self) -> float:
        return self._index.added[self._row]

    @property
    def name_key(self) -> str:
        return self._index.names[self._row].casefold()

    @property
    def job_key(self) -> str:
        return self._index.jobs[self._row].casefold()

    @property
    def haystack(self) -> str:
        return self._index.haystack[self._row]


class _EntryValues(ValuesView[Entry]):
    _mapping: Entries

    def __iter__(self) -> Iterator[Entry]:
        index = self._mapping.index
        return (Entry(index, row) for row in list(index.pos.values()))


class Entries(Mapping[str, Entry]):
    """Every tracked interview, by id: a read-only view of the index."""

    def __init__(self, index: ListIndex) -> None:
        self.index = index

    def __getitem__(self, interview_id: str) -> Entry:
        return Entry(self.index, self.index.pos[interview_id])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.index.pos))

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, interview_id: object) -> bool:
        return interview_id in self.index.pos

    def values(self) -> _EntryValues:
        return _EntryValues(self)


class ShownIds(Sequence[str]):
    """The ids of the rows shown, in order (a view: nothing is copied)."""

    def __init__(self, index: ListIndex, rows: list[int]) -> None:
        self._ids = index.ids
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self._ids[r] for r in self._rows[i]]
        return self._ids[self._rows[i]]

    def __iter__(self) -> Iterator[str]:
        ids = self._ids
        return (ids[r] for r in self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other,
                                                                         strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        return f"ShownIds({list(self)!r})"


class InterviewTable(VirtualTable):
    """The rows shown (row numbers into a ``ListIndex``), drawn from the index on demand."""

    BINDINGS = [
        Binding("home,g", "scroll_top", "First", show=False),
        Binding("end,G", "scroll_bottom", "Last", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self.index = ListIndex()
        self.rows: list[int] = []
        self.compact = False  # the status as its symbol only
        self._styles: dict[str, Style] = {}
        self._fitted_width = -1  # the width the columns were last fitted to

    def on_mount(self) -> None:
        self._styles = self._theme_styles()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_columns([(key, label, 8) for key, label in COLUMNS])

    def _theme_styles(self) -> dict[str, Style]:
        variables = self.app.theme_variables
        styles: dict[str, Style] = {}
        for _symbol, _label, var in (*STATUS_LOOK.values(), UNKNOWN_LOOK, UNFETCHED_LOOK,
                                     PAST_EXPIRY_LOOK):
            value = variables.get(var) or variables.get(var.removeprefix("text-"))
            try:
                styles[var] = Style(color=Color.parse(value).rich_color) if value else Style()
            except Exception:
                styles[var] = Style()
        accent = variables.get("text-accent") or variables.get("accent")
        try:
            styles["new"] = Style(color=Color.parse(accent).rich_color, bold=True) if accent \
                else Style(bold=True)
        except Exception:
            styles["new"] = Style(bold=True)
        return styles

    def _theme_changed(self, _theme: object) -> None:
        self._styles = self._theme_styles()
        self.redraw()

    def before_render(self) -> None:
        # The columns fit the width in the frame that first shows it, not one frame later
        # (the first frame would show "● compl…" before the Resize event came).
        if self.size.width != self._fitted_width:
            self._fit_to_width()

    def on_resize(self, _event: events.Resize) -> None:
        if self.size.width != self._fitted_width:
            self._fit_to_width()

    def _fit_to_width(self) -> None:
        from .interview_list import InterviewList  # the table's owner; imports this module

        self._fitted_width = self.size.width
        owner = self.parent
        if isinstance(owner, InterviewList):
            owner.table_resized()

    # -- rows ------------------------------------------------------------------------------

    def show(self, index: ListIndex, rows: list[int], cursor: int = 0) -> None:
        """Show ``rows`` of ``index`` (in order), the cursor on row ``cursor``."""
        if index is not self.index:
            self.index = index
            self.redraw()  # row numbers are cache keys: another index, other rows
        self.rows = rows
        self.rows_changed(cursor)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def row_key(self, row: int) -> int:
        return self.rows[row]

    def row_cells(self, row: int) -> list[Cell]:
        return self._cells(self.rows[row])

    def _cells(self, r: int) -> list[Cell]:
        """A row's cells: text, never markup; too long, cut with an ellipsis."""
        index = self.index
        moment = index.moment_of(r)
        now = self._clock()
        status = index.status[r]
        # An invited row's moment is its expiry (see rztui.store.listing).
        past = status == INVITED and moment is not None and moment <= now
        symbol, label, colour = status_look(status, past_expiry=past)
        new = index.new[r]
        return [
            Cell(symbol if self.compact else f"{symbol} {label}", self._styles.get(colour, "")),
            Cell(index.names[r], _BOLD if new else ""),
            Cell(index.jobs[r]),
            Cell(relative_time(moment, now) if moment else NO_VALUE, "", None),
            Cell(index.answered_text(r), "", "right"),
            Cell(f"{NEW_MARK if new else ''}"
                 f"{SHORTLIST_MARK if index.shortlisted[r] else ''}{index.rating[r] or ''}",
                 self._styles.get("new", ""), "right"),
        ]

    def get_cell(self, interview_id: str, column: str) -> Text:
        """The cell of ``column`` ("status", "candidate", ...) as drawn for ``interview_id``."""
        r = self.index.pos[interview_id]
        return self._cells(r)[[key for key, _ in COLUMNS].index(column)].as_text()

    @property
    def visible_ids(self) -> ShownIds:
        return ShownIds(self.index, self.rows)

    @property
    def current_id(self) -> str | None:
        if not self.rows:
            return None
        row = self.cursor_row
        if 0 <= row < len(self.rows):
            return self.index.ids[self.rows[row]]
        return None
