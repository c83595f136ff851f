"""A raw HTTP/1.1 server on loopback for faults ``http.server`` cannot produce.

Each route is an ``async`` handler that writes whatever bytes it likes: bodies that never end,
headers that never end, a byte every few seconds, gzip bombs, lying ``Content-Length``... One
request per connection (``Connection: close``). Any method is served; each request's method,
headers and body (by ``Content-Length``) are recorded in ``stats.requests`` before its handler
runs. Runs its own event loop in a thread, so it works with synchronous callers (subprocesses,
benchmarks) as well as async tests.

    with FaultServer() as srv:
        srv.route("/api/v1/interviews/x", gzip_bomb(2 * GiB))
        srv.base_url  # http://127.0.0.1:<port>

Also used by ``benchmarks/faults.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024
GiB = 1024 * MiB
MAX_REQUEST_BODY = 1 * MiB  # more is not read (the client under test never sends that much)


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def json(self) -> Any:
        return json.loads(self.body)


Writer = asyncio.StreamWriter
Handler = Callable[[Request, Writer], Awaitable[None]]


@dataclass
class Stats:
    requests: list[Request] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=dict)  # per path
    disconnected: dict[str, int] = field(default_factory=dict)  # client hung up mid-answer

    def count(self, path: str, method: str | None = None) -> int:
        return sum(1 for r in self.requests
                   if r.path == path and (method is None or r.method == method))

    def seen(self, path: str) -> list[Request]:
        """The requests that reached ``path``, in order."""
        return [r for r in self.requests if r.path == path]


def _head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(status: int = 200, body: bytes | str | Any = b"",
          headers: Iterable[tuple[str, str]] = (), *,
          content_type: str = "application/json") -> Handler:
    """A plain answer; ``body`` that is not bytes/str is sent as JSON."""
    if isinstance(body, str):
        data = body.encode()
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode()
    hdrs = [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers]

    async def handler(req: Request, w: Writer) -> None:
        w.write(_head(status, hdrs) + data)
        await w.drain()

    return handler


def gzip_bomb_bytes(inflated: int, *, prefix: bytes = b"", fill: bytes = b"a") -> bytes:
    """A valid gzip body that inflates to ``prefix`` + ``fill`` up to ``inflated`` bytes.

    Built, not compressed: each MiB is deflated once after a full flush, which makes its
    compressed form independent of what came before, so the same ~1 KB repeats (2 GiB in about
    2 MB, in about a second, mostly the CRC).
    """
    block = fill * (MiB // len(fill))
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    unit = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    left = max(0, inflated - len(prefix))
    whole, rest = divmod(left, len(block))
    tail = comp.compress(block[:rest]) + comp.flush() if rest else comp.flush()
    crc = zlib.crc32(prefix)
    for _ in range(whole):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(block[:rest], crc)
    trailer = struct.pack("<II", crc, (len(prefix) + left) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + unit * whole + tail + trailer


def gzip_bomb(inflated: int, *, prefix: bytes = b'{"id": "x", "pad": "',
              content_type: str = "application/json") -> Handler:
    """A small gzip body (honest Content-Length) that inflates to ``inflated`` bytes."""
    data = gzip_bomb_bytes(inflated, prefix=prefix)
    hdrs = [("Content-Type", content_type), ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(data)))]

    async def handler(req: Request, w: Writer) -> None:
        w.write(_head(200, hdrs))
        for i in range(0, len(data), 64 * 1024):
            w.write(data[i:i + 64 * 1024])
            await w.drain()

    handler.compressed_size = len(data)  # type: ignore[attr-defined]
    return handler


def endless_chunked(piece: bytes = b" " * 65536) -> Handler:
    """``Transfer-Encoding: chunked`` that never sends the last chunk."""
    hdrs = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    async def handler(req: Request, w: Writer) -> None:
        w.write(_head(200, hdrs) + f"{1:x}\r\n[\r\n".encode())
        while True:
            w.write(chunk)
            await w.drain()

    return handler


def huge_body(declared: int, *, honest: bool = True) -> Handler:
    """A ``Content-Length: declared`` body; ``honest`` sends that many bytes, else none."""
    hdrs = [("Content-Type", "application/json"), ("Content-Length", str(declared))]
    block = b"[" + b" " * (256 * 1024 - 1)

    async def handler(req: Request, w: Writer) -> None:
        w.write(_head(200, hdrs))
        if not honest:
            await asyncio.sleep(3600)
        left = declared
        while left > 0:
            w.write(block[: min(left, len(block))])
            left -= min(left, len(block))
            await w.drain()

    return handler


def trickle(body: bytes, every: float, *, headers_too: bool = False,
            content_type: str = "application/json") -> Handler:
    """Send ``body`` one byte every ``every`` seconds (``headers_too``: the headers as well,
    and they never end)."""

    async def handler(req: Request, w: Writer) -> None:
        if headers_too:
            w.write(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nX-Slow: ".encode())
            while True:
                await w.drain()
                await asyncio.sleep(every)
                w.write(b"a")
        w.write(_head(200, [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))]))
        for i in range(len(body)):
            await w.drain()
            await asyncio.sleep(every)
            w.write(body[i:i + 1])
        await w.drain()

    return handler


def echo_authorization(status: int = 401) -> Handler:
    """An error envelope whose message repeats the request's Authorization header."""

    async def handler(req: Request, w: Writer) -> None:
        auth = req.headers.get("authorization", "")
        body = json.dumps({"error": {"type": "authentication_error",
                                     "message": f"Invalid API key: {auth}"}}).encode()
        await reply(status, body)(req, w)

    return handler


