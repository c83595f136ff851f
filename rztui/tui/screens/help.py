"""``?``: every key binding, grouped by where it works, generated from the bindings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {"slash": "/", "question_mark": "?", "left_square_bracket": "[",
              "right_square_bracket": "]", "space": "space"}


def _key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    keys = [_KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(",")]
    return ", ".join(keys)


def _bindings(items: Iterable[BindingType]) -> list[Binding]:
    out: list[Binding] = []
    for item in items:
        if isinstance(item, Binding):
            out.append(item)
        elif isinstance(item, tuple) and len(item) >= 2:
            out.append(Binding(*item))
    return out


def help_content(sections: Sequence[tuple[str, Iterable[BindingType]]],
                 extra: Sequence[tuple[str, str]] = ()) -> Content:
    """One line per key: its description, then its tooltip (dimmer) when it has one. A key
    bound twice in a section (one shown at a time, e.g. pause / resume) is one line, and a
    description that another of the key's says too is left out."""
    parts: list[Content] = []
    for title, bindings in sections:
        rows = [b for b in _bindings(bindings) if b.description]
        if not rows:
            continue
        parts.append(Content.styled(title, "bold $text-accent"))
        merged: dict[str, tuple[list[str], str]] = {}
        for b in rows:
            descriptions, tooltip = merged.setdefault(_key_label(b), ([], ""))
            said = b.description.casefold()
            if not any(said in d.casefold() for d in descriptions):  # "List" in "Back to..."
                descriptions[:] = [d for d in descriptions if d.casefold() not in said]
                descriptions.append(b.description)
            merged[_key_label(b)] = (descriptions, tooltip or b.tooltip)
        for key, (descriptions, tooltip) in merged.items():
            text = " / ".join(descriptions)
            line: list[tuple[str, str] | str] = [(f"  {key:<16}", "bold"),
                                                 f"{text:<14}" if tooltip else text]
            if tooltip:
                line.append((f"  {tooltip}", "$text-muted"))
            parts.append(Content.assemble(*line))
        parts.append(Content(""))
    for key, description in extra:
        parts.append(Content.assemble((f"  {key:<16}", "bold"), description))
    return Content("\n").join(parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, content: Content) -> None:
        super().__init__()
        self._content = content

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="help-dialog"):
            yield Static(Content("Keys"), classes="dialog-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(self._content, id="help-body", markup=False)
            yield Static(Content("Escape closes · ctrl+p opens the command palette"),
                         classes="dialog-hint", markup=False)
