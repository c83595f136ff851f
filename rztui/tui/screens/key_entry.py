"""First run without a key: paste it (masked), check it with one request, then keep it.

The check is ``GET /api/v1/interviews/<made-up id>``: 404 means the key was accepted, 401/403
mean it was not. The key is only ever shown masked; storing it (keyring, in a thread) is the
app's job once this screen returns it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from ...api.errors import AuthError, RZError, SubscriptionInactive
from ...credentials import ENV_KEY, mask_key
from ..keys import KEY_ENTRY
from .dialog import Dialog


class KeyEntryScreen(Dialog[str | None]):
    DEFAULT_CSS = """
    KeyEntryScreen #key-status {
        height: auto;
        min-height: 1;
        margin-top: 1;
    }
    """

    BINDINGS = KEY_ENTRY.bindings

    def __init__(self, host: str, verify: Callable[[str], Awaitable[None]], *,
                 reason: str = "") -> None:
        super().__init__()
        self._host = host
        self._verify = verify
        self._reason = reason
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="key-dialog"):
            yield Static(Content("Connect to ROUND0"), classes="dialog-title", markup=False)
            intro = (
                f"Paste your API key (rz_live_…). It is checked with one request to "
                f"{self._host} and kept in the system keyring, never in a file. "
                f"Setting {ENV_KEY} in the environment works too."
            )
            if self._reason:
                intro = f"{self._reason}\n\n{intro}"
            yield Static(Content(intro), classes="dialog-body", markup=False)
            yield Input(placeholder="rz_live_…", password=True, id="key-input")
            yield Static(Content(""), id="key-status", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Verify & save (enter)"), variant="primary", id="verify")
                yield Button(Content("Continue offline (esc)"), id="offline")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#key-status", Static).update(Content.styled(text, style))

    def action_offline(self) -> None:
        if not self.checking:
            self.dismiss(None)

    @on(Input.Submitted, "#key-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._start()

    @on(Button.Pressed, "#verify")
    def _verify_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._start()

    @on(Button.Pressed, "#offline")
    def _offline_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_offline()

    def _start(self) -> None:
        if self.checking:
            return
        key = self.query_one(Input).value.strip()
        if not key:
            self._status("Paste a key first.", "$text-warning")
            return
        if any(ch.isspace() or not ch.isprintable() for ch in key):
            self._status("That does not look like a key (it contains spaces or control "
                         "characters).", "$text-error")
            return
        self.checking = True
        self.query_one(Input).disabled = True
        self.query_one("#verify", Button).disabled = True
        self._status(f"Checking {mask_key(key)} with {self._host}…", "italic")
        self.app.run_worker(self._check(key), group="key-verify", exclusive=True,
                            exit_on_error=False, name="verify key")

    async def _check(self, key: str) -> None:
        try:
            await self._verify(key)
        except (AuthError, SubscriptionInactive) as exc:
            self._done(f"Rejected: {exc.detail}", "$text-error")
            return
        except RZError as exc:
            self._done(f"Could not check the key: {exc.message}", "$text-error")
            return
        except BaseException:
            self._done("Could not check the key.", "$text-error")
            raise
        self.checking = False
        self.dismiss(key)

    def _done(self, text: str, style: str) -> None:
        self.checking = False
        field = self.query_one(Input)
        field.disabled = False
        self.query_one("#verify", Button).disabled = False
        field.focus()
        self._status(text, style)
