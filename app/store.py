"""SQLite store: the one source of truth for transactions, categories, cache, rules and audit.

A `Store` holds only a path and opens a short-lived connection per operation, so one
object can be shared by Streamlit sessions (each script run has its own thread).
Every multi-row write runs in one SQL transaction: it lands whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from app import money
from app.datadir import ensure_private_dir, ensure_private_file, tighten_if_present
from app.models import USER_SOURCES, CategorySource, RowSource, SkippedRow, Transaction
from app.money import Direction
from app.store_accounts import imports_and_accounts_v10

if TYPE_CHECKING:  # pandas costs ~0.5 s to import: only the queries that return frames load it
    import pandas as pd

_CHUNK = 900  # below SQLite's default limit of host parameters

# The transactions table since v9: amounts are INTEGER minor units of `currency` (of
# `original_currency` for `original_amount_minor`), as `app.money.to_minor` gives them.
_TRANSACTIONS_V9 = """
CREATE TABLE transactions (
    id TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL,
    date TEXT NOT NULL,
    posted_date TEXT,
    description TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    bank_category TEXT,
    source_sha256 TEXT NOT NULL,
    source_row INTEGER NOT NULL,
    import_id INTEGER REFERENCES imports(id),
    merchant_key TEXT,
    category TEXT,
    category_source TEXT,
    confidence REAL,
    category_reason TEXT,
    category_model TEXT,
    reviewed INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    original_amount_minor INTEGER,
    original_currency TEXT,
    second_opinion TEXT,
    payee TEXT
)
"""
_TRANSACTION_INDEXES = (
    "CREATE INDEX ix_transactions_date ON transactions(date)",
    "CREATE INDEX ix_transactions_merchant ON transactions(merchant_key)",
    "CREATE INDEX ix_transactions_category ON transactions(category)",
)
_MIGRATION_BATCH = 5000


def _converted_row(row: dict[str, Any]) -> tuple[int, int | None]:
    """(amount_minor, original_amount_minor) of a v8 row, exactly, or AmountNotStorable."""
    try:
        amount = Decimal(str(row["amount"]))
        original = None if row["original_amount"] is None else Decimal(str(row["original_amount"]))
    except ArithmeticError:
        raise money.AmountNotStorable(f"the stored amount {row['amount']!r} is not a number") from None
    minor = money.to_minor(amount, str(row["currency"]))
    if original is None:
        return minor, None
    if not row["original_currency"]:
        raise money.AmountNotStorable(f"the original amount {original} has no currency")
    return minor, money.to_minor(original, str(row["original_currency"]))


def _amounts_as_minor_units(conn: sqlite3.Connection) -> None:
    """v9: rebuild the transactions table with INTEGER minor-unit amounts, converted exactly.

    A stored amount that has no exact minor-unit form (more decimals than its currency has,
    NaN, beyond 64 bits: an old import or a manual edit) is never rounded: its whole row is
    moved, as it was, to `unconverted_transactions` with the reason (`Store.unconverted_transactions`).
    """
    conn.execute(_TRANSACTIONS_V9.replace("CREATE TABLE transactions", "CREATE TABLE transactions_v9"))
    conn.execute(
        "CREATE TABLE unconverted_transactions (id TEXT PRIMARY KEY NOT NULL, row_json TEXT NOT NULL, "
        "reason TEXT NOT NULL, migrated_at TEXT NOT NULL)"
    )
    cursor = conn.execute("SELECT * FROM transactions")
    names = [column[0] for column in cursor.description]
    kept = [n for n in names if n not in ("amount", "original_amount")]
    insert = (
        f"INSERT INTO transactions_v9 ({', '.join(kept)}, amount_minor, original_amount_minor) "
        f"VALUES ({', '.join('?' * (len(kept) + 2))})"
    )
    now = _now()
    while batch := cursor.fetchmany(_MIGRATION_BATCH):
        converted: list[tuple[Any, ...]] = []
        refused: list[tuple[str, str, str, str]] = []
        for values in batch:
            row = dict(zip(names, values, strict=True))
            try:
                minor, original = _converted_row(row)
            except money.AmountNotStorable as problem:
                refused.append((row["id"], json.dumps(row, ensure_ascii=False), str(problem), now))
                continue
            converted.append((*(row[n] for n in kept), minor, original))
        conn.executemany(insert, converted)
        conn.executemany("INSERT INTO unconverted_transactions VALUES (?,?,?,?)", refused)
    conn.execute("DROP TABLE transactions")
    conn.execute("ALTER TABLE transactions_v9 RENAME TO transactions")
    for statement in _TRANSACTION_INDEXES:
        conn.execute(statement)


Migration = str | Callable[[sqlite3.Connection], None]
"""An SQL script, or a step that needs Python (run inside the same BEGIN IMMEDIATE)."""

MIGRATIONS: tuple[Migration, ...] = (
    # v1
    """
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        file_sha256 TEXT NOT NULL,
        file_name TEXT NOT NULL,
        profile TEXT,
        account TEXT,
        imported_at TEXT NOT NULL,
        rows_read INTEGER NOT NULL DEFAULT 0,
        rows_imported INTEGER NOT NULL DEFAULT 0,
        rows_duplicate INTEGER NOT NULL DEFAULT 0,
        rows_skipped INTEGER NOT NULL DEFAULT 0,
        skipped_json TEXT NOT NULL DEFAULT '[]',
        notes_json TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE transactions (
        id TEXT PRIMARY KEY NOT NULL,
        account TEXT NOT NULL,
        date TEXT NOT NULL,
        posted_date TEXT,
        description TEXT NOT NULL,
        amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        bank_category TEXT,
        source_sha256 TEXT NOT NULL,
        source_row INTEGER NOT NULL,
        import_id INTEGER REFERENCES imports(id),
        merchant_key TEXT,
        category TEXT,
        category_source TEXT,
        confidence REAL,
        category_reason TEXT,
        category_model TEXT,
        reviewed INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT
    );
    CREATE INDEX ix_transactions_date ON transactions(date);
    CREATE INDEX ix_transactions_merchant ON transactions(merchant_key);
    CREATE INDEX ix_transactions_category ON transactions(category);
    CREATE TABLE mappings (
        fingerprint TEXT PRIMARY KEY,
        mapping_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE rules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        merchant_key TEXT NOT NULL,
        direction TEXT,
        category TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (merchant_key, direction)
    );
    CREATE TABLE llm_cache (
        cache_key TEXT PRIMARY KEY,
        merchant_key TEXT NOT NULL,
        direction TEXT NOT NULL,
        taxonomy_version TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        category TEXT,
        confidence REAL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        request_json TEXT NOT NULL,
        outcome TEXT,
        items INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE taxonomy (
        name TEXT PRIMARY KEY,
        description TEXT NOT NULL,
        kind TEXT NOT NULL,
        position INTEGER NOT NULL
    );
    """,
    # v2: a renamed category keeps answering to its former names (built-in rules, old answers)
    """
    ALTER TABLE taxonomy ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
    """,
    # v3: an exact change counter, bumped by every write transaction (see Store.connect)
    """
    CREATE TABLE store_revision (value INTEGER NOT NULL);
    INSERT INTO store_revision (value) VALUES (0);
    """,
    # v4: facts about how stored data was derived (e.g. the merchant-key algorithm's version)
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # v5: the currency of each account's amounts, for files that do not name one
    """
    CREATE TABLE account_currencies (
        account TEXT PRIMARY KEY,
        currency TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # v6: foreign spend's amount in its own currency, beside the amount in the account's
    """
    ALTER TABLE transactions ADD COLUMN original_amount TEXT;
    ALTER TABLE transactions ADD COLUMN original_currency TEXT;
    """,
    # v7: what another source said when it disagreed with the category chosen (review queue)
    """
    ALTER TABLE transactions ADD COLUMN second_opinion TEXT;
    """,
    # v8: recurring series the user said are not subscriptions (app.recurring's series key)
    """
    CREATE TABLE recurring_dismissed (
        series_key TEXT PRIMARY KEY,
        merchant_key TEXT NOT NULL,
        dismissed_at TEXT NOT NULL
    );
    """,
    # v9: amounts as integer minor units of their currency (see _amounts_as_minor_units), and payee
    _amounts_as_minor_units,
    # v10: which import holds which row, the user's account names, the change log; account
    # names keep only a number's last four digits (app.store_accounts)
    imports_and_accounts_v10,
    # v11: transfers between the user's accounts: each row's other side (app.transfer_ledger),
    # and the pairs the user said are not transfers
    """
    ALTER TABLE transactions ADD COLUMN transfer_pair TEXT;
    CREATE TABLE transfer_unpaired (
        first_id TEXT NOT NULL,
        second_id TEXT NOT NULL,
        unpaired_at TEXT NOT NULL,
        PRIMARY KEY (first_id, second_id)
    ) WITHOUT ROWID;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


_BUSY_TIMEOUT_S = 30
_SIDE_FILES = ("-wal", "-shm")


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, one by one: `executescript` would commit on its own."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n\t;"):
        raise ValueError(f"incomplete SQL statement in a migration: {pending.strip()!r}")


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (persistent, idempotent); racing openers of a new file may be told it is busy."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class ImportRecord:
    """What the importer tells the store about one file."""

    file_sha256: str
    file_name: str
    profile: str | None
    account: str | None
    rows_read: int
    skipped: Sequence[SkippedRow] = ()
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    inserted: int
    duplicate_ids: frozenset[str]


@dataclass(frozen=True)
class CategoryUpdate:
    """One categorization result for one transaction."""

    transaction_id: str
    category: str | None
    source: CategorySource | None
    confidence: float | None = None
    reason: str | None = None
    model: str | None = None
    # What another source said when it disagreed (e.g. "built-in rule: Dining"); sends the row to review.
    second_opinion: str | None = None


@dataclass(frozen=True)
class LabeledRow:
    """A category the user set or confirmed: what the learned model trains on."""

    merchant_key: str | None
    description: str
    payee: str | None
    amount: Decimal
    bank_category: str | None
    category: str


@dataclass(frozen=True)
class CachedCategory:
    category: str | None
    confidence: float | None


class MerchantKeyRow(NamedTuple):
    """One row as merchant keying reads it (`Store.merchant_key_rows`)."""

    id: str
    description: str
    payee: str | None
    direction: Direction
    merchant_key: str | None


@dataclass(frozen=True)
class Rule:
    id: int
    merchant_key: str
    direction: str | None
    category: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    endpoint: str
    request_json: str
    outcome: str | None
    items: int


@dataclass(frozen=True)
class TaxonomyRow:
    name: str
    description: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass
class TransactionFilter:
    """Filters shared by Review, Insights and exports. Empty collections mean 'all'."""

    accounts: Sequence[str] = ()
    categories: Sequence[str] = ()
    sources: Sequence[str] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""
    ids: Sequence[str] = ()


def filter_clauses(flt: TransactionFilter) -> tuple[list[str], list[Any]]:
    """The SQL conditions (to be joined by AND) and their parameters that select `flt`'s rows."""
    clauses: list[str] = []
    params: list[Any] = []

    def any_of(column: str, values: Sequence[Any]) -> None:
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

    any_of("account", list(flt.accounts))
    if flt.categories:
        wanted = list(flt.categories)
        if "Uncategorized" in wanted:
            clauses.append(f"(category IN ({','.join('?' * len(wanted))}) OR category IS NULL)")
        else:
            clauses.append(f"category IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    any_of("category_source", list(flt.sources))
    any_of("id", list(flt.ids))
    if flt.date_from:
        clauses.append("date >= ?")
        params.append(flt.date_from.isoformat())
    if flt.date_to:
        clauses.append("date <= ?")
        params.append(flt.date_to.isoformat())
    if flt.search.strip():
        clauses.append("(description LIKE ? OR merchant_key LIKE ?)")
        needle = f"%{flt.search.strip()}%"
        params.extend([needle, needle])
    return clauses, params


class TransactionColumns(Protocol):
    """One file's transactions column by column, in file order (what `app.ingest` parses).

    A `payees` column (the file's clean names, None where it gives none) is read when present.
    """

    @property
    def ids(self) -> Sequence[str]: ...
    @property
    def accounts(self) -> Sequence[str]: ...
    @property
    def dates(self) -> Sequence[dt.date]: ...
    @property
    def posted_dates(self) -> Sequence[dt.date | None]: ...
    @property
    def descriptions(self) -> Sequence[str]: ...
    @property
    def amounts(self) -> Sequence[Decimal]: ...
    @property
    def currencies(self) -> Sequence[str]: ...
    @property
    def bank_categories(self) -> Sequence[str | None]: ...
    @property
    def source_sha256s(self) -> Sequence[str]: ...
    @property
    def source_rows(self) -> Sequence[int]: ...
    @property
    def original_amounts(self) -> Sequence[Decimal | None]: ...  # empty: none in the whole file
    @property
    def original_currencies(self) -> Sequence[str | None]: ...


class _TransactionList:
    """`Transaction` objects seen as `TransactionColumns`."""

    def __init__(self, transactions: Sequence[Transaction]) -> None:
        self.ids = [t.id for t in transactions]
        self.accounts = [t.account for t in transactions]
        self.dates = [t.date for t in transactions]
        self.posted_dates = [t.posted_date for t in transactions]
        self.descriptions = [t.description for t in transactions]
        self.payees = [t.payee for t in transactions]
        self.amounts = [t.amount for t in transactions]
        self.currencies = [t.currency for t in transactions]
        self.bank_categories = [t.bank_category for t in transactions]
        self.source_sha256s = [t.source.file_sha256 for t in transactions]
        self.source_rows = [t.source.row for t in transactions]
        self.original_amounts = [t.original_amount for t in transactions]
        self.original_currencies = [t.original_currency for t in transactions]


@dataclass(frozen=True)
class MinorAmounts:
    """A file's amounts as integer minor units (`money.to_minor`), row for row.

    `originals` is empty when the file has no foreign spend. `refused` maps a row's position
    to why its amount has no exact minor-unit form; those rows have 0 in `amounts`.
    """

    amounts: Sequence[int]
    originals: Sequence[int | None]
    refused: dict[int, str]


def minor_amounts(columns: TransactionColumns) -> MinorAmounts:
    """Every amount of `columns` through `money.to_minor`, the one conversion; nothing is rounded."""
    amounts, refused = money.to_minor_column(columns.amounts, columns.currencies)
    originals: list[int | None] = []
    if any(value is not None for value in columns.original_amounts):
        for position, (original, original_code) in enumerate(
            zip(columns.original_amounts, columns.original_currencies, strict=True)
        ):
            minor = None
            if original is not None:
                try:
                    if original_code is None:
                        raise money.AmountNotStorable(f"the original amount {original} has no currency")
                    minor = money.to_minor(original, original_code)
                except money.AmountNotStorable as problem:
                    refused.setdefault(position, f"original amount: {problem}")
            originals.append(minor)
    return MinorAmounts(amounts, originals, refused)


# Page cache while loading: enough for the id index, which takes random inserts (~48 bytes a
# row), and no more: dirty table pages spill to the WAL anyway, and a fixed 64 MiB cost
# 3x a 20 MB file's size in memory without making the load measurably faster.
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


_STRUCTURE_KEY = "structure_revision"


def bump_structure(conn: sqlite3.Connection) -> None:
    """Record, inside the writer's transaction, that rows came or went or an account changed its name.

    Kept in `meta` so a cache of what depends only on that (the ledger summary, a pinned Review
    list) can key on `Store.structure_revision` instead of on every category edit.
    """
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (_STRUCTURE_KEY,),
    )


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


TRANSACTION_COLUMNS = (
    "id",
    "account",
    "date",
    "posted_date",
    "description",
    "payee",
    "amount_minor",
    "currency",
    "bank_category",
    "source_sha256",
    "source_row",
    "import_id",
    "merchant_key",
    "category",
    "category_source",
    "confidence",
    "category_reason",
    "category_model",
    "reviewed",
    "updated_at",
    "original_currency",
    "second_opinion",
    "transfer_pair",
)


def filter_where(flt: TransactionFilter) -> tuple[str, list[Any]]:
    """The SQL WHERE clause (empty, or starting with a space) and its parameters that select
    the rows of `flt`, for every query over the transactions table."""
    clauses, params = filter_clauses(flt)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


_TRANSACTION_COLUMNS = (
    "id, account, date, posted_date, description, amount_minor, currency, bank_category, "
    "source_sha256, source_row, original_amount_minor, original_currency, payee"
)
_REVISABLE_SOURCES = (
    CategorySource.BUILTIN.value,
    CategorySource.CACHE.value,
    CategorySource.HISTORY.value,
    CategorySource.LEARNED.value,
)
_PENDING = (
    "(category IS NULL OR category_source IS NULL "
    f"OR (category_source IN ({','.join('?' * len(_REVISABLE_SOURCES))}) AND reviewed = 0))"
)


def _transaction(r: Sequence[Any]) -> Transaction:
    """A row selected as `_TRANSACTION_COLUMNS`."""
    return Transaction(
        id=r[0],
        account=r[1],
        date=dt.date.fromisoformat(r[2]),
        posted_date=dt.date.fromisoformat(r[3]) if r[3] else None,
        description=r[4],
        payee=r[12],
        amount=money.from_minor(r[5], r[6]),
        currency=r[6],
        bank_category=r[7],
        source=RowSource(file_sha256=r[8], row=r[9]),
        original_amount=money.from_minor(r[10], r[11]) if r[10] is not None and r[11] else None,
        original_currency=r[11],
    )


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        ensure_private_dir(self.path.parent)
        self._migrate()
        self._keeper = self._open_keeper()

    def _open_keeper(self) -> sqlite3.Connection:
        # SQLite checkpoints the WAL whenever the last connection to a file closes; with
        # one idle connection held for the Store's lifetime each short-lived operation
        # costs ~2 ms instead of ~25 ms. It never runs statements, so threads don't matter.
        keeper = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        keeper.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # connecting alone opens nothing
        return keeper

    def close(self) -> None:
        self._keeper.close()

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            with conn:  # commit on success, roll back on any exception
                yield conn
                if conn.total_changes:
                    conn.execute("UPDATE store_revision SET value = value + 1")
        finally:
            conn.close()

    def _migrate(self) -> None:
        """Bring the schema up to date; any number of processes may do this at once on a new file."""
        # SQLite gives the -wal and -shm files the database file's mode, so 0600 here covers all three.
        ensure_private_file(self.path)
        for suffix in _SIDE_FILES:
            tighten_if_present(Path(f"{self.path}{suffix}"))
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            _enable_wal(conn)
            if self._schema_version_of(conn) == SCHEMA_VERSION:
                return  # the common case: no write lock needed
            # Read again under the write lock: a process that waited for it sees the migrations
            # another one just committed, and runs only what is still missing.
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._schema_version_of(conn)
                for step in MIGRATIONS[version:]:
                    if callable(step):
                        step(conn)
                        continue
                    for statement in _statements(step):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        finally:
            conn.close()

    def _schema_version_of(self, conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} was written by a newer privfin (schema {version} > {SCHEMA_VERSION})"
            )
        return version

    def schema_version(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def revision(self) -> str:
        """Moves with every committed write, from any process: an exact, O(1) key for UI caches."""
        with self.connect() as conn:
            return str(conn.execute("SELECT value FROM store_revision").fetchone()[0])

    def structure_revision(self) -> str:
        """Moves when transactions are added or removed or an account is renamed, from any process."""
        return self.get_meta(_STRUCTURE_KEY) or "0"

    # -- imports --------------------------------------------------------------------

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        with self.connect() as conn:
            return _stored_ids(conn, ids)

    def commit_import(self, record: ImportRecord, transactions: Sequence[Transaction]) -> ImportOutcome:
        """Store one file's transactions and its import record atomically; duplicates are skipped."""
        return self.commit_import_columns(record, _TransactionList(transactions))

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
        now = _now()
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

    def imports(self) -> list[dict[str, Any]]:
        with self.connect() as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM imports ORDER BY id").fetchall()
        return [
            dict(row) | {"skipped": json.loads(row["skipped_json"]), "notes": json.loads(row["notes_json"])}
            for row in rows
        ]

    # -- transactions -----------------------------------------------------------------

    def count_transactions(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM transactions").fetchone()[0])

    def get_transactions(self, ids: Sequence[str] | None = None) -> list[Transaction]:
        """Canonical transactions, in date order (all of them when `ids` is None)."""
        query = f"SELECT {_TRANSACTION_COLUMNS} FROM transactions"
        with self.connect() as conn:
            if ids is None:
                rows = conn.execute(query + " ORDER BY date, source_sha256, source_row").fetchall()
            else:
                rows = []
                for chunk in _chunks(list(ids)):
                    marks = ",".join("?" * len(chunk))
                    rows.extend(conn.execute(f"{query} WHERE id IN ({marks})", chunk).fetchall())
                order = {tid: n for n, tid in enumerate(ids)}
                rows.sort(key=lambda r: order.get(r[0], 0))
        return [_transaction(r) for r in rows]

    def transactions_frame(self, flt: TransactionFilter | None = None) -> pd.DataFrame:
        """All columns of the transactions table as a DataFrame indexed by id, newest first.

        `amount_minor` is the amount in minor units of `currency` (int64: what every total is
        summed from), `amount` the same as an exact Decimal for display; `original_amount_minor`
        (Python ints, None when no foreign spend) and `original_amount` likewise. `date` is a
        `datetime64` column.
        """
        import pandas as pd  # here, not at module level: `privfin import` never needs it

        where, params = filter_where(flt or TransactionFilter())
        # Sorted here rather than in SQL: walking the date index costs SQLite a random page
        # read per row, ~0.3 s of the ~1 s a 100k-row read takes.
        # As text: a nullable INTEGER column would come back as float64, which rounds past 2**53.
        originals = "CAST(original_amount_minor AS TEXT) AS original_amount_minor"
        sql = f"SELECT {', '.join(TRANSACTION_COLUMNS)}, {originals} FROM transactions{where}"
        with self.connect() as conn:
            frame = pd.read_sql_query(sql, conn, params=params)
        frame = frame.sort_values(["date", "id"], ascending=[False, True], ignore_index=True)
        frame["amount_minor"] = frame["amount_minor"].astype("int64")  # an empty result has no dtype
        # tolist() first: iterating an Arrow-backed string column directly is ~5x slower.
        frame["amount"] = pd.Series(
            money.from_minor_column(frame["amount_minor"].tolist(), frame["currency"].tolist()), dtype=object
        )
        original_minor: list[int | None] = [None] * len(frame)
        original_amount: list[Decimal | None] = [None] * len(frame)
        if frame["original_amount_minor"].notna().any():  # foreign spend: a few rows, if any
            original_codes = frame["original_currency"].tolist()
            for n, (text, code) in enumerate(
                zip(frame["original_amount_minor"].tolist(), original_codes, strict=True)
            ):
                if isinstance(text, str) and isinstance(code, str):
                    original_minor[n] = int(text)
                    original_amount[n] = money.from_minor(int(text), code)
        frame["original_amount_minor"] = pd.Series(original_minor, dtype=object)
        frame["original_amount"] = pd.Series(original_amount, dtype=object)
        # Always ISO (the store writes `isoformat()`): guessing from the first value falls back to
        # dateutil, row by row, whenever the newest date has a year below 1000.
        frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
        frame["reviewed"] = frame["reviewed"].astype(bool)
        return frame.set_index("id", drop=False)

    def unconverted_transactions(self) -> list[dict[str, Any]]:
        """Rows the v9 migration could not turn into exact minor units, as they were, with why."""
        with self.connect() as conn:
            return [
                json.loads(row_json) | {"reason": reason}
                for row_json, reason in conn.execute(
                    "SELECT row_json, reason FROM unconverted_transactions ORDER BY id"
                )
            ]

    def accounts(self) -> list[str]:
        with self.connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT account FROM transactions ORDER BY 1")]

    def set_merchant_keys(self, keys: dict[str, str]) -> None:
        with self.connect() as conn:
            conn.executemany(
                "UPDATE transactions SET merchant_key = ? WHERE id = ?",
                ((key, tid) for tid, key in keys.items()),
            )

    def get_meta(self, key: str) -> str | None:
        with self.connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.connect() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def merchant_key_rows(self, *, missing_only: bool = False) -> list[MerchantKeyRow]:
        """What each row's merchant key is computed from, and the key it has, in date order
        like `get_transactions`; only the rows never keyed when `missing_only`. Plain columns,
        not whole transactions: keying 5,000 rows this way skips ~0.1 s of model building."""
        where = " WHERE merchant_key IS NULL" if missing_only else ""
        with self.connect() as conn:
            return [
                MerchantKeyRow(*row)
                for row in conn.execute(
                    f"SELECT id, description, payee, {money.DIRECTION_SQL}, merchant_key FROM transactions"
                    f"{where} ORDER BY date, source_sha256, source_row"
                )
            ]

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

    # -- categories -------------------------------------------------------------------

    def apply_category_updates(self, updates: Iterable[CategoryUpdate], *, force: bool = False) -> int:
        """Write results; never overwrite the user's own decisions unless `force` (a user edit).

        Returns the number of rows changed. Runs in one SQL transaction.
        """
        protected = tuple(sorted(s.value for s in USER_SOURCES))
        guard = (
            ""
            if force
            else (
                f" AND (category_source IS NULL OR category_source NOT IN ({','.join('?' * len(protected))}))"
            )
        )
        now = _now()
        guarded = () if force else protected
        # One executemany, not a Python call per row (its rowcount is the sum over the rows):
        # a 5,000-row categorization writes in about half the time.
        with self.connect() as conn:
            cursor = conn.executemany(
                "UPDATE transactions SET category = ?, category_source = ?, confidence = ?, "
                "category_reason = ?, category_model = ?, second_opinion = ?, updated_at = ? WHERE id = ?"
                + guard,
                (
                    (
                        u.category,
                        u.source.value if u.source else None,
                        u.confidence,
                        u.reason,
                        u.model,
                        u.second_opinion,
                        now,
                        u.transaction_id,
                        *guarded,
                    )
                    for u in updates
                ),
            )
            return max(cursor.rowcount, 0)

    def set_user_category(self, ids: Sequence[str], category: str) -> int:
        """A user's correction: wins over everything, marks the rows reviewed."""
        now = _now()
        with self.connect() as conn:
            total = 0
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                total += conn.execute(
                    "UPDATE transactions SET category = ?, category_source = ?, confidence = 1.0, "
                    "category_reason = NULL, category_model = NULL, second_opinion = NULL, reviewed = 1, "
                    f"updated_at = ? "
                    f"WHERE id IN ({marks})",
                    [category, CategorySource.USER.value, now, *chunk],
                ).rowcount
        return total

    def mark_reviewed(self, ids: Sequence[str], reviewed: bool = True) -> int:
        now = _now()
        with self.connect() as conn:
            total = 0
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                total += conn.execute(
                    f"UPDATE transactions SET reviewed = ?, updated_at = ? WHERE id IN ({marks})",
                    [int(reviewed), now, *chunk],
                ).rowcount
        return total

    # -- one merchant's rows (Review page scopes and user rules) ----------------------

    @staticmethod
    def _direction_clause(direction: str | None) -> str:
        """SQL for 'money in' or 'money out': `money.MONEY_IN_SQL`, the rule `money.direction` keeps."""
        if direction == "in":
            return f" AND {money.MONEY_IN_SQL}"
        if direction == "out":
            return f" AND {money.MONEY_OUT_SQL}"
        return ""

    def directions(self) -> dict[str, str]:
        """Each transaction's direction ("in" or "out") as SQL decides it, by id."""
        with self.connect() as conn:
            return dict(conn.execute(f"SELECT id, {money.DIRECTION_SQL} FROM transactions"))

    def merchant_rows(
        self, merchant_key: str, direction: str | None = None
    ) -> list[tuple[str, str | None, str | None]]:
        """(id, category, category_source) of every row of one merchant (in one direction)."""
        with self.connect() as conn:
            return list(
                conn.execute(
                    "SELECT id, category, category_source FROM transactions WHERE merchant_key = ?"
                    + self._direction_clause(direction)
                    + " ORDER BY date",
                    (merchant_key,),
                )
            )

    def apply_rule_rows(self, merchant_key: str, direction: str | None, category: str) -> int:
        """Give a user rule's category to every row it covers, except rows the user set by hand.

        One SQL transaction; returns how many rows changed category.
        """
        where = (
            "merchant_key = ?"
            + self._direction_clause(direction)
            + " AND (category_source IS NULL OR category_source != ?)"
        )
        params: list[Any] = [merchant_key, CategorySource.USER.value]
        with self.connect() as conn:
            changed = int(
                conn.execute(
                    f"SELECT COUNT(*) FROM transactions WHERE {where} AND (category IS NULL OR category != ?)",
                    [*params, category],
                ).fetchone()[0]
            )
            conn.execute(
                "UPDATE transactions SET category = ?, category_source = ?, confidence = 1.0, "
                f"category_reason = 'your rule', category_model = NULL, updated_at = ? WHERE {where}",
                [category, CategorySource.RULE.value, _now(), *params],
            )
        return changed

    def release_rule_rows(self, merchant_key: str, direction: str | None) -> int:
        """Rows a removed rule had set go back to the cascade (their category stays until the next run)."""
        with self.connect() as conn:
            return conn.execute(
                "UPDATE transactions SET category_source = NULL, confidence = NULL, "
                "category_reason = 'rule removed: re-categorized on the next run', updated_at = ? "
                "WHERE merchant_key = ? AND category_source = ?" + self._direction_clause(direction),
                (_now(), merchant_key, CategorySource.RULE.value),
            ).rowcount

    def pending_transactions(self) -> list[tuple[Transaction, str | None]]:
        """The rows the cascade may still decide, with their merchant keys, in date order: no
        category, or one from a local step (built-in, cache, history, learned) the user has
        not confirmed. A row the user marked reviewed keeps its category."""
        with self.connect() as conn:
            rows = conn.execute(
                f"SELECT {_TRANSACTION_COLUMNS}, merchant_key FROM transactions WHERE {_PENDING} ORDER BY date",
                _REVISABLE_SOURCES,
            ).fetchall()
        return [(_transaction(r), r[13]) for r in rows]

    def labeled_rows(self) -> list[LabeledRow]:
        """Every category the user set or confirmed: set by hand, by a rule, or marked reviewed."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT merchant_key, description, payee, amount_minor, currency, bank_category, category "
                "FROM transactions WHERE category IS NOT NULL "
                "AND (reviewed = 1 OR category_source IN (?, ?)) ORDER BY id",
                (CategorySource.USER.value, CategorySource.RULE.value),
            ).fetchall()
        return [LabeledRow(r[0], r[1], r[2], money.from_minor(r[3], r[4]), r[5], r[6]) for r in rows]

    def confirmed_merchant_categories(self) -> set[tuple[str, str]]:
        """(merchant key, category) pairs the user set or confirmed on at least one row."""
        with self.connect() as conn:
            return {
                (str(r[0]), str(r[1]))
                for r in conn.execute(
                    "SELECT DISTINCT merchant_key, category FROM transactions "
                    "WHERE category IS NOT NULL AND merchant_key IS NOT NULL "
                    "AND (reviewed = 1 OR category_source IN (?, ?))",
                    (CategorySource.USER.value, CategorySource.RULE.value),
                )
            }

    def uncategorized_ids(self) -> list[str]:
        with self.connect() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM transactions WHERE category IS NULL")]

    def recent_corrections(self, limit: int = 8) -> list[tuple[str, str, str, str]]:
        """(merchant_key or description, direction, category, the raw description) of the user's
        latest corrections; the raw line is what redaction needs to judge the key."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT COALESCE(merchant_key, description), "
                f"{money.DIRECTION_SQL}, category, MAX(updated_at), "
                "description "
                "FROM transactions WHERE category_source = ? AND category IS NOT NULL "
                "GROUP BY 1, 2 ORDER BY 4 DESC LIMIT ?",
                (CategorySource.USER.value, limit),
            ).fetchall()
        return [(r[0], r[1], r[2], r[4]) for r in rows]

    def category_counts(self) -> dict[str, int]:
        with self.connect() as conn:
            return {
                (r[0] or "Uncategorized"): r[1]
                for r in conn.execute("SELECT category, COUNT(*) FROM transactions GROUP BY category")
            }

    def rename_category(self, old: str, new: str) -> int:
        with self.connect() as conn:
            conn.execute("UPDATE rules SET category = ? WHERE category = ?", (new, old))
            conn.execute("UPDATE llm_cache SET category = ? WHERE category = ?", (new, old))
            return conn.execute(
                "UPDATE transactions SET category = ?, updated_at = ? WHERE category = ?", (new, _now(), old)
            ).rowcount

    def clear_category(self, category: str) -> int:
        """Rows of a removed category go back to uncategorized (and so back to the cascade)."""
        with self.connect() as conn:
            conn.execute("DELETE FROM rules WHERE category = ?", (category,))
            conn.execute("DELETE FROM llm_cache WHERE category = ?", (category,))
            return conn.execute(
                "UPDATE transactions SET category = NULL, category_source = NULL, confidence = NULL, "
                "category_reason = 'category removed', updated_at = ? WHERE category = ?",
                (_now(), category),
            ).rowcount

    # -- LLM cache --------------------------------------------------------------------

    def cache_get(self, keys: Sequence[str]) -> dict[str, CachedCategory]:
        found: dict[str, CachedCategory] = {}
        with self.connect() as conn:
            for chunk in _chunks(list(keys)):
                marks = ",".join("?" * len(chunk))
                for key, category, confidence in conn.execute(
                    f"SELECT cache_key, category, confidence FROM llm_cache WHERE cache_key IN ({marks})",
                    chunk,
                ):
                    found[key] = CachedCategory(category, confidence)
        return found

    def cache_put(
        self,
        entries: Iterable[tuple[str, str, str, str, str, str, str | None, float | None]],
    ) -> None:
        """Entries: (cache_key, merchant_key, direction, taxonomy_version, model, prompt_version,
        category, confidence)."""
        now = _now()
        with self.connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO llm_cache (cache_key, merchant_key, direction, taxonomy_version, "
                "model, prompt_version, category, confidence, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                ((*entry, now) for entry in entries),
            )

    def cache_size(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM llm_cache").fetchone()[0])

    def cache_models(self) -> dict[str, int]:
        """Remembered answers per model, most first."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT model, COUNT(*) AS n FROM llm_cache GROUP BY model ORDER BY n DESC, model"
            ).fetchall()
        return {str(model): int(count) for model, count in rows}

    def cache_clear(self, model: str | None = None) -> int:
        """Forget remembered model answers (all, or one model's); returns how many.

        Categories already written stay; the next run asks the model again about every
        merchant these answers would have decided.
        """
        with self.connect() as conn:
            if model is None:
                return conn.execute("DELETE FROM llm_cache").rowcount
            return conn.execute("DELETE FROM llm_cache WHERE model = ?", (model,)).rowcount

    # -- user rules -------------------------------------------------------------------

    def add_rule(self, merchant_key: str, category: str, direction: str | None = None) -> Rule:
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO rules (merchant_key, direction, category, created_at) VALUES (?,?,?,?) "
                "ON CONFLICT (merchant_key, direction) DO UPDATE SET category = excluded.category",
                (merchant_key, direction, category, _now()),
            )
        return next(r for r in self.rules() if r.merchant_key == merchant_key and r.direction == direction)

    def rules(self) -> list[Rule]:
        with self.connect() as conn:
            return [
                Rule(*row)
                for row in conn.execute(
                    "SELECT id, merchant_key, direction, category, created_at FROM rules ORDER BY merchant_key"
                )
            ]

    def delete_rule(self, rule_id: int) -> None:
        with self.connect() as conn:
            conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))

    # -- remembered column mappings ---------------------------------------------------

    def get_mapping(self, fingerprint: str) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT mapping_json FROM mappings WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put_mapping(self, fingerprint: str, mapping: dict[str, Any]) -> None:
        with self.connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO mappings (fingerprint, mapping_json, updated_at) VALUES (?,?,?)",
                (fingerprint, json.dumps(mapping), _now()),
            )

    # -- the currency remembered for each account ----------------------------------------

    def account_currency(self, account: str) -> str | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT currency FROM account_currencies WHERE account = ?", (account,)
            ).fetchone()
        return str(row[0]) if row else None

    def remember_account_currencies(self, currencies: dict[str, str], *, replace: bool) -> None:
        """Keep each account's currency; an account's first one stays unless `replace` (the user's choice)."""
        if not currencies:
            return
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        now = _now()
        with self.connect() as conn:
            conn.executemany(
                f"{verb} INTO account_currencies (account, currency, updated_at) VALUES (?,?,?)",
                [(account, code, now) for account, code in currencies.items()],
            )

    # -- audit log: what left this machine --------------------------------------------

    def audit(self, endpoint: str, request_body: dict[str, Any], outcome: str | None, items: int) -> int:
        with self.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO audit_log (ts, endpoint, request_json, outcome, items) VALUES (?,?,?,?,?)",
                (_now(), endpoint, json.dumps(request_body, ensure_ascii=False), outcome, items),
            )
            return int(cursor.lastrowid or 0)

    def set_audit_outcome(self, entry_id: int, outcome: str) -> None:
        with self.connect() as conn:
            conn.execute("UPDATE audit_log SET outcome = ? WHERE id = ?", (outcome, entry_id))

    def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        with self.connect() as conn:
            return [
                AuditEntry(*row)
                for row in conn.execute(
                    "SELECT id, ts, endpoint, request_json, outcome, items FROM audit_log "
                    "ORDER BY id DESC LIMIT ?",
                    (limit,),
                )
            ]

    def audit_count(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])

    # -- taxonomy ---------------------------------------------------------------------

    def get_taxonomy(self) -> list[TaxonomyRow]:
        with self.connect() as conn:
            return [
                TaxonomyRow(name, description, kind, tuple(json.loads(aliases)))
                for name, description, kind, aliases in conn.execute(
                    "SELECT name, description, kind, aliases FROM taxonomy ORDER BY position"
                )
            ]

    def put_taxonomy(self, rows: Sequence[TaxonomyRow]) -> None:
        with self.connect() as conn:
            conn.execute("DELETE FROM taxonomy")
            conn.executemany(
                "INSERT INTO taxonomy (name, description, kind, position, aliases) VALUES (?,?,?,?,?)",
                (
                    (r.name, r.description, r.kind, n, json.dumps(list(r.aliases), ensure_ascii=False))
                    for n, r in enumerate(rows)
                ),
            )

    # -- recurring payments (app.recurring) ---------------------------------------------

    def recurring_rows(
        self, skip_categories: Sequence[str] = ()
    ) -> list[tuple[str, str, Decimal, str, str, str]]:
        """(id, date, amount, currency, merchant_key, account) of the rows with a merchant key,
        except those in `skip_categories` and either side of a transfer between accounts."""
        skip = list(skip_categories)
        marks = ",".join("?" * len(skip))
        where = " AND transfer_pair IS NULL"
        where += f" AND (category IS NULL OR category NOT IN ({marks}))" if skip else ""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id, date, amount_minor, currency, merchant_key, account FROM transactions "
                "WHERE merchant_key IS NOT NULL" + where,
                skip,
            ).fetchall()
        amounts = money.from_minor_column((r[2] for r in rows), (r[3] for r in rows))
        return [(r[0], r[1], amount, r[3], r[4], r[5]) for r, amount in zip(rows, amounts, strict=True)]

    def account_last_dates(self) -> dict[str, str]:
        """Each account's newest transaction date (ISO)."""
        with self.connect() as conn:
            return {
                str(account): str(day)
                for account, day in conn.execute(
                    "SELECT account, MAX(date) FROM transactions GROUP BY account"
                )
            }

    def dismissed_recurring(self) -> set[str]:
        with self.connect() as conn:
            return {str(r[0]) for r in conn.execute("SELECT series_key FROM recurring_dismissed")}

    def dismiss_recurring(self, series_key: str, merchant_key: str) -> None:
        """Remember that a detected series is not a subscription."""
        with self.connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO recurring_dismissed (series_key, merchant_key, dismissed_at) "
                "VALUES (?,?,?)",
                (series_key, merchant_key, _now()),
            )

    def restore_recurring(self, series_key: str) -> bool:
        with self.connect() as conn:
            return bool(
                conn.execute("DELETE FROM recurring_dismissed WHERE series_key = ?", (series_key,)).rowcount
            )

    # -- everything -------------------------------------------------------------------

    def delete_everything(self) -> None:
        """'Delete all my data': the database file and its WAL side files.

        The new, empty database carries both revisions on from the old one (never back to zero), so
        a cache keyed by either in any session cannot mistake the empty store for an old one.
        """
        last_revision = int(self.revision())
        last_structure = int(self.structure_revision())
        self._keeper.close()
        for suffix in ("", *_SIDE_FILES):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._migrate()
        self._keeper = self._open_keeper()
        with self.connect() as conn:
            conn.execute("UPDATE store_revision SET value = ?", (last_revision + 1,))
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)", (_STRUCTURE_KEY, str(last_structure + 1))
            )
