from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest

from app import insights, palette, periods
from app.categorize.merchant import merchant_name
from app.categorize.taxonomy import DEFAULT_TAXONOMY
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store, TransactionFilter

TRANSFERS = "Transfers & Card Payments"
D = Decimal

# (date, account, description, amount, currency, category)
LEDGER: list[tuple[str, str, str, str, str, str | None]] = [
    ("2024-01-03", "Card", "WHOLEFDS MKT #10234", "-100.00", "USD", "Groceries"),
    ("2024-01-09", "Card", "WHOLEFDS MKT #10234", "20.00", "USD", "Groceries"),
    ("2024-01-10", "Card", "CHIPOTLE 0123", "-30.00", "USD", "Dining"),
    ("2024-01-12", "Card", "<script>alert(1)</script>", "-1.00", "USD", "Dining"),
    ("2024-01-15", "Checking", "CARD PAYMENT THANK YOU", "-500.00", "USD", TRANSFERS),
    ("2024-01-15", "Card", "PAYMENT RECEIVED THANK YOU", "500.00", "USD", TRANSFERS),
    ("2024-01-16", "Checking", "TRANSFER TO SAVINGS", "-200.00", "USD", TRANSFERS),
    ("2024-01-25", "Checking", "ACME CORP PAYROLL", "2000.00", "USD", "Income"),
    ("2024-01-26", "Card", "MYSTERY SHOP 42", "-15.00", "USD", None),
    ("2024-01-27", "Checking", "VENMO FROM ALEX", "40.00", "USD", None),
    ("2024-01-31", "Card", "LATE FEE", "-5.00", "USD", "Fees & Interest"),
    ("2024-02-02", "Card", "WHOLEFDS MKT #10234", "-60.00", "USD", "Groceries"),
    ("2024-02-05", "Card", "BEST BUY 00123", "-80.00", "USD", "Shopping"),
    ("2024-02-08", "Card", "BEST BUY 00123", "80.00", "USD", "Shopping"),
    ("2024-02-10", "Card", '=HYPERLINK("http://evil.example","x")', "-9.99", "USD", "Shopping"),
    ("2024-02-14", "Card", "UNITED AIRLINES REFUND", "50.00", "USD", "Travel"),
    ("2024-02-20", "Card", "CAFE DE FLORE PARIS", "-12.00", "EUR", "Dining"),
]
PREVIOUS: list[tuple[str, str, str, str, str, str | None]] = [
    ("2023-12-04", "Card", "WHOLEFDS MKT #10234", "-100.00", "USD", "Groceries"),
    ("2023-12-24", "Card", "GIFT SHOP", "-20.00", "EUR", "Shopping"),
]


def ledger(store: Store, rows: list[tuple[str, str, str, str, str, str | None]]) -> pd.DataFrame:
    """Import hand-written rows into the real store and return its frame (the Insights contract)."""
    keys = [identity_key(a, dt.date.fromisoformat(d), D(x), c, s) for d, a, s, x, c, _ in rows]
    txs = [
        Transaction(
            id=tid,
            account=account,
            date=dt.date.fromisoformat(day),
            description=text,
            amount=D(amount),
            currency=currency,
            source=RowSource(file_sha256="a" * 64, row=n),
        )
        for n, (tid, (day, account, text, amount, currency, _)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), start=1
        )
    ]
    store.commit_import(ImportRecord("a" * 64, "test.csv", "test", None, len(rows)), txs)
    store.apply_category_updates(
        CategoryUpdate(t.id, row[5], CategorySource.USER, 1.0)
        for t, row in zip(txs, rows, strict=True)
        if row[5] is not None
    )
    return store.transactions_frame(
        TransactionFilter(date_from=min(t.date for t in txs), date_to=max(t.date for t in txs))
    )


@pytest.fixture
def frame(store: Store) -> pd.DataFrame:
    return ledger(store, LEDGER)


