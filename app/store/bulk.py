"""Bulk writes: one file's import, merchant keys (and the rules that follow a re-key).

The import is a bulk load: see `ImportWrites.commit_import_columns` and benchmarks/README.md
"Import" for what each trick buys.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from app import money
from app.models import Transaction
from app.store.columns import MinorAmounts, TransactionColumns, TransactionList, minor_amounts
from app.store.connection import StoreBase, bump_structure
from app.store.records import ImportOutcome, ImportRecord
from app.store.sql_helpers import utc_now

_BULK_CACHE_BYTES_PER_ROW = 48
_BULK_CACHE_MIN_KIB, _BULK_CACHE_MAX_KIB = 16 * 1024, 64 * 1024


def _bulk_cache_kib(rows: int) -> int:
    return min(_BULK_CACHE_MAX_KIB, max(_BULK_CACHE_MIN_KIB, rows * _BULK_CACHE_BYTES_PER_ROW // 1024))


_INSERT_COLUMNS = (
    "id",
    "account",
    "date",
    "posted_date",
    "description",
    "amount_minor",
    "currency",
    "bank_category",
    "source_sha256",
    "source_row",
    "import_id",
    "updated_at",
    "original_amount_minor",
    "original_currency",
    "payee",
)


_IDS_PER_QUERY = 50_000  # one JSON array of a whole file's ids was 0.4x its size on top of the peak


def _stored_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """Which of `ids` the transactions table holds: a query per `_IDS_PER_QUERY` ids, passed as a JSON array."""
    found: set[str] = set()
    for start in range(0, len(ids), _IDS_PER_QUERY):
        part = json.dumps(list(ids[start : start + _IDS_PER_QUERY]))
        rows = conn.execute(
            "SELECT id FROM transactions WHERE id IN (SELECT value FROM json_each(?))", (part,)
        )
        found.update(r[0] for r in rows)
    return found


def _iso_dates(dates: Sequence[dt.date | None]) -> list[str | None]:
    text: dict[dt.date | None, str | None] = {day: day.isoformat() for day in set(dates) if day is not None}
    text[None] = None
    return list(map(text.__getitem__, dates))


def _insert_values(
    columns: TransactionColumns, minor: MinorAmounts, import_id: int, now: str
) -> list[Sequence[Any]]:
    """The `_INSERT_COLUMNS` values, column by column."""
    rows = len(columns.ids)
    payees: Sequence[str | None] = getattr(columns, "payees", None) or [None] * rows
    return [
        columns.ids,
        columns.accounts,
        _iso_dates(columns.dates),
        _iso_dates(columns.posted_dates),
        columns.descriptions,
        minor.amounts,
        columns.currencies,
        columns.bank_categories,
        columns.source_sha256s,
        columns.source_rows,
        [import_id] * rows,
        [now] * rows,
        minor.originals or [None] * rows,
        list(columns.original_currencies) or [None] * rows,
        payees,
    ]


def _sql_literal(value: Any) -> str | None:
    """`value` as an SQL literal, or None when it has to stay a bound parameter."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"  # SQLite string literals escape only quotes
    return None


STRUCTURE_KEY = "structure_revision"


def _bulk_insert(conn: sqlite3.Connection, values: list[Sequence[Any]], keep: list[int] | None) -> None:
    """INSERT the rows of `values` (the `_INSERT_COLUMNS`, column-wise), only those in `keep` if given.

    Binding costs about as much per value as SQLite's own insert work, so a column with
    one value for every row (account, currency, file, import, time) becomes a literal.
    """
    placeholders: list[str] = []
    bound: list[Iterable[Any]] = []
    for position, column in enumerate(values):
        if keep is not None:
            column = [column[n] for n in keep]
        constant = position > 0 and column.count(column[0]) == len(column)  # ids are never constant
        literal = _sql_literal(column[0]) if constant else None
        if literal is None:
            placeholders.append("?")
            bound.append(column)
        else:
            placeholders.append(literal)
    conn.executemany(
        f"INSERT INTO transactions ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join(placeholders)})",
        zip(*bound, strict=True),
    )


