"""The Review grid's columns and their widths, from the text a page will show (pure: no Streamlit).

The grid (glide-data-grid) never wraps a cell and the server cannot know the browser's width,
so text columns are sized to the longest text on the page, within bounds: a page of short names
leaves room for the statement text, and a long one is cut only past the bound (its full text
shows on hover). Widths follow the grid's 14 px sans-serif: capitals and digits are wider than
lower-case letters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

CELL_PADDING_PX = 26  # the cell's left and right padding, plus a margin for rounding
_NARROW = frozenset(" .,:;'|!iIl1-*/()[]")
_WIDE = frozenset("MWmw@%&#")


def text_width_px(text: str) -> int:
    """About how many pixels `text` takes in a grid cell."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 4.0
        elif char in _WIDE:
            width += 12.0
        elif char.isupper() or char.isdigit():
            width += 8.8
        else:
            width += 7.2
    return round(width)


def fitting_width(texts: Iterable[object], *, header: str, least: int, most: int) -> int:
    """A width that shows the longest of `texts` (and the header) whole, within [least, most]."""
    longest = max(
        (text_width_px(t) for t in (header, *texts) if isinstance(t, str)),
        default=0,
    )
    return max(least, min(most, longest + CELL_PADDING_PX))


# What identifies the row, then the category (the one thing to edit) and the statement text,
# sized so the five fit the grid a 1280 px screen leaves beside the sidebar; the rest is a
# scroll away.
EDITOR_COLUMNS = (
    "date",
    "merchant",
    "amount",
    "currency",
    "category",
    "description",
    "why",
    "source",
    "confidence",
    "how",
    "account",
    "original",
)
# On a phone (390 px, about 358 px of grid) only these show, in this many pixels each.
COMPACT_COLUMNS = ("date", "merchant", "amount", "category")
COMPACT_WIDTHS = {"date": 80, "merchant": 96, "amount": 70, "category": 100}
# On a desktop: the grid beside the sidebar at 1280 px is ~820 px; date, amount, currency and
# category take FIXED_WIDTH of it, merchant and statement text share the rest.
FULL_WIDTHS = {"date": 88, "amount": 84, "currency": 44, "category": 130}
DESKTOP_GRID_PX = 820
MERCHANT_PX = (90, 180)
STATEMENT_LEAST_PX = 200
ROW_PX = 35
WRAPPED_ROW_PX = 66  # over 4rem: Streamlit lets a cell's text wrap, up to three lines


@dataclass(frozen=True)
class GridLayout:
    columns: tuple[str, ...]
    widths: dict[str, int]
    row_height: int


def grid_layout(shown: pd.DataFrame, *, compact: bool) -> GridLayout:
    """Which columns the grid shows and how wide, for this page's texts.

    Merchant and statement text are sized to their longest text on the page; when one is still
    longer than its column, rows are made tall enough for the text to wrap, so no merchant or
    statement text is cut.
    """
    merchants = shown["merchant"].tolist() if "merchant" in shown else []
    texts = shown["description"].tolist() if "description" in shown else []
    if compact:
        widths = dict(COMPACT_WIDTHS)
        needed = {"merchant": fitting_width(merchants, header="Merchant", least=0, most=10_000)}
        columns: tuple[str, ...] = COMPACT_COLUMNS
    else:
        merchant = fitting_width(merchants, header="Merchant", least=MERCHANT_PX[0], most=MERCHANT_PX[1])
        room = DESKTOP_GRID_PX - sum(FULL_WIDTHS.values()) - merchant
        statement = fitting_width(texts, header="On your statement", least=STATEMENT_LEAST_PX, most=room)
        widths = {**FULL_WIDTHS, "merchant": merchant, "description": statement}
        needed = {
            "merchant": fitting_width(merchants, header="Merchant", least=0, most=10_000),
            "description": fitting_width(texts, header="On your statement", least=0, most=10_000),
        }
        columns = EDITOR_COLUMNS
    wraps = any(needed[name] > widths[name] for name in needed)
    return GridLayout(columns, widths, WRAPPED_ROW_PX if wraps else ROW_PX)
