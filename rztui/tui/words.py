"""Wording shared by the TUI's messages: counted nouns."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 answer``, ``3 answers``, ``2 replies`` (with ``many``)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
