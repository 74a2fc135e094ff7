#!/usr/bin/env python3
"""Generate privfin's sample statements in `sample_data/`, deterministically.

Each CSV mimics one real bank export layout (header, preamble, date and number
formats, sign convention, quoting, row order) with six months of invented activity,
2026-03-01 .. 2026-08-31. Names, card and account numbers are made up.

Besides the CSVs it writes `expected.json`, the generator's own record of every
transaction it put in each file (date, signed amount, description, account group), so
the golden tests compare the importer against what was written rather than against the
importer's own output, and `README.md`, which describes each file.

    python scripts/make_sample_data.py            # rewrite sample_data/
    python scripts/make_sample_data.py --out DIR  # write the same files elsewhere

Every random choice comes from a fixed seed per file: re-running reproduces the files
byte for byte, and changing one file's activity does not reshuffle the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

START = dt.date(2026, 3, 1)
END = dt.date(2026, 8, 31)
SEED = "privfin-sample-data/v1"
CENT = Decimal("0.01")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "sample_data"

# Both identical rows of this pair must survive import (two subway taps on one day).
IDENTICAL_FARE = ("MTA*NYCT PAYGO", Decimal("-2.90"), dt.date(2026, 5, 15))
MALICIOUS_DESCRIPTIONS = (
    '=HYPERLINK("http://evil.example","x")',
    "<script>alert(1)</script> CAFE",
)

Kind = Literal["sale", "return", "payment", "fee", "credit"]


# --------------------------------------------------------------------------- helpers


def rng_for(name: str) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`, so they are stable across runs.
    return random.Random(f"{SEED}:{name}")


def money(rng: random.Random, low: str | int, high: str | int) -> Decimal:
    cents = rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
    return Decimal(cents).scaleb(-2)


def percent_of(amount: Decimal, rate: str) -> Decimal:
    return (amount * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def token(rng: random.Random, length: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def digits(rng: random.Random, length: int) -> str:
    return token(rng, length, string.digits)


def month_starts() -> list[dt.date]:
    months = []
    current = START.replace(day=1)
    while current <= END:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def day_of(month: dt.date, day: int) -> dt.date:
    return month.replace(day=min(day, last_day(month).day))


def random_day(rng: random.Random, month: dt.date) -> dt.date:
    return month.replace(day=rng.randint(1, last_day(month).day))


def weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def every(rng: random.Random, first: dt.date, min_gap: int, max_gap: int) -> Iterator[dt.date]:
    day = first
    while day <= END:
        yield day
        day += dt.timedelta(days=rng.randint(min_gap, max_gap))


def weekly(weekday: int, start: dt.date = START) -> Iterator[dt.date]:
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= END:
        yield day
        day += dt.timedelta(days=7)


def in_period(day: dt.date) -> bool:
    return START <= day <= END


def us_amount(amount: Decimal, thousands: bool = False) -> str:
    return f"{amount:,.2f}" if thousands else f"{amount:.2f}"


def de_amount(amount: Decimal) -> str:
    """DKB (2023+) style: dot thousands, decimal comma, trailing zeros dropped (-1.150, -12,5)."""
    whole, fraction = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def de_amount_full(amount: Decimal) -> str:
    whole, fraction = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    return f"{sign}{int(whole):,}".replace(",", ".") + f",{fraction}"


def iban_de(bank_code: str, account: str) -> str:
    bban = bank_code + account.zfill(10)
    check = 98 - int(bban + "131400") % 97  # "DE00" moved to the end, letters as numbers
    return f"DE{check:02d}{bban}"


def spaced_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def quote_always(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def quote_minimal(value: str) -> str:
    needs_quotes = any(ch in value for ch in ',"\r\n')
    return quote_always(value) if needs_quotes else value


def csv_line(fields: Sequence[str], quote: Callable[[str], str], delimiter: str = ",") -> str:
    return delimiter.join(quote(value) for value in fields)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Place:
    """Where a card purchase happened, as Amex's extended details print it."""

    city: str = "AUSTIN"
    state: str = "TX"
    zip_code: str = "78704"
    address: str = ""
    country: str = "UNITED STATES"


@dataclass(frozen=True)
class Charge:
    """One card line in privfin's sign convention: money out negative."""

    date: dt.date
    description: str
    amount: Decimal
    kind: Kind
    category: str = ""
    holder: int = 0  # which card member / card number of a multi-card account
    place: Place = Place()
    detail: str = ""  # a line of the issuer's extended details (e.g. foreign spend)


@dataclass(frozen=True)
class ExpectedRow:
    """What privfin must read back from one transaction row."""

    date: dt.date
    amount: Decimal
    description: str
    group: str = ""  # account within a multi-account file
    counterparty: str = ""  # DKB: the other party, which the description must name
    alternatives: tuple[str, ...] = ()  # Mint: texts of which the description must contain one

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "date": self.date.isoformat(),
            "amount": str(self.amount),
            "description": self.description,
        }
        if self.group:
            data["group"] = self.group
        if self.counterparty:
            data["counterparty"] = self.counterparty
        if self.alternatives:
            data["alternatives"] = list(self.alternatives)
        return data


@dataclass
class Statement:
    filename: str
    layout: str
    title: str
    account: str
    currency: str
    sign_convention: str
    quirks: list[str]
    lines: list[str]
    newline: str
    rows: list[ExpectedRow]
    skipped: dict[str, int] = field(default_factory=dict)
    bom: bool = False
    description_rule: str = "exact"  # exact | contains_counterparty | contains_alternative

    def encoded(self) -> bytes:
        text = self.newline.join(self.lines) + self.newline
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal("0.00"))


class CardBook:
    """Collects one card account's lines, then adds the monthly statement payments."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.charges: list[Charge] = []

    def sale(self, day: dt.date, description: str, amount: Decimal, category: str) -> None:
        self.charges.append(Charge(day, description, -amount, "sale", category))

    def add(self, charge: Charge) -> None:
        self.charges.append(charge)

    def statement_balance(self, month: dt.date, posted: Callable[[Charge], dt.date]) -> Decimal:
        spent = sum(
            (c.amount for c in self.charges if c.kind != "payment" and posted(c).replace(day=1) == month),
            Decimal("0.00"),
        )
        return -spent

    def add_payments(
        self,
        pay_day: int,
        opening_balance: Decimal,
        description: Callable[[int], str],
        posted: Callable[[Charge], dt.date],
    ) -> list[tuple[dt.date, Decimal]]:
        """Autopay of the previous month's statement balance; returns (date, amount paid)."""
        payments = []
        months = month_starts()
        for index, month in enumerate(months):
            amount = opening_balance if index == 0 else self.statement_balance(months[index - 1], posted)
            day = weekday_on_or_after(day_of(month, pay_day))
            self.charges.append(Charge(day, description(index), amount, "payment"))
            payments.append((day, amount))
        return payments


def posting_dates(rng: random.Random, charges: Sequence[Charge]) -> dict[int, dt.date]:
    """When each line posts: purchases one to three days after the sale, payments the same day.

    Identical lines of one day (two transit taps) post together, and a foreign-transaction
    fee posts with the purchase it was added right after.
    """
    posted: dict[int, dt.date] = {}
    by_line: dict[tuple[dt.date, str, Decimal], dt.date] = {}
    previous: Charge | None = None
    for charge in charges:
        key = (charge.date, charge.description, charge.amount)
        if key in by_line:
            day = by_line[key]
        elif charge.kind == "fee" and previous is not None and previous.date == charge.date:
            day = posted[id(previous)]
        elif charge.kind in ("sale", "return"):
            day = charge.date + dt.timedelta(days=rng.randint(1, 3))
        else:
            day = charge.date
        posted[id(charge)] = by_line[key] = day
        previous = charge
    return posted


# --------------------------------------------------------------------------- Chase credit card

