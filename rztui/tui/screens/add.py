"""Add interviews by id or pasted URL: several at once, checked as you type."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from ...api.errors import RZError
from ...api.ids import parse_id, split_ids
from ...formats import plural


@dataclass
class ParsedIds:
    ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_pasted(text: str) -> ParsedIds:
    """Ids and pasted API URLs, one per line or separated by spaces/commas; duplicates once."""
    out = ParsedIds()
    seen: set[str] = set()
    for raw in split_ids(text):
        try:
            iid = parse_id(raw)
        except RZError as exc:
            out.errors.append(exc.message)
            continue
        if iid not in seen:
            seen.add(iid)
            out.ids.append(iid)
    return out


class AddScreen(ModalScreen[ParsedIds | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Add"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Content("Add interviews"), classes="dialog-title", markup=False)
            yield Static(
                Content("Paste interview ids or API URLs: one per line, or separated by spaces "
                        "or commas. ctrl+s adds, Escape cancels."),
                classes="dialog-body", markup=False,
            )
            yield TextArea(id="ids", soft_wrap=True, show_line_numbers=False)
            yield Static(Content(""), id="add-summary", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Add (ctrl+s)"), variant="primary", id="add")
                yield Button(Content("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._summarise()

    @on(TextArea.Changed)
    def _changed(self, _event: TextArea.Changed) -> None:
        self._summarise()

    def _summarise(self) -> None:
        parsed = parse_pasted(self.query_one(TextArea).text)
        parts: list[tuple[str, str] | str] = []
        n = len(parsed.ids)
        if n:
            parts.append((f"{plural(n, 'interview id')} ready", "$text-success"))
        elif not parsed.errors:
            parts.append(("nothing pasted yet", "dim"))
        for message in parsed.errors[:5]:
            parts += ["\n", ("✕ ", "$text-error"), message]
        if len(parsed.errors) > 5:
            parts += ["\n", f"… and {len(parsed.errors) - 5} more not valid"]
        self.query_one("#add-summary", Static).update(Content.assemble(*parts))
        self.query_one("#add", Button).disabled = n == 0

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        parsed = parse_pasted(self.query_one(TextArea).text)
        if not parsed.ids:
            self.app.bell()
            return
        self.dismiss(parsed)

    @on(Button.Pressed, "#add")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
