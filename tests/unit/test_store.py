from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.datadir import DataDirError
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, SkipKind, SkippedRow, Transaction
from app.store import MIGRATIONS, SCHEMA_VERSION, CategoryUpdate, ImportRecord, Store
from tests.support.old_store import old_store


def _tx(description: str, amount: str, day: int, occurrence_ids_: list[str], row: int) -> Transaction:
    return Transaction(
        id=occurrence_ids_[row - 1],
        account="Card",
        date=dt.date(2024, 3, day),
        description=description,
        amount=Decimal(amount),
        currency="USD",
        source=RowSource(file_sha256="f" * 64, row=row),
    )


def _statement() -> list[Transaction]:
    rows = [("METRO FARE", "-2.90", 4), ("METRO FARE", "-2.90", 4), ("WHOLEFDS #123", "-54.10", 5)]
    ids = list(
        occurrence_ids(identity_key("Card", dt.date(2024, 3, d), Decimal(a), "USD", s) for s, a, d in rows)
    )
    return [_tx(s, a, d, ids, n) for n, (s, a, d) in enumerate(rows, start=1)]


def _record(n: int) -> ImportRecord:
    return ImportRecord(
        file_sha256="f" * 64,
        file_name="a.csv",
        profile="test",
        account="Card",
        rows_read=n,
        skipped=[SkippedRow(row=9, kind=SkipKind.FILTERED, reason="balance line")],
    )