CHASE_LONG_TAIL = (
    ("KINGFISHER & CO 0231", "Shopping", "24", "68"),
    ("J&M 2ND ST LLC", "Food & Drink", "9", "31"),
    ("MOONTOWER BIKEWORKS", "Shopping", "25", "140"),
    ("HYDE PARK DRY CLEANERS", "Personal", "12", "41"),
    ("SOUTHPAW YOGA ATX", "Health & Wellness", "20", "25"),
    ("BLUEBONNET TUTORING", "Education", "60", "90"),
    ("OAKWOOD COMMONS 4417", "Home", "30", "95"),
)


def chase_card_book(rng: random.Random) -> CardBook:
    book = CardBook(rng)
    for month in month_starts():
        book.sale(day_of(month, 3), f"Amazon Prime*{token(rng, 9)}", Decimal("14.99"), "Shopping")
        book.sale(day_of(month, 7), "NETFLIX.COM", Decimal("15.49"), "Entertainment")
        book.sale(day_of(month, 12), "SPOTIFY USA", Decimal("11.99"), "Entertainment")
        book.sale(day_of(month, 19), "APPLE.COM/BILL", Decimal("2.99"), "Shopping")
        book.sale(day_of(month, 22), "OPENAI *CHATGPT SUBSCR", Decimal("20.00"), "Shopping")
        for _ in range(rng.randint(2, 4)):
            book.sale(random_day(rng, month), f"AMZN Mktp US*{token(rng, 9)}", money(rng, 8, 85), "Shopping")
        for _ in range(rng.randint(1, 2)):
            book.sale(random_day(rng, month), "TARGET        00028126", money(rng, 18, 120), "Shopping")
        book.sale(random_day(rng, month), "CVS/PHARMACY #07812", money(rng, 8, 40), "Health & Wellness")
        for _ in range(2):
            book.sale(random_day(rng, month), "UBER   *TRIP", money(rng, 11, 34), "Travel")
        ride = random_day(rng, month)
        hour = rng.choice(("8AM", "9AM", "5PM", "6PM", "7PM", "11PM"))
        book.sale(ride, f"LYFT   *RIDE {ride.strftime('%a').upper()} {hour}", money(rng, 9, 27), "Travel")
        for name, category, low, high in rng.sample(CHASE_LONG_TAIL, 2):
            book.sale(random_day(rng, month), name, money(rng, low, high), category)
    for index, day in enumerate(every(rng, START + dt.timedelta(days=rng.randint(0, 5)), 8, 12)):
        station = "SHELL OIL 57444213507" if index % 3 else "SHELL OIL 57444860112"
        book.sale(day, station, money(rng, 32, 58), "Gas")

    # New York, May 14-17: flights booked in April, subway taps, hotel at checkout.
    book.sale(dt.date(2026, 4, 20), "UNITED      0162389457123", Decimal("389.40"), "Travel")
    book.sale(dt.date(2026, 5, 14), "MTA*NYCT PAYGO", Decimal("2.90"), "Travel")
    fare_text, fare_amount, fare_day = IDENTICAL_FARE
    book.sale(fare_day, fare_text, -fare_amount, "Travel")
    book.sale(fare_day, fare_text, -fare_amount, "Travel")
    book.sale(dt.date(2026, 5, 15), "UBER   *TRIP", Decimal("23.18"), "Travel")
    book.sale(dt.date(2026, 5, 16), "MTA*NYCT PAYGO", Decimal("5.80"), "Travel")
    book.sale(dt.date(2026, 5, 17), "MARRIOTT NEW YORK DOWNTOWN", Decimal("812.33"), "Travel")

    # Lisbon, July 10-18: flights and the apartment booked ahead; 3% fee on each foreign line.
    book.sale(dt.date(2026, 5, 28), "UNITED      0162391128845", Decimal("1186.20"), "Travel")
    book.sale(dt.date(2026, 6, 12), "AIRBNB * HMQ8Z2KX4T", Decimal("742.18"), "Travel")
    for day, text, amount, category in (
        (dt.date(2026, 7, 11), "PINGO DOCE LISBOA", "38.46", "Groceries"),
        (dt.date(2026, 7, 12), "METRO LISBOA", "6.52", "Travel"),
        (dt.date(2026, 7, 13), "CP COMBOIOS DE PORTUGAL", "13.04", "Travel"),
        (dt.date(2026, 7, 14), "UBER   *TRIP", "9.87", "Travel"),
        (dt.date(2026, 7, 16), "TIME OUT MARKET LISBOA", "54.20", "Food & Drink"),
    ):
        book.sale(day, text, Decimal(amount), category)
        fee = percent_of(Decimal(amount), "0.03")
        book.add(Charge(day, "FOREIGN TRANSACTION FEE", -fee, "fee", "Fees & Adjustments"))

    # Returns keep the merchant's text and come back positive.
    book.sale(dt.date(2026, 6, 8), "AMZN Mktp US*4M2TQ81Z0", Decimal("34.99"), "Shopping")
    book.add(Charge(dt.date(2026, 6, 22), "AMZN Mktp US*4M2TQ81Z0", Decimal("34.99"), "return", "Shopping"))
    book.add(Charge(dt.date(2026, 8, 9), "TARGET        00028126", Decimal("27.49"), "return", "Shopping"))

    # Hostile merchant texts: must import, and later render, as inert plain text.
    book.sale(dt.date(2026, 4, 9), MALICIOUS_DESCRIPTIONS[0], Decimal("1.00"), "Shopping")
    book.sale(dt.date(2026, 6, 2), MALICIOUS_DESCRIPTIONS[1], Decimal("4.75"), "Food & Drink")
    return book


CHASE_TYPES: dict[Kind, str] = {"sale": "Sale", "return": "Return", "payment": "Payment", "fee": "Fee"}


def chase_credit_card() -> tuple[Statement, list[tuple[dt.date, Decimal]]]:
    rng = rng_for("chase_credit_card")
    book = chase_card_book(rng)
    posted_by_id = posting_dates(rng, book.charges)

    def posted(charge: Charge) -> dt.date:
        return posted_by_id.get(id(charge), charge.date)

    payments = book.add_payments(
        24,
        Decimal("1184.27"),
        lambda i: "Payment Thank You - Web" if i == 3 else "Payment Thank You-Mobile",
        posted,
    )
    # An export by posting date: lines that post after the period belong to the next one.
    charges = [c for c in book.charges if in_period(c.date) and in_period(posted(c))]
    charges.sort(key=lambda c: (c.date, posted(c)), reverse=True)

    lines = ["Transaction Date,Post Date,Description,Category,Type,Amount,Memo"]
    rows = []
    for charge in charges:
        fields = (
            charge.date.strftime("%m/%d/%Y"),
            posted(charge).strftime("%m/%d/%Y"),
            charge.description,
            charge.category,
            CHASE_TYPES[charge.kind],
            us_amount(charge.amount),
            "",
        )
        lines.append(csv_line(fields, quote_minimal))
        rows.append(ExpectedRow(charge.date, charge.amount, charge.description))
    statement = Statement(
        filename="chase_credit_card.csv",
        layout="Chase credit card",
        title="Chase Freedom Unlimited, card XXXX4821 (Jordan Rivera, Austin TX)",
        account="Chase Freedom Unlimited XXXX4821",
        currency="USD",
        sign_convention="one signed Amount column: purchases and fees negative, payments and returns positive",
        quirks=[
            "newest first; `Transaction Date` and `Post Date` differ by 1-3 days, the export is by post date",
            "two identical `MTA*NYCT PAYGO` -2.90 rows on 05/15/2026 (both are real taps)",
            "processor prefixes `UBER   *`, `LYFT   *`, `AMZN Mktp US*` with varying references, `OPENAI *`",
            "`FOREIGN TRANSACTION FEE` lines (Type Fee) after each purchase in Lisbon",
            "returns (Type Return) with positive amounts; monthly `Payment Thank You-Mobile`",
            "two hostile descriptions: a spreadsheet formula with quotes and commas, and a `<script>` tag",
            "empty trailing `Memo` column",
        ],
        lines=lines,
        newline="\n",
        rows=rows,
    )
    return statement, payments


# --------------------------------------------------------------------------- American Express

AUSTIN = Place()
AMEX_MEMBERS = (("JORDAN RIVERA", "-41009"), ("ALEX RIVERA", "-41017"))


