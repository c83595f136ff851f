"""The functions both front ends share: cache-first reads over the API client and the store.

Completed and expired interviews never change, so once cached they are served from the store
with zero requests (offline too) unless the caller forces a refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .api.client import ApiClient
from .api.errors import EXIT_OK, EXIT_USAGE, NotFound, RZError
from .api.ids import parse_id
from .api.models import TERMINAL_STATUSES, Interview, QuestionSet
from .store import CachedPayload, Store, StoreFull, StoreReadOnly
from .store.db import PAGE_SIZE


@dataclass
class FetchStats:
    requests: int = 0
    cache_hits: int = 0
    failures: dict[str, RZError] = field(default_factory=dict)


@dataclass
class AddResult:
    """What :meth:`Service.add` did with each id it was given."""

    ids: list[str] = field(default_factory=list)
    """The valid ids, as parsed (a pasted URL becomes its id), each once, in input order."""
    invalid: dict[str, RZError] = field(default_factory=dict)
    """Input that is not an interview id (the text as given -> why); nothing was tracked."""
    new: list[str] = field(default_factory=list)
    """Ids tracked by this call (not tracked before, and not dropped again as not found)."""
    already: list[str] = field(default_factory=list)
    """Ids that were tracked before this call and still are."""
    fetched: dict[str, Interview] = field(default_factory=dict)
    not_found: dict[str, NotFound] = field(default_factory=dict)
    """The API has no such interview: untracked again (a typo must not stay tracked)."""
    failed: dict[str, RZError] = field(default_factory=dict)
    """Any other failure (the network too): still tracked, fetched again later."""
    unfetched: list[str] = field(default_factory=list)
    """Tracked but not fetched: ``fetch=False``, or no API client (no key)."""

    @property
    def exit_code(self) -> int:
        """0, 2 for invalid input, or the worst failure's code. A network failure counts too
        (5): the id stays tracked and is fetched later, but a script must know that this fetch
        did not happen."""
        codes = [EXIT_USAGE] if self.invalid else []
        codes += [e.exit_code for e in self.not_found.values()]
        codes += [e.exit_code for e in self.failed.values()]
        return max(codes, default=EXIT_OK)


class Service:
    def __init__(self, store: Store, api: ApiClient | None) -> None:
        self.store = store
        self.api = api
        self.not_cached: dict[str, StoreReadOnly] = {}
        """Interviews the API answered but a read-only store could not keep (id -> why):
        served all the same, so a front end can say they were not cached."""

    def _api(self) -> ApiClient:
        if self.api is None:
            from .api.errors import CredentialsError

            raise CredentialsError("no API key: run `rztui login` or set ROUNDZERO_API_KEY")
        return self.api

    async def _save(self, interview: Interview) -> Interview:
        # SQLite (and its search-index triggers) releases the GIL: writing in a thread lets the
        # other requests in flight proceed instead of queueing behind the commit.
        try:
            return await asyncio.to_thread(self.store.save_interview, interview)
        except StoreReadOnly as exc:  # the answer is good: serve it, uncached
            self.not_cached[interview.id] = exc
            return interview

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

    async def add(
        self,
        ids: Iterable[str],
        *,
        label: str | None = None,
        fetch: bool = True,
        on_tracked: Callable[[list[str]], None] | None = None,
        on_done: Callable[[str, Interview | RZError], None] | None = None,
    ) -> AddResult:
        """Track ``ids`` (ids or pasted URLs), fetch them, and untrack the ones that 404.

        The one place of that policy for both front ends. Invalid input is reported in
        :attr:`AddResult.invalid` and not tracked. Ids already tracked are fine: they are
        fetched too (a cached final one costs no request) and untracked if the API no longer
        has them. Without an API client (no key) or with ``fetch=False`` the ids are only
        tracked. ``on_tracked`` is called with the newly tracked ids once they are tracked,
        before any request (a front end shows them at once); ``on_done`` once per fetched id,
        as with :meth:`interviews`.
        """
        result = AddResult()
        for raw in ids:
            try:
                result.ids.append(parse_id(raw))
            except RZError as exc:
                result.invalid[raw] = exc
        result.ids = list(dict.fromkeys(result.ids))
        if not result.ids:
            return result
        new = set(self.store.track(result.ids, label=label))
        if on_tracked is not None:
            on_tracked([i for i in result.ids if i in new])
        if not fetch or self.api is None:
            result.unfetched = list(result.ids)
        else:
            for iid, value in (await self.interviews(result.ids, on_done=on_done)).items():
                if isinstance(value, NotFound):
                    result.not_found[iid] = value
                elif isinstance(value, RZError):
                    result.failed[iid] = value
                else:
                    result.fetched[iid] = value
            if result.not_found:
                self.store.untrack(result.not_found)
        result.new = [i for i in result.ids if i in new and i not in result.not_found]
        result.already = [i for i in result.ids if i not in new and i not in result.not_found]
        return result

    async def interviews(
        self,
        ids: Iterable[str],
        *,
        refresh: bool = False,
        on_done: Callable[[str, Interview | RZError], None] | None = None,
        stats: FetchStats | None = None,
    ) -> dict[str, Interview | RZError]:
        """Many interviews: cache hits cost nothing, the rest share the client's bounded pool.
        The cache is read a page of ids per query.

        Each failure is returned for its id, except a full disk: then nothing more is fetched
        and :class:`StoreFull` is raised (what was saved before it stays saved)."""
        stats = stats if stats is not None else FetchStats()
        results: dict[str, Interview | RZError] = {}
        missing: list[str] = []
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), PAGE_SIZE):
            self._from_cache(unique[start:start + PAGE_SIZE], refresh, results, missing,
                             on_done, stats)
        if missing:
            api = self._api()
            before = api.requests_sent

            async def fetch(iid: str) -> Interview:
                return await self._save(await api.get_interview(iid))

            # A full disk fails every save after it: stop there, say it once (no request is
            # sent for what could not be kept, and no failure is reported per interview).
            fetched = await api.gather_bounded(missing, fetch, on_done=on_done,
                                               stop_when=lambda v: isinstance(v, StoreFull))
            stats.requests += api.requests_sent - before
            for iid, value in fetched.items():
                results[iid] = value
                if isinstance(value, RZError):
                    stats.failures[iid] = value
            full = next((v for v in fetched.values() if isinstance(v, StoreFull)), None)
            if full is not None:
                raise full
        return results

    def _from_cache(
        self,
        page: list[str],
        refresh: bool,
        results: dict[str, Interview | RZError],
        missing: list[str],
        on_done: Callable[[str, Interview | RZError], None] | None,
        stats: FetchStats,
    ) -> None:
        """Serve ``page`` (ids as given) from the cache where final; the others go to
        ``missing``."""
        parsed: dict[str, str | RZError] = {}
        for raw in page:
            try:
                parsed[raw] = parse_id(raw)
            except RZError as exc:
                parsed[raw] = exc
        final: dict[str, CachedPayload] = {}
        if not refresh:
            good = [v for v in parsed.values() if isinstance(v, str)]
            statuses = self.store.cached_statuses(good)
            final = self.store.cached_payloads(
                [i for i in good if statuses.get(i) in TERMINAL_STATUSES])
        for raw, iid in parsed.items():
            if isinstance(iid, RZError):
                results[raw] = iid
                stats.failures[raw] = iid
                if on_done:
                    on_done(raw, iid)
                continue
            payload = final.get(iid)
            cached = payload.interview() if payload is not None else None
            if cached is not None:
                stats.cache_hits += 1
                results[iid] = cached
                if on_done:
                    on_done(iid, cached)
            else:
                missing.append(iid)
