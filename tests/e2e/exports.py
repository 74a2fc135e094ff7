"""Checks on the files the Export page hands out: a spreadsheet-safe CSV, a self-contained report."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula.
# Written out here rather than imported from app.reports, so the test does not trust the code it tests.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_COLUMNS = ("amount", "confidence")
URL_ATTRIBUTES = ("src", "href", "srcset", "action", "formaction", "poster", "data", "xlink:href")


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def check_csv_is_formula_safe(rows: list[dict[str, str]]) -> None:
    """No text cell would run as a formula; the numeric columns hold plain numbers only."""
    assert rows, "the CSV has no rows"
    for number, row in enumerate(rows, start=2):
        for column, value in row.items():
            if column in NUMERIC_COLUMNS:
                if value:
                    try:
                        Decimal(value)
                    except InvalidOperation:
                        raise AssertionError(f"line {number}: {column}={value!r} is not a number") from None
            else:
                assert not value.startswith(FORMULA_STARTS), f"line {number}: {column}={value!r} is a formula"


class _ReferenceCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.references.append((tag, name, value.strip()))


def _is_inline(reference: str) -> bool:
    return reference == "" or reference.startswith(("#", "data:"))


def check_html_is_self_contained(html: str) -> None:
    """Loads nothing from anywhere (no src/href but in-page anchors and data: URIs) and holds charts."""
    collector = _ReferenceCollector()
    collector.feed(html)
    outside = [ref for ref in collector.references if not _is_inline(ref[2])]
    assert outside == [], f"the report refers to files outside itself: {outside}"
    assert "@import" not in html
    assert "plotly-graph-div" in html and "Plotly.newPlot" in html, "the report has no plotly charts"
    # The Chase sample's description `<script>alert(1)</script> CAFE` must be text, not markup.
    assert "<script>alert(1)</script>" not in html
