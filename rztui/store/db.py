"""The local SQLite store: tracked interviews, cached API payloads, poll state, archive index.

Knows nothing of Textual or httpx. WAL mode, one transaction per write, the file is 0600 in a
0700 directory. A file that SQLite cannot read is moved aside (with a warning for the user) and a
fresh store is created, so a damaged cache never stops the app.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api.models import TERMINAL_STATUSES, Interview, QuestionSet

SCHEMA_VERSION = 1

# Each entry migrates from version i to i+1; append, never edit a shipped one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE tracked (
        id TEXT PRIMARY KEY,
        added_at REAL NOT NULL,
        label TEXT,
        source TEXT NOT NULL DEFAULT 'user'
    );
    CREATE TABLE interviews (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        body TEXT NOT NULL,
        fetched_at REAL NOT NULL,
        candidate_name TEXT NOT NULL DEFAULT '',
        candidate_email TEXT NOT NULL DEFAULT '',
        job_title TEXT NOT NULL DEFAULT '',
        created_at TEXT,
        started_at TEXT,
        completed_at TEXT,
        expires_at TEXT,
        answered INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE questions (
        interview_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        fetched_at REAL NOT NULL
    );
    CREATE TABLE poll_state (
        interview_id TEXT PRIMARY KEY,
        next_poll_at REAL,
        last_polled_at REAL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_status TEXT
    );
    CREATE TABLE archive (
        interview_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT,
        archived_at REAL NOT NULL,
        PRIMARY KEY (interview_id, question_id)
    );
    """,
]


@dataclass(frozen=True, slots=True)
class ListRow:
    """One tracked interview as the list shows it (no JSON parsing needed)."""

    id: str
    added_at: float
    label: str | None
    status: str | None  # None: tracked but never fetched
    candidate_name: str
    candidate_email: str
    job_title: str
    created_at: str | None
    started_at: str | None
    completed_at: str | None
    expires_at: str | None
    answered: int
    fetched_at: float | None


def _iso(dt: Any) -> str | None:
    return dt.isoformat() if dt is not None else None


