"""Webhooks: a small receiver for ROUND0 events, the signature scheme, and a demo sender.

Opt-in (``rztui watch --webhook-listen HOST:PORT``; the TUI can use :func:`start_listener`).
The receiver is a minimal HTTP/1.1 server on ``asyncio.start_server`` (no new dependency):

- Only ``POST`` to the configured path (default ``/webhooks/round0``; any other path is 404, any
  other method 405), one request per connection (``Connection: close``).
- ``Content-Length`` is required (411 otherwise, chunked bodies included); bodies over
  ``max_body`` (64 KiB) get 413 without being read; headers over 16 KiB get 431; a client that
  stalls for 10 s is dropped.
- ``X-Webhook-Signature: t=<unix>,v1=<hex>`` must verify (:func:`verify_signature`): a missing,
  wrong or stale (more than 5 minutes off) signature is 401, a malformed header 400. Nothing is
  parsed or changed before the signature checks out.
- A verified body must be the documented envelope (``{"id": "evt_...", "type", "created",
  "data": {"interview": {"id", ...}, ...}}``), else 400. Event ids already seen are answered 200
  (so the sender stops retrying) and ignored; the ids are remembered (bounded, and persisted to a
  small JSON file when given a path). Unknown event types are answered 200 and ignored.
- A valid ``interview_started`` / ``interview_ended`` is answered 200 at once; then the handler
  runs: :func:`poller_handler` tracks an id it did not know (``source='webhook'``) and pokes the
  poller, which fetches the interview right away (and so ends a ``watch`` waiting for it); it
  also tells the poller webhooks work, so its safety-net polling relaxes (see rztui.poller).

The secret comes from ``ROUNDZERO_WEBHOOK_SECRET`` or the keyring (service ``rztui``, username
``webhook_secret``). The signed string is not public; we use Stripe's scheme, which the vendor
says theirs resembles: HMAC-SHA256 over ``"<t>.<raw body>"``. It lives in :func:`sign` and
:func:`verify_signature` only, so it is one place to change.

:class:`DemoWebhookSender` plays the vendor for ``rztui --demo``: it watches a
:class:`~rztui.demo.server.DemoServer`'s interviews and POSTs signed events, retrying with
backoff like a real provider (same event id on every attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import inspect
import json
import logging
import math
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api.errors import ConfigError, InvalidId
from .api.ids import parse_id

log = logging.getLogger(__name__)

ENV_SECRET = "ROUNDZERO_WEBHOOK_SECRET"
KEYRING_SERVICE = "rztui"
KEYRING_USERNAME = "webhook_secret"
DEFAULT_PATH = "/webhooks/round0"
SIGNATURE_HEADER = "X-Webhook-Signature"
MAX_BODY = 64 * 1024
MAX_HEADER = 16 * 1024
TOLERANCE = 300.0  # seconds a signature timestamp may be off
READ_TIMEOUT = 10.0
EVENT_TYPES = frozenset({"interview_started", "interview_ended"})

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
            413: "Content Too Large", 431: "Request Header Fields Too Large",
            500: "Internal Server Error"}


# ------------------------------------------------------------------------------------------
# The signature scheme: the only place that knows it
# ------------------------------------------------------------------------------------------


class SignatureError(Exception):
    """Why a signature was refused; ``status`` is the HTTP answer (400 malformed, 401 else)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _mac(secret: str | bytes, t: int, body: bytes) -> str:
    return hmac.new(_key(secret), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, t: int | float) -> str:
    """The ``X-Webhook-Signature`` value for ``body`` sent at Unix time ``t``."""
    t = int(t)
    return f"t={t},v1={_mac(secret, t, body)}"


def verify_signature(secret: str | bytes, header: str | None, body: bytes, now: float,
                     tolerance: float = TOLERANCE) -> int:
    """Check ``t=<unix>,v1=<hex>[,v1=...]`` against ``body``; return ``t`` or raise
    :class:`SignatureError`. Several ``v1`` entries are allowed (secret rotation); unknown
    schemes (``v0=``) are ignored; the comparison is constant-time."""
    if not header or not header.strip():
        raise SignatureError("missing signature", 401)
    t: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if name == "t":
            if t is not None or not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed signature timestamp", 400)
            t = int(value)
        elif name == "v1":
            candidates.append(value.lower())
    if t is None or not candidates:
        raise SignatureError("malformed signature header", 400)
    if abs(now - t) > tolerance:
        raise SignatureError("signature timestamp outside the tolerance", 401)
    expected = _mac(secret, t, body).encode()
    ok = False
    for cand in candidates:  # no early exit: the time taken does not depend on which matched
        ok |= hmac.compare_digest(expected, cand.encode("ascii", "replace"))
    if not ok:
        raise SignatureError("signature does not match", 401)
    return t


