"""The store's schema: every migration in order (SCHEMA_VERSION = their count) and how they run.

Any number of processes may open a new file at once: the version is read again under the
write lock, so each runs only what is still missing, in one `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import money
from app.store.accounts_v10 import imports_and_accounts_v10
from app.store.accounts_v14 import remask_account_names_v14
from app.store.sql_helpers import CONFIRMED_WHERE, utc_now

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
    now = utc_now()
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
    # names keep only a number's last four digits (app.store.accounts_v10)
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
    # v12: indexes for what every page asks on its first view. Two small partial ones: the rows
    # the user confirmed (the review rule's merchant pairs) and the matched transfers, newest
    # first; without them each was a walk over every row (~110 and ~125 ms at 100k rows). And the
    # sidebar's accounts, read from the index instead of every row (~30 -> 4 ms at 100k; building
    # it costs a 100k-row import ~40 ms). Not (currency, amount_minor): it would save the summary's
    # totals ~20 ms, but SQLite then walks it for the transfer matcher's GROUP BY and looks up
    # every row (refresh_transfers 250 -> 500 ms at 100k)
    f"""
    CREATE INDEX ix_transactions_confirmed ON transactions(merchant_key, category) WHERE {CONFIRMED_WHERE};
    CREATE INDEX ix_transactions_paired ON transactions(date) WHERE transfer_pair IS NOT NULL;
    CREATE INDEX ix_transactions_account ON transactions(account);
    """,
    # v13: one small partial index per reason a row needs review, each with exactly the condition
    # of its branch in `review_need.REASON_BRANCHES` (written out, not formatted from the rule's
    # constants, so changing the rule needs a new migration; tests/unit/test_review_queue.py
    # checks they match). Counting and paging the Review queue then reads only the rows it lists,
    # newest first, instead of judging every row of the ledger (count + first page at 100k rows:
    # ~150 -> ~25 ms). New rows enter the first index and leave it when categorized.
    """
    CREATE INDEX ix_review_uncategorized ON transactions(date)
        WHERE reviewed = 0 AND category IS NULL
        AND (category_source IS NULL OR category_source NOT IN ('rule', 'user'));
    CREATE INDEX ix_review_disagreement ON transactions(date)
        WHERE reviewed = 0 AND category IS NOT NULL AND second_opinion IS NOT NULL AND second_opinion != ''
        AND (category_source IS NULL OR category_source NOT IN ('rule', 'user'));
    CREATE INDEX ix_review_low_confidence ON transactions(date)
        WHERE reviewed = 0 AND category IS NOT NULL AND (second_opinion IS NULL OR second_opinion = '')
        AND category_source IN ('cache', 'model') AND confidence < 0.7;
    CREATE INDEX ix_review_builtin_guess ON transactions(date)
        WHERE reviewed = 0 AND category IS NOT NULL AND (second_opinion IS NULL OR second_opinion = '')
        AND category_source = 'builtin' AND confidence < 0.85;
    CREATE INDEX ix_review_new_merchant ON transactions(date, merchant_key, category)
        WHERE reviewed = 0 AND category IS NOT NULL AND (second_opinion IS NULL OR second_opinion = '')
        AND category_source IN ('cache', 'model') AND (confidence IS NULL OR confidence >= 0.7);
    """,
    # v14: account names masked again by a rule that also catches the numbers v10 let through
    # (app.store.accounts_v14); ids, transfer pairs and the user's names follow
    remask_account_names_v14,
)

SCHEMA_VERSION = len(MIGRATIONS)

BUSY_TIMEOUT_S = 30
SIDE_FILES = ("-wal", "-shm")


def migration_statements(script: str) -> Iterator[str]:
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
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def schema_version_of(conn: sqlite3.Connection, path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"{path} was written by a newer privfin (schema {version} > {SCHEMA_VERSION})")
    return version


def migrate(path: Path) -> None:
    """Bring the schema of the database at `path` up to date."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _enable_wal(conn)
        if schema_version_of(conn, path) == SCHEMA_VERSION:
            return  # the common case: no write lock needed
        # Read again under the write lock: a process that waited for it sees the migrations
        # another one just committed, and runs only what is still missing.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version_of(conn, path)
            for step in MIGRATIONS[version:]:
                if callable(step):
                    step(conn)
                    continue
                for statement in migration_statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    finally:
        conn.close()