@pytest.fixture
def previous(tmp_path) -> pd.DataFrame:
    return ledger(Store(tmp_path / "previous.sqlite3"), PREVIOUS)


# -- headline ---------------------------------------------------------------------------------


def test_headline_nets_refunds_excludes_transfers_and_counts_uncategorized_outflows(
    frame: pd.DataFrame, previous: pd.DataFrame
) -> None:
    head = insights.headline(frame, previous)
    # Groceries 100-20+60, Dining 30+1, Fees 5, Uncategorized 15, Shopping 80-80+9.99, Travel -50
    assert head.spending == D("150.99")
    assert head.income == D("2000.00")
    assert head.net == D("1849.01")
    assert head.currency == "USD"
    assert head.currencies == ("USD", "EUR")
    assert head.months == 2
    assert head.avg_spending_per_month == D("75.50")
    assert head.biggest_category == "Groceries"
    assert head.biggest_category_amount == D("140.00")
    assert head.previous_spending == D("100.00")  # the EUR gift is not added to USD
    assert head.change_vs_previous == D("50.99")
    assert head.change_vs_previous_pct == pytest.approx(50.99)
    assert head.n_transactions == len(LEDGER)
    assert head.uncategorized_spending == D("15.00")
    assert head.uncategorized_inflows == 1
    assert insights.UNCATEGORIZED_NOTE in head.notes
    assert any("EUR (1)" in note for note in head.notes)


def test_headline_totals_are_exact_decimals(frame: pd.DataFrame) -> None:
    head = insights.headline(frame)
    for value in (head.spending, head.income, head.net, head.biggest_category_amount):
        assert isinstance(value, Decimal)


def test_include_transfers_counts_money_moved_to_other_accounts(frame: pd.DataFrame) -> None:
    # The card payment (-500 on checking, +500 on the card) cancels out; the savings transfer does not.
    head = insights.headline(frame, include_transfers=True)
    assert head.spending == D("350.99")
    assert head.include_transfers
    assert insights.headline(frame).spending == D("150.99")


def test_each_currency_has_its_own_totals(frame: pd.DataFrame) -> None:
    per_currency = {t.currency: t for t in insights.headline(frame).per_currency}
    assert per_currency["EUR"].spending == D("12.00")
    assert per_currency["EUR"].n_transactions == 1
    assert per_currency["USD"].spending == D("150.99")
    assert per_currency["USD"].n_transactions == len(LEDGER) - 1


def test_headline_without_previous_data_has_no_change(frame: pd.DataFrame) -> None:
    head = insights.headline(frame, frame.iloc[0:0])
    assert head.change_vs_previous is None
    assert head.change_vs_previous_pct is None
    assert head.previous_spending is None


