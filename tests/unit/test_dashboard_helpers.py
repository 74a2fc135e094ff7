"""Pure helpers of the dashboard: escaping user text, money, periods."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from components import filters
from components.formatting import code, md, money, source_from_label, source_label

HOSTILE = [
    "![pixel](http://tracker.example/p.png)",
    "[click me](http://evil.example)",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","x")',
    ":material/warning: $x^2$ **bold** `code` # heading",
    "AMZN Mktp US*2K4\nline two",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_leaves_no_markdown_syntax_active(text: str) -> None:
    escaped = md(text)
    # every special character is preceded by a backslash (an escaped backslash counts as one)
    unescaped = re.sub(r"\\.", "", escaped)
    assert not set("[]()!<>*`#$:_\\") & set(unescaped)
    assert "\n" not in escaped
    # nothing is lost: removing the escapes gives the text back (whitespace folded)
    assert re.sub(r"\\(.)", r"\1", escaped) == " ".join(text.split())


def test_code_cannot_be_broken_out_of() -> None:
    assert code("http://h:3001/v1") == "`http://h:3001/v1`"
    assert code("a`b") == "`a'b`"


@pytest.mark.parametrize(
    ("amount", "currency", "signed", "shown"),
    [
        (Decimal("-1234.5"), "USD", False, "-$1,234.50"),
        (Decimal("12"), "EUR", True, "+€12.00"),
        (Decimal("0"), "USD", True, "$0.00"),
        (Decimal("99.999"), "SEK", False, "100.00 SEK"),
        (Decimal("-0.004"), None, False, "0.00"),
    ],
)
def test_money(amount: Decimal, currency: str | None, signed: bool, shown: str) -> None:
    assert money(amount, currency, signed=signed) == shown


def test_source_labels_round_trip() -> None:
    for source in ("user", "rule", "model", "cache", "builtin"):
        assert source_from_label(source_label(source)) == source
    assert source_label(None) == "—"
    assert source_label("builtin") == "built-in"


BOUNDS = (dt.date(2025, 11, 14), dt.date(2026, 8, 20))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (filters.LATEST_MONTH, (dt.date(2026, 8, 1), dt.date(2026, 8, 31))),
        (filters.LATEST_3_MONTHS, (dt.date(2026, 6, 1), dt.date(2026, 8, 31))),
        (filters.LATEST_12_MONTHS, (dt.date(2025, 9, 1), dt.date(2026, 8, 31))),
        (filters.YEAR_TO_DATE, (dt.date(2026, 1, 1), dt.date(2026, 8, 20))),
        (filters.ALL_TIME, BOUNDS),
    ],
)
def test_periods_end_with_the_newest_transaction(choice: str, expected: tuple[dt.date, dt.date]) -> None:
    assert filters.resolve_period(choice, BOUNDS, ()) == expected


def test_a_custom_period_accepts_either_order_and_a_half_picked_range() -> None:
    later, earlier = dt.date(2026, 3, 9), dt.date(2026, 2, 1)
    assert filters.resolve_period(filters.CUSTOM, BOUNDS, (later, earlier)) == (earlier, later)
    assert filters.resolve_period(filters.CUSTOM, BOUNDS, (earlier,)) == (earlier, earlier)


def test_period_text() -> None:
    assert filters.period_text((dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == "February 2026"
    assert filters.period_text((dt.date(2026, 2, 1), dt.date(2026, 3, 31))) == "01 Feb 2026 – 31 Mar 2026"
