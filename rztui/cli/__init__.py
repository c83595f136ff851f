"""The command line: `rztui` alone opens the TUI; subcommands are scriptable.

Exit codes (README): 0 ok; 1 unexpected internal error; 2 usage or bad id; 3 not found;
4 auth or permission (401/403, no key); 5 rate-limited, network, server or invalid response.
Errors go to stderr as one line, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from . import __version__
from .api.errors import EXIT_FAILURE, EXIT_USAGE, RZError, exit_code_for, redact
from .api.ids import parse_id, split_ids
from .textsafe import clean_line

T = TypeVar("T")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def dump_json(data: Any) -> str:
    """JSON for stdout: readable UTF-8, but anything a terminal could act on stays escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def fail(message: str, code: int) -> None:
    click.echo(f"rztui: error: {redact(message)}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    click.echo(f"rztui: warning: {redact(message)}", err=True)


class AppContext:
    """What every command needs, built lazily so `rztui paths` never touches the keyring."""

    def __init__(self, base_url: str | None, demo: bool) -> None:
        from .config import Paths, Settings

        self.paths = Paths.resolve()
        self.settings = Settings.load(self.paths.config_file)
        self.base_url_override = base_url
        self.demo = demo
        self.webhook_listen: str | None = None  # the app's --webhook-listen HOST:PORT
        self._store = None

    @property
    def base_url(self) -> str:
        return (
            self.base_url_override or os.environ.get("ROUNDZERO_BASE_URL") or self.settings.base_url
        )

    @property
    def audio_dir(self):
        """Where archived audio goes; the demo's never mixes with real candidates' either."""
        if self.demo:
            return self.paths.data_dir / "demo-audio"
        return self.paths.audio_dir

    @property
    def store(self):
        if self._store is None:
            from .store import Store

            path = self.paths.store_file
            if self.demo:
                path = path.with_name("demo.db")  # demo data never mixes with real candidates
            self._store = Store(path)
            for w in self._store.warnings:
                warn(w)
            if self.settings.retention_days is not None and not self.demo:
                self._store.purge(older_than_days=self.settings.retention_days)
        return self._store

    def key(self, *, required: bool = True) -> str | None:
        from .credentials import find_key

        key, _ = find_key()
        if key is None and required:
            from .api.errors import CredentialsError

            raise CredentialsError(
                "no API key: run `rztui login`, or set ROUNDZERO_API_KEY in the environment"
            )
        return key

    def client(self, key: str | None = None):
        from .api.client import ApiClient

        return ApiClient(
            self.base_url, key or self.key() or "", concurrency=self.settings.concurrency
        )


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def handle_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn every failure into one line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except RZError as exc:
            fail(exc.message, exit_code_for(exc))
        except KeyboardInterrupt:
            click.echo("rztui: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # `rztui ... | head`: the reader left, nothing to report
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # last resort: still one line, never a traceback
            fail(f"internal error ({type(exc).__name__}: {exc})", 1)
        raise AssertionError("unreachable")

    return wrapper


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url", envvar="ROUNDZERO_BASE_URL", help="API origin (env ROUNDZERO_BASE_URL)."
)
@click.option("--demo", is_flag=True, help="Run against the embedded demo server and sample data.")
@click.option("--webhook-listen", metavar="HOST:PORT",
              help="The app also receives ROUND0 webhooks here (secret: "
                   "ROUNDZERO_WEBHOOK_SECRET or the keyring); --demo always listens on loopback.")
@click.version_option(__version__, prog_name="rztui")
@click.pass_context
def main(ctx: click.Context, base_url: str | None, demo: bool,
         webhook_listen: str | None) -> None:
    """rztui: browse ROUND0 interview results in the terminal.

    With no command, opens the interactive app.
    """
    try:
        ctx.obj = AppContext(base_url, demo)
    except RZError as exc:
        fail(exc.message, exit_code_for(exc))
    if webhook_listen:
        if ctx.invoked_subcommand is not None:
            warn("--webhook-listen before a command is for the app; "
                 "use `rztui watch --webhook-listen HOST:PORT`")
        else:
            from .webhooks import parse_listen

            try:
                parse_listen(webhook_listen)  # a typo is a usage error, not a toast
            except RZError as exc:
                fail(exc.message, EXIT_USAGE)
            ctx.obj.webhook_listen = webhook_listen
    if ctx.invoked_subcommand is None:
        _open_tui(ctx.obj)


@handle_errors
def _open_tui(app_ctx: AppContext) -> None:
    from .tui.launch import launch

    launch(app_ctx)


pass_app = click.make_pass_decorator(AppContext)


def interview_id_arg(value: str) -> str:
    try:
        return parse_id(value)
    except RZError as exc:
        fail(exc.message, EXIT_USAGE)
        raise


@main.command()
@pass_app
def paths(app: AppContext) -> None:
    """Print where config, data and cache live."""
    p = app.paths
    click.echo(f"config file   {p.config_file}")
    click.echo(f"data dir      {p.data_dir}")
    click.echo(f"store         {p.store_file}")
    click.echo(f"demo store    {p.store_file.with_name('demo.db')}")
    click.echo(f"audio archive {app.audio_dir}")
    click.echo(f"cache dir     {p.cache_dir}")
    click.echo(f"base URL      {app.base_url}")


@main.command()
@click.argument("interview")
@click.option("--json", "as_json", is_flag=True, help="The interview as the API returned it.")
@click.option("--refresh", is_flag=True, help="Fetch again even if a final copy is cached.")
@pass_app
@handle_errors
def get(app: AppContext, interview: str, as_json: bool, refresh: bool) -> None:
    """Show one interview (served from the local store once completed)."""
    from .formats import format_text
    from .service import Service

    iid = interview_id_arg(interview)

    async def go():
        api = None if (not refresh and app.store.is_final(iid)) else app.client()
        try:
            return await Service(app.store, api).interview(iid, refresh=refresh)
        finally:
            if api is not None:
                await api.aclose()

    iv = run_async(go())
    click.echo(dump_json(iv.raw) if as_json else format_text(iv).rstrip("\n"))


@main.command()
@click.argument("interview")
@click.option("--json", "as_json", is_flag=True, help="The questions as the API returned them.")
@click.option("--refresh", is_flag=True, help="Fetch again even if cached.")
@pass_app
@handle_errors
def questions(app: AppContext, interview: str, as_json: bool, refresh: bool) -> None:
    """List the questions of an interview, in order."""
    from .formats import human_duration
    from .service import Service

    iid = interview_id_arg(interview)

    async def go():
        cached = None if refresh else app.store.get_questions(iid)
        if cached is not None:
            return cached
        async with app.client() as api:
            return await Service(app.store, api).questions(iid, refresh=True)

    qs = run_async(go())
    if as_json:
        click.echo(dump_json(qs.raw))
        return
    for q in qs.questions:
        order = "?" if q.order is None else f"{q.order:g}"
        custom = " custom" if q.is_custom else ""
        limit = human_duration(q.time_limit_seconds)
        qtype = clean_line(q.question_type or "-")
        click.echo(f"{order:>3}  [{qtype}{custom}, {limit}]  {clean_line(q.question_text)}")
    listed = len(qs.questions)
    total = qs.total_questions if qs.total_questions is not None else listed
    shown = f"{listed} listed of {total}" if total != listed else f"{listed} questions"
    click.echo(f"{shown}, estimated {human_duration(qs.estimated_duration_seconds)}")


def read_ids(values: tuple[str, ...]) -> list[str]:
    raw: list[str] = []
    for v in values:
        if v == "-":
            raw.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            raw.extend(split_ids(v))
    return raw


@main.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--label", help="A label to remember these by.")
@click.option("--no-fetch", is_flag=True, help="Only track; fetch later.")
@pass_app
@handle_errors
def add(app: AppContext, ids: tuple[str, ...], label: str | None, no_fetch: bool) -> None:
    """Track interviews by id or pasted URL (`-` reads ids from stdin, one per line)."""
    from .api.errors import NetworkError, NotFound
    from .service import Service

    good: list[str] = []
    worst = 0
    for raw in read_ids(ids):
        try:
            good.append(parse_id(raw))
        except RZError as exc:
            warn(exc.message)
            worst = EXIT_USAGE
    good = list(dict.fromkeys(good))
    if not good:
        fail("no valid interview ids given", EXIT_USAGE)
    added = app.store.track(good, label=label)
    if not no_fetch:

        async def go():
            async with app.client() as api:
                return await Service(app.store, api).interviews(good)

        for iid, result in run_async(go()).items():
            if isinstance(result, NotFound):
                app.store.untrack([iid])  # a typo should not stay tracked forever
                if iid in added:
                    added.remove(iid)
                warn(result.message + "; not tracked")
                worst = max(worst, result.exit_code)
            elif isinstance(result, NetworkError):
                warn(result.message + "; tracked, will fetch later")
            elif isinstance(result, RZError):
                warn(result.message)
                worst = max(worst, result.exit_code)
    click.echo(
        f"tracking {len(added)} new interview(s), {len(good) - len(added)} already tracked"
        if added or good
        else "nothing to add"
    )
    sys.exit(worst)


@main.command()
@click.argument("ids", nargs=-1, required=True)
@pass_app
@handle_errors
def remove(app: AppContext, ids: tuple[str, ...]) -> None:
    """Stop tracking interviews and delete their cached data."""
    wanted = [interview_id_arg(i) for i in read_ids(ids)]
    n = app.store.untrack(wanted)
    click.echo(f"removed {n} interview(s)")
    if n < len(set(wanted)):
        warn(f"{len(set(wanted)) - n} id(s) were not tracked")


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per tracked interview.")
@pass_app
@handle_errors
def list_cmd(app: AppContext, as_json: bool) -> None:
    """List tracked interviews with their last known status."""
    rows = app.store.list_rows()
    if as_json:
        click.echo(
            dump_json(
                [
                    {
                        "id": r.id,
                        "status": r.status,
                        "candidate": r.candidate_name or None,
                        "email": r.candidate_email or None,
                        "job": r.job_title or None,
                        "answered": r.answered,
                        "created_at": r.created_at,
                        "started_at": r.started_at,
                        "completed_at": r.completed_at,
                        "expires_at": r.expires_at,
                        "added_at": r.added_at,
                        "fetched_at": r.fetched_at,
                    }
                    for r in rows
                ]
            )
        )
        return
    for r in rows:
        status = clean_line(r.status or "not fetched")
        click.echo(
            f"{clean_line(r.id):<40} {status:<12} {clean_line(r.candidate_name)[:28]:<28} "
            f"{clean_line(r.job_title)[:30]}".rstrip()
        )


@main.command(name="demo-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--latency-ms", default=0.0, type=float, help="Added latency per request.")
@click.option("--rate-limit", default=100, type=int, show_default=True, help="Requests/minute.")
@click.option("--error-rate", default=0.0, type=float, help="Share of requests that get a 500.")
@click.option(
    "--speed", default=1.0, type=float, show_default=True, help="How fast live interviews progress."
)
def demo_server(
    host: str, port: int, latency_ms: float, rate_limit: int, error_rate: float, speed: float
) -> None:
    """Run the demo API server in the foreground."""
    from .demo.server import main_foreground

    try:
        main_foreground(
            host=host,
            port=port,
            latency_ms=latency_ms,
            rate_limit=rate_limit,
            speed=speed,
            error_rate=error_rate,
        )
    except OSError as exc:
        fail(f"cannot start the demo server: {exc}", EXIT_FAILURE)
    except KeyboardInterrupt:
        pass


@main.command()
@pass_app
@handle_errors
def login(app: AppContext) -> None:
    """Store the API key in the system keyring (asked with a hidden prompt)."""
    from .credentials import mask_key, store_key

    key = click.prompt("ROUND0 API key", hide_input=True).strip()
    if not key:
        fail("no key given", EXIT_USAGE)

    async def verify():
        async with app.client(key) as api:
            from .api.errors import NotFound

            try:  # any id will do: a 404 proves the key was accepted
                await api.get_json("/api/v1/interviews/rztui-key-check")
            except NotFound:
                pass

    run_async(verify())
    store_key(key)
    click.echo(f"key {mask_key(key)} verified and stored in the system keyring")


@main.command()
@pass_app
@handle_errors
def logout(app: AppContext) -> None:
    """Remove the API key from the system keyring."""
    from .credentials import delete_key

    click.echo("key removed from the keyring" if delete_key() else "no key was stored")


# Commands that live in their own modules (they import from this one, so register last).
from .cli_export import COMMANDS as _EXPORT_COMMANDS  # noqa: E402

for _command in _EXPORT_COMMANDS:
    main.add_command(_command)

from .cli_search import COMMANDS as _SEARCH_COMMANDS  # noqa: E402
from .cli_watch import watch  # noqa: E402

main.add_command(watch)
for _command in _SEARCH_COMMANDS:
    main.add_command(_command)
