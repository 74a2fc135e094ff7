"""Merchant keys kept in the store: computed for new rows, and recomputed when the key
algorithm changes, so grouping, the cache and the user's rules keep meaning the same merchant."""

from __future__ import annotations

from collections import Counter, defaultdict

from app.categorize.merchant import MERCHANT_KEY_VERSION, merchant_key
from app.store import Store

KEY_VERSION = "merchant_key_version"


def fill_merchant_keys(store: Store) -> int:
    """Key the rows imported since the last run (every row, after an algorithm change).

    Returns how many rows were keyed.
    """
    if store.get_meta(KEY_VERSION) != MERCHANT_KEY_VERSION:
        return _rekey_everything(store)
    missing = store.missing_merchant_keys()
    if missing:
        store.set_merchant_keys({tid: merchant_key(description) for tid, description in missing})
    return len(missing)


def _rekey_everything(store: Store) -> int:
    rows = store.merchant_key_rows()
    keys = {tid: merchant_key(description) for tid, description, _old in rows}
    destinations: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for tid, _description, old in rows:
        if old is not None:
            destinations[old][keys[tid]] += 1
    # A user's rule follows its merchant to the key most of that merchant's rows now have.
    rule_keys = {
        old: new for old, counts in destinations.items() if (new := counts.most_common(1)[0][0]) != old
    }
    store.replace_merchant_keys(keys, rule_keys, {KEY_VERSION: MERCHANT_KEY_VERSION})
    return len(keys)