class Store:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._conn = self._open()
        self._conn.row_factory = sqlite3.Row

    # -- opening, recovery, migrations --------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            os.chmod(self.path.parent, 0o700)
        except OSError:
            pass
        try:
            return self._connect()
        except (sqlite3.DatabaseError, OSError) as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    os.replace(src, Path(str(aside) + suffix))
            self.warnings.append(
                f"the local store could not be read ({exc.__class__.__name__}: {exc}); "
                f"it was moved to {aside} and a fresh one was created"
            )
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
            conn.execute("SELECT count(*) FROM tracked").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        for suffix in ("-wal", "-shm"):
            side = Path(str(self.path) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"store schema version {version} is newer than this rztui ({SCHEMA_VERSION})"
            )
        for target in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write = one transaction: all of it lands, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    # -- tracked interviews ------------------------------------------------------------------

    def track(
        self, ids: Iterable[str], *, label: str | None = None, source: str = "user"
    ) -> list[str]:
        """Track ids; returns those that were not tracked before, in order."""
        now = time.time()
        added: list[str] = []
        with self.transaction() as conn:
            for iid in dict.fromkeys(ids):
                cur = conn.execute(
                    "INSERT OR IGNORE INTO tracked (id, added_at, label, source) VALUES (?,?,?,?)",
                    (iid, now, label, source),
                )
                if cur.rowcount:
                    added.append(iid)
        return added

    def untrack(self, ids: Iterable[str]) -> int:
        """Stop tracking and drop everything cached about these interviews."""
        removed = 0
        with self.transaction() as conn:
            for iid in dict.fromkeys(ids):
                removed += conn.execute("DELETE FROM tracked WHERE id = ?", (iid,)).rowcount
                self._drop_cached(conn, iid)
        return removed

    def _drop_cached(self, conn: sqlite3.Connection, iid: str) -> None:
        conn.execute("DELETE FROM interviews WHERE id = ?", (iid,))
        conn.execute("DELETE FROM questions WHERE interview_id = ?", (iid,))
        conn.execute("DELETE FROM poll_state WHERE interview_id = ?", (iid,))

    def tracked_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT id FROM tracked ORDER BY added_at, rowid")]

    def is_tracked(self, iid: str) -> bool:
        return bool(self._query("SELECT 1 FROM tracked WHERE id = ?", (iid,)))

    _ROW_SQL = """
        SELECT t.id, t.added_at, t.label, i.status, i.candidate_name, i.candidate_email,
               i.job_title, i.created_at, i.started_at, i.completed_at, i.expires_at,
               coalesce(i.answered, 0), i.fetched_at
        FROM tracked t LEFT JOIN interviews i ON i.id = t.id
    """

    def list_rows(self) -> list[ListRow]:
        rows = self._query(self._ROW_SQL + " ORDER BY t.added_at, t.rowid")
        return [ListRow(*r) for r in rows]

    def row(self, iid: str) -> ListRow | None:
        rows = self._query(self._ROW_SQL + " WHERE t.id = ?", (iid,))
        return ListRow(*rows[0]) if rows else None

    # -- cached payloads ---------------------------------------------------------------------

    def save_interview(
        self, data: dict[str, Any] | Interview, *, fetched_at: float | None = None
    ) -> Interview:
        """Validate and cache an interview payload exactly as the API returned it."""
        interview = data if isinstance(data, Interview) else Interview.from_api(data)
        with self.transaction() as conn:
            self._save_interview(conn, interview, fetched_at or time.time())
        return interview

    def _save_interview(self, conn: sqlite3.Connection, iv: Interview, fetched_at: float) -> None:
        conn.execute(
            """
            INSERT INTO interviews (id, status, body, fetched_at, candidate_name, candidate_email,
                job_title, created_at, started_at, completed_at, expires_at, answered)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET status=excluded.status, body=excluded.body,
                fetched_at=excluded.fetched_at, candidate_name=excluded.candidate_name,
                candidate_email=excluded.candidate_email, job_title=excluded.job_title,
                created_at=excluded.created_at, started_at=excluded.started_at,
                completed_at=excluded.completed_at, expires_at=excluded.expires_at,
                answered=excluded.answered
            """,
            (
                iv.id,
                iv.status,
                json.dumps(iv.raw, ensure_ascii=False),
                fetched_at,
                iv.candidate.name,
                iv.candidate.email or "",
                iv.job.title,
                _iso(iv.created_at),
                _iso(iv.started_at),
                _iso(iv.completed_at),
                _iso(iv.expires_at),
                len(iv.responses),
            ),
        )

    def save_interviews(self, payloads: Iterable[dict[str, Any]]) -> int:
        """Bulk insert in one transaction (imports, benchmarks)."""
        now = time.time()
        n = 0
        with self.transaction() as conn:
            for data in payloads:
                self._save_interview(conn, Interview.from_api(data), now)
                n += 1
        return n

    def interview_json(self, iid: str) -> tuple[dict[str, Any], float] | None:
        rows = self._query("SELECT body, fetched_at FROM interviews WHERE id = ?", (iid,))
        if not rows:
            return None
        return json.loads(rows[0][0]), rows[0][1]

    def get_interview(self, iid: str) -> Interview | None:
        cached = self.interview_json(iid)
        return Interview.from_api(cached[0]) if cached else None

    def cached_status(self, iid: str) -> str | None:
        rows = self._query("SELECT status FROM interviews WHERE id = ?", (iid,))
        return rows[0][0] if rows else None

    def is_final(self, iid: str) -> bool:
        """A cached completed/expired interview never changes: no request needed."""
        return self.cached_status(iid) in TERMINAL_STATUSES

    def save_questions(self, iid: str, data: dict[str, Any]) -> QuestionSet:
        qs = QuestionSet.from_api(data)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO questions (interview_id, body, fetched_at) VALUES (?,?,?)",
                (iid, json.dumps(data, ensure_ascii=False), time.time()),
            )
        return qs

    def get_questions(self, iid: str) -> QuestionSet | None:
        rows = self._query("SELECT body FROM questions WHERE interview_id = ?", (iid,))
        return QuestionSet.from_api(json.loads(rows[0][0])) if rows else None

    def all_interviews(self, ids: Iterable[str] | None = None) -> Iterator[Interview]:
        """Cached interviews (of the tracked set, or the given ids)."""
        if ids is None:
            rows = self._query(
                "SELECT i.body FROM interviews i JOIN tracked t ON t.id = i.id "
                "ORDER BY t.added_at, t.rowid"
            )
            for r in rows:
                yield Interview.from_api(json.loads(r[0]))
        else:
            for iid in ids:
                iv = self.get_interview(iid)
                if iv is not None:
                    yield iv

    # -- poll state --------------------------------------------------------------------------

    def poll_state(self, iid: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT next_poll_at, last_polled_at, failures, last_status FROM poll_state "
            "WHERE interview_id = ?",
            (iid,),
        )
        return dict(rows[0]) if rows else None

    def all_poll_states(self) -> dict[str, dict[str, Any]]:
        rows = self._query(
            "SELECT interview_id, next_poll_at, last_polled_at, failures, last_status "
            "FROM poll_state"
        )
        return {r[0]: dict(r) for r in rows}

    def set_poll_state(
        self,
        iid: str,
        *,
        next_poll_at: float | None,
        last_polled_at: float | None = None,
        failures: int = 0,
        last_status: str | None = None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO poll_state "
                "(interview_id, next_poll_at, last_polled_at, failures, last_status) "
                "VALUES (?,?,?,?,?)",
                (iid, next_poll_at, last_polled_at, failures, last_status),
            )

    # -- archive index -----------------------------------------------------------------------

    def record_archive(
        self, iid: str, qid: str, path: str, sha256: str, size: int, content_type: str | None
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO archive (interview_id, question_id, path, sha256, size, "
                "content_type, archived_at) VALUES (?,?,?,?,?,?,?)",
                (iid, qid, path, sha256, size, content_type, time.time()),
            )

    def archived(self, iid: str) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM archive WHERE interview_id = ?", (iid,))
        return [dict(r) for r in rows]

    # -- retention ---------------------------------------------------------------------------

    def cached_ids(
        self, *, older_than_days: float | None = None, everything: bool = False
    ) -> list[str]:
        """Ids whose cached payload :meth:`purge` would drop with the same arguments."""
        if everything:
            return [r[0] for r in self._query("SELECT id FROM interviews")]
        if older_than_days is None:
            return []
        cutoff = time.time() - older_than_days * 86400
        return [
            r[0] for r in self._query("SELECT id FROM interviews WHERE fetched_at < ?", (cutoff,))
        ]

    def purge(self, *, older_than_days: float | None = None, everything: bool = False) -> int:
        """Delete cached payloads; returns how many interviews were dropped.

        Tracking is kept (the data is fetched again when needed), and so is the archive index:
        the audio files are still on disk until ``purge --audio`` deletes them and calls
        :meth:`forget_archive`.
        """
        with self._lock:
            ids = self.cached_ids(older_than_days=older_than_days, everything=everything)
            if not ids:
                return 0
            with self.transaction() as conn:
                for iid in ids:
                    self._drop_cached(conn, iid)
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(ids)

    def forget_archive(self, iid: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM archive WHERE interview_id = ?", (iid,))

    def counts(self) -> dict[str, int]:
        rows = self._query(
            "SELECT (SELECT count(*) FROM tracked), (SELECT count(*) FROM interviews), "
            "(SELECT count(*) FROM questions), (SELECT count(*) FROM archive)"
        )
        t, i, q, a = rows[0]
        return {"tracked": t, "interviews": i, "questions": q, "archived": a}
