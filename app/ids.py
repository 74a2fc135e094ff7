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
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal


def canonical_amount(amount: Decimal) -> str:
    """Plain notation without trailing zeros: `-12.50` -> "-12.5", `100.00` -> "100", zero -> "0"."""
    if not amount:
        return "0"
    text = str(amount)
    # The common short plain-notation case, without `normalize` (3x slower). Longer values
    # go through `normalize`, which also rounds to the context's 28 digits.
    if len(text) <= 20 and "E" not in text:
        return text.rstrip("0").rstrip(".") if "." in text else text
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


# Repeats cluster (one merchant's weekly charges), so a short memory still finds most of them.
_DESCRIPTION_CACHE_ROWS = 4096


def statement_ids(
    accounts: Sequence[str],
    dates: Sequence[dt.date],
    amounts: Sequence[Decimal],
    currencies: Sequence[str],
    descriptions: Sequence[str],
) -> list[str]:
    """`occurrence_ids` of the rows' `identity_key`s, for whole columns at once.

    Same ids as the per-row functions, but each canonical piece is computed once per
    distinct value: a statement repeats a few accounts, a few hundred dates and a
    fraction as many amounts and descriptions as it has rows. The description cache is
    emptied every `_DESCRIPTION_CACHE_ROWS` distinct descriptions: on a file of unique
    descriptions it held a casefolded copy of every row's text (1.5x the file) for no hits.
    """
    account_keys: dict[str, str] = {}
    date_keys: dict[dt.date, str] = {}
    amount_keys: dict[Decimal, str] = {}
    currency_keys: dict[str, str] = {}
    description_keys: dict[str, str] = {}
    seen: dict[str, int] = {}
    blake2b = hashlib.blake2b
    ids: list[str] = []
    append = ids.append
    for account, date, amount, currency, description in zip(
        accounts, dates, amounts, currencies, descriptions, strict=True
    ):
        # dict.get rather than try/except: a miss (a new amount) is common, and raising is slow.
        account_key = account_keys.get(account)
        if account_key is None:
            account_key = account_keys[account] = account.strip().casefold()
        date_key = date_keys.get(date)
        if date_key is None:
            date_key = date_keys[date] = date.isoformat()
        amount_key = amount_keys.get(amount)
        if amount_key is None:
            amount_key = amount_keys[amount] = canonical_amount(amount)
        currency_key = currency_keys.get(currency)
        if currency_key is None:
            currency_key = currency_keys[currency] = currency.upper()
        description_key = description_keys.get(description)
        if description_key is None:
            if len(description_keys) >= _DESCRIPTION_CACHE_ROWS:
                description_keys.clear()
            description_key = description_keys[description] = canonical_description(description)
        key = f"{account_key}|{date_key}|{amount_key}|{currency_key}|{description_key}"
        # Repeats are counted under the first occurrence's id, a string `ids` keeps anyway:
        # keyed by the identity key itself, the counter held a second copy of every row's text.
        first = blake2b(f"{key}|0".encode(), digest_size=10).hexdigest()
        occurrence = seen.get(first, 0)
        seen[first] = occurrence + 1
        append(
            first if not occurrence else blake2b(f"{key}|{occurrence}".encode(), digest_size=10).hexdigest()
        )
    return ids
