"""Commands on single interviews and the tracked list: get, questions, transcript, add, remove,
list. Thin: parse, call :class:`rztui.service.Service` or the store, print.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from json.encoder import encode_basestring
from typing import IO, TYPE_CHECKING, Any, Protocol, cast

import click

from ..api.errors import EXIT_USAGE, NetworkError, RZError
from ..api.ids import parse_id
from ..store.list_columns import CLI_COLUMNS
from ..store.listrow import FIELDS
from ..textsafe import clean_line, json_safe
from .common import (
    AppContext,
    Progress,
    cached_first,
    dump_json,
    fail,
    handle_errors,
    interview_id_arg,
    isatty,
    note,
    out,
    pass_app,
    read_ids,
    refresh_option,
    run_async,
    warn,
    warn_unlikely_ids,
)

if TYPE_CHECKING:
    from ..api.models import Interview, QuestionSet
    from ..service import AddResult, Service
    from ..store import ListRow

TRANSCRIPT_FORMATS = ("text", "ats", "markdown", "json")
WAIT_NOTE = 2.0  # seconds: a wait for the rate limit longer than this is said on stderr


def say_not_cached(svc: Service) -> None:
    """One stderr line per interview the API answered but the (read-only) store could not
    keep: it is shown all the same, and will be asked for again next time."""
    for iid, exc in svc.not_cached.items():
        note(f"interview {clean_line(iid)[:80]}: not cached ({exc.message}); shown from the "
             "API's answer")


@click.command()
@click.argument("interview")
@click.option("--json", "as_json", is_flag=True, help="The interview as the API returned it.")
@refresh_option
@pass_app
@handle_errors
def get(app: AppContext, interview: str, as_json: bool, refresh: bool) -> None:
    """Show one interview (served from the local store once completed).

    It is not tracked by this: `add` does that. `list` and `search` cover tracked interviews
    only.
    """
    from ..formats import format_text
    from ..service import Service

    iid = interview_id_arg(interview)

    async def go() -> Interview:
        api = None if (not refresh and app.store.is_final(iid)) else app.client()
        if api is not None:
            AddProgress(1).wire(api)  # a wait for the rate limit over 2 s: one stderr line
        svc = Service(app.store, api)
        try:
            return await svc.interview(iid, refresh=refresh)
        finally:
            say_not_cached(svc)
            if api is not None:
                await api.aclose()

    iv = run_async(go())
    out(dump_json(iv.raw) if as_json else format_text(iv).rstrip("\n"))


@click.command()
@click.argument("interview")
@click.option("--json", "as_json", is_flag=True, help="The questions as the API returned them.")
@click.option("--refresh", is_flag=True, help="Fetch again even if cached.")
@pass_app
@handle_errors
def questions(app: AppContext, interview: str, as_json: bool, refresh: bool) -> None:
    """List the questions of an interview, in order."""
    from ..formats import human_duration
    from ..service import Service

    iid = interview_id_arg(interview)

    async def go() -> QuestionSet:
        cached = None if refresh else app.store.get_questions(iid)
        if cached is not None:
            return cached
        async with app.client() as api:
            return await Service(app.store, api).questions(iid, refresh=True)

    qs = run_async(go())
    if as_json:
        out(dump_json(qs.raw))
        return
    # Numbered like `get` (Q1, Q2, ...); the API's own `order` (it has gaps) is shown apart.
    width = len(f"Q{len(qs.questions)}.")
    for number, q in enumerate(qs.questions, start=1):
        order = "?" if q.order is None else f"{q.order:g}"
        custom = " custom" if q.is_custom else ""
        limit = human_duration(q.time_limit_seconds)
        qtype = clean_line(q.question_type or "-")
        out(f"{f'Q{number}.':<{width}}  order {order:<3}  [{qtype}{custom}, {limit}]  "
                   f"{clean_line(q.question_text)}")
    listed = len(qs.questions)
    total = qs.total_questions if qs.total_questions is not None else listed
    shown = f"{listed} listed of {total}" if total != listed else f"{listed} questions"
    out(f"{shown}, estimated {human_duration(qs.estimated_duration_seconds)}")


@click.command()
@click.argument("interview")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(TRANSCRIPT_FORMATS), default="text",
    show_default=True,
    help="text: readable; ats: the spec's formatTranscripts; markdown; json: the API's JSON.",
)
@refresh_option
@pass_app
@handle_errors
def transcript(app: AppContext, interview: str, fmt: str, refresh: bool) -> None:
    """Print one interview's transcript to stdout (pipe-friendly).

    Terminal control characters from the API never reach the output: text, markdown and ats
    are cleaned, json keeps the data exact with anything risky \\u-escaped.
    """
    from ..formats import format_ats, render

    iid = interview_id_arg(interview)

    async def go() -> Interview:
        async with cached_first(app, [iid], refresh) as svc:
            try:
                return await svc.interview(iid, refresh=refresh)
            finally:
                say_not_cached(svc)

    iv = run_async(go())
    if fmt == "json":
        text = dump_json(iv.raw) + "\n"
    elif fmt == "ats":
        # The spec's format exactly; cleaned like the others, since it goes to a terminal or a
        # text field. `--format json` is the way to get the API's bytes unchanged.
        text = format_ats(iv, safe=True)
        if not iv.responses:
            warn(f"interview {clean_line(iv.id)} has no responses (status "
                 f"{clean_line(iv.status)})")
    else:
        text = render(fmt, iv, safe=True)
    out(text, nl=False)


class AddProgress:
    """What ``rztui add`` shows while fetching: a progress bar on a terminal's stderr, a line
    when the API client waits for the rate limit (its ``on_wait`` hook, when it has one), and
    the figures for the closing summary."""

    def __init__(self, total: int, *, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bar = Progress("fetching", total, stream=stream)
        self.total = total
        self.done = 0
        self.waited = 0.0
        self._clock = clock
        self._started = clock()
        self._wait_until = -math.inf  # the end of the last wait announced

    def on_done(self, _iid: str, _value: object) -> None:
        self.done += 1
        self.bar.update(self.done)

    def on_wait(self, seconds: float, reason: str) -> None:
        """The client waits ``seconds`` before a request (several requests in flight may each
        say so for the same wait: one line)."""
        from ..live.events import Waiting

        now = self._clock()
        until = now + max(0.0, seconds)
        if until <= self._wait_until + 1.0:
            return
        wait = Waiting.client(until, reason)
        if wait.rate_limit:  # the summary's "waited N s for the rate limit"
            self.waited += max(0.0, until - max(now, self._wait_until))
        self._wait_until = until
        if seconds > WAIT_NOTE:
            self.bar.close()  # the bar is redrawn by the next result
            note(wait.describe(now))

    def wire(self, api: object) -> None:
        """Listen to the client's waits, if it reports them."""
        if hasattr(api, "on_wait"):
            cast(_WaitHookHolder, api).on_wait = self.on_wait

    def summary(self, result: AddResult) -> str:
        took = self._clock() - self._started
        parts = [f"fetched {len(result.fetched)} of {len(result.ids)} interview(s) "
                 f"in {took:.1f} s"]
        problems = []
        if result.not_found:
            problems.append(f"{len(result.not_found)} not found")
        if result.failed:
            problems.append(f"{len(result.failed)} failed")
        if result.invalid:
            problems.append(f"{len(result.invalid)} invalid")
        if problems:
            parts.append(", ".join(problems))
        if self.waited >= 1.0:
            # To the millisecond first: a 30 s wait adds up to 30.000000000000004 at some clocks.
            parts.append(f"waited {math.ceil(round(self.waited, 3))} s for the rate limit")
        return "; ".join(parts)

    def close(self) -> None:
        self.bar.close()


