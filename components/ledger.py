"""The ledger as pages see it: the taxonomy's names, kinds and colours, and the category list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app import insights
from app.categorize.taxonomy import Taxonomy, load_taxonomy
from app.models import UNCATEGORIZED
from components import resources


@dataclass(frozen=True)
class CategoryView:
    taxonomy: Taxonomy
    kinds: dict[str, str]
    order: tuple[str, ...]

    def all_names(self, present: Iterable[str] = ()) -> list[str]:
        """Every category a filter may offer: the taxonomy's, any other found in the data, then
        Uncategorized, in one stable order."""
        return insights.category_order([*self.order, *present, UNCATEGORIZED], self.order)


def category_view() -> CategoryView:
    taxonomy = load_taxonomy(resources.store())
    return CategoryView(
        taxonomy=taxonomy,
        kinds={c.name: c.kind for c in taxonomy.categories},
        order=taxonomy.names,
    )
