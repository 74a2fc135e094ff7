"""The built-in merchant catalog, `merchants.json`, and the matchers compiled from it.

The catalog is data, like the bank profiles: issuer lines (card payments, fees, payroll...),
brands (a canonical merchant key, its display name and category: Amazon Marketplace vs
Prime Video, Uber vs Uber Eats), merchant kinds (supermarkets, airlines... by name) and weak
fallbacks. `merchant.py` keys rows with the brands; `builtin_rules.py` categorizes with all
four tiers.

Nothing is read or compiled at import: `privfin --help` and the dashboard never pay for
~1,500 alternatives. The first lookup reads the file and compiles each tier once into one
regular expression (the whole merchant tier, brands included, into one prefix trie), kept
for the life of the process. Across runs there is nothing worth keeping: a compiled
pattern pickles as its source and is compiled again on load.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the type only: keying must not import pydantic
    from app.models import Direction

CATALOG_PATH = Path(__file__).with_name("merchants.json")
_FRAGMENT = re.compile(r"<([a-z_]+)>")
_LEFT = r"(?<![A-Z0-9])"
_RIGHT = r"(?![A-Z0-9])"


class CatalogError(ValueError):
    """The catalog file is malformed: a programming error, caught by the tests."""


@dataclass(frozen=True)
class CatalogRule:
    """One catalog entry: its patterns joined into one alternation (no capturing groups)."""

    source: str
    rule: str  # a short human reason, shown in the Review page
    category: str | None
    confidence: float
    direction: Direction | None = None  # None: either direction
    key: str | None = None  # brands only: the merchant key every matching row gets
    display: str | None = None  # brands only: the brand's own spelling


@dataclass(frozen=True)
class Catalog:
    issuer: tuple[CatalogRule, ...]
    brands: tuple[CatalogRule, ...]
    merchants: tuple[CatalogRule, ...]
    fallback: tuple[CatalogRule, ...]
    merchant_confidence: float  # a brand or merchant named by the merchant key
    merchant_text_confidence: float  # named only somewhere in the merchant's text

    @property
    def merchant_tier(self) -> tuple[CatalogRule, ...]:
        """Brands with a category, then merchant kinds: the order the merchant index tries them."""
        return (*(b for b in self.brands if b.category is not None), *self.merchants)


def _entries(raw: dict[str, Any], section: str) -> list[dict[str, Any]]:
    entries = raw.get(section)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogError(f"{CATALOG_PATH.name}: {section!r} must be a list of objects")
    return entries


def _rule(entry: dict[str, Any], fragments: dict[str, str], default_confidence: float) -> CatalogRule:
    patterns = entry.get("patterns")
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise CatalogError(f"{CATALOG_PATH.name}: entry {entry!r} needs a list of patterns")

    def expand(found: re.Match[str]) -> str:
        if found[1] not in fragments:
            raise CatalogError(f"{CATALOG_PATH.name}: unknown fragment <{found[1]}>")
        return fragments[found[1]]

    direction = entry.get("direction")
    if direction not in (None, "in", "out"):
        raise CatalogError(f"{CATALOG_PATH.name}: direction must be 'in' or 'out', not {direction!r}")
    key = entry.get("key")
    return CatalogRule(
        source="|".join(_FRAGMENT.sub(expand, p) for p in patterns),
        rule=str(entry.get("rule") or entry.get("display") or key or ""),
        category=entry.get("category"),
        confidence=float(entry.get("confidence", default_confidence)),
        direction=cast("Direction | None", direction),
        key=key,
        display=entry.get("display") or key,
    )


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    fragments = {name: str(value) for name, value in raw.get("fragments", {}).items()}
    confidence = raw.get("confidence", {})
    merchant_confidence = float(confidence["merchant"])

    def tier(section: str) -> tuple[CatalogRule, ...]:
        return tuple(_rule(e, fragments, merchant_confidence) for e in _entries(raw, section))

    catalog = Catalog(
        issuer=tier("issuer"),
        brands=tier("brands"),
        merchants=tier("merchants"),
        fallback=tier("fallback"),
        merchant_confidence=merchant_confidence,
        merchant_text_confidence=float(confidence["merchant_text"]),
    )
    for brand in catalog.brands:
        if not brand.key or brand.key != brand.key.upper():
            raise CatalogError(f"{CATALOG_PATH.name}: brand {brand.rule!r} needs an upper-case key")
    for rule in (*catalog.issuer, *catalog.merchants, *catalog.fallback):
        if rule.category is None or not rule.rule:
            raise CatalogError(f"{CATALOG_PATH.name}: rule {rule.source[:40]!r} needs a rule and a category")
    return catalog


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog, read once per process."""
    return parse_catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))


def _named_alternation(rules: tuple[CatalogRule, ...], template: str) -> re.Pattern[str]:
    compiled = re.compile("|".join(f"(?P<r{n}>{template.format(r.source)})" for n, r in enumerate(rules)))
    if compiled.groups != len(rules):
        raise CatalogError(f"{CATALOG_PATH.name}: patterns must use (?:...) groups, not capturing ones")
    return compiled


def _picked(found: re.Match[str] | None, rules: tuple[CatalogRule, ...]) -> CatalogRule | None:
    if found is None or found.lastgroup is None:
        return None
    return rules[int(found.lastgroup[1:])]


