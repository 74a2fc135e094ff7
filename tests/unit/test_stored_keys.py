"""Stored merchant keys follow the key algorithm: new rows get keys, an upgrade re-keys all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.categorize.merchant import MERCHANT_KEY_VERSION, merchant_key
from app.categorize.stored_keys import KEY_VERSION, fill_merchant_keys
from app.ids import identity_key, occurrence_ids
from app.models import RowSource, Transaction
from app.store import ImportRecord, Store

DESCRIPTIONS = ["WHOLEFDS MKT #10234 AUSTIN TX", "WHOLEFDS MKT 10234", "SQ *BLUE BOTTLE COFFEE"]


def _import(store: Store) -> list[Transaction]:
    keys = [
        identity_key("Card", dt.date(2026, 3, n + 1), Decimal("-9.50"), "USD", d)
        for n, d in enumerate(DESCRIPTIONS)
    ]
    txs = [
        Transaction(
            id=tid,
            account="Card",
            date=dt.date(2026, 3, n + 1),
            description=d,
            amount=Decimal("-9.50"),
            currency="USD",
            source=RowSource(file_sha256="a" * 64, row=n + 2),
        )
        for n, (tid, d) in enumerate(zip(occurrence_ids(keys), DESCRIPTIONS, strict=True))
    ]
    store.commit_import(ImportRecord("a" * 64, "a.csv", None, "Card", len(txs)), txs)
    return txs


def test_new_rows_get_keys_and_the_version_is_recorded(store: Store) -> None:
    txs = _import(store)
    assert fill_merchant_keys(store) == 3
    frame = store.transactions_frame()
    assert [frame.loc[t.id, "merchant_key"] for t in txs] == [merchant_key(d) for d in DESCRIPTIONS]
    assert store.get_meta(KEY_VERSION) == MERCHANT_KEY_VERSION
    assert fill_merchant_keys(store) == 0  # nothing new, nothing recomputed


def test_an_algorithm_change_rekeys_every_row_and_moves_the_users_rules(store: Store) -> None:
    txs = _import(store)
    fill_merchant_keys(store)
    # As an older algorithm would have left it: other keys, and a rule on the old key.
    store.set_merchant_keys({txs[0].id: "WHOLEFDS MKT", txs[1].id: "WHOLEFDS MKT", txs[2].id: "BLUE BOTTLE"})
    store.add_rule("WHOLEFDS MKT", "Groceries", "out")
    store.add_rule("UNRELATED SHOP", "Shopping", "out")
    store.set_meta(KEY_VERSION, "0")

    assert fill_merchant_keys(store) == 3

    frame = store.transactions_frame()
    assert [frame.loc[t.id, "merchant_key"] for t in txs] == [merchant_key(d) for d in DESCRIPTIONS]
    rules = {(r.merchant_key, r.direction): r.category for r in store.rules()}
    assert rules == {
        (merchant_key(DESCRIPTIONS[0]), "out"): "Groceries",
        ("UNRELATED SHOP", "out"): "Shopping",
    }
    assert store.get_meta(KEY_VERSION) == MERCHANT_KEY_VERSION
