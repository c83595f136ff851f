"""One tracked interview as the list shows it: :class:`ListRow`, declared once.

Each field says where it comes from, and everything that reads or writes a list row is derived
from these declarations:

- ``sql``: what a query reads (``t``: tracked, ``i``: interviews, ``e``: evaluation): the store's
  row query (:data:`ROW_SQL`, ``Store.row``, ``Store.iter_list_rows``) and, for the fields with
  ``listed``, the list index's query (``store/listing.py``, ``LIST_SQL``);
- ``api``: how the store takes it from an interview payload into the ``interviews`` column of the
  same name when it saves one (:data:`UPSERT_SQL`);
- ``index``: the list index keeps the field in a parallel array of this type code, or
  (:data:`TEXT`) in a list of cleaned strings (``ListIndex.values[name]``);
- ``json``: its key in ``rztui list --json``, and ``kind``: how it is written there.

A new field the API already sends: a migration adding the column (to ``interviews`` and to the
``interviews_listing`` index if ``listed``), then one field here. Knows nothing of Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

from ..api.models import Interview
from .evaluations import NEW_SQL

#: How ``list --json`` writes a field: as it is, text ("" -> null), a time (ISO 8601 UTC),
#: a flag (true/false).
JsonKind = Literal["value", "text", "time", "flag"]
#: ``index=TEXT``: the list index keeps the field as cleaned text.
TEXT = "text"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a :class:`ListRow` field comes from and where it goes (see the module docstring)."""

    sql: str
    listed: bool = False
    api: Callable[[Interview], object] | None = None
    index: str | None = None
    json: str | None = None
    kind: JsonKind = "value"


def _from(sql: str, *, listed: bool = False, api: Callable[[Interview], object] | None = None,
          index: str | None = None, json: str | None = None, kind: JsonKind = "value") -> Any:
    return field(metadata={"source": Source(sql, listed, api, index, json, kind)})


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


@dataclass(frozen=True, slots=True)
class ListRow:
    """One tracked interview as the list shows it (no JSON parsing needed). In the order of
    ``list --json``'s keys."""

    id: str = _from("t.id", listed=True, json="id")
    status: str | None = _from(  # None: tracked but never fetched
        "i.status", listed=True, api=lambda iv: iv.status, json="status")
    candidate_name: str = _from("i.candidate_name", listed=True,
                                api=lambda iv: iv.candidate.name, json="candidate", kind="text")
    candidate_email: str = _from("i.candidate_email", listed=True,
                                 api=lambda iv: iv.candidate.email or "", json="email",
                                 kind="text")
    job_title: str = _from("i.job_title", listed=True, api=lambda iv: iv.job.title, json="job",
                           kind="text")
    answered: int = _from("coalesce(i.answered, 0)", listed=True,
                          api=lambda iv: len(iv.responses), index="l", json="answered")
    # The dates are listed through the "When" column's moment (listing.py): not one by one.
    created_at: str | None = _from("i.created_at", api=lambda iv: _iso(iv.created_at),
                                   json="created_at", kind="time")
    started_at: str | None = _from("i.started_at", api=lambda iv: _iso(iv.started_at),
                                   json="started_at", kind="time")
    completed_at: str | None = _from("i.completed_at", api=lambda iv: _iso(iv.completed_at),
                                     json="completed_at", kind="time")
    expires_at: str | None = _from("i.expires_at", api=lambda iv: _iso(iv.expires_at),
                                   json="expires_at", kind="time")
    added_at: float = _from("t.added_at", listed=True, index="d", json="added_at", kind="time")
    fetched_at: float | None = _from("i.fetched_at", json="fetched_at", kind="time")
    rating: int | None = _from("e.rating", listed=True, index="B",  # the user's (0: none)
                               json="rating")
    shortlisted: bool = _from("coalesce(e.shortlisted, 0)", listed=True, index="B",
                              json="shortlisted", kind="flag")
    label: str | None = _from("t.label", listed=True)
    new: bool = _from(NEW_SQL, listed=True, index="B")  # completed or answered since opened


#: (name, source) of every field, in the record's order.
FIELDS: tuple[tuple[str, Source], ...] = tuple(
    (f.name, f.metadata["source"]) for f in fields(ListRow))

#: What the row query reads, in the record's order (``ListRow(*row)``).
ROW_SELECT = ", ".join(source.sql for _, source in FIELDS)
ROW_FROM = """FROM tracked t LEFT JOIN interviews i ON i.id = t.id
        LEFT JOIN evaluation e ON e.interview_id = t.id"""
ROW_SQL = f"SELECT {ROW_SELECT}\n        {ROW_FROM}\n"

#: The fields the store takes from a payload, each into the ``interviews`` column of its name.
STORED: tuple[tuple[str, Callable[[Interview], object]], ...] = tuple(
    (name, source.api) for name, source in FIELDS if source.api is not None)

_UPSERT_COLUMNS = ("id", "body", "fetched_at", *(name for name, _ in STORED))
UPSERT_SQL = f"""
    INSERT INTO interviews ({", ".join(_UPSERT_COLUMNS)})
    VALUES ({",".join("?" * len(_UPSERT_COLUMNS))})
    ON CONFLICT(id) DO UPDATE SET {", ".join(
        f"{c}=excluded.{c}" for c in _UPSERT_COLUMNS if c != "id")}
"""


def upsert_values(interview: Interview, body: bytes, fetched_at: float) -> tuple[object, ...]:
    """The parameters of :data:`UPSERT_SQL` for one interview."""
    return (interview.id, body, fetched_at, *(get(interview) for _, get in STORED))
