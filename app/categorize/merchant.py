"""Merchant keys: one stable key per merchant, from whatever text the bank printed.

`merchant_key` removes what varies between two purchases at the same merchant (processor
prefixes, store numbers, references, dates, card masks, phone numbers, URLs, city/state/
country, legal forms, padding, case) and keeps what separates merchants that belong in
different categories (Amazon Marketplace vs Prime vs Fresh, Uber vs Uber Eats, Costco vs
Costco Gas...). The raw description is stored beside the key; the key groups rows for
rules, the LLM cache and display, so a key that lumps different payees together would make
bulk corrections and one-ask-per-merchant wrong:

- brands come from the catalog (merchants.json, via `catalog.py`), one entry per brand;
- the payee is dug out of bank-generated lines (direct debits, ACH `DES:`/`INDN:` fields,
  SEPA booking texts, "POS Debit - Visa Check Card 1234 -", fixed-width merchant/city/state);
- the file's own payee (Transaction.payee) names the merchant when the description does not;
- a key is never only booking words, places and numbers (merchant_words.json): such a row
  gets "" and is decided on its own; a check is keyed by its number alone ("CHECK 1052").

The token clean-up that turns the merchant part into a key is `merchant_cleanup.py`.
Bump `MERCHANT_KEY_VERSION` whenever a change here (or in the catalog's brands) can change a
key, so stored keys are recomputed (`stored_keys.py`, which carries the user's rules along).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from app.categorize.catalog import CatalogRule, brand_displays, brand_matcher
from app.categorize.merchant_cleanup import GENERIC_WORDS, cleanup, names_no_merchant

MERCHANT_KEY_VERSION = "2"

_CACHE_SIZE = 1 << 16

# -- text normalisation ----------------------------------------------------------------------

_HTML_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_APOSTROPHES = re.compile(r"[’‘`´']")
_STAR = re.compile(r"\s*\*+\s*")
_NON_SPACE_WHITESPACE = re.compile(r"[^\S ]")
_PADDING = re.compile(r" {3,}")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _normalize(description: str) -> str:
    """Upper-case ASCII-folded text; keeps runs of spaces (they mark fixed-width fields)."""
    text = html.unescape(html.unescape(description)) if "&" in description else description
    if "<" in text:
        text = _HTML_BREAK.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(
            ch for ch in text if not unicodedata.combining(ch) and (ch.isprintable() or ch.isspace())
        )
    text = _NON_SPACE_WHITESPACE.sub("   ", _CONTROL.sub("", text))  # tabs and newlines separate fields too
    text = _APOSTROPHES.sub("", text.upper())
    return _STAR.sub("*", text).strip()


_WORD = re.compile(r"[A-Z]{2}")
_LETTER = re.compile(r"[^\W\d_]")  # any script's letters
_THREE_LETTERS = re.compile(r"[A-Z]{3}")
_VOWEL = re.compile(r"[AEIOUY]")


def _has_word(text: str) -> bool:
    return _WORD.search(text) is not None


def _collapse(text: str) -> str:
    return " ".join(text.split())


# -- structured bank formats ------------------------------------------------------------------

_CHASE_ACH = re.compile(
    r"ORIG CO NAME:\s*(?P<name>.+?)\s+ORIG ID:.*?(?:CO ENTRY DESCR:\s*(?P<descr>.+?)\s+SEC:|$)"
)
_BOFA_ACH = re.compile(r"^(?P<name>.+?)\s+DES:\s*(?P<descr>.+?)\s+ID:\s*(?P<id>\S+)")
_ING_NL_NAME = re.compile(r"\bNAAM:\s*(?P<name>.+?)(?:\s+(?:OMSCHRIJVING|IBAN|KENMERK|MACHTIGING|BIC)\s*:|$)")
_SEPA_NAME = re.compile(r"/NAME/(?P<name>[^/]+)/")
_ACH_ID = re.compile(r"\b(?:PPD|CCD|WEB|TEL|CTX|IAT|ARC|BOC)\s+ID:\s*\S+|\s(?:PPD|CCD|WEB|TEL)$")
# Fields that start the remittance/reference part of SEPA and ACH lines: nothing after
# them names the merchant.
_REFERENCE_FIELDS = re.compile(
    r"\s(?:EREF|MREF|CRED|KREF|ABWA|ABWE|IBAN|BIC|SVWZ)\s*[:+]"
    r"|\s(?:END-TO-END-REF|MANDATSREF|MANDATE REF|GLAUBIGER-ID|GLAEUBIGER-ID|CREDITOR ID|KUNDENREFERENZ"
    r"|KENMERK|MACHTIGING|TRACE|TRN|CONF|CONFIRMATION|TRANSACTION|REF(?:ERENCE)?(?: NO| NR)?|ABO-NR|KD-NR"
    r"|KUNDEN-?NR|VERS\.?-NR|VERTRAGS-?NR|VERTRAGSKONTO|RECHNUNGS-?NR|BESTELL-?NR|AUFTRAG)"
    r"(?:\.?\s*#\s*:?|\.?\s*:|\.\s)"
)


def _unwrap_structured(text: str) -> str | None:
    """The payee part of ACH/SEPA lines that carry named fields, or None for other lines."""
    if match := _CHASE_ACH.search(text):
        return " ".join(part for part in (match["name"], match["descr"]) if part)
    if match := _BOFA_ACH.search(text):
        name, descr, ident = match["name"], match["descr"], match["id"]
        # BofA puts the merchant of a PayPal transfer in the ID field.
        if name.startswith("PAYPAL") and _THREE_LETTERS.search(ident) and not ident.startswith("PAYPAL"):
            return ident
        # The entry description tells a payroll from a loan, but "BILL PAY" or "ACH PMT" only
        # says how the payee was paid.
        if descr in name or all(word in GENERIC_WORDS for word in descr.split()):
            return str(name)
        return f"{name} {descr}"
    if match := _ING_NL_NAME.search(text):
        return str(match["name"])
    if match := _SEPA_NAME.search(text):
        return str(match["name"])
    return None


def _drop_reference_fields(text: str) -> str:
    text = _ACH_ID.sub(" ", text)
    if match := _REFERENCE_FIELDS.search(text):
        text = text[: match.start()]
    return text


# -- leading transaction-type words ---------------------------------------------------------

_LEADING_PHRASES = (
    r"RECURRING (?:PAYMENT|PURCHASE|DEBIT)(?: AUTHORIZED ON)?",
    r"PURCHASE AUTHORIZED ON",
    r"AUTHORIZED ON",
    r"POS (?:DEBIT|PURCHASE|TRANSACTION|PUR|DB)",
    r"DEBIT CARD (?:PURCHASE|DEBIT|TRANSACTION)",
    r"DEBIT (?:CARD|PURCHASE)(?: -?VISA)?",
    r"CARD (?:PURCHASE|TRANSACTION)(?: WITH PIN)?",
    r"CARD PAYMENT TO",
    r"VISA (?:DDA PUR|PURCHASE|DEBIT)",
    r"DDA PUR",
    r"CHECK ?CARD",
    r"DBT CRD(?: \d{4})?",
    r"PIN PURCHASE",
    r"PREAUTHORI[ZS]ED (?:DEBIT|PURCHASE)",
    r"PRE-?AUTH",
    r"CONTACTLESS(?: PAYMENT)?",
    r"APLPAY",
    r"(?:APPLE|GOOGLE|ANDROID|SAMSUNG) PAY",
    r"ACH (?:DEBIT|CREDIT|WITHDRAWAL|DEPOSIT)?",
    r"DIRECT DEBIT(?: PAYMENT)?",
    r"DD(?= )",  # UK direct debit marker; "DD *DOORDASH" is the processor, handled below
    r"BGC",  # UK bank giro credit
    r"(?:VISA )?CHECK CARD",
    r"PURCHASE",
    r"POS",
    r"RECURRING",
    r"DEBIT",
    # German booking texts (DKB, ING DE, Sparkasse...)
    r"LASTSCHRIFT ?/ ?BELASTUNG",
    r"(?:SEPA[- ])?(?:BASIS|FOLGE|ERST|EINZEL)?LASTSCHRIFT(?: EINZUG)?",
    r"KARTENZAHLUNG(?:/-?ABRECHNUNG)?",
    r"KARTENUMSATZ",
    r"GIROCARD",
    r"(?:SEPA[- ])?GUTSCHRIFT(?: UEBERWEISUNG| UBERWEISUNG)?",
    r"(?:ONLINE-?|SEPA-? ?)?(?:UE|U)BERWEISUNG",
    r"DAUERAUFTRAG",
    r"BELASTUNG",
    r"ABBUCHUNG",
    r"LOHN,? ?GEHALT,? ?RENTE",
    r"DEBITK\.? ?\d* ?VISA DEBIT",
    r"VISA DEBIT",
    r"VISA",
    # Dutch (ING NL, ABN AMRO, Rabobank)
    r"BEA,? (?:BETAALPAS|APPLE PAY|GOOGLE PAY)",
    r"BEA",
    r"BETAALAUTOMAAT",
    r"SEPA INCASSO(?: ALGEMEEN DOORLOPEND)?",
    r"INCASSO",
    r"SEPA OVERSCHRIJVING",
    r"IDEAL",
    # a date or phone number some exports put first
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?",
    r"\d{4}-\d{2}-\d{2}",
    r"(?:1-)?\d{3}-\d{3}-\d{4}",
)
_LEADING = re.compile(
    r"^(?:"
    + "|".join(_LEADING_PHRASES)
    + r")(?![A-Z0-9])[\s:,./-]*(?:(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4,12})(?![\d/])[\s:,./-]*)?"
)
_LEADING_NOISE = re.compile(r"^[^A-Z0-9#]+")


def _only_booking_words(text: str) -> bool:
    """'POS DEBIT', 'Debitk.12 VISA Debit', 'PURCHASE AUTHORIZED ON 01/02': nothing names a payee."""
    while True:
        text = _LEADING_NOISE.sub("", text)
        stripped = _LEADING.sub("", text, count=1)
        if stripped == text:
            return False
        if len(_LETTER.findall(stripped)) < 2:
            return True
        text = stripped


def _strip_leading(text: str) -> str:
    """Drop 'POS PURCHASE', 'Lastschrift', ')))' and the like, repeatedly, while words remain."""
    while True:
        stripped = _LEADING.sub("", _LEADING_NOISE.sub("", text), count=1)
        if stripped == text or not _has_word(stripped):
            return text
        text = stripped


# -- processors ---------------------------------------------------------------------------------

# Payment processors and platforms printed before the real merchant (docs/taxonomy.md A.2).
_PROCESSOR = re.compile(
    r"^(?:SQ|SQU|SQUARE|TST|SP|SHOPIFY|PAYPAL|PP|GOOGLE|GGL|APL|DD|IZ|IZETTLE|ZETTLE_?|SUMUP|WL|IN|FS"
    r"|PADDLE\.NET|CHECKOUT\.COM|2CO\.COM|CLP|WPY|STRIPE)\*"
    r"|^SP (?=[A-Z])"
)
_DOORDASH = re.compile(r"^DOORDASH[ *](?=[A-Z0-9])")
_GOOGLE_PRODUCTS = frozenset(
    {"STORAGE", "ONE", "PLAY", "CLOUD", "FI", "NEST", "WORKSPACE", "GSUITE", "ADS", "DOMAINS", "SERVICES"}
)


def _strip_processor(text: str) -> str:
    processor = ""
    match = _PROCESSOR.match(text)
    if match:
        processor = match.group(0).rstrip("* ")
        rest = text[match.end() :].lstrip(" *")
        if not _has_word(rest):
            return "DOORDASH" if processor == "DD" else processor
        first = rest.split(" ", 1)[0]
        if processor in ("GOOGLE", "GGL") and first in _GOOGLE_PRODUCTS:
            rest = f"GOOGLE {rest}"
        text = rest
    dashed = _DOORDASH.match(text)
    # "DOORDASH*CHIPOTLE" and "DD *DOORDASH BURGERFI" name the restaurant; in
    # "SQ *DOORDASH BROOKLYN NY" the words after a plain space are only a location.
    names_restaurant = dashed is not None and (dashed.group(0).endswith("*") or processor == "DD")
    if dashed and names_restaurant and _has_word(text[dashed.end() :]):
        text = text[dashed.end() :]
    return text


# -- canonical keys for merchants whose descriptors vary a lot ---------------------------------
#
# The brands of the catalog (merchants.json): the first brand, in catalog order, whose
# pattern starts the merchant part gives the key ("AMZN Mktp US*2K4" -> AMAZON MARKETPLACE).

# A line with one of these words is a payment to a store card or a payout, not a purchase at
# the store, so it must not collapse into the store's key ("HOME DEPOT AUTO PYMT").
_NOT_A_PURCHASE = re.compile(
    r"\b(?:AUTO ?PAY|AUTOPAY|AUTO PYMT|PYMT|PAYMENT|PAYMNT|PMT|E-?PAY|CRCARD|CARD SRVC|CARD SERVICES"
    r"|BILL ?PAY|PAYROLL|PAYRL|DIR(?:ECT)? DEP|SALARY|GEHALT|LOHN|SALARIS|PAYOUT|INSTANT PAY"
    r"|EARNINGS|REWARDS?|CASH ?BACK|STATEMENT CREDIT|TRANSFER|XFER)\b"
)


def _canonical(text: str) -> CatalogRule | None:
    if _NOT_A_PURCHASE.search(text):
        return None
    return brand_matcher().at_start(_collapse(text.replace("*", " ")))


# -- public API ----------------------------------------------------------------------------------


def _first_field(text: str) -> str:
    """Fixed-width exports (Amex, U.S. Bank) pad merchant, city and state into columns.

    The merchant is the first field with letters that is not only a place or a booking
    word: "H-E-B #123   AUSTIN   TX" is H-E-B, never AUSTIN.
    """
    fields = _PADDING.split(text)
    if len(fields) == 1:
        return text
    for field in fields:
        merchant = _strip_leading(_collapse(field))
        if len(_LETTER.findall(merchant)) >= 2 and not names_no_merchant(cleanup(merchant).split()):
            return field
    return text


# "CHECK 1052", "Check # 001052", "CHQ 1052": a check is its number (who cashed it is unknown).
_CHECK = re.compile(
    r"^(?:CHECK|CHEQUE|CHK|CHQ|SHARE DRAFT)(?: PAID)?(?: (?:NO|NR|NUM|NUMBER)\.?)?[ #:.]*0*(?P<number>\d{1,12})"
    r"(?![\w/-]|\.\d)"
)


@dataclass(frozen=True)
class _Parsed:
    key: str
    alias: CatalogRule | None
    text: str  # the merchant part before clean-up: no prefixes or ACH fields, padded fields kept


@lru_cache(maxsize=_CACHE_SIZE)
def _parse(description: str) -> _Parsed:
    normalized = _normalize(description)
    if check := _CHECK.match(_collapse(normalized)):
        number = check["number"].lstrip("0") or "0"
        return _Parsed(f"CHECK {number}", None, f"CHECK {number}")
    structured = _unwrap_structured(_collapse(normalized))
    if structured is None:
        first = _first_field(normalized)
        whole = _merchant_part(_collapse(normalized))
        text = whole if first == normalized else _merchant_part(_collapse(first))
    else:
        text = whole = _strip_processor(_strip_leading(_collapse(structured)))
    alias = _canonical(text)
    if alias is not None:
        return _Parsed(alias.key or "", alias, whole)  # the catalog refuses brands without a key
    key = cleanup(text) or cleanup(_collapse(normalized)) or _collapse(normalized.replace("*", " "))
    if names_no_merchant(key.split()) or _only_booking_words(text):
        # No key groups nothing: each such row is decided (and corrected) on its own.
        return _Parsed("", None, whole)
    return _Parsed(key, None, whole)


def _merchant_part(text: str) -> str:
    return _strip_processor(_strip_leading(_collapse(_drop_reference_fields(text))))


def _chosen(description: str, payee: str | None) -> _Parsed:
    """A brand the description names wins (it tells Prime Video from Amazon); else the payee
    the file gave, when it names a merchant; else the description."""
    parsed = _parse(description)
    if not payee or parsed.alias is not None:
        return parsed
    named = _parse(payee)
    return named if named.key else parsed


def merchant_key(description: str, payee: str | None = None) -> str:
    """A stable, upper-case key for the merchant behind a raw bank description.

    `payee` is the clean name some files give beside the description (Transaction.payee).
    The key is never a booking word or a place ("DIRECT DEBIT", "AUSTIN"): such rows get
    "" (no merchant), and a check is keyed by its number alone ("CHECK 1052").
    """
    return _chosen(description, payee).key


def merchant_text(description: str) -> str:
    """The description's merchant part, upper-case, before store numbers and locations are cut.

    Rules that need words the key drops (a fuel pump, a ticket number) read this; it never
    contains ACH name fields or processor prefixes.
    """
    return _parse(description).text


def normalize_description(description: str) -> str:
    """Upper-case, accent-folded, apostrophe-free, single-spaced text of a whole description."""
    return _collapse(_normalize(description))


_ACRONYMS = frozenset(
    {
        "USA", "UK", "US", "EU", "AMC", "IHG", "HBO", "ATM", "NS", "BVG", "MTA", "NYCT", "UPS", "DHL", "IRS",
        "DMV", "HMRC", "ADP", "AWS", "BP", "CVS", "KFC", "TJ", "HEB", "REI", "IKEA", "ALDI", "LIDL", "ARCO",
        "QT", "EE", "O2", "BT", "ATT", "AT&T", "H&M", "ACH", "SEPA", "DD", "SQ", "PG&E", "ING", "DKB",
    }
)  # fmt: skip
_SMALL_WORDS = frozenset({"AND", "OF", "THE", "A", "AN", "BY", "FOR", "TO", "DE", "VAN", "DER", "UND"})


def _title_token(token: str, first: bool) -> str:
    if token in _ACRONYMS or (len(token) <= 3 and not _VOWEL.search(token) and token.isalpha()):
        return token
    if token in _SMALL_WORDS and not first:
        return token.lower()
    parts = token.split("/")
    titled = []
    for part in parts:
        head, dot, tail = part.partition(".")
        titled.append("-".join(p[:1] + p[1:].lower() for p in head.split("-")) + dot + tail.lower())
    return "/".join(titled)


def merchant_name(description: str, payee: str | None = None) -> str:
    """A tidy display name: the brand's own spelling when known, else Title Case of the key."""
    parsed = _chosen(description, payee)
    if parsed.alias is not None and parsed.alias.display:
        return parsed.alias.display
    return display_name(parsed.key)


def display_name(key: str) -> str:
    """Display form of an already computed merchant key."""
    if brand := brand_displays().get(key):
        return brand
    return " ".join(_title_token(token, first=(i == 0)) for i, token in enumerate(key.split()))
