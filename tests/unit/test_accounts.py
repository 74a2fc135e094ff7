"""Account names: masking card and account numbers, the v10 migration of stored names, and
renaming and merging accounts remembered for the next import of the same statement."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from app.account_names import masked_account_name, remasked_account_name
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
        ("Amex 3782 822463 10005", "Amex ••0005"),  # an Amex prints 4-6-5
        ("visa_4516_0000_0000_1234", "visa_••1234"),  # a file name's underscores
        ("Visa 4516.0000.0000.1234", "Visa ••1234"),
        ("Visa 4516  0000  0000  1234", "Visa ••1234"),
        ("Visa 451600******1234", "Visa ••1234"),  # a bank's own masking keeps the first six
        ("DE89 3704 0044 0532 0130 00", "DE89 ••3000"),  # an IBAN as printed
        ("export_4516000000001234_2024-03-01", "export_••1234_••0301"),  # no run into a date
        ("simple1 72255542", "simple1 ••5542"),  # a digit glued to a word stays the word's
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


def _store_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A store with only the first `version` migrations run, as that privfin left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for step in store_module.MIGRATIONS[:version]:
        if callable(step):
            step(conn)
        else:
            for statement in store_module.migration_statements(step):
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def _old_store(path: Path, account: str) -> list[str]:
    """A v9 store (before masking) holding MARCH as privfin then stored it: ids hash the full name."""
    conn = _store_at_version(path, 9)
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


@pytest.mark.parametrize(
    ("stored", "typed"),
    [  # what the v10 rule stored, and the name it stood for
        ("Amex 3782 ••2463 ••0005", "Amex 3782 822463 10005"),
        ("card ••1600******1234", "card 451600******1234"),
        ("visa_4516_0000_0000_1234", "visa_4516_0000_0000_1234"),
        ("Checking ••2345 ••7890", "Checking 12345 67890"),
        (
            "transactie-historie_NL00ASNB••9999_••4133",
            "transactie-historie_NL00ASNB9999999999_20220717204133",
        ),
        ("stmt ••0301", "stmt 2024-03-01"),
        ("RBC Visa ••1234", "RBC Visa 4516000000001234"),
    ],
)
def test_migration_v14_renames_a_stored_name_to_what_the_importer_now_makes(stored: str, typed: str) -> None:
    assert remasked_account_name(stored) == masked_account_name(typed)  # else a re-import doubles rows


def _v12_store(path: Path, card: str) -> dict[str, str]:
    """A v12 store as privfin then stored it: `card` named as the v10 rule masked it (leaking
    digits), one of its rows paired with a checking row, one pair undone, the checking renamed."""
    conn = _store_at_version(path, 12)
    rows = [
        ("card", card, "2024-03-01", "PAYMENT RECEIVED", 5000, 2),
        ("card2", card, "2024-03-02", "PAYMENT RECEIVED", 7000, 3),
        ("bank", "Checking", "2024-03-01", "CARD PAYMENT", -5000, 2),
        ("bank2", "Checking", "2024-03-02", "CARD PAYMENT", -7000, 3),
    ]
    ids: dict[str, str] = {}
    for name, account, day, text, minor, line in rows:
        [tid] = occurrence_ids(
            [identity_key(account, dt.date.fromisoformat(day), Decimal(minor) / 100, "USD", text)]
        )
        ids[name] = tid
        conn.execute(
            "INSERT INTO transactions (id, account, date, description, amount_minor, currency, source_sha256, "
            "source_row) VALUES (?,?,?,?,?,'USD','sha',?)",
            (tid, account, day, text, minor, line),
        )
    conn.execute("UPDATE transactions SET transfer_pair = ? WHERE id = ?", (ids["bank"], ids["card"]))
    conn.execute("UPDATE transactions SET transfer_pair = ? WHERE id = ?", (ids["card"], ids["bank"]))
    first, second = sorted((ids["card2"], ids["bank2"]))
    conn.execute("INSERT INTO transfer_unpaired VALUES (?, ?, '2024-04-01T00:00:00+00:00')", (first, second))
    conn.execute("INSERT INTO account_aliases VALUES (?, 'Household', '2024-04-01T00:00:00+00:00')", (card,))
    conn.execute("UPDATE transactions SET account = 'Household' WHERE account = ?", (card,))
    conn.execute(
        "INSERT INTO account_aliases VALUES ('Checking', ?, '2024-04-01T00:00:00+00:00')", (card + " joint",)
    )
    conn.execute("UPDATE transactions SET account = ? WHERE account = 'Checking'", (card + " joint",))
    conn.close()
    return ids


def test_migration_v14_masks_what_v10_let_through_and_pairs_follow_the_ids(settings: Settings) -> None:
    leaked = "Amex 3782 ••2463 ••0005"  # what v10 made of "Amex 3782 822463 10005"
    old = _v12_store(settings.db_path, leaked)
    store = Store(settings.db_path)
    assert store.schema_version() == store_module.SCHEMA_VERSION
    assert store.accounts() == ["Amex ••0005 joint", "Household"]
    assert account_aliases(store) == {"Amex ••0005": "Household", "Checking": "Amex ••0005 joint"}
    with store.connect() as conn:
        pairs = dict(
            conn.execute("SELECT id, transfer_pair FROM transactions WHERE transfer_pair IS NOT NULL")
        )
        refused = conn.execute("SELECT first_id, second_id FROM transfer_unpaired").fetchall()
        ids = {str(r[0]) for r in conn.execute("SELECT id FROM transactions")}
    assert ids == set(old.values())  # user-named accounts keep their rows' ids
    assert pairs == {old["card"]: old["bank"], old["bank"]: old["card"]}
    assert refused == [tuple(sorted((old["card2"], old["bank2"])))]


def test_migration_v14_gives_a_file_named_account_the_ids_a_fresh_import_makes(settings: Settings) -> None:
    leaked = "Amex 3782 ••2463 ••0005"
    _old_store(settings.db_path, leaked)  # a v9 store; v10 leaves this name as it is
    with sqlite3.connect(settings.db_path) as conn:
        for step in store_module.MIGRATIONS[9:12]:
            if callable(step):
                step(conn)
            else:
                for statement in store_module.migration_statements(step):
                    conn.execute(statement)
        conn.execute("PRAGMA user_version = 12")
    store = Store(settings.db_path)
    assert store.accounts() == ["Amex ••0005"]
    [again] = import_files(store, [("march.csv", MARCH)], account="Amex 3782 822463 10005", currency="USD")
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
