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
from decimal import Decimal
from pathlib import Path
from typing import Literal

from app.ingest.amounts import infer_decimal_mark, looks_like_amount
from app.ingest.dates import DateFormat, fold_accents, infer_date_format, looks_like_date
from app.ingest.errors import IngestError
from app.ingest.evidence import (
    BalanceFit,
    balance_fit,
    balance_sign,
    column_decimals,
    complementary,
    decimals,
    direction_pair,
    file_order,
    money_likeness,
    sign_evidence,
)
from app.ingest.mapping import ColumnMapping, SignRule


def role_name(header: str) -> str:
    """Header reduced to plain words: 'Betrag (€)' -> 'betrag', 'Trans. Date' -> 'trans date'."""
    without_units = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", header)
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", fold_accents(without_units)).split())


def _words(*groups: str) -> tuple[str, ...]:
    return tuple(word.strip() for group in groups for word in group.split(",") if word.strip())


# Synonyms in rough priority order (earlier wins), as `role_name` renders them.
TRANSACTION_DATE = _words(
    "transaction date, trans date, date, datum, fecha, date operation, date de l operation, fecha operacion,",
    "fecha de operacion, transactiedatum, booking date, buchungsdatum, buchungstag, started date, data,",
    "date transaction, fecha transaccion, belegdatum, umsatzdatum, transaction time, dateop, date op,",
    "operation date, fecha de transaccion",
)
POSTED_DATE = _words(
    "post date, posted date, posting date, clearing date, completed date, settlement date, value date,",
    "valuta, valutadatum, wertstellung, date de valeur, fecha valor, rentedatum, boekdatum, date valeur,",
    "dateval, date val",
)
AMOUNT = _words(
    "amount, betrag, bedrag, montant, importe, umsatz, transaction amount, amt, value, valor, importo,",
    "kwota, belopp, summe, net amount, montant eur, betrag eur, paid amount, total, suma",
)
DEBIT = _words(
    "debit, debits, debit amount, withdrawal, withdrawals, withdrawal amount, money out, paid out, out,",
    "outflow, soll, ausgang, ausgabe, lastschrift, af, debe, cargo, cargos, retrait, retraits, sortie,",
    "afschrijving, charges, spent",
)
CREDIT = _words(
    "credit, credits, credit amount, deposit, deposits, deposit amount, money in, paid in, in, inflow,",
    "haben, eingang, einnahme, gutschrift, bij, haber, abono, abonos, depot, bijschrijving, entree,",
    "received",
)
INDICATOR = _words(
    "af bij, debit credit, credit debit, dr cr, cr dr, soll haben, umsatztyp, transaction type, type,",
    "details, direction, richtung, sens, tipo, debit credit indicator, cd, s h",
)
FEE = _words("fee, fees, gebuhr, gebuhren, entgelt, kosten, frais, comision, commission, transaction fee")
TEXT = _words(
    "description, transaction description, details, transaction details, narrative, memo, beschreibung,",
    "verwendungszweck, buchungstext, omschrijving, mededelingen, libelle, libelle operation, intitule,",
    "concepto, descripcion, detalle, text, buchungsinformation, remittance information, purpose, reference text,",
    "label, libelle simplifie, wording, paaiskinimai",
)
PAYEE = _words(
    "payee, name, merchant, merchant name, counterparty, counter party, payee name, beneficiary,",
    "auftraggeber begunstigter, begunstigter zahlungspflichtiger, beguenstigter zahlungspflichtiger,",
    "zahlungsempfanger in, zahlungsempfanger, empfanger, auftraggeber, naam omschrijving, naam,",
    "tegenpartij, beneficiaire, beneficiario, contrapartida, gavejas",
)
CATEGORY = _words("category, kategorie, categorie, categoria, rubrik, rubrique, bank category")
CURRENCY = _words("currency, wahrung, devise, moneda, ccy, currency code, waehrung, munt, valiuta")
ACCOUNT = _words(
    "account, account name, account number, account #, card, card no, card number, card member, accountnum,",
    "account num, auftragskonto",
)
STATUS = _words("status, state, transaction status, zustand, estado, statut, buchungsstatus")
BALANCE = _words(
    "balance, running bal, running balance, saldo, kontostand, solde, saldo na mutatie, balance after,",
    "available balance, new balance, accountbalance, account balance",
)
NON_ENGLISH = frozenset(
    _words(
        "datum, fecha, betrag, bedrag, montant, importe, umsatz, soll, haben, af bij, af, bij, debe, haber,",
        "verwendungszweck, omschrijving, mededelingen, libelle, concepto, buchungstag, buchungsdatum,",
        "wertstellung, valuta, kategorie, categorie, saldo, kontostand, solde, waehrung, wahrung, devise,",
        "naam omschrijving, date operation, fecha operacion, beschreibung, buchungstext",
    )
)

