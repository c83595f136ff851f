"""CLI commands for getting data out in bulk: export, archive, review, purge.

Thin front ends over :mod:`rztui.files.export`, :mod:`rztui.files.archive` and
:mod:`rztui.answers.review`; the TUI uses the same functions. Data goes to stdout, everything else
(progress, warnings, summaries, errors) to stderr, so every command is pipe-friendly.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..api.errors import EXIT_OK, EXIT_USAGE, RZError
from ..textsafe import clean_line
from .common import (
    AppContext,
    Progress,
    cached_first,
    dump_json,
    error_line,
    fail,
    handle_errors,
    isatty,
    needs_api,
    note,
    open_service,
    out,
    pass_app,
    read_ids,
    refresh_option,
    run_async,
    warn,
)

if TYPE_CHECKING:
    from ..api.models import Interview
    from ..files.export import ExportResult

PERSONAL_DATA = (
    "{where} holds candidates' personal data (names, emails, transcripts): keep it somewhere "
    "safe and delete it when you no longer need it"
)


# --------------------------------------------------------------------------- selection


def selection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--all``, ``--status S``, ``--job TEXT``: pick from the tracked interviews."""
    fn = click.option(
        "--job", "job", metavar="TEXT",
        help="Tracked interviews whose job title contains TEXT (case-insensitive).",
    )(fn)
    fn = click.option(
        "--status", "status", metavar="STATUS",
        help="Tracked interviews with this last known status (completed, in_progress, ...).",
    )(fn)
    fn = click.option("--all", "all_", is_flag=True, help="Every tracked interview.")(fn)
    return fn


def select_ids(
    app: AppContext, ids: tuple[str, ...], all_: bool, status: str | None, job: str | None
) -> list[str]:
    """The ids given (``-`` reads stdin), or the tracked interviews the selectors pick.

    ``--status`` and ``--job`` combine (both must match); they use the last known status and
    job title from the local store.
    """
    selecting = all_ or status is not None or job is not None
    if ids and selecting:
        fail("give interview ids or --all/--status/--job, not both", EXIT_USAGE)
    if ids:
        return read_ids(ids)
    if not selecting:
        fail("no interviews given: pass ids, `-` for stdin, or --all/--status/--job", EXIT_USAGE)
    if status is None and job is None:
        return app.store.tracked_ids()
    want_status = status.strip().casefold() if status is not None else None
    want_job = job.strip().casefold() if job is not None else None
    picked = []
    for row in app.store.iter_list_rows():  # a page at a time: only the ids are kept
        if want_status is not None and (row.status or "").casefold() != want_status:
            continue
        if want_job is not None and want_job not in (row.job_title or "").casefold():
            continue
        picked.append(row.id)
    return picked


# --------------------------------------------------------------------------- export


def _format_for(fmt: str | None, output: str | None) -> str:
    from ..files.export import EXPORT_FORMATS, EXTENSIONS

    if fmt:
        return fmt
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        for name in EXPORT_FORMATS:
            if EXTENSIONS[name] == suffix:
                return name
    return "csv"


@click.command(name="export")
@click.argument("ids", nargs=-1)
@selection_options
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default=None,
    help="csv (one row per response), json (array of interviews as the API returned them) or "
    "jsonl (one per line). Default: from the -o file's extension, else csv.",
)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically); `-` = stdout.")
@click.option("--excel", is_flag=True, help="CSV with a UTF-8 BOM so Excel reads it right.")
@refresh_option
@pass_app
@handle_errors
def export(
    app: AppContext, ids: tuple[str, ...], all_: bool, status: str | None, job: str | None,
    fmt: str | None, output: str | None, excel: bool, refresh: bool,
) -> None:
    """Export interviews as CSV, JSON or JSON Lines.

    IDS are interview ids or pasted URLs; `-` reads them from stdin, one per line (e.g.
    `rztui list --json | jq -r '.[].id' | rztui export - -o picked.csv`). Or --all, --status,
    --job. Cached completed interviews cost no request; the rest are fetched in parallel within the
    rate limit. Interviews that fail are named on stderr and the exit code says the worst;
    everything else is still written. A file is replaced only once it is complete.
    """
    from ..files.export import check_destination, export_interviews
    from ..files.export_pages import usable_cores

    fmt = _format_for(fmt, output)
    if excel and fmt != "csv":
        fail("--excel only applies to CSV", EXIT_USAGE)
    to_stdout = output is None or output == "-"
    if output is not None and not to_stdout:
        check_destination(output)  # before any request: a typo in the path costs nothing
    wanted = select_ids(app, ids, all_, status, job)
    if not wanted:
        warn("no interviews selected: the export is empty")

    fetching = needs_api(app, wanted, refresh)
    workers = usable_cores()  # a big export runs on every core (see export_pages)

    async def go(progress: Progress) -> ExportResult:
        # No key lookup (and no client) when every interview is cached as final.
        async with open_service(app, need_key=False, offline=not fetching) as svc:
            if svc.api is None and fetching:
                warn("no API key: only cached interviews can be exported")
            if output is None or output == "-":
                with _utf8_stdout() as stream:
                    return await export_interviews(
                        svc, wanted, fmt, stream, progress.update, excel=excel, refresh=refresh,
                        workers=workers, stop=stop,
                    )
            return await export_interviews(
                svc, wanted, fmt, output, progress.update, excel=excel, refresh=refresh,
                workers=workers, stop=stop,
            )

    stop = threading.Event()
    try:
        with _stopped_by_signals(stop), \
                Progress("fetching" if fetching else "exporting", len(wanted)) as progress:
            result = run_async(go(progress))
    except _Terminated as stopped:
        where = "the export" if to_stdout else str(output)
        note(f"stopped by {stopped.name}: {where} was not written")
        raise

    if result.swept:
        note(f"removed {result.swept} stale temporary file(s) of an interrupted export in "
             f"{result.path.parent if result.path is not None else '.'}")
    for exc in result.failures.values():
        error_line(exc)
    if result.written and isatty(sys.stderr) and (not to_stdout or not isatty(sys.stdout)):
        where = "the export" if to_stdout else str(result.path)
        warn(PERSONAL_DATA.format(where=where))
    if result.written:
        note(result.summary())
    elif result.failures:
        note("nothing exported: every interview failed" +
             ("" if to_stdout else f"; {output} was not written"))
    sys.exit(result.exit_code)


