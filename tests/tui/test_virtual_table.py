"""The virtual table draws a cell exactly as rich (and so DataTable) would, and its scrollbar as
Textual's own."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.padding import Padding
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from rztui.tui.widgets.virtual_table import Cell, VirtualTable, padded_cell

GREEN = Style(color="green")


def rich_cell(cell: Text, width: int) -> list:
    console = Console(width=200)
    options = console.options.update(no_wrap=True).update_dimensions(width, 1)
    return console.render_lines(Padding(cell, (0, 1)), options)[0]


def cell(plain: str, style: Style | str = "", justify: str | None = "left") -> Text:
    return Text(plain, style=style, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                overflow="ellipsis", end="")


@pytest.mark.parametrize("text,style,justify", [
    ("● completed", GREEN, "left"), ("◐ in progress", GREEN, "left"), ("Jane Smith", "", "left"),
    ("2", "", "right"), ("—", "", "right"), ("12", Style(), "right"), ("3d ago", "", None),
    ("in 12mo", "", None), ("Senior Frontend Developer", "", "left"), ("x", "", "left"),
    ("[@click=app.quit]Click me[/]", "", "left"), ("", "", "left"), ("", GREEN, "left"),
    ("", Style(bold=True), "right"), ("", Style(bold=True), None), ("", "", "right"),
])
@pytest.mark.parametrize("width", [3, 4, 7, 9, 15, 40])
def test_fast_cells_match_rich(text: str, style: Style | str, justify: str | None,
                               width: int) -> None:
    fast = padded_cell(cell(text, style, justify), width)
    if justify is not None:
        assert fast is not None  # the common case takes the fast path
    if fast is not None and text:
        assert fast == rich_cell(cell(text, style, justify), width)
    elif fast is not None:  # rich adds an empty segment: the same cells on screen
        assert drawn(fast) == drawn(rich_cell(cell(text, style, justify), width))


@pytest.mark.parametrize("text,style,justify", [
    ("● completed", GREEN, "left"), ("Jane Smith", "", "left"), ("2", "", "right"),
    ("3d ago", "", None), ("Senior Frontend Developer", "", "left"), ("", GREEN, "right"),
    ("李明 王", "", "left"), ("tab\there", "", "left"), ("x", "bold", "left"),
])
@pytest.mark.parametrize("width", [3, 9, 40])
async def test_a_cell_draws_as_its_text(text: str, style: Style | str, justify: str | None,
                                        width: int) -> None:
    """A ``Cell`` is drawn exactly as the ``Text`` it stands for, fast path or not."""
    app = Pair(3)
    async with app.run_test(size=(60, 14)):
        table = app.query_one(Numbers)
        as_cell = Cell(text, style, justify)  # type: ignore[arg-type]
        assert padded_cell(as_cell, width) == padded_cell(as_cell.as_text(), width)
        assert as_cell.as_text().plain == text
        assert table._padded_cell(as_cell, width)[1] == table._padded_cell(
            cell(text, style, justify), width)[1]


def drawn(segments: list) -> list[tuple[str, Style]]:
    return [(ch, s.style or Style()) for s in segments for ch in s.text]


@pytest.mark.parametrize("text", ["李明 王", "Zoë\u0301", "tab\there"])
def test_other_cells_are_left_to_rich(text: str) -> None:
    assert padded_cell(cell(text), 6) is None
    assert padded_cell(Text(text or "x", no_wrap=True, end=""), 6) is None  # no ellipsis


# -- its own scrollbar --------------------------------------------------------------------

class Numbers(VirtualTable):
    DEFAULT_CSS = "Numbers { height: 12; width: 30; background: $surface; }"

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def on_mount(self) -> None:
        self.set_columns([("n", "N", 10)])
        self.rows_changed()

    @property
    def row_count(self) -> int:
        return self.count

    def row_cells(self, row: int) -> list[Text]:
        return [cell(f"row {row}")]


class Lines(VerticalScroll):
    """Textual's own scrollbar, for comparison: the same height and lines."""

    DEFAULT_CSS = "Lines { height: 12; width: 30; background: $surface; " \
                  "scrollbar-size-vertical: 1; }"


class Pair(App[None]):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Numbers(self.count)
            with Lines():
                yield Static("\n".join(f"line {n}" for n in range(self.count + 1)),
                             markup=False)


def bar_column(strips: list[Strip], x: int) -> list[tuple[str, object, object]]:
    cells = []
    for strip in strips:
        segment = next(iter(strip.crop(x, x + 1)))
        style = segment.style or Style()
        color, bgcolor = (style.bgcolor, style.color) if style.reverse else \
            (style.color, style.bgcolor)
        # What shows: a blank cell has no visible foreground.
        cells.append((segment.text, color if segment.text.strip() else None, bgcolor))
    return cells


