"""Money: the one place amounts change form, and exact arithmetic for what is displayed.

The store keeps every amount as an integer of its currency's minor units (cents for USD, yen
for JPY, fils for BHD: the ISO 4217 exponent in `currency_exponents.json`). Readers hand over
`Decimal`s; `to_minor` turns them into minor units, refusing, never rounding, an amount with
more decimals than its currency has. `from_minor` is the way back, for display and export.
Whether a transaction is money in or out is decided here too (`direction`, `DIRECTION_SQL`).

`decimal`'s default context keeps 28 significant digits: past that, `+`, `-` and `scaleb`
round silently, so everything here uses an exact context; non-finite values (`NaN`,
`Infinity`) pass through the display helpers unchanged.
"""

from __future__ import annotations

import functools
import json
import math
import re
from array import array
from collections.abc import Iterable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

CENT = Decimal("0.01")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)
_EXPONENTS_FILE = Path(__file__).with_name("currency_exponents.json")

# SQLite's INTEGER (and pandas' int64): the largest amount, in minor units, a store can hold.
MAX_MINOR = 2**63 - 1
_MAX_MINOR_DIGITS = len(str(MAX_MINOR)) - 1  # Decimal.adjusted() of MAX_MINOR

Direction = Literal["in", "out"]

# The single definition of money in or out: a positive amount is money in; zero counts as out.
# `direction` is the Python side, `DIRECTION_SQL`/`MONEY_IN_SQL` the SQL side over the stored
# integer column; tests/unit/test_money_direction.py proves they split every edge case alike.
MONEY_IN_SQL = "amount_minor > 0"
MONEY_OUT_SQL = "amount_minor <= 0"
DIRECTION_SQL = f"CASE WHEN {MONEY_IN_SQL} THEN 'in' ELSE 'out' END"


def direction(amount: Decimal | int) -> Direction:
    """ "in" for a positive amount (a Decimal or minor units), else "out"; NaN counts as out."""
    return "in" if sign_of(amount if isinstance(amount, Decimal) else Decimal(amount)) > 0 else "out"


class AmountNotStorable(ValueError):
    """An amount that cannot be held exactly as minor units of its currency."""


@functools.cache
def _exponent_table() -> tuple[int, dict[str, int]]:
    data = json.loads(_EXPONENTS_FILE.read_text(encoding="utf-8"))
    return int(data["default"]), {str(code): int(exp) for code, exp in data["exponents"].items()}


def exponent_of(currency: str) -> int:
    """The ISO 4217 minor-unit exponent of `currency`: JPY 0, USD 2, BHD 3, CLF 4; 2 when unlisted."""
    default, table = _exponent_table()
    return table.get(currency.upper(), default)


def to_minor(amount: Decimal, currency: str) -> int:
    """`amount` as an integer of `currency`'s minor units, exactly; the one Decimal-to-minor step.

    Raises `AmountNotStorable` for an amount with more decimals than the currency has
    (`12.345` USD), a non-finite one, or one beyond what the store's integers hold.
    Trailing zeros are not decimals: `1200.00` JPY is 1200 yen.
    """
    return _to_minor(amount, currency, exponent_of(currency))


def to_minor_column(
    amounts: Iterable[Decimal], currencies: Iterable[str]
) -> tuple[array[int], dict[int, str]]:
    """`to_minor` of every (amount, currency) pair, as 64-bit integers (8 bytes a row), and why
    each refused position was refused (its slot holds 0)."""
    exponents: dict[str, int] = {}
    minors: array[int] = array("q")
    refused: dict[int, str] = {}
    for position, (amount, currency) in enumerate(zip(amounts, currencies, strict=True)):
        exponent = exponents.get(currency)
        if exponent is None:
            exponent = exponents[currency] = exponent_of(currency)
        try:
            minors.append(_to_minor(amount, currency, exponent))
        except AmountNotStorable as problem:
            minors.append(0)
            refused[position] = str(problem)
    return minors, refused


