"""What the transcript viewer shows: an interview as a :class:`Document` of plain-text blocks.

Built once per interview (or state: invited, expired, an error in place) and handed to
:class:`~rztui.tui.widgets.transcript.TranscriptView`, which wraps and renders it lazily. API text
is cleaned of terminal controls here and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ...api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED, Interview, QuestionSet
from ...formats import (
    NO_VALUE,
    format_timestamp,
    human_duration,
    relative_time,
    stars,
    status_help,
)
from ...store.evaluations import Evaluation
from ...textsafe import clean, clean_line

GUTTER = 2  # "▌ " marks the current answer


@dataclass(slots=True)
class Block:
    """A run of text with one base style, optional styled spans, and where it belongs."""

    text: str
    style: str = "transcript--text"  # a component class of TranscriptView
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    indent: int = 0
    response: int | None = None  # index into interview.responses
    searchable: bool = True


@dataclass
class Document:
    blocks: list[Block]
    kind: str  # "interview", "state", "error", "empty", "loading"
    interview_id: str | None = None
    responses: int = 0


def _spaced(text: str) -> str:
    return text.replace("\t", " ")


def _line(parts: Sequence[tuple[str, str] | str], *, style: str = "transcript--text",
          indent: int = 0, response: int | None = None, searchable: bool = True) -> Block:
    """A block from (text, component class) parts, e.g. a bold label then plain text."""
    text = ""
    spans: list[tuple[int, int, str]] = []
    for part in parts:
        chunk, cls = (part, "") if isinstance(part, str) else part
        chunk = _spaced(chunk)
        if cls:
            spans.append((len(text), len(text) + len(chunk), cls))
        text += chunk
    return Block(text, style, spans, indent, response, searchable)


def _blank() -> Block:
    return Block("", searchable=False)


def _when(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return NO_VALUE
    return f"{format_timestamp(dt)} ({relative_time(dt, now)})"


def _header(interview: Interview, now: datetime) -> list[Block]:
    name = clean_line(interview.candidate.name) or "Unknown candidate"
    blocks = [_line([(name, "transcript--title")])]
    email = clean_line(interview.candidate.email)
    if email:
        blocks[0] = _line([(name, "transcript--title"), "  ", (f"<{email}>", "transcript--meta")])
    job = clean_line(interview.job.title) or NO_VALUE
    dept = clean_line(interview.job.department)
    blocks.append(_line([(job, "transcript--job"), *([(f" · {dept}", "transcript--meta")]
                                                    if dept else [])]))
    blocks.append(_line([("id ", "transcript--label"), (clean_line(interview.id),
                                                        "transcript--meta")]))
    return blocks


def _status_line(interview: Interview, now: datetime) -> Block:
    from .interview_table import status_look

    expires = interview.expires_at
    symbol, label, _var = status_look(
        interview.status, past_expiry=expires is not None and expires <= now)
    cls = {COMPLETED: "transcript--completed", IN_PROGRESS: "transcript--in-progress",
           INVITED: "transcript--invited", EXPIRED: "transcript--expired"}.get(
        interview.status, "transcript--unknown")
    return _line([(f"{symbol} {label}", cls)])


def _fact(label: str, *value: tuple[str, str] | str) -> Block:
    """``label      value`` with the labels in one column."""
    return _line([(f"{label:<10} ", "transcript--label"), *value], searchable=False)


def _yours(evaluation: Evaluation | None) -> list[Block]:
    """What the user decided: the rating, the shortlist, the note (kept as written, cleaned
    of terminal controls)."""
    if evaluation is None or evaluation.empty:
        return []
    facts: list[tuple[str, str] | str] = []
    if evaluation.rating is not None:
        facts += [(stars(evaluation.rating), "transcript--rating"), f" {evaluation.rating}/5"]
    if evaluation.shortlisted:
        facts += [" · " if facts else "", ("shortlisted", "transcript--rating")]
    average = evaluation.average_answer_rating()
    if average is not None:
        n = len(evaluation.answer_ratings)
        facts += [" · " if facts else "", f"answers {average:.1f} on average ({n} rated)"]
    blocks = [_fact("yours", *facts)] if facts else []
    note = clean(evaluation.note).strip()
    if note:
        blocks.append(_fact("note", ""))
        blocks.append(Block(_spaced(note), "transcript--note", indent=4))
    return blocks


def build_interview_doc(interview: Interview, questions: QuestionSet | None,
                        now: datetime, evaluation: Evaluation | None = None) -> Document:
    """A completed or in-progress interview (or an unknown status that has responses)."""
    blocks = _header(interview, now)
    blocks.append(_status_line(interview, now))
    if interview.started_at:
        blocks.append(_fact("started", _when(interview.started_at, now)))
    if interview.completed_at:
        blocks.append(_fact("completed", _when(interview.completed_at, now)))
    count = len(interview.responses)
    answers = f"{count}"
    if questions is not None:
        listed = len(questions.questions)
        of = questions.total_questions if questions.total_questions is not None else listed
        answers += f" of {of} questions"
    answers += f" · {human_duration(interview.total_duration_seconds)} spoken"
    if interview.started_at and interview.completed_at:
        session = (interview.completed_at - interview.started_at).total_seconds()
        answers += f" · {human_duration(session)} in total"
    blocks.append(_fact("answers", answers))
    blocks += _yours(evaluation)
    ratings = evaluation.answer_ratings if evaluation is not None else {}
    if interview.status != COMPLETED:
        blocks.append(_blank())
        blocks.append(Block(status_help(interview.status), "transcript--banner",
                            searchable=False))
    if not interview.responses:
        blocks += [_blank(), Block("No responses yet.", "transcript--meta", searchable=False)]
    for i, r in enumerate(interview.responses):
        blocks.append(_blank())
        blocks.append(Block("─" * 3, "transcript--rule", response=i, searchable=False))
        question = clean_line(r.question_text) or NO_VALUE
        blocks.append(_line([(f"Q{i + 1}  ", "transcript--number"),
                             (question, "transcript--question")], response=i))
        meta: list[tuple[str, str] | str] = []
        if r.question_type:
            meta += [(clean_line(r.question_type), "transcript--tag"), " · "]
        meta.append(human_duration(r.duration_seconds))
        if r.answered_at is not None:
            meta += [" · answered ", _when(r.answered_at, now)]
        rated = ratings.get(r.question_id)
        if rated is not None:
            meta += [" · ", (f"{stars(rated)} {rated}/5", "transcript--rating")]
        blocks.append(_line(meta, style="transcript--meta", indent=4, response=i,
                            searchable=False))
        blocks.append(Block("", searchable=False, response=i))
        body = clean(r.transcript).strip()
        if body:
            blocks.append(Block(_spaced(body), "transcript--answer", indent=4, response=i))
        else:
            blocks.append(Block("(no transcript)", "transcript--meta", indent=4, response=i,
                                searchable=False))
    return Document(blocks, "interview", interview.id, len(interview.responses))


def build_state_doc(interview: Interview, questions: QuestionSet | None,
                    now: datetime, evaluation: Evaluation | None = None) -> Document:
    """Invited, expired (and unknown statuses without responses): what the status means."""
    blocks = _header(interview, now)
    blocks += _yours(evaluation)
    blocks.append(_blank())
    blocks.append(_status_line(interview, now))
    if interview.created_at:
        blocks.append(_fact("created", _when(interview.created_at, now)))
    if interview.expires_at:
        verb = "expires" if interview.expires_at > now else "expired"
        blocks.append(_fact(verb, _when(interview.expires_at, now)))
        if interview.status == INVITED and interview.expires_at <= now:
            blocks.append(Block("The expiry time has passed; the next refresh should show "
                                "it as expired.", "transcript--warning", searchable=False))
    blocks.append(_blank())
    blocks.append(Block(status_help(interview.status), "transcript--banner", searchable=False))
    if questions is not None:
        listed = len(questions.questions)
        total = questions.total_questions if questions.total_questions is not None else listed
        shown = f"{listed} listed of {total}" if total != listed else f"{listed}"
        blocks += [_blank(), _fact("questions", f"{shown} · estimated "
                                   f"{human_duration(questions.estimated_duration_seconds)}")]
    return Document(blocks, "state", interview.id, 0)


def build_doc(interview: Interview, questions: QuestionSet | None, now: datetime,
              evaluation: Evaluation | None = None) -> Document:
    if interview.responses or interview.status in (COMPLETED, IN_PROGRESS):
        return build_interview_doc(interview, questions, now, evaluation)
    return build_state_doc(interview, questions, now, evaluation)


def message_doc(title: str, lines: Sequence[str], kind: str, *, interview_id: str | None = None,
                title_style: str = "transcript--title") -> Document:
    blocks = [Block(title, title_style, searchable=False), _blank()]
    blocks += [Block(clean(line), "transcript--text", searchable=False) for line in lines]
    return Document(blocks, kind, interview_id)


def cannot_show_text(exc: BaseException) -> str:
    """One line for the pane (shown as data: message_doc and the outline never read markup)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if len(reason) > 200:
        reason = reason[:199] + "…"
    return f"cannot show this interview: {reason}"


def error_doc(interview_id: str, message: str, step: str = "Press r to retry.") -> Document:
    """``step``: what the user can do about it."""
    return message_doc(
        "⚠ Could not load this interview",
        [message, "", step],
        "error", interview_id=interview_id, title_style="transcript--error",
    )
