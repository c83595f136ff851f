"""One formatter per output format, shared by the CLI and the TUI.

Pure functions: an :class:`~rztui.api.models.Interview` in, a ``str`` out (``write_csv`` writes to
a stream it is given). No Textual, no I/O of our own.

Safety is per format:

* ``ats`` and ``json`` hand the data over as the API returned it (that is their purpose);
  ``format_ats(..., safe=True)`` strips terminal control characters for display.
* ``text`` and ``markdown`` strip terminal control characters by default; ``markdown`` also
  escapes Markdown so a transcript cannot inject headings, links or HTML.
* CSV strips control characters (newlines are kept, quoted) and neutralises spreadsheet formulas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from .api.models import COMPLETED, EXPIRED, IN_PROGRESS, INVITED, Interview, QuestionSet
from .textsafe import clean, clean_line, json_safe

if TYPE_CHECKING:
    from .store.evaluations import Evaluation

NO_VALUE = "—"

# Reused by the TUI: what each status means for the user (from the spec's status lifecycle).
STATUS_HELP: dict[str, str] = {
    INVITED: (
        "Invited: the candidate hasn't started yet. No responses are available. The link stays "
        "valid until it expires; credits are reserved but not consumed."
    ),
    IN_PROGRESS: (
        "In progress: the candidate has started but not finished. Partial responses may be "
        "available; credits have been consumed."
    ),
    COMPLETED: (
        "Completed: all questions answered and full transcripts available. Ready for review; "
        "it cannot be restarted."
    ),
    EXPIRED: (
        "Expired: the link expired before the candidate started. There are no responses; the "
        "reserved credits were released back to the available balance. It cannot be started."
    ),
}


def status_help(status: str) -> str:
    """The :data:`STATUS_HELP` text, or a plain note for a status rztui doesn't know."""
    known = STATUS_HELP.get(status)
    if known is not None:
        return known
    return f"status '{clean_line(status)}' is not one rztui knows"


