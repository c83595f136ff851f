"""``?``: every key binding, grouped by where it works, generated from the key table."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..keys import HELP, HELP_GROUPS, KeyGroup, key_label
from .dialog import Dialog


def help_content(groups: Sequence[KeyGroup] = HELP_GROUPS) -> Content:
    """One line per key: its label, then its help text (dimmer) when it has one. A key bound
    twice in a group (one shown at a time, e.g. pause / resume) is one line, and a label that
    another of the key's says too is left out. A binding with the label and action of one
    before it (``1``..``5`` rate) is written once, as the first one's key (``1-5``)."""
    parts: list[Content] = []
    for group in groups:
        rows = [b for b in group.keys if b.description]
        if not rows:
            continue
        parts.append(Content.styled(group.title, "bold $text-accent"))
        merged: dict[str, tuple[list[str], str]] = {}
        written: set[tuple[str, str]] = set()
        for b in rows:
            if b.action:
                same = (b.action.split("(")[0], b.description)
                if same in written:
                    continue
                written.add(same)
            descriptions, tooltip = merged.setdefault(key_label(b), ([], ""))
            said = b.description.casefold()
            if not any(said in d.casefold() for d in descriptions):  # "List" in "Back to..."
                descriptions[:] = [d for d in descriptions if d.casefold() not in said]
                descriptions.append(b.description)
            merged[key_label(b)] = (descriptions, tooltip or b.tooltip)
        for key, (descriptions, tooltip) in merged.items():
            text = " / ".join(descriptions)
            line: list[tuple[str, str] | str] = [(f"  {key:<16}", "bold"),
                                                 f"{text:<14}" if tooltip else text]
            if tooltip:
                line.append((f"  {tooltip}", "$text-muted"))
            parts.append(Content.assemble(*line))
        parts.append(Content(""))
    return Content("\n").join(parts)


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    HelpScreen #help-dialog {
        height: 90%;
    }
    HelpScreen #help-scroll {
        height: 1fr;
    }
    """

    BINDINGS = HELP.bindings

    def __init__(self, groups: Sequence[KeyGroup] = HELP_GROUPS) -> None:
        super().__init__()
        self._content = help_content(groups)

    @property
    def content(self) -> Content:
        return self._content

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="help-dialog"):
            yield Static(Content("Keys"), classes="dialog-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(self._content, id="help-body", markup=False)
            yield Static(Content("Escape closes · ctrl+p opens the command palette"),
                         classes="dialog-hint", markup=False)
