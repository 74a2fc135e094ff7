"""How the columns of one CSV layout become transactions: an explicit, JSON-serialisable mapping.

Profiles ship one of these per issuer, the generic detector produces one, and a user
can correct one; all three are applied by the same code (`app.ingest.statement`).
Columns are referred to by their header names (for a headerless file, by the names
in `columns`, e.g. "Column 1").
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.ingest.dates import DateFormat


class SignRule(StrEnum):
    """How a row's amount cells become a signed amount (money out negative)."""

    SIGNED = "signed"  # one column, money out already negative (Chase, BofA, Monzo...)
    SIGNED_INVERTED = "signed_inverted"  # one column, purchases positive (Amex, Discover, Apple Card)
    DEBIT_CREDIT_UNSIGNED = "debit_credit_unsigned"  # two unsigned columns: credit - debit (Capital One)
    DEBIT_CREDIT_ABS = "debit_credit_abs"  # two columns, either may carry a sign: -|debit| / +|credit| (Citi)
    UNSIGNED_PLUS_INDICATOR = "unsigned_plus_indicator"  # |amount| signed by a column (Mint, ING)


Decimal_mark = Literal[".", ","]

_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")


def normalize_header(name: str) -> str:
    """The form header names are compared in: case- and whitespace-insensitive."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class ColumnMapping(BaseModel):
    """Column roles and value conventions of one layout."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    has_header: bool = True
    columns: list[str] = Field(
        default_factory=list, description="column names of a headerless file, in order"
    )

    date: str
    posted_date: str | None = None
    date_format: str = "MM/DD/YYYY"

    description: list[str] = Field(min_length=1)
    description_in: list[str] = Field(
        default_factory=list, description="description columns for money-in rows, when they differ"
    )
    description_fallback: list[str] = Field(
        default_factory=list, description="used when the description columns are all empty"
    )
    payee: str | None = Field(
        default=None,
        description="a clean merchant or payee name beside the raw text (optional: absent is ignored)",
    )

    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    amount_by_currency: dict[str, str] = Field(
        default_factory=dict, description="column -> ISO currency, one amount column per currency (RBC)"
    )
    indicator: str | None = None
    debit_values: list[str] = Field(default_factory=list)
    credit_values: list[str] = Field(default_factory=list)
    fee: str | None = None
    decimal: Decimal_mark = "."
    sign: SignRule = SignRule.SIGNED

    currency: str | None = Field(
        default=None, description="the amount columns' currency, when the layout names it (ISO 4217)"
    )
    currency_column: str | None = Field(
        default=None, description="each row's currency, only when it is the currency of the amount column"
    )
    original_amount: str | None = Field(
        default=None, description="foreign spend's amount in its own currency (optional)"
    )
    original_currency: str | None = Field(
        default=None, description="the currency of original_amount, per row (optional)"
    )
    category: str | None = None
    account: list[str] = Field(
        default_factory=list,
        description="columns naming the row's account (optional: absent ones are ignored)",
    )
    balance: str | None = Field(default=None, description="running balance, used as a sign check (optional)")

    skip_values: dict[str, list[str]] = Field(
        default_factory=dict, description="column -> values whose rows are not transactions (pending...)"
    )
    keep_values: dict[str, list[str]] = Field(
        default_factory=dict, description="column -> the only values whose rows are transactions"
    )
    skip_description_patterns: list[str] = Field(
        default_factory=list, description="regexes (case-insensitive) for balance or summary lines"
    )
    skip_zero: bool = True

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if not _ISO_CURRENCY.match(value):
            raise ValueError(f"currency must be an ISO 4217 code like USD, got {value!r}")
        return value

    @field_validator("amount_by_currency")
    @classmethod
    def _iso_currencies(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {column: code.strip().upper() for column, code in value.items()}
        for code in cleaned.values():
            if not _ISO_CURRENCY.match(code):
                raise ValueError(f"currency must be an ISO 4217 code like USD, got {code!r}")
        return cleaned

    @field_validator("date_format")
    @classmethod
    def _known_date_format(cls, value: str) -> str:
        DateFormat.compile(value)  # raises ValueError with a readable message
        return value

    @field_validator("skip_description_patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid pattern {pattern!r}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _amount_columns_fit_sign_rule(self) -> Self:
        two_columns = (SignRule.DEBIT_CREDIT_UNSIGNED, SignRule.DEBIT_CREDIT_ABS)
        if self.sign in two_columns:
            if not (self.debit and self.credit):
                raise ValueError(f"sign rule {self.sign.value} needs both a debit and a credit column")
        elif not (self.amount or self.amount_by_currency):
            raise ValueError(f"sign rule {self.sign.value} needs an amount column")
        if self.sign is SignRule.UNSIGNED_PLUS_INDICATOR and not (
            self.indicator and (self.debit_values or self.credit_values)
        ):
            raise ValueError("sign rule unsigned_plus_indicator needs an indicator column and its values")
        if not self.has_header and not self.columns:
            raise ValueError("a headerless mapping must name its columns")
        return self

    def referenced_columns(self) -> list[str]:
        """Every column this mapping reads, in a stable order without repeats."""
        names: list[str | None] = [
            self.date,
            self.posted_date,
            *self.description,
            *self.description_in,
            *self.description_fallback,
            self.payee,
            self.amount,
            self.debit,
            self.credit,
            *self.amount_by_currency,
            self.indicator,
            self.fee,
            self.currency_column,
            self.original_amount,
            self.original_currency,
            self.category,
            *self.account,
            self.balance,
            *self.skip_values,
            *self.keep_values,
        ]
        seen: dict[str, None] = {}
        for name in names:
            if name:
                seen.setdefault(name, None)
        return list(seen)

    def required_columns(self) -> list[str]:
        """The columns a file must have for this mapping to apply (account, balance and the original
        amount and currency are optional)."""
        optional = {
            normalize_header(c)
            for c in [
                *self.account,
                self.payee or "",
                self.balance or "",
                self.original_amount or "",
                self.original_currency or "",
            ]
        }
        return [c for c in self.referenced_columns() if normalize_header(c) not in optional]
