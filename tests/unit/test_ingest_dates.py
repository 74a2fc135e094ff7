"""Date patterns and deciding the day/month order from a whole column."""

from __future__ import annotations

import datetime as dt

import pytest

from app.ingest.dates import DateFormat, infer_date_format, looks_like_date

D = dt.date


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("MM/DD/YYYY", "01/28/2024", D(2024, 1, 28)),
        ("MM/DD/YYYY", "1/5/2024", D(2024, 1, 5)),  # re-saved by Excel: unpadded
        ("M/D/YYYY", "12/28/2023", D(2023, 12, 28)),  # RBC
        ("M/D/YYYY", "6/12/15", D(2015, 6, 12)),  # Mint test data: 2-digit year
        ("DD/MM/YYYY", "13/01/2024", D(2024, 1, 13)),  # Monzo
        ("DD.MM.YY", "02.10.23", D(2023, 10, 2)),  # DKB 2023+
        ("DD.MM.YY", "31.12.99", D(1999, 12, 31)),  # %y pivot: 69-99 are 19xx
        ("DD.MM.YYYY", "28.01.2022", D(2022, 1, 28)),
        ("YYYYMMDD", "20240131", D(2024, 1, 31)),  # ING NL
        ("YYYY-MM-DD", "2024-01-03 12:01:44", D(2024, 1, 3)),  # Revolut: time of day ignored
        ("YYYY-MM-DD", "2024-01-03T12:01:44Z", D(2024, 1, 3)),
        ("MM/DD/YYYY", "06/01/2019  Sat", D(2019, 6, 1)),  # old Amex exports add the weekday
        ("DD MMM YYYY", "05 Jan 2024", D(2024, 1, 5)),
        ("DD MMM YYYY", "05 févr. 2024", D(2024, 2, 5)),
        ("DD-MMM-YYYY", "05-Okt-2024", D(2024, 10, 5)),
        ("MMM DD, YYYY", "Oct 31, 2024", D(2024, 10, 31)),
    ],
)
def test_patterns_parse(pattern: str, text: str, expected: dt.date) -> None:
    assert DateFormat.compile(pattern).parse(text) == expected


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("MM/DD/YYYY", "02/30/2024"),  # impossible date
        ("MM/DD/YYYY", "13/01/2024"),  # month 13
        ("MM/DD/YYYY", "2024-01-02"),  # other separators
        ("YYYYMMDD", "2024131"),
        ("YYYY-MM-DD", "24-01-30"),  # a year-first pattern needs all four digits
        ("DD MMM YYYY", "05 Foo 2024"),
        ("MM/DD/YYYY", ""),
        ("MM/DD/YYYY", "01/02/2024 trailing words"),
    ],
)
def test_patterns_reject(pattern: str, text: str) -> None:
    assert DateFormat.compile(pattern).parse(text) is None


@pytest.mark.parametrize("pattern", ["MM/DD", "YYYY-MM-DD-DD", "nonsense", "MDYYYY", ""])
def test_unknown_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        DateFormat.compile(pattern)


def test_cached_parser_matches_parse() -> None:
    fmt = DateFormat.compile("DD.MM.YY")
    parse = fmt.cached_parser()
    assert parse("02.10.23") == parse("02.10.23") == fmt.parse("02.10.23")
    assert parse("31.02.23") is None


def test_order_is_decided_by_the_whole_column_not_the_first_rows() -> None:
    # CommBank-style: newest first, the first twelve rows all have a day <= 12.
    values = [f"{day:02d}/03/2024" for day in range(12, 0, -1)] + ["28/02/2024", "15/02/2024"]
    guess = infer_date_format(values, column="Column 1", day_first_hint=False)
    assert guess is not None
    assert (guess.format, guess.confident) == ("DD/MM/YYYY", True)


def test_month_first_column_is_recognised() -> None:
    guess = infer_date_format(["01/02/2024", "01/28/2024"], column="Date", day_first_hint=True)
    assert guess is not None and guess.format == "MM/DD/YYYY" and guess.confident


def test_fully_ambiguous_column_is_flagged_and_uses_the_hint() -> None:
    values = ["03/04/2024", "05/04/2024", "07/04/2024"]
    us = infer_date_format(values, column="Date", day_first_hint=False)
    eu = infer_date_format(values, column="Date", day_first_hint=True)
    assert us is not None and eu is not None
    assert (us.format, us.confident) == ("MM/DD/YYYY", False)
    assert (eu.format, eu.confident) == ("DD/MM/YYYY", False)
    assert us.reason is not None and "'Date'" in us.reason


def test_dot_separator_means_day_first_and_two_digit_years_are_reported() -> None:
    guess = infer_date_format(
        ["30.01.24", "26.01.24", "01.02.24"], column="Buchungstag", day_first_hint=False
    )
    assert guess is not None
    assert (guess.format, guess.confident) == ("DD.MM.YY", True)


def test_a_few_bad_values_do_not_change_the_decision() -> None:
    values = ["01/15/2024", "02/30/2024", "01/20/2024", "01/02/2024"]
    guess = infer_date_format(values, column="Date", day_first_hint=True)
    assert guess is not None and guess.format == "MM/DD/YYYY" and guess.valid_fraction == 0.75


def test_a_text_column_is_not_a_date_column() -> None:
    assert infer_date_format(["COFFEE", "RENT", "01/02/2024"], column="x", day_first_hint=False) is None
    assert infer_date_format(["", " "], column="x", day_first_hint=False) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", True),
        ("1/5/24", True),
        ("20240131", True),
        ("05 Jan 2024", True),
        ("12.50", False),
        ("Date", False),
    ],
)
def test_looks_like_date(text: str, expected: bool) -> None:
    assert looks_like_date(text) is expected
