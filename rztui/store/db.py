"""The local SQLite store: tracked interviews, cached API payloads, poll state, archive index.

Knows nothing of Textual or httpx. WAL mode, one transaction per write, the file is 0600 in a
0700 directory. A file that SQLite cannot read is moved aside (with a warning for the user) and a
fresh store is created, so a damaged cache never stops the app.

Schema v2 adds the full-text search index (``search_docs`` + the FTS5 table ``search_index``):
derived data, rewritten with an interview's payload or questions in the same transaction and
deleted with them. See the section "full-text search index" below.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api.errors import InvalidResponse
from ..api.models import TERMINAL_STATUSES, Interview, QuestionSet
from ..textsafe import clean, clean_line

SCHEMA_VERSION = 3

# A migration is SQL (statements separated by ";") or a callable that gets the connection; both
# run inside the one transaction that also bumps user_version.
Migration = str | Callable[[sqlite3.Connection], None]

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
    lambda conn: _migrate_v2_search(conn),
    # v3: the interview list (store/listing.py) reads its first page by date added without a
    # scan, and every row's list fields from a covering index instead of the JSON bodies' pages.
    """
    CREATE INDEX tracked_added_at ON tracked (added_at);
    CREATE INDEX interviews_listing ON interviews (id, status, candidate_name, candidate_email,
        job_title, created_at, started_at, completed_at, expires_at, answered);
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


# -- full-text search index (schema v2) --------------------------------------------------------
#
# ``search_docs`` holds one row per answer (and one per cached question nobody answered yet):
# cleaned text, ready to show. ``search_index`` is an FTS5 table over it (external content, kept
# in step by triggers), so every change to ``search_docs`` updates the index in the same
# transaction. The store rewrites an interview's rows whenever its cached payload or questions
# change, and deletes them with the payload (untrack, purge).
#
# Text is cleaned (textsafe) before it is indexed, so it holds no control characters: snippets use
# \x01/\x02 as highlight markers, and CJK_SEP below, none of which API text can contain.

#: Put around each character of scripts written without spaces (Han, kana, Hangul) and of emoji.
#: unicode61 would index a whole run of them as one token; one token per character lets a phrase
#: of characters find any word. It is a separator to unicode61 and is removed before display.
CJK_SEP = "\x03"
SNIPPET_OPEN = "\x01"
SNIPPET_CLOSE = "\x02"
_CJK_CHARS = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3100-\u312f"
    "\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0002fa1f\u2600-\u27bf\U0001f000-\U0001faff"
)
CJK_RE = re.compile(f"[{_CJK_CHARS}]")
_CJK_EDGE = re.compile(f"(?<=[{_CJK_CHARS}])|(?=[{_CJK_CHARS}])")

# bm25 weights per column: interview_id, question_id (unindexed), candidate, job, question,
# transcript. A name is a precise intent; what was said matters more than what was asked.
SEARCH_RANK = "bm25(0.0, 0.0, 4.0, 1.0, 1.5, 2.0)"
SEARCH_TOKENIZER = "unicode61 remove_diacritics 2"

_SEARCH_DOCS_SQL = (
    """
    CREATE TABLE search_docs (
        id INTEGER PRIMARY KEY,
        interview_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        answered INTEGER NOT NULL,
        position INTEGER NOT NULL,
        candidate TEXT NOT NULL,
        job TEXT NOT NULL,
        question TEXT NOT NULL,
        transcript TEXT NOT NULL,
        question_key TEXT NOT NULL,
        job_key TEXT NOT NULL
    )
    """,
    "CREATE INDEX search_docs_interview ON search_docs (interview_id)",
    "CREATE INDEX search_docs_question ON search_docs (question_id)",
    "CREATE INDEX search_docs_question_key ON search_docs (question_key, job_key)",
)
_SEARCH_FTS_SQL = (
    f"""
    CREATE VIRTUAL TABLE search_index USING fts5(
        interview_id UNINDEXED, question_id UNINDEXED, candidate, job, question, transcript,
        content='search_docs', content_rowid='id',
        tokenize='{SEARCH_TOKENIZER}'
    )
    """,
    # Only answers are searchable: a question nobody answered yet would outrank real answers
    # (it is a short document). Its row is still in search_docs, for compare. Rows are never
    # updated, only deleted and inserted; and never use FTS5 'rebuild' (it would index them all).
    """
    CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN new.answered BEGIN
        INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question,
                                  transcript)
        VALUES (new.id, new.interview_id, new.question_id, new.candidate, new.job, new.question,
                new.transcript);
    END
    """,
    """
    CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs WHEN old.answered BEGIN
        INSERT INTO search_index (search_index, rowid, interview_id, question_id, candidate, job,
                                  question, transcript)
        VALUES ('delete', old.id, old.interview_id, old.question_id, old.candidate, old.job,
                old.question, old.transcript);
    END
    """,
)
_FTS_FILL_SQL = """
    INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question,
                              transcript)
    SELECT id, interview_id, question_id, candidate, job, question, transcript
    FROM search_docs WHERE answered
"""
_DOC_COLUMNS = (
    "interview_id, question_id, answered, position, candidate, job, question, transcript, "
    "question_key, job_key"
)


