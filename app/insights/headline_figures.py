"""The headline figures at the top of Insights and of the HTML report (semantics: `app.insights`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

import numpy as np
import pandas as pd

from app.insights.breakdowns import net_spend_by_category
from app.insights.prepared import KIND_CODES, UNCATEGORIZED_KIND, Prepared, currencies_in, prepare
from app.models import UNCATEGORIZED
from app.money import difference, ratio, share_of

ZERO: Final = Decimal(0)
UNCATEGORIZED_NOTE: Final = 'Uncategorized outflows count as spending under "Uncategorized".'


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
    prepared = prepare(frame, kinds)
    return _currency_totals(prepared, currency, include_transfers)


def _currency_totals(prepared: Prepared, currency: str, include_transfers: bool) -> CurrencyTotals:
    rows, _ = prepared.in_currency(currency)
    spending = prepared.to_decimal(prepared.spend(rows, include_transfers)["spend"].sum(), currency)
    income = prepared.to_decimal(prepared.income(rows)["minor"].sum(), currency)
    return CurrencyTotals(currency, spending, income, difference(income, spending), len(rows))


def headline(
    frame: pd.DataFrame,
    previous_frame: pd.DataFrame | None = None,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> Headline:
    """Headline figures for `frame` in `currency` (default: the primary one), compared with
    `previous_frame` (the period before; None when there is none, as for "All time").

    The monthly average divides by the months of `period` (default: the data's range) that hold
    at least one transaction in that currency, never by empty months.
    """
    prepared = prepare(frame, kinds)
    present = tuple(currencies_in(prepared.rows))
    if not present:
        return _empty_headline(include_transfers)
    primary = currency if currency in present else present[0]
    per_currency = tuple(_currency_totals(prepared, code, include_transfers) for code in present)
    main = next(totals for totals in per_currency if totals.currency == primary)
    rows, _ = prepared.in_currency(primary)
    spend_rows = prepared.spend(rows, include_transfers)
    by_category = net_spend_by_category(prepared, spend_rows, primary, positive_only=True)
    uncategorized_spending, uncategorized_inflows = _uncategorized(prepared, rows, spend_rows, primary)
    months = _months_with_data(rows, period)
    previous = _PreviousComparison.of(
        previous_frame, kinds, primary, include_transfers, main.spending, spend_rows
    )
    biggest = by_category.iloc[0] if not by_category.empty else None
    return Headline(
        currency=primary,
        currencies=present,
        spending=main.spending,
        income=main.income,
        net=main.net,
        months=months,
        avg_spending_per_month=share_of(main.spending, months, primary) if months else None,
        biggest_category=str(biggest["category"]) if biggest is not None else None,
        biggest_category_amount=biggest["spend"] if biggest is not None else None,
        previous_spending=previous.spending,
        change_vs_previous=previous.change,
        change_vs_previous_pct=previous.change_pct,
        n_transactions=len(frame),
        uncategorized_spending=uncategorized_spending,
        uncategorized_inflows=uncategorized_inflows,
        include_transfers=include_transfers,
        per_currency=per_currency,
        notes=_notes(primary, per_currency, uncategorized_spending, uncategorized_inflows, include_transfers),
    )


def _empty_headline(include_transfers: bool) -> Headline:
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


def _uncategorized(
    prepared: Prepared, rows: pd.DataFrame, spend_rows: pd.DataFrame, currency: str
) -> tuple[Decimal, int]:
    """What uncategorized outflows add to spending, and how many uncategorized inflows wait."""
    spending = prepared.to_decimal(
        spend_rows.loc[spend_rows["category"] == UNCATEGORIZED, "spend"].sum(), currency
    )
    inflows = int(
        ((rows["kind"].to_numpy() == KIND_CODES[UNCATEGORIZED_KIND]) & (rows["minor"].to_numpy() > 0)).sum()
    )
    return spending, inflows


@dataclass(frozen=True)
class _PreviousComparison:
    """The period before: its spending, and how this period's spending differs from it."""

    spending: Decimal | None = None
    change: Decimal | None = None
    change_pct: float | None = None

    @staticmethod
    def of(
        previous_frame: pd.DataFrame | None,
        kinds: Mapping[str, str] | None,
        currency: str,
        include_transfers: bool,
        current_spending: Decimal,
        spend_rows: pd.DataFrame,
    ) -> _PreviousComparison:
        if previous_frame is None or previous_frame.empty:
            return _PreviousComparison()
        before = prepare(previous_frame, kinds)
        before_rows, _ = before.in_currency(currency)
        if before_rows.empty:
            return _PreviousComparison()
        previous_minor = before.spend(before_rows, include_transfers)["spend"].sum()
        previous_spending = before.to_decimal(previous_minor, currency)
        change_pct: float | None = None
        if previous_minor > 0:  # a percentage of nothing, or of a net refund, means nothing
            current_minor = int(spend_rows["spend"].sum())
            change_pct = ratio(current_minor - int(previous_minor), int(previous_minor)) * 100
        return _PreviousComparison(
            previous_spending, difference(current_spending, previous_spending), change_pct
        )


def _notes(
    primary: str,
    per_currency: tuple[CurrencyTotals, ...],
    uncategorized_spending: Decimal,
    uncategorized_inflows: int,
    include_transfers: bool,
) -> tuple[str, ...]:
    """What the numbers include and leave out, in words."""
    notes: list[str] = []
    if len(per_currency) > 1:
        others = ", ".join(
            f"{t.currency} ({t.n_transactions})" for t in per_currency if t.currency != primary
        )
        notes.append(
            f"These totals are in {primary}. Other currencies are never added to them; each has "
            f"its own totals: {others}."
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
    return tuple(notes)


def _months_with_data(rows: pd.DataFrame, period: tuple[dt.date, dt.date] | None) -> int:
    """Calendar months inside `period` (all, without one) with at least one of `rows`."""
    months = rows["month"].to_numpy()
    if period is not None:
        first = np.datetime64(period[0].replace(day=1).isoformat(), "D")
        last = np.datetime64(period[1].replace(day=1).isoformat(), "D")
        months = months[(months >= first) & (months <= last)]
    return len(np.unique(months))
