"""The store's schema and its migrations, safe when several processes open one file at once.

The TUI, ``rztui watch`` and CLI commands may all open the same store, also a store that does
not exist yet. Each migration step runs in its own ``BEGIN IMMEDIATE`` transaction (one writer
at a time, waiting on the busy timeout) and re-reads ``user_version`` inside it, so a process
that lost the race sees the work done and skips it instead of creating tables twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api.errors import InvalidResponse
from ..api.models import Interview, QuestionSet
from . import fts, payload
from .errors import StoreTooNew

#: How far a step that goes through the data has got (0.0 ... 1.0).
StepProgress = Callable[[float], None]
# A migration is SQL (statements separated by ";") or a callable that gets the connection and
# a StepProgress; both run inside the one transaction that also bumps user_version.
Migration = str | Callable[[sqlite3.Connection, StepProgress], None]


@dataclass(frozen=True, slots=True)
class MigrationProgress:
    """What a one-time upgrade of an existing store reports (``Store(on_migration=...)``).

    Reported once when it starts (``fraction`` 0.0), as it goes (a page of interviews at a
    time), and once when it is over (``finished``, after the file is compacted). A new store,
    or one already up to date, reports nothing.
    """

    path: Path
    interviews: int  # the cached interviews the upgrade goes through
    fraction: float  # 0.0 ... 1.0
    finished: bool
    seconds: float  # since the upgrade started


MigrationHook = Callable[[MigrationProgress], None]


class UpgradeReport:
    """Tells a :data:`MigrationHook` how an upgrade goes (nothing at all without a hook)."""

    def __init__(self, hook: MigrationHook | None, path: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.hook = hook
        self.path = path
        self.started: float | None = None
        self.interviews = 0
        self._clock = clock
        self._last = 0.0

    def _send(self, fraction: float, finished: bool = False) -> None:
        if self.hook is not None and self.started is not None:
            self.hook(MigrationProgress(self.path, self.interviews, min(1.0, max(0.0, fraction)),
                                        finished, self._clock() - self.started))

    def start(self, conn: sqlite3.Connection) -> None:
        if self.hook is None or self.started is not None:
            return
        self.started = self._clock()
        try:
            self.interviews = int(conn.execute("SELECT count(*) FROM interviews").fetchone()[0])
        except sqlite3.Error:
            self.interviews = 0
        self._send(0.0)

    def step(self, fraction: float) -> None:
        now = self._clock()
        if now - self._last >= 0.1:  # a front end is told ten times a second at most
            self._last = now
            self._send(fraction)

    def finish(self) -> None:
        if self.started is not None:
            self._send(1.0, finished=True)
            self.started = None


def _migrate_v2_search(conn: sqlite3.Connection, progress: StepProgress) -> None:
    """v2 built the first search index. :func:`_migrate_lean_store` replaces it and rebuilds it
    from the payloads, so a store on its way up has nothing to do here."""


def _pages(
    conn: sqlite3.Connection, sql: str, size: int = 500
) -> Iterator[list[sqlite3.Row]]:
    """``sql`` (selecting ``rowid`` first, with a ``rowid > ?`` bound) a page at a time."""
    last = -(2**63)
    while True:
        rows = conn.execute(sql, (last, size)).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _compact_bodies(
    conn: sqlite3.Connection, table: str, on_page: Callable[[int], None] | None = None
) -> None:
    """Every payload of ``table`` rewritten compact and compressed (unreadable ones as they
    are: they are fetched again when needed); ``on_page(rows)`` after each page."""
    for rows in _pages(conn, f"SELECT rowid, body FROM {table} WHERE rowid > ? "
                             "ORDER BY rowid LIMIT ?"):
        if on_page is not None:
            on_page(len(rows))
        updates = []
        for rowid, body in rows:
            if payload.is_compact(body):
                continue
            try:
                updates.append((payload.encode_body(payload.load_body(body)), rowid))
            except ValueError:
                continue
        conn.executemany(f"UPDATE {table} SET body = ? WHERE rowid = ?", updates)


def _migrate_lean_store(conn: sqlite3.Connection, progress: StepProgress) -> None:
    """The lean store: payloads compact and compressed; the search index keeps no copy of the
    transcripts and one copy of each question text; the retention purge and paging through
    the tracked list use an index.

    Rebuilds ``search_docs`` and the FTS5 index from the cached payloads. The store shrinks on
    disk when :func:`migrate` compacts it afterwards.
    """
    for statement in (
        "DROP TRIGGER IF EXISTS search_docs_ai",
        "DROP TRIGGER IF EXISTS search_docs_ad",
        "DROP TABLE IF EXISTS search_index",
        "DROP TABLE IF EXISTS search_docs",
        "DROP TABLE IF EXISTS search_questions",
        "DROP VIEW IF EXISTS search_content",
    ):
        conn.execute(statement)
    # Progress: compacting the payloads is about the first 40% of the work, indexing the rest.
    total = max(1, int(conn.execute("SELECT count(*) FROM interviews").fetchone()[0]))
    seen = 0

    def compacted(rows: int) -> None:
        nonlocal seen
        seen += rows
        progress(0.4 * seen / total)

    _compact_bodies(conn, "interviews", compacted)
    _compact_bodies(conn, "questions")
    seen = 0
    fts.create_search_tables(conn)
    fts.create_search_index(conn)
    conn.execute("CREATE INDEX IF NOT EXISTS interviews_fetched_at ON interviews (fetched_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS tracked_added_at ON tracked (added_at)")

    def indexed(rows: int) -> None:
        nonlocal seen
        seen += rows
        progress(0.4 + 0.6 * seen / total)

    index_payloads(conn, indexed)


def index_payloads(
    conn: sqlite3.Connection, on_page: Callable[[int], None] | None = None
) -> None:
    """Fill the search index from every cached payload and question set (the search tables
    empty before); ``on_page(rows)`` after each page of interviews."""
    for rows in _pages(conn, "SELECT i.rowid, i.id, i.body, q.body FROM interviews i "
                             "LEFT JOIN questions q ON q.interview_id = i.id "
                             "WHERE i.rowid > ? ORDER BY i.rowid LIMIT ?"):
        if on_page is not None:
            on_page(len(rows))
        fts.insert_docs(conn, [
            doc
            for _rowid, iid, body, qbody in rows
            for doc in fts.doc_rows(iid, fts.parse_body(body, Interview.from_api),
                                    fts.parse_body(qbody, QuestionSet.from_api))
        ])
    for rows in _pages(conn, "SELECT q.rowid, q.interview_id, q.body FROM questions q "
                             "WHERE q.rowid > ? AND NOT EXISTS (SELECT 1 FROM "
                             "interviews i WHERE i.id = q.interview_id) "
                             "ORDER BY q.rowid LIMIT ?"):
        fts.insert_docs(conn, [
            doc
            for _rowid, iid, qbody in rows
            for doc in fts.doc_rows(iid, None, fts.parse_body(qbody, QuestionSet.from_api))
        ])


def _refused(conn: sqlite3.Connection, sql: str, parse: Callable[[Any], object]) -> list[str]:
    """The ids of the payloads ``sql`` pages through that ``parse`` (the gate) refuses."""
    found: list[str] = []
    for rows in _pages(conn, sql):
        for _rowid, iid, body in rows:
            try:
                parse(payload.load_body(body))
            except InvalidResponse:
                found.append(iid)
            except ValueError:
                continue  # damaged, not refused: fetched again when needed, as before
    return found


def _drop_refused(conn: sqlite3.Connection, progress: StepProgress) -> None:
    """Forget cached payloads the gate refuses (api/models.py: a duration of 10**400, the year
    1, a numeric status) that older versions let in: shown, they crashed the app. Their ids
    stay tracked, so they are fetched again: repaired, or refused by name."""
    # No progress of its own: the upgrade's fraction is the lean store's step (0..1).
    refused = _refused(conn, "SELECT rowid, id, body FROM interviews WHERE rowid > ? "
                             "ORDER BY rowid LIMIT ?", Interview.from_api)
    bad_questions = _refused(conn, "SELECT rowid, interview_id, body FROM questions "
                                   "WHERE rowid > ? ORDER BY rowid LIMIT ?", QuestionSet.from_api)
    gone = list(dict.fromkeys(refused + bad_questions))
    if not gone:
        return
    # The search rows first, while the payloads are there to give FTS5 its text back.
    fts.delete_docs(conn, gone)
    params = [(iid,) for iid in refused]
    conn.executemany("DELETE FROM interviews WHERE id = ?", params)
    conn.executemany("DELETE FROM poll_state WHERE interview_id = ?", params)
    conn.executemany("DELETE FROM questions WHERE interview_id = ?",
                     [(iid,) for iid in bad_questions])
    keep = set(gone) - set(refused)  # their interview is fine: indexed again without questions
    for iid in keep:
        fts.reindex(conn, iid)


# Each entry migrates from version i to i+1; append, never edit a shipped one.
MIGRATIONS: list[Migration] = [
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
    # v2: the full-text search index, backfilled in Python from the cached payloads. The index
    # is derived data: a later change to its shape is a new migration that rebuilds it.
    _migrate_v2_search,
    # v3: the interview list (store/listing.py) reads its first page by date added without a
    # scan, and every row's list fields from a covering index instead of the JSON bodies' pages.
    """
    CREATE INDEX tracked_added_at ON tracked (added_at);
    CREATE INDEX interviews_listing ON interviews (id, status, candidate_name, candidate_email,
        job_title, created_at, started_at, completed_at, expires_at, answered);
    """,
    # v4: the lean store: compressed payloads, no second copy of the transcripts, indexes for the
    # retention purge and the tracked list's order. Keep it last when merging migrations:
    # it rebuilds the search tables whatever shape they had.
    _migrate_lean_store,
    # v5: what the user decided about candidates (ratings, notes, the shortlist, when each
    # interview was last opened): store/evaluations.py.
    """
    CREATE TABLE evaluation (
        interview_id TEXT PRIMARY KEY,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        note TEXT,
        shortlisted INTEGER NOT NULL DEFAULT 0,
        opened_at REAL,
        seen_status TEXT,
        seen_answered INTEGER,
        updated_at REAL NOT NULL
    );
    CREATE TABLE answer_rating (
        interview_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        updated_at REAL NOT NULL,
        PRIMARY KEY (interview_id, question_id)
    );
    CREATE INDEX evaluation_shortlisted ON evaluation (shortlisted) WHERE shortlisted;
    CREATE INDEX evaluation_updated_at ON evaluation (updated_at);
    CREATE INDEX answer_rating_updated_at ON answer_rating (updated_at)
    """,
    # v6: payloads cached before the gate range-checked numbers and dates are dropped (their
    # ids stay tracked and are fetched again).
    _drop_refused,
]

SCHEMA_VERSION = len(MIGRATIONS)


def _ignore(_fraction: float) -> None:
    pass


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back after a failure; the failure is what gets reported, not the rollback's."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"the store {path} was written by a newer rztui (schema version {version}; this "
            f"one knows up to {SCHEMA_VERSION}): upgrade rztui. The file was left as it is",
            path=path,
        )


def _run_step(conn: sqlite3.Connection, step: Migration, progress: StepProgress) -> None:
    if callable(step):
        step(conn, progress)
        return
    for statement in step.split(";"):
        if statement.strip():
            conn.execute(statement)


def _holds_data(conn: sqlite3.Connection) -> bool:
    try:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM tracked)").fetchone()[0])
    except sqlite3.OperationalError:  # not even that table yet
        return False


def migrate(conn: sqlite3.Connection, path: Path, report: UpgradeReport | None = None) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`, one transaction per step; returns how many
    steps this process ran.

    ``report`` is told when an existing store (not a new one) starts being upgraded, and how
    far its steps get; the caller calls its ``finish()`` when everything is done. Raises
    :class:`StoreTooNew` for a file from a newer rztui; sqlite3 errors propagate (the caller
    classifies them).
    """
    step_progress: StepProgress = report.step if report is not None else _ignore
    ran = 0
    version = user_version(conn)
    check_not_newer(version, path)
    # A new store has no data to go through: nothing to report. Nor has one that another
    # process is creating right now (it may be part way through its steps when this one looks).
    existing = version > 0 and _holds_data(conn)
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the write lock.
            version = user_version(conn)
            check_not_newer(version, path)
            if version < SCHEMA_VERSION:
                if existing and report is not None:
                    report.start(conn)
                _run_step(conn, MIGRATIONS[version], step_progress)
                version += 1
                ran += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise
    return ran


def compact_if_sparse(conn: sqlite3.Connection) -> None:
    """VACUUM when most of the file is free pages (after a migration rewrote the payloads):
    best effort, the store works as well without it."""
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    total = int(conn.execute("PRAGMA page_count").fetchone()[0])
    if free < 256 or free * 4 < total:
        return
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.OperationalError:
        pass  # busy (another process is writing) or no room for the copy: next time, maybe


def ensure_search_index(conn: sqlite3.Connection) -> bool:
    """The FTS5 table exists, or is created now (the store was migrated by a Python whose
    SQLite had no FTS5, and this one has it): rebuilt from ``search_docs``. False when this
    SQLite has no FTS5."""
    if fts.has_search_index(conn):
        return True
    conn.execute("BEGIN IMMEDIATE")
    try:
        created = True
        if not fts.has_search_index(conn):  # another process may have built it meanwhile
            created = fts.create_search_index(conn)
            if created:
                conn.execute(fts.FTS_FILL_SQL)
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise
    return created
