"""Merchant groups: the pending rows of one merchant in one direction, decided together.

Each group carries its own decision as the cascade settles it (`decision`), and the
built-in rules' weaker guess (`guess`) that stands when nothing better answers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from app.categorize.builtin_rules import BuiltinMatch, builtin_category
from app.categorize.review_need import BUILTIN_TRUSTED_CONFIDENCE
from app.categorize.taxonomy import Taxonomy
from app.models import CategorySource, Direction, Transaction
from app.money import round_to_cents
from app.store import CategoryUpdate, Store

if TYPE_CHECKING:  # imported where used: numpy loads only once the user has labeled something
    from app.categorize.learned import Example

NO_MERCHANT_GROUP = "#"  # + the row's id: the group of one row whose text names no merchant


@dataclass
class Decision:
    """What a row of a group is written with: its category (None: left for a person) and why."""

    category: str | None
    source: CategorySource | None
    confidence: float | None
    reason: str | None = None
    model: str | None = None
    second_opinion: str | None = None


def undecided(reason: str, model: str | None = None) -> Decision:
    return Decision(None, None, None, reason=reason, model=model)


def builtin_decision(builtin: BuiltinMatch) -> Decision:
    return Decision(
        builtin.category, CategorySource.BUILTIN, builtin.confidence, reason=f"built-in rule: {builtin.rule}"
    )


@dataclass(eq=False)  # identity: a group is one merchant's rows in this run, not a value
class MerchantGroup:
    """All pending rows of one merchant in one direction: decided together, asked about once."""

    merchant_key: str
    direction: Direction
    transactions: list[Transaction]
    builtin: BuiltinMatch | None = None
    asks: int = 0
    decision: Decision | None = None  # final: nothing later in the cascade changes it
    guess: Decision | None = None  # the built-in rules' weaker guess, kept unless the model answers
    sent_text: str | None = field(default=None, repr=False)  # see `sent_text.prompt_text`

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.transactions]

    @property
    def rows(self) -> int:
        return len(self.transactions)

    def names_no_merchant(self) -> bool:
        """A row keyed "" ("POS DEBIT", "Debitk.12 VISA Debit"): its text says how it was paid,
        not to whom, so a model could only guess; each such row is its own group."""
        return self.merchant_key.startswith(NO_MERCHANT_GROUP)

    def fallback(self, reason: str) -> Decision:
        """What the group keeps when nothing settled it: its guess, or no category and why."""
        return self.guess if self.guess is not None else undecided(reason)

    def typical_amount(self) -> float:
        amounts = [abs(t.amount) for t in self.transactions]
        return float(round_to_cents(Decimal(statistics.median(amounts))))

    def learned_example(self) -> Example:
        """What the learned model reads of this merchant: its first row, at its typical amount."""
        from app.categorize.learned import Example, merchant_text

        first = self.transactions[0]
        bank_categories = Counter(t.bank_category for t in self.transactions if t.bank_category)
        return Example(
            merchant=merchant_text(self.merchant_key, first.description),
            payee=first.payee,
            description=first.description,
            direction=self.direction,
            amount=Decimal(str(self.typical_amount())),
            bank_category=bank_categories.most_common(1)[0][0] if bank_categories else None,
        )

    def updates(self, decision: Decision) -> list[CategoryUpdate]:
        return [
            CategoryUpdate(
                transaction_id=tid,
                category=decision.category,
                source=decision.source,
                confidence=decision.confidence,
                reason=decision.reason,
                model=decision.model,
                second_opinion=decision.second_opinion,
            )
            for tid in self.ids
        ]


def _group_key(t: Transaction, key: str | None) -> tuple[str, Direction]:
    # A description with no usable merchant key stays on its own: grouping it would merge strangers.
    return (key or f"{NO_MERCHANT_GROUP}{t.id}", t.direction)


def pending_groups(store: Store) -> list[MerchantGroup]:
    """The rows no one has decided yet, grouped by merchant, the busiest merchants first
    (if the run is cut short, most rows are already done)."""
    groups: dict[tuple[str, Direction], MerchantGroup] = {}
    for t, key in store.pending_transactions():
        gkey = _group_key(t, key)
        group = groups.get(gkey)
        if group is None:
            groups[gkey] = MerchantGroup(merchant_key=gkey[0], direction=gkey[1], transactions=[t])
        else:
            group.transactions.append(t)
    return sorted(groups.values(), key=lambda g: (-g.rows, g.merchant_key))


def best_builtin(group: MerchantGroup, taxonomy: Taxonomy) -> BuiltinMatch | None:
    """The strongest built-in match over the group's rows, named in the user's taxonomy.

    Built-in rules speak the default taxonomy; a category the user renamed is mapped back,
    one they removed is no match at all.
    """
    best: BuiltinMatch | None = None
    for t in group.transactions:
        match = builtin_category(t.description, group.merchant_key, group.direction, t.bank_category, t.payee)
        if match is None or (best is not None and match.confidence <= best.confidence):
            continue
        category = match.category if match.category in taxonomy.names else taxonomy.match(match.category)
        if category is not None:
            best = BuiltinMatch(category, match.confidence, match.rule)
            if best.confidence >= BUILTIN_TRUSTED_CONFIDENCE:
                break  # rows of one merchant share the key: a trusted match will not be beaten
    return best
