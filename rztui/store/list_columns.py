"""The interview list's columns, declared once (:data:`COLUMNS`).

Each :class:`Column` says how the TUI's table shows it (header, :class:`Width`, :class:`ColumnSort`,
a cell renderer over the list index) and whether and how ``rztui list`` prints it
(:class:`CliColumn`). The table's columns, its widths, the sorts `s` cycles through and the
CLI's columns are all derived from :data:`COLUMNS`; the values come from the record
(``store/listrow.py``: ``ListRow``, kept in the index as ``ListIndex.values``).

Cells are text and a style *name* (a theme variable, ``bold``, ``new``): the table turns names
into styles, so this module knows nothing of Textual or Rich.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from ..api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED
from ..formats import relative_time
from ..textsafe import clean_line
from .listing import (
    ADDED,
    BEST_RATED,
    BY_ADDED,
    JOB,
    LATEST,
    NAME,
    NO_VALUE,
    STATUS,
    WHEN,
    ListIndex,
    Sort,
    by_value,
)
from .listrow import ListRow

# status -> (symbol, label, theme colour variable). The label makes it readable without colour.
STATUS_LOOK: dict[str, tuple[str, str, str]] = {
    COMPLETED: ("●", "completed", "text-success"),
    IN_PROGRESS: ("◐", "in progress", "text-warning"),
    INVITED: ("○", "invited", "text-primary"),
    EXPIRED: ("✕", "expired", "text-error"),
}
UNKNOWN_LOOK = ("?", "", "text-secondary")
UNFETCHED_LOOK = ("·", "not fetched", "foreground-muted")
PAST_EXPIRY_LOOK = ("◌", "invited · past expiry", "text-warning")
SHORTLIST_MARK = "✓"
NEW_MARK = "•"  # completed or answered since last opened (and the name is bold)


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


# -- the spec ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Width:
    """A column's width in cells (padding aside), fitted to the pane by :func:`fit_widths`.

    Fixed (``share`` None): ``cells``, or ``wide`` in a wide pane. Flexible: ``share`` of what
    the fixed columns leave, at least ``cells``; the last flexible column shown takes the rest.
    ``narrow``: its width in a narrow pane (a flexible one's least there; 0 hides it)."""

    cells: int = 0
    wide: int | None = None
    narrow: int | None = None
    share: float | None = None


class CellContext(NamedTuple):
    now: datetime
    compact: bool  # a narrow pane


Justify = Literal["left", "right"] | None
#: A cell: (text, style name, justify). Text only, never markup.
CellRenderer = Callable[[ListIndex, int, CellContext], tuple[str, str, Justify]]


@dataclass(frozen=True, slots=True)
class ColumnSort:
    """A sort: its name in the status line, its keys; ``cycle``: its place in what `s` goes
    through (ties: in column order)."""

    name: str
    keys: Sort
    cycle: int = 100


@dataclass(frozen=True, slots=True)
class CliColumn:
    """How ``rztui list`` prints a column: its header, width, and text (``cut`` to width)."""

    header: str
    width: int
    text: Callable[[ListRow], str]
    cut: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """One column. No ``cell``: not in the table; no ``cli``: not printed by ``rztui list``."""

    name: str
    header: str = ""
    width: Width = Width()
    sort: ColumnSort | None = None
    cell: CellRenderer | None = None
    cli: CliColumn | None = None


# -- the cells -----------------------------------------------------------------------------------


def _status_cell(index: ListIndex, r: int, ctx: CellContext) -> tuple[str, str, Justify]:
    status = index.status[r]
    moment = index.moment_of(r)
    # An invited row's moment is its expiry (see rztui.store.listing).
    past = status == INVITED and moment is not None and moment <= ctx.now
    symbol, label, colour = status_look(status, past_expiry=past)
    return (symbol if ctx.compact else f"{symbol} {label}"), colour, "left"


def _when_cell(index: ListIndex, r: int, ctx: CellContext) -> tuple[str, str, Justify]:
    moment = index.moment_of(r)
    return (relative_time(moment, ctx.now) if moment else NO_VALUE), "", None


def _marks_cell(index: ListIndex, r: int, _ctx: CellContext) -> tuple[str, str, Justify]:
    return (f"{NEW_MARK if index.new[r] else ''}{SHORTLIST_MARK if index.shortlisted[r] else ''}"
            f"{index.rating[r] or ''}"), "new", "right"


COLUMNS: tuple[Column, ...] = (
    Column("id", cli=CliColumn("ID", 40, lambda row: clean_line(row.id))),
    Column("status", "Status", Width(11, wide=13, narrow=1),
           ColumnSort("status", (STATUS, LATEST, NAME, ADDED), cycle=3),
           _status_cell,
           CliColumn("STATUS", 12, lambda row: clean_line(row.status or "not fetched"))),
    Column("candidate", "Candidate", Width(12, narrow=6, share=0.56),
           ColumnSort("candidate", (NAME, ADDED), cycle=1),
           lambda ix, r, _ctx: (ix.names[r], "bold" if ix.new[r] else "", "left"),
           CliColumn("CANDIDATE", 28, lambda row: clean_line(row.candidate_name), cut=True)),
    Column("job", "Job", Width(0, narrow=0, share=1.0),
           ColumnSort("job", (JOB, NAME, ADDED), cycle=2),
           lambda ix, r, _ctx: (ix.jobs[r], "", "left"),
           CliColumn("JOB", 30, lambda row: clean_line(row.job_title), cut=True)),
    Column("when", "When", Width(7), ColumnSort("date", (WHEN, NAME, ADDED), cycle=4),
           _when_cell),
    Column("answered", "Ans", Width(3),
           ColumnSort("answers", (by_value("answered"), NAME, ADDED), cycle=5),
           lambda ix, r, _ctx: (ix.answered_text(r), "", "right")),
    Column("rating", "★", Width(3),  # • new, ✓ shortlisted, then your rating
           ColumnSort("your rating", (BEST_RATED, NAME, ADDED), cycle=6),
           _marks_cell,
           CliColumn("RATING", 6,
                     lambda row: f"{row.rating}/5" if row.rating is not None else "")),
    Column("shortlisted",
           cli=CliColumn("SHORTLISTED", 11, lambda row: "yes" if row.shortlisted else "")),
)

# -- derived -------------------------------------------------------------------------------------

#: The table's columns, in order.
TABLE_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.cell is not None)
#: ``rztui list``'s columns, in order.
CLI_COLUMNS: tuple[tuple[str, CliColumn], ...] = tuple(
    (c.name, c.cli) for c in COLUMNS if c.cli is not None)