class OrderedRules:
    """The first rule, in catalog order, that matches anywhere in a text.

    One regex per direction, `^(?:(?P<r0>.*?rule0)|(?P<r1>.*?rule1)|...)`, does what a Python
    loop over the rules would, without a call per rule.
    """

    def __init__(self, rules: tuple[CatalogRule, ...]) -> None:
        self._compiled = {direction: self._compile(rules, direction) for direction in ("in", "out")}

    @staticmethod
    def _compile(
        rules: tuple[CatalogRule, ...], direction: Direction
    ) -> tuple[re.Pattern[str], tuple[CatalogRule, ...]]:
        kept = tuple(r for r in rules if r.direction in (None, direction))
        return _named_alternation(kept, "^.*?" + _LEFT + "(?:{})" + _RIGHT), kept

    def first(self, text: str, direction: Direction) -> CatalogRule | None:
        pattern, rules = self._compiled[direction]
        return _picked(pattern.match(text), rules)


class BrandMatcher:
    """The first brand, in catalog order, whose pattern starts the text (a whole word)."""

    def __init__(self, brands: tuple[CatalogRule, ...]) -> None:
        self.brands = brands
        self._pattern = _named_alternation(brands, "(?:{})" + _RIGHT)

    def at_start(self, text: str) -> CatalogRule | None:
        return _picked(self._pattern.match(text), self.brands)


# -- the merchant index -----------------------------------------------------------------------
#
# Trying ~150 entries of up to ~150 alternatives one after another costs ~0.2 ms a row.
# Instead one regex, whose literal alternatives are folded into a prefix trie, finds the
# leftmost position where any entry matches; the first entry in catalog order that matches
# at that position names the merchant.


def top_level_alternatives(pattern: str) -> list[str]:
    """'A|B(?:C|D)' -> ['A', 'B(?:C|D)']."""
    depth, start, parts = 0, 0, []
    escaped = in_class = False
    for index, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return parts


_LITERAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &'/,:#!-")


def _literal_head(alternative: str) -> tuple[str, str]:
    """Split 'WHOLE ?FOODS' into its literal head 'WHOLE' and the regex tail ' ?FOODS'."""
    head: list[str] = []
    index = 0
    while index < len(alternative):
        ch = alternative[index]
        if ch == "\\" and index + 1 < len(alternative) and not alternative[index + 1].isalnum():
            literal, step = alternative[index + 1], 2
        elif ch in _LITERAL_CHARS:
            literal, step = ch, 1
        else:
            break
        following = alternative[index + step : index + step + 1]
        if following and following in "?*+{":
            break  # the quantifier applies to this character
        head.append(literal)
        index += step
    return "".join(head), alternative[index:]


def _trie(branches: list[tuple[str, str]]) -> str:
    groups: dict[str, list[tuple[str, str]]] = {}
    leaves: list[str] = []
    for head, tail in branches:
        if head:
            groups.setdefault(head[0], []).append((head[1:], tail))
        else:
            leaves.append(tail)
    parts = []
    for first, rest in groups.items():
        if len(rest) == 1:
            parts.append(re.escape(first + rest[0][0]) + rest[0][1])
        else:
            parts.append(f"{re.escape(first)}(?:{_trie(rest)})")
    parts.extend(leaves)
    return "|".join(parts)


class MerchantIndex:
    """The merchant at the leftmost position of a text where any entry matches.

    A prefix trie of all literal alternatives finds that position in one scan; then only the
    entries that can match there, those with an alternative whose literal head starts with
    the text's next two characters (or whose head is shorter), are tried in catalog order,
    and the first matching names the merchant. Each entry is compiled on its first try: one
    ordered alternation of all of them cost as much to compile as the trie (~45 ms of every
    run), while a statement touches a few dozen.
    """

    def __init__(self, rules: tuple[CatalogRule, ...]) -> None:
        self.rules = rules
        branches: list[tuple[str, str]] = []
        by_start: dict[str, set[int]] = {}
        short: set[int] = set()  # an alternative with a head under two characters
        for index, rule in enumerate(rules):
            heads = [_literal_head(alt) for alt in top_level_alternatives(rule.source)]
            branches.extend(heads)
            for head, _tail in heads:
                if len(head) >= 2:
                    by_start.setdefault(head[:2], set()).add(index)
                else:
                    short.add(index)
        self._finder = re.compile(f"{_LEFT}(?:{_trie(branches)}){_RIGHT}")
        if self._finder.groups:
            raise CatalogError(f"{CATALOG_PATH.name}: patterns must use (?:...) groups, not capturing ones")
        self._by_start = {start: tuple(sorted(found | short)) for start, found in by_start.items()}
        self._short = tuple(sorted(short))
        self._entry_patterns: dict[int, re.Pattern[str]] = {}

    def _entry(self, index: int) -> re.Pattern[str]:
        pattern = self._entry_patterns.get(index)
        if pattern is None:
            pattern = re.compile(f"(?:{self.rules[index].source}){_RIGHT}")
            self._entry_patterns[index] = pattern
        return pattern

    def lookup(self, text: str) -> CatalogRule | None:
        found = self._finder.search(text)
        if found is None:
            return None
        start = found.start()
        for index in self._by_start.get(text[start : start + 2], self._short):
            if self._entry(index).match(text, start):
                return self.rules[index]
        return None  # not reached: the finder is the union of the entries


# Each tier is compiled on its first use, once per process: keying needs only the brands,
# and a display name only the brands' table.


@lru_cache(maxsize=1)
def brand_matcher() -> BrandMatcher:
    return BrandMatcher(load_catalog().brands)


@lru_cache(maxsize=1)
def issuer_rules() -> OrderedRules:
    return OrderedRules(load_catalog().issuer)


@lru_cache(maxsize=1)
def merchant_index() -> MerchantIndex:
    return MerchantIndex(load_catalog().merchant_tier)


@lru_cache(maxsize=1)
def fallback_rules() -> OrderedRules:
    return OrderedRules(load_catalog().fallback)


@lru_cache(maxsize=1)
def brand_displays() -> dict[str, str]:
    """Brand key -> the brand's own spelling, without compiling anything."""
    return {b.key: b.display or b.key for b in reversed(load_catalog().brands) if b.key}
