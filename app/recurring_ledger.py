"""The store's recurring payments: its rows read for `app.recurring`, and the user's dismissals.

Rows are grouped by the merchant key the categorization pipeline stores (keys are filled
first for rows imported since the last run). Rows in a category of kind "transfer" are left
out: a monthly move to savings or a card payment is money staying with the user, not a bill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import load_taxonomy
from app.recurring import Charge, CostTotal, RecurringSeries, cost_totals, detect
from app.store import Store


@dataclass(frozen=True)
class RecurringReport:
    series: tuple[RecurringSeries, ...]  # what the user has not dismissed
    dismissed: tuple[RecurringSeries, ...]
    totals: tuple[CostTotal, ...]  # active outgoing series, per currency
    latest_date: dt.date | None  # the ledger's newest date ("new this month" is its month)

    @property
    def active(self) -> tuple[RecurringSeries, ...]:
        return tuple(s for s in self.series if s.active)

    @property
    def ended(self) -> tuple[RecurringSeries, ...]:
        return tuple(s for s in self.series if not s.active)


def store_charges(store: Store) -> tuple[list[Charge], dict[str, dt.date]]:
    """The charges detection looks at, and how far each account's data reaches (every row counts)."""
    fill_merchant_keys(store)
    transfers = [category.name for category in load_taxonomy(store).categories if category.kind == "transfer"]
    charges = [
        Charge(tid, dt.date.fromisoformat(day), amount, currency, merchant, account)
        for tid, day, amount, currency, merchant, account in store.recurring_rows(transfers)
    ]
    ends = {account: dt.date.fromisoformat(day) for account, day in store.account_last_dates().items()}
    return charges, ends


def recurring_report(store: Store) -> RecurringReport:
    charges, ends = store_charges(store)
    found = detect(charges, ends=ends)
    dismissed_keys = store.dismissed_recurring()
    kept = tuple(s for s in found if s.key not in dismissed_keys)
    return RecurringReport(
        series=kept,
        dismissed=tuple(s for s in found if s.key in dismissed_keys),
        totals=tuple(cost_totals(kept)),
        latest_date=max(ends.values(), default=None),
    )


def dismiss_series(store: Store, series: RecurringSeries) -> None:
    """Remember that a detected series is not a subscription (listed under "Not subscriptions")."""
    store.dismiss_recurring(series.key, series.merchant)


def restore_series(store: Store, series: RecurringSeries) -> bool:
    """List a dismissed series as recurring again; False when it was not dismissed (any more)."""
    return store.restore_recurring(series.key)
