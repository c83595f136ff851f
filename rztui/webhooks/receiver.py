"""A small receiver for ROUND0 webhooks (``asyncio.start_server``; no new dependency).

- Only ``POST`` to the configured path (default ``/webhooks/round0``; any other path is 404,
  logged once with the path that is served, so a mistyped URL in the vendor's dashboard shows;
  any other method 405), one request per connection (``Connection: close``).
- ``Content-Length`` is required (411 otherwise, chunked bodies included) and must be ASCII
  digits (``²`` is a digit to Python, not to HTTP: 400); a body over ``max_body`` (64 KiB) gets
  413: up to :data:`DISCARD_CAP` (4 MiB) of it is read and dropped first (never kept, and for
  at most ``read_timeout``), so a sender that writes its whole body before reading sees the 413
  instead of a connection reset; a bigger one (or one sent with ``Expect: 100-continue``) is
  answered at once. Headers over 16 KiB get 431; a client that stalls for 10 s is dropped.
- ``X-Webhook-Signature: t=<unix>,v1=<hex>`` must verify
  (:func:`~rztui.webhooks.signature.verify_signature`): a missing, wrong or stale (more than 5
  minutes off) signature is 401, a malformed header 400. Nothing is parsed or changed before
  the signature checks out.
- A verified body must be the documented envelope (:func:`~rztui.webhooks.events.parse_event`),
  else 400 (deeply nested JSON included). Event ids already seen are answered 200 (so the
  sender stops retrying) and ignored; the seen set (:mod:`~rztui.webhooks.seen`) is updated in
  a thread, at a cost that does not grow with its size. Unknown event types are answered 200
  and ignored.
- Every refusal is one log line (``status: reason``), at most one a minute per kind of refusal
  (a count of the ones left out comes with the next); never a traceback.
- A valid ``interview_started`` / ``interview_ended`` is answered 200 at once; then the handler
  runs (for live watching, :class:`~rztui.live.session.LiveSession` gives one that pokes the
  poller).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..api.errors import ConfigError
from .events import EVENT_TYPES, InvalidEvent, WebhookEvent, parse_event
from .seen import SeenEvents
from .signature import SIGNATURE_HEADER, TOLERANCE, SignatureError, verify_signature

log = logging.getLogger(__name__)

DEFAULT_PATH = "/webhooks/round0"
MAX_BODY = 64 * 1024
MAX_HEADER = 16 * 1024
#: The most of a too-large body read (and dropped) before its 413 is sent.
DISCARD_CAP = 4 * 1024 * 1024
READ_TIMEOUT = 10.0
LOG_EVERY = 60.0  # seconds between log lines for the same kind of refusal

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
            413: "Content Too Large", 431: "Request Header Fields Too Large",
            500: "Internal Server Error"}


class ListenAddress(NamedTuple):
    """Where to listen: ``path`` is None when the address gave none (use the default)."""

    host: str
    port: int
    path: str | None


_LISTEN = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:/\s\[\]]*)):(?P<port>[0-9]{1,5})"
                     r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")


def parse_listen_address(text: str) -> ListenAddress:
    """``HOST:PORT[/PATH]``, ``[::1]:PORT[/PATH]`` or ``:PORT[/PATH]`` (loopback)."""
    text = (text or "").strip()
    m = _LISTEN.fullmatch(text)
    if not m:
        raise ConfigError(f"--webhook-listen wants HOST:PORT[/PATH], not {text[:60]!r}")
    host = m.group("v6") or m.group("host") or "127.0.0.1"
    port = int(m.group("port"))
    if port > 65535:
        raise ConfigError(f"port {port} is out of range")
    path = m.group("path")
    path = "/" + path.strip("/") if path and path.strip("/") else None
    return ListenAddress(host, port, path)


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT[/PATH]`` -> (host, port); see :func:`parse_listen_address` for the path."""
    host, port, _ = parse_listen_address(text)
    return host, port


@dataclass
class ReceiverStats:
    requests: int = 0
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: dict[int, int] = field(default_factory=dict)  # status -> count
    last_event_at: float | None = None


EventHandler = Callable[[WebhookEvent], object]


