"""The footer, fitted to its width: keys that do not fit are left out whole, the last ones
first, never cut mid-word, and ``q Quit`` and ``? Help`` always stay."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer

#: Shown whatever the width: the way out and the way to every other key.
ESSENTIAL = frozenset({"app.quit", "app.help"})
#: Each key's right margin in the compact footer, and the palette key's own width besides its
#: text (its padding and the bar before it).
KEY_GAP = 1
PALETTE_EXTRA = 1


def key_width(key_display: str, description: str) -> int:
    """Cells a compact footer key takes: ``^f Find`` and its gap."""
    text = f"{key_display} {description}" if description else key_display
    return cell_len(text) + KEY_GAP


def keys_to_drop(keys: Sequence[tuple[str, int]], room: int) -> set[int]:
    """Which of ``keys`` ((action, width), in footer order) to leave out so the rest fit in
    ``room`` cells: the last non-essential ones first."""
    total = sum(width for _action, width in keys)
    dropped: set[int] = set()
    for i in range(len(keys) - 1, -1, -1):
        if total <= room:
            break
        action, width = keys[i]
        if action not in ESSENTIAL:
            dropped.add(i)
            total -= width
    return dropped


class FittingFooter(Footer):
    """Textual's compact footer, with the keys that do not fit left out whole."""

    fitted_for = -1  # the width the keys were last fitted to

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self.fitted_for:
            self.call_after_refresh(self.recompose)  # every key again, then fitted

    def fit(self) -> None:
        self.fitted_for = self.size.width
        keys = [k for k in self.query("FooterKey") if not k.has_class("-command-palette")]
        room = self.size.width
        for palette in self.query("FooterKey.-command-palette"):
            room -= key_width(getattr(palette, "key_display", ""),
                              getattr(palette, "description", "")) + PALETTE_EXTRA
        widths = [(getattr(k, "action", ""),
                   key_width(getattr(k, "key_display", ""), getattr(k, "description", "")))
                  for k in keys]
        dropped = keys_to_drop(widths, room)
        if not dropped:
            return
        for i in sorted(dropped):
            keys[i].remove()
        self.styles.grid_size_columns = len(keys) - len(dropped)
