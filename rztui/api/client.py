"""Async client for the ROUND0 Interviews API (httpx only; never imports Textual).

- One ``httpx.AsyncClient`` per base URL; the Authorization header is added per request to
  relative API paths only, so it can never reach another origin. Audio URLs (pre-signed, another
  origin) go through a separate client that has no Authorization at all.
- Every response's ``X-RateLimit-*`` headers feed a :class:`RateLimiter` (:mod:`.pacing`) that
  holds requests back before the window is spent, so a healthy client never draws a 429.
- One transport for every method (:meth:`ApiClient.request`). GETs, and writes that carry an
  ``Idempotency-Key`` (the same key on every attempt), are retried (tenacity) on 429, 5xx,
  timeouts and connection errors, bounded, with exponential backoff and jitter. A write without
  a key is sent once: only a refused connect or a 429 (turned away, not processed) sends it
  again; any other failure after it may have arrived is :class:`OutcomeUnknown`. A 429 holds
  every request for exactly its ``Retry-After``, else until ``X-RateLimit-Reset``. Every such
  sleep is reported to ``on_wait(seconds, reason)``.
- Every request has a total deadline and a cap on the decoded body (:mod:`.body`); neither an
  over-cap body nor a blown deadline is retried. JSON is parsed strictly in one place.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from .. import __version__
from .body import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_RESPONSE_BYTES,
    ERROR_BODY_BYTES,
    check_content_length,
    loads,
    raw_chunks,
    read_limited,
)
from .errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    InvalidResponse,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RequestTimeout,
    RZError,
    ServerError,
    SubscriptionInactive,
    redact,
    register_secret,
    shorten,
)
from .ids import parse_id, path_segment
from .models import Interview, QuestionSet
from .netguard import AddressPolicy, GuardedTransport
from .pacing import (
    RateLimiter,
    RateState,
    WaitCallback,
    WaitReason,
    notify_wait,
    retry_after_header,
    wait_for_429,
)
from .validate import API_PREFIX, validate_api_key, validate_base_url

USER_AGENT = f"rztui/{__version__}"
# RFC 9110 9.2.1: safe methods change nothing, so sending one twice costs only a request.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# PUT and DELETE are idempotent on paper, but a DELETE repeated after it worked answers 404 and
# nothing in the API promises more: like POST and PATCH, they go again only with a key.
KNOWN_METHODS = SAFE_METHODS | {"POST", "PUT", "PATCH", "DELETE"}
# What a success looks like: the spec's GETs answer 200; a create may answer 201.
ACCEPTED_STATUSES = frozenset({200, 201})
# Failures that happen before a byte of the request is written: it never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Header-safe as is (Stripe allows up to 255 characters); a UUID fits.
_IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9._~:+/=\-]{1,255}")
DEFAULT_DEADLINE = 60.0  # seconds for one whole request, headers and body
T = TypeVar("T")

__all__ = [
    "ACCEPTED_STATUSES", "API_PREFIX", "SAFE_METHODS", "ApiClient", "RateLimiter", "RateState",
    "WaitCallback", "WaitReason", "check_idempotency_key", "error_for_response",
    "new_idempotency_key", "normalise_base_url",
]


def normalise_base_url(url: str) -> str:
    """Accept the origin with or without ``/api/v1``; see :func:`validate_base_url`."""
    return validate_base_url(url)


def error_for_response(
    status: int,
    headers: httpx.Headers,
    body: bytes | None,
    *,
    clock: Callable[[], float] = time.time,
) -> RZError:
    """Map an HTTP error answer (with or without the JSON envelope) to our exceptions."""
    err_type: str | None = None
    message: str | None = None
    if body:
        try:
            data = loads(body)
        except InvalidResponse:
            data = None
        env = data.get("error") if isinstance(data, dict) else None
        if isinstance(env, dict):
            err_type = env.get("type") if isinstance(env.get("type"), str) else None
            message = env.get("message") if isinstance(env.get("message"), str) else None
        elif isinstance(env, str):
            message = env
    tail = f" ({shorten(redact(err_type), 60)})" if err_type else ""
    said = f": {shorten(redact(message), 160)}" if message else ""
    if status == 401:
        return AuthError(f"API key rejected (401{tail}){said}; check the key",
                         status=status, error_type=err_type)
    if status == 403:
        return SubscriptionInactive(
            f"access denied (403{tail}){said}; the account's API subscription may be inactive",
            status=status, error_type=err_type,
        )
    if status == 404:
        return NotFound(f"not found (404{tail})", status=status, error_type=err_type)
    if status == 429:
        wait = wait_for_429(headers, clock)
        hint = f"; retry in {wait:.0f}s" if wait is not None else ""
        return RateLimited(f"rate limit exceeded (429){hint}", retry_after=wait,
                           status=status, error_type=err_type)
    if status >= 500:
        if message is None:
            ctype = redact(headers.get("content-type", "unknown type").split(";")[0])[:40]
            return ServerError(f"server error {status} (non-JSON {ctype})",
                               status=status, error_type=err_type)
        return ServerError(f"server error {status}{tail}{said}", status=status,
                           error_type=err_type)
    return ApiError(f"unexpected HTTP {status}{tail}{said}", status=status, error_type=err_type)


class ApiClient:
    """The ROUND0 Interviews API. Use as ``async with ApiClient(...) as api:``.

    Limits: ``timeout`` is per read (no byte for that long: retried); ``deadline`` bounds one
    whole request, headers and body (a trickling server: not retried); ``max_response_bytes``
    caps the decoded body (over it: refused, not retried); ``max_retry_wait`` is the longest
    wait after a 429 (Retry-After, else X-RateLimit-Reset) the client sleeps through (longer:
    the 429 is reported, naming when to come back, and every request fails at once until
    then). ``on_wait`` is told
    about every sleep (see :class:`WaitCallback`).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 20.0,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_attempts: int = 4,
        concurrency: int = 8,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_wait: float = 120.0,
        on_wait: WaitCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = validate_base_url(base_url)
        self._key = validate_api_key(api_key)
        register_secret(self._key)
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.max_attempts = max(1, max_attempts)
        self.concurrency = max(1, concurrency)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_retry_wait = max_retry_wait
        self._clock = clock
        self.limiter = RateLimiter(clock=clock, on_wait=on_wait, max_block=max_retry_wait)
        self._on_wait = on_wait
        self.requests_sent = 0
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=self.concurrency),
        )
        self._audio_http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._audio_http is not None:
            await self._audio_http.aclose()

    @property
    def rate(self) -> RateState:
        return self.limiter.state

    @property
    def on_wait(self) -> WaitCallback | None:
        return self._on_wait

    @on_wait.setter
    def on_wait(self, callback: WaitCallback | None) -> None:
        """Set or clear the hook told about every wait (rate limit, Retry-After, backoff)."""
        self._on_wait = callback
        self.limiter.on_wait = callback

    # -- requests ---------------------------------------------------------------------------

    def _build(
        self, method: str, path: str, content: bytes | None, idempotency_key: str | None
    ) -> httpx.Request:
        # An absolute URL would make httpx ignore base_url and carry the key elsewhere: only a
        # path under the configured origin is ever built.
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"not an API path: {redact(path)[:80]!r}")
        # No key: send none and let the API answer 401 (an empty "Bearer " is malformed).
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        if content is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = self._http.build_request(method, path, headers=headers, content=content)
        base = httpx.URL(self.base_url)
        if (request.url.scheme, request.url.host, request.url.port) != (
            base.scheme, base.host, base.port
        ):
            raise ValueError(f"not an API path: {redact(path)[:80]!r}")
        return request

    async def _exchange(
        self, request: httpx.Request, max_bytes: int
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request within the deadline: status, headers and the decoded body (capped)."""
        try:
            async with asyncio.timeout(self.deadline):
                resp = await self._http.send(request, stream=True)
                try:
                    status, headers = resp.status_code, resp.headers
                    encoding = headers.get("content-encoding")
                    if status < 400:
                        try:
                            check_content_length(headers.get("content-length"), max_bytes)
                            body = await read_limited(raw_chunks(resp), encoding, max_bytes)
                        except InvalidResponse as exc:
                            raise _if_done(exc, request.method, status) from None
                    else:
                        try:  # an error's envelope is small: more (or garbage) is ignored
                            body = await read_limited(raw_chunks(resp), encoding,
                                                      ERROR_BODY_BYTES)
                        except InvalidResponse:
                            body = b""
                finally:
                    await resp.aclose()
        except TimeoutError:
            raise DeadlineExceeded(
                f"the API did not finish answering within {self.deadline:g}s"
            ) from None
        except httpx.TimeoutException as exc:
            err: NetworkError = RequestTimeout("the API did not answer in time")
            err.request_sent = not isinstance(exc, _NOT_SENT)
            raise err from None
        except httpx.HTTPError as exc:
            err = NetworkError(_what_failed(exc))
            err.request_sent = not isinstance(exc, _NOT_SENT)
            raise err from None
        return status, headers, body

    async def _once(self, build: Callable[[], httpx.Request], max_bytes: int) -> Any:
        request = build()  # anew each attempt, as a browser would (cookies, fresh headers)
        await self.limiter.acquire()
        rate_headers: httpx.Headers | None = None
        retry_after: float | None = None
        too_long = False
        try:
            self.requests_sent += 1
            status, headers, body = await self._exchange(request, max_bytes)
            if status == 429:
                retry_after = retry_after_header(headers, self._clock)
                wait = wait_for_429(headers, self._clock)
                too_long = wait is not None and wait > self.max_retry_wait
            if retry_after is None and not too_long:
                rate_headers = headers
        finally:
            self.limiter.release(rate_headers)
        if status == 429:
            err = error_for_response(status, headers, body, clock=self._clock)
            assert isinstance(err, RateLimited)
            if err.retry_after is not None:
                # Everyone waits exactly that long (the limiter says so through on_wait), or,
                # when that is longer than we will wait, gives up at once until then.
                self.limiter.block_until(
                    self._clock() + err.retry_after,
                    "retry_after" if retry_after is not None else "rate_limit",
                )
            if too_long:
                raise self.limiter.given_up() or err
            raise err
        if status >= 400:
            raise error_for_response(status, headers, body, clock=self._clock)
        try:
            if status not in ACCEPTED_STATUSES:
                raise ApiError(f"unexpected HTTP {status}", status=status)
            if not body.strip():
                raise InvalidResponse("the API answered with an empty body")
            try:
                return loads(body)
            except InvalidResponse as exc:
                ctype = headers.get("content-type", "unknown type").split(";")[0].strip().lower()
                if ctype != "application/json" and not ctype.endswith("+json"):
                    raise InvalidResponse(
                        "the API answered with something that is not JSON "
                        f"({redact(ctype)[:40]})"
                    ) from None
                raise exc from None
        except RZError as exc:
            raise _if_done(exc, request.method, status) from None

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return 0.0  # the limiter holds every request until then (and tells on_wait)
        attempt = retry_state.attempt_number
        if attempt >= self.max_attempts:
            return 0.0  # tenacity asks before it stops: no retry follows, so nothing to tell
        base = min(self.backoff_max, self.backoff_initial * 2.0 ** (attempt - 1))
        wait = base / 2 + random.uniform(0, base / 2)  # "equal jitter"
        notify_wait(self._on_wait, wait, "backoff")
        return wait

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotency_key: str | None = None,
        max_bytes: int | None = None,
    ) -> Any:
        """Send ``method path`` (a path under the API's origin) and return its strict JSON body.

        ``json`` (not None) is sent as the body, ``Content-Type: application/json``, encoded
        once so every attempt carries the same bytes. Pacing, caps and the deadline apply to
        every method; which failures are retried depends on it:

        - GET (and the other safe methods) and any request with an ``idempotency_key``: 429,
          5xx, timeouts and lost connections, up to ``max_attempts``, the key unchanged.
        - anything else (POST, PATCH, PUT, DELETE without a key): only what provably never
          reached the server or was turned away unprocessed (a failed connect, a 429).

        A request that is not safe and fails after any attempt may have reached the server
        raises :class:`OutcomeUnknown`; a 2xx whose answer cannot be used raises
        :class:`InvalidResponse` with ``accepted_status`` set: it was done.
        ``ValueError`` (nothing sent) for an unknown method, a path off the API's origin, a
        malformed key or a body that is not strict JSON.
        """
        verb = method.upper()
        if verb not in KNOWN_METHODS:
            raise ValueError(f"unsupported HTTP method: {redact(method)[:20]!r}")
        if idempotency_key is not None:
            check_idempotency_key(idempotency_key)
        content = None if json is None else _encode_json(json)

        def build() -> httpx.Request:
            return self._build(verb, path, content, idempotency_key)

        build()  # a bad path fails here, before the limiter or the network is touched
        limit = self.max_response_bytes if max_bytes is None else max_bytes
        repeatable = verb in SAFE_METHODS or idempotency_key is not None

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, RZError) or not exc.retryable:
                return False
            if repeatable:
                return True
            # Without a key a second send could do it twice, so only what was never processed
            # goes again. A 429 is the rate limiter turning the request away before anything is
            # done (api-facts: "Over the limit: HTTP 429 ... rate_limit_exceeded", a refusal
            # that comes with "retry after N seconds"); a failed connect never reached it.
            if isinstance(exc, RateLimited):
                return True
            return isinstance(exc, NetworkError) and not exc.request_sent

        maybe_done = False  # has any attempt possibly reached the server and been acted on?
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(should_retry),
                stop=stop_after_attempt(self.max_attempts),
                wait=self._wait,
                reraise=True,
            ):
                with attempt:
                    try:
                        return await self._once(build, limit)
                    except RZError as exc:
                        maybe_done = maybe_done or _maybe_done(exc)
                        raise
        except RZError as exc:
            # After a 503 and then a 429, the first attempt's fate is still unknown: the last
            # error alone would hide it. A 2xx, though, says it was done.
            done = isinstance(exc, InvalidResponse) and exc.accepted_status is not None
            if verb in SAFE_METHODS or not maybe_done or done:
                raise
            raise _outcome_unknown(verb, path, exc, idempotency_key) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(self, path: str, *, max_bytes: int | None = None) -> Any:
        """GET an API path with pacing and bounded retries; the body is strict JSON."""
        return await self.request("GET", path, max_bytes=max_bytes)

    async def get_interview(self, interview_id: str) -> Interview:
        """The interview as a model; ``.raw`` keeps the payload exactly as the API sent it.

        A body about another interview (its ``id`` is not the one asked for) is refused: saved,
        it would overwrite that other interview's record.
        """
        iid = parse_id(interview_id)
        try:
            interview = Interview.from_api(
                await self.get_json(f"{API_PREFIX}/interviews/{path_segment(iid)}")
            )
            if interview.id != iid:
                raise InvalidResponse(
                    f"the API answered with another interview ({_short(interview.id)})"
                )
        except RZError as exc:
            raise exc.with_id(iid) from None
        return interview

    async def get_questions_json(self, interview_id: str) -> dict[str, Any]:
        iid = parse_id(interview_id)
        try:
            data = await self.get_json(f"{API_PREFIX}/interviews/{path_segment(iid)}/questions")
            qs = QuestionSet.from_api(data)
            if qs.interview_id and qs.interview_id != iid:
                raise InvalidResponse(
                    f"the API answered with another interview's questions "
                    f"({_short(qs.interview_id)})"
                )
        except RZError as exc:
            raise exc.with_id(iid) from None
        return qs.raw

    async def get_questions(self, interview_id: str) -> QuestionSet:
        return QuestionSet.from_api(await self.get_questions_json(interview_id))

    async def gather_bounded(
        self,
        items: Iterable[str],
        fetch: Callable[[str], Awaitable[T]],
        *,
        concurrency: int | None = None,
        on_done: Callable[[str, T | RZError], None] | None = None,
        stop_when: Callable[[T | RZError], bool] | None = None,
    ) -> dict[str, T | RZError]:
        """Run ``fetch`` over ``items``, at most ``concurrency`` at once; errors are returned.

        Once ``stop_when(value)`` is true for a result, no further item is started (those in
        flight finish): the items never started are missing from the result, and ``on_done``
        is not called for them.
        """
        sem = asyncio.Semaphore(max(1, concurrency or self.concurrency))
        results: dict[str, T | RZError] = {}
        stopped = False

        async def one(item: str) -> None:
            nonlocal stopped
            async with sem:
                if stopped:
                    return
                try:
                    value: T | RZError = await fetch(item)
                except RZError as exc:
                    value = exc
            results[item] = value
            if stop_when is not None and stop_when(value):
                stopped = True
            if on_done is not None:
                on_done(item, value)

        await asyncio.gather(*(one(i) for i in dict.fromkeys(items)))
        return results

    # -- audio (another origin, pre-signed: never send the key there) ------------------------

    def audio_client(self) -> httpx.AsyncClient:
        """A client for audio URLs: no Authorization, no proxy from the environment, and only
        addresses :mod:`.netguard` allows (public, or the kind the API itself is on)."""
        if self._audio_http is None:
            policy = AddressPolicy(httpx.URL(self.base_url).host or None)
            self._audio_http = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                timeout=httpx.Timeout(60.0, connect=10.0),
                follow_redirects=True,
                max_redirects=5,
                transport=GuardedTransport(policy),
            )
        return self._audio_http


def _what_failed(exc: httpx.HTTPError) -> str:
    """What an httpx failure means for people: a server that was reached and broke HTTP, or
    hung up, is not one that "cannot be reached"."""
    name = type(exc).__name__
    if isinstance(exc, httpx.RemoteProtocolError):
        said = str(exc)
        if said.startswith("Server disconnected"):
            return f"the API closed the connection without answering ({name})"
        # h11 names the rule broken, then quotes the bytes: the rule is enough.
        why = shorten(redact(said.split(":")[0]), 60) if said else "no reason given"
        return f"the API answered with broken HTTP: {why} ({name})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError) and not isinstance(exc, _NOT_SENT):
        return f"the connection to the API was lost ({name})"
    return f"cannot reach the API ({name})"


def _short(text: str) -> str:
    return repr(redact(text)[:60])


def new_idempotency_key() -> str:
    """A fresh key for one write: store it with the write BEFORE the first attempt, and send the
    same key on every attempt and after a crash, so the write happens exactly once."""
    return str(uuid.uuid4())


def check_idempotency_key(key: str) -> str:
    """The key, if it can travel as a header value unchanged (no CR/LF, no quoting needed)."""
    if not _IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise ValueError("an Idempotency-Key is 1 to 255 of A-Z a-z 0-9 . _ ~ : + / = -")
    return key


def _encode_json(value: Any) -> bytes:
    try:  # strict JSON out, as in: NaN and Infinity are refused before anything is sent
        return json.dumps(value, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the request body is not JSON ({str(exc)[:60]})") from None


def _if_done(exc: RZError, method: str, status: int) -> RZError:
    """A 2xx to a request that changes something means it was done, even when the answer is
    unusable: say so, or the user would send it again."""
    if method in SAFE_METHODS or not 200 <= status < 300:
        return exc
    text = f"the API accepted the {method} (HTTP {status}) but its answer is unusable: " \
           f"{exc.detail}"
    done = type(exc)(text) if isinstance(exc, InvalidResponse) else InvalidResponse(text)
    done.accepted_status = status
    return done


def _maybe_done(exc: RZError) -> bool:
    """Did this failure possibly follow the server receiving (and acting on) the request?"""
    if isinstance(exc, NetworkError):
        return exc.request_sent
    return isinstance(exc, ServerError)  # a 5xx can come after the work was done


def _outcome_unknown(
    method: str, path: str, cause: RZError, idempotency_key: str | None
) -> OutcomeUnknown:
    what = f"{method} {redact(path)[:80]}"
    if idempotency_key is not None:
        advice = "sending it again with the same Idempotency-Key is safe"
    else:
        advice = "it may have been done: check before sending it again"
    return OutcomeUnknown(f"{what}: outcome unknown ({cause.detail}); {advice}",
                          cause=cause, idempotency_key=idempotency_key)
