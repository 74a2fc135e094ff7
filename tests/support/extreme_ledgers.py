"""Ledgers holding values the importer refuses but a store can hold (older imports, manual edits):
dates at the ends of the calendar, amounts at the ends of the store's 64-bit minor units.

They are written straight into the store, never through the importer, so every reader of the
store (insights, charts, exports, pages) can be driven with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from app.ids import identity_key, occurrence_ids
from app.models import RowSource, Transaction
from app.money import MAX_MINOR, from_minor
from app.store import ImportRecord, Store

EARLIEST = dt.date.min  # 0001-01-01
LATEST = dt.date.max  # 9999-12-31
# The most negative USD amount the store holds: -(2**63 - 1) cents, 19 digits.
HUGE_AMOUNT = -from_minor(MAX_MINOR, "USD")

# (date, description, amount, currency)
Row = tuple[dt.date, str, Decimal, str]


def store_rows(
    store: Store,
    rows: Sequence[Row],
    *,
    account: str = "Card",
    file_tag: str = "x",
    profile: str | None = "test",
    bank_categories: Sequence[str | None] | None = None,
) -> list[str]:
    """Commit `rows` as one import of `account`, exactly as given; returns their ids."""
    keys = [identity_key(account, day, amount, currency, text) for day, text, amount, currency in rows]
    sha256 = (file_tag * 64)[:64]
    categories = bank_categories if bank_categories is not None else [None] * len(rows)
    transactions = [
        Transaction(
            id=tid,
            account=account,
            date=day,
            description=text,
            amount=amount,
            currency=currency,
            bank_category=category,
            source=RowSource(file_sha256=sha256, row=n),
        )
        for n, (tid, (day, text, amount, currency), category) in enumerate(
            zip(occurrence_ids(keys), rows, categories, strict=True), start=1
        )
    ]
    store.commit_import(ImportRecord(sha256, f"{file_tag}.csv", profile, account, len(rows)), transactions)
    return [t.id for t in transactions]
