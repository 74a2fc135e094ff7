"""Spending analytics on a transactions frame (`Store.transactions_frame`).

Semantics, shared by the dashboard, the charts and every export:

- **Spending** is the net of spend-kind categories: an outflow adds to its category, a refund
  (a positive amount in a spend category) reduces that category. Fees & Interest is spending.
- **Transfers & Card Payments** (kind "transfer") are money moving between the user's own
  accounts. They are left out of spending unless `include_transfers=True`, in which case they
  are netted like a spend category. Both sides of a pair `app.transfers` matched (a
  `transfer_pair`) count as transfers whatever their category; an unmatched side keeps its own.
- **Income** is the net of the Income category (a reversed cash-back reduces it).
- **Uncategorized** outflows count as spending under "Uncategorized", so nothing disappears
  before review. Uncategorized inflows are neither income nor refunds: they are counted and
  reported (`Headline.uncategorized_inflows`), never guessed at.
- Amounts in different currencies are never added together. Every function works on one
  currency: the one asked for, or the primary currency (the one with most transactions).

Everything is summed as integers in each currency's minor units (the store's `amount_minor`,
int64, vectorised at 100k rows), and turned into exact `Decimal`s only for what people read,
through `app.money`. No amount is ever a float here; plotly and Excel get the Decimals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from app.categorize.merchant import display_name, merchant_name
from app.categorize.taxonomy import DEFAULT_TAXONOMY, INCOME, TRANSFERS, Taxonomy
from app.models import UNCATEGORIZED
from app.money import MAX_MINOR, difference, from_minor, ratio, share_of
from app.periods import months_spanned, previous_period

SPEND: Final = "spend"
INCOME_KIND: Final = "income"
TRANSFER: Final = "transfer"
UNCATEGORIZED_KIND: Final = "uncategorized"

ZERO = Decimal(0)
CENT = Decimal("0.01")

UNCATEGORIZED_COLOR: Final = "#9e9e9e"
# Distinct hues (Tableau 20 plus a few darker ones) with the greys taken out: grey means Uncategorized.
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


def taxonomy_kinds(taxonomy: Taxonomy) -> dict[str, str]:
    """Category name → kind ("spend", "income", "transfer"): pass as `kinds=` for a user's taxonomy."""
    return {category.name: category.kind for category in taxonomy.categories}


def default_kinds() -> dict[str, str]:
    return taxonomy_kinds(DEFAULT_TAXONOMY)


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


# -- the prepared view every aggregation works on ---------------------------------------------

# Kind codes: small integers make the per-row masks cheap at 100k rows.
_KIND_CODES: Final = {SPEND: 0, INCOME_KIND: 1, TRANSFER: 2, UNCATEGORIZED_KIND: 3}
_KIND_NAMES: Final = {code: name for name, code in _KIND_CODES.items()}


def _minor_units(frame: pd.DataFrame) -> np.ndarray:
    """The stored minor units: int64, or Python ints when a sum of them could pass int64
    (numpy would wrap around silently; Python ints never overflow)."""
    minor = frame["amount_minor"].to_numpy(dtype=np.int64) if len(frame) else np.zeros(0, dtype=np.int64)
    if len(minor) and int(np.abs(minor).max()) * len(minor) > MAX_MINOR:
        return np.array(minor.tolist(), dtype=object)
    return minor


@dataclass(frozen=True)
class _Prepared:
    """A transactions frame reduced to what the analytics need, with a plain RangeIndex.

    Columns: date, month (first day), currency, category (None → "Uncategorized"), kind (code),
    minor (the amount in minor units of its currency), position (row in the original frame).
    Every aggregation works on one currency, so its sums are in that currency's minor units.
    """

    rows: pd.DataFrame
    source: pd.DataFrame

    @staticmethod
    def to_decimal(minor: Any, currency: str) -> Decimal:
        return from_minor(int(minor), currency)

    def in_currency(self, currency: str | None) -> tuple[pd.DataFrame, str | None]:
        chosen = currency or _primary(self.rows)
        if chosen is None:
            return self.rows.iloc[0:0], None
        return self.rows[self.rows["currency"] == chosen], chosen

    def spend(self, rows: pd.DataFrame, include_transfers: bool) -> pd.DataFrame:
        """The rows that make up spending, with spend = -amount (minor units)."""
        kind = rows["kind"].to_numpy()
        mask = (kind == _KIND_CODES[SPEND]) | (
            (kind == _KIND_CODES[UNCATEGORIZED_KIND]) & (rows["minor"].to_numpy() < 0)
        )
        if include_transfers:
            mask |= kind == _KIND_CODES[TRANSFER]
        selected = rows[mask]
        spend: pd.DataFrame = selected.assign(spend=-selected["minor"])
        return spend

    def income(self, rows: pd.DataFrame) -> pd.DataFrame:
        income: pd.DataFrame = rows[rows["kind"].to_numpy() == _KIND_CODES[INCOME_KIND]]
        return income


