"""The poller's watched set: one :class:`Entry` per interview, and which one is due first.

An interview is admitted unless the store already has it as final (checked on the status
column: no JSON parsing). Its first due time comes from the persisted schedule
(``poll_state``), else from the cached copy and :class:`~rztui.live.policy.PollPolicy`, else
now. ``due is None`` means dormant (dropped: not found, silent past expiry); only a poke
revives it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..api.errors import InvalidId
from ..api.ids import parse_id
from ..api.models import IN_PROGRESS, INVITED, Interview
from .policy import FINAL_CHECK, SLACK, Bounds, PollPolicy, estimate_from

if TYPE_CHECKING:
    from ..store import Store

Fingerprint = tuple[str, int, datetime | None, datetime | None, datetime | None]


def fingerprint(iv: Interview) -> Fingerprint:
    """What makes a poll worth reporting when the status stays the same."""
    return (iv.status, len(iv.responses), iv.started_at, iv.completed_at, iv.expires_at)


@dataclass
class Entry:
    iid: str
    due: float | None  # None: dormant (dropped), only a poke revives it
    status: str | None  # last status the poller knows (None: never fetched)
    fingerprint: Fingerprint | None = None
    failures: int = 0
    last_polled_at: float | None = None
    poked: bool = False
    reason: str = "new"  # why `due` is what it is (stats, benchmarks)
    created_at: float | None = None  # what its schedule depends on (Unix times), kept so the
    started_at: float | None = None  # pace can be re-planned without whole interviews
    provisional: bool = False  # `due` planned before the current pace was known

    def note(self, iv: Interview) -> None:
        """Keep what the schedule depends on from a fetched (or cached) interview."""
        self.created_at = iv.created_at.timestamp() if iv.created_at else None
        self.started_at = iv.started_at.timestamp() if iv.started_at else None

    @property
    def klass(self) -> str:
        """The priority class (:data:`~rztui.live.policy.SLACK`)."""
        if self.poked:
            return "poke"
        if self.reason.startswith(FINAL_CHECK):
            return "final"
        if self.status is None:
            return "new"
        if self.status in (INVITED, IN_PROGRESS):
            return self.status
        return "unknown"


class WatchList:
    """Entries by id, interviews whose questions are still to fetch, known duration estimates
    and the ids dropped. Plain bookkeeping: it sends nothing. ``pace`` is the poller's current
    pace (:func:`~rztui.live.policy.plan_pace`; used to schedule cached interviews as they
    are added)."""

    def __init__(self, store: Store, policy: PollPolicy, rng: random.Random) -> None:
        self.store = store
        self.policy = policy
        self._rng = rng
        self.pace = 1.0
        self.entries: dict[str, Entry] = {}
        self.need_questions: dict[str, float] = {}  # completed, questions not cached yet
        self.estimates: dict[str, float] = {}
        self.dropped: dict[str, str] = {}  # id -> reason

    def admit(self, iid: str, state: dict[str, Any] | None, now: float) -> Entry | None:
        if iid in self.entries:
            return self.entries[iid]
        try:
            iid = parse_id(iid)
        except InvalidId:
            return None
        if self.store.is_final(iid):
            return None  # checked on the status column: no JSON parsing for final interviews
        cached = self.store.get_interview(iid)
        entry = Entry(iid, due=now, status=cached.status if cached else None,
                      fingerprint=fingerprint(cached) if cached else None)
        # Only an in-progress schedule depends on the estimate (it may cost a questions read).
        estimate = (self.estimate(iid, cached) if cached is not None
                    and cached.status == IN_PROGRESS else None)
        if cached is not None:
            entry.note(cached)
        if state:
            entry.failures = int(state.get("failures") or 0)
            entry.last_polled_at = state.get("last_polled_at")
            if state.get("next_poll_at") is not None:
                entry.due = float(state["next_poll_at"])
                entry.reason = "persisted schedule"
                entry.provisional = not entry.failures  # backoffs stay as they are
            elif entry.last_polled_at is not None:
                entry.due = None  # dropped by an earlier run
                entry.reason = "dormant"
        elif cached is not None:
            got = self.store.interview_json(iid)
            fetched = got[1] if got else now
            at, why = self.policy.next_poll(cached, fetched, estimate, self._rng,
                                            pace=self.pace)
            entry.due, entry.reason = (max(at, now) if at is not None else now), why
            entry.last_polled_at = fetched  # fetched then, by whoever did
            entry.provisional = True
        self.entries[iid] = entry
        return entry

    def catch_up(self, ids: Iterable[str]) -> None:
        """Bring schedules planned before the current pace was known (persisted by an earlier
        run, or derived from the cache) forward to it: due no later than the last fetch + the
        (jittered) interval the interview has now."""
        jitter = self.policy.jitter
        for iid in ids:
            e = self.entries.get(iid)
            if e is None or not e.provisional:
                continue
            e.provisional = False
            if e.due is None or e.last_polled_at is None:
                continue
            b = self.bounds(e, e.last_polled_at)
            step = b.interval(self.pace) * self._rng.uniform(1.0 - jitter, 1.0 + jitter)
            e.due = min(e.due, e.last_polled_at + step)  # overdue: the budget spreads them

    def add(self, ids: Iterable[str], now: float) -> list[str]:
        """Admit these ids (cached terminal ones are skipped); returns those added."""
        added: list[str] = []
        for iid in ids:
            if iid in self.entries:
                continue
            entry = self.admit(iid, self.store.poll_state(iid), now)
            if entry is not None:
                added.append(entry.iid)
        return added

    def remove(self, ids: Iterable[str]) -> None:
        for iid in ids:
            self.entries.pop(iid, None)
            self.need_questions.pop(iid, None)

    def estimate(self, iid: str, iv: Interview | None) -> float | None:
        """The expected duration: a webhook's hint, the payload, or the cached questions."""
        if iid in self.estimates:
            return self.estimates[iid]
        est = estimate_from(iv.raw) if iv is not None else None
        if est is None:
            qs = self.store.get_questions(iid)
            if qs is not None:
                est = qs.estimated_duration_seconds or None
                if not est:
                    limits = [q.time_limit_seconds for q in qs.questions if q.time_limit_seconds]
                    est = float(sum(limits)) if limits else None
        if est:
            self.estimates[iid] = est
        return est

    def bounds(self, e: Entry, now: float, *, webhooks: bool = False) -> Bounds:
        """The entry's floor and ceiling at ``now`` (from what its last poll saw)."""
        est = self.estimates.get(e.iid) if e.status == IN_PROGRESS else None
        return self.policy.bounds_of(e.status, e.created_at, e.started_at, now, est,
                                     webhooks=webhooks)

    def demands(self, now: float, *, webhooks: bool = False) -> list[tuple[float, float]]:
        """(floor, ceiling) at ``now`` of every interview with a schedule (for the pace;
        expiry checks and backoffs are counted as ordinary polls)."""
        out: list[tuple[float, float]] = []
        for e in self.entries.values():
            if e.due is not None:
                b = self.bounds(e, now, webhooks=webhooks)
                out.append((b.floor, b.ceiling))
        return out

    @property
    def watched(self) -> list[str]:
        return [i for i, e in self.entries.items() if e.due is not None]

    def dormant_count(self) -> int:
        return sum(1 for e in self.entries.values() if e.due is None)

    def due_count(self, now: float) -> int:
        return sum(1 for e in self.entries.values() if e.due is not None and e.due <= now)

    def next_due(self) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        for e in self.entries.values():
            if e.due is not None and (best is None or e.due < best[1]):
                best = (e.iid, e.due)
        return best

    def pick(self, now: float) -> tuple[str, str] | None:
        """(kind, id) of the most urgent due job: 'poll' or 'questions'."""
        best: tuple[float, str, str] | None = None
        for e in self.entries.values():
            if e.due is not None and e.due <= now:
                key = e.due + SLACK[e.klass] * self.policy.time_scale
                if best is None or key < best[0]:
                    best = (key, "poll", e.iid)
        for iid, due in self.need_questions.items():
            if due <= now:
                key = due + SLACK["questions"] * self.policy.time_scale
                if best is None or key < best[0]:
                    best = (key, "questions", iid)
        return (best[1], best[2]) if best else None

    def earliest(self) -> float | None:
        times = [e.due for e in self.entries.values() if e.due is not None]
        times.extend(self.need_questions.values())
        return min(times) if times else None

    def settled(self, ids: list[str]) -> bool:
        """None of ``ids`` has a poll due or a poke pending."""
        for iid in ids:
            e = self.entries.get(iid)
            if e is not None and (e.due is not None or e.poked):
                return False
        return True
