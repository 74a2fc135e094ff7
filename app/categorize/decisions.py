"""The user's own decisions, used by the Review page and the CLI (`privfin correct`,
`accept`, `import-categories`): corrections, merchant-wide fixes, accepting, rules.

A decision by the user always wins: rows set by hand (source `user`) are never changed
by a model, a cache or a rule. A rule covers one merchant in one direction; it is
applied at once to the rows it covers (except rows set by hand) and, by the cascade's
first step, to every row imported later. Accepting a row marks its category reviewed
(confirmed by the user) without changing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.categorize.review_need import ledger_review_reasons
from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import load_taxonomy
from app.errors import UserFacingError
from app.models import CategorySource, Direction
from app.store import Rule, Store, TransactionFilter


class DecisionError(UserFacingError, ValueError):
    """A decision that cannot be applied (unknown category, transaction or rule)."""


def _check_category(store: Store, category: str) -> str:
    taxonomy = load_taxonomy(store)
    if category not in taxonomy.names:
        raise DecisionError(f"{category!r} is not a category; choose one of: {', '.join(taxonomy.names)}")
    return category


def resolve_category(store: Store, text: str) -> str:
    """A category the user typed: its exact name, or the one name it matches ignoring case."""
    taxonomy = load_taxonomy(store)
    wanted = " ".join(text.split())
    if wanted in taxonomy.names:
        return wanted
    same = [name for name in taxonomy.names if name.casefold() == wanted.casefold()]
    if len(same) == 1:
        return same[0]
    return _check_category(store, text)  # raises, naming the choices


def check_ids(store: Store, ids: Sequence[str]) -> list[str]:
    """The ids, each once, in order; a DecisionError names the first one no row has."""
    wanted = list(dict.fromkeys(ids))
    found = {t.id for t in store.get_transactions(wanted)} if wanted else set()
    for tid in wanted:
        if tid not in found:
            raise DecisionError(f"no transaction with id {tid!r}")
    return wanted


FILTERED_READ_MAX_IDS = 500
"""Up to this many ids are read with an `id IN (...)` query; more read the whole table
(SQLite caps the number of bound values)."""


def _categories_of(store: Store, ids: Sequence[str]) -> dict[str, str | None]:
    """The current category of each id (None: uncategorized); ids no row has are left out."""
    flt = TransactionFilter(ids=list(ids)) if len(ids) <= FILTERED_READ_MAX_IDS else None
    frame = store.transactions_frame(flt)
    return {
        str(tid): category if isinstance(category, str) else None
        for tid, category in zip(frame.index, frame["category"], strict=True)
    }


def _check_direction(direction: str | None) -> Direction | None:
    if direction not in ("in", "out", None):
        raise DecisionError(f"direction must be 'in', 'out' or None, not {direction!r}")
    return direction  # type: ignore[return-value]  # narrowed by the check above


def correct(store: Store, ids: Sequence[str], category: str) -> int:
    """The user sets these rows' category by hand (source user, reviewed). Returns rows changed."""
    _check_category(store, category)
    return store.set_user_category(list(ids), category)


@dataclass(frozen=True)
class MerchantCorrection:
    merchant_key: str
    direction: Direction
    changed: int  # rows now in the category as the user's (the corrected row included)
    spared: int  # other rows of the merchant the user had set by hand: left as they were


def correct_merchant(store: Store, transaction_id: str, category: str) -> MerchantCorrection:
    """The user sets this row's category and that of every row of its merchant (same
    direction) they have not set by hand themselves. Returns what changed."""
    _check_category(store, category)
    key, direction, _count = merchant_scope(store, transaction_id)
    rows = store.merchant_rows(key, direction) if key else []
    hand_set = {tid for tid, _category, source in rows if source == CategorySource.USER.value}
    ids = [transaction_id] + [tid for tid, *_ in rows if tid not in hand_set and tid != transaction_id]
    store.set_user_category(ids, category)
    return MerchantCorrection(key, direction, len(ids), len(hand_set - {transaction_id}))


