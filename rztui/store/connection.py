"""Opening the store file and running statements on it, every error classified first.

The app, ``rztui watch`` and CLI commands may use one store at once: an operation waits up to
``busy_timeout`` for another process's lock, then raises :class:`StoreBusy`. Only a file SQLite
reports as damaged (SQLITE_CORRUPT, SQLITE_NOTADB), at open or by any later query, is moved
aside (with a warning naming where it went) and replaced by a fresh store, so a damaged cache
never stops the app. A store that cannot be written (read-only file system, permissions) still
opens for reading, and writes raise :class:`StoreReadOnly`; a full disk raises
:class:`StoreFull`. :class:`~.db.Store` builds its methods on :meth:`StoreConnection._query`
and :meth:`StoreConnection._write`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from . import fts
from .errors import (
    SQLITE_BUSY,
    SQLITE_CANTOPEN,
    StoreCorrupt,
    StoreError,
    StoreReadOnly,
    classify,
    classify_os,
    dir_unwritable_reason,
    primary_code,
)
from .salvage import salvage
from .schema import (
    SCHEMA_VERSION,
    MigrationHook,
    UpgradeReport,
    check_not_newer,
    compact_if_sparse,
    ensure_search_index,
    migrate,
    rollback_quietly,
    user_version,
)

#: Seconds a store operation waits for another process's lock before :class:`StoreBusy`.
DEFAULT_BUSY_TIMEOUT = 10.0

T = TypeVar("T")


def _sidecar(path: Path, suffix: str) -> Path:
    return Path(str(path) + suffix)


class StoreConnection:
    """The store file at ``path``: opening, recovery, and running statements classified.

    ``warnings`` collects what the user should be told (a damaged file moved aside); each is
    also passed to ``on_warning`` when set, also for damage found after opening. ``read_only``
    is true when the file or its folder cannot be written: reads work, writes raise
    :class:`StoreReadOnly`. Raises :class:`StoreError` (busy, read-only, full, too new) when
    the store cannot be opened at all.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float | None = None,
        on_warning: Callable[[str], None] | None = None,
        on_migration: MigrationHook | None = None,
        reader: bool = False,
    ) -> None:
        self.path = Path(path)
        #: Opened only to read (an export's worker process): no file is created, upgraded,
        #: recovered or moved aside; any damage or a file moved away is an error.
        self.reader = reader
        #: Told about a one-time upgrade of an existing store while it runs (at open).
        self.on_migration = on_migration
        #: Seconds to wait for another process's lock (default :data:`DEFAULT_BUSY_TIMEOUT`).
        self.busy_timeout = DEFAULT_BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        self.warnings: list[str] = []
        self.on_warning = on_warning
        #: False when this Python's SQLite has no FTS5: search is unavailable, the rest works.
        self.fts_available = False
        #: Why the store cannot be written (the OS's reason), or None when it can.
        self.read_only_reason: str | None = None
        self._inode: int | None = None
        self._lock = threading.RLock()
        self._conn = self._open()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    # -- opening, recovery ---------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self.reader:
            conn = self._connect_read_only("opened only to read")
            conn.row_factory = sqlite3.Row
            return conn
        try:
            conn = self._connect()
        except StoreCorrupt as damage:
            conn = self._start_afresh(damage)
        conn.row_factory = sqlite3.Row
        return conn

    def _start_afresh(self, damage: StoreCorrupt) -> sqlite3.Connection:
        """Move the damaged file aside, open a fresh store, salvage into it what can still be
        read, and say so once: where the file went, what was salvaged and what was not."""
        aside = self._move_aside(damage)
        conn = self._connect()
        if aside is None:
            return conn  # another process moved it aside, and salvages it
        try:
            said = salvage(aside, conn).summary()
        except sqlite3.Error as exc:  # the fresh store's own trouble (a full disk)
            err = self._classified(exc)
            said = f"nothing could be salvaged ({err.message})"
        self._warn(f"{damage.detail}; it was moved to {aside} (kept, private) and a fresh one "
                   f"was created: {said}")
        return conn

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.on_warning is not None:
            self.on_warning(message)

    def _classified(self, exc: sqlite3.Error) -> StoreError:
        """``exc`` met while opening, as a store error (one not classified too: the file is
        then left alone, never moved aside)."""
        err = classify(exc, self.path, busy_timeout=self.busy_timeout)
        if err is None:
            err = StoreError(f"cannot open the store {self.path} ({exc})", path=self.path)
        return err

    def _prepare_files(self) -> str | None:
        """Create the folder and the file, private; the reason they cannot be written, if so."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            err = classify_os(exc, self.path, "create the folder of")
            if isinstance(err, StoreReadOnly):
                return exc.strerror or str(exc)
            raise err from exc
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass  # not ours to change (or a read-only file system): the open below will tell
        reason = dir_unwritable_reason(folder)
        if reason is not None:
            return reason
        try:
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        except OSError as exc:
            err = classify_os(exc, self.path, "create")
            if isinstance(err, StoreReadOnly):
                return exc.strerror or str(exc)
            raise err from exc
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass
        return None

    def _connect(self) -> sqlite3.Connection:
        self.read_only_reason = None
        self._inode = None
        reason = self._prepare_files()
        if reason is not None:
            return self._connect_read_only(reason)
        try:
            self._inode = os.stat(self.path).st_ino
            conn = self._sqlite_connect()
        except OSError as exc:
            raise classify_os(exc, self.path, "open") from exc
        except sqlite3.Error as exc:
            raise self._classified(exc) from exc
        try:
            check_not_newer(user_version(conn), self.path)  # before anything changes the file
            conn = self._into_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            report = UpgradeReport(self.on_migration, self.path)
            if migrate(conn, self.path, report):
                compact_if_sparse(conn)
            report.finish()
            conn.execute("SELECT 1 FROM tracked LIMIT 1").fetchall()
            self.fts_available = ensure_search_index(conn)
        except sqlite3.Error as exc:
            conn.close()
            err = self._classified(exc)
            if isinstance(err, StoreReadOnly):
                return self._connect_read_only(str(exc))
            raise err from exc
        except BaseException:
            conn.close()
            raise
        for suffix in ("-wal", "-shm"):
            try:
                os.chmod(_sidecar(self.path, suffix), 0o600)
            except OSError:
                pass
        return conn

    def _sqlite_connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False,
                               isolation_level=None)
        fts.register_functions(conn)
        return conn

    def _into_wal(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """``PRAGMA journal_mode = WAL``, on a new store too while other processes create it.

        A connection that read the file before another process's first commit made it WAL
        asks for an exclusive lock that every WAL connection blocks until it closes; waiting
        cannot help. It is dropped and the file read again (a moment later it says WAL, and
        the pragma has nothing to do), until the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn.execute("PRAGMA busy_timeout = 250")
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                except sqlite3.OperationalError as exc:
                    if primary_code(exc) != SQLITE_BUSY or time.monotonic() >= deadline:
                        raise
                    conn.close()
                    time.sleep(0.05)
                    conn = self._sqlite_connect()
                    continue
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                return conn
            except BaseException:
                conn.close()  # the caller holds the first connection only
                raise

    def _connect_read_only(self, reason: str) -> sqlite3.Connection:
        """Open for reading only; writes will raise StoreReadOnly naming ``reason``."""
        self.read_only_reason = reason
        if not self.path.is_file() or self.path.stat().st_size == 0:
            # Nothing stored yet, and nowhere to store anything: an empty store, in memory.
            conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            fts.register_functions(conn)
            migrate(conn, self.path)
            self.fts_available = ensure_search_index(conn)
            return conn
        self._inode = self.path.stat().st_ino
        uri = f"file:{quote(str(self.path))}?mode=ro"
        # A WAL file whose -shm is gone cannot be opened read-only in a folder where SQLite
        # cannot create it; nobody can write there either, so reading it as immutable is safe.
        for options in ("", "&immutable=1"):
            conn = sqlite3.connect(uri + options, uri=True, timeout=self.busy_timeout,
                                   check_same_thread=False, isolation_level=None)
            fts.register_functions(conn)
            try:
                version = user_version(conn)
                check_not_newer(version, self.path)
                if version < SCHEMA_VERSION:
                    raise StoreReadOnly(
                        f"the store {self.path} needs an upgrade (schema version {version} to "
                        f"{SCHEMA_VERSION}) but cannot be written: {reason}", path=self.path,
                    )
                conn.execute("SELECT 1 FROM tracked LIMIT 1").fetchall()
                self.fts_available = fts.has_search_index(conn)
                return conn
            except sqlite3.Error as exc:
                conn.close()
                if primary_code(exc) == SQLITE_CANTOPEN and not options:
                    continue
                raise self._classified(exc) from exc
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")

    def _move_aside(self, damage: StoreCorrupt) -> Path | None:
        """Rename the damaged file (and its -wal, -shm) out of the way; where it went (None
        when another process moved it first)."""
        if self._moved():
            return None  # another process already moved it aside (and may have started afresh)
        stamp = int(time.time())
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 0
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            for suffix in ("", "-wal", "-shm"):
                src = _sidecar(self.path, suffix)
                if src.exists():
                    os.replace(src, _sidecar(aside, suffix))
        except OSError as exc:
            err = classify_os(exc, self.path, "move aside")
            raise type(err)(
                f"{damage.detail}, and it could not be moved aside: {exc.strerror or exc}",
                path=self.path,
            ) from exc
        return aside

    def _moved(self) -> bool:
        """Whether the file at ``path`` is no longer the one this connection has open (one
        stat; SQLite does not notice in WAL mode and would go on writing to the old file)."""
        if self._inode is None:
            return False
        try:
            return os.stat(self.path).st_ino != self._inode
        except OSError:
            return True

    def _recover(self, damage: StoreCorrupt | None) -> None:
        """Damage found by a query: move the file aside and continue on a fresh store (or,
        with no damage, on the file now at ``path``)."""
        if damage is not None:
            new = self._start_afresh(damage)
            new.row_factory = sqlite3.Row
        else:
            new = self._open()
        old, self._conn = self._conn, new  # when opening fails, the old one stays
        try:
            old.close()
        except sqlite3.Error:
            pass

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- running statements ------------------------------------------------------------------

    def _attempt(self, fn: Callable[[sqlite3.Connection], T], write: bool) -> T:
        conn = self._conn
        if not write:
            return fn(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise
        return result

    def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        """Run ``fn`` (in one transaction when it writes), errors classified: damage moves the
        file aside and ``fn`` runs once more on the fresh store; busy, read-only and full raise
        StoreError; anything else (a query FTS5 rejects) propagates as it is."""
        with self._lock:
            if write and self.read_only_reason is not None:
                raise StoreReadOnly(
                    f"cannot write to the store {self.path}: {self.read_only_reason}",
                    path=self.path,
                )
            if self._moved():
                if self.reader:
                    raise StoreError(f"the store {self.path} was moved away", path=self.path)
                self._recover(None)  # another process moved the file aside: use the new one
            for attempt in (1, 2):
                try:
                    return self._attempt(fn, write)
                except sqlite3.Error as exc:
                    err = classify(exc, self.path, busy_timeout=self.busy_timeout)
                    if err is None:
                        raise
                    if not isinstance(err, StoreCorrupt) or attempt == 2 or self.reader:
                        raise err from exc
                    damage = err
                self._recover(damage)
            raise AssertionError("unreachable")

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """One write = one transaction: all of it lands, or none of it."""
        return self._run(fn, write=True)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        args = tuple(params)
        return self._run(lambda conn: conn.execute(sql, args).fetchall(), write=False)
