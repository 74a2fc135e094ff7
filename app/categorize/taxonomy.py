"""The category list: the default taxonomy, user edits, and mapping free-text answers onto it.

A `Taxonomy` is an immutable, ordered tuple of categories. Edits return a new taxonomy;
`version` hashes the whole list so caches keyed on it expire when the user edits it.
`match` turns whatever a model (or a bank's category column) said into one of the
taxonomy's names, or None when it cannot do so confidently.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

from app.errors import UserFacingError
from app.models import UNCATEGORIZED
from app.store import Store, TaxonomyRow

CategoryKind = Literal["spend", "income", "transfer"]
CATEGORY_KINDS: tuple[CategoryKind, ...] = get_args(CategoryKind)

TRANSFERS = "Transfers & Card Payments"
INCOME = "Income"
FEES = "Fees & Interest"
OTHER = "Other"

MAX_NAME_LENGTH = 60


class TaxonomyError(UserFacingError, ValueError):
    """A category name, kind or change the list cannot take (an unknown or reserved name, the last one)."""


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    kind: CategoryKind = "spend"
    # Former names, so answers and built-in rules that still say the old name land here.
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CATEGORY_KINDS:
            raise TaxonomyError(
                f"category {self.name!r}: kind must be one of {', '.join(CATEGORY_KINDS)}, not {self.kind!r}"
            )


# -- answer normalisation ------------------------------------------------------------------

_NULL_ANSWERS = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "na",
        "n a",
        "unknown",
        "uncategorized",
        "uncategorised",
        "not sure",
        "unsure",
        "unclear",
        "no category",
        "undefined",
        "tbd",
        "skip",
        "unknown category",
    }
)
# An answer carrying one of these is a hedge or a negation, never a confident pick.
_HEDGE_WORDS = frozenset({"not", "no", "non", "unknown", "maybe", "possibly", "unsure", "uncategorized"})
_STOP_TOKENS = frozenset({"and", "the", "a", "of", "for"})
_ANSWER_PREFIX = re.compile(r"^(?:category|categories|answer|label|class)\s*[:=-]\s*", re.IGNORECASE)


def _normalize(text: str) -> str:
    """Case-, accent-, punctuation- and '&'-insensitive form of a category name."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("&", " and ").replace("+", " and ")
    folded = re.sub(r"[\W_]+", " ", folded)  # letters of any script survive
    return " ".join(folded.split())


def _stem(token: str) -> str:
    """Crude singular form, enough for Grocery/Groceries, Transfer/Transfers, Fee/Fees."""
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith("ss") and len(token) > 3:
        return token[:-1]
    return token


def _tokens(normalized: str) -> frozenset[str]:
    return frozenset(_stem(t) for t in normalized.split() if t not in _STOP_TOKENS)


def _compact(normalized: str) -> str:
    return "".join(sorted(_tokens(normalized)))


