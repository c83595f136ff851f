"""The one validation gate (api/models.py, ranges in api/validate.py): values that are valid JSON
but absurd (a duration of 10**400 seconds, the year 1, a count below zero, a numeric status, a
record with only an id and a status) are refused where the payload is read, named (the field,
the interview), exit 5, instead of crashing a later stage (issue 20, items 1, 2, 11, 13).

Payloads come over loopback from the fault server, and stores are real SQLite files; a store
that cached such a value before the gate existed is read back through the same gate.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from faultserver import FaultServer, reply

from rztui.api.client import ApiClient
from rztui.api.errors import InvalidResponse, exit_code_for
from rztui.api.models import Interview, QuestionSet
from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY
from rztui.service import Service
from rztui.store import Store

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"
KEY = "rz_test_gate_0123456789"
HUGE = 10**400  # valid JSON, and Python parses it: float() of it raises OverflowError


def good() -> dict:
    body = dataset.snapshot(SPEC_ID, 0.0)
    assert body is not None and body["status"] == "completed" and body["responses"]
    return copy.deepcopy(body)


def with_answer(**fields: object) -> dict:
    body = good()
    body["responses"][0].update(fields)
    return body


def json_bytes(payload: dict) -> bytes:
    return json.dumps(payload).encode()  # json.dumps writes 10**400 as its 401 digits


# -- the model -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        (with_answer(duration_seconds=HUGE), "responses[0].duration_seconds"),
        (with_answer(duration_seconds=-100_000_000), "responses[0].duration_seconds"),
        (with_answer(duration_seconds=86_401), "responses[0].duration_seconds"),
        (with_answer(duration_seconds=1e300), "responses[0].duration_seconds"),
        (with_answer(answered_at="0001-01-01T00:00:00Z"), "responses[0].answered_at"),
        (with_answer(answered_at="9999-12-31T23:59:59+00:00"), "responses[0].answered_at"),
        (dict(good(), completed_at="1969-12-31T23:00:00Z"), "completed_at"),
        (dict(good(), created_at="2201-01-01T00:00:00Z"), "created_at"),
        (dict(good(), started_at="0001-01-01T00:30:00+01:00"), "started_at"),
        (dict(good(), status=5), "status"),
        (dict(good(), status=True), "status"),
        ({"id": SPEC_ID, "status": "completed"}, "job"),
        ({"id": SPEC_ID, "status": "invited", "job": {"title": "T"}}, "candidate"),
    ],
    ids=["huge", "negative", "over-a-day", "float-huge", "year-1", "year-9999",
         "before-1970", "after-2200", "year-1-offset", "status-int", "status-bool",
         "bare-id-status", "no-candidate"],
)
def test_absurd_values_are_refused_and_named(payload, named):
    with pytest.raises(InvalidResponse) as info:
        Interview.from_api(payload)
    assert named in info.value.message, info.value.message
    assert info.value.exit_code == 5


@pytest.mark.parametrize("duration", [0, 0.5, 145, 86_400])
def test_durations_within_a_day_pass(duration):
    iv = Interview.from_api(with_answer(duration_seconds=duration))
    assert iv.responses[0].duration_seconds == duration


def test_dates_at_the_edges_pass():
    iv = Interview.from_api(dict(good(), created_at="1970-01-01T00:00:00Z",
                                 completed_at="2200-12-31T23:59:59Z"))
    assert iv.created_at is not None and iv.created_at.year == 1970
    assert iv.completed_at is not None and iv.completed_at.year == 2200


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"total_questions": -1}, "total_questions"),
        ({"total_questions": 2**63}, "total_questions"),
        ({"estimated_duration_seconds": HUGE}, "estimated_duration_seconds"),
        ({"questions": [{"id": "a", "time_limit_seconds": -5}]}, "time_limit_seconds"),
        ({"questions": [{"id": "a", "order": 2**64}]}, "order"),
    ],
)
def test_question_numbers_are_range_checked(fields, named):
    payload = {"interview_id": SPEC_ID, "questions": [{"id": "a", "order": 0}], **fields}
    with pytest.raises(InvalidResponse) as info:
        QuestionSet.from_api(payload)
    assert named in info.value.message


# -- over the network ----------------------------------------------------------------------


@pytest.fixture
def fault():
    srv = FaultServer().start()
    yield srv
    srv.stop()


def serve(fault: FaultServer, payload: dict) -> None:
    fault.route(f"/api/v1/interviews/{SPEC_ID}", reply(200, json_bytes(payload)))


async def test_huge_duration_from_the_api_is_an_invalid_response_naming_the_interview(
        fault, tmp_path):
    serve(fault, with_answer(duration_seconds=HUGE))
    store = Store(tmp_path / "rz.db")
    try:
        async with ApiClient(fault.base_url, KEY, max_attempts=1) as api:
            with pytest.raises(InvalidResponse) as info:
                await Service(store, api).interview(SPEC_ID)
            result = await Service(store, api).add([SPEC_ID])
        assert SPEC_ID in info.value.message
        assert "duration_seconds" in info.value.message
        assert exit_code_for(info.value) == 5
        assert store.interview_json(SPEC_ID) is None  # nothing absurd was cached
        assert result is not None
    finally:
        store.close()


# -- a store that cached the value before the gate -----------------------------------------


def poison(store: Store, payload: dict, *, version: int | None = 5) -> None:
    """Cache ``payload`` as a version before the gate did: the model built without its checks
    (what the old gate let through), saved through the store as it is, then the file closed."""
    from dataclasses import replace

    from rztui.api.models import Response

    checked = Interview.from_api(good())
    answers = tuple(
        replace(r, duration_seconds=a.get("duration_seconds"))
        if isinstance(a.get("duration_seconds"), int) else r
        for r, a in zip(checked.responses, payload["responses"], strict=True))
    assert all(isinstance(r, Response) for r in answers)
    store.track([payload["id"]])
    store.save_interview(replace(checked, responses=answers, raw=payload))
    store.close()
    if version is not None:  # the schema of the version that cached it
        import sqlite3

        conn = sqlite3.connect(store.path)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.close()


def test_a_poisoned_row_reads_back_as_not_cached(tmp_path):
    path = tmp_path / "rz.db"
    poison(Store(path), with_answer(duration_seconds=HUGE), version=None)
    store = Store(path)
    try:
        assert store.get_interview(SPEC_ID) is None  # refused by the gate: fetched again
        assert store.cached_status(SPEC_ID) == "completed"
    finally:
        store.close()


def test_opening_an_older_store_drops_what_the_gate_refuses(tmp_path, save_demo_data):
    path = tmp_path / "rz.db"
    poison(Store(path), with_answer(duration_seconds=HUGE))
    store = Store(path)
    try:
        assert store.cached_status(SPEC_ID) is None  # not cached: fetched again
        assert store.is_tracked(SPEC_ID)
        save_demo_data(store)  # the search index took the drop cleanly: writes and reads go on
        assert store.get_interview(SPEC_ID) is not None
        assert store.search_rows('"react"', limit=5)
    finally:
        store.close()


async def test_a_poisoned_row_is_fetched_again(demo, tmp_path):
    path = tmp_path / "rz.db"
    poison(Store(path), with_answer(duration_seconds=HUGE))
    store = Store(path)
    try:
        async with ApiClient(demo.base_url, DEMO_KEY, max_attempts=1) as api:
            iv = await Service(store, api).interview(SPEC_ID)
        assert all(0 <= (r.duration_seconds or 0) <= 86_400 for r in iv.responses)
        assert store.get_interview(SPEC_ID) == iv  # repaired by the fetch
    finally:
        store.close()


def cli(home: Path, base_url: str, *args: str):
    from rztui.cli.group import main

    env = {"RZTUI_HOME": str(home), "ROUNDZERO_API_KEY": KEY, "ROUNDZERO_BASE_URL": base_url,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("command", ["get", "review"])
def test_get_and_review_of_a_huge_duration_exit_5_named(fault, tmp_path, command):
    serve(fault, with_answer(duration_seconds=HUGE))
    res = cli(tmp_path / "home", fault.base_url, command, SPEC_ID)
    assert res.exit_code == 5, res.output
    assert "duration_seconds" in res.stderr and SPEC_ID in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("command", ["get", "review"])
def test_get_and_review_over_a_poisoned_store_exit_5_not_1(fault, tmp_path, command):
    home = tmp_path / "home"
    poison(Store(home / "data" / "rztui.db"), with_answer(duration_seconds=HUGE))
    serve(fault, with_answer(duration_seconds=HUGE))  # the API still sends it
    res = cli(home, fault.base_url, command, SPEC_ID)
    assert res.exit_code == 5, res.output
    assert "duration_seconds" in res.stderr


# -- imports go through the same gate ------------------------------------------------------


def test_import_refuses_absurd_items_named_and_keeps_the_good_ones(tmp_path):
    import io

    from rztui.files.importing import import_stream

    lines = [
        dict(good(), status=5),
        {"id": "c0ffee00-0000-4000-8000-000000000001", "status": "completed"},
        dict(with_answer(duration_seconds=HUGE), id="c0ffee00-0000-4000-8000-000000000002"),
        good(),
    ]
    data = b"\n".join(json_bytes(p) for p in lines) + b"\n"
    bad: list = []
    store = Store(tmp_path / "rz.db")
    try:
        result = import_stream(store, io.BytesIO(data), on_bad=bad.append)
        assert (result.imported, result.bad) == (1, 3)
        assert [b.line for b in bad] == [1, 2, 3]
        assert "status is not a string" in bad[0].reason
        assert "has no 'job'" in bad[1].reason
        assert "duration_seconds" in bad[2].reason
        assert store.tracked_ids() == [SPEC_ID]
    finally:
        store.close()
