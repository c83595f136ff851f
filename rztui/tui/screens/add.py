"""Add interviews by id or pasted URL: several at once, checked as you type.

Tokens that cannot be an id (``bad/id``) are refused and listed. Tokens that could be sent but
do not have the shape of an interview id (``hello``, ``;rm``: see
:func:`~rztui.api.ids.looks_like_id`) are listed too, and asked about: the first ctrl+s only
warns; a second one (or "Add anyway") sends them, "Add only the N ids" leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from ...api.errors import RZError
from ...api.ids import looks_like_id, parse_id, split_ids
from ...formats import plural
from ...textsafe import clean_line
from ..keys import ADD
from .dialog import Dialog

ODD_SHOWN = 8  # odd tokens named in the dialog (the rest are counted)


@dataclass
class ParsedIds:
    ids: list[str] = field(default_factory=list)  # every sendable id, in order, once
    errors: list[str] = field(default_factory=list)  # why each refused token cannot be sent
    odd: list[str] = field(default_factory=list)  # ids (in ``ids``) without an id's shape

    @property
    def good(self) -> list[str]:
        """The ids that look like interview ids."""
        odd = set(self.odd)
        return [i for i in self.ids if i not in odd]

    def only_good(self) -> ParsedIds:
        return ParsedIds(self.good, list(self.errors), [])


def parse_pasted(text: str) -> ParsedIds:
    """Ids and pasted API or dashboard URLs (``.../interviews/<id>/results``), one per line or
    separated by spaces/commas; duplicates once."""
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
            if not looks_like_id(iid):
                out.odd.append(iid)
    return out


def _shown(token: str) -> str:
    text = clean_line(token)
    return text if len(text) <= 24 else f"{text[:23]}…"


class AddScreen(Dialog[ParsedIds | None]):
    DEFAULT_CSS = """
    AddScreen #ids {
        height: 8;
    }
    AddScreen #add-summary {
        height: auto;
        min-height: 1;
        margin-top: 1;
    }
    """

    BINDINGS = ADD.bindings

    def __init__(self) -> None:
        super().__init__()
        # The odd tokens the user was warned about (a second ctrl+s sends them).
        self._warned: tuple[str, ...] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Content("Add interviews"), classes="dialog-title", markup=False)
            yield Static(
                Content("Paste interview ids or their URLs (API or dashboard): one per line, "
                        "or separated by spaces or commas. ctrl+s adds, Escape cancels."),
                classes="dialog-body", markup=False,
            )
            yield TextArea(id="ids", soft_wrap=True, show_line_numbers=False)
            yield Static(Content(""), id="add-summary", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Add only the ids"), id="add-good")
                yield Button(Content("Add (ctrl+s)"), variant="primary", id="add")
                yield Button(Content("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._summarise()

    @property
    def parsed(self) -> ParsedIds:
        return parse_pasted(self.query_one(TextArea).text)

    @property
    def asking(self) -> bool:
        """The dialog has warned about odd tokens: ctrl+s again sends them."""
        return self._warned is not None

    @on(TextArea.Changed)
    def _changed(self, _event: TextArea.Changed) -> None:
        if self._warned is not None and tuple(self.parsed.odd) != self._warned:
            self._warned = None  # the text changed what was asked about: ask again
        self._summarise()

    def _summarise(self) -> None:
        parsed = self.parsed
        parts: list[tuple[str, str] | str] = []
        n, good, odd = len(parsed.ids), len(parsed.good), parsed.odd
        if n and not odd:
            parts.append((f"{plural(n, 'interview id')} ready", "$text-success"))
        elif good:
            parts.append((f"{plural(good, 'interview id')} ready", "$text-success"))
        elif not n and not parsed.errors:
            parts.append(("nothing pasted yet", "dim"))
        if odd:
            names = ", ".join(_shown(t) for t in odd[:ODD_SHOWN])
            more = f" and {len(odd) - ODD_SHOWN} more" if len(odd) > ODD_SHOWN else ""
            verb = "doesn't" if len(odd) == 1 else "don't"
            if parts:
                parts.append("\n")
            parts += [("? ", "bold $text-warning"),
                      (f"{plural(len(odd), 'token')} {verb} look like interview ids: ",
                       "$text-warning"), names, more]
            if self.asking:
                parts += ["\n", ("Send them anyway? ctrl+s again (or Add anyway) sends "
                                 f"{plural(n, 'id')}; "
                                 + (f"Add only the {plural(good, 'id')} leaves them out."
                                    if good else "Escape cancels."), "bold")]
        for message in parsed.errors[:5]:
            parts += ["\n", ("✕ ", "$text-error"), message]
        if len(parsed.errors) > 5:
            parts += ["\n", f"… and {len(parsed.errors) - 5} more not valid"]
        self.query_one("#add-summary", Static).update(Content.assemble(*parts))
        add = self.query_one("#add", Button)
        add.disabled = n == 0
        add.label = Content("Add anyway (ctrl+s)" if self.asking else "Add (ctrl+s)")
        only = self.query_one("#add-good", Button)
        only.display = bool(odd) and good > 0
        only.label = Content(f"Add only the {plural(good, 'id')}")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        parsed = self.parsed
        if not parsed.ids:
            self.app.bell()
            return
        if parsed.odd and self._warned != tuple(parsed.odd):
            self._warned = tuple(parsed.odd)  # first time: ask
            self._summarise()
            self.app.bell()
            return
        self.dismiss(parsed)

    def action_submit_good(self) -> None:
        parsed = self.parsed
        if not parsed.good:
            self.app.bell()
            return
        self.dismiss(parsed.only_good())

    @on(Button.Pressed, "#add")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#add-good")
    def _add_good(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit_good()

    @on(Button.Pressed, "#cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
