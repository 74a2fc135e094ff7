"""Where the money went: per category, per month and category, per merchant (semantics: `app.insights`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from app.categorize.merchant import display_name, merchant_name
from app.insights.prepared import (
    KIND_CODES,
    KIND_NAMES,
    SPEND,
    TRANSFER,
    UNCATEGORIZED_KIND,
    Prepared,
    category_order,
    currencies_in,
    prepare,
    sum_by,
)
from app.money import ratio


def net_spend_by_category(
    prepared: Prepared, spend_rows: pd.DataFrame, currency: str | None, *, positive_only: bool
) -> pd.DataFrame:
    """`spend_by_category` on rows already prepared and chosen (the headline reuses its spend rows)."""
    columns = ["category", "spend", "spend_minor", "share", "transactions"]
    if spend_rows.empty or currency is None:
        return pd.DataFrame(columns=columns)
    grouped = spend_rows.groupby("category", observed=True, sort=False)["spend"].agg(["sum", "count"])
    grouped = grouped[grouped["sum"] > 0] if positive_only else grouped[grouped["sum"] != 0]
    if grouped.empty:
        return pd.DataFrame(columns=columns)
    sums = [int(v) for v in grouped["sum"]]
    total = sum(v for v in sums if v > 0)
    result = pd.DataFrame(
        {
            "category": [str(name) for name in grouped.index],
            "spend": [prepared.to_decimal(v, currency) for v in sums],
            "spend_minor": pd.Series(sums, dtype=object),
            # A share of a net refund means nothing: it stays NaN.
            "share": [ratio(v, total) if v > 0 else float("nan") for v in sums],
            "transactions": grouped["count"].astype(int).to_numpy(),
        }
    )
    order = sorted(range(len(sums)), key=lambda n: (-sums[n], result["category"].iloc[n]))
    return result.iloc[order][columns].reset_index(drop=True)


def spend_by_category(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    positive_only: bool = True,
) -> pd.DataFrame:
    """Net spend per category, largest first.

    By default a category whose refunds cancel or outweigh its purchases (net ≤ 0) is dropped,
    which is what a treemap or donut can draw. With `positive_only=False` such categories stay
    (net zero still dropped), so the rows add up to the headline spending.

    Columns: category, spend (Decimal), spend_minor (int, its minor units), share (of the
    positive total, 0-1; NaN for a net refund), transactions.
    """
    prepared = prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    return net_spend_by_category(
        prepared, prepared.spend(rows, include_transfers), chosen, positive_only=positive_only
    )


def category_totals(
    frame: pd.DataFrame,
    *,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every category of every currency: what went out, what came in, and what counts as spending.

    Columns: currency, category, kind ("spend", "income", "transfer", "uncategorized"),
    transactions, money_out (≤ 0), money_in (≥ 0), net (Decimals), spending (Decimal, or None
    for what is not spending: income and, unless included, transfers). Currencies primary first,
    categories in taxonomy order.
    """
    columns = ["currency", "category", "kind", "transactions", "money_out", "money_in", "net", "spending"]
    prepared = prepare(frame, kinds)
    rows = prepared.rows
    if rows.empty:
        return pd.DataFrame(columns=columns)
    minor = rows["minor"].to_numpy()
    grouped = (
        rows.assign(out=np.where(minor < 0, minor, 0), into=np.where(minor > 0, minor, 0))
        .groupby(["currency", "category"], observed=True)
        .agg(
            kind=("kind", "first"),
            transactions=("minor", "size"),
            money_out=("out", "sum"),
            money_in=("into", "sum"),
            net=("minor", "sum"),
        )
    )
    counted = {KIND_CODES[SPEND]} | ({KIND_CODES[TRANSFER]} if include_transfers else set())
    records: list[dict[str, Any]] = []
    for code in currencies_in(rows):
        of_currency = grouped[grouped.index.get_level_values("currency") == code].droplevel("currency")
        present = {str(name): entry for name, entry in of_currency.to_dict("index").items()}
        for name in category_order(present, order):
            entry = present[name]
            kind = int(entry["kind"])
            spending: Decimal | None = None
            if kind in counted:
                spending = prepared.to_decimal(-entry["net"], code)
            elif kind == KIND_CODES[UNCATEGORIZED_KIND]:
                spending = prepared.to_decimal(-entry["money_out"], code)
            records.append(
                {
                    "currency": code,
                    "category": name,
                    "kind": KIND_NAMES[kind],
                    "transactions": int(entry["transactions"]),
                    "money_out": prepared.to_decimal(entry["money_out"], code),
                    "money_in": prepared.to_decimal(entry["money_in"], code),
                    "net": prepared.to_decimal(entry["net"], code),
                    "spending": spending,
                }
            )
    return pd.DataFrame(records, columns=columns)


