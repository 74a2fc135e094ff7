"""Whole-column evidence for an unknown layout's money: which numbers are amounts, and their sign.

Every test here reads whole columns (never one row) and gives a reason a maintainer can
print: a running balance that the amounts explain, two columns that fill each other's
gaps (a debit/credit pair), an indicator column of direction words, the shape of money
(cents, signs) against that of identifiers (long integers, one repeated value).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.ingest.amounts import infer_decimal_mark, safe_amount_parser

# Direction words that come in pairs: a column holding one word of a pair on every row, and
# the other on some, is an indicator even when its header says nothing (Knab's 'CreditDebet').
DIRECTION_PAIRS: tuple[tuple[str, str], ...] = (
    ("d", "c"),
    ("dr", "cr"),
    ("debit", "credit"),
    ("debet", "credit"),
    ("af", "bij"),
    ("s", "h"),
    ("soll", "haben"),
    ("ausgang", "eingang"),
    ("lastschrift", "gutschrift"),
    ("d", "k"),  # Lithuanian debetas/kreditas (Swedbank's D/K)
    ("-", "+"),
)

_PAYMENT_TEXT = re.compile(
    r"thank\s*you|payment\s+received|auto\s*-?pay|online\s+payment|mobile\s+payment|internet\s+payment|"
    r"e-?payment|payment\s*-|refund|return|statement\s+credit|cash\s*back|reversal|gutschrift|erstattung|"
    r"terugbetaling|remboursement|reembolso|devoluci",
    re.IGNORECASE,
)
# Fewer rows than this say nothing about a card's sign convention (one refund beside one sale).
_SIGN_EVIDENCE_ROWS = 3
_CENTS = re.compile(r"[.,]\d{2}\s*\)?\s*[-+]?\s*(?:[A-Za-z]{2,3})?\s*$")


def decimals(values: Sequence[str], decimal: str) -> list[Decimal | None]:
    """Each cell's amount (None when empty or unreadable); equal cells share one Decimal."""
    parse = safe_amount_parser(decimal)
    return [value if isinstance(value := parse(cell), Decimal) else None for cell in values]


def column_decimals(values: Sequence[str], fallback: str) -> list[Decimal | None]:
    """A column's amounts read with the decimal mark its own values show."""
    mark = infer_decimal_mark(values, column="", fallback=fallback).decimal
    return decimals(values, mark)


@dataclass(frozen=True)
class BalanceFit:
    """How a running balance moves with the amounts: sign +1 (as given) or -1, and the alignment."""

    sign: int
    newest_first: bool
    before: bool  # the balance is the one before the row's amount (ASN), not after it
    hits: int
    checkable: int

    def describe(self) -> str:
        order = "newest first" if self.newest_first else "oldest first"
        when = "before" if self.before else "after"
        return f"the running balance (the balance {when} each row, {order}) matches {self.hits} of {self.checkable} rows"


def file_order(dates: Sequence[dt.date | None]) -> bool | None:
    """True when the rows run newest first, False oldest first, None when the dates do not say."""
    known = [d for d in dates if d is not None]
    rising = sum(b > a for a, b in itertools.pairwise(known))
    falling = sum(b < a for a, b in itertools.pairwise(known))
    if rising and not falling:
        return False
    if falling and not rising:
        return True
    return None


def balance_fit(
    amounts: Sequence[Decimal | None],
    balances: Sequence[Decimal | None],
    newest_first: bool | None = None,
) -> BalanceFit | None:
    """The alignment under which `balances` moves by the amounts on 80% of the checkable rows, or None."""
    best = best_alignment(amounts, balances, newest_first)
    if best is not None and best.checkable >= 2 and best.hits >= 0.8 * best.checkable:
        return best
    return None


def best_alignment(
    amounts: Sequence[Decimal | None],
    balances: Sequence[Decimal | None],
    newest_first: bool | None = None,
) -> BalanceFit | None:
    """The alignment under which `balances` moves by the amounts on the most rows (None: no rows to check).

    Four alignments are tried (balance after or before its row, file oldest or newest first),
    each with the amounts as given and negated. A balance before each row of an oldest-first
    file moves exactly like a negated balance after each row of a newest-first one, so the
    dates' order (`newest_first`, from `file_order`) is what tells those two apart.
    """
    best: BalanceFit | None = None
    orders = (False, True) if newest_first is None else (newest_first,)
    for newest_first in orders:
        for before in (False, True):
            # The amount that moved the balance from row i-1 to row i, in file terms.
            shift = 1 if before != newest_first else 0
            for sign in (1, -1):
                hits = total = 0
                for i in range(1, len(amounts)):
                    b_prev, b_cur = balances[i - 1], balances[i]
                    amount = amounts[i - shift]
                    if b_prev is None or b_cur is None or amount is None:
                        continue
                    total += 1
                    moved = b_prev - b_cur if newest_first else b_cur - b_prev
                    hits += moved == sign * amount
                fit = BalanceFit(sign, newest_first, before, hits, total)
                if best is None or (hits, -int(before)) > (best.hits, -int(best.before)):
                    best = fit
    return best if best is not None and best.checkable else None


