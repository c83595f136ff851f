"""The demo's stand-in for the vendor's webhooks: sign and POST events, retrying like a real
provider (same event id on every attempt, a fresh signature each time).

:class:`DemoWebhookSender` watches a :class:`~rztui.demo.server.DemoServer`'s interviews and
sends ``interview_started`` / ``interview_ended`` as they happen, so ``--demo`` runs the whole
loop on one machine; :class:`WebhookSender` sends any event (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..webhooks.events import make_event
from ..webhooks.signature import SIGNATURE_HEADER, sign

if TYPE_CHECKING:
    import httpx


class QuestionsSource(Protocol):
    def questions_payload(self, interview_id: str) -> dict[str, Any] | None: ...


class DemoSource(Protocol):
    """What the sender reads from a demo server (no HTTP request to the API)."""

    @property
    def dataset(self) -> QuestionsSource: ...

    def ids_with_status(self) -> list[tuple[str, str]]: ...

    def snapshot(self, interview_id: str) -> dict[str, Any] | None: ...


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
        self._http: httpx.AsyncClient | None = None
        self.delivered: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []

    async def _client(self) -> httpx.AsyncClient:
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
        """One attempt; returns the HTTP status (0: no answer)."""
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

    def __init__(self, server: DemoSource, url: str, secret: str | bytes, *,
                 interval: float = 0.25, ids: list[str] | None = None, max_attempts: int = 5,
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