def test_schema_is_migrated_and_in_wal_mode(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_identical_rows_in_one_file_are_kept_and_reimport_adds_nothing(store: Store) -> None:
    txs = _statement()
    assert len({t.id for t in txs}) == 3
    first = store.commit_import(_record(3), txs)
    assert first.inserted == 3 and not first.duplicate_ids
    second = store.commit_import(_record(3), txs)
    assert second.inserted == 0 and second.duplicate_ids == {t.id for t in txs}
    assert store.count_transactions() == 3
    assert [i["rows_duplicate"] for i in store.imports()] == [0, 3]
    assert store.imports()[0]["skipped"][0]["reason"] == "balance line"


def test_round_trip_keeps_exact_amounts(store: Store) -> None:
    txs = _statement()
    store.commit_import(_record(3), txs)
    assert sorted(store.get_transactions(), key=lambda t: t.source.row) == txs
    frame = store.transactions_frame()
    assert frame.loc[txs[2].id, "amount"] == Decimal("-54.10")


def test_model_results_never_overwrite_user_decisions(store: Store) -> None:
    txs = _statement()
    store.commit_import(_record(3), txs)
    store.set_user_category([txs[0].id], "Transport")
    changed = store.apply_category_updates(
        [CategoryUpdate(t.id, "Dining", CategorySource.MODEL, 0.9) for t in txs]
    )
    assert changed == 2
    frame = store.transactions_frame()
    assert frame.loc[txs[0].id, "category"] == "Transport"
    assert frame.loc[txs[0].id, "category_source"] == "user"
    assert frame.loc[txs[1].id, "category"] == "Dining"


def test_failed_import_writes_nothing(store: Store) -> None:
    txs = _statement()
    broken = [*txs, txs[0].model_copy(update={"id": None})]  # NOT NULL violation mid-write
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_import(_record(4), broken)
    assert store.count_transactions() == 0
    assert store.imports() == []


def test_delete_everything_leaves_an_empty_working_store(store: Store) -> None:
    store.commit_import(_record(3), _statement())
    store.delete_everything()
    assert store.count_transactions() == 0
    assert store.schema_version() == SCHEMA_VERSION
    store.commit_import(_record(3), _statement())
    assert store.count_transactions() == 3


def _indexes(store: Store) -> set[tuple[str, str]]:
    conn = sqlite3.connect(store.path)
    try:
        return set(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def test_bulk_import_keeps_indexes_and_quotes_in_constant_columns(store: Store) -> None:
    indexes = _indexes(store)
    one = Transaction(
        id="a" * 20,
        account="O'Brien's card",  # one value for the whole file: written as an SQL literal
        date=dt.date(2024, 3, 4),
        description="JOE'S; DROP TABLE transactions --",
        amount=Decimal("-2.90"),
        currency="USD",
        bank_category="Food & 'Drink'",
        source=RowSource(file_sha256="f" * 64, row=7),
    )
    outcome = store.commit_import(_record(1), [one])
    assert outcome.inserted == 1
    assert store.get_transactions() == [one]
    assert _indexes(store) == indexes  # dropped for the bulk load and rebuilt identically


def test_an_overlapping_import_writes_only_its_new_rows_under_its_own_import(store: Store) -> None:
    txs = _statement()
    store.commit_import(_record(2), txs[:2])
    outcome = store.commit_import(_record(3), txs)
    assert outcome.inserted == 1 and outcome.duplicate_ids == {txs[0].id, txs[1].id}
    frame = store.transactions_frame()
    assert frame.loc[txs[2].id, "import_id"] == outcome.import_id
    assert [i["rows_imported"] for i in store.imports()] == [2, 1]


def test_a_failed_import_writes_nothing_and_keeps_the_indexes(store: Store) -> None:
    indexes = _indexes(store)
    txs = _statement()
    clash = txs[1].model_copy(update={"id": txs[0].id})  # two rows, one id: the insert fails
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_import(_record(3), [txs[0], clash, txs[2]])
    assert store.count_transactions() == 0 and store.imports() == []
    assert _indexes(store) == indexes


def test_revision_moves_with_every_write_and_only_then(store: Store) -> None:
    start = store.revision()
    assert store.revision() == start  # reads do not move it
    txs = _statement()
    store.commit_import(_record(3), txs)
    after_import = store.revision()
    assert after_import != start
    store.mark_reviewed([txs[0].id])
    after_review = store.revision()
    assert after_review != after_import
    store.mark_reviewed([txs[0].id])  # a second write in the same second still moves it
    assert store.revision() != after_review
    store.transactions_frame()
    assert store.revision() == Store(store.path).revision()  # the same for every reader


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give a user (0644 files, 0755 folders unless asked otherwise)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private_modes(store: Store) -> dict[str, int]:
    files = [store.path, Path(f"{store.path}-wal"), Path(f"{store.path}-shm")]
    return {path.name: _mode(path) for path in files} | {"data dir": _mode(store.path.parent)}


PRIVATE = {
    "privfin.sqlite3": 0o600,
    "privfin.sqlite3-wal": 0o600,
    "privfin.sqlite3-shm": 0o600,
    "data dir": 0o700,
}


def test_a_new_data_dir_and_its_database_files_are_readable_by_the_owner_only(
    tmp_path: Path, usual_umask: None
) -> None:
    store = Store(tmp_path / "not" / "yet" / "privfin.sqlite3")
    store.commit_import(_record(3), _statement())  # the WAL and SHM files exist while the store is open
    assert _private_modes(store) == PRIVATE
    store.delete_everything()
    assert _private_modes(store) == PRIVATE


def test_an_older_stores_loose_modes_are_tightened(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "privfin"
    data_dir.mkdir(mode=0o755)
    Store(data_dir / "privfin.sqlite3").commit_import(_record(3), _statement())
    for path in [data_dir, *data_dir.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    store = Store(data_dir / "privfin.sqlite3")
    assert _private_modes(store) == PRIVATE
    assert store.count_transactions() == 3


def _data_dir_that_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "data").write_text("not a folder")
    return tmp_path / "data"


def _data_dir_inside_a_file(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("not a folder")
    return tmp_path / "file" / "data"


def _database_that_is_a_folder(tmp_path: Path) -> Path:
    (tmp_path / "data" / "privfin.sqlite3").mkdir(parents=True)
    return tmp_path / "data"


@pytest.mark.parametrize(
    "unusable", [_data_dir_that_is_a_file, _data_dir_inside_a_file, _database_that_is_a_folder]
)
def test_an_unusable_data_dir_is_a_clear_error(tmp_path: Path, unusable: Callable[[Path], Path]) -> None:
    data_dir = unusable(tmp_path)
    with pytest.raises(DataDirError, match="PRIVFIN_DATA_DIR") as raised:
        Store(data_dir / "privfin.sqlite3")
    assert str(data_dir) in str(raised.value)


def test_an_older_schema_is_migrated_from_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "privfin.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(f"{MIGRATIONS[0]}; PRAGMA user_version = 1;")
    conn.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.revision() == "0"  # v3 ran: the revision counter exists
    assert store.get_meta("anything") is None  # v4 ran: the meta table exists


def _remember(store: Store, merchant: str, model: str, category: str | None) -> None:
    key = f"{merchant}|{model}"
    store.cache_put([(key, merchant, "out", "t1", model, "p1", category, 0.9)])


def test_the_answer_cache_is_cleared_for_one_model_or_all(tmp_path: Path) -> None:
    store = Store(tmp_path / "privfin.sqlite3")
    for merchant in ("ACME", "ZORB", "QUIL"):
        _remember(store, merchant, "qwen", "Groceries")
    _remember(store, "ACME", "llama", None)  # an explicit null is an answer too
    assert store.cache_models() == {"qwen": 3, "llama": 1}

    assert store.cache_clear(model="llama") == 1
    assert store.cache_models() == {"qwen": 3}
    assert store.cache_clear(model="nobody") == 0
    kept = ["ACME|qwen", "ZORB|qwen", "QUIL|qwen"]
    assert set(store.cache_get(kept)) == set(kept)

    assert store.cache_clear() == 3
    assert store.cache_size() == 0 and store.cache_models() == {}


def test_a_text_amount_store_is_migrated_to_exact_minor_units(tmp_path: Path) -> None:
    """v8 kept amounts as TEXT; v9 converts each to INTEGER minor units of its own currency,
    exactly, and sets aside (never rounds or drops) what has no exact form."""
    path = old_store(
        tmp_path / "privfin.sqlite3",
        [
            ("t1", "2024-03-01", "METRO FARE", "-2.90", "USD", None, None),
            ("t2", "2024-03-02", "RAMEN", "-1200", "JPY", None, None),
            ("t3", "2024-03-03", "SOUK", "-1.234", "BHD", None, None),
            ("t4", "2024-03-04", "HOTEL LONDON", "-9.40", "EUR", "-8.00", "GBP"),
            ("t5", "2024-03-05", "PAYROLL", "2000", "USD", None, None),  # no decimals written
            ("t6", "2024-03-06", "BIG", "92233720368547758.07", "USD", None, None),  # the int64 maximum
            ("t7", "2024-03-07", "TOO FINE", "-0.001", "USD", None, None),
            ("t8", "2024-03-08", "NOT A NUMBER", "abc", "USD", None, None),
            ("t9", "2024-03-09", "TOO BIG", "92233720368547758.08", "USD", None, None),
        ],
        category="Dining",
    )
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE transactions SET second_opinion = 'built-in rule: Travel' WHERE id = 't1'")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT id, amount_minor FROM transactions"))
        types = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA table_info(transactions)")}
        originals = conn.execute(
            "SELECT original_amount_minor, original_currency FROM transactions WHERE id = 't4'"
        )
        assert originals.fetchone() == (-800, "GBP")
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(transactions)")}
    assert stored == {"t1": -290, "t2": -1200, "t3": -1234, "t4": -940, "t5": 200000, "t6": 2**63 - 1}
    assert types["amount_minor"] == "INTEGER" and "amount" not in types and types["payee"] == "TEXT"
    assert {"ix_transactions_date", "ix_transactions_merchant", "ix_transactions_category"} <= indexes
    set_aside = {row["id"]: (row["amount"], row["reason"]) for row in store.unconverted_transactions()}
    assert set_aside.keys() == {"t7", "t8", "t9"}
    assert set_aside["t7"] == (
        "-0.001",
        "the amount -0.001 has 3 decimals but USD has 2 decimals; it was not rounded",
    )
    assert "not a number" in set_aside["t8"][1] and "too large" in set_aside["t9"][1]
    # Everything else about a row survives the rebuild.
    by_id = {t.id: t for t in store.get_transactions()}
    assert by_id["t4"].amount == Decimal("-9.40") and by_id["t4"].original_amount == Decimal("-8.00")
    assert by_id["t2"].amount == Decimal("-1200") and by_id["t3"].amount == Decimal("-1.234")
    frame = store.transactions_frame()
    assert set(frame["category"]) == {"Dining"} and set(frame["category_source"]) == {"user"}
    assert frame.loc["t1", "second_opinion"] == "built-in rule: Travel"
    assert Store(path).schema_version() == SCHEMA_VERSION  # opening again migrates nothing


def test_payee_is_stored_and_read_back(store: Store) -> None:
    plain, named = _statement()[:2]
    named = named.model_copy(update={"payee": "Metro Transit"})
    store.commit_import(_record(2), [plain, named])
    assert {t.id: t.payee for t in store.get_transactions()} == {plain.id: None, named.id: "Metro Transit"}
    frame = store.transactions_frame()
    assert (
        frame.loc[named.id, "payee"] == "Metro Transit" and frame.loc[named.id, "description"] == "METRO FARE"
    )
