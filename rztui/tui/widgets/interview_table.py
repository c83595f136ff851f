"""The interview list's table: the rows shown (row numbers into the list's compact index),
drawn from the index on demand, in the columns of ``rztui.store.list_columns``; and the status
filters the list offers.

Knows nothing of the list that holds it: the list tells it the rows and the sort, and hears of
it by message (``VirtualTable``'s)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color

from ...api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED
from ...store.list_columns import (
    NEW_MARK,
    PAST_EXPIRY_LOOK,
    SHORTLIST_MARK,
    STATUS_LOOK,
    TABLE_COLUMNS,
    UNFETCHED_LOOK,
    UNKNOWN_LOOK,
    CellContext,
    fit_widths,
    labels,
    status_look,
)
from ...store.list_views import ShownIds
from ...store.listing import SHORTLIST, ListIndex
from ..keys import TABLE
from .virtual_table import Cell, VirtualTable

__all__ = [
    "FILTER_NAMES", "NEW_MARK", "SHORTLIST_MARK", "STATUS_FILTERS", "STATUS_LOOK",
    "InterviewTable", "short_count", "status_look",
]

# Quick status filters, in the order `f` cycles them and `1`..`6` pick them (the last: the
# shortlist, whatever the status).
STATUS_FILTERS: tuple[str | None, ...] = (None, COMPLETED, IN_PROGRESS, INVITED, EXPIRED,
                                          SHORTLIST)
FILTER_NAMES = {None: "all", COMPLETED: "completed", IN_PROGRESS: "in progress",
                INVITED: "invited", EXPIRED: "expired", SHORTLIST: "the shortlist"}


def short_count(count: int) -> str:
    """A count in at most 5 characters: 999, 9,999, 12k, 123k, 1.2M."""
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


_BOLD = Style(bold=True)  # a Style, not "bold": the table's fast path draws such cells


class InterviewTable(VirtualTable):
    """The rows shown (row numbers into a ``ListIndex``), drawn from the index on demand."""

    BINDINGS = TABLE.bindings  # VirtualTable's arrows, Enter and page keys come with it

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self.index = ListIndex()
        self.rows: list[int] = []
        self.compact = False  # a narrow pane: the status as its symbol only, no job column
        self.sort_field = "added"  # the column with the sort arrow, if any
        self.sort_reverse = False
        self._widths: dict[str, int] = {}
        self._styles: dict[str, Style | str] = {}
        self._fitted_width = -1  # the width the columns were last fitted to
        self._renderers = [column.cell for column in TABLE_COLUMNS if column.cell is not None]
        self._column_names = [column.name for column in TABLE_COLUMNS]

    def on_mount(self) -> None:
        self._styles = self._theme_styles()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_columns([(column.name, column.header, 8) for column in TABLE_COLUMNS])
        self._update_labels()

    def _theme_styles(self) -> dict[str, Style | str]:
        """Each style name a cell may give (``rztui.store.list_columns``), as a Style."""
        variables = self.app.theme_variables
        styles: dict[str, Style | str] = {"": "", "bold": _BOLD}
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
        """Fixed widths from the pane width (nothing is measured per cell). Always leaves room
        for the scrollbar (drawn in the last cell): rows arrive later."""
        self._fitted_width = self.size.width
        content = max(16, self.size.width - 1 - 2 * len(TABLE_COLUMNS))  # less the padding
        self.compact, self._widths = fit_widths(content)
        self.set_widths(self._widths)
        self._update_labels()

    def set_sort(self, field: str, reverse: bool) -> None:
        """Put the sort arrow on ``field``'s column (if it is one)."""
        self.sort_field, self.sort_reverse = field, reverse
        self._update_labels()

    def _update_labels(self) -> None:
        self.set_labels(labels(self._widths, self.compact, self.sort_field, self.sort_reverse))

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
        index, styles = self.index, self._styles
        context = CellContext(self._clock(), self.compact)
        cells = []
        for render in self._renderers:
            text, style, justify = render(index, r, context)
            cells.append(Cell(text, styles.get(style, ""), justify))
        return cells

    def get_cell(self, interview_id: str, column: str) -> Text:
        """The cell of ``column`` ("status", "candidate", ...) as drawn for ``interview_id``."""
        r = self.index.pos[interview_id]
        return self._cells(r)[self._column_names.index(column)].as_text()

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
