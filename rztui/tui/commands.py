"""The command palette's commands (ctrl+p) on the main screen.

:meth:`RZApp.get_system_commands <rztui.tui.app.RZApp.get_system_commands>` adds these to
Textual's own (theme, quit, keys...), so the palette lists them all together, sorted by name.
The export command's description names what `e` would export right now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from .widgets.interview_list import FILTER_NAMES, SORT_FIELDS, SORT_NAMES, STATUS_FILTERS

if TYPE_CHECKING:
    from .main_screen import MainScreen


def main_screen_commands(screen: MainScreen, *, enter_key: Callable[[], object],
                         show_help: Callable[[], object]) -> Iterator[SystemCommand]:
    ctx = screen.ctx
    lst = screen.interview_list
    yield SystemCommand("Add interviews", "Track interviews by id or pasted URL",
                        screen.action_add)
    yield SystemCommand("Remove interview", "Stop tracking the selected interview",
                        screen.action_untrack)
    yield SystemCommand("Refresh interview", "Fetch the selected interview again",
                        screen.action_refresh)
    yield SystemCommand("Refresh all active", "Fetch every interview that is not "
                        "completed or expired", screen.action_refresh_all)
    yield SystemCommand("Find in transcript", "Search the transcript (ctrl+f)",
                        screen.action_search)
    yield SystemCommand("Search all interviews", "Full-text search over every cached "
                        "transcript (ctrl+s)", screen.action_global_search)
    yield SystemCommand("Compare answers", "Every candidate's answer to the current "
                        "question (m)", screen.action_compare)
    yield SystemCommand("Review summary", "Durations, lengths and keywords of the "
                        "current interview (v)", screen.action_toggle_review)
    _ids, export_title = screen.outputs.export_targets()
    yield SystemCommand("Export…", f"{export_title} (e)", screen.action_export)
    yield SystemCommand("Export shown interviews", "Every interview the list shows",
                        lambda: screen.action_export("shown"))
    yield SystemCommand("Export all tracked", "Every tracked interview",
                        lambda: screen.action_export("all"))
    yield SystemCommand("Archive audio", "Download the selected interview's recordings (A)",
                        screen.action_archive_audio)
    yield SystemCommand("Resume watching" if screen.watcher.paused else "Pause watching",
                        "Polling for status changes (p)", screen.watcher.toggle)
    yield SystemCommand("Toggle question outline", "Show or hide the questions pane",
                        screen.action_toggle_outline)
    yield SystemCommand("Copy answer", "Copy the current answer's transcript",
                        lambda: screen.action_copy("answer"))
    yield SystemCommand("Copy interview (ATS)", "Copy all answers in ATS format",
                        lambda: screen.action_copy("interview"))
    yield SystemCommand("Copy interview id", "Copy the selected interview's id",
                        lambda: screen.action_copy("id"))
    yield SystemCommand("Rate…", "1-5: the current answer when the transcript has the focus, "
                        "else the interview (*)", screen.action_rate)
    yield SystemCommand("Write a note", "The interview's note, kept on this computer (w)",
                        screen.action_note)
    yield SystemCommand("Shortlist on / off", "Put the interview on the shortlist or take it "
                        "off (+)", screen.action_shortlist)
    yield SystemCommand("Next new interview", "Completed or answered since you last looked "
                        "(u)", screen.action_next_new)
    yield SystemCommand("Stop the audio" if screen.listening.playing else "Play answer",
                        "The current answer's recording in a local player (P)",
                        screen.action_play)
    refusal = ctx.refusal
    key_help = "Paste and verify a ROUND0 API key (ctrl+k)"
    if refusal is not None:
        key_help = f"The API refused: {refusal.detail} (ctrl+k)"
    yield SystemCommand("Enter API key", key_help, enter_key)
    if refusal is not None and ctx.service is not None:
        yield SystemCommand("Ask the API again", "Check whether the key is accepted now; "
                            "polling resumes if it is (R)", screen.action_refresh_all)
    yield SystemCommand("Keys", "Show every key binding", show_help)
    for status in STATUS_FILTERS:
        yield SystemCommand(f"Show {FILTER_NAMES[status]}", "Filter the list by status",
                            lambda s=status: lst.set_status_filter(s))
    for field in SORT_FIELDS:
        yield SystemCommand(f"Sort by {SORT_NAMES[field]}", "Sort the interview list",
                            lambda f=field: lst.set_sort(f))
