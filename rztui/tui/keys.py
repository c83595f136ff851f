"""The main screen's key map, in one place (the footer, `?` help and the palette read it)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# In footer order: the footer clips at 80 columns, so Help comes first.
MAIN_BINDINGS: list[BindingType] = [
    # One pane at a time (a narrow terminal), the transcript shown: the way back, shown first.
    Binding("escape", "focus_list('narrow')", "List"),
    Binding("question_mark", "app.help", "Help", key_display="?"),
    # priority: acted on as it arrives, so keys typed right after it (a burst, "/eng")
    # reach the filter box, not the list (in a text box it is typed, like any character).
    Binding("slash", "focus_filter", "Filter", key_display="/", priority=True),
    # Tab moves between the panes only (never into the filter box: `/` goes there).
    Binding("tab", "pane(1)", "Next pane: list, transcript, outline", show=False),
    Binding("shift+tab", "pane(-1)", "Previous pane", show=False),
    # The list's status filters work from any pane (the filter box types them).
    Binding("f", "list_status('cycle')", "Status filter: the next one", show=False),
    Binding("1", "list_status('0')", "Show every status", show=False),
    Binding("2", "list_status('1')", "Only completed", show=False),
    Binding("3", "list_status('2')", "Only in progress", show=False),
    Binding("4", "list_status('3')", "Only invited", show=False),
    Binding("5", "list_status('4')", "Only expired", show=False),
    Binding("6", "list_status('5')", "Only the shortlist", show=False),
    # The list's own escape clears its filter; from the other panes it goes back to it.
    Binding("escape", "focus_list", "Back to the list", show=False),
    Binding("a", "add", "Add"),
    Binding("d", "untrack", "Remove", show=False),
    Binding("r", "refresh", "Refresh", tooltip="fetch the selected interview now"),
    Binding("R", "refresh_all", "Refresh all", show=False,
            tooltip="every one that can still change"),
    Binding("ctrl+f", "search", "Find", priority=True, tooltip="in this transcript"),
    # priority: works from the filter box too (ctrl+s is not an editing key there)
    Binding("ctrl+s", "global_search", "Search all", priority=True,
            tooltip="across all transcripts; opens the hit"),
    Binding("m", "compare", "Compare",
            tooltip="everyone's answer to this question"),
    Binding("v", "toggle_review", "Review",
            tooltip="durations, lengths, keywords"),
    Binding("e", "export", "Export",
            tooltip="the selected one; all shown if filtered"),
    Binding("A", "archive_audio", "Archive audio", show=False,
            tooltip="download the selected one's recordings"),
    # check_action shows one of the two
    Binding("p", "pause_watch", "Pause watch",
            tooltip="polling for status changes"),
    Binding("p", "resume_watch", "Resume watch",
            tooltip="polling for status changes"),
    Binding("o", "toggle_outline", "Outline", show=False),
    # Deciding about candidates (kept in the store only, never sent to the API).
    Binding("asterisk", "rate", "Rate", key_display="*", show=False,
            tooltip="1-5: the answer in focus, else the interview"),
    Binding("w", "note", "Note", show=False, tooltip="write the interview's note"),
    Binding("plus", "shortlist", "Shortlist", key_display="+", show=False,
            tooltip="put on the shortlist, or take off"),
    Binding("u", "next_new", "Next new", show=False,
            tooltip="completed or answered since you last looked"),
    Binding("P", "play", "Play answer", show=False,
            tooltip="the current answer's audio; P again stops"),
    Binding("c", "copy('answer')", "Copy answer", show=False),
    Binding("C", "copy('interview')", "Copy ATS", show=False),
    Binding("y", "copy('id')", "Copy id", show=False),
    Binding("q", "app.quit", "Quit"),
]
