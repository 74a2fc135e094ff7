"""Redaction before anything leaves the machine: identifiers go, merchant words stay."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.categorize.merchant import merchant_name
from app.categorize.prompt import clip_text
from app.categorize.redact import NAME, names_a_person, redact, redact_derived, redact_messages

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


# -- issue 7: names, titles, SSNs and addresses that used to go out as written -------------------

GAPS = [
    ("SEPA-Überweisung an Maria Schmidt", "SEPA-Überweisung an [name]"),
    ("Payment to MR James Bond", "Payment to MR [name]"),
    ("Payment from MRS Jane Doe", "Payment from MRS [name]"),
    ("Transfer to Dr. Emily Stone ref 55", "Transfer to Dr. [name] ref 55"),
    ("Virement à M. Jean Dupont", "Virement à M. [name]"),
    ("Zahlung an Herr Hans Meier", "Zahlung an Herr [name]"),
    ("FRAU MÜLLER", "FRAU [name]"),
    ("Payment to Mme Claire Martin", "Payment to Mme [name]"),
    ("APPLE CASH SENT MONEY TO PAUL ALLEN", "APPLE CASH SENT MONEY TO [name]"),
    ("Remitly R1A2B3 to Carlos Santana", "Remitly R1A2B3 to [name]"),
    ("REMITLY TRANSFER TO CARLOS SANTANA", "REMITLY TRANSFER TO [name]"),
    ("Western Union to Ana Lopez", "Western Union to [name]"),
    ("MoneyGram payment from Li Wei", "MoneyGram payment from [name]"),
    ("Wise to Anna Bell", "Wise to [name]"),
    ("PAYPAL TRANSFER TO JANE DOE", "PAYPAL TRANSFER TO [name]"),
    ("Virement à Jean Dupont", "Virement à [name]"),
    ("VIREMENT SEPA A JEAN DUPONT", "VIREMENT SEPA A [name]"),
    ("Transferencia para Juan Perez", "Transferencia para [name]"),
    ("Transferencia de Lucia Gomez", "Transferencia de [name]"),
    ("Overboeking naar J. de Vries", "Overboeking naar [name]"),
    ("Overboeking van Sanne Bakker", "Overboeking van [name]"),
    ("Gutschrift von Hans Meier", "Gutschrift von [name]"),
    ("Dauerauftrag für Frau Müller Miete", "Dauerauftrag für Frau [name] Miete"),
    ("SSN 123-45-6789", "SSN [ssn]"),
    ("123-45-6789", "[ssn]"),
    ("TAX REFUND SSN 123 45 6789", "TAX REFUND SSN [ssn]"),
    ("123 Main St", "[address]"),
    ("Rent 4500 N. Lake Shore Drive", "Rent [address]"),
    ("Hauptstr. 5 Berlin", "[address] Berlin"),
    ("Miete Berliner Straße 12a", "Miete Berliner [address]"),
    ("Huur Kerkstraat 12", "Huur [address]"),
    ("Loyer 12 rue de la Paix", "Loyer [address]"),
]


@pytest.mark.parametrize(("text", "expected"), GAPS, ids=[t for t, _ in GAPS])
def test_names_titles_ssns_and_addresses_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A store's address may go; the merchant stays.
        ("TRADER JOE S #236 401 BAY ST SAN FRANCISCO", "TRADER JOE S #236 [address] SAN FRANCISCO"),
        ("PAYPAL *EBAY DE MUENCHEN", "PAYPAL *EBAY DE MUENCHEN"),
        ("PAYPAL *SPOTIFY", "PAYPAL *SPOTIFY"),
        ("Online Transfer to CHECKING ...1234", "Online Transfer to CHECKING [number]"),
        ("Zelle payment to BANK OF AMERICA", "Zelle payment to BANK OF AMERICA"),
        ("MS OFFICE 365", "MS OFFICE 365"),
        ("Mrs. Fields Cookies", "Mrs. Fields Cookies"),
        ("DR MARTENS", "DR MARTENS"),
        ("WISEGUYS PIZZA TO GO", "WISEGUYS PIZZA TO GO"),
    ],
)
def test_merchant_words_survive_the_new_rules(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("description", "secrets"),
    [
        ("SEPA-Überweisung an Maria Schmidt", ("maria", "schmidt")),
        ("Gutschrift von Hans Meier", ("hans", "meier")),
        ("john.doe@example.com", ("john", "doe")),
        ("PAYPAL *JOHN@EXAMPLE.CO.UK", ("john",)),
        ("Dauerauftrag für Frau Müller Miete", ("muller", "müller")),
    ],
)
def test_what_redacting_the_raw_line_removed_never_comes_back_through_cleaning(
    description: str, secrets: tuple[str, ...]
) -> None:
    cleaned = merchant_name(description)
    sent = redact_derived(description, cleaned)
    assert not any(secret in sent.lower() for secret in secrets), sent
    assert redact_derived(description, sent) == sent


def test_redact_derived_leaves_merchants_alone() -> None:
    description = "STARBUCKS STORE 12345678 SEATTLE WA"
    assert redact_derived(description, merchant_name(description)) == "Starbucks"


@pytest.mark.parametrize(
    "text",
    ["AN MARIA SCHMIDT", "TO JOHN SMITH", "JOHN SMITH", "SCHMIDT, MARIA", "ZELLE PAYMENT TO MAYA CHEN",
     "PAYMENT TO MR JAMES BOND", "FRAU MULLER", "VON HANS MEIER"],
)  # fmt: skip
def test_text_that_may_be_a_person_is_recognised(text: str) -> None:
    assert names_a_person(text)


@pytest.mark.parametrize(
    "text", ["TRADER JOES", "STARBUCKS", "WHOLEFDS MKT", "SHELL OIL", "AMAZON MKTP", "REWE"]
)
def test_merchants_are_not_taken_for_people(text: str) -> None:
    assert not names_a_person(text)


def test_the_gate_redacts_json_fields_and_keeps_the_json_valid() -> None:
    items = [{"id": "1", "text": 'ZELLE TO "JOHN" SMITH 123-45-6789', "direction": "out", "amount": 12.5}]
    messages = [
        {
            "role": "system",
            "content": 'Examples:\n- "VENMO FROM ALEX RIVERA" (in) -> Income\nCall 800-555-1234',
        },
        {"role": "user", "content": json.dumps(items)},
    ]
    gated = redact_messages(messages)
    assert gated[0]["content"] == 'Examples:\n- "VENMO FROM [name]" (in) -> Income\nCall [phone]'
    sent = json.loads(gated[1]["content"])
    assert sent == [{"id": "1", "text": 'ZELLE TO "JOHN" SMITH [ssn]', "direction": "out", "amount": 12.5}]
    assert redact_messages(gated) == gated


name_fragments = st.sampled_from(
    ["ZELLE TO ", "Überweisung an ", "Payment to ", "MR ", "Frau ", "M. ", "Maria ", "SCHMIDT", "[name]",
     " ", "-", "123 Main St", "Hauptstr. 5", "123-45-6789", "Remitly ", "SENT MONEY ", "de ", "à ", "*"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(name_fragments, max_size=10).map("".join))
def test_the_name_rules_are_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


# -- issue 7, second probe: names the first rules let through --------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name after a preposition, with no payment service or title before it
        ("Payment to John Smith", "Payment to [name]"),
        ("Zahlung an Maria Schmidt", "Zahlung an [name]"),
        ("Paiement à Marie Dubois", "Paiement à [name]"),
        ("Pago a Juan Garcia", "Pago a [name]"),
        ("Gift for Emma Brown", "Gift for [name]"),
        ("Payment from Michael Miller", "Payment from [name]"),
        ("Rent to David Wilson", "Rent to [name]"),
        ("Payment to Quillon Ashgrove", "Payment to [name]"),  # no known given name: its shape
        ("Sent money to John Doe", "Sent money to [name]"),
        ("Overboeking naar Sanne de Vries", "Overboeking naar [name]"),
        # a label that introduces the other party
        ("Überweisung Empfänger: Gottlieb Wunderlich", "Überweisung Empfänger: [name]"),
        ("Auftraggeber: Gottlieb Wunderlich Gutschrift", "Auftraggeber: [name] Gutschrift"),
        ("Beneficiario: Ximena Etxeberria", "Beneficiario: [name]"),
        ("Bénéficiaire : Séraphine Beaumarchais", "Bénéficiaire : [name]"),
        ("Payee: Ezekiel Thornbury", "Payee: [name]"),
        ("Name: Quillon Ashgrove", "Name: [name]"),
        ("Begünstigter Gottlieb Wunderlich", "Begünstigter [name]"),
        ("Zahlungsempfänger Gottlieb Wunderlich", "Zahlungsempfänger [name]"),
        ("Ordinante Alessandro Volta", "Ordinante [name]"),
        ("Tegenrekening naam J de Vries", "Tegenrekening naam [name]"),
        # the same name elsewhere in the line goes too (ING prints it before its label)
        ("J. JANSEN Naam: J. JANSEN Omschrijving: Etentje", "[name] Naam: [name] Omschrijving: Etentje"),
        ("PAULISSEN G J L M Naam: PAULISSEN G J L M Omschrijving: Kosten", "[name] Naam: [name] Omschrijving: Kosten"),
        # an occupation or a relation before the name
        ("BABYSITTER ZENOBIA QUARTERMAINE", "BABYSITTER [name]"),
        ("DOG WALKER - GUNNHILDUR", "DOG WALKER - [name]"),
        ("TUTOR ALARIC VONDERHAAR", "TUTOR [name]"),
        ("Rent to landlord Bartholomew Quince", "Rent to landlord [name]"),
        ("Mobile deposit from Grandma Edna Pennywhistle", "Mobile deposit from Grandma [name]"),
        ("REIMBURSE THISTLEWOOD O", "REIMBURSE [name]"),
        ("Cleaning lady Quorra Ashgrove", "Cleaning lady [name]"),
        # a Payee column joined to a personal memo, with a first name no list knows
        ("Quorra Ashgrove rent share", "[name] rent share"),
        ("Zyler Pemberton-Holt Babysitting", "[name] Babysitting"),
        ("Dinner w/ Quorra Ashgrove", "Dinner w/ [name]"),
        ("Lunch mit Anouk Duchamp", "Lunch mit [name]"),
        # typed in lower case, as a category description or a note may be
        ("money i send to gertrude ophelia thaddeus", "money i send to [name]"),
        ("pay jane doe back", "pay [name] back"),
        # a given name and a surname anywhere; titles DRS, PROF, REV; middle initials
        ("EZEKIEL THORNBURY", "[name]"),
        ("Ezekiel Thornbury rent share", "[name] rent share"),
        ("PAYMENT FROM DRS ALICE WONG", "PAYMENT FROM DRS [name]"),
        ("PAYMENT THANK YOU JOHN Q PUBLIC", "PAYMENT THANK YOU [name]"),
        ("Payment to Dr. Gregory House", "Payment to Dr. [name]"),
        ("PROF Quillon Ashgrove", "PROF [name]"),
        ("money I send to Gertrude Ophelia Thaddeus each month", "money I send to [name] each month"),
        # an e-mail address written out
        ("zorro at example dot org", "[email]"),
        ("CONTACT thornbury(at)example.com", "CONTACT [email]"),
        ("jane [at] mail [dot] de", "[email]"),
    ],
)  # fmt: skip
def test_names_without_a_service_word_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "TRANSFER TO SAVINGS", "PAYMENT TO CHASE CARD", "Payment to Amazon", "ONLINE TRANSFER TO CHK 1234",
        "Transfer to Wise", "PRET A MANGER LONDON GBR", "JOHN LEWIS", "TIM HORTONS", "DR PEPPER",
        "MS OFFICE 365", "Mrs. Fields Cookies", "Empfänger: REWE Markt GmbH", "Werkgever BV Naam: Werkgever BV",
        "ACME B.V. Naam: ACME B.V. Omschrijving: Salaris", "PAYPAL *EBAY DE MUENCHEN", "SAN JOSE CA",
        "Woonstichting De Linie Naam: Woonstichting De Linie", "Transfer to Capital One",
        "REIMBURSEMENT AMAZON", "FINANZAMT MUENCHEN Erstattung 2022", "coffee to go", "eva air",
        "gift for my mom", "uber to airport", "DINNER WITH FRIENDS", "W HOTEL NEW YORK", "LADY FOOT LOCKER",
        "Blue Bottle Coffee", "AVIS BUDGET RENT",
    ],
)  # fmt: skip
def test_merchants_after_prepositions_and_labels_survive(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text", ["EZEKIEL THORNBURY", "Quillon Ashgrove", "Gunnhildur Sigurdardottir", "SCHMIDT, MARIA"]
)
def test_a_bare_name_no_list_knows_is_taken_for_a_person(text: str) -> None:
    assert names_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Calm Radio",
        "Moontower Bikeworks",
        "Lakeshore Knife Sharpening",
        "Casa Verde Nursery",
        "Compte Courant",
    ],
)
def test_merchants_of_a_names_shape_are_not_taken_for_people(text: str) -> None:
    assert not names_a_person(text)


def test_text_is_sent_normalised_and_without_invisible_characters() -> None:
    assert redact("ＩＧＮＯＲＥ ＴＨＩＳ") == "IGNORE THIS"
    assert redact("IGN\u200bORE PREV\u200bIOUS") == "IGNORE PREVIOUS"
    assert redact("ΙGNΟRE ΡREVIΟUS") == "IGNORE PREVIOUS"  # Greek letters inside Latin words
    assert redact("Јohn Smith") == "[name]"  # a Cyrillic J does not hide a name
    assert redact("ΑΘΗΝΑ ΚΑΦΕ") == "ΑΘΗΝΑ ΚΑΦΕ"  # Greek text stays Greek


def test_the_given_names_are_data_and_many() -> None:
    from app.categorize.people import given_names

    names = given_names()
    assert len(names) > 2000
    assert {"ezekiel", "gertrude", "ximena", "gunnhildur", "seraphine", "zenobia"} <= names
    assert not {"mark", "chase", "bill", "may", "grace", "target"} & names


def test_no_shipped_description_loses_a_merchant_to_the_name_rules() -> None:
    # Every description of sample_data and tests/fixtures: those the name rules change name a
    # person (checked by hand when this list was made), and none is held back as a bare name.
    from tests.unit.test_prompt import _shipped_descriptions

    descriptions = _shipped_descriptions()
    masked = [d for d in descriptions if NAME in redact(d)]
    assert len(descriptions) > 500
    for description in masked:
        kept = redact(description)
        # Only the person went: every merchant word of the line is still there.
        for word in ("REWE", "EDEKA", "AMAZON", "PAYROLL", "MIETE", "TAGESGELD", "SALARIS", "GUTSCHRIFT"):
            assert (word in description.upper()) <= (word in kept.upper()), description
    held = [
        d for d in descriptions
        if (text := clip_text(redact_derived(d, merchant_name(d))))
        and NAME not in text and names_a_person(text)
    ]  # fmt: skip
    assert held == []


_NAME_PIECES = st.sampled_from(
    [
        "to", "TO", "from", "an", "à", "para", "de", "for", "Payee:", "Empfänger:", "Naam:", "BABYSITTER",
        "Dr", "DRS", "MRS", "Herr", "John", "JOHN", "Q", "Smith", "Ezekiel", "Thornbury", "Quillon", "Ashgrove",
        "van", "Vries", "SAVINGS", "CARD", "Amazon", "REWE", "Markt", "BV", "rent", "-", ",", "[name]", "[card]",
        "zorro", "at", "example", "dot", "org", "ΙGNΟRE", "Јohn", "\u200b", "ＩＧＮ", "4111 1111 1111 1111",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME_PIECES, min_size=1, max_size=9).map(" ".join))
def test_the_new_name_rules_are_idempotent_and_keep_the_gate_json_valid(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
    messages = redact_messages([{"role": "user", "content": json.dumps([{"id": "1", "text": text}])}])
    (item,) = json.loads(messages[0]["content"])
    assert item == {"id": "1", "text": once}
