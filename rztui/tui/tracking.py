"""What the main screen tracks: adding interviews (`a`, and the ones tracked but never fetched),
removing one (`d`), and each row's update with the status change it may announce.

Adding goes through :meth:`Service.add <rztui.service.Service.add>`, the one place of the add
policy for both front ends (track, fetch, untrack the ones the API does not know): the rows show
as soon as they are tracked, and fill in as they are fetched.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.content import Content

from ..api.errors import AuthError, RZError, SubscriptionInactive
from ..api.models import COMPLETED, TERMINAL_STATUSES, Interview
from ..formats import plural
from ..textsafe import clean_line
from .messages import ApiAnswered, ApiFailed, InterviewChanged
from .watch import StatusChange

if TYPE_CHECKING:
    from ..store import ListRow
    from .context import AppContext, Hooks, Reading
    from .evaluate import Evaluator
    from .outputs import Outputs
    from .screens.add import ParsedIds
    from .watch import WatchController
    from .widgets.interview_list import InterviewList
    from .widgets.status_line import StatusLine


class Tracking:
    """The tracked interviews as the list shows them."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 interview_list: InterviewList,
                 status_line: StatusLine, watcher: WatchController, evaluator: Evaluator,
                 outputs: Outputs) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self.status_line = status_line
        self.watcher = watcher
        self.evaluator = evaluator
        self.outputs = outputs
        self._unfetched_done = False

    # -- adding ----------------------------------------------------------------------------

    def ask(self) -> None:
        """`a`: the add dialog, then :meth:`add` what it parsed."""
        from .screens.add import AddScreen

        self.hooks.push_screen(AddScreen(), self._added)

    def _added(self, result: ParsedIds | None) -> None:
        """The dialog listed the tokens that are not valid ids: they are skipped (and said
        once more in the status line, with what is tracked)."""
        if result is None:
            return
        skipped = f"{plural(len(result.errors), 'token')} not valid, skipped" \
            if result.errors else ""
        if result.ids:
            self.add(result.ids, also=skipped)
        elif skipped:
            self.status_line.flash(f"nothing added: {skipped}", seconds=5)

    def add(self, ids: list[str], also: str = "") -> None:
        """Track ``ids`` and fetch them; says so in the status line (``also``: more to say
        there). Ids the API does not know are dropped again, with a toast."""
        self.hooks.run_worker(self._add(ids, announce=True, also=also), group="add",
                              exit_on_error=False)

    def fetch_unfetched(self) -> None:
        """Tracked but never fetched (added by the CLI offline, or a new demo store): fetch
        them once, in the background, when both the rows and a key are there. Watching starts
        after that, so the poller does not ask for the same interviews a second time."""
        lst = self.list
        if self._unfetched_done or self.ctx.service is None or not lst.loaded:
            return
        self._unfetched_done = True
        # The one on screen is being loaded already: don't ask for it twice.
        on_screen = {self.reading.id, lst.table.current_id}
        ids = [i for i in lst.index.ids_with_status([None]) if i not in on_screen]
        if ids:
            self.hooks.run_worker(self._add(ids, announce=False, then_watch=True),
                                  group="add", exit_on_error=False)
        else:
            self.watcher.start()

    def _tracked(self, given: int, also: str, announce: bool, new: list[str]) -> None:
        """Tracked (before any request): the new rows show at once."""
        store = self.ctx.store
        self.list.add_rows([r for r in (store.row(i) for i in new) if r is not None])
        if not announce:
            return
        note = f"tracking {plural(len(new), 'new interview')}"
        if given > len(new):
            note += f" ({given - len(new)} already tracked)"
        if also:
            note += f" · {also}"
        self.status_line.flash(note, seconds=5)

    async def _add(self, ids: list[str], *, announce: bool, also: str = "",
                   then_watch: bool = False) -> None:
        service = self.ctx.service_or_cache()
        line = self.status_line
        progress = 0

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal progress
            progress += 1
            line.update_state(activity=f"fetching {progress}/{len(ids)}")
            if not isinstance(result, RZError):
                self.hooks.post(InterviewChanged(iid))

        try:
            if self.ctx.service is not None:
                line.update_state(activity=f"fetching 0/{len(ids)}")
            result = await service.add(
                ids, on_tracked=partial(self._tracked, len(ids), also, announce), on_done=done)
        finally:
            line.update_state(activity="")
            if then_watch:
                self.watcher.start()
        if self.ctx.service is None:
            if announce and result.ids:
                self.hooks.notify("No API key: the new interviews will be fetched once a key "
                                  "is set.", severity="warning", markup=False)
            return
        missing = list(result.not_found)
        if missing:
            self.list.remove_ids(missing)
            listed = ", ".join(missing[:3]) + ("…" if len(missing) > 3 else "")
            self.hooks.notify(f"Not found, so not tracked: {listed}", severity="warning",
                              markup=False, timeout=8)
        if not then_watch:  # fetched now (or failed: tried again): the poller takes it
            self.watcher.change_ids(add=[i for i in result.ids if i not in result.not_found],
                                    remove=missing)
        failed = list(result.failed.values())
        if failed:
            self.hooks.post(ApiFailed(failed[0]))
            if not isinstance(failed[0], (AuthError, SubscriptionInactive)):  # said already
                self.hooks.notify(f"{len(failed)} could not be fetched yet: "
                                  f"{failed[0].message}", severity="warning", markup=False)
        if len(failed) < len(result.ids):
            self.hooks.post(ApiAnswered())

    # -- removing --------------------------------------------------------------------------

    def ask_untrack(self) -> None:
        """`d`: stop tracking the interview under the cursor, once the user says yes."""
        from .screens.confirm import ConfirmScreen

        iid = self.list.table.current_id
        if iid is None:
            return
        entry = self.list.entries.get(iid)
        name = clean_line(entry.candidate_name if entry else "") or "this interview"
        body = Content.assemble(
            "Stop tracking ", (name, "bold"), f" ({clean_line(iid)})?\n",
            "Its cached transcript and questions, and your rating, note and shortlist mark, "
            "are deleted from this computer.",
        )
        self.hooks.push_screen(ConfirmScreen("Remove interview", body, yes="Remove"),
                               partial(self._untrack_answered, iid))

    def _untrack_answered(self, iid: str, yes: bool | None) -> None:
        if yes:
            self.ctx.store.untrack([iid])
            self.list.remove_ids([iid])
            self.watcher.change_ids(remove=[iid])
            self.hooks.notify(f"Stopped tracking {iid}", markup=False)

    # -- rows ------------------------------------------------------------------------------

    def changed_elsewhere(self, rows: list[ListRow], gone: set[str]) -> None:
        """Tracked (``rows``) or untracked (``gone``) by something else: the CLI, a webhook."""
        lst = self.list
        gone = {i for i in gone if not self.ctx.store.is_tracked(i)}  # still so, here
        rows = [r for r in rows if r.id not in lst.entries]
        if gone:
            lst.remove_ids(gone)
        if rows:
            lst.add_rows(rows)
        self.watcher.change_ids(add=(r.id for r in rows if r.status not in TERMINAL_STATUSES),
                                remove=gone)

    def refresh_row(self, interview_id: str) -> None:
        """Update one row from the store. A status the list showed that changed is announced
        here, whoever fetched it (poller, r, R, opening it): once, however many saw it."""
        lst = self.list
        before = lst.entries.get(interview_id)
        old = before.status if before is not None else None
        lst.refresh_row(interview_id)
        after = lst.entries.get(interview_id)
        self.evaluator.update_count()
        if not lst.loaded or after is None or after.status in (None, old):
            return
        if before is not None and old is None:
            return  # fetched for the first time: nothing changed
        new = after.status
        self.watcher.announce(StatusChange(interview_id, old, new, after.candidate_name,
                                           after.job_title))
        if new == COMPLETED and old is not None and self.ctx.settings.auto_archive \
                and self.ctx.service is not None:
            self.outputs.archive_audio(interview_id, auto=True)