DEBIT_WORDS = frozenset(
    _words(
        "debit, dr, d, af, s, soll, ausgang, out, outflow, withdrawal, debet, cargo, debito, db, -, charge,",
        "lastschrift",
    )
)
CREDIT_WORDS = frozenset(
    _words("credit, cr, c, bij, h, haben, eingang, in, inflow, deposit, abono, credito, +, gutschrift")
)
PENDING_WORDS = _words(
    "pending, vorgemerkt, reverted, declined, failed, cancelled, canceled, rejected, in behandeling,",
    "en attente, pendiente, authorised, authorized, on hold, hold, offen, storniert, abgelehnt",
)
BALANCE_LINE_PATTERNS = (
    r"^\s*(beginning|opening|starting|closing|ending|previous|new)\s+balance\b",
    r"^\s*(anfangssaldo|endsaldo|kontostand|saldo\s+(anterior|inicial|final|vortrag))\b",
    r"^\s*(solde\s+(initial|final|precedent|pr[eé]c[eé]dent|au))\b",
    r"^\s*(beginsaldo|eindsaldo)\b",
)
_PENDING_TEXT = re.compile(r"\b(" + "|".join(re.escape(w) for w in PENDING_WORDS) + r")\b", re.IGNORECASE)
_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_ORIGINAL = re.compile(r"\b(orig\w*|foreign|local|ursprung\w*|fremd\w*|oorspronkelijk\w*)\b")
_ISO_HINT = re.compile(
    r"\b(USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|INR|MXN|BRL|ZAR|SGD|HKD)\b"
)


@dataclass
class Detection:
    mapping: ColumnMapping
    confident: bool
    uncertain_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Column:
    index: int
    name: str
    role: str
    values: list[str]
    filled: int
    dates: int
    amounts: int

    def date_share(self) -> float:
        return self.dates / self.filled if self.filled else 0.0

    def amount_share(self) -> float:
        return self.amounts / self.filled if self.filled else 0.0


def _profile_columns(columns: Sequence[str], rows: Sequence[list[str]]) -> list[_Column]:
    profiled = []
    sample = rows[:5000]
    for index, name in enumerate(columns):
        values = [row[index].strip() if index < len(row) else "" for row in rows]
        shown = [v for v in (values[: len(sample)]) if v]
        dates = sum(1 for v in shown if looks_like_date(v))
        amounts = sum(1 for v in shown if looks_like_amount(v) and not looks_like_date(v))
        profiled.append(_Column(index, name, role_name(name), values, len(shown), dates, amounts))
    return profiled


def _rank(column: _Column, synonyms: Sequence[str]) -> int | None:
    """Position of the column's name in a synonym list (exact first, then as a contained phrase)."""
    if column.role in synonyms:
        return synonyms.index(column.role)
    padded = f" {column.role} "
    for position, word in enumerate(synonyms):
        if len(word) > 3 and f" {word} " in padded:
            return len(synonyms) + position
    return None


def _best(columns: Sequence[_Column], synonyms: Sequence[str], taken: set[int]) -> _Column | None:
    ranked = [
        (rank, c.index, c)
        for c in columns
        if c.index not in taken and (rank := _rank(c, synonyms)) is not None
    ]
    return min(ranked, key=lambda item: (item[0], item[1]))[2] if ranked else None


