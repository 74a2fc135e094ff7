"""SQLite store: the one source of truth for transactions, categories, cache, rules and audit.

The package's public face. Its rooms: `schema` (migrations), `connection` (plumbing and
revisions), `bulk` (import and merchant-key writes), `categories` (category writes),
`queries` (reads), `remembered` (cache, rules, mappings, audit, taxonomy), `records`
(the values passed in and out), `columns` (a file's transactions column by column).
"""

from __future__ import annotations

from app.store.bulk import ImportWrites
from app.store.categories import CategoryWrites
from app.store.columns import MinorAmounts, TransactionColumns, minor_amounts
from app.store.connection import bump_structure
from app.store.queries import Queries
from app.store.records import (
    TRANSACTION_COLUMNS,
    AuditEntry,
    CachedCategory,
    CategoryUpdate,
    ImportOutcome,
    ImportRecord,
    LabeledRow,
    MerchantKeyRow,
    Rule,
    TaxonomyRow,
    TransactionFilter,
    filter_clauses,
    filter_where,
)
from app.store.remembered import Remembered
from app.store.schema import MIGRATIONS, SCHEMA_VERSION
from app.store.sql_helpers import CONFIRMED_WHERE


class Store(ImportWrites, CategoryWrites, Queries, Remembered):
    """One data dir's database: every method opens its own short-lived connection."""


__all__ = [
    "CONFIRMED_WHERE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TRANSACTION_COLUMNS",
    "AuditEntry",
    "CachedCategory",
    "CategoryUpdate",
    "ImportOutcome",
    "ImportRecord",
    "LabeledRow",
    "MerchantKeyRow",
    "MinorAmounts",
    "Rule",
    "Store",
    "TaxonomyRow",
    "TransactionColumns",
    "TransactionFilter",
    "bump_structure",
    "filter_clauses",
    "filter_where",
    "minor_amounts",
]
