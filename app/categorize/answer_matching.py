"""Mapping a free-text answer (a model's, or a bank's category column) onto one category name:
normalisation, synonyms and near-misses, Plaid codes, and the structural fallbacks."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence

from app.categorize.category import FEES, INCOME, OTHER, TRANSFERS

NULL_ANSWERS = frozenset(
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


def normalize(text: str) -> str:
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
        _SYNONYMS[normalize(_answer)] = _category
        _SYNONYMS_COMPACT[_compact(normalize(_answer))] = _category

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


def clean_answer(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip().strip("`'\"*“”‘’.,;:!?()[]{}<> \t\n")
    text = _ANSWER_PREFIX.sub("", text).strip().strip("`'\"*“”‘’.,;:!?()[]{}<> ")
    if len(text) > 80:  # a sentence, not a category name
        return None
    return text


def match_answer(raw: object, names: Sequence[str], aliases: Mapping[str, str]) -> str | None:
    """The one of `names` an answer means, or None when it is empty or not confidently one name.

    `aliases` maps a normalized former name to the category that now carries it.
    """
    text = clean_answer(raw)
    if text is None:
        return None
    normalized = normalize(text)
    if normalized in NULL_ANSWERS:
        return None
    by_normalized = {normalize(name): name for name in names}
    if normalized in by_normalized:
        return by_normalized[normalized]
    compact = _compact(normalized)
    by_compact = {_compact(key): name for key, name in by_normalized.items()}
    if compact in by_compact:
        return by_compact[compact]
    if normalized in aliases:
        return aliases[normalized]

    known = _plaid_category(text) or _SYNONYMS.get(normalized) or _SYNONYMS_COMPACT.get(compact)
    current = current_name(known, names, aliases) if known is not None else None
    if current is not None:
        return current
    if _HEDGE_WORDS & set(normalized.split()):
        return None
    return _structural_match(normalized, by_normalized, names, aliases)


def current_name(name: str, names: Sequence[str], aliases: Mapping[str, str]) -> str | None:
    """`name` itself when it is one of `names`, else the category that was renamed from it."""
    if name in names:
        return name
    return aliases.get(normalize(name))


def _structural_match(
    normalized: str, by_normalized: dict[str, str], names: Sequence[str], aliases: Mapping[str, str]
) -> str | None:
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
        return current_name(_SYNONYMS[synonym_close[0]], names, aliases)
    return None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
