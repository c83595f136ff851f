"""``rztui purge``: delete cached interview data, and with ``--audio`` their archived recordings.

Tracking is kept (an interview is fetched again when needed). Archived files are deleted only
while they are still what was archived.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from ..api.errors import EXIT_FAILURE, EXIT_USAGE
from .common import AppContext, fail, handle_errors, isatty, out, pass_app, warn


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
    """Delete cached interview data (tracking is kept: it is fetched again when needed), and
    your ratings, notes and shortlist entries: all of them with --all, else those unchanged for
    as long.

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
    if everything:
        what += ", every rating and note, the shortlist"
    if audio:
        what += f" and {len(records) + len(extra)} audio file(s)"
    if not ids and not extra:
        out("nothing to purge")
        return
    if dry_run:
        out(f"would delete {what}")
        return
    if not yes:
        if not isatty(sys.stdin):
            fail(f"refusing to delete {what} without confirmation: pass --yes", EXIT_USAGE)
        if not click.confirm(f"Delete {what}? This cannot be undone", err=True):
            out("nothing deleted", err=True)
            return
    decided = app.store.purge_evaluations(older_than_days=older_than, everything=everything)
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
    out(f"purged cached data of {n} interview(s)" +
               (f", your ratings and notes of {decided}" if decided else "") +
               (f", deleted {removed} audio file(s)" if audio else ""))
    if left:
        sys.exit(EXIT_FAILURE)
