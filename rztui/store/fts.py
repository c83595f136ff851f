"""The full-text search index: how text is indexed, queried and read back (SQLite FTS5).

``search_docs`` holds one row per answer (and one per cached question nobody answered yet): who,
which question, where. The question (its id, cleaned text and job title) is stored once in
``search_questions`` (the interviews of a job share their questions), and the transcript is not
copied at all: the view ``search_content`` reads it from the cached payload with the SQL function
``rz_transcript(body, position)`` (:func:`register_functions`, on every connection). The FTS5
table ``search_index`` uses that view as its external content, so snippets come from the same
text that was indexed, and the store keeps one copy of every transcript.

:func:`insert_docs` and :func:`delete_docs` keep the index in step, in the same transaction as
the payload. FTS5 needs the exact indexed text to remove a row, so answers leave the index
*before* their payload changes or goes; the ``interviews_search_*`` triggers refuse any change
that would break that. The store rewrites an interview's rows whenever its cached payload or
questions change, and deletes them with the payload (untrack, purge).

Text is cleaned (textsafe) before it is indexed, so it holds no control characters: snippets use
\\x01/\\x02 as highlight markers, and :data:`CJK_SEP`, none of which API text can contain.

The SQL that ``rztui.answers.search`` and ``rztui.answers.compare`` run lives here too
(:func:`search_rows`, :func:`question_rows`, :func:`question_texts`), so they know the index only
through this module. Search and compare cover tracked interviews only: ``rztui get`` caches without
tracking.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from ..api.errors import InvalidResponse
from ..api.models import Interview, QuestionSet
from ..textsafe import clean, clean_line
from .payload import load_body

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


@lru_cache(maxsize=1)
def _cjk() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(one such character, the edge of one): compiled when first needed, not at start-up
    (the character classes take ~10 ms to compile, and the list's first frame waits on it)."""
    return (re.compile(f"[{_CJK_CHARS}]"),
            re.compile(f"(?<=[{_CJK_CHARS}])|(?=[{_CJK_CHARS}])"))


# bm25 weights per column: interview_id, question_id (unindexed), candidate, job, question,
# transcript. A name is a precise intent; what was said matters more than what was asked.
SEARCH_RANK = "bm25(0.0, 0.0, 4.0, 1.0, 1.5, 2.0)"
SEARCH_TOKENIZER = "unicode61 remove_diacritics 2"

# Messages with which FTS5 rejects a query (anything else is a real database problem).
_QUERY_ERRORS = (
    "fts5:", "syntax error", "unterminated string", "no such column", "unknown special query",
)

