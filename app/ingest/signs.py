"""A row's cells to its signed amount, as a mapping's sign rule says; and the balance check after.

Money out is negative. A column that already carries a sign is never negated again: an
indicator only decides unsigned cells, and a debit/credit pair with signs takes -|debit| and
+|credit|.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable
from decimal import Decimal

from app.ingest.amounts import AmountError, cached_amount_parser, safe_amount_parser
from app.ingest.errors import IngestError
from app.ingest.evidence import balance_sign, best_alignment, disagreements, file_order, first_disagreement
from app.ingest.mapping import ColumnMapping, SignRule
from app.ingest.table import TransactionTable

# Rows a balance must be checkable on before it can refuse a file: two could be a correction.
_CONTRADICTION_ROWS = 4
_LISTED_DISAGREEMENTS = 5

RowAmount = Decimal | AmountError | None


def amount_column(
    rows: list[list[str]], mapping: ColumnMapping, at: Callable[[str | None], int | None]
) -> tuple[list[RowAmount], list[str | None] | None]:
    """Every row's signed amount (or its problem), and per-row currencies when amount columns fix them."""
    amount_at = at(mapping.amount)
    if (
        mapping.sign in (SignRule.SIGNED, SignRule.SIGNED_INVERTED)
        and amount_at is not None
        and mapping.fee is None
    ):
        parse = safe_amount_parser(mapping.decimal, negate=mapping.sign is SignRule.SIGNED_INVERTED)
        return list(map(parse, [cells[amount_at] for cells in rows])), None
    amount_of = _amount_reader(mapping, at)
    values: list[RowAmount] = []
    currencies: list[str | None] = []
    for cells in rows:
        value: RowAmount
        code: str | None
        try:
            value, code = amount_of(cells)
        except AmountError as exc:
            value, code = exc, None
        values.append(value)
        currencies.append(code)
    return values, currencies if mapping.amount_by_currency else None


_AmountReader = Callable[[list[str]], tuple[Decimal | None, str | None]]


def _amount_reader(mapping: ColumnMapping, at: Callable[[str | None], int | None]) -> _AmountReader:
    """A function from a row to (signed amount or None, currency if the amount column fixes it)."""
    parse = cached_amount_parser(mapping.decimal)
    rule = mapping.sign
    fee_at = at(mapping.fee)

    def with_fee(value: Decimal | None, cells: list[str]) -> Decimal | None:
        if value is None or fee_at is None:
            return value
        fee = parse(cells[fee_at].strip())
        return value - fee if fee is not None else value

    if rule in (SignRule.DEBIT_CREDIT_UNSIGNED, SignRule.DEBIT_CREDIT_ABS):
        debit_at, credit_at = at(mapping.debit), at(mapping.credit)
        assert debit_at is not None and credit_at is not None
        absolute = rule is SignRule.DEBIT_CREDIT_ABS

        def two_columns(cells: list[str]) -> tuple[Decimal | None, str | None]:
            debit = parse(cells[debit_at].strip())
            credit = parse(cells[credit_at].strip())
            if debit is None and credit is None:
                return None, None
            debit = debit or Decimal(0)
            credit = credit or Decimal(0)
            value = abs(credit) - abs(debit) if absolute else credit - debit
            return with_fee(value, cells), None

        return two_columns

    by_currency = [(at(column), code) for column, code in mapping.amount_by_currency.items()]
    amount_at = at(mapping.amount)

    def raw_amount(cells: list[str]) -> tuple[Decimal | None, str | None]:
        if amount_at is not None:
            return parse(cells[amount_at].strip()), None
        for index, code in by_currency:
            if index is not None:
                value = parse(cells[index].strip())
                if value is not None:
                    return value, code
        return None, None

    if rule is SignRule.UNSIGNED_PLUS_INDICATOR:
        indicator_at = at(mapping.indicator)
        assert indicator_at is not None
        debits = {v.casefold() for v in mapping.debit_values}
        credits = {v.casefold() for v in mapping.credit_values}

        def indicated(cells: list[str]) -> tuple[Decimal | None, str | None]:
            value, code = raw_amount(cells)
            if value is None:
                return None, code
            word = cells[indicator_at].strip()
            folded = word.casefold()
            if folded in debits:
                return with_fee(-abs(value), cells), code
            if folded in credits:
                return with_fee(abs(value), cells), code
            if value < 0:  # an unknown direction word, but the cell itself says money out
                return with_fee(value, cells), code
            raise AmountError(
                f"direction {word!r} in column '{mapping.indicator}' is neither debit nor credit"
            )

        return indicated

    inverted = rule is SignRule.SIGNED_INVERTED

    def signed(cells: list[str]) -> tuple[Decimal | None, str | None]:
        value, code = raw_amount(cells)
        if value is not None and inverted:
            value = -value
        return with_fee(value, cells), code

    return signed


