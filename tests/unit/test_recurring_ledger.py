"""Recurring payments read from a real store: merchant keys, transfers left out, dismissals kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.categorize.taxonomy import TRANSFERS
from app.recurring_ledger import recurring_report
from app.store import Store
from tests.support.recurring_ledger import seed_recurring


def _summary(store: Store) -> dict[str, tuple[str, str, bool]]:
    return {s.merchant: (s.cadence.value, str(s.amount), s.active) for s in recurring_report(store).series}


def test_the_ledgers_series_are_found_by_their_stored_merchant_keys(store: Store) -> None:
    seed_recurring(store)
    assert _summary(store) == {
        "TUNEBOX PREMIUM": ("monthly", "12.99", True),
        "OAKWOOD APTS WEB PMT": ("monthly", "1500.00", True),
        "TRANSFER TO SAVINGS": ("monthly", "200.00", True),
        "IRONWORKS GYM": ("monthly", "30.00", False),
        "CLOUDNOTES": ("weekly", "4.99", True),
        "FILMHAUS ABO": ("monthly", "9.99", True),
    }
    report = recurring_report(store)
    assert report.latest_date == dt.date(2026, 6, 30)
    assert [s.merchant for s in report.series if s.is_new_since(dt.date(2026, 6, 1))] == ["CLOUDNOTES"]
    totals = {t.currency: (t.series, t.monthly, t.annual) for t in report.totals}
    assert totals == {
        "EUR": (1, Decimal("9.99"), Decimal("119.88")),
        # 12.99 + 1,500 + 200 + 4.99 x 52 / 12 (21.62); the ended gym costs nothing now
        "USD": (4, Decimal("1734.61"), Decimal("20815.36")),
    }


def test_rows_categorized_as_transfers_are_not_recurring_payments(store: Store) -> None:
    ids = seed_recurring(store)
    transfer_ids = [t.id for t in store.get_transactions(ids["Checking"]) if "SAVINGS" in t.description]
    store.set_user_category(transfer_ids, TRANSFERS)
    assert "TRANSFER TO SAVINGS" not in _summary(store)


def test_not_a_subscription_is_remembered_and_can_be_undone(store: Store) -> None:
    seed_recurring(store)
    tunebox = next(s for s in recurring_report(store).series if s.merchant == "TUNEBOX PREMIUM")
    store.dismiss_recurring(tunebox.key, tunebox.merchant)

    reopened = Store(store.path)  # a later session, or the CLI
    report = recurring_report(reopened)
    assert [s.key for s in report.dismissed] == [tunebox.key]
    assert tunebox.key not in {s.key for s in report.series}
    usd = next(t for t in report.totals if t.currency == "USD")
    assert usd.annual == Decimal("20815.36") - Decimal("155.88")

    assert reopened.restore_recurring(tunebox.key)
    assert tunebox.key in {s.key for s in recurring_report(reopened).series}