SEARCH_TABLES_SQL = (
    # One row per distinct (question id, question text, job title) as indexed: interviews of a
    # job share their questions. Never updated, so the index can always be given back the text
    # it holds; rows nothing refers to any more are dropped by purge.
    """
    CREATE TABLE search_questions (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL,
        question TEXT NOT NULL,
        job TEXT NOT NULL,
        question_key TEXT NOT NULL,
        job_key TEXT NOT NULL,
        UNIQUE (question_id, question, job)
    )
    """,
    "CREATE INDEX search_questions_key ON search_questions (question_key, job_key)",
    """
    CREATE TABLE search_docs (
        id INTEGER PRIMARY KEY,
        interview_id TEXT NOT NULL,
        answered INTEGER NOT NULL,
        position INTEGER NOT NULL,
        candidate TEXT NOT NULL,
        question_ref INTEGER NOT NULL REFERENCES search_questions (id)
    )
    """,
    "CREATE INDEX search_docs_interview ON search_docs (interview_id)",
    "CREATE INDEX search_docs_question_ref ON search_docs (question_ref)",
    # What FTS5 indexes and reads back (external content): the transcript from the payload.
    """
    CREATE VIEW search_content AS
    SELECT d.id AS id, d.interview_id AS interview_id, q.question_id AS question_id,
           d.candidate AS candidate, q.job AS job, q.question AS question,
           CASE WHEN d.answered THEN rz_transcript(i.body, d.position) ELSE '' END
               AS transcript,
           d.answered AS answered
    FROM search_docs d
    JOIN search_questions q ON q.id = d.question_ref
    LEFT JOIN interviews i ON i.id = d.interview_id
    """,
    # FTS5 must be given back the exact text it indexed to remove a row, and that text is read
    # from the payload: a payload may change or go only once its answers are out of the index.
    # A guard, not a fix-up: FTS5 written from a trigger flushes its pending terms at every
    # nested statement, several times slower than the direct statements below.
    """
    CREATE TRIGGER interviews_search_bu BEFORE UPDATE OF body ON interviews
    WHEN old.body IS NOT new.body AND EXISTS (
        SELECT 1 FROM search_docs WHERE interview_id = old.id AND answered) BEGIN
        SELECT RAISE(ABORT, 'rztui: search rows of a changed payload were not removed first');
    END
    """,
    """
    CREATE TRIGGER interviews_search_bd BEFORE DELETE ON interviews
    WHEN EXISTS (SELECT 1 FROM search_docs WHERE interview_id = old.id AND answered) BEGIN
        SELECT RAISE(ABORT, 'rztui: search rows of a dropped payload were not removed first');
    END
    """,
)
# Only answers are searchable: a question nobody answered yet would outrank real answers (it is
# a short document). Its row is still in search_docs, for compare. Rows are never updated, only
# deleted and inserted; and never use FTS5 'rebuild' (it would index unanswered rows too).
SEARCH_FTS_SQL = (
    f"""
    CREATE VIRTUAL TABLE search_index USING fts5(
        interview_id UNINDEXED, question_id UNINDEXED, candidate, job, question, transcript,
        content='search_content', content_rowid='id',
        tokenize='{SEARCH_TOKENIZER}'
    )
    """,
)
FTS_FILL_SQL = """
    INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question,
                              transcript)
    SELECT id, interview_id, question_id, candidate, job, question, transcript
    FROM search_content WHERE answered ORDER BY id
"""
_FTS_INSERT_SQL = (
    "INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question, "
    "transcript) VALUES (?,?,?,?,?,?,?)"
)
_FTS_DELETE_SQL = """
    INSERT INTO search_index (search_index, rowid, interview_id, question_id, candidate, job,
                              question, transcript)
    SELECT 'delete', id, interview_id, question_id, candidate, job, question, transcript
    FROM search_content WHERE interview_id = ? AND answered
"""
#: (interview_id, question_id, answered, position, candidate, job, question, transcript,
#: question_key, job_key): one answer or question as indexed. ``transcript`` is not stored: it
#: is what ``rz_transcript`` reads from the payload.
DocRow = tuple[str, str, int, int, str, str, str, str, str, str]

# -- indexing ----------------------------------------------------------------------------------


def index_text(text: str) -> str:
    """Text as it goes into the index: CJK characters get :data:`CJK_SEP` around them."""
    if text.isascii() or not _cjk()[0].search(text):  # isascii costs nothing: most text is
        return text
    return _cjk()[1].sub(CJK_SEP, text)


def match_key(text: str | None) -> str:
    """How compare matches question texts and job titles: case and whitespace do not count."""
    return " ".join(clean_line(text).casefold().split())


def indexed_transcripts(interview: Interview) -> tuple[str, ...]:
    """Each response's transcript as indexed (by position in ``interview.responses``)."""
    return tuple(index_text(clean(r.transcript)) for r in interview.responses)


@lru_cache(maxsize=2048)
def _line_forms(text: str | None) -> tuple[str, str]:
    """A question text or job title as indexed, and its :func:`match_key` (the same few
    questions and jobs come back in every interview: each is worked out once)."""
    return index_text(clean_line(text)), match_key(text)


def doc_rows(
    iid: str, interview: Interview | None, questions: QuestionSet | None
) -> list[DocRow]:
    """The ``search_docs`` rows for one interview (:data:`DocRow` order)."""
    candidate = index_text(clean_line(interview.candidate.name)) if interview else ""
    job, job_key = _line_forms(interview.job.title if interview else "")
    rows: list[DocRow] = []
    answered: set[str] = set()
    if interview is not None:
        for pos, (r, transcript) in enumerate(
            zip(interview.responses, indexed_transcripts(interview), strict=True)
        ):
            answered.add(r.question_id)
            question, question_key = _line_forms(r.question_text)
            rows.append((
                iid, r.question_id, 1, pos, candidate, job, question, transcript, question_key,
                job_key,
            ))
    if questions is not None:
        for pos, q in enumerate(questions.questions):
            if q.id in answered:
                continue
            question, question_key = _line_forms(q.question_text)
            rows.append((
                iid, q.id, 0, pos, candidate, job, question, "", question_key, job_key,
            ))
    return rows