# ------------------------------------------------------------------------------------------
# The secret
# ------------------------------------------------------------------------------------------


def webhook_secret() -> str | None:
    """``ROUNDZERO_WEBHOOK_SECRET`` wins, else the keyring; None if neither has one."""
    env = os.environ.get(ENV_SECRET, "").strip()
    if env:
        return env
    from .credentials import secret_from_keyring

    return secret_from_keyring(KEYRING_USERNAME)


# ------------------------------------------------------------------------------------------
# Events
# ------------------------------------------------------------------------------------------


class InvalidEvent(ValueError):
    pass


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: float | None
    interview_id: str
    interview: dict[str, Any]
    job: dict[str, Any]
    candidate: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


_EVENT_ID = re.compile(r"[A-Za-z0-9_\-]{1,100}")


def parse_event(body: bytes) -> WebhookEvent:
    """The envelope from api-facts.md; raises :class:`InvalidEvent` for anything else."""
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidEvent("body is not JSON") from None
    if not isinstance(obj, dict):
        raise InvalidEvent("body is not a JSON object")
    eid, etype = obj.get("id"), obj.get("type")
    if not isinstance(eid, str) or not _EVENT_ID.fullmatch(eid):
        raise InvalidEvent("event id missing or malformed")
    if not isinstance(etype, str) or not etype or len(etype) > 100:
        raise InvalidEvent("event type missing")
    created = obj.get("created")
    if isinstance(created, bool) or not isinstance(created, (int, float, type(None))):
        raise InvalidEvent("created is not a number")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise InvalidEvent("data is not an object")
    interview = data.get("interview")
    if not isinstance(interview, dict) or not isinstance(interview.get("id"), str):
        raise InvalidEvent("data.interview.id missing")
    try:
        iid = parse_id(interview["id"])
    except InvalidId as exc:
        raise InvalidEvent(exc.message) from None
    job = data.get("job") if isinstance(data.get("job"), dict) else {}
    cand = data.get("candidate") if isinstance(data.get("candidate"), dict) else {}
    return WebhookEvent(eid, etype, created, iid, interview, job, cand, obj)


class SeenEvents:
    """Recently seen event ids: bounded in number and age, optionally persisted as JSON."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_items: int = 10_000,
                 max_age: float = 7 * 86400.0, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else None
        self.max_items = max_items
        self.max_age = max_age
        self._clock = clock
        self._ids: OrderedDict[str, float] = OrderedDict()
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            items = sorted((float(v), str(k)) for k, v in data.items())
        except FileNotFoundError:
            return
        except (OSError, ValueError, AttributeError, TypeError):
            log.warning("ignoring unreadable webhook id file %s", self.path)
            return
        for ts, eid in items:
            self._ids[eid] = ts
        self._trim()

    def _trim(self) -> None:
        cutoff = self._clock() - self.max_age
        while self._ids and (len(self._ids) > self.max_items
                             or next(iter(self._ids.values())) < cutoff):
            self._ids.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str) -> bool:
        """Remember an id; False if it was already there."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = self._clock()
        self._trim()
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(dict(self._ids), f)
            os.replace(tmp, self.path)
        except OSError:
            log.warning("cannot save webhook ids to %s", self.path)


# ------------------------------------------------------------------------------------------
# The receiver
# ------------------------------------------------------------------------------------------


@dataclass
class ReceiverStats:
    requests: int = 0
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: dict[int, int] = field(default_factory=dict)  # status -> count
    last_event_at: float | None = None


EventHandler = Callable[[WebhookEvent], Any]


class _Reject(Exception):
    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = (),
                 unread: int = 0):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.unread = unread  # body bytes still coming: read and drop them after answering


