"""Compare answers: every tracked candidate's answer to the same question, side by side.

Pure over the :class:`~rztui.store.Store` (no Textual, no network); ``rztui compare`` and the
TUI compare screen both use :func:`compare` / :func:`resolve` and the formatters here.

"The same question" is the same question id, or the same question text within the same job.
Texts and job titles match with case and whitespace ignored (:func:`match_key`): templates are
shared by id, while custom questions get a new id per interview but keep their text.

Only tracked interviews with a cached payload take part; nothing is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..api.errors import EXIT_NOT_FOUND, EXIT_USAGE, RZError
from ..api.models import Interview
from ..formats import NO_VALUE, human_duration, iso_utc, plural
from ..store import Store
from ..store.fts import match_key, plain
from ..textsafe import clean, clean_line

SORT_KEYS = ("candidate", "duration", "length", "rating")
_CJK_SCRIPTS = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
SORT_NAMES = {"candidate": "candidate", "duration": "duration", "length": "answer length",
              "rating": "your rating"}

__all__ = [
    "SORT_KEYS", "Answer", "Comparison", "CompareError", "QuestionChoice", "QuestionNotFound",
    "Waiting", "choices", "compare", "format_answer", "format_text", "header_lines", "match_key",
    "resolve", "sort_answers", "to_json",
]


class CompareError(RZError):
    """The question is ambiguous (several questions or several jobs match)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, choices: Sequence[QuestionChoice] = ()) -> None:
        super().__init__(message)
        self.choices = list(choices)


class QuestionNotFound(RZError):
    exit_code = EXIT_NOT_FOUND


@dataclass(frozen=True, slots=True)
class QuestionChoice:
    """A distinct question (text within a job) among the tracked interviews."""

    question: str
    job: str
    question_ids: tuple[str, ...]
    interviews: int
    answers: int

    def describe(self) -> str:
        job = self.job or "no job title"
        return f"{self.question}  ({job}; {plural(self.answers, 'answer')})"


@dataclass(frozen=True, slots=True)
class Answer:
    interview_id: str
    candidate: str  # display form: cleaned, one line
    email: str
    status: str
    job: str
    question_id: str
    question_text: str
    response_index: int  # in Interview.responses
    transcript: str  # as the API returned it (clipboard, JSON); show clean(transcript)
    duration_seconds: float | None
    answered_at: datetime | None
    rating: int | None = None  # the user's rating of this answer (local, 1-5)

    @property
    def text(self) -> str:
        """The transcript safe to show: control characters removed, trimmed."""
        return clean(self.transcript).strip()

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def words(self) -> int:
        """Whitespace-separated words; each Chinese/Japanese/Korean character counts as one
        (as word processors count them: those scripts put no spaces between words)."""
        text = self.text
        cjk = len(_CJK_SCRIPTS.findall(text))
        return cjk + len(_CJK_SCRIPTS.sub(" ", text).split()) if cjk else len(text.split())

    def summary(self) -> str:
        """``completed · 2m 25s · 571 chars, 85 words · rated 4/5`` (no word count for CJK
        text, no rating when there is none)."""
        size = f"{self.chars:,} chars"
        if not _CJK_SCRIPTS.search(self.text):
            size += f", {plural(self.words, 'word')}"
        rated = f" · rated {self.rating}/5" if self.rating is not None else ""
        return (f"{clean_line(self.status)} · {human_duration(self.duration_seconds)} · {size}"
                f"{rated}")


@dataclass(frozen=True, slots=True)
class Waiting:
    """A tracked candidate who was asked the question (its cached question list says so) but
    has no answer to it: not started, in progress, expired, or skipped."""

    interview_id: str
    candidate: str
    status: str


@dataclass(slots=True)
class Comparison:
    question_text: str
    job_title: str
    question_ids: tuple[str, ...]  # every id the matched answers carry
    answers: list[Answer] = field(default_factory=list)
    not_answered: list[Waiting] = field(default_factory=list)

    def sorted(self, by: str = "candidate", reverse: bool = False) -> list[Answer]:
        return sort_answers(self.answers, by, reverse=reverse)


# --------------------------------------------------------------------------- finding answers


