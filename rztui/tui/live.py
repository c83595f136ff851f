"""Live status in the app: what the poller's events look like on screen.

The poller (:mod:`rztui.poller`) runs in an app worker on the UI's event loop; its events are
posted to the app as :class:`PollerNews` messages, so a handler that fails is a visible error,
not a line in a log. A status change is announced where the list sees it change, whoever
fetched it (the poller, ``r``, ``R``, opening the interview): once, and in one toast per burst.
This module only turns changes into words: the app decides what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED
from ..textsafe import clean_line

if TYPE_CHECKING:  # the poller is imported when watching starts (after the first frame)
    from ..live.events import Event
    from ..live.poller import Poller

PollerFactory = Callable[[Any, Any, list[str]], "Poller"]  # (service, store, ids) -> Poller

# While an in-progress interview is on screen, ask the poller for it this often (its answers
# appear one by one); the poller still keeps every request within its budget.
FOCUS_POLL_SECONDS = 20.0
# How often the app looks for interviews tracked or removed by something else (the CLI).
SYNC_SECONDS = 15.0
# Changes seen within this time share one toast when there are more than a few (start-up after
# a weekend: twenty interviews finished).
TOAST_BATCH_SECONDS = 0.25
TOASTS_PER_BATCH = 3


class PollerNews(Message):
    """An event from the poller (Transition, Updated, Dropped or PollerStats)."""

    def __init__(self, event: Event) -> None:
        self.event = event
        super().__init__()


@dataclass(frozen=True)
class StatusChange:
    """A status the list showed changed: ``old`` is None for an interview it did not have."""

    interview_id: str
    old: str | None
    new: str
    candidate: str
    job: str

    @property
    def name(self) -> str:
        return (clean_line(self.candidate) or clean_line(self.interview_id))[:60]

    @property
    def job_title(self) -> str:
        return clean_line(self.job)[:60] or "no job title"


def change_words(change: StatusChange) -> tuple[str, str, str]:
    """(title, message, severity): ``Jane Smith finished: Senior Frontend Developer``."""
    name, job, status = change.name, change.job_title, change.new
    if status == COMPLETED:
        title, text, severity = "Interview completed", f"{name} finished: {job}", "information"
    elif status == IN_PROGRESS:
        title, text, severity = "Interview started", f"{name} started: {job}", "information"
    elif status == EXPIRED:
        title = "Invitation expired"
        text, severity = f"{name}'s invitation expired unanswered: {job}", "warning"
    elif status == INVITED:
        title, text, severity = "Interview invited", f"{name} is invited: {job}", "information"
    else:
        label = clean_line(status)[:30] or "unknown"
        title, text, severity = "Status changed", f"{name} is now {label}: {job}", "information"
    if change.old is None:
        title = "Now tracking"  # tracked elsewhere: a webhook, `rztui watch`
    return title, text, severity


_VERBS = {COMPLETED: "finished", IN_PROGRESS: "started", EXPIRED: "expired"}


def batch_words(changes: list[StatusChange]) -> tuple[str, str, str]:
    """One toast for many changes: counts, then the first few lines."""
    counts: dict[str, int] = {}
    for c in changes:
        verb = _VERBS.get(c.new, "changed")
        counts[verb] = counts.get(verb, 0) + 1
    title = f"{len(changes)} interviews changed: " + ", ".join(
        f"{n} {verb}" for verb, n in counts.items())
    lines = [change_words(c)[1] for c in changes[:5]]
    if len(changes) > 5:
        lines.append(f"… and {len(changes) - 5} more")
    severity = "information" if all(c.new != EXPIRED for c in changes) else "warning"
    return title, "\n".join(lines), severity


_ABOUT_ONE = re.compile(r"^interview \S+: ")


def short_error(message: str | None, width: int = 60) -> str:
    """An error for the status line: one line, without the ``interview <id>:`` prefix."""
    text = _ABOUT_ONE.sub("", clean_line(message or ""))
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def listen_label(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
