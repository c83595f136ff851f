"""The key table (rztui/tui/keys.py) is the one place a key is written: the classes bind it,
`?` help and the palette's hints are made from it, and the README's key table agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from rztui.tui import keys
from rztui.tui.app import RZApp
from rztui.tui.commands import CONDITIONS, PaletteState, main_commands
from rztui.tui.main_screen import MainScreen
from rztui.tui.screens.add import AddScreen
from rztui.tui.screens.compare import CompareScreen
from rztui.tui.screens.confirm import ConfirmScreen
from rztui.tui.screens.error import ErrorScreen
from rztui.tui.screens.evaluate import NoteScreen, RateScreen
from rztui.tui.screens.export import ExportScreen
from rztui.tui.screens.help import HelpScreen, help_content
from rztui.tui.screens.key_entry import KeyEntryScreen
from rztui.tui.screens.search import SearchScreen
from rztui.tui.widgets.interview_list import InterviewList, InterviewTable
from rztui.tui.widgets.transcript import SearchBar, TranscriptView

README = Path(__file__).resolve().parents[2] / "README.md"

# Which class binds which group.
BOUND = [
    (MainScreen, keys.MAIN), (RZApp, keys.APP), (InterviewList, keys.LIST),
    (InterviewTable, keys.TABLE), (TranscriptView, keys.TRANSCRIPT), (SearchBar, keys.SEARCH_BAR),
    (SearchScreen, keys.SEARCH_ALL), (CompareScreen, keys.COMPARE), (ExportScreen, keys.EXPORT),
    (RateScreen, keys.RATE), (NoteScreen, keys.NOTE), (AddScreen, keys.ADD),
    (KeyEntryScreen, keys.KEY_ENTRY), (ConfirmScreen, keys.CONFIRM), (ErrorScreen, keys.ERROR),
    (HelpScreen, keys.HELP),
]

STATE = PaletteState(paused=False, playing=False, export_title="Export 1 interview",
                     refusal_detail=None, has_service=True, status_filters=("all", "completed"),
                     sort_fields=(("date", "date"),))


def _fields(binding: object) -> tuple[object, ...]:
    assert isinstance(binding, Binding)
    return (binding.key, binding.action, binding.description, binding.show,
            binding.key_display, binding.priority, binding.tooltip)


@pytest.mark.parametrize(("cls", "group"), BOUND, ids=[c.__name__ for c, _ in BOUND])
def test_every_class_binds_its_group_of_the_key_table(cls, group):
    assert [_fields(b) for b in cls.BINDINGS] == [_fields(b) for b in group.bindings]
    for binding in group.bindings:
        assert isinstance(binding, Binding)
        if "." in binding.action.split("(")[0]:
            continue  # app.help, app.quit: Textual's or the app's
        name = binding.action.split("(")[0]
        assert hasattr(cls, f"action_{name}"), f"{cls.__name__} has no action {name!r}"


def test_help_shows_every_group_and_key():
    text = help_content().plain
    for group in keys.HELP_GROUPS:
        assert group.title in text
        for binding in group.keys:
            if binding.description:
                line = next((ln for ln in text.splitlines()
                             if ln.strip().startswith(keys.key_label(binding))), None)
                assert line is not None, binding
    bound = {id(b) for _cls, group in BOUND for b in group.bindings}
    shown = {id(b) for group in keys.HELP_GROUPS for b in group.keys}
    assert bound <= shown, "a bound key is missing from ? help"


def test_palette_entries_run_real_actions_and_hint_their_keys():
    for command in keys.PALETTE:
        assert not command.when or command.when in CONDITIONS, command
        action = command.action.split("(")[0]
        owner, name = (RZApp, action[4:]) if action.startswith("app.") else (MainScreen, action)
        assert hasattr(owner, f"action_{name}"), command
    run: list[str] = []
    commands = list(main_commands(STATE, run.append))
    for command in commands:
        command.callback()
        hint = re.search(r" \(([^()]+)\)$", command.help)
        binding = keys.bound_key(run[-1], exact=True)
        if binding is None:  # no key does exactly this: no hint
            assert hint is None, command
        else:  # every entry with a key says it
            assert hint is not None and keys.key_label(binding) == hint.group(1), command
    assert "list_status('1')" in run and "list_sort('date')" in run


def _readme_rows() -> list[tuple[list[str], str]]:
    """(keys, action) of each row of the README's key table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | action |"):]
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1]))
    return rows


def _labels() -> dict[str, set[str]]:
    """Key as `?` help writes it -> the words help gives it (each, and all of a key's joined
    with " / " as help shows them)."""
    out: dict[str, set[str]] = {}
    for group in keys.HELP_GROUPS:
        said: dict[str, list[str]] = {}
        for binding in group.keys:
            if binding.description:
                for key in keys.key_label(binding).split(", "):
                    said.setdefault(key, []).append(binding.description)
        for key, descriptions in said.items():
            out.setdefault(key, set()).update([*descriptions, " / ".join(descriptions)])
    return out


def _readme_pairs() -> set[tuple[str, str]]:
    pairs = set()
    for row_keys, action in _readme_rows():
        actions = [action] if len(row_keys) == 1 else action.split(" / ")
        assert len(actions) == len(row_keys), f"README row {row_keys}: one action per key"
        pairs.update(zip(row_keys, actions, strict=True))
    return pairs


def test_readme_keys_are_the_key_tables():
    labels = _labels()
    rows = _readme_rows()
    assert rows, "the README's key table was not found"
    for key, action in _readme_pairs():
        assert key in labels, f"README: `{key}` is bound nowhere"
        assert action in labels[key], f"README: `{key}` is {sorted(labels[key])}, not {action!r}"


def test_readme_has_every_key_of_the_footer_and_the_palette():
    pairs = _readme_pairs()
    readme_keys = {key for key, _ in pairs}
    wanted = [b for b in keys.MAIN.keys if b.show]
    wanted += [b for c in keys.PALETTE if (b := keys.bound_key(c.action)) is not None]
    for binding in wanted:
        key = keys.key_label(binding)
        assert key in readme_keys, f"README lacks `{key}` ({binding.description})"
        assert any(k == key and binding.description in a for k, a in pairs), \
            f"README: `{key}` should say {binding.description!r}"