class _Reject(Exception):
    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = (),
                 unread: int = 0, log: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.unread = unread  # body bytes still coming: read and drop them after answering
        self.log = log  # more for the log line than for the client


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
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._logged: dict[str, tuple[float, int]] = {}  # kind -> (last logged, left out)

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
    def listening(self) -> bool:
        """Started and not closed (the poller relaxes only while this holds)."""
        return self._server is not None and self._server.is_serving()

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
        await asyncio.to_thread(self.seen.close)

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
                self._log_refusal(rej)
            except (ConnectionError, asyncio.IncompleteReadError):
                return  # the client went away: nobody to answer
            except Exception:  # never let a bug take the listener down
                log.exception("webhook request failed")
                status, payload, headers = 500, {"error": "internal error"}, ()
            await self._respond(writer, status, payload, headers)
            if unread:
                # Closing with unread data would reset the connection before the client
                # reads our answer; swallow a bounded amount of what it is still sending.
                await self._discard(reader, min(unread, DISCARD_CAP))
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
            raise _Reject(404, "not found", log=f"{method[:10]!r} to {path[:100]!r}: "
                                               f"this listener serves {self.path}")
        if method != "POST":
            raise _Reject(405, "only POST", (("Allow", "POST"),))
        if "transfer-encoding" in headers:
            raise _Reject(411, "chunked bodies are not accepted; send Content-Length")
        length_text = headers.get("content-length")
        if length_text is None:
            raise _Reject(411, "Content-Length required")
        if not re.fullmatch(r"[0-9]{1,12}", length_text):  # not str.isdigit: '²' passes that
            raise _Reject(400, "bad Content-Length")
        length = int(length_text)
        expects_continue = headers.get("expect", "").lower() == "100-continue"
        if length > self.max_body:
            unread = length
            if not expects_continue and length <= DISCARD_CAP:
                # The sender writes the body before it reads: closing on unread data would
                # reset the connection and lose the answer. Read it first (dropped, bounded).
                unread = await self._discard(reader, length, self.read_timeout)
            raise _Reject(413, f"body over {self.max_body} bytes", unread=0 if expects_continue
                          else unread)
        if expects_continue:
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
        if not await self.seen.remember(event.id):
            self.stats.duplicates += 1
            return 200, {"received": True, "duplicate": True}, None
        if event.type not in EVENT_TYPES:
            self.stats.ignored += 1
            return 200, {"received": True, "ignored": "unknown event type"}, None
        self.stats.accepted += 1
        self.stats.last_event_at = self._clock()
        return 200, {"received": True}, event

    def _log_refusal(self, rej: _Reject) -> None:
        """One line per refusal, at most one a minute per kind (status + reason)."""
        kind = f"{rej.status} {rej.message}"
        now = time.monotonic()
        last, left_out = self._logged.get(kind, (-LOG_EVERY, 0))
        if now - last < LOG_EVERY:
            self._logged[kind] = (last, left_out + 1)
            return
        if len(self._logged) > 100:  # kinds are few; a flood of distinct ones is not kept
            self._logged.clear()
        self._logged[kind] = (now, 0)
        more = f" (and {left_out} more like it in the last minute)" if left_out else ""
        detail = f": {rej.log}" if rej.log else ""
        log.warning("webhook request refused (%d %s)%s%s", rej.status, rej.message, detail,
                    more)

    async def _respond(self, writer: asyncio.StreamWriter, status: int, payload: dict[str, Any],
                       headers: tuple[tuple[str, str], ...]) -> None:
        body = json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                "Content-Type: application/json", f"Content-Length: {len(body)}",
                "Connection: close", *(f"{k}: {v}" for k, v in headers)]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await asyncio.wait_for(writer.drain(), self.read_timeout)

    async def _discard(self, reader: asyncio.StreamReader, limit: int,
                       seconds: float = 1.0) -> int:
        """Read and drop up to ``limit`` bytes for at most ``seconds``; what is left unread
        (0 when the client closed its side)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        left = limit
        with contextlib.suppress(Exception):
            while left > 0 and loop.time() < end:
                chunk = await asyncio.wait_for(reader.read(min(left, 65536)),
                                               end - loop.time())
                if not chunk:
                    return 0
                left -= len(chunk)
        return left

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

