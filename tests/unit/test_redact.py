"""Redaction before anything leaves the machine: identifiers go, merchant words stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.categorize.redact import redact

CASES = [
    # card numbers, plain and masked
    ("Card 4111 1111 1111 1111 used", "Card [card] used"),
    ("4111-1111-1111-1111", "[card]"),
    ("4111111111111111", "[card]"),
    ("378282246310005 AMEX", "[card] AMEX"),
    ("4111 1111 1111 1112", "[number]"),  # not a valid card number, still gone
    ("XXXX XXXX XXXX 1234", "[card]"),
    ("xxxx-xxxx-xxxx-1234 SHELL", "[card] SHELL"),
    ("************1234", "[card]"),
    ("•••• 1234 NETFLIX", "[card] NETFLIX"),
    ("CARD XXXXXX1234 WHOLEFDS", "CARD [card] WHOLEFDS"),
    ("Payment to Chase card ending in 1234 03/14", "Payment to Chase card ending in [card] 03/14"),
    # IBANs and account numbers
    ("IBAN DE89 3704 0044 0532 0130 00 REWE", "IBAN [iban] REWE"),
    ("DE89370400440532013000", "[iban]"),
    ("NL91ABNA0417164300 Albert Heijn", "[iban] Albert Heijn"),
    ("GB82 WEST 1234 5698 7654 32 MORE", "[iban] MORE"),
    (
        "Online Transfer to SAV ...1234 transaction#: 12345678 03/14",
        "Online Transfer to SAV [number] transaction#: [number] 03/14",
    ),
    ("ACCT 1234 fee", "ACCT [number] fee"),
    ("Konto 98765", "Konto [number]"),
    ("A/C NO: 55-1234", "A/C NO: [number]"),
    # long digit runs and references
    (
        "CHECKCARD 0314 WHOLEFDS MKT 10234 AUSTIN TX 24431063073100123456789",
        "CHECKCARD 0314 WHOLEFDS MKT 10234 AUSTIN TX [number]",
    ),
    (
        "PURCHASE AUTHORIZED ON 03/14 WHOLEFDS MKT 10234 AUSTIN TX S384073123456 CARD 1234",
        "PURCHASE AUTHORIZED ON 03/14 WHOLEFDS MKT 10234 AUSTIN TX S[number] CARD 1234",
    ),
    ("Order 113-5512345-1234567", "Order [number]"),
    ("ATM WITHDRAWAL 001234 5TH AVE", "ATM WITHDRAWAL [number] 5TH AVE"),
    ("VENMO PAYMENT 1026153612 WEB ID: 3264681992", "VENMO PAYMENT [number] WEB ID: [number]"),
    # emails and phone numbers
    ("john.doe+bank@example.com paid", "[email] paid"),
    ("PAYPAL *JOHN@EXAMPLE.CO.UK", "PAYPAL *[email]"),
    ("APPLE.COM/BILL 866-712-7753 CA", "APPLE.COM/BILL [phone] CA"),
    ("(800) 555-1234", "[phone]"),
    ("1-800-555-1234", "[phone]"),
    ("800.555.1234 SPOTIFY", "[phone] SPOTIFY"),
    ("call +44 20 7946 0958 now", "call [phone] now"),
    ("+49 (0)30 1234567", "[phone]"),
    ("+1 415 555 0100", "[phone]"),
    ("0049 30 1234567", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("030/1234567", "[phone]"),
    # names in ACH addenda
    (
        "ACME CORP DES:PAYROLL ID:XXXXX12345 INDN:DOE,JOHN CO ID:XXXXX12345 PPD",
        "ACME CORP DES:PAYROLL ID:[card] INDN:[name] CO ID:[card] PPD",
    ),
    ("IND NAME:JOHN DOE TRN: 1234567890TC", "IND NAME:[name] TRN: [number]TC"),
    # merchant words survive
    ("WHOLEFDS MKT", "WHOLEFDS MKT"),
    ("AMZN Mktp US*2K4LM9", "AMZN Mktp US*2K4LM9"),
    ("7-ELEVEN 34123", "7-ELEVEN 34123"),
    ("PHILLIPS 66 #1234", "PHILLIPS 66 #1234"),
    ("1-800-FLOWERS.COM", "1-800-FLOWERS.COM"),
    ("24 HOUR FITNESS", "24 HOUR FITNESS"),
    ("UBER   *TRIP HELP.UBER.COM", "UBER   *TRIP HELP.UBER.COM"),
    ("03/14/2024 14:23 REWE", "03/14/2024 14:23 REWE"),
    ("Lohn, Gehalt, Rente ACME GmbH", "Lohn, Gehalt, Rente ACME GmbH"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t[:50] or "empty" for t, _ in CASES])
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


fragments = st.sampled_from(
    [
        "WHOLEFDS MKT",
        " #10234 ",
        "AUSTIN TX",
        "AMZN Mktp US*2K4LM9",
        "4111 1111 1111 1111",
        "XXXX1234",
        "************",
        "DE89 3704 0044 0532 0130 00",
        "+44 20 7946 0958",
        "(800) 555-1234",
        "john@example.com",
        "INDN:DOE,JOHN",
        " CO ID:",
        "...",
        "-",
        " ",
        "/",
        "00",
        "0",
    ]
)
noisy_text = st.lists(
    st.one_of(fragments, st.text(alphabet="0123456789 -.()+/*#@xX:", max_size=12), st.text(max_size=6)),
    max_size=12,
).map("".join)


@settings(max_examples=250, deadline=None)
@given(noisy_text)
def test_no_run_of_six_digits_survives(text: str) -> None:
    assert not re.search(r"\d{6}", redact(text))


@settings(max_examples=250, deadline=None)
@given(noisy_text)
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Z][A-Z' &-]{2,20}", fullmatch=True))
def test_plain_merchant_words_are_untouched(words: str) -> None:
    assert redact(words) == words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zelle payment to MAYA CHEN Conf# 1j6hp08hi", "Zelle payment to [name] Conf# 1j6hp08hi"),
        ("VENMO PAYMENT FROM ALEX RIVERA", "VENMO PAYMENT FROM [name]"),
        ("Zelle payment from Maya Chen for rent", "Zelle payment from [name] for rent"),
        ("CASH APP*JOHN DOE", "CASH APP*[name]"),
        ("Cash App John Doe", "Cash App [name]"),
        ("Überweisung an Maria Schmidt", "Überweisung an [name]"),
        ("WISE TRANSFER TO Anna Müller-Lüdenscheidt ref 12", "WISE TRANSFER TO [name] ref 12"),
        # Merchants behind the same words are not people.
        ("PAYPAL *NETFLIX", "PAYPAL *NETFLIX"),
        ("SQ *ZELLE COFFEE", "SQ *ZELLE COFFEE"),
        ("PAYPAL INST XFER", "PAYPAL INST XFER"),
        ("Cash App", "Cash App"),
    ],
)
def test_the_other_person_in_a_p2p_payment_is_not_sent(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected
