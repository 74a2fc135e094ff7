"""Column roles for an export no profile knows: from header words in several languages and value shapes.

Produces a `ColumnMapping` plus whether the guess is confident and, if not, why.
Date order is decided from the whole column, the decimal mark per amount column, and
an unknown sign convention from the data (balance arithmetic, then payments and
refunds against purchases); anything inferred is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.ingest.columns import (
    Column,
    best_ranked,
    header_currency,
    is_balance,
    is_original,
    profile_columns,
    rank,
)
from app.ingest.dates import DateFormat, DateGuess, fold_accents, infer_date_format
from app.ingest.errors import IngestError
from app.ingest.evidence import (
    balance_sign,
    file_order,
    sign_evidence,
)
from app.ingest.mapping import ColumnMapping, SignRule
from app.ingest.money_columns import (
    Amounts,
    card_evidence,
    decide_decimal,
    fee_if_the_balance_says_so,
    infer_card_sign,
    pick_amounts,
    pick_sign,
)
from app.ingest.vocabulary import (
    ACCOUNT,
    BALANCE_LINE_PATTERNS,
    CATEGORY,
    CREDIT_WORDS,
    CURRENCY,
    CURRENCY_SYMBOLS,
    DEBIT_WORDS,
    FEE,
    ISO_HINT,
    NON_ENGLISH,
    PAYEE,
    PENDING_TEXT,
    PENDING_WORDS,
    POSTED_DATE,
    STATUS,
    TEXT,
    TRANSACTION_DATE,
    role_name,
)

__all__ = [
    "Detection",
    "balance_sign",
    "default_account_name",
    "detect_mapping",
    "role_name",
    "sign_evidence",
]


@dataclass
class Detection:
    mapping: ColumnMapping
    confident: bool
    uncertain_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # what decided each role, one line each


def detect_mapping(
    columns: Sequence[str],
    rows: Sequence[list[str]],
    *,
    filename: str,
    delimiter: str,
    has_header: bool,
) -> Detection:
    """Guess a mapping for an unknown layout; IngestError if no date or amount column exists."""
    reasons: list[str] = []
    notes: list[str] = []
    profiled = profile_columns(columns, rows)
    if not has_header:
        reasons.append("the file has no header row; its columns were recognised by their values alone")
        for column in profiled:
            column.role = ""
    european = delimiter == ";" or any(c.role in NON_ENGLISH for c in profiled)
    taken: set[int] = set()

    dates = _read_dates(profiled, taken, reasons, notes, filename, european)
    date_col, posted_col, guess, newest_first = dates.column, dates.posted, dates.guess, dates.newest_first
    amounts, decimal = _read_amounts(
        profiled, taken, reasons, notes, filename, european, newest_first, has_header
    )

    description, payee = _pick_description(profiled, taken, reasons, filename)
    fee = best_ranked([c for c in profiled if c.amount_share() >= 0.8 or not c.filled], FEE, taken)
    if fee is not None:
        taken.add(fee.index)
    category = best_ranked(profiled, CATEGORY, taken)
    currency_col = _pick_currency_column(profiled, taken, amounts.columns)
    account = best_ranked(profiled, ACCOUNT, taken) if has_header else None
    status, pending_values = _pick_status(profiled, taken)
    balance = amounts.balance or next(
        (c for c in profiled if c.index not in taken and is_balance(c) and c.amount_share() >= 0.8), None
    )

    sign, indicator, debit_values, credit_values = pick_sign(amounts, profiled, taken, decimal)
    if indicator is not None:
        notes.append(f"the direction of each amount comes from '{indicator.name}'")
    if sign is SignRule.SIGNED and amounts.single is not None:
        card = card_evidence(profiled, filename)
        sign = infer_card_sign(amounts, description, balance, decimal, reasons, notes, newest_first, card)
    fee = fee_if_the_balance_says_so(fee, amounts, balance, sign, decimal, notes, reasons, newest_first)

    currency = _file_currency(profiled, currency_col, amounts)
    notes.extend(_original_amount_notes(profiled, amounts.columns, currency))
    original_amount, original_currency = _pick_original(profiled, taken)
    mapping = ColumnMapping(
        has_header=has_header,
        columns=list(columns) if not has_header else [],
        date=date_col.name,
        posted_date=posted_col.name if posted_col else None,
        date_format=guess.format,
        description=[c.name for c in description],
        payee=payee.name if payee else None,
        amount=amounts.single.name if amounts.single else None,
        debit=amounts.debit.name if amounts.debit else None,
        credit=amounts.credit.name if amounts.credit else None,
        indicator=indicator.name if indicator else None,
        debit_values=debit_values,
        credit_values=credit_values,
        fee=fee.name if fee else None,
        decimal=decimal,
        sign=sign,
        currency=currency,
        currency_column=currency_col.name if currency_col else None,
        original_amount=original_amount.name if original_amount else None,
        original_currency=original_currency.name if original_currency else None,
        category=category.name if category else None,
        account=[account.name] if account else [],
        balance=balance.name if balance else None,
        skip_values={status.name: pending_values} if status else {},
        skip_description_patterns=list(BALANCE_LINE_PATTERNS),
    )
    evidence = _evidence(dates, amounts, decimal, sign, indicator, balance)
    return Detection(
        mapping=mapping, confident=not reasons, uncertain_reasons=reasons, notes=notes, evidence=evidence
    )


@dataclass(frozen=True)
class _Dates:
    column: Column
    posted: Column | None
    guess: DateGuess
    newest_first: bool | None  # None: the dates do not tell


def _read_dates(
    profiled: list[Column],
    taken: set[int],
    reasons: list[str],
    notes: list[str],
    filename: str,
    european: bool,
) -> _Dates:
    """The date column (and a posted-date one), its format from the whole column, the file's order."""
    date_col, posted_col = _pick_dates(profiled, taken, reasons, filename)
    date_values = date_col.values + (posted_col.values if posted_col else [])
    guess = infer_date_format(date_values, column=date_col.name, day_first_hint=european)
    if guess is None:
        raise IngestError(
            filename, f"column '{date_col.name}' does not hold dates in any format privfin knows"
        )
    if not guess.confident and guess.reason:
        reasons.append(guess.reason)
    if guess.valid_fraction < 1:
        notes.append(f"some values in column '{date_col.name}' are not dates in {guess.format}")
    parse_date = DateFormat.compile(guess.format).cached_parser()
    return _Dates(date_col, posted_col, guess, file_order([parse_date(v) for v in date_col.values]))