def compare(
    store: Store,
    *,
    question_id: str | None = None,
    question_text: str | None = None,
    job_title: str | None = None,
    job_contains: str | None = None,
) -> Comparison:
    """Every tracked, cached answer to one question.

    An answer matches when its question id is ``question_id``, or its question text equals
    ``question_text`` (see :func:`match_key`) in an interview for ``job_title``. Given only an id,
    the text and job are taken from the answers that carry it, so a custom question asked with
    a different id in each interview is still found. ``job_contains`` (case-insensitive) keeps
    only interviews whose job title contains it.
    """
    qkey = match_key(question_text) if question_text else None
    jkey = match_key(job_title) if job_title is not None else None
    pairs: set[tuple[str, str | None]] = set()
    if qkey:
        pairs.add((qkey, jkey))
    if question_id:
        for r in store.question_rows(question_id=question_id):
            if r["question_key"]:
                pairs.add((r["question_key"], r["job_key"]))
    rows: dict[tuple[str, int, int], Any] = {}
    if question_id:
        for r in store.question_rows(question_id=question_id):
            rows.setdefault((r["interview_id"], r["answered"], r["position"]), r)
    for key, job_key in sorted(pairs, key=lambda p: (p[0], p[1] or "")):
        for r in store.question_rows(question_key=key, job_key=job_key):
            rows.setdefault((r["interview_id"], r["answered"], r["position"]), r)

    needle = match_key(job_contains) if job_contains else ""
    interviews: dict[str, Interview | None] = {}
    answers: list[Answer] = []
    answered_ids: set[str] = set()
    waiting: dict[str, Waiting] = {}
    for iid, answered, position in rows:
        if iid not in interviews:
            interviews[iid] = store.get_interview(iid)
        iv = interviews[iid]
        if needle and (iv is None or needle not in match_key(iv.job.title)):
            continue
        if answered and iv is not None and 0 <= position < len(iv.responses):
            resp = iv.responses[position]
            answers.append(Answer(
                interview_id=iid,
                candidate=clean_line(iv.candidate.name) or NO_VALUE,
                email=clean_line(iv.candidate.email),
                status=iv.status,
                job=clean_line(iv.job.title),
                question_id=resp.question_id,
                question_text=resp.question_text,
                response_index=position,
                transcript=resp.transcript,
                duration_seconds=resp.duration_seconds,
                answered_at=resp.answered_at,
            ))
            answered_ids.add(iid)
        elif not answered and iid not in waiting:
            row = store.row(iid)
            name = iv.candidate.name if iv is not None else (row.candidate_name if row else "")
            status = iv.status if iv is not None else ((row.status if row else None) or "")
            waiting[iid] = Waiting(iid, clean_line(name) or NO_VALUE, status)

    ratings = store.evaluations(answered_ids)
    answers = [
        replace(a, rating=ratings[a.interview_id].answer_ratings.get(a.question_id))
        if a.interview_id in ratings else a
        for a in answers
    ]
    text = question_text or ""
    job = job_title or ""
    if answers:
        text = text or answers[0].question_text
        job = job or answers[0].job
    elif not text and question_id:
        for r in store.question_texts(""):
            if question_id in (r["question_ids"] or "").split(","):
                text, job = plain(r["question"]), plain(r["job"])
                break
    return Comparison(
        question_text=text,
        job_title=job,
        question_ids=tuple(dict.fromkeys(a.question_id for a in answers)),
        answers=answers,
        not_answered=[w for iid, w in waiting.items() if iid not in answered_ids],
    )


def choices(store: Store, text: str, job_contains: str | None = None) -> list[QuestionChoice]:
    """Distinct questions whose text contains ``text`` (case/whitespace-insensitive); those
    equal to it come first, alone, when there are any."""
    key = match_key(text)
    needle = match_key(job_contains) if job_contains else ""
    found = [r for r in store.question_texts(key) if not needle or needle in r["job_key"]]
    exact = [r for r in found if r["question_key"] == key]
    return [
        QuestionChoice(
            question=plain(r["question"]),
            job=plain(r["job"]),
            question_ids=tuple(sorted(set((r["question_ids"] or "").split(",")) - {""})),
            interviews=int(r["interviews"]),
            answers=int(r["answers"] or 0),
        )
        for r in (exact or found)
    ]


def resolve(store: Store, question: str, *, job_contains: str | None = None) -> Comparison:
    """The CLI's argument: a question id, or (part of) a question's text.

    Raises :class:`QuestionNotFound` when nothing matches and :class:`CompareError` (with
    ``choices``) when several questions, or one question in several jobs, match.
    """
    wanted = question.strip()
    if not wanted:
        raise CompareError("give a question id or (part of) a question's text")
    if store.question_rows(question_id=wanted):
        result = compare(store, question_id=wanted, job_contains=job_contains)
        if not result.answers and not result.not_answered and job_contains:
            raise QuestionNotFound(
                f"no tracked interview for a job matching {job_contains!r} has question "
                f"{clean_line(wanted)!r}"
            )
        return result
    found = choices(store, wanted, job_contains)
    shown = clean_line(wanted)
    if not found:
        where = f" for a job matching {job_contains!r}" if job_contains else ""
        raise QuestionNotFound(
            f"no tracked, cached interview{where} has a question id or text matching {shown!r} "
            "(compare only looks at cached interviews: `rztui get ID` fetches one)"
        )
    if len({match_key(c.question) for c in found}) > 1:
        raise CompareError(
            f"{len(found)} questions match {shown!r}: give more of the text, or a question id",
            found,
        )
    if len(found) > 1:
        raise CompareError(
            f"{shown!r} was asked for {len(found)} jobs: choose one with --job", found
        )
    only = found[0]
    return compare(store, question_text=only.question, job_title=only.job)


