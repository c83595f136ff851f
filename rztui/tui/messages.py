"""The messages the TUI posts to itself.

Workers hand their results back as messages (``post_message`` is safe from any thread), so
what happens next runs in an ``on_...`` handler on the UI's thread, in order with everything
else, and a handler that fails is a visible error. The widgets' own messages (a row
highlighted, an outline jump...) live with the widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # none of these is needed to post or read a message
    from ..answers.compare import Comparison
    from ..answers.search import SearchResult
    from ..api.errors import RZError
    from ..api.models import Interview, QuestionSet
    from ..live.session import LiveSession, News
    from ..store import ListRow
    from ..store.listing import ListIndex


# -- to the app ------------------------------------------------------------------------------


class KeyFound(Message):
    """The key look-up (environment, keyring) found a key; ``source`` says where."""

    def __init__(self, key: str, source: str) -> None:
        self.key = key
        self.source = source
        super().__init__()


class KeyMissing(Message):
    """No key was found; ``reason`` says why when the look-up failed (empty: none stored)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__()


class ApiWaiting(Message):
    """The API client is about to sleep ``seconds`` (from ``at``, ``time.monotonic()``) for
    ``reason`` (``rate_limit``, ``retry_after``, ``backoff``). Posted from wherever the client
    runs: the UI's loop or a worker's."""

    def __init__(self, seconds: float, reason: str, at: float) -> None:
        self.seconds = seconds
        self.reason = reason
        self.at = at
        super().__init__()


class KeySaved(Message):
    """A verified key was saved in the keyring, or not: ``error`` says why."""

    def __init__(self, key: str, error: str | None = None) -> None:
        self.key = key
        self.error = error
        super().__init__()


class ScreenReady(Message):
    """The main screen has drawn its first frame: start-up goes on (the key)."""


class ApiRefused(Message):
    """An answer of the API said the key is no good (401) or the subscription is inactive
    (403): the app shows it as a lasting state and holds polling."""

    def __init__(self, error: RZError) -> None:
        self.error = error
        super().__init__()


class ApiAccepted(Message):
    """The API answered with the current key: whatever it refused before is over."""


# -- to the main screen (they stop there) ----------------------------------------------------


class ApiAnswered(Message, bubble=False):
    """A request of a helper got an answer: the status line says online and synced."""


class ApiFailed(Message, bubble=False):
    """A request of a helper failed for good with ``error``."""

    def __init__(self, error: RZError) -> None:
        self.error = error
        super().__init__()


class InterviewChanged(Message, bubble=False):
    """The store has news about this interview (a fetch, a poll, a rating): its row, and the
    transcript if it is the one shown (``row_only``: the row alone)."""

    def __init__(self, interview_id: str, *, row_only: bool = False) -> None:
        self.interview_id = interview_id
        self.row_only = row_only
        super().__init__()


class InterviewLoaded(Message, bubble=False):
    """The interview picked (and its questions) is here: shown if it is still the one picked,
    keeping the reader's place."""

    def __init__(self, interview: Interview, questions: QuestionSet | None) -> None:
        self.interview = interview
        self.questions = questions
        super().__init__()



class RowsLoaded(Message, bubble=False):
    """Every tracked row, read from the store into the list's compact index off the UI thread."""

    def __init__(self, entries: ListIndex) -> None:
        self.entries = entries
        super().__init__()


class TrackedChanged(Message, bubble=False):
    """Interviews tracked (``rows``) or no longer tracked (``gone``) by something else: the
    CLI in another terminal, a webhook."""

    def __init__(self, rows: list[ListRow], gone: set[str]) -> None:
        self.rows = rows
        self.gone = gone
        super().__init__()


class LiveBuilt(Message, bubble=False):
    """The live session is built (its poller reads every watched id's poll state: off the UI
    thread); it is started on the UI's loop."""

    def __init__(self, live: LiveSession) -> None:
        self.live = live
        super().__init__()


class PollerNews(Message, bubble=False):
    """News from the live session: a poller event (Transition, Updated, Dropped, PollerStats)
    or the session's own (webhooks listening or failed, an event received, polling stopped)."""

    def __init__(self, news: News) -> None:
        self.news = news
        super().__init__()


# -- to a dialog (they stop there) ------------------------------------------------------------


class SearchDone(Message, bubble=False):
    """A search ran: its ``result``, or why not (``message``). ``generation`` tells a stale one
    (the user typed on) from the latest."""

    def __init__(self, generation: int, result: SearchResult | None, message: str) -> None:
        self.generation = generation
        self.result = result
        self.message = message
        super().__init__()


class SearchableCount(Message, bubble=False):
    """How many answers the search index holds (for the empty search box)."""

    def __init__(self, generation: int, count: int) -> None:
        self.generation = generation
        self.count = count
        super().__init__()


class ComparisonLoaded(Message, bubble=False):
    """Every tracked answer to one question, or why not (``message``)."""

    def __init__(self, comparison: Comparison | None, message: str) -> None:
        self.comparison = comparison
        self.message = message
        super().__init__()