def amex_description(name: str, place: Place) -> str:
    # Amex pads the merchant to 23 and the city to 20 characters.
    return f"{name[:22]:<23}{place.city:<20}{place.state}"


def amex_book(rng: random.Random) -> CardBook:
    book = CardBook(rng)

    def member() -> int:
        return 1 if rng.random() < 0.3 else 0

    def buy(
        day: dt.date, name: str, amount: Decimal, category: str, place: Place = AUSTIN, detail: str = ""
    ) -> None:
        book.add(
            Charge(day, amex_description(name, place), -amount, "sale", category, member(), place, detail)
        )

    grocery_place = Place(zip_code="78745", address="4301 W WILLIAM CANNON DR")
    for day in weekly(5):  # Saturdays
        buy(day, "WHOLEFDS MKT 10234", money(rng, 45, 165), "Merchandise & Supplies-Groceries", grocery_place)
    for day in list(weekly(2))[::2]:  # every other Wednesday
        buy(
            day,
            "TRADER JOE S #412",
            money(rng, 28, 72),
            "Merchandise & Supplies-Groceries",
            Place(zip_code="78703", address="2805 BEE CAVES RD"),
        )
    costco = Place(zip_code="78735", address="4301 W WILLIAM CANNON DR")
    for month in month_starts():
        buy(
            random_day(rng, month),
            "COSTCO WHSE #0681",
            money(rng, 110, 260),
            "Merchandise & Supplies-Wholesale Stores",
            costco,
        )
        for _ in range(rng.randint(1, 2)):
            buy(
                random_day(rng, month),
                "TST* LUPITA'S TACO HOUSE",
                money(rng, 18, 46),
                "Restaurant-Restaurant",
            )
            buy(random_day(rng, month), "CHIPOTLE 2291", money(rng, 11, 26), "Restaurant-Restaurant")
            buy(
                random_day(rng, month),
                "UBER EATS",
                money(rng, 22, 48),
                "Restaurant-Restaurant",
                Place("help.uber.com", "CA", "94103"),
            )
        buy(
            random_day(rng, month),
            "DOORDASH*THAI KITCHEN",
            money(rng, 25, 55),
            "Restaurant-Restaurant",
            Place("SAN FRANCISCO", "CA", "94107"),
        )
        grubhub = random_day(rng, month)
        buy(
            grubhub,
            "GRUBHUB*PHO SAIGON ATX",
            money(rng, 14, 32),
            "Restaurant-Restaurant",
            Place("CHICAGO", "IL", "60602"),
        )
        credit_day = min(grubhub + dt.timedelta(days=2), END)
        book.add(Charge(credit_day, "AMEX DINING CREDIT", Decimal("10.00"), "credit"))
    for day in every(rng, dt.date(2026, 3, 4), 18, 24):
        buy(day, "COSTCO GAS #0681", money(rng, 38, 55), "Transportation-Fuel", costco)
    for day in weekly(1):  # Tuesdays, and Fridays below: the coffee habit
        buy(day, "SQ *PECAN STREET ROASTERS", money(rng, "4.50", "9.75"), "Restaurant-Bar & Café")
    for day in weekly(4):
        if rng.random() < 0.6:
            buy(day, "SQ *PECAN STREET ROASTERS", money(rng, "4.50", "9.75"), "Restaurant-Bar & Café")
    for day, name, low, high in (
        (dt.date(2026, 3, 21), "CASA VERDE NURSERY", "24", "80"),
        (dt.date(2026, 5, 2), "FENWICK & DAUGHTERS", "40", "120"),
        (dt.date(2026, 8, 1), "CASA VERDE NURSERY", "24", "80"),
    ):
        buy(day, name, money(rng, low, high), "Merchandise & Supplies-General Retail")

    nyc = Place("NEW YORK", "NY", "10013")
    buy(dt.date(2026, 5, 14), "LUCKY DRAGON NOODLE BAR", Decimal("48.62"), "Restaurant-Restaurant", nyc)
    buy(dt.date(2026, 5, 15), "SQ *CORNER BAGEL CO", Decimal("14.25"), "Restaurant-Restaurant", nyc)
    buy(dt.date(2026, 5, 16), "OSTERIA DEL PONTE", Decimal("126.80"), "Restaurant-Restaurant", nyc)

    lisbon = Place("LISBOA", "", "1100-148", "", "PORTUGAL")
    for day, name, euros, rate in (
        (dt.date(2026, 7, 10), "CERVEJARIA DO CAIS", "57.40", "1.0871"),
        (dt.date(2026, 7, 13), "PASTELARIA ALFAMA", "12.60", "1.0868"),
        (dt.date(2026, 7, 15), "TASCA DO JOAQUIM", "84.00", "1.0874"),
    ):
        usd = (Decimal(euros) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)
        detail = f"Foreign Spend Amount: {euros} Euros Commission Amount: 0.00 Currency Exchange Rate: {rate}"
        buy(day, name, usd, "Restaurant-Restaurant", lisbon, detail=detail)

    atlanta = Place("ATLANTA", "GA", "30320")
    buy(dt.date(2026, 6, 3), "DELTA AIR LINES", Decimal("412.60"), "Travel-Airline", atlanta)
    book.add(
        Charge(
            dt.date(2026, 6, 20),
            amex_description("DELTA AIR LINES", atlanta),
            Decimal("59.00"),
            "return",
            "Travel-Airline",
            0,
            atlanta,
        )
    )
    book.add(
        Charge(
            dt.date(2026, 4, 1),
            "ANNUAL MEMBERSHIP FEE",
            Decimal("-325.00"),
            "fee",
            "Fees & Adjustments-Fees & Adjustments",
        )
    )
    return book


def amex_extended_details(charge: Charge, name: str, rng: random.Random) -> str:
    if charge.kind in ("payment", "fee", "credit"):
        return ""
    lines = [f"{digits(rng, 10)}     +1512555{digits(rng, 4)}", name]
    if charge.detail:
        lines.append(charge.detail)
    else:
        lines.append(charge.category.split("-")[-1].upper())
    return "\n".join(lines)


def american_express() -> tuple[Statement, list[tuple[dt.date, Decimal]]]:
    rng = rng_for("american_express")
    book = amex_book(rng)
    payments = book.add_payments(
        15, Decimal("1046.81"), lambda _: "AUTOPAY PAYMENT RECEIVED - THANK YOU", lambda c: c.date
    )
    charges = sorted((c for c in book.charges if in_period(c.date)), key=lambda c: c.date, reverse=True)

    header = (
        "Date,Description,Card Member,Account #,Amount,Extended Details,Appears On Your Statement As,"
        "Address,City/State,Zip Code,Country,Reference,Category"
    )
    lines = [header]
    rows = []
    for charge in charges:
        member, account = AMEX_MEMBERS[charge.holder]
        merchant = charge.description[:23].rstrip()
        is_purchase = charge.kind in ("sale", "return")
        place = charge.place if is_purchase else None
        fields = (
            charge.date.strftime("%m/%d/%Y"),
            charge.description,
            member,
            account,
            us_amount(-charge.amount),  # Amex: charges positive, credits negative
            amex_extended_details(charge, merchant, rng),
            charge.description,
            place.address if place else "",
            (f"{place.city}\n{place.state}" if place.state else place.city) if place else "",
            place.zip_code if place else "",
            place.country if place else "",
            f"'3202{charge.date.strftime('%y%j')}{digits(rng, 9)}'",
            charge.category,
        )
        lines.append(csv_line(fields, quote_minimal))
        rows.append(ExpectedRow(charge.date, charge.amount, charge.description.strip(), group=member))
    statement = Statement(
        filename="amex_gold.csv",
        layout="American Express (with extended details)",
        title="American Express Gold Card, two card members (Jordan and Alex Rivera)",
        account="Amex Gold XXXX-XXXXXX-41009 / -41017",
        currency="USD",
        sign_convention="one Amount column, inverted: charges positive, payments and credits negative",
        quirks=[
            "newest first; MM/DD/YYYY",
            "two card members with their own `Account #` in one file",
            "fixed-width descriptors, e.g. `WHOLEFDS MKT 10234     AUSTIN              TX`",
            "newlines and commas inside quoted `Extended Details` and `City/State` fields",
            "Excel-protection apostrophes around `Reference`",
            "foreign spend visible only in Extended Details (Lisbon restaurants, no fee on this card)",
            "annual membership fee, monthly dining credits and an airline refund (negative = money in)",
        ],
        lines=lines,
        newline="\n",
        rows=rows,
    )
    return statement, payments