def _kind_table(categories: Sequence[str], kinds: Mapping[str, str] | None) -> np.ndarray:
    mapping = dict(kinds) if kinds is not None else default_kinds()
    codes = [
        _KIND_CODES[UNCATEGORIZED_KIND]
        if name == UNCATEGORIZED
        else _KIND_CODES.get(mapping.get(name, SPEND), 0)
        for name in categories
    ]
    return np.array(codes, dtype=np.int8)


def _labels(values: pd.Series, missing: str) -> pd.Categorical[str]:
    """Values as a Categorical with missing ones labelled `missing`; factorizing first keeps this
    cheap for Arrow-backed strings (no per-row Python objects)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [str(name) for name in uniques]
    if len(codes) and codes.min() < 0:
        if missing not in names:
            names.append(missing)
        codes = np.where(codes < 0, names.index(missing), codes)
    # pandas-stubs type `from_codes` by its codes, not its categories.
    labels = cast("pd.Categorical[str]", pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(names)))
    return labels


def _prepare(frame: pd.DataFrame, kinds: Mapping[str, str] | None) -> _Prepared:
    minor = _minor_units(frame)
    labels = _labels(frame["category"], UNCATEGORIZED)
    kind_of = _kind_table(list(labels.categories), kinds)
    kind = kind_of[labels.codes] if len(labels) else np.zeros(0, dtype=np.int8)
    if "transfer_pair" in frame and len(frame):  # a move between the user's accounts, whatever its category
        kind = np.where(frame["transfer_pair"].notna().to_numpy(), _KIND_CODES[TRANSFER], kind).astype(
            np.int8
        )
    dates = pd.to_datetime(frame["date"]).to_numpy()
    rows = pd.DataFrame(
        {
            "date": dates,
            "month": dates.astype("datetime64[M]").astype(dates.dtype),
            "currency": _labels(frame["currency"], "???"),
            "category": labels,
            "kind": kind,
            "minor": minor,
            "position": np.arange(len(frame)),
        }
    )
    return _Prepared(rows, frame)


def _primary(rows: pd.DataFrame) -> str | None:
    present = _currencies(rows)
    return present[0] if present else None


def _currencies(rows: pd.DataFrame) -> list[str]:
    if rows.empty:
        return []
    counts = rows["currency"].value_counts()
    counts = counts[counts > 0]
    return sorted((str(code) for code in counts.index), key=lambda code: (-int(counts[code]), code))


def currencies(frame: pd.DataFrame) -> list[str]:
    """Currencies present, primary first (most transactions; ties alphabetical)."""
    if frame.empty or "currency" not in frame:
        return []
    counts = frame["currency"].value_counts()
    return sorted((str(code) for code in counts.index), key=lambda code: (-int(counts[code]), code))


def primary_currency(frame: pd.DataFrame) -> str | None:
    present = currencies(frame)
    return present[0] if present else None


def row_kinds(frame: pd.DataFrame, kinds: Mapping[str, str] | None = None) -> pd.Series:
    """Each row's kind: "spend", "income", "transfer" or "uncategorized".

    A category the taxonomy does not know (a user's own) is spending, like most categories.
    """
    codes = _prepare(frame, kinds).rows["kind"].to_numpy()
    names = np.array([_KIND_NAMES[code] for code in range(len(_KIND_NAMES))], dtype=object)
    return pd.Series(names[codes], index=frame.index, dtype=object)


def _sum_by(rows: pd.DataFrame, keys: str | list[str], column: str) -> pd.Series:
    """Exact sums of a minor-units column per group (observed groups only)."""
    sums: pd.Series = rows.groupby(keys, observed=True, sort=False)[column].sum()
    return sums


# -- periods ---------------------------------------------------------------------------------


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
    prepared = _prepare(frame, kinds)
    return _currency_totals(prepared, currency, include_transfers)


def _currency_totals(prepared: _Prepared, currency: str, include_transfers: bool) -> CurrencyTotals:
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
    prepared = _prepare(frame, kinds)
    present = tuple(_currencies(prepared.rows))
    if not present:
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
    primary = currency if currency in present else present[0]
    per_currency = tuple(_currency_totals(prepared, code, include_transfers) for code in present)
    main = next(totals for totals in per_currency if totals.currency == primary)
    rows, _ = prepared.in_currency(primary)
    spend_rows = prepared.spend(rows, include_transfers)
    by_category = _spend_by_category(prepared, spend_rows, primary, positive_only=True)
    uncategorized_spending = prepared.to_decimal(
        spend_rows.loc[spend_rows["category"] == UNCATEGORIZED, "spend"].sum(), primary
    )
    uncategorized_inflows = int(
        ((rows["kind"].to_numpy() == _KIND_CODES[UNCATEGORIZED_KIND]) & (rows["minor"].to_numpy() > 0)).sum()
    )

    months = _months_with_data(rows, period)
    average = share_of(main.spending, months, primary) if months else None

    previous_spending: Decimal | None = None
    change: Decimal | None = None
    change_pct: float | None = None
    if previous_frame is not None and not previous_frame.empty:
        before = _prepare(previous_frame, kinds)
        before_rows, _ = before.in_currency(primary)
        if not before_rows.empty:
            previous_minor = before.spend(before_rows, include_transfers)["spend"].sum()
            previous_spending = before.to_decimal(previous_minor, primary)
            change = difference(main.spending, previous_spending)
            if previous_minor > 0:
                current_minor = int(spend_rows["spend"].sum())
                change_pct = ratio(current_minor - int(previous_minor), int(previous_minor)) * 100

    notes: list[str] = []
    if len(present) > 1:
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


def _months_with_data(rows: pd.DataFrame, period: tuple[dt.date, dt.date] | None) -> int:
    """Calendar months inside `period` (all, without one) with at least one of `rows`."""
    months = rows["month"].to_numpy()
    if period is not None:
        first = np.datetime64(period[0].replace(day=1).isoformat(), "D")
        last = np.datetime64(period[1].replace(day=1).isoformat(), "D")
        months = months[(months >= first) & (months <= last)]
    return len(np.unique(months))


# -- aggregations used by charts and reports ----------------------------------------------------


def _spend_by_category(
    prepared: _Prepared, spend_rows: pd.DataFrame, currency: str | None, *, positive_only: bool
) -> pd.DataFrame:
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
    prepared = _prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    return _spend_by_category(
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
    prepared = _prepare(frame, kinds)
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
    counted = {_KIND_CODES[SPEND]} | ({_KIND_CODES[TRANSFER]} if include_transfers else set())
    records: list[dict[str, Any]] = []
    for code in _currencies(rows):
        of_currency = grouped[grouped.index.get_level_values("currency") == code].droplevel("currency")
        present = {str(name): entry for name, entry in of_currency.to_dict("index").items()}
        for name in category_order(present, order):
            entry = present[name]
            kind = int(entry["kind"])
            spending: Decimal | None = None
            if kind in counted:
                spending = prepared.to_decimal(-entry["net"], code)
            elif kind == _KIND_CODES[UNCATEGORIZED_KIND]:
                spending = prepared.to_decimal(-entry["money_out"], code)
            records.append(
                {
                    "currency": code,
                    "category": name,
                    "kind": _KIND_NAMES[kind],
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
    prepared = _prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    spend_rows = prepared.spend(rows, include_transfers)
    columns = ["month", "category", "spend", "spend_minor"]
    sums = _sum_by(spend_rows, ["month", "category"], "spend")
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
    prepared = _prepare(frame, kinds)
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
    # Partial sums cannot wrap: `_minor_units` switched to Python ints if any sum could.
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
    prepared = _prepare(frame, kinds)
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
        before = _prepare(previous_frame, kinds)
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
    prepared = _prepare(frame, kinds)
    rows, chosen = prepared.in_currency(currency)
    columns = ["month", "income", "spending", "net", "income_minor", "spending_minor", "net_minor"]
    if rows.empty or chosen is None:
        return pd.DataFrame(columns=columns)
    months = np.sort(rows["month"].unique())
    spending = _sum_by(prepared.spend(rows, include_transfers), "month", "spend")
    income = _sum_by(prepared.income(rows), "month", "minor")
    incomes = [int(income.get(m, 0)) for m in months]
    spendings = [int(spending.get(m, 0)) for m in months]
    nets = [i - s for i, s in zip(incomes, spendings, strict=True)]
    result = pd.DataFrame({"month": pd.to_datetime(months)})
    for name, minor in (("income", incomes), ("spending", spendings), ("net", nets)):
        result[name] = pd.Series([from_minor(v, chosen) for v in minor], dtype=object)
        result[f"{name}_minor"] = pd.Series(minor, dtype=object)
    return result[columns]


__all__ = [
    "INCOME",
    "TRANSFERS",
    "UNCATEGORIZED",
    "CurrencyTotals",
    "Headline",
    "category_colors",
    "category_order",
    "category_totals",
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
    "taxonomy_kinds",
    "top_merchants",
]
