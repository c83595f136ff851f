"""Async client for the ROUND0 Interviews API (httpx only; never imports Textual).

- One ``httpx.AsyncClient`` per base URL; the Authorization header is added per request to
  relative API paths only, so it can never reach another origin. Audio URLs (pre-signed, another
  origin) go through a separate client that has no Authorization at all.
- Every response's ``X-RateLimit-*`` headers feed a :class:`RateLimiter` that holds requests back
  before the window is spent, so a healthy client never draws a 429.
- Idempotent GETs are retried (tenacity) on 429, 5xx, timeouts and connection errors, bounded,
  with exponential backoff and jitter; a 429 waits per ``Retry-After``, else ``X-RateLimit-Reset``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from .. import __version__
from . import DEFAULT_BASE_URL
from .errors import (
    ApiError,
    AuthError,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    RZError,
    ServerError,
    SubscriptionInactive,
    redact,
)
from .ids import parse_id, path_segment
from .models import Interview, QuestionSet

API_PREFIX = "/api/v1"
USER_AGENT = f"rztui/{__version__}"
T = TypeVar("T")


def normalise_base_url(url: str) -> str:
    """Accept the origin with or without ``/api/v1`` and trailing slashes."""
    url = (url or DEFAULT_BASE_URL).strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    if not url.startswith(("http://", "https://")):
        raise RZError(f"base URL must start with http:// or https://: {url[:60]!r}")
    return url


@dataclass
class RateState:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # Unix seconds when the window resets
    updated: float | None = None


class RateLimiter:
    """Paces requests from the server's X-RateLimit headers.

    ``remaining`` counts down locally as requests are sent and is corrected by each response;
    when it reaches ``reserve`` the next request waits for the window to reset.
    """

    def __init__(self, *, reserve: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.state = RateState()
        self.reserve = reserve
        self._clock = clock
        self._lock = asyncio.Lock()
        self._in_flight = 0
        self.waits = 0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                st = self.state
                now = self._clock()
                if st.reset is not None and now >= st.reset and st.limit is not None:
                    st.remaining = st.limit  # a new window has started
                    st.reset = None
                if st.remaining is None or st.remaining > self.reserve:
                    break
                delay = min(max((st.reset or now + 1.0) - now, 0.05), 65.0)
                self.waits += 1
                await asyncio.sleep(delay + 0.05)
                if st.reset is None or self._clock() >= st.reset:
                    st.remaining = st.limit
                    st.reset = None
            if self.state.remaining is not None:
                self.state.remaining -= 1
            self._in_flight += 1

    def release(self, headers: httpx.Headers | None) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if headers is None:
            return
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _int_header(headers, "x-ratelimit-reset")
        st = self.state
        if limit is not None:
            st.limit = limit
        if remaining is not None:
            if reset is not None and (st.reset is None or reset > st.reset):
                # New window: the server's count, less what we have in flight already.
                st.remaining = max(0, remaining - self._in_flight)
            else:
                st.remaining = min(
                    st.remaining if st.remaining is not None else remaining, remaining
                )
        if reset is not None:
            st.reset = float(reset) if st.reset is None else max(st.reset, float(reset))
        st.updated = self._clock()

    def block_until(self, when: float) -> None:
        """After a 429: nobody sends until ``when``."""
        self.state.remaining = 0
        self.state.reset = max(self.state.reset or 0.0, when)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _retry_after(resp: httpx.Response, clock: Callable[[], float]) -> float | None:
    value = resp.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass  # HTTP-date form: fall through to the reset header
    reset = _int_header(resp.headers, "x-ratelimit-reset")
    if reset is not None:
        return max(0.0, min(reset - clock(), 120.0))
    return None


def error_for_response(resp: httpx.Response, *, clock: Callable[[], float] = time.time) -> RZError:
    """Map an HTTP error response (with or without the JSON envelope) to our exceptions."""
    status = resp.status_code
    err_type: str | None = None
    message: str | None = None
    try:
        body = resp.json()
        env = body.get("error") if isinstance(body, dict) else None
        if isinstance(env, dict):
            err_type = env.get("type") if isinstance(env.get("type"), str) else None
            message = env.get("message") if isinstance(env.get("message"), str) else None
        elif isinstance(env, str):
            message = env
    except (ValueError, UnicodeDecodeError):
        pass
    tail = f" ({redact(err_type)})" if err_type else ""
    said = f": {redact(message)[:160]}" if message else ""
    kw: dict[str, Any] = {"status": status, "error_type": err_type}
    if status == 401:
        return AuthError(f"API key rejected (401{tail}){said}; check the key", **kw)
    if status == 403:
        return SubscriptionInactive(
            f"access denied (403{tail}){said}; the account's API subscription may be inactive",
            **kw,
        )
    if status == 404:
        return NotFound(f"not found (404{tail})", **kw)
    if status == 429:
        wait = _retry_after(resp, clock)
        hint = f"; retry in {wait:.0f}s" if wait is not None else ""
        return RateLimited(f"rate limit exceeded (429){hint}", retry_after=wait, **kw)
    if status >= 500:
        if message is None:
            ctype = resp.headers.get("content-type", "unknown type")
            return ServerError(f"server error {status} (non-JSON {ctype.split(';')[0]})", **kw)
        return ServerError(f"server error {status}{tail}{said}", **kw)
    return ApiError(f"unexpected HTTP {status}{tail}{said}", **kw)


class ApiClient:
    """The ROUND0 Interviews API. Use as ``async with ApiClient(...) as api:``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 20.0,
        max_attempts: int = 4,
        concurrency: int = 8,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._key = api_key
        self.max_attempts = max(1, max_attempts)
        self.concurrency = max(1, concurrency)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._clock = clock
        self.limiter = RateLimiter(clock=clock)
        self.requests_sent = 0
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
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

    # -- requests ---------------------------------------------------------------------------

    async def _get_once(self, path: str) -> Any:
        await self.limiter.acquire()
        headers = None
        try:
            self.requests_sent += 1
            # No key: send none and let the API answer 401 (an empty "Bearer " is malformed).
            auth = {"Authorization": f"Bearer {self._key}"} if self._key else {}
            resp = await self._http.get(path, headers=auth)
            headers = resp.headers
        except httpx.TimeoutException:
            raise RequestTimeout("the API did not answer in time") from None
        except httpx.HTTPError as exc:
            raise NetworkError(f"cannot reach the API ({type(exc).__name__})") from None
        finally:
            self.limiter.release(headers)
        if resp.status_code == 429:
            err = error_for_response(resp, clock=self._clock)
            assert isinstance(err, RateLimited)
            if err.retry_after is not None:
                self.limiter.block_until(self._clock() + err.retry_after)
            raise err
        if resp.status_code >= 400:
            raise error_for_response(resp, clock=self._clock)
        if resp.status_code != 200:
            raise ApiError(f"unexpected HTTP {resp.status_code}", status=resp.status_code)
        try:
            return json.loads(resp.content)
        except (ValueError, UnicodeDecodeError):
            ctype = resp.headers.get("content-type", "unknown type").split(";")[0]
            raise InvalidResponse(
                f"the API answered with something that is not JSON ({ctype})"
            ) from None

    def _wait(self, retry_state: Any) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimited):
            if exc.retry_after is not None:
                return exc.retry_after + random.uniform(0, 0.25)
        attempt = retry_state.attempt_number
        base = min(self.backoff_max, self.backoff_initial * (2 ** (attempt - 1)))
        return base / 2 + random.uniform(0, base / 2)  # "equal jitter"

    async def get_json(self, path: str) -> Any:
        """GET an API path with pacing and bounded retries."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, RZError) and e.retryable),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            reraise=True,
        ):
            with attempt:
                return await self._get_once(path)
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_interview(self, interview_id: str) -> Interview:
        """The interview as a model; ``.raw`` keeps the payload exactly as the API sent it."""
        iid = parse_id(interview_id)
        try:
            return Interview.from_api(
                await self.get_json(f"{API_PREFIX}/interviews/{path_segment(iid)}")
            )
        except RZError as exc:
            raise exc.with_id(iid) from None

    async def get_interview_json(self, interview_id: str) -> dict[str, Any]:
        return (await self.get_interview(interview_id)).raw

    async def get_questions_json(self, interview_id: str) -> dict[str, Any]:
        iid = parse_id(interview_id)
        try:
            data = await self.get_json(f"{API_PREFIX}/interviews/{path_segment(iid)}/questions")
            QuestionSet.from_api(data)
        except RZError as exc:
            raise exc.with_id(iid) from None
        return data

    async def get_questions(self, interview_id: str) -> QuestionSet:
        return QuestionSet.from_api(await self.get_questions_json(interview_id))

    async def gather_bounded(
        self,
        items: Iterable[str],
        fetch: Callable[[str], Awaitable[T]],
        *,
        concurrency: int | None = None,
        on_done: Callable[[str, T | RZError], None] | None = None,
    ) -> dict[str, T | RZError]:
        """Run ``fetch`` over ``items``, at most ``concurrency`` at once; errors are returned."""
        sem = asyncio.Semaphore(max(1, concurrency or self.concurrency))
        results: dict[str, T | RZError] = {}

        async def one(item: str) -> None:
            async with sem:
                try:
                    value: T | RZError = await fetch(item)
                except RZError as exc:
                    value = exc
            results[item] = value
            if on_done is not None:
                on_done(item, value)

        await asyncio.gather(*(one(i) for i in dict.fromkeys(items)))
        return results

    # -- audio (another origin, pre-signed: never send the key there) ------------------------

    def audio_client(self) -> httpx.AsyncClient:
        if self._audio_http is None:
            self._audio_http = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT},
                timeout=httpx.Timeout(60.0, connect=10.0),
                follow_redirects=True,
            )
        return self._audio_http
