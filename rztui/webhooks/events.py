"""Webhook events: the documented envelope, parsed strictly, and the ids already seen.

``{"id": "evt_<32 hex>", "type": "interview_started" | "interview_ended", "created": <unix>,
"data": {"interview": {"id", ...}, "job": {...}, "candidate": {...}}}`` (api-facts.md).
Deliveries are retried, so the same event id can arrive more than once: :class:`SeenEvents`
remembers ids (bounded in number and age, optionally persisted as JSON).
:func:`make_event` builds an envelope (the demo sender, tests).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api.errors import InvalidId
from ..api.ids import parse_id

log = logging.getLogger(__name__)

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


class SeenEvents:
    """Recently seen event ids: bounded in number and age, optionally persisted as JSON."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_items: int = 10_000,
                 max_age: float = 7 * 86400.0, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else None
        self.max_items = max_items
        self.max_age = max_age
        self._clock = clock
        self._ids: OrderedDict[str, float] = OrderedDict()
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            items = sorted((float(v), str(k)) for k, v in data.items())
        except FileNotFoundError:
            return
        except (OSError, ValueError, AttributeError, TypeError):
            log.warning("ignoring unreadable webhook id file %s", self.path)
            return
        for ts, eid in items:
            self._ids[eid] = ts
        self._trim()

    def _trim(self) -> None:
        cutoff = self._clock() - self.max_age
        while self._ids and (len(self._ids) > self.max_items
                             or next(iter(self._ids.values())) < cutoff):
            self._ids.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str) -> bool:
        """Remember an id; False if it was already there."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = self._clock()
        self._trim()
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(dict(self._ids), f)
            os.replace(tmp, self.path)
        except OSError:
            log.warning("cannot save webhook ids to %s", self.path)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def make_event(event_type: str, interview: dict[str, Any], job: dict[str, Any] | None = None,
               candidate: dict[str, Any] | None = None, *, created: float | None = None,
               event_id: str | None = None) -> dict[str, Any]:
    """An envelope as the vendor sends it (``created`` defaults to now)."""
    return {"id": event_id or new_event_id(), "type": event_type,
            "created": int(time.time() if created is None else created),
            "data": {"interview": interview, "job": job or {}, "candidate": candidate or {}}}
