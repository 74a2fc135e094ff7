"""Merchant keys: one stable key per merchant, from whatever text the bank printed.

`merchant_key` removes what varies between two purchases at the same merchant (processor
prefixes, store numbers, references, dates, card masks, phone numbers, URLs, city/state/
country, legal forms, padding, case) and keeps what separates merchants that belong in
different categories (Amazon Marketplace vs Prime vs Fresh, Uber vs Uber Eats, Costco vs
Costco Gas...). The raw description is stored beside the key; the key groups rows for
rules, the LLM cache and display.

Bump `MERCHANT_KEY_VERSION` whenever a change here can change a key, so stored keys are
recomputed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MERCHANT_KEY_VERSION = "1"

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
_MEANINGFUL = re.compile(r"[^\W_]|[&+]")
_VOWEL = re.compile(r"[AEIOUY]")
_DIGIT = re.compile(r"\d")
_THREE_DIGITS = re.compile(r"\d{3}")


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
        return name if descr in name else f"{name} {descr}"
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
    r"PURCHASE",
    r"POS",
    r"RECURRING",
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
    + r")(?![A-Z0-9])[\s:,./-]*(?:(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4})(?![\d/])[\s:,./-]*)?"
)
_LEADING_NOISE = re.compile(r"^[^A-Z0-9#]+")


def _strip_leading(text: str) -> str:
    """Drop 'POS PURCHASE', 'Lastschrift', ')))' and the like, repeatedly, while words remain."""
    while True:
        stripped = _LEADING.sub("", _LEADING_NOISE.sub("", text), count=1)
        if stripped == text or not _has_word(stripped):
            return text
        text = stripped


# -- processors ---------------------------------------------------------------------------------

# Payment processors and platforms printed before the real merchant (taxonomy.md A.2).
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


@dataclass(frozen=True)
class _Alias:
    pattern: re.Pattern[str]
    key: str
    display: str


def _alias(pattern: str, key: str, display: str) -> _Alias:
    return _Alias(re.compile(rf"^(?:{pattern})(?![A-Z0-9])"), key, display)


# Order matters: the more specific variant of a brand comes first.
_ALIASES: tuple[_Alias, ...] = (
    _alias(r"(?:AMAZON |AMZN )?PRIME ?VIDEO", "PRIME VIDEO", "Prime Video"),
    _alias(r"(?:AMAZON|AMZN) ?PRIME|PRIME MEMBERSHIP", "AMAZON PRIME", "Amazon Prime"),
    _alias(r"(?:AMAZON |AMZN )?AUDIBLE", "AUDIBLE", "Audible"),
    _alias(r"(?:AMAZON |AMZN )?KINDLE ?(?:UNLTD|UNLIMITED|UNL)", "KINDLE UNLIMITED", "Kindle Unlimited"),
    _alias(r"(?:AMAZON|AMZN) ?FRESH", "AMAZON FRESH", "Amazon Fresh"),
    _alias(r"(?:AMAZON|AMZN) ?(?:DIGITAL|DIGI|DIG)(?: SVCS?| SERVICES)?", "AMAZON DIGITAL", "Amazon Digital"),
    _alias(r"AMAZON ?WEB ?SERVICES|AWS(?: EMEA)?", "AMAZON WEB SERVICES", "Amazon Web Services"),
    _alias(r"(?:AMAZON|AMZN) ?MUSIC", "AMAZON MUSIC", "Amazon Music"),
    _alias(r"(?:AMAZON|AMZN) ?(?:PHARMACY|PHARM)|PILLPACK", "AMAZON PHARMACY", "Amazon Pharmacy"),
    _alias(
        r"(?:AMAZON|AMZN) ?(?:MKTP|MKTPL|MKTPLACE|MARKETPLACE|MKTPLC)|AMAZON\.[A-Z.]+|AMZN\.COM"
        r"|AMAZON(?: EU| RETAIL| SERVICES| PAYMENTS| COM)?|AMZN",
        "AMAZON MARKETPLACE",
        "Amazon Marketplace",
    ),
    _alias(r"WHOLE ?F(?:OO)?DS(?: MKT| MARKET| MRKT)?|WFM", "WHOLE FOODS", "Whole Foods"),
    _alias(r"UBER ?EATS", "UBER EATS", "Uber Eats"),
    _alias(r"UBER ?ONE", "UBER ONE", "Uber One"),
    _alias(r"UBER", "UBER", "Uber"),
    _alias(r"LYFT", "LYFT", "Lyft"),
    _alias(r"(?:DOORDASH ?)?DASHPASS", "DASHPASS", "DashPass"),
    _alias(r"INSTACART ?(?:\+|PLUS|MEMBERSHIP|SUBSCRIPTION|EXPRESS)", "INSTACART+", "Instacart+"),
    _alias(r"INSTACART", "INSTACART", "Instacart"),
    _alias(
        r"(?:APPLE|ITUNES)\.COM ?/?BILL|ITUNES(?:\.COM)?|APPLE SERVICES|APPLE\.COM SUBSCRIPTION",
        "APPLE.COM/BILL",
        "Apple.com/Bill",
    ),
    _alias(r"APPLE STORE|APPLE R\d{3}|APPLE RETAIL", "APPLE STORE", "Apple Store"),
    _alias(r"APPLE\.COM ?/ ?[A-Z]{2}|APPLE ONLINE STORE", "APPLE ONLINE STORE", "Apple Online Store"),
    _alias(r"COSTCO ?(?:GAS|GASOLINE|FUEL)", "COSTCO GAS", "Costco Gas"),
    _alias(r"COSTCO(?: WHSE| WHOLESALE|\.COM)?", "COSTCO", "Costco"),
    _alias(r"SAMS ?CLUB ?(?:GAS|FUEL)|SAMS FUEL", "SAMS CLUB GAS", "Sam's Club Gas"),
    _alias(r"SAMS ?CLUB(?:\.COM)?", "SAMS CLUB", "Sam's Club"),
    _alias(r"BJS ?(?:GAS|FUEL)", "BJS GAS", "BJ's Gas"),
    _alias(r"BJS WHOLESALE(?: CLUB)?|BJS WHSE", "BJS WHOLESALE", "BJ's Wholesale"),
    _alias(
        r"(?:WALMART|WAL-MART|WAL MART|WM SUPERCENTER|WMT) ?(?:GROCERY|GROCERIES)",
        "WALMART GROCERY",
        "Walmart Grocery",
    ),
    _alias(r"(?:WALMART|WAL-MART|WMT) ?(?:\+|PLUS)", "WALMART+", "Walmart+"),
    _alias(r"(?:WALMART|WAL-MART|WAL MART) ?(?:FUEL|GAS)", "WALMART FUEL", "Walmart Fuel"),
    _alias(
        r"WALMART(?:\.COM)?|WAL-MART|WAL MART|WM SUPERCENTER|WM SUPERC|WMT SUPERCENTER", "WALMART", "Walmart"
    ),
    _alias(r"TARGET(?:\.COM)?", "TARGET", "Target"),
    _alias(r"7 ?- ?ELEVEN|7-11|7 ELEVEN|7ELEVEN|SEVEN ?ELEVEN", "7-ELEVEN", "7-Eleven"),
    _alias(r"STARBUCKS", "STARBUCKS", "Starbucks"),
    _alias(r"MC ?DONALDS?|MCDONALD S", "MCDONALDS", "McDonald's"),
    _alias(r"TRADER JOE ?S?", "TRADER JOES", "Trader Joe's"),
    _alias(r"NETFLIX", "NETFLIX", "Netflix"),
    _alias(r"SPOTIFY", "SPOTIFY", "Spotify"),
    _alias(r"(?:HLU ?)?HULU", "HULU", "Hulu"),
    _alias(r"PAYPAL ?\(?EUROPE\)?|PAYPAL EUROPE", "PAYPAL", "PayPal"),
    _alias(r"DISNEY ?(?:\+|PLUS)|DISNEYPLUS", "DISNEY+", "Disney+"),
    _alias(r"YOUTUBE ?PREMIUM|YOUTUBEPREMIUM", "YOUTUBE PREMIUM", "YouTube Premium"),
    _alias(r"YOUTUBE ?TV", "YOUTUBE TV", "YouTube TV"),
    _alias(r"GOOGLE ?(?:STORAGE|ONE)", "GOOGLE ONE", "Google One"),
    _alias(r"(?:THE )?HOME DEPOT|HOMEDEPOT(?:\.COM)?", "HOME DEPOT", "The Home Depot"),
    _alias(r"LOWES(?: HOME)?(?: CENTERS?)?|LOWES\.COM", "LOWES", "Lowe's"),
    _alias(r"WALGREENS?", "WALGREENS", "Walgreens"),
    _alias(r"CVS(?: ?/ ?PHARMACY| PHARMACY)?", "CVS PHARMACY", "CVS Pharmacy"),
    _alias(r"SHELL(?: OIL| SERVICE STATION| SERVICE)?", "SHELL", "Shell"),
    _alias(r"CHEVRON", "CHEVRON", "Chevron"),
    _alias(r"EXXON ?MOBIL|EXXON", "EXXONMOBIL", "ExxonMobil"),
    _alias(r"TESCO ?(?:PFS|PETROL)", "TESCO PETROL", "Tesco Petrol"),
    _alias(r"TESCO ?MOBILE", "TESCO MOBILE", "Tesco Mobile"),
    _alias(r"TESCO(?: STORES?| EXPRESS| EXTRA| METRO| SUPERSTORE)?", "TESCO", "Tesco"),
    _alias(r"(?:JS )?SAINSBURY ?S? ?(?:PETROL|PFS)", "SAINSBURYS PETROL", "Sainsbury's Petrol"),
    _alias(r"(?:JS )?SAINSBURY ?S?(?: S/MKTS| SMKT| LOCAL| SUPERMARKETS?)?", "SAINSBURYS", "Sainsbury's"),
    _alias(r"REWE", "REWE", "REWE"),
    _alias(r"ALBERT HEIJN|AH TO GO", "ALBERT HEIJN", "Albert Heijn"),
    _alias(r"LIEFERANDO(?:\.DE)?", "LIEFERANDO", "Lieferando"),
    _alias(r"TFL(?: TRAVEL(?: CH(?:ARGE)?)?)?|TRANSPORT FOR LONDON", "TFL", "TfL"),
    _alias(r"MTA(?: NYCT)?(?: PAYGO)?|NYCT PAYGO", "MTA", "MTA"),
)
_ALIAS_DISPLAY = {alias.key: alias.display for alias in _ALIASES}
# One ordered alternation: the first alias that matches wins, as in the table.
_ALIAS_MATCHER = re.compile(
    "|".join(f"(?P<a{n}>{alias.pattern.pattern})" for n, alias in enumerate(_ALIASES))
)

# A line with one of these words is a payment to a store card or a payout, not a purchase at
# the store, so it must not collapse into the store's key ("HOME DEPOT AUTO PYMT").
_NOT_A_PURCHASE = re.compile(
    r"\b(?:AUTO ?PAY|AUTOPAY|AUTO PYMT|PYMT|PAYMENT|PAYMNT|PMT|E-?PAY|CRCARD|CARD SRVC|CARD SERVICES"
    r"|BILL ?PAY|PAYROLL|PAYRL|DIR(?:ECT)? DEP|SALARY|GEHALT|LOHN|SALARIS|PAYOUT|INSTANT PAY"
    r"|EARNINGS|REWARDS?|CASH ?BACK|STATEMENT CREDIT|TRANSFER|XFER)\b"
)


def _canonical(text: str) -> _Alias | None:
    if _NOT_A_PURCHASE.search(text):
        return None
    match = _ALIAS_MATCHER.match(_collapse(text.replace("*", " ")))
    if match is None or match.lastgroup is None:
        return None
    return _ALIASES[int(match.lastgroup[1:])]


# -- generic clean-up ----------------------------------------------------------------------------

_MONTH = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)"
_DATES_AND_TIMES = re.compile(
    r"(?<![A-Z0-9])(?:"
    r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?"
    r"|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?"
    r"|\d{1,2}/\d{4}"
    r"|\d{2}-\d{2}(?:-\d{2,4})?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?: ?[AP]M)?"
    r"|\d{1,2} ?[AP]M"
    rf"|\d{{1,2}}(?:ST|ND|RD|TH)? ?{_MONTH}(?: ?\d{{2,4}})?"
    rf"|{_MONTH} \d{{1,2}}(?:,? \d{{4}})?"
    rf"|\d{{2}}{_MONTH}\d{{2,4}}"
    r")(?![A-Z0-9])"
)
_PHONES = re.compile(
    r"(?<![\w])\+\d{1,3}[ .-]?(?:\(0\))?[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?!\w)"
    r"|(?<![\w-])(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w-])"
    r"|(?<![\w-])(?:1[ .-]?)?\d{3}-\d{3}-\d{4}(?![\w-])"
)
_CARD_MASKS = re.compile(
    r"(?:X{2,}|\.{3}|…|\*)[ -]?\d{2,4}(?!\d)"
    r"|\bCARD(?: NO\.?| NUMBER)?(?: ENDING(?: IN)?)? ?#?\d{4}(?!\d)"
    r"|\bENDING IN \d{4}(?!\d)"
)
_GLUED_NUMBER_SIGN = re.compile(r"(?<=[A-Z])#")
_THANK_YOU_SUFFIX = re.compile(r"THANK YOU\s*-\s*\w+$")
# Keys are shown and stored: only letters, digits and the punctuation names use survive.
_UNSAFE = re.compile(r"[^\w&+./#' -]|_")
_STAR_REFERENCE = re.compile(r"\*\s*[A-Z0-9]*\d[A-Z0-9]*")
_DKB_LOCATION = re.compile(r"//.*$")


def _table(text: str, sep: str = " ") -> list[str]:
    return [item.strip() for item in text.split(sep) if item.strip()]


_STORE_WORDS = frozenset(
    {"STORE", "STORES", "STR", "STE", "NO", "NR", "NUM", "BRANCH", "FILIALE", "LOC", "UNIT"}
)
_KEEP_NUMBER_BEFORE = frozenset({"TO", "FROM", "AN", "VON", "NAAR", "VAN", "FOR"})
_STORE_NUMBER = re.compile(r"#.*|N[OR]\.?\d+|\d{3,}|[A-Z]{1,2}-?\d{3,}|\d+(?:-\d+){2,}")
_LEGAL_FORMS = frozenset(
    {
        "GMBH", "MBH", "KG", "KGAA", "OHG", "UG", "EV", "E.V", "INC", "LLC", "L.L.C", "LTD", "LIMITED",
        "CORP", "CORPORATION", "PLC", "BV", "B.V", "NV", "N.V", "SARL", "S.A.R.L", "S.A R.L", "SRL",
        "S.P.A", "OY", "ASA",
    }
)  # fmt: skip
_TRAILING_LEGAL_FORMS = frozenset({"CO", "AG", "SA", "S.A", "SAS", "AB", "SE", "COMPANY", "&"})
_US_STATES = frozenset(
    _table(
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
        "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR AB BC MB NB NL NS NT NU ON PE QC SK YT"
    )
)
_COUNTRIES = frozenset(
    _table(
        "US USA GB GBR UK DE DEU NL NLD FR FRA IE IRL ES ESP IT ITA LU LUX BE BEL AT AUT CH CHE CAN AU AUS "
        "SE SWE DK DNK PT PRT PL POL"
    )
)
_CITIES = tuple(
    city.split()
    for city in _table(
        "NEW YORK|BROOKLYN|LOS ANGELES|SAN FRANCISCO|SAN JOSE|SAN DIEGO|SEATTLE|AUSTIN|HOUSTON|DALLAS|"
        "CHICAGO|BOSTON|DENVER|PHOENIX|PORTLAND|ATLANTA|MIAMI|ORLANDO|LAS VEGAS|PHILADELPHIA|WASHINGTON|"
        "MINNEAPOLIS|DETROIT|NASHVILLE|CHARLOTTE|SACRAMENTO|OAKLAND|SANTA MONICA|SAN ANTONIO|COLUMBUS|"
        "PITTSBURGH|BALTIMORE|SALT LAKE CTY|SALT LAKE CITY|NEW ORLEANS|HONOLULU|CUPERTINO|SUNNYVALE|"
        "MOUNTAIN VIEW|PALO ALTO|REDMOND|BELLEVUE|JERSEY CITY|ARLINGTON|TORONTO|VANCOUVER|MONTREAL|"
        "CALGARY|OTTAWA|LONDON|MANCHESTER|BIRMINGHAM|EDINBURGH|GLASGOW|BRISTOL|LEEDS|LIVERPOOL|DUBLIN|"
        "BERLIN|MUNCHEN|MUENCHEN|MUNICH|HAMBURG|KOLN|KOELN|FRANKFURT|FRANKFURT AM MAIN|STUTTGART|"
        "DUSSELDORF|DUESSELDORF|LEIPZIG|DRESDEN|AMSTERDAM|ROTTERDAM|UTRECHT|DEN HAAG|EINDHOVEN|PARIS|"
        "LUXEMBOURG|LUXEMBURG|BRUSSELS|BRUXELLES|MADRID|BARCELONA|LISBON|ROME|MILAN|VIENNA|WIEN|ZURICH|"
        "STOCKHOLM|COPENHAGEN|SUNNYVALE|LOS GATOS|MENLO PARK|CULVER CITY",
        sep="|",
    )
)
_FUEL_WORDS = frozenset({"FUEL", "GAS", "GASOLINE", "PETROL", "PFS", "TANKSTELLE"})
_CITIES_BY_LAST_WORD: dict[str, list[list[str]]] = {}
for _city in sorted(_CITIES, key=len, reverse=True):
    _CITIES_BY_LAST_WORD.setdefault(_city[-1], []).append(_city)
_NOISE_WORDS = frozenset(
    {"REFUND", "REFUNDS", "PENDING", "ERSTATTUNG", "RUCKERSTATTUNG", "RUECKERSTATTUNG", "TERUGBETALING"}
)
_TRAILING_CONNECTORS = frozenset(
    {"ON", "AT", "VIA", "REF", "NO", "NR", "ID", "FOR", "-", "&", "/", "THE", "IN"}
)
_TLD = re.compile(r"\.(?:COM|NET|ORG|CO\.UK|UK|DE|NL|FR|IO|AI|CA|EU|US|APP|TV)(?:/\S*)?$")
_TOKEN_EDGES = '.,;:-/#()[]{}"!?_=|\\'
_UK_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?")
_UK_POSTCODE_TAIL = re.compile(r"\d[A-Z]{2}")


def _is_reference(token: str) -> bool:
    """Order ids and authorisation codes: alphanumeric runs mixing letters and digits."""
    if token.isalpha() or not token.isalnum():
        return False
    digits = sum(ch.isdigit() for ch in token)
    if token.isdigit():
        return len(token) >= 6
    return len(token) >= 6 or digits >= 3


def _is_numberish(token: str) -> bool:
    """'P1234-01', '877-8244858', '2K4LM9': more digits than letters, and at least three."""
    digits = sum(ch.isdigit() for ch in token)
    return digits >= 3 and digits >= sum(ch.isalpha() for ch in token)


def _truncate_at_store_number(tokens: list[str]) -> list[str]:
    """'WHOLEFDS MKT #10234 AUSTIN TX' -> the words before the store number are the merchant."""
    for index, token in enumerate(tokens):
        if index == 0:
            continue
        is_number = bool(_STORE_NUMBER.fullmatch(token)) or _is_numberish(token) or _is_reference(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in _STORE_WORDS and _STORE_NUMBER.fullmatch(following.lstrip("#") or "#"):
            return tokens[:index]
        if not is_number:
            continue
        if following in _KEEP_NUMBER_BEFORE:
            return [*tokens[:index], *_truncate_at_store_number(tokens[index + 1 :])]
        if any(_LETTER.search(t) for t in tokens[:index]):
            return tokens[:index]
    return tokens


def _strip_location(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        last = tokens[-1]
        if last in _US_STATES or last in _COUNTRIES:
            tokens = tokens[:-1]
            changed = True
            continue
        if len(tokens) > 2 and _UK_POSTCODE_TAIL.fullmatch(last) and _UK_POSTCODE.fullmatch(tokens[-2]):
            tokens = tokens[:-2]
            changed = True
            continue
        for city in _CITIES_BY_LAST_WORD.get(last, ()):
            if len(tokens) > len(city) and tokens[-len(city) :] == city:
                tokens = tokens[: -len(city)]
                changed = True
                break
    return tokens


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    for index, token in enumerate(tokens):
        base = token.rstrip(".").split("-", 1)[0]
        if index > 0 and base in _LEGAL_FORMS:
            return tokens[:index]
    while len(tokens) > 1 and tokens[-1].rstrip(".") in _TRAILING_LEGAL_FORMS:
        tokens = tokens[:-1]
    return tokens


def _clean_token(token: str, first: bool) -> str:
    if "." not in token:
        return token.strip(_TOKEN_EDGES)
    if "WWW." in token or token.startswith("HTTP"):
        return ""
    if _TLD.search(token) and "/" not in token.split(".", 1)[0]:
        if not first:
            return ""
        token = _TLD.sub("", token)
    return token.strip(_TOKEN_EDGES)


def _cleanup(text: str) -> str:
    text = _DKB_LOCATION.sub("", text)
    if _DIGIT.search(text):
        if _THREE_DIGITS.search(text):
            text = _PHONES.sub(" ", text)
        text = _DATES_AND_TIMES.sub(" ", text)
        text = _CARD_MASKS.sub(" ", text)
        text = _STAR_REFERENCE.sub(" ", text)
    text = _THANK_YOU_SUFFIX.sub("THANK YOU", text)
    text = _GLUED_NUMBER_SIGN.sub(" #", _UNSAFE.sub(" ", text.replace("*", " ")))
    tokens = [t for t in text.split() if t not in _NOISE_WORDS]
    kept = _truncate_at_store_number(tokens)
    # "WAWA 8123 FUEL" and "WAWA 8123" are different budgets: keep the fuel word.
    if not _FUEL_WORDS.intersection(kept) and _FUEL_WORDS.intersection(tokens[len(kept) :]):
        kept = [*kept, "FUEL"]
    tokens = kept
    cleaned = [_clean_token(t, first=(i == 0)) for i, t in enumerate(tokens)]
    tokens = [t for t in cleaned if t and not _is_reference(t) and _MEANINGFUL.search(t)]
    tokens = [t for i, t in enumerate(tokens) if not (i > 0 and t.isdigit() and len(t) >= 3)]
    tokens = _strip_legal_forms(tokens)
    tokens = _strip_location(tokens)
    while len(tokens) > 1 and tokens[-1] in _TRAILING_CONNECTORS:
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[0] == "THE":
        tokens = tokens[1:]
    return " ".join(tokens)


# -- public API ----------------------------------------------------------------------------------


def _first_field(text: str) -> str:
    """Fixed-width exports (Amex, U.S. Bank) pad merchant, city and state into columns."""
    for field in _PADDING.split(text):
        if _has_word(_strip_leading(_collapse(field))):
            return field
    return text


@dataclass(frozen=True)
class _Parsed:
    key: str
    alias: _Alias | None
    text: str  # the merchant part before clean-up: no prefixes or ACH fields, padded fields kept


@lru_cache(maxsize=_CACHE_SIZE)
def _parse(description: str) -> _Parsed:
    normalized = _normalize(description)
    structured = _unwrap_structured(_collapse(normalized))
    if structured is None:
        text = _merchant_part(_collapse(_first_field(normalized)))
        whole = _merchant_part(_collapse(normalized))
    else:
        text = whole = _strip_processor(_strip_leading(_collapse(structured)))
    alias = _canonical(text)
    if alias is not None:
        return _Parsed(alias.key, alias, whole)
    key = _cleanup(text) or _cleanup(_collapse(normalized)) or _collapse(normalized.replace("*", " "))
    return _Parsed(key, None, whole)


def _merchant_part(text: str) -> str:
    return _strip_processor(_strip_leading(_collapse(_drop_reference_fields(text))))


def merchant_key(description: str) -> str:
    """A stable, upper-case key for the merchant behind a raw bank description."""
    return _parse(description).key


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


def merchant_name(description: str) -> str:
    """A tidy display name: the brand's own spelling when known, else Title Case of the key."""
    parsed = _parse(description)
    if parsed.alias is not None:
        return parsed.alias.display
    return display_name(parsed.key)


def display_name(key: str) -> str:
    """Display form of an already computed merchant key."""
    if key in _ALIAS_DISPLAY:
        return _ALIAS_DISPLAY[key]
    return " ".join(_title_token(token, first=(i == 0)) for i, token in enumerate(key.split()))
