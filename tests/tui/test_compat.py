"""The private Rich and Textual names in ``rztui/tui/compat.py`` still exist and behave as the
app relies on. A Rich or Textual upgrade that moves or changes one fails here, by name."""

from __future__ import annotations

import importlib

from rich.cells import cell_len

from rztui.tui import compat


def test_rich_divide_line_still_exists() -> None:
    module = importlib.import_module("rich._wrap")
    assert callable(module.divide_line)


def test_wrap_offsets_breaks_after_the_space_and_keeps_every_character() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    offsets = compat.wrap_offsets(text, 10)
    assert offsets == [10, 20, 31, 40]  # each line starts with a word, spaces stay behind
    starts = [0, *offsets]
    lines = [text[a:b] for a, b in zip(starts, [*offsets, len(text)], strict=True)]
    assert "".join(lines) == text
    assert all(cell_len(line.rstrip()) <= 10 for line in lines)


def test_wrap_offsets_folds_long_words_and_counts_wide_characters_as_two_cells() -> None:
    assert compat.wrap_offsets("x" * 25, 10) == [10, 20]
    wide = "漢字" * 6  # 12 characters, 24 cells
    offsets = compat.wrap_offsets(wide, 10)
    assert offsets == [5, 10]
    assert compat.wrap_offsets("short", 10) == []


# -- handlers that used to replace Textual's private ones now sit beside them ---------------


async def test_a_click_on_an_answer_makes_it_current_and_a_double_click_opens_it() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import OptionList

    from rztui.tui.screens.compare import AnswerList

    class Probe(App[None]):
        opened: list[int] = []

        def compose(self) -> ComposeResult:
            yield AnswerList("first", "second", "third")

        def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
            self.opened.append(event.option_index)

    app = Probe()
    async with app.run_test() as pilot:
        answers = app.query_one(AnswerList)
        await pilot.click(AnswerList, offset=(2, 3))
        await pilot.pause()
        assert answers.highlighted == 2 and app.opened == []  # OptionList's own click is off
        await pilot.click(AnswerList, offset=(2, 2), times=2)
        await pilot.pause()
        assert app.opened == [1]
