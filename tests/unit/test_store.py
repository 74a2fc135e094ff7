from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, SkipKind, SkippedRow, Transaction
from app.store import SCHEMA_VERSION, CategoryUpdate, ImportRecord, Store


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
