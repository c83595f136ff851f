"""textsafe.json_safe and formats.plural: what every front end uses for output text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rztui.formats import plural
from rztui.textsafe import json_safe

RISKY = "\x7f\x85\x9b\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029"


def test_json_safe_escapes_what_a_terminal_acts_on():
    data = {"name": f"a{RISKY}b \x1b[31m é 😀", "n": [1, None]}
    for text in (json.dumps(data, ensure_ascii=False),
                 json.dumps(data, ensure_ascii=False, indent=2)):
        safe = json_safe(text)
        assert not any(ch in safe for ch in RISKY + "\x1b")
        assert "\\u202e" in safe and "\\u0085" in safe and "é 😀" in safe  # the rest stays UTF-8
        assert json.loads(safe) == data


def test_json_safe_leaves_plain_json_alone():
    text = json.dumps({"id": "660f9511", "text": "Tab\there\nnewline, «quotes»"},
                      ensure_ascii=False)
    assert json_safe(text) == text


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                    max_leaves=8))
def test_json_safe_is_the_same_value(data):
    safe = json_safe(json.dumps(data, ensure_ascii=False))
    assert json.loads(safe) == data
    assert not any(ch in safe for ch in RISKY)


@pytest.mark.parametrize("n, word, many, expected", [
    (0, "interview", None, "0 interviews"),
    (1, "interview", None, "1 interview"),
    (2, "interview", None, "2 interviews"),
    (1, "more answer", None, "1 more answer"),
    (3, "more answer", None, "3 more answers"),
    (2, "match", "matches", "2 matches"),
    (12345, "hit", None, "12,345 hits"),
])
def test_plural(n, word, many, expected):
    assert plural(n, word, many) == expected


def test_every_cleaner_drops_the_arabic_letter_mark():
    """U+061C is a bidi control like U+200F: JSON escapes it, the cleaners drop it."""
    from rztui.api.errors import redact
    from rztui.textsafe import clean, clean_line

    assert json_safe(json.dumps("a\u061cb", ensure_ascii=False)) == '"a\\u061cb"'
    assert clean("a\u061cb\nc") == "ab\nc" and clean_line("a\u061cb") == "ab"
    assert "\u061c" not in redact("a\u061cb")
