"""Conversion into the home currency: typed rates refused when unusable, rates from the user's own
exchange rows, exact totals that name their rates and what they could not convert."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

from app import fx


@pytest.mark.parametrize(
    "typed",
    # 1e-400 and 1e-10 would turn every amount into 0.00; "1_0832" reads as 10832
    ["0", "0.0", "-1.2", "abc", "", "NaN", "Infinity", "1e99", "1e-400", "0.0000000001", "1_0832"],
)
def test_an_unusable_rate_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(fx.RateError, match="EUR in USD"):
        fx.parse_rate(typed, "EUR", "USD")


def test_the_smallest_real_rates_are_accepted() -> None:
    assert fx.parse_rate("0.0000238", "IRR", "USD") == D("0.0000238")


def test_a_typed_rate_is_kept_exactly_with_either_decimal_mark() -> None:
    assert fx.parse_rate("1.0832") == D("1.0832")
    assert fx.parse_rate(" 1,0832 ") == D("1.0832")


def _legs(rows: list[tuple[str, str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [D(a) for a, _, _, _ in rows],
            "currency": [c for _, c, _, _ in rows],
            "original_amount": [D(o) if o else None for _, _, o, _ in rows],
            "original_currency": [oc for _, _, _, oc in rows],
        }
    )


def test_rates_come_from_exchange_rows_in_either_direction_weighted_by_amount() -> None:
    frame = _legs(
        [
            ("-108.00", "USD", "-100.00", "EUR"),  # a USD card paying 100 EUR
            ("-54.40", "USD", "-50.00", "EUR"),
            ("-20.00", "GBP", "-25.00", "USD"),  # a GBP account paying 25 USD: 1 GBP = 1.25 USD
            ("-5.00", "USD", None, None),  # not an exchange
            ("-3.00", "CHF", "-3.10", "EUR"),  # neither side is the home currency
        ]
    )
    rates = fx.derived_rates(frame, "USD")
    assert set(rates) == {"EUR", "GBP"}
    assert rates["EUR"].rate == D("1.082667")  # 162.40 / 150.00, to six places
    assert (rates["EUR"].rows, rates["EUR"].source) == (2, "derived")
    assert rates["GBP"].rate == D("1.250000")
    assert "from 2 of your exchange rows" in rates["EUR"].text()


def test_the_users_rate_wins_and_a_total_names_its_rates_and_what_it_left_out() -> None:
    derived = {"EUR": fx.Rate("EUR", "USD", D("1.08"), "derived", 3)}
    entered = fx.entered_rates({"EUR": "1.10"}, "USD")
    rates = fx.chosen_rates(entered, derived)
    total = fx.converted_total([("USD", D("100.00")), ("EUR", D("10.05")), ("JPY", D("500"))], "USD", rates)
    assert total.total == D("111.06")  # 100 + 10.05 × 1.10 = 111.055, rounded once, half up
    assert [r.rate for r in total.rates] == [D("1.10")]
    assert total.rates[0].text() == "1 EUR = 1.1 USD (your rate)"
    assert total.missing == ("JPY",)
