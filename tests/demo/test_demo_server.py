"""The demo server over real loopback HTTP: spec fidelity, auth, limits, faults, audio, data."""

from __future__ import annotations

import calendar
import http.client
import io
import json
import re
import time
import wave
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY, INACTIVE_KEY, SPEC_INTERVIEW_ID
from rztui.demo.server import FAULT_IDS, DemoServer, main_foreground

AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}

# Copied verbatim from interviews-api.txt, so the dataset cannot drift from the spec unnoticed.
SPEC_COMPLETED = json.loads("""
{
  "id": "660f9511-f30c-52e5-b827-557766551111",
  "status": "completed",
  "job": {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "title": "Senior Frontend Developer",
    "department": "Engineering"
  },
  "candidate": {
    "id": "770g0622-g41d-63f6-c938-668877662222",
    "name": "Jane Smith",
    "email": "jane@example.com"
  },
  "started_at": "2024-01-16T14:30:00Z",
  "completed_at": "2024-01-16T14:52:00Z",
  "responses": [
    {
      "question_id": "880h1733-h52e-74g7-d049-779988773333",
      "question_text": "Describe your experience with React hooks and when you would use them.",
      "question_type": "technical",
      "transcript": "I've been using React hooks extensively for the past three years. Hooks like useState and useEffect are fundamental to my development workflow. I particularly appreciate how they enable functional components to manage state and side effects without the complexity of class components. For instance, I recently used useReducer for complex state logic in a form validation system, and useMemo to optimize expensive calculations in a data visualization dashboard. The custom hooks I've created have helped our team maintain consistent patterns across the codebase.",
      "duration_seconds": 145,
      "answered_at": "2024-01-16T14:33:25Z"
    },
    {
      "question_id": "990i2844-i63f-85h8-e150-880099884444",
      "question_text": "Tell me about a challenging bug you fixed recently.",
      "question_type": "experience",
      "transcript": "Last month, we had an intermittent race condition that only appeared in production...",
      "duration_seconds": 167,
      "answered_at": "2024-01-16T14:38:12Z"
    }
  ],
  "created_at": "2024-01-15T10:30:00Z"
}
""")  # noqa: E501

SPEC_QUESTIONS = json.loads("""
{
  "interview_id": "660f9511-f30c-52e5-b827-557766551111",
  "questions": [
    {
      "id": "880h1733-h52e-74g7-d049-779988773333",
      "question_text": "Describe your experience with React hooks and when you would use them.",
      "question_type": "technical",
      "time_limit_seconds": 180,
      "order": 0
    },
    {
      "id": "990i2844-i63f-85h8-e150-880099884444",
      "question_text": "Tell me about a challenging bug you fixed recently.",
      "question_type": "experience",
      "time_limit_seconds": 180,
      "order": 1
    },
    {
      "id": "custom-aa0j3955-j74g-96i9-f261-991100995555",
      "question_text": "Why do you want to work at our company?",
      "question_type": "behavioral",
      "time_limit_seconds": 120,
      "order": 10,
      "is_custom": true
    }
  ],
  "total_questions": 11,
  "estimated_duration_seconds": 1260
}
""")

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")

# One pooled client: a fresh httpx client per call costs ~25 ms (TLS context) and hides
# the server's own speed. It sends no default headers, so each call states its own auth.
HTTP = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=64))


@pytest.fixture(scope="module", autouse=True)
def _close_http():
    yield
    HTTP.close()


@pytest.fixture
def server():
    with DemoServer(port=0) as srv:
        yield srv


@pytest.fixture(scope="module")
def shared():
    """One server for read-only tests (hypothesis needs a non-function-scoped fixture)."""
    with DemoServer(port=0, rate_limit=10**9) as srv:
        yield srv


def get(srv: DemoServer, path: str, headers: dict[str, str] | None = AUTH,
        **kw: object) -> httpx.Response:
    return HTTP.get(srv.base_url + path, headers=headers, **kw)  # type: ignore[arg-type]


def interview(srv: DemoServer, iid: str) -> httpx.Response:
    return get(srv, f"/api/v1/interviews/{quote(iid, safe='')}")


def assert_error(resp: httpx.Response, status: int, type_: str) -> None:
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["type"] == type_
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


