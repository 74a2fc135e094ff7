"""The category list: the `Taxonomy` type, the user's edits, and where it is stored.

A `Taxonomy` is an immutable, ordered tuple of categories. Edits return a new taxonomy;
`version` hashes the whole list so caches keyed on it expire when the user edits it.
`match` turns whatever a model (or a bank's category column) said into one of the
taxonomy's names, or None when it cannot do so confidently (`answer_matching`). The default
list is data in `default_taxonomy`; one category is a `category.Category`.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from app.categorize.answer_matching import NULL_ANSWERS, match_answer, normalize
from app.categorize.category import (
    CATEGORY_KINDS,
    FEES,
    INCOME,
    MAX_NAME_LENGTH,
    OTHER,
    TRANSFERS,
    Category,
    CategoryKind,
    TaxonomyError,
)
from app.categorize.default_taxonomy import DEFAULT_CATEGORIES, LABELING_RULES
from app.models import UNCATEGORIZED
from app.store import Store, TaxonomyRow


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        if not self.categories:
            raise TaxonomyError("a taxonomy needs at least one category")
        seen: dict[str, str] = {}
        for category in self.categories:
            _check_name(category.name)
            folded = normalize(category.name)
            if folded in seen:
                raise TaxonomyError(
                    f"category names must be unique: {category.name!r} clashes with {seen[folded]!r}"
                )
            seen[folded] = category.name

    # -- reading ----------------------------------------------------------------------------

    # Cached: a taxonomy is immutable and callers ask for these once per merchant.
    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @cached_property
    def version(self) -> str:
        payload = json.dumps([[c.name, c.description, c.kind] for c in self.categories], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    def get(self, name: str) -> Category | None:
        for category in self.categories:
            if category.name == name:
                return category
        return None

    def prompt_block(self) -> str:
        return "\n".join(
            f"- {c.name}: {c.description}" if c.description else f"- {c.name}" for c in self.categories
        )

    # -- mapping an answer onto a name ----------------------------------------------------------

    def match(self, raw: object) -> str | None:
        """The taxonomy name an answer means, or None when it is empty or not confidently one name."""
        return match_answer(raw, self.names, self._by_alias)

    @cached_property
    def _by_alias(self) -> dict[str, str]:
        return {normalize(alias): c.name for c in self.categories for alias in c.aliases}

    # -- edits ------------------------------------------------------------------------------

    def with_added(self, name: str, description: str, kind: CategoryKind = "spend") -> Taxonomy:
        name = name.strip()
        return Taxonomy((*self.categories, Category(name, " ".join(description.split()), kind)))

    def with_renamed(self, old: str, new: str) -> Taxonomy:
        new = new.strip()
        if self.get(old) is None:
            raise TaxonomyError(f"no category named {old!r}")
        return Taxonomy(
            tuple(
                Category(new, c.description, c.kind, tuple(a for a in (*c.aliases, old) if a != new))
                if c.name == old
                else c
                for c in self.categories
            )
        )

    def with_removed(self, name: str) -> Taxonomy:
        if self.get(name) is None:
            raise TaxonomyError(f"no category named {name!r}")
        if len(self.categories) == 1:
            raise TaxonomyError(f"cannot remove {name!r}: it is the last category")
        return Taxonomy(tuple(c for c in self.categories if c.name != name))


def _check_name(name: str) -> None:
    if not name or not name.strip():
        raise TaxonomyError("a category name cannot be empty")
    if name != name.strip():
        raise TaxonomyError(f"category name {name!r} has leading or trailing spaces")
    if len(name) > MAX_NAME_LENGTH:
        raise TaxonomyError(f"category name {name[:20]!r}… is longer than {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise TaxonomyError(f"category name {name!r} contains control characters")
    if normalize(name) in NULL_ANSWERS or normalize(name) == normalize(UNCATEGORIZED):
        raise TaxonomyError(f"{name!r} is reserved for rows without a category")


DEFAULT_TAXONOMY = Taxonomy(DEFAULT_CATEGORIES)


# -- persistence ---------------------------------------------------------------------------


def load_taxonomy(store: Store) -> Taxonomy:
    """The user's taxonomy, or the default when none was saved yet."""
    rows = store.get_taxonomy()
    if not rows:
        return DEFAULT_TAXONOMY
    categories: list[Category] = []
    for position, row in enumerate(rows, start=1):
        if row.kind not in CATEGORY_KINDS:
            raise TaxonomyError(
                f"{store.path}: taxonomy row {position} ({row.name!r}) has unknown kind {row.kind!r}"
            )
        categories.append(Category(row.name, row.description, _as_kind(row.kind), row.aliases))
    return Taxonomy(tuple(categories))


def _as_kind(value: str) -> CategoryKind:
    for kind in CATEGORY_KINDS:
        if kind == value:
            return kind
    raise TaxonomyError(f"unknown category kind {value!r}")


def save_taxonomy(store: Store, taxonomy: Taxonomy) -> None:
    store.put_taxonomy([TaxonomyRow(c.name, c.description, c.kind, c.aliases) for c in taxonomy.categories])


def rename_category(store: Store, taxonomy: Taxonomy, old: str, new: str) -> tuple[Taxonomy, int]:
    """Rename in the taxonomy and move every row, rule and cache entry; returns rows moved."""
    renamed = taxonomy.with_renamed(old, new)  # validates before anything is written
    save_taxonomy(store, renamed)
    return renamed, store.rename_category(old, new.strip())


def remove_category(store: Store, taxonomy: Taxonomy, name: str) -> tuple[Taxonomy, int]:
    """Drop a category; its rows go back to uncategorized. Returns rows cleared."""
    remaining = taxonomy.with_removed(name)
    save_taxonomy(store, remaining)
    return remaining, store.clear_category(name)


__all__ = [
    "CATEGORY_KINDS",
    "DEFAULT_TAXONOMY",
    "FEES",
    "INCOME",
    "LABELING_RULES",
    "MAX_NAME_LENGTH",
    "OTHER",
    "TRANSFERS",
    "Category",
    "CategoryKind",
    "Taxonomy",
    "TaxonomyError",
    "load_taxonomy",
    "remove_category",
    "rename_category",
    "save_taxonomy",
]
