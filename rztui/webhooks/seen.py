"""Webhook event ids already seen: a retried delivery is answered but not acted on twice.

:class:`SeenEvents` remembers ids, bounded in number (``max_items``) and age (``max_age``).
With a path it keeps them in a small SQLite file of its own (mode 0600; ``rztui watch`` puts it
next to the store), so a restart still knows them. Remembering one id is one indexed
``INSERT OR IGNORE``: the cost does not grow with the history (the old JSON file was rewritten
whole for every event). The receiver calls :meth:`SeenEvents.remember`, which runs it in a
thread, off the event loop. Trimming is amortised: the oldest ids go as soon as there are too
many, expired ones every :data:`TRIM_EVERY` inserts (and ``__contains__`` ignores them anyway).

A ``*.json`` path (what earlier versions wrote) means ``*.db`` beside it: the JSON ids are
imported once and the JSON file removed. A file that is not a database is moved aside
(``*.damaged``) and a fresh one started; if the file cannot be used at all (read-only, disk
full) the ids are kept in memory with one warning: losing them only risks acting on a retried
delivery twice (one extra poll), never missing one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

TRIM_EVERY = 256  # inserts between sweeps for expired ids

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
"""


class SeenEvents:
    """Recently seen event ids: bounded in number and age; in SQLite with a path, else in
    memory. Thread-safe (one lock); :meth:`remember` is the receiver's async entry point."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_items: int = 10_000,
                 max_age: float = 7 * 86400.0, clock: Callable[[], float] = time.time) -> None:
        self.max_items = max(1, max_items)
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._mem: OrderedDict[str, float] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        self._count = 0  # rows in the table (expired ones included until a sweep)
        self._inserts = 0
        self.path: Path | None = None
        if path is not None:
            self._open(Path(path))

    # -- opening ----------------------------------------------------------------------------

    def _open(self, path: Path) -> None:
        legacy: Path | None = None
        if path.suffix == ".json":
            legacy, path = path, path.with_suffix(".db")
        self.path = path
        try:
            self._db = self._connect(path)
        except sqlite3.DatabaseError as exc:
            if not self._damaged(exc):
                self._fall_back(f"cannot open {path} ({exc})")
                return
            aside = path.with_name(path.name + ".damaged")
            log.warning("webhook id file %s is damaged: moved to %s, starting afresh",
                        path, aside.name)
            try:
                os.replace(path, aside)
                self._db = self._connect(path)
            except (OSError, sqlite3.Error) as exc2:
                self._fall_back(f"cannot replace {path} ({exc2})")
                return
        except OSError as exc:
            self._fall_back(f"cannot open {path} ({exc.strerror or exc})")
            return
        if legacy is not None:
            self._import_json(legacy)
        with self._lock:
            self._sweep(self._clock())

    @staticmethod
    def _damaged(exc: sqlite3.DatabaseError) -> bool:
        text = str(exc).lower()
        return "not a database" in text or "malformed" in text or "corrupt" in text

    def _connect(self, path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private before SQLite opens it; its -wal/-shm files take the same mode.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a lost id costs one extra poll at worst
            db.executescript(_SCHEMA)
            self._count = int(db.execute("SELECT count(*) FROM seen").fetchone()[0])
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _fall_back(self, why: str) -> None:
        log.warning("webhook event ids kept in memory only: %s", why)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def _import_json(self, legacy: Path) -> None:
        try:
            data = json.loads(legacy.read_text(encoding="utf-8"))
            items = [(str(k), float(v)) for k, v in data.items()]
        except FileNotFoundError:
            return
        except (OSError, ValueError, AttributeError, TypeError):
            log.warning("ignoring unreadable webhook id file %s", legacy)
            items = []
        self.add_many(items)
        with contextlib.suppress(OSError):
            legacy.unlink()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    @property
    def persistent(self) -> bool:
        return self._db is not None

    # -- the set ----------------------------------------------------------------------------

    def _cutoff(self, now: float) -> float:
        return now - self.max_age

    def add(self, event_id: str) -> bool:
        """Remember an id; False if it was already there (and not expired)."""
        with self._lock:
            now = self._clock()
            if self._db is not None:
                try:
                    return self._db_add(self._db, event_id, now)
                except sqlite3.Error as exc:
                    self._fall_back(f"cannot write {self.path} ({exc})")
            return self._mem_add(event_id, now)

    async def remember(self, event_id: str) -> bool:
        """:meth:`add` off the event loop (in a thread) when it touches the disk."""
        if self._db is None:
            return self.add(event_id)
        return await asyncio.to_thread(self.add, event_id)

    def add_many(self, items: Iterable[tuple[str, float]]) -> None:
        """Remember ids seen at the given times (imports, benchmarks)."""
        with self._lock:
            rows = list(items)
            if self._db is not None:
                try:
                    with _transaction(self._db):
                        self._count += sum(
                            self._db.execute("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)",
                                             row).rowcount for row in rows)
                    self._sweep(self._clock())
                    return
                except sqlite3.Error as exc:
                    self._fall_back(f"cannot write {self.path} ({exc})")
            for eid, at in sorted(rows, key=lambda r: r[1]):
                self._mem[eid] = at
            self._mem_trim(self._clock())

    def _db_add(self, db: sqlite3.Connection, event_id: str, now: float) -> bool:
        if db.execute("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)",
                      (event_id, now)).rowcount == 0:
            row = db.execute("SELECT at FROM seen WHERE id = ?", (event_id,)).fetchone()
            if row is not None and float(row[0]) >= self._cutoff(now):
                return False
            db.execute("UPDATE seen SET at = ? WHERE id = ?", (now, event_id))  # expired
            return True
        self._count += 1
        self._inserts += 1
        if self._count > self.max_items:
            self._drop_oldest(db, self._count - self.max_items)
        if self._inserts % TRIM_EVERY == 0:
            self._sweep(now)
        return True

    def _drop_oldest(self, db: sqlite3.Connection, n: int) -> None:
        self._count -= db.execute(
            "DELETE FROM seen WHERE id IN (SELECT id FROM seen ORDER BY at LIMIT ?)",
            (n,)).rowcount

    def _sweep(self, now: float) -> None:
        """Forget expired ids, then the oldest beyond ``max_items`` (lock held)."""
        if self._db is None:
            self._mem_trim(now)
            return
        try:
            self._count -= self._db.execute("DELETE FROM seen WHERE at < ?",
                                            (self._cutoff(now),)).rowcount
            if self._count > self.max_items:
                self._drop_oldest(self._db, self._count - self.max_items)
        except sqlite3.Error as exc:
            log.warning("cannot trim webhook ids in %s (%s)", self.path, exc)

    def _mem_add(self, event_id: str, now: float) -> bool:
        at = self._mem.get(event_id)
        if at is not None and at >= self._cutoff(now):
            return False
        self._mem.pop(event_id, None)
        self._mem[event_id] = now
        self._mem_trim(now)
        return True

    def _mem_trim(self, now: float) -> None:
        cutoff = self._cutoff(now)
        while self._mem and (len(self._mem) > self.max_items
                             or next(iter(self._mem.values())) < cutoff):
            self._mem.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        if not isinstance(event_id, str):
            return False
        with self._lock:
            cutoff = self._cutoff(self._clock())
            if self._db is not None:
                try:
                    row = self._db.execute("SELECT at FROM seen WHERE id = ?",
                                           (event_id,)).fetchone()
                    return row is not None and float(row[0]) >= cutoff
                except sqlite3.Error:
                    return False
            at = self._mem.get(event_id)
            return at is not None and at >= cutoff

    def __len__(self) -> int:
        with self._lock:
            cutoff = self._cutoff(self._clock())
            if self._db is not None:
                try:
                    return int(self._db.execute("SELECT count(*) FROM seen WHERE at >= ?",
                                                (cutoff,)).fetchone()[0])
                except sqlite3.Error:
                    return 0
            return sum(1 for at in self._mem.values() if at >= cutoff)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
