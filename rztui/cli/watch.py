"""``rztui watch``: follow interviews until each one is completed or expired.

Registered by ``rztui.cli`` with ``main.add_command(watch)``. A
:class:`~rztui.live.session.LiveSession` does the work: its poller, and with
``--webhook-listen`` a webhook receiver that pokes it so a change is seen the moment the vendor
reports it. This module only prints the session's news: status changes on stdout; on stderr
where webhooks are received (and the URL to register), and each wait for the rate limit
longer than :data:`WAIT_NOTE` seconds.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from ..api.errors import EXIT_NOT_FOUND, EXIT_USAGE
from ..textsafe import clean_line, json_safe
from .common import fail, handle_errors, interview_id_arg, out, pass_app, read_ids, run_async

if TYPE_CHECKING:  # the live package is imported when watching starts
    from ..live import PollerStats, Transition, WatchResult

EXIT_TIMEOUT = 6
WAIT_NOTE = 2.0  # seconds: a rate-limit wait longer than this is announced on stderr


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_line(data: Any) -> str:
    """One JSON object per line; anything a terminal could act on stays escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
    return json_safe(text)


def transition_record(event: Transition) -> dict[str, Any]:
    iv = event.interview
    return {"at": _iso(event.at), "id": event.interview_id, "old_status": event.old_status,
            "new_status": event.new_status, "candidate": iv.candidate.name or None,
            "job": iv.job.title or None, "answered": len(iv.responses)}


def transition_line(event: Transition) -> str:
    old = clean_line(event.old_status) if event.old_status else "?"
    return (f"{_iso(event.at)}  {clean_line(event.interview_id)}  {old} -> "
            f"{clean_line(event.new_status)}  {clean_line(event.interview.candidate.name)}"
            ).rstrip()


def _collect_ids(values: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(interview_id_arg(r) for r in read_ids(values)))


def _info(message: str) -> None:
    out(f"rztui: {message}", err=True)


