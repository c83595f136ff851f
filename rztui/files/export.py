"""Batch export: many interviews to one CSV, JSON or JSON Lines file (or a stream).

The one implementation behind ``rztui export`` and the TUI's export dialog. A cached completed
interview costs no request; the others are fetched first through :meth:`Service.interviews`
(the client's bounded concurrency and rate limiting), a page of ids at a time, and land in the
store like any fetch. Then the file is written from the store, a page of payloads at a time, in
the order asked: memory stays flat whatever the number of interviews, and a JSON Lines export of
cached interviews writes the stored compact JSON without parsing it.

* CSV: one row per response (:func:`rztui.formats.csv_rows`), question order from the cached
  question set when there is one; UTF-8, optionally with a BOM for Excel; formulas neutralised.
* JSON: an array of the interviews exactly as the API returned them; JSONL: one per line.
  An interview the user rated, noted or shortlisted gets one more key after the API's,
  ``"rztui"`` (:meth:`Evaluation.as_json`), which ``rztui import`` takes out again; the others
  are written exactly as before. CSV carries the same in its last four columns.

Partial failure is normal: whatever could be fetched is written, the rest is reported in
:attr:`ExportResult.failures`. A file is written to a temporary name in the same directory
(mode 0600) and renamed into place, so there is never half a file under the real name. A
temporary file that a killed export left behind (``.<name>.<random>.part``, 0600, ours, older than
:data:`STALE_PART_AGE`) is removed by the next export into that folder
(:func:`sweep_stale_parts`); the CLI turns SIGTERM and SIGHUP into the same clean stop as Ctrl-C.

A destination that exists and is not a regular file (a FIFO, ``/dev/null``, ``/dev/stdout``, a
terminal) is written into directly, like stdout, and never replaced: the device node or pipe
stays what it was (as root, ``-o /dev/full`` used to replace the device with a file).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..api.errors import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    CredentialsError,
    InvalidResponse,
    RZError,
)
from ..api.ids import MAX_ID_LENGTH, looks_like_id, parse_id
from ..api.models import TERMINAL_STATUSES, Interview
from ..formats import CSV_COLUMNS, csv_line
from ..service import FetchStats, Service
from ..store import Store
from .export_pages import EXPORT_PAGE, MISSING, WRITTEN, export_pages

EXPORT_FORMATS: tuple[str, ...] = ("csv", "json", "jsonl")
EXTENSIONS: dict[str, str] = {"csv": ".csv", "json": ".json", "jsonl": ".jsonl"}

#: A temporary export file older than this (seconds) belongs to an export that was killed.
STALE_PART_AGE = 24 * 3600
#: What :func:`atomic_text_file` names a temporary file (tempfile's 8 random characters).
_PART_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.part")

ProgressFn = Callable[[int, int], None]
"""``on_progress(done, total)``: called once per interview as it is fetched (or fails)."""

class ExportError(RZError):
    """The destination can't be written (exit 2 when found before anything was fetched)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILURE) -> None:
        self.exit_code = exit_code
        super().__init__(message)


@dataclass
class ExportResult:
    format: str
    requested: int = 0
    exported: list[str] = field(default_factory=list)
    rows: int = 0
    failures: dict[str, RZError] = field(default_factory=dict)
    path: Path | None = None  # None when written to a stream
    written: bool = False  # False when every interview failed: nothing was written
    fetch: FetchStats = field(default_factory=FetchStats)
    swept: int = 0  # stale temporary files of killed exports removed from the folder

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        """0, or the worst (highest) exit code among the failures."""
        return max((e.exit_code for e in self.failures.values()), default=EXIT_OK)

    def summary(self) -> str:
        where = str(self.path) if self.path is not None else "stdout"
        what = f"{self.rows} row(s) from " if self.format == "csv" else ""
        text = f"exported {what}{len(self.exported)} interview(s) to {where}"
        if self.failures:
            text += f"; {len(self.failures)} failed"
        return text


def default_filename(fmt: str, when: str) -> str:
    """``rztui-export-<when>.csv``; ``when`` is a timestamp the caller picked."""
    return f"rztui-export-{when}{EXTENSIONS[fmt]}"