# --------------------------------------------------------------------------- Capital One

CAPONE_CARDS = ("7304", "2189")


def capital_one_book(rng: random.Random) -> CardBook:
    book = CardBook(rng)

    def buy(day: dt.date, text: str, amount: Decimal, category: str, card: int = 0) -> None:
        book.add(Charge(day, text, -amount, "sale", category, card))

    for month in month_starts():
        buy(day_of(month, 5), "PLANET FITNESS", Decimal("24.99"), "Other Services")
        buy(day_of(month, 14), "HULU 877-8244858", Decimal("18.99"), "Entertainment")
        buy(day_of(month, 27), "GEICO *AUTO", Decimal("118.42"), "Insurance")
        buy(random_day(rng, month), "PETCO 1521", money(rng, 28, 64), "Merchandise", 1)
        if rng.random() < 0.7:
            buy(
                random_day(rng, month),
                "AMC 0412 ONLINE",
                money(rng, 16, 38),
                "Entertainment",
                rng.randint(0, 1),
            )
        if month.month % 2 == 0:
            buy(random_day(rng, month), "ZILKER PAWS GROOMING", Decimal("65.00"), "Other Services", 1)
    buy(dt.date(2026, 3, 26), "AUSTIN ANIMAL HOSP", Decimal("212.40"), "Health Care", 1)
    buy(dt.date(2026, 4, 11), "STEAMGAMES.COM 4259522985", Decimal("29.99"), "Merchandise")
    buy(dt.date(2026, 5, 6), "TICKETMASTER", Decimal("184.50"), "Entertainment")
    book.add(Charge(dt.date(2026, 5, 29), "TICKETMASTER", Decimal("184.50"), "return", "Entertainment"))
    buy(dt.date(2026, 7, 23), "SQ *LAKESHORE KNIFE SHARPENING", Decimal("18.00"), "Other Services")
    buy(dt.date(2026, 8, 4), "PETCO 1521", Decimal("18.99"), "Merchandise", 1)
    book.add(Charge(dt.date(2026, 8, 12), "PETCO 1521", Decimal("18.99"), "return", "Merchandise", 1))
    return book


def capital_one() -> tuple[Statement, list[tuple[dt.date, Decimal]]]:
    rng = rng_for("capital_one")
    book = capital_one_book(rng)
    posted_by_id = posting_dates(rng, book.charges)

    def posted(charge: Charge) -> dt.date:
        return posted_by_id.get(id(charge), charge.date)

    payments = book.add_payments(20, Decimal("311.56"), lambda _: "CAPITAL ONE MOBILE PYMT", posted)
    charges = [c for c in book.charges if in_period(c.date) and in_period(posted(c))]
    charges.sort(key=lambda c: (c.date, posted(c)), reverse=True)

    lines = ["Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit"]
    rows = []
    for charge in charges:
        out = charge.amount < 0
        fields = (
            charge.date.isoformat(),
            posted(charge).isoformat(),
            CAPONE_CARDS[charge.holder],
            charge.description,
            "Payment/Credit" if charge.kind in ("payment", "return") else charge.category,
            us_amount(-charge.amount) if out else "",
            "" if out else us_amount(charge.amount),
        )
        lines.append(csv_line(fields, quote_minimal))
        rows.append(
            ExpectedRow(charge.date, charge.amount, charge.description, group=CAPONE_CARDS[charge.holder])
        )
    statement = Statement(
        filename="capital_one_savor.csv",
        layout="Capital One credit card",
        title="Capital One Savor, cards XXXX7304 (Jordan) and XXXX2189 (Alex)",
        account="Capital One Savor",
        currency="USD",
        sign_convention="two unsigned columns: `Debit` is money out, `Credit` is money in",
        quirks=[
            "newest first; ISO dates (YYYY-MM-DD)",
            "two cards in one file (`Card No.`)",
            "refunds and payments in the `Credit` column, category `Payment/Credit`",
            "long-tail merchants (grooming, vet, knife sharpening) and pets, entertainment, insurance",
        ],
        lines=lines,
        newline="\n",
        rows=rows,
    )
    return statement, payments


# --------------------------------------------------------------------------- Bank of America checking


def ach(company: str, kind: str, rng: random.Random, indn: str = "JORDAN RIVERA", entry: str = "WEB") -> str:
    return f"{company} DES:{kind} ID:XXXXX{digits(rng, 4)} INDN:{indn} CO ID:XXXXX{digits(rng, 5)} {entry}"


