"""Spending analytics on a transactions frame (`Store.transactions_frame`).

Semantics, shared by the dashboard, the charts and every export:

- **Spending** is the net of spend-kind categories: an outflow adds to its category, a refund
  (a positive amount in a spend category) reduces that category. Fees & Interest is spending.
- **Transfers & Card Payments** (kind "transfer") are money moving between the user's own
  accounts. They are left out of spending unless `include_transfers=True`, in which case they
  are netted like a spend category.
- **Income** is the net of the Income category (a reversed cash-back reduces it).
- **Uncategorized** outflows count as spending under "Uncategorized", so nothing disappears
  before review. Uncategorized inflows are neither income nor refunds: they are counted and
  reported (`Headline.uncategorized_inflows`), never guessed at.
- Amounts in different currencies are never added together. Every function works on one
  currency: the one asked for, or the primary currency (the one with most transactions).

Totals that people read (headline, tables, exports) are exact `Decimal` sums. The per-day
cumulative series is summed in floats: it only ever feeds a chart.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import pandas as pd

from app.categorize.taxonomy import DEFAULT_TAXONOMY, INCOME, TRANSFERS
from app.models import UNCATEGORIZED

SPEND: Final = "spend"
INCOME_KIND: Final = "income"
TRANSFER: Final = "transfer"
UNCATEGORIZED_KIND: Final = "uncategorized"

ZERO = Decimal(0)
CENT = Decimal("0.01")

UNCATEGORIZED_COLOR: Final = "#9e9e9e"
# Distinct, colour-blind-tolerant hues with the greys taken out (grey means Uncategorized).
# Position n of the taxonomy gets PALETTE[n], so a category keeps its colour everywhere.
PALETTE: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
)

UNCATEGORIZED_NOTE: Final = 'Uncategorized outflows count as spending under "Uncategorized".'


# -- categories: kinds, order, colours ----------------------------------------------------


def default_kinds() -> dict[str, str]:
    """Category name → kind ("spend", "income", "transfer") of the default taxonomy."""
    return {category.name: category.kind for category in DEFAULT_TAXONOMY.categories}


def default_order() -> tuple[str, ...]:
    return tuple(DEFAULT_TAXONOMY.names)


def category_order(names: Iterable[str], order: Sequence[str] | None = None) -> list[str]:
    """`names` in taxonomy order; unknown names after them alphabetically; Uncategorized last."""
    reference = list(order if order is not None else default_order())
    position = {name: n for n, name in enumerate(reference)}
    unique = {name for name in names if name}
    known = sorted((n for n in unique if n in position), key=position.__getitem__)
    unknown = sorted(n for n in unique if n not in position and n != UNCATEGORIZED)
    tail = [UNCATEGORIZED] if UNCATEGORIZED in unique else []
    return known + unknown + tail


def category_colors(names: Iterable[str], order: Sequence[str] | None = None) -> dict[str, str]:
    """One stable colour per category, the same in every chart and report.

    A taxonomy category takes the palette colour of its position in the taxonomy, so its colour
    does not depend on which other categories happen to be present. A name outside the taxonomy
    (a user's own category) takes a colour derived from a hash of its name. Uncategorized is grey.
    """
    reference = list(order if order is not None else default_order())
    position = {name: n for n, name in enumerate(reference)}
    colors: dict[str, str] = {}
    for name in names:
        if name == UNCATEGORIZED:
            colors[name] = UNCATEGORIZED_COLOR
        elif name in position:
            colors[name] = PALETTE[position[name] % len(PALETTE)]
        else:
            digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
            colors[name] = PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]
    return colors


# -- currencies -------------------------------------------------------------------------------


def currencies(frame: pd.DataFrame) -> list[str]:
    """Currencies present, primary first (most transactions; ties alphabetical)."""
    if frame.empty or "currency" not in frame:
        return []
    counts = frame["currency"].value_counts()
    return sorted(counts.index.astype(str), key=lambda code: (-int(counts[code]), code))


def primary_currency(frame: pd.DataFrame) -> str | None:
    present = currencies(frame)
    return present[0] if present else None


def _in_currency(frame: pd.DataFrame, currency: str | None) -> tuple[pd.DataFrame, str | None]:
    chosen = currency or primary_currency(frame)
    if chosen is None:
        return frame.iloc[0:0], None
    return frame[frame["currency"] == chosen], chosen


# -- row classification -------------------------------------------------------------------------


def row_kinds(frame: pd.DataFrame, kinds: Mapping[str, str] | None = None) -> pd.Series:
    """Each row's kind: "spend", "income", "transfer" or "uncategorized".

    A category the taxonomy does not know (a user's own) is spending, like most categories.
    """
    mapping = dict(kinds) if kinds is not None else default_kinds()
    raw = frame["category"]
    kind = raw.map(mapping).astype(object)
    kind = kind.where(raw.notna(), UNCATEGORIZED_KIND)
    return kind.fillna(SPEND)


def _spend_rows(
    frame: pd.DataFrame, kinds: Mapping[str, str] | None, include_transfers: bool
) -> pd.DataFrame:
    """The rows that make up spending, with `category` labelled and `spend` = -amount (Decimal)."""
    kind = row_kinds(frame, kinds)
    outflow = frame["amount_float"] < 0
    mask = (kind == SPEND) | ((kind == UNCATEGORIZED_KIND) & outflow)
    if include_transfers:
        mask |= kind == TRANSFER
    rows = frame[mask]
    labelled = pd.DataFrame(
        {
            "date": rows["date"],
            "category": rows["category"].astype(object).where(rows["category"].notna(), UNCATEGORIZED),
            "spend": -rows["amount"],
            "spend_float": -rows["amount_float"],
        },
        index=rows.index,
    )
    return labelled


def _income_rows(frame: pd.DataFrame, kinds: Mapping[str, str] | None) -> pd.DataFrame:
    return frame[row_kinds(frame, kinds) == INCOME_KIND]


def _decimal_sum(values: pd.Series) -> Decimal:
    # `sum` starts at int 0; Decimal(0) keeps an empty sum a Decimal.
    return sum(values, ZERO)


# -- periods ---------------------------------------------------------------------------------


def _is_month_start(day: dt.date) -> bool:
    return day.day == 1


def _is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length that ends the day before `date_from`.

    Whole calendar months map to the same number of whole months before (March → February,
    Q2 → Q1), which is what a person comparing months means; any other range maps to the same
    number of days.
    """
    if date_to < date_from:
        raise ValueError(f"period ends ({date_to}) before it starts ({date_from})")
    if _is_month_start(date_from) and _is_month_end(date_to):
        n_months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        start_year, start_month = _add_months(date_from.year, date_from.month, -n_months)
        return dt.date(start_year, start_month, 1), date_from - dt.timedelta(days=1)
    length = (date_to - date_from).days + 1
    prev_to = date_from - dt.timedelta(days=1)
    return prev_to - dt.timedelta(days=length - 1), prev_to


def months_spanned(date_from: dt.date, date_to: dt.date) -> int:
    """Calendar months touched by the period, both ends included (15 Jan - 3 Mar → 3)."""
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def data_period(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    if frame.empty:
        return None
    return frame["date"].min().date(), frame["date"].max().date()


# -- headline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    spending: Decimal
    income: Decimal
    net: Decimal
    n_transactions: int


@dataclass(frozen=True)
class Headline:
    """The numbers at the top of Insights and of the HTML report, in the primary `currency`.

    `per_currency` has the same totals for every currency present; `notes` says in words what
    the numbers include and leave out, for the UI to show next to them.
    """

    currency: str | None
    currencies: tuple[str, ...]
    spending: Decimal
    income: Decimal
    net: Decimal
    months: int
    avg_spending_per_month: Decimal | None
    biggest_category: str | None
    biggest_category_amount: Decimal | None
    previous_spending: Decimal | None
    change_vs_previous: Decimal | None
    change_vs_previous_pct: float | None
    n_transactions: int
    uncategorized_spending: Decimal
    uncategorized_inflows: int
    include_transfers: bool
    per_currency: tuple[CurrencyTotals, ...] = ()
    notes: tuple[str, ...] = field(default=())


def currency_totals(
    frame: pd.DataFrame,
    currency: str,
    *,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> CurrencyTotals:
    subset = frame[frame["currency"] == currency]
    spending = _decimal_sum(_spend_rows(subset, kinds, include_transfers)["spend"])
    income = _decimal_sum(_income_rows(subset, kinds)["amount"])
    return CurrencyTotals(currency, spending, income, income - spending, len(subset))


def headline(
    frame: pd.DataFrame,
    previous_frame: pd.DataFrame | None = None,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> Headline:
    """Headline figures for `frame`, compared with `previous_frame` (the period before).

    `period` is the selected date range, used to count months for the monthly average; without
    it the range of the data is used.
    """
    present = tuple(currencies(frame))
    primary = present[0] if present else None
    per_currency = tuple(
        currency_totals(frame, code, include_transfers=include_transfers, kinds=kinds) for code in present
    )
    notes: list[str] = []
    if primary is None:
        return Headline(
            currency=None,
            currencies=(),
            spending=ZERO,
            income=ZERO,
            net=ZERO,
            months=0,
            avg_spending_per_month=None,
            biggest_category=None,
            biggest_category_amount=None,
            previous_spending=None,
            change_vs_previous=None,
            change_vs_previous_pct=None,
            n_transactions=0,
            uncategorized_spending=ZERO,
            uncategorized_inflows=0,
            include_transfers=include_transfers,
            notes=("No transactions for these filters.",),
        )

    main = per_currency[0]
    subset = frame[frame["currency"] == primary]
    by_category = spend_by_category(
        subset, currency=primary, include_transfers=include_transfers, kinds=kinds
    )
    spend_rows = _spend_rows(subset, kinds, include_transfers)
    uncategorized_spending = _decimal_sum(spend_rows.loc[spend_rows["category"] == UNCATEGORIZED, "spend"])
    uncategorized_inflows = int(
        ((row_kinds(subset, kinds) == UNCATEGORIZED_KIND) & (subset["amount_float"] > 0)).sum()
    )

    span = period or data_period(frame)
    months = months_spanned(*span) if span else 0
    average = (main.spending / months).quantize(CENT, rounding=ROUND_HALF_UP) if months else None

    previous_spending: Decimal | None = None
    change: Decimal | None = None
    change_pct: float | None = None
    previous_subset = (
        previous_frame[previous_frame["currency"] == primary]
        if previous_frame is not None and not previous_frame.empty
        else None
    )
    if previous_subset is not None and not previous_subset.empty:
        previous_spending = _decimal_sum(_spend_rows(previous_subset, kinds, include_transfers)["spend"])
        change = main.spending - previous_spending
        if previous_spending > 0:
            change_pct = float(change / previous_spending * 100)

    if len(present) > 1:
        others = ", ".join(f"{t.currency} ({t.n_transactions})" for t in per_currency[1:])
        notes.append(
            f"Totals are in {primary}, the main currency here; amounts in other currencies are "
            f"not added to them: {others}."
        )
    if uncategorized_spending:
        notes.append(UNCATEGORIZED_NOTE)
    if uncategorized_inflows:
        notes.append(
            f"{uncategorized_inflows} uncategorized incoming amount(s) are not counted as income "
            "or refunds until they are categorized."
        )
    notes.append(
        "Transfers and card payments are included in spending."
        if include_transfers
        else "Transfers and card payments are not counted as spending."
    )

    biggest = by_category.iloc[0] if not by_category.empty else None
    return Headline(
        currency=primary,
        currencies=present,
        spending=main.spending,
        income=main.income,
        net=main.net,
        months=months,
        avg_spending_per_month=average,
        biggest_category=str(biggest["category"]) if biggest is not None else None,
        biggest_category_amount=biggest["spend"] if biggest is not None else None,
        previous_spending=previous_spending,
        change_vs_previous=change,
        change_vs_previous_pct=change_pct,
        n_transactions=len(frame),
        uncategorized_spending=uncategorized_spending,
        uncategorized_inflows=uncategorized_inflows,
        include_transfers=include_transfers,
        per_currency=per_currency,
        notes=tuple(notes),
    )


# -- aggregations used by charts and reports ----------------------------------------------------


def _month_start(dates: pd.Series) -> pd.Series:
    starts: pd.Series = dates.dt.to_period("M").dt.to_timestamp()
    return starts


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

    Columns: category, spend (Decimal), spend_float, share (of the positive total, 0-1; NaN for a
    net refund), transactions.
    """
    subset, _ = _in_currency(frame, currency)
    rows = _spend_rows(subset, kinds, include_transfers)
    columns = ["category", "spend", "spend_float", "share", "transactions"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    grouped = rows.groupby("category", sort=False)["spend"].agg(["sum", "count"])
    result = pd.DataFrame(
        {
            "category": grouped.index.astype(object),
            "spend": grouped["sum"].to_numpy(),
            "transactions": grouped["count"].astype(int).to_numpy(),
        }
    )
    result = result[result["spend"] > ZERO] if positive_only else result[result["spend"] != ZERO]
    result["spend_float"] = result["spend"].astype(float)
    positive = result["spend_float"] > 0
    total = result.loc[positive, "spend_float"].sum()
    # A share of a net refund means nothing: it stays NaN.
    result["share"] = (result["spend_float"] / total).where(positive) if total else float("nan")
    result = result.sort_values(["spend_float", "category"], ascending=[False, True], kind="stable")
    return result[columns].reset_index(drop=True)


def monthly_spend_by_category(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Net spend per (month, category). A month where refunds outweigh purchases keeps its negative
    value, so the month's bars still add up to that month's spending.

    Columns: month (Timestamp, first of the month), category, spend (Decimal), spend_float.
    """
    subset, _ = _in_currency(frame, currency)
    rows = _spend_rows(subset, kinds, include_transfers)
    columns = ["month", "category", "spend", "spend_float"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(month=_month_start(rows["date"]))
    grouped = rows.groupby(["month", "category"], sort=True)["spend"].sum().reset_index()
    grouped = grouped[grouped["spend"] != ZERO]
    grouped["spend_float"] = grouped["spend"].astype(float)
    return grouped[columns].reset_index(drop=True)


def merchant_labels(frame: pd.DataFrame) -> pd.Series:
    """A display name per row: the merchant parsed from the description, else its stored key."""
    from app.categorize.merchant import merchant_name

    descriptions = frame["description"].astype(str)
    names = {text: merchant_name(text) for text in descriptions.unique()}
    labels = descriptions.map(names).astype(object)
    fallback = frame["merchant_key"].astype(object).where(frame["merchant_key"].notna(), descriptions)
    return labels.where(labels.str.strip().astype(bool), fallback)


def top_merchants(
    frame: pd.DataFrame,
    n: int = 10,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The `n` merchants with most net spend, largest first (merchants refunded in full dropped).

    Columns: merchant, spend (Decimal), spend_float, transactions, category (where most of the
    merchant's spend went, for colouring).
    """
    subset, _ = _in_currency(frame, currency)
    rows = _spend_rows(subset, kinds, include_transfers)
    columns = ["merchant", "spend", "spend_float", "transactions", "category"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(merchant=merchant_labels(subset.loc[rows.index]))
    totals = rows.groupby("merchant", sort=False)["spend"].agg(["sum", "count"])
    totals = totals[totals["sum"] > ZERO]
    if totals.empty:
        return pd.DataFrame(columns=columns)
    totals["spend_float"] = totals["sum"].astype(float)
    totals = totals.reset_index().sort_values(
        ["spend_float", "merchant"], ascending=[False, True], kind="stable"
    )
    totals = totals.head(n)
    per_category = (
        rows[rows["merchant"].isin(totals["merchant"])]
        .groupby(["merchant", "category"])["spend_float"]
        .sum()
        .reset_index()
        .sort_values(["merchant", "spend_float", "category"], ascending=[True, False, True])
        .drop_duplicates("merchant")
        .set_index("merchant")["category"]
    )
    result = pd.DataFrame(
        {
            "merchant": totals["merchant"].astype(object).to_numpy(),
            "spend": totals["sum"].to_numpy(),
            "spend_float": totals["spend_float"].to_numpy(),
            "transactions": totals["count"].astype(int).to_numpy(),
        }
    )
    result["category"] = result["merchant"].map(per_category).astype(object)
    return result[columns]


def _daily_cumulative(rows: pd.DataFrame, start: dt.date, length: int) -> pd.Series:
    offsets = (rows["date"].dt.normalize() - pd.Timestamp(start)).dt.days
    inside = (offsets >= 0) & (offsets < length)
    daily = rows.loc[inside, "spend_float"].groupby(offsets[inside]).sum()
    cumulative: pd.Series = daily.reindex(range(length), fill_value=0.0).cumsum()
    return cumulative


def cumulative_spend(
    frame: pd.DataFrame,
    previous_frame: pd.DataFrame | None = None,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Cumulative spend per day of this period next to the period before, aligned by day offset.

    Columns: day (1 = first day of the period), date, current, previous_date, previous (floats;
    previous is NaN past the end of a shorter previous period or without previous data).
    """
    columns = ["day", "date", "current", "previous_date", "previous"]
    span = period or data_period(frame)
    if span is None:
        return pd.DataFrame(columns=columns)
    subset, chosen = _in_currency(frame, currency)
    if chosen is None:
        return pd.DataFrame(columns=columns)
    start, end = span
    length = (end - start).days + 1
    current = _daily_cumulative(_spend_rows(subset, kinds, include_transfers), start, length)

    prev_start, prev_end = previous_period(start, end)
    prev_length = (prev_end - prev_start).days + 1
    previous = pd.Series(float("nan"), index=range(length))
    has_previous = previous_frame is not None and not previous_frame.empty
    if has_previous and previous_frame is not None:
        prev_subset = previous_frame[previous_frame["currency"] == chosen]
        prev_series = _daily_cumulative(
            _spend_rows(prev_subset, kinds, include_transfers), prev_start, prev_length
        )
        previous = prev_series.reindex(range(length))
    days = pd.RangeIndex(length)
    return pd.DataFrame(
        {
            "day": days + 1,
            "date": pd.Timestamp(start) + pd.to_timedelta(days, unit="D"),
            "current": current.to_numpy(),
            "previous_date": [
                prev_start + dt.timedelta(days=int(d)) if d < prev_length else None for d in days
            ],
            "previous": previous.to_numpy(),
        }
    )


def income_vs_spending(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Income, spending and net per month (every month with any transaction, zeros included).

    Columns: month, income, spending, net (Decimal), income_float, spending_float, net_float.
    """
    subset, _ = _in_currency(frame, currency)
    columns = ["month", "income", "spending", "net", "income_float", "spending_float", "net_float"]
    if subset.empty:
        return pd.DataFrame(columns=columns)
    months = sorted(_month_start(subset["date"]).unique())
    spend_rows = _spend_rows(subset, kinds, include_transfers)
    income_rows = _income_rows(subset, kinds)
    spending = spend_rows.groupby(_month_start(spend_rows["date"]))["spend"].sum()
    income = income_rows.groupby(_month_start(income_rows["date"]))["amount"].sum()
    result = pd.DataFrame({"month": pd.to_datetime(months)})
    result["income"] = [income.get(m, ZERO) for m in result["month"]]
    result["spending"] = [spending.get(m, ZERO) for m in result["month"]]
    result["net"] = [i - s for i, s in zip(result["income"], result["spending"], strict=True)]
    for name in ("income", "spending", "net"):
        result[f"{name}_float"] = result[name].astype(float)
    return result[columns]


__all__ = [
    "INCOME",
    "TRANSFERS",
    "UNCATEGORIZED",
    "CurrencyTotals",
    "Headline",
    "category_colors",
    "category_order",
    "cumulative_spend",
    "currencies",
    "currency_totals",
    "data_period",
    "default_kinds",
    "headline",
    "income_vs_spending",
    "merchant_labels",
    "monthly_spend_by_category",
    "months_spanned",
    "previous_period",
    "primary_currency",
    "row_kinds",
    "spend_by_category",
    "top_merchants",
]
