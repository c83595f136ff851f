"""The full-text search index: how text is indexed, queried and read back (SQLite FTS5).

``search_docs`` holds one row per answer (and one per cached question nobody answered yet):
cleaned text, ready to show. ``search_index`` is an FTS5 table over it (external content, kept
in step by triggers), so every change to ``search_docs`` updates the index in the same
transaction. The store rewrites an interview's rows whenever its cached payload or questions
change, and deletes them with the payload (untrack, purge).

Text is cleaned (textsafe) before it is indexed, so it holds no control characters: snippets use
\\x01/\\x02 as highlight markers, and :data:`CJK_SEP`, none of which API text can contain.

The SQL that ``rztui.search`` and ``rztui.compare`` run lives here too (:func:`search_rows`,
:func:`question_rows`, :func:`question_texts`), so they know the index only through this module.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from ..api.errors import InvalidResponse
from ..api.models import Interview, QuestionSet
from ..textsafe import clean, clean_line

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

# Messages with which FTS5 rejects a query (anything else is a real database problem).
_QUERY_ERRORS = (
    "fts5:", "syntax error", "unterminated string", "no such column", "unknown special query",
)

SEARCH_DOCS_SQL = (
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
SEARCH_FTS_SQL = (
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
FTS_FILL_SQL = """
    INSERT INTO search_index (rowid, interview_id, question_id, candidate, job, question,
                              transcript)
    SELECT id, interview_id, question_id, candidate, job, question, transcript
    FROM search_docs WHERE answered
"""
DOC_COLUMNS = (
    "interview_id, question_id, answered, position, candidate, job, question, transcript, "
    "question_key, job_key"
)
DocRow = tuple[str, str, int, int, str, str, str, str, str, str]

# -- indexing ----------------------------------------------------------------------------------


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
) -> list[DocRow]:
    """The ``search_docs`` rows for one interview (:data:`DOC_COLUMNS` order)."""
    candidate = index_text(clean_line(interview.candidate.name)) if interview else ""
    job_title = interview.job.title if interview else ""
    job = index_text(clean_line(job_title))
    job_key = match_key(job_title)
    rows: list[DocRow] = []
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


T = TypeVar("T")


def parse_body(body: str | None, parse: Callable[[object], T]) -> T | None:
    """A cached JSON body parsed, or None when there is none or it cannot be read."""
    if body is None:
        return None
    try:
        return parse(json.loads(body))
    except (ValueError, InvalidResponse):
        return None  # unreadable cache rows are not indexed; they are fetched again anyway


def create_search_index(conn: sqlite3.Connection) -> bool:
    """Create the FTS5 table and its triggers; False when this SQLite has no FTS5."""
    try:
        conn.execute(SEARCH_FTS_SQL[0])
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            return False
        raise
    for statement in SEARCH_FTS_SQL[1:]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('rank', ?)", (SEARCH_RANK,)
    )
    return True


def has_search_index(conn: sqlite3.Connection) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
    ).fetchone() is not None


def write_docs(conn: sqlite3.Connection, rows: list[DocRow]) -> None:
    conn.executemany(
        f"INSERT INTO search_docs ({DOC_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", rows
    )


def reindex(conn: sqlite3.Connection, iid: str, interview: Interview | None = None) -> None:
    """Replace this interview's search rows (the FTS index follows by trigger); ``interview``
    is read from the cache when not given."""
    if interview is None:
        row = conn.execute("SELECT body FROM interviews WHERE id = ?", (iid,)).fetchone()
        interview = parse_body(row[0] if row else None, Interview.from_api)
    qrow = conn.execute("SELECT body FROM questions WHERE interview_id = ?", (iid,)).fetchone()
    questions = parse_body(qrow[0] if qrow else None, QuestionSet.from_api)
    conn.execute("DELETE FROM search_docs WHERE interview_id = ?", (iid,))
    write_docs(conn, doc_rows(iid, interview, questions))


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
    if not CJK_RE.search(expr):
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
        elif CJK_RE.match(ch):
            j = i
            while j < n and CJK_RE.match(expr[j]):
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
    conn: sqlite3.Connection, match: str, *, limit: int, offset: int = 0,
    snippet_tokens: int = 20,
) -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.search_rows`."""
    tokens = max(1, min(64, snippet_tokens))
    params = (tokens, match, max(0, limit), max(0, offset))
    return conn.execute(_SEARCH_SQL, params).fetchall()


def search_doc_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM search_docs WHERE answered").fetchone()[0])


def question_rows(
    conn: sqlite3.Connection, *, question_id: str | None = None,
    question_key: str | None = None, job_key: str | None = None,
) -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.question_rows`."""
    clauses: list[str] = []
    params: list[str] = []
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
    return conn.execute(
        "SELECT d.interview_id, d.question_id, d.answered, d.position, d.question_key, "
        "d.job_key FROM search_docs d JOIN tracked t ON t.id = d.interview_id "
        f"WHERE {' OR '.join(clauses)} ORDER BY t.added_at, t.rowid, d.answered DESC, "
        "d.position",
        params,
    ).fetchall()


def question_texts(conn: sqlite3.Connection, needle_key: str = "") -> list[sqlite3.Row]:
    """See :meth:`rztui.store.Store.question_texts`."""
    return conn.execute(
        "SELECT d.question_key, min(d.question) AS question, min(d.job) AS job, d.job_key, "
        "group_concat(DISTINCT d.question_id) AS question_ids, "
        "count(DISTINCT d.interview_id) AS interviews, sum(d.answered) AS answers "
        "FROM search_docs d JOIN tracked t ON t.id = d.interview_id "
        "WHERE instr(d.question_key, ?) > 0 "
        "GROUP BY d.question_key, d.job_key ORDER BY interviews DESC, d.question_key",
        (needle_key,),
    ).fetchall()
