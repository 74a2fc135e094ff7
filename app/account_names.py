"""Account names show at most the last four digits of a card or account number.

Names come from a file's name, an issuer profile, an account column or an OFX account id;
any of them may carry a whole card number ("RBC Visa 4516000000001234"). Every name the
importer makes, and every name already stored (store migrations v10 and v14), passes `masked_account_name`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

# A number: digit groups joined by separators as cards, IBANs and file names print them
# ("4516 0000 0000 1234", "3782 822463 10005", "4516-0000-...", "visa_4516_0000_...",
# "4516.0000...") or by a bank's own masking ("451600******1234"). Five or more digits in
# all are masked: longer than any 4-digit suffix a bank prints on purpose. Digits glued to a
# word ("simple1", "LT21", "NL00ASNB9999...") stand alone: they join no following group.
# A date in a file name ("_2024-03-01", "20240301", "_20220717204133") is a statement date,
# not part of the number.
_SEPARATOR = r"(?:[ \-_/]{1,2}|\.(?=\d{4}))"
_MASKING = r"[*xX#]+"  # a bank's masking; never our own "••", so masking twice changes nothing
_GAP = rf"(?:{_SEPARATOR}|[ \-._/]?{_MASKING}(?:[ \-._/]?{_MASKING})*[ \-._/]?)"
# Names v10 masked by an older rule may still show several groups of one number around our
# mask ("Amex 3782 ••2463 ••0005", "••1600******1234"): migration v14 joins a group to a
# following "••" group across one space or a bank's masking, once. Not across "_" or "-":
# "NL00ASNB••9999_••4133" is an account and a timestamp, as the rule masks them today.
_GAP_BEFORE = rf"(?:{_GAP}| ?••)"
_DATE_SHAPE = r"(?:19|20)\d\d(?:[01]\d[0-3]\d|-[01]\d-[0-3]\d|_[01]\d_[0-3]\d|\.[01]\d\.[0-3]\d)"
# Dates kept as they are: "2024-03-01" alone was always masked (ids hash the name, so a name
# the importer made must stay the name it makes), though a number never runs on into one.
_KEPT_DATE = r"(?:19|20)\d\d(?:[01]\d[0-3]\d|_[01]\d_[0-3]\d|\.[01]\d\.[0-3]\d)"
_DATE = re.compile(_KEPT_DATE)
_NUMBER_TEMPLATE = r"(?<=[^\W\d_])\d+|(?<![^\W_])KEPT(?!\d)|PREFIX(?<![^\W_])\d+(?:GAP(?!DATE)\d+)*"


def _number_pattern(gap: str, prefix: str) -> re.Pattern[str]:
    parts = {"KEPT": _KEPT_DATE, "PREFIX": prefix, "GAP": gap, "DATE": _DATE_SHAPE}
    return re.compile(re.sub("KEPT|PREFIX|GAP|DATE", lambda m: parts[m.group(0)], _NUMBER_TEMPLATE))


@functools.cache
def _number() -> re.Pattern[str]:
    # Compiled on first use, not at import: the store's migrations import this module on every
    # start, and the two patterns cost ~30 ms to compile (a fifth of `privfin --help`).
    return _number_pattern(_GAP, "")


@functools.cache
def _number_before() -> re.Pattern[str]:
    return _number_pattern(_GAP_BEFORE, "(?:••)?")


_MASKED_FROM = 5
_SHOWN_DIGITS = 4
MASK = "••"


def _is_date(text: str) -> bool:
    """A file name's "20240301" or "2024_03_01" is a statement date, not an account number."""
    if _DATE.fullmatch(text) is None:
        return False
    digits = re.sub(r"\D", "", text)
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _masked(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < _MASKED_FROM or _is_date(text):
        return text
    return MASK + digits[-_SHOWN_DIGITS:]


def masked_account_name(name: str) -> str:
    """`name` with every long number cut to its last four digits: "Visa 4516000000001234" -> "Visa ••1234"."""
    return _number().sub(_masked, name)


def remasked_account_name(name: str) -> str:
    """A stored name masked again, its digits around an earlier "••" counted as one number."""
    return masked_account_name(_number_before().sub(_masked, name))
