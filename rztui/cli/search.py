"""CLI commands that look across candidates: ``rztui search`` and ``rztui compare``.

Thin front ends over :mod:`rztui.answers.search` and :mod:`rztui.answers.compare`; both read only
the local store (no key, no network), and both cover tracked interviews only (`rztui get` caches an
interview without tracking it).

``rztui search`` prints one line per hit. On a terminal: id, candidate, job, question and the
snippet, with the matched words in bold reverse video. Piped, five tab-separated fields (id,
candidate, job, question, snippet) with the matched words between « and » (never ``[...]``, so
nothing downstream can mistake them for markup); ``--json`` gives exact offsets instead.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..api.errors import EXIT_USAGE
from ..formats import plural
from ..textsafe import clean_line
from .common import (
    AppContext,
    Styled,
    dump_json,
    fail,
    handle_errors,
    isatty,
    note,
    out,
    pass_app,
    styled,
    warn,
)

PIPE_OPEN, PIPE_CLOSE = "«", "»"


# --------------------------------------------------------------------------- search


def _hit_json(hit: Any) -> dict[str, Any]:
    return {
        "interview_id": hit.interview_id,
        "question_id": hit.question_id,
        "response_index": hit.response_index,
        "candidate": hit.candidate,
        "job": hit.job,
        "status": hit.status,
        "question": hit.question,
        "snippet": hit.snippet,
        "highlights": {
            "snippet": [list(span) for span in hit.spans],
            "candidate": [list(span) for span in hit.candidate_spans],
            "job": [list(span) for span in hit.job_spans],
            "question": [list(span) for span in hit.question_spans],
        },
        "terms": list(hit.terms),
        "score": hit.score,
        "folded": hit.folded,
    }


def _styled(text: str, spans: Any, width: int | None = None, **style: Any) -> list[Styled]:
    """``text`` (cut to ``width``) with the matched spans in bold reverse video (cleaned when
    printed, by :func:`out`)."""
    if not text:
        return [styled("—", **style)]
    cut = width is not None and len(text) > width
    if width is not None and cut:
        text = text[: width - 1]
    parts: list[Styled] = []
    last = 0
    for start, end in spans:
        if start >= len(text):
            break
        parts.append(styled(text[last:start], **style))
        parts.append(styled(text[start:end], bold=True, reverse=True))
        last = min(end, len(text))
    parts.append(styled(text[last:], **style))
    if cut:
        parts.append(styled("…", **style))
    return parts


def _hit_line(hit: Any, tty: bool) -> list[str | Styled]:
    if not tty:
        return ["\t".join(
            (hit.interview_id, hit.candidate, hit.job, hit.question,
             hit.marked(PIPE_OPEN, PIPE_CLOSE))
        )]
    more = [styled(f" (+{plural(hit.folded, 'more answer')})", dim=True)] if hit.folded else []
    gap = "  "
    return [
        styled(hit.interview_id, dim=True), gap,
        *_styled(hit.candidate, hit.candidate_spans, 24, bold=True), gap,
        *_styled(hit.job, hit.job_spans, 28), gap,
        *_styled(hit.question, hit.question_spans, 48, fg="cyan"), gap,
        *_styled(hit.snippet, hit.spans), *more,
    ]


@click.command(name="search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Hits as JSON, with match offsets.")
@click.option(
    "--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 10_000),
    help="At most this many hits.",
)
@pass_app
@handle_errors
def search_cmd(app: AppContext, query: tuple[str, ...], as_json: bool, limit: int) -> None:
    """Search tracked interviews only: cached transcripts, questions, names, jobs.

    Offline. An interview counts once it is tracked (`rztui add`); one that `get` fetched
    without tracking it is not searched.

    \b
    Words are ANDed; case and diacritics do not count. Also:
      '"race condition"'  a phrase (quote it for the shell too)
      debug*              a prefix
      hooks OR reducer    either;  hooks NOT class: without
      candidate:jane      one column: candidate, job, question, transcript
    Text that is not search syntax is searched for word by word, literally.
    Put -- before a query that starts with "-".

    \b
    Best matches first (bm25), one line per answer. On a terminal, matches
    are in bold reverse video; piped, each line is 5 tab-separated fields
    (id, candidate, job, question, snippet) with matches as «word».
    """
    from ..answers.search import search

    result = search(app.store, " ".join(query), limit=limit)
    if result.literal:
        note(f"note: searched for the words literally (not search syntax: {result.reason})")
    if as_json:
        out(dump_json([_hit_json(h) for h in result.hits]))
    else:
        tty = isatty(sys.stdout)
        for hit in result.hits:
            out(*_hit_line(hit, tty))
    if not result.hits:
        if app.store.search_doc_count() == 0:
            note("nothing is cached yet: track interviews with `rztui add`, then search")
        else:
            note(f"no matches for {result.query!r}")
    elif result.more:
        n = len(result.hits)
        note(f"showing the best {plural(n, 'hit')}; --limit N shows more")


# --------------------------------------------------------------------------- compare


def _echo_comparison_tty(comparison: Any, answers: list[Any]) -> None:
    from ..answers.compare import header_lines

    question, facts = header_lines(comparison, len(answers))
    out(styled(question, bold=True))
    out(styled(facts, dim=True))
    for a in answers:
        out()
        out(styled("─" * 72, dim=True))
        out(styled(a.candidate, bold=True), styled(f" · {a.summary()}", dim=True))
        out(styled(f"interview {a.interview_id}", dim=True))
        out()
        out(a.text or styled("(no transcript)", dim=True))
    if comparison.not_answered:
        out()
        out(styled("─" * 72, dim=True))
        out(styled("Asked, no answer (yet):", bold=True))
        for w in comparison.not_answered:
            status = clean_line(w.status) or "not fetched"
            out(f"  {w.candidate} · {status} · ", styled(w.interview_id, dim=True))


@click.command(name="compare")
@click.argument("question", nargs=-1, required=True)
@click.option("--job", metavar="TEXT", help="Only jobs whose title contains TEXT (any case).")
@click.option("--json", "as_json", is_flag=True, help="Answers as JSON (transcripts exact).")
@click.option(
    "--sort", "sort", type=click.Choice(["candidate", "duration", "length", "rating"]),
    default="candidate", show_default=True,
    help="Candidate A-Z, longest duration / longest answer first, or your best-rated first.",
)
@click.option("--reverse", is_flag=True, help="Reverse the order.")
@pass_app
@handle_errors
def compare_cmd(
    app: AppContext, question: tuple[str, ...], job: str | None, as_json: bool, sort: str,
    reverse: bool,
) -> None:
    """Every tracked candidate's answer to one question, one after another.

    QUESTION is a question id, or its text (or enough of it to pick one question).
    The same question is the same id, or the same text (case and spacing aside) in
    the same job. Reads the local store only: nothing is fetched.
    """
    from ..answers.compare import CompareError, format_text, resolve, to_json

    try:
        comparison = resolve(app.store, " ".join(question), job_contains=job)
    except CompareError as exc:
        for choice in exc.choices[:12]:
            out(f"  {clean_line(choice.describe())}", err=True)
        if len(exc.choices) > 12:
            out(f"  … and {len(exc.choices) - 12} more", err=True)
        fail(exc.message, EXIT_USAGE)
        return
    answers = comparison.sorted(sort, reverse=reverse)
    if as_json:
        out(dump_json(to_json(comparison, answers, sort)))
    elif isatty(sys.stdout):
        _echo_comparison_tty(comparison, answers)
    else:
        out(format_text(comparison, answers).rstrip("\n"))
    if not answers:
        warn("nobody has answered this question yet")