class _StderrLog(logging.Handler):
    """The live and webhook packages' warnings (a refused webhook, say) as ``rztui: ...``
    lines on stderr while watching."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _info(clean_line(record.getMessage()))
        except Exception:  # logging must never break the watch
            self.handleError(record)


class WaitNotes:
    """Says on stderr when watching waits for the rate limit: one line per wait longer than
    :data:`WAIT_NOTE` seconds ("rate-limited · retrying in 27 s")."""

    def __init__(self) -> None:
        self._said: tuple[str, int] | None = None

    def line(self, stats: PollerStats) -> str | None:
        w = stats.waiting
        if w is None or not w.rate_limit or not math.isfinite(w.until):
            return None
        if w.seconds(stats.at) <= WAIT_NOTE:
            return None
        key = (w.reason, round(w.until))
        if self._said is not None and self._said[0] == key[0] and abs(self._said[1] - key[1]) <= 1:
            return None  # the same wait, reported again
        self._said = key
        return w.describe(stats.at)


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--all", "all_tracked", is_flag=True,
              help="Watch every tracked interview that can still change.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per change.")
@click.option("--timeout", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Give up after this long (exit 6).")
@click.option("--webhook-listen", metavar="HOST:PORT[/PATH]",
              help="Also receive ROUND0 webhooks here; the path defaults to /webhooks/round0 "
                   "(secret: ROUNDZERO_WEBHOOK_SECRET).")
@pass_app
@handle_errors
def watch(app: Any, ids: tuple[str, ...], all_tracked: bool, as_json: bool,
          timeout: float | None, webhook_listen: str | None) -> None:
    """Follow interviews until each is completed or expired (`-` reads ids from stdin).

    Prints one line per status change: time (UTC), id, old -> new status, candidate ("?" when
    the old status was not known yet). With --json, one JSON object per line instead.
    Interviews already cached as completed/expired need no request at all. A few interviews
    are checked every 30 s (every 10 s around an interview's expected end); many share the
    configured part of the API rate limit (poll_budget, default 50%). Offline periods and
    rate limiting are waited out, and a wait for the rate limit longer than 2 s is said on
    stderr. With --webhook-listen HOST:PORT[/PATH], a signed interview_started/interview_ended
    event makes the change show at once; the URL to register in ROUND0 is printed at start.

    With `rztui --demo watch --all --webhook-listen 127.0.0.1:0` the embedded demo server
    also sends the webhooks (signed with a throwaway secret): the whole loop on one machine.

    \b
    Exit codes:
      0  every interview is completed or expired
      2  usage error (bad id or option, no webhook secret, cannot listen on HOST:PORT)
      3  an interview was not found (the others were still watched)
      4  the API key is missing or rejected (401/403)
      5  other errors (e.g. a broken local store)
      6  --timeout passed first, or an interview is still 'invited' after its expiry
    """
    from ..api.errors import ConfigError
    from ..api.models import TERMINAL_STATUSES

    wanted = _collect_ids(ids)
    store = app.store
    already: set[str] = set()  # tracked before: nothing to write for them
    if all_tracked:
        tracked = store.tracked_ids()
        already = set(tracked)
        if app.demo and not tracked:  # a fresh demo store: the interviews that move
            from ..demo.dataset import LIVE_EXPIRING_ID, LIVE_IDS

            tracked = [*LIVE_IDS, LIVE_EXPIRING_ID]
        wanted = list(dict.fromkeys([*wanted, *tracked]))
    if not wanted:
        fail("nothing to watch: no interviews are tracked" if all_tracked
             else "give interview ids (or - for stdin), or --all", EXIT_USAGE)
    secret = None
    if webhook_listen:
        from ..webhooks import parse_listen_address, require_secret, webhook_secret

        try:
            parse_listen_address(webhook_listen)
            # The demo plays the vendor: without a secret of ours it makes one up.
            secret = webhook_secret() if app.demo else require_secret()
        except ConfigError as exc:
            fail(exc.message, EXIT_USAGE)
    store.track([i for i in wanted if i not in already], source="watch")
    statuses = store.cached_statuses(wanted)  # a query per page of ids, not one per id
    pending = [i for i in wanted if statuses.get(i) not in TERMINAL_STATUSES]
    if not pending:
        _info(f"all {len(wanted)} interview(s) already completed or expired")
        return  # no client, no key, no request
    result = run_async(_watch(app, wanted, pending, as_json=as_json, timeout=timeout,
                              listen=webhook_listen, secret=secret, follow_new=all_tracked))
    not_found = [i for i, why in result.dropped.items() if why == "not_found"]
    stale = [i for i, why in result.dropped.items() if why == "past_expiry"]
    if result.timed_out:
        waiting = ", ".join(f"{clean_line(i)} ({result.statuses.get(i) or 'not fetched'})"
                            for i in result.pending[:5])
        more = f" and {len(result.pending) - 5} more" if len(result.pending) > 5 else ""
        fail(f"timed out after {timeout:g}s; still waiting for {waiting}{more}", EXIT_TIMEOUT)
    if not_found:
        fail(f"not found: {', '.join(clean_line(i) for i in not_found)}", EXIT_NOT_FOUND)
    if stale:
        fail(f"still 'invited' after expiry, no longer polled: "
             f"{', '.join(clean_line(i) for i in stale)}", EXIT_TIMEOUT)


async def _watch(app: Any, wanted: list[str], pending: list[str], *, as_json: bool,
                 timeout: float | None, listen: str | None, secret: str | None,
                 follow_new: bool) -> WatchResult:
    from ..live import Dropped, LiveSession, News, PollerStats, Transition, WebhooksListening
    from ..service import Service

    store = app.store
    demo_server = None
    if app.demo:
        # Like `rztui --demo` for the TUI: an in-process demo server and its key. With
        # --webhook-listen it also plays the vendor and sends signed events to the listener.
        from ..api.client import ApiClient
        from ..demo.dataset import DEMO_KEY
        from ..demo.server import DemoServer

        demo_server = DemoServer(port=0).start()
        api = ApiClient(demo_server.base_url, DEMO_KEY, concurrency=app.settings.concurrency)
    else:
        api = app.client()
    # The poller retries by itself: its waits respect --timeout, keep serving webhook pokes
    # and are announced; a retry inside the client would sleep out a 429 unseen.
    api.max_attempts = 1
    shown = set(wanted)
    bell = bool(getattr(app.settings, "bell", False)) and sys.stdout.isatty()
    session: LiveSession | None = None
    waits = WaitNotes()

    def on_news(news: News) -> None:
        if isinstance(news, Transition):
            if news.interview_id not in shown:
                if not follow_new:
                    return
                shown.add(news.interview_id)
            out(json_line(transition_record(news)) if as_json
                       else transition_line(news))
            sys.stdout.flush()
            if bell:
                click.echo("\a", nl=False, err=True)  # our bell: not text
        elif isinstance(news, Dropped) and news.interview_id in shown:
            _info(f"warning: {news.message}")
        elif isinstance(news, WebhooksListening):
            _info(f"listening for webhooks on {news.url}")
            if not news.demo:
                _info(f"register https://<your public URL>{news.path} in ROUND0")
        elif isinstance(news, PollerStats):
            line = waits.line(news)
            if line:
                _info(line)

    logger = logging.getLogger("rztui")
    handler = _StderrLog(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        # Next to the store: ids of webhook events already acted on (SQLite, 0600).
        seen = app.paths.data_dir / ("demo-webhook-events.db" if app.demo
                                     else "webhook-events.db")
        session = LiveSession(Service(store, api), app.settings, ids=pending,
                              webhook_listen=listen, webhook_secret=secret,
                              seen_path=seen if listen else None,
                              demo_server=demo_server if listen else None)
        session.subscribe(on_news)
        await session.start(until_terminal=pending, timeout=timeout, webhooks_required=True)
        _info(f"watching {len(pending)} interview(s)"
              + (f", {len(wanted) - len(pending)} already final" if len(pending) < len(wanted)
                 else "")
              + f"; about {session.poller.planned_requests_per_minute():.0f} requests/min "
                f"of a {session.poller.budget}/min polling budget")
        result = await session.wait()
        assert result is not None  # until_terminal always has a result
        return result
    finally:
        if session is not None:
            await session.stop()
        await api.aclose()
        if demo_server is not None:
            demo_server.stop()
        logger.removeHandler(handler)
        logger.propagate = propagate
