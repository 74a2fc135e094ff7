"""The default taxonomy, mapping free-text answers onto it, edits and persistence."""

from __future__ import annotations

import re

import pytest

from app.categorize.taxonomy import (
    DEFAULT_TAXONOMY,
    FEES,
    INCOME,
    LABELING_RULES,
    OTHER,
    TRANSFERS,
    Category,
    Taxonomy,
    load_taxonomy,
    remove_category,
    rename_category,
    save_taxonomy,
)
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store, TaxonomyRow

DEFAULT_NAMES = (
    "Groceries",
    "Dining",
    "Transport",
    "Travel",
    "Shopping",
    "Subscriptions",
    "Utilities",
    "Housing",
    "Health",
    "Personal Care",
    "Entertainment",
    "Education & Childcare",
    "Pets",
    "Insurance",
    "Gifts & Donations",
    "Taxes & Government",
    "Fees & Interest",
    "Loan Payments",
    "Income",
    "Transfers & Card Payments",
    "Other",
)


def test_default_taxonomy_is_taxonomy_md_a1_in_order() -> None:
    assert DEFAULT_TAXONOMY.names == DEFAULT_NAMES
    assert (TRANSFERS, INCOME, FEES, OTHER) == (
        "Transfers & Card Payments",
        "Income",
        "Fees & Interest",
        "Other",
    )


def test_default_kinds_keep_money_movement_out_of_spending() -> None:
    kinds = {c.name: c.kind for c in DEFAULT_TAXONOMY.categories}
    assert kinds.pop(INCOME) == "income"
    assert kinds.pop(TRANSFERS) == "transfer"
    assert set(kinds.values()) == {"spend"}


def test_every_default_category_has_a_one_line_description() -> None:
    for category in DEFAULT_TAXONOMY.categories:
        assert category.description.strip()
        assert "\n" not in category.description
        assert len(category.description) <= 110


def test_prompt_block_lists_every_category_once() -> None:
    lines = DEFAULT_TAXONOMY.prompt_block().splitlines()
    assert len(lines) == 21
    assert lines[0].startswith("- Groceries: Supermarkets")
    assert [line[2:].split(":", 1)[0] for line in lines] == list(DEFAULT_NAMES)


def test_prompt_text_fits_a_small_context() -> None:
    # A 2,048-token context must hold the system prompt and a batch: at ~4 characters a
    # token, categories plus rules stay under ~800 tokens.
    assert len(DEFAULT_TAXONOMY.prompt_block()) + len(LABELING_RULES) < 3200


def test_labeling_rules_carry_the_a2_splits() -> None:
    lines = LABELING_RULES.splitlines()
    assert all(line.startswith("- ") for line in lines)
    for needle in (
        "Refunds keep",
        "Costco",
        "Costco Gas",
        "Convenience",
        "Pharmacies = Health",
        "Prime Video",
        "APPLE.COM/BILL",
        "Uber Eats = Dining",
        "Gyms = Personal Care",
        "BNPL",
    ):
        assert needle in LABELING_RULES
    # every "= Category" names a real default category
    targets = re.findall(r"= ([^.=]+)", LABELING_RULES)
    assert len(targets) >= 20
    for target in targets:
        assert any(target.startswith(name) for name in DEFAULT_NAMES), target


def test_version_is_short_hex_and_follows_edits() -> None:
    version = DEFAULT_TAXONOMY.version
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert Taxonomy(DEFAULT_TAXONOMY.categories).version == version
    assert DEFAULT_TAXONOMY.with_added("Kids", "Toys and clothes for the kids").version != version
    assert DEFAULT_TAXONOMY.with_renamed("Dining", "Eating Out").version != version
    edited = Taxonomy(
        tuple(
            Category(c.name, c.description + " (edited)", c.kind) if c.name == "Pets" else c
            for c in DEFAULT_TAXONOMY.categories
        )
    )
    assert edited.version != version


