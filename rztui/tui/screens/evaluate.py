"""Deciding about a candidate in the app: the rating dialog (``*``) and the note editor (``w``).

Both only return what the user chose; the main screen saves it (in a thread) through the
store. Text from the API (the candidate's name, the question) is shown as ``Content``, never
parsed as markup.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from ...formats import stars
from ...store.evaluations import NOTE_MAX
from ...textsafe import clean_line
from ..keys import NOTE, RATE
from .dialog import Dialog

#: What the rating dialog returns for "remove the rating".
CLEAR = 0


class RateScreen(Dialog[int | None]):
    """Press 1-5 to rate, 0 to clear, Escape to cancel (returns None)."""

    DEFAULT_CSS = """
    RateScreen .dialog-buttons Button {
        width: auto;
        min-width: 5;
    }
    """

    BINDINGS = RATE.bindings

    def __init__(self, what: str, current: int | None) -> None:
        super().__init__()
        self.what = clean_line(what)
        self.current = current

    def compose(self) -> ComposeResult:
        now = f"now {stars(self.current)} {self.current}/5" if self.current else "not rated yet"
        with Vertical(classes="dialog"):
            yield Static(Content(f"Rate {self.what}"), classes="dialog-title", markup=False)
            yield Static(Content.assemble(
                ("1", "bold"), "-", ("5", "bold"), " rates, ", ("0", "bold"), " clears, ",
                ("Escape", "bold"), " cancels.\n", (now, "$text-muted")),
                classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for n in range(1, 6):
                    yield Button(Content(str(n)), id=f"rate-{n}", compact=True,
                                 variant="primary" if n == self.current else "default")
                yield Button(Content("Clear (0)"), id="rate-0", compact=True)

    def action_choose(self, rating: int) -> None:
        self.dismiss(rating)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id and event.button.id.startswith("rate-"):
            self.dismiss(int(event.button.id.removeprefix("rate-")))


class NoteScreen(Dialog[str | None]):
    """Edit the interview's note: ctrl+s saves (an empty note removes it), Escape cancels."""

    DEFAULT_CSS = """
    NoteScreen #note-text {
        height: 10;
    }
    """
    AUTO_FOCUS = "#note-text"

    BINDINGS = NOTE.bindings

    def __init__(self, who: str, note: str) -> None:
        super().__init__()
        self.who = clean_line(who)
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Content(f"Note on {self.who}"), classes="dialog-title", markup=False)
            yield Static(Content("Kept on this machine only. ctrl+s saves (an empty note is "
                                 "removed), Escape cancels."),
                         classes="dialog-body", markup=False)
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Content(""), id="note-summary", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Save (ctrl+s)"), variant="primary", id="save")
                yield Button(Content("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self._summarise()

    def on_key(self, event: events.Key) -> None:
        """Typing that arrives before the text box has the focus (right after ``w``) goes
        into it, not nowhere."""
        area = self.query_one(TextArea)
        if area.has_focus:
            return
        if event.is_printable and event.character:
            area.insert(event.character)
        elif event.key == "enter":
            area.insert("\n")
        else:
            return
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        area = self.query_one(TextArea)
        if not area.has_focus:
            area.insert(event.text)
            event.stop()

    @on(TextArea.Changed)
    def _summarise(self) -> None:
        n = len(self.query_one(TextArea).text)
        summary = self.query_one("#note-summary", Static)
        if n > NOTE_MAX:
            summary.update(Content.styled(
                f"{n:,} characters: a note is at most {NOTE_MAX:,}", "$text-error"))
        else:
            summary.update(Content.styled(f"{n:,} characters", "$text-muted"))

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if len(text) > NOTE_MAX:
            self.notify(f"A note is at most {NOTE_MAX:,} characters: shorten it to save.",
                        severity="warning", markup=False)
            return
        self.dismiss(text.strip("\n"))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
