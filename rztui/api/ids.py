"""Interview ids as users paste them.

The vendor's ids are UUID-shaped but not valid hex (``770g0622-g41d-...``) and question ids start
with ``custom-``, so ids are never validated as UUIDs: we accept any printable text that can be one
path segment, take the id out of a pasted API URL, and refuse only what could change the request.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from .errors import InvalidId

_URL_ID = re.compile(r"/interviews/([^/?#]+)(?:/questions)?/?$")
_FORBIDDEN = re.compile(r"[/?#\s\x00-\x1f\x7f-\x9f]")
MAX_ID_LENGTH = 200


def parse_id(text: str) -> str:
    """Return the interview id in ``text`` (a bare id or a pasted URL), or raise InvalidId."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidId("empty interview id")
    candidate = raw
    if "://" in raw:
        parts = urlsplit(raw)
        match = _URL_ID.search(parts.path)
        if not match:
            raise InvalidId(f"no interview id in URL {_show(raw)}")
        candidate = unquote(match.group(1))
    if len(candidate) > MAX_ID_LENGTH:
        raise InvalidId(f"interview id is too long ({len(candidate)} characters)")
    bad = _FORBIDDEN.search(candidate)
    if bad:
        char = bad.group(0)
        name = {"/": "'/'", "?": "'?'", "#": "'#'"}.get(char, f"U+{ord(char):04X}")
        raise InvalidId(f"interview id {_show(candidate)} contains {name}")
    if candidate in (".", ".."):
        raise InvalidId(f"interview id {candidate!r} is not an id")
    return candidate


def split_ids(text: str) -> list[str]:
    """Split pasted text (one per line, or separated by spaces/commas) into raw id strings."""
    return [part for part in re.split(r"[\s,]+", text or "") if part]


def path_segment(interview_id: str) -> str:
    """Percent-encode an id as exactly one URL path segment."""
    return quote(interview_id, safe="")


def _show(text: str) -> str:
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text[:60]) if text else ""
    return repr(shown + ("…" if len(text) > 60 else ""))
