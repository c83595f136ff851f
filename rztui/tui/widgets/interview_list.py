"""The interview list: a filter box, a status filter line and a fast DataTable.

Speed with 10,000 tracked interviews comes from doing the work once:

- each row's cells (rich ``Text``, never markup) and a lowercase haystack are built once per
  row, when the rows are loaded or when one row changes (``refresh_row``);
- filtering and sorting work on plain Python lists of ids; the table then swaps its row set in
  one step (``InterviewTable.show``) instead of ``clear()`` + ``add_row()`` per row, which costs
  ~1 s for 10k rows here because DataTable measures every cell again;
- columns have fixed widths we compute from the pane width, so nothing is measured per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Vertical
from textual.content import Content
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey, Row, RowKey

from ...api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED
from ...formats import relative_time
from ...store import ListRow
from ...textsafe import clean_line

# status -> (symbol, label, theme colour variable). The label makes it readable without colour.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    COMPLETED: ("●", "completed", "text-success"),
    IN_PROGRESS: ("◐", "in progress", "text-warning"),
    INVITED: ("○", "invited", "text-primary"),
    EXPIRED: ("✕", "expired", "text-error"),
}
UNKNOWN_LOOK = ("?", "", "text-secondary")
UNFETCHED_LOOK = ("·", "not fetched", "foreground-muted")

# Quick status filters, in the order `f` cycles them and `1`..`5` pick them.
STATUS_FILTERS: tuple[str | None, ...] = (None, COMPLETED, IN_PROGRESS, INVITED, EXPIRED)
FILTER_NAMES = {None: "all", COMPLETED: "completed", IN_PROGRESS: "in progress",
                INVITED: "invited", EXPIRED: "expired"}

# Sort fields, in the order `s` cycles them. "added" is the order they were tracked in.
SORT_FIELDS = ("added", "candidate", "job", "status", "when", "answered")
SORT_NAMES = {"added": "date added", "candidate": "candidate", "job": "job", "status": "status",
              "when": "date", "answered": "answers"}
_STATUS_RANK = {IN_PROGRESS: 0, INVITED: 1, COMPLETED: 2, EXPIRED: 3}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("candidate", "Candidate"),
    ("job", "Job"),
    ("when", "When"),
    ("answered", "Ans"),
)
_COLUMN_KEYS = {key: ColumnKey(key) for key, _ in COLUMNS}


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def when_of(row: ListRow) -> datetime | None:
    """The moment the "When" column shows: completed -> when it completed, in progress -> when
    it started, invited/expired -> when the link expires (``in 3d`` / ``2d ago``). The status
    column says which, so the cell stays short."""
    status = row.status
    stamp = None
    if status == COMPLETED:
        stamp = row.completed_at
    elif status == IN_PROGRESS:
        stamp = row.started_at
    elif status in (INVITED, EXPIRED):
        stamp = row.expires_at
    return _parse(stamp or row.completed_at or row.started_at or row.created_at)


class Cell:
    """A table cell that becomes ``rich.text.Text`` only when it is drawn.

    Building 50,000 ``Text`` objects for 10k rows costs more than everything else at start-up;
    only the ~40 visible rows are ever rendered. Never markup: the text is shown as is.
    """

    __slots__ = ("plain", "style", "justify")

    def __init__(self, plain: str, style: Style | str = "", justify: str = "left") -> None:
        self.plain = plain
        self.style = style
        self.justify = justify

    def __rich__(self) -> Text:
        return Text(self.plain, style=self.style, justify=self.justify,  # type: ignore[arg-type]
                    no_wrap=True, overflow="ellipsis", end="")

    def __str__(self) -> str:
        return self.plain


class WhenCell:
    """``3d ago`` / ``in 2d``, computed when drawn, so it is always relative to now."""

    __slots__ = ("moment", "clock")

    def __init__(self, moment: datetime | None, clock: Callable[[], datetime]) -> None:
        self.moment = moment
        self.clock = clock

    @property
    def plain(self) -> str:
        return relative_time(self.moment, self.clock()) if self.moment else "—"

    def __rich__(self) -> Text:
        return Text(self.plain, no_wrap=True, overflow="ellipsis", end="")

    def __str__(self) -> str:
        return self.plain


def status_look(status: str | None) -> tuple[str, str, str]:
    if status is None:
        return UNFETCHED_LOOK
    look = STATUS_LOOK.get(status)
    if look is not None:
        return look
    return UNKNOWN_LOOK[0], clean_line(status)[:24] or "unknown", UNKNOWN_LOOK[2]


@dataclass(slots=True)
class Entry:
    """One tracked interview, with everything the list needs precomputed."""

    row: ListRow
    key: RowKey
    cells: dict[ColumnKey, Cell | WhenCell]
    table_row: Row
    haystack: str
    when_ts: float
    name_key: str
    job_key: str
    status_full: Cell
    status_short: Cell

    @property
    def id(self) -> str:
        return self.row.id

    def use_compact(self, compact: bool) -> None:
        self.cells[_COLUMN_KEYS["status"]] = self.status_short if compact else self.status_full


def build_entry(row: ListRow, clock: Callable[[], datetime], styles: dict[str, Style],
                compact: bool = False) -> Entry:
    """All the per-row work, done once. Every API string is cleaned, and cells are drawn as
    ``Text``, so a ``[@click=...]`` name is shown as text, never run as markup."""
    symbol, label, colour_var = status_look(row.status)
    name = clean_line(row.candidate_name) or clean_line(row.label) or (
        clean_line(row.id) if row.status is None else "—")  # not fetched yet: show the id
    job = clean_line(row.job_title) or "—"
    moment = when_of(row)
    if row.status in (INVITED, EXPIRED, None) and not row.answered:
        answered = "—"
    else:
        answered = str(row.answered)
    key = RowKey(row.id)
    style = styles.get(colour_var, "")
    status_full = Cell(f"{symbol} {label}", style)
    status_short = Cell(symbol, style)
    cells: dict[ColumnKey, Cell | WhenCell] = {
        _COLUMN_KEYS["status"]: status_short if compact else status_full,
        _COLUMN_KEYS["candidate"]: Cell(name),
        _COLUMN_KEYS["job"]: Cell(job),
        _COLUMN_KEYS["when"]: WhenCell(moment, clock),
        _COLUMN_KEYS["answered"]: Cell(answered, justify="right"),
    }
    haystack = " ".join((
        name, clean_line(row.candidate_email), job, clean_line(row.id),
        clean_line(row.status or "not fetched"), label,
    )).casefold()
    when_ts = moment.timestamp() if moment is not None else (
        row.added_at if row.status is None else 0.0)
    return Entry(row, key, cells, Row(key, 1), haystack, when_ts, name.casefold(),
                 job.casefold(), status_full, status_short)


def sort_key(field: str) -> Callable[[Entry], object]:
    if field == "candidate":
        return lambda e: (e.name_key, e.row.added_at)
    if field == "job":
        return lambda e: (e.job_key, e.name_key)
    if field == "status":
        return lambda e: (_STATUS_RANK.get(e.row.status or "", 4), -e.when_ts)
    if field == "when":
        return lambda e: (e.when_ts, e.row.added_at)
    if field == "answered":
        return lambda e: (e.row.answered, e.name_key)
    return lambda e: e.row.added_at


class InterviewTable(DataTable):
    """A DataTable whose row set is swapped in one step (see module docstring)."""

    BINDINGS = [
        Binding("home,g", "scroll_top", "First", show=False),
        Binding("end,G", "scroll_bottom", "Last", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    # Set by the fast path: the row order DataTable would otherwise recompute per update.
    # (Class attributes: DataTable.__init__ already reads ``ordered_rows``.)
    _fast_rows: list[Row] | None = None
    _fast_offsets: list[tuple[RowKey, int]] | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.visible_ids: list[str] = []

    @property
    def ordered_rows(self) -> list[Row]:
        if self._fast_rows is not None:
            return self._fast_rows
        return super().ordered_rows

    @property
    def _y_offsets(self) -> list[tuple[RowKey, int]]:
        if self._fast_offsets is not None:
            return self._fast_offsets
        return super()._y_offsets

    def redraw(self) -> None:
        self._clear_caches()
        self.refresh()

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, width=8, key=key)

    def on_resize(self, _event: events.Resize) -> None:
        owner = self.parent
        if isinstance(owner, InterviewList):
            owner.table_resized()

    def show(self, entries: Sequence[Entry], keep: str | None = None) -> None:
        """Replace the rows with ``entries`` (in order); keep the cursor on ``keep`` if shown.

        Sets DataTable's row bookkeeping directly: ``clear()`` + ``add_row()`` per row would
        measure every cell again. Falls back to the public API if those internals change.
        """
        self.visible_ids = [e.id for e in entries]
        target = 0
        if keep is not None:
            try:
                target = self.visible_ids.index(keep)
            except ValueError:
                target = 0
        try:
            self._fast_replace(entries)
        except AttributeError:  # pragma: no cover - a Textual release changed DataTable
            self._fast_rows = self._fast_offsets = None
            self.clear()
            for e in entries:
                self.add_row(*e.cells.values(), key=e.id)
        if entries:
            self.move_cursor(row=target, column=0, animate=False)
        self.refresh()

    def _fast_replace(self, entries: Sequence[Entry]) -> None:
        from textual._two_way_dict import TwoWayDict

        self._clear_caches()
        self._data = {e.key: e.cells for e in entries}
        self.rows = {e.key: e.table_row for e in entries}
        self._row_locations = TwoWayDict({e.key: i for i, e in enumerate(entries)})
        self._fast_rows = [e.table_row for e in entries]
        self._fast_offsets = [(e.key, 0) for e in entries]
        self._new_rows.clear()
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = Coordinate(0, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.check_idle()

    def replace_cells(self, entry: Entry) -> None:
        """One row changed: point its cells at the new ones and redraw (no remeasure)."""
        if entry.key not in self._data:
            return
        self._data[entry.key] = entry.cells
        self._clear_caches()
        self.refresh()

    @property
    def current_id(self) -> str | None:
        if not self.visible_ids:
            return None
        row = self.cursor_row
        if 0 <= row < len(self.visible_ids):
            return self.visible_ids[row]
        return None

    def set_widths(self, widths: dict[str, int]) -> None:
        for key, width in widths.items():
            column = self.columns.get(_COLUMN_KEYS[key])
            if column is not None:
                column.width = max(0, width)
                column.auto_width = False
        self._clear_caches()
        self._require_update_dimensions = True
        self.check_idle()
        self.refresh()

    def set_labels(self, labels: dict[str, str]) -> None:
        for key, label in labels.items():
            column = self.columns.get(_COLUMN_KEYS[key])
            if column is not None:
                column.label = Text(label, no_wrap=True, end="")  # never markup
        self._clear_caches()
        self.refresh()


class InterviewList(Vertical):
    """Filter input + status filter line + table. Posts ``Highlighted`` and ``Opened``."""

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("s", "cycle_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False),
        Binding("f", "cycle_status", "Status filter", show=False),
        Binding("1", "status_filter(0)", "All", show=False),
        Binding("2", "status_filter(1)", "Completed", show=False),
        Binding("3", "status_filter(2)", "In progress", show=False),
        Binding("4", "status_filter(3)", "Invited", show=False),
        Binding("5", "status_filter(4)", "Expired", show=False),
    ]

    class Highlighted(Message):
        """The interview under the cursor changed (``None``: the list is empty)."""

        def __init__(self, interview_id: str | None) -> None:
            self.interview_id = interview_id
            super().__init__()

    class Opened(Message):
        """Enter on a row, or Enter in the filter: open it (focus moves to the transcript)."""

        def __init__(self, interview_id: str) -> None:
            self.interview_id = interview_id
            super().__init__()

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self.entries: dict[str, Entry] = {}
        self._ordered: list[Entry] = []  # all entries in the current sort order
        self.sort_field = "added"
        self.sort_reverse = False
        self.status_filter: str | None = None
        self.filter_text = ""
        self._last_highlighted: str | None = ""  # "" = never posted
        self._styles: dict[str, Style] = {}
        self.compact = False  # narrow pane: status symbol only, no job column
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter: name, email, job, id, status", id="filter",
                    compact=True, select_on_focus=False)
        yield Static(id="status-tabs", markup=False)
        yield InterviewTable(id="table")
        yield Static(Content("Loading tracked interviews…"), id="list-empty", markup=False)

    @property
    def table(self) -> InterviewTable:
        return self.query_one(InterviewTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    def on_mount(self) -> None:
        self._styles = self._theme_styles()
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._update_tabs()
        self._update_labels()

    # -- rows ------------------------------------------------------------------------------

    def _theme_styles(self) -> dict[str, Style]:
        variables = self.app.theme_variables
        styles: dict[str, Style] = {}
        for _symbol, _label, var in (*STATUS_LOOK.values(), UNKNOWN_LOOK, UNFETCHED_LOOK):
            value = variables.get(var) or variables.get(var.removeprefix("text-"))
            try:
                styles[var] = Style(color=Color.parse(value).rich_color) if value else Style()
            except Exception:
                styles[var] = Style()
        return styles

    def _on_theme_changed(self, _theme: object) -> None:
        self._styles = self._theme_styles()
        self.rebuild_cells()

    def build_entries(self, rows: Iterable[ListRow]) -> dict[str, Entry]:
        """Pure work (safe in a thread): one Entry per row."""
        clock = self._clock
        styles = self._styles or self._theme_styles()
        compact = self.compact
        return {row.id: build_entry(row, clock, styles, compact) for row in rows}

    def set_entries(self, entries: dict[str, Entry]) -> None:
        self.entries = entries
        self.loaded = True
        self._resort()
        self.apply_filters()

    def rebuild_cells(self) -> None:
        """Recompute every row's cells (the theme changed)."""
        if not self.entries:
            return
        self.entries = self.build_entries(e.row for e in self.entries.values())
        self._resort()
        self.apply_filters()

    def redraw(self) -> None:
        """Relative times are computed when drawn: redrawing moves them on."""
        self.table.redraw()

    def refresh_row(self, interview_id: str) -> None:
        """Reload one row from the store and update it in place (the poller's entry point).

        The row keeps its position even if it no longer matches the filter or sort: rows do not
        jump away under the cursor. A row that is no longer tracked is removed.
        """
        store = self.app.store  # type: ignore[attr-defined]
        row = store.row(interview_id)
        if row is None:
            self.remove_ids([interview_id])
            return
        old = self.entries.get(interview_id)
        entry = build_entry(row, self._clock, self._styles or self._theme_styles(),
                            self.compact)
        self.entries[interview_id] = entry
        if old is None:
            self._resort()
            self.apply_filters()
            return
        for i, e in enumerate(self._ordered):
            if e.id == interview_id:
                self._ordered[i] = entry
                break
        self.table.replace_cells(entry)
        self._update_tabs()

    def add_rows(self, rows: Iterable[ListRow]) -> None:
        new = self.build_entries(rows)
        if not new:
            return
        self.entries.update(new)
        self._resort()
        self.apply_filters()

    def remove_ids(self, ids: Iterable[str]) -> None:
        gone = set(ids)
        if not gone & self.entries.keys():
            return
        table = self.table
        # Keep the cursor where it was (the next row moves up into it).
        row_index = table.cursor_row
        for iid in gone:
            self.entries.pop(iid, None)
        self._ordered = [e for e in self._ordered if e.id not in gone]
        visible = self._visible()
        keep = visible[min(row_index, len(visible) - 1)].id if visible else None
        self._show(visible, keep)

    # -- filtering and sorting -------------------------------------------------------------

    def _resort(self) -> None:
        self._ordered = sorted(self.entries.values(), key=sort_key(self.sort_field),
                               reverse=self.sort_reverse)

    def _visible(self) -> list[Entry]:
        terms = self.filter_text.casefold().split()
        status = self.status_filter
        entries = self._ordered
        if status is not None:
            entries = [e for e in entries if e.row.status == status]
        for term in terms:  # every term must match (AND), narrowing as we go
            entries = [e for e in entries if term in e.haystack]
        return list(entries) if entries is self._ordered else entries

    def apply_filters(self, keep: str | None = None) -> None:
        if keep is None:
            keep = self.table.current_id
        self._show(self._visible(), keep)

    def _show(self, visible: list[Entry], keep: str | None) -> None:
        self.table.show(visible, keep)
        self._update_tabs()
        self._update_empty(len(visible))
        self._post_highlight()

    def _update_empty(self, shown: int) -> None:
        empty = self.query_one("#list-empty", Static)
        if not self.loaded:
            text = "Loading tracked interviews…"
        elif not self.entries:
            text = "No interviews tracked yet.\nPress a to add some by id or pasted URL."
        elif shown == 0:
            text = "Nothing matches.\nEsc clears the filter; 1 shows every status."
        else:
            text = ""
        empty.update(Content(text))
        empty.display = bool(text)

    def _update_tabs(self) -> None:
        counts: dict[str | None, int] = {s: 0 for s in STATUS_FILTERS}
        for e in self.entries.values():
            if e.row.status in counts:
                counts[e.row.status] += 1
        counts[None] = len(self.entries)
        parts: list[Content] = []
        for n, status in enumerate(STATUS_FILTERS, start=1):
            symbol = "all" if status is None else STATUS_LOOK[status][0]
            label = f"{n} {symbol} {counts[status]}"
            if status == self.status_filter:
                parts.append(Content.styled(f" {label} ", "bold reverse"))
            else:
                parts.append(Content.styled(label, "dim"))
        shown = len(self.table.visible_ids)
        arrow = "▼" if self.sort_reverse else "▲"
        line1 = Content(" ").join(parts)
        line2 = Content.assemble(
            (f"{shown:,}", "bold"), f" of {len(self.entries):,} · ",
            (FILTER_NAMES[self.status_filter], "bold"),
            f" · by {SORT_NAMES[self.sort_field]} {arrow}",
        )
        self.query_one("#status-tabs", Static).update(Content("\n").join([line1, line2]))

    def _update_labels(self) -> None:
        arrow = " ▼" if self.sort_reverse else " ▲"
        labels = {key: label + (arrow if key == self.sort_field else "") for key, label in COLUMNS}
        if self.compact:
            labels["status"] = ""
            labels["job"] = ""
        self.table.set_labels(labels)

    def set_sort(self, field: str, reverse: bool = False) -> None:
        keep = self.table.current_id
        self.sort_field = field
        self.sort_reverse = reverse
        self._resort()
        self._update_labels()
        self.apply_filters(keep)

    @property
    def filter_active(self) -> bool:
        """Whether the list shows a subset: filter text or a status filter."""
        return bool(self.filter_text.split()) or self.status_filter is not None

    def filter_description(self) -> str:
        """``“jane” · completed``: what the filter is, for a dialog title."""
        parts = []
        if self.filter_text.strip():
            parts.append(f"“{clean_line(self.filter_text.strip())[:40]}”")
        if self.status_filter is not None:
            parts.append(FILTER_NAMES[self.status_filter])
        return " · ".join(parts)

    def show_id(self, interview_id: str) -> bool:
        """Put the cursor on ``interview_id``, clearing the filters if they hide it. Returns
        False when it is not tracked at all."""
        if interview_id not in self.entries:
            return False
        if interview_id not in self.table.visible_ids:
            with self.filter_input.prevent(Input.Changed):
                self.filter_input.value = ""
            self.filter_text = ""
            self.status_filter = None
        self.apply_filters(interview_id)
        return True

    def set_status_filter(self, status: str | None) -> None:
        self.status_filter = status
        self.apply_filters()

    def set_filter_text(self, text: str) -> None:
        self.filter_text = text
        self.apply_filters()

    def action_cycle_sort(self) -> None:
        i = SORT_FIELDS.index(self.sort_field)
        self.set_sort(SORT_FIELDS[(i + 1) % len(SORT_FIELDS)])

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_field, not self.sort_reverse)

    def action_cycle_status(self) -> None:
        i = STATUS_FILTERS.index(self.status_filter)
        self.set_status_filter(STATUS_FILTERS[(i + 1) % len(STATUS_FILTERS)])

    def action_status_filter(self, index: int) -> None:
        self.set_status_filter(STATUS_FILTERS[index])

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    # -- events ----------------------------------------------------------------------------

    def _post_highlight(self) -> None:
        current = self.table.current_id
        if current != self._last_highlighted:
            self._last_highlighted = current
            self.post_message(self.Highlighted(current))

    @on(DataTable.RowHighlighted, "#table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._post_highlight()

    @on(DataTable.RowSelected, "#table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        current = self.table.current_id
        if current is not None:
            self.post_message(self.Opened(current))

    @on(DataTable.HeaderSelected, "#table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        field = str(event.column_key.value)
        if field == self.sort_field:
            self.set_sort(field, not self.sort_reverse)
        else:
            self.set_sort(field)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter_text(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        table = self.table
        table.focus()
        if table.visible_ids:
            table.move_cursor(row=0)
            self._post_highlight()
            self.post_message(self.Opened(table.visible_ids[0]))

    def action_clear_filter(self) -> None:
        """Escape: clear the filter text and go back to the list."""
        keep = self.table.current_id
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self.filter_text = ""
        self.apply_filters(keep)
        self.table.focus()

    def table_resized(self) -> None:
        # Always leave room for the scrollbar (1 cell in app.tcss): rows arrive later.
        self._fit_columns(self.table.size.width - 1)

    def _fit_columns(self, width: int) -> None:
        """Fixed widths from the pane width (nothing is measured per cell). A narrow pane shows
        the status as its symbol only and drops the job column: the name matters more."""
        content = max(16, width - 2 * len(COLUMNS))  # less each column's padding
        when, answered = 7, 3
        compact = content - 11 - when - answered < 20
        if compact:
            status, job = 1, 0
            candidate = max(6, content - status - when - answered)
        else:
            status = 13 if content >= 70 else 11
            rest = content - status - when - answered
            candidate = max(12, int(rest * 0.56))
            job = max(0, rest - candidate)
        if compact != self.compact:
            self.compact = compact
            for entry in self.entries.values():
                entry.use_compact(compact)
        self.table.set_widths({"status": status, "candidate": candidate, "job": job,
                               "when": when, "answered": answered})
        self._update_labels()