# ----------------------------------------------------------------------------- spec fidelity


def test_spec_interview_matches_the_spec(shared):
    resp = interview(shared, SPEC_INTERVIEW_ID)
    assert resp.status_code == 200
    assert resp.headers["content-type"].split(";")[0] == "application/json"
    body = resp.json()
    # audio_url is documented in the field list but absent from the example: it is the only extra.
    for r in body["responses"]:
        assert r.pop("audio_url").startswith(shared.audio_base_url + "/audio/")
    assert body == SPEC_COMPLETED
    assert list(body) == list(SPEC_COMPLETED)  # same key order as the spec example


def test_spec_questions_payload_exact(shared):
    resp = get(shared, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}/questions")
    assert resp.status_code == 200 and resp.json() == SPEC_QUESTIONS
    assert dataset.questions_payload(SPEC_INTERVIEW_ID) == SPEC_QUESTIONS


def test_invited_shape_follows_the_non_completed_example(shared):
    iid = next(i for i, s in shared.ids_with_status() if s == "invited")
    body = interview(shared, iid).json()
    assert list(body) == ["id", "status", "job", "candidate", "created_at", "expires_at"]
    assert set(body["job"]) == {"id", "title"}
    expired = next(i for i, s in shared.ids_with_status() if s == "expired")
    assert set(interview(shared, expired).json()) == set(body)


# ----------------------------------------------------------------------------- auth and errors


@pytest.mark.parametrize("headers", [None, {"Authorization": "Bearer rz_live_wrong"},
                                     {"Authorization": f"Basic {DEMO_KEY}"},
                                     {"Authorization": "Bearer"}])
def test_missing_or_bad_key_is_401(shared, headers):
    resp = get(shared, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}", headers=headers)
    assert_error(resp, 401, "authentication_error")
    assert resp.json()["error"]["message"] == "Invalid API key"


def test_inactive_subscription_is_403(shared):
    resp = get(shared, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}",
               headers={"Authorization": f"Bearer {INACTIVE_KEY}"})
    assert_error(resp, 403, "subscription_inactive")


@pytest.mark.parametrize("path", [
    "/api/v1/interviews/no-such-interview",
    "/api/v1/interviews/" + quote(SPEC_INTERVIEW_ID + "/questions", safe=""),  # encoded '/'
    "/api/v1/interviews/..%2F..%2Fetc%2Fpasswd",
    f"/api/v1/interviews/{SPEC_INTERVIEW_ID}/",
    f"/api/v1/interviews/{SPEC_INTERVIEW_ID}/answers",
    "/api/v1/interviews/",
    "/api/v1/jobs",
    "/",
])
def test_not_found_envelope(shared, path):
    resp = get(shared, path)
    assert_error(resp, 404, "resource_not_found")
    assert resp.json()["error"]["message"] == "Interview not found"


def test_methods_other_than_get(shared):
    url = f"{shared.base_url}/api/v1/interviews/{SPEC_INTERVIEW_ID}"
    assert_error(HTTP.post(url, headers=AUTH, json={"x": 1}), 405, "method_not_allowed")
    head = HTTP.head(url, headers=AUTH)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40))
def test_any_id_is_200_or_404_never_a_crash(shared, raw_id):
    resp = interview(shared, raw_id)
    assert resp.status_code in (200, 404)
    if resp.status_code == 404:
        assert resp.json()["error"]["type"] == "resource_not_found"
    assert shared.stats.server_errors == []


# ----------------------------------------------------------------------------- rate limiting


def test_rate_limit_headers_on_every_response(server):
    responses = [
        interview(server, SPEC_INTERVIEW_ID),
        get(server, "/api/v1/interviews/nope"),
        get(server, "/nowhere"),
        get(server, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}", headers=None),
        get(server, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}",
            headers={"Authorization": f"Bearer {INACTIVE_KEY}"}),
        get(server, "/api/v1/interviews/demo-html-500"),
    ]
    now = time.time()
    for resp in responses:
        for h in RATE_HEADERS:
            assert re.fullmatch(r"\d+", resp.headers[h]), (resp.status_code, h)
        assert int(resp.headers["x-ratelimit-limit"]) == 100
        assert now - 1 <= int(resp.headers["x-ratelimit-reset"]) <= now + 61
    # Remaining counts down per key: the 3 calls with the demo key before demo-html-500.
    assert int(responses[-1].headers["x-ratelimit-remaining"]) == 100 - 4