def drop() -> Handler:
    """Read the request, then hang up without a word (the server may have acted on it)."""

    async def handler(req: Request, w: Writer) -> None:
        return None  # the connection is closed once the handler returns

    return handler


def silent(seconds: float = 3600.0) -> Handler:
    """Read the request, then say nothing for ``seconds`` (a read timeout on the client)."""

    async def handler(req: Request, w: Writer) -> None:
        await asyncio.sleep(seconds)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """The first request gets the first handler, and so on; the last one repeats."""
    calls = {"n": 0}

    async def handler(req: Request, w: Writer) -> None:
        i = min(calls["n"], len(handlers) - 1)
        calls["n"] += 1
        await handlers[i](req, w)

    return handler


class FaultServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.routes: dict[str, Handler] = {}
        self.stats = Stats()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- routes --------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``path`` with ``handler``; returns the full URL."""
        self.routes[path] = handler
        return self.base_url + path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FaultServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            self._server = await asyncio.start_server(self._serve, self.host, 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="faultserver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        path = "?"
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            declared = headers.get("content-length", "")
            length = int(declared) if declared.isdigit() else 0
            body = await reader.readexactly(min(length, MAX_REQUEST_BODY)) if length > 0 else b""
            req = Request(method, target, headers, body)
            path = req.path
            self.stats.requests.append(req)
            handler = self.routes.get(path) or reply(
                404, {"error": {"type": "resource_not_found", "message": "no such route"}})
            await handler(req, _CountingWriter(writer, self.stats, path))  # type: ignore[arg-type]
        except (ConnectionError, asyncio.IncompleteReadError):
            self.stats.disconnected[path] = self.stats.disconnected.get(path, 0) + 1
        except asyncio.CancelledError:
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._tasks.discard(task)  # type: ignore[arg-type]


class _CountingWriter:
    """A StreamWriter that counts what it sends (per path) and notices a client that left."""

    def __init__(self, writer: asyncio.StreamWriter, stats: Stats, path: str) -> None:
        self._w = writer
        self._stats = stats
        self._path = path

    def write(self, data: bytes) -> None:
        if self._w.is_closing():
            raise ConnectionResetError("client went away")
        self._stats.bytes_sent[self._path] = self._stats.bytes_sent.get(self._path, 0) + len(data)
        self._w.write(data)

    async def drain(self) -> None:
        await self._w.drain()

    def close(self) -> None:
        self._w.close()


# --------------------------------------------------------------------------- hostile audio URLs

# An audio URL an API could send that must fail alone (rztui.files.archive): each maps the good
# URL of that answer to the hostile one.
HOSTILE_AUDIO_URLS: dict[str, Callable[[str], str]] = {
    "CR/LF": lambda good: good + "\r\nX-Injected: 1",
    "ESC": lambda good: good + "\x1b[2J",
    "NUL": lambda good: good + "\x00.wav",
    "100 KB": lambda good: good + "?pad=" + "a" * 100_000,
    "javascript:": lambda good: "javascript:alert(1)",
    "broken IPv6": lambda good: "http://[::1/q.wav",
    "private address": lambda good: "http://10.0.0.7/q.wav",
}
WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt "


def serve_interviews(srv: FaultServer, payloads: list[dict[str, Any]],
                     hostile: dict[tuple[int, int], str] | None = None) -> list[str]:
    """Serve each interview payload at ``/api/v1/interviews/<id>``, every answer's audio (a
    small WAV) on ``srv`` too; ``hostile`` replaces the audio URL of (interview, answer) at
    those 0-based places with a key of HOSTILE_AUDIO_URLS. Returns the ids."""
    for n, body in enumerate(payloads):
        for k, response in enumerate(body["responses"]):
            good = srv.route(f"/audio/{n}/{k}.wav",
                             reply(200, WAV_HEAD + bytes(500), content_type="audio/wav"))
            kind = (hostile or {}).get((n, k))
            response["audio_url"] = HOSTILE_AUDIO_URLS[kind](good) if kind else good
        srv.route(f"/api/v1/interviews/{body['id']}", reply(200, body))
    return [body["id"] for body in payloads]
