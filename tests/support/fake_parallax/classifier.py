"""Deterministic merchant-keyword classifier behind the fake's default responder.

The fake is not an LLM: it needs answers that are stable, plausible and cheap, so
tests can assert on them. Rules follow privfin's taxonomy (docs/taxonomy.md A.1/A.2):
specific descriptors (UBER EATS, COSTCO GAS, AMAZON PRIME...) are listed before
the brand or generic word they contain, and the first matching rule wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_CATEGORIES: tuple[str, ...] = (
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

SPECIFIC_CONFIDENCE = 0.93
GENERIC_CONFIDENCE = 0.72
INCOME_CONFIDENCE = 0.95
UNKNOWN_CONFIDENCE = 0.15

# Money coming in with one of these words is pay, interest or a reward, whatever else the text says.
_INCOME_WORDS = (
    "PAYROLL",
    "SALARY",
    "DIRECT DEP",
    "DIR DEP",
    "DIRECTDEP",
    "PAYCHECK",
    "WAGES",
    "ADP",
    "GUSTO",
    "DIVIDEND",
    "INTEREST PAID",
    "INTEREST EARNED",
    "INTEREST",
    "CASH BACK",
    "CASHBACK",
    "REWARDS",
    "REWARD",
    "STATEMENT CREDIT",
    "TAX REFUND",
    "IRS TREAS",
)

# Specific descriptors: brands and multi-word phrases. Order matters (first match wins).
# fmt: off
_SPECIFIC: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Dining", ("UBER EATS", "UBER *EATS", "UBER* EATS", "UBEREATS", "DOORDASH", "GRUBHUB", "DELIVEROO", "JUST EAT", "POSTMATES", "SEAMLESS")),
    ("Transport", ("COSTCO GAS", "SAMS CLUB FUEL", "TESLA SUPERCHARGER")),
    ("Groceries", ("AMAZON FRESH", "WALMART GROCERY", "WHOLEFDS", "WHOLE FOODS", "HELLOFRESH", "BLUE APRON")),
    ("Subscriptions", ("AMAZON PRIME", "AMZN PRIME", "PRIME VIDEO", "AUDIBLE", "KINDLE UNLTD", "APPLE.COM/BILL", "UBER ONE", "DASHPASS", "INSTACART+")),
    ("Shopping", ("APPLE STORE", "APPLE.COM/US")),
    ("Fees & Interest", ("FOREIGN TRANSACTION FEE", "FOREIGN TRANS FEE", "LATE FEE", "ANNUAL FEE", "OVERDRAFT", "NSF FEE", "ATM FEE", "INTEREST CHARGE", "PURCHASE INTEREST", "FINANCE CHARGE", "SERVICE FEE", "MONTHLY FEE", "MAINTENANCE FEE", "CASH ADVANCE FEE", "BALANCE TRANSFER FEE")),
    ("Insurance", ("DELTA DENTAL", "UNITEDHEALTHCARE", "UNITED HEALTHCARE", "BLUE CROSS", "BCBS", "AETNA", "CIGNA", "HUMANA", "GEICO", "STATE FARM", "PROGRESSIVE", "ALLSTATE", "LIBERTY MUTUAL", "NATIONWIDE", "FARMERS INS", "USAA INS", "LEMONADE", "METLIFE", "AFLAC")),
    ("Transfers & Card Payments", ("AUTOPAY", "AUTO PYMT", "AUTO PAY", "PAYMENT THANK YOU", "ONLINE PAYMENT", "CARD PAYMENT", "VENMO", "ZELLE", "CASH APP", "PAYPAL INST XFER", "ATM WITHDRAWAL", "ATM DEPOSIT", "MOBILE DEPOSIT", "COINBASE", "ROBINHOOD", "VANGUARD", "FIDELITY", "WIRE TRANSFER")),
    ("Loan Payments", ("AFFIRM", "KLARNA", "AFTERPAY", "SALLIE MAE", "NAVIENT", "NELNET", "MOHELA", "STUDENT LOAN", "PERSONAL LOAN", "LENDINGCLUB", "UPSTART", "EARNIN", "BRIGIT")),
    ("Groceries", ("KROGER", "SAFEWAY", "TRADER JOES", "ALDI", "LIDL", "PUBLIX", "WEGMANS", "COSTCO", "SAMS CLUB", "BJS WHOLESALE", "H-E-B", "HEB", "FOOD LION", "GIANT EAGLE", "STOP & SHOP", "SPROUTS", "ALBERTSONS", "MEIJER", "TESCO", "SAINSBURYS", "ASDA", "WAITROSE", "7-ELEVEN", "WAWA", "INSTACART")),
    ("Dining", ("STARBUCKS", "DUNKIN", "MCDONALDS", "MCDONALD", "CHIPOTLE", "SUBWAY", "PANERA", "TACO BELL", "WENDYS", "BURGER KING", "CHICK-FIL-A", "DOMINOS", "PIZZA HUT", "SWEETGREEN", "SHAKE SHACK", "PRET A MANGER", "COSTA COFFEE", "KFC", "FIVE GUYS", "IN-N-OUT")),
    ("Travel", ("DELTA AIR", "DELTA", "UNITED AIRLINES", "UNITED AIR", "AMERICAN AIRLINES", "AMERICAN AIR", "SOUTHWEST", "JETBLUE", "ALASKA AIR", "SPIRIT AIRL", "RYANAIR", "EASYJET", "BRITISH AIRWAYS", "LUFTHANSA", "AIR FRANCE", "MARRIOTT", "HILTON", "HYATT", "IHG", "HOLIDAY INN", "AIRBNB", "VRBO", "EXPEDIA", "BOOKING.COM", "HOTELS.COM", "KAYAK", "HERTZ", "AVIS", "ENTERPRISE RENT", "RENT A CAR", "SIXT", "AMTRAK", "EUROSTAR", "SNCF", "GREYHOUND")),
    ("Utilities", ("PG&E", "CON ED", "CONEDISON", "DUKE ENERGY", "NATIONAL GRID", "COMCAST", "XFINITY", "VERIZON", "AT&T", "T-MOBILE", "SPECTRUM", "COX COMM", "GOOGLE FI", "MINT MOBILE", "VODAFONE", "BRITISH GAS", "WASTE MANAGEMENT")),
    ("Transport", ("SHELL", "CHEVRON", "EXXONMOBIL", "EXXON", "MOBIL", "BP", "TEXACO", "SUNOCO", "CITGO", "VALERO", "QUIKTRIP", "ARCO", "SPEEDWAY", "UBER", "LYFT", "METRO", "MTA", "BART", "TFL", "CLIPPER", "VENTRA", "PARKMOBILE", "SPOTHERO", "E-ZPASS", "EZPASS", "FASTRAK", "CHARGEPOINT", "JIFFY LUBE", "AUTOZONE", "CITI BIKE")),
    ("Subscriptions", ("NETFLIX", "SPOTIFY", "HULU", "DISNEY PLUS", "DISNEY+", "HBO MAX", "YOUTUBE PREMIUM", "YOUTUBEPREMIUM", "APPLE MUSIC", "ICLOUD", "GOOGLE STORAGE", "GOOGLE ONE", "DROPBOX", "ADOBE", "MICROSOFT 365", "OPENAI", "CHATGPT", "NYTIMES", "WSJ", "PATREON", "XBOX GAME PASS", "PLAYSTATION PLUS", "PARAMOUNT+", "PEACOCK", "CALM", "HEADSPACE")),
    ("Housing", ("MORTGAGE", "HOME DEPOT", "LOWES", "IKEA", "WAYFAIR", "BED BATH", "PROPERTY MGMT", "TERMINIX", "ADT SECURITY")),
    ("Health", ("CVS", "WALGREENS", "RITE AID", "BOOTS", "LABCORP", "QUEST DIAG", "KAISER", "BETTERHELP", "TALKSPACE", "ONE MEDICAL", "GOODRX")),
    ("Personal Care", ("PLANET FITNESS", "EQUINOX", "24 HOUR FITNESS", "ANYTIME FITNESS", "ORANGETHEORY", "PELOTON", "CLASSPASS", "SEPHORA", "ULTA", "GREAT CLIPS", "SUPERCUTS")),
    ("Entertainment", ("AMC", "REGAL", "CINEMARK", "FANDANGO", "TICKETMASTER", "STUBHUB", "LIVE NATION", "EVENTBRITE", "STEAMGAMES", "STEAM", "NINTENDO", "PLAYSTATION", "XBOX", "DISNEYLAND", "SIX FLAGS", "DRAFTKINGS", "FANDUEL")),
    ("Education & Childcare", ("COURSERA", "UDEMY", "DUOLINGO", "MASTERCLASS", "KINDERCARE", "BRIGHT HORIZONS", "CARE.COM", "CHEGG")),
    ("Pets", ("PETCO", "PETSMART", "CHEWY", "BANFIELD", "ROVER.COM", "BARKBOX", "TRUPANION")),
    ("Gifts & Donations", ("RED CROSS", "UNICEF", "GOFUNDME", "WIKIMEDIA", "ACTBLUE", "WINRED", "UNITED WAY", "SALVATION ARMY")),
    ("Taxes & Government", ("IRS", "DMV", "DEPT OF MOTOR", "PASSPORT", "FRANCHISE TAX", "HMRC", "CITY OF", "COUNTY OF")),
    ("Shopping", ("AMZN", "AMAZON", "TARGET", "WALMART", "WAL-MART", "BEST BUY", "EBAY", "ETSY", "MACYS", "NORDSTROM", "KOHLS", "TJ MAXX", "TJMAXX", "MARSHALLS", "ROSS STORES", "UNIQLO", "ZARA", "H&M", "GAP", "OLD NAVY", "NIKE", "ADIDAS", "DICKS SPORTING", "REI", "BARNES & NOBLE", "STAPLES", "OFFICE DEPOT", "SHEIN", "TEMU", "ALIEXPRESS", "DOLLAR TREE", "DOLLAR GENERAL", "SHOPIFY")),
    ("Other", ("USPS", "UPS STORE", "FEDEX", "ROYAL MAIL", "PUBLIC STORAGE", "EXTRA SPACE", "LEGALZOOM", "NOTARY")),
)

# Generic words: weaker evidence, tried only when no specific descriptor matched.
_GENERIC: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Fees & Interest", ("FEE", "INTEREST")),
    ("Transfers & Card Payments", ("TRANSFER", "XFER", "PAYMENT", "WITHDRAWAL", "DEPOSIT")),
    ("Groceries", ("GROCERY", "GROCERIES", "SUPERMARKET", "LIQUOR", "WINE", "BAKERY")),
    ("Dining", ("CAFE", "COFFEE", "RESTAURANT", "BISTRO", "GRILL", "DINER", "BAR", "PUB", "BREWERY", "TAVERN", "SUSHI", "PIZZA", "BURRITO", "BAGEL", "DELI", "TST*")),
    ("Travel", ("AIRLINES", "AIRLINE", "AIRWAYS", "HOTEL", "HOTELS", "MOTEL", "INN", "RESORT", "CRUISE")),
    ("Transport", ("FUEL", "PARKING", "TOLL", "TAXI", "TRANSIT", "GAS STATION")),
    ("Utilities", ("ELECTRIC", "ENERGY", "WATER", "INTERNET", "WIRELESS", "UTILITY", "UTILITIES")),
    ("Housing", ("RENT", "HOA", "APARTMENTS", "LANDLORD", "HARDWARE", "FURNITURE")),
    ("Health", ("PHARMACY", "DENTAL", "DENTIST", "MEDICAL", "CLINIC", "HOSPITAL", "OPTOMETRY", "THERAPY", "URGENT CARE")),
    ("Personal Care", ("GYM", "FITNESS", "YOGA", "SALON", "BARBER", "NAILS", "SPA", "MASSAGE", "LAUNDRY", "DRY CLEAN")),
    ("Entertainment", ("CINEMA", "THEATER", "THEATRE", "MUSEUM", "CONCERT", "BOWLING", "CASINO", "ZOO", "TICKETS")),
    ("Education & Childcare", ("TUITION", "UNIVERSITY", "COLLEGE", "SCHOOL", "DAYCARE", "CHILDCARE", "BABYSITTER", "TEXTBOOK")),
    ("Pets", ("VET", "VETERINARY", "PET", "GROOMING")),
    ("Insurance", ("INSURANCE", "INS PREM")),
    ("Gifts & Donations", ("DONATION", "DONATE", "CHARITY", "CHURCH", "TITHE", "FOUNDATION")),
    ("Taxes & Government", ("TAX", "TAXES", "COURT", "LICENSE", "CITATION")),
)
# fmt: on


@dataclass(frozen=True)
class Classification:
    category: str | None
    confidence: float


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Word boundaries only where the keyword itself starts/ends with a letter or digit, so
    # "SHELL" misses "SHELLFISH" but "TST*" still matches "TST*JOES".
    lead = r"(?<![A-Z0-9])" if keyword[0].isalnum() else ""
    tail = r"(?![A-Z0-9])" if keyword[-1].isalnum() else ""
    return re.compile(lead + re.escape(keyword) + tail)


def _compile(
    table: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((category, _keyword_pattern(kw)) for category, keywords in table for kw in keywords)


_INCOME_PATTERNS = tuple(_keyword_pattern(kw) for kw in _INCOME_WORDS)
_SPECIFIC_PATTERNS = _compile(_SPECIFIC)
_GENERIC_PATTERNS = _compile(_GENERIC)


def normalise_descriptor(text: str) -> str:
    """Upper-case, drop apostrophes (MCDONALD'S → MCDONALDS) and collapse whitespace."""
    cleaned = text.upper().replace("'", "").replace("’", "")
    return " ".join(cleaned.split())


def classify(text: str, direction: str | None) -> Classification:
    """Category for one statement line; `None` with low confidence when nothing matches."""
    descriptor = normalise_descriptor(text)
    if direction == "in" and any(p.search(descriptor) for p in _INCOME_PATTERNS):
        return Classification("Income", INCOME_CONFIDENCE)
    for patterns, confidence in (
        (_SPECIFIC_PATTERNS, SPECIFIC_CONFIDENCE),
        (_GENERIC_PATTERNS, GENERIC_CONFIDENCE),
    ):
        for category, pattern in patterns:
            if pattern.search(descriptor):
                return Classification(category, confidence)
    return Classification(None, UNKNOWN_CONFIDENCE)