# Synonyms and near-misses (LLM answers, Mint/Chase/Amex/Capital One/Discover/Apple Card/
# Monzo/N26 category names), valued by a default category name. Only names present in the
# taxonomy at hand are returned, so a user's removal or rename wins.
_SYNONYM_TABLE: dict[str, str] = {
    "Groceries": (
        "grocery|groceries and food|food and groceries|supermarket|supermarkets|grocery store|"
        "convenience store|liquor store|beer wine and liquor|warehouse clubs|"
        "food and drink groceries|alcohol"
    ),
    "Dining": (
        "food and dining|food and drink|food|restaurants|dining out|eating out|fast food|coffee|"
        "coffee shops|cafe|bars|alcohol and bars|bars and restaurants|food delivery|takeout|"
        "take away|meals"
    ),
    "Transport": (
        "transportation|gas|fuel|gas and fuel|gasoline|auto and transport|auto|automotive|car|"
        "gas automotive|transport and car|public transportation|public transport|transit|parking|"
        "tolls|ride share|rideshare|taxi|commute|service and parts|auto payment|car payment"
    ),
    "Travel": (
        "air travel|airfare|airlines|flights|hotels|lodging|vacation|holidays|rental car|"
        "car rental|other travel|travel and entertainment|rental car and taxi"
    ),
    "Shopping": (
        "merchandise|general merchandise|merchandise and supplies|retail|online shopping|clothing|"
        "electronics|electronics and software|department stores|shops|books|hobbies|"
        "sporting goods|office supplies|toys|baby supplies"
    ),
    "Subscriptions": (
        "subscription|streaming|streaming services|memberships|digital subscriptions|software|"
        "apps|app store|digital services|recurring|music|newspapers and magazines"
    ),
    "Utilities": (
        "bills and utilities|bills|utility|utility bills|phone|mobile phone|home phone|cell phone|"
        "internet|cable|phone cable|television|telecom|telecommunications|communications|"
        "electricity|rent and utilities"
    ),
    "Housing": (
        "home|rent|mortgage|mortgage and rent|mortgage payment|home improvement|furniture|"
        "furnishings|home supplies|lawn and garden|household|home services"
    ),
    "Health": (
        "medical|healthcare|health care|health and wellness|health and fitness|pharmacy|doctor|"
        "dentist|eyecare|medical services"
    ),
    "Personal Care": ("personal|fitness|gym|beauty|hair|spa and massage|laundry|self care"),
    "Entertainment": (
        "recreation|rec and entertainment|leisure|movies|movies and dvds|events|amusement|arts|gambling|games"
    ),
    "Education & Childcare": (
        "education|childcare|child care|kids|tuition|school|babysitter and daycare|"
        "books and supplies|kids activities"
    ),
    "Pets": ("pet|pet care|pet supplies|veterinary|vet"),
    "Insurance": ("insurance premiums|health insurance|auto insurance"),
    "Gifts & Donations": ("gifts|donations|charity|giving|gifts and charity"),
    "Taxes & Government": (
        "taxes|tax|government|government and non profit|government services|federal tax|state tax|"
        "local tax|property tax|sales tax"
    ),
    FEES: (
        "fees|fees and charges|fees and adjustments|bank fees|interest|interest charge|"
        "finance charge|service fee|late fee|atm fee|charges|fee interest charge|"
        "trade commissions"
    ),
    "Loan Payments": (
        "loans|loan|loan payment|debt|debt payments|student loan|bnpl|installment|installments|"
        "loan principal|loan interest"
    ),
    INCOME: (
        "paycheck|salary|payroll|wages|bonus|interest income|dividends|dividend and cap gains|"
        "reimbursement|revenue|earnings|rewards|cash back|cashback|awards and rebate credits"
    ),
    TRANSFERS: (
        "transfer|transfers|transfer in|transfer out|credit card payment|card payment|payment|"
        "investments|savings|cash and atm|atm|cash|deposit|withdrawal|loan disbursements|"
        "money transfer|transfer for cash spending"
    ),
    OTHER: (
        "misc|miscellaneous|misc expenses|general|general services|business services|"
        "professional services|services|other other|expenses|financial|financial advisor|legal|"
        "shipping|postage"
    ),
}
_SYNONYMS: dict[str, str] = {}
_SYNONYMS_COMPACT: dict[str, str] = {}
for _category, _answers in _SYNONYM_TABLE.items():
    for _answer in _answers.split("|"):
        _SYNONYMS[_normalize(_answer)] = _category
        _SYNONYMS_COMPACT[_compact(_normalize(_answer))] = _category

# Plaid personal-finance categories: the primary's default, and the detailed values whose
# default differs from their primary's (docs/taxonomy.md B.5).
_PLAID_PRIMARY = {
    "INCOME": INCOME,
    "TRANSFER_IN": TRANSFERS,
    "TRANSFER_OUT": TRANSFERS,
    "LOAN_DISBURSEMENTS": TRANSFERS,
    "LOAN_PAYMENTS": "Loan Payments",
    "BANK_FEES": FEES,
    "ENTERTAINMENT": "Entertainment",
    "FOOD_AND_DRINK": "Dining",
    "GENERAL_MERCHANDISE": "Shopping",
    "HOME_IMPROVEMENT": "Housing",
    "MEDICAL": "Health",
    "PERSONAL_CARE": "Personal Care",
    "GENERAL_SERVICES": OTHER,
    "GOVERNMENT_AND_NON_PROFIT": "Taxes & Government",
    "TRANSPORTATION": "Transport",
    "TRAVEL": "Travel",
    "RENT_AND_UTILITIES": "Utilities",
    "OTHER": OTHER,
}
_PLAID_DETAILED_OVERRIDES = {
    "LOAN_PAYMENTS_CAR_PAYMENT": "Transport",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT": TRANSFERS,
    "LOAN_PAYMENTS_MORTGAGE_PAYMENT": "Housing",
    "ENTERTAINMENT_MUSIC_AND_AUDIO": "Subscriptions",
    "ENTERTAINMENT_TV_AND_MOVIES": "Subscriptions",
    "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR": "Groceries",
    "FOOD_AND_DRINK_GROCERIES": "Groceries",
    "GENERAL_MERCHANDISE_CONVENIENCE_STORES": "Groceries",
    "GENERAL_MERCHANDISE_PET_SUPPLIES": "Pets",
    "MEDICAL_VETERINARY_SERVICES": "Pets",
    "GENERAL_SERVICES_AUTOMOTIVE": "Transport",
    "GENERAL_SERVICES_CHILDCARE": "Education & Childcare",
    "GENERAL_SERVICES_EDUCATION": "Education & Childcare",
    "GENERAL_SERVICES_INSURANCE": "Insurance",
    "GOVERNMENT_AND_NON_PROFIT_DONATIONS": "Gifts & Donations",
    "RENT_AND_UTILITIES_RENT": "Housing",
}
_PLAID_CODE = re.compile(r"^[A-Z]+(?:_[A-Z]+)+$|^[A-Z]{4,}$")


