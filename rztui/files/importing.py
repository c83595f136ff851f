"""Import interviews from an export: JSON Lines or a JSON array, read as a stream.

The other half of :mod:`rztui.files.export`: ``rztui import FILE`` reads what ``export -f jsonl``
writes (one payload a line) or ``export -f json``'s array, checks each payload as if the API had
sent it (strict JSON, :meth:`Interview.from_api`, a usable id), then tracks and caches it. No
request is made, so it works offline and without a key. An id imported again is updated. The
``"rztui"`` key an export adds (ratings, notes, shortlist) is taken out before the payload is
checked and stored, and restored into the store; a bad one is named like a bad line, and the
interview is imported without it. An answer rating for a question the interview does not have
(none of its responses answers it: ``rztui rate`` refuses the same) is left out, named by line;
the rest of that evaluation is kept.

Memory stays flat: the input is read a chunk at a time (an array through ``raw_decode``, one
element at a time), and interviews are written :data:`BATCH` to a transaction. A bad item is
reported with its line number and skipped; in an array, text that is not JSON ends the reading
(where the next element starts cannot be known), everything before it is kept.
"""

from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import IO

from ..api.body import DEFAULT_MAX_RESPONSE_BYTES, loads
from ..api.errors import InvalidResponse, RZError
from ..api.ids import parse_id
from ..api.models import Interview
from ..store import ImportCounts, Store
from ..store.evaluations import Evaluation, evaluation_from_json
from ..store.payload import encode_body
from .export_json import EVALUATION_KEY

#: EVALUATION_KEY: the key an export adds for what the user decided about an interview
#: (``rztui.files.export_json``): taken out before the payload is checked, so what is stored is the
#: API's payload.

#: Interviews written per transaction.
BATCH = 1000
#: The largest payload accepted (the API client's own cap on a response).
MAX_ITEM_BYTES = DEFAULT_MAX_RESPONSE_BYTES
CHUNK = 1 << 16
_WHITESPACE = " \t\r\n"


@dataclass
class ImportResult:
    read: int = 0  # items read (good and bad)
    imported: int = 0
    new: int = 0  # not cached before
    updated: int = 0  # cached before: replaced by the imported copy
    bad: int = 0  # bad items, including interviews imported without their bad evaluation
    evaluations: int = 0  # ratings, notes and shortlist entries restored
    bad_evaluations: int = 0  # imported without their "rztui" value (it was not valid)
    partial_evaluations: int = 0  # imported without some answer ratings (unknown questions)
    refused_ratings: int = 0  # answer ratings left out: the interview lacks their question

    def summary(self, source: str) -> str:
        extra = f", {self.evaluations} with ratings or notes" if self.evaluations else ""
        text = (f"imported {self.imported} interview(s) from {source} ({self.new} new, "
                f"{self.updated} updated{extra})")
        skipped = self.bad - self.bad_evaluations - self.partial_evaluations
        if skipped:
            text += f"; {skipped} bad line(s) skipped"
        if self.bad_evaluations:
            text += (f"; {self.bad_evaluations} imported without their "
                     f"\"{EVALUATION_KEY}\" value (not valid)")
        if self.refused_ratings:
            text += (f"; {self.refused_ratings} answer rating(s) for questions the interview "
                     "did not have left out")
        return text


@dataclass(frozen=True, slots=True)
class BadItem:
    line: int
    reason: str
    fatal: bool = False  # nothing after it can be read
    imported: bool = False  # only its "rztui" value was bad: the interview was imported
    left_out: int = 0  # only that many answer ratings were bad: imported without them


Item = tuple[int, "bytes | str | BadItem"]
"""(line number, the item's JSON text, or why it cannot be read)."""


class _Counted(io.RawIOBase):
    """A binary stream with ``head`` put back in front, counting the bytes read."""

    def __init__(self, stream: IO[bytes], head: bytes) -> None:
        self._stream = stream
        self._head = head
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._stream.read(len(view))
            n = len(data or b"")
            view[:n] = data or b""
        self.consumed += n
        return n


