"""The spec's "Automated Review" (``analyzeInterview`` / ``analyzeKeywords``), done better.

Differences from the spec's JavaScript, on purpose:

* keywords match whole words (``react`` is not found in ``reactive``), case-insensitively, and
  also for keywords that begin or end with punctuation (``c++``, ``c#``, ``.net``, ``ci/cd``);
* both "responses mentioning it" (the spec's number) and total mentions are reported;
* no division by zero: no responses gives ``None`` averages, missing durations give no wpm;
* speaking rate (words per minute) per response and overall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from ..api.models import Interview
from ..formats import NO_VALUE, format_timestamp, human_duration, iso_utc
from ..store.evaluations import Evaluation
from ..textsafe import clean_line

DEFAULT_KEYWORDS: list[str] = ["react", "typescript", "testing", "agile", "ci/cd"]


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for ``keyword``.

    ``\\b`` fails next to punctuation (there is no boundary between ``+`` and a space), so the
    edges are lookarounds: no word character may touch the keyword. When the keyword starts or
    ends with punctuation, that same character may not continue it either, so ``c++`` matches
    ``C++,`` and ``c++.`` but not ``c+++``, and ``c#`` not ``c##``. Inner whitespace matches any
    run of whitespace (``unit testing`` finds ``unit\\ntesting``).
    """
    word = keyword.strip()
    if not word:
        raise ValueError("empty keyword")
    body = r"\s+".join(re.escape(part) for part in word.split())
    first, last = word[0], word[-1]
    before = r"(?<!\w)" if _is_word(first) else rf"(?<![\w{re.escape(first)}])"
    after = r"(?!\w)" if _is_word(last) else rf"(?![\w{re.escape(last)}])"
    return re.compile(before + body + after, re.IGNORECASE)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _dedupe(words: Iterable[Any]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in words:
        if not isinstance(item, str):
            continue
        word = item.strip()
        key = word.casefold()
        if word and key not in seen:
            seen.add(key)
            out.append(word)
    return out


def _words(value: Any) -> Sequence[Any]:
    """A config value as a list: ``"react"`` is one keyword, not five letters."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return value
    return []


def keywords_for(job_title: str | None, config_keywords: Mapping[str, Any] | None) -> list[str]:
    """Keywords for a job: ``global`` (or :data:`DEFAULT_KEYWORDS`) plus the job's own.

    ``config_keywords`` is ``{"global": [...], "jobs": {"<job title>": [...]}}``; job titles
    match case-insensitively (and ignoring surrounding whitespace). Deduplicated
    case-insensitively, first spelling and order kept. An explicit empty ``global`` means none.
    """
    config = config_keywords or {}
    global_words = config.get("global")
    base: Sequence[Any] = DEFAULT_KEYWORDS if global_words is None else _words(global_words)
    job_words: Sequence[Any] = []
    jobs = config.get("jobs") or {}
    if job_title and isinstance(jobs, Mapping):
        wanted = job_title.strip().casefold()
        for title, words in jobs.items():
            if isinstance(title, str) and title.strip().casefold() == wanted:
                job_words = _words(words)
                break
    return _dedupe([*base, *job_words])


class ResponseStats(NamedTuple):
    question_id: str
    question_text: str
    duration: float | None
    chars: int
    words: int
    wpm: float | None
    rating: int | None = None  # the user's rating of this answer (local)


def _word_count(text: str) -> int:
    return len(text.split())


def _wpm(words: int, seconds: float | None) -> float | None:
    if not seconds or seconds <= 0:
        return None
    return words / (seconds / 60)


@dataclass
class Review:
    interview_id: str
    candidate: str
    job_title: str
    status: str
    completed_at: datetime | None
    total_duration_seconds: float
    answered: int
    average_response_chars: float | None
    total_words: int
    words_per_minute: float | None
    keyword_matches: dict[str, int] = field(default_factory=dict)
    keyword_counts: dict[str, int] = field(default_factory=dict)
    per_response: list[ResponseStats] = field(default_factory=list)
    rating: int | None = None  # the user's rating of the interview (local)
    average_answer_rating: float | None = None  # over the rated answers
    rated_answers: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601 UTC, rates rounded to 0.1)."""
        return {
            "interview_id": self.interview_id,
            "candidate": self.candidate,
            "job_title": self.job_title,
            "status": self.status,
            "completed_at": iso_utc(self.completed_at) or None,
            "total_duration_seconds": self.total_duration_seconds,
            "answered": self.answered,
            "average_response_chars": _round(self.average_response_chars),
            "total_words": self.total_words,
            "words_per_minute": _round(self.words_per_minute),
            "keyword_matches": dict(self.keyword_matches),
            "keyword_counts": dict(self.keyword_counts),
            "rating": self.rating,
            "average_answer_rating": _round(self.average_answer_rating),
            "per_response": [
                {
                    "question_id": s.question_id,
                    "question_text": s.question_text,
                    "duration_seconds": s.duration,
                    "chars": s.chars,
                    "words": s.words,
                    "wpm": _round(s.wpm),
                    "rating": s.rating,
                }
                for s in self.per_response
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def review_interview(interview: Interview, keywords: Sequence[str] | None = None,
                     evaluation: Evaluation | None = None) -> Review:
    """Review one interview; ``keywords`` defaults to :data:`DEFAULT_KEYWORDS`; the user's
    ratings come from ``evaluation``."""
    answer_ratings = evaluation.answer_ratings if evaluation is not None else {}
    words_list = _dedupe(DEFAULT_KEYWORDS if keywords is None else keywords)
    patterns = {k: keyword_pattern(k) for k in words_list}
    matches = dict.fromkeys(words_list, 0)
    counts = dict.fromkeys(words_list, 0)

    stats: list[ResponseStats] = []
    timed_words = 0
    timed_seconds = 0.0
    for r in interview.responses:
        text = r.transcript or ""
        words = _word_count(text)
        stats.append(
            ResponseStats(
                question_id=r.question_id,
                question_text=r.question_text,
                duration=r.duration_seconds,
                chars=len(text),
                words=words,
                wpm=_wpm(words, r.duration_seconds),
                rating=answer_ratings.get(r.question_id),
            )
        )
        # The overall rate only uses answers whose duration we know, so a missing duration
        # doesn't inflate it.
        if r.duration_seconds and r.duration_seconds > 0:
            timed_words += words
            timed_seconds += r.duration_seconds
        for keyword, pattern in patterns.items():
            found = len(pattern.findall(text))
            if found:
                matches[keyword] += 1
                counts[keyword] += found

    answered = len(stats)
    rated = [s.rating for s in stats if s.rating is not None]
    return Review(
        interview_id=interview.id,
        candidate=interview.candidate.name,
        job_title=interview.job.title,
        status=interview.status,
        completed_at=interview.completed_at,
        total_duration_seconds=interview.total_duration_seconds,
        answered=answered,
        average_response_chars=(sum(s.chars for s in stats) / answered) if answered else None,
        total_words=sum(s.words for s in stats),
        words_per_minute=_wpm(timed_words, timed_seconds),
        keyword_matches=matches,
        keyword_counts=counts,
        per_response=stats,
        rating=evaluation.rating if evaluation is not None else None,
        average_answer_rating=sum(rated) / len(rated) if rated else None,
        rated_answers=len(rated),
    )


def rating_text(review: Review) -> str | None:
    """``4/5 · answers 3.5 on average (2 of 3 rated)``, or None when nothing is rated."""
    parts = []
    if review.rating is not None:
        parts.append(f"{review.rating}/5")
    if review.average_answer_rating is not None:
        parts.append(f"answers {review.average_answer_rating:.1f} on average "
                     f"({review.rated_answers} of {review.answered} rated)")
    return " · ".join(parts) or None


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _rate(wpm: float | None) -> str:
    return NO_VALUE if wpm is None else f"{wpm:.0f} wpm"


def format_review(review: Review) -> str:
    """The review as human-readable text; API text is passed through ``clean_line``."""
    name = clean_line(review.candidate) or "Unknown candidate"
    title = clean_line(review.job_title)
    avg = review.average_response_chars
    out = [
        f"{name} — {title}" if title else name,
        f"Interview {clean_line(review.interview_id)} · status {clean_line(review.status)}"
        f" · completed {format_timestamp(review.completed_at)}",
        "",
        f"Responses:        {review.answered}",
        f"Total duration:   {human_duration(review.total_duration_seconds)}",
        f"Average length:   {NO_VALUE if avg is None else f'{avg:.0f} chars'}",
        f"Total words:      {review.total_words}",
        f"Speaking rate:    {_rate(review.words_per_minute)}",
    ]
    rated = rating_text(review)
    if rated:
        out.append(f"Your rating:      {rated}")
    if review.keyword_matches:
        names = {k: clean_line(k) for k in review.keyword_matches}
        width = max(len(n) for n in names.values())
        out += ["", "Keywords (responses mentioning it / total mentions):"]
        for keyword, responses in review.keyword_matches.items():
            total = review.keyword_counts.get(keyword, 0)
            out.append(f"  {names[keyword]:<{width}}  {responses}/{review.answered}  ({total})")
    if review.per_response:
        out += ["", "Per response:"]
        for i, s in enumerate(review.per_response, start=1):
            out.append(
                f"  Q{i:<3} {human_duration(s.duration):>9}  {s.chars:>6} chars"
                f"  {s.words:>5} words  {_rate(s.wpm):>8}  "
                + (f"{f'{s.rating}/5' if s.rating is not None else '':>3}  "
                   if review.rated_answers else "")
                + _shorten(clean_line(s.question_text), 60)
            )
    else:
        out += ["", "No responses."]
    return "\n".join(out) + "\n"
