"""Full-text search over the tracked interviews' cached transcripts and questions (SQLite FTS5,
see store.fts).

Pure over the :class:`~rztui.store.Store`; the CLI (``rztui search``) and the TUI search screen
are two front ends over :func:`search`. An interview cached without being tracked (``rztui get``)
is not searched: the store's query leaves it out, so limits and paging count tracked hits only.

Queries. Any text is accepted. It is first tried as FTS5 query syntax, so these work::

    hooks                 a word (diacritics and case do not count: "chloe" finds "Chloé")
    react hooks           both words, anywhere in the same answer
    "race condition"      a phrase
    debug*                a prefix
    hooks OR reducer      either (AND, OR, NOT in capitals are operators)
    hooks NOT class       one without the other
    NEAR(race bug, 5)     close together
    candidate:jane        only in a column: candidate, job, question, transcript
    {candidate job}:go    in any of several columns; ``-candidate:jane`` in any other column
    ^jane                 at the start of a column

Text FTS5 cannot parse (``don't``, ``node.js``, ``C++``, ``"unclosed``, ``AND``, ``a-b``...)
is searched again with each whitespace-separated word taken literally (as an FTS5 phrase), so it
still finds what the words say; the result says so (``literal``). Text with nothing searchable in
it (``*``, ``-``, ``()``, empty) raises :class:`QueryError` (CLI exit code 2).

Chinese, Japanese and Korean text is indexed one character per token, so any run of characters
is found (as a phrase), also inside longer words.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..api.errors import EXIT_USAGE, RZError
from ..api.models import Interview
from ..store import Store
from ..store.fts import has_words, is_query_error, literal_query, parse_marked, segment_query
from ..textsafe import clean_line

DEFAULT_LIMIT = 20
MAX_QUERY_CHARS = 500
COLUMNS = ("candidate", "job", "question", "transcript")


class QueryError(RZError):
    """The query cannot be searched for (empty, nothing but punctuation, too long)."""

    exit_code = EXIT_USAGE


class SearchUnavailable(RZError):
    """This Python's SQLite was built without FTS5."""

    exit_code = 1


Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One answer that matches.

    Text is cleaned (no control characters) and single-line. ``snippet`` is the part of the
    answer around the matches (its start when only the name, job or question matched); each
    ``*_spans`` holds (start, end) offsets of the matched words in that field.
    """

    interview_id: str
    question_id: str
    response_index: int  # in Interview.responses
    candidate: str
    job: str
    question: str
    snippet: str
    spans: Spans
    candidate_spans: Spans
    job_spans: Spans
    question_spans: Spans
    terms: tuple[str, ...]  # the matched words as they appear, casefolded, first seen first
    status: str | None
    score: float  # bm25: lower is better
    folded: int = 0  # more answers of this interview that matched only by name or job

    def marked(self, open_: str = "«", close: str = "»") -> str:
        """The snippet with the matches between ``open_`` and ``close``."""
        return mark(self.snippet, self.spans, open_, close)


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    more: bool = False  # there are more hits than the limit
    literal: bool = False  # the query was not FTS5 syntax: its words were searched literally
    reason: str = ""  # why it was not (FTS5's message), when literal


# --------------------------------------------------------------------------- queries


def normalise_query(query: str) -> str:
    """The query as searched: control characters removed, trimmed; raises QueryError."""
    text = clean_line(query).strip()
    if not text:
        raise QueryError("empty search: type a word to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"search too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
    if not has_words(text):
        raise QueryError(
            f"nothing to search for in {text!r}: give at least one word "
            "(letters or digits; * and : only work after a word, as in debug* or candidate:jane)"
        )
    return text


# --------------------------------------------------------------------------- results


def mark(text: str, spans: Iterable[tuple[int, int]], open_: str, close: str) -> str:
    """``text`` with each span wrapped in ``open_`` ... ``close``."""
    out: list[str] = []
    last = 0
    for s, e in spans:
        out += [text[last:s], open_, text[s:e], close]
        last = e
    out.append(text[last:])
    return "".join(out)


def _terms(pieces: Iterable[tuple[str, Spans]], query: str) -> tuple[str, ...]:
    terms: dict[str, None] = {}
    for text, spans in pieces:
        for s, e in spans:
            word = text[s:e].strip()
            if word:
                terms.setdefault(word.casefold(), None)
    if not terms:  # matched a column the snippet does not show: fall back to the query's words
        for word in query.split():
            word = word.strip('"*^():{}').split(":")[-1]
            if word and word not in ("AND", "OR", "NOT") and has_words(word):
                terms.setdefault(word.casefold(), None)
    return tuple(terms)


def _hit(row: sqlite3.Row, query: str) -> SearchHit:
    snippet, spans = parse_marked(row["snippet"])
    candidate, candidate_spans = parse_marked(row["candidate_hl"])
    job, job_spans = parse_marked(row["job_hl"])
    question, question_spans = parse_marked(row["question_hl"])
    fields = ((snippet, spans), (question, question_spans), (candidate, candidate_spans),
              (job, job_spans))
    return SearchHit(
        interview_id=row["interview_id"],
        question_id=row["question_id"],
        response_index=int(row["position"]),
        candidate=candidate,
        job=job,
        question=question,
        snippet=snippet,
        spans=spans,
        candidate_spans=candidate_spans,
        job_spans=job_spans,
        question_spans=question_spans,
        terms=_terms(fields, query),
        status=row["status"],
        score=float(row["rank"]),
    )


def _collect(
    store: Store, expr: str, query: str, limit: int, snippet_tokens: int
) -> tuple[list[SearchHit], bool]:
    """Up to ``limit`` hits. Answers that matched only by the candidate's name or the job title
    (every answer of that interview does) fold into that interview's first hit."""
    hits: list[SearchHit] = []
    seen: dict[str, int] = {}
    page = limit * 3 + 1
    offset = 0
    while True:
        rows = store.search_rows(expr, limit=page, offset=offset, snippet_tokens=snippet_tokens)
        for row in rows:
            hit = _hit(row, query)
            only_who = not hit.spans and not hit.question_spans
            if only_who and hit.interview_id in seen:
                index = seen[hit.interview_id]
                hits[index] = replace(hits[index], folded=hits[index].folded + 1)
                continue
            if len(hits) == limit:
                return hits, True
            if only_who:
                seen[hit.interview_id] = len(hits)
            hits.append(hit)
        if len(rows) < page:
            return hits, False
        offset += page