def test_get() -> None:
    assert DEFAULT_TAXONOMY.get("Pets") == Category("Pets", DEFAULT_TAXONOMY.categories[12].description)
    assert DEFAULT_TAXONOMY.get("pets") is None


# -- match -----------------------------------------------------------------------------------

MATCH_CASES = [
    # exact and formatting noise
    ("Dining", "Dining"),
    ("dining", "Dining"),
    ("  DINING  ", "Dining"),
    ("**Dining**", "Dining"),
    ('"Groceries"', "Groceries"),
    ("Category: Travel", "Travel"),
    ("Travel.", "Travel"),
    ("Fees & Interest", FEES),
    ("fees and interest", FEES),
    ("Interest & Fees", FEES),
    ("Transfers and Card Payments", TRANSFERS),
    ("transfers & card payment", TRANSFERS),
    ("Education and Childcare", "Education & Childcare"),
    ("Gifts and Donations", "Gifts & Donations"),
    ("Personal-Care", "Personal Care"),
    ("personal_care", "Personal Care"),
    ("Others", OTHER),
    # synonyms and near-misses from the brief
    ("Food & Dining", "Dining"),
    ("Restaurants", "Dining"),
    ("Gas", "Transport"),
    ("Groceries & Food", "Groceries"),
    ("Bills & Utilities", "Utilities"),
    ("Transfer", TRANSFERS),
    ("Fees", FEES),
    ("Subscription", "Subscriptions"),
    ("Grocery", "Groceries"),
    ("Dining Out", "Dining"),
    ("Coffee Shops", "Dining"),
    ("Fast Food", "Dining"),
    ("Gas & Fuel", "Transport"),
    ("Transportation", "Transport"),
    ("Ride Share", "Transport"),
    ("Auto & Transport", "Transport"),
    ("Air Travel", "Travel"),
    ("Hotel", "Travel"),
    ("Streaming", "Subscriptions"),
    ("Mortgage & Rent", "Housing"),
    ("Home Improvement", "Housing"),
    ("Medical", "Health"),
    ("Pharmacy", "Health"),
    ("Gym", "Personal Care"),
    ("Health & Fitness", "Health"),
    ("Health Insurance", "Insurance"),
    ("Auto Insurance", "Insurance"),
    ("Rental Income", INCOME),
    ("Paycheck", INCOME),
    ("Credit Card Payment", TRANSFERS),
    ("Card Payments", TRANSFERS),
    ("Cash & ATM", TRANSFERS),
    ("Taxes", "Taxes & Government"),
    ("Federal Tax", "Taxes & Government"),
    ("Education", "Education & Childcare"),
    ("Loans", "Loan Payments"),
    ("Student Loan", "Loan Payments"),
    ("Charity", "Gifts & Donations"),
    ("Pet Food & Supplies", "Pets"),
    ("Miscellaneous", OTHER),
    # Mint top levels (docs/taxonomy.md B.2)
    ("Bills & Utilities", "Utilities"),
    ("Business Services", OTHER),
    ("Fees & Charges", FEES),
    ("Financial", OTHER),
    ("Gifts & Donations", "Gifts & Donations"),
    ("Home", "Housing"),
    ("Investments", TRANSFERS),
    ("Kids", "Education & Childcare"),
    ("Misc Expenses", OTHER),
    ("Shopping", "Shopping"),
    # bank category columns: Chase, Capital One, Discover, Apple Card, Amex, Monzo
    ("Food & Drink", "Dining"),
    ("Health & Wellness", "Health"),
    ("Merchandise", "Shopping"),
    ("Gas/Automotive", "Transport"),
    ("Phone/Cable", "Utilities"),
    ("Other Travel", "Travel"),
    ("Airfare", "Travel"),
    ("Lodging", "Travel"),
    ("Car Rental", "Travel"),
    ("Supermarkets", "Groceries"),
    ("Gasoline", "Transport"),
    ("Travel/ Entertainment", "Travel"),
    ("Awards and Rebate Credits", INCOME),
    ("Warehouse Clubs", "Groceries"),
    ("Restaurant-Restaurant", "Dining"),
    ("Merchandise & Supplies-Groceries", "Groceries"),
    ("eating_out", "Dining"),
    ("holidays", "Travel"),
    ("bills", "Utilities"),
    # Plaid personal finance categories
    ("FOOD_AND_DRINK", "Dining"),
    ("FOOD_AND_DRINK_GROCERIES", "Groceries"),
    ("GENERAL_MERCHANDISE", "Shopping"),
    ("GENERAL_MERCHANDISE_CONVENIENCE_STORES", "Groceries"),
    ("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "Transport"),
    ("RENT_AND_UTILITIES", "Utilities"),
    ("RENT_AND_UTILITIES_RENT", "Housing"),
    ("LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", TRANSFERS),
    ("LOAN_PAYMENTS_MORTGAGE_PAYMENT", "Housing"),
    ("LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT", "Loan Payments"),
    ("ENTERTAINMENT_TV_AND_MOVIES", "Subscriptions"),
    ("GOVERNMENT_AND_NON_PROFIT", "Taxes & Government"),
    ("GOVERNMENT_AND_NON_PROFIT_DONATIONS", "Gifts & Donations"),
    ("MEDICAL_VETERINARY_SERVICES", "Pets"),
    ("BANK_FEES_OVERDRAFT_FEES", FEES),
    ("TRANSFER_IN_DEPOSIT", TRANSFERS),
    ("LOAN_DISBURSEMENTS_PERSONAL", TRANSFERS),
    ("INCOME_WAGES", INCOME),
    ("OTHER_OTHER", OTHER),
    # typos
    ("Groceris", "Groceries"),
    ("Entertainmnet", "Entertainment"),
    ("Transprt", "Transport"),
    ("Resturants", "Dining"),
    ("Subscriptons", "Subscriptions"),
    # nothing confident
    (None, None),
    ("", None),
    ("null", None),
    ("NULL", None),
    ("None", None),
    ("unknown", None),
    ("Uncategorized", None),
    ("uncategorised", None),
    ("N/A", None),
    ("not sure", None),
    ("Not Income", None),
    ("maybe Dining", None),
    ("Shopping & Groceries", None),
    ("Payment/Credit", None),
    ("Credit", None),
    ("Check", None),
    ("Returned Purchase", None),
    ("Uber", None),
    ("Cryptozoology", None),
    ("The transaction looks like a purchase at a grocery store, so the answer is Groceries", None),
    (42, None),
    (["Dining"], None),
    ({"category": "Dining"}, None),
]


@pytest.mark.parametrize(("answer", "expected"), MATCH_CASES, ids=[repr(a) for a, _ in MATCH_CASES])
def test_match(answer: object, expected: str | None) -> None:
    assert DEFAULT_TAXONOMY.match(answer) == expected


def test_match_only_returns_names_of_the_taxonomy_at_hand() -> None:
    without_dining = DEFAULT_TAXONOMY.with_removed("Dining")
    assert without_dining.match("Restaurants") is None
    assert without_dining.match("Dining") is None
    assert without_dining.match("FOOD_AND_DRINK") is None
    renamed = DEFAULT_TAXONOMY.with_renamed("Dining", "Eating Out")
    assert renamed.match("eating out") == "Eating Out"
    assert renamed.match("Eating-Out!") == "Eating Out"


def test_match_prefers_a_users_own_category_over_a_synonym() -> None:
    custom = DEFAULT_TAXONOMY.with_added("Coffee", "Coffee shops and beans")
    assert custom.match("coffee") == "Coffee"
    assert custom.match("Coffee Shops") == "Dining"  # still a known synonym of Dining
    assert custom.match("Cofee") == "Coffee"


def test_match_works_for_a_custom_taxonomy() -> None:
    taxonomy = Taxonomy(
        (
            Category("Food", "Anything edible"),
            Category("Kids & School", "Children"),
            Category("Salary", "Pay", "income"),
            Category("Moving money", "Transfers", "transfer"),
        )
    )
    assert taxonomy.match("food") == "Food"
    assert taxonomy.match("Kids and School") == "Kids & School"
    assert taxonomy.match("School") == "Kids & School"
    assert taxonomy.match("salary") == "Salary"
    assert taxonomy.match("Restaurants") is None  # Dining is not in this taxonomy
    assert taxonomy.match("moving money") == "Moving money"


def test_names_in_other_scripts_are_distinct_and_matchable() -> None:
    taxonomy = Taxonomy((Category("Еда", "продукты"), Category("Транспорт", "метро"), Category("食費", "")))
    assert taxonomy.match("еда") == "Еда"
    assert taxonomy.match("ТРАНСПОРТ") == "Транспорт"
    assert taxonomy.match("食費") == "食費"
    assert taxonomy.match("Groceries") is None
    with pytest.raises(ValueError, match="unique"):
        taxonomy.with_added("ЕДА", "again")


# -- edits -------------------------------------------------------------------------------------


def test_with_added_appends_and_validates() -> None:
    added = DEFAULT_TAXONOMY.with_added("  Kids ", "Toys,   clothes ", "spend")
    assert added.names[-1] == "Kids"
    assert added.get("Kids") == Category("Kids", "Toys, clothes", "spend")
    assert DEFAULT_TAXONOMY.names == DEFAULT_NAMES  # immutable
    with pytest.raises(ValueError, match="unique"):
        DEFAULT_TAXONOMY.with_added("dining", "again")
    with pytest.raises(ValueError, match="unique"):
        DEFAULT_TAXONOMY.with_added("Gifts and Donations", "again")
    with pytest.raises(ValueError, match="empty"):
        DEFAULT_TAXONOMY.with_added("   ", "blank")
    with pytest.raises(ValueError, match="reserved"):
        DEFAULT_TAXONOMY.with_added("Uncategorized", "no")
    with pytest.raises(ValueError, match="kind"):
        DEFAULT_TAXONOMY.with_added("Refunds", "x", "refund")  # type: ignore[arg-type]


def test_with_renamed_keeps_position_description_and_kind() -> None:
    renamed = DEFAULT_TAXONOMY.with_renamed(INCOME, "Earnings")
    position = DEFAULT_NAMES.index(INCOME)
    assert renamed.categories[position] == Category(
        "Earnings", DEFAULT_TAXONOMY.categories[position].description, "income", aliases=(INCOME,)
    )
    assert DEFAULT_TAXONOMY.with_renamed("Dining", "dining").names[1] == "dining"
    with pytest.raises(ValueError, match="no category named"):
        DEFAULT_TAXONOMY.with_renamed("Food", "Eating")
    with pytest.raises(ValueError, match="unique"):
        DEFAULT_TAXONOMY.with_renamed("Dining", "Groceries")
    with pytest.raises(ValueError, match="empty"):
        DEFAULT_TAXONOMY.with_renamed("Dining", "")


def test_with_removed_cannot_remove_the_last_category() -> None:
    removed = DEFAULT_TAXONOMY.with_removed("Pets")
    assert "Pets" not in removed.names and len(removed.names) == 20
    with pytest.raises(ValueError, match="no category named"):
        removed.with_removed("Pets")
    single = Taxonomy((Category("Everything", "all of it"),))
    with pytest.raises(ValueError, match="last category"):
        single.with_removed("Everything")
    with pytest.raises(ValueError, match="at least one"):
        Taxonomy(())


# -- persistence ---------------------------------------------------------------------------------


def _transaction(n: int, description: str) -> Transaction:
    import datetime as dt
    from decimal import Decimal

    return Transaction(
        id=f"t{n}",
        account="card",
        date=dt.date(2024, 3, n),
        description=description,
        amount=Decimal("-9.99"),
        currency="USD",
        source=RowSource(file_sha256="f" * 64, row=n),
    )


def _seed(store: Store) -> None:
    transactions = [
        _transaction(1, "NETFLIX.COM"),
        _transaction(2, "CHIPOTLE 123"),
        _transaction(3, "CHIPOTLE 9"),
    ]
    store.commit_import(
        ImportRecord(file_sha256="f" * 64, file_name="x.csv", profile=None, account="card", rows_read=3),
        transactions,
    )
    store.apply_category_updates(
        [
            CategoryUpdate("t1", "Subscriptions", CategorySource.BUILTIN, 0.9),
            CategoryUpdate("t2", "Dining", CategorySource.BUILTIN, 0.9),
            CategoryUpdate("t3", "Dining", CategorySource.MODEL, 0.8),
        ]
    )


def test_load_taxonomy_defaults_when_nothing_saved(store: Store) -> None:
    assert load_taxonomy(store) == DEFAULT_TAXONOMY


def test_save_and_load_round_trip(store: Store) -> None:
    custom = DEFAULT_TAXONOMY.with_added("Kids", "Toys", "spend").with_removed("Pets")
    save_taxonomy(store, custom)
    assert load_taxonomy(store) == custom
    assert load_taxonomy(store).version == custom.version


def test_load_taxonomy_names_a_corrupt_row(store: Store) -> None:
    store.put_taxonomy([TaxonomyRow("Dining", "Restaurants", "spend"), TaxonomyRow("Weird", "?", "refund")])
    with pytest.raises(ValueError, match=r"row 2 \('Weird'\) has unknown kind 'refund'"):
        load_taxonomy(store)


def test_rename_category_moves_rows(store: Store) -> None:
    _seed(store)
    renamed, moved = rename_category(store, DEFAULT_TAXONOMY, "Dining", "Eating Out")
    assert moved == 2
    assert "Eating Out" in renamed.names and "Dining" not in renamed.names
    assert load_taxonomy(store) == renamed
    assert store.category_counts()["Eating Out"] == 2


def test_rename_to_an_existing_name_changes_nothing(store: Store) -> None:
    _seed(store)
    with pytest.raises(ValueError, match="unique"):
        rename_category(store, DEFAULT_TAXONOMY, "Dining", "Groceries")
    assert store.category_counts()["Dining"] == 2
    assert load_taxonomy(store) == DEFAULT_TAXONOMY


def test_remove_category_sends_rows_back_to_uncategorized(store: Store) -> None:
    _seed(store)
    remaining, cleared = remove_category(store, DEFAULT_TAXONOMY, "Dining")
    assert cleared == 2
    assert "Dining" not in remaining.names
    assert load_taxonomy(store) == remaining
    assert set(store.uncategorized_ids()) == {"t2", "t3"}


def test_a_renamed_category_still_answers_to_its_former_name(store) -> None:
    from app.categorize.builtin_rules import builtin_category
    from app.categorize.merchant import merchant_key
    from app.categorize.taxonomy import DEFAULT_TAXONOMY, load_taxonomy, rename_category

    renamed, _ = rename_category(store, DEFAULT_TAXONOMY, "Dining", "Eating Out")
    reloaded = load_taxonomy(store)
    assert reloaded == renamed
    assert reloaded.version == renamed.version
    match = builtin_category("STARBUCKS STORE 01234", merchant_key("STARBUCKS STORE 01234"), "out")
    assert match is not None and match.category == "Dining"
    assert reloaded.match(match.category) == "Eating Out"
    assert reloaded.match("Restaurants") == "Eating Out"  # synonyms of the old name follow it
    assert reloaded.match("Eating Out") == "Eating Out"
    twice, _ = rename_category(store, reloaded, "Eating Out", "Food Out")
    assert twice.match("Dining") == "Food Out" and twice.match("Eating Out") == "Food Out"
