"""What the ledger holds, from narrow SQL aggregates: the sidebar and the filter bars need this
on every page, and reading the whole transactions frame for it cost ~1 s at 100k rows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass

from app.store import Store


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total_minor: int  # the signed sum, in the currency's minor units (never mixed across currencies)


@dataclass(frozen=True)
class LedgerSummary:
    """Counts, accounts, date range and months of the whole ledger."""

    count: int
    accounts: tuple[str, ...]
    period: tuple[dt.date, dt.date] | None
    months: tuple[str, ...]  # "YYYY-MM", newest first
    currencies: tuple[CurrencyTotal, ...] = ()


EMPTY = LedgerSummary(0, (), None, ())


def ledger_summary(store: Store) -> LedgerSummary:
    with store.connect() as conn:
        count, first, last = conn.execute(
            "SELECT COUNT(*), MIN(date), MAX(date) FROM transactions"
        ).fetchone()
        if not count:
            return EMPTY
        accounts = tuple(
            str(r[0]) for r in conn.execute("SELECT DISTINCT account FROM transactions ORDER BY 1")
        )
        # SQLite answers this from the date index (a covering scan) without reading the rows.
        months = tuple(
            str(r[0])
            for r in conn.execute("SELECT DISTINCT substr(date, 1, 7) FROM transactions ORDER BY 1 DESC")
        )
        try:
            currencies = tuple(
                CurrencyTotal(str(code), int(n), int(total))
                for code, n, total in conn.execute(
                    "SELECT currency, COUNT(*), SUM(amount_minor) FROM transactions GROUP BY currency ORDER BY 1"
                )
            )
        except sqlite3.OperationalError as error:
            if "overflow" not in str(error):
                raise
            # SQLite's SUM stops at 64 bits; Python's integers do not (extreme but valid ledgers).
            currencies = _summed_in_python(conn)
    return LedgerSummary(
        count=int(count),
        accounts=accounts,
        period=(dt.date.fromisoformat(first), dt.date.fromisoformat(last)),
        months=months,
        currencies=currencies,
    )


def _summed_in_python(conn: sqlite3.Connection) -> tuple[CurrencyTotal, ...]:
    counts: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for code, amount in conn.execute("SELECT currency, amount_minor FROM transactions"):
        counts[str(code)] += 1
        totals[str(code)] += int(amount)
    return tuple(CurrencyTotal(code, counts[code], totals[code]) for code in sorted(counts))
