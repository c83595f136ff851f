"""A table that renders only the rows on screen, for row sets of any size.

It looks and behaves like Textual's ``DataTable`` with a row cursor (the same styles, keys and
mouse handling, each cell drawn the same way), on public API only: a ``ScrollView`` whose
``render_line`` draws one line, with LRU caches. It holds no rows: a subclass says how many
there are (``row_count``), what each shows (``row_key``) and gives a row's cells when it is drawn
(``row_cells``), so swapping a row set of 100,000 costs nothing here.

Line 0 is the header (it does not scroll); the row at position ``p`` is drawn at virtual line
``p + 1``. Lines are cached by ``row_key``, not by position: a row that moves (a new filter or
sort) is not drawn again. Statuses, job titles and the like repeat: each distinct cell is drawn
once (``padded_cell`` draws the plain ones without rich's layout work, to the same segments).

It draws its own scrollbar, in its last column (as Textual's ``ScrollBar`` looks: the same
renderer, colours and mouse use), and its ``virtual_size`` asks for no layout: a new row set
(a keystroke in a filter) repaints this widget only, instead of laying out the whole screen and
its scrollbar widgets again.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import JustifyMethod
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip

PADDING = 1  # each side of each cell, as DataTable's cell_padding
_NULL = Style.null()
_PAD = Segment(" " * PADDING, _NULL)
_BAR = -2  # where the mouse is: the scrollbar (a row number: a row; -1: the header)


class Cell(NamedTuple):
    """A cell in one style, as a ``Text`` with ``no_wrap``, ``overflow="ellipsis"`` and
    ``end=""`` (never markup), without making one: most cells of a big table are this."""

    plain: str
    style: Style | str = ""
    justify: JustifyMethod | None = "left"

    def as_text(self) -> Text:
        return Text(self.plain, style=self.style, justify=self.justify, no_wrap=True,
                    overflow="ellipsis", end="")


def padded_cell(cell: Text | Cell, width: int) -> list[Segment] | None:
    """``cell`` drawn as DataTable draws it (``Padding(cell, (0, 1))`` at ``width`` cells), for
    the common cell: one style, one line, each character one cell wide, cut with an ellipsis.
    The same segments rich gives, without its layout work; None for any other cell."""
    if isinstance(cell, Text) and (cell.spans or cell.overflow != "ellipsis"):
        return None
    plain = cell.plain
    content = width - 2 * PADDING
    style = cell.style
    if content < 1 or not plain.isprintable() or cell_len(plain) != len(plain) \
            or not isinstance(style, Style | str) or (isinstance(style, str) and style):
        return None
    shown: Style | None = style if isinstance(style, Style) and style else None
    if not plain:  # an empty cell: blank; as rich pads it, in its style when justified
        if cell.justify in ("left", "right"):
            return [_PAD, Segment(" " * content, shown), _PAD]
        return [_PAD, Segment(" " * content, _NULL), _PAD] if cell.justify is None else None
    size = len(plain)
    if cell.justify in ("left", "right"):
        if size > content:
            body = plain[:content - 1] + "…"
        elif cell.justify == "left":
            body = plain.ljust(content)
        else:
            body = plain.rjust(content)
        return [_PAD, Segment(body, shown), _PAD]
    if cell.justify is None and size <= content:
        if size == content:
            return [_PAD, Segment(plain, shown), _PAD]
        return [_PAD, Segment(plain, shown), Segment(" " * (content - size), _NULL), _PAD]
    return None


@dataclass(slots=True)
class Column:
    key: str
    label: Text
    width: int  # content width; the column takes width + 2 * PADDING cells

    @property
    def render_width(self) -> int:
        return self.width + 2 * PADDING


class VirtualTable(ScrollView, can_focus=True):
    """Rows come from ``row_count`` / ``row_cells`` / ``row_key`` (see the module docstring)."""

    # DataTable's look (its component classes, renamed).
    DEFAULT_CSS = """
    VirtualTable {
        overflow: hidden hidden;  /* its own scrollbar: see the module docstring */
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .table--header-hover {
            background: $accent 30%;
        }
        & > .table--hover {
            background: $block-hover-background;
        }
    }
    """
    COMPONENT_CLASSES = {"table--header", "table--cursor", "table--hover", "table--header-hover"}

    #: Only this widget's content depends on it (its size comes from the layout): a change is
    #: a repaint, not a layout of the screen.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "scroll_top", "Top", show=False),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False),
    ]

    class _RowMessage(Message):
        """Something happened to ``row`` of ``table``."""

        def __init__(self, table: VirtualTable, row: int) -> None:
            self.table = table
            self.row = row
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to ``row``."""

    class RowSelected(_RowMessage):
        """Enter on the cursor row, or a click on it."""

    class HeaderSelected(Message):
        """A click on a column's header."""

        def __init__(self, table: VirtualTable, column_key: str) -> None:
            self.table = table
            self.column_key = column_key
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns: list[Column] = []
        self._cursor = 0
        self._hover: int | None = None  # the row under the mouse; -1: the header
        self._show_hover = False
        self._lines: LRUCache[tuple[Hashable, ...], Strip] = LRUCache(1024)
        # Each row's cells drawn and padded, before the line's styles (cursor, hover, focus).
        self._padded: LRUCache[tuple[Hashable, ...], list[tuple[Hashable, list[Segment]]]] = \
            LRUCache(1024)
        self._cell_cache: LRUCache[tuple[Hashable, ...], list[Segment]] = LRUCache(4096)
        self._styled: LRUCache[tuple[Hashable, ...], list[Segment]] = LRUCache(4096)
        self._pres: LRUCache[tuple[Style, Style, int], list[Style]] = LRUCache(64)
        self._cell_style_cache: dict[tuple[Hashable, ...], tuple[Style, Style]] = {}
        self._barred: LRUCache[tuple[Hashable, ...], Strip] = LRUCache(1024)  # line + bar
        self._bars: LRUCache[tuple[Hashable, ...], list[Segment]] = LRUCache(64)  # scrollbars
        self._generation = 0
        self._row_versions: dict[int, int] = {}  # row key -> times it was drawn again
        self._base: Style | None = None
        self._scroll_pending = False
        self._bar: list[Segment] | None = None  # the scrollbar, a cell per line (this frame)
        # (line filters, background) when this widget runs the app's filters (this frame)
        self._filtering: tuple[tuple[LineFilter, ...], Color] | None = None
        self._grab: tuple[int, float] | None = None  # dragging the thumb: (screen y, scroll y)
        self._drawn: tuple[Hashable, ...] | None = None  # ``_on_screen`` when last drawn
        self._drawn_count = 0  # ``row_count`` then

    # -- what a subclass provides ------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return 0

    def row_cells(self, row: int) -> Sequence[Text | Cell]:
        """The cells of ``row`` (one ``Text`` or ``Cell`` per column; never markup)."""
        raise NotImplementedError

    def row_key(self, row: int) -> int:
        """A number (>= 0) for what ``row`` shows: lines are cached by it, and a cell's meta
        carries it (as DataTable's carries the row). ``redraw`` when a row's data changes."""
        return row

    # -- rows and columns ----------------------------------------------------------------------

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """(key, label, width) for each column."""
        self.columns = [Column(key, Text(label, no_wrap=True, end=""), width)
                        for key, label, width in columns]
        self._resize()
        self.redraw()

    def set_widths(self, widths: dict[str, int]) -> None:
        for column in self.columns:
            if column.key in widths:
                column.width = max(0, widths[column.key])
        self._resize()
        self.redraw()

    def set_labels(self, labels: dict[str, str]) -> None:
        for column in self.columns:
            if column.key in labels:
                column.label = Text(labels[column.key], no_wrap=True, end="")  # never markup
        self.redraw()

    def column_x(self, key: str) -> int:
        """Where the column ``key`` starts (for a click on its header)."""
        x = 0
        for column in self.columns:
            if column.key == key:
                return x
            x += column.render_width
        raise KeyError(key)

    def redraw(self) -> None:
        """Draw every line again (their content, or the time, changed)."""
        self._generation += 1
        self._row_versions.clear()
        self._clear_caches()
        self.refresh()

    def redraw_row(self, key: int) -> None:
        """Draw the row whose ``row_key`` is ``key`` again (its data changed), when shown."""
        if len(self._row_versions) >= 4096:  # many rows changed: draw them all afresh
            self.redraw()
            return
        self._row_versions[key] = self._row_versions.get(key, 0) + 1
        self.refresh()

    def _clear_caches(self) -> None:
        for cache in (self._lines, self._padded, self._cell_cache, self._styled, self._pres,
                      self._cell_style_cache, self._barred, self._bars):
            cache.clear()

    def rows_changed(self, cursor: int = 0) -> None:
        """A new row set: back to the top, the cursor on row ``cursor`` (scrolled into view).

        Lines are cached by row content, not by position: nothing to drop. When the screen
        shows the same rows as before (typing on in a filter often leaves the first rows as
        they were), only the scrollbar is drawn again, and nothing at all if there are as many
        rows as before (the frame then draws what else changed, not this widget's lines)."""
        drawn = self._drawn
        self._resize(refresh=False)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._cursor = -1  # a new row, even at the same position
        self.move_cursor(row=cursor, refresh=False)
        if drawn is None or drawn != self._on_screen():
            self.refresh()
        elif self._drawn_count != self.row_count:
            self.refresh(Region(self.size.width - 1, 0, 1, self.size.height))

    def _on_screen(self) -> tuple[Hashable, ...]:
        """What the lines on screen show: their rows, the cursor's, the scroll position and
        whether there is a scrollbar (every line's width)."""
        top = int(self.scroll_y)
        end = min(self.row_count, top + max(0, self.size.height - 1))
        keys = tuple(self.row_key(row) for row in range(top, end))
        return (top, keys, self._cursor, self.virtual_size.height > self.size.height,
                self.size, self._generation)

    def _resize(self, refresh: bool = True) -> None:
        width = sum(c.render_width for c in self.columns)
        self.virtual_size = Size(width, self.row_count + 1)
        if refresh:
            self.refresh()  # the scrollbar

    # -- the scrollbar -------------------------------------------------------------------------

    @property
    def allow_vertical_scroll(self) -> bool:
        """The wheel scrolls while there is more than fits (Textual asks its scrollbar)."""
        return not self.disabled and self.virtual_size.height > self.size.height

    def _bar_segments(self) -> list[Segment] | None:
        """The scrollbar as ``ScrollBar`` draws it (one segment a line), None if all fits."""
        height = self.size.height
        virtual = self.virtual_size.height
        if not height or virtual <= height:
            return None
        base = self._base or self.rich_style
        state = 2 if self._grab is not None else int(self._show_hover and self._hover == _BAR)
        key = (height, virtual, self.scroll_y, state, base, self.has_focus, self._filtering)
        bar = self._bars.get(key)
        if bar is None:
            bar = self._bars[key] = self._draw_bar(height, virtual, base)
        return bar

    def _draw_bar(self, height: int, virtual: int, base: Style) -> list[Segment]:
        styles = self.styles
        if self._grab is not None:
            background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
        elif self._show_hover and self._hover == _BAR:
            background, color = styles.scrollbar_background_hover, styles.scrollbar_color_hover
        else:
            background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            background = self.background_colors[0] + background
        color = background + color
        bar = ScrollBarRender.render_bar(
            size=height, virtual_size=virtual, window_size=height, position=self.scroll_y,
            thickness=1, vertical=True, back_color=background.rich_color,
            bar_color=color.rich_color)
        # Over the widget's style, as Textual draws a widget's renderable; no actions in the
        # cells: this widget handles the mouse on its scrollbar.
        return self._filtered([
            Segment(seg.text, base + seg.style.clear_meta_and_links() if seg.style else base)
            for seg in bar.segments][:height])

    def _thumb(self) -> tuple[int, int]:
        """Lines [start, end) the scrollbar's thumb covers."""
        height, virtual = self.size.height, self.virtual_size.height
        thumb = max(1.0, height * height / virtual)
        start = (height - thumb) * self.scroll_y / max(1, virtual - height)
        return int(start), max(int(start) + 1, int(start + thumb + 0.999))

    def _on_bar(self, event: events.MouseEvent) -> bool:
        offset = event.get_content_offset(self)
        return offset is not None and offset.x == self.size.width - 1 \
            and self.virtual_size.height > self.size.height

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._on_bar(event):
            return
        event.stop()
        start, end = self._thumb()
        page = max(1, self.size.height - 1)
        if offset.y < start:
            self.scroll_to(y=self.scroll_y - page, animate=False, immediate=True)
        elif offset.y >= end:
            self.scroll_to(y=self.scroll_y + page, animate=False, immediate=True)
        else:
            self._grab = (event.screen_y, self.scroll_y)
            self.capture_mouse()
            self.refresh()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._grab is not None:
            event.stop()
            self._grab = None
            self.release_mouse()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_caches()

    # -- the cursor ----------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return max(0, self._cursor)

    def move_cursor(self, *, row: int, scroll: bool = True, refresh: bool = True) -> None:
        row = max(0, min(row, self.row_count - 1))
        if row == self._cursor:
            if scroll:
                self._scroll_to_cursor()
            return
        self._cursor = row
        if refresh:
            self.refresh()
        if scroll:
            self._scroll_to_cursor()
        if row < self.row_count:
            self.post_message(self.RowHighlighted(self, row))

    def _scroll_to_cursor(self) -> None:
        """Just enough scrolling to show the cursor row under the header."""
        if not self.size.height:  # not laid out yet: once it is
            if not self._scroll_pending:
                self._scroll_pending = True
                self.call_after_refresh(self._scroll_when_laid_out)
            return
        rows_shown = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + rows_shown:
            self.scroll_to(y=row - rows_shown + 1, animate=False, immediate=True)

    def on_resize(self, _event: events.Resize) -> None:
        """The cursor row stays on screen (Enter opens a row the user can see)."""
        if self.row_count:
            self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_when_laid_out(self) -> None:
        self._scroll_pending = False
        if self.size.height:
            self._scroll_to_cursor()

    def _keyboard(self) -> None:
        if self._show_hover:
            self._show_hover = False
            self.refresh()

    def action_cursor_up(self) -> None:
        self._keyboard()
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._keyboard()
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_down(self) -> None:
        self._keyboard()
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + page, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row + page)

    def action_page_up(self) -> None:
        self._keyboard()
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y - page, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row - page)

    def action_scroll_top(self) -> None:
        self._keyboard()
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self._keyboard()
        self.move_cursor(row=self.row_count - 1)

    def action_select_cursor(self) -> None:
        self._keyboard()
        if self.row_count:
            self.post_message(self.RowSelected(self, self.cursor_row))

    # -- mouse ---------------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse: -1 for the header, None below the last row."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row = -1 if offset.y == 0 else int(self.scroll_y) + offset.y - 1
        return row if row < self.row_count else None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._grab is not None:  # dragging the scrollbar's thumb
            event.stop()
            grabbed_y, scroll_y = self._grab
            height = self.size.height
            if height:
                ratio = self.virtual_size.height / height
                self.scroll_to(y=scroll_y + (event.screen_y - grabbed_y) * ratio,
                               animate=False, immediate=True)
            return
        hover = _BAR if self._on_bar(event) else self._row_at(event)
        if hover != self._hover or self._show_hover != (hover is not None):
            self._hover = hover
            self._show_hover = hover is not None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._show_hover:
            self._show_hover = False
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        if self._on_bar(event):
            event.stop()
            return
        row = self._row_at(event)
        if row is None:
            return
        if row == -1:
            column = event.style.meta.get("column")
            if isinstance(column, int) and 0 <= column < len(self.columns) \
                    and not event.style.meta.get("out_of_bounds"):
                self.post_message(self.HeaderSelected(self, self.columns[column].key))
            return
        event.stop()
        again = row == self._cursor
        self.move_cursor(row=row)
        if again and self.row_count:
            self.post_message(self.RowSelected(self, row))

    # -- drawing -------------------------------------------------------------------------------

    def before_render(self) -> None:
        """Called as a frame draws the table, its size already the new one (a ``Resize``
        event only comes after that frame): a subclass may fit its columns here."""

    def render_lines(self, crop: Region) -> list[Strip]:
        self.before_render()
        self._base = self.rich_style  # once for all the lines: it walks the ancestors
        bare = self._bare_box()
        # The app's line filters (true colour for ANSI colours, dim, NO_COLOR) map each
        # segment on its own: run once on each cell when it is first drawn, not on every line
        # at every frame. Not bare: Textual's styles cache draws the box and runs them.
        self._filtering = (tuple(self.get_line_filters()), self.background_colors[1]) \
            if bare else None
        self._bar = self._bar_segments()
        self._drawn = self._on_screen()
        self._drawn_count = self.row_count
        if not bare:
            return super().render_lines(crop)
        # Nothing around or over the lines (see ``_bare_box``): Textual's styles cache would
        # only copy each line (a new strip for every line at every refresh, its filters run
        # again), so the cached lines go out as they are.
        render_line = self.render_line
        strips = [render_line(y) for y in crop.line_range]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, self.size.width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _filtered(self, segments: list[Segment]) -> list[Segment]:
        """``segments`` through the app's line filters, when this widget runs them."""
        if self._filtering is None:
            return segments
        filters, background = self._filtering
        for line_filter in filters:
            segments = line_filter.apply(segments, background)
        return segments

    def _bare_box(self) -> bool:
        """Whether the widget's styles add nothing to its lines: no border, outline, padding,
        tint, hatch or opacity (the table's own CSS has none; a theme or an app may add
        them, and Textual's styles cache then draws them)."""
        styles = self.styles
        return (not any(edge for edge, _ in styles.border)
                and not any(edge for edge, _ in styles.outline)
                and not any(styles.padding) and not styles.tint.a
                and self.opacity == 1.0 and styles.text_opacity == 1.0
                and (not styles.has_rule("hatch") or styles.hatch == "none")
                and self.content_region.size == self.size)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        bar = self._bar
        cell = bar[y] if bar is not None and y < len(bar) else None  # its scrollbar cell
        base = self._base or self.rich_style
        row = -1 if y == 0 else int(self.scroll_y) + y - 1
        cursor = row == self._cursor
        hover = self._show_hover and self._hover == row
        # By the row's content, not its place: a row that moves (a new filter or sort) is
        # drawn from the cache.
        shown = width - (bar is not None)
        row_key = -2 if row >= self.row_count else -1 if row < 0 else self.row_key(row)
        key = (row_key, self._row_versions.get(row_key, 0), shown, cursor, hover, base,
               self.has_focus, self._generation, self._filtering)
        strip = self._lines.get(key)
        if strip is None:
            strip = Strip(self._filtered([Segment(" " * shown, base)]), shown) \
                if row >= self.row_count else self._render_row(row, base, shown, cursor, hover)
            self._lines[key] = strip
        if cell is None:
            return strip
        barred = self._barred.get((key, cell))
        if barred is None:
            barred = self._barred[key, cell] = Strip([*strip, cell], shown + 1)
        return barred

    def _cell_styles(self, header: bool, hover: bool, cursor: bool) -> tuple[Style, Style]:
        """(style under the cell, style over it): DataTable's rules for a row cursor (the
        cursor's colour wins over the cell's own; its background does not)."""
        key = (header, hover, cursor, self.has_focus, self._generation)
        styles = self._cell_style_cache.get(key)
        if styles is None:
            styles = self._cell_style_cache[key] = self._compute_cell_styles(header, hover,
                                                                             cursor)
        return styles

    def _compute_cell_styles(self, header: bool, hover: bool,
                             cursor: bool) -> tuple[Style, Style]:
        style = Style()
        if hover:
            style += self.get_component_rich_style("table--hover")
            if header:
                style += self.get_component_rich_style("table--header-hover")
        if cursor:
            style += self.get_component_rich_style("table--cursor")
        return style, Style.from_color(color=style.color)

    def _padded_cells(self, row: int, header: bool) -> list[tuple[Hashable, list[Segment]]]:
        """Each cell of ``row`` drawn at its column's width with its padding (DataTable's
        ``Padding(cell, (0, 1))``), in the cell's own styles; with what identifies it."""
        row_key = None if header else self.row_key(row)
        key = (row_key, self._row_versions.get(row_key, 0) if row_key is not None else 0,
               header, self._generation, tuple(c.render_width for c in self.columns))
        padded = self._padded.get(key)
        if padded is None:
            cells = [c.label for c in self.columns] if header else self.row_cells(row)
            padded = [self._padded_cell(cell, column.render_width)
                      for column, cell in zip(self.columns, cells, strict=False)]
            self._padded[key] = padded
        return padded

    def _padded_cell(self, cell: Text | Cell, width: int) -> tuple[Hashable, list[Segment]]:
        # Statuses, job titles, times and counts repeat from row to row: each is drawn once.
        key: tuple[Hashable, ...] = (cell, width) if isinstance(cell, Cell) else \
            (cell.plain, cell.style, cell.justify, cell.overflow, tuple(cell.spans), width)
        segments = self._cell_cache.get(key)
        if segments is None:
            segments = padded_cell(cell, width)
            if segments is None:
                text = cell.as_text() if isinstance(cell, Cell) else cell
                options = self.app.console_options.update(no_wrap=True)
                segments = self.app.console.render_lines(
                    Padding(text, (0, PADDING)), options.update_dimensions(width, 1))[0]
            self._cell_cache[key] = segments
        return key, segments

    def _render_row(self, row: int, base: Style, width: int, cursor: bool,
                    hover: bool) -> Strip:
        header = row < 0
        row_style = self.get_component_styles("table--header").rich_style if header else base
        # A row cursor: hovering anywhere on a line lights up every cell of it.
        under, over = self._cell_styles(header, hover, cursor)
        pres = self._pre_styles(row_style, under)
        segments: list[Segment] = []
        styled_cache = self._styled
        for pre, (key, cell) in zip(pres, self._padded_cells(row, header), strict=False):
            # As DataTable's Styled(cell, pre_style, post_style), with the column as meta;
            # the cell's segments merged where their styles are equal.
            styled_key = (key, pre, over, self._filtering)
            styled = styled_cache.get(styled_key)
            if styled is None:
                styled = styled_cache[styled_key] = self._filtered(list(
                    Segment.simplify(Segment.apply_style(cell, pre, over))))
            segments.extend(styled)
        # The rest of the line, in the row's style (the cursor's, on the cursor row).
        used = sum(c.render_width for c in self.columns)
        if used < width:
            segments.extend(self._filtered([Segment(" " * (width - used), pres[-1])]))
        elif used > width:
            return Strip(segments, used).crop_extend(0, width, base)
        return Strip(segments, width)

    def _pre_styles(self, row_style: Style, under: Style) -> list[Style]:
        """The style under each cell, and last under the rest of the line: the row's, where
        it is (as DataTable marks it, for the mouse; the rest of the line is out of bounds),
        and the cursor's or the hover's."""
        key = (row_style, under, len(self.columns))
        styles = self._pres.get(key)
        if styles is None:
            styles = [row_style + Style.from_meta({"column": column}) + under
                      for column in range(len(self.columns))]
            styles.append(row_style + Style.from_meta({"column": 0, "out_of_bounds": True})
                          + under)
            self._pres[key] = styles
        return styles