def _is_balance(column: _Column) -> bool:
    return _rank(column, BALANCE) is not None


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
    profiled = _profile_columns(columns, rows)
    if not has_header:
        reasons.append("the file has no header row; its columns were recognised by their values alone")
        for column in profiled:
            column.role = ""
    european = delimiter == ";" or any(c.role in NON_ENGLISH for c in profiled)
    taken: set[int] = set()

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
    newest_first = file_order([parse_date(v) for v in date_col.values])
    amounts = _pick_amounts(profiled, taken, reasons, filename, "," if european else ".", newest_first)
    notes.extend(amounts.evidence)
    if amounts.debit is not None and amounts.fit is None and not has_header:
        reasons.append(
            f"without a header or a running balance, which of '{amounts.debit.name}' and "
            f"'{amounts.credit.name if amounts.credit else ''}' is money out cannot be told; "
            f"'{amounts.debit.name}' was taken as money out"
        )
    amount_values = [v for c in amounts.columns for v in c.values]
    decimal = _decide_decimal(amounts.columns, fallback="," if european else ".", reasons=reasons)

    description, payee = _pick_description(profiled, taken, reasons, filename)
    fee = _best([c for c in profiled if c.amount_share() >= 0.8 or not c.filled], FEE, taken)
    if fee is not None:
        taken.add(fee.index)
    category = _best(profiled, CATEGORY, taken)
    currency_col = _pick_currency_column(profiled, taken, amounts.columns)
    account = _best(profiled, ACCOUNT, taken) if has_header else None
    status, pending_values = _pick_status(profiled, taken)
    balance = amounts.balance or next(
        (c for c in profiled if c.index not in taken and _is_balance(c) and c.amount_share() >= 0.8), None
    )

    sign, indicator, debit_values, credit_values = _pick_sign(amounts, profiled, taken, decimal)
    if indicator is not None:
        notes.append(f"the direction of each amount comes from '{indicator.name}'")
    if sign is SignRule.SIGNED and amounts.single is not None:
        card = _card_evidence(profiled, filename)
        sign = _infer_card_sign(amounts, description, balance, decimal, reasons, notes, newest_first, card)
    fee = _fee_if_the_balance_says_so(fee, amounts, balance, sign, decimal, notes, reasons, newest_first)

    currency: str | None
    if currency_col is not None:
        codes = [v for v in currency_col.values if v]
        currency = max(set(codes), key=codes.count)
    else:
        currency = _guess_currency(profiled, amounts.columns, amount_values)
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
    return Detection(mapping=mapping, confident=not reasons, uncertain_reasons=reasons, notes=notes)


def _pick_dates(
    profiled: list[_Column], taken: set[int], reasons: list[str], filename: str
) -> tuple[_Column, _Column | None]:
    candidates = [c for c in profiled if c.filled and c.date_share() >= 0.8]
    transaction_dates = [c for c in candidates if c.role not in POSTED_DATE]
    date_col = _best(transaction_dates, TRANSACTION_DATE, taken) or _best(candidates, POSTED_DATE, taken)
    if date_col is None:
        if not candidates:
            raise IngestError(
                filename, "no column of dates found (looked for Date, Datum, Fecha... and date values)"
            )
        date_col = candidates[0]
        if date_col.role:
            reasons.append(f"column '{date_col.name}' was taken as the date by its values, not its name")
    taken.add(date_col.index)
    posted_col = _best(candidates, POSTED_DATE, taken)
    if posted_col is None and not date_col.role:
        # Headerless: a second full column of dates is the booking or value date.
        posted_col = next((c for c in candidates if c.index not in taken and c.date_share() >= 0.99), None)
    if posted_col is not None:
        taken.add(posted_col.index)
    return date_col, posted_col


@dataclass
class _Amounts:
    single: _Column | None = None
    debit: _Column | None = None
    credit: _Column | None = None
    balance: _Column | None = None  # found by its values: the amounts explain its moves
    fit: BalanceFit | None = None
    evidence: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[_Column]:
        return [c for c in (self.single, self.debit, self.credit) if c is not None]


