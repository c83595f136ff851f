"""Typed views of the ROUND0 Interviews API payloads.

Tolerant by design: unknown fields are ignored (but kept in ``raw``), optional fields may be
missing, an unknown status is kept as-is and treated as non-terminal. Anything that is not the
documented shape raises :class:`InvalidResponse`, never another exception: that includes
numbers and dates out of their range (:mod:`rztui.api.validate`), a status that is not a string
and an interview without the fields every status has (``id``, ``status``, ``job``,
``candidate``: both of the spec's examples).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidResponse
from .validate import (
    MAX_DURATION_SECONDS,
    MAX_YEAR,
    MIN_YEAR,
    count_ok,
    duration_ok,
    position_ok,
    year_ok,
)

COMPLETED = "completed"
IN_PROGRESS = "in_progress"
INVITED = "invited"
EXPIRED = "expired"
KNOWN_STATUSES = (COMPLETED, IN_PROGRESS, INVITED, EXPIRED)
TERMINAL_STATUSES = frozenset({COMPLETED, EXPIRED})


def parse_time(value: Any, *, what: str = "timestamp") -> datetime | None:
    """Parse an ISO 8601 timestamp (``Z`` or offset); ``None``/empty stays ``None``."""
    if value is None or value == "":
        return None
    if type(value) is str and value[-1:] == "Z":
        # Fast path (the API's form): fromisoformat refuses surrounding whitespace, so what it
        # accepts here is exactly what the general path below gives.
        try:
            fast = datetime.fromisoformat(value[:-1] + "+00:00")
        except ValueError:
            pass
        else:
            if year_ok(fast.year):
                return fast
    if not isinstance(value, str):
        raise InvalidResponse(f"{what} is not a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponse(f"{what} is not an ISO 8601 time: {value[:40]!r}") from None
    if not year_ok(parsed.year):
        raise InvalidResponse(
            f"{what} is out of range (years {MIN_YEAR}..{MAX_YEAR}): {value[:40]!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _obj(value: Any, what: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise InvalidResponse(f"{what} is not an object")
    return value


def _str(data: dict[str, Any], key: str, what: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidResponse(f"{what} has no {key!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidResponse(f"{what}.{key} is not text")
    return str(value)


def _num(data: dict[str, Any], key: str, what: str,
         ok: Callable[[float], bool], within: str) -> float | None:
    """A number that ``ok`` accepts (``within`` says the range in the message)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidResponse(f"{what}.{key} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidResponse(f"{what}.{key} is not a finite number")
    if not ok(value):
        shown = str(value) if len(str(value)) <= 24 else f"a {len(str(value))}-digit number"
        raise InvalidResponse(f"{what}.{key} is out of range ({within}): {shown}")
    return value


_DURATION = f"0..{MAX_DURATION_SECONDS} seconds"


def _plain_pair(
    value: Any, *keys: str
) -> tuple[str | None, str | None, str | None] | None:
    """The three text fields of a job or candidate object (or a missing one) when each is a
    ``str`` or absent; None when the object needs the field-by-field checks."""
    if value is None:
        return None, None, None
    if type(value) is not dict:
        return None
    a, b, c = value.get(keys[0]), value.get(keys[1]), value.get(keys[2])
    if ((a is None or type(a) is str) and (b is None or type(b) is str)
            and (c is None or type(c) is str)):
        return a, b, c
    return None


PlainResponse = tuple[
    str, str, "str | None", str, "float | None", "datetime | None", "str | None"]
"""A response's fields in :class:`Response`'s order."""

Times = tuple["datetime | None", "datetime | None", "datetime | None", "datetime | None"]
Triple = tuple["str | None", "str | None", "str | None"]
PlainInterview = tuple[str, str, Triple, Triple, Times, list[PlainResponse]]
"""An interview's fields: id, status, job (id, title, department), candidate (id, name,
email), the created, started, completed and expiry times, the responses."""


def plain_response(obj: dict[str, Any]) -> PlainResponse | None:
    """A response's fields when every one has its plain type (text is ``str``, the duration an
    ``int`` or a finite ``float``, the time the API's form): what :meth:`Response._checked`
    would give, without its checks one field at a time. None for anything else."""
    g = obj.get
    qid, text, qtype, transcript = (
        g("question_id"), g("question_text"), g("question_type"), g("transcript"))
    duration, answered, audio = g("duration_seconds"), g("answered_at"), g("audio_url")
    if not (
        (qid is None or type(qid) is str) and (text is None or type(text) is str)
        and (qtype is None or type(qtype) is str)
        and (transcript is None or type(transcript) is str)
        and (audio is None or type(audio) is str)
        and (duration is None
             or ((type(duration) is int or type(duration) is float) and duration_ok(duration)))
        and (answered is None or type(answered) is str)
    ):
        return None
    try:
        at = parse_time(answered)
    except InvalidResponse:
        return None
    return qid or "", text or "", qtype, transcript or "", duration, at, audio


def plain_interview(obj: dict[str, Any]) -> PlainInterview | None:
    """An interview's fields when every one has its plain type: exactly what
    :meth:`Interview.from_api` accepts on its fast path, without building the objects (a bulk
    export reads 100,000). None for anything else (``from_api`` then decides)."""
    g = obj.get
    iid, status, responses = g("id"), g("status"), g("responses")
    if type(iid) is not str or type(status) is not str or not status.strip():
        return None
    if g("job") is None or g("candidate") is None:
        return None  # required: _checked names the one missing
    job = _plain_pair(g("job"), "id", "title", "department")
    candidate = _plain_pair(g("candidate"), "id", "name", "email")
    if job is None or candidate is None:
        return None
    items: list[PlainResponse] = []
    if responses is None:
        pass
    elif type(responses) is list:
        for r in responses:
            one = plain_response(r) if type(r) is dict else None
            if one is None:
                return None
            items.append(one)
    else:
        return None
    times = (g("created_at"), g("started_at"), g("completed_at"), g("expires_at"))
    for t in times:
        if t is not None and type(t) is not str:
            return None
    try:
        parsed = (parse_time(times[0]), parse_time(times[1]), parse_time(times[2]),
                  parse_time(times[3]))
    except InvalidResponse:
        return None
    return iid, status, job, candidate, parsed, items


@dataclass(frozen=True, slots=True)
class Job:
    id: str | None
    title: str
    department: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> Job:
        obj = _obj(data, "job", required=False)
        return cls(
            id=_str(obj, "id", "job"),
            title=_str(obj, "title", "job") or "",
            department=_str(obj, "department", "job"),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str | None
    name: str
    email: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> Candidate:
        obj = _obj(data, "candidate", required=False)
        return cls(
            id=_str(obj, "id", "candidate"),
            name=_str(obj, "name", "candidate") or "",
            email=_str(obj, "email", "candidate"),
        )


@dataclass(frozen=True, slots=True)
class Response:
    question_id: str
    question_text: str
    question_type: str | None
    transcript: str
    duration_seconds: float | None
    answered_at: datetime | None
    audio_url: str | None = None

    @classmethod
    def from_api(cls, data: Any, index: int) -> Response:
        if type(data) is dict:
            fast = cls._plain(data)
            if fast is not None:
                return fast
        return cls._checked(data, index)

    @classmethod
    def _plain(cls, obj: dict[str, Any]) -> Response | None:
        """The response when every field has its plain type (see :func:`plain_response`):
        the same value :meth:`_checked` gives, without its checks one field at a time. None
        for anything else (``_checked`` then decides)."""
        fields = plain_response(obj)
        return None if fields is None else cls(*fields)

    @classmethod
    def _checked(cls, data: Any, index: int) -> Response:
        """Every field checked in turn; the first that is wrong says so."""
        what = f"responses[{index}]"
        obj = _obj(data, what)
        return cls(
            question_id=_str(obj, "question_id", what) or "",
            question_text=_str(obj, "question_text", what) or "",
            question_type=_str(obj, "question_type", what),
            transcript=_str(obj, "transcript", what) or "",
            duration_seconds=_num(obj, "duration_seconds", what, duration_ok, _DURATION),
            answered_at=parse_time(obj.get("answered_at"), what=f"{what}.answered_at"),
            audio_url=_str(obj, "audio_url", what),
        )


@dataclass(frozen=True, slots=True)
class Interview:
    id: str
    status: str
    job: Job
    candidate: Candidate
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    responses: tuple[Response, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Any) -> Interview:
        if type(data) is dict:
            fast = cls._plain(data)
            if fast is not None:
                return fast
        return cls._checked(data)

    @classmethod
    def _plain(cls, obj: dict[str, Any]) -> Interview | None:
        """The interview when every field has its plain type (see :func:`plain_interview`):
        the value :meth:`_checked` gives, faster (a bulk import validates 100,000). None for
        anything else."""
        fields = plain_interview(obj)
        if fields is None:
            return None
        iid, status, job, candidate, (created, started, completed, expires), responses = fields
        return cls(
            iid, status, Job(job[0], job[1] or "", job[2]),
            Candidate(candidate[0], candidate[1] or "", candidate[2]),
            created, started, completed, expires,
            tuple([Response(*r) for r in responses]), obj,
        )

    @classmethod
    def _checked(cls, data: Any) -> Interview:
        obj = _obj(data, "interview")
        iid = obj.get("id")
        try:
            return cls._fields(obj)
        except InvalidResponse as exc:
            if type(iid) is str and iid:
                exc.with_id(iid)  # which interview, wherever the message ends up
            raise

    @classmethod
    def _fields(cls, obj: dict[str, Any]) -> Interview:
        """Every field checked in turn; the first that is wrong says so."""
        status = obj.get("status")
        if status is None:
            raise InvalidResponse("interview has no 'status'")
        if type(status) is not str:
            # 5 or true is not a status: it would be polled forever as "not final"
            raise InvalidResponse("interview.status is not a string")
        if not status.strip():
            raise InvalidResponse("interview status is empty")
        for part in ("job", "candidate"):  # every status has them (the spec's examples)
            if obj.get(part) is None:
                raise InvalidResponse(f"interview has no {part!r}")
        raw_responses = obj.get("responses")
        if raw_responses is None:
            raw_responses = []
        if not isinstance(raw_responses, list):
            raise InvalidResponse("interview.responses is not a list")
        return cls(
            id=_str(obj, "id", "interview", required=True) or "",
            status=status,
            job=Job.from_api(obj.get("job")),
            candidate=Candidate.from_api(obj.get("candidate")),
            created_at=parse_time(obj.get("created_at"), what="created_at"),
            started_at=parse_time(obj.get("started_at"), what="started_at"),
            completed_at=parse_time(obj.get("completed_at"), what="completed_at"),
            expires_at=parse_time(obj.get("expires_at"), what="expires_at"),
            responses=tuple(Response.from_api(r, i) for i, r in enumerate(raw_responses)),
            raw=obj,
        )

    @property
    def is_terminal(self) -> bool:
        """Completed and expired interviews never change; anything else may."""
        return self.status in TERMINAL_STATUSES

    @property
    def total_duration_seconds(self) -> float:
        return float(sum(r.duration_seconds or 0 for r in self.responses))


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question_text: str
    question_type: str | None
    time_limit_seconds: float | None
    order: float | None
    is_custom: bool = False

    @classmethod
    def from_api(cls, data: Any, index: int) -> Question:
        what = f"questions[{index}]"
        obj = _obj(data, what)
        custom = obj.get("is_custom", False)
        return cls(
            id=_str(obj, "id", what) or "",
            question_text=_str(obj, "question_text", what) or "",
            question_type=_str(obj, "question_type", what),
            time_limit_seconds=_num(obj, "time_limit_seconds", what, duration_ok, _DURATION),
            order=_num(obj, "order", what, position_ok, "within int64"),
            is_custom=custom is True,
        )


@dataclass(frozen=True, slots=True)
class QuestionSet:
    interview_id: str
    questions: tuple[Question, ...]
    total_questions: int | None
    estimated_duration_seconds: float | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Any) -> QuestionSet:
        obj = _obj(data, "questions response")
        items = obj.get("questions")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise InvalidResponse("questions is not a list")
        questions = [Question.from_api(q, i) for i, q in enumerate(items)]
        # Sort by `order` (gaps are normal); questions without one keep their place at the end.
        indexed = sorted(
            enumerate(questions),
            key=lambda p: (p[1].order is None, p[1].order if p[1].order is not None else 0, p[0]),
        )
        total = _num(obj, "total_questions", "questions response", count_ok, "0..int64")
        return cls(
            interview_id=_str(obj, "interview_id", "questions response") or "",
            questions=tuple(q for _, q in indexed),
            total_questions=int(total) if total is not None else None,
            estimated_duration_seconds=_num(
                obj, "estimated_duration_seconds", "questions response", duration_ok, _DURATION
            ),
            raw=obj,
        )
