"""One generated year of card and checking activity, for the categorization benchmarks.

A Zipf-like long tail of merchants: a few very frequent, many seen once, with realistic
descriptor noise (store numbers, cities, processor prefixes, references). Invented text
throughout; nothing here comes from a real statement.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from app.ids import identity_key, occurrence_ids
from app.models import RowSource, Transaction
from app.store import ImportRecord, Store

YEAR_START = dt.date(2025, 1, 1)
CITIES = (
    ("AUSTIN", "TX"),
    ("SEATTLE", "WA"),
    ("BROOKLYN", "NY"),
    ("OAKLAND", "CA"),
    ("CHICAGO", "IL"),
    ("DENVER", "CO"),
    ("PORTLAND", "OR"),
    ("BOSTON", "MA"),
    ("MIAMI", "FL"),
    ("ATLANTA", "GA"),
)

# Well-known merchants (the head of the distribution) and a typical amount range.
BRANDS: tuple[tuple[str, float, float], ...] = (
    ("STARBUCKS", 4, 12),
    ("AMZN Mktp US", 8, 120),
    ("UBER TRIP", 9, 45),
    ("WHOLEFDS", 20, 160),
    ("TRADER JOE'S", 15, 110),
    ("SHELL OIL", 30, 75),
    ("NETFLIX.COM", 15.49, 15.49),
    ("SPOTIFY USA", 11.99, 11.99),
    ("CHIPOTLE", 10, 28),
    ("TARGET", 12, 140),
    ("COSTCO WHSE", 60, 320),
    ("LYFT RIDE", 8, 40),
    ("DOORDASH", 18, 60),
    ("MCDONALD'S", 6, 18),
    ("CVS/PHARMACY", 5, 60),
    ("WALGREENS", 5, 45),
    ("HOME DEPOT", 15, 260),
    ("APPLE.COM/BILL", 0.99, 14.99),
    ("SAFEWAY", 20, 140),
    ("KROGER", 20, 150),
    ("CHEVRON", 30, 80),
    ("PANERA BREAD", 9, 25),
    ("DUNKIN", 3, 12),
    ("WALMART", 10, 150),
    ("BEST BUY", 20, 600),
    ("PLANET FITNESS", 24.99, 24.99),
    ("VERIZON WIRELESS", 85, 85),
    ("COMCAST XFINITY", 79.99, 79.99),
    ("PG&E", 60, 180),
    ("GEICO", 112, 112),
    ("DELTA AIR LINES", 180, 620),
    ("MARRIOTT", 140, 480),
    ("AIRBNB", 120, 900),
    ("PETCO", 15, 80),
    ("CHEWY.COM", 25, 90),
    ("IKEA", 20, 400),
    ("SEPHORA", 15, 90),
    ("AMC THEATRES", 12, 40),
    ("TICKETMASTER", 45, 300),
    ("ADOBE", 22.99, 22.99),
    ("OPENAI", 20, 20),
    ("HULU", 17.99, 17.99),
    ("PARKMOBILE", 2, 15),
    ("USPS", 5, 30),
    ("SWEETGREEN", 12, 20),
    ("SHAKE SHACK", 10, 30),
    ("7-ELEVEN", 3, 20),
    ("WAWA", 4, 25),
    ("REI", 20, 250),
    ("ETSY", 10, 80),
)
RECURRING_IN: tuple[tuple[str, float, float], ...] = (
    ("PAYROLL ACME CORP DIR DEP", 2850, 2850),
    ("INTEREST PAID", 0.5, 9),
)

FIRST = (
    "BLUE",
    "OAK",
    "MAPLE",
    "RIVER",
    "GOLDEN",
    "SUNNY",
    "NORTH",
    "HAPPY",
    "LITTLE",
    "GREEN",
    "SILVER",
    "CEDAR",
    "HARBOR",
    "PINE",
    "RED",
    "LUCKY",
    "URBAN",
    "OLD TOWN",
    "MAIN ST",
    "LAKESIDE",
    "SUMMIT",
    "COPPER",
    "IRON",
    "WILLOW",
    "BAYSIDE",
)
SECOND = (
    "HERON",
    "FOX",
    "BEAR",
    "LEAF",
    "STONE",
    "BRIDGE",
    "HILL",
    "GARDEN",
    "MILL",
    "CORNER",
    "WAVE",
    "FIELD",
    "ROCK",
    "STAR",
    "MOON",
    "ORCHARD",
    "CROWN",
    "ANCHOR",
    "LANTERN",
    "FEATHER",
)
# Business-type words: some the built-in rules know (CAFE, DENTAL...), many only a model
# would read (DELI, MOTEL, WINE...), so the long tail exercises both paths.
KINDS: tuple[tuple[str, float, float], ...] = (
    ("CAFE", 4, 15),
    ("BISTRO", 20, 80),
    ("PIZZA", 12, 40),
    ("TAVERN", 15, 60),
    ("HARDWARE", 8, 90),
    ("DENTAL", 80, 300),
    ("SALON", 30, 120),
    ("DELI", 8, 25),
    ("BAGEL", 5, 15),
    ("BURRITO", 9, 18),
    ("WINE", 15, 70),
    ("MOTEL", 70, 160),
    ("FUEL", 25, 70),
    ("TRANSIT", 2, 10),
    ("ENERGY", 60, 180),
    ("WATER", 30, 80),
    ("INTERNET", 50, 90),
    ("APARTMENTS", 1200, 2400),
    ("MEDICAL", 40, 300),
    ("CONCERT", 40, 150),
    ("SCHOOL", 50, 500),
    ("VET", 60, 300),
    ("PET", 15, 60),
    ("LICENSE", 20, 120),
    ("TRADING", 10, 90),
)


@dataclass(frozen=True)
class Merchant:
    name: str
    low: float
    high: float
    direction: str = "out"
    brand: bool = False


def long_tail(rng: random.Random, count: int) -> list[Merchant]:
    """Invented local merchants; some carry a type word a model can use, some do not."""
    seen: set[str] = set()
    merchants: list[Merchant] = []
    while len(merchants) < count:
        kind, low, high = rng.choice(KINDS)
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {kind}"
        if rng.random() < 0.25:
            name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {''.join(rng.choices(string.ascii_uppercase, k=3))}"
        if name in seen:
            continue
        seen.add(name)
        merchants.append(Merchant(name, low, high))
    return merchants


def noisy_descriptor(rng: random.Random, merchant: Merchant) -> str:
    """How card processors print a merchant: prefixes, store numbers, cities, references."""
    name = merchant.name
    city, state = rng.choice(CITIES)
    if merchant.direction == "in":
        return f"{name} {rng.randint(10**8, 10**9 - 1)}" if rng.random() < 0.5 else name
    roll = rng.random()
    if name.startswith("AMZN"):
        return f"{name}*{''.join(rng.choices(string.ascii_uppercase + string.digits, k=9))}"
    if merchant.brand:  # chains print their own name, not a Square or Toast prefix
        roll = 0.0 if roll < 0.5 else 0.99
    if roll < 0.25:
        return f"{name} #{rng.randint(1, 9999):04d} {city} {state}"
    if roll < 0.40:
        return f"SQ *{name} {city} {state}"
    if roll < 0.50:
        return f"TST* {name} - {city.title()}"
    if roll < 0.58:
        return f"PAYPAL *{name.replace(' ', '')[:15]}"
    if roll < 0.70:
        return f"POS DEBIT {name} {city} {state} {rng.randint(10, 12)}/{rng.randint(10, 28)}"
    return f"{name} {city} {state}"


def zipf_weights(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def generate_year(transactions: int, seed: int) -> list[Transaction]:
    rng = random.Random(seed)
    pool = [Merchant(name, low, high, brand=True) for name, low, high in BRANDS]
    rng.shuffle(pool)
    pool += long_tail(rng, max(transactions // 2, 100))
    weights = zipf_weights(len(pool), 1.05)
    rows: list[tuple[dt.date, str, Decimal, str]] = []
    for day in range(0, 365, 14):  # biweekly pay and monthly-ish interest
        for merchant_name, low, high in RECURRING_IN:
            date = YEAR_START + dt.timedelta(days=day)
            amount = Decimal(str(round(rng.uniform(low, high), 2)))
            rows.append(
                (date, noisy_descriptor(rng, Merchant(merchant_name, low, high, "in")), amount, "checking")
            )
    picks = rng.choices(pool, weights=weights, k=transactions - len(rows))
    for merchant in picks:
        date = YEAR_START + dt.timedelta(days=rng.randrange(365))
        amount = -Decimal(str(round(rng.uniform(merchant.low, merchant.high), 2)))
        if rng.random() < 0.02:
            amount = -amount  # a refund
        rows.append((date, noisy_descriptor(rng, merchant), amount, "card"))
    rows.sort(key=lambda r: r[0])
    keys = [identity_key(account, date, amount, "USD", text) for date, text, amount, account in rows]
    return [
        Transaction(
            id=tid,
            account=account,
            date=date,
            description=text,
            amount=amount,
            currency="USD",
            source=RowSource(file_sha256="bench" + "0" * 59, row=n),
        )
        for n, (tid, (date, text, amount, account)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), 1
        )
    ]


def load_store(data_dir: Path, transactions: list[Transaction]) -> Store:
    store = Store(data_dir / "privfin.sqlite3")
    record = ImportRecord(
        file_sha256="bench" + "0" * 59,
        file_name="bench-year.csv",
        profile="bench",
        account=None,
        rows_read=len(transactions),
    )
    store.commit_import(record, transactions)
    return store
