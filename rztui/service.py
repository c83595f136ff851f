"""The functions both front ends share: cache-first reads over the API client and the store.

Completed and expired interviews never change, so once cached they are served from the store
with zero requests (offline too) unless the caller forces a refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .api.client import ApiClient
from .api.errors import RZError
from .api.ids import parse_id
from .api.models import Interview, QuestionSet
from .store import Store


@dataclass
class FetchStats:
    requests: int = 0
    cache_hits: int = 0
    failures: dict[str, RZError] = field(default_factory=dict)


class Service:
    def __init__(self, store: Store, api: ApiClient | None) -> None:
        self.store = store
        self.api = api

    def _api(self) -> ApiClient:
        if self.api is None:
            from .api.errors import CredentialsError

            raise CredentialsError("no API key: run `rztui login` or set ROUNDZERO_API_KEY")
        return self.api

    async def _save(self, interview: Interview) -> Interview:
        # SQLite (and its search-index triggers) releases the GIL: writing in a thread lets the
        # other requests in flight proceed instead of queueing behind the commit.
        return await asyncio.to_thread(self.store.save_interview, interview)

    def cached(self, iid: str) -> Interview | None:
        return self.store.get_interview(iid)

    async def interview(self, interview_id: str, *, refresh: bool = False) -> Interview:
        iid = parse_id(interview_id)
        if not refresh and self.store.is_final(iid):
            cached = self.store.get_interview(iid)
            if cached is not None:
                return cached
        return await self._save(await self._api().get_interview(iid))

    async def questions(self, interview_id: str, *, refresh: bool = False) -> QuestionSet:
        iid = parse_id(interview_id)
        if not refresh:
            cached = self.store.get_questions(iid)
            if cached is not None:
                return cached
        data = await self._api().get_questions_json(iid)
        return self.store.save_questions(iid, data)

    async def interviews(
        self,
        ids: Iterable[str],
        *,
        refresh: bool = False,
        on_done: Callable[[str, Interview | RZError], None] | None = None,
        stats: FetchStats | None = None,
    ) -> dict[str, Interview | RZError]:
        """Many interviews: cache hits cost nothing, the rest share the client's bounded pool."""
        stats = stats if stats is not None else FetchStats()
        results: dict[str, Interview | RZError] = {}
        missing: list[str] = []
        for raw in dict.fromkeys(ids):
            try:
                iid = parse_id(raw)
            except RZError as exc:
                results[raw] = exc
                stats.failures[raw] = exc
                if on_done:
                    on_done(raw, exc)
                continue
            cached = (
                None if refresh or not self.store.is_final(iid) else self.store.get_interview(iid)
            )
            if cached is not None:
                stats.cache_hits += 1
                results[iid] = cached
                if on_done:
                    on_done(iid, cached)
            else:
                missing.append(iid)
        if missing:
            api = self._api()
            before = api.requests_sent

            async def fetch(iid: str) -> Interview:
                return await self._save(await api.get_interview(iid))

            fetched = await api.gather_bounded(missing, fetch, on_done=on_done)
            stats.requests += api.requests_sent - before
            for iid, value in fetched.items():
                results[iid] = value
                if isinstance(value, RZError):
                    stats.failures[iid] = value
        return results