def test_429_after_the_limit_with_retry_after(server):
    server.set_faults(rate_limit=3)
    codes = [interview(server, SPEC_INTERVIEW_ID) for _ in range(5)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in codes[:3]] == ["2", "1", "0"]
    limited = codes[3]
    assert_error(limited, 429, "rate_limit_exceeded")
    retry = int(limited.headers["retry-after"])
    assert 1 <= retry <= 60
    assert limited.json()["error"]["message"] == (
        f"Rate limit exceeded. Please retry after {retry} seconds.")
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert server.stats.rate_limited == 2
    # Another key has its own window.
    other = get(server, f"/api/v1/interviews/{SPEC_INTERVIEW_ID}", headers=None)
    assert other.status_code == 401


def test_window_resets_and_retry_after_can_be_omitted():
    with DemoServer(port=0, rate_limit=2, rate_window=0.5, send_retry_after=False) as srv:
        codes = [interview(srv, SPEC_INTERVIEW_ID) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert "retry-after" not in codes[2].headers
        time.sleep(0.6)
        assert interview(srv, SPEC_INTERVIEW_ID).status_code == 200


# ----------------------------------------------------------------------------- faults


def test_latency_knob_delays_and_requests_overlap(server):
    server.set_faults(latency_ms=250)
    started = time.monotonic()
    assert interview(server, SPEC_INTERVIEW_ID).status_code == 200
    assert time.monotonic() - started >= 0.25

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: interview(server, SPEC_INTERVIEW_ID).status_code,
                              range(8)))
    assert codes == [200] * 8
    assert time.monotonic() - started < 8 * 0.25 / 2  # concurrent, not queued

    server.set_faults(latency_ms=0)
    started = time.monotonic()
    interview(server, SPEC_INTERVIEW_ID)
    assert time.monotonic() - started < 0.25


def test_error_rate_one_gives_500_envelope_and_can_be_turned_off(server):
    server.set_faults(error_rate=1.0)
    resp = interview(server, SPEC_INTERVIEW_ID)
    assert_error(resp, 500, "internal_error")
    assert all(h in resp.headers for h in RATE_HEADERS)
    server.set_faults(error_rate=0.0)
    assert interview(server, SPEC_INTERVIEW_ID).status_code == 200


def test_error_rate_is_seeded():
    def pattern(seed: int) -> list[int]:
        with DemoServer(port=0, error_rate=0.5, seed=seed) as srv:
            return [interview(srv, SPEC_INTERVIEW_ID).status_code for _ in range(20)]

    first = pattern(7)
    assert first == pattern(7) and {200, 500} == set(first)


def test_special_fault_ids(shared):
    html = interview(shared, "demo-html-500")
    assert html.status_code == 502 and html.headers["content-type"].startswith("text/html")
    assert b"<html>" in html.content

    bad = interview(shared, "demo-bad-json")
    assert bad.status_code == 200 and bad.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.content)

    wrong = interview(shared, "demo-wrong-shape")
    assert wrong.status_code == 200 and wrong.json() == [1, 2, 3]

    types = interview(shared, "demo-bad-types").json()
    assert isinstance(types, dict) and not isinstance(types["id"], str)

    assert_error(interview(shared, "demo-internal-error"), 500, "internal_error")
    # Faults still sit behind auth, like every route.
    resp = get(shared, "/api/v1/interviews/demo-html-500", headers=None)
    assert_error(resp, 401, "authentication_error")
    for fid in FAULT_IDS:
        assert fid not in dict(shared.ids_with_status())


def test_slow_id_trips_a_client_timeout(shared):
    with pytest.raises(httpx.ReadTimeout):
        get(shared, "/api/v1/interviews/demo-slow", timeout=0.3)


# ----------------------------------------------------------------------------- audio


def audio_urls(srv: DemoServer, iid: str = SPEC_INTERVIEW_ID) -> list[str]:
    return [r["audio_url"] for r in interview(srv, iid).json()["responses"]]


