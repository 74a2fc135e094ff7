"""Category writes: results of the cascade, the user's corrections and rules, renames."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.models import USER_SOURCES, CategorySource
from app.store.connection import StoreBase
from app.store.queries import direction_clause
from app.store.records import CategoryUpdate
from app.store.sql_helpers import update_rows, utc_now


class CategoryWrites(StoreBase):
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
        now = utc_now()
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
        with self.connect() as conn:
            return update_rows(
                conn,
                "category = ?, category_source = ?, confidence = 1.0, category_reason = NULL, "
                "category_model = NULL, second_opinion = NULL, reviewed = 1, updated_at = ?",
                [category, CategorySource.USER.value, utc_now()],
                ids,
            )

    def mark_reviewed(self, ids: Sequence[str], reviewed: bool = True) -> int:
        with self.connect() as conn:
            return update_rows(conn, "reviewed = ?, updated_at = ?", [int(reviewed), utc_now()], ids)

    def apply_rule_rows(self, merchant_key: str, direction: str | None, category: str) -> int:
        """Give a user rule's category to every row it covers, except rows the user set by hand.

        One SQL transaction; returns how many rows changed category.
        """
        where = (
            "merchant_key = ?"
            + direction_clause(direction)
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
                [category, CategorySource.RULE.value, utc_now(), *params],
            )
        return changed

    def release_rule_rows(self, merchant_key: str, direction: str | None) -> int:
        """Rows a removed rule had set go back to the cascade (their category stays until the next run)."""
        with self.connect() as conn:
            return conn.execute(
                "UPDATE transactions SET category_source = NULL, confidence = NULL, "
                "category_reason = 'rule removed: re-categorized on the next run', updated_at = ? "
                "WHERE merchant_key = ? AND category_source = ?" + direction_clause(direction),
                (utc_now(), merchant_key, CategorySource.RULE.value),
            ).rowcount

    def rename_category(self, old: str, new: str) -> int:
        with self.connect() as conn:
            conn.execute("UPDATE rules SET category = ? WHERE category = ?", (new, old))
            conn.execute("UPDATE llm_cache SET category = ? WHERE category = ?", (new, old))
            return conn.execute(
                "UPDATE transactions SET category = ?, updated_at = ? WHERE category = ?",
                (new, utc_now(), old),
            ).rowcount

    def clear_category(self, category: str) -> int:
        """Rows of a removed category go back to uncategorized (and so back to the cascade)."""
        with self.connect() as conn:
            conn.execute("DELETE FROM rules WHERE category = ?", (category,))
            conn.execute("DELETE FROM llm_cache WHERE category = ?", (category,))
            return conn.execute(
                "UPDATE transactions SET category = NULL, category_source = NULL, confidence = NULL, "
                "category_reason = 'category removed', updated_at = ? WHERE category = ?",
                (utc_now(), category),
            ).rowcount