T = TypeVar("T")


def parse_body(body: bytes | str | None, parse: Callable[[object], T]) -> T | None:
    """A cached payload parsed, or None when there is none or it cannot be read."""
    if body is None:
        return None
    try:
        return parse(load_body(body))
    except (ValueError, InvalidResponse):
        return None  # unreadable cache rows are not indexed; they are fetched again anyway


# The transcripts of the last payloads read: the index reads one answer at a time, and the
# answers of one interview come together (search hits, deletes, fills), so each payload is
# parsed once. Keyed by the stored payload itself, so an entry can never be stale.
_TRANSCRIPTS: dict[bytes | str, tuple[str, ...]] = {}
_TRANSCRIPTS_KEPT = 64
_transcripts_lock = threading.Lock()


def _remember(body: bytes | str, transcripts: tuple[str, ...]) -> None:
    with _transcripts_lock:
        _TRANSCRIPTS.pop(body, None)
        _TRANSCRIPTS[body] = transcripts
        while len(_TRANSCRIPTS) > _TRANSCRIPTS_KEPT:
            del _TRANSCRIPTS[next(iter(_TRANSCRIPTS))]


def transcripts_of(body: bytes | str) -> tuple[str, ...]:
    """:func:`indexed_transcripts` of a stored payload; () when it cannot be read."""
    with _transcripts_lock:
        found = _TRANSCRIPTS.get(body)
    if found is not None:
        return found
    interview = parse_body(body, Interview.from_api)
    texts = indexed_transcripts(interview) if interview is not None else _legacy(body)
    _remember(body, texts)
    return texts


def _legacy(body: bytes | str) -> tuple[str, ...]:
    """The transcripts of a payload the gate refuses now but an older version indexed (a
    duration of 10**400): FTS5 must be given back exactly the text it indexed to delete it.
    () when it is not even that shape (then it was never indexed)."""
    try:
        data = load_body(body)
    except ValueError:
        return ()
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, list):
        return ()
    texts = []
    for r in responses:
        t = r.get("transcript") if isinstance(r, dict) else None
        # what the older model took as text: a string or a number, nothing for anything else
        ok = isinstance(t, (str, int, float)) and not isinstance(t, bool)
        texts.append(index_text(clean(str(t))) if ok else "")
    return tuple(texts)