def monthly_spend_by_category(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Net spend per (month, category). A month where refunds outweigh purchases keeps its negative
    value, so the month's bars still add up to that month's spending.

    Columns: month (Timestamp, first of the month), category, spend (Decimal), spend_minor (int).
    """
    prepared = prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    spend_rows = prepared.spend(rows, include_transfers)
    columns = ["month", "category", "spend", "spend_minor"]
    sums = sum_by(spend_rows, ["month", "category"], "spend")
    sums = sums[sums != 0].sort_index()
    if sums.empty or chosen is None:
        return pd.DataFrame(columns=columns)
    minor = [int(v) for v in sums]
    result = pd.DataFrame(
        {
            "month": pd.to_datetime(sums.index.get_level_values("month")),
            "category": [str(name) for name in sums.index.get_level_values("category")],
            "spend": [prepared.to_decimal(v, chosen) for v in minor],
            "spend_minor": pd.Series(minor, dtype=object),
        }
    )
    return result[columns]


def merchant_labels(frame: pd.DataFrame) -> pd.Series:
    """A display name per row: from the stored merchant key when there is one (cheap, and the
    same name `merchant_name` gives), else parsed from the description, else the raw text.

    Names are computed once per distinct key or description, never per row.
    """
    labels = np.full(len(frame), "", dtype=object)
    if "merchant_key" in frame:
        codes, keys = pd.factorize(frame["merchant_key"], use_na_sentinel=True)
        names = np.array([display_name(str(key)).strip() for key in keys] + [""], dtype=object)
        labels = names[codes]  # code -1 (no key) picks the trailing ""
    unnamed = labels == ""
    if unnamed.any():
        descriptions = frame["description"].iloc[np.flatnonzero(unnamed)]
        codes, texts = pd.factorize(descriptions, use_na_sentinel=True)
        names = np.array(
            [merchant_name(str(text)).strip() or str(text) for text in texts] + [""], dtype=object
        )
        labels[unnamed] = names[codes]
    return pd.Series(labels, index=frame.index, dtype=object)


def top_merchants(
    frame: pd.DataFrame,
    n: int = 10,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The `n` merchants with most net spend, largest first (merchants refunded in full dropped).

    Columns: merchant, spend (Decimal), spend_minor (int), transactions, category (where most of the
    merchant's spend went, for colouring).
    """
    prepared = prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    spend_rows = prepared.spend(rows, include_transfers)
    columns = ["merchant", "spend", "spend_minor", "transactions", "category"]
    if spend_rows.empty or chosen is None:
        return pd.DataFrame(columns=columns)
    source = prepared.source[["description", "merchant_key"]].iloc[spend_rows["position"].to_numpy()]
    spend_rows = spend_rows.assign(merchant=merchant_labels(source).to_numpy())
    totals = spend_rows.groupby("merchant", sort=False)["spend"].agg(["sum", "count"])
    totals = totals[totals["sum"] > 0]
    if totals.empty:
        return pd.DataFrame(columns=columns)
    totals = (
        totals.reset_index().sort_values(["sum", "merchant"], ascending=[False, True], kind="stable").head(n)
    )
    main_category = (
        spend_rows[spend_rows["merchant"].isin(totals["merchant"])]
        .groupby(["merchant", "category"], observed=True)["spend"]
        .sum()
        .reset_index()
        .sort_values(["merchant", "spend", "category"], ascending=[True, False, True])
        .drop_duplicates("merchant")
        .set_index("merchant")["category"]
    )
    result = pd.DataFrame(
        {
            "merchant": totals["merchant"].astype(object).to_numpy(),
            "spend": [prepared.to_decimal(v, chosen) for v in totals["sum"]],
            "spend_minor": pd.Series([int(v) for v in totals["sum"]], dtype=object),
            "transactions": totals["count"].astype(int).to_numpy(),
        }
    )
    result["category"] = [str(main_category[m]) for m in result["merchant"]]
    return result[columns]
