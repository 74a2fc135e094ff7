"""On the sample statements no merchant key is a booking word or a place, and payees that
differ get different keys: bulk corrections and one-ask-per-merchant stay truthful."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from app.categorize.merchant import merchant_key, normalize_description
from app.ingest.statement import parse_statement
from app.models import Transaction
from tests.conftest import SAMPLE_DATA

# The words the issue names, and places, checked independently of merchant_words.json's lists.
GENERIC = {
    "DIRECT", "DEBIT", "CREDIT", "POS", "PURCHASE", "CHECK", "CHQ", "CHEQUE", "TRANSFER", "PAYMENT",
    "ACH", "CARD", "VISA", "ONLINE", "LASTSCHRIFT", "GUTSCHRIFT", "UBERWEISUNG", "UEBERWEISUNG", "SEPA",
    "AUTHORIZED", "RECURRING", "DEPOSIT", "WITHDRAWAL",
}  # fmt: skip
PLACES = {
    "AUSTIN",
    "TX",
    "SEATTLE",
    "WA",
    "BERLIN",
    "NEW YORK",
    "NY",
    "CA",
    "DE",
    "USA",
    "US",
    "SAN FRANCISCO",
}
WORDS = json.loads((SAMPLE_DATA.parent / "app" / "categorize" / "merchant_words.json").read_text("utf-8"))
ALL_PLACES = PLACES | set(WORDS["cities"]) | set(WORDS["us_states"]) | set(WORDS["countries"])


def _sample_transactions() -> list[Transaction]:
    transactions: list[Transaction] = []
    for path in sorted(SAMPLE_DATA.glob("*.csv")):
        transactions.extend(parse_statement(path.read_bytes(), path.name).transactions)
    return transactions


@pytest.fixture(scope="module")
def sample() -> list[Transaction]:
    found = _sample_transactions()
    expected = json.loads((SAMPLE_DATA / "expected.json").read_text("utf-8"))
    assert len(found) == sum(f["row_count"] for f in expected["files"].values())
    return found


def _is_generic(key: str) -> bool:
    if re.fullmatch(r"CHECK \d+", key):
        return False  # a check is its number: the one key a booking word may start
    words = key.split()
    return all(w in GENERIC or w in ALL_PLACES or w.isdigit() for w in words) or key in ALL_PLACES


def test_no_sample_key_is_a_generic_word_or_a_place(sample: list[Transaction]) -> None:
    bad = {
        (t.description, t.payee, key)
        for t in sample
        for key in (merchant_key(t.description, t.payee), merchant_key(t.description))
        if key and _is_generic(key)
    }
    assert not bad


def test_a_sample_row_loses_its_key_only_when_it_names_nobody(sample: list[Transaction]) -> None:
    # A row without a key is decided on its own; its words must all be booking words or places.
    booking_words = GENERIC | set(WORDS["generic_words"])
    for t in sample:
        if not merchant_key(t.description, t.payee):
            words = re.findall(r"[A-Z]{2,}", normalize_description(t.description))
            assert all(w in booking_words or w in ALL_PLACES or w.startswith("X") for w in words), (
                t.description
            )


def test_checks_in_the_sample_are_keyed_by_their_number(sample: list[Transaction]) -> None:
    checks = [t for t in sample if t.description.upper().startswith("CHECK ")]
    assert len(checks) >= 2
    keys = [merchant_key(t.description, t.payee) for t in checks]
    assert len(set(keys)) == len(checks)
    assert all(k.startswith("CHECK ") and k.split()[1].isdigit() for k in keys)


def test_one_key_means_one_payee_where_the_file_names_payees(sample: list[Transaction]) -> None:
    payees_by_key: defaultdict[str, set[str]] = defaultdict(set)
    for t in sample:
        key = merchant_key(t.description, t.payee)
        if key and t.payee:
            payees_by_key[key].add(t.payee.casefold())
    lumped = {key: payees for key, payees in payees_by_key.items() if len(payees) > 1}
    # Variant spellings of one payee are fine ("Trader Joe's" / "Trader Joes"); strangers are not.
    assert all(len({merchant_key(p) for p in payees}) == 1 for payees in lumped.values()), lumped