def _pick_amounts(
    profiled: list[_Column],
    taken: set[int],
    reasons: list[str],
    filename: str,
    fallback: str,
    newest_first: bool | None,
) -> _Amounts:
    """The amount column, or the debit/credit pair: by name first, then by the whole file's values.

    Order of trust: a column named exactly as an amount; a named debit/credit pair; a column whose
    name contains an amount word ('Transfer Amount'); then, by values alone, a pair of columns
    that fill each other's gaps, and a column a running balance moves by; then the column that
    looks most like money. Identifiers (account, card and check numbers) never win.
    """
    # A named column needs only half of its cells to look like amounts, so a few bad cells
    # become invalid rows instead of hiding the column; an unnamed one needs 80%.
    mostly_numeric = [
        c for c in profiled if c.index not in taken and (c.amount_share() >= 0.5 or not c.filled)
    ]
    candidates = [c for c in mostly_numeric if c.filled and not _is_balance(c)]
    # "Original Amount" beside "Amount (EUR)" is the foreign spend, not the account's money.
    own = [c for c in candidates if not _is_original(c)] or candidates
    single = _best(own, AMOUNT, taken)
    debit = _best(mostly_numeric, DEBIT, taken)
    credit = _best([c for c in mostly_numeric if c is not debit], CREDIT, taken)
    exact = single is not None and single.role in AMOUNT
    pair = debit is not None and credit is not None and bool(debit.filled or credit.filled)
    if single is not None and (exact or not pair):
        taken.add(single.index)
        return _Amounts(single=single)
    if pair and debit is not None and credit is not None:
        taken.update((debit.index, credit.index))
        return _Amounts(debit=debit, credit=credit)
    named = {c.index for c in (debit, credit) if c is not None}
    unnamed = [
        c
        for c in profiled
        if c.index not in taken
        and c.index not in named
        and c.filled
        and c.amount_share() >= 0.8
        and not _is_original(c)
    ]
    found = _amounts_by_values(unnamed, fallback, newest_first)
    if found is None:
        raise IngestError(
            filename, "no column of amounts found (looked for Amount, Betrag, Debit/Credit... and numbers)"
        )
    for column in found.columns:
        taken.add(column.index)
        if column.role:
            reasons.append(f"column '{column.name}' was taken as the amount by its values, not its name")
    if found.balance is not None:
        taken.add(found.balance.index)
    return found


def _amounts_by_values(unnamed: list[_Column], fallback: str, newest_first: bool | None) -> _Amounts | None:
    money = {c.index: score for c in unnamed if (score := money_likeness(c.values)) is not None}
    numbers = [c for c in unnamed if c.index in money]
    if not numbers:
        return None
    parsed = {c.index: column_decimals(c.values, fallback) for c in unnamed}
    balances = [c for c in unnamed if _is_balance(c) or c.index not in money] + numbers
    # A running balance the amounts explain decides which column is the amount (and the sign).
    for amount in sorted(numbers, key=lambda c: -money[c.index]):
        for balance in balances:
            if balance is amount:
                continue
            fit = balance_fit(parsed[amount.index], parsed[balance.index], newest_first)
            if fit is not None:
                return _Amounts(
                    single=amount,
                    balance=balance,
                    fit=fit,
                    evidence=[f"'{amount.name}' is the amount: {fit.describe()} in '{balance.name}'"],
                )
    plain = [c for c in numbers if not _is_balance(c)]
    for first_at, first in enumerate(plain):
        for second in plain[first_at + 1 :]:
            if complementary(first.values, second.values):
                return _pair_by_values(first, second, unnamed, parsed, newest_first)
    if not plain:
        return None
    best = max(plain, key=lambda c: (money[c.index], -c.index))
    return _Amounts(single=best)