def is_stream_target(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file or a directory (a FIFO, a device):
    such a target is written into, never replaced. Symlinks are followed."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def describe_os_error(exc: OSError) -> str:
    """The reason for a failed write, in words (a full disk says so plainly)."""
    if exc.errno == errno.ENOSPC:
        return "disk full (no space left on device)"
    if exc.errno == getattr(errno, "EDQUOT", None):
        return "disk quota exceeded"
    return exc.strerror or str(exc)


def check_destination(path: str | os.PathLike[str]) -> Path:
    """Fail early (before any request) when ``path`` can't be written."""
    target = Path(path).expanduser()
    parent = target.parent
    if target.is_dir():
        raise ExportError(f"{target} is a directory", exit_code=EXIT_USAGE)
    if is_stream_target(target):
        if stat.S_ISSOCK(target.stat().st_mode):
            raise ExportError(f"{target} is a socket, not a file", exit_code=EXIT_USAGE)
        if not os.access(target, os.W_OK):
            raise ExportError(f"{target} is not writable", exit_code=EXIT_USAGE)
        return target  # written into like stdout; its directory does not matter
    if not parent.is_dir():
        raise ExportError(f"directory {parent} does not exist", exit_code=EXIT_USAGE)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"directory {parent} is not writable", exit_code=EXIT_USAGE)
    return target


@contextlib.contextmanager
def atomic_text_file(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text file that appears under ``path`` complete, or not at all.

    Written to a hidden temporary file in the same directory (created 0600, so personal data is
    never readable by others, even for a moment) and renamed over ``path`` after an fsync.
    Any exception, including cancellation, removes the temporary file.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def sweep_stale_parts(directory: Path, *, now: float | None = None,
                      age: float = STALE_PART_AGE) -> int:
    """Remove the temporary files killed exports left in ``directory``; returns how many.

    Only what :func:`atomic_text_file` makes: a regular file (not a link) named
    ``.<name>.<random>.part``, owned by this user, mode 0600, not modified for ``age`` seconds
    (a running export writes to its file, so it is never taken). Anything else stays.
    """
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        if not _PART_NAME.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o600
                or (uid is not None and info.st_uid != uid) or now - info.st_mtime < age):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not supported everywhere (Windows); the rename itself already happened
    finally:
        os.close(fd)


class _Stopped(Exception):
    """The caller gave up while the file was being written."""


def _parse(raw: str) -> str:
    """:func:`parse_id`, answered at once for a bare id in its usual shape (an export of
    100,000 tracked ids looks at each twice)."""
    if len(raw) <= MAX_ID_LENGTH and looks_like_id(raw) and raw == raw.strip():
        return raw  # what parse_id gives for it: nothing to strip, cut out or refuse
    return parse_id(raw)


def ordered_ids(ids: Iterable[str]) -> list[str]:
    """The ids as given, deduplicated by what they parse to (a pasted URL and its id are one)."""
    out: dict[str, None] = {}
    for raw in ids:
        try:
            out[_parse(raw)] = None
        except RZError:
            out[raw] = None
    return list(out)


async def fetch_for_export(
    service: Service,
    ids: Sequence[str],
    *,
    refresh: bool = False,
    on_progress: ProgressFn | None = None,
    stats: FetchStats | None = None,
) -> tuple[list[Interview], dict[str, RZError]]:
    """Fetch ``ids`` (cache first); returns the interviews in input order and the failures.

    Without an API client (no key) the cached final interviews are still served and only the
    others fail, so an offline export of cached data works.
    """
    stats = stats if stats is not None else FetchStats()
    wanted = ordered_ids(ids)
    total = len(wanted)
    done = 0
    failures: dict[str, RZError] = {}

    def tick(_iid: str, _value: object) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    fetchable = wanted
    if service.api is None:
        fetchable = []
        for iid in wanted:
            if not refresh and service.store.is_final(iid):
                fetchable.append(iid)
            else:
                failures[iid] = CredentialsError(
                    "no API key to fetch it: run `rztui login` or set ROUNDZERO_API_KEY",
                    interview_id=iid,
                )
                stats.failures[iid] = failures[iid]
                tick(iid, None)
    results = await service.interviews(fetchable, refresh=refresh, on_done=tick, stats=stats)
    interviews: list[Interview] = []
    for iid in wanted:
        value = results.get(iid)
        if isinstance(value, Interview):
            interviews.append(value)
        elif isinstance(value, RZError):
            failures[iid] = value
    return interviews, {iid: failures[iid] for iid in wanted if iid in failures}


