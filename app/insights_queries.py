"""The narrow read Insights works from: only the columns its figures use, amounts as integers.

`Store.transactions_frame` gives every column and one `Decimal` per amount, which is what the
exports and the Review grid need, and costs ~1 s per call at 100k rows. Insights sums integer
minor units (`app.insights`), so it reads `insights_frame` instead: the same rows in the same
order with the same values, minus the columns it never looks at and the per-row Decimals. The
foreign-spend rows keep exact `original_amount_minor` (Python ints), which is all
`app.fx.derived_rates` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from app.store import Store, TransactionFilter, filter_where

if TYPE_CHECKING:
    import pandas as pd

# What `app.insights`, `app.charts` and `app.fx.derived_rates` read; `id` is the index too.
INSIGHTS_COLUMNS: Final = (
    "id",
    "date",
    "currency",
    "category",
    "amount_minor",
    "transfer_pair",
    "description",
    "merchant_key",
    "original_currency",
)


def insights_frame(store: Store, flt: TransactionFilter | None = None) -> pd.DataFrame:
    """The rows of `flt` with `INSIGHTS_COLUMNS` plus `original_amount_minor`, indexed by id,
    newest first (ties by id), exactly as `Store.transactions_frame` orders and types them:
    `date` datetime64, `amount_minor` int64, `original_amount_minor` Python ints or None."""
    import pandas as pd  # here, not at module level: the CLI's start-up never needs it

    where, params = filter_where(flt or TransactionFilter())
    # As text: a nullable INTEGER column would come back as float64, which rounds past 2**53.
    sql = (
        f"SELECT {', '.join(INSIGHTS_COLUMNS)}, CAST(original_amount_minor AS TEXT) FROM transactions{where}"
    )
    with store.connect() as conn:
        rows = conn.execute(sql, params).fetchall()
    names = [*INSIGHTS_COLUMNS, "original_amount_minor"]
    # Columns from Python lists: pandas' own row-to-column conversion is several times slower.
    # The two columns that are mostly empty are inferred as `read_sql` does (None kept when all are).
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    data = dict(zip(names, columns, strict=True))
    frame = pd.DataFrame(
        {
            "id": pd.Series(data["id"], dtype="str"),
            # Always ISO (the store writes `isoformat()`), like `transactions_frame`.
            "date": pd.to_datetime(pd.Series(data["date"], dtype="str"), format="ISO8601"),
            "currency": pd.Series(data["currency"], dtype="str"),
            "category": pd.Series(data["category"], dtype="str"),
            "amount_minor": pd.Series(data["amount_minor"], dtype="int64"),
            "transfer_pair": pd.Series(data["transfer_pair"]),
            "description": pd.Series(data["description"], dtype="str"),
            "merchant_key": pd.Series(data["merchant_key"], dtype="str"),
            "original_currency": pd.Series(data["original_currency"]),
            "original_amount_minor": pd.Series(
                [None if text is None else int(text) for text in data["original_amount_minor"]],
                dtype=object,
            ),
        }
    )
    frame = frame.sort_values(["date", "id"], ascending=[False, True], ignore_index=True)
    return frame.set_index("id", drop=False)
