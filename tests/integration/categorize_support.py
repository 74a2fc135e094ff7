"""Shared helpers for the categorization integration tests: statements, settings, store views.

Merchants come in two kinds: ones the built-in rules know (decided locally, never sent)
and invented ones only a model can place ("ZORBLAX DELI"); for the latter the stand-in
server's keyword classifier gives the expected answer.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.categorize.builtin_rules import builtin_category
from app.categorize.merchant import merchant_key, merchant_name
from app.categorize.taxonomy import DEFAULT_TAXONOMY
from app.settings import Settings
from app.store import Store
from tests.support.extreme_ledgers import store_rows
from tests.support.fake_parallax import FakeParallax, classify

_FIRST = ("ZOR", "QUIL", "VARN", "BRIX", "TOLV", "KEND", "MARRO", "PELT", "SNOV", "FRUM", "GLAV", "HOBB")
_SECOND = ("BLAX", "ONDA", "IKKO", "WELL", "STRAD", "UMBER", "OXLE", "ERVIN")
# Business words the stand-in's classifier reads; which of them the built-in rules also
# know changes as those rules grow, so the usable ones are picked when the tests run.
_WORDS = (
    "DELI",
    "BAGEL",
    "BURRITO",
    "WINE",
    "MOTEL",
    "FUEL",
    "TRANSIT",
    "ENERGY",
    "WATER",
    "INTERNET",
    "WIRELESS",
    "LANDLORD",
    "MEDICAL",
    "CONCERT",
    "SCHOOL",
    "BABYSITTER",
    "TEXTBOOK",
    "VET",
    "PET",
    "LICENSE",
    "COURT",
)
KNOWN = (
    "STARBUCKS STORE 1234 SEATTLE WA",
    "SHELL OIL 5744 AUSTIN TX",
    "NETFLIX.COM",
    "COSTCO WHSE #0481 AUSTIN TX",
)


@functools.cache
def _model_merchants() -> tuple[str, ...]:
    found: list[str] = []
    keys: set[str] = set()
    for n in range(len(_FIRST) * len(_SECOND) * 2):
        name = (
            f"{_FIRST[n % len(_FIRST)]}{_SECOND[(n // len(_FIRST)) % len(_SECOND)]} {_WORDS[n % len(_WORDS)]}"
        )
        key = merchant_key(name)
        if key in keys or builtin_category(name, key, "out") is not None:
            continue
        if classify(merchant_name(name), "out").category is None:
            continue
        keys.add(key)
        found.append(name)
    return tuple(found)


def model_merchant(n: int) -> str:
    """The n-th invented merchant: unknown to the built-in rules, placed by the fake's classifier."""
    return _model_merchants()[n]


def expected_model_category(description: str, direction: str = "out") -> str | None:
    return classify(merchant_name(description), direction).category


@dataclass(frozen=True)
class Row:
    description: str
    amount: str
    date: str = "2026-03-02"
    bank_category: str | None = None


def rows_for(merchants: list[str], *, repeats: int = 1, amount: str = "-12.34", month: int = 3) -> list[Row]:
    return [
        Row(name, amount, date=f"2026-{month:02d}-{1 + (r * 7 + n) % 27:02d}")
        for n, name in enumerate(merchants)
        for r in range(repeats)
    ]


def seed(store: Store, rows: list[Row], *, account: str = "Joint card", file_tag: str = "a") -> list[str]:
    """Store the rows as one imported file; returns their transaction ids in order."""
    return store_rows(
        store,
        [(dt.date.fromisoformat(r.date), r.description, Decimal(r.amount), "USD") for r in rows],
        account=account,
        file_tag=file_tag,
        profile=None,
        bank_categories=[r.bank_category for r in rows],
    )


def fake_settings(settings: Settings, fake: FakeParallax | str, **extra: Any) -> Settings:
    """Settings aimed at the stand-in with compressed backoff, so fault tests stay fast."""
    url = fake if isinstance(fake, str) else fake.base_url
    values: dict[str, Any] = {
        "endpoint_url": url,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "request_timeout_s": 5.0,
        "connect_timeout_s": 1.0,
    }
    return Settings(**(settings.model_dump() | values | extra))


@dataclass(frozen=True)
class RowState:
    category: str | None
    source: str | None
    confidence: float | None
    reason: str | None
    model: str | None


def state(store: Store) -> dict[str, RowState]:
    frame = store.transactions_frame()

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    return {
        row["id"]: RowState(
            text(row["category"]),
            text(row["category_source"]),
            None
            if row["confidence"] != row["confidence"] or row["confidence"] is None
            else float(row["confidence"]),
            text(row["category_reason"]),
            text(row["category_model"]),
        )
        for row in frame.to_dict("records")
    }


def assert_store_sound(store: Store, expected_ids: list[str]) -> None:
    """Nothing lost or duplicated; every category is in the taxonomy; every NULL says why."""
    rows = state(store)
    assert sorted(rows) == sorted(expected_ids)
    assert store.count_transactions() == len(expected_ids)
    for tid, row in rows.items():
        if row.category is None:
            assert row.reason, f"{tid} is uncategorized without a reason"
        else:
            assert row.category in DEFAULT_TAXONOMY.names, row
            assert row.source is not None


def items_sent(record: Any) -> list[dict[str, Any]]:
    """The JSON items of one recorded chat request."""
    import json

    return list(json.loads(record.body["messages"][-1]["content"]))