@pytest.mark.parametrize("scroll", [0, 37, 89])
async def test_the_scrollbar_looks_like_textuals(scroll: int) -> None:
    app = Pair(100)
    async with app.run_test(size=(60, 14)) as pilot:
        table, lines = app.query_one(Numbers), app.query_one(Lines)
        await pilot.pause()
        table.scroll_to(y=scroll, animate=False, immediate=True)
        lines.scroll_to(y=scroll, animate=False, immediate=True)
        await pilot.pause()
        assert table.scroll_y == lines.scroll_y == scroll
        ours = bar_column(table.render_lines(Region(0, 0, 30, 12)), 29)
        theirs = bar_column(lines.vertical_scrollbar.render_lines(Region(0, 0, 1, 12)), 0)
        assert ours == theirs
        assert {c[0] for c in ours} != {" "} or scroll  # a thumb with its end glyphs


async def test_no_scrollbar_when_every_row_fits_and_rows_use_the_width() -> None:
    app = Pair(5)
    async with app.run_test(size=(60, 14)):
        table = app.query_one(Numbers)
        strips = table.render_lines(Region(0, 0, 30, 12))
        assert all(s.cell_length == 30 for s in strips)
        assert not table.allow_vertical_scroll


async def test_the_scrollbar_takes_the_mouse_and_a_new_row_set_lays_nothing_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = Pair(100)
    async with app.run_test(size=(60, 14)) as pilot:
        table = app.query_one(Numbers)
        selected: list[int] = []
        app.message_hook = lambda m: selected.append(m.row) \
            if isinstance(m, VirtualTable.RowSelected) else None
        await pilot.click(Numbers, offset=(29, 10))  # below the thumb: a page down
        assert table.scroll_y == 11 and not selected and table.cursor_row == 0
        await pilot.click(Numbers, offset=(29, 0))  # above it: a page up
        assert table.scroll_y == 0
        # Dragging the thumb: 1 line of bar is 101/12 lines of rows.
        await pilot.mouse_down(Numbers, offset=(29, 0))
        await pilot.hover(Numbers, offset=(29, 3))
        await pilot.mouse_up(Numbers, offset=(29, 3))
        assert table.scroll_y == pytest.approx(3 * 101 / 12, abs=1)
        await pilot.click(Numbers, offset=(29, 5))  # on the thumb: no row chosen
        assert not selected
        assert table.allow_vertical_scroll  # the wheel's handler asks (there is no ScrollBar)
        # A new row set repaints the table only: no layout of the screen.
        layouts: list[str] = []
        refresh = Widget.refresh

        def spy(self: Widget, *regions: Region, layout: bool = False, **kwargs: bool) -> Widget:
            if layout:
                layouts.append(type(self).__name__)
            return refresh(self, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Widget, "refresh", spy)
        table.count = 40
        table.rows_changed()
        await pilot.pause()
        assert layouts == [] and table.virtual_size.height == 41


# -- its lines bypass Textual's styles cache only when that would add nothing ------------------

async def test_lines_are_what_textuals_styles_cache_would_draw() -> None:
    app = Pair(100)
    async with app.run_test(size=(60, 14)) as pilot:
        table = app.query_one(Numbers)
        table.move_cursor(row=3)
        await pilot.pause()
        assert table._bare_box()
        for crop in (Region(0, 0, 30, 12), Region(4, 2, 20, 7)):
            ours = table.render_lines(crop)
            table._styles_cache.clear()
            theirs = Widget.render_lines(table, crop)  # through the styles cache
            assert [list(s) for s in ours] == [list(s) for s in theirs]


@pytest.mark.parametrize("rule", ["border: solid red", "padding: 0 2", "tint: red 30%",
                                  "opacity: 0.5", "outline: heavy green"])
async def test_styles_that_change_the_lines_go_through_textual(rule: str) -> None:
    app = Pair(100)
    async with app.run_test(size=(60, 14)) as pilot:
        table = app.query_one(Numbers)
        name, value = (part.strip() for part in rule.split(":"))
        table.set_styles(f"{name}: {value};")
        await pilot.pause()
        assert not table._bare_box()
        crop = Region(0, 0, table.size.width, table.size.height)
        ours = table.render_lines(crop)
        table._styles_cache.clear()
        assert [list(s) for s in ours] == [list(s) for s in Widget.render_lines(table, crop)]
