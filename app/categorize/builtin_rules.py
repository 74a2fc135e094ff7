"""Built-in rules: the offline categorizer for issuer lines and well-known merchants.

The knowledge is data, in the catalog (`merchants.json`, read by `catalog.py`); this module
decides how its tiers are tried, then falls back to the file's own category column:

1. issuer lines the bank or card issuer writes (card payments, fees and interest, payroll,
   rewards, cash, transfers), over the whole description. They win over merchant names, so
   that "HOME DEPOT AUTO PYMT" is a card payment, not a hardware purchase.
2. brands and merchant kinds, following the labeling rules of docs/taxonomy.md A.2: a brand's
   own key first (a dict lookup), then the merchant key, the payee and the merchant text
   before clean-up searched for any brand or merchant name. Variants that belong elsewhere
   (Uber Eats, Costco Gas, Prime Video) come before their brand. A refund keeps the
   merchant's category.
3. weaker generic words ("transfer", "fee", "autopay") that a known merchant should beat.

Categories are the default taxonomy's names; a caller with an edited taxonomy maps them
through `Taxonomy.match`. Patterns are upper-case regexes over normalized text, wrapped in
alphanumeric boundaries so that SHELL never matches SHELLEYS and TARGET never TARGETED.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from app.categorize.catalog import (
    CatalogRule,
    fallback_rules,
    issuer_rules,
    load_catalog,
    merchant_index,
    top_level_alternatives,
)
from app.categorize.merchant import merchant_text, normalize_description
from app.categorize.taxonomy import DEFAULT_TAXONOMY, FEES, INCOME, OTHER
from app.models import Direction

# The catalog's confidences, named for callers and tests (merchants.json is the source).
ISSUER_CONFIDENCE = 0.97
MERCHANT_CONFIDENCE = 0.9
MERCHANT_TEXT_CONFIDENCE = 0.85
FALLBACK_CONFIDENCE = 0.8
BANK_CATEGORY_CONFIDENCE = 0.7

_CACHE_SIZE = 1 << 16


@dataclass(frozen=True)
class BuiltinMatch:
    category: str
    confidence: float
    rule: str  # a short human reason, shown in the Review page


def _match(rule: CatalogRule, confidence: float | None = None) -> BuiltinMatch:
    assert rule.category is not None  # the catalog refuses rules without one
    return BuiltinMatch(rule.category, rule.confidence if confidence is None else confidence, rule.rule)


def _known(rule: CatalogRule, confidence: float) -> BuiltinMatch:
    assert rule.category is not None
    return BuiltinMatch(rule.category, confidence, f"known merchant: {rule.rule}")


@lru_cache(maxsize=_CACHE_SIZE)
def _merchant_rule(text: str) -> CatalogRule | None:
    return merchant_index().lookup(text)


@lru_cache(maxsize=1)
def _brands_by_key() -> dict[str, CatalogRule]:
    return {b.key: b for b in reversed(load_catalog().brands) if b.key and b.category is not None}


# -- the file's own category column --------------------------------------------------------------

# Bank categories that say nothing about the budget: a payment, a refund or "other".
_UNINFORMATIVE_BANK_CATEGORIES = frozenset(
    {
        "payment/credit",
        "payments and credits",
        "credit",
        "credits",
        "refund",
        "refunds",
        "returned purchase",
        "adjustment",
        "adjustments",
        "debit",
        "other",
        "others",
        "miscellaneous",
        "misc",
        "general",
        "uncategorized",
        "uncategorised",
        "unknown",
        "none",
        "n/a",
    }
)


def _bank_category(raw: str, direction: Direction) -> BuiltinMatch | None:
    text = " ".join(raw.split())
    if not text or text.casefold() in _UNINFORMATIVE_BANK_CATEGORIES:
        return None
    # Amex writes "Group-Subcategory": the subcategory is more precise.
    parts = [part.strip() for part in text.split("-")] if "-" in text else []
    candidates = [*reversed(parts), text] if len(parts) == 2 else [text]
    for candidate in candidates:
        if not candidate or candidate.casefold() in _UNINFORMATIVE_BANK_CATEGORIES:
            continue
        category = DEFAULT_TAXONOMY.match(candidate)
        if category is None or category == OTHER:
            continue
        if category == FEES and direction == "in" and "interest" in text.casefold():
            category = INCOME  # interest paid to the account holder, not charged
        if category == INCOME and direction == "out":
            continue
        return BuiltinMatch(category, BANK_CATEGORY_CONFIDENCE, f"bank category: {text}")
    return None


# -- entry point ------------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def _categorize(
    description: str,
    merchant_key: str,
    direction: Direction,
    bank_category: str | None,
    payee: str | None,
) -> BuiltinMatch | None:
    full_text = normalize_description(description)
    issuer = issuer_rules().first(full_text, direction)
    if issuer is not None:
        return _match(issuer)
    catalog = load_catalog()
    key_text = " ".join(merchant_key.upper().split())
    brand = _brands_by_key().get(key_text)
    if brand is not None:
        return _known(brand, catalog.merchant_confidence)
    texts = [(key_text, catalog.merchant_confidence)]
    if payee:
        texts.append((merchant_text(payee), catalog.merchant_text_confidence))
    texts.append((merchant_text(description), catalog.merchant_text_confidence))
    for text, confidence in texts:
        merchant = _merchant_rule(text) if text else None
        if merchant is not None:
            return _known(merchant, confidence)
    for text in (key_text, full_text):
        fallback = fallback_rules().first(text, direction) if text else None
        if fallback is not None:
            return _match(fallback)
    if bank_category:
        return _bank_category(bank_category, direction)
    return None


def builtin_category(
    description: str,
    merchant_key: str,
    direction: Literal["in", "out"],
    bank_category: str | None = None,
    payee: str | None = None,
) -> BuiltinMatch | None:
    """The offline category for one transaction, or None when no rule knows it.

    `payee` is the clean name the file gave beside the raw description, when it gave one.
    """
    return _categorize(description, merchant_key, direction, bank_category, payee or None)


def merchant_pattern_count() -> int:
    """Number of merchant alternatives across brands and merchant kinds."""
    return sum(len(top_level_alternatives(rule.source)) for rule in load_catalog().merchant_tier)


def _catalog_rule(text: str) -> CatalogRule | None:
    normalized = normalize_description(text)
    return _merchant_rule(normalized) if normalized else None


def is_known_merchant(text: str) -> bool:
    """True when `text` names a merchant of the built-in catalog ("JOHN LEWIS", "TIM HORTONS"):
    the redaction's name rules leave such words alone."""
    return _catalog_rule(text) is not None


def names_a_purchase(text: str) -> bool:
    """True when `text` names a catalog merchant of a category that is not a transfer ("REWE",
    "WHOLE FOODS"): a purchase or its refund, never one side of a move between own accounts."""
    rule = _catalog_rule(text)
    if rule is None or rule.category is None:
        return False
    category = DEFAULT_TAXONOMY.get(rule.category)
    return category is None or category.kind != "transfer"
