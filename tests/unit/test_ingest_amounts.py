"""Amount cells in every notation the exports use, and the decimal mark of an unknown column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.ingest.amounts import (
    AmountError,
    cached_amount_parser,
    infer_decimal_mark,
    looks_like_amount,
    parse_amount,
)


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("-2.90", ".", "-2.90"),
        ("1250.00", ".", "1250.00"),
        ("-1,250.00", ".", "-1250.00"),  # BofA checking, quoted
        ("2,450.00", ".", "2450.00"),  # Mint
        ("-3.5", ".", "-3.50"),  # N26 trimmed decimals
        ("11", ".", "11.00"),
        ("-890.000000000", ".", "-890.000000000"),  # N26: 9 decimal places are kept exactly
        ("+1500.00", ".", "1500.00"),  # CommBank explicit plus
        ("($19.47)", ".", "-19.47"),  # parenthesised negative
        ("\u221212.00", ".", "-12.00"),  # Unicode minus
        ("$1043.27", ".", "1043.27"),
        ("-$5.00", ".", "-5.00"),
        ("$-5.00", ".", "-5.00"),
        ("USD 12.00", ".", "12.00"),
        ("12.50-", ".", "-12.50"),  # trailing minus
        ("12.50 DR", ".", "-12.50"),
        ("12.50 CR", ".", "12.50"),
        ("'320.10'", ".", "320.10"),  # Excel-protection apostrophes
        ("1'234.50", ".", "1234.50"),  # Swiss thousands
        ("-45,67", ",", "-45.67"),
        ("2.850,00", ",", "2850.00"),
        ("-1.150", ",", "-1150.00"),  # DKB: dot thousands, decimals dropped
        ("-12,5", ",", "-12.50"),  # DKB: trailing zero dropped
        ("2.850", ",", "2850.00"),
        ("1 234,56", ",", "1234.56"),  # French thousands space
        ("-1\u00a0191,99", ",", "-1191.99"),
        ("3.456,78 €", ",", "3456.78"),
        ("1.234.567,89", ",", "1234567.89"),
    ],
)
def test_parse_amount(text: str, decimal: str, expected: str) -> None:
    value = parse_amount(text, decimal)
    assert value == Decimal(expected)
    assert str(value) == expected  # exact, with at least cents


@pytest.mark.parametrize("text", ["", "   ", "$", "-"])
def test_empty_cells_have_no_amount(text: str) -> None:
    assert parse_amount(text, ".") is None


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("abc", "."),
        ("12.34.56", "."),
        ("1,5", "."),
        ("1.5", ","),
        ("12,345,67", "."),
        ("N/A", ","),
        ("1-2", "."),
    ],
)
def test_unreadable_amounts_raise(text: str, decimal: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, decimal)
    assert repr(text) in str(caught.value)


def test_cached_parser_agrees_and_raises_alike() -> None:
    parse = cached_amount_parser(",")
    assert parse("-1.150") == parse("-1.150") == Decimal("-1150.00")
    assert parse("-12,5") == Decimal("-12.50")
    with pytest.raises(AmountError):
        parse("zwölf")


@pytest.mark.parametrize(
    ("values", "fallback", "decimal", "confident"),
    [
        (["-45,67", "2.850,00", "-1.150"], ".", ",", True),  # one decisive value settles it
        (["-1,250.00", "3,000.00"], ",", ".", True),
        (["-12.5", "11"], ",", ".", True),
        (["-890.000000000"], ",", ".", True),  # more than three decimals: a decimal point
        (["-1.150", "2.850"], ",", ",", False),  # only 3-digit groups: undecidable, fallback
        (["-1.150", "2.850"], ".", ".", False),
        (["12", "-40"], ",", ",", True),  # integers: nothing to decide
        (["1.50", "2,50"], ".", ".", False),  # mixed
    ],
)
def test_infer_decimal_mark(values: list[str], fallback: str, decimal: str, confident: bool) -> None:
    guess = infer_decimal_mark(values, column="Amount", fallback=fallback)
    assert (guess.decimal, guess.confident) == (decimal, confident)
    assert (guess.reason is None) is confident


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-2.90", True),
        ("1.234,56 €", True),
        ("($19.47)", True),
        ("+1500.00", True),
        ("Amount", False),
        ("", False),
        ("AMZN*2K4", False),
    ],
)
def test_looks_like_amount(text: str, expected: bool) -> None:
    assert looks_like_amount(text) is expected


def test_safe_parser_returns_errors_and_negates_once_per_distinct_cell() -> None:
    from app.ingest.amounts import safe_amount_parser

    parse = safe_amount_parser(".", negate=True)
    assert parse("12.5") == Decimal("-12.50") and str(parse("12.5")) == "-12.50"
    assert parse(" 85.12 ") == Decimal("-85.12")
    assert parse("-500.00") == Decimal("500.00")
    assert str(parse("0.00")) == "0.00"  # never "-0.00"
    assert parse("") is None
    assert isinstance(parse("abc"), AmountError)
    assert parse("1,250.00") == Decimal("-1250.00")
    comma = safe_amount_parser(",")
    assert comma("-1.150") == Decimal("-1150.00") and comma("-12,5") == Decimal("-12.50")
