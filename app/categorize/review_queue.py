"""The Review queue in SQL: filtered, ordered, counted and paged by SQLite, so a page never
loads the whole ledger nor every id. The rule is `review_need.REASON_BRANCHES` (tested to
agree with the frame rule): one branch per reason, each read through its own partial index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.categorize.review_need import CONFIRMED_CTE, REASON_BRANCHES
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


@dataclass(frozen=True)
class QueuePlace:
    """Where a row sits in the queue's order: (rank, date descending, id)."""

    id: str
    rank: int
    date: str


def _selection_clauses(selection: QueueSelection) -> tuple[list[str], list[object]]:
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
    return clauses, params


@dataclass(frozen=True)
class _Branch:
    """One reason's rows under the selection's filters, as SELECT ... FROM ... WHERE pieces."""

    rank: int
    source: str
    where: str
    params: list[object]


def _branches(selection: QueueSelection, *, by_index: bool) -> list[_Branch]:
    """Each listed reason's rows. `by_index` names each branch's partial index: with no filter
    that is the plan SQLite should take, and without stats it may not (it took the category
    index, ~100 ms per branch at 100k rows). With filters the planner picks (e.g. the date
    index for a month)."""
    clauses, params = _selection_clauses(selection)
    if not selection.needs_review:
        where = " AND ".join(clauses) or "1"
        return [_Branch(0, "transactions", where, params)]
    return [
        _Branch(
            branch.rank,
            f"transactions INDEXED BY {branch.index}" if by_index and not clauses else "transactions",
            " AND ".join([branch.condition(), *clauses]),
            list(params),
        )
        for branch in REASON_BRANCHES
    ]


def _run(
    store: Store, build: Callable[[list[_Branch]], tuple[str, list[object]]], selection: QueueSelection
) -> list[Any]:
    """Run the query `build` makes of the selection's branches. A store whose review indexes
    do not match the rule (one written by a build whose rule differed) gets the same answer
    from the planner's own choice of index, only slower."""
    with store.connect() as conn:
        try:
            sql, params = build(_branches(selection, by_index=True))
            return conn.execute(f"WITH {CONFIRMED_CTE} {sql}", params).fetchall()
        except sqlite3.OperationalError as error:
            if "no query solution" not in str(error) and "no such index" not in str(error):
                raise
            sql, params = build(_branches(selection, by_index=False))
            return conn.execute(f"WITH {CONFIRMED_CTE} {sql}", params).fetchall()


def queue_count(store: Store, selection: QueueSelection) -> int:
    """How many rows the selection lists: the sum of each reason's count, which the partial
    indexes answer without reading a row (no ids read)."""

    def build(branches: list[_Branch]) -> tuple[str, list[object]]:
        counts = [f"(SELECT COUNT(*) FROM {b.source} WHERE {b.where})" for b in branches]
        return "SELECT " + " + ".join(counts), [p for b in branches for p in b.params]

    return int(_run(store, build, selection)[0][0])


def queue_page(
    store: Store,
    selection: QueueSelection,
    *,
    limit: int,
    offset: int = 0,
    after: QueuePlace | None = None,
    skip: Collection[str] = (),
) -> list[QueuePlace]:
    """`limit` listed rows in display order, from `offset` rows past `after` (a place in the
    order, e.g. the last row of a page shown earlier) or from the start; rows in `skip` (already
    on a page the user sees) are left out. The order is a total one (ties broken by id), so
    pages taken at the same revision never overlap or miss a row."""

    def build(branches: list[_Branch]) -> tuple[str, list[object]]:
        parts: list[str] = []
        params: list[object] = []
        for branch in branches:
            if after is not None and branch.rank < after.rank:
                continue  # the page starts past every row of this reason
            where, extra = branch.where, list(branch.params)
            if after is not None and branch.rank == after.rank:
                where += " AND (date < ? OR (date = ? AND id > ?))"
                extra.extend([after.date, after.date, after.id])
            if skip:
                where += " AND id NOT IN (SELECT value FROM json_each(?))"
                extra.append(json.dumps(list(skip)))
            # Each branch stops after the rows the page can need: it walks its index newest
            # first and never sorts the reason's other rows.
            parts.append(
                f"SELECT * FROM (SELECT id, {branch.rank} AS rank, date FROM {branch.source} "
                f"WHERE {where} ORDER BY date DESC, id LIMIT ?)"
            )
            params.extend([*extra, limit + offset])
        if not parts:
            return "SELECT NULL, NULL, NULL WHERE 0", []
        union = " UNION ALL ".join(parts)
        return f"SELECT id, rank, date FROM ({union}) ORDER BY rank, date DESC, id LIMIT ? OFFSET ?", [
            *params,
            limit,
            offset,
        ]

    rows = _run(store, build, selection)
    return [QueuePlace(str(r[0]), int(r[1]), str(r[2])) for r in rows]


def queue_ids(store: Store, selection: QueueSelection) -> list[str]:
    """Every listed id, in display order (for "Accept all", on a click, and the tests)."""

    def build(branches: list[_Branch]) -> tuple[str, list[object]]:
        union = " UNION ALL ".join(
            f"SELECT id, {b.rank} AS rank, date FROM {b.source} WHERE {b.where}" for b in branches
        )
        return f"SELECT id FROM ({union}) ORDER BY rank, date DESC, id", [
            p for b in branches for p in b.params
        ]

    return [str(r[0]) for r in _run(store, build, selection)]
