"""The virtual table draws a cell exactly as rich (and so DataTable) would."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.padding import Padding
from rich.style import Style
from rich.text import Text

from rztui.tui.widgets.virtual_table import padded_cell

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
    ("[@click=app.quit]Click me[/]", "", "left"),
])
@pytest.mark.parametrize("width", [3, 4, 7, 9, 15, 40])
def test_fast_cells_match_rich(text: str, style: Style | str, justify: str | None,
                               width: int) -> None:
    fast = padded_cell(cell(text, style, justify), width)
    if justify is not None:
        assert fast is not None  # the common case takes the fast path
    if fast is not None:
        assert fast == rich_cell(cell(text, style, justify), width)


@pytest.mark.parametrize("text", ["李明 王", "", "Zoë\u0301", "tab\there"])
def test_other_cells_are_left_to_rich(text: str) -> None:
    assert padded_cell(cell(text), 6) is None
    assert padded_cell(Text(text or "x", no_wrap=True, end=""), 6) is None  # no ellipsis
