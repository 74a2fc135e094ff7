"""The one definition of money in or out: SQL (over the stored integers) and Python agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app import money
from app.models import direction_of
from app.money import MAX_MINOR
from app.store import Store
from tests.support.extreme_ledgers import store_rows

D = Decimal
# Zero, the smallest unit, the largest the store holds, in currencies of every exponent.
EDGES = [
    (D("0"), "USD"),
    (D("-0.00"), "USD"),
    (D("0.01"), "USD"),
    (D("-0.01"), "USD"),
    (D("0"), "JPY"),
    (D("1"), "JPY"),
    (D("-1"), "JPY"),
    (D("0.001"), "BHD"),
    (D("-0.001"), "BHD"),
    (D("0.0001"), "CLF"),
    (D("-0.0001"), "CLF"),
    (money.from_minor(MAX_MINOR, "USD"), "USD"),
    (money.from_minor(-MAX_MINOR, "USD"), "USD"),
    (money.from_minor(MAX_MINOR, "JPY"), "JPY"),
    (money.from_minor(-MAX_MINOR, "CLF"), "CLF"),
]


def test_sql_and_python_split_money_in_and_out_alike(store: Store) -> None:
    ids = store_rows(
        store,
        [(dt.date(2024, 3, 1 + n), f"EDGE {n}", amount, code) for n, (amount, code) in enumerate(EDGES)],
    )
    in_python = {tid: direction_of(amount) for tid, (amount, _code) in zip(ids, EDGES, strict=True)}
    assert store.directions() == in_python
    assert sorted(in_python.values()).count("in") == 6  # 0.01, 1, 0.001, 0.0001 and the two largest
    for tid, (amount, code) in zip(ids, EDGES, strict=True):
        assert money.direction(money.to_minor(amount, code)) == in_python[tid]
    # The queries that filter by direction use the same rule.
    store.set_merchant_keys(dict.fromkeys(ids, "edge"))
    into = {tid for tid, *_ in store.merchant_rows("edge", "in")}
    out = {tid for tid, *_ in store.merchant_rows("edge", "out")}
    assert into == {tid for tid, way in in_python.items() if way == "in"}
    assert out == {tid for tid, way in in_python.items() if way == "out"}
