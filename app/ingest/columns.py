"""One column of an unknown table, profiled once: its values, how many look like dates or amounts,
and how its header ranks against a role's synonyms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.ingest.amounts import looks_like_amount
from app.ingest.dates import looks_like_date
from app.ingest.vocabulary import BALANCE, CURRENCY_SYMBOLS, ISO_HINT, ORIGINAL, role_name


@dataclass
class Column:
    index: int
    name: str
    role: str
    values: list[str]
    filled: int
    dates: int
    amounts: int

    def date_share(self) -> float:
        return self.dates / self.filled if self.filled else 0.0

    def amount_share(self) -> float:
        return self.amounts / self.filled if self.filled else 0.0


def profile_columns(columns: Sequence[str], rows: Sequence[list[str]]) -> list[Column]:
    profiled = []
    sample = rows[:5000]
    for index, name in enumerate(columns):
        values = [row[index].strip() if index < len(row) else "" for row in rows]
        shown = [v for v in (values[: len(sample)]) if v]
        dates = sum(1 for v in shown if looks_like_date(v))
        amounts = sum(1 for v in shown if looks_like_amount(v) and not looks_like_date(v))
        profiled.append(Column(index, name, role_name(name), values, len(shown), dates, amounts))
    return profiled


def rank(column: Column, synonyms: Sequence[str]) -> int | None:
    """Position of the column's name in a synonym list (exact first, then as a contained phrase)."""
    if column.role in synonyms:
        return synonyms.index(column.role)
    padded = f" {column.role} "
    for position, word in enumerate(synonyms):
        if len(word) > 3 and f" {word} " in padded:
            return len(synonyms) + position
    return None


def best_ranked(columns: Sequence[Column], synonyms: Sequence[str], taken: set[int]) -> Column | None:
    ranked = [
        (position, c.index, c)
        for c in columns
        if c.index not in taken and (position := rank(c, synonyms)) is not None
    ]
    return min(ranked, key=lambda item: (item[0], item[1]))[2] if ranked else None


def is_balance(column: Column) -> bool:
    return rank(column, BALANCE) is not None


def is_original(column: Column) -> bool:
    """A column of foreign spend's original amount or currency ("Original Currency", "Währung Originalbetrag")."""
    return ORIGINAL.search(column.role) is not None


def header_currency(column: Column) -> str | None:
    """The currency an amount column's header names: 'Amount (EUR)', 'Betrag in €'."""
    found = ISO_HINT.search(column.name.upper())
    if found:
        return found.group(1)
    return next((code for symbol, code in CURRENCY_SYMBOLS.items() if symbol in column.name), None)
