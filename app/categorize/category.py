"""One category of the list: its name, description, kind and former names, and the names the code
itself relies on (transfers, income, fees, other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from app.errors import UserFacingError

CategoryKind = Literal["spend", "income", "transfer"]
CATEGORY_KINDS: tuple[CategoryKind, ...] = get_args(CategoryKind)

TRANSFERS = "Transfers & Card Payments"
INCOME = "Income"
FEES = "Fees & Interest"
OTHER = "Other"

MAX_NAME_LENGTH = 60


class TaxonomyError(UserFacingError, ValueError):
    """A category name, kind or change the list cannot take (an unknown or reserved name, the last one)."""


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    kind: CategoryKind = "spend"
    # Former names, so answers and built-in rules that still say the old name land here.
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CATEGORY_KINDS:
            raise TaxonomyError(
                f"category {self.name!r}: kind must be one of {', '.join(CATEGORY_KINDS)}, not {self.kind!r}"
            )
