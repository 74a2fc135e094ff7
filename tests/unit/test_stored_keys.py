"""Stored merchant keys follow the key algorithm: new rows get keys, an upgrade re-keys all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.categorize.merchant import MERCHANT_KEY_VERSION, merchant_key
from app.categorize.pipeline import categorize_pending
from app.categorize.stored_keys import KEY_VERSION, fill_merchant_keys
from app.ids import identity_key, occurrence_ids
from app.models import RowSource, Transaction
from app.settings import Settings
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


OLD_STORE_ROWS = [
    "Direct Debit 112233 MEDIBANK PRIVATE 44556677",
    "Direct Debit 223344 OPTUS BILLING 99887766",
    "Direct Debit 334455 AGL SALES PTY LTD 11223344",
    "POS Debit - Visa Check Card 4412 -",
]


def _store_rows(store: Store, descriptions: list[str], sha: str, start_day: int) -> list[Transaction]:
    keys = [
        identity_key("Checking", dt.date(2026, 4, start_day + n), Decimal("-50.00"), "AUD", d)
        for n, d in enumerate(descriptions)
    ]
    txs = [
        Transaction(
            id=tid,
            account="Checking",
            date=dt.date(2026, 4, start_day + n),
            description=d,
            amount=Decimal("-50.00"),
            currency="AUD",
            source=RowSource(file_sha256=sha, row=n + 2),
        )
        for n, (tid, d) in enumerate(zip(occurrence_ids(keys), descriptions, strict=True))
    ]
    store.commit_import(ImportRecord(sha, f"{sha[:4]}.csv", None, "Checking", len(txs)), txs)
    return txs


def test_an_old_stores_corrections_survive_the_key_change(store: Store, settings: Settings) -> None:
    txs = _store_rows(store, OLD_STORE_ROWS, "b" * 64, 1)
    # As version 1 left it: every direct debit and the bare card line were one merchant...
    store.set_merchant_keys({t.id: "DIRECT DEBIT" for t in txs})
    store.set_meta(KEY_VERSION, "1")
    # ...and the user made a rule for it, then set one row by hand (what the Review page's
    # decisions did then, before any re-keying).
    store.add_rule("DIRECT DEBIT", "Insurance", "out")
    store.apply_rule_rows("DIRECT DEBIT", "out", "Insurance")
    store.set_user_category([txs[1].id], "Utilities")

    fill_merchant_keys(store)

    frame = store.transactions_frame()
    keys = [frame.loc[t.id, "merchant_key"] for t in txs]
    assert keys == ["MEDIBANK PRIVATE", "OPTUS BILLING", "AGL SALES", ""]
    # The rule still covers every merchant it covered, in its direction.
    rules = {(r.merchant_key, r.direction): r.category for r in store.rules()}
    assert rules == {(key, "out"): "Insurance" for key in keys[:3]}
    # Every row keeps what the user decided: the hand-set row and the rows the rule set.
    assert [(frame.loc[t.id, "category"], frame.loc[t.id, "category_source"]) for t in txs] == [
        ("Insurance", "rule"),
        ("Utilities", "user"),
        ("Insurance", "rule"),
        ("Insurance", "rule"),
    ]
    # A later statement's rows of those merchants get the rule offline, as they would have.
    later = _store_rows(store, [OLD_STORE_ROWS[0].replace("44556677", "44559911")], "c" * 64, 20)
    categorize_pending(store, settings.model_copy(update={"offline": True}))
    assert store.transactions_frame().loc[later[0].id, "category"] == "Insurance"
    assert fill_merchant_keys(store) == 0


def test_a_rule_is_not_copied_over_one_the_user_already_has(store: Store) -> None:
    txs = _store_rows(store, OLD_STORE_ROWS[:2], "d" * 64, 1)
    store.set_merchant_keys({t.id: "DIRECT DEBIT" for t in txs})
    store.set_meta(KEY_VERSION, "1")
    store.add_rule("DIRECT DEBIT", "Insurance", "out")
    store.add_rule("OPTUS BILLING", "Utilities", "out")  # the user's own, newer decision
    fill_merchant_keys(store)
    rules = {(r.merchant_key, r.direction): r.category for r in store.rules()}
    assert rules[("OPTUS BILLING", "out")] == "Utilities"
    assert rules[("MEDIBANK PRIVATE", "out")] == "Insurance"
