"""One small card ledger with foreign spend: a hotel paid in GBP from a EUR card, ramen in yen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.models import RowSource, Transaction
from app.store import ImportRecord, Store

SHA = "p" * 64
HOTEL = Transaction(
    id="t-hotel",
    account="Card",
    date=dt.date(2024, 3, 4),
    description="HTL BRISTOL LDN 4471",
    payee="Hotel Bristol",
    amount=Decimal("-9.40"),
    currency="EUR",
    original_amount=Decimal("-8.00"),
    original_currency="GBP",
    source=RowSource(file_sha256=SHA, row=1),
)
RAMEN = Transaction(
    id="t-ramen",
    account="Card",
    date=dt.date(2024, 3, 5),
    description="ICHIRAN SHIBUYA 0042",
    amount=Decimal("-1200"),
    currency="JPY",
    source=RowSource(file_sha256=SHA, row=2),
)


def seed_foreign_spend(store: Store) -> None:
    """Store HOTEL and RAMEN as one import of the card's file."""
    store.commit_import(ImportRecord(SHA, "p.csv", "test", "Card", 2), [HOTEL, RAMEN])
