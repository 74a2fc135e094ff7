"""Column widths for the Review grid, from the text it will show.

The grid (glide-data-grid) never wraps a cell and the server cannot know the browser's width,
so text columns are sized to the longest text on the page, within bounds: a page of short names
leaves room for the statement text, and a long one is cut only past the bound (its full text
shows on hover). Widths follow the grid's 14 px sans-serif: capitals and digits are wider than
lower-case letters.
"""

from __future__ import annotations

from collections.abc import Iterable

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
