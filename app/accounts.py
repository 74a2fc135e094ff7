"""Renaming and merging accounts, remembered for the next imports of the same statements.

Transaction ids hash the account name the file gives (see `app.ids`), so a rename never
touches ids: the store keeps "rows the importer names X are stored as Y" (`account_aliases`)
and the importer applies it after the ids are made. Re-importing a renamed account's file
therefore still finds every row it already holds. Merging is renaming onto an existing name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from app.account_names import masked_account_name
from app.errors import UserFacingError
from app.store import Store, bump_structure
from app.transfer_ledger import refresh_in


class AccountNameError(UserFacingError, ValueError):
    pass


_MAX_NAME = 120


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def clean_account_name(name: str) -> str:
    """A name as stored: single spaces, at most a number's last four digits; refused when empty."""
    cleaned = masked_account_name(" ".join(name.split()))
    if not cleaned:
        raise AccountNameError("an account name cannot be empty")
    if len(cleaned) > _MAX_NAME:
        raise AccountNameError(f"an account name has at most {_MAX_NAME} characters")
    return cleaned


def account_aliases(store: Store) -> dict[str, str]:
    """The file's account name -> the name the user gave it."""
    with store.connect() as conn:
        return {str(a): str(b) for a, b in conn.execute("SELECT original, account FROM account_aliases")}


def rename_account(store: Store, old: str, new: str) -> int:
    """Rename `old` to `new` (a merge when `new` exists already); returns how many rows moved.

    One SQL transaction. The name is remembered, so later imports naming `old` (or any name
    that was renamed to `old`) store their rows under `new`.
    """
    target = clean_account_name(new)
    if target == old:
        raise AccountNameError(f"the account is already called {old!r}")
    now = _now()
    with store.connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        exists = conn.execute("SELECT 1 FROM transactions WHERE account = ? LIMIT 1", (old,)).fetchone()
        if exists is None:
            raise AccountNameError(f"there is no account {old!r}")
        merged = conn.execute("SELECT 1 FROM transactions WHERE account = ? LIMIT 1", (target,)).fetchone()
        moved = conn.execute("UPDATE transactions SET account = ? WHERE account = ?", (target, old)).rowcount
        bump_structure(conn)
        conn.execute("UPDATE imports SET account = ? WHERE account = ?", (target, old))
        conn.execute(
            "UPDATE account_aliases SET account = ?, updated_at = ? WHERE account = ?", (target, now, old)
        )
        conn.execute(
            "INSERT OR REPLACE INTO account_aliases (original, account, updated_at) VALUES (?,?,?)",
            (old, target, now),
        )
        conn.execute("DELETE FROM account_aliases WHERE original = account")
        conn.execute(
            "INSERT OR IGNORE INTO account_currencies (account, currency, updated_at) "
            "SELECT ?, currency, ? FROM account_currencies WHERE account = ?",
            (target, now, old),
        )
        conn.execute(
            "INSERT INTO change_log (ts, action, detail_json) VALUES (?,?,?)",
            (
                now,
                "accounts merged" if merged else "account renamed",
                json.dumps({"from": old, "to": target, "rows": moved}, ensure_ascii=False),
            ),
        )
        refresh_in(conn)  # a merge joins both sides of a pair into one account, which is no transfer
    return int(moved)


def merge_accounts(store: Store, sources: Sequence[str], target: str) -> int:
    """Every row of `sources` into the account `target`; returns how many rows moved."""
    return sum(rename_account(store, source, target) for source in sources if source != target)


def named_as_user_wants(accounts: Sequence[str], aliases: dict[str, str]) -> list[str]:
    """Each file-given account name as the user renamed it (unchanged where never renamed)."""
    if not aliases:
        return list(accounts)
    return [aliases.get(name, name) for name in accounts]
