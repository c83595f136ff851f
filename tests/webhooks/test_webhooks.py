"""Webhooks: the signature scheme, the receiver over real loopback HTTP, and the whole loop
(demo server -> signed events -> receiver -> poller poke -> fetch)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time

import httpx
import pytest

from rztui.api.client import ApiClient
from rztui.api.errors import ConfigError
from rztui.demo import dataset
from rztui.demo.dataset import DEMO_KEY
from rztui.demo.server import DemoServer
from rztui.demo.webhook_sender import DemoWebhookSender, WebhookSender
from rztui.live import Dropped, Poller, Transition, poller_handler
from rztui.service import Service
from rztui.store import Store
from rztui.webhooks import (
    InvalidEvent,
    SeenEvents,
    SignatureError,
    WebhookReceiver,
    make_event,
    parse_event,
    parse_listen,
    parse_listen_address,
    sign,
    verify_signature,
    webhook_secret,
)

SECRET = "whsec_test_0123456789abcdef"
NOW = 1_750_000_000


def event_body(iid: str = "iv-1", etype: str = "interview_ended", eid: str | None = None) -> bytes:
    ev = make_event(etype, {"id": iid, "status": "completed",
                            "estimated_duration_seconds": 600}, {"id": "j", "title": "Dev"},
                    {"id": "c", "name": "Jane"}, created=NOW,
                    event_id=eid or "evt_" + "a" * 32)
    return json.dumps(ev).encode()


# ------------------------------------------------------------------------------------------
# Signature scheme
# ------------------------------------------------------------------------------------------


def test_sign_and_verify_roundtrip():
    body = event_body()
    header = sign(SECRET, body, NOW)
    assert header.startswith(f"t={NOW},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_signature(SECRET, header, body, NOW + 10) == NOW
    assert verify_signature(SECRET, header.upper().replace("T=", "t=").replace("V1=", "v1="),
                            body, NOW) == NOW  # hex case does not matter


@pytest.mark.parametrize("mutate, status, reason", [
    (lambda h, b: (None, b), 401, "missing"),
    (lambda h, b: ("", b), 401, "missing"),
    (lambda h, b: (h, b + b" "), 401, "does not match"),  # body changed by one byte
    (lambda h, b: (sign("other-secret", b, NOW), b), 401, "does not match"),
    (lambda h, b: (sign(SECRET, b, NOW - 301), b), 401, "tolerance"),  # stale
    (lambda h, b: (sign(SECRET, b, NOW + 301), b), 401, "tolerance"),  # from the future
    (lambda h, b: ("v1=" + h.split("v1=")[1], b), 400, "malformed"),  # no t
    (lambda h, b: (h.split(",")[0], b), 400, "malformed"),  # no v1
    (lambda h, b: ("t=abc," + h.split(",")[1], b), 400, "malformed"),
    (lambda h, b: ("t=\u00b2," + h.split(",")[1], b), 400, "malformed"),  # '²'.isdigit()
    (lambda h, b: (f"t={NOW},t={NOW}," + h.split(",")[1], b), 400, "malformed"),
    (lambda h, b: ("garbage", b), 400, "malformed"),
])
def test_verify_rejects(mutate, status, reason):
    body = event_body()
    header, body2 = mutate(sign(SECRET, body, NOW), body)
    with pytest.raises(SignatureError) as err:
        verify_signature(SECRET, header, body2, NOW)
    assert err.value.status == status and reason in err.value.reason


def test_verify_accepts_any_of_several_v1_and_ignores_other_schemes():
    body = event_body()
    good = sign(SECRET, body, NOW).split("v1=")[1]
    header = f"t={NOW},v0=deadbeef,v1={'0' * 64},v1={good}"
    assert verify_signature(SECRET, header, body, NOW) == NOW


def test_secret_from_env_then_keyring(monkeypatch):
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    from rztui.api.errors import CredentialsError

    stored = {("rztui", "webhook_secret"): "from-keyring"}
    monkeypatch.setattr(keyring, "get_password", lambda s, u: stored.get((s, u)))
    monkeypatch.setenv("ROUNDZERO_WEBHOOK_SECRET", "from-env")
    assert webhook_secret() == "from-env"
    monkeypatch.delenv("ROUNDZERO_WEBHOOK_SECRET")
    assert webhook_secret() == "from-keyring"
    stored.clear()
    assert webhook_secret() is None

    def no_backend(s, u):
        raise NoKeyringError("headless")

    monkeypatch.setattr(keyring, "get_password", no_backend)
    assert webhook_secret() is None  # a headless box simply has no secret

    def broken(s, u):
        raise KeyringError("locked")

    monkeypatch.setattr(keyring, "get_password", broken)
    with pytest.raises(CredentialsError):
        webhook_secret()


def test_parse_event_and_listen():
    ev = parse_event(event_body("abc"))
    assert ev.interview_id == "abc" and ev.type == "interview_ended"
    assert ev.interview["estimated_duration_seconds"] == 600
    for bad in (b"[]", b"{", b'{"id": "evt_1"}',
                json.dumps({"id": "evt_1", "type": "x", "data": {"interview": {}}}).encode(),
                json.dumps({"id": "evt 1", "type": "x",
                            "data": {"interview": {"id": "a"}}}).encode(),
                json.dumps({"id": "evt_1", "type": "x",
                            "data": {"interview": {"id": "../x/y"}}}).encode()):
        with pytest.raises(InvalidEvent):
            parse_event(bad)
    assert parse_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_listen(":9000") == ("127.0.0.1", 9000)
    assert parse_listen("[::1]:9000") == ("::1", 9000)


def test_listen_address_takes_an_optional_path():
    assert parse_listen_address("0.0.0.0:8080") == ("0.0.0.0", 8080, None)
    assert parse_listen_address("0.0.0.0:8080/hooks/rz/") == ("0.0.0.0", 8080, "/hooks/rz")
    assert parse_listen_address("[::1]:9000/x") == ("::1", 9000, "/x")
    assert parse_listen_address(":9000/") == ("127.0.0.1", 9000, None)
    assert parse_listen("127.0.0.1:9000/hooks") == ("127.0.0.1", 9000)
    for bad in ("host", "host:port", "h:1/a b", "h:1/\x1b[2J", "h:99999", "h:1?x=1"):
        with pytest.raises(ConfigError):
            parse_listen_address(bad)


def test_nested_json_is_an_invalid_event_not_a_crash():
    for body in (b"[" * 60_000 + b"]" * 60_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000):
        with pytest.raises(InvalidEvent, match="nested"):
            parse_event(body)


def test_seen_events_bounded_and_persisted(tmp_path):
    t = [1000.0]
    path = tmp_path / "seen.db"
    seen = SeenEvents(path, max_items=3, max_age=100, clock=lambda: t[0])
    assert seen.persistent
    assert seen.add("evt_1") and not seen.add("evt_1")
    for i in range(2, 6):
        t[0] += 1
        seen.add(f"evt_{i}")
    assert len(seen) == 3 and "evt_1" not in seen and "evt_5" in seen
    seen.close()
    again = SeenEvents(path, max_items=3, max_age=100, clock=lambda: t[0])
    assert "evt_5" in again and "evt_3" in again and not again.add("evt_4")
    again.close()
    t[0] += 200  # older than max_age: forgotten, and welcome again
    later = SeenEvents(path, max_age=100, clock=lambda: t[0])
    assert len(later) == 0 and "evt_5" not in later and later.add("evt_5")
    later.close()
    for f in tmp_path.iterdir():  # the database and its WAL files: private
        assert f.stat().st_mode & 0o777 == 0o600, f


def test_seen_events_survive_a_damaged_or_unusable_file(tmp_path, caplog):
    path = tmp_path / "seen.db"
    path.write_text("{not a database")
    seen = SeenEvents(path)
    assert seen.persistent and len(seen) == 0 and seen.add("evt_1")  # a fresh file
    assert (tmp_path / "seen.db.damaged").read_text() == "{not a database"
    seen.close()
    assert "evt_1" in SeenEvents(path)
    blocked = tmp_path / "dir-not-file"
    blocked.mkdir()
    mem = SeenEvents(blocked)  # cannot be a database: in memory, with one warning
    assert not mem.persistent and mem.add("evt_2") and not mem.add("evt_2")
    assert any("in memory" in r.getMessage() for r in caplog.records)


def test_seen_events_import_the_old_json_file_once(tmp_path):
    legacy = tmp_path / "webhook-events.json"
    legacy.write_text(json.dumps({"evt_old": time.time() - 60, "evt_ancient": 1.0}))
    seen = SeenEvents(legacy)
    assert seen.path == tmp_path / "webhook-events.db" and not legacy.exists()
    assert "evt_old" in seen and "evt_ancient" not in seen  # older than a week
    assert not seen.add("evt_old")
    seen.close()


def test_seen_events_cost_per_event_does_not_grow_with_history(tmp_path):
    """Each new id is the same few SQL statements whether 10 or 5,000 are remembered (the
    old JSON file was rewritten whole for every event)."""
    seen = SeenEvents(tmp_path / "seen.db", max_items=100_000)
    statements: list[str] = []
    assert seen._db is not None
    seen._db.set_trace_callback(statements.append)

    def cost(n_before: int) -> int:
        seen.add_many((f"evt_fill_{n_before}_{i}", time.time()) for i in range(n_before))
        statements.clear()
        for i in range(10):
            assert seen.add(f"evt_new_{n_before}_{i}")
        return len(statements)

    assert cost(10) == cost(5_000) <= 10  # one INSERT each
    seen.close()


# ------------------------------------------------------------------------------------------
# The receiver over loopback
# ------------------------------------------------------------------------------------------


@pytest.fixture
async def receiver():
    got: list = []
    rx = await WebhookReceiver(SECRET, got.append, read_timeout=0.5).start("127.0.0.1", 0)
    rx.got = got
    try:
        yield rx
    finally:
        await rx.close()


async def post(url: str, body: bytes, signature: str | None, **headers) -> httpx.Response:
    h = {"Content-Type": "application/json", **headers}
    if signature is not None:
        h["X-Webhook-Signature"] = signature
    async with httpx.AsyncClient() as c:
        return await c.post(url, content=body, headers=h)


async def raw_request(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    out = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return out


async def test_valid_event_accepted_once(receiver):
    body = event_body()
    sig = sign(SECRET, body, time.time())
    r = await post(receiver.url, body, sig)
    assert r.status_code == 200 and r.json() == {"received": True}
    await asyncio.sleep(0)
    assert [e.interview_id for e in receiver.got] == ["iv-1"]
    replay = await post(receiver.url, body, sig)  # the same delivery again
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    retry = await post(receiver.url, body, sign(SECRET, body, time.time() + 1))  # re-signed
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    await asyncio.sleep(0)
    assert len(receiver.got) == 1 and receiver.stats.duplicates == 2


async def test_bad_signatures_change_nothing(receiver):
    body = event_body(eid="evt_" + "b" * 32)
    now = time.time()
    cases = [(None, 401), (sign("wrong", body, now), 401), (sign(SECRET, body, now - 400), 401),
             ("t=1", 400), (sign(SECRET, body + b"x", now), 401)]
    for sig, status in cases:
        r = await post(receiver.url, body, sig)
        assert r.status_code == status, (sig, r.text)
    assert receiver.got == [] and len(receiver.seen) == 0
    # A forged delivery must not poison the de-duplication: the real one still gets in.
    r = await post(receiver.url, body, sign(SECRET, body, now))
    await asyncio.sleep(0)
    assert r.status_code == 200 and len(receiver.got) == 1


async def test_http_edges(receiver):
    body = event_body()
    sig = sign(SECRET, body, time.time())
    big = b'{"pad": "' + b"x" * (70 * 1024) + b'"}'
    r = await post(receiver.url, big, sign(SECRET, big, time.time()))
    assert r.status_code == 413
    r = await post(receiver.url.replace("/webhooks/round0", "/other"), body, sig)
    assert r.status_code == 404
    async with httpx.AsyncClient() as c:
        r = await c.get(receiver.url)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    bad_json = b"{nope"
    r = await post(receiver.url, bad_json, sign(SECRET, bad_json, time.time()))
    assert r.status_code == 400
    unknown = json.dumps(make_event("candidate_waved", {"id": "x"},
                                    event_id="evt_" + "c" * 32)).encode()
    r = await post(receiver.url, unknown, sign(SECRET, unknown, time.time()))
    assert r.status_code == 200 and r.json()["ignored"]
    port = receiver.port
    out = await raw_request(port, b"POST /webhooks/round0 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 411")
    out = await raw_request(port, b"POST /webhooks/round0 HTTP/1.1\r\nHost: x\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 411")
    out = await raw_request(port, b"POST /webhooks/round0 HTTP/1.1\r\nX: " + b"a" * 20000
                            + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431")
    out = await raw_request(port, b"BANANA\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    out = await raw_request(port, b"POST /webhooks/round0 HTTP/1.1\r\nContent-Length: 10\r\n"
                                  b"\r\nabc")  # then stalls: dropped after read_timeout
    assert out.startswith(b"HTTP/1.1 408")
    await asyncio.sleep(0)
    assert receiver.got == []  # none of that reached the handler
    r = await post(receiver.url, body, sig)  # and the listener is still fine
    assert r.status_code == 200


def refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("rztui.webhooks")]


async def test_unicode_digit_content_length_is_a_400_and_one_log_line(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    for length in (b"\xb2", b"\xb9\xb2", b"\xbd", b"-1", b"1e3", b" 12 3"):
        caplog.clear()  # '\xb2' is '²' in latin-1: str.isdigit() says yes, int() says no
        out = await raw_request(receiver.port, b"POST /webhooks/round0 HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Length: " + length + b"\r\n\r\n{}")
        assert out.startswith(b"HTTP/1.1 400"), (length, out)
        assert b"bad Content-Length" in out
        records = refusals(caplog)
        assert len(records) <= 1 and all(r.exc_info is None for r in records)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert receiver.stats.rejected == {400: 6} and receiver.got == []


async def test_deeply_nested_signed_json_is_a_400_and_one_log_line(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    body = b"[" * 30_000 + b"]" * 30_000  # 60 KB, under the size limit, validly signed
    r = await post(receiver.url, body, sign(SECRET, body, time.time()))
    assert r.status_code == 400 and "nested" in r.json()["error"]
    [record] = refusals(caplog)
    assert record.exc_info is None and "400" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    ok = event_body(eid="evt_" + "9" * 32)
    assert (await post(receiver.url, ok, sign(SECRET, ok, time.time()))).status_code == 200


async def test_post_to_another_path_is_404_and_says_which_path_is_served(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    body = event_body()
    sig = sign(SECRET, body, time.time())
    base = receiver.url.replace("/webhooks/round0", "")
    for path in ("/webhooks", "/webhook/round0"):
        r = await post(base + path, body, sig)
        assert r.status_code == 404
    out = await raw_request(receiver.port, b"POST /\x1b[2J HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404")
    [line] = refusals(caplog)  # the same kind of refusal: one line a minute, not three
    text = line.getMessage()
    assert "404" in text and "this listener serves /webhooks/round0" in text
    assert "/webhooks" in text and "\x1b" not in text and receiver.got == []


async def test_seen_ids_are_written_off_the_event_loop(tmp_path):
    threads: list[int] = []

    class Recording(SeenEvents):
        def add(self, event_id: str) -> bool:
            threads.append(threading.get_ident())
            return super().add(event_id)

    seen = Recording(tmp_path / "seen.db")
    got: list = []
    async with await WebhookReceiver(SECRET, got.append, seen=seen).start() as rx:
        body = event_body()
        for _ in range(2):
            r = await post(rx.url, body, sign(SECRET, body, time.time()))
            assert r.status_code == 200
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert len(got) == 1 and rx.stats.duplicates == 1
    assert not seen.persistent  # the receiver closed it


async def test_receiver_refuses_to_start_without_secret_or_on_a_used_port():
    with pytest.raises(ConfigError):
        WebhookReceiver("", lambda e: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ConfigError):
            await WebhookReceiver(SECRET, lambda e: None).start("127.0.0.1", s.getsockname()[1])


# ------------------------------------------------------------------------------------------
# The whole loop against the demo server
# ------------------------------------------------------------------------------------------


@pytest.fixture
def demo_fast():
    server = DemoServer(port=0, rate_limit=10**6).start()
    try:
        yield server
    finally:
        server.stop()


async def wait_for(pred, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_webhook_poke_ends_an_in_flight_watch(demo_fast, tmp_path):
    demo = demo_fast
    live = dataset.LIVE_IDS[0]
    store = Store(tmp_path / "rz.db")
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        # Real clock and the real policy: without the webhook the next poll is ~5 min away.
        poller = Poller(Service(store, api), store, ids=[], window=6.0)
        events: list = []
        poller.subscribe(events.append)
        async with await WebhookReceiver(SECRET, poller_handler(poller, store)).start() as rx:
            started = time.monotonic()
            task = asyncio.ensure_future(poller.run_until_terminal([live], timeout=120))
            await wait_for(lambda: any(isinstance(e, Transition) for e in events))
            assert store.cached_status(live) == "invited"
            demo.advance(dataset.LIVE_END_SECONDS + 5)  # the candidate finishes
            sender = WebhookSender(rx.url, SECRET)
            ev = make_event("interview_ended", {"id": live, "status": "completed"})
            assert await sender.send(ev)
            res = await asyncio.wait_for(task, 10)
            await sender.aclose()
    assert res.finished and time.monotonic() - started < 10
    kinds = [(e.old_status, e.new_status) for e in events if isinstance(e, Transition)]
    assert kinds == [(None, "invited"), ("invited", "completed")]
    stats = demo.stats
    assert stats.per_path[f"/api/v1/interviews/{live}"] == 2
    assert stats.per_path[f"/api/v1/interviews/{live}/questions"] == 1


async def test_webhook_for_an_unknown_interview_tracks_it(demo_fast, tmp_path):
    store = Store(tmp_path / "rz.db")
    target = dataset.SPEC_INTERVIEW_ID
    async with ApiClient(demo_fast.base_url, DEMO_KEY) as api:
        poller = Poller(Service(store, api), store, ids=[], window=6.0)
        async with await WebhookReceiver(SECRET, poller_handler(poller, store)).start() as rx:
            sender = WebhookSender(rx.url, SECRET)
            assert await sender.send(make_event("interview_ended", {"id": target}))
            await sender.aclose()
            await wait_for(lambda: target in poller.watched)
            res = await poller.run_until_terminal([target], timeout=10)
    assert res.finished and store.is_tracked(target)
    assert store._query("SELECT source FROM tracked WHERE id = ?", (target,))[0][0] == "webhook"


async def test_webhook_for_an_id_the_api_does_not_know_is_untracked_again(demo_fast, tmp_path):
    store = Store(tmp_path / "rz.db")
    ghost = "ghost-interview-0001"
    kept = dataset.SPEC_INTERVIEW_ID
    store.track([kept])  # tracked by the user: a 404 later must not untrack it
    async with ApiClient(demo_fast.base_url, DEMO_KEY) as api:
        poller = Poller(Service(store, api), store, ids=[], window=6.0)
        events: list = []
        poller.subscribe(events.append)
        async with await WebhookReceiver(SECRET, poller_handler(poller, store)).start() as rx:
            task = asyncio.ensure_future(poller.run())
            sender = WebhookSender(rx.url, SECRET)
            assert await sender.send(make_event("interview_started", {"id": ghost}))
            await sender.aclose()
            await wait_for(lambda: any(isinstance(e, Dropped) and e.interview_id == ghost
                                       for e in events))
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert not store.is_tracked(ghost) and ghost not in poller.watched
    assert store.poll_state(ghost) is None
    assert store.is_tracked(kept)
    assert demo_fast.stats.per_path[f"/api/v1/interviews/{ghost}"] == 1  # asked once


async def test_demo_sender_drives_the_whole_loop(demo_fast, tmp_path):
    demo = demo_fast
    store = Store(tmp_path / "rz.db")
    ids = list(dataset.LIVE_IDS)
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        poller = Poller(Service(store, api), store, ids=[], window=6.0)
        events: list = []
        poller.subscribe(events.append)
        async with await WebhookReceiver(SECRET, poller_handler(poller, store)).start() as rx:
            sender = DemoWebhookSender(demo, rx.url, SECRET, interval=0.02, ids=ids).start()
            demo.reset_stats()
            task = asyncio.ensure_future(poller.run_until_terminal(ids, timeout=60))

            def count(new: str) -> int:
                return sum(1 for e in events
                           if isinstance(e, Transition) and e.new_status == new)

            await wait_for(lambda: count("invited") == 3)
            demo.advance(60)  # all three candidates start
            await wait_for(lambda: count("in_progress") == 3)
            demo.advance(dataset.LIVE_END_SECONDS)  # and finish
            res = await asyncio.wait_for(task, 20)
            await sender.stop()
    assert res.finished
    for iid in ids:
        kinds = [(e.old_status, e.new_status) for e in events
                 if isinstance(e, Transition) and e.interview_id == iid]
        assert kinds == [(None, "invited"), ("invited", "in_progress"),
                         ("in_progress", "completed")]
    delivered = sender.sender.delivered
    assert sorted(e["type"] for e in delivered) == ["interview_ended"] * 3 + \
        ["interview_started"] * 3
    for e in delivered:
        assert e["id"].startswith("evt_") and len(e["id"]) == 36
        assert set(e["data"]) == {"interview", "job", "candidate"}
        iv = e["data"]["interview"]
        assert {"id", "token", "status", "estimated_duration_seconds", "estimated_credits",
                "started_at", "expires_at", "created_at"} <= set(iv)
        assert len(iv["token"]) == 32 and iv["started_at"]
    # Webhooks did the work: initial fetch + one per event + questions once = 4 per interview.
    assert demo.stats.total_requests == 4 * len(ids)


def _post_blocking(port: int, body: bytes, declared: int | None = None) -> bytes:
    """A sender that writes its whole body before reading (as most HTTP clients do), over a
    real socket; what it reads back (b"" when the connection was reset)."""
    length = len(body) if declared is None else declared
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /webhooks/round0 HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: " + str(length).encode() + b"\r\n\r\n")
        try:
            for start in range(0, len(body), 16384):
                s.sendall(body[start:start + 16384])
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionError:
            return b""
        return answer


async def test_a_1mb_body_gets_its_413_not_a_reset(receiver):
    body = b'{"pad": "' + b"x" * (1 << 20) + b'"}'
    for _ in range(3):
        out = await asyncio.to_thread(_post_blocking, receiver.port, body)
        assert out.startswith(b"HTTP/1.1 413"), out[:80]
        assert b"body over" in out
    r = await post(receiver.url, body, sign(SECRET, body, time.time()))  # httpx sees it too
    assert r.status_code == 413
    assert receiver.stats.rejected[413] == 4 and receiver.got == []


async def test_a_huge_declared_body_is_answered_without_reading_it_all(receiver):
    # Far over the cap: the receiver reads at most DISCARD_CAP of it, answers and closes;
    # the listener stays fine.
    started = time.monotonic()
    out = await asyncio.to_thread(_post_blocking, receiver.port, b"x" * 65536, 10**11)
    assert out == b"" or out.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 5
    body = event_body()
    r = await post(receiver.url, body, sign(SECRET, body, time.time()))
    assert r.status_code == 200