# --------------------------------------------------------------------------- sorting


def sort_answers(answers: Iterable[Answer], by: str = "candidate", *,
                 reverse: bool = False) -> list[Answer]:
    """``candidate``: A to Z. ``duration``, ``length``: longest first; ``rating``: best first.
    ``reverse`` flips the order; answers without a duration (or a rating) stay last either
    way."""
    if by not in SORT_KEYS:
        raise ValueError(f"unknown sort key {by!r}; use one of {', '.join(SORT_KEYS)}")
    by_name = sorted(answers, key=lambda a: (a.candidate.casefold(), a.candidate, a.interview_id))
    if by == "candidate":
        return by_name[::-1] if reverse else by_name
    if by == "length":
        return sorted(by_name, key=lambda a: a.chars, reverse=not reverse)
    if by == "rating":
        rated = [a for a in by_name if a.rating is not None]
        unrated = [a for a in by_name if a.rating is None]
        return sorted(rated, key=lambda a: a.rating or 0, reverse=not reverse) + unrated
    timed = [a for a in by_name if a.duration_seconds is not None]
    untimed = [a for a in by_name if a.duration_seconds is None]
    return sorted(timed, key=lambda a: a.duration_seconds or 0.0, reverse=not reverse) + untimed


# --------------------------------------------------------------------------- output


def header_lines(comparison: Comparison, shown: int | None = None) -> list[str]:
    """``Q: ...`` / ``Job: ... · 5 answers · 2 asked, no answer`` (cleaned)."""
    n = len(comparison.answers) if shown is None else shown
    facts = [f"Job: {clean_line(comparison.job_title) or NO_VALUE}",
             plural(n, "answer")]
    if comparison.not_answered:
        facts.append(f"{len(comparison.not_answered)} asked, no answer")
    return [f"Q: {clean_line(comparison.question_text) or NO_VALUE}", " · ".join(facts)]


def format_text(comparison: Comparison, answers: Sequence[Answer] | None = None, *,
                safe: bool = True) -> str:
    """The whole comparison as plain text (stdout, or the clipboard with ``safe=False``)."""
    answers = comparison.answers if answers is None else answers
    out = header_lines(comparison, len(answers))
    for a in answers:
        body = a.text if safe else a.transcript.strip()
        out += ["", "-" * 72, f"{a.candidate} · {a.summary()}", f"interview {a.interview_id}",
                "", body or "(no transcript)"]
    if comparison.not_answered:
        out += ["", "-" * 72, "Asked, no answer (yet):"]
        out += [f"  {w.candidate} · {clean_line(w.status) or 'not fetched'} · {w.interview_id}"
                for w in comparison.not_answered]
    return "\n".join(out) + "\n"


def format_answer(comparison: Comparison, answer: Answer) -> str:
    """One answer for the clipboard: who, the question, then the transcript as given."""
    return (f"{answer.candidate} · {answer.summary()}\n"
            f"Q: {clean_line(comparison.question_text)}\n\n{answer.transcript.strip()}\n")


def to_json(comparison: Comparison, answers: Sequence[Answer] | None = None,
            sort: str = "candidate") -> dict[str, Any]:
    """Machine form; transcripts exactly as the API returned them."""
    answers = comparison.answers if answers is None else answers
    return {
        "question": {
            "text": comparison.question_text,
            "job": comparison.job_title,
            "question_ids": list(comparison.question_ids),
        },
        "sort": sort,
        "answers": [
            {
                "interview_id": a.interview_id,
                "candidate": a.candidate,
                "email": a.email or None,
                "status": a.status,
                "job": a.job,
                "question_id": a.question_id,
                "question_text": a.question_text,
                "response_index": a.response_index,
                "duration_seconds": a.duration_seconds,
                "answered_at": iso_utc(a.answered_at) or None,
                "chars": a.chars,
                "words": a.words,
                "rating": a.rating,
                "transcript": a.transcript,
            }
            for a in answers
        ],
        "not_answered": [
            {"interview_id": w.interview_id, "candidate": w.candidate, "status": w.status or None}
            for w in comparison.not_answered
        ],
    }