def test_audio_is_a_valid_wav_without_authorization(server):
    url = audio_urls(server)[0]
    assert urlsplit(url).port != urlsplit(server.base_url).port  # another origin
    expires = int(re.search(r"expires=(\d+)", url).group(1))  # type: ignore[union-attr]
    assert abs(expires - (time.time() + 86400)) < 5

    resp = HTTP.get(url)
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/wav"
    assert int(resp.headers["content-length"]) == len(resp.content) < 20_000
    with wave.open(io.BytesIO(resp.content)) as w:
        assert w.getnchannels() == 1 and w.getframerate() > 0 and w.getnframes() > 0
    stats = server.stats
    assert stats.audio_requests == 1 and stats.audio_with_authorization == 0
    assert "authorization" not in stats.audio_headers[0]

    # A leak is recorded, not rejected: that is what lets client tests catch it.
    assert HTTP.get(url, headers=AUTH).status_code == 200
    assert server.stats.audio_with_authorization == 1


def test_audio_bad_signature_and_tampered_expiry_are_403(server):
    url = audio_urls(server)[0]
    sig = re.search(r"sig=([0-9a-f]+)", url).group(1)  # type: ignore[union-attr]
    forged = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    expires = re.search(r"expires=(\d+)", url).group(1)  # type: ignore[union-attr]
    later = url.replace(f"expires={expires}", f"expires={int(expires) + 3600}")
    other = url.replace(quote(SPEC_INTERVIEW_ID), "other-interview")
    for bad in (forged, later, other, url.split("?")[0]):
        resp = HTTP.get(bad)
        assert resp.status_code == 403 and b"<Error>" in resp.content, bad


def test_expired_audio_is_403():
    with DemoServer(port=0, audio_ttl_seconds=0) as srv:
        resp = HTTP.get(audio_urls(srv)[0])
        assert resp.status_code == 403 and b"expired" in resp.content


def test_traversal_question_id_stays_one_encoded_segment(shared):
    urls = audio_urls(shared, dataset.HOSTILE_CSV_ID)
    url = next(u for u in urls if "passwd" in u)
    assert "../" not in url and "%2F" in url
    assert HTTP.get(url).status_code == 200


def test_questions_payload_has_no_audio(shared):
    body = get(shared, f"/api/v1/interviews/{dataset.LONG_ID}/questions").json()
    assert "audio_url" not in json.dumps(body)


# ----------------------------------------------------------------------------- live progression


def test_snapshot_progression_is_deterministic():
    end = dataset.LIVE_END_SECONDS
    assert 120 <= end <= 180  # ~2-3 minutes at speed 1
    for iid in dataset.LIVE_IDS:
        assert dataset.status_at(iid, 0) == "invited"
        seen: list[str] = []
        counts: list[int] = []
        for t in range(0, int(end) + 2):
            snap = dataset.snapshot(iid, t)
            assert snap is not None and snap == dataset.snapshot(iid, t)
            if not seen or seen[-1] != snap["status"]:
                seen.append(snap["status"])
            counts.append(len(snap.get("responses", [])))
            if snap["status"] == "in_progress":
                assert "started_at" in snap and "completed_at" not in snap
        assert seen == ["invited", "in_progress", "completed"]
        assert counts == sorted(counts) and counts[-1] >= 3
        # Answers appear one at a time, not all at once.
        assert len(set(counts)) == counts[-1] + 1
    exp = dataset.LIVE_EXPIRING_ID
    assert dataset.status_at(exp, 0) == "invited"
    assert dataset.status_at(exp, end) == "expired"
    assert "responses" not in dataset.snapshot(exp, end)  # type: ignore[operator]


