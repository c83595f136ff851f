"""What SQLite can still read of a damaged store, copied into the fresh one that replaces it.

A few damaged pages must not cost the user the rest: the tracked ids and what they decided
(ratings, notes, the shortlist) above all. Each table is read in rowid order; where a read
meets damage, the next readable rowid is searched for (the B-tree's interior pages still lead
past a damaged leaf) and the read goes on from there, so only the rows on damaged pages are
lost. Tracked ids on a damaged page are taken from the table's indexes when those can be read.
Cached payloads are kept only when they still parse and pass the gate; the interviews that are
lost stay tracked and are fetched again like any never fetched. The search index is rebuilt
from what was kept. Nothing here writes to the damaged file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from ..api.errors import InvalidResponse
from ..api.models import Interview, QuestionSet
from .payload import load_body
from .schema import index_payloads, rollback_quietly

# The tables copied, most precious first (each lands in its own transaction): what the user
# decided, then what can be fetched again. The search tables are derived: rebuilt, not copied.
TABLES: tuple[tuple[str, str], ...] = (
    ("tracked", "tracked ids"),
    ("evaluation", "ratings, notes and shortlist"),
    ("answer_rating", "answer ratings"),
    ("interviews", "cached interviews"),
    ("questions", "cached questions"),
    ("poll_state", "poll states"),
    ("archive", "archived recordings' index"),
)

T = TypeVar("T")

_MIN_ROWID = -(2**63)
_MAX_ROWID = 2**63 - 1
_PAGE = 500


@dataclass(slots=True)
class TableSalvage:
    """One table: rows kept in the fresh store, and how many the damaged file had (``None``
    when neither the table nor its key's index could be read through)."""

    label: str
    kept: int = 0
    total: int | None = 0

    @property
    def lost(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.kept)


@dataclass(slots=True)
class SalvageReport:
    tables: dict[str, TableSalvage] = field(default_factory=dict)
    #: Why nothing at all could be copied (the file unreadable, the fresh store unwritable).
    failed: str | None = None

    def summary(self) -> str:
        """One line for the user: what was salvaged, and what was not (counts per table)."""
        if self.failed is not None:
            return f"nothing could be salvaged ({self.failed})"
        parts, lost = [], []
        for t in self.tables.values():
            if t.total == 0 and t.kept == 0:
                continue
            parts.append(f"{t.kept:,}" + ("" if t.total is None else f" of {t.total:,}")
                         + f" {t.label}")
            if t.lost is None:
                lost.append(f"{t.label} (how many is unknown)")
            elif t.lost:
                lost.append(f"{t.lost:,} {t.label}")
        said = "salvaged " + (", ".join(parts) if parts else "nothing (it held nothing readable)")
        if lost:
            said += "; lost " + ", ".join(lost)
            cached = self.tables.get("interviews")
            if cached is not None and cached.lost != 0:
                said += " (lost interviews are fetched again at the next fetch)"
        return said


def _open_read_only(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}?mode=ro"
    last: sqlite3.Error | None = None
    # Its -shm may be gone or unusable: then read as immutable (nobody writes a file aside).
    for options in ("", "&immutable=1"):
        conn = sqlite3.connect(uri + options, uri=True, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA cell_size_check = ON")  # garbage read as an error, not rows
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            conn.close()
            last = exc
    assert last is not None
    raise last


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]


def _probe(src: sqlite3.Connection, select: str, rowid: int) -> bool:
    try:
        src.execute(select + " WHERE rowid >= ? ORDER BY rowid LIMIT 1", (rowid,)).fetchall()
        return True
    except sqlite3.DatabaseError:
        return False


def _next_readable(src: sqlite3.Connection, select: str, bad: int) -> int | None:
    """The lowest rowid past ``bad`` (where reading failed) from which reading works again,
    or None when nothing past it can be read: doubling steps, then halving back."""
    step = 1
    while not _probe(src, select, bad + step):
        if bad + step >= _MAX_ROWID:
            return None
        step = min(step * 2, _MAX_ROWID - bad)
    low, high = bad + step // 2, bad + step  # reading fails from low (or low == bad), works
    while high - low > 1:
        mid = (low + high) // 2
        if _probe(src, select, mid):
            high = mid
        else:
            low = mid
    return high


def readable_rows(src: sqlite3.Connection, table: str,
                  columns: list[str]) -> Generator[tuple[Any, ...], None, bool]:
    """Every row of ``table`` SQLite can still read, ``(rowid, *columns)``, in rowid order.
    The generator's return value (``StopIteration.value``) says whether damage was met."""
    select = f"SELECT rowid, {', '.join(columns)} FROM {table}"
    start = _MIN_ROWID
    damaged = False
    while True:
        try:
            for r in src.execute(select + " WHERE rowid >= ? ORDER BY rowid", (start,)):
                yield tuple(r)
                if r[0] >= _MAX_ROWID:
                    return damaged
                start = r[0] + 1
            return damaged
        except sqlite3.DatabaseError:
            damaged = True
        # A scan steps one row ahead, so the row before the damage may not have been given:
        # one row per query up to the damage (LIMIT 1 never reads the next row).
        while True:
            try:
                one = src.execute(select + " WHERE rowid >= ? ORDER BY rowid LIMIT 1",
                                  (start,)).fetchall()
            except sqlite3.DatabaseError:
                break
            if not one:
                return damaged
            yield tuple(one[0])
            if one[0][0] >= _MAX_ROWID:
                return damaged
            start = one[0][0] + 1
        nxt = _next_readable(src, select, start)
        if nxt is None:
            return damaged
        start = nxt


def _count_by_key(src: sqlite3.Connection, table: str) -> int | None:
    """How many rows ``table`` had, from its primary key's index (its own pages), or None."""
    try:
        return int(src.execute(
            f"SELECT count(*) FROM {table} INDEXED BY sqlite_autoindex_{table}_1").fetchone()[0])
    except sqlite3.Error:
        return None


def _partial(src: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` read before any damage."""
    out: list[tuple[Any, ...]] = []
    try:
        for r in src.execute(sql):
            out.append(tuple(r))
    except sqlite3.DatabaseError:
        pass
    return out


def _valid(table: str, row: dict[str, Any]) -> bool:
    """Whether a cached payload still parses and passes the gate (else it is fetched again)."""
    try:
        if table == "interviews":
            return bool(Interview.from_api(load_body(row["body"])).id == row["id"])
        if table == "questions":
            QuestionSet.from_api(load_body(row["body"]))
    except (ValueError, InvalidResponse, TypeError, KeyError):
        return False
    return True


def _insert(dst: sqlite3.Connection, table: str, columns: list[str], rowid: int,
            values: tuple[Any, ...]) -> bool:
    """Insert one row, keeping its rowid (lists page by rowid); another process's row wins."""
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    try:
        if dst.execute(f"INSERT OR IGNORE INTO {table} (rowid, {names}) VALUES (?, {marks})",
                       (rowid, *values)).rowcount > 0:
            return True
        # Its rowid taken by a row written since the fresh store opened: any rowid will do.
        return bool(dst.execute(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})",
                                values).rowcount)
    except sqlite3.IntegrityError:
        return False  # damaged values (a rating of 77): not the user's decision, dropped


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str, label: str,
                only: set[str] | None = None) -> tuple[TableSalvage, set[str]]:
    """Copy what can be read of ``table`` (with ``only``: the rows whose first column is in
    it); the result, and the first column's values kept."""
    result = TableSalvage(label)
    wanted = set(_columns(dst, table))
    columns = [c for c in _columns(src, table) if c in wanted]
    keys: set[str] = set()
    if not columns:
        return result, keys
    rows = readable_rows(src, table, columns)
    read = 0
    damaged = False
    while True:
        try:
            row = next(rows)
        except StopIteration as done:
            damaged = bool(done.value)
            break
        read += 1
        values = row[1:]
        if only is not None and values[0] not in only:
            continue
        if not _valid(table, dict(zip(columns, values, strict=True))):
            continue
        if _insert(dst, table, columns, int(row[0]), values):
            result.kept += 1
            keys.add(str(values[0]))
    indexed = _count_by_key(src, table)
    result.total = max(read, indexed) if indexed is not None else (None if damaged else read)
    return result, keys


def _tracked_from_indexes(src: sqlite3.Connection, dst: sqlite3.Connection,
                          kept: set[str]) -> int:
    """Tracked ids on damaged pages of ``tracked``, read from its indexes (the id's, and
    added_at's for the order): their labels are lost, never the id."""
    ids = _partial(src, "SELECT rowid, id FROM tracked INDEXED BY sqlite_autoindex_tracked_1")
    added = dict(_partial(src, "SELECT rowid, added_at FROM tracked INDEXED BY tracked_added_at"))
    now = time.time()
    found = 0
    for rowid, iid in ids:
        if not isinstance(iid, str) or iid in kept:
            continue
        when = added.get(rowid)
        values = (iid, when if isinstance(when, (int, float)) else now)
        if _insert(dst, "tracked", ["id", "added_at"], int(rowid), values):
            found += 1
            kept.add(iid)
    return found


def _in_transaction(dst: sqlite3.Connection, fn: Callable[[], T]) -> T:
    dst.execute("BEGIN IMMEDIATE")
    try:
        result = fn()
        dst.execute("COMMIT")
    except BaseException:
        rollback_quietly(dst)
        raise
    return result


def salvage(damaged: Path, dst: sqlite3.Connection) -> SalvageReport:
    """Copy what can be read of the store file ``damaged`` into ``dst`` (a fresh store,
    migrated). Errors of the fresh store (a full disk) propagate; the damaged file's never."""
    report = SalvageReport()
    try:
        src = _open_read_only(damaged)
    except sqlite3.Error as exc:
        report.failed = f"the file cannot be read: {exc}"
        return report
    try:
        try:
            present = {str(r[0]) for r in src.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            report.failed = f"its list of tables cannot be read: {exc}"
            return report
        kept: dict[str, set[str]] = {}
        for table, label in TABLES:
            if table not in present:
                continue

            # A poll state of an interview that was lost would hold back its fetch.
            only = kept.get("interviews", set()) if table == "poll_state" else None

            def copy(table: str = table, label: str = label,
                     only: set[str] | None = only) -> TableSalvage:
                result, keys = _copy_table(src, dst, table, label, only)
                if table == "tracked":
                    result.kept += _tracked_from_indexes(src, dst, keys)
                kept[table] = keys
                return result

            report.tables[table] = _in_transaction(dst, copy)
        _in_transaction(dst, lambda: index_payloads(dst))
    finally:
        src.close()
    _private(damaged)
    return report


def _private(path: Path) -> None:
    """The damaged file holds candidates' data: private (0600), as the store was."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.chmod(f"{path}{suffix}", 0o600)
        except OSError:
            pass
