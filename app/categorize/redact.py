"""Redaction: what must never reach the model, replaced by short placeholders.

Card numbers (also masked ones), IBANs, account numbers, social security numbers, any run
of six or more digits, email addresses, phone numbers, street addresses, the account holder's
name in ACH lines and the other person in a transfer become `[card]`, `[iban]`, `[number]`,
`[ssn]`, `[email]`, `[phone]`, `[address]`, `[name]`. Merchant words survive: a store number
or an order reference may be lost, the merchant's name is not.

`redact_messages` is the one gate every chat request passes (the prompt builds its messages
with it and the endpoint client applies it again to whatever it is given), so no string
reaches the model unredacted, whatever its origin. `redact_derived` carries the decision
made on a whole raw description over to text cleaned from it, where the context that told a
name from a merchant ("Überweisung an …") may be gone. `names_a_person` flags text that may
be nothing but a person's name, which no rule can tell from a merchant's.

Every pass removes digits, an '@' or a name that is not yet `[name]`, so repeating the
passes until nothing changes terminates, and the result is a fixed point:
`redact(redact(x)) == redact(x)`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

CARD = "[card]"
IBAN = "[iban]"
NUMBER = "[number]"
EMAIL = "[email]"
PHONE = "[phone]"
NAME = "[name]"
SSN = "[ssn]"
ADDRESS = "[address]"
PLACEHOLDERS = (CARD, IBAN, NUMBER, EMAIL, PHONE, NAME, SSN, ADDRESS)

_EMAIL = re.compile(r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*")
# The account holder's name in ACH addenda (BofA "INDN:", Chase "IND NAME:").
_ACH_LABELS = r"TRN|CO ID|ID|SEC|TRACE|EED|IND ID|ORIG|DESC|CO ENTRY|CO NAME|PPD|WEB|CCD|CTX|TEL|IAT"
_ACH_NAME = re.compile(
    rf"(?<![A-Z])(INDN|IND NAME)\s*:\s*(?!\[name\])[^:]+?(?=\s+(?:{_ACH_LABELS})\b|\s*$)", re.IGNORECASE
)
# The other person in a person-to-person payment: "Zelle payment to MAYA CHEN", "VENMO FROM
# Alex Rivera", "CASH APP*JOHN DOE", "Überweisung an Maria Schmidt", "APPLE CASH SENT MONEY TO
# PAUL ALLEN", "Remitly R1A2 to Carlos Santana". The service and the direction are what
# categorization needs; the name is not.
_P2P_SERVICE = (
    r"ZELLE|VENMO|CASH ?APP|SQUARE CASH|APPLE CASH|PAYPAL|WISE|REVOLUT|INTERAC(?: E-?TRANSFER)?"
    r"|REMITLY|WESTERN UNION|MONEY ?GRAM|XOOM|WORLD ?REMIT|TRANSFERWISE|BIZUM|LYDIA|PAYLIB|TWINT"
    r"|SWISH|MOBILE ?PAY|VIPPS|TIKKIE|SATISPAY|E-?TRANSFER|P2P"
    r"|(?:SEPA[- ])?(?:ECHTZEIT)?[ÜU]BERWEISUNG|DAUERAUFTRAG|GUTSCHRIFT|OVERBOEKING|OVERSCHRIJVING"
    r"|VIREMENT(?: SEPA)?(?: INSTANTANE| PERMANENT| EMIS| RECU)?|TRANSFERENCIA|BONIFICO|TRANSFERENCIA SEPA"
)
_P2P_VERB = r"(?:\s+(?:PAYMENT|PMT|TRANSFER|XFER|SENT|RECEIVED|REQUEST|INSTANT|MONEY|SEND|ENVIADA|RECIBIDA))*"
# Reference codes and the like between the service and the person ("Remitly R1A2 to ...");
# PayPal's "*" introduces a merchant ("PAYPAL *EBAY DE MUENCHEN"), so it ends the search.
_P2P_FILLER = r"(?:\s+[^\s*]+){0,4}?"
_PREPOSITION = r"TO|FROM|AN|VON|F[ÜU]R|FUER|[ÀA]|PARA|DE|VAN|NAAR|AAN|POUR|ZU|DA"
_TITLE = r"(?:MR|MRS|MS|MISS|MX|DR|HERR|FRAU|MME|MLLE|SR|SRA|DHR|MEVR)\b\.?|M\."
# Words that end a name: what follows it on a transfer line, or an account rather than a person.
_NOT_A_NAME = (
    r"FOR|CONF|REF|ID|ON|VIA|MEMO|FUER|FÜR|WEB|PPD|TEL|RENT|MIETE|LOYER|ALQUILER|HUUR|AFFITTO"
    r"|NOTE|INVOICE|RECHNUNG|VERWENDUNGSZWECK|REFERENCE|REFERENZ|POUR|POR|VOOR|BETREFF"
    r"|CHECKING|SAVINGS|SAV|CHK|BANK|ACCOUNT|ACCT|CARD|DEBIT|CREDIT|WALLET|BALANCE|KONTO|TAGESGELD|SSN|IBAN"
)
_NAME_WORD = rf"(?!(?:{_NOT_A_NAME})\b|(?:{_TITLE})\s)[^\W\d_][\w'’.-]*"
_NAME = rf"(?!\[name\])({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})"
_P2P_NAME = re.compile(
    rf"(?<![^\W\d_])((?:{_P2P_SERVICE})\b{_P2P_VERB}{_P2P_FILLER}\s+(?:{_PREPOSITION})\s+(?:(?:{_TITLE})\s+)?){_NAME}"
    # Cash App prints the person right after it ("CASH APP*JOHN DOE", "Cash App John Doe");
    # PayPal's "*" introduces a merchant ("PAYPAL *NETFLIX") and is left alone.
    rf"|(?<![A-Z])((?:CASH ?APP|SQUARE CASH)(?:\s*\*\s*|\s+)){_NAME}"
    # A title names a person wherever it follows a preposition ("Payment to MR James Bond"),
    # and the German and French ones on their own ("FRAU MÜLLER").
    rf"|(?<![^\W\d_])((?:(?:{_PREPOSITION})\s+(?:{_TITLE})|HERR|FRAU|MME|MLLE)\s+){_NAME}",
    re.IGNORECASE,
)
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_STREET_SUFFIX = (
    r"ST|STREET|AVE|AVENUE|RD|ROAD|BLVD|BOULEVARD|DR|DRIVE|LN|LANE|WAY|CT|COURT|PL|PLACE|TER|TERRACE"
    r"|PKWY|PARKWAY|HWY|HIGHWAY|CIR|CIRCLE"
)
_STREET_ADDRESSES = (
    # 123 Main St, 4500 N. Lake Shore Drive
    re.compile(
        rf"(?<![\w-])\d{{1,5}}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[^\W\d_][\w'.-]*\s+){{1,3}}(?:{_STREET_SUFFIX})\b\.?",
        re.IGNORECASE,
    ),
    # Hauptstr. 5, Berliner Straße 12a, Kerkstraat 12
    re.compile(
        r"(?<![\w-])(?:[^\W\d_][\w-]*?)?(?:STRASSE|STRAßE|STR\.|STRAAT|GASSE|ALLEE|LAAN|GRACHT|PLEIN)"
        r"\s*\d{1,4}(?:\s?[A-Z])?(?![\w-])",
        re.IGNORECASE,
    ),
    # 12 rue de la Paix, 5 avenue Foch
    re.compile(
        r"(?<![\w-])\d{1,4}(?:\s?(?:BIS|TER))?,?\s+(?:RUE|AVENUE|AV\.|BD|BOULEVARD|CHEMIN|IMPASSE|QUAI)"
        r"(?:\s+(?:DE|DU|DES|LA|LE|L'))*(?:\s+[^\W\d_][\w'-]*){1,2}",
        re.IGNORECASE,
    ),
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
    text = _SSN.sub(SSN, text)
    for address in _STREET_ADDRESSES:
        text = address.sub(ADDRESS, text)
    text = _IBAN.sub(_iban, text)
    text = _LABELLED_ACCOUNT.sub(_labelled_account, text)
    for phone in _PHONES:
        text = phone.sub(_phone, text)
    text = _CARD_DIGITS.sub(_card, text)
    text = _MASKED_CARD.sub(CARD, text)
    text = _MASKED_ACCOUNT.sub(NUMBER, text)
    return _LONG_DIGITS.sub(NUMBER, text)


def _p2p_name(match: re.Match[str]) -> str:
    prefix = next(group for group in match.groups()[::2] if group is not None)
    return f"{prefix}{NAME}"


def _redact_once(text: str) -> str:
    text = _EMAIL.sub(EMAIL, text)
    text = _ACH_NAME.sub(lambda m: f"{m.group(1)}:{NAME}", text)
    text = _P2P_NAME.sub(_p2p_name, text)
    return _redact_digits_once(text)


def redact(text: str) -> str:
    """`text` with personal identifiers replaced by placeholders; merchant words are kept."""
    while True:
        redacted = _redact_once(text)
        if redacted == text:
            return text
        text = redacted


# -- carrying a decision over to derived text --------------------------------------------------

_PLACEHOLDER_OR_WORD = re.compile(
    "|".join(re.escape(placeholder) for placeholder in PLACEHOLDERS) + r"|[^\W_]+"
)
_APOSTROPHES = re.compile(r"['’`´]")
_JOINERS = re.compile(r"[\s.,;:/*&+'’-]*")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[str]:
    """Folded words of `text`, placeholders left out (they are never secret)."""
    return [
        _fold(match.group(0))
        for match in _PLACEHOLDER_OR_WORD.finditer(_APOSTROPHES.sub("", text))
        if match.group(0) not in PLACEHOLDERS
    ]


def _removed_words(source: str) -> Counter[str]:
    return Counter(_words(source)) - Counter(_words(redact(source)))


def redact_derived(source: str, derived: str) -> str:
    """`derived` (text made from `source`, e.g. its cleaned merchant name) redacted, and with
    every word that redacting the whole `source` removed masked as well.

    Cleaning can drop the very context a rule needs: "SEPA-Überweisung an Maria Schmidt"
    cleans to "An Maria Schmidt", in which nothing says a person follows. The decision is
    made on the raw text, where the context is whole, and no removed word comes back.
    """
    secret = _removed_words(source)
    text = redact(derived)
    if not secret:
        return text
    pieces: list[str] = []
    position = 0
    masking = False
    for match in _PLACEHOLDER_OR_WORD.finditer(text):
        word = match.group(0)
        between = text[position : match.start()]
        if word not in PLACEHOLDERS and _fold(_APOSTROPHES.sub("", word)) in secret:
            # A run of removed words (and the punctuation joining them) becomes one placeholder.
            if not (masking and _JOINERS.fullmatch(between)):
                pieces.append(between)
                pieces.append(NUMBER if word.isdigit() else NAME)
            masking = True
        else:
            pieces.append(between)
            pieces.append(word)
            masking = False
        position = match.end()
    pieces.append(text[position:])
    return redact("".join(pieces))


# -- text that may be a person ----------------------------------------------------------------

# Common given names in the languages privfin reads statements in. Used only to keep a bare
# name out of the few examples the prompt carries, where leaving out a merchant costs nothing.
_GIVEN_NAMES_TEXT = """
    aaron adam adrian alan albert alex alexander alexandra alice alicia amanda amy ana andrea andreas
    andrew angela ann anna anne anthony antoine antonio ashley barbara ben benjamin bernd betty bob
    brandon brian bruno camille carlos carmen carol caroline catherine charles charlotte chen chloe
    chris christian christine christopher claire claudia daniel david deborah dennis diana diego
    dirk donald donna dorothy edward elena elizabeth emily emma eric erik eva fatima fernando frank
    franz gabriel gary george giulia giuseppe greg hannah hans heinz helen henry isabel isabella
    jack jacob james jan jane jason javier jean jeffrey jennifer jens jessica joan joe johan johann
    john jonathan jorge jose joseph josh joshua juan julia julie jurgen juergen karen karl katharina
    kathleen kevin klaus larry laura lea leon linda lisa lorenzo louis lucas lucia luis lukas luke
    manuel marco margaret maria marie mario mark markus martin mary matteo matthew maya melissa
    michael michelle miguel monika nancy nicolas nicole noah olivia pablo patricia patrick paul
    pedro peter petra philippe pierre pieter rachel raymond rebecca richard robert ronald ryan
    sabine sam samuel sandra sara sarah scott sebastian sharon sofia sophie stefan stephanie
    stephen steven susan thomas tim timothy tom tyler ursula uwe victoria walter william wolfgang
