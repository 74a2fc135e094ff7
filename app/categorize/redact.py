"""Redaction: what must never reach the model, replaced by short placeholders.

Card numbers (also masked ones), IBANs, account numbers, any run of six or more digits,
email addresses, phone numbers and the account holder's name in ACH lines become
`[card]`, `[iban]`, `[number]`, `[email]`, `[phone]`, `[name]`. Merchant words survive:
a store number or an order reference may be lost, the merchant's name is not.

Every pass removes digits, an '@' or a name that is not yet `[name]`, so repeating the
passes until nothing changes terminates, and the result is a fixed point:
`redact(redact(x)) == redact(x)`.
"""

from __future__ import annotations

import re

CARD = "[card]"
IBAN = "[iban]"
NUMBER = "[number]"
EMAIL = "[email]"
PHONE = "[phone]"
NAME = "[name]"

_EMAIL = re.compile(r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*")
# The account holder's name in ACH addenda (BofA "INDN:", Chase "IND NAME:").
_ACH_LABELS = r"TRN|CO ID|ID|SEC|TRACE|EED|IND ID|ORIG|DESC|CO ENTRY|CO NAME|PPD|WEB|CCD|CTX|TEL|IAT"
_ACH_NAME = re.compile(
    rf"(?<![A-Z])(INDN|IND NAME)\s*:\s*(?!\[name\])[^:]+?(?=\s+(?:{_ACH_LABELS})\b|\s*$)", re.IGNORECASE
)
# The other person in a person-to-person payment: "Zelle payment to MAYA CHEN", "VENMO FROM
# Alex Rivera", "CASH APP*JOHN DOE", "Überweisung an Maria Schmidt". The service and the
# direction are what categorization needs; the name is not.
_P2P_SERVICE = (
    r"ZELLE|VENMO|CASH ?APP|SQUARE CASH|APPLE CASH|PAYPAL|WISE|REVOLUT|INTERAC(?: E-?TRANSFER)?"
    r"|[ÜU]BERWEISUNG|ECHTZEIT[ÜU]BERWEISUNG|DAUERAUFTRAG|GUTSCHRIFT|OVERBOEKING"
)
_P2P_VERB = r"(?:\s+(?:PAYMENT|PMT|TRANSFER|XFER|SENT|RECEIVED|REQUEST|INSTANT))*"
_NAME_WORD = r"(?!(?:FOR|CONF|REF|ID|ON|VIA|MEMO|FUER|FÜR|WEB|PPD|TEL)\b)[^\W\d_][\w'’.-]*"
_NAME = rf"(?!\[name\])({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})"
_P2P_NAME = re.compile(
    rf"(?<![A-Z])((?:{_P2P_SERVICE}){_P2P_VERB}\s+(?:TO|FROM|AN|VON|NAAR|VAN)\s+){_NAME}"
    # Cash App prints the person right after it ("CASH APP*JOHN DOE", "Cash App John Doe");
    # PayPal's "*" introduces a merchant ("PAYPAL *NETFLIX") and is left alone.
    rf"|(?<![A-Z])((?:CASH ?APP|SQUARE CASH)(?:\s*\*\s*|\s+)){_NAME}",
    re.IGNORECASE,
)
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b", re.IGNORECASE
)
_LABELLED_ACCOUNT = re.compile(
    r"\b(ACCT|ACCOUNT|KONTO|KTO|REKENING|A/C|ACC)(\.?\s*(?:NO\.?|NR\.?|NUMBER|#)?\s*[:#]?\s*)[\dX*•#-]*\d[\dX*•-]*",
    re.IGNORECASE,
)
_CARD_DIGITS = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_MASKED_CARD = re.compile(
    r"(?:[X*•]{2,}[ -]?){1,4}\d{2,6}(?!\d)|(?<=ENDING IN )\d{4}(?!\d)|(?<=ENDING )\d{4}(?!\d)", re.IGNORECASE
)
_MASKED_ACCOUNT = re.compile(r"(?:\.{3}|…)\s?\d{2,6}(?!\d)")
_PHONES = (
    # +44 20 7946 0958, +49 (0)30 1234567, 0049 30 1234567
    re.compile(r"(?<![\w+])(?:\+|\b00)\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\d)"),
    # 888-555-1234, (800) 555-1234, 1-800-555-1234, 800.555.1234
    re.compile(r"(?<![\w-])(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)"),
    # national numbers with a trunk zero: 020 7946 0958, 030/1234567, 0800 123 4567
    re.compile(r"(?<![\w/.-])0\d{2,4}[ /-]\d{3,8}(?:[ -]\d{2,4})?(?![\d/.-])"),
)
_MIN_PHONE_DIGITS = 9
_LONG_DIGITS = re.compile(r"\d{6,}")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(number)):
        value = int(ch)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban(match: re.Match[str]) -> str:
    # A spaced IBAN may have swallowed a following word of four letters: give it back.
    groups = match.group(0).split(" ")
    kept: list[str] = []
    while len(groups) > 1 and not any(ch.isdigit() for ch in groups[-1]):
        kept.insert(0, groups.pop())
    if _digits("".join(groups)) < 8:
        return match.group(0)
    return " ".join([IBAN, *kept])


def _card(match: re.Match[str]) -> str:
    digits = "".join(ch for ch in match.group(0) if ch.isdigit())
    return CARD if _luhn_valid(digits) else NUMBER


def _phone(match: re.Match[str]) -> str:
    return PHONE if _digits(match.group(0)) >= _MIN_PHONE_DIGITS else match.group(0)


def _labelled_account(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{NUMBER}"


def _redact_digits_once(text: str) -> str:
    text = _IBAN.sub(_iban, text)
    text = _LABELLED_ACCOUNT.sub(_labelled_account, text)
    for phone in _PHONES:
        text = phone.sub(_phone, text)
    text = _CARD_DIGITS.sub(_card, text)
    text = _MASKED_CARD.sub(CARD, text)
    text = _MASKED_ACCOUNT.sub(NUMBER, text)
    return _LONG_DIGITS.sub(NUMBER, text)


def _redact_once(text: str) -> str:
    text = _EMAIL.sub(EMAIL, text)
    text = _ACH_NAME.sub(lambda m: f"{m.group(1)}:{NAME}", text)
    text = _P2P_NAME.sub(lambda m: f"{m.group(1) or m.group(3)}{NAME}", text)
    return _redact_digits_once(text)


def redact(text: str) -> str:
    """`text` with personal identifiers replaced by placeholders; merchant words are kept."""
    while True:
        redacted = _redact_once(text)
        if redacted == text:
            return text
        text = redacted
