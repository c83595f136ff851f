"""The local SQLite store: tracked interviews, cached API payloads, poll state, archive index.

Knows nothing of Textual or httpx. WAL mode, one transaction per write, the file is 0600 in a
0700 directory. Payloads are stored compact and compressed (:mod:`.payload`); whatever reads
every tracked interview (list, export) reads them a page at a time (:data:`PAGE_SIZE`), so no
command's memory grows with the number of interviews. Opening, recovery and error handling
(busy, read-only, full, corrupt) are in :mod:`.connection`, the schema and its migrations in
:mod:`.schema`, the full-text index in :mod:`.fts`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..api.errors import InvalidResponse
from ..api.models import TERMINAL_STATUSES, Interview, QuestionSet
from . import fts
from .connection import DEFAULT_BUSY_TIMEOUT
from .evaluations import EvaluationStore, drop_evaluations
from .listrow import FIELDS, ROW_SQL, UPSERT_SQL, ListRow, upsert_values
from .payload import decode_body, encode_body, is_compact, load_body
from .schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "DEFAULT_BUSY_TIMEOUT", "MIGRATIONS", "PAGE_SIZE", "SCHEMA_VERSION", "CachedPayload",
    "ImportCounts", "ListRow", "Store",
]

#: Where a paged row query (``t.rowid`` first) has ``added_at``.
_ADDED_AT = 1 + [name for name, _ in FIELDS].index("added_at")

#: Rows read per query by the methods that stream (list, export): memory stays flat.
PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class CachedPayload:
    """An interview's cached payload (and its cached questions), as stored."""

    id: str
    status: str
    body: bytes | str
    questions: bytes | str | None

    def text(self) -> str:
        """The payload's JSON text (``ValueError`` when it is damaged)."""
        return decode_body(self.body)

    @property
    def compact(self) -> bool:
        """Whether :meth:`text` is compact JSON (what a JSON Lines export writes)."""
        return is_compact(self.body)

    def interview(self) -> Interview:
        """Parsed and validated (``ValueError`` or ``InvalidResponse`` when it cannot be)."""
        return Interview.from_api(load_body(self.body))

    def question_set(self) -> QuestionSet | None:
        return fts.parse_body(self.questions, QuestionSet.from_api)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    new: int = 0  # not cached before
    updated: int = 0  # cached before (changed or not)


