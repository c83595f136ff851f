"""The interview list: a filter box, a status filter line and a virtual table.

Built for any number of tracked interviews (see ``rztui.store.listing``):

- before the first frame, one indexed query reads the first rows by date added (the default
  order), so rows are on screen at once whatever the size of the store;
- the app then loads a compact index of every row in a worker (``load_index``) and hands it
  over (``set_entries``); tab counts, sorting and filtering start from there;
- the table (``InterviewTable``) draws only the rows on screen, from the index, so a new row
  set (a keystroke in the filter) costs nothing to show;
- sorting and filtering work on lists of row numbers. One that must look at more than
  ``SYNC_ROWS`` rows runs in an exclusive thread worker, where the latest request wins; a smaller
  one runs inline (a few ms), so the keystroke and its rows reach the screen in one frame.
  Typing on refines the rows shown last instead of starting over.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content, Span
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ...store import ListRow, Store
from ...store.list_columns import SORT_FIELDS, SORT_NAMES, SORTS
from ...store.list_views import Entries
from ...store.listing import (
    SHORTLIST,
    HasPath,
    ListIndex,
    Selection,
    first_page,
    fold_terms,
    index_rows,
    listing_of,
    load_index,
)
from ...textsafe import clean_line
from ..keys import LIST
from .interview_table import (
    FILTER_NAMES,
    SHORTLIST_MARK,
    STATUS_FILTERS,
    STATUS_LOOK,
    InterviewTable,
    short_count,
)
from .list_plan import Plan, PlanResult
from .virtual_table import VirtualTable

# Other modules import these from here: the list's public names.
__all__ = [
    "FILTER_NAMES", "SORT_FIELDS", "SORT_NAMES", "STATUS_FILTERS", "FilterInput",
    "InterviewList", "InterviewTable",
]


class FilterInput(Input):
    """The filter box. The text's width is its ``virtual_size`` (where it may scroll to): its
    own business, not the screen's layout, so a keystroke repaints it without laying out every
    widget on the screen (the box's size comes from the CSS)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class InterviewList(Vertical):
    """Filter input + status filter line + table. Posts ``Highlighted`` and ``Opened``."""

    DEFAULT_CSS = """
    InterviewList > #status-tabs, InterviewList > #status-count {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    InterviewList > #filter {
        height: 1;
        margin: 0 1 0 1;
        border: none;
        background: $boost;
        &:focus {
            background: $primary 20%;
        }
    }
    InterviewList > #status-tabs, InterviewList > #status-count {
        height: 1;
        padding: 0 1;
        color: $foreground;
    }
    InterviewList > #table {
        height: 1fr;  /* it draws its own scrollbar (virtual_table.py) */
    }
    InterviewList > #list-empty {
        height: auto;
        padding: 1 2;
        color: $text-muted;
    }
    """

    #: Sorting and filtering run inline when they look at up to this many rows (a few ms),
    #: else in a thread worker.
    SYNC_ROWS: ClassVar[int] = 10_000
    #: A filter typed or picked whose rows are worked out in a worker holds the screen's next
    #: frame until they come, for at most this long: the text and its rows then show in one
    #: frame. (Without it the text shows at once, and Textual's frame pacing puts the rows one
    #: or two frames, 17-33 ms, after it, however soon the worker is done.)
    HOLD_FRAME: ClassVar[float] = 0.04
    #: While the filter box has the focus, the row under the cursor is announced (and its
    #: transcript opened) once the rows have stayed this long.
    TYPING_PAUSE: ClassVar[float] = 0.15

    BINDINGS = LIST.bindings  # f and 1-6 (status filters) are the screen's: any pane

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

    def __init__(self, *, clock: Callable[[], datetime], store: Store | None = None,
                 **kwargs) -> None:
        """``store``: where the rows come from (the first page, a row that changed)."""
        super().__init__(**kwargs)
        self._clock = clock
        self._store = store
        self.index = ListIndex()  # the first page until the whole index is loaded
        self.sort_field = "added"
        self.sort_reverse = False
        self.status_filter: str | None = None
        self.filter_text = ""
        self._last_highlighted: str | None = ""  # "" = never posted
        self._last_row_id: str | None = None  # the last row the cursor was on
        self.loaded = False
        self._serial = 0  # of the latest request for rows
        self._shown_serial = 0  # of the one on screen
        self._order: list[int] | None = None  # the rows in the current sort order
        self._order_for: tuple[str, bool, int] | None = None  # (field, reverse, index version)
        self._order_version = 0
        self._selection: Selection | None = None  # the rows shown, to refine while typing
        self._open_first = False  # Enter in the filter before its rows arrived
        self._empty_text = "Loading tracked interviews…"
        self._lines_shown: dict[str | None, tuple[str, tuple[Span, ...]]] = {}
        self._tab_key: tuple[object, ...] | None = None
        self._held: AbstractContextManager[None] | None = None  # see ``HOLD_FRAME``
        self._hold_timer: Timer | None = None
        self._typing_pause: Timer | None = None
        # Made with the list, so news that arrives while the app closes still finds them.
        self._filter = FilterInput(placeholder="/ filter: name, email, job, id, status",
                                   id="filter", compact=True, select_on_focus=False)
        self._tabs = Static(id="status-tabs", markup=False)  # 1 ● 8,000  2 ◐ 4,000 ...
        self._count = Static(id="status-count", markup=False)  # 120 of 20,000 · all · by date
        self._table = InterviewTable(id="table", clock=self._clock)
        self._empty = Static(Content("Loading tracked interviews…"), id="list-empty",
                             markup=False)

    def compose(self) -> ComposeResult:
        yield self._filter
        yield self._tabs
        yield self._count
        yield self._table
        yield self._empty

    @property
    def table(self) -> InterviewTable:
        return self._table

    @property
    def filter_input(self) -> Input:
        return self._filter

    @property
    def entries(self) -> Entries:
        """Every tracked interview by id (once ``loaded``; before, the first page)."""
        return Entries(self.index)

    def on_mount(self) -> None:
        self._show_first_page()
        self._update_tabs()
        # Filter on the keystroke itself, not on the Changed message that follows it: the text
        # typed and the rows it leaves then reach the screen in the same frame.
        self.watch(self.filter_input, "value", self._filter_value, init=False)

    # -- loading -----------------------------------------------------------------------------

    def _show_first_page(self) -> None:
        """Rows on the first frame: one indexed query, whatever the size of the store. The
        app loads the whole index after that frame (``load_index``, ``set_entries``)."""
        store = self._store
        if store is None or self.loaded:
            return
        try:
            rows = first_page(store)
        except sqlite3.Error:
            return  # the whole index will come (or say what is wrong)
        if not rows:
            return
        index = ListIndex()
        for row in rows:
            index.put(row)
        self.index = index
        self.table.show(index, list(range(len(index))))
        self._update_empty(len(index))
        self.call_after_refresh(self._post_highlight)  # the rows first, then the transcript

    @staticmethod
    def load_index(store: HasPath) -> ListIndex:
        """Every tracked row as a compact index: pure work, for a worker thread."""
        return load_index(store)

    def set_entries(self, index: ListIndex) -> None:
        """The whole index (from ``load_index``): show it in the current sort and filters."""
        self.index = index
        self.loaded = True
        self._order = self._order_for = self._selection = None
        self.apply_filters()

    def redraw(self) -> None:
        """Relative times are computed when drawn: redrawing moves them on."""
        self.table.redraw()

    def refresh_row(self, interview_id: str) -> None:
        """Reload one row from the store and update it (the poller's entry point): it moves to
        its place in the current sort (and filter). A row that is no longer tracked is removed.
        With the rows on screen settled, it moves alone (a few key comparisons, whatever the
        number of rows); else the rows are worked out again."""
        if self._store is None:
            return
        row = self._store.row(interview_id)
        if row is None:
            self.remove_ids([interview_id])
            return
        index = self.index
        r = index.row_of(interview_id)
        if r is None:
            self.add_rows([row])
            return
        field, reverse = self.sort_field, self.sort_reverse
        keys = SORTS[field].keys
        before = index.sort_key(keys, r)
        terms = self.filter_text.split()
        was_shown = index.matches(r, self.status_filter, terms)
        index.put(listing_of(row))
        self.table.redraw_row(r)
        order, selection = self._order, self._selection
        if not self.loaded or self.busy or order is None or selection is None \
                or self._order_for != (field, reverse, index.version):
            self._order = self._order_for = self._selection = None
            self.apply_filters()
            return
        after = index.sort_key(keys, r)
        # Binary searches by the row's old key and its new one (every other row keeps its
        # key): no pass over all the rows in Python.
        if after != before:
            self._drop(order, before, r)
            order.insert(self._place(order, after), r)
        # The cursor stays on the row it was on, wherever that row goes; if it was on this
        # row and the filter drops it, on the next one.
        rows = list(selection.rows)
        cursor = self.table.cursor_row
        on_row = self.table.current_id == interview_id
        at = self._drop(rows, before, r) if was_shown else None
        if at is not None and at < cursor:
            cursor -= 1
        if index.matches(r, self.status_filter, terms):
            at = self._place(rows, after)
            rows.insert(at, r)
            if on_row:
                cursor = at
            elif at <= cursor:
                cursor += 1
        self._selection = Selection(rows, selection.status, selection.terms,
                                    selection.order_version)
        self.table.show(index, rows, max(0, min(cursor, len(rows) - 1)))
        self._shown()

    def _drop(self, rows: list[int], key: tuple[object, ...], r: int) -> int | None:
        """Take row ``r`` (sorted in by ``key``) out of ``rows``; where it was, None if absent."""
        at = self._place(rows, key, r)
        if at >= len(rows) or rows[at] != r:
            if r not in rows:
                return None
            at = rows.index(r)  # not where its key says (changed without being moved)
        del rows[at]
        return at

    def _place(self, rows: list[int], wanted: tuple[object, ...], r: int | None = None) -> int:
        """Where a row with the sort key ``wanted`` goes in ``rows`` (in the current sort);
        with ``r``, where that row is if it is there: a binary search."""
        key, keys, reverse = self.index.sort_key, SORTS[self.sort_field].keys, self.sort_reverse
        lo, hi = 0, len(rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if rows[mid] == r:
                return mid
            other = key(keys, rows[mid])
            if (other > wanted) if reverse else (other < wanted):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def add_rows(self, rows: Iterable[ListRow]) -> None:
        if not index_rows(self.index, rows):
            return
        self.apply_filters()  # a new row: sorted into place

    def remove_ids(self, ids: Iterable[str]) -> None:
        index = self.index
        dead = {r for r in (index.row_of(i) for i in set(ids)) if r is not None}
        if not dead:
            return
        for r in dead:
            index.remove(index.ids[r])
        # The others keep their places; the cursor stays where it was (the next row moves up).
        table = self.table
        position = table.cursor_row
        rows = [r for r in table.rows if r not in dead]
        if self._order is not None and self._order_for is not None:
            self._order = [r for r in self._order if r not in dead]
            self._order_for = (*self._order_for[:2], index.version)
        if self._selection is not None:
            self._selection = Selection(rows, self._selection.status, self._selection.terms,
                                        self._selection.order_version)
        table.show(index, rows, min(position, max(0, len(rows) - 1)))
        self._shown()

    # -- filtering and sorting -------------------------------------------------------------

    def apply_filters(self, keep: str | None = None, hold: bool = False) -> None:
        """Show the rows of the current sort and filters, the cursor on ``keep`` (default: the
        row under the cursor) if it is among them. ``hold``: the user changed a filter (see
        ``HOLD_FRAME``)."""
        if keep is None:
            keep = self.table.current_id
        if not self.loaded:
            self._update_tabs()
            return  # applied when the index is there
        self._serial += 1
        index = self.index
        reuse = self._order_for == (self.sort_field, self.sort_reverse, index.version)
        plan = Plan(self._serial, index, self.sort_field, self.sort_reverse,
                     self.status_filter, fold_terms(self.filter_text.split()),
                     self._order if reuse else None, self._order_version,
                     self._selection if reuse else None, keep)
        # Inline when little is to be done (no new sort, few rows to look at: typing on
        # narrows the rows shown last), so the keystroke and its rows share one frame.
        if len(index) <= self.SYNC_ROWS or self._light(plan):
            result = plan.run()
            if result is not None:
                self._finish(result)
            return
        self._update_tabs()  # the filter and sort now; the counts when the rows come
        if hold and plan.order is not None:  # not for a new sort: it takes longer than that
            self._hold_frame()
        self.run_worker(lambda: self._work(plan), name="interview-list", group="interview-list",
                        thread=True, exclusive=True, exit_on_error=False)

    def _hold_frame(self) -> None:
        if self._held is not None:
            return  # held already: still at most HOLD_FRAME from the first keystroke
        held = self.app.batch_update()
        held.__enter__()
        self._held = held
        self._hold_timer = self.set_timer(self.HOLD_FRAME, self._release_frame)

    def _release_frame(self) -> None:
        held, self._held = self._held, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if held is not None:
            held.__exit__(None, None, None)
            self.screen.check_idle()  # the screen draws what waited

    def on_unmount(self) -> None:
        self._release_frame()

    def _pack_selection(self) -> None:
        """Once the rows are on screen: pack their haystacks for the next keystroke to search
        (``Selection.packed``; a few ms for 5,000 rows, between keystrokes), if few enough to
        search inline."""
        selection = self._selection
        if selection is not None and selection.text is None \
                and len(selection.rows) <= self.SYNC_ROWS:
            self._selection = selection.packed(self.index.haystack)

    def _light(self, plan: Plan) -> bool:
        if plan.order is None:
            return False  # a sort: always in the worker
        if plan.within is None:
            return len(plan.order) <= self.SYNC_ROWS
        return plan.within.scan_size(plan.order, plan.status, plan.terms,
                                     plan.order_version) <= self.SYNC_ROWS

    def _work(self, plan: Plan) -> None:
        worker = get_current_worker()
        result = plan.run(lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._finish, result)

    def _finish(self, result: PlanResult) -> None:
        plan = result.plan
        if plan.serial != self._serial:
            return  # a newer request is on its way
        index = self.index
        if plan.index is not index or result.version != index.version:
            self.apply_filters(plan.keep)  # rows came or went meanwhile: once more
            return
        self._order = result.order
        self._order_for = (plan.field, plan.reverse, result.version)
        self._order_version = result.order_version
        self._selection = result.selection
        self._shown_serial = plan.serial
        self.table.show(index, result.selection.rows, result.cursor)
        self._shown()
        self._release_frame()
        self.call_after_refresh(self._pack_selection)
        if self._open_first:
            self._open_first = False
            self._open_first_row()

    def _shown(self) -> None:
        self._update_tabs()
        self._update_empty(self.table.row_count)
        self._announce()

    def _announce(self) -> None:
        """Post ``Highlighted`` for the row now under the cursor: after the frame that shows
        the rows (the transcript the app then opens takes a while), or while typing in the
        filter, once typing pauses (not at every keystroke: opening an interview is UI work
        the next keystroke would wait for)."""
        if self._typing_pause is not None:
            self._typing_pause.stop()
            self._typing_pause = None
        if self.filter_input.has_focus:
            self._typing_pause = self.set_timer(self.TYPING_PAUSE, self._post_highlight)
        else:
            self.call_after_refresh(self._post_highlight)

    @property
    def busy(self) -> bool:
        """Rows for the latest sort or filter are still being worked out."""
        return self.loaded and self._shown_serial != self._serial

    def _update_empty(self, shown: int) -> None:
        empty = self._empty
        if not self.loaded:
            text = "" if shown else "Loading tracked interviews…"
        elif not len(self.index):
            text = "No interviews tracked yet.\nPress a to add some by id or pasted URL."
        elif shown == 0:
            text = "Nothing matches.\nEsc clears the filter; 1 shows every status."
        else:
            text = ""
        if text != self._empty_text:
            self._empty_text = text
            empty.update(Content(text))
            empty.display = bool(text)

    def _update_tabs(self) -> None:
        """The status tabs with their counts, and the line under them: how many rows show,
        the filter and the sort. Each is drawn again only when it changes (one line to draw
        for a keystroke that changes the count)."""
        tabs = self._tabs
        width = tabs.content_region.width
        index = self.index
        counts = index.counts
        key = (len(index), index.shortlisted_count, self.status_filter, self.loaded, width,
               *(counts.get(status, 0) for status in STATUS_FILTERS[1:5]))
        if key != self._tab_key:
            self._tab_key = key
            line = self._tab_line(short=False)
            if width and line.cell_length > width:
                line = self._tab_line(short=True)  # 100,000 -> 100k: one line, as many tabs
            self._show_line(tabs, line)
        shown = self.table.row_count
        total = len(index)
        arrow = "▼" if self.sort_reverse else "▲"
        self._show_line(self._count, Content.assemble(
            *(((f"{shown:,}", "bold"), f" of {total:,} · ") if self.loaded else ("loading… · ",)),
            (FILTER_NAMES[self.status_filter], "bold"),
            f" · by {SORT_NAMES[self.sort_field]} {arrow}",
        ))

    def _show_line(self, line: Static, content: Content) -> None:
        # One line each, always (no wrapping: see DEFAULT_CSS): no new layout for a
        # keystroke; drawn again only when it changes.
        drawn = (content.plain, tuple(content.spans))  # Content's == compares the text only
        if drawn != self._lines_shown.get(line.id):
            self._lines_shown[line.id] = drawn
            line.update(content, layout=False)

    def _tab_line(self, short: bool) -> Content:
        counts = self.index.counts
        parts: list[Content] = []
        for n, status in enumerate(STATUS_FILTERS, start=1):
            symbol = "all" if status is None else SHORTLIST_MARK if status == SHORTLIST \
                else STATUS_LOOK[status][0]
            count = len(self.index) if status is None else self.index.shortlisted_count \
                if status == SHORTLIST else counts.get(status, 0)
            shown = "…" if not self.loaded else short_count(count) if short else f"{count:,}"
            label = f"{n} {symbol} {shown}"
            if status == self.status_filter:
                parts.append(Content.styled(f" {label} ", "bold reverse"))
            else:
                parts.append(Content.styled(label, "dim"))
        return Content(" ").join(parts)

    def set_sort(self, field: str, reverse: bool = False) -> None:
        self.sort_field = field
        self.sort_reverse = reverse
        self.table.set_sort(field, reverse)
        self.apply_filters()

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
        row = self.index.row_of(interview_id)
        if row is None:
            return False
        table = self.table
        if not self.busy:
            try:
                position = table.rows.index(row)
            except ValueError:
                pass
            else:
                table.move_cursor(row=position)
                self._post_highlight()
                return True
        self.filter_text = ""
        self.filter_input.value = ""
        self.status_filter = None
        self.apply_filters(interview_id)
        return True

    def set_status_filter(self, status: str | None) -> None:
        self.status_filter = status
        self.apply_filters(hold=True)

    def set_filter_text(self, text: str) -> None:
        self.filter_text = text
        self.apply_filters(hold=True)

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
        """`/`: to the filter with its text selected, so typing replaces it."""
        box = self.filter_input
        # At once, not with focus() (queued behind keys already typed: "/eng" pasted or typed
        # fast would send "eng" to the list, where e exports).
        self.screen.set_focus(box)
        box.select_all()

    # -- events ----------------------------------------------------------------------------

    def _post_highlight(self) -> None:
        current = self.table.current_id
        if current is not None:
            self._last_row_id = current
        if current != self._last_highlighted:
            self._last_highlighted = current
            self.post_message(self.Highlighted(current))

    @on(VirtualTable.RowHighlighted, "#table")
    def _row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        event.stop()
        if self.filter_input.has_focus:
            self._announce()
        else:
            self._post_highlight()

    @on(VirtualTable.RowSelected, "#table")
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        current = self.table.current_id
        if current is not None:
            self.post_message(self.Opened(current))

    @on(VirtualTable.HeaderSelected, "#table")
    def _header_selected(self, event: VirtualTable.HeaderSelected) -> None:
        event.stop()
        field = event.column_key
        if field == self.sort_field:
            self.set_sort(field, not self.sort_reverse)
        else:
            self.set_sort(field)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()  # filtered already (``_filter_value``)

    def _filter_value(self, value: str) -> None:
        if value != self.filter_text:
            self.set_filter_text(value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()
        if self.busy:
            self._open_first = True  # when the rows for what was typed are there
        else:
            self._open_first_row()

    def _open_first_row(self) -> None:
        table = self.table
        if table.row_count:
            table.move_cursor(row=0)
            self._post_highlight()
            self.post_message(self.Opened(table.visible_ids[0]))

    def action_clear_filter(self) -> None:
        """Escape: clear the filter text and go back to the list, the cursor on the row it
        was on (or, if the filter left none, the last one there was)."""
        keep = self.table.current_id or self._last_row_id
        self.filter_text = ""
        self.filter_input.value = ""
        self.apply_filters(keep)
        self.table.focus()

    def on_resize(self, _event: events.Resize) -> None:
        self._update_tabs()  # big counts may need their short form

    @property
    def compact(self) -> bool:
        """A narrow pane: the table shows the status as its symbol only, and no job column."""
        return self.table.compact