def _sql_transcript(body: object, position: object) -> str:
    """``rz_transcript(body, position)``: never raises (SQLite would fail the statement)."""
    try:
        if not isinstance(body, (bytes, str)) or not isinstance(position, int):
            return ""
        texts = transcripts_of(body)
        return texts[position] if 0 <= position < len(texts) else ""
    except Exception:
        return ""


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the index needs; on every connection, before any statement."""
    conn.create_function("rz_transcript", 2, _sql_transcript, deterministic=True)


def create_search_tables(conn: sqlite3.Connection) -> None:
    for statement in SEARCH_TABLES_SQL:
        conn.execute(statement)


def create_search_index(conn: sqlite3.Connection) -> bool:
    """Create the FTS5 table and its triggers; False when this SQLite has no FTS5."""
    try:
        conn.execute(SEARCH_FTS_SQL[0])
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            return False
        raise
    conn.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('rank', ?)", (SEARCH_RANK,)
    )
    return True


def has_search_index(conn: sqlite3.Connection) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
    ).fetchone() is not None


def _question_refs(conn: sqlite3.Connection, rows: list[DocRow]) -> list[int]:
    """The ``search_questions`` id of each row's question, added when new (a batch of
    interviews shares a handful of questions: each is looked up once)."""
    known: dict[tuple[str, str, str], int] = {}
    refs: list[int] = []
    for row in rows:
        key = (row[1], row[6], row[5])  # question id, question, job
        ref = known.get(key)
        if ref is None:
            found = conn.execute(
                "SELECT id FROM search_questions WHERE question_id = ? AND question = ? "
                "AND job = ?", key,
            ).fetchone()
            if found is not None:
                ref = int(found[0])
            else:
                ref = int(conn.execute(
                    "INSERT INTO search_questions (question_id, question, job, question_key, "
                    "job_key) VALUES (?,?,?,?,?)", (*key, row[8], row[9]),
                ).lastrowid or 0)
            known[key] = ref
        refs.append(ref)
    return refs


def delete_docs(
    conn: sqlite3.Connection, iids: Iterable[str], *, indexed: Iterable[str] | None = None
) -> None:
    """Remove these interviews' search rows, their answers from the index first (while their
    payloads are still there to give FTS5 back the text it indexed). ``indexed``: those of
    ``iids`` that may have answers in the index (those with a cached payload), if known."""
    params = [(iid,) for iid in iids]
    if has_search_index(conn):
        conn.executemany(_FTS_DELETE_SQL, params if indexed is None
                         else [(iid,) for iid in indexed])
    conn.executemany("DELETE FROM search_docs WHERE interview_id = ?", params)


def insert_docs(conn: sqlite3.Connection, rows: list[DocRow]) -> None:
    """Insert ``rows`` (of any number of interviews) and index the answers, in one statement
    each: FTS5 keeps the new terms in memory until the transaction ends."""
    if not rows:
        return
    refs = _question_refs(conn, rows)
    first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM search_docs").fetchone()[0])
    conn.executemany(
        "INSERT INTO search_docs (id, interview_id, answered, position, candidate, "
        "question_ref) VALUES (?,?,?,?,?,?)",
        [(first + k, r[0], r[2], r[3], r[4], ref)
         for k, (r, ref) in enumerate(zip(rows, refs, strict=True))],
    )
    if has_search_index(conn):
        conn.executemany(_FTS_INSERT_SQL, [
            (first + k, r[0], r[1], r[4], r[5], r[6], r[7])
            for k, r in enumerate(rows) if r[2]
        ])


def reindex(conn: sqlite3.Connection, iid: str) -> None:
    """Rebuild this interview's search rows from its cached payload and questions."""
    row = conn.execute("SELECT body FROM interviews WHERE id = ?", (iid,)).fetchone()
    interview = parse_body(row[0] if row else None, Interview.from_api)
    qrow = conn.execute("SELECT body FROM questions WHERE interview_id = ?", (iid,)).fetchone()
    questions = parse_body(qrow[0] if qrow else None, QuestionSet.from_api)
    delete_docs(conn, [iid])
    insert_docs(conn, doc_rows(iid, interview, questions))


def drop_unused_questions(conn: sqlite3.Connection) -> None:
    """Forget question texts no row refers to any more (after a purge)."""
    conn.execute(
        "DELETE FROM search_questions WHERE NOT EXISTS "
        "(SELECT 1 FROM search_docs d WHERE d.question_ref = search_questions.id)"
    )


# -- queries -----------------------------------------------------------------------------------


def has_words(text: str) -> bool:
    """Whether unicode61 would find a token in ``text`` (letters, digits, non-ASCII symbols)."""
    for ch in text:
        if ch.isalnum():
            return True
        if ord(ch) > 127 and unicodedata.category(ch)[0] not in "PZC":
            return True
    return False


def segment_query(expr: str) -> str:
    """Make CJK text in an FTS5 query match the one-token-per-character index.

    Inside a "string" the characters just get separators; outside, a run of them becomes a
    quoted phrase (``山田*`` -> ``"山\\x03田"*``).
    """
    cjk = _cjk()[0]
    if not cjk.search(expr):
        return expr
    out: list[str] = []
    i, n, in_string = 0, len(expr), False
    while i < n:
        ch = expr[i]
        if in_string:
            if ch == '"':
                if expr.startswith('""', i):
                    out.append('""')
                    i += 2
                    continue
                in_string = False
            out.append(index_text(ch))
            i += 1
        elif ch == '"':
            in_string = True
            out.append(ch)
            i += 1
        elif cjk.match(ch):
            j = i
            while j < n and cjk.match(expr[j]):
                j += 1
            out.append('"' + CJK_SEP.join(expr[i:j]) + '"')
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def literal_query(text: str) -> str:
    """Every whitespace-separated word as an FTS5 phrase: syntax-proof."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def is_query_error(exc: sqlite3.Error) -> bool:
    """Whether FTS5 rejected the query itself (as opposed to a database problem)."""
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and any(m in message for m in _QUERY_ERRORS)


# -- reading results ---------------------------------------------------------------------------


def parse_marked(text: str | None) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet/highlight from the index -> (plain single-line text, match spans)."""
    if not text:
        return "", ()
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start: int | None = None
    pos = 0
    for ch in text:
        if ch == SNIPPET_OPEN:
            start = pos
        elif ch == SNIPPET_CLOSE:
            if start is not None and pos > start:
                if spans and spans[-1][1] == start:  # adjacent matches read as one
                    start = spans.pop()[0]
                spans.append((start, pos))
            start = None
        elif ch == CJK_SEP:
            continue
        else:
            out.append(" " if ch in "\n\t" else ch)
            pos += 1
    return "".join(out), tuple(spans)


