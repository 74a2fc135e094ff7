"""The merchant catalog is data read by one engine: lazily compiled, validated, one entry per brand."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from app.categorize.catalog import (
    CATALOG_PATH,
    CatalogError,
    CatalogRule,
    MerchantIndex,
    OrderedRules,
    load_catalog,
    parse_catalog,
    top_level_alternatives,
)
from app.categorize.merchant import display_name, merchant_key, merchant_name, normalize_description
from tests.conftest import REPO_ROOT


def _raw() -> dict[str, object]:
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_importing_the_categorizer_compiles_nothing() -> None:
    probe = (
        "import app.categorize.catalog as c\n"
        "from app.categorize.builtin_rules import builtin_category\n"
        "lazy = [c.load_catalog, c.brand_matcher, c.issuer_rules, c.merchant_index, c.fallback_rules]\n"
        "print(sum(f.cache_info().currsize for f in lazy))\n"
        "from app.categorize.merchant import merchant_key\n"
        "text = 'QUILLON ASHGROVE 1234'  # no rule knows it: every tier is tried\n"
        "builtin_category(text, merchant_key(text), 'out')\n"
        "print(sum(f.cache_info().currsize for f in lazy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["0", "5"]


def test_every_brand_has_one_entry_with_key_display_and_category() -> None:
    catalog = load_catalog()
    keys = [brand.key for brand in catalog.brands]
    assert len(keys) == len(set(keys)) >= 60
    for brand in catalog.brands:
        assert brand.key and brand.display
        assert merchant_key(brand.key) == brand.key  # a brand's key is its own key
        assert display_name(brand.key) == brand.display
    # Nothing about a brand is said twice: no merchant-kind entry is named after a brand.
    names = {brand.display for brand in catalog.brands}
    assert not names & {rule.rule for rule in catalog.merchants}


def test_a_brand_entry_keys_and_categorizes() -> None:
    from app.categorize.builtin_rules import builtin_category

    description = "AMZN Mktp US*2K4LM9"
    assert merchant_key(description) == "AMAZON MARKETPLACE"
    assert merchant_name(description) == "Amazon Marketplace"
    match = builtin_category(description, merchant_key(description), "out")
    assert match is not None and (match.category, match.rule) == (
        "Shopping",
        "known merchant: Amazon Marketplace",
    )


def test_fragments_are_expanded() -> None:
    card_payment = next(r for r in load_catalog().issuer if r.rule == "card payment line")
    assert "<card_issuers>" not in card_payment.source and "CAPITAL ONE" in card_payment.source


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["issuer"][0].update(patterns=[]), "needs a list of patterns"),
        (lambda raw: raw["issuer"][0].update(direction="sideways"), "direction"),
        (lambda raw: raw["issuer"][0]["patterns"].append("<no_such_fragment>"), "unknown fragment"),
        (lambda raw: raw["brands"][0].update(key="lower case"), "upper-case key"),
        (lambda raw: raw["merchants"][0].pop("category"), "needs a rule and a category"),
        (lambda raw: raw.update(fallback={}), "must be a list"),
    ],
)
def test_a_malformed_catalog_is_refused(change: object, message: str) -> None:
    raw = _raw()
    change(raw)  # type: ignore[operator]
    with pytest.raises(CatalogError, match=message):
        parse_catalog(raw)  # type: ignore[arg-type]


def test_a_capturing_group_is_refused_when_compiled() -> None:
    raw = _raw()
    raw["merchants"][0]["patterns"].append("(CAPTURED)")  # type: ignore[index]
    catalog = parse_catalog(raw)  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="capturing"):
        MerchantIndex(catalog.merchant_tier)
    with pytest.raises(CatalogError, match="capturing"):
        OrderedRules(catalog.merchants)


def _reference_lookup(compiled: list[tuple[CatalogRule, re.Pattern[str]]], text: str) -> CatalogRule | None:
    """The merchant index's meaning, the slow way: the leftmost position where any entry
    matches, then the first entry in catalog order matching there."""
    starts = [
        (found.start(), n) for n, (_rule, pattern) in enumerate(compiled) if (found := pattern.search(text))
    ]
    return compiled[min(starts)[1]][0] if starts else None


def _texts_seen_in_statements() -> list[str]:
    """Every cell of the repository's statements and fixtures, plus each catalog head alone,
    inside a line, and cut short: the cases the index's shortcuts must not change."""
    texts: set[str] = set()
    for path in [
        *(REPO_ROOT / "sample_data").glob("*.csv"),
        *(REPO_ROOT / "tests" / "fixtures").rglob("*.csv"),
    ]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            texts.update(normalize_description(cell) for cell in line.replace(";", ",").split(","))
    for rule in load_catalog().merchant_tier:
        for alternative in top_level_alternatives(rule.source):
            head = "".join(ch for ch in alternative if ch.isalnum() or ch == " ")[:12]
            texts.update({head, f"POS {head} 123", f"{head}X", head[:2]})
    return sorted(t for t in texts if t)


def test_the_merchant_index_finds_what_trying_every_entry_everywhere_finds() -> None:
    rules = load_catalog().merchant_tier
    index = MerchantIndex(rules)
    texts = _texts_seen_in_statements()
    assert len(texts) > 2_000
    compiled = [(rule, re.compile(f"(?<![A-Z0-9])(?:{rule.source})(?![A-Z0-9])")) for rule in rules]
    wrong = [t for t in texts if index.lookup(t) != _reference_lookup(compiled, t)]
    assert wrong == []
