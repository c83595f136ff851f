"""What every command module shares: the context, one-line errors, JSON out, ids in.

Exit codes (README): 0 ok; 1 unexpected internal error; 2 usage or bad id; 3 not found;
4 auth or permission (401/403, no key); 5 rate-limited, network, server or invalid response.
Errors go to stderr as one line, never a traceback.

Command modules import from here only; :mod:`rztui.cli` imports them, never the other way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, NoReturn, TypeVar

from ..api.errors import EXIT_USAGE, ConfigError, RZError, exit_code_for, redact
from ..api.ids import looks_like_id, parse_id, split_ids
from ..textsafe import clean, clean_line, json_safe

if TYPE_CHECKING:
    from ..api.client import ApiClient
    from ..config import Settings
    from ..service import Service
    from ..store import MigrationProgress, Store

T = TypeVar("T")


# --------------------------------------------------------------------------- output


def dump_json(data: Any) -> str:
    """JSON for stdout: readable UTF-8, but anything a terminal could act on stays escaped."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


class Styled(NamedTuple):
    """A piece of :func:`out`'s text in a style (``click.style``'s keywords), applied after
    the text is cleaned: our styles reach the terminal, the text's own escapes never do."""

    text: str
    style: dict[str, Any]


def styled(text: str, **style: Any) -> Styled:
    return Styled(text, style)


def out(*parts: str | Styled, err: bool = False, nl: bool = True,
        file: IO[str] | None = None) -> None:
    """The one way a command prints text (stdout, or stderr with ``err``).

    Every part goes through :func:`rztui.textsafe.clean`: whatever the text holds (a note, a
    transcript, an argument quoted back), no escape sequence, C0/C1 control or bidi control
    reaches the terminal; newlines and tabs stay. JSON (:func:`dump_json`) is already inert, so
    it passes unchanged. click is imported here, when there is something to say: ``rztui``
    alone opens the app without loading it (start-up time).
    """
    import click

    text = "".join(
        click.style(clean(part.text), **part.style) if isinstance(part, Styled) else clean(part)
        for part in parts
    )
    click.echo(text, err=err, nl=nl, file=file)


def _echo(message: str, file: IO[str] | None = None) -> None:
    """One line to stderr (or ``file``)."""
    out(message, err=True, file=file)


def fail(message: str, code: int) -> NoReturn:
    _echo(f"rztui: error: {redact(message)}")
    sys.exit(code)


def warn(message: str) -> None:
    _echo(f"rztui: warning: {redact(message)}")


def note(message: str) -> None:
    """A remark on stderr (summaries, hints): not a warning, not data."""
    _echo(f"rztui: {clean_line(message)}")


