"""The one place rztui relies on a private name of Rich or Textual.

Each use here has no public equivalent; everything else in the code goes through public APIs
(``tests/test_layers.py`` checks it). ``tests/tui/test_compat.py`` checks that every name here
still exists and still behaves as relied on, so an upgrade that changes one fails there, by name.
"""

from __future__ import annotations

from rich._wrap import divide_line

__all__ = ["wrap_offsets"]


def wrap_offsets(text: str, width: int) -> list[int]:
    """Where Rich's word wrap breaks one paragraph (no newline) into lines of at most ``width``
    cells, folding words longer than a line: the character offset at which each line after the
    first starts. ``Text.wrap`` wraps the same way but returns the lines, with trailing spaces
    trimmed, so a character offset (a search match) could not be mapped back to its line."""
    return divide_line(text, width, fold=True)
