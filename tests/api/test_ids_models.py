"""Ids as users paste them, and the model layer's tolerance of what the API may send."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rztui.api.body import loads
from rztui.api.errors import InvalidId, InvalidResponse
from rztui.api.ids import parse_id, path_segment, split_ids
from rztui.api.models import Interview, QuestionSet

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"


@pytest.mark.parametrize(
    "text, expected",
    [
        (SPEC_ID, SPEC_ID),
        (f"  {SPEC_ID}\n", SPEC_ID),
        ("770g0622-g41d-63f6-c938-668877662222", "770g0622-g41d-63f6-c938-668877662222"),
        (
            "custom-aa0j3955-j74g-96i9-f261-991100995555",
            "custom-aa0j3955-j74g-96i9-f261-991100995555",
        ),
        (f"https://rz-app-omega.vercel.app/api/v1/interviews/{SPEC_ID}", SPEC_ID),
        (f"https://rz-app-omega.vercel.app/api/v1/interviews/{SPEC_ID}/questions", SPEC_ID),
        (f"https://rz-app-omega.vercel.app/api/v1/interviews/{SPEC_ID}/?x=1#frag", SPEC_ID),
        ("http://127.0.0.1:9/api/v1/interviews/a%20b%C3%A9", None),  # decoded space: refused
        ("http://127.0.0.1:9/api/v1/interviews/caf%C3%A9", "café"),
        ("日本語-id", "日本語-id"),
    ],
)
def test_parse_id_accepts_what_the_vendor_issues(text, expected):
    if expected is None:
        with pytest.raises(InvalidId):
            parse_id(text)
    else:
        assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a/b", "'/'"),
        ("a?b", "'?'"),
        ("a#b", "'#'"),
        ("a\x1b[31mb", "U+001B"),
        ("..", "not an id"),
        ("https://example.com/no/id/here", "no interview id"),
        ("x" * 500, "too long"),
    ],
)
def test_parse_id_rejects_with_a_clear_message(text, fragment):
    with pytest.raises(InvalidId) as info:
        parse_id(text)
    assert fragment in info.value.message
    assert info.value.exit_code == 2


def test_path_segment_is_one_segment():
    assert path_segment("café ü%") == "caf%C3%A9%20%C3%BC%25"
    assert "/" not in path_segment("a/b")


def test_split_ids_handles_lines_spaces_commas():
    assert split_ids("a b\nc,d\r\n\te") == ["a", "b", "c", "d", "e"]


COMPLETED = {
    "id": SPEC_ID,
    "status": "completed",
    "job": {"id": "j", "title": "Senior Frontend Developer", "department": "Engineering"},
    "candidate": {"id": "c", "name": "Jane Smith", "email": "jane@example.com"},
    "started_at": "2024-01-16T14:30:00Z",
    "completed_at": "2024-01-16T14:52:00Z",
    "responses": [
        {
            "question_id": "q1",
            "question_text": "Q?",
            "question_type": "technical",
            "transcript": "A.",
            "duration_seconds": 145,
            "answered_at": "2024-01-16T14:33:25Z",
        }
    ],
    "created_at": "2024-01-15T10:30:00Z",
}


def test_both_shapes_parse():
    iv = Interview.from_api(COMPLETED)
    assert iv.is_terminal and iv.responses[0].duration_seconds == 145
    assert iv.completed_at.isoformat() == "2024-01-16T14:52:00+00:00"
    assert iv.responses[0].audio_url is None and iv.job.department == "Engineering"
    invited = Interview.from_api(
        {
            "id": SPEC_ID,
            "status": "invited",
            "job": {"id": "j", "title": "T"},
            "candidate": {"id": "c", "name": "N", "email": "e"},
            "created_at": "2024-01-15T10:30:00Z",
            "expires_at": "2024-01-22T23:59:59Z",
        }
    )
    assert not invited.is_terminal and invited.responses == () and invited.job.department is None


def test_unknown_status_and_fields_are_kept_not_fatal():
    data = dict(COMPLETED, status="under_review", surprise={"x": 1})
    iv = Interview.from_api(data)
    assert iv.status == "under_review" and not iv.is_terminal
    assert iv.raw["surprise"] == {"x": 1}


def test_questions_sorted_by_order_with_gaps():
    qs = QuestionSet.from_api(
        {
            "interview_id": SPEC_ID,
            "questions": [
                {"id": "custom-x", "question_text": "c", "order": 10, "is_custom": True},
                {"id": "a", "question_text": "a", "order": 0},
                {"id": "b", "question_text": "b", "order": 1, "time_limit_seconds": 180},
            ],
            "total_questions": 11,
            "estimated_duration_seconds": 1260,
        }
    )
    assert [q.id for q in qs.questions] == ["a", "b", "custom-x"]
    assert qs.questions[2].is_custom and qs.total_questions == 11


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "x",
        1,
        {},
        {"id": "x"},
        {"id": "x", "status": ""},
        dict(COMPLETED, responses="nope"),
        dict(COMPLETED, responses=[1]),
        dict(COMPLETED, started_at="yesterday"),
        dict(COMPLETED, candidate=[]),
        dict(COMPLETED, responses=[{"duration_seconds": "long"}]),
        dict(COMPLETED, responses=[{"duration_seconds": float("nan")}]),
    ],
)
def test_wrong_shapes_raise_invalid_response(bad):
    with pytest.raises(InvalidResponse):
        Interview.from_api(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
interviewish = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values | st.text(max_size=10),
        "status": st.sampled_from(["completed", "invited", "in_progress", "expired", "x", ""])
        | json_values,
        "job": json_values | st.fixed_dictionaries({"title": json_values}),
        "candidate": json_values,
        "responses": json_values
        | st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "question_id": json_values,
                    "transcript": json_values,
                    "duration_seconds": json_values,
                    "answered_at": json_values,
                },
            ),
            max_size=3,
        ),
        "started_at": json_values | st.sampled_from(["2024-01-16T14:30:00Z", "2024-13-99"]),
        "expires_at": json_values,
    },
)


@settings(deadline=None)
@given(interviewish)
def test_random_interview_json_gives_model_or_invalid_response(data):
    try:
        iv = Interview.from_api(data)
    except InvalidResponse as exc:
        assert exc.message  # a readable one-liner
        return
    assert isinstance(iv.status, str) and iv.status
    assert all(isinstance(r.transcript, str) for r in iv.responses)


@settings(deadline=None)
@given(json_values)
def test_random_questions_json_gives_model_or_invalid_response(data):
    try:
        QuestionSet.from_api(data)
    except InvalidResponse:
        pass


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every key/index path inside a JSON value (the value's own path first)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)  # type: ignore[call-overload]
    copy[head] = _replace(copy[head], rest, new)
    return copy


COMPLETED_PATHS = _paths(COMPLETED)[1:]
wrong_types = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
               | st.text(max_size=8) | st.lists(st.integers(), max_size=2)
               | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COMPLETED_PATHS), wrong_types), min_size=1, max_size=4))
def test_spec_interview_with_wrong_types_gives_model_or_invalid_response(mutations):
    # Every input reaches the model parser: a real interview with 1-4 fields swapped for values
    # of another type, and it goes through the same strict JSON reader the client uses.
    data: object = COMPLETED
    for path, value in mutations:
        try:
            data = _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed that path
    try:
        iv = Interview.from_api(loads(json.dumps(data)))
    except InvalidResponse as exc:
        assert exc.message
        return
    assert isinstance(iv.status, str) and iv.status
    assert all(isinstance(r.transcript, str) for r in iv.responses)


def _outcome(parse: object, data: object) -> object:
    try:
        return parse(data)  # type: ignore[operator]
    except InvalidResponse as exc:
        return ("refused", exc.message)


@settings(deadline=None)
@given(st.one_of(
    interviewish,
    st.lists(st.tuples(st.sampled_from(COMPLETED_PATHS), wrong_types), min_size=1, max_size=4)
    .map(lambda muts: _mutated(COMPLETED, muts)),
))
def test_fast_path_gives_what_the_field_by_field_checks_give(data):
    # Interview.from_api takes a shortcut when every field has its plain type; whatever the
    # input, it must give the same interview, or the same refusal, as the checks field by field.
    fast, slow = _outcome(Interview.from_api, data), _outcome(Interview._checked, data)
    assert fast == slow
    if isinstance(fast, Interview):
        assert isinstance(slow, Interview)
        assert fast.raw is slow.raw
        assert [type(getattr(fast, f)) for f in Interview.__dataclass_fields__] == [
            type(getattr(slow, f)) for f in Interview.__dataclass_fields__]
        assert fast.responses == slow.responses and fast.job == slow.job


def _mutated(data: object, mutations: list[tuple]) -> object:
    for path, value in mutations:
        try:
            data = _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    return data


def test_fast_path_is_taken_for_the_api_form_and_matches():
    iv = Interview.from_api(COMPLETED)
    assert iv == Interview._checked(COMPLETED)
    assert Interview._plain(COMPLETED) is not None
    # Text given as a number is the checks' business (they turn it into text).
    odd = dict(COMPLETED, candidate={"name": 42})
    assert Interview._plain(odd) is None
    assert Interview.from_api(odd).candidate.name == "42"


@pytest.mark.parametrize("raw", [
    "660f9511-f30c-52e5-b827-557766551111", "770G0622-G41D-63F6-C938-668877662222",
    "custom-aa0j3955-j74g-96i9-f261-991100995555", "custom-a_b-c",
])
def test_a_bare_id_in_its_usual_shape_is_itself_and_spaces_still_go(raw):
    assert parse_id(raw) == raw
    assert parse_id(f"  {raw}\n") == raw
    assert parse_id(f"https://rz-app-omega.vercel.app/api/v1/interviews/{raw}") == raw
