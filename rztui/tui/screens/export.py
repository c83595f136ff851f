"""Export the selected or filtered interviews to a file (``e`` in the app).

A dialog for the format and the path, then :func:`rztui.files.export.export_interviews` (the
same code as ``rztui export``) runs in a worker with a progress bar. Dismisses with the
:class:`~rztui.files.export.ExportResult` (or None when cancelled before anything was written).

Usage from the app::

    self.push_screen(
        ExportScreen(ids, lambda: self.service or Service(self.store, None)),
        self._export_done,   # gets ExportResult | None: notify "exported N to PATH"
    )
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, ProgressBar, Select, Static

from ...api.errors import RZError
from ...files.export import (
    EXPORT_FORMATS,
    EXTENSIONS,
    ExportResult,
    check_destination,
    default_filename,
    export_interviews,
    is_stream_target,
)
from ...formats import plural
from ...service import Service
from ...textsafe import clean_line
from ..keys import EXPORT
from .dialog import Dialog

FORMAT_LABELS = {
    "csv": "CSV: one row per response (spreadsheets)",
    "json": "JSON: the interviews as the API returned them",
    "jsonl": "JSON Lines: one interview per line",
}
MAX_FAILURES_SHOWN = 6
# Enter in the path box exports only when it was typed this long after the dialog was first on
# screen: an Enter typed right after `e` (before the path could be read) writes nothing.
ENTER_AFTER_SECONDS = 0.25


class PathInput(Input):
    """The path box; remembers when the last key it got was typed (the key's own time)."""

    key_time: float = 0.0

    def on_key(self, event: events.Key) -> None:
        # Runs before Input's own key handler (a subclass's handler comes first) and stops
        # nothing: the key still reaches the box.
        self.key_time = event.time


class ExportScreen(Dialog[ExportResult | None]):
    """Pick a format and a path, export with progress; failures are listed, not hidden."""

    BINDINGS = EXPORT.bindings
    DEFAULT_CSS = """
    ExportScreen #export-format { width: 1fr; margin-bottom: 1; }
    ExportScreen #export-path { margin-bottom: 0; }
    ExportScreen #export-target { margin-bottom: 1; height: auto; color: $text-muted; }
    ExportScreen #export-progress { margin-top: 1; }
    ExportScreen #export-status { margin-top: 1; height: auto; }
    ExportScreen .hidden { display: none; }
    """

    def __init__(
        self,
        ids: Sequence[str],
        service_factory: Callable[[], Service],
        *,
        directory: Path | None = None,
        fmt: str = "csv",
        title: str | None = None,
    ) -> None:
        super().__init__()
        self.ids = list(dict.fromkeys(ids))
        self._service_factory = service_factory
        self._directory = directory if directory is not None else Path.home()
        self._fmt = fmt if fmt in EXPORT_FORMATS else "csv"
        self._title = title
        self._confirmed_overwrite: Path | None = None
        self._busy = False
        self._shown_at: float | None = None  # when the dialog was first on screen
        self.outcome: ExportResult | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        n = len(self.ids)
        title = self._title or f"Export {plural(n, 'interview')}"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self._directory / default_filename(self._fmt, stamp)
        with Vertical(classes="dialog wide"):
            yield Static(Content(clean_line(title)), classes="dialog-title", markup=False)
            yield Static(
                Content.assemble(
                    ("The file will hold candidates' personal data ", "$text-warning"),
                    ("(names, emails, transcripts): keep it somewhere safe."),
                ),
                classes="dialog-body", markup=False,
            )
            yield Select(
                [(Content(FORMAT_LABELS[f]), f) for f in EXPORT_FORMATS],
                value=self._fmt, allow_blank=False, id="export-format",
            )
            yield PathInput(value=str(path), placeholder="File to write", id="export-path")
            yield Static(self._target_text(str(path)), id="export-target", markup=False)
            yield Checkbox(Content("Excel-friendly CSV (UTF-8 with BOM)"), id="export-excel",
                           disabled=self._fmt != "csv")
            yield ProgressBar(total=max(n, 1), show_eta=False, id="export-progress",
                              classes="hidden")
            yield Static(Content(""), id="export-status", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Export (ctrl+s)"), variant="primary", id="export",
                             disabled=n == 0)
                yield Button(Content("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()
        self.call_after_refresh(self._painted)
        if not self.ids:
            self._status([("Nothing to export: no interviews selected.", "$text-warning")])

    def _painted(self) -> None:
        self._shown_at = events.Event().time  # the clock key events are stamped with

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _target_text(raw: str) -> Content:
        """The full path that will be written, whatever the box scrolled to."""
        raw = raw.strip()
        if not raw:
            return Content("")
        target = Path(raw).expanduser()
        if not target.is_absolute():
            target = Path.cwd() / target
        note = " (a pipe or device: written into)" if is_stream_target(target) else ""
        shown = str(target)
        try:  # under the home folder: "~/…" (unambiguous, and the same on every machine)
            shown = str(Path("~") / target.relative_to(Path.home()))
        except (ValueError, RuntimeError):
            pass
        return Content.assemble(("Writes ", "dim"), clean_line(shown), (note, "dim"))

    @property
    def fmt(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) else "csv"

    def _status(self, parts: list[str | tuple[str, str]]) -> None:
        self.query_one("#export-status", Static).update(Content.assemble(*parts))

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        fmt = self.fmt
        self.query_one("#export-excel", Checkbox).disabled = fmt != "csv"
        box = self.query_one("#export-path", Input)
        path = Path(box.value)
        if path.suffix.lower() in EXTENSIONS.values():
            box.value = str(path.with_suffix(EXTENSIONS[fmt]))
        self._confirmed_overwrite = None

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._confirmed_overwrite = None
        self.query_one("#export-target", Static).update(self._target_text(event.value))
        if not self._busy:
            self._status([])

    @on(Input.Submitted, "#export-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        shown = self._shown_at
        typed = self.query_one("#export-path", PathInput).key_time
        if shown is None or typed < shown + ENTER_AFTER_SECONDS:  # typed ahead
            self._status([("Check the path above, then press Enter to export.", "bold")])
            return
        self.action_export()

    # -- actions -----------------------------------------------------------------------------

    def action_export(self) -> None:
        if self._busy:
            return
        if self.outcome is not None:  # finished with failures: the button now says Close
            self.dismiss(self.outcome)
            return
        if not self.ids:
            self.app.bell()
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._status([("Give a file name.", "$text-error")])
            return
        folder = self._directory
        if Path(raw).expanduser().parent == folder and not folder.exists():
            try:  # the default folder: made on first use, for this user only
                folder.mkdir(mode=0o700, parents=True)
                folder.chmod(0o700)
            except OSError as exc:
                self._status([("✕ ", "$text-error"),
                              f"cannot create {clean_line(str(folder))}: "
                              f"{clean_line(exc.strerror or str(exc))}"])
                return
        try:
            path = check_destination(raw)
        except RZError as exc:
            self._status([("✕ ", "$text-error"), exc.message])
            return
        if path.exists() and not is_stream_target(path) and self._confirmed_overwrite != path:
            self._confirmed_overwrite = path
            self._status([("⚠ ", "$text-warning"), f"{clean_line(str(path))} exists. ",
                          ("Export again to replace it.", "bold")])
            return
        excel = self.query_one("#export-excel", Checkbox).value and self.fmt == "csv"
        self._start(path, self.fmt, excel)

    def action_cancel(self) -> None:
        # Cancelling mid-export discards the temporary file: nothing is left half-written.
        self.workers.cancel_group(self, "export")
        self.dismiss(self.outcome)

    @on(Button.Pressed, "#export")
    def _export_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_export()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # -- the work ----------------------------------------------------------------------------

    def _start(self, path: Path, fmt: str, excel: bool) -> None:
        self._busy = True
        for selector in ("#export-format", "#export-path", "#export-excel", "#export"):
            self.query_one(selector).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=len(self.ids), progress=0)
        self._status([("Fetching…", "dim")])
        self._run(path, fmt, excel)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=total, progress=done)
        self._status([(f"Fetched {done} of {total}…", "dim")])

    @work(exclusive=True, group="export", exit_on_error=False)
    async def _run(self, path: Path, fmt: str, excel: bool) -> None:
        try:
            result = await export_interviews(
                self._service_factory(), self.ids, fmt, path, self._progress, excel=excel
            )
        except RZError as exc:
            self._finish_error(exc.message)
            return
        except Exception as exc:  # never a traceback in the UI
            self._finish_error(f"internal error ({type(exc).__name__}: {exc})")
            return
        self._busy = False
        self.outcome = result
        if result.ok:
            self.dismiss(result)
            return
        self._show_failures(result)

    def _finish_error(self, message: str) -> None:
        self._busy = False
        for selector in ("#export-format", "#export-path", "#export"):
            self.query_one(selector).disabled = False
        self.query_one("#export-excel", Checkbox).disabled = self.fmt != "csv"
        self.query_one("#export-progress", ProgressBar).add_class("hidden")
        self._status([("✕ ", "$text-error"), clean_line(message)])

    def _show_failures(self, result: ExportResult) -> None:
        parts: list[str | tuple[str, str]] = []
        if result.written:
            parts += [("✓ ", "$text-success"), clean_line(result.summary())]
        else:
            parts += [("✕ ", "$text-error"), "Nothing written: every interview failed."]
        for exc in list(result.failures.values())[:MAX_FAILURES_SHOWN]:
            parts += ["\n", ("✕ ", "$text-error"), clean_line(exc.message)]
        extra = len(result.failures) - MAX_FAILURES_SHOWN
        if extra > 0:
            parts += ["\n", (f"… and {extra} more", "dim")]
        self._status(parts)
        button = self.query_one("#export", Button)
        button.label = Content("Close")
        button.disabled = False
        button.focus()