def bofa_checking(
    chase_payments: Sequence[tuple[dt.date, Decimal]],
    amex_payments: Sequence[tuple[dt.date, Decimal]],
    capone_payments: Sequence[tuple[dt.date, Decimal]],
) -> Statement:
    rng = rng_for("bofa_checking")
    events: list[tuple[dt.date, str, Decimal]] = []

    def add(day: dt.date, text: str, amount: str | Decimal) -> None:
        # Zelle settles any day; everything else posts on business days.
        posts_on = day if text.startswith("Zelle") else weekday_on_or_after(day)
        events.append((posts_on, text, Decimal(amount)))

    for month in month_starts():
        for payday in (day_of(month, 15), last_day(month)):
            add(
                weekday_on_or_before(payday),
                ach("LONESTAR ANALYTI", "PAYROLL", rng, "RIVERA,JORDAN", "PPD"),
                "2912.46",
            )
        add(weekday_on_or_after(month), ach("CAPSTONE PROP MG", "WEB PMTS", rng), "-1950.00")
        summer = month.month in (6, 7, 8)
        add(
            day_of(month, 9),
            ach("CITY OF AUSTIN", "UTILITIES", rng, entry="PPD"),
            -money(rng, 150, 215) if summer else -money(rng, 88, 130),
        )
        add(
            day_of(month, 11),
            ach("TEXAS GAS SERVIC", "BILL PAY", rng),
            -money(rng, 22, 31) if summer else -money(rng, 36, 58),
        )
        add(day_of(month, 18), ach("SPECTRUM", "SPECTRUM", rng, entry="PPD"), "-69.99")
        add(day_of(month, 21), ach("AT&T", "PAYMENT", rng), "-85.00")
        add(
            day_of(month, 16),
            f"Online Banking transfer to SAV 7729 Confirmation# {digits(rng, 10)}",
            "-400.00",
        )
        add(
            random_day(rng, month),
            f"Zelle payment to MAYA CHEN Conf# {token(rng, 9, string.ascii_lowercase + string.digits)}",
            -money(rng, 25, 80),
        )
        if month.month % 2:
            add(
                random_day(rng, month),
                f"Zelle payment from DEV PATEL Conf# {token(rng, 9, string.ascii_lowercase + string.digits)}",
                money(rng, 30, 60),
            )
        add(random_day(rng, month), ach("VENMO", "PAYMENT", rng), -money(rng, 18, 60))
        for _ in range(rng.randint(1, 2)):
            day = random_day(rng, month)
            add(
                day,
                f"CHECKCARD {day.strftime('%m%d')} H-E-B #572 AUSTIN TX {digits(rng, 23)}",
                -money(rng, 15, 70),
            )
    for day in every(rng, dt.date(2026, 3, 12), 35, 45):
        add(
            day,
            f"BKOFAMERICA ATM {day.strftime('%m/%d')} #00000{digits(rng, 4)} WITHDRWL S CONGRESS AUSTIN TX",
            Decimal(rng.choice((-100, -200))),
        )
    farm_day = dt.date(2026, 6, 27)
    add(
        farm_day,
        f"CHECKCARD {farm_day.strftime('%m%d')} SOUTH FIRST FARMSTAND AUSTIN TX {digits(rng, 23)}",
        "-36.50",
    )
    add(dt.date(2026, 4, 8), ach("IRS TREAS 310", "TAX REF", rng, "RIVERA,JORDAN", "PPD"), "612.00")
    add(dt.date(2026, 5, 6), "Check 1052", "-150.00")
    add(dt.date(2026, 5, 29), "MONTHLY MAINTENANCE FEE", "-12.00")
    add(dt.date(2026, 6, 2), "MONTHLY MAINTENANCE FEE REFUND", "12.00")
    for day, amount in chase_payments:
        add(day, ach("CHASE CREDIT CRD", "EPAY", rng), -amount)
    for day, amount in amex_payments:
        add(day, ach("AMEX EPAYMENT", "ACH PMT", rng), -amount)
    for day, amount in capone_payments:
        add(day, ach("CAPITAL ONE", "MOBILE PMT", rng), -amount)

    events.sort(key=lambda event: event[0])  # stable: same-day order is the order added
    opening = Decimal("4812.37")
    balance = opening
    data_lines = [
        "Date,Description,Amount,Running Bal.",
        f"{START:%m/%d/%Y},Beginning balance as of {START:%m/%d/%Y},,{quote_always(us_amount(opening, True))}",
    ]
    rows = []
    for day, text, amount in events:
        balance += amount
        if balance < 0:
            raise AssertionError(f"sample checking account overdrawn on {day}: {balance}")
        data_lines.append(
            f"{day:%m/%d/%Y},{quote_always(text)},{quote_always(us_amount(amount, True))},"
            f"{quote_always(us_amount(balance, True))}"
        )
        rows.append(ExpectedRow(day, amount, text))
    credits = sum((row.amount for row in rows if row.amount > 0), Decimal("0.00"))
    debits = sum((row.amount for row in rows if row.amount < 0), Decimal("0.00"))
    summary = [
        "Description,,Summary Amt.",
        f"Beginning balance as of {START:%m/%d/%Y},,{quote_always(us_amount(opening, True))}",
        f"Total credits,,{quote_always(us_amount(credits, True))}",
        f"Total debits,,{quote_always(us_amount(debits, True))}",
        f"Ending balance as of {END:%m/%d/%Y},,{quote_always(us_amount(balance, True))}",
        "",
    ]
    return Statement(
        filename="bofa_checking.csv",
        layout="Bank of America checking",
        title="Bank of America Advantage checking XXXX4417 (Jordan Rivera)",
        account="BofA Checking XXXX4417",
        currency="USD",
        sign_convention="one signed Amount column: money out negative; a running balance column",
        quirks=[
            "summary preamble (`Description,,Summary Amt.` ... `Ending balance`), then a blank line",
            "`Beginning balance as of 03/01/2026` pseudo-row with an empty Amount (not a transaction)",
            'oldest first; amounts and balances quoted with thousands separators (`"-1,950.00"`)',
            "CRLF line endings",
            "payroll, rent, utilities, ACH card payments matching the Chase, Amex and Capital One files",
            "Zelle in and out, Venmo, ATM withdrawals, a check, an IRS tax refund",
            "`MONTHLY MAINTENANCE FEE` and its refund",
        ],
        lines=summary + data_lines,
        newline="\r\n",
        rows=rows,
        skipped={"balance pseudo-row": 1},
    )


# --------------------------------------------------------------------------- DKB Girokonto (2023+)

DKB_HOLDER = "Lena Hoffmann"
DKB_IBAN = iban_de("12030000", "1020304050")
DKB_HEADER = (
    "Buchungsdatum",
    "Wertstellung",
    "Status",
    "Zahlungspflichtige*r",
    "Zahlungsempfänger*in",
    "Verwendungszweck",
    "Umsatztyp",
    "IBAN",
    "Betrag (€)",
    "Gläubiger-ID",
    "Mandatsreferenz",
    "Kundenreferenz",
)


@dataclass(frozen=True)
class Booking:
    date: dt.date
    counterparty: str
    purpose: str
    amount: Decimal
    iban: str = ""
    creditor_id: str = ""
    mandate: str = ""
    reference: str = ""
    pending: bool = False