def accept(store: Store, ids: Sequence[str]) -> int:
    """The user confirms these rows' categories (marks them reviewed). A row with no category
    has nothing to confirm: refused, so it stays in the review queue. Returns rows marked."""
    wanted = check_ids(store, ids)
    current = _categories_of(store, wanted)
    for tid in wanted:
        if current[tid] is None:
            raise DecisionError(f"transaction {tid!r} has no category to accept; set one with `correct`")
    return store.mark_reviewed(wanted)


@dataclass(frozen=True)
class AcceptAll:
    accepted: int
    uncategorized: int  # rows left in the queue: no category to confirm


def accept_all(store: Store) -> AcceptAll:
    """Confirm every row of the review queue that has a category (the Review page's "accept
    all shown", with no filter). Rows that need no review are left as they are: marking them
    would turn every confident guess into a label the learned model trains on."""
    fill_merchant_keys(store)  # the queue's "first sighting of a merchant" reads the keys
    frame = store.transactions_frame()
    queued = frame[ledger_review_reasons(store, frame) != ""]
    has_category = queued["category"].map(lambda value: isinstance(value, str)).to_numpy(dtype=bool)
    ids = [str(tid) for tid in queued.index[has_category]]
    return AcceptAll(store.mark_reviewed(ids) if ids else 0, int((~has_category).sum()))


def accept_categorized(store: Store, ids: Sequence[str]) -> AcceptAll:
    """Confirm the rows among `ids` that have a category (the Review page's bulk buttons). A row
    with no category has nothing to confirm: it stays in the queue, as `privfin accept` refuses it."""
    current = _categories_of(store, list(ids))
    categorized = [tid for tid in ids if current.get(tid) is not None]
    accepted = store.mark_reviewed(categorized) if categorized else 0
    return AcceptAll(accepted, len(ids) - len(categorized))


@dataclass(frozen=True)
class CategoryImport:
    changed: int  # rows set to the file's category as the user's
    unchanged: int  # rows whose category the file leaves as it is
    not_cleared: tuple[str, ...]  # ids the file marks uncategorized that have a category


def import_categories(store: Store, edited: Mapping[str, str | None]) -> CategoryImport:
    """Apply an edited export's categories (id -> category name, None for "Uncategorized")
    as the user's corrections, to the rows whose category they change. Every id and
    category is checked before anything is written: a bad file changes nothing."""
    names = {name: resolve_category(store, name) for name in set(edited.values()) if name is not None}
    resolved = {tid: (None if name is None else names[name]) for tid, name in edited.items()}
    current = _categories_of(store, list(resolved))
    unknown = next((tid for tid in resolved if tid not in current), None)
    if unknown is not None:
        raise DecisionError(f"no transaction with id {unknown!r}")
    by_category: dict[str, list[str]] = {}
    not_cleared: list[str] = []
    for tid, category in resolved.items():
        now = current[tid]
        if category == now:
            continue
        if category is None:
            not_cleared.append(tid)  # a category is never removed by a file: that would lose it
            continue
        by_category.setdefault(category, []).append(tid)
    changed = sum(store.set_user_category(ids, category) for category, ids in by_category.items())
    return CategoryImport(changed, len(resolved) - changed - len(not_cleared), tuple(not_cleared))


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
    """Set the user's category on every row of this merchant (and direction) that the user has
    not set by hand, as `correct_merchant` and `privfin correct --merchant` do: one hand-set
    row elsewhere is a decision of its own. Returns rows changed."""
    _check_category(store, category)
    if not merchant_key.strip():
        raise DecisionError("these rows name no merchant: correct them one by one")
    fill_merchant_keys(store)
    rows = store.merchant_rows(merchant_key, _check_direction(direction))
    ids = [tid for tid, current, source in rows if source != CategorySource.USER.value or current == category]
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
