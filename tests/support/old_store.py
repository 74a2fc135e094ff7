"""A store as privfin wrote it before amounts became integers (schema v8: amounts as TEXT).

Built from the real migration scripts before the integer one, so a test can fill it the way an old version
(or a manual edit) did and then open it with today's `Store`, which migrates it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from app.store import MIGRATIONS

# The last schema with TEXT amounts: every migration before the first Python step (v9).
TEXT_AMOUNTS_VERSION = next(n for n, step in enumerate(MIGRATIONS) if callable(step))

# (id, date, description, amount text, currency, original amount text, original currency)
OldRow = tuple[str, str, str, str, str, str | None, str | None]


def old_store(path: Path, rows: Sequence[OldRow], *, category: str | None = None) -> Path:
    """A v8 database at `path` holding `rows` of account "Card", as an old privfin stored them."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for script in MIGRATIONS[:TEXT_AMOUNTS_VERSION]:
            assert isinstance(script, str)
            conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {TEXT_AMOUNTS_VERSION}")
        conn.execute(
            "INSERT INTO imports (id, file_sha256, file_name, account, imported_at) "
            "VALUES (1, ?, 'old.csv', 'Card', '2024-01-01T00:00:00+00:00')",
            ("a" * 64,),
        )
        conn.executemany(
            "INSERT INTO transactions (id, account, date, description, amount, currency, source_sha256, "
            "source_row, import_id, category, category_source, original_amount, original_currency) "
            "VALUES (?, 'Card', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            [
                (
                    tid,
                    day,
                    text,
                    amount,
                    code,
                    "a" * 64,
                    n,
                    category,
                    "user" if category else None,
                    orig,
                    orig_code,
                )
                for n, (tid, day, text, amount, code, orig, orig_code) in enumerate(rows, start=1)
            ],
        )
    finally:
        conn.close()
    return path
