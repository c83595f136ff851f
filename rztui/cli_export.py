"""CLI commands for getting data out: transcript, export, archive, review, purge.

Thin front ends over :mod:`rztui.formats`, :mod:`rztui.export`, :mod:`rztui.archive` and
:mod:`rztui.review`; the TUI uses the same functions. Data goes to stdout, everything else
(progress, warnings, summaries, errors) to stderr, so every command is pipe-friendly.

Registered on the ``rztui`` group in ``rztui.cli`` with ``main.add_command(...)``.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import IO, Any

import click

from .api.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, RZError
from .cli import (
    AppContext,
    dump_json,
    fail,
    handle_errors,
    interview_id_arg,
    pass_app,
    read_ids,
    run_async,
    warn,
)
from .textsafe import clean_line

TRANSCRIPT_FORMATS = ("text", "ats", "markdown", "json")
PERSONAL_DATA = (
    "{where} holds candidates' personal data (names, emails, transcripts): keep it somewhere "
    "safe and delete it when you no longer need it"
)


# --------------------------------------------------------------------------- helpers


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _error_line(exc: RZError) -> None:
    """One failure, named, without exiting (the command carries on with the rest)."""
    click.echo(f"rztui: error: {exc.message}", err=True)


def _note(message: str) -> None:
    click.echo(f"rztui: {clean_line(message)}", err=True)


class _Progress:
    """``fetching 12/40 [#####     ]`` on stderr, only when stderr is a terminal.

    Redrawn at most ~10 times a second and erased when done, so nothing is left behind between
    the prompt and the data.
    """

    def __init__(self, label: str, total: int, *, stream: IO[str] | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = total > 1 and _isatty(self.stream)
        self._last = 0.0
        self._shown = False

    def update(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        total = total or self.total
        if done >= total:
            self.close()  # erased before any data can follow on the same terminal
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        width = 24
        filled = width * done // max(total, 1)
        bar = "#" * filled + " " * (width - filled)
        self.stream.write(f"\r{self.label} {done}/{total} [{bar}]")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[2K")  # we only get here on a terminal
            self.stream.flush()
            self._shown = False

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.asynccontextmanager
async def _service(app: AppContext, *, need_key: bool) -> AsyncIterator[Any]:
    """A Service over the store; with an API client when there is a key.

    ``need_key``: raise (exit 4) without one. Otherwise a missing key leaves ``api`` None and
    only cached final interviews can be served.
    """
    from .service import Service

    key = app.key(required=need_key)
    api = app.client(key) if key else None
    try:
        yield Service(app.store, api)
    finally:
        if api is not None:
            await api.aclose()


def _needs_api(app: AppContext, ids: Sequence[str], refresh: bool) -> bool:
    from .api.ids import parse_id

    if refresh:
        return True
    for raw in ids:
        try:
            if not app.store.is_final(parse_id(raw)):
                return True
        except RZError:
            continue  # reported as a bad id later
    return False


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
    want_status = status.strip().casefold() if status is not None else None
    want_job = job.strip().casefold() if job is not None else None
    picked = []
    for row in app.store.list_rows():
        if want_status is not None and (row.status or "").casefold() != want_status:
            continue
        if want_job is not None and want_job not in (row.job_title or "").casefold():
            continue
        picked.append(row.id)
    return picked


# --------------------------------------------------------------------------- transcript


@click.command()
@click.argument("interview")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(TRANSCRIPT_FORMATS), default="text",
    show_default=True,
    help="text: readable; ats: the spec's formatTranscripts; markdown; json: the API's JSON.",
)
@click.option("--refresh", is_flag=True, help="Fetch again even if a final copy is cached.")
@pass_app
@handle_errors
def transcript(app: AppContext, interview: str, fmt: str, refresh: bool) -> None:
    """Print one interview's transcript to stdout (pipe-friendly).

    Terminal control characters from the API never reach the output: text, markdown and ats
    are cleaned, json keeps the data exact with anything risky \\u-escaped.
    """
    from .formats import format_ats, render

    iid = interview_id_arg(interview)

    async def go():
        async with _service(app, need_key=_needs_api(app, [iid], refresh)) as svc:
            return await svc.interview(iid, refresh=refresh)

    iv = run_async(go())
    if fmt == "json":
        out = dump_json(iv.raw) + "\n"
    elif fmt == "ats":
        # The spec's format exactly; cleaned like the others, since it goes to a terminal or a
        # text field. `--format json` is the way to get the API's bytes unchanged.
        out = format_ats(iv, safe=True)
        if not iv.responses:
            warn(f"interview {clean_line(iv.id)} has no responses (status "
                 f"{clean_line(iv.status)})")
    else:
        out = render(fmt, iv, safe=True)
    click.echo(out, nl=False)


# --------------------------------------------------------------------------- export


def _format_for(fmt: str | None, output: str | None) -> str:
    from .export import EXPORT_FORMATS, EXTENSIONS

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
@click.option("--refresh", is_flag=True, help="Fetch again even if a final copy is cached.")
@pass_app
@handle_errors
def export(
    app: AppContext, ids: tuple[str, ...], all_: bool, status: str | None, job: str | None,
    fmt: str | None, output: str | None, excel: bool, refresh: bool,
) -> None:
    """Export interviews as CSV, JSON or JSON Lines.

    Cached completed interviews cost no request; the rest are fetched in parallel within the
    rate limit. Interviews that fail are named on stderr and the exit code says the worst;
    everything else is still written. A file is replaced only once it is complete.
    """
    from .export import check_destination, export_interviews

    fmt = _format_for(fmt, output)
    if excel and fmt != "csv":
        fail("--excel only applies to CSV", EXIT_USAGE)
    to_stdout = output in (None, "-")
    if not to_stdout:
        check_destination(output)  # before any request: a typo in the path costs nothing
    wanted = select_ids(app, ids, all_, status, job)
    if not wanted:
        warn("no interviews selected: the export is empty")

    async def go(progress: _Progress):
        async with _service(app, need_key=False) as svc:
            if svc.api is None and _needs_api(app, wanted, refresh):
                warn("no API key: only cached interviews can be exported")
            if to_stdout:
                with _utf8_stdout() as stream:
                    return await export_interviews(
                        svc, wanted, fmt, stream, progress.update, excel=excel, refresh=refresh
                    )
            return await export_interviews(
                svc, wanted, fmt, output, progress.update, excel=excel, refresh=refresh
            )

    with _Progress("fetching", len(wanted)) as progress:
        result = run_async(go(progress))

    for exc in result.failures.values():
        _error_line(exc)
    if result.written and _isatty(sys.stderr) and (not to_stdout or not _isatty(sys.stdout)):
        where = "the export" if to_stdout else str(result.path)
        warn(PERSONAL_DATA.format(where=where))
    if result.written:
        _note(result.summary())
    elif result.failures:
        _note("nothing exported: every interview failed" +
              ("" if to_stdout else f"; {output} was not written"))
    sys.exit(result.exit_code)


@contextlib.contextmanager
def _utf8_stdout():
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
    from .archive import ArchiveResult, archive_interviews

    wanted = select_ids(app, ids, all_, status, job)
    if not wanted:
        _note("no interviews selected")
        return
    dest = (directory or app.audio_dir).expanduser()
    worst = EXIT_OK
    totals = {"interviews": 0, "downloaded": 0, "skipped": 0, "failed": 0, "bytes": 0}

    def on_done(iid: str, outcome: ArchiveResult | RZError) -> None:
        nonlocal worst
        progress.close()
        totals["interviews"] += 1
        if isinstance(outcome, RZError):
            _error_line(outcome)
            totals["failed"] += 1
            worst = max(worst, outcome.exit_code)
        else:
            for item in outcome.failed:
                if item.error is not None:
                    _error_line(item.error)
            totals["downloaded"] += outcome.downloaded
            totals["skipped"] += outcome.skipped
            totals["failed"] += len(outcome.failed)
            totals["bytes"] += outcome.bytes
            worst = max(worst, outcome.exit_code)
            click.echo(clean_line(outcome.summary()))
        progress.update(totals["interviews"])

    async def go():
        async with _service(app, need_key=True) as svc:
            return await archive_interviews(svc, wanted, dest, refresh=refresh, on_done=on_done)

    with _Progress("archiving", len(wanted)) as progress:
        run_async(go())
    _note(
        f"{totals['downloaded']} file(s) downloaded ({totals['bytes']} bytes), "
        f"{totals['skipped']} already archived, {totals['failed']} failed, in {dest}"
    )
    if totals["downloaded"] and _isatty(sys.stderr):
        warn(PERSONAL_DATA.format(where=str(dest)).replace("transcripts", "voices"))
    sys.exit(worst)


# --------------------------------------------------------------------------- review


@click.command()
@click.argument("ids", nargs=-1)
@selection_options
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per interview.")
@click.option("--refresh", is_flag=True, help="Fetch again even if a final copy is cached.")
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
    from .export import fetch_for_export
    from .review import format_review, keywords_for, review_interview

    wanted = select_ids(app, ids, all_, status, job)

    async def go(progress: _Progress):
        async with _service(app, need_key=_needs_api(app, wanted, refresh)) as svc:
            return await fetch_for_export(
                svc, wanted, refresh=refresh, on_progress=progress.update
            )

    with _Progress("fetching", len(wanted)) as progress:
        interviews, failures = run_async(go(progress))
    reviews = [
        review_interview(iv, keywords_for(iv.job.title, app.settings.keywords))
        for iv in interviews
    ]
    if as_json:
        click.echo(dump_json([r.to_json() for r in reviews]))
    else:
        click.echo("\n".join(format_review(r) for r in reviews), nl=False)
    for exc in failures.values():
        _error_line(exc)
    sys.exit(max((e.exit_code for e in failures.values()), default=EXIT_OK))


# --------------------------------------------------------------------------- purge


def _purge_candidates(app: AppContext, older_than: float | None, everything: bool) -> list[str]:
    """Ids of the cached interviews ``Store.purge`` is about to drop (same rule)."""
    return app.store.cached_ids(older_than_days=older_than, everything=everything)


def _audio_files(root: Path) -> list[Path]:
    if not root.is_dir() or root.is_symlink():
        return []
    return [p for p in root.rglob("*") if p.is_file() or p.is_symlink()]


def _remove_archived(records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Delete archived files that still are what was archived; returns (removed, left)."""
    removed, left = 0, []
    for rec in records:
        path = Path(rec["path"])
        try:
            if path.is_symlink():
                path.unlink()
            elif path.is_file():
                if path.stat().st_size != rec["size"]:
                    left.append(f"{path} (changed since it was archived)")
                    continue
                path.unlink()
            else:
                continue
            removed += 1
        except OSError as exc:
            left.append(f"{path} ({exc.strerror or exc})")
            continue
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only if it is now empty
    return removed, left


@click.command()
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), metavar="DAYS",
              help="Cached data fetched more than DAYS ago (default: retention_days).")
