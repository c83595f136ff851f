"""The client against a hostile server (tests/api/faultserver.py): size, time, JSON, 429, ids.

Every case here was first seen as a crash, a hang or gigabytes of memory; each must now end as
one typed error (one line naming the interview, exit 5) for that item only, quickly.
"""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc

import httpx
import pytest
from faultserver import (
    FaultServer,
    GiB,
    MiB,
    echo_authorization,
    endless_chunked,
    gzip_bomb,
    huge_body,
    reply,
    sequence,
    trickle,
)

from rztui.api.body import loads
from rztui.api.client import ApiClient
from rztui.api.errors import (
    ConfigError,
    CredentialsError,
    DeadlineExceeded,
    InvalidResponse,
    NotFound,
    RateLimited,
    ResponseTooLarge,
    RZError,
    exit_code_for,
    redact,
)
from rztui.api.validate import validate_api_key, validate_base_url
from rztui.demo import dataset
from rztui.service import Service

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"
KEY = "rz_test_faults_0123456789"


def path(iid: str) -> str:
    return f"/api/v1/interviews/{iid}"


def interview(iid: str, **extra: object) -> dict[str, object]:
    body = dataset.snapshot(SPEC_ID, 0.0)
    assert body is not None
    return {**body, "id": iid, **extra}


def client(srv: FaultServer, key: str = KEY, **kw: object) -> ApiClient:
    kw.setdefault("backoff_initial", 0.01)
    kw.setdefault("backoff_max", 0.02)
    return ApiClient(srv.base_url, key, **kw)  # type: ignore[arg-type]


@pytest.fixture
def srv():
    with FaultServer() as server:
        yield server


# --------------------------------------------------------------------------- size


async def test_gzip_bomb_stops_at_the_cap_in_little_memory(srv):
    handler = gzip_bomb(256 * MiB)
    srv.route(path("bomb"), handler)
    assert handler.compressed_size < 300 * 1024
    async with client(srv, max_response_bytes=1 * MiB) as api:
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(ResponseTooLarge) as info:
                await api.get_interview("bomb")
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    err = info.value
    assert isinstance(err, InvalidResponse) and exit_code_for(err) == 5
    assert err.message == "interview bomb: the answer is larger than 1 MiB: refused"
    assert srv.stats.count(path("bomb")) == 1  # never retried
    assert peak < 8 * MiB, peak  # the cap plus a few decode steps, not 256 MiB
    assert elapsed < 5


async def test_declared_oversized_body_is_refused_before_reading(srv):
    srv.route(path("big"), huge_body(1 * GiB))
    async with client(srv, max_response_bytes=1 * MiB) as api:
        with pytest.raises(ResponseTooLarge) as info:
            await api.get_interview("big")
    assert "interview big" in info.value.message and "1 MiB" in info.value.message
    assert srv.stats.count(path("big")) == 1
    # The server got to send at most what fits in socket buffers, nowhere near 1 GiB.
    await asyncio.sleep(0.2)
    assert srv.stats.bytes_sent[path("big")] < 64 * MiB


async def test_endless_chunked_body_stops_at_the_cap(srv):
    srv.route(path("endless"), endless_chunked())
    async with client(srv, max_response_bytes=2 * MiB) as api:
        with pytest.raises(ResponseTooLarge):
            await api.get_interview("endless")
    assert srv.stats.count(path("endless")) == 1


async def test_a_body_just_under_the_cap_is_fine(srv):
    body = json.dumps(interview("fits", pad="x" * 1000)).encode()
    srv.route(path("fits"), reply(200, body))
    async with client(srv, max_response_bytes=len(body)) as api:
        assert (await api.get_interview("fits")).id == "fits"
    async with client(srv, max_response_bytes=len(body) - 1) as api:
        with pytest.raises(ResponseTooLarge):
            await api.get_interview("fits")


