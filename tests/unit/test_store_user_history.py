"""Store.user_history: merchants the user categorized by hand, all one way, per direction."""

from __future__ import annotations

from app.importer import import_files
from app.store import Store

STATEMENT = (
    b"Date,Description,Amount\n"
    b"2026-03-02,CORNER GROCER,-12.40\n"
    b"2026-03-09,CORNER GROCER,-8.10\n"
    b"2026-03-10,CORNER GROCER,3.00\n"
    b"2026-03-03,BLUE KETTLE,-4.50\n"
    b"2026-03-04,BLUE KETTLE,-5.50\n"
    b"2026-03-06,NORTH BOOKS,-20.00\n"
)


def _rows(store: Store) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for t in store.get_transactions():
        ids.setdefault(f"{t.description} {t.direction}", []).append(t.id)
    return ids


def test_only_merchants_set_by_hand_one_way_count(store: Store) -> None:
    import_files(store, [("march.csv", STATEMENT)], account="Checking", currency="USD")
    store.set_merchant_keys({t.id: t.description.lower() for t in store.get_transactions()})
    rows = _rows(store)
    store.set_user_category(rows["CORNER GROCER out"], "Groceries")
    store.set_user_category(rows["CORNER GROCER in"], "Refunds")
    kettle_one, kettle_two = rows["BLUE KETTLE out"]
    store.set_user_category([kettle_one], "Dining")
    store.set_user_category([kettle_two], "Coffee")  # two answers for one merchant: no history

    assert store.user_history() == {
        ("corner grocer", "out"): "Groceries",
        ("corner grocer", "in"): "Refunds",
    }
