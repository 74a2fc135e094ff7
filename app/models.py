"""Canonical domain records shared by ingest, categorize, store and UI.

Money is always `Decimal` here, signed from the account holder's side: money out is
negative, money in is positive. The store keeps it as integer minor units (`app.money`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.money import Direction as Direction
from app.money import direction as money_direction


class RowSource(BaseModel):
    """Where a transaction came from: the file's sha256 and its 1-based record number."""

    model_config = ConfigDict(frozen=True)

    file_sha256: str
    row: int

    def __str__(self) -> str:
        return f"{self.file_sha256[:12]}:{self.row}"


def direction_of(amount: Decimal) -> Direction:
    """Money in is a positive amount; zero counts as out (the one rule, in `app.money`)."""
    return money_direction(amount)


class Transaction(BaseModel):
    """One statement line, normalised. `description` is the bank's raw text (trimmed only)."""

    model_config = ConfigDict(frozen=True)

    id: str
    account: str
    date: dt.date
    posted_date: dt.date | None = None
    description: str
    # The clean merchant or payee name a file gives beside its raw text (Monzo `Name`, Mint
    # `Description`, Apple Card `Merchant`, OFX `NAME`); `description` stays the raw text.
    payee: str | None = None
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)
    bank_category: str | None = None
    source: RowSource
    # Foreign spend: what was paid in the shop's currency; `amount` stays in the account's.
    original_amount: Decimal | None = None
    original_currency: str | None = Field(default=None, min_length=3, max_length=3)

    @property
    def direction(self) -> Direction:
        return direction_of(self.amount)


class SkipKind(StrEnum):
    """Why a record did not become a transaction."""

    FILTERED = "filtered"  # not a transaction: balance line, pending, zero amount...
    INVALID = "invalid"  # looked like a transaction but a field could not be parsed


class SkippedRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    kind: SkipKind
    reason: str
    raw: str = ""


class CategorySource(StrEnum):
    """Provenance of a category, strongest first. `USER` and `RULE` are the user's own decisions."""

    USER = "user"
    RULE = "rule"
    HISTORY = "history"  # the user's own earlier categories for the same merchant
    LEARNED = "learned"  # the local model trained on the user's categories
    CACHE = "cache"
    BUILTIN = "builtin"
    MODEL = "model"


USER_SOURCES = frozenset({CategorySource.USER, CategorySource.RULE})

UNCATEGORIZED = "Uncategorized"
