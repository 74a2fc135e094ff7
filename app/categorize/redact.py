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

from app.categorize.people import PREPOSITIONS, TITLES, may_be_a_bare_name, name_spans

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
# "zorro at example dot org", "thornbury(at)example.com", "jane [at] mail [dot] de".
_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,6}}(?![\w-])", re.IGNORECASE
)
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
_TITLE = r"(?:MR|MRS|MS|MISS|MX|DRS?|MESSRS|PROF|SIR|REV|HERRN?|FRAU|MME|MLLE|SR|SRA|DHR|MEVR)\b\.?|M\."
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


# Greek and Cyrillic letters that look like Latin ones: "ΙGNΟRE", "Јohn". A word that mixes
# them with Latin letters is a disguise, and is sent (and checked) in plain Latin.
_LOOK_ALIKES = (
    "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX αa βb εe ιi κk νv οo ρp τt υu χx"
    " АA ВB ЕE ЅS ІI ЈJ КK МM НH ОO РP СC ТT УY ХX аa еe іi јj оo рp сc уy хx ѕs ԁd һh"
)
CONFUSABLES = str.maketrans({pair[0]: pair[1] for pair in _LOOK_ALIKES.split()})
_FORMAT_CHARS = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_MIXED_WORD = re.compile(r"[^\W\d_]+")


def _latin_if_mixed(match: re.Match[str]) -> str:
    word = match.group(0)
    mapped = word.translate(CONFUSABLES)
    if mapped == word or not any("a" <= ch.lower() <= "z" for ch in word):
        return word
    return mapped


def normalise_text(text: str) -> str:
    """`text` in the form it is sent in: NFKC (full-width letters, ligatures), without
    invisible format characters (zero-width spaces, direction marks), and with words that mix
    look-alike Greek or Cyrillic letters into Latin ones written in Latin. Idempotent."""
    text = _FORMAT_CHARS.sub("", unicodedata.normalize("NFKC", text))
    return _MIXED_WORD.sub(_latin_if_mixed, text)


def _p2p_name(match: re.Match[str]) -> str:
    prefix = next(group for group in match.groups()[::2] if group is not None)
    return f"{prefix}{NAME}"


def _mask_people(text: str) -> str:
    for start, end in reversed(name_spans(text)):
        text = f"{text[:start]}{NAME}{text[end:]}"
    return text


def _redact_once(text: str) -> str:
    text = normalise_text(text)
    text = _EMAIL.sub(EMAIL, text)
    text = _OBFUSCATED_EMAIL.sub(EMAIL, text)
    text = _ACH_NAME.sub(lambda m: f"{m.group(1)}:{NAME}", text)
    text = _P2P_NAME.sub(_p2p_name, text)
    text = _mask_people(text)
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

_TITLE_WORD = re.compile(rf"(?<![^\W\d_])(?:{_TITLE})(?:\s|$)", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(rf"^\s*(?:{_PREPOSITION})\s+[^\W\d_]", re.IGNORECASE)


def names_a_person(text: str) -> bool:
    """True when `text` names a person, or may be nothing but a person's name.

    A transfer line (its person redacted), a title ("MR", "FRAU"), a leading preposition
    left by cleaning ("AN MARIA SCHMIDT", "TO JOHN SMITH") or two or three plain words that
    may be nothing but a name (`people.may_be_a_bare_name`: "SCHMIDT, MARIA", "EZEKIEL
    THORNBURY", "Quillon Ashgrove"). Such text cannot be told from a merchant's name, so it
    is kept out wherever leaving it out is harmless.
    """
    stripped = text.strip()
    if NAME in redact(stripped) or _TITLE_WORD.search(stripped) or _LEADING_PREPOSITION.match(stripped):
        return True
    return may_be_a_bare_name(normalise_text(stripped))


def nothing_but_a_person(text: str) -> bool:
    """True when `text`, once redacted, holds a masked name and nothing a merchant could be
    told by: "[name]", "To MR [name]", "Pago a [name]"."""
    redacted = redact(text)
    if NAME not in redacted:
        return False
    left = [word for word in _words(redacted) if word not in PREPOSITIONS and word not in TITLES]
    return not left


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