def _plaid_category(raw: str) -> str | None:
    """Default category for a Plaid primary or detailed value such as FOOD_AND_DRINK_COFFEE."""
    code = raw.strip().upper()
    if not _PLAID_CODE.match(code):
        return None
    if code in _PLAID_DETAILED_OVERRIDES:
        return _PLAID_DETAILED_OVERRIDES[code]
    # Longest primary that prefixes the code: TRANSFER_IN_* before a hypothetical TRANSFER_*.
    for primary in sorted(_PLAID_PRIMARY, key=len, reverse=True):
        if code == primary or code.startswith(primary + "_"):
            return _PLAID_PRIMARY[primary]
    return None


def _clean_answer(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip().strip("`'\"*“”‘’.,;:!?()[]{}<> \t\n")
    text = _ANSWER_PREFIX.sub("", text).strip().strip("`'\"*“”‘’.,;:!?()[]{}<> ")
    if len(text) > 80:  # a sentence, not a category name
        return None
    return text


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        if not self.categories:
            raise TaxonomyError("a taxonomy needs at least one category")
        seen: dict[str, str] = {}
        for category in self.categories:
            _check_name(category.name)
            folded = _normalize(category.name)
            if folded in seen:
                raise TaxonomyError(
                    f"category names must be unique: {category.name!r} clashes with {seen[folded]!r}"
                )
            seen[folded] = category.name

    # -- reading ----------------------------------------------------------------------------

    # Cached: a taxonomy is immutable and callers ask for these once per merchant.
    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @cached_property
    def version(self) -> str:
        payload = json.dumps([[c.name, c.description, c.kind] for c in self.categories], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    def get(self, name: str) -> Category | None:
        for category in self.categories:
            if category.name == name:
                return category
        return None

    def prompt_block(self) -> str:
        return "\n".join(
            f"- {c.name}: {c.description}" if c.description else f"- {c.name}" for c in self.categories
        )

    # -- mapping an answer onto a name ----------------------------------------------------------

    def match(self, raw: object) -> str | None:
        """The taxonomy name an answer means, or None when it is empty or not confidently one name."""
        text = _clean_answer(raw)
        if text is None:
            return None
        normalized = _normalize(text)
        if normalized in _NULL_ANSWERS:
            return None
        by_normalized = {_normalize(name): name for name in self.names}
        if normalized in by_normalized:
            return by_normalized[normalized]
        compact = _compact(normalized)
        by_compact = {_compact(key): name for key, name in by_normalized.items()}
        if compact in by_compact:
            return by_compact[compact]
        if normalized in self._by_alias:
            return self._by_alias[normalized]

        known = _plaid_category(text) or _SYNONYMS.get(normalized) or _SYNONYMS_COMPACT.get(compact)
        current = self._current_name(known) if known is not None else None
        if current is not None:
            return current
        if _HEDGE_WORDS & set(normalized.split()):
            return None
        return self._structural_match(normalized, by_normalized)

    def _structural_match(self, normalized: str, by_normalized: dict[str, str]) -> str | None:
        answer_tokens = _tokens(normalized)
        if not answer_tokens:
            return None
        token_sets = {name: _tokens(key) for key, name in by_normalized.items()}
        # "Transfers" -> "Transfers & Card Payments": the answer names part of exactly one category.
        partial = [name for name, tokens in token_sets.items() if answer_tokens < tokens]
        if len(partial) == 1:
            return partial[0]
        # "Groceries & Food", "Dining Out": the answer contains exactly one category's words.
        containing = [name for name, tokens in token_sets.items() if tokens and tokens <= answer_tokens]
        if len(containing) == 1:
            return containing[0]
        # Typos: "Groceris", "Entertainmnet", "Transfers and Card Payment".
        close = difflib.get_close_matches(normalized, list(by_normalized), n=2, cutoff=0.85)
        if len(close) == 1 or (
            len(close) == 2 and _ratio(normalized, close[0]) - _ratio(normalized, close[1]) > 0.05
        ):
            return by_normalized[close[0]]
        synonym_close = difflib.get_close_matches(normalized, list(_SYNONYMS), n=1, cutoff=0.9)
        if synonym_close:
            return self._current_name(_SYNONYMS[synonym_close[0]])
        return None

    @cached_property
    def _by_alias(self) -> dict[str, str]:
        return {_normalize(alias): c.name for c in self.categories for alias in c.aliases}

    def _current_name(self, name: str) -> str | None:
        """`name` itself when it is in the taxonomy, else the category that was renamed from it."""
        if name in self.names:
            return name
        return self._by_alias.get(_normalize(name))

    # -- edits ------------------------------------------------------------------------------

    def with_added(self, name: str, description: str, kind: CategoryKind = "spend") -> Taxonomy:
        name = name.strip()
        return Taxonomy((*self.categories, Category(name, " ".join(description.split()), kind)))

    def with_renamed(self, old: str, new: str) -> Taxonomy:
        new = new.strip()
        if self.get(old) is None:
            raise TaxonomyError(f"no category named {old!r}")
        return Taxonomy(
            tuple(
                Category(new, c.description, c.kind, tuple(a for a in (*c.aliases, old) if a != new))
                if c.name == old
                else c
                for c in self.categories
            )
        )

    def with_removed(self, name: str) -> Taxonomy:
        if self.get(name) is None:
            raise TaxonomyError(f"no category named {name!r}")
        if len(self.categories) == 1:
            raise TaxonomyError(f"cannot remove {name!r}: it is the last category")
        return Taxonomy(tuple(c for c in self.categories if c.name != name))


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _check_name(name: str) -> None:
    if not name or not name.strip():
        raise TaxonomyError("a category name cannot be empty")
    if name != name.strip():
        raise TaxonomyError(f"category name {name!r} has leading or trailing spaces")
    if len(name) > MAX_NAME_LENGTH:
        raise TaxonomyError(f"category name {name[:20]!r}… is longer than {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise TaxonomyError(f"category name {name!r} contains control characters")
    if _normalize(name) in _NULL_ANSWERS or _normalize(name) == _normalize(UNCATEGORIZED):
        raise TaxonomyError(f"{name!r} is reserved for rows without a category")


DEFAULT_TAXONOMY = Taxonomy(
    (
        Category(
            "Groceries",
            "Supermarkets, warehouse clubs (Costco), convenience & liquor stores, bakeries, grocery delivery, meal kits",
        ),
        Category(
            "Dining",
            "Restaurants, fast food, coffee shops, bars, food delivery (Uber Eats, DoorDash), vending",
        ),
        Category(
            "Transport",
            "Fuel & EV charging, rideshare/taxi, local transit, parking, tolls, scooters, car service, car loan",
        ),
        Category(
            "Travel", "Flights, hotels, rental cars, Expedia/Booking.com, cruises, intercity rail & bus"
        ),
        Category(
            "Shopping",
            "Amazon & online marketplaces, Target/Walmart, clothing, electronics, department stores, books, gifts",
        ),
        Category(
            "Subscriptions",
            "Recurring digital media & software: streaming, app-store billing, cloud, news, AI tools, Prime/Uber One",
        ),
        Category("Utilities", "Electricity, gas, water, trash, internet, cable, mobile & home phone"),
        Category(
            "Housing", "Rent, mortgage, HOA, furniture, hardware & home improvement, repairs, home security"
        ),
        Category("Health", "Doctors, dentists, eye care, pharmacies, hospitals, labs, therapy"),
        Category(
            "Personal Care",
            "Gyms & fitness classes, hair, nails, spa, cosmetics stores, laundry & dry cleaning",
        ),
        Category(
            "Entertainment",
            "Cinemas, concerts & event tickets, sports, museums, amusement parks, games, gambling",
        ),
        Category("Education & Childcare", "Tuition, school fees, courses, textbooks, daycare, babysitting"),
        Category("Pets", "Pet food & supplies, vets, grooming, pet sitting, pet insurance"),
        Category("Insurance", "Auto, home/renters, health and life insurance premiums"),
        Category("Gifts & Donations", "Charities, religious and political donations, crowdfunding"),
        Category("Taxes & Government", "Income & property tax, DMV, passports, licences, fines, court fees"),
        Category(
            FEES,
            "Bank/card fees (annual, late, foreign transaction, ATM, overdraft), interest charged, reversals",
        ),
        Category(
            "Loan Payments",
            "Student & personal loans, buy-now-pay-later (Affirm, Klarna), cash-advance repayment",
        ),
        Category(
            INCOME,
            "Payroll, gig & contractor payouts, interest & dividends earned, benefits, tax refunds, cash back",
            "income",
        ),
        Category(
            TRANSFERS,
            "Card payments, own-account transfers, savings & investing, Venmo/Zelle/PayPal transfers, wires, ATM cash",
            "transfer",
        ),
        Category(OTHER, "Postage & shipping, storage units, legal/accounting services, anything else"),
    )
)

LABELING_RULES = """\
- Classify the merchant behind processor prefixes (SQ *, TST*, PAYPAL *, DD *). No knowable payee (Zelle, Cash App, PayPal transfer) = Transfers & Card Payments.
- Refunds keep the purchase's category. Fee reversals = Fees & Interest. Cash back, rewards, statement credits = Income.
- Target, Walmart = Shopping unless grocery. Costco, Sam's, BJ's = Groceries. Fuel incl. Costco Gas = Transport.
- Convenience and liquor stores = Groceries. Bars, vending = Dining. Pharmacies = Health.
- Amazon Mktp/Amazon.com = Shopping. Amazon Prime, Prime Video, Audible, Kindle Unlimited = Subscriptions. Amazon Fresh, Whole Foods = Groceries.
- APPLE.COM/BILL, GOOGLE * = Subscriptions. Apple Store = Shopping.
- Uber/Lyft rides, taxis, transit, parking, tolls = Transport, even abroad. Uber Eats = Dining. Flights, hotels, rental cars, intercity rail = Travel.
- Gyms = Personal Care. Phone, internet = Utilities. Cinemas, tickets = Entertainment.
- Mortgage = Housing. Car loan = Transport. Student/personal loans, BNPL (Affirm, Klarna) = Loan Payments. Credit-card payments = Transfers & Card Payments."""


# -- persistence ---------------------------------------------------------------------------


def load_taxonomy(store: Store) -> Taxonomy:
    """The user's taxonomy, or the default when none was saved yet."""
    rows = store.get_taxonomy()
    if not rows:
        return DEFAULT_TAXONOMY
    categories: list[Category] = []
    for position, row in enumerate(rows, start=1):
        if row.kind not in CATEGORY_KINDS:
            raise TaxonomyError(
                f"{store.path}: taxonomy row {position} ({row.name!r}) has unknown kind {row.kind!r}"
            )
        categories.append(Category(row.name, row.description, _as_kind(row.kind), row.aliases))
    return Taxonomy(tuple(categories))


def _as_kind(value: str) -> CategoryKind:
    for kind in CATEGORY_KINDS:
        if kind == value:
            return kind
    raise TaxonomyError(f"unknown category kind {value!r}")


def save_taxonomy(store: Store, taxonomy: Taxonomy) -> None:
    store.put_taxonomy([TaxonomyRow(c.name, c.description, c.kind, c.aliases) for c in taxonomy.categories])


def rename_category(store: Store, taxonomy: Taxonomy, old: str, new: str) -> tuple[Taxonomy, int]:
    """Rename in the taxonomy and move every row, rule and cache entry; returns rows moved."""
    renamed = taxonomy.with_renamed(old, new)  # validates before anything is written
    save_taxonomy(store, renamed)
    return renamed, store.rename_category(old, new.strip())


def remove_category(store: Store, taxonomy: Taxonomy, name: str) -> tuple[Taxonomy, int]:
    """Drop a category; its rows go back to uncategorized. Returns rows cleared."""
    remaining = taxonomy.with_removed(name)
    save_taxonomy(store, remaining)
    return remaining, store.clear_category(name)