def test_the_monthly_average_divides_by_the_months_of_the_period_that_hold_data(frame: pd.DataFrame) -> None:
    # The fixture's rows fall in January and February; March is in the period but empty.
    head = insights.headline(frame, period=(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    assert head.months == 2
    assert head.avg_spending_per_month == D("75.50")  # 150.99 / 2, rounded half-even to cents
    wide = insights.headline(frame, period=(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
    assert wide.months == 2  # "All time" over an old stray date must not divide by decades
    assert wide.avg_spending_per_month == head.avg_spending_per_month


def test_headline_of_nothing(store: Store) -> None:
    head = insights.headline(store.transactions_frame())
    assert head.currency is None
    assert head.spending == head.income == head.net == 0
    assert head.n_transactions == 0
    assert head.avg_spending_per_month is None
    assert head.biggest_category is None


# -- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ((dt.date(2024, 3, 1), dt.date(2024, 3, 31)), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ((dt.date(2024, 4, 1), dt.date(2024, 6, 30)), (dt.date(2024, 1, 1), dt.date(2024, 3, 31))),
        ((dt.date(2024, 1, 1), dt.date(2024, 1, 31)), (dt.date(2023, 12, 1), dt.date(2023, 12, 31))),
        ((dt.date(2024, 3, 10), dt.date(2024, 3, 19)), (dt.date(2024, 2, 29), dt.date(2024, 3, 9))),
        ((dt.date(2024, 3, 5), dt.date(2024, 3, 5)), (dt.date(2024, 3, 4), dt.date(2024, 3, 4))),
    ],
)
def test_previous_period_has_equal_length_and_ends_the_day_before(period, expected) -> None:
    assert periods.previous_period(*period) == expected
    assert expected[1] == period[0] - dt.timedelta(days=1)


def test_previous_period_rejects_a_reversed_range() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        periods.previous_period(dt.date(2024, 3, 2), dt.date(2024, 3, 1))


# -- aggregations -------------------------------------------------------------------------------


def test_spend_by_category_nets_refunds_and_drops_non_positive(frame: pd.DataFrame) -> None:
    data = insights.spend_by_category(frame)
    assert list(data["category"]) == ["Groceries", "Dining", "Uncategorized", "Shopping", "Fees & Interest"]
    assert list(data["spend"]) == [D("140.00"), D("31.00"), D("15.00"), D("9.99"), D("5.00")]
    assert list(data["spend_minor"]) == [14000, 3100, 1500, 999, 500]  # cents, summed as integers
    assert data["share"].sum() == pytest.approx(1.0)
    assert TRANSFERS not in set(data["category"]) and "Income" not in set(data["category"])


def test_spend_by_category_can_keep_net_refunds_so_rows_add_up(frame: pd.DataFrame) -> None:
    data = insights.spend_by_category(frame, positive_only=False)
    assert data.set_index("category").at["Travel", "spend"] == D("-50.00")
    assert math.isnan(data.set_index("category").at["Travel", "share"])
    assert sum(data["spend"], D(0)) == insights.headline(frame).spending


def test_spend_by_category_in_another_currency(frame: pd.DataFrame) -> None:
    data = insights.spend_by_category(frame, currency="EUR")
    assert list(zip(data["category"], data["spend"], strict=True)) == [("Dining", D("12.00"))]


def test_monthly_spend_keeps_net_refunds_and_adds_up_to_each_month(frame: pd.DataFrame) -> None:
    data = insights.monthly_spend_by_category(frame)
    cell = data.set_index(["month", "category"])["spend"]
    assert cell[(pd.Timestamp("2024-01-01"), "Groceries")] == D("80.00")
    assert cell[(pd.Timestamp("2024-02-01"), "Travel")] == D("-50.00")
    assert cell[(pd.Timestamp("2024-02-01"), "Shopping")] == D("9.99")
    monthly = insights.income_vs_spending(frame).set_index("month")["spending"]
    for month, total in data.groupby("month")["spend"].sum().items():
        assert total == monthly[month]


def test_income_vs_spending_per_month(frame: pd.DataFrame) -> None:
    data = insights.income_vs_spending(frame)
    assert list(data["month"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert list(data["income"]) == [D("2000.00"), D("0")]
    assert list(data["spending"]) == [D("131.00"), D("19.99")]
    assert list(data["net"]) == [D("1869.00"), D("-19.99")]


def test_top_merchants_are_ordered_by_net_spend(frame: pd.DataFrame) -> None:
    data = insights.top_merchants(frame, n=3)
    assert list(data["spend"]) == [D("140.00"), D("30.00"), D("15.00")]
    assert list(data["merchant"]) == [
        merchant_name("WHOLEFDS MKT #10234"),
        merchant_name("CHIPOTLE 0123"),
        merchant_name("MYSTERY SHOP 42"),
    ]
    assert list(data["category"]) == ["Groceries", "Dining", "Uncategorized"]
    everyone = insights.top_merchants(frame, n=50)
    assert merchant_name("BEST BUY 00123") not in set(everyone["merchant"])  # refunded in full
    assert list(everyone["spend_minor"]) == sorted(everyone["spend_minor"], reverse=True)


def test_cumulative_spend_aligns_this_period_with_the_one_before(store: Store) -> None:
    rows = [
        ("2024-03-01", "Card", "WHOLEFDS MKT #1", "-10.00", "USD", "Groceries"),
        ("2024-03-03", "Card", "WHOLEFDS MKT #1", "-5.00", "USD", "Groceries"),
        ("2024-03-31", "Card", "WHOLEFDS MKT #1", "-1.00", "USD", "Groceries"),
        ("2024-02-01", "Card", "WHOLEFDS MKT #1", "-7.00", "USD", "Groceries"),
        ("2024-02-29", "Card", "WHOLEFDS MKT #1", "-3.00", "USD", "Groceries"),
    ]
    everything = ledger(store, rows)
    march = everything[everything["date"] >= "2024-03-01"]
    february = everything[everything["date"] < "2024-03-01"]
    data = insights.cumulative_spend(march, february, period=(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    assert len(data) == 31
    assert list(data["current"].iloc[:4]) == [D("10.00"), D("10.00"), D("15.00"), D("15.00")]
    assert data["current"].iloc[-1] == D("16.00")
    assert data["previous"].iloc[0] == D("7.00")
    assert data["previous"].iloc[28] == D("10.00")  # 29 Feb, day 29
    assert data["previous"].iloc[29] is None  # February has no day 30
    assert data["previous_date"].iloc[28] == dt.date(2024, 2, 29)


def test_cumulative_spend_of_nothing_is_empty(store: Store) -> None:
    assert insights.cumulative_spend(store.transactions_frame()).empty


# -- colours and order ------------------------------------------------------------------------


def test_category_colours_are_stable_distinct_and_grey_for_uncategorized() -> None:
    names = list(DEFAULT_TAXONOMY.names)
    everything = palette.category_colors([*names, "Uncategorized"])
    assert len(set(everything[n] for n in names)) == len(names)
    assert everything["Uncategorized"] == palette.UNCATEGORIZED_COLOR
    # A category's colour does not depend on which others are present.
    assert palette.category_colors(["Travel"])["Travel"] == everything["Travel"]
    assert palette.category_colors(["Dining", "Travel"])["Travel"] == everything["Travel"]
    custom = palette.category_colors(["Kids"])["Kids"]
    assert custom == palette.category_colors(["Kids", "Dining"])["Kids"]
    assert custom in palette.PALETTE


def test_category_order_follows_the_taxonomy() -> None:
    names = list(DEFAULT_TAXONOMY.names)
    shuffled = ["Uncategorized", "Zoo", names[5], "Alpha", names[0], names[3]]
    assert insights.category_order(shuffled) == [
        names[0],
        names[3],
        names[5],
        "Alpha",
        "Zoo",
        "Uncategorized",
    ]


def test_taxonomy_kinds_drive_the_semantics() -> None:
    kinds = insights.default_kinds()
    assert kinds["Income"] == "income"
    assert kinds[TRANSFERS] == "transfer"
    assert kinds["Fees & Interest"] == "spend"
    assert sum(1 for kind in kinds.values() if kind == "spend") == 19


def test_a_custom_category_counts_as_spending(store: Store) -> None:
    frame = ledger(store, [("2024-05-02", "Card", "LEGO STORE", "-42.00", "USD", "Kids")])
    assert insights.headline(frame).spending == D("42.00")
    assert list(insights.spend_by_category(frame)["category"]) == ["Kids"]


# -- exactness and the contract's optional columns ------------------------------------------------


def test_thousands_of_cents_add_up_exactly(store: Store) -> None:
    # 0.10 has no exact float; 3,000 of them summed as floats drift, in cents they do not.
    rows = [
        (f"2024-04-{1 + n % 28:02d}", "Card", f"KIOSK {n}", "-0.10", "USD", "Dining") for n in range(3000)
    ]
    rows.append(("2024-04-29", "Card", "KIOSK REFUND", "0.30", "USD", "Dining"))
    frame = ledger(store, rows)
    assert sum(float(amount) for amount in frame["amount"]) != -299.7  # the float sum really is off
    assert frame["amount_minor"].dtype == "int64" and frame["amount_minor"].sum() == -29970
    head = insights.headline(frame)
    assert head.spending == D("299.70")
    assert insights.spend_by_category(frame)["spend"].tolist() == [D("299.70")]


def test_each_currency_sums_in_its_own_minor_units(store: Store) -> None:
    rows = [
        ("2024-04-01", "Card", "FX PURCHASE", "-10.123", "BHD", "Shopping"),
        ("2024-04-03", "Card", "FX PURCHASE", "-1.5", "BHD", "Shopping"),
        ("2024-04-04", "Card", "RAMEN", "-1200", "JPY", "Dining"),
        ("2024-04-05", "Card", "RAMEN", "-800", "JPY", "Dining"),
        ("2024-04-06", "Card", "UF", "-0.0001", "CLF", "Shopping"),
    ]
    frame = ledger(store, rows)
    assert sorted(frame["amount_minor"]) == [-10123, -1500, -1200, -800, -1]
    head = insights.headline(frame)
    totals = {t.currency: t.spending for t in head.per_currency}
    assert totals == {"BHD": D("11.623"), "JPY": D("2000"), "CLF": D("0.0001")}
    assert str(totals["BHD"]) == "11.623" and str(totals["JPY"]) == "2000"  # each with its own decimals


def test_the_store_refuses_an_amount_finer_than_its_currency(store: Store) -> None:
    with pytest.raises(ValueError, match=r"row 1: the amount -0.0000001 has 7 decimals but BHD has 3"):
        ledger(store, [("2024-04-02", "Card", "FX PURCHASE", "-0.0000001", "BHD", "Shopping")])
    assert store.count_transactions() == 0


def test_merchant_names_come_from_stored_keys_when_present(store: Store) -> None:
    from app.categorize.merchant import merchant_key

    frame = ledger(store, LEDGER)
    store.set_merchant_keys(
        {tid: merchant_key(text) for tid, text in zip(frame["id"], frame["description"], strict=True)}
    )
    keyed = store.transactions_frame()
    assert keyed["merchant_key"].notna().all()
    labels = insights.merchant_labels(keyed)
    assert labels.tolist() == [merchant_name(text) or text for text in keyed["description"]]
    assert insights.top_merchants(keyed).equals(insights.top_merchants(frame))


def test_category_totals_cover_every_category_and_currency(frame: pd.DataFrame) -> None:
    totals = insights.category_totals(frame)
    usd = totals[totals["currency"] == "USD"].set_index("category")
    assert list(totals["currency"].unique()) == ["USD", "EUR"]
    assert usd.at["Groceries", "money_out"] == D("-160.00")
    assert usd.at["Groceries", "money_in"] == D("20.00")
    assert usd.at["Groceries", "net"] == D("-140.00")
    assert usd.at["Groceries", "spending"] == D("140.00")
    assert usd.at["Travel", "spending"] == D("-50.00")
    assert usd.at["Income", "spending"] is None and usd.at["Income", "kind"] == "income"
    assert usd.at[TRANSFERS, "spending"] is None and usd.at[TRANSFERS, "transactions"] == 3
    # Uncategorized: the outflow counts, the incoming Venmo does not.
    assert usd.at["Uncategorized", "spending"] == D("15.00")
    assert usd.at["Uncategorized", "net"] == D("25.00")
    assert sum(v for v in usd["spending"] if v is not None) == insights.headline(frame).spending
    with_transfers = insights.category_totals(frame, include_transfers=True)
    moved = with_transfers[(with_transfers["currency"] == "USD") & (with_transfers["category"] == TRANSFERS)]
    assert moved["spending"].iloc[0] == D("200.00")