def _secondary_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the transactions table's own indexes (not the primary key's)."""
    return list(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' "
            "AND sql IS NOT NULL ORDER BY name"
        )
    )


class ImportWrites(StoreBase):
    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        with self.connect() as conn:
            return _stored_ids(conn, ids)

    def commit_import(self, record: ImportRecord, transactions: Sequence[Transaction]) -> ImportOutcome:
        """Store one file's transactions and its import record atomically; duplicates are skipped."""
        return self.commit_import_columns(record, TransactionList(transactions))

    def commit_import_columns(
        self, record: ImportRecord, columns: TransactionColumns, minor: MinorAmounts | None = None
    ) -> ImportOutcome:
        """`commit_import` for transactions held column by column, as the importer parses them.

        `minor` is `minor_amounts(columns)` when the caller has it already. An amount without an
        exact minor-unit form raises `money.AmountNotStorable` naming its row, and nothing is
        stored (the importer leaves such rows out beforehand and reports them).

        One SQL transaction (BEGIN IMMEDIATE, so no other writer slips in between the
        duplicate check and the insert). The insert is a bulk load: columns that hold one
        value for the whole file are written as SQL literals rather than bound per row,
        and when the file brings more rows than the table holds, the secondary indexes
        are rebuilt once after the insert instead of being updated row by row.
        """
        ids = columns.ids
        minor = minor or minor_amounts(columns)
        if minor.refused:
            position, problem = min(minor.refused.items())
            raise money.AmountNotStorable(f"row {columns.source_rows[position]}: {problem}")
        now = utc_now()
        with self.connect() as conn:
            # The only foreign key is import_id, which comes from the imports row inserted
            # just below in the same transaction; checking it per row is pure cost.
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute(f"PRAGMA cache_size = -{_bulk_cache_kib(len(ids))}")  # negative: KiB
            conn.execute("BEGIN IMMEDIATE")
            stored = int(conn.execute("SELECT COUNT(*) FROM transactions").fetchone()[0])
            duplicates = frozenset(_stored_ids(conn, ids)) if stored and ids else frozenset[str]()
            keep = [n for n, tid in enumerate(ids) if tid not in duplicates] if duplicates else None
            fresh = len(ids) if keep is None else len(keep)
            cursor = conn.execute(
                "INSERT INTO imports (file_sha256, file_name, profile, account, imported_at, rows_read, "
                "rows_imported, rows_duplicate, rows_skipped, skipped_json, notes_json) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.file_sha256,
                    record.file_name,
                    record.profile,
                    record.account,
                    now,
                    record.rows_read,
                    0,
                    len(ids) - fresh,
                    len(record.skipped),
                    json.dumps([s.model_dump(mode="json") for s in record.skipped]),
                    json.dumps(list(record.notes)),
                ),
            )
            import_id = int(cursor.lastrowid or 0)
            before = conn.total_changes
            if fresh:
                indexes = _secondary_indexes(conn) if fresh > stored else []
                for name, _sql in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
                _bulk_insert(conn, _insert_values(columns, minor, import_id, now), keep)
                for _name, sql in indexes:
                    conn.execute(sql)
            inserted = conn.total_changes - before
            conn.execute("UPDATE imports SET rows_imported = ? WHERE id = ?", (inserted, import_id))
            if inserted:
                bump_structure(conn)
            if duplicates:  # the overlap this file holds: its rows survive removing the first import
                conn.executemany(
                    "INSERT OR IGNORE INTO import_duplicates (import_id, transaction_id, source_row) "
                    "VALUES (?,?,?)",
                    (
                        (import_id, tid, int(columns.source_rows[n]))
                        for n, tid in enumerate(ids)
                        if tid in duplicates
                    ),
                )
        return ImportOutcome(import_id=import_id, inserted=inserted, duplicate_ids=duplicates)

    def set_merchant_keys(self, keys: dict[str, str]) -> None:
        with self.connect() as conn:
            conn.executemany(
                "UPDATE transactions SET merchant_key = ? WHERE id = ?",
                ((key, tid) for tid, key in keys.items()),
            )

    def replace_merchant_keys(
        self, keys: dict[str, str], rule_keys: dict[str, str], meta: dict[str, str]
    ) -> None:
        """New keys for rows and rules (old rule key -> new key) and the meta facts, atomically."""
        with self.connect() as conn:
            conn.executemany(
                "UPDATE transactions SET merchant_key = ? WHERE id = ?",
                ((key, tid) for tid, key in keys.items()),
            )
            rules = conn.execute(
                "SELECT merchant_key, direction, category, created_at FROM rules ORDER BY id"
            ).fetchall()
            staying = [r for r in rules if r[0] not in rule_keys]
            moving = sorted((r for r in rules if r[0] in rule_keys), key=lambda r: r[3], reverse=True)
            # One rule per (key, direction): a rule that keeps its key wins, then the newest mover.
            kept: dict[tuple[str, str | None], tuple[str, str]] = {}
            for key, direction, category, created in [*staying, *moving]:
                kept.setdefault((rule_keys.get(key, key), direction), (category, created))
            conn.execute("DELETE FROM rules")
            conn.executemany(
                "INSERT INTO rules (merchant_key, direction, category, created_at) VALUES (?,?,?,?)",
                (
                    (key, direction, category, created)
                    for (key, direction), (category, created) in kept.items()
                ),
            )
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
