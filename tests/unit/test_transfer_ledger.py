"""Transfers in the store: pairs kept in `transfer_pair`, recomputed after imports and removals,
"Not a transfer" remembered, both sides out of spending, income and Recurring, and the column in
the exports. Real importer, real store, invented statements (and the shipped sample data)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from app import insights
from app.accounts import merge_accounts
from app.cli.categorize import transaction_rows
from app.importer import import_files
from app.imports import imported_files, remove_import
from app.models import CategorySource
from app.recurring_ledger import store_charges
from app.reports import EXPORT_COLUMNS, transactions_csv
from app.store import MIGRATIONS, SCHEMA_VERSION, CategoryUpdate, Store
from app.transfer_ledger import pair_count, refresh_transfers, transfer_pairs, unpair
from tests.conftest import SAMPLE_DATA

HEADER = b"Date,Description,Amount\n"
CHECKING = HEADER + (
    b"2026-03-01,ACME PAYROLL,3000.00\n"
    b"2026-03-02,ONLINE TRANSFER TO SAVINGS REF 5521,-500.00\n"
    b"2026-03-05,CORNER GROCER,-82.40\n"
    b"2026-04-02,ONLINE TRANSFER TO SAVINGS REF 5522,-500.00\n"
)
SAVINGS = HEADER + (
    b"2026-03-03,TRANSFER FROM CHECKING,500.00\n"
    b"2026-03-31,INTEREST PAID,1.12\n"
    b"2026-04-03,TRANSFER FROM CHECKING,500.00\n"
)


def _import(store: Store, name: str, data: bytes, account: str) -> int:
    [result] = import_files(store, [(name, data)], account=account, currency="USD")
    assert result.ok, result.error
    return next(f.id for f in imported_files(store) if f.file == name)


def _pairs(store: Store) -> set[tuple[str, str, str, str, Decimal]]:
    return {
        (p.outflow.account, p.outflow.date.isoformat(), p.inflow.account, p.inflow.date.isoformat(), p.amount)
        for p in transfer_pairs(store)
    }


def _ids_by_text(store: Store) -> dict[tuple[str, str], str]:
    with store.connect() as conn:
        return {(r[1], r[2]): r[0] for r in conn.execute("SELECT id, date, description FROM transactions")}


def test_pairs_appear_when_the_second_account_is_imported(store: Store) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    assert pair_count(store) == 0
    _import(store, "savings.csv", SAVINGS, "Savings")
    assert _pairs(store) == {
        ("Checking", "2026-03-02", "Savings", "2026-03-03", Decimal("500.00")),
        ("Checking", "2026-04-02", "Savings", "2026-04-03", Decimal("500.00")),
    }
    ids = _ids_by_text(store)
    out, arrived = (
        ids[("2026-03-02", "ONLINE TRANSFER TO SAVINGS REF 5521")],
        ids[("2026-03-03", "TRANSFER FROM CHECKING")],
    )
    frame = store.transactions_frame()
    assert frame.loc[out, "transfer_pair"] == arrived and frame.loc[arrived, "transfer_pair"] == out
    assert frame["transfer_pair"].notna().sum() == 4


def test_removing_an_import_unpairs_the_other_side(store: Store) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    savings = _import(store, "savings.csv", SAVINGS, "Savings")
    remove_import(store, savings)
    frame = store.transactions_frame()
    assert len(frame) == 4 and frame["transfer_pair"].isna().all()


def test_not_a_transfer_is_remembered_across_recomputes_and_imports(store: Store) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    _import(store, "savings.csv", SAVINGS, "Savings")
    ids = _ids_by_text(store)
    out = ids[("2026-03-02", "ONLINE TRANSFER TO SAVINGS REF 5521")]
    other = unpair(store, out)
    assert other == ids[("2026-03-03", "TRANSFER FROM CHECKING")]
    assert unpair(store, out) is None  # nothing left to undo
    refresh_transfers(store)
    _import(store, "more.csv", HEADER + b"2026-05-01,BOOK SHOP,-12.00\n", "Checking")
    assert _pairs(store) == {("Checking", "2026-04-02", "Savings", "2026-04-03", Decimal("500.00"))}


def test_merging_the_two_accounts_leaves_no_transfer(store: Store) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    _import(store, "savings.csv", SAVINGS, "Savings")
    merge_accounts(store, ["Savings"], "Checking")
    assert pair_count(store) == 0


def test_paired_rows_are_out_of_spending_income_and_recurring_unmatched_keep_their_category(
    store: Store,
) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    _import(store, "savings.csv", SAVINGS, "Savings")
    ids = _ids_by_text(store)
    # The worst case: the model called the transfer out "Shopping" and the one in "Income".
    categories = {
        ("2026-03-01", "ACME PAYROLL"): "Income",
        ("2026-03-02", "ONLINE TRANSFER TO SAVINGS REF 5521"): "Shopping",
        ("2026-04-02", "ONLINE TRANSFER TO SAVINGS REF 5522"): "Shopping",
        ("2026-03-03", "TRANSFER FROM CHECKING"): "Income",
        ("2026-04-03", "TRANSFER FROM CHECKING"): "Income",
        ("2026-03-05", "CORNER GROCER"): "Groceries",
        ("2026-03-31", "INTEREST PAID"): "Income",
    }
    store.apply_category_updates(
        CategoryUpdate(ids[k], c, CategorySource.MODEL, 0.9) for k, c in categories.items()
    )
    totals = insights.currency_totals(store.transactions_frame(), "USD")
    assert totals.spending == Decimal("82.40")
    assert totals.income == Decimal("3001.12")
    # Unpaired, the same rows count again under their own categories.
    unpair(store, ids[("2026-03-02", "ONLINE TRANSFER TO SAVINGS REF 5521")])
    totals = insights.currency_totals(store.transactions_frame(), "USD")
    assert totals.spending == Decimal("582.40") and totals.income == Decimal("3501.12")
    charges, _ends = store_charges(store)
    assert {c.id for c in charges}.isdisjoint(
        {
            ids[("2026-04-02", "ONLINE TRANSFER TO SAVINGS REF 5522")],
            ids[("2026-04-03", "TRANSFER FROM CHECKING")],
        }
    )


def test_the_csv_export_and_json_rows_carry_the_other_side(store: Store) -> None:
    _import(store, "checking.csv", CHECKING, "Checking")
    _import(store, "savings.csv", SAVINGS, "Savings")
    ids = _ids_by_text(store)
    out, arrived = (
        ids[("2026-03-02", "ONLINE TRANSFER TO SAVINGS REF 5521")],
        ids[("2026-03-03", "TRANSFER FROM CHECKING")],
    )
    grocer = ids[("2026-03-05", "CORNER GROCER")]
    assert EXPORT_COLUMNS[-1] == "transfer_pair"
    exported = {
        row["id"]: row["transfer_pair"]
        for row in csv.DictReader(
            io.StringIO(transactions_csv(store.transactions_frame()).decode("utf-8-sig"))
        )
    }
    assert exported[out] == arrived and exported[arrived] == out and exported[grocer] == ""
    printed = {row["id"]: row["transfer_pair"] for row in transaction_rows(store, None)}
    assert printed[out] == arrived and printed[arrived] == out and printed[grocer] == ""


def test_migration_v11_adds_the_column_to_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "v10.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:10]:
        if callable(step):
            conn.execute("BEGIN")
            step(conn)
            conn.execute("COMMIT")
        else:
            conn.executescript(step)
    conn.execute("PRAGMA user_version = 10")
    conn.execute(
        "INSERT INTO transactions (id, account, date, description, amount_minor, currency, source_sha256, "
        "source_row) VALUES ('t1', 'Checking', '2026-03-02', 'TRANSFER TO SAVINGS', -100, 'USD', ?, 1)",
        ("a" * 64,),
    )
    conn.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION  # v11 and every later step ran
    frame = store.transactions_frame()
    assert frame.loc["t1", "transfer_pair"] is None or frame["transfer_pair"].isna().all()
    with store.connect() as check:
        assert check.execute("SELECT COUNT(*) FROM transfer_unpaired").fetchone()[0] == 0


# Read by hand from sample_data/: Jordan's BofA checking pays the Amex, Capital One and Chase
# cards on the days the cards show the payment; the Mint export's Everyday Checking moves
# 300.00 to Online Savings on the 10th and pays the Double Cash Card. (out account, date,
# in account, date, amount); BofA's "transfer to SAV 7729" has no savings file: never paired.
BOFA, AMEX, CAPONE, CHASE = (
    "Bank of America checking",
    "Amex JORDAN RIVERA -••1009",
    "Capital One 7304",
    "Chase credit card",
)
EVERYDAY, SAVINGS_ACCOUNT, DOUBLE_CASH = "Everyday Checking", "Online Savings", "Double Cash Card"
SAMPLE_PAIRS = {
    *((BOFA, d, AMEX, d, Decimal(a)) for d, a in (
        ("2026-03-16", "1046.81"), ("2026-04-15", "1193.09"), ("2026-05-15", "1182.49"),
        ("2026-06-15", "1425.01"), ("2026-07-15", "1372.67"), ("2026-08-17", "1132.24"),
    )),
    *((BOFA, d, CAPONE, d, Decimal(a)) for d, a in (
        ("2026-03-20", "311.56"), ("2026-04-20", "374.80"), ("2026-05-20", "352.05"),
        ("2026-06-22", "217.86"), ("2026-07-20", "290.17"), ("2026-08-20", "242.38"),
    )),
    *((BOFA, d, CHASE, d, Decimal(a)) for d, a in (
        ("2026-03-24", "1184.27"), ("2026-04-24", "573.66"), ("2026-05-25", "954.32"),
        ("2026-06-24", "2827.96"), ("2026-07-24", "1370.59"), ("2026-08-24", "782.86"),
    )),
    *((EVERYDAY, f"2026-0{m}-10", SAVINGS_ACCOUNT, f"2026-0{m}-10", Decimal("300.00")) for m in range(3, 9)),
    *((EVERYDAY, d, DOUBLE_CASH, d, Decimal(a)) for d, a in (
        ("2026-03-23", "1873.05"), ("2026-04-23", "1638.58"), ("2026-05-25", "1504.63"),
        ("2026-06-23", "1854.02"), ("2026-07-23", "1980.04"), ("2026-08-24", "1474.48"),
    )),
}  # fmt: skip


def test_the_sample_datas_pairs_are_found_and_nothing_else(store: Store) -> None:
    files = [(path.name, path.read_bytes()) for path in sorted(SAMPLE_DATA.glob("*.csv"))]
    assert all(result.ok for result in import_files(store, files))
    assert _pairs(store) == SAMPLE_PAIRS


@pytest.mark.parametrize("days_apart", [0, 4])
def test_a_card_payment_pairs_within_the_window(store: Store, days_apart: int) -> None:
    paid = dt.date(2026, 3, 20) + dt.timedelta(days=days_apart)
    _import(store, "bank.csv", HEADER + b"2026-03-20,CREDIT CARD AUTOPAY,-250.00\n", "Checking")
    card = (
        HEADER
        + b"2026-03-18,CITY BOOKS,-45.00\n"
        + f"{paid.isoformat()},PAYMENT RECEIVED THANK YOU,250.00\n".encode()
    )
    _import(store, "card.csv", card, "Visa")
    assert pair_count(store) == 1
