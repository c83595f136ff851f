"""The text of an export, a page of cached interviews at a time: here, or in worker processes.

Writing an export of cached interviews is Python work (each payload decoded, each CSV cell
cleaned, guarded and quoted, each JSON element re-indented), one core's worth: 8-10 s for
100,000 interviews here. From :data:`PARALLEL_MIN` interviews the CLI hands pages to worker
processes, one per core, and writes their text in order as it comes. One function
(:meth:`PageMaker.make`) makes a page's text wherever it runs, so the file is the same byte for
byte either way.

A worker reads the store through a connection of its own opened only to read
(``Store(reader=True)``): it creates, upgrades, recovers and moves nothing. A worker that cannot
read a page (or dies) costs nothing but time: this process makes that page itself, and says
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

from ..api.errors import RZError
from ..api.models import Interview, plain_interview
from ..formats import CsvRows, iso_utc
from ..store import Store
from ..textsafe import json_safe
from .export_json import compact_element, compact_with_evaluation, element, jsonl_of

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..store import CachedPayload
    from ..store.evaluations import Evaluation

#: Interviews read from the store at once (one query for their payloads, one for decisions).
EXPORT_PAGE = 500
#: From this many interviews an export may use worker processes (below, starting them costs
#: more than it saves).
PARALLEL_MIN = 5_000
#: Pages in flight per worker.
AHEAD = 2
#: Between two interviews of a JSON export (the array's elements, indented as json.dumps does).
JSON_SEPARATOR = ",\n  "

#: What became of an interview of a page: written, not in the store, or not readable.
WRITTEN, MISSING, UNREADABLE = "written", "missing", "unreadable"


class Page(NamedTuple):
    """A page's text (CSV rows, JSON Lines, or JSON elements joined by
    :data:`JSON_SEPARATOR`), what it counts for (CSV rows, else interviews written), and what
    became of each interview, in order: ``(id, WRITTEN | MISSING | UNREADABLE, why not)``."""

    text: str
    counted: int
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


def jsonl_line(cached: CachedPayload, ev: Evaluation | None) -> str:
    """An interview's line of JSON Lines (with its newline)."""
    if cached.compact:  # stored compact: exactly the line jsonl_of would build
        return json_safe(compact_with_evaluation(cached.text(), ev)) + "\n"
    return jsonl_of(cached.interview(), ev) + "\n"


def json_element(cached: CachedPayload, ev: Evaluation | None) -> str:
    """An interview as an element of the JSON array (indented, without the separator)."""
    if cached.compact:
        return compact_element(cached.text(), ev)
    cached.interview()  # written by an older rztui: validate it
    return element(cached.text(), ev)


class PageMaker:
    """Makes the pages of one export in one process (for CSV, it keeps the cells that repeat
    from interview to interview cleaned and quoted)."""

    def __init__(self, fmt: str) -> None:
        if fmt not in ("csv", "jsonl", "json"):
            raise ValueError(f"unknown export format {fmt!r}")
        self.fmt = fmt
        self.rows = CsvRows()

    def one(self, cached: CachedPayload, ev: Evaluation | None) -> tuple[str, int]:
        if self.fmt == "csv":
            return csv_text_of(self.rows, cached, ev)
        if self.fmt == "jsonl":
            return jsonl_line(cached, ev), 1
        return json_element(cached, ev), 1

    def make(self, store: Store, page: Sequence[str]) -> Page:
        """The text of the cached interviews ``page`` (in that order), with their decisions."""
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
                text, n = self.one(found, ev if ev is not None and not ev.empty else None)
            except (ValueError, RZError) as exc:
                why = exc.detail if isinstance(exc, RZError) else str(exc)
                outcomes.append((iid, UNREADABLE, why))
                continue
            parts.append(text)
            count += n
            outcomes.append((iid, WRITTEN, ""))
        joiner = JSON_SEPARATOR if self.fmt == "json" else ""
        return Page(joiner.join(parts), count, outcomes)


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def export_pages(store: Store, ids: Sequence[str], fmt: str, *,
                 workers: int = 1) -> Iterator[Page]:
    """:meth:`PageMaker.make` of each page of ``ids``, in order; in up to ``workers`` worker
    processes when there are at least :data:`PARALLEL_MIN` ids."""
    maker = PageMaker(fmt)
    pages = [ids[start:start + EXPORT_PAGE] for start in range(0, len(ids), EXPORT_PAGE)]
    if workers > 1 and len(ids) >= PARALLEL_MIN and len(pages) > 1:
        yield from _in_workers(store, maker, pages, min(workers, len(pages)))
        return
    for page in pages:
        yield maker.make(store, page)


def _in_workers(store: Store, maker: PageMaker, pages: list[Sequence[str]],
                workers: int) -> Iterator[Page]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(store.path)
    pool: ProcessPoolExecutor | None = None
    try:
        # Spawned, not forked: this process has threads (the event loop's, the TUI's), and a
        # fork would copy their locks mid-use.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_start)
    except Exception:  # no processes to be had here (no sem_open, no /dev/shm): all in this one
        pool = None

    def submit(page: Sequence[str]) -> Future[Page | None] | None:
        nonlocal pool
        if pool is None:
            return None
        try:
            return pool.submit(_worker_page, path, maker.fmt, page)
        except Exception:  # the pool broke (a worker died): this process carries on
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
            return None

    pending: deque[tuple[Sequence[str], Future[Page | None] | None]] = deque()
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
            done: Page | None = None
            if future is not None:
                try:
                    done = future.result()
                except Exception:  # as above
                    done = None
            if done is None:
                done = maker.make(store, page)
            yield done
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


#: A worker's store (by path) and page makers (by format), kept from page to page.
_STORES: dict[str, Store] = {}
_MAKERS: dict[str, PageMaker] = {}


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_page(path: str, fmt: str, page: Sequence[str]) -> Page | None:
    """:meth:`PageMaker.make` in a worker process; None when it cannot be made here (the caller
    makes it then, and reports what is wrong)."""
    try:
        store = _STORES.get(path)
        if store is None:
            store = _STORES[path] = Store(path, reader=True)
        maker = _MAKERS.get(fmt)
        if maker is None:
            maker = _MAKERS[fmt] = PageMaker(fmt)
        return maker.make(store, page)
    except Exception:
        return None
