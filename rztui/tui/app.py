"""RZApp: the Textual front end over rztui.service.Service and the local store.

The app starts up, finds the API key (environment or keyring, in a thread: keyring can be slow)
and owns the client made from it, the screens, and the global bindings (ctrl+k, help, the
command palette). Everything on the main screen (the list, the transcript, its actions, live
watching) is :class:`~rztui.tui.main_screen.MainScreen`'s.

Every worker runs on the app, so one ``on_worker_state_changed`` turns any failure into a
notification, never a traceback. Workers hand their results back as messages
(:mod:`rztui.tui.messages`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.css.query import NoMatches
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ..api.errors import (
    AuthError,
    ConfigError,
    CredentialsError,
    NotFound,
    RZError,
    SubscriptionInactive,
)
from ..credentials import mask_key
from ..textsafe import clean_line
from .commands import main_commands
from .context import AppContext
from .fetching import KEY_CHECK_PATH
from .keys import APP
from .main_screen import MainScreen
from .messages import (
    ApiAccepted,
    ApiRefused,
    ApiWaiting,
    KeyFound,
    KeyMissing,
    KeySaved,
    ScreenReady,
)
from .watch import WatchOptions
from .widgets.status_line import host_of

if TYPE_CHECKING:  # httpx is imported after the first frame: start-up time
    from ..api.client import ApiClient, WaitReason
    from ..config import Settings
    from ..demo.server import DemoServer
    from ..live.session import PollerFactory
    from ..service import Service
    from ..store import Store

# Keys typed while start-up looks for the API key are held until it knows whether it asks for
# one; a keyring that hangs holds them this long at most.
HOLD_KEYS_SECONDS = 5.0
PASS_KEYS = frozenset({"ctrl+q", "ctrl+c"})  # never held
# Toasts on screen at once: a burst (exports, status changes, errors) must not cover the
# panes and the status line. A new one pushes out the oldest: the newest ones are shown.
MAX_TOASTS = 2

ClientFactory = Callable[[str, str], "ApiClient"]  # (base URL, key) -> client


def _now() -> datetime:
    return datetime.now(UTC)


def refusal_words(exc: RZError) -> tuple[str, str, str]:
    """(status line, what to do, top bar) for a lasting reason the API cannot be used."""
    if isinstance(exc, SubscriptionInactive):
        return "API subscription inactive (403)", "R retries", "subscription inactive"
    if isinstance(exc, AuthError):
        return "key rejected (401)", "ctrl+k enters a new key", "rejected"
    return "cannot use the API", "see the notification", ""


class RZApp(App[None]):
    hold_keys_seconds = HOLD_KEYS_SECONDS
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "rztui"
    BINDINGS = APP.bindings

    def __init__(
        self,
        *,
        store: Store,
        base_url: str,
        api_key: str | None = None,
        settings: Settings | None = None,
        demo: bool = False,
        clock: Callable[[], datetime] | None = None,
        client_factory: ClientFactory | None = None,
        find_key: Callable[[], tuple[str | None, str]] | None = None,
        store_key: Callable[[str], None] | None = None,
        watch: bool = True,
        poller_factory: PollerFactory | None = None,
        webhook_listen: str | None = None,
        demo_server: DemoServer | None = None,
        data_dir: Path | None = None,
        audio_dir: Path | None = None,
        export_dir: Path | None = None,
        config_path: Path | None = None,
    ) -> None:
        """``watch``: run the status poller once there is a key (tests turn it off or give a
        ``poller_factory`` with a fake clock). ``webhook_listen``: HOST:PORT for a webhook
        receiver; with ``demo_server`` (``--demo``) a loopback receiver always runs and the
        demo server sends it the events. ``data_dir``/``audio_dir`` default to rztui's paths
        (webhook ids seen, archived audio); ``export_dir``, to ``<data dir>/exports`` (made,
        0700, when the first export is written there). ``config_path``: where a theme picked
        in the palette is saved (default: rztui's config file)."""
        super().__init__()
        if settings is None:
            from ..config import Settings

            settings = Settings()
        self.ctx = AppContext(store=store, settings=settings, base_url=base_url,
                              now=clock or _now, demo=demo, data_dir_given=data_dir,
                              audio_dir_given=audio_dir, export_dir_given=export_dir)
        self.ctx.api_key = api_key
        self.demo_server = demo_server
        self._client_factory = client_factory
        self._find_key = find_key
        self._store_key = store_key
        self._keyring_advice_given = False  # the "no keyring" advice is given once
        self._auth_warned = False
        # Keys typed before start-up has decided about the key prompt (None: decided).
        self._held_keys: list[events.Key] | None = []
        self._toasts: list[Notification] = []  # the ones shown, oldest first (MAX_TOASTS)
        self._config_path = config_path
        # The theme the config file names (or the default): restored now, saved on a change.
        self._saved_theme = settings.theme
        self.ctx.settings_problems = list(settings.warnings)
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        else:
            self.ctx.settings_problems.append(
                f"theme {clean_line(settings.theme)!r} is not one of the app's themes; "
                f"using {self.theme}")
        self.main = MainScreen(self.ctx, WatchOptions(
            enabled=watch, poller_factory=poller_factory, webhook_listen=webhook_listen,
            demo_server=demo_server))

    # -- the shared services (held in ctx, which the screens get) ----------------------------

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def base_url(self) -> str:
        return self.ctx.base_url

    @property
    def api(self) -> ApiClient | None:
        return self.ctx.api

    @property
    def service(self) -> Service | None:
        return self.ctx.service

    @property
    def api_key(self) -> str | None:
        return self.ctx.api_key

    @property
    def key_source(self) -> str:
        return self.ctx.key_source

    @property
    def refusal(self) -> RZError | None:
        return self.ctx.refusal

    def now(self) -> datetime:
        return self.ctx.now()

    # -- set-up ----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return self.main

    def data_dir(self) -> Path:
        return self.ctx.data_dir()

    def audio_dir(self) -> Path:
        return self.ctx.audio_dir()

    async def on_event(self, event: events.Event) -> None:
        """Hold keys until start-up knows whether it asks for a key: `v` or `e Enter` typed
        early must not act on the list behind a key prompt that is about to appear."""
        held = self._held_keys
        if held is not None and isinstance(event, events.Key) and not event.is_forwarded \
                and event.key not in PASS_KEYS:
            held.append(event)
            return
        await super().on_event(event)

    @property
    def keys_held(self) -> bool:
        return self._held_keys is not None

    def release_keys(self) -> None:
        """Start-up has decided about the key prompt: the keys typed meanwhile act now, unless
        a dialog (the key prompt) came up, where they would be typed into it: then dropped."""
        held, self._held_keys = self._held_keys, None
        if not held:
            return
        if self.screen is not self.main:
            self.notify(f"{len(held)} key(s) typed during start-up were ignored.",
                        severity="warning", markup=False, timeout=4)
            return
        self._replay(held)

    def _replay(self, keys: list[events.Key]) -> None:
        """One key at a time, each after the screen has caught up with the one before (`/`
        moves the focus to the filter: the next keys must be typed there)."""
        if not keys or self.screen is not self.main:
            return  # a dialog came up (`e`): the keys after it are not meant for it
        first, rest = keys[0], keys[1:]
        key = events.Key(first.key, first.character)
        key.time = first.time  # when it was typed (the export dialog looks)
        self.post_message(key)
        if rest:
            self.call_after_refresh(self.call_after_refresh, self._replay, rest)

    # -- toasts: never more than MAX_TOASTS --------------------------------------------------

    def on_notify(self, event: Notify) -> None:
        """Runs before Textual adds the toast: make room for it. Textual has no public way
        to take back one toast (``clear_notifications`` takes them all), so the oldest times
        out now: Textual drops expired toasts when it adds the new one."""
        shown = [n for n in self._toasts if not n.has_expired]
        while len(shown) >= MAX_TOASTS:
            shown.pop(0).timeout = 0  # expired: gone when App._on_notify adds this one
        shown.append(event.notification)
        self._toasts = shown

    # -- the theme: saved when picked, restored at start ------------------------------------

    def watch_theme(self, theme: str) -> None:
        """A theme picked (in the palette) is saved to the config file, in a thread: the
        write never holds up the screen, and a failure is a warning, not a crash."""
        if theme == self._saved_theme:
            return
        self._saved_theme = theme
        self.run_worker(partial(self._save_theme, theme), thread=True, exclusive=True,
                        group="theme-save", exit_on_error=False)

    def _save_theme(self, theme: str) -> None:
        from ..config import save_setting

        try:
            save_setting("theme", theme, self._config_path)
        except (RZError, OSError) as exc:
            message = exc.message if isinstance(exc, RZError) else str(exc)
            self.notify(f"Theme {theme} is used now but not saved: {message}",
                        title="Settings", severity="warning", markup=False, timeout=8)

    async def on_unmount(self) -> None:
        if self.ctx.api is not None:  # (the main screen stops its live session itself)
            await self.ctx.api.aclose()

    # -- keys ------------------------------------------------------------------------------

    def start_key(self) -> None:
        """After the first frame: use the key given, or look one up, in a thread either way
        (keys typed meanwhile are held until it is known)."""
        if not self.ctx.api_key:
            self.main.show_key(False)
            self.set_timer(self.hold_keys_seconds, self.release_keys)
        self.run_worker(self._look_up_key, thread=True, exclusive=True, group="keyring",
                        exit_on_error=False)

    def _look_up_key(self) -> None:
        """keyring can be slow or hang at import: never on the UI thread. The HTTP stack the
        key's client needs is imported here too (~100 ms the UI thread would otherwise spend
        right after the first frame, with the first keys typed waiting)."""
        key, where = self.ctx.api_key, "given"
        if not key:
            if self._find_key is not None:
                finder = self._find_key
            else:
                from ..credentials import find_key as finder
            try:
                key, where = finder()
            except RZError as exc:
                self.post_message(KeyMissing(exc.message))
                return
        if key and self._client_factory is None:
            from .. import service  # noqa: F401  (and the client with it)
        self.post_message(KeyFound(key, where) if key else KeyMissing(""))

    def on_screen_ready(self, _message: ScreenReady) -> None:
        self.start_key()

    def on_key_found(self, message: KeyFound) -> None:
        self._use_key(message.key, message.source)
        self.release_keys()

    def on_key_missing(self, message: KeyMissing) -> None:
        self.main.show_key(False)
        self.action_enter_key(message.reason)
        self.release_keys()

    def _make_client(self, key: str) -> ApiClient:
        """Raises ConfigError (a bad base URL) or CredentialsError (a malformed key)."""
        if self._client_factory is not None:
            return self._client_factory(self.base_url, key)
        from ..api.client import ApiClient

        return ApiClient(self.base_url, key, concurrency=self.settings.concurrency,
                         max_retry_wait=self.settings.max_rate_limit_wait)

    def _use_key(self, key: str, source: str) -> None:
        ctx = self.ctx
        old = ctx.api
        ctx.api_key = key
        ctx.key_source = source
        from ..service import Service

        try:
            api = self._make_client(key)
        except RZError as exc:
            self._unusable(exc)
            return
        api.on_wait = self._on_api_wait
        ctx.api = api
        ctx.service = Service(ctx.store, api)
        self._auth_warned = False
        if old is not None:
            self.run_worker(old.aclose(), group="close", exit_on_error=False)
        self.main.show_key(True)  # a new key: whatever was refused may work now
        self.key_works()

    def _unusable(self, exc: RZError) -> None:
        """The client cannot even be made: a malformed key (asked for again) or a bad base
        URL (nothing to do in here): one clear message, cached data stays readable."""
        if isinstance(exc, CredentialsError):
            self.ctx.api_key = None
            self.main.show_key(False)
            self.action_enter_key(f"The API key found ({self.ctx.key_source}) cannot be used: "
                                  f"{exc.message}.")
            return
        if self.ctx.refusal is not None and self.ctx.refusal.message == exc.message:
            return  # said already
        self.ctx.refusal = exc
        if isinstance(exc, ConfigError):
            self.main.show_refusal("bad base URL", "fix --base-url or ROUNDZERO_BASE_URL", "")
        else:
            self.main.show_refusal("cannot use the API", "see the notification", "")
        fix = (" Set it with --base-url, ROUNDZERO_BASE_URL or base_url in config.toml."
               if isinstance(exc, ConfigError) else "")
        self.notify(f"{exc.message.rstrip('.')}.{fix} Showing cached interviews only.",
                    title="Cannot use the API", severity="error", markup=False, timeout=20)

    def _on_api_wait(self, seconds: float, reason: WaitReason) -> None:
        """The client is about to sleep (rate limit, Retry-After, backoff): the main screen
        counts it down. post_message is safe from a worker's loop in another thread too."""
        at = time.monotonic()
        self.main.post_message(ApiWaiting(seconds, reason, at))

    async def verify_key(self, key: str) -> None:
        """One request: 404 = the key works (the id is made up); 401/403 raise."""
        async with self._make_client(key) as api:
            api.max_attempts = 2
            try:
                await api.get_json(KEY_CHECK_PATH)
            except NotFound:
                return

    def action_enter_key(self, reason: str = "") -> None:
        from .screens.key_entry import KeyEntryScreen

        if isinstance(self.screen, KeyEntryScreen):
            return
        self.push_screen(KeyEntryScreen(host_of(self.base_url), self.verify_key, reason=reason),
                         self._key_entered)

    def _key_entered(self, key: str | None) -> None:
        if key:
            self._use_key(key, "session")
            self.run_worker(partial(self._save_key, key), thread=True, exclusive=True,
                            group="keyring-save", exit_on_error=False)
        elif self.ctx.api is None:
            self.notify("No API key: showing cached interviews only. ctrl+k enters a key.",
                        severity="warning", markup=False)

    def _save_key(self, key: str) -> None:
        if self._store_key is not None:
            saver = self._store_key
        else:
            from ..credentials import store_key as saver
        try:
            saver(key)
        except RZError as exc:
            self.post_message(KeySaved(key, exc.message))
            return
        self.post_message(KeySaved(key))

    def on_key_saved(self, message: KeySaved) -> None:
        key = mask_key(message.key)
        if message.error is not None:
            from ..credentials import ENV_KEY

            advice = "" if self._keyring_advice_given else \
                f" It is kept for this session only; set {ENV_KEY} to avoid typing it again."
            self._keyring_advice_given = True  # the advice once, however many keys are typed
            self.notify(f"Key {key} accepted but not saved: {message.error}.{advice}",
                        title="No keyring", severity="warning", markup=False, timeout=12)
            return
        self.ctx.key_source = "keyring"
        self.notify(f"Key {key} verified and saved in the system keyring.", markup=False)

    def key_refused(self, exc: RZError) -> None:
        """An API answer said the key is no good (401) or the subscription is inactive (403):
        a lasting state in the top bar and the status line, polling held until the API
        answers again, and one message per key (401: a dialog offering another key)."""
        if not isinstance(exc, (AuthError, SubscriptionInactive)):
            return
        self.ctx.refusal = exc
        self.main.show_refusal(*refusal_words(exc), hold=True)
        if self._auth_warned:
            return
        self._auth_warned = True
        said = exc.detail.rstrip(".")  # about the key, not about one interview
        if isinstance(exc, SubscriptionInactive):
            self.notify(f"{said}.\nCached interviews stay readable; polling is paused. "
                        "Press R to try again once the subscription is renewed.",
                        title="API subscription inactive", severity="error", markup=False,
                        timeout=20)
            return
        from .screens.error import ErrorScreen

        self.push_screen(ErrorScreen(
            "The API rejected the key",
            f"{said}.\n\nCached interviews stay readable; polling is paused until a key "
            "works. ctrl+k enters a new key at any time.",
            (("key", "Enter another key"),)), self._refused_choice)

    def _refused_choice(self, choice: str | None) -> None:
        if choice == "key":
            self.action_enter_key()

    def on_api_refused(self, message: ApiRefused) -> None:
        self.key_refused(message.error)

    def on_api_accepted(self, _message: ApiAccepted) -> None:
        self.key_works()

    def key_works(self) -> None:
        """The API answered with the current key (or there is a new one): what was refused
        is over, and polling goes on."""
        ctx = self.ctx
        refusal, ctx.refusal = ctx.refusal, None
        if refusal is None or isinstance(refusal, ConfigError):
            ctx.refusal = refusal  # a bad base URL stays bad
            return
        self.main.show_refusal("", "", "")  # and polling goes on

    # -- worker failures: one place --------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if self.return_code is not None or not self.main.is_attached:  # exit() was called
            return  # shutting down: a worker that lost its widgets has nothing to report
        if worker.group == "load" and event.state in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.main.load_finished(failed=event.state == WorkerState.ERROR)
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        if isinstance(error, RZError):
            message = error.message
        else:
            first = str(error).splitlines()[0] if str(error) else ""
            message = f"{type(error).__name__}: {first}"[:200] if first else type(error).__name__
        if isinstance(error, NoMatches) and not self.main.is_mounted:
            return  # the screen went away while it worked
        self.notify(message, title="Error", severity="error", markup=False)

    # -- screens ---------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is self.main:
            # call_later: a command runs whether the palette awaits it or a caller does not
            main = self.main
            yield from main_commands(main.palette_state(),
                                     partial(main.call_later, main.run_action))
