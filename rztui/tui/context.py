"""What the TUI's parts share, owned by the app and handed down: no part holds the app.

:class:`AppContext` is the app's long-lived services (the store, the settings, the clock, the
API client and the service over it once there is a key, why the API is refused) and where
files go. The app makes it and keeps it current (a new key, a refusal); screens and the
helpers below them read it. It knows nothing of Textual.

:class:`Reading` is what the main screen shows: the interview open in the transcript. The screen
writes it; the helpers below the screen read it to check that what they fetched is still what
the screen shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # httpx and the service are imported after the first frame: start-up time
    from textual.message import Message
    from textual.timer import Timer
    from textual.worker import Worker

    from ..api.client import ApiClient
    from ..api.errors import RZError
    from ..api.models import Interview, QuestionSet
    from ..config import Settings
    from ..service import Service
    from ..store import Store


@dataclass(eq=False)
class AppContext:
    store: Store
    settings: Settings
    base_url: str
    now: Callable[[], datetime]
    demo: bool = False
    #: The key in use (or being tried), the client for it, and the service over it (None:
    #: no usable key yet).
    api_key: str | None = None
    #: Where the key came from: "environment", "keyring", "session" (typed), "given", "none".
    key_source: str = "none"
    api: ApiClient | None = None
    service: Service | None = None
    #: Why the API is not used right now (the key rejected, the subscription inactive, a bad
    #: base URL): shown until the API answers again.
    refusal: RZError | None = None
    #: What the config file had that is not used: shown once at start.
    settings_problems: list[str] = field(default_factory=list)
    data_dir_given: Path | None = None
    audio_dir_given: Path | None = None
    export_dir_given: Path | None = None

    def data_dir(self) -> Path:
        if self.data_dir_given is None:
            from ..config import Paths

            self.data_dir_given = Paths.resolve().data_dir
        return self.data_dir_given

    def audio_dir(self) -> Path:
        if self.audio_dir_given is None:
            from ..config import Paths

            self.audio_dir_given = Paths.resolve().audio_dir
        return self.audio_dir_given

    def exports_dir(self) -> Path:
        """Where the export dialog proposes to write: ``<data dir>/exports`` by default."""
        given = self.export_dir_given
        return given if given is not None else self.data_dir() / "exports"

    def why_no_api(self) -> str:
        """Why nothing can be fetched (there is no client)."""
        if self.refusal is not None:
            return f"Cannot use the API: {self.refusal.message}"
        return "No API key: press ctrl+k to enter one."

    def next_step(self, exc: RZError) -> str:
        """What the user can do about a request that failed with ``exc``, for a pane: a
        rejected key is not fixed by retrying."""
        from ..api.errors import AuthError, SubscriptionInactive

        if isinstance(exc, SubscriptionInactive):
            return "Press R once the subscription is renewed."
        if isinstance(exc, AuthError):
            step = "Press ctrl+k to enter a new key."
            if self.key_source == "environment":
                from ..credentials import ENV_KEY

                step += f" The rejected key comes from {ENV_KEY}, which overrides the keyring."
            return step
        return "Press r to retry."

    def service_or_cache(self) -> Service:
        """The service, or one over the store alone (no key: cached interviews only)."""
        if self.service is not None:
            return self.service
        from ..service import Service

        return Service(self.store, None)


@dataclass(eq=False)
class Reading:
    """The interview the main screen shows: its id as soon as it is picked, the interview and
    its questions once they are known (from the store or the API)."""

    id: str | None = None
    interview: Interview | None = None
    questions: QuestionSet | None = None


@dataclass(frozen=True, eq=False)
class Hooks:
    """What a helper below a screen may do up there, and nothing more: post the screen a
    Message (results go up as messages), run a worker on the app (its one handler turns a
    failure into a notification), tell the user, set a timer, open a dialog."""

    post: Callable[[Message], bool]
    run_worker: Callable[..., Worker[Any]]
    notify: Callable[..., None]
    set_timer: Callable[..., Timer]
    set_interval: Callable[..., Timer]
    call_later: Callable[..., object]
    push_screen: Callable[..., Any]
