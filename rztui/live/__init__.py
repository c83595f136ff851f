"""Live watching: interviews followed until they finish, by polling within a share of the API's
rate limit and, when configured, by webhooks.

- :mod:`.policy`: how often to poll each status (:class:`PollPolicy`: a floor and a ceiling per
  state) and how the budget paces the watched set between them (:func:`plan_pace`)
- :mod:`.budget`: how many requests may go and when none may (:class:`RequestBudget`)
- :mod:`.watchlist`: the watched set and which interview is due first
- :mod:`.poller`: the :class:`Poller` that does the polling
- :mod:`.events`: what it reports (:class:`Transition`, :class:`Updated`, :class:`Dropped`,
  :class:`PollerStats`, whose ``waiting`` is a :class:`Waiting`: until when, and why)
- :mod:`.session`: :class:`LiveSession`, the poller and the webhook receiver
  (:mod:`rztui.webhooks`) started and stopped together; what ``rztui watch`` and the TUI use.
"""

from .budget import RequestBudget
from .events import Dropped, Event, PollerStats, Transition, Updated, Waiting, WatchResult
from .policy import PollPolicy, plan_pace
from .poller import Poller, PollService, WebhookSource
from .session import (
    LiveSession,
    LiveSettings,
    News,
    WatchStopped,
    WebhookReceived,
    WebhooksFailed,
    WebhooksListening,
    poller_handler,
    wire_client_waits,
)

__all__ = [
    "Dropped", "Event", "LiveSession", "LiveSettings", "News", "PollPolicy",
    "PollService", "Poller", "PollerStats", "RequestBudget", "Transition", "Updated",
    "WatchResult", "Waiting", "WatchStopped", "WebhookReceived", "WebhookSource",
    "WebhooksFailed", "WebhooksListening", "plan_pace", "poller_handler", "wire_client_waits",
]
