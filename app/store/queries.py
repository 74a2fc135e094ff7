"""Reads: transactions as objects, frames or plain columns, and the facts the cascade learns from."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app import money
from app.models import CategorySource, RowSource, Transaction
from app.money import Direction
from app.store.connection import StoreBase
from app.store.records import (
    TRANSACTION_COLUMNS,
    LabeledRow,
    MerchantKeyRow,
    TransactionFilter,
    filter_where,
)
from app.store.sql_helpers import CONFIRMED_WHERE, chunked

if TYPE_CHECKING:  # pandas costs ~0.5 s to import: only the queries that return frames load it
    import pandas as pd

TRANSACTION_FIELDS = (
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


def transaction_of(r: Sequence[Any]) -> Transaction:
    """A row selected as `TRANSACTION_FIELDS`."""
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


def direction_clause(direction: str | None) -> str:
    """SQL for 'money in' or 'money out': `money.MONEY_IN_SQL`, the rule `money.direction` keeps."""
    if direction == "in":
        return f" AND {money.MONEY_IN_SQL}"
    if direction == "out":
        return f" AND {money.MONEY_OUT_SQL}"
    return ""


class Queries(StoreBase):
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
        query = f"SELECT {TRANSACTION_FIELDS} FROM transactions"
        with self.connect() as conn:
            if ids is None:
                rows = conn.execute(query + " ORDER BY date, source_sha256, source_row").fetchall()
            else:
                rows = []
                for chunk in chunked(list(ids)):
                    marks = ",".join("?" * len(chunk))
                    rows.extend(conn.execute(f"{query} WHERE id IN ({marks})", chunk).fetchall())
                order = {tid: n for n, tid in enumerate(ids)}
                rows.sort(key=lambda r: order.get(r[0], 0))
        return [transaction_of(r) for r in rows]

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
                    + direction_clause(direction)
                    + " ORDER BY date",
                    (merchant_key,),
                )
            )

    def pending_transactions(self) -> list[tuple[Transaction, str | None]]:
        """The rows the cascade may still decide, with their merchant keys, in date order: no
        category, or one from a local step (built-in, cache, history, learned) the user has
        not confirmed. A row the user marked reviewed keeps its category."""
        with self.connect() as conn:
            rows = conn.execute(
                f"SELECT {TRANSACTION_FIELDS}, merchant_key FROM transactions WHERE {_PENDING} ORDER BY date",
                _REVISABLE_SOURCES,
            ).fetchall()
        return [(transaction_of(r), r[13]) for r in rows]

    def user_history(self) -> dict[tuple[str, Direction], str]:
        """Merchants (in one direction) whose rows the user categorized by hand, all the same way."""
        # Plain columns straight from SQLite: `transactions_frame` would import pandas (~0.5 s)
        # into every categorize run, offline ones included, for this one look-up.
        with self.connect() as conn:
            rows = conn.execute(
                f"SELECT merchant_key, {money.DIRECTION_SQL}, MIN(category) FROM transactions "
                "WHERE category_source = ? AND merchant_key <> '' AND category <> '' "
                "GROUP BY 1, 2 HAVING COUNT(DISTINCT category) = 1",
                (CategorySource.USER.value,),
            ).fetchall()
        return {(str(key), direction): str(category) for key, direction, category in rows}

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
                    f"WHERE category IS NOT NULL AND merchant_key IS NOT NULL AND {CONFIRMED_WHERE}"
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