#: Every sort by name: the order tracked in ("added"), then the columns'.
SORTS: dict[str, ColumnSort] = {"added": ColumnSort("date added", BY_ADDED, cycle=0)} | {
    c.name: c.sort for c in sorted(COLUMNS, key=lambda c: c.sort.cycle if c.sort else 0)
    if c.sort is not None}
#: The sorts in the order `s` cycles through them.
SORT_FIELDS: tuple[str, ...] = tuple(SORTS)
#: A sort's name in the status line.
SORT_NAMES: dict[str, str] = {field: sort.name for field, sort in SORTS.items()}

#: Less than this left for the flexible columns: a narrow pane.
FLEX_ROOM = 20
#: Content at least this wide: a wide pane.
WIDE = 70


def fit_widths(content: int, columns: tuple[Column, ...] = TABLE_COLUMNS
               ) -> tuple[bool, dict[str, int]]:
    """(narrow, width of each column) for ``content`` cells (padding aside). Nothing is
    measured per cell: the widths come from the pane alone."""
    fixed = [c for c in columns if c.width.share is None]
    flexible = [c for c in columns if c.width.share is not None]
    narrow = content - sum(c.width.cells for c in fixed) < FLEX_ROOM
    widths: dict[str, int] = {}
    for c in fixed:
        w = c.width
        widths[c.name] = (w.narrow if narrow and w.narrow is not None
                          else w.wide if not narrow and w.wide is not None and content >= WIDE
                          else w.cells)
    rest = left = content - sum(widths.values())
    shown = [c for c in flexible if not (narrow and c.width.narrow == 0)]
    for c in flexible:
        w = c.width
        least = w.narrow if narrow and w.narrow is not None else w.cells
        if c not in shown:
            widths[c.name] = 0
        elif c is shown[-1]:
            widths[c.name] = max(least, left)
        else:
            widths[c.name] = max(least, int(rest * (w.share or 0.0)))
            left -= widths[c.name]
    return narrow, widths


def labels(widths: dict[str, int], narrow: bool, sort_field: str, reverse: bool,
           columns: tuple[Column, ...] = TABLE_COLUMNS) -> dict[str, str]:
    """The table's headers: the sort's column with its arrow (which always shows: the label
    gives way to it); in a narrow pane, none over a fixed column that shrinks (the status: its
    symbol only) or a column hidden."""
    arrow = "▼" if reverse else "▲"
    shown = {c.name: c.header for c in columns}
    if sort_field in shown:
        label = shown[sort_field]
        width = widths.get(sort_field, len(label) + 2)
        shown[sort_field] = (f"{label} {arrow}" if len(label) + 2 <= width
                             else f"{label[:max(0, width - 1)]}{arrow}")
    if narrow:
        for c in columns:
            if c.width.narrow == 0 or (c.width.narrow is not None and c.width.share is None):
                shown[c.name] = ""
    return shown
