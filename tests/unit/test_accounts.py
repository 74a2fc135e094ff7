"""Account names: masking card and account numbers, the v10 migration of stored names, and
renaming and merging accounts remembered for the next import of the same statement."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from app.account_names import masked_account_name
from app.accounts import AccountNameError, account_aliases, merge_accounts, rename_account
from app.ids import identity_key, occurrence_ids
from app.importer import import_files
from app.imports import change_log, imported_files
from app.settings import Settings
from app.store import Store
from app.store import schema as store_module

HEADER = b"Date,Description,Amount\n"
MARCH = (
    HEADER
    + b"2024-03-01,COFFEE ROASTERS,-4.50\n2024-03-01,COFFEE ROASTERS,-4.50\n2024-03-03,PAYROLL ACME,2500.00\n"
)
APRIL = HEADER + b"2024-04-02,GROCER MARKET,-52.10\n"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("RBC Visa 4516000000001234", "RBC Visa ••1234"),
        ("RBC Visa 4516 0000 0000 1234", "RBC Visa ••1234"),
        ("RBC Chequing 01234-5678901", "RBC Chequing ••8901"),
        ("ING NL12INGB0001234567", "ING NL12INGB••4567"),
        ("Chase 4321", "Chase 4321"),  # a last-four suffix is what banks print on purpose
        ("Amex ••1234", "Amex ••1234"),
        ("Activity20240301_20240331", "Activity20240301_20240331"),  # statement dates, not numbers
        ("Savings", "Savings"),
    ],
)
def test_names_keep_at_most_the_last_four_digits(name: str, shown: str) -> None:
    assert masked_account_name(name) == shown


def test_an_imported_card_number_becomes_its_last_four(store: Store) -> None:
    [result] = import_files(
        store, [("march.csv", MARCH)], account="RBC Visa 4516000000001234", currency="USD"
    )
    assert result.ok, result.error
    assert store.accounts() == ["RBC Visa ••1234"]
    assert [f.account for f in imported_files(store)] == ["RBC Visa ••1234"]


def _old_store(path: Path, account: str) -> list[str]:
    """A v9 store (before masking) holding MARCH as privfin then stored it: ids hash the full name."""
    conn = sqlite3.connect(path, isolation_level=None)
    for step in store_module.MIGRATIONS[:9]:
        if callable(step):
            step(conn)
        else:
            for statement in store_module.migration_statements(step):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 9")
    rows = [
        ("2024-03-01", "COFFEE ROASTERS", "-4.50", 2),
        ("2024-03-01", "COFFEE ROASTERS", "-4.50", 3),
        ("2024-03-03", "PAYROLL ACME", "2500.00", 4),
    ]
    import hashlib

    sha = hashlib.sha256(MARCH).hexdigest()
    ids = list(
        occurrence_ids(
            identity_key(account, dt.date.fromisoformat(d), Decimal(a), "USD", text) for d, text, a, _ in rows
        )
    )
    conn.execute(
        "INSERT INTO imports (id, file_sha256, file_name, profile, account, imported_at, rows_read, rows_imported) "
        "VALUES (1, ?, 'march.csv', 'generic', ?, '2024-04-01T10:00:00+00:00', 3, 3)",
        (sha, account),
    )
    for tid, (d, text, a, line) in zip(ids, rows, strict=True):
        conn.execute(
            "INSERT INTO transactions (id, account, date, description, amount_minor, currency, source_sha256, "
            "source_row, import_id, category, category_source) VALUES (?,?,?,?,?,?,?,?,1,'Dining','user')",
            (tid, account, d, text, int(Decimal(a) * 100), "USD", sha, line),
        )
    conn.execute("INSERT INTO account_currencies VALUES (?, 'USD', '2024-04-01T10:00:00+00:00')", (account,))
    conn.close()
    return ids


def test_the_migration_masks_stored_names_and_a_reimport_still_adds_nothing(settings: Settings) -> None:
    old_ids = _old_store(settings.db_path, "RBC Visa 4516000000001234")
    store = Store(settings.db_path)
    assert store.schema_version() == store_module.SCHEMA_VERSION
    assert store.accounts() == ["RBC Visa ••1234"]
    assert store.account_currency("RBC Visa ••1234") == "USD"
    assert [f.account for f in imported_files(store)] == ["RBC Visa ••1234"]
    frame = store.transactions_frame()
    assert set(frame["category"]) == {"Dining"} and len(frame) == 3  # nothing lost, decisions kept
    assert not set(frame.index) & set(old_ids)  # ids follow the masked name...
    # ...exactly as a fresh import of the same file makes them: the overlap is found, nothing doubles
    [again] = import_files(store, [("march.csv", MARCH)], account="RBC Visa 4516000000001234", currency="USD")
    assert again.ok and again.inserted == 0 and len(again.duplicate_ids) == 3
    assert store.count_transactions() == 3


def test_rename_moves_rows_and_the_next_import_follows_it(store: Store) -> None:
    import_files(store, [("march.csv", MARCH)], account="Visa", currency="USD")
    before = set(store.transactions_frame().index)
    assert rename_account(store, "Visa", "Joint card") == 3
    assert store.accounts() == ["Joint card"]
    assert set(store.transactions_frame().index) == before  # ids never move with a rename
    assert account_aliases(store) == {"Visa": "Joint card"}
    # the same statement again: nothing added; a new month of the same account lands under the new name
    [again] = import_files(store, [("march.csv", MARCH)], account="Visa", currency="USD")
    assert again.inserted == 0
    [april] = import_files(store, [("april.csv", APRIL)], account="Visa", currency="USD")
    assert april.inserted == 1 and store.accounts() == ["Joint card"]
    assert imported_files(store)[0].account == "Joint card"
    assert change_log(store)[0] | {"ts": None} == {
        "ts": None,
        "action": "account renamed",
        "from": "Visa",
        "to": "Joint card",
        "rows": 3,
    }


def test_merge_puts_two_accounts_into_one_and_renaming_again_follows_the_chain(store: Store) -> None:
    import_files(store, [("march.csv", MARCH)], account="Visa", currency="USD")
    import_files(store, [("april.csv", APRIL)], account="Old Visa", currency="USD")
    assert merge_accounts(store, ["Old Visa"], "Visa") == 1
    assert store.accounts() == ["Visa"]
    assert change_log(store)[0]["action"] == "accounts merged"
    rename_account(store, "Visa", "Card")
    assert account_aliases(store) == {"Visa": "Card", "Old Visa": "Card"}
    assert store.count_transactions() == 4


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [("Visa", "  ", "cannot be empty"), ("Visa", "Visa", "already called"), ("Nope", "X", "no account")],
)
def test_bad_renames_are_refused_and_change_nothing(store: Store, old: str, new: str, problem: str) -> None:
    import_files(store, [("march.csv", MARCH)], account="Visa", currency="USD")
    with pytest.raises(AccountNameError, match=problem):
        rename_account(store, old, new)
    assert store.accounts() == ["Visa"] and account_aliases(store) == {}


def test_a_typed_card_number_is_masked_too(store: Store) -> None:
    import_files(store, [("march.csv", MARCH)], account="Visa", currency="USD")
    rename_account(store, "Visa", "Visa 4516000000001234")
    assert store.accounts() == ["Visa ••1234"]