async def test_gzip_and_deflate_answers_are_decoded(srv):
    import zlib

    body = json.dumps(interview("gz")).encode()
    gz = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    srv.route(path("gz"), reply(200, gz.compress(body) + gz.flush(),
                                [("Content-Encoding", "gzip")]))
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)  # "deflate" sent raw
    srv.route(path("gz2"), reply(200, raw.compress(body.replace(b'"gz"', b'"gz2"')) +
                                 raw.flush(), [("Content-Encoding", "deflate")]))
    srv.route(path("br"), reply(200, b"xx", [("Content-Encoding", "br")]))
    async with client(srv) as api:
        assert (await api.get_interview("gz")).id == "gz"
        assert (await api.get_interview("gz2")).id == "gz2"
        with pytest.raises(InvalidResponse, match="encoding"):
            await api.get_interview("br")
    assert srv.stats.requests[0].headers["accept-encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- time


async def test_trickling_body_hits_the_total_deadline(srv):
    srv.route(path("slow"), trickle(json.dumps(interview("slow")).encode(), 0.05))
    async with client(srv, deadline=0.5, timeout=5) as api:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as info:
            await api.get_interview("slow")
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 2.0
    assert info.value.exit_code == 5 and info.value.message.startswith("interview slow: ")
    assert srv.stats.count(path("slow")) == 1  # a trickle would trickle again: no retry


async def test_headers_that_never_end_hit_the_deadline(srv):
    srv.route(path("hdrs"), trickle(b"", 0.05, headers_too=True))
    async with client(srv, deadline=0.4, timeout=5) as api:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            await api.get_interview("hdrs")
    assert time.monotonic() - started < 2.0


# --------------------------------------------------------------------------- JSON


async def test_deep_json_fails_that_item_only(srv, store):
    srv.route(path("deep"), reply(200, b"[" * 100_000 + b"]" * 100_000))
    srv.route(path("deep2"), reply(200, b'{"id": "deep2", "x": ' + b"[" * 300 + b"]" * 300
                                   + b', "status": "completed"}'))
    srv.route(path("ok"), reply(200, interview("ok")))
    async with client(srv) as api:
        results = await Service(store, api).interviews(["deep", "ok", "deep2"])
    assert results["ok"].id == "ok"
    for iid in ("deep", "deep2"):
        err = results[iid]
        assert isinstance(err, InvalidResponse), err
        assert err.message.startswith(f"interview {iid}: ") and "nests deeper" in err.message


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
async def test_non_finite_numbers_are_refused(srv, token):
    body = json.dumps(interview("nan")).encode()[:-1] + f', "extra": {token}}}'.encode()
    srv.route(path("nan"), reply(200, body))
    async with client(srv) as api:
        with pytest.raises(InvalidResponse) as info:
            await api.get_interview("nan")
    assert "is not JSON" in info.value.message


def test_strict_loads_keeps_every_json_output_strict():
    value = loads(b'{"a": [1, 2.5, -0.0, 1e300, "NaN"], "b": {"c": null}}')
    json.dumps(value, allow_nan=False)  # would raise on NaN/inf
    with pytest.raises(InvalidResponse):
        loads(b'{"a": NaN}')
    with pytest.raises(InvalidResponse):
        loads(b"\xff\xfe{")


async def test_body_about_another_interview_is_refused(srv, store):
    store.save_interview(api_interview := _model(interview("victim")))
    srv.route(path("asked"), reply(200, interview("victim", status="expired")))
    async with client(srv) as api:
        with pytest.raises(InvalidResponse) as info:
            await Service(store, api).interview("asked", refresh=True)
    assert info.value.message.startswith("interview asked: the API answered with another")
    assert store.get_interview("victim").status == api_interview.status  # untouched
    assert store.get_interview("asked") is None


async def test_questions_about_another_interview_are_refused(srv):
    body = dataset.questions_payload(SPEC_ID)
    srv.route(path("q1") + "/questions", reply(200, body))
    async with client(srv) as api:
        with pytest.raises(InvalidResponse, match="another interview's questions"):
            await api.get_questions("q1")


def _model(body: dict[str, object]):
    from rztui.api.models import Interview

    return Interview.from_api(body)


# --------------------------------------------------------------------------- 429


@pytest.mark.slow
async def test_retry_after_is_waited_exactly_and_shown(srv):
    reset = int(time.time()) + 60
    limited = reply(
        429, {"error": {"type": "rate_limit_exceeded", "message": "slow down"}},
        [("Retry-After", "1"), ("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "0"),
         ("X-RateLimit-Reset", str(reset))],
    )
    srv.route(path("a"), sequence(limited, reply(200, interview("a"))))
    srv.route(path("b"), reply(200, interview("b")))
    waits: list[tuple[float, str]] = []
    async with client(srv, on_wait=lambda s, r: waits.append((s, r))) as api:
        started = time.monotonic()
        first = asyncio.create_task(api.get_interview("a"))
        await asyncio.sleep(0.2)  # the 429 is in: "b" must wait for it too, but only 1 s
        other = await asyncio.wait_for(api.get_interview("b"), 5)
        done = await asyncio.wait_for(first, 5)
        elapsed = time.monotonic() - started
    assert done.id == "a" and other.id == "b"
    assert 0.9 <= elapsed < 3.0, elapsed  # not the ~60 s until X-RateLimit-Reset
    assert waits and all(r == "retry_after" for _, r in waits)
    assert all(0.5 < s <= 1.01 for s, _ in waits), waits


async def test_on_wait_reports_backoff_and_can_be_set_later(srv):
    srv.route(path("flaky"), sequence(reply(503, b"down", content_type="text/plain"),
                                      reply(200, interview("flaky"))))
    seen: list[tuple[float, str]] = []
    async with client(srv) as api:
        api.on_wait = lambda s, r: seen.append((s, r))
        assert (await api.get_interview("flaky")).id == "flaky"
        api.on_wait = None
    assert [r for _, r in seen] == ["backoff"] and seen[0][0] > 0


async def test_no_backoff_is_reported_after_the_last_attempt(srv):
    srv.route(path("down"), reply(503, b"down", content_type="text/plain"))
    seen: list[tuple[float, str]] = []
    async with client(srv, max_attempts=2, on_wait=lambda s, r: seen.append((s, r))) as api:
        with pytest.raises(RZError):
            await api.get_interview("down")
    assert [r for _, r in seen] == ["backoff"]  # one wait between the two tries, none after


async def test_a_failing_on_wait_never_breaks_the_request(srv):
    srv.route(path("flaky"), sequence(reply(503, b"down"), reply(200, interview("flaky"))))

    def broken(seconds: float, reason: str) -> None:
        raise RuntimeError("the UI is gone")

    async with client(srv, on_wait=broken) as api:
        assert (await api.get_interview("flaky")).id == "flaky"


async def test_a_very_long_retry_after_is_reported_not_slept(srv):
    srv.route(path("long"), reply(429, b"{}", [("Retry-After", "3600")]))
    async with client(srv, max_retry_wait=5) as api:
        started = time.monotonic()
        with pytest.raises(RateLimited) as info:
            await api.get_interview("long")
    assert time.monotonic() - started < 1 and "retry in 3600s" in info.value.message
    assert srv.stats.count(path("long")) == 1


# --------------------------------------------------------------------------- the key


@pytest.mark.parametrize("key", ["notrz-secret-abcdef", "rz_live_with a space", "sk-XYZ1234"])
async def test_an_echoed_key_is_never_printed(srv, key):
    srv.route(path("x"), echo_authorization(401))
    srv.route(path("y"), echo_authorization(500))
    async with client(srv, key, max_attempts=1) as api:
        for iid in ("x", "y"):
            with pytest.raises(Exception) as info:
                await api.get_interview(iid)
            text = f"{info.value.message} {info.value!r} {info.value.args}"
            assert "Invalid API key" in text
            assert not [part for part in key.split() if len(part) >= 4 and part in text], text
    assert key not in redact(f"oops {key} oops")


@pytest.mark.parametrize("key", ["rz_live_caf\u00e9", "rz_live_abc\r\nX-Evil: 1", "rz_\x00x",
                                 "rz_live_\u200babc"])
async def test_a_malformed_key_is_refused_up_front(srv, key):
    with pytest.raises(CredentialsError) as info:
        client(srv, key)
    assert exit_code_for(info.value) == 4 and key.strip() not in info.value.message
    assert srv.stats.requests == []
    with pytest.raises(CredentialsError):
        validate_api_key(key)


def test_find_key_refuses_a_malformed_key_from_the_environment(monkeypatch):
    from rztui.credentials import find_key

    monkeypatch.setenv("ROUNDZERO_API_KEY", "rz_live_\u00e9t\u00e9")
    with pytest.raises(CredentialsError, match="ROUNDZERO_API_KEY"):
        find_key()
    monkeypatch.setenv("ROUNDZERO_API_KEY", "  rz_live_fine  \n")
    assert find_key() == ("rz_live_fine", "environment")


# --------------------------------------------------------------------------- base URLs


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://user:hunter2@example.com", "user name or password"),
        ("https://:hunter2@example.com/api/v1", "user name or password"),
        ("http://[::1", "invalid base URL"),
        ("http://example.com:99999", "invalid base URL"),
        ("http://example.com:0", "invalid port"),
        ("http://example.com:abc", "invalid base URL"),
        ("http://exa\x1bmple.com", "control character"),
        ("http://example.com/\r\nHost: evil", "control character"),
        ("http://exa mple.com", "space"),
        ("ftp://example.com", "http:// or https://"),
        ("example.com", "http:// or https://"),
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://example.com/?q=1", "query or fragment"),
        ("http://example.com#x", "query or fragment"),
    ],
)
def test_bad_base_urls_are_usage_errors(url, words):
    with pytest.raises(ConfigError) as info:
        validate_base_url(url)
    assert exit_code_for(info.value) == 2 and words in info.value.message
    assert "hunter2" not in info.value.message and "\x1b" not in info.value.message
    with pytest.raises(ConfigError):
        ApiClient(url, KEY)


