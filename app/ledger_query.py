"""Which rows a view of the ledger covers, and the period just before it for comparisons.

One rule for Insights, Export (both through `components/filters.py`) and `privfin export`
(`app.reports.stored_report`): the same accounts and categories, the period's dates, and
the equally long period ahead of it; the rows themselves come from `Store.transactions_frame`
(or Insights' narrow `app.insights_queries.insights_frame`) with these filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.periods import previous_period
from app.store import TransactionFilter


@dataclass(frozen=True)
class LedgerQuery:
    current: TransactionFilter
    previous: TransactionFilter | None  # None: no period before this one to compare with


def ledger_query(
    accounts: Sequence[str],
    categories: Sequence[str],
    period: tuple[dt.date, dt.date] | None,
    *,
    compare: bool = True,
) -> LedgerQuery:
    """The filters for `accounts` and `categories` (all when empty) over `period` (all dates when
    None), and for the period before it unless `compare` is off or there is none."""
    current = TransactionFilter(
        accounts=list(accounts),
        categories=list(categories),
        date_from=period[0] if period else None,
        date_to=period[1] if period else None,
    )
    before = previous_period(*period) if period is not None and compare else None
    previous = (
        None
        if before is None
        else TransactionFilter(
            accounts=list(accounts), categories=list(categories), date_from=before[0], date_to=before[1]
        )
    )
    return LedgerQuery(current, previous)
