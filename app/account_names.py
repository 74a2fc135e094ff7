"""Account names show at most the last four digits of a card or account number.

Names come from a file's name, an issuer profile, an account column or an OFX account id;
any of them may carry a whole card number ("RBC Visa 4516000000001234"). Every name the
importer makes, and every name already stored (store migration v10), passes `masked_account_name`.
"""

from __future__ import annotations

import datetime as dt
import re

# A number: digits joined by dashes ("00010-4012345"), or groups of four split by single
# spaces as cards and IBANs are printed ("4516 0000 0000 1234"). Five or more digits in all
# are masked: longer than any 4-digit suffix a bank prints on purpose.
_NUMBER = re.compile(r"(?<!\d)\d{4}(?: \d{4})+(?: \d{1,3})?(?!\d)|\d+(?:-\d+)*")
_MASKED_FROM = 5
_SHOWN_DIGITS = 4
MASK = "••"


def _is_date(digits: str) -> bool:
    """A file name's "20240301" is a statement date, not an account number."""
    if len(digits) != 8 or not "1900" <= digits[:4] <= "2100":
        return False
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _masked(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < _MASKED_FROM or (text == digits and _is_date(digits)):
        return text
    return MASK + digits[-_SHOWN_DIGITS:]


def masked_account_name(name: str) -> str:
    """`name` with every long number cut to its last four digits: "Visa 4516000000001234" -> "Visa ••1234"."""
    return _NUMBER.sub(_masked, name)
