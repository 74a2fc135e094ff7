"""Amount cells to `Decimal`, for a known decimal mark, and the decimal mark of an unknown column.

Handled: thousands separators (`"-1,250.00"`, `"2.850,00"`, `1 234,56`, `1'234.50`),
trimmed decimals (`-12,5`), a comma-decimal file's dot-thousands without decimals
(DKB `-1.150` is -1150), `+` signs, Unicode minus, parenthesised and trailing-minus
negatives, `CR`/`DR` suffixes, currency symbols and codes, Excel-protection apostrophes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation

from app.errors import UserFacingError

_CENTS = Decimal("0.01")
# The default context keeps 28 digits: quantizing a 27-digit amount to cents raised
# InvalidOperation. This one keeps every digit, so a cell is read exactly and then judged.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
MAX_ABS_AMOUNT = Decimal(10**12)

_PLAIN_DOT = re.compile(r"^-?\d+(?:\.\d+)?$")
_PLAIN_COMMA = re.compile(r"^-?\d+(?:,\d+)?$")
_CURRENCY_NOISE = re.compile(
    r"(?i)(?:US\$|CA\$|CAD\$|AU\$|A\$|C\$|NZ\$|\$|€|£|¥|₹|₩|₽|₺|₪|kr\.?|zł|"
    r"\b(?:USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|INR|MXN|BRL|ZAR|SGD|HKD)\b)"
)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_DOT_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_COMMA_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?$")
_MINUSES = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


class AmountError(UserFacingError, ValueError):
    """An amount cell that is not a number in the expected notation."""


def amount_range_problem(value: Decimal) -> str | None:
    """Why a row's amount cannot be a real transaction (beyond ±10^12), or None."""
    if value.copy_abs() > MAX_ABS_AMOUNT:
        return f"amount {value} is beyond the supported ±1,000,000,000,000"
    return None


def parse_amount(text: str, decimal: str = ".") -> Decimal | None:
    """The cell's value; None for an empty cell; AmountError for anything unreadable."""
    cell = text.strip()
    if not cell:
        return None
    if (_PLAIN_DOT if decimal == "." else _PLAIN_COMMA).match(cell):
        return _at_least_cents(Decimal(cell if decimal == "." else cell.replace(",", ".")))
    value = _parse_noisy(cell, decimal)
    return None if value is None else _at_least_cents(value)


def _at_least_cents(value: Decimal) -> Decimal:
    """`2850` and `-12.5` become 2850.00 and -12.50, so one amount prints alike in every file."""
    exponent = value.as_tuple().exponent
    return value.quantize(_CENTS, context=_EXACT) if isinstance(exponent, int) and exponent > -2 else value


def _parse_noisy(cell: str, decimal: str) -> Decimal | None:
    original = cell
    cell = cell.translate(_MINUSES).strip("'\u2019\"")
    negative = False
    if cell.startswith("(") and cell.endswith(")"):
        negative, cell = True, cell[1:-1]
    upper = cell.upper().rstrip(". ")
    if upper.endswith(("CR", "DR")) and any(ch.isdigit() for ch in upper):
        # "12.50 DR" / "12.50 CR": the suffix is the direction (UK and Australian statements)
        negative = negative or upper.endswith("DR")
        cell = cell.rstrip(". ")[:-2]
    cell = _CURRENCY_NOISE.sub("", cell)
    cell = _SPACES.sub("", cell).replace("'", "").replace("\u2019", "")
    for _ in range(2):  # a sign may sit on either side of a currency symbol: "-$5", "$-5", "5-"
        if cell.startswith(("-", "+")):
            negative ^= cell[0] == "-"
            cell = cell[1:]
        if cell.endswith("-") and len(cell) > 1:
            negative, cell = not negative, cell[:-1]
        elif cell.endswith("+") and len(cell) > 1:
            cell = cell[:-1]
        if cell.startswith("(") and cell.endswith(")"):
            negative, cell = not negative, cell[1:-1]
    if not cell:
        if _CURRENCY_NOISE.sub("", original).strip(" -+()'\"") == "":
            return None  # a cell holding just "$" or "-" carries no amount
        raise AmountError(f"amount {original!r} is not a number")
    if not any(ch.isdigit() for ch in cell):
        raise AmountError(f"amount {original!r} is not a number")
    if decimal == ".":
        if not _DOT_NUMBER.match(cell):
            raise AmountError(f"amount {original!r} is not a number with a decimal point")
        normalized = cell.replace(",", "")
    else:
        if not _COMMA_NUMBER.match(cell):
            raise AmountError(f"amount {original!r} is not a number with a decimal comma")
        normalized = cell.replace(".", "").replace(",", ".")
    try:
        value = Decimal(normalized)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only numbers
        raise AmountError(f"amount {original!r} is not a number") from exc
    return value.copy_negate() if negative else value