def index_text(text: str) -> str:
    """Text as it goes into the index: CJK characters get :data:`CJK_SEP` around them."""
    if not CJK_RE.search(text):
        return text
    return _CJK_EDGE.sub(CJK_SEP, text)


def match_key(text: str | None) -> str:
    """How compare matches question texts and job titles: case and whitespace do not count."""
    return " ".join(clean_line(text).casefold().split())


def doc_rows(
    iid: str, interview: Interview | None, questions: QuestionSet | None
) -> list[tuple[Any, ...]]:
    """The ``search_docs`` rows for one interview (``_DOC_COLUMNS`` order)."""
    candidate = index_text(clean_line(interview.candidate.name)) if interview else ""
    job_title = interview.job.title if interview else ""
    job = index_text(clean_line(job_title))
    job_key = match_key(job_title)
    rows: list[tuple[Any, ...]] = []
    answered: set[str] = set()
    if interview is not None:
        for pos, r in enumerate(interview.responses):
            answered.add(r.question_id)
            rows.append((
                iid, r.question_id, 1, pos, candidate, job,
                index_text(clean_line(r.question_text)), index_text(clean(r.transcript)),
                match_key(r.question_text), job_key,
            ))
    if questions is not None:
        for pos, q in enumerate(questions.questions):
            if q.id in answered:
                continue
            rows.append((
                iid, q.id, 0, pos, candidate, job, index_text(clean_line(q.question_text)), "",
                match_key(q.question_text), job_key,
            ))
    return rows


def _parse_body(body: str | None, parse: Callable[[Any], Any]) -> Any:
    if body is None:
        return None
    try:
        return parse(json.loads(body))
    except (ValueError, InvalidResponse):
        return None  # unreadable cache rows are not indexed; they are fetched again anyway


def _create_search_index(conn: sqlite3.Connection) -> bool:
    """Create the FTS5 table and its triggers; False when this SQLite has no FTS5."""
    try:
        conn.execute(_SEARCH_FTS_SQL[0])
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            return False
        raise
    for statement in _SEARCH_FTS_SQL[1:]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('rank', ?)", (SEARCH_RANK,)
    )
    return True


def _migrate_v2_search(conn: sqlite3.Connection) -> None:
    """v2: the search index, backfilled from what is already cached."""
    for statement in _SEARCH_DOCS_SQL:
        conn.execute(statement)
    _create_search_index(conn)
    rows = conn.execute(
        "SELECT i.id, i.body, q.body FROM interviews i "
        "LEFT JOIN questions q ON q.interview_id = i.id "
        "UNION ALL "
        "SELECT q.interview_id, NULL, q.body FROM questions q "
        "WHERE q.interview_id NOT IN (SELECT id FROM interviews)"
    ).fetchall()
    for iid, body, qbody in rows:
        interview = _parse_body(body, Interview.from_api)
        questions = _parse_body(qbody, QuestionSet.from_api)
        conn.executemany(
            f"INSERT INTO search_docs ({_DOC_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            doc_rows(iid, interview, questions),
        )


