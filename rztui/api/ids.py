"""Interview ids as users paste them.

The vendor's ids are UUID-shaped but not valid hex (``770g0622-g41d-...``) and question ids start
with ``custom-``, so ids are never validated as UUIDs: we accept any printable text that can be one
path segment, take the id out of a pasted API or dashboard URL (``.../interviews/<id>``, with
anything after the id, such as ``/results``), and refuse only what could change the request.

:func:`looks_like_id` is the softer check for a front end: it says whether a token has the shape
of the vendor's ids, so an odd one (a name, a candidate link's token) can be questioned before it
is sent, never refused.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from .errors import InvalidId

# The first ``/interviews/<id>`` in the path; whatever follows the id (``/questions``,
# ``/results``, a trailing slash) names a page of that interview.
_URL_ID = re.compile(r"/interviews/([^/?#]+)(?:/[^?#]*)?$")
# The candidate's own link (``interview.round0.io/interview/<token>``) is not an interview id.
_CANDIDATE_LINK = re.compile(r"/interview/[^/?#]+/?$")
# 8-4-4-4-12 letters and digits (the vendor's examples are not hex), or the ``custom-`` form.
_ID_SHAPE = re.compile(
    r"[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}"
    r"|custom-[0-9a-z][0-9a-z_-]*",
    re.IGNORECASE,
)
_FORBIDDEN = re.compile(r"[/?#\s\x00-\x1f\x7f-\x9f]")
MAX_ID_LENGTH = 200


class InterviewId(str):
    """An interview id as :func:`parse_id` made it. Parsed once at the edge (the CLI's
    arguments, the add dialog, an import), it is passed down as it is: ``parse_id`` of one is
    the same object, at no cost."""

    __slots__ = ()


def parse_id(text: str) -> InterviewId:
    """Return the interview id in ``text`` (a bare id or a pasted URL), or raise InvalidId."""
    if type(text) is InterviewId:
        return text  # parsed already
    if text and len(text) <= MAX_ID_LENGTH and _ID_SHAPE.fullmatch(text):
        # A bare id in its usual shape (letters, digits, '-', '_' only): nothing below would
        # strip, cut out or refuse anything in it. Exports of every tracked id ask 100,000 times.
        return InterviewId(text)
    raw = (text or "").strip()
    if not raw:
        raise InvalidId("empty interview id")
    candidate = raw
    if "://" in raw:
        parts = urlsplit(raw)
        match = _URL_ID.search(parts.path)
        if not match:
            if _CANDIDATE_LINK.search(parts.path):
                raise InvalidId(
                    f"{_show(raw)} is a candidate's interview link, not an interview id "
                    "(copy the id or the interview's URL from the dashboard)"
                )
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
    return InterviewId(candidate)


def looks_like_id(text: str) -> bool:
    """Whether ``text`` (an id, not a URL) has the shape of an interview id.

    UUID-shaped (8-4-4-4-12 letters or digits, any case: the vendor's ids are not valid hex,
    e.g. ``770g0622-g41d-63f6-c938-668877662222``) or ``custom-...``. For
    asking "send this anyway?", never for refusing: :func:`parse_id` decides what is sendable.
    """
    return bool(_ID_SHAPE.fullmatch((text or "").strip()))


def split_ids(text: str) -> list[str]:
    """Split pasted text (one per line, or separated by spaces/commas) into raw id strings."""
    return [part for part in re.split(r"[\s,]+", text or "") if part]


def path_segment(interview_id: str) -> str:
    """Percent-encode an id as exactly one URL path segment."""
    return quote(interview_id, safe="")


def _show(text: str) -> str:
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text[:60]) if text else ""
    return repr(shown + ("…" if len(text) > 60 else ""))
