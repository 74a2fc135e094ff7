"""Converting other currencies into the home currency, offline: with rates the user enters, or
rates read from the user's own exchange rows (a card charge in one currency that names what was
paid in another, as Revolut and N26 record foreign spending). Nothing is fetched from anywhere.

Rates and converted figures are exact `Decimal`s; a converted total is rounded once, to the
home currency's decimals, and always says it is converted and at which rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal

from app.errors import UserFacingError
from app.money import exponent_of, from_minor

if TYPE_CHECKING:  # settings import this module; importing must not load pandas (startup time)
    import pandas as pd

RATE_PLACES: Final = 6  # a rate read from exchange rows keeps this many decimals
MAX_RATE: Final = Decimal("1e9")
MIN_RATE: Final = (
    1 / MAX_RATE
)  # the smallest real rates (IRR, VND in USD) are ~2e-5; below, money converts to 0

RateSource = Literal["entered", "derived"]


class RateError(UserFacingError, ValueError):
    """A rate the user typed that cannot be used; the message says why."""


def parse_rate(text: object, currency: str = "", home: str = "") -> Decimal:
    """A positive, finite exchange rate from what the user typed ("1.0832", "1,0832").

    Raises RateError for zero, a negative number or anything that is not a number."""
    what = f"the rate of {currency} in {home}" if currency and home else "a rate"
    raw = str(text).strip().replace(",", ".") if text is not None else ""
    try:
        if "_" in raw:  # Decimal reads "1_0832" as 10832: a slip of the keyboard, not a rate
            raise InvalidOperation
        rate = Decimal(raw)
    except InvalidOperation:
        raise RateError(f"{what} must be a number, such as 1.0832; {raw!r} is not") from None
    if not rate.is_finite():
        raise RateError(f"{what} must be a number, such as 1.0832; {raw!r} is not")
    if rate <= 0:
        raise RateError(f"{what} must be more than 0; {raw} cannot convert money")
    if rate > MAX_RATE or rate < MIN_RATE:
        raise RateError(f"{what} of {raw} is beyond any real exchange rate")
    return rate


@dataclass(frozen=True)
class Rate:
    """1 `currency` = `rate` `home`."""

    currency: str
    home: str
    rate: Decimal
    source: RateSource
    rows: int = 0  # exchange rows it was read from (derived rates)

    def text(self) -> str:
        how = "your rate" if self.source == "entered" else f"from {self.rows:,} of your exchange rows"
        return f"1 {self.currency} = {self.rate.normalize():f} {self.home} ({how})"


def _exchange_legs(frame: pd.DataFrame) -> list[tuple[Decimal, str, Decimal, str]]:
    """(amount, currency, original amount, original currency) of the rows holding both sides of
    an exchange. A frame with Decimal columns (`amount`, `original_amount`) is read as is; the
    narrow Insights frame (`amount_minor`, `original_amount_minor`) has its few exchange rows
    turned into exact Decimals here, never the whole ledger."""
    columns = set(frame.columns)
    if frame.empty or not {"currency", "original_currency"} <= columns:
        return []
    if {"amount", "original_amount"} <= columns:
        legs = frame[frame["original_currency"].notna() & frame["original_amount"].notna()]
        return list(
            zip(
                legs["amount"],
                legs["currency"],
                legs["original_amount"],
                legs["original_currency"],
                strict=True,
            )
        )
    if not {"amount_minor", "original_amount_minor"} <= columns:
        return []
    legs = frame[frame["original_currency"].notna() & frame["original_amount_minor"].notna()]
    return [
        (
            from_minor(int(minor), str(code)),
            str(code),
            from_minor(int(original), str(original_code)),
            str(original_code),
        )
        for minor, code, original, original_code in zip(
            legs["amount_minor"],
            legs["currency"],
            legs["original_amount_minor"],
            legs["original_currency"],
            strict=True,
        )
    ]


def derived_rates(frame: pd.DataFrame, home: str) -> dict[str, Rate]:
    """Rates into `home` from rows that hold both sides of an exchange: an amount in one
    currency and the `original_amount` in another. Each currency's rate is the total of one
    side over the total of the other (amount-weighted, so small fees do not swing it)."""
    legs = _exchange_legs(frame)
    sums: dict[str, list[Fraction]] = {}  # currency → [home total, currency total, rows]
    for amount, code, original, original_code in legs:
        code, original_code = str(code), str(original_code)
        if code == original_code or not amount or not original:
            continue
        if code == home:
            other, home_side, other_side = original_code, abs(Fraction(amount)), abs(Fraction(original))
        elif original_code == home:
            other, home_side, other_side = code, abs(Fraction(original)), abs(Fraction(amount))
        else:
            continue
        entry = sums.setdefault(other, [Fraction(0), Fraction(0), Fraction(0)])
        entry[0] += home_side
        entry[1] += other_side
        entry[2] += 1
    rates: dict[str, Rate] = {}
    for code, (home_total, other_total, rows) in sums.items():
        value = home_total / other_total
        rate = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal(1).scaleb(-RATE_PLACES)
        )
        if rate > 0:
            rates[code] = Rate(code, home, rate, "derived", int(rows))
    return rates


def entered_rates(rates: Mapping[str, str], home: str) -> dict[str, Rate]:
    """The user's saved rates (already checked when saved) as `Rate`s into `home`."""
    return {code: Rate(code, home, parse_rate(text, code, home), "entered") for code, text in rates.items()}


def chosen_rates(entered: Mapping[str, Rate], derived: Mapping[str, Rate]) -> dict[str, Rate]:
    """The user's own rate wins over one read from the rows."""
    return {**derived, **entered}


@dataclass(frozen=True)
class ConvertedTotal:
    """A sum of several currencies in `home`: what was converted at which rate, and what could
    not be (no rate), which is left out and named, never guessed."""

    home: str
    total: Decimal
    rates: tuple[Rate, ...]
    missing: tuple[str, ...]


def converted_total(
    amounts: Iterable[tuple[str, Decimal]], home: str, rates: Mapping[str, Rate]
) -> ConvertedTotal:
    """Add (currency, amount) pairs in `home`, converting each other currency at its rate.

    Each part is converted exactly and the sum rounded once."""
    exact = Fraction(0)
    used: list[Rate] = []
    missing: list[str] = []
    for code, amount in amounts:
        if code == home:
            exact += Fraction(amount)
        elif code in rates:
            exact += Fraction(amount) * Fraction(rates[code].rate)
            used.append(rates[code])
        else:
            missing.append(code)
    places = exponent_of(home)
    scaled = exact * 10**places
    magnitude = int(abs(scaled) + Fraction(1, 2))
    total = Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-places)
    return ConvertedTotal(home, total, tuple(used), tuple(missing))
