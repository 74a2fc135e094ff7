"""Store migration v14: account names masked again, by the rule that also catches numbers v10
let through (a 4-6-5 Amex, "visa_4516_0000_...", "451600******1234", "4516.0000...").

Ids hash the account name the file gives, so a name that changes gets the ids a fresh import
of the same file now makes (as in v10), and everything that points at an id follows: the
other side of a transfer, the pairs the user undid, the overlap bookkeeping. A name the user
gave (an alias target) keeps its rows' ids; the file's name it stands for is masked too, so
the next import of that file still lands under the user's name.
"""

from __future__ import annotations

import json
import sqlite3

from app.account_names import remasked_account_name
from app.store.accounts_v10 import mask_stored_account_names


def _pair_key(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def _follow_ids(conn: sqlite3.Connection, moved: dict[str, str]) -> None:
    conn.executemany(
        "UPDATE transactions SET transfer_pair = ? WHERE transfer_pair = ?",
        [(b, a) for a, b in moved.items()],
    )
    refused = conn.execute("SELECT first_id, second_id, unpaired_at FROM transfer_unpaired").fetchall()
    for first, second, at in refused:
        if first in moved or second in moved:
            conn.execute(
                "DELETE FROM transfer_unpaired WHERE first_id = ? AND second_id = ?", (first, second)
            )
            conn.execute(
                "INSERT OR REPLACE INTO transfer_unpaired (first_id, second_id, unpaired_at) VALUES (?,?,?)",
                (*_pair_key(moved.get(first, first), moved.get(second, second)), at),
            )


def _mask_aliases(conn: sqlite3.Connection) -> None:
    aliases = conn.execute("SELECT original, account, updated_at FROM account_aliases").fetchall()
    conn.execute("DELETE FROM account_aliases")
    for original, account, at in aliases:
        conn.execute(
            "INSERT OR REPLACE INTO account_aliases (original, account, updated_at) VALUES (?,?,?)",
            (remasked_account_name(original), remasked_account_name(account), at),
        )
    conn.execute("DELETE FROM account_aliases WHERE original = account")


def _mask_change_log(conn: sqlite3.Connection) -> None:
    for row_id, detail in conn.execute("SELECT id, detail_json FROM change_log").fetchall():
        data = json.loads(detail)
        masked = {
            k: remasked_account_name(v) if k in ("from", "to") and isinstance(v, str) else v
            for k, v in data.items()
        }
        if masked != data:
            conn.execute(
                "UPDATE change_log SET detail_json = ? WHERE id = ?",
                (json.dumps(masked, ensure_ascii=False), row_id),
            )


def remask_account_names_v14(conn: sqlite3.Connection) -> None:
    user_named = frozenset(str(r[0]) for r in conn.execute("SELECT DISTINCT account FROM account_aliases"))
    moved: dict[str, str] = {}
    mask_stored_account_names(conn, moved_ids=moved, keep_ids=user_named, masker=remasked_account_name)
    _follow_ids(conn, moved)
    _mask_aliases(conn)
    _mask_change_log(conn)
