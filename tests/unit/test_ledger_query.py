"""app/ledger_query.py: the filters Insights, Export and `privfin export` share."""

from __future__ import annotations

import datetime as dt

from app.ledger_query import ledger_query

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_a_period_compares_with_the_one_just_before_it_over_the_same_scope() -> None:
    query = ledger_query(["Checking"], ["Groceries"], MARCH)

    assert (query.current.date_from, query.current.date_to) == MARCH
    assert query.previous is not None
    assert query.previous.date_to == MARCH[0] - dt.timedelta(days=1)
    assert query.previous.date_from is not None and query.previous.date_from < MARCH[0]
    for flt in (query.current, query.previous):
        assert (list(flt.accounts), list(flt.categories)) == (["Checking"], ["Groceries"])


def test_no_comparison_for_all_dates_or_when_turned_off() -> None:
    everything = ledger_query([], [], None)
    assert everything.previous is None
    assert (everything.current.date_from, everything.current.date_to) == (None, None)
    assert ledger_query([], [], MARCH, compare=False).previous is None