"""
_GIVEN_NAMES = frozenset(_GIVEN_NAMES_TEXT.split())
_TITLE_WORD = re.compile(rf"(?<![^\W\d_])(?:{_TITLE})(?:\s|$)", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(rf"^\s*(?:{_PREPOSITION})\s+[^\W\d_]", re.IGNORECASE)
_BARE_NAME = re.compile(r"[^\W\d_]+(?:[ ,.'’-]+[^\W\d_]+){1,2}\.?")


def names_a_person(text: str) -> bool:
    """True when `text` names a person, or may be nothing but a person's name.

    A transfer line (its person redacted), a title ("MR", "FRAU"), a leading preposition
    left by cleaning ("AN MARIA SCHMIDT", "TO JOHN SMITH") or two or three plain words with a
    common given name among them ("JOHN SMITH", "SCHMIDT, MARIA"). Such text cannot be told
    from a merchant's name, so it is kept out wherever leaving it out is harmless.
    """
    stripped = text.strip()
    if NAME in redact(stripped) or _TITLE_WORD.search(stripped) or _LEADING_PREPOSITION.match(stripped):
        return True
    if not _BARE_NAME.fullmatch(stripped):
        return False
    return any(word in _GIVEN_NAMES for word in _words(stripped))


# -- the gate ---------------------------------------------------------------------------------


def redact_lines(text: str) -> str:
    # Line by line: no rule may join an instruction to the example or category below it.
    return "\n".join(redact(line) for line in text.split("\n"))


def _redact_values(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_values(item) for item in value]
    if isinstance(value, dict):
        return {key: _redact_values(item) for key, item in value.items()}
    return value


def redact_content(content: str) -> str:
    """One message's content redacted: a JSON document field by field (so it stays valid
    JSON and keys are kept), any other text line by line."""
    stripped = content.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            document = json.loads(content)
        except ValueError:
            pass
        else:
            return json.dumps(_redact_values(document), ensure_ascii=False)
    return redact_lines(content)


def redact_messages(messages: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The gate: chat messages with every content string redacted, ready to leave the machine.

    Idempotent, so applying it again to messages that already passed changes nothing.
    """
    return [
        {key: redact_content(value) if key == "content" else value for key, value in message.items()}
        for message in messages
    ]
