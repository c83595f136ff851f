"""Typed views of the ROUND0 Interviews API payloads.

Tolerant by design: unknown fields are ignored (but kept in ``raw``), optional fields may be
missing, an unknown status is kept as-is and treated as non-terminal. Anything that is not the
documented shape raises :class:`InvalidResponse`, never another exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidResponse

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
    if not isinstance(value, str):
        raise InvalidResponse(f"{what} is not a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponse(f"{what} is not an ISO 8601 time: {value[:40]!r}") from None
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


def _num(data: dict[str, Any], key: str, what: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidResponse(f"{what}.{key} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidResponse(f"{what}.{key} is not a finite number")
    return value


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
        what = f"responses[{index}]"
        obj = _obj(data, what)
        return cls(
            question_id=_str(obj, "question_id", what) or "",
            question_text=_str(obj, "question_text", what) or "",
            question_type=_str(obj, "question_type", what),
            transcript=_str(obj, "transcript", what) or "",
            duration_seconds=_num(obj, "duration_seconds", what),
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
        obj = _obj(data, "interview")
        status = _str(obj, "status", "interview", required=True) or ""
        if not status.strip():
            raise InvalidResponse("interview status is empty")
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
    def is_known_status(self) -> bool:
        return self.status in KNOWN_STATUSES

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
            time_limit_seconds=_num(obj, "time_limit_seconds", what),
            order=_num(obj, "order", what),
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
        total = _num(obj, "total_questions", "questions response")
        return cls(
            interview_id=_str(obj, "interview_id", "questions response") or "",
            questions=tuple(q for _, q in indexed),
            total_questions=int(total) if total is not None else None,
            estimated_duration_seconds=_num(
                obj, "estimated_duration_seconds", "questions response"
            ),
            raw=obj,
        )
