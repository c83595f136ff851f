"""Read-only views over the list's index (``store/listing.py``): no object is kept per row,
each is made when asked for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, ValuesView
from typing import overload

from .listing import NO_VALUE, ListIndex


class Entry:
    """One tracked interview as the list has it (``InterviewList.entries[id]``), cleaned text:
    read from the index when asked (no object is kept per row)."""

    __slots__ = ("_index", "_row")

    def __init__(self, index: ListIndex, row: int) -> None:
        self._index = index
        self._row = row

    @property
    def id(self) -> str:
        return self._index.ids[self._row]

    @property
    def status(self) -> str | None:  # None: tracked but never fetched
        return self._index.status[self._row]

    @property
    def candidate_name(self) -> str:  # "" when the API gave none
        index, row = self._index, self._row
        return index.names[row] if index.named[row] else ""

    @property
    def job_title(self) -> str:  # "" when the API gave none
        job = self._index.jobs[self._row]
        return "" if job == NO_VALUE else job

    @property
    def answered(self) -> int:
        return self._index.answered[self._row]

    @property
    def added_at(self) -> float:
        return self._index.added[self._row]

    @property
    def name_key(self) -> str:
        return self._index.names[self._row].casefold()

    @property
    def job_key(self) -> str:
        return self._index.jobs[self._row].casefold()

    @property
    def haystack(self) -> str:
        return self._index.haystack[self._row]


class _EntryValues(ValuesView[Entry]):
    _mapping: Entries

    def __iter__(self) -> Iterator[Entry]:
        index = self._mapping.index
        return (Entry(index, row) for row in list(index.pos.values()))


class Entries(Mapping[str, Entry]):
    """Every tracked interview, by id: a read-only view of the index."""

    def __init__(self, index: ListIndex) -> None:
        self.index = index

    def __getitem__(self, interview_id: str) -> Entry:
        return Entry(self.index, self.index.pos[interview_id])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.index.pos))

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, interview_id: object) -> bool:
        return interview_id in self.index.pos

    def values(self) -> _EntryValues:
        return _EntryValues(self)


class ShownIds(Sequence[str]):
    """The ids of ``rows`` (row numbers of ``index``), in order: a view, nothing is copied."""

    def __init__(self, index: ListIndex, rows: list[int]) -> None:
        self._ids = index.ids
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self._ids[r] for r in self._rows[i]]
        return self._ids[self._rows[i]]

    def __iter__(self) -> Iterator[str]:
        ids = self._ids
        return (ids[r] for r in self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other,
                                                                         strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        return f"ShownIds({list(self)!r})"
