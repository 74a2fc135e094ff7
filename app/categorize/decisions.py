"""The user's own decisions, used by the Review page: corrections, merchant-wide fixes, rules.

A decision by the user always wins: rows set by hand (source `user`) are never changed
by a model, a cache or a rule. A rule covers one merchant in one direction; it is
applied at once to the rows it covers (except rows set by hand) and, by the cascade's
first step, to every row imported later.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import load_taxonomy
from app.models import CategorySource, Direction
from app.store import Rule, Store, TransactionFilter


class DecisionError(ValueError):
    """A decision that cannot be applied (unknown category, transaction or rule)."""


def _check_category(store: Store, category: str) -> str:
    taxonomy = load_taxonomy(store)
    if category not in taxonomy.names:
        raise DecisionError(f"{category!r} is not a category; choose one of: {', '.join(taxonomy.names)}")
    return category


def _check_direction(direction: str | None) -> Direction | None:
    if direction not in ("in", "out", None):
        raise DecisionError(f"direction must be 'in', 'out' or None, not {direction!r}")
    return direction  # type: ignore[return-value]  # narrowed by the check above


def correct(store: Store, ids: Sequence[str], category: str) -> int:
    """The user sets these rows' category by hand (source user, reviewed). Returns rows changed."""
    _check_category(store, category)
    return store.set_user_category(list(ids), category)


def merchant_scope(store: Store, transaction_id: str) -> tuple[str, Direction, int]:
    """(merchant key, direction, number of rows of that merchant in that direction) for one row.

    A row whose text names no merchant ("POS DEBIT", a check without a number) has the key ""
    and a scope of itself alone: no other row is offered a fix or a rule along with it.
    """
    found = store.get_transactions([transaction_id])
    if not found:
        raise DecisionError(f"no transaction with id {transaction_id!r}")
    transaction = found[0]
    fill_merchant_keys(store)  # keys every row, including those imported since the last run
    key = str(store.transactions_frame(TransactionFilter(ids=[transaction_id]))["merchant_key"].iloc[0])
    direction = transaction.direction
    if not key:
        return "", direction, 1
    return key, direction, len(store.merchant_rows(key, direction))


def apply_to_merchant(store: Store, merchant_key: str, direction: str | None, category: str) -> int:
    """Set the user's category on every row of this merchant (and direction). Returns rows changed."""
    _check_category(store, category)
    if not merchant_key.strip():
        raise DecisionError("these rows name no merchant: correct them one by one")
    fill_merchant_keys(store)
    ids = [tid for tid, _category, _source in store.merchant_rows(merchant_key, _check_direction(direction))]
    return store.set_user_category(ids, category) if ids else 0


def preview_rule(store: Store, merchant_key: str, direction: str | None, category: str) -> int:
    """How many existing rows a rule would change: this merchant's rows not set by the user
    by hand and not already in `category`."""
    if not merchant_key.strip():
        return 0
    fill_merchant_keys(store)
    return sum(
        1
        for _tid, current, source in store.merchant_rows(merchant_key, _check_direction(direction))
        if source != CategorySource.USER.value and current != category
    )


def create_rule(store: Store, merchant_key: str, direction: str | None, category: str) -> int:
    """Store the rule and apply it to existing rows (source rule), never to rows set by hand.

    Returns how many rows changed category (what `preview_rule` announced).
    """
    _check_category(store, category)
    checked = _check_direction(direction)
    if not merchant_key.strip():
        raise DecisionError("a rule needs a merchant")
    fill_merchant_keys(store)
    store.add_rule(merchant_key, category, checked)
    return store.apply_rule_rows(merchant_key, checked, category)


def rules(store: Store) -> list[Rule]:
    return store.rules()


def remove_rule(store: Store, rule_id: int) -> int:
    """Delete a rule; the rows it had set go back to the cascade on the next run.

    Returns how many rows were released (their category stays until then).
    """
    rule = next((r for r in store.rules() if r.id == rule_id), None)
    if rule is None:
        raise DecisionError(f"no rule with id {rule_id}")
    store.delete_rule(rule_id)
    return store.release_rule_rows(rule.merchant_key, rule.direction)
