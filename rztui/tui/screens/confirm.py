"""A yes/no question. ``y``/Enter confirm, ``n``/Escape cancel."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from ..keys import CONFIRM
from .dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    BINDINGS = CONFIRM.bindings

    def __init__(self, title: str, body: Content | str, *, yes: str = "Yes",
                 no: str = "Cancel") -> None:
        super().__init__()
        self._title = title
        self._body = body if isinstance(body, Content) else Content(body)
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title", markup=False)
            yield Static(self._body, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(f"{self._yes} (y)"), variant="error", id="yes")
                yield Button(Content(f"{self._no} (n)"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
