"""A small household ledger with known recurring payments, for the Recurring tests and pages.

Everything is invented. Written straight into the store (as an import would leave it):
- TUNEBOX PREMIUM: monthly on the card, 11.99 for four months, then 12.99 (a price rise in May)
- OAKWOOD APTS WEB PMT: rent, monthly from checking, 1,500.00
- TRANSFER TO SAVINGS: 200.00 monthly from checking (a transfer once categorized as one)
- GREENLEAF MARKET: groceries every week with varying amounts (never a subscription)
- IRONWORKS GYM: 30.00 monthly January to March, then missed while the card goes on (ended)
- CLOUDNOTES: 4.99 weekly since June, the ledger's last month (new this month)
- FILMHAUS: 9.99 EUR monthly on a euro account (its own currency's totals)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.store import Store
from tests.support.extreme_ledgers import Row, store_rows

YEAR = 2026


def _monthly(day: int, months: range, text: str, amount: str, currency: str = "USD") -> list[Row]:
    return [(dt.date(YEAR, m, day), text, Decimal(amount), currency) for m in months]


def card_rows() -> list[Row]:
    rows = _monthly(14, range(1, 5), "TUNEBOX*PREMIUM 4411", "-11.99")
    rows += _monthly(14, range(5, 7), "TUNEBOX*PREMIUM 4411", "-12.99")
    rows += _monthly(3, range(1, 4), "IRONWORKS GYM", "-30.00")
    rows += [(dt.date(YEAR, 6, d), "CLOUDNOTES", Decimal("-4.99"), "USD") for d in (3, 10, 17, 24)]
    groceries = ["-112.06", "-87.40", "-131.15", "-64.99", "-120.30", "-95.12", "-143.80", "-78.25"]
    start = dt.date(YEAR, 4, 4)
    rows += [
        (start + dt.timedelta(days=7 * n), "GREENLEAF MARKET #12", Decimal(a), "USD")
        for n, a in enumerate((groceries * 2)[:12])  # 4 April to 20 June
    ]
    rows.append((dt.date(YEAR, 6, 30), "CORNER CAFE", Decimal("-4.50"), "USD"))
    return rows


def checking_rows() -> list[Row]:
    return _monthly(1, range(1, 7), "OAKWOOD APTS WEB PMT", "-1500.00") + _monthly(
        20, range(1, 7), "TRANSFER TO SAVINGS 0099", "-200.00"
    )


def girokonto_rows() -> list[Row]:
    return _monthly(9, range(1, 7), "FILMHAUS ABO", "-9.99", "EUR")


def seed_recurring(store: Store) -> dict[str, list[str]]:
    """Store the three accounts; returns each account's transaction ids."""
    return {
        "Card": store_rows(store, card_rows(), account="Card", file_tag="c"),
        "Checking": store_rows(store, checking_rows(), account="Checking", file_tag="k"),
        "Girokonto": store_rows(store, girokonto_rows(), account="Girokonto", file_tag="g"),
    }