# --------------------------------------------------------------------------- counts, time, duration


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "interview")`` -> ``1 interview``; ``2`` -> ``2 interviews``.

    ``many`` is the plural when it is not ``word + "s"``. Thousands are grouped (``1,200``).
    """
    return f"{n:,} {word if n == 1 else (many or word + 's')}"



def format_timestamp(dt: datetime | None) -> str:
    """``2024-01-16 14:33:25 UTC`` (converted to UTC); ``None`` gives ``—``."""
    if dt is None:
        return NO_VALUE
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_utc(dt: datetime | None) -> str:
    """Machine form for CSV/JSON: ``2024-01-16T14:33:25Z``; ``None`` gives ``""``."""
    if dt is None:
        return ""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_duration(seconds: float | None) -> str:
    """``145`` -> ``2m 25s``, ``3725`` -> ``1h 2m 5s``, ``0`` -> ``0s``, ``None`` -> ``—``."""
    if seconds is None:
        return NO_VALUE
    if seconds < 0:
        return "-" + human_duration(-seconds)
    total = int(seconds + 0.5)  # half up: 12.5 s shows as 13s
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


_UNITS = (
    (365 * 86400, "y"),
    (30 * 86400, "mo"),
    (86400, "d"),
    (3600, "h"),
    (60, "m"),
    (1, "s"),
)


def relative_time(dt: datetime | None, now: datetime | None = None) -> str:
    """``3h ago``, ``in 2d``, ``just now`` (within 45 s); ``None`` gives ``—``."""
    if dt is None:
        return NO_VALUE
    if now is None:
        now = datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    delta = (now - dt).total_seconds()
    magnitude = abs(delta)
    if magnitude < 45:
        return "just now"
    size, unit = next((s, u) for s, u in _UNITS if magnitude >= s)
    amount = int(magnitude // size)
    return f"{amount}{unit} ago" if delta > 0 else f"in {amount}{unit}"


# --------------------------------------------------------------------------- ATS


def format_ats(interview: Interview, safe: bool = False) -> str:
    """Exactly the spec's ``formatTranscripts(interview.responses)``.

    ``Q1: <question>\\nA: <transcript>\\n`` per response, joined by ``\\n---\\n\\n``. Raw data by
    default (it goes to a clipboard or an ATS); ``safe=True`` strips terminal controls.
    """
    fix: Callable[[str | None], str] = clean if safe else _identity
    return "\n---\n\n".join(
        f"Q{i + 1}: {fix(r.question_text)}\nA: {fix(r.transcript)}\n"
        for i, r in enumerate(interview.responses)
    )


def _identity(text: str | None) -> str:
    return text or ""


# --------------------------------------------------------------------------- plain text


def _header_fields(
    interview: Interview, line: Callable[[str | None], str]
) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    fields.append(("Candidate", line(interview.candidate.name) or NO_VALUE))
    if interview.candidate.email:
        fields.append(("Email", line(interview.candidate.email)))
    fields.append(("Job", line(interview.job.title) or NO_VALUE))
    if interview.job.department:
        fields.append(("Department", line(interview.job.department)))
    fields.append(("Status", line(interview.status)))
    fields.append(("Interview", line(interview.id)))
    for label, value in (
        ("Created", interview.created_at),
        ("Started", interview.started_at),
        ("Completed", interview.completed_at),
        ("Expires", interview.expires_at),
    ):
        if value is not None:
            fields.append((label, format_timestamp(value)))
    if interview.responses:
        total = human_duration(interview.total_duration_seconds)
        fields.append(("Duration", f"{total} ({plural(len(interview.responses), 'response')})"))
    return fields


def _response_meta(
    question_type: str | None, duration: float | None, answered_at: datetime | None
) -> list[str]:
    meta = []
    if question_type:
        meta.append(question_type)
    meta.append(human_duration(duration))
    if answered_at is not None:
        meta.append(f"answered {format_timestamp(answered_at)}")
    return meta


def format_text(interview: Interview, *, safe: bool = True) -> str:
    """Human-readable plain text: a header, the status explained, then numbered answers."""
    line: Callable[[str | None], str] = clean_line if safe else _identity
    block: Callable[[str | None], str] = clean if safe else _identity

    fields = _header_fields(interview, line)
    # A fixed label column, so every interview's header lines up the same way.
    out = [f"{label + ':':<11} {value}" for label, value in fields]

    if interview.status != COMPLETED:
        out += ["", status_help(interview.status)]

    if not interview.responses:
        out += ["", "No responses."]
    for i, r in enumerate(interview.responses, start=1):
        meta = _response_meta(line(r.question_type), r.duration_seconds, r.answered_at)
        out += [
            "",
            "-" * 72,
            f"Q{i}. {line(r.question_text) or NO_VALUE}",
            "    " + " · ".join(meta),
            "",
            block(r.transcript).rstrip() or "(no transcript)",
        ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Markdown

# Inline characters that can start emphasis, code, links, images, HTML, entities, tables,
# strikethrough or headings, and the backslash itself. Backslash escapes work for all of them
# (CommonMark: any ASCII punctuation may be escaped).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#&|~!])")
# Block constructs that start a line: lists (- + and "1." / "1)"), setext underline (=),
# thematic break (- already covered). `#`, `>`, `*`, `_` are already escaped inline.
_MD_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def md_inline(text: str | None) -> str:
    """Escape one line of text for Markdown; newlines collapse to spaces."""
    if not text:
        return ""
    one_line = re.sub(r"[\r\n\u2028\u2029]+", " ", text)
    return _MD_INLINE.sub(r"\\\1", one_line)


def _md_line(text: str) -> str:
    text = _MD_INLINE.sub(r"\\\1", text.lstrip(" \t"))  # leading indent would make a code block
    if text[:1] in ("-", "+", "="):
        return "\\" + text
    return _MD_LIST_NUMBER.sub(r"\1\\\2", text, count=1)


def md_blockquote(text: str | None) -> str:
    """Multi-line text as an escaped Markdown blockquote (hard line breaks kept)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted = []
    for raw in lines:
        escaped = _md_line(raw).rstrip()
        quoted.append(f"> {escaped}  " if escaped else ">")
    # Trailing hard breaks on the last line are noise.
    while quoted and quoted[-1] == ">":
        quoted.pop()
    if quoted:
        quoted[-1] = quoted[-1].rstrip()
    return "\n".join(quoted)


