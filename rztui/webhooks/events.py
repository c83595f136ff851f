"""Webhook events: the documented envelope, parsed strictly, and the ids already seen.

``{"id": "evt_<32 hex>", "type": "interview_started" | "interview_ended", "created": <unix>,
"data": {"interview": {"id", ...}, "job": {...}, "candidate": {...}}}`` (api-facts.md).
Deliveries are retried, so the same event id can arrive more than once:
:class:`~rztui.webhooks.seen.SeenEvents` remembers ids (re-exported here).
:func:`make_event` builds an envelope (the demo sender, tests).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ..api.errors import InvalidId
from ..api.ids import parse_id
from .seen import SeenEvents

__all__ = ["EVENT_TYPES", "InvalidEvent", "SeenEvents", "WebhookEvent", "make_event",
           "new_event_id", "parse_event"]


EVENT_TYPES = frozenset({"interview_started", "interview_ended"})


class InvalidEvent(ValueError):
    """The body is not the documented envelope."""


@dataclass(frozen=True)
class WebhookEvent:
    """A valid envelope: ``interview`` is ``data.interview`` as sent (ids already checked)."""

    id: str
    type: str
    created: float | None
    interview_id: str
    interview: dict[str, Any]
    job: dict[str, Any]
    candidate: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


_EVENT_ID = re.compile(r"[A-Za-z0-9_\-]{1,100}")


def parse_event(body: bytes) -> WebhookEvent:
    """The envelope from api-facts.md; raises :class:`InvalidEvent` for anything else."""
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidEvent("body is not JSON") from None
    except RecursionError:  # e.g. 60 KB of "[[[[": the parser gives up, so do we
        raise InvalidEvent("body is nested too deeply") from None
    if not isinstance(obj, dict):
        raise InvalidEvent("body is not a JSON object")
    eid, etype = obj.get("id"), obj.get("type")
    if not isinstance(eid, str) or not _EVENT_ID.fullmatch(eid):
        raise InvalidEvent("event id missing or malformed")
    if not isinstance(etype, str) or not etype or len(etype) > 100:
        raise InvalidEvent("event type missing")
    created = obj.get("created")
    if isinstance(created, bool) or not isinstance(created, (int, float, type(None))):
        raise InvalidEvent("created is not a number")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise InvalidEvent("data is not an object")
    interview = data.get("interview")
    if not isinstance(interview, dict) or not isinstance(interview.get("id"), str):
        raise InvalidEvent("data.interview.id missing")
    try:
        iid = parse_id(interview["id"])
    except InvalidId as exc:
        raise InvalidEvent(exc.message) from None
    job, cand = data.get("job"), data.get("candidate")
    job = job if isinstance(job, dict) else {}
    cand = cand if isinstance(cand, dict) else {}
    return WebhookEvent(eid, etype, created, iid, interview, job, cand, obj)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def make_event(event_type: str, interview: dict[str, Any], job: dict[str, Any] | None = None,
               candidate: dict[str, Any] | None = None, *, created: float | None = None,
               event_id: str | None = None) -> dict[str, Any]:
    """An envelope as the vendor sends it (``created`` defaults to now)."""
    return {"id": event_id or new_event_id(), "type": event_type,
            "created": int(time.time() if created is None else created),
            "data": {"interview": interview, "job": job or {}, "candidate": candidate or {}}}
