"""The review-need rule: what needs a person, and what stays out of the queue."""

from __future__ import annotations

import pandas as pd

from app.categorize.review_need import (
    REASON_BUILTIN_GUESS,
    REASON_DISAGREEMENT,
    REASON_LOW_CONFIDENCE,
    REASON_NEW_MERCHANT,
    REASON_UNCATEGORIZED,
    review_reasons,
)


def frame(*rows: tuple[str, str | None, str | None, float | None, bool, str | None]) -> pd.DataFrame:
    """(merchant key, category, source, confidence, reviewed, second opinion) per row."""
    return pd.DataFrame(
        rows,
        columns=["merchant_key", "category", "category_source", "confidence", "reviewed", "second_opinion"],
    )


def test_each_reason_and_what_stays_out() -> None:
    rows = frame(
        ("MYSTERY", None, None, None, False, None),
        ("KILN COFFEE", "Dining", "model", 0.4, False, None),
        ("CASA VERDE", "Shopping", "builtin", 0.7, False, None),
        ("QUORBLE", "Dining", "model", 0.95, False, None),
        ("STARBUCKS", "Dining", "builtin", 0.9, False, "learned from your categories: Groceries"),
        ("STARBUCKS", "Dining", "builtin", 0.9, False, None),  # confident built-in hit
        ("PHARMAZ", "Health", "learned", 0.92, False, None),  # earned its confidence
        ("TESCO", "Groceries", "history", 0.95, False, None),  # as the user categorized it before
        ("AMC", "Shopping", "user", 1.0, True, None),
        ("AMC", "Entertainment", "rule", 1.0, False, None),
        ("QUORBLE", "Dining", "model", 0.3, True, None),  # reviewed
        ("MYSTERY", None, None, None, True, None),  # reviewed, even with no category
    )
    assert list(review_reasons(rows, confirmed=set())) == [
        REASON_UNCATEGORIZED,
        REASON_LOW_CONFIDENCE,
        REASON_BUILTIN_GUESS,
        REASON_NEW_MERCHANT,
        REASON_DISAGREEMENT,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]


def test_a_merchant_the_user_confirmed_leaves_the_queue_in_that_category_only() -> None:
    rows = frame(
        ("QUORBLE", "Dining", "model", None, False, None),  # the model no longer says how sure it is
        ("QUORBLE", "Dining", "cache", None, False, None),
        ("QUORBLE", "Shopping", "model", None, False, None),
    )
    assert list(review_reasons(rows, confirmed={("QUORBLE", "Dining")})) == ["", "", REASON_NEW_MERCHANT]
    assert list(review_reasons(rows, confirmed=set())) == [REASON_NEW_MERCHANT] * 3


def test_an_empty_frame() -> None:
    assert review_reasons(frame(), confirmed=set()).empty
