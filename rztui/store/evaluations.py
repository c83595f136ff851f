"""What the user decided about candidates: ratings, notes, the shortlist, and when each interview
was last opened (to mark what is new since).

All of it is local: it lives in the store, is never sent to the API, and goes with ``purge`` (all
of it with ``--all``, entries unchanged for longer than the retention period otherwise) and with
``untrack``. :class:`~.db.Store` gets these methods by inheriting :class:`EvaluationStore`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .connection import StoreConnection

#: Ratings are whole numbers in this range; ``None`` is "not rated".
RATING_MIN, RATING_MAX = 1, 5

#: The longest note kept (characters); a longer one is refused, not cut.
NOTE_MAX = 20_000

PAGE = 500


class RatingOutOfRange(ValueError):
    """A rating that is not a whole number from 1 to 5."""


def check_rating(rating: int | None) -> int | None:
    """``rating`` when it is valid (``None`` clears); :class:`RatingOutOfRange` otherwise."""
    if rating is None:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not (
        RATING_MIN <= rating <= RATING_MAX
    ):
        raise RatingOutOfRange(
            f"a rating is a whole number from {RATING_MIN} to {RATING_MAX}, not {rating!r}"
        )
    return rating


#: Whether an interview completed or gained answers since it was last opened (1 or 0), over
#: ``i`` (interviews) and ``e`` (evaluation, LEFT JOINed). No evaluation row: never opened
#: here with opening recorded (imported, or an older store), so never new.
NEW_SQL = """(CASE WHEN i.status IS NULL OR e.interview_id IS NULL THEN 0
      ELSE (coalesce(i.answered, 0) > coalesce(e.seen_answered, 0)
            OR (i.status = 'completed' AND coalesce(e.seen_status, '') != 'completed')) END)"""


@dataclass(frozen=True)
class Evaluation:
    """What the user recorded about one interview (empty when nothing was)."""

    interview_id: str
    rating: int | None = None
    note: str = ""
    shortlisted: bool = False
    opened_at: float | None = None
    seen_status: str | None = None
    seen_answered: int | None = None
    answer_ratings: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing the user decided (having opened it is not a decision)."""
        return self.rating is None and not self.note and not self.shortlisted and not (
            self.answer_ratings
        )

    def as_json(self) -> dict[str, Any]:
        """The ``"rztui"`` object of a JSON export (never mixed into the API's payload)."""
        return {
            "rating": self.rating,
            "note": self.note or None,
            "shortlisted": self.shortlisted,
            "answer_ratings": dict(self.answer_ratings),
        }

    def average_answer_rating(self) -> float | None:
        if not self.answer_ratings:
            return None
        return sum(self.answer_ratings.values()) / len(self.answer_ratings)


def evaluation_from_json(iid: str, data: object) -> Evaluation | None:
    """The inverse of :meth:`Evaluation.as_json` (``rztui import`` of an export); ``None`` when
    ``data`` is not an object; invalid fields raise ``ValueError`` naming them."""
    if not isinstance(data, dict):
        return None
    rating = data.get("rating")
    if rating is not None:
        check_rating(rating)
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise ValueError(f"rztui.note must be text of at most {NOTE_MAX} characters")
    shortlisted = data.get("shortlisted", False)
    if not isinstance(shortlisted, bool):
        raise ValueError("rztui.shortlisted must be true or false")
    raw = data.get("answer_ratings")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError("rztui.answer_ratings must be an object of question id to rating")
    answers: dict[str, int] = {}
    for qid, value in raw.items():
        checked = check_rating(value)
        if not isinstance(qid, str) or not qid or checked is None:
            raise ValueError("rztui.answer_ratings must map question ids to ratings 1 to 5")
        answers[qid] = checked
    return Evaluation(iid, rating=rating, note=note, shortlisted=shortlisted,
                      answer_ratings=answers)


