"""Every key of the app, its label and its help text, written once.

- Screens and widgets take their ``BINDINGS`` from the groups below (``GROUP.bindings``);
  the footer shows a binding's description (its label).
- ``?`` help (:func:`rztui.tui.screens.help.help_content`) shows every group of
  :data:`HELP_GROUPS`, in order: label, then the tooltip (the help text) dimmer.
- The command palette (:mod:`rztui.tui.commands`) lists :data:`PALETTE`; a hint such as
  "(ctrl+f)" is the key bound to the command's action here.
- ``tests/tui/test_keys.py`` checks the README's key table against these groups.

A ``Binding`` whose action is ``""`` is written for ``?`` help only: a key that a Textual
widget handles itself (Enter in a list, typing in a box). It is never bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeyGroup:
    """The keys of one screen, widget or dialog, and the heading ``?`` help gives them."""

    title: str
    keys: tuple[Binding, ...]

    @property
    def bindings(self) -> list[BindingType]:
        """What the class's ``BINDINGS`` is: the keys that run an action."""
        return [key for key in self.keys if key.action]


_KEY_NAMES = {"slash": "/", "question_mark": "?", "left_square_bracket": "[",
              "right_square_bracket": "]", "asterisk": "*", "plus": "+"}


def key_label(binding: Binding) -> str:
    """How help and the palette write a binding's key(s): ``/``, ``ctrl+f``, ``up, k``."""
    if binding.key_display:
        return binding.key_display
    return ", ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


def _help(key: str, label: str, *, display: str | None = None) -> Binding:
    """A key shown in ``?`` help that a widget handles itself (never bound)."""
    return Binding(key, "", label, key_display=display)


def _numbers(action: str, label: str, first: int, last: int, *, show: bool) -> list[Binding]:
    """``first``..``last`` each run ``action(n)``; the footer and help show one line
    (``1-5``): help leaves out a binding with the same action and label as one before it."""
    return [Binding(str(first), f"{action}({first})", label, key_display=f"{first}-{last}",
                    show=show),
            *(Binding(str(n), f"{action}({n})", label, show=False)
              for n in range(first + 1, last + 1))]


# -- the main screen ----------------------------------------------------------------------

