"""One transport for every method: what a write sends, and when it is (never) sent again.

Against the fault server over loopback; each test counts the requests the server really saw.
"""

from __future__ import annotations

import time

import httpx
import pytest
from faultserver import FaultServer, drop, reply, sequence, silent

from rztui.api.client import ApiClient, check_idempotency_key, new_idempotency_key
from rztui.api.errors import (
    ApiError,
    InvalidResponse,
    NetworkError,
    OutcomeUnknown,
    RateLimited,
    ResponseTooLarge,
    ServerError,
)

KEY = "rz_test_request_0123456789"
INV = "/api/v1/invitations"
BODY = {"job_id": "550e8400-e29b-41d4-a716-446655440000", "candidate_name": "Zoë Ångström"}
CREATED = {"id": "770g0622-g41d-63f6-c938-668877662222", "status": "invited",
           "interview_url": "https://interview.round0.io/interview/" + "a" * 32}
IDEM = "4f1c2a8e-3b7d-4e0a-9c55-0d6b2f7e8a91"


def client(srv: FaultServer, **kw: object) -> ApiClient:
    kw.setdefault("backoff_initial", 0.01)
    kw.setdefault("backoff_max", 0.02)
    return ApiClient(srv.base_url, KEY, **kw)  # type: ignore[arg-type]


def created(status: int = 201):
    return reply(status, CREATED)


def unavailable():
    return reply(503, b"<html>down</html>", content_type="text/html")


def limited(seconds: str):
    return reply(429, {"error": {"type": "rate_limit_exceeded",
                                 "message": "Rate limit exceeded. Please retry after 1 seconds."}},
                 [("Retry-After", seconds)])


@pytest.fixture
def srv():
    with FaultServer() as server:
        yield server


# --------------------------------------------------------------------------- what is sent


@pytest.mark.parametrize("status", [200, 201])
async def test_a_post_sends_json_and_its_key_and_accepts_200_and_201(srv, status):
    srv.route(INV, created(status))
    async with client(srv) as api:
        assert await api.request("POST", INV, json=BODY, idempotency_key=IDEM) == CREATED
    [req] = srv.stats.seen(INV)
    assert req.method == "POST" and req.json() == BODY
    assert req.headers["content-type"] == "application/json"
    assert req.headers["idempotency-key"] == IDEM
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["content-length"] == str(len(req.body))


async def test_no_key_no_body_no_header(srv):
    srv.route(INV, created())
    async with client(srv) as api:
        await api.request("POST", INV)
    [req] = srv.stats.seen(INV)
    assert req.body == b"" and "content-type" not in req.headers
    assert "idempotency-key" not in req.headers


async def test_get_is_unchanged_and_get_json_goes_through_request(srv):
    path = "/api/v1/interviews/x"
    srv.route(path, sequence(unavailable(), reply(200, {"id": "x"})))
    async with client(srv) as api:
        assert await api.get_json(path) == {"id": "x"}  # retried after the 503, no key needed
        assert await api.request("get", path) == {"id": "x"}
    seen = srv.stats.seen(path)
    assert [r.method for r in seen] == ["GET"] * 3
    assert all(r.body == b"" and "content-type" not in r.headers
               and "idempotency-key" not in r.headers for r in seen)


# --------------------------------------------------------------------------- with a key


@pytest.mark.parametrize("fault", [unavailable, drop], ids=["503", "dropped"])
async def test_a_keyed_post_is_sent_again_with_the_same_key(srv, fault):
    srv.route(INV, sequence(fault(), created()))
    waits: list[str] = []
    async with client(srv, on_wait=lambda s, r: waits.append(r)) as api:
        assert await api.request("POST", INV, json=BODY, idempotency_key=IDEM) == CREATED
    seen = srv.stats.seen(INV)
    assert len(seen) == 2 and api.requests_sent == 2
    assert [r.method for r in seen] == ["POST", "POST"]
    assert [r.headers["idempotency-key"] for r in seen] == [IDEM, IDEM]
    assert seen[0].body == seen[1].body and seen[0].json() == BODY  # the very same bytes
    assert waits == ["backoff"]