def plain(text: str | None) -> str:
    """Index text for display: no CJK separators."""
    return (text or "").replace(CJK_SEP, "")


# -- the SQL search and compare run ------------------------------------------------------------

_SEARCH_SQL = """
    SELECT h.snippet, h.candidate_hl, h.job_hl, h.question_hl, h.rank, d.interview_id,
           q.question_id, d.answered, d.position, i.status
    FROM (
        SELECT rowid, rank,
               snippet(search_index, 5, char(1), char(2), '…', ?) AS snippet,
               highlight(search_index, 2, char(1), char(2)) AS candidate_hl,
               highlight(search_index, 3, char(1), char(2)) AS job_hl,
               highlight(search_index, 4, char(1), char(2)) AS question_hl
        FROM search_index
        WHERE search_index MATCH ?
          AND EXISTS (SELECT 1 FROM search_docs sd JOIN tracked t ON t.id = sd.interview_id
                      WHERE sd.id = search_index.rowid)
        ORDER BY rank LIMIT ? OFFSET ?
    ) AS h
    JOIN search_docs d ON d.id = h.rowid
    JOIN search_questions q ON q.id = d.question_ref
    LEFT JOIN interviews i ON i.id = d.interview_id
    ORDER BY h.rank, h.rowid
"""


def search_rows(
    conn: sqlite3.Connection, match: str, *, limit: int, offset: int = 0,
    snippet_tokens: int = 20,
) -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.search_rows`."""
    tokens = max(1, min(64, snippet_tokens))
    params = (tokens, match, max(0, limit), max(0, offset))
    return conn.execute(_SEARCH_SQL, params).fetchall()


def search_doc_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute(
        "SELECT count(*) FROM search_docs d JOIN tracked t ON t.id = d.interview_id "
        "WHERE d.answered"
    ).fetchone()[0])


def question_rows(
    conn: sqlite3.Connection, *, question_id: str | None = None,
    question_key: str | None = None, job_key: str | None = None,
) -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.question_rows`."""
    clauses: list[str] = []
    params: list[str] = []
    if question_id:
        clauses.append("q.question_id = ?")
        params.append(question_id)
    if question_key:
        if job_key is not None:
            clauses.append("(q.question_key = ? AND q.job_key = ?)")
            params += [question_key, job_key]
        else:
            clauses.append("q.question_key = ?")
            params.append(question_key)
    if not clauses:
        return []
    return conn.execute(
        "SELECT d.interview_id, q.question_id, d.answered, d.position, q.question_key, "
        "q.job_key FROM search_docs d JOIN search_questions q ON q.id = d.question_ref "
        "JOIN tracked t ON t.id = d.interview_id "
        f"WHERE {' OR '.join(clauses)} ORDER BY t.added_at, t.rowid, d.answered DESC, "
        "d.position",
        params,
    ).fetchall()


def question_texts(conn: sqlite3.Connection, needle_key: str = "") -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.question_texts`."""
    return conn.execute(
        "SELECT q.question_key, min(q.question) AS question, min(q.job) AS job, q.job_key, "
        "group_concat(DISTINCT q.question_id) AS question_ids, "
        "count(DISTINCT d.interview_id) AS interviews, sum(d.answered) AS answers "
        "FROM search_docs d JOIN search_questions q ON q.id = d.question_ref "
        "JOIN tracked t ON t.id = d.interview_id "
        "WHERE instr(q.question_key, ?) > 0 "
        "GROUP BY q.question_key, q.job_key ORDER BY interviews DESC, q.question_key",
        (needle_key,),
    ).fetchall()