class _Terminated(SystemExit):
    """SIGTERM or SIGHUP, raised in the main thread: the export unwinds as on Ctrl-C (the
    writer stops, its temporary file is removed) and exits 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.name = signal.Signals(signum).name


_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """While the export runs, SIGTERM and SIGHUP set ``stop`` (the writer thread stops at the
    next page and removes its temporary file) and unwind the main thread (once: a second one
    during the clean-up is ignored, so the clean-up finishes)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be caught in the main thread
        return

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise _Terminated(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _utf8_stdout() -> Iterator[IO[str]]:
    """stdout as UTF-8 text without newline translation (CSV wants ``newline=""``)."""
    import io

    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # already a plain text stream (embedding, some test runners)
        yield sys.stdout
        return
    stream = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=True)
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()  # leave the real stdout open


# --------------------------------------------------------------------------- archive


@click.command()
@click.argument("ids", nargs=-1)
@selection_options
@click.option(
    "--dir", "directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
    help="Where to put the files (default: the audio folder `rztui paths` shows).",
)
@click.option("--refresh", is_flag=True, help="Fetch the interviews again first (fresh URLs).")
@pass_app
@handle_errors
def archive(
    app: AppContext, ids: tuple[str, ...], all_: bool, status: str | None, job: str | None,
    directory: Path | None, refresh: bool,
) -> None:
    """Download the interviews' audio recordings before their 24 h URLs expire.

    Files go to DIR/<interview id>/<NN>-<question id>.<ext> (0600, in 0700 folders). Already
    archived, unchanged files are skipped, so running it again is cheap. An expired URL is
    renewed by fetching the interview again. The API key is never sent to the audio host.
    """
    from ..files.archive import ArchiveResult, archive_interviews

    wanted = select_ids(app, ids, all_, status, job)
    if not wanted:
        note("no interviews selected")
        return
    dest = (directory or app.audio_dir).expanduser()
    worst = EXIT_OK
    totals = {"interviews": 0, "downloaded": 0, "skipped": 0, "failed": 0, "bytes": 0}

    def on_done(iid: str, outcome: ArchiveResult | RZError) -> None:
        nonlocal worst
        progress.close()
        totals["interviews"] += 1
        if isinstance(outcome, RZError):
            error_line(outcome)
            totals["failed"] += 1
            worst = max(worst, outcome.exit_code)
        else:
            for item in outcome.failed:
                if item.error is not None:
                    error_line(item.error)
            totals["downloaded"] += outcome.downloaded
            totals["skipped"] += outcome.skipped
            totals["failed"] += len(outcome.failed)
            totals["bytes"] += outcome.bytes
            worst = max(worst, outcome.exit_code)
            out(clean_line(outcome.summary()))
        progress.update(totals["interviews"])

    async def go() -> None:
        async with open_service(app, need_key=True) as svc:
            await archive_interviews(svc, wanted, dest, refresh=refresh, on_done=on_done)

    with Progress("archiving", len(wanted)) as progress:
        run_async(go())
    note(
        f"{totals['downloaded']} file(s) downloaded ({totals['bytes']} bytes), "
        f"{totals['skipped']} already archived, {totals['failed']} failed, in {dest}"
    )
    if totals["downloaded"] and isatty(sys.stderr):
        warn(PERSONAL_DATA.format(where=str(dest)).replace("transcripts", "voices"))
    sys.exit(worst)


# --------------------------------------------------------------------------- review


@click.command()
@click.argument("ids", nargs=-1)
@selection_options
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per interview.")
@refresh_option
@pass_app
@handle_errors
def review(
    app: AppContext, ids: tuple[str, ...], all_: bool, status: str | None, job: str | None,
    as_json: bool, refresh: bool,
) -> None:
    """Automated review: durations, response lengths, speaking rate, keyword matches.

    Keywords come from `[keywords]` in config.toml (`global`, plus per job title under
    `[keywords.jobs]`); the spec's list is the default.
    """
    from ..answers.review import format_review, keywords_for, review_interview
    from ..files.export import fetch_for_export

    wanted = select_ids(app, ids, all_, status, job)

    async def go(progress: Progress) -> tuple[list[Interview], dict[str, RZError]]:
        async with cached_first(app, wanted, refresh) as svc:
            return await fetch_for_export(
                svc, wanted, refresh=refresh, on_progress=progress.update
            )

    with Progress("fetching", len(wanted)) as progress:
        interviews, failures = run_async(go(progress))
    decided = app.store.evaluations(iv.id for iv in interviews)
    reviews = [
        review_interview(iv, keywords_for(iv.job.title, app.settings.keywords),
                         decided.get(iv.id))
        for iv in interviews
    ]
    if as_json:
        out(dump_json([r.to_json() for r in reviews]))
    else:
        out("\n".join(format_review(r) for r in reviews), nl=False)
    for exc in failures.values():
        error_line(exc)
    sys.exit(max((e.exit_code for e in failures.values()), default=EXIT_OK))
