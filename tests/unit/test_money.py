"""app.money: the one conversion between Decimal amounts and integer minor units."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import money

D = Decimal
EXPONENTS = {
    "JPY": 0,
    "USD": 2,
    "EUR": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "JOD": 3,
    "IQD": 3,
    "LYD": 3,
}


def test_the_exponents_are_data_with_iso_values() -> None:
    table = json.loads(money._EXPONENTS_FILE.read_text(encoding="utf-8"))
    assert table["default"] == 2
    for code, exponent in {**EXPONENTS, "CLF": 4}.items():
        assert money.exponent_of(code) == exponent
    assert money.exponent_of("XYZ") == 2  # a code the table does not list
    assert money.exponent_of("jpy") == 0


@pytest.mark.parametrize(
    ("amount", "code", "minor"),
    [
        ("-12.50", "USD", -1250),
        ("0.01", "USD", 1),
        ("-0.00", "USD", 0),
        ("1200", "JPY", 1200),
        ("1200.00", "JPY", 1200),  # trailing zeros are not decimals
        ("-1.234", "BHD", -1234),
        ("0.0001", "CLF", 1),
        ("92233720368547758.07", "USD", 2**63 - 1),
    ],
)
def test_to_minor_is_exact(amount: str, code: str, minor: int) -> None:
    assert money.to_minor(D(amount), code) == minor
    assert money.from_minor(minor, code) == D(amount)


def test_from_minor_gives_the_currency_its_decimals() -> None:
    assert str(money.from_minor(-1250, "USD")) == "-12.50"
    assert str(money.from_minor(1200, "JPY")) == "1200"
    assert str(money.from_minor(5, "BHD")) == "0.005"
    assert str(money.from_minor(1, "CLF")) == "0.0001"


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        ("12.345", "USD", "the amount 12.345 has 3 decimals but USD has 2 decimals; it was not rounded"),
        ("1.5", "JPY", "the amount 1.5 has 1 decimal but JPY has no decimals"),
        ("0.0001", "BHD", "has 4 decimals but BHD has 3 decimals"),
        ("92233720368547758.08", "USD", "too large to store"),
        ("NaN", "USD", "NaN is not an amount of money"),
        ("Infinity", "USD", "Infinity is not an amount of money"),
    ],
)
def test_to_minor_refuses_rather_than_rounds(amount: str, code: str, message: str) -> None:
    with pytest.raises(money.AmountNotStorable, match=message.replace(".", r"\.")):
        money.to_minor(D(amount), code)


@given(st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR), st.sampled_from(sorted(EXPONENTS)))
def test_minor_units_round_trip_for_every_storable_value(minor: int, code: str) -> None:
    assert money.to_minor(money.from_minor(minor, code), code) == minor


def test_display_uses_the_currency_decimals() -> None:
    assert money.grouped(D("-1234.5"), "USD") == "1,234.50"
    assert money.grouped(D("1234"), "JPY") == "1,234"
    assert money.grouped(D("1.5"), "BHD") == "1.500"
    assert money.share_of(D("100"), 3, "JPY") == D("33")
    assert money.share_of(D("100.00"), 3, "USD") == D("33.33")
    assert money.share_of(D("-0.005"), 1, "BHD") == D("-0.005")
