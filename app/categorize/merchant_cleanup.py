"""The clean-up that turns a merchant part into a key: token rules, no brands, no bank formats.

`cleanup` drops what varies between two purchases at one merchant (dates, times, phone
numbers, card masks, references, store numbers, legal forms, trailing places) and keeps the
words that name it; `names_no_merchant` tells a text of only booking words, places and
numbers. The words are data (merchant_words.json). `merchant.py` decides which part of a
description these rules read; a change here can change keys (bump `MERCHANT_KEY_VERSION`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_LETTER = re.compile(r"[^\W\d_]")  # any script's letters
_MEANINGFUL = re.compile(r"[^\W_]|[&+]")
_DIGIT = re.compile(r"\d")
_THREE_DIGITS = re.compile(r"\d{3}")

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


_STORE_WORDS = frozenset(
    {"STORE", "STORES", "STR", "STE", "NO", "NR", "NUM", "BRANCH", "FILIALE", "LOC", "UNIT"}
)
_KEEP_NUMBER_BEFORE = frozenset({"TO", "FROM", "AN", "VON", "NAAR", "VAN", "FOR"})
_STORE_NUMBER = re.compile(r"#.*|N[OR]\.?\d+|\d{3,}|[A-Z]{1,2}-?\d{3,}|\d+(?:-\d+){2,}")
_LEGAL_FORMS = frozenset(
    {
        "GMBH", "MBH", "KG", "KGAA", "OHG", "UG", "EV", "E.V", "INC", "LLC", "L.L.C", "LTD", "LIMITED",
        "CORP", "CORPORATION", "PLC", "BV", "B.V", "NV", "N.V", "SARL", "S.A.R.L", "S.A R.L", "SRL",
        "S.P.A", "OY", "ASA", "PTY",
    }
)  # fmt: skip
_TRAILING_LEGAL_FORMS = frozenset({"CO", "AG", "SA", "S.A", "SAS", "AB", "SE", "COMPANY", "&"})
_WORDS = json.loads(Path(__file__).with_name("merchant_words.json").read_text(encoding="utf-8"))
GENERIC_WORDS = frozenset(_WORDS["generic_words"])
_US_STATES = frozenset(_WORDS["us_states"])
_COUNTRIES = frozenset(_WORDS["countries"])
_CITIES = tuple(city.split() for city in _WORDS["cities"])
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


def cleanup(text: str) -> str:
    # The substring tests skip a regex pass where it cannot match (keying is per row).
    if "//" in text:
        text = _DKB_LOCATION.sub("", text)
    if _DIGIT.search(text):
        if _THREE_DIGITS.search(text):
            text = _PHONES.sub(" ", text)
        text = _DATES_AND_TIMES.sub(" ", text)
        text = _CARD_MASKS.sub(" ", text)
        if "*" in text:
            text = _STAR_REFERENCE.sub(" ", text)
    if "THANK YOU" in text:
        text = _THANK_YOU_SUFFIX.sub("THANK YOU", text)
    text = _UNSAFE.sub(" ", text.replace("*", " "))
    if "#" in text:
        text = _GLUED_NUMBER_SIGN.sub(" #", text)
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


def names_no_merchant(tokens: list[str]) -> bool:
    """Only booking words, places and numbers ("DIRECT DEBIT", "POS 1234", "AUSTIN TX")."""
    rest, dropped_words = list(tokens), False
    while rest:
        last = rest[-1]
        if last.isdigit():
            rest.pop()
            continue
        if last in GENERIC_WORDS or last in _US_STATES or last in _COUNTRIES:
            rest.pop()
            dropped_words = True
            continue
        city = next((c for c in _CITIES_BY_LAST_WORD.get(last, ()) if rest[-len(c) :] == c), None)
        if city is None:
            return False
        del rest[-len(city) :]
        dropped_words = True
    return dropped_words