def _pair_by_values(
    first: _Column,
    second: _Column,
    unnamed: list[_Column],
    parsed: dict[int, list[Decimal | None]],
    newest_first: bool | None,
) -> _Amounts:
    """Two columns that fill each other's gaps: which is money out is the balance's to say.

    Without a balance the first is taken as money out (withdrawals before deposits, as most
    headerless bank exports have them), and the reading is not confident.
    """
    values_first, values_second = parsed[first.index], parsed[second.index]
    flows = [
        (a or Decimal(0)) - (b or Decimal(0)) if a is not None or b is not None else None
        for a, b in zip(values_second, values_first, strict=True)
    ]
    for balance in unnamed:
        if balance in (first, second):
            continue
        fit = balance_fit(flows, parsed[balance.index], newest_first)
        if fit is not None:
            debit, credit = (first, second) if fit.sign == 1 else (second, first)
            return _Amounts(
                debit=debit,
                credit=credit,
                balance=balance,
                fit=fit,
                evidence=[
                    f"'{debit.name}' and '{credit.name}' fill each other's gaps: a debit/credit pair; "
                    f"{fit.describe()} in '{balance.name}' with '{debit.name}' as money out"
                ],
            )
    return _Amounts(
        debit=first,
        credit=second,
        evidence=[
            f"'{first.name}' and '{second.name}' fill each other's gaps: a debit/credit pair, "
            f"'{first.name}' taken as money out"
        ],
    )


def _decide_decimal(columns: list[_Column], *, fallback: str, reasons: list[str]) -> Literal[".", ","]:
    """Each amount column decides its own mark; one mapping needs them to agree."""
    guesses = [infer_decimal_mark(c.values, column=c.name, fallback=fallback) for c in columns]
    decisive = [g for g in guesses if g.decisive]
    if len({g.decimal for g in decisive}) > 1:
        names = " and ".join(f"'{c.name}'" for c in columns)
        reasons.append(f"the amount columns {names} use different decimal marks")
    reasons.extend(g.reason for g in (decisive or guesses) if g.reason and not g.confident)
    chosen = decisive[0].decimal if decisive else fallback
    return "," if chosen == "," else "."


def _pick_description(
    profiled: list[_Column], taken: set[int], reasons: list[str], filename: str
) -> tuple[list[_Column], _Column | None]:
    """The description columns, and the payee column among them when one is named as such."""
    textual = [c for c in profiled if c.index not in taken]
    payee = _best(textual, PAYEE, taken)
    text = _best([c for c in textual if c is not payee], TEXT, taken)
    chosen = [c for c in (payee, text) if c is not None]
    if not chosen:
        candidates = [c for c in textual if c.filled and c.amount_share() < 0.5 and c.date_share() < 0.5]
        if not candidates:
            raise IngestError(filename, "no column with a description of the transactions found")
        best = max(candidates, key=lambda c: (len(set(c.values)), sum(map(len, c.values))))
        if best.role:
            reasons.append(f"column '{best.name}' was taken as the description by its values, not its name")
        chosen = [best]
    taken.update(c.index for c in chosen)
    return chosen, payee if payee is not None and payee.filled else None


def _pick_status(profiled: list[_Column], taken: set[int]) -> tuple[_Column | None, list[str]]:
    """A column of few distinct values, some of which say 'pending' (Status, State, Info...)."""
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v for v in column.values if v}
        if len(observed) > 6:
            continue
        pending = sorted(v for v in observed if _PENDING_TEXT.search(fold_accents(v)))
        if pending or (_rank(column, STATUS) is not None and observed):
            taken.add(column.index)
            return column, sorted({*PENDING_WORDS, *(v.casefold() for v in pending)})
    return None, []


def _is_original(column: _Column) -> bool:
    """A column of foreign spend's original amount or currency ("Original Currency", "Währung Originalbetrag")."""
    return _ORIGINAL.search(column.role) is not None


def _header_currency(column: _Column) -> str | None:
    """The currency an amount column's header names: 'Amount (EUR)', 'Betrag in €'."""
    found = _ISO_HINT.search(column.name.upper())
    if found:
        return found.group(1)
    return next((code for symbol, code in _CURRENCY_SYMBOLS.items() if symbol in column.name), None)