def cached_amount_parser(decimal: str) -> Callable[[str], Decimal | None]:
    """`parse_amount` memoised per distinct cell; raises AmountError like it."""
    cache: dict[str, Decimal | None] = {}
    plain = _PLAIN_DOT if decimal == "." else _PLAIN_COMMA
    comma = decimal == ","

    def parse_cached(text: str) -> Decimal | None:
        try:
            return cache[text]
        except KeyError:
            pass
        if plain.match(text):
            value: Decimal | None = _at_least_cents(Decimal(text.replace(",", ".") if comma else text))
        else:
            value = parse_amount(text, decimal)
        cache[text] = value
        return value

    return parse_cached


def safe_amount_parser(
    decimal: str, *, negate: bool = False
) -> Callable[[str], Decimal | AmountError | None]:
    """Like `cached_amount_parser` but returns the AmountError instead of raising it.

    Lets a whole column be parsed with one `map` call; `negate` flips every value once
    per distinct cell rather than once per row.
    """
    cache: dict[str, Decimal | AmountError | None] = {}
    plain = _PLAIN_DOT if decimal == "." else _PLAIN_COMMA
    comma = decimal == ","

    def parse_safe(text: str) -> Decimal | AmountError | None:
        try:
            return cache[text]
        except KeyError:
            pass
        cell = text.strip()
        value: Decimal | AmountError | None
        if plain.match(cell):
            number = cell.replace(",", ".") if comma else cell
            point = number.find(".")
            # The common "-12.34": already at least cents, so skip the exponent check.
            value = Decimal(number) if 0 <= point < len(number) - 2 else _at_least_cents(Decimal(number))
        else:
            try:
                value = parse_amount(cell, decimal)
            except AmountError as exc:
                value = exc
        if negate and isinstance(value, Decimal) and value:
            value = value.copy_negate()
        cache[text] = value
        return value

    return parse_safe


_AMOUNT_SHAPE = re.compile(
    r"^\s*[-+\u2212(]?\s*(?:[$€£]|[A-Z]{3}\s?)?\s*[-+]?\.?\d[\d.,'\s\u00a0]*\)?\s*(?:[$€£]|[A-Za-z]{2,3}\.?)?\s*-?$"
)


def looks_like_amount(text: str) -> bool:
    return bool(text.strip()) and _AMOUNT_SHAPE.match(text) is not None


@dataclass(frozen=True)
class DecimalGuess:
    decimal: str
    confident: bool
    reason: str | None
    decisive: bool = False  # the column's own values showed the mark (not just the fallback)


def _digits_only(cell: str) -> str:
    cell = _CURRENCY_NOISE.sub("", cell.translate(_MINUSES))
    return _SPACES.sub("", cell).strip("+-()'\"")


def infer_decimal_mark(values: Iterable[str], *, column: str, fallback: str) -> DecimalGuess:
    """Decide '.' or ',' for one column from every value in it.

    Decisive evidence: both marks in one value (the last is the decimal), or one mark
    followed by 1-2 digits or by more than 3. A lone mark followed by exactly three
    digits (`1.150`, `1,234`) fits both readings, so the fallback (from the file's
    delimiter and language) decides, and the guess is marked not confident.
    """
    dot_votes = comma_votes = ambiguous = 0
    ambiguous_example = ""
    for raw in values:
        cell = _digits_only(raw)
        if not cell:
            continue
        last_dot, last_comma = cell.rfind("."), cell.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            if last_dot > last_comma:
                dot_votes += 1
            else:
                comma_votes += 1
            continue
        mark = "." if last_dot >= 0 else "," if last_comma >= 0 else ""
        if not mark:
            continue
        if cell.count(mark) > 1:  # repeated mark: thousands groups
            if mark == ".":
                comma_votes += 1
            else:
                dot_votes += 1
            continue
        decimals = len(cell) - cell.rfind(mark) - 1
        if decimals == 3:
            ambiguous += 1
            ambiguous_example = ambiguous_example or raw.strip()
        elif mark == ".":
            dot_votes += 1
        else:
            comma_votes += 1
    if dot_votes and comma_votes:
        chosen = "." if dot_votes >= comma_votes else ","
        return DecimalGuess(
            chosen,
            False,
            f"column '{column}' mixes decimal points and decimal commas; assumed '{chosen}'",
            decisive=True,
        )
    if dot_votes or comma_votes:
        return DecimalGuess("." if dot_votes else ",", True, None, decisive=True)
    if ambiguous:
        return DecimalGuess(
            fallback,
            False,
            f"amounts in column '{column}' such as {ambiguous_example!r} could use '.' or ',' as the "
            f"decimal mark; assumed '{fallback}'",
        )
    return DecimalGuess(fallback, True, None)
