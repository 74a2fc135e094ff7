"""The learned model: learns the user's categories, answers only where it earned it, else stays silent."""

from __future__ import annotations

import random
from decimal import Decimal

from app.categorize.learned import (
    MAX_CONFIDENCE,
    MIN_MERCHANTS_PER_CATEGORY,
    Example,
    LearnedModel,
)
from app.store import LabeledRow

# Invented merchant names, each with a word that says what it is.
KINDS = {"PHARMACY": "Health", "BAKERY": "Dining", "GARAGE": "Transport", "KENNEL": "Pets"}
SYLLABLES = ("zor", "quil", "varn", "brix", "tolv", "kend", "marro", "pelt", "snov", "frum", "glav")


def invented_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(2)).upper()


def labels(per_kind: int, seed: int = 3) -> list[LabeledRow]:
    rng = random.Random(seed)
    rows = []
    for kind, category in KINDS.items():
        for _ in range(per_kind):
            key = f"{invented_name(rng)} {kind}"
            for _repeat in range(2):
                amount = -Decimal(rng.randint(500, 9000)) / 100
                rows.append(LabeledRow(key, f"{key} #{rng.randint(1, 99)}", None, amount, None, category))
    return rows


def example(text: str, amount: str = "-23.00", bank_category: str | None = None) -> Example:
    return Example(text, None, text, "out", Decimal(amount), bank_category)


def test_it_learns_a_category_for_merchants_it_never_saw_and_names_its_examples() -> None:
    model = LearnedModel(labels(per_kind=12))
    assert model.answers
    guess = model.guess(example("QUORBLE PHARMACY"))
    assert guess is not None
    assert guess.category == "Health"
    assert 0.9 <= guess.confidence <= MAX_CONFIDENCE  # what its held-out answers earned, capped
    assert guess.examples and all(name.upper().endswith("PHARMACY") for name in guess.examples)
    assert guess.reason.startswith("learned from your categories: like ")


def test_it_stays_silent_without_enough_labels_per_category() -> None:
    few = labels(per_kind=MIN_MERCHANTS_PER_CATEGORY - 1)
    model = LearnedModel(few)
    assert model.categories == []
    assert not model.answers
    assert model.guess(example("QUORBLE PHARMACY")) is None


def test_a_category_with_too_few_merchants_is_never_answered() -> None:
    rows = labels(per_kind=12)
    rows += [
        LabeledRow(key, key, None, Decimal("-40.00"), None, "Gifts & Donations")
        for key in ("FLORIN ROSES", "FLORIN ROSES")  # one merchant only
    ]
    model = LearnedModel(rows)
    assert "Gifts & Donations" not in model.categories
    guess = model.guess(example("FLORIN ROSES"))
    assert guess is None or guess.category != "Gifts & Donations"


def test_labels_that_carry_no_signal_earn_no_answers() -> None:
    """Categories given at random, whatever the merchant: cross-validation finds nothing to trust."""
    rng = random.Random(5)
    categories = ("Dining", "Shopping", "Travel", "Health")
    rows = []
    for _ in range(120):
        key = f"{invented_name(rng)} {invented_name(rng)}"
        rows.append(LabeledRow(key, key, None, Decimal("-10.00"), None, rng.choice(categories)))
    model = LearnedModel(rows)
    assert not model.answers
    assert model.guess_many([example(r.description) for r in rows[:20]]) == [None] * 20


def test_the_bank_category_teaches_what_the_name_does_not() -> None:
    rng = random.Random(9)
    rows = []
    for bank, category in (("Gas", "Transport"), ("Restaurants", "Dining"), ("Travel", "Travel")):
        for _ in range(15):
            key = f"{invented_name(rng)} {invented_name(rng)}"  # nothing in the name
            rows.append(LabeledRow(key, key, None, Decimal("-30.00"), bank, category))
    model = LearnedModel(rows)
    guess = model.guess(example("WOBBLEFIZZ QUARN", bank_category="Restaurants"))
    assert guess is not None and guess.category == "Dining"


def test_one_category_is_nothing_to_choose_from() -> None:
    rows = [r for r in labels(per_kind=12) if r.category == "Health"]
    model = LearnedModel(rows)
    assert model.categories == ["Health"]
    assert not model.answers


def test_no_labels_at_all() -> None:
    model = LearnedModel([])
    assert not model.answers
    assert model.guess_many([]) == []