async def test_a_keyed_post_that_keeps_failing_is_outcome_unknown(srv):
    srv.route(INV, unavailable())
    async with client(srv, max_attempts=3) as api:
        with pytest.raises(OutcomeUnknown) as info:
            await api.request("POST", INV, json=BODY, idempotency_key=IDEM)
    assert srv.stats.count(INV, "POST") == 3
    assert {r.headers["idempotency-key"] for r in srv.stats.seen(INV)} == {IDEM}
    err = info.value
    assert isinstance(err.cause, ServerError) and err.idempotency_key == IDEM
    assert err.exit_code == 5 and not isinstance(err, NetworkError)
    assert "outcome unknown" in err.message and "same Idempotency-Key is safe" in err.message


async def test_a_503_then_a_429_still_leaves_the_outcome_unknown(srv):
    # The 429 refused the second attempt; the first, answered 503, may have been done.
    srv.route(INV, sequence(unavailable(), limited("0")))
    async with client(srv, max_attempts=2) as api:
        with pytest.raises(OutcomeUnknown) as info:
            await api.request("POST", INV, json=BODY, idempotency_key=IDEM)
    assert srv.stats.count(INV) == 2 and isinstance(info.value.cause, RateLimited)


# --------------------------------------------------------------------------- without a key


@pytest.mark.parametrize("fault", [unavailable, drop, silent], ids=["503", "dropped", "silent"])
async def test_a_post_without_key_is_sent_once(srv, fault):
    srv.route(INV, sequence(fault(), created()))
    async with client(srv, timeout=0.3, max_attempts=4) as api:
        with pytest.raises(OutcomeUnknown) as info:
            await api.request("POST", INV, json=BODY)
    assert srv.stats.count(INV) == 1 and api.requests_sent == 1
    assert "idempotency-key" not in srv.stats.seen(INV)[0].headers
    err = info.value
    assert err.idempotency_key is None and isinstance(err.cause, NetworkError | ServerError)
    assert err.message.startswith(f"POST {INV}: outcome unknown (")
    assert "may have been done: check before sending it again" in err.message


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
async def test_other_writes_without_key_are_sent_once_too(srv, method):
    srv.route(INV, unavailable())
    async with client(srv) as api:
        with pytest.raises(OutcomeUnknown):
            await api.request(method, INV, json=BODY)
    assert srv.stats.count(INV, method) == 1


async def test_a_refused_connect_is_tried_again_even_without_a_key():
    # Counting connection attempts needs a transport: a port nobody listens on cannot count.
    calls: list[httpx.Request] = []

    def refuse_then_create(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json=CREATED)

    async with ApiClient("https://api.example", KEY, backoff_initial=0.01,
                         transport=httpx.MockTransport(refuse_then_create)) as api:
        assert await api.request("POST", INV, json=BODY) == CREATED
    assert len(calls) == 2

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with ApiClient("https://api.example", KEY, backoff_initial=0.01, max_attempts=2,
                         transport=httpx.MockTransport(refuse)) as api:
        with pytest.raises(NetworkError) as info:  # never sent, so nothing is unknown
            await api.request("POST", INV, json=BODY)
    assert not isinstance(info.value, OutcomeUnknown) and not info.value.request_sent


# --------------------------------------------------------------------------- 429 and refusals


@pytest.mark.parametrize("idem", [None, IDEM], ids=["no-key", "key"])
async def test_a_429_on_a_post_is_waited_out_and_sent_again(srv, idem):
    srv.route(INV, sequence(limited("1"), created()))
    waits: list[tuple[float, str]] = []
    async with client(srv, on_wait=lambda s, r: waits.append((s, r))) as api:
        started = time.monotonic()
        assert await api.request("POST", INV, json=BODY, idempotency_key=idem) == CREATED
        elapsed = time.monotonic() - started
    seen = srv.stats.seen(INV)
    assert len(seen) == 2 and seen[0].body == seen[1].body
    assert [r.headers.get("idempotency-key") for r in seen] == [idem, idem]
    assert 0.9 <= elapsed < 3.0, elapsed
    assert waits and all(r == "retry_after" and 0.5 < s <= 1.01 for s, r in waits), waits


