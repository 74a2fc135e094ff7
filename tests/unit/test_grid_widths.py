"""The Review grid's columns: a phone's four, and desktop widths sized to the page's texts."""

from __future__ import annotations

import pandas as pd

from components.grid_widths import (
    COMPACT_COLUMNS,
    DESKTOP_GRID_PX,
    ROW_PX,
    WRAPPED_ROW_PX,
    fitting_width,
    grid_layout,
    text_width_px,
)


def _page(merchants: list[str], texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"merchant": merchants, "description": texts})


def test_capitals_take_more_room_than_lower_case_and_bounds_hold() -> None:
    assert text_width_px("KILN COFFEE") > text_width_px("kiln coffee") > 0
    assert fitting_width(["a"], header="", least=90, most=180) == 90
    assert fitting_width(["W" * 80], header="", least=90, most=180) == 180
    wide = fitting_width(["Kiln Coffee Roasters"], header="Merchant", least=0, most=10_000)
    assert wide >= text_width_px("Kiln Coffee Roasters")


def test_short_texts_fit_the_desktop_grid_on_one_line() -> None:
    layout = grid_layout(
        _page(["Kiln Coffee", "Quorble"], ["KILN COFFEE 0042 PORTLAND", "QUORBLE"]), compact=False
    )
    assert layout.columns[:6] == ("date", "merchant", "amount", "currency", "category", "description")
    shown = ("date", "merchant", "amount", "currency", "category", "description")
    assert sum(layout.widths[c] for c in shown) <= DESKTOP_GRID_PX
    assert layout.widths["merchant"] >= text_width_px("Kiln Coffee")
    assert layout.widths["description"] >= text_width_px("KILN COFFEE 0042 PORTLAND")
    assert layout.row_height == ROW_PX


def test_a_statement_longer_than_its_column_wraps_instead_of_being_cut() -> None:
    long = "PAYPAL EUROPE S.A.R.L. ET CIE S.C.A 2418149919456 PP.2304.PP . ZALANDO SE, IHR EINKAUF"
    layout = grid_layout(_page(["Finanzamt Friedrichshain-Kreuzberg"], [long]), compact=False)
    shown = ("date", "merchant", "amount", "currency", "category", "description")
    assert sum(layout.widths[c] for c in shown) <= DESKTOP_GRID_PX
    assert layout.row_height == WRAPPED_ROW_PX
    assert 3 * layout.widths["description"] >= text_width_px(long)  # three lines hold it


def test_compact_shows_date_merchant_amount_and_category_in_a_phones_width() -> None:
    layout = grid_layout(_page(["Kiln"], ["KILN"]), compact=True)
    assert layout.columns == COMPACT_COLUMNS == ("date", "merchant", "amount", "category")
    assert sum(layout.widths[c] for c in COMPACT_COLUMNS) <= 390 - 40  # the phone's padding and borders