def format_markdown(interview: Interview, *, safe: bool = True) -> str:
    """A Markdown document; API text is escaped so it can't inject headings, links or HTML."""
    line: Callable[[str | None], str] = clean_line if safe else _identity
    block: Callable[[str | None], str] = clean if safe else _identity

    name = md_inline(line(interview.candidate.name)) or "Unknown candidate"
    out = [f"# Interview: {name}", ""]
    for label, value in _header_fields(interview, line):
        out.append(f"- **{label}:** {md_inline(value)}")

    if interview.status != COMPLETED:
        out += ["", f"*{md_inline(status_help(interview.status))}*"]

    if not interview.responses:
        out += ["", "*No responses.*"]
    for i, r in enumerate(interview.responses, start=1):
        meta = _response_meta(line(r.question_type), r.duration_seconds, r.answered_at)
        question = md_inline(line(r.question_text)) or NO_VALUE
        transcript = md_blockquote(block(r.transcript).strip())
        out += [
            "",
            f"## Q{i}. {question}",
            "",
            f"*{md_inline(' · '.join(meta))}*",
            "",
            transcript or "> *(no transcript)*",
        ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- JSON

def format_json(interview: Interview) -> str:
    """The interview as the API returned it, pretty-printed."""
    return json.dumps(interview.raw, ensure_ascii=False, indent=2)


def format_jsonl_line(interview: Interview) -> str:
    """The interview as one compact JSON line (no trailing newline).

    Characters some line splitters treat as line breaks (NEL, U+2028/2029), other C1
    controls and bidi overrides are written as ``\\uXXXX`` escapes: still the same JSON value.
    """
    return json_safe(json.dumps(interview.raw, ensure_ascii=False, separators=(",", ":")))


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS: list[str] = [
    "interview_id",
    "status",
    "candidate_name",
    "candidate_email",
    "job_title",
    "completed_at",
    "question_order",
    "question_id",
    "question_text",
    "question_type",
    "duration_seconds",
    "transcript",
    # What the user decided (local, never from the API): the interview's rating, this
    # answer's rating, the interview's note, and whether it is on the shortlist.
    "rating",
    "answer_rating",
    "note",
    "shortlisted",
]

# OWASP CSV injection: cells starting with these are treated as formulas by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formula(cell: str) -> str:
    """Prefix a would-be spreadsheet formula with ``'`` (OWASP CSV injection guidance).

    Triggers are ``= + - @`` and tab/CR at the start, also after leading whitespace (some
    spreadsheets trim it). A plain number such as ``-5`` or ``+3.5`` is left alone.
    """
    if not cell:
        return cell
    first = cell[0]
    if first not in _FORMULA_FIRST and not first.isspace():
        return cell  # the common case, decided by the first character
    if cell.startswith(("\t", "\r")) or cell.lstrip().startswith(_FORMULA_START):
        if _PLAIN_NUMBER.fullmatch(cell.strip()):
            return cell
        return "'" + cell
    return cell


def _csv_text(value: str | None) -> str:
    return neutralise_formula(clean(value))


def _csv_number(value: float | None) -> str:
    """As a CSV cell writes a number: ``145`` not ``145.0``; ``None`` gives ``""``."""
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _rating_cell(rating: int | None) -> str:
    return "" if rating is None else _csv_text(str(rating))


class CsvRows:
    """The one CSV formatter (``rztui export``, the TUI's export, :func:`csv_rows`): the rows
    of one interview at a time. Keeps the cleaned and guarded form of the cells that come back
    in every interview of a job (question ids, texts and types), so a long export cleans each
    once."""

    KEPT = 4096  # distinct cells remembered

    def __init__(self) -> None:
        self._cells: dict[str, str] = {}
        self._written: dict[str, str] = {}

    def _cell(self, value: str | None) -> str:
        if not value:
            return neutralise_formula(clean(value))
        found = self._cells.get(value)
        if found is None:
            found = neutralise_formula(clean(value))
            if len(self._cells) < self.KEPT:
                self._cells[value] = found
        return found

    def of(
        self, interview: Interview, questions: QuestionSet | None = None,
        evaluation: Evaluation | None = None,
    ) -> list[list[str]]:
        """One row per response (columns as :data:`CSV_COLUMNS`); see :func:`csv_rows`."""
        text = _csv_text
        head = [
            text(interview.id), text(interview.status), text(interview.candidate.name),
            text(interview.candidate.email), text(interview.job.title),
            iso_utc(interview.completed_at),
        ]
        order_by_id: dict[str, float | None] = {}
        if questions is not None:
            order_by_id = {q.id: q.order for q in questions.questions if q.id}
        return self._rows(head, [
            (r.question_id, r.question_text, r.question_type, r.duration_seconds, r.transcript)
            for r in interview.responses
        ], order_by_id, evaluation)

    def _quoted(self, value: str | None) -> str:
        """:meth:`_cell` as written in the file (quoted when it must be), remembered too."""
        key = value or ""
        found = self._written.get(key)
        if found is None:
            found = csv_cell(self._cell(value))
            if len(self._written) < self.KEPT:
                self._written[key] = found
        return found

    def text_of(
        self, interview: Interview, questions: QuestionSet | None = None,
        evaluation: Evaluation | None = None,
    ) -> tuple[str, int]:
        """The CSV text of :meth:`of`'s rows (as ``csv.writer`` writes them) and how many."""
        return self.text_of_fields(
            (interview.id, interview.status, interview.candidate.name,
             interview.candidate.email, interview.job.title),
            iso_utc(interview.completed_at),
            [(r.question_id, r.question_text, r.question_type, r.duration_seconds,
              r.transcript) for r in interview.responses],
            questions, evaluation,
        )

    def text_of_fields(
        self, head: tuple[str, str, str | None, str | None, str | None], completed: str,
        responses: list[tuple[str, str, str | None, float | None, str]],
        questions: QuestionSet | None, evaluation: Evaluation | None,
    ) -> tuple[str, int]:
        """:meth:`text_of` from the fields themselves: the interview's id, status, candidate
        name and email and job title, its completion time as the CSV writes it, and each
        response's question id, text, type, duration and transcript. The cells repeated on
        every row are cleaned, guarded and quoted once."""
        cell, quoted = csv_cell, self._quoted
        start = ",".join([cell(_csv_text(v)) for v in head]) + "," + cell(completed) + ","
        if evaluation is None:
            rating, tail = "", ",,false\r\n"
        else:
            rating = cell(_rating_cell(evaluation.rating))
            tail = ("," + cell(_csv_text(evaluation.note)) + ","
                    + ("true" if evaluation.shortlisted else "false") + "\r\n")
        if not responses:
            return f"{start},,,,,,{rating},{tail}", 1
        answers = evaluation.answer_ratings if evaluation is not None else None
        order_by_id: dict[str, float | None] = {}
        if questions is not None:
            order_by_id = {q.id: q.order for q in questions.questions if q.id}
        number = _csv_number
        lines = []
        for position, (qid, qtext, qtype, duration, transcript) in enumerate(responses):
            order = order_by_id.get(qid) if order_by_id else None
            answer = answers.get(qid) if answers else None
            lines.append(
                f"{start}{number(order) if order is not None else position},{quoted(qid)},"
                f"{quoted(qtext)},{quoted(qtype)},{number(duration)},"
                f"{cell(_csv_text(transcript))},{rating},"
                f"{'' if answer is None else cell(_rating_cell(answer))}{tail}"
            )
        return "".join(lines), len(lines)

    def _rows(
        self, head: list[str],
        responses: list[tuple[str, str, str | None, float | None, str]],
        order_by_id: dict[str, float | None], evaluation: Evaluation | None,
    ) -> list[list[str]]:
        """The rows from the interview's cells (``head``) and each response's question id,
        text, type, duration and transcript."""
        if evaluation is None:
            rating, note, shortlisted, answers = "", "", "false", None
        else:
            rating = _rating_cell(evaluation.rating)
            note = _csv_text(evaluation.note)
            shortlisted = "true" if evaluation.shortlisted else "false"
            answers = evaluation.answer_ratings or None
        if not responses:
            return [[*head, "", "", "", "", "", "", rating, "", note, shortlisted]]
        cell, text, number = self._cell, _csv_text, _csv_number
        return [
            [
                *head,
                number(order) if (order := order_by_id.get(qid)) is not None
                else str(position),
                cell(qid), cell(qtext), cell(qtype), number(duration), text(transcript),
                rating, _rating_cell(answers.get(qid)) if answers else "", note, shortlisted,
            ]
            for position, (qid, qtext, qtype, duration, transcript) in enumerate(responses)
        ]


_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def csv_cell(cell: str) -> str:
    """A cell as ``csv.writer`` (``QUOTE_MINIMAL``, the default dialect) writes it in a row of
    more than one cell: quoted, quotes doubled, when it holds a comma, quote, CR or LF."""
    if _CSV_SPECIAL.search(cell) is None:
        return cell
    return '"' + cell.replace('"', '""') + '"'


def csv_line(row: list[str]) -> str:
    """A row as ``csv.writer`` writes it (``\r\n`` at the end); ``row`` has several cells."""
    return ",".join([csv_cell(c) for c in row]) + "\r\n"


def csv_rows(
    interview: Interview, questions: QuestionSet | None = None,
    evaluation: Evaluation | None = None,
) -> list[list[str]]:
    """One row per response (columns as :data:`CSV_COLUMNS`).

    ``question_order`` is the question's ``order`` from ``questions`` when its id is there,
    otherwise the response's 0-based position (the API's ``order`` starts at 0 too, so the
    spec's example gives the same numbers either way). An interview without responses gives one row
    with the interview fields and empty response fields. ``evaluation`` fills the last four
    columns (``rating``, ``answer_rating`` by question id, ``note``, ``shortlisted``); without
    one they are empty and ``false``.
    """
    return CsvRows().of(interview, questions, evaluation)


def write_csv(
    stream: IO[str], rows_iterable: Iterable[list[str]], *, excel_bom: bool = False
) -> int:
    """Write the header and ``rows_iterable`` as CSV; returns the number of data rows.

    Open files with ``newline=""`` (as the csv module asks) so quoted newlines survive.
    ``excel_bom`` writes a UTF-8 BOM first so Excel detects the encoding.
    """
    if excel_bom:
        stream.write("\ufeff")
    import csv  # exports only: the app's first frame does not need it

    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows_iterable:
        writer.writerow(row)
        count += 1
    return count


# --------------------------------------------------------------------------- registry

FORMATS: dict[str, Callable[..., str]] = {
    "text": format_text,
    "ats": format_ats,
    "markdown": format_markdown,
    "json": format_json,
}
"""``rztui transcript --format NAME``: each takes the interview as its only positional argument
(``text``, ``ats`` and ``markdown`` also accept ``safe=``)."""


def render(name: str, interview: Interview, **options: Any) -> str:
    """``FORMATS[name](interview, **options)``; raises ``KeyError`` for an unknown name."""
    return FORMATS[name](interview, **options)


def stars(rating: int | None) -> str:
    """``★★★★☆`` for a rating of 4 (of 5); empty for no rating."""
    if rating is None:
        return ""
    return "★" * rating + "☆" * (5 - rating)
