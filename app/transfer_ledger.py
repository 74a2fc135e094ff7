"""The store's transfers: `app.transfers` run over every row, its pairs kept in `transfer_pair`.

Pairs are recomputed after each import and after an import is removed (a removed row's
partner is unpaired first, and may then pair with another row). A pair the user undid is
remembered in `transfer_unpaired` and never proposed again. A paired row keeps its category;
`app.insights` treats it as a transfer (out of spending and income) and Recurring leaves it out.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from app import money
from app.store import Store
from app.transfers import DEFAULT_WINDOW_DAYS, Leg, match_transfers, pair_key


@dataclass(frozen=True)
class TransferSide:
    """The other side of a paired row, as Review shows it."""

    id: str
    account: str
    date: dt.date
    description: str


# Amounts that left one account and arrived in another at least once: only their rows can pair,
# and reading just those keeps a 100k-row recompute from building a Leg for every purchase.
_BOTH_WAYS = (
    "SELECT currency, abs(amount_minor) FROM transactions WHERE amount_minor != 0 GROUP BY 1, 2 "
    "HAVING MIN(amount_minor) < 0 AND MAX(amount_minor) > 0 AND COUNT(DISTINCT account) > 1"
)


def _legs(conn: sqlite3.Connection) -> list[Leg]:
    return [
        Leg(tid, account, dt.date.fromisoformat(day), minor, currency, f"{description} {payee or ''}")
        for tid, account, day, minor, currency, description, payee in conn.execute(
            "SELECT id, account, date, amount_minor, currency, description, payee FROM transactions "
            f"WHERE amount_minor != 0 AND (currency, abs(amount_minor)) IN ({_BOTH_WAYS})"
        )
    ]


def _refused(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(str(a), str(b)) for a, b in conn.execute("SELECT first_id, second_id FROM transfer_unpaired")}


def refresh_in(conn: sqlite3.Connection, window_days: int = DEFAULT_WINDOW_DAYS) -> int:
    """Recompute every pair inside the caller's transaction; returns how many rows changed."""
    pairs = match_transfers(_legs(conn), window_days=window_days, refused=_refused(conn))
    current = {
        str(tid): str(other)
        for tid, other in conn.execute(
            "SELECT id, transfer_pair FROM transactions WHERE transfer_pair IS NOT NULL"
        )
    }
    cleared = [(tid,) for tid in current if tid not in pairs]
    changed = [(other, tid) for tid, other in pairs.items() if current.get(tid) != other]
    conn.executemany("UPDATE transactions SET transfer_pair = NULL WHERE id = ?", cleared)
    conn.executemany("UPDATE transactions SET transfer_pair = ? WHERE id = ?", changed)
    return len(cleared) + len(changed)


def refresh_transfers(store: Store, window_days: int = DEFAULT_WINDOW_DAYS) -> int:
    """Recompute the store's pairs in one transaction; returns how many rows changed."""
    with store.connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        return refresh_in(conn, window_days)


def unpair_orphans(conn: sqlite3.Connection) -> int:
    """Rows whose other side is gone (its import was removed) are unpaired."""
    return conn.execute(
        "UPDATE transactions SET transfer_pair = NULL WHERE transfer_pair IS NOT NULL "
        "AND transfer_pair NOT IN (SELECT id FROM transactions)"
    ).rowcount


def unpair(store: Store, transaction_id: str) -> str | None:
    """'Not a transfer': undo the pair `transaction_id` is in, for good; returns the other side's id."""
    with store.connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT transfer_pair FROM transactions WHERE id = ?", (transaction_id,)
        ).fetchone()
        if row is None or row[0] is None:
            return None
        other = str(row[0])
        conn.execute(
            "INSERT OR REPLACE INTO transfer_unpaired (first_id, second_id, unpaired_at) VALUES (?,?,?)",
            (*pair_key(transaction_id, other), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
        conn.execute(
            "UPDATE transactions SET transfer_pair = NULL WHERE id IN (?, ?)", (transaction_id, other)
        )
        return other


def other_sides(store: Store, ids: list[str]) -> dict[str, TransferSide]:
    """For each paired row among `ids`, its other side."""
    if not ids:
        return {}
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT t.id, o.id, o.account, o.date, o.description FROM transactions t "
            "JOIN transactions o ON o.id = t.transfer_pair "
            "WHERE t.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchall()
    return {
        str(r[0]): TransferSide(str(r[1]), str(r[2]), dt.date.fromisoformat(r[3]), str(r[4])) for r in rows
    }


def pair_count(store: Store) -> int:
    with store.connect() as conn:
        return (
            int(
                conn.execute("SELECT COUNT(*) FROM transactions WHERE transfer_pair IS NOT NULL").fetchone()[
                    0
                ]
            )
            // 2
        )


@dataclass(frozen=True)
class TransferPair:
    """One matched move: money left `outflow` and arrived as `inflow`."""

    outflow: TransferSide
    inflow: TransferSide
    amount: Decimal  # the amount moved, positive
    currency: str


def transfer_pairs(store: Store, limit: int = 200) -> list[TransferPair]:
    """The matched pairs, newest first (at most `limit`)."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT o.id, o.account, o.date, o.description, i.id, i.account, i.date, i.description, "
            "i.amount_minor, i.currency FROM transactions o JOIN transactions i ON i.id = o.transfer_pair "
            "WHERE o.transfer_pair IS NOT NULL AND o.amount_minor < 0 ORDER BY o.date DESC, o.id LIMIT ?",
            (limit,),
        ).fetchall()
    return [
        TransferPair(
            TransferSide(str(r[0]), str(r[1]), dt.date.fromisoformat(r[2]), str(r[3])),
            TransferSide(str(r[4]), str(r[5]), dt.date.fromisoformat(r[6]), str(r[7])),
            money.from_minor(int(r[8]), str(r[9])),
            str(r[9]),
        )
        for r in rows
    ]