def _chunks(items: Sequence[str], size: int = PAGE_SIZE) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Store(EvaluationStore):
    """The store at ``path`` (see :class:`~.connection.StoreConnection` for how it opens, and
    the errors it raises)."""

    # -- tracked interviews ------------------------------------------------------------------

    def track(
        self, ids: Iterable[str], *, label: str | None = None, source: str = "user"
    ) -> list[str]:
        """Track ids; returns those that were not tracked before, in order."""
        now = time.time()
        wanted = list(dict.fromkeys(ids))

        def go(conn: sqlite3.Connection) -> list[str]:
            added: list[str] = []
            for iid in wanted:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO tracked (id, added_at, label, source) VALUES (?,?,?,?)",
                    (iid, now, label, source),
                )
                if cur.rowcount:
                    added.append(iid)
            self._watch_for_news(conn, added, now)
            return added

        return self._write(go)

    def untrack(self, ids: Iterable[str]) -> int:
        """Stop tracking and drop everything cached about these interviews."""
        wanted = list(dict.fromkeys(ids))

        def go(conn: sqlite3.Connection) -> int:
            removed = 0
            for iid in wanted:
                removed += conn.execute("DELETE FROM tracked WHERE id = ?", (iid,)).rowcount
            self._drop_cached(conn, wanted)
            drop_evaluations(conn, wanted)
            return removed

        return self._write(go)

    def _drop_cached(self, conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        # Search rows first: the index is given back the answers' text from the payloads.
        fts.delete_docs(conn, ids)
        params = [(iid,) for iid in ids]
        conn.executemany("DELETE FROM interviews WHERE id = ?", params)
        conn.executemany("DELETE FROM questions WHERE interview_id = ?", params)
        conn.executemany("DELETE FROM poll_state WHERE interview_id = ?", params)

    def tracked_ids(self) -> list[str]:
        """Every tracked id, in tracking order (read off the cursor: no row objects held)."""
        return self._run(lambda conn: [
            r[0] for r in conn.execute("SELECT id FROM tracked ORDER BY added_at, rowid")
        ], write=False)

    def is_tracked(self, iid: str) -> bool:
        return bool(self._query("SELECT 1 FROM tracked WHERE id = ?", (iid,)))

    _ROW_SQL = ROW_SQL  # derived from ListRow (store/listrow.py)

    def iter_list_rows(self, *, page: int = PAGE_SIZE) -> Iterator[ListRow]:
        """The tracked interviews in tracking order, read ``page`` rows per query (keyset
        paging on the ``tracked_added_at`` index: every page costs the same)."""
        sql = self._ROW_SQL.replace("SELECT ", "SELECT t.rowid, ", 1)
        after: tuple[float, int] | None = None
        while True:
            if after is None:
                rows = self._query(sql + " ORDER BY t.added_at, t.rowid LIMIT ?", (page,))
            else:
                rows = self._query(
                    sql + " WHERE (t.added_at, t.rowid) > (?, ?) "
                    "ORDER BY t.added_at, t.rowid LIMIT ?", (*after, page),
                )
            for r in rows:
                yield ListRow(*tuple(r)[1:])
            if len(rows) < page:
                return
            after = (rows[-1][_ADDED_AT], rows[-1][0])

    def row(self, iid: str) -> ListRow | None:
        rows = self._query(self._ROW_SQL + " WHERE t.id = ?", (iid,))
        return ListRow(*rows[0]) if rows else None

    # -- cached payloads ---------------------------------------------------------------------

    def save_interview(
        self, data: dict[str, Any] | Interview, *, fetched_at: float | None = None
    ) -> Interview:
        """Validate and cache an interview payload exactly as the API returned it."""
        interview = data if isinstance(data, Interview) else Interview.from_api(data)
        when = fetched_at or time.time()
        self._write(lambda conn: self._save_many(conn, [interview], when))
        return interview

    _UPSERT_SQL = UPSERT_SQL  # derived from ListRow's fields with an ``api`` source

    def _save_many(
        self, conn: sqlite3.Connection, interviews: Sequence[Interview], fetched_at: float,
        encoded: Sequence[bytes] | None = None,
    ) -> list[bool]:
        """Upsert ``interviews`` (the last copy of an id given twice wins) and re-index those
        whose payload changed; returns, for each, whether its id was cached before it.
        ``encoded``: their payloads as :func:`~.payload.encode_body` gives them, if the caller
        has them already."""
        if encoded is None:
            bodies = {iv.id: encode_body(iv.raw) for iv in interviews}
        else:
            bodies = {iv.id: body for iv, body in zip(interviews, encoded, strict=True)}
        latest = {iv.id: iv for iv in interviews}
        old: dict[str, bytes | str] = {}
        for chunk in _chunks(list(latest)):
            marks = ",".join("?" * len(chunk))
            old.update(conn.execute(
                f"SELECT id, body FROM interviews WHERE id IN ({marks})", chunk).fetchall())
        # Polling an unchanged interview rewrites nothing in the index.
        changed = [iid for iid in latest if old.get(iid) != bodies[iid]]
        # While the old payloads are still there. An id with no payload before has no answers
        # in the index (only, perhaps, its cached questions' rows).
        fts.delete_docs(conn, changed, indexed=[iid for iid in changed if iid in old])
        conn.executemany(self._UPSERT_SQL, [
            upsert_values(iv, bodies[iid], fetched_at) for iid, iv in latest.items()
        ])
        questions: dict[str, bytes | str] = {}
        for chunk in _chunks(changed):
            marks = ",".join("?" * len(chunk))
            questions.update(conn.execute(
                f"SELECT interview_id, body FROM questions WHERE interview_id IN ({marks})",
                chunk).fetchall())
        fts.insert_docs(conn, [
            doc for iid in changed for doc in fts.doc_rows(
                iid, latest[iid], fts.parse_body(questions.get(iid), QuestionSet.from_api))
        ])
        seen = set(old)
        before: list[bool] = []
        for iv in interviews:
            before.append(iv.id in seen)
            seen.add(iv.id)
        return before

    def save_interviews(self, payloads: Iterable[dict[str, Any]]) -> int:
        """Bulk insert in one transaction (benchmarks, tests); all valid, or nothing lands."""
        now = time.time()
        interviews = [Interview.from_api(data) for data in payloads]
        self._write(lambda conn: self._save_many(conn, interviews, now))
        return len(interviews)

    def import_interviews(
        self, interviews: Sequence[Interview], *, source: str = "import",
        encoded: Sequence[bytes] | None = None,
    ) -> ImportCounts:
        """Track and cache validated interviews in one transaction (``rztui import``): an id
        cached before is updated. Tracking an id already tracked keeps its place and label.
        ``encoded``: each one's ``encode_body(interview.raw)``, when the caller made them
        (off the writing thread)."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> ImportCounts:
            conn.executemany(
                "INSERT OR IGNORE INTO tracked (id, added_at, label, source) "
                "VALUES (?,?,NULL,?)", [(iv.id, now, source) for iv in interviews],
            )
            before = self._save_many(conn, interviews, now, encoded)
            updated = sum(before)
            return ImportCounts(new=len(before) - updated, updated=updated)

        return self._write(go)

    #: What :meth:`bulk_writes` sets: a 64 MiB page cache, temporary B-trees in memory, and a
    #: WAL checkpointed every ~40 MB instead of every ~4 MB (each checkpoint syncs the file).
    BULK_PRAGMAS: tuple[tuple[str, int], ...] = (
        ("cache_size", -65536), ("temp_store", 2), ("wal_autocheckpoint", 10000))

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Settings for a long run of big write transactions (``rztui import``), put back
        afterwards, when the WAL is checkpointed. What a commit guarantees is unchanged: the
        journal mode and ``synchronous`` stay as they are."""

        def read(conn: sqlite3.Connection) -> list[tuple[str, int]]:
            return [(name, int(conn.execute(f"PRAGMA {name}").fetchone()[0]))
                    for name, _ in self.BULK_PRAGMAS]

        def apply(settings: Sequence[tuple[str, int]]) -> None:
            def go(conn: sqlite3.Connection) -> None:
                for name, value in settings:
                    conn.execute(f"PRAGMA {name} = {int(value)}")
            self._run(go, write=False)

        saved = self._run(read, write=False)
        apply(self.BULK_PRAGMAS)
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                apply(saved)
                self._run(lambda conn: conn.execute("PRAGMA wal_checkpoint(PASSIVE)"),
                          write=False)

    def interview_json(self, iid: str) -> tuple[dict[str, Any], float] | None:
        rows = self._query("SELECT body, fetched_at FROM interviews WHERE id = ?", (iid,))
        if not rows:
            return None
        return load_body(rows[0][0]), rows[0][1]

    def cached_payloads(self, ids: Sequence[str]) -> dict[str, CachedPayload]:
        """The cached payloads (and questions) of ``ids``, one query per :data:`PAGE_SIZE`
        ids; ids with nothing cached are left out."""
        out: dict[str, CachedPayload] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT i.id, i.status, i.body, q.body FROM interviews i "
                f"LEFT JOIN questions q ON q.interview_id = i.id WHERE i.id IN ({marks})",
                chunk,
            )
            for r in rows:
                out[r[0]] = CachedPayload(r[0], r[1], r[2], r[3])
        return out

    def cached_statuses(self, ids: Sequence[str]) -> dict[str, str]:
        """The cached status of each of ``ids`` that has one (a query per page of ids)."""
        out: dict[str, str] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self._query(f"SELECT id, status FROM interviews WHERE id IN ({marks})",
                                 chunk):
                out[r[0]] = r[1]
        return out

    def get_interview(self, iid: str) -> Interview | None:
        """The cached interview, or None: not cached, or cached before the gate refused what
        it holds (a duration of 10**400): then it counts as not cached and is fetched again,
        and the fetch either repairs it or fails, named, instead of a crash where it is shown."""
        cached = self.interview_json(iid)
        if not cached:
            return None
        try:
            return Interview.from_api(cached[0])
        except InvalidResponse:
            return None

    def cached_status(self, iid: str) -> str | None:
        rows = self._query("SELECT status FROM interviews WHERE id = ?", (iid,))
        return rows[0][0] if rows else None

    def is_final(self, iid: str) -> bool:
        """A cached completed/expired interview never changes: no request needed."""
        return self.cached_status(iid) in TERMINAL_STATUSES

    def save_questions(self, iid: str, data: dict[str, Any]) -> QuestionSet:
        qs = QuestionSet.from_api(data)
        body = encode_body(data)

        def go(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO questions (interview_id, body, fetched_at) VALUES (?,?,?)",
                (iid, body, time.time()),
            )
            fts.reindex(conn, iid)

        self._write(go)
        return qs

    def get_questions(self, iid: str) -> QuestionSet | None:
        rows = self._query("SELECT body FROM questions WHERE interview_id = ?", (iid,))
        if not rows:
            return None
        try:
            return QuestionSet.from_api(load_body(rows[0][0]))
        except InvalidResponse:
            return None  # cached before the gate refused it: fetched again (see get_interview)

    # -- poll state --------------------------------------------------------------------------

    def poll_state(self, iid: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT next_poll_at, last_polled_at, failures, last_status FROM poll_state "
            "WHERE interview_id = ?",
            (iid,),
        )
        return dict(rows[0]) if rows else None

    def poll_states(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The poll state of each of ``ids`` that has one (a query per page of ids)."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self._query(
                "SELECT interview_id, next_poll_at, last_polled_at, failures, last_status "
                f"FROM poll_state WHERE interview_id IN ({marks})", chunk,
            ):
                out[r[0]] = dict(r)
        return out

    def unfinished_ids(self) -> list[str]:
        """The tracked ids not cached as completed or expired (never fetched ones too), in
        tracking order: what a poller watches. One query that reads the list's covering
        index, no payload and no row object per finished interview."""
        marks = ",".join("?" * len(TERMINAL_STATUSES))
        return self._run(lambda conn: [r[0] for r in conn.execute(
            "SELECT t.id FROM tracked t INDEXED BY tracked_added_at "
            "LEFT JOIN interviews i INDEXED BY interviews_listing ON i.id = t.id "
            f"WHERE i.status IS NULL OR i.status NOT IN ({marks}) "
            "ORDER BY t.added_at, t.rowid", tuple(sorted(TERMINAL_STATUSES)),
        )], write=False)

    def tracked_among(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` that are tracked (a query per page of ids)."""
        out: set[str] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self._query(
                f"SELECT id FROM tracked WHERE id IN ({marks})", chunk))
        return out

    def polled_since(self, since: float) -> list[float]:
        """When the polls persisted after ``since`` were made (to pace a restarted poller)."""
        return [r[0] for r in self._query(
            "SELECT last_polled_at FROM poll_state WHERE last_polled_at > ?", (since,))]

    def set_poll_state(
        self,
        iid: str,
        *,
        next_poll_at: float | None,
        last_polled_at: float | None = None,
        failures: int = 0,
        last_status: str | None = None,
    ) -> None:
        self._write(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO poll_state "
            "(interview_id, next_poll_at, last_polled_at, failures, last_status) "
            "VALUES (?,?,?,?,?)",
            (iid, next_poll_at, last_polled_at, failures, last_status),
        ))

    # -- archive index -----------------------------------------------------------------------

    def record_archive(
        self, iid: str, qid: str, path: str, sha256: str, size: int, content_type: str | None
    ) -> None:
        now = time.time()
        self._write(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO archive (interview_id, question_id, path, sha256, size, "
            "content_type, archived_at) VALUES (?,?,?,?,?,?,?)",
            (iid, qid, path, sha256, size, content_type, now),
        ))

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
        :meth:`forget_archive`. Ratings, notes and the shortlist go too (all of them, or those
        unchanged for ``older_than_days``): :meth:`purge_evaluations`.
        """
        with self._lock:
            self.purge_evaluations(older_than_days=older_than_days, everything=everything)
            ids = self.cached_ids(older_than_days=older_than_days, everything=everything)
            if not ids:
                return 0

            def go(conn: sqlite3.Connection) -> None:
                self._drop_cached(conn, ids)
                fts.drop_unused_questions(conn)
                if self.fts_available:
                    # Merge the index so the purged text is not left behind in old segments.
                    conn.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")

            self._write(go)
            self._run(lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall(),
                      write=False)
        return len(ids)

    def drop_cached(self, ids: Iterable[str]) -> None:
        """Forget what is cached about these interviews but keep tracking them."""
        wanted = list(dict.fromkeys(ids))

        self._write(lambda conn: self._drop_cached(conn, wanted))

    def forget_archive(self, iid: str) -> None:
        self._write(
            lambda conn: conn.execute("DELETE FROM archive WHERE interview_id = ?", (iid,))
        )

    # -- search index (SQL in .fts) ----------------------------------------------------------

    def search_rows(
        self, match: str, *, limit: int, offset: int = 0, snippet_tokens: int = 20
    ) -> list[sqlite3.Row]:
        """Answers matching an FTS5 query, best first (bm25).

        ``snippet`` is from the transcript (its start when the match is elsewhere);
        ``candidate_hl``, ``job_hl`` and ``question_hl`` are those columns whole. All mark
        matches with \\x01 ... \\x02 and may contain :data:`~.fts.CJK_SEP`. Raises
        ``sqlite3.OperationalError`` for a query FTS5 rejects; callers parse and retry.
        """
        return self._run(lambda conn: fts.search_rows(
            conn, match, limit=limit, offset=offset, snippet_tokens=snippet_tokens
        ), write=False)

    def search_doc_count(self) -> int:
        """How many answers are searchable."""
        return self._run(fts.search_doc_count, write=False)

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
        return self._run(lambda conn: fts.question_rows(
            conn, question_id=question_id, question_key=question_key, job_key=job_key
        ), write=False)

    def question_texts(self, needle_key: str = "") -> list[sqlite3.Row]:
        """Distinct questions of the tracked, cached interviews whose :func:`~.fts.match_key`
        contains ``needle_key``: (question_key, question, job, job_key, question_ids,
        interviews, answers), most asked first. ``question`` and ``job`` may contain
        :data:`~.fts.CJK_SEP`."""
        return self._run(lambda conn: fts.question_texts(conn, needle_key), write=False)

    def counts(self) -> dict[str, int]:
        rows = self._query(
            "SELECT (SELECT count(*) FROM tracked), (SELECT count(*) FROM interviews), "
            "(SELECT count(*) FROM questions), (SELECT count(*) FROM archive)"
        )
        t, i, q, a = rows[0]
        return {"tracked": t, "interviews": i, "questions": q, "archived": a}
