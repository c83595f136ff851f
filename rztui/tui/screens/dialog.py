"""The dialogs' common look: a modal screen over the dimmed app, a panel in the middle.

A dialog subclasses :class:`Dialog` and composes a ``Vertical(classes="dialog")`` (``wide``,
``error``) holding ``dialog-title``, ``dialog-body``, ``dialog-hint`` and ``dialog-buttons``.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
    }
    .dialog {
        width: 64;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        background: $panel;
        border: round $primary;
    }
    .dialog.wide {
        width: 84;
    }
    .dialog.error {
        border: round $error;
    }
    .dialog-title {
        text-style: bold;
        color: $text;
        margin-bottom: 1;
    }
    .dialog-body {
        color: $foreground;
        margin-bottom: 1;
    }
    .dialog-hint {
        color: $text-muted;
        margin-top: 1;
    }
    .dialog-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    .dialog-buttons Button {
        margin-left: 1;
    }
    """
