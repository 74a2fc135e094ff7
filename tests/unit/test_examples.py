"""The prompt's examples: the user's corrections nearest to the merchants asked about."""

from __future__ import annotations

from app.categorize.examples import relevant_corrections
from app.categorize.prompt import Correction

# Newest first, as the store gives them.
CORRECTIONS: list[Correction] = [
    ("QUORBLE CINEMA", "out", "Entertainment", "QUORBLE CINEMA 12"),
    ("VARNISH HARDWARE", "out", "Housing", "VARNISH HARDWARE"),
    ("PELTON PHARMACY", "out", "Health", "PELTON PHARMACY #4"),
    ("BRIXTON BAKERY", "out", "Dining", "BRIXTON BAKERY"),
    ("SNOVA PHARMACY", "out", "Health", "SNOVA PHARMACY"),
]


def test_the_nearest_corrections_come_first_then_the_most_recent() -> None:
    merchants = [("GLAVIN PHARMACY", 5), ("BRIXTON BAKERY CAFE", 2)]
    chosen = relevant_corrections(CORRECTIONS, merchants, limit=3)
    assert [c[0] for c in chosen] == ["PELTON PHARMACY", "BRIXTON BAKERY", "QUORBLE CINEMA"]


def test_without_anything_near_the_most_recent_are_kept() -> None:
    chosen = relevant_corrections(CORRECTIONS, [("ZZZZ", 1)], limit=2)
    assert chosen == CORRECTIONS[:2]


def test_limits() -> None:
    assert relevant_corrections(CORRECTIONS, [("SNOVA PHARMACY", 1)], limit=0) == []
    assert relevant_corrections([], [("SNOVA PHARMACY", 1)], limit=4) == []
    assert len(relevant_corrections(CORRECTIONS, [], limit=10)) == len(CORRECTIONS)