def _chunks(ids: Sequence[str], size: int = PAGE) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _upsert(conn: sqlite3.Connection, iid: str, column: str, value: object, now: float) -> None:
    conn.execute(
        f"INSERT INTO evaluation (interview_id, {column}, updated_at) VALUES (?, ?, ?) "
        f"ON CONFLICT (interview_id) DO UPDATE SET {column} = excluded.{column}, "
        "updated_at = excluded.updated_at",
        (iid, value, now),
    )


def drop_evaluations(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
    params = [(iid,) for iid in ids]
    conn.executemany("DELETE FROM evaluation WHERE interview_id = ?", params)
    conn.executemany("DELETE FROM answer_rating WHERE interview_id = ?", params)


_DECIDED = "(rating IS NOT NULL OR note IS NOT NULL OR shortlisted)"


def purge_evaluations(conn: sqlite3.Connection, *, cutoff: float | None) -> int:
    """Delete every evaluation (``cutoff`` None) or those unchanged since ``cutoff``; returns
    how many interviews' decisions (rating, note, shortlist, answer ratings) went."""
    if cutoff is None:
        n = int(conn.execute(
            f"SELECT count(*) FROM (SELECT interview_id FROM evaluation WHERE {_DECIDED} "
            "UNION SELECT interview_id FROM answer_rating)").fetchone()[0])
        conn.execute("DELETE FROM evaluation")
        conn.execute("DELETE FROM answer_rating")
        return n
    n = int(conn.execute(
        f"SELECT count(*) FROM (SELECT interview_id FROM evaluation WHERE updated_at < ? AND "
        f"{_DECIDED} UNION SELECT interview_id FROM answer_rating WHERE updated_at < ?)",
        (cutoff, cutoff)).fetchone()[0])
    conn.execute("DELETE FROM evaluation WHERE updated_at < ?", (cutoff,))
    conn.execute("DELETE FROM answer_rating WHERE updated_at < ?", (cutoff,))
    return n


class EvaluationStore(StoreConnection):
    """The evaluation methods of :class:`~.db.Store`."""

    # -- writing -------------------------------------------------------------------------------

    def set_rating(self, iid: str, rating: int | None, *, question_id: str | None = None) -> None:
        """Rate the interview (or one answer with ``question_id``) 1-5; ``None`` clears."""
        value = check_rating(rating)
        now = time.time()

        def go(conn: sqlite3.Connection) -> None:
            if question_id is None:
                _upsert(conn, iid, "rating", value, now)
            elif value is None:
                conn.execute("DELETE FROM answer_rating WHERE interview_id = ? AND "
                             "question_id = ?", (iid, question_id))
            else:
                conn.execute(
                    "INSERT INTO answer_rating (interview_id, question_id, rating, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (interview_id, question_id) DO UPDATE "
                    "SET rating = excluded.rating, updated_at = excluded.updated_at",
                    (iid, question_id, value, now))

        self._write(go)

    def set_note(self, iid: str, note: str | None) -> None:
        """The interview's note (kept as written, lines and all); empty or ``None`` clears."""
        text = note or ""
        if len(text) > NOTE_MAX:
            raise ValueError(f"a note is at most {NOTE_MAX} characters (this one has "
                             f"{len(text)})")
        now = time.time()
        self._write(lambda conn: _upsert(conn, iid, "note", text or None, now))

    def set_shortlisted(self, ids: Iterable[str], on: bool = True) -> int:
        """Put interviews on the shortlist (or take them off); returns how many changed."""
        wanted = list(dict.fromkeys(ids))
        now = time.time()

        def go(conn: sqlite3.Connection) -> int:
            changed = 0
            for iid in wanted:
                row = conn.execute("SELECT shortlisted FROM evaluation WHERE interview_id = ?",
                                   (iid,)).fetchone()
                if bool(row and row[0]) == on:
                    continue
                _upsert(conn, iid, "shortlisted", int(on), now)
                changed += 1
            return changed

        return self._write(go)

    @staticmethod
    def _watch_for_news(conn: sqlite3.Connection, ids: Sequence[str], now: float) -> None:
        """Interviews just tracked here (not imported): what they show before they are first
        opened is new."""
        conn.executemany("INSERT OR IGNORE INTO evaluation (interview_id, updated_at) "
                         "VALUES (?, ?)", [(iid, now) for iid in ids])

    def mark_opened(self, iid: str, *, status: str | None, answered: int) -> None:
        """The user opened the interview now, seeing ``status`` and ``answered`` answers.

        Opening is not a decision, so it does not count as a change for the retention purge.
        """
        now = time.time()
        self._write(lambda conn: conn.execute(
            "INSERT INTO evaluation (interview_id, opened_at, seen_status, seen_answered, "
            "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (interview_id) DO UPDATE SET "
            "opened_at = excluded.opened_at, seen_status = excluded.seen_status, "
            "seen_answered = excluded.seen_answered",
            (iid, now, status, answered, now)))

    def restore_evaluation(self, ev: Evaluation) -> None:
        """Write ``ev`` as it is (``rztui import`` of an export), replacing what was there;
        when it was opened here is kept."""
        now = time.time()

        def go(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO evaluation (interview_id, rating, note, shortlisted, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (interview_id) DO UPDATE SET "
                "rating = excluded.rating, note = excluded.note, "
                "shortlisted = excluded.shortlisted, updated_at = excluded.updated_at",
                (ev.interview_id, ev.rating, ev.note or None, int(ev.shortlisted), now))
            conn.execute("DELETE FROM answer_rating WHERE interview_id = ?", (ev.interview_id,))
            conn.executemany(
                "INSERT INTO answer_rating (interview_id, question_id, rating, updated_at) "
                "VALUES (?, ?, ?, ?)",
                [(ev.interview_id, q, r, now) for q, r in ev.answer_ratings.items()])

        self._write(go)

    def purge_evaluations(
        self, *, older_than_days: float | None = None, everything: bool = False
    ) -> int:
        """Delete every evaluation (``everything``) or those unchanged for
        ``older_than_days``; returns how many interviews' entries went."""
        if everything:
            return self._write(lambda conn: purge_evaluations(conn, cutoff=None))
        if older_than_days is None:
            return 0
        cutoff = time.time() - older_than_days * 86400
        return self._write(lambda conn: purge_evaluations(conn, cutoff=cutoff))

    # -- reading -------------------------------------------------------------------------------

    def evaluation(self, iid: str) -> Evaluation:
        return self.evaluations([iid]).get(iid) or Evaluation(iid)

    def evaluations(self, ids: Iterable[str], *, decided: bool = False
                    ) -> dict[str, Evaluation]:
        """The evaluations of ``ids`` that have one (read a page of ids per query);
        ``decided``: only those with a decision in them (a rating, a note, the shortlist, an
        answer's rating), as exports want: most rows only say when it was opened."""
        wanted = list(dict.fromkeys(ids))
        only = f" AND {_DECIDED}" if decided else ""

        def go(conn: sqlite3.Connection) -> dict[str, Evaluation]:
            found: dict[str, dict[str, Any]] = {}
            answers: dict[str, dict[str, int]] = {}
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    "SELECT interview_id, rating, note, shortlisted, opened_at, seen_status, "
                    f"seen_answered FROM evaluation WHERE interview_id IN ({marks}){only}",
                        chunk):
                    found[row[0]] = {
                        "rating": row[1], "note": row[2] or "", "shortlisted": bool(row[3]),
                        "opened_at": row[4], "seen_status": row[5], "seen_answered": row[6],
                    }
                for iid, qid, rating in conn.execute(
                    "SELECT interview_id, question_id, rating FROM answer_rating "
                    f"WHERE interview_id IN ({marks}) ORDER BY rowid", chunk):
                    answers.setdefault(iid, {})[qid] = rating
            return {
                iid: Evaluation(iid, answer_ratings=answers.get(iid, {}),
                                **found.get(iid, {}))
                for iid in wanted if iid in found or iid in answers
            }

        return self._run(go, write=False)

    def shortlisted_ids(self) -> list[str]:
        rows = self._run(lambda conn: conn.execute(
            "SELECT interview_id FROM evaluation WHERE shortlisted ORDER BY updated_at"
        ).fetchall(), write=False)
        return [r[0] for r in rows]

