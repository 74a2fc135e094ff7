"""Exact money arithmetic for any amount a store can hold.

`decimal`'s default context keeps 28 significant digits: past that, `+`, `-` and `scaleb`
round silently and `quantize` raises `InvalidOperation`. A store holds amounts as text, so a
32-digit amount is possible (an old import, a manual edit). Everything here is exact whatever
the number of digits; non-finite values (`NaN`, `Infinity`) pass through unchanged.
"""

from __future__ import annotations

import math
import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)


def round_to_cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to two decimals, however many digits it has."""
    if not value.is_finite():
        return value
    return value.quantize(CENT, context=_EXACT)


def to_minor_units(value: Decimal, scale: int) -> int:
    """`value` as an integer of 10**-scale units, exactly (`scale` at least its decimal places)."""
    return int(value.scaleb(scale, context=_EXACT))


def from_minor_units(minor: int, scale: int) -> Decimal:
    """The inverse of `to_minor_units`: an exact Decimal whatever the number of digits."""
    return Decimal(int(minor)).scaleb(-scale, context=_EXACT)


def difference(left: Decimal, right: Decimal) -> Decimal:
    """`left - right` with every digit kept."""
    return _EXACT.subtract(left, right)


def share_in_cents(total: Decimal, parts: int) -> Decimal:
    """`total / parts` rounded half-up (away from zero) to cents, exactly: a monthly average."""
    if not total.is_finite():
        return total
    cents = Fraction(total) * 100 / parts
    magnitude = math.floor(abs(cents) + Fraction(1, 2))
    return Decimal(magnitude if cents >= 0 else -magnitude).scaleb(-2, context=_EXACT)


def sign_of(value: Decimal) -> int:
    """-1, 0 or 1; 0 for zero and NaN (plain `<` raises on NaN)."""
    if value.is_nan() or value.is_zero():
        return 0
    return -1 if value.is_signed() else 1


def grouped(value: Decimal) -> str:
    """`|value|` with thousands separators and two decimals: `1,234.50`; `Infinity` as is."""
    rounded = round_to_cents(value.copy_abs())  # `abs()` would round to 28 digits
    return f"{rounded:,}" if rounded.is_finite() else str(rounded)


def currency_code_problem(code: str) -> str | None:
    """Why `code` is not an ISO 4217 code (three letters), or None."""
    if not _CURRENCY_CODE.match(code):
        return f"{code!r} is not a currency code; use three letters such as USD, EUR or CAD"
    return None


def normalize_currency_code(code: str) -> str:
    """`code` upper-cased and stripped; raises ValueError when it is not a currency code."""
    cleaned = code.strip().upper()
    problem = currency_code_problem(cleaned)
    if problem:
        raise ValueError(problem)
    return cleaned
