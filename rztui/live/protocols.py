"""What the poller needs from its surroundings, as structural types: the service it calls, the
API client's rate information, and a webhook receiver. The real classes fit without the live
package importing them (and tests can pass doubles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .budget import RateInfo

if TYPE_CHECKING:
    from ..api.models import Interview, QuestionSet
    from ..store import Store

__all__ = ["ApiInfo", "PollService", "WebhookSource"]


class ApiInfo(Protocol):
    """What the poller reads from the API client (:class:`rztui.api.client.ApiClient`): the
    rate-limit headers, and how many requests it sent (client-level retries included)."""

    @property
    def rate(self) -> RateInfo | None: ...

    @property
    def requests_sent(self) -> int: ...

    @property
    def max_attempts(self) -> int: ...


class PollService(Protocol):
    """What the poller calls (:class:`rztui.service.Service`, or a test double)."""

    @property
    def store(self) -> Store: ...

    @property
    def api(self) -> ApiInfo | None: ...

    async def interview(self, interview_id: str, *, refresh: bool = False) -> Interview: ...

    async def questions(self, interview_id: str, *, refresh: bool = False) -> QuestionSet: ...


class WebhookSource(Protocol):
    """A webhook receiver as the poller sees it (:class:`rztui.webhooks.WebhookReceiver`)."""

    @property
    def listening(self) -> bool: ...