class WebhookReceiver:
    """``await WebhookReceiver(secret, handler).start(host, port)``; ``url`` is where to POST."""

    def __init__(self, secret: str | bytes, on_event: EventHandler, *, path: str = DEFAULT_PATH,
                 max_body: int = MAX_BODY, tolerance: float = TOLERANCE,
                 seen: SeenEvents | None = None, clock: Callable[[], float] = time.time,
                 read_timeout: float = READ_TIMEOUT) -> None:
        if not secret:
            raise ConfigError("a webhook secret is required")
        self._secret = secret
        self.on_event = on_event
        self.path = "/" + path.strip("/") if path.strip("/") else "/"
        self.max_body = max_body
        self.tolerance = tolerance
        self.seen = seen if seen is not None else SeenEvents()
        self._clock = clock
        self.read_timeout = read_timeout
        self.stats = ReceiverStats()
        self._server: asyncio.base_events.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> WebhookReceiver:
        try:
            self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEADER)
        except OSError as exc:
            raise ConfigError(f"cannot listen for webhooks on {host}:{port}: "
                              f"{exc.strerror or exc}") from None
        return self

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the webhook receiver is not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        host, port = self.address
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{self.path}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def __aenter__(self) -> WebhookReceiver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one connection ---------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.requests += 1
        event: WebhookEvent | None = None
        unread = 0
        try:
            try:
                status, payload, event = await self._handle(reader, writer)
                headers: tuple[tuple[str, str], ...] = ()
            except _Reject as rej:
                status, payload, headers = rej.status, {"error": rej.message}, rej.headers
                self.stats.rejected[status] = self.stats.rejected.get(status, 0) + 1
                unread = rej.unread
            except (ConnectionError, asyncio.IncompleteReadError):
                return  # the client went away: nobody to answer
            except Exception:  # never let a bug take the listener down
                log.exception("webhook request failed")
                status, payload, headers = 500, {"error": "internal error"}, ()
            await self._respond(writer, status, payload, headers)
            if unread:
                # Closing with unread data would reset the connection before the client
                # reads our answer; swallow a bounded amount of what it is still sending.
                await self._discard(reader, min(unread, 4 * self.max_body))
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
        if event is not None:  # answered first; the work happens after
            self._dispatch(event)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                      ) -> tuple[int, dict[str, Any], WebhookEvent | None]:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.read_timeout)
        except asyncio.LimitOverrunError:
            raise _Reject(431, "headers too large") from None
        except asyncio.IncompleteReadError:
            raise ConnectionError("client went away") from None
        except TimeoutError:
            raise _Reject(408, "request timeout") from None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _Reject(400, "malformed request line")
        method, target = parts[0], parts[1]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            name = name.strip().lower()
            if not sep or not name or " " in name:
                raise _Reject(400, "malformed header")
            if name in headers and name in ("content-length", "x-webhook-signature"):
                raise _Reject(400, f"duplicate {name} header")
            headers[name] = value.strip()
        path = target.split("?", 1)[0]
        if path.rstrip("/") != self.path.rstrip("/") and not (path == "/" == self.path):
            raise _Reject(404, "not found")
        if method != "POST":
            raise _Reject(405, "only POST", (("Allow", "POST"),))
        if "transfer-encoding" in headers:
            raise _Reject(411, "chunked bodies are not accepted; send Content-Length")
        length_text = headers.get("content-length")
        if length_text is None:
            raise _Reject(411, "Content-Length required")
        if not length_text.isdigit():
            raise _Reject(400, "bad Content-Length")
        length = int(length_text)
        if length > self.max_body:
            raise _Reject(413, f"body over {self.max_body} bytes", unread=length)
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        try:
            body = await asyncio.wait_for(reader.readexactly(length), self.read_timeout)
        except TimeoutError:
            raise _Reject(408, "request timeout") from None
        except asyncio.IncompleteReadError:
            raise ConnectionError("client went away") from None
        try:
            verify_signature(self._secret, headers.get(SIGNATURE_HEADER.lower()), body,
                             self._clock(), self.tolerance)
        except SignatureError as exc:
            raise _Reject(exc.status, exc.reason) from None
        try:
            event = parse_event(body)
        except InvalidEvent as exc:
            raise _Reject(400, f"invalid event: {exc}") from None
        if event.id in self.seen:
            self.stats.duplicates += 1
            return 200, {"received": True, "duplicate": True}, None
        self.seen.add(event.id)
        if event.type not in EVENT_TYPES:
            self.stats.ignored += 1
            return 200, {"received": True, "ignored": "unknown event type"}, None
        self.stats.accepted += 1
        self.stats.last_event_at = self._clock()
        return 200, {"received": True}, event

    async def _respond(self, writer: asyncio.StreamWriter, status: int, payload: dict[str, Any],
                       headers: tuple[tuple[str, str], ...]) -> None:
        body = json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                "Content-Type: application/json", f"Content-Length: {len(body)}",
                "Connection: close", *(f"{k}: {v}" for k, v in headers)]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await asyncio.wait_for(writer.drain(), self.read_timeout)

    async def _discard(self, reader: asyncio.StreamReader, limit: int) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.0
        left = limit
        with contextlib.suppress(Exception):
            while left > 0 and loop.time() < end:
                chunk = await asyncio.wait_for(reader.read(min(left, 65536)),
                                               end - loop.time())
                if not chunk:
                    break
                left -= len(chunk)

    def _dispatch(self, event: WebhookEvent) -> None:
        try:
            result = self.on_event(event)
        except Exception:
            log.exception("webhook handler failed")
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)


