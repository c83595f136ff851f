"""A real HTTP demo of the ROUND0 Interviews API on loopback (standard library only).

Two ``ThreadingHTTPServer`` instances run in daemon threads: the API (``base_url``, routes under
``/api/v1``) and an audio host on another port (``audio_base_url``: a different origin, like the
vendor's pre-signed storage URLs). Usable embedded (tests, ``rztui --demo``) or in the foreground
(``main_foreground``, used by ``rztui demo-server``).

API routes (``Authorization: Bearer <api_key>``):

- ``GET /api/v1/interviews/<id>`` and ``GET /api/v1/interviews/<id>/questions``. The id is one
  percent-decoded path segment: an encoded ``/`` stays in the id (and is simply not found).
- 401 ``authentication_error`` for a missing/wrong key; 403 ``subscription_inactive`` for
  ``INACTIVE_KEY`` (``rz_demo_inactive``); 404 ``resource_not_found`` for unknown ids and routes;
  405 ``method_not_allowed`` for anything but GET/HEAD.
- Rate limit: fixed window of ``rate_window`` s per key (per client IP without a key). Every
  response carries ``X-RateLimit-Limit/-Remaining/-Reset``; over the limit: 429
  ``rate_limit_exceeded`` (+ ``Retry-After`` when ``send_retry_after``).
- Faults: ``latency_ms`` delays every answer (API and audio); ``error_rate`` (0..1, seeded) turns
  authenticated API requests into 500 ``internal_error``. Both changeable via ``set_faults``.

Special interview ids (both routes; need a valid key; not in ``ids_with_status``):

- ``demo-html-500``: 502 with an HTML page (``text/html``), like a proxy in front of the API.
- ``demo-bad-json``: 200 ``application/json`` whose body is not valid JSON.
- ``demo-wrong-shape``: 200 JSON ``[1, 2, 3]``.
- ``demo-bad-types``: 200 JSON object with the right keys but wrong value types.
- ``demo-internal-error``: always 500 ``internal_error``.
- ``demo-slow``: answers the spec interview (with this id) after ``SLOW_SECONDS`` (timeouts).

Audio: completed/in-progress responses carry ``audio_url`` =
``{audio_base_url}/audio/<interview id>/<question id>.wav?expires=<unix>&sig=<hex>`` (ids
percent-encoded), HMAC-SHA256 signed with a per-server secret, expiring ``audio_ttl_seconds`` after
the interview JSON was served. Valid -> a small WAV (``audio/wav``); bad signature or expired ->
403 with an S3-style XML error. No Authorization is needed; any that arrives is recorded in
``stats.audio_headers`` / ``stats.audio_with_authorization`` so tests can prove it never leaks.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import json
import math
import random
import secrets
import socket
import sys
import threading
import time
import traceback
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .dataset import ALL_IDS, DEMO_KEY, INACTIVE_KEY, LABELS, SPEC_INTERVIEW_ID, Dataset

__all__ = [
    "DEMO_KEY", "FAULT_IDS", "INACTIVE_KEY", "SLOW_SECONDS", "DemoServer", "DemoStats",
    "main_foreground",
]

SLOW_SECONDS = 3.0
FAULT_IDS = ("demo-html-500", "demo-bad-json", "demo-wrong-shape", "demo-bad-types",
             "demo-internal-error", "demo-slow")

_API_PREFIX = ["", "api", "v1", "interviews"]


def _envelope(type_: str, message: str) -> bytes:
    return json.dumps({"error": {"type": type_, "message": message}}).encode()


def _json(obj: Any) -> bytes:
    # Raw UTF-8 like the real API; json still escapes C0 controls (ESC becomes \u001b).
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


_HTML_502 = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
             b"<body><h1>502 Bad Gateway</h1><p>An error occurred with this application."
             b"</p><p>FUNCTION_INVOCATION_FAILED</p></body></html>")


def _audio_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


@lru_cache(maxsize=64)
def _wav(freq: int) -> bytes:
    """0.25 s of a soft 8 kHz mono 16-bit tone: a real, tiny WAV (~4 KB)."""
    rate, n = 8000, 2000
    frames = bytearray()
    for i in range(n):
        fade = min(1.0, i / 200, (n - i) / 200)  # avoid clicks at both ends
        v = int(6000 * fade * math.sin(2 * math.pi * freq * i / rate))
        frames += v.to_bytes(2, "little", signed=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


@dataclass
class DemoStats:
    """Counters; ``DemoServer.stats`` returns a copy, so read it after the requests finish."""

    total_requests: int = 0  # API requests (audio counted separately)
    per_path: dict[str, int] = field(default_factory=dict)  # raw path without query
    status_counts: dict[int, int] = field(default_factory=dict)  # API responses by status
    rate_limited: int = 0  # 429s sent
    audio_requests: int = 0
    audio_headers: list[dict[str, str]] = field(default_factory=list)  # lower-cased names
    audio_with_authorization: int = 0  # audio requests that carried an Authorization header
    server_errors: list[str] = field(default_factory=list)  # tracebacks of handler crashes
    max_in_flight: int = 0  # most API requests inside their latency sleep at the same time


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive threads may idle in readline; stop() closes them
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 demo: DemoServer) -> None:
        self.demo = demo
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(addr, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # client went away: not a server bug
        self.demo._record_error(traceback.format_exc())

    def close_connections(self) -> None:
        with self.conns_lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: httpx reuses connections
    server_version = "rztui-demo/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end eventually
    # Headers and body go out in two writes; with Nagle + delayed ACK that costs ~40 ms/request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.conns_lock:
            self.server.conns.add(self.connection)

    def finish(self) -> None:
        with self.server.conns_lock:
            self.server.conns.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the TUI may share the terminal

    def drain_body(self) -> None:
        """Read any request body so the next request on a keep-alive connection parses."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if 0 < length <= 1 << 20:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def reply(self, status: int, body: bytes, content_type: str,
              headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _ApiHandler(_Handler):
    def do_GET(self) -> None:
        self.server.demo._handle_api(self)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET


