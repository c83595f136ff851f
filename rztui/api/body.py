"""Reading a response body within a size cap, and parsing JSON strictly, in one guarded place.

- Bodies are read as a stream and decoded here (gzip, deflate, identity) a bounded step at a time,
  so a 2 MB gzip body that inflates to 2 GiB costs one step of memory before the cap stops it,
  not 2 GiB. The cap counts DECODED bytes; an oversized ``Content-Length`` is refused before
  anything is read.
- :func:`loads` is the one JSON parser for API answers: anything that is not strict JSON
  (``NaN``, ``Infinity``, ``1e999``), nests too deep, or is not UTF-8 raises
  :class:`InvalidResponse`, never ``ValueError`` or ``RecursionError``, so every JSON we write
  out later is strict and one bad interview stays one failed item.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from .errors import InvalidResponse, ResponseTooLarge

MiB = 1024 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 16 * MiB  # API JSON: a real interview is a few hundred KiB
ERROR_BODY_BYTES = 64 * 1024  # an error envelope is a line or two; more is ignored
MAX_JSON_DEPTH = 200  # SQLite's JSON functions stop at 1000; nothing real nests past ~6
DECODE_STEP = 64 * 1024  # most bytes one decompress step may produce
# What we can decode a bounded step at a time (httpx would add br/zstd if installed; we can't cap
# those the same way, so we never ask for them).
ACCEPT_ENCODING = "gzip, deflate"


def describe_size(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"


def too_large(limit: int, what: str = "the answer") -> ResponseTooLarge:
    return ResponseTooLarge(f"{what} is larger than {describe_size(limit)}: refused")


def check_content_length(value: str | None, limit: int, what: str = "the answer") -> int | None:
    """The declared length; raise before reading anything when it is over ``limit``.

    With a content encoding the header counts encoded bytes; decoded data is at least about as
    large, so a declared size over the cap is refused either way.
    """
    if value is None:
        return None
    try:
        declared = int(value.strip())
    except ValueError:
        return None
    if declared > limit:
        raise too_large(limit, what)
    return declared if declared >= 0 else None


class _Inflater:
    """zlib with a bound on the output of each step (and gzip members one after another)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._started = False
        self._d = self._new()

    def _new(self, raw_deflate: bool = False) -> Any:
        if self.encoding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> Iterator[bytes]:
        buf = data
        while True:
            try:
                out = self._d.decompress(buf, DECODE_STEP)
            except zlib.error:
                if self.encoding == "deflate" and not self._started:
                    # Servers differ on "deflate": zlib-wrapped (the RFC) or raw; try raw.
                    self._started = True
                    self._d = self._new(raw_deflate=True)
                    continue
                raise InvalidResponse(f"the answer's {self.encoding} data is corrupt") from None
            self._started = True
            buf = self._d.unconsumed_tail
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if self.encoding != "deflate" and rest.lstrip(b"\0"):
                    self._d = self._new()  # another gzip member
                    buf = rest
                    continue
                return
            if not buf and len(out) < DECODE_STEP:
                return  # input used up and nothing held back

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")


def _decoders(content_encoding: str | None) -> list[_Inflater]:
    names = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    decoders: list[_Inflater] = []
    for name in reversed(names):  # the last encoding applied is undone first
        if name == "identity":
            continue
        if name in ("gzip", "x-gzip", "deflate"):
            decoders.append(_Inflater("deflate" if name == "deflate" else "gzip"))
        else:
            raise InvalidResponse(f"the answer uses an encoding we did not ask for ({name[:20]})")
    return decoders


def _run(decoders: list[_Inflater], data: bytes, final: bool) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    head, rest = decoders[0], decoders[1:]
    pieces = head.feed(data) if data else iter(())
    for piece in pieces:
        yield from _run(rest, piece, False)
    if final:
        for piece in head.flush():
            yield from _run(rest, piece, False)
        yield from _run(rest, b"", True)


async def raw_chunks(resp: httpx.Response) -> AsyncIterator[bytes]:
    """The body as sent (still encoded). A response built in memory (a test's mock transport)
    has already been read: its bytes come in one piece."""
    if resp.is_stream_consumed:
        yield resp.content
        return
    async for chunk in resp.aiter_raw():
        yield chunk


async def iter_decoded(
    raw: AsyncIterator[bytes],
    content_encoding: str | None,
    limit: int,
    what: str = "the answer",
) -> AsyncIterator[bytes]:
    """Decoded pieces of a raw body; raises :class:`ResponseTooLarge` past ``limit`` bytes."""
    decoders = _decoders(content_encoding)
    total = 0
    async for chunk in raw:
        for piece in _run(decoders, chunk, False):
            total += len(piece)
            if total > limit:
                raise too_large(limit, what)
            yield piece
    for piece in _run(decoders, b"", True):
        total += len(piece)
        if total > limit:
            raise too_large(limit, what)
        yield piece


async def read_limited(
    raw: AsyncIterator[bytes],
    content_encoding: str | None,
    limit: int,
    what: str = "the answer",
) -> bytes:
    """The whole decoded body, at most ``limit`` bytes (else :class:`ResponseTooLarge`)."""
    out = bytearray()
    async for piece in iter_decoded(raw, content_encoding, limit, what):
        out += piece
    return bytes(out)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses to inf without ever saying "Infinity"
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


def loads(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Strict JSON from an API answer, or :class:`InvalidResponse` (never another exception)."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidResponse(f"the answer nests deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        detail = str(exc).split(":")[0][:60] if isinstance(exc, ValueError) else "not UTF-8"
        raise InvalidResponse(f"the answer is not JSON ({detail})") from None
    # Fast path: fewer brackets than the limit cannot nest past it.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") > max_depth and _too_deep(value, max_depth):
        raise InvalidResponse(f"the answer nests deeper than {max_depth} levels")
    return value
