"""``rztui import FILE|-``: track and cache interviews from an export, offline.

Thin front end over :mod:`rztui.files.importing`. Reads what ``rztui export -f jsonl`` writes (one
payload a line) or ``-f json``'s array; nothing is fetched and no key is needed. Bad items are
named on stderr (one line each, with the line number) and skipped; the exit code is then 5.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import IO

import click

from ..api.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from ..textsafe import clean_line
from .common import AppContext, Progress, fail, handle_errors, isatty, note, out, pass_app


@click.command(name="import")
@click.argument("source", metavar="FILE|-")
@pass_app
@handle_errors
def import_cmd(app: AppContext, source: str) -> None:
    """Track and cache interviews from an export file (`-` reads stdin).

    Reads what `rztui export -f jsonl` writes (one interview a line) or `-f json`'s array.
    Each interview is checked as if the API had sent it, then tracked and cached: nothing is
    fetched, no API key is needed. An interview already cached is replaced by the imported
    copy. Ratings, notes and the shortlist an export carries (its "rztui" key) are
    restored; the stored payload is the API's. Bad lines are named on stderr and skipped
    (exit code 5 at the end).
    """
    from ..files.importing import BadItem, import_stream, input_size

    with ExitStack() as stack:
        if source == "-":
            stream: IO[bytes] = sys.stdin.buffer
            name = "stdin"
            if isatty(sys.stdin):
                note("reading interviews from stdin (end with Ctrl-D)")
        else:
            name = clean_line(source)
            try:
                stream = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                fail(f"cannot read {name}: {exc.strerror or exc}", EXIT_USAGE)
        store = app.store
        progress = stack.enter_context(Progress("importing", input_size(stream)))

        def bad(item: BadItem) -> None:
            progress.close()
            end = ("; the rest cannot be read" if item.fatal
                   else "; imported without that rating" if item.left_out == 1
                   else "; imported without those ratings" if item.left_out
                   else "; the interview was imported without it" if item.imported
                   else "; skipped")
            out(f"rztui: error: {name} line {item.line}: {clean_line(item.reason)}{end}",
                       err=True)

        result = import_stream(store, stream, on_bad=bad, on_progress=progress.update)
    note(result.summary(name))
    sys.exit(EXIT_FAILURE if result.bad else EXIT_OK)