def dkb_bookings(rng: random.Random) -> list[Booking]:
    bookings: list[Booking] = []

    def card(day: dt.date, merchant: str, amount: Decimal, pending: bool = False) -> None:
        purpose = f"{day.isoformat()}      Debitk.12 VISA Debit"
        bookings.append(Booking(day, merchant, purpose, -amount, reference=digits(rng, 26), pending=pending))

    def debit(
        day: dt.date,
        payee: str,
        purpose: str,
        amount: str | Decimal,
        creditor: str,
        mandate: str,
        bank: str = "10070000",
    ) -> None:
        bookings.append(
            Booking(day, payee, purpose, -Decimal(amount), iban_de(bank, digits(rng, 10)), creditor, mandate)
        )

    landlord_iban = iban_de("10050000", "6604418821")
    savings_iban = iban_de("12030000", "1020304069")
    months_de = ("", "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August")
    for month in month_starts():
        stamp = f"{month.month:02d}/{month.year}"
        rent_purpose = f"Miete {stamp} Wohnung 3. OG links"
        if month.month == 6:
            rent_purpose = f"Miete {stamp}\nWohnung 3. OG links"
        bookings.append(
            Booking(
                weekday_on_or_after(month),
                "Hausverwaltung Kiefer GmbH",
                rent_purpose,
                Decimal("-1150.00"),
                landlord_iban,
            )
        )
        salary = Decimal("4145.80") if month.month == 6 else Decimal("3245.80")
        bonus = " inkl. Urlaubsgeld" if month.month == 6 else ""
        bookings.append(
            Booking(
                weekday_on_or_before(day_of(month, 28)),
                "Spreewerk Software GmbH",
                f"Gehalt {months_de[month.month]} {month.year}{bonus} Personalnr. 10427",
                salary,
                iban_de("10010010", "9283746510"),
            )
        )
        debit(
            day_of(month, 2),
            "Vattenfall Europe Sales GmbH",
            f"Abschlag Strom {stamp} Vertragskonto 840021773",
            "68.00",
            "DE71ZZZ00000047113",
            "VTF-2023-884213",
        )
        debit(
            day_of(month, 4),
            "Telekom Deutschland GmbH",
            f"Festnetz/Internet Kd-Nr. 4471129034 {stamp}",
            "39.95",
            "DE53ZZZ00000008271",
            "TDG-0094471129034",
        )
        debit(
            day_of(month, 6),
            "Vodafone GmbH",
            f"Mobilfunk Rechnung {stamp} Kd 118820455",
            "24.99",
            "DE18ZZZ00000017322",
            "VF-118820455",
        )
        debit(
            day_of(month, 1),
            "BVG Berliner Verkehrsbetriebe",
            f"Deutschlandticket {stamp} Abo-Nr. 4471020",
            "63.00",
            "DE44ZZZ00000219011",
            "DT-4471020",
        )
        debit(
            day_of(month, 9),
            "Spotify AB",
            f"Spotify P{digits(rng, 10)} Premium",
            "10.99",
            "DE39ZZZ00000113306",
            "SPOT-77120394",
        )
        debit(
            day_of(month, 17),
            "Netflix International B.V.",
            f"Netflix Monatsabo {digits(rng, 12)}",
            "13.99",
            "NL52ZZZ342183460000",
            "NFLX-58830124",
        )
        debit(
            day_of(month, 3),
            "Urban Sports GmbH",
            f"Mitgliedschaft M {stamp}",
            "59.00",
            "DE27ZZZ00001234567",
            "USC-3390217",
        )
        debit(
            day_of(month, 5),
            "Ärzte ohne Grenzen e.V.",
            "Spende Dauerlastschrift Förderer-Nr. 771204",
            "25.00",
            "DE61ZZZ00000011212",
            "MSF-771204",
        )
        bookings.append(
            Booking(day_of(month, 29), DKB_HOLDER, "Sparen Tagesgeld", Decimal("-300.00"), savings_iban)
        )
        for _ in range(rng.randint(2, 3)):
            day = random_day(rng, month)
            debit(
                day,
                "AMAZON PAYMENTS EUROPE S.C.A.",
                f"302-{digits(rng, 7)}-{digits(rng, 7)} Amazon.de {token(rng, 16)}",
                money(rng, 12, 65),
                "LU96ZZZ0000000000000000058",
                token(rng, 20),
            )
        if rng.random() < 0.7:
            debit(
                random_day(rng, month),
                "PayPal Europe S.a.r.l. et Cie S.C.A",
                f"{digits(rng, 13)} PP.{digits(rng, 4)}.PP . Zalando SE, Ihr Einkauf bei Zalando SE",
                money(rng, 29, 110),
                "LU96ZZZ0000000000000000058",
                token(rng, 13),
            )
        day = random_day(rng, month)
        debit(
            day,
            "Lieferando.de",
            f"Bestellung {token(rng, 6)} Lieferando",
            money(rng, 18, 42),
            "NL65ZZZ342183460001",
            token(rng, 12),
        )
    for month in (dt.date(2026, 5, 1), dt.date(2026, 8, 1)):
        debit(
            day_of(month, 15),
            "Rundfunk ARD, ZDF, DRadio",
            f"Rundfunk {month.month - 1:02d}.2026 - {month.month + 1:02d}.2026 Beitragsnr. 482113907",
            "55.08",
            "DE16ZZZ00000024321",
            "482113907",
        )
    debit(
        dt.date(2026, 4, 14),
        "HUK-COBURG",
        "Privathaftpflicht Beitrag 2026 Vers.-Nr. 771/220934-K",
        "62.40",
        "DE39ZZZ00000010722",
        "HUK-220934",
    )
    for day, purpose, amount in (
        (dt.date(2026, 4, 22), "DB Fernverkehr Auftrag 584213907 Berlin Hbf - Hamburg Hbf", "49.90"),
        (dt.date(2026, 7, 3), "DB Fernverkehr Auftrag 590377124 Berlin Hbf - München Hbf", "89.90"),
    ):
        debit(day, "DB Vertrieb GmbH", purpose, amount, "DE90ZZZ00000142219", purpose.split()[3])

    for day in weekly(5):  # Saturday shop, alternating supermarkets
        merchant = rng.choice(
            ("REWE Markt GmbH", "REWE Markt GmbH", "EDEKA Center Kaisers", "Lidl Vertriebs GmbH")
        )
        card(day, merchant, money(rng, 24, 96))
    for day in weekly(2):  # Wednesday top-up
        if rng.random() < 0.6:
            card(
                day, rng.choice(("ALDI Nord", "Lidl Vertriebs GmbH", "Biocompany")), money(rng, "6.50", "38")
            )
    for month in month_starts():
        card(random_day(rng, month), "dm-drogerie markt", money(rng, 9, 34))
        card(
            random_day(rng, month),
            rng.choice(("Café Lindenblüte Berlin", "Trattoria Sant'Angelo")),
            money(rng, 12, 48),
        )
    card(dt.date(2026, 3, 19), "Apotheke am Boxhagener Platz", Decimal("17.45"))
    card(dt.date(2026, 5, 8), "Blumen Kühn", Decimal("24.50"))
    card(dt.date(2026, 6, 18), "Fahrradwerkstatt Rixdorf", Decimal("86.00"))
    card(dt.date(2026, 7, 25), "Wäscherei Sonnenallee", Decimal("12.50"))
    card(dt.date(2026, 8, 6), "Schlüsseldienst Oberbaum", Decimal("149.00"))
    for day in (dt.date(2026, 3, 27), dt.date(2026, 6, 5), dt.date(2026, 8, 14)):
        bookings.append(
            Booking(
                day,
                "Berliner Sparkasse",
                f"{day.isoformat()} Debitk.12 Bargeldauszahlung",
                Decimal("-100.00"),
                reference=digits(rng, 26),
            )
        )
    bookings.append(
        Booking(
            dt.date(2026, 4, 26),
            "Jonas Weber",
            "Danke fürs Essen 🍕",
            Decimal("24.50"),
            iban_de("50010517", "5533901177"),
        )
    )
    bookings.append(
        Booking(
            dt.date(2026, 6, 24),
            "Finanzamt Friedrichshain-Kreuzberg",
            "EINKOMMENSTEUER 2025 ERSTATTUNG STNR 13/247/61183",
            Decimal("418.27"),
            iban_de("10000000", "0010017001"),
        )
    )
    # Not yet booked at export time: DKB lists these with status "Vorgemerkt".
    card(dt.date(2026, 8, 30), "REWE Markt GmbH", Decimal("31.84"), pending=True)
    card(dt.date(2026, 8, 31), "Lieferando.de", Decimal("27.90"), pending=True)
    return bookings


def dkb_girokonto() -> Statement:
    rng = rng_for("dkb_girokonto")
    bookings = [b for b in dkb_bookings(rng) if in_period(b.date)]
    bookings.sort(key=lambda b: (b.pending, b.date))  # newest first after the reverse below
    bookings.reverse()

    opening = Decimal("2318.44")
    balance = opening
    for booking in sorted((b for b in bookings if not b.pending), key=lambda b: b.date):
        balance += booking.amount
        if balance < 0:
            raise AssertionError(f"sample Girokonto overdrawn on {booking.date}: {balance}")

    def q(value: str) -> str:
        return quote_always(value)

    lines = [
        f"{q('Girokonto')};{q(spaced_iban(DKB_IBAN))}",
        q(""),
        f"{q('Zeitraum:')};{q(f'{START:%d.%m.%Y} - {END:%d.%m.%Y}')}",
        f"{q(f'Kontostand vom {END:%d.%m.%Y}:')};{q(de_amount_full(balance) + ' €')}",
        q(""),
        csv_line(DKB_HEADER, quote_always, ";"),
    ]
    rows = []
    pending = 0
    for booking in bookings:
        outgoing = booking.amount < 0
        payer, payee = (DKB_HOLDER, booking.counterparty) if outgoing else (booking.counterparty, DKB_HOLDER)
        fields = (
            f"{booking.date:%d.%m.%y}",
            "" if booking.pending else f"{booking.date:%d.%m.%y}",
            "Vorgemerkt" if booking.pending else "Gebucht",
            payer,
            payee,
            booking.purpose,
            "Ausgang" if outgoing else "Eingang",
            booking.iban,
            de_amount(booking.amount),
            booking.creditor_id,
            booking.mandate,
            booking.reference,
        )
        lines.append(csv_line(fields, quote_always, ";"))
        if booking.pending:
            pending += 1
            continue
        rows.append(
            ExpectedRow(booking.date, booking.amount, booking.purpose, counterparty=booking.counterparty)
        )
    return Statement(
        filename="dkb_girokonto.csv",
        layout="DKB Girokonto (2023+ export)",
        title=f"DKB Girokonto {spaced_iban(DKB_IBAN)} ({DKB_HOLDER}, Berlin)",
        account=f"DKB Girokonto {DKB_IBAN}",
        currency="EUR",
        sign_convention="one signed `Betrag (€)` column (money out negative), redundant with `Umsatztyp` Ausgang/Eingang",
        quirks=[
            'UTF-8 BOM; key/value preamble (`Girokonto`, `Zeitraum:`, `Kontostand vom ...`) and `""` lines',
            "`;` delimiter, every field quoted; newest first; DD.MM.YY dates",
            "comma decimals, dot thousands, trailing zeros dropped: `-1.150` is -1150.00, `-12,5` is -12.50",
            "two `Vorgemerkt` (pending, not yet booked, empty Wertstellung) rows at the top: not transactions",
            "counterparty in `Zahlungsempfänger*in` for Ausgang, in `Zahlungspflichtige*r` for Eingang",
            "non-ASCII and an emoji (`Ärzte ohne Grenzen`, `Danke fürs Essen 🍕`), a newline inside one"
            " Verwendungszweck, a comma inside a payee (`Rundfunk ARD, ZDF, DRadio`)",
        ],
        lines=lines,
        newline="\n",
        rows=rows,
        skipped={"Vorgemerkt (pending)": pending},
        bom=True,
        description_rule="contains_counterparty",
    )


