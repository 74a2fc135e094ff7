"""The values the store takes and gives: import records, category updates, rules, filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.models import CategorySource, SkippedRow
from app.money import Direction


@dataclass(frozen=True)
class ImportRecord:
    """What the importer tells the store about one file."""

    file_sha256: str
    file_name: str
    profile: str | None
    account: str | None
    rows_read: int
    skipped: Sequence[SkippedRow] = ()
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    inserted: int
    duplicate_ids: frozenset[str]


@dataclass(frozen=True)
class CategoryUpdate:
    """One categorization result for one transaction."""

    transaction_id: str
    category: str | None
    source: CategorySource | None
    confidence: float | None = None
    reason: str | None = None
    model: str | None = None
    # What another source said when it disagreed (e.g. "built-in rule: Dining"); sends the row to review.
    second_opinion: str | None = None


@dataclass(frozen=True)
class LabeledRow:
    """A category the user set or confirmed: what the learned model trains on."""

    merchant_key: str | None
    description: str
    payee: str | None
    amount: Decimal
    bank_category: str | None
    category: str


@dataclass(frozen=True)
class CachedCategory:
    category: str | None
    confidence: float | None


class MerchantKeyRow(NamedTuple):
    """One row as merchant keying reads it (`Store.merchant_key_rows`)."""

    id: str
    description: str
    payee: str | None
    direction: Direction
    merchant_key: str | None


@dataclass(frozen=True)
class Rule:
    id: int
    merchant_key: str
    direction: str | None
    category: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    endpoint: str
    request_json: str
    outcome: str | None
    items: int


@dataclass(frozen=True)
class TaxonomyRow:
    name: str
    description: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass
class TransactionFilter:
    """Filters shared by Review, Insights and exports. Empty collections mean 'all'."""

    accounts: Sequence[str] = ()
    categories: Sequence[str] = ()
    sources: Sequence[str] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""
    ids: Sequence[str] = ()


def filter_clauses(flt: TransactionFilter) -> tuple[list[str], list[Any]]:
    """The SQL conditions (to be joined by AND) and their parameters that select `flt`'s rows."""
    clauses: list[str] = []
    params: list[Any] = []

    def any_of(column: str, values: Sequence[Any]) -> None:
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

    any_of("account", list(flt.accounts))
    if flt.categories:
        wanted = list(flt.categories)
        if "Uncategorized" in wanted:
            clauses.append(f"(category IN ({','.join('?' * len(wanted))}) OR category IS NULL)")
        else:
            clauses.append(f"category IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    any_of("category_source", list(flt.sources))
    any_of("id", list(flt.ids))
    if flt.date_from:
        clauses.append("date >= ?")
        params.append(flt.date_from.isoformat())
    if flt.date_to:
        clauses.append("date <= ?")
        params.append(flt.date_to.isoformat())
    if flt.search.strip():
        clauses.append("(description LIKE ? OR merchant_key LIKE ?)")
        needle = f"%{flt.search.strip()}%"
        params.extend([needle, needle])
    return clauses, params


TRANSACTION_COLUMNS = (
    "id",
    "account",
    "date",
    "posted_date",
    "description",
    "payee",
    "amount_minor",
    "currency",
    "bank_category",
    "source_sha256",
    "source_row",
    "import_id",
    "merchant_key",
    "category",
    "category_source",
    "confidence",
    "category_reason",
    "category_model",
    "reviewed",
    "updated_at",
    "original_currency",
    "second_opinion",
    "transfer_pair",
)


def filter_where(flt: TransactionFilter) -> tuple[str, list[Any]]:
    """The SQL WHERE clause (empty, or starting with a space) and its parameters that select
    the rows of `flt`, for every query over the transactions table."""
    clauses, params = filter_clauses(flt)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params