@pytest.mark.parametrize(
    "url, expected",
    [
        (None, "https://rz-app-omega.vercel.app"),
        ("  ", "https://rz-app-omega.vercel.app"),
        ("https://rz-app-omega.vercel.app/api/v1/", "https://rz-app-omega.vercel.app"),
        ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/api/v1", "http://[::1]:8080"),
        ("https://proxy.example/rz/api/v1", "https://proxy.example/rz"),
    ],
)
def test_good_base_urls(url, expected):
    assert validate_base_url(url) == expected


async def test_userinfo_never_turns_bearer_into_basic(srv):
    with pytest.raises(ConfigError):
        ApiClient(srv.base_url.replace("http://", "http://u:p@"), KEY)
    async with client(srv, max_attempts=1) as api:
        with pytest.raises(NotFound):
            await api.get_interview("nothing")
    assert srv.stats.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_get_interview_json_is_gone():
    assert not hasattr(ApiClient, "get_interview_json")


async def test_mock_transport_answers_still_work():
    body = interview("m")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    async with ApiClient("https://api.example", KEY,
                         transport=httpx.MockTransport(handler)) as api:
        assert (await api.get_interview("m")).id == "m"


# --------------------------------------------------------------------------- what failed, said


def raw(data: bytes):
    """Answer with exactly these bytes (whatever HTTP they break)."""

    async def handler(req, w) -> None:
        w.write(data)
        await w.drain()

    return handler


