"""One file's transactions column by column, and their amounts as exact minor units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from app import money
from app.models import Transaction


class TransactionColumns(Protocol):
    """One file's transactions column by column, in file order (what `app.ingest` parses).

    A `payees` column (the file's clean names, None where it gives none) is read when present.
    """

    @property
    def ids(self) -> Sequence[str]: ...
    @property
    def accounts(self) -> Sequence[str]: ...
    @property
    def dates(self) -> Sequence[dt.date]: ...
    @property
    def posted_dates(self) -> Sequence[dt.date | None]: ...
    @property
    def descriptions(self) -> Sequence[str]: ...
    @property
    def amounts(self) -> Sequence[Decimal]: ...
    @property
    def currencies(self) -> Sequence[str]: ...
    @property
    def bank_categories(self) -> Sequence[str | None]: ...
    @property
    def source_sha256s(self) -> Sequence[str]: ...
    @property
    def source_rows(self) -> Sequence[int]: ...
    @property
    def original_amounts(self) -> Sequence[Decimal | None]: ...  # empty: none in the whole file
    @property
    def original_currencies(self) -> Sequence[str | None]: ...


class TransactionList:
    """`Transaction` objects seen as `TransactionColumns`."""

    def __init__(self, transactions: Sequence[Transaction]) -> None:
        self.ids = [t.id for t in transactions]
        self.accounts = [t.account for t in transactions]
        self.dates = [t.date for t in transactions]
        self.posted_dates = [t.posted_date for t in transactions]
        self.descriptions = [t.description for t in transactions]
        self.payees = [t.payee for t in transactions]
        self.amounts = [t.amount for t in transactions]
        self.currencies = [t.currency for t in transactions]
        self.bank_categories = [t.bank_category for t in transactions]
        self.source_sha256s = [t.source.file_sha256 for t in transactions]
        self.source_rows = [t.source.row for t in transactions]
        self.original_amounts = [t.original_amount for t in transactions]
        self.original_currencies = [t.original_currency for t in transactions]


@dataclass(frozen=True)
class MinorAmounts:
    """A file's amounts as integer minor units (`money.to_minor`), row for row.

    `originals` is empty when the file has no foreign spend. `refused` maps a row's position
    to why its amount has no exact minor-unit form; those rows have 0 in `amounts`.
    """

    amounts: Sequence[int]
    originals: Sequence[int | None]
    refused: dict[int, str]


def minor_amounts(columns: TransactionColumns) -> MinorAmounts:
    """Every amount of `columns` through `money.to_minor`, the one conversion; nothing is rounded."""
    amounts, refused = money.to_minor_column(columns.amounts, columns.currencies)
    originals: list[int | None] = []
    if any(value is not None for value in columns.original_amounts):
        for position, (original, original_code) in enumerate(
            zip(columns.original_amounts, columns.original_currencies, strict=True)
        ):
            minor = None
            if original is not None:
                try:
                    if original_code is None:
                        raise money.AmountNotStorable(f"the original amount {original} has no currency")
                    minor = money.to_minor(original, original_code)
                except money.AmountNotStorable as problem:
                    refused.setdefault(position, f"original amount: {problem}")
            originals.append(minor)
    return MinorAmounts(amounts, originals, refused)


# Page cache while loading: enough for the id index, which takes random inserts (~48 bytes a
# row), and no more: dirty table pages spill to the WAL anyway, and a fixed 64 MiB cost
