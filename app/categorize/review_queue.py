"""The Review queue in SQL: filtered, ordered and counted by SQLite, so a page never loads the
whole ledger. The rule is `review_need.REVIEW_REASON_SQL` (tested to agree with the frame rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.categorize.review_need import CONFIRMED_CTE, REASON_RANK_SQL, REVIEW_REASON_SQL
from app.store import Store, TransactionFilter, filter_clauses


@dataclass(frozen=True)
class QueueSelection:
    """Which rows the Review grid lists, in what order.

    `sources` are `category_source` values; None among them selects rows with no source.
    With `needs_review` only rows the rule flags are listed, most urgent reason first, then
    newest first; otherwise every matching row, newest first (ties by id, as the frame sorts).
    """

    flt: TransactionFilter = field(default_factory=TransactionFilter)
    sources: Sequence[str | None] = ()
    needs_review: bool = True


def _query(selection: QueueSelection, what: str) -> tuple[str, list[object]]:
    clauses, params = filter_clauses(selection.flt)
    if selection.sources:
        named = [s for s in selection.sources if s is not None]
        either: list[str] = []
        if named:
            either.append(f"category_source IN ({','.join('?' * len(named))})")
            params.extend(named)
        if None in selection.sources:
            either.append("category_source IS NULL")
        clauses.append("(" + " OR ".join(either) + ")")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    inner = f"SELECT t.id AS id, t.date AS date, {REVIEW_REASON_SQL} AS reason FROM transactions t{where}"
    outer_where = " WHERE reason != ''" if selection.needs_review else ""
    return f"WITH {CONFIRMED_CTE} SELECT {what} FROM ({inner}){outer_where}", params


def queue_ids(store: Store, selection: QueueSelection) -> list[str]:
    """Every listed id, in display order (ids only: a few MB at 100k rows, no frame)."""
    sql, params = _query(selection, "id")
    order = f"{REASON_RANK_SQL}, date DESC, id" if selection.needs_review else "date DESC, id"
    with store.connect() as conn:
        return [str(r[0]) for r in conn.execute(f"{sql} ORDER BY {order}", params)]