def _read_amounts(
    profiled: list[Column],
    taken: set[int],
    reasons: list[str],
    notes: list[str],
    filename: str,
    european: bool,
    newest_first: bool | None,
    has_header: bool,
) -> tuple[Amounts, str]:
    """The money columns and their decimal mark; a debit/credit pair no evidence orders is a doubt."""
    amounts = pick_amounts(profiled, taken, reasons, filename, "," if european else ".", newest_first)
    notes.extend(amounts.evidence)
    if amounts.debit is not None and amounts.fit is None and not has_header:
        reasons.append(
            f"without a header or a running balance, which of '{amounts.debit.name}' and "
            f"'{amounts.credit.name if amounts.credit else ''}' is money out cannot be told; "
            f"'{amounts.debit.name}' was taken as money out"
        )
    return amounts, decide_decimal(amounts.columns, fallback="," if european else ".", reasons=reasons)


def _file_currency(profiled: list[Column], currency_col: Column | None, amounts: Amounts) -> str | None:
    """The currency column's most common code, else what headers and amount symbols say."""
    if currency_col is not None:
        codes = [v for v in currency_col.values if v]
        return max(set(codes), key=codes.count)
    amount_values = [v for c in amounts.columns for v in c.values]
    return _guess_currency(profiled, amounts.columns, amount_values)


def _evidence(
    dates: _Dates,
    amounts: Amounts,
    decimal: str,
    sign: SignRule,
    indicator: Column | None,
    balance: Column | None,
) -> list[str]:
    """One line per decided role: what decided it."""
    date_col, guess = dates.column, dates.guess
    evidence = [
        f"dates: '{date_col.name}' read as {guess.format}, decided from the whole column "
        f"({round(100 * guess.valid_fraction)}% of its values)",
        *(
            amounts.evidence
            or [
                f"amount: {_named(amounts)}, "
                + ("the column that looks most like money" if amounts.by_values else "by the column name")
            ]
        ),
        f"decimal mark '{decimal}', sign rule {sign.value}"
        + (f" (direction from '{indicator.name}')" if indicator else ""),
    ]
    if balance is not None and amounts.balance is None:
        evidence.append(f"running balance: '{balance.name}', by the column name")
    return evidence


def _named(amounts: Amounts) -> str:
    if amounts.single is not None:
        return f"'{amounts.single.name}'"
    return f"money out '{amounts.debit.name if amounts.debit else ''}', money in '{amounts.credit.name if amounts.credit else ''}'"


def _pick_dates(
    profiled: list[Column], taken: set[int], reasons: list[str], filename: str
) -> tuple[Column, Column | None]:
    candidates = [c for c in profiled if c.filled and c.date_share() >= 0.8]
    transaction_dates = [c for c in candidates if c.role not in POSTED_DATE]
    date_col = best_ranked(transaction_dates, TRANSACTION_DATE, taken) or best_ranked(
        candidates, POSTED_DATE, taken
    )
    if date_col is None:
        if not candidates:
            raise IngestError(
                filename, "no column of dates found (looked for Date, Datum, Fecha... and date values)"
            )
        date_col = candidates[0]
        if date_col.role:
            reasons.append(f"column '{date_col.name}' was taken as the date by its values, not its name")
    taken.add(date_col.index)
    posted_col = best_ranked(candidates, POSTED_DATE, taken)
    if posted_col is None and not date_col.role:
        # Headerless: a second full column of dates is the booking or value date.
        posted_col = next((c for c in candidates if c.index not in taken and c.date_share() >= 0.99), None)
    if posted_col is not None:
        taken.add(posted_col.index)
    return date_col, posted_col