# --------------------------------------------------------------------------- Mint export

MINT_CHECKING = "Everyday Checking"
MINT_CARD = "Double Cash Card"
MINT_SAVINGS = "Online Savings"


@dataclass(frozen=True)
class MintLine:
    date: dt.date
    description: str
    original: str
    amount: Decimal  # signed, money out negative
    category: str
    account: str
    labels: str = ""
    notes: str = ""


def mint_lines(rng: random.Random) -> list[MintLine]:
    lines: list[MintLine] = []

    def out(
        day: dt.date,
        desc: str,
        original: str,
        amount: Decimal | str,
        category: str,
        account: str = MINT_CARD,
        labels: str = "",
        notes: str = "",
    ) -> None:
        lines.append(MintLine(day, desc, original, -Decimal(amount), category, account, labels, notes))

    def into(
        day: dt.date, desc: str, original: str, amount: Decimal | str, category: str, account: str
    ) -> None:
        lines.append(MintLine(day, desc, original, Decimal(amount), category, account))

    for day in weekly(4, dt.date(2026, 3, 6)):
        if (day - dt.date(2026, 3, 6)).days % 14 == 0:
            into(
                day,
                "Buckeye Freight",
                "BUCKEYE FREIGHT DIRECT DEP PPD ID: 9181726354",
                "2450.00",
                "Paycheck",
                MINT_CHECKING,
            )
    for month in month_starts():
        out(
            weekday_on_or_after(month),
            "Ridgeview Apartments",
            "RIDGEVIEW APTS WEB PMTS 4471",
            "1625.00",
            "Mortgage & Rent",
            MINT_CHECKING,
        )
        out(
            day_of(month, 8),
            "AEP Ohio",
            "AEP OHIO BILL PAYMT",
            money(rng, 82, 165),
            "Utilities",
            MINT_CHECKING,
        )
        out(
            day_of(month, 12),
            "Columbia Gas",
            "COLUMBIA GAS OH PAYMENT",
            money(rng, 24, 72),
            "Utilities",
            MINT_CHECKING,
        )
        out(
            day_of(month, 14), "WOW! Internet", "WIDEOPENWEST WEB PAYMENT", "64.99", "Internet", MINT_CHECKING
        )
        out(
            day_of(month, 19),
            "Verizon Wireless",
            "VERIZON WIRELESS PAYMENTS",
            "92.40",
            "Mobile Phone",
            MINT_CHECKING,
        )
        transfer_day = day_of(month, 10)
        out(
            transfer_day,
            "Transfer to Online Savings",
            "ONLINE TRANSFER TO SAV XXXXXX8841",
            "300.00",
            "Transfer",
            MINT_CHECKING,
        )
        into(
            transfer_day,
            "Transfer from Everyday Checking",
            "ONLINE TRANSFER FROM CHK XXXXXX2290",
            "300.00",
            "Transfer",
            MINT_SAVINGS,
        )
        into(
            last_day(month),
            "Interest Paid",
            "INTEREST PAYMENT",
            money(rng, "12.10", "19.80"),
            "Interest Income",
            MINT_SAVINGS,
        )
        out(
            random_day(rng, month),
            "Venmo",
            f"VENMO PAYMENT {digits(rng, 10)}",
            money(rng, 20, 60),
            "Transfer",
            MINT_CHECKING,
        )
        out(day_of(month, 2), "Disney+", "DISNEY PLUS 888-905-7888 CA", "13.99", "Television")
        out(day_of(month, 20), "Apple", "APPLE.COM/BILL 866-712-7753 CA", "9.99", "Electronics & Software")
        out(
            day_of(month, 11), "Orangetheory Fitness", "ORANGETHEORY FITNESS 0433 COLUMBUS OH", "59.00", "Gym"
        )
        out(day_of(month, 24), "Progressive", "PROGRESSIVE *AUTO 800-776-4737 OH", "112.30", "Auto Insurance")
        out(
            random_day(rng, month),
            "Costco",
            "COSTCO WHSE #0389 COLUMBUS OH",
            money(rng, 95, 240),
            "Groceries",
        )
        for _ in range(2):
            out(
                random_day(rng, month),
                "Trader Joe's",
                "TRADER JOE S #679 COLUMBUS OH",
                money(rng, 22, 68),
                "Groceries",
            )
            out(
                random_day(rng, month),
                "DoorDash",
                "DD *DOORDASH PANERABREAD",
                money(rng, 19, 44),
                "Food Delivery",
            )
            out(
                random_day(rng, month),
                "North Market Noodle",
                "TST* NORTH MARKET NOODLE COLUMBUS OH",
                money(rng, 13, 29),
                "Restaurants",
            )
            out(random_day(rng, month), "Target", "TARGET T-1823 COLUMBUS OH", money(rng, 14, 95), "Shopping")
        for _ in range(rng.randint(2, 3)):
            out(
                random_day(rng, month),
                "Amazon",
                f"AMZN Mktp US*{token(rng, 9)}",
                money(rng, 9, 79),
                "Shopping",
            )
        out(
            random_day(rng, month),
            "CVS Pharmacy",
            "CVS/PHARMACY #03322 COLUMBUS OH",
            money(rng, 7, 36),
            "Pharmacy",
        )
        if rng.random() < 0.6:
            out(random_day(rng, month), "Lyft", "LYFT   *RIDE SAT 11PM", money(rng, 11, 24), "Ride Share")
    for day in weekly(6):  # Sundays
        out(day, "Kroger", "KROGER #0417 COLUMBUS OH", money(rng, 58, 176), "Groceries")
    for day in weekly(1):
        out(
            day,
            "Kiln Coffee Co",
            "SQ *KILN COFFEE CO COLUMBUS OH",
            money(rng, "4.25", "8.90"),
            "Coffee Shops",
        )
    for day in every(rng, dt.date(2026, 3, 3), 9, 12):
        out(day, "BP", f"BP#{digits(rng, 7)}HIGH ST BP COLUMBUS OH", money(rng, 35, 56), "Gas & Fuel")
    for day in every(rng, dt.date(2026, 3, 15), 40, 50):
        out(
            day,
            "ATM Withdrawal",
            "ATM WITHDRAWAL 002193 5TH AVE COLUMBUS OH",
            "60.00",
            "Cash & ATM",
            MINT_CHECKING,
        )
    out(dt.date(2026, 3, 30), "Check 231", "CHECK 231", "120.00", "Check", MINT_CHECKING)
    out(dt.date(2026, 4, 18), "Barnes & Noble", "BARNES &amp; NOBLE #2150 COLUMBUS OH", "38.47", "Books")
    out(dt.date(2026, 5, 9), "H&M", "H&amp;M 0231 EASTON TOWN CTR COLUMBUS OH", "64.90", "Clothing")
    out(
        dt.date(2026, 5, 21),
        "German Village Cobbler",
        "GERMAN VILLAGE COBBLER COLUMBUS OH",
        "42.00",
        "Shopping",
    )
    out(
        dt.date(2026, 7, 2),
        "Olentangy Piano Service",
        "OLENTANGY PIANO SVC WORTHINGTON OH",
        "135.00",
        "Home Services",
    )
    out(
        dt.date(2026, 8, 17),
        "Clintonville Kennel",
        "CLINTONVILLE KENNEL LLC COLUMBUS OH",
        "96.00",
        "Pet Grooming",
    )
    out(dt.date(2026, 6, 1), "Delta", "DELTA AIR 0062349871023", "318.40", "Air Travel")
    out(dt.date(2026, 6, 11), "COTA", "COTA MOBILE TICKETING COLUMBUS OH", "2.00", "Public Transportation")
    out(dt.date(2026, 6, 18), "Uber", "UBER   *TRIP", "27.45", "Ride Share")
    out(
        dt.date(2026, 6, 19),
        "Courtyard by Marriott",
        "COURTYARD BY MARRIOTT CHICAGO IL",
        "289.12",
        "Hotel",
        labels="Reimbursable",
        notes="Work trip, expense report #3381",
    )
    into(
        dt.date(2026, 7, 8),
        "Buckeye Freight",
        "BUCKEYE FREIGHT EXP REIMB PPD ID: 9181726354",
        "318.40",
        "Reimbursement",
        MINT_CHECKING,
    )
    into(dt.date(2026, 7, 14), "Target", "TARGET T-1823 COLUMBUS OH", "27.99", "Returned Purchase", MINT_CARD)

    # The card is paid in full each month from checking: it shows on both accounts.
    card_lines = [line for line in lines if line.account == MINT_CARD]
    previous: dt.date | None = None
    for month in month_starts():
        if previous is None:
            amount = Decimal("1873.05")
        else:
            amount = -sum(
                (line.amount for line in card_lines if line.date.replace(day=1) == previous), Decimal("0.00")
            )
        day = weekday_on_or_after(day_of(month, 23))
        out(
            day, "Citi Autopay", "CITI AUTOPAY PAYMENT 0417 WEB", amount, "Credit Card Payment", MINT_CHECKING
        )
        into(day, "Payment Thank You", "ONLINE PAYMENT, THANK YOU", amount, "Credit Card Payment", MINT_CARD)
        previous = month
    return lines