class _WaitHookHolder(Protocol):
    on_wait: Callable[[float, str], None] | None


def _valid_count(raw: list[str]) -> int:
    ids: set[str] = set()
    for value in raw:
        try:
            ids.add(parse_id(value))
        except RZError:
            continue
    return len(ids)


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--label", help="A label to remember these by.")
@click.option("--no-fetch", is_flag=True, help="Only track; fetch later.")
@pass_app
@handle_errors
def add(app: AppContext, ids: tuple[str, ...], label: str | None, no_fetch: bool) -> None:
    """Track interviews by id or pasted URL (`-` reads ids from stdin, one per line).

    Each one is fetched (a progress bar on a terminal; a line whenever the API's rate limit
    makes it wait), ending with a one-line summary on stderr.
    """
    from ..service import Service

    wanted = read_ids(ids)
    warn_unlikely_ids(wanted)
    # Looked up first, used after tracking: without a key the ids are still tracked.
    key = None if no_fetch else app.key(required=False)
    progress = AddProgress(_valid_count(wanted))

    async def go() -> AddResult:
        api = app.client(key) if key else None
        if api is not None:
            progress.wire(api)
        try:
            return await Service(app.store, api).add(wanted, label=label, fetch=not no_fetch,
                                                     on_done=progress.on_done)
        finally:
            if api is not None:
                await api.aclose()

    try:
        result = run_async(go())
    finally:
        progress.close()
    for exc in result.invalid.values():
        warn(exc.message)
    if not result.ids:
        fail("no valid interview ids given", EXIT_USAGE)
    if not no_fetch and key is None:
        app.key()  # tracked; now the one-line "no API key" error (exit 4)
    for exc in result.not_found.values():
        warn(exc.message + "; not tracked")  # a typo should not stay tracked forever
    for exc in result.failed.values():
        later = "; tracked, will fetch later" if isinstance(exc, NetworkError) else ""
        warn(exc.message + later)
    out(f"tracking {len(result.new)} new interview(s), "
               f"{len(result.already)} already tracked")
    if not no_fetch:
        note(progress.summary(result))
    sys.exit(result.exit_code)


