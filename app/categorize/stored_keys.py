"""Merchant keys kept in the store: computed for new rows, and recomputed when the key
algorithm changes, so grouping, the cache and the user's rules keep meaning the same merchant."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from app.categorize.merchant import MERCHANT_KEY_VERSION, merchant_key
from app.store import MerchantKeyRow, Rule, Store

KEY_VERSION = "merchant_key_version"


def _keys(rows: Sequence[MerchantKeyRow]) -> dict[str, str]:
    # The payee too, not just the description: the key prefers the file's payee.
    return {row.id: merchant_key(row.description, row.payee) for row in rows}


def fill_merchant_keys(store: Store) -> int:
    """Key the rows imported since the last run (every row, after an algorithm change).

    Returns how many rows were keyed.
    """
    if store.get_meta(KEY_VERSION) != MERCHANT_KEY_VERSION:
        return _rekey_everything(store)
    missing = store.merchant_key_rows(missing_only=True)
    if missing:
        store.set_merchant_keys(_keys(missing))
    return len(missing)


def _rekey_everything(store: Store) -> int:
    rows = store.merchant_key_rows()
    keys = _keys(rows)
    # Where each old key's rows went, per direction: a rule covers one direction or both.
    destinations: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        if (old := row.merchant_key) and keys[row.id]:
            destinations[(old, row.direction)][keys[row.id]] += 1
    moved, copies = _rules_to_follow(store.rules(), destinations)
    # Copies first: if the run stops in between, the version is unchanged, the next run
    # re-keys again and finds the copies already in place.
    for key, category, direction in copies:
        store.add_rule(key, category, direction)
    store.replace_merchant_keys(keys, moved, {KEY_VERSION: MERCHANT_KEY_VERSION})
    return len(keys)


def _rules_to_follow(
    rules: Sequence[Rule], destinations: dict[tuple[str, str], Counter[str]]
) -> tuple[dict[str, str], list[tuple[str, str, str | None]]]:
    """A user's rule keeps covering the rows it covered, whatever their keys become.

    A rule moves to the key most of its merchant's rows now have (old key -> new key). When
    the old key lumped several merchants together ("DIRECT DEBIT" for Medibank, Optus and
    AGL), the rule is copied to each of the others (key, category, direction), except where
    the user already has a rule for that key. Rows with no key any more ("POS DEBIT") keep
    the category the rule gave them.
    """
    ranked: dict[int, list[str]] = {}
    for rule in rules:
        directions = ("in", "out") if rule.direction is None else (rule.direction,)
        counts: Counter[str] = Counter()
        for direction in directions:
            counts.update(destinations.get((rule.merchant_key, direction), Counter()))
        if counts:
            ranked[rule.id] = [key for key, _count in counts.most_common()]
    moved = {
        r.merchant_key: ranked[r.id][0] for r in rules if r.id in ranked and ranked[r.id][0] != r.merchant_key
    }
    taken = {(moved.get(r.merchant_key, r.merchant_key), r.direction) for r in rules}
    copies: list[tuple[str, str, str | None]] = []
    for rule in rules:
        for key in ranked.get(rule.id, [])[1:]:
            if (key, rule.direction) not in taken and key not in moved:
                taken.add((key, rule.direction))
                copies.append((key, rule.category, rule.direction))
    return moved, copies