def _lines(reader: IO[bytes]) -> Iterator[Item]:
    """JSON Lines: each non-blank line is an item; a line over the cap is skipped unread."""
    number = 0
    while True:
        line = reader.readline(MAX_ITEM_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_ITEM_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # the rest of it, a chunk at a time
                line = reader.readline(CHUNK)
            yield number, BadItem(number, f"larger than {MAX_ITEM_BYTES // (1 << 20)} MiB")
            continue
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if line.strip():
            yield number, line


class _ArrayReader:
    """The elements of a JSON array, one at a time, from text decoded a chunk at a time."""

    def __init__(self, reader: IO[bytes]) -> None:
        self._reader = reader
        self._decode = codecs.getincrementaldecoder("utf-8-sig")()
        self._scan = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line at self.pos
        self.eof = False

    def _fill(self, at_least: int = CHUNK) -> bool:
        """Read more (keeping what is not consumed); False at the end of the input."""
        if self.eof:
            return False
        data = self._reader.read(max(CHUNK, at_least))
        text = self._decode.decode(data or b"", final=not data)
        if not data:
            self.eof = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return bool(text) or not self.eof

    def _advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def _skip_space(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                if self.buf[self.pos] == "\n":
                    self.line += 1
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _bad(self, reason: str) -> BadItem:
        """What cannot be read at ``pos`` (the start of an element: the line it is on)."""
        return BadItem(self.line, reason, fatal=True)

    def _element(self) -> tuple[int, str] | BadItem:
        """The text of the element at ``pos``: decoded leniently only to find where it ends
        (the caller checks it strictly); more is read until it is complete."""
        while True:
            try:
                _, end = self._scan.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_ITEM_BYTES:
                    return self._bad(f"not JSON, or larger than "
                                     f"{MAX_ITEM_BYTES // (1 << 20)} MiB ({exc.msg})")
                if self._fill(at_least=len(self.buf) - self.pos):  # grows geometrically
                    continue
                return self._bad(f"not JSON ({exc.msg})")
            except RecursionError:
                return self._bad("nests too deep")
            if end == len(self.buf) and self._fill():
                continue  # a number may go on in the next chunk
            line = self.line
            text = self.buf[self.pos:end]
            self._advance(end)
            return line, text

    def items(self) -> Iterator[Item]:
        try:
            yield from self._items()
        except UnicodeDecodeError:
            yield self.line, self._bad("not UTF-8")

    def _items(self) -> Iterator[Item]:
        self._fill()
        if self._skip_space() != "[":
            yield self.line, self._bad("not a JSON array")
            return
        self._advance(self.pos + 1)
        if self._skip_space() == "]":
            self._advance(self.pos + 1)
        else:
            while True:
                self._skip_space()
                found = self._element()
                if isinstance(found, BadItem):
                    yield found.line, found
                    return
                yield found
                after = self._skip_space()
                if after == "]":
                    self._advance(self.pos + 1)
                    break
                if after != ",":
                    yield self.line, self._bad(
                        "not JSON (expected ',' or ']' after an element)" if after
                        else "not JSON (the array is not closed)"
                    )
                    return
                self._advance(self.pos + 1)
        if self._skip_space():
            yield self.line, self._bad("not JSON (text after the end of the array)")


def read_items(stream: IO[bytes]) -> tuple[Iterator[Item], Callable[[], int]]:
    """The items of an export (JSON Lines, or a JSON array when the first character is ``[``)
    and a function giving the bytes read so far."""
    head = stream.read(CHUNK) or b""
    counted = _Counted(stream, head)
    reader = io.BufferedReader(counted, CHUNK)
    if head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"["):
        return _ArrayReader(reader).items(), lambda: counted.consumed
    return _lines(reader), lambda: counted.consumed


def check_entry(text: bytes | str) -> tuple[Interview, Evaluation | None, str | None]:
    """One item of an export: the interview (its payload checked like an API answer, without
    the ``"rztui"`` key an export adds), the evaluation that key held (None without one), and
    why that value cannot be used (None when it can). :class:`InvalidResponse` says why the
    interview itself cannot be imported."""
    try:
        data = loads(text)
    except InvalidResponse as exc:
        reason = exc.detail.removeprefix("the answer ").removeprefix("is ")
        raise InvalidResponse(reason) from None
    extra: object = None
    has_extra = type(data) is dict and EVALUATION_KEY in data
    if has_extra:
        extra = data.pop(EVALUATION_KEY)
    interview = _checked_interview(data)
    if not has_extra:
        return interview, None, None
    try:
        ev = evaluation_from_json(interview.id, extra)
    except ValueError as exc:
        return interview, None, str(exc)
    if ev is None:
        return interview, None, f"{EVALUATION_KEY} is not an object"
    return interview, ev, None


def known_ratings(interview: Interview, ev: Evaluation) -> tuple[Evaluation, list[str]]:
    """``ev`` without the answer ratings for questions ``interview`` does not have (none of its
    responses answers them), and those question ids, in the order given."""
    asked = {r.question_id for r in interview.responses}
    unknown = [qid for qid in ev.answer_ratings if qid not in asked]
    if not unknown:
        return ev, []
    kept = {qid: r for qid, r in ev.answer_ratings.items() if qid in asked}
    return replace(ev, answer_ratings=kept), unknown


def _unknown_questions_reason(unknown: list[str]) -> str:
    shown = ", ".join(repr(qid[:80]) for qid in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    what = "question" if len(unknown) == 1 else "questions"
    return (f"its \"{EVALUATION_KEY}\" value rates {len(unknown)} {what} the interview does "
            f"not have ({shown}{more})")


def _checked_interview(data: object) -> Interview:
    try:
        interview = Interview.from_api(data)
    except InvalidResponse as exc:
        raise InvalidResponse(f"not an interview ({exc.detail})") from None
    try:
        usable = parse_id(interview.id) == interview.id
    except RZError as exc:
        raise InvalidResponse(f"not a usable interview id ({exc.detail})") from None
    if not usable:
        raise InvalidResponse(f"not a usable interview id ({interview.id[:80]!r})")
    return interview


def import_stream(
    store: Store,
    stream: IO[bytes],
    *,
    on_bad: Callable[[BadItem], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportResult:
    """Read ``stream`` (see :func:`read_items`), track and cache every good interview.

    ``on_bad`` is told about each bad item, ``on_progress(bytes_read)`` after each batch is
    written. Store errors propagate (what was written before stays).

    A batch is written in a worker thread while the next one is read, checked and compressed:
    SQLite, FTS5 and zlib release the GIL, so on more than one core the two overlap. At most
    two batches are held at once.
    """
    result = ImportResult()
    items, consumed = read_items(stream)
    pending: list[Interview] = []
    encoded: list[bytes] = []
    evaluations: list[Evaluation] = []
    writing: Future[ImportCounts] | None = None
    writing_size = 0

    def landed() -> None:
        """Wait for the batch being written; count it (its store error is raised here)."""
        nonlocal writing
        if writing is not None:
            counts = writing.result()
            writing = None
            result.imported += writing_size
            result.new += counts.new
            result.updated += counts.updated
        if on_progress is not None:
            on_progress(consumed())

    with store.bulk_writes(), ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="rztui-import") as pool:

        def write(interviews: list[Interview], bodies: list[bytes],
                  restore: list[Evaluation]) -> ImportCounts:
            counts = store.import_interviews(interviews, encoded=bodies)
            for ev in restore:  # after its interview: an id given twice ends as the last said
                store.restore_evaluation(ev)
            return counts

        def submit(interviews: list[Interview], bodies: list[bytes],
                   restore: list[Evaluation]) -> Future[ImportCounts]:
            return pool.submit(write, interviews, bodies, restore)

        try:
            for line, item in items:
                result.read += 1
                if isinstance(item, BadItem):
                    bad: BadItem | None = item
                else:
                    try:
                        interview, ev, why = check_entry(item)
                        encoded.append(encode_body(interview.raw))
                        pending.append(interview)
                        bad = None
                        unknown: list[str] = []
                        if ev is not None:
                            ev, unknown = known_ratings(interview, ev)
                        if unknown:
                            result.partial_evaluations += 1
                            result.refused_ratings += len(unknown)
                            bad = BadItem(line, _unknown_questions_reason(unknown),
                                          left_out=len(unknown))
                        if ev is not None and unknown and ev.empty:
                            pass  # nothing left to restore: what the store holds stays
                        elif ev is not None:
                            evaluations.append(ev)
                            result.evaluations += 1
                        elif why is not None:
                            result.bad_evaluations += 1
                            bad = BadItem(line, f"its \"{EVALUATION_KEY}\" value is not valid "
                                          f"({why})", imported=True)
                    except InvalidResponse as exc:
                        bad = BadItem(line, exc.detail)
                if bad is not None:
                    result.bad += 1
                    if on_bad is not None:
                        on_bad(bad)
                if len(pending) >= batch:
                    landed()
                    writing, writing_size = submit(pending, encoded, evaluations), len(pending)
                    pending, encoded, evaluations = [], [], []
            landed()
            if pending:
                writing, writing_size = submit(pending, encoded, evaluations), len(pending)
                landed()
        finally:
            if writing is not None:
                writing.cancel()  # interrupted: the batch in flight ends as it would anyway
    return result


def input_size(stream: IO[bytes]) -> int:
    """The size of a regular file behind ``stream`` (for a progress bar), else 0."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return 0
    import stat

    return info.st_size if stat.S_ISREG(info.st_mode) else 0
