"""What the interview list shows for a sort and a filter, worked out off the UI when the index
is large (``Plan.run``, in a thread worker) or inline when it is small: no Textual here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...store.list_columns import SORTS
from ...store.listing import ListIndex, Selection


@dataclass(slots=True)
class Plan:
    """What to show: the rows of ``index`` in a sort, with a status and filter words."""

    serial: int
    index: ListIndex
    field: str
    reverse: bool
    status: str | None
    terms: tuple[str, ...]
    order: list[int] | None  # the current order, when it can be reused
    order_version: int
    within: Selection | None
    keep: str | None

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> PlanResult | None:
        index = self.index
        version = index.version
        order, order_version = self.order, self.order_version
        if order is None:
            order, order_version = index.order(SORTS[self.field].keys, self.reverse), self.serial
        if cancelled():
            return None
        selection = index.select(order, self.status, self.terms, self.within, order_version)
        cursor = 0
        keep = index.pos.get(self.keep) if self.keep is not None else None
        if keep is not None:
            try:
                cursor = selection.rows.index(keep)
            except ValueError:
                cursor = 0
        return PlanResult(self, version, order, order_version, selection, cursor)


@dataclass(slots=True)
class PlanResult:
    plan: Plan
    version: int
    order: list[int]
    order_version: int
    selection: Selection
    cursor: int
