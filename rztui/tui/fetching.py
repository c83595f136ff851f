"""The main screen's workers: what it reads from the store and fetches from the API.

Every worker runs on the app (its one ``on_worker_state_changed`` reports a failure); thread
workers post their results to the screen as messages (:mod:`rztui.tui.messages`), async ones
run on the UI's loop and update the screen between awaits. Each checks that what it fetched is
still what the screen shows before showing it.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from ..api.errors import AuthError, NotFound, RZError, SubscriptionInactive
from ..api.models import Interview
from .messages import RowsLoaded, TrackedChanged
from .widgets.transcript import error_doc, message_doc

if TYPE_CHECKING:
    from .app import RZApp
    from .main_screen import MainScreen

# How often the main screen looks for interviews tracked or removed by something else (the CLI).
SYNC_SECONDS = 15.0


class Fetcher:
    """Starts the main screen's workers; ``screen`` gets their results."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._unfetched_done = False
        # Interview id -> why its questions could not be fetched (the outline says so, not
        # "Loading…" for ever); `r` tries again.
        self._questions_failed: dict[str, str] = {}

    def questions_note(self, interview_id: str) -> str:
        """What the outline says while it has no questions for this interview."""
        if self.rz.service is None:
            return "Not cached (no API key)."
        why = self._questions_failed.get(interview_id)
        if why is not None:
            return f"Not available: {why}\nPress r to retry."
        return "Loading…"

    def _questions_unavailable(self, interview_id: str, exc: RZError) -> None:
        self._questions_failed[interview_id] = exc.detail
        screen = self.screen
        if screen.current_id == interview_id and screen.current_questions is None:
            screen.outline.show_message(self.questions_note(interview_id), interview_id)

    @property
    def rz(self) -> RZApp:
        return self.screen.rz

    # -- the store -------------------------------------------------------------------------

    def load_rows(self) -> None:
        """Every tracked row, in a thread (a few thousand take a moment): RowsLoaded."""
        self.rz.run_worker(self._load_rows, thread=True, exclusive=True, group="rows",
                           exit_on_error=False)

    def _load_rows(self) -> None:
        self.screen.post_message(RowsLoaded(self.screen.interview_list.load_index(self.rz.store)))

    def sync_tracked(self) -> None:
        """Interviews tracked or removed by something else (``rztui add`` in another terminal,
        a webhook): one query for the ids in a thread, rows only for the new ones."""
        lst = self.screen.interview_list
        if lst.loaded:
            known = set(lst.index.pos)  # read on the UI thread (no object per row)
            self.rz.run_worker(partial(self._sync_tracked, known), thread=True, exclusive=True,
                               group="sync", exit_on_error=False)

    def _sync_tracked(self, known: set[str]) -> None:
        store = self.rz.store
        tracked = store.tracked_ids()
        new_rows = [r for r in (store.row(i) for i in tracked if i not in known) if r]
        gone = known - set(tracked)
        if new_rows or gone:
            self.screen.post_message(TrackedChanged(new_rows, gone))

    # -- the API ---------------------------------------------------------------------------

    def fetch_unfetched(self) -> None:
        """Tracked but never fetched (added by the CLI offline, or a new demo store): fetch
        them once, in the background, when both the rows and a key are there. Watching starts
        after that, so the poller does not ask for the same interviews a second time."""
        screen = self.screen
        lst = screen.interview_list
        if self._unfetched_done or self.rz.service is None or not lst.loaded:
            return
        self._unfetched_done = True
        # The one on screen is being loaded already: don't ask for it twice.
        on_screen = {screen.current_id, screen.cursor_id()}
        ids = [i for i in lst.index.ids_with_status([None]) if i not in on_screen]
        if ids:
            self.fetch_new(ids, announce=False, then_watch=True)
        else:
            screen.watcher.start()

    def load_interview(self, interview_id: str, *, have_cached: bool, fetch: bool,
                       refresh: bool, fetch_questions: bool) -> None:
        """The interview on screen (and its questions): a new one cancels the one before."""
        self.rz.run_worker(
            self._load_interview(interview_id, have_cached, fetch, refresh, fetch_questions),
            group="load", exclusive=True, exit_on_error=False)

    async def _load_interview(self, interview_id: str, have_cached: bool, fetch: bool,
                              refresh: bool, fetch_questions: bool) -> None:
        screen = self.screen
        service = self.rz.service
        view = screen.transcript
        if service is None:
            view.loading = False
            if not have_cached:
                view.set_document(message_doc(
                    "Not cached yet", ["This interview has not been fetched and there is no API "
                                       "key. Press ctrl+k to enter one."], "error",
                    interview_id=interview_id, title_style="transcript--warning"))
                screen.outline.show_message("No API key.", interview_id)
            return
        if have_cached and not refresh:
            await asyncio.sleep(0.15)  # arrowing through the list: don't fetch every row
        interview = screen.current_interview if have_cached else None
        if fetch:
            before = self.rz.store.cached_status(interview_id)
            try:
                interview = await service.interview(interview_id, refresh=True)
            except RZError as exc:
                screen.api_failed(exc)
                if screen.current_id != interview_id:
                    return
                view.loading = False
                if not have_cached:  # the error is shown in place of the text
                    view.set_document(error_doc(interview_id, exc.message))
                    screen.outline.show_message("Not available.", interview_id)
                else:
                    self._questions_unavailable(interview_id, exc)  # not asked: would fail
                    if not isinstance(exc, (AuthError, SubscriptionInactive)):  # said already
                        screen.notify(f"Showing the cached copy: {exc.message}",
                                      severity="warning", markup=False)
                return
            screen.api_ok()
            screen.refresh_row(interview_id)
            screen.watcher.reconcile(interview_id, before, interview.status)
        questions = screen.current_questions
        if fetch_questions or questions is None:
            try:
                questions = await service.questions(interview_id, refresh=refresh)
                screen.api_ok()
                self._questions_failed.pop(interview_id, None)
            except RZError as exc:
                screen.api_failed(exc)
                self._questions_unavailable(interview_id, exc)
                questions = None
        if screen.current_id != interview_id:
            return
        view.loading = False
        if interview is not None:
            changed = (fetch or questions is not screen.current_questions
                       or screen.current_interview is None)
            if changed:
                screen.show_interview(interview, questions, keep=True)

    def fetch_new(self, ids: list[str], announce: bool = True, then_watch: bool = False) -> None:
        """Newly tracked interviews; those the API does not know are untracked again."""
        self.rz.run_worker(self._fetch_new(ids, announce, then_watch), group="add",
                           exit_on_error=False)

    async def _fetch_new(self, ids: list[str], announce: bool, then_watch: bool) -> None:
        watcher = self.screen.watcher
        try:
            await self._fetch_ids(ids, announce)
        finally:
            if then_watch:
                watcher.start()
            else:  # fetched now: the poller takes it from here
                store = self.rz.store
                watcher.change_ids(add=(i for i in ids if store.is_tracked(i)))

    async def _fetch_ids(self, ids: list[str], announce: bool) -> None:
        screen = self.screen
        service = self.rz.service
        if service is None:
            if announce:
                screen.notify("No API key: the new interviews will be fetched once a key is "
                              "set.", severity="warning", markup=False)
            return
        missing: list[str] = []
        failed: list[RZError] = []
        progress = 0

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal progress
            progress += 1
            screen.set_activity(f"fetching {progress}/{len(ids)}")
            if isinstance(result, NotFound):
                missing.append(iid)
            elif isinstance(result, RZError):
                failed.append(result)
            else:
                screen.interview_updated(iid)

        screen.set_activity(f"fetching 0/{len(ids)}")
        try:
            await service.interviews(ids, on_done=done)
        finally:
            screen.set_activity("")
        if missing:
            self.rz.store.untrack(missing)
            screen.interview_list.remove_ids(missing)
            screen.watcher.change_ids(remove=missing)
            listed = ", ".join(missing[:3]) + ("…" if len(missing) > 3 else "")
            screen.notify(f"Not found, so not tracked: {listed}", severity="warning",
                          markup=False, timeout=8)
        if failed:
            screen.api_failed(failed[0])
            if not isinstance(failed[0], (AuthError, SubscriptionInactive)):  # said already
                screen.notify(f"{len(failed)} could not be fetched yet: {failed[0].message}",
                              severity="warning", markup=False)
        if len(failed) < len(ids):
            screen.api_ok()

    def retry_refused(self, ids: list[str]) -> None:
        """`R` while the API refuses the key or the subscription: one request to ask again;
        if it is accepted now, polling resumes and ``ids`` are fetched again."""
        self.rz.run_worker(self._retry_refused(ids), group="refresh-all", exclusive=True,
                           exit_on_error=False)

    async def _retry_refused(self, ids: list[str]) -> None:
        screen = self.screen
        screen.set_activity("asking the API again…")
        try:
            await self.rz.check_key()
        except RZError as exc:
            screen.api_failed(exc)
            refused = isinstance(exc, (AuthError, SubscriptionInactive))
            screen.notify(f"{'Still refused' if refused else 'Could not ask'}: {exc.detail}",
                          severity="error", markup=False, timeout=8)
            return
        finally:
            screen.set_activity("")
        screen.api_ok()  # accepted: the refusal is over, polling resumes
        screen.notify("The API accepts the key again: watching resumed.", markup=False,
                      timeout=5)
        if ids:
            await self._refresh_many(ids)

    def refresh_many(self, ids: list[str]) -> None:
        """`R`: fetch these again (a second `R` cancels the first)."""
        self.rz.run_worker(self._refresh_many(ids), group="refresh-all", exclusive=True,
                           exit_on_error=False)

    async def _refresh_many(self, ids: list[str]) -> None:
        screen = self.screen
        service = self.rz.service
        if service is None:
            return
        total = len(ids)
        done_count = 0
        failures: list[RZError] = []
        changed: list[str] = []
        store = self.rz.store
        before = {iid: store.cached_status(iid) for iid in ids}

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal done_count
            done_count += 1
            if isinstance(result, RZError):
                failures.append(result)
            else:
                changed.append(iid)
                screen.refresh_row(iid)
                screen.watcher.reconcile(iid, before.get(iid), result.status)
            screen.set_activity(f"refreshing {done_count}/{total}")

        screen.set_activity(f"refreshing 0/{total}")
        try:
            await service.interviews(ids, refresh=True, on_done=done)
        finally:
            screen.set_activity("")
        if failures:
            screen.api_failed(failures[0])
        if len(failures) < total:
            screen.api_ok()
        if screen.current_id is not None and screen.current_id in changed:
            screen.interview_updated(screen.current_id)
        message = f"Refreshed {total - len(failures)} of {total} active interviews"
        if failures:
            message += f"; {len(failures)} failed: {failures[0].message}"
        screen.notify(message, severity="warning" if failures else "information", markup=False)
