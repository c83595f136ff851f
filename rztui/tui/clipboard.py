"""Copy text to the user's clipboard two ways, and say which worked.

1. OSC 52 (``App.copy_to_clipboard``): the terminal puts the text on the clipboard. Works over
   SSH and needs no tool, but some terminals ignore it and we cannot tell.
2. pyperclip (xclip, xsel, wl-copy, pbcopy, clip.exe...): the local system clipboard. Blocking
   (it runs a subprocess) and it can fail or even hang on a box without a display, so it always
   runs in a thread and every exception is caught.

We never guess from ``$TERM_PROGRAM`` which one will work: we do both and report what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


def system_copy(text: str) -> tuple[bool, str | None]:
    """Copy with pyperclip. Returns (worked, reason it did not). Call from a thread."""
    try:
        import pyperclip
    except Exception as exc:  # not installed or broken: OSC 52 alone is fine
        return False, f"pyperclip unavailable ({type(exc).__name__})"
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        return False, "no system clipboard tool"
    except Exception as exc:  # a tool that exists but fails (dead DISPLAY, ...)
        return False, f"system clipboard failed ({type(exc).__name__})"
    return True, None


def describe(what: str, system_ok: bool) -> str:
    """What was copied and by which route (a toast, or the status line)."""
    if system_ok:
        return f"copied {what} via OSC 52 + system clipboard"
    return f"copied {what} via OSC 52 (no system clipboard tool)"


def copy_text(
    app: App[Any],
    text: str,
    what: str,
    *,
    system: Callable[[str], tuple[bool, str | None]] | None = None,
    report: Callable[[str], None] | None = None,
) -> None:
    """Copy ``text`` from a Textual app: OSC 52 now, pyperclip in a thread, then one report.

    ``what`` names the copied thing (``"answer 3 (1,204 chars)"``). ``report`` says what was
    copied (on the UI thread): a main screen flashes it in its status line; by default it is a
    toast, shown with ``markup=False`` (``what`` may contain API text).
    """
    app.copy_to_clipboard(text)  # OSC 52; also sets app.clipboard
    copier = system or system_copy

    def toast(message: str) -> None:
        app.notify(message, title="Clipboard", markup=False, timeout=4)

    tell = report or toast

    def in_thread() -> None:
        ok, _reason = copier(text)
        app.call_from_thread(tell, describe(what, ok))

    app.run_worker(in_thread, thread=True, group="clipboard", name="clipboard",
                   exit_on_error=False)
