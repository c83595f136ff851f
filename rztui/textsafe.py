"""Neutralise terminal control characters in text that came from the API.

Text from the API is data. Before it reaches a terminal (TUI or CLI on a tty) we remove
everything a terminal could act on: ESC-introduced sequences (CSI, OSC, DCS, ...), C0/C1 control
characters except newline and tab, and the bidi override/isolate characters that can make text
read differently from what it is (Trojan Source). Markup safety is separate: the TUI never parses
API text as markup at all.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so their payload (e.g. an OSC 52 clipboard write or a title)
# disappears with them instead of being left behind as visible junk.
_ESC_SEQ = re.compile(
    r"""
    \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC ... BEL/ST
    | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # 8-bit OSC
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?        # DCS/SOS/PM/APC ... ST
    | [\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?
    | \x1b\[[0-?]*[ -/]*[@-~]?                      # CSI
    | \x9b[0-?]*[ -/]*[@-~]?                        # 8-bit CSI
    | \x1b[ -/]*[0-~]?                              # other ESC sequences
    """,
    re.VERBOSE,
)
# Remaining C0 (except \t \n), DEL, C1, and bidi embedding/override/isolate marks.
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CTRL_ONE_LINE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]"
)


def clean(text: str | None) -> str:
    """Multi-line text (transcripts): keep newlines and tabs, drop everything else of control."""
    if not text:
        return ""
    if text.isprintable() and "\u202e" not in text:
        return text  # fast path: nothing to strip (isprintable is False for \n, ESC, C1, bidi)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CTRL.sub("", _ESC_SEQ.sub("", text))


def clean_line(text: str | None) -> str:
    """Single-line fields (names, titles, ids): newlines become spaces too."""
    if not text:
        return ""
    if text.isprintable():
        return text
    text = _ESC_SEQ.sub("", text)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _CTRL_ONE_LINE.sub("", text)