@pytest.mark.parametrize(("answer", "said"), [
    (b"HELLO THERE\r\n\r\n", "the API answered with broken HTTP"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "the API answered with broken HTTP"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 99\r\n\r\n0123456789",
     "the API answered with broken HTTP"),
    (b"", "the API closed the connection without answering"),
])
async def test_a_reached_server_that_breaks_http_is_not_called_unreachable(srv, answer, said):
    srv.route(path("p"), raw(answer))
    async with client(srv, max_attempts=1) as api:
        with pytest.raises(RZError) as info:
            await api.get_interview("p")
    message = info.value.message
    assert message.startswith(f"interview p: {said}"), message
    assert "cannot reach" not in message and exit_code_for(info.value) == 5


async def test_a_server_that_is_not_there_cannot_be_reached():
    async with ApiClient("http://127.0.0.1:9", KEY, max_attempts=1) as api:
        with pytest.raises(RZError) as info:
            await api.get_interview("p")
    assert info.value.message == "interview p: cannot reach the API (ConnectError)"


async def test_a_long_error_message_is_cut_at_a_word_with_an_ellipsis(srv):
    words = ("The candidate's recording could not be processed because the audio conversion "
             "service rejected the uploaded file after several attempts; please retry the "
             "conversion later or contact support with the reference shown in the dashboard")
    srv.route(path("long"), reply(422, {"error": {"type": "invalid_request_error",
                                                  "message": words}}))
    async with client(srv) as api:
        with pytest.raises(RZError) as info:
            await api.get_interview("long")
    said = info.value.message.split("): ", 1)[1]
    assert said.endswith("…") and len(said) <= 160, said
    kept = said[:-1].split()
    assert kept == words.split()[: len(kept)], said  # whole words only, none cut
