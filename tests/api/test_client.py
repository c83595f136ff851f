"""The API client against the real demo server over loopback (mocks only for odd faults)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from rztui.api.client import ApiClient, RateLimiter, normalise_base_url
from rztui.api.errors import (
    AuthError,
    InvalidId,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    SubscriptionInactive,
)
from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.service import FetchStats, Service
from rztui.store import Store

SPEC_ID = "660f9511-f30c-52e5-b827-557766551111"


def fast_client(base_url: str, key: str = DEMO_KEY, **kw) -> ApiClient:
    kw.setdefault("backoff_initial", 0.01)
    kw.setdefault("backoff_max", 0.05)
    return ApiClient(base_url, key, **kw)


async def test_spec_interview_both_endpoints(demo):
    async with fast_client(demo.base_url) as api:
        iv = await api.get_interview(SPEC_ID)
        qs = await api.get_questions(SPEC_ID)
    assert iv.status == "completed" and iv.candidate.name == "Jane Smith"
    assert [r.duration_seconds for r in iv.responses] == [145, 167]
    assert [q.order for q in qs.questions] == [0, 1, 10]
    assert qs.questions[-1].is_custom and qs.total_questions == 11
    assert api.rate.limit == 100 and api.rate.remaining is not None


async def test_every_status_parses(demo):
    async with fast_client(demo.base_url) as api:
        seen = set()
        for iid, _status in demo.ids_with_status():
            seen.add((await api.get_interview(iid)).status)
    assert {"completed", "in_progress", "invited", "expired"} <= seen


async def test_base_url_forms_and_pasted_urls(demo):
    assert normalise_base_url(demo.base_url + "/api/v1/") == demo.base_url
    async with fast_client(demo.base_url + "/api/v1") as api:
        iv = await api.get_interview(f"{demo.base_url}/api/v1/interviews/{SPEC_ID}/questions")
    assert iv.id == SPEC_ID


async def test_odd_ids_are_encoded_as_one_segment(demo):
    async with fast_client(demo.base_url) as api:
        with pytest.raises(NotFound) as info:
            await api.get_interview("café%2F..%2Fx")
        assert "café%2F..%2Fx" in info.value.message
        with pytest.raises(InvalidId):
            await api.get_interview("../etc")
        assert api.requests_sent == 1  # the bad id never left the machine


@pytest.mark.parametrize(
    "key, exc, code",
    [
        ("rz_wrong_key_123456", AuthError, 4),
        ("", AuthError, 4),
        ("rz_demo_inactive", SubscriptionInactive, 4),
    ],
)
async def test_auth_errors_never_contain_the_key(demo, key, exc, code):
    async with fast_client(demo.base_url, key) as api:
        with pytest.raises(exc) as info:
            await api.get_interview(SPEC_ID)
    assert info.value.exit_code == code and SPEC_ID in info.value.message
    if key:
        assert key not in info.value.message and key not in repr(info.value.args)


async def test_not_found_names_the_id(demo):
    async with fast_client(demo.base_url) as api:
        with pytest.raises(NotFound) as info:
            await api.get_interview("no-such-interview")
    assert info.value.exit_code == 3 and "no-such-interview" in info.value.message


async def test_non_json_and_wrong_shape_bodies(demo):
    async with fast_client(demo.base_url, max_attempts=2) as api:
        with pytest.raises(ServerError) as info:
            await api.get_interview("demo-html-500")
        assert "non-JSON" in info.value.message and info.value.exit_code == 5
        with pytest.raises(InvalidResponse):
            await api.get_interview("demo-bad-json")
        with pytest.raises(InvalidResponse):
            await api.get_interview("demo-wrong-shape")


async def test_5xx_is_retried_then_reported(demo):
    demo.set_faults(error_rate=1.0)
    demo.reset_stats()
    async with fast_client(demo.base_url, max_attempts=3) as api:
        with pytest.raises(ServerError):
            await api.get_interview(SPEC_ID)
    assert demo.stats.total_requests == 3


@pytest.mark.slow
async def test_429_honours_retry_after_and_recovers():
    with DemoServer(port=0, rate_limit=3, rate_window=1.0) as server:
        async with fast_client(server.base_url, max_attempts=4) as api:
            api.limiter = RateLimiter()  # forget pacing so we really draw a 429
            # Spend the window behind the client's back, then ask.
            async with httpx.AsyncClient() as raw:
                for _ in range(3):
                    await raw.get(
                        f"{server.base_url}/api/v1/interviews/{SPEC_ID}",
                        headers={"Authorization": f"Bearer {DEMO_KEY}"},
                    )
            started = time.monotonic()
            iv = await api.get_interview(SPEC_ID)
        assert iv.id == SPEC_ID
        assert server.stats.rate_limited >= 1
        assert time.monotonic() - started >= 0.2  # it waited for the window


@pytest.mark.slow
async def test_pacing_never_draws_a_429():
    with DemoServer(port=0, rate_limit=10, rate_window=1.0) as server:
        async with fast_client(server.base_url, concurrency=8) as api:
            ids = [i for i, s in server.ids_with_status()][:30]
            results = await api.gather_bounded(ids, api.get_interview)
        assert all(not isinstance(v, Exception) for v in results.values())
        assert server.stats.rate_limited == 0
        assert api.limiter.waits >= 1


async def test_rate_limited_after_bounded_retries():
    with DemoServer(port=0, rate_limit=1, rate_window=30.0) as server:
        async with fast_client(server.base_url, max_attempts=1) as api:
            await api.get_interview(SPEC_ID)
            api.limiter = RateLimiter()  # forget pacing so the next request draws the 429
            with pytest.raises(RateLimited) as info:
                await api.get_interview(SPEC_ID)
    assert info.value.exit_code == 5 and 0 < info.value.retry_after <= 30
    assert "retry in" in info.value.message


async def test_cache_serves_completed_with_zero_requests(demo, tmp_path):
    store = Store(tmp_path / "rz.db")
    async with fast_client(demo.base_url) as api:
        svc = Service(store, api)
        await svc.interview(SPEC_ID)
        demo.reset_stats()
        again = await svc.interview(SPEC_ID)
        assert again.candidate.name == "Jane Smith" and demo.stats.total_requests == 0
        await svc.interview(SPEC_ID, refresh=True)
        assert demo.stats.total_requests == 1
    offline = Service(store, fast_client("http://127.0.0.1:9"))  # nothing listens there
    assert (await offline.interview(SPEC_ID)).id == SPEC_ID


async def test_non_terminal_is_fetched_again(demo, tmp_path):
    store = Store(tmp_path / "rz.db")
    invited = next(i for i, s in demo.ids_with_status() if s == "invited")
    async with fast_client(demo.base_url) as api:
        svc = Service(store, api)
        await svc.interview(invited)
        demo.reset_stats()
        await svc.interview(invited)
    assert demo.stats.total_requests == 1


async def test_bulk_fetch_bounded_concurrency_with_cache(tmp_path):
    with DemoServer(port=0, latency_ms=50, extra_completed=24) as server:
        store = Store(tmp_path / "rz.db")
        ids = [i for i, s in server.ids_with_status() if i.startswith("bulk-")][:24]
        async with fast_client(server.base_url, concurrency=8) as api:
            svc = Service(store, api)
            stats = FetchStats()
            results = await svc.interviews(ids + ["bad/id"], stats=stats)
            assert stats.requests == 24 and set(stats.failures) == {"bad/id"}
            assert sum(not isinstance(v, Exception) for v in results.values()) == 24
            # Concurrent, and bounded: counted at the server, not timed (the machine is noisy).
            assert 2 <= server.stats.max_in_flight <= 8
            again = FetchStats()
            await svc.interviews(ids, stats=again)
            assert again.requests == 0 and again.cache_hits == 24


async def test_audio_is_fetched_without_authorization(demo):
    async with fast_client(demo.base_url) as api:
        iv = await api.get_interview(SPEC_ID)
        url = next(r.audio_url for r in iv.responses if r.audio_url)
        assert not url.startswith(demo.base_url)
        resp = await api.audio_client().get(url)
    assert resp.status_code == 200 and resp.content[:4] == b"RIFF"
    seen = demo.stats.audio_headers
    assert seen and all("authorization" not in {k.lower() for k in h} for h in seen)


async def test_user_agent_and_auth_header_sent_to_api_only():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": {"type": "resource_not_found", "message": "x"}})

    api = ApiClient(
        "https://api.example", "rz_live_secret1234", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(NotFound):
        await api.get_interview("abc")
    await api.aclose()
    assert seen[0].headers["authorization"] == "Bearer rz_live_secret1234"
    assert seen[0].headers["user-agent"].startswith("rztui/")
    assert "authorization" not in api.audio_client().headers


async def test_timeout_and_connection_errors_are_retried_then_reported():
    calls = {"n": 0}

    def timeout(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        raise httpx.ReadTimeout("slow", request=request)

    api = fast_client("https://api.example", transport=httpx.MockTransport(timeout), max_attempts=3)
    with pytest.raises(RequestTimeout) as info:
        await api.get_interview("abc")
    assert calls["n"] == 3 and info.value.exit_code == 5 and "abc" in info.value.message
    await api.aclose()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api = fast_client("https://api.example", transport=httpx.MockTransport(refuse), max_attempts=2)
    with pytest.raises(NetworkError):
        await api.get_interview("abc")
    await api.aclose()


async def test_transient_failure_then_success():
    calls = {"n": 0}
    body = dataset.snapshot(SPEC_ID, 0.0)

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("reset", request=request)
        return httpx.Response(200, json=body)

    async with fast_client("https://api.example", transport=httpx.MockTransport(flaky)) as api:
        iv = await api.get_interview(SPEC_ID)
    assert iv.id == SPEC_ID and calls["n"] == 2


async def test_limiter_waits_for_reset_when_window_is_spent():
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.release(
        httpx.Headers(
            {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000"}
        )
    )
    # reset is "now": a new window, no wait
    await asyncio.wait_for(limiter.acquire(), 1)
    assert limiter.waits == 0
