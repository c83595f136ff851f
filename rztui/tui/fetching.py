"""The main screen's workers: what it reads from the store and fetches from the API.

Every worker runs on the app (its one ``on_worker_state_changed`` reports a failure); thread
workers post their results to the screen as messages (:mod:`rztui.tui.messages`), async ones
run on the UI's loop and update the screen between awaits. Each checks that what it fetched is
still what the screen shows before showing it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..api.errors import AuthError, NotFound, RZError, SubscriptionInactive
from ..api.models import Interview
from .messages import (
    ApiAnswered,
    ApiFailed,
    InterviewChanged,
    RowsLoaded,
    TrackedChanged,
)
from .widgets.transcript import error_doc, message_doc

if TYPE_CHECKING:
    from ..api.client import ApiClient
    from .context import AppContext, Hooks, Reading
    from .watch import WatchController
    from .widgets.interview_list import InterviewList
    from .widgets.outline import QuestionOutline
    from .widgets.status_line import StatusLine
    from .widgets.transcript import TranscriptView

KEY_CHECK_PATH = "/api/v1/interviews/rztui-key-check"
# How often the main screen looks for interviews tracked or removed by something else (the CLI).
SYNC_SECONDS = 15.0


class Fetcher:
    """Starts the main screen's workers; their results go to the screen as messages, or to
    the widgets they concern."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 interview_list: InterviewList, view: Callable[[], TranscriptView],
                 outline: QuestionOutline, status_line: StatusLine,
                 watcher: WatchController) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self.list = interview_list
        self._view = view
        self.outline = outline
        self.status_line = status_line
        self.watcher = watcher
        # Interview id -> why its questions could not be fetched and what to do (the outline
        # says so, not "Loading…" for ever); `r` tries again.
        self._questions_failed: dict[str, tuple[str, str]] = {}

    def questions_note(self, interview_id: str) -> str:
        """What the outline says while it has no questions for this interview."""
        if self.ctx.service is None:
            return "Not cached (no API key)."
        failed = self._questions_failed.get(interview_id)
        if failed is not None:
            why, step = failed
            return f"Not available: {why}\n{step}"
        return "Loading…"

    def _questions_unavailable(self, interview_id: str, exc: RZError) -> None:
        self._questions_failed[interview_id] = (exc.detail, self.ctx.next_step(exc))
        if self.reading.id == interview_id and self.reading.questions is None:
            self.outline.show_message(self.questions_note(interview_id), interview_id)

    def _activity(self, text: str) -> None:
        self.status_line.update_state(activity=text)

    def _failed(self, exc: RZError) -> None:
        self.hooks.post(ApiFailed(exc))

    def _answered(self) -> None:
        self.hooks.post(ApiAnswered())

    # -- the store -------------------------------------------------------------------------

    def load_rows(self) -> None:
        """Every tracked row, in a thread (a few thousand take a moment): RowsLoaded."""
        self.hooks.run_worker(self._load_rows, thread=True, exclusive=True, group="rows",
                              exit_on_error=False)

    def _load_rows(self) -> None:
        self.hooks.post(RowsLoaded(self.list.load_index(self.ctx.store)))

    def sync_tracked(self) -> None:
        """Interviews tracked or removed by something else (``rztui add`` in another terminal,
        a webhook): one query for the ids in a thread, rows only for the new ones."""
        lst = self.list
        if lst.loaded:
            known = set(lst.index.pos)  # read on the UI thread (no object per row)
            self.hooks.run_worker(partial(self._sync_tracked, known), thread=True,
                                  exclusive=True, group="sync", exit_on_error=False)

    def _sync_tracked(self, known: set[str]) -> None:
        store = self.ctx.store
        tracked = store.tracked_ids()
        new_rows = [r for r in (store.row(i) for i in tracked if i not in known) if r]
        gone = known - set(tracked)
        if new_rows or gone:
            self.hooks.post(TrackedChanged(new_rows, gone))

    # -- the API ---------------------------------------------------------------------------

    def load_interview(self, interview_id: str, *, have_cached: bool, fetch: bool,
                       refresh: bool, fetch_questions: bool) -> None:
        """The interview on screen (and its questions): a new one cancels the one before."""
        self.hooks.run_worker(
            self._load_interview(interview_id, have_cached, fetch, refresh, fetch_questions),
            group="load", exclusive=True, exit_on_error=False)

    async def _load_interview(self, interview_id: str, have_cached: bool, fetch: bool,
                              refresh: bool, fetch_questions: bool) -> None:
        reading = self.reading
        service = self.ctx.service
        view = self._view()
        if service is None:
            view.loading = False
            if not have_cached:
                view.set_document(message_doc(
                    "Not cached yet", ["This interview has not been fetched and there is no API "
                                       "key. Press ctrl+k to enter one."], "error",
                    interview_id=interview_id, title_style="transcript--warning"))
                self.outline.show_message("No API key.", interview_id)
            return
        if have_cached and not refresh:
            await asyncio.sleep(0.15)  # arrowing through the list: don't fetch every row
        interview = reading.interview if have_cached else None
        if fetch:
            before = self.ctx.store.cached_status(interview_id)
            try:
                interview = await service.interview(interview_id, refresh=True)
            except RZError as exc:
                self._failed(exc)
                if reading.id != interview_id:
                    return
                view.loading = False
                if not have_cached:  # the error is shown in place of the text
                    view.set_document(error_doc(interview_id, exc.message, self.ctx.next_step(exc)))
                    self.outline.show_message("Not available.", interview_id)
                else:
                    self._questions_unavailable(interview_id, exc)  # not asked: would fail
                    if not isinstance(exc, (AuthError, SubscriptionInactive)):  # said already
                        self.hooks.notify(f"Showing the cached copy: {exc.message}",
                                          severity="warning", markup=False)
                return
            self._answered()
            self.hooks.post(InterviewChanged(interview_id, row_only=True))
            self.watcher.reconcile(interview_id, before, interview.status)
        questions = reading.questions
        if fetch_questions or questions is None:
            try:
                questions = await service.questions(interview_id, refresh=refresh)
                self._answered()
                self._questions_failed.pop(interview_id, None)
            except RZError as exc:
                self._failed(exc)
                self._questions_unavailable(interview_id, exc)
                questions = None
        if reading.id != interview_id:
            return
        view.loading = False
        if interview is not None:
            changed = (fetch or questions is not reading.questions
                       or reading.interview is None)
            if changed:
                self.hooks.post(InterviewChanged(interview_id, interview=interview,
                                                 questions=questions))

    def retry_refused(self, ids: list[str]) -> None:
        """`R` while the API refuses the key or the subscription: one request to ask again;
        if it is accepted now, polling resumes and ``ids`` are fetched again."""
        self.hooks.run_worker(self._retry_refused(ids), group="refresh-all", exclusive=True,
                              exit_on_error=False)

    async def _retry_refused(self, ids: list[str]) -> None:
        self._activity("asking the API again…")
        try:
            await check_key(self.ctx.api)
        except RZError as exc:
            self._failed(exc)
            refused = isinstance(exc, (AuthError, SubscriptionInactive))
            self.hooks.notify(f"{'Still refused' if refused else 'Could not ask'}: "
                              f"{exc.detail}", severity="error", markup=False, timeout=8)
            return
        finally:
            self._activity("")
        self._answered()  # accepted: the refusal is over, polling resumes
        self.hooks.notify("The API accepts the key again: watching resumed.", markup=False,
                          timeout=5)
        if ids:
            await self._refresh_many(ids)

    def refresh_many(self, ids: list[str]) -> None:
        """`R`: fetch these again (a second `R` cancels the first)."""
        self.hooks.run_worker(self._refresh_many(ids), group="refresh-all", exclusive=True,
                              exit_on_error=False)

    async def _refresh_many(self, ids: list[str]) -> None:
        service = self.ctx.service
        if service is None:
            return
        total = len(ids)
        done_count = 0
        failures: list[RZError] = []
        changed: list[str] = []
        store = self.ctx.store
        before = {iid: store.cached_status(iid) for iid in ids}

        def done(iid: str, result: Interview | RZError) -> None:
            nonlocal done_count
            done_count += 1
            if isinstance(result, RZError):
                failures.append(result)
            else:
                changed.append(iid)
                self.hooks.post(InterviewChanged(iid, row_only=True))
                self.watcher.reconcile(iid, before.get(iid), result.status)
            self._activity(f"refreshing {done_count}/{total}")

        self._activity(f"refreshing 0/{total}")
        try:
            await service.interviews(ids, refresh=True, on_done=done)
        finally:
            self._activity("")
        if failures:
            self._failed(failures[0])
        if len(failures) < total:
            self._answered()
        current = self.reading.id
        if current is not None and current in changed:
            self.hooks.post(InterviewChanged(current))
        message = f"Refreshed {total - len(failures)} of {total} active interviews"
        if failures:
            message += f"; {len(failures)} failed: {failures[0].message}"
        self.hooks.notify(message, severity="warning" if failures else "information",
                          markup=False)


async def check_key(api: ApiClient | None) -> None:
    """One request with the current key: 404 for the made-up id means it is accepted (401
    and 403 raise)."""
    if api is None:
        return
    try:
        await api.get_json(KEY_CHECK_PATH)
    except NotFound:
        return
