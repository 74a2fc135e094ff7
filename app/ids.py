"""Stable, occurrence-aware transaction ids.

The id hashes what a bank repeats identically across overlapping exports (account,
date, amount, currency, description) plus the row's occurrence index among identical
rows of the same file. Re-importing an overlapping statement therefore yields the same
ids (nothing added), while two genuinely identical rows in one file (two equal transit
fares on one day) get occurrence 0 and 1 and are both kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal


def canonical_amount(amount: Decimal) -> str:
    normalized = amount.normalize()
    return format(normalized, "f") if normalized != 0 else "0"


def canonical_description(description: str) -> str:
    return " ".join(description.split()).casefold()


def identity_key(account: str, date: dt.date, amount: Decimal, currency: str, description: str) -> str:
    return "|".join(
        (
            account.strip().casefold(),
            date.isoformat(),
            canonical_amount(amount),
            currency.upper(),
            canonical_description(description),
        )
    )


def transaction_id(key: str, occurrence: int) -> str:
    digest = hashlib.blake2b(f"{key}|{occurrence}".encode(), digest_size=10)
    return digest.hexdigest()


def occurrence_ids(keys: Iterable[str]) -> Iterator[str]:
    """Ids for identity keys in file order; repeats of a key get rising occurrence numbers."""
    seen: Counter[str] = Counter()
    for key in keys:
        occurrence = seen[key]
        seen[key] += 1
        yield transaction_id(key, occurrence)