def _pick_description(
    profiled: list[Column], taken: set[int], reasons: list[str], filename: str
) -> tuple[list[Column], Column | None]:
    """The description columns, and the payee column among them when one is named as such."""
    textual = [c for c in profiled if c.index not in taken]
    payee = best_ranked(textual, PAYEE, taken)
    text = best_ranked([c for c in textual if c is not payee], TEXT, taken)
    chosen = [c for c in (payee, text) if c is not None]
    if not chosen:
        candidates = [
            c
            for c in textual
            if c.filled and c.amount_share() < 0.5 and c.date_share() < 0.5 and not _direction_words(c)
        ]
        if not candidates:
            raise IngestError(filename, "no column with a description of the transactions found")
        best = max(candidates, key=lambda c: (len(set(c.values)), sum(map(len, c.values))))
        if best.role:
            reasons.append(f"column '{best.name}' was taken as the description by its values, not its name")
        chosen = [best]
    taken.update(c.index for c in chosen)
    return chosen, payee if payee is not None and payee.filled else None


def _direction_words(column: Column) -> bool:
    """A column of debit/credit words only: an indicator, never the description."""
    observed = {v.strip().casefold() for v in column.values if v.strip()}
    return bool(observed) and len(observed) <= 4 and observed <= (DEBIT_WORDS | CREDIT_WORDS)


def _pick_status(profiled: list[Column], taken: set[int]) -> tuple[Column | None, list[str]]:
    """A column of few distinct values, some of which say 'pending' (Status, State, Info...)."""
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v for v in column.values if v}
        if len(observed) > 6:
            continue
        pending = sorted(v for v in observed if PENDING_TEXT.search(fold_accents(v)))
        if pending or (rank(column, STATUS) is not None and observed):
            taken.add(column.index)
            return column, sorted({*PENDING_WORDS, *(v.casefold() for v in pending)})
    return None, []


def _pick_currency_column(
    profiled: list[Column], taken: set[int], amount_columns: list[Column]
) -> Column | None:
    """A column of each row's currency, only when it is the currency of the amount column.

    A column qualified as original, foreign or local belongs to the foreign spend beside the
    amount, and so does one that disagrees with the currency the amount's header names.
    """
    named_by_header = {code for c in amount_columns if (code := header_currency(c))}
    for column in profiled:
        if column.index in taken or not column.filled or is_original(column):
            continue
        if rank(column, CURRENCY) is None:
            continue
        codes = {v for v in column.values if v}
        if not all(re.fullmatch(r"[A-Z]{3}", v) for v in codes):
            continue
        if named_by_header and not codes <= named_by_header:
            continue
        taken.add(column.index)
        return column
    return None


def _guess_currency(
    profiled: list[Column], amount_columns: list[Column], amount_values: Sequence[str]
) -> str | None:
    """The currency the file names for its amounts (a header, a symbol or code in the cells), or None.

    None is an honest answer: the account's remembered currency or the user's home currency
    decides then, never a guess from the delimiter.
    """
    named = [*amount_columns, *(c for c in profiled if c not in amount_columns and not is_original(c))]
    for column in named:
        code = header_currency(column)
        if code:
            return code
    sample = " ".join(amount_values[:200])
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in sample:
            return code
    found = ISO_HINT.search(sample)
    return found.group(1) if found else None


def _pick_original(profiled: list[Column], taken: set[int]) -> tuple[Column | None, Column | None]:
    """The foreign spend's amount and currency columns, kept only as a pair (an amount needs its currency)."""
    free = [c for c in profiled if c.index not in taken and c.filled and is_original(c)]
    amount = next((c for c in free if c.amount_share() >= 0.8), None)
    currency = next(
        (c for c in free if c is not amount and all(re.fullmatch(r"[A-Z]{3}", v) for v in c.values if v)),
        None,
    )
    if amount is None or currency is None:
        return None, None
    taken.update((amount.index, currency.index))
    return amount, currency


def _original_amount_notes(
    profiled: list[Column], amount_columns: list[Column], currency: str | None
) -> list[str]:
    originals = [c for c in profiled if c.filled and is_original(c) and c not in amount_columns]
    if not originals:
        return []
    names = ", ".join(f"'{c.name}'" for c in originals)
    kept_in = f"in {currency}" if currency else "in the account's currency"
    amount_names = ", ".join(f"'{c.name}'" for c in amount_columns)
    return [
        f"{names} hold the original amount or currency of foreign spending; every row is kept {kept_in}, "
        f"the currency of {amount_names}"
    ]


def default_account_name(filename: str) -> str:
    return Path(filename).stem.strip() or "Imported account"