def disagreements(
    amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None], fit: BalanceFit
) -> Iterator[tuple[int, Decimal, Decimal]]:
    """(row index, how the balance moved, the amount) of each row the alignment does not explain."""
    shift = 1 if fit.before != fit.newest_first else 0
    for i in range(1, len(amounts)):
        b_prev, b_cur = balances[i - 1], balances[i]
        amount = amounts[i - shift]
        if b_prev is None or b_cur is None or amount is None:
            continue
        moved = b_prev - b_cur if fit.newest_first else b_cur - b_prev
        if moved != fit.sign * amount:
            yield i - shift, moved, amount


def first_disagreement(
    amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None], fit: BalanceFit
) -> tuple[int, Decimal, Decimal] | None:
    """(row index, how the balance moved, the amount) of the first row the alignment does not explain."""
    return next(disagreements(amounts, balances, fit), None)


def balance_sign(
    amounts: Sequence[Decimal | None],
    balances: Sequence[Decimal | None],
    newest_first: bool | None = None,
) -> int | None:
    """+1 if a running balance moves with the amounts as given, -1 if against them, None if unclear."""
    fit = balance_fit(amounts, balances, newest_first)
    return fit.sign if fit is not None else None


def sign_evidence(descriptions: Sequence[str], amounts: Sequence[Decimal | None]) -> str | None:
    """'inverted' when payments/refunds are negative and the other rows positive, 'normal' for the opposite.

    Needs a few rows of each kind: one refund beside one sale is a merchant's account as much as a card.
    """
    pay_neg = pay_pos = other_neg = other_pos = 0
    for text, amount in zip(descriptions, amounts, strict=False):
        if amount is None or amount == 0:
            continue
        payment = _PAYMENT_TEXT.search(text) is not None
        if payment:
            pay_neg += amount < 0
            pay_pos += amount > 0
        else:
            other_neg += amount < 0
            other_pos += amount > 0
    if pay_neg + pay_pos == 0 or other_neg + other_pos == 0:
        return None
    if pay_neg + pay_pos + other_neg + other_pos < _SIGN_EVIDENCE_ROWS:
        return None
    if pay_neg > 2 * pay_pos and other_pos > 2 * other_neg:
        return "inverted"
    if pay_pos > 2 * pay_neg and other_neg > 2 * other_pos:
        return "normal"
    return None


def complementary(first: Sequence[str], second: Sequence[str]) -> bool:
    """Two columns where every row fills exactly one (a debit/credit pair), each filled somewhere.

    A zero counts as empty: some banks write 0.00 in the unused column.
    """
    first_filled = second_filled = 0
    for a, b in zip(first, second, strict=False):
        has_a, has_b = _filled(a), _filled(b)
        if has_a == has_b:
            if has_a or not (a.strip() or b.strip()):
                return False
            continue  # both zero
        first_filled += has_a
        second_filled += has_b
    return first_filled > 0 and second_filled > 0


def _filled(cell: str) -> bool:
    text = cell.strip()
    return bool(text) and any(ch in "123456789" for ch in text)


def direction_pair(observed: set[str]) -> tuple[str, str] | None:
    """The (debit, credit) words a column of direction words uses, when it holds exactly one pair."""
    for debit, credit in DIRECTION_PAIRS:
        if observed == {debit, credit}:
            return debit, credit
    return None


def money_likeness(values: Sequence[str]) -> float | None:
    """How much a numeric column looks like money (higher is more), or None when it cannot be.

    An identifier is not money: a column of one repeated whole number (an account number on
    every row), of zeros, or of long whole numbers (card, check and reference numbers).
    Cents and minus signs are money's marks.
    """
    filled = [v.strip() for v in values if v.strip()]
    if not filled:
        return None
    distinct = set(filled)
    if len(filled) >= 3 and len(distinct) == 1 and not _CENTS.search(filled[0]):
        return None  # an account number on every row (a repeated 9.99 is a subscription: money)
    if not any(_filled(v) for v in filled):
        return None  # zeros only
    digits = [re.sub(r"\D", "", v) for v in filled]
    whole = [not _CENTS.search(v) for v in filled]
    if all(whole) and sum(len(d) >= 6 for d in digits) >= 0.5 * len(filled):
        return None
    if any(len(d) >= 15 for d in digits):
        return None  # card numbers, even written as -4514010000000000.00
    cents = sum(not w for w in whole) / len(filled)
    signed = any(v.startswith(("-", "(", "\u2212", "+")) or v.endswith("-") for v in filled)
    return cents + (0.5 if signed else 0.0)
