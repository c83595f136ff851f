"""Dashboard URLs as pasted, and the "does this look like an id?" check the Add dialog asks."""

from __future__ import annotations

import pytest

from rztui.api.errors import InvalidId
from rztui.api.ids import looks_like_id, parse_id
from rztui.demo import dataset as ds

VENDOR_ID = "770g0622-g41d-63f6-c938-668877662222"  # the vendor's own example: not hex


@pytest.mark.parametrize(
    "url",
    [
        f"https://rz-app-omega.vercel.app/interviews/{VENDOR_ID}/results",
        f"https://rz-app-omega.vercel.app/interviews/{VENDOR_ID}/results/",
        f"https://rz-app-omega.vercel.app/dashboard/interviews/{VENDOR_ID}/results?tab=2#q3",
        f"https://rz-app-omega.vercel.app/interviews/{VENDOR_ID}/responses/3/audio",
        f"https://rz-app-omega.vercel.app/interviews/{VENDOR_ID}",
        f"HTTPS://RZ-APP-OMEGA.VERCEL.APP/interviews/{VENDOR_ID}/results",
    ],
)
def test_dashboard_urls_give_the_interview_id(url):
    assert parse_id(url) == VENDOR_ID


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("https://rz-app-omega.vercel.app/interviews/a%2Fb/results", "'/'"),
        ("https://rz-app-omega.vercel.app/interviews/a%3Fb/results", "'?'"),
        ("https://rz-app-omega.vercel.app/interviews/a%23b/results", "'#'"),
        ("https://rz-app-omega.vercel.app/interviews/a%07b/results", "U+0007"),
        ("https://rz-app-omega.vercel.app/interviews//results", "no interview id"),
        ("https://rz-app-omega.vercel.app/jobs/123/results", "no interview id"),
        ("https://interview.round0.io/interview/" + "a" * 32, "candidate's interview link"),
        (f"{VENDOR_ID}/results", "'/'"),  # a bare id stays one path segment
        (f"{VENDOR_ID}?x", "'?'"),
        (f"{VENDOR_ID}\x00", "U+0000"),
    ],
)
def test_ids_that_could_change_the_request_are_still_refused(text, fragment):
    with pytest.raises(InvalidId) as info:
        parse_id(text)
    assert fragment in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(
    "token, expected",
    [
        (VENDOR_ID, True),
        (VENDOR_ID.upper(), True),
        ("660f9511-f30c-52e5-b827-557766551111", True),
        ("custom-aa0j3955-j74g-96i9-f261-991100995555", True),
        ("custom-1", True),
        ("  660f9511-f30c-52e5-b827-557766551111 ", True),
        ("Jane Smith", False),
        ("jane", False),
        ("no-such-id", False),
        ("660f9511-f30c-52e5-b827-55776655111", False),  # one character short
        ("660f9511f30c52e5b827557766551111", False),  # the dashes are part of the shape
        ("660f9511-f30c-52e5-b827-557766551111x", False),
        ("a" * 32, False),  # a candidate link's token
        ("custom-", False),
        ("", False),
    ],
)
def test_looks_like_id(token, expected):
    assert looks_like_id(token) is expected


def test_every_demo_interview_looks_like_an_id():
    assert all(looks_like_id(iid) for iid in ds.ALL_IDS)


def test_an_id_is_parsed_once_then_passed_down_as_it_is():
    from rztui.api.ids import InterviewId

    parsed = parse_id("https://rz-app-omega.vercel.app/api/v1/interviews/abc-123/results")
    assert isinstance(parsed, InterviewId) and parsed == "abc-123"
    assert parse_id(parsed) is parsed  # the layers below do not parse it again
    bare = parse_id("550e8400-e29b-41d4-a716-446655440000")
    assert type(bare) is InterviewId and parse_id(bare) is bare