def _to_minor(amount: Decimal, currency: str, exponent: int) -> int:
    if not amount.is_finite():
        raise AmountNotStorable(f"{amount} is not an amount of money")
    scaled = amount.scaleb(exponent, context=_EXACT)
    if scaled.adjusted() > _MAX_MINOR_DIGITS:  # before int(): 1E+999999999 would take gigabytes
        raise AmountNotStorable(
            f"the amount {amount} {currency} is too large to store (more than {MAX_MINOR} minor units)"
        )
    minor = int(scaled)  # towards zero; equal to `scaled` only when nothing was cut off
    if minor != scaled:
        places = -int(amount.normalize(context=_EXACT).as_tuple().exponent)
        allowed = "no decimals" if exponent == 0 else f"{exponent} decimal{'s' if exponent > 1 else ''}"
        raise AmountNotStorable(
            f"the amount {plain(amount)} has {places} decimal{'s' if places != 1 else ''} but {currency} "
            f"has {allowed}; it was not rounded"
        )
    if abs(minor) > MAX_MINOR:
        raise AmountNotStorable(
            f"the amount {amount} {currency} is too large to store (more than {MAX_MINOR} minor units)"
        )
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    """The amount `minor` units of `currency` stand for, with the currency's decimals (`-12.50`)."""
    return Decimal(int(minor)).scaleb(-exponent_of(currency), context=_EXACT)


def from_minor_column(minors: Iterable[int], currencies: Iterable[str]) -> list[Decimal]:
    """`from_minor` of every (minor units, currency) pair: a frame's column, ~3x faster per row."""
    exponents: dict[str, int] = {}
    amounts = []
    for minor, currency in zip(minors, currencies, strict=True):
        exponent = exponents.get(currency)
        if exponent is None:
            exponent = exponents[currency] = exponent_of(currency)
        amounts.append(Decimal(int(minor)).scaleb(-exponent, context=_EXACT))
    return amounts


def round_to_cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to two decimals, however many digits it has."""
    if not value.is_finite():
        return value
    return value.quantize(CENT, context=_EXACT)


def round_to_currency(value: Decimal, currency: str | None) -> Decimal:
    """`value` rounded half-up to `currency`'s decimals (two without a currency), exactly."""
    if not value.is_finite():
        return value
    places = 2 if currency is None else exponent_of(currency)
    return value.quantize(Decimal(1).scaleb(-places), context=_EXACT)


def at_exponent(amount: Decimal, currency: str) -> Decimal:
    """`amount` written with `currency`'s own decimals (`10000` JPY, `2500.000` KWD), never rounded:
    an amount with more digits than the currency has keeps them all."""
    if not amount.is_finite():
        return amount
    exponent = exponent_of(currency)
    scaled = amount.scaleb(exponent, context=_EXACT)
    if scaled != scaled.to_integral_value():
        return amount
    return Decimal(int(scaled)).scaleb(-exponent, context=_EXACT)


def difference(left: Decimal, right: Decimal) -> Decimal:
    """`left - right` with every digit kept."""
    return _EXACT.subtract(left, right)


def share_of(total: Decimal, parts: int, currency: str) -> Decimal:
    """`total / parts` rounded half-up (away from zero) to `currency`'s decimals: a monthly average."""
    if not total.is_finite():
        return total
    exponent = exponent_of(currency)
    scaled = Fraction(total) * 10**exponent / parts
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-exponent, context=_EXACT)


def share_in_cents(total: Decimal, parts: int) -> Decimal:
    """`total / parts` rounded half-up (away from zero) to cents, exactly (`share_of` knows currencies)."""
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


def ratio(part: int, whole: int) -> float:
    """`part / whole` of two integer amounts, as a fraction for percentages (not money)."""
    return float(Fraction(part, whole))


def plain(value: Decimal) -> str:
    """A plain decimal string with no exponent and no grouping: `-54.10`, `1200`."""
    return format(value, "f")


def grouped(value: Decimal, currency: str | None = None) -> str:
    """`|value|` with thousands separators and the currency's decimals (two without one):
    `1,234.50`, `1,235` for JPY; `Infinity` as is."""
    rounded = round_to_currency(value.copy_abs(), currency)  # `abs()` would round to 28 digits
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