def test_live_timestamps_follow_epoch_and_speed():
    iid = dataset.LIVE_IDS[0]
    at_start = [t for t in range(200) if dataset.status_at(iid, t) == "in_progress"][0]
    snap = dataset.snapshot(iid, 1000, epoch=1_700_000_000, speed=at_start)
    assert snap is not None and snap["status"] == "completed"
    # The live event at dataset second `at_start` is stamped epoch + at_start / speed = +1 s.
    assert snap["started_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_001))
    assert snap["created_at"] < snap["started_at"] < snap["completed_at"]


@pytest.mark.slow
def test_live_server_progresses_with_speed():
    speed = 100.0  # the whole script in ~1.5 s
    iid = dataset.LIVE_IDS[0]
    with DemoServer(port=0, speed=speed, rate_limit=10**6) as srv:
        statuses: list[str] = []
        deadline = time.monotonic() + dataset.LIVE_END_SECONDS / speed + 5
        while time.monotonic() < deadline:
            body = interview(srv, iid).json()
            if not statuses or statuses[-1] != body["status"]:
                statuses.append(body["status"])
            if body["status"] == "completed":
                break
            time.sleep(0.02)
        assert statuses[-1] == "completed" and "in_progress" in statuses
        assert all(r["audio_url"] for r in body["responses"])
        started = calendar.timegm(time.strptime(body["started_at"], "%Y-%m-%dT%H:%M:%SZ"))
        assert abs(started - time.time()) < 30  # looks live
        time.sleep(max(0.0, (dataset.LIVE_END_SECONDS + 1) / speed - srv.elapsed / speed))
        final = dict(srv.ids_with_status())
        assert all(final[i] == "completed" for i in dataset.LIVE_IDS)
        assert final[dataset.LIVE_EXPIRING_ID] == "expired"


def test_advance_jumps_the_clock(server):
    server.advance(dataset.LIVE_END_SECONDS + 1)
    assert interview(server, dataset.LIVE_IDS[-1]).json()["status"] == "completed"


# ----------------------------------------------------------------------------- dataset


def test_dataset_invariants():
    ids = dataset.ALL_IDS
    assert len(ids) == len(set(ids)) >= 40
    statuses = Counter(dataset.INITIAL_STATUS.values())
    assert {"completed", "in_progress", "invited", "expired"} <= set(statuses)
    assert statuses["completed"] >= 20 and statuses["under_review"] == 1
    assert dataset.status_at(dataset.UNKNOWN_STATUS_ID) == "under_review"
    assert any(not re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)  # non-hex, like the spec

    snaps = {i: dataset.snapshot(i) for i in ids}
    longest = max(len(r["transcript"]) for s in snaps.values() for r in s.get("responses", []))
    assert longest >= 100_000
    assert max(len(r["transcript"]) for r in snaps[dataset.LONG_ID]["responses"]) >= 100_000

    blob = json.dumps(snaps, ensure_ascii=False)
    for needle in dataset.HOSTILE_SAMPLES:
        assert needle in blob or json.dumps(needle, ensure_ascii=False)[1:-1] in blob, needle
    hostile_names = [snaps[i]["candidate"]["name"] for i in dataset.HOSTILE_IDS]
    assert any("[@click=app.quit]" in n for n in hostile_names)
    assert any("\x1b" in n for n in hostile_names)
    assert any(re.search(r"[\u3040-\u30ff\u0600-\u06ff\u0400-\u04ff]", s["candidate"]["name"])
               for s in snaps.values())

    qids = {q["id"] for i in ids for q in dataset.questions_payload(i)["questions"]}  # type: ignore[index]
    assert dataset.TRAVERSAL_QUESTION_ID in qids
    assert any(q.startswith("custom-") for q in qids)

    missing = snaps[dataset.MISSING_FIELDS_ID]
    assert "department" not in missing["job"] and "email" not in missing["candidate"]
    assert all("audio_url" not in r for r in missing["responses"])


def test_questions_templates(shared):
    types = {"behavioral", "technical", "situational", "experience", "role_specific"}
    for iid in dataset.ALL_IDS:
        body = dataset.questions_payload(iid)
        assert body is not None and body["interview_id"] == iid
        qs = body["questions"]
        orders = [q["order"] for q in qs]
        assert orders == sorted(orders) and body["total_questions"] >= len(qs) >= 3
        assert {q["question_type"] for q in qs} <= types
        for q in qs:
            assert q.get("is_custom", False) == q["id"].startswith("custom-")
    gaps = [iid for iid in dataset.ALL_IDS if (qs := dataset.questions_payload(iid)["questions"])  # type: ignore[index]
            and qs[-1]["order"] >= len(qs)]
    assert gaps


def test_completed_responses_have_signed_audio(shared):
    for iid, status in shared.ids_with_status():
        if status != "completed" or iid in (dataset.MISSING_FIELDS_ID, dataset.NULL_FIELDS_ID):
            continue
        body = interview(shared, iid).json()
        assert body["responses"] and all("sig=" in r["audio_url"] for r in body["responses"])


def test_bulk_generation_is_fast_and_served():
    started = time.perf_counter()
    ds = dataset.Dataset(extra_completed=10_000, seed=3)
    assert time.perf_counter() - started < 2.0
    assert len(ds.bulk_ids) == len(set(ds.bulk_ids)) == 10_000
    assert ds.bulk_ids == dataset.make_bulk(10_000, 3)
    assert ds.bulk_ids[123].startswith("bulk-000123-")

    started = time.perf_counter()
    with DemoServer(port=0, extra_completed=10_000) as srv:
        rows = srv.ids_with_status()
        assert time.perf_counter() - started < 2.0
        assert len(rows) == len(dataset.ALL_IDS) + 10_000
        last = rows[-1][0]
        body = interview(srv, last).json()
        assert body["status"] == "completed" and body["responses"]
        assert interview(srv, last.replace("bulk-009999", "bulk-010000")).status_code == 404
        assert interview(srv, last[:-1] + ("0" if last[-1] != "0" else "1")).status_code == 404
    with DemoServer(port=0) as srv:
        assert interview(srv, last).status_code == 404  # no bulk unless asked for


# ----------------------------------------------------------------------------- transport


def test_keep_alive_serves_several_requests_on_one_connection(shared):
    host, port = urlsplit(shared.base_url).hostname, urlsplit(shared.base_url).port
    conn = http.client.HTTPConnection(host, port, timeout=5)  # type: ignore[arg-type]
    try:
        for path in (SPEC_INTERVIEW_ID, "nope", SPEC_INTERVIEW_ID + "/questions"):
            conn.request("GET", f"/api/v1/interviews/{path}", headers=AUTH)
            resp = conn.getresponse()
            assert resp.version == 11 and not resp.will_close
            json.loads(resp.read())
    finally:
        conn.close()


def test_many_concurrent_connections(shared):
    # Its own client, with room for every thread: when a sync httpcore pool is full it closes
    # an idle connection that another thread has just been handed, and that thread's read
    # then fails with EBADF (a client-side race, seen once in CI with the shared pool).
    url = shared.base_url + "/api/v1/interviews/" + quote(SPEC_INTERVIEW_ID, safe="")
    with httpx.Client(timeout=10, limits=httpx.Limits(max_connections=128)) as client:
        def fetch(_: int) -> int:
            return client.get(url, headers=AUTH).status_code

        with ThreadPoolExecutor(64) as pool:
            assert set(pool.map(fetch, range(200))) == {200}
    assert shared.stats.server_errors == []


def test_stop_closes_everything_including_keep_alive():
    srv = DemoServer(port=0).start()
    url = srv.base_url
    threads = list(srv._threads)
    with httpx.Client(headers=AUTH) as client:
        assert client.get(f"{url}/api/v1/interviews/{SPEC_INTERVIEW_ID}").status_code == 200
        srv.stop()
        with pytest.raises(httpx.TransportError):
            client.get(f"{url}/api/v1/interviews/{SPEC_INTERVIEW_ID}")
    assert threads and not any(t.is_alive() for t in threads)


def test_stats_count_paths_and_reset(server):
    interview(server, SPEC_INTERVIEW_ID)
    interview(server, SPEC_INTERVIEW_ID)
    get(server, "/api/v1/interviews/x/questions?foo=1")
    stats = server.stats
    assert stats.total_requests == 3
    assert stats.per_path[f"/api/v1/interviews/{SPEC_INTERVIEW_ID}"] == 2
    assert stats.per_path["/api/v1/interviews/x/questions"] == 1
    assert stats.status_counts == {200: 2, 404: 1}
    server.reset_stats()
    assert server.stats.total_requests == 0 and server.stats.per_path == {}


def test_foreground_reports_bind_errors(shared):
    port = urlsplit(shared.base_url).port
    with pytest.raises(OSError):
        main_foreground(port=port)  # type: ignore[arg-type]