def error_line(exc: RZError) -> None:
    """One failure, named, without exiting (the command carries on with the rest)."""
    _echo(f"rztui: error: {exc.message}")


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """``fetching 12/40 [#####     ]`` on stderr, only when stderr is a terminal.

    Redrawn at most ~10 times a second and erased when done, so nothing is left behind between
    the prompt and the data.
    """

    def __init__(self, label: str, total: int, *, stream: IO[str] | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = total > 1 and isatty(self.stream)
        self._last = 0.0
        self._shown = False

    def update(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        total = total or self.total
        if done >= total:
            self.close()  # erased before any data can follow on the same terminal
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        width = 24
        filled = width * done // max(total, 1)
        bar = "#" * filled + " " * (width - filled)
        self.stream.write(f"\r{self.label} {done}/{total} [{bar}]")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[2K")  # we only get here on a terminal
            self.stream.flush()
            self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class UpgradeNotice:
    """What the CLI says while the store is upgraded (once, at open, after an update of
    rztui): a line before, a bar on a terminal meanwhile, a line when it is done."""

    def __init__(self, *, stream: IO[str] | None = None) -> None:
        self.stream = stream
        self.bar: Progress | None = None

    def __call__(self, progress: MigrationProgress) -> None:
        n = progress.interviews
        if self.bar is None and not progress.finished:
            _echo(f"rztui: Upgrading the store at {clean_line(str(progress.path))} "
                  f"(one time, {n} interview{'' if n == 1 else 's'})…", self.stream)
            self.bar = Progress("upgrading", max(n, 2), stream=self.stream)
        if progress.finished:
            if self.bar is not None:
                self.bar.close()
            self.bar = None
            _echo(f"rztui: store upgraded in {progress.seconds:.1f} s", self.stream)
        elif self.bar is not None:
            self.bar.update(round(progress.fraction * max(n, 2)))


# --------------------------------------------------------------------------- context


class AppContext:
    """What every command needs, built lazily so `rztui paths` never touches the keyring and
    `rztui config` works even when the config file does not parse."""

    def __init__(self, base_url: str | None, demo: bool) -> None:
        from ..config import Paths

        self.paths = Paths.resolve()
        self.base_url_override = base_url
        self.demo = demo
        self.webhook_listen: str | None = None  # the app's --webhook-listen HOST:PORT
        self._store: Store | None = None
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The config file's settings; each ignored setting is named once, on stderr.

        Raises ConfigError (exit 2) when the file is not TOML at all.
        """
        if self._settings is None:
            from ..config import Settings

            self._settings = Settings.load(self.paths.config_file)
            for w in self._settings.warnings:
                warn(w)
        return self._settings

    def base_url_source(self) -> tuple[str, str]:
        """The base URL as configured (not checked) and where it came from."""
        if self.base_url_override:
            return self.base_url_override, "--base-url"
        env = os.environ.get("ROUNDZERO_BASE_URL")
        if env:
            return env, "ROUNDZERO_BASE_URL"
        return self.settings.base_url, f"base_url in {self.paths.config_file}"

    @property
    def base_url(self) -> str:
        """The API origin after --base-url, ROUNDZERO_BASE_URL and the config file, checked:
        a URL with user info, a bad port or control characters is a ConfigError (exit 2)."""
        from ..api.validate import validate_base_url

        raw, source = self.base_url_source()
        try:
            return validate_base_url(raw)
        except ConfigError as exc:
            raise ConfigError(f"{exc.detail} (from {source})") from None

    def check(self) -> None:
        """Read the settings and check the final base URL, before a command does anything.

        Raises ConfigError (exit 2) for a config file that is not TOML or a base URL with
        user info, a bad port or control characters. The demo uses its own server's URL.
        """
        if self.demo:
            _ = self.settings
        else:
            _ = self.base_url

    @property
    def audio_dir(self) -> Path:
        """Where archived audio goes; the demo's never mixes with real candidates' either."""
        if self.demo:
            return self.paths.data_dir / "demo-audio"
        return self.paths.audio_dir

    @property
    def store(self) -> Store:
        if self._store is None:
            from ..store import Store, StoreError

            path = self.paths.store_file
            if self.demo:
                path = path.with_name("demo.db")  # demo data never mixes with real candidates
            # on_warning: damage found at open or by any later query is said where it happens.
            self._store = Store(path, on_warning=warn, on_migration=UpgradeNotice())
            retention = self.settings.retention_days
            if retention is not None and not self.demo and not self._store.read_only:
                try:
                    self._store.purge(older_than_days=retention)
                except StoreError as exc:  # busy or full: the command itself may still work
                    warn(f"retention purge skipped: {exc.message}")
        return self._store

    def key(self, *, required: bool = True) -> str | None:
        from ..credentials import find_key

        key, _ = find_key()
        if key is None and required:
            from ..api.errors import CredentialsError

            raise CredentialsError(
                "no API key: run `rztui login`, or set ROUNDZERO_API_KEY in the environment"
            )
        return key

    def client(self, key: str | None = None) -> ApiClient:
        from ..api.client import ApiClient

        return ApiClient(
            self.base_url, key or self.key() or "", concurrency=self.settings.concurrency,
            max_retry_wait=self.settings.max_rate_limit_wait,
        )


OFFLINE_COMMANDS = frozenset({"paths", "config", "completion", "demo-server", "logout", "import",
                              "rate", "note", "shortlist"})
"""Commands that never talk to the API: they run even when the base URL or the config file is
wrong (`rztui config` and `rztui paths` are how one finds out why)."""


def pass_app(fn: Callable[..., T]) -> Callable[..., T]:
    """Pass the :class:`AppContext` as the first argument, after :meth:`AppContext.check`
    (unless the command is one of :data:`OFFLINE_COMMANDS`): every command that may send a
    request refuses a bad base URL (exit 2) before it reads input or asks for anything."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        import click

        ctx = click.get_current_context()
        app = ctx.find_object(AppContext)
        if app is None:
            raise RuntimeError("rztui commands run under the rztui group")
        if ctx.command.name not in OFFLINE_COMMANDS:
            try:
                app.check()
            except RZError as exc:
                fail(exc.message, exit_code_for(exc))
        return ctx.invoke(fn, app, *args, **kwargs)

    return wrapper


@contextlib.asynccontextmanager
async def open_service(
    app: AppContext, *, need_key: bool, offline: bool = False
) -> AsyncIterator[Service]:
    """A Service over the store; with an API client when there is a key.

    ``need_key``: raise (exit 4) without one. Otherwise a missing key leaves ``api`` None and
    only cached final interviews can be served. ``offline``: no client, and the key is not
    even looked up (the keyring can take half a second).
    """
    from ..service import Service

    key = None if offline else app.key(required=need_key)
    api = app.client(key) if key else None
    try:
        yield Service(app.store, api)
    finally:
        if api is not None:
            await api.aclose()


def needs_api(app: AppContext, ids: Sequence[str], refresh: bool) -> bool:
    """Whether serving ``ids`` takes a request (not every one is cached as final): one query
    per page of ids."""
    from ..api.models import TERMINAL_STATUSES
    from ..store.db import PAGE_SIZE

    if refresh:
        return True
    for start in range(0, len(ids), PAGE_SIZE):
        parsed: list[str] = []
        for raw in ids[start:start + PAGE_SIZE]:
            try:
                parsed.append(parse_id(raw))
            except RZError:
                continue  # reported as a bad id later
        statuses = app.store.cached_statuses(parsed)
        if any(statuses.get(iid) not in TERMINAL_STATUSES for iid in parsed):
            return True
    return False


def cached_first(
    app: AppContext, ids: Sequence[str], refresh: bool, *, need_key: bool = True
) -> contextlib.AbstractAsyncContextManager[Service]:
    """:func:`open_service` for serving ``ids`` cache first: with an API client only when one
    of them takes a request (then, with ``need_key``, no key is an error, exit 4)."""
    fetching = needs_api(app, ids, refresh)
    return open_service(app, need_key=need_key and fetching, offline=not fetching)


def refresh_option(fn: Callable[..., T]) -> Callable[..., T]:
    """``--refresh``, for the commands that serve completed interviews from the store."""
    import click

    return click.option(
        "--refresh", is_flag=True, help="Fetch again even if a final copy is cached."
    )(fn)


# --------------------------------------------------------------------------- running


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _is_click_exit(exc: Exception) -> bool:
    """click's own exits (``--help``, usage errors) pass through; without click loaded there
    can be none."""
    click = sys.modules.get("click")
    return click is not None and isinstance(exc, click.exceptions.Exit | click.ClickException)


def handle_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn every failure into one line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except RZError as exc:
            fail(exc.message, exit_code_for(exc))
        except KeyboardInterrupt:
            _echo("rztui: interrupted")
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # `rztui ... | head`: the reader left, nothing to report
            sys.exit(0)
        except SystemExit:
            raise
        except Exception as exc:  # last resort: still one line, never a traceback
            if _is_click_exit(exc):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc})", 1)

    return wrapper


@handle_errors
def open_tui(app_ctx: AppContext) -> None:
    """The interactive app (``rztui`` alone, ``rztui --demo``)."""
    from ..tui.launch import launch

    launch(app_ctx)


# --------------------------------------------------------------------------- ids in


def interview_id_arg(value: str) -> str:
    try:
        return parse_id(value)
    except RZError as exc:
        fail(exc.message, EXIT_USAGE)


def read_ids(values: tuple[str, ...]) -> list[str]:
    """The ids (or URLs) given; ``-`` reads them from stdin, one per line.

    A stdin line that is not UTF-8 is named (by line number) on stderr and skipped; the others
    are still used.
    """
    raw: list[str] = []
    for v in values:
        if v == "-":
            raw.extend(_stdin_ids())
        else:
            raw.extend(split_ids(v))
    return raw


def _stdin_ids() -> list[str]:
    binary: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
    if binary is None:  # a text-only stream (embedding): it decodes itself
        return [line.strip() for line in sys.stdin if line.strip()]
    out: list[str] = []
    for number, line in enumerate(binary, start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            warn(f"stdin line {number} is not valid UTF-8: skipped")
            continue
        if text.strip():
            out.append(text.strip())
    return out


def warn_unlikely_ids(values: Sequence[str]) -> None:
    """A warning for each id that parses but does not look like one (it is still tried)."""
    for raw in values:
        try:
            iid = parse_id(raw)
        except RZError:
            continue  # refused with its own message later
        if not looks_like_id(iid):
            shown = clean_line(iid)
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            warn(f"{shown!r} does not look like an interview id (8-4-4-4-12 letters and "
                 "digits); trying it anyway")
