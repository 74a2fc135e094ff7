"""Store migration v10: import bookkeeping (which import holds which row) and masked account names.

A transaction row is owned by the import that inserted it (`transactions.import_id`); a later
import of an overlapping file inserts nothing for the rows it shares and, since v10, records
them in `import_duplicates` with its own row number. Removing an import hands each shared row
to the earliest other import that holds it, so no row another import still owns is lost.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Callable

from app import money
from app.account_names import masked_account_name
from app.ids import statement_ids

IMPORT_TABLES = (
    # Rows an import held but did not insert (already stored): the overlap of its file.
    "CREATE TABLE import_duplicates (import_id INTEGER NOT NULL REFERENCES imports(id), "
    "transaction_id TEXT NOT NULL, source_row INTEGER NOT NULL, "
    "PRIMARY KEY (import_id, transaction_id)) WITHOUT ROWID",
    "CREATE INDEX ix_import_duplicates_transaction ON import_duplicates(transaction_id)",
    # The user's account names: rows the importer names `original` are stored as `account`.
    "CREATE TABLE account_aliases (original TEXT PRIMARY KEY, account TEXT NOT NULL, updated_at TEXT NOT NULL)",
    # Local changes to the data (imports removed, accounts renamed): the trail of what changed here.
    "CREATE TABLE change_log (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, "
    "action TEXT NOT NULL, detail_json TEXT NOT NULL)",
    "CREATE INDEX ix_transactions_import ON transactions(import_id)",
)


def _new_ids(conn: sqlite3.Connection, old: str, new: str) -> dict[str, str]:
    """Old id -> the id a fresh import of the same file gives the row under the masked name.

    Ids hash the account name, so a masked name gives new ids; recomputed per source file in
    file order (the occurrence count is per file), re-importing an old file still adds nothing.
    """
    by_file: dict[str, list[tuple[str, str, int, str, str]]] = defaultdict(list)
    for tid, day, minor, currency, description, sha in conn.execute(
        "SELECT id, date, amount_minor, currency, description, source_sha256 FROM transactions "
        "WHERE account = ? ORDER BY source_sha256, source_row",
        (old,),
    ):
        by_file[sha].append((tid, day, minor, currency, description))
    moved: dict[str, str] = {}
    for rows in by_file.values():
        fresh = statement_ids(
            [new] * len(rows),
            [dt.date.fromisoformat(r[1]) for r in rows],
            [money.from_minor(r[2], r[3]) for r in rows],
            [r[3] for r in rows],
            [r[4] for r in rows],
        )
        moved.update((r[0], tid) for r, tid in zip(rows, fresh, strict=True) if tid != r[0])
    return moved


def mask_stored_account_names(
    conn: sqlite3.Connection,
    moved_ids: dict[str, str] | None = None,
    keep_ids: frozenset[str] = frozenset(),
    masker: Callable[[str], str] = masked_account_name,
) -> dict[str, str]:
    """Every stored account name cut to a number's last four digits; returns old -> new names.

    A row whose recomputed id is already taken keeps its id (nothing is merged or lost); so do
    the rows of `keep_ids` accounts (names the user gave: their ids hash the file's name).
    `moved_ids` collects old id -> new id.
    """
    names = {
        str(r[0])
        for r in conn.execute(
            "SELECT account FROM transactions UNION SELECT account FROM imports WHERE account IS NOT NULL "
            "UNION SELECT account FROM account_currencies"
        )
    }
    renames = {name: masker(name) for name in names if masker(name) != name}
    taken = {str(r[0]) for r in conn.execute("SELECT id FROM transactions")} if renames else set()
    for old, new in renames.items():
        fresh = {} if old in keep_ids else _new_ids(conn, old, new)
        moved = {a: b for a, b in fresh.items() if b not in taken}
        taken.update(moved.values())
        if moved_ids is not None:
            moved_ids.update(moved)
        conn.executemany("UPDATE transactions SET id = ? WHERE id = ?", [(b, a) for a, b in moved.items()])
        conn.executemany(
            "UPDATE import_duplicates SET transaction_id = ? WHERE transaction_id = ?",
            [(b, a) for a, b in moved.items()],
        )
        conn.execute("UPDATE transactions SET account = ? WHERE account = ?", (new, old))
        conn.execute("UPDATE imports SET account = ? WHERE account = ?", (new, old))
        conn.execute(
            "INSERT OR IGNORE INTO account_currencies (account, currency, updated_at) "
            "SELECT ?, currency, updated_at FROM account_currencies WHERE account = ?",
            (new, old),
        )
        conn.execute("DELETE FROM account_currencies WHERE account = ?", (old,))
    return renames


def imports_and_accounts_v10(conn: sqlite3.Connection) -> None:
    for statement in IMPORT_TABLES:
        conn.execute(statement)
    mask_stored_account_names(conn)
