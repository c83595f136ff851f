"""Automated review: keyword boundaries, keyword config, statistics, edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rztui.answers.review import (
    DEFAULT_KEYWORDS,
    Review,
    format_review,
    keyword_pattern,
    keywords_for,
    review_interview,
)
from rztui.api.models import Interview

A1 = (
    "I've been using React hooks extensively for the past three years. Hooks like useState and "
    "useEffect are fundamental to my development workflow. I particularly appreciate how they "
    "enable functional components to manage state and side effects without the complexity of "
    "class components. For instance, I recently used useReducer for complex state logic in a "
    "form validation system, and useMemo to optimize expensive calculations in a data "
    "visualization dashboard. The custom hooks I've created have helped our team maintain "
    "consistent patterns across the codebase."
)
A2 = "Last month, we had an intermittent race condition that only appeared in production..."

# The spec's example payloads (Get Interview, completed and non-completed).
SPEC_COMPLETED: dict[str, Any] = {
    "id": "660f9511-f30c-52e5-b827-557766551111",
    "status": "completed",
    "job": {"id": "550e8400", "title": "Senior Frontend Developer", "department": "Engineering"},
    "candidate": {"id": "770g0622", "name": "Jane Smith", "email": "jane@example.com"},
    "started_at": "2024-01-16T14:30:00Z",
    "completed_at": "2024-01-16T14:52:00Z",
    "responses": [
        {
            "question_id": "880h1733-h52e-74g7-d049-779988773333",
            "question_text": "Describe your experience with React hooks and when you'd use them.",
            "question_type": "technical",
            "transcript": A1,
            "duration_seconds": 145,
            "answered_at": "2024-01-16T14:33:25Z",
        },
        {
            "question_id": "990i2844-i63f-85h8-e150-880099884444",
            "question_text": "Tell me about a challenging bug you fixed recently.",
            "question_type": "experience",
            "transcript": A2,
            "duration_seconds": 167,
            "answered_at": "2024-01-16T14:38:12Z",
        },
    ],
    "created_at": "2024-01-15T10:30:00Z",
}
SPEC_INVITED: dict[str, Any] = {
    "id": "660f9511-f30c-52e5-b827-557766551111",
    "status": "invited",
    "job": {"id": "550e8400", "title": "Senior Frontend Developer"},
    "candidate": {"id": "770g0622", "name": "Jane Smith", "email": "jane@example.com"},
    "created_at": "2024-01-15T10:30:00Z",
    "expires_at": "2024-01-22T23:59:59Z",
}


def spec_interview() -> Interview:
    return Interview.from_api(SPEC_COMPLETED)


def _interview(transcripts: list[tuple[str, float | None]], **extra: Any) -> Interview:
    data: dict[str, Any] = {
        "id": "iv-1",
        "status": "completed",
        "job": {"title": "Backend Engineer"},
        "candidate": {"name": "Sam"},
        "responses": [
            {
                "question_id": f"q{i}",
                "question_text": f"Question {i}?",
                "transcript": text,
                "duration_seconds": duration,
            }
            for i, (text, duration) in enumerate(transcripts, start=1)
        ],
    }
    data.update(extra)
    return Interview.from_api(data)


# --------------------------------------------------------------------------- keyword_pattern


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("react", "I use React daily", True),
        ("react", "React.", True),
        ("react", "React's hooks", True),
        ("react", "reactive programming", False),
        ("react", "I overreact sometimes", False),
        ("react", "react_native", False),
        ("testing", "Testing matters", True),
        ("testing", "TESTING", True),
        ("testing", "pentesting", False),
        ("ci/cd", "We run CI/CD on every push", True),
        ("ci/cd", "ci/cd.", True),
        ("ci/cd", "aci/cd", False),
        ("ci/cd", "ci/cde", False),
        ("ci/cd", "ci cd", False),
        ("c++", "I like C++, and Rust", True),
        ("c++", "I like c++.", True),
        ("c++", "c++", True),
        ("c++", "c+++", False),
        ("c++", "abc++", False),
        ("c++", "c+", False),
        ("c#", "C# and F#", True),
        ("c#", "c##", False),
        (".net", "I know .NET well", True),
        (".net", "(.net)", True),
        (".net", "dotnet", False),
        (".net", "asp.net", False),
        ("node.js", "Node.js, Deno", True),
        ("node.js", "nodexjs", False),
        ("node.js", "node.jsx", False),
        ("unit testing", "unit\n testing", True),
    ],
)
def test_keyword_pattern_boundaries(keyword: str, text: str, found: bool) -> None:
    assert bool(keyword_pattern(keyword).search(text)) is found


def test_keyword_pattern_counts_and_rejects_empty() -> None:
    assert len(keyword_pattern("react").findall("React, react! reactive REACT")) == 3
    with pytest.raises(ValueError):
        keyword_pattern("  ")


# --------------------------------------------------------------------------- keywords_for


def test_keywords_for_defaults_and_jobs() -> None:
    assert keywords_for("Anything", {}) == DEFAULT_KEYWORDS
    assert keywords_for(None, None) == DEFAULT_KEYWORDS
    config = {
        "global": ["communication", "Testing"],
        "jobs": {"Senior Frontend Developer": ["react", "testing", "CSS"], "Backend": ["go"]},
    }
    assert keywords_for("senior frontend developer ", config) == [
        "communication",
        "Testing",
        "react",
        "CSS",
    ]
    assert keywords_for("Data Scientist", config) == ["communication", "Testing"]
    no_global = {"jobs": {"backend": ["go", "react"]}}
    assert keywords_for("Backend", no_global) == [*DEFAULT_KEYWORDS, "go"]
    assert keywords_for("Backend", {"global": [], "jobs": {"Backend": ["go"]}}) == ["go"]


# --------------------------------------------------------------------------- review_interview


def test_review_spec_interview() -> None:
    review = review_interview(spec_interview(), DEFAULT_KEYWORDS)
    a1, a2 = A1, A2
    assert review.candidate == "Jane Smith"
    assert review.answered == 2
    assert review.total_duration_seconds == 312
    assert review.average_response_chars == (len(a1) + len(a2)) / 2
    words = len(a1.split()) + len(a2.split())
    assert review.total_words == words
    assert review.words_per_minute == pytest.approx(words / (312 / 60))
    # The same numbers as the spec's analyzeKeywords gives for this data.
    assert review.keyword_matches == {
        "react": 1,
        "typescript": 0,
        "testing": 0,
        "agile": 0,
        "ci/cd": 0,
    }
    assert review.keyword_counts["react"] == 1
    assert [s.question_id for s in review.per_response] == [
        "880h1733-h52e-74g7-d049-779988773333",
        "990i2844-i63f-85h8-e150-880099884444",
    ]
    first = review.per_response[0]
    assert (first.duration, first.chars, first.words) == (145, len(a1), len(a1.split()))
    assert first.wpm == pytest.approx(len(a1.split()) / (145 / 60))


def test_review_keyword_matches_vs_counts_and_boundaries() -> None:
    interview = _interview(
        [
            ("React and react again; Testing with CI/CD.", 30),
            ("Reactive streams, no hooks. C++ too.", 30),
            ("react", 30),
        ]
    )
    review = review_interview(interview, ["react", "testing", "ci/cd", "c++", "agile"])
    assert review.keyword_matches == {"react": 2, "testing": 1, "ci/cd": 1, "c++": 1, "agile": 0}
    assert review.keyword_counts == {"react": 3, "testing": 1, "ci/cd": 1, "c++": 1, "agile": 0}


def test_review_wpm_with_missing_and_zero_durations() -> None:
    interview = _interview([("one two three four five six", 60), ("a b c", None), ("x y", 0)])
    review = review_interview(interview, [])
    assert review.total_words == 11
    assert review.total_duration_seconds == 60
    # Only the timed answer counts: 6 words in 1 minute, not 11.
    assert review.words_per_minute == pytest.approx(6.0)
    assert [s.wpm for s in review.per_response] == [pytest.approx(6.0), None, None]

    untimed = review_interview(_interview([("a b c", None), ("d", 0)]), [])
    assert untimed.words_per_minute is None
    assert untimed.total_words == 4


def test_review_zero_responses() -> None:
    review = review_interview(Interview.from_api(SPEC_INVITED), DEFAULT_KEYWORDS)
    assert review.answered == 0
    assert review.average_response_chars is None
    assert review.words_per_minute is None
    assert review.total_duration_seconds == 0
    assert review.keyword_matches == dict.fromkeys(DEFAULT_KEYWORDS, 0)
    assert review.per_response == []
    text = format_review(review)
    assert "No responses." in text and "Average length:   —" in text
    assert json.loads(json.dumps(review.to_json()))["average_response_chars"] is None


def test_review_to_json() -> None:
    data = review_interview(spec_interview()).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["completed_at"] == "2024-01-16T14:52:00Z"
    assert data["keyword_matches"]["react"] == 1
    assert data["per_response"][1]["duration_seconds"] == 167
    assert data["words_per_minute"] == round(data["total_words"] / (312 / 60), 1)


def test_format_review_text_is_clean() -> None:
    interview = _interview(
        [("I love react\x1b]52;c;ZXZpbA==\x07", 60)],
        candidate={"name": "[@click=app.quit]Eve\x1b[31m\u202e"},
        job={"title": "Dev\nOps"},
    )
    review = review_interview(interview, ["react", "evil\x1b[2J"])
    assert isinstance(review, Review)
    text = format_review(review)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert text.startswith("[@click=app.quit]Eve — Dev Ops\n")
    assert "Speaking rate:    3 wpm" in text
    assert "  react  1/1  (1)" in text
    assert "  Q1       1m 0s      28 chars      3 words     3 wpm  Question 1?\n" in text


def test_review_shows_the_users_ratings_and_their_average():
    from rztui.answers.review import format_review, review_interview
    from rztui.api.models import Interview
    from rztui.demo import dataset as ds
    from rztui.store.evaluations import Evaluation

    iv = Interview.from_api(ds.SPEC_INTERVIEW)
    q1, q2 = (r.question_id for r in iv.responses)
    plain = format_review(review_interview(iv))
    assert "Your rating" not in plain and "/5" not in plain
    ev = Evaluation(iv.id, rating=4, answer_ratings={q1: 3})
    review = review_interview(iv, evaluation=ev)
    assert review.rating == 4 and review.average_answer_rating == 3.0
    assert review.rated_answers == 1
    text = format_review(review)
    assert "Your rating:      4/5 · answers 3.0 on average (1 of 2 rated)" in text
    assert [p["rating"] for p in review.to_json()["per_response"]] == [3, None]
    assert review.to_json()["rating"] == 4
    ev = Evaluation(iv.id, answer_ratings={q1: 3, q2: 4})
    assert "answers 3.5 on average (2 of 2 rated)" in format_review(
        review_interview(iv, evaluation=ev))