class _AudioHandler(_Handler):
    def do_GET(self) -> None:
        self.server.demo._handle_audio(self)

    do_HEAD = do_GET


class DemoServer:
    """The demo API plus its audio host, each on its own loopback port.

    ``rate_limit`` is requests per ``rate_window`` seconds per key; pass a large number to
    effectively disable it (benchmarks). ``speed`` scales how fast live interviews progress.
    """

    #: How often each listener looks whether :meth:`stop` was asked for: ``stop`` waits up to
    #: this long per listener (tests, which start hundreds of servers, make it shorter).
    poll_interval: float = 0.1

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = DEMO_KEY,
                 latency_ms: float = 0.0, rate_limit: int = 100, rate_window: float = 60.0,
                 error_rate: float = 0.0, speed: float = 1.0, seed: int = 0,
                 extra_completed: int = 0, audio_ttl_seconds: float = 86400.0,
                 send_retry_after: bool = True, audio_port: int = 0,
                 audio_clock: Callable[[], float] = time.time) -> None:
        self.host = host
        self.port = port
        self.audio_port = audio_port
        self.api_key = api_key
        self.speed = speed if speed > 0 else 1.0
        self.audio_ttl_seconds = audio_ttl_seconds
        # Signs and checks audio URL expiry; tests move it instead of sleeping.
        self.audio_clock = audio_clock
        self.send_retry_after = send_retry_after
        self.dataset = Dataset(extra_completed=extra_completed, seed=seed)
        self._lock = threading.Lock()
        self._latency = max(0.0, latency_ms) / 1000.0
        self._in_flight = 0
        self._error_rate = error_rate
        self._rate_limit = rate_limit
        self._rate_window = rate_window
        self._rng = random.Random(seed)  # error_rate draws: reproducible sequence per seed
        self._windows: dict[str, list[float]] = {}  # key -> [window start, count]
        self._stats = DemoStats()
        self._secret = secrets.token_bytes(32)
        self._api: _Server | None = None
        self._audio: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._t0: float | None = None  # monotonic start
        self._advanced = 0.0
        self.epoch = 0.0  # wall-clock start: live timestamps are epoch + elapsed / speed

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DemoServer:
        if self._api is not None:
            return self
        api = _Server((self.host, self.port), _ApiHandler, self)
        try:
            audio = _Server((self.host, self.audio_port), _AudioHandler, self)
        except OSError:
            api.server_close()
            raise
        self._api, self._audio = api, audio
        self.epoch = time.time()
        self._t0 = time.monotonic()
        for name, srv in (("api", api), ("audio", audio)):
            t = threading.Thread(target=srv.serve_forever,
                                 kwargs={"poll_interval": self.poll_interval},
                                 name=f"rztui-demo-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in (self._api, self._audio):
            if srv is not None:
                srv.shutdown()
                srv.close_connections()
                srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        self._api = self._audio = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._url(self._api)

    @property
    def audio_base_url(self) -> str:
        return self._url(self._audio)

    def _url(self, srv: _Server | None) -> str:
        if srv is None:
            raise RuntimeError("DemoServer is not started")
        host, port = srv.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    # ------------------------------------------------------------------ knobs and state

    @property
    def elapsed(self) -> float:
        """Dataset seconds since start: wall seconds * speed, plus any ``advance()``."""
        if self._t0 is None:
            return self._advanced
        return (time.monotonic() - self._t0) * self.speed + self._advanced

    def advance(self, dataset_seconds: float) -> None:
        """Jump the live-interview clock forward (tests that don't want to wait)."""
        with self._lock:
            self._advanced += dataset_seconds

    def set_faults(self, *, latency_ms: float | None = None, error_rate: float | None = None,
                   rate_limit: int | None = None, rate_window: float | None = None) -> None:
        with self._lock:
            if latency_ms is not None:
                self._latency = max(0.0, latency_ms) / 1000.0
            if error_rate is not None:
                self._error_rate = error_rate
            if rate_limit is not None:
                self._rate_limit = rate_limit
            if rate_window is not None:
                self._rate_window = rate_window
                self._windows.clear()

    @property
    def stats(self) -> DemoStats:
        with self._lock:
            return copy.deepcopy(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = DemoStats()

    def ids_with_status(self) -> list[tuple[str, str]]:
        """Every interview id (base, then bulk) with its status right now."""
        t = self.elapsed
        base = [(i, self.dataset.status_at(i, t) or "") for i in ALL_IDS]
        return base + [(i, "completed") for i in self.dataset.bulk_ids]

    def snapshot(self, interview_id: str) -> dict[str, Any] | None:
        """What ``GET /interviews/<id>`` would return now, without audio URLs or a request."""
        return self.dataset.snapshot(interview_id, self.elapsed, epoch=self.epoch,
                                     speed=self.speed)

    def _record_error(self, tb: str) -> None:
        with self._lock:
            self._stats.server_errors.append(tb)

    # ------------------------------------------------------------------ API

    def _rate(self, bucket: str) -> tuple[bool, list[tuple[str, str]], int]:
        """Count one request; returns (allowed, rate-limit headers, retry-after seconds)."""
        now = time.time()
        with self._lock:
            limit, window = self._rate_limit, self._rate_window
            w = self._windows.get(bucket)
            if w is None or now >= w[0] + window:
                w = self._windows[bucket] = [now, 0]
            w[1] += 1
            reset_at = w[0] + window
            count = int(w[1])
        headers = [("X-RateLimit-Limit", str(limit)),
                   ("X-RateLimit-Remaining", str(max(0, limit - count))),
                   ("X-RateLimit-Reset", str(math.ceil(reset_at)))]
        return count <= limit, headers, max(1, math.ceil(reset_at - now))

    def _handle_api(self, h: _Handler) -> None:
        h.drain_body()
        path = urlsplit(h.path).path
        with self._lock:
            st = self._stats
            st.total_requests += 1
            st.per_path[path] = st.per_path.get(path, 0) + 1
            latency = self._latency
            if latency:
                self._in_flight += 1
                st.max_in_flight = max(st.max_in_flight, self._in_flight)
        if latency:
            time.sleep(latency)
            with self._lock:
                self._in_flight -= 1

        auth = h.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        bucket = f"key:{token}" if token else f"ip:{h.client_address[0]}"
        allowed, headers, retry_after = self._rate(bucket)

        def send(status: int, body: bytes, ctype: str = "application/json",
                 extra: Iterable[tuple[str, str]] = ()) -> None:
            with self._lock:
                sc = self._stats.status_counts
                sc[status] = sc.get(status, 0) + 1
                if status == 429:
                    self._stats.rate_limited += 1
            h.reply(status, body, ctype, [*headers, *extra])

        if not allowed:
            extra = [("Retry-After", str(retry_after))] if self.send_retry_after else []
            msg = f"Rate limit exceeded. Please retry after {retry_after} seconds."
            return send(429, _envelope("rate_limit_exceeded", msg), extra=extra)
        if token == INACTIVE_KEY:
            return send(403, _envelope("subscription_inactive", "API subscription is not active"))
        if not token or not hmac.compare_digest(token.encode(), self.api_key.encode()):
            return send(401, _envelope("authentication_error", "Invalid API key"))
        if h.command not in ("GET", "HEAD"):
            return send(405, _envelope("method_not_allowed", "Method not allowed"),
                        extra=[("Allow", "GET, HEAD")])
        with self._lock:
            fail = self._error_rate > 0 and self._rng.random() < self._error_rate
        if fail:
            return send(500, _envelope("internal_error", "An unexpected error occurred"))

        segs = path.split("/")
        if segs[:4] != _API_PREFIX or len(segs) not in (5, 6) or not segs[4] or (
                len(segs) == 6 and segs[5] != "questions"):
            return send(404, _envelope("resource_not_found", "Interview not found"))
        iid = unquote(segs[4], errors="replace")
        questions = len(segs) == 6

        if iid in FAULT_IDS:
            return self._fault(iid, questions, send)
        if questions:
            body = self.dataset.questions_payload(iid)
        else:
            expires = int(self.audio_clock() + self.audio_ttl_seconds)
            base = self.audio_base_url
            body = self.dataset.snapshot(
                iid, self.elapsed, epoch=self.epoch, speed=self.speed,
                audio_url=lambda i, q: self._audio_url(base, i, q, expires))
        if body is None:
            return send(404, _envelope("resource_not_found", "Interview not found"))
        return send(200, _json(body))

    def _fault(self, iid: str, questions: bool, send: Callable[..., None]) -> None:
        if iid == "demo-html-500":
            return send(502, _HTML_502, "text/html; charset=utf-8")
        if iid == "demo-bad-json":
            return send(200, b'{"id": "demo-bad-json", "status": "compl')
        if iid == "demo-wrong-shape":
            return send(200, b"[1, 2, 3]")
        if iid == "demo-bad-types":
            return send(200, _json({"id": 12345, "status": ["completed"], "job": "Engineer",
                                    "candidate": None, "responses": {"0": "x"},
                                    "questions": "none", "total_questions": "eleven",
                                    "started_at": 1705415400, "created_at": False}))
        if iid == "demo-internal-error":
            return send(500, _envelope("internal_error", "An unexpected error occurred"))
        time.sleep(SLOW_SECONDS)  # demo-slow
        key = "interview_id" if questions else "id"
        body = (self.dataset.questions_payload(SPEC_INTERVIEW_ID) if questions
                else self.dataset.snapshot(SPEC_INTERVIEW_ID))
        return send(200, _json({**(body or {}), key: iid}))

    # ------------------------------------------------------------------ audio

    def _sig(self, canonical_path: str, expires: int) -> str:
        msg = f"{canonical_path}\n{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    @staticmethod
    def _audio_path(interview_id: str, question_id: str) -> str:
        # Sign the canonical encoding, so a client that re-encodes the URL still verifies.
        return f"/audio/{quote(interview_id, safe='')}/{quote(question_id, safe='')}.wav"

    def _audio_url(self, base: str, interview_id: str, question_id: str, expires: int) -> str:
        path = self._audio_path(interview_id, question_id)
        return f"{base}{path}?expires={expires}&sig={self._sig(path, expires)}"

    def _handle_audio(self, h: _Handler) -> None:
        h.drain_body()
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self._stats.audio_requests += 1
            self._stats.audio_headers.append(headers)
            if "authorization" in headers:
                self._stats.audio_with_authorization += 1
            latency = self._latency
        if latency:
            time.sleep(latency)

        parts = urlsplit(h.path)
        segs = parts.path.split("/")
        xml = "application/xml"
        if len(segs) != 4 or segs[1] != "audio" or not segs[3].endswith(".wav"):
            return h.reply(404, _audio_error("NoSuchKey", "The specified key does not exist."),
                           xml)
        iid = unquote(segs[2], errors="replace")
        qid = unquote(segs[3][: -len(".wav")], errors="replace")
        query = parse_qs(parts.query)
        try:
            expires = int(query["expires"][0])
            sig = query["sig"][0]
        except (KeyError, IndexError, ValueError):
            return h.reply(403, _audio_error("AccessDenied", "Missing or malformed signature."),
                           xml)
        good = self._sig(self._audio_path(iid, qid), expires)
        if not hmac.compare_digest(sig.encode(), good.encode()):
            return h.reply(403, _audio_error(
                "SignatureDoesNotMatch", "The request signature does not match."), xml)
        if self.audio_clock() >= expires:
            return h.reply(403, _audio_error("AccessDenied", "Request has expired"), xml)
        # A per-response tone, so different files really differ.
        freq = 300 + int(hashlib.sha256(f"{iid}/{qid}".encode()).hexdigest()[:4], 16) % 600
        h.reply(200, _wav(freq), "audio/wav", [("Cache-Control", "private, max-age=0")])


def _printable(text: str) -> str:
    """Ids and statuses only reach the terminal escaped: no control or bidi characters."""
    return "".join(c if c.isprintable() and c.isascii() else f"\\u{ord(c):04x}" for c in text)


def main_foreground(host: str = "127.0.0.1", port: int = 8765, latency_ms: float = 0.0,
                    rate_limit: int = 100, speed: float = 1.0, *, error_rate: float = 0.0,
                    seed: int = 0, extra_completed: int = 0, api_key: str = DEMO_KEY,
                    audio_ttl_seconds: float = 86400.0, out: TextIO | None = None) -> int:
    """Serve until Ctrl-C, printing the URL, key, ids and live status changes.

    Bind errors raise ``OSError`` for the caller to report.
    """
    out = out or sys.stdout
    server = DemoServer(host, port, api_key=api_key, latency_ms=latency_ms,
                        rate_limit=rate_limit, error_rate=error_rate, speed=speed, seed=seed,
                        extra_completed=extra_completed,
                        audio_ttl_seconds=audio_ttl_seconds).start()

    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    try:
        say(f"rztui demo server  {server.base_url}/api/v1")
        say(f"audio host         {server.audio_base_url}")
        say(f"API key            {_printable(api_key)}")
        say(f"inactive key       {INACTIVE_KEY}   (answers 403)")
        say(f"fault ids          {', '.join(FAULT_IDS)}")
        say()
        rows = server.ids_with_status()
        for iid, status in rows[:200]:
            say(f"  {_printable(iid):<40} {_printable(status):<13} {LABELS.get(iid, '')}".rstrip())
        if len(rows) > 200:
            say(f"  ... and {len(rows) - 200} more completed bulk interviews")
        say()
        say(f"try: curl -H 'Authorization: Bearer {_printable(api_key)}' "
            f"{server.base_url}/api/v1/interviews/{SPEC_INTERVIEW_ID}")
        say("Ctrl-C to stop.")
        last = dict(rows)
        while True:
            time.sleep(0.5)
            for iid, status in server.ids_with_status():
                if last.get(iid) != status:
                    say(f"{time.strftime('%H:%M:%S')}  {_printable(iid)}  "
                        f"{_printable(last.get(iid, '?'))} -> {_printable(status)}")
                    last[iid] = status
    except KeyboardInterrupt:
        say("stopped.")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main_foreground())
