"""What leaves the app from the main screen: copies to the clipboard, exports to files, and
archived audio recordings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..api.errors import RZError
from ..formats import plural
from ..textsafe import clean_line

if TYPE_CHECKING:
    from ..files.export import ExportResult
    from .context import AppContext, Hooks, Reading
    from .widgets.interview_list import InterviewList
    from .widgets.status_line import StatusLine
    from .widgets.transcript import TranscriptView


class Outputs:
    """The main screen's copy, export and archive actions. ``copy(text, what, report)``
    copies from the app (OSC 52 and the system clipboard)."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 interview_list: InterviewList, view: Callable[[], TranscriptView],
                 status_line: StatusLine,
                 copy: Callable[[str, str, Callable[[str], None]], None]) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self._view = view
        self.status_line = status_line
        self._copy_text = copy

    def _selected_id(self) -> str | None:
        return self.list.table.current_id or self.reading.id

    def shown_ids(self) -> list[str]:
        """The ids the list shows, in its order."""
        return list(self.list.table.visible_ids)

    def _activity(self, text: str) -> None:
        self.status_line.update_state(activity=text)

    # -- copy ------------------------------------------------------------------------------

    def _copy(self, text: str, what: str) -> None:
        """Copy, and say so in the status line (a toast per copy piles up over the panes)."""
        line = self.status_line
        line.flash(f"copied {what}")  # OSC 52 is done; the system clipboard is being tried
        self._copy_text(text, what, line.flash)

    def copy(self, what: str) -> None:
        """`c`, `C`, `y`: the current ``answer``, the whole ``interview``, or its ``id``."""
        {"answer": self.copy_answer, "interview": self.copy_interview,
         "id": self.copy_id}[what]()

    def copy_answer(self) -> None:
        interview = self.reading.interview
        if interview is None or not interview.responses:
            self.hooks.notify("No answer to copy.", severity="warning", markup=False,
                              timeout=3)
            return
        index = self._view().current_response
        if index is None or index >= len(interview.responses):
            index = 0
        text = interview.responses[index].transcript
        self._copy(text, f"answer {index + 1} ({len(text):,} chars)")

    def copy_interview(self) -> None:
        from ..formats import format_ats

        interview = self.reading.interview
        if interview is None or not interview.responses:
            self.hooks.notify("No answers to copy.", severity="warning", markup=False,
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
        lst = self.list
        if lst.filter_active:
            ids = self.shown_ids()
            return ids, (f"Export {plural(len(ids), 'shown interview')} "
                         f"(filter: {lst.filter_description()})")
        iid = self._selected_id()
        if iid is None:
            return [], "Export: nothing selected"
        entry = lst.entries.get(iid)
        name = clean_line(entry.candidate_name if entry else "") or iid
        return [iid], f"Export 1 interview: {name}"

    def export(self, which: str = "auto") -> None:
        """The export dialog for the selected interview, or every shown one while a filter is
        on. ``which``: "auto", "shown" (every row shown) or "all" (every tracked interview)."""
        from .screens.export import ExportScreen

        if which == "shown":
            ids = self.shown_ids()
            title = f"Export {plural(len(ids), 'shown interview')}"
        elif which == "all":
            ids = list(self.list.entries)
            title = f"Export all {plural(len(ids), 'tracked interview')}"
        else:
            ids, title = self.export_targets()
        if not ids:
            self.hooks.notify("Nothing to export: the list is empty.", severity="warning",
                              markup=False, timeout=4)
            return
        self.hooks.push_screen(
            ExportScreen(ids, self.ctx.service_or_cache, directory=self.ctx.exports_dir(),
                         title=title),
            self._export_done,
        )

    def _export_done(self, result: ExportResult | None) -> None:
        if result is None:
            return
        if not result.written:
            self.hooks.notify("Nothing was exported: every interview failed.",
                              severity="error", markup=False)
            return
        self.hooks.notify(result.summary(), title="Exported",
                           severity="warning" if result.failures else "information",
                           markup=False, timeout=10)

    # -- audio archive ---------------------------------------------------------------------

    def archive_selected(self) -> None:
        """`A`: download the selected interview's recordings (before their URLs expire)."""
        iid = self._selected_id()
        if iid is None:
            return
        if self.ctx.service is None:
            self.hooks.notify("No API key: press ctrl+k to enter one (the audio URLs come "
                              "with the interview).", severity="warning", markup=False)
            return
        self.archive_audio(iid)

    def archive_audio(self, interview_id: str, auto: bool = False) -> None:
        """In a worker; ``auto``: the interview has just completed (``auto_archive``)."""
        self.hooks.run_worker(self._archive_audio(interview_id, auto), group="archive",
                              exit_on_error=False)

    async def _archive_audio(self, interview_id: str, auto: bool) -> None:
        from ..files.archive import archive_interviews

        service = self.ctx.service
        if service is None:
            return
        entry = self.list.entries.get(interview_id)
        name = clean_line(entry.candidate_name if entry else "") or interview_id
        dest = self.ctx.audio_dir()
        if not auto:  # the status line says it is under way; the outcome is a toast
            self._activity(f"archiving {name} to {dest}…")
        files = 0

        def on_file(_item: object) -> None:
            nonlocal files
            files += 1
            self._activity(f"archiving {name}: {plural(files, 'file')}")

        try:  # stale audio URLs (an old copy's): archive_interviews fetches fresh ones
            results = await archive_interviews(service, [interview_id], dest, on_file=on_file)
        finally:
            self._activity("")
        outcome = results.get(interview_id)
        if outcome is None or isinstance(outcome, RZError):
            message = outcome.message if outcome is not None else "nothing archived"
            self.hooks.notify(f"Audio of {name} not archived: {message}", title="Audio archive",
                          severity="error", markup=False, timeout=10)
            return
        failed = outcome.failed
        text = (f"{'Auto-archived ' if auto else ''}{name}: "
                f"{outcome.summary().split(': ', 1)[-1]}\nin {outcome.directory}")
        messages = [f.error.detail for f in failed if f.error is not None]
        text += "".join(f"\n{clean_line(m)}" for m in messages[:3])  # Q<n>: why
        if len(messages) > 3:
            text += f"\n(and {len(messages) - 3} more)"
        self.hooks.notify(text, title="Audio archive",
                      severity="warning" if failed else "information",
                      markup=False, timeout=6 if auto and not failed else 10)