def check_balance(
    rows: list[list[str]],
    kept: array[int],
    lines: array[int],
    table: TransactionTable,
    balance_at: int,
    mapping: ColumnMapping,
    filename: str,
    notes: list[str],
    reasons: list[str],
) -> None:
    """The running balance against the amounts just read: agreement is noted, an inverted sign is a
    doubt, and a balance the amounts cannot explain on most rows refuses the file, naming the first
    row it contradicts, so nothing is stored half-right."""
    parse = cached_amount_parser(mapping.decimal)
    balances: list[Decimal | None] = []
    for k in kept:
        try:
            balances.append(parse(rows[k][balance_at].strip()))
        except AmountError:
            balances.append(None)
    amounts: list[Decimal | None] = list(table.amounts)
    order = file_order(table.dates)
    best = best_alignment(amounts, balances, order)
    # Only a file in date order can contradict its balance: rows sorted otherwise (ING's exports
    # by account, then date) make the balance jump between them. A balance no row agrees with
    # refuses the file; one that agrees on fewer than half the rows is a doubt the user settles.
    if best is not None and order is not None and best.checkable >= _CONTRADICTION_ROWS:
        where = first_disagreement(amounts, balances, best)
        if where is not None and best.hits < 0.5 * best.checkable:
            index, moved, amount = where
            line = lines[kept[index]]
            if best.hits == 0:
                raise IngestError(
                    filename,
                    f"the running balance in '{mapping.balance}' contradicts the amounts on every row: "
                    f"it moves by {moved} where the amount is {amount}; nothing was imported "
                    "(check the amount column and the sign rule)",
                    line,
                )
            reasons.append(
                f"the running balance in '{mapping.balance}' agrees with the amounts on only {best.hits} "
                f"of {best.checkable} rows (first on line {line}: it moves by {moved}, the amount is {amount})"
            )
            return
    # A balance the amounts explain on most rows but not on a few: each of those rows is named
    # (a row missing from the export, or a balance mistyped), and the amounts stay as the file gives them.
    wrong = (
        list(itertools.islice(disagreements(amounts, balances, best), _LISTED_DISAGREEMENTS + 1))
        if best is not None and order is not None and best.hits
        else []
    )
    if best is not None and wrong:
        listed = "; ".join(
            f"line {lines[kept[index]]}: it moves by {moved}, the amount is {amount}"
            for index, moved, amount in wrong[:_LISTED_DISAGREEMENTS]
        )
        more = " and more" if len(wrong) > _LISTED_DISAGREEMENTS else ""
        notes.append(
            f"the running balance in '{mapping.balance}' agrees with the amounts on {best.hits} of "
            f"{best.checkable} rows but not on {best.checkable - best.hits} ({listed}{more}): a row missing "
            "from the export or a balance written wrong; the amounts were imported as the file gives them"
        )
    moves = balance_sign(amounts, balances, order)
    if moves == -1:
        reasons.append(
            f"the running balance in '{mapping.balance}' moves against the amounts: the sign rule looks inverted"
        )
    elif moves == 1 and not wrong:
        notes.append(f"amounts agree with the running balance in '{mapping.balance}'")
