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


_USER_SQL = _quoted({s.value for s in USER_SOURCES})
_MODEL_SQL = _quoted(_MODEL_SOURCES)

REVIEW_REASON_SQL = f"""CASE
    WHEN t.reviewed = 1 OR t.category_source IN ({_USER_SQL}) THEN ''
    WHEN t.category IS NULL THEN '{REASON_UNCATEGORIZED}'
    WHEN t.second_opinion IS NOT NULL AND t.second_opinion != '' THEN '{REASON_DISAGREEMENT}'
    WHEN t.category_source IN ({_MODEL_SQL}) AND t.confidence < {LOW_CONFIDENCE} THEN '{REASON_LOW_CONFIDENCE}'
    WHEN t.category_source = '{CategorySource.BUILTIN.value}' AND t.confidence < {BUILTIN_TRUSTED_CONFIDENCE}
        THEN '{REASON_BUILTIN_GUESS}'
    WHEN t.category_source IN ({_MODEL_SQL}) AND (t.merchant_key IS NULL OR (t.merchant_key, t.category)
        NOT IN (SELECT merchant_key, category FROM confirmed)) THEN '{REASON_NEW_MERCHANT}'
    ELSE ''
END"""
"""`review_reasons` as one SQL expression over `transactions t`, with `CONFIRMED_CTE` in the
query's WITH clause: the same rule, in the same
order (the first that holds wins, as the last mask does above), so SQLite can filter, sort and
page the queue without the whole ledger in memory. `tests/unit/test_review_queue.py` checks
that the two agree on every row of the same store."""

CONFIRMED_CTE = f"""confirmed AS (
    SELECT DISTINCT merchant_key, category FROM transactions
    WHERE category IS NOT NULL AND merchant_key IS NOT NULL
      AND {CONFIRMED_WHERE}
)"""
"""The (merchant key, category) pairs the user set or confirmed (`Store.confirmed_merchant_categories`),
built once per query: a lookup per row into the merchant index cost ~5k rows per popular merchant."""

REASON_RANK_SQL = "CASE reason " + " ".join(f"WHEN '{r}' THEN {n}" for r, n in REASON_ORDER.items()) + " END"
