"""The CSV of cached interviews, a page at a time: in this process, or in worker processes.

A CSV export spends its time in Python (each payload decoded, each cell cleaned, guarded and
quoted), one core's worth: about 8 s for 100,000 interviews here. From :data:`PARALLEL_MIN`
interviews the CLI hands pages to worker processes, one per core, and writes their text in
order as it comes. One function (:func:`csv_page`) makes a page's text wherever it runs, so the
file is the same byte for byte either way.

A worker reads the store through a connection of its own opened only to read
(``Store(reader=True)``): it creates, upgrades, recovers and moves nothing. A worker that cannot
read a page (or dies) costs nothing but time: this process reads that page itself, and says
why when it cannot either. Workers ignore Ctrl-C, which is this process's to handle, and at most
:data:`AHEAD` pages per worker are in flight, so memory does not grow with the export.
"""

from __future__ import annotations

import json
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from .api.errors import RZError
from .api.models import Interview, plain_interview
from .formats import CsvRows, iso_utc

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .store import CachedPayload, Store
    from .store.evaluations import Evaluation

#: Interviews read from the store at once (one query for their payloads, one for decisions).
EXPORT_PAGE = 500
#: From this many interviews a CSV export may use worker processes (below, starting them costs
#: more than it saves).
PARALLEL_MIN = 5_000
#: Pages in flight per worker.
AHEAD = 2

#: What became of an interview of a page: written, not in the store, or not readable.
WRITTEN, MISSING, UNREADABLE = "written", "missing", "unreadable"


class CsvPage(NamedTuple):
    """A page's CSV text, its number of rows, and what became of each interview, in order:
    ``(id, WRITTEN | MISSING | UNREADABLE, why it is unreadable)``."""

    text: str
    rows: int
    outcomes: list[tuple[str, str, str]]


def csv_text_of(
    rows: CsvRows, cached: CachedPayload, ev: Evaluation | None
) -> tuple[str, int]:
    """An interview's CSV rows as text, and how many. A payload whose every field has its plain
    type (all that rztui stores) goes from the decoded JSON straight to the rows; anything
    else through :class:`Interview`, which accepts or refuses it as it always did."""
    data = json.loads(cached.text())
    fields = plain_interview(data) if type(data) is dict else None
    if fields is None:
        return rows.text_of(Interview.from_api(data), cached.question_set(), ev)
    iid, status, job, candidate, times, responses = fields
    return rows.text_of_fields(
        (iid, status, candidate[1], candidate[2], job[1]), iso_utc(times[2]),
        [(r[0], r[1], r[2], r[4], r[3]) for r in responses], cached.question_set(), ev,
    )


def csv_page(store: Store, rows: CsvRows, page: Sequence[str]) -> CsvPage:
    """The CSV text of the cached interviews ``page`` (in that order), with their decisions."""
    cached = store.cached_payloads(page)
    evaluations = store.evaluations(page, decided=True)
    parts: list[str] = []
    count = 0
    outcomes: list[tuple[str, str, str]] = []
    for iid in page:
        found = cached.get(iid)
        if found is None:
            outcomes.append((iid, MISSING, ""))
            continue
        ev = evaluations.get(iid)
        try:
            text, n = csv_text_of(rows, found, ev if ev is not None and not ev.empty else None)
        except (ValueError, RZError) as exc:
            outcomes.append((iid, UNREADABLE, exc.detail if isinstance(exc, RZError) else str(exc)))
            continue
        parts.append(text)
        count += n
        outcomes.append((iid, WRITTEN, ""))
    return CsvPage("".join(parts), count, outcomes)


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def csv_pages(store: Store, ids: Sequence[str], *, workers: int = 1) -> Iterator[CsvPage]:
    """:func:`csv_page` of each page of ``ids``, in order; in up to ``workers`` worker
    processes when there are at least :data:`PARALLEL_MIN` ids."""
    pages = [ids[start:start + EXPORT_PAGE] for start in range(0, len(ids), EXPORT_PAGE)]
    if workers > 1 and len(ids) >= PARALLEL_MIN and len(pages) > 1:
        yield from _in_workers(store, pages, min(workers, len(pages)))
        return
    rows = CsvRows()
    for page in pages:
        yield csv_page(store, rows, page)


def _in_workers(store: Store, pages: list[Sequence[str]], workers: int) -> Iterator[CsvPage]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(store.path)
    rows: CsvRows | None = None
    pool: ProcessPoolExecutor | None = None
    try:
        # Spawned, not forked: this process has threads (the event loop's, the TUI's), and a
        # fork would copy their locks mid-use.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_start)
    except (OSError, ValueError):
        pass  # no processes to be had here: all in this one

    def submit(page: Sequence[str]) -> Future[CsvPage | None] | None:
        nonlocal pool
        if pool is None:
            return None
        try:
            return pool.submit(_worker_page, path, page)
        except Exception:  # the pool broke (a worker died): this process carries on
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
            return None

    pending: deque[tuple[Sequence[str], Future[CsvPage | None] | None]] = deque()
    todo = iter(pages)
    try:
        for page in todo:
            pending.append((page, submit(page)))
            if len(pending) >= workers * AHEAD:
                break
        while pending:
            page, future = pending.popleft()
            following = next(todo, None)
            if following is not None:
                pending.append((following, submit(following)))
            done: CsvPage | None = None
            if future is not None:
                try:
                    done = future.result()
                except Exception:  # as above
                    done = None
            if done is None:
                rows = rows if rows is not None else CsvRows()
                done = csv_page(store, rows, page)
            yield done
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_WORKER: tuple[Store, CsvRows] | None = None


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_page(path: str, page: Sequence[str]) -> CsvPage | None:
    """:func:`csv_page` in a worker process; None when it cannot be read here (the caller
    reads it then, and reports what is wrong)."""
    global _WORKER
    try:
        if _WORKER is None:
            from .store import Store

            _WORKER = (Store(path, reader=True), CsvRows())
        return csv_page(_WORKER[0], _WORKER[1], page)
    except Exception:
        return None
