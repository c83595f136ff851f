"""What can go wrong with the store file, classified once, before anything is acted on.

Every SQLite or OS error the store meets goes through :func:`classify`: busy (another process
holds a lock past the timeout), read-only, full, or corrupt. Only *corrupt* ever leads the store
to move its file aside; the others become a :class:`StoreError` with a one-line message naming
the file and the reason, and the CLI's error handler prints it (exit code 5). Anything else
(a bad FTS5 query, a programming error) is not a store problem and is left as it is.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from ..api.errors import EXIT_FAILURE, RZError

# Primary result codes (sqlite_errorcode & 0xFF); extended codes keep the primary in the low byte.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


class StoreError(RZError):
    """The store file cannot be used as asked; ``path`` is the file."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        self.path = path
        super().__init__(message)


class StoreBusy(StoreError):
    """Another process held a lock on the store for longer than the busy timeout."""


class StoreReadOnly(StoreError):
    """The store (or its directory) cannot be written: read-only file system, permissions."""


class StoreFull(StoreError):
    """The disk (or quota) is full."""


class StoreCorrupt(StoreError):
    """SQLite says the file is damaged or is not a database (SQLITE_CORRUPT, SQLITE_NOTADB)."""


class StoreTooNew(StoreError):
    """The file was written by a newer rztui (a higher schema version): left untouched."""


def primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", None) or type(exc).__name__


def dir_unwritable_reason(directory: Path) -> str | None:
    """Why files cannot be created in ``directory`` (None when they can)."""
    if os.access(directory, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return os.strerror(errno.EROFS)
    except OSError:
        pass
    return os.strerror(errno.EACCES)


def disk_full(directory: Path) -> bool:
    try:
        st = os.statvfs(directory)
    except OSError:
        return False
    return st.f_bavail == 0 or (st.f_favail == 0 and st.f_files > 0)


def classify_os(exc: OSError, path: Path, doing: str) -> StoreError:
    """An OSError met while creating or writing the store's files."""
    reason = exc.strerror or str(exc)
    if exc.errno in _READ_ONLY_ERRNOS:
        return StoreReadOnly(f"cannot {doing} the store {path}: {reason}", path=path)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"cannot {doing} the store {path}: the disk is full ({reason})",
                         path=path)
    return StoreError(f"cannot {doing} the store {path}: {reason}", path=path)


def classify(exc: sqlite3.Error, path: Path, *, busy_timeout: float) -> StoreError | None:
    """The store problem ``exc`` is, or None when it is not one (e.g. a query FTS5 rejects)."""
    code = primary_code(exc)
    name = _error_name(exc)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StoreCorrupt(f"the store {path} is damaged ({name}: {exc})", path=path)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreBusy(
            f"the store {path} is locked by another process (still {name} after waiting "
            f"{busy_timeout:g} s): another rztui (the app, `rztui watch` or a command) holds "
            "it; try again when that is done",
            path=path,
        )
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        reason = dir_unwritable_reason(path.parent)
        if reason is None and not os.access(path, os.W_OK) and path.exists():
            reason = os.strerror(errno.EACCES)
        if reason is not None or code != SQLITE_CANTOPEN:
            return StoreReadOnly(
                f"cannot write to the store {path}: {reason or f'{name}: {exc}'}", path=path
            )
        return StoreError(f"cannot open the store {path} ({name}: {exc})", path=path)
    if code == SQLITE_FULL or (code == SQLITE_IOERR and disk_full(path.parent)):
        return StoreFull(
            f"cannot write to the store {path}: the disk is full ({name}: {exc})", path=path
        )
    if code == SQLITE_IOERR:
        return StoreError(f"cannot read or write the store {path} ({name}: {exc})", path=path)
    return None
