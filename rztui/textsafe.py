"""Neutralise terminal control characters in text that came from the API.

Text from the API is data. Before it reaches a terminal (TUI or CLI on a tty) we remove
everything a terminal could act on: ESC-introduced sequences (CSI, OSC, DCS, ...), C0/C1 control
characters except newline and tab, and the bidi override/isolate characters that can make text
read differently from what it is (Trojan Source). Markup safety is separate: the TUI never parses
API text as markup at all.

JSON output keeps the data exact instead: :func:`json_safe` writes the risky characters as
``\\uXXXX`` escapes, so the text is inert and still parses to the same value.
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
# The bidi marks, embeddings, overrides and isolates (Trojan Source), U+061C (the Arabic letter
# mark) included: one set, used by every cleaner below.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Remaining C0 (except \t \n), DEL, C1, and the bidi controls.
_CTRL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}]")
_CTRL_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}\u2028\u2029]")


def clean(text: str | None) -> str:
    """Multi-line text (transcripts): keep newlines and tabs, drop everything else of control."""
    if not text:
        return ""
    if text.isprintable() or _CTRL.search(text) is None:
        # Nothing to strip: every escape sequence starts with a character _CTRL finds, and
        # one search is cheap for the large outputs (a list, a transcript) that hold newlines.
        return text
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


# What json.dumps(ensure_ascii=False) leaves raw but must not reach a terminal or a line splitter:
# DEL and C1 controls, U+2028/2029 (line breaks to some splitters) and the bidi marks,
# embeddings, overrides and isolates (Trojan Source). json.dumps already escapes C0 controls.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI}\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text with every terminal-active character ``\\uXXXX``-escaped (same value parsed).

    For the output of ``json.dumps(..., ensure_ascii=False)``: those characters can only occur
    inside strings, where an escape means the same character.
    """
    if text.isascii() and "\x7f" not in text:
        return text  # nothing below U+007F but DEL is escaped, and most JSON is ASCII
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