def search(
    store: Store, query: str, *, limit: int = DEFAULT_LIMIT, snippet_tokens: int = 20
) -> SearchResult:
    """Search the index; best first (bm25, names weigh most, then answers, questions, jobs).

    Raises :class:`QueryError` for a query with nothing to search for and
    :class:`SearchUnavailable` when SQLite has no FTS5. Any other text is searched.
    """
    text = normalise_query(query)
    if not store.fts_available:
        raise SearchUnavailable(
            "search is not available: this Python's SQLite was built without FTS5"
        )
    limit = max(1, limit)
    result = SearchResult(query=text)
    try:
        result.hits, result.more = _collect(store, segment_query(text), text, limit,
                                            snippet_tokens)
        return result
    except sqlite3.OperationalError as exc:
        if not is_query_error(exc):
            raise
        result.literal = True
        result.reason = str(exc).removeprefix("fts5: ")
    try:
        result.hits, result.more = _collect(store, segment_query(literal_query(text)), text,
                                            limit, snippet_tokens)
    except sqlite3.OperationalError as exc:
        if not is_query_error(exc):
            raise
        raise QueryError(f"cannot search for {text!r}: {exc}") from None
    return result


def answer_index(interview: Interview, question_id: str) -> int | None:
    """Where ``question_id`` was answered in ``interview`` (for scrolling to a hit)."""
    for i, r in enumerate(interview.responses):
        if r.question_id == question_id:
            return i
    return None