class _Ticks:
    """``on_progress`` calls, on the event loop, also for work done in the writer thread
    (batched there: a call per interview would wake the loop 100,000 times)."""

    def __init__(self, on_progress: ProgressFn | None, total: int) -> None:
        self.on_progress = on_progress
        self.total = total
        self.done = 0
        self.loop = asyncio.get_running_loop()
        self._pending = 0
        self._last = 0.0

    def tick(self, _iid: object = None, _value: object = None) -> None:
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)

    def _report(self, n: int) -> None:
        self.done += n
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)

    def from_thread(self, n: int = 1, *, flush: bool = False) -> None:
        self._pending += n
        now = time.monotonic()
        if self._pending and (flush or now - self._last >= 0.05):
            self._last = now
            pending, self._pending = self._pending, 0
            self.loop.call_soon_threadsafe(self._report, pending)


def _unreadable(iid: str, exc: Exception | str) -> RZError:
    reason = exc if isinstance(exc, str) else exc.detail if isinstance(exc, RZError) \
        else str(exc)
    return InvalidResponse(f"the cached copy cannot be read ({reason}): fetch it again with "
                           "--refresh", interview_id=iid)


def write_from_store(
    stream: IO[str],
    store: Store,
    ids: Sequence[str],
    fmt: str,
    *,
    excel: bool = False,
    should_stop: Callable[[], bool] | None = None,
    on_written: Callable[[str], None] | None = None,
    failures: dict[str, RZError] | None = None,
    workers: int = 1,
) -> tuple[int, list[str]]:
    """Write the cached interviews ``ids`` to ``stream`` in that order, a page at a time (see
    :mod:`rztui.files.export_pages`: a big export uses up to ``workers`` processes); returns (rows
    for CSV or interviews, the ids written).

    An id with nothing cached, or a cached copy that cannot be read, goes into ``failures``.
    ``should_stop`` is checked before each page (``_Stopped``); ``on_written(id)`` is called
    for each id, written or failed.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    exported: list[str] = []
    failed = failures if failures is not None else {}
    count = 0
    if fmt == "csv":
        if excel:
            stream.write("\ufeff")
        stream.write(csv_line(CSV_COLUMNS))
    for page in export_pages(store, ids, fmt, workers=workers):
        if should_stop is not None and should_stop():
            raise _Stopped()
        if page.text:
            if fmt == "json":  # an array: its elements indented as json.dumps(list, indent=2)
                stream.write(("," if exported else "[") + "\n  ")
            stream.write(page.text)
        count += page.counted
        for iid, outcome, why in page.outcomes:
            if outcome == WRITTEN:
                exported.append(iid)
            elif outcome == MISSING:
                failed[iid] = RZError("no longer in the local store", interview_id=iid)
            else:
                failed[iid] = _unreadable(iid, why)
            if on_written is not None:
                on_written(iid)
    if fmt == "json":
        stream.write("\n]\n" if exported else "[]\n")
    return count, exported


async def _fetch_missing(
    service: Service,
    wanted: Sequence[str],
    *,
    refresh: bool,
    ticks: _Ticks,
    stats: FetchStats,
    failures: dict[str, RZError],
    fetched: set[str],
) -> list[str]:
    """Bring every id of ``wanted`` into the store that is not cached as final (all of them
    with ``refresh``), a page at a time; returns the ids to write, in order. Those fetched go
    into ``fetched``, failures into ``failures`` (both tick now); cached ones tick when they
    are written."""
    ready: list[str] = []
    for start in range(0, len(wanted), EXPORT_PAGE):
        page = wanted[start:start + EXPORT_PAGE]
        parsed: dict[str, str] = {}
        for raw in page:
            try:
                parsed[raw] = _parse(raw)
            except RZError as exc:
                failures[raw] = stats.failures[raw] = exc
                ticks.tick()
        statuses = {} if refresh else service.store.cached_statuses(list(parsed.values()))
        fetch: list[str] = []
        for iid in parsed.values():
            if not refresh and statuses.get(iid) in TERMINAL_STATUSES:
                stats.cache_hits += 1
            elif service.api is None:
                failures[iid] = stats.failures[iid] = CredentialsError(
                    "no API key to fetch it: run `rztui login` or set ROUNDZERO_API_KEY",
                    interview_id=iid,
                )
                ticks.tick()
            else:
                fetch.append(iid)
        if fetch:
            # Saved into the store as they arrive; written from there with the rest.
            results = await service.interviews(fetch, refresh=True, on_done=ticks.tick,
                                               stats=stats)
            for iid, value in results.items():
                if isinstance(value, RZError):
                    failures[iid] = value
                else:
                    fetched.add(iid)
        ready += [iid for iid in parsed.values() if iid not in failures]
    return ready


async def export_interviews(
    service: Service,
    ids: Sequence[str],
    fmt: str,
    out: str | os.PathLike[str] | IO[str],
    on_progress: ProgressFn | None = None,
    *,
    excel: bool = False,
    refresh: bool = False,
    workers: int = 1,
    stop: threading.Event | None = None,
) -> ExportResult:
    """Fetch ``ids`` and write them as ``fmt`` to ``out`` (a path, or an open text stream);
    a big export uses up to ``workers`` processes. Setting ``stop`` (from any thread, a signal
    handler included) stops the writer at the next page and removes its temporary file.

    A path is written atomically (temp file, 0600, rename). When every requested interview
    failed, nothing is written (an existing file is left alone). Raises :class:`ExportError`
    for an unwritable destination, before any request is made. Without an API client (no key)
    the cached final interviews are still written and only the others fail.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", exit_code=EXIT_USAGE)
    path: Path | None = None
    if isinstance(out, (str, os.PathLike)):
        path = check_destination(out)
    result = ExportResult(format=fmt, path=path)
    wanted = ordered_ids(ids)
    ticks = _Ticks(on_progress, len(wanted))
    failures: dict[str, RZError] = {}
    fetched: set[str] = set()
    ready = await _fetch_missing(service, wanted, refresh=refresh, ticks=ticks,
                                 stats=result.fetch, failures=failures, fetched=fetched)

    def written(iid: str) -> None:
        if iid not in fetched:  # a fetched one was counted when it arrived
            ticks.from_thread()

    def finish() -> ExportResult:
        result.failures = {iid: failures[iid] for iid in wanted if iid in failures}
        result.requested = len(result.exported) + len(result.failures)
        return result

    if not ready and failures:
        return finish()
    if path is not None and not is_stream_target(path):
        result.swept = await asyncio.to_thread(sweep_stale_parts, path.parent)
    stop = stop if stop is not None else threading.Event()

    def write_to(stream: IO[str]) -> int:
        rows, result.exported = write_from_store(
            stream, service.store, ready, fmt, excel=excel, should_stop=stop.is_set,
            on_written=written, failures=failures, workers=workers,
        )
        ticks.from_thread(0, flush=True)
        if not result.exported and failures and path is not None:
            raise _Stopped()  # every cached copy was unreadable: leave the file alone
        return rows

    def write() -> int:
        if path is None:
            assert not isinstance(out, (str, os.PathLike))
            try:
                rows = write_to(out)
                out.flush()
            except BrokenPipeError:
                raise  # the reader left (`| head`): the caller knows what to do
            except OSError as exc:
                raise ExportError(f"cannot write the export: {describe_os_error(exc)}") from None
            return rows
        try:
            if is_stream_target(path):
                # A FIFO or a device: written into like stdout, never replaced. Opening a FIFO
                # waits for its reader, as a shell redirection does.
                with open(path, "w", encoding="utf-8", newline="") as stream:
                    return write_to(stream)
            with atomic_text_file(path) as stream:
                return write_to(stream)
        except BrokenPipeError:
            raise ExportError(f"cannot write {path}: the reader closed it") from None
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {describe_os_error(exc)}") from None

    # Off the event loop: a big export must not freeze the TUI. If the caller is cancelled,
    # the writer stops at the next interview and the temporary file is removed.
    try:
        result.rows = await asyncio.to_thread(write)
    except _Stopped:
        return finish()  # nothing could be written: not written
    except asyncio.CancelledError:
        stop.set()
        raise
    result.written = True
    return finish()
