"""The prepared view every insight works on: a transactions frame reduced to dates, months,
currency, category, kind code and minor units, and the category kinds and order behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from app.categorize.taxonomy import DEFAULT_TAXONOMY, Taxonomy
from app.models import UNCATEGORIZED
from app.money import MAX_MINOR, from_minor

SPEND: Final = "spend"
INCOME_KIND: Final = "income"
TRANSFER: Final = "transfer"
UNCATEGORIZED_KIND: Final = "uncategorized"


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


# -- the prepared view every aggregation works on ---------------------------------------------

# Kind codes: small integers make the per-row masks cheap at 100k rows.
KIND_CODES: Final = {SPEND: 0, INCOME_KIND: 1, TRANSFER: 2, UNCATEGORIZED_KIND: 3}
KIND_NAMES: Final = {code: name for name, code in KIND_CODES.items()}


def minor_units(frame: pd.DataFrame) -> np.ndarray:
    """The stored minor units: int64, or Python ints when a sum of them could pass int64
    (numpy would wrap around silently; Python ints never overflow)."""
    minor = frame["amount_minor"].to_numpy(dtype=np.int64) if len(frame) else np.zeros(0, dtype=np.int64)
    if len(minor) and int(np.abs(minor).max()) * len(minor) > MAX_MINOR:
        return np.array(minor.tolist(), dtype=object)
    return minor


@dataclass(frozen=True)
class Prepared:
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
        chosen = currency or primary_in(self.rows)
        if chosen is None:
            return self.rows.iloc[0:0], None
        return self.rows[self.rows["currency"] == chosen], chosen

    def spend(self, rows: pd.DataFrame, include_transfers: bool) -> pd.DataFrame:
        """The rows that make up spending, with spend = -amount (minor units)."""
        kind = rows["kind"].to_numpy()
        mask = (kind == KIND_CODES[SPEND]) | (
            (kind == KIND_CODES[UNCATEGORIZED_KIND]) & (rows["minor"].to_numpy() < 0)
        )
        if include_transfers:
            mask |= kind == KIND_CODES[TRANSFER]
        selected = rows[mask]
        spend: pd.DataFrame = selected.assign(spend=-selected["minor"])
        return spend

    def income(self, rows: pd.DataFrame) -> pd.DataFrame:
        income: pd.DataFrame = rows[rows["kind"].to_numpy() == KIND_CODES[INCOME_KIND]]
        return income


def _kind_table(categories: Sequence[str], kinds: Mapping[str, str] | None) -> np.ndarray:
    mapping = dict(kinds) if kinds is not None else default_kinds()
    codes = [
        KIND_CODES[UNCATEGORIZED_KIND]
        if name == UNCATEGORIZED
        else KIND_CODES.get(mapping.get(name, SPEND), 0)
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


def prepare(frame: pd.DataFrame, kinds: Mapping[str, str] | None) -> Prepared:
    minor = minor_units(frame)
    labels = _labels(frame["category"], UNCATEGORIZED)
    kind_of = _kind_table(list(labels.categories), kinds)
    kind = kind_of[labels.codes] if len(labels) else np.zeros(0, dtype=np.int8)
    if "transfer_pair" in frame and len(frame):  # a move between the user's accounts, whatever its category
        kind = np.where(frame["transfer_pair"].notna().to_numpy(), KIND_CODES[TRANSFER], kind).astype(np.int8)
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
    return Prepared(rows, frame)


def primary_in(rows: pd.DataFrame) -> str | None:
    present = currencies_in(rows)
    return present[0] if present else None


def currencies_in(rows: pd.DataFrame) -> list[str]:
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
    codes = prepare(frame, kinds).rows["kind"].to_numpy()
    names = np.array([KIND_NAMES[code] for code in range(len(KIND_NAMES))], dtype=object)
    return pd.Series(names[codes], index=frame.index, dtype=object)


def sum_by(rows: pd.DataFrame, keys: str | list[str], column: str) -> pd.Series:
    """Exact sums of a minor-units column per group (observed groups only)."""
    sums: pd.Series = rows.groupby(keys, observed=True, sort=False)[column].sum()
    return sums