def _pick_currency_column(
    profiled: list[_Column], taken: set[int], amount_columns: list[_Column]
) -> _Column | None:
    """A column of each row's currency, only when it is the currency of the amount column.

    A column qualified as original, foreign or local belongs to the foreign spend beside the
    amount, and so does one that disagrees with the currency the amount's header names.
    """
    named_by_header = {code for c in amount_columns if (code := _header_currency(c))}
    for column in profiled:
        if column.index in taken or not column.filled or _is_original(column):
            continue
        if _rank(column, CURRENCY) is None:
            continue
        codes = {v for v in column.values if v}
        if not all(re.fullmatch(r"[A-Z]{3}", v) for v in codes):
            continue
        if named_by_header and not codes <= named_by_header:
            continue
        taken.add(column.index)
        return column
    return None


def _pick_sign(
    amounts: _Amounts, profiled: list[_Column], taken: set[int], decimal: str
) -> tuple[SignRule, _Column | None, list[str], list[str]]:
    if amounts.debit is not None:
        negative = any(v.strip().startswith(("-", "(", "\u2212")) for c in amounts.columns for v in c.values)
        return (SignRule.DEBIT_CREDIT_ABS if negative else SignRule.DEBIT_CREDIT_UNSIGNED), None, [], []
    assert amounts.single is not None
    if any(
        v.strip().startswith(("-", "(", "\u2212")) or v.strip().endswith("-") for v in amounts.single.values
    ):
        return SignRule.SIGNED, None, [], []
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v.strip().casefold() for v in column.values if v.strip()}
        pair = direction_pair(observed)
        if pair is not None and pair not in (("d", "k"), ("-", "+")):
            # The whole vocabulary, not just the words seen, so a remembered mapping fits the next file too.
            taken.add(column.index)
            return SignRule.UNSIGNED_PLUS_INDICATOR, column, sorted(DEBIT_WORDS), sorted(CREDIT_WORDS)
        if pair is not None:
            taken.add(column.index)
            return SignRule.UNSIGNED_PLUS_INDICATOR, column, [pair[0]], [pair[1]]
        if not observed or len(observed) > 4 or not observed <= (DEBIT_WORDS | CREDIT_WORDS):
            continue
        if _rank(column, INDICATOR) is None and not observed & {"debit", "credit", "af", "bij", "dr", "cr"}:
            continue
        taken.add(column.index)
        return SignRule.UNSIGNED_PLUS_INDICATOR, column, sorted(DEBIT_WORDS), sorted(CREDIT_WORDS)
    return SignRule.SIGNED, None, [], []


def _infer_card_sign(
    amounts: _Amounts,
    description: list[_Column],
    balance: _Column | None,
    decimal: str,
    reasons: list[str],
    notes: list[str],
    newest_first: bool | None,
    card: str | None,
) -> SignRule:
    assert amounts.single is not None
    values = decimals(amounts.single.values, decimal)
    if balance is not None:
        moves = amounts.fit.sign if amounts.fit else balance_sign(values, decimals(balance.values, decimal), newest_first)
        if moves == 1:
            return SignRule.SIGNED
        if moves == -1:
            notes.append(
                f"sign convention inferred from the running balance in '{balance.name}': "
                "amounts were flipped so money out is negative"
            )
            return SignRule.SIGNED_INVERTED
    texts = [" ".join(c.values[i] for c in description) for i in range(len(values))]
    evidence = sign_evidence(texts, values)
    if evidence == "inverted":
        notes.append(
            "sign convention inferred from the data: payments and refunds are negative and purchases "
            "positive (a card export), so amounts were flipped to make money out negative"
        )
        return SignRule.SIGNED_INVERTED
    if evidence is None and values and all(v is None or v >= 0 for v in values) and any(values):
        if card is not None:
            notes.append(f"every amount is positive in a card statement ({card}): they were taken as purchases")
            reasons.append(
                "every amount is positive, so money in and money out cannot be told apart; as the file is "
                "a card's, they were taken as purchases (money out) - pick the sign rule if that is wrong"
            )
            return SignRule.SIGNED_INVERTED
        # Never flipped on a guess: a file of deposits or invoices is all positive too.
        reasons.append(
            "every amount is positive, so money in and money out cannot be told apart; "
            "they were kept as the file gives them (money in) - pick the sign rule if they are card purchases"
        )
    return SignRule.SIGNED


