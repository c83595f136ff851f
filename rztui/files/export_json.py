"""The JSON text of exports: an API payload exactly as stored, re-indented without being parsed
again, and the ``"rztui"`` key (the user's ratings, note, shortlist) appended after the API's
keys. Used by :mod:`rztui.files.export` and :mod:`rztui.files.export_pages`; tested against
``json.dumps(indent=2)`` byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring as _quote

from ..api.models import Interview
from ..formats import format_jsonl_line
from ..store.evaluations import Evaluation
from ..store.payload import compact_json
from ..textsafe import json_safe

EVALUATION_KEY = "rztui"


def with_evaluation(payload: object, ev: Evaluation) -> object:
    """The payload with ``"rztui": ev.as_json()`` after the API's keys (a copy)."""
    if not isinstance(payload, dict):
        return payload
    return {**payload, EVALUATION_KEY: ev.as_json()}


def compact_with_evaluation(text: str, ev: Evaluation | None) -> str:
    """A stored compact payload with the evaluation added, without parsing it: the same text
    as ``compact_json(with_evaluation(json.loads(text), ev))``."""
    if ev is None:
        return text
    if text.endswith("}") and text != "{}" and f'"{EVALUATION_KEY}":' not in text:
        return f'{text[:-1]},"{EVALUATION_KEY}":{compact_json(ev.as_json())}}}'
    return compact_json(with_evaluation(json.loads(text), ev))


def jsonl_of(interview: Interview, ev: Evaluation | None = None) -> str:
    """An interview's line of the JSON Lines export (without its newline)."""
    if ev is None:
        return format_jsonl_line(interview)
    return json_safe(compact_json(with_evaluation(interview.raw, ev)))


def element_of(value: object) -> str:
    """A payload as an element of the JSON export: indented like json.dumps(list, indent=2)."""
    return json_safe(_indented(value, "\n  "))


def element(text: str, ev: Evaluation | None = None) -> str:
    """:func:`element_of` a payload's JSON text, with the evaluation."""
    value = json.loads(text)
    return element_of(value if ev is None else with_evaluation(value, ev))


def compact_element(text: str, ev: Evaluation | None = None) -> str:
    """:func:`element` of a stored compact payload, re-indented without parsing it."""
    return json_safe(reindent(compact_with_evaluation(text, ev), "\n  "))


_STEPS: dict[str, list[dict[str, tuple[str, int]]]] = {}  # pad -> by depth -> run -> step
_STEPS_KEPT = 2048  # runs remembered per depth


def reindent(text: str, pad: str) -> str:
    """Compact JSON text (as :func:`~.store.payload.compact_json` writes it) indented as
    ``json.dumps(json.loads(text), ensure_ascii=False, indent=2)`` with every line after the
    first indented by ``pad``, to the character, without parsing it: its strings are copied as
    they are (both forms escape them alike), and what lies between them, punctuation, numbers
    and literals, is laid out by nesting depth (each such run, at each depth, worked out once).
    """
    parts = text.split('"')  # a run between strings, then a string's text, and so on
    by_depth = _STEPS.setdefault(pad, [])
    depth = 0
    i, n = 0, len(parts)
    while i < n:
        run = parts[i]
        if run:
            while len(by_depth) <= depth:
                by_depth.append({})
            steps = by_depth[depth]
            found = steps.get(run)
            if found is None:
                found = _layout(run, depth, pad)
                if len(steps) < _STEPS_KEPT:
                    steps[run] = found
            parts[i], depth = found
        i += 1
        # The string that follows: a quote after an odd number of backslashes is in it.
        while i < n and parts[i][-1:] == "\\" and (
                len(parts[i]) - len(parts[i].rstrip("\\"))) % 2:
            i += 1
        i += 1
    return '"'.join(parts)


def _layout(between: str, depth: int, pad: str) -> tuple[str, int]:
    """The indented form of compact JSON text that holds no string, starting at ``depth``;
    returns it and the depth after it."""
    out: list[str] = []
    n = len(between)
    i = 0
    while i < n:
        c = between[i]
        if c in "{[":
            if i + 1 < n and between[i + 1] == ("}" if c == "{" else "]"):
                out.append(c + between[i + 1])
                i += 2
                continue
            depth += 1
            out.append(c + pad + "  " * depth)
        elif c in "}]":
            depth -= 1
            out.append(pad + "  " * depth + c)
        elif c == ",":
            out.append("," + pad + "  " * depth)
        elif c == ":":
            out.append(": ")
        else:
            out.append(c)
        i += 1
    return "".join(out), depth


def _indented(value: object, pad: str) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` with every line after the first
    indented by ``pad`` (minus its newline), to the character; about twice as fast (with an
    indent, json.dumps uses its pure-Python encoder). Strings go through json's C encoder."""
    parts: list[str] = []
    try:
        _emit(value, pad, parts.append)
    except _NotPlainJson:  # JSON text never gives one: json.dumps itself
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", pad)
    return "".join(parts)


class _NotPlainJson(Exception):
    pass


def _emit(value: object, pad: str, out: Callable[[str], None]) -> None:
    kind = type(value)
    if kind is str:
        out(_quote(value))  # type: ignore[arg-type]
    elif kind is dict:
        items: dict[object, object] = value  # type: ignore[assignment]
        if not items:
            out("{}")
            return
        inner = pad + "  "
        sep = "{" + inner
        for key, item in items.items():
            if type(key) is not str:
                raise _NotPlainJson
            out(sep)
            out(_quote(key))
            out(": ")
            if type(item) is str:
                out(_quote(item))
            else:
                _emit(item, inner, out)
            sep = "," + inner
        out(pad + "}")
    elif kind is list:
        elements: list[object] = value  # type: ignore[assignment]
        if not elements:
            out("[]")
            return
        inner = pad + "  "
        sep = "[" + inner
        for item in elements:
            out(sep)
            _emit(item, inner, out)
            sep = "," + inner
        out(pad + "]")
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif kind is int:
        out(int.__repr__(value))
    elif kind is float:
        out(json.dumps(value))  # NaN and Infinity (an old store's text) as json.dumps has them
    else:
        raise _NotPlainJson