def poller_handler(poller: Any, store: Any) -> Callable[[WebhookEvent], None]:
    """What a valid event does: track a new id (source 'webhook') and poke the poller."""

    def handle(event: WebhookEvent) -> None:
        if not store.is_tracked(event.interview_id):
            store.track([event.interview_id], source="webhook")
        note = getattr(poller, "note_webhook", None)
        if note is not None:
            note()
        poller.poke(event.interview_id, hint=event.interview)

    return handle


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT`` or ``:PORT`` (loopback) -> (host, port)."""
    text = (text or "").strip()
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\s]*):(\d{1,5})", text)
    if not m:
        raise ConfigError(f"--webhook-listen wants HOST:PORT, not {text[:60]!r}")
    host = m.group(1) or m.group(3) or "127.0.0.1"
    port = int(m.group(2) or m.group(4))
    if port > 65535:
        raise ConfigError(f"port {port} is out of range")
    return host, port


async def start_listener(listen: str, poller: Any, store: Any, *, secret: str | None = None,
                         path: str = DEFAULT_PATH, seen_path: str | os.PathLike[str] | None = None
                         ) -> WebhookReceiver:
    """Start a receiver wired to ``poller`` (for ``watch`` and the TUI)."""
    secret = secret or webhook_secret()
    if not secret:
        raise ConfigError(
            f"no webhook secret: set {ENV_SECRET} (or store it in the keyring as service "
            f"'{KEYRING_SERVICE}', user '{KEYRING_USERNAME}')")
    host, port = parse_listen(listen)
    receiver = WebhookReceiver(secret, poller_handler(poller, store), path=path,
                               seen=SeenEvents(seen_path))
    return await receiver.start(host, port)


# ------------------------------------------------------------------------------------------
# Sending (the demo's stand-in for the vendor; tests)
# ------------------------------------------------------------------------------------------


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def make_event(event_type: str, interview: dict[str, Any], job: dict[str, Any] | None = None,
               candidate: dict[str, Any] | None = None, *, created: float | None = None,
               event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or new_event_id(), "type": event_type,
            "created": int(time.time() if created is None else created),
            "data": {"interview": interview, "job": job or {}, "candidate": candidate or {}}}


class WebhookSender:
    """POSTs signed events, retrying non-2xx answers and connection errors with exponential
    backoff; each attempt is signed afresh (a new ``t``), the event id stays the same."""

    def __init__(self, url: str, secret: str | bytes, *, max_attempts: int = 5,
                 backoff: float = 0.5, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self._secret = secret
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.timeout = timeout
        self._clock = clock
        self._http: Any = None
        self.delivered: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []

    async def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def post(self, body: bytes, *, t: float | None = None,
                   signature: str | None = None) -> int:
        """One attempt; returns the HTTP status."""
        import httpx

        client = await self._client()
        sig = signature if signature is not None else sign(
            self._secret, body, self._clock() if t is None else t)
        try:
            resp = await client.post(self.url, content=body, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: sig,
                "User-Agent": "rztui-demo-webhooks/1.0"})
        except httpx.HTTPError:
            return 0
        return resp.status_code

    async def send(self, event: dict[str, Any]) -> bool:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        for attempt in range(self.max_attempts):
            status = await self.post(body)
            if 200 <= status < 300:
                self.delivered.append(event)
                return True
            if attempt + 1 < self.max_attempts:
                await asyncio.sleep(self.backoff * 2 ** attempt)
        self.failed.append(event)
        return False


class DemoWebhookSender:
    """Watch a DemoServer's interviews and send ``interview_started`` / ``interview_ended``.

    Status changes are read from ``server.ids_with_status()`` every ``interval`` seconds (no HTTP
    request to the API); an interview seen going straight from invited to completed gets both
    events, in order. ``expired`` has no documented event, so none is sent.
    """

    def __init__(self, server: Any, url: str, secret: str | bytes, *, interval: float = 0.25,
                 ids: list[str] | None = None, max_attempts: int = 5,
                 backoff: float = 0.5) -> None:
        self.server = server
        self.interval = interval
        self.ids = set(ids) if ids is not None else None
        self.sender = WebhookSender(url, secret, max_attempts=max_attempts, backoff=backoff)
        self._task: asyncio.Task[None] | None = None
        self._last: dict[str, str] = {}

    def _statuses(self) -> dict[str, str]:
        rows = self.server.ids_with_status()
        return {i: s for i, s in rows if self.ids is None or i in self.ids}

    def envelope(self, event_type: str, interview_id: str) -> dict[str, Any]:
        snap = self.server.snapshot(interview_id) or {"id": interview_id}
        qs = self.server.dataset.questions_payload(interview_id) or {}
        est = qs.get("estimated_duration_seconds")
        interview = {
            "id": interview_id,
            "token": hashlib.sha256(f"token:{interview_id}".encode()).hexdigest()[:32],
            "status": "in_progress" if event_type == "interview_started" else "completed",
            "estimated_duration_seconds": est,
            "estimated_credits": math.ceil(est / 60) if isinstance(est, (int, float)) else None,
            "started_at": snap.get("started_at"),
            "expires_at": snap.get("expires_at"),
            "created_at": snap.get("created_at"),
        }
        if event_type == "interview_ended":
            interview["completed_at"] = snap.get("completed_at")
        job = snap.get("job") or {}
        cand = snap.get("candidate") or {}
        return make_event(
            event_type, interview,
            {"id": job.get("id"), "title": job.get("title"),
             "department": job.get("department"), "location": None},
            {"id": cand.get("id"), "name": cand.get("name"), "email": cand.get("email"),
             "title": None})

    def changes(self) -> list[dict[str, Any]]:
        """Events for what changed since the last call (the first call only takes note)."""
        now = self._statuses()
        first = not self._last
        out: list[dict[str, Any]] = []
        for iid, status in now.items():
            old = self._last.get(iid)
            if first or old == status:
                continue
            if status == "in_progress" and old in ("invited", None):
                out.append(self.envelope("interview_started", iid))
            elif status == "completed" and old in ("invited", "in_progress", None):
                if old != "in_progress":
                    out.append(self.envelope("interview_started", iid))
                out.append(self.envelope("interview_ended", iid))
        self._last = now
        return out

    async def run(self) -> None:
        """Send events until cancelled (the baseline is taken when this starts)."""
        self.changes()
        await self._loop()

    def start(self) -> DemoWebhookSender:
        """Run in a task; the baseline is taken now, not when the task first runs."""
        self.changes()
        self._task = asyncio.ensure_future(self._loop())
        return self

    async def _loop(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.interval)
                for event in self.changes():
                    await self.sender.send(event)
        finally:
            await self.sender.aclose()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def start_demo_webhooks(server: Any, poller: Any, store: Any, *,
                              host: str = "127.0.0.1", port: int = 0,
                              interval: float = 0.25) -> tuple[WebhookReceiver, DemoWebhookSender]:
    """The whole loop for ``--demo``: a receiver on loopback wired to ``poller``, and a
    :class:`DemoWebhookSender` posting the demo server's events to it, sharing a fresh random
    secret. Stop with ``await sender.stop(); await receiver.close()``."""
    secret = secrets.token_hex(32)
    receiver = await WebhookReceiver(secret, poller_handler(poller, store)).start(host, port)
    sender = DemoWebhookSender(server, receiver.url, secret, interval=interval).start()
    return receiver, sender