async def test_a_long_429_on_a_post_is_a_refusal_not_an_unknown(srv):
    srv.route(INV, limited("3600"))
    async with client(srv, max_retry_wait=5) as api:
        with pytest.raises(RateLimited) as info:
            await api.request("POST", INV, json=BODY)
    assert not isinstance(info.value, OutcomeUnknown) and "retry in 3600s" in info.value.message
    assert srv.stats.count(INV) == 1


@pytest.mark.parametrize("status", [400, 409, 422])
async def test_a_refusal_is_shown_as_given_and_never_retried(srv, status):
    envelope = {"error": {"type": "validation_error", "message": "job_id is required"}}
    srv.route(INV, reply(status, envelope))
    async with client(srv) as api:
        with pytest.raises(ApiError) as info:
            await api.request("POST", INV, json={"candidate_name": "x"}, idempotency_key=IDEM)
    err = info.value
    assert type(err) is ApiError and err.status == status and err.error_type == "validation_error"
    assert f"HTTP {status} (validation_error): job_id is required" in err.message
    assert srv.stats.count(INV) == 1


# --------------------------------------------------------------------------- done, unusable


@pytest.mark.parametrize(
    "handler, status",
    [(reply(201, b"<html>ok</html>", content_type="text/html"), 201),
     (reply(204, b""), 204),
     (reply(202, {"queued": True}), 202)],
    ids=["201-html", "204-empty", "202"],
)
async def test_an_unusable_answer_to_a_post_says_it_was_done(srv, handler, status):
    srv.route(INV, handler)
    async with client(srv) as api:
        with pytest.raises(InvalidResponse) as info:
            await api.request("POST", INV, json=BODY)
    assert info.value.accepted_status == status
    assert f"the API accepted the POST (HTTP {status})" in info.value.message
    assert srv.stats.count(INV) == 1


async def test_an_oversized_answer_to_a_post_says_it_was_done(srv):
    srv.route(INV, created())
    async with client(srv) as api:
        with pytest.raises(ResponseTooLarge) as info:
            await api.request("POST", INV, json=BODY, idempotency_key=IDEM, max_bytes=10)
    assert info.value.accepted_status == 201 and "larger than 10 bytes" in info.value.message
    assert srv.stats.count(INV) == 1


async def test_a_get_answered_204_is_still_an_unexpected_status(srv):
    srv.route("/api/v1/interviews/x", reply(204, b""))
    async with client(srv) as api:
        with pytest.raises(ApiError, match="unexpected HTTP 204"):
            await api.get_json("/api/v1/interviews/x")


# --------------------------------------------------------------------------- refused up front


@pytest.mark.parametrize(
    "kw",
    [
        {"idempotency_key": "a\r\nX-Evil: 1"},
        {"idempotency_key": ""},
        {"idempotency_key": "with space"},
        {"idempotency_key": "k" * 256},
        {"json": {"score": float("nan")}},
        {"json": {"when": object()}},
        {"method": "TRACE"},
        {"method": "POST\r\n"},
        {"path": "api/v1/invitations"},
        {"path": "//evil.example/api/v1/invitations"},
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(srv, kw):
    args = {"method": "POST", "path": INV, "json": BODY, **kw}
    srv.route(INV, created())
    async with client(srv) as api:
        with pytest.raises(ValueError):
            await api.request(args.pop("method"), args.pop("path"), **args)
        assert api.requests_sent == 0
    assert srv.stats.requests == []


async def test_the_key_never_leaves_for_another_origin(srv):
    with FaultServer() as other:
        other.route(INV, created())
        async with client(srv) as api:
            with pytest.raises(ValueError):
                await api.request("POST", other.base_url + INV, json=BODY)
            with pytest.raises(ValueError):
                await api.get_json(other.base_url + "/api/v1/interviews/x")
        assert other.stats.requests == [] and srv.stats.requests == []


def test_new_keys_are_fresh_and_valid():
    keys = {new_idempotency_key() for _ in range(100)}
    assert len(keys) == 100 and all(check_idempotency_key(k) == k for k in keys)
