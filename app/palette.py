"""The colours every chart and report gives a category: the same category, the same colour.

A taxonomy category takes the palette colour of its position in the taxonomy; a user's own
category a colour derived from its name; Uncategorized is grey.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

from app.categorize.taxonomy import DEFAULT_TAXONOMY
from app.models import UNCATEGORIZED

UNCATEGORIZED_COLOR: Final = "#9e9e9e"
# Distinct hues (Tableau 20 plus a few darker ones) with the greys taken out: grey means Uncategorized.
# Position n of the taxonomy gets PALETTE[n], so a category keeps its colour everywhere.
PALETTE: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
)


def category_colors(names: Iterable[str], order: Sequence[str] | None = None) -> dict[str, str]:
    """One stable colour per category, the same in every chart and report.

    A taxonomy category takes the palette colour of its position in the taxonomy, so its colour
    does not depend on which other categories happen to be present. A name outside the taxonomy
    (a user's own category) takes a colour derived from a hash of its name. Uncategorized is grey.
    """
    reference = list(order if order is not None else DEFAULT_TAXONOMY.names)
    position = {name: n for n, name in enumerate(reference)}
    colors: dict[str, str] = {}
    for name in names:
        if name == UNCATEGORIZED:
            colors[name] = UNCATEGORIZED_COLOR
        elif name in position:
            colors[name] = PALETTE[position[name] % len(PALETTE)]
        else:
            digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
            colors[name] = PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]
    return colors
