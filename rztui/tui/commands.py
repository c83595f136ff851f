"""The command palette's commands (ctrl+p) on the main screen, made from the key table.

:meth:`RZApp.get_system_commands <rztui.tui.app.RZApp.get_system_commands>` adds these to
Textual's own (theme, quit, keys...), so the palette lists them all together, sorted by name.
The entries are :data:`rztui.tui.keys.PALETTE`; what varies (pause or resume, what `e` would
export right now, why the API refused) comes in a :class:`PaletteState`. A command runs an
action string on the main screen through ``run``: this module knows neither the screen nor
the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from textual.app import SystemCommand

from .keys import PALETTE, Command, bound_key, key_label


@dataclass(frozen=True)
class PaletteState:
    """What the palette offers now (``MainScreen.palette_state``)."""

    paused: bool  # live watching is paused: "Resume watching"
    playing: bool  # an answer's audio plays: "Stop the audio"
    export_title: str  # what `e` would export right now
    refusal_detail: str | None  # why the API refused the key; None while it is accepted
    has_service: bool  # there is a client to ask the API again with
    status_filters: tuple[str, ...] = ()  # the list's status filters' names, by index
    sort_fields: tuple[tuple[str, str], ...] = ()  # (field, name) the list sorts by


#: When a ``Command.when`` is shown.
CONDITIONS: Mapping[str, Callable[[PaletteState], bool]] = {
    "paused": lambda s: s.paused,
    "watching": lambda s: not s.paused,
    "playing": lambda s: s.playing,
    "not_playing": lambda s: not s.playing,
    "refused": lambda s: s.refusal_detail is not None,
    "accepted": lambda s: s.refusal_detail is None,
    "refused_with_service": lambda s: s.refusal_detail is not None and s.has_service,
}


def hint(action: str) -> str:
    """`` (ctrl+f)``: the key that runs exactly ``action``, if one does (every palette entry
    with a key shows it; "Export shown interviews" is not what `e` does, so it shows none)."""
    binding = bound_key(action, exact=True)
    return f" ({key_label(binding)})" if binding is not None else ""


def _expanded(command: Command, state: PaletteState) -> Iterator[tuple[str, str, str]]:
    """(title, help, action) for each entry ``command`` makes in ``state``."""
    values = {"export_title": state.export_title, "refusal_detail": state.refusal_detail}
    if command.each == "status":
        choices = [{"name": name, "index": str(i)} for i, name in enumerate(state.status_filters)]
    elif command.each == "sort":
        choices = [{"name": name, "field": field} for field, name in state.sort_fields]
    else:
        choices = [{}]
    for choice in choices:
        action = command.action.format(**choice)
        yield command.title.format(**choice), command.help.format(**values) + hint(action), action


def main_commands(state: PaletteState, run: Callable[[str], object]) -> Iterator[SystemCommand]:
    """The main screen's commands in ``state``, in the key table's order; each calls ``run``
    with its action string (a main-screen action; ``app.`` for the app's)."""
    for command in PALETTE:
        if command.when and not CONDITIONS[command.when](state):
            continue
        for title, help_text, action in _expanded(command, state):
            yield SystemCommand(title, help_text, lambda a=action: run(a))
