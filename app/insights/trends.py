"""Spending over time: cumulative against the period before, income and spending per month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import numpy as np
import pandas as pd

from app.insights.prepared import prepare, sum_by
from app.money import from_minor
from app.periods import data_period, previous_period

# A chart cannot show more points than this usefully; a longer period is sampled every few days.
MAX_CUMULATIVE_POINTS: Final = 4000
_EPOCH_DAY: Final = dt.date(1970, 1, 1)


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01, through `datetime64[D]`, which spans every date a store can hold."""
    days: np.ndarray = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def _cumulative_at(rows: pd.DataFrame, start: dt.date, length: int, offsets: np.ndarray) -> list[int]:
    """The spending (minor units) accumulated from `start` to the end of each day at `offsets`
    (0 = `start`), counting only the `length` days of the period."""
    day = _day_numbers(rows["date"]) - (start - _EPOCH_DAY).days
    inside = (day >= 0) & (day < length)
    daily = pd.Series(rows["spend"].to_numpy()[inside]).groupby(day[inside]).sum()
    if daily.empty:
        return [0] * len(offsets)
    # Partial sums cannot wrap: `minor_units` switched to Python ints if any sum could.
    running = daily.cumsum().to_numpy()
    # For each sampled day, the running total of the last day with spending at or before it.
    at = np.searchsorted(daily.index.to_numpy(), offsets, side="right") - 1
    return [int(running[n]) if n >= 0 else 0 for n in at.tolist()]


def _sampled_offsets(length: int) -> np.ndarray:
    """Every day of a period, or for a long one every few days, always with its last day."""
    step = max(1, -(-length // MAX_CUMULATIVE_POINTS))
    offsets = np.arange(0, length, step, dtype=np.int64)
    if offsets[-1] != length - 1:
        offsets = np.append(offsets, length - 1)
    return offsets


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

    A period longer than `MAX_CUMULATIVE_POINTS` days is sampled at evenly spaced days (its
    last day included), so a ledger spanning centuries still gives a chart of bounded size.

    Columns: day (1 = first day of the period), date, current, previous_date, previous (Decimals;
    previous is None past the end of a shorter previous period or without previous data).
    """
    columns = ["day", "date", "current", "previous_date", "previous"]
    span = period or data_period(frame)
    prepared = prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    if span is None or chosen is None:
        return pd.DataFrame(columns=columns)
    start, end = span
    length = (end - start).days + 1
    offsets = _sampled_offsets(length)
    current = [
        from_minor(v, chosen)
        for v in _cumulative_at(prepared.spend(rows, include_transfers), start, length, offsets)
    ]

    before_span = previous_period(start, end)
    prev_length = (before_span[1] - before_span[0]).days + 1 if before_span else 0
    previous: list[Decimal | None] = [None] * len(offsets)
    if before_span is not None and previous_frame is not None and not previous_frame.empty:
        before = prepare(previous_frame, kinds)
        before_rows, _ = before.in_currency(chosen)
        spent = _cumulative_at(
            before.spend(before_rows, include_transfers), before_span[0], prev_length, offsets
        )
        previous = [
            from_minor(v, chosen) if d < prev_length else None
            for v, d in zip(spent, offsets.tolist(), strict=True)
        ]
    first_day = np.datetime64(start.isoformat(), "D")
    return pd.DataFrame(
        {
            "day": offsets + 1,
            "date": pd.Series((first_day + offsets).astype("datetime64[us]")),
            "current": pd.Series(current, dtype=object),
            "previous_date": [
                before_span[0] + dt.timedelta(days=int(d)) if before_span and d < prev_length else None
                for d in offsets
            ],
            "previous": pd.Series(previous, dtype=object),
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

    Columns: month, income, spending, net (Decimal), income_minor, spending_minor, net_minor (ints).
    """
    prepared = prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    columns = ["month", "income", "spending", "net", "income_minor", "spending_minor", "net_minor"]
    if rows.empty or chosen is None:
        return pd.DataFrame(columns=columns)
    months = np.sort(rows["month"].unique())
    spending = sum_by(prepared.spend(rows, include_transfers), "month", "spend")
    income = sum_by(prepared.income(rows), "month", "minor")
    incomes = [int(income.get(m, 0)) for m in months]
    spendings = [int(spending.get(m, 0)) for m in months]
    nets = [i - s for i, s in zip(incomes, spendings, strict=True)]
    result = pd.DataFrame({"month": pd.to_datetime(months)})
    for name, minor in (("income", incomes), ("spending", spendings), ("net", nets)):
        result[name] = pd.Series([from_minor(v, chosen) for v in minor], dtype=object)
        result[f"{name}_minor"] = pd.Series(minor, dtype=object)
    return result[columns]
