"""A blocking error that needs a decision (the key was rejected, the store was damaged)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from ..keys import ERROR
from .dialog import Dialog


class ErrorScreen(Dialog[str | None]):
    """Shows ``message`` (plain text, never markup). ``actions``: (id, label) buttons; the
    chosen id is the result, Escape gives ``None``."""

    BINDINGS = ERROR.bindings

    def __init__(self, title: str, message: str,
                 actions: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Static(Content(f"⚠ {self._title}"), classes="dialog-title", markup=False)
            yield Static(Content(self._message), classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for action_id, label in self._actions:
                    yield Button(Content(label), id=action_id, variant="primary")
                yield Button(Content("Close (esc)"), id="close")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "close" else event.button.id)
