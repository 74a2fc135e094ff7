"""The narrow Insights read gives every figure the full `transactions_frame` gives.

A generated store (three currencies, refunds, uncategorized rows both ways, matched transfers,
foreign spend) is read both ways for several filters, and every Insights computation is run on
both frames and compared.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from app import charts, fx, insights
from app.categorize.stored_keys import fill_merchant_keys
from app.ids import identity_key, occurrence_ids
from app.insights_queries import insights_frame
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store, TransactionFilter
from app.transfer_ledger import refresh_transfers

TRANSFERS = "Transfers & Card Payments"
START = dt.date(2024, 1, 1)
DAYS = 240
# (description, category or None, currency, lowest, highest minor units; negative is money out)
KINDS: tuple[tuple[str, str | None, str, int, int], ...] = (
    ("CORNER GROCER {n}", "Groceries", "USD", -9_000, -300),
    ("CORNER GROCER {n} REFUND", "Groceries", "USD", 200, 3_000),
    ("NOODLE BAR {n}", "Dining", "USD", -4_000, -800),
    ("GADGET HUT", "Shopping", "USD", -30_000, -1_000),
    ("GADGET HUT RETURN", "Shopping", "USD", 1_000, 40_000),
    ("HARBOR PAYROLL", "Income", "USD", 150_000, 300_000),
    ("CASHBACK REVERSAL", "Income", "USD", -500, -100),
    ("UNKNOWN VENDOR {n}", None, "USD", -5_000, -100),
    ("INCOMING FROM SAM", None, "USD", 500, 9_000),
    ("BOULANGERIE {n}", "Dining", "EUR", -2_000, -200),
    ("MARCHE BIO", "Groceries", "EUR", -8_000, -500),
    ("GEHALT", "Income", "EUR", 200_000, 250_000),
    ("RAMEN-YA {n}", "Dining", "JPY", -3_000, -800),
)


def _transactions(rng: random.Random) -> list[Transaction]:
    rows: list[tuple[str, dt.date, Decimal, str, str, Decimal | None, str | None]] = []
    exponent = {"USD": 2, "EUR": 2, "JPY": 0}
    for n in range(400):
        text, _, code, low, high = rng.choice(KINDS)
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        amount = Decimal(rng.randint(low, high)).scaleb(-exponent[code])
        account = {"USD": rng.choice(("Card", "Checking")), "EUR": "Euro", "JPY": "Yen"}[code]
        rows.append((account, day, amount, text.format(n=n % 7), code, None, None))
    for _ in range(12):  # moves between the user's own accounts: both sides
        day = START + dt.timedelta(days=rng.randrange(DAYS - 5))
        amount = Decimal(rng.randint(1_000, 90_000)).scaleb(-2)
        rows.append(("Checking", day, -amount, "ONLINE TRANSFER TO SAVINGS", "USD", None, None))
        rows.append(
            ("Savings", day + dt.timedelta(days=1), amount, "TRANSFER FROM CHECKING", "USD", None, None)
        )
    for _ in range(6):  # a USD card paying in EUR: the exchange rows fx derives a rate from
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        euros = Decimal(rng.randint(1_000, 20_000)).scaleb(-2)
        dollars = (euros * Decimal("1.09")).quantize(Decimal("0.01"))
        rows.append(("Card", day, -dollars, "HOTEL LISBOA", "USD", -euros, "EUR"))
    keys = [identity_key(a, d, x, c, s) for a, d, x, s, c, _, _ in rows]
    return [
        Transaction(
            id=tid,
            account=account,
            date=day,
            description=text,
            amount=amount,
            currency=code,
            original_amount=original,
            original_currency=original_code,
            source=RowSource(file_sha256="b" * 64, row=number),
        )
        for number, (tid, (account, day, amount, text, code, original, original_code)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), start=1
        )
    ]


@pytest.fixture
def generated(tmp_path: Path) -> Store:
    rng = random.Random(20240101)
    store = Store(tmp_path / "generated.sqlite3")
    txs = _transactions(rng)
    store.commit_import(ImportRecord("b" * 64, "generated.csv", "test", None, len(txs)), txs)
    fill_merchant_keys(store)
    category = {text.split(" {")[0]: cat for text, cat, *_ in KINDS}
    category |= {"ONLINE TRANSFER TO SAVINGS": TRANSFERS, "HOTEL LISBOA": "Travel"}
    updates: list[CategoryUpdate] = []
    for tx in txs:
        name = next((cat for prefix, cat in category.items() if tx.description.startswith(prefix)), None)
        if name is not None:  # the rest stay uncategorized
            updates.append(CategoryUpdate(tx.id, name, CategorySource.USER, 1.0))
    store.apply_category_updates(updates)
    refresh_transfers(store)
    return store


FILTERS = (
    TransactionFilter(),
    TransactionFilter(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 5, 31)),
    TransactionFilter(accounts=["Card", "Savings"], categories=["Groceries", "Uncategorized", TRANSFERS]),
    TransactionFilter(search="grocer"),
    TransactionFilter(date_from=dt.date(2030, 1, 1)),  # nothing
)


def _both(store: Store, flt: TransactionFilter) -> tuple[pd.DataFrame, pd.DataFrame]:
    return store.transactions_frame(flt), insights_frame(store, flt)


def test_the_generated_store_has_what_the_comparison_is_about(generated: Store) -> None:
    full = generated.transactions_frame()
    assert set(full["currency"]) == {"USD", "EUR", "JPY"}
    assert full["transfer_pair"].notna().sum() >= 20
    assert full["category"].isna().any()
    assert ((full["category"] == "Groceries") & (full["amount_minor"] > 0)).any()  # refunds
    assert full["original_amount"].notna().sum() == 6


@pytest.mark.parametrize("flt", FILTERS, ids=["all", "quarter", "accounts+categories", "search", "empty"])
def test_the_narrow_frame_holds_the_same_rows_in_the_same_order_with_the_same_values(
    generated: Store, flt: TransactionFilter
) -> None:
    full, narrow = _both(generated, flt)
    assert list(narrow.index) == list(full.index)
    pd.testing.assert_frame_equal(
        narrow, full[list(narrow.columns)], check_dtype=False, check_index_type=False
    )
    assert "amount" not in narrow  # no Decimal per row


@pytest.mark.parametrize("include_transfers", [False, True])
@pytest.mark.parametrize("currency", [None, "EUR", "JPY"])
def test_every_insights_figure_is_the_same_from_either_frame(
    generated: Store, include_transfers: bool, currency: str | None
) -> None:
    period = (dt.date(2024, 3, 1), dt.date(2024, 5, 31))
    before = TransactionFilter(date_from=dt.date(2023, 12, 1), date_to=dt.date(2024, 2, 29))
    full, narrow = _both(generated, TransactionFilter(date_from=period[0], date_to=period[1]))
    full_before, narrow_before = _both(generated, before)
    options = {"currency": currency, "include_transfers": include_transfers}
    assert insights.currencies(narrow) == insights.currencies(full)
    head = insights.headline(full, full_before, period=period, **options)
    assert head.spending > 0 and head.previous_spending is not None
    assert insights.headline(narrow, narrow_before, period=period, **options) == head
    for compute in (
        insights.spend_by_category,
        insights.monthly_spend_by_category,
        insights.top_merchants,
        insights.income_vs_spending,
    ):
        pd.testing.assert_frame_equal(compute(narrow, **options), compute(full, **options))
    pd.testing.assert_frame_equal(
        insights.cumulative_spend(narrow, narrow_before, period=period, **options),
        insights.cumulative_spend(full, full_before, period=period, **options),
    )
    pd.testing.assert_frame_equal(
        insights.category_totals(narrow, include_transfers=include_transfers),
        insights.category_totals(full, include_transfers=include_transfers),
    )
    for build in (charts.spending_by_category, charts.top_merchants, charts.monthly_spending):
        assert build(narrow, **options).to_json() == build(full, **options).to_json()


def test_rates_derived_from_the_narrow_frame_equal_those_from_the_full_one(generated: Store) -> None:
    full, narrow = _both(generated, TransactionFilter())
    rates = fx.derived_rates(full, "USD")
    assert set(rates) == {"EUR"} and rates["EUR"].rows == 6
    assert fx.derived_rates(narrow, "USD") == rates
    assert fx.derived_rates(narrow, "EUR") == fx.derived_rates(full, "EUR")