class Store:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        #: False when this Python's SQLite has no FTS5: search is unavailable, the rest works.
        self.fts_available = False
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
            self.fts_available = self._ensure_search_index(conn)
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
                step = MIGRATIONS[target]
                if callable(step):
                    step(conn)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _ensure_search_index(self, conn: sqlite3.Connection) -> bool:
        """The FTS5 table exists, or is created now (the store was migrated by a Python whose
        SQLite had no FTS5, and this one has it): rebuilt from ``search_docs``."""
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
        ).fetchone():
            return True
        conn.execute("BEGIN IMMEDIATE")
        try:
            created = _create_search_index(conn)
            if created:
                conn.execute(_FTS_FILL_SQL)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return created

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
        conn.execute("DELETE FROM search_docs WHERE interview_id = ?", (iid,))

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
        body = json.dumps(iv.raw, ensure_ascii=False)
        old = conn.execute("SELECT body FROM interviews WHERE id = ?", (iv.id,)).fetchone()
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
                body,
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
        if old is None or old[0] != body:  # polling an unchanged interview rewrites nothing
            self._reindex(conn, iv.id, iv)

    def _reindex(
        self, conn: sqlite3.Connection, iid: str, interview: Interview | None = None
    ) -> None:
        """Replace this interview's search rows (the FTS index follows by trigger)."""
        if interview is None:
            row = conn.execute("SELECT body FROM interviews WHERE id = ?", (iid,)).fetchone()
            interview = _parse_body(row[0] if row else None, Interview.from_api)
        qrow = conn.execute("SELECT body FROM questions WHERE interview_id = ?", (iid,)).fetchone()
        questions = _parse_body(qrow[0] if qrow else None, QuestionSet.from_api)
        conn.execute("DELETE FROM search_docs WHERE interview_id = ?", (iid,))
        conn.executemany(
            f"INSERT INTO search_docs ({_DOC_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            doc_rows(iid, interview, questions),
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
            self._reindex(conn, iid)
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
            if self.fts_available:
                # Merge the index so the purged text is not left behind in old segments.
                self._conn.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(ids)

    def drop_cached(self, ids: Iterable[str]) -> None:
        """Forget what is cached about these interviews but keep tracking them."""
        with self.transaction() as conn:
            for iid in dict.fromkeys(ids):
                self._drop_cached(conn, iid)

    def forget_archive(self, iid: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM archive WHERE interview_id = ?", (iid,))

    # -- search index ------------------------------------------------------------------------

    _SEARCH_SQL = """
        SELECT h.snippet, h.candidate_hl, h.job_hl, h.question_hl, h.rank, d.interview_id,
               d.question_id, d.answered, d.position, i.status
        FROM (
            SELECT rowid, rank,
                   snippet(search_index, 5, char(1), char(2), '…', ?) AS snippet,
                   highlight(search_index, 2, char(1), char(2)) AS candidate_hl,
                   highlight(search_index, 3, char(1), char(2)) AS job_hl,
                   highlight(search_index, 4, char(1), char(2)) AS question_hl
            FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT ? OFFSET ?
        ) AS h
        JOIN search_docs d ON d.id = h.rowid
        LEFT JOIN interviews i ON i.id = d.interview_id
        ORDER BY h.rank, h.rowid
    """

    def search_rows(
        self, match: str, *, limit: int, offset: int = 0, snippet_tokens: int = 20
    ) -> list[sqlite3.Row]:
        """Answers matching an FTS5 query, best first (bm25).

        ``snippet`` is from the transcript (its start when the match is elsewhere);
        ``candidate_hl``, ``job_hl`` and ``question_hl`` are those columns whole. All mark
        matches with \\x01 ... \\x02 and may contain :data:`CJK_SEP`. Raises
        ``sqlite3.OperationalError`` for a query FTS5 rejects; callers parse and retry.
        """
        tokens = max(1, min(64, snippet_tokens))
        return self._query(self._SEARCH_SQL, (tokens, match, max(0, limit), max(0, offset)))

    def search_doc_count(self) -> int:
        """How many answers are searchable."""
        return int(self._query("SELECT count(*) FROM search_docs WHERE answered")[0][0])

    def question_rows(
        self, *, question_id: str | None = None, question_key: str | None = None,
        job_key: str | None = None,
    ) -> list[sqlite3.Row]:
        """Where a question occurs among the tracked, cached interviews.

        Rows (interview_id, question_id, answered, position, question_key, job_key) with
        ``question_id`` equal, or ``question_key`` equal (within ``job_key`` when given), in
        tracking order. ``position`` indexes the responses when ``answered``, the questions
        otherwise.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if question_id:
            clauses.append("d.question_id = ?")
            params.append(question_id)
        if question_key:
            if job_key is not None:
                clauses.append("(d.question_key = ? AND d.job_key = ?)")
                params += [question_key, job_key]
            else:
                clauses.append("d.question_key = ?")
                params.append(question_key)
        if not clauses:
            return []
        return self._query(
            "SELECT d.interview_id, d.question_id, d.answered, d.position, d.question_key, "
            "d.job_key FROM search_docs d JOIN tracked t ON t.id = d.interview_id "
            f"WHERE {' OR '.join(clauses)} ORDER BY t.added_at, t.rowid, d.answered DESC, "
            "d.position",
            params,
        )

    def question_texts(self, needle_key: str = "") -> list[sqlite3.Row]:
        """Distinct questions of the tracked, cached interviews whose :func:`match_key`
        contains ``needle_key``: (question_key, question, job, job_key, question_ids,
        interviews, answers), most asked first. ``question`` and ``job`` may contain
        :data:`CJK_SEP`."""
        return self._query(
            "SELECT d.question_key, min(d.question) AS question, min(d.job) AS job, d.job_key, "
            "group_concat(DISTINCT d.question_id) AS question_ids, "
            "count(DISTINCT d.interview_id) AS interviews, sum(d.answered) AS answers "
            "FROM search_docs d JOIN tracked t ON t.id = d.interview_id "
            "WHERE instr(d.question_key, ?) > 0 "
            "GROUP BY d.question_key, d.job_key ORDER BY interviews DESC, d.question_key",
            (needle_key,),
        )

    def counts(self) -> dict[str, int]:
        rows = self._query(
            "SELECT (SELECT count(*) FROM tracked), (SELECT count(*) FROM interviews), "
            "(SELECT count(*) FROM questions), (SELECT count(*) FROM archive)"
        )
        t, i, q, a = rows[0]
        return {"tracked": t, "interviews": i, "questions": q, "archived": a}