_CARD_NAME = re.compile(r"\b(card|visa|master\s*card|amex|credit\s*card|kreditkarte|carte)\b", re.IGNORECASE)
# A card holder's column, not a payment processor's (Stripe's 'card_id' is the payer's card).
_CARD_COLUMN = re.compile(r"\bcard\s*(used|number|no|member|ending|holder)\b|\bcardmember\b")
_MASKED_CARD = re.compile(r"^[*xX•]{4}[\s-]?(?:[*xX•]{4}[\s-]?)*\d{4}$")


def _card_evidence(profiled: list[_Column], filename: str) -> str | None:
    """What says the file is a card's statement (a masked card number column, a card header, its name)."""
    for column in profiled:
        filled = [v for v in column.values if v]
        if filled and all(_MASKED_CARD.match(v) for v in filled):
            return f"'{column.name}' holds masked card numbers"
    for column in profiled:
        if column.role and _CARD_COLUMN.search(column.role):
            return f"column '{column.name}'"
    stem = re.sub(r"[^A-Za-z]+", " ", Path(filename).stem)
    if _CARD_NAME.search(stem) or re.search(r"(?i)(mastercard|creditcard|visa)", Path(filename).stem):
        return f"the file name '{filename}'"
    return None


def _fee_if_the_balance_says_so(
    fee: _Column | None,
    amounts: _Amounts,
    balance: _Column | None,
    sign: SignRule,
    decimal: str,
    notes: list[str],
    reasons: list[str],
    newest_first: bool | None,
) -> _Column | None:
    """A fee column is taken off the amount only when a running balance shows the net moved it.

    Otherwise the amount stands as the file gives it: UTrade's and Wise's amounts already include
    their fees, Stripe's gross is what its exports book.
    """
    if fee is None:
        return None
    single = amounts.single
    if balance is not None and single is not None and sign in (SignRule.SIGNED, SignRule.SIGNED_INVERTED):
        flip = -1 if sign is SignRule.SIGNED_INVERTED else 1
        gross = [v * flip if v is not None else None for v in decimals(single.values, decimal)]
        fees = decimals(fee.values, decimal)
        net = [g - (f or 0) if g is not None else None for g, f in zip(gross, fees, strict=True)]
        moves = decimals(balance.values, decimal)
        net_fit, gross_fit = balance_fit(net, moves, newest_first), balance_fit(gross, moves, newest_first)
        if net_fit is not None and (gross_fit is None or net_fit.hits > gross_fit.hits):
            notes.append(
                f"'{fee.name}' is taken off '{single.name}': the running balance in '{balance.name}' "
                "moves by the amount less the fee"
            )
            return fee
        if gross_fit is not None:
            notes.append(
                f"'{fee.name}' is already in '{single.name}': the running balance in '{balance.name}' "
                "moves by the amount itself"
            )
            return None
    reasons.append(
        f"nothing in the file shows whether '{fee.name}' is already in the amount; the amount was kept "
        "as the file gives it - map the fee column if it must be taken off"
    )
    return None


def _guess_currency(
    profiled: list[_Column], amount_columns: list[_Column], amount_values: Sequence[str]
) -> str | None:
    """The currency the file names for its amounts (a header, a symbol or code in the cells), or None.

    None is an honest answer: the account's remembered currency or the user's home currency
    decides then, never a guess from the delimiter.
    """
    named = [*amount_columns, *(c for c in profiled if c not in amount_columns and not _is_original(c))]
    for column in named:
        code = _header_currency(column)
        if code:
            return code
    sample = " ".join(amount_values[:200])
    for symbol, code in _CURRENCY_SYMBOLS.items():
        if symbol in sample:
            return code
    found = _ISO_HINT.search(sample)
    return found.group(1) if found else None


def _pick_original(profiled: list[_Column], taken: set[int]) -> tuple[_Column | None, _Column | None]:
    """The foreign spend's amount and currency columns, kept only as a pair (an amount needs its currency)."""
    free = [c for c in profiled if c.index not in taken and c.filled and _is_original(c)]
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
    profiled: list[_Column], amount_columns: list[_Column], currency: str | None
) -> list[str]:
    originals = [c for c in profiled if c.filled and _is_original(c) and c not in amount_columns]
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
