"""Deciding about candidates from the command line: rate, note, shortlist.

Everything here is local (the store), never sent to the API, so these commands need no key and
work offline. An interview must be tracked to be rated, noted or shortlisted (exit 3 otherwise:
``rztui add`` it first), so the decision always shows up in ``rztui list``.
"""

from __future__ import annotations

import re
import sys

import click

from ..api.errors import EXIT_NOT_FOUND, EXIT_USAGE
from ..store.evaluations import (
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    RatingOutOfRange,
    check_rating,
)
from ..textsafe import clean_line
from .common import (
    AppContext,
    fail,
    handle_errors,
    interview_id_arg,
    out,
    pass_app,
    read_ids,
    warn,
)

_Q_INDEX = re.compile(r"[Qq](\d{1,4})")


def _tracked(app: AppContext, raw: str) -> str:
    iid = interview_id_arg(raw)
    if not app.store.is_tracked(iid):
        fail(f"{iid} is not tracked: `rztui add {iid}` first", EXIT_NOT_FOUND)
    return iid


def _rating(value: str | None, clear: bool) -> int | None:
    if clear:
        if value not in (None, "0"):
            fail("give a rating or --clear, not both", EXIT_USAGE)
        return None
    if value is None:
        fail(f"give a rating from {RATING_MIN} to {RATING_MAX} (0 or --clear clears it)",
             EXIT_USAGE)
    text = value.strip()
    if text.isdecimal():
        number = int(text)
        if number == 0:
            return None
        try:
            return check_rating(number)
        except RatingOutOfRange:
            pass
    fail(f"a rating is a whole number from {RATING_MIN} to {RATING_MAX} (0 clears), not "
         f"{clean_line(value)!r}", EXIT_USAGE)


def _question(app: AppContext, iid: str, raw: str) -> str:
    """The question id ``raw`` names: an id, or ``Q3`` for the third answer (as ``get`` numbers
    them). Checked against the cached interview when there is one."""
    interview = app.store.get_interview(iid)
    match = _Q_INDEX.fullmatch(raw.strip())
    if interview is None:
        if match:
            fail(f"{iid} is not cached, so {raw} cannot be looked up: `rztui get {iid}` first, "
                 "or give the question id", EXIT_USAGE)
        return raw.strip()
    answers = interview.responses
    if match:
        n = int(match.group(1))
        if not 1 <= n <= len(answers):
            fail(f"{iid} has {len(answers)} answer(s): Q1 to Q{len(answers)}", EXIT_USAGE)
        return answers[n - 1].question_id
    if raw.strip() not in {r.question_id for r in answers}:
        known = ", ".join(f"Q{i} {clean_line(r.question_id)}" for i, r in
                          enumerate(answers, start=1)) or "none yet"
        fail(f"{iid} has no answer to question {clean_line(raw)!r} (its answers: {known})",
             EXIT_USAGE)
    return raw.strip()


@click.command()
@click.argument("interview")
@click.argument("rating", required=False)
@click.option("--question", "-q", metavar="QID|Qn",
              help="Rate one answer: its question id, or Q1, Q2... as `rztui get` numbers them.")
@click.option("--clear", is_flag=True, help="Remove the rating (as a rating of 0 does).")
@pass_app
@handle_errors
def rate(app: AppContext, interview: str, rating: str | None, question: str | None,
         clear: bool) -> None:
    """Rate an interview (or one answer) from 1 to 5; 0 or --clear removes the rating.

    Ratings are kept in the local store only; `rztui list` and exports show them.
    """
    value = _rating(rating, clear)
    iid = _tracked(app, interview)
    qid = _question(app, iid, question) if question is not None else None
    app.store.set_rating(iid, value, question_id=qid)
    what = f"answer {qid} of {iid}" if qid else iid
    out(f"{what}: {'rating cleared' if value is None else f'rated {value}/5'}")


def _read_stdin() -> str:
    data = sys.stdin.buffer.read(NOTE_MAX * 4 + 1) if hasattr(sys.stdin, "buffer") else (
        sys.stdin.read(NOTE_MAX + 1).encode())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("the note on stdin is not valid UTF-8: nothing was saved", EXIT_USAGE)
    return text[:-1] if text.endswith("\n") else text


@click.command()
@click.argument("interview")
@click.argument("text", required=False)
@click.option("--clear", is_flag=True, help="Remove the note.")
@pass_app
@handle_errors
def note(app: AppContext, interview: str, text: str | None, clear: bool) -> None:
    """Write the note of an interview; TEXT `-` reads it from stdin (lines kept).

    Without TEXT, prints the note. An empty note or --clear removes it.
    """
    iid = _tracked(app, interview)
    if clear:
        if text is not None:
            fail("give a note or --clear, not both", EXIT_USAGE)
        text = ""
    if text is None:
        current = app.store.evaluation(iid).note
        if current:
            out(current)
        return
    if text == "-":
        text = _read_stdin()
    if len(text) > NOTE_MAX:
        fail(f"a note is at most {NOTE_MAX} characters (this one has {len(text)}): nothing "
             "was saved", EXIT_USAGE)
    app.store.set_note(iid, text)
    if text:
        lines = text.count("\n") + 1
        out(f"{iid}: note saved ({len(text)} characters, {lines} line(s))")
    else:
        out(f"{iid}: note removed")


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--remove", is_flag=True, help="Take the interviews off the shortlist.")
@pass_app
@handle_errors
def shortlist(app: AppContext, ids: tuple[str, ...], remove: bool) -> None:
    """Put interviews on the shortlist (or --remove them); `-` reads ids from stdin.

    Without ids, prints the shortlisted ids, one a line (`rztui shortlist | rztui export -`).
    """
    if not ids:
        if remove:
            fail("--remove needs the ids to take off the shortlist", EXIT_USAGE)
        for iid in app.store.shortlisted_ids():
            out(iid)
        return
    wanted = [interview_id_arg(i) for i in read_ids(ids)]
    tracked = [iid for iid in dict.fromkeys(wanted) if app.store.is_tracked(iid)]
    for iid in dict.fromkeys(wanted):
        if iid not in tracked:
            warn(f"{iid} is not tracked: skipped (`rztui add {iid}` first)")
    changed = app.store.set_shortlisted(tracked, on=not remove)
    verb = "taken off" if remove else "put on"
    out(f"{changed} interview(s) {verb} the shortlist, "
               f"{len(tracked) - changed} already {'off' if remove else 'on'} it")
    if len(tracked) < len(set(wanted)):
        sys.exit(EXIT_NOT_FOUND)