def mint_date(day: dt.date) -> str:
    return f"{day.month}/{day.day:02d}/{day.year}"


def mint_export() -> Statement:
    rng = rng_for("mint_export")
    entries = [line for line in mint_lines(rng) if in_period(line.date)]
    entries.sort(key=lambda line: line.date, reverse=True)
    header = (
        "Date",
        "Description",
        "Original Description",
        "Amount",
        "Transaction Type",
        "Category",
        "Account Name",
        "Labels",
        "Notes",
    )
    lines = [csv_line(header, quote_always)]
    rows = []
    for entry in entries:
        fields = (
            mint_date(entry.date),
            entry.description,
            entry.original,
            us_amount(abs(entry.amount), True),
            "debit" if entry.amount < 0 else "credit",
            entry.category,
            entry.account,
            entry.labels,
            entry.notes,
        )
        lines.append(csv_line(fields, quote_always))
        alternatives = tuple(
            dict.fromkeys((entry.description, entry.original, html.unescape(entry.original)))
        )
        rows.append(
            ExpectedRow(
                entry.date, entry.amount, entry.description, group=entry.account, alternatives=alternatives
            )
        )
    return Statement(
        filename="mint_export.csv",
        layout="Mint transactions export",
        title="Mint export of one household (Morgan Ellis, Columbus OH): checking, card and savings",
        account=f"{MINT_CHECKING}, {MINT_CARD}, {MINT_SAVINGS}",
        currency="USD",
        sign_convention="unsigned Amount plus `Transaction Type` debit (money out) / credit (money in)",
        quirks=[
            "three accounts in one file (`Account Name`); newest first; every field quoted",
            'M/DD/YYYY dates (`3/06/2026`), thousands separators (`"2,450.00"`), CRLF line endings',
            "the card payment appears on both sides (checking debit, card credit), as do savings transfers",
            "cleaned `Description` beside the bank's `Original Description`, which keeps HTML entities"
            " (`BARNES &amp; NOBLE`)",
            "a reimbursable hotel with a Label and a Note; a returned purchase; savings interest",
        ],
        lines=lines,
        newline="\r\n",
        rows=rows,
        description_rule="contains_alternative",
    )


# --------------------------------------------------------------------------- output


def build_statements() -> list[Statement]:
    chase, chase_payments = chase_credit_card()
    amex, amex_payments = american_express()
    capone, capone_payments = capital_one()
    bofa = bofa_checking(chase_payments, amex_payments, capone_payments)
    return [chase, bofa, amex, dkb_girokonto(), mint_export(), capone]


def expected_json(statements: Sequence[Statement]) -> str:
    files = {}
    for st in statements:
        months = sorted({row.date.strftime("%Y-%m") for row in st.rows})
        groups = sorted({row.group for row in st.rows if row.group})
        identical = [
            i for i, row in enumerate(st.rows) if (row.description, row.amount, row.date) == IDENTICAL_FARE
        ]
        files[st.filename] = {
            "layout": st.layout,
            "currency": st.currency,
            "row_count": len(st.rows),
            "skipped_records": st.skipped,
            "total": str(st.total),
            "months": months,
            "groups": groups,
            "description_rule": st.description_rule,
            "identical_rows": identical,
            "malicious_rows": [
                i for i, row in enumerate(st.rows) if row.description in MALICIOUS_DESCRIPTIONS
            ],
            "transactions": [row.to_json() for row in st.rows],
        }
    document = {
        "generator": "scripts/make_sample_data.py",
        "period": {"start": START.isoformat(), "end": END.isoformat()},
        "files": files,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def readme(statements: Sequence[Statement]) -> str:
    out = [
        "# Sample statements",
        "",
        "Six months (2026-03-01 .. 2026-08-31) of invented activity in the layouts real banks export,",
        'used by "Try with sample data", the demos and the golden tests',
        "(`tests/integration/test_sample_data.py`). Every name, card and account number is made up.",
        "",
        "**Do not edit these files by hand.** They are the output of `scripts/make_sample_data.py`",
        "(seeded, byte-for-byte reproducible); change the generator and re-run it:",
        "",
        "```bash",
        ".venv/bin/python scripts/make_sample_data.py",
        "```",
        "",
        "`expected.json` is the generator's record of every transaction it wrote (date, signed amount",
        "with money out negative, description, account), the truth the golden tests hold the importer to.",
        "",
        "| file | layout | currency | transactions | skipped records | net total |",
        "|---|---|---|---:|---|---:|",
    ]
    for st in statements:
        skipped = ", ".join(f"{n} {what}" for what, n in st.skipped.items()) or "none"
        out.append(
            f"| `{st.filename}` | {st.layout} | {st.currency} | {len(st.rows)} | {skipped} | {st.total:,.2f} |"
        )
    out += [
        "",
        "Jordan Rivera's four files belong together: the BofA checking account pays the Chase, Amex",
        "and Capital One statement balances on the days those cards show the payments.",
        "",
    ]
    for st in statements:
        out += [
            f"## `{st.filename}`: {st.layout}",
            "",
            f"- Account: {st.title}",
            f"- Period: {START.isoformat()} .. {END.isoformat()}; {len(st.rows)} transactions,"
            f" net {st.total:,.2f} {st.currency}",
            f"- Signs: {st.sign_convention}",
            "- Quirks:",
            *[f"  - {quirk}" for quirk in st.quirks],
            "",
        ]
    out += [
        "## Coverage",
        "",
        "Across the files: subscriptions (Netflix, Spotify, `APPLE.COM/BILL`, Amazon Prime, Hulu, Disney+,",
        "ChatGPT), groceries (`WHOLEFDS`, Trader Joe's, Kroger, Costco, H-E-B, REWE, EDEKA, Lidl, ALDI),",
        "dining (`SQ *`, `TST*`, Chipotle, Uber Eats, DoorDash, Grubhub, Lieferando), transport (Shell,",
        "Costco Gas, BP, Uber, Lyft, subway and bus fares, Deutschlandticket), travel (United, Delta,",
        "Marriott, Airbnb, DB, foreign transaction fees), shopping (`AMZN Mktp US*` with varying references,",
        "Target, refunds), utilities, rent, health (CVS, Apotheke), pets, insurance, donations, fees and",
        "their refunds, card payments and transfers, payroll, tax refunds, interest, and long-tail local",
        "merchants whose names alone do not say what they sell.",
        "",
    ]
    return "\n".join(out)


def write_all(out_dir: Path) -> list[Path]:
    statements = build_statements()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for st in statements:
        path = out_dir / st.filename
        path.write_bytes(st.encoded())
        written.append(path)
    for name, text in (("expected.json", expected_json(statements)), ("README.md", readme(statements))):
        path = out_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: sample_data/)"
    )
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