# In footer order: the footer clips at 80 columns, so Help comes first.
MAIN = KeyGroup("Everywhere", (
    # One pane at a time (a narrow terminal), the transcript shown: the way back, shown first.
    Binding("escape", "go_to('list', 'narrow')", "List"),
    Binding("question_mark", "app.help", "Help", key_display="?"),
    # priority: acted on as it arrives, so keys typed right after it (a burst, "/eng")
    # reach the filter box, not the list (in a text box it is typed, like any character).
    Binding("slash", "go_to('filter')", "Filter", key_display="/", priority=True),
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
    Binding("escape", "go_to('list')", "Back to the list", show=False),
    Binding("a", "add", "Add"),
    Binding("d", "untrack", "Remove", show=False),
    Binding("r", "refresh", "Refresh", tooltip="fetch the selected interview now"),
    Binding("R", "refresh('all')", "Refresh all", show=False,
            tooltip="every one that can still change"),
    Binding("ctrl+f", "search", "Find", priority=True, tooltip="in this transcript"),
    # priority: works from the filter box too (ctrl+s is not an editing key there)
    Binding("ctrl+s", "search('all')", "Search all", priority=True,
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
    Binding("p", "watch('pause')", "Pause watch",
            tooltip="polling for status changes"),
    Binding("p", "watch('resume')", "Resume watch",
            tooltip="polling for status changes"),
    Binding("o", "toggle_outline", "Outline", show=False),
    # Deciding about candidates (kept in the store only, never sent to the API).
    Binding("asterisk", "evaluate('rate')", "Rate", key_display="*", show=False,
            tooltip="1-5: the answer in focus, else the interview"),
    Binding("w", "evaluate('note')", "Note", show=False,
            tooltip="write the interview's note"),
    Binding("plus", "evaluate('shortlist')", "Shortlist", key_display="+", show=False,
            tooltip="put on the shortlist, or take off"),
    Binding("u", "evaluate('next_new')", "Next new", show=False,
            tooltip="completed or answered since you last looked"),
    Binding("P", "play", "Play answer", show=False,
            tooltip="the current answer's audio; P again stops"),
    Binding("c", "copy('answer')", "Copy answer", show=False),
    Binding("C", "copy('interview')", "Copy ATS", show=False),
    Binding("y", "copy('id')", "Copy id", show=False),
    Binding("q", "app.quit", "Quit"),
))
MAIN_BINDINGS = MAIN.bindings

# The app's own (they work over every screen); Textual's palette and quit keys for help.
APP = KeyGroup("Everywhere", (
    Binding("ctrl+k", "enter_key", "API key", show=False),
    _help("ctrl+p", "Command palette"),
    _help("ctrl+q", "Quit"),
    # As in k9s and lazygit (Textual's own ctrl+c only says to press ctrl+q). In a text box it
    # copies the selection, as there.
    Binding("ctrl+c", "quit", "Quit", show=False),
))

# -- the main screen's panes --------------------------------------------------------------

# InterviewList.BINDINGS (f and 1-6, the status filters, are the screen's: any pane).
LIST = KeyGroup("Interview list", (
    Binding("escape", "clear_filter", "Clear filter", show=False),
    Binding("s", "cycle_sort", "Sort"),
    Binding("S", "reverse_sort", "Reverse sort", show=False),
))
# InterviewTable.BINDINGS (VirtualTable's arrows, Enter and page keys come with it).
TABLE = KeyGroup("Interview list", (
    Binding("home,g", "scroll_top", "First", show=False),
    Binding("end,G", "scroll_bottom", "Last", show=False),
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    _help("enter", "Open the interview"),
    _help("click header", "Sort by that column"),
))
TRANSCRIPT = KeyGroup("Transcript", (
    Binding("up,k", "line_up", "Up", show=False),
    Binding("down,j", "line_down", "Down", show=False),
    Binding("pageup,b", "page_up_", "Page up", show=False),
    Binding("pagedown,space", "page_down_", "Page down", show=False),
    Binding("home,g", "top", "Top", show=False),
    Binding("end,G", "bottom", "Bottom", show=False),
    Binding("n", "next_match", "Next match", show=False),
    Binding("N", "previous_match", "Previous match", show=False),
    Binding("right_square_bracket", "next_answer", "Next answer", key_display="]"),
    Binding("left_square_bracket", "previous_answer", "Prev answer", key_display="[",
            show=False),
))
# The outline is an OptionList: its keys are the list's and the screen's.
OUTLINE = KeyGroup("Question outline (o)", (
    _help("up,down", "Pick a question"),
    _help("enter", "Jump to its answer in the transcript"),
    _help("m", "Compare everyone's answer to it"),
    _help("escape", "Back to the list"),
))
SEARCH_BAR = KeyGroup("Find (ctrl+f)", (
    _help("enter", "Next match and back to the text"),
    Binding("escape", "close", "Close search", show=False),
))

# -- screens and dialogs ------------------------------------------------------------------

SEARCH_ALL = KeyGroup("Search all interviews (ctrl+s)", (
    _help("enter", "Open the hit: its answer, the words found (n/N)"),
    Binding("down", "to_hits", "Go to the hits; typing goes on refining", show=False),
    Binding("escape", "close", "Close"),
))
COMPARE = KeyGroup("Compare answers (m)", (
    _help("m", "The current answer's question; the outline's highlighted one when the "
               "outline has the focus"),
    Binding("escape,q", "close", "Close"),
    Binding("s", "cycle_sort", "Sort"),
    Binding("S", "reverse", "Reverse"),  # as in the interview list
    Binding("c", "copy_answer", "Copy answer"),
    Binding("C", "copy_all", "Copy all"),
    *_numbers("rate", "Rate 1-5", 1, 5, show=True),
    Binding("0", "rate(0)", "Clear rating", show=False),
    Binding("j", "cursor('down')", "Next", show=False),
    Binding("k", "cursor('up')", "Previous", show=False),
    Binding("enter", "open", "Open interview", show=False),
))
EXPORT = KeyGroup("Export dialog (e)", (
    Binding("ctrl+s", "export", "Export"),
    _help("enter", "Export (in the path box)"),
    Binding("escape", "cancel", "Cancel"),
))
RATE = KeyGroup("Rate (*)", (
    *_numbers("choose", "Rate", 1, 5, show=False),
    Binding("0", "choose(0)", "Remove the rating", show=False),
    Binding("escape,q", "cancel", "Cancel"),
))
NOTE = KeyGroup("Note (w)", (
    # priority: the text box would take ctrl+s otherwise
    Binding("ctrl+s", "save", "Save", priority=True, tooltip="an empty note is removed"),
    Binding("escape", "cancel", "Cancel"),
))
ADD = KeyGroup("Add interviews (a)", (
    Binding("ctrl+s", "submit", "Add"),
    Binding("escape", "cancel", "Cancel"),
))
KEY_ENTRY = KeyGroup("API key (ctrl+k)", (
    _help("enter", "Verify the key and save it"),
    Binding("escape", "offline", "Continue offline"),
))
CONFIRM = KeyGroup("Yes / no questions", (
    Binding("y", "answer(True)", "Yes"),
    Binding("n,escape", "answer(False)", "No"),
))
ERROR = KeyGroup("Error messages", (
    Binding("escape", "close", "Close"),
))
HELP = KeyGroup("This help (?)", (
    Binding("escape,q,question_mark", "dismiss", "Close"),
))

#: What ``?`` shows, in order.
HELP_GROUPS: tuple[KeyGroup, ...] = (
    KeyGroup("Everywhere", MAIN.keys + APP.keys),
    KeyGroup("Interview list", LIST.keys + TABLE.keys),
    TRANSCRIPT, OUTLINE, SEARCH_BAR, SEARCH_ALL, COMPARE, EXPORT, RATE, NOTE, ADD, KEY_ENTRY,
    CONFIRM, ERROR, HELP,
)


# -- the command palette (ctrl+p) on the main screen --------------------------------------

@dataclass(frozen=True)
class Command:
    """One palette entry. ``action`` runs on the main screen (``app.`` for the app's).

    The help ends with the key that runs exactly ``action``, if one does, e.g. "(ctrl+f)".
    ``when``: shown only in that state (see
    ``commands.CONDITIONS``). ``each``: one entry per status filter (``{name}``, ``{index}``)
    or sort field (``{name}``, ``{field}``) the palette state offers. ``{export_title}`` and
    ``{refusal_detail}`` in the help come from the palette state.
    """

    title: str
    help: str
    action: str
    when: str = ""
    each: str = ""


PALETTE: tuple[Command, ...] = (
    Command("Add interviews", "Track interviews by id or pasted URL", "add"),
    Command("Remove interview", "Stop tracking the selected interview", "untrack"),
    Command("Refresh interview", "Fetch the selected interview again", "refresh"),
    Command("Refresh all active", "Fetch every interview that is not completed or expired",
            "refresh('all')"),
    Command("Find in transcript", "Search the transcript", "search"),
    Command("Search all interviews", "Full-text search over every cached transcript",
            "search('all')"),
    Command("Compare answers", "Every candidate's answer to the current question", "compare"),
    Command("Review summary", "Durations, lengths and keywords of the current interview",
            "toggle_review"),
    Command("Export…", "{export_title}", "export"),
    Command("Export shown interviews", "Every interview the list shows", "export('shown')"),
    Command("Export all tracked", "Every tracked interview", "export('all')"),
    Command("Archive audio", "Download the selected interview's recordings", "archive_audio"),
    Command("Resume watching", "Polling for status changes", "watch('resume')",
            when="paused"),
    Command("Pause watching", "Polling for status changes", "watch('pause')",
            when="watching"),
    Command("Toggle question outline", "Show or hide the questions pane", "toggle_outline"),
    Command("Copy answer", "Copy the current answer's transcript", "copy('answer')"),
    Command("Copy interview (ATS)", "Copy all answers in ATS format", "copy('interview')"),
    Command("Copy interview id", "Copy the selected interview's id", "copy('id')"),
    Command("Rate…", "1-5: the current answer when the transcript has the focus, else the "
            "interview", "evaluate('rate')"),
    Command("Write a note", "The interview's note, kept on this computer", "evaluate('note')"),
    Command("Shortlist on / off", "Put the interview on the shortlist or take it off",
            "evaluate('shortlist')"),
    Command("Next new interview", "Completed or answered since you last looked",
            "evaluate('next_new')"),
    Command("Stop the audio", "The current answer's recording in a local player", "play",
            when="playing"),
    Command("Play answer", "The current answer's recording in a local player", "play",
            when="not_playing"),
    Command("Enter API key", "Paste and verify a ROUND0 API key", "app.enter_key",
            when="accepted"),
    Command("Enter API key", "The API refused: {refusal_detail}", "app.enter_key",
            when="refused"),
    Command("Ask the API again", "Check whether the key is accepted now; polling resumes if "
            "it is", "refresh('all')", when="refused_with_service"),
    Command("Keys", "Show every key binding", "app.help"),
    Command("Show {name}", "Filter the list by status", "list_status('{index}')",
            each="status"),
    Command("Sort by {name}", "Sort the interview list", "list_sort('{field}')", each="sort"),
)


def bound_key(action: str, groups: tuple[KeyGroup, ...] = (MAIN, APP), *,
              exact: bool = False) -> Binding | None:
    """The first binding of ``groups`` that runs ``action`` (a main-screen action string;
    ``app.`` for the app's), else (unless ``exact``) the first that runs the same action with
    other parameters."""
    def target(group: KeyGroup, binding: Binding) -> str:
        return f"app.{binding.action}" if group is APP else binding.action

    pairs = [(target(g, b), b) for g in groups for b in g.keys if b.action]
    found = next((b for a, b in pairs if a == action), None)
    if found is None and not exact:
        name = action.split("(")[0]
        found = next((b for a, b in pairs if a.split("(")[0] == name), None)
    return found