@click.option("--all", "everything", is_flag=True, help="All cached interview data.")
@click.option("--audio", is_flag=True, help="Also delete their archived audio files.")
@click.option("--yes", "-y", is_flag=True, help="Don't ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@pass_app
@handle_errors
def purge(app: AppContext, older_than: float | None, everything: bool, audio: bool, yes: bool,
          dry_run: bool) -> None:
    """Delete cached interview data (tracking is kept: it is fetched again when needed).

    With --audio, archived recordings of those interviews are deleted too (with --all, the whole
    audio folder). Asks first on a terminal; elsewhere it needs --yes.
    """
    if everything and older_than is not None:
        fail("give --older-than or --all, not both", EXIT_USAGE)
    if not everything and older_than is None:
        older_than = app.settings.retention_days
        if older_than is None:
            fail("say what to purge: --older-than DAYS or --all", EXIT_USAGE)
    ids = _purge_candidates(app, older_than, everything)
    records = [rec for iid in ids for rec in app.store.archived(iid)] if audio else []
    extra: list[Path] = []
    if audio and everything:
        known = {Path(r["path"]) for r in records}
        extra = [p for p in _audio_files(app.audio_dir) if p not in known]
    what = f"cached data of {len(ids)} interview(s)"
    if audio:
        what += f" and {len(records) + len(extra)} audio file(s)"
    if not ids and not extra:
        click.echo("nothing to purge")
        return
    if dry_run:
        click.echo(f"would delete {what}")
        return
    if not yes:
        if not _isatty(sys.stdin):
            fail(f"refusing to delete {what} without confirmation: pass --yes", EXIT_USAGE)
        if not click.confirm(f"Delete {what}? This cannot be undone", err=True):
            click.echo("nothing deleted", err=True)
            return
    n = app.store.purge(older_than_days=older_than, everything=everything)
    removed, left = _remove_archived(records) if audio else (0, [])
    if audio:
        for iid in ids:
            app.store.forget_archive(iid)
    if extra:
        root = app.audio_dir
        for child in list(root.iterdir()):
            try:
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            except OSError as exc:
                left.append(f"{child} ({exc.strerror or exc})")
        removed += sum(1 for p in extra if not (p.exists() or p.is_symlink()))
    for item in left:
        warn(f"left {item}")
    click.echo(f"purged cached data of {n} interview(s)" +
               (f", deleted {removed} audio file(s)" if audio else ""))
    if left:
        sys.exit(EXIT_FAILURE)


COMMANDS = (transcript, export, archive, review, purge)
"""For ``rztui.cli``: ``for cmd in COMMANDS: main.add_command(cmd)``."""
