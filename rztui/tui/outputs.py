"""What leaves the app from the main screen: copies to the clipboard, exports to files, and
archived audio recordings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.errors import RZError
from ..formats import plural
from ..textsafe import clean_line

if TYPE_CHECKING:
    from ..files.export import ExportResult
    from ..service import Service
    from .app import RZApp
    from .main_screen import MainScreen


class Outputs:
    """The main screen's copy, export and archive actions."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def rz(self) -> RZApp:
        return self.screen.rz

    def _selected_id(self) -> str | None:
        return self.screen.cursor_id() or self.screen.current_id

    # -- copy ------------------------------------------------------------------------------

    def _copy(self, text: str, what: str) -> None:
        """Copy, and say so in the status line (a toast per copy piles up over the panes)."""
        from .clipboard import copy_text

        line = self.screen.status_line
        line.flash(f"copied {what}")  # OSC 52 is done; the system clipboard is being tried
        copy_text(self.rz, text, what, report=line.flash)

    def copy_answer(self) -> None:
        interview = self.screen.current_interview
        if interview is None or not interview.responses:
            self.screen.notify("No answer to copy.", severity="warning", markup=False, timeout=3)
            return
        index = self.screen.transcript.current_response
        if index is None or index >= len(interview.responses):
            index = 0
        text = interview.responses[index].transcript
        self._copy(text, f"answer {index + 1} ({len(text):,} chars)")

    def copy_interview(self) -> None:
        from ..formats import format_ats

        interview = self.screen.current_interview
        if interview is None or not interview.responses:
            self.screen.notify("No answers to copy.", severity="warning", markup=False,
                               timeout=3)
            return
        count = len(interview.responses)
        self._copy(format_ats(interview),
                   f"the interview in ATS format ({plural(count, 'answer')})")

    def copy_id(self) -> None:
        iid = self._selected_id()
        if iid is not None:
            self._copy(iid, f"interview id {iid}")

    # -- export ----------------------------------------------------------------------------

    def export_targets(self) -> tuple[list[str], str]:
        """What `e` exports, and the dialog title: every row the list shows when a filter is
        on (the filter is how you pick a set), else the selected interview."""
        lst = self.screen.interview_list
        if lst.filter_active:
            ids = self.screen.shown_ids()
            return ids, (f"Export {plural(len(ids), 'shown interview')} "
                         f"(filter: {lst.filter_description()})")
        iid = self._selected_id()
        if iid is None:
            return [], "Export: nothing selected"
        entry = lst.entries.get(iid)
        name = clean_line(entry.row.candidate_name if entry else "") or iid
        return [iid], f"Export 1 interview: {name}"

    def export(self, which: str = "auto") -> None:
        """The export dialog for the selected interview, or every shown one while a filter is
        on. ``which``: "auto", "shown" (every row shown) or "all" (every tracked interview)."""
        from .screens.export import ExportScreen

        if which == "shown":
            ids = self.screen.shown_ids()
            title = f"Export {plural(len(ids), 'shown interview')}"
        elif which == "all":
            ids = list(self.screen.interview_list.entries)
            title = f"Export all {plural(len(ids), 'tracked interview')}"
        else:
            ids, title = self.export_targets()
        if not ids:
            self.screen.notify("Nothing to export: the list is empty.", severity="warning",
                               markup=False, timeout=4)
            return
        self.rz.push_screen(
            ExportScreen(ids, self._export_service, directory=self.rz.exports_dir(),
                         title=title),
            self._export_done,
        )

    def _export_service(self) -> Service:
        if self.rz.service is not None:
            return self.rz.service
        from ..service import Service

        return Service(self.rz.store, None)  # no key: cached interviews only

    def _export_done(self, result: ExportResult | None) -> None:
        if result is None:
            return
        if not result.written:
            self.screen.notify("Nothing was exported: every interview failed.",
                               severity="error", markup=False)
            return
        self.screen.notify(result.summary(), title="Exported",
                           severity="warning" if result.failures else "information",
                           markup=False, timeout=10)

    # -- audio archive ---------------------------------------------------------------------

    def archive_selected(self) -> None:
        """`A`: download the selected interview's recordings (before their URLs expire)."""
        iid = self._selected_id()
        if iid is None:
            return
        if self.rz.service is None:
            self.screen.notify("No API key: press ctrl+k to enter one (the audio URLs come "
                               "with the interview).", severity="warning", markup=False)
            return
        self.archive_audio(iid)

    def archive_audio(self, interview_id: str, auto: bool = False) -> None:
        """In a worker; ``auto``: the interview has just completed (``auto_archive``)."""
        self.rz.run_worker(self._archive_audio(interview_id, auto), group="archive",
                           exit_on_error=False)

    async def _archive_audio(self, interview_id: str, auto: bool) -> None:
        from ..files.archive import archive_interviews

        screen = self.screen
        service = self.rz.service
        if service is None:
            return
        entry = screen.interview_list.entries.get(interview_id)
        name = clean_line(entry.row.candidate_name if entry else "") or interview_id
        dest = self.rz.audio_dir()
        if not auto:  # the status line says it is under way; the outcome is a toast
            screen.set_activity(f"archiving {name} to {dest}…")
        files = 0

        def on_file(_item: object) -> None:
            nonlocal files
            files += 1
            screen.set_activity(f"archiving {name}: {plural(files, 'file')}")

        try:  # stale audio URLs (an old copy's): archive_interviews fetches fresh ones
            results = await archive_interviews(service, [interview_id], dest, on_file=on_file)
        finally:
            screen.set_activity("")
        outcome = results.get(interview_id)
        if outcome is None or isinstance(outcome, RZError):
            message = outcome.message if outcome is not None else "nothing archived"
            screen.notify(f"Audio of {name} not archived: {message}", title="Audio archive",
                          severity="error", markup=False, timeout=10)
            return
        failed = outcome.failed
        text = (f"{'Auto-archived ' if auto else ''}{name}: "
                f"{outcome.summary().split(': ', 1)[-1]}\nin {outcome.directory}")
        if failed and failed[0].error is not None:
            text += f"\n{failed[0].error.message}"
        screen.notify(text, title="Audio archive",
                      severity="warning" if failed else "information",
                      markup=False, timeout=6 if auto and not failed else 10)