@click.command()
@click.argument("ids", nargs=-1, required=True)
@pass_app
@handle_errors
def remove(app: AppContext, ids: tuple[str, ...]) -> None:
    """Stop tracking interviews and delete their cached data."""
    wanted = [interview_id_arg(i) for i in read_ids(ids)]
    n = app.store.untrack(wanted)
    out(f"removed {n} interview(s)")
    if n < len(set(wanted)):
        warn(f"{len(set(wanted)) - n} id(s) were not tracked")


#: (header, width) of each column `list` prints: from rztui.store.list_columns.COLUMNS.
LIST_COLUMNS = tuple((column.header, column.width) for _, column in CLI_COLUMNS)
_LIST_CELLS = tuple((column.text, column.width, column.cut) for _, column in CLI_COLUMNS)
#: (key, field, how) of each value `list --json` writes: ListRow's fields with a ``json`` key.
_LIST_JSON = tuple((source.json, name, source.kind) for name, source in FIELDS
                   if source.json is not None)


_ISO_UTC = re.compile(r"([1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,6})?(Z|\+00:00)")
_YEAR_10000 = 253402300800  # time.gmtime's %Y is exact for 1970 ... 9999


def _iso_time(value: str | float | None) -> str | None:
    """A stored time (ISO text from the API, or Unix seconds) as ``2024-01-16T14:33:25Z``,
    like every other JSON output; text that does not parse is passed on as it is."""
    if value is None or value == "":
        return None
    # Fast paths first (list --json of 100,000 rows): each gives exactly what the general
    # path below gives, for the forms the store holds.
    if isinstance(value, int | float):
        whole = math.floor(value)
        # Unless datetime's rounding to microseconds would carry into the next second.
        if 0 <= whole < _YEAR_10000 and value - whole < 0.999999:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(whole))
    else:
        utc = _ISO_UTC.fullmatch(value)
        if utc is not None:
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            return utc.group(1) + "Z"
    return _iso_time_parsed(value)


def _iso_time_parsed(value: str | float) -> str:
    from datetime import UTC

    from ..formats import iso_utc

    if isinstance(value, int | float):
        return iso_utc(datetime.fromtimestamp(value, UTC))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso_utc(parsed)


_JSON_KINDS: dict[str, Callable[[Any], object]] = {
    "value": lambda value: value, "text": lambda value: value or None, "time": _iso_time,
    "flag": bool,
}


def _list_json(row: ListRow) -> dict[str, object]:
    """A row as `list --json` writes it: each ListRow field with a ``json`` key, in order."""
    return {key: _JSON_KINDS[kind](getattr(row, name)) for key, name, kind in _LIST_JSON}


def _json_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _list_json_element(row: ListRow) -> str:
    """One ``list --json`` object as an array element: the text json.dumps(list, indent=2)
    gives for it (keys are plain ASCII), without its pure-Python encoder."""
    text = "{" + ",".join(
        f'\n    "{key}": {_json_value(value)}' for key, value in _list_json(row).items()
    ) + "\n  }"
    return json_safe(text)


def _list_line(row: ListRow) -> str:
    return " ".join([f"{text(row)[:width] if cut else text(row):<{width}}"
                     for text, width, cut in _LIST_CELLS]).rstrip()


def _echo_chunks(pieces: Iterator[str], every: int = 256) -> None:
    """Write ``pieces`` to stdout a few hundred at a time (one write per line is slow)."""
    chunk: list[str] = []
    for piece in pieces:
        chunk.append(piece)
        if len(chunk) >= every:
            out("".join(chunk), nl=False)
            chunk.clear()
    if chunk:
        out("".join(chunk), nl=False)


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True,
              help="A JSON array: one object per tracked interview.")
@click.option("--shortlisted", is_flag=True, help="Only the interviews on the shortlist.")
@pass_app
@handle_errors
def list_cmd(app: AppContext, as_json: bool, shortlisted: bool) -> None:
    """List tracked interviews with their last known status, your rating and the shortlist.

    On a terminal with a header row; piped, data lines only. --json times are ISO 8601 UTC.
    """
    # Streamed from the store a page at a time: any number of interviews in flat memory.
    rows = app.store.iter_list_rows()
    if shortlisted:
        rows = (r for r in rows if r.shortlisted)
    if as_json:
        # The same text as dump_json(list) would give, one element at a time.
        def elements() -> Iterator[str]:
            first = True
            for row in rows:
                yield ("[" if first else ",") + "\n  " + _list_json_element(row)
                first = False
            yield "[]\n" if first else "\n]\n"

        _echo_chunks(elements())
        return
    first = next(rows, None)
    if isatty(sys.stdout):
        if first is None:
            note("no tracked interviews: track some with `rztui add ID...`")
            return
        out(" ".join(f"{name:<{width}}" for name, width in LIST_COLUMNS).rstrip())
    if first is not None:
        _echo_chunks(_list_line(r) + "\n" for r in itertools.chain([first], rows))
