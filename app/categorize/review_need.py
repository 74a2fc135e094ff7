"""Which rows need a person: the one rule the Review page and `privfin categorize --json` share.

A row enters the review queue when
- it has no category;
- its answer is weak: a model answer, or a built-in guess, below `LOW_CONFIDENCE` or below
  the built-in rules' trusted level;
- two sources disagreed about it (the learned model, the rules, the model: `second_opinion`);
- the model categorized a merchant the user has never confirmed in that category (its
  first sighting; once the user accepts one row, the merchant's other rows leave too).

It stays out when the user set or confirmed it (by hand, a rule, marked reviewed), and when
a confident built-in rule, the user's history or the learned model (which answers only
above the precision it earned on the user's own labels) decided it without disagreement.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.models import USER_SOURCES, CategorySource
from app.store import CONFIRMED_WHERE

if TYPE_CHECKING:  # pandas is imported where a frame is judged: the cascade needs only the constant
    import pandas as pd

    from app.store import Store

LOW_CONFIDENCE = 0.7
BUILTIN_TRUSTED_CONFIDENCE = 0.85
"""Built-in matches at or above this are final; weaker ones (bank-category guesses) go to the model."""

# Why a row is in the review queue, most urgent first.
REASON_UNCATEGORIZED = "no category"
REASON_DISAGREEMENT = "sources disagree"
REASON_LOW_CONFIDENCE = "low confidence"
REASON_BUILTIN_GUESS = "built-in guess"
REASON_NEW_MERCHANT = "new merchant (model)"
REASON_ORDER = {
    REASON_UNCATEGORIZED: 0,
    REASON_DISAGREEMENT: 1,
    REASON_LOW_CONFIDENCE: 2,
    REASON_BUILTIN_GUESS: 3,
    REASON_NEW_MERCHANT: 4,
}
REASONS = tuple(REASON_ORDER)

_MODEL_SOURCES = (CategorySource.MODEL.value, CategorySource.CACHE.value)


def review_reasons(frame: pd.DataFrame, confirmed: Collection[tuple[str, str]]) -> pd.Series:
    """Why each row of a transactions frame needs a look; "" for rows that do not.

    `confirmed` holds the (merchant key, category) pairs the user set or confirmed anywhere
    in the ledger (`Store.confirmed_merchant_categories`), so a page of rows is judged the
    same as the whole ledger.
    """
    import pandas as pd

    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    source = frame["category_source"].astype(object)
    category = frame["category"].astype(object)
    confidence = pd.to_numeric(frame["confidence"], errors="coerce")
    from_model = source.isin(_MODEL_SOURCES)
    known_pairs = set(confirmed)
    seen_before = pd.Series(
        [
            (str(key), str(cat)) in known_pairs
            for key, cat in zip(frame["merchant_key"].tolist(), category.tolist(), strict=True)
        ],
        index=frame.index,
    )
    second = frame["second_opinion"] if "second_opinion" in frame else pd.Series(None, index=frame.index)

    reason = pd.Series("", index=frame.index, dtype=object)
    reason = reason.mask(from_model & ~seen_before, REASON_NEW_MERCHANT)
    reason = reason.mask(
        (source == CategorySource.BUILTIN.value) & (confidence < BUILTIN_TRUSTED_CONFIDENCE),
        REASON_BUILTIN_GUESS,
    )
    reason = reason.mask(from_model & (confidence < LOW_CONFIDENCE), REASON_LOW_CONFIDENCE)
    reason = reason.mask(second.notna() & (second.astype(object) != ""), REASON_DISAGREEMENT)
    reason = reason.mask(category.isna(), REASON_UNCATEGORIZED)
    decided_by_user = source.isin([s.value for s in USER_SOURCES])
    return reason.mask(frame["reviewed"].astype(bool) | decided_by_user, "")


def ledger_review_reasons(store: Store, frame: pd.DataFrame) -> pd.Series:
    """`review_reasons` for rows read from `store`, judged against the whole ledger."""
    return review_reasons(frame, store.confirmed_merchant_categories())


def _quoted(values: Collection[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))  # enum values: letters only


_NOT_USER = (
    f"(category_source IS NULL OR category_source NOT IN ({_quoted({s.value for s in USER_SOURCES})}))"
)
_FROM_MODEL = f"category_source IN ({_quoted(_MODEL_SOURCES)})"
_NO_SECOND = "(second_opinion IS NULL OR second_opinion = '')"


@dataclass(frozen=True)
class ReasonBranch:
    """The rows one reason flags, as SQL over the columns of `transactions`.

    The branches are the rule above written as disjoint conditions (each states that the
    earlier reasons do not hold), so the queue is their union and its count their sum.
    `where` is also, character for character, the condition of the partial index `index`
    (created by the store's migration; `tests/unit/test_review_queue.py` checks the two
    match): SQLite uses a partial index only for a query that repeats its condition, and then
    needs no row to count the branch. `unconfirmed` adds the one test no index condition can
    hold, that the merchant's category was never confirmed (needs `CONFIRMED_CTE`).
    """

    reason: str
    index: str
    where: str
    unconfirmed: bool = False

    @property
    def rank(self) -> int:
        return REASON_ORDER[self.reason]

    def condition(self) -> str:
        if not self.unconfirmed:
            return self.where
        return (
            f"{self.where} AND (merchant_key IS NULL OR (merchant_key, category) "
            "NOT IN (SELECT merchant_key, category FROM confirmed))"
        )


REASON_BRANCHES = (
    ReasonBranch(
        REASON_UNCATEGORIZED,
        "ix_review_uncategorized",
        f"reviewed = 0 AND category IS NULL AND {_NOT_USER}",
    ),
    ReasonBranch(
        REASON_DISAGREEMENT,
        "ix_review_disagreement",
        f"reviewed = 0 AND category IS NOT NULL AND second_opinion IS NOT NULL AND second_opinion != '' "
        f"AND {_NOT_USER}",
    ),
    ReasonBranch(
        REASON_LOW_CONFIDENCE,
        "ix_review_low_confidence",
        f"reviewed = 0 AND category IS NOT NULL AND {_NO_SECOND} AND {_FROM_MODEL} "
        f"AND confidence < {LOW_CONFIDENCE}",
    ),
    ReasonBranch(
        REASON_BUILTIN_GUESS,
        "ix_review_builtin_guess",
        f"reviewed = 0 AND category IS NOT NULL AND {_NO_SECOND} "
        f"AND category_source = '{CategorySource.BUILTIN.value}' AND confidence < {BUILTIN_TRUSTED_CONFIDENCE}",
    ),
    ReasonBranch(
        REASON_NEW_MERCHANT,
        "ix_review_new_merchant",
        f"reviewed = 0 AND category IS NOT NULL AND {_NO_SECOND} AND {_FROM_MODEL} "
        f"AND (confidence IS NULL OR confidence >= {LOW_CONFIDENCE})",
        unconfirmed=True,
    ),
)
"""`review_reasons` in SQL, most urgent first: SQLite can filter, count and page the queue
without the whole ledger in memory. `tests/unit/test_review_queue.py` checks that the two
agree on every row of the same store."""

CONFIRMED_CTE = f"""confirmed AS (
    SELECT DISTINCT merchant_key, category FROM transactions
    WHERE category IS NOT NULL AND merchant_key IS NOT NULL
      AND {CONFIRMED_WHERE}
)"""
"""The (merchant key, category) pairs the user set or confirmed (`Store.confirmed_merchant_categories`),
built once per query: a lookup per row into the merchant index cost ~5k rows per popular merchant."""
